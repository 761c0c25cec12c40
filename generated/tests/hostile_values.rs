//! Hostile values round-trip exactly on SQLite and PostgreSQL
//! (`MODELGEN_TEST_BACKEND=postgresql`) through save, load, filter,
//! update, duplicate and fork, and the database is intact afterwards
//! (`PRAGMA integrity_check` on SQLite, both tables still there on
//! either). PostgreSQL cannot store a NUL character in text: those values
//! are an `Error::InvalidValue` there (Django's `DataError`) and are
//! left out of the round trips. The values are one table
//! (`hostile/values.rs`) a PostgreSQL test can reuse. What Django 5.2 gives
//! for the same values on SQLite (the oracle, models as schemas/vault.yaml)
//! is in each test's comments.

mod common;
#[path = "hostile/values.rs"]
mod values;

use modelgen_examples::vault::{self, Locker, Specimen};
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Constraint, Database, Decimal};
use values::Hostile;

fn setup() -> Database {
    let db = common::empty_database();
    db.create_tables(&[&vault::APP]).unwrap();
    db
}

/// Whether the backend can store `value`: PostgreSQL's text cannot hold
/// a NUL character (its blobs can).
fn storable(value: &Hostile) -> bool {
    !(common::on_postgresql() && value.text.contains('\0'))
}

/// The hostile values the backend can store.
fn hostile_values() -> Vec<Hostile> {
    values::hostile_values().into_iter().filter(storable).collect()
}

fn locker(db: &Database, label: &str) -> Locker {
    let mut locker = Locker::new();
    locker.label = label.into();
    locker.save(db).unwrap();
    locker
}

fn specimen(locker: &Locker, value: &Hostile) -> Specimen {
    let mut s = Specimen::new(locker.key().unwrap());
    s.text = value.text.clone();
    s.data = value.data.clone();
    s.big = value.big;
    s.ratio = value.ratio;
    s.amount = value.amount;
    s
}

/// `s` holds exactly `value` (floats compared bit for bit).
fn assert_holds(s: &Specimen, value: &Hostile, how: &str) {
    let name = value.name;
    assert!(
        s.text == value.text,
        "{name} ({how}): text differs ({} bytes, expected {})",
        s.text.len(),
        value.text.len()
    );
    assert!(
        s.data == value.data,
        "{name} ({how}): blob differs ({} bytes, expected {})",
        s.data.len(),
        value.data.len()
    );
    assert_eq!(s.big, value.big, "{name} ({how})");
    assert_eq!(s.ratio.to_bits(), value.ratio.to_bits(), "{name} ({how}): {} != {}", s.ratio, value.ratio);
    assert_eq!(s.amount, value.amount, "{name} ({how})");
}

fn integrity_check(db: &Database) {
    if common::on_postgresql() {
        let tables = common::scalar_i64(
            db,
            "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'vault%'",
            &[],
        );
        assert_eq!(tables, 2, "no table was dropped");
        return;
    }
    let result: String = db
        .sqlite_connection()
        .expect("a SQLite database")
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(result, "ok");
    let tables: i64 = db
        .sqlite_connection()
        .expect("a SQLite database")
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'vault_%'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 2, "no table was dropped");
}

#[test]
fn hostile_values_round_trip_exactly_through_save_load_and_filter() {
    let db = setup();
    let l = locker(&db, "'; DROP TABLE vault_locker; --");
    for value in hostile_values() {
        let mut s = specimen(&l, &value);
        s.save(&db).unwrap();
        let loaded = Specimen::get(&db, s.id.unwrap()).unwrap();
        assert_holds(&loaded, &value, "get");
        // Each value found by equality: the bound parameter is compared
        // whole, NUL bytes included (Django: filter(text="a\x00b").count() == 1).
        let found = Specimen::objects()
            .filter(Specimen::TEXT.eq(value.text.as_str()) & Specimen::ID.eq(s.id.unwrap()))
            .filter(
                Specimen::DATA.eq(value.data.clone()) & Specimen::BIG.eq(value.big) & Specimen::AMOUNT.eq(value.amount),
            )
            .all(&db)
            .unwrap();
        assert_eq!(found.len(), 1, "{}: filter by every value", value.name);
        assert_holds(&found[0], &value, "filter");
    }
    assert_eq!(Locker::get(&db, l.id.unwrap()).unwrap().label, "'; DROP TABLE vault_locker; --");
    integrity_check(&db);
}

