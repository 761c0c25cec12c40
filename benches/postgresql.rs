//! The runtime on PostgreSQL beside hand-written code using the same client
//! crate (`postgres`), in the same run, on a throwaway server
//! (`modelgen_testing_pg::server()`; skipped with one line when there is
//! none, like the tests):
//!
//! - `pg_save_insert_10k` / `pg_save_update_10k`: `save()` of 10,000 new
//!   `weblog.Entry` instances, then of the same 10,000 changed, each loop
//!   in one transaction;
//! - `pg_get_pk_10k`: `Entry::get(&db, pk)` for 10,000 keys;
//! - `pg_filter_10k`: a filter whose 10,000 rows are all loaded into `Entry`;
//! - `pg_fork_tree_10k`: `fork()` of a `shop.Category` tree of 10,000 nodes
//!   (one root, branching factor 10, as benches/fork.rs), inside a
//!   transaction rolled back after the clock stops.
//!
//! The hand-written side runs the statement text the runtime sends (its
//! `?N` placeholders as PostgreSQL's `$N`), each statement prepared once,
//! with the same values bound the way a careful program binds them with
//! the client crate: binary, typed (`i64`, `i32`, `&str`, chrono's
//! `NaiveDate`, the jsonb bytes as read). The runtime binds text (its value
//! currency is SQLite's storage form, see runtime/src/backend/pg.rs), which
//! is part of what is measured. Before measuring, every case checks that
//! both sides store or read the same rows (and, for the reads, that the
//! runtime's SQL text is the hand-written one).
//!
//! Each side has its own connection (the runtime's `Database` and a bare
//! `postgres::Client`); the saves and the fork each get a fresh database
//! per side, the reads share one. Time on the server dominates, so the
//! figures are paired round by round (both sides back to back, in
//! alternating order) and the client's own CPU time
//! (`/proc/thread-self/schedstat`: the blocking client runs its connection
//! on the calling thread) is printed beside the wall clock.
//!
//! Modes besides criterion's:
//! `MODELGEN_BENCH_PAIRED=<rounds> cargo bench --bench postgresql`: the
//! paired rounds; median per-round ratios go to docs/performance.md.
//! `MODELGEN_BENCH_ONLY=<case>` (e.g. `pg_get_pk_10k`) limits them to one
//! case, for a profiler.

mod pairing;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use modelgen_examples::shop::{self, Category};
use modelgen_examples::weblog::{self, Blog, Entry, EntryStatus};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::{NaiveDate, Utc};
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::{Database, Fork, ModelState};
use modelgen_testing_pg::{Server, TestDatabase};
use pairing::{ms, Medians, Side};
use postgres::types::{FromSql, IsNull, ToSql, Type};
use postgres::{Client, GenericClient, Statement};

const ROWS: usize = 10_000;
const TREE_NODES: usize = 10_000;
/// Keys per `IN (...)` and rows per multi-row INSERT: the engine's bounds
/// (runtime/src/rows.rs; 500 rows of 4 columns stay under its parameter
/// bound).
const KEYS_PER_SELECT: usize = 500;
const ROWS_PER_INSERT: usize = 500;

// ---------------------------------------------------------------------------
// The SQL both sides send, as the runtime builds it for PostgreSQL
// ---------------------------------------------------------------------------

const ENTRY_COLUMNS: &str = r#""id", "blog_id", "headline", "body_text", "pub_date", "mod_date", "n_comments", "n_pingbacks", "rating", "status""#;

/// An unset auto pk: every other column, the key back by RETURNING
/// (`ModelSql::insert`).
const INSERT: &str = r#"INSERT INTO "weblog_entry" ("blog_id", "headline", "body_text", "pub_date", "mod_date", "n_comments", "n_pingbacks", "rating", "status") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING "id""#;
/// A saved instance: one UPDATE of every column (`ModelSql::update`).
const UPDATE: &str = r#"UPDATE "weblog_entry" SET "blog_id" = $1, "headline" = $2, "body_text" = $3, "pub_date" = $4, "mod_date" = $5, "n_comments" = $6, "n_pingbacks" = $7, "rating" = $8, "status" = $9 WHERE "id" = $10"#;

