//! Lookups across relations, exclude, OR / NOT, the daily lookups and the
//! query counter, on the weblog models of Django's "Making queries"
//! documentation. Every expected list is what Django 5.2 returned for the
//! same data and the same query (run through the oracle in
//! /work/shared/tools/django-oracle; the Django spelling is beside each).

mod common;

use common::*;
use modelgen_examples::shop::{Product, Sale};
use modelgen_examples::weblog::{Author, Blog, Entry};
use modelgen_runtime::backend::Backend;
use modelgen_runtime::chrono::{DateTime, Duration, Utc};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Condition, Database, Order, QuerySet};


fn names(db: &Database, qs: QuerySet<Blog>) -> Vec<String> {
    qs.all(db).unwrap().into_iter().map(|b| b.name).collect()
}

fn heads(db: &Database, qs: QuerySet<Entry>) -> Vec<String> {
    qs.all(db).unwrap().into_iter().map(|e| e.headline).collect()
}

// ---------------------------------------------------------------------------
// Across relations, forward and reverse
// ---------------------------------------------------------------------------

#[test]
fn forward_foreign_key_lookup_blog_name() {
    let db = setup_weblog();
    // Entry.objects.filter(blog__name="Beatles Blog")
    let qs = entries().filter(Entry::BLOG_REL.then(Blog::NAME).eq("Beatles Blog"));
    assert_eq!(heads(&db, qs), ["Lennon speaks", "All about 2008"]);
}

#[test]
fn reverse_foreign_key_lookup_gives_a_row_per_matching_related_row() {
    let db = setup_weblog();
    // Blog.objects.filter(entries__headline__contains="Lennon"): one row each.
    let qs = blogs().filter(Blog::ENTRIES_REL.then(Entry::HEADLINE).contains("Lennon"));
    assert_eq!(names(&db, qs), ["Beatles Blog", "Pop Music Blog"]);
    // Blog.objects.filter(entries__rating__gte=2): Django returns duplicates.
    let qs = blogs().filter(Blog::ENTRIES_REL.then(Entry::RATING).gte(2));
    assert_eq!(names(&db, qs.clone()), ["Beatles Blog", "Beatles Blog", "Pop Music Blog", "Pop Music Blog"]);
    assert_eq!(names(&db, qs.distinct()), ["Beatles Blog", "Pop Music Blog"]);
}

#[test]
fn conditions_in_one_filter_call_refer_to_the_same_related_row() {
    let db = setup_weblog();
    // Blog.objects.filter(entries__headline__contains="Lennon", entries__pub_date__year=2008)
    let qs = blogs().filter(
        Blog::ENTRIES_REL.then(Entry::HEADLINE).contains("Lennon")
            & Blog::ENTRIES_REL.then(Entry::PUB_DATE).year().eq(2008),
    );
    assert_eq!(names(&db, qs), ["Beatles Blog"]);
}

#[test]
fn chained_filter_calls_each_get_their_own_join() {
    let db = setup_weblog();
    // Blog.objects.filter(entries__headline__contains="Lennon").filter(entries__pub_date__year=2008):
    // Django gives ['Beatles Blog', 'Beatles Blog', 'Pop Music Blog'].
    let qs = blogs()
        .filter(Blog::ENTRIES_REL.then(Entry::HEADLINE).contains("Lennon"))
        .filter(Blog::ENTRIES_REL.then(Entry::PUB_DATE).year().eq(2008));
    assert_eq!(names(&db, qs), ["Beatles Blog", "Beatles Blog", "Pop Music Blog"]);
}

#[test]
fn many_to_many_at_any_depth_entries_authors_name() {
    let db = setup_weblog();
    // Blog.objects.filter(entries__authors__name="Paul McCartney")
    let qs = blogs().filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).eq("Paul McCartney"));
    assert_eq!(names(&db, qs), ["Beatles Blog", "Pop Music Blog"]);
    // Blog.objects.filter(entries__authors__name__startswith="John").distinct()
    let qs = blogs().filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).startswith("John"));
    assert_eq!(names(&db, qs.clone()), ["Beatles Blog", "Beatles Blog"]);
    assert_eq!(names(&db, qs.distinct()), ["Beatles Blog"]);
    // Author.objects.filter(entry__blog__name="Pop Music Blog"): the reverse many-to-many.
    let authors =
        Author::objects().filter(Author::ENTRY_REL.join(Entry::BLOG_REL).then(Blog::NAME).eq("Pop Music Blog"));
    let authors: Vec<String> = authors.all(&db).unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(authors, ["Paul McCartney"]);
}

#[test]
fn a_path_back_to_the_same_table_gets_its_own_alias_blog_entries_rating() {
    let db = setup_weblog();
    // Entry.objects.filter(blog__entries__rating=2): every entry of a blog with a rating-2 entry.
    let qs = entries().filter(Entry::BLOG_REL.join(Blog::ENTRIES_REL).then(Entry::RATING).eq(2));
    assert_eq!(heads(&db, qs), ["Lennon tribute", "Pop in 2008"]);
}

#[test]
fn count_across_a_multi_valued_relation_counts_duplicates_and_distinct_does_not() {
    let db = setup_weblog();
    // Blog.objects.filter(entries__authors__isnull=False).count() == 4, .distinct().count() == 2
    let qs = Blog::objects().filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).isnull(false));
    assert_eq!(qs.count(&db).unwrap(), 4);
    assert_eq!(qs.clone().distinct().count(&db).unwrap(), 2);
    assert!(qs.distinct().exists(&db).unwrap());
}

#[test]
fn order_by_across_relations_forward_and_reverse() {
    let db = setup_weblog();
    // Entry.objects.order_by("blog__name", "headline")
    let qs = Entry::objects().order_by([Entry::BLOG_REL.then(Blog::NAME).asc(), Entry::HEADLINE.asc()]);
    assert_eq!(heads(&db, qs), ["All about 2008", "Lennon speaks", "Lennon tribute", "Pop in 2008"]);
    // Blog.objects.order_by("entries__rating", "id"): a LEFT OUTER JOIN, a row per entry,
    // the blog without entries first (NULL sorts first on SQLite, last on
    // PostgreSQL, as Django leaves it to each).
    let qs = Blog::objects().order_by([Blog::ENTRIES_REL.then(Entry::RATING).asc(), Blog::ID.asc()]);
    if common::on_postgresql() {
        assert_eq!(names(&db, qs), ["Pop Music Blog", "Pop Music Blog", "Beatles Blog", "Beatles Blog", "Empty"]);
    } else {
        assert_eq!(names(&db, qs), ["Empty", "Pop Music Blog", "Pop Music Blog", "Beatles Blog", "Beatles Blog"]);
    }
}

#[test]
fn or_across_a_relation_keeps_rows_without_the_related_row() {
    let db = setup_weblog();
    // Blog.objects.filter(Q(entries__rating=2) | Q(name="Empty")): a LEFT OUTER JOIN.
    let qs = blogs().filter(Blog::ENTRIES_REL.then(Entry::RATING).eq(2) | Blog::NAME.eq("Empty"));
    assert_eq!(names(&db, qs), ["Pop Music Blog", "Empty"]);
}

// ---------------------------------------------------------------------------
// isnull on relations
// ---------------------------------------------------------------------------

#[test]
fn isnull_on_a_forward_relation_needs_no_join() {
    let db = setup_weblog();
    // Blog.objects.filter(featured__isnull=True)
    assert_eq!(names(&db, blogs().filter(Blog::FEATURED_REL.isnull(true))), ["Pop Music Blog", "Empty"]);
    assert_eq!(names(&db, blogs().filter(Blog::FEATURED_REL.isnull(false))), ["Beatles Blog"]);
}

