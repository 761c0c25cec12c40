//! Related-object accessors of the generated models, as Django's: a
//! ForeignKey's target, the reverse set named by `related_name` (or
//! `<model>_set`), many-to-many sets with all/add/remove/set/clear from both
//! sides (auto-created and custom through tables), and both sides of a
//! one-to-one.

mod common;

use common::*;
use modelgen_examples::library::{self, Authorship, AuthorshipRole, Book, Cover, Publisher};
use modelgen_examples::notifications::Notification;
use modelgen_examples::people::Person;
use modelgen_examples::shop::{Product, Sale};
use modelgen_examples::weblog::{Author, Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Database, Error};

fn names(list: Vec<Author>) -> Vec<String> {
    list.into_iter().map(|a| a.name).collect()
}

fn headlines(list: Vec<Entry>) -> Vec<String> {
    list.into_iter().map(|e| e.headline).collect()
}

fn library_author(db: &Database, name: &str) -> library::Author {
    let mut a = library::Author::new();
    a.name = name.into();
    a.save(db).unwrap();
    a
}

fn book(db: &Database, title: &str, isbn: &str) -> Book {
    let mut b = Book::new(date(2000, 1, 1));
    b.title = title.into();
    b.isbn = isbn.into();
    b.save(db).unwrap();
    b
}

fn titles(list: Vec<Book>) -> Vec<String> {
    list.into_iter().map(|b| b.title).collect()
}

/// The (entry_id, author_id) rows of the auto-created join table.
fn links(db: &Database) -> Vec<(i64, i64)> {
    common::query(db, r#"SELECT "entry_id", "author_id" FROM "weblog_entry_authors" ORDER BY "entry_id", "author_id""#, &[])
        .into_iter()
        .map(|r| (common::i64_of(&r[0]), common::i64_of(&r[1])))
        .collect()
}

// ---------------------------------------------------------------------------
// ForeignKey
// ---------------------------------------------------------------------------

#[test]
fn foreign_key_accessor_loads_the_target() {
    let db = setup();
    let b = blog(&db, "Cheddar Talk");
    let e = entry(&db, &b, "e", date(2024, 1, 1));
    assert_eq!(e.blog(&db).unwrap(), b);
    let mut p = Product::new();
    p.name = "Mug".into();
    p.slug = "mug".into();
    p.save(&db).unwrap();
    let mut s = Sale::new(Key::new(0), utc(2024, 1, 1, 0, 0, 0));
    s.set_product(&p).unwrap();
    s.save(&db).unwrap();
    assert_eq!(s.product(&db).unwrap().name, "Mug");
}

#[test]
fn foreign_key_to_another_app_loads_the_target() {
    let db = setup();
    let mut ann = Person::new();
    ann.first_name = "Ann".into();
    ann.email = "ann@example.com".into();
    ann.save(&db).unwrap();
    let mut n = Notification::new();
    n.title = "hi".into();
    n.set_receiver(Some(&ann)).unwrap();
    n.save(&db).unwrap();
    assert_eq!(n.receiver(&db).unwrap().map(|p| p.first_name), Some("Ann".into()));
    let names: Vec<String> = ann.notifications().all(&db).unwrap().into_iter().map(|n| n.title).collect();
    assert_eq!(names, vec!["hi"]);
}

#[test]
fn nullable_foreign_key_accessor_is_none_when_unset() {
    let db = setup();
    let mut b = book(&db, "Dune", "1");
    assert_eq!(b.publisher(&db).unwrap(), None);
    let mut publisher = Publisher::new();
    publisher.name = "Chilton".into();
    publisher.save(&db).unwrap();
    b.set_publisher(Some(&publisher)).unwrap();
    b.save(&db).unwrap();
    assert_eq!(raw(&db, "library_book", "publisher_id", b.id.unwrap()), "1");
    assert_eq!(b.publisher(&db).unwrap(), Some(publisher));
    b.set_publisher(None).unwrap();
    b.save(&db).unwrap();
    assert_eq!(raw(&db, "library_book", "publisher_id", b.id.unwrap()), "NULL");
}

#[test]
fn foreign_key_accessor_of_a_missing_target_is_does_not_exist() {
    let db = setup();
    let e = Entry::new(Key::new(404), date(2024, 1, 1));
    let err = e.blog(&db).unwrap_err();
    assert_eq!(err.to_string(), "Blog matching query does not exist.");
}

#[test]
fn assigning_an_unsaved_object_to_a_foreign_key_is_allowed_until_save() {
    // Django allows `e.blog = Blog()`; the save refuses (generated/tests/identity.rs).
    let mut e = Entry::new(Key::new(1), date(2024, 1, 1));
    e.set_blog(&Blog::new()).unwrap();
    assert_eq!(e.blog_id, 1, "a non-null key keeps its value");
}

// ---------------------------------------------------------------------------
// Reverse ForeignKey
// ---------------------------------------------------------------------------

#[test]
fn reverse_foreign_key_set_is_named_by_related_name_and_ordered_by_meta_ordering() {
    let db = setup();
    let b = blog(&db, "b");
    let other = blog(&db, "other");
    entry(&db, &b, "older", date(2024, 1, 1));
    entry(&db, &other, "elsewhere", date(2024, 1, 2));
    entry(&db, &b, "newer", date(2024, 1, 3));
    let set = b.entries().query().unwrap();
    assert_eq!(headlines(set.all(&db).unwrap()), vec!["newer", "older"]);
    assert_eq!(set.count(&db).unwrap(), 2);
    assert_eq!(headlines(set.filter(Entry::HEADLINE.startswith("o")).all(&db).unwrap()), vec!["older"]);
}

#[test]
fn reverse_foreign_key_without_related_name_is_model_set() {
    let db = setup();
    let author = library_author(&db, "ann");
    let b = book(&db, "Dune", "1");
    Authorship::new(author.key().unwrap(), b.key().unwrap()).save(&db).unwrap();
    assert_eq!(author.authorship_set().query().unwrap().count(&db).unwrap(), 1);
    assert_eq!(b.authorship_set().query().unwrap().count(&db).unwrap(), 1);
}

#[test]
fn reverse_foreign_key_of_an_unsaved_instance_is_an_error() {
    let err = Blog::new().entries().query().unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "'Blog' instance needs to have a primary key value before this relationship can be used."
    );
}

