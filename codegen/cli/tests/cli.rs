//! The `modelgen` binary, run for real: help text (pinned with insta so a
//! change to it is reviewed), `generate`, `check`, `ddl`, `--templates`,
//! exit codes, and byte identity with the library.
//!
//! These live in the `modelgen-cli` package because only there does cargo build
//! the binary for tests (`CARGO_BIN_EXE_modelgen`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
}

/// Run `modelgen` in `cwd` with `args`.
fn modelgen(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modelgen"))
        .args(args)
        .current_dir(cwd)
        .env_remove("OUT_DIR")
        .output()
        .expect("run modelgen")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "exit status\n--- stdout\n{}\n--- stderr\n{}",
        stdout(output),
        stderr(output)
    );
}

/// A temporary project: `schemas/` holding copies of the named example
/// schemas, and an `out/` path (not created). Commands run in its root with
/// relative paths, as a user would.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn with_schemas(stems: &[&str]) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("schemas")).unwrap();
        for stem in stems {
            let name = format!("{stem}.yaml");
            std::fs::copy(workspace().join("schemas").join(&name), dir.path().join("schemas").join(&name)).unwrap();
        }
        Project { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn out(&self) -> PathBuf {
        self.root().join("out")
    }

    fn run(&self, args: &[&str]) -> Output {
        modelgen(self.root(), args)
    }

    fn write(&self, relative: &str, contents: &str) {
        let path = self.root().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.root().join(relative)).unwrap()
    }

    /// Every file under `out/` with its content and modification time.
    fn snapshot_out(&self) -> Vec<(String, String, SystemTime)> {
        let Ok(entries) = std::fs::read_dir(self.out()) else { return Vec::new() };
        let mut files: Vec<_> = entries
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap(), std::fs::metadata(&p).unwrap().modified().unwrap())
            })
            .collect();
        files.sort();
        files
    }

    /// Move the mtime of every file and directory under `out/` (not
    /// recursively) an hour back.
    fn age_out_files_and_dirs(&self) {
        let old = SystemTime::now() - Duration::from_secs(3600);
        for entry in std::fs::read_dir(self.out()).unwrap() {
            let file = std::fs::File::open(entry.unwrap().path()).unwrap();
            file.set_times(std::fs::FileTimes::new().set_modified(old)).unwrap();
        }
    }

    /// Move every file's mtime an hour back, so "not rewritten" is visible
    /// even on filesystems with coarse timestamps.
    fn age_out_files(&self) {
        let old = SystemTime::now() - Duration::from_secs(3600);
        for entry in std::fs::read_dir(self.out()).unwrap() {
            let file = std::fs::File::options().write(true).open(entry.unwrap().path()).unwrap();
            file.set_modified(old).unwrap();
        }
    }
}

// ---------------------------------------------------------------- help text

#[test]
fn help_is_pinned() {
    for (name, args) in [
        ("help", &["--help"][..]),
        ("help_short", &["-h"][..]),
        ("generate_help", &["generate", "--help"][..]),
        ("check_help", &["check", "--help"][..]),
        ("ddl_help", &["ddl", "--help"][..]),
    ] {
        let output = modelgen(&workspace(), args);
        assert_exit(&output, 0);
        insta::with_settings!({ description => format!("modelgen {}", args.join(" ")), omit_expression => true }, {
            insta::assert_snapshot!(name, stdout(&output));
        });
    }
}

#[test]
fn no_arguments_prints_help_and_fails() {
    let output = modelgen(&workspace(), &[]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("Usage: modelgen <COMMAND>"), "{}", stderr(&output));
}

#[test]
fn version_is_the_crate_version() {
    let output = modelgen(&workspace(), &["--version"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), format!("modelgen {}\n", env!("CARGO_PKG_VERSION")));
}

// ----------------------------------------------------------------- generate

