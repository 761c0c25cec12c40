//! aggregate(), annotate(), values_list(), in_bulk(), iteration and
//! batched prefetching, on the weblog models of Django's "Making queries"
//! documentation. Every expected value is what Django 5.2 returned for the
//! same data and the same query on SQLite (run through the oracle in
//! /work/shared/tools/django-oracle; the Django spelling is beside each).

mod common;

use common::*;
use modelgen_examples::publishing::{Book, Edition};
use modelgen_examples::weblog::{Author, Blog, Entry};
use modelgen_runtime::prelude::*;
use modelgen_runtime::rust_decimal::Decimal;
use modelgen_runtime::NaiveDate;

// ---------------------------------------------------------------------------
// aggregate()
// ---------------------------------------------------------------------------

/// `Entry.objects.aggregate(Count("id"), Sum("rating"), Avg("rating"),
/// Min("rating"), Max("pub_date"))`: Django gave {'c': 4, 's': 14, 'a':
/// 3.5, 'mn': 2, 'mx': date(2010, 1, 1)}: Avg of integers is a float.
#[test]
fn aggregate_count_sum_avg_min_max_as_django() {
    let db = setup_weblog();
    let got = Entry::objects()
        .aggregate(
            &db,
            (Count(Entry::ID), Sum(Entry::RATING), Avg(Entry::RATING), Min(Entry::RATING), Max(Entry::PUB_DATE)),
        )
        .unwrap();
    assert_eq!(got, (4, Some(14), Some(3.5), Some(2), Some(date(2010, 1, 1))));
    // One aggregate alone is its value.
    let count: i64 = Entry::objects().aggregate(&db, Count(Entry::ID)).unwrap();
    assert_eq!(count, 4);
}

/// On no rows Django gave {'c': 0, 's': None, 'a': None, 'mn': None,
/// 'mx': None}: Count is 0, the others None.
#[test]
fn aggregate_over_no_rows_is_zero_count_and_none_as_django() {
    let db = setup_weblog();
    let got = Entry::objects()
        .filter(Entry::RATING.gt(10))
        .aggregate(
            &db,
            (Count(Entry::ID), Sum(Entry::RATING), Avg(Entry::RATING), Min(Entry::RATING), Max(Entry::PUB_DATE)),
        )
        .unwrap();
    assert_eq!(got, (0, None, None, None, None));
}

/// `Blog.objects.aggregate(Count("entries"), Count("entries__authors",
/// distinct=True), Sum("entries__rating"))`: Django gave 5, 2, 19 (the
/// LEFT OUTER JOINs give "Empty" one row and the two-author entry two).
#[test]
fn aggregate_over_relation_paths_joins_as_django() {
    let db = setup_weblog();
    let got = Blog::objects()
        .aggregate(
            &db,
            (
                Count(Blog::ENTRIES_REL),
                Count(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL)).distinct(),
                Sum(Blog::ENTRIES_REL.then(Entry::RATING)),
            ),
        )
        .unwrap();
    assert_eq!(got, (5, 2, Some(19)));
}

/// `aggregate(Count("rating", distinct=True), Sum("blog_id",
/// distinct=True), Avg("blog_id", distinct=True))`: Django gave 4, 3, 1.5
/// (the blog ids 1 and 2, each once); `Count("blog", distinct=True)` 2.
#[test]
fn aggregate_distinct_count_sum_avg_as_django() {
    let db = setup_weblog();
    let blog_id = || Entry::BLOG_REL.then(Blog::ID);
    let got = Entry::objects()
        .aggregate(
            &db,
            (
                Count(Entry::RATING).distinct(),
                Sum(blog_id()).distinct(),
                Avg(blog_id()).distinct(),
                Count(Entry::BLOG).distinct(),
            ),
        )
        .unwrap();
    assert_eq!(got, (4, Some(3), Some(1.5), 2));
}

/// `Entry.objects.order_by("id")[:2].aggregate(Sum("rating"),
/// Count("id"))` gave 9, 2 and `[1:3]` gave 8: the aggregate is over the
/// slice (Django's subquery). `filter(authors__email__contains="x")`
/// gave 17 (a row per author) and with `.distinct()` 12 (a row per entry).
#[test]
fn aggregate_over_sliced_or_distinct_query_uses_subquery_as_django() {
    let db = setup_weblog();
    assert_eq!(entries().limit(2).aggregate(&db, (Sum(Entry::RATING), Count(Entry::ID))).unwrap(), (Some(9), 2));
    assert_eq!(entries().slice(1, Some(3)).aggregate(&db, Sum(Entry::RATING)).unwrap(), Some(8));
    let by_author = Entry::objects().filter(Entry::AUTHORS_REL.then(Author::EMAIL).contains("x"));
    assert_eq!(by_author.aggregate(&db, Sum(Entry::RATING)).unwrap(), Some(17));
    assert_eq!(by_author.distinct().aggregate(&db, Sum(Entry::RATING)).unwrap(), Some(12));
}

