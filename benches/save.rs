//! save() for 10,000 inserts and 10,000 updates, beside hand-written rusqlite
//! running the same SQL (same statements, same bound values, prepared and
//! cached the same way) in the same run. Both sides work inside one
//! transaction on an in-memory database, so the figures compare the code
//! around SQLite, not the disk. Ratios go to docs/performance.md.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use modelgen_examples::weblog::{self, Blog, Entry};
use modelgen_runtime::chrono::{NaiveDate, Utc};
use modelgen_runtime::Database;
use rusqlite::params;

const ROWS: usize = 10_000;

fn database() -> (Database, i64) {
    let db = Database::open_in_memory().expect("in-memory database");
    db.create_tables(&[&weblog::APP]).expect("tables");
    let mut blog = Blog::new();
    blog.name = "bench".into();
    blog.save(&db).expect("blog");
    let blog_id = blog.id.expect("saved blog has an id");
    (db, blog_id)
}

fn pub_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date")
}

/// Entries as the benchmark saves them; built outside the timed part.
fn entries(blog_id: i64) -> Vec<Entry> {
    (0..ROWS)
        .map(|i| {
            let mut entry = Entry::new(blog_id, pub_date());
            entry.headline = format!("headline {i}");
            entry.body_text = "body".into();
            entry
        })
        .collect()
}

const INSERT: &str = "INSERT INTO \"weblog_entry\" (\"blog_id\", \"headline\", \"body_text\", \"pub_date\", \"mod_date\", \"n_comments\", \"n_pingbacks\", \"rating\", \"status\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING \"id\"";
const UPDATE: &str = "UPDATE \"weblog_entry\" SET \"blog_id\" = ?1, \"headline\" = ?2, \"body_text\" = ?3, \"pub_date\" = ?4, \"mod_date\" = ?5, \"n_comments\" = ?6, \"n_pingbacks\" = ?7, \"rating\" = ?8, \"status\" = ?9 WHERE \"id\" = ?10";

/// Hand-written rusqlite: the same statements with the same values.
fn rusqlite_insert(conn: &rusqlite::Connection, entries: &mut [Entry]) {
    let mut stmt = conn.prepare_cached(INSERT).expect("prepare");
    for entry in entries.iter_mut() {
        let today = Utc::now().date_naive().format("%Y-%m-%d").to_string();
        let id: i64 = stmt
            .query_row(
                params![
                    entry.blog_id,
                    entry.headline,
                    entry.body_text,
                    entry.pub_date.format("%Y-%m-%d").to_string(),
                    today,
                    entry.n_comments,
                    entry.n_pingbacks,
                    entry.rating,
                    entry.status.value()
                ],
                |row| row.get(0),
            )
            .expect("insert");
        entry.id = Some(id);
    }
}

fn rusqlite_update(conn: &rusqlite::Connection, entries: &mut [Entry]) {
    let mut stmt = conn.prepare_cached(UPDATE).expect("prepare");
    for entry in entries.iter_mut() {
        entry.rating += 1;
        let today = Utc::now().date_naive().format("%Y-%m-%d").to_string();
        let changed = stmt
            .execute(params![
                entry.blog_id,
                entry.headline,
                entry.body_text,
                entry.pub_date.format("%Y-%m-%d").to_string(),
                today,
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

fn inserts(c: &mut Criterion) {
    let mut group = c.benchmark_group("save_insert_10k");
    group.sample_size(10);
    group.bench_function("modelgen", |b| {
        b.iter_batched(
            || {
                let (db, blog_id) = database();
                (db, entries(blog_id))
            },
            |(db, mut entries)| {
                db.transaction(|db| {
                    for entry in entries.iter_mut() {
                        entry.save(db)?;
                    }
                    Ok(())
                })
                .expect("save");
                (db, entries)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("rusqlite", |b| {
        b.iter_batched(
            || {
                let (db, blog_id) = database();
                (db, entries(blog_id))
            },
            |(db, mut entries)| {
                let tx = db.connection().unchecked_transaction().expect("begin");
                rusqlite_insert(&tx, &mut entries);
                tx.commit().expect("commit");
                (db, entries)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn updates(c: &mut Criterion) {
    let mut group = c.benchmark_group("save_update_10k");
    group.sample_size(10);
    let stored = || {
        let (db, blog_id) = database();
        let mut entries = entries(blog_id);
        db.transaction(|db| {
            for entry in entries.iter_mut() {
                entry.save(db)?;
            }
            Ok(())
        })
        .expect("seed");
        (db, entries)
    };
    group.bench_function("modelgen", |b| {
        b.iter_batched(
            stored,
            |(db, mut entries)| {
                db.transaction(|db| {
                    for entry in entries.iter_mut() {
                        entry.rating += 1;
                        entry.save(db)?;
                    }
                    Ok(())
                })
                .expect("save");
                (db, entries)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("rusqlite", |b| {
        b.iter_batched(
            stored,
            |(db, mut entries)| {
                let tx = db.connection().unchecked_transaction().expect("begin");
                rusqlite_update(&tx, &mut entries);
                tx.commit().expect("commit");
                (db, entries)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, inserts, updates);
criterion_main!(benches);
