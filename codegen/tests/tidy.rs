//! Invariants of the generator, checked under `cargo test` (as rust-analyzer's tidy tests do):
//! emitters never name `openapiv3`; generated code names its dependencies by absolute path;
//! no product file in `codegen/src` is longer than 800 lines; no lint allowance for functions
//! with too many arguments. (`runtime/tests/tidy.rs` checks the runtime's files.)

use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Spacing, TokenStream, TokenTree};

/// The ceiling of a product file, in lines (the developers' guide: files cut by concern).
const MAX_LINES: usize = 800;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable directory") {
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

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines of a source file that are product code: all of them, less a `#[cfg(test)] mod …
/// { … }` block that ends the file.
fn product_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let tests = lines
        .windows(2)
        .position(|w| w[0] == "#[cfg(test)]" && w[1].starts_with("mod ") && w[1].ends_with('{'));
    match tests {
        Some(start) if lines.last() == Some(&"}") => start,
        _ => lines.len(),
    }
}

#[test]
fn no_product_file_in_codegen_src_is_over_the_ceiling() {
    let files = rust_files(&root().join("codegen/src"));
    assert!(files.len() > 20, "codegen/src is missing: {files:?}");
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, product_lines(&read(f))))
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(f, n)| format!("{}: {n} lines", f.display()))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines of product code (cut them by concern):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_ceiling_counts_product_code_only() {
    let product = "fn a() {}\n".repeat(3);
    assert_eq!(product_lines(&product), 3);
    let with_tests = format!("{product}\n#[cfg(test)]\nmod tests {{\n    fn t() {{}}\n}}\n");
    assert_eq!(product_lines(&with_tests), 4);
    // A test module in the middle of a file is not skipped.
    let middle = format!("#[cfg(test)]\nmod tests {{\n}}\n{product}");
    assert_eq!(product_lines(&middle), 6);
}

#[test]
fn no_function_has_too_many_arguments_allowed() {
    for file in rust_files(&root().join("codegen/src")) {
        assert!(
            !read(&file).contains("too_many_arguments"),
            "{}: bundle the arguments into a context struct instead of allowing clippy's lint",
            file.display()
        );
    }
}

/// The files of the stages after lowering, which read only the model.
fn model_only_files() -> Vec<PathBuf> {
    let src = root().join("codegen/src");
    let mut files = rust_files(&src.join("emit"));
    files.extend(["render.rs", "model.rs", "names.rs"].map(|f| src.join(f)));
    files
}

#[test]
fn emitters_never_name_openapiv3() {
    let files = model_only_files();
    assert!(files.len() > 10, "emit/ is missing: {files:?}");
    for file in files {
        let text = read(&file);
        assert!(
            !text.contains("openapiv3::")
                && !text.contains("use openapiv3")
                && !text.contains("crate::lower"),
            "{} names `openapiv3` or the lowering: emitters read the model only",
            file.display()
        );
    }
}

/// The crates generated code may name: by absolute path only.
const DEPENDENCIES: &[&str] = &[
    "aqua_runtime",
    "serde",
    "serde_json",
    "std",
    "core",
    "alloc",
    "axum",
    "chrono",
    "reqwest",
    "tokio",
];

/// Paths in `tokens` that name a dependency, or the crate, without a leading `::` (`std::…`,
/// `crate::…`), as the text around them.
fn relative_paths(tokens: TokenStream, found: &mut Vec<String>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let colon = |i: usize, spacing: Spacing| matches!(trees.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == spacing);
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(group) => relative_paths(group.stream(), found),
            TokenTree::Ident(id) => {
                let name = id.to_string();
                let starts_path = colon(i + 1, Spacing::Joint) && colon(i + 2, Spacing::Alone);
                let after_path =
                    i >= 2 && colon(i - 1, Spacing::Alone) && colon(i - 2, Spacing::Joint);
                let dependency = DEPENDENCIES.contains(&name.as_str()) || name == "crate";
                if dependency && starts_path && !after_path {
                    let around: Vec<String> = trees[i.saturating_sub(2)..(i + 4).min(trees.len())]
                        .iter()
                        .map(ToString::to_string)
                        .collect();
                    found.push(around.join(" "));
                }
            }
            _ => {}
        }
    }
}

#[test]
fn the_path_check_tells_absolute_from_relative_paths() {
    let mut found = Vec::new();
    let code = "use ::std::sync::Arc; fn f() -> ::serde_json::Value { std::mem::take(x); crate::X; a::std::B }";
    relative_paths(TokenStream::from_str(code).unwrap(), &mut found);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("std : : mem"), "{found:?}");
    assert!(found[1].contains("crate : : X"), "{found:?}");
}

#[test]
fn generated_code_names_its_dependencies_by_absolute_path() {
    let mut specs = vec![root().join("spec/aqua.yaml")];
    specs.extend(
        std::fs::read_dir(root().join("tests/specs"))
            .expect("tests/specs is readable")
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml")),
    );
    assert!(specs.len() >= 5, "the corpus specs are missing: {specs:?}");
    for spec in specs {
        let source = aqua_codegen::SpecSource::from_path(&spec).expect("the spec is readable");
        let code = aqua_codegen::generate_source(&source).unwrap_or_else(|d| panic!("{d}"));
        let tokens = TokenStream::from_str(&code).expect("generated code tokenizes");
        let mut found = Vec::new();
        relative_paths(tokens, &mut found);
        assert!(
            found.is_empty(),
            "{}: paths without a leading `::`:\n{}",
            spec.display(),
            found.join("\n")
        );
    }
}
