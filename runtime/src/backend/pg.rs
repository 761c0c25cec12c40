//! PostgreSQL (feature `postgres`): the dialect and the connection, through
//! the synchronous `postgres` client.
//!
//! The runtime's value currency stays SQLite's storage form (rusqlite's
//! `Value`: datetimes as Django's text, booleans as 0/1, uuids as 32 hex
//! digits, decimals as text, durations as integer microseconds, JSON as
//! text), so everything above the backend boundary is shared. Here:
//!
//! - SQL is translated when it is prepared: `?` and `?N` placeholders
//!   become `$N` (string literals and quoted names left alone).
//! - Parameters are sent in PostgreSQL's text format, typed by the
//!   prepared statement's parameter types ([`PgParam`]): the server parses
//!   `2024-05-01 10:00:00` into a timestamptz, `1` into a boolean `t`,
//!   microseconds into an interval.
//! - Rows come back in the binary format and are decoded into the same
//!   storage form ([`decode`]).
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
use rusqlite::types::{ToSqlOutput, Value};

use super::sqlite::Key;
use super::{Rows, StatementKey, Stmt};
use crate::error::{Error, Result};
use chrono_tz::Tz;

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
        let params = Vec::with_capacity(statement.params().len());
        f(&mut Stmt::Postgres(PgStatement { conn: self, statement, params }))
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
        let statement = self.client()?.prepare(&translate(&sql)).map_err(pg_error)?;
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
        let statement = self.prepare(StatementKey::Text(sql), String::new)?;
        PgStatement { conn: self, statement, params: params.to_vec() }.fetch()
    }

    /// Raw SQL with parameters: the number of rows changed (not counted).
    pub(crate) fn execute_raw(&self, sql: &str, params: &[Value]) -> Result<usize> {
        let statement = self.prepare(StatementKey::Text(sql), String::new)?;
        PgStatement { conn: self, statement, params: params.to_vec() }.execute()
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

/// A prepared statement and the parameters bound so far.
pub struct PgStatement<'s> {
    conn: &'s PgConnection,
    statement: postgres::Statement,
    params: Vec<Value>,
}

impl PgStatement<'_> {
    pub(crate) fn bind(&mut self, index: usize, value: &dyn rusqlite::ToSql) -> Result<()> {
        let value = match value.to_sql()? {
            ToSqlOutput::Borrowed(v) => Value::from(v),
            ToSqlOutput::Owned(v) => v,
            _ => return Err(rusqlite::Error::ToSqlConversionFailure("unsupported parameter".into()).into()),
        };
        let slot = index.checked_sub(1).ok_or(rusqlite::Error::InvalidParameterCount(0, self.params.len()))?;
        if self.params.len() <= slot {
            self.params.resize(slot + 1, Value::Null);
        }
        self.params[slot] = value;
        Ok(())
    }

    fn param_refs(&self) -> Vec<PgParam<'_>> {
        self.params.iter().map(PgParam).collect()
    }

    pub(crate) fn execute(&mut self) -> Result<usize> {
        let params = self.param_refs();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let changed = self.conn.client()?.execute(&self.statement, &refs).map_err(pg_error)?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    fn fetch(&mut self) -> Result<Vec<Vec<Value>>> {
        let params = self.param_refs();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.conn.client()?.query(&self.statement, &refs).map_err(pg_error)?;
        let zone = self.conn.zone.get();
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut values = Vec::with_capacity(row.len());
            for (i, column) in row.columns().iter().enumerate() {
                let Raw(raw) = row.try_get(i).map_err(pg_error)?;
                values.push(decode(column.type_(), raw, zone)?);
            }
            out.push(values);
        }
        Ok(out)
    }

    /// Run the query; an error is returned by the first `next()`.
    pub(crate) fn query(&mut self) -> Rows<'static> {
        match self.fetch() {
            Ok(rows) => Rows::Values { rows: rows.into_iter(), current: Vec::new(), error: None },
            Err(error) => Rows::Values { rows: Vec::new().into_iter(), current: Vec::new(), error: Some(error) },
        }
    }
}

