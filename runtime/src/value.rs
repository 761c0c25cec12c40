//! Conversion of field values to and from what Django's SQLite backend stores.
//!
//! Every [`DbValue`] writes exactly the value Django 6 writes for the
//! corresponding field (with `USE_TZ = True`), so a Django project and a
//! modelgen program can share one database file, and reads back whatever
//! Django reads back, including the looser forms SQLite may hand back.
//! With `USE_TZ = False` a database handle binds and reads through
//! [`DbValue::to_sql_in`] and [`DbValue::from_sql_in`] instead, which
//! differ from the plain methods for `DateTime<Utc>` only (see [`crate::tz`]).
//!
//! | Rust type | Django field | stored as |
//! | --- | --- | --- |
//! | `i16`, `i32`, `i64` (and `i8`, `u8`, `u16`, `u32`, `u64`) | integer fields | INTEGER |
//! | `f64`, `f32` | FloatField | REAL |
//! | `bool` | BooleanField | INTEGER 0/1 |
//! | `String` | CharField, TextField, ... | TEXT |
//! | `Vec<u8>` | BinaryField | BLOB |
//! | `NaiveDate` | DateField | TEXT `YYYY-MM-DD` |
//! | `DateTime<Utc>` | DateTimeField | TEXT `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC) |
//! | `NaiveDateTime` | DateTimeField with `USE_TZ = False` | same text |
//! | `NaiveTime` | TimeField | TEXT `HH:MM:SS[.ffffff]` |
//! | `TimeDelta` | DurationField | INTEGER microseconds |
//! | `Decimal` | DecimalField | the decimal's text, which the column's NUMERIC affinity turns into INTEGER or REAL |
//! | `Uuid` | UUIDField | TEXT, 32 lowercase hex digits |
//! | `serde_json::Value` | JSONField | TEXT as Python's `json.dumps` writes it |
//! | `Option<T>` | `null: true` | NULL for `None` |

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use rusqlite::types::{FromSqlError, FromSqlResult, ToSqlOutput, Value, ValueRef};
use rusqlite::ToSql;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::tz::{Now, Tz};

/// A field value that can be stored in, and loaded from, a SQLite column the
/// way Django stores it.
///
/// `to_sql` borrows from `self` where the stored form is the value itself
/// (integers, reals, text, blobs): binding allocates nothing. Types stored
/// as formatted text (dates, times, UUIDs, JSON, decimals) allocate their
/// text.
///
/// The trait is object safe (`&dyn DbValue`), `from_sql` excepted.
pub trait DbValue {
    /// The value to bind as a statement parameter.
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>>;

    /// The value from a stored column value. Never panics: a value that
    /// cannot be converted is an error.
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self>
    where
        Self: Sized;

    /// The value to bind when datetimes are stored as wall-clock time in
    /// `zone` (Django's `USE_TZ = False`): a DateTimeField's instant
    /// converted to that time; every other type binds as [`DbValue::to_sql`].
    fn to_sql_in(&self, zone: Tz) -> rusqlite::Result<ToSqlOutput<'_>> {
        let _ = zone;
        self.to_sql()
    }

    /// The value from a stored column value when datetimes are stored as
    /// wall-clock time in `zone`: see [`DbValue::to_sql_in`].
    fn from_sql_in(value: ValueRef<'_>, zone: Tz) -> FromSqlResult<Self>
    where
        Self: Sized,
    {
        let _ = zone;
        Self::from_sql(value)
    }

    /// The value straight from a PostgreSQL column in the binary format
    /// (its type, and its bytes, `None` for NULL), for a type that can
    /// skip the storage form there (a date is not written as text and
    /// parsed back); `None` to read it through the storage form. Only for
    /// values the time zone settings do not change.
    #[cfg(feature = "postgres")]
    #[doc(hidden)]
    #[inline]
    fn from_pg(ty: &postgres::types::Type, raw: Option<&[u8]>) -> Option<FromSqlResult<Self>>
    where
        Self: Sized,
    {
        let _ = (ty, raw);
        None
    }

    /// Whether the type is an instant (a DateTimeField's `DateTime<Utc>`),
    /// whose stored text depends on the time zone settings.
    fn is_instant() -> bool
    where
        Self: Sized,
    {
        false
    }

    /// Whether the Rust type can hold NULL (`Option<T>`): an unset primary
    /// key, a cleared nullable column.
    fn nullable() -> bool
    where
        Self: Sized,
    {
        false
    }

    /// The value an `auto_now` / `auto_now_add` field takes at `now`, at
    /// the precision the column stores (a date and a time are those of
    /// `TIME_ZONE`, an instant is the instant); `None` for types that are
    /// not dates or times.
    fn from_now(now: &Now) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = now;
        None
    }

    /// Whether the value is one of Django's `Field.empty_values` (`None`,
    /// `""`, and JSON `null`, `""`, `[]`, `{}`): such a value fails
    /// `full_clean` unless the field is `blank`.
    fn is_blank(&self) -> bool {
        false
    }

    /// The text of a text value, for `max_length` (`None` for other types
    /// and for NULL).
    fn as_text(&self) -> Option<&str> {
        None
    }

    /// The value as a choice, for `full_clean`'s choice check: `None` for a
    /// type without choices.
    fn as_choice(&self) -> Option<crate::display::ChoiceState> {
        None
    }

    /// Whether the value is Python's `None` in a field whose Rust type is
    /// not an `Option`: a JSON `null` in a JSONField, which `full_clean`
    /// refuses with "This field cannot be null." unless the field is
    /// `null` or `blank`.
    fn is_none_value(&self) -> bool {
        false
    }

    /// The value of an integer field, for `MinValueValidator` (`None` for
    /// other types and NULL; an integer choice gives its stored value).
    fn as_integer(&self) -> Option<i64> {
        None
    }
}