#[test]
fn hostile_values_round_trip_through_queryset_update_and_instance_update() {
    let db = setup();
    let l = locker(&db, "l");
    let mut target = specimen(&l, &hostile_values()[0]);
    target.save(&db).unwrap();
    let id = target.id.unwrap();
    for value in hostile_values() {
        let updated = Specimen::objects()
            .filter(Specimen::ID.eq(id))
            .update(
                &db,
                &[
                    Specimen::TEXT.set(value.text.clone()),
                    Specimen::DATA.set(value.data.clone()),
                    Specimen::BIG.set(value.big),
                    Specimen::RATIO.set(value.ratio),
                    Specimen::AMOUNT.set(value.amount),
                ],
            )
            .unwrap();
        assert_eq!(updated, 1);
        target.refresh_from_db(&db).unwrap();
        assert_holds(&target, &value, "QuerySet.update");
    }
    // A save of a loaded instance (an UPDATE of every field).
    for value in hostile_values().iter().rev() {
        let mut loaded = Specimen::get(&db, id).unwrap();
        loaded.text = value.text.clone();
        loaded.data = value.data.clone();
        loaded.big = value.big;
        loaded.ratio = value.ratio;
        loaded.amount = value.amount;
        loaded.save(&db).unwrap();
        assert_holds(&Specimen::get(&db, id).unwrap(), value, "save of a loaded instance");
    }
    integrity_check(&db);
}

#[test]
fn hostile_values_survive_duplicate_and_fork_unchanged() {
    let db = setup();
    // PostgreSQL's text takes no NUL character.
    let label = if common::on_postgresql() { "it's; 😀" } else { "it's; \0 😀" };
    let l = locker(&db, label);
    let values = hostile_values();
    for value in &values {
        let s = specimen(&l, value);
        let mut s = s;
        s.save(&db).unwrap();
        let copy = s.duplicate(&db, |_| {}).unwrap();
        assert_ne!(copy.id, s.id);
        assert_holds(&Specimen::get(&db, copy.id.unwrap()).unwrap(), value, "duplicate");
    }
    let fork = l.fork(&db).unwrap();
    assert_eq!(fork.root.label, label);
    let copies = Specimen::objects()
        .filter(Specimen::LOCKER.eq(fork.root.key().unwrap()))
        .order_by([Specimen::ID.asc()])
        .all(&db)
        .unwrap();
    assert_eq!(copies.len(), 2 * values.len(), "every specimen and every duplicate forked");
    for (pair, value) in copies.chunks(2).zip(&values) {
        assert_holds(&pair[0], value, "fork");
        assert_holds(&pair[1], value, "fork of a duplicate");
    }
    integrity_check(&db);
}

/// Django 5.2 on SQLite: `Specimen.objects.create(ratio=float("nan"))`
/// raises `IntegrityError: NOT NULL constraint failed:
/// rel_vault_specimen.ratio` (SQLite stores a NaN as NULL);
/// `ratio=-0.0` reads back `0.0`; `inf` and `-inf` read back as they are.
#[test]
fn a_nan_float_is_refused_as_not_null_and_minus_zero_reads_back_as_zero_as_django_on_sqlite() {
    if common::sqlite_only("SQLite stores a NaN as NULL; PostgreSQL stores it (see the test below)") {
        return;
    }
    let db = setup();
    let l = locker(&db, "l");
    let mut s = Specimen::new(l.key().unwrap());
    s.ratio = f64::NAN;
    let err = s.save(&db).unwrap_err();
    assert_eq!(err.constraint(), Some(Constraint::NotNull), "{err:?}");
    assert_eq!(err.to_string(), "NOT NULL constraint failed: vault_specimen.ratio");
    assert_eq!(Specimen::objects().count(&db).unwrap(), 0, "nothing stored");

    let mut s = Specimen::new(l.key().unwrap());
    s.ratio = -0.0;
    s.save(&db).unwrap();
    let loaded = Specimen::get(&db, s.id.unwrap()).unwrap();
    assert_eq!(loaded.ratio.to_bits(), 0.0f64.to_bits(), "Django reads -0.0 back as 0.0");
    integrity_check(&db);
}

/// Django 5.2 on SQLite stores a decimal with more digits than
/// `max_digits` rounded to `max_digits` significant digits:
/// `amount=Decimal("12345678.12345")` (max_digits 12, decimal_places 4)
/// reads back `12345678.1234`; `99999999.9999` and `-99999999.9999` (at
/// max_digits) read back unchanged. On PostgreSQL Django sends the value
/// as it is and numeric(12, 4) rounds half away from zero: the oracle read
/// back `12345678.1235`.
#[test]
fn a_decimal_at_max_digits_round_trips_and_one_beyond_is_rounded_as_django_stores_it() {
    let db = setup();
    let l = locker(&db, "l");
    for (given, stored) in [
        ("99999999.9999", "99999999.9999"),
        ("-99999999.9999", "-99999999.9999"),
        ("12345678.12345", if common::on_postgresql() { "12345678.1235" } else { "12345678.1234" }),
    ] {
        let mut s = Specimen::new(l.key().unwrap());
        s.amount = given.parse::<Decimal>().unwrap();
        s.save(&db).unwrap();
        let loaded = Specimen::get(&db, s.id.unwrap()).unwrap();
        assert_eq!(loaded.amount.to_string(), stored, "{given}");
    }
    integrity_check(&db);
}

