//! `aqua export` end to end: the real binary against a local AQuA server in the test process,
//! into a real SQLite file, compared row for row with the server's records. The crash tests
//! pause the binary at a named point (`AQUA_EXPORT_PAUSE_AT`, the test seam documented in
//! `aqua_export::seam`), kill it with SIGKILL, run it again and check that the copy equals
//! the server's data, with no increment lost or applied twice.

mod crash;
mod support;

use aqua_server::Config;

use support::*;

const STATEFUL: [&str; 3] = ["Account", "Invoice", "AccountingPeriod"];

fn stateful_args() -> Vec<&'static str> {
    vec![
        "--object",
        "Account",
        "--object",
        "Invoice=select * from Invoice",
        "--object",
        "AccountingPeriod",
        "--deleted",
    ]
}

#[test]
fn full_incremental_and_deleted_records_end_equal_to_the_server() {
    let setup = Setup::new(config());
    let args = stateful_args();
    let first = setup.export(&args);
    setup.assert_equal(&STATEFUL);
    assert_eq!(object(&first, "Account")["load"], "full");
    assert_eq!(count(&first, "Account", "inserted"), 300);
    assert_eq!(count(&first, "AccountingPeriod", "rows"), 240);
    assert_eq!(first["jobs_submitted"], 1);
    assert_eq!(
        first["project"], "copy",
        "the project comes from the file name"
    );

    setup.change();
    setup.change();
    let mut zip = args.clone();
    zip.extend(["--format", "zip"]);
    let second = setup.export(&zip);
    setup.assert_equal(&STATEFUL);
    assert_eq!(object(&second, "Account")["load"], "incremental");
    assert_eq!(count(&second, "Account", "inserted"), 2);
    assert_eq!(count(&second, "Account", "deleted"), 2);
    assert_eq!(count(&second, "Invoice", "deleted"), 1);
    assert_eq!(count(&second, "Account", "rows"), 300);

    let mut csv = args.clone();
    csv.extend(["--format", "csv"]);
    setup.change();
    setup.export(&csv);
    setup.assert_equal(&STATEFUL);
    // No result file is left behind.
    assert_eq!(setup.work_files(), Vec::<std::path::PathBuf>::new());
}

#[test]
fn windows_load_a_big_object_and_resume_after_a_kill() {
    let setup = Setup::new(config());
    let args = [
        "--object",
        "InvoiceItem",
        "--window",
        "180",
        "--since",
        "2019-01-01",
        "--jobs",
        "3",
    ];
    // Killed after the third window committed: the table is not replaced yet.
    setup.kill_at("applied#3", &args);
    assert_eq!(
        setup.rows("InvoiceItem"),
        None,
        "the table waits for the last window"
    );
    assert!(
        setup.rows("_aqua_stage_InvoiceItem").unwrap_or(0) > 0,
        "three windows are staged"
    );
    let before = setup.server.stats().jobs;
    let summary = setup.export(&args);
    setup.assert_equal(&["InvoiceItem"]);
    // Every window ran exactly once: the three applied ones are not submitted again, the
    // ones already submitted are recovered, not submitted twice.
    let total = windows_since_2019(180);
    assert_eq!(
        count(&summary, "InvoiceItem", "jobs"),
        total - 3,
        "{summary}"
    );
    assert_eq!(
        setup.server.stats().jobs,
        total,
        "{summary} (before the rerun: {before})"
    );
    assert_eq!(setup.rows("_aqua_stage_InvoiceItem"), None);

    // Increments follow from the last UpdatedDate applied.
    setup.change();
    let increment = setup.export(&args);
    assert_eq!(object(&increment, "InvoiceItem")["load"], "incremental");
    assert_eq!(count(&increment, "InvoiceItem", "inserted"), 2);
}

/// The number of windows of `days` days from 2019-01-01 to now (the first open below, the
/// last open above), as the export plans them.
fn windows_since_2019(days: i64) -> u64 {
    let since = chrono::NaiveDate::from_ymd_opt(2019, 1, 1)
        .expect("a date")
        .and_hms_opt(0, 0, 0)
        .expect("a time")
        .and_utc();
    let now = chrono::Utc::now();
    let mut n = 1;
    let mut end = since + chrono::TimeDelta::days(days);
    while end < now {
        n += 1;
        end += chrono::TimeDelta::days(days);
    }
    n
}

