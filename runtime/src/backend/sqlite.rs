//! SQLite, the one backend: the dialect and the connection, which owns
//! the statements prepared on it (the runtime's one statement cache).
//!
//! A `rusqlite::Statement` borrows its `Connection`. Both live in
//! [`SqliteConnection`]: the connection is kept behind a raw pointer (a
//! heap allocation that never moves and is never mutably borrowed), the
//! statements are stored with their lifetime erased, and
//! `SqliteConnection`'s own `Drop` (and `into_inner`) finalizes every
//! statement before the connection is closed. Nothing outside this type
//! can reach a stored statement or free the connection, so the soundness
//! argument is local to this file. This is the only `unsafe` code of the
//! crate.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::ManuallyDrop;
use std::ptr::NonNull;

use rusqlite::Statement;

use super::{CastType, Connection, Dialect, StatementKey};
use crate::error::Result;

/// SQLite's spelling: `"quoted"` names, `?N` and `?` placeholders,
/// `RETURNING` (SQLite 3.35+).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    #[inline]
    fn push_quoted(&self, out: &mut String, name: &str) {
        super::push_enclosed(out, name, '"');
    }

    fn push_numbered_placeholder(&self, out: &mut String, number: usize) {
        use std::fmt::Write;
        let _ = write!(out, "?{number}");
    }

    #[inline]
    fn push_placeholder(&self, out: &mut String) {
        out.push('?');
    }

    fn supports_returning(&self) -> bool {
        true
    }

    fn cast_type(&self, ty: CastType) -> &'static str {
        match ty {
            CastType::Integer => "integer",
            CastType::Real => "real",
            CastType::Text => "text",
            CastType::Blob => "blob",
            CastType::Numeric => "numeric",
        }
    }

    fn case_insensitive_like(&self) -> &'static str {
        " LIKE ? ESCAPE '\\'"
    }

    /// `REGEXP`, a function the runtime registers (as Django does); Django
    /// writes `iregex` as `REGEXP '(?i)' || pattern`.
    fn regex_match(&self, case_insensitive: bool) -> &'static str {
        if case_insensitive {
            " REGEXP '(?i)' || ?"
        } else {
            " REGEXP ?"
        }
    }

    fn no_limit_value(&self) -> Option<&'static str> {
        Some("-1")
    }

    fn row_order_column(&self) -> &'static str {
        "rowid"
    }

    /// `django_date_extract('part', value)`, a function the runtime
    /// registers as Django does.
    fn push_date_extract(&self, out: &mut String, part: &str, value: &str) {
        out.push_str("django_date_extract(");
        super::push_string_literal(out, part);
        out.push_str(", ");
        out.push_str(value);
        out.push(')');
    }

    /// `django_datetime_extract('part', value, tzname, conn_tzname)`.
    fn push_datetime_extract(&self, out: &mut String, part: &str, value: &str, zone: Option<&str>) {
        out.push_str("django_datetime_extract(");
        super::push_string_literal(out, part);
        out.push_str(", ");
        out.push_str(value);
        push_zone_arguments(out, zone);
        out.push(')');
    }

    /// `django_datetime_cast_date(value, tzname, conn_tzname)`.
    fn push_datetime_cast_date(&self, out: &mut String, value: &str, zone: Option<&str>) {
        out.push_str("django_datetime_cast_date(");
        out.push_str(value);
        push_zone_arguments(out, zone);
        out.push(')');
    }
}

/// The `, tzname, conn_tzname` arguments of Django's SQLite date
/// functions, as its `_convert_tznames_to_sql` gives them: the zone and the
/// connection's (`'UTC'`, how datetimes are stored) with `USE_TZ = True`,
/// `NULL, NULL` without. Written in the SQL rather than bound, so that the
/// statement text stays one per query shape and zone.
fn push_zone_arguments(out: &mut String, zone: Option<&str>) {
    match zone {
        Some(zone) => {
            out.push_str(", ");
            super::push_string_literal(out, zone);
            out.push_str(", 'UTC'");
        }
        None => out.push_str(", NULL, NULL"),
    }
}