/// `contains` escapes LIKE's wildcards and the escape character, so they
/// match literally. Django 5.2 on SQLite, same rows: `%` ->
/// ['100% _match_'], `_` -> ['100% _match_', 'under_score'], `\` ->
/// ['back\\slash'], `%_` -> [], `'` -> []; and a NUL byte matches every
/// row (SQLite's LIKE reads the pattern as a C string, cut at the NUL),
/// which modelgen gives too.
#[test]
fn like_wildcards_in_contains_match_literally_and_a_nul_pattern_matches_all_as_django_on_sqlite() {
    if common::sqlite_only("PostgreSQL cannot store the NUL character of one of the rows") {
        return;
    }
    let db = setup();
    let l = locker(&db, "l");
    for text in ["100% _match_", "plain", "back\\slash", "under_score", "a\0b"] {
        let mut s = Specimen::new(l.key().unwrap());
        s.text = text.into();
        s.save(&db).unwrap();
    }
    let matching = |needle: &str| -> Vec<String> {
        let mut texts: Vec<String> = Specimen::objects()
            .filter(Specimen::TEXT.contains(needle))
            .all(&db)
            .unwrap()
            .into_iter()
            .map(|s| s.text)
            .collect();
        texts.sort();
        texts
    };
    assert_eq!(matching("%"), ["100% _match_"]);
    assert_eq!(matching("_"), ["100% _match_", "under_score"]);
    assert_eq!(matching("\\"), ["back\\slash"]);
    assert_eq!(matching("%_"), Vec::<String>::new());
    assert_eq!(matching("'"), Vec::<String>::new());
    assert_eq!(matching("\0"), ["100% _match_", "a\0b", "back\\slash", "plain", "under_score"]);
    integrity_check(&db);
}

/// `bulk_create` (multi-row INSERTs) and `bulk_update` (CASE WHEN
/// statements) bind the same values as a save: every hostile value comes
/// back exactly.
#[test]
fn hostile_values_round_trip_through_bulk_create_and_bulk_update() {
    let db = setup();
    let l = locker(&db, "l");
    let values = hostile_values();
    let mut created: Vec<Specimen> = values.iter().map(|v| specimen(&l, v)).collect();
    Specimen::objects().bulk_create(&db, &mut created).unwrap();
    for (s, value) in created.iter().zip(&values) {
        assert_holds(&Specimen::get(&db, s.id.unwrap()).unwrap(), value, "bulk_create");
    }
    // Each row takes the next row's values, in one bulk_update.
    let mut shifted = created.clone();
    for (i, s) in shifted.iter_mut().enumerate() {
        let value = &values[(i + 1) % values.len()];
        s.text = value.text.clone();
        s.data = value.data.clone();
        s.big = value.big;
        s.ratio = value.ratio;
        s.amount = value.amount;
    }
    Specimen::objects()
        .bulk_update(&db, &shifted, (Specimen::TEXT, Specimen::DATA, Specimen::BIG, Specimen::RATIO, Specimen::AMOUNT))
        .unwrap();
    for (i, s) in shifted.iter().enumerate() {
        assert_holds(&Specimen::get(&db, s.id.unwrap()).unwrap(), &values[(i + 1) % values.len()], "bulk_update");
    }
    integrity_check(&db);
}

/// Django 5.2 on PostgreSQL (the oracle, models as schemas/vault.yaml):
/// `ratio=float("nan")` reads back `nan`, `inf` reads back `inf`, `-0.0`
/// reads back `0.0` (double precision keeps NaN, unlike SQLite).
#[test]
fn a_nan_float_round_trips_and_minus_zero_reads_back_as_zero_as_django_on_postgresql() {
    if !common::on_postgresql() {
        return;
    }
    let db = setup();
    let l = locker(&db, "l");
    for (given, read) in [(f64::NAN, f64::NAN), (f64::INFINITY, f64::INFINITY), (-0.0, 0.0)] {
        let mut s = Specimen::new(l.key().unwrap());
        s.ratio = given;
        s.save(&db).unwrap();
        let loaded = Specimen::get(&db, s.id.unwrap()).unwrap();
        assert_eq!(loaded.ratio.to_bits(), read.to_bits(), "{given} read back as {}", loaded.ratio);
    }
    integrity_check(&db);
}

/// Django 5.2 on PostgreSQL: `Specimen.objects.create(text="a\0b")` raises
/// `DataError: PostgreSQL text fields cannot contain NUL (0x00) bytes`
/// (psycopg refuses it). Here every hostile value with a NUL in its text
/// is `Error::InvalidValue` (the server's SQLSTATE 22021), nothing is
/// stored, and the connection goes on working.
#[test]
fn a_nul_character_in_text_is_an_invalid_value_error_as_django_raises_data_error_on_postgresql() {
    if !common::on_postgresql() {
        return;
    }
    let db = setup();
    let l = locker(&db, "l");
    let refused: Vec<Hostile> = values::hostile_values().into_iter().filter(|v| !storable(v)).collect();
    assert!(!refused.is_empty());
    for value in &refused {
        let err = specimen(&l, value).save(&db).unwrap_err();
        assert!(matches!(err, Error::InvalidValue { .. }), "{}: {err:?}", value.name);
    }
    assert_eq!(Specimen::objects().count(&db).unwrap(), 0, "nothing stored, nothing cut at the NUL");
    integrity_check(&db);
}
