//! Invariants of the source trees of the local server, the CLI, the export engine and the
//! hand-written part of `zuora-aqua`, checked under `cargo test` (as rust-analyzer's tidy tests
//! do): no product file is over 800 lines. (`codegen/tests/tidy.rs` and `runtime/tests/tidy.rs`
//! check the generator's and the runtime's files.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The ceiling of a product file, in lines (the developers' guide: files cut by concern).
const MAX_LINES: usize = 800;

/// The source trees checked, each with the fewest product files it has, so that a tree that
/// moved is noticed rather than checked as empty.
const TREES: [(&str, usize); 4] = [
    ("server/src", 20),
    ("cli/src", 6),
    ("export/src", 17),
    ("generated/src", 2),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
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
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let parent = file.parent().unwrap_or(Path::new(""));
    // `mod.rs`, `lib.rs` and `main.rs` declare modules beside them; `x.rs` declares them in `x/`.
    let here = if matches!(stem, "mod" | "lib" | "main") {
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
/// … { … }` block that ends the file. `Err` names the line of an inline test module that
/// does not end the file.
fn product_lines(text: &str) -> Result<usize, String> {
    let lines: Vec<&str> = text.lines().collect();
    let tests = lines
        .windows(2)
        .position(|w| w[0] == "#[cfg(test)]" && w[1].starts_with("mod ") && w[1].ends_with('{'));
    let Some(start) = tests else {
        return Ok(lines.len());
    };
    let block_ends_the_file = lines[start + 1..]
        .iter()
        .position(|l| *l == "}")
        .is_some_and(|end| lines[start + 2 + end..].iter().all(|l| l.trim().is_empty()));
    if block_ends_the_file {
        Ok(start)
    } else {
        Err(format!(
            "an inline test module must end its file (line {})",
            start + 1
        ))
    }
}

#[test]
fn no_product_file_in_server_cli_export_or_generated_src_exceeds_800_lines() {
    let mut problems = Vec::new();
    for (tree, fewest) in TREES {
        let files = rust_files(&root().join(tree));
        let texts: Vec<String> = files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())))
            .collect();
        let tests: BTreeSet<PathBuf> = files
            .iter()
            .zip(&texts)
            .flat_map(|(f, t)| test_modules(f, t))
            .collect();
        // A test-only module that is declared must exist, or it would hide nothing but prove
        // that this check reads the declarations wrong.
        for t in &tests {
            assert!(t.exists(), "{} is declared but missing", t.display());
        }
        let mut checked = 0;
        for (file, text) in files.iter().zip(&texts) {
            if tests.contains(file) {
                continue;
            }
            checked += 1;
            let name = file.strip_prefix(root()).unwrap_or(file).display();
            match product_lines(text) {
                Ok(lines) if lines > MAX_LINES => problems.push(format!("{name}: {lines} lines")),
                Ok(_) => {}
                Err(e) => problems.push(format!("{name}: {e}")),
            }
        }
        assert!(
            checked >= fewest,
            "{tree}: only {checked} product files found, expected at least {fewest}"
        );
    }
    assert!(
        problems.is_empty(),
        "product files over {MAX_LINES} lines (cut them by concern): {problems:#?}"
    );
}

#[test]
fn the_line_counter_skips_only_a_final_test_module() {
    assert_eq!(product_lines("a\nb\n"), Ok(2));
    assert_eq!(
        product_lines("a\nb\n\n#[cfg(test)]\nmod tests {\n    x\n}\n"),
        Ok(3)
    );
    assert!(product_lines("#[cfg(test)]\nmod tests {\n}\nfn a() {}\n").is_err());
    let lib = Path::new("src/lib.rs");
    assert_eq!(
        test_modules(
            lib,
            "#[cfg(test)]\nmod a;\n#[cfg(test)]\n#[path = \"b_tests.rs\"]\nmod b;\nmod c;\n"
        ),
        [Path::new("src/a/mod.rs"), Path::new("src/b_tests.rs")]
    );
    assert_eq!(
        test_modules(Path::new("src/sqlite.rs"), "#[cfg(test)]\nmod tests;\n"),
        [Path::new("src/sqlite/tests/mod.rs")]
    );
}