/// SQL built in SQLite's spelling, as PostgreSQL spells it (Django's
/// PostgreSQL backend, `operations.py` and `base.py`): placeholders
/// ([`translate_placeholders`]), `REGEXP` as `~` and `~*`, `LIMIT -1` as
/// `LIMIT ALL`, `rowid` order as `ctid` (insertion order of rows not
/// updated since), and the date functions Django registers on SQLite as
/// `EXTRACT` and `AT TIME ZONE`.
///
/// Why here rather than in the SQL builders through the `Dialect`: the
/// builders (`sql/query.rs`) are shared with work in progress on query
/// semantics; rewriting at prepare time (once per cached statement) keeps
/// them untouched. Moving each spelling into the `Dialect` is the next step.
pub fn translate(sql: &str) -> String {
    let mut out = translate_placeholders(sql);
    for (sqlite, postgresql) in [
        (" REGEXP '(?i)' || ", " ~* "),
        (" REGEXP ", " ~ "),
        (" LIMIT -1 OFFSET ", " LIMIT ALL OFFSET "),
        (" ORDER BY rowid", " ORDER BY ctid"),
    ] {
        if out.contains(sqlite) {
            out = out.replace(sqlite, postgresql);
        }
    }
    if out.contains("django_") {
        out = rewrite_date_functions(&out);
    }
    out
}

/// The arguments of the call whose `(` ends `head` in `sql[start..]`:
/// (arguments split at top-level commas, the index after the `)`).
fn call_arguments(sql: &str, start: usize) -> Option<(Vec<&str>, usize)> {
    let bytes = sql.as_bytes();
    let (mut depth, mut quote, mut from) = (0usize, None::<u8>, start);
    let mut args = Vec::new();
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' => depth += 1,
                b',' if depth == 0 => {
                    args.push(sql[from..i].trim());
                    from = i + 1;
                }
                b')' if depth == 0 => {
                    args.push(sql[from..i].trim());
                    return Some((args, i + 1));
                }
                b')' => depth -= 1,
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// `EXTRACT` of Django's lookup name.
fn extract(part: &str, value: &str) -> String {
    match part {
        "week_day" => format!("(EXTRACT(DOW FROM {value}) + 1)"),
        "iso_week_day" => format!("EXTRACT(ISODOW FROM {value})"),
        "iso_year" => format!("EXTRACT(ISOYEAR FROM {value})"),
        other => format!("EXTRACT({} FROM {value})", other.to_ascii_uppercase()),
    }
}

/// A datetime seen in Django's `tzname` (else the connection's zone).
fn in_zone(value: &str, tzname: &str, conn_tzname: &str) -> String {
    format!("({value} AT TIME ZONE COALESCE(CAST({tzname} AS text), CAST({conn_tzname} AS text), current_setting('TimeZone')))")
}

/// `django_date_extract('part', x)`, `django_datetime_extract('part', x,
/// tz, conn_tz)` and `django_datetime_cast_date(x, tz, conn_tz)` as
/// PostgreSQL expressions.
fn rewrite_date_functions(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    loop {
        let found = ["django_date_extract(", "django_datetime_extract(", "django_datetime_cast_date("]
            .iter()
            .filter_map(|name| rest.find(name).map(|at| (at, *name)))
            .min();
        let Some((at, name)) = found else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let Some((args, end)) = call_arguments(rest, at + name.len()) else {
            out.push_str(&rest[at..]);
            return out;
        };
        let part = |arg: &str| arg.trim_matches('\'').to_owned();
        let written = match (name, args.as_slice()) {
            ("django_date_extract(", [p, value]) => extract(&part(p), value),
            ("django_datetime_extract(", [p, value, tz, conn]) => extract(&part(p), &in_zone(value, tz, conn)),
            ("django_datetime_cast_date(", [value, tz, conn]) => format!("CAST({} AS date)", in_zone(value, tz, conn)),
            _ => rest[at..end].to_owned(),
        };
        let written = rewrite_date_functions(&written);
        out.push_str(&written);
        rest = &rest[end..];
    }
}

/// `?` and `?N` placeholders as `$N` (a bare `?` is numbered one past the
/// largest number so far, as SQLite numbers it); string literals, quoted
/// names and comments are copied as they are.
pub fn translate_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    let mut largest = 0usize;
    while let Some((_, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for (_, d) in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_ascii_digit() {
                        digits.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let number = digits.parse().unwrap_or(largest + 1);
                largest = largest.max(number);
                let _ = write!(out, "${number}");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Microseconds in a day, a Python timedelta's `days` unit.
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A parameter in PostgreSQL's text input format for the type the server
/// inferred for it.
#[derive(Debug)]
struct PgParam<'a>(&'a Value);

impl ToSql for PgParam<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let text: std::borrow::Cow<'_, str> = match self.0 {
            Value::Null => return Ok(IsNull::Yes),
            Value::Integer(n) => match *ty {
                Type::BOOL => (if *n != 0 { "t" } else { "f" }).into(),
                // Days and the rest, as Django sends str(timedelta): the
                // interval keeps a days part ('40 days', not '960:00:00').
                Type::INTERVAL => {
                    format!("{} days {} microseconds", n.div_euclid(MICROS_PER_DAY), n.rem_euclid(MICROS_PER_DAY))
                        .into()
                }
                _ => {
                    // Straight into the message: no String per bound key.
                    std::fmt::Write::write_fmt(out, format_args!("{n}"))?;
                    return Ok(IsNull::No);
                }
            },
            Value::Real(r) => match *ty {
                Type::INTERVAL => format!("{r} microseconds").into(),
                _ if r.is_nan() => "NaN".into(),
                _ if r.is_infinite() => (if *r > 0.0 { "Infinity" } else { "-Infinity" }).into(),
                // -0.0 is stored as 0, as Django's: psycopg sends it as
                // the numeric literal -0.0, which has no sign (the
                // PostgreSQL oracle read `ratio=-0.0` back as 0.0).
                _ if *r == 0.0 => "0".into(),
                _ => format!("{r:?}").into(),
            },
            Value::Text(s) => match *ty {
                Type::BYTEA => hex_bytea(s.as_bytes()).into(),
                _ => s.as_str().into(),
            },
            Value::Blob(b) => hex_bytea(b).into(),
        };
        out.extend_from_slice(text.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Text
    }

    postgres::types::to_sql_checked!();
}

fn hex_bytea(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("\\x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
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

fn be<const N: usize>(raw: &[u8], at: usize) -> Result<[u8; N]> {
    raw.get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| Error::Misuse(format!("a PostgreSQL value of {} bytes is too short", raw.len())))
}

/// PostgreSQL's epoch, 2000-01-01 00:00:00.
fn pg_epoch() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2000, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default()
}

/// `n` as `width` decimal digits, zero-padded.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
    }
}

