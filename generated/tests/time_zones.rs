//! Django's USE_TZ and TIME_ZONE as options of the database handle
//! (`Database::with_time_zone`): a database written by Django under
//! either setting reads back as the same instants, and modelgen writes the
//! texts Django writes.
//!
//! The stored texts below are what Django 5.2.19 wrote on SQLite for one
//! `DateTimeField` (the oracle in shared/tools/django-oracle, the process
//! run with TZ=Europe/Paris as Django sets it from TIME_ZONE), saving the
//! same six instants under each setting (aware datetimes with
//! USE_TZ = True, their naive Paris wall-clock time with USE_TZ = False).

mod common;

use common::*;
use modelgen_examples::notifications::Notification;
use modelgen_examples::shop::{Product, Sale};
use modelgen_examples::weblog::Entry;
use modelgen_runtime::backend::Backend;
use modelgen_runtime::chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use modelgen_runtime::chrono_tz::{Etc, Europe, Pacific, Tz};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Condition, Database, DbValue, Now, QuerySet, TimeZoneSettings};

fn micro(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> DateTime<Utc> {
    utc(y, mo, d, h, mi, s) + modelgen_runtime::TimeDelta::microseconds(i64::from(us))
}

/// (instant, Django's text with USE_TZ = True, Django's text with
/// USE_TZ = False and TIME_ZONE = 'Europe/Paris').
fn django_texts() -> Vec<(DateTime<Utc>, &'static str, &'static str)> {
    vec![
        // Winter, UTC+1.
        (utc(2024, 1, 15, 12, 0, 0), "2024-01-15 12:00:00", "2024-01-15 13:00:00"),
        // Summer, UTC+2, with microseconds.
        (micro(2024, 7, 1, 12, 0, 0, 123_456), "2024-07-01 12:00:00.123456", "2024-07-01 14:00:00.123456"),
        // Half an hour after the clocks went forward (02:00 -> 03:00).
        (utc(2024, 3, 31, 1, 30, 0), "2024-03-31 01:30:00", "2024-03-31 03:30:00"),
        // The first 02:30 of the night the clocks went back (03:00 -> 02:00).
        (utc(2024, 10, 27, 0, 30, 0), "2024-10-27 00:30:00", "2024-10-27 02:30:00"),
        // The second 02:30: the same text as the first (see
        // `the_repeated_hour_reads_as_its_first_occurrence_as_in_django`).
        (utc(2024, 10, 27, 1, 30, 0), "2024-10-27 01:30:00", "2024-10-27 02:30:00"),
        // The date changes too.
        (utc(1999, 12, 31, 23, 30, 0), "1999-12-31 23:30:00", "2000-01-01 00:30:00"),
    ]
}

fn paris_naive() -> Database {
    let db = common::empty_database().with_time_zone(TimeZoneSettings::naive(Europe::Paris));
    db.create_tables(APPS).unwrap();
    db
}

fn product(db: &Database) -> Product {
    let mut p = Product::new();
    p.name = "p".into();
    p.slug = format!("p-{}", Product::objects().count(db).unwrap());
    p.save(db).unwrap();
    p
}

fn raw_sold_at(db: &Database, sale: &Sale) -> String {
    common::scalar_text(db, r#"SELECT "sold_at" FROM "shop_sale" WHERE "id" = ?1"#, &[sale.id.into()])
}

/// Insert a sale whose `sold_at` is the raw text Django stored.
fn insert_raw_sale(db: &Database, product: &Product, text: &str) -> i64 {
    common::scalar_i64(
        db,
        r#"INSERT INTO "shop_sale" ("product_id", "quantity", "sold_at") VALUES (?1, 1, ?2) RETURNING "id""#,
        &[product.id.into(), text.to_owned().into()],
    )
}

#[test]
fn use_tz_true_is_the_default_and_writes_utc_text_as_django() {
    let db = setup();
    assert_eq!(db.time_zone(), TimeZoneSettings { use_tz: true, time_zone: Tz::UTC });
    assert_eq!(TimeZoneSettings::default(), TimeZoneSettings::UTC);
    // USE_TZ = True stores UTC whatever TIME_ZONE is.
    let paris_aware = common::empty_database().with_time_zone(TimeZoneSettings::aware(Europe::Paris));
    paris_aware.create_tables(APPS).unwrap();
    for db in [&db, &paris_aware] {
        let p = product(db);
        for (instant, aware_text, _) in django_texts() {
            let mut sale = Sale::new(Key::new(p.id.unwrap()), instant);
            sale.save(db).unwrap();
            assert_eq!(raw_sold_at(db, &sale), aware_text);
            let id = insert_raw_sale(db, &p, aware_text);
            assert_eq!(Sale::get(db, id).unwrap().sold_at, instant);
        }
    }
}

#[test]
fn use_tz_false_writes_the_wall_clock_time_in_time_zone_as_django() {
    let db = paris_naive();
    let p = product(&db);
    for (instant, _, naive_text) in django_texts() {
        let mut sale = Sale::new(Key::new(p.id.unwrap()), instant);
        sale.save(&db).unwrap();
        assert_eq!(raw_sold_at(&db, &sale), naive_text, "{instant}");
        // An UPDATE writes the same text.
        sale.sold_at = instant + modelgen_runtime::TimeDelta::hours(24);
        sale.save(&db).unwrap();
        sale.sold_at = instant;
        sale.save(&db).unwrap();
        assert_eq!(raw_sold_at(&db, &sale), naive_text);
    }
}

#[test]
fn use_tz_false_database_written_by_django_reads_back_as_the_same_instants() {
    let db = paris_naive();
    let p = product(&db);
    for (instant, _, naive_text) in django_texts().into_iter().filter(|(i, _, _)| *i != utc(2024, 10, 27, 1, 30, 0)) {
        let id = insert_raw_sale(&db, &p, naive_text);
        let mut sale = Sale::get(&db, id).unwrap();
        assert_eq!(sale.sold_at, instant, "{naive_text}");
        sale.refresh_from_db(&db).unwrap();
        assert_eq!(sale.sold_at, instant);
        // Loaded and saved back unchanged: the text is Django's still.
        sale.save(&db).unwrap();
        assert_eq!(raw_sold_at(&db, &sale), naive_text);
    }
}

#[test]
fn the_repeated_hour_reads_as_its_first_occurrence_as_in_django() {
    // Django 5.2 with USE_TZ = False stores str(naive): both 02:30 of
    // 2024-10-27 in Paris are "2024-10-27 02:30:00". Read as an instant,
    // Django's make_aware (zoneinfo, fold=0) gives the first, 00:30 UTC;
    // so does modelgen. The second instant cannot round-trip.
    let db = paris_naive();
    let p = product(&db);
    let mut second = Sale::new(Key::new(p.id.unwrap()), utc(2024, 10, 27, 1, 30, 0));
    second.save(&db).unwrap();
    assert_eq!(raw_sold_at(&db, &second), "2024-10-27 02:30:00");
    second.refresh_from_db(&db).unwrap();
    assert_eq!(second.sold_at, utc(2024, 10, 27, 0, 30, 0));
    // A wall-clock time the clocks skipped (written by Django from a naive
    // value) takes the offset before the change, as zoneinfo's fold=0:
    // 02:30 at UTC+1 is 01:30 UTC.
    let skipped = insert_raw_sale(&db, &p, "2024-03-31 02:30:00");
    assert_eq!(Sale::get(&db, skipped).unwrap().sold_at, utc(2024, 3, 31, 1, 30, 0));
}

#[test]
fn use_tz_false_filters_bind_the_wall_clock_time() {
    let db = paris_naive();
    let p = product(&db);
    let mut sales = Vec::new();
    for (instant, _, _) in django_texts().into_iter().take(4) {
        let mut sale = Sale::new(Key::new(p.id.unwrap()), instant);
        sale.save(&db).unwrap();
        sales.push(sale);
    }
    let ids = |found: Vec<Sale>| found.into_iter().map(|s| s.id.unwrap()).collect::<Vec<_>>();
    let summer = micro(2024, 7, 1, 12, 0, 0, 123_456);
    assert_eq!(ids(Sale::objects().filter(Sale::SOLD_AT.eq(summer)).all(&db).unwrap()), [sales[1].id.unwrap()]);
    assert_eq!(Sale::objects().filter(Sale::SOLD_AT.in_([summer, utc(2024, 1, 15, 12, 0, 0)])).count(&db).unwrap(), 2);
    // Compared as wall-clock text: 13:30 UTC is 15:30 in Paris, after 14:00.
    let after = Sale::objects().filter(Sale::SOLD_AT.gt(utc(2024, 7, 1, 13, 30, 0))).order_by([Sale::SOLD_AT.asc()]);
    assert_eq!(ids(after.all(&db).unwrap()), [sales[3].id.unwrap()]);
    let range = Sale::SOLD_AT.range(utc(2024, 3, 31, 1, 30, 0), summer);
    assert_eq!(Sale::objects().filter(range).count(&db).unwrap(), 2);
    assert_eq!(Sale::objects().exclude(Sale::SOLD_AT.eq(summer)).count(&db).unwrap(), 3);
    // latest() and get_next_by: the rows come back as instants.
    assert_eq!(Sale::objects().latest(&db).unwrap().sold_at, utc(2024, 10, 27, 0, 30, 0));
    let next = sales[2].get_next_by_sold_at(&db, None).unwrap();
    assert_eq!(next.id, sales[1].id);
    assert_eq!(sales[1].get_previous_by_sold_at(&db, None).unwrap().id, sales[2].id);
    // update() writes the wall-clock time of the value it sets.
    let n =
        Sale::objects().filter(Sale::ID.eq(sales[0].id.unwrap())).update(&db, &[Sale::SOLD_AT.set(summer)]).unwrap();
    assert_eq!(n, 1);
    assert_eq!(raw_sold_at(&db, &sales[0]), "2024-07-01 14:00:00.123456");
}

#[test]
fn use_tz_false_auto_now_stores_the_wall_clock_time_of_the_save() {
    let db = paris_naive();
    let before = modelgen_runtime::now();
    let p = product(&db);
    let after = modelgen_runtime::now();
    assert!(before <= p.created && p.created <= after && p.updated == p.created);
    let row = common::query(&db, r#"SELECT "created", "updated" FROM "shop_product" WHERE "id" = ?1"#, &[p.id.into()]);
    let (created, updated) = (common::scalar_text_of(&row[0][0..1]), common::scalar_text_of(&row[0][1..2]));
    let wall = p.created.with_timezone(&Europe::Paris).naive_local();
    let text = |dt: modelgen_runtime::NaiveDateTime| dt.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    assert_eq!(created.trim_end_matches(".000000"), text(wall).trim_end_matches(".000000"));
    assert_eq!(updated, created);
    assert_eq!(Product::get(&db, p.id.unwrap()).unwrap(), p);
}

/// The date `auto_now` gives a DateField saved now in `zone`, with the
/// dates of `zone` just before and after the save.
fn auto_now_date_in(zone: Tz, use_tz: bool) -> (NaiveDate, NaiveDate, NaiveDate) {
    let db = common::empty_database().with_time_zone(TimeZoneSettings { use_tz, time_zone: zone });
    db.create_tables(APPS).unwrap();
    let before = Utc::now().with_timezone(&zone).date_naive();
    let b = blog(&db, "b");
    let e = entry(&db, &b, "e", date(2024, 1, 1));
    let after = Utc::now().with_timezone(&zone).date_naive();
    let stored = Entry::get(&db, e.id.unwrap()).unwrap().mod_date;
    assert_eq!(stored, e.mod_date);
    (before, stored, after)
}

#[test]
fn auto_now_date_field_takes_the_date_in_time_zone_under_either_use_tz() {
    // Django 5.2's DateField.pre_save is `datetime.date.today()`: the date
    // of the process's local time, which Django sets to TIME_ZONE, with
    // USE_TZ True or False. UTC+14 and UTC-12 are a day apart all day
    // long, so one of them differs from the UTC date whenever this runs.
    for use_tz in [true, false] {
        for zone in [Pacific::Kiritimati, Etc::GMTPlus12, Tz::UTC] {
            let (before, stored, after) = auto_now_date_in(zone, use_tz);
            assert!(before <= stored && stored <= after, "{zone} use_tz={use_tz}: {before} {stored} {after}");
        }
    }
}

#[test]
fn auto_now_time_field_takes_the_time_in_time_zone() {
    // Django 5.2's TimeField.pre_save is `datetime.datetime.now().time()`:
    // with TIME_ZONE = 'Europe/Paris' Django stored '11:03:22.223277' at
    // 10:03:22 UTC (USE_TZ True and False alike).
    let now = TimeZoneSettings::aware(Europe::Paris).now_at(micro(2026, 11, 30, 10, 3, 22, 223_277));
    assert_eq!(NaiveTime::from_now(&now), NaiveTime::from_hms_micro_opt(11, 3, 22, 223_277));
    assert_eq!(NaiveDate::from_now(&now), Some(date(2026, 11, 30)));
    assert_eq!(DateTime::<Utc>::from_now(&now), Some(micro(2026, 11, 30, 10, 3, 22, 223_277)));
    let late = TimeZoneSettings::naive(Europe::Paris).now_at(utc(2026, 11, 30, 23, 30, 0));
    assert_eq!(NaiveDate::from_now(&late), Some(date(2026, 12, 1)));
    // A naive datetime (a DateTimeField Rust code keeps naive, as Django's
    // with USE_TZ = False) is `timezone.now()`'s naive local time.
    assert_eq!(modelgen_runtime::NaiveDateTime::from_now(&late), date(2026, 12, 1).and_hms_opt(0, 30, 0));
    assert_eq!(Now::utc(utc(2026, 11, 30, 23, 30, 0)).local.date(), date(2026, 11, 30));
}

#[test]
fn use_tz_false_copies_keep_the_instant_and_take_fresh_auto_now_values() {
    let db = paris_naive();
    let mut n = Notification::new();
    n.title = "t".into();
    n.sent_at = Some(utc(2024, 7, 1, 12, 0, 0));
    n.save(&db).unwrap();
    let stored = |id: i64| -> (Option<String>, String) {
        let row = common::query(&db, r#"SELECT "sent_at", "created" FROM "notifications_notification" WHERE "id" = ?1"#, &[id.into()]);
        let sent_at = match &row[0][0] {
            modelgen_runtime::rusqlite::types::Value::Null => None,
            _ => Some(common::scalar_text_of(&row[0][0..1])),
        };
        (sent_at, common::scalar_text_of(&row[0][1..2]))
    };
    assert_eq!(stored(n.id.unwrap()).0.as_deref(), Some("2024-07-01 14:00:00"));
    let copy = n.duplicate(&db, None, |_| {}).unwrap();
    // `sent_at: clear` in the schema; the copy's `created` is fresh.
    assert_eq!(copy.sent_at, None);
    let copy_created = stored(copy.id.unwrap()).1;
    let wall = copy.created.with_timezone(&Europe::Paris).naive_local().format("%Y-%m-%d %H:%M:%S").to_string();
    assert!(copy_created.starts_with(&wall), "{copy_created} vs {wall}");
    // A fork writes rows in batches: the same texts, and the copy reads
    // back as the instants it was built with, as do the instances its
    // save signals get (built from the rows it writes).
    let p = product(&db);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    db.connect::<Product>(modelgen_runtime::Signal::PostSave, move |e| {
        log.lock().unwrap().push(e.instance.created);
        Ok(())
    });
    let fork = p.fork(&db).unwrap();
    assert_eq!(*seen.lock().unwrap(), [fork.root.created]);
    let loaded = Product::get(&db, fork.root.id.unwrap()).unwrap();
    assert_eq!(loaded.created, fork.root.created);
    let raw_created = common::scalar_text(&db, r#"SELECT "created" FROM "shop_product" WHERE "id" = ?1"#, &[fork.root.id.into()]);
    let wall = fork.root.created.with_timezone(&Europe::Paris).naive_local().format("%Y-%m-%d %H:%M:%S").to_string();
    assert!(raw_created.starts_with(&wall), "{raw_created} vs {wall}");
}

#[test]
fn use_tz_false_in_utc_stores_as_use_tz_true_does() {
    // TIME_ZONE = 'UTC': the wall-clock time is the UTC time; nothing to convert.
    assert_eq!(TimeZoneSettings::naive(Tz::UTC).storage_zone(), None);
    assert_eq!(TimeZoneSettings::aware(Europe::Paris).storage_zone(), None);
    assert_eq!(TimeZoneSettings::naive(Europe::Paris).storage_zone(), Some(Europe::Paris));
    let db = common::empty_database().with_time_zone(TimeZoneSettings::naive(Tz::UTC));
    db.create_tables(APPS).unwrap();
    let p = product(&db);
    let mut sale = Sale::new(Key::new(p.id.unwrap()), utc(2024, 7, 1, 12, 0, 0));
    sale.save(&db).unwrap();
    assert_eq!(raw_sold_at(&db, &sale), "2024-07-01 12:00:00");
}

#[test]
fn a_stored_offset_is_honoured_in_any_zone() {
    if common::sqlite_only("stores text (not a date) that PostgreSQL's timestamptz refuses") {
        return;
    }
    let db = paris_naive();
    let p = product(&db);
    let id = insert_raw_sale(&db, &p, "2024-07-01 14:00:00+02:00");
    assert_eq!(Sale::get(&db, id).unwrap().sold_at, utc(2024, 7, 1, 12, 0, 0));
    // Text that is no datetime is an error, never a panic.
    let bad = insert_raw_sale(&db, &p, "not a date");
    assert!(Sale::get(&db, bad).is_err());
    // An instant whose Paris wall-clock time is past year 9999 cannot be
    // stored: an error before the write.
    let mut far = Sale::new(Key::new(p.id.unwrap()), Utc.with_ymd_and_hms(9999, 12, 31, 23, 30, 0).unwrap());
    assert!(far.save(&db).is_err());
}

/// bulk_create and bulk_update bind their DateTimeField values as a save
/// does: the wall-clock time in TIME_ZONE with USE_TZ = False (the texts
/// Django wrote, above).
#[test]
fn use_tz_false_bulk_create_and_bulk_update_write_the_wall_clock_time() {
    let db = paris_naive();
    let p = product(&db);
    let texts = django_texts();
    let mut sales: Vec<Sale> = texts.iter().map(|(instant, _, _)| Sale::new(p.key().unwrap(), *instant)).collect();
    Sale::objects().bulk_create(&db, &mut sales).unwrap();
    for (sale, (_, _, paris)) in sales.iter().zip(&texts) {
        assert_eq!(raw_sold_at(&db, sale), *paris);
    }
    let winter = utc(2024, 1, 15, 12, 0, 0);
    for sale in &mut sales {
        sale.sold_at = winter;
    }
    Sale::objects().bulk_update(&db, &sales, Sale::SOLD_AT).unwrap();
    for sale in &sales {
        assert_eq!(raw_sold_at(&db, sale), "2024-01-15 13:00:00");
    }
}

// ---------------------------------------------------------------------------
// Lookups in the database's zone: date parts, and values bound through paths
// ---------------------------------------------------------------------------

/// A bound text value.
fn text(s: &str) -> modelgen_runtime::rusqlite::types::Value {
    modelgen_runtime::rusqlite::types::Value::Text(s.into())
}

/// The ids of the sales matching `condition`, in id order.
fn sale_ids(db: &Database, condition: Condition<Sale>) -> Vec<i64> {
    Sale::objects()
        .filter(condition)
        .order_by([Sale::ID.asc()])
        .all(db)
        .unwrap()
        .into_iter()
        .filter_map(|s| s.id)
        .collect()
}

/// Two sales of one product at `instants`, saved in `db`'s settings.
fn two_sales(db: &Database, instants: [DateTime<Utc>; 2]) -> Vec<Sale> {
    let p = product(db);
    instants
        .into_iter()
        .map(|t| {
            let mut sale = Sale::new(p.key().unwrap(), t);
            sale.save(db).unwrap();
            sale
        })
        .collect()
}

#[test]
fn date_parts_with_use_tz_true_are_taken_in_time_zone_as_djangos_tzname() {
    let db = common::empty_database().with_time_zone(TimeZoneSettings::aware(Europe::Paris));
    db.create_tables(APPS).unwrap();
    two_sales(&db, [utc(2024, 1, 1, 23, 30, 0), utc(2023, 12, 31, 23, 30, 0)]);
    // Django 5.2, USE_TZ = True, TIME_ZONE = 'Europe/Paris', the same two instants:
    // at__day [2, 1], at__date [2024-01-02, 2024-01-01], at__hour [0, 0], at__year [2024, 2024];
    // filter(at__year=2024) [1, 2], filter(at__year__lt=2024) [].
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.day().eq(2)), [1]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.day().eq(1)), [2]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.date().eq(date(2024, 1, 2))), [1]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.date().eq(date(2024, 1, 1))), [2]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.hour().eq(0)), [1, 2]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.year().eq(2024)), [1, 2]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.year().lt(2024)), Vec::<i64>::new());
    // Through a path, the same zone.
    let day_two = Product::objects().filter(Product::SALES_REL.then(Sale::SOLD_AT).day().eq(2));
    assert_eq!(day_two.count(&db).unwrap(), 1);
    // Django's SQLite SQL: django_datetime_extract(%s, "at", %s, %s) with ('day', 'Europe/Paris',
    // 'UTC', 2), django_datetime_cast_date("at", %s, %s) with ('Europe/Paris', 'UTC',
    // '2024-01-02'); its PostgreSQL SQL (the PostgreSQL oracle): EXTRACT(DAY FROM "at" AT TIME
    // ZONE %s) and ("at" AT TIME ZONE %s)::date with 'Europe/Paris' (written in the text here);
    // and at__year=2024 as BETWEEN '2023-12-31 23:00:00' AND '2024-12-31 22:59:59.999999' (the
    // year's bounds in Paris, as UTC).
    let (day_sql, date_sql) = match db.backend() {
        Backend::Sqlite => (
            r#"django_datetime_extract('day', "sold_at", 'Europe/Paris', 'UTC') = ?"#,
            r#"django_datetime_cast_date("sold_at", 'Europe/Paris', 'UTC') = ?"#,
        ),
        Backend::PostgreSql => (
            r#"EXTRACT(DAY FROM "sold_at" AT TIME ZONE 'Europe/Paris') = ?"#,
            r#"("sold_at" AT TIME ZONE 'Europe/Paris')::date = ?"#,
        ),
    };
    let (sql, _) = Sale::objects().filter(Sale::SOLD_AT.day().eq(2)).sql_with_params_on(&db).unwrap();
    assert!(sql.contains(day_sql), "{sql}");
    let (sql, _) = Sale::objects().filter(Sale::SOLD_AT.date().eq(date(2024, 1, 2))).sql_with_params_on(&db).unwrap();
    assert!(sql.contains(date_sql), "{sql}");
    let (sql, params) = Sale::objects().filter(Sale::SOLD_AT.year().eq(2024)).sql_with_params_on(&db).unwrap();
    assert!(sql.ends_with(r#"WHERE "sold_at" BETWEEN ? AND ?"#), "{sql}");
    assert_eq!(params, [text("2023-12-31 23:00:00"), text("2024-12-31 22:59:59.999999")]);
    let (_, params) = Sale::objects().filter(Sale::SOLD_AT.year().gt(2023)).sql_with_params_on(&db).unwrap();
    assert_eq!(params, [text("2023-12-31 22:59:59.999999")]);
}

#[test]
fn date_parts_with_use_tz_false_read_the_stored_wall_clock_time_as_django() {
    let db = paris_naive();
    // Stored as Django stored the naive 2024-01-01 23:30 and 2023-12-31 23:30.
    let sales = two_sales(&db, [utc(2024, 1, 1, 22, 30, 0), utc(2023, 12, 31, 22, 30, 0)]);
    assert_eq!(raw_sold_at(&db, &sales[0]), "2024-01-01 23:30:00");
    assert_eq!(raw_sold_at(&db, &sales[1]), "2023-12-31 23:30:00");
    // Django 5.2, USE_TZ = False, TIME_ZONE = 'Europe/Paris': at__day [1, 31],
    // at__date [2024-01-01, 2023-12-31], at__hour [23, 23], at__year [2024, 2023];
    // filter(at__year=2024) [1], filter(at__year__lt=2024) [2], filter(at__day=2) [].
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.day().eq(1)), [1]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.day().eq(31)), [2]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.day().eq(2)), Vec::<i64>::new());
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.date().eq(date(2024, 1, 1))), [1]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.hour().eq(23)), [1, 2]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.year().eq(2024)), [1]);
    assert_eq!(sale_ids(&db, Sale::SOLD_AT.year().lt(2024)), [2]);
    // Django's SQL: on SQLite the zone arguments are None (NULL); on PostgreSQL (the PostgreSQL
    // oracle, USE_TZ = False) no AT TIME ZONE: EXTRACT(DAY FROM "at"), ("at")::date. The
    // year's bounds naive.
    let (day_sql, date_sql) = match db.backend() {
        Backend::Sqlite => (
            r#"django_datetime_extract('day', "sold_at", NULL, NULL) = ?"#,
            r#"django_datetime_cast_date("sold_at", NULL, NULL) = ?"#,
        ),
        Backend::PostgreSql => (r#"EXTRACT(DAY FROM "sold_at") = ?"#, r#"("sold_at")::date = ?"#),
    };
    let (sql, _) = Sale::objects().filter(Sale::SOLD_AT.day().eq(2)).sql_with_params_on(&db).unwrap();
    assert!(sql.contains(day_sql), "{sql}");
    let (sql, _) = Sale::objects().filter(Sale::SOLD_AT.date().eq(date(2024, 1, 1))).sql_with_params_on(&db).unwrap();
    assert!(sql.contains(date_sql), "{sql}");
    let (_, params) = Sale::objects().filter(Sale::SOLD_AT.year().eq(2024)).sql_with_params_on(&db).unwrap();
    assert_eq!(params, [text("2024-01-01 00:00:00"), text("2024-12-31 23:59:59.999999")]);
}