#[test]
fn isnull_on_a_reverse_relation_is_a_left_outer_join() {
    let db = setup_weblog();
    // Blog.objects.filter(entries__isnull=True) == ['Empty']
    assert_eq!(names(&db, blogs().filter(Blog::ENTRIES_REL.isnull(true))), ["Empty"]);
    // Blog.objects.exclude(entries__isnull=True) == ['Beatles Blog', 'Pop Music Blog'] (a subquery, no duplicates)
    assert_eq!(names(&db, blogs().exclude(Blog::ENTRIES_REL.isnull(true))), ["Beatles Blog", "Pop Music Blog"]);
    // exclude(entries__isnull=False): the blogs with no entry.
    assert_eq!(names(&db, blogs().exclude(Blog::ENTRIES_REL.isnull(false))), ["Empty"]);
}

// ---------------------------------------------------------------------------
// exclude and NOT across relations
// ---------------------------------------------------------------------------

#[test]
fn exclude_across_a_multi_valued_relation_is_a_not_exists_subquery() {
    let db = setup_weblog();
    // Blog.objects.exclude(entries__headline__contains="Lennon") == ['Empty']
    let qs = blogs().exclude(Blog::ENTRIES_REL.then(Entry::HEADLINE).contains("Lennon"));
    assert_eq!(names(&db, qs), ["Empty"]);
}

#[test]
fn exclude_with_two_conditions_on_a_multi_valued_relation_tests_each_on_its_own() {
    let db = setup_weblog();
    // Blog.objects.exclude(entries__headline__contains="Lennon", entries__pub_date__year=2008)
    // == ['Empty']: Django's documented exclude() behaviour, each condition its own subquery,
    // so Pop Music Blog (a Lennon entry from 2010, a 2008 entry without Lennon) is excluded too.
    let qs = blogs().exclude(
        Blog::ENTRIES_REL.then(Entry::HEADLINE).contains("Lennon")
            & Blog::ENTRIES_REL.then(Entry::PUB_DATE).year().eq(2008),
    );
    assert_eq!(names(&db, qs), ["Empty"]);
}

#[test]
fn not_q_across_a_many_to_many_path_is_a_subquery_too() {
    let db = setup_weblog();
    // Blog.objects.filter(~Q(entries__authors__name="John Lennon")) == ['Pop Music Blog', 'Empty']
    let qs = blogs().filter(!Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).eq("John Lennon"));
    assert_eq!(names(&db, qs), ["Pop Music Blog", "Empty"]);
}

#[test]
fn exclude_across_a_nullable_foreign_key_keeps_rows_without_one() {
    let db = setup_weblog();
    // Blog.objects.exclude(featured__headline="All about 2008") == ['Pop Music Blog', 'Empty']
    let qs = blogs().exclude(Blog::FEATURED_REL.then(Entry::HEADLINE).eq("All about 2008"));
    assert_eq!(names(&db, qs), ["Pop Music Blog", "Empty"]);
    // Entry.objects.exclude(featured_in__name="Beatles Blog"): the reverse of that key.
    let qs = entries().exclude(Entry::FEATURED_IN_REL.then(Blog::NAME).eq("Beatles Blog"));
    assert_eq!(heads(&db, qs), ["Lennon speaks", "Lennon tribute", "Pop in 2008"]);
    // Path::ne is the same negation.
    let qs = blogs().filter(Blog::FEATURED_REL.then(Entry::HEADLINE).ne("All about 2008"));
    assert_eq!(names(&db, qs), ["Pop Music Blog", "Empty"]);
}

/// exclude() of a comparison across the nullable `Blog.featured`: Django
/// 5.2 wrote `LEFT OUTER JOIN "weblog_entry" ... WHERE NOT ("weblog_entry".
/// "rating" = 5 AND "weblog_entry"."rating" IS NOT NULL)`, so a blog without
/// a featured entry (NULL through the outer join) is kept, and gave:
/// exclude(featured__rating=5) ['Pop Music Blog', 'Empty'];
/// filter(~Q(featured__rating__gt=3)) ['Pop Music Blog', 'Empty'];
/// exclude(featured__rating__lt=3) ['Beatles Blog', 'Pop Music Blog', 'Empty'].
#[test]
fn exclude_comparison_across_a_nullable_foreign_key_adds_is_not_null_as_django() {
    let db = setup_weblog();
    let rating = || Blog::FEATURED_REL.then(Entry::RATING);
    assert_eq!(names(&db, blogs().exclude(rating().eq(5))), ["Pop Music Blog", "Empty"]);
    assert_eq!(names(&db, blogs().filter(!rating().gt(3))), ["Pop Music Blog", "Empty"]);
    assert_eq!(names(&db, blogs().exclude(rating().lt(3))), ["Beatles Blog", "Pop Music Blog", "Empty"]);
    let (text, _) = blogs().exclude(rating().eq(5)).sql_with_params().unwrap();
    assert!(
        text.contains(r#"LEFT OUTER JOIN "weblog_entry" ON ("weblog_blog"."featured_id" = "weblog_entry"."id") WHERE NOT (("weblog_entry"."rating" = ? AND "weblog_entry"."rating" IS NOT NULL))"#),
        "{text}"
    );
}

#[test]
fn a_negated_lookup_in_the_same_filter_call_refers_to_the_joined_row() {
    let db = setup_weblog();
    // Blog.objects.filter(Q(entries__headline__contains="Lennon") & ~Q(entries__rating=3))
    // == ['Beatles Blog']: the Lennon entry itself must not be rated 3.
    let qs = blogs().filter(
        Blog::ENTRIES_REL.then(Entry::HEADLINE).contains("Lennon") & !Blog::ENTRIES_REL.then(Entry::RATING).eq(3),
    );
    assert_eq!(names(&db, qs), ["Beatles Blog"]);
}

#[test]
fn update_and_delete_filtered_across_a_relation() {
    let db = setup_weblog();
    // Entry.objects.filter(blog__name="Pop Music Blog").update(rating=0) == 2
    let n = Entry::objects()
        .filter(Entry::BLOG_REL.then(Blog::NAME).eq("Pop Music Blog"))
        .update(&db, &[Entry::RATING.set(0)])
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(Entry::objects().filter(Entry::RATING.eq(0)).count(&db).unwrap(), 2);
    // Blog.objects.filter(entries__authors__name="Paul McCartney").delete(): both blogs with
    // their entries (a blog matched twice is deleted once).
    let (total, _) = Blog::objects()
        .filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).eq("Paul McCartney"))
        .delete(&db)
        .unwrap();
    assert!(total >= 2, "{total}");
    assert_eq!(names(&db, blogs()), ["Empty"]);
}

// ---------------------------------------------------------------------------
// The daily lookups
// ---------------------------------------------------------------------------

#[test]
fn date_part_lookups_year_month_day_week_day() {
    let db = setup_weblog();
    // Entry.objects.filter(pub_date__year=2008, pub_date__month=12) == ['Pop in 2008']
    assert_eq!(
        heads(&db, entries().filter(Entry::PUB_DATE.year().eq(2008) & Entry::PUB_DATE.month().eq(12))),
        ["Pop in 2008"]
    );
    // Entry.objects.filter(pub_date__week_day=7): Saturday, 2008-03-01.
    assert_eq!(heads(&db, entries().filter(Entry::PUB_DATE.week_day().eq(7))), ["Lennon speaks"]);
    // Entry.objects.filter(pub_date__day=1)
    assert_eq!(
        heads(&db, entries().filter(Entry::PUB_DATE.day().eq(1))),
        ["Lennon speaks", "All about 2008", "Lennon tribute"]
    );
    assert_eq!(heads(&db, entries().filter(Entry::PUB_DATE.year().gt(2008))), ["Lennon tribute"]);
    assert_eq!(heads(&db, entries().filter(Entry::PUB_DATE.month().range(3, 6))), ["Lennon speaks", "All about 2008"]);
    assert_eq!(heads(&db, entries().filter(Entry::PUB_DATE.quarter().eq(4))), ["Pop in 2008"]);
}

