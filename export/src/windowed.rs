//! Objects too big for one job, read in windows of a date-time field by stateless jobs.
//!
//! A full load plans windows from `--since` to now (the first open below, the last open
//! above), applies them in order into a staging table, and swaps the staging table in with
//! the last window: the table is replaced at once, never half-loaded. Windows are recorded
//! in the object's state, so a run that stops resumes at the first window not applied; up
//! to `--jobs` windows run at once, but they are applied strictly in order.
//!
//! Increments are windows too, from the greatest value of the field applied so far minus
//! the overlap, to now: records committed late are read again (an upsert), never missed.
//! Stateless jobs cannot report deleted records; a full reload removes them.

use chrono::{TimeDelta, Utc};
use tokio::sync::watch;
use zuora_aqua::{Query, QueryType};

use crate::apply::{Batch, Finish, files_of};
use crate::destination::{ApplyCounts, Destination, Target};
use crate::engine::Ctx;
use crate::error::ExportError;
use crate::jobs::{JobError, new_job};
use crate::options::{ObjectSpec, WindowSpec};
use crate::session::request;
use crate::state::{Change, Mode, ObjectState, Purpose, State, Window, WindowPlan};
use crate::{windows, zoql};

/// How often a lost window (purged files) is submitted again before the run gives up.
const LOST_WINDOW_RETRIES: usize = 2;

