//! Synthetic OpenAPI 3.0 specs of any number of operations, for the generator benchmarks.
//!
//! Every operation has schemas of its own ("matching schemas"), so that the spec grows
//! linearly with the number of operations: operation `i` is one of four kinds, in turn,
//!
//! * `getItem{i}`: `GET /items{i}/{id}` returning `Item{i}`;
//! * `createItem{i}`: `POST /items{i}` with an `Item{i}Input` JSON body, returning `Item{i}`;
//! * `listItems{i}`: `GET /items{i}` with `limit` and `cursor` query parameters, returning
//!   `Item{i}Page` (an array of `Item{i}` and a cursor);
//! * `deleteItem{i}`: `DELETE /items{i}/{id}` with an optional header, returning `Item{i}`;
//!
//! each with `400` and `5XX` error responses of the shared `Error` schema. `Item{i}` has a string
//! enum `Item{i}Status`, an integer, a number, a boolean, an array of strings and a nested
//! object `Item{i}Owner`. Only standard OpenAPI 3.0 constructs are used (no vendor
//! extensions), so that other generators accept the same documents.
//!
//! The text is YAML, deterministic for a given count.

use std::fmt::Write as _;

/// The YAML text of a synthetic spec with `operations` operations.
pub fn synthetic_spec(operations: usize) -> String {
    let mut out = String::with_capacity(2_500 * operations + 1_024);
    out.push_str(
        "openapi: 3.0.3\n\
         info:\n  title: Synthetic benchmark API\n  version: \"1.0.0\"\n  \
         description: A generated document for generator benchmarks.\n\
         servers:\n  - url: https://api.example.com/v1\n\
         security:\n  - basicAuth: []\n\
         paths:\n",
    );
    for i in 0..operations {
        write_operation(&mut out, i);
    }
    out.push_str(
        "components:\n  securitySchemes:\n    basicAuth:\n      type: http\n      scheme: basic\n  \
         responses:\n    BadRequest:\n      description: The request is malformed.\n      content:\n        \
         application/json:\n          schema:\n            $ref: '#/components/schemas/Error'\n    \
         ServerError:\n      description: The server failed.\n      content:\n        \
         application/json:\n          schema:\n            $ref: '#/components/schemas/Error'\n  \
         schemas:\n    Error:\n      type: object\n      description: An error body.\n      \
         properties:\n        code:\n          type: string\n          description: A machine-readable code.\n        \
         message:\n          type: string\n          description: What went wrong.\n",
    );
    for i in 0..operations {
        write_schemas(&mut out, i, i % 4 == 1, i % 4 == 2);
    }
    out
}

fn write_operation(out: &mut String, i: usize) {
    let error = "        '400':\n          $ref: '#/components/responses/BadRequest'\n        \
                 5XX:\n          $ref: '#/components/responses/ServerError'\n";
    let ok = |out: &mut String, schema: &str| {
        let _ = write!(
            out,
            "      responses:\n        '200':\n          description: The result.\n          content:\n            \
             application/json:\n              schema:\n                $ref: '#/components/schemas/{schema}'\n{error}"
        );
    };
    let id_param = "        - name: id\n          in: path\n          required: true\n          \
                    description: The item ID.\n          schema:\n            type: string\n";
    match i % 4 {
        0 => {
            let _ = write!(
                out,
                "  /items{i}/{{id}}:\n    get:\n      operationId: getItem{i}\n      \
                 summary: Get item {i}.\n      parameters:\n{id_param}"
            );
            ok(out, &format!("Item{i}"));
        }
        1 => {
            let _ = write!(
                out,
                "  /items{i}:\n    post:\n      operationId: createItem{i}\n      \
                 summary: Create item {i}.\n      requestBody:\n        required: true\n        \
                 content:\n          application/json:\n            schema:\n              \
                 $ref: '#/components/schemas/Item{i}Input'\n"
            );
            ok(out, &format!("Item{i}"));
        }
        2 => {
            let _ = write!(
                out,
                "  /items{i}:\n    get:\n      operationId: listItems{i}\n      \
                 summary: List items {i}.\n      parameters:\n        - name: limit\n          \
                 in: query\n          required: false\n          description: The most items to return.\n          \
                 schema:\n            type: integer\n            format: int32\n        \
                 - name: cursor\n          in: query\n          required: false\n          \
                 description: Where the previous page ended.\n          schema:\n            type: string\n"
            );
            ok(out, &format!("Item{i}Page"));
        }
        _ => {
            let _ = write!(
                out,
                "  /items{i}/{{id}}:\n    delete:\n      operationId: deleteItem{i}\n      \
                 summary: Delete item {i}.\n      parameters:\n{id_param}        \
                 - name: X-Request-Id\n          in: header\n          required: false\n          \
                 description: A tracing identifier.\n          schema:\n            type: string\n"
            );
            ok(out, &format!("Item{i}"));
        }
    }
}

fn write_schemas(out: &mut String, i: usize, input: bool, page: bool) {
    let _ = write!(
        out,
        "    Item{i}:\n      type: object\n      description: Item {i}.\n      required: [id, name]\n      \
         properties:\n        id:\n          type: string\n          description: The ID.\n        \
         name:\n          type: string\n          description: The name.\n        \
         status:\n          $ref: '#/components/schemas/Item{i}Status'\n        \
         count:\n          type: integer\n          format: int64\n          description: A count.\n        \
         price:\n          type: number\n          format: double\n          description: A price.\n        \
         active:\n          type: boolean\n          description: Whether it is active.\n        \
         tags:\n          type: array\n          description: Tags.\n          items:\n            type: string\n        \
         owner:\n          $ref: '#/components/schemas/Item{i}Owner'\n    \
         Item{i}Status:\n      type: string\n      description: The state of item {i}.\n      \
         enum: [active, inactive, archived]\n    \
         Item{i}Owner:\n      type: object\n      description: The owner of item {i}.\n      \
         properties:\n        id:\n          type: string\n          description: The owner's ID.\n        \
         email:\n          type: string\n          description: The owner's e-mail address.\n"
    );
    if input {
        let _ = write!(
            out,
            "    Item{i}Input:\n      type: object\n      description: A new item {i}.\n      \
             required: [name]\n      properties:\n        name:\n          type: string\n          \
             description: The name.\n        tags:\n          type: array\n          description: Tags.\n          \
             items:\n            type: string\n"
        );
    }
    if page {
        let _ = write!(
            out,
            "    Item{i}Page:\n      type: object\n      description: A page of items {i}.\n      \
             properties:\n        items:\n          type: array\n          description: The items.\n          \
             items:\n            $ref: '#/components/schemas/Item{i}'\n        \
             next:\n          type: string\n          description: The cursor of the next page.\n"
        );
    }
}
