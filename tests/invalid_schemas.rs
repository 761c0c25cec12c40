//! Error-message goldens for invalid schemas.
//!
//! Every folder under `tests/invalid/` is one run: its `*.yaml` files are
//! compiled together, the run must fail, and every error it reports is pinned
//! in the folder's `errors.snap`, so each folder holds its input and the exact
//! output a user sees. Review changes with `cargo insta review` (or rerun with
//! `INSTA_UPDATE=always` and read the diff).

use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The case folders, sorted by name.
fn case_dirs() -> Vec<PathBuf> {
    let root = workspace_root().join("tests/invalid");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.expect("readable tests/invalid entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The schema files of a case as `(path, text)`, paths relative to the
/// workspace root with forward slashes, as a user would pass them.
fn case_sources(dir: &Path) -> Vec<(String, String)> {
    let case = dir.file_name().unwrap().to_string_lossy().into_owned();
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = fs::read_to_string(&path).unwrap();
            (format!("tests/invalid/{case}/{name}"), text)
        })
        .collect()
}

/// Checks one diagnostic's position names a file of the case and a real
/// place in it (line and column from 1, inside the file).
fn check_position(case: &str, sources: &[(String, String)], diagnostic: &modelgen::Diagnostic, problems: &mut Vec<String>) {
    let prefix = format!("tests/invalid/{case}/");
    let Some((_, text)) = sources.iter().find(|(path, _)| *path == diagnostic.file) else {
        problems.push(format!("{case}: error names `{}`, which is not one of the case's files", diagnostic.file));
        return;
    };
    if !diagnostic.file.starts_with(&prefix) {
        problems.push(format!("{case}: error file `{}` does not start with `{prefix}`", diagnostic.file));
    }
    let (line, col) = (diagnostic.pos.line, diagnostic.pos.col);
    if line < 1 || col < 1 {
        problems.push(format!("{case}: error at {line}:{col} has no real position: {diagnostic}"));
        return;
    }
    // A position may sit just past the last line or character (end of input).
    let lines: Vec<&str> = text.lines().collect();
    if line > lines.len() + 1 {
        problems.push(format!("{case}: error at line {line}, but the file has {} lines: {diagnostic}", lines.len()));
    } else if let Some(source_line) = lines.get(line - 1) {
        if col > source_line.chars().count() + 1 {
            problems.push(format!("{case}: error at column {col}, past the end of line {line}: {diagnostic}"));
        }
    }
}

/// Every line of the printed errors is `file:line:col: error: message`, a
/// `  help:` line, or the closing count.
fn check_printed_lines(case: &str, text: &str, problems: &mut Vec<String>) {
    let prefix = format!("tests/invalid/{case}/");
    let mut lines: Vec<&str> = text.lines().collect();
    let summary = lines.pop().unwrap_or_default();
    if !summary.ends_with("in schemas; nothing was written") {
        problems.push(format!("{case}: last line is not the error count: {summary}"));
    }
    for line in lines {
        if line.starts_with("  help: ") {
            continue;
        }
        let well_formed = line.strip_prefix(&prefix).is_some_and(|rest| {
            // `<file>.yaml:LINE:COL: error: <message>`
            let mut parts = rest.splitn(4, ':');
            let file_ok = parts.next().is_some_and(|f| f.ends_with(".yaml") || f.ends_with(".yml"));
            let line_ok = parts.next().and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n >= 1);
            let col_ok = parts.next().and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n >= 1);
            let message = parts.next().unwrap_or_default();
            file_ok && line_ok && col_ok && message.starts_with(" error: ") && message.len() > " error: ".len()
        });
        if !well_formed {
            problems.push(format!("{case}: malformed error line: {line}"));
        }
    }
}

#[test]
fn invalid_schemas_fail_with_the_pinned_errors() {
    let dirs = case_dirs();
    assert!(dirs.len() >= 40, "expected at least 40 invalid-schema cases, found {}", dirs.len());
    let mut problems = Vec::new();
    for dir in &dirs {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let sources = case_sources(dir);
        assert!(!sources.is_empty(), "{case}: no *.yaml files in {}", dir.display());
        let errors = match modelgen::compile(&sources) {
            Ok(_) => {
                problems.push(format!("{case}: compiled without errors, but every case under tests/invalid must fail"));
                continue;
            }
            Err(errors) => errors,
        };
        assert!(!errors.0.is_empty(), "{case}: failed with an empty error list");
        for diagnostic in &errors.0 {
            check_position(&case, &sources, diagnostic, &mut problems);
            // Messages start lowercase, unless with a field type's name (`CharField `x` needs ...`).
            let first_word = diagnostic.message.split_whitespace().next().unwrap_or_default();
            if first_word.starts_with(|c: char| c.is_uppercase()) && modelgen::types::lookup(first_word).is_none() {
                problems.push(format!("{case}: message does not start lowercase: {diagnostic}"));
            }
        }
        let text = errors.to_string();
        check_printed_lines(&case, &text, &mut problems);
        insta::with_settings!({
            snapshot_path => dir.clone(),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("modelgen::compile(tests/invalid/{case}/*.yaml)"),
        }, {
            insta::assert_snapshot!("errors", text);
        });
    }
    assert!(problems.is_empty(), "invalid-schema cases with problems:\n{}", problems.join("\n"));
}

#[test]
fn errors_are_sorted_by_file_and_position() {
    for dir in case_dirs() {
        let Err(errors) = modelgen::compile(&case_sources(&dir)) else { continue };
        let keys: Vec<(&str, usize, usize)> = errors.0.iter().map(|d| (d.file.as_str(), d.pos.line, d.pos.col)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{}: errors are not in file and position order", dir.display());
    }
}

/// A failing run writes nothing: not the files of the valid schemas beside
/// the broken one, and not over what the output directory already holds.
#[test]
fn a_failing_run_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    let result = modelgen::Config::new()
        .schema(workspace_root().join("schemas/shop.yaml"))
        .schema(workspace_root().join("tests/invalid/unknown_field_type/schema.yaml"))
        .out_dir(out.path())
        .generate();
    match result {
        Err(modelgen::Error::Schema(errors)) => {
            let text = errors.to_string();
            assert!(text.contains("unknown field type `CharFeild`"), "{text}");
            assert!(text.ends_with("nothing was written"), "{text}");
        }
        other => panic!("expected schema errors, got {other:?}"),
    }
    let left: Vec<_> = fs::read_dir(out.path()).unwrap().collect();
    assert!(left.is_empty(), "a failing run wrote into the output directory: {left:?}");

    // An output directory that does not exist yet is not created either.
    let missing = out.path().join("generated");
    let result = modelgen::Config::new()
        .schema(workspace_root().join("tests/invalid/several_errors_one_file/schema.yaml"))
        .out_dir(&missing)
        .generate();
    assert!(matches!(result, Err(modelgen::Error::Schema(_))), "{result:?}");
    assert!(!missing.exists(), "a failing run created {}", missing.display());
}
