//! modelgen's PostgreSQL DDL against the DDL Django's PostgreSQL backend
//! creates for the same models.
//!
//! The reference is tests/django/postgresql/<app>.sql, written by
//! `tests/django/dump_ddl.py --pg HOST` (real Django 5.2 on a real
//! PostgreSQL 15 server), so the text comparisons need neither Django nor a
//! server. The catalog comparison applies both scripts to a PostgreSQL
//! server (see testing/pg: a throwaway one, or MODELGEN_TEST_PG) and is
//! skipped with one line when there is none.
//!
//! The text comparison is order-insensitive, statement by statement, because
//! on PostgreSQL Django's order carries no meaning within an app's script:
//! every CREATE TABLE stands alone (foreign keys are not inline, they are
//! `ALTER TABLE ... ADD CONSTRAINT` statements deferred to the end), and each
//! deferred statement (foreign key, unique constraint, index) depends only on
//! tables, never on another deferred statement. What matters, and is
//! checked, is that every CREATE TABLE comes before the deferred statements.
//! (modelgen also writes Django's exact order; the comparison does not rely
//! on it.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use modelgen::ddl::Dialect;
use modelgen_testing_pg::postgres;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// `(path, text)` of every `*.yaml` in the directories (relative to the root), sorted per directory.
fn schema_sources(dirs: &[&str]) -> Vec<(String, String)> {
    let root = root();
    let mut out = Vec::new();
    for dir in dirs {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        paths.sort();
        for p in paths {
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&p).unwrap()));
        }
    }
    out
}

fn compile(dirs: &[&str]) -> modelgen::ir::Project {
    modelgen::compile(&schema_sources(dirs)).unwrap_or_else(|e| panic!("{dirs:?} does not compile:\n{e}"))
}

/// The example schemas and the coverage schemas of tests/django/schemas
/// (which point at each other, so they compile together).
fn every_schema() -> modelgen::ir::Project {
    compile(&["schemas", "tests/django/schemas"])
}

/// The statements of a script: one per line, `--` comments and blank lines skipped.
fn statements(text: &str) -> Vec<String> {
    text.lines().map(str::trim_end).filter(|l| !l.is_empty() && !l.starts_with("--")).map(str::to_string).collect()
}

fn reference_path(app: &str) -> PathBuf {
    root().join("tests/django/postgresql").join(format!("{app}.sql"))
}

fn django_reference(app: &str) -> Vec<String> {
    let path = reference_path(app);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e} (regenerate with `python tests/django/dump_ddl.py --pg HOST`)", path.display())
    });
    statements(&text)
}

/// The first double-quoted identifier after `prefix` (`CREATE TABLE "x"` -> x).
fn quoted_after<'a>(statement: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = statement.strip_prefix(prefix)?.strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

