//! `meta.constraints`: Django's `UniqueConstraint` and `CheckConstraint`,
//! with conditions written as a mapping of lookups (`{price__gt: 0}`), as
//! SQL in the form Django's SQLite schema editor gives them.

use super::*;
use crate::schema::{ConditionDef, ConstraintDef};

/// The lookups a condition may use, as Django names them.
const LOOKUPS: &[&str] = &["exact", "gt", "gte", "lt", "lte", "in", "isnull"];

/// How a condition writes a field's values (Django's `get_db_prep_value`
/// on SQLite, then the schema editor's `quote_value`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Literal {
    Text,
    Integer,
    Float,
    /// A decimal is bound as its text: `'2.50'`.
    Decimal,
    Boolean,
    Date,
}

impl<'a> Resolver<'a> {
    /// `meta.constraints` of model `id` (its own or an abstract parent's),
    /// naming fields of the model's own table.
    pub(super) fn constraints(&mut self, id: ModelId, ctx: &ModelCtx<'_>, fields: &[Field]) -> Vec<ir::Constraint> {
        let mut out = Vec::new();
        let Some((defs, file)) = self.inherited_in(id, |m| Some(m.meta.constraints.clone()).filter(|c| !c.is_empty()))
        else {
            return out;
        };
        let app = self.app(id).to_lowercase();
        let class = self.model(id).name.value.to_lowercase();
        for def in &defs {
            let is_unique = match def.kind.value.as_str() {
                "UniqueConstraint" => true,
                "CheckConstraint" => false,
                other => {
                    let help = did_you_mean(other, ["UniqueConstraint", "CheckConstraint"])
                        .unwrap_or_else(|| "use UniqueConstraint or CheckConstraint".into());
                    self.err_help(&file, def.kind.pos, format!("unknown constraint type `{other}`"), Some(help));
                    continue;
                }
            };
            let name = self.constraint_name(&file, id, def, &app, &class);
            let sql = if is_unique {
                self.unique_constraint(ctx, &file, def, fields)
            } else {
                self.check_constraint(ctx, &file, def, fields)
            };
            let (Some(name), Some(sql)) = (name, sql) else { continue };
            out.push(match sql {
                ConstraintSql::Unique { columns, condition } => ir::Constraint::Unique { name, columns, condition },
                ConstraintSql::Check(condition) => ir::Constraint::Check { name, condition },
            });
        }
        out
    }

    /// The constraint's name with Django's `%(app_label)s` / `%(class)s`
    /// filled in; it must be given and unique across the database.
    fn constraint_name(
        &mut self,
        file: &str,
        id: ModelId,
        def: &ConstraintDef,
        app: &str,
        class: &str,
    ) -> Option<String> {
        let Some(written) = &def.name else {
            self.err_help(
                file,
                def.pos,
                format!("a {} needs `name`", def.kind.value),
                Some(
                    "Django requires one, e.g. `name: book_title_uniq` (`%(app_label)s` and `%(class)s` are filled in)"
                        .into(),
                ),
            );
            return None;
        };
        let name = written.value.replace("%(app_label)s", app).replace("%(class)s", class);
        if name.is_empty() {
            self.err_help(
                file,
                written.pos,
                "a constraint name cannot be empty",
                Some("write e.g. `name: book_title_uniq`".into()),
            );
            return None;
        }
        self.check_quotable(file, written, "name", "constraint");
        let owner = self.label(id);
        if let Some(other) = self.index_names.insert(name.clone(), owner) {
            self.err_help(
                file,
                written.pos,
                format!("constraint name `{name}` is already used by an index or constraint of `{other}`"),
                Some("constraint and index names are shared by the whole database; choose another (on an abstract model, use `%(class)s`)".into()),
            );
            return None;
        }
        Some(name)
    }

    fn unique_constraint(
        &mut self,
        ctx: &ModelCtx<'_>,
        file: &str,
        def: &ConstraintDef,
        fields: &[Field],
    ) -> Option<ConstraintSql> {
        if let Some(pos) = def.check_pos {
            self.err_help(
                file,
                pos,
                "`check` does not apply to UniqueConstraint",
                Some(
                    "a UniqueConstraint takes `condition` (a partial unique index); `check` is CheckConstraint's"
                        .into(),
                ),
            );
            return None;
        }
        let Some(names) = &def.fields else {
            self.err_help(
                file,
                def.pos,
                "a UniqueConstraint needs `fields`",
                Some("write e.g. `fields: [title, author]`".into()),
            );
            return None;
        };
        if names.is_empty() {
            self.err_help(
                file,
                def.pos,
                "a UniqueConstraint needs at least one field",
                Some("write e.g. `fields: [title]`".into()),
            );
            return None;
        }
        let mut columns = Vec::new();
        for name in names {
            match field_named(fields, &name.value) {
                Some(field) => columns.push(field.column.clone()),
                None => self.unknown_field_in(ctx, file, name, &name.value, "a constraint"),
            }
        }
        let condition = match &def.condition {
            Some(condition) => Some(self.condition_sql(ctx, file, condition, fields)?),
            None => None,
        };
        (columns.len() == names.len()).then_some(ConstraintSql::Unique { columns, condition })
    }