/// Edition prices 10.10, 0.25, 3 (DecimalField(8, 2)) and numbers 1, 2, 3:
/// Django gave Sum Decimal('13.3500000000000'), Avg
/// Decimal('4.45000000000000'), Min Decimal('0.25'), Max
/// Decimal('10.1000000000000'), Avg of the integers 2.0 (a float), Sum 6;
/// on no rows Sum and Avg None. A DecimalField's Sum and Avg are decimals.
#[test]
fn aggregate_of_decimal_field_is_decimal_as_django() {
    let db = common::empty_database();
    db.create_tables(&[&modelgen_examples::publishing::APP]).unwrap();
    for (number, price) in [(1, "10.10"), (2, "0.25"), (3, "3")] {
        // One book each: the schema makes an edition's book unique.
        let mut book = Book::new();
        book.title = format!("Dune {number}");
        book.manuscript = "manuscripts/2024/a.pdf".into();
        book.save(&db).unwrap();
        let mut e = Edition::new(book.key().unwrap(), number, price.parse().unwrap());
        e.isbn = format!("isbn{number}");
        e.save(&db).unwrap();
    }
    let dec = |s: &str| s.parse::<Decimal>().unwrap();
    let got = Edition::objects()
        .aggregate(
            &db,
            (
                Sum(Edition::PRICE),
                Avg(Edition::PRICE),
                Min(Edition::PRICE),
                Max(Edition::PRICE),
                Avg(Edition::NUMBER),
                Sum(Edition::NUMBER),
            ),
        )
        .unwrap();
    assert_eq!(got, (Some(dec("13.35")), Some(dec("4.45")), Some(dec("0.25")), Some(dec("10.1")), Some(2.0), Some(6)));
    let none =
        Edition::objects().filter(Edition::NUMBER.eq(9)).aggregate(&db, (Sum(Edition::PRICE), Avg(Edition::PRICE)));
    assert_eq!(none.unwrap(), (None, None));
}

/// Django: `Entry.objects.aggregate(Max("rating", distinct=True))` is
/// "TypeError: Max does not allow distinct." Here `distinct()` is not
/// there on Min and Max (a compile error); a plain column is not an
/// aggregate.
#[test]
fn aggregate_rejects_a_plain_column() {
    let db = setup_weblog();
    let err = Entry::objects().aggregate(&db, (Count(Entry::ID), Entry::RATING)).unwrap_err();
    assert_eq!(err.to_string(), "rating is not an aggregate expression");
}

// ---------------------------------------------------------------------------
// annotate()
// ---------------------------------------------------------------------------

/// `Blog.objects.annotate(n=Count("entries")).order_by("id")`: Django gave
/// [('Beatles Blog', 2), ('Pop Music Blog', 2), ('Empty', 0)], with
/// `LEFT OUTER JOIN ... GROUP BY` every column of the blog.
#[test]
fn annotate_count_of_reverse_foreign_key_groups_by_model_as_django() {
    let db = setup_weblog();
    let qs = blogs().annotate(Count(Blog::ENTRIES_REL));
    let got: Vec<(String, i64)> = qs.all(&db).unwrap().into_iter().map(|(b, n)| (b.name, n)).collect();
    assert_eq!(got, vec![("Beatles Blog".into(), 2), ("Pop Music Blog".into(), 2), ("Empty".into(), 0)]);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert_eq!(
        sql,
        "SELECT \"weblog_blog\".\"id\", \"weblog_blog\".\"name\", \"weblog_blog\".\"tagline\", \"weblog_blog\".\"featured_id\", \
         COUNT(\"weblog_entry\".\"id\") FROM \"weblog_blog\" LEFT OUTER JOIN \"weblog_entry\" ON (\"weblog_blog\".\"id\" = \
         \"weblog_entry\".\"blog_id\") GROUP BY \"weblog_blog\".\"id\", \"weblog_blog\".\"name\", \"weblog_blog\".\"tagline\", \
         \"weblog_blog\".\"featured_id\" ORDER BY \"weblog_blog\".\"id\" ASC"
    );
}