#[test]
fn expired_files_give_a_clear_error_and_a_full_reload_repairs() {
    let setup = Setup::new(config());
    let args = stateful_args();
    setup.export(&args);
    setup.change();
    // The increment's job completed, then the process died, and AQuA purged the files.
    setup.kill_at("completed", &args);
    assert!(setup.server.expire_files() > 0);
    let accounts = setup.rows("Account");
    let outcome = setup.run(&args);
    assert_eq!(outcome.code, 9, "{outcome:?}");
    let lines: Vec<&str> = outcome.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one error line: {outcome:?}");
    assert!(
        lines[0].starts_with("error: the stateful job (Account, Invoice, AccountingPeriod), job "),
        "{outcome:?}"
    );
    assert!(
        lines[0].contains("AQuA purges result files after 3 days"),
        "{outcome:?}"
    );
    assert!(
        lines[0].ends_with("run the export again with --full-reload"),
        "{outcome:?}"
    );
    assert_eq!(setup.rows("Account"), accounts, "nothing changed");
    // The same error again, until the reload.
    assert_eq!(setup.run(&args).code, 9);

    let mut reload = args.clone();
    reload.push("--full-reload");
    let summary = setup.export(&reload);
    setup.assert_equal(&STATEFUL);
    assert_eq!(object(&summary, "Account")["load"], "full");
    // The session goes on from where it was.
    setup.change();
    let next = setup.export(&args);
    assert_eq!(object(&next, "Account")["load"], "incremental");
    setup.assert_equal(&STATEFUL);
}

#[test]
fn usage_errors_exit_2_before_anything_is_sent() {
    let setup = Setup::new(config());
    let outcome =
        setup.run_command(&mut setup.command_to("postgres://x", &["--object", "Account"]));
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert!(outcome.stderr.contains("give sqlite:PATH"), "{outcome:?}");
    for (args, expected) in [
        (
            vec!["--object", "Account=select Name from Account"],
            "must select Id",
        ),
        (vec!["--object", "Bad Name"], "not an object name"),
        (
            vec!["--object", "Account", "--jobs", "51"],
            "between 1 and 50",
        ),
        (
            vec![
                "--object",
                "Account",
                "--windowed",
                "Account",
                "--window",
                "30",
                "--since",
                "2020-01-01",
                "--windowed",
                "Nope",
            ],
            "--windowed Nope",
        ),
    ] {
        let outcome = setup.run(&args);
        assert_eq!(outcome.code, 2, "{args:?}: {outcome:?}");
        assert!(outcome.stderr.contains(expected), "{args:?}: {outcome:?}");
    }
    assert_eq!(setup.server.stats().jobs, 0);
}

#[test]
fn an_aqua_error_inside_http_200_exits_4_and_a_corrected_run_goes_on() {
    let setup = Setup::new(config());
    let outcome = setup.run(&["--object", "Account=select Id, Nope from Account"]);
    assert_eq!(outcome.code, 4, "{outcome:?}");
    let lines: Vec<&str> = outcome.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{outcome:?}");
    assert!(
        lines[0].contains("90005") && lines[0].contains("Nope"),
        "{outcome:?}"
    );
    // The refused submission is not kept: the corrected query runs.
    let summary = setup.export(&["--object", "Account=select Id, Name from Account"]);
    assert_eq!(count(&summary, "Account", "inserted"), 300);
    assert_eq!(summary["jobs_recovered"], 0);
}

#[test]
fn one_export_at_a_time_per_database() {
    let setup = Setup::new(Config {
        submitted_for: std::time::Duration::from_secs(30),
        ..config()
    });
    let mut first = support::Paused::start(
        setup
            .command(&["--object", "Account"])
            .env("AQUA_EXPORT_PAUSE_AT", "submitted"),
    );
    first.wait_for("aqua export: paused at submitted");
    let outcome = setup.run(&["--object", "Account"]);
    assert_eq!(outcome.code, 8, "{outcome:?}");
    assert!(
        outcome.stderr.contains("is in use by another export"),
        "{outcome:?}"
    );
    first.kill();
}
