//! Shared helpers of the behaviour tests: a fresh database with the tables
//! of the example apps, raw reads of stored values, and a log for signal
//! receivers. The tests use the generated models only (never places, whose
//! multi-table inheritance is tested elsewhere).

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use modelgen_examples::{library, notifications, people, shop, weblog};
use modelgen_runtime::chrono::{DateTime, NaiveDate, TimeZone, Utc};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::Database;

use weblog::{Blog, Entry};

/// The example apps these tests use, in an order their tables can be
/// created in (notifications refers to people).
pub const APPS: &[&modelgen_runtime::AppMeta] =
    &[&library::APP, &people::APP, &notifications::APP, &shop::APP, &weblog::APP];

/// A fresh in-memory database with every example app's tables.
pub fn setup() -> Database {
    let db = Database::open_in_memory().expect("open an in-memory database");
    db.create_tables(APPS).expect("create the tables");
    db
}

/// The stored value of one column, as SQLite's `quote()` shows it: text in
/// single quotes, numbers bare, `NULL`, blobs as `X'..'`.
pub fn raw(db: &Database, table: &str, column: &str, id: i64) -> String {
    db.connection()
        .query_row(&format!(r#"SELECT quote("{column}") FROM "{table}" WHERE "id" = ?1"#), [id], |r| r.get(0))
        .expect("read a stored value")
}

/// SQLite's storage class of one stored value (`integer`, `real`, `text`, `null`, `blob`).
pub fn storage_class(db: &Database, table: &str, column: &str, id: i64) -> String {
    db.connection()
        .query_row(&format!(r#"SELECT typeof("{column}") FROM "{table}" WHERE "id" = ?1"#), [id], |r| r.get(0))
        .expect("read a storage class")
}

/// The number of rows of a table.
pub fn count(db: &Database, table: &str) -> i64 {
    db.connection().query_row(&format!(r#"SELECT COUNT(*) FROM "{table}""#), [], |r| r.get(0)).expect("count rows")
}

/// The ids of a table, ascending.
pub fn ids(db: &Database, table: &str) -> Vec<i64> {
    let mut stmt = db.connection().prepare(&format!(r#"SELECT "id" FROM "{table}" ORDER BY "id""#)).expect("prepare");
    let rows = stmt.query_map([], |r| r.get(0)).expect("query");
    rows.map(|r| r.expect("id")).collect()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

pub fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("a valid datetime")
}

/// A saved blog.
pub fn blog(db: &Database, name: &str) -> Blog {
    let mut blog = Blog::new();
    blog.name = name.into();
    blog.tagline = format!("{name} tagline");
    blog.save(db).expect("save a blog");
    blog
}

/// A saved entry of `blog`.
pub fn entry(db: &Database, blog: &Blog, headline: &str, pub_date: NaiveDate) -> Entry {
    let mut entry = Entry::new(blog.key().expect("a saved blog"), pub_date);
    entry.headline = headline.into();
    entry.body_text = format!("{headline} body");
    entry.save(db).expect("save an entry");
    entry
}

/// Write a `shop_product` row by raw SQL, as another program (Django) does:
/// `values` are the SQL literals of id, name, slug, price, number_sold,
/// in_stock, sku, attributes, created and updated, in that order.
pub fn insert_product_row(db: &Database, values: &str) -> modelgen_runtime::Result<usize> {
    let columns =
        r#""id", "name", "slug", "price", "number_sold", "in_stock", "sku", "attributes", "created", "updated""#;
    let sql = format!(r#"INSERT INTO "shop_product" ({columns}) VALUES ({values})"#);
    db.connection().execute(&sql, []).map_err(modelgen_runtime::Error::from)
}

/// A log that signal receivers write to.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, line: impl Into<String>) {
        self.0.lock().expect("log lock").push(line.into());
    }

    /// Everything logged so far, emptying the log.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("log lock"))
    }
}
