//! Django's get_or_create, update_or_create, bulk_create and bulk_update
//! on real SQLite, each pinned against Django 5.2 (the oracle in
//! /work/shared/tools/django-oracle, models shaped as the example apps'):
//! the statements run (captured with SQLite's own trace hook), the
//! primary keys filled in, the signals (none for the bulk operations),
//! the batches within 999 parameters, and the IntegrityError retry of
//! get_or_create.

mod common;

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_uint, c_void, CStr};
use std::sync::{Arc, Mutex};

use common::*;
use modelgen_examples::library::{Author, Publisher};
use modelgen_examples::places::{self, Restaurant};
use modelgen_examples::shop::Product;
use modelgen_examples::weblog::{Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::rusqlite::ffi;
use modelgen_runtime::{BulkCreate, Database, Error};

// ---------------------------------------------------------------------------
// Statement capture: SQLite's trace hook (every statement started)
// ---------------------------------------------------------------------------

thread_local! {
    static STATEMENTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The `SQLITE_TRACE_STMT` callback: `sql` is the statement's text.
unsafe extern "C" fn record_statement(kind: c_uint, _: *mut c_void, _: *mut c_void, sql: *mut c_void) -> c_int {
    if kind == ffi::SQLITE_TRACE_STMT as c_uint && !sql.is_null() {
        // SAFETY: for SQLITE_TRACE_STMT, SQLite passes the statement's
        // NUL-terminated UTF-8 text, valid for the call.
        let text = unsafe { CStr::from_ptr(sql as *const c_char) }.to_string_lossy().into_owned();
        STATEMENTS.with(|s| s.borrow_mut().push(text));
    }
    0
}

/// The statements `f` runs on `db` (BEGIN and COMMIT included).
fn statements<T>(db: &Database, f: impl FnOnce() -> T) -> (Vec<String>, T) {
    STATEMENTS.with(|s| s.borrow_mut().clear());
    // SAFETY: the handle is the open connection of `db`, which outlives the
    // hook (removed below before `db` can be dropped); the callback only
    // reads the text SQLite hands it.
    unsafe {
        ffi::sqlite3_trace_v2(db.sqlite_connection().expect("an SQLite database").handle(), ffi::SQLITE_TRACE_STMT as c_uint, Some(record_statement), std::ptr::null_mut());
    }
    let result = f();
    unsafe {
        ffi::sqlite3_trace_v2(db.sqlite_connection().expect("an SQLite database").handle(), 0, None, std::ptr::null_mut());
    }
    // Left out: the runtime's one-time look at a table's shape per handle
    // (`pragma_table_info`, whether the pk is a rowid alias) and SQLite's
    // trace of what runs inside those table-valued functions (`-- ...`).
    let run = STATEMENTS.with(|s| s.take());
    (run.into_iter().filter(|sql| !sql.starts_with("--") && !sql.contains("pragma_table")).collect(), result)
}

/// Each statement by its first word, with the number of rows of an INSERT
/// (`INSERT rows=500`) or of WHEN branches of an UPDATE: the shape Django's
/// CaptureQueriesContext showed in the oracle.
fn shape(statements: &[String]) -> Vec<String> {
    statements
        .iter()
        .map(|sql| {
            let word = sql.split(' ').next().unwrap_or_default();
            let n = if sql.starts_with("INSERT") {
                sql.matches("), (").count() + 1
            } else {
                sql.matches(" WHEN ").count()
            };
            format!("{word} rows={n}")
        })
        .collect()
}

fn publishers(names: impl IntoIterator<Item = String>) -> Vec<Publisher> {
    names
        .into_iter()
        .map(|name| {
            let mut p = Publisher::new();
            p.name = name;
            p
        })
        .collect()
}

fn authors(n: usize, prefix: &str) -> Vec<Author> {
    (0..n)
        .map(|i| {
            let mut a = Author::new();
            a.name = format!("{prefix}{i}");
            a
        })
        .collect()
}

fn product(name: &str, slug: &str) -> Product {
    let mut p = Product::new();
    p.name = name.into();
    p.slug = slug.into();
    p
}

/// A log of the signals sent for `M` (pre_save and post_save).
fn log_saves<M: Model>(db: &Database) -> Arc<Mutex<Vec<String>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    for signal in [Signal::PreSave, Signal::PostSave] {
        let log = log.clone();
        db.connect::<M>(signal, move |event| {
            log.lock().unwrap().push(format!("{:?}", event.signal));
            Ok(())
        });
    }
    log
}

// ---------------------------------------------------------------------------
// bulk_create
// ---------------------------------------------------------------------------

#[test]
fn bulk_create_fills_in_primary_keys_with_returning_and_sends_no_signals_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django: bulk_create([Blog(...) x3]) -> pks [1, 2, 3], no pre/post_save,
    // _state.adding False; one INSERT ... VALUES (...), (...), (...) RETURNING "id"
    // between BEGIN and COMMIT.
    let db = setup();
    let log = log_saves::<Blog>(&db);
    let mut blogs: Vec<Blog> = (0..3).map(|i| new_blog(&format!("b{i}"))).collect();
    let (sql, result) = statements(&db, || Blog::objects().bulk_create(&db, &mut blogs));
    result.unwrap();
    assert_eq!(blogs.iter().map(|b| b.id).collect::<Vec<_>>(), [Some(1), Some(2), Some(3)]);
    assert!(blogs.iter().all(|b| !b.state().adding));
    assert!(log.lock().unwrap().is_empty(), "no signal: {:?}", log.lock().unwrap());
    assert_eq!(shape(&sql), ["BEGIN rows=0", "INSERT rows=3", "COMMIT rows=0"]);
    assert!(sql[1].ends_with(r#"RETURNING "id""#), "{}", sql[1]);
    assert_eq!(ids(&db, "weblog_blog"), [1, 2, 3]);
    assert_eq!(Blog::get(&db, 2).unwrap().name, "b1");
}

#[test]
fn bulk_create_batches_within_999_parameters_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django (SQLite, max_query_params 999): 1001 Publishers (one column)
    // -> INSERTs of 500, 500, 1 rows; 1000 Authors (name, born) -> 499,
    // 499, 2; batch_size=4 on 10 Authors -> 4, 4, 2.
    let db = setup();
    let mut ps = publishers((0..1001).map(|i| format!("p{i}")));
    let (sql, result) = statements(&db, || Publisher::objects().bulk_create(&db, &mut ps));
    result.unwrap();
    assert_eq!(shape(&sql), ["BEGIN rows=0", "INSERT rows=500", "INSERT rows=500", "INSERT rows=1", "COMMIT rows=0"]);
    assert_eq!(ps.last().unwrap().id, Some(1001));

    let mut many = authors(1000, "a");
    let (sql, result) = statements(&db, || Author::objects().bulk_create(&db, &mut many));
    result.unwrap();
    assert_eq!(shape(&sql), ["BEGIN rows=0", "INSERT rows=499", "INSERT rows=499", "INSERT rows=2", "COMMIT rows=0"]);
    assert_eq!((many[0].id, many[999].id), (Some(1), Some(1000)));

    let mut few = authors(10, "x");
    let options = BulkCreate::new().batch_size(4);
    let (sql, result) = statements(&db, || Author::objects().bulk_create_with(&db, &mut few, options));
    result.unwrap();
    assert_eq!(shape(&sql), ["BEGIN rows=0", "INSERT rows=4", "INSERT rows=4", "INSERT rows=2", "COMMIT rows=0"]);
    assert_eq!(count(&db, "library_author"), 1010);

    // Django: ValueError "Batch size must be a positive integer."
    let options = BulkCreate::new().batch_size(0);
    let err = Author::objects().bulk_create_with(&db, &mut authors(1, "z"), options).unwrap_err();
    assert_eq!(err.to_string(), "Batch size must be a positive integer.");
}

#[test]
fn bulk_create_inserts_instances_with_a_pk_first_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django: [Author(name="new1"), Author(id=5000), Author(name="new2")] ->
    // INSERT of 1 row (the explicit pk), then of 2 rows; pks [5001, 5000, 5002].
    let db = setup();
    let mut objs = authors(3, "a");
    objs[1].id = Some(5000);
    let (sql, result) = statements(&db, || Author::objects().bulk_create(&db, &mut objs));
    result.unwrap();
    assert_eq!(shape(&sql), ["BEGIN rows=0", "INSERT rows=1", "INSERT rows=2", "COMMIT rows=0"]);
    assert_eq!(objs.iter().map(|a| a.id).collect::<Vec<_>>(), [Some(5001), Some(5000), Some(5002)]);
}

