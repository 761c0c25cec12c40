//! The read paths of the runtime beside hand-written rusqlite doing the same
//! SQL work (the same statement text, the same bound values, each statement
//! prepared once) in the same run:
//!
//! - `get_pk_10k`: `Entry::get(&db, pk)` for 10,000 keys;
//! - `filter_10k`: a filter whose 10,000 rows are all loaded into `Entry`
//!   instances, against hand-written row mapping into the same struct;
//! - `select_related_1k`: `Entry::objects().select_related(Entry::BLOG_REL)`
//!   over 1,000 entries (one query with a join), against the hand-written
//!   join; and the N+1 loop (`entry.blog(&db)` per entry, what Django runs
//!   without select_related), reported beside it;
//! - `count_10k`: `count()` of a filter matching 10,000 rows;
//! - `sum_10k`: `aggregate(Sum(Entry::RATING))` over the same rows.
//!
//! Before measuring, every case checks that the runtime runs exactly the
//! SQL the hand-written side runs (`sql_with_params`) and that both sides
//! read equal values. The database is in memory, so the figures compare the
//! code around SQLite, not the disk. Ratios go to docs/performance.md.
//!
//! Modes besides criterion's:
//! `MODELGEN_BENCH_PAIRED=<rounds> cargo bench --bench reads`: both sides
//! back to back in every round, alternating order; median per-round ratio.

mod pairing;

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, Criterion};
use modelgen_examples::weblog::{self, Blog, Entry, EntryStatus};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::NaiveDate;
use modelgen_runtime::rusqlite::types::ValueRef;
use modelgen_runtime::{Database, ModelState};
use pairing::Side;

const ENTRIES: usize = 10_000;
const BLOGS: usize = 100;
const RELATED_ROWS: usize = 1_000;

/// 100 blogs and 10,000 entries (ids 1..=10,000), entry `i` in blog
/// `i % 100 + 1`, with ratings 0..=9 and both statuses.
fn database() -> Database {
    let db = Database::open_in_memory().expect("in-memory database");
    db.create_tables(&[&weblog::APP]).expect("tables");
    db.transaction(|db| {
        let mut blogs = Vec::with_capacity(BLOGS);
        for b in 0..BLOGS {
            let mut blog = Blog::new();
            blog.name = format!("blog {b}");
            blog.tagline = "tagline".into();
            blog.save(db)?;
            blogs.push(blog.key().expect("saved blog has a key"));
        }
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date");
        for i in 0..ENTRIES {
            let mut entry = Entry::new(blogs[i % BLOGS], day + modelgen_runtime::chrono::Days::new((i % 365) as u64));
            entry.headline = format!("headline {i}");
            entry.body_text = "body text of the entry".into();
            entry.rating = (i % 10) as i64;
            entry.n_comments = (i % 7) as i64;
            entry.status = if i % 3 == 0 { EntryStatus::Draft } else { EntryStatus::Published };
            entry.save(db)?;
        }
        Ok(())
    })
    .expect("seed");
    db
}

// ---------------------------------------------------------------------------
// The SQL both sides run (checked against the runtime's before measuring)
// ---------------------------------------------------------------------------

const ENTRY_COLUMNS: &str = r#""id", "blog_id", "headline", "body_text", "pub_date", "mod_date", "n_comments", "n_pingbacks", "rating", "status""#;
/// The same, qualified by the table (in a join).
const ENTRY_COLUMNS_QUALIFIED: &str = r#""weblog_entry"."id", "weblog_entry"."blog_id", "weblog_entry"."headline", "weblog_entry"."body_text", "weblog_entry"."pub_date", "weblog_entry"."mod_date", "weblog_entry"."n_comments", "weblog_entry"."n_pingbacks", "weblog_entry"."rating", "weblog_entry"."status""#;

