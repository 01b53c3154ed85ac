//! Printing results as JSON (for scripts) or aligned text (for people).

use std::io::IsTerminal;

use zuora_aqua::{Job, ResultFile};

use crate::Format;

/// The format in force: the one asked for, else table on a terminal and JSON on a pipe.
pub fn format(asked: Option<&str>) -> Result<Format, String> {
    match asked {
        Some("json") => Ok(Format::Json),
        Some("table") => Ok(Format::Table),
        Some(other) => Err(format!("--output must be `json` or `table`, not `{other}`")),
        None if std::io::stdout().is_terminal() => Ok(Format::Table),
        None => Ok(Format::Json),
    }
}

/// Prints any serializable value as pretty JSON.
pub fn json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot encode the output: {e}"),
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// Prints a job.
pub fn job(job: &Job, format: Format) {
    match format {
        Format::Json => json(job),
        Format::Table => print!("{}", job_table(job)),
    }
}

/// A job as aligned text.
pub fn job_table(job: &Job) -> String {
    let mut out = String::new();
    let rows = [
        ("id", opt(job.id.as_deref())),
        ("name", opt(job.name.as_deref())),
        ("status", opt(job.status.as_ref())),
        ("format", opt(job.format.as_ref())),
        ("version", opt(job.version.as_ref())),
        ("partner", opt(job.partner.as_deref())),
        ("project", opt(job.project.as_deref())),
        ("startTime", opt(job.start_time.as_ref())),
    ];
    for (k, v) in rows {
        out.push_str(&format!("{k:<10} {v}\n"));
    }
    let batches = job.batches.as_deref().unwrap_or_default();
    if !batches.is_empty() {
        let header = ["batch", "status", "records", "full", "files"];
        let lines: Vec<[String; 5]> = batches
            .iter()
            .map(|b| {
                [
                    opt(b.name.as_deref()),
                    opt(b.status.as_ref()),
                    opt(b.record_count.as_ref()),
                    opt(b.full),
                    zuora_aqua::batch_files(b).join(" "),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for l in &lines {
            for (w, cell) in widths.iter_mut().zip(l) {
                *w = (*w).max(cell.chars().count());
            }
        }
        out.push('\n');
        let row = |cells: [&str; 5]| {
            let mut s = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i + 1 == cells.len() {
                    s.push_str(cell);
                } else {
                    s.push_str(&format!("{cell:<w$}  "));
                }
            }
            s.trim_end().to_owned() + "\n"
        };
        out.push_str(&row(header));
        for l in &lines {
            out.push_str(&row([&l[0], &l[1], &l[2], &l[3], &l[4]]));
        }
    }
    out
}

/// Prints downloaded files.
pub fn files(files: &[ResultFile], format: Format) {
    match format {
        Format::Json => {
            let list: Vec<serde_json::Value> = files
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "batch": f.batch,
                        "fileId": f.file_id,
                        "path": f.path.display().to_string(),
                        "bytes": f.bytes,
                    })
                })
                .collect();
            json(&list);
        }
        Format::Table => {
            for f in files {
                println!("{}  {} bytes  ({})", f.path.display(), f.bytes, f.batch);
            }
        }
    }
}
