//! The generator: the whole generated client as a snapshot, determinism, and diagnostics.

use std::path::{Path, PathBuf};

use aqua_codegen::model::{Response, ResponseBody, Success};
use aqua_codegen::{Severity, SpecSource};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn spec() -> SpecSource {
    SpecSource::from_path(&repo().join("spec/aqua.yaml")).expect("spec/aqua.yaml is readable")
}

/// The reviewable artifact: exactly what `generated/build.rs` compiles.
#[test]
fn aqua_client() {
    let code = aqua_codegen::generate_source(&spec()).unwrap_or_else(|d| panic!("{d}"));
    insta::assert_snapshot!("aqua_client", code);
}

#[test]
fn generation_is_deterministic() {
    let a = aqua_codegen::generate_source(&spec()).unwrap();
    let b = aqua_codegen::generate_source(&spec()).unwrap();
    assert_eq!(a, b);
    // A clone of the text under another name differs only in the header line.
    let renamed = SpecSource::new("other.yaml", spec().text);
    let c = aqua_codegen::generate_source(&renamed).unwrap();
    assert_eq!(
        a.lines().skip(1).collect::<Vec<_>>(),
        c.lines().skip(1).collect::<Vec<_>>()
    );
}

#[test]
fn the_model_has_what_the_spec_documents() {
    let generated = aqua_codegen::generate(&spec()).unwrap();
    let api = &generated.api;
    let urls: Vec<&str> = api.servers.iter().map(|s| s.url.as_str()).collect();
    for url in [
        "https://www.zuora.com/apps/api",
        "https://apisandbox.zuora.com/apps/api",
        "https://rest.zuora.com/v1",
        "https://rest.na.zuora.com/v1",
        "https://rest.sandbox.na.zuora.com/v1",
        "https://rest.apisandbox.zuora.com/v1",
        "https://rest.test.zuora.com/v1",
        "https://rest.eu.zuora.com/v1",
        "https://rest.sandbox.eu.zuora.com/v1",
        "https://rest.test.eu.zuora.com/v1",
        "https://rest.ap.zuora.com/v1",
        "https://rest.test.ap.zuora.com/v1",
    ] {
        assert!(urls.contains(&url), "server {url} missing");
    }
    let op = api
        .operations
        .iter()
        .find(|o| o.id == "getLastCompletedJob")
        .expect("getLastCompletedJob");
    assert_eq!(op.method_name, "get_last_completed_job");
    let wires: Vec<&str> = op.params.iter().map(|p| p.wire.as_str()).collect();
    assert_eq!(
        wires,
        ["partner", "project", "Zuora-Track-Id", "Zuora-Entity-Ids"]
    );
    let Success::One(Response {
        body: ResponseBody::Json {
            error_unless_field, ..
        },
        ..
    }) = &op.success
    else {
        panic!(
            "getLastCompletedJob returns one JSON body: {:?}",
            op.success
        );
    };
    assert_eq!(error_unless_field.as_deref(), Some("id"));

    // The legacy file path is a path of its own for standard tools (`/file/{file-id}` with the
    // legacy hosts as its `servers`), and a path variant of `downloadFile` for the client.
    assert!(api.operations.iter().all(|o| o.id != "downloadLegacyFile"));
    let download = api
        .operations
        .iter()
        .find(|o| o.id == "downloadFile")
        .expect("downloadFile");
    let variants: Vec<(&str, String)> = download
        .path_variants
        .iter()
        .map(|variant| {
            let path = variant
                .parts
                .iter()
                .map(|p| match p {
                    aqua_codegen::model::PathPart::Literal(text) => text.clone(),
                    aqua_codegen::model::PathPart::Param(i) => {
                        format!("{{{}}}", download.params[*i].wire)
                    }
                })
                .collect::<String>();
            (variant.server_path.as_str(), path)
        })
        .collect();
    assert_eq!(variants, [("/apps/api", "/file/{file-id}".to_owned())]);
}

/// A case-insensitive enum lists each spelling Zuora documents (`CSV` and `csv`), so that
/// standard validators accept both; the spellings are one variant. Without
/// `x-aqua-case-insensitive`, they are two.
#[test]
fn spellings_of_a_case_insensitive_enum_are_one_variant() {
    let variants = |extension: &str| {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: T, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n    Format:\n      type: string\n      enum: [CSV, ZIP, csv, zip, Zip]\n{extension}"
        );
        let generated =
            aqua_codegen::generate(&SpecSource::new("t.yaml", text)).expect("a valid spec");
        match &generated.api.types["Format"].kind {
            aqua_codegen::model::TypeKind::Enum { variants, .. } => variants
                .iter()
                .map(|v| (v.name.clone(), v.wire.clone()))
                .collect::<Vec<_>>(),
            other => panic!("not an enum: {other:?}"),
        }
    };
    let pairs = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(n, w)| (n.to_string(), w.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        variants("      x-aqua-case-insensitive: true\n"),
        pairs(&[("Csv", "CSV"), ("Zip", "ZIP")])
    );
    assert_eq!(
        variants(""),
        pairs(&[
            ("Csv", "CSV"),
            ("Zip", "ZIP"),
            ("Csv2", "csv"),
            ("Zip2", "zip"),
            ("Zip3", "Zip")
        ])
    );
}