/// Django's documented caveat ("Combining multiple aggregations"): two
/// aggregates across multi-valued joins multiply. `annotate(n=Count(
/// "entries"), a=Count("entries__authors"))` gave [('Beatles Blog', 3,
/// 3), ('Pop Music Blog', 2, 1), ('Empty', 0, 0)] (Beatles has 2
/// entries); `Count("entries__authors", distinct=True)` gave 2, 1, 0.
#[test]
fn annotate_two_counts_across_multi_valued_joins_multiply_as_django() {
    let db = setup_weblog();
    let got: Vec<(String, (i64, i64))> = blogs()
        .annotate((Count(Blog::ENTRIES_REL), Count(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL))))
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|(b, n)| (b.name, n))
        .collect();
    assert_eq!(got, vec![("Beatles Blog".into(), (3, 3)), ("Pop Music Blog".into(), (2, 1)), ("Empty".into(), (0, 0))]);
    let distinct: Vec<i64> = blogs()
        .annotate(Count(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL)).distinct())
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(distinct, vec![2, 1, 0]);
}

/// `annotate(s=Sum("entries__rating"), a=Avg(...), mx=Max("entries__pub_date"))`
/// gave (9, 4.5, 2008-06-01), (5, 2.5, 2010-01-01), (None, None, None)
/// for "Empty".
#[test]
fn annotate_sum_avg_max_none_without_related_rows_as_django() {
    let db = setup_weblog();
    let got: Vec<(Option<i64>, Option<f64>, Option<NaiveDate>)> = blogs()
        .annotate((
            Sum(Blog::ENTRIES_REL.then(Entry::RATING)),
            Avg(Blog::ENTRIES_REL.then(Entry::RATING)),
            Max(Blog::ENTRIES_REL.then(Entry::PUB_DATE)),
        ))
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(9), Some(4.5), Some(date(2008, 6, 1))),
            (Some(5), Some(2.5), Some(date(2010, 1, 1))),
            (None, None, None)
        ]
    );
}

/// `Blog.objects.filter(entries__rating__gte=4).annotate(n=Count("entries"))`:
/// Django gave [('Beatles Blog', 2)]: the annotation reuses the filter's
/// join, so it counts the matching entries only.
#[test]
fn annotate_after_filter_counts_the_filtered_join_as_django() {
    let db = setup_weblog();
    let got: Vec<(String, i64)> = blogs()
        .filter(Blog::ENTRIES_REL.then(Entry::RATING).gte(4))
        .annotate(Count(Blog::ENTRIES_REL))
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|(b, n)| (b.name, n))
        .collect();
    assert_eq!(got, vec![("Beatles Blog".into(), 2)]);
}

// ---------------------------------------------------------------------------
// values_list()
// ---------------------------------------------------------------------------

/// `Entry.objects.values_list("headline", "pub_date")` (default ordering
/// -pub_date) gave [('Lennon tribute', 2010-01-01), ('Pop in 2008',
/// 2008-12-24), ('All about 2008', 2008-06-01), ('Lennon speaks',
/// 2008-03-01)]; `flat=True` of "headline" the headlines alone.
#[test]
fn values_list_typed_tuples_and_flat_as_django() {
    let db = setup_weblog();
    let got: Vec<(String, NaiveDate)> = Entry::objects().values_list(&db, (Entry::HEADLINE, Entry::PUB_DATE)).unwrap();
    assert_eq!(
        got,
        vec![
            ("Lennon tribute".into(), date(2010, 1, 1)),
            ("Pop in 2008".into(), date(2008, 12, 24)),
            ("All about 2008".into(), date(2008, 6, 1)),
            ("Lennon speaks".into(), date(2008, 3, 1)),
        ]
    );
    let flat: Vec<String> = Entry::objects().values_list(&db, Entry::HEADLINE).unwrap();
    assert_eq!(flat, ["Lennon tribute", "Pop in 2008", "All about 2008", "Lennon speaks"]);
}

/// `values_list("headline", "blog__name")` gave the blog's name per
/// entry; `values_list("headline", "authors__name")` a row per author and
/// None for the entry without one.
#[test]
fn values_list_through_relation_paths_as_django() {
    let db = setup_weblog();
    let got: Vec<(String, String)> =
        entries().values_list(&db, (Entry::HEADLINE, Entry::BLOG_REL.then(Blog::NAME))).unwrap();
    assert_eq!(
        got,
        vec![
            ("Lennon speaks".into(), "Beatles Blog".into()),
            ("All about 2008".into(), "Beatles Blog".into()),
            ("Lennon tribute".into(), "Pop Music Blog".into()),
            ("Pop in 2008".into(), "Pop Music Blog".into()),
        ]
    );
    // A missing related row is NULL: read it as an Option.
    let names: Vec<(i64, Option<i64>)> =
        entries().values_list(&db, (Entry::ID, Entry::AUTHORS_REL.then(Author::ID).optional())).unwrap();
    assert_eq!(names, vec![(1, Some(1)), (2, Some(1)), (2, Some(2)), (3, Some(2)), (4, None)]);
}

