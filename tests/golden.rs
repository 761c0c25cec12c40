//! Golden tests: the Rust and the DDL generated for every example schema in
//! `schemas/`, pinned with insta (snapshots in `tests/snapshots/`), plus the
//! properties that make golden files trustworthy: output is deterministic,
//! does not depend on the order schemas are given in, the checked-in
//! `generated/` directory is what a fresh run writes, and the DDL runs on
//! SQLite.
//!
//! Review snapshot changes with `cargo insta review` (or run with
//! `INSTA_UPDATE=always` and read `git diff tests/snapshots`).
//!
//! CLI-vs-library and build.rs-vs-CLI byte identity is tested where the
//! binary is available: `codegen/cli/tests/cli.rs` and `codegen/cli/tests/build_rs.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Cargo runs integration tests in the package root, so relative schema
/// paths (and the `@generated ... from schemas/x.yaml` headers) match what
/// `modelgen generate` writes when run from the repository root.
const SCHEMAS: &str = "schemas";

fn schema_path(stem: &str) -> PathBuf {
    Path::new(SCHEMAS).join(format!("{stem}.yaml"))
}

/// Every output file of one run over all of `schemas/`, by file name.
/// All schemas go into one run because relations cross files
/// (notifications.Notification points at people.Person).
fn render_all() -> BTreeMap<String, String> {
    assert_eq!(
        std::env::current_dir().unwrap(),
        Path::new(env!("CARGO_MANIFEST_DIR")),
        "golden tests expect to run in the package root"
    );
    let outputs =
        modelgen::Config::new().schema(SCHEMAS).render().unwrap_or_else(|e| panic!("schemas/ failed to render:\n{e}"));
    outputs.into_iter().map(|o| (o.name, o.contents)).collect()
}

fn schema_stems() -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(SCHEMAS)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    stems
}

/// One test per schema, snapshotting `<stem>_rs` and `<stem>_sql`.
macro_rules! golden {
    ($($stem:ident),* $(,)?) => {
        const GOLDEN_STEMS: &[&str] = &[$(stringify!($stem)),*];
        $(
            #[test]
            fn $stem() {
                let outputs = render_all();
                let stem = stringify!($stem);
                let source = schema_path(stem);
                for ext in ["rs", "sql"] {
                    let name = format!("{stem}.{ext}");
                    let contents = outputs.get(&name).unwrap_or_else(|| panic!("{} produced no {name}", source.display()));
                    insta::with_settings!({ description => format!("{name}, generated from {}", source.display()), omit_expression => true }, {
                        insta::assert_snapshot!(format!("{stem}_{ext}"), contents);
                    });
                }
            }
        )*
    };
}

golden!(library, notifications, people, places, shop, weblog);

/// A schema added to `schemas/` must get golden snapshots too.
#[test]
fn every_schema_has_a_golden_test() {
    assert_eq!(schema_stems(), GOLDEN_STEMS, "add the new schema's stem to `golden!(...)` in tests/golden.rs");
    let names: Vec<String> = render_all().into_keys().collect();
    let expected: Vec<String> = {
        let mut v: Vec<String> = GOLDEN_STEMS.iter().flat_map(|s| [format!("{s}.rs"), format!("{s}.sql")]).collect();
        v.sort();
        v
    };
    assert_eq!(names, expected, "each schema writes exactly <stem>.rs and <stem>.sql");
}

#[test]
fn every_file_is_headed_by_the_generated_marker_naming_its_schema() {
    for (name, contents) in render_all() {
        let stem = name.rsplit_once('.').unwrap().0;
        let first = contents.lines().next().unwrap_or_default();
        assert!(first.contains(modelgen::GENERATED_MARKER), "{name}: first line is {first:?}");
        assert!(first.contains(&format!("from schemas/{stem}.yaml.")), "{name}: first line is {first:?}");
        assert!(contents.ends_with('\n'), "{name} does not end with a newline");
    }
}