/// Binds a [`DbValue`] as a rusqlite parameter: `stmt.execute([Bind(&x)])`.
#[derive(Debug, Clone, Copy)]
pub struct Bind<'a, T: ?Sized>(pub &'a T);

impl<T: DbValue + ?Sized> ToSql for Bind<'_, T> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

/// The owned stored value of `value`, e.g. for a query parameter.
pub fn try_to_value<T: DbValue + ?Sized>(value: &T) -> rusqlite::Result<Value> {
    output_to_value(value.to_sql()?)
}

/// The owned value of `value` as a database storing datetimes as
/// wall-clock time in `zone` (`None`: UTC) holds it.
pub fn try_to_value_in<T: DbValue + ?Sized>(value: &T, zone: Option<Tz>) -> rusqlite::Result<Value> {
    match zone {
        None => output_to_value(value.to_sql()?),
        Some(zone) => output_to_value(value.to_sql_in(zone)?),
    }
}

/// The owned stored value of `value`; `Value::Null` when it cannot be
/// converted (what generated `pk_value` uses: a pk always converts).
pub fn to_value<T: DbValue + ?Sized>(value: &T) -> Value {
    try_to_value(value).unwrap_or(Value::Null)
}

/// Turn a [`ToSqlOutput`] into an owned [`Value`].
pub fn output_to_value(output: ToSqlOutput<'_>) -> rusqlite::Result<Value> {
    match output {
        ToSqlOutput::Borrowed(v) => Ok(Value::from(v)),
        ToSqlOutput::Owned(v) => Ok(v),
        #[allow(unreachable_patterns)]
        _ => Err(rusqlite::Error::ToSqlConversionFailure("unsupported ToSqlOutput variant".into())),
    }
}

/// Read column `index` of `row` as a `T`, with rusqlite's errors (as
/// `Row::get` reports them). What generated `from_row` calls: always
/// inlined there (the SQLite arm is a few instructions; the others are
/// calls), which kept SQLite's reads within 1.1x of hand-written rusqlite
/// once the PostgreSQL arm was added (callgrind, reads: 11 instructions
/// a column).
#[inline(always)]
pub fn read<T: DbValue>(row: crate::backend::DbRow<'_>, index: usize) -> rusqlite::Result<T> {
    match row {
        crate::backend::DbRow::Sqlite(sqlite) => read_sqlite(sqlite, index, T::from_sql),
        #[cfg(feature = "postgres")]
        crate::backend::DbRow::Postgres(pg) => pg.read(index, T::from_pg, T::from_sql),
        crate::backend::DbRow::Values(_) => read_with(row, index, T::from_sql),
    }
}

/// [`read`] for datetimes stored as wall-clock time in `zone`.
#[inline(always)]
pub fn read_in<T: DbValue>(row: crate::backend::DbRow<'_>, index: usize, zone: Tz) -> rusqlite::Result<T> {
    let convert = |value: ValueRef<'_>| T::from_sql_in(value, zone);
    match row {
        crate::backend::DbRow::Sqlite(sqlite) => read_sqlite(sqlite, index, convert),
        #[cfg(feature = "postgres")]
        crate::backend::DbRow::Postgres(pg) => pg.read(index, T::from_pg, convert),
        crate::backend::DbRow::Values(_) => read_with(row, index, convert),
    }
}

