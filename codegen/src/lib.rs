//! `aqua-codegen` turns an OpenAPI 3.0 document into a typed async Rust client.
//!
//! The pipeline has four stages, each with its own types:
//!
//! 1. [`load`]: YAML or JSON text → a JSON tree with source positions → `openapiv3::OpenAPI`;
//! 2. [`lower`]: the document → [`model::Api`], our own description of the API with Rust names
//!    resolved and a deterministic order;
//! 3. [`emit`]: the model → Rust tokens (`quote`);
//! 4. [`render()`]: tokens → formatted source (`prettyplease`), unit by unit ([`render`](mod@render) the
//!    module).
//!
//! Every stage reports problems as [`Diagnostics`] that name the offending node by JSON pointer
//! (and line and column); the generator never panics on bad input and never skips a construct
//! silently. A problem is an error when the document cannot be generated, and a warning when
//! the generator still emits a sound client and says what it generated instead (a schema it
//! cannot type becomes `serde_json::Value`, an operation it cannot generate is left out…).
//! [`Options::deny_warnings`] turns warnings into errors. The same spec always produces
//! byte-identical code.

pub mod diag;
pub mod emit;
pub mod load;
pub mod lower;
pub mod model;
pub mod names;
pub mod render;
mod stack;

pub use diag::{Diagnostic, Diagnostics, Severity, Span};
pub use load::SpecSource;

/// How to generate.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// Fail on warnings as on errors (`--deny-warnings`): the client is then exactly what the
    /// spec says, with no fallback anywhere.
    pub deny_warnings: bool,
    /// Cut the code by API area (`aqua-codegen crate` sets it): each operation's items, and the
    /// types only some areas reach, get `#[cfg(feature = "…")]` of their areas, which the
    /// crate's `Cargo.toml` declares (see [`model::Api::features`]). Off, the code has no
    /// area `cfg`s (a build script's crate declares no such features).
    pub features: bool,
}

impl Options {
    /// Options that fail on warnings.
    pub fn deny_warnings() -> Self {
        Options {
            deny_warnings: true,
            ..Options::default()
        }
    }
}

/// Generated code, before printing.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The display name of the spec it was generated from.
    pub source_name: String,
    /// The model the code is emitted from.
    pub api: model::Api,
    /// What was generated with a fallback, by pointer (empty when the spec was generated
    /// exactly).
    pub warnings: Diagnostics,
}

impl Generated {
    /// The generated items as one token stream (what [`render()`] prints, unformatted).
    pub fn tokens(&self) -> proc_macro2::TokenStream {
        emit::emit(&self.api)
    }
}

/// Runs load and lower on a spec, accepting warnings (they are in [`Generated::warnings`]);
/// [`render()`] emits and prints the code.
pub fn generate(source: &SpecSource) -> Result<Generated, Diagnostics> {
    generate_with(source, &Options::default())
}

/// [`generate`] with options: with [`Options::deny_warnings`], a warning fails generation.
pub fn generate_with(source: &SpecSource, options: &Options) -> Result<Generated, Diagnostics> {
    let load::Loaded {
        openapi,
        spans,
        warnings: mut loaded,
        ..
    } = load::load(source)?;
    // The loader's warnings come first, then lowering's diagnostics.
    let (mut api, mut lowered) = match lower::lower(&openapi, &source.name) {
        Ok(lowered) => lowered,
        Err(mut errors) => {
            errors.locate(&spans);
            loaded.extend(errors);
            return Err(loaded);
        }
    };
    lowered.locate(&spans);
    let mut warnings = loaded;
    warnings.extend(lowered);
    if options.deny_warnings && !warnings.is_empty() {
        warnings.deny_warnings();
        return Err(warnings);
    }
    if options.features {
        emit::gate_types(&mut api);
    } else {
        api.features.clear();
        for op in &mut api.operations {
            op.feature = None;
        }
    }
    Ok(Generated {
        source_name: source.name.clone(),
        api,
        warnings,
    })
}

/// Emits and prints generated code as formatted Rust source with a do-not-edit header, on as
/// many threads as the machine has (see [`render_with_threads`]).
pub fn render(generated: &Generated) -> Result<String, Diagnostics> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    render_with_threads(generated, threads)
}

/// [`render()`] on at most `threads` threads (at least one: the caller's).
///
/// The file is cut into [`emit::Unit`]s (a type, a builder, an operation's server handler…);
/// each is emitted, parsed and printed on its own, so memory stays proportional to the largest
/// unit rather than to the file, and the units are shared out between the threads. The text is
/// the same whatever the number of threads, and the same as printing [`Generated::tokens`]
/// whole.
pub fn render_with_threads(generated: &Generated, threads: usize) -> Result<String, Diagnostics> {
    render::render_file(&generated.api, &generated.source_name, threads)
}

