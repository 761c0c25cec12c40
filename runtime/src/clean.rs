//! Django's `full_clean()` field checks, with Django's messages.

use crate::error::ValidationErrors;
use crate::model::Model;

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

/// What `full_clean`'s choice check needs of a value with choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceState {
    /// `None`, or `""` for text choices: the blank check applies instead.
    pub empty: bool,
    /// One of the declared choices.
    pub known: bool,
    /// Python's `repr()` of the stored value, for the message.
    pub repr: String,
}

/// Django's `full_clean` field checks of one instance, from its metadata:
/// for every editable field of the inheritance chain (root table first, as
/// the struct orders them), the choice check, the blank check and
/// `MaxLengthValidator`, every field's errors at once.
pub fn full_clean<M: Model>(instance: &M) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    for (index, column) in M::meta().fields().iter().enumerate() {
        let Some(value) = instance.field(index) else { continue };
        let rule = &column.clean;
        if rule.choices {
            if let Some(choice) = value.as_choice() {
                if choice.empty {
                    if !rule.blank {
                        errors.add(column.field, "This field cannot be blank.");
                    }
                } else if !choice.known {
                    errors.add(column.field, format!("Value {} is not a valid choice.", choice.repr));
                }
            }
        } else if rule.check_blank && value.is_blank() {
            errors.add(column.field, "This field cannot be blank.");
        }
        if let (Some(limit), Some(text)) = (rule.max_length, value.as_text()) {
            let length = text.chars().count();
            if length > limit as usize {
                errors.add(column.field, format!("Ensure this value has at most {limit} characters (it has {length})."));
            }
        }
    }
    errors.into_result()
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
