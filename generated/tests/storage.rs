//! Values stored exactly as Django 6's SQLite backend stores them (with
//! `USE_TZ = True`), so that a Django project and a modelgen program can
//! share one database file: each test reads the exact stored form back with
//! raw SQL, and loads rows written the way Django writes them.
//!
//! The example schemas have no TimeField, DurationField, FloatField or
//! BinaryField; their stored forms (`'HH:MM:SS[.ffffff]'`, integer
//! microseconds, Python's float repr, blobs) are tested on a plain table in
//! runtime/tests/values.rs.

mod common;

use common::*;
use modelgen_examples::library::Book;
use modelgen_examples::notifications::{Notification, NotificationNotificationType};
use modelgen_examples::people::{Person, PersonGender, PersonShirtSize};
use modelgen_examples::shop::{Product, Sale};
use modelgen_examples::weblog::{Entry, EntryStatus};
use modelgen_examples::{library, notifications, people, shop, weblog};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::{DateTime, TimeDelta, Utc};
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::serde_json::json;
use modelgen_runtime::uuid::Uuid;
use modelgen_runtime::Database;

fn product(db: &Database, slug: &str, price: &str) -> Product {
    let mut p = Product::new();
    p.name = slug.into();
    p.slug = slug.into();
    p.price = price.parse().unwrap();
    p.save(db).unwrap();
    p
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

// ---------------------------------------------------------------------------
// What is written
// ---------------------------------------------------------------------------

#[test]
fn dates_are_stored_as_iso_text() {
    let db = setup();
    let b = blog(&db, "b");
    let e = entry(&db, &b, "leap", date(2024, 2, 29));
    let id = e.id.unwrap();
    assert_eq!(raw(&db, "weblog_entry", "pub_date", id), "'2024-02-29'");
    assert_eq!(storage_class(&db, "weblog_entry", "pub_date", id), "text");
    let mut old = Book::new(date(999, 1, 5));
    old.title = "Old".into();
    old.isbn = "1".into();
    old.save(&db).unwrap();
    assert_eq!(raw(&db, "library_book", "published", old.id.unwrap()), "'0999-01-05'", "years padded to 4 digits");
}

#[test]
fn datetimes_are_stored_as_utc_text_with_microseconds_only_when_not_zero() {
    let db = setup();
    let p = product(&db, "p", "1");
    let at = |t: DateTime<Utc>| {
        let mut s = Sale::new(p.key().unwrap(), t);
        s.save(&db).unwrap();
        raw(&db, "shop_sale", "sold_at", s.id.unwrap())
    };
    assert_eq!(at(utc(2024, 1, 2, 3, 4, 5)), "'2024-01-02 03:04:05'");
    assert_eq!(at(utc(2024, 1, 2, 3, 4, 5) + TimeDelta::microseconds(123_456)), "'2024-01-02 03:04:05.123456'");
    assert_eq!(at(utc(2024, 1, 2, 3, 4, 5) + TimeDelta::milliseconds(500)), "'2024-01-02 03:04:05.500000'");
    // An aware datetime of another zone is stored in UTC, as Django with USE_TZ.
    let paris = DateTime::parse_from_rfc3339("2024-07-01T14:00:00+02:00").unwrap().with_timezone(&Utc);
    assert_eq!(at(paris), "'2024-07-01 12:00:00'");
}

#[test]
fn auto_now_datetimes_are_stored_at_microsecond_precision() {
    let db = setup();
    let p = product(&db, "p", "1");
    let stored = raw(&db, "shop_product", "created", p.id.unwrap());
    let expected = p.created.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let expected = expected.trim_end_matches(".000000");
    assert_eq!(stored, format!("'{expected}'"));
}

#[test]
fn decimals_are_stored_through_the_numeric_affinity_as_djangos_strings_are() {
    if common::sqlite_only("SQLite's NUMERIC affinity (PostgreSQL stores numeric as given)") {
        return;
    }
    let db = setup();
    // Django binds str(Decimal('12.50')); the `decimal` column's NUMERIC
    // affinity turns it into a REAL 12.5, and '10.00' into an INTEGER 10.
    let a = product(&db, "a", "12.50");
    let b = product(&db, "b", "10.00");
    let c = product(&db, "c", "0.00");
    assert_eq!(
        (
            raw(&db, "shop_product", "price", a.id.unwrap()).as_str(),
            storage_class(&db, "shop_product", "price", a.id.unwrap()).as_str()
        ),
        ("12.5", "real")
    );
    assert_eq!(
        (
            raw(&db, "shop_product", "price", b.id.unwrap()).as_str(),
            storage_class(&db, "shop_product", "price", b.id.unwrap()).as_str()
        ),
        ("10", "integer")
    );
    assert_eq!(raw(&db, "shop_product", "price", c.id.unwrap()), "0");
}

#[test]
fn decimals_land_in_the_column_as_django_5_2_writes_them() {
    if common::sqlite_only("SQLite's NUMERIC affinity (PostgreSQL stores numeric as given)") {
        return;
    }
    // What Django 5.2 left in a DecimalField(max_digits=10, decimal_places=2)
    // column for each Decimal (create() and save() alike: no quantizing on
    // the way in): str(Decimal) through the NUMERIC affinity.
    let db = setup();
    for (value, stored, class) in [
        ("12.5", "12.5", "real"),
        ("12.50", "12.5", "real"),
        ("3", "3", "integer"),
        ("1.005", "1.005", "real"),
        ("0.10", "0.1", "real"),
        ("1E+2", "100", "integer"),
        ("-0.0", "0", "integer"),
        ("12345678.99", "12345678.99", "real"),
    ] {
        let mut p = product(&db, &format!("d{}", value.replace(['.', '+', '-'], "_")), "0");
        p.price = Decimal::from_scientific(value).or_else(|_| value.parse()).unwrap();
        p.save(&db).unwrap();
        let id = p.id.unwrap();
        assert_eq!(
            (raw(&db, "shop_product", "price", id), storage_class(&db, "shop_product", "price", id)),
            (stored.to_string(), class.to_string()),
            "Decimal('{value}')"
        );
    }
}

#[test]
fn json_numbers_written_by_django_survive_a_load_and_save_unchanged() {
    if common::sqlite_only("raw SQL with SQLite's literals; jsonb normalizes numbers") {
        return;
    }
    // Django 5.2 stored {"a": 123456789012345678901234567890, "b": 0.1,
    // "c": 1e100, "d": 1.0} as this text (json.dumps): the integer beyond 64
    // bits keeps its digits, 1e100 is written 1e+100.
    let django = r#"{"a": 123456789012345678901234567890, "b": 0.1, "c": 1e+100, "d": 1.0}"#;
    let db = setup();
    insert_product_row(
        &db,
        &format!(
            "9, 'Mug', 'mug', '1.00', 0, 1, '0f8fad5bd9cb469fa16570867728950e', '{django}', \
             '2024-01-01 00:00:00', '2024-01-01 00:00:00'"
        ),
    )
    .unwrap();
    let mut p = Product::get(&db, 9).unwrap();
    assert_eq!(p.attributes["a"].to_string(), "123456789012345678901234567890");
    assert_eq!(p.attributes["b"], json!(0.1));
    assert_eq!(p.attributes["c"], json!(1e100), "a loaded float equals the same f64 built in Rust");
    assert_eq!(p.attributes["d"], json!(1.0));
    p.name = "Mug 2".into();
    p.save(&db).unwrap();
    assert_eq!(raw(&db, "shop_product", "attributes", 9), format!("'{django}'"));
    let reloaded = Product::get(&db, 9).unwrap();
    assert_eq!(reloaded.attributes, p.attributes, "a saved value equals itself reloaded");
}

#[test]
fn uuids_are_stored_as_32_lowercase_hex_characters() {
    let db = setup();
    let mut p = Product::new();
    p.name = "p".into();
    p.slug = "p".into();
    p.sku = Uuid::parse_str("12345678-9ABC-DEF0-1234-56789ABCDEF0").unwrap();
    p.save(&db).unwrap();
    assert_eq!(raw(&db, "shop_product", "sku", p.id.unwrap()), "'123456789abcdef0123456789abcdef0'");
}

#[test]
fn json_is_stored_as_pythons_json_dumps_writes_it() {
    if common::sqlite_only("SQLite keeps JSON text; jsonb normalizes it (Django on PostgreSQL too)") {
        return;
    }
    let db = setup();
    let mut p = Product::new();
    p.name = "p".into();
    p.slug = "p".into();
    p.attributes = json!({"color": "rouge é", "sizes": [1, 2.5, 1e-05, 1e16], "tags": {}, "x": null, "y": true});
    p.save(&db).unwrap();
    // ", " and ": " separators, non-ASCII escaped, floats as Python's repr.
    assert_eq!(
        raw(&db, "shop_product", "attributes", p.id.unwrap()),
        r#"'{"color": "rouge \u00e9", "sizes": [1, 2.5, 1e-05, 1e+16], "tags": {}, "x": null, "y": true}'"#
    );
    let empty = product(&db, "empty", "1");
    assert_eq!(raw(&db, "shop_product", "attributes", empty.id.unwrap()), "'{}'");
}

#[test]
fn booleans_are_stored_as_0_and_1() {
    let db = setup();
    let mut p = Product::new();
    p.name = "p".into();
    p.slug = "p".into();
    p.in_stock = false;
    p.save(&db).unwrap();
    assert_eq!(raw(&db, "shop_product", "in_stock", p.id.unwrap()), "0");
    let mut n = Notification::new();
    n.title = "t".into();
    n.read = true;
    n.save(&db).unwrap();
    assert_eq!(raw(&db, "notifications_notification", "read", n.id.unwrap()), "1");
}

#[test]
fn none_is_stored_as_null_and_choices_as_their_values() {
    let db = setup();
    let p = product(&db, "p", "1");
    let mut s = Sale::new(p.key().unwrap(), utc(2024, 1, 1, 0, 0, 0));
    s.save(&db).unwrap();
    assert_eq!(raw(&db, "shop_sale", "note", s.id.unwrap()), "NULL");
    let mut person = Person::new();
    person.first_name = "Ann".into();
    person.email = "ann@example.com".into();
    person.gender = PersonGender::Female;
    person.shirt_size = PersonShirtSize::Large;
    person.save(&db).unwrap();
    let id = person.id.unwrap();
    assert_eq!(raw(&db, "people_person", "birth_date", id), "NULL");
    assert_eq!(raw(&db, "people_person", "gender", id), "'F'");
    assert_eq!(raw(&db, "people_person", "shirt_size", id), "3");
    assert_eq!(storage_class(&db, "people_person", "shirt_size", id), "integer");
}

#[test]
fn table_and_column_names_are_djangos() {
    if common::sqlite_only("reads SQLite's catalog or sets a SQLite PRAGMA") {
        return;
    }
    let db = setup();
    let tables: Vec<String> = {
        let mut stmt = db
            .sqlite_connection().expect("an SQLite database")
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    // `<app>_<model lower>`, and `<app>_<model>_<field>` for M2M join tables.
    for expected in [
        "library_author",
        "library_authorship",
        "library_book",
        "library_book_related",
        "library_cover",
        "library_publisher",
        "notifications_notification",
        "people_person",
        "shop_product",
        "shop_sale",
        "weblog_author",
        "weblog_blog",
        "weblog_entry",
        "weblog_entry_authors",
    ] {
        assert!(tables.iter().any(|t| t == expected), "missing {expected} in {tables:?}");
    }
    let columns: Vec<String> = {
        let mut stmt = db.sqlite_connection().expect("an SQLite database").prepare("SELECT name FROM pragma_table_info('weblog_entry_authors')").unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    assert_eq!(columns, vec!["id", "entry_id", "author_id"], "FK columns are `<field>_id`");
}

// ---------------------------------------------------------------------------
// What is read: rows written as Django writes them
// ---------------------------------------------------------------------------

#[test]
fn a_product_row_written_by_django_loads_with_every_value() {
    if common::sqlite_only("raw SQL with SQLite's literals (0/1 booleans)") {
        return;
    }
    let db = setup();
    insert_product_row(
        &db,
        r#"7, 'Mug', 'mug', '12.50', 3, 1, '0f8fad5bd9cb469fa16570867728950e', '{"size": 2, "color": "red", "tags": ["a", "b"]}',
           '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05'"#,
    )
    .unwrap();
    let p = Product::get(&db, 7).unwrap();
    assert_eq!((p.name.as_str(), p.slug.as_str(), p.number_sold, p.in_stock), ("Mug", "mug", 3, true));
    assert_eq!(p.price, dec("12.5"));
    assert_eq!(p.sku, Uuid::parse_str("0f8fad5b-d9cb-469f-a165-70867728950e").unwrap());
    assert_eq!(p.attributes, json!({"size": 2, "color": "red", "tags": ["a", "b"]}));
    assert_eq!(p.created, utc(2024, 1, 2, 3, 4, 5) + TimeDelta::microseconds(123_456));
    assert_eq!(p.updated, utc(2024, 1, 2, 3, 4, 5));
}

#[test]
fn a_decimal_loads_with_the_fields_decimal_places_as_django() {
    let db = setup();
    let p = product(&db, "p", "12.50");
    let loaded = Product::get(&db, p.id.unwrap()).unwrap();
    assert_eq!(loaded.price.to_string(), "12.50");
    assert_eq!(loaded.price.scale(), 2);
}

#[test]
fn a_decimal_stored_as_a_real_reads_back_with_15_significant_digits_as_django() {
    if common::sqlite_only("a REAL in a decimal column exists on SQLite only") {
        return;
    }
    // Django's converter reads a REAL through str(float) limited to 15
    // digits: 0.1 comes back as Decimal('0.10'), not 0.1000000000000000055...
    let db = setup();
    let p = product(&db, "p", "1");
    db.execute_raw(r#"UPDATE "shop_product" SET "price" = 0.1"#, &[]).unwrap();
    assert_eq!(storage_class(&db, "shop_product", "price", p.id.unwrap()), "real");
    assert_eq!(Product::get(&db, p.id.unwrap()).unwrap().price.to_string(), "0.10");
}

#[test]
fn values_written_by_other_programs_are_read_as_django_reads_them() {
    if common::sqlite_only("raw SQL with SQLite's literals (0/1 booleans)") {
        return;
    }
    let db = setup();
    insert_product_row(
        &db,
        "1, 'Mug', 'mug', '1.50', 0, 2, '12345678-1234-5678-1234-567812345678', '{}', '2024-01-02T03:04:05+02:00', '2024-01-02'",
    )
    .unwrap();
    let p = Product::get(&db, 1).unwrap();
    assert_eq!(p.created, utc(2024, 1, 2, 1, 4, 5), "an ISO datetime with an offset is converted to UTC");
    assert_eq!(p.updated, utc(2024, 1, 2, 0, 0, 0), "a bare date is midnight UTC");
    assert_eq!(p.sku.simple().to_string(), "12345678123456781234567812345678", "a UUID with dashes");
    assert!(!p.in_stock, "Django reads a stored 2 as False");
    assert_eq!(p.price, dec("1.50"));
    db.execute_raw(
        r#"INSERT INTO "shop_sale" ("id", "product_id", "quantity", "sold_at") VALUES (1, 1, 1, '2024-01-02 03:04:05.1234567Z')"#,
        &[],
    )
    .unwrap();
    assert_eq!(
        Sale::get(&db, 1).unwrap().sold_at,
        utc(2024, 1, 2, 3, 4, 5) + TimeDelta::microseconds(123_456),
        "digits beyond microseconds are cut, a Z is UTC"
    );
    db.execute_raw(
        r#"INSERT INTO "people_person" ("id", "first_name", "last_name", "gender", "birth_date", "email", "shirt_size")
           VALUES (1, 'Ann', 'Doe', '', '2024-1-2', 'ann@example.com', 1)"#,
        &[],
    )
    .unwrap();
    assert_eq!(Person::get(&db, 1).unwrap().birth_date, Some(date(2024, 1, 2)), "a date without zero padding");
}

#[test]
fn entry_person_and_notification_rows_written_by_django_load() {
    if common::sqlite_only("raw SQL with SQLite's literals (0/1 booleans)") {
        return;
    }
    let db = setup();
    db.execute_raw(r#"INSERT INTO "weblog_blog" ("id", "name", "tagline") VALUES (1, 'b', 't')"#, &[]).unwrap();
    db.execute_raw(
        r#"INSERT INTO "weblog_entry" ("id", "blog_id", "headline", "body_text", "pub_date", "mod_date", "n_comments", "n_pingbacks", "rating", "status")
           VALUES (1, 1, 'h', 'b', '2024-02-29', '2024-03-01', 2, 0, 4, 'p')"#,
        &[],
    )
    .unwrap();
    let e = Entry::get(&db, 1).unwrap();
    assert_eq!(
        (e.pub_date, e.mod_date, e.status.clone(), e.rating),
        (date(2024, 2, 29), date(2024, 3, 1), EntryStatus::Published, 4)
    );

    db.execute_raw(
        r#"INSERT INTO "people_person" ("id", "first_name", "last_name", "gender", "birth_date", "email", "shirt_size")
           VALUES (1, 'José', 'Müller', '', '1990-05-17', 'jose@example.com', 1)"#,
        &[],
    )
    .unwrap();
    let p = Person::get(&db, 1).unwrap();
    assert_eq!(
        (p.birth_date, p.shirt_size.clone(), p.get_gender_display()),
        (Some(date(1990, 5, 17)), PersonShirtSize::Small, "".into())
    );

    db.execute_raw(
        r#"INSERT INTO "notifications_notification" ("id", "receiver_id", "notification_type", "title", "body", "sent_at", "created", "read")
           VALUES (1, 1, 2, 'hi', '', NULL, '2024-01-02 03:04:05.000001', 0)"#,
        &[],
    )
    .unwrap();
    let n = Notification::get(&db, 1).unwrap();
    assert_eq!(
        (n.receiver_id, n.notification_type.clone(), n.sent_at, n.read),
        (Some(1), NotificationNotificationType::Mention, None, false)
    );
    assert_eq!(n.created, utc(2024, 1, 2, 3, 4, 5) + TimeDelta::microseconds(1));
}

#[test]
fn every_value_reads_back_equal_to_what_was_saved() {
    if common::sqlite_only("saves i64::MAX into an integer (int4) column, a DataError on PostgreSQL") {
        return;
    }
    let db = setup();
    let mut p = Product::new();
    p.name = "Ünïcode ✓".into();
    p.slug = "u".into();
    p.price = dec("99999999.99");
    p.number_sold = i64::MAX;
    p.attributes = json!({"nested": {"list": [1, "two", 3.5, false, null]}});
    p.save(&db).unwrap();
    let loaded = Product::get(&db, p.id.unwrap()).unwrap();
    assert_eq!(loaded, p);
}

#[test]
fn integers_django_stores_beyond_the_field_types_portable_range_load_and_save() {
    if common::sqlite_only("SQLite stores any integer in an integer column") {
        return;
    }
    // Django 5.2 on SQLite stores and loads 2**40 in an IntegerField and
    // 70000 in a PositiveSmallIntegerField (integer_field_range is the i64
    // range for every type): so does modelgen, the fields being i64.
    let db = setup();
    let (id, loaded) = entry_with_stored(&db, "n_comments", "1099511627776");
    let mut loaded = loaded.unwrap();
    assert_eq!(loaded.n_comments, 1_i64 << 40);
    assert_eq!(Entry::objects().filter(Entry::N_COMMENTS.gt(1_i64 << 39)).count(&db).unwrap(), 1);
    loaded.save(&db).unwrap();
    assert_eq!(raw(&db, "weblog_entry", "n_comments", id), "1099511627776");
    let (p, sale) = sale_with_stored(&db, "70000");
    let sale = sale.unwrap();
    assert_eq!(sale.quantity, 70000);
    assert_eq!(sale.full_clean(), Ok(()), "Django's full_clean accepts 70000 on SQLite");
    assert_eq!(raw(&db, "shop_sale", "quantity", sale.id.unwrap()), "70000");
    assert!(p.id.is_some());
}

#[test]
fn a_negative_integer_in_a_positive_column_loads_and_full_clean_reports_it() {
    if common::sqlite_only("reads SQLite's catalog or sets a SQLite PRAGMA") {
        return;
    }
    // Django's CHECK ("quantity" >= 0) refuses -5 (IntegrityError, as in
    // Django 5.2); a row written with the check off (another program, an
    // older table) still loads, and full_clean says what Django's would.
    let db = setup();
    db.sqlite_connection().expect("an SQLite database").execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
    let (_, sale) = sale_with_stored(&db, "-5");
    let sale = sale.unwrap();
    assert_eq!(sale.quantity, -5);
    assert_eq!(
        sale.full_clean().unwrap_err().get("quantity"),
        Some(&["Ensure this value is greater than or equal to 0.".to_string()][..])
    );
}

/// A saved entry whose `column` then holds the SQL value `sql` (as another
/// program wrote it): its id and what loading it gives.
fn entry_with_stored(db: &Database, column: &str, sql: &str) -> (i64, modelgen_runtime::Result<Entry>) {
    let b = blog(db, "b");
    let id = entry(db, &b, "e", date(2024, 1, 1)).id.unwrap();
    db.execute_raw(&format!(r#"UPDATE "weblog_entry" SET "{column}" = {sql}"#), &[]).unwrap();
    (id, Entry::get(db, id))
}

/// A saved sale (of a new product) whose quantity then holds the SQL value
/// `sql`: the product and what loading the sale gives.
fn sale_with_stored(db: &Database, sql: &str) -> (Product, modelgen_runtime::Result<Sale>) {
    let p = product(db, "p", "1");
    let mut sale = Sale::new(p.key().unwrap(), utc(2024, 1, 1, 0, 0, 0));
    sale.save(db).unwrap();
    db.execute_raw(&format!(r#"UPDATE "shop_sale" SET "quantity" = {sql}"#), &[]).unwrap();
    let loaded = Sale::get(db, sale.id.unwrap());
    (p, loaded)
}

#[test]
fn a_bad_stored_value_is_an_error_not_a_panic() {
    if common::sqlite_only("stores values SQLite's typing accepts and PostgreSQL's refuses") {
        return;
    }
    let db = setup();
    let err = entry_with_stored(&db, "pub_date", "'not a date'").1.unwrap_err();
    assert!(err.to_string().contains("invalid date"), "{err}");
    let (p, sale) = sale_with_stored(&db, "'many'");
    let err = sale.unwrap_err();
    assert!(matches!(err, modelgen_runtime::Error::Database(_)), "a PositiveSmallIntegerField holding text: {err:?}");
    db.execute_raw(r#"UPDATE "shop_product" SET "sku" = 'xyz'"#, &[]).unwrap();
    let err = Product::get(&db, p.id.unwrap()).unwrap_err();
    assert!(matches!(err, modelgen_runtime::Error::Database(_)), "a UUID that is not one: {err:?}");
}

// ---------------------------------------------------------------------------
// One file, two writers
// ---------------------------------------------------------------------------

#[test]
fn a_database_file_written_by_modelgen_reads_as_django_stores_it_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.sqlite3");
    let sku;
    {
        let db = Database::open(&path).unwrap();
        db.create_tables(&[&library::APP, &people::APP, &notifications::APP, &shop::APP, &weblog::APP]).unwrap();
        let mut p = Product::new();
        p.name = "Mug".into();
        p.slug = "mug".into();
        p.price = dec("4.20");
        p.attributes = json!({"color": "blue"});
        p.save(&db).unwrap();
        sku = p.sku;
        let mut s = Sale::new(p.key().unwrap(), utc(2024, 5, 1, 12, 30, 0));
        s.quantity = 2;
        s.save(&db).unwrap();
    }
    // Another program (Django) opens the file: plain SQLite, Django's forms.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let row: (String, f64, String, String, i64) = conn
            .query_row(r#"SELECT "slug", "price", "sku", "attributes", "in_stock" FROM "shop_product""#, [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap();
        assert_eq!(row, ("mug".into(), 4.2, sku.simple().to_string(), r#"{"color": "blue"}"#.into(), 1));
        let sold_at: String = conn.query_row(r#"SELECT "sold_at" FROM "shop_sale""#, [], |r| r.get(0)).unwrap();
        assert_eq!(sold_at, "2024-05-01 12:30:00");
        // ...and writes a row of its own, the way Django writes it.
        conn.execute(
            r#"INSERT INTO "shop_sale" ("product_id", "quantity", "sold_at", "note") VALUES (1, 5, '2024-05-02 08:00:00.250000', 'by Django')"#,
            [],
        )
        .unwrap();
    }
    let db = Database::open(&path).unwrap();
    db.register(&shop::APP);
    let sales = Sale::objects().order_by([Sale::ID.asc()]).all(&db).unwrap();
    assert_eq!(sales.len(), 2);
    assert_eq!(sales[1].sold_at, utc(2024, 5, 2, 8, 0, 0) + TimeDelta::milliseconds(250));
    assert_eq!((sales[1].quantity, sales[1].note.as_deref()), (5, Some("by Django")));
    assert_eq!(Sale::objects().latest(&db).unwrap().note.as_deref(), Some("by Django"));
    assert_eq!(Product::get_by_sku(&db, sku).unwrap().price, dec("4.2"));
}

#[test]
fn json_written_by_django_keeps_its_key_order_when_saved_back() {
    if common::sqlite_only("jsonb does not keep key order (Django on PostgreSQL neither)") {
        return;
    }
    // Django's json.dumps keeps a dict's insertion order; so must a round trip.
    let db = setup();
    insert_product_row(
        &db,
        r#"9, 'Mug', 'mug', '1.00', 0, 1, '0f8fad5bd9cb469fa16570867728950e', '{"size": 2, "color": "red", "aardvark": true}',
           '2024-01-01 00:00:00', '2024-01-01 00:00:00'"#,
    )
    .unwrap();
    let mut p = Product::get(&db, 9).unwrap();
    p.save(&db).unwrap();
    let stored = common::scalar_text(&db, "SELECT attributes FROM shop_product WHERE id = 9", &[]);
    assert_eq!(stored, r#"{"size": 2, "color": "red", "aardvark": true}"#);
}