#[test]
fn bulk_create_sets_auto_now_and_auto_now_add_as_django_pre_save() {
    // Django: Entry.objects.bulk_create([Entry(...)]) sets mod_date
    // (auto_now) to today on the instance and in the row; Product's
    // created/updated likewise.
    let db = setup();
    let b = blog(&db, "b");
    let mut entries = vec![Entry::new(b.key().unwrap(), date(2024, 1, 1))];
    Entry::objects().bulk_create(&db, &mut entries).unwrap();
    let today = modelgen_runtime::now().date_naive();
    assert_eq!(entries[0].mod_date, today);
    assert_eq!(Entry::get(&db, entries[0].id.unwrap()).unwrap().mod_date, today);

    let mut products = vec![product("p", "p")];
    Product::objects().bulk_create(&db, &mut products).unwrap();
    let stored = Product::get(&db, products[0].id.unwrap()).unwrap();
    assert_eq!(stored.created, products[0].created);
    assert_eq!(stored.updated, products[0].updated);
    assert!(products[0].created.timestamp() > 0);
}

#[test]
fn bulk_create_refuses_an_unsaved_related_object_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django: ValueError "bulk_create() prohibited to prevent data loss due to
    // unsaved related object 'blog'.", before any SQL.
    let db = setup();
    let mut e = Entry::new(modelgen_runtime::Key::new(0), date(2024, 1, 1));
    e.set_blog(&Blog::new()).unwrap();
    let mut entries = vec![e];
    let (sql, result) = statements(&db, || Entry::objects().bulk_create(&db, &mut entries));
    assert_eq!(
        result.unwrap_err().to_string(),
        "bulk_create() prohibited to prevent data loss due to unsaved related object 'blog'."
    );
    assert!(sql.is_empty(), "{sql:?}");
}

