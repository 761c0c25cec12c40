//! The one place typed IR defaults become text: the Rust expressions and
//! runtime `DefaultValue` literals of the template context (`default_expr`,
//! `default_static`, `now_expr`, a through default's `value`), printed when
//! the context is serialized, and for `copy_plan`; and the argument types
//! and values of generated methods (relations as typed keys).

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::ir::{ChoiceValue, DefaultValue, Field, FieldDefault, JsonValue, SaveNow, Temporal};
use crate::types::Scalar;

/// The Rust expression the constructor uses; empty when it takes the value.
pub fn default_expr(default: &FieldDefault) -> String {
    match default {
        FieldDefault::Required => String::new(),
        FieldDefault::Null | FieldDefault::Unsaved => "None".into(),
        FieldDefault::Value { value, optional: true } => format!("Some({})", value_expr(value)),
        FieldDefault::Value { value, optional: false } => value_expr(value),
    }
}

/// The runtime `DefaultValue` literal SET_DEFAULT writes, when the default
/// is a fixed value.
pub fn default_static(default: &FieldDefault) -> Option<String> {
    match default {
        FieldDefault::Required | FieldDefault::Unsaved => None,
        FieldDefault::Null => Some("DefaultValue::Null".into()),
        FieldDefault::Value { value, .. } => value_static(value),
    }
}

/// An auto_now / auto_now_add field's value from the save's `now`.
pub fn now_expr(now: &SaveNow) -> String {
    let expr = format!("now{}", temporal_suffix(now.kind));
    if now.optional {
        format!("Some({expr})")
    } else {
        expr
    }
}

fn temporal_suffix(kind: Temporal) -> &'static str {
    match kind {
        Temporal::Date => ".date_naive()",
        Temporal::Time => ".time()",
        Temporal::DateTime => "",
    }
}

/// The argument types of `field` (`arg_type`) and of its column constant
/// (`column_type`): a relation's value is its target's typed key
/// (`Key<Blog>`), so two keys of one Rust type cannot be swapped; a
/// `to_field` relation's is the referenced field's raw value.
pub fn signature_types(field: &Field) -> (String, String) {
    let value = match keyed_relation(field) {
        Some(relation) => format!("::modelgen_runtime::Key<{}>", relation.target_path),
        None => field.value_type.clone(),
    };
    let optional = |v: &str| format!("Option<{v}>");
    let column = if field.null { optional(&value) } else { value.clone() };
    let arg = if field.null || field.auto { optional(&value) } else { value };
    (column, arg)
}

/// The relation of `field` when its column holds the target's primary key.
fn keyed_relation(field: &Field) -> Option<&crate::ir::Relation> {
    field.relation.as_ref().filter(|relation| relation.to_key)
}

/// The name of the argument giving `field`'s value: the field's name (a
/// relation's, not its `_id` attname), a raw identifier for a keyword.
pub fn arg_ident(field: &Field) -> String {
    match &field.relation {
        Some(relation) => relation.accessor.clone(),
        None => field.ident.clone(),
    }
}

/// The field's value from the argument `arg` (of type `arg_type`): the
/// argument, or the raw key of a relation's typed key.
pub fn arg_value(field: &Field, arg: &str) -> String {
    match (keyed_relation(field), field.null || field.auto) {
        (None, _) => arg.to_string(),
        (Some(_), false) => format!("{arg}.get()"),
        (Some(_), true) => format!("{arg}.map(::modelgen_runtime::Key::get)"),
    }
}

/// A struct literal's field initializer: `ident` (shorthand) or `ident: expr`.
pub fn initializer(ident: &str, expr: &str) -> String {
    if ident == expr {
        ident.to_string()
    } else {
        format!("{ident}: {expr}")
    }
}

