//! PostgreSQL (feature `postgres`): the connection, through
//! the synchronous `postgres` client.
//!
//! The runtime's value currency stays SQLite's storage form (rusqlite's
//! `Value`: datetimes as Django's text, booleans as 0/1, uuids as 32 hex
//! digits, decimals as text, durations as integer microseconds, JSON as
//! text), so everything above the backend boundary is shared. Here:
//!
//! - SQL is built in PostgreSQL's spelling by the SQL builders (the
//!   backend's dialect, [`super::postgresql::PostgreSql`]), but for its
//!   placeholders: `?` and `?N` become `$N` when it is prepared (string
//!   literals and quoted names left alone), raw SQL too.
//! - Parameters are sent in PostgreSQL's text format, typed by the
//!   prepared statement's parameter types ([`encode_text`], when bound):
//!   the server parses `2024-05-01 10:00:00` into a timestamptz, `1` into
//!   a boolean `t`, microseconds into an interval.
//! - Rows come back in the binary format and are read in place
//!   ([`PgRow`]): each column is seen in the same storage form when read
//!   ([`with_decoded`]: text, bytea and jsonb borrowed, dates, times and
//!   uuids written on the stack), or converted straight into the field's
//!   type where it can skip that form (`DbValue::from_pg`: a date from its
//!   day count).
//! - `for_each` (Django's `iterator()`) reads through a server-side cursor
//!   ([`PgConnection::for_each_row`]).
//! - Statements are prepared once per connection and kept (the same
//!   [`StatementKey`]s as SQLite's cache).
//!
//! The client runs its own single-threaded tokio runtime and blocks on it:
//! called from inside an async runtime it would panic, so every call first
//! checks for one and returns [`crate::Error::Misuse`] instead.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt::Write as _;

use bytes::BytesMut;
use postgres::types::{Format, FromSql, IsNull, ToSql, Type};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};

use super::sqlite::Key;
use super::{Rows, StatementKey, Stmt};
use crate::error::{Error, Result};
use chrono_tz::Tz;

/// Rows fetched from a server-side cursor at a time: Django's
/// `iterator()` chunk size on PostgreSQL (`GET_ITERATOR_CHUNK_SIZE`).
const ROWS_PER_FETCH: usize = 2000;

/// How many [`StatementKey::Text`] statements are kept before the cache of
/// run-time SQL is emptied (as SQLite's bounds it).
const TEXT_STATEMENT_CAPACITY: usize = 256;

/// A PostgreSQL connection and the statements prepared on it.
pub struct PgConnection {
    client: RefCell<postgres::Client>,
    /// Found on every statement run: foldhash rather than SipHash.
    statements: RefCell<HashMap<Key, postgres::Statement, foldhash::fast::RandomState>>,
    texts: Cell<usize>,
    queries: Cell<u64>,
    /// Whether a transaction is open (the client does not say).
    in_transaction: Cell<bool>,
    /// The zone a `USE_TZ = False` project stores wall-clock times in:
    /// timestamptz values are read back in it.
    zone: Cell<Option<Tz>>,
    /// How many server-side cursors [`PgConnection::for_each_row`] has
    /// open (one per nested call): the next one's name.
    open_cursors: Cell<u32>,
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnection").finish_non_exhaustive()
    }
}

/// [`crate::Error::Misuse`] when called inside a tokio runtime, where the
/// blocking client would panic.
pub(crate) fn check_not_async() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::Misuse(
            "the PostgreSQL backend is synchronous and was called inside an async (tokio) runtime; \
             run it in tokio::task::spawn_blocking or on a thread of its own"
                .into(),
        ));
    }
    Ok(())
}

/// A PostgreSQL error as the runtime's typed errors, by SQLSTATE: a
/// constraint failure (class 23) is Django's `IntegrityError`; a lock not
/// granted within `lock_timeout` (55P03), a deadlock (40P01) or a
/// serialization failure (40001) is [`Error::Busy`] (retry the
/// transaction); a value the server cannot take (class 22: 22P02 invalid
/// text, 22003 out of range, 22021 a NUL byte in text) is
/// [`Error::InvalidValue`]; a connection the server closed (57P01 admin
/// shutdown, 57P02, 57P03, or a broken socket) is
/// [`Error::ConnectionLost`]; anything else [`Error::Postgres`].
pub(crate) fn pg_error(error: postgres::Error) -> Error {
    if error.is_closed() {
        return Error::ConnectionLost { message: error.to_string() };
    }
    let Some(db) = error.as_db_error() else {
        // An I/O error of the socket (the server went away while a
        // statement was in flight) closes the client too.
        if std::error::Error::source(&error).is_some_and(|source| source.is::<std::io::Error>()) {
            return Error::ConnectionLost { message: error.to_string() };
        }
        return Error::Postgres(error);
    };
    let code = db.code().code();
    // The server's message with its SQLSTATE, for the errors that keep
    // only a message: the code tells which of its kind it was.
    let message_with_code = || format!("{} (SQLSTATE {code})", db.message());
    match code {
        // psycopg's text of the error, as Django's IntegrityError shows it:
        // the PostgreSQL oracle (Django 5.2) gave 'duplicate key value
        // violates unique constraint "<name>"\nDETAIL:  Key (slug)=(mug)
        // already exists.' for a duplicate slug.
        _ if code.starts_with("23") => Error::Integrity(match db.detail() {
            Some(detail) => format!("{}\nDETAIL:  {detail}", db.message()),
            None => db.message().to_owned(),
        }),
        "55P03" | "40P01" | "40001" => Error::Busy { message: message_with_code() },
        "57P01" | "57P02" | "57P03" => Error::ConnectionLost { message: message_with_code() },
        _ if code.starts_with("22") => Error::InvalidValue { message: message_with_code() },
        _ => missing_name(db.code(), db.message()).unwrap_or(Error::Postgres(error)),
    }
}

