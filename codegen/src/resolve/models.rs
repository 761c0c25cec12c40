//! Models: one concrete model built from its flattened fields, its
//! primary key (declared, automatic or the parent link), and the checks
//! across the models of a run (tables, enum names, columns).

use super::*;

impl<'a> Resolver<'a> {
    pub(super) fn build_model(
        &mut self,
        id: ModelId,
        built: &BTreeMap<ModelId, Model>,
    ) -> Option<(Model, Vec<ChoiceEnum>)> {
        let def = self.model(id);
        let file = self.file(id).to_string();
        let app = self.app(id).to_string();
        let name = def.name.value.clone();
        let default_table = format!("{app}_{}", name.to_lowercase());
        let table = def.meta.db_table.as_ref().map_or_else(|| default_table.clone(), |t| t.value.clone());
        if let Some(db_table) = &def.meta.db_table {
            self.check_sql_name(&file, db_table, "db_table", &default_table);
        }
        let mut fields: Vec<Field> = Vec::new();
        let mut enums = Vec::new();
        let mut many_to_many = Vec::new();
        let mut parent = None;
        let flat = self.flat_fields.get(&id).cloned().unwrap_or_default();

        // Auto-created fields come first, as Django's negative creation counters put them.
        let declared_pks: Vec<&FieldDef> = flat.iter().copied().filter(|f| FieldDef::flag(&f.primary_key)).collect();
        if declared_pks.len() > 1 {
            for extra in &declared_pks[1..] {
                let pos = extra.primary_key.as_ref().map_or(extra.name.pos, |p| p.pos);
                self.err_help(
                    &file,
                    pos,
                    format!(
                        "model `{name}` has more than one primary key (`{}` and `{}`)",
                        declared_pks[0].name.value, extra.name.value
                    ),
                    Some("a model has exactly one field with `primary_key: true`".into()),
                );
            }
        }
        if let Some(key) = declared_pks.first() {
            self.check_relation_key_cycle(id, key);
        }
        if let Some(&parent_id) = self.concrete_parent.get(&id) {
            let parent_def = self.model(parent_id);
            let lower = parent_def.name.value.to_lowercase();
            let (target_column, pk_type) = self.target_pk(parent_id)?;
            let value = RustType::Scalar(pk_type.rust?);
            let parent_sql_type = self.rel_sql_type(parent_id)?;
            let path = self.rust_path(id, parent_id);
            let field_name = format!("{lower}_ptr");
            // The link is an auto-created primary key that is also a
            // one-to-one to the parent: `auto_field`'s pk with these overrides.
            let attname = format!("{field_name}_id");
            fields.push(Field {
                name: field_name.clone(),
                ident: attname.clone(),
                plain_ident: attname.clone(),
                const_name: field_name.to_shouty_snake_case(),
                column: attname,
                table: table.clone(),
                django_type: "OneToOneField".into(),
                sql_type: parent_sql_type.sqlite,
                postgresql: ir::PostgresqlColumn { sql_type: parent_sql_type.postgresql, ..Default::default() },
                rust_type: format!("Option<{}>", value.path()),
                copy: pk_type.is_copy(),
                value_type: value.path(),
                value,
                column_type: String::new(),
                arg_type: String::new(),
                column_auto: false,
                blank: false,
                doc: Some(format!(
                    "The link to the parent row in `{}` (multi-table inheritance).",
                    self.label(parent_id)
                )),
                verbose_name: format!("{lower} ptr"),
                relation: Some(ir::Relation {
                    target_path: path.clone(),
                    target_label: self.label(parent_id),
                    target_table: self.table_of(parent_id),
                    target_column,
                    to_key: true,
                    on_delete: ir::OnDelete::Cascade,
                    one_to_one: true,
                    parent_link: true,
                    db_constraint: true,
                    related_accessor: name.to_lowercase(),
                    related_query_name: name.to_lowercase(),
                    rel_const: String::new(),
                    accessor: field_name.clone(),
                    setter: format!("set_{field_name}"),
                    target_meta: String::new(),
                }),
                ..auto_field(&field_name, pk_type)
            });
            // The parent was built first (see `build_apps`); when it failed,
            // its own errors are reported and the child is skipped.
            let parent_model = built.get(&parent_id)?;
            let meta_path = if self.app(parent_id) == self.app(id) {
                format!("{}_META", parent_model.upper)
            } else {
                format!("super::{}::{}_META", self.app(parent_id), parent_model.upper)
            };
            parent = Some(ir::ParentLink {
                parent_path: path,
                parent_label: self.label(parent_id),
                meta_path,
                field: 0,
                fields: parent_model.all_fields.clone(),
                pk: parent_model.fields[parent_model.pk].clone(),
            });
            if let Some(pk) = declared_pks.first() {
                self.err_help(
                    &file,
                    pk.primary_key.as_ref().map_or(pk.name.pos, |p| p.pos),
                    format!("model `{name}` inherits its primary key from `{}`", parent_def.name.value),
                    Some("remove `primary_key` here; the child's key is the link to its parent".into()),
                );
            }
        } else if declared_pks.is_empty() {
            let auto = match self.inherited_in(id, |m| m.meta.default_auto_field.clone()) {
                Some((spanned, meta_file)) => match types::lookup(&spanned.value).filter(|t| t.kind == Kind::Auto) {
                    Some(t) => t,
                    None => {
                        let help = did_you_mean(&spanned.value, ["AutoField", "BigAutoField", "SmallAutoField"])
                            .unwrap_or_else(|| "use AutoField, BigAutoField or SmallAutoField".into());
                        self.err_help(
                            &meta_file,
                            spanned.pos,
                            format!("`default_auto_field` must be an auto field type, not `{}`", spanned.value),
                            Some(help),
                        );
                        types::lookup("BigAutoField")?
                    }
                },
                None => types::lookup("BigAutoField")?,
            };
            if let Some(id_field) = flat.iter().find(|f| f.name.value == "id") {
                self.err_help(
                    &self.def_file(id_field),
                    id_field.name.pos,
                    "`id` can only be used as a field name if the field also sets `primary_key: true`",
                    Some("rename the field, or make it the primary key".into()),
                );
            }
            fields.push(Field { table: table.clone(), ..auto_field("id", auto) });
        }

        if self.concrete_parent.contains_key(&id) {
            self.check_parent_clashes(id, &file, &flat);
        }
        let mut reserved_names = BTreeMap::new();
        for field in &flat {
            let Some(ty) = types::lookup(&field.type_name.value) else {
                self.unknown_type(&self.def_file(field), field);
                continue;
            };
            let field_file = self.def_file(field);
            self.check_field_name(&field_file, field, &mut reserved_names);
            self.check_options(&field_file, field, ty);
            match ty.kind {
                Kind::ManyToMany => {
                    if let Some(m2m) = self.build_many_to_many(id, field, &table) {
                        many_to_many.push(m2m);
                    }
                }
                _ => {
                    if let Some((built, choice_enum)) = self.build_field(id, field, ty) {
                        fields.push(built);
                        enums.extend(choice_enum);
                    }
                }
            }
        }

        self.check_columns(&fields, &flat);
        self.check_image_size_fields(&flat);
        // Every field's argument types, once its relation is resolved.
        for field in &mut fields {
            (field.column_type, field.arg_type) = crate::print::signature_types(field);
        }
        let mut field_names: Vec<String> = fields.iter().filter(|f| f.auto).map(|f| f.name.clone()).collect();
        field_names.extend(
            flat.iter()
                .filter(|d| !many_to_many.iter().any(|m| m.name == d.name.value))
                .filter(|d| types::lookup(&d.type_name.value).is_none_or(|t| t.kind != Kind::ManyToMany))
                .map(|d| d.name.value.clone()),
        );
        let ctx = ModelCtx {
            failed_fields: failed_fields(&flat, &fields, &many_to_many),
            field_names,
            many_to_many: &many_to_many,
        };
        let pk = fields.iter().position(|f| f.primary_key).unwrap_or(0);
        let all_fields: Vec<Field> = parent
            .as_ref()
            .map(|p: &ir::ParentLink| p.fields.clone())
            .unwrap_or_default()
            .into_iter()
            .chain(fields.iter().cloned())
            .collect();
        let required: Vec<usize> =
            all_fields.iter().enumerate().filter(|(_, f)| f.default.is_required()).map(|(i, _)| i).collect();
        let (new_args, new_fields) = constructor(&all_fields, &required);
        let next_previous =
            all_fields.iter().enumerate().filter(|(_, f)| f.is_date && !f.null && !f.db_filled).map(|(i, _)| i).collect();
        let get_by = all_fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.unique && !f.primary_key && !f.null && !f.db_filled)
            .map(|(i, _)| i)
            .collect();
        let has_pre_save = fields.iter().any(|f| f.auto_now || f.auto_now_add);
        self.check_constant_names(&file, &all_fields, &many_to_many, &flat);

