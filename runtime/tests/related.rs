//! Related-object accessors: ForeignKey targets, reverse sets, many-to-many
//! sets, get_next_by/get_previous_by.

mod common;

use common::*;
use modelgen_runtime::prelude::*;
use modelgen_runtime::{get_by_column, next_or_previous, reverse_set, saved_pk, ManyRelated};

fn entries_on(db: &Database, days: &[u32]) -> Vec<Entry> {
    let blog = create(db, Blog::new("b"));
    days.iter().map(|d| create(db, Entry::new(&blog, &format!("day {d}"), date(2024, 1, *d)))).collect()
}

fn next(db: &Database, e: &Entry, is_next: bool, filter: Option<Condition<Entry>>) -> modelgen_runtime::Result<Entry> {
    next_or_previous(db, e, Entry::PUB_DATE, &e.pub_date, is_next, filter)
}

#[test]
fn get_next_by_date_breaks_ties_by_pk_and_ends_with_does_not_exist() {
    let db = setup();
    let e = entries_on(&db, &[1, 1, 2]);
    assert_eq!(next(&db, &e[0], true, None).unwrap().id, e[1].id, "same date, next pk");
    assert_eq!(next(&db, &e[1], true, None).unwrap().id, e[2].id);
    let err = next(&db, &e[2], true, None).unwrap_err();
    assert_eq!(err.to_string(), "Entry matching query does not exist.");
    assert_eq!(next(&db, &e[2], false, None).unwrap().id, e[1].id);
    assert_eq!(next(&db, &e[1], false, None).unwrap().id, e[0].id);
    assert!(next(&db, &e[0], false, None).unwrap_err().is_does_not_exist());
}

#[test]
fn get_next_by_date_applies_extra_filters() {
    let db = setup();
    let e = entries_on(&db, &[1, 2, 3]);
    let skip_day_2 = Some(Entry::HEADLINE.ne("day 2"));
    assert_eq!(next(&db, &e[0], true, skip_day_2).unwrap().id, e[2].id);
}

#[test]
fn get_next_by_on_unsaved_instance_is_misuse() {
    let db = setup();
    let blog = create(&db, Blog::new("b"));
    let unsaved = Entry::new(&blog, "x", date(2024, 1, 1));
    let err = next(&db, &unsaved, true, None).unwrap_err();
    assert_eq!(err.to_string(), "get_next/get_previous cannot be used on unsaved objects.");
}

#[test]
fn reverse_set_lists_rows_pointing_at_the_instance() {
    let db = setup();
    let e = entries_on(&db, &[1, 2]);
    let other = create(&db, Blog::new("other"));
    create(&db, Entry::new(&other, "elsewhere", date(2024, 1, 3)));
    let blog = QuerySet::<Blog>::new().filter(Blog::NAME.eq("b")).get(&db).unwrap();
    let set = reverse_set(&blog, Entry::BLOG).unwrap();
    assert_eq!(set.count(&db).unwrap(), 2);
    // Default ordering of the related model (-pub_date) applies.
    assert_eq!(set.first(&db).unwrap().unwrap().id, e[1].id);
    let err = reverse_set(&Blog::new("unsaved"), Entry::BLOG).unwrap_err();
    assert_eq!(
        err.to_string(),
        "'Blog' instance needs to have a primary key value before this relationship can be used."
    );
}

#[test]
fn foreign_key_target_is_loaded_by_its_column() {
    let db = setup();
    let e = entries_on(&db, &[1]);
    let blog: Blog = get_by_column(&db, "id", e[0].blog_id).unwrap();
    assert_eq!(blog.name, "b");
    assert!(get_by_column::<Blog, _>(&db, "id", 99i64).unwrap_err().is_does_not_exist());
}

#[test]
fn assigning_an_unsaved_related_object_is_refused() {
    let unsaved = Blog::new("x");
    let err = saved_pk::<Blog, i64>(&unsaved, "blog").unwrap_err();
    assert_eq!(err.to_string(), "save() prohibited to prevent data loss due to unsaved related object 'blog'.");
    let saved = Blog { id: Some(3), ..Blog::new("y") };
    assert_eq!(saved_pk::<Blog, i64>(&saved, "blog").unwrap(), 3);
}

fn authors(entry: &Entry) -> ManyRelated<Entry, Author> {
    ManyRelated::new(entry, "weblog_entry_authors", "entry_id", "author_id")
}

fn names(list: Vec<Author>) -> Vec<String> {
    let mut v: Vec<String> = list.into_iter().map(|a| a.name).collect();
    v.sort();
    v
}

#[test]
fn many_to_many_add_remove_set_clear() {
    let db = setup();
    let e = entries_on(&db, &[1]).remove(0);
    let a = create(&db, Author { name: "a".into(), ..Author::default() });
    let b = create(&db, Author { name: "b".into(), ..Author::default() });
    let c = create(&db, Author { name: "c".into(), ..Author::default() });
    let set = authors(&e);
    set.add(&db, &[&a, &b]).unwrap();
    set.add(&db, &[&a]).unwrap();
    assert_eq!(count_rows(&db, "weblog_entry_authors"), 2, "adding twice links once");
    assert_eq!(names(set.all(&db).unwrap()), vec!["a", "b"]);
    assert_eq!(set.remove(&db, &[&a]).unwrap(), 1);
    assert_eq!(names(set.all(&db).unwrap()), vec!["b"]);
    set.set(&db, &[&a, &c]).unwrap();
    assert_eq!(names(set.all(&db).unwrap()), vec!["a", "c"]);
    assert_eq!(set.count(&db).unwrap(), 2);
    assert_eq!(set.clear(&db).unwrap(), 2);
    assert_eq!(set.count(&db).unwrap(), 0);
    // The reverse side sees the same join rows.
    authors(&e).add(&db, &[&b]).unwrap();
    let entries: ManyRelated<Author, Entry> = ManyRelated::new(&b, "weblog_entry_authors", "author_id", "entry_id");
    assert_eq!(entries.all(&db).unwrap().len(), 1);
}

#[test]
fn many_to_many_needs_saved_objects() {
    let db = setup();
    let blog = create(&db, Blog::new("b"));
    let unsaved_entry = Entry::new(&blog, "x", date(2024, 1, 1));
    let err = authors(&unsaved_entry).all(&db).unwrap_err();
    assert_eq!(
        err.to_string(),
        "\"Entry\" needs to have a value for field \"id\" before this many-to-many relationship can be used."
    );
    let e = create(&db, Entry::new(&blog, "y", date(2024, 1, 1)));
    let err = authors(&e).add(&db, &[&Author::default()]).unwrap_err();
    assert_eq!(err.to_string(), "Cannot add \"Author\": the value for field \"id\" is None");
}
