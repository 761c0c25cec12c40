//! Django's model identity and the related-object rules of issue 9 (points
//! 3 and 8), each pinned against Django 5.2 (the oracle's answers are
//! quoted): a saved instance equals itself reloaded, `same_as` and
//! `identity` as Django's `==` and `hash()`, `refresh_from_db(fields=...)`,
//! an unsaved related object refused at save, filters by an instance and by
//! a choice's raw value.

mod common;

use std::collections::{HashMap, HashSet};

use common::*;
use modelgen_examples::places::{self, Place, Restaurant};
use modelgen_examples::shop::Product;
use modelgen_examples::weblog::{Author, Blog, Entry, EntryStatus};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Database, Error};

fn product(db: &Database, slug: &str) -> Product {
    let mut p = Product::new();
    p.name = slug.into();
    p.slug = slug.into();
    p.save(db).unwrap();
    p
}

/// A database with the places tables and a saved restaurant (a
/// multi-table child of Place).
fn saved_restaurant() -> (Database, Restaurant) {
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).unwrap();
    let mut r = Restaurant::new();
    r.name = "r".into();
    r.save(&db).unwrap();
    (db, r)
}

// ---------------------------------------------------------------------------
// Point 3: a saved instance equals itself reloaded
// ---------------------------------------------------------------------------

#[test]
fn saved_instance_equals_itself_reloaded_auto_now_kept_at_microseconds() {
    let db = setup();
    let mut p = product(&db, "a");
    assert_eq!(p.created.timestamp_subsec_nanos() % 1_000, 0, "microsecond precision in memory");
    assert_eq!(Product::get(&db, p.id.unwrap()).unwrap(), p, "after the insert");
    p.name = "b".into();
    p.save(&db).unwrap();
    assert_eq!(Product::get(&db, p.id.unwrap()).unwrap(), p, "after an update (auto_now)");
    p.save_with(&db, SaveOptions::update_fields(&["updated"])).unwrap();
    assert_eq!(Product::get(&db, p.id.unwrap()).unwrap(), p, "after update_fields");
    let mut e = entry(&db, &blog(&db, "b"), "h", date(2024, 1, 1));
    e.save(&db).unwrap();
    assert_eq!(Entry::get(&db, e.id.unwrap()).unwrap(), e, "a DateField auto_now");
}

#[test]
fn copies_and_forks_equal_themselves_reloaded() {
    let db = setup();
    let p = product(&db, "a");
    let copy = p.duplicate(&db, |c| c.slug = "copy".into()).unwrap();
    assert_eq!(Product::get(&db, copy.id.unwrap()).unwrap(), copy, "duplicate");
    let many = p.duplicate_many(&db, 2, |i, c| c.slug = format!("m{i}")).unwrap();
    for c in &many {
        assert_eq!(&Product::get(&db, c.id.unwrap()).unwrap(), c, "duplicate_many");
    }
    let mut unsaved = p.clone_unsaved(&db).unwrap();
    unsaved.slug = "unsaved".into();
    unsaved.save(&db).unwrap();
    assert_eq!(Product::get(&db, unsaved.id.unwrap()).unwrap(), unsaved, "clone_unsaved, saved");
    let fork = p.fork(&db).unwrap();
    assert_eq!(Product::get(&db, fork.root.id.unwrap()).unwrap(), fork.root, "fork");
}

#[test]
fn multi_table_child_equals_itself_reloaded() {
    let (db, r) = saved_restaurant();
    assert_eq!(Restaurant::get(&db, r.id.unwrap()).unwrap(), r);
}

// ---------------------------------------------------------------------------
// Point 3: Django's identity (`==` and `hash()` of model instances)
// ---------------------------------------------------------------------------

#[test]
fn same_as_is_djangos_eq_same_model_and_pk() {
    let db = setup();
    let mut b = blog(&db, "a");
    let mut reloaded = Blog::get(&db, b.id.unwrap()).unwrap();
    reloaded.name = "changed in memory".into();
    assert!(b.same_as(&reloaded), "Django: same pk, different values -> equal");
    assert_ne!(b, reloaded, "Rust's == compares the fields");
    assert!(!b.same_as(&blog(&db, "other")));
    // Django: Blog(name="a") == Blog(name="a") is False; `u == u` is True.
    let unsaved = Blog::new();
    assert!(unsaved.same_as(&unsaved));
    assert!(!unsaved.same_as(&Blog::new()));
    assert!(!unsaved.same_as(&unsaved.clone()), "a copy is another object");
    // An Author with the same pk is another model.
    let mut author = Author::new();
    author.save(&db).unwrap();
    assert_eq!(author.id, b.id);
    assert!(!b.same_as(&author));
    b.delete(&db).unwrap();
    assert!(!b.same_as(&reloaded), "a deleted instance has no pk");
}