/// A SQLite column read in place: the hot path of every load, kept flat
/// (no closure through [`crate::backend::DbRow::with_ref`]).
#[inline]
fn read_sqlite<T>(
    row: &rusqlite::Row<'_>,
    index: usize,
    convert: impl FnOnce(ValueRef<'_>) -> FromSqlResult<T>,
) -> rusqlite::Result<T> {
    let value = row.get_ref(index)?;
    convert(value).map_err(|err| {
        let name = || crate::backend::DbRow::Sqlite(row).column_name(index);
        crate::backend::read_error(err, index, name, value.data_type())
    })
}

/// [`read`] of stored values (an instance built from values already
/// read): not a hot path, kept out of line.
#[inline(never)]
fn read_with<T>(
    row: crate::backend::DbRow<'_>,
    index: usize,
    convert: impl FnOnce(ValueRef<'_>) -> FromSqlResult<T>,
) -> rusqlite::Result<T> {
    row.with_ref(index, |value| {
        convert(value).map_err(|err| crate::backend::read_error(err, index, || row.column_name(index), value.data_type()))
    })?
}

/// A value read back from a stored [`Value`] (e.g. a pk returned by an
/// INSERT), for `Model::set_pk_value`.
pub fn from_value<T: DbValue>(value: Value) -> crate::Result<T> {
    T::from_sql(ValueRef::from(&value)).map_err(|err| {
        crate::Error::Database(crate::backend::read_error(err, 0, String::new, ValueRef::from(&value).data_type()))
    })
}

/// Same as [`read`] (the name generated code uses).
#[inline]
pub fn read_column<T: DbValue>(row: crate::backend::DbRow<'_>, index: usize) -> rusqlite::Result<T> {
    read(row, index)
}

fn conversion_error(message: impl Into<String>) -> FromSqlError {
    FromSqlError::Other(message.into().into())
}

fn to_sql_error(message: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(message.into().into())
}

fn text(value: ValueRef<'_>) -> FromSqlResult<&str> {
    match value {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).map_err(|e| FromSqlError::Other(Box::new(e))),
        _ => Err(FromSqlError::InvalidType),
    }
}

// ---------------------------------------------------------------------------
// Integers, reals, booleans, text, blobs
// ---------------------------------------------------------------------------

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl DbValue for $t {
            #[inline]
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                let v = i64::try_from(*self)
                    .map_err(|_| to_sql_error(format!("{} does not fit in a 64-bit integer", self)))?;
                Ok(ToSqlOutput::Borrowed(ValueRef::Integer(v)))
            }

            fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let i = match value {
                    ValueRef::Integer(i) => i,
                    // An integral REAL (e.g. written by another program).
                    ValueRef::Real(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => f as i64,
                    _ => return Err(FromSqlError::InvalidType),
                };
                <$t>::try_from(i).map_err(|_| FromSqlError::OutOfRange(i))
            }

            fn as_integer(&self) -> Option<i64> {
                i64::try_from(*self).ok()
            }
        }
    )*};
}

int_value!(i8, i16, i32, i64, u8, u16, u32, u64);

impl DbValue for f64 {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Real(*self)))
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            // PostgreSQL's numeric (AVG of integers, a Sum of decimals read
            // as a float) arrives as decimal text; Django's float() of it.
            ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-'))
                .and_then(|t| t.parse().ok())
                .ok_or(FromSqlError::InvalidType),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

impl DbValue for f32 {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Real(f64::from(*self))))
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        f64::from_sql(value).map(|f| f as f32)
    }
}

impl DbValue for bool {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*self))))
    }

    /// Django's SQLite backend reads a `bool` column through a converter that
    /// compares the stored value's text with `"1"`: 1 is true, anything else
    /// false.
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Integer(i) => Ok(i == 1),
            ValueRef::Real(_) => Ok(false),
            ValueRef::Text(t) | ValueRef::Blob(t) => Ok(t == b"1"),
            ValueRef::Null => Err(FromSqlError::InvalidType),
        }
    }
}

impl DbValue for String {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.as_bytes())))
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Text(_) => text(value).map(str::to_owned),
            // A TEXT-affinity column never hands these back for values
            // written by Django; be lenient with other writers.
            ValueRef::Integer(i) => Ok(i.to_string()),
            ValueRef::Real(f) => Ok(f.to_string()),
            _ => Err(FromSqlError::InvalidType),
        }
    }

    fn is_blank(&self) -> bool {
        self.is_empty()
    }

    fn as_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl DbValue for Vec<u8> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self)))
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Blob(b) | ValueRef::Text(b) => Ok(b.to_vec()),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

impl<T: DbValue> DbValue for Option<T> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Some(v) => v.to_sql(),
            None => Ok(ToSqlOutput::Borrowed(ValueRef::Null)),
        }
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Null => Ok(None),
            v => T::from_sql(v).map(Some),
        }
    }

    #[cfg(feature = "postgres")]
    #[inline]
    fn from_pg(ty: &postgres::types::Type, raw: Option<&[u8]>) -> Option<FromSqlResult<Self>> {
        match raw {
            None => Some(Ok(None)),
            Some(_) => T::from_pg(ty, raw).map(|value| value.map(Some)),
        }
    }

    fn to_sql_in(&self, zone: Tz) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Some(v) => v.to_sql_in(zone),
            None => Ok(ToSqlOutput::Borrowed(ValueRef::Null)),
        }
    }

    fn from_sql_in(value: ValueRef<'_>, zone: Tz) -> FromSqlResult<Self> {
        match value {
            ValueRef::Null => Ok(None),
            v => T::from_sql_in(v, zone).map(Some),
        }
    }

    fn is_instant() -> bool {
        T::is_instant()
    }

    fn nullable() -> bool {
        true
    }

    fn from_now(now: &Now) -> Option<Self> {
        T::from_now(now).map(Some)
    }

    fn is_blank(&self) -> bool {
        self.as_ref().is_none_or(T::is_blank)
    }

    fn as_text(&self) -> Option<&str> {
        self.as_ref().and_then(T::as_text)
    }

    fn as_integer(&self) -> Option<i64> {
        self.as_ref().and_then(T::as_integer)
    }

    fn as_choice(&self) -> Option<crate::display::ChoiceState> {
        match self {
            Some(value) => value.as_choice(),
            None => Some(crate::display::ChoiceState { empty: true, known: false, repr: "None".into() }),
        }
    }
}


