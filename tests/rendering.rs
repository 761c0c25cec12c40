//! Text from schemas that lands in generated comments and literals must not
//! break the generated Rust.

#[test]
fn multi_line_help_text_and_verbose_name_stay_doc_comments() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("notes.yaml");
    std::fs::write(
        &schema,
        "app: notes\nmodels:\n  Note:\n    fields:\n      body: {type: TextField, help_text: \"first line\\nsecond line\"}\n      kind: {type: CharField, max_length: 1, default: a, choices: [[a, \"A \\\"quoted\\\"\\nlabel\"]]}\n    meta: {verbose_name: \"note\\nwith two lines\"}\n",
    )
    .unwrap();
    let files = modelgen::Config::new().schema(&schema).render().unwrap_or_else(|e| panic!("{e}"));
    let rust = &files.iter().find(|f| f.name == "notes.rs").unwrap().contents;
    assert!(rust.contains("/// first line\n    /// second line"), "{rust}");
    assert!(rust.contains("/// note\n/// with two lines"), "{rust}");
    assert!(rust.contains(r#"Cow::Borrowed("A \"quoted\"\nlabel")"#), "labels are Rust string literals");
}
