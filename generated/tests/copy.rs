//! Shallow copies (SPEC §4): `clone_unsaved`, `duplicate`, `duplicate_many`,
//! on the generated models against a real SQLite database. Each trap of the
//! libraries that got copying wrong (docs/cloning.md) has a test here.

mod common;

use common::{count, date, raw, setup};
use modelgen_examples::library::{Author, Authorship, AuthorshipRole, Book, Cover, Publisher};
use modelgen_examples::notifications::Notification;
use modelgen_examples::people::Person;
use modelgen_examples::places::{self, ItalianRestaurant, Place, Restaurant};
use modelgen_examples::shop::{Coupon, Product, Receipt, Sale};
use modelgen_examples::weblog::{Author as WeblogAuthor, Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Database, Error, Model, Signal};

fn places_db() -> Database {
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).expect("tables");
    db
}

/// Every stored column of a row, as SQLite's `quote()` prints it.
fn row(db: &Database, table: &str, pk_column: &str, id: i64) -> Vec<String> {
    let rows = common::query(db, &format!("SELECT * FROM \"{table}\" WHERE \"{pk_column}\" = ?1"), &[id.into()]);
    rows.into_iter()
        .next()
        .unwrap_or_default()
        .iter()
        .map(common::quote)
        .collect()
}

fn italian(name: &str) -> ItalianRestaurant {
    let mut r = ItalianRestaurant::new();
    r.name = name.into();
    r.address = "1 Via Roma".into();
    r.serves_pizza = true;
    r.serves_gnocchi = true;
    r
}

#[test]
fn clone_unsaved_clears_every_key_and_saving_it_inserts_a_row_in_every_table_of_a_three_level_chain() {
    let db = places_db();
    let mut source = italian("Nonna");
    source.save(&db).unwrap();
    let id = source.id.unwrap();
    let before = [
        row(&db, "places_place", "id", id),
        row(&db, "places_restaurant", "place_ptr_id", id),
        row(&db, "places_italianrestaurant", "restaurant_ptr_id", id),
    ];

    let mut copy = source.clone_unsaved(&db).unwrap();
    assert_eq!((copy.id, copy.place_ptr_id, copy.restaurant_ptr_id), (None, None, None), "every key cleared");
    assert!(copy._state.adding);
    assert_eq!((copy.name.as_str(), copy.serves_gnocchi), ("Nonna", true), "fields copied");
    copy.save(&db).unwrap();

    let new = copy.id.unwrap();
    assert_ne!(new, id);
    assert_eq!((copy.place_ptr_id, copy.restaurant_ptr_id), (Some(new), Some(new)));
    for table in ["places_place", "places_restaurant", "places_italianrestaurant"] {
        assert_eq!(count(&db, table), 2, "{table}: the copy inserted its own row");
    }
    let after = [
        row(&db, "places_place", "id", id),
        row(&db, "places_restaurant", "place_ptr_id", id),
        row(&db, "places_italianrestaurant", "restaurant_ptr_id", id),
    ];
    assert_eq!(before, after, "the source's rows are byte-identical afterwards");
}

#[test]
fn djangos_recipe_of_clearing_pk_and_id_overwrites_the_ancestors_and_clone_unsaved_does_not() {
    // Django's documented recipe (`pk = None; id = None; _state.adding =
    // True; save()`) leaves the parent links set: the copy's save UPDATEs
    // the source's ancestor rows. Pinned here so the trap stays visible.
    let db = places_db();
    let mut source = italian("Nonna");
    source.save(&db).unwrap();
    let id = source.id.unwrap();

    let mut recipe = source.clone();
    recipe.restaurant_ptr_id = None; // pk = None
    recipe.id = None; // id = None
    recipe._state.adding = true;
    recipe.name = "Recipe copy".into();
    recipe.save(&db).unwrap();
    assert_eq!(count(&db, "places_place"), 1, "Django's recipe inserted no new Place row");
    assert_eq!(raw(&db, "places_place", "name", id), "'Recipe copy'", "and overwrote the source's");

    let mut copy = source.clone_unsaved(&db).unwrap();
    copy.name = "Real copy".into();
    copy.save(&db).unwrap();
    assert_eq!(count(&db, "places_place"), 2);
    assert_eq!(raw(&db, "places_place", "name", id), "'Recipe copy'", "clone_unsaved leaves the source alone");
}

