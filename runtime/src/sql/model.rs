//! The statements of one model, built once from its shape.

use super::{numbered_placeholders, quoted, DIALECT};
use crate::backend::Dialect;

/// What a model's statements are built from: its table, its columns, its
/// primary key, and for a multi-table-inheritance child the link to its
/// parent and the parent's shape.
#[derive(Debug)]
pub(crate) struct TableShape<'a> {
    pub(crate) table: &'a str,
    pub(crate) columns: Vec<&'a str>,
    /// Index of the pk in `columns`.
    pub(crate) pk: usize,
    /// Whether the pk is an auto pk (left out of the plain INSERT).
    pub(crate) pk_auto: bool,
    /// The parent (multi-table inheritance) and the index in `columns` of
    /// the column linking to it.
    pub(crate) parent: Option<(Box<TableShape<'a>>, usize)>,
}

impl TableShape<'_> {
    /// This table and its ancestors, this one first.
    fn lineage(&self) -> impl Iterator<Item = &TableShape<'_>> {
        std::iter::successors(Some(self), |t| t.parent.as_ref().map(|(p, _)| &**p))
    }
}

/// The statements of one model, built once (see `ModelMeta::fields`).
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
    pub(crate) fn new(meta: &TableShape<'_>) -> Self {
        let table = quoted(meta.table);
        let pk = quoted(meta.columns[meta.pk]);
        let all: Vec<String> = meta.columns.iter().map(|c| quoted(c)).collect();
        let pk_auto = meta.pk_auto;
        let insert_columns: Vec<&String> =
            all.iter().enumerate().filter(|&(i, _)| !(pk_auto && i == meta.pk)).map(|(_, c)| c).collect();
        // Without RETURNING the save reads the key back from the connection.
        let returning = if DIALECT.supports_returning() { format!(" RETURNING {pk}") } else { String::new() };
        let insert = if insert_columns.is_empty() {
            format!("INSERT INTO {table} DEFAULT VALUES{returning}")
        } else {
            let names: Vec<&str> = insert_columns.iter().map(|c| c.as_str()).collect();
            format!(
                "INSERT INTO {table} ({}) VALUES ({}){returning}",
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
            .map(|(n, (_, column))| format!("{column} = {}", placeholder(n + 1)))
            .collect();
        let update = if sets.is_empty() {
            format!("UPDATE {table} SET {pk} = {pk} WHERE {pk} = {}", placeholder(1))
        } else {
            format!("UPDATE {table} SET {} WHERE {pk} = {}", sets.join(", "), placeholder(sets.len() + 1))
        };
        let (select, from) = match &meta.parent {
            None => (format!("SELECT {} FROM {table}", all.join(", ")), table),
            Some((parent, link)) => {
                let link = *link;
                let parent_table = quoted(parent.table);
                // The parent's own joins (to its ancestors) follow its table.
                let parent_from = ModelSql::new(parent).from;
                let parent_joins = parent_from.strip_prefix(&parent_table).unwrap_or_default();
                let from = format!(
                    "{table} INNER JOIN {parent_table} ON ({table}.{} = {parent_table}.{}){parent_joins}",
                    quoted(meta.columns[link]),
                    quoted(parent.columns[parent.pk]),
                );
                let mut columns = Vec::new();
                for ancestor in meta.lineage().collect::<Vec<_>>().into_iter().rev() {
                    let owner = quoted(ancestor.table);
                    columns.extend(ancestor.columns.iter().map(|c| format!("{owner}.{}", quoted(c))));
                }
                (format!("SELECT {} FROM {from}", columns.join(", ")), from)
            }
        };
        ModelSql { select, from, insert, insert_with_pk, update }
    }
}

/// The placeholder of parameter `number` (`?N` on SQLite).
fn placeholder(number: usize) -> String {
    let mut out = String::new();
    DIALECT.push_numbered_placeholder(&mut out, number);
    out
}

/// What the query compiler (`crate::sql::query`) knows of a model's table:
/// built once by `ModelMeta::query_shape`, as `crate::sql` knows no model.
#[derive(Debug)]
pub struct QueryShape {
    pub(crate) table: &'static str,
    /// The own table's columns, each with whether it is nullable.
    pub(crate) columns: Vec<(&'static str, bool)>,
    pub(crate) pk: &'static str,
    /// A multi-table-inheritance child's parent and the column linking to it.
    pub(crate) parent: Option<(&'static QueryShape, &'static str)>,
    /// Every field's column, in `from_row` order (the root table's first).
    pub(crate) fields: Vec<&'static str>,
    /// What the model's queries select from (the table, or joined to its ancestors).
    pub(crate) from: &'static str,
    /// `SELECT <every field> FROM <from>`.
    pub(crate) select: &'static str,
}

impl QueryShape {
    /// This table and its ancestors', child first.
    pub(crate) fn lineage(&'static self) -> impl Iterator<Item = &'static QueryShape> {
        std::iter::successors(Some(self), |shape| shape.parent.map(|(parent, _)| parent))
    }

    /// Whether the own table has `column`.
    pub(crate) fn has_own(&self, column: &str) -> bool {
        self.columns.iter().any(|(c, _)| *c == column)
    }

    /// Whether `column` (of this table or an ancestor's) is nullable.
    pub(crate) fn nullable(&'static self, column: &str) -> bool {
        self.lineage().flat_map(|s| s.columns.iter()).find(|(c, _)| *c == column).is_some_and(|(_, null)| *null)
    }
}
