//! The delete collector. Expected counts, messages and signal orders are
//! what Django 6.0 returns and sends for the same models and rows.

mod common;

use std::collections::BTreeMap;

use common::*;
use modelgen_runtime::prelude::*;
use modelgen_runtime::{delete_keep_parents, DeleteCount};

fn counts(pairs: &[(&str, usize)]) -> DeleteCount {
    let map: BTreeMap<String, usize> = pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    (map.values().sum(), map)
}

macro_rules! log_deletes {
    ($db:expr, $log:expr, $($model:ident),*) => {$(
        let l = $log.clone();
        $db.connect::<$model>(Signal::PreDelete, move |e| {
            l.push(format!("pre {} {:?}", stringify!($model), e.instance.pk_value()));
            Ok(())
        });
        let l = $log.clone();
        $db.connect::<$model>(Signal::PostDelete, move |e| {
            l.push(format!("post {} {:?}", stringify!($model), e.instance.pk_value()));
            Ok(())
        });
    )*};
}

fn pk(i: i64) -> String {
    format!("{:?}", Some(Value::Integer(i)))
}

fn entry(db: &Database, blog: &Blog, headline: &str) -> Entry {
    create(db, Entry::new(blog, headline, date(2024, 1, 1)))
}

#[test]
fn delete_cascades_and_returns_counts_per_model_like_django() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Blog, Entry);
    let mut blog = create(&db, Blog::new("b"));
    let e1 = entry(&db, &blog, "h1");
    let e2 = entry(&db, &blog, "h2");
    let author = create(&db, Author { name: "a".into(), ..Author::default() });
    add_author(&db, &e1, &author);
    add_author(&db, &e2, &author);

    let result = delete(&db, &mut blog).unwrap();
    assert_eq!(result, counts(&[("weblog.Entry_authors", 2), ("weblog.Entry", 2), ("weblog.Blog", 1)]));
    assert_eq!(
        log.take(),
        vec![
            format!("pre Entry {}", pk(1)),
            format!("pre Entry {}", pk(2)),
            format!("pre Blog {}", pk(1)),
            format!("post Entry {}", pk(2)),
            format!("post Entry {}", pk(1)),
            format!("post Blog {}", pk(1)),
        ]
    );
    assert_eq!(blog.id, None, "the pk is cleared");
    assert_eq!(blog.name, "b", "other values are kept");
    assert!(!blog.state.adding, "Django leaves _state.adding as it was");
    assert_eq!(count_rows(&db, "weblog_entry"), 0);
    assert_eq!(count_rows(&db, "weblog_entry_authors"), 0);
    assert_eq!(count_rows(&db, "weblog_author"), 1);
}

#[test]
fn deleted_instance_saved_again_inserts_a_new_row() {
    let db = setup();
    let mut blog = create(&db, Blog::new("b"));
    delete(&db, &mut blog).unwrap();
    save(&db, &mut blog, SaveOptions::default()).unwrap();
    assert_eq!(blog.id, Some(2));
    assert_eq!(count_rows(&db, "weblog_blog"), 1);
}

#[test]
fn delete_of_unsaved_instance_is_misuse() {
    let db = setup();
    let mut blog = Blog::new("b");
    let err = delete(&db, &mut blog).unwrap_err();
    assert_eq!(err.to_string(), "Blog object can't be deleted because its id attribute is set to None.");
}

#[test]
fn deleting_target_of_m2m_removes_join_rows() {
    let db = setup();
    let blog = create(&db, Blog::new("b"));
    let e1 = entry(&db, &blog, "h1");
    let mut author = create(&db, Author { name: "a".into(), ..Author::default() });
    add_author(&db, &e1, &author);
    let result = delete(&db, &mut author).unwrap();
    assert_eq!(result, counts(&[("weblog.Entry_authors", 1), ("weblog.Author", 1)]));
    assert_eq!(count_rows(&db, "weblog_entry"), 1);
}

