//! Helpers for generated `full_clean()`, with Django's messages.

use crate::error::ValidationErrors;

/// Python's `repr()` of a choice value, for "Value 'x' is not a valid choice."
pub trait PyRepr {
    fn py_repr(&self) -> String;
}

impl PyRepr for &str {
    fn py_repr(&self) -> String {
        let quote = if self.contains('\'') && !self.contains('"') { '"' } else { '\'' };
        let mut out = String::new();
        out.push(quote);
        for c in self.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c == quote => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push(quote);
        out
    }
}

impl PyRepr for i64 {
    fn py_repr(&self) -> String {
        self.to_string()
    }
}

/// Whether a value is in Django's `Field.empty_values` (`None`, `""`, `[]`,
/// `()`, `{}`): such a value fails `full_clean` unless the field is `blank`.
pub trait Blank {
    fn is_blank(&self) -> bool;
}

impl Blank for String {
    fn is_blank(&self) -> bool {
        self.is_empty()
    }
}

impl Blank for serde_json::Value {
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
}

impl<T: Blank> Blank for Option<T> {
    fn is_blank(&self) -> bool {
        self.as_ref().is_none_or(Blank::is_blank)
    }
}

/// Values that are never empty: numbers, booleans, dates, UUIDs, and bytes
/// (`b""` is not in `empty_values`).
macro_rules! never_blank {
    ($($t:ty),*) => {$(
        impl Blank for $t {
            fn is_blank(&self) -> bool {
                false
            }
        }
    )*};
}
never_blank!(
    i16,
    i32,
    i64,
    u16,
    u32,
    f64,
    bool,
    Vec<u8>,
    rust_decimal::Decimal,
    uuid::Uuid,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::TimeDelta,
    chrono::DateTime<chrono::Utc>
);

/// `MaxLengthValidator`: counts characters, as Python's `len()` does.
pub fn max_length(errors: &mut ValidationErrors, field: &str, value: Option<&str>, limit: u32) {
    if let Some(value) = value {
        let length = value.chars().count();
        if length > limit as usize {
            errors.add(field, format!("Ensure this value has at most {limit} characters (it has {length})."));
        }
    }
}

/// The blank check of `Field.validate`.
pub fn blank<T: Blank>(errors: &mut ValidationErrors, field: &str, value: &T) {
    if value.is_blank() {
        errors.add(field, "This field cannot be blank.");
    }
}

/// A generated choice enum, or an optional one.
pub trait Choice {
    /// Whether the value is empty (`None`, or `""` for text choices).
    fn is_empty_choice(&self) -> bool;
    /// Whether the value is one of the declared choices.
    fn is_known_choice(&self) -> bool;
    /// Python's `repr()` of the stored value.
    fn choice_repr(&self) -> String;
}

impl<T: Choice> Choice for Option<T> {
    fn is_empty_choice(&self) -> bool {
        self.as_ref().is_none_or(Choice::is_empty_choice)
    }

    fn is_known_choice(&self) -> bool {
        self.as_ref().is_some_and(Choice::is_known_choice)
    }

    fn choice_repr(&self) -> String {
        self.as_ref().map_or_else(|| "None".into(), Choice::choice_repr)
    }
}

/// `Field.validate` for a field with choices: an empty value is a blank
/// error unless `blank`; any other value outside the choices is invalid.
pub fn choice<T: Choice>(errors: &mut ValidationErrors, field: &str, value: &T, blank: bool) {
    if value.is_empty_choice() {
        if !blank {
            errors.add(field, "This field cannot be blank.");
        }
    } else if !value.is_known_choice() {
        errors.add(field, format!("Value {} is not a valid choice.", value.choice_repr()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!("x".py_repr(), "'x'");
        assert_eq!("it's".py_repr(), "\"it's\"");
        assert_eq!(5_i64.py_repr(), "5");
    }
}
