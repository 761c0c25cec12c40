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
    assert!(rust.contains("/// `body`: first line\n    /// second line"), "{rust}");
    assert!(rust.contains("/// note\n/// with two lines"), "{rust}");
    assert!(rust.contains(r#"["A \"quoted\"\nlabel"]"#), "labels are Rust string literals: {rust}");
}

/// A ForeignKey's default is a key of its target, typed as the target's pk
/// (Django accepts any pk value), and SET_DEFAULT writes it as stored.
#[test]
fn foreign_key_default_takes_the_target_keys_type() {
    let yaml = "app: fkd\nmodels:\n  Code:\n    fields:\n      code: {type: SlugField, primary_key: true}\n  Token:\n    fields:\n      id: {type: UUIDField, primary_key: true, default: uuid4}\n  Use:\n    fields:\n      code: {type: ForeignKey, to: Code, on_delete: SET_DEFAULT, default: welcome}\n      token: {type: ForeignKey, to: Token, on_delete: CASCADE, null: true, default: 0F8FAD5B-D9CB-469F-A165-70867728950E}\n";
    let project = modelgen::compile(&[("schemas/fkd.yaml".to_string(), yaml.to_string())]).unwrap_or_else(|e| panic!("{e}"));
    let model = project.apps[0].models.iter().find(|m| m.name == "Use").unwrap();
    let code = model.fields.iter().find(|f| f.name == "code").unwrap();
    assert_eq!(code.rust_type, "String");
    assert_eq!(code.default_expr, "\"welcome\".to_string()");
    assert_eq!(code.default_static.as_deref(), Some("DefaultValue::Text(\"welcome\")"));
    let token = model.fields.iter().find(|f| f.name == "token").unwrap();
    assert_eq!(token.default_static.as_deref(), Some("DefaultValue::Text(\"0f8fad5bd9cb469fa16570867728950e\")"), "stored as Django stores a UUID");
}
