//! The database handle: pragmas, registry, transactions.

mod common;

use common::*;
use modelgen_runtime::prelude::*;

#[test]
fn foreign_keys_are_enforced_as_django_turns_them_on() {
    let db = setup();
    let on: i64 = db.connection().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(on, 1);
}

#[test]
fn create_tables_registers_every_model_across_apps() {
    let db = setup();
    assert!(std::ptr::eq(db.model_for_table("weblog_entry").unwrap(), &ENTRY_META));
    assert!(std::ptr::eq(db.model_for_table("shop_mention").unwrap(), &MENTION_META));
    assert_eq!(db.models().len(), WEBLOG.models.len() + SHOP.models.len());
    // Registering again changes nothing.
    db.register(&WEBLOG);
    assert_eq!(db.models().len(), WEBLOG.models.len() + SHOP.models.len());
}

#[test]
fn register_without_ddl_for_existing_tables() {
    let path = std::env::temp_dir().join(format!("modelgen-runtime-{}.sqlite3", std::process::id()));
    let _ = std::fs::remove_file(&path);
    {
        let db = Database::open(&path).unwrap();
        db.create_tables(&[&WEBLOG, &SHOP]).unwrap();
        create(&db, Blog::new("persisted"));
    }
    {
        let db = Database::open(&path).unwrap();
        db.register(&WEBLOG);
        db.register(&SHOP);
        let mut blog = QuerySet::<Blog>::new().get(&db).unwrap();
        assert_eq!(blog.name, "persisted");
        delete(&db, &mut blog).unwrap();
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn transaction_commits_on_ok() {
    let db = setup();
    let id = db
        .transaction(|db| {
            let blog = create(db, Blog::new("a"));
            Ok(blog.id)
        })
        .unwrap();
    assert_eq!(id, Some(1));
    assert!(!db.in_transaction());
    assert_eq!(count_rows(&db, "weblog_blog"), 1);
}

#[test]
fn nested_transaction_rolls_back_only_the_inner_block() {
    let db = setup();
    db.transaction(|db| {
        create(db, Blog::new("outer"));
        let inner: modelgen_runtime::Result<()> = db.transaction(|db| {
            create(db, Blog::new("inner"));
            Err(Error::Misuse("inner fails".into()))
        });
        assert!(inner.is_err());
        assert!(db.in_transaction());
        db.transaction(|db| {
            create(db, Blog::new("inner ok"));
            Ok(())
        })
    })
    .unwrap();
    let names: Vec<String> =
        QuerySet::<Blog>::new().order_by([Order::pk()]).all(&db).unwrap().into_iter().map(|b| b.name).collect();
    assert_eq!(names, vec!["outer", "inner ok"]);
}

#[test]
fn transaction_rolls_back_when_the_closure_panics() {
    let db = setup();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = db.transaction(|db| -> modelgen_runtime::Result<()> {
            create(db, Blog::new("a"));
            panic!("boom");
        });
    }));
    assert!(result.is_err());
    assert!(!db.in_transaction());
    assert_eq!(count_rows(&db, "weblog_blog"), 0);
    // The handle is still usable.
    create(&db, Blog::new("b"));
    assert_eq!(count_rows(&db, "weblog_blog"), 1);
}

#[test]
fn deferred_foreign_key_violation_fails_the_commit_and_rolls_back() {
    let db = setup();
    let result = db.transaction(|db| {
        create(db, Blog::new("kept only if committed"));
        db.connection()
            .execute(
                r#"INSERT INTO "weblog_entry" ("blog_id", "headline", "pub_date", "mod_date", "n_comments") VALUES (99, 'h', '2024-01-01', '2024-01-01', 0)"#,
                [],
            )
            .map_err(Error::from)?;
        Ok(())
    });
    match result {
        Err(Error::Integrity(m)) => assert_eq!(m, "FOREIGN KEY constraint failed"),
        other => panic!("{other:?}"),
    }
    assert!(!db.in_transaction());
    assert_eq!(count_rows(&db, "weblog_blog"), 0);
}

#[test]
fn transaction_begun_with_raw_sql_is_an_outer_block() {
    let db = setup();
    db.connection().execute_batch("BEGIN").unwrap();
    let r: modelgen_runtime::Result<()> = db.transaction(|db| {
        create(db, Blog::new("a"));
        Err(Error::Misuse("x".into()))
    });
    assert!(r.is_err());
    assert!(db.in_transaction());
    create(&db, Blog::new("b"));
    db.connection().execute_batch("COMMIT").unwrap();
    assert_eq!(count_rows(&db, "weblog_blog"), 1);
}

#[test]
fn integrity_errors_are_mapped_from_every_constraint_kind() {
    let db = setup();
    let conn = db.connection();
    let not_null = conn
        .execute(r#"INSERT INTO "weblog_blog" ("name", "tagline") VALUES (NULL, '')"#, [])
        .map_err(Error::from)
        .unwrap_err();
    assert_eq!(not_null.to_string(), "NOT NULL constraint failed: weblog_blog.name");
    let check =
        conn.execute(r#"INSERT INTO "weblog_sample" ("j") VALUES ('{not json')"#, []).map_err(Error::from).unwrap_err();
    assert!(matches!(check, Error::Integrity(ref m) if m.starts_with("CHECK constraint failed")), "{check:?}");
    create(&db, Tag { slug: "a".into(), ..Tag::default() });
    let unique = conn
        .execute(r#"INSERT INTO "weblog_tag" ("slug", "label") VALUES ('a', '')"#, [])
        .map_err(Error::from)
        .unwrap_err();
    assert_eq!(unique.to_string(), "UNIQUE constraint failed: weblog_tag.slug");
    let other = conn.execute("SELECT nonsense FROM nowhere", []).map_err(Error::from).unwrap_err();
    assert!(matches!(other, Error::Database(_)));
}

#[test]
fn database_handle_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Database>();
    let db = setup();
    create(&db, Blog::new("moved"));
    let handle = std::thread::spawn(move || QuerySet::<Blog>::new().count(&db).unwrap());
    assert_eq!(handle.join().unwrap(), 1);
}

#[test]
fn validation_errors_display_like_django() {
    let mut errors = ValidationErrorsAlias::new();
    assert!(errors.is_empty());
    errors.add("name", "This field cannot be blank.");
    errors.add("name", "Ensure this value has at most 100 characters (it has 101).");
    errors.add("status", "Value 'x' is not a valid choice.");
    let err = errors.clone().into_result().unwrap_err();
    assert_eq!(
        err.to_string(),
        // Python's repr() quotes a string holding ' with ".
        "{'name': ['This field cannot be blank.', 'Ensure this value has at most 100 characters (it has 101).'], 'status': [\"Value 'x' is not a valid choice.\"]}"
    );
    assert_eq!(errors.get("status").unwrap().len(), 1);
}

use modelgen_runtime::ValidationErrors as ValidationErrorsAlias;

#[test]
fn error_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Error>();
}

#[test]
fn into_connection_gives_back_a_working_connection() {
    let db = setup();
    create(&db, Blog::new("a"));
    let mut blog = create(&db, Blog::new("b"));
    blog.name = "c".into();
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    let conn = db.into_connection();
    let n: i64 = conn.query_row(r#"SELECT COUNT(*) FROM "weblog_blog""#, [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
    conn.close().map_err(|(_, e)| e).unwrap();
}
