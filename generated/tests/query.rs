//! The typed reading API of the generated models, with Django's QuerySet
//! semantics on SQLite: get by pk or a unique field, filter lookups,
//! ordering (explicit and `meta.ordering`), count, exists, first, last,
//! latest, earliest, and update on a filtered set. Column constants make a
//! misspelled field a compile error (see the `compile_fail` examples in
//! generated/lib.rs); values are always bound parameters.

mod common;

use common::*;
use modelgen_examples::library::Book;
use modelgen_examples::notifications::Notification;
use modelgen_examples::people::{Person, PersonShirtSize};
use modelgen_examples::shop::{Product, Sale};
use modelgen_examples::weblog::{Blog, Entry, EntryStatus};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::{Database, Error, Order};

/// Entries e1..e5: (headline, pub_date day of January 2024, rating, status).
fn entries(db: &Database) -> Blog {
    let b = blog(db, "b");
    for (headline, day, rating, status) in [
        ("Lennon speaks", 3, 4, EntryStatus::Published),
        ("Beatles reunion", 1, 5, EntryStatus::Draft),
        ("McCartney tours", 5, 3, EntryStatus::Published),
        ("lennon_fans 100%", 2, 1, EntryStatus::Draft),
        ("Ringo", 4, 5, EntryStatus::Draft),
    ] {
        let mut e = Entry::new(b.id.unwrap(), date(2024, 1, day));
        e.headline = headline.into();
        e.body_text = "body".into();
        e.rating = rating;
        e.status = status;
        e.save(db).unwrap();
    }
    b
}

fn headlines(list: Vec<Entry>) -> Vec<String> {
    list.into_iter().map(|e| e.headline).collect()
}

fn matching(db: &Database, condition: modelgen_runtime::Condition<Entry>) -> Vec<String> {
    headlines(Entry::objects().filter(condition).order_by([Entry::ID.asc()]).all(db).unwrap())
}

fn person(db: &Database, first: &str, last: &str, email: &str) -> Person {
    let mut p = Person::new();
    p.first_name = first.into();
    p.last_name = last.into();
    p.email = email.into();
    p.save(db).unwrap();
    p
}

fn book(db: &Database, title: &str, isbn: &str, published: (i32, u32, u32)) -> Book {
    let mut b = Book::new(date(published.0, published.1, published.2));
    b.title = title.into();
    b.isbn = isbn.into();
    b.save(db).unwrap();
    b
}

// ---------------------------------------------------------------------------
// get
// ---------------------------------------------------------------------------

#[test]
fn get_by_pk_returns_the_row() {
    let db = setup();
    entries(&db);
    let e = Entry::get(&db, 3).unwrap();
    assert_eq!((e.id, e.headline.as_str()), (Some(3), "McCartney tours"));
    assert!(!e._state.adding, "a loaded instance is not adding");
}

#[test]
fn get_of_a_missing_pk_is_does_not_exist() {
    let db = setup();
    let err = Entry::get(&db, 99).unwrap_err();
    assert!(matches!(err, Error::DoesNotExist { model: "Entry" }), "{err:?}");
    assert_eq!(err.to_string(), "Entry matching query does not exist.");
}

#[test]
fn get_by_a_unique_field() {
    let db = setup();
    person(&db, "Ann", "Doe", "ann@example.com");
    let bob = person(&db, "Bob", "Roe", "bob@example.com");
    assert_eq!(Person::get_by_email(&db, "bob@example.com".into()).unwrap().id, bob.id);
    book(&db, "Dune", "9780441013593", (1965, 8, 1));
    assert_eq!(Book::get_by_isbn(&db, "9780441013593".into()).unwrap().title, "Dune");
    let mut p = Product::new();
    p.name = "Mug".into();
    p.slug = "mug".into();
    p.save(&db).unwrap();
    assert_eq!(Product::get_by_slug(&db, "mug".into()).unwrap().id, p.id);
    assert_eq!(Product::get_by_sku(&db, p.sku).unwrap().id, p.id);
    assert!(Product::get_by_slug(&db, "cup".into()).unwrap_err().is_does_not_exist());
}

