//! Relations: many-to-many fields and their join tables, reverse
//! accessors, and relations that point at abstract models.

use super::*;

impl<'a> Resolver<'a> {
    pub(super) fn build_many_to_many(&mut self, id: ModelId, def: &FieldDef, table: &str) -> Option<ir::ManyToMany> {
        let file = self.def_file(def);
        let name = def.name.value.clone();
        let model_lower = self.model(id).name.value.to_lowercase();
        let target = self.lookup(&file, id, def.to.as_ref()?, &format!("field `{name}`"))?;
        if self.model(target).meta.is_abstract {
            self.abstract_target(&file, def, target);
            return None;
        }
        if let Some(symmetrical) = &def.symmetrical {
            if target != id {
                self.err_help(
                    &file,
                    symmetrical.pos,
                    "`symmetrical` only applies to a ManyToManyField to `self`",
                    Some("remove it; a relation between two models is never symmetrical".into()),
                );
            }
        }
        let target_lower = self.model(target).name.value.to_lowercase();
        let target_table = self.table_of(target);
        let rel_type = |this: &Self, of: ModelId| -> Option<(String, types::ColumnType)> {
            let (column, _) = this.target_pk(of)?;
            Some((column, this.rel_sql_type(of)?))
        };
        let (source_pk_column, source_sql_type) = rel_type(self, id)?;
        let (target_pk_column, target_sql_type) = rel_type(self, target)?;
        let (source_column, target_column, through_table, through_path, auto_created, through_pk_column) = match &def
            .through
        {
            None => {
                let (s, t) = if target == id {
                    (format!("from_{model_lower}_id"), format!("to_{target_lower}_id"))
                } else {
                    (format!("{model_lower}_id"), format!("{target_lower}_id"))
                };
                (s, t, format!("{table}_{name}"), None, true, "id".to_string())
            }
            Some(through_ref) => {
                let through = self.lookup(&file, id, through_ref, &format!("`through` of `{name}`"))?;
                let through_fields = self.flat_fields.get(&through).cloned().unwrap_or_default();
                let fk_to = |wanted: ModelId, this: &mut Self| -> Vec<String> {
                    through_fields
                        .iter()
                        .filter(|f| matches!(f.type_name.value.as_str(), "ForeignKey" | "OneToOneField"))
                        .filter(|f| f.to.as_ref().is_some_and(|to| this.peek(through, &to.value) == Some(wanted)))
                        .map(|f| {
                            f.db_column.as_ref().map_or_else(|| format!("{}_id", f.name.value), |c| c.value.clone())
                        })
                        .collect()
                };
                let to_source = fk_to(id, self);
                let to_target = fk_to(target, self);
                let through_name = self.model(through).name.value.clone();
                // The join reads and writes keys: a through ForeignKey that
                // holds another field (`to_field`) would not match them.
                let keyed_by_field = through_fields.iter().find(|f| {
                    f.to_field.is_some()
                        && f.to.as_ref().is_some_and(|to| {
                            let points_at = self.peek(through, &to.value);
                            points_at == Some(id) || points_at == Some(target)
                        })
                });
                if let Some(fk) = keyed_by_field {
                    let pos = fk.to_field.as_ref().map_or(fk.name.pos, |t| t.pos);
                    let fk_file = self.def_file(fk);
                    self.err_help(
                        &fk_file,
                        pos,
                        format!("`to_field` on `{through_name}.{}`, the through model of `{name}`, is not supported", fk.name.value),
                        Some("a many-to-many joins by primary keys; remove `to_field` here".into()),
                    );
                    return None;
                }
                if to_source.is_empty() || to_target.is_empty() || (target == id && to_source.len() < 2) {
                    let missing = if to_source.is_empty() {
                        self.model(id).name.value.clone()
                    } else {
                        self.model(target).name.value.clone()
                    };
                    self.err_help(
                        &file,
                        through_ref.pos,
                        format!("through model `{through_name}` of `{name}` has no ForeignKey to `{missing}`"),
                        Some(format!(
                            "a through model needs a ForeignKey to each side: `{}` and `{}`",
                            self.model(id).name.value,
                            self.model(target).name.value
                        )),
                    );
                    return None;
                }
                if target != id && (to_source.len() > 1 || to_target.len() > 1) {
                    self.err_help(
                        &file,
                        through_ref.pos,
                        format!("through model `{through_name}` has more than one ForeignKey to one side of `{name}`; modelgen cannot tell which to use"),
                        Some(format!(
                            "keep one ForeignKey to `{}` and one to `{}` in `{through_name}` (`through_fields` is not supported)",
                            self.model(id).name.value,
                            self.model(target).name.value
                        )),
                    );
                    return None;
                }
                let (s, t) = if target == id {
                    (to_source[0].clone(), to_source[1].clone())
                } else {
                    (to_source[0].clone(), to_target[0].clone())
                };
                let through_pk = self.target_pk(through).map_or_else(|| "id".to_string(), |(column, _)| column);
                (s, t, self.table_of(through), Some(self.rust_path(id, through)), false, through_pk)
            }
        };
        Some(ir::ManyToMany {
            rel_const: format!("{}_REL", name.to_shouty_snake_case()),
            accessor: types::rust_ident(&name),
            name,
            target_path: self.rust_path(id, target),
            target_label: self.label(target),
            through_table,
            source_column,
            target_column,
            through_pk_column,
            target_table,
            source_sql_type: source_sql_type.sqlite,
            target_sql_type: target_sql_type.sqlite,
            source_postgresql_type: source_sql_type.postgresql,
            target_postgresql_type: target_sql_type.postgresql,
            source_pk_column,
            target_pk_column,
            db_constraint: def.db_constraint.as_ref().is_none_or(|d| d.value),
            auto_created,
            symmetrical: target == id && def.symmetrical.as_ref().is_none_or(|s| s.value),
            through_defaults: Vec::new(),
            through_path,
            target_meta: String::new(),
            through_meta: None,
            copy_policy: String::new(),
        })
    }

