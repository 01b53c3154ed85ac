//! `--env`, `--base-url` and `aqua environments`.

use super::{aqua, exec, text};

#[test]
fn a_plain_http_base_url_to_another_host_exits_2() {
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", "http://example.com/v1", "job", "get", "x"]);
    let run = exec(&mut cmd).failure(2);
    assert!(run.error_line().contains("loopback"), "{run}");
    assert!(run.error_line().contains("http://example.com/v1"), "{run}");
}

#[test]
fn an_unknown_environment_exits_2_listing_the_names() {
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--env", "nope", "job", "get", "x"]);
    let run = exec(&mut cmd).failure(2);
    assert!(run.error_line().contains("`nope`"), "{run}");
    for name in ["us-cloud1-production", "us-cloud1-sandbox", "eu-production"] {
        assert!(run.error_line().contains(name), "{run}");
    }
}

#[test]
fn a_server_must_be_named_once() {
    // Neither --env nor --base-url.
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["job", "get", "x"]);
    let run = exec(&mut cmd).failure(2);
    assert!(run.error_line().contains("--env"), "{run}");
    assert!(run.error_line().contains("--base-url"), "{run}");

    // Both.
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--env", "production", "--base-url", "http://127.0.0.1:9/v1"])
        .args(["job", "get", "x"]);
    exec(&mut cmd).usage_error();
}

#[test]
fn environments_lists_the_documented_environments() {
    let list = exec(aqua().arg("environments")).success().json();
    let list = list.as_array().expect("a JSON array");
    let production = list
        .iter()
        .find(|e| e["name"] == "us-cloud1-production")
        .unwrap_or_else(|| panic!("no us-cloud1-production in {list:#?}"));
    assert_eq!(text(production, "baseUrl"), "https://rest.na.zuora.com/v1");
    assert!(!text(production, "description").is_empty());

    let table = exec(aqua().args(["environments", "--output", "table"])).success();
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l == "us-cloud1-production       https://rest.na.zuora.com/v1"),
        "{table}"
    );
    assert_eq!(table.stdout.lines().count(), list.len(), "{table}");
}