#[test]
fn protect_refuses_and_deletes_nothing() {
    let db = setup();
    let mut blog = create(&db, Blog::new("b"));
    let mut e1 = entry(&db, &blog, "h1");
    let comment = create(&db, Comment { entry_id: e1.id.unwrap(), text: "x".into(), ..Comment::default() });
    let err = delete(&db, &mut blog).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Blog' because they are referenced through protected foreign keys: 'Entry.blog'."
    );
    match &err {
        Error::Protected { model, count, fields, objects } => {
            assert_eq!(*model, "Blog");
            assert_eq!(*count, 1);
            assert_eq!(fields, &vec!["Entry.blog".to_string()]);
            assert_eq!(objects[0].model, "Comment");
            assert_eq!(objects[0].pk, Value::Integer(comment.id.unwrap()));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_integrity());
    let err = delete(&db, &mut e1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Entry' because they are referenced through protected foreign keys: 'Comment.entry'."
    );
    assert_eq!(blog.id, Some(1), "nothing deleted, pk kept");
    assert_eq!(count_rows(&db, "weblog_blog"), 1);
    assert_eq!(count_rows(&db, "weblog_entry"), 1);
    assert_eq!(count_rows(&db, "weblog_comment"), 1);
}

#[test]
fn restrict_refuses_direct_delete() {
    let db = setup();
    let artist = create(&db, Artist { name: "x".into(), ..Artist::default() });
    let mut album = create(&db, Album { artist_id: artist.id.unwrap(), ..Album::default() });
    create(&db, Song { artist_id: artist.id.unwrap(), album_id: album.id.unwrap(), ..Song::default() });
    let err = delete(&db, &mut album).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Album' because they are referenced through restricted foreign keys: 'Song.album'."
    );
    assert!(matches!(err, Error::Restricted { count: 1, .. }));
    assert_eq!(count_rows(&db, "weblog_album"), 1);
}

#[test]
fn restrict_allows_delete_when_restricted_rows_are_deleted_by_a_cascade() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Artist, Album, Song);
    let mut artist = create(&db, Artist { name: "x".into(), ..Artist::default() });
    let album = create(&db, Album { artist_id: artist.id.unwrap(), ..Album::default() });
    create(&db, Song { artist_id: artist.id.unwrap(), album_id: album.id.unwrap(), ..Song::default() });
    let result = delete(&db, &mut artist).unwrap();
    assert_eq!(result, counts(&[("weblog.Song", 1), ("weblog.Album", 1), ("weblog.Artist", 1)]));
    assert_eq!(
        log.take(),
        vec![
            format!("pre Song {}", pk(1)),
            format!("pre Album {}", pk(1)),
            format!("pre Artist {}", pk(1)),
            format!("post Song {}", pk(1)),
            format!("post Album {}", pk(1)),
            format!("post Artist {}", pk(1)),
        ]
    );
}

#[test]
fn restrict_refuses_when_restricted_row_belongs_to_another_artist() {
    let db = setup();
    let mut ar1 = create(&db, Artist { name: "1".into(), ..Artist::default() });
    let ar2 = create(&db, Artist { name: "2".into(), ..Artist::default() });
    let album = create(&db, Album { artist_id: ar1.id.unwrap(), ..Album::default() });
    create(&db, Song { artist_id: ar2.id.unwrap(), album_id: album.id.unwrap(), ..Song::default() });
    let err = delete(&db, &mut ar1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot delete some instances of model 'Artist' because they are referenced through restricted foreign keys: 'Song.album'."
    );
    // Deleting both artists at once is allowed: the song goes by cascade.
    let log = Log::default();
    log_deletes!(db, log, Artist, Album, Song);
    let result = QuerySet::<Artist>::new().delete(&db).unwrap();
    assert_eq!(result, counts(&[("weblog.Song", 1), ("weblog.Album", 1), ("weblog.Artist", 2)]));
    assert_eq!(
        log.take(),
        vec![
            format!("pre Song {}", pk(1)),
            format!("pre Album {}", pk(1)),
            format!("pre Artist {}", pk(1)),
            format!("pre Artist {}", pk(2)),
            format!("post Song {}", pk(1)),
            format!("post Album {}", pk(1)),
            format!("post Artist {}", pk(2)),
            format!("post Artist {}", pk(1)),
        ]
    );
}

#[test]
fn restrict_is_cleared_by_a_fast_deleted_cascade() {
    // No receivers: the songs are fast-deleted from the artists, and the
    // restricted songs are found among them.
    let db = setup();
    let ar = create(&db, Artist { name: "1".into(), ..Artist::default() });
    let album = create(&db, Album { artist_id: ar.id.unwrap(), ..Album::default() });
    create(&db, Song { artist_id: ar.id.unwrap(), album_id: album.id.unwrap(), ..Song::default() });
    let result = QuerySet::<Artist>::new().delete(&db).unwrap();
    assert_eq!(result.0, 3);
    assert_eq!(count_rows(&db, "weblog_song"), 0);
}

