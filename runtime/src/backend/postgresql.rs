//! PostgreSQL's spelling, as Django's PostgreSQL backend writes it
//! (`django/db/backends/postgresql/operations.py` and `base.py`). Not
//! behind the `postgres` feature: it is text only, so the SQL a query
//! sends to PostgreSQL can be built (and read) without the client.

use super::{push_string_literal, CastType, Dialect};

/// PostgreSQL's spelling: `"quoted"` names, `RETURNING`, regexes as `~`,
/// date parts as `EXTRACT`. Placeholders are written as SQLite's and
/// numbered `$N` when the statement is prepared (see [`Dialect`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgreSql;

impl Dialect for PostgreSql {
    #[inline]
    fn push_quoted(&self, out: &mut String, name: &str) {
        super::sqlite::Sqlite.push_quoted(out, name);
    }

    fn push_numbered_placeholder(&self, out: &mut String, number: usize) {
        super::sqlite::Sqlite.push_numbered_placeholder(out, number);
    }

    #[inline]
    fn push_placeholder(&self, out: &mut String) {
        super::sqlite::Sqlite.push_placeholder(out);
    }

    fn supports_returning(&self) -> bool {
        true
    }

    /// Django's `data_types` of the fields a cast stands for.
    fn cast_type(&self, ty: CastType) -> &'static str {
        match ty {
            CastType::Integer => "integer",
            CastType::Real => "double precision",
            CastType::Text => "text",
            CastType::Blob => "bytea",
            CastType::Numeric => "numeric",
        }
    }

    fn case_insensitive_like(&self) -> &'static str {
        " ILIKE ? ESCAPE '\\'"
    }

    /// Django's `operators` `~ %s` and `~* %s`, the column cast to text by
    /// its `lookup_cast` (`"headline"::text ~ %s`): the PostgreSQL oracle
    /// (Django 5.2) gave exactly that, on an IntegerField too.
    fn regex_match(&self, case_insensitive: bool) -> &'static str {
        if case_insensitive {
            "::text ~* ?"
        } else {
            "::text ~ ?"
        }
    }

    /// Django's `no_limit_value()` is `None` on PostgreSQL: `qs[5:]` is
    /// `... OFFSET 5`, without a LIMIT (the PostgreSQL oracle, Django 5.2).
    fn no_limit_value(&self) -> Option<&'static str> {
        None
    }

    /// `ctid`, the row's place in the table: the insertion order of rows
    /// not updated since, as SQLite's rowid orders a link table's rows.
    fn row_order_column(&self) -> &'static str {
        "ctid"
    }

    /// `EXTRACT(<PART> FROM value)`, `week_day` counted from Sunday = 1
    /// (`EXTRACT(DOW FROM value) + 1`), `iso_week_day` and `iso_year` as
    /// `ISODOW` and `ISOYEAR`.
    fn push_date_extract(&self, out: &mut String, part: &str, value: &str) {
        let upper;
        let field = match part {
            "week_day" => "DOW",
            "iso_week_day" => "ISODOW",
            "iso_year" => "ISOYEAR",
            other => {
                upper = other.to_ascii_uppercase();
                &upper
            }
        };
        out.push_str("EXTRACT(");
        out.push_str(field);
        out.push_str(" FROM ");
        out.push_str(value);
        out.push(')');
        if part == "week_day" {
            out.push_str(" + 1");
        }
    }

    /// [`Dialect::push_date_extract`] of `value AT TIME ZONE 'zone'`; the
    /// second truncated first (`EXTRACT(SECOND ...)` keeps the fraction,
    /// Django's `second` is whole).
    fn push_datetime_extract(&self, out: &mut String, part: &str, value: &str, zone: Option<&str>) {
        let mut seen = String::with_capacity(value.len() + 24);
        push_in_zone(&mut seen, value, zone);
        if part == "second" {
            out.push_str("EXTRACT(SECOND FROM DATE_TRUNC('second', ");
            out.push_str(&seen);
            out.push_str("))");
        } else {
            self.push_date_extract(out, part, &seen);
        }
    }

    /// `(value AT TIME ZONE 'zone')::date`.
    fn push_datetime_cast_date(&self, out: &mut String, value: &str, zone: Option<&str>) {
        out.push('(');
        push_in_zone(out, value, zone);
        out.push_str(")::date");
    }
}

