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
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::Database;

use weblog::{Author, Blog, Entry};

/// The example apps these tests use, in an order their tables can be
/// created in (notifications refers to people).
pub const APPS: &[&modelgen_runtime::AppMeta] =
    &[&library::APP, &people::APP, &notifications::APP, &shop::APP, &weblog::APP];

/// The environment variable choosing the backend the behaviour tests run
/// on: unset or `sqlite` (an in-memory database per test), `postgresql`
/// (a fresh database per test on `modelgen_testing_pg::server()`).
pub const BACKEND_ENV: &str = "MODELGEN_TEST_BACKEND";

/// Whether the tests run on PostgreSQL: asked for, and a server there.
/// Without PostgreSQL installed, `server()` prints one line saying how to
/// enable it and the tests run on SQLite, so the README's test command
/// passes on a machine with only the Rust toolchain; with
/// `MODELGEN_REQUIRE_PG=1` (`.ci/run`) a missing server fails instead.
pub fn on_postgresql() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var(BACKEND_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("postgresql"))
            && modelgen_testing_pg::server().is_some()
    })
}

/// `true` (after which the test returns early) when the tests run on
/// PostgreSQL and the test is about SQLite alone: `why` says what it needs
/// (PRAGMAs, `quote()`/`typeof()`, SQLite's storage, a file database).
pub fn sqlite_only(why: &str) -> bool {
    let _ = why;
    on_postgresql()
}

