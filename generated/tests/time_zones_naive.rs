//! `USE_TZ = False` on every path a datetime takes to the database and
//! back: a DateTimeField primary key and the ForeignKey to it (save, get,
//! in_bulk, related managers, lookups across the relation, the delete
//! collector), values in F expressions and queryset `update()`, filters,
//! and `Min`/`Max`.
//!
//! What Django 5.2.19 stored and returned, with USE_TZ = False and
//! TIME_ZONE = 'America/Chicago', on SQLite and on PostgreSQL 15 (the
//! oracle in shared/tools/django-oracle), is in each test's comments: it
//! stores the naive wall-clock time in Chicago everywhere (on PostgreSQL
//! in a timestamptz read in the session's zone, which Django sets to
//! TIME_ZONE), so 09:00 Chicago time in July is 14:00 UTC.

mod common;

use common::{query, utc};
use modelgen_examples::shop::{Product, Reading, ReadingNote, Sale};
use modelgen_runtime::chrono::{DateTime, Utc};
use modelgen_runtime::chrono_tz::America;
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::{Database, Max, Min, QuerySet, TimeZoneSettings, F};

fn chicago_naive() -> Database {
    let db = common::empty_database().with_time_zone(TimeZoneSettings::naive(America::Chicago));
    db.create_tables(common::APPS).unwrap();
    db
}