#[test]
fn bulk_create_refuses_a_multi_table_inherited_model_as_django() {
    // Django: ValueError "Can't bulk create a multi-table inherited model".
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).unwrap();
    let mut restaurants = vec![Restaurant::new()];
    let err = Restaurant::objects().bulk_create(&db, &mut restaurants).unwrap_err();
    assert_eq!(err.to_string(), "Can't bulk create a multi-table inherited model");
    assert_eq!(count(&db, "places_place"), 0);
}

#[test]
fn bulk_create_ignore_conflicts_skips_duplicates_and_reads_no_pk_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django: bulk_create([Publisher("p1") (exists), Publisher("fresh")],
    // ignore_conflicts=True) -> INSERT OR IGNORE; pks [None, None],
    // _state.adding [True, True]; one row added.
    let db = setup();
    Publisher::objects().bulk_create(&db, &mut publishers(["p1".to_owned()])).unwrap();
    let mut objs = publishers(["p1".to_owned(), "fresh".to_owned()]);
    let options = BulkCreate::new().ignore_conflicts();
    let (sql, result) = statements(&db, || Publisher::objects().bulk_create_with(&db, &mut objs, options));
    result.unwrap();
    assert!(sql[1].starts_with("INSERT OR IGNORE INTO"), "{}", sql[1]);
    assert_eq!((objs[0].id, objs[1].id), (None, None));
    assert!(objs.iter().all(|p| p.state().adding));
    assert_eq!(count(&db, "library_publisher"), 2);
}

