//! Golden tests. There is one golden copy of what `schemas/` generates: the
//! checked-in `generated/` directory, which must be exactly what a fresh run
//! writes (asserted here, and by `modelgen check` in CI) and which the
//! behaviour tests in `generated/tests` compile and run. Beside it, the
//! properties that make golden files trustworthy: output is deterministic,
//! does not depend on the order schemas are given in, and the DDL runs on
//! SQLite.
//!
//! Features the example schemas do not use are pinned by the valid-schema
//! cases in `tests/valid/<case>/`, beside the invalid ones in
//! `tests/invalid/`: each folder holds its schema(s) and the exact files a
//! run over the folder writes. The expected Rust is compiled into this test
//! and the DDL applied to SQLite. After an intended change to the output,
//! rewrite the expected files with `UPDATE_EXPECT=1 cargo test --test golden`
//! (`INSTA_UPDATE=always` works too) and review `git diff tests/valid`; to
//! refresh `generated/`, run `cargo run -p modelgen-cli -- generate`.
//!
//! CLI-vs-library and build.rs-vs-CLI byte identity is tested where the
//! binary is available: `codegen/cli/tests/cli.rs` and `codegen/cli/tests/build_rs.rs`.

use modelgen_runtime::prelude::*;
use std::collections::BTreeMap;
use std::fs;
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

/// Each schema writes exactly `<stem>.rs`, `<stem>.sql` (SQLite) and
/// `<stem>.postgresql.sql`.
#[test]
fn each_schema_writes_its_rs_and_sql() {
    let names: Vec<String> = render_all().into_keys().collect();
    let mut expected: Vec<String> = schema_stems()
        .iter()
        .flat_map(|s| [format!("{s}.rs"), format!("{s}.sql"), format!("{s}.postgresql.sql")])
        .collect();
    expected.sort();
    assert_eq!(names, expected);
}

#[test]
fn every_file_is_headed_by_the_generated_marker_naming_its_schema() {
    for (name, contents) in render_all() {
        let stem = name.strip_suffix(".postgresql.sql").unwrap_or_else(|| name.rsplit_once('.').unwrap().0);
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

// --- Valid-schema cases: tests/valid/<case>/ ---

const VALID: &str = "tests/valid";

/// `UPDATE_EXPECT=1` (or insta's `INSTA_UPDATE=always`) rewrites the
/// expected files instead of failing.
fn update_expectations() -> bool {
    std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") || std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always")
}

fn is_schema(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "yaml" || x == "yml")
}

/// The case folders, relative to the package root (so the `@generated`
/// headers name `tests/valid/<case>/<file>.yaml`), sorted.
fn valid_cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(VALID)
        .unwrap_or_else(|e| panic!("{VALID}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases in {VALID}");
    dirs
}

/// The expected output files of a case (every file but its schemas), by name.
fn expected_files(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !is_schema(p))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read_to_string(&p).unwrap()))
        .collect()
}

/// Where two texts first differ, as a short report.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let line = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
    format!(
        "first difference at line {}:\n  expected: {:?}\n  actual:   {:?}\n  ({} lines expected, {} generated)",
        line + 1,
        e.get(line).copied().unwrap_or("<end of file>"),
        a.get(line).copied().unwrap_or("<end of file>"),
        e.len(),
        a.len()
    )
}

