//! Property tests of the generated wire types: decoding arbitrary bytes, arbitrary JSON values
//! and mutations of the spec's documented examples never panics, and whatever decodes
//! re-encodes to JSON that decodes to an equal value (and re-encodes to the same bytes).
//!
//! Case counts are modest (the suite runs on 2 cores); failures are persisted by proptest in
//! `tests/decode_props.proptest-regressions` and replayed first on the next run.

use std::fmt::Debug;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use zuora_aqua::{
    Batch, BatchStatus, Caseless, DeletedFormat, DeletedRecord, Encryption, ErrorReason,
    ErrorResponse, FlexBool, FlexInt, FlexString, GrantType, Job, JobStatus, Query, QueryType,
    RequestedFormat, ResultFormat, SourceData, SubmitJobRequest, TokenRequest, TokenResponse,
    ZuoraDateTime, ZuoraLocalDateTime, examples,
};

/// Decodes `bytes` as `T`; when that works, checks that the value re-encodes, that the
/// encoding decodes to an equal value, and that encoding is stable (same bytes again, so a
/// form kept by `FlexInt`, `FlexString`, `FlexBool` or `Caseless` survives the round trip).
fn round_trip<T>(bytes: &[u8]) -> Result<bool, TestCaseError>
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let Ok(value) = serde_json::from_slice::<T>(bytes) else {
        return Ok(false);
    };
    let type_name = std::any::type_name::<T>();
    let encoded = serde_json::to_vec(&value).map_err(|e| {
        TestCaseError::fail(format!(
            "{type_name}: {value:?} decoded but does not encode: {e}"
        ))
    })?;
    let again: T = serde_json::from_slice(&encoded).map_err(|e| {
        TestCaseError::fail(format!(
            "{type_name}: the encoding {} of {value:?} does not decode: {e}",
            String::from_utf8_lossy(&encoded)
        ))
    })?;
    if again != value {
        // The only difference tolerated: a float up to `MAX_ULPS` away, while serde_json is
        // built without `float_roundtrip` (see `floats_round_trip_exactly`).
        let (before, after) = (to_json(&value), to_json(&again));
        prop_assert!(
            !floats_round_trip_exactly() && within_float_error(&before, &after),
            "{}: decode(encode(v)) != v\n   v: {:?}\nv\': {:?}",
            type_name,
            value,
            again
        );
    }
    let encoded_again = serde_json::to_vec(&again).expect("it encoded once");
    if encoded_again != encoded {
        let (before, after) = (
            serde_json::from_slice::<Value>(&encoded).expect("JSON"),
            serde_json::from_slice::<Value>(&encoded_again).expect("JSON"),
        );
        prop_assert!(
            !floats_round_trip_exactly() && within_float_error(&before, &after),
            "{}: the encoding is not stable: {} then {}",
            type_name,
            String::from_utf8_lossy(&encoded),
            String::from_utf8_lossy(&encoded_again)
        );
    }
    Ok(true)
}

fn to_json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).expect("it encoded once")
}

/// Floats that serde_json prints (shortest round-trip form) but, without its
/// `float_roundtrip` feature, parses back 1 or 2 ULP away; found by these properties.
const LOSSY_FLOATS: &[&str] = &[
    "-3.9543502076370624e+121",
    "-7.741693267504975e-215",
    "-3.7451859190335717e-149",
];

/// The largest error of serde_json's default float parser, in units in the last place:
/// over 20 million random doubles printed and parsed back, 30 % came back 1 ULP away, 0.2 %
/// 2 ULP away, none further.
const MAX_ULPS: u64 = 2;

/// Whether serde_json, as built for this workspace, reads back every float it writes.
///
/// It does not unless its `float_roundtrip` feature is enabled: its default parser may be
/// up to [`MAX_ULPS`] off for 17-digit mantissas, so a float kept in `unknown_fields` (or a
/// `FlexString` number) can change in its last digit when a value is decoded, encoded and
/// decoded again.
/// The properties tolerate exactly that difference while the feature is off, and are strict
/// once it is on.
fn floats_round_trip_exactly() -> bool {
    static EXACT: OnceLock<bool> = OnceLock::new();
    *EXACT.get_or_init(|| {
        LOSSY_FLOATS.iter().all(|text| {
            let first: f64 = serde_json::from_str(text).expect("a float");
            let again: f64 = serde_json::from_str(&serde_json::to_string(&first).expect("a float"))
                .expect("a float");
            first.to_bits() == again.to_bits()
        })
    })
}

/// The distance between two finite floats of the same sign, in units in the last place.
fn ulps(a: f64, b: f64) -> u64 {
    if a == b {
        return 0;
    }
    if a.is_sign_negative() != b.is_sign_negative() {
        return u64::MAX;
    }
    a.to_bits().abs_diff(b.to_bits())
}

