//! `fork()` (SPEC §4): deep copies along `copy` policies, against a real
//! SQLite database. weblog.Blog copies its entries (reverse FK) and its
//! featured entry (a forward FK into the same graph); shop.Category copies
//! its children (a tree); library.Book copies its cover (reverse one-to-one)
//! and its custom through rows.

mod common;

use std::sync::{Arc, Mutex};

use common::{count, date, setup};
use modelgen_examples::library::{Author, Authorship, Book, Cover};
use modelgen_examples::shop::Category;
use modelgen_examples::weblog::{Author as WeblogAuthor, Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Database, Error, Model, Signal};

fn blog_with_entries(db: &Database, entries: usize) -> (Blog, Vec<Entry>, Vec<WeblogAuthor>) {
    let mut blog = Blog::new();
    blog.name = "Cheese".into();
    blog.save(db).unwrap();
    let mut authors = Vec::new();
    for name in ["Ann", "Bob"] {
        let mut a = WeblogAuthor::new();
        a.name = name.into();
        a.save(db).unwrap();
        authors.push(a);
    }
    let mut out = Vec::new();
    for i in 0..entries {
        let mut e = Entry::new(blog.key().unwrap(), date(2024, 1, 1 + i as u32));
        e.headline = format!("Entry {i}");
        e.rating = i as i64;
        e.save(db).unwrap();
        e.authors().add(db, &[&authors[0], &authors[1]]).unwrap();
        out.push(e);
    }
    blog.featured_id = out.first().and_then(|e| e.id);
    blog.save(db).unwrap();
    (blog, out, authors)
}

fn ids<M: Model<Key = i64>>(keys: Vec<Key<M>>) -> Vec<i64> {
    keys.into_iter().map(Key::get).collect()
}

#[test]
fn fork_copies_the_reverse_relation_marked_copy_and_relinks_many_to_many() {
    let db = setup();
    let (blog, entries, authors) = blog_with_entries(&db, 3);
    let fork = blog.fork(&db).unwrap();
    let copy = &fork.root;
    assert_ne!(copy.id, blog.id);
    assert_eq!(copy.name, "Cheese", "no suffix: name is not unique");
    let copied = copy.entries().query().unwrap().order_by([Entry::RATING.asc()]).all(&db).unwrap();
    assert_eq!(copied.len(), 3);
    for (old, new) in entries.iter().zip(&copied) {
        assert_ne!(old.id, new.id);
        assert_eq!(
            (new.headline.as_str(), new.rating, new.pub_date),
            (old.headline.as_str(), old.rating, old.pub_date)
        );
        assert_eq!(new.blog_id, copy.id.unwrap(), "the copy's FK points at the copied blog");
        let mut linked = ids(new.authors().pks(&db).unwrap());
        linked.sort();
        assert_eq!(linked, vec![authors[0].id.unwrap(), authors[1].id.unwrap()], "authors re-linked, not copied");
    }
    assert_eq!(count(&db, "weblog_author"), 2);
    assert_eq!(count(&db, "weblog_entry"), 6);
    assert_eq!(count(&db, "weblog_entry_authors"), 12);
    // The source graph is untouched.
    assert_eq!(blog.entries().query().unwrap().count(&db).unwrap(), 3);
}

#[test]
fn a_row_reached_twice_is_copied_once_and_references_between_copies_point_at_the_copies() {
    // django-clone copies a shared row twice and leaves references between
    // copies pointing at the originals (its #175). The featured entry is
    // reached through `featured` (copy) and through `entries` (copy); the
    // blog and the entry reference each other (a cycle of references).
    let db = setup();
    let (blog, entries, _) = blog_with_entries(&db, 2);
    let fork = blog.fork(&db).unwrap();
    assert_eq!(count(&db, "weblog_entry"), 4, "2 entries copied once each");
    let featured = fork.root.featured_id.expect("the copy has a featured entry");
    assert_ne!(Some(featured), entries[0].id, "not the original's");
    let featured_entry = Entry::get(&db, featured).unwrap();
    assert_eq!(featured_entry.blog_id, fork.root.id.unwrap(), "the featured copy belongs to the copied blog");
    assert_eq!(featured_entry.headline, "Entry 0");
    assert_eq!(fork.map.get::<Entry, _>(&entries[0].id.unwrap()), Some(featured));
}

