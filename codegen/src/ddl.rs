//! SQL in Django's SQLite layout: the DDL Django's schema editor would run
//! (`django/db/backends/base/schema.py`, `.../sqlite3/schema.py`) and the
//! statements generated code prepares.

use std::collections::{BTreeMap, BTreeSet};

use md5::{Digest, Md5};

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::ir::{App, Constraint, Field, Model};

/// An app in the template context: its fields, and `ddl` printed from its
/// models here, when the context is built.
impl Serialize for App {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("App", 7)?;
        state.serialize_field("label", &self.label)?;
        state.serialize_field("source", &self.source)?;
        state.serialize_field("file_stem", &self.file_stem)?;
        state.serialize_field("models", &self.models)?;
        state.serialize_field("choice_enums", &self.choice_enums)?;
        state.serialize_field("ddl", &self.ddl())?;
        state.serialize_field("depends_on", &self.depends_on)?;
        state.end()
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

/// Django's `BaseDatabaseSchemaEditor._create_index_name` with SQLite's
/// 200-character name limit.
pub fn create_index_name(table: &str, columns: &[&str], suffix: &str) -> String {
    const MAX_LENGTH: usize = 200;
    let mut digest_parts = vec![table];
    digest_parts.extend_from_slice(columns);
    let mut hash_suffix = format!("{}{suffix}", names_digest(&digest_parts, 8));
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash_suffix}");
    if name.len() <= MAX_LENGTH {
        return name;
    }
    if hash_suffix.len() > MAX_LENGTH / 3 {
        hash_suffix.truncate(MAX_LENGTH / 3);
    }
    let other = (MAX_LENGTH - hash_suffix.len()) / 2 - 1;
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
    let mut parts = vec![quote(&field.column), field.sql_type.clone()];
    if let Some(default) = &field.db_default {
        parts.push(format!("DEFAULT {default}"));
    }
    parts.push(if field.null { "NULL".into() } else { "NOT NULL".into() });
    if field.primary_key {
        parts.push("PRIMARY KEY".into());
    } else if field.unique {
        parts.push("UNIQUE".into());
    }
    if let Some(check) = &field.check {
        parts.push(format!("CHECK ({check})"));
    }
    if field.auto && field.relation.is_none() {
        parts.push("AUTOINCREMENT".into());
    }
    if let Some(rel) = field.relation.as_ref().filter(|r| r.db_constraint) {
        parts.push(format!("REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED", quote(&rel.target_table), quote(&rel.target_column)));
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
        Constraint::Check { name, condition } => Some(format!("CONSTRAINT {} CHECK ({condition})", quote(name))),
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
                    "CREATE UNIQUE INDEX {} ON {} ({}) WHERE {condition};",
                    quote(name),
                    quote(&model.table),
                    cols.join(", ")
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
}
