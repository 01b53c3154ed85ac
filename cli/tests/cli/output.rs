//! `--output`: aligned tables and JSON.

use super::{ACCOUNTS, INVOICES, aqua_at, completed_job, exec, fast, start, text};

#[test]
fn output_table_prints_aligned_text() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS, INVOICES]);
    let id = text(&job, "id");
    let run = exec(aqua_at(&server).args(["job", "get", id, "--output", "table"])).success();

    let mut expected = format!(
        "id         {id}\nname       fixture\nstatus     completed\nformat     CSV\n\
         version    1.1\npartner    -\nproject    -\nstartTime  {}\n\n\
         batch  status     records  full  files\n",
        text(&job, "startTime")
    );
    for batch in job["batches"].as_array().expect("batches") {
        expected.push_str(&format!(
            "{:<5}  completed  {:<7}  true  {}\n",
            text(batch, "name"),
            batch["recordCount"].as_u64().expect("recordCount"),
            text(batch, "fileId")
        ));
    }
    assert_eq!(run.stdout, expected, "{run}");
}

#[test]
fn output_json_is_valid_json_on_request() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let id = text(&job, "id");
    let got = exec(aqua_at(&server).args(["--output", "json", "job", "get", id]))
        .success()
        .json();
    assert_eq!(got, job);
    // The global option is accepted after the subcommand too.
    let got = exec(aqua_at(&server).args(["job", "get", id, "--output", "json"]))
        .success()
        .json();
    assert_eq!(text(&got, "id"), id);
    let run = exec(aqua_at(&server).args(["job", "get", id, "--output", "yaml"])).failure(2);
    assert!(
        run.error_line().contains("`json` or `table`"),
        "{}",
        run.error_line()
    );
}
