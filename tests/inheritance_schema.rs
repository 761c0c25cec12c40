//! How the generator lays out inherited fields (SPEC §5): abstract bases are
//! copied into children, a child's field of the same name overrides the
//! base's (Django >= 1.10), and a multi-table child holds its ancestors'
//! fields in Django's `_meta.fields` order.

fn compile(yaml: &str) -> modelgen::ir::Project {
    modelgen::compile(&[("schemas/t.yaml".to_string(), yaml.to_string())]).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn child_field_overrides_the_abstract_base_field_of_the_same_name() {
    let project = compile(
        "app: t\nmodels:\n  Base:\n    fields:\n      title: {type: CharField, max_length: 10}\n      body: {type: TextField}\n    meta: {abstract: true, ordering: [title]}\n  Post:\n    extends: Base\n    fields:\n      title: {type: CharField, max_length: 200, unique: true}\n",
    );
    let post = &project.apps[0].models[0];
    assert_eq!(project.apps[0].models.len(), 1, "the abstract base has no model of its own");
    let names: Vec<&str> = post.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["id", "body", "title"], "inherited fields first, the override where the child declares it");
    let title = post.fields.iter().find(|f| f.name == "title").unwrap();
    assert_eq!(title.sql_type, "varchar(200)");
    assert!(title.unique);
    assert_eq!(post.ordering[0].column, "title", "meta.ordering is inherited from the abstract base");
    assert!(project.apps[0].ddl.contains("\"title\" varchar(200) NOT NULL UNIQUE"));
}

#[test]
fn multi_table_child_holds_every_ancestor_field_root_first() {
    let project = compile(
        "app: t\nmodels:\n  Place:\n    fields:\n      name: {type: CharField, max_length: 50}\n    str: \"{name}\"\n  Restaurant:\n    extends: Place\n    fields:\n      seats: {type: IntegerField, default: 0}\n  Italian:\n    extends: Restaurant\n    fields:\n      gnocchi: {type: BooleanField, default: false}\n",
    );
    let italian = project.apps[0].models.iter().find(|m| m.name == "Italian").unwrap();
    let own: Vec<&str> = italian.fields.iter().map(|f| f.column.as_str()).collect();
    assert_eq!(own, ["restaurant_ptr_id", "gnocchi"]);
    let all: Vec<(&str, &str)> = italian.all_fields.iter().map(|f| (f.table.as_str(), f.column.as_str())).collect();
    assert_eq!(
        all,
        [
            ("t_place", "id"),
            ("t_place", "name"),
            ("t_restaurant", "place_ptr_id"),
            ("t_restaurant", "seats"),
            ("t_italian", "restaurant_ptr_id"),
            ("t_italian", "gnocchi"),
        ]
    );
    assert_eq!(
        italian.sql.from,
        "\"t_italian\" INNER JOIN \"t_restaurant\" ON (\"t_italian\".\"restaurant_ptr_id\" = \"t_restaurant\".\"place_ptr_id\") INNER JOIN \"t_place\" ON (\"t_restaurant\".\"place_ptr_id\" = \"t_place\".\"id\")"
    );
    assert_eq!(italian.display.as_ref().map(|d| d.args.clone()), Some(vec!["name".to_string()]), "str is inherited");
}
