//! JSONField and the two nulls: SQL NULL and the JSON text `null`.
//!
//! Django 5.2.19 (the oracle, on SQLite and on PostgreSQL 15) has two
//! spellings: Python `None` writes SQL NULL on every path (`save()`,
//! `objects.create()`, `bulk_create()`, queryset `update()`,
//! `bulk_update()`; in a field that is not `null` that is an
//! IntegrityError), and `Value(None, JSONField())` writes JSON `null`
//! (SQLite: the text `'null'`, `typeof` text; PostgreSQL: jsonb whose
//! `jsonb_typeof` is `'null'`). Python reads both back as `None`.
//! modelgen's spellings are `Option<serde_json::Value>` in a `null: true`
//! field: `None` is SQL NULL, `Some(Value::Null)` JSON null, and each reads
//! back as itself; a field that is not `null` is a `serde_json::Value`
//! whose `Value::Null` is JSON null (Django's `Value(None, JSONField())`:
//! the only null such a field can hold).
//!
//! Lookups (Django's SQL on SQLite in the comments): `filter(data=None)`
//! and `filter(data=Value(None, JSONField()))` match JSON null only
//! (`"data" = 'null'`); `filter(data__isnull=True)` matches SQL NULL only.

mod common;

use common::{on_postgresql, query, utc};
use modelgen_examples::shop::{Product, Reading};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::serde_json::{json, Value as Json};
use modelgen_runtime::{Database, QuerySet};

