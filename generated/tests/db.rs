//! The database handle of the generated models: the registry of models that
//! `create_tables` fills, Django's `transaction.atomic()` semantics of
//! `Database::transaction` (a panic rolls back, a block begun with raw SQL
//! is the outer one, deferred foreign keys are checked at the commit), the
//! mapping of SQLite's constraint failures to `IntegrityError`, and moving
//! the handle across threads or back into a plain connection.

mod common;

use common::*;
use modelgen_examples::shop;
use modelgen_examples::weblog::{self, Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::{Database, Error};

#[test]
fn create_tables_registers_every_model_across_apps() {
    let db = setup();
    assert!(std::ptr::eq(db.model_for_table("weblog_entry").unwrap(), &weblog::ENTRY_META));
    assert!(std::ptr::eq(db.model_for_table("shop_sale").unwrap(), &shop::SALE_META));
    let models: usize = APPS.iter().map(|app| app.models.len()).sum();
    assert_eq!(db.models().len(), models);
    // Registering an app again changes nothing.
    db.register(&weblog::APP);
    assert_eq!(db.models().len(), models);
}

#[test]
fn transaction_rolls_back_when_the_closure_panics() {
    let db = setup();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = db.transaction(|db| -> modelgen_runtime::Result<()> {
            blog(db, "lost");
            panic!("boom");
        });
    }));
    assert!(result.is_err());
    assert!(!db.in_transaction());
    assert_eq!(count(&db, "weblog_blog"), 0);
    // The handle is still usable.
    blog(&db, "kept");
    assert_eq!(count(&db, "weblog_blog"), 1);
}

#[test]
fn deferred_foreign_key_violation_fails_the_commit_and_rolls_back() {
    // Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: inside a
    // transaction the orphan is accepted, and the COMMIT fails.
    let db = setup();
    let result = db.transaction(|db| {
        blog(db, "kept only if committed");
        let mut orphan = Entry::new(Key::new(99), date(2024, 1, 1));
        orphan.headline = "orphan".into();
        orphan.save(db)
    });
    match result {
        Err(Error::Integrity(m)) => assert_integrity_text(
            &m,
            "FOREIGN KEY constraint failed",
            r#"insert or update on table "weblog_entry" violates foreign key constraint "weblog_entry_blog_id_0cb658a4_fk_weblog_blog_id""#,
        ),
        other => panic!("expected an integrity error at the commit, got {other:?}"),
    }
    assert!(!db.in_transaction());
    assert_eq!((count(&db, "weblog_blog"), count(&db, "weblog_entry")), (0, 0));
}

#[test]
fn transaction_begun_with_raw_sql_is_an_outer_block() {
    if common::sqlite_only("uses the rusqlite connection (raw BEGIN, SQLite's error codes, sqlite_master)") {
        return;
    }
    let db = setup();
    db.sqlite_connection().expect("an SQLite database").execute_batch("BEGIN").unwrap();
    let inner: modelgen_runtime::Result<()> = db.transaction(|db| {
        blog(db, "undone");
        Err(Error::Misuse("x".into()))
    });
    assert!(inner.is_err());
    assert!(db.in_transaction(), "only the savepoint is rolled back");
    blog(&db, "kept");
    db.sqlite_connection().expect("an SQLite database").execute_batch("COMMIT").unwrap();
    let names: Vec<String> = Blog::objects().all(&db).unwrap().into_iter().map(|b| b.name).collect();
    assert_eq!(names, vec!["kept"]);
}

