//! The styles against the examples of the OpenAPI specification (3.0.4, section 4.7.12.4:
//! `color` as `blue`, `["blue", "black", "brown"]` and `{"R": 100, "G": 200, "B": 150}`),
//! with the object's properties in the order of their names.

use serde_json::{Value, json};

use super::multipart::Multipart;
use super::*;

fn array() -> Value {
    json!(["blue", "black", "brown"])
}

fn object() -> Value {
    json!({"R": 100, "G": 200, "B": 150})
}

fn query(value: &Value, style: Style, explode: bool) -> String {
    let mut out = Vec::new();
    query_pairs("color", value, style, explode, &mut out);
    out.join("&")
}

#[test]
fn query_styles_write_what_the_specification_shows() {
    let cases = [
        (
            Style::Form,
            false,
            "color=blue,black,brown",
            "color=B,150,G,200,R,100",
        ),
        (
            Style::Form,
            true,
            "color=blue&color=black&color=brown",
            "B=150&G=200&R=100",
        ),
        (
            Style::SpaceDelimited,
            false,
            "color=blue%20black%20brown",
            "color=B%20150%20G%20200%20R%20100",
        ),
        (
            Style::PipeDelimited,
            false,
            "color=blue|black|brown",
            "color=B|150|G|200|R|100",
        ),
        (
            Style::DeepObject,
            true,
            "color[0]=blue&color[1]=black&color[2]=brown",
            "color[B]=150&color[G]=200&color[R]=100",
        ),
    ];
    for (style, explode, a, o) in cases {
        assert_eq!(query(&array(), style, explode), a, "{style:?} {explode}");
        assert_eq!(query(&object(), style, explode), o, "{style:?} {explode}");
        assert_eq!(query(&json!("blue"), style, explode), "color=blue");
    }
    assert_eq!(
        query(&json!({"a": {"b": [1, "x y"]}}), Style::DeepObject, true),
        "color[a][b][0]=1&color[a][b][1]=x%20y"
    );
    assert_eq!(
        query(&json!({"q": "a&b"}), Style::Json, false),
        "color=%7B%22q%22%3A%22a%26b%22%7D"
    );
    // Values are percent-encoded, delimiters are not.
    assert_eq!(
        query(&json!(["a,b", "c|d"]), Style::Form, false),
        "color=a%2Cb,c%7Cd"
    );
}

#[test]
fn path_styles_write_what_the_specification_shows() {
    let cases = [
        (
            Style::Simple,
            false,
            "blue",
            "blue,black,brown",
            "B,150,G,200,R,100",
        ),
        (
            Style::Simple,
            true,
            "blue",
            "blue,black,brown",
            "B=150,G=200,R=100",
        ),
        (
            Style::Label,
            false,
            ".blue",
            ".blue,black,brown",
            ".B,150,G,200,R,100",
        ),
        (
            Style::Label,
            true,
            ".blue",
            ".blue.black.brown",
            ".B=150.G=200.R=100",
        ),
        (
            Style::Matrix,
            false,
            ";color=blue",
            ";color=blue,black,brown",
            ";color=B,150,G,200,R,100",
        ),
        (
            Style::Matrix,
            true,
            ";color=blue",
            ";color=blue;color=black;color=brown",
            ";B=150;G=200;R=100",
        ),
    ];
    for (style, explode, s, a, o) in cases {
        assert_eq!(path_text("color", &json!("blue"), style, explode), s);
        assert_eq!(path_text("color", &array(), style, explode), a);
        assert_eq!(path_text("color", &object(), style, explode), o);
    }
    // An item never leaves its segment.
    assert_eq!(
        path_text("p", &json!(["a/b", "c"]), Style::Simple, false),
        "a%2Fb,c"
    );
}

#[test]
fn headers_and_cookies_join_items() {
    assert_eq!(
        header_text(&array(), Style::Simple, false),
        "blue,black,brown"
    );
    assert_eq!(
        header_text(&object(), Style::Simple, true),
        "B=150,G=200,R=100"
    );
    assert_eq!(
        header_text(&json!({"a": 1}), Style::Json, false),
        "{\"a\":1}"
    );
    assert_eq!(
        cookie_pair("color", &array(), Style::Form),
        "color=blue,black,brown"
    );
}

