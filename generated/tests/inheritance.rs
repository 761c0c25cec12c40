//! Abstract and multi-table inheritance (SPEC §5) on the places schema:
//! Timestamped (abstract) <- Place <- Restaurant <- ItalianRestaurant, and
//! Supplier(Place). Every test runs against a real in-memory SQLite database
//! with the generated DDL, which tests/django_ddl.rs checks equals Django's.

mod common;

use std::sync::{Arc, Mutex};

use modelgen_examples::places::{self, ItalianRestaurant, Place, Restaurant, Supplier};
#[allow(unused_imports)]
use modelgen_runtime::prelude::*;
use modelgen_runtime::{Database, Error, Model, SaveOptions, Signal};

fn db() -> Database {
    let db = common::empty_database();
    db.create_tables(&[&places::APP]).expect("tables");
    db
}

fn count(db: &Database, table: &str) -> i64 {
    common::count(db, table)
}

fn text(db: &Database, sql: &str, id: i64) -> String {
    common::scalar_text(db, sql, &[id.into()])
}

fn restaurant(name: &str) -> Restaurant {
    let mut r = Restaurant::new();
    r.name = name.into();
    r.address = "1 Main St".into();
    r
}

#[test]
fn abstract_model_has_no_table_and_its_fields_are_copied_into_children() {
    if common::sqlite_only("reads SQLite's catalog (sqlite_master, pragma_table_info)") {
        return;
    }
    let db = db();
    let tables: i64 = db
        .sqlite_connection().expect("an SQLite database")
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE '%timestamped%'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 0, "an abstract model has no table");
    let columns: Vec<String> = db
        .sqlite_connection().expect("an SQLite database")
        .prepare("SELECT name FROM pragma_table_info('places_place')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(columns, ["id", "created", "modified", "name", "address"]);
}