/// A date as Django stores it on SQLite (`YYYY-MM-DD`), written digit by
/// digit: chrono's `format` parses its pattern on every call, which was
/// the largest cost of reading a row of dates (benches/postgresql.rs).
fn date_text(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return date.format("%Y-%m-%d").to_string();
    }
    let mut out = String::with_capacity(26);
    push_digits(&mut out, year.unsigned_abs(), 4);
    out.push('-');
    push_digits(&mut out, date.month(), 2);
    out.push('-');
    push_digits(&mut out, date.day(), 2);
    out
}

/// A time as Django stores it on SQLite (`HH:MM:SS[.ffffff]`), appended.
fn push_time(out: &mut String, time: chrono::NaiveTime) {
    use chrono::Timelike;
    push_digits(out, time.hour(), 2);
    out.push(':');
    push_digits(out, time.minute(), 2);
    out.push(':');
    push_digits(out, time.second(), 2);
    let micros = time.nanosecond() / 1_000;
    if time.nanosecond() != 0 {
        out.push('.');
        push_digits(out, micros, 6);
    }
}

/// A datetime as Django stores it on SQLite (`str(datetime)`).
fn datetime_text(dt: chrono::NaiveDateTime) -> String {
    let mut out = date_text(dt.date());
    out.push(' ');
    push_time(&mut out, dt.time());
    out
}

