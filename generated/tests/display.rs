//! How generated models show themselves, as Django's do: `Display` from the
//! schema's `str` (Python's `str()` of each value), Django's default
//! `<Model> object (<pk>)`, `get_absolute_url()` through `iri_to_uri`,
//! choices with `get_<field>_display()` (an unknown stored value loads and
//! displays raw), and `get_next_by_<field>()` / `get_previous_by_<field>()`.

mod common;

use common::*;
use modelgen_examples::library::{Authorship, Book};
use modelgen_examples::notifications::{Notification, NotificationNotificationType};
use modelgen_examples::people::{Person, PersonGender, PersonShirtSize};
use modelgen_examples::shop::{Product, Sale, SaleChannel};
use modelgen_examples::weblog::{Entry, EntryStatus};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::NaiveDate;
use modelgen_runtime::{Database, Error};

fn person(first: &str, last: &str) -> Person {
    let mut p = Person::new();
    p.first_name = first.into();
    p.last_name = last.into();
    p.email = format!("{}@example.com", first.to_lowercase());
    p
}

// ---------------------------------------------------------------------------
// Display (`str`)
// ---------------------------------------------------------------------------

#[test]
fn display_renders_the_str_template() {
    let db = setup();
    let b = blog(&db, "Cheddar Talk");
    let e = entry(&db, &b, "Aged to perfection", date(2024, 1, 1));
    assert_eq!(b.to_string(), "Cheddar Talk");
    assert_eq!(e.to_string(), "Aged to perfection");
    assert_eq!(person("Ann", "Doe").to_string(), "Ann Doe", "several fields: str: \"{{first_name}} {{last_name}}\"");
    let mut p = Product::new();
    p.name = "Mug".into();
    assert_eq!(format!("<{p}>"), "<Mug>");
}

#[test]
fn display_without_str_is_djangos_default_model_object_pk() {
    let db = setup();
    let mut a = Authorship::new(Key::new(1), Key::new(1));
    assert_eq!(a.to_string(), "Authorship object (None)", "Python's str(None) when unsaved");
    let mut author = modelgen_examples::library::Author::new();
    author.name = "ann".into();
    author.save(&db).unwrap();
    let mut b = Book::new(date(2020, 1, 1));
    b.title = "t".into();
    b.isbn = "1".into();
    b.save(&db).unwrap();
    a.set_author(&author).unwrap();
    a.set_book(&b).unwrap();
    a.save(&db).unwrap();
    assert_eq!(a.to_string(), "Authorship object (1)");
}

// ---------------------------------------------------------------------------
// get_absolute_url
// ---------------------------------------------------------------------------

#[test]
fn get_absolute_url_fills_in_the_fields() {
    let db = setup();
    let b = blog(&db, "b");
    entry(&db, &b, "first", date(2024, 1, 1));
    let e = entry(&db, &b, "second", date(2024, 1, 1));
    assert_eq!(e.get_absolute_url(), "/weblog/entries/2/");
    let mut p = Product::new();
    p.slug = "blue-mug".into();
    assert_eq!(p.get_absolute_url(), "/shop/blue-mug/");
    let mut book = Book::new(date(2020, 1, 1));
    book.isbn = "9780441013593".into();
    assert_eq!(book.get_absolute_url(), "/library/books/9780441013593/");
}

#[test]
fn get_absolute_url_of_an_unsaved_instance_shows_none_as_python_does() {
    let e = Entry::new(Key::new(1), date(2024, 1, 1));
    assert_eq!(e.get_absolute_url(), "/weblog/entries/None/");
}

#[test]
fn get_absolute_url_percent_encodes_non_ascii_as_djangos_iri_to_uri() {
    let p = person("José", "Müller");
    assert_eq!(p.get_absolute_url(), "/people/M%C3%BCller/Jos%C3%A9/");
    // Spaces are encoded; the characters iri_to_uri keeps are kept.
    let p = person("Zoë", "O'Brien & Co");
    assert_eq!(p.get_absolute_url(), "/people/O'Brien%20&%20Co/Zo%C3%AB/");
    let p = person("東京", "Ünal");
    assert_eq!(p.get_absolute_url(), "/people/%C3%9Cnal/%E6%9D%B1%E4%BA%AC/");
    assert!(p.get_absolute_url().is_ascii());
}

// ---------------------------------------------------------------------------
// Choices
// ---------------------------------------------------------------------------

#[test]
fn get_field_display_returns_the_choice_label() {
    let mut e = Entry::new(Key::new(1), date(2024, 1, 1));
    assert_eq!(e.get_status_display(), "Draft");
    e.status = EntryStatus::Published;
    assert_eq!(e.get_status_display(), "Published");
    let mut p = person("Ann", "Doe");
    p.gender = PersonGender::from_value("F".into());
    p.shirt_size = PersonShirtSize::Large;
    assert_eq!((p.get_gender_display(), p.get_shirt_size_display()), ("Female".into(), "Large".into()));
    let mut n = Notification::new();
    n.notification_type = NotificationNotificationType::Reminder;
    assert_eq!(n.get_notification_type_display(), "Reminder");
}

