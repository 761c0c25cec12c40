//! Django's `get_or_create`, `update_or_create`, `bulk_create` and
//! `bulk_update` (Django 5.2's `django/db/models/query.py`), as methods of
//! [`QuerySet`].
//!
//! Rust cannot build an instance from keyword arguments, so the lookup of
//! `get_or_create` is the queryset's filter and the caller's closure
//! builds the instance to create; the runtime then sets the filter's exact
//! lookups on it (`Entry::HEADLINE.eq("x")` sets `headline = "x"`), as
//! Django creates the object from the lookup's keyword arguments. Other
//! lookups (`gt`, `contains`, `isnull`, ...) set nothing, as Django drops
//! the keyword arguments holding `__`.

use std::marker::PhantomData;

use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::ToSql;

use crate::db::Database;
use crate::tz::Tz;
use crate::error::{Error, Result};
use crate::field::Field;
use crate::model::{AutoNow, Model, ModelMeta};
use crate::query::{Assignment, Column, QuerySet};
use crate::save::SaveOptions;
use crate::sql::bulk::OnConflict;
use crate::sql::query::{CmpOp, Expr, Node};

/// What sizes the batches of [`QuerySet::bulk_create`] and
/// [`QuerySet::bulk_update`] (defined with the query builder, which batches
/// `in_bulk` and `prefetch_related` by it too).
pub use crate::query::MAX_QUERY_PARAMS;

/// The rows of one INSERT when a single column is inserted (Django's
/// `bulk_batch_size`: SQLite's `SQLITE_MAX_COMPOUND_SELECT`, 500).
const ROWS_PER_SINGLE_COLUMN_INSERT: usize = 500;

/// Fields of model `M` named by their column constants: one
/// (`Author::NAME`) or a tuple of up to eight (`(Author::NAME,
/// Author::BORN)`), what [`QuerySet::bulk_update`] writes and
/// [`BulkCreate::update_conflicts`] names, so a misspelled field does not
/// compile.
pub trait FieldList<M> {
    /// The columns, in order.
    fn columns(&self) -> Vec<&'static str>;
}

impl<M, T> FieldList<M> for Column<M, T> {
    fn columns(&self) -> Vec<&'static str> {
        vec![self.name()]
    }
}

macro_rules! field_tuples {
    ($(($($T:ident $i:tt),+))*) => {$(
        impl<M, $($T),+> FieldList<M> for ($(Column<M, $T>,)+) {
            fn columns(&self) -> Vec<&'static str> {
                vec![$(self.$i.name()),+]
            }
        }
    )*};
}
field_tuples!(
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
);

/// The options of [`QuerySet::bulk_create_with`] (Django's keyword
/// arguments of `bulk_create`), built by chaining:
/// `BulkCreate::new().batch_size(100).ignore_conflicts()`.
pub struct BulkCreate<M> {
    batch_size: Option<usize>,
    ignore_conflicts: bool,
    update_conflicts: bool,
    unique_fields: Vec<&'static str>,
    update_fields: Vec<&'static str>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Default for BulkCreate<M> {
    fn default() -> Self {
        BulkCreate::new()
    }
}

impl<M> std::fmt::Debug for BulkCreate<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkCreate")
            .field("batch_size", &self.batch_size)
            .field("ignore_conflicts", &self.ignore_conflicts)
            .field("update_conflicts", &self.update_conflicts)
            .field("unique_fields", &self.unique_fields)
            .field("update_fields", &self.update_fields)
            .finish()
    }
}

impl<M> BulkCreate<M> {
    /// Django's defaults: batches as large as the parameter limit allows,
    /// a conflict is an integrity error.
    pub fn new() -> Self {
        BulkCreate {
            batch_size: None,
            ignore_conflicts: false,
            update_conflicts: false,
            unique_fields: Vec::new(),
            update_fields: Vec::new(),
            _model: PhantomData,
        }
    }

    /// At most `rows` rows per INSERT (fewer when the parameter limit says
    /// so); 0 is an error when the call runs, as in Django.
    pub fn batch_size(mut self, rows: usize) -> Self {
        self.batch_size = Some(rows);
        self
    }

