//! Quick smoke tests (run by `cargo test`): every benchmark's input is valid and every
//! variant it compares gives the same answer, at small sizes.

use std::path::PathBuf;

use crate::decode::{hand, hand_flatten, job_json};
use crate::per_call::{Fixture, Raw, generated_call, generated_client};
use crate::synth::synthetic_spec;

#[test]
fn synthetic_specs_generate() {
    let spec = synthetic_spec(8);
    let source = aqua_codegen::SpecSource::new("synthetic-8.yaml", spec);
    let code = aqua_codegen::generate_source(&source).expect("the synthetic spec generates");
    for needle in [
        "pub fn get_item0(",
        "pub fn create_item1(",
        "pub fn list_items2(",
        "pub fn delete_item3(",
        "pub fn get_item4(",
        "pub struct Item7 {",
        "pub struct Item2Page {",
        "pub struct Item5Input {",
        "pub enum Item6Status {",
    ] {
        assert!(
            code.contains(needle),
            "{needle} missing from the generated code"
        );
    }
}

#[test]
fn synthetic_specs_grow_linearly() {
    let small = synthetic_spec(100).len();
    let large = synthetic_spec(400).len();
    assert!(large > 3 * small && large < 5 * small, "{small} → {large}");
}

#[test]
fn job_bodies_decode_alike_with_every_type() {
    let json = job_json(25);
    let generated: zuora_aqua::Job = serde_json::from_str(&json).expect("generated types");
    let plain: hand::Job = serde_json::from_str(&json).expect("hand-written types");
    let flatten: hand_flatten::Job = serde_json::from_str(&json).expect("hand-written + flatten");
    let generated_batches = generated.batches.as_deref().unwrap_or_default();
    let plain_batches = plain.batches.as_deref().unwrap_or_default();
    let flatten_batches = flatten.batches.as_deref().unwrap_or_default();
    assert_eq!(generated_batches.len(), 25);
    assert_eq!(plain_batches.len(), 25);
    assert_eq!(flatten_batches.len(), 25);
    assert!(generated.unknown_fields.is_empty() && flatten.unknown_fields.is_empty());
    for ((g, p), f) in generated_batches
        .iter()
        .zip(plain_batches)
        .zip(flatten_batches)
    {
        assert!(g.unknown_fields.is_empty() && f.unknown_fields.is_empty());
        assert_eq!(g.batch_id, p.batch_id);
        assert_eq!(g.file_id, p.file_id);
        assert_eq!(g.segments, p.segments);
        assert_eq!(g.record_count.as_ref().map(|c| c.get()), p.record_count);
        assert_eq!(
            g.deleted.as_ref().and_then(|d| d.column.clone()),
            p.deleted.as_ref().and_then(|d| d.column.clone())
        );
        assert_eq!(p.batch_id, f.batch_id);
        assert_eq!(p.deleted.is_some(), f.deleted.is_some());
    }
    // About 300 bytes a batch, so that 100,000 batches make about 30 MB.
    let per_batch = (job_json(1_000).len() - job_json(0).len()) / 1_000;
    assert!(
        (250..=350).contains(&per_batch),
        "{per_batch} bytes a batch"
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

#[test]
fn per_call_variants_read_the_same_job() {
    let fixture = Fixture::start();
    let url = fixture.rest_url();
    let (generated, raw) = runtime().block_on(async {
        let client = generated_client(&url);
        let raw = Raw::new(&url);
        let generated = generated_call(&client).await.expect("generated call");
        let again = generated_call(&client)
            .await
            .expect("second generated call");
        assert_eq!(generated, again);
        (generated, raw.call().await.expect("raw call"))
    });
    assert_eq!(generated, raw);
    assert_eq!(generated.batches.map(|b| b.len()), Some(2));
    let stats = fixture.stats();
    // Submit, polls, then three reads; the generated client reuses its connection.
    assert!(stats.requests >= 5, "{stats:?}");
}

/// A file name in the temporary directory, removed when dropped.
struct TempPath(PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn file_server_streams_the_announced_length() {
    let size = 3 * crate::files::BLOCK as u64 + 123;
    let rt = runtime();
    let path = TempPath(
        std::env::temp_dir().join(format!("aqua-benches-smoke-{}.csv", std::process::id())),
    );
    rt.block_on(async {
        let (listener, addr) = crate::files::bind(0).await.expect("bind");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(crate::files::serve(listener, size, async {
            let _ = stopped.await;
        }));
        let client = generated_client(&format!("http://{addr}/v1"));
        let written = client
            .download_file("f1")
            .send()
            .await
            .expect("the download starts")
            .save(&path.0, true)
            .await
            .expect("the download completes");
        assert_eq!(written, size);
        let _ = stop.send(());
        server.await.expect("joined").expect("served");
    });
    let data = std::fs::read(&path.0).expect("the saved file");
    assert_eq!(data.len() as u64, size);
    assert!(data.starts_with(b"Account.AccountNumber,Account.Name,Account.Balance\nA00000001,"));
    let block = crate::files::block();
    assert_eq!(&data[block.len()..2 * block.len()], &block[..]);
}
