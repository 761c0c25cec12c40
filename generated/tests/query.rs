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
use modelgen_runtime::backend::Backend;
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
        let mut e = Entry::new(b.key().unwrap(), date(2024, 1, day));
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

/// Django's `limit_offset_sql` writes the numbers into the SQL. Django 5.2
/// gave, for `Entry.objects.filter(rating__gte=0)[2:5]`, `... WHERE
/// "weblog_entry"."rating" >= %s LIMIT 3 OFFSET 2` with params `(0,)`, for
/// `[5:]` `... LIMIT -1 OFFSET 5` and for `[:21]` `... LIMIT 21`, both
/// with no params.
#[test]
fn slicing_writes_limit_and_offset_into_the_sql_as_djangos_limit_offset_sql() {
    let (sql, params) = Entry::objects().filter(Entry::RATING.gte(0)).slice(2, Some(5)).sql_with_params().unwrap();
    assert!(sql.ends_with(r#"WHERE "rating" >= ? ORDER BY "pub_date" DESC LIMIT 3 OFFSET 2"#), "{sql}");
    assert_eq!(params.len(), 1);
    let (sql, params) = Entry::objects().order_by([]).offset(5).sql_with_params().unwrap();
    assert!(sql.ends_with(r#"FROM "weblog_entry" LIMIT -1 OFFSET 5"#), "{sql}");
    assert!(params.is_empty());
    let (sql, params) = Entry::objects().order_by([]).limit(21).sql_with_params().unwrap();
    assert!(sql.ends_with(r#"FROM "weblog_entry" LIMIT 21"#), "{sql}");
    assert!(params.is_empty());
    // The rows are those of the slice.
    let db = setup();
    entries(&db);
    let sliced = Entry::objects().order_by([Entry::ID.asc()]).slice(1, Some(3)).all(&db).unwrap();
    assert_eq!(sliced.iter().map(|e| e.id).collect::<Vec<_>>(), [Some(2), Some(3)]);
}

/// Django's `limit_offset_sql` writes the backend's `no_limit_value()` for
/// a slice with an offset only: the oracle (Django 5.2) gave, for
/// `Entry.objects.order_by("id")[2:]`, `... ORDER BY "id" ASC LIMIT -1
/// OFFSET 2` on SQLite and `... ORDER BY "id" ASC OFFSET 2` on PostgreSQL,
/// the last rows on both.
#[test]
fn slicing_with_an_offset_only_writes_the_backends_no_limit_value_as_django() {
    let db = setup();
    entries(&db);
    let ids = |entries: Vec<Entry>| entries.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let all = ids(Entry::objects().order_by([Entry::ID.asc()]).all(&db).unwrap());
    let past_two = Entry::objects().order_by([Entry::ID.asc()]).offset(2);
    let (sql, params) = past_two.sql_with_params_on(&db).unwrap();
    let expected = match db.backend() {
        Backend::Sqlite => r#" ORDER BY "id" ASC LIMIT -1 OFFSET 2"#,
        Backend::PostgreSql => r#" ORDER BY "id" ASC OFFSET 2"#,
    };
    assert!(sql.ends_with(expected), "{sql}");
    assert!(params.is_empty());
    assert_eq!(ids(past_two.all(&db).unwrap()), all[2..]);
}

/// `Model::get` and a ForeignKey's accessor keep Django's `get()`: one
/// query each, `DoesNotExist`, `MultipleObjectsReturned` (Django's
/// `Entry.objects.get(rating=5)` over two such rows).
#[test]
fn get_by_column_runs_one_query_and_keeps_djangos_get_errors() {
    let db = setup();
    entries(&db);
    let ((), queries) = db.count_queries(|| {
        for pk in [1, 2, 3, 1] {
            assert_eq!(Entry::get(&db, pk).unwrap().id, Some(pk));
        }
    });
    assert_eq!(queries, 4, "one SELECT per get()");
    assert!(matches!(Entry::get(&db, 99), Err(Error::DoesNotExist { .. })));
    let twice = modelgen_runtime::get_by_column::<Entry, i64>(&db, "rating", 5);
    assert!(matches!(twice, Err(Error::MultipleObjectsReturned { count: 2, .. })), "{twice:?}");
    let once: Entry = modelgen_runtime::get_by_column(&db, "rating", 4i64).unwrap();
    assert_eq!(once.headline, "Lennon speaks");
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

#[test]
fn get_counts_at_most_twenty_one_rows() {
    let db = setup();
    let b = blog(&db, "b");
    for day in 1..=25 {
        entry(&db, &b, "same", date(2024, 1, day));
    }
    let err = Entry::objects().get(&db).unwrap_err();
    assert!(
        matches!(err, Error::MultipleObjectsReturned { count, .. } if count == modelgen_runtime::MAX_GET_RESULTS),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "get() returned more than one Entry -- it returned more than 20!");
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
fn filter_range_includes_both_ends() {
    let db = setup();
    entries(&db);
    assert_eq!(
        matching(&db, Entry::PUB_DATE.range(date(2024, 1, 2), date(2024, 1, 3))),
        vec!["Lennon speaks", "lennon_fans 100%"]
    );
    assert_eq!(matching(&db, Entry::RATING.range(4, 5)), vec!["Lennon speaks", "Beatles reunion", "Ringo"]);
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
    let mut ann = person(&db, "Ann", "Doe", "ann@example.com");
    ann.birth_date = Some(date(1990, 5, 17));
    ann.save(&db).unwrap();
    person(&db, "Bob", "Roe", "bob@example.com");
    let born = Person::BIRTH_DATE.in_([None, Some(date(1990, 5, 17))]);
    assert_eq!(Person::objects().filter(born).count(&db).unwrap(), 1, "None is dropped from an in list, as in Django");
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
    // Case-insensitive for ASCII, as Django's `contains` on SQLite;
    // case-sensitive on PostgreSQL (`LIKE`), as Django's there.
    let lennon: &[&str] = if common::on_postgresql() { &["lennon_fans 100%"] } else { &["Lennon speaks", "lennon_fans 100%"] };
    assert_eq!(matching(&db, Entry::HEADLINE.contains("lennon")), lennon);
    assert_eq!(matching(&db, Entry::HEADLINE.startswith("Mc")), vec!["McCartney tours"]);
    // `%` and `_` are literal characters, not wildcards.
    assert_eq!(matching(&db, Entry::HEADLINE.contains("100%")), vec!["lennon_fans 100%"]);
    assert_eq!(matching(&db, Entry::HEADLINE.contains("n_f")), vec!["lennon_fans 100%"]);
    assert!(matching(&db, Entry::HEADLINE.contains("%s%")).is_empty());
    assert!(matching(&db, Entry::HEADLINE.startswith("_")).is_empty());
}

#[test]
fn case_insensitive_and_suffix_text_lookups_are_likes_with_escapes_as_django_on_sqlite() {
    let db = setup();
    let b = blog(&db, "b");
    for (day, headline) in
        ["100% Lennon", "1000 lennons", "under_score", "underXscore", r"back\slash"].iter().enumerate()
    {
        entry(&db, &b, headline, date(2024, 1, day as u32 + 1));
    }
    assert_eq!(matching(&db, Entry::HEADLINE.icontains("LENNON")), vec!["100% Lennon", "1000 lennons"]);
    assert_eq!(matching(&db, Entry::HEADLINE.icontains("0%")), vec!["100% Lennon"]);
    assert_eq!(matching(&db, Entry::HEADLINE.contains(r"\")), vec![r"back\slash"], "a backslash is literal too");
    assert_eq!(matching(&db, Entry::HEADLINE.istartswith("UNDER")), vec!["under_score", "underXscore"]);
    assert_eq!(matching(&db, Entry::HEADLINE.endswith("score")), vec!["under_score", "underXscore"]);
    assert_eq!(matching(&db, Entry::HEADLINE.endswith("_score")), vec!["under_score"]);
    assert_eq!(matching(&db, Entry::HEADLINE.iendswith("SCORE")), vec!["under_score", "underXscore"]);
    assert_eq!(matching(&db, Entry::HEADLINE.iexact("UNDER_SCORE")), vec!["under_score"]);
    assert!(matching(&db, Entry::HEADLINE.iexact("UNDERXSCORE_")).is_empty());
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
    let chained = Entry::objects().filter(draft()).filter(Entry::RATING.lt(5)).count(&db).unwrap();
    assert_eq!(chained, 1, "chained filters are ANDed");
}

#[test]
fn empty_condition_adds_nothing_even_negated_or_combined() {
    let db = setup();
    entries(&db);
    let count = |qs: modelgen_runtime::QuerySet<Entry>| qs.count(&db).unwrap();
    assert_eq!(count(Entry::objects().filter(modelgen_runtime::Condition::all())), 5);
    assert_eq!(count(Entry::objects().exclude(modelgen_runtime::Condition::all())), 5);
    assert_eq!(count(Entry::objects().filter(!modelgen_runtime::Condition::all())), 5);
    // Q(headline="Ringo") | Q() is Q(headline="Ringo") in Django.
    assert_eq!(count(Entry::objects().filter(Entry::HEADLINE.eq("Ringo") | modelgen_runtime::Condition::all())), 1);
    assert_eq!(count(Entry::objects().filter(Entry::HEADLINE.eq("Ringo") & !modelgen_runtime::Condition::all())), 1);
}

#[test]
fn exclude_on_a_nullable_column_keeps_the_null_rows_as_django() {
    // Django: exclude(birth_date=d) is NOT (birth_date = d AND birth_date IS NOT NULL).
    let db = setup();
    let born = date(1990, 5, 17);
    for (first, last, birth_date) in [("Ann", "A", Some(born)), ("Bob", "B", None), ("Cy", "C", Some(date(2000, 1, 1)))]
    {
        let mut p = person(&db, first, last, &format!("{first}@example.com"));
        p.birth_date = birth_date;
        p.save(&db).unwrap();
    }
    let firsts = |qs: modelgen_runtime::QuerySet<Person>| -> Vec<String> {
        qs.all(&db).unwrap().into_iter().map(|p| p.first_name).collect()
    };
    assert_eq!(firsts(Person::objects().exclude(Person::BIRTH_DATE.eq(born))), vec!["Bob", "Cy"]);
    assert_eq!(firsts(Person::objects().filter(Person::BIRTH_DATE.ne(born))), vec!["Bob", "Cy"]);
    assert_eq!(firsts(Person::objects().filter(!Person::BIRTH_DATE.lt(date(1995, 1, 1)))), vec!["Bob", "Cy"]);
    assert_eq!(firsts(Person::objects().exclude(!Person::BIRTH_DATE.eq(born))), vec!["Ann"], "double negation");
    assert_eq!(firsts(Person::objects().exclude(Person::BIRTH_DATE.eq(None))), vec!["Ann", "Cy"]);
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
        Sale::new(product.key().unwrap(), t).save(&db).unwrap();
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

#[test]
fn slicing_composes_like_djangos_set_limits() {
    let db = setup();
    entries(&db);
    let qs = Entry::objects().order_by([Entry::ID.asc()]);
    // qs[1:3][1:] is the third row.
    assert_eq!(headlines(qs.clone().slice(1, Some(3)).offset(1).all(&db).unwrap()), vec!["McCartney tours"]);
    assert_eq!(headlines(qs.clone().slice(1, Some(4)).limit(1).all(&db).unwrap()), vec!["Beatles reunion"]);
    assert_eq!(qs.clone().slice(1, Some(3)).count(&db).unwrap(), 2);
    assert!(qs.clone().offset(4).exists(&db).unwrap());
    assert!(!qs.clone().offset(5).exists(&db).unwrap());
    assert_eq!(qs.clone().limit(0).count(&db).unwrap(), 0);
    // get() of a slice keeps the slice's order.
    assert_eq!(qs.clone().slice(2, Some(3)).get(&db).unwrap().headline, "McCartney tours");
    let err = qs.clone().limit(1).filter(Entry::RATING.eq(1)).all(&db).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(err.to_string(), "Cannot filter a query once a slice has been taken.");
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
fn last_of_a_sliced_set_is_an_error_and_first_slices_within_the_slice() {
    let db = setup();
    entries(&db);
    let err = Entry::objects().limit(2).last(&db).unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
    assert_eq!(err.to_string(), "Cannot reverse a query once a slice has been taken.");
    assert_eq!(Entry::objects().offset(1).first(&db).unwrap().unwrap().headline, "Ringo");
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
    assert_eq!(Entry::objects().earliest_by(&db, &[Entry::RATING.asc()]).unwrap().headline, "lennon_fans 100%");
    assert_eq!(
        Entry::objects().latest_by(&db, &[Entry::RATING.desc()]).unwrap().headline,
        "lennon_fans 100%",
        "latest('-rating') is the lowest rating"
    );

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
        "earliest() and latest() need an ordering: Blog has no `get_latest_by`; pass the columns to earliest_by() / \
         latest_by() (e.g. `&[Blog::ID.asc()]`), or add `meta: {get_latest_by: <field>}` to Blog in the schema of app `weblog`"
    );
    assert_eq!(Blog::objects().latest_by(&db, &[Blog::NAME.asc()]).unwrap().name, "b", "fields given: no Meta needed");
    let err = Entry::objects().limit(1).latest(&db).unwrap_err();
    assert_eq!(err.to_string(), "Cannot change a query once a slice has been taken.");
}

// ---------------------------------------------------------------------------
// update on a filtered set
// ---------------------------------------------------------------------------

#[test]
fn update_on_a_filtered_set_writes_every_matching_row_and_returns_the_count() {
    let db = setup();
    entries(&db);
    db.execute_raw(r#"UPDATE "weblog_entry" SET "mod_date" = '2000-01-01'"#, &[]).unwrap();
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
    let comments: Vec<i64> =
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
fn update_with_no_assignments_is_zero_and_an_update_can_set_null() {
    let db = setup();
    entries(&db);
    assert_eq!(Entry::objects().update(&db, &[]).unwrap(), 0);
    let p = person(&db, "Ann", "Doe", "ann@example.com");
    Person::objects().update(&db, &[Person::BIRTH_DATE.set(Some(date(1990, 1, 1)))]).unwrap();
    assert_eq!(raw(&db, "people_person", "birth_date", p.id.unwrap()), "'1990-01-01'");
    Person::objects().update(&db, &[Person::BIRTH_DATE.set(None)]).unwrap();
    assert_eq!(raw(&db, "people_person", "birth_date", p.id.unwrap()), "NULL");
}

#[test]
fn update_with_relative_subtraction_division_and_modulo_is_computed_by_the_database() {
    let db = setup();
    entries(&db);
    Entry::objects().update(&db, &[Entry::N_COMMENTS.set_column(Entry::RATING)]).unwrap();
    Entry::objects().update(&db, &[Entry::N_COMMENTS.f_mul(7)]).unwrap();
    Entry::objects().update(&db, &[Entry::N_COMMENTS.f_sub(1)]).unwrap();
    Entry::objects().update(&db, &[Entry::N_COMMENTS.f_div(2)]).unwrap();
    Entry::objects().update(&db, &[Entry::N_COMMENTS.f_mod(5)]).unwrap();
    let comments: Vec<i64> =
        Entry::objects().order_by([Entry::ID.asc()]).all(&db).unwrap().iter().map(|e| e.n_comments).collect();
    // ratings 4, 5, 3, 1, 5: (r * 7 - 1) / 2 (integer division) % 5.
    assert_eq!(comments, vec![3, 2, 0, 3, 2]);
}

#[test]
fn pks_lists_the_primary_keys_in_the_sets_order() {
    let db = setup();
    entries(&db);
    let pks = Entry::objects().pks(&db).unwrap();
    // meta.ordering -pub_date: days 5, 4, 3, 2, 1 are entries 3, 5, 1, 4, 2.
    let ids: Vec<i64> = pks.into_iter().map(Key::get).collect();
    assert_eq!(ids, vec![3, 5, 1, 4, 2]);
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
    let err = Person::objects().filter(Person::BIRTH_DATE.lt(None)).all(&db).unwrap_err();
    assert_eq!(err.to_string(), "Cannot use None as a query value");
}