impl<D: Destination> Ctx<'_, D> {
    /// Brings a windowed object up to date: resumes its plan, or makes a new one.
    pub(crate) async fn windowed(&self, spec: &ObjectSpec) -> Result<(), ExportError> {
        let Some(window) = &spec.window else {
            return Ok(());
        };
        let query = spec.zoql();
        let mode = Mode::Windowed {
            field: window.field.clone(),
            days: window.days,
            since: window.since,
        };
        let doc = self.store.read(|s| s.objects.get(&spec.name).cloned());
        let same = doc
            .as_ref()
            .is_some_and(|d| d.query == query && d.mode == mode);
        let resume = same
            && doc
                .as_ref()
                .and_then(|d| d.plan.as_ref())
                .is_some_and(|p| p.full || !self.options.full_reload);
        if !resume {
            self.plan(
                spec,
                window,
                &query,
                mode,
                doc.filter(|_| same),
                doc_jobs(&spec.name, self),
            )
            .await?;
        }
        let Some(plan) = self
            .store
            .read(|s| s.objects.get(&spec.name).and_then(|d| d.plan.clone()))
        else {
            return Ok(());
        };
        let total = plan.windows.len();
        let first = plan
            .windows
            .iter()
            .position(|w| !w.applied)
            .unwrap_or(total);
        let (turn, _) = watch::channel(first);
        let windows =
            (first..total).map(|index| self.window(spec, window, index, total, plan.full, &turn));
        futures_util::future::try_join_all(windows).await?;
        Ok(())
    }

    /// Commits a new plan for the object (and drops the jobs of an abandoned one).
    async fn plan(
        &self,
        spec: &ObjectSpec,
        window: &WindowSpec,
        query: &str,
        mode: Mode,
        previous: Option<ObjectState>,
        abandoned: Vec<String>,
    ) -> Result<(), ExportError> {
        let now = Utc::now();
        let loaded = previous.as_ref().is_some_and(|d| d.loaded);
        let full = self.options.full_reload || !loaded;
        let bounds = if full {
            windows::full(window.since, window.days, now)?
        } else {
            let overlap = TimeDelta::from_std(self.options.overlap).unwrap_or(TimeDelta::hours(1));
            let since = window.since.and_time(chrono::NaiveTime::MIN).and_utc();
            let from = previous
                .as_ref()
                .and_then(|d| d.watermark)
                .map_or(since, |w| w - overlap);
            windows::increment(from, window.days, now)?
        };
        let plan = WindowPlan {
            full,
            windows: bounds
                .into_iter()
                .map(|(start, end)| Window {
                    start,
                    end,
                    job: None,
                    applied: false,
                })
                .collect(),
            seen: None,
        };
        let doc = ObjectState {
            name: spec.name.clone(),
            query: query.to_owned(),
            mode,
            deleted: false,
            loaded,
            last_job: previous.as_ref().and_then(|d| d.last_job.clone()),
            applied_at: previous.as_ref().and_then(|d| d.applied_at),
            watermark: previous.as_ref().and_then(|d| d.watermark),
            plan: Some(plan),
        };
        let mut changes = vec![Change::Object(doc)];
        changes.extend(abandoned.into_iter().map(Change::RemoveJob));
        self.store.commit(changes).await
    }

    /// Runs window `index`: its job, then (in turn) its apply.
    async fn window(
        &self,
        spec: &ObjectSpec,
        window: &WindowSpec,
        index: usize,
        total: usize,
        full: bool,
        turn: &watch::Sender<usize>,
    ) -> Result<(), ExportError> {
        let name = &spec.name;
        let task = format!("{name} window {}/{total}", index + 1);
        let mut lost = 0;
        let (key, mut files) = loop {
            let permit = self.permits.acquire().await;
            let key = match self.window_job(name, index) {
                Some(key) => key,
                None => self.record_window(spec, window, index, &task).await?,
            };
            let result = async {
                self.complete(&key, &task).await?;
                drop(permit);
                self.download(&key, &task).await
            }
            .await;
            match result {
                Ok(files) => break (key, files),
                Err(JobError::Gone(why)) if lost < LOST_WINDOW_RETRIES => {
                    lost += 1;
                    self.forget(&key).await?;
                    self.note(format!("{task} was lost ({why}); it runs again"));
                }
                Err(JobError::Gone(why)) => {
                    return Err(ExportError::JobFailed {
                        task,
                        job: key,
                        status: "lost".to_owned(),
                        detail: format!(": {why}"),
                    });
                }
                Err(JobError::Fail(e)) => return Err(e),
            }
        };
        // Windows are applied in order.
        let mut rx = turn.subscribe();
        if rx.wait_for(|next| *next == index).await.is_err() {
            return Ok(());
        }
        let last = index + 1 == total;
        let object = name.clone();
        let (job_key, owned) = (key.clone(), name.clone());
        let finish: Finish = Box::new(move |state: &State, _: &ApplyCounts, seen| {
            let id = state.jobs.get(&job_key).and_then(|j| j.job_id.clone());
            let mut changes = vec![Change::RemoveJob(job_key)];
            if let Some(mut doc) = state.objects.get(&owned).cloned() {
                if let Some(plan) = doc.plan.as_mut() {
                    if let Some(w) = plan.windows.get_mut(index) {
                        w.applied = true;
                    }
                    plan.seen = plan.seen.max(seen);
                    if last {
                        doc.watermark = if plan.full {
                            plan.seen
                        } else {
                            doc.watermark.max(plan.seen)
                        };
                        doc.loaded = doc.loaded || plan.full;
                        doc.plan = None;
                    }
                }
                doc.last_job = id;
                doc.applied_at = Some(Utc::now());
                changes.push(Change::Object(doc));
            }
            changes
        });
        let counts = self
            .apply_batch(
                Batch {
                    key: &key,
                    task: &task,
                    object: &object,
                    files: files_of(&mut files, &object),
                    target: if full {
                        Target::Stage {
                            first: index == 0,
                            last,
                        }
                    } else {
                        Target::Upsert
                    },
                    deleted: false,
                    watermark_field: Some(window.field.clone()),
                },
                finish,
            )
            .await?;
        self.applied(&object, counts, full);
        turn.send_replace(index + 1);
        self.clean(&key);
        self.recovered(&key);
        Ok(())
    }

    /// The key of the job recorded for window `index`, if its document exists.
    fn window_job(&self, object: &str, index: usize) -> Option<String> {
        self.store.read(|s| {
            let key = s
                .objects
                .get(object)?
                .plan
                .as_ref()?
                .windows
                .get(index)?
                .job
                .clone()?;
            s.jobs.contains_key(&key).then_some(key)
        })
    }

    /// Records the job of window `index` (and the window's reference to it).
    async fn record_window(
        &self,
        spec: &ObjectSpec,
        window: &WindowSpec,
        index: usize,
        task: &str,
    ) -> Result<String, ExportError> {
        let (name, field, base) = (spec.name.clone(), window.field.clone(), spec.zoql());
        let packaging = self.options.packaging;
        let job = self
            .store
            .update(move |state| {
                let missing =
                    || ExportError::Usage(format!("no window {index} planned for {name}"));
                let mut doc = state.objects.get(&name).cloned().ok_or_else(missing)?;
                let slot = doc
                    .plan
                    .as_mut()
                    .and_then(|p| p.windows.get_mut(index))
                    .ok_or_else(missing)?;
                let query = match zoql::window_condition(&field, slot.start, slot.end) {
                    Some(condition) => zoql::and_where(&base, &condition),
                    None => base,
                };
                let null_text = state
                    .session
                    .as_ref()
                    .map(|s| s.null_text.clone())
                    .unwrap_or_default();
                let body = request(
                    packaging,
                    &null_text,
                    vec![
                        Query::new(query)
                            .name(name.clone())
                            .type_(QueryType::Zoqlexport),
                    ],
                );
                let job = new_job(
                    Purpose::Window {
                        object: name.clone(),
                        index,
                    },
                    body,
                );
                slot.job = Some(job.key.clone());
                Ok((vec![Change::Job(job.clone()), Change::Object(doc)], job))
            })
            .await?;
        self.recorded(task);
        Ok(job.key)
    }
}

/// The recorded jobs of the object's current plan.
fn doc_jobs<D: Destination>(object: &str, ctx: &Ctx<'_, D>) -> Vec<String> {
    ctx.store.read(|s| {
        s.objects
            .get(object)
            .and_then(|d| d.plan.as_ref())
            .map(|p| p.windows.iter().filter_map(|w| w.job.clone()).collect())
            .unwrap_or_default()
    })
}