    /// `ignore_conflicts=True`: `INSERT OR IGNORE`, rows conflicting with a
    /// unique constraint are skipped, and no primary key is read back.
    pub fn ignore_conflicts(mut self) -> Self {
        self.ignore_conflicts = true;
        self
    }

    /// `update_conflicts=True, unique_fields=..., update_fields=...`: an
    /// upsert; a conflict on `unique` (the pk is `Model::ID`) updates the
    /// `update` fields of the existing row instead.
    pub fn update_conflicts(mut self, unique: impl FieldList<M>, update: impl FieldList<M>) -> Self {
        self.update_conflicts = true;
        self.unique_fields = unique.columns();
        self.update_fields = update.columns();
        self
    }
}

/// Binds one field of an instance in the database's storage zone (see
/// [`crate::field::bind_in_zone`]).
struct Bound<'a>(&'a dyn Field, Option<Tz>);

impl ToSql for Bound<'_> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        crate::field::bind_in_zone(self.0, self.1)
    }
}

fn misuse(message: impl Into<String>) -> Error {
    Error::Misuse(message.into())
}

/// Django's `_prepare_related_fields_for_save(operation_name=...)`: a
/// relation still pointing at an unsaved object refuses the operation
/// (`only`: the struct field indexes to check; all when `None`).
fn check_related_saved<M: Model>(instance: &M, operation: &str, only: Option<&[usize]>) -> Result<()> {
    for (index, field, held) in &instance.state().unsaved_related {
        if only.is_some_and(|only| !only.contains(index)) {
            continue;
        }
        if instance.field(*index).is_some_and(|f| f.stored() == *held) {
            return Err(misuse(format!(
                "{operation}() prohibited to prevent data loss due to unsaved related object '{field}'."
            )));
        }
    }
    Ok(())
}

