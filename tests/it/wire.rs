//! What the generated clients put on the wire for each parameter style and media type (the
//! corpus specs `params.yaml` and `media.yaml`, against a recording server on 127.0.0.1),
//! what they make of each kind of response, and what the generated servers decode from those
//! requests (the client against the generated `router`, also on 127.0.0.1).

use std::sync::Arc;

use aqua_corpus::{media, params};
use aqua_runtime::server::{Multipart, Reply};

use crate::support::{Reply as Answer, TestServer};

const JSON: &str = "application/json";

fn params_client(server: &TestServer) -> params::Client {
    params::Client::with_base_url(&server.url("/v1"), params::Credentials::anonymous()).unwrap()
}

fn media_client(base: &str) -> media::Client {
    media::Client::with_base_url(base, media::Credentials::anonymous()).unwrap()
}

fn point() -> params::Point {
    params::Point::new().x(1).y(2)
}

fn full_search(client: &params::Client) -> params::Search<'_> {
    client
        .search()
        .filter(params::Filter::new().status("open").min_size(3))
        .tags(["red".to_owned(), "green".to_owned()])
        .ids([1, 2])
        .point(point())
        .sort(["name".to_owned(), "-date".to_owned()])
        .q(params::SearchQ::new().text("x&y"))
        .x_tags(["t1".to_owned(), "t2".to_owned()])
        .x_point(point())
        .prefs(["dark".to_owned(), "compact".to_owned()])
}

#[tokio::test]
async fn query_header_and_cookie_styles_are_written_as_the_spec_says() {
    let server = TestServer::start(200, JSON, "{}").await;
    let client = params_client(&server);
    full_search(&client).send().await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(
        r.target,
        "/v1/search?filter[minSize]=3&filter[status]=open&tags=red%20green&ids=1|2\
         &point=x,1,y,2&sort=name,-date&q=%7B%22text%22%3A%22x%26y%22%7D"
    );
    assert_eq!(r.header("x-tags"), Some("t1,t2"));
    assert_eq!(r.header("x-point"), Some("x=1,y=2"));
    assert_eq!(r.header("cookie"), Some("prefs=dark,compact"));
}

#[tokio::test]
async fn path_styles_and_segments_of_several_parameters_are_written_as_the_spec_says() {
    let server = TestServer::start(200, JSON, "{}").await;
    let client = params_client(&server);
    client.get_items([1, 2, 3]).await.unwrap();
    client
        .get_color(["blue".to_owned(), "a/b".to_owned()])
        .await
        .unwrap();
    client.get_point(point()).await.unwrap();
    client
        .get_file_with_extension("q3 report", "pdf")
        .await
        .unwrap();
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/v1/items/1,2,3",
            "/v1/colors/.blue,a%2Fb",
            "/v1/points/;x=1;y=2",
            "/v1/files/q3%20report.pdf",
        ]
    );
}

/// A server side of `params.yaml` that answers what it decoded.
struct ParamsEcho;

fn echo(path: &str, query: String) -> Reply<params::Echo> {
    let mut e = params::Echo::default();
    e.path = Some(path.to_owned());
    e.query = Some(query);
    Reply::Ok(e)
}

impl params::server::Api for ParamsEcho {
    async fn search(&self, i: params::server::SearchInput) -> Reply<params::Echo> {
        let decoded = serde_json::json!({
            "filter": i.filter,
            "tags": i.tags,
            "ids": i.ids,
            "point": i.point,
            "sort": i.sort,
            "q": i.q.and_then(|q| q.text),
            "x_tags": i.x_tags,
            "x_point": i.x_point,
            "prefs": i.prefs,
        });
        echo("search", decoded.to_string())
    }
    async fn get_items(&self, i: params::server::GetItemsInput) -> Reply<params::Echo> {
        echo("getItems", format!("{:?}", i.ids))
    }
    async fn get_color(&self, i: params::server::GetColorInput) -> Reply<params::Echo> {
        echo("getColor", format!("{:?}", i.color))
    }
    async fn get_point(&self, i: params::server::GetPointInput) -> Reply<params::Echo> {
        echo("getPoint", i.point.to_string())
    }
    async fn get_file_with_extension(
        &self,
        i: params::server::GetFileWithExtensionInput,
    ) -> Reply<params::Echo> {
        echo("getFileWithExtension", format!("{} {}", i.name, i.ext))
    }
    async fn get_file(&self, i: params::server::GetFileInput) -> Reply<params::Echo> {
        echo("getFile", i.file_id)
    }
    async fn delete_file(&self, _: params::server::DeleteFileInput) -> Reply<()> {
        Reply::Ok(())
    }
    async fn list_versions(&self, i: params::server::ListVersionsInput) -> Reply<params::Echo> {
        echo("listVersions", i.id.to_string())
    }
}

