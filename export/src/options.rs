//! What to export and how: [`Options`], checked before anything is sent.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;

use crate::error::ExportError;
use crate::zoql;

/// Objects that AQuA cannot report deleted records for (error 90017): Zuora's "Export
/// Deleted Data" page and singer's tap-zuora list them. With `deleted`, the export leaves
/// their `deleted` section out and says so in the summary.
pub const NO_DELETED_RECORDS: &[&str] = &[
    "AccountingCode",
    "AccountingPeriod",
    "ContactSnapshot",
    "DiscountAppliedMetrics",
    "PaymentGatewayReconciliationEventLog",
    "PaymentMethodTransactionLog",
    "PaymentReconciliationJob",
    "PaymentReconciliationLog",
    "PaymentTransactionLog",
    "ProcessedUsage",
    "RefundTransactionLog",
    "UpdaterBatch",
    "UpdaterDetail",
];

/// The most queries of one AQuA job.
pub const MAX_QUERIES: usize = 50;
/// The most concurrent jobs of one kind that Zuora allows a tenant.
pub const MAX_JOBS: usize = 50;

/// The format AQuA writes the result files in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Packaging {
    /// Plain CSV.
    Csv,
    /// A zip archive with one CSV.
    Zip,
    /// Gzip-compressed CSV (the default: the smallest downloads).
    #[default]
    Gzip,
}

/// A windowed full load: the object is read in `days`-day ranges of `field`, one stateless
/// job each, because one job for the whole object would exceed AQuA's processing limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowSpec {
    /// The length of a window, in days (at least 1).
    pub days: u32,
    /// The start of the first bounded window. The first window also takes everything
    /// before it, so no record is left out.
    pub since: NaiveDate,
    /// The date-time field the windows cut (`UpdatedDate`); the query must select it.
    pub field: String,
}

/// One object to keep a copy of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSpec {
    /// The object's name, which names the table (`Account`).
    pub name: String,
    /// The ZOQL query; `None` for `select * from NAME`. It must select `Id`.
    pub query: Option<String>,
    /// Windows for an object too big for one job; `None` to follow it through the stateful
    /// session.
    pub window: Option<WindowSpec>,
}

impl ObjectSpec {
    /// An object exported with `select * from NAME` through the stateful session.
    pub fn new(name: impl Into<String>) -> Self {
        ObjectSpec {
            name: name.into(),
            query: None,
            window: None,
        }
    }

    /// Sets the ZOQL query.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// Exports the object in windows.
    pub fn window(mut self, window: WindowSpec) -> Self {
        self.window = Some(window);
        self
    }

    /// The query sent: the given one, or `select * from NAME`.
    pub fn zoql(&self) -> String {
        self.query
            .clone()
            .unwrap_or_else(|| format!("select * from {}", self.name))
    }
}

/// How long the export waits, and how often it asks.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Timings {
    /// The first interval between two polls of a job (default 500 ms), growing by half up
    /// to `poll_max` (default 10 s).
    pub poll_initial: Duration,
    /// The longest interval between two polls of a job.
    pub poll_max: Duration,
    /// The longest wait for one job (default 3 hours, AQuA's processing limit).
    pub job_deadline: Duration,
    /// The first wait after AQuA refused a job because too many run (error 90028), doubling
    /// (with jitter) up to `busy_max` (default 1 s, then up to 60 s).
    pub busy_initial: Duration,
    /// The longest single wait after a 90028 refusal.
    pub busy_max: Duration,
    /// How long the export keeps waiting out 90028 refusals for one job (default 1 hour).
    pub busy_total: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            poll_initial: Duration::from_millis(500),
            poll_max: Duration::from_secs(10),
            job_deadline: Duration::from_secs(3 * 3600),
            busy_initial: Duration::from_secs(1),
            busy_max: Duration::from_secs(60),
            busy_total: Duration::from_secs(3600),
        }
    }
}

impl Timings {
    /// Sets the poll intervals.
    pub fn with_polls(mut self, initial: Duration, max: Duration) -> Self {
        self.poll_initial = initial;
        self.poll_max = max.max(initial);
        self
    }

    /// Sets the longest wait for one job.
    pub fn with_job_deadline(mut self, deadline: Duration) -> Self {
        self.job_deadline = deadline;
        self
    }

    /// Sets the waits after 90028 refusals.
    pub fn with_busy_waits(mut self, initial: Duration, max: Duration, total: Duration) -> Self {
        self.busy_initial = initial;
        self.busy_max = max.max(initial);
        self.busy_total = total;
        self
    }
}

/// What an export does.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// The objects, each a table.
    pub objects: Vec<ObjectSpec>,
    /// The partner of the stateful AQuA session.
    pub partner: String,
    /// The project of the stateful AQuA session.
    pub project: String,
    /// Ask stateful increments for deleted records, and delete them locally.
    pub deleted: bool,
    /// The most AQuA jobs running at once (1 to 50).
    pub jobs: usize,
    /// Reload every object in full (stateless jobs, or windows) instead of incrementally.
    pub full_reload: bool,
    /// The format of the result files.
    pub packaging: Packaging,
    /// Where result files are downloaded before they are applied (removed once applied).
    pub work_dir: PathBuf,
    /// How far before the last seen `field` value an increment of a windowed object starts
    /// (default 1 hour), for records committed late.
    pub overlap: Duration,
    /// Waits and polls.
    pub timings: Timings,
}

