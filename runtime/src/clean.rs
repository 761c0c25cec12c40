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

/// Whether a value is one of Django's `empty_values` for the field.
pub trait Emptiness {
    fn is_empty_value(&self) -> bool;
}

impl Emptiness for &str {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}

impl Emptiness for i64 {
    fn is_empty_value(&self) -> bool {
        false
    }
}

/// `MaxLengthValidator`: counts characters, as Python's `len()` does.
pub fn max_length(errors: &mut ValidationErrors, field: &str, value: Option<&str>, limit: u32) {
    if let Some(value) = value {
        let length = value.chars().count();
        if length > limit as usize {
            errors.add(field, format!("Ensure this value has at most {limit} characters (it has {length})."));
        }
    }
}

/// `Field.validate` for a field with choices: an empty value is a blank
/// error unless `blank`; any other value outside the choices is invalid.
pub fn choice<V: PyRepr + Emptiness>(errors: &mut ValidationErrors, field: &str, known: bool, value: &V, blank: bool) {
    if value.is_empty_value() {
        if !blank {
            errors.add(field, "This field cannot be blank.");
        }
    } else if !known {
        errors.add(field, format!("Value {} is not a valid choice.", value.py_repr()));
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
