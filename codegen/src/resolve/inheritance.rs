//! Inheritance: `extends` (abstract and multi-table), cycles, the fields
//! and Meta options a model inherits, and the clashes Django forbids.

use super::*;

impl<'a> Resolver<'a> {
    pub(super) fn resolve_inheritance(&mut self) {
        let ids: Vec<ModelId> = self.models.values().copied().collect();
        for &id in &ids {
            let Some(extends) = &self.model(id).extends else { continue };
            let file = self.file(id);
            let Some(parent) = self.lookup(file, id, extends, "`extends`") else {
                self.broken.insert(id);
                continue;
            };
            if parent == id {
                let file = self.file(id).to_string();
                self.err_help(
                    &file,
                    extends.pos,
                    format!("model `{}` extends itself", self.model(id).name.value),
                    Some("name a parent model, or remove `extends`".into()),
                );
                self.broken.insert(id);
                continue;
            }
            let parent_abstract = self.model(parent).meta.is_abstract;
            if !parent_abstract {
                if self.model(id).meta.is_abstract {
                    let file = self.file(id).to_string();
                    self.err_help(
                        &file,
                        extends.pos,
                        "an abstract model cannot extend a concrete model",
                        Some("extend an abstract model, or drop `abstract: true`".into()),
                    );
                    self.broken.insert(id);
                    continue;
                }
                self.concrete_parent.insert(id, parent);
            }
        }
        // Cycles: follow `extends` from every model. A cycle is reported
        // once, at the first of its models; all of them are marked broken.
        for &id in &ids {
            if self.parent_of(id) == Some(id) {
                continue; // `extends` itself: reported above
            }
            let mut seen = vec![id];
            let mut current = id;
            while let Some(next) = self.parent_of(current) {
                if next == id {
                    self.broken.insert(id);
                    if seen.iter().all(|m| *m >= id) {
                        let names: Vec<String> = seen.iter().map(|m| self.model(*m).name.value.clone()).collect();
                        let file = self.file(id).to_string();
                        let pos = self.model(id).extends.as_ref().map_or(self.model(id).name.pos, |e| e.pos);
                        self.err_help(
                            &file,
                            pos,
                            format!("inheritance cycle: {} -> {}", names.join(" -> "), self.model(id).name.value),
                            Some("a model cannot be its own ancestor; remove one of these `extends`".into()),
                        );
                    }
                    break;
                }
                if seen.contains(&next) {
                    // An ancestor is in a cycle (reported there): this
                    // model's inheritance cannot be resolved either.
                    self.broken.insert(id);
                    break;
                }
                seen.push(next);
                current = next;
            }
        }
        for &id in &ids {
            if !self.broken.contains(&id) {
                let fields = self.flatten_fields(id, &mut Vec::new());
                self.flat_fields.insert(id, fields);
            }
        }
    }

    pub(super) fn parent_of(&self, id: ModelId) -> Option<ModelId> {
        let extends = self.model(id).extends.as_ref()?;
        let text = &extends.value;
        let (app, name) = match text.split_once('.') {
            Some((a, n)) => (a.to_string(), n.to_string()),
            None => (self.app(id).to_string(), text.clone()),
        };
        self.models.get(&(app, name)).copied()
    }

