//! Typed keys (`Key<M>`): every relation argument of the generated API
//! takes its target's key typed by the target model, so two keys of one
//! Rust type cannot be swapped (the compile-fail half of this is pinned by
//! the doc tests of generated/lib.rs). These tests pin what the typed keys
//! do against a real database: the same rows, values and SQL results as
//! Django's raw-pk forms (`filter(blog=pk)`, `add(pk, ...)`, `set([pk])`),
//! each checked with Django 5.2 (the oracle) where it says so.

mod common;

use std::collections::{BTreeSet, HashSet};

use common::*;
use modelgen_examples::library::{Author, Authorship, Book, Cover};
use modelgen_examples::weblog::{Author as WeblogAuthor, Blog, Entry};
use modelgen_runtime::prelude::*;
use modelgen_runtime::Database;

fn author(db: &Database, name: &str) -> Author {
    let mut a = Author::new();
    a.name = name.into();
    a.save(db).unwrap();
    a
}

fn book(db: &Database, isbn: &str) -> Book {
    let mut b = Book::new(date(1965, 8, 1));
    b.title = format!("book {isbn}");
    b.isbn = isbn.into();
    b.save(db).unwrap();
    b
}

#[test]
fn key_of_a_saved_instance_is_its_pk_and_an_unsaved_instance_has_none_as_django_pk_is_none() {
    let db = setup();
    let b = blog(&db, "Cheddar Talk");
    let key: Key<Blog> = b.key().unwrap();
    assert_eq!(key.get(), b.id.unwrap());
    assert_eq!(Key::of(&b).unwrap(), key);
    assert_eq!(Key::<Blog>::new(b.id.unwrap()), key);
    // Django: `Blog(name="x").pk` is None, so there is no key to give: an
    // error value, not a panic.
    let err = Blog::new().key().unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert!(err.to_string().contains("Blog instance has no primary key"), "{err}");
}

#[test]
fn key_is_copy_eq_ord_hash_and_shows_its_model() {
    let (one, two) = (Key::<Blog>::new(1), Key::<Blog>::new(2));
    let copied = one;
    assert_eq!(one, copied, "Copy: `one` is still usable");
    assert!(one < two);
    assert_eq!(HashSet::from([one, copied, two]).len(), 2);
    assert_eq!(BTreeSet::from([two, one]).into_iter().collect::<Vec<_>>(), [one, two]);
    assert_eq!(format!("{one:?}"), "Key<Blog>(1)");
    assert_eq!(one.to_string(), "1", "Display: the raw value, as Django prints a pk");
}

#[test]
fn constructor_takes_typed_keys_and_stores_the_raw_values_in_the_attnames() {
    let db = setup();
    let (ann, dune) = (author(&db, "Ann"), book(&db, "1"));
    let mut link = Authorship::new(ann.key().unwrap(), dune.key().unwrap());
    assert_eq!((link.author_id, link.book_id), (ann.id.unwrap(), dune.id.unwrap()));
    link.save(&db).unwrap();
    assert_eq!(raw(&db, "library_authorship", "author_id", link.id.unwrap()), ann.id.unwrap().to_string());
    assert_eq!(raw(&db, "library_authorship", "book_id", link.id.unwrap()), dune.id.unwrap().to_string());
    // The keyword-named relation `move` is the argument `r#move`.
    let loan = modelgen_examples::library::Loan::new(dune.key().unwrap());
    assert_eq!(loan.move_id, dune.id.unwrap());
}

#[test]
fn filter_by_a_relation_key_matches_djangos_filter_blog_equals_pk() {
    let db = setup();
    let (cheddar, brie) = (blog(&db, "Cheddar"), blog(&db, "Brie"));
    entry(&db, &cheddar, "a", date(2024, 1, 1));
    entry(&db, &cheddar, "b", date(2024, 1, 2));
    entry(&db, &brie, "c", date(2024, 1, 3));
    let count = |c: Condition<Entry>| Entry::objects().filter(c).count(&db).unwrap();
    // Django 5.2: filter(blog=pk) and filter(blog_id=pk) count the same rows.
    assert_eq!(count(Entry::BLOG.eq(cheddar.key().unwrap())), 2);
    assert_eq!(count(Entry::BLOG.eq_raw(cheddar.id.unwrap())), 2, "filter(blog_id=pk)");
    assert_eq!(count(Entry::BLOG.eq_obj(&cheddar)), 2, "filter(blog=blog)");
    assert_eq!(count(Entry::BLOG.ne(cheddar.key().unwrap())), 1);
    assert_eq!(count(Entry::BLOG.in_([cheddar.key().unwrap(), brie.key().unwrap()])), 3, "blog__in");
    assert_eq!(count(Entry::BLOG.eq(Key::new(404))), 0);
}

#[test]
fn filter_by_a_nullable_relation_key_is_exact_and_none_is_isnull() {
    let db = setup();
    let mut with = book(&db, "1");
    let mut publisher = modelgen_examples::library::Publisher::new();
    publisher.name = "Ace".into();
    publisher.save(&db).unwrap();
    with.publisher_id = publisher.id;
    with.save(&db).unwrap();
    book(&db, "2");
    let count = |c: Condition<Book>| Book::objects().filter(c).count(&db).unwrap();
    assert_eq!(count(Book::PUBLISHER.eq(publisher.key().unwrap())), 1, "a key converts into Some(key)");
    assert_eq!(count(Book::PUBLISHER.eq_raw(publisher.id.unwrap())), 1);
    assert_eq!(count(Book::PUBLISHER.eq(None)), 1, "filter(publisher=None) is IS NULL");
}