    fn check_constraint(
        &mut self,
        ctx: &ModelCtx<'_>,
        file: &str,
        def: &ConstraintDef,
        fields: &[Field],
    ) -> Option<ConstraintSql> {
        if let Some(names) = &def.fields {
            let pos = names.first().map_or(def.pos, |n| n.pos);
            self.err_help(
                file,
                pos,
                "`fields` does not apply to CheckConstraint",
                Some("a CheckConstraint's `check` names the fields; remove `fields`".into()),
            );
            return None;
        }
        let Some(condition) = &def.condition else {
            self.err_help(
                file,
                def.pos,
                "a CheckConstraint needs `check`",
                Some("write e.g. `check: {price__gt: 0}`".into()),
            );
            return None;
        };
        Some(ConstraintSql::Check(self.condition_sql(ctx, file, condition, fields)?))
    }

    /// The condition as Django's SQL: terms in name order (as `Q(**kwargs)`
    /// sorts them), ANDed, in parentheses when there are several.
    fn condition_sql(
        &mut self,
        ctx: &ModelCtx<'_>,
        file: &str,
        condition: &ConditionDef,
        fields: &[Field],
    ) -> Option<ir::DialectSql> {
        if condition.terms.is_empty() {
            self.err_help(
                file,
                condition.pos,
                "a condition needs at least one lookup",
                Some("write e.g. `{status: published}` or `{price__gt: 0}`".into()),
            );
            return None;
        }
        let mut terms: Vec<(&Spanned<String>, &Node)> = condition.terms.iter().map(|(k, v)| (k, v)).collect();
        terms.sort_by(|a, b| a.0.value.cmp(&b.0.value));
        let mut sql = Vec::new();
        for (key, value) in terms {
            sql.push(self.term_sql(ctx, file, key, value, fields));
        }
        let sql: Vec<ir::DialectSql> = sql.into_iter().collect::<Option<_>>()?;
        let and = |terms: Vec<&str>| if terms.len() == 1 { terms.concat() } else { format!("({})", terms.join(" AND ")) };
        Some(ir::DialectSql {
            sqlite: and(sql.iter().map(|t| t.sqlite.as_str()).collect()),
            postgresql: and(sql.iter().map(|t| t.postgresql.as_str()).collect()),
        })
    }

    /// One `field__lookup: value` term.
    fn term_sql(
        &mut self,
        ctx: &ModelCtx<'_>,
        file: &str,
        key: &Spanned<String>,
        value: &Node,
        fields: &[Field],
    ) -> Option<ir::DialectSql> {
        let same = |sql: String| ir::DialectSql { postgresql: sql.clone(), sqlite: sql };
        let (name, lookup) = match key.value.rsplit_once("__") {
            Some((name, lookup)) => (name, lookup),
            None => (key.value.as_str(), "exact"),
        };
        let Some(field) = field_named(fields, name) else {
            if name.contains("__") {
                // `author__name__gt`: a lookup across a relation.
                self.err_help(
                    file,
                    key.pos,
                    format!("a condition names `{}`, a lookup across a relation", key.value),
                    Some("a constraint can only name fields of this model".into()),
                );
            } else {
                let at = Spanned::new(name.to_string(), key.pos);
                self.unknown_field_in(ctx, file, &at, name, "a condition");
            }
            return None;
        };
        if !LOOKUPS.contains(&lookup) {
            let help = did_you_mean(lookup, LOOKUPS.iter().copied())
                .unwrap_or_else(|| format!("use one of: {}", LOOKUPS.join(", ")));
            let pos = key.pos_at(name.len() + 2);
            self.err_help(file, pos, format!("unknown lookup `{lookup}` in a condition"), Some(help));
            return None;
        }
        let column = ddl::quote(&field.column);
        let bad = |this: &mut Self, expected: &str| {
            this.err_help(
                file,
                value.pos(),
                format!("`{}` compares `{name}` with {}, expected {expected}", key.value, describe_node(value)),
                Some(format!("write e.g. `{}: {}`", key.value, example(lookup, literal_of(field)))),
            );
            None
        };
        if lookup == "isnull" || (lookup == "exact" && value.is_null()) {
            let is_null = if lookup == "exact" { Some(true) } else { bool_of(value) };
            return match is_null {
                Some(true) => Some(same(format!("{column} IS NULL"))),
                Some(false) => Some(same(format!("{column} IS NOT NULL"))),
                None => bad(self, "`true` or `false`"),
            };
        }
        let Some(kind) = literal_of(field) else {
            self.err_help(
                file,
                key.pos,
                format!("a condition cannot compare the {} `{name}` with a value", field.django_type),
                Some("conditions take text, integer, float, decimal, boolean and date fields (any field with `__isnull`)".into()),
            );
            return None;
        };
        if kind == Literal::Boolean {
            if lookup != "exact" {
                self.err_help(
                    file,
                    key.pos,
                    format!("a BooleanField takes no `{lookup}` lookup in a condition"),
                    Some(format!("write `{name}: true` or `{name}: false`")),
                );
                return None;
            }
            return match bool_of(value) {
                Some(true) => Some(same(column)),
                Some(false) => Some(same(format!("NOT {column}"))),
                None => bad(self, "`true` or `false`"),
            };
        }
        if lookup == "in" {
            let Node::Seq { items, .. } = value else { return bad(self, "a list of values") };
            let mut literals = Vec::new();
            for item in items {
                match literal(kind, item) {
                    Some(l) => literals.push(l),
                    None => return bad(self, expected(kind)),
                }
            }
            if literals.is_empty() {
                return bad(self, "a list of values");
            }
            let postgresql: Vec<String> = literals.iter().map(|l| postgresql_literal(kind, l)).collect();
            return Some(ir::DialectSql {
                sqlite: format!("{column} IN ({})", literals.join(", ")),
                postgresql: format!("{column} IN ({})", postgresql.join(", ")),
            });
        }
        let Some(literal) = literal(kind, value) else { return bad(self, expected(kind)) };
        let operator = match lookup {
            "gt" => ">",
            "gte" => ">=",
            "lt" => "<",
            "lte" => "<=",
            _ => "=",
        };
        Some(ir::DialectSql {
            sqlite: format!("{column} {operator} {literal}"),
            postgresql: format!("{column} {operator} {}", postgresql_literal(kind, &literal)),
        })
    }
}