#[test]
fn reverse_of_a_set_null_foreign_key_lists_the_books_of_a_publisher() {
    let db = setup();
    let mut publisher = Publisher::new();
    publisher.name = "Chilton".into();
    publisher.save(&db).unwrap();
    let mut b = book(&db, "Dune", "1");
    b.set_publisher(Some(&publisher)).unwrap();
    b.save(&db).unwrap();
    book(&db, "No publisher", "2");
    assert_eq!(titles(publisher.books().query().unwrap().all(&db).unwrap()), vec!["Dune"]);
}

// ---------------------------------------------------------------------------
// ManyToMany (auto-created join table)
// ---------------------------------------------------------------------------

#[test]
fn many_to_many_add_all_remove_set_clear() {
    let db = setup();
    let b = blog(&db, "b");
    let e = entry(&db, &b, "e", date(2024, 1, 1));
    let (ann, bob, cy) = (weblog_author(&db, "ann"), weblog_author(&db, "bob"), weblog_author(&db, "cy"));
    let authors = e.authors();
    authors.add(&db, &[&ann, &bob]).unwrap();
    authors.add(&db, &[&ann]).unwrap();
    assert_eq!(names(authors.all(&db).unwrap()), vec!["ann", "bob"], "adding twice links once");
    assert_eq!(links(&db), vec![(1, 1), (1, 2)]);
    assert_eq!(authors.count(&db).unwrap(), 2);

    assert_eq!(authors.remove(&db, &[&ann]).unwrap(), 1);
    assert_eq!(names(authors.all(&db).unwrap()), vec!["bob"]);

    authors.set(&db, &[&cy, &bob]).unwrap();
    assert_eq!(links(&db), vec![(1, 2), (1, 3)], "set keeps bob's link and adds cy's");

    assert_eq!(authors.clear(&db).unwrap(), 2);
    assert!(authors.all(&db).unwrap().is_empty());
    assert_eq!(count(&db, "weblog_author"), 3, "the targets are not deleted");
}