/// The identifier after the first ` ON ` of an index statement.
fn index_table(statement: &str) -> Option<&str> {
    let rest = &statement[statement.find(" ON \"")? + 5..];
    Some(&rest[..rest.find('"')?])
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Kind {
    Table,
    /// CREATE [UNIQUE] INDEX: named in the schema's relation namespace.
    Index,
    /// ALTER TABLE ... ADD CONSTRAINT: named per table.
    Constraint,
}

/// (kind, table, object name); `None` for a statement of no known shape.
fn classify(statement: &str) -> Option<(Kind, String, String)> {
    if let Some(table) = quoted_after(statement, "CREATE TABLE ") {
        return Some((Kind::Table, table.to_string(), table.to_string()));
    }
    for prefix in ["CREATE UNIQUE INDEX ", "CREATE INDEX "] {
        if let Some(name) = quoted_after(statement, prefix) {
            return Some((Kind::Index, index_table(statement)?.to_string(), name.to_string()));
        }
    }
    let table = quoted_after(statement, "ALTER TABLE ")?;
    let rest = statement.strip_prefix(&format!("ALTER TABLE \"{table}\" "))?;
    let name = quoted_after(rest, "ADD CONSTRAINT ")?;
    Some((Kind::Constraint, table.to_string(), name.to_string()))
}

/// Every way `ours` falls short of `django`; empty when they agree.
fn compare(app: &str, ours: &[String], django: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut keyed: [BTreeMap<(Kind, String, String), String>; 2] = Default::default();
    for ((who, script), by_key) in [("modelgen", ours), ("Django", django)].into_iter().zip(keyed.iter_mut()) {
        for s in script {
            let Some(key) = classify(s) else {
                problems.push(format!("{app}: {who} emits a statement of no known shape: {s}"));
                continue;
            };
            if by_key.insert(key, s.clone()).is_some() {
                problems.push(format!("{app}: {who} emits `{s}` twice (or two statements for one object)"));
            }
        }
    }
    let [ours_by_key, django_by_key] = &keyed;
    for (key, theirs) in django_by_key {
        match ours_by_key.get(key) {
            None => problems.push(format!("{app}: Django creates {key:?}, modelgen does not:\n  django:   {theirs}")),
            Some(mine) if mine != theirs => {
                problems.push(format!("{app}: {key:?} differs:\n  modelgen: {mine}\n  django:   {theirs}"))
            }
            Some(_) => {}
        }
    }
    for (key, mine) in ours_by_key {
        if !django_by_key.contains_key(key) {
            problems.push(format!("{app}: modelgen creates {key:?}, Django does not:\n  modelgen: {mine}"));
        }
    }
    // Runnable: the tables first, then what refers to them.
    if let Some(first_deferred) = ours.iter().position(|s| !s.starts_with("CREATE TABLE ")) {
        if let Some(late) = ours[first_deferred..].iter().find(|s| s.starts_with("CREATE TABLE ")) {
            problems.push(format!("{app}: a CREATE TABLE after a deferred statement: {late}"));
        }
    }
    problems
}

fn assert_no_problems(problems: Vec<String>) {
    assert!(problems.is_empty(), "modelgen's PostgreSQL DDL differs from Django's:\n\n{}", problems.join("\n\n"));
}

/// The checked-in generated/<stem>.postgresql.sql files (what users get)
/// against Django's PostgreSQL DDL.
#[test]
fn generated_postgresql_sql_matches_django_for_every_example_schema() {
    let project = compile(&["schemas"]);
    let mut problems = Vec::new();
    for app in &project.apps {
        let path = root().join("generated").join(format!("{}.postgresql.sql", app.file_stem));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(text.starts_with("-- @generated by modelgen from "), "{}: no header", path.display());
        problems.extend(compare(&app.label, &statements(&text), &django_reference(&app.label)));
    }
    assert_no_problems(problems);
}

/// A fresh compile of schemas/ and the coverage schemas (decimal, duration
/// and text keys, literal db_defaults, condition literals) against Django.
#[test]
fn compiled_postgresql_ddl_matches_django_for_every_schema() {
    let project = every_schema();
    let mut problems = Vec::new();
    for app in &project.apps {
        problems.extend(compare(
            &app.label,
            &statements(&app.ddl_for(Dialect::Postgresql)),
            &django_reference(&app.label),
        ));
    }
    assert_no_problems(problems);
}

/// One reference per schema app, none stale, one statement per line.
#[test]
fn postgresql_reference_files_are_complete_and_current() {
    let project = every_schema();
    let labels: BTreeSet<String> = project.apps.iter().map(|a| a.label.clone()).collect();
    let files: BTreeSet<String> = std::fs::read_dir(root().join("tests/django/postgresql"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, labels, "tests/django/postgresql/*.sql must be one per schema app (rerun dump_ddl.py --pg)");
    for label in &labels {
        for s in django_reference(label) {
            assert!(s.ends_with(';'), "{label}: not one statement per line: {s}");
        }
    }
}

/// The comparison itself catches a changed statement, a missing one, an
/// extra one and a table after the deferred statements.
#[test]
fn postgresql_comparison_catches_differences() {
    let django: Vec<String> = [
        r#"CREATE TABLE "a_b" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "c_id" bigint NOT NULL);"#,
        r#"CREATE TABLE "a_c" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY);"#,
        r#"ALTER TABLE "a_b" ADD CONSTRAINT "a_b_c_id_1_fk_a_c_id" FOREIGN KEY ("c_id") REFERENCES "a_c" ("id") DEFERRABLE INITIALLY DEFERRED;"#,
        r#"CREATE INDEX "a_b_c_id_1" ON "a_b" ("c_id");"#,
    ]
    .map(String::from)
    .to_vec();
    assert!(compare("a", &django, &django).is_empty());
    let reordered = vec![django[1].clone(), django[0].clone(), django[3].clone(), django[2].clone()];
    assert!(compare("a", &reordered, &django).is_empty(), "order within tables and within deferred statements is free");
    let changed = vec![
        django[0].replace("bigint NOT NULL);", "integer NOT NULL);"),
        django[1].clone(),
        django[2].clone(),
        django[3].clone(),
    ];
    assert!(compare("a", &changed, &django).iter().any(|p| p.contains("differs")));
    let missing = &django[..3];
    assert!(compare("a", missing, &django).iter().any(|p| p.contains("Django creates (Index")));
    let mut extra = django.clone();
    extra.push(r#"CREATE INDEX "a_b_c_id_1_like" ON "a_b" ("c_id" varchar_pattern_ops);"#.into());
    assert!(compare("a", &extra, &django).iter().any(|p| p.contains("modelgen creates (Index")));
    let late = vec![django[0].clone(), django[2].clone(), django[1].clone(), django[3].clone()];
    assert!(compare("a", &late, &django).iter().any(|p| p.contains("CREATE TABLE after")));
}

// ------------------------------------------------------------- on a server

/// The whole project's script in `dialect`: every app's CREATE TABLEs, then
/// every app's deferred statements (a foreign key may point at a table of
/// an app later in the list when apps refer to each other).
fn tables_first(scripts: &[Vec<String>]) -> String {
    let (tables, deferred): (Vec<&String>, Vec<&String>) =
        scripts.iter().flatten().partition(|s| s.starts_with("CREATE TABLE "));
    tables.into_iter().chain(deferred).map(|s| format!("{s}\n")).collect()
}

/// What the server's catalog says about the tables of the public schema:
/// columns with their types, nullability, defaults and identity; every
/// index's definition; every constraint's definition and deferrability.
fn catalog(client: &mut postgres::Client) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    let queries: [(&'static str, &str); 3] = [
        (
            "columns",
            "SELECT concat_ws(' | ', table_name, ordinal_position::text, column_name, data_type,
                    character_maximum_length::text, numeric_precision::text, numeric_scale::text,
                    is_nullable, column_default, is_identity, identity_generation)
             FROM information_schema.columns WHERE table_schema = 'public'",
        ),
        (
            "indexes",
            "SELECT concat_ws(' | ', tablename, indexname, indexdef) FROM pg_indexes WHERE schemaname = 'public'",
        ),
        (
            "constraints",
            "SELECT concat_ws(' | ', c.conrelid::regclass::text, c.conname, c.contype::text,
                    pg_get_constraintdef(c.oid), c.condeferrable::text, c.condeferred::text)
             FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'",
        ),
    ];
    for (what, query) in queries {
        let mut rows: Vec<String> = client.query(query, &[]).unwrap().iter().map(|r| r.get::<_, String>(0)).collect();
        rows.sort();
        out.insert(what, rows);
    }
    out
}

/// modelgen's PostgreSQL DDL and Django's, each applied to a fresh database
/// on a real server, leave the same catalog: the same columns (types,
/// nullability, defaults, identity), indexes and constraints (with their
/// deferrability). Every schema: the examples and the coverage ones.
#[test]
fn postgresql_catalog_after_modelgens_ddl_equals_the_catalog_after_djangos() {
    let Some(server) = modelgen_testing_pg::server() else { return };
    let project = every_schema();
    let ours: Vec<Vec<String>> = project.apps.iter().map(|a| statements(&a.ddl_for(Dialect::Postgresql))).collect();
    let django: Vec<Vec<String>> = project.apps.iter().map(|a| django_reference(&a.label)).collect();
    let mut catalogs = Vec::new();
    for (who, scripts) in [("modelgen", &ours), ("Django", &django)] {
        let db = server.database();
        let mut client = db.connect();
        client
            .batch_execute(&tables_first(scripts))
            .unwrap_or_else(|e| panic!("{who}'s PostgreSQL DDL does not apply on {}: {e}", server.description()));
        catalogs.push(catalog(&mut client));
    }
    let django_catalog = catalogs.pop().unwrap();
    let our_catalog = catalogs.pop().unwrap();
    for (what, theirs) in &django_catalog {
        assert!(!theirs.is_empty(), "no {what} in Django's catalog");
        let mine = &our_catalog[what];
        let only_ours: Vec<&String> = mine.iter().filter(|r| !theirs.contains(r)).collect();
        let only_django: Vec<&String> = theirs.iter().filter(|r| !mine.contains(r)).collect();
        assert!(
            only_ours.is_empty() && only_django.is_empty(),
            "{what} differ\nonly after modelgen's DDL:\n{only_ours:#?}\nonly after Django's:\n{only_django:#?}"
        );
    }
}

/// The generated crate's `DDL_POSTGRESQL` constants (what a program using
/// the generated models gets) create every example app on a server, in the
/// order of `APPS`, and their foreign keys are deferred to commit, as
/// Django's: a row may point at a row inserted later in the transaction.
#[test]
fn generated_postgresql_ddl_constants_apply_and_defer_foreign_keys() {
    let Some(server) = modelgen_testing_pg::server() else { return };
    use modelgen_examples as ex;
    let scripts: Vec<Vec<String>> = [
        ex::library::DDL_POSTGRESQL,
        ex::people::DDL_POSTGRESQL,
        ex::notifications::DDL_POSTGRESQL,
        ex::places::DDL_POSTGRESQL,
        ex::shop::DDL_POSTGRESQL,
        ex::weblog::DDL_POSTGRESQL,
        ex::publishing::DDL_POSTGRESQL,
        ex::vault::DDL_POSTGRESQL,
    ]
    .iter()
    .map(|ddl| statements(ddl))
    .collect();
    let db = server.database();
    let mut client = db.connect();
    client.batch_execute(&tables_first(&scripts)).unwrap();
    let mut tx = client.transaction().unwrap();
    tx.batch_execute(
        "INSERT INTO shop_sale (product_id, quantity, sold_at) VALUES (1, 2, now());
         INSERT INTO shop_product (id, name, slug, price, number_sold, in_stock, sku, attributes, created, updated)
             VALUES (1, 'p', 'p', 1.50, 0, true, gen_random_uuid(), '{}', now(), now());",
    )
    .expect("a foreign key checked before commit: not DEFERRABLE INITIALLY DEFERRED");
    tx.commit().unwrap();
    // The positive field's CHECK, as Django's `CHECK ("quantity" >= 0)`.
    let negative = client.batch_execute("UPDATE shop_sale SET quantity = -1");
    let code = negative.expect_err("-1 stored in a positive field").code().cloned();
    assert_eq!(code, Some(postgres::error::SqlState::CHECK_VIOLATION));
}

/// `modelgen ddl --dialect postgresql` of every schema (`Config::ddl_for`),
/// whose apps ddlcheck_long and ddlcheck_cycle point at each other.
fn every_schema_ddl(dialect: Dialect) -> String {
    let mut config = modelgen::Config::new();
    for (path, _) in schema_sources(&["schemas", "tests/django/schemas"]) {
        config.schema(root().join(path));
    }
    config.ddl_for(dialect).unwrap_or_else(|e| panic!("{e}"))
}

/// A foreign-key cycle across apps (ddlcheck_long <-> ddlcheck_cycle):
/// `Config::ddl_for(Postgresql)` prints every app's CREATE TABLEs before
/// any foreign key, as Django's one schema editor over all apps
/// (`migrate --run-syncdb`) runs them, and the script applies on a server
/// in the printed order. App by app it would not: Django 5.2 on PostgreSQL
/// with one schema editor per app (ddlcheck_long's first) failed with
/// `relation "ddlcheck_cycle_counterparty" does not exist`, and with one
/// editor for both created all five tables, 5 CREATE TABLEs then 18
/// statements none of which a CREATE TABLE. Without a cycle the apps'
/// scripts stay as their files (the CLI's tests).
#[test]
fn postgresql_ddl_of_apps_in_a_foreign_key_cycle_creates_every_table_first_as_djangos_syncdb() {
    let sql = every_schema_ddl(Dialect::Postgresql);
    let all = statements(&sql);
    let first_other = all.iter().position(|s| !s.starts_with("CREATE TABLE ")).expect("no foreign keys");
    assert!(
        all[first_other..].iter().all(|s| !s.starts_with("CREATE TABLE ")),
        "a CREATE TABLE after a foreign key:\n{sql}"
    );
    // Nothing lost or added: the same statements as the apps' own scripts.
    let project = every_schema();
    let mut per_app: Vec<String> =
        project.apps.iter().flat_map(|a| statements(&a.ddl_for(Dialect::Postgresql))).collect();
    let mut printed = all.clone();
    per_app.sort();
    printed.sort();
    assert_eq!(printed, per_app);
    // The cycle is real: app by app, one app's foreign key finds no table.
    let labels: Vec<&str> = project.apps.iter().map(|a| a.label.as_str()).collect();
    let long = labels.iter().position(|l| *l == "ddlcheck_long").unwrap();
    let cycle = labels.iter().position(|l| *l == "ddlcheck_cycle").unwrap();
    assert!(project.apps[long.min(cycle)].depends_on.contains(&project.apps[long.max(cycle)].label));

    let Some(server) = modelgen_testing_pg::server() else { return };
    let db = server.database();
    let mut client = db.connect();
    client.batch_execute(&sql).unwrap_or_else(|e| panic!("the printed script does not apply: {e}"));
    let mut tx = client.transaction().unwrap();
    tx.batch_execute(
        "INSERT INTO ddlcheck_cycle_counterparty (id, name, latest_manifest_line_id) VALUES (1, 'c', 7);
         INSERT INTO ddlcheck_long_warehouseshipmentmanifestreconciliationentry
             (id, identifier_assigned_by_the_upstream_logistics_provider_for_tracking,
              description_of_the_contents_as_declared_on_the_customs_paperwork_x,
              quantity_received_at_the_loading_dock_after_inspection, counterparty_id)
             VALUES (7, 't', 'd', 1, 1);",
    )
    .unwrap();
    tx.commit().expect("rows pointing at each other across the apps, checked at commit");

    let app_by_app: String = project.apps.iter().map(|a| a.ddl_for(Dialect::Postgresql)).collect();
    let db = server.database();
    let mut client = db.connect();
    let err = client.batch_execute(&app_by_app).expect_err("app by app, a foreign key before its table");
    assert_eq!(err.code(), Some(&postgres::error::SqlState::UNDEFINED_TABLE), "{err}");
}

/// Names longer than PostgreSQL's 63 characters (tests/django/schemas/
/// ddlcheck_long.yaml): Django keeps explicit long table and column names
/// as written and PostgreSQL truncates them, alike for both scripts; the
/// catalog then holds the 63-character prefixes, and Django's shortened
/// index and constraint names. (The whole catalog is compared by
/// `postgresql_catalog_after_modelgens_ddl_equals_the_catalog_after_djangos`.)
#[test]
fn postgresql_truncates_long_names_alike_for_modelgens_ddl_and_djangos() {
    let Some(server) = modelgen_testing_pg::server() else { return };
    let db = server.database();
    let mut client = db.connect();
    client.batch_execute(&every_schema_ddl(Dialect::Postgresql)).unwrap();
    let tables: Vec<String> = client
        .query("SELECT tablename::text FROM pg_tables WHERE tablename LIKE 'ddlcheck_long_notes%'", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Django 5.2 on PostgreSQL: the same name, in `connection.introspection.table_names()`.
    assert_eq!(tables, ["ddlcheck_long_notes_written_by_the_supervisors_about_each_audit"]);
    let column: String = client
        .query_one(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_name = 'ddlcheck_long_warehouseshipmentmanifestreconciliationentry' AND column_name LIKE 'identifier%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(column, "identifier_assigned_by_the_upstream_logistics_provider_for_trac");
    assert_eq!(column.len(), 63);
    // A query naming the full column reaches it: PostgreSQL truncates every identifier it reads.
    client
        .batch_execute(
            "SELECT identifier_assigned_by_the_upstream_logistics_provider_for_tracking
             FROM ddlcheck_long_notes_written_by_the_supervisors_about_each_audit_of_a_manifest_line
             JOIN ddlcheck_long_warehouseshipmentmanifestreconciliationentry ON true",
        )
        .unwrap();
    let longest: i32 = client
        .query_one(
            "SELECT max(length(name))::int FROM (SELECT indexname::text AS name FROM pg_indexes WHERE tablename LIKE 'ddlcheck_long%'
             UNION ALL SELECT conname::text FROM pg_constraint) names",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(longest <= 63);
}

// ------------------------------------------- the dialect differences users meet

/// The differences docs/postgresql.md lists under "SQLite and PostgreSQL
/// differences users meet", each run on both: SQLite in memory and the
/// PostgreSQL test server. The tables are Django's DDL for a CharField
/// (max_length 3), an IntegerField, a DecimalField (5, 2) and a JSONField.
#[test]
fn sqlite_and_postgresql_differ_as_docs_postgresql_md_says() {
    let Some(server) = modelgen_testing_pg::server() else { return };
    let db = server.database();
    let mut pg = db.connect();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    pg.batch_execute(
        r#"CREATE TABLE "t" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "name" varchar(3) NOT NULL, "n" integer NOT NULL, "d" numeric(5, 2) NULL, "j" jsonb NULL);"#,
    )
    .unwrap();
    lite.execute_batch(
        r#"CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(3) NOT NULL, "n" integer NOT NULL, "d" decimal NULL, "j" text NULL CHECK ((JSON_VALID("j") OR "j" IS NULL)));"#,
    )
    .unwrap();
    let pg_state = |e: &postgres::Error| e.code().map(|c| c.code().to_string());
    let lite_text = |sql: &str| -> String { lite.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap() };
    let pg_text = |pg: &mut postgres::Client, sql: &str| -> String { pg.query_one(sql, &[]).unwrap().get(0) };

    // LIKE (Django's contains/startswith): case-sensitive on PostgreSQL, ASCII
    // case-insensitive on SQLite; upper() (Django's iexact/icontains) folds
    // only ASCII on SQLite, and on PostgreSQL follows the database's
    // LC_CTYPE: only ASCII under C (this test server: initdb --no-locale),
    // `É` under C.UTF-8 (measured on the Django oracle's server).
    let ctype = pg_text(&mut pg, "SELECT current_setting('lc_ctype')");
    let upper_e = if ctype == "C" || ctype == "POSIX" { "é" } else { "É" };
    let like = "SELECT concat_ws(',', 'Abc' LIKE '%a%', 'É' LIKE 'é', upper('é'))";
    assert_eq!(pg_text(&mut pg, like), format!("f,f,{upper_e}"), "lc_ctype {ctype}");
    assert_eq!(lite_text("SELECT ('Abc' LIKE '%a%') || ',' || ('É' LIKE 'é') || ',' || upper('é')"), "1,0,é");

    // String order: byte order on SQLite (BINARY) and on this server's
    // C collation alike (`'a' < 'B'` false on both).
    assert_eq!(pg_text(&mut pg, "SELECT ('a' < 'B')::text"), "false");
    assert_eq!(lite_text("SELECT CAST('a' < 'B' AS TEXT)"), "0");

    // NULLs sort last ascending on PostgreSQL, first on SQLite.
    let pg_order: Vec<Option<i32>> = pg
        .query("SELECT v FROM (VALUES (1), (NULL), (2)) t(v) ORDER BY v", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(pg_order, [Some(1), Some(2), None]);
    let mut stmt = lite.prepare("SELECT v FROM (SELECT 1 v UNION ALL SELECT NULL UNION ALL SELECT 2) ORDER BY v").unwrap();
    let lite_order: Vec<Option<i64>> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(lite_order, [None, Some(1), Some(2)]);

    // An integer column's range: PostgreSQL's integer is 32 bits and
    // overflow is an error (22003); SQLite stores any 64-bit integer, and
    // integer arithmetic past 64 bits gives a float.
    let too_big = pg.batch_execute("INSERT INTO t (name, n) VALUES ('a', 2147483648)").unwrap_err();
    assert_eq!(pg_state(&too_big).as_deref(), Some("22003"));
    lite.execute_batch("INSERT INTO t (name, n) VALUES ('a', 2147483648)").unwrap();
    let overflow = pg.batch_execute("SELECT 9223372036854775807::bigint + 1").unwrap_err();
    assert_eq!(pg_state(&overflow).as_deref(), Some("22003"));
    assert_eq!(lite.query_row("SELECT typeof(9223372036854775807 + 1)", [], |r| r.get::<_, String>(0)).unwrap(), "real");

    // varchar(n) is enforced on PostgreSQL (22001), not on SQLite.
    let long = pg.batch_execute("INSERT INTO t (name, n) VALUES ('abcd', 0)").unwrap_err();
    assert_eq!(pg_state(&long).as_deref(), Some("22001"));
    lite.execute_batch("INSERT INTO t (name, n) VALUES ('abcd', 0)").unwrap();

    // numeric(5, 2) keeps its scale and rejects what does not fit; SQLite's
    // decimal column stores 1.10 as the float 1.1.
    assert_eq!(pg_text(&mut pg, "SELECT 1.10::numeric(5, 2)::text"), "1.10");
    assert_eq!(pg_state(&pg.batch_execute("SELECT 1000::numeric(5, 2)").unwrap_err()).as_deref(), Some("22003"));
    lite.execute_batch("INSERT INTO t (name, n, d) VALUES ('d', 0, 1.10)").unwrap();
    assert_eq!(lite_text("SELECT d || ' ' || typeof(d) FROM t WHERE name = 'd'"), "1.1 real");

    // jsonb normalizes: keys sorted (shorter first), the last duplicate
    // kept, whitespace rewritten; SQLite keeps the text as written.
    let json = r#"{"bb": 1, "a": 2, "a": 3}"#;
    assert_eq!(pg_text(&mut pg, &format!("SELECT '{json}'::jsonb::text")), r#"{"a": 3, "bb": 1}"#);
    assert_eq!(lite_text(&format!("SELECT '{json}'")), json);

    // Explicit keys do not move PostgreSQL's identity sequence: the next
    // default key is 1, and reaching 5 collides (23505) until Django's
    // `sqlsequencereset` statement moves it past the largest key (Django
    // 5.2's `sequence_reset_sql` for a model with table `seq_product` gave
    // this statement with that table name). SQLite's AUTOINCREMENT
    // continues after the largest key by itself.
    pg.batch_execute("INSERT INTO t (id, name, n) VALUES (5, 'x', 0)").unwrap();
    let next: i64 = pg.query_one("INSERT INTO t (name, n) VALUES ('y', 0) RETURNING id", &[]).unwrap().get(0);
    assert_eq!(next, 1);
    pg.batch_execute("SELECT setval(pg_get_serial_sequence('t', 'id'), 4)").unwrap();
    let collision = pg.batch_execute("INSERT INTO t (name, n) VALUES ('z', 0)").unwrap_err();
    assert_eq!(pg_state(&collision).as_deref(), Some("23505"));
    pg.batch_execute(
        r#"SELECT setval(pg_get_serial_sequence('"t"','id'), coalesce(max("id"), 1), max("id") IS NOT null) FROM "t";"#,
    )
    .unwrap();
    let after_reset: i64 = pg.query_one("INSERT INTO t (name, n) VALUES ('z', 0) RETURNING id", &[]).unwrap().get(0);
    assert_eq!(after_reset, 6);
    lite.execute_batch("INSERT INTO t (id, name, n) VALUES (5, 'x', 0)").unwrap();
    let lite_next: i64 = lite.query_row("INSERT INTO t (name, n) VALUES ('y', 0) RETURNING id", [], |r| r.get(0)).unwrap();
    assert_eq!(lite_next, 6);

    // An error inside a transaction aborts it on PostgreSQL: every later
    // statement fails (25P02) until ROLLBACK (Django's atomic() blocks use
    // savepoints for this); SQLite carries on with the next statement.
    let mut tx = pg.transaction().unwrap();
    tx.batch_execute("INSERT INTO t (name, n) VALUES ('abcd', 0)").unwrap_err();
    let aborted = tx.batch_execute("SELECT 1").unwrap_err();
    assert_eq!(pg_state(&aborted).as_deref(), Some("25P02"));
    drop(tx);
    lite.execute_batch("BEGIN").unwrap();
    lite.execute_batch("INSERT INTO t (id, name, n) VALUES (5, 'dup', 0)").unwrap_err();
    lite.execute_batch("SELECT 1; COMMIT").unwrap();
}
