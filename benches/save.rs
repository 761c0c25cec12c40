//! save() for 10,000 inserts and 10,000 updates, beside hand-written rusqlite
//! running exactly the SQL the runtime runs (the same statements, the same
//! bound values, each statement prepared once) in the same run. Both sides
//! work inside one transaction on an in-memory database, so the figures
//! compare the code around SQLite, not the disk. Before measuring, both
//! sides save the same entries and the stored rows are compared. Ratios go
//! to docs/performance.md.

mod pairing;

use std::time::Instant;

use criterion::{criterion_group, BatchSize, Criterion};
use modelgen_examples::weblog::{self, Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::{Datelike, NaiveDate, Utc};
use modelgen_runtime::Database;
use pairing::Side;
use rusqlite::params;

const ROWS: usize = 10_000;

fn database() -> (Database, Key<Blog>) {
    let db = Database::open_in_memory().expect("in-memory database");
    // MODELGEN_BENCH_TRACKED=1 measures saves with dirty tracking on (a
    // snapshot per save), the figure docs/performance.md gives beside the
    // default.
    if std::env::var_os("MODELGEN_BENCH_TRACKED").is_some() {
        db.set_track_changes(true);
    }
    db.create_tables(&[&weblog::APP]).expect("tables");
    let mut blog = Blog::new();
    blog.name = "bench".into();
    blog.save(&db).expect("blog");
    let blog_key = blog.key().expect("saved blog has a key");
    (db, blog_key)
}

fn pub_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date")
}

/// Entries as the benchmark saves them; built outside the timed part.
fn entries(blog: Key<Blog>) -> Vec<Entry> {
    (0..ROWS)
        .map(|i| {
            let mut entry = Entry::new(blog, pub_date());
            entry.headline = format!("headline {i}");
            entry.body_text = "body".into();
            entry
        })
        .collect()
}

/// The statements a hand-written program runs for `weblog.Entry`, the same
/// the runtime builds from its `ModelMeta`: an unset auto pk is inserted
/// binding NULL for the pk and reading `last_insert_rowid()` (no
/// RETURNING); a saved instance is written with one UPDATE of every column.
const INSERT: &str = r#"INSERT INTO "weblog_entry" ("id", "blog_id", "headline", "body_text", "pub_date", "mod_date", "n_comments", "n_pingbacks", "rating", "status") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"#;
const UPDATE: &str = r#"UPDATE "weblog_entry" SET "blog_id" = ?1, "headline" = ?2, "body_text" = ?3, "pub_date" = ?4, "mod_date" = ?5, "n_comments" = ?6, "n_pingbacks" = ?7, "rating" = ?8, "status" = ?9 WHERE "id" = ?10"#;

/// A date as Django stores it (`YYYY-MM-DD`), written as directly as a
/// careful hand-written program would.
fn django_date(date: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    let (y, m, d) = (date.year() as u32, date.month(), date.day());
    for digit in [y / 1000 % 10, y / 100 % 10, y / 10 % 10, y % 10] {
        out.push(char::from(b'0' + digit as u8));
    }
    out.push('-');
    out.push(char::from(b'0' + (m / 10) as u8));
    out.push(char::from(b'0' + (m % 10) as u8));
    out.push('-');
    out.push(char::from(b'0' + (d / 10) as u8));
    out.push(char::from(b'0' + (d % 10) as u8));
    out
}

/// Hand-written rusqlite: the same statements with the same bound values,
/// each prepared once. `mod_date` is set from the clock on every save, as
/// the generated `auto_now` pre-processing does.
fn rusqlite_insert(conn: &rusqlite::Connection, entries: &mut [Entry]) {
    let mut stmt = conn.prepare(INSERT).expect("prepare");
    for entry in entries.iter_mut() {
        entry.mod_date = Utc::now().date_naive();
        stmt.execute(params![
            None::<i64>,
            entry.blog_id,
            entry.headline,
            entry.body_text,
            django_date(entry.pub_date),
            django_date(entry.mod_date),
            entry.n_comments,
            entry.n_pingbacks,
            entry.rating,
            entry.status.value()
        ])
        .expect("insert");
        entry.id = Some(conn.last_insert_rowid());
    }
}

fn rusqlite_update(conn: &rusqlite::Connection, entries: &mut [Entry]) {
    let mut stmt = conn.prepare(UPDATE).expect("prepare");
    for entry in entries.iter_mut() {
        entry.rating += 1;
        entry.mod_date = Utc::now().date_naive();
        let changed = stmt
            .execute(params![
                entry.blog_id,
                entry.headline,
                entry.body_text,
                django_date(entry.pub_date),
                django_date(entry.mod_date),
                entry.n_comments,
                entry.n_pingbacks,
                entry.rating,
                entry.status.value(),
                entry.id
            ])
            .expect("update");
        assert_eq!(changed, 1);
    }
}

