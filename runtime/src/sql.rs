//! SQL text: quoting, placeholders, and the statements of a model built
//! once from its [`ModelMeta`] (SQLite's dialect: `"quoted"` names, `?N`
//! placeholders, `RETURNING`).

use crate::backend::sqlite::Sqlite;
use crate::backend::Dialect;
use crate::model::ModelMeta;

/// The dialect every statement is spelled in (the one backend, SQLite).
pub(crate) const DIALECT: Sqlite = Sqlite;

/// `name` quoted as an identifier (`"name"` on SQLite, embedded quotes
/// doubled).
#[inline]
pub(crate) fn push_quoted(out: &mut String, name: &str) {
    DIALECT.push_quoted(out, name);
}

/// `?, ?, ?` for `n` parameters.
pub(crate) fn push_placeholders(out: &mut String, n: usize) {
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        DIALECT.push_placeholder(out);
    }
}

fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    push_quoted(&mut out, name);
    out
}

/// `?1, ?2, ... ?n`.
fn numbered_placeholders(n: usize) -> String {
    let mut out = String::new();
    for i in 1..=n {
        if i > 1 {
            out.push_str(", ");
        }
        DIALECT.push_numbered_placeholder(&mut out, i);
    }
    out
}

/// The statements of one model, built once (see [`ModelMeta::fields`]).
#[derive(Debug)]
pub(crate) struct ModelSql {
    /// `SELECT <every field> FROM <from>`, in the order `from_row` reads:
    /// for a multi-table-inheritance child, every ancestor's columns (root
    /// first, qualified by table) and then its own.
    pub(crate) select: String,
    /// What queries select from: the quoted table, or for a
    /// multi-table-inheritance child the table joined to every ancestor.
    /// Column names are unique across the join (Django forbids a child
    /// field clashing with a parent's), so filters need no qualification.
    pub(crate) from: String,
    /// INSERT of every column but an auto pk, `RETURNING <pk>`; binds every
    /// column but the pk, in `columns` order. Used when the pk is an unset auto pk.
    pub(crate) insert: String,
    /// INSERT of every column including the pk, in `columns` order.
    pub(crate) insert_with_pk: String,
    /// `UPDATE <table> SET <every non-pk column> = ? ... WHERE <pk> = ?`.
    pub(crate) update: String,
}

impl ModelSql {
    pub(crate) fn new(meta: &'static ModelMeta) -> Self {
        let table = quoted(meta.table);
        let pk = quoted(meta.pk_column().column);
        let all: Vec<String> = meta.columns.iter().map(|c| quoted(c.column)).collect();
        let pk_auto = meta.pk_column().auto;
        let insert_columns: Vec<&String> =
            all.iter().enumerate().filter(|&(i, _)| !(pk_auto && i == meta.pk)).map(|(_, c)| c).collect();
        let insert = if insert_columns.is_empty() {
            format!("INSERT INTO {table} DEFAULT VALUES RETURNING {pk}")
        } else {
            let names: Vec<&str> = insert_columns.iter().map(|c| c.as_str()).collect();
            format!(
                "INSERT INTO {table} ({}) VALUES ({}) RETURNING {pk}",
                names.join(", "),
                numbered_placeholders(names.len())
            )
        };
        let insert_with_pk =
            format!("INSERT INTO {table} ({}) VALUES ({})", all.join(", "), numbered_placeholders(all.len()));
        let sets: Vec<String> = all
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != meta.pk)
            .enumerate()
            .map(|(n, (_, column))| format!("{column} = ?{}", n + 1))
            .collect();
        let update = if sets.is_empty() {
            format!("UPDATE {table} SET {pk} = {pk} WHERE {pk} = ?1")
        } else {
            format!("UPDATE {table} SET {} WHERE {pk} = ?{}", sets.join(", "), sets.len() + 1)
        };
        let (select, from) = match meta.parent {
            None => (format!("SELECT {} FROM {table}", all.join(", ")), table),
            Some(parent) => {
                let link = meta.relations.iter().find(|r| r.parent_link).map_or(meta.pk, |r| r.column);
                let parent_table = quoted(parent.table);
                // The parent's own joins (to its ancestors) follow its table.
                let parent_from = ModelSql::new(parent).from;
                let parent_joins = parent_from.strip_prefix(&parent_table).unwrap_or_default();
                let from = format!(
                    "{table} INNER JOIN {parent_table} ON ({table}.{} = {parent_table}.{}){parent_joins}",
                    quoted(meta.columns[link].column),
                    quoted(parent.pk_column().column),
                );
                let mut columns = Vec::new();
                for ancestor in meta.lineage().collect::<Vec<_>>().into_iter().rev() {
                    let owner = quoted(ancestor.table);
                    columns.extend(ancestor.columns.iter().map(|c| format!("{owner}.{}", quoted(c.column))));
                }
                (format!("SELECT {} FROM {from}", columns.join(", ")), from)
            }
        };
        ModelSql { select, from, insert, insert_with_pk, update }
    }
}
