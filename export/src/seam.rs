//! A test seam: named points where the process can be made to stop, so that tests can kill
//! it (`kill -9`) at a known moment and check what a rerun does.
//!
//! `AQUA_EXPORT_PAUSE_AT=POINT[#N][,POINT[#N]…]` makes the export print
//! `aqua export: paused at POINT` on standard error when it reaches `POINT` for the `N`-th
//! time (default the first), and then wait forever, holding whatever it holds (an open
//! transaction, a half-written file). Without the variable the points cost nothing. The
//! points, in the order a job meets them:
//!
//! | Point | Where |
//! |---|---|
//! | `recorded` | the submission is in the state, not sent yet |
//! | `submitted` | AQuA accepted the job; its ID is not in the state yet |
//! | `completed` | the job completed and its files are recorded; nothing downloaded |
//! | `downloading` | the first bytes of a result file are written (the file is incomplete) |
//! | `downloaded` | every file of the job is on disk; nothing applied |
//! | `applying` | a batch's rows are written in its open transaction; the state that says it was applied is not |
//! | `applied` | a batch's transaction committed |

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The environment variable that names the pause points.
pub const PAUSE_VARIABLE: &str = "AQUA_EXPORT_PAUSE_AT";

/// The points and the occurrence to pause at.
fn wanted() -> &'static HashMap<String, u64> {
    static WANTED: OnceLock<HashMap<String, u64>> = OnceLock::new();
    WANTED.get_or_init(|| {
        let text = std::env::var(PAUSE_VARIABLE).unwrap_or_default();
        text.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('#') {
                Some((name, n)) => (name.to_owned(), n.parse().unwrap_or(1)),
                None => (p.to_owned(), 1),
            })
            .collect()
    })
}

/// Marks that the export reached `point`; pauses forever if it is the wanted occurrence.
pub(crate) fn reached(point: &str) {
    let Some(&occurrence) = wanted().get(point) else {
        return;
    };
    static SEEN: Mutex<Option<HashMap<String, u64>>> = Mutex::new(None);
    let n = {
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        let count = seen
            .get_or_insert_with(HashMap::new)
            .entry(point.to_owned())
            .or_insert(0);
        *count += 1;
        *count
    };
    if n != occurrence {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "aqua export: paused at {point}");
    let _ = stderr.flush();
    drop(stderr);
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
