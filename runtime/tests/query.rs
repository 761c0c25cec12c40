//! The typed query API with Django's QuerySet semantics.

mod common;

use common::*;
use modelgen_runtime::prelude::*;
use modelgen_runtime::MAX_GET_RESULTS;

/// Blog "b" with entries (headline, pub_date day in January 2024, rating).
fn entries(db: &Database, rows: &[(&str, u32, Option<i32>)]) -> Blog {
    let blog = create(db, Blog::new("b"));
    for (headline, day, rating) in rows {
        let mut e = Entry::new(&blog, headline, date(2024, 1, *day));
        e.rating = *rating;
        save(db, &mut e, SaveOptions::default()).unwrap();
    }
    blog
}

fn headlines(list: &[Entry]) -> Vec<&str> {
    list.iter().map(|e| e.headline.as_str()).collect()
}

fn standard(db: &Database) {
    entries(db, &[("one", 3, Some(1)), ("two", 1, Some(5)), ("three", 2, None), ("four", 5, Some(3))]);
}

#[test]
fn default_ordering_comes_from_meta_ordering() {
    let db = setup();
    standard(&db);
    let all = QuerySet::<Entry>::new().all(&db).unwrap();
    assert_eq!(headlines(&all), vec!["four", "one", "three", "two"]);
    let asc = QuerySet::<Entry>::new().order_by([Entry::PUB_DATE.asc()]).all(&db).unwrap();
    assert_eq!(headlines(&asc), vec!["two", "three", "one", "four"]);
    let reversed = QuerySet::<Entry>::new().reverse().all(&db).unwrap();
    assert_eq!(headlines(&reversed), vec!["two", "three", "one", "four"]);
    let by_pk = QuerySet::<Entry>::new().order_by([Entry::ID.desc()]).all(&db).unwrap();
    assert_eq!(headlines(&by_pk), vec!["four", "three", "two", "one"]);
    assert!(QuerySet::<Entry>::new().is_ordered());
    assert!(!QuerySet::<Entry>::new().order_by([]).is_ordered());
    assert!(!QuerySet::<Blog>::new().is_ordered());
}

#[test]
fn comparison_lookups() {
    let db = setup();
    standard(&db);
    let count = |c: Condition<Entry>| QuerySet::<Entry>::new().filter(c).count(&db).unwrap();
    assert_eq!(count(Entry::HEADLINE.eq("two")), 1);
    assert_eq!(count(Entry::RATING.lt(3)), 1);
    assert_eq!(count(Entry::RATING.lte(3)), 2);
    assert_eq!(count(Entry::RATING.gt(3)), 1);
    assert_eq!(count(Entry::RATING.gte(3)), 2);
    assert_eq!(count(Entry::PUB_DATE.range(date(2024, 1, 2), date(2024, 1, 3))), 2);
    assert_eq!(count(Entry::PUB_DATE.gt(date(2024, 1, 2))), 2);
    assert_eq!(count(Entry::RATING.in_([1, 3, 7])), 2);
    assert_eq!(count(Entry::RATING.isnull(true)), 1);
    assert_eq!(count(Entry::RATING.isnull(false)), 3);
}

#[test]
fn exact_none_is_isnull() {
    let db = setup();
    standard(&db);
    let nulls = QuerySet::<Entry>::new().filter(Entry::RATING.eq(None)).all(&db).unwrap();
    assert_eq!(headlines(&nulls), vec!["three"]);
    let err = QuerySet::<Entry>::new().filter(Entry::RATING.lt(None)).all(&db).unwrap_err();
    assert_eq!(err.to_string(), "Cannot use None as a query value");
}