#[test]
fn a_choice_field_displays_its_stored_value_and_the_enum_lists_the_choices_in_order() {
    // Django: str(entry.status) is the stored value, not the label.
    assert_eq!(EntryStatus::Published.to_string(), "p");
    assert_eq!(PersonShirtSize::Small.to_string(), "1");
    assert_eq!(EntryStatus::CHOICES, &[EntryStatus::Draft, EntryStatus::Published]);
    let labels: Vec<_> = PersonGender::CHOICES.iter().map(|c| c.label()).collect();
    assert_eq!(labels, vec!["Male", "Female", "Non-binary"]);
}

#[test]
fn a_blank_choice_displays_as_the_empty_string() {
    let p = person("Ann", "Doe");
    assert_eq!(p.gender.value(), "", "blank CharField without default: ''");
    assert_eq!(p.get_gender_display(), "");
}

#[test]
fn get_display_of_a_null_choice_is_none_as_django() {
    // Django 5.2: get_FOO_display() of a null CharField(null=True,
    // choices=...) returns None (force_str(..., strings_only=True) keeps
    // None), a choice its label and an unknown value the value itself.
    let mut s = Sale::new(Key::new(1), utc(2024, 1, 1, 0, 0, 0));
    assert_eq!(s.channel, None);
    assert_eq!(s.get_channel_display(), None);
    s.channel = Some(SaleChannel::InStore);
    assert_eq!(s.get_channel_display().as_deref(), Some("In store"));
    s.channel = Some(SaleChannel::from_value("x".into()));
    assert_eq!(s.get_channel_display().as_deref(), Some("x"));
}

