//! Defaults: a field's `default` checked against its type and turned into
//! the constructor's value and the static value SET_DEFAULT writes.

use super::*;
use crate::ir::{ChoiceValue, DefaultValue, FieldDefault, JsonValue, Temporal};

impl<'a> Resolver<'a> {
    /// The constructor expression for a field and its static form for
    /// SET_DEFAULT, or an empty expression when the constructor must take it.
    pub(super) fn default_for(
        &mut self,
        file: &str,
        def: &FieldDef,
        ty: &FieldType,
        value_type: &RustType,
        choices: Option<&ChoiceEnum>,
        null: bool,
    ) -> Option<FieldDefault> {
        let auto_now = FieldDef::flag(&def.auto_now) || FieldDef::flag(&def.auto_now_add);
        let Some(node) = &def.default else {
            if ty.kind == Kind::Auto || null {
                return Some(FieldDefault::Null);
            }
            if auto_now {
                return Some(fixed(DefaultValue::Now(temporal(ty.kind)), false));
            }
            if ty.empty_string {
                return Some(fixed(
                    match (choices, ty.kind) {
                        (Some(e), _) => DefaultValue::EmptyChoice { enum_name: e.name.clone() },
                        (None, Kind::Binary) => DefaultValue::EmptyBytes,
                        _ => DefaultValue::EmptyText,
                    },
                    false,
                ));
            }
            // Django's empty value is None: the constructor takes the value.
            return Some(FieldDefault::Required);
        };
        if node.is_null() {
            if null {
                return Some(FieldDefault::Null);
            }
            self.err_help(
                file,
                node.pos(),
                format!("default `null` for `{}`, which is not nullable", def.name.value),
                Some("add `null: true`, or give a value".into()),
            );
            return None;
        }
        let Node::Scalar { value, plain, pos, .. } = node else {
            if ty.kind == Kind::Json {
                return Some(fixed(DefaultValue::Json(node_to_json(node)), null));
            }
            self.err_help(
                file,
                node.pos(),
                format!("default for `{}` must be a single value, found {}", def.name.value, node.kind_name()),
                Some("only a JSONField takes a list or mapping as its default".into()),
            );
            return None;
        };
        let (value, plain, pos) = (value.as_str(), *plain, *pos);
        // A ForeignKey's default is a primary key of its target.
        let text_key =
            matches!(ty.kind, Kind::ForeignKey | Kind::OneToOne) && value_type.scalar() == Some(Scalar::String);
        let wrong = |this: &mut Self, expected: &str| {
            let number_like = value.parse::<f64>().is_ok() || value == "true" || value == "false";
            let help = match ty.kind {
                Kind::Text => Some(format!("quote it: '{value}'")),
                _ if !plain && number_like => Some(format!("remove the quotes: `{value}`")),
                Kind::ForeignKey | Kind::OneToOne if value_type.scalar() == Some(Scalar::Uuid) => {
                    Some("write the target's key, e.g. `default: 0f8fad5b-d9cb-469f-a165-70867728950e`".into())
                }
                Kind::Integer | Kind::ForeignKey | Kind::OneToOne | Kind::Auto => {
                    Some("write a whole number, e.g. `default: 0`".into())
                }
                Kind::Float => Some("write a number, e.g. `default: 0.5`".into()),
                Kind::Decimal => Some("write a decimal number, e.g. `default: 9.99`".into()),
                Kind::Boolean => Some("write `default: true` or `default: false`".into()),
                Kind::Date => Some("write e.g. `default: 2024-01-31`, or `default: today`".into()),
                Kind::DateTime => {
                    Some("a fixed datetime default is not supported; use `now`, or `auto_now_add: true`".into())
                }
                Kind::Time => Some("a fixed time default is not supported; use `now`".into()),
                Kind::Duration => Some("write a whole number of seconds, e.g. `default: 3600`".into()),
                Kind::Uuid => Some("`uuid4` gives each row a new random UUID".into()),
                _ => None,
            };
            this.err_help(
                file,
                pos,
                format!(
                    "default `{value}` is not {expected}, but `{}` is {} {}",
                    def.name.value,
                    article(ty.name),
                    ty.name
                ),
                help,
            );
            None
        };
        if let Some(choice_enum) = choices {
            let literal = if choice_enum.is_text { format!("{value:?}") } else { value.to_string() };
            return match choice_enum.variants.iter().find(|v| v.literal == literal) {
                Some(variant) => {
                    let stored = match value.parse::<i64>() {
                        Ok(n) if !choice_enum.is_text => ChoiceValue::Integer(n),
                        _ => ChoiceValue::Text(value.to_string()),
                    };
                    let value = DefaultValue::Choice {
                        enum_name: choice_enum.name.clone(),
                        variant: variant.ident.clone(),
                        stored,
                    };
                    Some(fixed(value, null))
                }
                None => {
                    let values: Vec<&str> = choice_enum.variants.iter().map(|v| v.literal.trim_matches('"')).collect();
                    let help = did_you_mean(value, values.iter().copied())
                        .unwrap_or_else(|| format!("one of: {}", values.join(", ")));
                    self.err_help(
                        file,
                        pos,
                        format!("default `{value}` is not one of the choices of `{}`", def.name.value),
                        Some(help),
                    );
                    None
                }
            };
        }
        let looks_non_string = plain && (value.parse::<f64>().is_ok() || value == "true" || value == "false");
        let value = match ty.kind {
            Kind::Text if looks_non_string => return wrong(self, "a string"),
            Kind::Text => {
                let max_length = def.max_length.as_ref().map(|m| m.value).or(ty.default_max_length).filter(|_| ty.takes_max_length());
                if let Some(max_length) = max_length.filter(|m| value.chars().count() > *m as usize) {
                    self.err_help(
                        file,
                        pos,
                        format!("default `{value}` is longer than `max_length` {max_length} of `{}`", def.name.value),
                        Some(format!("shorten the default, or raise `max_length` to at least {}", value.chars().count())),
                    );
                    return None;
                }
                DefaultValue::Text(value.to_string())
            }
            // A ForeignKey's default is a key of its target: text for a text pk.
            Kind::ForeignKey | Kind::OneToOne if text_key => DefaultValue::Text(value.to_string()),
            Kind::Binary => DefaultValue::Bytes(value.to_string()),
            Kind::ForeignKey | Kind::OneToOne if value_type.scalar() == Some(Scalar::Uuid) => {
                match uuid_hex(value).and_then(|hex| u128::from_str_radix(&hex, 16).ok()) {
                    Some(n) => DefaultValue::Uuid(n),
                    None => return wrong(self, "a UUID"),
                }
            }
            Kind::Integer | Kind::ForeignKey | Kind::OneToOne | Kind::Auto => {
                let Ok(n) = value.parse::<i64>() else { return wrong(self, "an integer") };
                if !plain {
                    return wrong(self, "an integer");
                }
                // Django's portable range of the field type (what other
                // databases hold); the Rust type is an i64 either way.
                let range = integer_range(ty).or_else(|| value_type.scalar().and_then(Scalar::integer_range));
                let in_range = range.as_ref().is_none_or(|r| r.contains(&n));
                if !in_range {
                    let help = range.map(|r| format!("{} holds {} to {}", ty.name, r.start(), r.end()));
                    self.err_help(file, pos, format!("default {n} is out of range for {}", ty.name), help);
                    return None;
                }
                DefaultValue::Integer { value: n, scalar: value_type.scalar() }
            }
            Kind::Float => {
                let Ok(f) = value.parse::<f64>() else { return wrong(self, "a number") };
                if !plain {
                    return wrong(self, "a number");
                }
                DefaultValue::Float(f)
            }
            Kind::Decimal => {
                if value.parse::<f64>().is_err() || !value.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) {
                    return wrong(self, "a decimal number");
                }
                if let (Some(digits), Some(places)) = (&def.max_digits, &def.decimal_places) {
                    let unsigned = value.trim_start_matches(['-', '+']);
                    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
                    let whole_digits = whole.trim_start_matches('0').len() as u32;
                    let fraction_digits = fraction.trim_end_matches('0').len() as u32;
                    let whole_allowed = digits.value.saturating_sub(places.value);
                    if fraction_digits > places.value || whole_digits > whole_allowed {
                        self.err_help(
                            file,
                            pos,
                            format!(
                                "default `{value}` does not fit `max_digits: {}, decimal_places: {}` of `{}`",
                                digits.value, places.value, def.name.value
                            ),
                            Some(format!(
                                "at most {whole_allowed} digit(s) before the point and {} after it",
                                places.value
                            )),
                        );
                        return None;
                    }
                }
                DefaultValue::Decimal(value.to_string())
            }
            Kind::Boolean => match (value, plain) {
                ("true", true) => DefaultValue::Bool(true),
                ("false", true) => DefaultValue::Bool(false),
                _ => return wrong(self, "`true` or `false`"),
            },
            Kind::Date => match value {
                "today" | "now" => DefaultValue::Now(Temporal::Date),
                _ if is_date(value) => DefaultValue::Date(value.to_string()),
                _ => return wrong(self, "a valid date (`YYYY-MM-DD` or `today`)"),
            },
            Kind::DateTime => match value {
                "now" => DefaultValue::Now(Temporal::DateTime),
                _ => return wrong(self, "`now`"),
            },
            Kind::Time => match value {
                "now" => DefaultValue::Now(Temporal::Time),
                _ => return wrong(self, "`now`"),
            },
            Kind::Duration => {
                let Ok(seconds) = value.parse::<i64>() else { return wrong(self, "a whole number of seconds") };
                DefaultValue::Duration { seconds }
            }
            Kind::Uuid => match value {
                "uuid4" => DefaultValue::Uuid4,
                _ => return wrong(self, "`uuid4`"),
            },
            Kind::Json => DefaultValue::Json(node_to_json(node)),
            Kind::ManyToMany => return None,
        };
        Some(fixed(value, null))
    }
}

