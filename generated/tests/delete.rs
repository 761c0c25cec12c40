//! `delete()` of the generated models: Django's delete collector with every
//! `on_delete` (CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT,
//! DO_NOTHING), the counts Django returns, delete signals for every row
//! removed in Django's order, the pk cleared afterwards, and nothing deleted
//! when PROTECT or RESTRICT refuse.

mod common;

use std::collections::BTreeMap;

use common::*;
use modelgen_examples::library::{
    Album, Artist, Author, Authorship, Book, Copy, Cover, Fine, Loan, Publisher, Shelf, Song,
};
use modelgen_examples::notifications::Notification;
use modelgen_examples::people::Person;
use modelgen_examples::shop::{self, Product, Sale};
use modelgen_examples::weblog::{self, Blog, Entry, EntryStatus};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::{Database, DeleteCount, Error, Signal};

fn counts(pairs: &[(&str, usize)]) -> DeleteCount {
    let map: BTreeMap<String, usize> = pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    (map.values().sum(), map)
}

/// Log pre_delete/post_delete of the listed models as "pre Entry 1".
macro_rules! log_deletes {
    ($db:expr, $log:expr, $($model:ty),*) => {$(
        for signal in [Signal::PreDelete, Signal::PostDelete] {
            let l = $log.clone();
            $db.connect::<$model>(signal, move |e| {
                let name = stringify!($model).rsplit("::").next().unwrap_or_default().to_string();
                let when = if e.signal == Signal::PreDelete { "pre" } else { "post" };
                l.push(format!("{when} {name} {}", e.instance.id.unwrap_or(-1)));
                Ok(())
            });
        }
    )*};
}

fn person(db: &Database, first: &str, email: &str) -> Person {
    let mut p = Person::new();
    p.first_name = first.into();
    p.last_name = "Doe".into();
    p.email = email.into();
    p.save(db).unwrap();
    p
}

fn notification(db: &Database, receiver: Option<&Person>, title: &str) -> Notification {
    let mut n = Notification::new();
    n.set_receiver(receiver).unwrap();
    n.title = title.into();
    n.save(db).unwrap();
    n
}

fn product(db: &Database, slug: &str) -> Product {
    let mut p = Product::new();
    p.name = slug.into();
    p.slug = slug.into();
    p.save(db).unwrap();
    p
}

fn sale(db: &Database, product: &Product) -> Sale {
    let mut s = Sale::new(product.key().unwrap(), utc(2024, 1, 1, 12, 0, 0));
    s.save(db).unwrap();
    s
}

fn library_author(db: &Database, name: &str) -> Author {
    let mut a = Author::new();
    a.name = name.into();
    a.save(db).unwrap();
    a
}

fn book(db: &Database, title: &str, isbn: &str) -> Book {
    let mut b = Book::new(date(2020, 1, 1));
    b.title = title.into();
    b.isbn = isbn.into();
    b.save(db).unwrap();
    b
}

fn authorship(db: &Database, author: &Author, book: &Book) -> Authorship {
    let mut a = Authorship::new(author.key().unwrap(), book.key().unwrap());
    a.save(db).unwrap();
    a
}

fn cover(db: &Database, book: &Book, artist: Option<&Author>) -> Cover {
    let mut c = Cover::new(book.key().unwrap());
    c.image_url = "https://example.com/cover.png".into();
    c.set_artist(artist).unwrap();
    c.save(db).unwrap();
    c
}

// ---------------------------------------------------------------------------
// CASCADE
// ---------------------------------------------------------------------------

