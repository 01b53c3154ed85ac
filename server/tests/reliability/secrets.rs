//! Secrets never show: the password, the OAuth client secret and every access token the
//! server issued are absent from every `Debug` and `Display` of clients, credentials,
//! configurations, requests, downloads and errors, from all `tracing` output at TRACE level
//! (client and server), and from the `aqua` binary's output with `AQUA_LOG=trace`.
//!
//! The client talks to the server through a recording TCP proxy, which is how the test learns
//! the access tokens the server issued (and checks that they were really sent).

use std::time::Duration;

use zuora_aqua::runtime::Security;
use zuora_aqua::{Client, Credentials, GrantType, TokenRequest};

use crate::common::{
    CLIENT_ID, CLIENT_SECRET, PASSWORD, RecordingProxy, TempDir, USER, client_config,
    closed_port_url, config, run_cli, server, small_job,
};

/// A wrong password, which must not show either.
const WRONG_PASSWORD: &str = "wr0ng-pa55-UVW";
/// A wrong client secret, which must not show either.
const WRONG_SECRET: &str = "wr0ng-s3cr3t-RST";

/// Everything shown, labelled.
#[derive(Default)]
struct Shown(Vec<(String, String)>);

impl Shown {
    fn debug(&mut self, label: &str, value: &impl std::fmt::Debug) {
        self.0
            .push((format!("{label} (Debug)"), format!("{value:?}")));
        self.0
            .push((format!("{label} (Debug, alternate)"), format!("{value:#?}")));
    }