#[test]
fn child_table_is_keyed_by_the_parent_link() {
    if common::sqlite_only("reads SQLite's catalog (sqlite_master, pragma_table_info)") {
        return;
    }
    let db = db();
    let columns: Vec<(String, i64)> = db
        .sqlite_connection().expect("an SQLite database")
        .prepare("SELECT name, pk FROM pragma_table_info('places_restaurant')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(columns[0], ("place_ptr_id".to_string(), 1));
    let target: String = db
        .sqlite_connection().expect("an SQLite database")
        .query_row("SELECT \"table\" FROM pragma_foreign_key_list('places_restaurant')", [], |r| r.get(0))
        .unwrap();
    assert_eq!(target, "places_place");
}

#[test]
fn saving_a_two_level_child_creates_a_row_in_every_table() {
    if common::sqlite_only("reads SQLite's catalog (sqlite_master, pragma_table_info)") {
        return;
    }
    let db = db();
    let mut r = restaurant("Bob's");
    r.serves_pizza = true;
    r.save(&db).unwrap();
    let id = r.id.expect("parent pk filled in");
    assert_eq!(r.place_ptr_id, Some(id), "the child's pk is the parent's pk");
    assert_eq!(r.pk(), Some(id));
    assert_eq!(count(&db, "places_place"), 1);
    assert_eq!(count(&db, "places_restaurant"), 1);
    assert_eq!(text(&db, "SELECT name FROM places_place WHERE id = ?1", id), "Bob's");
    let pizza: bool =
        db.sqlite_connection().expect("an SQLite database").query_row("SELECT serves_pizza FROM places_restaurant WHERE place_ptr_id = ?1", [id], |r| r.get(0)).unwrap();
    assert!(pizza);
}

#[test]
fn saving_a_three_level_child_creates_a_row_in_every_table() {
    if common::sqlite_only("reads SQLite's catalog (sqlite_master, pragma_table_info)") {
        return;
    }
    let db = db();
    let mut italian = ItalianRestaurant::new();
    italian.name = "Luigi's".into();
    italian.serves_gnocchi = true;
    italian.save(&db).unwrap();
    let id = italian.id.expect("root pk");
    assert_eq!(italian.place_ptr_id, Some(id));
    assert_eq!(italian.restaurant_ptr_id, Some(id));
    for table in ["places_place", "places_restaurant", "places_italianrestaurant"] {
        assert_eq!(count(&db, table), 1, "{table}");
    }
    let link: i64 = db
        .sqlite_connection().expect("an SQLite database")
        .query_row("SELECT restaurant_ptr_id FROM places_italianrestaurant", [], |r| r.get(0))
        .unwrap();
    assert_eq!(link, id);
}

#[test]
fn updating_an_inherited_field_updates_the_ancestor_row_and_inserts_nothing() {
    if common::sqlite_only("reads SQLite's catalog (sqlite_master, pragma_table_info)") {
        return;
    }
    let db = db();
    let mut italian = ItalianRestaurant::new();
    italian.name = "Luigi's".into();
    italian.save(&db).unwrap();
    let id = italian.id.unwrap();
    italian.name = "Mario's".into();
    italian.serves_hot_dogs = true;
    italian.serves_gnocchi = true;
    italian.save(&db).unwrap();
    assert_eq!(text(&db, "SELECT name FROM places_place WHERE id = ?1", id), "Mario's");
    let hot_dogs: bool = db
        .sqlite_connection().expect("an SQLite database")
        .query_row("SELECT serves_hot_dogs FROM places_restaurant WHERE place_ptr_id = ?1", [id], |r| r.get(0))
        .unwrap();
    assert!(hot_dogs);
    for table in ["places_place", "places_restaurant", "places_italianrestaurant"] {
        assert_eq!(count(&db, table), 1, "{table}");
    }
}

#[test]
fn loading_a_child_by_the_parents_pk_joins_every_ancestor() {
    let db = db();
    let mut italian = ItalianRestaurant::new();
    italian.name = "Luigi's".into();
    italian.address = "Via Roma".into();
    italian.serves_pizza = true;
    italian.serves_gnocchi = true;
    italian.save(&db).unwrap();
    let id = italian.id.unwrap();

    let place = Place::get(&db, id).unwrap();
    let loaded = ItalianRestaurant::get(&db, place.id.unwrap()).unwrap();
    assert_eq!(loaded.name, "Luigi's");
    assert_eq!(loaded.address, "Via Roma");
    assert!(loaded.serves_pizza && loaded.serves_gnocchi);
    assert_eq!(loaded.created, italian.created);
    assert_eq!(loaded, ItalianRestaurant { _state: loaded._state.clone(), ..italian });

    let as_restaurant = Restaurant::get(&db, id).unwrap();
    assert_eq!(as_restaurant.name, "Luigi's");
}

#[test]
fn parent_can_be_asked_for_its_child() {
    let db = db();
    let mut r = restaurant("Bob's");
    r.save(&db).unwrap();
    let mut plain = Place::new();
    plain.name = "Park".into();
    plain.save(&db).unwrap();

    let place = Place::get(&db, r.id.unwrap()).unwrap();
    assert_eq!(place.restaurant(&db).unwrap().map(|c| c.name), Some("Bob's".to_string()));
    assert!(place.supplier(&db).unwrap().is_none());
    assert!(plain.restaurant(&db).unwrap().is_none());

    let mut italian = ItalianRestaurant::new();
    italian.name = "Luigi's".into();
    italian.save(&db).unwrap();
    let as_restaurant = Restaurant::get(&db, italian.id.unwrap()).unwrap();
    assert!(as_restaurant.italianrestaurant(&db).unwrap().is_some());
    assert!(r.italianrestaurant(&db).unwrap().is_none());
}

#[test]
fn saving_a_child_sends_save_signals_for_the_child_only() {
    let db = db();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    db.connect::<Restaurant>(Signal::PreSave, move |e| {
        l.lock().unwrap().push(format!("pre_save Restaurant {}", e.instance.name));
        Ok(())
    });
    let l = log.clone();
    db.connect::<Restaurant>(Signal::PostSave, move |e| {
        l.lock().unwrap().push(format!("post_save Restaurant created={}", e.created));
        Ok(())
    });
    let l = log.clone();
    db.connect::<Place>(Signal::PostSave, move |_| {
        l.lock().unwrap().push("post_save Place".into());
        Ok(())
    });
    let mut r = restaurant("Bob's");
    r.save(&db).unwrap();
    r.save(&db).unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "pre_save Restaurant Bob's",
            "post_save Restaurant created=true",
            "pre_save Restaurant Bob's",
            "post_save Restaurant created=false"
        ]
    );
}