#[test]
fn cascade_deletes_referencing_rows_and_their_m2m_links_and_returns_djangos_counts() {
    let db = setup();
    let mut b = blog(&db, "b");
    let other = blog(&db, "other");
    let e1 = entry(&db, &b, "one", date(2024, 1, 1));
    let e2 = entry(&db, &b, "two", date(2024, 1, 2));
    let kept = entry(&db, &other, "kept", date(2024, 1, 3));
    let author = weblog_author(&db, "ann");
    for e in [&e1, &e2, &kept] {
        e.authors().add(&db, &[&author]).unwrap();
    }

    let result = b.delete(&db).unwrap();
    assert_eq!(result, counts(&[("weblog.Blog", 1), ("weblog.Entry", 2), ("weblog.Entry_authors", 2)]));
    assert_eq!(ids(&db, "weblog_blog"), vec![other.id.unwrap()]);
    assert_eq!(ids(&db, "weblog_entry"), vec![kept.id.unwrap()]);
    assert_eq!(count(&db, "weblog_entry_authors"), 1);
    assert_eq!(count(&db, "weblog_author"), 1, "the M2M target is not deleted");
}

#[test]
fn delete_signals_are_sent_for_every_row_removed_in_djangos_order() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Blog, Entry);
    let mut b = blog(&db, "b");
    entry(&db, &b, "one", date(2024, 1, 1));
    entry(&db, &b, "two", date(2024, 1, 2));
    b.delete(&db).unwrap();
    // Django: referencing models first; pre_delete by ascending pk, the
    // deletes and post_delete by descending pk.
    assert_eq!(
        log.take(),
        vec!["pre Entry 1", "pre Entry 2", "pre Blog 1", "post Entry 2", "post Entry 1", "post Blog 1"]
    );
}

#[test]
fn delete_receivers_see_cascaded_rows_as_stored_and_the_callers_own_instance() {
    let db = setup();
    let log = Log::default();
    let l = log.clone();
    db.connect::<Entry>(Signal::PreDelete, move |e| {
        l.push(format!("{} of blog {}", e.instance.headline, e.instance.blog_id));
        Ok(())
    });
    let l = log.clone();
    db.connect::<Blog>(Signal::PostDelete, move |e| {
        l.push(e.instance.tagline.clone());
        Ok(())
    });
    let mut b = blog(&db, "b");
    entry(&db, &b, "cascaded", date(2024, 1, 1));
    b.tagline = "unsaved tagline".into();
    b.delete(&db).unwrap();
    // Django sends the instance delete() was called on, unsaved changes and all.
    assert_eq!(log.take(), vec!["cascaded of blog 1", "unsaved tagline"]);
}

#[test]
fn delete_clears_the_pk_and_keeps_the_other_values() {
    let db = setup();
    let mut b = blog(&db, "b");
    let mut e = entry(&db, &b, "gone", date(2024, 1, 1));
    let result = e.delete(&db).unwrap();
    assert_eq!(result, counts(&[("weblog.Entry", 1)]));
    assert_eq!(e.id, None);
    assert_eq!((e.headline.as_str(), e.blog_id, e.pub_date), ("gone", b.id.unwrap(), date(2024, 1, 1)));
    assert_eq!(count(&db, "weblog_entry"), 0);
    assert!(!e._state.adding, "Django leaves _state.adding as it was");
    b.delete(&db).unwrap();
    assert_eq!(b.id, None);
}

#[test]
fn deleting_an_instance_whose_pk_cannot_be_none_keeps_its_pk_and_saving_it_again_inserts() {
    // Django sets the pk to None after a delete; a String key cannot be
    // None, so the generated model keeps it (the runtime's documented rule).
    let db = setup();
    let mut c = shop::Coupon::new();
    c.code = "SPRING".into();
    c.percent_off = 20;
    c.save(&db).unwrap();
    assert_eq!(c.delete(&db).unwrap(), counts(&[("shop.Coupon", 1)]));
    assert_eq!((c.code.as_str(), c.percent_off), ("SPRING", 20));
    assert_eq!(count(&db, "shop_coupon"), 0);
    c.save(&db).unwrap();
    assert_eq!(raw_text_pk(&db), vec!["SPRING".to_string()]);
}