/// Options of [`standalone_crate`].
#[derive(Clone, Debug)]
pub struct CrateOptions {
    /// The package name (`zuora-aqua`, `petstore-client`).
    pub name: String,
    /// Where `aqua-runtime` lives, written as its path dependency (absolute, or relative to the
    /// crate's directory).
    pub runtime_path: String,
}

/// The files of a standalone crate for a spec: `Cargo.toml` and `src/lib.rs`, as
/// (relative path, content) pairs. The crate depends only on published crates and
/// `aqua-runtime`, and is its own workspace, so `cargo build` works inside it. Warnings are
/// accepted and returned with the files; see [`standalone_crate_with`] to deny them.
pub fn standalone_crate(
    source: &SpecSource,
    options: &CrateOptions,
) -> Result<Vec<(String, String)>, Diagnostics> {
    standalone_crate_with(source, options, &Options::default()).map(|(files, _)| files)
}

/// [`standalone_crate`] with generation options; also returns the warnings.
pub fn standalone_crate_with(
    source: &SpecSource,
    options: &CrateOptions,
    generation: &Options,
) -> Result<(Vec<(String, String)>, Diagnostics), Diagnostics> {
    let generated = generate_with(source, generation)?;
    let code = render(&generated)?;
    let name = &options.name;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        let mut d = Diagnostics::new(&source.name);
        d.error(
            "#",
            format!("`{name}` is not a valid crate name (letters, digits, `-` and `_`)"),
        );
        return Err(d);
    }
    let runtime = options.runtime_path.replace('\\', "/");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\ndescription = \"Client for {title}, generated by aqua-codegen from {spec}\"\npublish = false\n\n# A workspace of its own, wherever it is written.\n[workspace]\n\n[features]\n{features}\n[dependencies]\naqua-runtime = {{ path = \"{runtime}\" }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n",
        title = generated.api.title.replace('"', "'"),
        spec = source.name,
        features = manifest_features(&generated.api.features),
    );
    let mut lib = format!(
        "//! A client for {title} (API version {version}), generated by aqua-codegen from `{spec}`.\n//! Do not edit: regenerate with `aqua-codegen crate`.\n\n",
        title = generated.api.title,
        version = generated.api.version,
        spec = source.name,
    );
    if !generated.api.features.is_empty() {
        lib.push_str("//!\n//! Cut into API areas, each a cargo feature (every one on by default): see `Cargo.toml`.\n\n");
    }
    lib.push_str(&code);
    let files = vec![
        ("Cargo.toml".to_owned(), manifest),
        ("src/lib.rs".to_owned(), lib),
    ];
    Ok((files, generated.warnings))
}

/// The `[features]` table's entries: `server`, and with API areas, one feature per area (its
/// tags and operations in the comment above it) and `default` with all of them.
fn manifest_features(areas: &[model::Feature]) -> String {
    let list = |extra: &[&str]| {
        let names = extra
            .iter()
            .map(|n| (*n).to_owned())
            .chain(areas.iter().map(|a| a.name.clone()));
        let quoted: Vec<String> = names.map(|n| format!("\"{n}\"")).collect();
        format!("[{}]", quoted.join(", "))
    };
    if areas.is_empty() {
        return "## The generated server side (handler trait and axum router).\nserver = [\"aqua-runtime/server\"]\n".to_owned();
    }
    let mut out = format!(
        "## Every API area.\ndefault = {}\n## The generated server side (handler trait and axum router), with every API area.\nserver = {}\n",
        list(&[]),
        list(&["aqua-runtime/server"]),
    );
    for area in areas {
        let sources: Vec<String> = area
            .sources
            .iter()
            .map(|s| format!("`{}`", s.replace(['\n', '\r', '`'], " ")))
            .collect();
        let plural = if area.operations == 1 { "" } else { "s" };
        out.push_str(&format!(
            "## The API area of {}: {} operation{plural}.\n{} = []\n",
            sources.join(", "),
            area.operations,
            area.name,
        ));
    }
    out
}

/// Loads, generates and prints in one call, on one thread (with a deep stack of its own),
/// with warnings denied: the exact client or an error. Build scripts call this or [`generate_source_with`] (cargo runs
/// build scripts in parallel already; the `aqua-codegen` command prints on every core instead).
pub fn generate_source(source: &SpecSource) -> Result<String, Diagnostics> {
    generate_source_with(source, &Options::deny_warnings()).map(|(code, _)| code)
}

/// [`generate_source`] with options; returns the code and the warnings. A build script that
/// accepts warnings prints them with `print!("{}", warnings.cargo_warnings())`, so that cargo
/// shows them.
pub fn generate_source_with(
    source: &SpecSource,
    options: &Options,
) -> Result<(String, Diagnostics), Diagnostics> {
    let generated = generate_with(source, options)?;
    let code = render_with_threads(&generated, 1)?;
    Ok((code, generated.warnings))
}
