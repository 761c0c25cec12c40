//! Every generated DDL script applied to a real SQLite database, and what
//! SQLite then reports (`pragma table_info`, `foreign_key_list`, `index_list`,
//! `index_xinfo`) checked against the schemas.
//!
//! Expectations come from the IR (`modelgen::compile` over the schema files)
//! and, for the options the IR folds away (`db_index: false`, `meta.indexes`),
//! from the parsed schema; nothing here names a table or a column, so the test
//! follows the schemas as they change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use modelgen::ir::{Field, Model, Project};
use modelgen::schema::{FieldDef, ModelDef, SchemaFile};
use rusqlite::Connection;

fn root() -> PathBuf {
    let mut dir = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    loop {
        if dir.join("schemas").is_dir() && dir.join("generated").is_dir() {
            return dir;
        }
        assert!(dir.pop(), "no ancestor of {} has schemas/ and generated/", env!("CARGO_MANIFEST_DIR"));
    }
}

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
        .map(|p| (p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

/// The IR and the parsed schema files of every schema in `dir`.
fn load(dir: &str) -> (Project, Vec<SchemaFile>) {
    let sources = schema_sources(dir);
    let project = modelgen::compile(&sources).unwrap_or_else(|e| panic!("{dir} does not compile:\n{e}"));
    let mut diags = modelgen::diagnostics::Diagnostics::default();
    let files = sources
        .iter()
        .map(|(path, text)| modelgen::schema::parse_schema(path, &modelgen::yaml::parse(text).unwrap(), &mut diags))
        .collect();
    assert!(diags.is_empty());
    (project, files)
}

/// The schema's definition of a model (`app.Name`).
fn model_def<'a>(files: &'a [SchemaFile], label: &str) -> &'a ModelDef {
    let (app, name) = label.split_once('.').unwrap();
    files
        .iter()
        .filter(|f| f.app.value == app)
        .flat_map(|f| f.models.iter())
        .find(|m| m.name.value == name)
        .unwrap_or_else(|| panic!("no schema model {label}"))
}

/// A model's own definition followed by its abstract ancestors' (whose
/// fields and meta it inherits), nearest first.
fn own_and_abstract_defs<'a>(files: &'a [SchemaFile], label: &str) -> Vec<&'a ModelDef> {
    let app = label.split_once('.').unwrap().0;
    let mut defs = vec![model_def(files, label)];
    while let Some(extends) = &defs.last().unwrap().extends {
        let parent_label = if extends.value.contains('.') { extends.value.clone() } else { format!("{app}.{}", extends.value) };
        let parent = model_def(files, &parent_label);
        if !parent.meta.is_abstract {
            break;
        }
        defs.push(parent);
    }
    defs
}

fn field_def<'a>(files: &'a [SchemaFile], model: &Model, name: &str) -> Option<&'a FieldDef> {
    own_and_abstract_defs(files, &model.label).into_iter().flat_map(|d| d.fields.iter()).find(|f| f.name.value == name)
}

/// One column as `pragma table_info` reports it.
#[derive(Debug, PartialEq, Eq)]
struct Column {
    name: String,
    decl_type: String,
    not_null: bool,
    pk: bool,
}

/// One index as `pragma index_list` + `index_xinfo` report it: its key
/// columns with their DESC flag, whether it is unique, and its origin
/// (`pk`, `u` for a UNIQUE column constraint, `c` for CREATE INDEX).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Index {
    columns: Vec<(String, bool)>,
    unique: bool,
    origin: String,
}

/// A foreign key as `pragma foreign_key_list` reports it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct ForeignKey {
    from: String,
    table: String,
    to: String,
}

struct Actual<'c> {
    conn: &'c Connection,
}