#[test]
fn multi_table_child_is_not_the_same_as_its_parent_row_as_django() {
    // Django: Place.objects.get(pk=r.pk) == r  ->  False (concrete models differ).
    let (db, r) = saved_restaurant();
    let place = Place::get(&db, r.id.unwrap()).unwrap();
    assert_eq!(place.id, r.id);
    assert!(!place.same_as(&r) && !r.same_as(&place));
    assert_ne!(place.identity(), r.identity());
    assert!(r.same_as(&Restaurant::get(&db, r.id.unwrap()).unwrap()));
}

#[test]
fn identity_is_a_hashable_key_none_when_unsaved_as_djangos_hash() {
    // Django: hash(Blog()) raises "Model instances without primary key value
    // are unhashable"; hash(b) == hash(Blog.objects.get(pk=b.pk)).
    let db = setup();
    assert_eq!(Blog::new().identity(), None);
    let a = blog(&db, "a");
    let b = blog(&db, "b");
    let mut seen: HashSet<ModelKey> = HashSet::new();
    for blog in [a.clone(), b.clone(), Blog::get(&db, a.id.unwrap()).unwrap()] {
        seen.insert(blog.identity().unwrap());
    }
    assert_eq!(seen.len(), 2);
    let mut author = Author::new();
    author.save(&db).unwrap();
    assert!(seen.insert(author.identity().unwrap()), "same pk, other model: another key");
    let mut names: HashMap<ModelKey, String> = HashMap::new();
    names.insert(a.identity().unwrap(), a.name.clone());
    assert_eq!(names[&Blog::get(&db, a.id.unwrap()).unwrap().identity().unwrap()], "a");
    assert_eq!(a.identity().unwrap().label(), "weblog.Blog");
}

// ---------------------------------------------------------------------------
// Point 8: refresh_from_db(fields=[...])
// ---------------------------------------------------------------------------

#[test]
fn refresh_from_db_with_fields_reloads_only_those_as_django() {
    // Django: update(headline="H2", status="p"); e.headline = "local";
    // e.refresh_from_db(fields=["status"]) -> headline "local", status "p".
    let db = setup();
    let mut e = entry(&db, &blog(&db, "b"), "h", date(2024, 1, 1));
    Entry::objects()
        .filter(Entry::ID.eq(e.id.unwrap()))
        .update(&db, &[Entry::HEADLINE.set("H2"), Entry::STATUS.set(EntryStatus::Published)])
        .unwrap();
    e.headline = "local".into();
    e.refresh_fields_from_db(&db, &["status"]).unwrap();
    assert_eq!((e.headline.as_str(), &e.status), ("local", &EntryStatus::Published));
    // An empty list reloads nothing, as Django returns early.
    e.refresh_fields_from_db(&db, &[]).unwrap();
    assert_eq!(e.headline, "local");
    e.refresh_fields_from_db(&db, &["headline"]).unwrap();
    assert_eq!(e.headline, "H2");
}

#[test]
fn refresh_from_db_with_fields_accepts_the_attname_of_a_foreign_key() {
    let db = setup();
    let (a, b) = (blog(&db, "a"), blog(&db, "b"));
    let mut e = entry(&db, &a, "h", date(2024, 1, 1));
    Entry::objects().update(&db, &[Entry::BLOG.set(b.key().unwrap())]).unwrap();
    e.refresh_fields_from_db(&db, &["blog_id"]).unwrap();
    assert_eq!(e.blog_id, b.id.unwrap());
    Entry::objects().update(&db, &[Entry::BLOG.set(a.key().unwrap())]).unwrap();
    e.refresh_fields_from_db(&db, &["blog"]).unwrap();
    assert_eq!(e.blog_id, a.id.unwrap());
}

#[test]
fn refresh_from_db_with_an_unknown_field_is_djangos_error() {
    let db = setup();
    let mut e = entry(&db, &blog(&db, "b"), "h", date(2024, 1, 1));
    let err = e.refresh_fields_from_db(&db, &["nope"]).unwrap_err();
    assert_eq!(err.to_string(), "Entry has no field named 'nope'");
    let err = e.refresh_fields_from_db(&db, &["blog__name"]).unwrap_err();
    assert_eq!(err.to_string(), "Found \"__\" in fields argument. Relations and transforms are not allowed in fields.");
    let err = Entry::new(Key::new(1), date(2024, 1, 1)).refresh_fields_from_db(&db, &["headline"]).unwrap_err();
    assert!(matches!(err, Error::DoesNotExist { .. }), "{err:?}");
}

#[test]
fn refresh_from_db_with_fields_updates_the_tracked_snapshot_of_those_fields() {
    let db = setup();
    db.set_track_changes(true);
    let mut e = entry(&db, &blog(&db, "b"), "h", date(2024, 1, 1));
    Entry::objects().update(&db, &[Entry::HEADLINE.set("H2"), Entry::RATING.set(1)]).unwrap();
    e.body_text = "edited".into();
    e.refresh_fields_from_db(&db, &["headline"]).unwrap();
    assert_eq!(e.headline, "H2");
    assert_eq!(e.dirty_fields(), vec!["body_text"], "the reloaded field is clean, the edit still dirty");
}

