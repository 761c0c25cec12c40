//! Meta options of a model: `ordering`, `get_latest_by`, `unique_together`
//! and `indexes`, each naming fields of the model being built.

use super::*;

/// The Meta options of one model, resolved to columns.
pub(super) struct MetaOptions {
    pub ordering: Vec<ir::OrderingTerm>,
    pub get_latest_by: Option<String>,
    pub unique_together: Vec<Vec<String>>,
    pub indexes: Vec<String>,
}

impl<'a> Resolver<'a> {
    /// `ordering` and `get_latest_by` come from concrete parents too (named
    /// among `all_fields`), `unique_together` and `indexes` from abstract
    /// ones only (named among the own table's `fields`), as in Django.
    pub(super) fn meta_options(
        &mut self,
        id: ModelId,
        ctx: &ModelCtx<'_>,
        table: &str,
        fields: &[Field],
        all_fields: &[Field],
    ) -> MetaOptions {
        let column_of = |field_name: &str, fields: &[Field]| -> Option<String> {
            if field_name == "pk" {
                return fields.iter().find(|f| f.primary_key).map(|f| f.column.clone());
            }
            fields.iter().find(|f| f.name == field_name || f.ident == field_name).map(|f| f.column.clone())
        };
        let mut ordering = Vec::new();
        if let Some((terms, meta_file)) = self.inherited_through_parents(id, |m| m.meta.ordering.clone()) {
            for term in terms {
                let (descending, field_name) = match term.value.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, term.value.as_str()),
                };
                match column_of(field_name, all_fields) {
                    Some(column) => ordering.push(ir::OrderingTerm { column, descending }),
                    None => self.unknown_field_in(ctx, &meta_file, &term, field_name, "`ordering`"),
                }
            }
        }
        let mut get_latest_by = None;
        if let Some((latest, meta_file)) = self.inherited_through_parents(id, |m| m.meta.get_latest_by.clone()) {
            let field_name = latest.value.trim_start_matches('-');
            match column_of(field_name, all_fields) {
                Some(column) => {
                    get_latest_by = Some(if latest.value.starts_with('-') { format!("-{column}") } else { column })
                }
                None => self.unknown_field_in(ctx, &meta_file, &latest, field_name, "`get_latest_by`"),
            }
        }
        let mut unique_together = Vec::new();
        let (groups, meta_file) = self
            .inherited_in(id, |m| Some(m.meta.unique_together.clone()).filter(|g| !g.is_empty()))
            .unwrap_or_default();
        for group in groups {
            let columns: Vec<String> = group.iter().filter_map(|n| column_of(&n.value, fields)).collect();
            if columns.len() == group.len() {
                unique_together.push(columns);
            }
            for name_ref in &group {
                if column_of(&name_ref.value, fields).is_none() {
                    self.unknown_field_in(ctx, &meta_file, name_ref, &name_ref.value, "`unique_together`");
                }
            }
        }
        let mut indexes = Vec::new();
        let (index_defs, meta_file) =
            self.inherited_in(id, |m| Some(m.meta.indexes.clone()).filter(|g| !g.is_empty())).unwrap_or_default();
        for index in index_defs {
            if index.fields.is_empty() {
                self.err_help(
                    &meta_file,
                    index.pos,
                    "an index needs at least one field",
                    Some("write e.g. `{fields: [pub_date]}`".into()),
                );
            }
            if let Some(index_name) = &index.name {
                self.check_quotable(&meta_file, index_name, "name", "index");
                let owner = self.label(id);
                if let Some(other) = self.index_names.insert(index_name.value.clone(), owner) {
                    self.err_help(
                        &meta_file,
                        index_name.pos,
                        format!("index name `{}` is already used by an index of `{other}`", index_name.value),
                        Some("index names are shared by the whole database; choose another".into()),
                    );
                }
            }
            let mut terms = Vec::new();
            for name_ref in &index.fields {
                let bare = name_ref.value.trim_start_matches('-');
                match column_of(bare, fields) {
                    Some(column) => terms.push((column, name_ref.value.starts_with('-'))),
                    None => self.unknown_field_in(ctx, &meta_file, name_ref, bare, "an index"),
                }
            }
            if terms.len() == index.fields.len() && !terms.is_empty() {
                indexes.push(ddl::meta_index_sql(table, index.name.as_ref().map(|n| n.value.as_str()), &terms));
            }
        }

        MetaOptions { ordering, get_latest_by, unique_together, indexes }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn options_resolve_to_columns() {
        let project = project(
            "  M:\n    meta:\n      ordering: [-day, pk]\n      get_latest_by: -day\n      unique_together: [[owner, day]]\n      indexes: [{fields: [-day], name: m_day}]\n    fields:\n      owner: {type: ForeignKey, to: M, on_delete: CASCADE, null: true}\n      day: {type: DateField, db_column: the_day}\n",
        );
        let m = model(&project, "M");
        let ordering: Vec<(&str, bool)> = m.ordering.iter().map(|t| (t.column.as_str(), t.descending)).collect();
        assert_eq!(ordering, [("the_day", true), ("id", false)]);
        assert_eq!(m.get_latest_by.as_deref(), Some("-the_day"));
        assert_eq!(m.unique_together, [["owner_id", "the_day"]]);
        assert_eq!(m.indexes, [r#"CREATE INDEX "m_day" ON "t_m" ("the_day" DESC);"#]);
    }

    #[test]
    fn options_naming_what_has_no_column() {
        let errors = errors(
            "  M:\n    meta: {ordering: ['?', tags, titel, owner__name], get_latest_by: nope}\n    fields:\n      title: {type: CharField, max_length: 10}\n      tags: {type: ManyToManyField, to: M}\n",
        );
        assert_has_errors(
            &errors,
            &[
                "`ordering` cannot use `?`",
                "`ordering` cannot name the ManyToManyField `tags`",
                "`ordering` names unknown field `titel` | help: did you mean `title`?",
                "a lookup across a relation",
                "`get_latest_by` names unknown field `nope`",
            ],
        );
    }

    #[test]
    fn a_field_with_its_own_error_is_not_reported_again() {
        let errors = errors("  M:\n    meta: {ordering: [when]}\n    fields:\n      when: {type: DateFeld}\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(has_error(&errors, "unknown field type `DateFeld`"));
    }
}
