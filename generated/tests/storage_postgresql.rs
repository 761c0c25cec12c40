//! Values stored exactly as Django 5.2's PostgreSQL backend stores them, so
//! that a Django project on PostgreSQL and a modelgen program can share one
//! database: modelgen saves a value, and the column's `::text` (PostgreSQL's
//! own output form, whatever the client) equals what Django left there for
//! the same value; rows written the way Django writes them load in modelgen
//! with every value equal. PostgreSQL only: each test skips (one line, see
//! testing/pg) when no server is available.
//!
//! Django's side is pinned as text, not run: CI has no Python, so the
//! `::text` forms and the literal SQL of Django's INSERTs below are what
//! Django 5.2 (psycopg 3.3, the oracle in shared/tools/django-oracle with
//! `--pg`) stored and sent on PostgreSQL for models mirroring schemas/
//! (the same column types as tests/django/postgresql/*.sql), USE_TZ = True
//! unless a test says otherwise. The SQLite counterpart is storage.rs.

use modelgen_examples::notifications::Notification;
use modelgen_examples::people::{Person, PersonGender, PersonShirtSize};
use modelgen_examples::shop::{Product, Sale};
use modelgen_examples::vault::{Locker, Specimen};
use modelgen_examples::{library, notifications, people, publishing, shop, vault, weblog};
use modelgen_runtime::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use modelgen_runtime::chrono_tz::Europe;
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::rusqlite::types::{ToSqlOutput, Value, ValueRef};
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::serde_json::json;
use modelgen_runtime::tz::TimeZoneSettings;
use modelgen_runtime::uuid::Uuid;
use modelgen_runtime::{Database, DbValue};

/// A fresh PostgreSQL database with the example apps' tables, and the
/// server's test database it lives in (dropped after the handle).
struct Shared {
    db: Database,
    _test_db: modelgen_testing_pg::TestDatabase<'static>,
}

/// `None` (the test then returns) when no PostgreSQL server is available.
fn shared(time_zone: TimeZoneSettings) -> Option<Shared> {
    let server = modelgen_testing_pg::server()?;
    let test_db = server.database();
    let db = Database::from_postgres_client(test_db.connect()).expect("connect").with_time_zone(time_zone);
    db.create_tables(&[&library::APP, &people::APP, &notifications::APP, &shop::APP, &weblog::APP, &vault::APP, &publishing::APP])
        .expect("create the tables");
    Some(Shared { db, _test_db: test_db })
}