        // Methods (`str`, `absolute_url`) and `ordering` / `get_latest_by`
        // come from concrete parents too, as in Django.
        let str_template = self.inherited_through_parents(id, |m| m.str_template.clone());
        let display = str_template.and_then(|(t, f)| self.format_template(&ctx, &f, &t, &all_fields, "str"));
        let url_template = self.inherited_through_parents(id, |m| m.absolute_url.clone());
        let absolute_url =
            url_template.and_then(|(t, f)| self.format_template(&ctx, &f, &t, &all_fields, "absolute_url"));

        let MetaOptions { ordering, get_latest_by, unique_together, indexes } =
            self.meta_options(id, &ctx, &table, &fields, &all_fields);
        let constraints = self.constraints(id, &ctx, &fields);

        let verbose_name = def.meta.verbose_name.as_ref().map_or_else(|| camel_to_spaces(&name), |v| v.value.clone());
        let verbose_name_plural =
            def.meta.verbose_name_plural.as_ref().map_or_else(|| format!("{verbose_name}s"), |v| v.value.clone());
        let pk_kind = match fields.get(pk) {
            _ if parent.is_some() => ir::PkKind::ParentLink,
            Some(f) if f.auto => ir::PkKind::Auto,
            Some(f) if f.value == RustType::Scalar(Scalar::Uuid) && !f.default.is_required() => ir::PkKind::Generated,
            _ => ir::PkKind::Explicit,
        };
        let pk_has_default = pk_kind == ir::PkKind::Generated;
        if !fields.iter().any(|f| f.primary_key) {
            // The declared primary key has an error of its own.
            if self.diags.is_empty() {
                self.err(&file, def.name.pos, format!("model `{name}` has no usable primary key"));
            }
            return None;
        }
        let clone_policies =
            def.clone.iter().map(|(n, p)| ir::ClonePolicy { name: n.value.clone(), policy: p.value.clone() }).collect();
        let model = Model {
            label: format!("{app}.{name}"),
            upper: name.to_shouty_snake_case(),
            table,
            verbose_name,
            verbose_name_plural,
            fields,
            all_fields,
            pk,
            required,
            new_args,
            new_fields,
            has_pre_save,
            display,
            absolute_url,
            ordering,
            get_latest_by,
            unique_together,
            indexes,
            constraints,
            many_to_many,
            reverse: Vec::new(),
            next_previous,
            ancestors: std::iter::successors(self.concrete_parent.get(&id).copied(), |m| {
                self.concrete_parent.get(m).copied()
            })
            .take(64)
            .map(|ancestor| self.rust_path(id, ancestor))
            .collect(),
            parent,
            clone_policies,
            pk_has_default,
            pk_kind,
            get_by,
            copy: ir::CopyPlan::default(),
            name,
        };
        Some((model, enums))
    }

    /// The tables Django creates for many-to-many fields must not be taken
    /// by a model's table or by another such table.
    pub(super) fn check_many_to_many_tables(
        &mut self,
        models: &BTreeMap<ModelId, Model>,
        table_owners: &mut BTreeMap<String, String>,
    ) {
        for (&id, model) in models {
            for m2m in model.many_to_many.iter().filter(|m| m.auto_created) {
                let owner = format!("the many-to-many table of `{}.{}`", model.label, m2m.name);
                if let Some(other) = table_owners.insert(m2m.through_table.clone(), owner) {
                    let pos = self
                        .flat_fields
                        .get(&id)
                        .and_then(|fs| fs.iter().find(|f| f.name.value == m2m.name))
                        .map_or(self.model(id).name.pos, |f| f.name.pos);
                    let file = self.file(id).to_string();
                    self.err_help(
                        &file,
                        pos,
                        format!(
                            "the many-to-many table `{}` of `{}` is already used by {other}",
                            m2m.through_table, m2m.name
                        ),
                        Some("give the model another `meta.db_table`, or rename this field".into()),
                    );
                }
            }
        }
    }

    /// Each choice set becomes an enum `<Model><Field>` in the app's module;
    /// it must not take the name of a model or of another choice set.
    pub(super) fn check_choice_enum_names(&mut self, models: &BTreeMap<ModelId, Model>) {
        let mut taken: BTreeMap<(usize, String), String> = BTreeMap::new();
        for &(file_index, model_index) in models.keys() {
            let name = &self.files[file_index].models[model_index].name.value;
            taken.insert((file_index, name.clone()), format!("the model `{name}`"));
        }
        for (&id, model) in models {
            for field in model.fields.iter().filter(|f| f.choices.is_some()) {
                let Some(enum_name) = &field.choices else { continue };
                let owner = format!("the choices of `{}.{}`", model.name, field.name);
                if let Some(other) = taken.insert((id.0, enum_name.clone()), owner) {
                    let def = self
                        .flat_fields
                        .get(&id)
                        .and_then(|fs| fs.iter().find(|f| f.name.value == field.name).copied());
                    let Some(def) = def else { continue };
                    let pos = def.choices.as_ref().map_or(def.name.pos, |c| c.pos);
                    let file = self.def_file(def);
                    self.err_help(
                        &file,
                        pos,
                        format!(
                            "the choices of `{}.{}` would generate the enum `{enum_name}`, a name {other} already takes",
                            model.name, field.name
                        ),
                        Some("rename the field or the model".into()),
                    );
                }
            }
        }
    }

    pub(super) fn check_columns(&mut self, fields: &[Field], defs: &[&FieldDef]) {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        let def_of = |name: &str| defs.iter().find(|d| d.name.value == name);
        for field in fields {
            if let Some(other) = seen.insert(field.column.as_str(), field.name.as_str()) {
                if other == field.name {
                    continue;
                }
                // Without a `db_column` on either side the columns are the
                // attribute names, whose clash is reported by the name checks.
                let explicit = |name: &str| def_of(name).is_some_and(|d| d.db_column.is_some());
                if !explicit(&field.name) && !explicit(other) {
                    continue;
                }
                let Some(def) = def_of(&field.name) else { continue };
                let pos = def.db_column.as_ref().map_or(def.name.pos, |c| c.pos);
                let file = self.def_file(def);
                self.err_help(
                    &file,
                    pos,
                    format!(
                        "field `{}` uses column `{}`, which field `{other}` already uses",
                        field.name, field.column
                    ),
                    Some("give one of them another `db_column`".into()),
                );
            }
        }
    }

    /// An ImageField's `width_field` / `height_field` name integer fields of
    /// the same model, which Django fills with the image's size.
    pub(super) fn check_image_size_fields(&mut self, flat: &[&FieldDef]) {
        for def in flat {
            for (option, named) in [("width_field", &def.width_field), ("height_field", &def.height_field)] {
                let Some(named) = named else { continue };
                let target = flat.iter().find(|f| f.name.value == named.value);
                let is_integer = target
                    .and_then(|f| types::lookup(&f.type_name.value))
                    .is_some_and(|t| t.kind == Kind::Integer);
                if is_integer {
                    continue;
                }
                let file = self.def_file(def);
                let integers = flat
                    .iter()
                    .filter(|f| types::lookup(&f.type_name.value).is_some_and(|t| t.kind == Kind::Integer))
                    .map(|f| f.name.value.as_str());
                let (message, help) = match target {
                    Some(_) => (
                        format!("`{option}` of `{}` names `{}`, which is not an integer field", def.name.value, named.value),
                        "point it at an IntegerField (or PositiveIntegerField) of this model".to_string(),
                    ),
                    None => (
                        format!("`{option}` of `{}` names unknown field `{}`", def.name.value, named.value),
                        did_you_mean(&named.value, integers).unwrap_or_else(|| {
                            format!("add e.g. `{}: {{type: PositiveIntegerField, null: true}}` to the model", named.value)
                        }),
                    ),
                };
                self.err_help(&file, named.pos, message, Some(help));
            }
        }
    }

    /// The primary key of `target`: its column and its field type (whose
    /// `rust` is the key's Rust type).
    pub(super) fn target_pk(&self, target: ModelId) -> Option<(String, &'static FieldType)> {
        self.target_pk_within(target, 0)
    }

    /// `target_pk`, `depth` relation keys deep: a key that is a ForeignKey
    /// or OneToOneField (`primary_key: true`) has its own target's key type.
    fn target_pk_within(&self, target: ModelId, depth: usize) -> Option<(String, &'static FieldType)> {
        if self.broken.contains(&target) || depth > 64 {
            return None; // inheritance cycle, or a cycle of relation keys (reported)
        }
        if let Some(parent) = self.concrete_parent.get(&target) {
            let parent_name = self.model(*parent).name.value.to_lowercase();
            let (_, pk_type) = self.target_pk_within(*parent, depth + 1)?;
            return Some((format!("{parent_name}_ptr_id"), pk_type));
        }
        let fields = self.flat_fields.get(&target)?;
        for f in fields {
            if FieldDef::flag(&f.primary_key) {
                let ty = types::lookup(&f.type_name.value)?;
                if ty.is_relation() {
                    let key_target = self.relation_key_target(target, f)?;
                    let (_, key_type) = self.target_pk_within(key_target, depth + 1)?;
                    let column = f.db_column.as_ref().map_or_else(|| format!("{}_id", f.name.value), |c| c.value.clone());
                    return Some((column, key_type));
                }
                let column = f.db_column.as_ref().map_or_else(|| f.name.value.clone(), |c| c.value.clone());
                return Some((column, ty));
            }
        }
        let auto = self
            .inherited(target, |m| m.meta.default_auto_field.as_ref().map(|s| s.value.clone()))
            .and_then(|name| types::lookup(&name).filter(|t| t.kind == Kind::Auto))
            .unwrap_or_else(|| types::lookup("BigAutoField").expect("BigAutoField is in the table"));
        Some(("id".into(), auto))
    }

    /// A relation used as the primary key must not lead back to its own
    /// model through other relation keys (each key would be the other's).
    fn check_relation_key_cycle(&mut self, id: ModelId, key: &FieldDef) {
        let mut chain = vec![id];
        let mut current = (id, key);
        while types::lookup(&current.1.type_name.value).is_some_and(|t| t.is_relation()) {
            let Some(next) = self.relation_key_target(current.0, current.1) else { return };
            if next == id {
                let names: Vec<String> =
                    chain.iter().chain([&id]).map(|m| format!("`{}`", self.model(*m).name.value)).collect();
                let file = self.def_file(key);
                self.err_help(
                    &file,
                    key.primary_key.as_ref().map_or(key.name.pos, |p| p.pos),
                    format!("the primary keys of {} point at each other in a cycle", names.join(" -> ")),
                    Some("one of these models needs a key of its own (remove `primary_key: true` from one relation)".into()),
                );
                return;
            }
            if chain.contains(&next) || chain.len() > 64 {
                return; // a cycle further on, reported from its own models
            }
            chain.push(next);
            let Some(next_key) = self.flat_fields.get(&next).and_then(|f| f.iter().copied().find(|f| FieldDef::flag(&f.primary_key)))
            else {
                return;
            };
            current = (next, next_key);
        }
    }

    /// The model a relation used as `model`'s primary key points at.
    fn relation_key_target(&self, model: ModelId, key: &FieldDef) -> Option<ModelId> {
        let to = key.to.as_ref()?;
        if to.value == "self" {
            return None; // a key pointing at its own row: refused where built
        }
        self.peek(model, &to.value)
    }

    /// The column type of a relation to `target` (a ForeignKey, one-to-one,
    /// parent link or join-table column): Django's `rel_db_type` of the key
    /// it points at, followed through parent links to the root's own key, with
    /// that key's max_length filled in (`varchar(12)` for a CharField key).
    pub(super) fn rel_sql_type(&self, target: ModelId) -> Option<types::ColumnType> {
        let mut root = target;
        for _ in 0..64 {
            match self.concrete_parent.get(&root) {
                Some(parent) => root = *parent,
                None => break,
            }
        }
        let pk_def =
            self.flat_fields.get(&root).and_then(|fields| fields.iter().find(|f| FieldDef::flag(&f.primary_key)));
        // A relation as the key: the column type of a relation to its target.
        if let Some(key) = pk_def.filter(|f| types::lookup(&f.type_name.value).is_some_and(|t| t.is_relation())) {
            if key.to_field.is_some() {
                return None; // refused where the key is built
            }
            let key_target = self.relation_key_target(root, key)?;
            if key_target == target || self.target_pk(target).is_none() {
                return None;
            }
            return self.rel_sql_type(key_target);
        }
        let (_, ty) = self.target_pk(root)?;
        let max_length = pk_def
            .and_then(|f| f.max_length.as_ref().map(|m| m.value))
            .or(ty.default_max_length)
            .filter(|_| ty.takes_max_length());
        let max_digits = pk_def.and_then(|f| f.max_digits.as_ref().map(|m| m.value));
        let decimal_places = pk_def.and_then(|f| f.decimal_places.as_ref().map(|m| m.value));
        Some(ty.rel_column_type(max_length.or(Some(0)), max_digits, decimal_places))
    }
}

