//! The backend boundary: what differs from one database to another.
//!
//! The runtime above this module (saves, queries, the delete collector,
//! copies) talks to the database through two traits:
//!
//! - [`Dialect`]: how SQL text is spelled (identifier quoting, parameter
//!   placeholders, `RETURNING`, the type names of casts). Every statement
//!   the runtime runs is built by `crate::sql` through the dialect.
//! - [`Connection`]: what the runtime does with a connection (run a batch,
//!   run a prepared statement kept in the connection's one statement cache,
//!   the last inserted rowid, transactions and savepoints).
//!
//! SQLite ([`sqlite::SqliteConnection`], [`sqlite::Sqlite`]) is the one
//! implementation. Generated code names neither trait nor any type of the
//! database client (values cross through [`crate::Field`] and
//! [`crate::Row`]), so a second backend is added here and in the runtime's
//! internals without changing what generated files contain. For now the
//! statement type of [`Connection`] is rusqlite's: a second backend brings
//! its own through the associated type.

pub mod sqlite;

use crate::error::Result;

/// A type a value is cast to in SQL (`CAST(x AS <name>)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastType {
    Integer,
    Real,
    Text,
    Blob,
    Numeric,
}

/// How SQL text is spelled for one database.
pub trait Dialect {
    /// Append `name` quoted as an identifier.
    fn push_quoted(&self, out: &mut String, name: &str);
    /// Append the placeholder of parameter `number` (1-based): `?1` on
    /// SQLite, `$1` on PostgreSQL.
    fn push_numbered_placeholder(&self, out: &mut String, number: usize);
    /// Append the next positional placeholder (`?` on SQLite). A dialect
    /// without positional placeholders numbers them itself.
    fn push_placeholder(&self, out: &mut String);
    /// Whether `INSERT ... RETURNING` is available.
    fn supports_returning(&self) -> bool;
    /// The type name a value is cast to.
    fn cast_type(&self, ty: CastType) -> &'static str;
}

/// What the runtime does with a database connection.
///
/// Statements are prepared once and kept by the connection (one cache,
/// keyed by [`StatementKey`]); `f` runs with the statement taken out of the
/// cache, so a nested call for the same SQL prepares its own.
pub trait Connection {
    /// The dialect statements are built in.
    type Dialect: Dialect;
    /// A prepared statement.
    type Statement<'c>
    where
        Self: 'c;

    fn dialect(&self) -> &Self::Dialect;

    /// Run SQL statements (DDL) separated by semicolons.
    fn execute_batch(&self, sql: &str) -> Result<()>;

    /// Run `f` with the prepared statement for `key`; `build` gives the
    /// SQL the first time (or after the statement was evicted).
    fn with_statement<R>(
        &self,
        key: StatementKey<'_>,
        build: impl FnOnce() -> String,
        f: impl FnOnce(&mut Self::Statement<'_>) -> Result<R>,
    ) -> Result<R>;

    /// The rowid (SQLite) or key of the last row inserted.
    fn last_insert_id(&self) -> i64;

    /// Whether a transaction is open.
    fn in_transaction(&self) -> bool;

    /// Open a transaction.
    fn begin(&self) -> Result<()>;
    /// Commit the open transaction.
    fn commit(&self) -> Result<()>;
    /// Roll back the open transaction.
    fn rollback(&self) -> Result<()>;
    /// Open savepoint `depth` (nested transactions).
    fn savepoint(&self, depth: u32) -> Result<()>;
    /// Release savepoint `depth`.
    fn release(&self, depth: u32) -> Result<()>;
    /// Roll back to savepoint `depth`.
    fn rollback_to(&self, depth: u32) -> Result<()>;
}

/// How a statement is found in the connection's statement cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementKey<'a> {
    /// SQL with a `'static` address (a model's statements, fixed SQL):
    /// found by that address, without hashing the text.
    Static(&'static str),
    /// SQL built at run time from one table's description, identified by
    /// what was built (`what`, a fixed tag), the table and the columns it
    /// names (a bit set), so the text is built only once.
    Built { what: &'static str, table: &'static str, columns: &'a [u64] },
    /// Any other SQL, found by its text.
    Text(&'a str),
}