#[test]
fn bulk_create_update_conflicts_upserts_and_reads_pks_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django: Product(slug="s1") exists (pk 1); bulk_create([Product("N1",
    // "s1"), Product("N2", "s2")], update_conflicts=True,
    // update_fields=["name"], unique_fields=["slug"]) -> ... ON
    // CONFLICT("slug") DO UPDATE SET "name" = EXCLUDED."name" RETURNING
    // "id"; pks [1, 3]; rows (1, N1, s1), (3, N2, s2).
    let db = setup();
    product("old", "s1").save(&db).unwrap();
    let mut objs = vec![product("N1", "s1"), product("N2", "s2")];
    let options = BulkCreate::new().update_conflicts(Product::SLUG, Product::NAME);
    let (sql, result) = statements(&db, || Product::objects().bulk_create_with(&db, &mut objs, options));
    result.unwrap();
    assert!(sql[1].ends_with(r#"ON CONFLICT("slug") DO UPDATE SET "name" = EXCLUDED."name" RETURNING "id""#), "{}", sql[1]);
    assert_eq!((objs[0].id, objs[1].id), (Some(1), Some(3)));
    let rows: Vec<(i64, String, String)> = Product::objects()
        .order_by([Product::ID.asc()])
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|p| (p.id.unwrap(), p.name, p.slug))
        .collect();
    assert_eq!(rows, [(1, "N1".into(), "s1".into()), (3, "N2".into(), "s2".into())]);

    // Django's option errors.
    let both = BulkCreate::new().ignore_conflicts().update_conflicts(Product::SLUG, Product::NAME);
    let err = Product::objects().bulk_create_with(&db, &mut [product("a", "a")], both).unwrap_err();
    assert_eq!(err.to_string(), "ignore_conflicts and update_conflicts are mutually exclusive.");
    let pk = BulkCreate::new().update_conflicts(Product::SLUG, (Product::NAME, Product::ID));
    let err = Product::objects().bulk_create_with(&db, &mut [product("a", "a")], pk).unwrap_err();
    assert_eq!(err.to_string(), "bulk_create() cannot be used with primary keys in update_fields.");
}

// ---------------------------------------------------------------------------
// bulk_update
// ---------------------------------------------------------------------------

#[test]
fn bulk_update_is_one_case_when_update_per_batch_returning_rows_matched_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django: bulk_update(1000 authors, ["name"]) -> UPDATEs of 333, 333,
    // 333, 1 WHEN branches (999 // (2 + 1) rows), returns 1000;
    // bulk_update(authors[:3] + authors[:1], ["name", "born"]) -> one
    // UPDATE with 8 WHENs, returns 3 (rows matched, not objects).
    let db = setup();
    let mut all = authors(1000, "a");
    Author::objects().bulk_create(&db, &mut all).unwrap();
    for a in &mut all {
        a.name.push('!');
    }
    let (sql, updated) = statements(&db, || Author::objects().bulk_update(&db, &all, Author::NAME));
    assert_eq!(updated.unwrap(), 1000);
    assert_eq!(
        shape(&sql),
        ["BEGIN rows=0", "UPDATE rows=333", "UPDATE rows=333", "UPDATE rows=333", "UPDATE rows=1", "COMMIT rows=0"]
    );
    assert_eq!(Author::get(&db, 1000).unwrap().name, "a999!");

    let mut some: Vec<Author> = all[..3].to_vec();
    some.push(all[0].clone());
    some[0].born = Some(date(1900, 1, 1));
    let (sql, updated) = statements(&db, || Author::objects().bulk_update(&db, &some, (Author::NAME, Author::BORN)));
    assert_eq!(updated.unwrap(), 3);
    assert_eq!(shape(&sql), ["BEGIN rows=0", "UPDATE rows=8", "COMMIT rows=0"]);
    assert_eq!(
        sql[1],
        r#"UPDATE "library_author" SET "name" = CASE WHEN ("id" = ?) THEN ? WHEN ("id" = ?) THEN ? WHEN ("id" = ?) THEN ? WHEN ("id" = ?) THEN ? ELSE NULL END, "born" = CASE WHEN ("id" = ?) THEN ? WHEN ("id" = ?) THEN ? WHEN ("id" = ?) THEN ? WHEN ("id" = ?) THEN ? ELSE NULL END WHERE "id" IN (?, ?, ?, ?)"#
    );
    assert_eq!(Author::get(&db, 1).unwrap().born, Some(date(1900, 1, 1)));
}

#[test]
fn bulk_update_sends_no_signals_and_leaves_auto_now_alone_as_django() {
    // Django's bulk_update reads the attributes as they are: no pre_save, so
    // an auto_now field keeps its value, and no signal is sent.
    let db = setup();
    let mut p = product("p", "p");
    p.save(&db).unwrap();
    let updated_before = p.updated;
    let log = log_saves::<Product>(&db);
    p.name = "renamed".into();
    assert_eq!(Product::objects().bulk_update(&db, std::slice::from_ref(&p), (Product::NAME, Product::UPDATED)).unwrap(), 1);
    assert!(log.lock().unwrap().is_empty());
    let stored = Product::get(&db, p.id.unwrap()).unwrap();
    assert_eq!((stored.name.as_str(), stored.updated), ("renamed", updated_before));
}

#[test]
fn bulk_update_errors_are_djangos() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django 5.2's ValueErrors, before any SQL (no fields and an unknown
    // field do not compile here: the fields are column constants).
    let db = setup();
    let mut saved = authors(1, "a");
    Author::objects().bulk_create(&db, &mut saved).unwrap();
    let (sql, err) = statements(&db, || Author::objects().bulk_update(&db, &saved, (Author::NAME, Author::ID)));
    assert_eq!(err.unwrap_err().to_string(), "bulk_update() cannot be used with primary key fields.");
    assert!(sql.is_empty());
    let err = Author::objects().bulk_update(&db, &authors(1, "x"), Author::NAME).unwrap_err();
    assert_eq!(err.to_string(), "All bulk_update() objects must have a primary key set.");
    let err = Author::objects().bulk_update_with(&db, &saved, Author::NAME, Some(0)).unwrap_err();
    assert_eq!(err.to_string(), "Batch size must be a positive integer.");
    assert_eq!(Author::objects().bulk_update(&db, &[], Author::NAME).unwrap(), 0);
}

#[test]
fn bulk_update_refuses_an_unsaved_related_object_among_its_fields_as_django() {
    // Django: ValueError "bulk_update() prohibited to prevent data loss due
    // to unsaved related object 'blog'." when `blog` is among the fields;
    // the other fields are written.
    let db = setup();
    let b = blog(&db, "b");
    let mut entries = vec![Entry::new(b.key().unwrap(), date(2024, 1, 1))];
    Entry::objects().bulk_create(&db, &mut entries).unwrap();
    entries[0].set_blog(&Blog::new()).unwrap();
    entries[0].headline = "h".into();
    let err = Entry::objects().bulk_update(&db, &entries, (Entry::BLOG, Entry::HEADLINE)).unwrap_err();
    assert_eq!(err.to_string(), "bulk_update() prohibited to prevent data loss due to unsaved related object 'blog'.");
    assert_eq!(Entry::objects().bulk_update(&db, &entries, Entry::HEADLINE).unwrap(), 1);
}

// ---------------------------------------------------------------------------
// get_or_create
// ---------------------------------------------------------------------------

#[test]
fn get_or_create_creates_once_then_gets_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django: get_or_create(name="A") -> ({id 1, "A"}, True), then
    // ({id 1, "A"}, False); the create is BEGIN / INSERT / COMMIT after the get.
    let db = setup();
    let log = log_saves::<Publisher>(&db);
    let (sql, result) =
        statements(&db, || Publisher::objects().filter(Publisher::NAME.eq("A")).get_or_create(&db, Publisher::new));
    let (created, was_created) = result.unwrap();
    assert!(was_created);
    assert_eq!((created.id, created.name.as_str()), (Some(1), "A"));
    assert!(!created.state().adding);
    assert_eq!(sql.iter().map(|s| s.split(' ').next().unwrap()).collect::<Vec<_>>(), ["SELECT", "BEGIN", "INSERT", "COMMIT"]);
    // create() is a save: its signals are sent.
    assert_eq!(*log.lock().unwrap(), ["PreSave", "PostSave"]);

    let (found, was_created) = Publisher::objects().filter(Publisher::NAME.eq("A")).get_or_create(&db, Publisher::new).unwrap();
    assert!(!was_created);
    assert_eq!(found.id, Some(1));
    assert_eq!(count(&db, "library_publisher"), 1);
}