/// The first two lines of each invalid spec say where the diagnostic must point and what it
/// says (the whole message); an optional third line `# severity: warning` says that it is a
/// warning (the spec still generates), else it is an error.
pub(crate) fn expectation(text: &str) -> (String, String) {
    let mut lines = text.lines();
    let pointer = lines
        .next()
        .and_then(|l| l.strip_prefix("# pointer: "))
        .expect("# pointer: line");
    let message = lines
        .next()
        .and_then(|l| l.strip_prefix("# message: "))
        .expect("# message: line");
    (pointer.to_owned(), message.to_owned())
}

/// The severity the third line of an invalid spec names (`error` without one).
fn expected_severity(text: &str) -> Severity {
    match text
        .lines()
        .nth(2)
        .and_then(|l| l.strip_prefix("# severity: "))
    {
        Some("warning") => Severity::Warning,
        Some(other) => panic!("unknown severity `{other}`"),
        None => Severity::Error,
    }
}

#[test]
fn invalid_specs_fail_with_a_pointer_and_a_position() {
    let dir = repo().join("tests/specs/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the invalid corpus shrank: {files:?}");
    for path in files {
        let source = SpecSource::from_path(&path).unwrap();
        let (pointer, message) = expectation(&source.text);
        let severity = expected_severity(&source.text);
        let options = aqua_codegen::Options::default();
        let result =
            std::panic::catch_unwind(|| aqua_codegen::generate_source_with(&source, &options));
        let diags = match (result, severity) {
            (Ok(Err(d)), Severity::Error) => d,
            (Ok(Ok((_, w))), Severity::Warning) => {
                // Denied, the same warning fails generation.
                let denied = aqua_codegen::generate_source(&source).unwrap_err();
                assert_eq!(denied.items.len(), w.items.len(), "{}", path.display());
                assert!(!denied.to_string().contains("warning at"), "{denied}");
                w
            }
            (Ok(Ok(_)), Severity::Error) => {
                panic!("{} generated code instead of failing", path.display())
            }
            (Ok(Err(d)), Severity::Warning) => {
                panic!("{}: expected only warnings, got:\n{d}", path.display())
            }
            (Err(_), _) => panic!("the generator panicked on {}", path.display()),
        };
        let found = diags
            .items
            .iter()
            .find(|d| d.pointer == pointer && d.message == message && d.severity == severity);
        let found = found.unwrap_or_else(|| {
            panic!(
                "{}: expected `{pointer}` / `{message}`, got:\n{diags}",
                path.display()
            )
        });
        assert!(
            found.span.is_some(),
            "{}: no source position in {found:?}",
            path.display()
        );
        let rendered = diags.to_string();
        assert!(rendered.starts_with(&source.name), "{rendered}");
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("diagnostic_{name}"), rendered);
    }
}

#[test]
fn diagnostics_point_at_the_line_of_the_node() {
    let text = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Pet:\n      not:\n        type: string\n";
    let d = aqua_codegen::generate_source(&SpecSource::new("t.yaml", text)).unwrap_err();
    assert_eq!(
        d.to_string(),
        "t.yaml:7:7: error at #/components/schemas/Pet/not: `not` schemas cannot be typed: generated as `serde_json::Value`"
    );
}

#[test]
fn a_description_edit_changes_the_generated_code() {
    let original = spec();
    let edited = SpecSource::new(
        &original.name,
        original.text.replacen(
            "The job name given at submission (at most 32 characters).",
            "The name of the job.",
            1,
        ),
    );
    assert_ne!(
        original.text, edited.text,
        "the description to edit is gone from the spec"
    );
    let a = aqua_codegen::generate_source(&original).unwrap();
    let b = aqua_codegen::generate_source(&edited).unwrap();
    assert!(a.contains("/// The job name given at submission (at most 32 characters)."));
    assert!(b.contains("/// The name of the job."));
    assert!(!b.contains("/// The job name given at submission (at most 32 characters)."));
}