/// Serves `router` on 127.0.0.1; returns `http://127.0.0.1:<port>` and the server task.
async fn serve(router: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), task)
}

#[tokio::test]
async fn the_generated_server_decodes_every_style_and_picks_the_template_that_matches() {
    let (base, task) = serve(params::server::router(Arc::new(ParamsEcho))).await;
    let client =
        params::Client::with_base_url(&format!("{base}/v1"), params::Credentials::anonymous())
            .unwrap();
    let got = full_search(&client).send().await.unwrap();
    let decoded: serde_json::Value = serde_json::from_str(got.query.as_deref().unwrap()).unwrap();
    assert_eq!(
        decoded,
        serde_json::json!({
            "filter": {"minSize": "3", "status": "open"},
            "tags": ["red", "green"],
            "ids": [1, 2],
            "point": {"x": "1", "y": "2"},
            "sort": ["name", "-date"],
            "q": "x&y",
            "x_tags": ["t1", "t2"],
            "x_point": {"x": "1", "y": "2"},
            "prefs": ["dark", "compact"],
        })
    );
    let seen = |e: params::Echo| format!("{} {}", e.path.unwrap(), e.query.unwrap());
    assert_eq!(
        seen(client.get_items([1, 2]).await.unwrap()),
        "getItems [1, 2]"
    );
    assert_eq!(
        seen(
            client
                .get_color(["blue".to_owned(), "a/b".to_owned()])
                .await
                .unwrap()
        ),
        r#"getColor ["blue", "a/b"]"#
    );
    assert_eq!(
        seen(client.get_point(point()).await.unwrap()),
        r#"getPoint {"x":"1","y":"2"}"#
    );
    // `/files/{name}.{ext}` and `/files/{fileId}` share a route: the template with more
    // literal text wins when it matches.
    assert_eq!(
        seen(
            client
                .get_file_with_extension("q3 report", "pdf")
                .await
                .unwrap()
        ),
        "getFileWithExtension q3 report pdf"
    );
    assert_eq!(seen(client.get_file("abc").await.unwrap()), "getFile abc");
    client.delete_file("abc").await.unwrap();
    assert_eq!(
        seen(client.list_versions(7).await.unwrap()),
        "listVersions 7"
    );
    task.abort();
}

#[tokio::test]
async fn text_bytes_form_and_json_bodies_carry_their_media_types() {
    let server = TestServer::start(200, "text/plain; charset=utf-8", "stored").await;
    let client = media_client(&server.url("/api"));
    assert_eq!(client.add_note("héllo".to_owned()).await.unwrap(), "stored");
    let doc = || media::Document::new("T").pages(2);
    let server2 = TestServer::start(200, JSON, r#"{"title":"T"}"#).await;
    let client2 = media_client(&server2.url("/api"));
    client2.put_document("d1", doc()).await.unwrap();
    client2
        .put_document("d1", doc())
        .body_xml(b"<doc/>".to_vec())
        .await
        .unwrap();
    client2
        .put_document("d1", doc())
        .body_form(doc())
        .await
        .unwrap();
    client2
        .put_blob()
        .body(vec![1, 2, 3])
        .content_type("image/png")
        .await
        .unwrap();
    client2.put_blob().body(vec![4]).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.text(), "héllo");
    assert_eq!(r.header("accept"), Some("text/plain"));
    let bodies: Vec<(String, Vec<u8>)> = server2
        .requests()
        .into_iter()
        .map(|r| (r.header("content-type").unwrap().to_owned(), r.body))
        .collect();
    assert_eq!(
        bodies,
        [
            (JSON.to_owned(), br#"{"title":"T","pages":2}"#.to_vec()),
            ("application/xml".to_owned(), b"<doc/>".to_vec()),
            (
                "application/x-www-form-urlencoded".to_owned(),
                b"pages=2&title=T".to_vec()
            ),
            ("image/png".to_owned(), vec![1, 2, 3]),
            ("application/octet-stream".to_owned(), vec![4]),
        ]
    );
}

fn upload() -> media::Upload {
    let meta = media::UploadMeta::new().source("scanner");
    media::Upload::new(b"\x89PNG".to_vec(), "scan")
        .thumbnails([b"t1".to_vec(), b"t2".to_vec()])
        .count(2)
        .tags(["a".to_owned(), "b".to_owned()])
        .meta(meta)
}

/// A part of a multipart body: name, file name, content type and content.
type PartSummary = (String, Option<String>, Option<String>, Vec<u8>);

/// The parts of a multipart body.
fn parts(body: &Multipart) -> Vec<PartSummary> {
    body.parts()
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.file_name.clone(),
                p.content_type.clone(),
                p.bytes.to_vec(),
            )
        })
        .collect()
}

