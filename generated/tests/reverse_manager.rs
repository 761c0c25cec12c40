//! Django's reverse ForeignKey manager (`blog.entry_set`): `add`, `create`,
//! `remove`, `clear` and `set`, with Django's rules (`add` needs saved
//! rows and is one UPDATE; `remove`/`clear` only when the ForeignKey is
//! nullable; `set` on a non-null ForeignKey only adds).

mod common;

use common::*;
use modelgen_examples::library::{Book, Publisher};
use modelgen_examples::weblog::{Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Database, Error};

fn publisher(db: &Database, name: &str) -> Publisher {
    let mut p = Publisher::new();
    p.name = name.into();
    p.save(db).unwrap();
    p
}

fn book(db: &Database, title: &str, isbn: &str) -> Book {
    let mut b = Book::new(date(2000, 1, 1));
    b.title = title.into();
    b.isbn = isbn.into();
    b.save(db).unwrap();
    b
}

fn titles(p: &Publisher, db: &Database) -> Vec<String> {
    let mut t: Vec<String> = p.books().all(db).unwrap().into_iter().map(|b| b.title).collect();
    t.sort();
    t
}

#[test]
fn add_points_saved_rows_at_the_source_in_the_database_and_in_memory() {
    let db = setup();
    let (a, b) = (blog(&db, "a"), blog(&db, "b"));
    let mut e = entry(&db, &a, "e", date(2024, 1, 1));
    b.entries().add(&db, &mut [&mut e]).unwrap();
    assert_eq!(e.blog_id, b.id.unwrap(), "in memory");
    assert_eq!(b.entries().count(&db).unwrap(), 1);
    assert_eq!(a.entries().count(&db).unwrap(), 0);

    let mut unsaved = Entry::new(a.key().unwrap(), date(2024, 1, 2));
    unsaved.headline = "new".into();
    let err = b.entries().add(&db, &mut [&mut unsaved]).unwrap_err();
    assert_eq!(err.to_string(), "<Entry: new> instance isn't saved. Save it first (or use create(), which saves and links a new row).");
}

#[test]
fn create_saves_a_row_pointing_at_the_source() {
    let db = setup();
    let b = blog(&db, "b");
    let mut e = Entry::new(Key::new(0), date(2024, 1, 1));
    e.headline = "created".into();
    let e = b.entries().create(&db, e).unwrap();
    assert!(e.id.is_some());
    assert_eq!(e.blog_id, b.id.unwrap());
    assert_eq!(b.entries().all(&db).unwrap().into_iter().map(|e| e.headline).collect::<Vec<_>>(), ["created"]);
    let err = Blog::new().entries().create(&db, Entry::new(Key::new(0), date(2024, 1, 1))).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "an unsaved source: {err:?}");
}

#[test]
fn remove_and_clear_unlink_rows_of_a_nullable_foreign_key_only() {
    let db = setup();
    let acme = publisher(&db, "Acme");
    let (mut dune, mut emma, mut odd) = (book(&db, "Dune", "1"), book(&db, "Emma", "2"), book(&db, "Odd", "3"));
    acme.books().add(&db, &mut [&mut dune, &mut emma]).unwrap();
    assert_eq!(titles(&acme, &db), ["Dune", "Emma"]);

    acme.books().remove(&db, &mut [&mut dune]).unwrap();
    assert_eq!(dune.publisher_id, None, "in memory");
    assert_eq!(titles(&acme, &db), ["Emma"]);
    let err = acme.books().remove(&db, &mut [&mut odd]).unwrap_err();
    // Django raises the source model's DoesNotExist (`field.remote_field.model`).
    assert!(matches!(err, Error::DoesNotExist { model: "Publisher" }), "a row not related: {err:?}");

    assert_eq!(acme.books().clear(&db).unwrap(), 1);
    assert!(titles(&acme, &db).is_empty());
    assert_eq!(count(&db, "library_book"), 3, "clear unlinks, it deletes nothing");

    // A non-null ForeignKey has no remove() or clear() in Django.
    let b = blog(&db, "b");
    let mut e = entry(&db, &b, "e", date(2024, 1, 1));
    assert!(matches!(b.entries().clear(&db), Err(Error::Misuse(_))));
    assert!(matches!(b.entries().remove(&db, &mut [&mut e]), Err(Error::Misuse(_))));
    assert_eq!(
        b.entries().clear(&db).unwrap_err().to_string(),
        "clear() needs the ForeignKey `Entry.blog` to be nullable (`null: true` in the schema): it sets the key to NULL"
    );
}

#[test]
fn set_replaces_the_rows_of_a_nullable_foreign_key_and_only_adds_for_a_non_null_one() {
    let db = setup();
    let acme = publisher(&db, "Acme");
    let (mut dune, mut emma, mut odd) = (book(&db, "Dune", "1"), book(&db, "Emma", "2"), book(&db, "Odd", "3"));
    acme.books().add(&db, &mut [&mut dune, &mut emma]).unwrap();
    acme.books().set(&db, &mut [&mut emma, &mut odd]).unwrap();
    assert_eq!(titles(&acme, &db), ["Emma", "Odd"]);

    let (a, b) = (blog(&db, "a"), blog(&db, "b"));
    let mut e1 = entry(&db, &a, "e1", date(2024, 1, 1));
    let _e2 = entry(&db, &b, "e2", date(2024, 1, 2));
    b.entries().set(&db, &mut [&mut e1]).unwrap();
    let mut headlines: Vec<String> = b.entries().all(&db).unwrap().into_iter().map(|e| e.headline).collect();
    headlines.sort();
    assert_eq!(headlines, ["e1", "e2"], "a non-null ForeignKey's rows are not unlinked");
}