impl DbValue for Value {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::from(self)))
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Ok(Value::from(value))
    }
}

// ---------------------------------------------------------------------------
// Dates and times
// ---------------------------------------------------------------------------

/// Append ASCII text built in a byte buffer (ASCII digits and separators
/// only: each byte is its own character). Pushing the bytes one by one
/// costs less than validating the buffer as UTF-8.
#[inline]
fn push_ascii(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len());
    for &b in bytes {
        out.push(char::from(b));
    }
}

/// `YYYY-MM-DD`, built in a stack buffer and appended at once: the save
/// path formats every date it binds.
#[inline]
fn push_date(out: &mut String, date: NaiveDate) -> rusqlite::Result<()> {
    let ascii = crate::stored_text::date_ascii(date).ok_or_else(|| {
        to_sql_error(format!("year {} is out of the range Django can store (1..=9999)", date.year()))
    })?;
    push_ascii(out, &ascii);
    Ok(())
}

/// `HH:MM:SS[.ffffff]`, as [`push_date`].
#[inline]
fn push_time(out: &mut String, time: NaiveTime) {
    let (ascii, len) = crate::stored_text::time_ascii(time);
    push_ascii(out, ascii.get(..len).unwrap_or_default());
}

fn date_text(date: NaiveDate) -> rusqlite::Result<ToSqlOutput<'static>> {
    let mut out = String::with_capacity(10);
    push_date(&mut out, date)?;
    Ok(ToSqlOutput::Owned(Value::Text(out)))
}

fn datetime_text(dt: NaiveDateTime) -> rusqlite::Result<ToSqlOutput<'static>> {
    let mut out = String::with_capacity(26);
    push_date(&mut out, dt.date())?;
    out.push(' ');
    push_time(&mut out, dt.time());
    Ok(ToSqlOutput::Owned(Value::Text(out)))
}

/// A DateTimeField's stored value as UTC text (what [`DbValue::to_sql`]
/// binds) turned into the wall-clock text of `zone` (what
/// [`DbValue::to_sql_in`] binds): for values bound by queries, which hold
/// the UTC text. Anything else (NULL, text that is no datetime) is
/// returned unchanged.
pub(crate) fn instant_text_in(value: &Value, zone: Tz) -> Value {
    let Value::Text(s) = value else { return value.clone() };
    let converted = parse_datetime(s).and_then(|(local, offset)| {
        let utc = local.checked_sub_signed(TimeDelta::seconds(i64::from(offset.unwrap_or(0))))?;
        let wall = crate::tz::wall_clock(utc, zone)?;
        datetime_text(wall).ok().and_then(|out| output_to_value(out).ok())
    });
    converted.unwrap_or_else(|| value.clone())
}

/// A cursor over ASCII text for the date/time parsers.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { s: s.as_bytes(), i: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Between `min` and `max` ASCII digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        let mut n: u32 = 0;
        while self.i - start < max {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    n = n * 10 + u32::from(b - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        if self.i - start < min {
            None
        } else {
            Some(n)
        }
    }

    fn done(&self) -> bool {
        self.i == self.s.len()
    }
}

