//! The spec corpus (`tests/specs/*.yaml`): each spec's generated code is snapshotted here and
//! compiled by the `aqua-corpus` crate; each documented example decodes and round-trips.

use std::path::Path;

use aqua_codegen::SpecSource;

#[test]
fn every_corpus_spec_generates_reviewable_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut count = 0;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    for path in paths {
        let source = SpecSource::from_path(&path).unwrap();
        let code = aqua_codegen::generate_source(&source)
            .unwrap_or_else(|d| panic!("{} does not generate:\n{d}", path.display()));
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("corpus_{stem}"), code);
        count += 1;
    }
    assert!(count >= 4, "the corpus shrank to {count} specs");
}

#[test]
fn every_corpus_example_decodes_and_round_trips() {
    let mut count = 0;
    for (module, examples) in aqua_corpus::EXAMPLES {
        for example in *examples {
            let decoded = (example.decode)(example.json)
                .unwrap_or_else(|e| panic!("{module}: {} does not decode: {e}", example.name));
            let original: serde_json::Value = serde_json::from_str(example.json).unwrap();
            assert_eq!(decoded.reencoded, original, "{module}: {}", example.name);
            count += 1;
        }
    }
    assert!(count >= 4, "only {count} corpus examples");
}

#[test]
fn unions_dispatch_on_the_discriminator_and_keep_unknown_values() {
    use aqua_corpus::schemas::{Pet, Shape, Thing, ThingColour};
    let thing: Thing =
        serde_json::from_str(aqua_corpus::schemas::examples::GET_THING_200_FULL.json).unwrap();
    match thing.pet.as_ref().unwrap() {
        Pet::Cat(cat) => {
            assert_eq!(cat.name.as_deref(), Some("Tom"));
            assert_eq!(cat.lives, Some(9));
        }
        other => panic!("not a cat: {other:?}"),
    }
    assert!(
        matches!(thing.shape, Some(Shape::Circle(_))),
        "{:?}",
        thing.shape
    );
    assert_eq!(thing.colour, Some(ThingColour::Red));
    assert_eq!(thing.type_.as_deref(), Some("gadget"));
    assert_eq!(thing.self_, Some(true));
    assert_eq!(thing.n_1st.as_deref(), Some("first"));
    assert_eq!(thing.count, Some(9_007_199_254_740_993));
    let tree = thing.tree.as_ref().unwrap();
    assert_eq!(
        tree.children.as_ref().unwrap()[0].label.as_deref(),
        Some("leaf")
    );

    let unknown: Thing =
        serde_json::from_str(aqua_corpus::schemas::examples::GET_THING_200_UNKNOWN_PET.json)
            .unwrap();
    match unknown.pet.as_ref().unwrap() {
        Pet::Unknown(value) => assert_eq!(value["petType"], "parrot"),
        other => panic!("an unknown pet became {other:?}"),
    }
}