/// A fresh database with one sale of one product at each of `instants`.
fn sales_at(instants: &[DateTime<Utc>]) -> Database {
    let db = setup();
    let mut p = Product::new();
    p.name = "p".into();
    p.slug = "p".into();
    p.save(&db).unwrap();
    for &t in instants {
        Sale::new(p.key().unwrap(), t).save(&db).unwrap();
    }
    db
}

#[test]
fn date_parts_and_date_of_a_datetime_in_utc() {
    let db = sales_at(&[utc(2024, 1, 1, 23, 30, 0), utc(2024, 1, 2, 0, 15, 0)]);
    let sold = |c: Condition<Sale>| -> Vec<i64> {
        Sale::objects()
            .filter(c)
            .order_by([Sale::ID.asc()])
            .all(&db)
            .unwrap()
            .into_iter()
            .map(|s| s.id.unwrap())
            .collect()
    };
    // Sale.objects.filter(sold_at__date=date(2024, 1, 1)) with USE_TZ and UTC.
    assert_eq!(sold(Sale::SOLD_AT.date().eq(date(2024, 1, 1))), [1]);
    assert_eq!(sold(Sale::SOLD_AT.hour().eq(0)), [2]);
    assert_eq!(sold(Sale::SOLD_AT.day().eq(2)), [2]);
    assert_eq!(sold(Sale::SOLD_AT.minute().gte(15)), [1, 2]);
    // sold_at__year=2024 is a BETWEEN of the year's first and last instant, as Django's YearLookup.
    assert_eq!(sold(Sale::SOLD_AT.year().eq(2024)), [1, 2]);
    assert_eq!(sold(Sale::SOLD_AT.year().lt(2024)), Vec::<i64>::new());
    assert_eq!(sold(Sale::SOLD_AT.year().lte(2024)), [1, 2]);
}

#[test]
fn text_lookups_iexact_endswith_regex_iregex() {
    let db = setup_weblog();
    // Entry.objects.filter(headline__iexact="lennon SPEAKS")
    assert_eq!(heads(&db, entries().filter(Entry::HEADLINE.iexact("lennon SPEAKS"))), ["Lennon speaks"]);
    // headline__endswith="2008"
    assert_eq!(heads(&db, entries().filter(Entry::HEADLINE.endswith("2008"))), ["All about 2008", "Pop in 2008"]);
    // headline__regex=r"^L.*n " and iregex r"^l.*N " match both Lennon entries; regex r"^l.*N " none.
    assert_eq!(heads(&db, entries().filter(Entry::HEADLINE.regex(r"^L.*n "))), ["Lennon speaks", "Lennon tribute"]);
    assert_eq!(heads(&db, entries().filter(Entry::HEADLINE.iregex(r"^l.*N "))), ["Lennon speaks", "Lennon tribute"]);
    assert!(heads(&db, entries().filter(Entry::HEADLINE.regex(r"^l.*N "))).is_empty());
    // Across a relation: Blog.objects.filter(entries__headline__iregex="TRIBUTE$")
    assert_eq!(
        names(&db, blogs().filter(Blog::ENTRIES_REL.then(Entry::HEADLINE).iregex("TRIBUTE$"))),
        ["Pop Music Blog"]
    );
    // An invalid pattern fails the query rather than matching nothing.
    assert!(entries().filter(Entry::HEADLINE.regex("(")).all(&db).is_err());
}

/// The condition `qs` filters on and what follows it, as the SQL `db`
/// runs (built in the backend's spelling; placeholders still `?`).
fn where_clause(db: &Database, qs: QuerySet<Entry>) -> String {
    let (sql, _) = qs.sql_with_params_on(db).unwrap();
    sql.split_once(" WHERE ").map(|(_, condition)| condition.to_owned()).unwrap_or_default()
}

