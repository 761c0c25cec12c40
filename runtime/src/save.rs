//! `Model.save()` (Django 6's `save`, `save_base` and `_save_table`),
//! `refresh_from_db()` and relative updates of one instance.

use chrono::{DateTime, Utc};
use rusqlite::types::{ToSqlOutput, Value};

use crate::tz::{Now, Tz};
use rusqlite::ToSql;

use crate::backend::{StatementKey, Stmt};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::model::{ColumnSet, Model, ModelMeta};
use crate::query::{Assignment, Condition, QuerySet};
use crate::signals::{self, Signal};

/// The options of `save()`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveOptions<'a> {
    /// Always INSERT; an existing pk is an integrity error.
    pub force_insert: bool,
    /// Always UPDATE; an error when the pk is unset or no row was updated.
    pub force_update: bool,
    /// Write only these fields (field names, or `<fk>_id` attnames). An
    /// empty list writes nothing and sends no signal.
    pub update_fields: Option<&'a [&'a str]>,
}

impl<'a> SaveOptions<'a> {
    pub fn force_insert() -> Self {
        SaveOptions { force_insert: true, ..SaveOptions::default() }
    }

    pub fn force_update() -> Self {
        SaveOptions { force_update: true, ..SaveOptions::default() }
    }

    pub fn update_fields(fields: &'a [&'a str]) -> Self {
        SaveOptions { update_fields: Some(fields), ..SaveOptions::default() }
    }
}

/// Django's error when a save would lose an unsaved related object.
pub(crate) fn unsaved_related_error(field: &str) -> Error {
    Error::Misuse(format!("save() prohibited to prevent data loss due to unsaved related object '{field}'."))
}

/// Django's `_prepare_related_fields_for_save`: a relation still pointed
/// at an unsaved object (its key unchanged since the assignment) refuses
/// the save.
pub(crate) fn check_related_saved<M: Model>(instance: &M) -> Result<()> {
    for (index, field, held) in &instance.state().unsaved_related {
        if instance.field(*index).is_some_and(|f| f.stored() == *held) {
            return Err(unsaved_related_error(field));
        }
    }
    Ok(())
}

/// Binds column `index` of a model instance, datetimes as wall-clock time
/// in the zone when there is one (`None`: UTC, the value as it is).
struct ColumnBind<'a, M>(&'a M, usize, Option<Tz>);

impl<M: Model> ToSql for ColumnBind<'_, M> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match crate::model::column(self.0, self.1) {
            Some(field) => crate::field::bind_in_zone(field, self.2),
            None => Err(rusqlite::Error::InvalidColumnIndex(self.1)),
        }
    }
}

/// Whether the pk of `instance` is set (Django: not `None`; 0 is a pk).
#[inline]
fn pk_is_set<M: Model>(instance: &M, meta: &ModelMeta) -> Result<bool> {
    Ok(crate::model::column(instance, meta.pk).is_some_and(|pk| !pk.is_null()))
}

/// Save `instance` exactly as Django 6's `Model.save()` does on SQLite.
///
/// - both `force_insert` and `force_update` (or `force_insert` with
///   non-empty `update_fields`): [`Error::Misuse`] before any SQL;
/// - `update_fields` empty: nothing happens (no SQL, no signal);
/// - `update_fields` naming an unknown field or the pk: [`Error::Misuse`];
/// - `pre_save` signal; a pk unset with `force_update`/`update_fields`:
///   [`Error::Misuse`];
/// - when the pk is set (0 is a pk) and no insert is forced: `pre_save`
///   pre-processing (`add = false`) and an UPDATE of every non-pk column (or
///   only `update_fields`); when it updated no row, `force_update` and
///   `update_fields` are [`Error::NotUpdated`] errors, else
/// - `pre_save` pre-processing (`add = true`, `auto_now_add`) and an INSERT,
///   which fills in an auto pk;
/// - the instance is no longer "adding"; `post_save` signal with `created`.
///
/// A new instance whose pk has a default (`pk_has_default`) skips the UPDATE
/// attempt, as in Django. The common cases run one SQL statement; the
/// UPDATE-then-INSERT path changes nothing when the UPDATE matches no row,
/// so a failing INSERT leaves the database unchanged.
pub fn save<M: Model>(db: &Database, instance: &mut M, options: SaveOptions<'_>) -> Result<()> {
    let meta = M::meta();
    let SaveOptions { force_insert, force_update, update_fields } = options;
    check_related_saved(instance)?;

    if force_insert && (force_update || update_fields.is_some_and(|f| !f.is_empty())) {
        return Err(Error::Misuse("Cannot force both insert and updating in model saving.".into()));
    }
    let columns = match update_fields {
        None => None,
        Some([]) => return Ok(()),
        Some(fields) => Some(update_field_columns(meta, fields)?),
    };

    signals::send(db, Signal::PreSave, &*instance, false, update_fields)?;

    let updated = if M::HAS_PARENTS {
        // Every ancestor's row and the child's, all or nothing (Django's
        // `transaction.atomic(savepoint=False)` in `save_base`).
        db.transaction(|db| {
            let parent_inserted = instance.save_parents(db, update_fields)?;
            save_table(db, instance, force_insert || parent_inserted, force_update, columns.as_ref(), update_fields.is_some())
        })?
    } else {
        save_table(db, instance, force_insert, force_update, columns.as_ref(), update_fields.is_some())?
    };

    instance.state_mut().adding = false;
    instance.state_mut().unsaved_related.clear();
    crate::snapshot::remember_saved(db, instance, update_fields);
    signals::send(db, Signal::PostSave, &*instance, !updated, update_fields)
}

