//! Reading a batch's result files: plain CSV, zip (one CSV inside) or gzip, recognised by
//! their first bytes; parsed with the `csv` crate (quoted fields over several lines, doubled
//! quotes); headers mapped to columns; nulls recognised by the job's `nullReplacement` text.
//!
//! Header mapping: `Object.Field` becomes `Field` when `Object` is the exported object (case
//! ignored), any other header is kept whole (`Account.Name` in an `Invoice` query); the
//! deleted-record column is read, not stored. Every file of a batch (segments) must have the
//! same columns, one of them `Id`.
//!
//! Null and empty: AQuA writes a null as its `nullReplacement` text (empty by default, and
//! then a null and an empty string look the same). The export asks for a random text that
//! no value is expected to have; a cell equal to it is null, any other cell (the empty one
//! included) is text, exactly as written.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::destination::SourceRow;
use crate::error::ExportError;

/// A downloaded result file.
#[derive(Clone, Debug)]
pub(crate) struct ResultFile {
    /// AQuA's file ID.
    pub(crate) id: String,
    /// Where it was saved.
    pub(crate) path: PathBuf,
}

/// How to read a batch.
#[derive(Clone, Debug)]
pub(crate) struct ReadOptions {
    /// The job ID, for messages.
    pub(crate) job: String,
    /// The exported object.
    pub(crate) object: String,
    /// The text of nulls.
    pub(crate) null_text: String,
    /// The deleted-record column, if deleted records were asked for.
    pub(crate) deleted_column: Option<String>,
    /// A date-time field whose greatest value is tracked (windowed objects).
    pub(crate) watermark_field: Option<String>,
}

type Records = csv::StringRecordsIntoIter<Box<dyn Read + Send>>;

/// The rows of a batch, file after file.
pub(crate) struct BatchReader {
    options: ReadOptions,
    files: Vec<ResultFile>,
    next_file: usize,
    current: Option<(String, Records)>,
    /// The header of the first file, as written.
    header: Vec<String>,
    /// The mapped column names.
    columns: Vec<String>,
    /// For each column, its index in the file's record.
    keep: Vec<usize>,
    key: usize,
    deleted: Option<usize>,
    watermark: Option<usize>,
    /// The greatest watermark value read.
    pub(crate) seen: Option<DateTime<Utc>>,
}

fn bad(options: &ReadOptions, file: &str, message: impl Into<String>) -> ExportError {
    ExportError::BadFile {
        job: options.job.clone(),
        file: file.to_owned(),
        message: message.into(),
    }
}

/// Opens `path` as CSV text: unzips (to a file beside it) or gunzips as needed.
fn open_text(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    let mut magic = [0u8; 4];
    let n = File::open(path)?.read(&mut magic)?;
    let magic = &magic[..n];
    if magic.starts_with(b"PK\x03\x04") {
        let mut archive = zip::ZipArchive::new(BufReader::new(File::open(path)?))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if archive.len() != 1 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the zip archive holds {} files, not one CSV", archive.len()),
            ));
        }
        let mut entry = archive
            .by_index(0)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let unpacked = PathBuf::from(format!("{}.csv", path.display()));
        let mut out = File::create(&unpacked)?;
        io::copy(&mut entry, &mut out)?;
        Ok(Box::new(BufReader::new(File::open(&unpacked)?)))
    } else if magic.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(
            File::open(path)?,
        ))))
    } else {
        Ok(Box::new(BufReader::new(File::open(path)?)))
    }
}

/// A date-time as AQuA writes it: `2024-06-01T01:02:11+0000` (with `dateTimeUtc`),
/// RFC 3339, or zone-less (taken as UTC).
pub(crate) fn parse_date_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z") {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc())
}

impl BatchReader {
    /// Opens the first file and reads its header.
    pub(crate) fn open(files: Vec<ResultFile>, options: ReadOptions) -> Result<Self, ExportError> {
        let Some(first) = files.first().cloned() else {
            return Err(bad(&options, "-", "the batch has no result file"));
        };
        let mut reader = BatchReader {
            options,
            files,
            next_file: 0,
            current: None,
            header: Vec::new(),
            columns: Vec::new(),
            keep: Vec::new(),
            key: 0,
            deleted: None,
            watermark: None,
            seen: None,
        };
        let header = reader.open_next()?.unwrap_or_default();
        reader.map_header(&first.id, header)?;
        Ok(reader)
    }