#[test]
fn get_of_several_rows_is_multiple_objects_returned() {
    let db = setup();
    entries(&db);
    let err = Entry::objects().filter(Entry::STATUS.eq(EntryStatus::Draft)).get(&db).unwrap_err();
    assert!(matches!(err, Error::MultipleObjectsReturned { model: "Entry", count: 3 }), "{err:?}");
    assert_eq!(err.to_string(), "get() returned more than one Entry -- it returned 3!");
}

// ---------------------------------------------------------------------------
// filter lookups
// ---------------------------------------------------------------------------

#[test]
fn filter_exact() {
    let db = setup();
    entries(&db);
    assert_eq!(matching(&db, Entry::HEADLINE.eq("Ringo")), vec!["Ringo"]);
    assert_eq!(matching(&db, Entry::STATUS.exact(EntryStatus::Published)), vec!["Lennon speaks", "McCartney tours"]);
    assert_eq!(matching(&db, Entry::PUB_DATE.eq(date(2024, 1, 2))), vec!["lennon_fans 100%"]);
}

#[test]
fn filter_lt_lte_gt_gte() {
    let db = setup();
    entries(&db);
    assert_eq!(matching(&db, Entry::RATING.lt(3)), vec!["lennon_fans 100%"]);
    assert_eq!(matching(&db, Entry::RATING.lte(3)), vec!["McCartney tours", "lennon_fans 100%"]);
    assert_eq!(matching(&db, Entry::RATING.gt(4)), vec!["Beatles reunion", "Ringo"]);
    assert_eq!(matching(&db, Entry::RATING.gte(4)), vec!["Lennon speaks", "Beatles reunion", "Ringo"]);
    // Dates compare as Django stores them (ISO text sorts chronologically).
    assert_eq!(matching(&db, Entry::PUB_DATE.gte(date(2024, 1, 4))), vec!["McCartney tours", "Ringo"]);
    assert_eq!(matching(&db, Entry::PUB_DATE.lt(date(2024, 1, 2))), vec!["Beatles reunion"]);
}

#[test]
fn filter_in() {
    let db = setup();
    entries(&db);
    assert_eq!(matching(&db, Entry::ID.in_([1, 3, 42])), vec!["Lennon speaks", "McCartney tours"]);
    assert_eq!(matching(&db, Entry::HEADLINE.in_(["Ringo", "nobody"])), vec!["Ringo"]);
    assert!(matching(&db, Entry::ID.in_(Vec::<i64>::new())).is_empty(), "an empty list matches nothing");
    assert_eq!(
        Entry::objects().exclude(Entry::ID.in_(Vec::<i64>::new())).count(&db).unwrap(),
        5,
        "and its exclusion matches everything"
    );
}

#[test]
fn filter_isnull() {
    let db = setup();
    let mut ann = person(&db, "Ann", "Doe", "ann@example.com");
    ann.birth_date = Some(date(1990, 5, 17));
    ann.save(&db).unwrap();
    person(&db, "Bob", "Roe", "bob@example.com");
    let names = |c| Person::objects().filter(c).all(&db).unwrap().into_iter().map(|p| p.first_name).collect::<Vec<_>>();
    assert_eq!(names(Person::BIRTH_DATE.isnull(true)), vec!["Bob"]);
    assert_eq!(names(Person::BIRTH_DATE.isnull(false)), vec!["Ann"]);
}

#[test]
fn filter_contains_and_startswith_are_like_with_escapes_as_django_on_sqlite() {
    let db = setup();
    entries(&db);
    // Case-insensitive for ASCII, as Django's `contains` on SQLite.
    assert_eq!(matching(&db, Entry::HEADLINE.contains("lennon")), vec!["Lennon speaks", "lennon_fans 100%"]);
    assert_eq!(matching(&db, Entry::HEADLINE.startswith("Mc")), vec!["McCartney tours"]);
    // `%` and `_` are literal characters, not wildcards.
    assert_eq!(matching(&db, Entry::HEADLINE.contains("100%")), vec!["lennon_fans 100%"]);
    assert_eq!(matching(&db, Entry::HEADLINE.contains("n_f")), vec!["lennon_fans 100%"]);
    assert!(matching(&db, Entry::HEADLINE.contains("%s%")).is_empty());
    assert!(matching(&db, Entry::HEADLINE.startswith("_")).is_empty());
}