impl Actual<'_> {
    fn tables(&self) -> BTreeSet<String> {
        let mut stmt = self.conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence'").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    fn columns(&self, table: &str) -> Vec<Column> {
        let mut stmt = self.conn.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid").unwrap();
        stmt.query_map([table], |r| {
            Ok(Column { name: r.get(0)?, decl_type: r.get(1)?, not_null: r.get::<_, i64>(2)? != 0, pk: r.get::<_, i64>(3)? != 0 })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    /// Foreign keys, and every ON DELETE action SQLite was given.
    fn foreign_keys(&self, table: &str) -> (Vec<ForeignKey>, BTreeSet<String>) {
        let mut stmt = self.conn.prepare("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list(?1)").unwrap();
        let rows: Vec<(ForeignKey, String)> = stmt
            .query_map([table], |r| Ok((ForeignKey { from: r.get(0)?, table: r.get(1)?, to: r.get(2)? }, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let actions = rows.iter().map(|(_, a)| a.clone()).collect();
        let mut fks: Vec<ForeignKey> = rows.into_iter().map(|(fk, _)| fk).collect();
        fks.sort();
        (fks, actions)
    }

    fn indexes(&self, table: &str) -> Vec<Index> {
        let mut stmt = self.conn.prepare("SELECT name, \"unique\", origin FROM pragma_index_list(?1)").unwrap();
        let list: Vec<(String, bool, String)> = stmt
            .query_map([table], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut out: Vec<Index> = list
            .into_iter()
            .map(|(name, unique, origin)| {
                let mut info =
                    self.conn.prepare("SELECT name, \"desc\" FROM pragma_index_xinfo(?1) WHERE \"key\" = 1 ORDER BY seqno").unwrap();
                let columns = info
                    .query_map([&name], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? != 0)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                Index { columns, unique, origin }
            })
            .collect();
        out.sort();
        out
    }
}

fn column(name: &str, decl_type: &str, not_null: bool, pk: bool) -> Column {
    Column { name: name.into(), decl_type: decl_type.into(), not_null, pk }
}

/// SQLite reports some declared types in its own case (`INTEGER`, `TEXT`).
fn same_columns(got: &[Column], want: &[Column]) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(g, w)| {
            g.name == w.name && g.decl_type.eq_ignore_ascii_case(&w.decl_type) && g.not_null == w.not_null && g.pk == w.pk
        })
}

fn single(col: &str, unique: bool, origin: &str) -> Index {
    Index { columns: vec![(col.to_string(), false)], unique, origin: origin.into() }
}

/// SQLite makes an `INTEGER PRIMARY KEY` the rowid (no index); any other
/// primary key gets an automatic unique index.
fn pk_gets_autoindex(field: &Field) -> bool {
    !field.sql_type.eq_ignore_ascii_case("integer")
}

/// Check one database against one project; returns every mismatch.
fn check_database(conn: &Connection, project: &Project, files: &[SchemaFile]) -> Vec<String> {
    let actual = Actual { conn };
    let mut problems = Vec::new();
    let mut expected_tables = BTreeSet::new();
    let mut check = |what: String, ok: bool, detail: String| {
        if !ok {
            problems.push(format!("{what}: {detail}"));
        }
    };

    for app in &project.apps {
        for model in &app.models {
            let table = &model.table;
            expected_tables.insert(table.clone());

            // Columns, in order, with type, NOT NULL and pk flags.
            let want: Vec<Column> =
                model.fields.iter().map(|f| column(&f.column, &f.sql_type, !f.null, f.primary_key)).collect();
            let got = actual.columns(table);
            check(format!("{table} columns"), same_columns(&got, &want), format!("\n  sqlite: {got:?}\n  schema: {want:?}"));

            // Foreign keys: one per relation with a constraint, to the target's pk column.
            let mut want_fks: Vec<ForeignKey> = model
                .fields
                .iter()
                .filter_map(|f| {
                    let rel = f.relation.as_ref().filter(|r| r.db_constraint)?;
                    Some(ForeignKey { from: f.column.clone(), table: rel.target_table.clone(), to: rel.target_column.clone() })
                })
                .collect();
            want_fks.sort();
            let (got_fks, actions) = actual.foreign_keys(table);
            check(format!("{table} foreign keys"), got_fks == want_fks, format!("\n  sqlite: {got_fks:?}\n  schema: {want_fks:?}"));
            // on_delete is enforced by the program, as Django does, never by SQLite.
            check(
                format!("{table} ON DELETE"),
                actions.iter().all(|a| a == "NO ACTION"),
                format!("the database was given ON DELETE actions {actions:?}"),
            );

            // Indexes: exactly the ones the schema implies.
            let mut want_idx = Vec::new();
            for field in &model.fields {
                if field.primary_key {
                    if pk_gets_autoindex(field) {
                        want_idx.push(single(&field.column, true, "pk"));
                    }
                } else if field.unique {
                    want_idx.push(single(&field.column, true, "u"));
                }
                if field.db_index {
                    want_idx.push(single(&field.column, false, "c"));
                }
            }
            for group in &model.unique_together {
                want_idx.push(Index { columns: group.iter().map(|c| (c.clone(), false)).collect(), unique: true, origin: "c".into() });
            }
            // A UniqueConstraint is a table constraint ("u"), or with a
            // condition a CREATE UNIQUE INDEX ("c").
            for constraint in &model.constraints {
                if let modelgen::ir::Constraint::Unique { columns, condition, .. } = constraint {
                    let origin = if condition.is_some() { "c" } else { "u" };
                    want_idx.push(Index { columns: columns.iter().map(|c| (c.clone(), false)).collect(), unique: true, origin: origin.into() });
                }
            }
            let meta_indexes = own_and_abstract_defs(files, &model.label).into_iter().map(|d| &d.meta.indexes).find(|i| !i.is_empty());
            for index in meta_indexes.into_iter().flatten() {
                let columns = index
                    .fields
                    .iter()
                    .map(|name| {
                        let bare = name.value.trim_start_matches('-');
                        let field = model.fields.iter().find(|f| f.name == bare).unwrap_or_else(|| panic!("{table}: no field {bare}"));
                        (field.column.clone(), name.value.starts_with('-'))
                    })
                    .collect();
                want_idx.push(Index { columns, unique: false, origin: "c".into() });
            }
            want_idx.sort();
            let got_idx = actual.indexes(table);
            check(format!("{table} indexes"), got_idx == want_idx, format!("\n  sqlite: {got_idx:?}\n  schema: {want_idx:?}"));

            // Independently of the IR's db_index: a ForeignKey column is indexed
            // (its own index, or a unique one) unless the schema says `db_index: false`.
            for field in model.fields.iter().filter(|f| f.relation.is_some() && !f.primary_key) {
                let opted_out = field_def(files, model, &field.name)
                    .and_then(|d| d.db_index.as_ref())
                    .is_some_and(|d| !d.value);
                let indexed = got_idx.iter().any(|i| i.columns.first().is_some_and(|(c, _)| c == &field.column));
                check(
                    format!("{table}.{} index", field.column),
                    indexed != opted_out,
                    if opted_out { "indexed despite `db_index: false`".into() } else { "foreign key column has no index".into() },
                );
            }

            // Auto-created many-to-many tables.
            for m2m in model.many_to_many.iter().filter(|m| m.auto_created) {
                let through = &m2m.through_table;
                expected_tables.insert(through.clone());
                let want = vec![
                    column("id", "integer", true, true),
                    column(&m2m.source_column, &m2m.source_sql_type, true, false),
                    column(&m2m.target_column, &m2m.target_sql_type, true, false),
                ];
                let got = actual.columns(through);
                check(format!("{through} columns"), same_columns(&got, &want), format!("\n  sqlite: {got:?}\n  schema: {want:?}"));
                let mut want_fks = Vec::new();
                if m2m.db_constraint {
                    want_fks.push(ForeignKey { from: m2m.source_column.clone(), table: model.table.clone(), to: m2m.source_pk_column.clone() });
                    want_fks.push(ForeignKey { from: m2m.target_column.clone(), table: m2m.target_table.clone(), to: m2m.target_pk_column.clone() });
                }
                want_fks.sort();
                let (got_fks, _) = actual.foreign_keys(through);
                check(format!("{through} foreign keys"), got_fks == want_fks, format!("\n  sqlite: {got_fks:?}\n  schema: {want_fks:?}"));
                let mut want_idx = vec![
                    Index {
                        columns: vec![(m2m.source_column.clone(), false), (m2m.target_column.clone(), false)],
                        unique: true,
                        origin: "c".into(),
                    },
                    single(&m2m.source_column, false, "c"),
                    single(&m2m.target_column, false, "c"),
                ];
                want_idx.sort();
                let got_idx = actual.indexes(through);
                check(format!("{through} indexes"), got_idx == want_idx, format!("\n  sqlite: {got_idx:?}\n  schema: {want_idx:?}"));
            }
        }
    }
    let got_tables = actual.tables();
    check("tables".into(), got_tables == expected_tables, format!("\n  sqlite: {got_tables:?}\n  schema: {expected_tables:?}"));

    // The empty schema is consistent.
    let violations: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    check("foreign_key_check".into(), violations == 0, format!("{violations} violations"));
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    check("integrity_check".into(), integrity == "ok", integrity);
    problems
}

fn open() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    let on: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(on, 1, "this SQLite has no foreign key support");
    conn
}

/// The checked-in generated/*.sql, every app in one database.
#[test]
fn generated_sql_applies_to_sqlite_and_matches_the_schemas() {
    let (project, files) = load("schemas");
    let conn = open();
    for app in &project.apps {
        let path = root().join("generated").join(format!("{}.sql", app.file_stem));
        let sql = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        conn.execute_batch(&sql).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let problems = check_database(&conn, &project, &files);
    assert!(problems.is_empty(), "SQLite disagrees with the schemas:\n{}", problems.join("\n"));
}

/// tests/django/schemas (custom keys, db_column, db_index, meta.indexes,
/// multi-level inheritance, ...): the compiled DDL in SQLite.
#[test]
fn coverage_schema_ddl_applies_to_sqlite_and_matches_the_schemas() {
    let (project, files) = load("tests/django/schemas");
    let conn = open();
    for app in &project.apps {
        conn.execute_batch(&app.ddl()).unwrap_or_else(|e| panic!("{}: {e}", app.label));
    }
    let problems = check_database(&conn, &project, &files);
    assert!(problems.is_empty(), "SQLite disagrees with the schemas:\n{}", problems.join("\n"));
}

/// The database the DDL makes enforces what the schema says: a foreign key
/// to a missing row fails at COMMIT (deferred, as Django declares them), a
/// duplicate in a unique column fails at once.
#[test]
fn generated_constraints_are_enforced() {
    let (project, _) = load("schemas");
    let conn = open();
    for app in &project.apps {
        conn.execute_batch(&app.ddl()).unwrap();
    }
    let models: BTreeMap<&str, &Model> = project.apps.iter().flat_map(|a| &a.models).map(|m| (m.label.as_str(), m)).collect();
    // A model with a constrained, non-null foreign key whose other columns
    // are all nullable or defaulted by the database is rare, so write every
    // column: text for text types, 0 for numbers, a date string for dates.
    let value_for = |f: &Field| -> rusqlite::types::Value {
        use rusqlite::types::Value;
        match f.sql_type.as_str() {
            t if t.starts_with("varchar") || t == "text" || t.starts_with("char") => {
                if f.django_type == "JSONField" {
                    Value::Text("{}".into())
                } else {
                    Value::Text(format!("{}-{}", f.column, 1))
                }
            }
            "date" => Value::Text("2024-01-01".into()),
            "datetime" => Value::Text("2024-01-01 00:00:00".into()),
            "time" => Value::Text("00:00:00".into()),
            "BLOB" => Value::Blob(Vec::new()),
            _ => Value::Integer(0),
        }
    };
    let mut checked_fk = false;
    let mut checked_unique = false;
    for model in models.values() {
        let pk = &model.fields[model.pk];
        // Zeros and placeholder text would fail a model's CHECK constraints.
        if pk.auto && pk.relation.is_none() && model.constraints.is_empty() {
            let cols: Vec<&Field> = model.fields.iter().filter(|f| !f.primary_key).collect();
            // Foreign key to a row that does not exist: deferred to COMMIT.
            if let Some(fk) = cols.iter().find(|f| f.relation.as_ref().is_some_and(|r| r.db_constraint) && !f.unique) {
                let names: Vec<String> = cols.iter().map(|f| format!("\"{}\"", f.column)).collect();
                let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                let mut values: Vec<rusqlite::types::Value> = cols.iter().map(|f| value_for(f)).collect();
                let at = cols.iter().position(|f| f.column == fk.column).unwrap();
                values[at] = if fk.sql_type.starts_with("varchar") || fk.sql_type.starts_with("char") {
                    rusqlite::types::Value::Text("missing".into())
                } else {
                    rusqlite::types::Value::Integer(987_654)
                };
                conn.execute_batch("BEGIN").unwrap();
                let insert = format!("INSERT INTO \"{}\" ({}) VALUES ({})", model.table, names.join(", "), marks.join(", "));
                conn.execute(&insert, rusqlite::params_from_iter(values.iter())).unwrap_or_else(|e| panic!("{insert}: {e}"));
                let commit = conn.execute_batch("COMMIT");
                assert!(commit.is_err(), "{}.{}: a dangling foreign key was committed", model.table, fk.column);
                conn.execute_batch("ROLLBACK").unwrap();
                checked_fk = true;
            }
            // Two rows with the same value in a unique column.
            if let Some(unique) = cols.iter().find(|f| f.unique && f.relation.is_none()) {
                if cols.iter().all(|f| f.relation.is_none() || f.null) {
                    let names: Vec<String> = cols.iter().map(|f| format!("\"{}\"", f.column)).collect();
                    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                    let values: Vec<rusqlite::types::Value> =
                        cols.iter().map(|f| if f.relation.is_some() { rusqlite::types::Value::Null } else { value_for(f) }).collect();
                    let insert = format!("INSERT INTO \"{}\" ({}) VALUES ({})", model.table, names.join(", "), marks.join(", "));
                    conn.execute(&insert, rusqlite::params_from_iter(values.iter())).unwrap_or_else(|e| panic!("{insert}: {e}"));
                    let again = conn.execute(&insert, rusqlite::params_from_iter(values.iter()));
                    assert!(again.is_err(), "{}.{}: a duplicate was accepted", model.table, unique.column);
                    checked_unique = true;
                }
            }
        }
    }
    assert!(checked_fk && checked_unique, "the example schemas no longer have a foreign key and a unique column to try");
}

/// Two apps whose foreign keys point at each other (ddlcheck_long and
/// ddlcheck_cycle): on SQLite each app's script applies as it is, in either
/// app order, because a `REFERENCES` inside CREATE TABLE is not checked
/// when the table is created, only when a row is written. Django 5.2 on
/// SQLite: one schema editor per app, ddlcheck_long's first, created both
/// apps' tables (on PostgreSQL the same failed; see django_ddl_postgresql.rs).
#[test]
fn sqlite_ddl_of_apps_in_a_foreign_key_cycle_applies_app_by_app_as_djangos() {
    let (project, _) = load("tests/django/schemas");
    let app = |label: &str| project.apps.iter().find(|a| a.label == label).unwrap_or_else(|| panic!("no app {label}"));
    for order in [["ddlcheck_long", "ddlcheck_cycle"], ["ddlcheck_cycle", "ddlcheck_long"]] {
        let conn = open();
        // ddlcheck_long's tables point at ddlcheck_cycle's and at nothing else outside it.
        for label in order {
            conn.execute_batch(&app(label).ddl()).unwrap_or_else(|e| panic!("{order:?}: {label}: {e}"));
        }
        conn.execute_batch(
            "BEGIN;
             INSERT INTO ddlcheck_cycle_counterparty (id, name, latest_manifest_line_id) VALUES (1, 'c', 7);
             INSERT INTO ddlcheck_long_warehouseshipmentmanifestreconciliationentry
                 (id, identifier_assigned_by_the_upstream_logistics_provider_for_tracking,
                  description_of_the_contents_as_declared_on_the_customs_paperwork_x,
                  quantity_received_at_the_loading_dock_after_inspection, counterparty_id)
                 VALUES (7, 't', 'd', 1, 1);
             COMMIT;",
        )
        .unwrap_or_else(|e| panic!("{order:?}: rows pointing at each other across the apps: {e}"));
        let dangling: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(dangling, 0);
        let broken = conn.execute_batch(
            "BEGIN; UPDATE ddlcheck_cycle_counterparty SET latest_manifest_line_id = 8; COMMIT;",
        );
        assert!(broken.is_err(), "{order:?}: a dangling cross-app foreign key was committed");
    }
}