fn raw_text_pk(db: &Database) -> Vec<String> {
    common::query(db, r#"SELECT "code" FROM "shop_coupon""#, &[])
        .into_iter()
        .map(|r| common::scalar_text_of(&r))
        .collect()
}

#[test]
fn deleting_a_row_without_relations_or_receivers_returns_djangos_counts_even_when_gone() {
    // Nothing points at a Notification: Django's fast delete.
    let db = setup();
    let mut n = notification(&db, None, "one");
    let mut gone = n.clone();
    assert_eq!(n.delete(&db).unwrap(), counts(&[("notifications.Notification", 1)]));
    assert_eq!(
        gone.delete(&db).unwrap(),
        (0, [("notifications.Notification".to_string(), 0)].into_iter().collect()),
        "Django returns (0, {{'notifications.Notification': 0}})"
    );
    for title in ["t0", "t1", "t2", "x"] {
        notification(&db, None, title);
    }
    let result = Notification::objects()
        .filter(Notification::TITLE.startswith("t"))
        .exclude(Notification::TITLE.eq("t0"))
        .delete(&db)
        .unwrap();
    assert_eq!(result, counts(&[("notifications.Notification", 2)]));
    assert_eq!(count(&db, "notifications_notification"), 2);
}

#[test]
fn delete_of_an_unsaved_instance_is_an_error() {
    let db = setup();
    let mut b = Blog::new();
    let err = b.delete(&db).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(err.to_string(), "Blog object can't be deleted because its id attribute is set to None.");
}

#[test]
fn deleting_an_m2m_target_removes_only_the_links() {
    let db = setup();
    let b = blog(&db, "b");
    let e = entry(&db, &b, "e", date(2024, 1, 1));
    let mut author = weblog_author(&db, "ann");
    let other = weblog_author(&db, "bob");
    e.authors().add(&db, &[&author, &other]).unwrap();
    assert_eq!(author.delete(&db).unwrap(), counts(&[("weblog.Author", 1), ("weblog.Entry_authors", 1)]));
    assert_eq!(count(&db, "weblog_entry"), 1);
    let names: Vec<String> = e.authors().all(&db).unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(names, vec!["bob"]);
}

#[test]
fn cascade_follows_relations_from_other_apps() {
    let db = setup();
    let mut ann = person(&db, "Ann", "ann@example.com");
    let bob = person(&db, "Bob", "bob@example.com");
    notification(&db, Some(&ann), "one");
    notification(&db, Some(&ann), "two");
    let kept = notification(&db, Some(&bob), "three");
    let result = ann.delete(&db).unwrap();
    assert_eq!(result, counts(&[("notifications.Notification", 2), ("people.Person", 1)]));
    assert_eq!(ids(&db, "notifications_notification"), vec![kept.id.unwrap()]);
}

#[test]
fn cascade_through_a_one_to_one_and_a_custom_through_model_and_a_self_m2m() {
    let db = setup();
    let author = library_author(&db, "ann");
    let mut b = book(&db, "Dune", "9780441013593");
    let sequel = book(&db, "Dune Messiah", "9780593098233");
    authorship(&db, &author, &b);
    authorship(&db, &author, &sequel);
    cover(&db, &b, None);
    b.related().add(&db, &[&sequel]).unwrap();
    sequel.related().add(&db, &[&b]).unwrap();

    let result = b.delete(&db).unwrap();
    assert_eq!(
        result,
        counts(&[("library.Authorship", 1), ("library.Book", 1), ("library.Book_related", 2), ("library.Cover", 1)])
    );
    assert_eq!((count(&db, "library_cover"), count(&db, "library_authorship")), (0, 1));
    assert_eq!(count(&db, "library_book_related"), 0, "links in both directions are removed");
    assert_eq!(count(&db, "library_author"), 1);
}

#[test]
fn cascade_from_the_other_end_of_a_custom_through_model() {
    let db = setup();
    let mut author = library_author(&db, "ann");
    let b = book(&db, "Dune", "9780441013593");
    authorship(&db, &author, &b);
    let result = author.delete(&db).unwrap();
    assert_eq!(result, counts(&[("library.Author", 1), ("library.Authorship", 1)]));
    assert_eq!(count(&db, "library_book"), 1);
}

// ---------------------------------------------------------------------------
// PROTECT
// ---------------------------------------------------------------------------

#[test]
fn protect_refuses_with_a_protected_error_and_deletes_nothing() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Product, Sale);
    let mut p = product(&db, "mug");
    let s = sale(&db, &p);
    let err = p.delete(&db).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Product' because they are referenced through protected foreign keys: 'Sale.product'."
    );
    match &err {
        Error::Protected { model, fields, objects, .. } => {
            assert_eq!(*model, "Product");
            assert_eq!(fields, &vec!["Sale.product".to_string()]);
            assert_eq!(objects.len(), 1);
            assert_eq!((objects[0].model, &objects[0].pk), ("Sale", &Value::Integer(s.id.unwrap())));
        }
        other => panic!("expected a protected error, got {other:?}"),
    }
    assert!(err.is_integrity(), "ProtectedError is an IntegrityError in Django");
    assert_eq!(p.id, Some(1), "the pk is kept");
    assert_eq!((count(&db, "shop_product"), count(&db, "shop_sale")), (1, 1));
    assert!(log.take().is_empty(), "no delete signal is sent when the collector refuses");
}