/// The `::text` forms of `columns` of row `id` of `table`, as PostgreSQL
/// prints them (and as the oracle's `SELECT col::text` gave them).
fn texts(db: &Database, table: &str, columns: &[&str], id: i64) -> Vec<String> {
    let list: Vec<String> = columns.iter().map(|c| format!(r#""{c}"::text"#)).collect();
    let sql = format!(r#"SELECT {} FROM "{table}" WHERE "id" = ?1"#, list.join(", "));
    let rows = db.query_raw(&sql, &[Value::Integer(id)]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter()
        .next()
        .expect("the row")
        .into_iter()
        .map(|v| match v {
            Value::Text(t) => t,
            Value::Null => "NULL".into(),
            other => panic!("{sql}: not text: {other:?}"),
        })
        .collect()
}

fn text(db: &Database, table: &str, column: &str, id: i64) -> String {
    texts(db, table, &[column], id).remove(0)
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("a valid datetime")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn product(db: &Database, slug: &str) -> Product {
    let mut p = Product::new();
    p.name = slug.into();
    p.slug = slug.into();
    p.save(db).unwrap();
    p
}

// ---------------------------------------------------------------------------
// What is written
// ---------------------------------------------------------------------------

#[test]
fn a_product_saved_by_modelgen_is_stored_as_django_stores_it_on_postgresql() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    let mut p = Product::new();
    p.name = "Ünïcode ✓ 'q'".into();
    p.slug = "mug".into();
    p.price = dec("12.5");
    p.number_sold = 3;
    p.in_stock = false;
    p.sku = Uuid::parse_str("12345678-9ABC-DEF0-1234-56789ABCDEF0").unwrap();
    // Django's dict, the integer beyond 64 bits keeping its digits.
    p.attributes = modelgen_runtime::serde_json::from_str(
        r#"{"size": 2, "color": "rouge é", "aardvark": true, "n": [1, 2.5, 1e-05, 1e16, 0.1, 1.0], "big": 123456789012345678901234567890}"#,
    )
    .unwrap();
    p.save(db).unwrap();
    let id = p.id.unwrap();
    // Django 5.2 stored Product(price=Decimal("12.5"), ...) as these texts
    // (numeric(10, 2) pads to the field's places; jsonb orders keys by
    // length then bytes and prints 1e-05 as 0.00001, 1e16 in full).
    assert_eq!(
        texts(db, "shop_product", &["name", "price", "number_sold", "in_stock", "sku", "attributes"], id),
        [
            "Ünïcode ✓ 'q'",
            "12.50",
            "3",
            "false",
            "12345678-9abc-def0-1234-56789abcdef0",
            r#"{"n": [1, 2.5, 0.00001, 10000000000000000, 0.1, 1.0], "big": 123456789012345678901234567890, "size": 2, "color": "rouge é", "aardvark": true}"#,
        ]
    );
    // auto_now: the saved instant at microseconds, in UTC (the session's
    // TimeZone Django sets with USE_TZ = True).
    let created = p.created.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let created = created.trim_end_matches('0').trim_end_matches('.');
    assert_eq!(text(db, "shop_product", "created", id), format!("{created}+00"));
}

#[test]
fn decimals_are_stored_rounded_to_the_fields_decimal_places_as_django_on_postgresql() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    let mut p = product(db, "p");
    // Django 5.2 bound each Decimal bare (`"price" = 1.005`) into
    // numeric(10, 2); PostgreSQL rounds half away from zero.
    for (value, stored) in [
        ("12.50", "12.50"),
        ("3", "3.00"),
        ("1.005", "1.01"),
        ("0.10", "0.10"),
        ("1E+2", "100.00"),
        ("-0.0", "0.00"),
        ("12345678.99", "12345678.99"),
    ] {
        p.price = Decimal::from_scientific(value).or_else(|_| value.parse()).unwrap();
        p.save(db).unwrap();
        assert_eq!(text(db, "shop_product", "price", p.id.unwrap()), stored, "Decimal('{value}')");
    }
}

#[test]
fn datetimes_are_stored_as_utc_instants_as_django_with_use_tz_on_postgresql() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    let p = product(db, "p");
    let at = |t: DateTime<Utc>| {
        let mut sale = Sale::new(p.key().unwrap(), t);
        sale.save(db).unwrap();
        text(db, "shop_sale", "sold_at", sale.id.unwrap())
    };
    // Django 5.2: datetime(2024,1,2,3,4,5,500000, utc) -> '...05.5+00',
    // 14:00+02:00 -> '12:00:00+00', year 999 -> '0999-01-05 00:00:00+00'.
    assert_eq!(at(utc(2024, 1, 2, 3, 4, 5)), "2024-01-02 03:04:05+00");
    assert_eq!(at(utc(2024, 1, 2, 3, 4, 5) + TimeDelta::microseconds(123_456)), "2024-01-02 03:04:05.123456+00");
    assert_eq!(at(utc(2024, 1, 2, 3, 4, 5) + TimeDelta::milliseconds(500)), "2024-01-02 03:04:05.5+00");
    let paris = DateTime::parse_from_rfc3339("2024-07-01T14:00:00+02:00").unwrap().with_timezone(&Utc);
    assert_eq!(at(paris), "2024-07-01 12:00:00+00");
    assert_eq!(at(utc(999, 1, 5, 0, 0, 0)), "0999-01-05 00:00:00+00");
}

#[test]
fn dates_choices_text_and_null_are_stored_as_django_stores_them_on_postgresql() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    let mut person = Person::new();
    person.first_name = "José".into();
    person.email = "jose@example.com".into();
    person.gender = PersonGender::Female;
    person.shirt_size = PersonShirtSize::Large;
    person.birth_date = Some(date(999, 1, 5));
    person.save(db).unwrap();
    // Django 5.2: Person(first_name="José", gender="F", birth_date=
    // date(999,1,5), shirt_size=3) -> 'José', 'F', '0999-01-05', '3'.
    assert_eq!(
        texts(db, "people_person", &["first_name", "gender", "birth_date", "shirt_size"], person.id.unwrap()),
        ["José", "F", "0999-01-05", "3"]
    );
    let p = product(db, "p");
    let mut sale = Sale::new(p.key().unwrap(), utc(2024, 1, 1, 0, 0, 0));
    sale.save(db).unwrap();
    // Django 5.2: quantity default 1 -> '1' in a smallint, note None -> NULL.
    assert_eq!(texts(db, "shop_sale", &["quantity", "note"], sale.id.unwrap()), ["1", "NULL"]);
    let mut n = Notification::new();
    n.title = "t".into();
    n.read = true;
    n.save(db).unwrap();
    assert_eq!(text(db, "notifications_notification", "read", n.id.unwrap()), "true");
    // A FileField stores the file's name as given: Django 5.2 stored
    // FileField "photos/a b.png" as 'photos/a b.png' in its varchar(100).
    let mut book = modelgen_examples::publishing::Book::new();
    book.title = "t".into();
    book.manuscript = "photos/a b.png".into();
    book.save(db).unwrap();
    assert_eq!(text(db, "publishing_book", "manuscript", book.id.unwrap()), "photos/a b.png");
}

#[test]
fn binary_big_integers_floats_and_decimal_places_are_stored_as_django_stores_them_on_postgresql() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    let mut locker = Locker::new();
    locker.label = "l".into();
    locker.save(db).unwrap();
    let specimen = |data: &[u8], big: i64, ratio: f64, amount: &str| {
        let mut sp = Specimen::new(locker.key().unwrap());
        sp.data = data.to_vec();
        sp.big = big;
        sp.ratio = ratio;
        sp.amount = dec(amount);
        sp.save(db).unwrap();
        texts(db, "vault_specimen", &["data", "big", "ratio", "amount"], sp.id.unwrap())
    };
    // Django 5.2 (BinaryField, BigIntegerField, FloatField,
    // DecimalField(max_digits=12, decimal_places=4)):
    // (b"\x00\x01'\xff", 2**63-1, 0.1, Decimal("1.5")) -> '\x000127ff',
    // '9223372036854775807', '0.1', '1.5000'; (b"", -2**63, 1e100,
    // Decimal("-0.0001")) -> '\x', '-9223372036854775808', '1e+100',
    // '-0.0001'; 1/3 -> '0.3333333333333333'.
    assert_eq!(specimen(b"\x00\x01'\xff", i64::MAX, 0.1, "1.5"), [r"\x000127ff", "9223372036854775807", "0.1", "1.5000"]);
    assert_eq!(specimen(b"", i64::MIN, 1e100, "-0.0001"), [r"\x", "-9223372036854775808", "1e+100", "-0.0001"]);
    assert_eq!(specimen(b"", 0, 1.0 / 3.0, "0")[2], "0.3333333333333333");
}