#[test]
fn a_copy_through_a_parent_class_instance_makes_a_parent_only_row() {
    // SPEC §4: copying the Place of a row that is also a Restaurant makes a
    // Place only, as Django and django-clone do.
    let db = places_db();
    let mut r = Restaurant::new();
    r.name = "Chez".into();
    r.serves_hot_dogs = true;
    r.save(&db).unwrap();
    let place = Place::get(&db, r.id.unwrap()).unwrap();
    let copy = place.duplicate(&db, |_| {}).unwrap();
    assert_eq!(count(&db, "places_place"), 2);
    assert_eq!(count(&db, "places_restaurant"), 1, "no Restaurant row for the copy");
    assert!(Restaurant::get(&db, copy.id.unwrap()).is_err());
    assert_eq!(Place::get(&db, copy.id.unwrap()).unwrap().name, "Chez");
}

#[test]
fn auto_now_and_auto_now_add_take_fresh_values_on_a_copy() {
    let db = places_db();
    let mut source = italian("Old");
    source.save(&db).unwrap();
    db.execute_batch("UPDATE places_place SET created = '2001-01-01 00:00:00', modified = '2001-01-01 00:00:00'")
        .unwrap();
    source.refresh_from_db(&db).unwrap();
    let copy = source.duplicate(&db, |_| {}).unwrap();
    let stored = raw(&db, "places_place", "created", copy.id.unwrap());
    assert!(!stored.starts_with("'2001"), "auto_now_add is fresh: {stored}");
    let modified = raw(&db, "places_place", "modified", copy.id.unwrap());
    assert!(!modified.starts_with("'2001"), "auto_now is fresh: {modified}");
    assert_eq!(raw(&db, "places_place", "created", source.id.unwrap()), "'2001-01-01 00:00:00'");
}

#[test]
fn duplicate_keeps_forward_foreign_keys_does_not_copy_reverse_ones_and_relinks_many_to_many() {
    let db = setup();
    let mut blog = Blog::new();
    blog.name = "Cheese".into();
    blog.save(&db).unwrap();
    let mut a = WeblogAuthor::new();
    a.name = "A".into();
    a.save(&db).unwrap();
    let mut b = WeblogAuthor::new();
    b.name = "B".into();
    b.save(&db).unwrap();
    let mut entry = Entry::new(blog.key().unwrap(), date(2024, 1, 2));
    entry.headline = "Brie".into();
    entry.save(&db).unwrap();
    entry.authors().add(&db, &[&a, &b]).unwrap();

    let copy = entry.duplicate(&db, |e| e.headline = "Brie again".into()).unwrap();
    assert_eq!(copy.blog_id, blog.id.unwrap(), "forward FK keeps its target");
    let mut names: Vec<String> = copy.authors().all(&db).unwrap().into_iter().map(|a| a.name).collect();
    names.sort();
    assert_eq!(names, ["A", "B"], "the M2M set is re-linked to the same targets");
    assert_eq!(entry.authors().count(&db).unwrap(), 2, "the source keeps its links");
    assert_eq!(raw(&db, "weblog_entry", "headline", copy.id.unwrap()), "'Brie again'", "the edit is saved");

    // A reverse FK is not copied: duplicating the blog copies no entry.
    let blog_copy = blog.duplicate(&db, |_| {}).unwrap();
    assert_eq!(blog_copy.entries().query().unwrap().count(&db).unwrap(), 0);
    assert_eq!(count(&db, "weblog_entry"), 2);
}

