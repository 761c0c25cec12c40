//! Django's symmetrical many-to-many to `self` (library.Book.related, where
//! `symmetrical` defaults to true): a link is visible from both ends, and
//! removing or clearing it from either end removes both directions.

mod common;

use modelgen_examples::library::{self, Book};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::NaiveDate;
use modelgen_runtime::Database;

fn book(db: &Database, isbn: &str) -> Book {
    let mut b = Book::new(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap());
    b.title = isbn.into();
    b.isbn = isbn.into();
    b.save(db).unwrap();
    b
}

fn titles(db: &Database, b: &Book) -> Vec<String> {
    b.related().all(db).unwrap().into_iter().map(|b| b.title).collect()
}

fn rows(db: &Database) -> i64 {
    common::count(db, "library_book_related")
}

#[test]
fn symmetrical_add_links_both_directions() {
    let db = common::empty_database();
    db.create_tables(&[&library::APP]).unwrap();
    let (a, b, c) = (book(&db, "a"), book(&db, "b"), book(&db, "c"));
    a.related().add(&db, &[&b, &c]).unwrap();
    assert_eq!(titles(&db, &a), ["b", "c"]);
    assert_eq!(titles(&db, &b), ["a"]);
    assert_eq!(titles(&db, &c), ["a"]);
    assert_eq!(rows(&db), 4, "Django stores each link in both directions");
    // Adding again from the other end changes nothing.
    b.related().add(&db, &[&a]).unwrap();
    assert_eq!(rows(&db), 4);
}

#[test]
fn symmetrical_remove_and_clear_unlink_both_directions() {
    let db = common::empty_database();
    db.create_tables(&[&library::APP]).unwrap();
    let (a, b, c) = (book(&db, "a"), book(&db, "b"), book(&db, "c"));
    a.related().add(&db, &[&b, &c]).unwrap();
    b.related().remove(&db, &[&a]).unwrap();
    assert_eq!(titles(&db, &a), ["c"]);
    assert!(titles(&db, &b).is_empty());
    c.related().clear(&db).unwrap();
    assert!(titles(&db, &a).is_empty());
    assert_eq!(rows(&db), 0);
}

#[test]
fn symmetrical_link_to_itself_is_stored_once() {
    let db = common::empty_database();
    db.create_tables(&[&library::APP]).unwrap();
    let a = book(&db, "a");
    a.related().add(&db, &[&a]).unwrap();
    assert_eq!(titles(&db, &a), ["a"]);
    assert_eq!(rows(&db), 1);
}
