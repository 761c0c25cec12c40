//! Dirty tracking, `diff`, `reset` and the staged-edit proxy (SPEC §4),
//! against a real SQLite database.

mod common;

use std::sync::{Arc, Mutex};

use common::{date, raw};
use modelgen_examples::weblog::{Author, Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::{tracking, Database, Error, Signal, Tracking};

/// A database whose handle tracks changes (off by default).
fn setup() -> Database {
    let db = common::setup();
    db.set_track_changes(true);
    db
}

fn entry(db: &Database) -> (Blog, Entry) {
    let mut blog = Blog::new();
    blog.name = "Cheese".into();
    blog.save(db).unwrap();
    let mut e = Entry::new(blog.key().unwrap(), date(2024, 1, 2));
    e.headline = "Brie".into();
    e.save(db).unwrap();
    (blog, Entry::get(db, e.id.unwrap()).unwrap())
}

fn author(db: &Database, name: &str) -> Author {
    let mut a = Author::new();
    a.name = name.into();
    a.save(db).unwrap();
    a
}

#[test]
fn a_loaded_instance_is_clean_and_a_changed_field_is_dirty() {
    let db = setup();
    let (_, mut e) = entry(&db);
    assert!(!e.is_dirty());
    e.headline = "Camembert".into();
    e.rating = 9;
    assert_eq!(e.dirty_fields(), ["headline", "rating"]);
    e.headline = "Brie".into();
    assert_eq!(e.dirty_fields(), ["rating"], "back to the stored value is clean again");
}

#[test]
fn an_unsaved_instance_has_every_field_dirty_and_a_save_makes_it_clean() {
    let db = setup();
    let (blog, _) = entry(&db);
    let mut e = Entry::new(blog.key().unwrap(), date(2024, 3, 1));
    assert_eq!(
        e.dirty_fields(),
        [
            "id",
            "blog",
            "headline",
            "body_text",
            "pub_date",
            "mod_date",
            "n_comments",
            "n_pingbacks",
            "rating",
            "status"
        ],
        "every field of the struct"
    );
    e.save(&db).unwrap();
    assert!(!e.is_dirty(), "clean after the save");
    e.n_comments = 4;
    assert_eq!(e.dirty_fields(), ["n_comments"]);
}

#[test]
fn save_dirty_writes_only_the_changed_columns_and_refreshes_auto_now() {
    let db = setup();
    let (_, mut e) = entry(&db);
    db.execute_batch(&format!(
        "UPDATE weblog_entry SET n_comments = 42, mod_date = '2000-01-01' WHERE id = {}",
        e.id.unwrap()
    ))
    .unwrap();
    e.headline = "Camembert".into();
    e.save_dirty(&db).unwrap();
    let id = e.id.unwrap();
    assert_eq!(raw(&db, "weblog_entry", "headline", id), "'Camembert'");
    assert_eq!(raw(&db, "weblog_entry", "n_comments", id), "42", "an unchanged column is not written");
    assert_ne!(raw(&db, "weblog_entry", "mod_date", id), "'2000-01-01'", "auto_now refreshed as a save would");
    assert!(!e.is_dirty());
}

#[test]
fn save_dirty_with_nothing_changed_runs_no_sql_and_sends_no_signal() {
    let db = setup();
    let (_, mut e) = entry(&db);
    let sent = Arc::new(Mutex::new(0));
    let s = sent.clone();
    db.connect::<Entry>(Signal::PreSave, move |_| {
        *s.lock().unwrap() += 1;
        Ok(())
    });
    let (_, statements) = db.count_queries(|| e.save_dirty(&db).unwrap());
    assert_eq!(statements, 0, "nothing written");
    assert_eq!(*sent.lock().unwrap(), 0);
}

#[test]
fn a_save_rolled_back_with_its_transaction_leaves_the_fields_dirty_as_before() {
    // django-dirtyfields calls an instance clean after a save that was
    // rolled back (its #148). Here the snapshot is restored with the
    // transaction.
    let db = setup();
    let (_, mut e) = entry(&db);
    e.headline = "Camembert".into();
    let result: Result<(), Error> = db.transaction(|db| {
        e.save(db)?;
        assert!(!e.is_dirty(), "clean inside the transaction");
        Err(Error::Misuse("abort".into()))
    });
    assert!(result.is_err());
    assert_eq!(e.dirty_fields(), ["headline"], "dirty again: the row still holds Brie");
    assert_eq!(raw(&db, "weblog_entry", "headline", e.id.unwrap()), "'Brie'");
    e.save_dirty(&db).unwrap();
    assert_eq!(raw(&db, "weblog_entry", "headline", e.id.unwrap()), "'Camembert'");
}

#[test]
fn an_inner_savepoint_rolled_back_restores_only_its_own_saves() {
    let db = setup();
    let (_, mut e) = entry(&db);
    db.transaction(|db| {
        e.rating = 1;
        e.save(db)?;
        let inner: Result<(), Error> = db.transaction(|db| {
            e.rating = 2;
            e.save(db)?;
            Err(Error::Misuse("inner abort".into()))
        });
        assert!(inner.is_err());
        assert_eq!(e.dirty_fields(), ["rating"], "the inner save is undone: stored rating is 1");
        e.rating = 1;
        assert!(!e.is_dirty());
        Ok(())
    })
    .unwrap();
    assert!(!e.is_dirty(), "the outer save committed");
    assert_eq!(raw(&db, "weblog_entry", "rating", e.id.unwrap()), "1");
}

#[test]
fn reset_puts_back_the_stored_values_and_an_unsaved_instance_cannot_reset() {
    let db = setup();
    let (blog, mut e) = entry(&db);
    e.headline = "Camembert".into();
    e.rating = 1;
    e.reset().unwrap();
    assert_eq!((e.headline.as_str(), e.rating), ("Brie", 5));
    assert!(!e.is_dirty());
    let mut unsaved = Entry::new(blog.key().unwrap(), date(2024, 1, 1));
    assert!(matches!(unsaved.reset(), Err(Error::Misuse(_))));
}

#[test]
fn a_clone_has_its_own_snapshot() {
    let db = setup();
    let (_, e) = entry(&db);
    let mut other = e.clone();
    other.headline = "Gouda".into();
    other.save(&db).unwrap();
    assert!(!e.is_dirty(), "the clone's save does not touch the source's snapshot");
    let mut e = e;
    e.reset().unwrap();
    assert_eq!(e.headline, "Brie", "the source resets to what it loaded");
    let mut reloaded = Entry::get(&db, e.id.unwrap()).unwrap();
    reloaded.headline = "Brie".into();
    assert_eq!(e, reloaded, "== compares the fields (and adding), not the snapshots");
}

#[test]
fn diff_compares_two_instances_field_by_field_and_relation_sets_as_added_and_removed() {
    let db = setup();
    let (_, a) = entry(&db);
    let mut b = a
        .duplicate(&db, |e| {
            e.headline = "Gouda".into();
            e.rating = 1;
        })
        .unwrap();
    b.refresh_from_db(&db).unwrap();
    let d = a.diff(&b);
    assert_eq!(d.field_names(), ["id", "headline", "rating"]);
    let headline = d.field("headline").unwrap();
    assert_eq!((&headline.old, &headline.new), (&Value::Text("Brie".into()), &Value::Text("Gouda".into())));

    let (x, y, z) = (author(&db, "x"), author(&db, "y"), author(&db, "z"));
    a.authors().add(&db, &[&x, &y]).unwrap();
    b.authors().add(&db, &[&y, &z]).unwrap();
    let d = a.diff_with_relations(&db, &b).unwrap();
    assert_eq!(d, tracking::diff_with_relations(&db, &a, &b).unwrap());
    assert_eq!(d.relations.len(), 1);
    assert_eq!(d.relations[0].field, "authors");
    assert_eq!(d.relations[0].added, vec![Value::Integer(z.id.unwrap())]);
    assert_eq!(d.relations[0].removed, vec![Value::Integer(x.id.unwrap())]);
}

#[test]
fn the_staged_proxy_edits_diffs_resets_and_pushes_only_changed_columns() {
    let db = setup();
    let (_, e) = entry(&db);
    let (x, y) = (author(&db, "x"), author(&db, "y"));
    e.authors().add(&db, &[&x]).unwrap();

    let mut staged = e.stage().unwrap();
    staged.headline = "Camembert".into();
    staged.stage_set(e.authors(), &[&y]).unwrap();
    let d = staged.diff(&db).unwrap();
    assert_eq!(d.field_names(), ["headline"]);
    assert_eq!(d.relations[0].added, vec![Value::Integer(y.id.unwrap())]);
    assert_eq!(d.relations[0].removed, vec![Value::Integer(x.id.unwrap())]);
    assert_eq!(staged.original().headline, "Brie", "the original is untouched until push");

    staged.reset();
    assert!(!staged.is_changed());
    assert_eq!(staged.headline, "Brie");

    staged.rating = 1;
    staged.stage_set(e.authors(), &[&x, &y]).unwrap();
    // Someone else changes another column meanwhile: push writes only rating.
    db.execute_batch(&format!("UPDATE weblog_entry SET n_comments = 7 WHERE id = {}", e.id.unwrap())).unwrap();
    staged.push(&db).unwrap();
    let id = e.id.unwrap();
    assert_eq!(raw(&db, "weblog_entry", "rating", id), "1");
    assert_eq!(raw(&db, "weblog_entry", "n_comments", id), "7", "a column not edited is not written");
    assert_eq!(e.authors().count(&db).unwrap(), 2, "the staged set was pushed");
    assert_eq!(staged.original().rating, 1, "after push the original is the edited object");
    assert!(!staged.is_changed());
}

#[test]
fn a_failed_push_writes_nothing_and_keeps_the_edits() {
    if common::sqlite_only("fails the push with a SQLite trigger") {
        return;
    }
    let db = setup();
    let (_, e) = entry(&db);
    let x = author(&db, "x");
    let mut staged = e.stage().unwrap();
    staged.headline = "Camembert".into();
    staged.stage_set(e.authors(), &[&x]).unwrap();
    db.execute_batch(
        "CREATE TRIGGER no_links BEFORE INSERT ON weblog_entry_authors BEGIN SELECT RAISE(ABORT, 'no'); END;",
    )
    .unwrap();
    assert!(staged.push(&db).is_err());
    assert_eq!(
        raw(&db, "weblog_entry", "headline", e.id.unwrap()),
        "'Brie'",
        "the field update rolled back with the set"
    );
    assert_eq!(staged.headline, "Camembert", "the proxy keeps its edits");
    let original = staged.clear();
    assert_eq!(original.headline, "Brie", "clear gives back the original untouched");
}

#[test]
fn an_unsaved_object_cannot_be_staged() {
    let db = setup();
    let (blog, _) = entry(&db);
    assert!(matches!(Entry::new(blog.key().unwrap(), date(2024, 1, 1)).stage(), Err(Error::Misuse(_))));
}

#[test]
fn with_tracking_off_every_field_counts_as_dirty_and_save_dirty_is_a_full_save() {
    assert!(!common::setup().tracks_changes(), "tracking is off by default");
    let db = setup();
    let (_, tracked) = entry(&db);
    db.set_track_changes(false);
    let mut e = Entry::get(&db, tracked.id.unwrap()).unwrap();
    assert_eq!(e.dirty_fields().len(), 10, "nothing to compare with: every field");
    db.execute_batch(&format!("UPDATE weblog_entry SET n_comments = 42 WHERE id = {}", e.id.unwrap())).unwrap();
    e.headline = "Camembert".into();
    e.save_dirty(&db).unwrap();
    assert_eq!(raw(&db, "weblog_entry", "n_comments", e.id.unwrap()), "0", "a full save wrote every column");
    assert!(matches!(e.reset(), Err(Error::Misuse(_))));
    // An instance loaded while tracking was on keeps its snapshot.
    assert!(!tracked.is_dirty());
}
