//! The runtime's value conversions on their own, for the field types no
//! example schema has (TimeField, DurationField, FloatField, BinaryField,
//! a nullable JSONField, decimals beyond a double's precision) and for the
//! binding helpers: each value is bound with `Bind` into a plain table with
//! the column types Django 6 gives those fields, and the stored form
//! (`quote(col)`) is compared with what Django 6.0 stored for the same
//! value. The field types the example schemas have are tested through the
//! generated models in generated/tests/storage.rs.

use modelgen_runtime::chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use modelgen_runtime::rusqlite::{self, Connection};
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::uuid::Uuid;
use modelgen_runtime::{python_json_dumps, read, serde_json, Bind, DbValue};

/// Django's SQLite columns of a SmallIntegerField, FloatField, TimeField,
/// DurationField, DecimalField, JSONField and BinaryField, all `null=True`.
const DDL: &str = r#"CREATE TABLE "sample" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "i16" smallint NULL, "f" real NULL, "t" time NULL, "dur" bigint NULL, "dec" decimal NULL, "j" text NULL CHECK ((JSON_VALID("j") OR "j" IS NULL)), "bin" BLOB NULL);"#;

fn table() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(DDL).unwrap();
    conn
}

/// Bind `value` into a new row's `column`; the row's id.
fn insert(conn: &Connection, column: &str, value: &dyn DbValue) -> i64 {
    conn.execute(&format!(r#"INSERT INTO "sample" ("{column}") VALUES (?1)"#), [Bind(value)]).unwrap();
    conn.last_insert_rowid()
}

/// The stored form of `value` in `column`, as SQLite's `quote()` shows it.
fn stored(conn: &Connection, column: &str, value: &dyn DbValue) -> String {
    let id = insert(conn, column, value);
    conn.query_row(&format!(r#"SELECT quote("{column}") FROM "sample" WHERE "id" = ?1"#), [id], |r| r.get(0)).unwrap()
}

/// `column` of row `id` read back through the runtime's conversion.
fn load<T: DbValue>(conn: &Connection, column: &str, id: i64) -> rusqlite::Result<T> {
    conn.query_row(&format!(r#"SELECT "{column}" FROM "sample" WHERE "id" = ?1"#), [id], |r| read::<T>(modelgen_runtime::backend::DbRow::Sqlite(r), 0))
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + TimeDelta::microseconds(i64::from(micro))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn values_are_stored_exactly_as_django_stores_them() {
    let conn = table();
    assert_eq!(stored(&conn, "i16", &Some(-5i16)), "-5");
    assert_eq!(stored(&conn, "f", &Some(1.5f64)), "1.5");
    assert_eq!(stored(&conn, "t", &NaiveTime::from_hms_opt(13, 14, 15)), "'13:14:15'");
    let duration = TimeDelta::days(1) + TimeDelta::seconds(2) + TimeDelta::microseconds(3);
    assert_eq!(stored(&conn, "dur", &Some(duration)), "86402000003", "integer microseconds");
    assert_eq!(stored(&conn, "bin", &Some(vec![0u8, 1])), "X'0001'");
    let json = serde_json::json!({"a": "é\u{2028}😀\u{7f}\n", "b": [1, 2.5, null, true]});
    assert_eq!(
        stored(&conn, "j", &Some(json)),
        r#"'{"a": "\u00e9\u2028\ud83d\ude00\u007f\n", "b": [1, 2.5, null, true]}'"#
    );
}

#[test]
fn microseconds_are_written_only_when_not_zero() {
    let conn = table();
    assert_eq!(stored(&conn, "t", &NaiveTime::from_hms_micro_opt(1, 2, 3, 400)), "'01:02:03.000400'");
    assert_eq!(stored(&conn, "dur", &Some(TimeDelta::microseconds(-1))), "-1");
    assert_eq!(stored(&conn, "f", &Some(1e16f64)), "1.0e+16");
    assert_eq!(stored(&conn, "f", &Some(0.1f64)), "0.1");
    assert_eq!(
        stored(&conn, "j", &Some(serde_json::json!([1e-5, 0.0001, 1e15, 123456789.125, -0.0, 1.0]))),
        "'[1e-05, 0.0001, 1000000000000000.0, 123456789.125, -0.0, 1.0]'"
    );
}

#[test]
fn decimals_beyond_a_doubles_precision_go_through_numeric_affinity_as_django_strings_do() {
    let conn = table();
    for (value, expected) in [("123456789012345678.1234", "123456789012345680"), ("-0.0001", "-0.0001")] {
        assert_eq!(stored(&conn, "dec", &Some(dec(value))), expected, "{value}");
    }
}

#[test]
fn empty_json_containers_and_json_null_versus_sql_null() {
    let conn = table();
    assert_eq!(stored(&conn, "j", &Some(serde_json::json!({}))), "'{}'");
    assert_eq!(stored(&conn, "j", &Some(serde_json::json!([]))), "'[]'");
    assert_eq!(stored(&conn, "j", &Some(serde_json::Value::Null)), "'null'", "JSON null is the text null");
    assert_eq!(stored(&conn, "j", &None::<serde_json::Value>), "NULL", "None is SQL NULL");
    let id = insert(&conn, "j", &Some(serde_json::Value::Null));
    assert_eq!(load::<Option<serde_json::Value>>(&conn, "j", id).unwrap(), Some(serde_json::Value::Null));
    let id = insert(&conn, "j", &None::<serde_json::Value>);
    assert_eq!(load::<Option<serde_json::Value>>(&conn, "j", id).unwrap(), None);
}

#[test]
fn every_value_reads_back_equal() {
    let conn = table();
    fn round_trip<T: DbValue + PartialEq + std::fmt::Debug>(conn: &Connection, column: &str, value: T) {
        let id = insert(conn, column, &value);
        assert_eq!(load::<T>(conn, column, id).unwrap(), value, "{column}");
    }
    round_trip(&conn, "i16", Some(i16::MIN));
    round_trip(&conn, "f", Some(-2.25f64));
    round_trip(&conn, "t", NaiveTime::from_hms_micro_opt(23, 59, 59, 1));
    round_trip(&conn, "dur", Some(TimeDelta::microseconds(-86_400_000_001)));
    round_trip(&conn, "bin", Some(vec![0u8, 255, 10]));
    round_trip(&conn, "j", Some(serde_json::json!({"k": [1, "two", {"three": 3.5}]})));
}

#[test]
fn times_written_by_other_programs_are_read_as_django_reads_them() {
    let conn = table();
    conn.execute(r#"INSERT INTO "sample" ("id", "t") VALUES (1, '01:02')"#, []).unwrap();
    assert_eq!(load::<Option<NaiveTime>>(&conn, "t", 1).unwrap(), NaiveTime::from_hms_opt(1, 2, 0));
}

#[test]
fn bad_stored_values_are_errors_not_panics() {
    let conn = table();
    conn.execute(r#"INSERT INTO "sample" ("id", "i16", "t", "f") VALUES (1, 70000, '99:00', 'x')"#, []).unwrap();
    assert!(load::<Option<i16>>(&conn, "i16", 1).is_err(), "out of a SmallIntegerField's range");
    assert!(load::<Option<NaiveTime>>(&conn, "t", 1).is_err());
    assert!(load::<Option<f64>>(&conn, "f", 1).is_err());
}

#[test]
fn bind_wrapper_binds_django_text() {
    let conn = table();
    let text: String = conn.query_row("SELECT ?", [Bind(&date(2024, 2, 29))], |r| r.get(0)).unwrap();
    assert_eq!(text, "2024-02-29");
    let text: String = conn.query_row("SELECT ?", [Bind(&utc(2024, 1, 2, 3, 4, 5, 60))], |r| r.get(0)).unwrap();
    assert_eq!(text, "2024-01-02 03:04:05.000060");
    let n: i64 = conn.query_row("SELECT ?", [Bind(&TimeDelta::seconds(-2))], |r| r.get(0)).unwrap();
    assert_eq!(n, -2_000_000);
    let v: Option<i64> = conn.query_row("SELECT ?", [Bind(&None::<i32>)], |r| r.get(0)).unwrap();
    assert_eq!(v, None);
}

#[test]
fn json_dumps_matches_python() {
    assert_eq!(
        python_json_dumps(&serde_json::json!({"a": [1, -2, 3.0e-7, "x\"y\\z\t"], "b": {"c": false}})),
        r#"{"a": [1, -2, 3e-07, "x\"y\\z\t"], "b": {"c": false}}"#
    );
    assert_eq!(
        python_json_dumps(&serde_json::json!(["\u{1}", "\u{8}\u{c}\r", 18446744073709551615u64])),
        r#"["\u0001", "\b\f\r", 18446744073709551615]"#
    );
}

#[test]
fn out_of_range_values_are_errors_when_binding() {
    let conn = table();
    let year_10000 = conn.query_row("SELECT ?", [Bind(&date(10000, 1, 1))], |r| r.get::<_, String>(0));
    assert!(year_10000.is_err(), "Django's dates end at 9999: {year_10000:?}");
    assert!(DbValue::to_sql(&u64::MAX).is_err());
}

#[test]
fn scalar_types_bind_as_django_stores_them() {
    use modelgen_runtime::chrono::NaiveDateTime;
    let conn = table();
    let quote = |v: &dyn DbValue| -> String { conn.query_row("SELECT quote(?)", [Bind(v)], |r| r.get(0)).unwrap() };
    assert_eq!(quote(&42i32), "42");
    assert_eq!(quote(&-7i64), "-7");
    assert_eq!(quote(&300u16), "300");
    assert_eq!(quote(&0.5f32), "0.5");
    assert_eq!(quote(&false), "0");
    assert_eq!(quote(&"it's".to_string()), "'it''s'");
    assert_eq!(quote(&None::<String>), "NULL");
    assert_eq!(quote(&Some(3i16)), "3");
    let naive = NaiveDateTime::parse_from_str("2024-05-06 07:08:09.5", "%Y-%m-%d %H:%M:%S%.f").unwrap();
    assert_eq!(quote(&naive), "'2024-05-06 07:08:09.500000'");
    assert_eq!(quote(&Uuid::nil()), "'00000000000000000000000000000000'");
    assert_eq!(quote(&dec("-0.50")), "'-0.50'", "bound as text; the column's affinity converts");
}

#[test]
fn a_json_value_displays_as_pythons_str_of_what_json_loads_gives() {
    use modelgen_runtime::PyStr;
    // Python 3: str(json.loads(text)).
    let text = r#"{"a": 123456789012345678901234567890, "b": 0.1, "c": 1e100, "d": 1.0, "e": null, "f": true, "g": [1, "it's", -0.0, 1e-05], "h": {}, "i": 1e400}"#;
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(
        value.py_str(),
        r#"{'a': 123456789012345678901234567890, 'b': 0.1, 'c': 1e+100, 'd': 1.0, 'e': None, 'f': True, 'g': [1, "it's", -0.0, 1e-05], 'h': {}, 'i': inf}"#
    );
    assert_eq!(serde_json::json!("plain").py_str(), "plain");
}

#[test]
fn json_numbers_are_dumped_as_pythons_json_dumps_writes_what_json_loads_read() {
    // Python: json.dumps(json.loads(text)) for each text.
    for (text, python) in [
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("-98765432109876543210", "-98765432109876543210"),
        ("1E5", "100000.0"),
        ("1e100", "1e+100"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("1.0", "1.0"),
        ("1e400", "Infinity"),
        ("-1e400", "-Infinity"),
    ] {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(python_json_dumps(&value), python, "{text}");
    }
}
