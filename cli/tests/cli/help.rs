//! `aqua --help` and `aqua --version`.

use super::{aqua, exec};

#[test]
fn help_lists_the_exit_codes_and_the_credential_variables() {
    let run = exec(aqua().arg("--help")).success();
    let help = &run.stdout;
    for line in [
        "  ZUORA_USERNAME and ZUORA_PASSWORD          HTTP basic authentication",
        "  ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET    OAuth 2.0 client credentials (preferred)",
        "  0 success                  5 network failure or timeout",
        "  1 unexpected failure       6 the job failed (error, aborted, cancelled)",
        "  2 usage or configuration   7 the job did not finish before the deadline",
        "  3 authentication failed    8 a local file could not be written",
        "  4 Zuora reported an error  9 export needs --full-reload",
        "  129 hung up (SIGHUP)       130 interrupted (Ctrl-C, SIGINT)",
        "  143 terminated (SIGTERM)",
    ] {
        assert!(help.lines().any(|l| l == line), "missing `{line}`\n{run}");
    }
    for command in [
        "last-job",
        "job",
        "file",
        "export",
        "environments",
        "server",
        "demo",
    ] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "missing `{command}`\n{run}"
        );
    }
    // Without clap's trailing spaces, so that editors leave the snapshot alone.
    let help = help
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("help", help);
}

#[test]
fn version_names_the_command() {
    let run = exec(aqua().arg("--version")).success();
    assert_eq!(run.stdout, format!("aqua {}\n", env!("CARGO_PKG_VERSION")));
}