#[test]
fn a_non_null_one_to_one_takes_its_new_target_as_an_argument_and_a_cover_is_never_shared() {
    let db = setup();
    let mut book = Book::new(date(2020, 1, 1));
    book.title = "Dune".into();
    book.isbn = "9780441013593".into();
    book.save(&db).unwrap();
    let mut other = Book::new(date(2020, 1, 1));
    other.title = "Emma".into();
    other.isbn = "9780141439587".into();
    other.save(&db).unwrap();
    let mut cover = Cover::new(book.key().unwrap());
    cover.image_url = "http://x/dune.png".into();
    cover.save(&db).unwrap();

    // `Cover::clone_unsaved(&db, book_id)`: forgetting the target does not compile.
    let copy = cover.duplicate(&db, other.key().unwrap(), |_| {}).unwrap();
    assert_eq!(copy.book_id, other.id.unwrap());
    assert_eq!(copy.image_url, "http://x/dune.png");
    // Supplying the source's own target is the unique error it would be.
    let err = cover.duplicate(&db, book.key().unwrap(), |_| {}).unwrap_err();
    assert!(matches!(err, Error::Integrity(_)), "{err:?}");
    assert_eq!(count(&db, "library_cover"), 2, "the failed duplicate wrote nothing");
}

#[test]
fn custom_through_rows_are_copied_with_their_extra_columns() {
    let db = setup();
    let mut author = Author::new();
    author.name = "Frank".into();
    author.save(&db).unwrap();
    let mut editor = Author::new();
    editor.name = "Ed".into();
    editor.save(&db).unwrap();
    let mut book = Book::new(date(1965, 8, 1));
    book.title = "Dune".into();
    book.isbn = "9780441013593".into();
    book.save(&db).unwrap();
    let mut link = Authorship::new(author.key().unwrap(), book.key().unwrap());
    link.position = 1;
    link.save(&db).unwrap();
    let mut link2 = Authorship::new(editor.key().unwrap(), book.key().unwrap());
    link2.role = AuthorshipRole::Editor;
    link2.position = 7;
    link2.save(&db).unwrap();

    let copy = book.duplicate(&db, |_| {}).unwrap();
    let rows: Vec<(i64, String, i64)> = common::query(
        &db,
        "SELECT author_id, role, position FROM library_authorship WHERE book_id = ?1 ORDER BY position",
        &[copy.id.into()],
    )
    .into_iter()
    .map(|r| (common::i64_of(&r[0]), common::scalar_text_of(&r[1..2]), common::i64_of(&r[2])))
    .collect();
    assert_eq!(
        rows,
        vec![(author.id.unwrap(), "author".to_string(), 1), (editor.id.unwrap(), "editor".to_string(), 7)],
        "through rows copied with role and position"
    );
    assert_eq!(count(&db, "library_authorship"), 4, "the source's rows are kept");
    assert_eq!(copy.isbn, "978044 copy 1", "unique isbn: ' copy 1' within max_length 13");
}

#[test]
fn symmetrical_many_to_many_is_relinked_both_ways() {
    let db = setup();
    let mut a = Book::new(date(2000, 1, 1));
    a.isbn = "a".into();
    a.save(&db).unwrap();
    let mut b = Book::new(date(2000, 1, 1));
    b.isbn = "b".into();
    b.save(&db).unwrap();
    a.related().add(&db, &[&b]).unwrap();
    let copy = a.duplicate(&db, |_| {}).unwrap();
    assert_eq!(copy.related().pks(&db).unwrap(), vec![b.key().unwrap()]);
    let mut of_b = b.related().pks(&db).unwrap();
    of_b.sort();
    assert_eq!(of_b, vec![a.key().unwrap(), copy.key().unwrap()], "the mirror link of the copy exists");
}

#[test]
fn unique_text_gets_the_smallest_free_copy_suffix_and_an_existing_suffix_is_stripped() {
    let db = setup();
    let mut p = Publisher::new();
    p.name = "Penguin".into();
    p.save(&db).unwrap();
    let c1 = p.duplicate(&db, |_| {}).unwrap();
    let c2 = p.duplicate(&db, |_| {}).unwrap();
    assert_eq!((c1.name.as_str(), c2.name.as_str()), ("Penguin copy 1", "Penguin copy 2"));
    // A copy of a copy: " copy 1" is stripped, the next free N is 3.
    let c3 = c1.duplicate(&db, |_| {}).unwrap();
    assert_eq!(c3.name, "Penguin copy 3");
    // A freed number is reused: the smallest free N.
    let mut c1 = c1;
    c1.delete(&db).unwrap();
    assert_eq!(p.duplicate(&db, |_| {}).unwrap().name, "Penguin copy 1");
}