    /// Opens the next file; returns its header.
    fn open_next(&mut self) -> Result<Option<Vec<String>>, ExportError> {
        let Some(file) = self.files.get(self.next_file).cloned() else {
            self.current = None;
            return Ok(None);
        };
        self.next_file += 1;
        let text = open_text(&file.path)
            .map_err(|e| bad(&self.options, &file.id, format!("cannot be read: {e}")))?;
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text);
        let header: Vec<String> = csv
            .headers()
            .map_err(|e| {
                bad(
                    &self.options,
                    &file.id,
                    format!("its header is not CSV: {e}"),
                )
            })?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_owned())
            .collect();
        if !self.header.is_empty() && header != self.header {
            return Err(bad(
                &self.options,
                &file.id,
                format!(
                    "its header {header:?} differs from the first file's {:?}",
                    self.header
                ),
            ));
        }
        self.current = Some((file.id, csv.into_records()));
        Ok(Some(header))
    }

    fn map_header(&mut self, file: &str, header: Vec<String>) -> Result<(), ExportError> {
        let object = self.options.object.to_ascii_lowercase();
        for (i, raw) in header.iter().enumerate() {
            let is_deleted = self
                .options
                .deleted_column
                .as_deref()
                .is_some_and(|d| raw == d || raw.rsplit_once('.').is_some_and(|(_, f)| f == d));
            if is_deleted {
                self.deleted = Some(i);
                continue;
            }
            let name = match raw.split_once('.') {
                Some((o, field)) if o.to_ascii_lowercase() == object && !field.is_empty() => {
                    field.to_owned()
                }
                _ => raw.clone(),
            };
            let name = if name.eq_ignore_ascii_case("id") {
                "Id".to_owned()
            } else {
                name
            };
            if name.is_empty() {
                return Err(bad(
                    &self.options,
                    file,
                    format!("column {} has no name", i + 1),
                ));
            }
            if self.columns.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                return Err(bad(
                    &self.options,
                    file,
                    format!("two columns are named {name}"),
                ));
            }
            if self
                .options
                .watermark_field
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case(&name))
            {
                self.watermark = Some(self.columns.len());
            }
            self.columns.push(name);
            self.keep.push(i);
        }
        self.key = self.columns.iter().position(|c| c == "Id").ok_or_else(|| {
            bad(
                &self.options,
                file,
                format!("it has no Id column (columns: {})", header.join(", ")),
            )
        })?;
        if self.options.deleted_column.is_some() && self.deleted.is_none() {
            tracing::warn!(
                file,
                "deleted records were asked for but the file has no deleted column"
            );
        }
        self.header = header;
        Ok(())
    }

    /// The column names.
    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The next row of the batch.
    pub(crate) fn next_row(&mut self) -> Result<Option<SourceRow>, ExportError> {
        loop {
            let Some((file, records)) = self.current.as_mut() else {
                return Ok(None);
            };
            match records.next() {
                Some(Ok(record)) => {
                    let file = file.clone();
                    return self.row(&file, &record).map(Some);
                }
                Some(Err(e)) => {
                    let file = file.clone();
                    let at = e
                        .position()
                        .map(|p| format!(" at line {}", p.line()))
                        .unwrap_or_default();
                    return Err(bad(&self.options, &file, format!("invalid CSV{at}: {e}")));
                }
                None => {
                    self.open_next()?;
                }
            }
        }
    }

    fn row(&mut self, file: &str, record: &csv::StringRecord) -> Result<SourceRow, ExportError> {
        let null = self.options.null_text.as_str();
        let values: Vec<Option<String>> = self
            .keep
            .iter()
            .map(|&i| {
                let cell = record.get(i).unwrap_or_default();
                (cell != null).then(|| cell.to_owned())
            })
            .collect();
        let line = record.position().map_or(0, |p| p.line());
        if values[self.key].as_deref().is_none_or(str::is_empty) {
            return Err(bad(
                &self.options,
                file,
                format!("the record at line {line} has no Id"),
            ));
        }
        let deleted = match self.deleted.map(|i| record.get(i).unwrap_or_default()) {
            None => false,
            Some(cell) if cell == null => false,
            Some(cell) => match cell.to_ascii_lowercase().as_str() {
                "true" | "1" => true,
                "false" | "0" | "" => false,
                other => {
                    return Err(bad(
                        &self.options,
                        file,
                        format!("the deleted column says `{other}` at line {line}"),
                    ));
                }
            },
        };
        if let Some(at) = self
            .watermark
            .and_then(|i| values[i].as_deref())
            .and_then(parse_date_time)
        {
            self.seen = self.seen.max(Some(at));
        }
        Ok(SourceRow { values, deleted })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn options() -> ReadOptions {
        ReadOptions {
            job: "j".to_owned(),
            object: "InvoiceItem".to_owned(),
            null_text: "<n>".to_owned(),
            deleted_column: Some("IsDeleted".to_owned()),
            watermark_field: Some("UpdatedDate".to_owned()),
        }
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> ResultFile {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        ResultFile {
            id: name.to_owned(),
            path,
        }
    }

    fn all(reader: &mut BatchReader) -> Vec<SourceRow> {
        let mut rows = Vec::new();
        while let Some(row) = reader.next_row().unwrap() {
            rows.push(row);
        }
        rows
    }

    const CSV: &str = "\u{feff}InvoiceItem.Id,InvoiceItem.Description,Account.Name,InvoiceItem.UpdatedDate,IsDeleted\n\
        1,\"two\nlines, \"\"quoted\"\"\",a,2024-01-02T03:04:05+0000,false\n\
        2,,<n>,2024-03-01T00:00:00+0000,true\n";

    #[test]
    fn csv_zip_and_gzip_read_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(CSV.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let mut zipped = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        zipped
            .start_file("x.csv", zip::write::SimpleFileOptions::default())
            .unwrap();
        zipped.write_all(CSV.as_bytes()).unwrap();
        let zipped = zipped.finish().unwrap().into_inner();
        for (name, bytes) in [("a.csv", CSV.as_bytes()), ("a.gz", &gz), ("a.zip", &zipped)] {
            let file = write(dir.path(), name, bytes);
            let mut reader = BatchReader::open(vec![file], options()).unwrap();
            assert_eq!(
                reader.columns(),
                ["Id", "Description", "Account.Name", "UpdatedDate"]
            );
            let rows = all(&mut reader);
            assert_eq!(
                rows[0].values,
                [
                    Some("1".to_owned()),
                    Some("two\nlines, \"quoted\"".to_owned()),
                    Some("a".to_owned()),
                    Some("2024-01-02T03:04:05+0000".to_owned())
                ],
                "{name}"
            );
            assert!(!rows[0].deleted && rows[1].deleted);
            // Empty is text, the null text is null.
            assert_eq!(rows[1].values[1], Some(String::new()));
            assert_eq!(rows[1].values[2], None);
            assert_eq!(reader.seen, parse_date_time("2024-03-01T00:00:00Z"));
        }
    }

    #[test]
    fn segments_are_read_in_order_and_must_agree() {
        let dir = tempfile::tempdir().unwrap();
        let header = "InvoiceItem.Id,InvoiceItem.UpdatedDate\n";
        let a = write(dir.path(), "a", format!("{header}1,x\n").as_bytes());
        let b = write(dir.path(), "b", format!("{header}2,y\n").as_bytes());
        let mut reader = BatchReader::open(vec![a.clone(), b], options()).unwrap();
        let ids: Vec<_> = all(&mut reader)
            .into_iter()
            .map(|r| r.values[0].clone().unwrap_or_default())
            .collect();
        assert_eq!(ids, ["1", "2"]);
        // An unparsable watermark value is skipped.
        assert_eq!(reader.seen, None);
        let other = write(dir.path(), "c", b"InvoiceItem.Id\n3\n");
        let mut reader = BatchReader::open(vec![a, other], options()).unwrap();
        reader.next_row().unwrap();
        let err = reader.next_row().unwrap_err();
        assert!(err.to_string().contains("differs"), "{err}");
    }

    #[test]
    fn broken_files_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let open = |bytes: &[u8]| BatchReader::open(vec![write(dir.path(), "f", bytes)], options());
        let first_error = |bytes: &[u8]| match open(bytes) {
            Err(e) => e.to_string(),
            Ok(mut r) => loop {
                match r.next_row() {
                    Ok(Some(_)) => {}
                    Ok(None) => break "no error".to_owned(),
                    Err(e) => break e.to_string(),
                }
            },
        };
        for (bytes, expected) in [
            (&b"Name\nx\n"[..], "no Id column"),
            (b"Id,Id\n1,2\n", "two columns are named Id"),
            (b"Id,Name\n1\n", "invalid CSV at line 2"),
            (b"Id,Name\n,x\n", "no Id"),
            (b"Id,IsDeleted\n1,maybe\n", "deleted column says `maybe`"),
            (b"Id\n\xff\n", "invalid CSV"),
            (b"PK\x03\x04broken", "cannot be read"),
            (&[0x1f, 0x8b, 0, 0], "header is not CSV"),
        ] {
            let message = first_error(bytes);
            assert!(message.contains(expected), "{expected}: {message}");
            assert!(message.starts_with("result file f of job j: "), "{message}");
        }
        assert!(BatchReader::open(vec![], options()).is_err());
    }
}