#[test]
fn get_or_create_sets_the_exact_lookups_on_the_new_instance_as_django_kwargs() {
    // Django: Entry.objects.get_or_create(blog=b, headline="x",
    // rating__gt=3, defaults={...}) creates with blog and headline set;
    // the lookup with "__" sets nothing.
    let db = setup();
    let b = blog(&db, "b");
    let (e, created) = Entry::objects()
        .filter(Entry::BLOG.eq(b.key().unwrap()) & Entry::HEADLINE.eq("x"))
        .filter(Entry::RATING.gt(3))
        .get_or_create(&db, || {
            let mut e = Entry::new(modelgen_runtime::Key::new(0), date(2024, 1, 1));
            e.body_text = "from the closure".into();
            e
        })
        .unwrap();
    assert!(created);
    assert_eq!((e.blog_id, e.headline.as_str(), e.rating, e.body_text.as_str()), (b.id.unwrap(), "x", 5, "from the closure"));
    // rating 5 > 3: the same call now finds it.
    let (again, created) = Entry::objects()
        .filter(Entry::BLOG.eq(b.key().unwrap()) & Entry::HEADLINE.eq("x"))
        .filter(Entry::RATING.gt(3))
        .get_or_create(&db, || unreachable!("the row exists"))
        .unwrap();
    assert_eq!((again.id, created), (e.id, false));
}

