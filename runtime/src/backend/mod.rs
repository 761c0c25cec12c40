//! The backend boundary: what differs from one database to another.
//!
//! The runtime above this module (saves, queries, the delete collector,
//! copies) talks to the database through two traits:
//!
//! - [`Dialect`]: how SQL text is spelled (identifier quoting, parameter
//!   placeholders, `RETURNING`, the type names of casts, regex lookups,
//!   slices, date parts). Every statement the runtime runs is built by
//!   `crate::sql` through the dialect: [`sqlite::Sqlite`],
//!   [`postgresql::PostgreSql`], or [`Backend`], the dialect of the
//!   database a statement is built for.
//! - [`Connection`]: what the runtime does with a connection (run a batch,
//!   run a prepared statement kept in the connection's one statement cache,
//!   the last inserted rowid, transactions and savepoints).
//!
//! SQLite ([`sqlite::SqliteConnection`], [`sqlite::Sqlite`]) implements
//! both; PostgreSQL has its dialect ([`postgresql::PostgreSql`]) and, with
//! feature `postgres`, its connection (`pg::PgConnection`, reached through
//! [`Stmt`] and [`Rows`]). Generated code names neither trait nor any type
//! of the database client (values cross through [`crate::Field`] and
//! [`crate::Row`]), so a backend is added here and in the runtime's
//! internals without changing what generated files contain.

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
///
/// Placeholders are written in SQLite's spelling on every backend (`?`,
/// `?N`): statements are composed of pieces built apart (a subquery, a
/// model's fixed statements), so PostgreSQL's `$N` are numbered once the
/// statement is whole, when it is prepared (`pg::translate_placeholders`,
/// which skips string literals and quoted names). Everything else that
/// PostgreSQL spells differently is written by the dialect when the SQL is
/// built: `Backend` is the dialect of the database a statement is for.
pub trait Dialect {
    /// Append `name` quoted as an identifier.
    fn push_quoted(&self, out: &mut String, name: &str);
    /// Append the placeholder of parameter `number` (1-based), `?1`.
    fn push_numbered_placeholder(&self, out: &mut String, number: usize);
    /// Append the next positional placeholder, `?`.
    fn push_placeholder(&self, out: &mut String);
    /// Whether `INSERT ... RETURNING` is available.
    fn supports_returning(&self) -> bool;
    /// The type name a value is cast to.
    fn cast_type(&self, ty: CastType) -> &'static str;
    /// The comparison of a case-insensitive lookup (`iexact`, `icontains`,
    /// ...) with the pattern parameter, after the column: ` LIKE ? ESCAPE
    /// '\'` on SQLite (case-insensitive for ASCII there), ` ILIKE ? ESCAPE
    /// '\'` on PostgreSQL.
    fn case_insensitive_like(&self) -> &'static str;
    /// The `regex` (`iregex` when `case_insensitive`) lookup with the
    /// pattern parameter, after the column (Django's `operators` of the
    /// backend and its `lookup_cast`).
    fn regex_match(&self, case_insensitive: bool) -> &'static str;
    /// The `LIMIT` of a query sliced with an offset only (`qs[5:]`), or
    /// `None` for none: Django's `no_limit_value()`.
    fn no_limit_value(&self) -> Option<&'static str>;
    /// The hidden column that orders a table's rows as they were stored
    /// (the order of the rows a many-to-many link wrote).
    fn row_order_column(&self) -> &'static str;
    /// Django's `date_extract_sql`: `part` (a lookup name: `year`,
    /// `week_day`, ...) of the date `value` (SQL).
    fn push_date_extract(&self, out: &mut String, part: &str, value: &str);
    /// Django's `datetime_extract_sql`: `part` of the datetime `value`
    /// seen in `zone` (Django's `tzname`; `None`, with `USE_TZ = False`:
    /// the stored wall-clock value as it is).
    fn push_datetime_extract(&self, out: &mut String, part: &str, value: &str, zone: Option<&str>);
    /// Django's `datetime_cast_date_sql`: the date of the datetime
    /// `value` seen in `zone` (as in [`Dialect::push_datetime_extract`]).
    fn push_datetime_cast_date(&self, out: &mut String, value: &str, zone: Option<&str>);
}

/// Append `text` between two `quote`s, an embedded `quote` doubled: a
/// quoted name (`"`) or a string literal (`'`).
#[inline]
pub(crate) fn push_enclosed(out: &mut String, text: &str, quote: char) {
    out.push(quote);
    if text.contains(quote) {
        for c in text.chars() {
            out.push(c);
            if c == quote {
                out.push(quote);
            }
        }
    } else {
        out.push_str(text);
    }
    out.push(quote);
}

