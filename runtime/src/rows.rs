//! Rows read and written by table, in batches: what the copy engine and
//! dirty tracking's many-to-many diff run (the SQL text comes from
//! [`crate::sql`]).

use std::collections::HashMap;

use rusqlite::types::Value;

use crate::db::Database;
use crate::error::Result;
use crate::model::{ManyToManyMeta, ModelMeta};
use crate::value::PkKey;

/// The copy engine's maps hash a key per copied row several times: foldhash
/// (seeded per process) instead of SipHash.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// How many rows go into one multi-row INSERT at most; fewer when the
/// table is wide, to stay under SQLite's 32,766 bound parameters.
const ROWS_PER_INSERT: usize = 500;
const MAX_PARAMETERS: usize = 32_766;
/// How many keys go into one `IN (...)` when reading the graph.
pub(crate) const KEYS_PER_SELECT: usize = 500;

/// The rows of `table` whose pk is among `pks`, every column in order.
pub(crate) fn select_rows(db: &Database, table: &ModelMeta, pks: &[Value]) -> Result<FastMap<PkKey, Vec<Value>>> {
    let mut out = FastMap::with_capacity_and_hasher(pks.len(), Default::default());
    for_rows_where(db, table, table.pk, pks, |row| {
        out.insert(PkKey::from(&row[table.pk]), row);
    })?;
    Ok(out)
}

/// The rows of `table` whose column `filter` is among `keys`, every
/// column in order, in the order SQLite returns them.
pub(crate) fn select_rows_where(
    db: &Database,
    table: &ModelMeta,
    filter: usize,
    keys: &[Value],
) -> Result<Vec<Vec<Value>>> {
    let mut out = Vec::new();
    for_rows_where(db, table, filter, keys, |row| out.push(row))?;
    Ok(out)
}

/// `SELECT <every column> FROM <table> WHERE <column filter> IN (...)`,
/// in batches of keys; `f` gets each row.
fn for_rows_where(
    db: &Database,
    table: &ModelMeta,
    filter: usize,
    keys: &[Value],
    mut f: impl FnMut(Vec<Value>),
) -> Result<()> {
    let columns: Vec<&str> = table.columns.iter().map(|c| c.column).collect();
    for_each_where(db, table.table, &columns, table.columns[filter].column, keys, false, |row| {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(row.get_value(i)?);
        }
        f(values);
        Ok(())
    })
}

/// `SELECT <column> FROM <table> WHERE <filter> IN (...)`, NULLs left out.
pub(crate) fn select_column(
    db: &Database,
    table: &str,
    column: &str,
    filter: &str,
    keys: &[Value],
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for_each_where(db, table, &[column], filter, keys, false, |row| {
        let value = row.get_value(0)?;
        if value != Value::Null {
            out.push(value);
        }
        Ok(())
    })?;
    Ok(out)
}

/// The (source, target) rows of a join table whose source is among
/// `keys`, in the order the links were made; rows with a NULL side are
/// left out.
pub(crate) fn select_pairs(
    db: &Database,
    table: &str,
    source: &str,
    target: &str,
    keys: &[Value],
) -> Result<Vec<(Value, Value)>> {
    let mut out = Vec::new();
    for_each_where(db, table, &[source, target], source, keys, true, |row| {
        let pair = (row.get_value(0)?, row.get_value(1)?);
        if pair.0 != Value::Null && pair.1 != Value::Null {
            out.push(pair);
        }
        Ok(())
    })?;
    Ok(out)
}