/// The stored texts of one column, sorted (on PostgreSQL the timestamptz
/// read back in the session's zone, Chicago, as Django shows it).
fn stored(db: &Database, table: &str, column: &str) -> Vec<String> {
    query(db, &format!(r#"SELECT "{column}" FROM "{table}" ORDER BY 1"#), &[])
        .into_iter()
        .map(|row| common::scalar_text_of(&row))
        .collect()
}

/// 09:00 on July 1st 2024 in Chicago (UTC-5): 14:00 UTC.
fn nine_in_chicago() -> DateTime<Utc> {
    utc(2024, 7, 1, 14, 0, 0)
}

fn sale(db: &Database, at: DateTime<Utc>) -> Sale {
    let mut p = Product::new();
    p.name = "p".into();
    p.slug = format!("p-{}", Product::objects().count(db).unwrap());
    p.save(db).unwrap();
    let mut s = Sale::new(p.key().unwrap(), at);
    s.save(db).unwrap();
    s
}

#[test]
fn use_tz_false_datetime_primary_key_is_stored_and_found_as_wall_clock_time_as_django() {
    let db = chicago_naive();
    // Django: Reading.objects.create(taken_at=datetime(2024, 7, 1, 9, 0)) stores
    // '2024-07-01 09:00:00'; ReadingNote.objects.create(reading=r) stores the
    // same text in reading_id.
    let mut reading = Reading::new(nine_in_chicago());
    reading.save(&db).unwrap();
    assert_eq!(stored(&db, "shop_reading", "taken_at"), ["2024-07-01 09:00:00"]);
    let mut note = ReadingNote::new(reading.key().unwrap());
    note.text = "x".into();
    note.save(&db).unwrap();
    assert_eq!(stored(&db, "shop_readingnote", "reading_id"), ["2024-07-01 09:00:00"]);
    // Django: Reading.objects.get(pk=datetime(2024, 7, 1, 9, 0)) finds it
    // (WHERE "taken_at" = '2024-07-01 09:00:00'), as does in_bulk.
    assert_eq!(Reading::get(&db, nine_in_chicago()).unwrap().taken_at, nine_in_chicago());
    let found = Reading::objects().in_bulk(&db, [nine_in_chicago()]).unwrap();
    assert_eq!(found.keys().copied().collect::<Vec<_>>(), [nine_in_chicago()]);
    reading.refresh_from_db(&db).unwrap();
    // Django: r.data = {"b": 2}; r.save() is an UPDATE ... WHERE "taken_at" =
    // '2024-07-01 09:00:00': still one row.
    reading.data = Some(modelgen_runtime::serde_json::json!({"b": 2}));
    reading.save(&db).unwrap();
    assert_eq!(Reading::objects().count(&db).unwrap(), 1);
    assert_eq!(Reading::get(&db, nine_in_chicago()).unwrap().data, reading.data);
    // Django: r.notes.values_list("text") -> ['x']; note.reading.taken_at is 09:00.
    assert_eq!(reading.notes().all(&db).unwrap().len(), 1);
    assert_eq!(note.reading(&db).unwrap().taken_at, nine_in_chicago());
    let notes = |qs: QuerySet<ReadingNote>| qs.count(&db).unwrap();
    assert_eq!(notes(ReadingNote::objects().filter(ReadingNote::READING.eq(reading.key().unwrap()))), 1);
    assert_eq!(notes(ReadingNote::objects().filter(ReadingNote::READING.eq_obj(&reading))), 1);
    // Django: filter(reading__taken_at=datetime(2024, 7, 1, 9, 0)) -> ['x'].
    assert_eq!(
        notes(ReadingNote::objects().filter(ReadingNote::READING_REL.then(Reading::TAKEN_AT).eq(nine_in_chicago()))),
        1
    );
    let loaded = ReadingNote::objects().select_related(ReadingNote::READING_REL).all(&db).unwrap();
    assert_eq!(loaded.len(), 1);
    // Django: r.delete() -> (2, {'ReadingNote': 1, 'Reading': 1}), the
    // collector's DELETE ... WHERE "reading_id" IN ('2024-07-01 09:00:00').
    let deleted = reading.delete(&db).unwrap();
    assert_eq!(deleted.0, 2);
    assert_eq!(common::count(&db, "shop_readingnote"), 0);
    assert_eq!(common::count(&db, "shop_reading"), 0);
}

#[test]
fn use_tz_false_values_in_update_and_f_expressions_are_wall_clock_time_as_django() {
    let db = chicago_naive();
    let s = sale(&db, utc(2024, 3, 9, 18, 0, 0));
    // Django: Sale(sold_at=datetime(2024, 3, 9, 12, 0)).save() stores '2024-03-09 12:00:00'.
    assert_eq!(stored(&db, "shop_sale", "sold_at"), ["2024-03-09 12:00:00"]);
    let this = || Sale::objects().filter(Sale::ID.eq(s.id.unwrap()));
    // Django: update(sold_at=datetime(2024, 7, 1, 8, 30)) -> SET "sold_at" = '2024-07-01 08:30:00'.
    this().update(&db, &[Sale::SOLD_AT.set(utc(2024, 7, 1, 13, 30, 0))]).unwrap();
    assert_eq!(stored(&db, "shop_sale", "sold_at"), ["2024-07-01 08:30:00"]);
    // Django: update(sold_at=Value(datetime(2024, 7, 2, 8, 30), output_field=DateTimeField()))
    // -> SET "sold_at" = '2024-07-02 08:30:00'.
    this().update(&db, &[Sale::SOLD_AT.set_f(F::value(utc(2024, 7, 2, 13, 30, 0)))]).unwrap();
    assert_eq!(stored(&db, "shop_sale", "sold_at"), ["2024-07-02 08:30:00"]);
    // Django: filter(sold_at__gte=datetime(2024, 7, 2, 8, 30)).count() -> 1, 08:31 -> 0.
    assert_eq!(Sale::objects().filter(Sale::SOLD_AT.gte(utc(2024, 7, 2, 13, 30, 0))).count(&db).unwrap(), 1);
    assert_eq!(Sale::objects().filter(Sale::SOLD_AT.gte(utc(2024, 7, 2, 13, 31, 0))).count(&db).unwrap(), 0);
    // The same value bound in a WHERE through an F expression's column.
    let rows = query(
        &db,
        r#"SELECT "sold_at" FROM "shop_sale" WHERE "sold_at" = ?1"#,
        &[Value::Text("2024-07-02 08:30:00".into())],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(Sale::get(&db, s.id.unwrap()).unwrap().sold_at, utc(2024, 7, 2, 13, 30, 0));
}

#[test]
fn use_tz_false_min_and_max_of_a_datetime_read_back_as_instants_as_django() {
    let db = chicago_naive();
    // Django: sales at 2024-01-05 06:00 and 2024-07-02 08:30 Chicago time:
    // aggregate(Min, Max) -> (2024-01-05 06:00, 2024-07-02 08:30), naive.
    sale(&db, utc(2024, 1, 5, 12, 0, 0));
    sale(&db, utc(2024, 7, 2, 13, 30, 0));
    let (lo, hi) = Sale::objects().aggregate(&db, (Min(Sale::SOLD_AT), Max(Sale::SOLD_AT))).unwrap();
    assert_eq!((lo, hi), (Some(utc(2024, 1, 5, 12, 0, 0)), Some(utc(2024, 7, 2, 13, 30, 0))));
    // Django: values_list("sold_at", flat=True) ordered -> the same two datetimes.
    let values = Sale::objects().order_by([Sale::SOLD_AT.asc()]).values_list(&db, Sale::SOLD_AT).unwrap();
    assert_eq!(values, [utc(2024, 1, 5, 12, 0, 0), utc(2024, 7, 2, 13, 30, 0)]);
    let keys = Reading::objects().aggregate(&db, Max(Reading::TAKEN_AT)).unwrap();
    assert_eq!(keys, None);
    Reading::new(nine_in_chicago()).save(&db).unwrap();
    assert_eq!(Reading::objects().aggregate(&db, Max(Reading::TAKEN_AT)).unwrap(), Some(nine_in_chicago()));
}

#[test]
fn use_tz_false_related_managers_prefetch_and_bulk_operations_on_a_datetime_key_as_django() {
    let db = chicago_naive();
    let (nine, ten) = (nine_in_chicago(), utc(2024, 7, 1, 15, 0, 0));
    // Django: Reading.objects.bulk_create([Reading(taken_at=datetime(2024, 7, 1, 9, 0)), ...])
    // stores the Chicago wall-clock texts.
    let mut readings = [Reading::new(nine), Reading::new(ten)];
    Reading::objects().bulk_create(&db, &mut readings).unwrap();
    assert_eq!(stored(&db, "shop_reading", "taken_at"), ["2024-07-01 09:00:00", "2024-07-01 10:00:00"]);
    // bulk_update(..., ["data"]): CASE WHEN "taken_at" = '2024-07-01 09:00:00' ... finds both rows.
    for (i, r) in readings.iter_mut().enumerate() {
        r.data = Some(modelgen_runtime::serde_json::json!(i));
    }
    assert_eq!(Reading::objects().bulk_update(&db, &readings, Reading::DATA).unwrap(), 2);
    let data: Vec<_> = Reading::objects().all(&db).unwrap().into_iter().map(|r| r.data).collect();
    assert_eq!(data, [Some(modelgen_runtime::serde_json::json!(0)), Some(modelgen_runtime::serde_json::json!(1))]);
    // Django: r.notes.create(text="a") stores reading_id '2024-07-01 09:00:00';
    // another note moved with r2.notes.add(note) is UPDATEd to '2024-07-01 10:00:00'.
    let mut note = ReadingNote::new(readings[0].key().unwrap());
    note.text = "a".into();
    let note = readings[0].notes().create(&db, note).unwrap();
    let mut moved = ReadingNote::new(readings[0].key().unwrap());
    moved.text = "b".into();
    moved.save(&db).unwrap();
    readings[1].notes().add(&db, &mut [&mut moved]).unwrap();
    assert_eq!(moved.reading_id, ten);
    assert_eq!(stored(&db, "shop_readingnote", "reading_id"), ["2024-07-01 09:00:00", "2024-07-01 10:00:00"]);
    assert_eq!(readings[0].notes().all(&db).unwrap(), [note]);
    // Django: prefetch_related("notes") puts each note under its reading.
    let prefetched = Reading::objects().prefetch_related(Reading::NOTES_REL).all(&db).unwrap();
    let texts: Vec<Vec<String>> =
        prefetched.into_iter().map(|(_, notes)| notes.into_iter().map(|n| n.text).collect()).collect();
    assert_eq!(texts, [vec!["a".to_owned()], vec!["b".to_owned()]]);
    // Django: Reading.objects.filter(pk=datetime(2024, 7, 1, 10, 0)).delete()
    // -> (2, {'ReadingNote': 1, 'Reading': 1}).
    let (total, _) = Reading::objects().filter(Reading::TAKEN_AT.eq(ten)).delete(&db).unwrap();
    assert_eq!(total, 2);
    assert_eq!(stored(&db, "shop_reading", "taken_at"), ["2024-07-01 09:00:00"]);
}

#[test]
fn use_tz_false_copies_of_a_datetime_keyed_row_take_the_supplied_key_in_the_databases_zone() {
    let db = chicago_naive();
    let (nine, ten, eleven) = (nine_in_chicago(), utc(2024, 7, 1, 15, 0, 0), utc(2024, 7, 1, 16, 0, 0));
    let mut reading = Reading::new(nine);
    reading.data = Some(modelgen_runtime::serde_json::json!({"a": 1}));
    reading.save(&db).unwrap();
    // Django's copy idiom (r.pk = datetime(2024, 7, 1, 10, 0); r._state.adding = True; r.save())
    // inserts a second row stored as '2024-07-01 10:00:00'.
    let copy = reading.duplicate(&db, ten, |_| {}).unwrap();
    assert_eq!(copy.taken_at, ten);
    let fork = reading.fork(&db, eleven).unwrap();
    assert_eq!(fork.root.taken_at, eleven);
    assert_eq!(fork.map.get::<Reading, _>(&nine), Some(eleven));
    assert_eq!(
        stored(&db, "shop_reading", "taken_at"),
        ["2024-07-01 09:00:00", "2024-07-01 10:00:00", "2024-07-01 11:00:00"]
    );
    assert_eq!(Reading::get(&db, eleven).unwrap().data, reading.data);
}

#[test]
fn use_tz_false_f_plus_a_duration_moves_the_stored_wall_clock_time_as_django() {
    let db = chicago_naive();
    // 12:00 in Chicago on March 9th 2024 (CST, UTC-6); the clocks go
    // forward on March 10th.
    let s = sale(&db, utc(2024, 3, 9, 18, 0, 0));
    // Django: update(sold_at=F("sold_at") + timedelta(days=1)) -> SQLite
    // django_format_dtdelta('+', "sold_at", 86400000000) = '2024-03-10 12:00:00';
    // PostgreSQL ("sold_at" + '1 day'::interval) = 2024-03-10 12:00:00-05: 12:00
    // the next day on the wall clock (23 hours later), read back as 2024-03-10 12:00.
    let day = modelgen_runtime::TimeDelta::days(1);
    assert_eq!(Sale::objects().update(&db, &[Sale::SOLD_AT.f_add_duration(day)]).unwrap(), 1);
    assert_eq!(stored(&db, "shop_sale", "sold_at"), ["2024-03-10 12:00:00"]);
    assert_eq!(Sale::get(&db, s.id.unwrap()).unwrap().sold_at, utc(2024, 3, 10, 17, 0, 0));
    // Django: update(sold_at=F("sold_at") - timedelta(hours=1, microseconds=1)) ->
    // '2024-03-10 10:59:59.999999' on SQLite, 2024-03-10 10:59:59.999999-05 on PostgreSQL.
    let back = modelgen_runtime::TimeDelta::hours(1) + modelgen_runtime::TimeDelta::microseconds(1);
    Sale::objects().update(&db, &[Sale::SOLD_AT.f_sub_duration(back)]).unwrap();
    assert_eq!(stored(&db, "shop_sale", "sold_at"), ["2024-03-10 10:59:59.999999"]);
}

#[test]
fn f_plus_a_duration_with_use_tz_true_moves_the_instant_as_django() {
    let db = common::setup();
    let s = sale(&db, utc(2024, 3, 9, 18, 0, 0));
    // Django (USE_TZ = True): update(sold_at=F("sold_at") + timedelta(hours=36)) -> 2024-03-11 06:00 UTC
    // on SQLite and PostgreSQL.
    Sale::objects().update(&db, &[Sale::SOLD_AT.f_add_duration(modelgen_runtime::TimeDelta::hours(36))]).unwrap();
    assert_eq!(Sale::get(&db, s.id.unwrap()).unwrap().sold_at, utc(2024, 3, 11, 6, 0, 0));
}
