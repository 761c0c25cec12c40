//! Django's F expressions as trees (`F("a") + 2 * F("b")`, `15 - F("a")`,
//! powers, bitwise operators, negation), in `QuerySet.update()` and
//! `update_relative`, computed by the database. Expected values are what
//! Django 5.2 computes for the same update on SQLite.

mod common;

use common::*;
use modelgen_examples::people::{Person, PersonShirtSize};
use modelgen_examples::shop::Category;
use modelgen_examples::weblog::Entry;
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;

fn entry_with(db: &modelgen_runtime::Database, rating: i64, n_comments: i64) -> Entry {
    let b = blog(db, "b");
    let mut e = entry(db, &b, "e", date(2024, 1, 1));
    e.rating = rating;
    e.n_comments = n_comments;
    e.save(db).unwrap();
    e
}

#[test]
fn a_column_plus_a_constant_times_another_column() {
    let db = setup();
    let mut e = entry_with(&db, 5, 3);
    e.update_relative(&db, &[Entry::RATING.set_f(Entry::RATING.f() + 2 * Entry::N_COMMENTS.f())]).unwrap();
    e.refresh_from_db(&db).unwrap();
    assert_eq!(e.rating, 11);
}

#[test]
fn a_constant_minus_a_column_and_negation() {
    let db = setup();
    let mut e = entry_with(&db, 5, 3);
    e.update_relative(&db, &[Entry::RATING.set_f(15 - Entry::RATING.f()), Entry::N_COMMENTS.set_f(-Entry::N_COMMENTS.f())])
        .unwrap();
    e.refresh_from_db(&db).unwrap();
    assert_eq!((e.rating, e.n_comments), (10, -3));
}

#[test]
fn integer_division_and_modulo_are_sqlites() {
    let db = setup();
    let mut e = entry_with(&db, 7, 3);
    e.update_relative(&db, &[Entry::RATING.set_f(Entry::RATING.f() / 2), Entry::N_COMMENTS.set_f(Entry::RATING.f() % Entry::N_COMMENTS.f())])
        .unwrap();
    e.refresh_from_db(&db).unwrap();
    assert_eq!((e.rating, e.n_comments), (3, 1), "7 / 2 is 3 on SQLite, as Django's update gives");
}

#[test]
fn powers_and_bitwise_operators() {
    let db = setup();
    let mut e = entry_with(&db, 3, 6);
    e.update_relative(
        &db,
        &[
            Entry::RATING.set_f(Entry::RATING.f().pow(2)),
            Entry::N_COMMENTS.set_f((Entry::N_COMMENTS.f() & 3) | 8),
            Entry::N_PINGBACKS.set_f((Entry::N_COMMENTS.f() << 2) >> 1),
        ],
    )
    .unwrap();
    e.refresh_from_db(&db).unwrap();
    assert_eq!((e.rating, e.n_comments, e.n_pingbacks), (9, 10, 12));
}

#[test]
fn an_integer_choice_field_takes_an_f_expression() {
    let db = setup();
    let mut p = Person::new();
    p.first_name = "Ann".into();
    p.shirt_size = PersonShirtSize::Small;
    p.save(&db).unwrap();
    let stored = |p: &Person| mg_value(&p.shirt_size);
    let before = stored(&p);
    Person::objects().update(&db, &[Person::SHIRT_SIZE.set_f(Person::SHIRT_SIZE.f() + 1)]).unwrap();
    p.refresh_from_db(&db).unwrap();
    assert_eq!(stored(&p), before + 1);
}

fn mg_value(size: &PersonShirtSize) -> i64 {
    modelgen_runtime::IntegerChoice::value(size)
}

#[test]
fn a_column_is_copied_into_a_nullable_one() {
    let db = setup();
    let mut root = Category::new();
    root.name = "root".into();
    root.save(&db).unwrap();
    Category::objects().update(&db, &[Category::PARENT.set_f(Category::ID.f())]).unwrap();
    root.refresh_from_db(&db).unwrap();
    assert_eq!(root.parent_id, root.id, "a non-null column into a nullable one");

}