#[test]
fn fork_returns_the_old_to_new_map_per_model() {
    let db = setup();
    let (blog, entries, _) = blog_with_entries(&db, 2);
    let fork = blog.fork(&db).unwrap();
    let labels: Vec<String> = fork.map.models().map(|(label, _)| label).collect();
    assert_eq!(labels, ["weblog.Blog", "weblog.Entry"], "auto-created link rows are not in the map");
    assert_eq!(fork.map.get::<Blog, _>(&blog.id.unwrap()), fork.root.id);
    for e in &entries {
        let new = fork.map.get::<Entry, _>(&e.id.unwrap()).expect("every entry mapped");
        assert_eq!(Entry::get(&db, new).unwrap().headline, e.headline);
    }
    assert_eq!(fork.map.len(), 3);
}

fn tree(db: &Database, depth: usize, fan: usize) -> (Category, usize) {
    let mut root = Category::new();
    root.name = "root".into();
    root.save(db).unwrap();
    let mut level = vec![root.id.unwrap()];
    let mut total = 1;
    for d in 0..depth {
        let mut next = Vec::new();
        for parent in &level {
            for i in 0..fan {
                let mut c = Category::new();
                c.name = format!("{d}.{i}");
                c.parent_id = Some(*parent);
                c.save(db).unwrap();
                next.push(c.id.unwrap());
                total += 1;
            }
        }
        level = next;
    }
    (root, total)
}

#[test]
fn fork_copies_a_tree_to_any_depth_with_parents_pointing_at_the_copies() {
    let db = setup();
    let (root, total) = tree(&db, 4, 3);
    assert_eq!(total, 1 + 3 + 9 + 27 + 81);
    let fork = root.fork(&db).unwrap();
    assert_eq!(count(&db, "shop_category"), 2 * total as i64);
    assert_eq!(fork.map.len(), total);
    // Every copied node's parent is the copy of its source's parent.
    for (old, new) in fork.map.pairs(Category::meta()) {
        let old: i64 = modelgen_runtime::from_value(old.clone()).unwrap();
        let new: i64 = modelgen_runtime::from_value(new.clone()).unwrap();
        let source = Category::get(&db, old).unwrap();
        let copy = Category::get(&db, new).unwrap();
        assert_eq!(copy.name, source.name);
        match source.parent_id {
            None => assert_eq!(copy.parent_id, None),
            Some(p) => assert_eq!(copy.parent_id, fork.map.get::<Category, _>(&p)),
        }
    }
    // A reference to a row outside the graph is kept: fork a subtree.
    let child = root.children().query().unwrap().first(&db).unwrap().unwrap();
    let sub = child.fork(&db).unwrap();
    assert_eq!(sub.root.parent_id, root.id, "the subtree copy hangs under the same parent");
}

#[test]
fn fork_of_a_book_copies_its_cover_and_its_through_rows_with_their_extra_data() {
    let db = setup();
    let mut author = Author::new();
    author.name = "Frank".into();
    author.save(&db).unwrap();
    let mut book = Book::new(date(1965, 8, 1));
    book.title = "Dune".into();
    book.isbn = "9780441013593".into();
    book.save(&db).unwrap();
    let mut link = Authorship::new(author.key().unwrap(), book.key().unwrap());
    link.position = 3;
    link.save(&db).unwrap();
    let mut cover = Cover::new(book.key().unwrap());
    cover.image_url = "http://x/dune.png".into();
    cover.artist_id = author.id;
    cover.save(&db).unwrap();

    let fork = book.fork(&db).unwrap();
    let new_cover = fork.root.cover(&db).unwrap().expect("the cover was copied (reverse one-to-one: copy)");
    assert_ne!(new_cover.id, cover.id);
    assert_eq!((new_cover.image_url.as_str(), new_cover.artist_id), ("http://x/dune.png", author.id));
    let through: Vec<Authorship> = fork.root.authorship_set().query().unwrap().all(&db).unwrap();
    assert_eq!(through.len(), 1);
    assert_eq!((through[0].author_id, through[0].position), (author.id.unwrap(), 3), "extra column copied");
    assert_eq!(fork.root.isbn, "978044 copy 1");
    let labels: Vec<String> = fork.map.models().map(|(l, _)| l).collect();
    assert!(labels.contains(&"library.Authorship".to_string()), "through rows appear under their model: {labels:?}");
    assert_eq!(count(&db, "library_author"), 1, "authors are linked, not copied");
}