#[test]
fn date_part_lookups_are_spelled_as_djangos_backend_spells_them() {
    let db = setup_weblog();
    let on_sqlite = db.backend() == Backend::Sqlite;
    // Django 5.2 (the oracle, both backends), the same entries:
    // pub_date__week_day=7 ['Lennon speaks'] as django_date_extract(%s, "pub_date") = %s with
    // ('week_day', 7) on SQLite, EXTRACT(DOW FROM "pub_date") + 1 = %s on PostgreSQL;
    // pub_date__iso_week_day=6 ['Lennon speaks'], __gte=5 ['Lennon speaks', 'All about 2008',
    // 'Lennon tribute'] as EXTRACT(ISODOW FROM "pub_date") on PostgreSQL; pub_date__year=2008
    // ['Lennon speaks', 'All about 2008', 'Pop in 2008'] as BETWEEN on both.
    let week_day = entries().filter(Entry::PUB_DATE.week_day().eq(7));
    assert_eq!(heads(&db, week_day.clone()), ["Lennon speaks"]);
    let expected = if on_sqlite {
        r#"django_date_extract('week_day', "pub_date") = ? "#
    } else {
        r#"EXTRACT(DOW FROM "pub_date") + 1 = ? "#
    };
    assert!(where_clause(&db, week_day).starts_with(expected), "{expected}");
    assert_eq!(heads(&db, entries().filter(Entry::PUB_DATE.iso_week_day().eq(6))), ["Lennon speaks"]);
    let iso_week_day = entries().filter(Entry::PUB_DATE.iso_week_day().gte(5));
    assert_eq!(heads(&db, iso_week_day.clone()), ["Lennon speaks", "All about 2008", "Lennon tribute"]);
    let expected = if on_sqlite {
        r#"django_date_extract('iso_week_day', "pub_date") >= ? "#
    } else {
        r#"EXTRACT(ISODOW FROM "pub_date") >= ? "#
    };
    assert!(where_clause(&db, iso_week_day).starts_with(expected), "{expected}");
    let year = entries().filter(Entry::PUB_DATE.year().eq(2008));
    assert_eq!(heads(&db, year.clone()), ["Lennon speaks", "All about 2008", "Pop in 2008"]);
    assert!(where_clause(&db, year).starts_with(r#""pub_date" BETWEEN ? AND ? "#));
}

#[test]
fn second_and_date_of_a_datetime_with_microseconds_as_django() {
    let db = sales_at(&[utc(2024, 1, 1, 23, 30, 5) + Duration::microseconds(500_000)]);
    let sold = |c: Condition<Sale>| Sale::objects().filter(c).all(&db).unwrap().len();
    let spelled = |c: Condition<Sale>| Sale::objects().filter(c).sql_with_params_on(&db).unwrap().0;
    // Django 5.2 (the oracle, both backends), sold_at 23:30:05.500000 UTC: sold_at__second=5
    // matches (the whole second; PostgreSQL's EXTRACT(SECOND) alone would give 5.5), as
    // EXTRACT(SECOND FROM DATE_TRUNC(%s, "sold_at" AT TIME ZONE %s)) with ('second', 'UTC') on
    // PostgreSQL; sold_at__date=2024-01-01 matches, as ("sold_at" AT TIME ZONE %s)::date.
    assert_eq!(sold(Sale::SOLD_AT.second().eq(5)), 1);
    assert_eq!(sold(Sale::SOLD_AT.date().eq(date(2024, 1, 1))), 1);
    let (second, date_of) = match db.backend() {
        Backend::Sqlite => (
            r#"WHERE django_datetime_extract('second', "sold_at", 'UTC', 'UTC') = ?"#,
            r#"WHERE django_datetime_cast_date("sold_at", 'UTC', 'UTC') = ?"#,
        ),
        Backend::PostgreSql => (
            r#"WHERE EXTRACT(SECOND FROM DATE_TRUNC('second', "sold_at" AT TIME ZONE 'UTC')) = ?"#,
            r#"WHERE ("sold_at" AT TIME ZONE 'UTC')::date = ?"#,
        ),
    };
    let sql = spelled(Sale::SOLD_AT.second().eq(5));
    assert!(sql.contains(second), "{sql}");
    let sql = spelled(Sale::SOLD_AT.date().eq(date(2024, 1, 1)));
    assert!(sql.contains(date_of), "{sql}");
}

#[test]
fn regex_lookups_are_spelled_as_djangos_backend_spells_them() {
    let db = setup_weblog();
    // Django 5.2 (the oracle, both backends): headline__regex=r"^L.*n " and
    // headline__iregex=r"^l.*N " give ['Lennon speaks', 'Lennon tribute'], as "headline" REGEXP
    // %s and "headline" REGEXP '(?i)' || %s on SQLite, "headline"::text ~ %s and ~* %s on
    // PostgreSQL.
    let regex = entries().filter(Entry::HEADLINE.regex(r"^L.*n "));
    let iregex = entries().filter(Entry::HEADLINE.iregex(r"^l.*N "));
    assert_eq!(heads(&db, regex.clone()), ["Lennon speaks", "Lennon tribute"]);
    assert_eq!(heads(&db, iregex.clone()), ["Lennon speaks", "Lennon tribute"]);
    let (regex_sql, iregex_sql) = match db.backend() {
        Backend::Sqlite => (r#""headline" REGEXP ? "#, r#""headline" REGEXP '(?i)' || ? "#),
        Backend::PostgreSql => (r#""headline"::text ~ ? "#, r#""headline"::text ~* ? "#),
    };
    assert!(where_clause(&db, regex).starts_with(regex_sql), "{regex_sql}");
    assert!(where_clause(&db, iregex).starts_with(iregex_sql), "{iregex_sql}");
}

#[test]
fn or_and_not_of_conditions_like_q_objects() {
    let db = setup_weblog();
    // Entry.objects.filter(Q(rating=5) | Q(rating=2))
    assert_eq!(
        heads(&db, entries().filter(Entry::RATING.eq(5) | Entry::RATING.eq(2))),
        ["All about 2008", "Pop in 2008"]
    );
    // Entry.objects.filter(~Q(rating=5) & Q(pub_date__year=2008))
    let qs = entries().filter(Entry::RATING.eq(5).not().and(Entry::PUB_DATE.year().eq(2008)));
    assert_eq!(heads(&db, qs), ["Lennon speaks", "Pop in 2008"]);
    // Entry.objects.exclude(rating__range=(3, 4))
    assert_eq!(heads(&db, entries().exclude(Entry::RATING.range(3, 4))), ["All about 2008", "Pop in 2008"]);
}

// ---------------------------------------------------------------------------
// The query counter
// ---------------------------------------------------------------------------

#[test]
fn assert_num_queries_counts_every_statement() {
    let db = setup_weblog();
    let (all, n) = db.count_queries(|| Entry::objects().all(&db).unwrap());
    assert_eq!((all.len(), n), (4, 1), "one SELECT");
    // One query whatever the joins.
    let (_, n) = db.count_queries(|| {
        blogs()
            .filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).eq("Paul McCartney"))
            .all(&db)
            .unwrap()
    });
    assert_eq!(n, 1);
    // The N+1 loop Django's assertNumQueries catches: one query per entry's blog.
    let (_, n) = db.count_queries(|| {
        for e in Entry::objects().all(&db).unwrap() {
            e.blog(&db).unwrap();
        }
    });
    assert_eq!(n, 5);
    // A save of a new row is one INSERT, as in Django (BEGIN and COMMIT are not counted).
    let before = db.query_count();
    let mut b = Blog::new();
    b.name = "n".into();
    b.save(&db).unwrap();
    assert_eq!(db.query_count() - before, 1);
    let (_, n) = db.count_queries(|| Blog::objects().count(&db).unwrap());
    assert_eq!(n, 1);
}

#[test]
fn ordering_by_a_path_then_reversing_flips_it() {
    let db = setup_weblog();
    let qs = Entry::objects().order_by([Entry::BLOG_REL.then(Blog::NAME).desc(), Entry::ID.asc()]);
    assert_eq!(heads(&db, qs.clone()), ["Lennon tribute", "Pop in 2008", "Lennon speaks", "All about 2008"]);
    let first = qs.reverse().first(&db).unwrap().unwrap();
    assert_eq!(first.headline, "All about 2008");
    let _: Order<Entry> = Entry::BLOG_REL.then(Blog::NAME).asc();
}

#[test]
fn the_sql_is_djangos_joins_and_subqueries() {
    let sql = |qs: QuerySet<Blog>| qs.sql_with_params().unwrap().0;
    // Django 5.2's SQL for the same querysets, up to the select list and bound values.
    let q = sql(blogs()
        .filter(Blog::ENTRIES_REL.then(Entry::HEADLINE).contains("Lennon"))
        .filter(Blog::ENTRIES_REL.then(Entry::PUB_DATE).year().eq(2008)));
    assert!(
        q.ends_with(
            r#"FROM "weblog_blog" INNER JOIN "weblog_entry" ON ("weblog_blog"."id" = "weblog_entry"."blog_id") INNER JOIN "weblog_entry" T3 ON ("weblog_blog"."id" = T3."blog_id") WHERE "weblog_entry"."headline" LIKE ? ESCAPE '\' AND T3."pub_date" BETWEEN ? AND ? ORDER BY "weblog_blog"."id" ASC"#
        ),
        "{q}"
    );
    let q = sql(blogs().exclude(Blog::ENTRIES_REL.then(Entry::HEADLINE).contains("Lennon")));
    assert!(
        q.ends_with(
            r#"FROM "weblog_blog" WHERE NOT (EXISTS(SELECT 1 AS "a" FROM "weblog_entry" U0 WHERE (U0."headline" LIKE ? ESCAPE '\' AND U0."blog_id" = ("weblog_blog"."id")) LIMIT 1)) ORDER BY "weblog_blog"."id" ASC"#
        ),
        "{q}"
    );
    let q = sql(blogs().exclude(Blog::FEATURED_REL.then(Entry::HEADLINE).eq("x")));
    assert!(
        q.ends_with(
            r#"FROM "weblog_blog" LEFT OUTER JOIN "weblog_entry" ON ("weblog_blog"."featured_id" = "weblog_entry"."id") WHERE NOT (("weblog_entry"."headline" = ? AND "weblog_entry"."headline" IS NOT NULL)) ORDER BY "weblog_blog"."id" ASC"#
        ),
        "{q}"
    );
    let q = sql(blogs().filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).eq("x")));
    assert!(
        q.ends_with(
            r#"FROM "weblog_blog" INNER JOIN "weblog_entry" ON ("weblog_blog"."id" = "weblog_entry"."blog_id") INNER JOIN "weblog_entry_authors" ON ("weblog_entry"."id" = "weblog_entry_authors"."entry_id") INNER JOIN "weblog_author" ON ("weblog_entry_authors"."author_id" = "weblog_author"."id") WHERE "weblog_author"."name" = ? ORDER BY "weblog_blog"."id" ASC"#
        ),
        "{q}"
    );
    // No path: the SQL stays unqualified, as before.
    let q = sql(blogs().filter(Blog::NAME.eq("x")));
    assert!(q.ends_with(r#"FROM "weblog_blog" WHERE "name" = ? ORDER BY "id" ASC"#), "{q}");
}

#[test]
fn isnull_and_exclude_through_deeper_paths_as_django() {
    let db = setup_weblog();
    let mut ringo = Author::new();
    ringo.name = "Ringo".into();
    ringo.email = "r@example.com".into();
    ringo.save(&db).unwrap();
    let author_names = |qs: QuerySet<Author>| -> Vec<String> {
        qs.order_by([Author::ID.asc()]).all(&db).unwrap().into_iter().map(|a| a.name).collect()
    };
    // Entry.objects.exclude(authors__name="John Lennon") == ['Lennon tribute', 'Pop in 2008']
    assert_eq!(
        heads(&db, entries().exclude(Entry::AUTHORS_REL.then(Author::NAME).eq("John Lennon"))),
        ["Lennon tribute", "Pop in 2008"]
    );
    // Blog.objects.filter(featured__headline__isnull=True) == ['Pop Music Blog', 'Empty'] (LEFT OUTER JOIN)
    assert_eq!(
        names(&db, blogs().filter(Blog::FEATURED_REL.then(Entry::HEADLINE).isnull(true))),
        ["Pop Music Blog", "Empty"]
    );
    // Author.objects.filter(entry__isnull=True) == ['Ringo']
    assert_eq!(author_names(Author::objects().filter(Author::ENTRY_REL.isnull(true))), ["Ringo"]);
    // Entry.objects.filter(blog__featured__isnull=False) == ['Lennon speaks', 'All about 2008']
    assert_eq!(
        heads(&db, entries().filter(Entry::BLOG_REL.join(Blog::FEATURED_REL).isnull(false))),
        ["Lennon speaks", "All about 2008"]
    );
    // Blog.objects.filter(entries__authors__name="John Lennon").exclude(entries__rating=4) == []
    let qs = blogs()
        .filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).eq("John Lennon"))
        .exclude(Blog::ENTRIES_REL.then(Entry::RATING).eq(4));
    assert!(names(&db, qs).is_empty());
    // Blog.objects.filter(Q(entries__rating=5) | Q(entries__rating=2)) == ['Beatles Blog', 'Pop Music Blog']
    let qs = blogs().filter(Blog::ENTRIES_REL.then(Entry::RATING).eq(5) | Blog::ENTRIES_REL.then(Entry::RATING).eq(2));
    assert_eq!(names(&db, qs), ["Beatles Blog", "Pop Music Blog"]);
    // Entry.objects.filter(authors__isnull=True) == ['Pop in 2008']
    assert_eq!(heads(&db, entries().filter(Entry::AUTHORS_REL.isnull(true))), ["Pop in 2008"]);
    // Blog.objects.exclude(entries__authors__isnull=True) == ['Beatles Blog']: every blog with
    // an entry without authors, or without entries at all, is excluded.
    assert_eq!(names(&db, blogs().exclude(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).isnull(true))), ["Beatles Blog"]);
    // Blog.objects.filter(entries__authors__isnull=True) == ['Pop Music Blog', 'Empty']
    assert_eq!(
        names(&db, blogs().filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).isnull(true))),
        ["Pop Music Blog", "Empty"]
    );
    // Entry.objects.filter(blog__entries__authors__name="Paul McCartney"): count 4, distinct count 4.
    let qs = Entry::objects().filter(
        Entry::BLOG_REL.join(Blog::ENTRIES_REL).join(Entry::AUTHORS_REL).then(Author::NAME).eq("Paul McCartney"),
    );
    assert_eq!((qs.count(&db).unwrap(), qs.clone().distinct().count(&db).unwrap()), (4, 4));
    // Entry.objects.exclude(blog__featured__headline="All about 2008") == ['Lennon tribute', 'Pop in 2008']
    let qs = entries().exclude(Entry::BLOG_REL.join(Blog::FEATURED_REL).then(Entry::HEADLINE).eq("All about 2008"));
    assert_eq!(heads(&db, qs), ["Lennon tribute", "Pop in 2008"]);
    // Blog.objects.filter(~Q(featured__rating=5)) == ['Pop Music Blog', 'Empty']
    assert_eq!(names(&db, blogs().filter(!Blog::FEATURED_REL.then(Entry::RATING).eq(5))), ["Pop Music Blog", "Empty"]);
    // Blog.objects.exclude(entries__authors__name__startswith="Paul", entries__rating=3) == ['Beatles Blog', 'Empty']
    let qs = blogs().exclude(
        Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).startswith("Paul")
            & Blog::ENTRIES_REL.then(Entry::RATING).eq(3),
    );
    assert_eq!(names(&db, qs), ["Beatles Blog", "Empty"]);
    // Author.objects.exclude(entry__blog__name="Beatles Blog") == ['Ringo']
    assert_eq!(
        author_names(
            Author::objects().exclude(Author::ENTRY_REL.join(Entry::BLOG_REL).then(Blog::NAME).eq("Beatles Blog"))
        ),
        ["Ringo"]
    );
}

