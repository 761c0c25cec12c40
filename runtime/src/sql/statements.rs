//! Statements built at run time from names: loads and saves by key,
//! many-to-many links, the copy engine's batches.

use rusqlite::types::Value;

use super::{push_placeholders, push_quoted, quoted, Sql};
use crate::backend::Dialect;

/// `"a", "b", "c"`.
pub(crate) fn push_names<'a>(out: &mut String, names: impl IntoIterator<Item = &'a str>) {
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_quoted(out, name);
    }
}

/// `SELECT <what> FROM <table> WHERE <a> = ? AND <b> = ? ...<tail>`, `what`
/// a column (quoted) or, when `None`, `1`.
fn select_eq(what: Option<&str>, table: &str, equal: &[&str], tail: &str) -> String {
    let mut sql = String::from("SELECT ");
    match what {
        Some(column) => push_quoted(&mut sql, column),
        None => sql.push('1'),
    }
    sql.push_str(" FROM ");
    push_quoted(&mut sql, table);
    for (i, column) in equal.iter().enumerate() {
        sql.push_str(if i == 0 { " WHERE " } else { " AND " });
        push_quoted(&mut sql, column);
        sql.push_str(" = ?");
    }
    sql.push_str(tail);
    sql
}

/// `SELECT 1 FROM <table> WHERE <pk> = ? LIMIT 1`.
pub(crate) fn exists_by_pk(table: &str, pk: &str) -> String {
    select_eq(None, table, &[pk], " LIMIT 1")
}

/// `SELECT <target> FROM <through> WHERE <source> = ?`.
pub(crate) fn linked(through: &str, source: &str, target: &str) -> String {
    select_eq(Some(target), through, &[source], "")
}

/// `SELECT 1 FROM <through> WHERE <source> = ? AND <target> = ?`.
pub(crate) fn link_exists(through: &str, source: &str, target: &str) -> String {
    select_eq(None, through, &[source, target], "")
}

/// `UPDATE <table> SET <column> = ?, ... WHERE <pk> = ?` (`update_fields`).
pub(crate) fn update_columns<'a>(table: &str, pk: &str, columns: impl IntoIterator<Item = &'a str>) -> String {
    let mut sql = String::from("UPDATE ");
    push_quoted(&mut sql, table);
    sql.push_str(" SET ");
    for (i, column) in columns.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        push_quoted(&mut sql, column);
        sql.push_str(" = ?");
    }
    sql.push_str(" WHERE ");
    push_quoted(&mut sql, pk);
    sql.push_str(" = ?");
    sql
}

/// `<select> WHERE <pk> = ?`.
pub(crate) fn select_by_pk(select: &str, pk: &str) -> String {
    let mut sql = String::with_capacity(select.len() + 32);
    sql.push_str(select);
    sql.push_str(" WHERE ");
    push_quoted(&mut sql, pk);
    sql.push_str(" = ?");
    sql
}

/// `<select> WHERE <pk> IN (?, ...)` for `n` keys.
pub(crate) fn select_by_pks(select: &str, pk: &str, n: usize) -> String {
    let mut sql = String::with_capacity(select.len() + 32 + 3 * n);
    sql.push_str(select);
    sql.push_str(" WHERE ");
    push_quoted(&mut sql, pk);
    sql.push_str(" IN (");
    push_placeholders(&mut sql, n);
    sql.push(')');
    sql
}

/// `INSERT INTO <through> (<source>, <target>, <extra>...) VALUES (?, ?, ?...)`.
pub(crate) fn insert_link(through: &str, source: &str, target: &str, extra: &[&str]) -> String {
    let mut sql = String::from("INSERT INTO ");
    push_quoted(&mut sql, through);
    sql.push_str(" (");
    push_names(&mut sql, [source, target].into_iter().chain(extra.iter().copied()));
    sql.push_str(") VALUES (?, ?");
    for _ in extra {
        sql.push_str(", ?");
    }
    sql.push(')');
    sql
}

/// `DELETE FROM <through> WHERE (<from> = ? [AND <to> IN (...)]) OR ...`,
/// one parenthesised group per direction (two for a symmetrical relation).
pub(crate) fn delete_links(
    through: &str,
    directions: &[(&str, &str)],
    source: &Value,
    targets: Option<&[Value]>,
) -> Sql {
    let mut sql = Sql::delete_from(through);
    sql.push_where();
    for (i, (from, to)) in directions.iter().enumerate() {
        if i > 0 {
            sql.text.push_str(" OR ");
        }
        sql.text.push('(');
        sql.push_quoted(from);
        sql.text.push_str(" = ?");
        sql.params.push(source.clone());
        if let Some(targets) = targets {
            sql.text.push_str(" AND ");
            sql.push_quoted(to);
            sql.text.push_str(" IN (");
            push_placeholders(&mut sql.text, targets.len());
            sql.text.push(')');
            sql.params.extend(targets.iter().cloned());
        }
        sql.text.push(')');
    }
    sql
}

/// `SELECT <columns> FROM <table> WHERE <filter> IN (?, ...) [ORDER BY
/// rowid]` for `n` keys, ordered as the rows were stored when
/// `in_storage_order` (SQLite's `rowid`, PostgreSQL's `ctid`: see
/// [`Dialect::row_order_column`]).
pub(crate) fn select_where_in(
    dialect: &impl Dialect,
    table: &str,
    columns: &[&str],
    filter: &str,
    n: usize,
    in_storage_order: bool,
) -> String {
    let mut sql = String::from("SELECT ");
    push_names(&mut sql, columns.iter().copied());
    sql.push_str(" FROM ");
    push_quoted(&mut sql, table);
    sql.push_str(" WHERE ");
    push_quoted(&mut sql, filter);
    sql.push_str(" IN (");
    push_placeholders(&mut sql, n);
    sql.push(')');
    if in_storage_order {
        sql.push_str(" ORDER BY ");
        sql.push_str(dialect.row_order_column());
    }
    sql
}

