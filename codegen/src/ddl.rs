//! SQL in Django's layout: the DDL Django's schema editor would run
//! (`django/db/backends/base/schema.py`, `.../sqlite3/schema.py`,
//! `.../postgresql/schema.py`) for each [`Dialect`], and the statements
//! generated code prepares.

use std::collections::{BTreeMap, BTreeSet};

use md5::{Digest, Md5};

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::ir::{App, Constraint, Field, Model};

/// An app in the template context: its fields, and `ddl` printed from its
/// models here, when the context is built.
impl Serialize for App {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("App", 9)?;
        state.serialize_field("label", &self.label)?;
        state.serialize_field("source", &self.source)?;
        state.serialize_field("file_stem", &self.file_stem)?;
        state.serialize_field("models", &self.models)?;
        state.serialize_field("choice_enums", &self.choice_enums)?;
        state.serialize_field("ddl", &self.ddl())?;
        state.serialize_field("ddl_postgresql", &self.ddl_for(Dialect::Postgresql))?;
        state.serialize_field(
            "postgresql_sql_file",
            &crate::render::sql_file_name(Dialect::Postgresql, &self.file_stem),
        )?;
        state.serialize_field("depends_on", &self.depends_on)?;
        state.end()
    }
}

/// The SQL dialects modelgen writes DDL for: Django's SQLite and
/// PostgreSQL schema editors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Dialect {
    #[default]
    Sqlite,
    Postgresql,
}

impl Dialect {
    pub const ALL: [Dialect; 2] = [Dialect::Sqlite, Dialect::Postgresql];

    /// The name `modelgen ddl --dialect` takes (Django's `connection.vendor`).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgresql => "postgresql",
        }
    }

    /// The dialect called `name` (`postgres` too, as in URLs).
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name.to_ascii_lowercase().as_str() {
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            "postgresql" | "postgres" => Some(Dialect::Postgresql),
            _ => None,
        }
    }

    /// The longest name `_create_index_name` builds: the backend's
    /// `ops.max_name_length()` (PostgreSQL's identifiers are 63 bytes),
    /// or Django's 200 when it has none (SQLite).
    fn max_name_length(self) -> usize {
        match self {
            Dialect::Sqlite => 200,
            Dialect::Postgresql => POSTGRESQL_MAX_NAME_LENGTH,
        }
    }
}

/// SQLite's identifier quoting, as Django's `quote_name`.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Django's `names_digest`: md5 over the parts, first `length` hex digits.
fn names_digest(parts: &[&str], length: usize) -> String {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part.as_bytes());
    }
    let hex: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    hex[..length].to_string()
}

/// PostgreSQL's identifier limit (`NAMEDATALEN - 1`), Django's
/// `connection.ops.max_name_length()` there; SQLite has none.
pub const POSTGRESQL_MAX_NAME_LENGTH: usize = 63;

/// Django's `django.db.backends.utils.truncate_name(identifier, length)`:
/// a name longer than `length` characters keeps its first `length - 4`
/// and ends in the first 4 hex digits of the md5 of the whole name, so
/// two long names with one prefix stay apart. Django applies it to the
/// default table names (`Options.contribute_to_class`) and to the default
/// many-to-many table names (`ManyToManyField._get_m2m_db_table`) with the
/// backend's `max_name_length()`: 63 on PostgreSQL, none on SQLite.
pub fn truncate_name(identifier: &str, length: usize) -> String {
    const HASH_LEN: usize = 4;
    if identifier.chars().count() <= length {
        return identifier.to_string();
    }
    format!("{}{}", truncate(identifier, length - HASH_LEN), names_digest(&[identifier], HASH_LEN))
}

/// Django's `BaseDatabaseSchemaEditor._create_index_name` with SQLite's
/// 200-character name limit.
pub fn create_index_name(table: &str, columns: &[&str], suffix: &str) -> String {
    dialect_index_name(Dialect::Sqlite, table, columns, suffix)
}