    /// A relation pointing at an abstract model, which has no table.
    pub(super) fn abstract_target(&mut self, file: &str, def: &FieldDef, target: ModelId) {
        let Some(to) = def.to.as_ref() else { return };
        let children: Vec<String> = self
            .models
            .values()
            .filter(|&&m| self.parent_of(m) == Some(target) && !self.model(m).meta.is_abstract)
            .map(|&m| format!("`{}`", self.model(m).name.value))
            .collect();
        let help = if children.is_empty() {
            "point at a concrete model, or drop `abstract: true` from the target".to_string()
        } else {
            format!("point at a concrete model that extends it: {}", children.join(", "))
        };
        self.err_help(
            file,
            to.pos,
            format!("field `{}` points at the abstract model `{}`, which has no table", def.name.value, to.value),
            Some(help),
        );
    }

    /// Fill in reverse accessors and check they clash with nothing.
    pub(super) fn add_reverse_relations(&mut self, models: &mut BTreeMap<ModelId, Model>) {
        let label_to_id: BTreeMap<String, ModelId> = models.iter().map(|(id, m)| (m.label.clone(), *id)).collect();
        let mut additions: Vec<(ModelId, ir::Reverse, ModelId, String)> = Vec::new();
        for (&source_id, model) in models.iter() {
            for field in &model.fields {
                let Some(rel) = &field.relation else { continue };
                let Some(&target_id) = label_to_id.get(&rel.target_label) else { continue };
                additions.push((
                    target_id,
                    ir::Reverse {
                        method: types::rust_ident(&rel.related_accessor),
                        accessor: rel.related_accessor.clone(),
                        rel_const: format!("{}_REL", rel.related_query_name.to_shouty_snake_case()),
                        own_column: rel.target_column.clone(),
                        source_pk_column: String::new(),
                        through_pk_column: String::new(),
                        source_path: self.rust_path(target_id, source_id),
                        source_label: model.label.clone(),
                        source_const: field.const_name.clone(),
                        kind: if rel.one_to_one { ir::ReverseKind::OneToOne } else { ir::ReverseKind::ForeignKey },
                        through_table: String::new(),
                        source_column: field.column.clone(),
                        target_column: String::new(),
                        target_table: model.table.clone(),
                        auto_created: false,
                        symmetrical: false,
                        through_defaults: Vec::new(),
                    },
                    source_id,
                    field.name.clone(),
                ));
            }
            for m2m in &model.many_to_many {
                let Some(&target_id) = label_to_id.get(&m2m.target_label) else { continue };
                let def = self
                    .flat_fields
                    .get(&source_id)
                    .and_then(|fs| fs.iter().find(|f| f.name.value == m2m.name).copied());
                let symmetrical =
                    target_id == source_id && def.and_then(|d| d.symmetrical.as_ref()).is_none_or(|s| s.value);
                if symmetrical {
                    continue;
                }
                let accessor = def
                    .and_then(|d| d.related_name.as_ref())
                    .map_or_else(|| format!("{}_set", model.name.to_lowercase()), |r| r.value.clone());
                let query_name = def
                    .and_then(|d| d.related_name.as_ref())
                    .map_or_else(|| model.name.to_lowercase(), |r| r.value.clone());
                additions.push((
                    target_id,
                    ir::Reverse {
                        method: types::rust_ident(&accessor),
                        accessor,
                        rel_const: format!("{}_REL", query_name.to_shouty_snake_case()),
                        own_column: m2m.target_pk_column.clone(),
                        source_pk_column: m2m.source_pk_column.clone(),
                        through_pk_column: m2m.through_pk_column.clone(),
                        source_path: self.rust_path(target_id, source_id),
                        source_label: model.label.clone(),
                        source_const: m2m.name.clone(),
                        kind: ir::ReverseKind::ManyToMany,
                        through_table: m2m.through_table.clone(),
                        source_column: m2m.target_column.clone(),
                        target_column: m2m.source_column.clone(),
                        target_table: model.table.clone(),
                        auto_created: m2m.auto_created,
                        symmetrical: m2m.symmetrical,
                        through_defaults: m2m.through_defaults.clone(),
                    },
                    source_id,
                    m2m.name.clone(),
                ));
            }
        }
        for (target_id, reverse, source_id, field_name) in additions {
            // Django: a related_name ending with `+` means no reverse accessor.
            if reverse.accessor.ends_with('+') {
                continue;
            }
            let source_file = self.file(source_id).to_string();
            let declared = self.flat_fields.get(&source_id).and_then(|fs| fs.iter().find(|f| f.name.value == field_name));
            // A field the schema does not declare is the parent link of a
            // multi-table child, whose reverse accessor is the child's name
            // lowercased: the error points at `extends:` and asks for
            // another model name.
            let (pos, help) = match declared {
                Some(f) => (
                    f.related_name.as_ref().map_or(f.name.pos, |r| r.pos),
                    "add or change `related_name` on this field".to_string(),
                ),
                None => {
                    let model = self.model(source_id);
                    (
                        model.extends.as_ref().map_or(model.name.pos, |e| e.pos),
                        format!(
                            "the parent link's reverse accessor is the model name lowercased (`{}`); rename the model",
                            reverse.accessor
                        ),
                    )
                }
            };
            let Some(target) = models.get_mut(&target_id) else { continue };
            let clash_field =
                target.fields.iter().any(|f| f.name == reverse.accessor || f.plain_ident == reverse.accessor)
                    || target.many_to_many.iter().any(|m| m.accessor == reverse.accessor);
            let clash_reverse =
                target.reverse.iter().find(|r| r.accessor == reverse.accessor).map(|r| r.source_label.clone());
            let clash_method = GENERATED_METHODS.contains(&reverse.accessor.as_str());
            // Django's fields.E303 / E305: the reverse query name (here its
            // `Rel` constant) clashes with a field or another relation.
            let clash_query_name = target
                .fields
                .iter()
                .find(|f| f.const_name == reverse.rel_const || format!("{}_REL", f.const_name) == reverse.rel_const)
                .map(|f| format!("field `{}`", f.name))
                .or_else(|| {
                    target
                        .fields
                        .iter()
                        .filter_map(|f| f.relation.as_ref().map(|r| (r, &f.name)))
                        .find(|(r, _)| r.rel_const == reverse.rel_const)
                        .map(|(_, name)| format!("the relation constant of field `{name}`"))
                })
                .or_else(|| {
                    target
                        .many_to_many
                        .iter()
                        .find(|m| m.rel_const == reverse.rel_const)
                        .map(|m| format!("the relation constant of field `{}`", m.name))
                })
                .or_else(|| {
                    target
                        .reverse
                        .iter()
                        .find(|r| r.rel_const == reverse.rel_const)
                        .map(|r| format!("the reverse query name of a relation on `{}`", r.source_label))
                });
            if let (false, None, false, Some(with)) =
                (clash_field, clash_reverse.as_ref(), clash_method, clash_query_name)
            {
                self.err_help(
                    &source_file,
                    pos,
                    format!(
                        "reverse query name for field `{field_name}` gives `{}.{}`, which clashes with {with}",
                        target.name, reverse.rel_const
                    ),
                    Some("add or change `related_name` on this field".into()),
                );
                continue;
            }
            if clash_field || clash_reverse.is_some() || clash_method {
                let with = if let Some(other) = clash_reverse {
                    format!("the reverse accessor of a relation on `{other}`")
                } else if clash_method {
                    format!("the generated method `{}()`", reverse.accessor)
                } else {
                    format!("field `{}`", reverse.accessor)
                };
                self.err_help(
                    &source_file,
                    pos,
                    format!(
                        "reverse accessor `{}.{}` for field `{field_name}` clashes with {with}",
                        target.name, reverse.accessor
                    ),
                    Some(help),
                );
                continue;
            }
            target.reverse.push(reverse);
        }
    }