#[test]
fn many_to_many_is_visible_and_editable_from_both_sides() {
    let db = setup();
    let b = blog(&db, "b");
    let e1 = entry(&db, &b, "one", date(2024, 1, 1));
    let e2 = entry(&db, &b, "two", date(2024, 1, 2));
    let ann = weblog_author(&db, "ann");
    e1.authors().add(&db, &[&ann]).unwrap();
    // The reverse side (`entry_set`, no related_name) adds to the same table.
    ann.entry_set().add(&db, &[&e2]).unwrap();
    assert_eq!(headlines(ann.entry_set().all(&db).unwrap()), vec!["two", "one"], "Entry's meta.ordering");
    assert_eq!(names(e2.authors().all(&db).unwrap()), vec!["ann"]);
    ann.entry_set().remove(&db, &[&e1]).unwrap();
    assert!(e1.authors().all(&db).unwrap().is_empty());
    assert_eq!(links(&db), vec![(2, 1)]);
}

#[test]
fn many_to_many_query_can_be_filtered() {
    let db = setup();
    let b = blog(&db, "b");
    let e = entry(&db, &b, "e", date(2024, 1, 1));
    let ann = weblog_author(&db, "ann");
    let bob = weblog_author(&db, "bob");
    weblog_author(&db, "anna, not linked");
    e.authors().add(&db, &[&ann, &bob]).unwrap();
    let q = e.authors().query(&db).unwrap().filter(Author::NAME.startswith("an"));
    assert_eq!(names(q.all(&db).unwrap()), vec!["ann"]);
}

#[test]
fn many_to_many_of_an_unsaved_instance_is_an_error() {
    let db = setup();
    let e = Entry::new(Key::new(1), date(2024, 1, 1));
    let err = e.authors().all(&db).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "\"Entry\" needs to have a value for field \"id\" before this many-to-many relationship can be used."
    );
    let b = blog(&db, "b");
    let saved = entry(&db, &b, "e", date(2024, 1, 1));
    let err = saved.authors().add(&db, &[&Author::new()]).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(err.to_string(), "Cannot add \"Author\": the value for field \"id\" is None");
    assert_eq!(count(&db, "weblog_entry_authors"), 0);
}

// ---------------------------------------------------------------------------
// ManyToMany through a custom model, and to self
// ---------------------------------------------------------------------------

#[test]
fn many_to_many_through_a_custom_model_lists_both_sides() {
    let db = setup();
    let (ann, bob) = (library_author(&db, "ann"), library_author(&db, "bob"));
    let dune = book(&db, "Dune", "1");
    let emma = book(&db, "Emma", "2");
    let mut a = Authorship::new(ann.key().unwrap(), dune.key().unwrap());
    a.role = AuthorshipRole::Editor;
    a.position = 2;
    a.save(&db).unwrap();
    Authorship::new(bob.key().unwrap(), dune.key().unwrap()).save(&db).unwrap();
    Authorship::new(ann.key().unwrap(), emma.key().unwrap()).save(&db).unwrap();

    let mut dune_authors: Vec<String> = dune.authors().all(&db).unwrap().into_iter().map(|a| a.name).collect();
    dune_authors.sort();
    assert_eq!(dune_authors, vec!["ann", "bob"]);
    assert_eq!(titles(ann.books().all(&db).unwrap()), vec!["Dune", "Emma"], "Book's meta.ordering");
    // The extra data lives on the through rows.
    let editor = Authorship::objects().filter(Authorship::ROLE.eq(AuthorshipRole::Editor)).get(&db).unwrap();
    assert_eq!((editor.author(&db).unwrap().name, editor.book(&db).unwrap().title), ("ann".into(), "Dune".into()));

    // remove and clear delete through rows.
    assert_eq!(dune.authors().remove(&db, &[&bob]).unwrap(), 1);
    assert_eq!(ann.books().clear(&db).unwrap(), 2);
    assert_eq!(count(&db, "library_authorship"), 0);
}

#[test]
fn many_to_many_add_through_a_custom_model_fills_the_through_defaults() {
    let db = setup();
    let ann = library_author(&db, "ann");
    let dune = book(&db, "Dune", "1");
    dune.authors().add(&db, &[&ann]).unwrap();
    let link = Authorship::objects().get(&db).unwrap();
    assert_eq!((link.role, link.position), (AuthorshipRole::Author, 1));
}

