//! Every SQL text the runtime runs is built in this module (and its
//! submodules), through the backend's [`Dialect`]: quoting, placeholders,
//! a model's statements ([`model`]), the statements built at run time
//! from a model's description (saves, loads by key, many-to-many links,
//! the copy engine's batches, the delete collector's). Query filters
//! render into an [`Sql`] (text and parameters together).
//!
//! The module knows no model type: it is given names (tables, columns)
//! and shapes ([`TableShape`]), so it sits below the model layer.

mod model;
pub(crate) mod bulk;
pub(crate) mod query;
mod statements;

use rusqlite::types::Value;

use crate::backend::sqlite::Sqlite;
use crate::backend::Dialect;

pub(crate) use model::{ModelSql, TableShape};
pub use model::QueryShape;
pub(crate) use statements::*;

/// The dialect of what both backends spell alike (quoted names,
/// placeholders, `RETURNING`): the builders of a model's fixed statements
/// use it. What PostgreSQL spells differently is written by the dialect of
/// the database's [`crate::backend::Backend`].
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

pub(crate) fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    push_quoted(&mut out, name);
    out
}

/// `?1, ?2, ... ?n`.
pub(crate) fn numbered_placeholders(n: usize) -> String {
    let mut out = String::new();
    for i in 1..=n {
        if i > 1 {
            out.push_str(", ");
        }
        DIALECT.push_numbered_placeholder(&mut out, i);
    }
    out
}

/// SQL text and its parameters, built together.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) params: Vec<Value>,
}

impl Sql {
    /// `name` quoted, appended to the text.
    #[inline]
    pub(crate) fn push_quoted(&mut self, name: &str) {
        push_quoted(&mut self.text, name);
    }

    /// `SELECT <column> FROM <table>`.
    pub(crate) fn select_from(column: &str, table: &str) -> Sql {
        let mut sql = Sql::select_from_sql(column, "");
        sql.push_quoted(table);
        sql
    }

    /// `SELECT <column> FROM <from>`, `from` being SQL already (a quoted
    /// table, or a join).
    pub(crate) fn select_from_sql(column: &str, from: &str) -> Sql {
        let mut sql = Sql::default();
        sql.text.push_str("SELECT ");
        sql.push_quoted(column);
        sql.text.push_str(" FROM ");
        sql.text.push_str(from);
        sql
    }

    /// `DELETE FROM <table>`.
    pub(crate) fn delete_from(table: &str) -> Sql {
        let mut sql = Sql::default();
        sql.text.push_str("DELETE FROM ");
        sql.push_quoted(table);
        sql
    }

    /// `UPDATE <table> SET `, for the assignments to follow.
    pub(crate) fn update(table: &str) -> Sql {
        let mut sql = Sql::default();
        sql.text.push_str("UPDATE ");
        sql.push_quoted(table);
        sql.text.push_str(" SET ");
        sql
    }

    /// `UPDATE <table> SET <column> = ?` binding `value`.
    pub(crate) fn update_set(table: &str, column: &str, value: Value) -> Sql {
        let mut sql = Sql::update(table);
        sql.push_quoted(column);
        sql.text.push_str(" = ?");
        sql.params.push(value);
        sql
    }

    /// ` WHERE <column> IN (?, ...)` binding `values`.
    pub(crate) fn push_where_in(&mut self, column: &str, values: &[Value]) {
        self.push_where();
        self.push_quoted(column);
        self.text.push_str(" IN (");
        push_placeholders(&mut self.text, values.len());
        self.text.push(')');
        self.params.extend_from_slice(values);
    }

    /// ` WHERE `.
    pub(crate) fn push_where(&mut self) {
        self.text.push_str(" WHERE ");
    }

    /// ` AND `.
    pub(crate) fn push_and(&mut self) {
        self.text.push_str(" AND ");
    }

    /// Another piece of SQL (a WHERE clause) and its parameters.
    pub(crate) fn push_sql(&mut self, other: &Sql) {
        self.text.push_str(&other.text);
        self.params.extend(other.params.iter().cloned());
    }

    /// `<column> IN (?, ...)` binding `values`; `0 = 1` for none.
    pub(crate) fn push_in(&mut self, column: &str, values: &[Value]) {
        if values.is_empty() {
            self.text.push_str("0 = 1");
            return;
        }
        self.push_quoted(column);
        self.text.push_str(" IN (");
        push_placeholders(&mut self.text, values.len());
        self.text.push(')');
        self.params.extend_from_slice(values);
    }
}