/// Declared fields that did not make it into the built model (each has
/// been reported), with the `_id` attribute of relations.
pub(super) fn failed_fields(flat: &[&FieldDef], fields: &[Field], many_to_many: &[ir::ManyToMany]) -> BTreeSet<String> {
    flat.iter()
        .filter(|d| {
            !fields.iter().any(|f| f.name == d.name.value) && !many_to_many.iter().any(|m| m.name == d.name.value)
        })
        .flat_map(|d| [d.name.value.clone(), format!("{}_id", d.name.value)])
        .collect()
}

/// The constructor's arguments (the `required` fields, relations as
/// typed keys) and its struct field initializers, in struct order.
fn constructor(all_fields: &[Field], required: &[usize]) -> (Vec<ir::MethodArg>, Vec<String>) {
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for (index, field) in all_fields.iter().enumerate() {
        let expr = if required.contains(&index) {
            let ident = crate::print::arg_ident(field);
            args.push(ir::MethodArg { ident: ident.clone(), rust_type: field.arg_type.clone() });
            crate::print::arg_value(field, &ident)
        } else {
            crate::print::default_expr(&field.default)
        };
        inits.push(crate::print::initializer(&field.ident, &expr));
    }
    (args, inits)
}

pub(super) fn auto_field(name: &str, ty: &FieldType) -> Field {
    let value = RustType::Scalar(ty.rust.unwrap_or(Scalar::I64));
    Field {
        name: name.into(),
        ident: name.into(),
        plain_ident: name.into(),
        const_name: name.to_shouty_snake_case(),
        column: name.into(),
        table: String::new(),
        django_type: ty.name.into(),
        sql_type: ty.sql.into(),
        check: None,
        postgresql: ir::PostgresqlColumn { sql_type: ty.postgresql(None, None, None, false), ..Default::default() },
        db_index: false,
        rust_type: format!("Option<{}>", value.path()),
        value_type: value.path(),
        column_type: String::new(),
        arg_type: String::new(),
        value,
        column_auto: true,
        clean_checks: Vec::new(),
        db_default: None,
        db_filled: false,
        copy: true,
        null: false,
        blank: true,
        primary_key: true,
        auto: true,
        unique: true,
        editable: false,
        default: ir::FieldDefault::Unsaved,
        auto_now: false,
        auto_now_add: false,
        now: None,
        decimal_places: None,
        max_length: None,
        doc: None,
        verbose_name: "ID".into(),
        choices: None,
        display_type: None,
        relation: None,
        copy_policy: String::new(),
        is_text: false,
        is_date: false,
        blank_checked: false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn automatic_primary_key_comes_first() {
        let project = project("  M:\n    fields:\n      name: {type: CharField, max_length: 10}\n");
        let m = model(&project, "M");
        assert_eq!(m.pk, 0);
        let id = &m.fields[0];
        assert_eq!(
            (id.name.as_str(), id.django_type.as_str(), id.rust_type.as_str()),
            ("id", "BigAutoField", "Option<i64>")
        );
        assert!(id.auto && id.primary_key);
        assert_eq!(m.table, "t_m");
        assert_eq!(m.verbose_name_plural, "ms");
    }

    #[test]
    fn default_auto_field_picks_the_key_type() {
        let project =
            project("  M:\n    meta: {default_auto_field: AutoField}\n    fields:\n      x: {type: IntegerField}\n");
        assert_eq!(model(&project, "M").fields[0].sql_type, "integer");
        let errors =
            errors("  M:\n    meta: {default_auto_field: CharField}\n    fields:\n      x: {type: IntegerField}\n");
        assert!(has_error(&errors, "`default_auto_field` must be an auto field type"), "{errors:?}");
    }

    #[test]
    fn required_fields_are_those_without_any_default() {
        let project = project(
            "  M:\n    fields:\n      title: {type: CharField, max_length: 10}\n      count: {type: IntegerField}\n      note: {type: IntegerField, null: true}\n      day: {type: DateField}\n",
        );
        let m = model(&project, "M");
        let required: Vec<&str> = m.required.iter().map(|&i| m.all_fields[i].name.as_str()).collect();
        assert_eq!(required, ["count", "day"]);
        let next: Vec<&str> = m.next_previous.iter().map(|&i| m.all_fields[i].name.as_str()).collect();
        assert_eq!(next, ["day"]);
    }

    #[test]
    fn tables_and_columns_must_be_distinct() {
        let errors = errors(
            "  A:\n    meta: {db_table: shared}\n    fields: {}\n  B:\n    meta: {db_table: shared}\n    fields:\n      x: {type: IntegerField, db_column: y}\n      y: {type: IntegerField}\n",
        );
        assert!(has_error(&errors, "table `shared` is already used by model `t.A`"), "{errors:?}");
        assert!(has_error(&errors, "uses column `y`, which field `x` already uses"), "{errors:?}");
    }

    #[test]
    fn relation_arguments_are_their_targets_typed_keys_and_the_fields_stay_raw() {
        let project = project(
            "  Blog:\n    fields: {}\n  Entry:\n    fields:\n      type: {type: ForeignKey, to: Blog, on_delete: CASCADE}\n      spare: {type: ForeignKey, to: Blog, on_delete: CASCADE, null: true, related_name: spares}\n      day: {type: DateField}\n  Child:\n    extends: Blog\n    fields: {}\n",
        );
        let entry = model(&project, "Entry");
        let args: Vec<(&str, &str)> = entry.new_args.iter().map(|a| (a.ident.as_str(), a.rust_type.as_str())).collect();
        assert_eq!(
            args,
            [("r#type", "::modelgen_runtime::Key<Blog>"), ("day", "::modelgen_runtime::chrono::NaiveDate")],
            "named as the field, keyword raw"
        );
        assert_eq!(entry.new_fields, ["id: None", "type_id: r#type.get()", "spare_id: None", "day"]);
        let types = |name: &str| {
            let f = field(entry, name);
            (f.rust_type.as_str(), f.column_type.as_str(), f.arg_type.as_str())
        };
        assert_eq!(
            types("type"),
            ("i64", "::modelgen_runtime::Key<Blog>", "::modelgen_runtime::Key<Blog>"),
            "the struct keeps the raw key"
        );
        assert_eq!(
            types("spare"),
            ("Option<i64>", "Option<::modelgen_runtime::Key<Blog>>", "Option<::modelgen_runtime::Key<Blog>>")
        );
        assert_eq!(
            types("day"),
            (
                "::modelgen_runtime::chrono::NaiveDate",
                "::modelgen_runtime::chrono::NaiveDate",
                "::modelgen_runtime::chrono::NaiveDate"
            )
        );
        assert_eq!(types("id"), ("Option<i64>", "i64", "Option<i64>"));
        let child = model(&project, "Child");
        let link = field(child, "blog_ptr");
        assert_eq!(
            (link.column_type.as_str(), link.arg_type.as_str()),
            ("::modelgen_runtime::Key<Blog>", "Option<::modelgen_runtime::Key<Blog>>")
        );
        assert_eq!(child.ancestors, ["Blog"]);
        assert!(entry.ancestors.is_empty());
    }

    #[test]
    fn two_primary_keys() {
        let errors = errors("  M:\n    fields:\n      a: {type: IntegerField, primary_key: true}\n      b: {type: IntegerField, primary_key: true}\n");
        assert!(has_error(&errors, "has more than one primary key (`a` and `b`)"), "{errors:?}");
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::test_support::*;
    use crate::ir::{CleanCheck, PkKind};

    #[test]
    fn rules_templates_read_instead_of_computing() {
        let project = project(
            "  Place:\n    fields:\n      code: {type: CharField, max_length: 4, unique: true}\n      alias: {type: CharField, max_length: 4, unique: true, null: true}\n      kind: {type: CharField, max_length: 1, blank: true, choices: [[a, A]]}\n      note: {type: TextField, null: true}\n      frozen: {type: CharField, max_length: 3, editable: false}\n  Shop:\n    extends: Place\n    fields: {}\n  Token:\n    fields:\n      key: {type: UUIDField, primary_key: true, default: uuid4}\n  Code:\n    fields:\n      key: {type: CharField, max_length: 3, primary_key: true}\n",
        );
        let place = model(&project, "Place");
        let get_by: Vec<&str> = place.get_by.iter().map(|&i| place.all_fields[i].name.as_str()).collect();
        assert_eq!(get_by, ["code"], "unique, not the pk, not null");
        let kind = field(place, "kind");
        assert_eq!(kind.clean_checks, [CleanCheck::Choice { blank: true }], "choices are checked on their own");
        assert_eq!(field(place, "note").clean_checks, [CleanCheck::Blank]);
        assert_eq!(
            field(place, "code").clean_checks,
            [CleanCheck::Blank, CleanCheck::MaxLength { max_length: 4, null: false }]
        );
        assert_eq!(
            field(place, "alias").clean_checks,
            [CleanCheck::Blank, CleanCheck::MaxLength { max_length: 4, null: true }]
        );
        assert!(field(place, "frozen").clean_checks.is_empty(), "not editable");
        assert!(field(place, "id").column_auto);
        let shop = model(&project, "Shop");
        let link = field(shop, "place_ptr");
        assert!(link.auto && !link.column_auto, "a parent link is not an automatic column");
        let kinds: Vec<PkKind> =
            ["Place", "Shop", "Token", "Code"].iter().map(|n| model(&project, n).pk_kind).collect();
        assert_eq!(kinds, [PkKind::Auto, PkKind::ParentLink, PkKind::Generated, PkKind::Explicit]);
        assert!(model(&project, "Token").pk_has_default && !model(&project, "Code").pk_has_default);
    }
}
