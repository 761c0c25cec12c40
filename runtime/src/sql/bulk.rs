//! The SQL of `bulk_create` (a multi-row INSERT per batch) and
//! `bulk_update` (one `UPDATE ... SET c = CASE WHEN pk = ? THEN ? ... END`
//! per batch), spelled as Django's SQLite backend spells them.

use super::{push_names, push_placeholders, push_quoted, DIALECT};
use crate::backend::Dialect;

/// What a bulk INSERT does when a row conflicts with a unique constraint
/// (Django's `OnConflict`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum OnConflict<'a> {
    /// Fail (the default): the statement raises the integrity error.
    Fail,
    /// `INSERT OR IGNORE` (Django's `ignore_conflicts=True` on SQLite).
    Ignore,
    /// `ON CONFLICT (<unique>) DO UPDATE SET c = EXCLUDED.c` (Django's
    /// `update_conflicts=True`).
    Update { unique: &'a [&'a str], update: &'a [&'a str] },
}

/// `INSERT INTO t (c, ...) VALUES (...), ... [RETURNING ...]` for `rows`
/// rows. `db_default(row, column)` is the SQL of a column's database
/// default when that row leaves it unset (Django writes the default's
/// expression in its place: SQLite has no `DEFAULT` keyword in VALUES),
/// `None` for a bound parameter.
pub(crate) fn bulk_insert(
    table: &str,
    columns: &[&str],
    rows: usize,
    db_default: impl Fn(usize, usize) -> Option<&'static str>,
    on_conflict: OnConflict<'_>,
    returning: &[&str],
) -> String {
    let mut sql = String::from(match on_conflict {
        OnConflict::Ignore => "INSERT OR IGNORE INTO ",
        _ => "INSERT INTO ",
    });
    push_quoted(&mut sql, table);
    sql.push_str(" (");
    push_names(&mut sql, columns.iter().copied());
    sql.push_str(") VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            match db_default(row, column) {
                Some(default) => {
                    sql.push('(');
                    sql.push_str(default);
                    sql.push(')');
                }
                None => DIALECT.push_placeholder(&mut sql),
            }
        }
        sql.push(')');
    }
    if let OnConflict::Update { unique, update } = on_conflict {
        sql.push_str(" ON CONFLICT(");
        push_names(&mut sql, unique.iter().copied());
        sql.push_str(") DO UPDATE SET ");
        for (i, column) in update.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            push_quoted(&mut sql, column);
            sql.push_str(" = EXCLUDED.");
            push_quoted(&mut sql, column);
        }
    }
    if !returning.is_empty() && DIALECT.supports_returning() {
        sql.push_str(" RETURNING ");
        push_names(&mut sql, returning.iter().copied());
    }
    sql
}

/// `UPDATE t SET c = CASE WHEN (pk = ?) THEN ? ... ELSE NULL END, ...
/// WHERE pk IN (?, ...)` for `rows` rows: per column, a (pk, value) pair
/// of parameters per row, then the `rows` pks of the IN list. With
/// `casts` (one type per column; empty for none) each CASE is written
/// `(CASE ... END)::type`, as Django's `Cast` spells it on PostgreSQL.
pub(crate) fn bulk_update(table: &str, pk: &str, columns: &[&str], casts: &[&str], rows: usize) -> String {
    let mut sql = String::from("UPDATE ");
    push_quoted(&mut sql, table);
    sql.push_str(" SET ");
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        push_quoted(&mut sql, column);
        let cast = casts.get(i).filter(|cast| !cast.is_empty());
        sql.push_str(if cast.is_some() { " = (CASE" } else { " = CASE" });
        for _ in 0..rows {
            sql.push_str(" WHEN (");
            push_quoted(&mut sql, pk);
            sql.push_str(" = ");
            DIALECT.push_placeholder(&mut sql);
            sql.push_str(") THEN ");
            DIALECT.push_placeholder(&mut sql);
        }
        sql.push_str(" ELSE NULL END");
        if let Some(cast) = cast {
            sql.push_str(")::");
            sql.push_str(cast);
        }
    }
    sql.push_str(" WHERE ");
    push_quoted(&mut sql, pk);
    sql.push_str(" IN (");
    push_placeholders(&mut sql, rows);
    sql.push(')');
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_insert_spells_returning_and_conflicts_as_django() {
        let none = |_: usize, _: usize| None;
        assert_eq!(
            bulk_insert("b", &["name", "tagline"], 2, none, OnConflict::Fail, &["id"]),
            r#"INSERT INTO "b" ("name", "tagline") VALUES (?, ?), (?, ?) RETURNING "id""#
        );
        assert_eq!(
            bulk_insert("b", &["name"], 1, none, OnConflict::Ignore, &[]),
            r#"INSERT OR IGNORE INTO "b" ("name") VALUES (?)"#
        );
        assert_eq!(
            bulk_insert("p", &["slug", "name"], 1, |_, c| (c == 1).then_some("'x'"), OnConflict::Update { unique: &["slug"], update: &["name"] }, &["id"]),
            r#"INSERT INTO "p" ("slug", "name") VALUES (?, ('x')) ON CONFLICT("slug") DO UPDATE SET "name" = EXCLUDED."name" RETURNING "id""#
        );
    }

    #[test]
    fn bulk_update_is_a_case_per_column() {
        assert_eq!(
            bulk_update("b", "id", &["name"], &[], 2),
            r#"UPDATE "b" SET "name" = CASE WHEN ("id" = ?) THEN ? WHEN ("id" = ?) THEN ? ELSE NULL END WHERE "id" IN (?, ?)"#
        );
        // Django's bulk_update on PostgreSQL casts each CASE to the column's type.
        assert_eq!(
            bulk_update("b", "id", &["at", "n"], &["timestamp with time zone", "integer"], 1),
            r#"UPDATE "b" SET "at" = (CASE WHEN ("id" = ?) THEN ? ELSE NULL END)::timestamp with time zone, "n" = (CASE WHEN ("id" = ?) THEN ? ELSE NULL END)::integer WHERE "id" IN (?)"#
        );
    }
}
