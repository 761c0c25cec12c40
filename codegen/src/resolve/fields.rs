//! Fields: the options each field type accepts, and one column built from
//! its definition.

use super::*;

impl<'a> Resolver<'a> {
    pub(super) fn check_options(&mut self, file: &str, field: &FieldDef, ty: &FieldType) {
        // A required option written under a misspelled key is reported as
        // the misspelling only.
        let written = |option: &str| field.written.iter().any(|w| w == option);
        let options: [(&str, Option<Pos>); 14] = [
            ("max_length", field.max_length.as_ref().map(|s| s.pos)),
            ("max_digits", field.max_digits.as_ref().map(|s| s.pos)),
            ("decimal_places", field.decimal_places.as_ref().map(|s| s.pos)),
            ("auto_now", field.auto_now.as_ref().map(|s| s.pos)),
            ("auto_now_add", field.auto_now_add.as_ref().map(|s| s.pos)),
            ("to", field.to.as_ref().map(|s| s.pos)),
            ("on_delete", field.on_delete.as_ref().map(|s| s.pos)),
            ("related_name", field.related_name.as_ref().map(|s| s.pos)),
            ("through", field.through.as_ref().map(|s| s.pos)),
            ("symmetrical", field.symmetrical.as_ref().map(|s| s.pos)),
            ("upload_to", field.upload_to.as_ref().map(|s| s.pos)),
            ("width_field", field.width_field.as_ref().map(|s| s.pos)),
            ("height_field", field.height_field.as_ref().map(|s| s.pos)),
            ("to_field", field.to_field.as_ref().map(|s| s.pos)),
        ];
        for (option, pos) in options {
            if let Some(pos) = pos {
                if !ty.accepts(option) {
                    let help = match option {
                        "auto_now" | "auto_now_add" => {
                            "only DateField, DateTimeField and TimeField take it".to_string()
                        }
                        "max_length" if ty.kind == Kind::Text => {
                            format!("{} has no length limit; use CharField for one", ty.name)
                        }
                        "max_length" => {
                            "only CharField, SlugField, EmailField, URLField, FileField and ImageField take it".to_string()
                        }
                        "upload_to" => "only FileField and ImageField take it".to_string(),
                        "width_field" | "height_field" => "only ImageField takes it".to_string(),
                        "to_field" => "only ForeignKey and OneToOneField take it".to_string(),
                        "max_digits" | "decimal_places" => "only DecimalField takes it".to_string(),
                        "on_delete" if ty.kind == Kind::ManyToMany => {
                            "rows of a many-to-many table are always deleted with either side; remove it".to_string()
                        }
                        "to" | "related_name" | "on_delete" => {
                            "only relations (ForeignKey, OneToOneField, ManyToManyField) take it".to_string()
                        }
                        "through" | "symmetrical" => "only ManyToManyField takes it".to_string(),
                        _ => "remove it".to_string(),
                    };
                    self.err_help(file, pos, format!("option `{option}` does not apply to {}", ty.name), Some(help));
                }
            }
        }
        if let Some(db_constraint) = &field.db_constraint {
            if !ty.is_relation() {
                self.err_help(
                    file,
                    db_constraint.pos,
                    format!("option `db_constraint` does not apply to {}", ty.name),
                    Some("only relations take it".into()),
                );
            }
        }
        if ty.name == "CharField" && field.max_length.is_none() && !written("max_length") {
            self.err_help(
                file,
                field.type_name.pos,
                format!("CharField `{}` needs `max_length`", field.name.value),
                Some("add e.g. `max_length: 100`, or use TextField for unbounded text".into()),
            );
        }
        if let Some(max_length) = &field.max_length {
            if max_length.value == 0 && ty.takes_max_length() {
                self.err_help(
                    file,
                    max_length.pos,
                    "`max_length` must be a positive integer",
                    Some("write e.g. `max_length: 100`".into()),
                );
            }
        }
        if ty.kind == Kind::Decimal {
            if let Some(digits) = field.max_digits.as_ref().filter(|d| d.value == 0) {
                self.err_help(
                    file,
                    digits.pos,
                    "`max_digits` must be a positive integer",
                    Some("write e.g. `max_digits: 10`".into()),
                );
            }
            match (&field.max_digits, &field.decimal_places) {
                (Some(digits), Some(places)) if places.value > digits.value => self.err_help(
                    file,
                    places.pos,
                    format!("`decimal_places` ({}) is greater than `max_digits` ({})", places.value, digits.value),
                    Some(format!(
                        "`max_digits` counts every digit, those after the point included; raise it to at least {}, or lower `decimal_places`",
                        places.value
                    )),
                ),
                (Some(_), Some(_)) => {}
                (digits, places) => {
                    let missing: Vec<&str> = [("max_digits", digits.is_none()), ("decimal_places", places.is_none())]
                        .into_iter()
                        .filter(|(option, absent)| *absent && !written(option))
                        .map(|(option, _)| option)
                        .collect();
                    if !missing.is_empty() {
                        let listed: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                        self.err_help(
                            file,
                            field.type_name.pos,
                            format!("DecimalField `{}` needs {}", field.name.value, listed.join(" and ")),
                            Some("add e.g. `max_digits: 10, decimal_places: 2`".into()),
                        );
                    }
                }
            }
        }
        let auto_now = FieldDef::flag(&field.auto_now);
        let auto_now_add = FieldDef::flag(&field.auto_now_add);
        if auto_now && auto_now_add {
            let pos = field.auto_now_add.as_ref().map_or(field.name.pos, |s| s.pos);
            self.err_help(
                file,
                pos,
                "`auto_now` and `auto_now_add` are mutually exclusive",
                Some(
                    "keep `auto_now` to set the value on every save, or `auto_now_add` to set it on creation only"
                        .into(),
                ),
            );
        }
        if (auto_now || auto_now_add) && field.default.is_some() {
            let pos = field.default.as_ref().map_or(field.name.pos, Node::pos);
            let option = if auto_now { "auto_now" } else { "auto_now_add" };
            self.err_help(
                file,
                pos,
                format!("`default` cannot be combined with `{option}`"),
                Some("the value is set on save; remove `default`".into()),
            );
        }
        if let Some(primary_key) = field.primary_key.as_ref().filter(|p| p.value && ty.file) {
            // Django's check fields.E201.
            self.err_help(
                file,
                primary_key.pos,
                format!("`primary_key` is not a valid argument for a {}", ty.name),
                Some("a file's path cannot be the key; remove `primary_key: true`".into()),
            );
        }
        if FieldDef::flag(&field.primary_key) && FieldDef::flag(&field.null) {
            let pos = field.null.as_ref().map_or(field.name.pos, |s| s.pos);
            self.err_help(file, pos, "a primary key cannot be `null: true`", Some("remove `null: true`".into()));
        }
        let relation_key = FieldDef::flag(&field.primary_key) && matches!(ty.kind, Kind::ForeignKey | Kind::OneToOne);
        if let Some(to) = field.to.as_ref().filter(|to| relation_key && to.value == "self") {
            self.err_help(
                file,
                to.pos,
                format!("{} `{}` to `self` cannot be the primary key: each row's key would be its own key", ty.name, field.name.value),
                Some("point the key at another model, or remove `primary_key: true`".into()),
            );
        }
        if let Some(to_field) = field.to_field.as_ref().filter(|_| relation_key) {
            self.err_help(
                file,
                to_field.pos,
                format!("`to_field` on the primary key `{}` is not supported", field.name.value),
                Some("a relation used as the key holds its target's key; remove `to_field`".into()),
            );
        }
        if let Some(primary_key) = field.primary_key.as_ref().filter(|p| p.value && ty.kind == Kind::ManyToMany) {
            self.err_help(
                file,
                primary_key.pos,
                format!("a ManyToManyField (`{}`) cannot be the primary key", field.name.value),
                Some("it has no column; make a OneToOneField or ForeignKey the key, or remove `primary_key`".into()),
            );
        }
        if ty.kind == Kind::Auto && !FieldDef::flag(&field.primary_key) {
            self.err_help(
                file,
                field.type_name.pos,
                format!("{} `{}` must be the primary key", ty.name, field.name.value),
                Some("add `primary_key: true`".into()),
            );
        }
        if ty.is_relation() {
            if field.to.is_none() && !written("to") {
                self.err_help(
                    file,
                    field.type_name.pos,
                    format!("{} `{}` needs `to`", ty.name, field.name.value),
                    Some("name the target model, e.g. `to: Blog` or `to: otherapp.Model`".into()),
                );
            }
            if let Some(choices) = &field.choices {
                self.err_help(
                    file,
                    choices.pos,
                    format!("`choices` does not apply to {}", ty.name),
                    Some("remove it".into()),
                );
            }
        }
        if matches!(ty.kind, Kind::ForeignKey | Kind::OneToOne) {
            match &field.on_delete {
                None if written("on_delete") => {}
                None => self.err_help(
                    file,
                    field.type_name.pos,
                    format!("{} `{}` needs `on_delete`", ty.name, field.name.value),
                    Some(
                        "add `on_delete:` with one of CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, DO_NOTHING"
                            .into(),
                    ),
                ),
                Some(on_delete) => match on_delete.value.as_str() {
                    "SET_NULL" if !FieldDef::flag(&field.null) => self.err_help(
                        file,
                        on_delete.pos,
                        format!("`on_delete: SET_NULL` on `{}`, which is not nullable", field.name.value),
                        Some("add `null: true`, or choose another on_delete".into()),
                    ),
                    "SET_DEFAULT" if field.default.is_none() => self.err_help(
                        file,
                        on_delete.pos,
                        format!("`on_delete: SET_DEFAULT` on `{}`, which has no default", field.name.value),
                        Some("add a `default`, or choose another on_delete".into()),
                    ),
                    value if !ON_DELETE.iter().any(|(d, _)| *d == value) => {
                        let help = did_you_mean(value, ON_DELETE.iter().map(|(d, _)| *d))
                            .or_else(|| did_you_mean(&value.to_uppercase(), ON_DELETE.iter().map(|(d, _)| *d)))
                            .unwrap_or_else(|| {
                                "one of CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, DO_NOTHING".into()
                            });
                        self.err_help(file, on_delete.pos, format!("unknown on_delete `{value}`"), Some(help));
                    }
                    _ => {}
                },
            }
        }
        if ty.kind == Kind::ManyToMany {
            if let Some(unique) = field.unique.as_ref().filter(|u| u.value) {
                self.err_help(
                    file,
                    unique.pos,
                    "a ManyToManyField cannot be `unique`",
                    Some("its table already holds each pair once; remove `unique`".into()),
                );
            }
            if let Some(null) = field.null.as_ref().filter(|u| u.value) {
                self.err_help(file, null.pos, "`null` has no effect on a ManyToManyField", Some("remove it".into()));
            }
            if let Some(default) = &field.default {
                self.err_help(
                    file,
                    default.pos(),
                    "a ManyToManyField cannot have a `default`",
                    Some("remove it".into()),
                );
            }
            if let Some(db_default) = &field.db_default {
                self.err_help(
                    file,
                    db_default.pos(),
                    "a ManyToManyField cannot have a `db_default`",
                    Some("it has no column; remove it".into()),
                );
            }
        }
    }

