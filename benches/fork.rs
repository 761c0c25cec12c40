//! fork() of two object graphs, beside hand-written rusqlite doing the same
//! SQL work in the same run:
//!
//! - `fork_tree_10k`: a `shop.Category` tree of 10,000 nodes (one root,
//!   branching factor 10, five levels), whose policy copies `children` to
//!   any depth;
//! - `fork_blog_1k`: a `weblog.Blog` with 1,000 entries (copied along the
//!   reverse FK `entries`, the blog's `featured` entry remapped to its copy),
//!   each entry linked to 3 authors (policy `link`: the copies are linked to
//!   the same authors, 3,000 new rows of `weblog_entry_authors`).
//!
//! The hand-written side reads the same rows (with the queries a careful
//! program would write: fetched by parent, level by level, in batches of
//! 500 keys, rather than the engine's keys-then-rows), allocates the new
//! keys past `MAX(id)` and `sqlite_sequence` as the engine does, remaps the
//! references and writes the same rows with multi-row INSERTs of at most
//! 500 rows, each statement prepared once (`prepare_cached`), inside one
//! savepoint; then it reads the new root back, as `fork()` returns it
//! loaded.
//!
//! Every timed fork runs inside a transaction begun before the clock starts
//! and rolled back after it stops (the engine's own transaction nests as a
//! savepoint, and so does the hand-written one), so every iteration starts
//! from the same stored rows and `sqlite_sequence`. The databases are in
//! memory, so the figures compare the code around SQLite, not the disk.
//! Before measuring, both sides fork the same graph and the rows they
//! wrote are compared, table by table, with the new keys translated back to
//! the source keys. Ratios go to docs/performance.md.
//!
//! Modes besides criterion's:
//! - `MODELGEN_BENCH_PAIRED=<rounds> cargo bench --bench fork`: both sides
//!   back to back in every round, alternating order; median per-round ratio.
//! - `MODELGEN_BENCH_MEMORY=<side>:<nodes>` (side `modelgen`, `rusqlite` or
//!   `none`): build a tree of `<nodes>` categories, fork it once (committed)
//!   and print the peak resident memory of the fork itself (`VmHWM` after
//!   resetting it through `/proc/self/clear_refs`).