#[test]
fn a_failed_fork_leaves_the_database_and_the_source_unchanged() {
    if common::sqlite_only("fails the fork with a SQLite trigger") {
        return;
    }
    let db = setup();
    let (blog, _, _) = blog_with_entries(&db, 5);
    let before_blog = blog.clone();
    let tables = ["weblog_blog", "weblog_entry", "weblog_entry_authors"];
    let before: Vec<i64> = tables.iter().map(|t| count(&db, t)).collect();
    // The link rows are written last: fail there, after the blog and the
    // entries were inserted.
    db.execute_batch(
        "CREATE TRIGGER fail_links BEFORE INSERT ON weblog_entry_authors BEGIN SELECT RAISE(ABORT, 'link refused'); END;",
    )
    .unwrap();
    let err = blog.fork(&db).unwrap_err();
    assert!(err.to_string().contains("link refused"), "{err}");
    let after: Vec<i64> = tables.iter().map(|t| count(&db, t)).collect();
    assert_eq!(before, after, "no row of the fork is left");
    assert_eq!(blog, before_blog, "the source instance is unchanged");
    assert!(!db.in_transaction());
    // And the next fork works once the fault is gone.
    db.execute_batch("DROP TRIGGER fail_links").unwrap();
    blog.fork(&db).unwrap();
    assert_eq!(count(&db, "weblog_entry"), 10);
}

#[test]
fn a_dry_run_returns_the_plan_and_writes_nothing() {
    let db = setup();
    let (blog, _, _) = blog_with_entries(&db, 3);
    let plan = blog.fork_plan(&db).unwrap();
    let tables: Vec<(&str, usize)> = plan.tables.iter().map(|t| (t.table, t.rows)).collect();
    assert_eq!(tables, [("weblog_blog", 1), ("weblog_entry", 3), ("weblog_entry_authors", 6)]);
    assert_eq!(plan.rows(), 10);
    assert_eq!(plan.statements(), 3, "one multi-row INSERT per table");
    assert!(plan.tables[1].statements[0].starts_with("INSERT INTO \"weblog_entry\" (\"id\", \"blog_id\""));
    assert_eq!(plan.map.len(), 4);
    assert_eq!(count(&db, "weblog_entry"), 3, "nothing written");
    assert_eq!(count(&db, "weblog_blog"), 1);
}

#[test]
fn fork_sends_the_per_row_save_signals_inside_and_one_fork_signal_after_the_commit() {
    let db = setup();
    let (blog, entries, _) = blog_with_entries(&db, 2);
    let log: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    db.connect::<Entry>(Signal::PreSave, move |e| {
        l.lock().unwrap().push(format!("pre_save {} in_tx={}", e.instance.headline, e.db.in_transaction()));
        Ok(())
    });
    let l = log.clone();
    db.connect::<Entry>(Signal::PostSave, move |e| {
        l.lock().unwrap().push(format!("post_save {} created={}", e.instance.headline, e.created));
        Ok(())
    });
    let l = log.clone();
    db.connect_forked::<Blog>(move |e| {
        l.lock().unwrap().push(format!(
            "forked {:?} -> {:?} ({} objects) in_tx={}",
            e.source.id,
            e.copy.id,
            e.map.len(),
            e.db.in_transaction()
        ));
        Ok(())
    });
    let fork = blog.fork(&db).unwrap();
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log,
        vec![
            "pre_save Entry 0 in_tx=true".to_string(),
            "pre_save Entry 1 in_tx=true".to_string(),
            "post_save Entry 0 created=true".to_string(),
            "post_save Entry 1 created=true".to_string(),
            format!("forked {:?} -> {:?} (3 objects) in_tx=false", blog.id, fork.root.id),
        ]
    );
    let _ = entries;
}

#[test]
fn a_receiver_failing_inside_the_fork_rolls_it_back_and_no_fork_signal_is_sent() {
    let db = setup();
    let (blog, _, _) = blog_with_entries(&db, 2);
    let forked = Arc::new(Mutex::new(0));
    let f = forked.clone();
    db.connect_forked::<Blog>(move |_| {
        *f.lock().unwrap() += 1;
        Ok(())
    });
    db.connect::<Entry>(Signal::PostSave, |_| Err(Error::Misuse("refused".into())));
    assert!(blog.fork(&db).is_err());
    assert_eq!(count(&db, "weblog_entry"), 2);
    assert_eq!(count(&db, "weblog_blog"), 1);
    assert_eq!(*forked.lock().unwrap(), 0, "no signal announces a rolled-back fork");
}

