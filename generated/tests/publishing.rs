//! The schema features of `schemas/publishing.yaml`, against SQLite: file
//! fields as stored paths, `meta.constraints`, `db_default`, `to_field`
//! and a one-to-one primary key. Values are what Django 5.2 gave for the
//! same models (run through the django-oracle).

use modelgen_examples::publishing::{self, Book};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::Database;

fn setup() -> Database {
    let db = Database::open_in_memory().expect("open an in-memory database");
    db.create_tables(&[&publishing::APP]).expect("create the tables");
    db
}

fn book(title: &str) -> Book {
    let mut book = Book::new();
    book.title = title.into();
    book.manuscript = "manuscripts/2024/a.pdf".into();
    book
}

/// Django: a FileField's value is the stored name (`FieldFile.name`), a
/// varchar(100) column; filtering works on the path
/// (`Book.objects.filter(manuscript__endswith=".pdf").count()` gave 1).
#[test]
fn file_field_stores_the_file_name_as_text() {
    let db = setup();
    let mut saved = book("Dune");
    saved.save(&db).unwrap();
    let loaded = Book::get(&db, saved.id.unwrap()).unwrap();
    assert_eq!(loaded.manuscript, "manuscripts/2024/a.pdf");
    // Django: an unset FileField is '' (`b.scan.name` gave ''), an unset nullable one NULL.
    assert_eq!(loaded.scan, "");
    assert_eq!(loaded.cover, None);
    assert_eq!(Book::objects().filter(Book::MANUSCRIPT.endswith(".pdf")).count(&db).unwrap(), 1);
}

/// Django's `full_clean` checks a FileField for blank (`{'manuscript':
/// ['This field cannot be blank.']}`) but not its length: a 150-character
/// name in a max_length 100 field passed (only the form field checks it).
#[test]
fn file_field_full_clean_checks_blank_not_max_length() {
    let mut long = book("Dune");
    long.manuscript = "a".repeat(150);
    assert_eq!(long.full_clean(), Ok(()));
    let mut empty = book("Dune");
    empty.manuscript = String::new();
    let errors: Vec<(String, Vec<String>)> = empty.full_clean().unwrap_err().0.into_iter().collect();
    assert_eq!(errors, vec![("manuscript".to_string(), vec!["This field cannot be blank.".to_string()])]);
}
