//! Field choices: a generated enum per field with `choices`, whose
//! behaviour (stored value, label, loading, `full_clean`, `Display`-like
//! printing) lives here, driven by three parallel tables the generated
//! `impl Choices` declares.

use std::borrow::Cow;

use rusqlite::types::{FromSqlResult, ToSqlOutput, ValueRef};

use crate::display::{ChoiceState, PyRepr, PyStr};
use crate::value::DbValue;

/// The stored type of a choice field: text (`String`) or an integer (`i64`).
pub trait ChoiceValue: DbValue + Clone + PartialEq + std::fmt::Display + Send + Sync + 'static {
    /// How a declared value is written in the generated table.
    type Literal: Copy + Default + PartialEq + Send + Sync + 'static;

    fn from_literal(literal: Self::Literal) -> Self;
    fn matches(&self, literal: &Self::Literal) -> bool;
    /// `""` for text choices; integers are never empty.
    fn is_empty_value(&self) -> bool;
    /// Python's `repr()`, for "Value 'x' is not a valid choice."
    fn repr(&self) -> String;
    /// A declared literal bound without allocating.
    fn literal_sql(literal: &'static Self::Literal) -> ToSqlOutput<'static>;
    /// Whether a stored value, as SQLite hands it back, is `literal`
    /// exactly (same storage class), so a declared choice is recognized
    /// without building the value first.
    fn stored_is(value: ValueRef<'_>, literal: &Self::Literal) -> bool;
}

impl ChoiceValue for String {
    type Literal = &'static str;

    #[inline]
    fn stored_is(value: ValueRef<'_>, literal: &&'static str) -> bool {
        matches!(value, ValueRef::Text(bytes) if bytes == literal.as_bytes())
    }

    fn from_literal(literal: &'static str) -> Self {
        literal.to_owned()
    }

    fn matches(&self, literal: &&'static str) -> bool {
        self == literal
    }

    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }

    fn repr(&self) -> String {
        self.as_str().py_repr()
    }

    fn literal_sql(literal: &'static &'static str) -> ToSqlOutput<'static> {
        ToSqlOutput::Borrowed(ValueRef::Text(literal.as_bytes()))
    }
}

impl ChoiceValue for i64 {
    type Literal = i64;

    #[inline]
    fn stored_is(value: ValueRef<'_>, literal: &i64) -> bool {
        matches!(value, ValueRef::Integer(i) if i == *literal)
    }

    fn from_literal(literal: i64) -> Self {
        literal
    }

    fn matches(&self, literal: &i64) -> bool {
        self == literal
    }

    fn is_empty_value(&self) -> bool {
        false
    }

    fn repr(&self) -> String {
        self.py_repr()
    }

    fn literal_sql(literal: &'static i64) -> ToSqlOutput<'static> {
        ToSqlOutput::Borrowed(ValueRef::Integer(*literal))
    }
}

/// Implemented by every generated choice enum: one unit variant per
/// declared choice plus `Other(value)` for a stored value outside them
/// (which loads, displays its raw value, and fails `full_clean`, as in
/// Django).
pub trait Choices: Sized + Clone + PartialEq + Send + Sync + 'static {
    type Value: ChoiceValue;

    /// Every declared choice, in schema order.
    const CHOICES: &'static [Self];
    /// The stored value of each of [`Choices::CHOICES`].
    const VALUES: &'static [<Self::Value as ChoiceValue>::Literal];
    /// The label of each of [`Choices::CHOICES`].
    const LABELS: &'static [&'static str];

    /// `Other(value)`.
    fn other(value: Self::Value) -> Self;
    /// The value of `Other(value)`; `None` for a declared choice.
    fn as_other(&self) -> Option<&Self::Value>;

    /// The index into [`Choices::CHOICES`] of a declared choice.
    fn position(&self) -> Option<usize> {
        Self::CHOICES.iter().position(|c| c == self)
    }

    /// The stored value, owned (see [`TextChoice::value`] and
    /// [`IntegerChoice::value`] for the borrowed one).
    fn stored_value(&self) -> Self::Value {
        match (self.as_other(), self.position().and_then(|i| Self::VALUES.get(i))) {
            (Some(value), _) => value.clone(),
            (None, Some(literal)) => Self::Value::from_literal(*literal),
            // A variant missing from the tables (a generator bug) shows as
            // the empty value rather than a panic.
            (None, None) => Self::Value::from_literal(Default::default()),
        }
    }

    /// The human-readable label; the raw value for `Other`.
    fn label(&self) -> Cow<'static, str> {
        match self.position().and_then(|i| Self::LABELS.get(i)) {
            Some(label) => Cow::Borrowed(label),
            None => Cow::Owned(self.stored_value().to_string()),
        }
    }

    /// The choice whose stored value is `value`, else `Other(value)`.
    fn from_value(value: Self::Value) -> Self {
        match Self::VALUES.iter().position(|literal| value.matches(literal)) {
            Some(i) => Self::CHOICES[i].clone(),
            None => Self::other(value),
        }
    }

    /// Whether the value is one of the declared choices.
    fn is_known(&self) -> bool {
        self.as_other().is_none()
    }
}

impl<C: Choices> DbValue for C {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self.as_other() {
            Some(value) => value.to_sql(),
            None => match self.position().and_then(|i| Self::VALUES.get(i)) {
                Some(literal) => Ok(<C::Value as ChoiceValue>::literal_sql(literal)),
                None => Err(rusqlite::Error::ToSqlConversionFailure("choice missing from its table".into())),
            },
        }
    }

    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        // A declared choice, as stored, without allocating its value
        // (about 300 instructions a row for a text choice); anything else
        // is converted as before and becomes a choice or `Other`.
        if let Some(i) = C::VALUES.iter().position(|literal| C::Value::stored_is(value, literal)) {
            if let Some(choice) = C::CHOICES.get(i) {
                return Ok(choice.clone());
            }
        }
        C::Value::from_sql(value).map(C::from_value)
    }

    fn as_choice(&self) -> Option<ChoiceState> {
        let value = self.stored_value();
        Some(ChoiceState { empty: value.is_empty_value(), known: self.is_known(), repr: value.repr() })
    }

    /// The stored integer of an integer choice, so a Positive* field with
    /// choices gets `MinValueValidator(0)` too (Django runs the field's
    /// validators whatever its choices).
    fn as_integer(&self) -> Option<i64> {
        self.stored_value().as_integer()
    }
}

impl<C: Choices> PyStr for C {
    fn py_str(&self) -> String {
        self.stored_value().to_string()
    }
}

/// `value()` of a text choice enum: the stored text, borrowed.
pub trait TextChoice {
    fn value(&self) -> &str;
}

impl<C: Choices<Value = String>> TextChoice for C {
    fn value(&self) -> &str {
        match (self.as_other(), self.position().and_then(|i| Self::VALUES.get(i))) {
            (Some(value), _) => value,
            (None, Some(literal)) => literal,
            (None, None) => "",
        }
    }
}

/// `value()` of an integer choice enum.
pub trait IntegerChoice {
    fn value(&self) -> i64;
}

impl<C: Choices<Value = i64>> IntegerChoice for C {
    fn value(&self) -> i64 {
        self.stored_value()
    }
}

/// `Display` of a choice enum: its stored value, as Django's `str()` of the
/// field shows it. Generated `impl Display` calls this.
pub fn fmt_choice<C: Choices>(choice: &C, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    write!(f, "{}", choice.stored_value())
}
