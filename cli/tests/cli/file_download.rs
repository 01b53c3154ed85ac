//! `aqua file download`: the server's bytes, and never a partial or replaced file.

use std::path::PathBuf;

use super::{
    ACCOUNTS, aqua_at, completed_job, entries, exec, fast, faulty, file_ids, first_line,
    library_download, start, text,
};

#[test]
fn file_download_writes_the_servers_bytes() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let file_id = &file_ids(&job)[0];
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("accounts.csv");

    let out = exec(
        aqua_at(&server)
            .args(["file", "download", file_id, "--output"])
            .arg(&path),
    )
    .success()
    .json();
    let bytes = std::fs::read(&path).expect("the downloaded file");
    assert_eq!(bytes, library_download(&server, file_id));
    assert_eq!(first_line(&path), "Account.Id,Account.Name");
    assert_eq!(text(&out, "fileId"), file_id.as_str());
    assert_eq!(PathBuf::from(text(&out, "path")), path);
    assert_eq!(out["bytes"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(entries(dir.path()), ["accounts.csv"]);

    // --overwrite replaces an existing file; -o is the short form of --output.
    std::fs::write(&path, "old\n").expect("write");
    exec(
        aqua_at(&server)
            .args(["file", "download", file_id, "--overwrite", "-o"])
            .arg(&path),
    )
    .success();
    assert_eq!(std::fs::read(&path).expect("the file"), bytes);
}

#[test]
fn file_download_of_an_unknown_id_exits_4_and_leaves_no_file() {
    let server = start(fast());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("out.csv");
    let run = exec(
        aqua_at(&server)
            .args([
                "file",
                "download",
                "0123456789abcdef0123456789abcdef",
                "--output",
            ])
            .arg(&path),
    )
    .failure(4);
    assert!(run.error_line().contains("404"), "{run}");
    assert!(!path.exists());
    assert_eq!(entries(dir.path()), Vec::<String>::new());
}

#[test]
fn file_download_truncated_by_the_server_leaves_no_file() {
    let server = start(faulty(&["truncated:op=downloadFile"]));
    let job = completed_job(&server, &[ACCOUNTS]);
    let file_id = &file_ids(&job)[0];
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("out.csv");
    let run = exec(
        aqua_at(&server)
            .args(["file", "download", file_id, "--output"])
            .arg(&path),
    )
    .failure(5);
    assert!(run.error_line().contains("incomplete"), "{run}");
    assert!(server.stats().faults_injected >= 1);
    assert!(!path.exists());
    assert_eq!(
        entries(dir.path()),
        Vec::<String>::new(),
        "no file and no temporary file"
    );
}

#[test]
fn file_download_never_replaces_an_existing_file_without_overwrite() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let file_id = &file_ids(&job)[0];
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("out.csv");
    std::fs::write(&path, "mine\n").expect("write");
    let run = exec(
        aqua_at(&server)
            .args(["file", "download", file_id, "--output"])
            .arg(&path),
    )
    .failure(8);
    assert!(run.error_line().contains("--overwrite"), "{run}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "mine\n");
    assert_eq!(entries(dir.path()), ["out.csv"]);
}