#[test]
fn deleting_a_child_removes_it_and_every_ancestor_with_signals_for_each() {
    let db = db();
    let log = Arc::new(Mutex::new(Vec::new()));
    for (signal, name) in [(Signal::PreDelete, "pre_delete"), (Signal::PostDelete, "post_delete")] {
        let l = log.clone();
        db.connect::<Restaurant>(signal, move |e| {
            l.lock().unwrap().push(format!("{name} Restaurant {}", e.instance.name));
            Ok(())
        });
        let l = log.clone();
        db.connect::<Place>(signal, move |e| {
            l.lock().unwrap().push(format!("{name} Place {}", e.instance.name));
            Ok(())
        });
    }
    let mut r = restaurant("Bob's");
    r.save(&db).unwrap();
    let mut other = restaurant("Other");
    other.save(&db).unwrap();

    let (total, per_model) = r.delete(&db).unwrap();
    assert_eq!(total, 2);
    assert_eq!(per_model.get("places.Restaurant"), Some(&1));
    assert_eq!(per_model.get("places.Place"), Some(&1));
    assert_eq!(count(&db, "places_place"), 1);
    assert_eq!(count(&db, "places_restaurant"), 1);
    assert_eq!(r.place_ptr_id, None, "the deleted instance's pk is cleared");
    assert_eq!(r.name, "Bob's", "other values are kept");
    // Django's order: the child before its parent, pre_delete for all, then post_delete.
    assert_eq!(
        *log.lock().unwrap(),
        [
            "pre_delete Restaurant Bob's",
            "pre_delete Place Bob's",
            "post_delete Restaurant Bob's",
            "post_delete Place Bob's"
        ]
    );
}

#[test]
fn keep_parents_deletes_only_the_child_row() {
    // Django's `restaurant.delete(keep_parents=True)`.
    let db = db();
    let mut r = restaurant("Bob's");
    r.save(&db).unwrap();
    let (total, per_model) = modelgen_runtime::delete_keep_parents(&db, &mut r).unwrap();
    assert_eq!((total, per_model.get("places.Restaurant")), (1, Some(&1)));
    assert_eq!((count(&db, "places_restaurant"), count(&db, "places_place")), (0, 1));
    assert_eq!(Place::objects().get(&db).unwrap().name, "Bob's");
}

#[test]
fn deleting_a_three_level_child_removes_every_ancestor_row() {
    let db = db();
    let mut italian = ItalianRestaurant::new();
    italian.name = "Luigi's".into();
    italian.save(&db).unwrap();
    let (total, _) = italian.delete(&db).unwrap();
    assert_eq!(total, 3);
    for table in ["places_place", "places_restaurant", "places_italianrestaurant"] {
        assert_eq!(count(&db, table), 0, "{table}");
    }
}

#[test]
fn deleting_the_parent_cascades_to_the_child() {
    let db = db();
    let mut italian = ItalianRestaurant::new();
    italian.name = "Luigi's".into();
    italian.save(&db).unwrap();
    let mut place = Place::get(&db, italian.id.unwrap()).unwrap();
    let (total, _) = place.delete(&db).unwrap();
    assert_eq!(total, 3);
    assert_eq!(count(&db, "places_italianrestaurant"), 0);
}