/// A default value, `Some` when the field is nullable.
fn fixed(value: DefaultValue, optional: bool) -> FieldDefault {
    FieldDefault::Value { value, optional }
}

/// The part of the current time a date/time field type keeps.
pub(super) fn temporal(kind: Kind) -> Temporal {
    match kind {
        Kind::Date => Temporal::Date,
        Kind::Time => Temporal::Time,
        _ => Temporal::DateTime,
    }
}

/// The values an integer field type holds (Django's ranges for the sized
/// and positive types), or `None` for one that takes any `i64`.
pub(super) fn integer_range(ty: &FieldType) -> Option<std::ops::RangeInclusive<i64>> {
    match ty.name {
        "SmallIntegerField" => Some(i64::from(i16::MIN)..=i64::from(i16::MAX)),
        "IntegerField" => Some(i64::from(i32::MIN)..=i64::from(i32::MAX)),
        "PositiveSmallIntegerField" => Some(0..=i64::from(u16::MAX)),
        "PositiveIntegerField" => Some(0..=i64::from(u32::MAX)),
        "PositiveBigIntegerField" => Some(0..=i64::MAX),
        _ => None,
    }
}

/// The 32 lowercase hex digits of a UUID written with or without dashes.
pub(super) fn uuid_hex(value: &str) -> Option<String> {
    let hex: String = value.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

/// `YYYY-MM-DD` naming a real calendar day.
pub(super) fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    if !(parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())))
    {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (parts[0].parse::<u32>(), parts[1].parse::<u32>(), parts[2].parse::<u32>())
    else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1 && (1..=days_in_month).contains(&day)
}