#[test]
fn update_of_a_relation_column_takes_a_typed_key_as_djangos_update_blog() {
    let db = setup();
    let (cheddar, brie) = (blog(&db, "Cheddar"), blog(&db, "Brie"));
    let e = entry(&db, &cheddar, "a", date(2024, 1, 1));
    // Django 5.2: Entry.objects.update(blog=b2) returns 1 and points the row at b2.
    let updated = Entry::objects().update(&db, &[Entry::BLOG.set(brie.key().unwrap())]).unwrap();
    assert_eq!(updated, 1);
    assert_eq!(Entry::get(&db, e.id.unwrap()).unwrap().blog_id, brie.id.unwrap());
}

#[test]
fn get_by_a_unique_relation_takes_the_targets_key() {
    let db = setup();
    let dune = book(&db, "1");
    let mut cover = Cover::new(dune.key().unwrap());
    cover.image_url = "https://example.com/dune.png".into();
    cover.save(&db).unwrap();
    assert_eq!(Cover::get_by_book_id(&db, dune.key().unwrap()).unwrap(), cover);
    assert!(Cover::get_by_book_id(&db, Key::new(404)).unwrap_err().is_does_not_exist());
}

#[test]
fn many_to_many_add_pks_and_set_pks_take_typed_keys_as_djangos_add_and_set_by_pk() {
    let db = setup();
    let b = blog(&db, "Cheddar");
    let e = entry(&db, &b, "a", date(2024, 1, 1));
    let weblog_author = |name: &str| {
        let mut a = WeblogAuthor::new();
        a.name = name.into();
        a.email = format!("{name}@example.com");
        a.save(&db).unwrap();
        a
    };
    let (a, c) = (weblog_author("a"), weblog_author("c"));
    let (ka, kc) = (a.key().unwrap(), c.key().unwrap());
    // Django 5.2: entry.authors.add(a.pk, a.pk, c.pk) links a and c once
    // each (2 through rows), and set([c.pk]) leaves only c.
    e.authors().add_pks(&db, &[ka, ka, kc]).unwrap();
    let mut linked = e.authors().pks(&db).unwrap();
    linked.sort();
    assert_eq!(linked, [ka, kc]);
    assert_eq!(count(&db, "weblog_entry_authors"), 2);
    e.authors().set_pks(&db, &[kc]).unwrap();
    assert_eq!(e.authors().pks(&db).unwrap(), [kc]);
    assert_eq!(c.entry_set().pks(&db).unwrap(), [e.key().unwrap()], "the other side, typed by its own target");
}

#[test]
fn copy_methods_take_a_supplied_relation_as_its_targets_key() {
    let db = setup();
    let (dune, emma) = (book(&db, "1"), book(&db, "2"));
    let mut cover = Cover::new(dune.key().unwrap());
    cover.image_url = "https://example.com/c.png".into();
    cover.save(&db).unwrap();
    let unsaved = cover.clone_unsaved(&db, emma.key().unwrap()).unwrap();
    assert_eq!((unsaved.id, unsaved.book_id), (None, emma.id.unwrap()));
    let copy = cover.duplicate(&db, emma.key().unwrap(), |_| {}).unwrap();
    assert_eq!(Cover::get_by_book_id(&db, emma.key().unwrap()).unwrap(), copy);
    let plan = cover.fork_plan(&db, emma.key().unwrap()).unwrap();
    assert!(!plan.tables.is_empty());
}

#[test]
fn a_multi_table_childs_key_upcasts_to_each_ancestor_as_djangos_child_row_is_a_parent_row() {
    use modelgen_examples::places::{self, ItalianRestaurant, Place, Restaurant, Supplier};
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).unwrap();
    let mut nonna = ItalianRestaurant::new();
    nonna.name = "Nonna".into();
    nonna.save(&db).unwrap();
    let mut supplier = Supplier::new();
    supplier.name = "S".into();
    supplier.save(&db).unwrap();
    let key: Key<ItalianRestaurant> = nonna.key().unwrap();
    let as_restaurant: Key<Restaurant> = key.upcast();
    let as_place: Key<Place> = key.upcast();
    assert_eq!((as_restaurant.get(), as_place.get()), (key.get(), key.get()), "one key for the whole chain");
    // Django 5.2: supplier.customers.add(italian.pk) links the restaurant row
    // (customers == [italian.pk]), and that Restaurant row sees 1 supplier.
    supplier.customers().add_pks(&db, &[as_restaurant]).unwrap();
    assert_eq!(supplier.customers().pks(&db).unwrap(), [as_restaurant]);
    assert_eq!(Restaurant::get(&db, as_restaurant.get()).unwrap().suppliers().count(&db).unwrap(), 1);
    assert_eq!(Place::get(&db, as_place.get()).unwrap().name, "Nonna");
}