#[test]
fn many_to_many_add_sets_the_through_models_auto_now_add_as_djangos_bulk_create() {
    // Django 5.2: book.authors.add(a) through a model with
    // `added = DateTimeField(auto_now_add=True)` INSERTs the through row
    // with "added" = now (bulk_create runs pre_save), e.g.
    // '2026-11-30 09:59:51.934747', next to the other defaults.
    let db = setup();
    let ann = library_author(&db, "ann");
    let dune = book(&db, "Dune", "1");
    let before = modelgen_runtime::now();
    dune.authors().add(&db, &[&ann]).unwrap();
    let after = modelgen_runtime::now();
    let link = Authorship::objects().get(&db).unwrap();
    assert!(before <= link.added && link.added <= after, "{before} <= {} <= {after}", link.added);
    let stored = raw(&db, "library_authorship", "added", link.id.unwrap());
    assert_eq!(stored, link.added.format("'%Y-%m-%d %H:%M:%S%.6f'").to_string(), "stored as Django stores it");
    // A through default given to add_with wins over the computed one.
    let bob = library_author(&db, "bob");
    let then = utc(2020, 1, 2, 3, 4, 5);
    dune.authors().add_with(&db, &[&bob], &[("added", &then)]).unwrap();
    let bob_link = Authorship::objects().filter(Authorship::AUTHOR.eq(bob.key().unwrap())).get(&db).unwrap();
    assert_eq!(bob_link.added, then);
}

#[test]
fn self_many_to_many_is_symmetrical_as_djangos_default() {
    let db = setup();
    let dune = book(&db, "Dune", "1");
    let messiah = book(&db, "Dune Messiah", "2");
    dune.related().add(&db, &[&messiah]).unwrap();
    assert_eq!(titles(dune.related().all(&db).unwrap()), vec!["Dune Messiah"]);
    assert_eq!(titles(messiah.related().all(&db).unwrap()), vec!["Dune"]);
    assert_eq!(count(&db, "library_book_related"), 2);
}

#[test]
fn self_many_to_many_links_books_to_books() {
    let db = setup();
    let dune = book(&db, "Dune", "1");
    let messiah = book(&db, "Dune Messiah", "2");
    let children = book(&db, "Children of Dune", "3");
    dune.related().add(&db, &[&messiah, &children]).unwrap();
    assert_eq!(titles(dune.related().all(&db).unwrap()), vec!["Children of Dune", "Dune Messiah"]);
    dune.related().set(&db, &[&messiah]).unwrap();
    assert_eq!(titles(dune.related().all(&db).unwrap()), vec!["Dune Messiah"]);
}

// ---------------------------------------------------------------------------
// OneToOne
// ---------------------------------------------------------------------------

#[test]
fn one_to_one_is_reachable_from_both_sides() {
    let db = setup();
    let dune = book(&db, "Dune", "1");
    let bare = book(&db, "Bare", "2");
    let mut cover = Cover::new(Key::new(0));
    cover.set_book(&dune).unwrap();
    cover.image_url = "https://example.com/dune.png".into();
    cover.save(&db).unwrap();
    assert_eq!(cover.book(&db).unwrap(), dune);
    assert_eq!(dune.cover(&db).unwrap(), Some(cover.clone()));
    assert_eq!(bare.cover(&db).unwrap(), None, "no related object: None");
    assert_eq!(Cover::get_by_book_id(&db, dune.key().unwrap()).unwrap(), cover);
}

#[test]
fn one_to_one_allows_one_row_per_target() {
    let db = setup();
    let dune = book(&db, "Dune", "1");
    let mut first = Cover::new(dune.key().unwrap());
    first.image_url = "a".into();
    first.save(&db).unwrap();
    let mut second = Cover::new(dune.key().unwrap());
    second.image_url = "b".into();
    let err = second.save(&db).unwrap_err();
    assert!(err.is_integrity(), "{err:?}");
    common::assert_integrity_text(
        &err.to_string(),
        "UNIQUE constraint failed: library_cover.book_id",
        r#"duplicate key value violates unique constraint "library_cover_book_id_key""#,
    );
}

