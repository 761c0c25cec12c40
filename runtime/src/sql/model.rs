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
    /// Per column, the SQL of its database default when an unset value
    /// (NULL) is left to the database: bound as `COALESCE(?n, <default>)`.
    pub(crate) db_defaults: Vec<Option<&'a str>>,
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
    /// For a table with `db_default` columns (and RETURNING): `insert` and
    /// `insert_with_pk` that also return those columns, in column order
    /// (after the pk for the first), as Django's INSERT returns them.
    pub(crate) insert_returning_defaults: Option<(String, String)>,
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
        let has_db_defaults = meta.db_defaults.iter().any(Option::is_some);
        // Parameter `number` bound to column `index`: a column the database
        // may fill takes its default when the value is NULL (unset), as
        // Django writes `DatabaseDefault`'s expression into the statement.
        let value = |index: usize, number: usize| match meta.db_defaults.get(index).copied().flatten() {
            Some(default) => format!("COALESCE({}, {default})", placeholder(number)),
            None => placeholder(number),
        };
        let values = |indexes: &[usize]| -> String {
            if has_db_defaults {
                indexes.iter().enumerate().map(|(n, &i)| value(i, n + 1)).collect::<Vec<_>>().join(", ")
            } else {
                numbered_placeholders(indexes.len())
            }
        };
        let insert_indexes: Vec<usize> = (0..all.len()).filter(|&i| !(pk_auto && i == meta.pk)).collect();
        let insert = if insert_columns.is_empty() {
            format!("INSERT INTO {table} DEFAULT VALUES{returning}")
        } else {
            let names: Vec<&str> = insert_columns.iter().map(|c| c.as_str()).collect();
            format!("INSERT INTO {table} ({}) VALUES ({}){returning}", names.join(", "), values(&insert_indexes))
        };
        let all_indexes: Vec<usize> = (0..all.len()).collect();
        let insert_with_pk = format!("INSERT INTO {table} ({}) VALUES ({})", all.join(", "), values(&all_indexes));
        let sets: Vec<String> = all
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != meta.pk)
            .enumerate()
            .map(|(n, (i, column))| format!("{column} = {}", value(i, n + 1)))
            .collect();
        let defaults: Vec<&String> =
            all.iter().enumerate().filter(|&(i, _)| meta.db_defaults.get(i).is_some_and(Option::is_some)).map(|(_, c)| c).collect();
        let insert_returning_defaults = (!defaults.is_empty() && DIALECT.supports_returning()).then(|| {
            let returned = defaults.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
            let without_pk = if insert_columns.is_empty() {
                format!("INSERT INTO {table} DEFAULT VALUES RETURNING {pk}, {returned}")
            } else {
                let names: Vec<&str> = insert_columns.iter().map(|c| c.as_str()).collect();
                format!(
                    "INSERT INTO {table} ({}) VALUES ({}) RETURNING {pk}, {returned}",
                    names.join(", "),
                    values(&insert_indexes)
                )
            };
            (without_pk, format!("{insert_with_pk} RETURNING {returned}"))
        });
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
        ModelSql { select, from, insert, insert_with_pk, insert_returning_defaults, update }
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