/// Django's `_save_table`: the UPDATE attempt and/or the INSERT of one
/// model's own table, without signals. Returns whether an existing row was
/// updated (`false`: a row was inserted).
fn save_table<M: Model>(
    db: &Database,
    instance: &mut M,
    mut force_insert: bool,
    force_update: bool,
    columns: Option<&ColumnSet>,
    has_update_fields: bool,
) -> Result<bool> {
    let meta = M::meta();
    let pk_set = pk_is_set(instance, meta)?;
    if !pk_set && (force_update || has_update_fields) {
        return Err(Error::Misuse("Cannot force an update in save() with no primary key.".into()));
    }
    let now = if meta.has_pre_save { db.now() } else { Now::utc(DateTime::<Utc>::UNIX_EPOCH) };
    if !force_insert && !force_update && instance.state().adding && meta.pk_has_default {
        force_insert = true;
    }

    let mut updated = false;
    if pk_set && !force_insert {
        if meta.has_pre_save {
            crate::model::pre_save(instance, false, columns, &now);
        }
        updated = match columns {
            // `update_fields` named no column of this table (an ancestor's
            // only): Django's `_do_update` reports success without SQL.
            Some(set) if set.is_empty() => true,
            _ => do_update(db, meta, instance, columns)?,
        };
        if !updated {
            if force_update {
                return Err(Error::NotUpdated { model: meta.name, message: "Forced update did not affect any rows." });
            }
            if has_update_fields {
                return Err(Error::NotUpdated {
                    model: meta.name,
                    message: "Save with update_fields did not affect any rows.",
                });
            }
        }
    }
    if !updated {
        if meta.has_pre_save {
            crate::model::pre_save(instance, true, None, &now);
        }
        // Only an unset db_default value needs the database's (RETURNING
        // costs SQLite more than the plain INSERT).
        let unset_default = |instance: &M| {
            meta.columns
                .iter()
                .enumerate()
                .any(|(i, c)| c.db_default.is_some() && crate::model::column_stored(instance, i) == Value::Null)
        };
        match &meta.sql_on(db.backend()).insert_returning_defaults {
            Some((without_pk, with_pk)) if unset_default(instance) => {
                insert_returning_db_defaults(db, meta, instance, pk_set, without_pk, with_pk)?
            }
            Some(_) => do_insert(db, meta, instance, pk_set)?,
            None => {
                do_insert(db, meta, instance, pk_set)?;
                read_back_db_defaults(db, meta, instance)?;
            }
        }
    }
    Ok(updated)
}