/// A value's Rust expression, without `Some`.
pub fn value_expr(value: &DefaultValue) -> String {
    match value {
        DefaultValue::EmptyText => "String::new()".into(),
        DefaultValue::EmptyBytes => "Vec::new()".into(),
        DefaultValue::EmptyChoice { enum_name } => {
            format!("<{enum_name} as ::modelgen_runtime::Choices>::from_value(String::new())")
        }
        DefaultValue::Now(kind) => format!("::modelgen_runtime::now(){}", temporal_suffix(*kind)),
        DefaultValue::Text(text) => format!("{text:?}.to_string()"),
        DefaultValue::Bytes(text) => format!("{text:?}.as_bytes().to_vec()"),
        DefaultValue::Integer { value, scalar } => format!("{value}{}", scalar.map_or("_i64", Scalar::literal_suffix)),
        DefaultValue::Float(f) => format!("{f:?}_f64"),
        DefaultValue::Decimal(text) => {
            format!("::modelgen_runtime::rust_decimal::Decimal::from_str_exact({text:?}).unwrap_or_default()")
        }
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Date(text) => {
            format!("::modelgen_runtime::chrono::NaiveDate::parse_from_str({text:?}, \"%Y-%m-%d\").unwrap_or_default()")
        }
        DefaultValue::Duration { seconds } => format!("::modelgen_runtime::chrono::TimeDelta::seconds({seconds})"),
        DefaultValue::Uuid4 => "::modelgen_runtime::uuid::Uuid::new_v4()".into(),
        DefaultValue::Uuid(n) => format!("::modelgen_runtime::uuid::Uuid::from_u128(0x{n:032x})"),
        DefaultValue::Json(json) => format!("::modelgen_runtime::serde_json::json!({})", json_text(json)),
        DefaultValue::Choice { enum_name, variant, .. } => format!("{enum_name}::{variant}"),
    }
}

/// A value's runtime `DefaultValue` literal, when it is fixed.
pub fn value_static(value: &DefaultValue) -> Option<String> {
    let text = |t: &str| Some(format!("DefaultValue::Text({t:?})"));
    let integer = |n: i64| Some(format!("DefaultValue::Integer({n})"));
    match value {
        DefaultValue::EmptyText | DefaultValue::EmptyChoice { .. } => text(""),
        DefaultValue::Text(t) | DefaultValue::Decimal(t) | DefaultValue::Date(t) => text(t),
        DefaultValue::Choice { stored: ChoiceValue::Text(t), .. } => text(t),
        DefaultValue::Choice { stored: ChoiceValue::Integer(n), .. } => integer(*n),
        DefaultValue::Integer { value, .. } => integer(*value),
        DefaultValue::Bool(b) => integer(i64::from(*b)),
        DefaultValue::Duration { seconds } => integer(seconds.saturating_mul(1_000_000)),
        DefaultValue::Float(f) => Some(format!("DefaultValue::Real({f:?})")),
        DefaultValue::Uuid(n) => text(&format!("{n:032x}")),
        DefaultValue::EmptyBytes
        | DefaultValue::Now(_)
        | DefaultValue::Bytes(_)
        | DefaultValue::Uuid4
        | DefaultValue::Json(_) => None,
    }
}