/// Every case generates exactly its expected files, byte for byte.
#[test]
fn valid_schemas_generate_the_expected_files() {
    let update = update_expectations();
    let mut problems = Vec::new();
    for dir in valid_cases() {
        let case = dir.display();
        assert!(fs::read_dir(&dir).unwrap().any(|e| is_schema(&e.unwrap().path())), "{case}: no *.yaml schema");
        let outputs = modelgen::Config::new().schema(&dir).render().unwrap_or_else(|e| panic!("{case} failed:\n{e}"));
        let mut expected = expected_files(&dir);
        for output in outputs {
            let path = dir.join(&output.name);
            match expected.remove(&output.name) {
                Some(text) if text == output.contents => {}
                _ if update => fs::write(&path, &output.contents).unwrap(),
                Some(text) => {
                    problems.push(format!("{}: {}", path.display(), first_difference(&text, &output.contents)))
                }
                None => problems.push(format!("{}: generated, but not in the case folder", path.display())),
            }
        }
        for name in expected.into_keys() {
            let path = dir.join(name);
            if update {
                fs::remove_file(&path).unwrap();
            } else {
                problems.push(format!("{}: in the case folder, but not generated", path.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "valid-schema cases differ from their expected files:\n{}\n\nIf the change is intended, rerun with UPDATE_EXPECT=1 and review `git diff {VALID}`.",
        problems.join("\n")
    );
}

/// Each case's DDL runs on SQLite with foreign keys enforced.
#[test]
fn valid_schemas_ddl_runs_on_sqlite() {
    for dir in valid_cases() {
        let ddl = modelgen::Config::new().schema(&dir).ddl().unwrap_or_else(|e| panic!("{}:\n{e}", dir.display()));
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        conn.execute_batch(&ddl).unwrap_or_else(|e| panic!("{}: SQLite rejected the DDL: {e}\n{ddl}", dir.display()));
    }
}

/// Each case's PostgreSQL DDL runs on a PostgreSQL server (skipped without
/// one): names PostgreSQL truncates to 63 characters must stay distinct
/// there. (hostile_names once had a 200-character table and its `_tags`
/// join table, which both truncate to the same 63 characters: `relation
/// ... already exists`.)
#[test]
fn valid_schemas_postgresql_ddl_runs_on_postgresql() {
    let Some(server) = modelgen_testing_pg::server() else { return };
    for dir in valid_cases() {
        let ddl = modelgen::Config::new()
            .schema(&dir)
            .ddl_for(modelgen::ddl::Dialect::Postgresql)
            .unwrap_or_else(|e| panic!("{}:\n{e}", dir.display()));
        let db = server.database();
        db.connect()
            .batch_execute(&ddl)
            .unwrap_or_else(|e| panic!("{}: PostgreSQL rejected the DDL: {e}\n{ddl}", dir.display()));
    }
}

/// The expected Rust of every case, compiled into this test: an expectation
/// that does not compile fails the build, and the tests below use the models.
macro_rules! compiled_cases {
    ($($module:ident => $path:literal),* $(,)?) => {
        #[allow(dead_code)]
        mod valid {
            $(pub mod $module { include!($path); })*
        }
        const COMPILED: &[&str] = &[$($path),*];
    };
}

compiled_cases!(
    t => "valid/abstract_field_override/t.rs",
    fkd => "valid/foreign_key_default/fkd.rs",
    group => "valid/hostile_names/group.rs",
    kw => "valid/keyword_field_names/kw.rs",
    notes => "valid/multi_line_text/notes.rs",
);

/// A case's Rust file must be listed in `compiled_cases!`.
#[test]
fn every_valid_case_is_compiled() {
    let mut files: Vec<String> = valid_cases()
        .iter()
        .flat_map(|dir| expected_files(dir).into_keys().map(move |name| (dir.clone(), name)))
        .filter(|(_, name)| name.ends_with(".rs"))
        .map(|(dir, name)| format!("valid/{}/{name}", dir.file_name().unwrap().to_string_lossy()))
        .collect();
    files.sort();
    assert_eq!(files, COMPILED, "list every tests/valid/*/*.rs in `compiled_cases!` in tests/golden.rs");
}

/// `keyword_field_names`: fields named like Rust keywords are raw
/// identifiers in Rust and plain columns in SQL; they save, query, display
/// and build URLs.
#[test]
fn keyword_named_fields_save_and_query() -> modelgen_runtime::Result<()> {
    use valid::kw::{self, Token};
    let db = modelgen_runtime::Database::open_in_memory()?;
    db.create_tables(&[&kw::APP])?;
    let mut token = Token::new();
    token.r#type = "fn".into();
    token.r#match = 3;
    token.r#ref = "x".into();
    token.save(&db)?;
    let found = Token::objects().filter(Token::TYPE.eq("fn") & Token::MATCH.eq(3)).get(&db)?;
    assert_eq!(found.id, token.id);
    assert_eq!(found.to_string(), "fn 3");
    assert_eq!(found.get_absolute_url(), "/tokens/x/");
    Ok(())
}

/// `foreign_key_default`: the defaults of ForeignKeys to a SlugField and to
/// a UUIDField key are those keys, stored as the targets store them (the
/// deferred foreign keys are checked at commit), and SET_DEFAULT writes the
/// default back.
#[test]
fn foreign_key_defaults_are_the_target_keys() -> modelgen_runtime::Result<()> {
    use valid::fkd::{self, Code, Token, Use};
    let db = modelgen_runtime::Database::open_in_memory()?;
    db.create_tables(&[&fkd::APP])?;
    for name in ["welcome", "other"] {
        let mut code = Code::new();
        code.code = name.into();
        code.save(&db)?;
    }
    let mut token = Token::new();
    token.id = modelgen_runtime::uuid::Uuid::parse_str("0F8FAD5B-D9CB-469F-A165-70867728950E").unwrap();
    token.save(&db)?;

    let mut usage = Use::new();
    assert_eq!((usage.code_id.as_str(), usage.token_id), ("welcome", Some(token.id)));
    usage.code_id = "other".into();
    usage.save(&db)?;
    Code::get(&db, "other".into())?.delete(&db)?;
    usage.refresh_from_db(&db)?;
    assert_eq!((usage.code_id.as_str(), usage.token_id), ("welcome", Some(token.id)), "SET_DEFAULT");
    Ok(())
}

/// `hostile_names`: an app, tables, columns and an index named like SQL
/// keywords (`group`, `select`, `from`, `where`), columns with a single
/// quote and with unicode, a unicode field name (`café`) with unicode
/// choices, a 200-character table and a 150-character column. Its DDL is byte for byte the DDL Django 5.2 gives for the same
/// models (Django truncates no name on SQLite), and Django's checks report
/// nothing. Values with quotes, semicolons and unicode save, load, filter,
/// order, follow relations, go through the many-to-many table and delete.
/// Django, on the same models and values, listed `[("b", 2), ("a'b", 1)]`
/// (ordering `-group, select`), gave pks `[2, 1]` for `tags` and `[2]`
/// for `a.orders`, and loaded `a` back unchanged.
#[test]
fn sql_keyword_quoted_unicode_and_long_names_are_quoted_and_round_trip_as_in_django() -> modelgen_runtime::Result<()> {
    use valid::group::{self, LongName, Order, OrderCafé};
    let db = modelgen_runtime::Database::open_in_memory()?;
    db.create_tables(&[&group::APP])?;
    let mut a = Order::new();
    a.select = "a'b".into();
    a.group = 1;
    a.r#where = "é\"".into();
    a.quote = "'; --".into();
    a.café = OrderCafé::Name;
    a.save(&db)?;
    let mut b = Order::new();
    b.select = "b".into();
    b.group = 2;
    b.set_order(Some(&a))?;
    b.save(&db)?;
    let mut long = LongName::new(b.key()?);
    long.name = "n".into();
    long.save(&db)?;
    a.tags().add(&db, &[&long])?;
    b.tags().add(&db, &[&long])?;

    let listed: Vec<(String, i64)> = Order::objects().all(&db)?.into_iter().map(|o| (o.select, o.group)).collect();
    assert_eq!(listed, [("b".to_string(), 2), ("a'b".to_string(), 1)]);
    let loaded = Order::get(&db, a.id.unwrap())?;
    assert_eq!((loaded.select, loaded.r#where, loaded.quote), ("a'b".into(), "é\"".into(), "'; --".into()));
    // Django gave [2, 1]: b then a, by `ordering: [-group, select]`.
    let tag_ids: Vec<i64> = long.tagged().all(&db)?.into_iter().filter_map(|o| o.id).collect();
    assert_eq!(tag_ids, [b.id.unwrap(), a.id.unwrap()]);
    let replies: Vec<Option<i64>> = a.orders().all(&db)?.into_iter().map(|o| o.id).collect();
    assert_eq!(replies, [b.id]);
    assert_eq!(Order::objects().filter(Order::WHERE.eq("é\"") & Order::QUOTE.contains("; --")).count(&db)?, 1);
    assert_eq!(LongName::objects().get(&db)?.order(&db)?.select, "b");
    assert_eq!(a.tags().count(&db)?, 1);
    // A unicode field name and choice values; Django gave "Name", 1, and
    // `b.café == ""` (a blank choice field without a default).
    assert_eq!(Order::get(&db, a.id.unwrap())?.get_café_display(), "Name");
    assert_eq!(Order::objects().filter(Order::CAFÉ.eq(OrderCafé::Name)).count(&db)?, 1);
    assert_eq!(Order::get(&db, b.id.unwrap())?.café, OrderCafé::Other(String::new()));

    // Deleting `a` cascades through `order` to `b`, to `long` and to the
    // through rows, as in Django, which gave (5, {'group.Order_tags': 2,
    // 'group.LongName': 1, 'group.Order': 2}): every table is empty, and intact.
    let (total, per_model) = a.delete(&db)?;
    assert_eq!(total, 5);
    let per_model: Vec<(&str, usize)> = per_model.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(per_model, [("group.LongName", 1), ("group.Order", 2), ("group.Order_tags", 2)]);
    assert_eq!(Order::objects().count(&db)? + LongName::objects().count(&db)?, 0);
    let check: String = db.sqlite_connection().expect("an SQLite database").query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok");
    Ok(())
}
