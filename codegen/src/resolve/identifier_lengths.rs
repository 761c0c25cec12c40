//! PostgreSQL's 63-character identifiers: the names Django would shorten or
//! reject there. The generated models carry one table and column name for
//! both dialects, so a name Django spells differently on PostgreSQL and on
//! SQLite, or refuses on PostgreSQL, is an error with the name to write.

use super::*;
use crate::ddl::{truncate_name, POSTGRESQL_MAX_NAME_LENGTH as MAX};

impl<'a> Resolver<'a> {
    pub(super) fn check_identifier_lengths(&mut self, models: &BTreeMap<ModelId, Model>) {
        for (&id, model) in models {
            let def = self.model(id);
            let file = self.file(id).to_string();
            // Django's `Options.contribute_to_class` shortens a default
            // table name with `truncate_name(.., max_name_length())`: on
            // PostgreSQL only (SQLite has no limit); an explicit `db_table`
            // is kept as written on both (PostgreSQL then truncates it
            // itself, alike in Django's SQL and in ours).
            if def.meta.db_table.is_none() && model.table.chars().count() > MAX {
                let shortened = truncate_name(&model.table, MAX);
                self.err_help(
                    &file,
                    def.name.pos,
                    format!(
                        "the default table name `{}` of model `{}` is longer than PostgreSQL's {MAX} characters",
                        model.table, model.name
                    ),
                    Some(format!(
                        "Django names this table `{shortened}` on PostgreSQL but `{}` on SQLite, and the generated models use one name on both; set `meta.db_table: {shortened}` (Django's PostgreSQL table) or a shorter name",
                        model.table
                    )),
                );
            }
            let flat = self.flat_fields.get(&id).cloned().unwrap_or_default();
            for m2m in model.many_to_many.iter().filter(|m| m.auto_created) {
                let Some(field) = flat.iter().find(|f| f.name.value == m2m.name) else { continue };
                let field_file = self.def_file(field);
                // `ManyToManyField._get_m2m_db_table`: `<table>_<field>`, shortened as a table name.
                if m2m.through_table.chars().count() > MAX {
                    let shortened = truncate_name(&m2m.through_table, MAX);
                    self.err_help(
                        &field_file,
                        field.name.pos,
                        format!(
                            "the many-to-many table `{}` of `{}` is longer than PostgreSQL's {MAX} characters",
                            m2m.through_table, m2m.name
                        ),
                        Some(format!(
                            "Django names it `{shortened}` on PostgreSQL but `{}` on SQLite, and the generated models use one name on both; shorten the field's name or the model's `meta.db_table`, or give the relation a `through` model with its own `meta.db_table`",
                            m2m.through_table
                        )),
                    );
                }
                // Django's models.E019, checked for a PostgreSQL database.
                for column in [&m2m.source_column, &m2m.target_column] {
                    if column.chars().count() > MAX {
                        self.err_help(
                            &field_file,
                            field.name.pos,
                            format!(
                                "the many-to-many table of `{}` would have the column `{column}`, longer than PostgreSQL's {MAX} characters",
                                m2m.name
                            ),
                            Some("Django refuses it on PostgreSQL (models.E019); give the relation a `through` model whose ForeignKeys have a shorter `db_column`".into()),
                        );
                    }
                }
            }
            // Django's models.E018, checked for a PostgreSQL database: a
            // column named after its field (no `db_column`) must fit.
            for field in flat {
                if field.db_column.is_some() {
                    continue;
                }
                let kind = types::lookup(&field.type_name.value).map(|t| t.kind);
                let column = match kind {
                    Some(Kind::ManyToMany) => continue,
                    Some(Kind::ForeignKey | Kind::OneToOne) => format!("{}_id", field.name.value),
                    _ => field.name.value.clone(),
                };
                if column.chars().count() > MAX {
                    let field_file = self.def_file(field);
                    let short: String = column.chars().take(MAX).collect();
                    self.err_help(
                        &field_file,
                        field.name.pos,
                        format!(
                            "the column `{column}` of field `{}` is longer than PostgreSQL's {MAX} characters",
                            field.name.value
                        ),
                        Some(format!(
                            "Django refuses it on PostgreSQL (models.E018); set a shorter `db_column`, or `db_column: {column}` to keep the name (PostgreSQL then stores it as `{short}`)"
                        )),
                    );
                }
            }
        }
    }
}
