//! Related-object accessors generated code calls: a ForeignKey's target, a
//! reverse ForeignKey's set, a many-to-many set, and
//! `get_next_by_<field>()` / `get_previous_by_<field>()`.

use std::marker::PhantomData;

use rusqlite::types::Value;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::model::{pk_value, Model};
use crate::query::{Assignment, Column, Condition, Order, QuerySet};
use crate::key::Key;
use crate::sql::query::CmpOp;
use crate::value::{from_value, try_to_value, try_to_value_in, DbValue};

/// The value a relation pointing at `target_column` of `T`'s table stores
/// for `target`: its pk, or for a relation with `to_field` that field's
/// value. An unsaved target gives `Value::Null`, as Django checks its pk.
pub(crate) fn referenced_value<T: Model>(target: &T, target_column: &str) -> Result<Value> {
    let Some(pk) = pk_value(target) else { return Ok(Value::Null) };
    let meta = T::meta();
    if meta.pk_column().column == target_column {
        return Ok(pk);
    }
    match meta.fields().iter().position(|c| c.column == target_column) {
        Some(index) => Ok(target.field(index).map_or(Value::Null, |f| f.stored())),
        None => Ok(pk),
    }
}

/// The column referenced by the ForeignKey / OneToOneField of `S` (declared
/// on `S` or an ancestor) whose column matches `is_relation`.
fn referenced_column<S: Model>(is_relation: impl Fn(&crate::model::ColumnMeta) -> bool) -> Option<&'static str> {
    S::meta()
        .lineage()
        .flat_map(|meta| meta.relations.iter().map(move |r| (meta, r)))
        .find(|(meta, r)| meta.columns.get(r.column).is_some_and(&is_relation))
        .map(|(_, r)| r.target_column)
}

/// The row of `M` whose `column` holds `value` (a ForeignKey's target):
/// [`Error::DoesNotExist`] when there is none.
pub fn get_by_column<M: Model, V: DbValue>(db: &Database, column: &'static str, value: V) -> Result<M> {
    let value = try_to_value(&value)?;
    QuerySet::<M>::get_by_stored(db, column, value)
}

/// Point the ForeignKey / OneToOneField `field` of `source` at `target`
/// (`None`: NULL), as Django's `entry.blog = blog`. An unsaved target is
/// accepted, as in Django: the key becomes NULL (a non-null key keeps its
/// value) and the next `save()` of `source` fails with Django's "save()
/// prohibited to prevent data loss due to unsaved related object 'blog'."
/// unless the key was set again in between.
pub fn assign_related<S: Model, T: Model>(source: &mut S, field: &'static str, target: Option<&T>) -> Result<()> {
    let index = S::meta()
        .field_names()
        .iter()
        .position(|name| *name == field)
        .ok_or_else(|| Error::Misuse(format!("{} has no field named '{field}'", S::meta().name)))?;
    source.state_mut().unsaved_related.retain(|(i, _, _)| *i != index);
    let referenced = referenced_column::<S>(|c| c.field == field).unwrap_or(T::meta().pk_column().column);
    let pk = target.map(|t| referenced_value(t, referenced)).transpose()?;
    let slot = source
        .field_mut(index)
        .ok_or_else(|| Error::Misuse(format!("{} has no field named '{field}'", S::meta().name)))?;
    match pk {
        Some(Value::Null) => {
            if slot.nullable() {
                slot.set_stored(Value::Null)?;
            }
            let held = slot.stored();
            source.state_mut().unsaved_related.push((index, field, held));
        }
        Some(pk) => slot.set_stored(pk)?,
        None => slot.set_stored(Value::Null)?,
    }
    Ok(())
}

/// The rows of `M` whose ForeignKey `column` points at `source` (Django's
/// reverse manager, `blog.entry_set`). An unsaved `source` is an error, as
/// in Django.
pub fn reverse_set<S: Model, M: Model, T>(source: &S, column: Column<M, T>) -> Result<QuerySet<M>> {
    ReverseRelated::new(source, column).query()
}