#[test]
fn lookups_across_relations_of_multi_table_inheritance_models() {
    use modelgen_examples::places::{self, Place, Restaurant, Supplier};
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).unwrap();
    let mut park = Place::new();
    park.name = "Park".into();
    park.save(&db).unwrap();
    let mut restaurants = Vec::new();
    for (name, pizza, dogs) in [("Pizza Place", true, false), ("Dog House", false, true)] {
        let mut r = Restaurant::new();
        r.name = name.into();
        r.serves_pizza = pizza;
        r.serves_hot_dogs = dogs;
        r.save(&db).unwrap();
        restaurants.push(r);
    }
    let mut suppliers = Vec::new();
    for name in ["Acme", "Best"] {
        let mut s = Supplier::new();
        s.name = name.into();
        s.save(&db).unwrap();
        suppliers.push(s);
    }
    suppliers[0].customers().add(&db, &[&restaurants[0], &restaurants[1]]).unwrap();
    suppliers[1].customers().add(&db, &[&restaurants[0]]).unwrap();
    let supplier_names =
        |qs: QuerySet<Supplier>| -> Vec<String> { qs.all(&db).unwrap().into_iter().map(|s| s.name).collect() };
    let restaurant_names =
        |qs: QuerySet<Restaurant>| -> Vec<String> { qs.all(&db).unwrap().into_iter().map(|s| s.name).collect() };
    let place_names =
        |qs: QuerySet<Place>| -> Vec<String> { qs.all(&db).unwrap().into_iter().map(|s| s.name).collect() };
    // What Django 5.2 gives for the same models and rows:
    // Supplier.objects.filter(customers__name="Dog House") == ['Acme'] (name is a Place column)
    let qs = Supplier::objects().filter(Supplier::CUSTOMERS_REL.then(Restaurant::NAME).eq("Dog House"));
    assert_eq!(supplier_names(qs), ["Acme"]);
    // Restaurant.objects.filter(suppliers__name="Best") == ['Pizza Place']
    let qs = Restaurant::objects().filter(Restaurant::SUPPLIERS_REL.then(Supplier::NAME).eq("Best"));
    assert_eq!(restaurant_names(qs), ["Pizza Place"]);
    // Place.objects.filter(restaurant__serves_pizza=True) == ['Pizza Place']
    let qs = Place::objects().filter(Place::RESTAURANT_REL.then(Restaurant::SERVES_PIZZA).eq(true));
    assert_eq!(place_names(qs), ["Pizza Place"]);
    // Restaurant.objects.exclude(suppliers__name="Best") == ['Dog House']
    let qs = Restaurant::objects().exclude(Restaurant::SUPPLIERS_REL.then(Supplier::NAME).eq("Best"));
    assert_eq!(restaurant_names(qs.order_by([Restaurant::PLACE_PTR.asc()])), ["Dog House"]);
    // Supplier.objects.order_by("customers__name", "id") == ['Acme', 'Acme', 'Best']
    let qs = Supplier::objects().order_by([Supplier::CUSTOMERS_REL.then(Restaurant::NAME).asc(), Supplier::ID.asc()]);
    assert_eq!(supplier_names(qs), ["Acme", "Acme", "Best"]);
    // Place.objects.filter(restaurant__isnull=True) == ['Park', 'Acme', 'Best']
    let qs = Place::objects().filter(Place::RESTAURANT_REL.isnull(true)).order_by([Place::ID.asc()]);
    assert_eq!(place_names(qs), ["Park", "Acme", "Best"]);
    // Place.objects.exclude(restaurant__serves_hot_dogs=True) == ['Park', 'Pizza Place', 'Acme', 'Best']
    let qs = Place::objects()
        .exclude(Place::RESTAURANT_REL.then(Restaurant::SERVES_HOT_DOGS).eq(true))
        .order_by([Place::ID.asc()]);
    assert_eq!(place_names(qs), ["Park", "Pizza Place", "Acme", "Best"]);
}

