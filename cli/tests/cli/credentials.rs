//! Credentials: where they come from, what a wrong one gives, and that no secret is printed.

use aqua_server::Config;

use super::{ACCOUNTS, aqua, aqua_oauth_at, base64, exec, fast, faulty, start, text};

#[test]
fn missing_credentials_exit_2_naming_the_variables() {
    let server = start(fast());
    let unknown = "0123456789abcdef0123456789abcdef";
    let incomplete: [&[(&str, &str)]; 4] = [
        &[],
        &[("ZUORA_USERNAME", "demo")],
        &[("ZUORA_CLIENT_ID", "demo-client")],
        &[("ZUORA_USERNAME", "demo"), ("ZUORA_PASSWORD", "")],
    ];
    for vars in incomplete {
        let mut cmd = aqua();
        cmd.envs(vars.iter().copied()).args([
            "--base-url",
            &server.rest_url(),
            "job",
            "get",
            unknown,
        ]);
        let run = exec(&mut cmd).failure(2);
        for var in [
            "ZUORA_USERNAME",
            "ZUORA_PASSWORD",
            "ZUORA_CLIENT_ID",
            "ZUORA_CLIENT_SECRET",
        ] {
            assert!(run.error_line().contains(var), "{vars:?}: {run}");
        }
    }
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn a_wrong_password_exits_3() {
    let server = start(fast());
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "wrong")
        .args(["--base-url", &server.rest_url()])
        .args(["last-job", "--partner", "p", "--project", "q"]);
    let run = exec(&mut cmd).failure(3);
    assert!(run.error_line().contains("401"), "{run}");
}

#[test]
fn a_wrong_oauth_secret_exits_3() {
    let server = start(fast());
    let mut cmd = aqua();
    cmd.env("ZUORA_CLIENT_ID", "demo-client")
        .env("ZUORA_CLIENT_SECRET", "wrong")
        .args(["--base-url", &server.rest_url()])
        .args(["last-job", "--partner", "p", "--project", "q"]);
    let run = exec(&mut cmd).failure(3);
    assert!(run.error_line().contains("OAuth"), "{run}");
    assert!(server.stats().token_requests >= 1);
}

#[test]
fn oauth_credentials_work_and_are_preferred_over_basic() {
    let server = start(fast());
    let job = exec(aqua_oauth_at(&server).args([
        "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
    ]))
    .success()
    .json();
    assert_eq!(text(&job, "status"), "completed");
    assert!(server.stats().token_requests >= 1);

    // With both sets, the OAuth client is used: a wrong password does not matter.
    let mut cmd = aqua_oauth_at(&server);
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "wrong")
        .args(["job", "get", text(&job, "id")]);
    let got = exec(&mut cmd).success().json();
    assert_eq!(text(&got, "id"), text(&job, "id"));
}

#[test]
fn secrets_never_appear_in_the_output() {
    const USER: &str = "aqua-user";
    const PASSWORD: &str = "Pw7xQz93kLmN4vRt";
    const CLIENT: &str = "aqua-client";
    const SECRET: &str = "Sx5mHq28ZpWd6yKc";
    assert_eq!(base64(b"demo:demo"), "ZGVtbzpkZW1v");

    let server = start(Config {
        users: vec![(USER.to_owned(), PASSWORD.to_owned())],
        oauth_clients: vec![(CLIENT.to_owned(), SECRET.to_owned())],
        ..fast()
    });
    let failing = start(Config {
        users: vec![(USER.to_owned(), PASSWORD.to_owned())],
        oauth_clients: vec![(CLIENT.to_owned(), SECRET.to_owned())],
        ..faulty(&["503"])
    });
    let wrong_password = format!("{PASSWORD}-wrong");
    let wrong_secret = format!("{SECRET}-wrong");
    let basic = (USER, PASSWORD);
    let basic_wrong = (USER, wrong_password.as_str());
    let oauth = (CLIENT, SECRET);
    let oauth_wrong = (CLIENT, wrong_secret.as_str());
    let forbidden = [
        PASSWORD.to_owned(),
        SECRET.to_owned(),
        base64(format!("{USER}:{PASSWORD}").as_bytes()),
        base64(format!("{USER}:{wrong_password}").as_bytes()),
    ];

    let mut runs = Vec::new();
    let aqua_with = |url: &str, basic: Option<(&str, &str)>, oauth: Option<(&str, &str)>| {
        let mut cmd = aqua();
        cmd.env("AQUA_LOG", "trace");
        if let Some((user, password)) = basic {
            cmd.env("ZUORA_USERNAME", user)
                .env("ZUORA_PASSWORD", password);
        }
        if let Some((id, secret)) = oauth {
            cmd.env("ZUORA_CLIENT_ID", id)
                .env("ZUORA_CLIENT_SECRET", secret);
        }
        cmd.args(["--base-url", url]);
        cmd
    };
    let url = server.rest_url();
    let submit = [
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        ACCOUNTS,
        "--partner",
        "p",
        "--project",
        "q",
        "--wait",
    ];
    let last = ["last-job", "--partner", "p", "--project", "q"];

    // Succeeding commands, with basic and OAuth credentials.
    let job = exec(aqua_with(&url, Some(basic), None).args(submit)).success();
    let id = text(&job.json(), "id").to_owned();
    runs.push(job);
    runs.push(exec(aqua_with(&url, None, Some(oauth)).args(last)).success());
    runs.push(exec(aqua_with(&url, None, Some(oauth)).args(["job", "get", &id])).success());
    // Failing commands: wrong credentials, errors of the server, a refused URL.
    runs.push(exec(aqua_with(&url, Some(basic_wrong), None).args(last)).exits(3));
    runs.push(exec(aqua_with(&url, None, Some(oauth_wrong)).args(last)).exits(3));
    runs.push(exec(aqua_with(&url, Some(basic), None).args(["job", "get", "nope"])).exits(4));
    runs.push(exec(aqua_with(&failing.rest_url(), Some(basic), None).args(last)).exits(4));
    let failed_token = exec(aqua_with(&failing.rest_url(), None, Some(oauth)).args(last));
    assert_ne!(failed_token.code, 0, "{failed_token}");
    runs.push(failed_token);
    runs.push(
        exec(aqua_with("http://example.com/v1", Some(basic), Some(oauth)).args(last)).exits(2),
    );

    for run in &runs {
        for secret in &forbidden {
            assert!(
                !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                "`{secret}` leaked\n{run}"
            );
        }
    }
}