// ---------------------------------------------------------------------------
// Point 8: an unsaved related object fails at save, not at assignment
// ---------------------------------------------------------------------------

#[test]
fn assigning_an_unsaved_object_is_allowed_and_save_is_prohibited_as_django() {
    // Django: e2.blog = Blog(name="u") succeeds (blog_id None); e2.save() raises
    // ValueError "save() prohibited to prevent data loss due to unsaved related object 'blog'."
    let db = setup();
    let mut e = Entry::new(Key::new(0), date(2024, 1, 1));
    e.set_blog(&Blog::new()).unwrap();
    let err = e.save(&db).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(err.to_string(), "save() prohibited to prevent data loss due to unsaved related object 'blog'.");
    assert_eq!(count(&db, "weblog_entry"), 0, "nothing written");
    // Pointing it at a saved blog (Django: after ub.save()) lets the save through.
    let saved = blog(&db, "b");
    e.set_blog(&saved).unwrap();
    e.save(&db).unwrap();
    assert_eq!(Entry::get(&db, e.id.unwrap()).unwrap().blog_id, saved.id.unwrap());
}

#[test]
fn a_nullable_relation_to_an_unsaved_object_is_null_and_refuses_the_save() {
    let db = setup();
    let mut b = blog(&db, "b");
    let e = entry(&db, &b, "h", date(2024, 1, 1));
    b.set_featured(Some(&e)).unwrap();
    b.set_featured(Some(&Entry::new(b.key().unwrap(), date(2024, 1, 1)))).unwrap();
    assert_eq!(b.featured_id, None, "Django sets blog_id to None");
    let err = b.save(&db).unwrap_err();
    assert_eq!(err.to_string(), "save() prohibited to prevent data loss due to unsaved related object 'featured'.");
    // Setting the key directly is a new assignment: the save goes through.
    b.featured_id = e.id;
    b.save(&db).unwrap();
    b.set_featured(None).unwrap();
    b.save(&db).unwrap();
    assert_eq!(Blog::get(&db, b.id.unwrap()).unwrap().featured_id, None);
}

// ---------------------------------------------------------------------------
// Point 8: filtering a relation by an instance, a choice by its raw value
// ---------------------------------------------------------------------------

#[test]
fn filtering_a_foreign_key_by_an_instance_as_django() {
    let db = setup();
    let (a, b) = (blog(&db, "a"), blog(&db, "b"));
    entry(&db, &a, "a1", date(2024, 1, 1));
    entry(&db, &a, "a2", date(2024, 1, 2));
    entry(&db, &b, "b1", date(2024, 1, 3));
    assert_eq!(Entry::objects().filter(Entry::BLOG.eq_obj(&a)).count(&db).unwrap(), 2);
    assert_eq!(Entry::objects().exclude(Entry::BLOG.eq_obj(&a)).count(&db).unwrap(), 1);
    // Django: "Model instances passed to related filters must be saved."
    let err = Entry::objects().filter(Entry::BLOG.eq_obj(&Blog::new())).count(&db).unwrap_err();
    assert_eq!(err.to_string(), "Model instances passed to related filters must be saved.");
    // Django: filter(blog=Place(id=1)) -> 'Cannot query "Place object (1)": Must be "Blog" instance.'
    let mut author = Author::new();
    author.name = "Ann".into();
    author.save(&db).unwrap();
    let err = Entry::objects().filter(Entry::BLOG.eq_obj(&author)).count(&db).unwrap_err();
    assert_eq!(err.to_string(), "Cannot query \"Ann\": Must be \"Blog\" instance.");
    // eq_obj() on a column that is no relation: modelgen's own misuse, in Rust terms.
    let err = Entry::objects().filter(Entry::HEADLINE.eq_obj(&a)).count(&db).unwrap_err();
    assert_eq!(
        err.to_string(),
        "eq_obj() compares a ForeignKey or OneToOneField with an instance, and `headline` is not one of Entry; compare its value with eq()"
    );
}

#[test]
fn filtering_a_choice_field_by_its_raw_value_as_django() {
    // Django: Entry.objects.filter(status="d")
    let db = setup();
    let b = blog(&db, "b");
    entry(&db, &b, "draft", date(2024, 1, 1));
    let mut published = entry(&db, &b, "published", date(2024, 1, 2));
    published.status = EntryStatus::Published;
    published.save(&db).unwrap();
    assert_eq!(Entry::objects().filter(Entry::STATUS.eq_raw("d")).count(&db).unwrap(), 1);
    assert_eq!(Entry::objects().filter(Entry::STATUS.eq_raw("p")).get(&db).unwrap().headline, "published");
    assert_eq!(Entry::objects().filter(Entry::STATUS.eq_raw("x")).count(&db).unwrap(), 0, "not a choice");
}