/// Django's `BaseDatabaseSchemaEditor._create_index_name` with the
/// dialect's name limit (63 on PostgreSQL).
pub fn dialect_index_name(dialect: Dialect, table: &str, columns: &[&str], suffix: &str) -> String {
    let max_length = dialect.max_name_length();
    let mut digest_parts = vec![table];
    digest_parts.extend_from_slice(columns);
    let mut hash_suffix = format!("{}{suffix}", names_digest(&digest_parts, 8));
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash_suffix}");
    if name.len() <= max_length {
        return name;
    }
    if hash_suffix.len() > max_length / 3 {
        hash_suffix.truncate(max_length / 3);
    }
    let other = (max_length - hash_suffix.len()) / 2 - 1;
    let mut name = format!("{}_{}_{hash_suffix}", truncate(table, other), truncate(&joined, other));
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.pop();
        name.insert(0, 'D');
    }
    name
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Django's `Index.set_name_with_model` for a `meta.indexes` entry without a name.
pub fn meta_index_name(table: &str, columns_with_order: &[String], first_column: &str) -> String {
    let mut parts: Vec<&str> = vec![table];
    parts.extend(columns_with_order.iter().map(String::as_str));
    parts.push("idx");
    let name = format!("{}_{}_{}_idx", truncate(table, 11), truncate(first_column, 7), names_digest(&parts, 6));
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("D{}", &name[1..])
    } else {
        name
    }
}

/// `CREATE INDEX` for a `meta.indexes` entry; `terms` are (column, descending).
pub fn meta_index_sql(table: &str, name: Option<&str>, terms: &[(String, bool)]) -> String {
    let with_order: Vec<String> = terms.iter().map(|(c, desc)| if *desc { format!("-{c}") } else { c.clone() }).collect();
    let name = name.map_or_else(|| meta_index_name(table, &with_order, &terms[0].0), str::to_string);
    let cols: Vec<String> = terms.iter().map(|(c, desc)| format!("{}{}", quote(c), if *desc { " DESC" } else { "" })).collect();
    format!("CREATE INDEX {} ON {} ({});", quote(&name), quote(table), cols.join(", "))
}

/// One column definition, as Django's `column_sql` + `table_sql` build it.
fn column_definition(field: &Field) -> String {
    let mut sql = column_sql(field, &field.sql_type, field.db_default.as_deref(), field.check.as_deref(), "AUTOINCREMENT");
    if let Some(rel) = field.relation.as_ref().filter(|r| r.db_constraint) {
        sql.push_str(&format!(
            " REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED",
            quote(&rel.target_table),
            quote(&rel.target_column)
        ));
    }
    sql
}

/// The parts both dialects write alike: name, type, DEFAULT, NULL, PRIMARY
/// KEY or UNIQUE, CHECK, and the automatic key's suffix (`auto_suffix`).
fn column_sql(field: &Field, sql_type: &str, db_default: Option<&str>, check: Option<&str>, auto_suffix: &str) -> String {
    let mut parts = vec![quote(&field.column), sql_type.to_string()];
    if let Some(default) = db_default {
        parts.push(format!("DEFAULT {default}"));
    }
    parts.push(if field.null { "NULL".into() } else { "NOT NULL".into() });
    if field.primary_key {
        parts.push("PRIMARY KEY".into());
    } else if field.unique {
        parts.push("UNIQUE".into());
    }
    if let Some(check) = check {
        parts.push(format!("CHECK ({check})"));
    }
    if field.auto && field.relation.is_none() {
        parts.push(auto_suffix.into());
    }
    parts.join(" ")
}

/// A constraint Django writes into CREATE TABLE (`constraint_sql`); a
/// conditional UniqueConstraint is an index of its own instead.
fn inline_constraint(constraint: &Constraint) -> Option<String> {
    match constraint {
        Constraint::Unique { name, columns, condition: None } => {
            let cols: Vec<String> = columns.iter().map(|c| quote(c)).collect();
            Some(format!("CONSTRAINT {} UNIQUE ({})", quote(name), cols.join(", ")))
        }
        Constraint::Unique { condition: Some(_), .. } => None,
        Constraint::Check { name, condition } => Some(format!("CONSTRAINT {} CHECK ({})", quote(name), condition.sqlite)),
    }
}

fn create_index(name: &str, table: &str, columns: &[String], unique: bool) -> String {
    let cols: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    format!(
        "CREATE {}INDEX {} ON {} ({});",
        if unique { "UNIQUE " } else { "" },
        quote(name),
        quote(table),
        cols.join(", ")
    )
}