/// JSON equality, except that two floats may differ by up to [`MAX_ULPS`].
fn within_float_error(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() && y.is_f64() => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            ulps(x, y) <= MAX_ULPS
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| within_float_error(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| within_float_error(v, w)))
        }
        _ => a == b,
    }
}

/// Runs [`round_trip`] for every generated wire type; returns how many decoded.
fn round_trip_all(bytes: &[u8]) -> Result<usize, TestCaseError> {
    let results = [
        round_trip::<Job>(bytes)?,
        round_trip::<Batch>(bytes)?,
        round_trip::<SubmitJobRequest>(bytes)?,
        round_trip::<Query>(bytes)?,
        round_trip::<DeletedRecord>(bytes)?,
        round_trip::<ErrorResponse>(bytes)?,
        round_trip::<ErrorReason>(bytes)?,
        round_trip::<TokenResponse>(bytes)?,
        round_trip::<TokenRequest>(bytes)?,
        round_trip::<JobStatus>(bytes)?,
        round_trip::<BatchStatus>(bytes)?,
        round_trip::<QueryType>(bytes)?,
        round_trip::<RequestedFormat>(bytes)?,
        round_trip::<ResultFormat>(bytes)?,
        round_trip::<SourceData>(bytes)?,
        round_trip::<Encryption>(bytes)?,
        round_trip::<DeletedFormat>(bytes)?,
        round_trip::<GrantType>(bytes)?,
        round_trip::<FlexInt>(bytes)?,
        round_trip::<FlexString>(bytes)?,
        round_trip::<FlexBool>(bytes)?,
        round_trip::<Caseless<ResultFormat>>(bytes)?,
        round_trip::<ZuoraDateTime>(bytes)?,
        round_trip::<ZuoraLocalDateTime>(bytes)?,
        round_trip::<Vec<Job>>(bytes)?,
        round_trip::<Option<Job>>(bytes)?,
    ];
    Ok(results.into_iter().filter(|decoded| *decoded).count())
}

/// Property names of the spec's schemas, so that generated objects often hit real fields.
const KEYS: &[&str] = &[
    "id",
    "name",
    "status",
    "localizedStatus",
    "format",
    "version",
    "encrypted",
    "partner",
    "project",
    "startTime",
    "sourceData",
    "useLastCompletedJobQueries",
    "offset",
    "incrementalTime",
    "notifyUrl",
    "errorCode",
    "message",
    "batches",
    "batchId",
    "query",
    "batchType",
    "apiVersion",
    "recordCount",
    "full",
    "fileId",
    "segments",
    "deleted",
    "column",
    "type",
    "convertToCurrencies",
    "queries",
    "useQueryLabels",
    "dateTimeUtc",
    "nullReplacement",
    "success",
    "processId",
    "requestId",
    "reasons",
    "code",
    "access_token",
    "token_type",
    "expires_in",
    "scope",
    "jti",
    "client_id",
    "client_secret",
    "grant_type",
];

/// Wire values of the spec's enums and the other forms Zuora sends.
const WORDS: &[&str] = &[
    "submitted",
    "executing",
    "completed",
    "error",
    "aborted",
    "cancelled",
    "pending",
    "deleted_notallowed",
    "zoql",
    "zoqlexport",
    "csv",
    "CSV",
    "cSv",
    "zip",
    "ZIP",
    "gzip",
    "GZIP",
    "none",
    "pgp",
    "LIVE",
    "WAREHOUSE",
    "client_credentials",
    "true",
    "false",
    "TRUE",
    "1.0",
    "1.1",
    "1.2",
    "",
    "0",
    "-0",
    "0042",
    "-17",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1e3",
    "42.0",
    "2014-09-03 08:24:58",
    "2021-01-18T17:13:48+0000",
    "2021-01-18T17:13:48Z",
    "2014-02-30 25:61:61",
    "402881824835bb2a01483c1e678a025a",
];

fn string_leaf() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(WORDS).prop_map(str::to_owned),
        2 => "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([+-][0-9]{4})?",
        2 => "-?[0-9]{1,22}(\\.[0-9]{1,3})?",
        2 => any::<String>(),
        1 => "\\PC{0,12}",
    ]
    .boxed()
}

fn number_leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-5i64..5).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        (-1.0e20f64..1.0e20).prop_map(Value::from),
        (-100i32..100).prop_map(|n| Value::from(f64::from(n))),
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[a-zA-Z_]{1,10}",
        1 => any::<String>(),
    ]
    .boxed()
}

/// Arbitrary JSON, nested up to a few levels, biased towards the spec's keys and values.
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number_leaf(),
        string_leaf().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..10)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
    .boxed()
}