thread_local! {
    /// The test databases of this thread's test, dropped (WITH (FORCE))
    /// when the test's thread ends.
    static PG_DATABASES: std::cell::RefCell<Vec<modelgen_testing_pg::TestDatabase<'static>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A fresh empty database of the backend the tests run on.
pub fn empty_database() -> Database {
    if !on_postgresql() {
        return Database::open_in_memory().expect("open an in-memory database");
    }
    let server = modelgen_testing_pg::server()
        .unwrap_or_else(|| panic!("{BACKEND_ENV}=postgresql but no PostgreSQL server (see testing/pg)"));
    let test_db = server.database();
    let db = Database::from_postgres_client(test_db.connect()).expect("connect to the test database");
    PG_DATABASES.with(|dbs| dbs.borrow_mut().push(test_db));
    db
}

/// A fresh database with every example app's tables.
pub fn setup() -> Database {
    let db = empty_database();
    db.create_tables(APPS).expect("create the tables");
    db
}

/// An integrity error's text as each backend's Django shows it: SQLite's
/// message, or the first line of PostgreSQL's (psycopg's text, the
/// DETAIL line after it naming the values: Django 5.2 on PostgreSQL gave
/// `duplicate key value violates unique constraint "..."\nDETAIL:  Key
/// (slug)=(mug) already exists.`, the runtime's text exactly).
#[track_caller]
pub fn assert_integrity_text(text: &str, sqlite: &str, postgresql: &str) {
    if on_postgresql() {
        assert_eq!(text.lines().next().unwrap_or_default(), postgresql, "{text}");
    } else {
        assert_eq!(text, sqlite);
    }
}

/// `rows` sorted on PostgreSQL, as they are on SQLite otherwise: a query
/// without ORDER BY gives SQLite's table order, PostgreSQL's order is its
/// plan's (a hash aggregate, ...), as Django's is on each.
pub fn unordered_on_postgresql<T: Ord>(mut rows: Vec<T>) -> Vec<T> {
    if on_postgresql() {
        rows.sort();
    }
    rows
}

/// The rows of a raw query, on either backend.
pub fn query(db: &Database, sql: &str, params: &[Value]) -> Vec<Vec<Value>> {
    db.query_raw(sql, params).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The first value of the first row of a raw query, on either backend.
pub fn scalar(db: &Database, sql: &str, params: &[Value]) -> Value {
    query(db, sql, params).into_iter().next().and_then(|row| row.into_iter().next()).unwrap_or(Value::Null)
}

/// [`scalar`] as an integer.
pub fn scalar_i64(db: &Database, sql: &str, params: &[Value]) -> i64 {
    match scalar(db, sql, params) {
        Value::Integer(n) => n,
        other => panic!("{sql}: not an integer: {other:?}"),
    }
}

/// [`scalar`] as text.
pub fn scalar_text(db: &Database, sql: &str, params: &[Value]) -> String {
    match scalar(db, sql, params) {
        Value::Text(t) => t,
        other => panic!("{sql}: not text: {other:?}"),
    }
}

/// The text of the first value of `row`.
pub fn scalar_text_of(row: &[Value]) -> String {
    match row.first() {
        Some(Value::Text(t)) => t.clone(),
        other => panic!("not text: {other:?}"),
    }
}

/// An integer value.
pub fn i64_of(value: &Value) -> i64 {
    match value {
        Value::Integer(n) => *n,
        other => panic!("not an integer: {other:?}"),
    }
}

/// A value as SQLite's `quote()` shows it.
pub fn quote(value: &Value) -> String {
    match value {
        Value::Null => "NULL".into(),
        Value::Integer(n) => n.to_string(),
        Value::Real(r) => format!("{r:?}"),
        Value::Text(t) => format!("'{}'", t.replace('\'', "''")),
        Value::Blob(b) => format!("X'{}'", b.iter().map(|b| format!("{b:02X}")).collect::<String>()),
    }
}

/// The stored value of one column, as SQLite's `quote()` shows it: text in
/// single quotes, numbers bare, `NULL`, blobs as `X'..'` (on PostgreSQL,
/// the value read back in SQLite's storage form, shown the same way).
pub fn raw(db: &Database, table: &str, column: &str, id: i64) -> String {
    if let Some(conn) = db.sqlite_connection() {
        return conn
            .query_row(&format!(r#"SELECT quote("{column}") FROM "{table}" WHERE "id" = ?1"#), [id], |r| r.get(0))
            .expect("read a stored value");
    }
    let rows = query(db, &format!(r#"SELECT "{column}" FROM "{table}" WHERE "id" = ?1"#), &[Value::Integer(id)]);
    rows.first().and_then(|r| r.first()).map(quote).expect("read a stored value")
}

/// SQLite's storage class of one stored value (`integer`, `real`, `text`, `null`, `blob`).
pub fn storage_class(db: &Database, table: &str, column: &str, id: i64) -> String {
    if let Some(conn) = db.sqlite_connection() {
        return conn
            .query_row(&format!(r#"SELECT typeof("{column}") FROM "{table}" WHERE "id" = ?1"#), [id], |r| r.get(0))
            .expect("read a storage class");
    }
    let rows = query(db, &format!(r#"SELECT "{column}" FROM "{table}" WHERE "id" = ?1"#), &[Value::Integer(id)]);
    match rows.first().and_then(|r| r.first()).expect("read a storage class") {
        Value::Null => "null",
        Value::Integer(_) => "integer",
        Value::Real(_) => "real",
        Value::Text(_) => "text",
        Value::Blob(_) => "blob",
    }
    .into()
}

/// The number of rows of a table.
pub fn count(db: &Database, table: &str) -> i64 {
    match query(db, &format!(r#"SELECT COUNT(*) FROM "{table}""#), &[]).first().and_then(|r| r.first()) {
        Some(Value::Integer(n)) => *n,
        other => panic!("count rows: {other:?}"),
    }
}

/// The ids of a table, ascending.
pub fn ids(db: &Database, table: &str) -> Vec<i64> {
    query(db, &format!(r#"SELECT "id" FROM "{table}" ORDER BY "id""#), &[])
        .into_iter()
        .map(|row| match row.first() {
            Some(Value::Integer(n)) => *n,
            other => panic!("id: {other:?}"),
        })
        .collect()
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

/// An unsaved blog (tagline "t").
pub fn new_blog(name: &str) -> Blog {
    let mut blog = Blog::new();
    blog.name = name.into();
    blog.tagline = "t".into();
    blog
}

/// A saved weblog author, with the email `<name>@example.com`.
pub fn weblog_author(db: &Database, name: &str) -> Author {
    let mut author = Author::new();
    author.name = name.into();
    author.email = format!("{name}@example.com");
    author.save(db).expect("save an author");
    author
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
    db.execute_raw(&sql, &[])
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

/// The data the query tests share with the Django probes they were pinned
/// against (lookups.rs, aggregates.rs). Django's data: blogs "Beatles Blog" (featuring "All about 2008"), "Pop
/// Music Blog" and "Empty"; authors John Lennon and Paul McCartney;
/// entries (blog, headline, pub_date, rating, authors):
/// 1 Beatles "Lennon speaks" 2008-03-01 4 [Lennon];
/// 2 Beatles "All about 2008" 2008-06-01 5 [Lennon, Paul];
/// 3 Pop "Lennon tribute" 2010-01-01 3 [Paul];
/// 4 Pop "Pop in 2008" 2008-12-24 2 [].
pub fn beatles_weblog(db: &Database) {
    let mut blogs = Vec::new();
    for (name, tagline) in
        [("Beatles Blog", "All the latest Beatles news."), ("Pop Music Blog", "pop"), ("Empty", "nothing")]
    {
        let mut b = Blog::new();
        b.name = name.into();
        b.tagline = tagline.into();
        b.save(db).unwrap();
        blogs.push(b);
    }
    let mut authors = Vec::new();
    for name in ["John Lennon", "Paul McCartney"] {
        let mut a = Author::new();
        a.name = name.into();
        a.email = "x@example.com".into();
        a.save(db).unwrap();
        authors.push(a);
    }
    let (lennon, paul) = (&authors[0], &authors[1]);
    let mut entries = Vec::new();
    for (blog, headline, (y, m, d), rating) in [
        (0, "Lennon speaks", (2008, 3, 1), 4),
        (0, "All about 2008", (2008, 6, 1), 5),
        (1, "Lennon tribute", (2010, 1, 1), 3),
        (1, "Pop in 2008", (2008, 12, 24), 2),
    ] {
        let mut e = Entry::new(blogs[blog].key().unwrap(), date(y, m, d));
        e.headline = headline.into();
        e.rating = rating;
        e.save(db).unwrap();
        entries.push(e);
    }
    entries[0].authors().add(db, &[lennon]).unwrap();
    entries[1].authors().add(db, &[lennon, paul]).unwrap();
    entries[2].authors().add(db, &[paul]).unwrap();
    blogs[0].featured_id = entries[1].id;
    blogs[0].save(db).unwrap();
}

/// Every blog, in id order (the order [`beatles_weblog`] saves them in).
pub fn blogs() -> QuerySet<Blog> {
    Blog::objects().order_by([Blog::ID.asc()])
}

/// Every entry, in id order (the order [`beatles_weblog`] saves them in).
pub fn entries() -> QuerySet<Entry> {
    Entry::objects().order_by([Entry::ID.asc()])
}

/// A fresh database holding [`beatles_weblog`]'s data.
pub fn setup_weblog() -> Database {
    let db = setup();
    beatles_weblog(&db);
    db
}
