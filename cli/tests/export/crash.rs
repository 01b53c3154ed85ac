//! `kill -9` of the real binary at each point of a job's life, then a rerun: the copy equals
//! the server's data, no increment is lost (the data changed only before the killed run, so
//! a lost increment would show as a difference) and none is applied twice.

use std::time::Duration;

use aqua_server::Config;

use crate::support::*;
use crate::{STATEFUL, stateful_args};

/// A full load, two changes of the data, an incremental run killed at `point`, and a rerun
/// (after `pause`). Returns the set-up, the rerun's summary and its log.
fn killed_after(
    config: Config,
    point: &str,
    pause: Duration,
) -> (Setup, serde_json::Value, String) {
    let setup = Setup::new(config);
    let args = stateful_args();
    setup.export(&args);
    setup.change();
    setup.change();
    setup.kill_at(point, &args);
    std::thread::sleep(pause);
    let (summary, log) = setup.export_logged(&args);
    setup.assert_equal(&STATEFUL);
    (setup, summary, log)
}

fn killed_increment(config: Config, point: &str) -> (Setup, serde_json::Value) {
    let (setup, summary, _) = killed_after(config, point, Duration::ZERO);
    (setup, summary)
}

/// The rerun finished the killed run's job, then submitted one (empty) increment of its own.
fn assert_recovered(setup: &Setup, summary: &serde_json::Value) {
    assert_eq!(summary["jobs_recovered"], 1, "{summary}");
    assert_eq!(
        setup.server.stats().jobs,
        3,
        "the full load, the killed run's job, the rerun's own: {summary}"
    );
    // The changes are applied once: the rerun's accounts are those of two changes.
    assert_eq!(count(summary, "Account", "inserted"), 2, "{summary}");
    assert_eq!(count(summary, "Account", "deleted"), 2, "{summary}");
}

#[test]
fn a_kill_after_the_submission_was_recorded_but_not_sent() {
    let (setup, summary) = killed_increment(config(), "recorded");
    assert_recovered(&setup, &summary);
}

#[test]
fn a_kill_after_submit_is_recovered_through_the_last_completed_job() {
    // The killed run's job completes before the rerun: the rerun finds it as the session's
    // last completed job (by its name) instead of submitting another.
    let (setup, summary, log) = killed_after(config(), "submitted", Duration::from_millis(300));
    assert_recovered(&setup, &summary);
    assert!(log.contains("is the session's last completed job"), "{log}");
}

#[test]
fn a_kill_after_submit_is_recovered_through_the_idempotency_key() {
    // The killed run's job is still queued at the rerun (jobs wait 2 s here): the same
    // request with the same key gets the same job back. Killed during the first full load.
    let setup = Setup::new(Config {
        submitted_for: Duration::from_secs(2),
        ..config()
    });
    let args = stateful_args();
    setup.kill_at("submitted", &args);
    let (summary, log) = setup.export_logged(&args);
    setup.assert_equal(&STATEFUL);
    assert!(log.contains("with its idempotency key"), "{log}");
    assert!(
        !log.contains("is the session's last completed job"),
        "{log}"
    );
    assert_eq!(summary["jobs_recovered"], 1, "{summary}");
    assert_eq!(count(&summary, "Account", "inserted"), 300, "{summary}");
    // The killed run's job and the rerun's own: no second job for the same load.
    assert_eq!(setup.server.stats().jobs, 2, "{summary}");
}

#[test]
fn a_kill_after_the_job_completed_before_anything_was_downloaded() {
    let (setup, summary) = killed_increment(config(), "completed");
    assert_recovered(&setup, &summary);
}

#[test]
fn a_kill_during_a_download() {
    let (setup, summary) = killed_increment(config(), "downloading");
    assert_recovered(&setup, &summary);
    assert!(setup.work_files().is_empty(), "{:?}", setup.work_files());
}

#[test]
fn a_kill_after_the_download_before_apply() {
    let (setup, summary) = killed_increment(config(), "downloaded");
    assert_recovered(&setup, &summary);
}

#[test]
fn a_kill_during_apply_inside_the_transaction() {
    let (setup, summary) = killed_increment(config(), "applying");
    assert_recovered(&setup, &summary);
}

#[test]
fn a_kill_between_two_batches_of_one_job() {
    // Account was applied and committed; Invoice and AccountingPeriod were not.
    let (setup, summary) = killed_increment(config(), "applied#1");
    assert_eq!(summary["jobs_recovered"], 1, "{summary}");
    assert_eq!(setup.server.stats().jobs, 3);
    // Account's increment is not applied a second time.
    assert_eq!(count(&summary, "Account", "inserted"), 0, "{summary}");
    assert_eq!(count(&summary, "Account", "deleted"), 0, "{summary}");
    assert_eq!(count(&summary, "Invoice", "inserted"), 2, "{summary}");
}

#[test]
fn a_kill_during_the_first_full_load() {
    // Segmented full loads (300 accounts, 100 a file), killed inside the transaction.
    let setup = Setup::new(config());
    let args = stateful_args();
    setup.kill_at("applying", &args);
    assert_eq!(setup.rows("Account"), None, "nothing of the batch was kept");
    let summary = setup.export(&args);
    setup.assert_equal(&STATEFUL);
    assert_eq!(object(&summary, "Account")["load"], "full");
    assert_eq!(count(&summary, "Account", "inserted"), 300);
}
