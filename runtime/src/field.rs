//! How the runtime reaches a model's fields without knowing their Rust
//! types: [`Field`] (a field as a trait object, for binding, snapshots,
//! `auto_now` and `full_clean`) and [`Row`] (a row being read into a new
//! instance). Generated code names only these, never the database
//! client's types.

use rusqlite::types::{ToSqlOutput, Value, ValueRef};

use crate::error::Result;
use crate::tz::{Now, Tz};
use crate::value::{from_value, output_to_value, read, read_in, DbValue, DecimalColumn};

/// One field of a model instance, as the runtime sees it. Implemented for
/// every [`DbValue`]; generated `Model::field` hands these out by index.
/// The value `field` binds: a DateTimeField's as wall-clock time in `zone`
/// when the database stores datetimes so (Django's `USE_TZ = False`), any
/// other value (and every value with `None`, UTC storage) as it is. The one
/// rule for every statement that binds a field (saves, bulk statements).
#[inline]
pub(crate) fn bind_in_zone(field: &dyn Field, zone: Option<Tz>) -> rusqlite::Result<ToSqlOutput<'_>> {
    match zone {
        Some(zone) => field.bind_in(zone),
        None => field.bind(),
    }
}

pub trait Field: Send + Sync {
    /// The value to bind as a statement parameter, borrowed where it can be.
    #[doc(hidden)]
    fn bind(&self) -> rusqlite::Result<ToSqlOutput<'_>>;

    /// The value to bind when datetimes are stored as wall-clock time in
    /// `zone` (see [`DbValue::to_sql_in`]).
    #[doc(hidden)]
    fn bind_in(&self, zone: Tz) -> rusqlite::Result<ToSqlOutput<'_>>;

    /// The stored value (NULL when it cannot be converted), as a database
    /// storing datetimes as UTC holds it: the form values take in memory
    /// (snapshots, diffs, copies).
    fn stored(&self) -> Value;

    /// The stored value as a database storing datetimes as wall-clock
    /// time in `zone` (`None`: UTC) holds it.
    fn stored_in(&self, zone: Option<Tz>) -> Value;

    /// Set the field from a stored value.
    fn set_stored(&mut self, value: Value) -> Result<()>;

    /// Whether the field holds NULL.
    fn is_null(&self) -> bool;

    /// Whether the Rust type can hold NULL (an `Option`).
    fn nullable(&self) -> bool;

    /// `auto_now`: take the value of `now` (dates and times only).
    fn set_now(&mut self, now: &Now);

    /// See [`DbValue::is_blank`].
    fn is_blank(&self) -> bool;

    /// See [`DbValue::as_text`].
    fn as_text(&self) -> Option<&str>;

    /// See [`DbValue::as_choice`].
    fn as_choice(&self) -> Option<crate::display::ChoiceState>;

    /// See [`DbValue::is_none_value`].
    fn is_none_value(&self) -> bool;

    /// See [`DbValue::as_integer`].
    fn as_integer(&self) -> Option<i64>;
}

impl<T: DbValue + Send + Sync> Field for T {
    #[inline]
    fn bind(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.to_sql()
    }

    #[inline]
    fn bind_in(&self, zone: Tz) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.to_sql_in(zone)
    }

    fn stored(&self) -> Value {
        self.to_sql().and_then(output_to_value).unwrap_or(Value::Null)
    }

    fn stored_in(&self, zone: Option<Tz>) -> Value {
        crate::value::try_to_value_in(self, zone).unwrap_or(Value::Null)
    }

    fn set_stored(&mut self, value: Value) -> Result<()> {
        *self = from_value(value)?;
        Ok(())
    }

    #[inline]
    fn is_null(&self) -> bool {
        matches!(self.to_sql(), Ok(ToSqlOutput::Borrowed(ValueRef::Null)) | Ok(ToSqlOutput::Owned(Value::Null)))
    }

    fn nullable(&self) -> bool {
        T::nullable()
    }

    fn set_now(&mut self, now: &Now) {
        if let Some(value) = T::from_now(now) {
            *self = value;
        }
    }

    fn is_blank(&self) -> bool {
        DbValue::is_blank(self)
    }

    fn as_text(&self) -> Option<&str> {
        DbValue::as_text(self)
    }

    fn as_choice(&self) -> Option<crate::display::ChoiceState> {
        DbValue::as_choice(self)
    }

    fn is_none_value(&self) -> bool {
        DbValue::is_none_value(self)
    }

    fn as_integer(&self) -> Option<i64> {
        DbValue::as_integer(self)
    }
}

/// A result row being read into a new instance, field by field in struct
/// order: generated `from_row` calls [`Row::next`] once per field.
pub struct Row<'a, 'r> {
    row: crate::backend::DbRow<'a>,
    /// The second lifetime generated code names (`Row<'_, '_>`), kept
    /// when the row became backend-neutral.
    _rows: std::marker::PhantomData<&'a rusqlite::Row<'r>>,
    index: usize,
    /// The zone stored datetimes are wall-clock time in (`None`: UTC).
    zone: Option<Tz>,
}

impl<'a, 'r> Row<'a, 'r> {
    pub(crate) fn new(row: crate::backend::DbRow<'a>, offset: usize, zone: Option<Tz>) -> Self {
        Row { row, _rows: std::marker::PhantomData, index: offset, zone }
    }

    /// How many fields were read (the field a failed read stopped at).
    pub(crate) fn fields_read(&self, offset: usize) -> usize {
        self.index - offset
    }

    /// The next column as a `T`.
    // Always inlined into the generated `from_row`: a call per column was
    // the largest part of what get() adds to hand-written code (callgrind,
    // docs/performance.md, reads round 3).
    #[inline(always)]
    #[allow(clippy::should_implement_trait)]
    pub fn next<T: DbValue>(&mut self) -> Result<T> {
        let value = match self.zone {
            None => read(self.row, self.index)?,
            Some(zone) => read_in(self.row, self.index, zone)?,
        };
        self.index += 1;
        Ok(value)
    }

    /// The next column as a decimal of a DecimalField with `decimal_places`:
    /// quantized as Django's `from_db_value` does.
    #[inline]
    pub fn decimal<T: DecimalColumn>(&mut self, decimal_places: u32) -> Result<T> {
        let value = crate::value::read_decimal_column(self.row, self.index, decimal_places)?;
        self.index += 1;
        Ok(value)
    }
}