#[test]
fn generate_writes_rs_and_sql_per_schema_and_says_so() {
    let project = Project::with_schemas(&["weblog", "shop"]);
    let output = project.run(&["generate", "--out", "out"]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output),
        "wrote out/shop.postgresql.sql\nwrote out/shop.rs\nwrote out/shop.sql\n\
         wrote out/weblog.postgresql.sql\nwrote out/weblog.rs\nwrote out/weblog.sql\n"
    );
    let names: Vec<String> = project.snapshot_out().into_iter().map(|f| f.0).collect();
    assert_eq!(
        names,
        ["shop.postgresql.sql", "shop.rs", "shop.sql", "weblog.postgresql.sql", "weblog.rs", "weblog.sql"]
    );
    assert!(project.read("out/weblog.rs").starts_with("// @generated by modelgen from schemas/weblog.yaml."));
    assert!(project.read("out/weblog.sql").starts_with("-- @generated by modelgen from schemas/weblog.yaml."));
    let postgresql = project.read("out/weblog.postgresql.sql");
    assert!(postgresql.starts_with("-- @generated by modelgen from schemas/weblog.yaml."));
    assert!(postgresql.contains("GENERATED BY DEFAULT AS IDENTITY"));
}

#[test]
fn generate_defaults_to_schemas_dir_and_generated_dir() {
    let project = Project::with_schemas(&["people"]);
    let output = project.run(&["generate"]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output),
        "wrote generated/people.postgresql.sql\nwrote generated/people.rs\nwrote generated/people.sql\n"
    );
}

