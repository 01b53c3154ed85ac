//! OpenAPI 3.1 (issue 13): each spec of the corpus has a twin in `tests/specs/v31/`, the same
//! API written in 3.1's forms, and the twin generates, warnings denied, exactly the code of the
//! 3.0 spec (which `corpus.rs` snapshots and the `aqua-corpus` crate compiles).

use std::path::{Path, PathBuf};

use aqua_codegen::SpecSource;

fn specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")
}

#[test]
fn every_corpus_spec_has_a_31_twin_that_generates_the_same_code() {
    let dir = specs();
    let mut originals: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    originals.sort();
    assert!(originals.len() >= 9, "the corpus shrank: {originals:?}");
    for original in originals {
        let name = original.file_name().unwrap();
        let twin = dir.join("v31").join(name);
        let twin_text = std::fs::read_to_string(&twin).unwrap_or_else(|e| {
            panic!(
                "{} has no 3.1 twin {}: {e}",
                original.display(),
                twin.display()
            )
        });
        assert!(
            twin_text.contains("\nopenapi: 3.1.0\n"),
            "{} is not a 3.1 document",
            twin.display()
        );
        let expected = aqua_codegen::generate_source(&SpecSource::from_path(&original).unwrap())
            .unwrap_or_else(|d| panic!("{d}"));
        let generated = aqua_codegen::generate_source(&SpecSource::from_path(&twin).unwrap())
            .unwrap_or_else(|d| panic!("the 3.1 twin {} does not generate:\n{d}", twin.display()));
        assert!(
            generated == expected,
            "the 3.1 twin {} generates other code than {}",
            twin.display(),
            original.display()
        );
    }
}

#[test]
fn the_twins_use_every_31_form_they_stand_for() {
    let mut all = String::new();
    for entry in std::fs::read_dir(specs().join("v31")).unwrap() {
        all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for form in [
        "- 'null'\n",
        "type: [string, integer, 'null']",
        "const: ",
        "examples:\n",
        "exclusiveMinimum: 0",
        "exclusiveMaximum: 1000",
        "summary: ",
        "contentEncoding: base64",
        "contentMediaType: ",
        "pathItems:",
        "jsonSchemaDialect: ",
        "identifier: ",
        "- type: 'null'\n",
    ] {
        assert!(all.contains(form), "no twin writes `{form}`");
    }
    // A `$ref` with a sibling description.
    assert!(
        all.lines()
            .zip(all.lines().skip(1))
            .any(|(a, b)| a.trim_start().starts_with("$ref: ")
                && b.trim_start().starts_with("description: ")),
        "no twin has a `$ref` with a sibling description"
    );
}