/// Django's `_convert_sql_to_tz`: `value AT TIME ZONE 'zone'` (a
/// timestamptz as wall-clock time there), or `value` as it is without a
/// zone (`USE_TZ = False`: the session's `TimeZone` is `TIME_ZONE`). The
/// zone is written in the SQL, where Django binds it, so that the
/// statement text is one per query shape and zone (as on SQLite).
fn push_in_zone(out: &mut String, value: &str, zone: Option<&str>) {
    out.push_str(value);
    if let Some(zone) = zone {
        out.push_str(" AT TIME ZONE ");
        push_string_literal(out, zone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::sqlite::Sqlite;

    fn spelled(f: impl FnOnce(&mut String)) -> String {
        let mut out = String::new();
        f(&mut out);
        out
    }

    /// What Django 5.2's PostgreSQL backend wrote for the same lookups
    /// (the PostgreSQL oracle), the zone written where Django binds it.
    #[test]
    fn date_parts_are_djangos_postgresql_sql() {
        let pg = PostgreSql;
        let column = r#""pub_date""#;
        assert_eq!(spelled(|o| pg.push_date_extract(o, "week_day", column)), r#"EXTRACT(DOW FROM "pub_date") + 1"#);
        assert_eq!(spelled(|o| pg.push_date_extract(o, "iso_week_day", column)), r#"EXTRACT(ISODOW FROM "pub_date")"#);
        assert_eq!(spelled(|o| pg.push_date_extract(o, "iso_year", column)), r#"EXTRACT(ISOYEAR FROM "pub_date")"#);
        assert_eq!(spelled(|o| pg.push_date_extract(o, "quarter", column)), r#"EXTRACT(QUARTER FROM "pub_date")"#);
        let at = r#""t"."sold_at""#;
        assert_eq!(
            spelled(|o| pg.push_datetime_extract(o, "day", at, Some("Europe/Paris"))),
            r#"EXTRACT(DAY FROM "t"."sold_at" AT TIME ZONE 'Europe/Paris')"#
        );
        assert_eq!(
            spelled(|o| pg.push_datetime_extract(o, "week_day", at, Some("UTC"))),
            r#"EXTRACT(DOW FROM "t"."sold_at" AT TIME ZONE 'UTC') + 1"#
        );
        assert_eq!(
            spelled(|o| pg.push_datetime_extract(o, "second", at, Some("UTC"))),
            r#"EXTRACT(SECOND FROM DATE_TRUNC('second', "t"."sold_at" AT TIME ZONE 'UTC'))"#
        );
        assert_eq!(spelled(|o| pg.push_datetime_extract(o, "day", at, None)), r#"EXTRACT(DAY FROM "t"."sold_at")"#);
        assert_eq!(
            spelled(|o| pg.push_datetime_cast_date(o, at, Some("Europe/Paris"))),
            r#"("t"."sold_at" AT TIME ZONE 'Europe/Paris')::date"#
        );
        assert_eq!(spelled(|o| pg.push_datetime_cast_date(o, at, None)), r#"("t"."sold_at")::date"#);
    }

    /// Django's SQLite SQL, its date functions' arguments written in.
    #[test]
    fn date_parts_are_djangos_sqlite_functions() {
        let at = r#""sold_at""#;
        assert_eq!(
            spelled(|o| Sqlite.push_date_extract(o, "week_day", at)),
            r#"django_date_extract('week_day', "sold_at")"#
        );
        assert_eq!(
            spelled(|o| Sqlite.push_datetime_extract(o, "day", at, Some("Europe/Paris"))),
            r#"django_datetime_extract('day', "sold_at", 'Europe/Paris', 'UTC')"#
        );
        assert_eq!(
            spelled(|o| Sqlite.push_datetime_cast_date(o, at, None)),
            r#"django_datetime_cast_date("sold_at", NULL, NULL)"#
        );
    }

    #[test]
    fn regex_and_no_limit_are_each_backends() {
        assert_eq!(PostgreSql.regex_match(false), "::text ~ ?");
        assert_eq!(PostgreSql.regex_match(true), "::text ~* ?");
        assert_eq!(Sqlite.regex_match(true), " REGEXP '(?i)' || ?");
        assert_eq!(PostgreSql.no_limit_value(), None);
        assert_eq!(Sqlite.no_limit_value(), Some("-1"));
    }
}