    /// Whether some relation of the run declares `related_name: <name>` and
    /// names a model that does not exist (reported there already).
    pub(super) fn declared_related_name(&self, name: &str) -> bool {
        self.files.iter().any(|file| {
            file.models.iter().flat_map(|m| m.fields.iter()).any(|f| {
                let unresolved = f.to.as_ref().is_some_and(|to| {
                    let (app, model) = to.value.split_once('.').unwrap_or((file.app.value.as_str(), to.value.as_str()));
                    to.value != "self" && !self.models.contains_key(&(app.to_string(), model.to_string()))
                });
                unresolved && f.related_name.as_ref().is_some_and(|r| r.value == name)
            })
        })
    }
}

/// The values of each custom through model's extra columns (every column
/// but the key), for `add()` on the many-to-many that uses it.
pub(super) fn fill_through_defaults(models: &mut BTreeMap<ModelId, Model>) {
    let by_table: BTreeMap<String, Vec<ir::ThroughDefault>> = models
        .values()
        .map(|m| {
            let defaults = m
                .fields
                .iter()
                .filter(|f| !f.primary_key)
                .filter_map(|f| {
                    let value = crate::print::through_value_expr(&f.default, f.now)?;
                    Some(ir::ThroughDefault { column: f.column.clone(), value })
                })
                .collect();
            (m.table.clone(), defaults)
        })
        .collect();
    for model in models.values_mut() {
        for m2m in model.many_to_many.iter_mut().filter(|m| !m.auto_created) {
            m2m.through_defaults = by_table
                .get(&m2m.through_table)
                .into_iter()
                .flatten()
                .filter(|d| d.column != m2m.source_column && d.column != m2m.target_column)
                .cloned()
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::ir::ReverseKind;

    #[test]
    fn many_to_many_tables_and_reverse_sides() {
        let project = project(
            "  Tag:\n    fields:\n      name: {type: CharField, max_length: 10}\n  Post:\n    fields:\n      tags: {type: ManyToManyField, to: Tag, related_name: posts}\n      friends: {type: ManyToManyField, to: self}\n      tag: {type: ForeignKey, to: Tag, on_delete: CASCADE, null: true}\n",
        );
        let post = model(&project, "Post");
        let tags = &post.many_to_many[0];
        assert_eq!(
            (tags.through_table.as_str(), tags.source_column.as_str(), tags.target_column.as_str()),
            ("t_post_tags", "post_id", "tag_id")
        );
        let friends = &post.many_to_many[1];
        assert_eq!((friends.source_column.as_str(), friends.target_column.as_str()), ("from_post_id", "to_post_id"));
        assert!(friends.symmetrical && !tags.symmetrical);
        let tag = model(&project, "Tag");
        let reverse: Vec<(&str, ReverseKind)> = tag.reverse.iter().map(|r| (r.accessor.as_str(), r.kind)).collect();
        assert_eq!(reverse, [("post_set", ReverseKind::ForeignKey), ("posts", ReverseKind::ManyToMany)]);
        assert!(post.reverse.is_empty(), "a symmetrical self relation has no reverse side");
    }

    #[test]
    fn custom_through_model_and_its_defaults() {
        let project = project(
            "  Person:\n    fields: {}\n  Group:\n    fields:\n      members: {type: ManyToManyField, to: Person, through: Membership}\n  Membership:\n    fields:\n      person: {type: ForeignKey, to: Person, on_delete: CASCADE}\n      group: {type: ForeignKey, to: Group, on_delete: CASCADE}\n      role: {type: CharField, max_length: 10, default: member}\n      joined: {type: DateTimeField, auto_now_add: true}\n      badge: {type: UUIDField, default: uuid4}\n      note: {type: CharField, max_length: 10}\n      rank: {type: IntegerField, null: true}\n",
        );
        let m2m = &model(&project, "Group").many_to_many[0];
        assert!(!m2m.auto_created);
        assert_eq!(
            (m2m.through_table.as_str(), m2m.source_column.as_str(), m2m.target_column.as_str()),
            ("t_membership", "group_id", "person_id")
        );
        let defaults: Vec<(&str, &str)> =
            m2m.through_defaults.iter().map(|d| (d.column.as_str(), d.value.as_str())).collect();
        // Every other column, computed defaults included (Django's
        // bulk_create of the through rows runs pre_save and the callables).
        assert_eq!(
            defaults,
            [
                ("role", "::modelgen_runtime::to_value(&\"member\".to_string())"),
                ("joined", "::modelgen_runtime::to_value(&::modelgen_runtime::now())"),
                ("badge", "::modelgen_runtime::to_value(&::modelgen_runtime::uuid::Uuid::new_v4())"),
                ("note", "::modelgen_runtime::to_value(&String::new())"),
                ("rank", "::modelgen_runtime::rusqlite::types::Value::Null"),
            ]
        );
    }

    #[test]
    fn reverse_accessor_clashes_and_abstract_targets() {
        let errors = errors(
            "  Base:\n    meta: {abstract: true}\n    fields: {}\n  Blog:\n    fields:\n      post_set: {type: IntegerField}\n  Post:\n    fields:\n      blog: {type: ForeignKey, to: Blog, on_delete: CASCADE}\n      base: {type: ForeignKey, to: Base, on_delete: CASCADE}\n",
        );
        assert!(
            has_error(&errors, "reverse accessor `Blog.post_set` for field `blog` clashes with field `post_set`"),
            "{errors:?}"
        );
        assert!(has_error(&errors, "points at the abstract model `Base`, which has no table"), "{errors:?}");
    }
}