#[test]
fn fork_of_an_unsaved_object_is_an_error_before_any_sql() {
    let db = setup();
    let blog = Blog::new();
    assert!(matches!(blog.fork(&db), Err(Error::Misuse(_))));
    assert!(matches!(blog.fork_plan(&db), Err(Error::Misuse(_))));
}

#[test]
fn new_keys_never_reuse_a_number_autoincrement_handed_out() {
    // Django's tables are AUTOINCREMENT: a deleted row's id is never given
    // again. The fork allocates its keys past sqlite_sequence too.
    let db = setup();
    let (root, _) = tree(&db, 1, 3);
    let mut last = Category::new();
    last.name = "gone".into();
    last.save(&db).unwrap();
    let gone = last.id.unwrap();
    last.delete(&db).unwrap();
    let fork = root.fork(&db).unwrap();
    assert!(fork.root.id.unwrap() > gone, "{:?} > {gone}", fork.root.id);
    let mut after = Category::new();
    after.save(&db).unwrap();
    assert!(after.id.unwrap() > gone + 4, "a save after the fork continues past the fork's keys");
}

#[test]
fn a_fork_inside_an_outer_transaction_rolls_back_with_it() {
    let db = setup();
    let (blog, _, _) = blog_with_entries(&db, 2);
    let result: Result<(), Error> = db.transaction(|db| {
        blog.fork(db)?;
        assert_eq!(count(db, "weblog_entry"), 4);
        Err(Error::Misuse("outer abort".into()))
    });
    assert!(result.is_err());
    assert_eq!(count(&db, "weblog_entry"), 2);
}

#[test]
fn a_cycle_in_the_graph_is_copied_once_around() {
    // Two categories each the other's parent: following `children: copy`
    // from one reaches the other and then the first again. Each is copied
    // once, and the copies are each other's parents. A category that is its
    // own parent is copied once too.
    let db = setup();
    let mut a = Category::new();
    a.name = "a".into();
    a.save(&db).unwrap();
    let mut b = Category::new();
    b.name = "b".into();
    b.parent_id = a.id;
    b.save(&db).unwrap();
    a.parent_id = b.id;
    a.save(&db).unwrap();
    let fork = a.fork(&db).unwrap();
    assert_eq!(count(&db, "shop_category"), 4);
    let a2 = fork.root.clone();
    let b2 = Category::get(&db, fork.map.get::<Category, _>(&b.id.unwrap()).unwrap()).unwrap();
    assert_eq!((a2.name.as_str(), b2.name.as_str()), ("a", "b"));
    assert_eq!(a2.parent_id, b2.id);
    assert_eq!(b2.parent_id, a2.id);

    let mut own = Category::new();
    own.name = "own".into();
    own.save(&db).unwrap();
    own.parent_id = own.id;
    own.save(&db).unwrap();
    let fork = own.fork(&db).unwrap();
    assert_eq!(fork.root.parent_id, fork.root.id, "its own parent, in the copy too");
    assert_eq!(count(&db, "shop_category"), 6);
}

#[test]
fn fork_writes_each_table_in_multi_row_batches() {
    let db = setup();
    let (root, total) = tree(&db, 3, 10);
    let plan = root.fork_plan(&db).unwrap();
    assert_eq!(plan.rows(), total);
    assert_eq!(plan.tables.len(), 1);
    // 1,111 rows of 3 columns: 500 rows per INSERT.
    assert_eq!(plan.statements(), 3);
}

#[test]
fn fork_of_a_multi_table_child_writes_every_table_once_and_maps_it_under_its_concrete_model() {
    use modelgen_examples::places::{self, ItalianRestaurant, Restaurant, Supplier};
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).unwrap();
    let mut nonna = ItalianRestaurant::new();
    nonna.name = "Nonna".into();
    nonna.serves_gnocchi = true;
    nonna.save(&db).unwrap();
    db.execute_batch("UPDATE places_place SET created = '2001-01-01 00:00:00'").unwrap();
    let mut supplier = Supplier::new();
    supplier.name = "Flour Co".into();
    supplier.save(&db).unwrap();
    let as_restaurant = Restaurant::get(&db, nonna.id.unwrap()).unwrap();
    supplier.customers().add(&db, &[&as_restaurant]).unwrap();

    let fork = nonna.fork(&db).unwrap();
    let id = fork.root.id.unwrap();
    assert_eq!((fork.root.place_ptr_id, fork.root.restaurant_ptr_id), (Some(id), Some(id)));
    assert_eq!((fork.root.name.as_str(), fork.root.serves_gnocchi), ("Nonna", true));
    for table in ["places_place", "places_restaurant", "places_italianrestaurant"] {
        assert_eq!(count(&db, table), if table == "places_place" { 3 } else { 2 }, "{table}");
    }
    let labels: Vec<String> = fork.map.models().map(|(l, _)| l).collect();
    assert_eq!(labels, ["places.ItalianRestaurant"], "once, under its concrete model");
    let created = common::scalar_text(&db, "SELECT created FROM places_place WHERE id = ?1", &[id.into()]);
    assert!(!created.starts_with("2001"), "auto_now_add of an ancestor table is fresh: {created}");

    // The supplier's set is re-linked when the supplier is forked; its
    // customers (restaurants) are linked, not copied.
    let supplier_fork = supplier.fork(&db).unwrap();
    assert_eq!(supplier_fork.root.customers().pks(&db).unwrap(), vec![nonna.key().unwrap().upcast()]);
    assert_eq!(count(&db, "places_restaurant"), 2);
}