/// `values_list("blog__name", flat=True).distinct()` after `order_by()`
/// gave ['Beatles Blog', 'Pop Music Blog']; with the default ordering
/// (-pub_date) `values_list("blog_id", flat=True).distinct()` gave
/// [2, 2, 1, 1]: Django selects the ordering's column too, so DISTINCT
/// keeps rows that differ in it.
#[test]
fn values_list_distinct_selects_ordering_columns_as_django() {
    let db = setup_weblog();
    let names: Vec<String> =
        Entry::objects().order_by([]).distinct().values_list(&db, Entry::BLOG_REL.then(Blog::NAME)).unwrap();
    assert_eq!(common::unordered_on_postgresql(names), ["Beatles Blog", "Pop Music Blog"]);
    let ids: Vec<Key<Blog>> = Entry::objects().distinct().values_list(&db, Entry::BLOG).unwrap();
    assert_eq!(ids.iter().map(|k| k.get()).collect::<Vec<i64>>(), [2, 2, 1, 1]);
}

/// `values_list("blog").annotate(Count("id"))` gave [(1, 2), (2, 2)]
/// (`GROUP BY blog_id`, the default ordering dropped);
/// `values_list("blog__name").annotate(Sum("rating")).order_by("blog__name")`
/// gave [('Beatles Blog', 9), ('Pop Music Blog', 5)].
#[test]
fn values_list_with_aggregate_groups_by_the_columns_as_django() {
    let db = setup_weblog();
    let got: Vec<(Key<Blog>, i64)> = Entry::objects().values_list(&db, (Entry::BLOG, Count(Entry::ID))).unwrap();
    assert_eq!(common::unordered_on_postgresql(got.iter().map(|(k, n)| (k.get(), *n)).collect::<Vec<_>>()), [(1, 2), (2, 2)]);
    let by_name: Vec<(String, Option<i64>)> = Entry::objects()
        .order_by([Entry::BLOG_REL.then(Blog::NAME).asc()])
        .values_list(&db, (Entry::BLOG_REL.then(Blog::NAME), Sum(Entry::RATING)))
        .unwrap();
    assert_eq!(by_name, vec![("Beatles Blog".into(), Some(9)), ("Pop Music Blog".into(), Some(5))]);
}

// ---------------------------------------------------------------------------
// Slicing, in_bulk, iteration, prefetch batches
// ---------------------------------------------------------------------------

/// Django: `Entry.objects.all()[:1].filter(id=1)` is "TypeError: Cannot
/// filter a query once a slice has been taken."; `[-1]` is "ValueError:
/// Negative indexing is not supported." (here offsets are `usize`: a
/// negative one does not compile).
#[test]
fn slicing_then_filtering_is_an_error_as_django() {
    let db = setup_weblog();
    let err = entries().limit(1).filter(Entry::ID.eq(1)).all(&db).unwrap_err();
    assert_eq!(err.to_string(), "Cannot filter a query once a slice has been taken.");
    let heads: Vec<String> = entries().slice(1, Some(3)).values_list(&db, Entry::HEADLINE).unwrap();
    assert_eq!(heads, ["All about 2008", "Lennon tribute"]);
}

/// `Entry.objects.in_bulk([1, 3, 99])` gave {3: 'Lennon tribute', 1:
/// 'Lennon speaks'}; `in_bulk([])` {} (no query); `field_name="headline"`
/// "ValueError: in_bulk()'s field_name must be a unique field but
/// 'headline' isn't."; on a slice "TypeError: Cannot use 'limit' or
/// 'offset' with in_bulk()."
#[test]
fn in_bulk_maps_keys_to_rows_as_django() {
    let db = setup_weblog();
    let got = Entry::objects().in_bulk(&db, [1i64, 3, 99]).unwrap();
    let heads: Vec<(i64, String)> = got.into_iter().map(|(k, e)| (k, e.headline)).collect();
    assert_eq!(heads, vec![(1, "Lennon speaks".into()), (3, "Lennon tribute".into())]);
    let (empty, queries) = db.count_queries(|| Entry::objects().in_bulk(&db, Vec::<i64>::new()));
    assert!(empty.unwrap().is_empty());
    assert_eq!(queries, 0);
    let err = Entry::objects().in_bulk_by_column(&db, Entry::HEADLINE, ["x".to_string()]).unwrap_err();
    assert_eq!(err.to_string(), "in_bulk()'s field_name must be a unique field but 'headline' isn't.");
    let err = entries().limit(1).in_bulk(&db, [1i64]).unwrap_err();
    assert_eq!(err.to_string(), "Cannot use 'limit' or 'offset' with in_bulk().");
}

/// in_bulk of 2,000 keys runs in batches of MAX_QUERY_PARAMS (999): three
/// queries, every row found.
#[test]
fn in_bulk_batches_under_sqlite_variable_limit() {
    let db = setup_weblog();
    let ids: Vec<i64> = (1..=2000).collect();
    let (got, queries) = db.count_queries(|| Entry::objects().in_bulk(&db, ids.clone()));
    assert_eq!(got.unwrap().keys().copied().collect::<Vec<i64>>(), [1, 2, 3, 4]);
    assert_eq!(queries, 3);
}