/// The reverse side of a ForeignKey (Django's related manager,
/// `blog.entry_set`): the rows of `M` whose ForeignKey column points at the
/// source, and Django's `add`, `create`, `remove`, `clear` and `set`.
/// `remove` and `clear` exist only for a nullable ForeignKey, as in Django
/// (elsewhere they are an error). It holds the source's pk as it was when
/// the manager was made; an unsaved source is an error on use.
pub struct ReverseRelated<S, M> {
    source_pk: Value,
    /// The ForeignKey's column on `M` (or on one of its ancestors' tables).
    column: &'static str,
    _marker: PhantomData<fn() -> (S, M)>,
}

impl<S: Model, M: Model> ReverseRelated<S, M> {
    pub fn new<T>(source: &S, column: Column<M, T>) -> Self {
        // With `to_field`, the rows hold the source's value of that field.
        let referenced = referenced_column::<M>(|c| c.column == column.name()).unwrap_or(S::meta().pk_column().column);
        let source_pk = referenced_value(source, referenced).unwrap_or(Value::Null);
        ReverseRelated { source_pk, column: column.name(), _marker: PhantomData }
    }

    fn source_pk(&self) -> Result<Value> {
        if self.source_pk == Value::Null {
            return Err(Error::Misuse(format!(
                "'{}' instance needs to have a primary key value before this relationship can be used.",
                S::meta().name
            )));
        }
        Ok(self.source_pk.clone())
    }

    /// Index into `M::meta().fields()` of the ForeignKey column.
    fn field_index(&self) -> Result<usize> {
        M::meta()
            .fields()
            .iter()
            .position(|c| c.column == self.column)
            .ok_or_else(|| Error::Misuse(format!("`{}` is not a column of {}", self.column, M::meta().name)))
    }

    fn nullable(&self, method: &str) -> Result<usize> {
        let index = self.field_index()?;
        if !M::meta().fields()[index].null {
            return Err(Error::Misuse(format!(
                "{method}() needs the ForeignKey `{}.{}` to be nullable (`null: true` in the schema): it sets the key to NULL",
                M::meta().name,
                M::meta().fields()[index].field
            )));
        }
        Ok(index)
    }

    /// The related rows as a query, in `M`'s default ordering.
    pub fn query(&self) -> Result<QuerySet<M>> {
        let pk = self.source_pk()?;
        Ok(QuerySet::new().filter(Condition::column_value(self.column, pk)))
    }

    /// The related rows.
    pub fn all(&self, db: &Database) -> Result<Vec<M>> {
        self.query()?.all(db)
    }

    pub fn count(&self, db: &Database) -> Result<usize> {
        self.query()?.count(db)
    }

}

/// The writing half: its errors show the rows (`<Entry: headline>`), as Django's do.
impl<S: Model, M: Model + std::fmt::Display> ReverseRelated<S, M> {
    /// Point `objs` (saved rows) at the source with one UPDATE, and their
    /// in-memory ForeignKey too (Django's `add()` with `bulk=True`: no
    /// signals).
    pub fn add(&self, db: &Database, objs: &mut [&mut M]) -> Result<()> {
        let source = self.source_pk()?;
        let index = self.field_index()?;
        let pks = saved_pks(objs)?;
        if !pks.is_empty() {
            QuerySet::<M>::new()
                .filter(Condition::pk_in(pks))
                .update(db, &[Assignment::column_to(self.column, source.clone())])?;
        }
        set_field(objs, index, &source)
    }

    /// Django's `create()`: `obj` with its ForeignKey pointing at the
    /// source, saved (an INSERT, with its signals). Returns it saved.
    pub fn create(&self, db: &Database, mut obj: M) -> Result<M> {
        let source = self.source_pk()?;
        let index = self.field_index()?;
        set_field(&mut [&mut obj], index, &source)?;
        crate::save(db, &mut obj, crate::SaveOptions::default())?;
        Ok(obj)
    }