/// The DDL of one app: each model's CREATE TABLE followed by its
/// auto-created many-to-many tables, models in dependency order, then the
/// deferred index statements in the same order (as Django's schema editor
/// runs a migration).
pub fn app_ddl(models: &[Model]) -> String {
    let mut tables = Vec::new();
    let mut deferred = Vec::new();
    for model in dependency_order(models) {
        let mut columns: Vec<String> = model.fields.iter().map(column_definition).collect();
        columns.extend(model.constraints.iter().filter_map(inline_constraint));
        tables.push(format!("CREATE TABLE {} ({});", quote(&model.table), columns.join(", ")));
        for group in &model_unique_together(model) {
            let refs: Vec<&str> = group.iter().map(String::as_str).collect();
            deferred.push(create_index(&create_index_name(&model.table, &refs, "_uniq"), &model.table, group, true));
        }
        // Django's `table_sql` defers a conditional UniqueConstraint after
        // unique_together, before the field indexes of `create_model`.
        for constraint in &model.constraints {
            if let Constraint::Unique { name, columns, condition: Some(condition) } = constraint {
                let cols: Vec<String> = columns.iter().map(|c| quote(c)).collect();
                deferred.push(format!(
                    "CREATE UNIQUE INDEX {} ON {} ({}) WHERE {};",
                    quote(name),
                    quote(&model.table),
                    cols.join(", "),
                    condition.sqlite
                ));
            }
        }
        for field in model.fields.iter().filter(|f| f.db_index) {
            let name = create_index_name(&model.table, &[&field.column], "");
            deferred.push(create_index(&name, &model.table, std::slice::from_ref(&field.column), false));
        }
        for index in &model.indexes {
            deferred.push(index.clone());
        }
        for m2m in model.many_to_many.iter().filter(|m| m.auto_created) {
            let source_ref = if m2m.db_constraint {
                format!(" REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED", quote(&model.table), quote(&m2m.source_pk_column))
            } else {
                String::new()
            };
            let target_ref = if m2m.db_constraint {
                format!(" REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED", quote(&m2m.target_table), quote(&m2m.target_pk_column))
            } else {
                String::new()
            };
            tables.push(format!(
                "CREATE TABLE {} (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, {} {} NOT NULL{source_ref}, {} {} NOT NULL{target_ref});",
                quote(&m2m.through_table),
                quote(&m2m.source_column),
                m2m.source_sql_type,
                quote(&m2m.target_column),
                m2m.target_sql_type,
            ));
            let pair = [m2m.source_column.clone(), m2m.target_column.clone()];
            let pair_refs = [m2m.source_column.as_str(), m2m.target_column.as_str()];
            deferred.push(create_index(&create_index_name(&m2m.through_table, &pair_refs, "_uniq"), &m2m.through_table, &pair, true));
            for column in &pair {
                let name = create_index_name(&m2m.through_table, &[column], "");
                deferred.push(create_index(&name, &m2m.through_table, std::slice::from_ref(column), false));
            }
        }
    }
    let mut out = String::new();
    for statement in tables.iter().chain(deferred.iter()) {
        out.push_str(statement);
        out.push('\n');
    }
    out
}

/// The DDL of one app for `dialect`, as [`app_ddl`] for SQLite.
pub fn app_ddl_for(dialect: Dialect, models: &[Model]) -> String {
    match dialect {
        Dialect::Sqlite => app_ddl(models),
        Dialect::Postgresql => postgresql_app_ddl(models),
    }
}

fn quoted_list(columns: &[String]) -> String {
    columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
}

/// One column definition as Django's PostgreSQL schema editor builds it
/// (`column_sql`, then `table_sql` adds the CHECK and the identity suffix).
/// A `db_default` literal is a query parameter there, so the model's table
/// constraints move out of CREATE TABLE (see `postgresql_app_ddl`).
fn postgresql_column_definition(field: &Field) -> String {
    let pg = &field.postgresql;
    column_sql(field, &pg.sql_type, pg.db_default.as_deref(), pg.check.as_deref(), "GENERATED BY DEFAULT AS IDENTITY")
}