mod pairing;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use modelgen_examples::shop::{self, Category};
use modelgen_examples::weblog::{self, Author, Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::NaiveDate;
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::{Database, Fork};
use pairing::Side;
use rusqlite::Connection;

const TREE_NODES: usize = 10_000;
const BRANCHING: usize = 10;
const ENTRIES: usize = 1_000;
const AUTHORS: usize = 10;
const AUTHORS_PER_ENTRY: usize = 3;
/// Rows per multi-row INSERT and keys per `IN (...)`: the engine's bounds.
const ROWS_PER_INSERT: usize = 500;
const KEYS_PER_SELECT: usize = 500;

// ---------------------------------------------------------------------------
// The graphs
// ---------------------------------------------------------------------------

/// A tree of `nodes` categories, ids 1..=nodes in breadth-first order: node
/// `i` (from 2 on) is a child of node `(i - 2) / BRANCHING + 1`. Returns
/// the root, loaded.
fn tree_database(nodes: usize) -> (Database, Category) {
    let db = Database::open_in_memory().expect("in-memory database");
    db.create_tables(&[&shop::APP]).expect("tables");
    db.transaction(|db| {
        let mut stmt =
            db.sqlite_connection().expect("an SQLite database").prepare(r#"INSERT INTO "shop_category" ("id", "name", "parent_id", "extra") VALUES (?, ?, ?, '{}')"#)?;
        for i in 1..=nodes as i64 {
            let parent = (i > 1).then(|| (i - 2) / BRANCHING as i64 + 1);
            stmt.execute(rusqlite::params![i, format!("category {i}"), parent])?;
        }
        Ok(())
    })
    .expect("tree");
    let root = Category::get(&db, 1).expect("root");
    (db, root)
}

/// A blog of `ENTRIES` entries, entry `i` linked to `AUTHORS_PER_ENTRY` of
/// the `AUTHORS` authors, the blog's `featured` entry one of its own; the
/// entries' `mod_date` set in the past, so the copies' fresh one shows.
/// Another blog with one entry is stored beside it and is not copied.
fn blog_database() -> (Database, Blog) {
    let db = Database::open_in_memory().expect("in-memory database");
    db.create_tables(&[&weblog::APP]).expect("tables");
    let blog = db
        .transaction(|db| {
            let mut other = Blog::new();
            other.name = "other".into();
            other.tagline = "not copied".into();
            other.save(db)?;
            Entry::new(other.key()?, date(2023, 1, 1)).save(db)?;
            let mut authors = Vec::with_capacity(AUTHORS);
            for i in 0..AUTHORS {
                let mut author = Author::new();
                author.name = format!("author {i}");
                author.email = format!("author{i}@example.com");
                author.save(db)?;
                authors.push(author);
            }
            let mut blog = Blog::new();
            blog.name = "bench".into();
            blog.tagline = "forked".into();
            blog.save(db)?;
            let blog_key = blog.key()?;
            let mut featured = None;
            for i in 0..ENTRIES {
                let mut entry = Entry::new(blog_key, date(2024, 1 + (i % 12) as u32, 1 + (i % 28) as u32));
                entry.headline = format!("headline {i}");
                entry.body_text = format!("body of entry {i}");
                entry.n_comments = i as i64;
                entry.rating = (i % 5) as i64;
                entry.save(db)?;
                let linked: Vec<&Author> = (0..AUTHORS_PER_ENTRY).map(|k| &authors[(i + k) % AUTHORS]).collect();
                entry.authors().add(db, &linked)?;
                if i == ENTRIES / 2 {
                    featured = entry.id;
                }
            }
            blog.featured_id = featured;
            blog.save(db)?;
            db.execute_batch(r#"UPDATE "weblog_entry" SET "mod_date" = '2024-01-02'"#)?;
            Ok(blog)
        })
        .expect("blog");
    (db, blog)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

// ---------------------------------------------------------------------------
// Hand-written rusqlite
// ---------------------------------------------------------------------------

/// `(?, ?, ...)` repeated `rows` times after `head`.
fn multi_row_insert(head: &str, columns: usize, rows: usize) -> String {
    let mut tuple = String::from("(");
    for i in 0..columns {
        tuple.push_str(if i == 0 { "?" } else { ", ?" });
    }
    tuple.push(')');
    let mut sql = String::with_capacity(head.len() + rows * (tuple.len() + 2));
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&tuple);
    }
    sql
}

/// `<head> IN (?, ...)<tail>` for `keys` keys.
fn in_list(head: &str, keys: usize, tail: &str) -> String {
    let mut sql = String::with_capacity(head.len() + 3 * keys + tail.len() + 8);
    sql.push_str(head);
    sql.push_str(" IN (");
    for i in 0..keys {
        sql.push_str(if i == 0 { "?" } else { ", ?" });
    }
    sql.push(')');
    sql.push_str(tail);
    sql
}

/// The first new key of `table`: past its largest key and past every key
/// AUTOINCREMENT handed out, as the engine allocates them.
fn first_new_key(conn: &Connection, table: &str) -> rusqlite::Result<i64> {
    let sql = format!(
        r#"SELECT MAX((SELECT COALESCE(MAX("id"), 0) FROM "{table}"), (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = '{table}')) + 1"#
    );
    conn.prepare_cached(&sql)?.query_row([], |r| r.get(0))
}

/// Bind `rows` (flattened) to the multi-row INSERTs of `head`, `columns`
/// values per row, `ROWS_PER_INSERT` rows per statement.
fn insert_batched<T: rusqlite::ToSql>(
    conn: &Connection,
    head: &str,
    columns: usize,
    values: &[T],
) -> rusqlite::Result<()> {
    let full = multi_row_insert(head, columns, ROWS_PER_INSERT);
    for chunk in values.chunks(ROWS_PER_INSERT * columns) {
        let rows = chunk.len() / columns;
        let mut stmt = if rows == ROWS_PER_INSERT {
            conn.prepare_cached(&full)?
        } else {
            conn.prepare_cached(&multi_row_insert(head, columns, rows))?
        };
        for (i, value) in chunk.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, value)?;
        }
        stmt.raw_execute()?;
    }
    Ok(())
}

