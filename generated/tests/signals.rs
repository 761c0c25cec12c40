//! Django's model signals on the generated models: `pre_save`, `post_save`,
//! `pre_delete`, `post_delete`, connected at run time to one database
//! handle, per model, called in the order connected; and the steps of a
//! save in Django's order (pre_save signal, pre-processing, conversion, the
//! write, post_save with `created`).

mod common;

use common::*;
use modelgen_examples::shop::Product;
use modelgen_examples::weblog::{Blog, Entry};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::chrono::{DateTime, Utc};
use modelgen_runtime::{Database, Error, SaveOptions, Signal, SignalEvent};

fn product(slug: &str) -> Product {
    let mut p = Product::new();
    p.name = slug.into();
    p.slug = slug.into();
    p
}

/// Log every signal of `Blog` as "<signal> <name> <pk> created=<bool>".
fn log_blog(db: &Database, log: &Log, tag: &'static str) {
    for signal in [Signal::PreSave, Signal::PostSave, Signal::PreDelete, Signal::PostDelete] {
        let l = log.clone();
        db.connect::<Blog>(signal, move |e| {
            l.push(format!("{tag}{:?} {} {:?} created={}", e.signal, e.instance.name, e.instance.id, e.created));
            Ok(())
        });
    }
}

#[test]
fn receivers_are_called_in_the_order_they_were_connected() {
    let db = setup();
    let log = Log::default();
    for name in ["first", "second", "third"] {
        let l = log.clone();
        db.connect::<Blog>(Signal::PreSave, move |_| {
            l.push(name);
            Ok(())
        });
    }
    new_blog("b").save(&db).unwrap();
    assert_eq!(log.take(), vec!["first", "second", "third"]);
}

#[test]
fn post_save_tells_created_true_on_insert_and_false_on_update() {
    let db = setup();
    let log = Log::default();
    log_blog(&db, &log, "");
    let mut blog = new_blog("b");
    blog.save(&db).unwrap();
    blog.name = "c".into();
    blog.save(&db).unwrap();
    assert_eq!(
        log.take(),
        vec![
            "PreSave b None created=false",
            "PostSave b Some(1) created=true",
            "PreSave c Some(1) created=false",
            "PostSave c Some(1) created=false",
        ]
    );
}

#[test]
fn a_new_instance_that_overwrites_an_existing_row_is_not_created() {
    let db = setup();
    new_blog("old").save(&db).unwrap();
    let log = Log::default();
    log_blog(&db, &log, "");
    let mut blog = new_blog("new");
    blog.id = Some(1);
    blog.save(&db).unwrap();
    assert_eq!(log.take(), vec!["PreSave new Some(1) created=false", "PostSave new Some(1) created=false"]);
}

#[test]
fn signals_are_per_model() {
    let db = setup();
    let log = Log::default();
    log_blog(&db, &log, "");
    let b = blog(&db, "b");
    log.take();
    entry(&db, &b, "e", date(2024, 1, 1));
    assert!(log.take().is_empty(), "saving an Entry sends nothing to Blog's receivers");
}

/// Log every signal sent for any model as "<signal> <app.Model> <pk> created=<bool>".
fn log_all(db: &Database, log: &Log, signals: &[Signal]) {
    for signal in signals {
        let l = log.clone();
        db.connect_all(*signal, move |e| {
            l.push(format!("all {:?} {} {:?} created={}", e.signal, e.meta.label(), e.pk(), e.created));
            Ok(())
        });
    }
}

#[test]
fn a_receiver_without_sender_is_called_for_every_model_in_connection_order() {
    // Django 5.2: post_save.connect(on_blog, sender=Blog);
    // post_save.connect(on_all); post_save.connect(blog_two, sender=Blog)
    // then creating a Blog and an Entry logs ['blog-only 1',
    // 'all m3.Blog 1 True', 'blog-two', 'all m3.Entry 1 True']; deleting
    // the blog with receivers without sender logs ['pre m3.Entry 1',
    // 'pre m3.Blog 1', 'post m3.Entry 1', 'post m3.Blog 1'].
    let db = setup();
    let log = Log::default();
    let l = log.clone();
    db.connect::<Blog>(Signal::PostSave, move |e| {
        l.push(format!("blog-only {:?}", e.instance.id));
        Ok(())
    });
    log_all(&db, &log, &[Signal::PostSave]);
    let l = log.clone();
    db.connect::<Blog>(Signal::PostSave, move |_| {
        l.push("blog-two");
        Ok(())
    });
    let mut b = blog(&db, "b");
    entry(&db, &b, "e", date(2024, 1, 1));
    assert_eq!(
        log.take(),
        vec![
            "blog-only Some(1)",
            "all PostSave weblog.Blog Integer(1) created=true",
            "blog-two",
            "all PostSave weblog.Entry Integer(1) created=true",
        ]
    );
    log_all(&db, &log, &[Signal::PreDelete, Signal::PostDelete]);
    b.delete(&db).unwrap();
    assert_eq!(
        log.take(),
        vec![
            "all PreDelete weblog.Entry Integer(1) created=false",
            "all PreDelete weblog.Blog Integer(1) created=false",
            "all PostDelete weblog.Entry Integer(1) created=false",
            "all PostDelete weblog.Blog Integer(1) created=false",
        ]
    );
}