#[test]
fn an_unknown_stored_text_choice_still_loads_and_displays_raw() {
    let db = setup();
    let b = blog(&db, "b");
    let e = entry(&db, &b, "e", date(2024, 1, 1));
    db.execute_raw(r#"UPDATE "weblog_entry" SET "status" = 'x'"#, &[]).unwrap();
    let mut loaded = Entry::get(&db, e.id.unwrap()).unwrap();
    assert_eq!(loaded.status, EntryStatus::Other("x".into()));
    assert!(!loaded.status.is_known());
    assert_eq!(loaded.get_status_display(), "x");
    // Saving it again writes the raw value back unchanged.
    loaded.headline = "edited".into();
    loaded.save(&db).unwrap();
    assert_eq!(raw(&db, "weblog_entry", "status", e.id.unwrap()), "'x'");
}

#[test]
fn an_unknown_stored_integer_choice_still_loads_and_displays_raw() {
    let db = setup();
    let mut p = person("Ann", "Doe");
    p.save(&db).unwrap();
    db.execute_raw(r#"UPDATE "people_person" SET "shirt_size" = 7"#, &[]).unwrap();
    let loaded = Person::get(&db, p.id.unwrap()).unwrap();
    assert_eq!(loaded.shirt_size, PersonShirtSize::Other(7));
    assert_eq!(loaded.get_shirt_size_display(), "7");

    let mut n = Notification::new();
    n.title = "t".into();
    n.save(&db).unwrap();
    db.execute_raw(r#"UPDATE "notifications_notification" SET "notification_type" = 9"#, &[]).unwrap();
    assert_eq!(Notification::get(&db, n.id.unwrap()).unwrap().get_notification_type_display(), "9");
}

#[test]
fn choices_are_stored_as_their_values() {
    let db = setup();
    let mut p = person("Ann", "Doe");
    p.gender = PersonGender::Other("X".into());
    p.shirt_size = PersonShirtSize::Small;
    p.save(&db).unwrap();
    let id = p.id.unwrap();
    assert_eq!(raw(&db, "people_person", "gender", id), "'X'");
    assert_eq!(raw(&db, "people_person", "shirt_size", id), "1");
    // 'X' is a declared choice: it loads as the known variant.
    assert_eq!(Person::get(&db, id).unwrap().get_gender_display(), "Non-binary");
}

// ---------------------------------------------------------------------------
// get_next_by_<field> / get_previous_by_<field>
// ---------------------------------------------------------------------------

/// Entries with pks 1..=4 on 2024-01-02, 01-01, 01-03, 01-02: by (date, pk)
/// they come 2, 1, 4, 3.
fn dated_entries(db: &Database) -> Vec<Entry> {
    let b = blog(db, "b");
    [2, 1, 3, 2].iter().enumerate().map(|(i, day)| entry(db, &b, &format!("e{}", i + 1), date(2024, 1, *day))).collect()
}

fn pk(result: modelgen_runtime::Result<Entry>) -> Option<i64> {
    match result {
        Ok(e) => e.id,
        Err(err) => {
            assert!(err.is_does_not_exist(), "{err:?}");
            assert_eq!(err.to_string(), "Entry matching query does not exist.");
            None
        }
    }
}

#[test]
fn get_next_by_date_is_strictly_after_on_value_then_pk() {
    let db = setup();
    let e = dated_entries(&db);
    let next: Vec<Option<i64>> = e.iter().map(|e| pk(e.get_next_by_pub_date(&db, None))).collect();
    assert_eq!(next, vec![Some(4), Some(1), None, Some(3)]);
}

#[test]
fn get_previous_by_date_is_strictly_before_on_value_then_pk() {
    let db = setup();
    let e = dated_entries(&db);
    let previous: Vec<Option<i64>> = e.iter().map(|e| pk(e.get_previous_by_pub_date(&db, None))).collect();
    assert_eq!(previous, vec![Some(2), None, Some(4), Some(1)]);
}

#[test]
fn get_next_by_date_applies_extra_filters() {
    let db = setup();
    let e = dated_entries(&db);
    db.execute_raw(r#"UPDATE "weblog_entry" SET "status" = 'p' WHERE "id" = 3"#, &[]).unwrap();
    let published = Some(Entry::STATUS.eq(EntryStatus::Published));
    assert_eq!(pk(e[1].get_next_by_pub_date(&db, published.clone())), Some(3));
    assert_eq!(pk(e[2].get_previous_by_pub_date(&db, published)), None);
    let headline = Some(Entry::HEADLINE.startswith("e1"));
    assert_eq!(pk(e[1].get_next_by_pub_date(&db, headline)), Some(1));
}

#[test]
fn get_next_by_uses_the_instances_value_not_the_stored_one() {
    let db = setup();
    let mut e = dated_entries(&db);
    // As Django, the comparison uses the in-memory value.
    e[1].pub_date = date(2024, 1, 3);
    assert_eq!(pk(e[1].get_next_by_pub_date(&db, None)), Some(3));
}

#[test]
fn get_next_by_auto_now_date_breaks_ties_by_pk() {
    let db = setup();
    let e = dated_entries(&db);
    // Every mod_date is today: the order is the pk order.
    assert_eq!(pk(e[0].get_next_by_mod_date(&db, None)), Some(2));
    assert_eq!(pk(e[3].get_next_by_mod_date(&db, None)), None);
    assert_eq!(pk(e[3].get_previous_by_mod_date(&db, None)), Some(3));
}

#[test]
fn get_next_by_datetime_field_orders_by_instant() {
    let db = setup();
    let mut p = Product::new();
    p.name = "p".into();
    p.slug = "p".into();
    p.save(&db).unwrap();
    let times = [utc(2024, 1, 1, 12, 0, 1), utc(2024, 1, 1, 12, 0, 0), utc(2024, 1, 1, 12, 0, 1)];
    let sales: Vec<Sale> = times
        .iter()
        .map(|t| {
            let mut s = Sale::new(p.key().unwrap(), *t);
            s.save(&db).unwrap();
            s
        })
        .collect();
    let next = |s: &Sale| s.get_next_by_sold_at(&db, None).ok().and_then(|s| s.id);
    let previous = |s: &Sale| s.get_previous_by_sold_at(&db, None).ok().and_then(|s| s.id);
    assert_eq!(sales.iter().map(next).collect::<Vec<_>>(), vec![Some(3), Some(1), None]);
    assert_eq!(sales.iter().map(previous).collect::<Vec<_>>(), vec![Some(2), None, Some(1)]);
    let err = sales[2].get_next_by_sold_at(&db, None).unwrap_err();
    assert_eq!(err.to_string(), "Sale matching query does not exist.");
}

#[test]
fn get_next_by_auto_now_add_datetime_follows_creation_order() {
    let db = setup();
    let mut first = Notification::new();
    first.title = "first".into();
    first.save(&db).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2));
    let mut second = Notification::new();
    second.title = "second".into();
    second.save(&db).unwrap();
    assert_eq!(first.get_next_by_created(&db, None).unwrap().title, "second");
    assert_eq!(second.get_previous_by_created(&db, None).unwrap().title, "first");
    assert!(second.get_next_by_created(&db, None).unwrap_err().is_does_not_exist());
}

#[test]
fn get_next_by_on_an_unsaved_instance_is_an_error() {
    let db = setup();
    dated_entries(&db);
    let e = Entry::new(Key::new(1), NaiveDate::MIN);
    let err = e.get_next_by_pub_date(&db, None).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(err.to_string(), "get_next/get_previous cannot be used on unsaved objects.");
}

#[test]
fn get_next_by_date_of_a_library_book() {
    let db = setup();
    let mut older = Book::new(date(1965, 8, 1));
    older.title = "Dune".into();
    older.isbn = "1".into();
    older.save(&db).unwrap();
    let mut newer = Book::new(date(1969, 1, 1));
    newer.title = "Dune Messiah".into();
    newer.isbn = "2".into();
    newer.save(&db).unwrap();
    assert_eq!(older.get_next_by_published(&db, None).unwrap().title, "Dune Messiah");
    assert_eq!(newer.get_previous_by_published(&db, None).unwrap().title, "Dune");
    let err = newer.get_next_by_published(&db, None).unwrap_err();
    assert_eq!(err.to_string(), "Book matching query does not exist.");
}
