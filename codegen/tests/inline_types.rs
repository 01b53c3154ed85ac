//! Inline schemas of the same shape are one type (issue 17): big documents repeat the same
//! inline object in every operation, and one struct each made their crates slow to compile.
//! What counts as the same shape, which name the type keeps, and what is never merged.

use std::collections::BTreeMap;

use aqua_codegen::SpecSource;
use aqua_codegen::model::{Api, TypeKind, TypeRef};

fn lowered(paths: &str) -> Api {
    let text = format!("openapi: 3.0.3\ninfo: {{title: Shapes, version: '1'}}\npaths:\n{paths}");
    let source = SpecSource::new("shapes.yaml", text);
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
    let TypeKind::Struct { fields, .. } = &api.types["ListABody"].kind else {
        panic!("not a struct");
    };
    let links = fields.iter().find(|f| f.wire == "links").unwrap();
    assert_eq!(links.ty, TypeRef::Named("ListABodyLinks".into()));
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
        let TypeRef::Named(name) = responses[id] else {
            panic!("{id}: not a named type");
        };
        let TypeKind::Struct { fields, .. } = &api.types[name].kind else {
            panic!("{name}: not a struct");
        };
        let links = fields.iter().find(|f| f.wire == "links").unwrap();
        assert_eq!(links.ty, TypeRef::Named("ListABodyLinks".into()), "{id}");
    }
    // The enum with a third value is its own type.
    let TypeRef::Named(e) = responses["listE"] else {
        panic!("not named");
    };
    let TypeKind::Struct { fields, .. } = &api.types[e].kind else {
        panic!("not a struct");
    };
    let status = fields.iter().find(|f| f.wire == "status").unwrap();
    assert_eq!(status.ty, TypeRef::Named("ListEBodyStatus".into()));
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
    let api = aqua_codegen::generate(&SpecSource::new("c.yaml", text.to_owned()))
        .unwrap_or_else(|d| panic!("{d}"))
        .api;
    let names: Vec<&str> = api.types.keys().map(String::as_str).collect();
    // `First` and `Second` stay two types (their names are the API); the two inline objects
    // of `Holder` are one, and not merged into a component.
    assert_eq!(names, ["First", "Holder", "HolderOne", "Second"]);
    let TypeKind::Struct { fields, .. } = &api.types["Holder"].kind else {
        panic!("not a struct");
    };
    assert!(
        fields
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
    let api = aqua_codegen::generate(&SpecSource::new("t.yaml", text.to_owned()))
        .unwrap_or_else(|d| panic!("{d}"))
        .api;
    let TypeKind::Struct { fields, .. } = &api.types["Tree"].kind else {
        panic!("not a struct");
    };
    let node = &fields[0].ty;
    assert_eq!(node, &TypeRef::Named("TreeNode".into()));
    let TypeKind::Struct { fields: inner, .. } = &api.types["TreeNode"].kind else {
        panic!("not a struct");
    };
    assert_eq!(inner[0].ty, TypeRef::Vec(Box::new(node.clone())));
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