/// [`Error::MissingTable`] for SQLSTATE 42P01 (undefined_table) and
/// [`Error::MissingColumn`] for 42703 (undefined_column), with the name
/// PostgreSQL's message quotes: `relation "weblog_blog" does not exist`,
/// `column "label" of relation "weblog_blog" does not exist` or, in a
/// query, `column weblog_blog.label does not exist`.
fn missing_name(code: &postgres::error::SqlState, message: &str) -> Option<Error> {
    let subject = |prefix: &str| {
        let rest = message.strip_prefix(prefix)?;
        let name = match rest.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next()?,
            None => rest.split(' ').next()?.rsplit('.').next()?,
        };
        Some(name.to_owned())
    };
    if *code == postgres::error::SqlState::UNDEFINED_TABLE {
        subject("relation ").map(|table| Error::MissingTable { table })
    } else if *code == postgres::error::SqlState::UNDEFINED_COLUMN {
        subject("column ").map(|column| Error::MissingColumn { column })
    } else {
        None
    }
}

impl PgConnection {
    /// Take over `client`: the session's `TimeZone` is set to UTC, as
    /// Django sets it with `USE_TZ = True`.
    pub fn new(mut client: postgres::Client) -> Result<Self> {
        check_not_async()?;
        client.batch_execute("SET TIME ZONE 'UTC'").map_err(pg_error)?;
        Ok(PgConnection {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::default()),
            texts: Cell::new(0),
            queries: Cell::new(0),
            in_transaction: Cell::new(false),
            zone: Cell::new(None),
            open_cursors: Cell::new(0),
        })
    }

    /// Store and read datetimes as wall-clock time in `zone` (`None`: UTC):
    /// Django's `USE_TZ = False` sets the session's `TimeZone` to
    /// `TIME_ZONE`.
    pub(crate) fn set_zone(&self, zone: Option<Tz>) -> Result<()> {
        let name = zone.map_or("UTC", |z| z.name());
        self.batch(&format!("SET TIME ZONE '{}'", name.replace('\'', "''")))?;
        self.zone.set(zone);
        Ok(())
    }

    pub fn query_count(&self) -> u64 {
        self.queries.get()
    }

    fn client(&self) -> Result<std::cell::RefMut<'_, postgres::Client>> {
        check_not_async()?;
        self.client.try_borrow_mut().map_err(|_| Error::Misuse("the PostgreSQL connection is busy".into()))
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.client()?.batch_execute(sql).map_err(pg_error)
    }

    /// Run statements separated by semicolons (DDL, raw SQL).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        self.queries.set(self.queries.get() + 1);
        self.batch(sql)
    }

    /// Run `f` with the prepared statement for `key`.
    pub(crate) fn with_statement<R>(
        &self,
        key: StatementKey<'_>,
        build: impl FnOnce() -> String,
        f: impl FnOnce(&mut Stmt<'_, '_>) -> Result<R>,
    ) -> Result<R> {
        self.queries.set(self.queries.get() + 1);
        let statement = self.prepare(key, build)?;
        f(&mut Stmt::Postgres(PgStatement::new(self, statement)))
    }

    fn prepare(&self, key: StatementKey<'_>, build: impl FnOnce() -> String) -> Result<postgres::Statement> {
        let cache_key = Key::of(key);
        if let Some(statement) = self.statements.borrow().get(&cache_key) {
            return Ok(statement.clone());
        }
        let sql = match key {
            StatementKey::Static(sql) => sql.to_owned(),
            StatementKey::Built { .. } => build(),
            StatementKey::Text(sql) => sql.to_owned(),
        };
        let statement = self.client()?.prepare(&translate_placeholders(&sql)).map_err(pg_error)?;
        let mut statements = self.statements.borrow_mut();
        if matches!(cache_key, Key::Text(_)) {
            if self.texts.get() >= TEXT_STATEMENT_CAPACITY {
                statements.retain(|k, _| !matches!(k, Key::Text(_)));
                self.texts.set(0);
            }
            self.texts.set(self.texts.get() + 1);
        }
        statements.insert(cache_key, statement.clone());
        Ok(statement)
    }

    /// Raw SQL with parameters: every row, decoded. Not counted in
    /// [`PgConnection::query_count`], as raw SQL on SQLite is not.
    pub(crate) fn query_raw(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let mut rows = self.bound_statement(sql, params)?.fetch()?;
        let mut out = Vec::with_capacity(rows.rows.len());
        while let Some(row) = rows.next()? {
            out.push(
                (0..row.row.len())
                    .map(|i| row.with_ref(i, |value| Value::from(value)))
                    .collect::<rusqlite::Result<_>>()?,
            );
        }
        Ok(out)
    }

    /// Raw SQL with parameters: the number of rows changed (not counted).
    pub(crate) fn execute_raw(&self, sql: &str, params: &[Value]) -> Result<usize> {
        self.bound_statement(sql, params)?.execute()
    }

    /// The statement for the run-time SQL `sql` (prepared once, kept by
    /// its text) with `params` bound.
    fn bound_statement(&self, sql: &str, params: &[Value]) -> Result<PgStatement<'_>> {
        let mut statement = PgStatement::new(self, self.prepare(StatementKey::Text(sql), String::new)?);
        for (i, value) in params.iter().enumerate() {
            statement.bind(i + 1, value)?;
        }
        Ok(statement)
    }

    /// Django's `iterator()` on PostgreSQL: the query `sql` run through a
    /// server-side cursor, `f` called with each row, [`ROWS_PER_FETCH`]
    /// rows fetched at a time, so the result is never all in memory here.
    /// As Django's `chunked_cursor`: `DECLARE ... NO SCROLL CURSOR`, `WITH
    /// HOLD` outside a transaction (the cursor outlives the statement's
    /// own implicit transaction, so `f` may write in autocommit),
    /// `WITHOUT HOLD` inside one; then `FETCH FORWARD` until the rows run
    /// out and `CLOSE`. `f` may run queries of its own on the connection,
    /// a nested `for_each_row` included (it opens the next cursor).
    pub(crate) fn for_each_row(
        &self,
        sql: &str,
        params: &[Value],
        mut f: impl FnMut(super::DbRow<'_>) -> Result<()>,
    ) -> Result<()> {
        let depth = self.open_cursors.get();
        let cursor = format!("_modelgen_cursor_{depth}");
        let hold = if self.in_transaction() { "WITHOUT HOLD" } else { "WITH HOLD" };
        let declare = format!("DECLARE {cursor} NO SCROLL CURSOR {hold} FOR {sql}");
        self.queries.set(self.queries.get() + 1);
        self.bound_statement(&declare, params)?.execute()?;
        self.open_cursors.set(depth + 1);
        let streamed = self.fetch_all(&cursor, &mut f);
        self.open_cursors.set(depth);
        let closed = self.batch(&format!("CLOSE {cursor}"));
        match streamed {
            // A failed statement aborted the transaction, and the cursor
            // with it: CLOSE then fails too, and the first error is the
            // one to report.
            Err(error) => Err(error),
            Ok(()) => closed,
        }
    }

    /// `FETCH FORWARD` from `cursor` until it is exhausted, `f` with each
    /// row. The FETCH is prepared here, not cached: its row description is
    /// that of the query the cursor was declared for.
    fn fetch_all(&self, cursor: &str, f: &mut impl FnMut(super::DbRow<'_>) -> Result<()>) -> Result<()> {
        let fetch =
            self.client()?.prepare(&format!("FETCH FORWARD {ROWS_PER_FETCH} FROM {cursor}")).map_err(pg_error)?;
        loop {
            let rows = self.client()?.query(&fetch, &[]).map_err(pg_error)?;
            // Fewer rows than fetched: the cursor's last.
            let last = rows.len() < ROWS_PER_FETCH;
            let mut rows = PgRows::new(rows, self.zone.get());
            while let Some(row) = rows.next()? {
                f(super::DbRow::Postgres(row))?;
            }
            if last {
                return Ok(());
            }
        }
    }

    pub fn in_transaction(&self) -> bool {
        self.in_transaction.get()
    }

    pub fn begin(&self) -> Result<()> {
        self.batch("BEGIN")?;
        self.in_transaction.set(true);
        Ok(())
    }

    pub fn commit(&self) -> Result<()> {
        let result = self.batch("COMMIT");
        // A failed COMMIT (a deferred constraint) ends the transaction on
        // PostgreSQL, rolled back.
        self.in_transaction.set(false);
        result
    }

    pub fn rollback(&self) -> Result<()> {
        self.in_transaction.set(false);
        self.batch("ROLLBACK")
    }

    pub fn savepoint(&self, depth: u32) -> Result<()> {
        self.queries.set(self.queries.get() + 1);
        self.batch(&format!("SAVEPOINT \"modelgen_sp{depth}\""))
    }

    pub fn release(&self, depth: u32) -> Result<()> {
        self.queries.set(self.queries.get() + 1);
        self.batch(&format!("RELEASE SAVEPOINT \"modelgen_sp{depth}\""))
    }

    pub fn rollback_to(&self, depth: u32) -> Result<()> {
        self.queries.set(self.queries.get() + 1);
        self.batch(&format!("ROLLBACK TO SAVEPOINT \"modelgen_sp{depth}\""))
    }
}

/// A prepared statement and the parameters bound so far, already in
/// PostgreSQL's text format: encoded when bound, so a borrowed value
/// (a text column, a blob) is copied once, into the message's buffer,
/// rather than first into an owned value.
pub struct PgStatement<'s> {
    conn: &'s PgConnection,
    statement: postgres::Statement,
    /// Parameter `i + 1`: its text in `text`, `None` for NULL (or not
    /// bound).
    bound: Vec<Option<std::ops::Range<usize>>>,
    text: Vec<u8>,
}