/// The INSERT of a table with `db_default` columns, Django's way: the
/// statement returns those columns (`RETURNING`), and the instance takes
/// the stored values; an unset auto pk comes back first.
fn insert_returning_db_defaults<M: Model>(
    db: &Database,
    meta: &'static ModelMeta,
    instance: &mut M,
    pk_set: bool,
    without_pk: &'static str,
    with_pk: &'static str,
) -> Result<()> {
    let auto_pk = !pk_set && meta.columns.get(meta.pk).is_some_and(|c| c.auto);
    let defaults: Vec<usize> = (0..meta.columns.len()).filter(|&i| meta.columns[i].db_default.is_some()).collect();
    let returned = db.with_statement(if auto_pk { without_pk } else { with_pk }, |stmt| {
        let mut param = 1;
        for index in 0..meta.columns.len() {
            if !(auto_pk && index == meta.pk) {
                stmt.raw_bind_parameter(param, ColumnBind(&*instance, index, db.storage_zone()))?;
                param += 1;
            }
        }
        let mut rows = stmt.raw_query();
        let mut values = Vec::new();
        if let Some(row) = rows.next()? {
            for i in 0..defaults.len() + usize::from(auto_pk) {
                values.push(row.get_value(i)?);
            }
        }
        // Run to completion: a deferred constraint fails only then.
        while rows.next()?.is_some() {}
        Ok(values)
    })?;
    let mut returned = returned.into_iter();
    if auto_pk {
        let pk = match returned.next() {
            Some(Value::Null) | None => Value::Integer(db.last_insert_id()),
            Some(pk) => pk,
        };
        crate::model::set_pk_value(instance, Some(pk))?;
    }
    let offset = meta.own_offset();
    for (index, value) in defaults.into_iter().zip(returned) {
        if let Some(field) = instance.field_mut(offset + index) {
            field.set_stored(value)?;
        }
    }
    Ok(())
}

/// Django reads the fields whose value the database filled
/// (`DatabaseDefault`) back after the INSERT: without RETURNING, the unset
/// columns with a `db_default` are loaded by pk. After an
/// UPDATE (which writes the default, `SET "pages" = 100`) Django keeps the
/// value unset, and so does this.
fn read_back_db_defaults<M: Model>(db: &Database, meta: &'static ModelMeta, instance: &mut M) -> Result<()> {
    let filled: Vec<&str> = meta
        .columns
        .iter()
        .enumerate()
        .filter(|(i, c)| c.db_default.is_some() && crate::model::column_stored(&*instance, *i) == Value::Null)
        .map(|(_, c)| c.field)
        .collect();
    if filled.is_empty() {
        return Ok(());
    }
    refresh_fields_from_db(db, instance, &filled)
}

/// Save one ancestor of a multi-table-inheritance child (Django's
/// `_save_parents` step for one parent): its own ancestors first, then its
/// table, with no signals. Generated `save_parents` calls this with the
/// parent built from the child's fields. Returns whether a row was inserted.
pub fn save_parent<P: Model>(db: &Database, parent: &mut P, update_fields: Option<&[&str]>) -> Result<bool> {
    let parent_inserted = if P::HAS_PARENTS { parent.save_parents(db, update_fields)? } else { false };
    let columns = update_fields.map(|names| local_columns(P::meta(), names));
    let updated = save_table(db, parent, parent_inserted, false, columns.as_ref(), update_fields.is_some())?;
    parent.state_mut().adding = false;
    Ok(!updated)
}

/// The columns of `meta`'s own table among `names` (others belong to
/// other tables of an inheritance chain).
fn local_columns(meta: &'static ModelMeta, names: &[&str]) -> ColumnSet {
    let mut set = ColumnSet::new();
    for &name in names {
        if let Some(i) = meta.update_field_index(name).filter(|&i| i != meta.pk) {
            set.insert(i);
        }
    }
    set
}

/// The columns named by `update_fields`: non-pk concrete fields, by field
/// name or attname, else Django's `ValueError`.
fn update_field_columns(meta: &'static ModelMeta, fields: &[&str]) -> Result<ColumnSet> {
    // A name is known when some table of the inheritance chain (this
    // model's own, or an ancestor's) has it as a non-pk column.
    let known = |name: &str| meta.lineage().any(|m| m.update_field_index(name).is_some_and(|i| i != m.pk));
    let mut unknown: Vec<&str> = Vec::new();
    for &name in fields {
        if !known(name) && !unknown.contains(&name) {
            unknown.push(name);
        }
    }
    if !unknown.is_empty() {
        return Err(Error::Misuse(format!(
            "The following fields do not exist in this model, are m2m fields, primary keys, or are non-concrete fields: {}",
            unknown.join(", ")
        )));
    }
    Ok(local_columns(meta, fields))
}