/// The `column = value` lookups ANDed in `nodes` (`IS NULL` as NULL).
fn exact_lookups(nodes: &[Node], out: &mut Vec<(&'static str, Value)>) {
    for node in nodes {
        match node {
            Node::Cmp { column, op: CmpOp::Exact, value, .. } => out.push((column, value.clone())),
            Node::IsNull { column, isnull: true } => out.push((column, Value::Null)),
            Node::And(children) => exact_lookups(children, out),
            _ => {}
        }
    }
}

/// The struct field index of `M` whose column is `column` (the child's
/// own column first for a multi-table-inheritance child).
fn field_index<M: Model>(column: &str) -> Option<usize> {
    let fields = M::meta().fields();
    (0..fields.len()).rev().find(|&i| fields[i].column == column)
}

/// The struct field index of the column `column` and the table holding
/// it, searched through the inheritance chain, child first.
fn column_field<M: Model>(column: &str) -> Result<(&'static ModelMeta, usize)> {
    let meta = M::meta();
    meta.lineage()
        .find_map(|table| table.column_index(column).map(|i| (table, table.own_offset() + i)))
        .ok_or_else(|| misuse(format!("{} has no column named '{column}'", meta.name)))
}

/// Set stored values on `instance`, by column.
fn set_columns<M: Model>(instance: &mut M, values: Vec<(&'static str, Value)>) -> Result<()> {
    for (column, value) in values {
        let Some(field) = field_index::<M>(column).and_then(|i| instance.field_mut(i)) else {
            continue;
        };
        // `isnull(true)` on a field that cannot hold NULL sets nothing.
        if value == Value::Null && !field.nullable() {
            continue;
        }
        field.set_stored(value)?;
    }
    Ok(())
}

/// The plain values of `assignments` (Django's `defaults`), by column.
fn assigned_values<M>(assignments: &[Assignment<M>], operation: &str) -> Result<Vec<(&'static str, Value)>> {
    assignments
        .iter()
        .map(|a| match a.expr() {
            Expr::Value { value, .. } => Ok((a.column(), value.clone())),
            Expr::Invalid(message) => Err(misuse(message.clone())),
            _ => Err(misuse(format!(
                "{operation}() defaults are values (`Column::set`); `{}` is set to an expression: \
                 run QuerySet::update() for expressions computed by the database",
                a.column()
            ))),
        })
        .collect()
}

impl<M: Model> QuerySet<M> {
    /// Django's `get_or_create()`: the one row matching this queryset
    /// (`Ok((row, false))`), else a new instance, built by `build`, with
    /// the filter's exact lookups set on it, inserted (`Ok((new, true))`).
    ///
    /// As Django: the get runs first (outside any transaction); the
    /// INSERT (`save(force_insert=True)`, signals sent) runs in its own
    /// transaction (a savepoint inside an open one), `build` called
    /// inside it; when the INSERT fails with an integrity error (a row
    /// inserted by another connection since the get), the get runs again
    /// and its row is returned, or, when there is still none, the
    /// integrity error. [`Error::MultipleObjectsReturned`] when more than
    /// one row matches.
    pub fn get_or_create(&self, db: &Database, build: impl FnOnce() -> M) -> Result<(M, bool)> {
        self.get_or_create_setting(db, &[], build)
    }

    /// `get_or_create` whose created instance also takes `create_values`
    /// over the lookups (Django's `defaults` winning over the keyword
    /// arguments).
    fn get_or_create_setting(
        &self,
        db: &Database,
        create_values: &[Assignment<M>],
        build: impl FnOnce() -> M,
    ) -> Result<(M, bool)> {
        match self.get(db) {
            Ok(found) => return Ok((found, false)),
            Err(Error::DoesNotExist { .. }) => {}
            Err(err) => return Err(err),
        }
        let mut lookups = Vec::new();
        exact_lookups(self.conditions(), &mut lookups);
        let create_values = assigned_values(create_values, "update_or_create")?;
        let created = db.transaction(|db| {
            let mut instance = build();
            set_columns(&mut instance, lookups)?;
            set_columns(&mut instance, create_values)?;
            instance.save_with(db, SaveOptions::force_insert())?;
            Ok(instance)
        });
        match created {
            Ok(instance) => Ok((instance, true)),
            Err(err @ Error::Integrity(_)) => match self.get(db) {
                Ok(found) => Ok((found, false)),
                Err(Error::DoesNotExist { .. }) => Err(err),
                Err(other) => Err(other),
            },
            Err(err) => Err(err),
        }
    }

    /// Django's `update_or_create(defaults=...)`: in one transaction, the
    /// row matching this queryset gets the `defaults` values and is saved
    /// with `update_fields` (the defaults' fields plus the `auto_now` /
    /// `auto_now_add` fields, as Django 5.x), `Ok((row, false))`; when no
    /// row matches, the instance `build` returns takes the filter's exact
    /// lookups and then `defaults`, and is inserted as by
    /// [`QuerySet::get_or_create`] (with its retry), `Ok((new, true))`.
    pub fn update_or_create(
        &self,
        db: &Database,
        defaults: &[Assignment<M>],
        build: impl FnOnce() -> M,
    ) -> Result<(M, bool)> {
        self.update_or_create_with(db, defaults, defaults, build)
    }

    /// Django 5.0's `update_or_create(defaults=..., create_defaults=...)`:
    /// as [`QuerySet::update_or_create`], but a created instance takes
    /// `create_defaults` instead of `defaults`.
    pub fn update_or_create_with(
        &self,
        db: &Database,
        defaults: &[Assignment<M>],
        create_defaults: &[Assignment<M>],
        build: impl FnOnce() -> M,
    ) -> Result<(M, bool)> {
        let updates = assigned_values(defaults, "update_or_create")?;
        // SQLite has no SELECT ... FOR UPDATE: the transaction is the lock.
        db.transaction(|db| {
            let (mut instance, created) = self.get_or_create_setting(db, create_defaults, build)?;
            if created {
                return Ok((instance, true));
            }
            let meta = M::meta();
            let mut update_fields: Vec<&'static str> = Vec::new();
            for &(column, _) in &updates {
                if let Some(index) = field_index::<M>(column) {
                    update_fields.push(meta.fields()[index].field);
                }
            }
            // Django adds the fields whose pre_save does something (its
            // "backward compatibility" with auto_now fields).
            for column in meta.columns.iter().filter(|c| c.auto_now != AutoNow::Never && !c.primary_key) {
                if !update_fields.contains(&column.field) {
                    update_fields.push(column.field);
                }
            }
            set_columns(&mut instance, updates)?;
            instance.save_with(db, SaveOptions::update_fields(&update_fields))?;
            Ok((instance, false))
        })
    }

    /// Django's `bulk_create(objs)`: insert every instance with one
    /// multi-row INSERT per batch, in one transaction, and fill in their
    /// auto primary keys (read back with `RETURNING`, as Django on SQLite
    /// 3.35+). See [`QuerySet::bulk_create_with`].
    pub fn bulk_create(&self, db: &Database, objs: &mut [M]) -> Result<()> {
        self.bulk_create_with(db, objs, BulkCreate::new())
    }

    /// Django's `bulk_create(objs, batch_size, ignore_conflicts,
    /// update_conflicts, update_fields, unique_fields)`.
    ///
    /// As Django: no signal is sent and `save()` is not called; `auto_now`
    /// and `auto_now_add` fields are set on the instances (the INSERT's
    /// `pre_save`); the instances with a primary key are inserted first,
    /// then those without (whose auto key is left out and read back); a
    /// batch holds at most 999 parameters (500 rows of a single column),
    /// fewer with `batch_size`; a relation pointing at an unsaved instance
    /// refuses the whole call before any SQL ("bulk_create() prohibited to
    /// prevent data loss due to unsaved related object 'blog'."), and so
    /// does a multi-table-inheritance child ("Can't bulk create a
    /// multi-table inherited model"). With `ignore_conflicts` no key is
    /// read back, and the instances without one stay "adding" (as Django);
    /// otherwise the instances are no longer "adding" afterwards.
    pub fn bulk_create_with(&self, db: &Database, objs: &mut [M], options: BulkCreate<M>) -> Result<()> {
        let meta = M::meta();
        if options.batch_size == Some(0) {
            return Err(misuse("Batch size must be a positive integer."));
        }
        if meta.parent.is_some() {
            return Err(misuse("Can't bulk create a multi-table inherited model"));
        }
        if objs.is_empty() {
            return Ok(());
        }
        let (unique, update) = conflict_columns::<M>(meta, &options)?;
        let on_conflict = if options.ignore_conflicts {
            OnConflict::Ignore
        } else if options.update_conflicts {
            OnConflict::Update { unique: &unique, update: &update }
        } else {
            OnConflict::Fail
        };
        for instance in objs.iter() {
            check_related_saved(instance, "bulk_create", None)?;
        }
        if meta.has_pre_save {
            let now = db.now();
            for instance in objs.iter_mut() {
                crate::model::pre_save(instance, true, None, &now);
            }
        }
        let (with_pk, without_pk): (Vec<usize>, Vec<usize>) =
            (0..objs.len()).partition(|&i| crate::model::pk_value(&objs[i]).is_some());
        db.transaction(|db| {
            insert_batches(db, objs, &with_pk, true, on_conflict, options.batch_size)?;
            insert_batches(db, objs, &without_pk, false, on_conflict, options.batch_size)
        })?;
        // Django marks an instance without a pk saved only when its row
        // came back (`RETURNING`): with `ignore_conflicts` they stay "adding".
        let marked = if options.ignore_conflicts { with_pk } else { (0..objs.len()).collect() };
        for index in marked {
            let instance = &mut objs[index];
            instance.state_mut().adding = false;
            crate::snapshot::remember_saved(db, instance, None);
        }
        Ok(())
    }

    /// Django's `bulk_update(objs, fields)`: write `fields` (a column
    /// constant or a tuple of them: `(Author::NAME, Author::BORN)`) of
    /// every instance, one `UPDATE ... SET f = CASE WHEN pk = ... THEN ...
    /// END WHERE pk IN (...)` per batch and table, in one transaction;
    /// returns the number of rows matched. See
    /// [`QuerySet::bulk_update_with`].
    pub fn bulk_update(&self, db: &Database, objs: &[M], fields: impl FieldList<M>) -> Result<usize> {
        self.bulk_update_with(db, objs, fields, None)
    }

    /// Django's `bulk_update(objs, fields, batch_size)`.
    ///
    /// As Django: no signal, no `auto_now`; a batch holds at most 999
    /// parameters counting the pk twice per row and field
    /// (`999 / (2 + fields)` rows); Django's errors before any SQL: a
    /// `batch_size` of 0, an instance without a pk, a primary key among
    /// `fields`, and a relation among `fields` pointing at an unsaved
    /// instance. A multi-table-inheritance child writes each field in the
    /// table holding it, and counts the rows of its own table (else the
    /// first ancestor's), as Django's `update()`.
    pub fn bulk_update_with(
        &self,
        db: &Database,
        objs: &[M],
        fields: impl FieldList<M>,
        batch_size: Option<usize>,
    ) -> Result<usize> {
        let meta = M::meta();
        let fields = fields.columns();
        if batch_size == Some(0) {
            return Err(misuse("Batch size must be a positive integer."));
        }
        if fields.is_empty() {
            return Err(misuse("Field names must be given to bulk_update()."));
        }
        if objs.iter().any(|o| crate::model::pk_value(o).is_none()) {
            return Err(misuse("All bulk_update() objects must have a primary key set."));
        }
        let mut resolved: Vec<(&'static ModelMeta, usize)> = Vec::with_capacity(fields.len());
        for column in &fields {
            let (table, index) = column_field::<M>(column)?;
            if meta.key_fields().contains(&index) {
                return Err(misuse("bulk_update() cannot be used with primary key fields."));
            }
            resolved.push((table, index));
        }
        if objs.is_empty() {
            return Ok(0);
        }
        let indexes: Vec<usize> = resolved.iter().map(|&(_, i)| i).collect();
        for instance in objs {
            check_related_saved(instance, "bulk_update", Some(&indexes))?;
        }
        let max = (MAX_QUERY_PARAMS / (2 + fields.len())).max(1);
        let per_batch = batch_size.map_or(max, |b| b.min(max));
        db.transaction(|db| {
            let mut rows_updated = 0;
            for chunk in objs.chunks(per_batch) {
                let mut matched = None;
                for table in meta.lineage() {
                    let mine: Vec<usize> =
                        resolved.iter().filter(|(t, _)| std::ptr::eq(*t, table)).map(|&(_, i)| i).collect();
                    if mine.is_empty() {
                        continue;
                    }
                    let pk = table.own_offset() + table.pk;
                    let fields = meta.fields();
                    let columns: Vec<&str> = mine.iter().map(|&i| fields[i].column).collect();
                    // Django's `requires_casted_case_in_updates` (PostgreSQL):
                    // the CASE of untyped parameters is text there, so each
                    // is cast to its column's type.
                    let casts: Vec<&str> = match db.backend() {
                        crate::backend::Backend::PostgreSql => mine.iter().map(|&i| fields[i].postgresql_type).collect(),
                        crate::backend::Backend::Sqlite => Vec::new(),
                    };
                    let sql =
                        crate::sql::bulk::bulk_update(table.table, table.pk_column().column, &columns, &casts, chunk.len());
                    let count = db.with_sql(&sql, |stmt| {
                        let mut param = 1;
                        let mut bind = |instance: &M, index: usize| -> Result<()> {
                            let field = instance.field(index).ok_or(rusqlite::Error::InvalidColumnIndex(index))?;
                            stmt.raw_bind_parameter(param, Bound(field, db.storage_zone()))?;
                            param += 1;
                            Ok(())
                        };
                        for &index in &mine {
                            for instance in chunk {
                                bind(instance, pk)?;
                                bind(instance, index)?;
                            }
                        }
                        for instance in chunk {
                            bind(instance, pk)?;
                        }
                        stmt.raw_execute()
                    })?;
                    matched.get_or_insert(count);
                }
                rows_updated += matched.unwrap_or(0);
            }
            Ok(rows_updated)
        })
    }
}

/// The columns of `update_conflicts` (unique, updated), checked with
/// Django's `_check_bulk_create_options` errors.
fn conflict_columns<M>(
    meta: &'static ModelMeta,
    options: &BulkCreate<M>,
) -> Result<(Vec<&'static str>, Vec<&'static str>)> {
    if options.ignore_conflicts && options.update_conflicts {
        return Err(misuse("ignore_conflicts and update_conflicts are mutually exclusive."));
    }
    if !options.update_conflicts {
        return Ok((Vec::new(), Vec::new()));
    }
    for column in options.unique_fields.iter().chain(&options.update_fields) {
        if meta.column_index(column).is_none() {
            return Err(misuse(format!("{} has no column named '{column}'", meta.name)));
        }
    }
    if options.update_fields.contains(&meta.pk_column().column) {
        return Err(misuse("bulk_create() cannot be used with primary keys in update_fields."));
    }
    Ok((options.unique_fields.clone(), options.update_fields.clone()))
}

/// Django's `_batched_insert` of the instances `which` of `objs`: those
/// with a pk (`with_pk`, every column written) or those without (an auto
/// pk left out and read back).
fn insert_batches<M: Model>(
    db: &Database,
    objs: &mut [M],
    which: &[usize],
    with_pk: bool,
    on_conflict: OnConflict<'_>,
    batch_size: Option<usize>,
) -> Result<()> {
    if which.is_empty() {
        return Ok(());
    }
    let meta = M::meta();
    let leaves_pk_out = !with_pk && meta.pk_column().auto;
    let mut columns: Vec<usize> = (0..meta.columns.len()).filter(|&i| !(leaves_pk_out && i == meta.pk)).collect();
    let reads_pk = leaves_pk_out && !matches!(on_conflict, OnConflict::Ignore);
    if columns.is_empty() {
        // A table of only an auto pk: each row inserts a NULL key.
        columns.push(meta.pk);
    }
    let names: Vec<&str> = columns.iter().map(|&i| meta.columns[i].column).collect();
    let max = match columns.len() {
        1 => ROWS_PER_SINGLE_COLUMN_INSERT,
        n => (MAX_QUERY_PARAMS / n).max(1),
    };
    let per_batch = batch_size.map_or(max, |b| b.min(max));
    // Django's `db_returning_fields`: the auto pk, then the db_default columns.
    let db_defaults: Vec<usize> = (0..meta.columns.len()).filter(|&i| meta.columns[i].db_default.is_some()).collect();
    let mut returning: Vec<&str> = Vec::new();
    if !matches!(on_conflict, OnConflict::Ignore) {
        if reads_pk {
            returning.push(meta.pk_column().column);
        }
        returning.extend(db_defaults.iter().map(|&i| meta.columns[i].column));
    }
    for chunk in which.chunks(per_batch) {
        let unset_default = |row: usize, column: usize| {
            let index = columns[column];
            meta.columns[index]
                .db_default_on(db.backend())
                .filter(|_| crate::model::column_stored(&objs[chunk[row]], index) == Value::Null)
        };
        let sql = crate::sql::bulk::bulk_insert(meta.table, &names, chunk.len(), unset_default, on_conflict, &returning);
        let returned = db.with_sql(&sql, |stmt| {
            let mut param = 1;
            for (row, &obj) in chunk.iter().enumerate() {
                for (position, &index) in columns.iter().enumerate() {
                    if unset_default(row, position).is_some() {
                        continue;
                    }
                    let field = crate::model::column(&objs[obj], index).ok_or(rusqlite::Error::InvalidColumnIndex(index))?;
                    stmt.raw_bind_parameter(param, Bound(field, db.storage_zone()))?;
                    param += 1;
                }
            }
            let mut rows = stmt.raw_query();
            let mut returned = Vec::new();
            // Read every row: a deferred constraint fails only at the end.
            while let Some(row) = rows.next()? {
                let mut values = Vec::with_capacity(returning.len());
                for i in 0..returning.len() {
                    values.push(row.get_value(i)?);
                }
                returned.push(values);
            }
            Ok(returned)
        })?;
        let offset = meta.own_offset();
        for (&obj, values) in chunk.iter().zip(returned) {
            let mut values = values.into_iter();
            if reads_pk {
                crate::model::set_pk_value(&mut objs[obj], values.next())?;
            }
            for (&index, value) in db_defaults.iter().zip(values) {
                if let Some(field) = objs[obj].field_mut(offset + index) {
                    field.set_stored(value)?;
                }
            }
        }
    }
    Ok(())
}