#[test]
fn get_or_create_with_several_matches_is_multiple_objects_returned_as_django() {
    let db = setup();
    Author::objects().bulk_create(&db, &mut authors(2, "same")).unwrap();
    let err = Author::objects().filter(Author::NAME.startswith("same")).get_or_create(&db, Author::new).unwrap_err();
    assert!(matches!(err, Error::MultipleObjectsReturned { count: 2, .. }), "{err:?}");
}

#[test]
fn get_or_create_gets_the_row_another_connection_inserted_after_an_integrity_error_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django (file database): a pre_save receiver commits Publisher("B")
    // through a second connection between the get and the INSERT ->
    // SELECT, BEGIN, INSERT (UNIQUE fails), ROLLBACK, SELECT; returns
    // (the other connection's row, pk 2, False).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.sqlite3");
    let db = Database::open(&path).unwrap();
    db.create_tables(APPS).unwrap();
    Publisher::objects().filter(Publisher::NAME.eq("A")).get_or_create(&db, Publisher::new).unwrap();
    let other = path.clone();
    db.connect::<Publisher>(Signal::PreSave, move |event| {
        let conn = modelgen_runtime::rusqlite::Connection::open(&other).unwrap();
        conn.execute(r#"INSERT INTO "library_publisher" ("name") VALUES (?1)"#, [&event.instance.name]).unwrap();
        Ok(())
    });
    let (sql, result) =
        statements(&db, || Publisher::objects().filter(Publisher::NAME.eq("B")).get_or_create(&db, Publisher::new));
    let (found, created) = result.unwrap();
    assert_eq!((found.id, found.name.as_str(), created), (Some(2), "B", false));
    assert_eq!(
        sql.iter().map(|s| s.split(' ').next().unwrap()).collect::<Vec<_>>(),
        ["SELECT", "BEGIN", "INSERT", "ROLLBACK", "SELECT"]
    );
}