#[test]
fn filters_combine_with_and_or_not_and_exclude() {
    let db = setup();
    entries(&db);
    let draft = || Entry::STATUS.eq(EntryStatus::Draft);
    assert_eq!(matching(&db, draft() & Entry::RATING.eq(5)), vec!["Beatles reunion", "Ringo"]);
    assert_eq!(matching(&db, Entry::RATING.eq(1) | Entry::RATING.eq(3)), vec!["McCartney tours", "lennon_fans 100%"]);
    assert_eq!(matching(&db, !draft()), vec!["Lennon speaks", "McCartney tours"]);
    let excluded = Entry::objects().filter(draft()).exclude(Entry::RATING.eq(5)).all(&db).unwrap();
    assert_eq!(headlines(excluded), vec!["lennon_fans 100%"]);
}

#[test]
fn filters_on_booleans_decimals_uuids_and_datetimes() {
    let db = setup();
    let mut skus = Vec::new();
    for (slug, price, in_stock) in [("a", "9.99", true), ("b", "10.00", false), ("c", "120.50", true)] {
        let mut p = Product::new();
        p.name = slug.into();
        p.slug = slug.into();
        p.price = price.parse().unwrap();
        p.in_stock = in_stock;
        p.save(&db).unwrap();
        skus.push(p.sku);
    }
    let slugs = |c| Product::objects().filter(c).all(&db).unwrap().into_iter().map(|p| p.slug).collect::<Vec<_>>();
    assert_eq!(slugs(Product::IN_STOCK.eq(false)), vec!["b"]);
    // Numbers compare as numbers, through the column's NUMERIC affinity.
    assert_eq!(slugs(Product::PRICE.gte("10".parse::<Decimal>().unwrap())), vec!["b", "c"]);
    assert_eq!(slugs(Product::PRICE.lt("100".parse::<Decimal>().unwrap())), vec!["a", "b"]);
    assert_eq!(slugs(Product::SKU.eq(skus[2])), vec!["c"]);

    let product = Product::get_by_slug(&db, "a".into()).unwrap();
    for t in [utc(2024, 1, 1, 9, 0, 0), utc(2024, 1, 1, 18, 30, 0)] {
        Sale::new(product.id.unwrap(), t).save(&db).unwrap();
    }
    let afternoon = Sale::objects().filter(Sale::SOLD_AT.gt(utc(2024, 1, 1, 12, 0, 0))).all(&db).unwrap();
    assert_eq!(afternoon.iter().map(|s| s.sold_at).collect::<Vec<_>>(), vec![utc(2024, 1, 1, 18, 30, 0)]);
}

#[test]
fn filter_values_are_bound_never_spliced() {
    let db = setup();
    entries(&db);
    let evil = "x' OR '1'='1";
    assert!(matching(&db, Entry::HEADLINE.eq(evil)).is_empty());
    assert!(matching(&db, Entry::HEADLINE.in_([evil, "'); DROP TABLE \"weblog_entry\"; --"])).is_empty());
    assert!(matching(&db, Entry::HEADLINE.contains("' OR 1=1 --")).is_empty());
    assert_eq!(count(&db, "weblog_entry"), 5);
}

// ---------------------------------------------------------------------------
// ordering
// ---------------------------------------------------------------------------

#[test]
fn default_ordering_comes_from_meta_ordering() {
    let db = setup();
    entries(&db);
    // weblog.Entry: ordering ["-pub_date"].
    assert_eq!(
        headlines(Entry::objects().all(&db).unwrap()),
        vec!["McCartney tours", "Ringo", "Lennon speaks", "lennon_fans 100%", "Beatles reunion"]
    );
    // people.Person: ordering [last_name, first_name].
    person(&db, "Zed", "Adams", "z@example.com");
    person(&db, "Bob", "Roe", "b@example.com");
    person(&db, "Amy", "Adams", "a@example.com");
    let people: Vec<String> = Person::objects().all(&db).unwrap().iter().map(|p| p.to_string()).collect();
    assert_eq!(people, vec!["Amy Adams", "Zed Adams", "Bob Roe"]);
    // library.Book: ordering [title].
    book(&db, "Zen", "1", (2000, 1, 1));
    book(&db, "Art", "2", (2001, 1, 1));
    let titles: Vec<String> = Book::objects().all(&db).unwrap().into_iter().map(|b| b.title).collect();
    assert_eq!(titles, vec!["Art", "Zen"]);
}