// ---------------------------------------------------------------------------
// select_related
// ---------------------------------------------------------------------------

#[test]
fn select_related_reads_the_related_object_in_the_same_query() {
    let db = setup_weblog();
    // Entry.objects.select_related("blog"): one query, no query per entry.blog.
    let (pairs, n) = db.count_queries(|| entries().select_related(Entry::BLOG_REL).all(&db).unwrap());
    assert_eq!(n, 1);
    let got: Vec<(String, String)> =
        pairs.into_iter().map(|(e, b)| (e.headline, b.map(|b| b.name).unwrap_or_default())).collect();
    assert_eq!(
        got,
        [
            ("Lennon speaks".to_string(), "Beatles Blog".to_string()),
            ("All about 2008".into(), "Beatles Blog".into()),
            ("Lennon tribute".into(), "Pop Music Blog".into()),
            ("Pop in 2008".into(), "Pop Music Blog".into()),
        ]
    );
    // Blog.objects.select_related("featured"): a LEFT OUTER JOIN, None where there is no featured entry.
    let qs = blogs().select_related(Blog::FEATURED_REL);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert!(
        sql.contains(r#"LEFT OUTER JOIN "weblog_entry" ON ("weblog_blog"."featured_id" = "weblog_entry"."id")"#),
        "{sql}"
    );
    let featured: Vec<Option<String>> = qs.all(&db).unwrap().into_iter().map(|(_, e)| e.map(|e| e.headline)).collect();
    assert_eq!(featured, [Some("All about 2008".to_string()), None, None]);
    // With a filter across the same relation, the join is shared.
    let qs = entries().filter(Entry::BLOG_REL.then(Blog::NAME).eq("Pop Music Blog")).select_related(Entry::BLOG_REL);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert_eq!(sql.matches("JOIN").count(), 1, "{sql}");
    assert_eq!(qs.all(&db).unwrap().len(), 2);
    // A multi-valued relation is prefetch_related's, not select_related's.
    let err = blogs().select_related(Blog::ENTRIES_REL).all(&db).unwrap_err();
    assert!(matches!(err, modelgen_runtime::Error::Misuse(_)), "{err:?}");
}

#[test]
fn select_related_of_a_reverse_one_to_one_and_of_inherited_models() {
    use modelgen_examples::places::{self, Place, Restaurant};
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).unwrap();
    let mut park = Place::new();
    park.name = "Park".into();
    park.save(&db).unwrap();
    let mut r = Restaurant::new();
    r.name = "Pizza Place".into();
    r.serves_pizza = true;
    r.save(&db).unwrap();
    // Place.objects.select_related("restaurant"): the restaurant's own and inherited columns.
    let (rows, n) = db.count_queries(|| {
        Place::objects().order_by([Place::ID.asc()]).select_related(Place::RESTAURANT_REL).all(&db).unwrap()
    });
    assert_eq!(n, 1);
    let got: Vec<(String, Option<(String, bool)>)> =
        rows.into_iter().map(|(p, r)| (p.name, r.map(|r| (r.name, r.serves_pizza)))).collect();
    assert_eq!(got, [("Park".to_string(), None), ("Pizza Place".to_string(), Some(("Pizza Place".to_string(), true)))]);
}

#[test]
fn select_related_chain_blog_featured_joins_through_the_blog_in_one_query() {
    let db = setup_weblog();
    // Entry.objects.order_by("id").select_related("blog__featured"): Django 5.2 runs one query,
    // INNER JOIN "weblog_blog" (non-null blog), LEFT OUTER JOIN "weblog_entry" T3 (nullable featured),
    // and gives [("Lennon speaks", "Beatles Blog", "All about 2008"), ("All about 2008", "Beatles Blog",
    // "All about 2008"), ("Lennon tribute", "Pop Music Blog", None), ("Pop in 2008", "Pop Music Blog", None)].
    let qs = entries().select_related(Entry::BLOG_REL).then_related(Blog::FEATURED_REL);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert!(
        sql.contains(
            r#"FROM "weblog_entry" INNER JOIN "weblog_blog" ON ("weblog_entry"."blog_id" = "weblog_blog"."id") LEFT OUTER JOIN "weblog_entry" T3 ON ("weblog_blog"."featured_id" = T3."id")"#
        ),
        "{sql}"
    );
    let (rows, n) = db.count_queries(|| qs.all(&db).unwrap());
    assert_eq!(n, 1);
    let got: Vec<(String, Option<String>, Option<String>)> =
        rows.into_iter().map(|(e, b, f)| (e.headline, b.map(|b| b.name), f.map(|f| f.headline))).collect();
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        got,
        [
            ("Lennon speaks".to_string(), some("Beatles Blog"), some("All about 2008")),
            ("All about 2008".into(), some("Beatles Blog"), some("All about 2008")),
            ("Lennon tribute".into(), some("Pop Music Blog"), None),
            ("Pop in 2008".into(), some("Pop Music Blog"), None),
        ]
    );
}

