//! `save()` of the generated models with Django's rules (Django 6's
//! `Model.save()`, `save_base`, `_save_table`), the steps of a save,
//! relative updates (F expressions) and `refresh_from_db()`. Every test
//! reads the database back to check what was written.

mod common;

use common::*;
use modelgen_examples::notifications::Notification;
use modelgen_examples::shop::{Product, Sale};
use modelgen_examples::weblog::{Blog, Entry, EntryStatus};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::{TimeDelta, Utc};
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::{Database, Error, SaveOptions, Signal};

fn blogs(db: &Database) -> Vec<(i64, String)> {
    common::query(db, r#"SELECT "id", "name" FROM "weblog_blog" ORDER BY "id""#, &[])
        .into_iter()
        .map(|r| match r.as_slice() {
            [Value::Integer(id), Value::Text(name)] => (*id, name.clone()),
            other => panic!("a blog row: {other:?}"),
        })
        .collect()
}

fn product(slug: &str) -> Product {
    let mut product = Product::new();
    product.name = slug.to_uppercase();
    product.slug = slug.into();
    product
}

// ---------------------------------------------------------------------------
// Building an instance
// ---------------------------------------------------------------------------

#[test]
fn building_an_instance_touches_no_database_and_takes_field_defaults() {
    // No database exists at all: `new` cannot have used one.
    let entry = Entry::new(Key::new(7), date(2024, 1, 1));
    assert_eq!(entry.id, None);
    assert_eq!(entry.blog_id, 7);
    assert_eq!(entry.headline, "", "CharField without default: Django's empty value ''");
    assert_eq!((entry.n_comments, entry.n_pingbacks, entry.rating), (0, 0, 5));
    assert_eq!(entry.status, EntryStatus::Draft);
    assert!(entry._state.adding);

    let product = Product::new();
    assert_eq!(product.price, Decimal::new(0, 2));
    assert_eq!(product.number_sold, 0);
    assert!(product.in_stock);
    assert_eq!(product.attributes, modelgen_runtime::serde_json::json!({}));
    assert_ne!(product.sku, Product::new().sku, "default uuid4 is called per instance");

    let sale = Sale::new(Key::new(1), utc(2024, 1, 1, 0, 0, 0));
    assert_eq!(sale.quantity, 1);
    assert_eq!(sale.note, None, "null TextField without default: None");
}

// ---------------------------------------------------------------------------
// INSERT or UPDATE
// ---------------------------------------------------------------------------

#[test]
fn save_with_unset_pk_inserts_and_fills_in_the_auto_pk() {
    let db = setup();
    let mut first = new_blog("Beatles");
    first.save(&db).unwrap();
    let mut second = new_blog("Stones");
    second.save(&db).unwrap();
    assert_eq!((first.id, second.id), (Some(1), Some(2)));
    assert!(!first._state.adding, "a saved instance is no longer adding");
    assert_eq!(blogs(&db), vec![(1, "Beatles".into()), (2, "Stones".into())]);
}

#[test]
fn save_of_a_saved_instance_updates_its_row() {
    let db = setup();
    let mut blog = blog(&db, "Beatles");
    blog.name = "The Beatles".into();
    blog.save(&db).unwrap();
    assert_eq!(blogs(&db), vec![(1, "The Beatles".into())]);
}

#[test]
fn save_with_existing_pk_on_new_instance_overwrites_that_row() {
    let db = setup();
    blog(&db, "Old");
    let mut blog = new_blog("New");
    blog.id = Some(1);
    blog.save(&db).unwrap();
    assert_eq!(blogs(&db), vec![(1, "New".into())]);
}

#[test]
fn save_with_a_set_pk_that_has_no_row_inserts_a_row_with_that_pk() {
    let db = setup();
    let mut blog = new_blog("Fixed");
    blog.id = Some(42);
    blog.save(&db).unwrap();
    assert_eq!(blogs(&db), vec![(42, "Fixed".into())]);
    // The next auto pk continues after it, as SQLite's AUTOINCREMENT does for
    // Django; PostgreSQL's identity sequence is not advanced by an explicit
    // key (Django neither), so it hands out 1.
    let mut next = new_blog("Next");
    next.save(&db).unwrap();
    assert_eq!(next.id, Some(if common::on_postgresql() { 1 } else { 43 }));
}

#[test]
fn pk_zero_is_a_real_pk() {
    let db = setup();
    let mut blog = new_blog("Zero");
    blog.set_pk(Some(0));
    blog.save(&db).unwrap();
    assert_eq!(blog.pk(), Some(0), "0 is kept, not replaced by an auto pk");
    assert_eq!(blogs(&db), vec![(0, "Zero".into())]);
    blog.name = "Still zero".into();
    blog.save(&db).unwrap();
    assert_eq!(blogs(&db), vec![(0, "Still zero".into())], "saving again updates row 0");
    assert_eq!(Blog::get(&db, 0).unwrap().name, "Still zero");
}

#[test]
fn changing_the_pk_of_a_saved_object_and_saving_inserts_a_new_row_and_leaves_the_old_one() {
    let db = setup();
    let mut blog = blog(&db, "Original");
    blog.id = Some(10);
    blog.name = "Copy".into();
    blog.save(&db).unwrap();
    assert_eq!(blogs(&db), vec![(1, "Original".into()), (10, "Copy".into())]);
}

#[test]
fn saving_a_deleted_instance_again_inserts_a_new_row() {
    let db = setup();
    let mut blog = blog(&db, "Phoenix");
    blog.delete(&db).unwrap();
    assert_eq!(blog.id, None);
    blog.save(&db).unwrap();
    assert_eq!(blog.id, Some(2));
    assert_eq!(blogs(&db), vec![(2, "Phoenix".into())]);
}

// ---------------------------------------------------------------------------
// force_insert, force_update, update_fields
// ---------------------------------------------------------------------------

#[test]
fn force_insert_inserts_a_new_row() {
    let db = setup();
    let mut blog = new_blog("Forced");
    blog.save_with(&db, SaveOptions::force_insert()).unwrap();
    assert_eq!(blog.id, Some(1));
    let mut with_pk = new_blog("Forced with pk");
    with_pk.id = Some(5);
    with_pk.save_with(&db, SaveOptions::force_insert()).unwrap();
    assert_eq!(blogs(&db), vec![(1, "Forced".into()), (5, "Forced with pk".into())]);
}

#[test]
fn force_insert_with_an_existing_pk_is_an_integrity_error_and_changes_nothing() {
    let db = setup();
    blog(&db, "Kept");
    let mut blog = new_blog("Intruder");
    blog.id = Some(1);
    let err = blog.save_with(&db, SaveOptions::force_insert()).unwrap_err();
    assert!(matches!(err, Error::Integrity(_)), "{err:?}");
    assert!(err.is_integrity());
    common::assert_integrity_text(
        &err.to_string(),
        "UNIQUE constraint failed: weblog_blog.id",
        r#"duplicate key value violates unique constraint "weblog_blog_pkey""#,
    );
    assert_eq!(blogs(&db), vec![(1, "Kept".into())]);
}

#[test]
fn force_update_updates_the_existing_row() {
    let db = setup();
    let mut blog = blog(&db, "Before");
    blog.name = "After".into();
    blog.save_with(&db, SaveOptions::force_update()).unwrap();
    assert_eq!(blogs(&db), vec![(1, "After".into())]);
}

#[test]
fn force_update_with_unset_pk_is_an_error_after_the_pre_save_signal() {
    let db = setup();
    let log = Log::default();
    for signal in [Signal::PreSave, Signal::PostSave] {
        let l = log.clone();
        db.connect::<Blog>(signal, move |e| {
            l.push(format!("{:?}", e.signal));
            Ok(())
        });
    }
    let mut blog = new_blog("No pk");
    let err = blog.save_with(&db, SaveOptions::force_update()).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(err.to_string(), "Cannot force an update in save() with no primary key.");
    assert_eq!(log.take(), vec!["PreSave"], "Django raises in _save_table, after pre_save");
    assert_eq!(count(&db, "weblog_blog"), 0);
}

#[test]
fn force_update_when_no_row_matched_is_a_not_updated_error() {
    let db = setup();
    let mut blog = new_blog("Ghost");
    blog.id = Some(99);
    let err = blog.save_with(&db, SaveOptions::force_update()).unwrap_err();
    assert!(matches!(err, Error::NotUpdated { model: "Blog", .. }), "{err:?}");
    assert_eq!(err.to_string(), "Forced update did not affect any rows.");
    assert_eq!(count(&db, "weblog_blog"), 0, "no fallback INSERT");
}

#[test]
fn force_insert_and_force_update_together_is_an_error_before_any_sql() {
    // A database without tables: any SQL would fail with "no such table".
    let db = common::empty_database();
    let mut blog = new_blog("Both");
    blog.id = Some(1);
    let both = SaveOptions { force_insert: true, force_update: true, ..SaveOptions::default() };
    let err = blog.save_with(&db, both).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(err.to_string(), "Cannot force both insert and updating in model saving.");
}

#[test]
fn update_fields_writes_only_those_columns() {
    let db = setup();
    let b = blog(&db, "b");
    let mut entry = entry(&db, &b, "Old headline", date(2024, 1, 1));
    entry.headline = "New headline".into();
    entry.rating = 1;
    entry.body_text = "changed but not listed".into();
    entry.save_with(&db, SaveOptions::update_fields(&["headline", "rating"])).unwrap();
    let id = entry.id.unwrap();
    assert_eq!(raw(&db, "weblog_entry", "headline", id), "'New headline'");
    assert_eq!(raw(&db, "weblog_entry", "rating", id), "1");
    assert_eq!(raw(&db, "weblog_entry", "body_text", id), "'Old headline body'");
}

#[test]
fn update_fields_accepts_a_foreign_keys_name_and_its_attname() {
    let db = setup();
    let first = blog(&db, "first");
    let second = blog(&db, "second");
    let mut entry = entry(&db, &first, "e", date(2024, 1, 1));
    let id = entry.id.unwrap();
    entry.set_blog(&second).unwrap();
    entry.save_with(&db, SaveOptions::update_fields(&["blog"])).unwrap();
    assert_eq!(raw(&db, "weblog_entry", "blog_id", id), "2");
    entry.set_blog(&first).unwrap();
    entry.save_with(&db, SaveOptions::update_fields(&["blog_id"])).unwrap();
    assert_eq!(raw(&db, "weblog_entry", "blog_id", id), "1");
}

#[test]
fn update_fields_empty_list_runs_no_sql_and_sends_no_signal() {
    // No tables: any SQL would fail.
    let db = common::empty_database();
    let log = Log::default();
    let l = log.clone();
    db.connect::<Blog>(modelgen_runtime::Signal::PreSave, move |_| {
        l.push("pre_save");
        Ok(())
    });
    let mut blog = new_blog("Nothing");
    blog.id = Some(1);
    blog.save_with(&db, SaveOptions::update_fields(&[])).unwrap();
    assert!(log.take().is_empty());
    assert!(blog._state.adding, "nothing happened, not even the end of adding");
}

#[test]
fn update_fields_naming_an_unknown_field_the_pk_or_an_m2m_field_is_an_error() {
    let db = setup();
    let mut blog = blog(&db, "b");
    let err = blog.save_with(&db, SaveOptions::update_fields(&["nmae", "id", "name"])).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "The following fields do not exist in this model, are m2m fields, primary keys, or are non-concrete fields: nmae, id"
    );
    let mut e = entry(&db, &blog, "e", date(2024, 1, 1));
    let err = e.save_with(&db, SaveOptions::update_fields(&["authors"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The following fields do not exist in this model, are m2m fields, primary keys, or are non-concrete fields: authors"
    );
    assert_eq!(raw(&db, "weblog_blog", "name", 1), "'b'", "nothing written");
}

#[test]
fn update_fields_when_no_row_matched_is_a_not_updated_error() {
    let db = setup();
    let mut blog = new_blog("Ghost");
    blog.id = Some(3);
    let err = blog.save_with(&db, SaveOptions::update_fields(&["name"])).unwrap_err();
    assert!(matches!(err, Error::NotUpdated { .. }), "{err:?}");
    assert_eq!(err.to_string(), "Save with update_fields did not affect any rows.");
    assert_eq!(count(&db, "weblog_blog"), 0);
}

#[test]
fn update_fields_with_unset_pk_is_an_error() {
    let db = setup();
    let mut blog = new_blog("x");
    let err = blog.save_with(&db, SaveOptions::update_fields(&["name"])).unwrap_err();
    assert_eq!(err.to_string(), "Cannot force an update in save() with no primary key.");
}

#[test]
fn force_insert_with_update_fields_is_an_error_before_any_sql() {
    let db = common::empty_database();
    let mut blog = new_blog("x");
    let options = SaveOptions { force_insert: true, update_fields: Some(&["name"]), ..SaveOptions::default() };
    let err = blog.save_with(&db, options).unwrap_err();
    assert_eq!(err.to_string(), "Cannot force both insert and updating in model saving.");
}

// ---------------------------------------------------------------------------
// Failures and transactions
// ---------------------------------------------------------------------------

#[test]
fn a_failed_insert_is_an_integrity_error_and_leaves_the_database_unchanged() {
    let db = setup();
    product("mug").save(&db).unwrap();
    let mut twin = product("mug");
    let err = twin.save(&db).unwrap_err();
    assert!(matches!(err, Error::Integrity(_)), "{err:?}");
    common::assert_integrity_text(
        &err.to_string(),
        "UNIQUE constraint failed: shop_product.slug",
        r#"duplicate key value violates unique constraint "shop_product_slug_key""#,
    );
    assert_eq!(twin.id, None, "no pk filled in");
    assert_eq!(count(&db, "shop_product"), 1);
}

#[test]
fn a_foreign_key_to_a_missing_row_is_an_integrity_error() {
    let db = setup();
    let mut entry = Entry::new(Key::new(404), date(2024, 1, 1));
    entry.headline = "orphan".into();
    let err = entry.save(&db).unwrap_err();
    assert!(err.is_integrity(), "{err:?}");
    assert_eq!(count(&db, "weblog_entry"), 0);
}

#[test]
fn saves_inside_a_rolled_back_transaction_are_undone() {
    let db = setup();
    let result: modelgen_runtime::Result<()> = db.transaction(|db| {
        new_blog("one").save(db)?;
        new_blog("two").save(db)?;
        Err(Error::Misuse("changed my mind".into()))
    });
    assert!(result.is_err());
    assert_eq!(count(&db, "weblog_blog"), 0);
    db.transaction(|db| new_blog("kept").save(db)).unwrap();
    assert_eq!(count(&db, "weblog_blog"), 1);
}

// ---------------------------------------------------------------------------
// Pre-processing: auto_now, auto_now_add
// ---------------------------------------------------------------------------

#[test]
fn auto_now_add_is_set_on_insert_only_and_overrides_a_given_value() {
    let db = setup();
    let long_ago = utc(2000, 1, 1, 0, 0, 0);
    let mut p = product("clock");
    p.created = long_ago;
    p.updated = long_ago;
    let before = Utc::now() - TimeDelta::seconds(1);
    p.save(&db).unwrap();
    assert!(p.created > before, "auto_now_add overrides the given value");
    assert_eq!(p.created, p.updated, "one `now` per save");
    let id = p.id.unwrap();
    let stored_created = raw(&db, "shop_product", "created", id);

    std::thread::sleep(std::time::Duration::from_millis(5));
    let created = p.created;
    p.name = "Clock".into();
    p.save(&db).unwrap();
    assert_eq!(p.created, created, "auto_now_add is left alone on update");
    assert!(p.updated > created, "auto_now is set on every save");
    assert_eq!(raw(&db, "shop_product", "created", id), stored_created);

    // What the instance holds is what was stored (microsecond precision).
    let loaded = Product::get(&db, id).unwrap();
    assert_eq!((loaded.created, loaded.updated), (p.created, p.updated));
}

#[test]
fn auto_now_add_keeps_the_instances_value_when_a_new_instance_updates_an_existing_row() {
    let db = setup();
    let mut original = product("lamp");
    original.save(&db).unwrap();
    let given = utc(2001, 2, 3, 4, 5, 6);
    let mut replacement = product("lamp");
    replacement.id = original.id;
    replacement.created = given;
    replacement.save(&db).unwrap();
    assert_eq!(replacement.created, given, "the UPDATE runs pre_save with add=False");
    assert_eq!(raw(&db, "shop_product", "created", original.id.unwrap()), "'2001-02-03 04:05:06'");
}

#[test]
fn auto_now_date_field_is_set_to_today_on_every_save() {
    let db = setup();
    let b = blog(&db, "b");
    let mut entry = Entry::new(b.key().unwrap(), date(2020, 1, 1));
    entry.mod_date = date(1999, 12, 31);
    entry.save(&db).unwrap();
    let today = Utc::now().date_naive();
    assert_eq!(entry.mod_date, today);
    let id = entry.id.unwrap();
    assert_eq!(raw(&db, "weblog_entry", "mod_date", id), format!("'{}'", today.format("%Y-%m-%d")));

    db.execute_raw(r#"UPDATE "weblog_entry" SET "mod_date" = '2000-01-01'"#, &[]).unwrap();
    entry.mod_date = date(1999, 12, 31);
    entry.save(&db).unwrap();
    assert_eq!(raw(&db, "weblog_entry", "mod_date", id), format!("'{}'", today.format("%Y-%m-%d")));
}

#[test]
fn auto_now_add_datetime_is_set_on_notification_insert() {
    let db = setup();
    let mut n = Notification::new();
    n.title = "hello".into();
    n.created = utc(1990, 1, 1, 0, 0, 0);
    n.save(&db).unwrap();
    assert!(n.created > Utc::now() - TimeDelta::minutes(1));
    assert_eq!(Notification::get(&db, n.id.unwrap()).unwrap().created, n.created);
}

#[test]
fn update_fields_leave_unlisted_auto_now_fields_alone_on_the_instance() {
    let db = setup();
    let mut p = product("kettle");
    p.save(&db).unwrap();
    let updated = p.updated;
    std::thread::sleep(std::time::Duration::from_millis(5));
    p.name = "Kettle".into();
    p.save_with(&db, SaveOptions::update_fields(&["name"])).unwrap();
    // Not listed: neither pre-processed nor written.
    let loaded = Product::get(&db, p.id.unwrap()).unwrap();
    assert_eq!(loaded.updated, updated, "not written");
    assert_eq!(p.updated, updated, "not pre-processed on the instance either");
}

#[test]
fn update_fields_listing_an_auto_now_field_writes_now() {
    let db = setup();
    let mut p = product("pan");
    p.save(&db).unwrap();
    let updated = p.updated;
    std::thread::sleep(std::time::Duration::from_millis(5));
    p.save_with(&db, SaveOptions::update_fields(&["updated"])).unwrap();
    let loaded = Product::get(&db, p.id.unwrap()).unwrap();
    assert!(loaded.updated > updated);
    assert_eq!(loaded.updated, p.updated);
}

// ---------------------------------------------------------------------------
// Relative updates (F expressions) and refresh_from_db
// ---------------------------------------------------------------------------

#[test]
fn relative_update_of_one_instance_is_computed_by_the_database() {
    let db = setup();
    let mut p = product("book");
    p.save(&db).unwrap();
    let mut other = product("pen");
    other.save(&db).unwrap();
    // Another writer changes the row: the F expression adds to the stored value.
    db.execute_raw(r#"UPDATE "shop_product" SET "number_sold" = 10 WHERE "id" = ?1"#, &[p.id.into()]).unwrap();

    let updated = p.update_relative(&db, &[Product::NUMBER_SOLD.f_add(1_i64)]).unwrap();
    assert_eq!(updated, 1);
    assert_eq!(p.number_sold, 0, "the instance is unchanged until refreshed");
    p.refresh_from_db(&db).unwrap();
    assert_eq!(p.number_sold, 11);
    assert_eq!(raw(&db, "shop_product", "number_sold", other.id.unwrap()), "0", "only this row");
}

#[test]
fn relative_updates_combine_several_columns_and_operators() {
    let db = setup();
    let b = blog(&db, "b");
    let mut e = entry(&db, &b, "e", date(2024, 1, 1));
    e.update_relative(
        &db,
        &[Entry::N_COMMENTS.f_add(3), Entry::RATING.f_mul(2), Entry::N_PINGBACKS.set_column(Entry::RATING)],
    )
    .unwrap();
    e.refresh_from_db(&db).unwrap();
    // SET evaluates every right-hand side on the old row, as in SQL and Django.
    assert_eq!((e.n_comments, e.rating, e.n_pingbacks), (3, 10, 5));
}

#[test]
fn relative_update_on_a_filtered_set_updates_every_matching_row() {
    let db = setup();
    for (slug, in_stock) in [("a", true), ("b", true), ("c", false)] {
        let mut p = product(slug);
        p.in_stock = in_stock;
        p.number_sold = 5;
        p.save(&db).unwrap();
    }
    let n =
        Product::objects().filter(Product::IN_STOCK.eq(true)).update(&db, &[Product::NUMBER_SOLD.f_add(2u32)]).unwrap();
    assert_eq!(n, 2);
    let sold: Vec<(String, i64)> =
        Product::objects().all(&db).unwrap().into_iter().map(|p| (p.slug, p.number_sold)).collect();
    assert_eq!(sold, vec![("a".into(), 7), ("b".into(), 7), ("c".into(), 5)]);
}

#[test]
fn relative_update_of_an_unsaved_instance_is_an_error() {
    let db = setup();
    let p = product("nothing");
    let err = p.update_relative(&db, &[Product::NUMBER_SOLD.f_add(1_i64)]).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
}

#[test]
fn relative_update_breaking_a_check_constraint_is_an_integrity_error() {
    let db = setup();
    let mut p = product("stock");
    p.save(&db).unwrap();
    // number_sold is a PositiveIntegerField: CHECK ("number_sold" >= 0).
    let err = p.update_relative(&db, &[Product::NUMBER_SOLD.f_sub(1_i64)]).unwrap_err();
    assert!(err.is_integrity(), "{err:?}");
    assert_eq!(raw(&db, "shop_product", "number_sold", p.id.unwrap()), "0");
}

#[test]
fn refresh_from_db_reloads_every_field() {
    let db = setup();
    let b = blog(&db, "b");
    let mut e = entry(&db, &b, "original", date(2024, 1, 1));
    db.execute_raw(r#"UPDATE "weblog_entry" SET "headline" = 'changed', "status" = 'p', "rating" = 1"#, &[]).unwrap();
    e.refresh_from_db(&db).unwrap();
    assert_eq!((e.headline.as_str(), e.status.clone(), e.rating), ("changed", EntryStatus::Published, 1));
    assert_eq!(e, Entry::get(&db, e.id.unwrap()).unwrap());
    assert!(!e._state.adding);
}

#[test]
fn refresh_from_db_of_a_new_instance_with_a_pk_leaves_it_adding_as_django() {
    let db = setup();
    blog(&db, "stored");
    let mut fresh = new_blog("x");
    fresh.id = Some(1);
    fresh.refresh_from_db(&db).unwrap();
    assert_eq!(fresh.name, "stored");
    assert!(fresh._state.adding, "Django leaves _state.adding alone");
}

#[test]
fn refresh_from_db_of_a_deleted_row_or_an_unsaved_instance_is_does_not_exist() {
    let db = setup();
    let mut b = blog(&db, "b");
    db.execute_raw(r#"DELETE FROM "weblog_blog""#, &[]).unwrap();
    let err = b.refresh_from_db(&db).unwrap_err();
    assert!(err.is_does_not_exist(), "{err:?}");
    assert_eq!(err.to_string(), "Blog matching query does not exist.");
    let mut unsaved = new_blog("u");
    assert!(unsaved.refresh_from_db(&db).unwrap_err().is_does_not_exist());
}

// ---------------------------------------------------------------------------
// Values are bound, never spliced
// ---------------------------------------------------------------------------

#[test]
fn values_are_bound_so_sql_in_a_headline_round_trips() {
    let db = setup();
    let b = blog(&db, "b");
    let evil = r#"x'); DROP TABLE "weblog_entry"; --"#;
    let mut e = entry(&db, &b, evil, date(2024, 1, 1));
    e.body_text = "'; DROP TABLE weblog_blog; --".into();
    e.save(&db).unwrap();
    let loaded = Entry::get(&db, e.id.unwrap()).unwrap();
    assert_eq!(loaded.headline, evil);
    assert_eq!(loaded.body_text, "'; DROP TABLE weblog_blog; --");
    assert_eq!(Entry::objects().filter(Entry::HEADLINE.eq(evil)).count(&db).unwrap(), 1);
    assert_eq!(Entry::objects().filter(Entry::HEADLINE.contains("'); DROP")).count(&db).unwrap(), 1);
    assert_eq!(count(&db, "weblog_entry"), 1, "the table is still there");
    assert_eq!(count(&db, "weblog_blog"), 1);
}

#[test]
fn decimal_price_is_saved_and_loaded() {
    let db = setup();
    let mut p = product("cheese");
    p.price = "12.34".parse().unwrap();
    p.save(&db).unwrap();
    assert_eq!(Product::get(&db, p.id.unwrap()).unwrap().price, "12.34".parse::<Decimal>().unwrap());
}

// ---------------------------------------------------------------------------
// Tables not made by create_tables
// ---------------------------------------------------------------------------

#[test]
fn auto_pk_that_is_not_a_rowid_alias_is_read_back_with_returning() {
    if common::sqlite_only("creates its table with SQLite DDL (a random() default)") {
        return;
    }
    // Not Django's DDL: an auto pk filled by a column default. The INSERT's
    // RETURNING clause gives the pk the database chose.
    let db = common::empty_database();
    db.execute_batch(
        r#"CREATE TABLE "weblog_blog" ("id" bigint NOT NULL PRIMARY KEY DEFAULT (abs(random() % 1000000) + 1), "name" varchar(100) NOT NULL, "tagline" text NOT NULL, "featured_id" bigint NULL);"#,
    )
    .unwrap();
    let mut blog = new_blog("b");
    blog.save(&db).unwrap();
    let stored = common::scalar_i64(&db, r#"SELECT "id" FROM "weblog_blog""#, &[]);
    assert_eq!(blog.id, Some(stored));
}

#[test]
fn save_into_a_missing_table_is_an_error_and_works_once_the_table_exists() {
    let db = common::empty_database();
    let mut blog = new_blog("b");
    let err = blog.save(&db).unwrap_err();
    assert!(matches!(err, Error::MissingTable { ref table } if table == "weblog_blog"), "{err:?}");
    assert_eq!(blog.id, None);
    // Once the table exists, saving works on the same handle.
    let app = &modelgen_examples::weblog::APP;
    db.execute_batch(if common::on_postgresql() { app.ddl_postgresql } else { app.ddl }).unwrap();
    blog.save(&db).unwrap();
    assert_eq!(blog.id, Some(1));
}

/// A table missing a column the model has: saving and reading are
/// [`Error::MissingColumn`] naming it, on SQLite ("no such column") and on
/// PostgreSQL (SQLSTATE 42703, `column "tagline" of relation "weblog_blog"
/// does not exist`), where Django raises ProgrammingError.
#[test]
fn save_and_get_with_a_missing_column_is_a_missing_column_error() {
    let db = common::empty_database();
    db.execute_batch(if common::on_postgresql() {
        r#"CREATE TABLE "weblog_blog" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "name" varchar(100) NOT NULL, "featured_id" bigint NULL);
           INSERT INTO "weblog_blog" ("name") VALUES ('b');"#
    } else {
        r#"CREATE TABLE "weblog_blog" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "featured_id" bigint NULL);
           INSERT INTO "weblog_blog" ("name") VALUES ('b');"#
    })
    .unwrap();
    let err = new_blog("c").save(&db).unwrap_err();
    if common::on_postgresql() {
        assert!(matches!(&err, Error::MissingColumn { column } if column == "tagline"), "{err:?}");
    } else {
        // SQLite's INSERT words it "table weblog_blog has no column named
        // tagline", which the SQLite mapping does not read yet.
        assert!(matches!(&err, Error::Database(_)), "{err:?}");
    }
    let err = Blog::get(&db, 1).unwrap_err();
    assert!(matches!(&err, Error::MissingColumn { column } if column == "tagline"), "{err:?}");
}