    pub(super) fn build_field(
        &mut self,
        id: ModelId,
        def: &FieldDef,
        ty: &'static FieldType,
    ) -> Option<(Field, Option<ChoiceEnum>)> {
        let file = self.def_file(def);
        let model_name = self.model(id).name.value.clone();
        let name = def.name.value.clone();
        let null = FieldDef::flag(&def.null);
        let primary_key = FieldDef::flag(&def.primary_key);
        let auto_now = FieldDef::flag(&def.auto_now);
        let auto_now_add = FieldDef::flag(&def.auto_now_add);
        let is_fk = matches!(ty.kind, Kind::ForeignKey | Kind::OneToOne);
        let attname = if is_fk { format!("{name}_id") } else { name.clone() };
        let column = def.db_column.as_ref().map_or_else(|| attname.clone(), |c| c.value.clone());
        if let Some(db_column) = &def.db_column {
            self.check_sql_name(&file, db_column, "db_column", &attname);
        }
        // Django: unique for O2O and pks; blank for auto_now fields.
        let unique = FieldDef::flag(&def.unique) || ty.kind == Kind::OneToOne || primary_key;
        let blank = FieldDef::flag(&def.blank) || auto_now || auto_now_add;
        let editable =
            def.editable.as_ref().is_none_or(|e| e.value) && !(auto_now || auto_now_add) && ty.kind != Kind::Auto;
        let max_length =
            def.max_length.as_ref().map(|m| m.value).or(ty.default_max_length).filter(|_| ty.takes_max_length());

        let mut relation = None;
        let mut value = RustType::Scalar(ty.rust.unwrap_or(Scalar::I64));
        let mut related_sql = None;
        if is_fk {
            let target = def.to.as_ref().and_then(|to| self.lookup(&file, id, to, &format!("field `{name}`")));
            let target = target.map(|t| Target { id: t })?;
            if self.model(target.id).meta.is_abstract {
                self.abstract_target(&file, def, target.id);
                return None;
            }
            let (target_column, target_type) = match &def.to_field {
                Some(to_field) => {
                    let (column, ty, sql) = self.referenced_field(&file, def, to_field, target.id)?;
                    related_sql = Some(sql);
                    (column, ty)
                }
                None => {
                    related_sql = Some(self.rel_sql_type(target.id)?);
                    self.target_pk(target.id)?
                }
            };
            value = RustType::Scalar(target_type.rust?);
            let related_query_name =
                def.related_name.as_ref().map_or_else(|| model_name.to_lowercase(), |rn| rn.value.clone());
            let related_accessor = match &def.related_name {
                Some(rn) => rn.value.clone(),
                None if ty.kind == Kind::OneToOne => model_name.to_lowercase(),
                None => format!("{}_set", model_name.to_lowercase()),
            };
            let on_delete = def
                .on_delete
                .as_ref()
                .and_then(|o| ON_DELETE.iter().find(|(d, _)| *d == o.value))
                .map_or(ir::OnDelete::Cascade, |(_, r)| *r);
            relation = Some(ir::Relation {
                target_path: self.rust_path(id, target.id),
                target_label: self.label(target.id),
                target_table: self.table_of(target.id),
                target_column,
                to_key: def.to_field.is_none(),
                on_delete,
                one_to_one: ty.kind == Kind::OneToOne,
                parent_link: false,
                db_constraint: def.db_constraint.as_ref().is_none_or(|d| d.value),
                related_accessor,
                related_query_name,
                rel_const: format!("{}_REL", name.to_shouty_snake_case()),
                accessor: types::rust_ident(&name),
                setter: format!("set_{name}"),
                target_meta: String::new(),
            });
        }

        let mut choice_enum = None;
        // Choices on a relation are reported by `check_options`.
        if let Some(choices) = def.choices.as_ref().filter(|_| !ty.is_relation()) {
            choice_enum = self.build_choices(&file, &model_name, def, ty, &choices.value);
            if let Some(e) = &choice_enum {
                value = RustType::Choice(e.name.clone());
            }
        }

        let auto = ty.kind == Kind::Auto;
        let default = self.default_for(&file, def, ty, &value, choice_enum.as_ref(), null)?;
        let value_type = value.path();
        let rust_type = if null || auto { format!("Option<{value_type}>") } else { value_type.clone() };
        let copy = value.is_copy();
        let is_text = ty.kind == Kind::Text && choice_enum.is_none();
        let is_date = matches!(ty.kind, Kind::Date | Kind::DateTime);
        let max_digits = def.max_digits.as_ref().map(|d| d.value).filter(|_| ty.kind == Kind::Decimal);
        let decimal_places = def.decimal_places.as_ref().map(|d| d.value).filter(|_| ty.kind == Kind::Decimal);
        let column_type = related_sql.unwrap_or_else(|| ty.column_type(max_length, max_digits, decimal_places));
        let sql_type = column_type.sqlite;
        let check = ty.check.map(|c| c.replace("{column}", &column));
        // Django's PostgreSQL backend checks only the positive integers
        // (`data_type_check_constraints`); jsonb validates JSON itself.
        let postgresql_check = check.clone().filter(|_| ty.kind != Kind::Json);
        // Django indexes ForeignKeys and SlugFields unless told otherwise; a
        // unique column is indexed by its constraint already.
        let db_index =
            def.db_index.as_ref().map_or(matches!(ty.kind, Kind::ForeignKey) || ty.name == "SlugField", |d| d.value)
                && !unique;
        let blank_checked =
            editable && !blank && choice_enum.is_none() && (null || matches!(ty.kind, Kind::Text | Kind::Json));
        let field = Field {
            blank_checked,
            copy,
            sql_type,
            check,
            postgresql: ir::PostgresqlColumn {
                sql_type: column_type.postgresql,
                check: postgresql_check,
                db_default: None,
            },
            db_index,
            ident: types::rust_ident(&attname),
            plain_ident: attname.clone(),
            const_name: name.to_shouty_snake_case(),
            column,
            table: self.table_of(id),
            django_type: ty.name.to_string(),
            column_auto: auto && relation.is_none(),
            value,
            rust_type,
            value_type,
            column_type: String::new(),
            arg_type: String::new(),
            null,
            blank,
            primary_key,
            auto,
            unique,
            editable,
            default,
            auto_now,
            auto_now_add,
            now: (auto_now || auto_now_add).then(|| ir::SaveNow { kind: temporal(ty.kind), optional: null }),
            decimal_places: def.decimal_places.as_ref().map(|d| d.value).filter(|_| ty.kind == Kind::Decimal),
            max_length,
            doc: field_doc(def, ty),
            verbose_name: def.verbose_name.as_ref().map_or_else(|| name.replace('_', " "), |v| v.value.clone()),
            choices: choice_enum.as_ref().map(|e| e.name.clone()),
            display_type: choice_enum.as_ref().map(|_| display_type(null)),
            relation,
            copy_policy: String::new(),
            is_text,
            is_date,
            clean_checks: Vec::new(),
            db_default: None,
            db_filled: false,
            name,
        };
        let db_default = self.db_default_sql(&file, def, ty, &field);
        if def.db_default.is_some() && db_default.is_none() {
            return None; // reported
        }
        // With no `default`, the database fills the value: unset until saved.
        let db_filled = db_default.is_some() && def.default.is_none();
        let (db_default, postgresql_db_default) = match db_default {
            Some(sql) => (Some(sql.sqlite), Some(sql.postgresql)),
            None => (None, None),
        };
        let postgresql = ir::PostgresqlColumn { db_default: postgresql_db_default, ..field.postgresql.clone() };
        let field = if db_filled {
            Field {
                rust_type: format!("Option<{}>", field.value_type),
                default: ir::FieldDefault::Unsaved,
                db_default,
                db_filled,
                postgresql,
                ..field
            }
        } else {
            Field { db_default, postgresql, ..field }
        };
        let field = Field { clean_checks: clean_checks(&field, ty), ..field };
        Some((field, choice_enum))
    }
}