/// A JSONField's default as written: numbers and key order kept.
pub(super) fn node_to_json(node: &Node) -> JsonValue {
    match node {
        Node::Scalar { value, plain, .. } => {
            if *plain && (node.is_null()) {
                JsonValue::Null
            } else if *plain && (value == "true" || value == "false" || value.parse::<f64>().is_ok()) {
                JsonValue::Literal(value.clone())
            } else {
                JsonValue::String(value.clone())
            }
        }
        Node::Seq { items, .. } => JsonValue::Array(items.iter().map(node_to_json).collect()),
        Node::Map { entries, .. } => JsonValue::Object(
            entries.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), node_to_json(v))).collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::print;
    use super::{is_date, uuid_hex};

    #[test]
    fn typed_defaults_and_their_static_form() {
        let project = project(
            "  M:\n    fields:\n      n: {type: SmallIntegerField, default: 7}\n      f: {type: FloatField, default: 0.5}\n      b: {type: BooleanField, default: true}\n      d: {type: DateField, default: 2024-02-29}\n      s: {type: CharField, max_length: 5, default: hi, null: true}\n      u: {type: UUIDField, default: uuid4}\n      j: {type: JSONField, default: {a: [1, x]}}\n      t: {type: TextField}\n",
        );
        let m = model(&project, "M");
        let get = |name: &str| {
            let f = field(m, name);
            (print::default_expr(&f.default), print::default_static(&f.default))
        };
        assert_eq!(get("n"), ("7_i64".into(), Some("DefaultValue::Integer(7)".into())));
        assert_eq!(get("f"), ("0.5_f64".into(), Some("DefaultValue::Real(0.5)".into())));
        assert_eq!(get("b"), ("true".into(), Some("DefaultValue::Integer(1)".into())));
        assert_eq!(get("s"), ("Some(\"hi\".to_string())".into(), Some("DefaultValue::Text(\"hi\")".into())));
        assert_eq!(get("u"), ("::modelgen_runtime::uuid::Uuid::new_v4()".into(), None));
        assert_eq!(get("j").0, "::modelgen_runtime::serde_json::json!({\"a\": [1, \"x\"]})");
        assert_eq!(get("t"), ("String::new()".into(), Some("DefaultValue::Text(\"\")".into())));
        assert!(get("d").0.contains("NaiveDate::parse_from_str(\"2024-02-29\""));
    }

    #[test]
    fn defaults_that_do_not_fit_their_field() {
        let errors = errors(
            "  M:\n    fields:\n      n: {type: SmallIntegerField, default: 40000}\n      p: {type: DecimalField, max_digits: 3, decimal_places: 1, default: '123.4'}\n      d: {type: DateField, default: 2023-02-29}\n      s: {type: CharField, max_length: 2, default: long}\n      q: {type: IntegerField, default: '5'}\n      z: {type: IntegerField, default: null}\n",
        );
        assert_has_errors(
            &errors,
            &[
                "default 40000 is out of range for SmallIntegerField",
                "does not fit `max_digits: 3, decimal_places: 1`",
                "is not a valid date",
                "is longer than `max_length` 2",
                "help: remove the quotes: `5`",
                "default `null` for `z`, which is not nullable",
            ],
        );
    }

    #[test]
    fn date_and_uuid_syntax() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-1-01"));
        assert_eq!(
            uuid_hex("0F8FAD5B-D9CB-469F-A165-70867728950E").as_deref(),
            Some("0f8fad5bd9cb469fa16570867728950e")
        );
        assert_eq!(uuid_hex("xyz"), None);
    }
}
