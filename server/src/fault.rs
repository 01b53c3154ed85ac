//! Fault injection: rules that make the server misbehave the way real networks and Zuora do.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use crate::bodies::{aqua_message, json_response, raw, v1_error};

/// The operation IDs of the spec, the values of [`FaultRule::operation`].
pub const OPERATIONS: &[&str] = &[
    "getLastCompletedJob",
    "submitJob",
    "getJob",
    "cancelJob",
    "downloadFile",
    "createToken",
];

/// The longest a [`Fault::Hang`] holds a request (and the longest [`Fault::Slow`] delay the
/// rule syntax accepts).
pub const MAX_HOLD: Duration = Duration::from_secs(5 * 60);

/// One fault-injection rule: which requests it hits and how.
///
/// Rules are checked in order for every request, before any other handling (authentication
/// included). Each rule counts the requests that match its `operation`; a rule fires on every
/// `every`-th of them (a `truncated:once` rule only on the first of them for each file). When
/// several rules fire on the same request, the first one wins (the others still count it).
///
/// # Syntax (`FromStr`)
///
/// A rule is a fault, optionally followed by `:`-separated options:
///
/// ```text
/// rule    = fault *( ":" option )
/// fault   = "429"                    ; Fault::RateLimited
///         / STATUS                   ; Fault::Status, 400-599 except 429 (e.g. 500, 503)
///         / "slow=" DURATION         ; Fault::Slow, e.g. slow=2s, slow=250ms, slow=1m
///         / "hang"                   ; Fault::Hang
///         / "truncated"              ; Fault::Truncated (with the options `once` and
///                                    ; `resumable`: Fault::TruncatedOnce and
///                                    ; Fault::TruncatedResumable)
///         / "error200=" CODE         ; Fault::ErrorIn200, e.g. error200=90022
///         / "malformed"              ; Fault::MalformedJson
///         / "html"                   ; Fault::HtmlPage
///         / "content-type"           ; Fault::WrongContentType
///         / "reset"                  ; Fault::Reset
/// option  = "every=" N               ; fire on every Nth matching request (N >= 1; default 1)
///         / "op=" OPERATION          ; only this operationId (default: every operation)
///         / "retry-after=" SECONDS   ; 429 only: also send Retry-After
///         / "once"                   ; truncated only: Fault::TruncatedOnce, cut only the
///                                    ; first request of each file, and let it be resumed
///         / "resumable"              ; truncated only: Fault::TruncatedResumable, cut every
///                                    ; request but let each be resumed
///         / "message=" TEXT          ; error200 only: the message (the rest of the rule,
///                                    ; colons included; default: Zuora's text for the code)
/// ```
///
/// Examples: `429`, `429:retry-after=2`, `503:every=3`, `slow=2s:op=getJob`, `hang`,
/// `truncated:op=downloadFile`, `truncated:once:op=downloadFile`,
/// `truncated:resumable:op=downloadFile`, `error200=90022`, `malformed`, `html`,
/// `content-type`, `reset:every=2`. Operation names are those of [`OPERATIONS`] (case is
/// ignored). `Display` writes a rule back in this syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// The operationId the rule applies to (`getJob`, …); `None` for every operation.
    pub operation: Option<String>,
    /// Fire on every Nth matching request: 1 = always, 3 = the 3rd, 6th, … (0 counts as 1).
    pub every: u32,
    /// What happens.
    pub kind: Fault,
}

/// What an injected fault does to the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with a v1 error body and Zuora's `RateLimit-Limit`, `RateLimit-Remaining: 0`
    /// and `RateLimit-Reset` headers; with `Some(seconds)`, also `Retry-After: seconds` (and
    /// `RateLimit-Reset` is the same number; without it, 1).
    RateLimited {
        /// The `Retry-After` value in seconds; `None` sends only the `RateLimit-*` headers.
        retry_after: Option<u64>,
    },
    /// This HTTP status (500, 502, 503, 504, …) with a Zuora v1 error envelope.
    Status(u16),
    /// Wait this long, then handle the request normally.
    Slow(Duration),
    /// Never answer: hold the request (at most [`MAX_HOLD`], or until shutdown), then close
    /// the connection.
    Hang,
    /// Handle the request normally, then send only the first half of the body with the
    /// `Content-Length` of the whole, and close the connection. A cut file says
    /// `Accept-Ranges: none`, like a server (or proxy) without range support: a client
    /// cannot resume it.
    Truncated,
    /// As [`Fault::Truncated`], but only on the first request of each file the rule fires
    /// on, and a cut file keeps `Accept-Ranges: bytes` and its `ETag`: a client can resume
    /// the download with a range request, which is answered in full. On operations other
    /// than `downloadFile`, only the first request the rule fires on is cut.
    TruncatedOnce,
    /// As [`Fault::Truncated`] on every request the rule fires on, range requests included
    /// (the first half of the part asked for is sent), but a cut file keeps
    /// `Accept-Ranges: bytes` and its `ETag`: a client can resume it, and is cut again.
    TruncatedResumable,
    /// HTTP 200 with AQuA's error body `{"status":"error","errorCode":…,"message":…}`.
    ErrorIn200 {
        /// The error code, such as `90022`.
        code: String,
        /// The error message.
        message: String,
    },
    /// HTTP 200 `application/json` whose body is cut in the middle of a JSON value.
    MalformedJson,
    /// HTTP 502 with an HTML page, as a proxy in front of Zuora answers.
    HtmlPage,
    /// HTTP 200 with `Content-Type: text/plain` and a plain-text body.
    WrongContentType,
    /// Close the connection without answering.
    Reset,
}