#[test]
fn select_related_chain_stays_left_outer_after_a_nullable_link() {
    let db = setup_weblog();
    // Blog.objects.order_by("id").select_related("featured__blog"): Django 5.2 makes both joins
    // LEFT OUTER (a blog without a featured entry has no entry's blog either) and gives
    // [("Beatles Blog", "All about 2008", "Beatles Blog"), ("Pop Music Blog", None, None), ("Empty", None, None)].
    let qs = blogs().select_related(Blog::FEATURED_REL).then_related(Entry::BLOG_REL);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert!(
        sql.contains(
            r#"FROM "weblog_blog" LEFT OUTER JOIN "weblog_entry" ON ("weblog_blog"."featured_id" = "weblog_entry"."id") LEFT OUTER JOIN "weblog_blog" T3 ON ("weblog_entry"."blog_id" = T3."id")"#
        ),
        "{sql}"
    );
    let (rows, n) = db.count_queries(|| qs.all(&db).unwrap());
    assert_eq!(n, 1);
    let got: Vec<(String, Option<String>, Option<String>)> =
        rows.into_iter().map(|(b, e, eb)| (b.name, e.map(|e| e.headline), eb.map(|b| b.name))).collect();
    assert_eq!(
        got,
        [
            ("Beatles Blog".to_string(), Some("All about 2008".to_string()), Some("Beatles Blog".to_string())),
            ("Pop Music Blog".into(), None, None),
            ("Empty".into(), None, None),
        ]
    );
    // Entry.objects.filter(blog__featured__headline__contains="2008").select_related("blog__featured"):
    // the filter's joins are reused and required, so Django makes both INNER JOINs (no T4) and gives
    // [("Lennon speaks", "All about 2008"), ("All about 2008", "All about 2008")].
    let qs = entries()
        .filter(Entry::BLOG_REL.join(Blog::FEATURED_REL).then(Entry::HEADLINE).contains("2008"))
        .select_related(Entry::BLOG_REL)
        .then_related(Blog::FEATURED_REL);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert!(sql.contains(r#"INNER JOIN "weblog_entry" T3 ON ("weblog_blog"."featured_id" = T3."id")"#), "{sql}");
    assert_eq!(sql.matches("JOIN").count(), 2, "{sql}");
    let got: Vec<(String, Option<String>)> =
        qs.all(&db).unwrap().into_iter().map(|(e, _, f)| (e.headline, f.map(|f| f.headline))).collect();
    assert_eq!(
        got,
        [
            ("Lennon speaks".to_string(), Some("All about 2008".to_string())),
            ("All about 2008".into(), Some("All about 2008".into()))
        ]
    );
    // A multi-valued link anywhere in the chain is prefetch_related's.
    let err = entries().select_related(Entry::BLOG_REL).then_related(Blog::ENTRIES_REL).all(&db).unwrap_err();
    assert!(matches!(err, modelgen_runtime::Error::Misuse(_)), "{err:?}");
}

#[test]
fn select_related_of_two_relations_book_and_home_in_one_query() {
    use modelgen_examples::library::{self, Book, Copy as BookCopy, Shelf};
    let db = common::empty_database();
    db.create_tables(&[&library::APP]).unwrap();
    let mut shelves = Vec::new();
    for label in ["Returns", "A1"] {
        let mut s = Shelf::new();
        s.label = label.into();
        s.save(&db).unwrap();
        shelves.push(s);
    }
    let mut books = Vec::new();
    for (title, isbn) in [("Dune", "1"), ("Emma", "2")] {
        let mut b = Book::new(date(2000, 1, 1));
        b.title = title.into();
        b.isbn = isbn.into();
        b.save(&db).unwrap();
        books.push(b);
    }
    let mut dune = BookCopy::new(books[0].key().unwrap());
    dune.home_id = shelves[1].id;
    dune.save(&db).unwrap();
    BookCopy::new(books[1].key().unwrap()).save(&db).unwrap();
    let copies = || BookCopy::objects().order_by([BookCopy::ID.asc()]);
    // Copy.objects.order_by("id").select_related("book", "home"): Django 5.2 runs one query,
    // INNER JOIN "library_book", LEFT OUTER JOIN "library_shelf" (nullable home), and gives
    // [("Dune", "A1"), ("Emma", None)].
    let qs = copies().select_related(BookCopy::BOOK_REL).and_related(BookCopy::HOME_REL);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert!(
        sql.contains(
            r#"INNER JOIN "library_book" ON ("library_copy"."book_id" = "library_book"."id") LEFT OUTER JOIN "library_shelf" ON ("library_copy"."home_id" = "library_shelf"."id")"#
        ),
        "{sql}"
    );
    let (rows, n) = db.count_queries(|| qs.all(&db).unwrap());
    assert_eq!(n, 1);
    let got: Vec<(Option<String>, Option<String>)> =
        rows.into_iter().map(|(_, b, h)| (b.map(|b| b.title), h.map(|h| h.label))).collect();
    assert_eq!(got, [(Some("Dune".to_string()), Some("A1".to_string())), (Some("Emma".into()), None)]);
    // Copy.objects.order_by("id").select_related("home", "shelf"): Django joins in field order
    // whatever the order named, INNER JOIN "library_shelf" (shelf) then LEFT OUTER JOIN
    // "library_shelf" T3 (home), and gives [("A1", "Returns"), (None, "Returns")].
    let qs = copies().select_related(BookCopy::HOME_REL).and_related(BookCopy::SHELF_REL);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert!(
        sql.contains(
            r#"INNER JOIN "library_shelf" ON ("library_copy"."shelf_id" = "library_shelf"."id") LEFT OUTER JOIN "library_shelf" T3 ON ("library_copy"."home_id" = T3."id")"#
        ),
        "{sql}"
    );
    let got: Vec<(Option<String>, Option<String>)> =
        qs.all(&db).unwrap().into_iter().map(|(_, h, s)| (h.map(|h| h.label), s.map(|s| s.label))).collect();
    assert_eq!(got, [(Some("A1".to_string()), Some("Returns".to_string())), (None, Some("Returns".into()))]);
}

// ---------------------------------------------------------------------------
// prefetch_related
// ---------------------------------------------------------------------------

#[test]
fn prefetch_related_reads_each_relation_with_one_more_query() {
    let db = setup_weblog();
    // Blog.objects.prefetch_related("entries"): 2 queries; entries in Entry's ordering (-pub_date).
    let (blogs_with_entries, n) = db.count_queries(|| blogs().prefetch_related(Blog::ENTRIES_REL).all(&db).unwrap());
    assert_eq!(n, 2);
    let got: Vec<(String, Vec<String>)> =
        blogs_with_entries.into_iter().map(|(b, es)| (b.name, es.into_iter().map(|e| e.headline).collect())).collect();
    assert_eq!(
        got,
        [
            ("Beatles Blog".to_string(), vec!["All about 2008".to_string(), "Lennon speaks".into()]),
            ("Pop Music Blog".into(), vec!["Lennon tribute".into(), "Pop in 2008".into()]),
            ("Empty".into(), vec![]),
        ]
    );
    // Entry.objects.prefetch_related("authors"): 2 queries, through the join table.
    let (with_authors, n) = db.count_queries(|| entries().prefetch_related(Entry::AUTHORS_REL).all(&db).unwrap());
    assert_eq!(n, 2);
    let got: Vec<(String, Vec<String>)> = with_authors
        .into_iter()
        .map(|(e, authors)| {
            let mut names: Vec<String> = authors.into_iter().map(|a| a.name).collect();
            names.sort();
            (e.headline, names)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Lennon speaks".to_string(), vec!["John Lennon".to_string()]),
            ("All about 2008".into(), vec!["John Lennon".into(), "Paul McCartney".into()]),
            ("Lennon tribute".into(), vec!["Paul McCartney".into()]),
            ("Pop in 2008".into(), vec![]),
        ]
    );
    // The reverse many-to-many, and no second query when no row matches.
    let authors = Author::objects().order_by([Author::ID.asc()]).prefetch_related(Author::ENTRY_REL).all(&db).unwrap();
    assert_eq!(authors.iter().map(|(_, es)| es.len()).collect::<Vec<_>>(), [2, 2]);
    let (none, n) = db.count_queries(|| {
        blogs().filter(Blog::NAME.eq("nobody")).prefetch_related(Blog::ENTRIES_REL).all(&db).unwrap()
    });
    assert_eq!((none.len(), n), (0, 1));
}

#[test]
fn prefetch_related_against_the_n_plus_one_loop() {
    let db = setup_weblog();
    // The loop Django's prefetch_related replaces: one query per blog.
    let (_, loop_queries) = db.count_queries(|| {
        for b in blogs().all(&db).unwrap() {
            b.entries().all(&db).unwrap();
        }
    });
    assert_eq!(loop_queries, 4);
    let (_, prefetch_queries) = db.count_queries(|| blogs().prefetch_related(Blog::ENTRIES_REL).all(&db).unwrap());
    assert_eq!(prefetch_queries, 2);
}

#[test]
fn a_negated_many_to_many_lookup_in_the_same_filter_call_refers_to_the_joined_link() {
    let db = setup_weblog();
    // Entry.objects.filter(Q(authors__name="John Lennon") & ~Q(authors__name="Paul McCartney"))
    // == ['Lennon speaks', 'All about 2008']: the Lennon link itself is not Paul (Django
    // correlates the subquery on the join table row).
    let qs = entries().filter(
        Entry::AUTHORS_REL.then(Author::NAME).eq("John Lennon")
            & !Entry::AUTHORS_REL.then(Author::NAME).eq("Paul McCartney"),
    );
    assert_eq!(heads(&db, qs), ["Lennon speaks", "All about 2008"]);
    // In two filter() calls, the negation is about every author: ['Lennon speaks'].
    let qs = entries()
        .filter(Entry::AUTHORS_REL.then(Author::NAME).eq("John Lennon"))
        .exclude(Entry::AUTHORS_REL.then(Author::NAME).eq("Paul McCartney"));
    assert_eq!(heads(&db, qs), ["Lennon speaks"]);
    // Blog.objects.filter(Q(entries__authors__name="John Lennon") & ~Q(entries__rating=5)) == ['Beatles Blog']
    let qs = blogs().filter(
        Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).eq("John Lennon")
            & !Blog::ENTRIES_REL.then(Entry::RATING).eq(5),
    );
    assert_eq!(names(&db, qs), ["Beatles Blog"]);
}

/// distinct() with an ordering across a relation selects the ordering's
/// columns too, as Django, so rows differing only in them stay apart:
/// `Blog.objects.order_by("-entries__pub_date").distinct()` ran `SELECT
/// DISTINCT "weblog_blog"."id", ..., "weblog_entry"."pub_date" FROM
/// "weblog_blog" LEFT OUTER JOIN "weblog_entry" ... ORDER BY
/// "weblog_entry"."pub_date" DESC` and gave blogs [2, 2, 1, 1, 3];
/// `Entry.objects.order_by("blog__name", "id").distinct()` gave [1, 2, 3,
/// 4]; `Blog.objects.filter(entries__authors__name__contains="o")
/// .distinct().order_by("-entries__rating")` gave [1, 1].
#[test]
fn distinct_with_order_by_across_a_relation_selects_the_ordering_as_django() {
    let db = setup_weblog();
    let ids = |qs: QuerySet<Blog>| -> Vec<i64> { qs.all(&db).unwrap().into_iter().map(|b| b.id.unwrap()).collect() };
    let qs = Blog::objects().order_by([Blog::ENTRIES_REL.then(Entry::PUB_DATE).desc()]).distinct();
    // Blog 3 has no entries: its NULL date sorts last descending on SQLite
    // and first on PostgreSQL (NULLs are larger there); Django gave
    // [2, 2, 1, 1, 3] on SQLite and [3, 2, 2, 1, 1] on PostgreSQL.
    let expected: [i64; 5] = if common::on_postgresql() { [3, 2, 2, 1, 1] } else { [2, 2, 1, 1, 3] };
    assert_eq!(ids(qs.clone()), expected);
    let (text, _) = qs.sql_with_params().unwrap();
    assert!(
        text.starts_with(r#"SELECT DISTINCT "weblog_blog"."id", "weblog_blog"."name", "weblog_blog"."tagline", "weblog_blog"."featured_id", "weblog_entry"."pub_date" FROM "weblog_blog" LEFT OUTER JOIN "weblog_entry""#),
        "{text}"
    );
    let entries: Vec<i64> = Entry::objects()
        .order_by([Entry::BLOG_REL.then(Blog::NAME).asc(), Entry::ID.asc()])
        .distinct()
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|e| e.id.unwrap())
        .collect();
    assert_eq!(entries, [1, 2, 3, 4]);
    let qs = Blog::objects()
        .filter(Blog::ENTRIES_REL.join(Entry::AUTHORS_REL).then(Author::NAME).contains("o"))
        .distinct()
        .order_by([Blog::ENTRIES_REL.then(Entry::RATING).desc()]);
    assert_eq!(ids(qs), [1, 1]);
    // Ordered by the model's own columns, nothing is added.
    let (text, _) = blogs().distinct().sql_with_params().unwrap();
    assert!(text.starts_with(r#"SELECT DISTINCT "id", "name", "tagline", "featured_id" FROM "weblog_blog""#), "{text}");
}

/// select_related chains of three, as Django's `a__b__c`:
/// `Entry.objects.order_by("id").select_related("blog__featured__blog")`
/// ran one query, `INNER JOIN "weblog_blog" ... LEFT OUTER JOIN
/// "weblog_entry" T3 ON ("weblog_blog"."featured_id" = T3."id") LEFT OUTER
/// JOIN "weblog_blog" T4 ON (T3."blog_id" = T4."id")`, and gave (entry,
/// blog, featured, featured's blog) [(1, 1, 2, 1), (2, 1, 2, 1), (3, 2,
/// None, None), (4, 2, None, None)].
#[test]
fn select_related_chain_of_three_in_one_query_as_django() {
    let db = setup_weblog();
    let qs = entries().select_related(Entry::BLOG_REL).then_related(Blog::FEATURED_REL).then_related(Entry::BLOG_REL);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert!(
        sql.contains(r#", T3."status", T4."id", T4."name", T4."tagline", T4."featured_id" FROM "weblog_entry" INNER JOIN "weblog_blog" ON ("weblog_entry"."blog_id" = "weblog_blog"."id") LEFT OUTER JOIN "weblog_entry" T3 ON ("weblog_blog"."featured_id" = T3."id") LEFT OUTER JOIN "weblog_blog" T4 ON (T3."blog_id" = T4."id")"#),
        "{sql}"
    );
    let (rows, n) = db.count_queries(|| qs.all(&db).unwrap());
    assert_eq!(n, 1);
    // (entry, blog, featured, featured's blog) ids.
    type Ids = (i64, Option<i64>, Option<i64>, Option<i64>);
    let got: Vec<Ids> = rows
        .into_iter()
        .map(|(e, b, f, fb)| (e.id.unwrap(), b.and_then(|b| b.id), f.and_then(|f| f.id), fb.and_then(|b| b.id)))
        .collect();
    assert_eq!(got, [(1, Some(1), Some(2), Some(1)), (2, Some(1), Some(2), Some(1)), (3, Some(2), None, None), (4, Some(2), None, None)]);
}

/// A chain under the second of two relations joins depth first, as
/// Django: `Copy.objects.order_by("id").select_related("home",
/// "book__publisher")` joined `"library_book"`, then `LEFT OUTER JOIN
/// "library_publisher"`, then `LEFT OUTER JOIN "library_shelf"` (home), in
/// one query, and gave [('A1', 'Dune', 'Ace'), (None, 'Emma', None)].
#[test]
fn select_related_two_relations_and_a_chain_join_depth_first_as_django() {
    use modelgen_examples::library::{self, Book, Copy as BookCopy, Publisher, Shelf};
    let db = Database::open_in_memory().unwrap();
    db.create_tables(&[&library::APP]).unwrap();
    let mut shelves = Vec::new();
    for label in ["Returns", "A1"] {
        let mut s = Shelf::new();
        s.label = label.into();
        s.save(&db).unwrap();
        shelves.push(s);
    }
    let mut ace = Publisher::new();
    ace.name = "Ace".into();
    ace.save(&db).unwrap();
    let mut books = Vec::new();
    for (title, isbn) in [("Dune", "1"), ("Emma", "2")] {
        let mut b = Book::new(date(2000, 1, 1));
        b.title = title.into();
        b.isbn = isbn.into();
        if title == "Dune" {
            b.publisher_id = ace.id;
        }
        b.save(&db).unwrap();
        books.push(b);
    }
    let mut dune = BookCopy::new(books[0].key().unwrap());
    dune.home_id = shelves[1].id;
    dune.save(&db).unwrap();
    BookCopy::new(books[1].key().unwrap()).save(&db).unwrap();
    let qs = BookCopy::objects()
        .order_by([BookCopy::ID.asc()])
        .select_related(BookCopy::HOME_REL)
        .and_related(BookCopy::BOOK_REL)
        .then_related(Book::PUBLISHER_REL);
    let (sql, _) = qs.sql_with_params().unwrap();
    assert!(
        sql.contains(r#""library_copy"."home_id", "library_book"."id", "library_book"."title", "library_book"."isbn", "library_book"."publisher_id", "library_book"."published", "library_publisher"."id", "library_publisher"."name", "library_shelf"."id", "library_shelf"."label" FROM "library_copy" INNER JOIN "library_book" ON ("library_copy"."book_id" = "library_book"."id") LEFT OUTER JOIN "library_publisher" ON ("library_book"."publisher_id" = "library_publisher"."id") LEFT OUTER JOIN "library_shelf" ON ("library_copy"."home_id" = "library_shelf"."id")"#),
        "{sql}"
    );
    let (rows, n) = db.count_queries(|| qs.all(&db).unwrap());
    assert_eq!(n, 1);
    let got: Vec<(Option<String>, Option<String>, Option<String>)> =
        rows.into_iter().map(|(_, h, b, p)| (h.map(|h| h.label), b.map(|b| b.title), p.map(|p| p.name))).collect();
    assert_eq!(
        got,
        [(Some("A1".to_string()), Some("Dune".to_string()), Some("Ace".to_string())), (None, Some("Emma".into()), None)]
    );
}