/// `YYYY-M[M]-D[D]`, as Django's `parse_date` accepts.
fn parse_date_at(c: &mut Cursor<'_>) -> Option<NaiveDate> {
    let year = c.digits(4, 4)?;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(1, 2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(1, 2)?;
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// `H[H]:M[M][:S[S][.f{1,6}[f{0,6}]]]`, as Django's `parse_time` accepts
/// (`,` is accepted as the decimal mark too).
fn parse_time_at(c: &mut Cursor<'_>) -> Option<NaiveTime> {
    let hour = c.digits(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.digits(1, 2)?;
    let mut second = 0;
    let mut micro = 0;
    if c.eat(b':') {
        second = c.digits(1, 2)?;
        if c.eat(b'.') || c.eat(b',') {
            let start = c.i;
            let frac = c.digits(1, 6)?;
            let used = c.i - start;
            micro = frac * 10u32.pow((6 - used) as u32);
            // Further digits are ignored, as by Django's parser.
            let _ = c.digits(0, usize::MAX);
        }
    }
    NaiveTime::from_hms_micro_opt(hour, minute, second, micro)
}

/// `Z`, `±HH`, `±HHMM` or `±HH:MM` (seconds east of UTC).
fn parse_offset_at(c: &mut Cursor<'_>) -> Option<i32> {
    if c.eat(b'Z') {
        return Some(0);
    }
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return None;
    };
    let hours = c.digits(2, 2)?;
    c.eat(b':');
    let minutes = c.digits(0, 2).unwrap_or(0);
    Some(sign * (hours as i32 * 3600 + minutes as i32 * 60))
}

/// `YYYY-MM-DD` exactly, as Django and this runtime write a date; `None`
/// for any other text, which the general parser then reads.
#[inline]
fn parse_canonical_date(s: &[u8]) -> Option<NaiveDate> {
    let &[y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = s else {
        return None;
    };
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    let year = digit(y1)? * 1000 + digit(y2)? * 100 + digit(y3)? * 10 + digit(y4)?;
    NaiveDate::from_ymd_opt(year as i32, digit(m1)? * 10 + digit(m2)?, digit(d1)? * 10 + digit(d2)?)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    // The stored layout first: the general parser costs about 300 more
    // instructions a date, which showed in every loaded row.
    if let Some(date) = parse_canonical_date(s.as_bytes()) {
        return Some(date);
    }
    let mut c = Cursor::new(s.trim());
    let date = parse_date_at(&mut c)?;
    // Django's parser rejects a trailing time; accept it (it is what a
    // datetime column holds) rather than fail a whole row.
    if c.done() || c.eat(b' ') || c.eat(b'T') {
        Some(date)
    } else {
        None
    }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let mut c = Cursor::new(s.trim());
    let time = parse_time_at(&mut c)?;
    // An offset is dropped, as Django's `parse_time` drops it.
    while c.eat(b' ') {}
    if !c.done() {
        parse_offset_at(&mut c)?;
    }
    c.done().then_some(time)
}

/// A datetime as Django's `parse_datetime` accepts it: `' '` or `'T'`
/// between date and time, seconds and fraction optional, an optional offset;
/// a date alone is midnight. Returns the local value and its offset.
fn parse_datetime(s: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let mut c = Cursor::new(s.trim());
    let date = parse_date_at(&mut c)?;
    if c.done() {
        return Some((date.and_time(NaiveTime::MIN), None));
    }
    if !(c.eat(b' ') || c.eat(b'T')) {
        return None;
    }
    let time = parse_time_at(&mut c)?;
    while c.eat(b' ') {}
    let offset = if c.done() { None } else { Some(parse_offset_at(&mut c)?) };
    c.done().then_some((date.and_time(time), offset))
}

impl DbValue for NaiveDate {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        date_text(*self)
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        // The stored layout needs no UTF-8 check (it is ASCII digits).
        if let ValueRef::Text(bytes) = value {
            if let Some(date) = parse_canonical_date(bytes) {
                return Ok(date);
            }
        }
        let s = text(value)?;
        parse_date(s).ok_or_else(|| conversion_error(format!("invalid date: {s:?}")))
    }

    /// Django's `date.today()`: the date in `TIME_ZONE`.
    fn from_now(now: &Now) -> Option<Self> {
        Some(now.local.date())
    }

    /// A `date` column's day count, without its text.
    #[cfg(feature = "postgres")]
    #[inline]
    fn from_pg(ty: &postgres::types::Type, raw: Option<&[u8]>) -> Option<FromSqlResult<Self>> {
        crate::backend::pg::read_date(ty, raw)
    }
}

impl DbValue for NaiveTime {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let mut out = String::with_capacity(15);
        push_time(&mut out, *self);
        Ok(ToSqlOutput::Owned(Value::Text(out)))
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = text(value)?;
        parse_time(s).ok_or_else(|| conversion_error(format!("invalid time: {s:?}")))
    }

    /// Django's `datetime.now().time()`: the time in `TIME_ZONE`.
    fn from_now(now: &Now) -> Option<Self> {
        Some(now.local.time())
    }
}

impl DbValue for DateTime<Utc> {
    /// Django with `USE_TZ = True` stores an aware datetime made naive in UTC.
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        datetime_text(self.naive_utc())
    }

    /// A naive stored value is UTC; a stored offset is honoured.
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = text(value)?;
        let (local, offset) = parse_datetime(s).ok_or_else(|| conversion_error(format!("invalid datetime: {s:?}")))?;
        let utc = local - TimeDelta::seconds(i64::from(offset.unwrap_or(0)));
        Ok(utc.and_utc())
    }

    /// Django with `USE_TZ = False` stores the wall-clock time in
    /// `TIME_ZONE`, as `str(naive)`.
    fn to_sql_in(&self, zone: Tz) -> rusqlite::Result<ToSqlOutput<'_>> {
        let local = crate::tz::wall_clock(self.naive_utc(), zone)
            .ok_or_else(|| to_sql_error(format!("{self} has no wall-clock time in {zone}")))?;
        datetime_text(local)
    }

    /// A naive stored value is wall-clock time in `zone`, read as Django's
    /// `make_aware` reads it (see [`crate::tz`]); a stored offset is
    /// honoured.
    fn from_sql_in(value: ValueRef<'_>, zone: Tz) -> FromSqlResult<Self> {
        let s = text(value)?;
        let invalid = || conversion_error(format!("invalid datetime: {s:?}"));
        let (local, offset) = parse_datetime(s).ok_or_else(invalid)?;
        let utc = match offset {
            Some(offset) => local.checked_sub_signed(TimeDelta::seconds(i64::from(offset))),
            None => crate::tz::from_wall_clock(local, zone),
        };
        utc.map(|utc| utc.and_utc()).ok_or_else(invalid)
    }

    fn is_instant() -> bool {
        true
    }

    fn from_now(now: &Now) -> Option<Self> {
        Some(now.instant)
    }
}