/// A fault rule that does not follow the syntax of [`FaultRule`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FaultParseError(String);

fn err<T>(message: impl Into<String>) -> Result<T, FaultParseError> {
    Err(FaultParseError(message.into()))
}

const FAULTS_HELP: &str = "expected one of 429, a status 400-599, slow=DURATION, hang, truncated, \
     error200=CODE, malformed, html, content-type, reset";

/// Parses `2s`, `250ms`, `1.5s`, `1m`.
fn parse_duration(text: &str) -> Result<Duration, FaultParseError> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = match number.parse() {
        Ok(v) => v,
        Err(_) => {
            return err(format!(
                "invalid duration `{text}`: expected e.g. 2s or 250ms"
            ));
        }
    };
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "" => return err(format!("duration `{text}` needs a unit: ms, s or m")),
        _ => {
            return err(format!(
                "invalid duration unit `{unit}`: expected ms, s or m"
            ));
        }
    };
    if !seconds.is_finite() || seconds > MAX_HOLD.as_secs_f64() {
        return err(format!("duration `{text}` is longer than 5m"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// The canonical spelling of an operationId (ASCII case ignored).
fn operation(name: &str) -> Result<&'static str, FaultParseError> {
    OPERATIONS
        .iter()
        .find(|op| op.eq_ignore_ascii_case(name))
        .copied()
        .ok_or_else(|| {
            FaultParseError(format!(
                "unknown operation `{name}`: expected one of {}",
                OPERATIONS.join(", ")
            ))
        })
}

fn default_message(code: &str) -> String {
    aqua_message(code)
        .unwrap_or("Simulated error injected by the local server")
        .to_owned()
}

impl FromStr for FaultRule {
    type Err = FaultParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return err(format!("empty fault rule: {FAULTS_HELP}"));
        }
        let (head, mut rest) = match text.split_once(':') {
            Some((head, rest)) => (head, Some(rest)),
            None => (text, None),
        };
        let mut kind = match head {
            "hang" => Fault::Hang,
            "truncated" => Fault::Truncated,
            "malformed" => Fault::MalformedJson,
            "html" => Fault::HtmlPage,
            "content-type" => Fault::WrongContentType,
            "reset" => Fault::Reset,
            "429" => Fault::RateLimited { retry_after: None },
            _ => {
                if let Some(d) = head.strip_prefix("slow=") {
                    Fault::Slow(parse_duration(d)?)
                } else if let Some(code) = head.strip_prefix("error200=") {
                    if code.is_empty()
                        || !code
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    {
                        return err(format!(
                            "invalid error code `{code}`: expected e.g. error200=90022"
                        ));
                    }
                    Fault::ErrorIn200 {
                        code: code.to_owned(),
                        message: default_message(code),
                    }
                } else if head.chars().all(|c| c.is_ascii_digit()) {
                    match head.parse::<u16>() {
                        Ok(code) if (400..=599).contains(&code) => Fault::Status(code),
                        _ => {
                            return err(format!("invalid status `{head}`: expected 400 to 599"));
                        }
                    }
                } else {
                    return err(format!("unknown fault `{head}`: {FAULTS_HELP}"));
                }
            }
        };

        let mut rule_operation = None;
        let mut every = None;
        let mut retry_after = None;
        let mut message = None;
        let mut cut = None;
        while let Some(options) = rest {
            if let Some(text) = options.strip_prefix("message=") {
                message = Some(text.to_owned());
                break;
            }
            let (option, tail) = match options.split_once(':') {
                Some((option, tail)) => (option, Some(tail)),
                None => (options, None),
            };
            rest = tail;
            let (name, value) = option.split_once('=').unwrap_or((option, ""));
            let duplicate = || FaultParseError(format!("option `{name}` is given twice"));
            match name {
                "every" => {
                    let n = match value.parse::<u32>() {
                        Ok(n) if n >= 1 => n,
                        _ => return err(format!("invalid `every={value}`: expected N >= 1")),
                    };
                    if every.replace(n).is_some() {
                        return Err(duplicate());
                    }
                }
                "op" => {
                    if rule_operation.replace(operation(value)?).is_some() {
                        return Err(duplicate());
                    }
                }
                "retry-after" => {
                    let seconds = match value.parse::<u64>() {
                        Ok(s) => s,
                        Err(_) => {
                            return err(format!(
                                "invalid `retry-after={value}`: expected whole seconds"
                            ));
                        }
                    };
                    if retry_after.replace(seconds).is_some() {
                        return Err(duplicate());
                    }
                }
                "once" | "resumable" if value.is_empty() && !option.contains('=') => {
                    let kind = if name == "once" {
                        Fault::TruncatedOnce
                    } else {
                        Fault::TruncatedResumable
                    };
                    if cut.replace(kind).is_some() {
                        return err("give at most one of `once` and `resumable`");
                    }
                }
                _ => {
                    return err(format!(
                        "unknown option `{option}`: expected every=N, op=OPERATION, \
                         retry-after=SECONDS (429), once or resumable (truncated) or \
                         message=TEXT (error200)"
                    ));
                }
            }
        }
        match (&kind, cut) {
            (Fault::Truncated, Some(cut)) => kind = cut,
            (_, Some(_)) => return err("`once` and `resumable` apply only to truncated"),
            (_, None) => {}
        }

        match (&mut kind, retry_after, message) {
            (Fault::RateLimited { retry_after: r }, seconds, None) => *r = seconds,
            (_, Some(_), _) => return err("`retry-after` applies only to 429"),
            (Fault::ErrorIn200 { message: m, .. }, None, Some(text)) => *m = text,
            (_, None, Some(_)) => return err("`message` applies only to error200"),
            (_, None, None) => {}
        }
        Ok(FaultRule {
            operation: rule_operation.map(str::to_owned),
            every: every.unwrap_or(1),
            kind,
        })
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut message = None;
        match &self.kind {
            Fault::RateLimited { retry_after } => {
                f.write_str("429")?;
                if let Some(s) = retry_after {
                    write!(f, ":retry-after={s}")?;
                }
            }
            Fault::Status(code) => write!(f, "{code}")?,
            Fault::Slow(d) => write!(f, "slow={}", format_duration(*d))?,
            Fault::Hang => f.write_str("hang")?,
            Fault::Truncated => f.write_str("truncated")?,
            Fault::TruncatedOnce => f.write_str("truncated:once")?,
            Fault::TruncatedResumable => f.write_str("truncated:resumable")?,
            Fault::ErrorIn200 { code, message: m } => {
                write!(f, "error200={code}")?;
                if *m != default_message(code) {
                    message = Some(m);
                }
            }
            Fault::MalformedJson => f.write_str("malformed")?,
            Fault::HtmlPage => f.write_str("html")?,
            Fault::WrongContentType => f.write_str("content-type")?,
            Fault::Reset => f.write_str("reset")?,
        }
        if self.every > 1 {
            write!(f, ":every={}", self.every)?;
        }
        if let Some(op) = &self.operation {
            write!(f, ":op={op}")?;
        }
        if let Some(m) = message {
            write!(f, ":message={m}")?;
        }
        Ok(())
    }
}