#[test]
fn set_null_and_set_default_update_referencing_rows() {
    let db = setup();
    let mut t = create(&db, Target { name: "t".into(), ..Target::default() });
    create(&db, Target { name: "default".into(), ..Target::default() });
    let tid = t.id.unwrap();
    create(&db, Cascader { target_id: tid, ..Cascader::default() });
    let n = create(&db, Nuller { target_id: Some(tid), ..Nuller::default() });
    let d = create(&db, Defaulter { target_id: tid, ..Defaulter::default() });
    let result = delete(&db, &mut t).unwrap();
    assert_eq!(result, counts(&[("weblog.Cascader", 1), ("weblog.Target", 1)]));
    assert_eq!(raw(&db, "weblog_nuller", "target_id", n.id.unwrap()), "NULL");
    assert_eq!(raw(&db, "weblog_defaulter", "target_id", d.id.unwrap()), "2");
}

#[test]
fn do_nothing_leaves_rows_and_sqlite_refuses_the_delete() {
    let db = setup();
    let mut t = create(&db, Target { name: "t".into(), ..Target::default() });
    create(&db, Nother { target_id: t.id.unwrap(), ..Nother::default() });
    let err = delete(&db, &mut t).unwrap_err();
    match &err {
        Error::Integrity(m) => assert_eq!(m, "FOREIGN KEY constraint failed"),
        other => panic!("{other:?}"),
    }
    assert_eq!(t.id, Some(1), "pk kept when the delete failed");
    assert_eq!(count_rows(&db, "weblog_target"), 1);
}

#[test]
fn single_row_without_relations_is_fast_deleted_with_its_label() {
    let db = setup();
    let mut tag = create(&db, Tag { slug: "x".into(), label: "l".into(), ..Tag::default() });
    assert_eq!(delete(&db, &mut tag).unwrap(), counts(&[("weblog.Tag", 1)]));
    let mut missing = Tag { slug: "nope".into(), ..Tag::default() };
    assert_eq!(
        delete(&db, &mut missing).unwrap(),
        (0, [("weblog.Tag".to_string(), 0)].into_iter().collect()),
        "Django returns (0, {{'weblog.Tag': 0}})"
    );
    assert_eq!(QuerySet::<Tag>::new().filter(Tag::SLUG.eq("nope")).delete(&db).unwrap(), (0, BTreeMap::new()));
}

#[test]
fn multi_table_inheritance_child_delete_removes_parent_row() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Place, Restaurant, Review);
    let place = create(&db, Place { name: "r".into(), ..Place::default() });
    let mut restaurant =
        create(&db, Restaurant { place_ptr_id: place.id, serves_pizza: true, ..Restaurant::default() });
    create(&db, Review { place_id: place.id.unwrap(), ..Review::default() });
    let result = delete(&db, &mut restaurant).unwrap();
    assert_eq!(result, counts(&[("weblog.Restaurant", 1), ("weblog.Review", 1), ("weblog.Place", 1)]));
    assert_eq!(
        log.take(),
        vec![
            format!("pre Restaurant {}", pk(1)),
            format!("pre Review {}", pk(1)),
            format!("pre Place {}", pk(1)),
            format!("post Restaurant {}", pk(1)),
            format!("post Review {}", pk(1)),
            format!("post Place {}", pk(1)),
        ]
    );
    assert_eq!(restaurant.place_ptr_id, None);
}

#[test]
fn multi_table_inheritance_parent_delete_removes_child_row() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Place, Restaurant, Review);
    let mut place = create(&db, Place { name: "r".into(), ..Place::default() });
    create(&db, Restaurant { place_ptr_id: place.id, ..Restaurant::default() });
    create(&db, Review { place_id: place.id.unwrap(), ..Review::default() });
    let result = delete(&db, &mut place).unwrap();
    assert_eq!(result, counts(&[("weblog.Restaurant", 1), ("weblog.Review", 1), ("weblog.Place", 1)]));
    assert_eq!(
        log.take(),
        vec![
            format!("pre Restaurant {}", pk(1)),
            format!("pre Review {}", pk(1)),
            format!("pre Place {}", pk(1)),
            format!("post Restaurant {}", pk(1)),
            format!("post Review {}", pk(1)),
            format!("post Place {}", pk(1)),
        ]
    );
}