#[test]
fn protect_allows_the_delete_once_the_protecting_rows_are_gone() {
    let db = setup();
    let mut p = product(&db, "mug");
    let mut s = sale(&db, &p);
    assert_eq!(s.delete(&db).unwrap(), counts(&[("shop.Sale", 1)]));
    assert_eq!(p.delete(&db).unwrap(), counts(&[("shop.Product", 1)]));
}

#[test]
fn protect_refuses_a_queryset_delete_as_a_whole() {
    let db = setup();
    product(&db, "free");
    let protected = product(&db, "sold");
    sale(&db, &protected);
    let err = Product::objects().delete(&db).unwrap_err();
    assert!(matches!(err, Error::Protected { .. }), "{err:?}");
    assert_eq!(count(&db, "shop_product"), 2, "not even the unprotected row is deleted");
}

#[test]
fn protect_reached_through_a_cascade_names_the_cascading_field_as_django() {
    // Django's collector catches the ProtectedError of the loans it cascades
    // to and reports it under the field it followed, `Loan.move`.
    let db = setup();
    let mut b = book(&db, "Dune", "9780441013593");
    let mut loan = Loan::new(b.key().unwrap());
    loan.r#ref = "L1".into();
    loan.save(&db).unwrap();
    let mut fine = Fine::new(loan.key().unwrap(), "2.50".parse().unwrap());
    fine.save(&db).unwrap();
    let err = b.delete(&db).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Book' because they are referenced through protected foreign keys: 'Loan.move'."
    );
    match &err {
        Error::Protected { model, fields, objects, .. } => {
            assert_eq!((*model, fields.as_slice()), ("Book", ["Loan.move".to_string()].as_slice()));
            assert_eq!((objects[0].model, &objects[0].pk), ("Fine", &Value::Integer(fine.id.unwrap())));
        }
        other => panic!("expected a protected error, got {other:?}"),
    }
    assert_eq!((count(&db, "library_book"), count(&db, "library_loan"), count(&db, "library_fine")), (1, 1, 1));
    let mut loan = Loan::get(&db, loan.id.unwrap()).unwrap();
    let err = loan.delete(&db).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Loan' because they are referenced through protected foreign keys: 'Fine.loan'."
    );
}

// ---------------------------------------------------------------------------
// RESTRICT
// ---------------------------------------------------------------------------