    /// Unlink `objs` (set their ForeignKey to NULL, one UPDATE); each must
    /// be related to the source, else Django's `DoesNotExist` of the
    /// source's model ("<obj> is not related to <source>."). Nullable
    /// ForeignKeys only.
    pub fn remove(&self, db: &Database, objs: &mut [&mut M]) -> Result<()> {
        let source = self.source_pk()?;
        let index = self.nullable("remove")?;
        for obj in objs.iter() {
            if obj.field(index).map(|f| f.stored()) != Some(source.clone()) {
                return Err(Error::DoesNotExist { model: S::meta().name });
            }
        }
        let pks = saved_pks(objs)?;
        if !pks.is_empty() {
            QuerySet::<M>::new()
                .filter(Condition::pk_in(pks).and(Condition::column_value(self.column, source)))
                .update(db, &[Assignment::column_to(self.column, Value::Null)])?;
        }
        set_field(objs, index, &Value::Null)
    }

    /// Unlink every related row (one UPDATE setting the ForeignKey to
    /// NULL); returns how many. Nullable ForeignKeys only.
    pub fn clear(&self, db: &Database) -> Result<usize> {
        self.nullable("clear")?;
        self.query()?.update(db, &[Assignment::column_to(self.column, Value::Null)])
    }

    /// Make `objs` the related rows (Django's `set()`): for a nullable
    /// ForeignKey the others are unlinked first; otherwise `objs` are
    /// added and the others stay, as in Django.
    pub fn set(&self, db: &Database, objs: &mut [&mut M]) -> Result<()> {
        let source = self.source_pk()?;
        let index = self.field_index()?;
        db.transaction(|db| {
            if M::meta().fields()[index].null {
                let keep = saved_pks(objs)?;
                let mut stale = self.query()?.filter(Condition::column_value(self.column, source.clone()));
                if !keep.is_empty() {
                    stale = stale.filter(!Condition::pk_in(keep));
                }
                stale.update(db, &[Assignment::column_to(self.column, Value::Null)])?;
            }
            self.add(db, objs)
        })
    }
}

/// The pks of saved instances; Django refuses an unsaved one in a bulk
/// related update.
fn saved_pks<M: Model + std::fmt::Display>(objs: &[&mut M]) -> Result<Vec<Value>> {
    objs.iter()
        .map(|obj| {
            pk_value(&**obj).ok_or_else(|| {
                Error::Misuse(format!(
                    "<{}: {}> instance isn't saved. Save it first (or use create(), which saves and links a new row).",
                    M::meta().name,
                    obj
                ))
            })
        })
        .collect()
}

/// Set field `index` of every instance to `value`.
fn set_field<M: Model>(objs: &mut [&mut M], index: usize, value: &Value) -> Result<()> {
    for obj in objs.iter_mut() {
        if let Some(field) = obj.field_mut(index) {
            field.set_stored(value.clone())?;
        }
    }
    Ok(())
}

