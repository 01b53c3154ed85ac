//! The documented limits: the defaults of `ClientConfig`, and the cap on JSON response
//! bodies against a server that sends more than it should (with or without
//! `Content-Length`).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zuora_aqua::runtime::RetryConfig;
use zuora_aqua::{Client, ClientConfig, Credentials};

use crate::common::{PASSWORD, USER, server, small_job};

#[test]
fn the_documented_defaults_are_the_defaults() {
    let config = ClientConfig::default();
    assert_eq!(config.connect_timeout, Duration::from_secs(10));
    assert_eq!(config.timeout, Duration::from_secs(60));
    assert_eq!(config.download_stall_timeout, Duration::from_secs(60));
    assert_eq!(config.max_json_body, 256 * 1024 * 1024);
    let retry = RetryConfig::default();
    assert_eq!(config.retry, retry);
    assert_eq!(retry.max_attempts, 3);
    assert_eq!(retry.initial_backoff, Duration::from_millis(200));
    assert_eq!(retry.max_backoff, Duration::from_secs(20));
    assert_eq!(retry.max_total, Duration::from_secs(120));
    assert_eq!(RetryConfig::disabled().max_attempts, 1);
}

fn limited(base_url: &str, max: usize) -> Client {
    Client::with_config(
        base_url,
        Credentials::basic(USER, PASSWORD),
        crate::common::client_config(Duration::from_secs(5)).with_max_json_body(max),
    )
    .expect("a valid client")
}

/// A body announced by `Content-Length` beyond the limit is refused before it is read.
#[tokio::test]
async fn json_bodies_announced_over_the_limit_are_refused() {
    crate::capture();
    let server = server(&[]).await;
    let job = limited(&server.rest_url(), 1 << 20)
        .submit_job(small_job("limits"))
        .await
        .expect("a job within the limit");
    let id = job.id.expect("an id");
    let e = limited(&server.rest_url(), 64)
        .get_job(&id)
        .await
        .expect_err("over the limit");
    assert!(
        matches!(e, zuora_aqua::runtime::Error::TooLarge { limit: 64, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("larger than the limit of 64 bytes"),
        "{e}"
    );
    server.shutdown().await;
}

/// A server that streams an endless chunked JSON body: the client stops reading at the
/// limit and drops the connection, so the server cannot push all it wanted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_chunked_bodies_are_cut_at_the_limit() {
    crate::capture();
    const LIMIT: usize = 16 * 1024;
    const WANTED: usize = 256 * 1024 * 1024;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hostile = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("a connection");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if socket.read(&mut byte).await.expect("read") == 0 {
                return 0;
            }
            head.push(byte[0]);
        }
        let start = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        if socket.write_all(start).await.is_err() {
            return 0;
        }
        let chunk = {
            let data = "0,".repeat(32 * 1024);
            format!("{:x}\r\n{data}\r\n", data.len()).into_bytes()
        };
        socket.write_all(b"5\r\n[1,2,\r\n").await.expect("write");
        let mut sent = 0;
        while sent < WANTED {
            match socket.write_all(&chunk).await {
                Ok(()) => sent += chunk.len(),
                Err(_) => break,
            }
        }
        sent
    });
    let e = limited(&format!("http://{addr}/v1"), LIMIT)
        .get_job("x")
        .await
        .expect_err("over the limit");
    assert!(
        e.to_string()
            .contains(&format!("larger than the limit of {LIMIT} bytes")),
        "{e}"
    );
    let sent = tokio::time::timeout(Duration::from_secs(30), hostile)
        .await
        .expect("the hostile server stops")
        .expect("the hostile server");
    assert!(
        sent < WANTED,
        "the client read all {sent} bytes the server pushed"
    );
}