#[test]
fn get_or_create_reraises_the_integrity_error_when_the_second_get_finds_nothing_as_django() {
    // Django: a pre_save receiver inserting Publisher("C") on the same
    // connection does so inside create()'s atomic block: the INSERT fails,
    // the rollback takes the receiver's row too, the second get finds
    // nothing -> IntegrityError "UNIQUE constraint failed: ..._publisher.name";
    // the table keeps its other rows only.
    let db = setup();
    db.connect::<Publisher>(Signal::PreSave, |event| {
        event.db.execute_raw(r#"INSERT INTO "library_publisher" ("name") VALUES (?1)"#, &[event.instance.name.clone().into()])?;
        Ok(())
    });
    let err = Publisher::objects().filter(Publisher::NAME.eq("C")).get_or_create(&db, Publisher::new).unwrap_err();
    assert!(matches!(err, Error::Integrity(_)), "{err:?}");
    common::assert_integrity_text(
        &err.to_string(),
        "UNIQUE constraint failed: library_publisher.name",
        r#"duplicate key value violates unique constraint "library_publisher_name_key""#,
    );
    assert_eq!(count(&db, "library_publisher"), 0);
}

// ---------------------------------------------------------------------------
// update_or_create
// ---------------------------------------------------------------------------

#[test]
fn update_or_create_updates_with_update_fields_including_auto_now_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django 5.2: update_or_create(slug="s", defaults={"name": "N",
    // "number_sold": 3}) -> created (1, True, "N", 3): BEGIN, SELECT,
    // SAVEPOINT, INSERT, RELEASE, COMMIT. Then update_or_create(slug="s",
    // defaults={"name": "M"}, create_defaults={"name": "Z"}) -> (1, False,
    // "M"): BEGIN, SELECT, UPDATE "name", "created", "updated" (the
    // defaults plus the fields with a pre_save), COMMIT.
    let db = setup();
    let (sql, result) = statements(&db, || {
        Product::objects().filter(Product::SLUG.eq("s")).update_or_create(
            &db,
            &[Product::NAME.set("N"), Product::NUMBER_SOLD.set(3i64)],
            Product::new,
        )
    });
    let (p, created) = result.unwrap();
    assert_eq!((p.id, created, p.name.as_str(), p.number_sold, p.slug.as_str()), (Some(1), true, "N", 3, "s"));
    assert_eq!(
        sql.iter().map(|s| s.split(' ').next().unwrap()).collect::<Vec<_>>(),
        ["BEGIN", "SELECT", "SAVEPOINT", "INSERT", "RELEASE", "COMMIT"]
    );

    let log = log_saves::<Product>(&db);
    let (sql, result) = statements(&db, || {
        Product::objects().filter(Product::SLUG.eq("s")).update_or_create_with(
            &db,
            &[Product::NAME.set("M")],
            &[Product::NAME.set("Z")],
            || unreachable!("the row exists"),
        )
    });
    let (p, created) = result.unwrap();
    assert_eq!((p.id, created, p.name.as_str(), p.number_sold), (Some(1), false, "M", 3));
    assert_eq!(sql.iter().map(|s| s.split(' ').next().unwrap()).collect::<Vec<_>>(), ["BEGIN", "SELECT", "UPDATE", "COMMIT"]);
    assert_eq!(sql[2], r#"UPDATE "shop_product" SET "name" = ?, "created" = ?, "updated" = ? WHERE "id" = ?"#);
    assert_eq!(*log.lock().unwrap(), ["PreSave", "PostSave"]);
    assert!(p.updated > p.created);
}

#[test]
fn update_or_create_creates_with_create_defaults_as_django() {
    // Django: update_or_create(slug="t", defaults={"name": "M"},
    // create_defaults={"name": "Z"}) -> created with name "Z".
    let db = setup();
    let (p, created) = Product::objects()
        .filter(Product::SLUG.eq("t"))
        .update_or_create_with(&db, &[Product::NAME.set("M")], &[Product::NAME.set("Z")], Product::new)
        .unwrap();
    assert!(created);
    assert_eq!((p.name.as_str(), p.slug.as_str()), ("Z", "t"));
    // The defaults win over the lookup, as Django's defaults over kwargs:
    // get_or_create(slug="u", defaults={"slug": "v"}) created slug "v".
    let (p, _) = Product::objects()
        .filter(Product::SLUG.eq("u"))
        .update_or_create(&db, &[Product::SLUG.set("v"), Product::NAME.set("D")], Product::new)
        .unwrap();
    assert_eq!(p.slug, "v");
}

// ---------------------------------------------------------------------------
// db_default and multi-table inheritance
// ---------------------------------------------------------------------------

#[test]
fn bulk_create_writes_db_default_expressions_and_returns_their_values_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django 5.2: bulk_create([Review(book=b), Review(book=b, stars=5,
    // state="x")]) -> one INSERT writing the db_default expression where a
    // value is unset (STRFTIME(...'NOW'), 3, 'it''s new') and RETURNING
    // "id", "created", "stars", "state", ...; the instances get
    // (votes, which has a Python default too, is bound: the runtime returns
    // only the columns whose value the database may fill, Django returns
    // it as well, with the same value)
    // (1, stars 3, "it's new") and (2, stars 5, "x"), `created` filled.
    use modelgen_examples::publishing::{self, Book, Review};
    let db = common::empty_database();
    db.create_tables(&[&publishing::APP]).unwrap();
    let mut book = Book::new();
    book.title = "t".into();
    book.save(&db).unwrap();
    let mut first = Review::new(book.key().unwrap());
    first.stars = None;
    first.state = None;
    let mut second = Review::new(book.key().unwrap());
    second.stars = Some(5);
    second.state = Some("x".into());
    let mut objs = vec![first, second];
    let (sql, result) = statements(&db, || Review::objects().bulk_create(&db, &mut objs));
    result.unwrap();
    assert_eq!(sql.len(), 3, "BEGIN, INSERT, COMMIT: {sql:?}");
    assert_eq!(
        sql[1],
        r#"INSERT INTO "publishing_review" ("book_id", "body", "created", "stars", "state", "featured", "weight", "fee", "votes") VALUES (?, ?, ((STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))), (3), ('it''s new'), (0), (1.0), ((CAST('0.50' AS NUMERIC))), ?), (?, ?, ((STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))), ?, ?, (0), (1.0), ((CAST('0.50' AS NUMERIC))), ?) RETURNING "id", "created", "stars", "state", "featured", "weight", "fee""#
    );
    let got: Vec<_> = objs.iter().map(|r| (r.id, r.stars, r.state.clone(), r.votes, r.created.is_some())).collect();
    assert_eq!(got, [(Some(1), Some(3), Some("it's new".into()), 5, true), (Some(2), Some(5), Some("x".into()), 5, true)]);
    assert_eq!(Review::get(&db, 1).unwrap().created, objs[0].created);
}

#[test]
fn bulk_update_of_a_multi_table_child_writes_each_table_as_django() {
    if common::sqlite_only("reads SQLite's statement trace (sqlite3_trace_v2)") {
        return;
    }
    // Django: Restaurant.objects.bulk_update([r1, r2], ["name",
    // "serves_pizza"]) -> an UPDATE of places_restaurant (serves_pizza)
    // and one of places_place (name), returns 2; rows ("A", True),
    // ("B", False). (Django first selects the child's pks; the runtime
    // writes by the instances' pks directly.)
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).unwrap();
    let mut restaurants: Vec<Restaurant> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let mut r = Restaurant::new();
            r.name = name.into();
            r.address = "x".into();
            r.save(&db).unwrap();
            r
        })
        .collect();
    restaurants[0].name = "A".into();
    restaurants[0].serves_pizza = true;
    restaurants[1].name = "B".into();
    let (sql, updated) = statements(&db, || Restaurant::objects().bulk_update(&db, &restaurants, (Restaurant::NAME, Restaurant::SERVES_PIZZA)));
    assert_eq!(updated.unwrap(), 2);
    let tables: Vec<&str> = sql.iter().filter(|s| s.starts_with("UPDATE")).map(|s| s.split('"').nth(1).unwrap()).collect();
    assert_eq!(tables, ["places_restaurant", "places_place"]);
    let rows: Vec<(String, bool)> = Restaurant::objects()
        .order_by([Restaurant::ID.asc()])
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.serves_pizza))
        .collect();
    assert_eq!(rows, [("A".into(), true), ("B".into(), false)]);
    // Only a parent's field: the count is the parent table's.
    assert_eq!(Restaurant::objects().bulk_update(&db, &restaurants, Restaurant::NAME).unwrap(), 2);
}