#[test]
fn a_slug_gets_a_slug_suffix_and_a_uuid_with_a_default_is_drawn_afresh() {
    let db = setup();
    let mut product = Product::new();
    product.name = "Gouda".into();
    product.slug = "gouda".into();
    product.number_sold = 7;
    product.save(&db).unwrap();
    let copy = product.duplicate(&db, |_| {}).unwrap();
    assert_eq!(copy.slug, "gouda-copy-1");
    assert_ne!(copy.sku, product.sku, "unique UUID with default uuid4: a new one");
    assert_eq!(copy.number_sold, 7, "other fields are kept");
}

#[test]
fn the_suffix_is_cut_to_fit_max_length() {
    let db = setup();
    let mut book = Book::new(date(2000, 1, 1));
    book.isbn = "1234567890123".into(); // max_length 13, full
    book.save(&db).unwrap();
    let copy = book.duplicate(&db, |_| {}).unwrap();
    assert_eq!(copy.isbn, "123456 copy 1");
    assert_eq!(copy.isbn.chars().count(), 13);
    // The raw suffixer a generated `clone_unsaved` calls: same rule, and
    // the number already taken by the first copy is skipped.
    let next = modelgen_runtime::copy::suffixed(&db, <Book as Model>::meta(), 2, &"1234567890123".repeat(2));
    assert_eq!(next.unwrap(), "123456 copy 2");
}

#[test]
fn a_text_primary_key_is_an_argument_and_a_uuid_primary_key_is_fresh() {
    let db = setup();
    let mut coupon = Coupon::new();
    coupon.code = "SPRING".into();
    coupon.percent_off = 15;
    coupon.save(&db).unwrap();
    let copy = coupon.duplicate(&db, "SUMMER".into(), |_| {}).unwrap();
    assert_eq!((copy.code.as_str(), copy.percent_off), ("SUMMER", 15));
    // Never an overwrite: a copy given an existing key is an integrity error.
    let err = coupon.duplicate(&db, "SUMMER".into(), |c| c.percent_off = 99).unwrap_err();
    assert!(matches!(err, Error::Integrity(_)), "{err:?}");
    assert_eq!(Coupon::get(&db, "SUMMER".into()).unwrap().percent_off, 15);

    let mut product = Product::new();
    product.slug = "p".into();
    product.save(&db).unwrap();
    let mut sale = Sale::new(product.key().unwrap(), common::utc(2024, 1, 1, 0, 0, 0));
    sale.save(&db).unwrap();
    let mut receipt = Receipt::new(sale.key().unwrap(), "9.99".parse().unwrap());
    receipt.save(&db).unwrap();
    let copy = receipt.duplicate(&db, |_| {}).unwrap();
    assert_ne!(copy.id, receipt.id);
    assert_eq!(count(&db, "shop_receipt"), 2);
}