/// How many statements of [`StatementKey::Text`] SQL (queries built at
/// run time, which can vary without end) are kept; the others are bounded
/// by the models and their update sets.
const TEXT_STATEMENT_CAPACITY: usize = 256;

/// A cache key, owned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// Address and length of `'static` SQL.
    Static(usize, usize),
    Built(&'static str, &'static str, Box<[u64]>),
    /// [`Key::Built`] of a column set held in one word (every model of up
    /// to 64 columns), kept without allocating: a `get()` looks one up per
    /// call.
    BuiltOneWord(&'static str, &'static str, u64),
    Text(Box<str>),
}

impl Key {
    #[inline]
    pub(crate) fn of(key: StatementKey<'_>) -> Key {
        match key {
            StatementKey::Static(sql) => Key::Static(sql.as_ptr() as usize, sql.len()),
            StatementKey::Built { what, table, columns: &[word] } => Key::BuiltOneWord(what, table, word),
            StatementKey::Built { what, table, columns } => Key::Built(what, table, columns.into()),
            StatementKey::Text(sql) => Key::Text(sql.into()),
        }
    }
}

/// Hashes cache keys: addresses are already well spread.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type Statements = HashMap<Key, Statement<'static>, BuildHasherDefault<KeyHasher>>;

/// A SQLite connection and every statement prepared on it.
///
/// The statement used last is kept apart, in `hot`: a loop of saves runs
/// the same statement over and over, and finds it with one comparison
/// instead of a hash-map removal and insertion per save.
pub struct SqliteConnection {
    /// Owned: from `Box::leak`, freed by `drop` or `into_inner` only.
    conn: NonNull<rusqlite::Connection>,
    dialect: Sqlite,
    hot: RefCell<Option<(Key, Statement<'static>)>>,
    map: RefCell<Statements>,
    /// How many entries of `map` are `Key::Text`.
    texts: Cell<usize>,
    /// Statements run (Django's `assertNumQueries`): one increment per
    /// statement, transaction control (BEGIN, COMMIT, ROLLBACK) left out
    /// as Django leaves it out.
    queries: Cell<u64>,
}

// SAFETY: it owns a `Connection`, which is `Send`, and statements that only
// refer to that connection, which move between threads together with it
// (rusqlite's own statement cache is `Send` for the same reason). It is not
// `Sync` (its `RefCell`s), so neither is used from two threads at once.
unsafe impl Send for SqliteConnection {}

impl SqliteConnection {
    /// Take ownership of `conn`.
    pub fn new(conn: rusqlite::Connection) -> Self {
        SqliteConnection {
            conn: NonNull::from(Box::leak(Box::new(conn))),
            dialect: Sqlite,
            hot: RefCell::new(None),
            map: RefCell::new(Statements::default()),
            texts: Cell::new(0),
            queries: Cell::new(0),
        }
    }

    /// How many statements ran on this connection through the runtime.
    #[inline]
    pub fn query_count(&self) -> u64 {
        self.queries.get()
    }

    /// The rusqlite connection, for raw SQL.
    #[inline]
    pub fn raw(&self) -> &rusqlite::Connection {
        // SAFETY: the pointer comes from `Box::leak` and is freed only by
        // `drop` or `into_inner`, which end or consume `self`; it is never
        // borrowed mutably.
        unsafe { self.conn.as_ref() }
    }

    /// Finalize every statement and give back the connection.
    pub fn into_inner(mut self) -> rusqlite::Connection {
        self.clear();
        // Empty maps own no allocation: nothing leaks when `this` is not
        // dropped.
        *self.map.get_mut() = Statements::default();
        let this = ManuallyDrop::new(self);
        // SAFETY: as in `raw`; every statement is finalized, and `this` is
        // not dropped, so the box is freed once.
        *unsafe { Box::from_raw(this.conn.as_ptr()) }
    }

    /// Finalize every statement.
    fn clear(&mut self) {
        *self.hot.get_mut() = None;
        self.map.get_mut().clear();
        self.texts.set(0);
    }

