//! Every value conversion against the exact text Django 6's SQLite backend
//! stores (the expected `quote(col)` strings were produced by Django 6.0
//! saving the same values into the same table).

mod common;

use common::*;
use modelgen_runtime::chrono::{DateTime, FixedOffset, NaiveTime, TimeDelta, TimeZone, Utc};
use modelgen_runtime::prelude::*;
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::uuid::Uuid;
use modelgen_runtime::{python_json_dumps, quantize_decimal, serde_json};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + TimeDelta::microseconds(i64::from(micro))
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn stored(db: &Database, sample: &Sample) -> Vec<String> {
    let id = sample.id.unwrap();
    ["i16", "f", "b", "d", "dt", "t", "dur", "dec", "u", "j", "bin"]
        .iter()
        .map(|c| raw(db, "weblog_sample", c, id))
        .collect()
}

#[test]
fn values_are_stored_exactly_as_django_stores_them() {
    let db = setup();
    let json: serde_json::Value = serde_json::json!({"a": "é\u{2028}😀\u{7f}\n", "b": [1, 2.5, null, true]});
    let s = create(
        &db,
        Sample {
            i16: Some(-5),
            f: Some(1.5),
            b: Some(true),
            d: Some(date(2024, 2, 29)),
            dt: Some(utc(2024, 1, 2, 3, 4, 5, 0)),
            t: NaiveTime::from_hms_opt(13, 14, 15),
            dur: Some(TimeDelta::days(1) + TimeDelta::seconds(2) + TimeDelta::microseconds(3)),
            dec: Some(dec("12.5000")),
            u: Some(Uuid::parse_str("12345678-1234-5678-1234-567812345678").unwrap()),
            j: Some(json),
            bin: Some(vec![0, 1]),
            ..Sample::default()
        },
    );
    assert_eq!(
        stored(&db, &s),
        vec![
            "-5",
            "1.5",
            "1",
            "'2024-02-29'",
            "'2024-01-02 03:04:05'",
            "'13:14:15'",
            "86402000003",
            "12.5",
            "'12345678123456781234567812345678'",
            r#"'{"a": "\u00e9\u2028\ud83d\ude00\u007f\n", "b": [1, 2.5, null, true]}'"#,
            "X'0001'",
        ]
    );
}

#[test]
fn microseconds_are_written_only_when_not_zero() {
    let db = setup();
    let s = create(
        &db,
        Sample {
            f: Some(1e16),
            b: Some(false),
            d: Some(date(999, 1, 1)),
            dt: Some(utc(2024, 1, 2, 3, 4, 5, 7)),
            t: NaiveTime::from_hms_micro_opt(1, 2, 3, 400),
            dur: Some(TimeDelta::microseconds(-1)),
            dec: Some(dec("2.00")),
            j: Some(serde_json::json!([1e-5, 0.0001, 1e15, 123456789.125, -0.0, 1.0])),
            ..Sample::default()
        },
    );
    assert_eq!(
        stored(&db, &s),
        vec![
            "NULL",
            "1.0e+16",
            "0",
            "'0999-01-01'",
            "'2024-01-02 03:04:05.000007'",
            "'01:02:03.000400'",
            "-1",
            "2",
            "NULL",
            "'[1e-05, 0.0001, 1000000000000000.0, 123456789.125, -0.0, 1.0]'",
            "NULL",
        ]
    );
}