    /// `Display`, `Debug` and the whole source chain of an error.
    fn error(&mut self, label: &str, e: &(dyn std::error::Error + 'static)) {
        self.0.push((format!("{label} (Display)"), e.to_string()));
        self.0.push((format!("{label} (Debug)"), format!("{e:?}")));
        let mut source = e.source();
        let mut depth = 0;
        while let Some(s) = source {
            depth += 1;
            self.0
                .push((format!("{label} (source {depth})"), s.to_string()));
            source = s.source();
        }
    }
}

fn client(base_url: &str, credentials: Credentials) -> Client {
    Client::with_config(base_url, credentials, client_config(Duration::from_secs(2)))
        .expect("a valid client")
}

fn basic(base_url: &str, password: &str) -> Client {
    client(base_url, Credentials::basic(USER, password))
}

fn oauth(base_url: &str, secret: &str) -> Client {
    client(base_url, Credentials::oauth(CLIENT_ID, secret))
}

/// Success and failure paths of basic and OAuth clients; returns the tokens issued.
async fn exercise(shown: &mut Shown) -> Vec<String> {
    let clean = server(&[]).await;
    let faulty = server(&[
        "malformed:op=getLastCompletedJob",
        "truncated:op=downloadFile",
        "503:op=createToken",
        "error200=90022:op=cancelJob",
    ])
    .await;
    let proxy = RecordingProxy::start(clean.addr()).await;
    let via_proxy = proxy.rest_url();
    let dir = TempDir::new("secrets");
    shown.debug("server config", &config(&[]));
    shown.debug("server", &clean);

    // Values built by hand.
    let credentials = [
        Credentials::basic(USER, PASSWORD),
        Credentials::oauth(CLIENT_ID, CLIENT_SECRET),
        Credentials::bearer(PASSWORD),
    ];
    for c in credentials {
        shown.debug("credentials", &c);
        shown.debug("auth", &Security::from(c));
    }
    let token_request = TokenRequest::new(CLIENT_ID, CLIENT_SECRET, GrantType::ClientCredentials);
    shown.debug("token request", &token_request);
    shown.debug("client config", &client_config(Duration::from_secs(2)));

    // Basic: the whole flow through the proxy.
    let client = basic(&via_proxy, PASSWORD);
    shown.debug("basic client", &client);
    shown.debug("get_job request", &client.get_job("x"));
    shown.debug(
        "submit_job request",
        &client.submit_job(small_job("secrets")),
    );
    let job = client
        .submit_job(small_job("secrets"))
        .await
        .expect("submitted");
    let id = job.id.clone().expect("an id");
    let job = client
        .wait_for_job(&id)
        .intervals(Duration::from_millis(20), Duration::from_millis(100))
        .deadline(Duration::from_secs(20))
        .await
        .expect("completed");
    shown.debug("job", &job);
    let file = crate::common::batch_files(&job, 0).remove(0);
    let download = client.download_file(&file).await.expect("a download");
    shown.debug("download", &download);
    download
        .save(&dir.0.join("ok.csv"), false)
        .await
        .expect("saved");
    let e = client
        .get_last_completed_job("none", "none")
        .await
        .expect_err("no session");
    shown.error("API error (basic)", &e);
    let e = client.get_job("../x").await.expect_err("a refused path");
    shown.error("invalid request (basic)", &e);

    // Basic: 401.
    let wrong = basic(&via_proxy, WRONG_PASSWORD);
    shown.debug("basic client, wrong password", &wrong);
    let e = wrong.get_job(&id).await.expect_err("401");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401), "{e}");
    shown.error("401 (basic)", &e);

    // OAuth: the whole flow through the proxy, and the generated createToken operation.
    let client = oauth(&via_proxy, CLIENT_SECRET);
    let job = client
        .submit_job(small_job("secrets"))
        .await
        .expect("submitted");
    let job = client
        .wait_for_job(job.id.as_deref().expect("an id"))
        .intervals(Duration::from_millis(20), Duration::from_millis(100))
        .deadline(Duration::from_secs(20))
        .await
        .expect("completed");
    shown.debug("oauth client after use", &client);
    let file = crate::common::batch_files(&job, 0).remove(0);
    let download = client.download_file(&file).await.expect("a download");
    download
        .save(&dir.0.join("ok.csv"), false)
        .await
        .expect_err("the file exists");
    let token = client
        .create_token(TokenRequest::new(
            CLIENT_ID,
            CLIENT_SECRET,
            GrantType::ClientCredentials,
        ))
        .await
        .expect("a token");
    shown.debug("token response", &token);
    let e = client.cancel_job(&id).await.expect_err("completed");
    shown.error("API error (oauth)", &e);

    // OAuth: a wrong secret (401 from the token endpoint).
    let wrong = oauth(&via_proxy, WRONG_SECRET);
    let e = wrong.get_job(&id).await.expect_err("401");
    shown.error("401 (oauth)", &e);

    // The token endpoint fails (503), a decode error, a truncated download, a transient
    // error after retries.
    let e = oauth(&faulty.rest_url(), CLIENT_SECRET)
        .get_job(&id)
        .await
        .expect_err("503 from the token endpoint");
    assert!(e.to_string().contains("OAuth"), "{e}");
    shown.error("token endpoint failure", &e);
    let client = basic(&faulty.rest_url(), PASSWORD);
    let e = client
        .get_last_completed_job("p", "q")
        .await
        .expect_err("malformed");
    shown.error("decode error", &e);
    let e = client.cancel_job("x").await.expect_err("90022");
    shown.error("transient error after retries", &e);
    let job = client
        .submit_job(small_job("secrets"))
        .await
        .expect("submitted");
    let job = client
        .wait_for_job(job.id.as_deref().expect("an id"))
        .intervals(Duration::from_millis(20), Duration::from_millis(100))
        .deadline(Duration::from_secs(20))
        .await
        .expect("completed");
    let file = crate::common::batch_files(&job, 0).remove(0);
    let download = client.download_file(&file).await.expect("the head");
    let e = download
        .save(&dir.0.join("cut.csv"), false)
        .await
        .expect_err("truncated");
    shown.error("download failure", &e);
    let e = zuora_aqua::Error::from(e);
    shown.error("download failure as a client error", &e);

    // Network errors, basic and OAuth.
    let nowhere = closed_port_url();
    let e = basic(&nowhere, PASSWORD)
        .get_job("x")
        .await
        .expect_err("refused");
    shown.error("network error (basic)", &e);
    let e = oauth(&nowhere, CLIENT_SECRET)
        .get_job("x")
        .await
        .expect_err("refused");
    shown.error("network error (oauth)", &e);
    // A configuration error.
    let e = Client::with_config(
        &format!("https://{USER}:{PASSWORD}@rest.example/v1"),
        Credentials::basic(USER, PASSWORD),
        client_config(Duration::from_secs(1)),
    )
    .expect_err("credentials in the URL");
    shown.error("config error", &e);

    let mut tokens = proxy.issued_tokens();
    tokens.push(
        token
            .access_token
            .as_ref()
            .expect("an access token")
            .expose()
            .to_owned(),
    );
    let sent = proxy.bearer_tokens();
    assert!(!sent.is_empty(), "no bearer token went through the proxy");
    for t in &sent {
        assert!(
            tokens.contains(t),
            "a bearer token the server did not issue: {t}"
        );
    }
    clean.shutdown().await;
    faulty.shutdown().await;
    tokens
}