/// Rendering twice in one process gives identical bytes (no hash-map order
/// or other state leaks into the output).
#[test]
fn rendering_is_deterministic() {
    let first = render_all();
    for _ in 0..3 {
        assert!(render_all() == first, "a second render of schemas/ differs from the first");
    }
}

/// The order schemas are named in does not change any output file.
#[test]
fn output_does_not_depend_on_schema_order() {
    let forward = render_all();
    let mut reversed: Vec<PathBuf> = schema_stems().iter().map(|s| schema_path(s)).collect();
    reversed.reverse();
    let outputs = modelgen::Config::new().schemas(&reversed).render().unwrap();
    let outputs: BTreeMap<String, String> = outputs.into_iter().map(|o| (o.name, o.contents)).collect();
    assert_eq!(outputs.keys().collect::<Vec<_>>(), forward.keys().collect::<Vec<_>>());
    for (name, contents) in &outputs {
        assert!(contents == &forward[name], "{name} differs when the schemas are given in reverse order");
    }
}

/// An app with no relations to other apps renders the same alone (as a
/// build.rs generating one schema would) as in a run over all schemas.
#[test]
fn an_unrelated_app_renders_the_same_alone() {
    let all = render_all();
    for stem in ["library", "places", "shop", "weblog"] {
        let alone = modelgen::Config::new().schema(schema_path(stem)).render().unwrap();
        for file in alone {
            assert!(file.contents == all[&file.name], "{} differs when {stem}.yaml is rendered alone", file.name);
        }
    }
}

/// Schemas related across files need each other in the run; alone, the
/// dangling one is an error that says which file to add.
#[test]
fn a_cross_file_relation_needs_both_files() {
    let error = modelgen::Config::new().schema(schema_path("notifications")).render().unwrap_err();
    let message = error.to_string();
    assert!(message.contains("schemas/notifications.yaml:"), "{message}");
    assert!(message.contains("people.Person"), "{message}");
    let together =
        modelgen::Config::new().schema(schema_path("people")).schema(schema_path("notifications")).render().unwrap();
    let all = render_all();
    for file in together {
        assert!(file.contents == all[&file.name], "{} differs between people+notifications and all schemas", file.name);
    }
}

/// `Config::ddl` (what `modelgen ddl` prints) is the `.sql` files in
/// dependency order, and SQLite accepts it with foreign keys enforced.
#[test]
fn ddl_is_the_sql_files_in_dependency_order_and_sqlite_runs_it() {
    let all = render_all();
    let ddl = modelgen::Config::new().schema(SCHEMAS).ddl().unwrap();
    let headers: Vec<&str> = ddl.lines().filter(|l| l.starts_with("-- ")).collect();
    let order: Vec<&str> =
        headers.iter().map(|h| h.split("from schemas/").nth(1).unwrap().split(".yaml").next().unwrap()).collect();
    let people = order.iter().position(|s| *s == "people").unwrap();
    let notifications = order.iter().position(|s| *s == "notifications").unwrap();
    assert!(people < notifications, "people must come before notifications, which points at it: {order:?}");
    let concatenated: String = order.iter().map(|s| all[&format!("{s}.sql")].as_str()).collect();
    assert_eq!(ddl, concatenated);

    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    conn.execute_batch(&ddl).unwrap_or_else(|e| panic!("SQLite rejected the DDL: {e}\n{ddl}"));
    let problems: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
}

/// The checked-in `generated/` directory is exactly what a fresh run writes
/// (what `modelgen check` enforces in CI).
#[test]
fn checked_in_generated_dir_is_up_to_date() {
    let report = modelgen::Config::new().schema(SCHEMAS).out_dir("generated").check().unwrap();
    assert!(
        report.is_clean(),
        "generated/ is stale; run `cargo run -p modelgen-cli -- generate` and review the diff:\n{report}"
    );
}