impl<'s> PgStatement<'s> {
    fn new(conn: &'s PgConnection, statement: postgres::Statement) -> Self {
        let bound = Vec::with_capacity(statement.params().len());
        PgStatement { conn, statement, bound, text: Vec::new() }
    }

    pub(crate) fn bind(&mut self, index: usize, value: &dyn rusqlite::ToSql) -> Result<()> {
        let output = value.to_sql()?;
        let value = match &output {
            ToSqlOutput::Borrowed(value) => *value,
            ToSqlOutput::Owned(value) => ValueRef::from(value),
            _ => return Err(rusqlite::Error::ToSqlConversionFailure("unsupported parameter".into()).into()),
        };
        let count = self.statement.params().len();
        let (slot, ty) = index
            .checked_sub(1)
            .and_then(|slot| Some((slot, self.statement.params().get(slot)?)))
            .ok_or_else(|| rusqlite::Error::InvalidParameterCount(index, count))?;
        let start = self.text.len();
        let span = encode_text(value, ty, &mut self.text).then_some(start..self.text.len());
        if self.bound.len() <= slot {
            self.bound.resize(slot + 1, None);
        }
        self.bound[slot] = span;
        Ok(())
    }

    /// `run` with the statement and its bound parameters, as the client
    /// takes them.
    fn run<R>(
        &self,
        run: impl FnOnce(
            &mut postgres::Client,
            &postgres::Statement,
            &[&(dyn ToSql + Sync)],
        ) -> std::result::Result<R, postgres::Error>,
    ) -> Result<R> {
        let params: Vec<PgParam<'_>> =
            self.bound.iter().map(|span| PgParam(span.clone().and_then(|span| self.text.get(span)))).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        run(&mut *self.conn.client()?, &self.statement, &refs).map_err(pg_error)
    }

    pub(crate) fn execute(&mut self) -> Result<usize> {
        let changed = self.run(|client, statement, params| client.execute(statement, params))?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    fn fetch(&mut self) -> Result<PgRows> {
        let rows = self.run(|client, statement, params| client.query(statement, params))?;
        Ok(PgRows::new(rows, self.conn.zone.get()))
    }

    /// Run the query; an error is returned by the first `next()`.
    pub(crate) fn query(&mut self) -> Rows<'static> {
        Rows::Postgres(
            self.fetch().unwrap_or_else(|error| PgRows { error: Some(error), ..PgRows::new(Vec::new(), None) }),
        )
    }
}