/// `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`: PostgreSQL has no
/// inline foreign key in Django (`sql_create_inline_fk` is None), so
/// `table_sql` defers one per relation column, named by
/// `_create_index_name(table, [column], "_fk_<to_table>_<to_column>")`.
fn postgresql_foreign_key(table: &str, column: &str, target_table: &str, target_column: &str) -> String {
    let name =
        dialect_index_name(Dialect::Postgresql, table, &[column], &format!("_fk_{target_table}_{target_column}"));
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED;",
        quote(table),
        quote(&name),
        quote(column),
        quote(target_table),
        quote(target_column)
    )
}

/// `unique_together` on PostgreSQL: a named table constraint
/// (`sql_create_unique`), where SQLite gets a unique index.
fn postgresql_unique(table: &str, columns: &[String]) -> String {
    let refs: Vec<&str> = columns.iter().map(String::as_str).collect();
    let name = dialect_index_name(Dialect::Postgresql, table, &refs, "_uniq");
    format!("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({});", quote(table), quote(&name), quoted_list(columns))
}

/// The indexes of one column (`_field_indexes_sql`): the plain index of
/// `db_index`, then PostgreSQL's `_like` index with the pattern operator
/// class, so `LIKE 'abc%'` can use an index under any collation, on every
/// indexed or unique (primary key included) varchar or text column.
fn postgresql_column_indexes(table: &str, column: &str, sql_type: &str, db_index: bool, unique: bool) -> Vec<String> {
    let mut out = Vec::new();
    if db_index {
        let name = dialect_index_name(Dialect::Postgresql, table, &[column], "");
        out.push(format!("CREATE INDEX {} ON {} ({});", quote(&name), quote(table), quote(column)));
    }
    let opclass = if sql_type.starts_with("varchar") {
        Some("varchar_pattern_ops")
    } else if sql_type.starts_with("text") {
        Some("text_pattern_ops")
    } else {
        None
    };
    if let Some(opclass) = opclass.filter(|_| db_index || unique) {
        let name = dialect_index_name(Dialect::Postgresql, table, &[column], "_like");
        out.push(format!("CREATE INDEX {} ON {} ({} {opclass});", quote(&name), quote(table), quote(column)));
    }
    out
}

