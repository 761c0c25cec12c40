//! Non-auto primary keys through the generated code (SPEC §3, issue item 2):
//! shop.Coupon has a text pk (`code`, a SlugField) that a ForeignKey points
//! at; shop.Receipt has a UUID pk with `default: uuid4`.

mod common;

use modelgen_examples::shop::{self, Coupon, Product, Receipt, Sale};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::{TimeZone, Utc};
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::{Database, Error, SaveOptions};

fn db() -> Database {
    let db = common::empty_database();
    db.create_tables(&[&shop::APP]).unwrap();
    db
}

fn coupon(code: &str, percent: i64) -> Coupon {
    let mut c = Coupon::new();
    c.code = code.into();
    c.percent_off = percent;
    c
}

fn rows(db: &Database, table: &str) -> i64 {
    common::count(db, table)
}

fn sale(db: &Database) -> Sale {
    let mut p = Product::new();
    p.name = "Mug".into();
    p.slug = "mug".into();
    p.save(db).unwrap();
    let mut s = Sale::new(p.key().unwrap(), Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap());
    s.save(db).unwrap();
    s
}

#[test]
fn text_pk_save_inserts_then_updates_the_same_row() {
    let db = db();
    let mut c = coupon("SPRING", 10);
    c.save(&db).unwrap();
    c.percent_off = 20;
    c.save(&db).unwrap();
    assert_eq!(rows(&db, "shop_coupon"), 1);
    assert_eq!(Coupon::get(&db, "SPRING".into()).unwrap().percent_off, 20);
}

#[test]
fn text_pk_explicit_existing_key_on_a_new_instance_overwrites_that_row() {
    let db = db();
    coupon("SPRING", 10).save(&db).unwrap();
    let mut other = coupon("SPRING", 50);
    other.save(&db).unwrap();
    assert_eq!(rows(&db, "shop_coupon"), 1);
    assert_eq!(Coupon::get(&db, "SPRING".into()).unwrap().percent_off, 50);
}

#[test]
fn text_pk_changing_the_key_and_saving_inserts_a_new_row_and_keeps_the_old() {
    let db = db();
    let mut c = coupon("SPRING", 10);
    c.save(&db).unwrap();
    c.set_pk("SUMMER".into());
    c.save(&db).unwrap();
    assert_eq!(rows(&db, "shop_coupon"), 2);
    assert!(Coupon::get(&db, "SPRING".into()).is_ok());
    assert!(Coupon::get(&db, "SUMMER".into()).is_ok());
}

#[test]
fn text_pk_force_insert_with_an_existing_key_is_an_integrity_error() {
    let db = db();
    coupon("SPRING", 10).save(&db).unwrap();
    let result = coupon("SPRING", 99).save_with(&db, SaveOptions::force_insert());
    assert!(matches!(result, Err(Error::Integrity(_))), "{result:?}");
    assert_eq!(Coupon::get(&db, "SPRING".into()).unwrap().percent_off, 10, "the row is unchanged");
}

#[test]
fn text_pk_empty_string_is_a_real_key_as_in_django() {
    let db = db();
    // Django's empty value for a SlugField is "", which is not None: the
    // pk counts as set, and the row is stored under "".
    let mut c = Coupon::new();
    c.save(&db).unwrap();
    assert_eq!(c.pk(), "");
    assert_eq!(rows(&db, "shop_coupon"), 1);
}

#[test]
fn foreign_key_to_a_text_pk_stores_the_key_and_follows_it() {
    let db = db();
    let mut c = coupon("SPRING", 10);
    c.save(&db).unwrap();
    let s = sale(&db);
    let mut r = Receipt::new(s.key().unwrap(), Decimal::new(995, 2));
    r.set_coupon(Some(&c)).unwrap();
    r.save(&db).unwrap();
    let stored = common::scalar_text(&db, "SELECT coupon_id FROM shop_receipt", &[]);
    assert_eq!(stored, "SPRING");
    assert_eq!(r.coupon(&db).unwrap().map(|c| c.code), Some("SPRING".to_string()));
    assert_eq!(c.receipts().query().unwrap().count(&db).unwrap(), 1);

    // on_delete SET_NULL through a text key.
    c.delete(&db).unwrap();
    r.refresh_from_db(&db).unwrap();
    assert_eq!(r.coupon_id, None);
}

#[test]
fn uuid_pk_with_a_default_is_set_at_construction_and_stored_as_32_hex_characters() {
    let db = db();
    let s = sale(&db);
    let mut r = Receipt::new(s.key().unwrap(), Decimal::new(1000, 2));
    let id = r.pk();
    r.save(&db).unwrap();
    assert_eq!(r.pk(), id, "the default key is kept");
    let stored = common::scalar_text(&db, "SELECT id FROM shop_receipt", &[]);
    assert_eq!(stored, id.simple().to_string());
    assert_eq!(stored.len(), 32);
    assert_eq!(Receipt::get(&db, id).unwrap().total.to_string(), "10.00");
}

#[test]
fn uuid_pk_with_a_default_new_instance_inserts_without_trying_an_update() {
    // Django skips the UPDATE for an instance still being added whose pk has
    // a default, so reusing an existing key on a new instance is an
    // IntegrityError rather than an overwrite; a loaded instance updates.
    let db = db();
    let s = sale(&db);
    let mut first = Receipt::new(s.key().unwrap(), Decimal::new(100, 2));
    first.save(&db).unwrap();

    let mut copy = Receipt::new(s.key().unwrap(), Decimal::new(999, 2));
    copy.set_pk(first.pk());
    let result = copy.save(&db);
    assert!(matches!(result, Err(Error::Integrity(_))), "{result:?}");

    let mut loaded = Receipt::get(&db, first.pk()).unwrap();
    loaded.total = Decimal::new(250, 2);
    loaded.save(&db).unwrap();
    assert_eq!(rows(&db, "shop_receipt"), 1);
    assert_eq!(Receipt::get(&db, first.pk()).unwrap().total.to_string(), "2.50");
}