#[test]
fn exclude_on_nullable_column_keeps_null_rows_like_django() {
    let db = setup();
    standard(&db);
    // Django: exclude(rating=5) -> NOT (rating = 5 AND rating IS NOT NULL)
    let rows = QuerySet::<Entry>::new().exclude(Entry::RATING.eq(5)).order_by([Entry::ID.asc()]).all(&db).unwrap();
    assert_eq!(headlines(&rows), vec!["one", "three", "four"]);
    let ne = QuerySet::<Entry>::new().filter(Entry::RATING.ne(5)).count(&db).unwrap();
    assert_eq!(ne, 3);
    let not_lt = QuerySet::<Entry>::new().filter(!Entry::RATING.lt(4)).count(&db).unwrap();
    assert_eq!(not_lt, 2, "five and the NULL row");
    // Double negation is the plain lookup again.
    let double = QuerySet::<Entry>::new().exclude(!Entry::RATING.eq(5)).count(&db).unwrap();
    assert_eq!(double, 1);
    let not_null = QuerySet::<Entry>::new().exclude(Entry::RATING.eq(None)).count(&db).unwrap();
    assert_eq!(not_null, 3);
}

#[test]
fn in_with_empty_list_matches_nothing_and_its_exclusion_everything() {
    let db = setup();
    standard(&db);
    let none: [i32; 0] = [];
    assert_eq!(QuerySet::<Entry>::new().filter(Entry::RATING.in_(none)).count(&db).unwrap(), 0);
    assert_eq!(QuerySet::<Entry>::new().exclude(Entry::RATING.in_(none)).count(&db).unwrap(), 4);
    assert_eq!(
        QuerySet::<Entry>::new().filter(Entry::RATING.in_([None, Some(5)])).count(&db).unwrap(),
        1,
        "None is dropped from an in list"
    );
}