/// Append `text` as an SQL string literal.
pub(crate) fn push_string_literal(out: &mut String, text: &str) {
    push_enclosed(out, text, '\'');
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

#[cfg(feature = "postgres")]
pub mod pg;
pub mod postgresql;

use rusqlite::types::{FromSql, ToSql, Value, ValueRef};

/// Which database a [`crate::Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    PostgreSql,
}

impl Backend {
    /// The dialect statements for this database are spelled in.
    fn dialect(self) -> &'static dyn Dialect {
        match self {
            Backend::Sqlite => &sqlite::Sqlite,
            Backend::PostgreSql => &postgresql::PostgreSql,
        }
    }
}

/// The backend's dialect: a builder given the backend of the database
/// writes its spelling.
impl Dialect for Backend {
    fn push_quoted(&self, out: &mut String, name: &str) {
        self.dialect().push_quoted(out, name);
    }
    fn push_numbered_placeholder(&self, out: &mut String, number: usize) {
        self.dialect().push_numbered_placeholder(out, number);
    }
    fn push_placeholder(&self, out: &mut String) {
        self.dialect().push_placeholder(out);
    }
    fn supports_returning(&self) -> bool {
        self.dialect().supports_returning()
    }
    fn cast_type(&self, ty: CastType) -> &'static str {
        self.dialect().cast_type(ty)
    }
    fn case_insensitive_like(&self) -> &'static str {
        self.dialect().case_insensitive_like()
    }
    fn regex_match(&self, case_insensitive: bool) -> &'static str {
        self.dialect().regex_match(case_insensitive)
    }
    fn no_limit_value(&self) -> Option<&'static str> {
        self.dialect().no_limit_value()
    }
    fn row_order_column(&self) -> &'static str {
        self.dialect().row_order_column()
    }
    fn push_date_extract(&self, out: &mut String, part: &str, value: &str) {
        self.dialect().push_date_extract(out, part, value);
    }
    fn push_datetime_extract(&self, out: &mut String, part: &str, value: &str, zone: Option<&str>) {
        self.dialect().push_datetime_extract(out, part, value, zone);
    }
    fn push_datetime_cast_date(&self, out: &mut String, value: &str, zone: Option<&str>) {
        self.dialect().push_datetime_cast_date(out, value, zone);
    }
}

/// The parameters of [`Stmt::query`] and friends: any sequence of values
/// (`sql.params.iter()`, `[&pk]`), bound in order from parameter 1. The
/// identity, kept so call sites read as rusqlite's `params_from_iter` did.
#[inline]
pub(crate) fn params_from_iter<I>(params: I) -> I
where
    I: IntoIterator,
    I::Item: ToSql,
{
    params
}

/// No parameters.
pub(crate) const NO_PARAMS: [&Value; 0] = [];

/// One result row, of either backend: a SQLite row read in place, a
/// PostgreSQL row whose binary columns are read in place (each seen in
/// SQLite's storage form, the runtime's one value currency: see `pg`), or
/// stored values (an instance built from values already read). `Copy`, so
/// it is passed by value like the reference it wraps.
#[derive(Clone, Copy)]
pub enum DbRow<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    #[cfg(feature = "postgres")]
    Postgres(pg::PgRow<'a>),
    Values(&'a [Value]),
}

impl DbRow<'_> {
    /// `f` of column `index`, borrowed in its storage form. A closure
    /// rather than a returned reference: a PostgreSQL date or uuid is
    /// seen as text written into a buffer on the stack, which lives only
    /// for the call.
    #[inline]
    pub fn with_ref<R>(&self, index: usize, f: impl FnOnce(ValueRef<'_>) -> R) -> rusqlite::Result<R> {
        match *self {
            DbRow::Sqlite(row) => Ok(f(row.get_ref(index)?)),
            #[cfg(feature = "postgres")]
            DbRow::Postgres(row) => row.with_ref(index, f),
            DbRow::Values(values) => match values.get(index) {
                Some(value) => Ok(f(ValueRef::from(value))),
                None => Err(rusqlite::Error::InvalidColumnIndex(index)),
            },
        }
    }

    /// Column `index`, owned, in its storage form.
    #[inline]
    pub fn get_value(&self, index: usize) -> rusqlite::Result<Value> {
        self.with_ref(index, |value| Value::from(value))
    }

    /// Column `index` converted as rusqlite's `Row::get` converts it.
    pub fn get<T: FromSql>(&self, index: usize) -> rusqlite::Result<T> {
        self.with_ref(index, |value| {
            T::column_result(value).map_err(|err| read_error(err, index, || self.column_name(index), value.data_type()))
        })?
    }

    /// The name of column `index` (empty when unknown), for error messages.
    pub fn column_name(&self, index: usize) -> String {
        match *self {
            DbRow::Sqlite(row) => row.as_ref().column_name(index).map(str::to_owned).unwrap_or_default(),
            #[cfg(feature = "postgres")]
            DbRow::Postgres(row) => row.column_name(index),
            DbRow::Values(_) => String::new(),
        }
    }
}

/// A conversion error of column `index` as rusqlite's `Row::get` reports
/// it (the column's name computed only for the error that shows it).
pub(crate) fn read_error(
    err: rusqlite::types::FromSqlError,
    index: usize,
    column_name: impl FnOnce() -> String,
    data_type: rusqlite::types::Type,
) -> rusqlite::Error {
    use rusqlite::types::FromSqlError;
    match err {
        FromSqlError::InvalidType => rusqlite::Error::InvalidColumnType(index, column_name(), data_type),
        FromSqlError::OutOfRange(i) => rusqlite::Error::IntegralValueOutOfRange(index, i),
        FromSqlError::Other(err) => rusqlite::Error::FromSqlConversionFailure(index, data_type, err),
        other => rusqlite::Error::FromSqlConversionFailure(index, data_type, Box::new(other)),
    }
}

/// The rows of a query, of either backend.
pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    /// Every row of a PostgreSQL result (the client returns the whole
    /// result at once), read in place one by one.
    #[cfg(feature = "postgres")]
    Postgres(pg::PgRows),
}