#[test]
fn a_receiver_without_sender_downcasts_the_instance_to_its_model() {
    let db = setup();
    let seen = Log::default();
    let l = seen.clone();
    let id = db.connect_all(Signal::PreSave, move |e| {
        if let Some(blog) = e.instance::<Blog>() {
            l.push(format!("blog {} pk={:?}", blog.name, e.pk()));
        } else if let Some(entry) = e.instance::<Entry>() {
            l.push(format!("entry {} of blog {}", entry.headline, entry.blog_id));
        }
        assert!(e.instance::<Product>().is_none(), "another model's type does not downcast");
        Ok(())
    });
    let b = blog(&db, "b");
    entry(&db, &b, "e", date(2024, 1, 1));
    assert_eq!(seen.take(), vec!["blog b pk=Null", "entry e of blog 1"], "an insert's pre_save comes before the key");
    assert!(db.disconnect(id));
    blog(&db, "c");
    assert!(seen.take().is_empty(), "disconnected");
}

#[test]
fn signals_are_per_database_handle() {
    let one = setup();
    let two = setup();
    let log = Log::default();
    log_blog(&one, &log, "one ");
    new_blog("b").save(&two).unwrap();
    assert!(log.take().is_empty(), "a receiver connected to another handle is not called");
    new_blog("b").save(&one).unwrap();
    assert_eq!(log.take().len(), 2);
}

#[test]
fn a_disconnected_receiver_is_not_called() {
    let db = setup();
    let log = Log::default();
    let l = log.clone();
    let id = db.connect::<Blog>(Signal::PostSave, move |_| {
        l.push("called");
        Ok(())
    });
    assert!(db.has_receivers(&modelgen_examples::weblog::BLOG_META, Signal::PostSave));
    assert!(db.disconnect(id));
    assert!(!db.disconnect(id), "disconnecting twice is a no-op");
    new_blog("b").save(&db).unwrap();
    assert!(log.take().is_empty());
}

#[test]
fn save_steps_run_in_djangos_order_pre_save_signal_then_pre_processing_then_write_then_post_save() {
    let db = setup();
    let log = Log::default();
    let given: DateTime<Utc> = utc(2000, 1, 1, 0, 0, 0);
    let l = log.clone();
    db.connect::<Product>(Signal::PreSave, move |e: &SignalEvent<'_, Product>| {
        // Before pre-processing: auto_now/auto_now_add not applied yet, and
        // nothing written.
        let rows = count(e.db, "shop_product");
        l.push(format!(
            "pre_save created_given={} updated_given={} rows={rows}",
            e.instance.created == given,
            e.instance.updated == given
        ));
        Ok(())
    });
    let l = log.clone();
    db.connect::<Product>(Signal::PostSave, move |e| {
        // After the write: the row holds the pre-processed, converted values.
        let stored = common::scalar_text(e.db, r#"SELECT "created" FROM "shop_product" WHERE "id" = ?1"#, &[e.instance.id.into()]);
        let converted = modelgen_runtime::try_to_value(&e.instance.created)?;
        l.push(format!(
            "post_save created={} pk_set={} stored_matches={} created_overridden={}",
            e.created,
            e.instance.id.is_some(),
            converted == modelgen_runtime::rusqlite::types::Value::Text(stored),
            e.instance.created != given
        ));
        Ok(())
    });
    let mut p = product("widget");
    p.created = given;
    p.updated = given;
    p.save(&db).unwrap();
    assert_eq!(
        log.take(),
        vec![
            "pre_save created_given=true updated_given=true rows=0",
            "post_save created=true pk_set=true stored_matches=true created_overridden=true",
        ]
    );
}

#[test]
fn update_fields_are_given_to_save_receivers() {
    let db = setup();
    let mut blog = blog(&db, "b");
    let log = Log::default();
    for signal in [Signal::PreSave, Signal::PostSave] {
        let l = log.clone();
        db.connect::<Blog>(signal, move |e| {
            l.push(format!("{:?} {:?}", e.signal, e.update_fields));
            Ok(())
        });
    }
    blog.save_with(&db, SaveOptions::update_fields(&["name"])).unwrap();
    assert_eq!(log.take(), vec![r#"PreSave Some(["name"])"#, r#"PostSave Some(["name"])"#]);
}

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused by a receiver")
    }
}