#[test]
fn order_by_replaces_the_default_ordering() {
    let db = setup();
    entries(&db);
    let by_rating = Entry::objects().order_by([Entry::RATING.desc(), Entry::HEADLINE.asc()]).all(&db).unwrap();
    assert_eq!(
        headlines(by_rating),
        vec!["Beatles reunion", "Ringo", "Lennon speaks", "McCartney tours", "lennon_fans 100%"]
    );
    let reversed = Entry::objects().reverse().all(&db).unwrap();
    assert_eq!(headlines(reversed)[0], "Beatles reunion", "reverse() flips meta.ordering");
    let unordered = Entry::objects().order_by(Vec::<Order<Entry>>::new());
    assert!(!unordered.is_ordered(), "order_by() with no terms clears meta.ordering");
}

#[test]
fn slicing_limits_and_offsets_the_ordered_rows() {
    let db = setup();
    entries(&db);
    let page = Entry::objects().order_by([Entry::ID.asc()]).slice(1, Some(3)).all(&db).unwrap();
    assert_eq!(headlines(page), vec!["Beatles reunion", "McCartney tours"]);
    assert_eq!(Entry::objects().limit(2).count(&db).unwrap(), 2);
    assert_eq!(Entry::objects().offset(4).count(&db).unwrap(), 1);
}

// ---------------------------------------------------------------------------
// count, exists, first, last, latest, earliest
// ---------------------------------------------------------------------------

#[test]
fn count_and_exists() {
    let db = setup();
    assert_eq!(Entry::objects().count(&db).unwrap(), 0);
    assert!(!Entry::objects().exists(&db).unwrap());
    entries(&db);
    assert_eq!(Entry::objects().count(&db).unwrap(), 5);
    assert_eq!(Entry::objects().filter(Entry::STATUS.eq(EntryStatus::Draft)).count(&db).unwrap(), 3);
    assert!(Entry::objects().filter(Entry::RATING.eq(1)).exists(&db).unwrap());
    assert!(!Entry::objects().filter(Entry::RATING.eq(2)).exists(&db).unwrap());
}

#[test]
fn first_and_last_follow_the_ordering_or_the_pk() {
    let db = setup();
    assert_eq!(Entry::objects().first(&db).unwrap(), None, "None on an empty set, not an error");
    entries(&db);
    // Ordered by meta.ordering (-pub_date).
    assert_eq!(Entry::objects().first(&db).unwrap().unwrap().headline, "McCartney tours");
    assert_eq!(Entry::objects().last(&db).unwrap().unwrap().headline, "Beatles reunion");
    // Blog has no ordering: by pk.
    blog(&db, "second");
    assert_eq!(Blog::objects().first(&db).unwrap().unwrap().name, "b");
    assert_eq!(Blog::objects().last(&db).unwrap().unwrap().name, "second");
    let drafts = Entry::objects().filter(Entry::STATUS.eq(EntryStatus::Draft)).order_by([Entry::RATING.asc()]);
    assert_eq!(drafts.first(&db).unwrap().unwrap().headline, "lennon_fans 100%");
}

#[test]
fn latest_and_earliest_use_get_latest_by() {
    let db = setup();
    entries(&db);
    assert_eq!(Entry::objects().latest(&db).unwrap().headline, "McCartney tours");
    assert_eq!(Entry::objects().earliest(&db).unwrap().headline, "Beatles reunion");
    let drafts = Entry::objects().filter(Entry::STATUS.eq(EntryStatus::Draft));
    assert_eq!(drafts.latest(&db).unwrap().headline, "Ringo");
    assert_eq!(Entry::objects().latest_by(&db, &[Entry::RATING.asc(), Entry::ID.asc()]).unwrap().headline, "Ringo");

    book(&db, "New", "1", (2020, 1, 1));
    book(&db, "Old", "2", (1950, 1, 1));
    assert_eq!(Book::objects().latest(&db).unwrap().title, "New");
    assert_eq!(Book::objects().earliest(&db).unwrap().title, "Old");

    let mut n = Notification::new();
    n.title = "only".into();
    n.save(&db).unwrap();
    assert_eq!(Notification::objects().latest(&db).unwrap().title, "only");
}

