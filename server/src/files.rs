//! Result files: CSV text, packaged as the job's `format` asks (plain, zip or gzip).

use std::io::{self, Write};

use zuora_aqua::{DeletedFormat, ResultFormat};

use crate::data::{RenderOptions, Row, Table};
use crate::query::ParsedQuery;

/// The packaging of a job's result files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Packaging {
    /// Plain CSV, `text/csv`.
    Csv,
    /// A zip archive with one CSV entry, `application/zip`.
    Zip,
    /// Gzip-compressed CSV, `application/x-gzip`.
    Gzip,
}

impl Packaging {
    /// The `format` the job reports.
    pub(crate) fn result_format(self) -> ResultFormat {
        match self {
            Packaging::Csv => ResultFormat::Csv,
            Packaging::Zip => ResultFormat::Zip,
            Packaging::Gzip => ResultFormat::Gzip,
        }
    }

    /// The `Content-Type` of the files.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Packaging::Csv => "text/csv",
            Packaging::Zip => "application/zip",
            Packaging::Gzip => "application/x-gzip",
        }
    }
}

/// How a batch's CSV is written.
#[derive(Clone, Debug)]
pub(crate) struct CsvOptions<'a> {
    /// Headers `Object.Field` (`useQueryLabels`) instead of labels `Object: Field Label`.
    pub(crate) query_labels: bool,
    /// How cells are written.
    pub(crate) render: RenderOptions<'a>,
    /// The extra deleted-record column: its name and format.
    pub(crate) deleted: Option<(&'a str, DeletedFormat)>,
}

/// Appends `text` as one CSV field, quoted when it must be.
fn push_field(out: &mut String, text: &str) {
    let quote =
        text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ');
    if quote {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// The CSV of `rows` of `table` with the columns of `query`: a header line, then one line per
/// row, each ended by `\n`; then one line per row of `deleted`, whose deleted-record column
/// says so (`1` or `true`).
pub(crate) fn csv(
    table: &Table,
    query: &ParsedQuery,
    rows: &[&Row],
    deleted: &[&Row],
    options: &CsvOptions<'_>,
) -> String {
    let schema = table.schema;
    let mut out = String::new();
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !std::mem::take(&mut first) {
            out.push(',');
        }
    };
    for &column in &query.columns {
        let field = &schema.fields[column];
        sep(&mut out);
        let header = if options.query_labels {
            format!("{}.{}", schema.name, field.name)
        } else {
            format!("{}: {}", schema.label, field.label)
        };
        push_field(&mut out, &header);
    }
    if let Some((name, _)) = options.deleted {
        sep(&mut out);
        push_field(&mut out, name);
    }
    out.push('\n');
    let all = rows.iter().map(|r| (r, false));
    for (row, gone) in all.chain(deleted.iter().map(|r| (r, true))) {
        for (i, &column) in query.columns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_field(&mut out, &row.values[column].render(options.render));
        }
        if let Some((_, format)) = &options.deleted {
            if !query.columns.is_empty() {
                out.push(',');
            }
            out.push_str(match (format, gone) {
                (DeletedFormat::Boolean, false) => "false",
                (DeletedFormat::Boolean, true) => "true",
                (_, false) => "0",
                (_, true) => "1",
            });
        }
        out.push('\n');
    }
    out
}

/// The part of a file of `total` bytes that a request's `Range` header asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ByteRange {
    /// The whole file: no `Range` header, or one that is ignored (another unit, several
    /// ranges, a malformed header).
    Whole,
    /// Bytes `start..=end`, with `end < total`.
    Part {
        /// The first byte.
        start: u64,
        /// The last byte (inclusive).
        end: u64,
    },
    /// A well-formed range that lies past the end of the file: HTTP 416.
    Unsatisfiable,
}

/// Reads a `Range` header (RFC 9110, section 14.2) for a file of `total` bytes: one range
/// `bytes=N-`, `bytes=N-M` (`M` past the end counts as the end) or `bytes=-S` (the last `S`
/// bytes). Several ranges, other units and malformed headers are ignored, as the RFC allows.
pub(crate) fn byte_range(header: Option<&str>, total: u64) -> ByteRange {
    let Some(header) = header else {
        return ByteRange::Whole;
    };
    let Some((unit, spec)) = header.trim().split_once('=') else {
        return ByteRange::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return ByteRange::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), last.trim().is_empty()) {
        // bytes=-S: the last S bytes.
        (true, false) => match number(last) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if total == 0 => ByteRange::Unsatisfiable,
            Some(suffix) => ByteRange::Part {
                start: total.saturating_sub(suffix),
                end: total - 1,
            },
            None => ByteRange::Whole,
        },
        // bytes=N-
        (false, true) => match number(first) {
            Some(start) if start >= total => ByteRange::Unsatisfiable,
            Some(start) => ByteRange::Part {
                start,
                end: total - 1,
            },
            None => ByteRange::Whole,
        },
        // bytes=N-M
        (false, false) => match (number(first), number(last)) {
            (Some(start), Some(end)) if start <= end => {
                if start >= total {
                    ByteRange::Unsatisfiable
                } else {
                    ByteRange::Part {
                        start,
                        end: end.min(total - 1),
                    }
                }
            }
            _ => ByteRange::Whole,
        },
        (true, true) => ByteRange::Whole,
    }
}