/// `SELECT <columns> FROM <table> WHERE <filter> IN (?, ...)
/// [ORDER BY rowid]` (as stored when `in_storage_order`), run for every
/// batch of `keys`; `f` gets each row.
fn for_each_where(
    db: &Database,
    table: &str,
    columns: &[&str],
    filter: &str,
    keys: &[Value],
    in_storage_order: bool,
    mut f: impl FnMut(crate::backend::DbRow<'_>) -> Result<()>,
) -> Result<()> {
    for chunk in keys.chunks(KEYS_PER_SELECT) {
        let sql = crate::sql::select_where_in(&db.backend(), table, columns, filter, chunk.len(), in_storage_order);
        db.with_sql(&sql, |stmt| {
            let mut rows = stmt.query(crate::backend::params_from_iter(chunk.iter()))?;
            while let Some(row) = rows.next()? {
                f(row)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Whether some row of `table` holds `value` in `column`.
pub(crate) fn value_exists(db: &Database, table: &str, column: &str, value: &str) -> Result<bool> {
    let sql = crate::sql::value_exists(table, column);
    db.with_sql(&sql, |stmt| stmt.exists([value]))
}

/// The first new key of `meta`'s auto pk (the next ones follow it), to
/// be written explicitly in this transaction: past the largest key in the
/// table and past every key SQLite's AUTOINCREMENT ever handed out
/// (`sqlite_sequence`), so no key is reused, as Django's tables promise.
pub(crate) fn allocate_keys(db: &Database, meta: &ModelMeta, count: usize) -> Result<i64> {
    if db.backend() == crate::backend::Backend::PostgreSql {
        // Until this transaction ends, no other one inserts into the table
        // or allocates keys of it: otherwise two connections read the same
        // sequence position and MAX, and reserve overlapping keys (found
        // by concurrency.rs's two PostgreSQL connections forking at once).
        db.execute_batch(&crate::sql::pg_lock_for_key_allocation(meta.table))?;
        let sql = crate::sql::pg_allocate_keys(meta.table, meta.pk_column().column);
        let count = i64::try_from(count.max(1)).unwrap_or(i64::MAX);
        return db.with_sql(&sql, |stmt| stmt.query_row([count], |r| r.get(0)));
    }
    let sql = crate::sql::max_pk(meta.table, meta.pk_column().column);
    let max: i64 = db.with_sql(&sql, |stmt| stmt.query_row(crate::backend::NO_PARAMS, |r| r.get(0)))?;
    let has_sequence: bool = db.with_statement(crate::sql::HAS_SEQUENCE, |stmt| stmt.exists(crate::backend::NO_PARAMS))?;
    let seq: i64 = if has_sequence {
        db.with_statement(crate::sql::SEQUENCE_OF, |stmt| stmt.query_row([meta.table], |r| r.get(0)))?
    } else {
        0
    };
    Ok(max.max(seq) + 1)
}

/// One multi-row INSERT and its parameters.
pub(crate) struct Insert<'r> {
    pub(crate) sql: String,
    rows: &'r [Vec<Value>],
}

impl Insert<'_> {
    pub(crate) fn execute(&self, db: &Database) -> Result<()> {
        db.with_sql(&self.sql, |stmt| {
            let mut index = 1;
            for row in self.rows {
                for value in row {
                    stmt.raw_bind_parameter(index, value)?;
                    index += 1;
                }
            }
            stmt.raw_execute()?;
            Ok(())
        })
    }
}

/// `INSERT INTO t (c, ...) VALUES (?, ...), (?, ...)`, batched.
pub(crate) fn batched_inserts<'r>(
    table: &str,
    columns: &[&str],
    rows: &'r [Vec<Value>],
) -> impl Iterator<Item = Insert<'r>> {
    let per_statement = (MAX_PARAMETERS / columns.len().max(1)).clamp(1, ROWS_PER_INSERT);
    let insert = crate::sql::MultiInsert::new(table, columns);
    rows.chunks(per_statement).map(move |chunk| Insert { sql: insert.rows(chunk.len()), rows: chunk })
}

/// The target pks a many-to-many set of the row `pk` links to, in link order.
pub(crate) fn linked_targets(db: &Database, m2m: &ManyToManyMeta, pk: &Value) -> Result<Vec<Value>> {
    Ok(select_pairs(db, m2m.through_table, m2m.source_column, m2m.target_column, std::slice::from_ref(pk))?
        .into_iter()
        .map(|(_, target)| target)
        .collect())
}