#[test]
fn form_bodies_follow_the_defaults_and_the_encoding() {
    let body = json!({
        "name": "a b",
        "tags": ["x", "y"],
        "metadata": {"k": "v"},
        "items": [{"price": "p1"}],
        "expand": ["customer"],
    });
    assert_eq!(
        encode_form(&body, &[]).unwrap(),
        "expand=customer&items=%7B%22price%22%3A%22p1%22%7D&k=v&name=a+b&tags=x&tags=y"
    );
    let deep = [
        Property::deep_object("metadata"),
        Property::deep_object("items"),
        Property::deep_object("expand"),
    ];
    assert_eq!(
        encode_form(&body, &deep).unwrap(),
        "expand[0]=customer&items[0][price]=p1&metadata[k]=v&name=a+b&tags=x&tags=y"
    );
    assert!(encode_form(&json!(["a"]), &[]).is_err());
}

#[derive(serde::Serialize)]
struct Upload {
    file: Vec<u8>,
    name: String,
    count: i64,
    tags: Vec<String>,
    meta: Option<Meta>,
    absent: Option<String>,
    #[serde(flatten)]
    unknown: std::collections::BTreeMap<String, Value>,
}

#[derive(serde::Serialize)]
struct Meta {
    a: i32,
}

#[test]
fn multipart_parts_follow_the_property_types() {
    let upload = Upload {
        file: b"%PDF-1".to_vec(),
        name: "report".into(),
        count: 3,
        tags: vec!["x".into(), "y".into()],
        meta: Some(Meta { a: 1 }),
        absent: None,
        unknown: [("extra".to_owned(), json!("z"))].into_iter().collect(),
    };
    let props = [Property::content_type("file", "application/pdf")];
    let names = [("file", "report.pdf".to_owned())];
    let body = Multipart::from_value(&upload, &props, &names).unwrap();
    type Summary<'p> = (&'p str, Option<&'p str>, Option<&'p str>, &'p [u8]);
    let summary: Vec<Summary<'_>> = body
        .parts()
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.file_name.as_deref(),
                p.content_type.as_deref(),
                &p.bytes[..],
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "file",
                Some("report.pdf"),
                Some("application/pdf"),
                &b"%PDF-1"[..]
            ),
            ("name", None, None, b"report"),
            ("count", None, None, b"3"),
            ("tags", None, None, b"x"),
            ("tags", None, None, b"y"),
            ("meta", None, Some("application/json"), b"{\"a\":1}"),
            ("extra", None, None, b"z"),
        ]
    );
    // A map of bytes is one file part per entry, named after its key.
    let files: std::collections::BTreeMap<String, Vec<u8>> =
        [("a.txt".to_owned(), b"hi".to_vec())].into_iter().collect();
    let body = Multipart::from_value(&files, &[], &[]).unwrap();
    assert_eq!(body.parts()[0].file_name.as_deref(), Some("a.txt"));
    assert_eq!(
        body.parts()[0].content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert!(Multipart::from_value(&"text", &[], &[]).is_err());
}

#[derive(serde::Serialize)]
struct Attachments {
    main: crate::wire::Binary,
    others: Vec<crate::wire::Binary>,
    note: Option<crate::wire::Binary>,
}

#[test]
fn binary_properties_are_file_parts_of_their_bytes_and_strings_in_json() {
    let body = Attachments {
        main: crate::wire::Binary(vec![0xff, 0x00, b'a']),
        others: vec![b"x".to_vec().into(), b"yz".to_vec().into()],
        note: None,
    };
    let parts = Multipart::from_value(&body, &[], &[]).unwrap();
    let summary: Vec<(&str, Option<&str>, &[u8])> = parts
        .parts()
        .iter()
        .map(|p| (p.name.as_str(), p.file_name.as_deref(), &p.bytes[..]))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("main", Some("main"), &[0xff, 0x00, b'a'][..]),
            ("others", Some("others"), b"x"),
            ("others", Some("others"), b"yz"),
        ]
    );
    assert!(
        parts
            .parts()
            .iter()
            .all(|p| p.content_type.as_deref() == Some("application/octet-stream"))
    );
    // In JSON the same value is a string (bytes that are not UTF-8 replaced).
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"main": "\u{fffd}\u{0}a", "others": ["x", "yz"], "note": null})
    );
}