    /// Fields of a model after copying in its abstract ancestors' fields;
    /// a child's field of the same name overrides the inherited one.
    pub(super) fn flatten_fields(&self, id: ModelId, visiting: &mut Vec<ModelId>) -> Vec<&'a FieldDef> {
        if visiting.contains(&id) {
            return Vec::new();
        }
        visiting.push(id);
        let model = self.model(id);
        let mut fields: Vec<&'a FieldDef> = Vec::new();
        if let Some(parent) = self.parent_of(id) {
            if self.model(parent).meta.is_abstract {
                let own: BTreeSet<&str> = model.fields.iter().map(|f| f.name.value.as_str()).collect();
                fields.extend(
                    self.flatten_fields(parent, visiting).into_iter().filter(|f| !own.contains(f.name.value.as_str())),
                );
            }
        }
        fields.extend(model.fields.iter());
        visiting.pop();
        fields
    }

    /// The first of the model and its ancestors (abstract ones only, or all
    /// when `through_concrete`) for which `get` returns something, with the
    /// schema file it was found in (an ancestor may live in another file).
    /// Cycles are reported elsewhere; the walk stops after 64 steps.
    pub(super) fn find_inherited<T>(
        &self,
        id: ModelId,
        through_concrete: bool,
        get: impl Fn(&'a ModelDef) -> Option<T>,
    ) -> Option<(T, String)> {
        std::iter::successors(Some(id), |m| {
            self.parent_of(*m).filter(|p| through_concrete || self.model(*p).meta.is_abstract)
        })
        .take(64)
        .find_map(|m| get(self.model(m)).map(|value| (value, self.file(m).to_string())))
    }

    /// Django's Meta inheritance from abstract bases.
    pub(super) fn inherited<T>(&self, id: ModelId, get: impl Fn(&'a ModelDef) -> Option<T>) -> Option<T> {
        self.find_inherited(id, false, get).map(|(value, _)| value)
    }

    /// Like `inherited`, with the file the value was found in, for error positions.
    pub(super) fn inherited_in<T>(&self, id: ModelId, get: impl Fn(&'a ModelDef) -> Option<T>) -> Option<(T, String)> {
        self.find_inherited(id, false, get)
    }

    /// Like `inherited_in`, following concrete parents too: Django's child
    /// inherits its parent's methods, and `ordering` / `get_latest_by` when
    /// it sets none.
    pub(super) fn inherited_through_parents<T>(
        &self,
        id: ModelId,
        get: impl Fn(&'a ModelDef) -> Option<T>,
    ) -> Option<(T, String)> {
        self.find_inherited(id, true, get)
    }

    /// The schema file a field definition was written in: the model's own,
    /// or an abstract ancestor's.
    pub(super) fn def_file(&self, def: &FieldDef) -> String {
        self.field_files.get(&(def as *const FieldDef)).map_or_else(String::new, |&i| self.files[i].path.clone())
    }

    /// Django's models.E006: a child's field may not share a name (or the
    /// attribute a ForeignKey stores its value in) with a field of a
    /// concrete ancestor, whose fields sit beside the child's.
    pub(super) fn check_parent_clashes(&mut self, id: ModelId, file: &str, flat: &[&FieldDef]) {
        let mut taken: BTreeMap<String, String> = BTreeMap::new();
        let mut child = id;
        let mut steps = 0;
        while let Some(&parent) = self.concrete_parent.get(&child) {
            steps += 1;
            if steps > 64 {
                break;
            }
            let link = format!("{}_ptr", self.model(parent).name.value.to_lowercase());
            let link_owner = format!("the parent link `{link}` of `{}`", self.label(child));
            taken.entry(format!("{link}_id")).or_insert_with(|| link_owner.clone());
            taken.entry(link).or_insert(link_owner);
            let parent_label = self.label(parent);
            for f in self.flat_fields.get(&parent).cloned().unwrap_or_default() {
                let owner = format!("field `{}` inherited from `{parent_label}`", f.name.value);
                taken.entry(f.name.value.clone()).or_insert_with(|| owner.clone());
                if types::lookup(&f.type_name.value)
                    .is_some_and(|t| matches!(t.kind, Kind::ForeignKey | Kind::OneToOne))
                {
                    taken.entry(format!("{}_id", f.name.value)).or_insert(owner);
                }
            }
            if !self.concrete_parent.contains_key(&parent)
                && !self.flat_fields.get(&parent).is_some_and(|fs| fs.iter().any(|f| FieldDef::flag(&f.primary_key)))
            {
                taken
                    .entry("id".into())
                    .or_insert_with(|| format!("the primary key `id` inherited from `{parent_label}`"));
            }
            child = parent;
            if child == id {
                break;
            }
        }
        for field in flat {
            let is_fk = types::lookup(&field.type_name.value)
                .is_some_and(|t| matches!(t.kind, Kind::ForeignKey | Kind::OneToOne));
            let attname = format!("{}_id", field.name.value);
            let clash = taken.get(&field.name.value).or_else(|| if is_fk { taken.get(&attname) } else { None });
            if let Some(owner) = clash {
                let message = format!("field `{}` clashes with {owner}", field.name.value);
                self.err_help(
                    file,
                    field.name.pos,
                    message,
                    Some("rename the field; a child model's fields sit beside its parents'".into()),
                );
            }
        }
    }

    pub(super) fn check_abstract_meta(&mut self, id: ModelId) {
        let def = self.model(id);
        if let Some(table) = &def.meta.db_table {
            let file = self.file(id).to_string();
            self.err(&file, table.pos, "an abstract model has no table, so `db_table` does not apply");
        }
        // Fields of an abstract model are checked where they are used; check
        // here the ones no concrete model uses, so mistakes are not silent.
        let used = self.concrete_children_of(id);
        if !used {
            let fields: Vec<&FieldDef> = self.flat_fields.get(&id).cloned().unwrap_or_default();
            let mut reserved_names = BTreeMap::new();
            for field in fields {
                let file = self.def_file(field);
                let Some(ty) = types::lookup(&field.type_name.value) else {
                    self.unknown_type(&file, field);
                    continue;
                };
                self.check_field_name(&file, field, &mut reserved_names);
                self.check_options(&file, field, ty);
                if ty.is_relation() {
                    if let Some(to) = &field.to {
                        self.lookup(&file, id, to, &format!("field `{}`", field.name.value));
                    }
                }
            }
        }
    }

    pub(super) fn concrete_children_of(&self, id: ModelId) -> bool {
        self.models.values().any(|&m| m != id && self.parent_of(m) == Some(id))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn abstract_fields_are_copied_and_overridden() {
        let project = project(
            "  Base:\n    meta: {abstract: true, ordering: [name]}\n    fields:\n      name: {type: CharField, max_length: 10}\n      size: {type: IntegerField}\n  Child:\n    extends: Base\n    fields:\n      size: {type: BigIntegerField}\n",
        );
        assert!(project.apps[0].models.iter().all(|m| m.name != "Base"), "abstract models have no struct");
        let child = model(&project, "Child");
        let names: Vec<&str> = child.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "size"]);
        assert_eq!(field(child, "size").django_type, "BigIntegerField");
        assert_eq!(child.ordering.len(), 1, "Meta options come from abstract bases");
    }

    #[test]
    fn multi_table_child_holds_parent_fields_and_link() {
        let project = project(
            "  Place:\n    fields:\n      name: {type: CharField, max_length: 10}\n  Restaurant:\n    extends: Place\n    fields:\n      seats: {type: IntegerField}\n",
        );
        let child = model(&project, "Restaurant");
        let own: Vec<&str> = child.fields.iter().map(|f| f.column.as_str()).collect();
        assert_eq!(own, ["place_ptr_id", "seats"]);
        let all: Vec<&str> = child.all_fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(all, ["id", "name", "place_ptr", "seats"]);
        let parent = child.parent.as_ref().unwrap();
        assert_eq!(parent.meta_path, "PLACE_META");
        assert!(child.fields[child.pk].relation.as_ref().unwrap().parent_link);
    }

    #[test]
    fn cycles_and_self_extension_are_reported() {
        let errors = errors("  A:\n    extends: B\n    fields: {}\n  B:\n    extends: A\n    fields: {}\n  C:\n    extends: C\n    fields: {}\n");
        assert!(has_error(&errors, "inheritance cycle: A -> B -> A"), "{errors:?}");
        assert!(has_error(&errors, "model `C` extends itself"), "{errors:?}");
    }

    #[test]
    fn child_field_may_not_shadow_a_concrete_parent_field() {
        let errors = errors(
            "  Place:\n    fields:\n      name: {type: CharField, max_length: 10}\n  Shop:\n    extends: Place\n    fields:\n      name: {type: CharField, max_length: 10}\n",
        );
        assert!(has_error(&errors, "field `name` clashes with field `name` inherited from `t.Place`"), "{errors:?}");
    }
}
