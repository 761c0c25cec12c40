//! modelgen's DDL against the DDL Django's SQLite backend creates for the
//! same models.
//!
//! The reference is tests/django/<app>.sql, written by
//! tests/django/dump_ddl.py from real Django models built from the same
//! schemas (see tests/django/README.md), so this test needs no Django.
//!
//! For every app the two scripts must hold the same set of statements; every
//! CREATE TABLE and every CREATE [UNIQUE] INDEX must be textually identical
//! (index names included: they carry Django's md5 digest); and our order must
//! be one SQLite can run (a table after the same-app tables it references,
//! an index after its table).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace root: the nearest ancestor of this package with `schemas/`
/// and `tests/django/` (so the file works from `codegen/tests` and `tests/`).
fn root() -> PathBuf {
    let mut dir = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    loop {
        if dir.join("schemas").is_dir() && dir.join("tests/django").is_dir() {
            return dir;
        }
        assert!(dir.pop(), "no ancestor of {} has schemas/ and tests/django/", env!("CARGO_MANIFEST_DIR"));
    }
}

/// `(path, text)` of every `*.yaml` in `dir` (relative to the root), sorted.
fn schema_sources(dir: &str) -> Vec<(String, String)> {
    let root = root();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no schemas in {dir}");
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn compile(dir: &str) -> modelgen::ir::Project {
    modelgen::compile(&schema_sources(dir)).unwrap_or_else(|e| panic!("{dir} does not compile:\n{e}"))
}

/// The statements of a script: one per line, `--` comments and blank lines skipped.
fn statements(text: &str) -> Vec<String> {
    text.lines().map(str::trim_end).filter(|l| !l.is_empty() && !l.starts_with("--")).map(str::to_string).collect()
}

fn django_reference(app: &str) -> Vec<String> {
    let path = root().join("tests/django").join(format!("{app}.sql"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (regenerate with `python tests/django/dump_ddl.py`)", path.display()));
    statements(&text)
}

/// The first double-quoted identifier after `prefix` (`CREATE TABLE "x"` -> x).
fn quoted_after<'a>(statement: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = statement.strip_prefix(prefix)?.strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Kind {
    Table,
    Index,
    UniqueIndex,
}

/// (kind, object name, table it belongs to).
fn classify(statement: &str) -> (Kind, String, String) {
    if let Some(table) = quoted_after(statement, "CREATE TABLE ") {
        return (Kind::Table, table.to_string(), table.to_string());
    }
    for (prefix, kind) in [("CREATE UNIQUE INDEX ", Kind::UniqueIndex), ("CREATE INDEX ", Kind::Index)] {
        if let Some(name) = quoted_after(statement, prefix) {
            let on = &statement[statement.find(" ON ").unwrap_or_else(|| panic!("no ON in {statement}"))..];
            let table = quoted_after(on, " ON ").unwrap_or_else(|| panic!("no table in {statement}"));
            return (kind, name.to_string(), table.to_string());
        }
    }
    panic!("statement of an unexpected kind: {statement}");
}

/// Tables a CREATE TABLE references (`REFERENCES "t"`).
fn referenced_tables(statement: &str) -> BTreeSet<String> {
    statement.split("REFERENCES ").skip(1).filter_map(|s| quoted_after(s, "")).map(str::to_string).collect()
}

/// Every way `ours` falls short of `django`; empty when they agree.
fn compare(app: &str, ours: &[String], django: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for (who, script) in [("modelgen", ours), ("Django", django)] {
        let mut seen = BTreeSet::new();
        for s in script {
            if !seen.insert(s) {
                problems.push(format!("{app}: {who} emits a statement twice: {s}"));
            }
        }
    }

    // Per object (table or index name), the statement each side emits.
    let by_name = |script: &[String]| -> BTreeMap<(Kind, String), String> {
        script
            .iter()
            .map(|s| {
                let (kind, name, _) = classify(s);
                let kind = if kind == Kind::Table { Kind::Table } else { Kind::Index };
                ((kind, name), s.clone())
            })
            .collect()
    };
    let ours_by_name = by_name(ours);
    let django_by_name = by_name(django);
    for ((kind, name), theirs) in &django_by_name {
        match ours_by_name.get(&(*kind, name.clone())) {
            None => problems.push(format!("{app}: Django creates {kind:?} `{name}`, modelgen does not:\n  django:   {theirs}")),
            Some(mine) if mine != theirs => {
                problems.push(format!("{app}: {kind:?} `{name}` differs:\n  modelgen: {mine}\n  django:   {theirs}"))
            }
            Some(_) => {}
        }
    }
    for ((kind, name), mine) in &ours_by_name {
        if !django_by_name.contains_key(&(*kind, name.clone())) {
            problems.push(format!("{app}: modelgen creates {kind:?} `{name}`, Django does not:\n  modelgen: {mine}"));
        }
    }

    // As sets (the checks above already name the statement that differs).
    let ours_set: BTreeSet<&String> = ours.iter().collect();
    let django_set: BTreeSet<&String> = django.iter().collect();
    if problems.is_empty() {
        assert_eq!(ours_set, django_set, "{app}: statement sets differ");
    }

    // Our order must run: tables before what references them, indexes after
    // their table. Tables that reference each other (a cycle, such as a blog's
    // featured entry and the entry's blog) cannot all come first; Django
    // creates them in model order, and so must we.
    let app_tables: BTreeSet<String> =
        ours.iter().filter_map(|s| quoted_after(s, "CREATE TABLE ")).map(str::to_string).collect();
    let references: BTreeMap<String, BTreeSet<String>> = ours
        .iter()
        .filter_map(|s| quoted_after(s, "CREATE TABLE ").map(|name| (name.to_string(), referenced_tables(s).into_iter().collect())))
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(table) = stack.pop() {
            if table == to {
                return true;
            }
            if seen.insert(table.clone()) {
                stack.extend(references.get(&table).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut created = BTreeSet::new();
    for s in ours {
        let (kind, name, table) = classify(s);
        match kind {
            Kind::Table => {
                for target in referenced_tables(s) {
                    let in_cycle = reaches(&target, &name);
                    if target != name && app_tables.contains(&target) && !created.contains(&target) && !in_cycle {
                        problems.push(format!("{app}: table `{name}` is created before `{target}`, which it references"));
                    }
                }
                created.insert(name);
            }
            _ => {
                if !created.contains(&table) {
                    problems.push(format!("{app}: index `{name}` comes before its table `{table}`"));
                }
            }
        }
    }
    problems
}

fn assert_no_problems(problems: Vec<String>) {
    assert!(problems.is_empty(), "modelgen's DDL differs from Django's:\n\n{}", problems.join("\n\n"));
}

/// The checked-in generated/<stem>.sql files (what users get) against Django.
#[test]
fn generated_sql_matches_django_for_every_example_schema() {
    let project = compile("schemas");
    let mut problems = Vec::new();
    for app in &project.apps {
        let path = root().join("generated").join(format!("{}.sql", app.file_stem));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let first = text.lines().next().unwrap_or_default();
        assert!(first.starts_with("--") && first.contains("@generated"), "{}: no `--` @generated header", path.display());
        problems.extend(compare(&app.label, &statements(&text), &django_reference(&app.label)));
    }
    assert_no_problems(problems);
}

/// A fresh compile of schemas/ (the IR's DDL, not the checked-in files) against Django.
#[test]
fn compiled_ddl_matches_django_for_every_example_schema() {
    let project = compile("schemas");
    let mut problems = Vec::new();
    for app in &project.apps {
        problems.extend(compare(&app.label, &statements(&app.ddl()), &django_reference(&app.label)));
    }
    assert_no_problems(problems);
}

/// tests/django/schemas/*.yaml: schemas that exist only to cover custom
/// primary keys, db_column, db_index, meta.indexes, db_table, db_constraint,
/// multi-level inheritance, long index names and every column type.
#[test]
fn compiled_ddl_matches_django_for_the_coverage_schemas() {
    let project = compile("tests/django/schemas");
    let mut problems = Vec::new();
    for app in &project.apps {
        problems.extend(compare(&app.label, &statements(&app.ddl()), &django_reference(&app.label)));
    }
    assert_no_problems(problems);
}

/// Every reference file belongs to an app of schemas/ or tests/django/schemas/
/// and holds one complete statement per line.
#[test]
fn django_reference_files_are_complete_and_current() {
    let mut apps: BTreeSet<String> = BTreeSet::new();
    for dir in ["schemas", "tests/django/schemas"] {
        apps.extend(compile(dir).apps.into_iter().map(|a| a.label));
    }
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("tests/django")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "sql") {
            files.insert(path.file_stem().unwrap().to_string_lossy().into_owned());
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.ends_with(";\n"), "{}: not newline-terminated statements", path.display());
            for line in text.lines() {
                assert!(line.ends_with(';') && line == line.trim(), "{}: not one statement per line: {line}", path.display());
                assert!(line.starts_with("CREATE "), "{}: unexpected statement: {line}", path.display());
            }
        }
    }
    assert_eq!(files, apps, "tests/django/*.sql and the schema apps differ (run `python tests/django/dump_ddl.py`)");
}

/// The comparison itself: it must catch a changed column, a missing index and
/// an index before its table.
#[test]
fn comparison_catches_differences() {
    let django = vec![
        r#"CREATE TABLE "a_b" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "c_id" bigint NOT NULL REFERENCES "a_c" ("id") DEFERRABLE INITIALLY DEFERRED);"#.to_string(),
        r#"CREATE TABLE "a_c" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT);"#.to_string(),
        r#"CREATE INDEX "a_b_c_id_12345678" ON "a_b" ("c_id");"#.to_string(),
    ];
    assert!(compare("a", &django, &django).iter().all(|p| p.contains("before `a_c`")));
    let ordered = vec![django[1].clone(), django[0].clone(), django[2].clone()];
    assert!(compare("a", &ordered, &django).is_empty());
    let changed = vec![django[1].clone(), django[0].replace("bigint", "integer"), django[2].clone()];
    assert!(compare("a", &changed, &django).iter().any(|p| p.contains("`a_b` differs")));
    let missing = vec![django[1].clone(), django[0].clone()];
    assert!(compare("a", &missing, &django).iter().any(|p| p.contains("Django creates Index `a_b_c_id_12345678`")));
    let early = vec![django[2].clone(), django[1].clone(), django[0].clone()];
    assert!(compare("a", &early, &django).iter().any(|p| p.contains("comes before its table")));
}