/// The spec's documented examples, as JSON values.
fn example_values() -> Vec<Value> {
    examples::ALL
        .iter()
        .map(|e| serde_json::from_str(e.json).expect("the examples are JSON"))
        .collect()
}

/// Every node of `value` by JSON pointer, the root (`""`) first.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let token = k.replace('~', "~0").replace('/', "~1");
                pointers(v, format!("{at}/{token}"), out);
            }
        }
        _ => {}
    }
}

/// One structural change to a JSON value.
#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the node with this value.
    Replace(Value),
    /// Remove the node from its parent.
    Remove,
    /// Insert this key and value into the node, if it is an object; else wrap it in an array.
    Insert(String, Value),
    /// Replace a string node with a change of case, or a number node with its string form.
    Reform,
}

fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        3 => json_value().prop_map(Mutation::Replace),
        2 => Just(Mutation::Remove),
        2 => (key(), json_value()).prop_map(|(k, v)| Mutation::Insert(k, v)),
        2 => Just(Mutation::Reform),
    ]
    .boxed()
}

fn apply(value: &mut Value, pick: prop::sample::Index, mutation: &Mutation) {
    let mut all = Vec::new();
    pointers(value, String::new(), &mut all);
    let pointer = pick.get(&all).clone();
    if let Mutation::Remove = mutation {
        if let Some((parent, last)) = pointer.rsplit_once('/') {
            let last = last.replace("~1", "/").replace("~0", "~");
            match value.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&last);
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < items.len()
                    {
                        items.remove(i);
                    }
                }
                _ => {}
            }
        }
        return;
    }
    let Some(node) = value.pointer_mut(&pointer) else {
        return;
    };
    match mutation {
        Mutation::Replace(v) => *node = v.clone(),
        Mutation::Insert(k, v) => match node {
            Value::Object(map) => {
                map.insert(k.clone(), v.clone());
            }
            other => *other = Value::Array(vec![other.take(), v.clone()]),
        },
        Mutation::Reform => {
            *node = match node.take() {
                Value::String(s) if s.chars().any(|c| c.is_ascii_lowercase()) => {
                    Value::String(s.to_ascii_uppercase())
                }
                Value::String(s) => match s.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => Value::String(s.to_ascii_lowercase()),
                },
                Value::Number(n) => Value::String(n.to_string()),
                Value::Bool(b) => Value::String(b.to_string()),
                other => other,
            }
        }
        Mutation::Remove => {}
    }
}

/// A byte-level change to a text.
#[derive(Clone, Debug)]
enum Edit {
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, Vec<u8>),
    Flip(prop::sample::Index, u8),
    Truncate(prop::sample::Index),
}

fn edit() -> BoxedStrategy<Edit> {
    prop_oneof![
        (any::<prop::sample::Index>(), 1usize..8).prop_map(|(i, n)| Edit::Delete(i, n)),
        (
            any::<prop::sample::Index>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..6),
                prop::sample::select(vec![
                    b"\"".to_vec(),
                    b"{".to_vec(),
                    b"}".to_vec(),
                    b"[".to_vec(),
                    b",".to_vec(),
                    b"null".to_vec(),
                    b"1e999".to_vec(),
                    b"\\u0000".to_vec(),
                    b"\\ud800".to_vec(),
                    b"-".to_vec(),
                ]),
            ]
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        any::<prop::sample::Index>().prop_map(Edit::Truncate),
    ]
    .boxed()
}

fn apply_edit(bytes: &mut Vec<u8>, edit: &Edit) {
    if bytes.is_empty() {
        return;
    }
    match edit {
        Edit::Delete(i, n) => {
            let at = i.index(bytes.len());
            let end = (at + n).min(bytes.len());
            bytes.drain(at..end);
        }
        Edit::Insert(i, b) => {
            let at = i.index(bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Edit::Flip(i, b) => {
            let at = i.index(bytes.len());
            bytes[at] = *b;
        }
        Edit::Truncate(i) => {
            let at = i.index(bytes.len());
            bytes.truncate(at);
        }
    }
}

/// A modest number of cases (`PROPTEST_CASES` overrides it), from a random seed; failures
/// are persisted and replayed first.
fn config(cases: u32) -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            cases
        },
        max_shrink_iters: 2048,
        ..default
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Arbitrary bytes (mostly not JSON) never make a decoder panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        round_trip_all(&bytes)?;
    }

    /// Arbitrary JSON values: whatever decodes round-trips.
    #[test]
    fn arbitrary_json_round_trips(value in json_value()) {
        let text = serde_json::to_vec(&value).expect("a JSON value encodes");
        round_trip_all(&text)?;
    }

    /// The documented examples, with a few structural mutations: still decodes where the
    /// change is compatible, and round-trips.
    #[test]
    fn mutated_examples_round_trip(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..5),
    ) {
        let mut value = which.get(&example_values()).clone();
        for (pick, m) in &mutations {
            apply(&mut value, *pick, m);
        }
        let text = serde_json::to_vec(&value).expect("a JSON value encodes");
        round_trip_all(&text)?;
        // The example's own decoder (the one the spec names) never panics either.
        let example = which.get(examples::ALL);
        let _ = (example.decode)(&String::from_utf8_lossy(&text));
    }

    /// The documented examples' text, with byte-level edits (broken JSON, bad escapes,
    /// huge exponents, stray bytes).
    #[test]
    fn edited_example_text_never_panics(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let example = which.get(examples::ALL);
        let mut bytes = example.json.as_bytes().to_vec();
        for e in &edits {
            apply_edit(&mut bytes, e);
        }
        round_trip_all(&bytes)?;
        let _ = (example.decode)(&String::from_utf8_lossy(&bytes));
    }
}