/// Django's `_get_next_or_previous_by_FIELD`: the first row strictly after
/// (or before) `instance` by (`column`, pk), within `filter`;
/// [`Error::DoesNotExist`] at the end.
pub fn next_or_previous<M: Model, T: DbValue>(
    db: &Database,
    instance: &M,
    column: Column<M, T>,
    value: &T,
    is_next: bool,
    filter: Option<Condition<M>>,
) -> Result<M> {
    // Django tests `not self.pk`: a pk of 0 is refused too.
    let Some(pk) = pk_value(instance).filter(|pk| *pk != Value::Integer(0)) else {
        return Err(Error::Misuse("get_next/get_previous cannot be used on unsaved objects.".into()));
    };
    let value = try_to_value(value)?;
    let pk_column = M::meta().pk_column().column;
    let after = |column: &'static str, value: Value, instant: bool| {
        Condition::column_cmp(column, if is_next { CmpOp::Gt } else { CmpOp::Lt }, value, instant)
    };
    let order = |o: Order<M>| if is_next { o } else { o.reversed() };
    let instant = T::is_instant();
    let q = Condition::column_cmp(column.name(), CmpOp::Exact, value.clone(), instant)
        .and(after(pk_column, pk, M::meta().pk_column().holds_instant()))
        .or(after(column.name(), value, instant));
    let mut qs = QuerySet::<M>::new();
    if let Some(filter) = filter {
        qs = qs.filter(filter);
    }
    qs.filter(q)
        .order_by([order(column.asc()), order(Order::pk())])
        .first(db)?
        .ok_or(Error::DoesNotExist { model: M::meta().name })
}