#[test]
fn integrity_errors_are_mapped_from_every_constraint_kind() {
    if common::sqlite_only("uses the rusqlite connection (raw BEGIN, SQLite's error codes, sqlite_master)") {
        return;
    }
    let db = setup();
    let conn = db.sqlite_connection().expect("an SQLite database");
    let not_null = conn
        .execute(r#"INSERT INTO "weblog_blog" ("name", "tagline") VALUES (NULL, '')"#, [])
        .map_err(Error::from)
        .unwrap_err();
    assert!(not_null.is_integrity(), "{not_null:?}");
    assert_eq!(not_null.to_string(), "NOT NULL constraint failed: weblog_blog.name");
    // JSONField: CHECK ((JSON_VALID("attributes") OR "attributes" IS NULL)).
    let check =
        insert_product_row(&db, "NULL, 'p', 'p', 1, 0, 1, 'x', '{not json', '2024-01-01', '2024-01-01'").unwrap_err();
    assert!(matches!(check, Error::Integrity(ref m) if m.starts_with("CHECK constraint failed")), "{check:?}");
    let mut p = shop::Product::new();
    p.name = "p".into();
    p.slug = "taken".into();
    p.save(&db).unwrap();
    let unique =
        insert_product_row(&db, "NULL, 'q', 'taken', 1, 0, 1, 'z', '{}', '2024-01-01', '2024-01-01'").unwrap_err();
    assert_eq!(unique.to_string(), "UNIQUE constraint failed: shop_product.slug");
    let other = conn.execute("SELECT nonsense FROM nowhere", []).map_err(Error::from).unwrap_err();
    assert!(matches!(other, Error::MissingTable { ref table } if table == "nowhere"), "{other:?}");
    assert!(!other.is_integrity());
    let syntax = conn.execute("SELEC 1", []).map_err(Error::from).unwrap_err();
    assert!(matches!(syntax, Error::Database(_)), "{syntax:?}");
}

#[test]
fn database_handle_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Database>();
    let db = setup();
    blog(&db, "moved");
    let handle = std::thread::spawn(move || Blog::objects().count(&db).unwrap());
    assert_eq!(handle.join().unwrap(), 1);
}

#[test]
fn error_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Error>();
}