#[test]
fn restrict_refuses_with_a_restricted_error_and_deletes_nothing() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Author, Authorship, Cover);
    let mut artist = library_author(&db, "ann");
    let b = book(&db, "Dune", "9780441013593");
    authorship(&db, &artist, &b);
    let c = cover(&db, &b, Some(&artist));
    let err = artist.delete(&db).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Author' because they are referenced through restricted foreign keys: 'Cover.artist'."
    );
    match &err {
        Error::Restricted { model, objects, .. } => {
            assert_eq!(*model, "Author");
            assert_eq!((objects[0].model, &objects[0].pk), ("Cover", &Value::Integer(c.id.unwrap())));
        }
        other => panic!("expected a restricted error, got {other:?}"),
    }
    assert!(err.is_integrity());
    assert_eq!(artist.id, Some(1));
    assert_eq!(
        (count(&db, "library_author"), count(&db, "library_authorship"), count(&db, "library_cover")),
        (1, 1, 1),
        "the authorship that would have cascaded is kept too"
    );
    assert!(log.take().is_empty());
}

#[test]
fn restrict_does_not_stop_deleting_the_restricted_rows_themselves() {
    let db = setup();
    let artist = library_author(&db, "ann");
    let mut b = book(&db, "Dune", "9780441013593");
    cover(&db, &b, Some(&artist));
    // The cover goes with its book (CASCADE); its RESTRICT points elsewhere.
    assert_eq!(b.delete(&db).unwrap(), counts(&[("library.Book", 1), ("library.Cover", 1)]));
    assert_eq!(count(&db, "library_author"), 1);
}

/// An artist with an album and a song on it (Django's RESTRICT example).
fn record(db: &Database, name: &str) -> (Artist, Album) {
    let mut artist = Artist::new();
    artist.name = name.into();
    artist.save(db).unwrap();
    let mut album = Album::new(artist.key().unwrap());
    album.title = format!("{name}'s album");
    album.save(db).unwrap();
    (artist, album)
}

fn song(db: &Database, artist: &Artist, album: &Album) -> Song {
    let mut s = Song::new(artist.key().unwrap(), album.key().unwrap());
    s.title = "song".into();
    s.save(db).unwrap();
    s
}

#[test]
fn restrict_allows_the_delete_when_the_restricted_rows_go_by_a_cascade_too() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Artist, Album, Song);
    let (mut artist, album) = record(&db, "a");
    song(&db, &artist, &album);
    let mut album_alone = Album::get(&db, album.id.unwrap()).unwrap();
    let err = album_alone.delete(&db).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Album' because they are referenced through restricted foreign keys: 'Song.album'."
    );
    assert!(matches!(err, Error::Restricted { count: 1, .. }), "{err:?}");
    let result = artist.delete(&db).unwrap();
    assert_eq!(result, counts(&[("library.Song", 1), ("library.Album", 1), ("library.Artist", 1)]));
    assert_eq!(
        log.take(),
        vec!["pre Song 1", "pre Album 1", "pre Artist 1", "post Song 1", "post Album 1", "post Artist 1"]
    );
}

#[test]
fn restrict_refuses_when_the_restricted_row_belongs_to_another_artist_and_a_delete_of_both_is_allowed() {
    let db = setup();
    let (mut first, album) = record(&db, "first");
    let (second, _) = record(&db, "second");
    song(&db, &second, &album);
    let err = first.delete(&db).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Artist' because they are referenced through restricted foreign keys: 'Song.album'."
    );
    assert_eq!((count(&db, "library_artist"), count(&db, "library_album"), count(&db, "library_song")), (2, 2, 1));
    // Deleting both artists at once is allowed: the song goes by cascade
    // (counts and signal order as Django 5.2 answered for these models).
    let log = Log::default();
    log_deletes!(db, log, Artist, Album, Song);
    let result = Artist::objects().delete(&db).unwrap();
    assert_eq!(result, counts(&[("library.Song", 1), ("library.Album", 2), ("library.Artist", 2)]));
    assert_eq!(
        log.take(),
        vec![
            "pre Song 1",
            "pre Album 1",
            "pre Album 2",
            "pre Artist 1",
            "pre Artist 2",
            "post Song 1",
            "post Album 2",
            "post Album 1",
            "post Artist 2",
            "post Artist 1"
        ]
    );
}

