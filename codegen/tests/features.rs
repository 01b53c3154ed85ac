//! API areas as cargo features (`Options::features`, what `aqua-codegen crate` writes): which
//! area each operation is in, what each type is gated on, the manifest's `[features]`, and that
//! without the option nothing is gated. `.ci/run` builds the crate of `specs/areas.yaml` with
//! no area, each area alone and all of them (and Zuora's Billing API with one area and all).

use std::collections::BTreeMap;

use aqua_codegen::{CrateOptions, Options, SpecSource};

const AREAS: &str = include_str!("specs/areas.yaml");

fn source() -> SpecSource {
    SpecSource::new("areas.yaml", AREAS.to_owned())
}

fn with_features() -> Options {
    let mut options = Options::deny_warnings();
    options.features = true;
    options
}

#[test]
fn operations_are_in_the_area_of_their_feature_extension_else_of_their_first_tag() {
    let generated = aqua_codegen::generate_with(&source(), &with_features()).unwrap();
    let api = &generated.api;
    let areas: BTreeMap<&str, Option<&str>> = api
        .operations
        .iter()
        .map(|o| (o.id.as_str(), o.feature.as_deref()))
        .collect();
    assert_eq!(
        areas,
        BTreeMap::from([
            ("listPets", Some("pets")),
            ("placeOrder", Some("store-orders")),
            ("getStats", Some("admin")),
            ("getHealth", None),
        ])
    );
    let features: Vec<(&str, &[String], usize)> = api
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.sources.as_slice(), f.operations))
        .collect();
    assert_eq!(
        features,
        [
            ("admin", &["admin".to_owned()][..], 1),
            ("pets", &["Pets".to_owned()][..], 1),
            ("store-orders", &["Store Orders".to_owned()][..], 1),
        ]
    );
}

#[test]
fn types_are_gated_on_the_areas_that_reach_them() {
    let generated = aqua_codegen::generate_with(&source(), &with_features()).unwrap();
    let gates: BTreeMap<&str, Vec<&str>> = generated
        .api
        .gates
        .iter()
        .map(|(t, f)| (t.as_str(), f.iter().map(String::as_str).collect()))
        .collect();
    // `Problem` is the shared error type, `Kind` is reached by `Unused`, which no operation
    // reaches: both are in every build, as is `Unused`.
    assert_eq!(
        gates,
        BTreeMap::from([
            ("Order", vec!["store-orders"]),
            ("OrderStatus", vec!["store-orders"]),
            ("Pet", vec!["pets", "store-orders"]),
            ("Stats", vec!["admin"]),
        ])
    );
    let code = aqua_codegen::render_with_threads(&generated, 1).unwrap();
    insta::assert_snapshot!(code);
}

#[test]
fn without_the_option_nothing_is_gated() {
    let generated = aqua_codegen::generate_with(&source(), &Options::deny_warnings()).unwrap();
    assert!(generated.api.features.is_empty());
    assert!(generated.api.gates.is_empty());
    assert!(generated.api.operations.iter().all(|o| o.feature.is_none()));
    let code = aqua_codegen::render_with_threads(&generated, 1).unwrap();
    assert_eq!(code.matches("#[cfg(").count(), 1, "only the server module");
    assert_eq!(code, aqua_codegen::generate_source(&source()).unwrap());
}

#[test]
fn the_crate_declares_each_area_default_every_area_and_server_with_every_area() {
    let options = CrateOptions {
        name: "areas".to_owned(),
        runtime_path: "../runtime".to_owned(),
    };
    let (files, _) =
        aqua_codegen::standalone_crate_with(&source(), &options, &with_features()).unwrap();
    let manifest = &files.iter().find(|(p, _)| p == "Cargo.toml").unwrap().1;
    let features = manifest
        .split("[features]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap();
    assert_eq!(
        features,
        "## Every API area.\n\
         default = [\"admin\", \"pets\", \"store-orders\"]\n\
         ## The generated server side (handler trait and axum router), with every API area.\n\
         server = [\"aqua-runtime/server\", \"admin\", \"pets\", \"store-orders\"]\n\
         ## The API area of `admin`: 1 operation.\n\
         admin = []\n\
         ## The API area of `Pets`: 1 operation.\n\
         pets = []\n\
         ## The API area of `Store Orders`: 1 operation.\n\
         store-orders = []\n"
    );
    // Without areas, only `server`.
    let plain = aqua_codegen::standalone_crate(&source(), &options).unwrap();
    let manifest = &plain.iter().find(|(p, _)| p == "Cargo.toml").unwrap().1;
    assert!(manifest.contains("[features]\n## The generated server side (handler trait and axum router).\nserver = [\"aqua-runtime/server\"]\n\n[dependencies]"));
}

#[test]
fn tags_that_give_one_name_are_one_area_and_reserved_names_are_renamed() {
    let spec = "openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /a:
    get:
      operationId: a
      tags: [Pet Store]
      responses: {'204': {description: ok}}
  /b:
    get:
      operationId: b
      tags: [PetStore]
      responses: {'204': {description: ok}}
  /c:
    get:
      operationId: c
      tags: [server]
      responses: {'204': {description: ok}}
  /d:
    get:
      operationId: d
      x-aqua-feature: 2024 Reports
      responses: {'204': {description: ok}}
";
    let generated =
        aqua_codegen::generate_with(&SpecSource::new("t.yaml", spec), &with_features()).unwrap();
    let features: Vec<(&str, usize)> = generated
        .api
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.operations))
        .collect();
    assert_eq!(
        features,
        [
            ("area-2024-reports", 1),
            ("pet-store", 2),
            ("server-api", 1)
        ]
    );
}
