//! Cutting a load into date-time windows: each window is one stateless AQuA job whose query
//! is limited to `[start, end)` of a field. The first window of a full load is open below and
//! the last window of every plan is open above, so that together they cover every record.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::error::ExportError;

/// The most windows one plan may have.
pub(crate) const MAX_WINDOWS: usize = 5_000;

/// The bounds of one window: `None` is unbounded.
pub(crate) type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn cut(
    first_end: DateTime<Utc>,
    step: TimeDelta,
    now: DateTime<Utc>,
    first_start: Option<DateTime<Utc>>,
) -> Result<Vec<Bounds>, ExportError> {
    if first_end >= now {
        return Ok(vec![(first_start, None)]);
    }
    let mut windows = vec![(first_start, Some(first_end))];
    let mut start = first_end;
    loop {
        let end = start + step;
        if end >= now {
            windows.push((Some(start), None));
            return Ok(windows);
        }
        windows.push((Some(start), Some(end)));
        if windows.len() >= MAX_WINDOWS {
            return Err(ExportError::Usage(format!(
                "the windows would number more than {MAX_WINDOWS}: choose longer windows or a later --since"
            )));
        }
        start = end;
    }
}

/// The windows of a full load: `(-∞, since + days)`, then `days`-day windows, the last one
/// open.
pub(crate) fn full(
    since: NaiveDate,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<Bounds>, ExportError> {
    let step = TimeDelta::days(i64::from(days.max(1)));
    let start = since.and_time(NaiveTime::MIN).and_utc();
    cut(start + step, step, now, None)
}

/// The windows of an increment from `from`: `[from, from + days)`, …, the last one open.
pub(crate) fn increment(
    from: DateTime<Utc>,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<Bounds>, ExportError> {
    let step = TimeDelta::days(i64::from(days.max(1)));
    cut(from + step, step, now, Some(from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn full_loads_cover_everything_in_contiguous_windows() {
        let since = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let w = full(since, 30, at(2024, 3, 15)).unwrap();
        assert_eq!(
            w,
            [
                (None, Some(at(2024, 1, 31))),
                (Some(at(2024, 1, 31)), Some(at(2024, 3, 1))),
                (Some(at(2024, 3, 1)), None),
            ]
        );
        // Shorter than one window: one job without bounds.
        assert_eq!(full(since, 365, at(2024, 3, 15)).unwrap(), [(None, None)]);
        for pair in w.windows(2) {
            assert_eq!(pair[0].1, pair[1].0);
        }
        assert!(
            full(
                NaiveDate::from_ymd_opt(1900, 1, 1).unwrap(),
                1,
                at(2024, 1, 1)
            )
            .is_err()
        );
    }

    #[test]
    fn increments_start_at_the_watermark() {
        let w = increment(at(2024, 1, 1), 10, at(2024, 1, 25)).unwrap();
        assert_eq!(
            w,
            [
                (Some(at(2024, 1, 1)), Some(at(2024, 1, 11))),
                (Some(at(2024, 1, 11)), Some(at(2024, 1, 21))),
                (Some(at(2024, 1, 21)), None),
            ]
        );
        assert_eq!(
            increment(at(2024, 1, 1), 10, at(2024, 1, 2)).unwrap(),
            [(Some(at(2024, 1, 1)), None)]
        );
    }
}