#[test]
fn restrict_is_cleared_by_a_fast_deleted_cascade() {
    // No receivers: the songs are fast-deleted from the artists, and the
    // restricted songs are found among them.
    let db = setup();
    let (artist, album) = record(&db, "a");
    song(&db, &artist, &album);
    let result = Artist::objects().delete(&db).unwrap();
    assert_eq!(result, counts(&[("library.Song", 1), ("library.Album", 1), ("library.Artist", 1)]));
    assert_eq!(count(&db, "library_song"), 0);
}

// ---------------------------------------------------------------------------
// SET_NULL, SET_DEFAULT, DO_NOTHING
// ---------------------------------------------------------------------------

#[test]
fn set_null_clears_the_referencing_column_and_keeps_the_rows() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Publisher, Book);
    let mut publisher = Publisher::new();
    publisher.name = "Chilton".into();
    publisher.save(&db).unwrap();
    let mut dune = book(&db, "Dune", "9780441013593");
    dune.set_publisher(Some(&publisher)).unwrap();
    dune.save(&db).unwrap();
    let mut other = book(&db, "Other", "0000000000000");
    other.set_publisher(Some(&publisher)).unwrap();
    other.save(&db).unwrap();

    let result = publisher.delete(&db).unwrap();
    assert_eq!(result, counts(&[("library.Publisher", 1)]), "updated rows are not counted");
    assert_eq!(raw(&db, "library_book", "publisher_id", dune.id.unwrap()), "NULL");
    assert_eq!(raw(&db, "library_book", "publisher_id", other.id.unwrap()), "NULL");
    assert_eq!(count(&db, "library_book"), 2);
    assert_eq!(log.take(), vec!["pre Publisher 1", "post Publisher 1"], "no signal for the updated books");
    dune.refresh_from_db(&db).unwrap();
    assert_eq!(dune.publisher(&db).unwrap(), None);
}

// ---------------------------------------------------------------------------
// QuerySet.delete(), transactions
// ---------------------------------------------------------------------------

#[test]
fn queryset_delete_collects_every_matching_row_with_cascades_and_counts() {
    let db = setup();
    let b = blog(&db, "b");
    let author = weblog_author(&db, "ann");
    let mut published = entry(&db, &b, "published", date(2024, 1, 1));
    published.status = EntryStatus::Published;
    published.save(&db).unwrap();
    for headline in ["draft one", "draft two"] {
        let e = entry(&db, &b, headline, date(2024, 1, 2));
        e.authors().add(&db, &[&author]).unwrap();
    }
    let log = Log::default();
    log_deletes!(db, log, Entry);
    let result = Entry::objects().filter(Entry::STATUS.eq(EntryStatus::Draft)).delete(&db).unwrap();
    assert_eq!(result, counts(&[("weblog.Entry", 2), ("weblog.Entry_authors", 2)]));
    assert_eq!(ids(&db, "weblog_entry"), vec![published.id.unwrap()]);
    assert_eq!(log.take(), vec!["pre Entry 2", "pre Entry 3", "post Entry 3", "post Entry 2"]);
}

#[test]
fn queryset_delete_without_matching_rows_deletes_nothing() {
    let db = setup();
    blog(&db, "b");
    let result = Blog::objects().filter(Blog::NAME.eq("nope")).delete(&db).unwrap();
    assert_eq!(result, counts(&[]));
    assert_eq!(count(&db, "weblog_blog"), 1);
}

#[test]
fn a_delete_inside_a_rolled_back_transaction_is_undone() {
    let db = setup();
    let mut b = blog(&db, "b");
    entry(&db, &b, "e", date(2024, 1, 1));
    let result: modelgen_runtime::Result<()> = db.transaction(|db| {
        b.delete(db)?;
        Err(Error::Misuse("undo".into()))
    });
    assert!(result.is_err());
    assert_eq!((count(&db, "weblog_blog"), count(&db, "weblog_entry")), (1, 1));
}

#[test]
fn queryset_delete_of_a_sliced_set_is_an_error() {
    let db = setup();
    blog(&db, "b");
    let err = Blog::objects().limit(1).delete(&db).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(err.to_string(), "Cannot use 'limit' or 'offset' with delete().");
    assert_eq!(count(&db, "weblog_blog"), 1);
}

