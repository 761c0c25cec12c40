//! Django's `full_clean()` field checks, with Django's messages.

pub use crate::display::{ChoiceState, PyRepr};
use crate::error::ValidationErrors;
use crate::model::Model;

/// Django's `full_clean` field checks of one instance, from its metadata:
/// for every editable field of the inheritance chain (root table first, as
/// the struct orders them), the null check (a JSON `null` in a JSONField
/// that is not `null`), the choice check, the blank check and
/// `MaxLengthValidator`, and the Positive* fields' `MinValueValidator(0)`
/// (with or without choices), every field's errors at once. As in
/// Django's `Field.clean`, the validators run only on a value that passed
/// the null, choice and blank checks.
pub fn full_clean<M: Model>(instance: &M) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    for (index, column) in M::meta().fields().iter().enumerate() {
        let Some(value) = instance.field(index) else { continue };
        // Django skips a field the database will fill (`DatabaseDefault`).
        if column.db_default.is_some() && value.stored() == rusqlite::types::Value::Null {
            continue;
        }
        let rule = &column.clean;
        // Model.clean_fields skips the empty value of a blank field; then
        // Field.validate refuses None in a field that is not null.
        let not_blank = rule.check_blank || (rule.choices && !rule.blank);
        if not_blank && !column.null && value.is_none_value() {
            errors.add(column.field, "This field cannot be null.");
            continue;
        }
        // Field.clean runs the validators (max_length, the minimum) only
        // when Field.validate passed: a value that is not a choice gets
        // the choice error alone.
        let invalid = if rule.choices {
            match value.as_choice() {
                Some(choice) if choice.empty && !rule.blank => Some("This field cannot be blank.".to_owned()),
                Some(choice) if !choice.empty && !choice.known => {
                    Some(format!("Value {} is not a valid choice.", choice.repr))
                }
                _ => None,
            }
        } else if rule.check_blank && value.is_blank() {
            Some("This field cannot be blank.".to_owned())
        } else {
            None
        };
        if let Some(message) = invalid {
            errors.add(column.field, message);
            continue;
        }
        if let (Some(limit), Some(text)) = (rule.max_length, value.as_text()) {
            let length = text.chars().count();
            if length > limit as usize {
                errors.add(column.field, format!("Ensure this value has at most {limit} characters (it has {length})."));
            }
        }
        if let (Some(limit), Some(n)) = (rule.min_value, value.as_integer()) {
            if n < limit {
                errors.add(column.field, format!("Ensure this value is greater than or equal to {limit}."));
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