/// The rules of a server and their counters.
#[derive(Debug)]
pub(crate) struct Injector {
    rules: Vec<FaultRule>,
    counters: Mutex<Vec<RuleCounter>>,
}

/// What a rule has seen.
#[derive(Debug, Default)]
struct RuleCounter {
    /// The requests that matched the rule.
    requests: u64,
    /// The subjects (files) a [`Fault::TruncatedOnce`] rule has cut.
    cut: HashSet<String>,
}

impl Injector {
    pub(crate) fn new(rules: Vec<FaultRule>) -> Self {
        let counters = Mutex::new(rules.iter().map(|_| RuleCounter::default()).collect());
        Injector { rules, counters }
    }

    /// Counts a request of `operation` about `subject` (the file ID of a download, empty
    /// otherwise) and returns the fault to inject, if a rule fires.
    pub(crate) fn pick(&self, operation: &str, subject: &str) -> Option<Fault> {
        if self.rules.is_empty() {
            return None;
        }
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut fired = None;
        for (rule, counter) in self.rules.iter().zip(counters.iter_mut()) {
            let matches = rule
                .operation
                .as_deref()
                .is_none_or(|op| op.eq_ignore_ascii_case(operation));
            if !matches {
                continue;
            }
            counter.requests += 1;
            if fired.is_some() || counter.requests % u64::from(rule.every.max(1)) != 0 {
                continue;
            }
            if rule.kind == Fault::TruncatedOnce && !counter.cut.insert(subject.to_owned()) {
                continue;
            }
            fired = Some(rule.kind.clone());
        }
        fired
    }
}