/// The UPDATE attempt; whether a row matched.
fn do_update<M: Model>(
    db: &Database,
    meta: &'static ModelMeta,
    instance: &M,
    columns: Option<&ColumnSet>,
) -> Result<bool> {
    if meta.columns.len() <= 1 {
        // Nothing to update: Django checks that the row exists (a model of
        // just a pk), or, with update_fields, reports success.
        if columns.is_some() {
            return Ok(true);
        }
        let key = StatementKey::Built { what: "exists_by_pk", table: meta.table, columns: &[] };
        return db.with_built(key, || crate::sql::exists_by_pk(meta.table, meta.pk_column().column), |stmt| {
            stmt.raw_bind_parameter(1, ColumnBind(instance, meta.pk, db.storage_zone()))?;
            let mut rows = stmt.raw_query();
            Ok(rows.next()?.is_some())
        });
    }
    let changed = match columns {
        None => db.with_statement(meta.sql_on(db.backend()).update.as_str(), |stmt| {
            execute_update(db, stmt, meta, instance, |_| true)
        })?,
        Some(set) => {
            let words = set.words();
            let key = StatementKey::Built { what: "update_columns", table: meta.table, columns: &words };
            db.with_built(key, || {
                let columns = meta.columns.iter().enumerate().filter(|&(i, _)| i != meta.pk && set.contains(i));
                crate::sql::update_columns(meta.table, meta.pk_column().column, columns.map(|(_, c)| c.column))
            }, |stmt| execute_update(db, stmt, meta, instance, |index| set.contains(index)))?
        }
    };
    Ok(changed > 0)
}

/// Bind and run an UPDATE of `instance`'s row: the columns `updated`
/// selects (never the pk) in column order, as its SET lists them, then the
/// pk of its WHERE clause. The number of rows changed.
#[inline]
fn execute_update<M: Model>(
    db: &Database,
    stmt: &mut Stmt<'_, '_>,
    meta: &ModelMeta,
    instance: &M,
    updated: impl Fn(usize) -> bool,
) -> Result<usize> {
    let mut param = 1;
    for index in 0..meta.columns.len() {
        if index != meta.pk && updated(index) {
            stmt.raw_bind_parameter(param, ColumnBind(instance, index, db.storage_zone()))?;
            param += 1;
        }
    }
    stmt.raw_bind_parameter(param, ColumnBind(instance, meta.pk, db.storage_zone()))?;
    stmt.raw_execute()
}

/// The INSERT; fills in an auto pk.
fn do_insert<M: Model>(db: &Database, meta: &'static ModelMeta, instance: &mut M, pk_set: bool) -> Result<()> {
    let auto_pk = meta.columns.get(meta.pk).is_some_and(|c| c.auto);
    if !pk_set && auto_pk && db.pk_is_rowid_alias(meta)? {
        // The pk binds NULL and SQLite assigns the next rowid, as it would
        // with the column left out: the same statement as an explicit pk,
        // and no RETURNING (which costs SQLite several times a plain
        // INSERT).
        bind_all_and_execute(db, meta.sql_on(db.backend()).insert_with_pk.as_str(), meta, instance)?;
        let id = db.last_insert_id();
        crate::model::set_pk_value(instance, Some(Value::Integer(id)))?;
    } else if !pk_set && auto_pk {
        let pk = db.with_statement(meta.sql_on(db.backend()).insert.as_str(), |stmt| {
            let mut param = 1;
            for index in 0..meta.columns.len() {
                if index != meta.pk {
                    stmt.raw_bind_parameter(param, ColumnBind(&*instance, index, db.storage_zone()))?;
                    param += 1;
                }
            }
            let mut rows = stmt.raw_query();
            let pk = match rows.next()? {
                Some(row) => row.get_value(0)?,
                None => Value::Null,
            };
            // Run the statement to completion: in autocommit mode a deferred
            // constraint (Django's foreign keys) is checked only then, and
            // its failure must not be lost in the statement's reset.
            while rows.next()?.is_some() {}
            Ok(pk)
        })?;
        let pk = match pk {
            Value::Null => Value::Integer(db.last_insert_id()),
            pk => pk,
        };
        crate::model::set_pk_value(instance, Some(pk))?;
    } else {
        bind_all_and_execute(db, meta.sql_on(db.backend()).insert_with_pk.as_str(), meta, instance)?;
    }
    Ok(())
}

/// Bind every column in order and execute `sql`.
#[inline]
fn bind_all_and_execute<M: Model>(db: &Database, sql: &'static str, meta: &ModelMeta, instance: &M) -> Result<usize> {
    db.with_statement(sql, |stmt| {
        for index in 0..meta.columns.len() {
            stmt.raw_bind_parameter(index + 1, ColumnBind(instance, index, db.storage_zone()))?;
        }
        stmt.raw_execute()
    })
}

/// Reload every field of `instance` from its row (Django's
/// `refresh_from_db()`): [`Error::DoesNotExist`] when the pk is unset or the
/// row is gone. The instance's "adding" state is kept, as Django keeps it.
pub fn refresh_from_db<M: Model>(db: &Database, instance: &mut M) -> Result<()> {
    let meta = M::meta();
    let Some(pk) = crate::model::pk_value(instance) else {
        return Err(Error::DoesNotExist { model: meta.name });
    };
    let loaded = load_by_pk::<M>(db, &pk)?.ok_or(Error::DoesNotExist { model: meta.name })?;
    let adding = instance.state().adding;
    *instance = loaded;
    instance.state_mut().adding = adding;
    Ok(())
}