/// The strategies reach the interesting cases: unmutated examples decode as their own type,
/// and a good share of generated values decode as a `Job` (otherwise the round-trip
/// properties would be vacuous).
#[test]
fn the_generators_are_not_vacuous() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    for example in examples::ALL {
        assert!(
            (example.decode)(example.json).is_ok(),
            "{} does not decode",
            example.name
        );
        let decoded = round_trip_all(example.json.as_bytes()).expect("round trip");
        assert!(decoded >= 1, "{} decodes as nothing", example.name);
    }
    let mut runner = TestRunner::deterministic();
    let strategy = json_value();
    let mut jobs = 0;
    let mut objects = 0;
    for _ in 0..400 {
        let value = strategy.new_tree(&mut runner).expect("a value").current();
        if value.is_object() {
            objects += 1;
            if serde_json::from_value::<Job>(value).is_ok() {
                jobs += 1;
            }
        }
    }
    assert!(objects >= 40, "only {objects} objects in 400 values");
    assert!(
        jobs >= 10,
        "only {jobs} of {objects} objects decode as a Job"
    );
}

/// Known corner cases, kept as plain examples next to the properties.
#[test]
fn corner_cases_round_trip() {
    let cases: &[&str] = &[
        r#"{"recordCount":"0042"}"#,
        r#"{"recordCount":42.0}"#,
        r#"{"recordCount":-9223372036854775808}"#,
        r#"{"format":"cSv","version":1.1,"startTime":"2014-02-30 25:61:61"}"#,
        r#"{"batches":[{"recordCount":"7","segments":[]}],"x":{"y":[1,2.5,"z",null]}}"#,
        r#"{"errorCode":90022,"message":"Internal error, please retry"}"#,
        r#"{"reasons":[{"code":50000040,"message":"not found"}],"success":false}"#,
        r#"{"access_token":"abc","expires_in":3599,"token_type":"bearer"}"#,
        r#"{"useQueryLabels":"true","dateTimeUtc":false,"queries":[{"query":"select Id from Account"}]}"#,
        r#""CSV""#,
        r#""2021-01-18T17:13:48+0000""#,
        r#"1e2"#,
    ];
    for case in cases {
        let decoded = round_trip_all(case.as_bytes()).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert!(decoded >= 1, "{case} decodes as nothing");
    }
    // Unknown fields are kept and re-encoded.
    let job: Job = serde_json::from_str(r#"{"id":"j","newField":{"a":[1]}}"#).unwrap();
    assert_eq!(
        serde_json::to_value(&job).unwrap(),
        serde_json::json!({"id":"j","newField":{"a":[1]}})
    );
}

/// The float fidelity of unknown fields, pinned: at most [`MAX_ULPS`] of change through
/// decode → encode → decode today, none once serde_json's `float_roundtrip` is enabled.
#[test]
fn floats_in_unknown_fields_change_by_at_most_two_ulps() {
    for text in LOSSY_FLOATS {
        let json = format!(r#"{{"id":"j","x":{text},"deep":[{{"y":{text}}}]}}"#);
        let job: Job = serde_json::from_str(&json).expect("a job");
        let again: Job =
            serde_json::from_str(&serde_json::to_string(&job).expect("encodes")).expect("decodes");
        let x = |j: &Job| j.unknown_fields["x"].as_f64().expect("a float");
        assert!(
            ulps(x(&job), x(&again)) <= MAX_ULPS,
            "{text}: {} then {}",
            x(&job),
            x(&again)
        );
        assert!(within_float_error(&to_json(&job), &to_json(&again)));
        if floats_round_trip_exactly() {
            assert_eq!(job, again, "{text}");
        }
    }
}