#[test]
fn get_or_create_of_a_multi_table_child_creates_both_rows_as_django() {
    // Django: Restaurant.objects.get_or_create(name="R", defaults={"address":
    // "x"}) -> created, one places_place and one places_restaurant row; the
    // same call again -> (that restaurant, False).
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).unwrap();
    let by_name = Restaurant::objects().filter(Restaurant::NAME.eq("R"));
    let build = || {
        let mut r = Restaurant::new();
        r.address = "x".into();
        r
    };
    let (r, created) = by_name.get_or_create(&db, build).unwrap();
    assert!(created);
    assert_eq!((r.name.as_str(), r.address.as_str()), ("R", "x"));
    assert_eq!((count(&db, "places_place"), count(&db, "places_restaurant")), (1, 1));
    let (again, created) = by_name.get_or_create(&db, build).unwrap();
    assert_eq!((again.id, created), (r.id, false));
}

#[test]
fn get_or_create_by_instance_and_pk_sets_the_key_as_django() {
    // Django: Entry.objects.get_or_create(blog=b, pk=40, defaults=...)
    // creates the entry with blog_id = b.pk and id 40.
    let db = setup();
    let b = blog(&db, "b");
    let (e, created) = Entry::objects()
        .filter(Entry::BLOG.eq_obj(&b))
        .filter(modelgen_runtime::Condition::pk(40i64))
        .get_or_create(&db, || Entry::new(modelgen_runtime::Key::new(0), date(2024, 1, 1)))
        .unwrap();
    assert!(created);
    assert_eq!((e.id, e.blog_id), (Some(40), b.id.unwrap()));
}