/// Every stored row of `weblog_entry`, as text.
fn stored_rows(db: &Database) -> Vec<String> {
    let mut stmt = db.sqlite_connection().expect("an SQLite database").prepare(r#"SELECT * FROM "weblog_entry" ORDER BY "id""#).expect("prepare");
    let columns = stmt.column_count();
    let rows = stmt
        .query_map([], |row| {
            let values: Vec<String> =
                (0..columns).map(|i| format!("{:?}", row.get_ref(i).map(rusqlite::types::Value::from))).collect();
            Ok(values.join("|"))
        })
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

/// Both sides write the same rows: same statements, same values.
fn check_both_sides_store_the_same_rows() {
    let (db, blog) = database();
    let mut ours = entries(blog);
    db.transaction(|db| {
        for entry in ours.iter_mut() {
            entry.save(db)?;
        }
        for entry in ours.iter_mut() {
            entry.rating += 1;
            entry.save(db)?;
        }
        Ok(())
    })
    .expect("modelgen saves");
    let (hand_db, hand_blog) = database();
    let mut theirs = entries(hand_blog);
    let tx = hand_db.sqlite_connection().expect("an SQLite database").unchecked_transaction().expect("begin");
    rusqlite_insert(&tx, &mut theirs);
    rusqlite_update(&tx, &mut theirs);
    tx.commit().expect("commit");
    assert_eq!(stored_rows(&db), stored_rows(&hand_db), "both sides must store the same rows");
    assert_eq!(ours.iter().map(|e| e.id).collect::<Vec<_>>(), theirs.iter().map(|e| e.id).collect::<Vec<_>>());
}

// The timed parts, as named functions: `callgrind --toggle-collect` can
// count exactly their instructions (see docs/performance.md).

#[inline(never)]
fn timed_modelgen_insert(db: &Database, entries: &mut [Entry]) {
    db.transaction(|db| {
        for entry in entries.iter_mut() {
            entry.save(db)?;
        }
        Ok(())
    })
    .expect("save");
}

#[inline(never)]
fn timed_rusqlite_insert(db: &Database, entries: &mut [Entry]) {
    let tx = db.sqlite_connection().expect("an SQLite database").unchecked_transaction().expect("begin");
    rusqlite_insert(&tx, entries);
    tx.commit().expect("commit");
}

#[inline(never)]
fn timed_modelgen_update(db: &Database, entries: &mut [Entry]) {
    db.transaction(|db| {
        for entry in entries.iter_mut() {
            entry.rating += 1;
            entry.save(db)?;
        }
        Ok(())
    })
    .expect("save");
}

#[inline(never)]
fn timed_rusqlite_update(db: &Database, entries: &mut [Entry]) {
    let tx = db.sqlite_connection().expect("an SQLite database").unchecked_transaction().expect("begin");
    rusqlite_update(&tx, entries);
    tx.commit().expect("commit");
}

/// Unsaved entries, on a fresh database: where an insert starts.
fn fresh() -> (Database, Vec<Entry>) {
    let (db, blog) = database();
    (db, entries(blog))
}

/// The same entries saved: where an update starts.
fn stored() -> (Database, Vec<Entry>) {
    let (db, mut entries) = fresh();
    timed_modelgen_insert(&db, &mut entries);
    (db, entries)
}

type Timed = fn(&Database, &mut [Entry]);

/// One measured case: criterion's group, the paired rounds' name, the
/// state each timing starts from (made anew for every timing), and the
/// timed code of each side.
struct Case {
    group: &'static str,
    name: &'static str,
    setup: fn() -> (Database, Vec<Entry>),
    modelgen: Timed,
    rusqlite: Timed,
}

const CASES: [Case; 2] = [
    Case {
        group: "save_insert_10k",
        name: "insert",
        setup: fresh,
        modelgen: timed_modelgen_insert,
        rusqlite: timed_rusqlite_insert,
    },
    Case {
        group: "save_update_10k",
        name: "update",
        setup: stored,
        modelgen: timed_modelgen_update,
        rusqlite: timed_rusqlite_update,
    },
];

fn saves(c: &mut Criterion) {
    check_both_sides_store_the_same_rows();
    for case in &CASES {
        let mut group = c.benchmark_group(case.group);
        group.sample_size(10);
        for (side, timed) in [("modelgen", case.modelgen), ("rusqlite", case.rusqlite)] {
            group.bench_function(side, |b| {
                b.iter_batched(
                    case.setup,
                    |(db, mut entries)| {
                        timed(&db, &mut entries);
                        (db, entries)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        group.finish();
    }
}

/// The paired rounds (benches/pairing): each round times both sides on
/// fresh databases. Run them with
/// `MODELGEN_BENCH_PAIRED=<rounds> cargo bench --bench save`.
fn paired(rounds: usize) {
    fn time(f: impl FnOnce()) -> f64 {
        let start = Instant::now();
        f();
        pairing::ms(start.elapsed())
    }
    for case in &CASES {
        pairing::print_wall_clock(
            case.name,
            rounds,
            "rusqlite",
            2,
            || ((case.setup)(), (case.setup)()),
            |((ours_db, ours_entries), (theirs_db, theirs_entries)), side| match side {
                Side::Modelgen => time(|| (case.modelgen)(ours_db, ours_entries)),
                Side::Other => time(|| (case.rusqlite)(theirs_db, theirs_entries)),
            },
        );
    }
}

criterion_group!(benches, saves);

fn main() {
    if let Some(rounds) = pairing::requested_rounds() {
        check_both_sides_store_the_same_rows();
        paired(rounds);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