fn assert_hidden(shown: &[(String, String)], secrets: &[String]) {
    for (label, text) in shown {
        for secret in secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{label} shows the secret `{secret}`:\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn no_secret_or_token_in_debug_display_errors_or_logs() {
    // Every event of this process (this test, the other tests, their servers) at TRACE.
    let log = crate::capture();
    let mut shown = Shown::default();
    let tokens = exercise(&mut shown).await;
    assert!(tokens.len() >= 2, "tokens issued: {}", tokens.len());
    for t in &tokens {
        assert!(t.len() >= 16, "a token too short to be searched for: {t}");
    }
    let log = log.text();
    // The log is not empty: requests, retries, tokens and the server were traced.
    for expected in [
        "sending request",
        "attempt failed; retrying",
        "obtained an OAuth access token",
        "injecting a fault",
    ] {
        assert!(
            log.contains(expected),
            "`{expected}` is not in the TRACE log"
        );
    }
    shown.0.push(("tracing output at TRACE".to_owned(), log));
    assert!(
        shown.0.len() > 40,
        "too little was shown: {}",
        shown.0.len()
    );

    let mut secrets: Vec<String> = [PASSWORD, CLIENT_SECRET, WRONG_PASSWORD, WRONG_SECRET]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    secrets.extend(tokens);
    assert_hidden(&shown.0, &secrets);
}

/// The binary with `AQUA_LOG=trace`: not a secret or token on stdout or stderr, in success
/// and failure, basic and OAuth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_logs_no_secret_at_trace_level() {
    crate::capture();
    crate::common::aqua_binary();
    let server = server(&["503:op=cancelJob"]).await;
    let proxy = RecordingProxy::start(server.addr()).await;
    let base = proxy.rest_url();
    let mut outputs = Vec::new();
    let basic_env = vec![("ZUORA_USERNAME", USER), ("ZUORA_PASSWORD", PASSWORD)];
    let oauth_env = vec![
        ("ZUORA_CLIENT_ID", CLIENT_ID),
        ("ZUORA_CLIENT_SECRET", CLIENT_SECRET),
    ];
    let submit: &[&str] = &[
        "job",
        "submit",
        "--name",
        "t",
        "--query",
        "P=select Id from AccountingPeriod",
    ];
    // (arguments, environment, expected exit code)
    type Env<'a> = Vec<(&'a str, &'a str)>;
    let runs: [(&[&str], Env<'_>, i32); 5] = [
        (submit, basic_env.clone(), 0),
        (submit, oauth_env.clone(), 0),
        (&["job", "cancel", "x"], oauth_env.clone(), 4),
        (
            &["last-job", "--partner", "p", "--project", "q"],
            basic_env,
            4,
        ),
        (
            &["last-job", "--partner", "p", "--project", "q"],
            vec![
                ("ZUORA_CLIENT_ID", CLIENT_ID),
                ("ZUORA_CLIENT_SECRET", WRONG_SECRET),
            ],
            3,
        ),
    ];
    for (args, env, code) in runs {
        let mut all: Vec<String> = vec![
            "--base-url".into(),
            base.clone(),
            "--output".into(),
            "json".into(),
        ];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        let mut env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env.push(("AQUA_LOG".to_owned(), "trace".to_owned()));
        let run = tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            run_cli(&all, &env, Duration::from_secs(30))
        })
        .await
        .expect("the run");
        assert_eq!(run.code, Some(code), "{args:?}: {run:?}");
        assert!(run.stderr.lines().count() > 3, "no trace output: {run:?}");
        outputs.push((format!("aqua {args:?} stdout"), run.stdout));
        outputs.push((format!("aqua {args:?} stderr"), run.stderr));
    }
    let tokens = proxy.issued_tokens();
    assert!(!tokens.is_empty(), "no token was issued to the binary");
    server.shutdown().await;
    let mut secrets: Vec<String> = [PASSWORD, CLIENT_SECRET, WRONG_SECRET]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    secrets.extend(tokens);
    assert_hidden(&outputs, &secrets);
}