#[test]
fn text_lookups_use_like_with_escapes_as_django_on_sqlite() {
    let db = setup();
    entries(
        &db,
        &[
            ("100% Lennon", 1, None),
            ("1000 lennons", 2, None),
            ("under_score", 3, None),
            ("underXscore", 4, None),
            (r"back\slash", 5, None),
        ],
    );
    let find = |c: Condition<Entry>| {
        let mut v: Vec<String> =
            QuerySet::<Entry>::new().filter(c).all(&db).unwrap().into_iter().map(|e| e.headline).collect();
        v.sort();
        v
    };
    assert_eq!(find(Entry::HEADLINE.contains("0%")), vec!["100% Lennon"]);
    assert_eq!(
        find(Entry::HEADLINE.contains("LENNON")),
        vec!["100% Lennon", "1000 lennons"],
        "contains is case-insensitive for ASCII on SQLite, as in Django"
    );
    assert_eq!(find(Entry::HEADLINE.icontains("lennon")).len(), 2);
    assert_eq!(find(Entry::HEADLINE.contains("_")), vec!["under_score"]);
    assert_eq!(find(Entry::HEADLINE.contains(r"\")), vec![r"back\slash"]);
    assert_eq!(find(Entry::HEADLINE.startswith("100")), vec!["100% Lennon", "1000 lennons"]);
    assert_eq!(find(Entry::HEADLINE.istartswith("UNDER")).len(), 2);
    assert_eq!(find(Entry::HEADLINE.endswith("score")).len(), 2);
    assert_eq!(find(Entry::HEADLINE.iendswith("SCORE")).len(), 2);
    assert_eq!(find(Entry::HEADLINE.iexact("UNDER_SCORE")), vec!["under_score"]);
}

#[test]
fn conditions_combine_with_and_or_not() {
    let db = setup();
    standard(&db);
    let q = Entry::RATING.eq(1).or(Entry::RATING.eq(3));
    assert_eq!(QuerySet::<Entry>::new().filter(q).count(&db).unwrap(), 2);
    let q = Entry::RATING.gte(1) & Entry::PUB_DATE.lt(date(2024, 1, 4));
    assert_eq!(QuerySet::<Entry>::new().filter(q).count(&db).unwrap(), 2);
    let q = (Entry::HEADLINE.eq("one") | Entry::HEADLINE.eq("two")).not();
    assert_eq!(QuerySet::<Entry>::new().filter(q).count(&db).unwrap(), 2);
    let chained =
        QuerySet::<Entry>::new().filter(Entry::RATING.isnull(false)).filter(Entry::RATING.lt(5)).count(&db).unwrap();
    assert_eq!(chained, 2);
    assert_eq!(QuerySet::<Entry>::new().filter(Condition::all()).count(&db).unwrap(), 4);
}

#[test]
fn empty_condition_adds_nothing_even_negated_or_combined() {
    let db = setup();
    standard(&db);
    let count = |qs: QuerySet<Entry>| qs.count(&db).unwrap();
    assert_eq!(count(QuerySet::new().exclude(Condition::all())), 4);
    assert_eq!(count(QuerySet::new().filter(!Condition::all())), 4);
    // Q(headline="one") | Q() is Q(headline="one") in Django.
    assert_eq!(count(QuerySet::new().filter(Entry::HEADLINE.eq("one") | Condition::all())), 1);
    assert_eq!(count(QuerySet::new().filter(Entry::HEADLINE.eq("one") & !Condition::all())), 1);
}

#[test]
fn values_are_bound_never_spliced() {
    let db = setup();
    let nasty = r#"x'); DROP TABLE "weblog_entry"; --"#;
    entries(&db, &[(nasty, 1, None)]);
    let found = QuerySet::<Entry>::new().filter(Entry::HEADLINE.eq(nasty)).get(&db).unwrap();
    assert_eq!(found.headline, nasty);
    assert_eq!(count_rows(&db, "weblog_entry"), 1);
}

#[test]
fn get_raises_does_not_exist_and_multiple_objects_returned() {
    let db = setup();
    standard(&db);
    let err = QuerySet::<Entry>::new().filter(Entry::HEADLINE.eq("nope")).get(&db).unwrap_err();
    assert!(matches!(err, Error::DoesNotExist { model: "Entry" }));
    assert_eq!(err.to_string(), "Entry matching query does not exist.");
    let err = QuerySet::<Entry>::new().filter(Entry::RATING.gte(3)).get(&db).unwrap_err();
    assert!(matches!(err, Error::MultipleObjectsReturned { model: "Entry", count: 2 }));
    assert_eq!(err.to_string(), "get() returned more than one Entry -- it returned 2!");
    let one = QuerySet::<Entry>::new().filter(Entry::HEADLINE.eq("two")).get(&db).unwrap();
    assert_eq!(one.rating, Some(5));
    assert!(!one.state.adding);
}

#[test]
fn get_counts_at_most_twenty_one_rows() {
    let db = setup();
    let rows: Vec<(&str, u32, Option<i32>)> = (1..=25).map(|d| ("x", d, None)).collect();
    entries(&db, &rows);
    let err = QuerySet::<Entry>::new().get(&db).unwrap_err();
    assert!(matches!(
        err,
        Error::MultipleObjectsReturned { count, .. } if count == MAX_GET_RESULTS
    ));
    assert_eq!(err.to_string(), "get() returned more than one Entry -- it returned more than 20!");
}

#[test]
fn get_by_pk() {
    let db = setup();
    standard(&db);
    let e = QuerySet::<Entry>::new().filter(Condition::pk(3i64)).get(&db).unwrap();
    assert_eq!(e.headline, "three");
    let tag = create(&db, Tag { slug: "s".into(), label: "l".into(), ..Tag::default() });
    let loaded = QuerySet::<Tag>::new().filter(Condition::pk(tag.slug.clone())).get(&db).unwrap();
    assert_eq!(loaded.label, "l");
}

#[test]
fn first_and_last_follow_ordering_or_pk() {
    let db = setup();
    standard(&db);
    let qs = QuerySet::<Entry>::new();
    // meta.ordering = -pub_date
    assert_eq!(qs.first(&db).unwrap().unwrap().headline, "four");
    assert_eq!(qs.last(&db).unwrap().unwrap().headline, "two");
    let unordered = QuerySet::<Entry>::new().order_by([]);
    assert_eq!(unordered.first(&db).unwrap().unwrap().headline, "one");
    assert_eq!(unordered.last(&db).unwrap().unwrap().headline, "four");
    let by_rating = QuerySet::<Entry>::new().filter(Entry::RATING.isnull(false)).order_by([Entry::RATING.asc()]);
    assert_eq!(by_rating.first(&db).unwrap().unwrap().headline, "one");
    assert_eq!(by_rating.last(&db).unwrap().unwrap().headline, "two");
    let empty = QuerySet::<Entry>::new().filter(Entry::HEADLINE.eq("nope"));
    assert!(empty.first(&db).unwrap().is_none());
    assert!(empty.last(&db).unwrap().is_none());
    let blogs = QuerySet::<Blog>::new();
    assert_eq!(blogs.first(&db).unwrap().unwrap().id, Some(1));
}

#[test]
fn last_of_sliced_query_is_misuse() {
    let db = setup();
    standard(&db);
    let err = QuerySet::<Entry>::new().limit(2).last(&db).unwrap_err();
    assert_eq!(err.to_string(), "Cannot reverse a query once a slice has been taken.");
    // first() of a sliced, ordered query slices within the slice.
    let first = QuerySet::<Entry>::new().offset(1).first(&db).unwrap().unwrap();
    assert_eq!(first.headline, "one");
}

#[test]
fn latest_and_earliest_use_get_latest_by() {
    let db = setup();
    standard(&db);
    let qs = QuerySet::<Entry>::new();
    assert_eq!(qs.latest(&db).unwrap().headline, "four");
    assert_eq!(qs.earliest(&db).unwrap().headline, "two");
    let filtered = qs.clone().filter(Entry::RATING.isnull(false));
    assert_eq!(filtered.latest_by(&db, &[Entry::RATING.asc()]).unwrap().headline, "two");
    assert_eq!(filtered.earliest_by(&db, &[Entry::RATING.asc()]).unwrap().headline, "one");
    assert_eq!(
        filtered.latest_by(&db, &[Entry::RATING.desc()]).unwrap().headline,
        "one",
        "latest('-rating') is the lowest rating"
    );
}

#[test]
fn latest_of_empty_query_is_does_not_exist() {
    let db = setup();
    let err = QuerySet::<Entry>::new().latest(&db).unwrap_err();
    assert!(err.is_does_not_exist());
}

#[test]
fn latest_without_get_latest_by_is_misuse() {
    let db = setup();
    create(&db, Blog::new("a"));
    let err = QuerySet::<Blog>::new().latest(&db).unwrap_err();
    assert_eq!(
        err.to_string(),
        "earliest() and latest() require either fields as positional arguments or 'get_latest_by' in the model's Meta."
    );
    assert_eq!(QuerySet::<Blog>::new().latest_by(&db, &[Blog::NAME.asc()]).unwrap().name, "a");
    let err = QuerySet::<Entry>::new().limit(1).latest(&db).unwrap_err();
    assert_eq!(err.to_string(), "Cannot change a query once a slice has been taken.");
}

#[test]
fn slicing_composes_like_django_set_limits() {
    let db = setup();
    standard(&db);
    let qs = QuerySet::<Entry>::new().order_by([Entry::ID.asc()]);
    assert_eq!(headlines(&qs.clone().limit(2).all(&db).unwrap()), vec!["one", "two"]);
    assert_eq!(headlines(&qs.clone().offset(1).all(&db).unwrap()), vec!["two", "three", "four"]);
    assert_eq!(headlines(&qs.clone().slice(1, Some(3)).all(&db).unwrap()), vec!["two", "three"]);
    // qs[1:3][1:] -> "three"
    assert_eq!(headlines(&qs.clone().slice(1, Some(3)).offset(1).all(&db).unwrap()), vec!["three"]);
    assert_eq!(qs.clone().slice(1, Some(3)).count(&db).unwrap(), 2);
    assert_eq!(qs.clone().offset(3).count(&db).unwrap(), 1);
    assert!(qs.clone().offset(3).exists(&db).unwrap());
    assert!(!qs.clone().offset(4).exists(&db).unwrap());
    assert_eq!(qs.clone().limit(0).count(&db).unwrap(), 0);
    let err = qs.clone().limit(1).filter(Entry::RATING.eq(1)).all(&db).unwrap_err();
    assert_eq!(err.to_string(), "Cannot filter a query once a slice has been taken.");
    // get() of a slice keeps the slice's order.
    assert_eq!(qs.clone().slice(2, Some(3)).get(&db).unwrap().headline, "three");
}

#[test]
fn count_and_exists() {
    let db = setup();
    assert!(!QuerySet::<Entry>::new().exists(&db).unwrap());
    standard(&db);
    assert_eq!(QuerySet::<Entry>::new().count(&db).unwrap(), 4);
    assert!(QuerySet::<Entry>::new().exists(&db).unwrap());
    assert!(!QuerySet::<Entry>::new().filter(Entry::HEADLINE.eq("zzz")).exists(&db).unwrap());
}

#[test]
fn update_with_values_and_relative_f_expressions() {
    let db = setup();
    for (name, sold) in [("a", 1), ("b", 2), ("c", 3)] {
        create(&db, Product { name: name.into(), number_sold: sold, ..Product::default() });
    }
    let n = QuerySet::<Product>::new()
        .filter(Product::NUMBER_SOLD.gte(2))
        .update(&db, &[Product::NUMBER_SOLD.f_add(10)])
        .unwrap();
    assert_eq!(n, 2);
    let n = QuerySet::<Product>::new().update(&db, &[Product::NUMBER_SOLD.f_mul(2), Product::NAME.set("x")]).unwrap();
    assert_eq!(n, 3);
    let sold: Vec<i32> =
        QuerySet::<Product>::new().order_by([Order::pk()]).all(&db).unwrap().iter().map(|p| p.number_sold).collect();
    assert_eq!(sold, vec![2, 24, 26]);
    QuerySet::<Product>::new().update(&db, &[Product::NUMBER_SOLD.f_sub(2)]).unwrap();
    QuerySet::<Product>::new().update(&db, &[Product::NUMBER_SOLD.f_div(2)]).unwrap();
    QuerySet::<Product>::new().update(&db, &[Product::NUMBER_SOLD.f_mod(5)]).unwrap();
    let sold: Vec<i32> =
        QuerySet::<Product>::new().order_by([Order::pk()]).all(&db).unwrap().iter().map(|p| p.number_sold).collect();
    assert_eq!(sold, vec![0, 1, 2]);
    assert_eq!(QuerySet::<Product>::new().filter(Product::NAME.eq("x")).count(&db).unwrap(), 3);
}

#[test]
fn update_of_sliced_query_is_misuse_and_empty_update_is_zero() {
    let db = setup();
    standard(&db);
    let err = QuerySet::<Entry>::new().limit(1).update(&db, &[Entry::N_COMMENTS.set(1)]).unwrap_err();
    assert_eq!(err.to_string(), "Cannot update a query once a slice has been taken.");
    assert_eq!(QuerySet::<Entry>::new().update(&db, &[]).unwrap(), 0);
    // An update sets NULL and copies columns.
    QuerySet::<Entry>::new().update(&db, &[Entry::RATING.set(None)]).unwrap();
    assert_eq!(QuerySet::<Entry>::new().filter(Entry::RATING.isnull(true)).count(&db).unwrap(), 4);
}

#[test]
fn queryset_delete_of_sliced_query_is_misuse() {
    let db = setup();
    standard(&db);
    let err = QuerySet::<Entry>::new().limit(1).delete(&db).unwrap_err();
    assert_eq!(err.to_string(), "Cannot use 'limit' or 'offset' with delete().");
}

#[test]
fn pks_lists_primary_keys_in_order() {
    let db = setup();
    standard(&db);
    let pks = QuerySet::<Entry>::new().pks(&db).unwrap();
    assert_eq!(pks, vec![Value::Integer(4), Value::Integer(1), Value::Integer(3), Value::Integer(2)]);
}

#[test]
fn filters_on_dates_uuids_and_datetimes_compare_stored_text() {
    let db = setup();
    let u = modelgen_runtime::uuid::Uuid::new_v4();
    create(&db, Sample { d: Some(date(2024, 3, 1)), u: Some(u), ..Sample::default() });
    assert_eq!(QuerySet::<Sample>::new().filter(Sample::U.eq(u)).count(&db).unwrap(), 1);
    assert_eq!(QuerySet::<Sample>::new().filter(Sample::D.lt(date(2024, 12, 1))).count(&db).unwrap(), 1);
}