#[test]
fn into_connection_gives_back_a_working_connection() {
    if common::sqlite_only("uses the rusqlite connection (raw BEGIN, SQLite's error codes, sqlite_master)") {
        return;
    }
    let db = setup();
    blog(&db, "a");
    let mut b = blog(&db, "b");
    b.name = "c".into();
    b.save(&db).unwrap();
    let conn = db.into_sqlite_connection().expect("an SQLite database");
    let names: Vec<String> = {
        let mut stmt = conn.prepare(r#"SELECT "name" FROM "weblog_blog" ORDER BY "id""#).unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    assert_eq!(names, vec!["a", "c"]);
    conn.close().map_err(|(_, e)| e).unwrap();
}

/// Every table and index of the database, as `type name`, sorted.
fn schema_objects(db: &Database) -> Vec<String> {
    let mut stmt = db
        .sqlite_connection().expect("an SQLite database")
        .prepare("SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite%' ORDER BY 1")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

#[test]
fn create_tables_run_twice_creates_nothing_and_keeps_the_rows() {
    if common::sqlite_only("uses the rusqlite connection (raw BEGIN, SQLite's error codes, sqlite_master)") {
        return;
    }
    // Django's `migrate` run again on a migrated database: no error, no change.
    let db = setup();
    let b = blog(&db, "kept");
    entry(&db, &b, "kept too", date(2024, 1, 1));
    let before = schema_objects(&db);
    // The same objects as the apps' DDL run as it is.
    let direct = common::empty_database();
    for app in APPS {
        direct.execute_batch(app.ddl).unwrap();
    }
    assert_eq!(schema_objects(&direct), before);
    db.create_tables(APPS).unwrap();
    assert_eq!(schema_objects(&db), before);
    assert_eq!((count(&db, "weblog_blog"), count(&db, "weblog_entry")), (1, 1));
    // A second handle on the same database file (the usual second run) too.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twice.sqlite3");
    Database::open(&path).unwrap().create_tables(APPS).unwrap();
    let again = Database::open(&path).unwrap();
    again.create_tables(APPS).unwrap();
    assert_eq!(schema_objects(&again), before);
    assert!(std::ptr::eq(again.model_for_table("weblog_entry").unwrap(), &weblog::ENTRY_META));
}

#[test]
fn create_tables_recreates_a_dropped_table_with_its_indexes() {
    if common::sqlite_only("uses the rusqlite connection (raw BEGIN, SQLite's error codes, sqlite_master)") {
        return;
    }
    let db = setup();
    let b = blog(&db, "kept");
    let before = schema_objects(&db);
    // Dropping a table drops its indexes; the many-to-many table goes too.
    db.execute_batch(r#"DROP TABLE "weblog_entry_authors"; DROP TABLE "weblog_entry";"#).unwrap();
    assert!(!schema_objects(&db).contains(&"index weblog_entry_blog_id_0cb658a4".to_owned()));
    db.create_tables(APPS).unwrap();
    assert_eq!(schema_objects(&db), before);
    assert_eq!(count(&db, "weblog_blog"), 1);
    let e = entry(&db, &b, "new", date(2024, 2, 2));
    assert_eq!(Entry::objects().filter(Entry::BLOG.eq(b.key().unwrap())).all(&db).unwrap(), vec![e]);
}

#[test]
fn create_tables_recreates_a_dropped_index() {
    if common::sqlite_only("uses the rusqlite connection (raw BEGIN, SQLite's error codes, sqlite_master)") {
        return;
    }
    let db = setup();
    let before = schema_objects(&db);
    db.execute_batch(r#"DROP INDEX "weblog_entry_authors_entry_id_author_id_80715ffc_uniq";"#).unwrap();
    db.create_tables(APPS).unwrap();
    assert_eq!(schema_objects(&db), before);
}

#[test]
fn create_tables_reports_tables_whose_columns_differ_and_creates_nothing() {
    if common::sqlite_only("uses the rusqlite connection (raw BEGIN, SQLite's error codes, sqlite_master)") {
        return;
    }
    let db = setup();
    blog(&db, "kept");
    // An extra column, a missing column, a retyped column and a column
    // whose nullability changed, in three tables; and a missing table
    // that must not be created since the others differ.
    db.execute_batch(
        r#"
        ALTER TABLE "weblog_author" ADD COLUMN "nickname" text NULL;
        ALTER TABLE "weblog_entry" DROP COLUMN "n_pingbacks";
        PRAGMA foreign_keys = OFF;
        CREATE TABLE "new_blog" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(200) NOT NULL, "tagline" text NULL, "featured_id" bigint NULL);
        INSERT INTO "new_blog" SELECT * FROM "weblog_blog";
        DROP TABLE "weblog_blog";
        ALTER TABLE "new_blog" RENAME TO "weblog_blog";
        PRAGMA foreign_keys = ON;
        DROP TABLE "weblog_entry_authors";
        "#,
    )
    .unwrap();
    let before = schema_objects(&db);
    let err = db.create_tables(APPS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "table \"weblog_author\" differs from the schema: column \"nickname\" is not in the schema\n\
         table \"weblog_blog\" differs from the schema: column \"name\" is declared `varchar(200)`, the schema says `varchar(100)`; \
         column \"tagline\" allows NULL, the schema says NOT NULL\n\
         table \"weblog_entry\" differs from the schema: column \"n_pingbacks\" is missing"
    );
    let Error::SchemaMismatch(tables) = &err else { panic!("{err:?}") };
    assert_eq!(tables.iter().map(|t| t.table.as_str()).collect::<Vec<_>>(), ["weblog_author", "weblog_blog", "weblog_entry"]);
    assert_eq!(schema_objects(&db), before, "nothing created");
    assert!(!db.in_transaction());
    assert_eq!(count(&db, "weblog_blog"), 1, "data kept");
}

/// The same check on PostgreSQL (the test above is SQLite's): the schema's
/// tables are built in a scratch schema that is rolled back, and types
/// compare as the server spells them.
#[test]
fn create_tables_reports_tables_whose_columns_differ_on_postgresql_and_creates_nothing() {
    if !common::on_postgresql() {
        return;
    }
    let db = setup();
    blog(&db, "kept");
    db.execute_batch(
        r#"
        ALTER TABLE "weblog_author" ADD COLUMN "nickname" text NULL;
        ALTER TABLE "weblog_entry" DROP COLUMN "n_pingbacks";
        ALTER TABLE "weblog_blog" ALTER COLUMN "name" TYPE varchar(200);
        ALTER TABLE "weblog_blog" ALTER COLUMN "tagline" DROP NOT NULL;
        DROP TABLE "weblog_entry_authors";
        "#,
    )
    .unwrap();
    let err = db.create_tables(APPS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "table \"weblog_author\" differs from the schema: column \"nickname\" is not in the schema\n\
         table \"weblog_blog\" differs from the schema: column \"name\" is declared `character varying(200)`, the schema says `character varying(100)`; \
         column \"tagline\" allows NULL, the schema says NOT NULL\n\
         table \"weblog_entry\" differs from the schema: column \"n_pingbacks\" is missing"
    );
    assert!(!db.in_transaction());
    let missing = db.query_raw("SELECT to_regclass('weblog_entry_authors')::text, to_regnamespace('modelgen_expected')::text", &[]).unwrap();
    assert_eq!(missing, vec![vec![Value::Null, Value::Null]], "nothing created, no scratch schema left");
    assert_eq!(count(&db, "weblog_blog"), 1, "data kept");
    // Once the table is as the schema says, the missing join table is created.
    db.execute_batch(
        r#"
        ALTER TABLE "weblog_author" DROP COLUMN "nickname";
        ALTER TABLE "weblog_entry" ADD COLUMN "n_pingbacks" integer NOT NULL DEFAULT 0;
        ALTER TABLE "weblog_blog" ALTER COLUMN "name" TYPE varchar(100);
        ALTER TABLE "weblog_blog" ALTER COLUMN "tagline" SET NOT NULL;
        "#,
    )
    .unwrap();
    db.create_tables(APPS).unwrap();
    assert_eq!(count(&db, "weblog_entry_authors"), 0);
}

#[test]
fn create_tables_reports_a_not_null_column_the_schema_allows_null() {
    if common::sqlite_only("uses the rusqlite connection (raw BEGIN, SQLite's error codes, sqlite_master)") {
        return;
    }
    let db = common::empty_database();
    db.execute_batch(r#"CREATE TABLE "weblog_blog" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "tagline" text NOT NULL, "featured_id" bigint NOT NULL);"#).unwrap();
    let err = db.create_tables(&[&weblog::APP]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "table \"weblog_blog\" differs from the schema: column \"featured_id\" is NOT NULL, the schema allows NULL"
    );
    assert_eq!(schema_objects(&db), ["table weblog_blog"]);
}

/// PostgreSQL's escape strings (`E'...'`, a quote after a backslash) and
/// dollar-quoted strings (`$$...$$`, `$fn$...$fn$`) in raw SQL may hold a
/// `?`: it stays text, and only the placeholders outside them are
/// numbered (they used to be taken for placeholders, shifting the
/// parameters).
#[test]
fn raw_sql_question_marks_in_escape_and_dollar_quoted_strings_stay_text_on_postgresql() {
    if !on_postgresql() {
        return; // `E'...'` and `$$...$$` are PostgreSQL's syntax.
    }
    let db = setup();
    let rows = db
        .query_raw(r"SELECT E'it\'s ?', $$ ? 'x $$, $fn$ $$?$$ $fn$, CAST(? AS bigint)", &[Value::Integer(7)])
        .unwrap();
    let text = |s: &str| Value::Text(s.into());
    assert_eq!(rows, [vec![text("it's ?"), text(" ? 'x "), text(" $$?$$ "), Value::Integer(7)]]);
}

/// Raw SQL reaches the database as written but for its `?` placeholders:
/// on PostgreSQL the statements used to be rewritten by string search when
/// prepared (` REGEXP ` to ` ~ `, ` LIMIT -1 OFFSET ` to ` LIMIT ALL
/// OFFSET `, `django_date_extract(...)` to `EXTRACT(...)`), which changed
/// string literals and quoted names holding those words.
#[test]
fn raw_sql_literals_and_names_holding_sqlite_spellings_are_sent_unchanged() {
    let db = setup();
    let odd = [
        "x REGEXP '(?i)' || y",
        "a REGEXP b",
        "rows LIMIT -1 OFFSET 2",
        "django_date_extract('week_day', x)",
        "django_datetime_cast_date(x, 'UTC', 'UTC')",
    ];
    let literals = odd.iter().map(|text| format!("'{}'", text.replace('\'', "''"))).collect::<Vec<_>>();
    let sql = format!(r#"SELECT {}, ? AS " ORDER BY rowid""#, literals.join(", "));
    let rows = db.query_raw(&sql, &[Value::Text("bound".into())]).unwrap();
    let mut expected = odd.iter().map(|text| Value::Text((*text).into())).collect::<Vec<_>>();
    expected.push(Value::Text("bound".into()));
    assert_eq!(rows, [expected]);
    // Written by execute_raw, read back by the ORM.
    let mut blog = Blog::new();
    blog.name = "b".into();
    blog.save(&db).unwrap();
    let changed = db
        .execute_raw(
            r#"UPDATE "weblog_blog" SET "tagline" = 'why x REGEXP y ORDER BY rowid' WHERE "id" = ?"#,
            &[Value::Integer(blog.id.unwrap())],
        )
        .unwrap();
    assert_eq!(changed, 1);
    assert_eq!(Blog::get(&db, blog.id.unwrap()).unwrap().tagline, "why x REGEXP y ORDER BY rowid");
}
