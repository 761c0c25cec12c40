//! `db_default`: a database-side DEFAULT, as Django 5's SQLite schema
//! editor writes it, for a literal or `Now()`.

use super::constraints::{describe_node, expected, literal, literal_of, Literal};
use super::*;

/// Django's `Now()` on SQLite (`django.db.models.functions.Now.as_sqlite`).
const NOW_SQL: &str = "(STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))";

impl<'a> Resolver<'a> {
    /// The DEFAULT expression of `field` (built from `def`), or `None` when
    /// it has no `db_default` or the `db_default` has an error (reported).
    pub(super) fn db_default_sql(
        &mut self,
        file: &str,
        def: &FieldDef,
        ty: &FieldType,
        field: &Field,
    ) -> Option<String> {
        let node = def.db_default.as_ref()?;
        let name = &def.name.value;
        let refuse = |this: &mut Self, message: String, help: &str| {
            this.err_help(file, node.pos(), message, Some(help.to_string()));
            None
        };
        if ty.kind == Kind::Auto || field.primary_key {
            return refuse(
                self,
                format!("`db_default` on the primary key `{name}` is not supported"),
                "give the key a `default` (e.g. `default: uuid4` on a UUIDField), or let it be automatic",
            );
        }
        if field.relation.is_some() {
            return refuse(
                self,
                format!("`db_default` on the {} `{name}` is not supported", ty.name),
                "use `default` to give new rows a target",
            );
        }
        if field.null && def.default.is_none() {
            return refuse(
                self,
                format!("`db_default` on the nullable `{name}` needs a `default` too"),
                "modelgen's `None` means NULL on a nullable field, so it cannot also mean \"let the database fill it\"; add `default:`, or drop `null: true`",
            );
        }
        if let Node::Scalar { value, plain: true, .. } = node {
            if value == "Now()" {
                if ty.kind != Kind::DateTime {
                    return refuse(
                        self,
                        format!("`db_default: Now()` on the {} `{name}`", ty.name),
                        "Now() is a timestamp; use it on a DateTimeField, or give a literal value",
                    );
                }
                return Some(NOW_SQL.to_string());
            }
            if value.ends_with(')') && value.contains('(') {
                return refuse(
                    self,
                    format!("unsupported `db_default` expression `{value}`"),
                    "write a literal value, or `Now()` on a DateTimeField; quote the text to store it as written",
                );
            }
        }
        let Some(kind) = literal_of(field).filter(|_| !matches!(ty.kind, Kind::Binary)) else {
            return refuse(
                self,
                format!("`db_default` on the {} `{name}` is not supported", ty.name),
                "modelgen writes literal db_defaults for text, integer, float, decimal, boolean and date fields, and `Now()` for a DateTimeField; use `default` instead",
            );
        };
        if kind == Literal::Boolean {
            return match node {
                Node::Scalar { value, plain: true, .. } if value == "true" => Some("1".into()),
                Node::Scalar { value, plain: true, .. } if value == "false" => Some("0".into()),
                _ => refuse(
                    self,
                    format!("`db_default` of `{name}` is {}, expected `true` or `false`", describe_node(node)),
                    "write `db_default: true` or `db_default: false`",
                ),
            };
        }
        match literal(kind, node) {
            // Django casts a decimal: `(CAST('9.99' AS NUMERIC))`.
            Some(text) if kind == Literal::Decimal => Some(format!("(CAST({text} AS NUMERIC))")),
            Some(text) => Some(text),
            None => {
                let message =
                    format!("`db_default` of `{name}` is {}, expected {}", describe_node(node), expected(kind));
                refuse(self, message, "write a value of the field's type, e.g. `db_default: 0` for a number or `db_default: draft` for text")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    /// The DEFAULT clauses Django 5.2 wrote for the same fields.
    #[test]
    fn db_default_literals_as_django_writes_them() {
        let project = project(
            "  M:\n    fields:\n      a: {type: DecimalField, max_digits: 6, decimal_places: 2, db_default: '9.99'}\n      b: {type: DateField, db_default: 2020-01-02}\n      c: {type: DateTimeField, db_default: Now()}\n      d: {type: BooleanField, db_default: false}\n      e: {type: IntegerField, db_default: -3}\n      f: {type: CharField, max_length: 5, db_default: ''}\n      g: {type: FloatField, db_default: 2}\n      h: {type: CharField, max_length: 20, db_default: \"it's\"}\n      i: {type: IntegerField, db_default: 3, default: 5}\n",
        );
        let m = model(&project, "M");
        let defaults: Vec<(&str, Option<&str>, bool)> =
            m.fields.iter().skip(1).map(|f| (f.name.as_str(), f.db_default.as_deref(), f.db_filled)).collect();
        assert_eq!(
            defaults,
            [
                ("a", Some("(CAST('9.99' AS NUMERIC))"), true),
                ("b", Some("'2020-01-02'"), true),
                ("c", Some("(STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))"), true),
                ("d", Some("0"), true),
                ("e", Some("-3"), true),
                ("f", Some("''"), true),
                ("g", Some("2.0"), true),
                ("h", Some("'it''s'"), true),
                ("i", Some("3"), false),
            ]
        );
        assert_eq!(field(m, "e").rust_type, "Option<i64>", "unset until the database fills it");
        assert_eq!(field(m, "i").rust_type, "i64", "a `default` gives the value before the save");
        assert!(m.required.is_empty());
    }
}