/// The rows of a PostgreSQL result: the client returns them all at once;
/// each is read in place.
pub struct PgRows {
    rows: Vec<postgres::Row>,
    next: usize,
    /// The zone timestamptz values are read in (`None`: UTC).
    zone: Option<Tz>,
    /// The query's error, returned by the first `next()`.
    error: Option<Error>,
}

impl PgRows {
    fn new(rows: Vec<postgres::Row>, zone: Option<Tz>) -> Self {
        PgRows { rows, next: 0, zone, error: None }
    }

    #[inline]
    pub(crate) fn next(&mut self) -> Result<Option<PgRow<'_>>> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let row = self.rows.get(self.next);
        if row.is_some() {
            self.next += 1;
        }
        Ok(row.map(|row| PgRow { row, zone: self.zone }))
    }
}

/// `DbValue::from_pg` of a type: the value straight from a binary column,
/// `None` to read it through the storage form.
pub(crate) type ReadTyped<T> = fn(&Type, Option<&[u8]>) -> Option<rusqlite::types::FromSqlResult<T>>;

fn decode_failed(index: usize, error: DecodeError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Null, error)
}

/// A `date` column as a date (`None` for another type or NULL: read
/// through the storage form).
#[inline]
pub(crate) fn read_date(ty: &Type, raw: Option<&[u8]>) -> Option<rusqlite::types::FromSqlResult<chrono::NaiveDate>> {
    match (ty, raw) {
        (&Type::DATE, Some(raw)) => Some(
            be(raw, 0)
                .and_then(|days| date_from_pg(i32::from_be_bytes(days)))
                .and_then(|date| {
                    // As the storage form's reading: a year Django cannot hold is an error.
                    crate::stored_text::date_ascii(date).map(|_| date).ok_or_else(|| out_of_range_year(date))
                })
                .map_err(rusqlite::types::FromSqlError::Other),
        ),
        _ => None,
    }
}

/// One PostgreSQL row: its columns are decoded from the binary format
/// when read, each seen in SQLite's storage form ([`with_decoded`]).
#[derive(Clone, Copy)]
pub struct PgRow<'a> {
    row: &'a postgres::Row,
    zone: Option<Tz>,
}

