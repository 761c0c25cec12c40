//! `cargo run --release -p modelgen-runtime --example save_bench`:
//! `save()` of 10,000 inserts and 10,000 updates beside hand-written
//! rusqlite running equivalent statements prepared once (the strictest
//! baseline: no RETURNING, no per-row statement lookup), all inside one
//! transaction on an in-memory database. Prints the best of several runs.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use modelgen_runtime::chrono;
use modelgen_runtime::prelude::*;

const N: usize = 10_000;

type Timings = (Duration, Duration);

fn ours_blogs(db: &Database) -> Timings {
    let mut blogs: Vec<Blog> = (0..N).map(|i| Blog::new(&format!("blog {i}"))).collect();
    let t = Instant::now();
    db.transaction(|db| {
        for b in blogs.iter_mut() {
            save(db, b, SaveOptions::default())?;
        }
        Ok(())
    })
    .unwrap();
    let insert = t.elapsed();
    for b in blogs.iter_mut() {
        b.tagline.push('!');
    }
    let t = Instant::now();
    db.transaction(|db| {
        for b in blogs.iter_mut() {
            save(db, b, SaveOptions::default())?;
        }
        Ok(())
    })
    .unwrap();
    (insert, t.elapsed())
}

fn raw_blogs(db: &Database) -> Timings {
    let conn = db.connection();
    let mut blogs: Vec<(i64, String, String)> = (0..N).map(|i| (0, format!("blog {i}"), String::new())).collect();
    let t = Instant::now();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut stmt = conn.prepare_cached(r#"INSERT INTO "weblog_blog" ("name", "tagline") VALUES (?, ?)"#).unwrap();
        for b in blogs.iter_mut() {
            stmt.execute((&b.1, &b.2)).unwrap();
            b.0 = conn.last_insert_rowid();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    let insert = t.elapsed();
    for b in blogs.iter_mut() {
        b.2.push('!');
    }
    let t = Instant::now();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut stmt =
            conn.prepare_cached(r#"UPDATE "weblog_blog" SET "name" = ?, "tagline" = ? WHERE "id" = ?"#).unwrap();
        for b in blogs.iter() {
            stmt.execute((&b.1, &b.2, b.0)).unwrap();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    (insert, t.elapsed())
}

fn ours_entries(db: &Database, blog: &Blog) -> Timings {
    let mut entries: Vec<Entry> = (0..N).map(|i| Entry::new(blog, &format!("entry {i}"), date(2024, 1, 1))).collect();
    let t = Instant::now();
    db.transaction(|db| {
        for e in entries.iter_mut() {
            save(db, e, SaveOptions::default())?;
        }
        Ok(())
    })
    .unwrap();
    let insert = t.elapsed();
    let t = Instant::now();
    db.transaction(|db| {
        for e in entries.iter_mut() {
            e.n_comments += 1;
            save(db, e, SaveOptions::default())?;
        }
        Ok(())
    })
    .unwrap();
    (insert, t.elapsed())
}

/// Dates formatted by hand-written code the quick way (`Display`).
fn raw_entries(db: &Database, blog: &Blog) -> Timings {
    let conn = db.connection();
    let blog_id = blog.id.unwrap();
    let mut entries: Vec<(i64, String, i32)> = (0..N).map(|i| (0, format!("entry {i}"), 0)).collect();
    let pub_date = date(2024, 1, 1);
    let t = Instant::now();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut stmt = conn
            .prepare_cached(r#"INSERT INTO "weblog_entry" ("blog_id", "headline", "pub_date", "mod_date", "n_comments", "rating") VALUES (?, ?, ?, ?, ?, ?)"#)
            .unwrap();
        for e in entries.iter_mut() {
            let today = chrono::Utc::now().date_naive();
            stmt.execute((blog_id, &e.1, pub_date.to_string(), today.to_string(), e.2, Some(5))).unwrap();
            e.0 = conn.last_insert_rowid();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    let insert = t.elapsed();
    let t = Instant::now();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut stmt = conn
            .prepare_cached(r#"UPDATE "weblog_entry" SET "blog_id" = ?, "headline" = ?, "pub_date" = ?, "mod_date" = ?, "n_comments" = ?, "rating" = ? WHERE "id" = ?"#)
            .unwrap();
        for e in entries.iter_mut() {
            e.2 += 1;
            let today = chrono::Utc::now().date_naive();
            stmt.execute((blog_id, &e.1, pub_date.to_string(), today.to_string(), e.2, Some(5), e.0)).unwrap();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    (insert, t.elapsed())
}

fn main() {
    let runs = 9;
    let mut best = [(Duration::MAX, Duration::MAX); 4];
    let min = |slot: &mut Timings, t: Timings| {
        slot.0 = slot.0.min(t.0);
        slot.1 = slot.1.min(t.1);
    };
    // Interleaved, so that load from elsewhere hits both sides alike.
    for _ in 0..runs {
        min(&mut best[0], ours_blogs(&setup()));
        min(&mut best[1], raw_blogs(&setup()));
        let db = setup();
        let blog = create(&db, Blog::new("b"));
        min(&mut best[2], ours_entries(&db, &blog));
        let db = setup();
        let blog = create(&db, Blog::new("b"));
        min(&mut best[3], raw_entries(&db, &blog));
    }
    for (name, ours, raw) in [("blog", best[0], best[1]), ("entry", best[2], best[3])] {
        println!(
            "{name}: insert {:?} vs rusqlite {:?} ({:.2}x); update {:?} vs rusqlite {:?} ({:.2}x)",
            ours.0,
            raw.0,
            ours.0.as_secs_f64() / raw.0.as_secs_f64(),
            ours.1,
            raw.1,
            ours.1.as_secs_f64() / raw.1.as_secs_f64()
        );
    }
}