#[test]
fn second_generate_writes_nothing_and_keeps_mtimes() {
    let project = Project::with_schemas(&["weblog", "people", "notifications"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    project.age_out_files();
    let before = project.snapshot_out();

    let output = project.run(&["generate", "-o", "out"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "out is up to date\n");
    assert_eq!(project.snapshot_out(), before, "a no-op generate touched files");
}

#[test]
fn generate_rewrites_only_the_file_that_changed() {
    let project = Project::with_schemas(&["weblog", "shop"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    project.age_out_files();
    let before = project.snapshot_out();
    project.write("out/weblog.sql", "-- edited by hand\n");

    let output = project.run(&["generate", "-o", "out"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "wrote out/weblog.sql\n");
    let after = project.snapshot_out();
    assert_eq!(after[5].0, "weblog.sql");
    assert_eq!(after[..5], before[..5], "untouched files were rewritten");
    assert_eq!(after[5].1, before[5].1, "weblog.sql was not restored");
    assert_ne!(after[5].2, before[5].2, "weblog.sql keeps its old mtime");
}

#[test]
fn generate_leaves_no_temporary_files() {
    let project = Project::with_schemas(&["weblog"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    project.write("out/weblog.rs", "// stale\n");
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    let names: Vec<String> = project.snapshot_out().into_iter().map(|f| f.0).collect();
    assert_eq!(names, ["weblog.postgresql.sql", "weblog.rs", "weblog.sql"]);
}

/// Naming a file that a named directory also holds reads it once (not "app
/// `weblog` defined twice").
#[test]
fn a_schema_named_twice_is_read_once() {
    let project = Project::with_schemas(&["weblog"]);
    let output = project.run(&["generate", "schemas", "schemas/weblog.yaml", "./schemas/weblog.yaml", "-o", "out"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "wrote out/weblog.postgresql.sql\nwrote out/weblog.rs\nwrote out/weblog.sql\n");
}

// ------------------------------------------------------------------- errors

const BROKEN: &str = "\
app: broken
models:
  Thing:
    fields:
      name: {type: CharFeild, max_length: 10}
      owner: {type: ForeignKey, to: Nobody, on_delete: CASCADE}
";

/// Every stderr line before the summary is `file:line:col: error: ...` or an
/// indented `help:` line.
#[track_caller]
fn assert_diagnostics(stderr: &str, file: &str, consequence: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    let (summary, diagnostics) = lines.split_last().expect("no stderr");
    assert!(summary.ends_with(&format!("in schemas; {consequence}")), "summary line: {summary:?}\n{stderr}");
    assert!(!diagnostics.is_empty(), "{stderr}");
    for line in diagnostics {
        if line.starts_with("  help: ") {
            continue;
        }
        let rest = line
            .strip_prefix(&format!("{file}:"))
            .unwrap_or_else(|| panic!("{line:?} does not start with {file}:\n{stderr}"));
        let mut parts = rest.splitn(3, ':');
        let (line_no, col, message) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        assert!(line_no.parse::<u32>().is_ok_and(|n| n > 0), "line number in {line:?}");
        assert!(col.parse::<u32>().is_ok_and(|n| n > 0), "column in {line:?}");
        assert!(message.starts_with(" error: "), "{line:?}");
    }
}

#[test]
fn schema_error_exits_2_writes_nothing_and_reports_file_line_col() {
    let project = Project::with_schemas(&["weblog"]);
    project.write("schemas/broken.yaml", BROKEN);

    // Into a directory that does not exist yet: it is not even created.
    let output = project.run(&["generate", "-o", "out"]);
    assert_exit(&output, 2);
    assert_eq!(stdout(&output), "");
    assert_diagnostics(&stderr(&output), "schemas/broken.yaml", "nothing was written");
    assert!(stderr(&output).contains("CharFeild"), "{}", stderr(&output));
    assert!(!project.out().exists(), "generate created the output directory despite errors");
}

#[test]
fn schema_error_leaves_an_existing_output_dir_untouched() {
    let project = Project::with_schemas(&["weblog"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    project.write("out/weblog.sql", "-- edited\n");
    project.age_out_files();
    let before = project.snapshot_out();

    project.write("schemas/broken.yaml", BROKEN);
    let output = project.run(&["generate", "-o", "out"]);
    assert_exit(&output, 2);
    assert_diagnostics(&stderr(&output), "schemas/broken.yaml", "nothing was written");
    assert_eq!(project.snapshot_out(), before, "generate changed files despite a schema error");
}

#[test]
fn check_and_ddl_report_schema_errors_too() {
    let project = Project::with_schemas(&[]);
    project.write("schemas/broken.yaml", BROKEN);
    let output = project.run(&["check", "-o", "out"]);
    assert_exit(&output, 2);
    assert_diagnostics(&stderr(&output), "schemas/broken.yaml", "nothing was checked");
    let output = project.run(&["ddl"]);
    assert_exit(&output, 2);
    assert_eq!(stdout(&output), "");
    assert_diagnostics(&stderr(&output), "schemas/broken.yaml", "no SQL was printed");
}

#[test]
fn unreadable_inputs_exit_2_with_the_path() {
    let project = Project::with_schemas(&["weblog"]);
    for (args, expected) in [
        (&["generate", "missing.yaml"][..], "error: missing.yaml: "),
        (&["generate", "--templates", "no-such-dir"][..], "error: no-such-dir: templates directory not found"),
        (&["ddl", "out"][..], "error: out: "),
    ] {
        let output = project.run(args);
        assert_exit(&output, 2);
        assert!(stderr(&output).starts_with(expected), "{args:?}: {}", stderr(&output));
    }
    project.write("empty/README", "no schemas here\n");
    let output = project.run(&["ddl", "empty"]);
    assert_exit(&output, 2);
    assert_eq!(stderr(&output), "error: empty: no *.yaml or *.yml schema files in this directory\n");
}

// -------------------------------------------------------------------- check

#[test]
fn check_passes_right_after_generate() {
    let project = Project::with_schemas(&["weblog", "people", "notifications"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    let output = project.run(&["check", "-o", "out"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "out is up to date\n");
    assert_eq!(stderr(&output), "");
}

/// A tiny schema, so the pinned diff depends on little else.
const NOTES: &str = "\
app: notes
models:
  Note:
    fields:
      title: {type: CharField, max_length: 100}
      body: {type: TextField}
";

#[test]
fn check_fails_with_a_unified_diff_when_a_file_was_edited() {
    let project = Project::with_schemas(&[]);
    project.write("schemas/notes.yaml", NOTES);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    let fresh = project.read("out/notes.sql");
    let edited = fresh.replace("varchar(100)", "varchar(200)");
    assert_ne!(edited, fresh, "expected a varchar(100) column in:\n{fresh}");
    project.write("out/notes.sql", &edited);

    let output = project.run(&["check", "-o", "out"]);
    assert_exit(&output, 1);
    let report = stdout(&output);
    assert!(
        report.starts_with("out of date: notes.sql\n--- notes.sql (checked in)\n+++ notes.sql (fresh)\n@@ "),
        "{report}"
    );
    let removed: Vec<&str> = report.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).collect();
    let added: Vec<&str> = report.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).collect();
    assert_eq!(removed.len(), 1, "{report}");
    assert_eq!(added.len(), 1, "{report}");
    assert!(removed[0].contains("varchar(200)") && added[0].contains("varchar(100)"), "{report}");
    assert_eq!(stderr(&output), "out is out of date; run `modelgen generate` and commit the result\n");
    insta::with_settings!({ description => "modelgen check, after notes.sql was edited (varchar(100) -> varchar(200))", omit_expression => true }, {
        insta::assert_snapshot!("check_edited_file", report);
    });
}

#[test]
fn check_fails_when_a_file_is_missing() {
    let project = Project::with_schemas(&["weblog"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    std::fs::remove_file(project.out().join("weblog.rs")).unwrap();
    let output = project.run(&["check", "-o", "out"]);
    assert_exit(&output, 1);
    assert_eq!(stdout(&output), "missing: weblog.rs (run `modelgen generate`)\n");
    assert_eq!(stderr(&output), "out is out of date; run `modelgen generate` and commit the result\n");
}

#[test]
fn check_fails_when_the_output_dir_does_not_exist() {
    let project = Project::with_schemas(&["weblog"]);
    let output = project.run(&["check", "-o", "out"]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "missing: weblog.postgresql.sql (run `modelgen generate`)\nmissing: weblog.rs (run `modelgen generate`)\n\
         missing: weblog.sql (run `modelgen generate`)\n"
    );
}

#[test]
fn check_reports_a_stale_generated_file_but_not_a_hand_written_one() {
    let project = Project::with_schemas(&["weblog"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    // What an old schema, since deleted, left behind.
    project.write("out/oldapp.rs", "// @generated by modelgen from schemas/oldapp.yaml. Do not edit; edit the schema and regenerate.\n\npub struct Old;\n");
    // Hand-written neighbours, which check must leave alone.
    project.write("out/lib.rs", "pub mod weblog;\n");
    project.write("out/notes.sql", "-- not @generated by anyone\n");
    project.write(
        "out/mentions.rs",
        "// hand-written\n// @generated by modelgen appears only on the first line of generated files\n",
    );

    let output = project.run(&["check", "-o", "out"]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "stale extra file: oldapp.rs (generated by modelgen, but no schema produces it now; delete it)\n"
    );
    assert_eq!(stderr(&output), "out holds generated files no schema produces; delete them\n");

    std::fs::remove_file(project.out().join("oldapp.rs")).unwrap();
    let output = project.run(&["check", "-o", "out"]);
    assert_exit(&output, 0);
}

#[test]
fn check_of_some_schemas_leaves_the_other_schemas_outputs_alone() {
    let project = Project::with_schemas(&["weblog", "people", "notifications"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    project.write("out/lib.rs", "pub mod notifications;\npub mod people;\npub mod weblog;\n");
    // A check of weblog alone: people's and notifications' files are
    // another schema's output, not stale extras.
    let output = project.run(&["check", "schemas/weblog.yaml", "-o", "out"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "out is up to date\n");
    // notifications points at people, so they are checked together.
    let output = project.run(&["check", "schemas/people.yaml", "schemas/notifications.yaml", "-o", "out"]);
    assert_exit(&output, 0);
    // A file that claims to come from weblog but that weblog does not
    // produce, and the output of a schema that is gone, are still stale.
    project.write("out/weblog_old.rs", "// @generated by modelgen from schemas/weblog.yaml. Do not edit; edit the schema and regenerate.\n");
    project.write("out/oldapp.sql", "-- @generated by modelgen from schemas/oldapp.yaml. Do not edit; edit the schema and regenerate.\n");
    let output = project.run(&["check", "schemas/weblog.yaml", "-o", "out"]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "stale extra file: oldapp.sql (generated by modelgen, but no schema produces it now; delete it)\n\
         stale extra file: weblog_old.rs (generated by modelgen, but no schema produces it now; delete it)\n"
    );
    // The edited output of a schema outside the run is not this check's business...
    std::fs::remove_file(project.out().join("weblog_old.rs")).unwrap();
    std::fs::remove_file(project.out().join("oldapp.sql")).unwrap();
    project.write("out/people.rs", &project.read("out/people.rs").replacen("pub struct Person", "pub struct Persn", 1));
    assert_exit(&project.run(&["check", "schemas/weblog.yaml", "-o", "out"]), 0);
    // ...but a check of every schema reports it.
    let output = project.run(&["check", "-o", "out"]);
    assert_exit(&output, 1);
    assert!(stdout(&output).starts_with("out of date: people.rs\n"), "{}", stdout(&output));
}

#[test]
fn check_lists_every_problem_at_once() {
    let project = Project::with_schemas(&["weblog", "shop"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    std::fs::remove_file(project.out().join("shop.sql")).unwrap();
    project.write("out/weblog.rs", &project.read("out/weblog.rs").replacen("pub struct Blog", "pub struct Blogg", 1));
    project.write("out/gone.sql", "-- @generated by modelgen from schemas/gone.yaml.\n");
    let output = project.run(&["check", "-o", "out"]);
    assert_exit(&output, 1);
    let report = stdout(&output);
    assert!(report.starts_with("missing: shop.sql (run `modelgen generate`)\nstale extra file: gone.sql "), "{report}");
    assert!(report.contains("out of date: weblog.rs\n--- weblog.rs (checked in)\n+++ weblog.rs (fresh)\n"), "{report}");
    assert!(report.contains("\n-pub struct Blogg {\n+pub struct Blog {\n"), "{report}");
    assert_eq!(
        stderr(&output),
        "out is out of date; run `modelgen generate` and commit the result\nout holds generated files no schema produces; delete them\n"
    );
}

/// The repository's own checked-in output, as CI would check it.
#[test]
fn check_of_the_repository_generated_dir() {
    let output = modelgen(&workspace(), &["check"]);
    assert_exit(&output, 0);
}

// ---------------------------------------------------------------------- ddl

#[test]
fn ddl_prints_the_sql_in_dependency_order() {
    let project = Project::with_schemas(&["notifications", "people", "weblog"]);
    let output = project.run(&["ddl"]);
    assert_exit(&output, 0);
    let sql = stdout(&output);
    assert_eq!(stderr(&output), "");
    let headers: Vec<&str> = sql.lines().filter(|l| l.starts_with("-- @generated")).collect();
    assert_eq!(headers.len(), 3, "{sql}");
    assert!(headers[0].contains("schemas/people.yaml"), "people first: notifications points at it\n{sql}");
    assert!(headers[1].contains("schemas/notifications.yaml"), "{sql}");
    assert!(headers[2].contains("schemas/weblog.yaml"), "{sql}");
    assert!(sql.contains("CREATE TABLE \"weblog_blog\" ("), "{sql}");

    // Exactly the .sql files generate writes, concatenated.
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    let files = ["people", "notifications", "weblog"].map(|s| project.read(&format!("out/{s}.sql"))).concat();
    assert_eq!(sql, files);
    assert!(!project.root().join("generated").exists(), "ddl wrote files");
}

/// `--dialect postgresql`: the DDL Django's PostgreSQL schema editor emits,
/// exactly the `.postgresql.sql` files generate writes; sqlite stays the default.
#[test]
fn ddl_dialect_postgresql_prints_the_postgresql_sql_files() {
    let project = Project::with_schemas(&["notifications", "people", "weblog"]);
    let output = project.run(&["ddl", "--dialect", "postgresql"]);
    assert_exit(&output, 0);
    let sql = stdout(&output);
    assert!(sql.contains("\"id\" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY"), "{sql}");
    assert!(sql.contains("FOREIGN KEY (\"blog_id\") REFERENCES \"weblog_blog\" (\"id\") DEFERRABLE INITIALLY DEFERRED;"), "{sql}");
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    let files = ["people", "notifications", "weblog"].map(|s| project.read(&format!("out/{s}.postgresql.sql"))).concat();
    assert_eq!(sql, files);
    let sqlite = ["people", "notifications", "weblog"].map(|s| project.read(&format!("out/{s}.sql"))).concat();
    assert_eq!(stdout(&project.run(&["ddl", "--dialect", "sqlite"])), sqlite);
    assert_eq!(stdout(&project.run(&["ddl"])), sqlite);
    let wrong = project.run(&["ddl", "--dialect", "mysql"]);
    assert_exit(&wrong, 2);
    assert!(stderr(&wrong).contains("possible values: sqlite, postgresql"), "{}", stderr(&wrong));
}

// ---------------------------------------------------------------- templates

const CUSTOM_SQL: &str =
    "-- custom DDL for {{ app.label }}\n{% for model in app.models %}-- table {{ model.table }}\n{% endfor %}";

#[test]
fn templates_dir_overrides_one_template_and_the_rest_stay_embedded() {
    let project = Project::with_schemas(&["weblog"]);
    project.write("my-templates/app.sql.tera", CUSTOM_SQL);
    assert_exit(&project.run(&["generate", "-o", "plain"]), 0);

    let output = project.run(&["generate", "--templates", "my-templates", "-o", "out"]);
    assert_exit(&output, 0);
    assert_eq!(
        project.read("out/weblog.sql"),
        "-- @generated by modelgen from schemas/weblog.yaml. Do not edit; edit the schema and regenerate.\n\
         -- custom DDL for weblog\n-- table weblog_blog\n-- table weblog_author\n-- table weblog_entry\n"
    );
    assert_eq!(
        project.read("out/weblog.rs"),
        project.read("plain/weblog.rs"),
        "the Rust templates were not overridden"
    );

    // ddl and check use the override too.
    let output = project.run(&["ddl", "--templates", "my-templates"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), project.read("out/weblog.sql"));
    assert_exit(&project.run(&["check", "--templates", "my-templates", "-o", "out"]), 0);
    assert_exit(&project.run(&["check", "-o", "out"]), 1);
}

/// An overridden Rust template's output is parsed and formatted by
/// prettyplease (its layout does not matter); the built-in templates lay
/// out their own output.
#[test]
fn an_overridden_rust_template_is_formatted_and_its_syntax_errors_located() {
    let project = Project::with_schemas(&["weblog"]);
    project.write("my-templates/app.rs.tera", "pub const APP_LABEL:&str={{ app.label | rust_str }};pub fn models()->usize{ {{ app.models | length }} }\n");
    assert_exit(&project.run(&["generate", "--templates", "my-templates", "-o", "out"]), 0);
    assert_eq!(
        project.read("out/weblog.rs"),
        "// @generated by modelgen from schemas/weblog.yaml. Do not edit; edit the schema and regenerate.\n\n\
         pub const APP_LABEL: &str = \"weblog\";\npub fn models() -> usize {\n    3\n}\n"
    );

    project.write("my-templates/app.rs.tera", "pub const A: &str = \"a\";\npub fn broken( {\n");
    let output = project.run(&["generate", "--templates", "my-templates", "-o", "broken"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("template produced invalid Rust for `schemas/weblog.yaml` at line 2"), "{}", stderr(&output));
    assert!(!project.root().join("broken").exists(), "a failed generation writes nothing");
}

#[test]
fn a_broken_template_exits_2_and_writes_nothing() {
    let project = Project::with_schemas(&["weblog"]);
    project.write("my-templates/app.sql.tera", "{% for model in app.models %}never closed");
    let output = project.run(&["generate", "--templates", "my-templates", "-o", "out"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).starts_with("error: template error: "), "{}", stderr(&output));
    assert!(!project.out().exists());
}

// ------------------------------------------------ all or nothing on failure

/// Every entry under `out/`: name, bytes (`None` for a directory) and mtime.
fn out_entries(project: &Project) -> Vec<(String, Option<Vec<u8>>, SystemTime)> {
    let mut entries: Vec<_> = std::fs::read_dir(project.out())
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = p.is_file().then(|| std::fs::read(&p).unwrap());
            (name, bytes, std::fs::metadata(&p).unwrap().modified().unwrap())
        })
        .collect();
    entries.sort();
    entries
}

/// people, shop and weblog generated into `out/`, then two files edited by
/// hand (so a run would rewrite them, and leaves the rest alone), all aged.
fn generated_then_edited() -> Project {
    let project = Project::with_schemas(&["people", "shop", "weblog"]);
    assert_exit(&project.run(&["generate", "-o", "out"]), 0);
    project.write("out/people.rs", "// edited by hand\n");
    project.write("out/weblog.rs", "// edited by hand\n");
    project
}

#[track_caller]
fn assert_generate_fails_and_changes_nothing(project: &Project, args: &[&str], expected_error: &str) {
    let before = out_entries(project);
    let output = project.run(args);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains(expected_error), "{}", stderr(&output));
    assert_eq!(out_entries(project), before, "a failed generation changed the output folder");
}

/// `weblog.sql`, the last output, is a directory: it cannot be replaced,
/// and the files before it (people.rs, which changed) stay as they were.
#[test]
fn an_output_that_is_a_directory_fails_the_run_and_leaves_every_file_as_it_was() {
    let project = generated_then_edited();
    std::fs::remove_file(project.out().join("weblog.sql")).unwrap();
    project.write("out/weblog.sql/keep.txt", "a directory in the way\n");
    project.age_out_files_and_dirs();
    let args = ["generate", "-o", "out"];
    assert_generate_fails_and_changes_nothing(&project, &args, "out/weblog.sql: is a directory");
    assert_eq!(project.read("out/weblog.sql/keep.txt"), "a directory in the way\n");
}

/// A new file that cannot be written midway (its temporary name is taken
/// by a directory) leaves the files written before it unreplaced and no
/// temporary file behind.
#[test]
fn a_write_failing_midway_leaves_every_file_as_it_was() {
    let project = generated_then_edited();
    project.write("out/shop.sql", "-- edited by hand\n");
    std::fs::create_dir(project.out().join("shop.sql.modelgen-tmp")).unwrap();
    project.age_out_files_and_dirs();
    assert_generate_fails_and_changes_nothing(&project, &["generate", "-o", "out"], "out/shop.sql.modelgen-tmp");
}

/// A read-only output folder: nothing can be created in it, so nothing is
/// replaced. Root ignores permissions, so there the test has nothing to show.
#[test]
fn a_read_only_output_folder_fails_the_run_and_leaves_every_file_as_it_was() {
    use std::os::unix::fs::PermissionsExt;
    let project = generated_then_edited();
    project.age_out_files_and_dirs();
    std::fs::set_permissions(project.out(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = project.out().join("probe");
    if std::fs::write(&probe, "").is_ok() {
        std::fs::remove_file(&probe).unwrap();
        std::fs::set_permissions(project.out(), std::fs::Permissions::from_mode(0o755)).unwrap();
        eprintln!("skipped: running as root, which may write into a read-only folder");
        return;
    }
    assert_generate_fails_and_changes_nothing(&project, &["generate", "-o", "out"], "Permission denied");
    std::fs::set_permissions(project.out(), std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A model template that fails on weblog's third model (Entry), after the
/// other apps and models rendered: everything is rendered before anything
/// is written, so nothing is.
#[test]
fn a_template_failing_on_the_third_model_leaves_every_file_as_it_was() {
    let project = generated_then_edited();
    let built_in = std::fs::read_to_string(workspace().join("templates/model.rs.tera")).unwrap();
    let failing = format!("{{% if model.name == \"Entry\" %}}{{{{ no_such_value }}}}{{% endif %}}{built_in}");
    project.write("my-templates/model.rs.tera", &failing);
    project.age_out_files_and_dirs();
    let args = ["generate", "--templates", "my-templates", "-o", "out"];
    assert_generate_fails_and_changes_nothing(&project, &args, "no_such_value");
}

// ----------------------------------------------------- CLI == library bytes

/// The CLI writes exactly what `Config::render()` returns, given the same
/// schema paths (absolute here, so the headers agree whatever the cwd).
#[test]
fn cli_writes_the_same_bytes_as_the_library() {
    let schemas = workspace().join("schemas");
    let library = modelgen::Config::new().schema(&schemas).render().unwrap();

    let out = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let output = modelgen(cwd.path(), &["generate", schemas.to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    assert_exit(&output, 0);

    let mut written: Vec<String> =
        std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    written.sort();
    let names: Vec<String> = library.iter().map(|f| f.name.clone()).collect();
    assert_eq!(written, names);
    for file in &library {
        let on_disk = std::fs::read(out.path().join(&file.name)).unwrap();
        assert!(on_disk == file.contents.as_bytes(), "{} differs between the CLI and Config::render()", file.name);
    }

    // And `Config::generate()` into another directory writes the same files.
    let lib_out = tempfile::tempdir().unwrap();
    modelgen::Config::new().schema(&schemas).out_dir(lib_out.path()).generate().unwrap();
    for file in &library {
        assert_eq!(
            std::fs::read(lib_out.path().join(&file.name)).unwrap(),
            std::fs::read(out.path().join(&file.name)).unwrap()
        );
    }
}

/// Run from the repository root with relative paths (how generated/ is made),
/// the CLI's output is the checked-in generated/ byte for byte, and an
/// absolute path to a schema under the cwd is shown relative, so build.rs
/// (run in its package directory, usually naming schemas by absolute path
/// via CARGO_MANIFEST_DIR) writes the same headers.
#[test]
fn absolute_and_relative_schema_paths_give_the_same_bytes() {
    let root = workspace();
    let relative = tempfile::tempdir().unwrap();
    let absolute = tempfile::tempdir().unwrap();
    let weblog = root.join("schemas/weblog.yaml");
    assert_exit(&modelgen(&root, &["generate", "schemas/weblog.yaml", "-o", relative.path().to_str().unwrap()]), 0);
    assert_exit(&modelgen(&root, &["generate", weblog.to_str().unwrap(), "-o", absolute.path().to_str().unwrap()]), 0);
    for name in ["weblog.rs", "weblog.sql"] {
        let a = std::fs::read(relative.path().join(name)).unwrap();
        let b = std::fs::read(absolute.path().join(name)).unwrap();
        assert!(a == b, "{name}: absolute path gives different bytes");
        assert!(
            a.starts_with(b"// @generated by modelgen from schemas/weblog.yaml.")
                || a.starts_with(b"-- @generated by modelgen from schemas/weblog.yaml.")
        );
    }
}