/// Django's `iterator()`: the rows one by one, in order, while the
/// callback may query the database itself.
#[test]
fn iterator_streams_rows_in_order() {
    let db = setup_weblog();
    let mut seen = Vec::new();
    entries()
        .for_each(&db, |e| {
            // A query of its own while the rows stream.
            let blog = Blog::objects().filter(Blog::ID.eq(e.blog_id)).get(&db)?;
            // The same statement again, while the outer one is being read.
            assert_eq!(entries().all(&db)?.len(), 4);
            seen.push(format!("{} ({})", e.headline, blog.name));
            Ok(())
        })
        .unwrap();
    assert_eq!(
        seen,
        [
            "Lennon speaks (Beatles Blog)",
            "All about 2008 (Beatles Blog)",
            "Lennon tribute (Pop Music Blog)",
            "Pop in 2008 (Pop Music Blog)"
        ]
    );
    // An error from the callback: see the next test.
}

/// Django's `iterator()` over more rows than one fetch: on PostgreSQL
/// through a server-side cursor (Django's `chunked_cursor`: `NO SCROLL`,
/// holdable outside a transaction, not inside one), 2,000 rows a FETCH.
/// Every row arrives once, in order; the callback may write in autocommit
/// and nest a second iteration; the cursor is closed afterwards, also when
/// the callback fails.
#[test]
fn iterator_over_more_rows_than_one_fetch_streams_every_row_once_as_django() {
    let db = setup();
    let blog = blog(&db, "Many");
    let mut many: Vec<Entry> = (0..4500)
        .map(|i| {
            let mut e = Entry::new(blog.key().unwrap(), date(2024, 1, 1));
            e.headline = format!("entry {i}");
            e
        })
        .collect();
    Entry::objects().bulk_create(&db, &mut many).unwrap();
    // The cursors PostgreSQL holds open for this session: (name,
    // holdable, scrollable).
    let cursors = |db: &Database| -> Vec<String> {
        query(db, "SELECT name, is_holdable, is_scrollable FROM pg_cursors WHERE name <> '' ORDER BY name", &[])
            .iter()
            .map(|row| format!("{} {} {}", scalar_text_of(&row[0..1]), i64_of(&row[1]), i64_of(&row[2])))
            .collect()
    };
    let mut seen = Vec::new();
    let mut open_inside = Vec::new();
    entries()
        .for_each(&db, |e| {
            if seen.is_empty() && on_postgresql() {
                open_inside = cursors(&db);
            }
            if seen.len() == 2500 {
                // A write between two FETCHes, outside any transaction.
                let mut b = Blog::new();
                b.name = "written while iterating".into();
                b.save(&db)?;
                // A second iteration inside the first.
                let mut inner = 0;
                entries().filter(Entry::ID.lte(3)).for_each(&db, |_| {
                    inner += 1;
                    Ok(())
                })?;
                assert_eq!(inner, 3);
            }
            seen.push(e.id.unwrap());
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, (1..=4500).collect::<Vec<i64>>());
    assert_eq!(Blog::objects().filter(Blog::NAME.eq("written while iterating")).count(&db).unwrap(), 1);
    if on_postgresql() {
        // Django 5.2 (postgresql/base.py, create_cursor): a named cursor,
        // scrollable=False, withhold=connection.autocommit.
        assert_eq!(open_inside, ["_modelgen_cursor_0 1 0"]);
        assert!(cursors(&db).is_empty(), "closed after the last row");
        let mut inside = Vec::new();
        db.transaction(|db| {
            entries().limit(1).for_each(db, |_| {
                inside = cursors(db);
                Ok(())
            })
        })
        .unwrap();
        assert_eq!(inside, ["_modelgen_cursor_0 0 0"], "not holdable inside a transaction");
    }
    // A failing callback stops the rows and closes the cursor.
    let mut read = 0;
    let err = entries()
        .for_each(&db, |_| {
            read += 1;
            Err(modelgen_runtime::Error::Misuse("stop".into()))
        })
        .unwrap_err();
    assert_eq!((read, err.to_string()), (1, "stop".to_string()));
    if on_postgresql() {
        assert!(cursors(&db).is_empty(), "closed after the callback failed");
    }
}

/// prefetch_related of 1,200 blogs sends its keys in batches of 999: one
/// query for the blogs and two for their entries, each entry with its blog.
#[test]
fn prefetch_related_batches_keys_under_sqlite_variable_limit() {
    let db = setup_weblog();
    for i in 0..1197 {
        let mut b = Blog::new();
        b.name = format!("blog {i}");
        b.save(&db).unwrap();
    }
    let (got, queries) = db.count_queries(|| blogs().prefetch_related(Blog::ENTRIES_REL).all(&db));
    let got = got.unwrap();
    assert_eq!(queries, 3);
    assert_eq!(got.len(), 1200);
    let counts: Vec<usize> = got.iter().take(3).map(|(_, es)| es.len()).collect();
    assert_eq!(counts, [2, 2, 0]);
}

/// A multi-table-inheritance child selects and aggregates its ancestors'
/// columns through the parent join, as Django (`Restaurant.objects
/// .values_list("name", "serves_pizza")`, `aggregate(Count("id"))`).
#[test]
fn values_list_and_aggregate_of_inherited_columns() {
    use modelgen_examples::places::{self, Restaurant};
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).unwrap();
    for (name, pizza) in [("Bob's", true), ("Ann's", false)] {
        let mut r = Restaurant::new();
        r.name = name.into();
        r.address = "1 Main St".into();
        r.serves_pizza = pizza;
        r.save(&db).unwrap();
    }
    let got: Vec<(String, bool)> = Restaurant::objects()
        .order_by([Restaurant::NAME.asc()])
        .values_list(&db, (Restaurant::NAME, Restaurant::SERVES_PIZZA))
        .unwrap();
    assert_eq!(got, vec![("Ann's".into(), false), ("Bob's".into(), true)]);
    let counts = Restaurant::objects().aggregate(&db, (Count(Restaurant::ID), Max(Restaurant::NAME))).unwrap();
    assert_eq!(counts, (2, Some("Bob's".to_string())));
}