#[test]
fn latest_of_an_empty_set_is_does_not_exist() {
    let db = setup();
    let err = Entry::objects().latest(&db).unwrap_err();
    assert_eq!(err.to_string(), "Entry matching query does not exist.");
    assert!(Sale::objects().earliest(&db).unwrap_err().is_does_not_exist());
}

#[test]
fn latest_without_get_latest_by_is_an_error() {
    let db = setup();
    blog(&db, "b");
    let err = Blog::objects().latest(&db).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "earliest() and latest() require either fields as positional arguments or 'get_latest_by' in the model's Meta."
    );
}

// ---------------------------------------------------------------------------
// update on a filtered set
// ---------------------------------------------------------------------------

#[test]
fn update_on_a_filtered_set_writes_every_matching_row_and_returns_the_count() {
    let db = setup();
    entries(&db);
    db.connection().execute(r#"UPDATE "weblog_entry" SET "mod_date" = '2000-01-01'"#, []).unwrap();
    let n = Entry::objects()
        .filter(Entry::STATUS.eq(EntryStatus::Draft))
        .update(&db, &[Entry::STATUS.set(EntryStatus::Published), Entry::HEADLINE.set("was a draft")])
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(Entry::objects().filter(Entry::STATUS.eq(EntryStatus::Published)).count(&db).unwrap(), 5);
    assert_eq!(Entry::objects().filter(Entry::HEADLINE.eq("was a draft")).count(&db).unwrap(), 3);
    // QuerySet.update() does not run auto_now, as in Django.
    assert_eq!(raw(&db, "weblog_entry", "mod_date", 2), "'2000-01-01'");
}

#[test]
fn update_on_a_filtered_set_with_relative_values() {
    let db = setup();
    entries(&db);
    let n = Entry::objects().filter(Entry::RATING.gte(4)).update(&db, &[Entry::N_COMMENTS.f_add(10)]).unwrap();
    assert_eq!(n, 3);
    let comments: Vec<i32> =
        Entry::objects().order_by([Entry::ID.asc()]).all(&db).unwrap().iter().map(|e| e.n_comments).collect();
    assert_eq!(comments, vec![10, 10, 0, 0, 10]);
}

#[test]
fn update_of_an_integer_choice_field_stores_the_value() {
    let db = setup();
    person(&db, "Ann", "Doe", "ann@example.com");
    Person::objects().update(&db, &[Person::SHIRT_SIZE.set(PersonShirtSize::Large)]).unwrap();
    assert_eq!(raw(&db, "people_person", "shirt_size", 1), "3");
}

#[test]
fn update_of_a_sliced_set_is_an_error() {
    let db = setup();
    entries(&db);
    let err = Entry::objects().limit(1).update(&db, &[Entry::RATING.set(0)]).unwrap_err();
    assert_eq!(err.to_string(), "Cannot update a query once a slice has been taken.");
}

#[test]
fn exact_none_on_a_nullable_column_is_isnull_as_in_django() {
    // Django: Person.objects.filter(birth_date=None) is `birth_date IS NULL`.
    let db = setup();
    let mut ann = person(&db, "Ann", "A", "ann@example.com");
    person(&db, "Bob", "B", "bob@example.com");
    ann.birth_date = Some(common::date(1990, 5, 1));
    ann.save(&db).unwrap();
    let unknown: Vec<String> =
        Person::objects().filter(Person::BIRTH_DATE.eq(None)).all(&db).unwrap().into_iter().map(|p| p.first_name).collect();
    assert_eq!(unknown, ["Bob"]);
    let known = Person::objects().filter(Person::BIRTH_DATE.eq(common::date(1990, 5, 1))).get(&db).unwrap();
    assert_eq!(known.first_name, "Ann");
    assert_eq!(Person::objects().filter(Person::BIRTH_DATE.isnull(true)).count(&db).unwrap(), 1);
}