#[test]
fn nullable_foreign_key_with_related_name_lists_the_covers_of_an_artist() {
    let db = setup();
    let artist = library_author(&db, "ann");
    let dune = book(&db, "Dune", "1");
    let mut c = Cover::new(dune.key().unwrap());
    c.image_url = "x".into();
    c.set_artist(Some(&artist)).unwrap();
    c.save(&db).unwrap();
    assert_eq!(artist.covers().query().unwrap().count(&db).unwrap(), 1);
    assert_eq!(c.artist(&db).unwrap().map(|a| a.name), Some("ann".into()));
}

/// Django's `add(..., through_defaults={...})`: the given values for the
/// through row's extra columns, the field defaults for the others.
#[test]
fn many_to_many_add_with_through_defaults_overrides_the_field_defaults() {
    let db = setup();
    let (ann, bob) = (library_author(&db, "ann"), library_author(&db, "bob"));
    let dune = book(&db, "Dune", "1");
    dune.authors().add_with(&db, &[&ann], &[("role", &AuthorshipRole::Editor)]).unwrap();
    dune.authors().add(&db, &[&bob]).unwrap();
    let ann_link = Authorship::objects().filter(Authorship::AUTHOR.eq(ann.key().unwrap())).get(&db).unwrap();
    assert_eq!((ann_link.role, ann_link.position), (AuthorshipRole::Editor, 1));
    let bob_link = Authorship::objects().filter(Authorship::AUTHOR.eq(bob.key().unwrap())).get(&db).unwrap();
    assert_eq!(bob_link.role, AuthorshipRole::Author);
    let err = dune.authors().add_with(&db, &[&bob], &[("nope", &1_i64)]).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err}");
}

/// Django's `create()` on a related set: the target is saved and linked.
#[test]
fn many_to_many_create_saves_the_target_and_links_it() {
    let db = setup();
    let dune = book(&db, "Dune", "1");
    let mut frank = library::Author::new();
    frank.name = "Frank".into();
    let frank = dune.authors().create(&db, frank).unwrap();
    assert!(frank.id.is_some(), "saved");
    assert_eq!(dune.authors().all(&db).unwrap().into_iter().map(|a| a.name).collect::<Vec<_>>(), ["Frank"]);
    assert_eq!(count(&db, "library_authorship"), 1);
}

/// Django's join: a target linked by two through rows comes twice (a
/// through model without unique_together, as here after its unique index
/// is dropped), and a through row whose target is NULL (a nullable
/// ForeignKey on a custom through model, simulated by rebuilding the
/// table) links nothing.
#[test]
fn many_to_many_set_follows_the_join_duplicates_twice_and_null_targets_never() {
    if common::sqlite_only("rebuilds a table with SQLite DDL (AUTOINCREMENT)") {
        return;
    }
    let db = setup();
    let (ann, bob) = (library_author(&db, "ann"), library_author(&db, "bob"));
    let dune = book(&db, "Dune", "1");
    db.execute_batch(
        r#"DROP TABLE "library_authorship";
        CREATE TABLE "library_authorship" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "author_id" bigint NULL, "book_id" bigint NULL, "role" varchar(20) NOT NULL, "position" smallint unsigned NOT NULL);"#,
    )
    .unwrap();
    let (a, b, d) = (ann.id.unwrap(), bob.id.unwrap(), dune.id.unwrap());
    db.sqlite_connection().expect("an SQLite database")
        .execute_batch(&format!(
            r#"INSERT INTO "library_authorship" ("author_id", "book_id", "role", "position") VALUES
               ({a}, {d}, 'author', 1), ({a}, {d}, 'editor', 2), ({b}, {d}, 'author', 3), (NULL, {d}, 'author', 4);"#
        ))
        .unwrap();
    let names: Vec<String> = dune.authors().all(&db).unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(names.iter().filter(|n| *n == "ann").count(), 2, "{names:?}");
    assert_eq!(names.len(), 3, "the NULL target links nothing: {names:?}");
    assert_eq!(dune.authors().count(&db).unwrap(), 3);
}