/// `Blog.objects.annotate(n=Count("entries")).filter(n__gt=0)
/// .order_by("-n", "id")`: Django gave [('Beatles Blog', 2), ('Pop Music
/// Blog', 2)] with `HAVING COUNT("entry"."id") > 0`;
/// `annotate(s=Sum("entries__rating")).filter(s__gte=9)` gave
/// [('Beatles Blog', 9)].
#[test]
fn annotate_then_filter_on_annotation_is_having_as_django() {
    let db = setup_weblog();
    let qs = Blog::objects()
        .annotate(Count(Blog::ENTRIES_REL))
        .filter(Count(Blog::ENTRIES_REL).gt(0))
        .order_by([Count(Blog::ENTRIES_REL).desc(), Blog::ID.asc()]);
    let got: Vec<(String, i64)> = qs.all(&db).unwrap().into_iter().map(|(b, n)| (b.name, n)).collect();
    assert_eq!(got, vec![("Beatles Blog".into(), 2), ("Pop Music Blog".into(), 2)]);
    let (sql, params) = qs.sql_with_params().unwrap();
    assert!(
        sql.contains(" HAVING COUNT(\"weblog_entry\".\"id\") > ? ORDER BY COUNT(\"weblog_entry\".\"id\") DESC"),
        "{sql}"
    );
    assert_eq!(params, [0.into()]);
    let rating = || Sum(Blog::ENTRIES_REL.then(Entry::RATING));
    let got: Vec<(String, Option<i64>)> = Blog::objects()
        .annotate(rating())
        .filter(rating().gte(9))
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|(b, s)| (b.name, s))
        .collect();
    assert_eq!(got, vec![("Beatles Blog".into(), Some(9))]);
}

/// `annotate(n=Count("entries__authors", distinct=True)).order_by("n",
/// "id")` gave [('Empty', 0), ('Pop Music Blog', 1), ('Beatles Blog', 2)].
#[test]
fn annotate_order_by_annotation_as_django() {
    let db = setup_weblog();
    let authors = || Count(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL)).distinct();
    let got: Vec<(String, i64)> = Blog::objects()
        .annotate(authors())
        .order_by([authors().asc(), Blog::ID.asc()])
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|(b, n)| (b.name, n))
        .collect();
    assert_eq!(got, vec![("Empty".into(), 0), ("Pop Music Blog".into(), 1), ("Beatles Blog".into(), 2)]);
    // Outside annotate() an aggregate ordering is a misuse.
    let err = Blog::objects().order_by([authors().asc()]).all(&db).unwrap_err();
    assert_eq!(err.to_string(), "order_by() of an aggregate orders an annotation: call it on annotate()");
}