impl PgRow<'_> {
    /// Column `index`'s type and binary value (`None`: NULL).
    #[inline]
    fn column(&self, index: usize) -> rusqlite::Result<(&Type, Option<&[u8]>)> {
        let ty = self.row.columns().get(index).ok_or_else(|| rusqlite::Error::InvalidColumnIndex(index))?.type_();
        let Raw(raw) = self.row.try_get(index).map_err(|error| decode_failed(index, Box::new(error)))?;
        Ok((ty, raw))
    }

    /// `f` of column `index` in its storage form.
    #[inline]
    pub(crate) fn with_ref<R>(self, index: usize, f: impl FnOnce(ValueRef<'_>) -> R) -> rusqlite::Result<R> {
        let (ty, raw) = self.column(index)?;
        with_decoded(ty, raw, self.zone, f).map_err(|error| decode_failed(index, error))
    }

    /// Column `index` as a `T`: by `typed` straight from the binary value
    /// where the type can (`DbValue::from_pg`), else by `convert` from the
    /// storage form; errors as [`crate::value::read`] reports them. Not
    /// inlined: inlined into every generated `from_row`, this path cost
    /// SQLite's reads about 11 instructions a column (callgrind, reads).
    #[inline(never)]
    pub(crate) fn read<T>(
        self,
        index: usize,
        typed: ReadTyped<T>,
        convert: impl FnOnce(ValueRef<'_>) -> rusqlite::types::FromSqlResult<T>,
    ) -> rusqlite::Result<T> {
        let (ty, raw) = self.column(index)?;
        let name = || self.column_name(index);
        match typed(ty, raw) {
            Some(value) => value.map_err(|err| super::read_error(err, index, name, rusqlite::types::Type::Null)),
            None => with_decoded(ty, raw, self.zone, |value| {
                convert(value).map_err(|err| super::read_error(err, index, name, value.data_type()))
            })
            .map_err(|error| decode_failed(index, error))?,
        }
    }

    pub(crate) fn column_name(self, index: usize) -> String {
        self.row.columns().get(index).map(|column| column.name().to_owned()).unwrap_or_default()
    }
}

/// `?` and `?N` placeholders as `$N` (a bare `?` is numbered one past the
/// largest number so far, as SQLite numbers it); string literals (with
/// backslash escapes in `E'...'`), dollar-quoted strings (`$$...$$`,
/// `$tag$...$tag$`), quoted names and comments are copied as they are.
pub fn translate_placeholders(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut largest = 0usize;
    let mut copied = 0;
    let mut i = 0;
    while let Some(b) = at(i) {
        i = match b {
            b'\'' => quoted_end(bytes, i, is_escape_string(bytes, i)),
            b'"' => quoted_end(bytes, i, false),
            b'-' if at(i + 1) == Some(b'-') => find(bytes, i + 2, b"\n").map_or(bytes.len(), |end| end + 1),
            b'/' if at(i + 1) == Some(b'*') => find(bytes, i + 2, b"*/").map_or(bytes.len(), |end| end + 2),
            b'$' => match dollar_tag(bytes, i) {
                Some(tag) => find(bytes, i + tag.len(), tag).map_or(bytes.len(), |end| end + tag.len()),
                None => i + 1,
            },
            b'?' => {
                let digits_end =
                    (i + 1..=bytes.len()).find(|&j| !at(j).is_some_and(|d| d.is_ascii_digit())).unwrap_or(i + 1);
                out.push_str(sql.get(copied..i).unwrap_or_default());
                let number = sql.get(i + 1..digits_end).and_then(|d| d.parse().ok()).unwrap_or(largest + 1);
                largest = largest.max(number);
                let _ = write!(out, "${number}");
                copied = digits_end;
                digits_end
            }
            _ => i + 1,
        };
    }
    out.push_str(sql.get(copied..).unwrap_or_default());
    out
}

/// The index after the quoted string or name opening at `start` (a
/// doubled quote stays inside; with `escapes`, so does a quote after a
/// backslash); the end of `bytes` when it is not closed.
fn quoted_end(bytes: &[u8], start: usize, escapes: bool) -> usize {
    let quote = bytes.get(start).copied();
    let mut i = start + 1;
    while let Some(b) = bytes.get(i).copied() {
        if escapes && b == b'\\' {
            i += 2;
            continue;
        }
        if Some(b) == quote {
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// Whether the `'` at `quote` opens an escape string constant: `E'...'`,
/// the `E` not the end of a longer word.
fn is_escape_string(bytes: &[u8], quote: usize) -> bool {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    quote.checked_sub(1).and_then(|e| bytes.get(e)).is_some_and(|&e| e == b'E' || e == b'e')
        && !quote.checked_sub(2).and_then(|w| bytes.get(w)).is_some_and(|&w| is_word(w))
}

/// The tag (`$$` or `$name$`) of a dollar-quoted string opening at
/// `start`; `None` for anything else (`$1` is a parameter).
fn dollar_tag(bytes: &[u8], start: usize) -> Option<&[u8]> {
    let name_end =
        (start + 1..bytes.len()).find(|&j| !bytes.get(j).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_'))?;
    let starts_well = name_end == start + 1 || bytes.get(start + 1).is_some_and(|b| !b.is_ascii_digit());
    (starts_well && bytes.get(name_end) == Some(&b'$')).then(|| bytes.get(start..=name_end)).flatten()
}

/// The first index at or after `from` where `needle` starts.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|at| from + at)
}

/// Microseconds in a day, a Python timedelta's `days` unit.
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// `value` in PostgreSQL's text input format for `ty`, the type the
/// server inferred for the parameter, appended to `out`; `false` for NULL
/// (nothing appended).
fn encode_text(value: ValueRef<'_>, ty: &Type, out: &mut Vec<u8>) -> bool {
    use std::io::Write as _;
    // Writing into a Vec cannot fail.
    let _ = match value {
        ValueRef::Null => return false,
        ValueRef::Integer(n) => match *ty {
            Type::BOOL => out.write_all(if n != 0 { b"t" } else { b"f" }),
            // Days and the rest, as Django sends str(timedelta): the
            // interval keeps a days part ('40 days', not '960:00:00').
            Type::INTERVAL => {
                write!(out, "{} days {} microseconds", n.div_euclid(MICROS_PER_DAY), n.rem_euclid(MICROS_PER_DAY))
            }
            _ => write!(out, "{n}"),
        },
        ValueRef::Real(r) => match *ty {
            Type::INTERVAL => write!(out, "{r} microseconds"),
            _ if r.is_nan() => out.write_all(b"NaN"),
            _ if r.is_infinite() => out.write_all(if r > 0.0 { b"Infinity" } else { b"-Infinity" }),
            // -0.0 is stored as 0, as Django's: psycopg sends it as the
            // numeric literal -0.0, which has no sign (the PostgreSQL
            // oracle read `ratio=-0.0` back as 0.0).
            _ if r == 0.0 => out.write_all(b"0"),
            _ => write!(out, "{r:?}"),
        },
        ValueRef::Text(text) if *ty == Type::BYTEA => {
            push_hex_bytea(out, text);
            Ok(())
        }
        ValueRef::Text(text) => out.write_all(text),
        ValueRef::Blob(bytes) => {
            push_hex_bytea(out, bytes);
            Ok(())
        }
    };
    true
}

/// A parameter already in PostgreSQL's text format (`None`: NULL).
#[derive(Debug)]
struct PgParam<'a>(Option<&'a [u8]>);

impl ToSql for PgParam<'_> {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            None => Ok(IsNull::Yes),
            Some(text) => {
                out.extend_from_slice(text);
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Text
    }

    postgres::types::to_sql_checked!();
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `bytes` as bytea's hex input format, `\x` and two digits a byte.
fn push_hex_bytea(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(2 + bytes.len() * 2);
    out.extend_from_slice(b"\\x");
    for &b in bytes {
        out.push(HEX_DIGITS[usize::from(b >> 4)]);
        out.push(HEX_DIGITS[usize::from(b & 0xf)]);
    }
}

/// A column's raw binary value (`None`: NULL), of any type.
struct Raw<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Why a binary column value could not be read.
type DecodeError = Box<dyn std::error::Error + Send + Sync>;

#[inline]
fn be<const N: usize>(raw: &[u8], at: usize) -> std::result::Result<[u8; N], DecodeError> {
    raw.get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| format!("a PostgreSQL value of {} bytes is too short", raw.len()).into())
}

/// PostgreSQL's epoch, 2000-01-01, in days from 0001-01-01 (chrono's
/// day count) and in microseconds from 1970-01-01 (Unix time).
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// The error for a date or timestamp out of chrono's range: PostgreSQL's
/// `'infinity'` is stored as the largest count.
fn out_of_range() -> DecodeError {
    "a PostgreSQL date or timestamp out of the supported range (infinity?)".into()
}

/// A binary `timestamp` (microseconds since PostgreSQL's epoch).
#[inline]
fn timestamp_from_pg(micros: i64) -> std::result::Result<chrono::NaiveDateTime, DecodeError> {
    micros
        .checked_add(PG_EPOCH_UNIX_MICROS)
        .and_then(chrono::DateTime::from_timestamp_micros)
        .map(|at| at.naive_utc())
        .ok_or_else(out_of_range)
}

/// A binary `date` (days since PostgreSQL's epoch).
#[inline]
fn date_from_pg(days: i32) -> std::result::Result<chrono::NaiveDate, DecodeError> {
    days.checked_add(PG_EPOCH_DAYS_FROM_CE)
        .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(out_of_range)
}

/// The text of a date, time or uuid, written on the stack: a column read
/// allocates nothing for it.
struct StackText {
    bytes: [u8; 48],
    len: usize,
}

impl StackText {
    fn new() -> Self {
        StackText { bytes: [0; 48], len: 0 }
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl StackText {
    fn push(&mut self, ascii: &[u8]) -> std::result::Result<(), DecodeError> {
        let end = self.len + ascii.len();
        self.bytes.get_mut(self.len..end).ok_or("a value too long for its text")?.copy_from_slice(ascii);
        self.len = end;
        Ok(())
    }
}

/// A date as Django stores it on SQLite (`YYYY-MM-DD`); a year outside
/// 1-9999 is an error, as Python's `date` (psycopg's, for Django) makes it.
fn push_date(out: &mut StackText, date: chrono::NaiveDate) -> std::result::Result<(), DecodeError> {
    let ascii = crate::stored_text::date_ascii(date).ok_or_else(|| out_of_range_year(date))?;
    out.push(&ascii)
}

fn out_of_range_year(date: chrono::NaiveDate) -> DecodeError {
    use chrono::Datelike;
    format!("a PostgreSQL date in year {}, out of the range Django reads (1-9999)", date.year()).into()
}

/// A datetime as Django stores it on SQLite (`str(datetime)`).
fn push_datetime(out: &mut StackText, dt: chrono::NaiveDateTime) -> std::result::Result<(), DecodeError> {
    push_date(out, dt.date())?;
    out.push(b" ")?;
    push_time(out, dt.time())
}

/// A time as Django stores it on SQLite (`HH:MM:SS[.ffffff]`).
fn push_time(out: &mut StackText, time: chrono::NaiveTime) -> std::result::Result<(), DecodeError> {
    let (ascii, len) = crate::stored_text::time_ascii(time);
    out.push(ascii.get(..len).unwrap_or_default())
}

/// `f` of one binary column value (`None`: NULL) seen in SQLite's storage
/// form, borrowed where the stored form is the value itself (integers,
/// reals, text, bytea, jsonb's text) and written on the stack where it is
/// text Django's SQLite backend formats (dates, times, uuids); a
/// timestamptz as wall-clock time in `zone` (`None`: UTC).
#[inline]
pub(crate) fn with_decoded<R>(
    ty: &Type,
    raw: Option<&[u8]>,
    zone: Option<Tz>,
    f: impl FnOnce(ValueRef<'_>) -> R,
) -> std::result::Result<R, DecodeError> {
    let Some(raw) = raw else {
        return Ok(f(ValueRef::Null));
    };
    let value = match *ty {
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => ValueRef::Text(raw),
        Type::INT8 => ValueRef::Integer(i64::from_be_bytes(be(raw, 0)?)),
        Type::INT4 => ValueRef::Integer(i64::from(i32::from_be_bytes(be(raw, 0)?))),
        Type::INT2 => ValueRef::Integer(i64::from(i16::from_be_bytes(be(raw, 0)?))),
        Type::OID => ValueRef::Integer(i64::from(u32::from_be_bytes(be(raw, 0)?))),
        Type::BOOL => ValueRef::Integer(i64::from(raw.first().copied().unwrap_or(0) != 0)),
        Type::FLOAT8 => ValueRef::Real(f64::from_be_bytes(be(raw, 0)?)),
        Type::FLOAT4 => ValueRef::Real(f64::from(f32::from_be_bytes(be(raw, 0)?))),
        Type::BYTEA => ValueRef::Blob(raw),
        // The format version byte, then the JSON text.
        Type::JSONB => ValueRef::Text(raw.get(1..).unwrap_or_default()),
        _ => return with_formatted(ty, raw, zone, f),
    };
    Ok(f(value))
}

/// [`with_decoded`] of the types whose storage form is text formatted
/// here (dates, times, uuids: on the stack), an integer computed
/// (intervals) or a decimal's text, and of any other type.
fn with_formatted<R>(
    ty: &Type,
    raw: &[u8],
    zone: Option<Tz>,
    f: impl FnOnce(ValueRef<'_>) -> R,
) -> std::result::Result<R, DecodeError> {
    let mut text = StackText::new();
    let value = match *ty {
        Type::UUID => {
            for &b in raw {
                text.push(&[HEX_DIGITS[usize::from(b >> 4)], HEX_DIGITS[usize::from(b & 0xf)]])?;
            }
            ValueRef::Text(text.as_bytes())
        }
        Type::TIMESTAMPTZ | Type::TIMESTAMP => {
            let micros = i64::from_be_bytes(be(raw, 0)?);
            let utc = timestamp_from_pg(micros)?;
            let local = match (*ty == Type::TIMESTAMPTZ, zone) {
                (true, Some(zone)) => {
                    use chrono::TimeZone;
                    zone.from_utc_datetime(&utc).naive_local()
                }
                _ => utc,
            };
            push_datetime(&mut text, local)?;
            ValueRef::Text(text.as_bytes())
        }
        Type::DATE => {
            let days = i32::from_be_bytes(be(raw, 0)?);
            let date = date_from_pg(days)?;
            push_date(&mut text, date)?;
            ValueRef::Text(text.as_bytes())
        }
        Type::TIME => {
            let micros = i64::from_be_bytes(be(raw, 0)?);
            let (time, _) = chrono::NaiveTime::MIN.overflowing_add_signed(chrono::TimeDelta::microseconds(micros));
            push_time(&mut text, time)?;
            ValueRef::Text(text.as_bytes())
        }
        Type::INTERVAL => {
            let micros = i64::from_be_bytes(be(raw, 0)?);
            let days = i64::from(i32::from_be_bytes(be(raw, 8)?));
            let months = i64::from(i32::from_be_bytes(be(raw, 12)?));
            // psycopg's reading, which Django's is: a year is 365 days, a
            // month 30 ('1 year 2 mons' is timedelta(days=425)).
            let month_days = months.signum() * (months.abs() / 12 * 365 + months.abs() % 12 * 30);
            let total = (days + month_days)
                .checked_mul(MICROS_PER_DAY)
                .and_then(|day_micros| day_micros.checked_add(micros))
                .ok_or("a PostgreSQL interval out of the range of a duration")?;
            ValueRef::Integer(total)
        }
        Type::NUMERIC => return Ok(f(ValueRef::from(&decode_numeric(raw)?))),
        _ => match std::str::from_utf8(raw) {
            Ok(_) => ValueRef::Text(raw),
            Err(_) => ValueRef::Blob(raw),
        },
    };
    Ok(f(value))
}

/// A binary `numeric` as decimal text (an integer when it has no
/// fractional digits and fits, as SQLite's NUMERIC affinity stores it).
fn decode_numeric(raw: &[u8]) -> std::result::Result<Value, DecodeError> {
    let ndigits = usize::from(u16::from_be_bytes(be(raw, 0)?));
    let weight = i64::from(i16::from_be_bytes(be(raw, 2)?));
    let sign = u16::from_be_bytes(be(raw, 4)?);
    let dscale = usize::from(u16::from_be_bytes(be(raw, 6)?));
    match sign {
        0xC000 => return Ok(Value::Real(f64::NAN)),
        0xD000 => return Ok(Value::Real(f64::INFINITY)),
        0xF000 => return Ok(Value::Real(f64::NEG_INFINITY)),
        _ => {}
    }
    let mut digits = Vec::with_capacity(ndigits);
    for i in 0..ndigits {
        digits.push(u16::from_be_bytes(be(raw, 8 + 2 * i)?));
    }
    let digit = |i: i64| -> u16 { usize::try_from(i).ok().and_then(|i| digits.get(i).copied()).unwrap_or(0) };
    let mut text = String::new();
    if sign == 0x4000 {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        for i in 0..=weight {
            if i == 0 {
                let _ = write!(text, "{}", digit(i));
            } else {
                let _ = write!(text, "{:04}", digit(i));
            }
        }
    }
    if dscale > 0 {
        let mut fraction = String::new();
        let mut i = weight + 1;
        while fraction.len() < dscale {
            let _ = write!(fraction, "{:04}", if i >= 0 { digit(i) } else { 0 });
            i += 1;
        }
        fraction.truncate(dscale);
        text.push('.');
        text.push_str(&fraction);
    }
    // An integral value (trailing zeros only) as an integer, as SQLite's
    // NUMERIC affinity stores it: `EXTRACT`, `SUM` of integers, `12.00`.
    let integral =
        text.split_once('.').map_or(
            text.as_str(),
            |(whole, fraction)| {
                if fraction.bytes().all(|b| b == b'0') {
                    whole
                } else {
                    ""
                }
            },
        );
    if let Ok(n) = integral.parse::<i64>() {
        return Ok(Value::Integer(n));
    }
    Ok(Value::Text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PostgreSQL's messages for SQLSTATE 42P01 and 42703, as the server
    /// words them in an INSERT and in a SELECT.
    #[test]
    fn undefined_table_and_column_name_what_is_missing() {
        use postgres::error::SqlState;
        let table = missing_name(&SqlState::UNDEFINED_TABLE, r#"relation "weblog_blog" does not exist"#);
        assert!(matches!(table, Some(Error::MissingTable { ref table }) if table == "weblog_blog"), "{table:?}");
        for message in [
            r#"column "tagline" of relation "weblog_blog" does not exist"#,
            r#"column "tagline" does not exist"#,
            "column weblog_blog.tagline does not exist",
        ] {
            let column = missing_name(&SqlState::UNDEFINED_COLUMN, message);
            assert!(
                matches!(column, Some(Error::MissingColumn { ref column }) if column == "tagline"),
                "{message}: {column:?}"
            );
        }
        assert!(missing_name(&SqlState::SYNTAX_ERROR, "syntax error at or near \"x\"").is_none());
    }

    #[test]
    fn placeholders_are_numbered_outside_literals_and_names() {
        assert_eq!(
            translate_placeholders("SELECT ?1, ?, '?' FROM \"a?\" WHERE x = ?"),
            "SELECT $1, $2, '?' FROM \"a?\" WHERE x = $3"
        );
        assert_eq!(translate_placeholders("? ?3 ?"), "$1 $3 $4");
        assert_eq!(
            translate_placeholders("SELECT ? -- why?\n, ? /* or? */ , 8 - ?"),
            "SELECT $1 -- why?\n, $2 /* or? */ , 8 - $3"
        );
        assert_eq!(translate_placeholders("SELECT 1 /*/ ? */ + ?"), "SELECT 1 /*/ ? */ + $1");
    }

    /// PostgreSQL's other string constants: an escape string may hold a
    /// quote after a backslash, a dollar-quoted one anything but its tag.
    #[test]
    fn placeholders_inside_escape_and_dollar_quoted_strings_are_left_alone() {
        assert_eq!(translate_placeholders(r"SELECT E'it\'s ?', ?"), r"SELECT E'it\'s ?', $1");
        assert_eq!(translate_placeholders(r"SELECT e'\\', ?"), r"SELECT e'\\', $1");
        // In a plain string, or after a word ending in e, a backslash is
        // a character.
        assert_eq!(translate_placeholders(r"SELECT 'a\', ?"), r"SELECT 'a\', $1");
        assert_eq!(translate_placeholders(r"SELECT type'a\', ?"), r"SELECT type'a\', $1");
        assert_eq!(translate_placeholders("SELECT $$ ? 'x $$, ?"), "SELECT $$ ? 'x $$, $1");
        assert_eq!(translate_placeholders("SELECT $fn$ ? $$ ? $fn$ || ?"), "SELECT $fn$ ? $$ ? $fn$ || $1");
        // `$1` written by hand stays a parameter; an unclosed string runs to the end.
        assert_eq!(translate_placeholders("SELECT $1, ?2"), "SELECT $1, $2");
        assert_eq!(translate_placeholders("SELECT ? 'open ?"), "SELECT $1 'open ?");
        assert_eq!(translate_placeholders("SELECT ?é, 'é?' ?"), "SELECT $1é, 'é?' $2");
    }

    #[test]
    fn sqlite_spellings_inside_literals_and_names_are_left_alone() {
        // What the old string rewriting turned into PostgreSQL's spelling
        // wherever it stood: only placeholders are translated now.
        let sql = r#"SELECT 'a REGEXP b', ' LIMIT -1 OFFSET 2', 'django_date_extract(''year'', x)' AS " ORDER BY rowid" WHERE x = ?"#;
        assert_eq!(translate_placeholders(sql), sql.replace(" = ?", " = $1"));
    }

    /// `ty`'s binary value `raw` as its storage form.
    fn decoded(ty: &Type, raw: &[u8]) -> Value {
        with_decoded(ty, Some(raw), None, |value| Value::from(value)).unwrap()
    }

    #[test]
    fn binary_dates_and_times_decode_to_djangos_sqlite_text() {
        let text = |dt| {
            let mut text = StackText::new();
            push_datetime(&mut text, dt).unwrap();
            String::from_utf8(text.as_bytes().to_vec()).unwrap()
        };
        let at = |h, mi, s, micro| {
            chrono::NaiveDate::from_ymd_opt(2024, 3, 9).unwrap().and_hms_micro_opt(h, mi, s, micro).unwrap()
        };
        assert_eq!(text(at(7, 5, 3, 0)), "2024-03-09 07:05:03");
        assert_eq!(text(at(23, 59, 59, 120)), "2024-03-09 23:59:59.000120");
        assert_eq!(decoded(&Type::DATE, &(-365_242i32).to_be_bytes()), Value::Text("1000-01-01".into()));
        // The binary forms: days and microseconds since 2000-01-01.
        assert_eq!(decoded(&Type::DATE, &8_770i32.to_be_bytes()), Value::Text("2024-01-05".into()));
        assert_eq!(
            decoded(&Type::TIME, &(3_600_000_000i64 + 500).to_be_bytes()),
            Value::Text("01:00:00.000500".into())
        );
        let uuid = [0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00];
        assert_eq!(decoded(&Type::UUID, &uuid), Value::Text("123e4567e89b12d3a456426614174000".into()));
    }

    /// PostgreSQL's `'infinity'` timestamp and date, and an interval of
    /// `i32::MAX` days, are outside what the runtime's types hold: an
    /// error, never a panic.
    #[test]
    fn infinite_timestamps_and_huge_intervals_are_errors_not_panics() {
        assert!(with_decoded(&Type::TIMESTAMPTZ, Some(&i64::MAX.to_be_bytes()), None, |_| ()).is_err());
        assert!(with_decoded(&Type::DATE, Some(&i32::MIN.to_be_bytes()), None, |_| ()).is_err());
        let mut interval = Vec::new();
        interval.extend_from_slice(&0i64.to_be_bytes());
        interval.extend_from_slice(&i32::MAX.to_be_bytes());
        interval.extend_from_slice(&i32::MAX.to_be_bytes());
        let read = with_decoded(&Type::INTERVAL, Some(&interval), None, |value| Value::from(value));
        assert!(read.is_err(), "{read:?}");
        assert!(with_decoded(&Type::INT8, Some(&[0, 1]), None, |_| ()).is_err(), "a short value");
    }

    /// Parameters go in PostgreSQL's text input format, by the type the
    /// server inferred: a bool as `t`/`f`, a duration with a days part as
    /// Django's `str(timedelta)`, bytes as bytea hex, -0.0 as `0`.
    #[test]
    fn parameters_are_encoded_in_postgresql_text_format_by_type() {
        let encoded = |value: ValueRef<'_>, ty: &Type| {
            let mut out = Vec::new();
            encode_text(value, ty, &mut out).then(|| String::from_utf8(out).unwrap())
        };
        assert_eq!(encoded(ValueRef::Integer(1), &Type::BOOL).as_deref(), Some("t"));
        assert_eq!(
            encoded(ValueRef::Integer(40 * MICROS_PER_DAY + 5), &Type::INTERVAL).as_deref(),
            Some("40 days 5 microseconds")
        );
        assert_eq!(encoded(ValueRef::Blob(&[0, 0xab]), &Type::BYTEA).as_deref(), Some("\\x00ab"));
        assert_eq!(encoded(ValueRef::Text(b"ok"), &Type::BYTEA).as_deref(), Some("\\x6f6b"));
        assert_eq!(encoded(ValueRef::Real(-0.0), &Type::FLOAT8).as_deref(), Some("0"));
        assert_eq!(encoded(ValueRef::Real(f64::NAN), &Type::FLOAT8).as_deref(), Some("NaN"));
        assert_eq!(encoded(ValueRef::Integer(-7), &Type::INT8).as_deref(), Some("-7"));
        assert_eq!(encoded(ValueRef::Null, &Type::TEXT), None);
    }

    #[test]
    fn binary_numerics_decode_to_decimal_text() {
        // 12.50: ndigits 2, weight 0, sign +, dscale 2, digits [12, 5000].
        let raw = [0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x13, 0x88];
        assert_eq!(decode_numeric(&raw).unwrap(), Value::Text("12.50".into()));
        // -0.05: ndigits 1, weight -1, sign -, dscale 2, digits [500].
        let raw = [0, 1, 0xFF, 0xFF, 0x40, 0, 0, 2, 0x01, 0xF4];
        assert_eq!(decode_numeric(&raw).unwrap(), Value::Text("-0.05".into()));
        // 10000: ndigits 1, weight 1, dscale 0, digits [1].
        let raw = [0, 1, 0, 1, 0, 0, 0, 0, 0, 1];
        assert_eq!(decode_numeric(&raw).unwrap(), Value::Integer(10000));
    }
}
