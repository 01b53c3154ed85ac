//! Where a generated client sends its requests (`tests/specs/servers.yaml`, over HTTP on
//! 127.0.0.1): to the URL that a server's variables make, to a relative server resolved
//! against the URL the user gives, and, for operations whose servers are their own, to the
//! host's root, to another path of the host, or (from a base URL that is none of the spec's
//! servers) to the client's origin at the path of their server. The generated server mounts
//! each operation where its client sends it.

use std::sync::Arc;

use aqua_corpus::servers::{
    Client, Credentials, DeploymentUrl, Environment, HostedUrl, Region, Scheme, Version,
};
use aqua_runtime::server::Reply as ServerReply;

use crate::support::{Reply, TestServer};

async fn server() -> TestServer {
    TestServer::scripted(|r| match r.path() {
        p if p.ends_with("/items") => Reply::json(200, r#"["a","b"]"#),
        "/files/uploads" => Reply::new(201, "text/plain", ""),
        _ => Reply::new(204, "text/plain", ""),
    })
    .await
}

/// The port of a test server.
fn port(server: &TestServer) -> String {
    let url = server.url("");
    url.rsplit(':').next().unwrap_or_default().to_owned()
}

#[test]
fn the_url_types_start_from_the_spec_defaults_and_set_each_variable() {
    assert_eq!(
        DeploymentUrl::default().base_url(),
        Environment::Deployment.base_url()
    );
    assert_eq!(
        DeploymentUrl::new().base_url(),
        "https://api.example.com:443/v1"
    );
    assert_eq!(HostedUrl::new().base_url(), "https://eu.example.com/v1");
    assert_eq!(
        HostedUrl::new()
            .with_region(Region::ApSoutheast1)
            .base_url(),
        "https://ap-southeast-1.example.com/v1"
    );
    // A region this version of the client does not know.
    assert_eq!(
        HostedUrl::new()
            .with_region(Region::from("mars-1"))
            .base_url(),
        "https://mars-1.example.com/v1"
    );
    assert_eq!(Region::from("us"), Region::Us);
    // A server without variables has no URL type; its base URL loses the trailing slash.
    assert_eq!(
        Environment::Production.base_url(),
        "https://api.example.com/v1"
    );
    assert_eq!(
        Environment::ALL,
        [
            Environment::Deployment,
            Environment::Hosted,
            Environment::Production
        ]
    );
}

#[tokio::test]
async fn a_server_with_variables_sends_to_the_url_they_make() {
    let server = server().await;
    let url = DeploymentUrl::new()
        .with_scheme(Scheme::Http)
        .with_host("127.0.0.1")
        .with_port(port(&server))
        .with_version(Version::V2);
    assert_eq!(url.base_url(), server.url("/v2"));
    let client = Client::with_base_url(&url.base_url(), Credentials::anonymous()).unwrap();
    assert_eq!(client.list_items().await.unwrap(), ["a", "b"]);
    client.health().await.unwrap();
    client.status().await.unwrap();
    assert_eq!(
        server.lines(),
        ["GET /v2/items", "GET /health", "GET /v2/status"]
    );
}

#[tokio::test]
async fn a_relative_server_is_resolved_against_the_url_given() {
    let server = server().await;
    let client =
        Client::with_host(&server.url("/docs/openapi.json"), Credentials::anonymous()).unwrap();
    assert_eq!(client.base_url(), server.url("/api/v1"));
    client.list_items().await.unwrap();
    let origin = Client::with_host(&server.url(""), Credentials::anonymous()).unwrap();
    assert_eq!(origin.base_url(), server.url("/api/v1"));
    assert_eq!(server.lines(), ["GET /api/v1/items"]);
    // The rules of a base URL apply to the result.
    assert!(Client::with_host("http://example.com", Credentials::anonymous()).is_err());
    assert!(Client::with_host("/docs/openapi.json", Credentials::anonymous()).is_err());
}

#[tokio::test]
async fn operations_with_servers_of_their_own_go_to_their_path_on_the_clients_host() {
    let server = server().await;
    // A base URL that is none of the spec's servers: the upload, whose server is on another
    // host, comes here too, at its server's path. (So would it from a documented server on
    // this loopback host: a local server's requests never leave the machine.)
    let client = Client::with_base_url(&server.url(""), Credentials::anonymous()).unwrap();
    client.list_items().await.unwrap();
    client.health().await.unwrap();
    client.status().await.unwrap();
    client.upload(b"file".to_vec()).await.unwrap();
    assert_eq!(
        server.lines(),
        [
            "GET /items",
            // `servers: [{url: /}]` on the path item: the host's root.
            "GET /health",
            // `https://api.example.com/v2`, the production host at another path.
            "GET /v2/status",
            // `https://uploads.example.com/files`.
            "POST /files/uploads",
        ]
    );
    assert_eq!(server.requests()[3].text(), "file");
}

/// A server side of `servers.yaml`.
struct Service;

impl aqua_corpus::servers::server::Api for Service {
    async fn list_items(
        &self,
        _: aqua_corpus::servers::server::ListItemsInput,
    ) -> ServerReply<Vec<String>> {
        ServerReply::Ok(vec!["served".to_owned()])
    }
    async fn health(&self, _: aqua_corpus::servers::server::HealthInput) -> ServerReply<()> {
        ServerReply::Ok(())
    }
    async fn status(&self, _: aqua_corpus::servers::server::StatusInput) -> ServerReply<()> {
        ServerReply::Ok(())
    }
    async fn upload(&self, i: aqua_corpus::servers::server::UploadInput) -> ServerReply<()> {
        assert_eq!(i.body, b"file");
        ServerReply::Ok(())
    }
}

#[tokio::test]
async fn the_generated_server_mounts_each_operation_where_the_client_sends_it() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = aqua_corpus::servers::server::router(Arc::new(Service));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    for base in ["/v1", "/api/v1"] {
        let client =
            Client::with_base_url(&format!("http://{addr}{base}"), Credentials::anonymous())
                .unwrap();
        assert_eq!(client.list_items().await.unwrap(), ["served"]);
        client.health().await.unwrap();
        client.status().await.unwrap();
        client.upload(b"file".to_vec()).await.unwrap();
    }
    task.abort();
}