/// What the hand-written forks return: the new root's row and the
/// old-to-new keys of every copied table.
struct HandFork {
    root: Vec<Value>,
    maps: Vec<(&'static str, HashMap<i64, i64>)>,
}

/// The category `root` and its subtree, copied: read level by level (the
/// rows of the children of up to 500 parents per query), keys allocated,
/// parents remapped, written with multi-row INSERTs, in one savepoint.
fn rusqlite_fork_tree(conn: &Connection, root: i64) -> rusqlite::Result<HandFork> {
    conn.prepare_cached("SAVEPOINT hand_fork")?.execute([])?;
    let mut rows: Vec<(i64, String, Option<i64>, String)> = Vec::new();
    rows.push(
        conn.prepare_cached(r#"SELECT "id", "name", "parent_id", "extra" FROM "shop_category" WHERE "id" = ?"#)?
            .query_row([root], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?,
    );
    let full = in_list(
        r#"SELECT "id", "name", "parent_id", "extra" FROM "shop_category" WHERE "parent_id""#,
        KEYS_PER_SELECT,
        "",
    );
    let mut level = 0..1;
    while !level.is_empty() {
        let next = rows.len();
        for start in level.clone().step_by(KEYS_PER_SELECT) {
            let end = (start + KEYS_PER_SELECT).min(level.end);
            let mut stmt = if end - start == KEYS_PER_SELECT {
                conn.prepare_cached(&full)?
            } else {
                conn.prepare_cached(&in_list(
                    r#"SELECT "id", "name", "parent_id", "extra" FROM "shop_category" WHERE "parent_id""#,
                    end - start,
                    "",
                ))?
            };
            for (i, row) in rows[start..end].iter().enumerate() {
                stmt.raw_bind_parameter(i + 1, row.0)?;
            }
            let mut children = stmt.raw_query();
            while let Some(r) = children.next()? {
                rows.push((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
            }
        }
        level = next..rows.len();
    }
    let first = first_new_key(conn, "shop_category")?;
    let mut map = HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        map.insert(row.0, first + i as i64);
    }
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 4);
    for (id, name, parent, extra) in rows {
        values.push(Value::Integer(map[&id]));
        values.push(Value::Text(name));
        values.push(match parent {
            Some(p) => Value::Integer(map.get(&p).copied().unwrap_or(p)),
            None => Value::Null,
        });
        values.push(Value::Text(extra));
    }
    insert_batched(conn, r#"INSERT INTO "shop_category" ("id", "name", "parent_id", "extra") VALUES "#, 4, &values)?;
    conn.prepare_cached("RELEASE hand_fork")?.execute([])?;
    let root =
        read_row(conn, r#"SELECT "id", "name", "parent_id", "extra" FROM "shop_category" WHERE "id" = ?"#, first)?;
    Ok(HandFork { root, maps: vec![("shop_category", map)] })
}

/// The blog `blog_id` copied with its entries (and its featured entry,
/// wherever it is), the copies linked to the same authors.
fn rusqlite_fork_blog(conn: &Connection, blog_id: i64, today: &str) -> rusqlite::Result<HandFork> {
    const ENTRY_COLUMNS: &str =
        r#""id", "blog_id", "headline", "body_text", "pub_date", "n_comments", "n_pingbacks", "rating", "status""#;
    type EntryRow = (i64, i64, String, String, String, i64, i64, i64, String);
    fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<EntryRow> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
    }
    conn.prepare_cached("SAVEPOINT hand_fork")?.execute([])?;
    let (name, tagline, featured): (String, String, Option<i64>) = conn
        .prepare_cached(r#"SELECT "name", "tagline", "featured_id" FROM "weblog_blog" WHERE "id" = ?"#)?
        .query_row([blog_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let mut entries: Vec<EntryRow> = conn
        .prepare_cached(&format!(r#"SELECT {ENTRY_COLUMNS} FROM "weblog_entry" WHERE "blog_id" = ?"#))?
        .query_map([blog_id], entry)?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(featured) = featured {
        if !entries.iter().any(|e| e.0 == featured) {
            entries.push(
                conn.prepare_cached(&format!(r#"SELECT {ENTRY_COLUMNS} FROM "weblog_entry" WHERE "id" = ?"#))?
                    .query_row([featured], entry)?,
            );
        }
    }
    let mut links: Vec<(i64, i64)> = Vec::with_capacity(entries.len() * AUTHORS_PER_ENTRY);
    let head = r#"SELECT "entry_id", "author_id" FROM "weblog_entry_authors" WHERE "entry_id""#;
    let full = in_list(head, KEYS_PER_SELECT, r#" ORDER BY "id""#);
    for chunk in entries.chunks(KEYS_PER_SELECT) {
        let mut stmt = if chunk.len() == KEYS_PER_SELECT {
            conn.prepare_cached(&full)?
        } else {
            conn.prepare_cached(&in_list(head, chunk.len(), r#" ORDER BY "id""#))?
        };
        for (i, e) in chunk.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, e.0)?;
        }
        let mut rows = stmt.raw_query();
        while let Some(r) = rows.next()? {
            links.push((r.get(0)?, r.get(1)?));
        }
    }
    let new_blog = first_new_key(conn, "weblog_blog")?;
    let first_entry = first_new_key(conn, "weblog_entry")?;
    let mut entry_map = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        entry_map.insert(e.0, first_entry + i as i64);
    }
    let new_featured = featured.map(|f| entry_map[&f]);
    conn.prepare_cached(r#"INSERT INTO "weblog_blog" ("id", "name", "tagline", "featured_id") VALUES (?, ?, ?, ?)"#)?
        .execute(rusqlite::params![new_blog, name, tagline, new_featured])?;
    let mut values: Vec<Value> = Vec::with_capacity(entries.len() * 10);
    for (id, blog, headline, body, pub_date, n_comments, n_pingbacks, rating, status) in entries {
        values.extend([
            Value::Integer(entry_map[&id]),
            Value::Integer(if blog == blog_id { new_blog } else { blog }),
            Value::Text(headline),
            Value::Text(body),
            Value::Text(pub_date),
            Value::Text(today.to_owned()),
            Value::Integer(n_comments),
            Value::Integer(n_pingbacks),
            Value::Integer(rating),
            Value::Text(status),
        ]);
    }
    insert_batched(
        conn,
        r#"INSERT INTO "weblog_entry" ("id", "blog_id", "headline", "body_text", "pub_date", "mod_date", "n_comments", "n_pingbacks", "rating", "status") VALUES "#,
        10,
        &values,
    )?;
    let mut pairs: Vec<i64> = Vec::with_capacity(links.len() * 2);
    for (entry_id, author_id) in links {
        pairs.push(entry_map[&entry_id]);
        pairs.push(author_id);
    }
    insert_batched(conn, r#"INSERT INTO "weblog_entry_authors" ("entry_id", "author_id") VALUES "#, 2, &pairs)?;
    conn.prepare_cached("RELEASE hand_fork")?.execute([])?;
    let root = read_row(conn, r#"SELECT * FROM "weblog_blog" WHERE "id" = ?"#, new_blog)?;
    let blog_map = HashMap::from([(blog_id, new_blog)]);
    Ok(HandFork { root, maps: vec![("weblog_blog", blog_map), ("weblog_entry", entry_map)] })
}

fn read_row(conn: &Connection, sql: &str, id: i64) -> rusqlite::Result<Vec<Value>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let n = stmt.column_count();
    stmt.query_row([id], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
}

/// Today as the engine's `auto_now` copy default stores a date.
fn today() -> String {
    modelgen_runtime::now().date_naive().format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------
// The timed parts, as named functions: `callgrind --toggle-collect` can
// count exactly their instructions (see docs/performance.md).
// ---------------------------------------------------------------------------

#[inline(never)]
fn timed_modelgen_tree(db: &Database, root: &Category) -> Fork<Category> {
    root.fork(db).expect("fork")
}

#[inline(never)]
fn timed_rusqlite_tree(db: &Database, root: &Category) -> HandFork {
    rusqlite_fork_tree(db.sqlite_connection().expect("an SQLite database"), root.id.expect("saved root")).expect("hand-written fork")
}

#[inline(never)]
fn timed_modelgen_blog(db: &Database, blog: &Blog) -> Fork<Blog> {
    blog.fork(db).expect("fork")
}

#[inline(never)]
fn timed_rusqlite_blog(db: &Database, blog: &Blog) -> HandFork {
    rusqlite_fork_blog(db.sqlite_connection().expect("an SQLite database"), blog.id.expect("saved blog"), &today()).expect("hand-written fork")
}

/// Time `f` inside a transaction that is rolled back afterwards (neither
/// the BEGIN, the ROLLBACK nor dropping the result is timed).
fn rolled_back<T>(db: &Database, f: impl FnOnce(&Database) -> T) -> Duration {
    db.execute_batch("BEGIN").expect("begin");
    let start = Instant::now();
    let out = black_box(f(db));
    let elapsed = start.elapsed();
    drop(out);
    db.execute_batch("ROLLBACK").expect("rollback");
    elapsed
}

// ---------------------------------------------------------------------------
// Both sides write the same rows
// ---------------------------------------------------------------------------

/// Old-to-new keys per table, from either side.
type Maps = Vec<(&'static str, HashMap<i64, i64>)>;

fn engine_maps<M>(fork: &Fork<M>, metas: &[&'static modelgen_runtime::ModelMeta]) -> Maps {
    metas
        .iter()
        .map(|meta| {
            let pairs = fork.map.pairs(meta);
            let map = pairs
                .iter()
                .map(|(old, new)| match (old, new) {
                    (Value::Integer(o), Value::Integer(n)) => (*o, *n),
                    other => panic!("integer keys expected, got {other:?}"),
                })
                .collect();
            (meta.table, map)
        })
        .collect()
}

/// Which columns of a table hold keys of which copied table, and which
/// columns are left out of the comparison (keys SQLite assigns itself).
struct TableCheck {
    table: &'static str,
    keys: &'static [(usize, &'static str)],
    skip: &'static [usize],
}

const TREE_TABLES: &[TableCheck] =
    &[TableCheck { table: "shop_category", keys: &[(0, "shop_category"), (2, "shop_category")], skip: &[] }];
const BLOG_TABLES: &[TableCheck] = &[
    TableCheck { table: "weblog_blog", keys: &[(0, "weblog_blog"), (3, "weblog_entry")], skip: &[] },
    TableCheck { table: "weblog_entry", keys: &[(0, "weblog_entry"), (1, "weblog_blog")], skip: &[] },
    TableCheck { table: "weblog_entry_authors", keys: &[(1, "weblog_entry")], skip: &[0] },
    TableCheck { table: "weblog_author", keys: &[], skip: &[] },
];

/// What a fork left: the row count of every table of the database, and for
/// each table of `checks` the rows it wrote (rowid past `before`), copied
/// keys translated back to the source keys, sorted.
type Snapshot = (Vec<(String, i64)>, Vec<Vec<Vec<Value>>>);

fn max_ids(conn: &Connection, checks: &[TableCheck]) -> Vec<i64> {
    checks
        .iter()
        .map(|c| conn.query_row(&format!(r#"SELECT COALESCE(MAX(rowid), 0) FROM "{}""#, c.table), [], |r| r.get(0)))
        .collect::<rusqlite::Result<_>>()
        .expect("max ids")
}

fn written_rows(conn: &Connection, checks: &[TableCheck], before: &[i64], maps: &Maps) -> Snapshot {
    let mut counts = Vec::new();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    for table in tables {
        let n: i64 = conn.query_row(&format!(r#"SELECT COUNT(*) FROM "{table}""#), [], |r| r.get(0)).expect("count");
        counts.push((table, n));
    }
    let back: HashMap<&str, HashMap<i64, i64>> =
        maps.iter().map(|(t, m)| (*t, m.iter().map(|(old, new)| (*new, *old)).collect())).collect();
    let mut rows = Vec::new();
    for (check, before) in checks.iter().zip(before) {
        let mut stmt = conn.prepare(&format!(r#"SELECT * FROM "{}" WHERE rowid > ?"#, check.table)).expect("prepare");
        let n = stmt.column_count();
        let mut table_rows: Vec<Vec<Value>> = stmt
            .query_map([before], |r| {
                let mut row = Vec::with_capacity(n);
                for i in (0..n).filter(|i| !check.skip.contains(i)) {
                    let mut value: Value = r.get(i)?;
                    if let (Some((_, target)), Value::Integer(k)) = (check.keys.iter().find(|(c, _)| *c == i), &value) {
                        if let Some(old) = back.get(target).and_then(|m| m.get(k)) {
                            value = Value::Integer(*old);
                        }
                    }
                    row.push(value);
                }
                Ok(row)
            })
            .and_then(|rows| rows.collect())
            .expect("rows");
        table_rows.sort_by_key(|row| format!("{row:?}"));
        rows.push(table_rows);
    }
    (counts, rows)
}

/// Fork on one database with each side (rolled back), compare what they
/// wrote, and check it against the source rows. Returns the rows written.
fn check_same_rows(
    name: &str,
    checks: &[TableCheck],
    db: &Database,
    ours: impl FnOnce(&Database) -> (Maps, Vec<Value>),
    theirs: impl FnOnce(&Database) -> (Maps, Vec<Value>),
) -> Snapshot {
    fn side(
        name: &str,
        db: &Database,
        checks: &[TableCheck],
        before: &[i64],
        f: impl FnOnce(&Database) -> (Maps, Vec<Value>),
    ) -> (Snapshot, Vec<Value>) {
        db.execute_batch("BEGIN").expect("begin");
        let (maps, root) = f(db);
        let snapshot = written_rows(db.sqlite_connection().expect("an SQLite database"), checks, before, &maps);
        db.execute_batch("ROLLBACK").expect("rollback");
        let new_root = match root[0] {
            Value::Integer(k) => k,
            ref other => panic!("root key {other:?}"),
        };
        assert!(maps[0].1.values().any(|&n| n == new_root), "{name}: the new root is among the copies");
        // The root with its keys translated back, as the written rows.
        let root = root
            .into_iter()
            .enumerate()
            .map(|(i, value)| match (checks[0].keys.iter().find(|(c, _)| *c == i), &value) {
                (Some((_, target)), Value::Integer(k)) => maps
                    .iter()
                    .find(|(t, _)| t == target)
                    .and_then(|(_, m)| m.iter().find(|(_, new)| *new == k))
                    .map_or(value.clone(), |(old, _)| Value::Integer(*old)),
                _ => value,
            })
            .collect();
        (snapshot, root)
    }
    let before = max_ids(db.sqlite_connection().expect("an SQLite database"), checks);
    let sides = [side(name, db, checks, &before, ours), side(name, db, checks, &before, theirs)];
    let [(ours, our_root), (theirs, their_root)] = sides;
    assert_eq!(ours.0, theirs.0, "{name}: both sides must leave the same row counts");
    assert_eq!(ours.1, theirs.1, "{name}: both sides must write the same rows");
    assert_eq!(our_root, their_root, "{name}: both sides must return the same root");
    ours
}

fn check_tree() {
    let (db, root) = tree_database(TREE_NODES);
    let (_, rows) = check_same_rows(
        "tree",
        TREE_TABLES,
        &db,
        |db| {
            let fork = timed_modelgen_tree(db, &root);
            let root = vec![Value::Integer(fork.root.id.expect("id")), Value::Text(fork.root.name.clone())];
            (engine_maps(&fork, &[&shop::CATEGORY_META]), root)
        },
        |db| {
            let fork = timed_rusqlite_tree(db, &root);
            (fork.maps, fork.root[..2].to_vec())
        },
    );
    // The copies, keys translated back, are exactly the source rows.
    let mut source: Vec<Vec<Value>> = db
        .sqlite_connection().expect("an SQLite database")
        .prepare(r#"SELECT * FROM "shop_category""#)
        .and_then(|mut s| s.query_map([], |r| (0..4).map(|i| r.get::<_, Value>(i)).collect())?.collect())
        .expect("source");
    source.sort_by_key(|row| format!("{row:?}"));
    assert_eq!(rows[0].len(), TREE_NODES);
    assert_eq!(rows[0], source, "the copies are the source tree");
}

fn check_blog() {
    let (db, blog) = blog_database();
    let today = today();
    let (_, rows) = check_same_rows(
        "blog",
        BLOG_TABLES,
        &db,
        |db| {
            let fork = timed_modelgen_blog(db, &blog);
            let b = &fork.root;
            let root = vec![
                Value::Integer(b.id.expect("id")),
                Value::Text(b.name.clone()),
                Value::Text(b.tagline.clone()),
                b.featured_id.map_or(Value::Null, Value::Integer),
            ];
            (engine_maps(&fork, &[&weblog::BLOG_META, &weblog::ENTRY_META]), root)
        },
        |db| {
            let fork = timed_rusqlite_blog(db, &blog);
            (fork.maps, fork.root)
        },
    );
    assert_eq!(rows[0].len(), 1, "one blog copied");
    assert_eq!(rows[1].len(), ENTRIES, "every entry copied");
    assert_eq!(rows[2].len(), ENTRIES * AUTHORS_PER_ENTRY, "every link copied");
    assert!(rows[3].is_empty(), "no author copied");
    assert!(rows[1].iter().all(|e| e[5] == Value::Text(today.clone())), "fresh mod_date");
    // The copied entries, keys translated back, are the source entries
    // but for mod_date.
    let mut source: Vec<Vec<Value>> = db
        .sqlite_connection().expect("an SQLite database")
        .prepare(r#"SELECT * FROM "weblog_entry" WHERE "blog_id" = ?"#)
        .and_then(|mut s| {
            s.query_map([blog.id], |r| {
                let mut row: Vec<Value> = (0..10).map(|i| r.get::<_, Value>(i)).collect::<rusqlite::Result<_>>()?;
                row[5] = Value::Text(today.clone());
                Ok(row)
            })?
            .collect()
        })
        .expect("source");
    source.sort_by_key(|row| format!("{row:?}"));
    assert_eq!(rows[1], source, "the copied entries are the source entries");
}

// ---------------------------------------------------------------------------
// Criterion
// ---------------------------------------------------------------------------

fn tree(c: &mut Criterion) {
    check_tree();
    let (db, root) = tree_database(TREE_NODES);
    let mut group = c.benchmark_group("fork_tree_10k");
    group.sample_size(10);
    group.bench_function("modelgen", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| rolled_back(&db, |db| timed_modelgen_tree(db, &root))).sum())
    });
    group.bench_function("rusqlite", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| rolled_back(&db, |db| timed_rusqlite_tree(db, &root))).sum())
    });
    group.finish();
}

fn blog(c: &mut Criterion) {
    check_blog();
    let (db, blog) = blog_database();
    let mut group = c.benchmark_group("fork_blog_1k");
    group.sample_size(10);
    group.bench_function("modelgen", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| rolled_back(&db, |db| timed_modelgen_blog(db, &blog))).sum())
    });
    group.bench_function("rusqlite", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| rolled_back(&db, |db| timed_rusqlite_blog(db, &blog))).sum())
    });
    group.finish();
}

// ---------------------------------------------------------------------------
// Paired rounds and peak memory
// ---------------------------------------------------------------------------

/// The paired rounds (benches/pairing): each side on its own copy of the
/// graph, rolled back after every fork.
fn paired(rounds: usize) {
    let (db1, root1) = tree_database(TREE_NODES);
    let (db2, root2) = tree_database(TREE_NODES);
    pairing::print_wall_clock(
        "tree_10k",
        rounds,
        "rusqlite",
        2,
        || (),
        |(), side| {
            pairing::ms(match side {
                Side::Modelgen => rolled_back(&db1, |db| timed_modelgen_tree(db, &root1)),
                Side::Other => rolled_back(&db2, |db| timed_rusqlite_tree(db, &root2)),
            })
        },
    );
    drop((db1, db2));
    let (db1, blog1) = blog_database();
    let (db2, blog2) = blog_database();
    pairing::print_wall_clock(
        "blog_1k",
        rounds,
        "rusqlite",
        2,
        || (),
        |(), side| {
            pairing::ms(match side {
                Side::Modelgen => rolled_back(&db1, |db| timed_modelgen_blog(db, &blog1)),
                Side::Other => rolled_back(&db2, |db| timed_rusqlite_blog(db, &blog2)),
            })
        },
    );
}

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("status field")
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Fork a tree of `nodes` categories once (committed) with `side` and
/// print the peak resident memory while forking.
fn memory(side: &str, nodes: usize) {
    let (db, root) = tree_database(nodes);
    let (rss_before, hwm_setup) = rss_kib();
    // Reset the peak to the current RSS (Linux 4.0+), so VmHWM afterwards
    // is the peak of the fork alone.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let start = Instant::now();
    let copies = match side {
        "modelgen" => {
            let fork = timed_modelgen_tree(&db, &root);
            fork.map.len()
        }
        "rusqlite" => {
            let fork = timed_rusqlite_tree(&db, &root);
            fork.maps[0].1.len()
        }
        "none" => 0,
        other => panic!("MODELGEN_BENCH_MEMORY side: modelgen, rusqlite or none, not {other}"),
    };
    let elapsed = start.elapsed();
    let (rss_after, hwm) = rss_kib();
    let count: i64 =
        db.sqlite_connection().expect("an SQLite database").query_row(r#"SELECT COUNT(*) FROM "shop_category""#, [], |r| r.get(0)).expect("count");
    assert_eq!(count as usize, nodes + copies);
    println!(
        "memory {side} tree of {nodes}: {copies} copies in {:.0} ms; RSS before {} KiB (setup peak {} KiB), \
         peak during fork {} KiB (+{} KiB), RSS after {} KiB",
        elapsed.as_secs_f64() * 1e3,
        rss_before,
        hwm_setup,
        hwm,
        hwm.saturating_sub(rss_before),
        rss_after
    );
}

criterion_group!(benches, tree, blog);

fn main() {
    if let Ok(spec) = std::env::var("MODELGEN_BENCH_MEMORY") {
        let (side, nodes) = spec.split_once(':').expect("MODELGEN_BENCH_MEMORY=<side>:<nodes>");
        memory(side, nodes.parse().expect("node count"));
        return;
    }
    if let Some(rounds) = pairing::requested_rounds() {
        check_tree();
        check_blog();
        paired(rounds);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