/// The DDL of one app as Django's PostgreSQL schema editor emits it: the
/// CREATE TABLEs (each model's auto-created many-to-many tables after it),
/// then the deferred statements in the order `create_model` queues them:
/// per model `unique_together`, the foreign keys, the deferred table
/// constraints, the column indexes, `meta.indexes`; then its join tables'.
fn postgresql_app_ddl(models: &[Model]) -> String {
    let mut tables = Vec::new();
    let mut deferred = Vec::new();
    for model in dependency_order(models) {
        let table = &model.table;
        for group in &model.unique_together {
            deferred.push(postgresql_unique(table, group));
        }
        let mut columns: Vec<String> = model.fields.iter().map(postgresql_column_definition).collect();
        for field in &model.fields {
            if let Some(rel) = field.relation.as_ref().filter(|r| r.db_constraint) {
                deferred.push(postgresql_foreign_key(table, &field.column, &rel.target_table, &rel.target_column));
            }
        }
        // A literal db_default is a query parameter on PostgreSQL, and
        // `table_sql` then defers every table constraint (`create_sql`)
        // instead of writing it into CREATE TABLE.
        // (`Now()`, the one expression, is SQL without parameters.)
        let parametrized =
            model.fields.iter().any(|f| f.postgresql.db_default.as_deref().is_some_and(|d| !d.starts_with('(')));
        for constraint in &model.constraints {
            match constraint {
                Constraint::Unique { name, columns: cols, condition: Some(condition) } => deferred.push(format!(
                    "CREATE UNIQUE INDEX {} ON {} ({}) WHERE {};",
                    quote(name),
                    quote(table),
                    quoted_list(cols),
                    condition.postgresql
                )),
                Constraint::Unique { name, columns: cols, condition: None } if parametrized => deferred.push(format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({});",
                    quote(table),
                    quote(name),
                    quoted_list(cols)
                )),
                Constraint::Unique { name, columns: cols, condition: None } => {
                    columns.push(format!("CONSTRAINT {} UNIQUE ({})", quote(name), quoted_list(cols)))
                }
                Constraint::Check { name, condition } if parametrized => deferred.push(format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({});",
                    quote(table),
                    quote(name),
                    condition.postgresql
                )),
                Constraint::Check { name, condition } => {
                    columns.push(format!("CONSTRAINT {} CHECK ({})", quote(name), condition.postgresql))
                }
            }
        }
        tables.push(format!("CREATE TABLE {} ({});", quote(table), columns.join(", ")));
        for field in &model.fields {
            deferred.extend(postgresql_column_indexes(
                table,
                &field.column,
                &field.postgresql.sql_type,
                field.db_index,
                field.unique || field.primary_key,
            ));
        }
        deferred.extend(model.indexes.iter().cloned());
        for m2m in model.many_to_many.iter().filter(|m| m.auto_created) {
            let through = &m2m.through_table;
            // The join model's key is the project's DEFAULT_AUTO_FIELD, a BigAutoField.
            tables.push(format!(
                "CREATE TABLE {} (\"id\" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, {} {} NOT NULL, {} {} NOT NULL);",
                quote(through),
                quote(&m2m.source_column),
                m2m.source_postgresql_type,
                quote(&m2m.target_column),
                m2m.target_postgresql_type,
            ));
            deferred.push(postgresql_unique(through, &[m2m.source_column.clone(), m2m.target_column.clone()]));
            if m2m.db_constraint {
                deferred.push(postgresql_foreign_key(through, &m2m.source_column, table, &m2m.source_pk_column));
                deferred.push(postgresql_foreign_key(through, &m2m.target_column, &m2m.target_table, &m2m.target_pk_column));
            }
            for (column, sql_type) in
                [(&m2m.source_column, &m2m.source_postgresql_type), (&m2m.target_column, &m2m.target_postgresql_type)]
            {
                deferred.extend(postgresql_column_indexes(through, column, sql_type, true, false));
            }
        }
    }
    let mut out = String::new();
    for statement in tables.iter().chain(deferred.iter()) {
        out.push_str(statement);
        out.push('\n');
    }
    out
}

/// Whether an app of `apps` (in the order their DDL is applied) has a
/// relation to an app at or after it: a foreign-key cycle across apps,
/// which no app order can satisfy statement by statement.
pub fn apps_refer_to_each_other(apps: &[App]) -> bool {
    apps.iter().enumerate().any(|(i, app)| apps[i..].iter().any(|later| app.depends_on.contains(&later.label)))
}

/// Apps' scripts (one statement per line, as the built-in templates write
/// them) merged so that every app's `CREATE TABLE` lines (and its header
/// comments) come first, in app order, then every app's other statements
/// (foreign keys, constraints, indexes), in app order: the order of
/// Django's one schema editor over every app (`migrate --run-syncdb`),
/// whose deferred statements run after all tables exist.
pub fn tables_first(scripts: &[String]) -> String {
    let mut tables = String::new();
    let mut deferred = String::new();
    for script in scripts {
        for line in script.lines() {
            let target = if line.starts_with("CREATE TABLE ") || line.starts_with("--") { &mut tables } else { &mut deferred };
            target.push_str(line);
            target.push('\n');
        }
    }
    tables.push_str("-- The foreign keys, constraints and indexes of every app above, after all their tables: these apps refer to each other.\n");
    tables + &deferred
}

fn model_unique_together(model: &Model) -> Vec<Vec<String>> {
    model.unique_together.clone()
}