enum ConstraintSql {
    Unique { columns: Vec<String>, condition: Option<ir::DialectSql> },
    Check(ir::DialectSql),
}

/// A field of the table by name, attname (`author_id`) or `pk`.
fn field_named<'f>(fields: &'f [Field], name: &str) -> Option<&'f Field> {
    if name == "pk" {
        return fields.iter().find(|f| f.primary_key);
    }
    fields.iter().find(|f| f.name == name || f.plain_ident == name)
}

pub(super) fn literal_of(field: &Field) -> Option<Literal> {
    if field.choices.is_some() {
        let text = types::lookup(&field.django_type).is_some_and(|t| t.kind == Kind::Text);
        return Some(if text { Literal::Text } else { Literal::Integer });
    }
    Some(match field.value.scalar()? {
        Scalar::String => Literal::Text,
        Scalar::I16 | Scalar::I32 | Scalar::I64 | Scalar::U16 | Scalar::U32 => Literal::Integer,
        Scalar::F64 => Literal::Float,
        Scalar::Decimal => Literal::Decimal,
        Scalar::Bool => Literal::Boolean,
        Scalar::Date => Literal::Date,
        _ => return None,
    })
}

pub(super) fn expected(kind: Literal) -> &'static str {
    match kind {
        Literal::Text => "text",
        Literal::Integer => "a whole number",
        Literal::Float => "a number",
        Literal::Decimal => "a decimal number",
        Literal::Boolean => "`true` or `false`",
        Literal::Date => "a date (YYYY-MM-DD)",
    }
}

fn example(lookup: &str, kind: Option<Literal>) -> &'static str {
    match (lookup, kind) {
        ("isnull", _) => "true",
        ("in", Some(Literal::Text)) => "[draft, published]",
        ("in", _) => "[1, 2]",
        (_, Some(Literal::Text)) => "published",
        (_, Some(Literal::Float | Literal::Decimal)) => "0.5",
        (_, Some(Literal::Boolean)) => "true",
        (_, Some(Literal::Date)) => "2024-01-31",
        _ => "0",
    }
}

fn bool_of(node: &Node) -> Option<bool> {
    match node {
        Node::Scalar { value, plain: true, .. } if value == "true" => Some(true),
        Node::Scalar { value, plain: true, .. } if value == "false" => Some(false),
        _ => None,
    }
}

pub(super) fn describe_node(node: &Node) -> String {
    match node {
        Node::Scalar { value, .. } if !node.is_null() => format!("`{value}`"),
        other => other.kind_name().to_string(),
    }
}