#[test]
fn notification_per_receiver_each_an_independent_row() {
    // The seed's use case: one Notification, then a copy per receiver with
    // some fields changed.
    let db = setup();
    let mut people = Vec::new();
    for (i, name) in ["Ann", "Bob", "Cy"].iter().enumerate() {
        let mut p = Person::new();
        p.first_name = (*name).into();
        p.email = format!("{name}@example.com");
        p.save(&db).unwrap();
        let _ = i;
        people.push(p);
    }
    let mut original = Notification::new();
    original.title = "Release 2.0".into();
    original.body = "Out now".into();
    original.read = true;
    original.sent_at = Some(common::utc(2024, 5, 1, 9, 0, 0));
    original.save(&db).unwrap();

    let receivers: Vec<Option<Key<Person>>> = people.iter().map(|p| p.key().ok()).collect();
    let copies = original
        .duplicate_many(&db, receivers.clone(), |i, n| {
            if i == 2 {
                n.title = "Release 2.0 (for Cy)".into();
            }
        })
        .unwrap();
    assert_eq!(copies.len(), 3);
    let ids: std::collections::BTreeSet<i64> = copies.iter().map(|c| c.id.unwrap()).collect();
    assert_eq!(ids.len(), 3, "three distinct rows, not one row three times");
    for (copy, receiver) in copies.iter().zip(&receivers) {
        let stored = Notification::get(&db, copy.id.unwrap()).unwrap();
        assert_eq!(stored.receiver_id, receiver.map(Key::get), "receiver supplied per copy");
        assert_eq!(stored.sent_at, None, "sent_at: clear");
        assert!(!stored.read, "read: exclude (back to its default)");
        assert_eq!(stored.body, "Out now", "body kept");
    }
    assert_eq!(Notification::get(&db, copies[2].id.unwrap()).unwrap().title, "Release 2.0 (for Cy)");
    // Independent rows: changing one changes no other.
    let mut first = copies[0].clone();
    first.title = "changed".into();
    first.save(&db).unwrap();
    assert_eq!(Notification::get(&db, copies[1].id.unwrap()).unwrap().title, "Release 2.0");
    assert_eq!(Notification::get(&db, original.id.unwrap()).unwrap().title, "Release 2.0");
}

#[test]
fn bulk_copy_suffixes_are_distinct_within_the_batch_and_save_signals_are_sent_per_copy() {
    let db = setup();
    let mut p = Publisher::new();
    p.name = "Penguin".into();
    p.save(&db).unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = log.clone();
    db.connect::<Publisher>(Signal::PostSave, move |e| {
        seen.lock().unwrap().push((e.instance.name.clone(), e.created));
        Ok(())
    });
    let copies = p.duplicate_many(&db, 3, |_, _| {}).unwrap();
    let names: Vec<&str> = copies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Penguin copy 1", "Penguin copy 2", "Penguin copy 3"]);
    assert_eq!(count(&db, "library_publisher"), 4);
    assert_eq!(
        *log.lock().unwrap(),
        vec![
            ("Penguin copy 1".to_string(), true),
            ("Penguin copy 2".to_string(), true),
            ("Penguin copy 3".to_string(), true)
        ]
    );
}

#[test]
fn a_failed_bulk_copy_writes_nothing() {
    let db = setup();
    let mut p = Publisher::new();
    p.name = "Penguin".into();
    p.save(&db).unwrap();
    let mut book = Book::new(date(2000, 1, 1));
    book.isbn = "x".into();
    book.publisher_id = p.id;
    book.save(&db).unwrap();
    // The third copy's edit points at a publisher that does not exist: the
    // deferred foreign key fails the commit, and the whole batch goes.
    let err = book.duplicate_many(&db, 3, |i, b| {
        if i == 2 {
            b.publisher_id = Some(999);
        }
    });
    assert!(err.is_err());
    assert_eq!(count(&db, "library_book"), 1);
}

#[test]
fn copy_hooks_are_told_the_source_copy_and_relations_are_one_transaction_with_the_row() {
    if common::sqlite_only("uses SQLite-only SQL") {
        return;
    }
    // django-clone's hooks are not told the source (#876): here `edit`
    // closes over the source, and a failure in the relations rolls back the
    // copy's row too.
    let db = setup();
    let mut book = Book::new(date(2000, 1, 1));
    book.isbn = "y".into();
    book.save(&db).unwrap();
    let mut author = Author::new();
    author.save(&db).unwrap();
    Authorship::new(author.key().unwrap(), book.key().unwrap()).save(&db).unwrap();
    db.execute_batch(
        "CREATE TRIGGER no_more BEFORE INSERT ON library_authorship WHEN (SELECT COUNT(*) FROM library_authorship) >= 1 \
         BEGIN SELECT RAISE(ABORT, 'no more authorships'); END;",
    )
    .unwrap();
    let err = book.duplicate(&db, |copy| copy.title = format!("{} (copy of {})", book.title, book.isbn)).unwrap_err();
    assert!(err.to_string().contains("no more authorships"), "{err}");
    assert_eq!(count(&db, "library_book"), 1, "the copy's row was rolled back with its through rows");
}