/// `Entry.objects.annotate(a=Count("authors"))` (Meta.ordering
/// -pub_date): Django's SQL has no ORDER BY (Meta.ordering does not apply
/// to GROUP BY queries) and gave the rows in table order: [('Lennon
/// speaks', 1), ('All about 2008', 2), ('Lennon tribute', 1), ('Pop in
/// 2008', 0)].
#[test]
fn annotate_drops_default_ordering_as_django() {
    let db = setup_weblog();
    let qs = Entry::objects().annotate(Count(Entry::AUTHORS_REL));
    assert!(!qs.sql_with_params().unwrap().0.contains("ORDER BY"));
    let got: Vec<(String, i64)> = qs.all(&db).unwrap().into_iter().map(|(e, n)| (e.headline, n)).collect();
    assert_eq!(
        common::unordered_on_postgresql(got),
        common::unordered_on_postgresql(vec![
            ("Lennon speaks".into(), 1),
            ("All about 2008".into(), 2),
            ("Lennon tribute".into(), 1),
            ("Pop in 2008".into(), 0)
        ])
    );
}

/// Count over a many-to-many relation stops at the join table, as Django:
/// `Entry.objects.aggregate(n=Count("authors"))` ran `SELECT
/// COUNT("weblog_entry_authors"."author_id") FROM "weblog_entry" LEFT OUTER
/// JOIN "weblog_entry_authors" ON (...)` (no join to weblog_author) and gave
/// 4; `Count("authors__name")` joined weblog_author too and gave 4;
/// `Sum("authors__id")` stayed at the join table and gave 6;
/// `Blog.objects.annotate(n=Count("entries__authors"))` gave Beatles 3,
/// Pop 1, Empty 0 through weblog_entry and the join table only.
#[test]
fn count_over_many_to_many_joins_the_target_table_only_when_needed_as_django() {
    let db = setup_weblog();
    assert_eq!(Entry::objects().aggregate(&db, Count(Entry::AUTHORS_REL)).unwrap(), 4);
    assert_eq!(Entry::objects().aggregate(&db, Count(Entry::AUTHORS_REL.then(Author::NAME))).unwrap(), 4);
    assert_eq!(Entry::objects().aggregate(&db, Sum(Entry::AUTHORS_REL.then(Author::ID))).unwrap(), Some(6));
    let (text, _) = Entry::objects().annotate(Count(Entry::AUTHORS_REL)).sql_with_params().unwrap();
    assert!(text.contains(r#"COUNT("weblog_entry_authors"."author_id")"#), "{text}");
    assert!(!text.contains(r#""weblog_author""#), "{text}");
    let (text, _) = Entry::objects().annotate(Count(Entry::AUTHORS_REL.then(Author::NAME))).sql_with_params().unwrap();
    assert!(
        text.contains(r#"LEFT OUTER JOIN "weblog_author" ON ("weblog_entry_authors"."author_id" = "weblog_author"."id")"#),
        "{text}"
    );
    let got: Vec<(String, i64)> = blogs()
        .annotate(Count(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL)))
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|(b, n)| (b.name, n))
        .collect();
    assert_eq!(got, vec![("Beatles Blog".into(), 3), ("Pop Music Blog".into(), 1), ("Empty".into(), 0)]);
    let (text, _) = blogs().annotate(Count(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL))).sql_with_params().unwrap();
    assert!(!text.contains(r#""weblog_author""#), "{text}");
}

fn named<T>(rows: Vec<(Blog, T)>) -> Vec<(String, T)> {
    rows.into_iter().map(|(b, n)| (b.name, n)).collect()
}

/// A filter() on the rows after annotate() stays a WHERE, as Django:
/// `Blog.objects.annotate(n=Count("entries")).filter(name__startswith="B")`
/// gave [('Beatles Blog', 2)] with `WHERE "weblog_blog"."name" LIKE 'B%'`
/// before the GROUP BY; with an aggregate condition beside it,
/// `.filter(n__gte=2, name__contains="o")` gave [('Beatles Blog', 2),
/// ('Pop Music Blog', 2)]: the name in WHERE, the count in HAVING.
#[test]
fn filter_on_a_field_after_annotate_stays_where_as_django() {
    let db = setup_weblog();
    let qs = blogs().annotate(Count(Blog::ENTRIES_REL)).filter(Blog::NAME.startswith("B"));
    assert_eq!(named(qs.all(&db).unwrap()), vec![("Beatles Blog".into(), 2)]);
    let (text, _) = qs.sql_with_params().unwrap();
    assert!(text.contains(r#" WHERE "weblog_blog"."name" LIKE ? ESCAPE '\' GROUP BY "#), "{text}");
    let qs = blogs()
        .annotate(Count(Blog::ENTRIES_REL))
        .filter(Count(Blog::ENTRIES_REL).gte(2))
        .filter(Blog::NAME.contains("o"));
    assert_eq!(named(qs.all(&db).unwrap()), vec![("Beatles Blog".into(), 2), ("Pop Music Blog".into(), 2)]);
    let (text, _) = qs.sql_with_params().unwrap();
    assert!(text.contains(r#"WHERE "weblog_blog"."name" LIKE ? ESCAPE '\' GROUP BY "#), "{text}");
    assert!(text.contains(r#" HAVING COUNT("weblog_entry"."id") >= ?"#), "{text}");
}

/// A filter() across a multi-valued relation after annotate() joins anew,
/// as Django: `Blog.objects.annotate(n=Count("entries"))
/// .filter(entries__rating__gte=4)` ran `FROM "weblog_blog" LEFT OUTER JOIN
/// "weblog_entry" ON (...) INNER JOIN "weblog_entry" T3 ON (...) WHERE
/// T3."rating" >= 4` and gave [('Beatles Blog', 4)] (each of its two
/// entries counted once per matching entry), where the filter before
/// annotate() gave [('Beatles Blog', 2)];
/// `annotate(n=Count("entries__authors")).filter(entries__authors__name=
/// "Paul McCartney")` gave [('Beatles Blog', 3), ('Pop Music Blog', 1)];
/// `annotate(n=Count("entries")).exclude(entries__rating__gte=4)` gave
/// [('Pop Music Blog', 2), ('Empty', 0)]; `annotate(n=Count("entries"))
/// .filter(featured__rating=5)` (single-valued) gave [('Beatles Blog', 2)].
#[test]
fn filter_across_multi_valued_relation_after_annotate_joins_anew_as_django() {
    let db = setup_weblog();
    let rating = || Blog::ENTRIES_REL.then(Entry::RATING);
    let after = blogs().annotate(Count(Blog::ENTRIES_REL)).filter(rating().gte(4));
    assert_eq!(named(after.all(&db).unwrap()), vec![("Beatles Blog".into(), 4)]);
    let (text, _) = after.sql_with_params().unwrap();
    assert!(
        text.contains(r#"FROM "weblog_blog" LEFT OUTER JOIN "weblog_entry" ON ("weblog_blog"."id" = "weblog_entry"."blog_id") INNER JOIN "weblog_entry" T3 ON ("weblog_blog"."id" = T3."blog_id") WHERE T3."rating" >= ? GROUP BY "#),
        "{text}"
    );
    let before = blogs().filter(rating().gte(4)).annotate(Count(Blog::ENTRIES_REL));
    assert_eq!(named(before.all(&db).unwrap()), vec![("Beatles Blog".into(), 2)]);
    let authors = Blog::ENTRIES_REL.join(Entry::AUTHORS_REL);
    let qs = blogs()
        .annotate(Count(authors))
        .filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).eq("Paul McCartney"));
    assert_eq!(named(qs.all(&db).unwrap()), vec![("Beatles Blog".into(), 3), ("Pop Music Blog".into(), 1)]);
    let qs = blogs().annotate(Count(Blog::ENTRIES_REL)).exclude(rating().gte(4));
    assert_eq!(named(qs.all(&db).unwrap()), vec![("Pop Music Blog".into(), 2), ("Empty".into(), 0)]);
    let qs = blogs().annotate(Count(Blog::ENTRIES_REL)).filter(Blog::FEATURED_REL.then(Entry::RATING).eq(5));
    assert_eq!(named(qs.all(&db).unwrap()), vec![("Beatles Blog".into(), 2)]);
}

/// prefetch_related of two relations in one call, as Django:
/// `Entry.objects.order_by("id").prefetch_related("authors",
/// "featured_in")` ran 3 queries (the entries, then the authors through the
/// join table, then the blogs featuring them, in the order named) and gave
/// [(1, [1], []), (2, [1, 2], [1]), (3, [2], []), (4, [], [])] (entry,
/// author ids, featuring blog ids).
#[test]
fn prefetch_related_of_two_relations_runs_one_query_each_as_django() {
    let db = setup_weblog();
    let (rows, queries) =
        db.count_queries(|| entries().prefetch_related(Entry::AUTHORS_REL).and_prefetch(Entry::FEATURED_IN_REL).all(&db));
    assert_eq!(queries, 3);
    let got: Vec<(i64, Vec<i64>, Vec<i64>)> = rows
        .unwrap()
        .into_iter()
        .map(|(e, authors, blogs)| {
            (e.id.unwrap(), authors.iter().map(|a| a.id.unwrap()).collect(), blogs.iter().map(|b| b.id.unwrap()).collect())
        })
        .collect();
    assert_eq!(got, vec![(1, vec![1], vec![]), (2, vec![1, 2], vec![1]), (3, vec![2], vec![]), (4, vec![], vec![])]);
    // No row, no prefetch query.
    let (rows, queries) = db.count_queries(|| {
        entries()
            .filter(Entry::ID.gt(100))
            .prefetch_related(Entry::AUTHORS_REL)
            .and_prefetch(Entry::FEATURED_IN_REL)
            .all(&db)
    });
    assert_eq!((rows.unwrap().len(), queries), (0, 1));
}