/// Marks a response whose connection must be closed instead of answered (see
/// [`Fault::Reset`]); the connection layer acts on it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CloseConnection;

/// A response that makes the connection close without an answer.
pub(crate) fn reset() -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    response.extensions_mut().insert(CloseConnection);
    response
}

/// The v1 error code of an HTTP status, by Zuora's category suffixes.
fn status_code_for(status: u16) -> (u64, &'static str) {
    match status {
        400 => (50000020, "The request is invalid"),
        401 => (90000011, "Authentication error"),
        403 => (50000010, "No permission to perform this operation"),
        404 => (50000040, "The requested resource was not found"),
        409 => (50000030, "The request conflicts with the current state"),
        500 => (50000060, "An internal error occurred, please retry"),
        502..=504 => (
            50000061,
            "The service is temporarily unavailable, please retry",
        ),
        s if s >= 500 => (50000060, "An internal error occurred, please retry"),
        _ => (50000020, "The request cannot be processed"),
    }
}

/// The response of a fault that answers by itself (every fault but `Slow`, `Hang` and the
/// `Truncated` ones, which involve waiting or the normal answer).
pub(crate) fn response(fault: &Fault) -> Response {
    match fault {
        Fault::RateLimited { retry_after } => {
            let mut response = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &v1_error(
                    50000070,
                    "The rate limit of the tenant is exceeded, please retry later",
                ),
            );
            let headers = response.headers_mut();
            headers.insert(
                "RateLimit-Limit",
                HeaderValue::from_static("50000, 50000;w=60"),
            );
            headers.insert("RateLimit-Remaining", HeaderValue::from_static("0"));
            headers.insert(
                "RateLimit-Reset",
                HeaderValue::from(retry_after.unwrap_or(1)),
            );
            if let Some(seconds) = retry_after {
                headers.insert("Retry-After", HeaderValue::from(*seconds));
            }
            response
        }
        Fault::Status(code) => {
            let status =
                StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (v1, message) = status_code_for(status.as_u16());
            json_response(status, &v1_error(v1, message))
        }
        Fault::ErrorIn200 { code, message } => json_response(
            StatusCode::OK,
            &crate::bodies::job_error(code, message.clone()),
        ),
        Fault::MalformedJson => raw(
            StatusCode::OK,
            "application/json",
            br#"{"id":"0f3c2b1a9e8d7c6b5a4f3e2d1c0b9a8f","status":"submitted","batches":[{"batchId":"#
                .to_vec(),
        ),
        Fault::HtmlPage => raw(
            StatusCode::BAD_GATEWAY,
            "text/html",
            b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
              <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
              </body>\r\n</html>\r\n"
                .to_vec(),
        ),
        Fault::WrongContentType => raw(
            StatusCode::OK,
            "text/plain",
            b"The service is temporarily unavailable. Please try again later.\n".to_vec(),
        ),
        Fault::Slow(_)
        | Fault::Hang
        | Fault::Truncated
        | Fault::TruncatedOnce
        | Fault::TruncatedResumable
        | Fault::Reset => reset(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> FaultRule {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn the_documented_examples_parse() {
        assert_eq!(
            rule("429"),
            FaultRule {
                operation: None,
                every: 1,
                kind: Fault::RateLimited { retry_after: None }
            }
        );
        assert_eq!(
            rule("429:retry-after=2").kind,
            Fault::RateLimited {
                retry_after: Some(2)
            }
        );
        let r = rule("503:every=3");
        assert_eq!((r.kind, r.every), (Fault::Status(503), 3));
        let r = rule("slow=2s:op=getjob");
        assert_eq!(r.kind, Fault::Slow(Duration::from_secs(2)));
        assert_eq!(r.operation.as_deref(), Some("getJob"));
        assert_eq!(
            rule("slow=250ms").kind,
            Fault::Slow(Duration::from_millis(250))
        );
        assert_eq!(
            rule("slow=1.5s").kind,
            Fault::Slow(Duration::from_millis(1500))
        );
        assert_eq!(rule("hang").kind, Fault::Hang);
        assert_eq!(rule("truncated").kind, Fault::Truncated);
        let r = rule("truncated:once:op=downloadFile");
        assert_eq!(r.kind, Fault::TruncatedOnce);
        assert_eq!(r.operation.as_deref(), Some("downloadFile"));
        assert_eq!(
            rule("truncated:op=downloadfile:resumable").kind,
            Fault::TruncatedResumable
        );
        assert_eq!(
            rule("error200=90022").kind,
            Fault::ErrorIn200 {
                code: "90022".into(),
                message: "Internal error, please retry".into()
            }
        );
        assert_eq!(
            rule("error200=90005:op=submitJob:message=bad: very bad").kind,
            Fault::ErrorIn200 {
                code: "90005".into(),
                message: "bad: very bad".into()
            }
        );
        assert_eq!(rule("malformed").kind, Fault::MalformedJson);
        assert_eq!(rule("html").kind, Fault::HtmlPage);
        assert_eq!(rule("content-type").kind, Fault::WrongContentType);
        assert_eq!(rule(" reset ").kind, Fault::Reset);
    }

    #[test]
    fn rules_display_in_their_own_syntax() {
        for text in [
            "429",
            "429:retry-after=2",
            "503:every=3",
            "slow=2s:op=getJob",
            "slow=250ms",
            "hang",
            "truncated:op=downloadFile",
            "truncated:once:op=downloadFile",
            "truncated:resumable:every=2",
            "error200=90022",
            "error200=90005:every=2:message=odd: text",
            "malformed",
            "html",
            "content-type",
            "reset:every=2:op=createToken",
        ] {
            let parsed = rule(text);
            assert_eq!(parsed.to_string(), text);
            assert_eq!(rule(&parsed.to_string()), parsed);
        }
    }

    #[test]
    fn mistakes_are_explained() {
        for (text, expected) in [
            ("", "empty fault rule"),
            ("boom", "unknown fault `boom`"),
            ("200", "expected 400 to 599"),
            ("99999", "expected 400 to 599"),
            ("slow=2", "needs a unit"),
            ("slow=2h", "invalid duration unit"),
            ("slow=x", "invalid duration"),
            ("slow=10m", "longer than 5m"),
            ("error200=", "invalid error code"),
            ("503:every=0", "expected N >= 1"),
            ("503:every=x", "expected N >= 1"),
            ("503:op=listJobs", "unknown operation `listJobs`"),
            ("503:retry-after=2", "applies only to 429"),
            ("429:retry-after=soon", "whole seconds"),
            ("503:message=x", "applies only to error200"),
            ("503:every=2:every=3", "given twice"),
            ("503:colour=red", "unknown option"),
            ("503:once", "apply only to truncated"),
            ("hang:resumable", "apply only to truncated"),
            ("truncated:once:resumable", "at most one of"),
            ("truncated:once:once", "at most one of"),
            ("truncated:once=2", "unknown option"),
        ] {
            let e = text.parse::<FaultRule>().unwrap_err().to_string();
            assert!(e.contains(expected), "{text}: {e}");
        }
    }

    #[test]
    fn rules_fire_on_every_nth_matching_request() {
        let injector = Injector::new(vec![rule("503:every=3:op=getJob"), rule("html:every=2")]);
        let fired: Vec<Option<Fault>> = (0..6).map(|_| injector.pick("getJob", "")).collect();
        assert_eq!(
            fired,
            [
                None,
                Some(Fault::HtmlPage),
                Some(Fault::Status(503)),
                Some(Fault::HtmlPage),
                None,
                Some(Fault::Status(503)),
            ]
        );
        // The second rule counted the getJob requests too: 7th request overall is odd.
        assert_eq!(injector.pick("submitJob", ""), None);
        assert_eq!(injector.pick("submitJob", ""), Some(Fault::HtmlPage));
    }

    #[test]
    fn once_rules_cut_each_file_once() {
        let injector = Injector::new(vec![
            rule("truncated:once:op=downloadFile"),
            rule("503:every=2:op=downloadFile"),
        ]);
        let fired: Vec<Option<Fault>> = ["a", "a", "b", "a", "b", "c"]
            .into_iter()
            .map(|file| injector.pick("downloadFile", file))
            .collect();
        assert_eq!(
            fired,
            [
                Some(Fault::TruncatedOnce),
                Some(Fault::Status(503)),
                Some(Fault::TruncatedOnce),
                Some(Fault::Status(503)),
                None,
                Some(Fault::TruncatedOnce),
            ]
        );
        assert_eq!(injector.pick("getJob", ""), None);
    }
}