/// The JSON text inside `json!(...)`: `{"a": [1, "x"]}`.
pub fn json_text(json: &JsonValue) -> String {
    match json {
        JsonValue::Null => "null".into(),
        JsonValue::Literal(text) => text.clone(),
        JsonValue::String(text) => format!("{text:?}"),
        JsonValue::Array(items) => format!("[{}]", items.iter().map(json_text).collect::<Vec<_>>().join(", ")),
        JsonValue::Object(entries) => format!(
            "{{{}}}",
            entries.iter().map(|(k, v)| format!("{k:?}: {}", json_text(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A field's default in the context: `default_expr` and `default_static`.
impl Serialize for FieldDefault {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("FieldDefault", 2)?;
        state.serialize_field("default_expr", &default_expr(self))?;
        state.serialize_field("default_static", &default_static(self))?;
        state.end()
    }
}

/// `now_expr` in the context.
pub fn serialize_now<S: Serializer>(now: &Option<SaveNow>, serializer: S) -> Result<S::Ok, S::Error> {
    now.as_ref().map(now_expr).serialize(serializer)
}

/// The runtime `Value` a new row of a custom through model gets in one of
/// its other columns, as a Rust expression evaluated at each `add()`:
/// Django builds the through instance from the field defaults (callable
/// ones called, `""` for text without one) and `bulk_create` runs
/// `pre_save`, which sets auto_now and auto_now_add fields to now (`now`:
/// the field's `SaveNow`). `None` for an automatic key.
pub fn through_value_expr(default: &FieldDefault, now: Option<SaveNow>) -> Option<String> {
    let value = |default: &FieldDefault| format!("::modelgen_runtime::to_value(&{})", default_expr(default));
    match (now, default) {
        (Some(now), _) => {
            Some(value(&FieldDefault::Value { value: DefaultValue::Now(now.kind), optional: now.optional }))
        }
        (None, FieldDefault::Unsaved) => None,
        (None, FieldDefault::Null | FieldDefault::Required) => {
            Some("::modelgen_runtime::rusqlite::types::Value::Null".into())
        }
        (None, FieldDefault::Value { .. }) => Some(value(default)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(value: DefaultValue) -> FieldDefault {
        FieldDefault::Value { value, optional: false }
    }

    fn printed(default: FieldDefault) -> (String, Option<String>) {
        (default_expr(&default), default_static(&default))
    }

    fn pair(expr: &str, stat: Option<&str>) -> (String, Option<String>) {
        (expr.to_string(), stat.map(str::to_string))
    }

    #[test]
    fn each_default_kind_prints_its_rust_and_runtime_text() {
        use DefaultValue as D;
        let cases: Vec<(FieldDefault, (String, Option<String>))> = vec![
            (FieldDefault::Required, pair("", None)),
            (FieldDefault::Null, pair("None", Some("DefaultValue::Null"))),
            (FieldDefault::Unsaved, pair("None", None)),
            (value(D::EmptyText), pair("String::new()", Some("DefaultValue::Text(\"\")"))),
            (value(D::EmptyBytes), pair("Vec::new()", None)),
            (
                value(D::EmptyChoice { enum_name: "EntryStatus".into() }),
                pair(
                    "<EntryStatus as ::modelgen_runtime::Choices>::from_value(String::new())",
                    Some("DefaultValue::Text(\"\")"),
                ),
            ),
            (value(D::Now(Temporal::Date)), pair("::modelgen_runtime::now().date_naive()", None)),
            (value(D::Now(Temporal::Time)), pair("::modelgen_runtime::now().time()", None)),
            (value(D::Now(Temporal::DateTime)), pair("::modelgen_runtime::now()", None)),
            (
                value(D::Text("say \"hi\"".into())),
                pair("\"say \\\"hi\\\"\".to_string()", Some("DefaultValue::Text(\"say \\\"hi\\\"\")")),
            ),
            (value(D::Bytes("ab".into())), pair("\"ab\".as_bytes().to_vec()", None)),
            (
                value(D::Integer { value: -7, scalar: Some(Scalar::I16) }),
                pair("-7_i16", Some("DefaultValue::Integer(-7)")),
            ),
            (value(D::Integer { value: 5, scalar: None }), pair("5_i64", Some("DefaultValue::Integer(5)"))),
            (value(D::Float(2.0)), pair("2.0_f64", Some("DefaultValue::Real(2.0)"))),
            (
                value(D::Decimal("9.90".into())),
                pair(
                    "::modelgen_runtime::rust_decimal::Decimal::from_str_exact(\"9.90\").unwrap_or_default()",
                    Some("DefaultValue::Text(\"9.90\")"),
                ),
            ),
            (value(D::Bool(true)), pair("true", Some("DefaultValue::Integer(1)"))),
            (value(D::Bool(false)), pair("false", Some("DefaultValue::Integer(0)"))),
            (
                value(D::Date("2024-02-29".into())),
                pair(
                    "::modelgen_runtime::chrono::NaiveDate::parse_from_str(\"2024-02-29\", \"%Y-%m-%d\").unwrap_or_default()",
                    Some("DefaultValue::Text(\"2024-02-29\")"),
                ),
            ),
            (
                value(D::Duration { seconds: 90 }),
                pair("::modelgen_runtime::chrono::TimeDelta::seconds(90)", Some("DefaultValue::Integer(90000000)")),
            ),
            (value(D::Uuid4), pair("::modelgen_runtime::uuid::Uuid::new_v4()", None)),
            (
                value(D::Uuid(0x0f8fad5b_d9cb_469f_a165_70867728950e)),
                pair(
                    "::modelgen_runtime::uuid::Uuid::from_u128(0x0f8fad5bd9cb469fa16570867728950e)",
                    Some("DefaultValue::Text(\"0f8fad5bd9cb469fa16570867728950e\")"),
                ),
            ),
            (
                value(D::Json(JsonValue::Object(vec![
                    ("a".into(), JsonValue::Array(vec![JsonValue::Literal("1.50".into()), JsonValue::String("x".into())])),
                    ("b".into(), JsonValue::Null),
                ]))),
                pair("::modelgen_runtime::serde_json::json!({\"a\": [1.50, \"x\"], \"b\": null})", None),
            ),
            (
                value(D::Choice {
                    enum_name: "EntryStatus".into(),
                    variant: "Draft".into(),
                    stored: ChoiceValue::Text("d".into()),
                }),
                pair("EntryStatus::Draft", Some("DefaultValue::Text(\"d\")")),
            ),
            (
                value(D::Choice { enum_name: "L".into(), variant: "High".into(), stored: ChoiceValue::Integer(3) }),
                pair("L::High", Some("DefaultValue::Integer(3)")),
            ),
            (
                FieldDefault::Value { value: D::Text("x".into()), optional: true },
                pair("Some(\"x\".to_string())", Some("DefaultValue::Text(\"x\")")),
            ),
        ];
        for (default, expected) in cases {
            assert_eq!(printed(default.clone()), expected, "{default:?}");
            // The static form exists exactly for the values `is_computed` calls fixed.
            assert_eq!(default.is_computed(), matches!(default, FieldDefault::Value { .. }) && expected.1.is_none());
        }
    }

    #[test]
    fn a_through_row_value_is_computed_at_each_add() {
        let now = SaveNow { kind: Temporal::DateTime, optional: false };
        let through = |default: FieldDefault, now| through_value_expr(&default, now);
        assert_eq!(
            through(FieldDefault::Value { value: DefaultValue::Now(Temporal::DateTime), optional: false }, Some(now)),
            Some("::modelgen_runtime::to_value(&::modelgen_runtime::now())".into()),
            "auto_now_add: now, as bulk_create's pre_save sets it"
        );
        assert_eq!(
            through(FieldDefault::Null, Some(SaveNow { kind: Temporal::Date, optional: true })),
            Some("::modelgen_runtime::to_value(&Some(::modelgen_runtime::now().date_naive()))".into()),
            "a nullable auto_now date is set too"
        );
        assert_eq!(
            through(FieldDefault::Value { value: DefaultValue::Uuid4, optional: false }, None),
            Some("::modelgen_runtime::to_value(&::modelgen_runtime::uuid::Uuid::new_v4())".into())
        );
        assert_eq!(
            through(FieldDefault::Required, None),
            Some("::modelgen_runtime::rusqlite::types::Value::Null".into())
        );
        assert_eq!(through(FieldDefault::Unsaved, None), None);
    }

    #[test]
    fn save_now_prints_from_the_save_argument() {
        let now = |kind, optional| now_expr(&SaveNow { kind, optional });
        assert_eq!(now(Temporal::DateTime, false), "now");
        assert_eq!(now(Temporal::Date, false), "now.date_naive()");
        assert_eq!(now(Temporal::Time, true), "Some(now.time())");
    }

    #[test]
    fn the_context_holds_the_printed_keys() {
        #[derive(Serialize)]
        struct F {
            #[serde(flatten)]
            default: FieldDefault,
            #[serde(serialize_with = "serialize_now")]
            now_expr: Option<SaveNow>,
        }
        let f = F {
            default: FieldDefault::Value { value: DefaultValue::Bool(true), optional: true },
            now_expr: Some(SaveNow { kind: Temporal::Date, optional: false }),
        };
        assert_eq!(
            serde_json::to_value(&f).expect("serializes"),
            serde_json::json!({"default_expr": "Some(true)", "default_static": "DefaultValue::Integer(1)", "now_expr": "now.date_naive()"})
        );
    }
}
