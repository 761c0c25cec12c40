//! Django 6's `Model.save()`: `save`, `save_base`, `_save_table`.

mod common;

use common::*;
use modelgen_runtime::chrono::{TimeDelta, Utc};
use modelgen_runtime::prelude::*;
use modelgen_runtime::{refresh_from_db, update_relative};

fn blog_names(db: &Database) -> Vec<(i64, String)> {
    let mut stmt = db.connection().prepare(r#"SELECT "id", "name" FROM "weblog_blog" ORDER BY "id""#).unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

/// Record pre_save/post_save of blogs into a log.
fn log_blog_saves(db: &Database) -> Log {
    let log = Log::default();
    let l = log.clone();
    db.connect::<Blog>(Signal::PreSave, move |e| {
        l.push(format!("pre_save {} {:?} {:?}", e.instance.name, e.instance.id, e.update_fields));
        Ok(())
    });
    let l = log.clone();
    db.connect::<Blog>(Signal::PostSave, move |e| {
        l.push(format!(
            "post_save {} {:?} created={} {:?}",
            e.instance.name, e.instance.id, e.created, e.update_fields
        ));
        Ok(())
    });
    log
}

#[test]
fn save_new_instance_inserts_and_fills_auto_pk() {
    let db = setup();
    let mut blog = Blog::new("Beatles");
    assert!(blog.state.adding);
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(blog.id, Some(1));
    assert!(!blog.state.adding);
    let mut other = Blog::new("Stones");
    save(&db, &mut other, SaveOptions::default()).unwrap();
    assert_eq!(other.id, Some(2));
    assert_eq!(blog_names(&db), vec![(1, "Beatles".into()), (2, "Stones".into())]);
}

#[test]
fn save_of_saved_instance_updates_its_row() {
    let db = setup();
    let mut blog = create(&db, Blog::new("Beatles"));
    blog.name = "The Beatles".into();
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(blog_names(&db), vec![(1, "The Beatles".into())]);
}

#[test]
fn save_with_existing_pk_on_new_instance_overwrites_row() {
    let db = setup();
    create(&db, Blog::new("Old"));
    let mut blog = Blog::new("New");
    blog.id = Some(1);
    let log = log_blog_saves(&db);
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(blog_names(&db), vec![(1, "New".into())]);
    assert_eq!(log.take(), vec!["pre_save New Some(1) None", "post_save New Some(1) created=false None"]);
}

#[test]
fn save_with_unknown_pk_inserts_row_with_that_pk() {
    let db = setup();
    let mut blog = Blog::new("Fixed");
    blog.id = Some(42);
    let log = log_blog_saves(&db);
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(blog_names(&db), vec![(42, "Fixed".into())]);
    assert_eq!(log.take()[1], "post_save Fixed Some(42) created=true None");
}

#[test]
fn pk_zero_is_a_real_pk() {
    let db = setup();
    let mut blog = Blog::new("Zero");
    blog.id = Some(0);
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(blog.id, Some(0));
    blog.name = "Still zero".into();
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(blog_names(&db), vec![(0, "Still zero".into())]);
}

#[test]
fn changing_pk_of_saved_instance_inserts_new_row_and_keeps_old() {
    let db = setup();
    let mut blog = create(&db, Blog::new("Original"));
    blog.id = Some(7);
    blog.name = "Copy".into();
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(blog_names(&db), vec![(1, "Original".into()), (7, "Copy".into())]);
}

#[test]
fn force_insert_and_force_update_together_is_misuse_before_any_sql() {
    let db = setup();
    let log = log_blog_saves(&db);
    let mut blog = Blog::new("x");
    let err =
        save(&db, &mut blog, SaveOptions { force_insert: true, force_update: true, update_fields: None }).unwrap_err();
    assert_eq!(err.to_string(), "Cannot force both insert and updating in model saving.");
    assert!(matches!(err, Error::Misuse(_)));
    assert!(log.take().is_empty(), "no signal before the misuse error");
    assert_eq!(count_rows(&db, "weblog_blog"), 0);
}

#[test]
fn force_insert_with_update_fields_is_misuse() {
    let db = setup();
    let mut blog = create(&db, Blog::new("x"));
    let err = save(
        &db,
        &mut blog,
        SaveOptions { force_insert: true, update_fields: Some(&["name"]), ..SaveOptions::default() },
    )
    .unwrap_err();
    assert!(matches!(err, Error::Misuse(_)));
}

#[test]
fn force_insert_inserts_a_new_row() {
    let db = setup();
    let mut blog = Blog::new("x");
    save(&db, &mut blog, SaveOptions::force_insert()).unwrap();
    assert_eq!(blog.id, Some(1));
}

#[test]
fn force_insert_with_existing_pk_is_integrity_error() {
    let db = setup();
    let mut blog = create(&db, Blog::new("x"));
    let err = save(&db, &mut blog, SaveOptions::force_insert()).unwrap_err();
    match err {
        Error::Integrity(message) => {
            assert_eq!(message, "UNIQUE constraint failed: weblog_blog.id")
        }
        other => panic!("expected an integrity error, got {other:?}"),
    }
    assert_eq!(count_rows(&db, "weblog_blog"), 1);
}

#[test]
fn force_update_without_pk_is_misuse_after_pre_save_signal() {
    let db = setup();
    let log = log_blog_saves(&db);
    let mut blog = Blog::new("x");
    let err = save(&db, &mut blog, SaveOptions::force_update()).unwrap_err();
    assert_eq!(err.to_string(), "Cannot force an update in save() with no primary key.");
    assert_eq!(log.take(), vec!["pre_save x None None"]);
    assert_eq!(count_rows(&db, "weblog_blog"), 0);
}

#[test]
fn force_update_of_missing_row_is_not_updated_error() {
    let db = setup();
    let mut blog = Blog::new("x");
    blog.id = Some(5);
    let err = save(&db, &mut blog, SaveOptions::force_update()).unwrap_err();
    assert!(matches!(err, Error::NotUpdated { model: "Blog", .. }), "{err:?}");
    assert_eq!(err.to_string(), "Forced update did not affect any rows.");
    assert_eq!(count_rows(&db, "weblog_blog"), 0);
}

#[test]
fn force_update_updates_existing_row() {
    let db = setup();
    let mut blog = create(&db, Blog::new("x"));
    blog.name = "y".into();
    save(&db, &mut blog, SaveOptions::force_update()).unwrap();
    assert_eq!(blog_names(&db), vec![(1, "y".into())]);
}

#[test]
fn update_fields_empty_does_nothing_and_sends_no_signal() {
    let db = setup();
    let mut blog = create(&db, Blog::new("x"));
    let log = log_blog_saves(&db);
    blog.name = "changed".into();
    save(&db, &mut blog, SaveOptions::update_fields(&[])).unwrap();
    assert!(log.take().is_empty());
    assert_eq!(blog_names(&db), vec![(1, "x".into())]);
    // Even on an unsaved instance: nothing happens at all.
    let mut new = Blog::new("new");
    save(&db, &mut new, SaveOptions::update_fields(&[])).unwrap();
    assert_eq!(new.id, None);
    assert!(new.state.adding);
}

#[test]
fn update_fields_writes_only_listed_fields() {
    let db = setup();
    let mut blog = create(&db, Blog::new("name"));
    let log = log_blog_saves(&db);
    blog.name = "new name".into();
    blog.tagline = "new tagline".into();
    save(&db, &mut blog, SaveOptions::update_fields(&["tagline"])).unwrap();
    let stored: (String, String) = db
        .connection()
        .query_row(r#"SELECT "name", "tagline" FROM "weblog_blog""#, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(stored, ("name".into(), "new tagline".into()));
    assert_eq!(
        log.take(),
        vec![
            r#"pre_save new name Some(1) Some(["tagline"])"#,
            r#"post_save new name Some(1) created=false Some(["tagline"])"#
        ]
    );
}

#[test]
fn update_fields_accepts_field_name_and_attname_of_foreign_key() {
    let db = setup();
    let a = create(&db, Blog::new("a"));
    let b = create(&db, Blog::new("b"));
    let mut entry = create(&db, Entry::new(&a, "h", date(2024, 1, 1)));
    entry.blog_id = b.id.unwrap();
    save(&db, &mut entry, SaveOptions::update_fields(&["blog"])).unwrap();
    assert_eq!(raw(&db, "weblog_entry", "blog_id", 1), "2");
    entry.blog_id = a.id.unwrap();
    save(&db, &mut entry, SaveOptions::update_fields(&["blog_id"])).unwrap();
    assert_eq!(raw(&db, "weblog_entry", "blog_id", 1), "1");
}

#[test]
fn update_fields_naming_unknown_field_or_pk_is_misuse() {
    let db = setup();
    let mut blog = create(&db, Blog::new("x"));
    let err = save(&db, &mut blog, SaveOptions::update_fields(&["nope", "id", "name"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The following fields do not exist in this model, are m2m fields, primary keys, or are non-concrete fields: nope, id"
    );
    let mut entry = create(&db, Entry::new(&blog, "h", date(2024, 1, 1)));
    // A many-to-many field is not updatable either.
    assert!(matches!(save(&db, &mut entry, SaveOptions::update_fields(&["authors"])), Err(Error::Misuse(_))));
}

#[test]
fn update_fields_on_missing_row_is_not_updated_error() {
    let db = setup();
    let mut blog = Blog::new("x");
    blog.id = Some(3);
    let err = save(&db, &mut blog, SaveOptions::update_fields(&["name"])).unwrap_err();
    assert_eq!(err.to_string(), "Save with update_fields did not affect any rows.");
    assert_eq!(count_rows(&db, "weblog_blog"), 0);
}

#[test]
fn update_fields_without_pk_is_misuse() {
    let db = setup();
    let mut blog = Blog::new("x");
    let err = save(&db, &mut blog, SaveOptions::update_fields(&["name"])).unwrap_err();
    assert_eq!(err.to_string(), "Cannot force an update in save() with no primary key.");
}

#[test]
fn update_fields_do_not_touch_unlisted_auto_now_fields() {
    let db = setup();
    let mut stamp = create(&db, Stamp { name: "a".into(), ..Stamp::default() });
    let updated_before = stamp.updated;
    std::thread::sleep(std::time::Duration::from_millis(2));
    stamp.name = "b".into();
    save(&db, &mut stamp, SaveOptions::update_fields(&["name"])).unwrap();
    assert_eq!(stamp.updated, updated_before, "not listed: not pre-processed");
    save(&db, &mut stamp, SaveOptions::update_fields(&["updated"])).unwrap();
    assert!(stamp.updated > updated_before);
    let mut loaded = stamp.clone();
    refresh_from_db(&db, &mut loaded).unwrap();
    assert_eq!(loaded, stamp);
}

#[test]
fn auto_now_add_is_set_on_insert_only_and_overrides_given_value() {
    let db = setup();
    let given = Utc::now() - TimeDelta::days(365);
    let mut stamp = Stamp { name: "a".into(), created: given, updated: given, ..Stamp::default() };
    let before = Utc::now() - TimeDelta::seconds(1);
    save(&db, &mut stamp, SaveOptions::default()).unwrap();
    assert!(stamp.created > before, "auto_now_add overrides a given value");
    assert_eq!(stamp.created, stamp.updated, "one `now` per save");
    let created = stamp.created;
    std::thread::sleep(std::time::Duration::from_millis(2));
    save(&db, &mut stamp, SaveOptions::default()).unwrap();
    assert_eq!(stamp.created, created, "auto_now_add untouched on update");
    assert!(stamp.updated > created, "auto_now set on every save");
    // The instance holds exactly what was stored (microsecond precision).
    let mut loaded = stamp.clone();
    refresh_from_db(&db, &mut loaded).unwrap();
    assert_eq!(loaded, stamp);
}

#[test]
fn auto_now_add_is_not_applied_when_a_new_instance_updates_an_existing_row() {
    // Django runs pre_save(add=False) for the UPDATE attempt: a new instance
    // with an existing pk overwrites the row with its own `created`.
    let db = setup();
    let first = create(&db, Stamp { name: "a".into(), ..Stamp::default() });
    let old = Utc::now() - TimeDelta::days(2);
    let old = old - TimeDelta::nanoseconds(i64::from(old.timestamp_subsec_nanos() % 1000));
    let mut again = Stamp { id: first.id, name: "b".into(), created: old, ..Stamp::default() };
    save(&db, &mut again, SaveOptions::default()).unwrap();
    assert_eq!(again.created, old);
    let mut loaded = again.clone();
    refresh_from_db(&db, &mut loaded).unwrap();
    assert_eq!(loaded.created, old);
}

#[test]
fn entry_auto_now_date_is_today() {
    let db = setup();
    let blog = create(&db, Blog::new("b"));
    let entry = create(&db, Entry::new(&blog, "h", date(2020, 1, 1)));
    assert_eq!(entry.mod_date, Utc::now().date_naive());
    assert_eq!(raw(&db, "weblog_entry", "mod_date", 1), format!("'{}'", Utc::now().date_naive().format("%Y-%m-%d")));
}

#[test]
fn new_instance_whose_pk_has_default_skips_update_and_inserts() {
    let db = setup();
    let token = create(&db, Token::new("a"));
    // A new instance with the same (default-generated) pk: Django forces an
    // INSERT, which fails on the existing row.
    let mut clash = Token::new("b");
    clash.id = token.id;
    let err = save(&db, &mut clash, SaveOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Integrity(_)), "{err:?}");
    // A loaded (not adding) instance updates.
    let mut loaded = QuerySet::<Token>::new().get(&db).unwrap();
    loaded.name = "renamed".into();
    save(&db, &mut loaded, SaveOptions::default()).unwrap();
    assert_eq!(count_rows(&db, "weblog_token"), 1);
    assert_eq!(QuerySet::<Token>::new().get(&db).unwrap().name, "renamed".to_string());
    assert_eq!(
        db.connection().query_row(r#"SELECT "id" FROM "weblog_token""#, [], |r| r.get::<_, String>(0)).unwrap(),
        token.id.simple().to_string()
    );
}

#[test]
fn model_with_only_a_pk_checks_that_its_row_exists() {
    let db = setup();
    let mut solo = create(&db, Solo::default());
    assert_eq!(solo.id, Some(1));
    save(&db, &mut solo, SaveOptions::default()).unwrap();
    assert_eq!(count_rows(&db, "weblog_solo"), 1);
    let mut other = Solo { id: Some(99), ..Solo::default() };
    save(&db, &mut other, SaveOptions::default()).unwrap();
    assert_eq!(count_rows(&db, "weblog_solo"), 2);
}

#[test]
fn text_primary_key_is_set_by_the_caller() {
    let db = setup();
    let mut tag = Tag { slug: "rust".into(), label: "Rust".into(), ..Tag::default() };
    save(&db, &mut tag, SaveOptions::default()).unwrap();
    tag.label = "The Rust language".into();
    save(&db, &mut tag, SaveOptions::default()).unwrap();
    let mut dup = Tag { slug: "rust".into(), label: "Overwritten".into(), ..Tag::default() };
    save(&db, &mut dup, SaveOptions::default()).unwrap();
    let all = QuerySet::<Tag>::new().all(&db).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].label, "Overwritten");
    // An empty text pk is a pk too.
    let mut empty = Tag::default();
    save(&db, &mut empty, SaveOptions::default()).unwrap();
    assert_eq!(count_rows(&db, "weblog_tag"), 2);
}

#[test]
fn failed_insert_leaves_the_database_unchanged() {
    let db = setup();
    let blog = Blog { id: Some(999), ..Blog::new("ghost") };
    let mut entry = Entry::new(&blog, "orphan", date(2024, 1, 1));
    let err = save(&db, &mut entry, SaveOptions::default()).unwrap_err();
    match &err {
        Error::Integrity(m) => assert_eq!(m, "FOREIGN KEY constraint failed"),
        other => panic!("expected integrity error, got {other:?}"),
    }
    assert_eq!(count_rows(&db, "weblog_entry"), 0);
    assert!(entry.state.adding);
    assert_eq!(entry.id, None);
}

#[test]
fn signals_are_called_in_connect_order_with_created() {
    let db = setup();
    let log = Log::default();
    for n in 1..=3 {
        let l = log.clone();
        db.connect::<Blog>(Signal::PreSave, move |e| {
            l.push(format!("pre{n} adding={}", e.instance.state.adding));
            Ok(())
        });
    }
    let l = log.clone();
    db.connect::<Blog>(Signal::PostSave, move |e| {
        l.push(format!("post created={} id={:?}", e.created, e.instance.id));
        Ok(())
    });
    // Receivers of another model are not called.
    let l = log.clone();
    db.connect::<Author>(Signal::PreSave, move |_| {
        l.push("author".into());
        Ok(())
    });
    let mut blog = create(&db, Blog::new("b"));
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(
        log.take(),
        vec![
            "pre1 adding=true",
            "pre2 adding=true",
            "pre3 adding=true",
            "post created=true id=Some(1)",
            "pre1 adding=false",
            "pre2 adding=false",
            "pre3 adding=false",
            "post created=false id=Some(1)",
        ]
    );
}

#[test]
fn pre_save_receiver_error_aborts_the_save() {
    let db = setup();
    db.connect::<Blog>(Signal::PreSave, |e| {
        if e.instance.name == "forbidden" {
            Err(Error::Misuse("no".into()))
        } else {
            Ok(())
        }
    });
    let mut blog = Blog::new("forbidden");
    assert!(save(&db, &mut blog, SaveOptions::default()).is_err());
    assert_eq!(count_rows(&db, "weblog_blog"), 0);
}

#[test]
fn receiver_may_connect_another_receiver() {
    let db = setup();
    let log = Log::default();
    let l = log.clone();
    db.connect::<Blog>(Signal::PostSave, move |e| {
        l.push("outer".into());
        let inner = l.clone();
        e.db.connect::<Blog>(Signal::PostSave, move |_| {
            inner.push("inner".into());
            Ok(())
        });
        Ok(())
    });
    create(&db, Blog::new("a"));
    assert_eq!(log.take(), vec!["outer"]);
    create(&db, Blog::new("b"));
    assert_eq!(log.take(), vec!["outer", "inner"]);
}

#[test]
fn receiver_may_save_other_instances() {
    let db = setup();
    db.connect::<Blog>(Signal::PostSave, |e| {
        if e.created {
            let mut author = Author { name: format!("author of {}", e.instance.name), ..Author::default() };
            save(e.db, &mut author, SaveOptions::default())?;
        }
        Ok(())
    });
    create(&db, Blog::new("b"));
    assert_eq!(QuerySet::<Author>::new().get(&db).unwrap().name, "author of b");
}

#[test]
fn disconnected_receiver_is_not_called() {
    let db = setup();
    let log = Log::default();
    let l = log.clone();
    let id = db.connect::<Blog>(Signal::PreSave, move |_| {
        l.push("called".into());
        Ok(())
    });
    assert!(db.has_receivers(&BLOG_META, Signal::PreSave));
    assert!(db.disconnect(id));
    assert!(!db.disconnect(id));
    create(&db, Blog::new("a"));
    assert!(log.take().is_empty());
}

#[test]
fn save_inside_rolled_back_transaction_is_undone() {
    let db = setup();
    let result: modelgen_runtime::Result<()> = db.transaction(|db| {
        create(db, Blog::new("a"));
        Err(Error::Misuse("roll back".into()))
    });
    assert!(result.is_err());
    assert_eq!(count_rows(&db, "weblog_blog"), 0);
}

#[test]
fn refresh_from_db_reloads_every_field_and_keeps_adding_state() {
    let db = setup();
    let mut blog = create(&db, Blog::new("a"));
    db.connection().execute(r#"UPDATE "weblog_blog" SET "name" = 'changed'"#, []).unwrap();
    blog.tagline = "unsaved".into();
    refresh_from_db(&db, &mut blog).unwrap();
    assert_eq!(blog.name, "changed");
    assert_eq!(blog.tagline, "");
    assert!(!blog.state.adding);

    let mut fresh = Blog::new("x");
    fresh.id = blog.id;
    refresh_from_db(&db, &mut fresh).unwrap();
    assert_eq!(fresh.name, "changed");
    assert!(fresh.state.adding, "Django leaves _state.adding alone");
}

#[test]
fn refresh_from_db_of_missing_row_or_unset_pk_is_does_not_exist() {
    let db = setup();
    let mut unsaved = Blog::new("x");
    let err = refresh_from_db(&db, &mut unsaved).unwrap_err();
    assert_eq!(err.to_string(), "Blog matching query does not exist.");
    let mut gone = Blog::new("x");
    gone.id = Some(12);
    assert!(refresh_from_db(&db, &mut gone).unwrap_err().is_does_not_exist());
}

#[test]
fn relative_update_of_one_instance_is_computed_by_the_database() {
    let db = setup();
    let mut product = create(&db, Product { name: "p".into(), number_sold: 10, ..Product::default() });
    // Another writer changes the row meanwhile: the F update builds on it.
    db.connection().execute(r#"UPDATE "shop_product" SET "number_sold" = 20"#, []).unwrap();
    let n = update_relative(&db, &product, &[Product::NUMBER_SOLD.f_add(1)]).unwrap();
    assert_eq!(n, 1);
    assert_eq!(product.number_sold, 10, "the instance is not changed");
    refresh_from_db(&db, &mut product).unwrap();
    assert_eq!(product.number_sold, 21);
    let unsaved = Product::default();
    assert!(matches!(update_relative(&db, &unsaved, &[Product::NUMBER_SOLD.f_add(1)]), Err(Error::Misuse(_))));
}

#[test]
fn receiver_with_annotated_event_type_compiles_and_runs() {
    let db = setup();
    let log = Log::default();
    let l = log.clone();
    db.connect::<Blog>(Signal::PostSave, move |event: &SignalEvent<Blog>| -> modelgen_runtime::Result<()> {
        l.push(format!("{} {}", event.instance.name, event.created));
        Ok(())
    });
    create(&db, Blog::new("typed"));
    assert_eq!(log.take(), vec!["typed true"]);
}

#[test]
fn auto_pk_that_is_not_a_rowid_alias_is_read_back_with_returning() {
    // Not Django's DDL: an auto pk filled by a column default. The runtime
    // then uses `insert_sql` and its RETURNING clause.
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        r#"CREATE TABLE "weblog_blog" ("id" bigint NOT NULL PRIMARY KEY DEFAULT (abs(random() % 1000000) + 1), "name" varchar(100) NOT NULL, "tagline" text NOT NULL);"#,
    )
    .unwrap();
    let mut blog = Blog::new("b");
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    let stored: i64 = db.connection().query_row(r#"SELECT "id" FROM "weblog_blog""#, [], |r| r.get(0)).unwrap();
    assert_eq!(blog.id, Some(stored));
}

#[test]
fn save_into_a_missing_table_is_an_error() {
    let db = Database::open_in_memory().unwrap();
    let mut blog = Blog::new("b");
    let err = save(&db, &mut blog, SaveOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Database(_)), "{err:?}");
    // Once the table exists, saving works on the same handle.
    db.execute_batch(WEBLOG_DDL).unwrap();
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(blog.id, Some(1));
}