/// Django's `refresh_from_db(fields=[...])`: only the named fields (names
/// or `<fk>_id` attnames) take their stored values; the snapshot of dirty
/// tracking follows for those fields. Django's errors: a name with `__`,
/// an unknown name, an unset pk or a missing row.
pub fn refresh_fields_from_db<M: Model>(db: &Database, instance: &mut M, fields: &[&str]) -> Result<()> {
    let meta = M::meta();
    if fields.is_empty() {
        return Ok(());
    }
    if fields.iter().any(|f| f.contains("__")) {
        return Err(Error::Misuse(
            "Found \"__\" in fields argument. Relations and transforms are not allowed in fields.".into(),
        ));
    }
    let names = meta.field_names();
    let columns = meta.fields();
    let mut indexes = Vec::with_capacity(fields.len());
    for &field in fields {
        let is_attname = |i: usize| columns[i].column == field && field.strip_suffix("_id") == Some(names[i]);
        let index = (0..names.len())
            .find(|&i| names[i] == field || is_attname(i))
            .ok_or_else(|| Error::Misuse(format!("{} has no field named '{field}'", meta.name)))?;
        indexes.push(index);
    }
    let Some(pk) = crate::model::pk_value(instance) else {
        return Err(Error::DoesNotExist { model: meta.name });
    };
    let loaded = load_by_pk::<M>(db, &pk)?.ok_or(Error::DoesNotExist { model: meta.name })?;
    let snapshot = crate::snapshot::stored(instance);
    for &index in &indexes {
        let value = loaded.field(index).map_or(Value::Null, |f| f.stored());
        if let Some(field) = instance.field_mut(index) {
            field.set_stored(value)?;
        }
        instance.state_mut().unsaved_related.retain(|(i, _, _)| *i != index);
    }
    if let Some(previous) = snapshot.as_ref().and_then(|s| s.downcast_ref::<M>()) {
        let mut merged = previous.clone();
        for &index in &indexes {
            let value = loaded.field(index).map_or(Value::Null, |f| f.stored());
            if let Some(field) = merged.field_mut(index) {
                field.set_stored(value)?;
            }
        }
        instance.state_mut().set_snapshot(std::sync::Arc::new(merged));
    }
    Ok(())
}

/// The instance whose pk is `pk` (as [`crate::Field::stored`] gives it,
/// a datetime as UTC text), if its row exists.
pub fn load_by_pk<M: Model>(db: &Database, pk: &Value) -> Result<Option<M>> {
    load_by_database_pk(db, &crate::model::bound_value(db, M::meta().pk_column(), pk))
}

/// [`load_by_pk`] with the pk as the database holds it (a DateTimeField
/// key in the database's zone), as the copy engine reads keys.
pub(crate) fn load_by_database_pk<M: Model>(db: &Database, pk: &Value) -> Result<Option<M>> {
    let meta = M::meta();
    let key = StatementKey::Built { what: "select_by_pk", table: meta.table, columns: &[] };
    let loaded = db.with_built(key, || crate::sql::select_by_pk(meta.select_sql(), meta.pk_column().column), |stmt| {
        stmt.raw_bind_parameter(1, pk)?;
        let mut rows = stmt.raw_query();
        match rows.next()? {
            Some(row) => Ok(Some(crate::model::read_row::<M>(row, 0, db.storage_zone())?)),
            None => Ok(None),
        }
    })?;
    Ok(loaded.map(|mut m| {
        crate::snapshot::mark_loaded(db, &mut m);
        m
    }))
}

/// A relative update of one stored instance, computed by the database
/// (Django's `obj.field = F("field") + 1; obj.save(update_fields=[...])`,
/// or `Model.objects.filter(pk=obj.pk).update(...)`): returns the number of
/// rows updated (0 or 1). The instance itself is not changed: the new
/// values are visible after [`refresh_from_db`].
pub fn update_relative<M: Model>(db: &Database, instance: &M, assignments: &[Assignment<M>]) -> Result<usize> {
    let Some(pk) = crate::model::pk_value(instance) else {
        return Err(Error::Misuse("Cannot update an instance with no primary key.".into()));
    };
    QuerySet::<M>::new().filter(Condition::pk_value(pk)).update(db, assignments)
}