impl DbValue for NaiveDateTime {
    /// Django with `USE_TZ = False` stores the naive value as is.
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        datetime_text(*self)
    }

    /// A stored offset is converted away (the value becomes UTC).
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = text(value)?;
        let (local, offset) = parse_datetime(s).ok_or_else(|| conversion_error(format!("invalid datetime: {s:?}")))?;
        Ok(local - TimeDelta::seconds(i64::from(offset.unwrap_or(0))))
    }

    /// Django's `timezone.now()` with `USE_TZ = False`: the naive
    /// wall-clock time in `TIME_ZONE`.
    fn from_now(now: &Now) -> Option<Self> {
        Some(now.local)
    }
}

impl DbValue for TimeDelta {
    /// SQLite has no interval type: Django stores integer microseconds.
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let micros = self.num_microseconds().ok_or_else(|| to_sql_error("duration out of range for microseconds"))?;
        Ok(ToSqlOutput::Borrowed(ValueRef::Integer(micros)))
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let micros = match value {
            ValueRef::Integer(i) => i,
            ValueRef::Real(f) if f.is_finite() && f.abs() < 9.2e18 => f.round() as i64,
            ValueRef::Text(_) => {
                let s = text(value)?;
                s.trim().parse::<i64>().map_err(|_| conversion_error(format!("invalid duration: {s:?}")))?
            }
            _ => return Err(FromSqlError::InvalidType),
        };
        Ok(TimeDelta::microseconds(micros))
    }
}

// ---------------------------------------------------------------------------
// Decimal, UUID, JSON
// ---------------------------------------------------------------------------

impl DbValue for Decimal {
    /// Django binds `str(decimal)`; the column's NUMERIC affinity then
    /// stores it as INTEGER or REAL (or TEXT when it is not a number).
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Value::Text(self.to_string())))
    }

    /// INTEGER exactly; REAL rounded to 15 significant digits (what SQLite
    /// keeps, as Django's converter does) and normalized; TEXT parsed. Use
    /// [`quantize_decimal`] to give the value the field's `decimal_places`.
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Integer(i) => Ok(Decimal::from(i)),
            ValueRef::Real(f) => decimal_from_f64(f),
            ValueRef::Text(_) => {
                let s = text(value)?.trim();
                s.parse::<Decimal>()
                    .or_else(|_| Decimal::from_scientific(s))
                    .map_err(|_| conversion_error(format!("invalid decimal: {s:?}")))
            }
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

fn decimal_from_f64(f: f64) -> FromSqlResult<Decimal> {
    if !f.is_finite() {
        return Err(conversion_error(format!("invalid decimal: {f}")));
    }
    // Python: decimal.Context(prec=15).create_decimal_from_float(f)
    let sci = format!("{f:.14e}");
    Decimal::from_scientific_lossy(&sci).map(|d| d.normalize()).map_err(|_| FromSqlError::OutOfRange(0))
}

/// Django's DecimalField converter on SQLite: the value quantized to the
/// field's `decimal_places` (rounding half to even).
pub fn quantize_decimal(value: Decimal, decimal_places: u32) -> Decimal {
    let mut d = value.round_dp(decimal_places);
    d.rescale(decimal_places);
    d
}

/// A DecimalField value, plain or optional, as generated `from_row` reads it.
pub trait DecimalColumn: DbValue + Sized {
    fn quantized(self, decimal_places: u32) -> Self;
}

impl DecimalColumn for Decimal {
    fn quantized(self, decimal_places: u32) -> Self {
        quantize_decimal(self, decimal_places)
    }
}

impl DecimalColumn for Option<Decimal> {
    fn quantized(self, decimal_places: u32) -> Self {
        self.map(|d| quantize_decimal(d, decimal_places))
    }
}

/// Read a DecimalField column as Django's SQLite converter does: the
/// stored number (which NUMERIC affinity may have turned into 12.5)
/// quantized to the field's `decimal_places` (12.50).
pub fn read_decimal_column<T: DecimalColumn>(row: crate::backend::DbRow<'_>, index: usize, decimal_places: u32) -> rusqlite::Result<T> {
    read::<T>(row, index).map(|value| value.quantized(decimal_places))
}

impl DbValue for Uuid {
    /// SQLite has no uuid type: Django stores `uuid.hex`.
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let mut buf = [0u8; uuid::fmt::Simple::LENGTH];
        let hex = self.simple().encode_lower(&mut buf);
        Ok(ToSqlOutput::Owned(Value::Text(hex.to_owned())))
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Text(_) => {
                let s = text(value)?;
                Uuid::try_parse(s.trim()).map_err(|e| FromSqlError::Other(Box::new(e)))
            }
            ValueRef::Blob(b) => Uuid::from_slice(b).map_err(|e| FromSqlError::Other(Box::new(e))),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

impl DbValue for serde_json::Value {
    /// Django stores `json.dumps(value)`: see [`python_json_dumps`].
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Value::Text(python_json_dumps(self))))
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Text(b) | ValueRef::Blob(b) => {
                let mut value = serde_json::from_slice(b).map_err(|e| FromSqlError::Other(Box::new(e)))?;
                normalize_json_floats(&mut value);
                Ok(value)
            }
            ValueRef::Integer(i) => Ok(serde_json::Value::from(i)),
            ValueRef::Real(f) => {
                Ok(serde_json::Number::from_f64(f).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null))
            }
            ValueRef::Null => Err(FromSqlError::InvalidType),
        }
    }

    /// JSON `null`, `""`, `[]` and `{}` are empty, as their Python values are.
    fn is_blank(&self) -> bool {
        match self {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.is_empty(),
            serde_json::Value::Array(a) => a.is_empty(),
            serde_json::Value::Object(o) => o.is_empty(),
            _ => false,
        }
    }

    fn is_none_value(&self) -> bool {
        self.is_null()
    }
}