impl Rows<'_> {
    /// The next row, `None` after the last.
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<DbRow<'_>>> {
        match self {
            Rows::Sqlite(rows) => Ok(rows.next()?.map(DbRow::Sqlite)),
            #[cfg(feature = "postgres")]
            Rows::Postgres(rows) => rows.next().map(|row| row.map(DbRow::Postgres)),
        }
    }
}

/// A prepared statement taken out of the connection's cache, of either
/// backend: what the runtime binds, runs and reads rows from. Its methods
/// are named after rusqlite's `Statement` ones they stand for.
pub enum Stmt<'s, 'c> {
    Sqlite(&'s mut rusqlite::Statement<'c>),
    #[cfg(feature = "postgres")]
    Postgres(pg::PgStatement<'s>),
}

impl<'c> Stmt<'_, 'c> {
    /// Bind parameter `index` (1-based).
    #[inline]
    pub fn raw_bind_parameter<T: ToSql>(&mut self, index: usize, value: T) -> Result<()> {
        match self {
            Stmt::Sqlite(stmt) => Ok(stmt.raw_bind_parameter(index, value)?),
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => stmt.bind(index, &value),
        }
    }

    /// Run the statement with the bound parameters; the number of rows
    /// changed.
    #[inline]
    pub fn raw_execute(&mut self) -> Result<usize> {
        match self {
            Stmt::Sqlite(stmt) => Ok(stmt.raw_execute()?),
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => stmt.execute(),
        }
    }

    /// Run the query with the bound parameters.
    #[inline]
    pub fn raw_query(&mut self) -> Rows<'_> {
        match self {
            Stmt::Sqlite(stmt) => Rows::Sqlite(stmt.raw_query()),
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => stmt.query(),
        }
    }

    fn bind_all<I>(&mut self, params: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: ToSql,
    {
        for (i, value) in params.into_iter().enumerate() {
            self.raw_bind_parameter(i + 1, value)?;
        }
        Ok(())
    }

    /// Bind `params` and run the query.
    pub fn query<I>(&mut self, params: I) -> Result<Rows<'_>>
    where
        I: IntoIterator,
        I::Item: ToSql,
    {
        self.bind_all(params)?;
        Ok(self.raw_query())
    }

    /// Bind `params` and run the statement; the number of rows changed.
    pub fn execute<I>(&mut self, params: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: ToSql,
    {
        self.bind_all(params)?;
        self.raw_execute()
    }

    /// Bind `params`: whether the query returns a row.
    pub fn exists<I>(&mut self, params: I) -> Result<bool>
    where
        I: IntoIterator,
        I::Item: ToSql,
    {
        let mut rows = self.query(params)?;
        Ok(rows.next()?.is_some())
    }

    /// Bind `params`: `f` of the first row ([`rusqlite::Error::QueryReturnedNoRows`] without one).
    pub fn query_row<I, T>(&mut self, params: I, f: impl FnOnce(DbRow<'_>) -> rusqlite::Result<T>) -> Result<T>
    where
        I: IntoIterator,
        I::Item: ToSql,
    {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => Ok(f(row)?),
            None => Err(rusqlite::Error::QueryReturnedNoRows.into()),
        }
    }
}