impl std::error::Error for Refused {}

#[test]
fn an_error_from_a_pre_save_receiver_stops_the_save_and_is_returned() {
    let db = setup();
    db.connect::<Blog>(Signal::PreSave, |_| Err(Error::other(Refused)));
    let mut blog = new_blog("b");
    let err = blog.save(&db).unwrap_err();
    assert!(matches!(err, Error::Other(_)), "{err:?}");
    assert_eq!(err.to_string(), "refused by a receiver");
    assert_eq!(blog.id, None);
    assert_eq!(count(&db, "weblog_blog"), 0);
}

#[test]
fn an_error_from_a_pre_delete_receiver_stops_the_delete() {
    let db = setup();
    let mut b = blog(&db, "b");
    entry(&db, &b, "e", date(2024, 1, 1));
    db.connect::<Entry>(Signal::PreDelete, |_| Err(Error::other(Refused)));
    let err = b.delete(&db).unwrap_err();
    assert_eq!(err.to_string(), "refused by a receiver");
    assert_eq!((count(&db, "weblog_blog"), count(&db, "weblog_entry")), (1, 1), "nothing deleted");
    assert_eq!(b.id, Some(1), "pk kept");
}

#[test]
fn a_receiver_may_save_other_instances_through_the_handle_it_is_given() {
    let db = setup();
    db.connect::<Blog>(Signal::PostSave, |e| {
        if e.created {
            let mut welcome = Entry::new(Key::new(e.instance.id.unwrap_or_default()), date(2024, 1, 1));
            welcome.headline = format!("Welcome to {}", e.instance.name);
            welcome.save(e.db)?;
        }
        Ok(())
    });
    let mut b = blog(&db, "Cheddar Talk");
    b.name = "renamed".into();
    b.save(&db).unwrap();
    let headlines: Vec<String> = b.entries().query().unwrap().all(&db).unwrap().into_iter().map(|e| e.headline).collect();
    assert_eq!(headlines, vec!["Welcome to Cheddar Talk"], "one entry: the update is not `created`");
}

#[test]
fn a_receiver_connected_by_a_receiver_is_called_from_the_next_signal_on() {
    let db = setup();
    let log = Log::default();
    let l = log.clone();
    db.connect::<Blog>(Signal::PreSave, move |e| {
        l.push(format!("outer {}", e.instance.name));
        let inner = l.clone();
        e.db.connect::<Blog>(Signal::PostSave, move |e| {
            inner.push(format!("inner {}", e.instance.name));
            Ok(())
        });
        Ok(())
    });
    new_blog("one").save(&db).unwrap();
    new_blog("two").save(&db).unwrap();
    assert_eq!(log.take(), vec!["outer one", "inner one", "outer two", "inner two", "inner two"]);
}

#[test]
fn delete_signals_are_sent_in_connect_order_for_the_deleted_row() {
    let db = setup();
    let mut b = blog(&db, "b");
    let log = Log::default();
    log_blog(&db, &log, "1:");
    log_blog(&db, &log, "2:");
    b.delete(&db).unwrap();
    assert_eq!(
        log.take(),
        vec![
            "1:PreDelete b Some(1) created=false",
            "2:PreDelete b Some(1) created=false",
            "1:PostDelete b Some(1) created=false",
            "2:PostDelete b Some(1) created=false",
        ]
    );
}

#[test]
fn queryset_update_sends_no_signal() {
    let db = setup();
    blog(&db, "b");
    let log = Log::default();
    log_blog(&db, &log, "");
    let n = Blog::objects().update(&db, &[Blog::NAME.set("renamed")]).unwrap();
    assert_eq!(n, 1);
    assert!(log.take().is_empty(), "QuerySet.update() sends no signal, as in Django");
}

#[test]
fn a_save_inside_a_receiver_of_a_rolled_back_transaction_is_undone_too() {
    let db = setup();
    db.connect::<Blog>(Signal::PostSave, |e| {
        let mut extra = Entry::new(Key::new(e.instance.id.unwrap_or_default()), date(2024, 1, 1));
        extra.headline = "side effect".into();
        extra.save(e.db)
    });
    let result: modelgen_runtime::Result<()> = db.transaction(|db| {
        new_blog("b").save(db)?;
        Err(Error::Misuse("abort".into()))
    });
    assert!(result.is_err());
    assert_eq!((count(&db, "weblog_blog"), count(&db, "weblog_entry")), (0, 0));
}