/// The return type of a choice field's `get_<field>_display()`: Django
/// returns `None` for a null value (`force_str(..., strings_only=True)`
/// keeps it), so a nullable field's label is an `Option`.
fn display_type(null: bool) -> String {
    let label = "std::borrow::Cow<'static, str>";
    if null {
        format!("Option<{label}>")
    } else {
        label.to_string()
    }
}

impl<'a> Resolver<'a> {
    /// The field `to_field` names on the relation's target: its column, its
    /// type and the column type of a relation to it (Django's `rel_db_type`,
    /// `varchar(12)` for a CharField). Django's check fields.E311: the field
    /// must be unique.
    fn referenced_field(
        &mut self,
        file: &str,
        def: &FieldDef,
        to_field: &Spanned<String>,
        target: ModelId,
    ) -> Option<(String, &'static FieldType, types::ColumnType)> {
        let target_name = self.model(target).name.value.clone();
        let fields = self.flat_fields.get(&target).cloned().unwrap_or_default();
        let Some(named) = fields.iter().find(|f| f.name.value == to_field.value) else {
            let help = did_you_mean(&to_field.value, fields.iter().map(|f| f.name.value.as_str()))
                .unwrap_or_else(|| format!("name a unique field of `{target_name}`"));
            self.err_help(
                file,
                to_field.pos,
                format!("`to_field` of `{}` names unknown field `{}` of `{target_name}`", def.name.value, to_field.value),
                Some(help),
            );
            return None;
        };
        let ty = types::lookup(&named.type_name.value)?;
        if ty.is_relation() || ty.kind == Kind::Auto && !FieldDef::flag(&named.primary_key) {
            self.err_help(
                file,
                to_field.pos,
                format!("`to_field` of `{}` names the {} `{target_name}.{}`", def.name.value, ty.name, to_field.value),
                Some("point `to_field` at a unique field that holds a value (not a relation)".into()),
            );
            return None;
        }
        let unique = FieldDef::flag(&named.unique) || FieldDef::flag(&named.primary_key);
        if !unique {
            self.err_help(
                file,
                to_field.pos,
                format!(
                    "`{target_name}.{}` must be unique because it is referenced by the {} `{}`",
                    to_field.value,
                    def.type_name.value,
                    def.name.value
                ),
                Some(format!("add `unique: true` to `{}`, or point `to_field` at a unique field", to_field.value)),
            );
            return None;
        }
        let column = named.db_column.as_ref().map_or_else(|| named.name.value.clone(), |c| c.value.clone());
        let max_length = named.max_length.as_ref().map(|m| m.value).or(ty.default_max_length).or(Some(0));
        let max_digits = named.max_digits.as_ref().map(|m| m.value);
        let decimal_places = named.decimal_places.as_ref().map(|m| m.value);
        Some((column, ty, ty.rel_column_type(max_length, max_digits, decimal_places)))
    }
}