/// Whether a JSON number's text is an integer (Python's `json.loads` makes
/// it an `int`, of any size) rather than a float.
fn is_json_integer(text: &str) -> bool {
    !text.contains(['.', 'e', 'E'])
}

/// Gives every float of a loaded JSON value the text `Number::from_f64`
/// gives it (`1e+100` and `1E100` both become the `f64` 1e100), so a loaded
/// value equals the same value built in Rust (`json!(1e100)`). Integers
/// keep their digits, whatever their size (serde_json's
/// `arbitrary_precision`), as Python's `int` does; a float beyond `f64`
/// keeps its text ([`python_json_dumps`] writes it as Python would,
/// `Infinity`).
fn normalize_json_floats(value: &mut serde_json::Value) {
    use serde_json::Value as J;
    match value {
        J::Number(n) => {
            let text = n.to_string();
            if !is_json_integer(&text) {
                if let Some(float) = n.as_f64().and_then(serde_json::Number::from_f64) {
                    *n = float;
                }
            }
        }
        J::Array(items) => items.iter_mut().for_each(normalize_json_floats),
        J::Object(map) => map.values_mut().for_each(normalize_json_floats),
        _ => {}
    }
}

impl crate::display::PyStr for serde_json::Value {
    /// Python's `str()` of the value a JSONField holds (what `json.loads`
    /// gives): `{'a': 1, 'b': None, 'c': True}`, integers with all their
    /// digits, floats as `repr` (`1e+100`, `inf` beyond `f64`); a top-level
    /// string is itself, as `str('x')` is.
    fn py_str(&self) -> String {
        match self {
            serde_json::Value::String(s) => s.clone(),
            value => {
                let mut out = String::new();
                push_python_value(&mut out, value);
                out
            }
        }
    }
}

/// Python's `repr()` of a JSON value loaded by `json.loads`.
fn push_python_value(out: &mut String, value: &serde_json::Value) {
    use serde_json::Value as J;
    let leaf = |out: &mut String, value: &J| match value {
        J::Null => out.push_str("None"),
        J::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        J::Number(n) => match json_float(n) {
            None => out.push_str(&n.to_string()),
            Some(f) if f.is_infinite() => out.push_str(if f < 0.0 { "-inf" } else { "inf" }),
            Some(f) => push_python_float(out, f),
        },
        J::String(s) => out.push_str(&crate::display::PyRepr::py_repr(&s.as_str())),
        _ => {}
    };
    write_nested(value, out, &leaf, &|out, key| out.push_str(&crate::display::PyRepr::py_repr(&key)));
}

/// `None` for an integer (written with all its digits, as Python's `int`);
/// else the float Python's `json.loads` reads (infinite beyond `f64`).
fn json_float(n: &serde_json::Number) -> Option<f64> {
    let text = n.to_string();
    if is_json_integer(&text) {
        return None;
    }
    // `as_f64` is `None` only beyond f64's range: Python reads inf.
    Some(n.as_f64().unwrap_or(if text.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }))
}

/// Lists as `[a, b]` and objects as `{k: v}` (keys in the map's order),
/// everything else by `leaf`, keys by `key`.
fn write_nested(
    value: &serde_json::Value,
    out: &mut String,
    leaf: &dyn Fn(&mut String, &serde_json::Value),
    key: &dyn Fn(&mut String, &str),
) {
    use serde_json::Value as J;
    match value {
        J::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_nested(item, out, leaf, key);
            }
            out.push(']');
        }
        J::Object(map) => {
            out.push('{');
            for (i, (name, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                key(out, name);
                out.push_str(": ");
                write_nested(item, out, leaf, key);
            }
            out.push('}');
        }
        other => leaf(out, other),
    }
}