/// Models so that each comes after the models its foreign keys point at
/// (within the app); ties and cycles keep file order.
fn dependency_order(models: &[Model]) -> Vec<&Model> {
    // Kahn's algorithm, taking the first ready model in file order each
    // time (the first remaining one when a cycle leaves none ready).
    let index: BTreeMap<&str, usize> = models.iter().enumerate().map(|(i, m)| (m.label.as_str(), i)).collect();
    let mut waiting_on: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); models.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); models.len()];
    for (i, model) in models.iter().enumerate() {
        for target in
            model.fields.iter().filter_map(|f| f.relation.as_ref()).filter_map(|r| index.get(r.target_label.as_str()))
        {
            if *target != i && waiting_on[i].insert(*target) {
                dependents[*target].push(i);
            }
        }
    }
    let mut ready: BTreeSet<usize> = (0..models.len()).filter(|&i| waiting_on[i].is_empty()).collect();
    let mut remaining: BTreeSet<usize> = (0..models.len()).collect();
    let mut ordered = Vec::with_capacity(models.len());
    while let Some(next) = ready.pop_first().or_else(|| remaining.first().copied()) {
        remaining.remove(&next);
        ordered.push(&models[next]);
        for &dependent in &dependents[next] {
            if waiting_on[dependent].remove(&next) && waiting_on[dependent].is_empty() && remaining.contains(&dependent)
            {
                ready.insert(dependent);
            }
        }
    }
    ordered
}


#[cfg(test)]
mod tests {
    use super::*;

    /// Values computed with Django 5/6's `schema_editor._create_index_name`.
    #[test]
    fn index_names_use_djangos_md5_digest() {
        let name = create_index_name("weblog_entry", &["blog_id"], "");
        assert!(name.starts_with("weblog_entry_blog_id_"));
        assert_eq!(name.len(), "weblog_entry_blog_id_".len() + 8);
        assert_eq!(names_digest(&["a", "b"], 8), names_digest(&["ab"], 8));
    }

    /// PostgreSQL's names are at most 63 characters: Django 5.2 on
    /// PostgreSQL gave these (tests/django/postgresql/ddlcheck_stock.sql).
    #[test]
    fn postgresql_index_names_are_shortened_to_63_characters_as_djangos() {
        let table = "ddlcheck_stock_ledger_entries_kept_for_the_accounting_department_with_a_table_name_long_enough_that_djangos_index_names_must_be_truncated";
        let column = "owner_of_the_ledger_with_a_rather_long_name_for_index_truncation_id";
        let index = dialect_index_name(Dialect::Postgresql, table, &[column], "");
        assert_eq!(index, "ddlcheck_stock_ledger_entr_owner_of_the_ledger_with_a_e54aa339");
        let fk = dialect_index_name(Dialect::Postgresql, table, &[column], "_fk__owner_id");
        assert_eq!(fk, "ddlcheck_stock_ledge_owner_of_the_ledger__e54aa339_fk__owner_id");
        let unique = dialect_index_name(Dialect::Postgresql, table, &[column, "entered_at"], "_uniq");
        assert_eq!(unique, "ddlcheck_stock_ledger_en_owner_of_the_ledger_with_32e77892_uniq");
        assert!([index, fk, unique].iter().all(|n| n.len() <= 63));
        // SQLite's limit is 200: the same index keeps more of both names.
        assert!(create_index_name(table, &[column], "").len() > 63);
    }

    /// Django 5.2's `_meta.db_table` and many-to-many tables on PostgreSQL
    /// (`truncate_name(name, 63)`; on SQLite Django kept the full names).
    #[test]
    fn truncate_name_shortens_as_djangos_on_postgresql() {
        let table = "long_anextremelylongmodelnamethatpushesthedefaulttablenamepastsixtythreechars";
        assert_eq!(
            truncate_name(table, POSTGRESQL_MAX_NAME_LENGTH),
            "long_anextremelylongmodelnamethatpushesthedefaulttablenamepcec2"
        );
        // The join table's name is built from the already shortened table.
        assert_eq!(
            truncate_name(
                "long_anextremelylongmodelnamethatpushesthedefaulttablenamepcec2_tags_attached_to_this_record",
                POSTGRESQL_MAX_NAME_LENGTH
            ),
            "long_anextremelylongmodelnamethatpushesthedefaulttablenamep27b1"
        );
        assert_eq!(
            truncate_name(
                "long_short_friends_of_this_short_model_with_a_long_field_name_for_the_m2m_table",
                POSTGRESQL_MAX_NAME_LENGTH
            ),
            "long_short_friends_of_this_short_model_with_a_long_field_na7381"
        );
        assert_eq!(truncate_name("long_short", POSTGRESQL_MAX_NAME_LENGTH), "long_short");
    }
}
