//! Server faults and network failures: their exit codes and one clear line.

use super::{aqua, aqua_at, exec, faulty, start};

#[test]
fn an_http_5xx_on_every_request_exits_4() {
    let server = start(faulty(&["503"]));
    let run =
        exec(aqua_at(&server).args(["last-job", "--partner", "p", "--project", "q"])).failure(4);
    assert!(run.error_line().contains("HTTP 503"), "{run}");
    assert!(server.stats().faults_injected >= 1);
}

#[test]
fn malformed_json_exits_4() {
    let server = start(faulty(&["malformed"]));
    let run =
        exec(aqua_at(&server).args(["job", "get", "0123456789abcdef0123456789abcdef"])).failure(4);
    assert!(run.error_line().contains("decode"), "{run}");
    assert!(server.stats().faults_injected >= 1);
}

#[test]
fn an_html_error_page_is_reported_on_one_line() {
    let server = start(faulty(&["html"]));
    let run =
        exec(aqua_at(&server).args(["last-job", "--partner", "p", "--project", "q"])).failure(4);
    assert!(run.error_line().contains("502"), "{run}");
}

#[test]
fn network_failures_exit_5() {
    // A connection closed without an answer.
    let server = start(faulty(&["reset"]));
    exec(aqua_at(&server).args(["last-job", "--partner", "p", "--project", "q"])).failure(5);

    // A request that gets no answer within --timeout.
    let server = start(faulty(&["hang"]));
    let run_hang = exec(aqua_at(&server).args([
        "--timeout",
        "1",
        "last-job",
        "--partner",
        "p",
        "--project",
        "q",
    ]))
    .failure(5);
    assert!(
        run_hang
            .error_line()
            .contains("no complete answer within 1 s (--timeout"),
        "{run_hang}"
    );

    // Nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", &format!("http://127.0.0.1:{port}/v1")])
        .args(["last-job", "--partner", "p", "--project", "q"]);
    let run_refused = exec(&mut cmd).failure(5);
    assert!(
        run_refused.error_line().contains("connect"),
        "{run_refused}"
    );
}