    /// Put a statement back in the map, evicting a text statement when
    /// there are too many.
    fn store(&self, key: Key, stmt: Statement<'static>) {
        let mut map = self.map.borrow_mut();
        if matches!(key, Key::Text(_)) {
            if self.texts.get() >= TEXT_STATEMENT_CAPACITY {
                let victim = map.keys().find(|k| matches!(k, Key::Text(_)) && **k != key).cloned();
                if let Some(victim) = victim {
                    map.remove(&victim);
                    self.texts.set(self.texts.get() - 1);
                }
            }
            if map.insert(key, stmt).is_none() {
                self.texts.set(self.texts.get() + 1);
            }
        } else {
            map.insert(key, stmt);
        }
    }

    fn take(&self, key: &Key) -> Option<Statement<'static>> {
        let stmt = self.map.borrow_mut().remove(key);
        if stmt.is_some() && matches!(key, Key::Text(_)) {
            self.texts.set(self.texts.get() - 1);
        }
        stmt
    }

    /// [`Connection::with_statement`] for `'static` SQL, the save path: no
    /// key to build, the hot statement found by one comparison.
    #[inline]
    pub(crate) fn with_static<R>(
        &self,
        sql: &'static str,
        f: impl FnOnce(&mut Statement<'_>) -> Result<R>,
    ) -> Result<R> {
        self.queries.set(self.queries.get() + 1);
        self.with_static_uncounted(sql, f)
    }

    /// [`SqliteConnection::with_static`] without counting the statement.
    #[inline]
    fn with_static_uncounted<R>(
        &self,
        sql: &'static str,
        f: impl FnOnce(&mut Statement<'_>) -> Result<R>,
    ) -> Result<R> {
        let (address, len) = (sql.as_ptr() as usize, sql.len());
        // The hot statement, compared by address alone.
        let hot = {
            let mut hot = self.hot.borrow_mut();
            match hot.take() {
                Some((Key::Static(a, l), stmt)) if a == address && l == len => Some(stmt),
                other => {
                    *hot = other;
                    None
                }
            }
        };
        self.run(Key::Static(address, len), hot, || sql.to_owned(), f)
    }

    /// The hot statement, taken out, when it is the one for `key`.
    #[inline]
    fn take_hot(&self, key: &Key) -> Option<Statement<'static>> {
        let mut hot = self.hot.borrow_mut();
        match hot.take() {
            Some((k, stmt)) if k == *key => Some(stmt),
            other => {
                *hot = other;
                None
            }
        }
    }

    #[inline]
    fn run<R>(
        &self,
        key: Key,
        found: Option<Statement<'static>>,
        build: impl FnOnce() -> String,
        f: impl FnOnce(&mut Statement<'_>) -> Result<R>,
    ) -> Result<R> {
        let taken = match found {
            Some(stmt) => Some(stmt),
            None => self.take(&key),
        };
        let mut stmt = match taken {
            Some(stmt) => stmt,
            None => {
                let stmt = match &key {
                    Key::Static(..) | Key::Built(..) | Key::BuiltOneWord(..) => self.raw().prepare(&build())?,
                    Key::Text(sql) => self.raw().prepare(sql)?,
                };
                // SAFETY: only the lifetime changes. The statement is kept
                // in `self`, whose `drop` and `into_inner` finalize it
                // before the connection is freed; see the module
                // documentation.
                unsafe { std::mem::transmute::<Statement<'_>, Statement<'static>>(stmt) }
            }
        };
        let result = f(&mut stmt);
        // This statement becomes the hot one; the one it replaces (another
        // SQL, or the same SQL prepared by a nested call) goes to the map.
        let previous = self.hot.borrow_mut().replace((key, stmt));
        if let Some((k, previous)) = previous {
            self.store(k, previous);
        }
        result
    }

    /// Transaction control, which Django's query log does not count.
    fn exec_static(&self, sql: &'static str) -> Result<()> {
        self.with_static_uncounted(sql, |stmt| {
            stmt.raw_execute()?;
            Ok(())
        })
    }

    fn exec_savepoint(&self, verb: &str, depth: u32) -> Result<()> {
        let sql = format!("{verb} \"modelgen_sp{depth}\"");
        self.with_statement(StatementKey::Text(&sql), String::new, |stmt| {
            stmt.raw_execute()?;
            Ok(())
        })
    }
}

impl Drop for SqliteConnection {
    fn drop(&mut self) {
        // Every statement is finalized before the connection closes,
        // whatever the order of the fields.
        self.clear();
        // SAFETY: as in `into_inner`: the statements are gone, and the
        // pointer is not used again.
        drop(unsafe { Box::from_raw(self.conn.as_ptr()) });
    }
}

impl Connection for SqliteConnection {
    type Dialect = Sqlite;
    type Statement<'c> = Statement<'c>;

    #[inline]
    fn dialect(&self) -> &Sqlite {
        &self.dialect
    }

    fn execute_batch(&self, sql: &str) -> Result<()> {
        self.queries.set(self.queries.get() + 1);
        self.raw().execute_batch(sql)?;
        Ok(())
    }

    #[inline]
    fn with_statement<R>(
        &self,
        key: StatementKey<'_>,
        build: impl FnOnce() -> String,
        f: impl FnOnce(&mut Statement<'_>) -> Result<R>,
    ) -> Result<R> {
        if let StatementKey::Static(sql) = key {
            return self.with_static(sql, f);
        }
        self.queries.set(self.queries.get() + 1);
        let key = Key::of(key);
        let hot = self.take_hot(&key);
        self.run(key, hot, build, f)
    }

    #[inline]
    fn last_insert_id(&self) -> i64 {
        self.raw().last_insert_rowid()
    }

    fn in_transaction(&self) -> bool {
        !self.raw().is_autocommit()
    }

    fn begin(&self) -> Result<()> {
        self.exec_static("BEGIN")
    }

    fn commit(&self) -> Result<()> {
        self.exec_static("COMMIT")
    }

    fn rollback(&self) -> Result<()> {
        self.exec_static("ROLLBACK")
    }

    fn savepoint(&self, depth: u32) -> Result<()> {
        self.exec_savepoint("SAVEPOINT", depth)
    }

    fn release(&self, depth: u32) -> Result<()> {
        self.exec_savepoint("RELEASE", depth)
    }

    fn rollback_to(&self, depth: u32) -> Result<()> {
        self.exec_savepoint("ROLLBACK TO", depth)
    }
}

/// The SQL functions Django's SQLite backend registers on every connection
/// that generated queries use: `POWER` (Django's `**` on SQLite,
/// `operator.pow` behind a NULL guard: integers stay exact, a negative
/// exponent or a real operand gives a real), `REGEXP` (the `regex` and
/// `iregex` lookups), and the date functions of the date-part lookups
/// (`django_date_extract`, `django_datetime_extract`,
/// `django_datetime_cast_date`).
pub(crate) fn register_django_functions(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    use rusqlite::types::{Value, ValueRef};
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    register_regexp(conn, flags)?;
    register_date_functions(conn, flags)?;
    conn.create_scalar_function("POWER", 2, flags, |ctx| {
        let number = |i: usize| -> rusqlite::Result<Option<f64>> {
            Ok(match ctx.get_raw(i) {
                ValueRef::Null => None,
                ValueRef::Integer(n) => Some(n as f64),
                ValueRef::Real(r) => Some(r),
                other => other.as_str().ok().and_then(|s| s.trim().parse().ok()),
            })
        };
        match (ctx.get_raw(0), ctx.get_raw(1)) {
            (ValueRef::Integer(base), ValueRef::Integer(exp)) if exp >= 0 => {
                let exact = u32::try_from(exp).ok().and_then(|e| base.checked_pow(e));
                Ok(exact.map_or_else(|| Value::Real((base as f64).powf(exp as f64)), Value::Integer))
            }
            _ => Ok(match (number(0)?, number(1)?) {
                (Some(base), Some(exp)) => Value::Real(base.powf(exp)),
                _ => Value::Null,
            }),
        }
    })
}

/// `x REGEXP p` is `regexp(p, x)`: Django's `_sqlite_regexp`, Python's
/// `re.search(p, str(x))`, NULL when either is NULL. The compiled pattern
/// is kept with the statement (SQLite's auxiliary data), as a loop over
/// rows asks with the same pattern every time.
fn register_regexp(conn: &rusqlite::Connection, flags: rusqlite::functions::FunctionFlags) -> rusqlite::Result<()> {
    use rusqlite::types::{Value, ValueRef};
    conn.create_scalar_function("regexp", 2, flags, |ctx| {
        if matches!(ctx.get_raw(0), ValueRef::Null) || matches!(ctx.get_raw(1), ValueRef::Null) {
            return Ok(Value::Null);
        }
        let pattern: std::sync::Arc<regex::Regex> = ctx.get_or_create_aux(0, |raw| {
            let text = match raw {
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                other => python_str(other),
            };
            regex::Regex::new(&text).map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
        })?;
        let subject = python_str(ctx.get_raw(1));
        Ok(Value::Integer(i64::from(pattern.is_match(&subject))))
    })
}

/// Python's `str()` of a value SQLite hands a function.
fn python_str(value: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => "None".into(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(r) => crate::PyStr::py_str(&r),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    }
}

/// A date or datetime as Django stores it on SQLite (`YYYY-MM-DD`,
/// `YYYY-MM-DD HH:MM:SS[.ffffff]`, an ISO `T` accepted), as Django's
/// `typecast_timestamp` reads it; `None` when it is not one.
fn parse_stored_datetime(value: rusqlite::types::ValueRef<'_>) -> Option<chrono::NaiveDateTime> {
    use chrono::Timelike;
    let text = value.as_str().ok()?.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0);
    }
    let (head, rest) = (text.get(..19)?, &text[19..]);
    let base = chrono::NaiveDateTime::parse_from_str(&head.replace('T', " "), "%Y-%m-%d %H:%M:%S").ok()?;
    // Microseconds, if any; a zone offset after them is UTC's own.
    let digits: String =
        rest.strip_prefix('.').unwrap_or("").chars().take_while(char::is_ascii_digit).take(6).collect();
    let micros: u32 = if digits.is_empty() { 0 } else { format!("{digits:0<6}").parse().ok()? };
    base.with_nanosecond(micros * 1000)
}

/// The date part `lookup` of `dt`, as Django's `_sqlite_date_extract` and
/// `_sqlite_datetime_extract` give it (`week_day` 1 = Sunday ... 7).
fn date_part(lookup: &str, dt: chrono::NaiveDateTime) -> Option<i64> {
    use chrono::{Datelike, Timelike};
    Some(match lookup {
        "year" => i64::from(dt.year()),
        "month" => i64::from(dt.month()),
        "day" => i64::from(dt.day()),
        "week_day" => i64::from(dt.weekday().number_from_sunday()),
        "iso_week_day" => i64::from(dt.weekday().number_from_monday()),
        "week" => i64::from(dt.iso_week().week()),
        "iso_year" => i64::from(dt.iso_week().year()),
        "quarter" => i64::from(dt.month().div_ceil(3)),
        "hour" => i64::from(dt.hour()),
        "minute" => i64::from(dt.minute()),
        "second" => i64::from(dt.second()),
        _ => return None,
    })
}

/// A stored datetime as Django's `_sqlite_datetime_parse` reads it: in
/// `conn_tzname` (the zone it is stored in), seen in `tzname` when that
/// differs; as it is when either is NULL (`USE_TZ = False`).
fn datetime_in_zone(ctx: &rusqlite::functions::Context<'_>, at: usize) -> Option<chrono::NaiveDateTime> {
    use chrono::TimeZone;
    let dt = parse_stored_datetime(ctx.get_raw(at))?;
    let zone = |i: usize| -> Option<chrono_tz::Tz> { ctx.get_raw(i).as_str().ok()?.parse().ok() };
    match (zone(at + 1), zone(at + 2)) {
        (Some(tz), Some(conn)) if tz != conn => {
            let stored = conn.from_local_datetime(&dt).earliest()?;
            Some(stored.with_timezone(&tz).naive_local())
        }
        _ => Some(dt),
    }
}

/// Django's date functions of the date-part lookups. A datetime's zone
/// arguments are Django's `tzname` and `conn_tzname` (see
/// [`datetime_in_zone`]).
fn register_date_functions(
    conn: &rusqlite::Connection,
    flags: rusqlite::functions::FunctionFlags,
) -> rusqlite::Result<()> {
    use rusqlite::types::Value;
    conn.create_scalar_function("django_date_extract", 2, flags, |ctx| {
        let lookup: String = ctx.get(0)?;
        Ok(parse_stored_datetime(ctx.get_raw(1))
            .and_then(|dt| date_part(&lookup, dt))
            .map_or(Value::Null, Value::Integer))
    })?;
    conn.create_scalar_function("django_datetime_extract", 4, flags, |ctx| {
        let lookup: String = ctx.get(0)?;
        Ok(datetime_in_zone(ctx, 1).and_then(|dt| date_part(&lookup, dt)).map_or(Value::Null, Value::Integer))
    })?;
    conn.create_scalar_function("django_datetime_cast_date", 3, flags, |ctx| {
        Ok(datetime_in_zone(ctx, 0).map_or(Value::Null, |dt| Value::Text(dt.date().format("%Y-%m-%d").to_string())))
    })?;
    conn.create_scalar_function("django_format_dtdelta", 3, flags, |ctx| {
        let connector: Option<String> = ctx.get(0)?;
        let rusqlite::types::ValueRef::Integer(micros) = ctx.get_raw(2) else { return Ok(Value::Null) };
        Ok(format_dtdelta(connector.as_deref(), ctx.get_raw(1), micros).map_or(Value::Null, Value::Text))
    })
}

/// Django's `_sqlite_format_dtdelta(connector, lhs, rhs)` for a stored
/// datetime `lhs` moved by `micros` microseconds (`F("col") + timedelta`):
/// `lhs` read by `typecast_timestamp` (a zone offset dropped, not applied),
/// the result as Python's `str()` of the naive datetime,
/// `YYYY-MM-DD HH:MM:SS[.ffffff]`. `None` (Django's NULL) for a NULL or
/// unreadable value, another connector, or a result out of range.
///
/// A date without a time (`YYYY-MM-DD`, which `typecast_timestamp` reads
/// as a `date`) moves by whole days as Python's `date` does: `+` adds the
/// delta's `days` (`timedelta.days`, rounded down), `-` subtracts them,
/// the rest ignored; the result is `YYYY-MM-DD`.
fn format_dtdelta(connector: Option<&str>, lhs: rusqlite::types::ValueRef<'_>, micros: i64) -> Option<String> {
    use chrono::Timelike;
    const MICROS_PER_DAY: i64 = 86_400_000_000;
    let connector = connector.map(str::trim)?;
    let date_only = lhs.as_str().ok().and_then(|text| chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok());
    if let Some(date) = date_only {
        let days = chrono::TimeDelta::try_days(micros.div_euclid(MICROS_PER_DAY))?;
        let moved = match connector {
            "+" => date.checked_add_signed(days)?,
            "-" => date.checked_sub_signed(days)?,
            _ => return None,
        };
        return Some(moved.format("%Y-%m-%d").to_string());
    }
    let delta = chrono::TimeDelta::microseconds(micros);
    let moved = match connector {
        "+" => parse_stored_datetime(lhs)?.checked_add_signed(delta)?,
        "-" => parse_stored_datetime(lhs)?.checked_sub_signed(delta)?,
        _ => return None,
    };
    let format = if moved.nanosecond() == 0 { "%Y-%m-%d %H:%M:%S" } else { "%Y-%m-%d %H:%M:%S%.6f" };
    Some(moved.format(format).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADD_ONE: &str = "SELECT ?1 + 1";
    const TIMES_TWO: &str = "SELECT ?1 * 2";

    fn run(conn: &SqliteConnection, sql: &'static str, n: i64) -> Result<i64> {
        conn.with_static(sql, |stmt| Ok(stmt.query_row([n], |r| r.get(0))?))
    }

    fn open() -> SqliteConnection {
        SqliteConnection::new(rusqlite::Connection::open_in_memory().unwrap())
    }

    /// Django's `_sqlite_format_dtdelta` (Django 5.2.19, called directly):
    /// ('+', '2024-03-09', 36 h) -> '2024-03-10'; ('-', '2024-03-09', 1 h)
    /// -> '2024-03-09'; ('-', '2024-03-09', 25 h) -> '2024-03-08';
    /// ('+', '2024-03-09', -1 h) -> '2024-03-08'; ('+', '2024-03-09
    /// 10:00:00', 36 h) -> '2024-03-10 22:00:00'.
    #[test]
    fn format_dtdelta_moves_a_date_by_whole_days_and_a_datetime_exactly_as_django() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        register_django_functions(&conn).unwrap();
        let hour: i64 = 3_600_000_000;
        let moved = |connector: &str, lhs: &str, micros: i64| -> Option<String> {
            conn.query_row("SELECT django_format_dtdelta(?1, ?2, ?3)", rusqlite::params![connector, lhs, micros], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(moved("+", "2024-03-09", 36 * hour).as_deref(), Some("2024-03-10"));
        assert_eq!(moved("-", "2024-03-09", hour).as_deref(), Some("2024-03-09"));
        assert_eq!(moved("-", "2024-03-09", 25 * hour).as_deref(), Some("2024-03-08"));
        assert_eq!(moved("+", "2024-03-09", -hour).as_deref(), Some("2024-03-08"));
        assert_eq!(moved("+", "2024-03-09 10:00:00", 36 * hour).as_deref(), Some("2024-03-10 22:00:00"));
        assert_eq!(moved("*", "2024-03-09", hour), None);
    }

    #[test]
    fn alternating_statements_are_each_found_again() {
        let conn = open();
        for n in 0..5 {
            assert_eq!(run(&conn, ADD_ONE, n).unwrap(), n + 1);
            assert_eq!(run(&conn, ADD_ONE, n).unwrap(), n + 1);
            assert_eq!(run(&conn, TIMES_TWO, n).unwrap(), n * 2);
        }
    }

    #[test]
    fn a_nested_call_for_the_same_sql_prepares_its_own_statement() {
        let conn = open();
        let outer = conn
            .with_static(ADD_ONE, |stmt| {
                let mut rows = stmt.query([10])?;
                let inner = run(&conn, ADD_ONE, 20)?;
                let other = run(&conn, TIMES_TWO, 3)?;
                let first: i64 = rows.next()?.map(|r| r.get(0)).transpose()?.unwrap_or_default();
                Ok((first, inner, other))
            })
            .unwrap();
        assert_eq!(outer, (11, 21, 6));
        // Both statements for ADD_ONE were kept and still work.
        assert_eq!(run(&conn, ADD_ONE, 1).unwrap(), 2);
        assert_eq!(run(&conn, TIMES_TWO, 1).unwrap(), 2);
        assert_eq!(run(&conn, ADD_ONE, 2).unwrap(), 3);
        let raw = conn.into_inner();
        raw.execute_batch("SELECT 1").unwrap();
    }

    #[test]
    fn built_sql_is_built_once_per_key() {
        let conn = open();
        let builds = Cell::new(0);
        for (columns, n) in [(&[1u64][..], 1), (&[1][..], 2), (&[3][..], 3)] {
            let key = StatementKey::Built { what: "test", table: "t", columns };
            let got: i64 = conn
                .with_statement(
                    key,
                    || {
                        builds.set(builds.get() + 1);
                        "SELECT ?1".to_owned()
                    },
                    |stmt| Ok(stmt.query_row([n], |r| r.get(0))?),
                )
                .unwrap();
            assert_eq!(got, n);
        }
        assert_eq!(builds.get(), 2);
    }

    #[test]
    fn text_statements_beyond_the_capacity_are_evicted() {
        let conn = open();
        for n in 0..TEXT_STATEMENT_CAPACITY + 10 {
            let sql = format!("SELECT {n}");
            let got: i64 = conn
                .with_statement(StatementKey::Text(&sql), String::new, |stmt| Ok(stmt.query_row([], |r| r.get(0))?))
                .unwrap();
            assert_eq!(got, n as i64);
        }
        assert_eq!(conn.texts.get(), TEXT_STATEMENT_CAPACITY);
        assert_eq!(conn.map.borrow().len(), TEXT_STATEMENT_CAPACITY);
    }
}