fn get_sql() -> String {
    format!(r#"SELECT {ENTRY_COLUMNS} FROM "weblog_entry" WHERE "id" = ? LIMIT 21"#)
}

fn filter_sql() -> String {
    format!(r#"SELECT {ENTRY_COLUMNS} FROM "weblog_entry" WHERE "rating" >= ? ORDER BY "pub_date" DESC"#)
}

fn related_sql() -> String {
    format!(
        r#"SELECT {ENTRY_COLUMNS_QUALIFIED}, "weblog_blog"."id", "weblog_blog"."name", "weblog_blog"."tagline", "weblog_blog"."featured_id" FROM "weblog_entry" INNER JOIN "weblog_blog" ON ("weblog_entry"."blog_id" = "weblog_blog"."id") WHERE "weblog_entry"."id" <= ? ORDER BY "weblog_entry"."pub_date" DESC"#
    )
}

const COUNT_SQL: &str = r#"SELECT COUNT(*) FROM "weblog_entry" WHERE "rating" >= ?"#;
/// The same SUM the runtime's aggregate() runs (its text is not compared:
/// aggregate() has no `sql_with_params`; both read the same value).
const SUM_SQL: &str = r#"SELECT SUM("weblog_entry"."rating") FROM "weblog_entry" WHERE "weblog_entry"."rating" >= ?"#;

fn filter_query() -> QuerySet<Entry> {
    Entry::objects().filter(Entry::RATING.gte(0))
}

fn related_query() -> QuerySet<Entry> {
    Entry::objects().filter(Entry::ID.lte(RELATED_ROWS as i64))
}

// ---------------------------------------------------------------------------
// Hand-written row mapping
// ---------------------------------------------------------------------------

/// `YYYY-MM-DD` as stored, read as directly as a careful hand-written
/// program would (fixed width; no other layout accepted).
fn parse_date(text: &[u8]) -> NaiveDate {
    let digits = |range: std::ops::Range<usize>| text[range].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    NaiveDate::from_ymd_opt(digits(0..4) as i32, digits(5..7), digits(8..10)).expect("stored date")
}

fn text(value: ValueRef<'_>) -> String {
    String::from_utf8_lossy(value.as_bytes().expect("text")).into_owned()
}

fn entry_from(row: &rusqlite::Row<'_>) -> Entry {
    let status = match row.get_ref(9).expect("status").as_bytes().expect("text") {
        b"d" => EntryStatus::Draft,
        b"p" => EntryStatus::Published,
        other => EntryStatus::Other(String::from_utf8_lossy(other).into_owned()),
    };
    Entry {
        id: Some(row.get(0).expect("id")),
        blog_id: row.get(1).expect("blog_id"),
        headline: text(row.get_ref(2).expect("headline")),
        body_text: text(row.get_ref(3).expect("body_text")),
        pub_date: parse_date(row.get_ref(4).expect("pub_date").as_bytes().expect("text")),
        mod_date: parse_date(row.get_ref(5).expect("mod_date").as_bytes().expect("text")),
        n_comments: row.get(6).expect("n_comments"),
        n_pingbacks: row.get(7).expect("n_pingbacks"),
        rating: row.get(8).expect("rating"),
        status,
        _state: ModelState::loaded(),
    }
}

fn blog_from(row: &rusqlite::Row<'_>, offset: usize) -> Blog {
    Blog {
        id: Some(row.get(offset).expect("id")),
        name: text(row.get_ref(offset + 1).expect("name")),
        tagline: text(row.get_ref(offset + 2).expect("tagline")),
        featured_id: row.get(offset + 3).expect("featured_id"),
        _state: ModelState::loaded(),
    }
}

// ---------------------------------------------------------------------------
// The timed parts, as named functions: `callgrind --toggle-collect` can
// count exactly their instructions (see docs/performance.md).
// ---------------------------------------------------------------------------

#[inline(never)]
fn timed_modelgen_get(db: &Database) -> i64 {
    let mut sum = 0;
    for pk in 1..=ENTRIES as i64 {
        sum += Entry::get(db, pk).expect("get").rating;
    }
    sum
}

#[inline(never)]
fn timed_rusqlite_get(db: &Database) -> i64 {
    let mut stmt = db.sqlite_connection().expect("an SQLite database").prepare_cached(&get_sql()).expect("prepare");
    let mut sum = 0;
    for pk in 1..=ENTRIES as i64 {
        let mut rows = stmt.query([pk]).expect("query");
        let entry = entry_from(rows.next().expect("row").expect("one row"));
        assert!(rows.next().expect("row").is_none());
        sum += entry.rating;
    }
    sum
}

#[inline(never)]
fn timed_modelgen_filter(db: &Database) -> Vec<Entry> {
    filter_query().all(db).expect("filter")
}

#[inline(never)]
fn timed_rusqlite_filter(db: &Database) -> Vec<Entry> {
    let mut stmt = db.sqlite_connection().expect("an SQLite database").prepare_cached(&filter_sql()).expect("prepare");
    let mut rows = stmt.query([0]).expect("query");
    let mut out = Vec::new();
    while let Some(row) = rows.next().expect("row") {
        out.push(entry_from(row));
    }
    out
}

#[inline(never)]
fn timed_modelgen_related(db: &Database) -> Vec<(Entry, Option<Blog>)> {
    related_query().select_related(Entry::BLOG_REL).all(db).expect("select_related")
}

#[inline(never)]
fn timed_rusqlite_related(db: &Database) -> Vec<(Entry, Option<Blog>)> {
    let mut stmt = db.sqlite_connection().expect("an SQLite database").prepare_cached(&related_sql()).expect("prepare");
    let mut rows = stmt.query([RELATED_ROWS as i64]).expect("query");
    let mut out = Vec::new();
    while let Some(row) = rows.next().expect("row") {
        out.push((entry_from(row), Some(blog_from(row, 10))));
    }
    out
}

/// Without select_related: the entries, then one query per entry for its
/// blog (Django's N+1).
#[inline(never)]
fn timed_modelgen_n_plus_1(db: &Database) -> Vec<(Entry, Option<Blog>)> {
    let entries = related_query().all(db).expect("entries");
    entries
        .into_iter()
        .map(|entry| {
            let blog = entry.blog(db).expect("blog");
            (entry, Some(blog))
        })
        .collect()
}

#[inline(never)]
fn timed_modelgen_count(db: &Database) -> usize {
    filter_query().count(db).expect("count")
}

#[inline(never)]
fn timed_rusqlite_count(db: &Database) -> usize {
    let mut stmt = db.sqlite_connection().expect("an SQLite database").prepare_cached(COUNT_SQL).expect("prepare");
    let count: i64 = stmt.query_row([0], |row| row.get(0)).expect("count");
    count as usize
}

#[inline(never)]
fn timed_modelgen_sum(db: &Database) -> Option<i64> {
    filter_query().aggregate(db, Sum(Entry::RATING)).expect("sum")
}

#[inline(never)]
fn timed_rusqlite_sum(db: &Database) -> Option<i64> {
    let mut stmt = db.sqlite_connection().expect("an SQLite database").prepare_cached(SUM_SQL).expect("prepare");
    stmt.query_row([0], |row| row.get(0)).expect("sum")
}

/// Both sides run the same SQL and read the same values.
fn check_both_sides_read_the_same(db: &Database) {
    let sql = |(text, _): (String, Vec<modelgen_runtime::rusqlite::types::Value>)| text;
    // get() runs its query unordered, limited to 21 rows (Django's
    // MAX_GET_RESULTS), the limit written into the text as Django does.
    let get = Entry::objects().filter(Condition::pk(1i64)).order_by([]).limit(21);
    let texts = [
        (sql(get.sql_with_params().expect("sql")), get_sql()),
        (sql(filter_query().sql_with_params().expect("sql")), filter_sql()),
        (sql(related_query().select_related(Entry::BLOG_REL).sql_with_params().expect("sql")), related_sql()),
    ];
    for (ours, theirs) in &texts {
        if ours != theirs {
            eprintln!("modelgen runs: {ours}\nhand-written:  {theirs}");
        }
    }
    assert!(texts.iter().all(|(ours, theirs)| ours == theirs), "both sides must run the same SQL");
    assert_eq!(timed_modelgen_get(db), timed_rusqlite_get(db));
    let ours = timed_modelgen_filter(db);
    assert_eq!(ours.len(), ENTRIES);
    assert_eq!(ours, timed_rusqlite_filter(db));
    let ours = timed_modelgen_related(db);
    assert_eq!(ours.len(), RELATED_ROWS);
    assert_eq!(ours, timed_rusqlite_related(db));
    assert_eq!(ours, timed_modelgen_n_plus_1(db));
    assert_eq!(timed_modelgen_count(db), ENTRIES);
    assert_eq!(timed_rusqlite_count(db), ENTRIES);
    assert!(timed_modelgen_sum(db).is_some());
    assert_eq!(timed_modelgen_sum(db), timed_rusqlite_sum(db));
}

type Timed<T> = fn(&Database) -> T;

fn bench_pair<T>(c: &mut Criterion, db: &Database, name: &str, cases: &[(&str, Timed<T>)]) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for (side, timed) in cases {
        group.bench_function(*side, |b| b.iter(|| black_box(timed(db))));
    }
    group.finish();
}

fn reads(c: &mut Criterion) {
    let db = database();
    check_both_sides_read_the_same(&db);
    bench_pair(c, &db, "get_pk_10k", &[("modelgen", timed_modelgen_get), ("rusqlite", timed_rusqlite_get)]);
    bench_pair(c, &db, "filter_10k", &[("modelgen", timed_modelgen_filter), ("rusqlite", timed_rusqlite_filter)]);
    bench_pair(
        c,
        &db,
        "select_related_1k",
        &[
            ("modelgen", timed_modelgen_related),
            ("rusqlite", timed_rusqlite_related),
            ("modelgen_n_plus_1", timed_modelgen_n_plus_1),
        ],
    );
    bench_pair(c, &db, "count_10k", &[("modelgen", timed_modelgen_count), ("rusqlite", timed_rusqlite_count)]);
    bench_pair(c, &db, "sum_10k", &[("modelgen", timed_modelgen_sum), ("rusqlite", timed_rusqlite_sum)]);
}

/// The paired rounds (benches/pairing), every case on the same database.
fn paired(db: &Database, rounds: usize) {
    fn run<T>(db: &Database, rounds: usize, name: &str, ours: Timed<T>, theirs: Timed<T>) {
        pairing::print_wall_clock(
            name,
            rounds,
            "other",
            3,
            || (),
            |(), side| {
                let timed = match side {
                    Side::Modelgen => ours,
                    Side::Other => theirs,
                };
                let start = Instant::now();
                black_box(timed(db));
                pairing::ms(start.elapsed())
            },
        );
    }
    run(db, rounds, "get_pk_10k", timed_modelgen_get, timed_rusqlite_get);
    run(db, rounds, "filter_10k", timed_modelgen_filter, timed_rusqlite_filter);
    run(db, rounds, "select_related_1k", timed_modelgen_related, timed_rusqlite_related);
    run(db, rounds, "n_plus_1_vs_select_related_1k", timed_modelgen_n_plus_1, timed_modelgen_related);
    run(db, rounds, "count_10k", timed_modelgen_count, timed_rusqlite_count);
    run(db, rounds, "sum_10k", timed_modelgen_sum, timed_rusqlite_sum);
}

criterion_group!(benches, reads);

fn main() {
    if let Some(rounds) = pairing::requested_rounds() {
        let db = database();
        check_both_sides_read_the_same(&db);
        paired(&db, rounds);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