#[test]
fn a_reverse_many_to_many_marked_copy_copies_the_declaring_rows_linked_to_the_copy() {
    // weblog.Author: `entry_set: copy` (the reverse side of Entry.authors).
    let db = setup();
    let (blog, entries, authors) = blog_with_entries(&db, 2);
    let mut solo = Entry::new(blog.key().unwrap(), date(2024, 2, 1));
    solo.headline = "Bob alone".into();
    solo.save(&db).unwrap();
    solo.authors().add(&db, &[&authors[1]]).unwrap();

    let fork = authors[0].fork(&db).unwrap();
    assert_eq!(count(&db, "weblog_author"), 3);
    assert_eq!(count(&db, "weblog_entry"), 5, "Ann's two entries copied, Bob's own entry not");
    for e in &entries {
        let copy = fork.map.get::<Entry, _>(&e.id.unwrap()).expect("Ann's entry copied");
        let mut linked = ids(Entry::get(&db, copy).unwrap().authors().pks(&db).unwrap());
        linked.sort();
        assert_eq!(linked, vec![authors[1].id.unwrap(), fork.root.id.unwrap()], "the copy of Ann and Bob");
    }
    assert_eq!(ids(entries[0].authors().pks(&db).unwrap()).len(), 2, "the originals keep their authors");
}

#[test]
fn fork_of_a_text_key_takes_the_new_key_and_a_uuid_key_is_drawn_afresh() {
    use modelgen_examples::shop::{Coupon, Product, Receipt, Sale};
    let db = setup();
    let mut coupon = Coupon::new();
    coupon.code = "SPRING".into();
    coupon.percent_off = 15;
    coupon.save(&db).unwrap();
    let fork = coupon.fork(&db, "SUMMER".into()).unwrap();
    assert_eq!((fork.root.code.as_str(), fork.root.percent_off), ("SUMMER", 15));
    assert_eq!(fork.map.get::<Coupon, _>(&"SPRING".to_string()), Some("SUMMER".to_string()));
    assert!(matches!(coupon.fork(&db, "SUMMER".into()), Err(Error::Integrity(_))), "never an overwrite");

    let mut product = Product::new();
    product.slug = "p".into();
    product.save(&db).unwrap();
    let mut sale = Sale::new(product.key().unwrap(), common::utc(2024, 1, 1, 0, 0, 0));
    sale.save(&db).unwrap();
    let mut receipt = Receipt::new(sale.key().unwrap(), "9.99".parse().unwrap());
    receipt.coupon_id = Some("SPRING".into());
    receipt.save(&db).unwrap();
    let fork = receipt.fork(&db).unwrap();
    assert_ne!(fork.root.id, receipt.id);
    assert_eq!((fork.root.sale_id, fork.root.coupon_id.as_deref()), (sale.id.unwrap(), Some("SPRING")));
}

#[test]
fn fork_of_a_notification_takes_its_supplied_receiver() {
    use modelgen_examples::notifications::Notification;
    use modelgen_examples::people::Person;
    let db = setup();
    let mut ann = Person::new();
    ann.email = "ann@example.com".into();
    ann.save(&db).unwrap();
    let mut n = Notification::new();
    n.title = "Hello".into();
    n.read = true;
    n.save(&db).unwrap();
    let fork = n.fork(&db, ann.key().ok()).unwrap();
    assert_eq!((fork.root.receiver_id, fork.root.read, fork.root.title.as_str()), (ann.id, false, "Hello"));
}
