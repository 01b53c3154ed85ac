//! The README shows `examples/full_flow.rs` in full: that copy is the example's code.

#[test]
fn the_readme_shows_the_full_flow_example_as_it_is() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{dir}/README.md")).unwrap();
    let example = std::fs::read_to_string(format!("{dir}/examples/full_flow.rs")).unwrap();
    // The example's code without its module comment, as the README shows it.
    let code = &example[example.find("use std::time::Duration;").unwrap()..];
    let blocks: Vec<&str> = readme
        .split("```rust,no_run\n")
        .skip(1)
        .map(|rest| &rest[..rest.find("```\n").unwrap()])
        .collect();
    assert!(
        blocks.contains(&code),
        "the README's copy of examples/full_flow.rs differs from the file; paste the file's code (from `use std::time::Duration;`) into the README"
    );
}