/// One value as Django's SQLite schema editor quotes it in a condition.
pub(super) fn literal(kind: Literal, node: &Node) -> Option<String> {
    let Node::Scalar { value, plain, .. } = node else { return None };
    if node.is_null() {
        return None;
    }
    match kind {
        Literal::Text => Some(sql_text(value)),
        Literal::Integer => plain.then(|| value.parse::<i64>().ok().map(|n| n.to_string())).flatten(),
        Literal::Float => {
            plain.then(|| value.parse::<f64>().ok().filter(|f| f.is_finite()).map(python_float)).flatten()
        }
        Literal::Decimal => {
            value.parse::<f64>().ok().filter(|f| f.is_finite() && !value.contains(['e', 'E'])).map(|_| sql_text(value))
        }
        Literal::Date => is_date(value).then(|| sql_text(value)),
        Literal::Boolean => None,
    }
}

/// A value of `kind` as Django's PostgreSQL schema editor quotes it
/// (psycopg's `sql.quote`), from the SQLite literal `literal` gives: a
/// decimal is a number (`2.50`), a date is typed (`'2020-01-01'::date`),
/// and a negative number gets a leading space (` -3`), which psycopg adds
/// so that `- -3` never reads as a comment.
pub(super) fn postgresql_literal(kind: Literal, sqlite: &str) -> String {
    let number = match kind {
        Literal::Decimal => sqlite.trim_matches('\''),
        Literal::Integer | Literal::Float => sqlite,
        Literal::Date => return format!("{sqlite}::date"),
        Literal::Text | Literal::Boolean => return sqlite.to_string(),
    };
    if number.starts_with('-') {
        format!(" {number}")
    } else {
        number.to_string()
    }
}

/// A SQL string literal.
pub(super) fn sql_text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Python's `repr()` of a float (`2.0`, `1.5`, `1e+20`), as Django writes
/// a FloatField's value into DDL.
pub(super) fn python_float(value: f64) -> String {
    let abs = value.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Rust's `{:e}` is the shortest round-trip mantissa, as repr's.
        let text = format!("{value:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let (sign, digits) = exponent.strip_prefix('-').map_or(("+", exponent), |d| ("-", d));
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    let text = format!("{value}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::python_float;

    #[test]
    fn floats_are_written_as_pythons_repr() {
        let cases = [(2.0, "2.0"), (1.5, "1.5"), (1e20, "1e+20"), (1e-5, "1e-05"), (-0.25, "-0.25"), (0.0, "0.0")];
        for (value, repr) in cases {
            assert_eq!(python_float(value), repr);
        }
    }

    /// What Django 5.2's schema editor gave for the same constraints.
    #[test]
    fn check_and_unique_constraints_as_django_writes_them() {
        let project = project(
            "  M:\n    meta:\n      constraints:\n        - {type: CheckConstraint, name: c1, check: {z: 1, a: x}}\n        - {type: CheckConstraint, name: c2, check: {'on': false, z__in: [1, 2]}}\n        - {type: CheckConstraint, name: c3, check: {a: null}}\n        - {type: CheckConstraint, name: c5, check: {d: '2.50', f__gte: 1}}\n        - {type: CheckConstraint, name: c6, check: {f__lt: 1e20, day__lte: 2020-01-01}}\n        - {type: CheckConstraint, name: c7, check: {a__in: [x, \"it's\"]}}\n        - {type: UniqueConstraint, name: u1, fields: [a], condition: {'on': true}}\n        - {type: UniqueConstraint, name: '%(class)s_u2', fields: [a, z]}\n    fields:\n      z: {type: IntegerField}\n      a: {type: CharField, max_length: 5, null: true}\n      'on': {type: BooleanField}\n      f: {type: FloatField}\n      d: {type: DecimalField, max_digits: 5, decimal_places: 2}\n      day: {type: DateField}\n",
        );
        let m = model(&project, "M");
        let ddl = crate::ddl::app_ddl(std::slice::from_ref(m));
        let (table, indexes) = ddl.split_once('\n').unwrap();
        let inline: Vec<&str> = table.split(", CONSTRAINT ").skip(1).map(|c| c.trim_end_matches(");")).collect();
        assert_eq!(
            inline,
            [
                r#""c1" CHECK (("a" = 'x' AND "z" = 1))"#,
                r#""c2" CHECK ((NOT "on" AND "z" IN (1, 2)))"#,
                r#""c3" CHECK ("a" IS NULL)"#,
                r#""c5" CHECK (("d" = '2.50' AND "f" >= 1.0))"#,
                r#""c6" CHECK (("day" <= '2020-01-01' AND "f" < 1e+20))"#,
                r#""c7" CHECK ("a" IN ('x', 'it''s'))"#,
                r#""m_u2" UNIQUE ("a", "z")"#,
            ]
        );
        assert_eq!(indexes.trim_end(), r#"CREATE UNIQUE INDEX "u1" ON "t_m" ("a") WHERE "on";"#);
    }
}