fn expected_parts() -> Vec<PartSummary> {
    let s = |v: &str| Some(v.to_owned());
    vec![
        (
            "file".into(),
            s("scan.png"),
            s("image/png"),
            b"\x89PNG".to_vec(),
        ),
        (
            "thumbnails".into(),
            s("thumbnails"),
            s("application/octet-stream"),
            b"t1".to_vec(),
        ),
        (
            "thumbnails".into(),
            s("thumbnails"),
            s("application/octet-stream"),
            b"t2".to_vec(),
        ),
        ("name".into(), None, None, b"scan".to_vec()),
        ("count".into(), None, None, b"2".to_vec()),
        ("tags".into(), None, None, b"a".to_vec()),
        ("tags".into(), None, None, b"b".to_vec()),
        (
            "meta".into(),
            None,
            s("application/json"),
            br#"{"source":"scanner"}"#.to_vec(),
        ),
    ]
}

#[tokio::test]
async fn multipart_bodies_send_files_and_fields_as_parts() {
    let server = TestServer::start(201, JSON, r#"{"id":"u1","size":4}"#).await;
    let client = media_client(&server.url("/api"));
    let stored = client
        .upload(upload())
        .file_file_name("scan.png")
        .await
        .unwrap();
    assert_eq!(stored.id.as_deref(), Some("u1"));
    let r = &server.requests()[0];
    let content_type = r.header("content-type").unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let raw = String::from_utf8_lossy(&r.body);
    assert!(
        raw.contains("Content-Disposition: form-data; name=\"file\"; filename=\"scan.png\"\r\nContent-Type: image/png\r\n\r\n\u{fffd}PNG\r\n"),
        "{raw}"
    );
    let body = aqua_runtime::server::decode_multipart(Some(content_type), r.body.clone().into())
        .await
        .unwrap();
    assert_eq!(parts(&body), expected_parts());
}

#[tokio::test]
async fn responses_of_each_media_type_are_read_as_their_kind() {
    let server = TestServer::scripted(|r| match r.path() {
        "/api/documents/d1.xml" => Answer::new(200, "application/xml", "<doc/>"),
        "/api/documents/d1/raw" => Answer::new(200, "application/pdf", "%PDF"),
        "/api/feed" => Answer::new(200, "application/vnd.feed+json", r#"{"entries":["a"]}"#),
        "/api/ping" => Answer::json(200, r#"[1,{"a":null}]"#),
        "/api/reports/csv" => Answer::new(200, "text/csv", "a,b\n1,2\n"),
        "/api/reports/png" => Answer::new(203, "image/png", "PNG"),
        _ => Answer::json(202, r#"{"retryAfter":5}"#),
    })
    .await;
    let client = media_client(&server.url("/api"));
    assert_eq!(client.get_document_xml("d1").await.unwrap(), b"<doc/>");
    let mut download = client.download_document("d1").await.unwrap();
    assert_eq!(download.content_type(), Some("application/pdf"));
    assert_eq!(&download.next_chunk().await.unwrap().unwrap()[..], b"%PDF");
    let feed = client.get_feed().await.unwrap();
    assert_eq!(feed.entries.as_deref(), Some(&["a".to_owned()][..]));
    assert_eq!(
        client.ping().await.unwrap(),
        serde_json::json!([1, {"a": null}])
    );
    use media::GetReportResponse as R;
    assert!(matches!(client.get_report("csv").await.unwrap(), R::Ok(t) if t == "a,b\n1,2\n"));
    assert!(
        matches!(client.get_report("png").await.unwrap(), R::NonAuthoritative(b) if b == b"PNG")
    );
    assert!(matches!(
        client.get_report("later").await.unwrap(),
        R::Accepted(a) if a.retry_after == Some(5)
    ));
    let accepts: Vec<(String, String)> = server
        .requests()
        .into_iter()
        .map(|r| (r.path().to_owned(), r.header("accept").unwrap().to_owned()))
        .collect();
    assert_eq!(
        accepts[..4],
        [
            (
                "/api/documents/d1.xml".to_owned(),
                "application/xml".to_owned()
            ),
            ("/api/documents/d1/raw".to_owned(), "*/*".to_owned()),
            (
                "/api/feed".to_owned(),
                "application/vnd.feed+json".to_owned()
            ),
            ("/api/ping".to_owned(), JSON.to_owned()),
        ]
    );
    assert_eq!(accepts[4].1, "text/csv, application/json, image/png");
}

/// A server side of `media.yaml` that keeps what it decoded.
#[derive(Clone, Default)]
struct MediaSink {
    seen: Arc<std::sync::Mutex<Vec<String>>>,
    uploads: Arc<std::sync::Mutex<Vec<Multipart>>>,
}

impl media::server::Api for MediaSink {
    async fn add_note(&self, i: media::server::AddNoteInput) -> Reply<String> {
        Reply::Ok(format!("note: {}", i.body))
    }
    async fn put_document(&self, i: media::server::PutDocumentInput) -> Reply<media::Document> {
        use media::server::PutDocumentBody as B;
        let seen = match i.body {
            B::Json(d) => format!("json {} {:?}", d.title, d.pages),
            B::Form(d) => format!("form {} {:?}", d.title, d.pages),
            B::Xml(x) => format!("xml {}", String::from_utf8_lossy(&x)),
            other => format!("{other:?}"),
        };
        self.seen.lock().unwrap().push(seen);
        Reply::Ok(media::Document::new("T"))
    }
    async fn get_document_xml(&self, _: media::server::GetDocumentXmlInput) -> Reply<Vec<u8>> {
        Reply::Ok(b"<doc/>".to_vec())
    }
    async fn download_document(
        &self,
        _: media::server::DownloadDocumentInput,
    ) -> aqua_runtime::server::BinaryReply {
        aqua_runtime::server::BinaryReply::Ok {
            content_type: "application/pdf".into(),
            body: axum::body::Body::from("%PDF"),
            content_length: Some(4),
        }
    }
    async fn upload(&self, i: media::server::Upload2Input) -> Reply<media::Stored> {
        self.uploads.lock().unwrap().push(i.body);
        Reply::Ok(media::Stored::default())
    }
    async fn put_blob(&self, i: media::server::PutBlobInput) -> Reply<()> {
        self.seen.lock().unwrap().push(format!("blob {:?}", i.body));
        Reply::Ok(())
    }
    async fn get_feed(&self, _: media::server::GetFeedInput) -> Reply<media::GetFeedBody> {
        Reply::Ok(media::GetFeedBody::default())
    }
    async fn ping(&self, _: media::server::PingInput) -> Reply<serde_json::Value> {
        Reply::Ok(serde_json::json!({"pong": true}))
    }
    async fn get_report(
        &self,
        i: media::server::GetReportInput,
    ) -> Reply<media::GetReportResponse> {
        Reply::Ok(match i.id.as_str() {
            "csv" => media::GetReportResponse::Ok("a,b\n".to_owned()),
            _ => media::GetReportResponse::NonAuthoritative(b"PNG".to_vec()),
        })
    }
}

#[tokio::test]
async fn the_generated_server_decodes_each_media_type_and_answers_with_its_own() {
    let sink = MediaSink::default();
    let (base, task) = serve(media::server::router(Arc::new(sink.clone()))).await;
    let client = media_client(&format!("{base}/api"));
    assert_eq!(client.add_note("hi".to_owned()).await.unwrap(), "note: hi");
    let doc = || media::Document::new("T").pages(2);
    client.put_document("d1", doc()).await.unwrap();
    client
        .put_document("d1", doc())
        .body_form(doc())
        .await
        .unwrap();
    client
        .put_document("d1", doc())
        .body_xml(b"<doc/>".to_vec())
        .await
        .unwrap();
    client.put_blob().body(vec![7]).await.unwrap();
    client
        .upload(upload())
        .file_file_name("scan.png")
        .await
        .unwrap();
    assert_eq!(client.get_document_xml("d1").await.unwrap(), b"<doc/>");
    let mut download = client.download_document("d1").await.unwrap();
    assert_eq!(&download.next_chunk().await.unwrap().unwrap()[..], b"%PDF");
    assert_eq!(
        client.ping().await.unwrap(),
        serde_json::json!({"pong": true})
    );
    assert!(matches!(
        client.get_report("csv").await.unwrap(),
        media::GetReportResponse::Ok(t) if t == "a,b\n"
    ));
    assert!(matches!(
        client.get_report("png").await.unwrap(),
        media::GetReportResponse::NonAuthoritative(b) if b == b"PNG"
    ));
    assert_eq!(
        *sink.seen.lock().unwrap(),
        ["json T Some(2)", "form T Some(2)", "xml <doc/>", "blob [7]"]
    );
    assert_eq!(parts(&sink.uploads.lock().unwrap()[0]), expected_parts());
    task.abort();
}
