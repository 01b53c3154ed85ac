//! OpenAPI 3.1, one form at a time: a few-line 3.1 spec generates exactly the file its 3.0
//! equivalent generates (same warnings too), and a snapshot shows the units of the form.

use aqua_codegen::SpecSource;
use aqua_codegen::emit::Unit;

/// The whole file and the warnings that `body` (a spec without its `openapi` and `info`)
/// generates as OpenAPI `version`.
fn generate(version: &str, body: &str) -> (String, Vec<String>, aqua_codegen::Generated) {
    let text = format!("openapi: {version}\ninfo: {{title: Form, version: '1'}}\n{body}");
    let source = SpecSource::new("form.yaml", text);
    let generated = aqua_codegen::generate(&source).unwrap_or_else(|d| panic!("{d}"));
    let file = aqua_codegen::render_with_threads(&generated, 1).unwrap_or_else(|d| panic!("{d}"));
    let warnings = generated
        .warnings
        .items
        .iter()
        .map(|d| format!("{}: {}", d.pointer, d.message))
        .collect();
    (file, warnings, generated)
}

/// Checks that the 3.1 `body` generates what the 3.0 `equivalent` does, with the warnings
/// `expected` (by pointer), and returns the text of the units of the 3.1 file that `select`
/// picks.
fn same(
    body: &str,
    equivalent: &str,
    expected: &[&str],
    select: impl Fn(&Unit<'_>) -> bool,
) -> String {
    let (file, warnings, generated) = generate("3.1.0", body);
    let (file30, warnings30, _) = generate("3.0.3", equivalent);
    assert_eq!(
        file, file30,
        "the 3.1 form generates other code than its 3.0 equivalent"
    );
    assert!(
        warnings30.is_empty(),
        "the 3.0 equivalent warns: {warnings30:?}"
    );
    let pointers: Vec<&str> = warnings
        .iter()
        .map(|w| w.split(": ").next().unwrap_or(""))
        .collect();
    assert_eq!(pointers, expected, "{warnings:#?}");
    let api = &generated.api;
    let units: Vec<Unit<'_>> = aqua_codegen::emit::units(api)
        .into_iter()
        .filter(select)
        .collect();
    assert!(!units.is_empty(), "no unit was picked");
    let mut text =
        aqua_codegen::render::render_units(api, &units).unwrap_or_else(|e| panic!("{e}"));
    for w in &warnings {
        text = format!("// warning at {w}\n{text}");
    }
    text
}

/// Picks the named types `names`.
fn named<'n>(names: &'n [&str]) -> impl Fn(&Unit<'_>) -> bool + 'n {
    move |unit| matches!(unit, Unit::Type(def) if names.contains(&def.name.as_str()))
}

const NO_PATHS: &str = "paths: {}\n";

#[test]
fn a_type_list_with_null_is_nullable() {
    let b = "  schemas:\n    Page:\n      type: object\n      properties:\n        cursor: {type: [string, 'null'], maxLength: 9}\n";
    let e = "  schemas:\n    Page:\n      type: object\n      properties:\n        cursor: {type: string, nullable: true, maxLength: 9}\n";
    insta::assert_snapshot!(same(
        &format!("{NO_PATHS}components:\n{b}"),
        &format!("{NO_PATHS}components:\n{e}"),
        &[],
        named(&["Page"])
    ));
}

#[test]
fn a_type_list_of_several_types_is_a_union() {
    let b = "    Id:\n      description: An id, as text or as a number.\n      type: [string, integer, 'null']\n      maxLength: 8\n      minimum: 1\n";
    let e = "    Id:\n      description: An id, as text or as a number.\n      nullable: true\n      oneOf:\n        - {type: string, maxLength: 8}\n        - {type: integer, minimum: 1}\n";
    insta::assert_snapshot!(same(
        &format!("{NO_PATHS}components:\n  schemas:\n{b}"),
        &format!("{NO_PATHS}components:\n  schemas:\n{e}"),
        &[],
        named(&["Id"])
    ));
}

#[test]
fn a_null_alternative_is_nullable() {
    let b = "    Node:\n      type: object\n      properties:\n        parent:\n          description: The parent.\n          oneOf: [{$ref: '#/components/schemas/Node'}, {type: 'null'}]\n";
    let e = "    Node:\n      type: object\n      properties:\n        parent:\n          description: The parent.\n          nullable: true\n          allOf: [{$ref: '#/components/schemas/Node'}]\n";
    insta::assert_snapshot!(same(
        &format!("{NO_PATHS}components:\n  schemas:\n{b}"),
        &format!("{NO_PATHS}components:\n  schemas:\n{e}"),
        &[],
        named(&["Node"])
    ));
}

#[test]
fn const_is_an_enum_of_one_value() {
    let b = "    Event:\n      type: object\n      required: [kind]\n      properties:\n        kind: {type: string, const: created}\n";
    let e = "    Event:\n      type: object\n      required: [kind]\n      properties:\n        kind: {type: string, enum: [created]}\n";
    insta::assert_snapshot!(same(
        &format!("{NO_PATHS}components:\n  schemas:\n{b}"),
        &format!("{NO_PATHS}components:\n  schemas:\n{e}"),
        &[],
        named(&["Event", "EventKind"])
    ));
}

#[test]
fn examples_in_a_schema_give_its_example() {
    let b = "    Size:\n      type: object\n      properties:\n        n: {type: integer}\n      examples: [{n: 3}, {n: 4}]\n";
    let e = "    Size:\n      type: object\n      properties:\n        n: {type: integer}\n      example: {n: 3}\n";
    let (file, _, _) = generate("3.1.0", &format!("{NO_PATHS}components:\n  schemas:\n{b}"));
    assert!(file.contains(r#"\"n\": 3"#), "{file}");
    insta::assert_snapshot!(same(
        &format!("{NO_PATHS}components:\n  schemas:\n{b}"),
        &format!("{NO_PATHS}components:\n  schemas:\n{e}"),
        &[],
        named(&["Size"])
    ));
}

#[test]
fn numeric_exclusive_bounds_are_bounds() {
    // Sent in a request body, so that the bounds are checked (`validate`).
    let post = "paths:\n  /readings:\n    post:\n      operationId: addReading\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Reading'}}}}\n      responses: {'204': {description: Stored.}}\n";
    let b = "    Reading:\n      type: object\n      properties:\n        value: {type: number, exclusiveMinimum: 0, maximum: 10, exclusiveMaximum: 20}\n";
    let e = "    Reading:\n      type: object\n      properties:\n        value: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 10}\n";
    insta::assert_snapshot!(same(
        &format!("{post}components:\n  schemas:\n{b}"),
        &format!("{post}components:\n  schemas:\n{e}"),
        &[],
        named(&["Reading"])
    ));
}

#[test]
fn a_reference_with_siblings_is_the_referenced_type_with_their_docs() {
    let unit = "    Unit: {type: string, enum: [m, s]}\n";
    let b = "    Length:\n      type: object\n      properties:\n        unit:\n          $ref: '#/components/schemas/Unit'\n          description: The unit of the length.\n";
    let e = "    Length:\n      type: object\n      properties:\n        unit:\n          description: The unit of the length.\n          allOf: [{$ref: '#/components/schemas/Unit'}]\n";
    insta::assert_snapshot!(same(
        &format!("{NO_PATHS}components:\n  schemas:\n{unit}{b}"),
        &format!("{NO_PATHS}components:\n  schemas:\n{unit}{e}"),
        &[],
        named(&["Length"])
    ));
}

#[test]
fn encoded_and_binary_strings() {
    let b = "    File:\n      type: object\n      properties:\n        digest: {type: string, contentEncoding: base64}\n        body: {type: string, contentMediaType: image/png}\n        text: {type: string, contentMediaType: text/plain}\n";
    let e = "    File:\n      type: object\n      properties:\n        digest: {type: string, format: byte}\n        body: {type: string, format: binary}\n        text: {type: string}\n";
    insta::assert_snapshot!(same(
        &format!("{NO_PATHS}components:\n  schemas:\n{b}"),
        &format!("{NO_PATHS}components:\n  schemas:\n{e}"),
        &[],
        named(&["File"])
    ));
}

const PET: &str = "components:\n  schemas:\n    Pet:\n      type: object\n      properties:\n        name: {type: string}\n";

#[test]
fn a_webhooks_only_document_generates_its_types() {
    let webhooks = "webhooks:\n  added:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}\n      responses: {'200': {description: ok}}\n";
    insta::assert_snapshot!(same(
        &format!("{webhooks}{PET}"),
        &format!("{NO_PATHS}{PET}"),
        &["#/webhooks"],
        named(&["Pet"])
    ));
}

#[test]
fn document_fields_of_31() {
    let b = "jsonSchemaDialect: https://spec.openapis.org/oas/3.1/dialect/base\n";
    let (with, _, _) = generate("3.1.0", &format!("{b}{PET}"));
    let (without, _, _) = generate("3.1.0", PET);
    assert_eq!(with, without);
    // `info.summary` documents the crate as `info.description` does, and a license's SPDX
    // `identifier` is read as its `url` is (neither is generated).
    let doc = |info: &str| {
        let text =
            format!("openapi: 3.1.0\ninfo: {{title: Form, version: '1', {info}}}\n{NO_PATHS}");
        let g = aqua_codegen::generate(&SpecSource::new("form.yaml", text)).unwrap();
        assert!(g.warnings.is_empty(), "{}", g.warnings);
        g.api.description
    };
    assert_eq!(doc("summary: Pets."), Some("Pets.".to_owned()));
    assert_eq!(
        doc("summary: Pets., description: All of them."),
        Some("Pets.\n\nAll of them.".to_owned())
    );
    assert_eq!(doc("license: {name: MIT, identifier: MIT}"), None);
}

#[test]
fn path_items_in_components_are_the_paths_that_name_them() {
    let item = "get:\n  operationId: getPet\n  responses:\n    '200':\n      description: A pet.\n      content:\n        application/json:\n          schema: {$ref: '#/components/schemas/Pet'}\n";
    let indent = |n: usize| {
        item.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(n)))
            .collect::<String>()
    };
    let b = format!(
        "paths:\n  /pet:\n    $ref: '#/components/pathItems/Pet'\n{PET}  pathItems:\n    Pet:\n{}",
        indent(6)
    );
    let e = format!("paths:\n  /pet:\n{}{PET}", indent(4));
    insta::assert_snapshot!(same(&b, &e, &[], |unit| matches!(
        unit,
        Unit::ClientMethod(_) | Unit::Builder(_)
    )));
}