/// `SELECT 1 FROM <table> WHERE <column> = ? LIMIT 1`.
pub(crate) fn value_exists(table: &str, column: &str) -> String {
    exists_by_pk(table, column)
}

/// `SELECT COALESCE(MAX(<pk>), 0) FROM <table>`.
pub(crate) fn max_pk(table: &str, pk: &str) -> String {
    let mut sql = String::from("SELECT COALESCE(MAX(");
    push_quoted(&mut sql, pk);
    sql.push_str("), 0) FROM ");
    push_quoted(&mut sql, table);
    sql
}

/// Whether SQLite's `sqlite_sequence` table exists (a table has AUTOINCREMENT).
pub(crate) const HAS_SEQUENCE: &str = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'";
/// The largest key AUTOINCREMENT handed out for a table.
pub(crate) const SEQUENCE_OF: &str = "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = ?";

/// A multi-row INSERT, built per batch: `INSERT INTO <table> (<columns>) VALUES `
/// followed by one `(?, ...)` per row.
#[derive(Debug, Clone)]
pub(crate) struct MultiInsert {
    head: String,
    tuple: String,
}

impl MultiInsert {
    pub(crate) fn new(table: &str, columns: &[&str]) -> Self {
        let mut head = String::from("INSERT INTO ");
        push_quoted(&mut head, table);
        head.push_str(" (");
        push_names(&mut head, columns.iter().copied());
        head.push_str(") VALUES ");
        let mut tuple = String::from("(");
        push_placeholders(&mut tuple, columns.len());
        tuple.push(')');
        MultiInsert { head, tuple }
    }

    /// The statement for `rows` rows.
    pub(crate) fn rows(&self, rows: usize) -> String {
        let mut sql = String::with_capacity(self.head.len() + rows * (self.tuple.len() + 2));
        sql.push_str(&self.head);
        for i in 0..rows {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&self.tuple);
        }
        sql
    }
}

/// `SELECT ?, ?, ...`: `n` values read back as a row.
pub(crate) fn select_values(n: usize) -> String {
    let mut sql = String::from("SELECT ");
    push_placeholders(&mut sql, n);
    sql
}

/// Every table and index of a database with its `CREATE` statement, in
/// the order they were created (SQLite's own objects and the indexes it
/// makes for UNIQUE constraints, which have no statement, left out).
pub(crate) const SCHEMA_OBJECTS: &str = "SELECT type, name, sql FROM sqlite_master \
     WHERE type IN ('table', 'index') AND sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid";

/// The columns of a table (`?1`): name, declared type, NOT NULL.
pub(crate) const TABLE_COLUMNS: &str = "SELECT name, type, \"notnull\" FROM pragma_table_info(?1) ORDER BY cid";

/// Whether a table or index named `?1` exists.
pub(crate) const OBJECT_EXISTS: &str = "SELECT 1 FROM sqlite_master WHERE type = ?1 AND name = ?2";

/// Whether a PostgreSQL table, index or sequence named `?1` exists (in the
/// search path).
pub(crate) const PG_RELATION_EXISTS: &str = "SELECT 1 WHERE to_regclass(quote_ident(?1)) IS NOT NULL";

/// The columns of the PostgreSQL table `?1` (a quoted, possibly qualified
/// name): name, type as the server spells it, NOT NULL.
pub(crate) const PG_TABLE_COLUMNS: &str = "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull \
     FROM pg_attribute a WHERE a.attrelid = to_regclass(?1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

/// The scratch schema `create_tables` builds the expected tables in on
/// PostgreSQL, inside a savepoint that is always rolled back.
pub(crate) const PG_EXPECTED_SCHEMA_BEGIN: &str = "SAVEPOINT modelgen_expected; CREATE SCHEMA modelgen_expected";
pub(crate) const PG_EXPECTED_SCHEMA_END: &str =
    "ROLLBACK TO SAVEPOINT modelgen_expected; RELEASE SAVEPOINT modelgen_expected";

/// Whether a PostgreSQL constraint named `?1` exists.
pub(crate) const PG_CONSTRAINT_EXISTS: &str = "SELECT 1 FROM pg_constraint WHERE conname = ?1";

/// PostgreSQL: the lock [`pg_allocate_keys`] runs under, held to the end of
/// the transaction: it conflicts with INSERTs (ROW EXCLUSIVE) and with
/// itself, not with reads.
pub(crate) fn pg_lock_for_key_allocation(table: &str) -> String {
    format!("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", quoted(table))
}

/// PostgreSQL: reserve `?1` new keys of `table`'s identity pk past both the
/// largest key and every key its sequence handed out, advancing the
/// sequence past them (so later INSERTs do not collide); the first key.
pub(crate) fn pg_allocate_keys(table: &str, pk: &str) -> String {
    let sequence = format!("pg_get_serial_sequence('{}', '{}')", quoted(table).replace('\'', "''"), pk.replace('\'', "''"));
    format!(
        "SELECT setval({sequence}, GREATEST((SELECT COALESCE(MAX({pk}), 0) FROM {table}), nextval({sequence}) - 1) + CAST(?1 AS bigint)) - CAST(?1 AS bigint) + 1",
        pk = quoted(pk),
        table = quoted(table),
    )
}