/// A table with Django 5.2's PostgreSQL columns of a TimeField and a
/// DurationField (no example schema has them), `null=True`.
const TIME_AND_DURATION: &str = r#"CREATE TABLE "sample" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "at" time NULL, "took" interval NULL)"#;

/// `value` as the runtime binds it.
fn bound(value: &dyn DbValue) -> Value {
    match value.to_sql().expect("bind") {
        ToSqlOutput::Owned(v) => v,
        ToSqlOutput::Borrowed(v) => v.into(),
        other => panic!("unexpected binding {other:?}"),
    }
}

/// Insert `value` bound by the runtime into `column` of a new sample row:
/// the row's id.
fn insert_sample(db: &Database, column: &str, value: &dyn DbValue) -> i64 {
    let rows = db
        .query_raw(&format!(r#"INSERT INTO "sample" ("{column}") VALUES (?1) RETURNING "id""#), &[bound(value)])
        .unwrap();
    match rows[0][0] {
        Value::Integer(id) => id,
        ref other => panic!("id: {other:?}"),
    }
}

/// `column` of sample row `id` read back through the runtime's conversion.
fn load_sample<T: DbValue>(db: &Database, column: &str, id: i64) -> T {
    let rows = db.query_raw(&format!(r#"SELECT "{column}" FROM "sample" WHERE "id" = ?1"#), &[Value::Integer(id)]).unwrap();
    T::from_sql(ValueRef::from(&rows[0][0])).expect("convert")
}

#[test]
fn times_and_durations_are_stored_as_django_stores_them_on_postgresql() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    db.execute_raw(TIME_AND_DURATION, &[]).unwrap();
    let time = |t: NaiveTime| text(db, "sample", "at", insert_sample(db, "at", &t));
    // Django 5.2: time(13,4,5,120000) -> '13:04:05.12', time(0,0) -> '00:00:00'.
    assert_eq!(time(NaiveTime::from_hms_micro_opt(13, 4, 5, 120_000).unwrap()), "13:04:05.12");
    assert_eq!(time(NaiveTime::MIN), "00:00:00");
    let took = |d: TimeDelta| {
        let id = insert_sample(db, "took", &d);
        (text(db, "sample", "took", id), load_sample::<TimeDelta>(db, "took", id))
    };
    // Django 5.2 sent str(timedelta) ('1 day 0:00:02.000003', '-1 day
    // 23:59:59.999999', '40 days 0:00:00') and stored a days part: '1 day
    // 00:00:02.000003', '-1 days +23:59:59.999999', '40 days'.
    for (d, stored) in [
        (TimeDelta::days(1) + TimeDelta::seconds(2) + TimeDelta::microseconds(3), "1 day 00:00:02.000003"),
        (TimeDelta::microseconds(-1), "-1 days +23:59:59.999999"),
        (TimeDelta::days(40), "40 days"),
        (TimeDelta::seconds(2) + TimeDelta::microseconds(3), "00:00:02.000003"),
    ] {
        assert_eq!(took(d), (stored.to_string(), d), "{d:?}");
    }
}

// ---------------------------------------------------------------------------
// Time zones: USE_TZ = False
// ---------------------------------------------------------------------------

#[test]
fn naive_datetimes_are_paris_wall_clock_in_the_session_time_zone_as_django_without_use_tz() {
    let Some(s) = shared(TimeZoneSettings::naive(Europe::Paris)) else { return };
    let db = &s.db;
    let p = product(db, "p");
    let naive = |y, mo, d, h, mi, s, micro| {
        let t = NaiveDateTime::new(date(y, mo, d), NaiveTime::from_hms_micro_opt(h, mi, s, micro).unwrap());
        Europe::Paris.from_local_datetime(&t).single().unwrap().with_timezone(&Utc)
    };
    let mut sale = Sale::new(p.key().unwrap(), naive(2024, 7, 1, 14, 0, 0, 250_000));
    sale.save(db).unwrap();
    // Django 5.2 with USE_TZ = False, TIME_ZONE = 'Europe/Paris' sets the
    // session's TimeZone to Europe/Paris and sends the naive wall-clock
    // ('2024-07-01 14:00:00.250000'::timestamp): `::text` in that session
    // is '2024-07-01 14:00:00.25+02', the instant 12:00:00.25 UTC.
    assert_eq!(text(db, "shop_sale", "sold_at", sale.id.unwrap()), "2024-07-01 14:00:00.25+02");
    let utc_view = db
        .query_raw(
            r#"SELECT ("sold_at" AT TIME ZONE 'UTC')::text FROM "shop_sale" WHERE "id" = ?1"#,
            &[Value::Integer(sale.id.unwrap())],
        )
        .unwrap();
    assert_eq!(utc_view[0][0], Value::Text("2024-07-01 12:00:00.25".into()));
    // Django's INSERT of datetime(2024, 1, 15, 9, 30) under the same settings.
    db.execute_raw(
        &format!(
            r#"INSERT INTO "shop_sale" ("id", "product_id", "quantity", "sold_at", "note") VALUES (90, {}, 1, '2024-01-15 09:30:00'::timestamp, NULL)"#,
            p.id.unwrap()
        ),
        &[],
    )
    .unwrap();
    assert_eq!(text(db, "shop_sale", "sold_at", 90), "2024-01-15 09:30:00+01");
    assert_eq!(Sale::get(db, 90).unwrap().sold_at, naive(2024, 1, 15, 9, 30, 0, 0), "reads as Django's naive 09:30");
}

// ---------------------------------------------------------------------------
// What is read: rows written as Django writes them
// ---------------------------------------------------------------------------

#[test]
fn a_product_row_inserted_by_djangos_sql_loads_with_every_value() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    // Django 5.2's INSERT for Product.objects.create(...) (id added).
    db.execute_raw(
        r#"INSERT INTO "shop_product" ("id", "name", "slug", "price", "number_sold", "in_stock", "sku", "attributes", "created", "updated") VALUES (7, 'Ünïcode ✓ ''q''', 'mug', 12.5, 3, false, '123456789abcdef0123456789abcdef0'::uuid,  E'{"size": 2, "color": "rouge \\u00e9", "aardvark": true, "n": [1, 2.5, 1e-05, 1e+16, 0.1, 1.0], "big": 123456789012345678901234567890}'::jsonb, '2024-01-02 03:04:05.123456+00:00'::timestamptz, '2024-01-02 03:04:05+00:00'::timestamptz)"#,
        &[],
    )
    .unwrap();
    let p = Product::get(db, 7).unwrap();
    assert_eq!((p.name.as_str(), p.slug.as_str(), p.number_sold, p.in_stock), ("Ünïcode ✓ 'q'", "mug", 3, false));
    // Django read back Decimal('12.50'), UUID('12345678-9abc-...').
    assert_eq!((p.price.to_string(), p.price.scale()), ("12.50".to_string(), 2));
    assert_eq!(p.sku, Uuid::parse_str("12345678-9abc-def0-1234-56789abcdef0").unwrap());
    assert_eq!(p.attributes["color"], json!("rouge é"));
    // jsonb gave 1e+16 back as 10000000000000000: Django read an int too.
    assert_eq!(p.attributes["n"], json!([1, 2.5, 1e-05, 10_000_000_000_000_000_i64, 0.1, 1.0]));
    assert_eq!(p.attributes["big"].to_string(), "123456789012345678901234567890");
    assert_eq!(p.created, utc(2024, 1, 2, 3, 4, 5) + TimeDelta::microseconds(123_456));
    assert_eq!(p.updated, utc(2024, 1, 2, 3, 4, 5));
    // Saved back unchanged, the stored jsonb is the same.
    let before = text(db, "shop_product", "attributes", 7);
    let mut p = p;
    p.name = "Mug".into();
    p.save(db).unwrap();
    assert_eq!(text(db, "shop_product", "attributes", 7), before);
}

#[test]
fn person_sale_and_specimen_rows_inserted_by_djangos_sql_load_with_every_value() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    for sql in [
        r#"INSERT INTO "people_person" ("id", "first_name", "last_name", "gender", "birth_date", "email", "shirt_size") VALUES (1, 'José', '', 'F', '0999-01-05'::date, 'jose@example.com', 3)"#,
        r#"INSERT INTO "shop_product" ("id", "name", "slug", "price", "number_sold", "in_stock", "sku", "attributes", "created", "updated") VALUES (1, 'x', 'x', 0, 0, true, 'd0373e995f2c43c78c7575725161e009'::uuid, '{}'::jsonb, '2024-07-01 14:00:00+02:00'::timestamptz, '2024-01-02 03:04:05.500000+00:00'::timestamptz)"#,
        r#"INSERT INTO "shop_sale" ("id", "product_id", "quantity", "sold_at", "note") VALUES (1, 1, 1, '0999-01-05 00:00:00+00:00'::timestamptz, NULL)"#,
        r#"INSERT INTO "vault_locker" ("id", "label") VALUES (1, 'l')"#,
        r#"INSERT INTO "vault_specimen" ("id", "locker_id", "text", "data", "big", "ratio", "amount", "hits") VALUES (1, 1, '', '\x000127ff'::bytea, 9223372036854775807, 0.1, 1.5, 0)"#,
        r#"INSERT INTO "vault_specimen" ("id", "locker_id", "text", "data", "big", "ratio", "amount", "hits") VALUES (2, 1, '', '\x'::bytea,  -9223372036854775808, 1e+100,  -0.0001, 0)"#,
    ] {
        db.execute_raw(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let person = Person::get(db, 1).unwrap();
    assert_eq!(
        (person.first_name.as_str(), person.gender.clone(), person.birth_date, person.shirt_size.clone()),
        ("José", PersonGender::Female, Some(date(999, 1, 5)), PersonShirtSize::Large)
    );
    let p = Product::get(db, 1).unwrap();
    assert_eq!((p.created, p.updated), (utc(2024, 7, 1, 12, 0, 0), utc(2024, 1, 2, 3, 4, 5) + TimeDelta::milliseconds(500)));
    assert_eq!((p.price.to_string(), p.attributes.clone()), ("0.00".to_string(), json!({})));
    let sale = Sale::get(db, 1).unwrap();
    assert_eq!((sale.quantity, sale.sold_at, sale.note), (1, utc(999, 1, 5, 0, 0, 0), None));
    // Django 5.2 read back b"\x00\x01'\xff", 2**63-1, 0.1, Decimal('1.5000').
    let a = Specimen::get(db, 1).unwrap();
    assert_eq!((a.data.as_slice(), a.big, a.ratio), (&b"\x00\x01'\xff"[..], i64::MAX, 0.1));
    assert_eq!(a.amount.to_string(), "1.5000");
    let b = Specimen::get(db, 2).unwrap();
    assert_eq!((b.data.is_empty(), b.big, b.ratio, b.amount.to_string()), (true, i64::MIN, 1e100, "-0.0001".to_string()));
}

#[test]
fn times_and_durations_written_by_django_load_as_django_reads_them() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    db.execute_raw(TIME_AND_DURATION, &[]).unwrap();
    // Django 5.2's INSERT literals for time(13,4,5,120000) and
    // timedelta(days=1, seconds=2, microseconds=3), timedelta(microseconds=-1),
    // timedelta(days=40).
    db.execute_raw(
        r#"INSERT INTO "sample" ("id", "at", "took") VALUES (1, '13:04:05.120000'::time, '1 day 0:00:02.000003'::interval), (2, '00:00:00'::time, '-1 day 23:59:59.999999'::interval), (3, NULL, '40 days 0:00:00'::interval)"#,
        &[],
    )
    .unwrap();
    assert_eq!(load_sample::<Option<NaiveTime>>(db, "at", 1), NaiveTime::from_hms_micro_opt(13, 4, 5, 120_000));
    assert_eq!(load_sample::<Option<NaiveTime>>(db, "at", 3), None);
    assert_eq!(
        load_sample::<TimeDelta>(db, "took", 1),
        TimeDelta::days(1) + TimeDelta::seconds(2) + TimeDelta::microseconds(3)
    );
    assert_eq!(load_sample::<TimeDelta>(db, "took", 2), TimeDelta::microseconds(-1));
    assert_eq!(load_sample::<TimeDelta>(db, "took", 3), TimeDelta::days(40));
}

#[test]
fn intervals_with_years_and_months_load_as_psycopg_gives_them_to_django() {
    let Some(s) = shared(TimeZoneSettings::UTC) else { return };
    let db = &s.db;
    db.execute_raw(TIME_AND_DURATION, &[]).unwrap();
    // Django 5.2 (psycopg 3.3) read '1 year 2 mons 3 days' as
    // timedelta(days=428), '-1 year' as days=-365, '-14 mons' as
    // days=-425 and '1 mon -1 days 01:00:00' as days=29, seconds=3600:
    // a year is 365 days, a month 30.
    db.execute_raw(
        r#"INSERT INTO "sample" ("id", "took") VALUES (1, '1 year 2 mons 3 days'), (2, '-1 year'), (3, '-14 mons'), (4, '1 mon -1 days 01:00:00')"#,
        &[],
    )
    .unwrap();
    assert_eq!(load_sample::<TimeDelta>(db, "took", 1), TimeDelta::days(428));
    assert_eq!(load_sample::<TimeDelta>(db, "took", 2), TimeDelta::days(-365));
    assert_eq!(load_sample::<TimeDelta>(db, "took", 3), TimeDelta::days(-425));
    assert_eq!(load_sample::<TimeDelta>(db, "took", 4), TimeDelta::days(29) + TimeDelta::hours(1));
}