#[test]
fn unregistered_models_are_registered_on_delete() {
    if common::sqlite_only("creates its tables with SQLite DDL (AUTOINCREMENT)") {
        return;
    }
    // A handle whose tables were made by raw SQL: deleting registers the
    // deleted model, so that later deletes see its relations.
    let db = common::empty_database();
    db.execute_batch(weblog::APP.ddl).unwrap();
    let mut b = blog(&db, "b");
    assert!(db.model_for_table("weblog_blog").is_none());
    b.delete(&db).unwrap();
    assert!(db.model_for_table("weblog_blog").is_some());
}

// ---------------------------------------------------------------------------
// A self-referencing CASCADE
// ---------------------------------------------------------------------------

#[test]
fn self_referencing_cascade_deletes_the_whole_tree() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, shop::Category);
    let category = |name: &str, parent: Option<&shop::Category>| {
        let mut c = shop::Category::new();
        c.name = name.into();
        c.set_parent(parent).unwrap();
        c.save(&db).unwrap();
        c
    };
    let mut root = category("a", None);
    let b = category("b", Some(&root));
    category("c", Some(&b));
    category("d", Some(&root));
    let other = category("other", None);
    let result = root.delete(&db).unwrap();
    assert_eq!(result, counts(&[("shop.Category", 4)]));
    assert_eq!(ids(&db, "shop_category"), vec![other.id.unwrap()]);
    assert_eq!(
        log.take(),
        vec![
            "pre Category 1",
            "pre Category 2",
            "pre Category 3",
            "pre Category 4",
            "post Category 4",
            "post Category 3",
            "post Category 2",
            "post Category 1"
        ]
    );
}

/// The returns shelf (pk 1, the default of Copy.shelf) and shelf "A".
fn shelves(db: &Database) -> (Shelf, Shelf) {
    let mut returns = Shelf::new();
    returns.label = "returns".into();
    returns.save(db).unwrap();
    let mut a = Shelf::new();
    a.label = "A".into();
    a.save(db).unwrap();
    (returns, a)
}

#[test]
fn set_default_points_the_referencing_rows_at_the_default() {
    let db = setup();
    let (_, mut a) = shelves(&db);
    let b = book(&db, "Dune", "9780441013593");
    let mut copy = Copy::new(b.key().unwrap());
    copy.set_shelf(&a).unwrap();
    copy.save(&db).unwrap();
    let result = a.delete(&db).unwrap();
    assert_eq!(result, counts(&[("library.Shelf", 1)]), "updated rows are not counted");
    assert_eq!(raw(&db, "library_copy", "shelf_id", copy.id.unwrap()), "1");
    assert_eq!(count(&db, "library_copy"), 1);
}

#[test]
fn do_nothing_leaves_the_rows_to_the_database_which_refuses_and_the_whole_delete_rolls_back() {
    let db = setup();
    let (_, mut a) = shelves(&db);
    let b = book(&db, "Dune", "9780441013593");
    let mut copy = Copy::new(b.key().unwrap());
    copy.set_shelf(&a).unwrap();
    copy.set_home(Some(&a)).unwrap();
    copy.save(&db).unwrap();
    let err = a.delete(&db).unwrap_err();
    match &err {
        Error::Integrity(m) => assert_integrity_text(
            m,
            "FOREIGN KEY constraint failed",
            r#"update or delete on table "library_shelf" violates foreign key constraint "library_copy_home_id_225a5507_fk_library_shelf_id" on table "library_copy""#,
        ),
        other => panic!("expected an integrity error, got {other:?}"),
    }
    assert!(!db.in_transaction());
    assert_eq!(a.id, Some(2), "pk kept when the delete failed");
    assert_eq!(count(&db, "library_shelf"), 2);
    assert_eq!(raw(&db, "library_copy", "shelf_id", copy.id.unwrap()), "2", "the SET_DEFAULT update is rolled back");
}