/// The struct field's doc comment: `help_text`, and for a file field what
/// the column holds (Django's `upload_to` is kept as documentation only).
fn field_doc(def: &FieldDef, ty: &FieldType) -> Option<String> {
    let help = def.help_text.as_ref().map(|h| h.value.clone());
    if !ty.file {
        return help;
    }
    let stored = match &def.upload_to {
        Some(upload_to) => format!(
            "The file's path, as Django's storage names it (Django uploads to `{}`); modelgen stores the path and does not handle files.",
            upload_to.value
        ),
        None => "The file's path, as Django's storage names it; modelgen stores the path and does not handle files.".into(),
    };
    Some(help.map_or_else(|| stored.clone(), |h| format!("{h} {stored}")))
}

/// What `full_clean` checks on a field: its choices, else Django's empty
/// values when it may not be blank (`blank_checked`), then the length of
/// text with a `max_length`; nothing when the field is not editable.
pub(super) fn clean_checks(field: &Field, ty: &FieldType) -> Vec<CleanCheck> {
    let mut checks = Vec::new();
    if !field.editable {
        return checks;
    }
    if field.choices.is_some() {
        checks.push(CleanCheck::Choice { blank: field.blank });
    } else if field.blank_checked {
        checks.push(CleanCheck::Blank);
    }
    // A FileField's length is checked by its form field only, not by the model.
    if let Some(max_length) = field.max_length.filter(|_| field.is_text && !ty.file) {
        checks.push(CleanCheck::MaxLength { max_length, null: field.null });
    }
    if field.relation.is_none() && field.django_type.starts_with("Positive") {
        checks.push(CleanCheck::MinValue { min_value: 0 });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn columns_types_and_django_implied_flags() {
        let project = project(
            "  M:\n    fields:\n      slug: {type: SlugField}\n      other: {type: OneToOneField, to: M, on_delete: SET_NULL, null: true}\n      stamp: {type: DateTimeField, auto_now_add: true}\n      note: {type: TextField, null: true, help_text: Free text}\n",
        );
        let m = model(&project, "M");
        let slug = field(m, "slug");
        assert_eq!(
            (slug.sql_type.as_str(), slug.rust_type.as_str(), slug.max_length),
            ("varchar(50)", "String", Some(50))
        );
        assert!(slug.db_index && !slug.blank && slug.is_text);
        let other = field(m, "other");
        assert_eq!(
            (other.column.as_str(), other.ident.as_str(), other.rust_type.as_str()),
            ("other_id", "other_id", "Option<i64>")
        );
        assert!(other.unique && !other.db_index, "a one-to-one is unique, so not indexed again");
        assert_eq!(other.relation.as_ref().unwrap().on_delete, crate::ir::OnDelete::SetNull);
        let stamp = field(m, "stamp");
        assert!(stamp.blank && !stamp.editable);
        assert_eq!(stamp.now.map(|now| crate::print::now_expr(&now)).as_deref(), Some("now"));
        let note = field(m, "note");
        assert!(note.blank_checked, "a nullable, non-blank, editable field is checked by full_clean");
        assert_eq!(note.doc.as_deref(), Some("Free text"));
    }

    #[test]
    fn options_that_do_not_apply_or_are_missing() {
        let errors = errors(
            "  M:\n    fields:\n      a: {type: IntegerField, max_length: 3}\n      b: {type: CharField}\n      c: {type: DecimalField, max_digits: 2, decimal_places: 3}\n      d: {type: ForeignKey, to: M}\n      e: {type: ForeignKey, to: M, on_delete: SET_NULL}\n",
        );
        assert_has_errors(
            &errors,
            &[
                "option `max_length` does not apply to IntegerField",
                "CharField `b` needs `max_length`",
                "`decimal_places` (3) is greater than `max_digits` (2)",
                "ForeignKey `d` needs `on_delete`",
                "`on_delete: SET_NULL` on `e`, which is not nullable",
            ],
        );
    }

    #[test]
    fn unknown_type_and_on_delete_suggest() {
        let errors = errors("  M:\n    fields:\n      a: {type: CharFeild, max_length: 3}\n      b: {type: ForeignKey, to: M, on_delete: cascade}\n");
        assert!(has_error(&errors, "unknown field type `CharFeild` | help: did you mean `CharField`?"), "{errors:?}");
        assert!(has_error(&errors, "unknown on_delete `cascade` | help: did you mean `CASCADE`?"), "{errors:?}");
    }
}