#[test]
fn filters_and_ordering_work_on_inherited_fields() {
    let db = db();
    for (name, pizza) in [("Carla's", true), ("Alfredo's", true), ("Bob's", false)] {
        let mut r = restaurant(name);
        r.serves_pizza = pizza;
        r.save(&db).unwrap();
        // `created` has microsecond precision: keep the saves apart so
        // the inherited ordering (-created) is strict.
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let mut plain = Place::new();
    plain.name = "Arboretum".into();
    plain.save(&db).unwrap();

    let pizza: Vec<String> = Restaurant::objects()
        .filter(Restaurant::SERVES_PIZZA.eq(true))
        .order_by([Restaurant::NAME.asc()])
        .all(&db)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(pizza, ["Alfredo's", "Carla's"]);
    assert_eq!(Restaurant::objects().filter(Restaurant::NAME.startswith("A")).count(&db).unwrap(), 1);
    assert!(Restaurant::objects().filter(Restaurant::NAME.eq("Bob's")).exists(&db).unwrap());
    assert_eq!(Place::objects().count(&db).unwrap(), 4);
    // meta.ordering (-created) is inherited from the abstract base through Place.
    let by_default: Vec<String> = Restaurant::objects().all(&db).unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(by_default, ["Bob's", "Alfredo's", "Carla's"]);
    let oldest_first: Vec<String> =
        Restaurant::objects().order_by([Restaurant::CREATED.asc()]).all(&db).unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(oldest_first, ["Carla's", "Alfredo's", "Bob's"]);
}

#[test]
fn queryset_update_of_an_inherited_field_updates_the_parent_table() {
    let db = db();
    for name in ["Alfredo's", "Bob's"] {
        restaurant(name).save(&db).unwrap();
    }
    let mut plain = Place::new();
    plain.name = "Alfredo's park".into();
    plain.save(&db).unwrap();

    let changed = Restaurant::objects()
        .filter(Restaurant::NAME.startswith("Alf"))
        .update(&db, &[Restaurant::ADDRESS.set("2 Side St"), Restaurant::SERVES_HOT_DOGS.set(true)])
        .unwrap();
    assert_eq!(changed, 1);
    let alfredo = Restaurant::objects().filter(Restaurant::NAME.eq("Alfredo's")).get(&db).unwrap();
    assert_eq!(alfredo.address, "2 Side St");
    assert!(alfredo.serves_hot_dogs);
    plain.refresh_from_db(&db).unwrap();
    assert_eq!(plain.address, "", "the plain place matching the filter text is not a restaurant");
}

#[test]
fn update_fields_may_name_inherited_fields() {
    let db = db();
    let mut r = restaurant("Bob's");
    r.save(&db).unwrap();
    r.name = "Robert's".into();
    r.address = "not saved".into();
    r.serves_pizza = true;
    r.save_with(&db, SaveOptions::update_fields(&["name", "serves_pizza"])).unwrap();
    let stored = Restaurant::get(&db, r.id.unwrap()).unwrap();
    assert_eq!(stored.name, "Robert's");
    assert_eq!(stored.address, "1 Main St");
    assert!(stored.serves_pizza);
    let unknown = r.save_with(&db, SaveOptions::update_fields(&["nmae"]));
    assert!(matches!(unknown, Err(Error::Misuse(_))), "{unknown:?}");
}

#[test]
fn inherited_auto_now_add_is_set_once_and_auto_now_on_every_save() {
    let db = db();
    let mut r = restaurant("Bob's");
    r.save(&db).unwrap();
    let (created, modified) = (r.created, r.modified);
    std::thread::sleep(std::time::Duration::from_millis(5));
    r.save(&db).unwrap();
    assert_eq!(r.created, created);
    assert!(r.modified > modified);
    let stored = Restaurant::get(&db, r.id.unwrap()).unwrap();
    assert_eq!((stored.created, stored.modified), (r.created, r.modified));
}

#[test]
fn a_failed_child_save_leaves_every_table_as_it_was() {
    let db = db();
    let mut r = restaurant("Bob's");
    r.save(&db).unwrap();
    // force_insert of an existing child: the parent row is updated first,
    // then the child's INSERT fails; the parent's change must be undone.
    r.name = "Changed".into();
    let result = r.save_with(&db, SaveOptions::force_insert());
    assert!(matches!(result, Err(Error::Integrity(_))), "{result:?}");
    assert_eq!(text(&db, "SELECT name FROM places_place WHERE id = ?1", r.id.unwrap()), "Bob's");
    assert_eq!(count(&db, "places_place"), 1);
}

#[test]
fn many_to_many_between_children_works_from_both_sides() {
    let db = db();
    let mut r = restaurant("Bob's");
    r.save(&db).unwrap();
    let mut s = Supplier::new();
    s.name = "Farm".into();
    s.save(&db).unwrap();
    s.customers().add(&db, &[&r]).unwrap();
    assert_eq!(s.customers().all(&db).unwrap().iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Bob's"]);
    assert_eq!(r.suppliers().all(&db).unwrap().iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Farm"]);
}

#[test]
fn a_child_with_no_column_but_its_key_saves_again_without_a_second_row() {
    // Django's _save_table with no non-pk field of the table: the UPDATE
    // only checks that the row exists, and an INSERT follows if it does not.
    let db = db();
    let mut s = Supplier::new();
    s.name = "Farm".into();
    s.save(&db).unwrap();
    s.save(&db).unwrap();
    assert_eq!((count(&db, "places_place"), count(&db, "places_supplier")), (1, 1));
    let mut other = Supplier::new();
    other.name = "Mill".into();
    other.set_pk(Some(99));
    other.save(&db).unwrap();
    assert_eq!(count(&db, "places_supplier"), 2);
    assert_eq!(text(&db, "SELECT name FROM places_place WHERE id = ?1", 99), "Mill");
}

#[test]
fn child_meta_describes_its_own_table_and_its_parent() {
    let meta = Restaurant::meta();
    assert_eq!(meta.table, "places_restaurant");
    assert_eq!(meta.parent.map(|p| p.table), Some("places_place"));
    assert_eq!(ItalianRestaurant::meta().lineage().map(|m| m.table).collect::<Vec<_>>(), [
        "places_italianrestaurant",
        "places_restaurant",
        "places_place"
    ]);
}

/// Django's `SQLUpdateCompiler.pre_sql_setup`: an update that sets columns
/// of the child and of the parent selects the matching keys once, so a
/// filter on a column the update changes still reaches every table.
#[test]
fn queryset_update_of_parent_and_child_columns_filtered_on_an_updated_column_updates_both_tables() {
    let db = db();
    let mut plain = restaurant("Plain");
    plain.save(&db).unwrap();
    let mut pizza = restaurant("Pizzeria");
    pizza.serves_pizza = true;
    pizza.save(&db).unwrap();

    let matched = Restaurant::objects()
        .filter(Restaurant::SERVES_PIZZA.eq(false))
        .update(&db, &[Restaurant::SERVES_PIZZA.set(true), Restaurant::NAME.set("Now with pizza")])
        .unwrap();
    assert_eq!(matched, 1, "the child's table matched one row");

    plain.refresh_from_db(&db).unwrap();
    assert!(plain.serves_pizza, "the child's column");
    assert_eq!(plain.name, "Now with pizza", "the parent's column, on the row the filter selected before the update");
    pizza.refresh_from_db(&db).unwrap();
    assert_eq!(pizza.name, "Pizzeria", "rows the filter did not select are untouched");

    // Only the parent's columns set: Django returns the parent's count.
    let matched = Restaurant::objects()
        .filter(Restaurant::NAME.eq("Now with pizza"))
        .update(&db, &[Restaurant::NAME.set("Renamed")])
        .unwrap();
    assert_eq!(matched, 1);
    assert_eq!(Place::objects().filter(Place::NAME.eq("Renamed")).count(&db).unwrap(), 1);
}

/// Django's `Model._set_pk_val`: setting a child's pk sets the inherited
/// `id` and every parent link, which are one value.
#[test]
fn setting_a_childs_pk_sets_the_inherited_id_and_every_parent_link() {
    let mut italian = ItalianRestaurant::new();
    italian.set_pk(Some(7));
    assert_eq!((italian.id, italian.place_ptr_id, italian.restaurant_ptr_id), (Some(7), Some(7), Some(7)));
    italian.set_pk(None);
    assert_eq!((italian.id, italian.place_ptr_id, italian.restaurant_ptr_id), (None, None, None));
}