/// What the database holds in `shop_reading.data` of every row, in
/// `taken_at` order: `"NULL"` for SQL NULL, else the JSON type the
/// database gives (SQLite's `typeof()` is `text` for any JSON text, so
/// the text itself is shown there: `'null'`).
fn stored(db: &Database) -> Vec<String> {
    let sql = if on_postgresql() {
        r#"SELECT "data" IS NULL, jsonb_typeof("data") FROM "shop_reading" ORDER BY "taken_at""#
    } else {
        r#"SELECT "data" IS NULL, quote("data") FROM "shop_reading" ORDER BY "taken_at""#
    };
    query(db, sql, &[])
        .into_iter()
        .map(|row| match (&row[0], &row[1]) {
            (Value::Integer(1), _) => "NULL".to_owned(),
            (_, Value::Text(kind)) if kind == "null" || kind == "'null'" => "json null".to_owned(),
            (_, Value::Text(kind)) => kind.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// A reading at 00:00 UTC of `day` (January 2024) holding `data`.
fn reading(day: u32, data: Option<Json>) -> Reading {
    let mut r = Reading::new(utc(2024, 1, day, 0, 0, 0));
    r.data = data;
    r
}

/// The days of the readings `qs` matches, in order.
fn days(db: &Database, qs: QuerySet<Reading>) -> Vec<u32> {
    use modelgen_runtime::chrono::Datelike;
    qs.all(db).unwrap().into_iter().map(|r| r.taken_at.day()).collect()
}

#[test]
fn json_field_none_saves_sql_null_and_json_null_saves_the_text_null_as_django() {
    let db = common::setup();
    // Django: JN(data=None).save() -> SQL NULL (IS NULL 1, typeof null);
    // JN(data=Value(None, JSONField())).save() -> 'null' (typeof text;
    // PostgreSQL jsonb_typeof 'null').
    reading(1, None).save(&db).unwrap();
    reading(2, Some(Json::Null)).save(&db).unwrap();
    reading(3, Some(json!({"k": 1}))).save(&db).unwrap();
    let object = if on_postgresql() { "object" } else { r#"'{"k": 1}'"# };
    assert_eq!(stored(&db), ["NULL", "json null", object]);
    // Django reads both back as None; Rust keeps them apart.
    let read: Vec<Option<Json>> = Reading::objects().all(&db).unwrap().into_iter().map(|r| r.data).collect();
    assert_eq!(read, [None, Some(Json::Null), Some(json!({"k": 1}))]);
}

#[test]
fn json_field_none_on_every_write_path_is_sql_null_as_django() {
    let db = common::setup();
    // Django: objects.create(data=None) and bulk_create([JN(data=None)]) ->
    // SQL NULL; bulk_create([JN(data=Value(None, JSONField()))]) -> 'null'.
    Reading::objects().get_or_create(&db, || reading(1, None)).unwrap();
    Reading::objects().bulk_create(&db, &mut [reading(2, None), reading(3, Some(Json::Null))]).unwrap();
    // Django: filter(pk=..).update(data=None) -> SET "data" = NULL;
    // update(data=Value(None, JSONField())) -> SET "data" = 'null'.
    let mut four = reading(4, Some(json!([1])));
    let mut five = reading(5, Some(json!([1])));
    Reading::objects().bulk_create(&db, &mut [four.clone(), five.clone()]).unwrap();
    let on = |day| Reading::objects().filter(Reading::TAKEN_AT.eq(utc(2024, 1, day, 0, 0, 0)));
    assert_eq!(on(4).update(&db, &[Reading::DATA.set(None)]).unwrap(), 1);
    assert_eq!(on(5).update(&db, &[Reading::DATA.set(Some(Json::Null))]).unwrap(), 1);
    // Django: bulk_update([o], ["data"]) with o.data = None -> CASE ... THEN NULL.
    four.data = Some(Json::Null);
    five.data = None;
    Reading::objects().bulk_update(&db, &[four, five], Reading::DATA).unwrap();
    // Django: o.data = None; o.save() -> UPDATE ... SET "data" = NULL.
    let mut three = Reading::get(&db, utc(2024, 1, 3, 0, 0, 0)).unwrap();
    three.data = None;
    three.save(&db).unwrap();
    assert_eq!(stored(&db), ["NULL", "NULL", "NULL", "json null", "NULL"]);
}

#[test]
fn json_field_exact_none_matches_json_null_and_isnull_matches_sql_null_as_django() {
    let db = common::setup();
    for r in [reading(1, None), reading(2, Some(Json::Null)), reading(3, Some(json!({"k": 1})))].iter_mut() {
        r.save(&db).unwrap();
    }
    // Django, rows 1 (None), 2 (Value(None, JSONField())), 3 ({"k": 1}):
    // filter(data=None) and filter(data=Value(None, JSONField())) -> [2]
    // ("data" = 'null'); filter(data__isnull=True) -> [1];
    // filter(data__isnull=False) -> [2, 3].
    assert_eq!(days(&db, Reading::objects().filter(Reading::DATA.eq(Some(Json::Null)))), [2]);
    assert_eq!(days(&db, Reading::objects().filter(Reading::DATA.isnull(true))), [1]);
    assert_eq!(days(&db, Reading::objects().filter(Reading::DATA.isnull(false))), [2, 3]);
    // Rust's None is the value that stores SQL NULL, so eq(None) is isnull=True.
    assert_eq!(days(&db, Reading::objects().filter(Reading::DATA.eq(None))), [1]);
    // Django: exclude(data=Value(None, JSONField())) -> [1, 3]
    // (NOT ("data" = 'null' AND "data" IS NOT NULL)); exclude(data__isnull=True) -> [2, 3].
    assert_eq!(days(&db, Reading::objects().exclude(Reading::DATA.eq(Some(Json::Null)))), [1, 3]);
    assert_eq!(days(&db, Reading::objects().filter(Reading::DATA.ne(Some(Json::Null)))), [1, 3]);
    assert_eq!(days(&db, Reading::objects().exclude(Reading::DATA.isnull(true))), [2, 3]);
}

#[test]
fn json_null_in_a_field_that_is_not_null_is_the_text_null_as_djangos_value_none() {
    let db = common::setup();
    // Django, JSONField(default=dict): JD(data=None).save() -> IntegrityError
    // (NOT NULL constraint failed); JD(data=Value(None, JSONField())).save()
    // -> 'null', read back as None; filter(data=None) matches it.
    let mut p = Product::new();
    p.name = "p".into();
    p.slug = "p".into();
    p.attributes = Json::Null;
    p.save(&db).unwrap();
    let mut q = Product::new();
    q.name = "q".into();
    q.slug = "q".into();
    q.save(&db).unwrap();
    let kind = if on_postgresql() {
        r#"SELECT "attributes" IS NULL, jsonb_typeof("attributes") FROM "shop_product" ORDER BY "id""#
    } else {
        r#"SELECT "attributes" IS NULL, "attributes" FROM "shop_product" ORDER BY "id""#
    };
    let empty = if on_postgresql() { "object" } else { "{}" };
    assert_eq!(
        query(&db, kind, &[]),
        [vec![Value::Integer(0), Value::Text("null".into())], vec![Value::Integer(0), Value::Text(empty.into())]]
    );
    p.refresh_from_db(&db).unwrap();
    assert_eq!(p.attributes, Json::Null);
    let names = |qs: QuerySet<Product>| qs.all(&db).unwrap().into_iter().map(|p| p.name).collect::<Vec<_>>();
    assert_eq!(names(Product::objects().filter(Product::ATTRIBUTES.eq(Json::Null))), ["p"]);
    assert_eq!(names(Product::objects().exclude(Product::ATTRIBUTES.eq(Json::Null))), ["q"]);
    assert!(names(Product::objects().filter(Product::ATTRIBUTES.isnull(true))).is_empty());
}

#[test]
fn full_clean_of_json_null_follows_the_fields_null_and_blank_as_django() {
    // Django: JN(data=None).full_clean() (null=True, blank=False) ->
    // "This field cannot be blank."; a loaded JSON null (None in Python)
    // gives the same. JD(data=None) (not null, not blank) -> "This field
    // cannot be null.".
    let blank = |r: Reading| r.full_clean().expect_err("full_clean should fail").0.into_iter().collect::<Vec<_>>();
    let cannot_be_blank = vec![("data".to_owned(), vec!["This field cannot be blank.".to_owned()])];
    assert_eq!(blank(reading(1, None)), cannot_be_blank);
    assert_eq!(blank(reading(1, Some(Json::Null))), cannot_be_blank);
    assert_eq!(reading(1, Some(json!({"k": 1}))).full_clean(), Ok(()));
    let mut p = Product::new();
    p.name = "p".into();
    p.slug = "p".into();
    p.attributes = Json::Null;
    let errors: Vec<_> = p.full_clean().expect_err("full_clean should fail").0.into_iter().collect();
    assert_eq!(errors, [("attributes".to_owned(), vec!["This field cannot be null.".to_owned()])]);
}