#[test]
fn use_tz_false_lookups_across_relations_bind_the_wall_clock_time() {
    let db = paris_naive();
    let (winter, summer) = (utc(2024, 1, 15, 12, 0, 0), utc(2024, 7, 1, 12, 0, 0));
    let first = two_sales(&db, [winter, winter]);
    let second = two_sales(&db, [summer, summer]);
    let product_ids = |qs: QuerySet<Product>| -> Vec<i64> {
        qs.order_by([Product::ID.asc()]).all(&db).unwrap().into_iter().filter_map(|p| p.id).collect()
    };
    let sold_at = || Product::SALES_REL.then(Sale::SOLD_AT);
    let (p1, p2) = (first[0].product_id, second[0].product_id);
    // filter(sales__sold_at=winter): the bound value is Paris time, as stored.
    let (sql, params) = Product::objects().filter(sold_at().eq(winter)).sql_with_params_on(&db).unwrap();
    assert!(sql.contains(r#"INNER JOIN "shop_sale""#), "{sql}");
    assert_eq!(params, [text("2024-01-15 13:00:00")]);
    assert_eq!(product_ids(Product::objects().filter(sold_at().eq(winter)).distinct()), [p1]);
    assert_eq!(product_ids(Product::objects().filter(sold_at().in_([winter])).distinct()), [p1]);
    let minute = modelgen_runtime::TimeDelta::minutes(1);
    assert_eq!(
        product_ids(Product::objects().filter(sold_at().range(winter - minute, winter + minute)).distinct()),
        [p1]
    );
    assert_eq!(product_ids(Product::objects().filter(sold_at().gt(winter)).distinct()), [p2]);
    // exclude(sales__sold_at=winter): a NOT EXISTS subquery binding the same text.
    let excluded = Product::objects().exclude(sold_at().eq(winter));
    let (sql, params) = excluded.sql_with_params_on(&db).unwrap();
    assert!(sql.contains("NOT (EXISTS(SELECT 1"), "{sql}");
    assert_eq!(params, [text("2024-01-15 13:00:00")]);
    assert_eq!(product_ids(excluded), [p2]);
    // Product.objects.filter(sales__sold_at=summer).update(name="summer"): the filter binds Paris time.
    let n = Product::objects().filter(sold_at().eq(summer)).update(&db, &[Product::NAME.set("summer")]).unwrap();
    assert_eq!(n, 1);
    // Sale.objects.filter(product__name="summer").update(sold_at=winter): the value is stored in Paris time.
    let moved = Sale::objects()
        .filter(Sale::PRODUCT_REL.then(Product::NAME).eq("summer"))
        .update(&db, &[Sale::SOLD_AT.set(winter)])
        .unwrap();
    assert_eq!(moved, 2);
    assert_eq!(raw_sold_at(&db, &second[0]), "2024-01-15 13:00:00");
    assert_eq!(product_ids(Product::objects().filter(sold_at().eq(winter)).distinct()), [p1, p2]);
}