#[test]
fn aware_datetimes_are_stored_in_utc() {
    let db = setup();
    let plus2 = FixedOffset::east_opt(7200).unwrap();
    let dt = plus2.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap().with_timezone(&Utc);
    let s = create(
        &db,
        Sample {
            f: Some(0.1),
            dt: Some(dt),
            dec: Some(dec("0.1")),
            j: Some(serde_json::json!("str")),
            ..Sample::default()
        },
    );
    let v = stored(&db, &s);
    assert_eq!(v[1], "0.1");
    assert_eq!(v[4], "'2024-01-02 01:04:05'");
    assert_eq!(v[7], "0.1");
    assert_eq!(v[9], r#"'"str"'"#);
}

#[test]
fn decimals_go_through_numeric_affinity_as_django_strings_do() {
    let db = setup();
    for (value, expected) in
        [("123456789012345678.1234", "123456789012345680"), ("100", "100"), ("-0.0001", "-0.0001"), ("12.5000", "12.5")]
    {
        let s = create(&db, Sample { dec: Some(dec(value)), ..Sample::default() });
        assert_eq!(raw(&db, "weblog_sample", "dec", s.id.unwrap()), expected, "{value}");
    }
}

#[test]
fn empty_json_containers_and_json_null_versus_sql_null() {
    let db = setup();
    let a = create(&db, Sample { j: Some(serde_json::json!({})), ..Sample::default() });
    let b = create(&db, Sample { j: Some(serde_json::json!([])), ..Sample::default() });
    let c = create(&db, Sample { j: Some(serde_json::Value::Null), ..Sample::default() });
    let d = create(&db, Sample::default());
    assert_eq!(raw(&db, "weblog_sample", "j", a.id.unwrap()), "'{}'");
    assert_eq!(raw(&db, "weblog_sample", "j", b.id.unwrap()), "'[]'");
    assert_eq!(raw(&db, "weblog_sample", "j", c.id.unwrap()), "'null'");
    assert_eq!(raw(&db, "weblog_sample", "j", d.id.unwrap()), "NULL");
}

#[test]
fn every_value_reads_back_equal() {
    let db = setup();
    let original = Sample {
        i16: Some(i16::MIN),
        f: Some(-2.25),
        b: Some(true),
        d: Some(date(2000, 12, 31)),
        dt: Some(utc(1999, 12, 31, 23, 59, 59, 999_999)),
        t: NaiveTime::from_hms_micro_opt(23, 59, 59, 1),
        dur: Some(TimeDelta::microseconds(-86_400_000_001)),
        dec: Some(dec("-3.25")),
        u: Some(Uuid::new_v4()),
        j: Some(serde_json::json!({"k": [1, "two", {"three": 3.5}]})),
        bin: Some(vec![0, 255, 10]),
        ..Sample::default()
    };
    let saved = create(&db, original.clone());
    let mut loaded = QuerySet::<Sample>::new().filter(Condition::pk(saved.id)).get(&db).unwrap();
    loaded.state = saved.state.clone();
    assert_eq!(loaded, saved);
    assert!(!QuerySet::<Sample>::new().get(&db).unwrap().state.adding);
}

#[test]
fn decimal_reads_back_quantized_like_django() {
    let db = setup();
    let s = create(&db, Sample { dec: Some(dec("2.00")), ..Sample::default() });
    let loaded = QuerySet::<Sample>::new().get(&db).unwrap();
    assert_eq!(loaded.dec, Some(dec("2")));
    assert_eq!(quantize_decimal(loaded.dec.unwrap(), 4).to_string(), "2.0000");
    // A REAL keeps 15 significant digits: 0.1 reads back as 0.1.
    db.connection().execute(r#"UPDATE "weblog_sample" SET "dec" = 0.1 WHERE "id" = ?"#, [s.id]).unwrap();
    let loaded = QuerySet::<Sample>::new().get(&db).unwrap();
    assert_eq!(quantize_decimal(loaded.dec.unwrap(), 4).to_string(), "0.1000");
}

#[test]
fn values_written_by_other_programs_are_read_as_django_reads_them() {
    let db = setup();
    db.connection()
        .execute_batch(
            r#"INSERT INTO "weblog_sample" ("id", "dt", "d", "t", "u", "b", "dec")
               VALUES (1, '2024-01-02T03:04:05+02:00', '2024-1-2', '01:02', '12345678-1234-5678-1234-567812345678', 2, '1.50');
               INSERT INTO "weblog_sample" ("id", "dt", "b") VALUES (2, '2024-01-02', 1);
               INSERT INTO "weblog_sample" ("id", "dt") VALUES (3, '2024-01-02 03:04:05.1234567Z');"#,
        )
        .unwrap();
    let all = QuerySet::<Sample>::new().order_by([Order::pk()]).all(&db).unwrap();
    assert_eq!(all[0].dt, Some(utc(2024, 1, 2, 1, 4, 5, 0)));
    assert_eq!(all[0].d, Some(date(2024, 1, 2)));
    assert_eq!(all[0].t, NaiveTime::from_hms_opt(1, 2, 0));
    assert_eq!(all[0].u.unwrap().simple().to_string(), "12345678123456781234567812345678");
    assert_eq!(all[0].b, Some(false), "Django reads a stored 2 as False");
    assert_eq!(all[0].dec, Some(dec("1.5")));
    assert_eq!(all[1].dt, Some(utc(2024, 1, 2, 0, 0, 0, 0)));
    assert_eq!(all[1].b, Some(true));
    assert_eq!(all[2].dt, Some(utc(2024, 1, 2, 3, 4, 5, 123_456)));
}

#[test]
fn bad_stored_values_are_errors_not_panics() {
    let db = setup();
    db.connection().execute_batch(r#"INSERT INTO "weblog_sample" ("id", "d") VALUES (1, 'not a date');"#).unwrap();
    let err = QuerySet::<Sample>::new().all(&db).unwrap_err();
    assert!(matches!(err, Error::Database(_)), "{err:?}");
    db.connection().execute_batch(r#"UPDATE "weblog_sample" SET "d" = NULL, "i16" = 70000 WHERE "id" = 1;"#).unwrap();
    assert!(QuerySet::<Sample>::new().all(&db).is_err());
    db.connection().execute_batch(r#"UPDATE "weblog_sample" SET "i16" = NULL, "u" = 'xyz' WHERE "id" = 1;"#).unwrap();
    assert!(QuerySet::<Sample>::new().all(&db).is_err());
    db.connection()
        .execute_batch(
            r#"UPDATE "weblog_sample" SET "u" = NULL, "j" = NULL, "bin" = X'FF', "t" = '99:00' WHERE "id" = 1;"#,
        )
        .unwrap();
    assert!(QuerySet::<Sample>::new().all(&db).is_err());
}

#[test]
fn bind_wrapper_binds_django_text() {
    let db = setup();
    let conn = db.connection();
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
    let db = setup();
    let mut s = Sample { d: Some(date(10000, 1, 1)), ..Sample::default() };
    assert!(save(&db, &mut s, SaveOptions::default()).is_err());
    assert_eq!(count_rows(&db, "weblog_sample"), 0);
    assert!(DbValue::to_sql(&u64::MAX).is_err());
}

#[test]
fn scalar_types_bind_as_django_stores_them() {
    use modelgen_runtime::chrono::NaiveDateTime;
    let db = setup();
    let conn = db.connection();
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
fn text_and_integer_columns_of_a_model_store_plain_values() {
    let db = setup();
    let blog = create(&db, Blog::new("Beatles"));
    let mut e = Entry::new(&blog, "It's here", date(2024, 1, 1));
    e.rating = None;
    let e = create(&db, e);
    assert_eq!(raw(&db, "weblog_blog", "name", 1), "'Beatles'");
    assert_eq!(raw(&db, "weblog_blog", "tagline", 1), "''");
    let id = e.id.unwrap();
    assert_eq!(raw(&db, "weblog_entry", "headline", id), "'It''s here'");
    assert_eq!(raw(&db, "weblog_entry", "blog_id", id), "1");
    assert_eq!(raw(&db, "weblog_entry", "pub_date", id), "'2024-01-01'");
    assert_eq!(raw(&db, "weblog_entry", "n_comments", id), "0");
    assert_eq!(raw(&db, "weblog_entry", "rating", id), "NULL");
}
