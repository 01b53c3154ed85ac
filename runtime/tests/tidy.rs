//! Invariants of the runtime's source tree, checked under `cargo test` (as rust-analyzer's tidy
//! tests do).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The ceiling of a product file, in lines (the developers' guide: files cut by concern).
const MAX_LINES: usize = 800;

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The files of the modules that `file` declares under `#[cfg(test)]` (`mod name;`, with an
/// optional `#[path = "…"]`), which hold tests only.
fn test_modules(file: &Path, text: &str) -> Vec<PathBuf> {
    let stem = file.file_stem().unwrap().to_str().unwrap();
    let parent = file.parent().unwrap();
    // `mod.rs` and `lib.rs` declare modules beside them; `x.rs` declares them in `x/`.
    let here = if stem == "mod" || stem == "lib" {
        parent.to_path_buf()
    } else {
        parent.join(stem)
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if *line != "#[cfg(test)]" {
            continue;
        }
        let mut next = i + 1;
        let mut path = None;
        if let Some(p) = lines.get(next).and_then(|l| l.strip_prefix("#[path = \"")) {
            path = Some(parent.join(p.trim_end_matches("\"]")));
            next += 1;
        }
        let Some(name) = lines
            .get(next)
            .and_then(|l| l.strip_prefix("mod "))
            .and_then(|l| l.strip_suffix(';'))
        else {
            continue;
        };
        found.push(path.unwrap_or_else(|| {
            let single = here.join(format!("{name}.rs"));
            if single.exists() {
                single
            } else {
                here.join(name).join("mod.rs")
            }
        }));
    }
    found
}

/// The lines of `text` that are product code: all of them, less an inline `#[cfg(test)] mod
/// … { … }` block at the end of the file.
fn product_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let tests = lines
        .windows(2)
        .position(|w| w[0] == "#[cfg(test)]" && w[1].starts_with("mod ") && w[1].ends_with('{'));
    match tests {
        Some(start) => {
            let block_ends_the_file = lines[start + 1..]
                .iter()
                .position(|l| *l == "}")
                .is_some_and(|end| lines[start + 2 + end..].iter().all(|l| l.trim().is_empty()));
            assert!(
                block_ends_the_file,
                "a file's inline test module must come last (line {})",
                start + 1
            );
            start
        }
        None => lines.len(),
    }
}

#[test]
fn no_product_file_in_runtime_src_exceeds_800_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let tests: BTreeSet<PathBuf> = files
        .iter()
        .zip(&texts)
        .flat_map(|(f, t)| test_modules(f, t))
        .collect();
    // The test-only modules that the crate declares must exist, or this check checks nothing.
    for t in &tests {
        assert!(t.exists(), "{} is declared but missing", t.display());
    }
    assert!(tests.len() >= 5, "test modules found: {tests:?}");
    let mut too_long = Vec::new();
    let mut checked = 0;
    for (file, text) in files.iter().zip(&texts) {
        if tests.contains(file) {
            continue;
        }
        checked += 1;
        let lines = product_lines(text);
        if lines > MAX_LINES {
            too_long.push(format!(
                "{}: {lines} lines",
                file.strip_prefix(&src).unwrap().display()
            ));
        }
    }
    assert!(checked >= 20, "only {checked} product files found");
    assert!(
        too_long.is_empty(),
        "product files over {MAX_LINES} lines (cut them by concern): {too_long:#?}"
    );
}

#[test]
fn the_line_counter_skips_only_a_final_test_module() {
    assert_eq!(product_lines("a\nb\n"), 2);
    assert_eq!(
        product_lines("a\nb\n\n#[cfg(test)]\nmod tests {\n    x\n}\n"),
        3
    );
    let lib = Path::new("src/lib.rs");
    assert_eq!(
        test_modules(
            lib,
            "#[cfg(test)]\nmod a;\n#[cfg(test)]\n#[path = \"b_tests.rs\"]\nmod b;\nmod c;\n"
        ),
        [Path::new("src/a/mod.rs"), Path::new("src/b_tests.rs")]
    );
    let file = Path::new("src/download/mod.rs");
    assert_eq!(
        test_modules(file, "#[cfg(test)]\nmod checks;\n"),
        [Path::new("src/download/checks/mod.rs")]
    );
}