fn get_sql() -> String {
    format!(r#"SELECT {ENTRY_COLUMNS} FROM "weblog_entry" WHERE "id" = $1 LIMIT 21"#)
}

fn filter_sql() -> String {
    format!(r#"SELECT {ENTRY_COLUMNS} FROM "weblog_entry" WHERE "rating" >= $1 ORDER BY "pub_date" DESC"#)
}

const CATEGORY_COLUMNS: &str = r#""id", "name", "parent_id", "extra""#;

/// The first of `$2` new keys of `shop_category`, the identity sequence
/// moved past them (`sql::pg_allocate_keys`).
const ALLOCATE_CATEGORY_KEYS: &str = r#"SELECT setval(pg_get_serial_sequence('"shop_category"', 'id'), GREATEST((SELECT COALESCE(MAX("id"), 0) FROM "shop_category"), nextval(pg_get_serial_sequence('"shop_category"', 'id')) - 1) + CAST($1 AS bigint)) - CAST($1 AS bigint) + 1"#;

/// `<head> IN ($1, ..., $n)`.
fn in_list(head: &str, n: usize) -> String {
    let mut sql = String::with_capacity(head.len() + 6 * n + 8);
    sql.push_str(head);
    sql.push_str(" IN (");
    for i in 1..=n {
        if i > 1 {
            sql.push_str(", ");
        }
        sql.push('$');
        sql.push_str(&i.to_string());
    }
    sql.push(')');
    sql
}

/// `INSERT INTO "shop_category" (...) VALUES ($1, ...), ...` for `rows` rows.
fn category_insert(rows: usize) -> String {
    let mut sql = format!(r#"INSERT INTO "shop_category" ({CATEGORY_COLUMNS}) VALUES "#);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        let n = row * 4;
        sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
    }
    sql
}

// ---------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------

/// The runtime's connection and the hand-written one, each on a database
/// of its own (or both on one), dropped before the databases.
struct Sides {
    db: Database,
    hand: Hand,
    _databases: Vec<TestDatabase<'static>>,
}

/// A bare client and the statements it prepared, by text (what a careful
/// program keeps, as rusqlite's `prepare_cached`).
struct Hand {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Hand {
    fn new(client: Client) -> Hand {
        Hand { client, statements: HashMap::new() }
    }
}

/// The statement for `sql`, prepared on first use.
fn cached(statements: &mut HashMap<String, Statement>, client: &mut impl GenericClient, sql: &str) -> Statement {
    if let Some(statement) = statements.get(sql) {
        return statement.clone();
    }
    let statement = client.prepare(sql).expect("prepare");
    statements.insert(sql.to_owned(), statement.clone());
    statement
}

/// A fresh database with `apps`' tables (created by the runtime's DDL,
/// Django's) and the rows `seed` writes.
fn fresh_database(server: &'static Server, apps: &[&modelgen_runtime::AppMeta], seed: &str) -> TestDatabase<'static> {
    let test_db = server.database();
    let db = Database::from_postgres_client(test_db.connect()).expect("connect");
    db.create_tables(apps).expect("tables");
    if !seed.is_empty() {
        db.execute_batch(seed).expect("seed");
    }
    test_db
}

/// One database per side, each holding the same rows.
fn two_databases(server: &'static Server, apps: &[&modelgen_runtime::AppMeta], seed: &str) -> Sides {
    let ours = fresh_database(server, apps, seed);
    let theirs = fresh_database(server, apps, seed);
    let db = Database::from_postgres_client(ours.connect()).expect("connect");
    let hand = Hand::new(theirs.connect());
    Sides { db, hand, _databases: vec![ours, theirs] }
}

/// One blog (id 1) for the entries of the saves.
const SAVE_SEED: &str = r#"INSERT INTO "weblog_blog" ("name", "tagline") VALUES ('bench', '')"#;

/// 100 blogs and 10,000 entries (ids 1..=10,000), entry `i` in blog
/// `i % 100 + 1`, ratings 0..=9, both statuses, as benches/reads.rs.
const READ_SEED: &str = r#"
INSERT INTO "weblog_blog" ("name", "tagline") SELECT 'blog ' || b, 'tagline' FROM generate_series(0, 99) b;
INSERT INTO "weblog_entry" ("blog_id", "headline", "body_text", "pub_date", "mod_date", "n_comments", "n_pingbacks", "rating", "status")
SELECT i % 100 + 1, 'headline ' || i, 'body text of the entry', DATE '2024-01-01' + (i % 365), DATE '2024-01-01', i % 7, 0, i % 10,
       CASE WHEN i % 3 = 0 THEN 'd' ELSE 'p' END
FROM generate_series(0, 9999) i;
ANALYZE;
"#;

/// A tree of 10,000 categories, ids 1..=10,000 in breadth-first order: node
/// `i` (from 2 on) is a child of node `(i - 2) / 10 + 1`, as benches/fork.rs.
const TREE_SEED: &str = r#"
INSERT INTO "shop_category" ("id", "name", "parent_id", "extra")
SELECT i, 'category ' || i, CASE WHEN i > 1 THEN (i - 2) / 10 + 1 END, jsonb_build_object('n', i)
FROM generate_series(1, 10000) i;
ANALYZE;
"#;

fn pub_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date")
}

/// Entries as the saves write them; built outside the timed part.
fn entries() -> Vec<Entry> {
    let blog = Key::<Blog>::new(1);
    (0..ROWS)
        .map(|i| {
            let mut entry = Entry::new(blog, pub_date());
            entry.headline = format!("headline {i}");
            entry.body_text = "body".into();
            entry
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The timed parts, as named functions (callgrind's --toggle-collect)
// ---------------------------------------------------------------------------

/// An `IntegerField` (`integer`) as the client binds it.
fn int(value: i64) -> i32 {
    i32::try_from(value).expect("an IntegerField value fits integer")
}

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

/// The same INSERT per entry, `mod_date` set from the clock as the
/// generated `auto_now` pre-processing does.
#[inline(never)]
fn timed_hand_insert(hand: &mut Hand, entries: &mut [Entry]) {
    let mut tx = hand.client.transaction().expect("begin");
    let insert = cached(&mut hand.statements, &mut tx, INSERT);
    for entry in entries.iter_mut() {
        entry.mod_date = Utc::now().date_naive();
        let row = tx
            .query_one(
                &insert,
                &[
                    &entry.blog_id,
                    &entry.headline,
                    &entry.body_text,
                    &entry.pub_date,
                    &entry.mod_date,
                    &int(entry.n_comments),
                    &int(entry.n_pingbacks),
                    &int(entry.rating),
                    &entry.status.value(),
                ],
            )
            .expect("insert");
        entry.id = Some(row.get(0));
    }
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
fn timed_hand_update(hand: &mut Hand, entries: &mut [Entry]) {
    let mut tx = hand.client.transaction().expect("begin");
    let update = cached(&mut hand.statements, &mut tx, UPDATE);
    for entry in entries.iter_mut() {
        entry.rating += 1;
        entry.mod_date = Utc::now().date_naive();
        let changed = tx
            .execute(
                &update,
                &[
                    &entry.blog_id,
                    &entry.headline,
                    &entry.body_text,
                    &entry.pub_date,
                    &entry.mod_date,
                    &int(entry.n_comments),
                    &int(entry.n_pingbacks),
                    &int(entry.rating),
                    &entry.status.value(),
                    &entry.id,
                ],
            )
            .expect("update");
        assert_eq!(changed, 1);
    }
    tx.commit().expect("commit");
}

/// A row of `weblog_entry` into an `Entry`, as a careful program maps it.
fn entry_from(row: &postgres::Row) -> Entry {
    let status = match row.get::<_, &str>(9) {
        "d" => EntryStatus::Draft,
        "p" => EntryStatus::Published,
        other => EntryStatus::Other(other.to_owned()),
    };
    Entry {
        id: Some(row.get(0)),
        blog_id: row.get(1),
        headline: row.get(2),
        body_text: row.get(3),
        pub_date: row.get(4),
        mod_date: row.get(5),
        n_comments: i64::from(row.get::<_, i32>(6)),
        n_pingbacks: i64::from(row.get::<_, i32>(7)),
        rating: i64::from(row.get::<_, i32>(8)),
        status,
        _state: ModelState::loaded(),
    }
}

#[inline(never)]
fn timed_modelgen_get(db: &Database) -> i64 {
    let mut sum = 0;
    for pk in 1..=ROWS as i64 {
        sum += Entry::get(db, pk).expect("get").rating;
    }
    sum
}

#[inline(never)]
fn timed_hand_get(hand: &mut Hand) -> i64 {
    let get = cached(&mut hand.statements, &mut hand.client, &get_sql());
    let mut sum = 0;
    for pk in 1..=ROWS as i64 {
        let rows = hand.client.query(&get, &[&pk]).expect("query");
        assert_eq!(rows.len(), 1);
        sum += entry_from(&rows[0]).rating;
    }
    sum
}

fn filter_query() -> QuerySet<Entry> {
    Entry::objects().filter(Entry::RATING.gte(0))
}

#[inline(never)]
fn timed_modelgen_filter(db: &Database) -> Vec<Entry> {
    filter_query().all(db).expect("filter")
}

#[inline(never)]
fn timed_hand_filter(hand: &mut Hand) -> Vec<Entry> {
    let filter = cached(&mut hand.statements, &mut hand.client, &filter_sql());
    let rows = hand.client.query(&filter, &[&0i32]).expect("query");
    rows.iter().map(entry_from).collect()
}

#[inline(never)]
fn timed_modelgen_fork(db: &Database, root: &Category) -> Fork<Category> {
    root.fork(db).expect("fork")
}

/// A jsonb value passed through as the server sent it (format version byte
/// and text): what a program copying rows keeps, without parsing it.
#[derive(Debug, Clone, PartialEq)]
struct Jsonb(Vec<u8>);

impl<'a> FromSql<'a> for Jsonb {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Jsonb(raw.to_vec()))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB
    }
}

impl ToSql for Jsonb {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB
    }

    postgres::types::to_sql_checked!();
}

/// A category row as the hand-written fork keeps it.
type CategoryRow = (i64, String, Option<i64>, Jsonb);

fn category_from(row: &postgres::Row) -> CategoryRow {
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

/// What the hand-written fork returns: the new root's row and the
/// old-to-new keys.
struct HandFork {
    root: CategoryRow,
    map: HashMap<i64, i64>,
}

/// The category `root` and its subtree, copied as the engine copies it:
/// inside a savepoint, the root read by key, then the rows of the children
/// of up to 500 parents per query, level by level; the keys allocated from
/// the identity sequence; parents remapped; multi-row INSERTs of 500 rows;
/// the new root read back.
#[inline(never)]
fn timed_hand_fork(statements: &mut HashMap<String, Statement>, client: &mut impl GenericClient, root: i64) -> HandFork {
    let mut tx = client.transaction().expect("savepoint");
    let by_id = in_list(&format!(r#"SELECT {CATEGORY_COLUMNS} FROM "shop_category" WHERE "id""#), 1);
    let children_head = format!(r#"SELECT {CATEGORY_COLUMNS} FROM "shop_category" WHERE "parent_id""#);
    let statement = cached(statements, &mut tx, &by_id);
    let mut rows: Vec<CategoryRow> = tx.query(&statement, &[&root]).expect("root").iter().map(category_from).collect();
    let mut level = 0..rows.len();
    while !level.is_empty() {
        let next = rows.len();
        for start in level.clone().step_by(KEYS_PER_SELECT) {
            let end = (start + KEYS_PER_SELECT).min(level.end);
            let statement = cached(statements, &mut tx, &in_list(&children_head, end - start));
            let keys: Vec<&(dyn ToSql + Sync)> = rows[start..end].iter().map(|row| &row.0 as _).collect();
            let children = tx.query(&statement, &keys).expect("children");
            rows.extend(children.iter().map(category_from));
        }
        level = next..rows.len();
    }
    let allocate = cached(statements, &mut tx, ALLOCATE_CATEGORY_KEYS);
    let first: i64 = tx.query_one(&allocate, &[&(rows.len() as i64)]).expect("allocate").get(0);
    let mut map = HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        map.insert(row.0, first + i as i64);
    }
    let copies: Vec<CategoryRow> = rows
        .into_iter()
        .map(|(id, name, parent, extra)| (map[&id], name, parent.map(|p| map.get(&p).copied().unwrap_or(p)), extra))
        .collect();
    let mut values: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(ROWS_PER_INSERT * 4);
    for chunk in copies.chunks(ROWS_PER_INSERT) {
        let statement = cached(statements, &mut tx, &category_insert(chunk.len()));
        values.clear();
        for (id, name, parent, extra) in chunk {
            values.extend([id as &(dyn ToSql + Sync), name, parent, extra]);
        }
        tx.execute(&statement, &values).expect("insert");
    }
    drop(values);
    tx.commit().expect("release");
    let by_key = cached(statements, client, &format!(r#"SELECT {CATEGORY_COLUMNS} FROM "shop_category" WHERE "id" = $1"#));
    let root = category_from(&client.query_one(&by_key, &[&first]).expect("new root"));
    HandFork { root, map }
}

// ---------------------------------------------------------------------------
// Both sides store and read the same rows
// ---------------------------------------------------------------------------

/// Every row of `table` as JSON text, by key (from either side's connection).
fn stored_rows_sql(table: &str) -> String {
    format!(r#"SELECT CAST(row_to_json(t) AS text) FROM "{table}" t ORDER BY "id""#)
}

fn runtime_rows(db: &Database, sql: &str) -> Vec<String> {
    db.query_raw(sql, &[])
        .expect("rows")
        .into_iter()
        .map(|row| match &row[0] {
            Value::Text(text) => text.clone(),
            other => panic!("text expected, got {other:?}"),
        })
        .collect()
}

fn hand_rows(client: &mut impl GenericClient, sql: &str) -> Vec<String> {
    client.query(sql, &[]).expect("rows").iter().map(|row| row.get(0)).collect()
}

fn check_saves(server: &'static Server) {
    let mut sides = two_databases(server, &[&weblog::APP], SAVE_SEED);
    let (mut ours, mut theirs) = (entries(), entries());
    timed_modelgen_insert(&sides.db, &mut ours);
    timed_hand_insert(&mut sides.hand, &mut theirs);
    let sql = stored_rows_sql("weblog_entry");
    assert_eq!(runtime_rows(&sides.db, &sql), hand_rows(&mut sides.hand.client, &sql), "inserts store the same rows");
    timed_modelgen_update(&sides.db, &mut ours);
    timed_hand_update(&mut sides.hand, &mut theirs);
    let stored = runtime_rows(&sides.db, &sql);
    assert_eq!(stored.len(), ROWS);
    assert_eq!(stored, hand_rows(&mut sides.hand.client, &sql), "updates store the same rows");
    // (Their `adding` state differs: the hand-written side has none.)
    let fields = |entries: &[Entry]| entries.iter().map(|e| (e.id, e.rating, e.mod_date)).collect::<Vec<_>>();
    assert_eq!(fields(&ours), fields(&theirs), "both sides hold the same keys and values");
}

fn check_reads(sides: &mut Sides) {
    // The SQL as the runtime prepares it on this database: built in
    // PostgreSQL's spelling, its placeholders numbered `$N`.
    let prepared = |(text, _): (String, Vec<Value>)| modelgen_runtime::backend::pg::translate_placeholders(&text);
    // get() runs its query unordered, limited to 21 rows (Django's
    // MAX_GET_RESULTS), the limit written into the text as Django does.
    let get = Entry::objects().filter(Condition::pk(1i64)).order_by([]).limit(21);
    let texts = [
        (prepared(get.sql_with_params_on(&sides.db).expect("sql")), get_sql()),
        (prepared(filter_query().sql_with_params_on(&sides.db).expect("sql")), filter_sql()),
    ];
    for (ours, theirs) in &texts {
        assert_eq!(ours, theirs, "both sides must send the same SQL");
    }
    assert_eq!(timed_modelgen_get(&sides.db), timed_hand_get(&mut sides.hand));
    let mut ours = timed_modelgen_filter(&sides.db);
    let mut theirs = timed_hand_filter(&mut sides.hand);
    assert_eq!(ours.len(), ROWS);
    // Entries of the same day come in the plan's order: compare by key.
    ours.sort_by_key(|e| e.id);
    theirs.sort_by_key(|e| e.id);
    assert_eq!(ours, theirs, "both sides read the same entries");
}

/// The copies a fork wrote, keys translated back to the source keys
/// (`map`: old to new), sorted: equal to the source tree when the fork is
/// right.
fn copies_translated(rows: Vec<String>, map: &HashMap<i64, i64>) -> Vec<String> {
    let back: HashMap<i64, i64> = map.iter().map(|(old, new)| (*new, *old)).collect();
    let mut out: Vec<String> = rows
        .into_iter()
        .filter_map(|row| {
            // `id|name|parent_id|extra`, from `copied_rows_sql`.
            let mut parts = row.splitn(4, '|');
            let id: i64 = parts.next()?.parse().ok()?;
            let old = back.get(&id)?;
            let name = parts.next()?;
            let parent = parts.next()?;
            let parent = match parent.parse::<i64>() {
                Ok(p) => back.get(&p).copied().unwrap_or(p).to_string(),
                Err(_) => parent.to_owned(),
            };
            Some(format!("{old}|{name}|{parent}|{}", parts.next()?))
        })
        .collect();
    out.sort();
    out
}

const COPIED_ROWS_SQL: &str = r#"SELECT "id" || '|' || "name" || '|' || COALESCE(CAST("parent_id" AS text), '-') || '|' || CAST("extra" AS text) FROM "shop_category""#;

fn engine_map(fork: &Fork<Category>) -> HashMap<i64, i64> {
    fork.map
        .pairs(&shop::CATEGORY_META)
        .iter()
        .map(|pair| match pair {
            (Value::Integer(old), Value::Integer(new)) => (*old, *new),
            other => panic!("integer keys expected, got {other:?}"),
        })
        .collect()
}

/// Both sides fork the same tree (rolled back), and the copies of each,
/// keys translated back, are the source tree.
fn check_fork(sides: &mut Sides, root: &Category) {
    let source = {
        let mut rows = runtime_rows(&sides.db, COPIED_ROWS_SQL);
        rows.sort();
        rows
    };
    assert_eq!(source.len(), TREE_NODES);
    let mut ours = None;
    let rolled_back = sides.db.transaction(|db| {
        let fork = timed_modelgen_fork(db, root);
        let map = engine_map(&fork);
        assert_eq!(map.len(), TREE_NODES);
        let copies = copies_translated(runtime_rows(db, COPIED_ROWS_SQL), &map);
        ours = Some((copies, (fork.root.id, fork.root.name.clone(), fork.root.parent_id)));
        Err::<(), _>(modelgen_runtime::Error::Misuse("roll the fork back".into()))
    });
    assert!(rolled_back.is_err());
    let ours = ours.expect("the runtime forked");
    let theirs = {
        let Hand { client, statements } = &mut sides.hand;
        let mut tx = client.transaction().expect("begin");
        let fork = timed_hand_fork(statements, &mut tx, root.id.expect("saved root"));
        let copies = copies_translated(hand_rows(&mut tx, COPIED_ROWS_SQL), &fork.map);
        tx.rollback().expect("rollback");
        let root = (Some(fork.root.0), fork.root.1, fork.root.2);
        (copies, root)
    };
    assert_eq!(theirs.0, source, "the hand-written copies are the source tree");
    assert_eq!(ours.0, source, "the runtime's copies are the source tree");
    assert_eq!(ours.1, theirs.1, "both sides return the same new root");
}

// ---------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------

/// Wall-clock and this thread's CPU time of `f`.
fn measure<T>(f: impl FnOnce() -> T) -> (Duration, Duration) {
    let cpu = thread_cpu();
    let start = Instant::now();
    black_box(f());
    (start.elapsed(), thread_cpu().saturating_sub(cpu))
}

/// CPU time of the calling thread (`/proc/thread-self/schedstat`, ns).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|ns| ns.parse().ok()))
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// One timed case: a fresh pair of sides per round (`setup`), each side
/// timed once.
struct Case<S> {
    name: &'static str,
    setup: Box<dyn Fn() -> S>,
    ours: fn(&mut S) -> (Duration, Duration),
    theirs: fn(&mut S) -> (Duration, Duration),
}

/// The saves, the reads and the fork, each as a case.
struct Fixtures {
    server: &'static Server,
}

/// A pair of databases with 10,000 entries saved by each side (the
/// update's starting point) or none yet (the insert's).
struct Saves {
    sides: Sides,
    ours: Vec<Entry>,
    theirs: Vec<Entry>,
}

impl Fixtures {
    fn saves(&self, stored: bool) -> Saves {
        let mut sides = two_databases(self.server, &[&weblog::APP], SAVE_SEED);
        let (mut ours, mut theirs) = (entries(), entries());
        if stored {
            timed_modelgen_insert(&sides.db, &mut ours);
            timed_hand_insert(&mut sides.hand, &mut theirs);
        }
        Saves { sides, ours, theirs }
    }

    /// The reads' database, one per run, both sides connected to it.
    fn reads(&self) -> Sides {
        let test_db = fresh_database(self.server, &[&weblog::APP], READ_SEED);
        let db = Database::from_postgres_client(test_db.connect()).expect("connect");
        let hand = Hand::new(test_db.connect());
        Sides { db, hand, _databases: vec![test_db] }
    }

    fn tree(&self) -> (Sides, Category) {
        let sides = two_databases(self.server, &[&shop::APP], TREE_SEED);
        let root = Category::get(&sides.db, 1).expect("root");
        (sides, root)
    }
}

fn insert_ours(s: &mut Saves) -> (Duration, Duration) {
    measure(|| timed_modelgen_insert(&s.sides.db, &mut s.ours))
}
fn insert_theirs(s: &mut Saves) -> (Duration, Duration) {
    measure(|| timed_hand_insert(&mut s.sides.hand, &mut s.theirs))
}
fn update_ours(s: &mut Saves) -> (Duration, Duration) {
    measure(|| timed_modelgen_update(&s.sides.db, &mut s.ours))
}
fn update_theirs(s: &mut Saves) -> (Duration, Duration) {
    measure(|| timed_hand_update(&mut s.sides.hand, &mut s.theirs))
}
fn get_ours(s: &mut Sides) -> (Duration, Duration) {
    measure(|| timed_modelgen_get(&s.db))
}
fn get_theirs(s: &mut Sides) -> (Duration, Duration) {
    measure(|| timed_hand_get(&mut s.hand))
}
fn filter_ours(s: &mut Sides) -> (Duration, Duration) {
    measure(|| timed_modelgen_filter(&s.db))
}
fn filter_theirs(s: &mut Sides) -> (Duration, Duration) {
    measure(|| timed_hand_filter(&mut s.hand))
}

/// The fork inside a transaction begun before the clock starts and rolled
/// back after it stops (the engine's own transaction nests as a savepoint,
/// and so does the hand-written one), so every fork starts from the same
/// rows. The identity sequence is not transactional: each fork's keys
/// follow the last one's, on both sides alike.
fn fork_ours((sides, root): &mut (Sides, Category)) -> (Duration, Duration) {
    let mut timed = (Duration::ZERO, Duration::ZERO);
    let rolled_back = sides.db.transaction(|db| {
        timed = measure(|| timed_modelgen_fork(db, root));
        Err::<(), _>(modelgen_runtime::Error::Misuse("roll the fork back".into()))
    });
    assert!(rolled_back.is_err());
    timed
}

fn fork_theirs((sides, root): &mut (Sides, Category)) -> (Duration, Duration) {
    let Hand { client, statements } = &mut sides.hand;
    let mut tx = client.transaction().expect("begin");
    let root = root.id.expect("saved root");
    let timed = measure(|| timed_hand_fork(statements, &mut tx, root));
    tx.rollback().expect("rollback");
    timed
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(|_| "?".into(), |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// The paired rounds of one case (benches/pairing), printed with each
/// side's client CPU beside the wall clock. `fresh_each_round`: a new setup
/// per round (the saves change their databases), else one setup for every
/// round.
fn paired_case<S>(case: &Case<S>, rounds: usize, fresh_each_round: bool) {
    if !pairing::selected(case.name) {
        return;
    }
    let mut shared = (!fresh_each_round).then(|| (case.setup)());
    let load_before = load_average();
    let pairs = pairing::rounds(
        rounds,
        || fresh_each_round.then(|| (case.setup)()),
        |fresh, side| {
            let state = fresh.as_mut().or(shared.as_mut()).expect("a setup");
            match side {
                Side::Modelgen => (case.ours)(state),
                Side::Other => (case.theirs)(state),
            }
        },
    );
    let wall = Medians::of(pairs.iter().map(|((wall_a, _), (wall_b, _))| (ms(*wall_a), ms(*wall_b))));
    let cpu = Medians::of(pairs.iter().map(|((_, cpu_a), (_, cpu_b))| (ms(*cpu_a), ms(*cpu_b))));
    println!(
        "paired {} x{rounds}: wall modelgen median {:.2} ms, hand-written median {:.2} ms, median per-round ratio {:.3}; \
         client CPU modelgen {:.2} ms, hand-written {:.2} ms, ratio {:.3}; load {} -> {}",
        case.name,
        wall.modelgen,
        wall.other,
        wall.ratio,
        cpu.modelgen,
        cpu.other,
        cpu.ratio,
        load_before,
        load_average()
    );
}

fn save_cases(fixtures: &'static Fixtures) -> [Case<Saves>; 2] {
    [
        Case { name: "pg_save_insert_10k", setup: Box::new(|| fixtures.saves(false)), ours: insert_ours, theirs: insert_theirs },
        Case { name: "pg_save_update_10k", setup: Box::new(|| fixtures.saves(true)), ours: update_ours, theirs: update_theirs },
    ]
}

fn paired(fixtures: &'static Fixtures, rounds: usize) {
    for case in save_cases(fixtures) {
        paired_case(&case, rounds, true);
    }
    let reads = [
        Case { name: "pg_get_pk_10k", setup: Box::new(|| fixtures.reads()), ours: get_ours, theirs: get_theirs },
        Case { name: "pg_filter_10k", setup: Box::new(|| fixtures.reads()), ours: filter_ours, theirs: filter_theirs },
    ];
    for case in reads {
        paired_case(&case, rounds, false);
    }
    let fork = Case { name: "pg_fork_tree_10k", setup: Box::new(|| fixtures.tree()), ours: fork_ours, theirs: fork_theirs };
    paired_case(&fork, rounds, false);
}

// ---------------------------------------------------------------------------
// Criterion
// ---------------------------------------------------------------------------

/// Criterion's samples of one case: the wall clock of each side, a fresh
/// setup per iteration when the case changes its databases.
fn bench_case<S>(c: &mut Criterion, case: &Case<S>, fresh_each_iteration: bool) {
    let mut group = c.benchmark_group(case.name);
    group.sample_size(10);
    let mut shared = (!fresh_each_iteration).then(|| (case.setup)());
    for (side, timed) in [("modelgen", case.ours), ("hand_written", case.theirs)] {
        group.bench_function(side, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| match shared.as_mut() {
                        Some(state) => timed(state).0,
                        None => timed(&mut (case.setup)()).0,
                    })
                    .sum()
            })
        });
    }
    group.finish();
}

static FIXTURES: std::sync::OnceLock<Option<Fixtures>> = std::sync::OnceLock::new();

/// The fixtures on the throwaway server, `None` (one line printed by
/// `server()`, and this one) when PostgreSQL is not installed.
fn fixtures() -> Option<&'static Fixtures> {
    FIXTURES
        .get_or_init(|| {
            let server = modelgen_testing_pg::server();
            if server.is_none() {
                println!("benches/postgresql.rs: no PostgreSQL server, nothing measured");
            }
            server.map(|server| Fixtures { server })
        })
        .as_ref()
}

fn checks(fixtures: &'static Fixtures) {
    check_saves(fixtures.server);
    check_reads(&mut fixtures.reads());
    let (mut sides, root) = fixtures.tree();
    check_fork(&mut sides, &root);
}

fn postgresql(c: &mut Criterion) {
    let Some(fixtures) = fixtures() else { return };
    checks(fixtures);
    for case in save_cases(fixtures) {
        bench_case(c, &case, true);
    }
    let reads = [
        Case { name: "pg_get_pk_10k", setup: Box::new(|| fixtures.reads()), ours: get_ours, theirs: get_theirs },
        Case { name: "pg_filter_10k", setup: Box::new(|| fixtures.reads()), ours: filter_ours, theirs: filter_theirs },
    ];
    for case in reads {
        bench_case(c, &case, false);
    }
    let fork = Case { name: "pg_fork_tree_10k", setup: Box::new(|| fixtures.tree()), ours: fork_ours, theirs: fork_theirs };
    bench_case(c, &fork, false);
}

criterion_group!(benches, postgresql);

fn main() {
    if let Some(rounds) = pairing::requested_rounds() {
        let Some(fixtures) = fixtures() else { return };
        checks(fixtures);
        paired(fixtures, rounds);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