/// Packages `csv` as `packaging`; `entry` names the CSV inside a zip archive.
pub(crate) fn package(packaging: Packaging, entry: &str, csv: String) -> io::Result<Vec<u8>> {
    match packaging {
        Packaging::Csv => Ok(csv.into_bytes()),
        Packaging::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(csv.as_bytes())?;
            encoder.finish()
        }
        Packaging::Zip => {
            let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            writer
                .start_file(entry, options)
                .map_err(io::Error::other)?;
            writer.write_all(csv.as_bytes())?;
            Ok(writer.finish().map_err(io::Error::other)?.into_inner())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Tenant;
    use crate::query::parse;
    use std::io::Read;

    #[test]
    fn csv_headers_follow_use_query_labels_and_fields_are_quoted() {
        let tenant = Tenant::new(1);
        let table = &tenant.tables[0];
        let query = parse("select AccountNumber, Name from Account").unwrap();
        let rows: Vec<&Row> = table.rows.iter().collect();
        let render = RenderOptions {
            utc: false,
            null: "",
        };
        let labels = csv(
            table,
            &query,
            &rows[..2],
            &[],
            &CsvOptions {
                query_labels: false,
                render,
                deleted: None,
            },
        );
        assert!(labels.starts_with("Account: Account Number,Account: Name\nA00000001,"));
        let names = csv(
            table,
            &query,
            &rows[1..],
            &rows[..1],
            &CsvOptions {
                query_labels: true,
                render,
                deleted: Some(("IsDeleted", DeletedFormat::Boolean)),
            },
        );
        assert!(names.starts_with("Account.AccountNumber,Account.Name,IsDeleted\n"));
        assert_eq!(names.lines().count(), rows.len() + 1);
        assert_eq!(
            names.lines().filter(|l| l.ends_with(",false")).count(),
            rows.len() - 1
        );
        assert!(names.lines().last().is_some_and(|l| l.ends_with(",true")));
        let mut quoted = String::new();
        push_field(&mut quoted, "Bob's \"Best\" Foods, Inc.");
        assert_eq!(quoted, "\"Bob's \"\"Best\"\" Foods, Inc.\"");
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        use ByteRange::{Part, Unsatisfiable, Whole};
        let part = |start, end| Part { start, end };
        for (header, expected) in [
            (None, Whole),
            (Some("bytes=0-"), part(0, 99)),
            (Some("bytes=40-"), part(40, 99)),
            (Some("bytes=99-"), part(99, 99)),
            (Some("bytes=100-"), Unsatisfiable),
            (Some("bytes=1000-2000"), Unsatisfiable),
            (Some("bytes=10-19"), part(10, 19)),
            (Some("bytes=10-10"), part(10, 10)),
            (Some("bytes=90-500"), part(90, 99)),
            (Some("BYTES = 10 - 19"), part(10, 19)),
            (Some("bytes=-30"), part(70, 99)),
            (Some("bytes=-300"), part(0, 99)),
            (Some("bytes=-0"), Unsatisfiable),
            (Some("bytes=20-10"), Whole),
            (Some("bytes=0-1,5-6"), Whole),
            (Some("items=0-1"), Whole),
            (Some("bytes=x-"), Whole),
            (Some("bytes=+1-"), Whole),
            (Some("bytes=-"), Whole),
            (Some("bytes"), Whole),
        ] {
            assert_eq!(byte_range(header, 100), expected, "{header:?}");
        }
        assert_eq!(byte_range(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(byte_range(Some("bytes=-5"), 0), Unsatisfiable);
    }

    #[test]
    fn packages_unpack_to_the_same_csv() {
        let text = "a,b\n1,2\n".to_owned();
        assert_eq!(
            package(Packaging::Csv, "x.csv", text.clone()).unwrap(),
            text.as_bytes()
        );
        let gz = package(Packaging::Gzip, "x.csv", text.clone()).unwrap();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
        let zipped = package(Packaging::Zip, "x.csv", text.clone()).unwrap();
        let mut archive = zip::ZipArchive::new(io::Cursor::new(zipped)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), "x.csv");
        let mut out = String::new();
        entry.read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
    }
}