/// The other columns of a new through row and their stored values, by
/// column: what a generated accessor passes to
/// [`ManyRelated::through_defaults`], called at each `add()`.
pub type ThroughDefaults = fn() -> Vec<(&'static str, Value)>;

/// A many-to-many set of `source` (`entry.authors`): the rows of `T` linked
/// to `source` through the join table. It holds the source's pk as it was
/// when the set was made.
pub struct ManyRelated<S, T> {
    /// The source's pk, read when the set was made (`Null` when unsaved).
    source_pk: Value,
    through_table: &'static str,
    source_column: &'static str,
    target_column: &'static str,
    /// A symmetrical many-to-many to `self` (Django's default for one):
    /// every link is stored in both directions.
    symmetrical: bool,
    /// The other columns of a custom through model and their values,
    /// computed at each `add()` as Django creates the through row (field
    /// defaults, callable ones called; now for auto_now / auto_now_add).
    through_defaults: Option<ThroughDefaults>,
    _marker: PhantomData<fn() -> (S, T)>,
}

impl<S: Model, T: Model> ManyRelated<S, T> {
    pub fn new(
        source: &S,
        through_table: &'static str,
        source_column: &'static str,
        target_column: &'static str,
    ) -> Self {
        let source_pk = pk_value(source).unwrap_or(Value::Null);
        ManyRelated {
            source_pk,
            through_table,
            source_column,
            target_column,
            symmetrical: false,
            through_defaults: None,
            _marker: PhantomData,
        }
    }

    /// Make this a symmetrical relation: `add` links both ways, `remove`
    /// and `clear` unlink both ways, as Django's related manager does for a
    /// `symmetrical` many-to-many to `self`.
    pub fn symmetrical(mut self) -> Self {
        self.symmetrical = true;
        self
    }

    /// The values `add()` writes into a custom through model's other
    /// columns, computed for each `add()`.
    pub fn through_defaults(mut self, defaults: ThroughDefaults) -> Self {
        self.through_defaults = Some(defaults);
        self
    }

    /// The source's pk; Django refuses an unsaved source.
    fn source_pk(&self) -> Result<Value> {
        let pk = self.source_pk.clone();
        if pk == Value::Null {
            let meta = S::meta();
            return Err(Error::Misuse(format!(
                "\"{}\" needs to have a value for field \"{}\" before this many-to-many relationship can be used.",
                meta.name,
                meta.pk_column().field
            )));
        }
        Ok(pk)
    }

    pub(crate) fn target_pks(&self, targets: &[&T]) -> Result<Vec<Value>> {
        let meta = T::meta();
        let mut out = Vec::with_capacity(targets.len());
        for target in targets {
            let Some(pk) = pk_value(*target) else {
                return Err(Error::Misuse(format!(
                    "Cannot add \"{}\": the value for field \"{}\" is None",
                    meta.name,
                    meta.pk_column().field
                )));
            };
            if !out.contains(&pk) {
                out.push(pk);
            }
        }
        Ok(out)
    }

    /// The keys of the linked rows, one per through row: a target linked
    /// by two through rows is listed twice, and a through row whose target
    /// is NULL (possible with a custom through model) links nothing, as
    /// Django's join sees them.
    pub fn pks(&self, db: &Database) -> Result<Vec<Key<T>>> {
        self.linked(db)?.into_iter().map(|pk| from_value(pk).map(Key::new)).collect()
    }

    /// [`ManyRelated::pks`] as stored values.
    pub(crate) fn linked(&self, db: &Database) -> Result<Vec<Value>> {
        let pk = self.source_pk()?;
        db.with_sql(&crate::sql::linked(self.through_table, self.source_column, self.target_column), |stmt| {
            let mut rows = stmt.query([&pk])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                match row.get_value(0)? {
                    Value::Null => {}
                    target => out.push(target),
                }
            }
            Ok(out)
        })
    }

    /// The linked rows, in `T`'s default ordering; a row linked by two
    /// through rows comes twice, as from Django's join.
    pub fn all(&self, db: &Database) -> Result<Vec<T>> {
        let pks = self.linked(db)?;
        let rows = QuerySet::<T>::new().filter(Condition::pk_in(pks.clone())).all(db)?;
        if rows.len() == pks.len() {
            return Ok(rows);
        }
        let mut out = Vec::with_capacity(pks.len());
        for row in rows {
            let pk = pk_value(&row).unwrap_or(Value::Null);
            for _ in 1..pks.iter().filter(|p| **p == pk).count() {
                out.push(row.clone());
            }
            out.push(row);
        }
        Ok(out)
    }

    /// A query on the linked rows (their pks are read now).
    pub fn query(&self, db: &Database) -> Result<QuerySet<T>> {
        Ok(QuerySet::new().filter(Condition::pk_in(self.linked(db)?)))
    }

    pub fn count(&self, db: &Database) -> Result<usize> {
        Ok(self.linked(db)?.len())
    }

    /// Link `targets` (already linked ones are left as they are).
    pub fn add(&self, db: &Database, targets: &[&T]) -> Result<()> {
        let wanted = self.target_pks(targets)?;
        self.add_rows(db, &wanted, &[])
    }

    /// `add()` with Django's `through_defaults`: values for the extra
    /// columns of a custom through model's new rows, by column, over the
    /// field defaults.
    pub fn add_with(&self, db: &Database, targets: &[&T], through_defaults: &[(&str, &dyn DbValue)]) -> Result<()> {
        let wanted = self.target_pks(targets)?;
        let overrides: Vec<(&str, Value)> =
            through_defaults.iter().map(|(c, v)| Ok((*c, try_to_value_in(*v, db.storage_zone())?))).collect::<Result<_>>()?;
        self.add_rows(db, &wanted, &overrides)
    }

    /// Django's `create()` on a related set: save `target` (an INSERT, or
    /// whatever its save does) and link it, in one transaction. Returns
    /// the saved target.
    pub fn create(&self, db: &Database, mut target: T) -> Result<T> {
        self.source_pk()?;
        db.transaction(|db| {
            crate::save(db, &mut target, crate::SaveOptions::default())?;
            self.add(db, &[&target])?;
            Ok(target)
        })
    }

    /// The join table and its two columns (source side, target side).
    pub fn through(&self) -> (&'static str, &'static str, &'static str) {
        (self.through_table, self.source_column, self.target_column)
    }

    /// Link the rows whose keys are `wanted` (already linked ones are left
    /// as they are), without loading them.
    pub fn add_pks(&self, db: &Database, wanted: &[Key<T>]) -> Result<()> {
        self.add_rows(db, &key_values(wanted)?, &[])
    }

    /// Link the rows whose pks are `wanted`, the through rows' extra
    /// columns from `overrides` or else the field defaults.
    fn add_rows(&self, db: &Database, wanted: &[Value], overrides: &[(&str, Value)]) -> Result<()> {
        let source = self.source_pk()?;
        let mut values = self.through_defaults.map(|defaults| defaults()).unwrap_or_default();
        for (column, value) in overrides {
            match values.iter_mut().find(|(c, _)| c == column) {
                Some((_, default)) => *default = value.clone(),
                None => {
                    return Err(Error::Misuse(format!(
                        "`{column}` is not a column of the through table `{}` other than its two foreign keys",
                        self.through_table
                    )))
                }
            }
        }
        db.transaction(|db| {
            let extra: Vec<&str> = values.iter().map(|(column, _)| *column).collect();
            let sql = crate::sql::insert_link(self.through_table, self.source_column, self.target_column, &extra);
            let defaults: Vec<Value> = values.iter().map(|(_, value)| value.clone()).collect();
            let row = |from: &Value, to: &Value| std::iter::once(from.clone()).chain(std::iter::once(to.clone())).chain(defaults.iter().cloned());
            let existing = self.linked(db)?;
            db.with_sql(&sql, |insert| {
                for pk in wanted.iter().filter(|pk| !existing.contains(pk)) {
                    insert.execute(crate::backend::params_from_iter(row(&source, pk)))?;
                }
                if self.symmetrical {
                    // The mirror rows, (target, source), each unless present.
                    let linked = crate::sql::link_exists(self.through_table, self.source_column, self.target_column);
                    db.with_sql(&linked, |exists| {
                        for pk in wanted {
                            if !exists.exists([pk, &source])? {
                                insert.execute(crate::backend::params_from_iter(row(pk, &source)))?;
                            }
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })
        })
    }

    /// Unlink `targets`.
    pub fn remove(&self, db: &Database, targets: &[&T]) -> Result<usize> {
        let source = self.source_pk()?;
        let pks = self.target_pks(targets)?;
        self.delete_links(db, &source, Some(&pks))
    }

    /// Unlink every row.
    pub fn clear(&self, db: &Database) -> Result<usize> {
        let source = self.source_pk()?;
        self.delete_links(db, &source, None)
    }

    /// Make `targets` the linked rows: unlink the others, link the new ones.
    pub fn set(&self, db: &Database, targets: &[&T]) -> Result<()> {
        let wanted = self.target_pks(targets)?;
        self.set_values(db, &wanted)
    }

    /// Make the rows whose keys are `wanted` the linked rows, without
    /// loading them.
    pub fn set_pks(&self, db: &Database, wanted: &[Key<T>]) -> Result<()> {
        self.set_values(db, &key_values(wanted)?)
    }

    /// [`ManyRelated::set_pks`] with stored values.
    pub(crate) fn set_values(&self, db: &Database, wanted: &[Value]) -> Result<()> {
        let source = self.source_pk()?;
        db.transaction(|db| {
            let stale: Vec<Value> = self.linked(db)?.into_iter().filter(|pk| !wanted.contains(pk)).collect();
            if !stale.is_empty() {
                self.delete_links(db, &source, Some(&stale))?;
            }
            self.add_rows(db, wanted, &[])
        })
    }

    fn delete_links(&self, db: &Database, source: &Value, targets: Option<&[Value]>) -> Result<usize> {
        if targets.is_some_and(|t| t.is_empty()) {
            return Ok(0);
        }
        // `source = ? [AND target IN (...)]`, and for a symmetrical relation
        // the mirror rows too: `OR (target = ? [AND source IN (...)])`.
        let directions: &[(&str, &str)] = if self.symmetrical {
            &[(self.source_column, self.target_column), (self.target_column, self.source_column)]
        } else {
            &[(self.source_column, self.target_column)]
        };
        let sql = crate::sql::delete_links(self.through_table, directions, source, targets);
        db.execute_sql(&sql)
    }
}

/// The stored values of `keys`, each once (Django's related manager links
/// a target once however often it is given).
fn key_values<T: Model>(keys: &[Key<T>]) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let value = try_to_value(key)?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}