/// JSON text exactly as Python's `json.dumps(value)` writes it, which is
/// what Django's JSONField stores: `", "` and `": "` separators, every
/// character outside printable ASCII escaped as `\uXXXX` (`ensure_ascii`),
/// floats as Python's `repr` (`1e-05`, `1e+16`, `1.0`), integers with
/// all their digits (`123456789012345678901234567890`, as Python's `int`;
/// serde_json's `arbitrary_precision` keeps them), a float beyond `f64`
/// as `Infinity` (what Python's `json.loads` makes of `1e400`).
///
/// Object keys are written in the order the `serde_json::Map` iterates.
pub fn python_json_dumps(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value as J;
    let leaf = |out: &mut String, value: &J| match value {
        J::Null => out.push_str("null"),
        J::Bool(true) => out.push_str("true"),
        J::Bool(false) => out.push_str("false"),
        J::Number(n) => match json_float(n) {
            None => out.push_str(&n.to_string()),
            Some(f) => push_python_float(out, f),
        },
        J::String(s) => push_json_string(out, s),
        _ => {}
    };
    write_nested(value, out, &leaf, &push_json_string);
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that round-trip, positional
/// when the decimal exponent is in -4..16, else scientific with a signed
/// exponent of at least two digits; always a `.0` or an exponent.
fn push_python_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345e-7`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some(parts) => parts,
        None => {
            out.push_str(&sci);
            return;
        }
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let n = digits.len() as i32;
    // The value is 0.DIGITS * 10^decpt.
    let decpt = exp + 1;
    if negative {
        out.push('-');
    }
    if (-4 < decpt) && (decpt <= 16) {
        if decpt <= 0 {
            out.push_str("0.");
            for _ in 0..(-decpt) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if decpt >= n {
            out.push_str(&digits);
            for _ in 0..(decpt - n) {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            let (int, frac) = digits.split_at(decpt as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = decpt - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", e.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(f: f64) -> String {
        let mut s = String::new();
        push_python_float(&mut s, f);
        s
    }

    #[test]
    fn python_float_repr() {
        assert_eq!(py(1.0), "1.0");
        assert_eq!(py(1e16), "1e+16");
        assert_eq!(py(1e15), "1000000000000000.0");
        assert_eq!(py(0.0001), "0.0001");
        assert_eq!(py(1e-5), "1e-05");
        assert_eq!(py(123456789.125), "123456789.125");
        assert_eq!(py(-0.0), "-0.0");
        assert_eq!(py(2.5), "2.5");
        assert_eq!(py(-1.5e-7), "-1.5e-07");
        assert_eq!(py(1.7976931348623157e308), "1.7976931348623157e+308");
        assert_eq!(py(0.1), "0.1");
        assert_eq!(py(12345.678), "12345.678");
    }

    #[test]
    fn dates_and_times_format_as_python_isoformat() {
        let text = |out: rusqlite::Result<ToSqlOutput<'static>>| match out {
            Ok(ToSqlOutput::Owned(Value::Text(s))) => s,
            other => panic!("{other:?}"),
        };
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(text(date_text(d(2024, 2, 29))), "2024-02-29");
        assert_eq!(text(date_text(d(1, 1, 1))), "0001-01-01");
        assert_eq!(text(date_text(d(999, 12, 31))), "0999-12-31");
        assert_eq!(text(date_text(d(9999, 10, 9))), "9999-10-09");
        assert!(date_text(d(10000, 1, 1)).is_err());
        assert!(date_text(d(0, 1, 1)).is_err());
        let t = |h, m, s, micro| NaiveTime::from_hms_micro_opt(h, m, s, micro).unwrap();
        let dt = |time| text(datetime_text(d(2024, 1, 2).and_time(time)));
        assert_eq!(dt(t(3, 4, 5, 0)), "2024-01-02 03:04:05");
        assert_eq!(dt(t(23, 59, 59, 1)), "2024-01-02 23:59:59.000001");
        assert_eq!(dt(t(0, 0, 0, 500_000)), "2024-01-02 00:00:00.500000");
        assert_eq!(dt(t(12, 30, 0, 123_456)), "2024-01-02 12:30:00.123456");
        assert_eq!(dt(t(12, 30, 0, 999_999)), "2024-01-02 12:30:00.999999");
        // A leap second keeps second 59 and its microseconds.
        let leap = NaiveTime::from_hms_micro_opt(23, 59, 59, 1_250_000).unwrap();
        let mut out = String::new();
        push_time(&mut out, leap);
        assert_eq!(out, "23:59:59.250000");
    }

    #[test]
    fn datetime_parsing() {
        let (dt, off) = parse_datetime("2024-01-02T03:04:05.123+02:00").unwrap();
        assert_eq!(dt.to_string(), "2024-01-02 03:04:05.123");
        assert_eq!(off, Some(7200));
        assert!(parse_datetime("2024-01-02 03:04").is_some());
        assert!(parse_datetime("2024-13-02 03:04").is_none());
        assert!(parse_datetime("garbage").is_none());
        assert!(parse_datetime("2024-01-02 03:04:05 junk").is_none());
        assert_eq!(parse_time("01:02:03.1234567").unwrap().to_string(), "01:02:03.123456");
        assert!(parse_time("1:2").is_some());
        assert!(parse_time("25:00").is_none());
    }
}

/// A stored value usable as a set key and sorted as Python sorts pks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum PkKey {
    Null,
    Integer(i64),
    Real(u64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

impl From<&Value> for PkKey {
    fn from(value: &Value) -> Self {
        match value {
            Value::Null => PkKey::Null,
            Value::Integer(i) => PkKey::Integer(*i),
            Value::Real(f) => {
                // Order-preserving bits of an f64.
                let bits = f.to_bits();
                PkKey::Real(if bits >> 63 == 1 { !bits } else { bits | (1 << 63) })
            }
            Value::Text(s) => PkKey::Text(s.as_bytes().to_vec()),
            Value::Blob(b) => PkKey::Blob(b.clone()),
        }
    }
}