impl Options {
    /// Options for `objects` in the session `partner`/`project`, with the defaults: no
    /// deleted records, 4 jobs at a time, gzip files, a 1-hour overlap.
    pub fn new(
        objects: Vec<ObjectSpec>,
        partner: impl Into<String>,
        project: impl Into<String>,
        work_dir: impl Into<PathBuf>,
    ) -> Self {
        Options {
            objects,
            partner: partner.into(),
            project: project.into(),
            deleted: false,
            jobs: 4,
            full_reload: false,
            packaging: Packaging::default(),
            work_dir: work_dir.into(),
            overlap: Duration::from_secs(3600),
            timings: Timings::default(),
        }
    }

    /// Checks the options: object names, queries, windows, limits.
    pub fn validate(&self) -> Result<(), ExportError> {
        let usage = |m: String| Err(ExportError::Usage(m));
        if self.objects.is_empty() {
            return usage("name at least one object to export (--object NAME)".to_owned());
        }
        if !(1..=MAX_JOBS).contains(&self.jobs) {
            return usage(format!(
                "--jobs must be between 1 and {MAX_JOBS} (Zuora's limit), not {}",
                self.jobs
            ));
        }
        for (what, value) in [("partner", &self.partner), ("project", &self.project)] {
            if value.trim().is_empty() {
                return usage(format!("the {what} of the stateful session is empty"));
            }
        }
        let mut names = HashSet::new();
        for object in &self.objects {
            if !zoql::is_identifier(&object.name) || object.name.starts_with("_aqua") {
                return usage(format!(
                    "`{}` is not an object name (letters, digits and `_`, not starting with \
                     `_aqua`)",
                    object.name
                ));
            }
            if !names.insert(object.name.to_ascii_lowercase()) {
                return usage(format!("the object {} is named twice", object.name));
            }
            let query = object.zoql();
            if zoql::selects(&query, "Id") == Some(false) {
                return usage(format!(
                    "the query of {} must select Id, the primary key of its table: {query}",
                    object.name
                ));
            }
            if let Some(window) = &object.window {
                if window.days == 0 {
                    return usage(format!(
                        "the window of {} must be at least 1 day",
                        object.name
                    ));
                }
                if !zoql::is_identifier(&window.field) {
                    return usage(format!("`{}` is not a field name", window.field));
                }
                if zoql::selects(&query, &window.field) == Some(false) {
                    return usage(format!(
                        "the query of {} must select {}, the field its windows cut",
                        object.name, window.field
                    ));
                }
            }
        }
        let stateful = self.objects.iter().filter(|o| o.window.is_none()).count();
        if stateful > MAX_QUERIES {
            return usage(format!(
                "{stateful} objects without windows: one AQuA job holds at most {MAX_QUERIES} queries"
            ));
        }
        Ok(())
    }

    /// Whether the deleted records of `object` are asked for.
    pub(crate) fn tracks_deletions(&self, object: &ObjectSpec) -> bool {
        self.deleted
            && object.window.is_none()
            && !NO_DELETED_RECORDS
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&object.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(objects: Vec<ObjectSpec>) -> Options {
        Options::new(objects, "aqua", "test", "/tmp/x")
    }

    fn window() -> WindowSpec {
        WindowSpec {
            days: 30,
            since: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default(),
            field: "UpdatedDate".to_owned(),
        }
    }

    #[test]
    fn options_are_checked_before_anything_is_sent() {
        assert!(options(vec![ObjectSpec::new("Account")]).validate().is_ok());
        for (objects, expected) in [
            (vec![], "at least one object"),
            (vec![ObjectSpec::new("Acc ount")], "not an object name"),
            (vec![ObjectSpec::new("_aqua_state")], "not an object name"),
            (
                vec![ObjectSpec::new("Account"), ObjectSpec::new("account")],
                "named twice",
            ),
            (
                vec![ObjectSpec::new("Account").query("select Name from Account")],
                "must select Id",
            ),
            (
                vec![
                    ObjectSpec::new("Account")
                        .query("select Id, Name from Account")
                        .window(window()),
                ],
                "must select UpdatedDate",
            ),
        ] {
            let err = options(objects).validate().expect_err(expected);
            assert!(err.to_string().contains(expected), "{err}");
        }
        let mut many = options(
            (0..51)
                .map(|i| ObjectSpec::new(format!("Object{i}")))
                .collect(),
        );
        assert!(many.validate().is_err());
        many.objects.truncate(50);
        assert!(many.validate().is_ok());
        many.jobs = 51;
        assert!(many.validate().is_err());
    }

    #[test]
    fn deletions_are_asked_only_where_aqua_supports_them() {
        let mut o = options(vec![]);
        o.deleted = true;
        assert!(o.tracks_deletions(&ObjectSpec::new("Account")));
        assert!(!o.tracks_deletions(&ObjectSpec::new("AccountingPeriod")));
        assert!(!o.tracks_deletions(&ObjectSpec::new("InvoiceItem").window(window())));
        o.deleted = false;
        assert!(!o.tracks_deletions(&ObjectSpec::new("Account")));
    }
}