#[test]
fn keep_parents_deletes_only_the_child_row() {
    let db = setup();
    let place = create(&db, Place { name: "r".into(), ..Place::default() });
    let mut restaurant = create(&db, Restaurant { place_ptr_id: place.id, ..Restaurant::default() });
    let result = delete_keep_parents(&db, &mut restaurant).unwrap();
    assert_eq!(result, counts(&[("weblog.Restaurant", 1)]));
    assert_eq!(count_rows(&db, "weblog_place"), 1);
}

#[test]
fn self_referencing_cascade_deletes_the_whole_tree() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Node);
    let mut n1 = create(&db, Node { name: "a".into(), ..Node::default() });
    let n2 = create(&db, Node { name: "b".into(), parent_id: n1.id, ..Node::default() });
    create(&db, Node { name: "c".into(), parent_id: n2.id, ..Node::default() });
    create(&db, Node { name: "d".into(), parent_id: n1.id, ..Node::default() });
    let result = delete(&db, &mut n1).unwrap();
    assert_eq!(result, counts(&[("weblog.Node", 4)]));
    let expected: Vec<String> = [1, 2, 3, 4]
        .iter()
        .map(|i| format!("pre Node {}", pk(*i)))
        .chain([4, 3, 2, 1].iter().map(|i| format!("post Node {}", pk(*i))))
        .collect();
    assert_eq!(log.take(), expected);
}

#[test]
fn relations_from_other_apps_are_followed() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Blog, Entry, Mention);
    let mut blog = create(&db, Blog::new("b"));
    let e1 = entry(&db, &blog, "h1");
    let e2 = entry(&db, &blog, "h2");
    let mut product = create(&db, Product { name: "p".into(), ..Product::default() });
    create(&db, Mention { entry_id: e2.id.unwrap(), product_id: product.id, ..Mention::default() });
    create(&db, Mention { entry_id: e1.id.unwrap(), product_id: product.id, ..Mention::default() });
    let result = delete(&db, &mut blog).unwrap();
    assert_eq!(result, counts(&[("shop.Mention", 2), ("weblog.Entry", 2), ("weblog.Blog", 1)]));
    assert_eq!(
        log.take(),
        vec![
            format!("pre Mention {}", pk(1)),
            format!("pre Mention {}", pk(2)),
            format!("pre Entry {}", pk(1)),
            format!("pre Entry {}", pk(2)),
            format!("pre Blog {}", pk(1)),
            format!("post Mention {}", pk(2)),
            format!("post Mention {}", pk(1)),
            format!("post Entry {}", pk(2)),
            format!("post Entry {}", pk(1)),
            format!("post Blog {}", pk(1)),
        ]
    );
    // SET_NULL across apps.
    let blog2 = create(&db, Blog::new("z"));
    let e3 = entry(&db, &blog2, "h");
    let m = create(&db, Mention { entry_id: e3.id.unwrap(), product_id: product.id, ..Mention::default() });
    assert_eq!(delete(&db, &mut product).unwrap(), counts(&[("shop.Product", 1)]));
    assert_eq!(raw(&db, "shop_mention", "product_id", m.id.unwrap()), "NULL");
}

#[test]
fn queryset_delete_collects_every_matching_row() {
    let db = setup();
    let log = Log::default();
    log_deletes!(db, log, Blog, Entry);
    let b1 = create(&db, Blog::new("a"));
    let b2 = create(&db, Blog::new("b"));
    create(&db, Blog::new("c"));
    entry(&db, &b1, "x");
    entry(&db, &b2, "y");
    let result = QuerySet::<Blog>::new().filter(Blog::NAME.in_(["a", "b"])).delete(&db).unwrap();
    assert_eq!(result, counts(&[("weblog.Entry", 2), ("weblog.Blog", 2)]));
    assert_eq!(
        log.take(),
        vec![
            format!("pre Entry {}", pk(1)),
            format!("pre Entry {}", pk(2)),
            format!("pre Blog {}", pk(1)),
            format!("pre Blog {}", pk(2)),
            format!("post Entry {}", pk(2)),
            format!("post Entry {}", pk(1)),
            format!("post Blog {}", pk(2)),
            format!("post Blog {}", pk(1)),
        ]
    );
    assert_eq!(count_rows(&db, "weblog_blog"), 1);
}

