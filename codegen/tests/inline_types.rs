//! Inline schemas of the same shape are one type (issue 17): big documents repeat the same
//! inline object in every operation, and one struct each made their crates slow to compile.
//! What counts as the same shape, which name the type keeps, and what is never merged.

use std::collections::BTreeMap;

use aqua_codegen::SpecSource;
use aqua_codegen::model::{Api, Field, TypeKind, TypeRef};

/// The model of a document of these `paths`.
fn lowered(paths: &str) -> Api {
    lowered_text(&format!(
        "openapi: 3.0.3\ninfo: {{title: Shapes, version: '1'}}\npaths:\n{paths}"
    ))
}

/// The model of a whole document.
fn lowered_text(text: &str) -> Api {
    let source = SpecSource::new("shapes.yaml", text.to_owned());
    aqua_codegen::generate(&source)
        .unwrap_or_else(|d| panic!("{d}"))
        .api
}

/// Each operation's JSON success type, by operation id.
fn responses(api: &Api) -> BTreeMap<&str, &TypeRef> {
    api.operations
        .iter()
        .filter_map(|o| Some((o.id.as_str(), o.success.json()?)))
        .collect()
}

/// The fields of the struct `name`.
fn fields<'a>(api: &'a Api, name: &str) -> &'a [Field] {
    match &api.types[name].kind {
        TypeKind::Struct { fields, .. } => fields,
        other => panic!("{name} is not a struct: {other:?}"),
    }
}

/// The type of the field of struct `name` whose wire name is `wire`.
fn field_type<'a>(api: &'a Api, name: &str, wire: &str) -> &'a TypeRef {
    let field = fields(api, name).iter().find(|f| f.wire == wire);
    &field.unwrap_or_else(|| panic!("{name} has no `{wire}`")).ty
}

/// The name of a named type.
fn name(t: &TypeRef) -> &str {
    match t {
        TypeRef::Named(n) => n,
        other => panic!("not a named type: {other:?}"),
    }
}

/// A `GET` operation at `path` whose 200 response is the inline `schema` (YAML, indented for
/// its place).
fn get(path: &str, id: &str, schema: &str) -> String {
    format!(
        "  {path}:\n    get:\n      operationId: {id}\n      responses:\n        '200':\n          description: OK\n          content:\n            application/json:\n              schema:\n{schema}"
    )
}

const PAGE: &str = "                type: object
                description: A page of results.
                properties:
                  total: {type: integer}
                  status: {type: string, enum: [open, closed]}
                  links:
                    type: object
                    properties:
                      next: {type: string}
";

#[test]
fn equal_inline_objects_are_one_type_named_after_the_first_place() {
    let api = lowered(&[get("/a", "listA", PAGE), get("/b", "listB", PAGE)].concat());
    let responses = responses(&api);
    assert_eq!(responses["listA"], &TypeRef::Named("ListABody".into()));
    assert_eq!(responses["listA"], responses["listB"]);
    // The nested object and enum are shared too, and no second copy of any is left.
    let names: Vec<&str> = api.types.keys().map(String::as_str).collect();
    assert_eq!(names, ["ListABody", "ListABodyLinks", "ListABodyStatus"]);
    assert_eq!(
        field_type(&api, "ListABody", "links"),
        &TypeRef::Named("ListABodyLinks".into())
    );
}

#[test]
fn a_different_description_type_or_requirement_is_another_type() {
    let other_docs = PAGE.replace("A page of results.", "A page of orders.");
    let other_type = PAGE.replace("total: {type: integer}", "total: {type: string}");
    let required = PAGE.replacen(
        "                properties:\n",
        "                required: [total]\n                properties:\n",
        1,
    );
    let other_enum = PAGE.replace("[open, closed]", "[open, closed, void]");
    let api = lowered(
        &[
            get("/a", "listA", PAGE),
            get("/b", "listB", &other_docs),
            get("/c", "listC", &other_type),
            get("/d", "listD", &required),
            get("/e", "listE", &other_enum),
        ]
        .concat(),
    );
    let responses = responses(&api);
    let distinct: std::collections::BTreeSet<&TypeRef> = responses.values().copied().collect();
    assert_eq!(distinct.len(), 5, "{responses:?}");
    // Where only the outer object differs, its inner types are still shared.
    for id in ["listB", "listC", "listD"] {
        assert_eq!(
            field_type(&api, name(responses[id]), "links"),
            &TypeRef::Named("ListABodyLinks".into()),
            "{id}"
        );
    }
    // The enum with a third value is its own type.
    assert_eq!(
        field_type(&api, name(responses["listE"]), "status"),
        &TypeRef::Named("ListEBodyStatus".into())
    );
}

#[test]
fn component_schemas_are_never_merged() {
    let text = "openapi: 3.0.3
info: {title: Shapes, version: '1'}
paths: {}
components:
  schemas:
    First: {type: object, properties: {id: {type: string}}}
    Second: {type: object, properties: {id: {type: string}}}
    Holder:
      type: object
      properties:
        one: {type: object, properties: {id: {type: string}}}
        two: {type: object, properties: {id: {type: string}}}
";
    let api = lowered_text(text);
    let names: Vec<&str> = api.types.keys().map(String::as_str).collect();
    // `First` and `Second` stay two types (their names are the API); the two inline objects
    // of `Holder` are one, and not merged into a component.
    assert_eq!(names, ["First", "Holder", "HolderOne", "Second"]);
    assert!(
        fields(&api, "Holder")
            .iter()
            .all(|f| f.ty == TypeRef::Named("HolderOne".into()))
    );
}

#[test]
fn a_recursive_inline_type_is_kept() {
    // `node.children` refers back to `Tree.node` itself through a `$ref` into the component:
    // the type of `node` is recursive and is kept, even though `other` has the same fields.
    let text = "openapi: 3.0.3
info: {title: Shapes, version: '1'}
paths: {}
components:
  schemas:
    Tree:
      type: object
      properties:
        node:
          type: object
          properties:
            children:
              type: array
              items: {$ref: '#/components/schemas/Tree/properties/node'}
        other:
          type: object
          properties:
            children:
              type: array
              items: {$ref: '#/components/schemas/Tree/properties/node'}
";
    let api = lowered_text(text);
    let node = field_type(&api, "Tree", "node");
    assert_eq!(node, &TypeRef::Named("TreeNode".into()));
    assert_eq!(
        field_type(&api, "TreeNode", "children"),
        &TypeRef::Vec(Box::new(node.clone()))
    );
    // Every type named exists.
    for def in api.types.values() {
        if let TypeKind::Struct { fields, .. } = &def.kind {
            for f in fields {
                let mut t = &f.ty;
                while let TypeRef::Vec(inner) = t {
                    t = inner;
                }
                if let TypeRef::Named(n) = t {
                    assert!(api.types.contains_key(n), "{} names {n}", def.name);
                }
            }
        }
    }
}