#[test]
fn all_of_merges_the_parts_into_one_struct() {
    use aqua_corpus::petstore_expanded::{NewPet, Pet};
    let pet: Pet = serde_json::from_str(r#"{"id": 1, "name": "Rex", "tag": "dog"}"#).unwrap();
    assert_eq!(
        (pet.id, pet.name.as_str(), pet.tag.as_deref()),
        (1, "Rex", Some("dog"))
    );
    // `id` is required by the merged schema, `name` by the referenced one.
    assert!(serde_json::from_str::<Pet>(r#"{"name": "Rex"}"#).is_err());
    assert!(serde_json::from_str::<Pet>(r#"{"id": 1}"#).is_err());
    let new = NewPet::new("Rex").tag("dog");
    assert_eq!(
        serde_json::to_value(&new).unwrap(),
        serde_json::json!({"name": "Rex", "tag": "dog"})
    );
}

#[test]
fn standalone_crates_carry_their_manifest_and_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/petstore.yaml");
    let source = SpecSource::from_path(&path).unwrap();
    let options = aqua_codegen::CrateOptions {
        name: "petstore-client".into(),
        runtime_path: "../runtime".into(),
    };
    let files = aqua_codegen::standalone_crate(&source, &options).unwrap();
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["Cargo.toml", "src/lib.rs"]);
    let manifest = &files[0].1;
    assert!(
        manifest.contains("name = \"petstore-client\""),
        "{manifest}"
    );
    assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
    assert!(
        manifest.contains("aqua-runtime = { path = \"../runtime\" }"),
        "{manifest}"
    );
    let lib = &files[1].1;
    assert!(lib.starts_with("//! A client for Swagger Petstore"));
    assert!(lib.contains(&aqua_codegen::generate_source(&source).unwrap()));
    let bad = aqua_codegen::CrateOptions {
        name: "no spaces".into(),
        runtime_path: "x".into(),
    };
    assert!(aqua_codegen::standalone_crate(&source, &bad).is_err());
}

/// Cookies, raw request bodies and several success responses, over HTTP on 127.0.0.1.
#[tokio::test]
async fn cookies_uploads_and_several_success_responses_work_end_to_end() {
    use crate::support::{Reply, TestServer};
    use aqua_corpus::operations::{Client, Credentials, UploadContentResponse};
    let server = TestServer::scripted(|r| match r.seq {
        0 => Reply::json(200, r#"{"id":"a","name":"x"}"#),
        1 => Reply::new(202, "text/plain", ""),
        _ => Reply::json(409, r#"{"conflictsWith":"b"}"#),
    })
    .await;
    let client = Client::with_base_url(
        &format!("http://{}/v2", server.addr),
        Credentials::bearer("t"),
    )
    .unwrap();
    let first = client
        .upload_content("a/b", b"\x00\x01raw".to_vec())
        .session("s 1;x")
        .await
        .unwrap();
    assert!(
        matches!(&first, UploadContentResponse::Ok(item) if item.id.as_deref() == Some("a")),
        "{first:?}"
    );
    let second = client.upload_content("a", vec![1, 2, 3]).await.unwrap();
    assert_eq!(second, UploadContentResponse::Accepted);
    let err = client.upload_content("a", vec![]).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    let body = err.body().unwrap();
    assert_eq!(body.conflicts_with.as_deref(), Some("b"));

    let requests = server.requests();
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("PUT", "/v2/items/a%2Fb/content")
    );
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_eq!(r.header("cookie"), Some("session=s%201%3Bx"));
    assert_eq!(r.body, b"\x00\x01raw");
    assert_eq!(requests[1].header("cookie"), None);
}

/// Query arrays: exploded (`ids=a&ids=b`) and not (`sizes=1,2`); required headers.
#[tokio::test]
async fn query_arrays_follow_their_style() {
    use crate::support::{Reply, TestServer};
    use aqua_corpus::operations::{Client, Credentials};
    let server = TestServer::scripted(|_| Reply::json(200, "[]")).await;
    let client = Client::with_base_url(
        &format!("http://{}/v2", server.addr),
        Credentials::bearer("t"),
    )
    .unwrap();
    let items = client
        .get_items("req-1")
        .ids(["a".to_owned(), "b c".to_owned()])
        .sizes([1, 2])
        .await
        .unwrap();
    assert!(items.is_empty());
    let r = &server.requests()[0];
    // Query values are percent-encoded (a space as `%20`); `explode: false` joins the items
    // with a literal `,`, as the spec writes `sizes=1,2`.
    assert_eq!(r.target, "/v2/items?ids=a&ids=b%20c&sizes=1,2");
    assert_eq!(r.header("x-request-id"), Some("req-1"));
    assert_eq!(r.header("authorization"), Some("Bearer t"));
}

#[test]
fn real_world_schema_constructs_decode_as_their_documents_mean() {
    use aqua_corpus::real_world_schemas::{Event, Level, Ratio, Record, Tier, examples};
    use aqua_runtime::wire::Nullable;
    let full: Record = serde_json::from_str(examples::GET_RECORD_200_FULL.json).unwrap();
    // Enums without and beside `type`, integer and number enums (named by x-enum-varnames).
    assert_eq!(full.level, Some(Level::Medium));
    assert_eq!(full.ratio, Some(Ratio::Value0_5));
    assert_eq!(full.state.as_ref().map(|s| s.as_str()), Some("closed"));
    // An object and an array without `type`.
    let owner = full.owner.as_ref().unwrap();
    assert_eq!(owner.name.as_deref(), Some("Ada"));
    assert_eq!(owner.tags.as_deref(), Some(&["x".to_owned()][..]));
    // Properties beside a typed map: the listed ones are fields, the others typed values.
    let counts = full.counts.as_ref().unwrap();
    assert_eq!(counts.total, Some(3));
    assert_eq!(counts.additional_properties.get("a"), Some(&1));
    assert!(!counts.additional_properties.contains_key("total"));
    let labels = full.labels.as_ref().unwrap();
    assert_eq!(labels.size.as_deref(), Some("L"));
    assert_eq!(labels.additional_properties["colour"], "red");
    // `null` in a nullable enum, and through an `allOf` wrapper of one `$ref`.
    assert_eq!(full.status, Some(Nullable::Null));
    assert_eq!(full.tier, Some(Nullable::Null));
    // A discriminator over inline alternatives.
    match full.event.as_ref().unwrap() {
        Event::Click(click) => assert_eq!((click.x, click.y), (Some(3), Some(4))),
        other => panic!("not a click: {other:?}"),
    }
    // `format: binary` in JSON holds the text's bytes.
    assert_eq!(full.file.as_ref().unwrap().as_bytes(), b"aGVsbG8=");
    assert_eq!(full.arn.as_deref(), Some("arn:aws:s3:::bucket"));
    assert_eq!(full.priority, Some(7));
    assert_eq!(Tier::Pro.as_str(), "pro");

    // What this version does not know is kept, and encoded back unchanged.
    let newer: Record = serde_json::from_str(examples::GET_RECORD_200_NEW_VALUES.json).unwrap();
    assert_eq!(newer.level, Some(Level::Unknown(9)));
    assert_eq!(newer.ratio, Some(Ratio::Unknown(0.125)));
    assert!(
        matches!(newer.event, Some(Event::Unknown(ref v)) if v["kind"] == "scroll"),
        "{:?}",
        newer.event
    );
    let marker = newer.marker.as_ref().unwrap();
    assert_eq!(marker.unknown_fields["added"], "later");
    assert_eq!(Level::from(9).to_string(), "9");
    assert_eq!(serde_json::to_string(&Level::High).unwrap(), "3");
}

#[test]
fn a_ref_to_a_schema_inside_another_is_that_schema_type() {
    use aqua_corpus::real_world_schemas::{Record, RecordOwner, Team};
    let team: Team = serde_json::from_str(
        r#"{"lead": {"name": "Ada"}, "members": [{"tags": ["x"]}], "first": {"href": "/a"}}"#,
    )
    .unwrap();
    // The same type as the property it names, not a copy and not a JSON value.
    let lead: &RecordOwner = team.lead.as_ref().unwrap();
    let record: Record = serde_json::from_str(r#"{"id": "r", "owner": {"name": "Ada"}}"#).unwrap();
    assert_eq!(record.owner.as_ref(), Some(lead));
    assert_eq!(
        team.members.unwrap()[0].tags.as_deref(),
        Some(&["x".to_owned()][..])
    );
    assert_eq!(team.first.unwrap().href.as_deref(), Some("/a"));
}

#[test]
fn a_discriminator_on_an_all_of_base_decodes_each_subtype() {
    use aqua_corpus::real_world_schemas::Animal;
    let dog: Animal =
        serde_json::from_str(r#"{"kind": "Dog", "name": "Rex", "barks": true}"#).unwrap();
    match &dog {
        Animal::Dog(d) => assert_eq!((d.name.as_deref(), d.barks), (Some("Rex"), Some(true))),
        other => panic!("not a dog: {other:?}"),
    }
    // A subtype this version does not know: the base's fields, the rest kept.
    let cat: Animal =
        serde_json::from_str(r#"{"kind": "Cat", "name": "Tom", "purrs": 3}"#).unwrap();
    match &cat {
        Animal::Base(b) => {
            assert_eq!((b.kind.as_str(), b.name.as_deref()), ("Cat", Some("Tom")));
            assert_eq!(b.unknown_fields["purrs"], 3);
        }
        other => panic!("not the base: {other:?}"),
    }
    // Encoded back unchanged.
    assert_eq!(
        serde_json::to_value(&cat).unwrap(),
        serde_json::json!({"kind": "Cat", "name": "Tom", "purrs": 3})
    );
    // Without its required discriminator property, no alternative: kept as received.
    let odd: Animal = serde_json::from_str(r#"{"name": "?"}"#).unwrap();
    assert!(matches!(odd, Animal::Unknown(_)));
}

/// Bounds as the spec writes them: exclusive ones exclude the bound, integer ones are checked
/// as integers, and none at or beyond the ends of the field's type (they could not fail);
/// a `format: password` parameter's length and pattern are checked like a string's, and the
/// refusal names the parameter, never its value. Over HTTP on 127.0.0.1.
#[tokio::test]
async fn limits_are_checked_as_the_spec_writes_them() {
    use crate::support::{Reply, TestServer};
    use aqua_corpus::limits::{Client, Credentials, Volume};
    use aqua_runtime::Error;
    // No check at or beyond the type's ends: the extreme values pass.
    let extremes = Volume::new(i64::MIN).offset(i64::MAX).count(i32::MIN);
    assert_eq!(extremes.validate(), Ok(()));
    assert_eq!(
        Volume::new(i64::MAX)
            .offset(i64::MIN)
            .count(i32::MAX)
            .validate(),
        Ok(())
    );
    // `exclusiveMinimum: 0`, `exclusiveMaximum: 10` on an integer: 1 to 9.
    let replicas = |n| Volume::new(0).replicas(n).validate();
    assert_eq!(replicas(0), Err("`replicas` is less than 1".to_owned()));
    assert_eq!(replicas(1), Ok(()));
    assert_eq!(replicas(9), Ok(()));
    assert_eq!(replicas(10), Err("`replicas` is greater than 9".to_owned()));
    // An exclusive minimum and an inclusive maximum on a number.
    let ratio = |r| Volume::new(0).ratio(r).validate();
    assert_eq!(ratio(0.0), Err("`ratio` is not greater than 0".to_owned()));
    assert_eq!(ratio(f64::MIN_POSITIVE), Ok(()));
    assert_eq!(ratio(1.0), Ok(()));
    assert_eq!(ratio(1.5), Err("`ratio` is greater than 1".to_owned()));

    let server = TestServer::scripted(|_| Reply::new(204, "text/plain", "")).await;
    let client =
        Client::with_base_url(&format!("http://{}", server.addr), Credentials::bearer("t"))
            .unwrap();
    let refused = [
        (
            client.create_volume("abc", Volume::new(1)).await,
            "invalid request: `token` is shorter than 4 characters",
        ),
        (
            client.create_volume("abcdefghi", Volume::new(1)).await,
            "invalid request: `token` is longer than 8 characters",
        ),
        (
            client
                .create_volume("abcd", Volume::new(1))
                .passphrase("Wrong")
                .await,
            "invalid request: `passphrase` does not match the pattern `^[a-z]+$`",
        ),
        (
            client
                .create_volume("abcd", Volume::new(1).replicas(10))
                .await,
            "invalid request: `replicas` is greater than 9",
        ),
    ];
    for (result, message) in refused {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert_eq!(err.to_string(), message);
    }
    assert!(server.requests().is_empty(), "a refused request was sent");

    client
        .create_volume("a/cd", Volume::new(5).ratio(0.5))
        .passphrase("secret")
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].target, "/volumes/a%2Fcd?passphrase=secret");
    assert_eq!(requests[0].body, br#"{"size":5,"ratio":0.5}"#);
}