/// One binary column value in SQLite's storage form.
pub(crate) fn decode(ty: &Type, raw: Option<&[u8]>, zone: Option<Tz>) -> Result<Value> {
    let Some(raw) = raw else {
        return Ok(Value::Null);
    };
    Ok(match *ty {
        Type::BOOL => Value::Integer(i64::from(raw.first().copied().unwrap_or(0) != 0)),
        Type::INT2 => Value::Integer(i64::from(i16::from_be_bytes(be(raw, 0)?))),
        Type::INT4 => Value::Integer(i64::from(i32::from_be_bytes(be(raw, 0)?))),
        Type::OID => Value::Integer(i64::from(u32::from_be_bytes(be(raw, 0)?))),
        Type::INT8 => Value::Integer(i64::from_be_bytes(be(raw, 0)?)),
        Type::FLOAT4 => Value::Real(f64::from(f32::from_be_bytes(be(raw, 0)?))),
        Type::FLOAT8 => Value::Real(f64::from_be_bytes(be(raw, 0)?)),
        Type::BYTEA => Value::Blob(raw.to_vec()),
        Type::UUID => Value::Text(raw.iter().fold(String::with_capacity(32), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })),
        Type::JSONB => Value::Text(String::from_utf8_lossy(raw.get(1..).unwrap_or_default()).into_owned()),
        Type::TIMESTAMPTZ | Type::TIMESTAMP => {
            let micros = i64::from_be_bytes(be(raw, 0)?);
            let utc = pg_epoch() + chrono::TimeDelta::microseconds(micros);
            let local = match (ty == &Type::TIMESTAMPTZ, zone) {
                (true, Some(zone)) => {
                    use chrono::TimeZone;
                    zone.from_utc_datetime(&utc).naive_local()
                }
                _ => utc,
            };
            Value::Text(datetime_text(local))
        }
        Type::DATE => {
            let days = i32::from_be_bytes(be(raw, 0)?);
            let date = pg_epoch().date() + chrono::TimeDelta::days(i64::from(days));
            Value::Text(date_text(date))
        }
        Type::TIME => {
            let micros = i64::from_be_bytes(be(raw, 0)?);
            let time = chrono::NaiveTime::MIN + chrono::TimeDelta::microseconds(micros);
            let mut text = String::with_capacity(15);
            push_time(&mut text, time);
            Value::Text(text)
        }
        Type::INTERVAL => {
            let micros = i64::from_be_bytes(be(raw, 0)?);
            let days = i64::from(i32::from_be_bytes(be(raw, 8)?));
            let months = i64::from(i32::from_be_bytes(be(raw, 12)?));
            // psycopg's reading, which Django's is: a year is 365 days, a
            // month 30 ('1 year 2 mons' is timedelta(days=425)).
            let month_days = months.signum() * (months.abs() / 12 * 365 + months.abs() % 12 * 30);
            Value::Integer(micros + (days + month_days) * MICROS_PER_DAY)
        }
        Type::NUMERIC => decode_numeric(raw)?,
        _ => match std::str::from_utf8(raw) {
            Ok(text) => Value::Text(text.to_owned()),
            Err(_) => Value::Blob(raw.to_vec()),
        },
    })
}

/// A binary `numeric` as decimal text (an integer when it has no
/// fractional digits and fits, as SQLite's NUMERIC affinity stores it).
fn decode_numeric(raw: &[u8]) -> Result<Value> {
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
            assert!(matches!(column, Some(Error::MissingColumn { ref column }) if column == "tagline"), "{message}: {column:?}");
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
    }

    #[test]
    fn date_functions_are_spelled_as_django_spells_them_on_postgresql() {
        assert_eq!(
            translate(r#"SELECT 1 WHERE django_date_extract('week_day', "t"."d") = ?"#),
            r#"SELECT 1 WHERE (EXTRACT(DOW FROM "t"."d") + 1) = $1"#
        );
        assert_eq!(
            translate(r#"SELECT django_datetime_cast_date("t"."at", ?, ?)"#),
            r#"SELECT CAST(("t"."at" AT TIME ZONE COALESCE(CAST($1 AS text), CAST($2 AS text), current_setting('TimeZone'))) AS date)"#
        );
        assert_eq!(translate("SELECT x LIMIT -1 OFFSET 2"), "SELECT x LIMIT ALL OFFSET 2");
    }

    #[test]
    fn binary_dates_and_times_decode_to_djangos_sqlite_text() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date_text(day(2024, 1, 5)), "2024-01-05");
        assert_eq!(date_text(day(987, 12, 31)), "0987-12-31");
        let at = |h, mi, s, micro| day(2024, 3, 9).and_hms_micro_opt(h, mi, s, micro).unwrap();
        assert_eq!(datetime_text(at(7, 5, 3, 0)), "2024-03-09 07:05:03");
        assert_eq!(datetime_text(at(23, 59, 59, 120)), "2024-03-09 23:59:59.000120");
        // The binary forms: days and microseconds since 2000-01-01.
        let date = decode(&Type::DATE, Some(&8_770i32.to_be_bytes()), None).unwrap();
        assert_eq!(date, Value::Text("2024-01-05".into()));
        let time = decode(&Type::TIME, Some(&(3_600_000_000i64 + 500).to_be_bytes()), None).unwrap();
        assert_eq!(time, Value::Text("01:00:00.000500".into()));
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