#[test]
fn queryset_delete_without_receivers_or_relations_is_one_statement() {
    let db = setup();
    for i in 0..5 {
        create(&db, Tag { slug: format!("t{i}"), ..Tag::default() });
    }
    let result =
        QuerySet::<Tag>::new().filter(Tag::SLUG.startswith("t")).exclude(Tag::SLUG.eq("t0")).delete(&db).unwrap();
    assert_eq!(result, counts(&[("weblog.Tag", 4)]));
}

#[test]
fn pre_delete_receiver_error_rolls_back_everything() {
    let db = setup();
    db.connect::<Blog>(Signal::PreDelete, |_| Err(Error::Misuse("refused".into())));
    let mut blog = create(&db, Blog::new("b"));
    entry(&db, &blog, "h");
    let err = delete(&db, &mut blog).unwrap_err();
    assert_eq!(err.to_string(), "refused");
    assert_eq!(blog.id, Some(1));
    assert_eq!(count_rows(&db, "weblog_entry"), 1);
    assert_eq!(count_rows(&db, "weblog_blog"), 1);
}

#[test]
fn delete_receivers_get_the_callers_instance_for_the_deleted_row() {
    let db = setup();
    let log = Log::default();
    let l = log.clone();
    db.connect::<Blog>(Signal::PostDelete, move |e| {
        l.push(e.instance.tagline.clone());
        Ok(())
    });
    let l = log.clone();
    db.connect::<Entry>(Signal::PostDelete, move |e| {
        l.push(e.instance.headline.clone());
        Ok(())
    });
    let mut blog = create(&db, Blog::new("b"));
    entry(&db, &blog, "stored headline");
    blog.tagline = "unsaved tagline".into();
    delete(&db, &mut blog).unwrap();
    assert_eq!(log.take(), vec!["stored headline", "unsaved tagline"]);
}

#[test]
fn delete_inside_a_rolled_back_transaction_is_undone() {
    let db = setup();
    let mut blog = create(&db, Blog::new("b"));
    entry(&db, &blog, "h");
    let result: modelgen_runtime::Result<()> = db.transaction(|db| {
        delete(db, &mut blog)?;
        assert_eq!(count_rows(db, "weblog_blog"), 0);
        Err(Error::Misuse("undo".into()))
    });
    assert!(result.is_err());
    assert_eq!(count_rows(&db, "weblog_blog"), 1);
    assert_eq!(count_rows(&db, "weblog_entry"), 1);
}

#[test]
fn unregistered_models_are_registered_on_delete() {
    // A handle whose tables were created by raw SQL: deleting registers the
    // deleted model (relations of models never registered are not seen).
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(WEBLOG_DDL).unwrap();
    let mut blog = create(&db, Blog::new("b"));
    assert!(db.model_for_table("weblog_blog").is_none());
    delete(&db, &mut blog).unwrap();
    assert!(db.model_for_table("weblog_blog").is_some());
}

#[test]
fn do_nothing_failure_at_commit_rolls_back_the_whole_delete() {
    let db = setup();
    let mut t = create(&db, Target { name: "t".into(), ..Target::default() });
    create(&db, Cascader { target_id: t.id.unwrap(), ..Cascader::default() });
    create(&db, Nother { target_id: t.id.unwrap(), ..Nother::default() });
    let err = delete(&db, &mut t).unwrap_err();
    assert_eq!(err.to_string(), "FOREIGN KEY constraint failed");
    assert!(!db.in_transaction());
    assert_eq!(count_rows(&db, "weblog_target"), 1);
    assert_eq!(count_rows(&db, "weblog_cascader"), 1, "cascade rolled back");
    assert_eq!(t.id, Some(1));
}

#[test]
fn deleting_a_text_pk_instance_resets_its_pk() {
    let db = setup();
    let mut tag = create(&db, Tag { slug: "s".into(), label: "kept".into(), ..Tag::default() });
    delete(&db, &mut tag).unwrap();
    assert_eq!(tag.slug, "");
    assert_eq!(tag.label, "kept");
}
