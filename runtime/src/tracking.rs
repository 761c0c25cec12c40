//! Dirty tracking, `diff`, `reset` and the staged-edit proxy.
//!
//! Every instance loaded or saved keeps the values its row then had (a
//! snapshot in its [`ModelState`](crate::ModelState)); comparing the fields
//! with it tells what changed. A save inside a transaction that rolls back
//! puts the previous snapshot back, so the fields stay dirty, as the row
//! did not change.

use std::ops::{Deref, DerefMut};

use rusqlite::types::Value;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::snapshot::stored;
use crate::model::pk_value;
use crate::related::ManyRelated;
use crate::save::{save, SaveOptions};

/// One field that differs: its value in the first instance and in the second.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Value,
    pub new: Value,
}

/// A many-to-many set that differs: the target pks only the second has
/// (`added`) and only the first has (`removed`).
#[derive(Debug, Clone, PartialEq)]
pub struct RelationChange {
    pub field: &'static str,
    pub added: Vec<Value>,
    pub removed: Vec<Value>,
}

/// The difference between two instances of one model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub fields: Vec<FieldChange>,
    pub relations: Vec<RelationChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.relations.is_empty()
    }

    /// The names of the fields that differ.
    pub fn field_names(&self) -> Vec<&'static str> {
        self.fields.iter().map(|c| c.field).collect()
    }

    /// The change of `field`, if it differs.
    pub fn field(&self, field: &str) -> Option<&FieldChange> {
        self.fields.iter().find(|c| c.field == field)
    }
}

/// Field by field, what differs from `old` to `new` (stored values compared).
pub fn diff<M: Model>(old: &M, new: &M) -> Diff {
    let (a, b) = (crate::model::field_values(old), crate::model::field_values(new));
    let fields = M::meta().field_names()
        .iter()
        .zip(a.into_iter().zip(b))
        .filter(|(_, (a, b))| a != b)
        .map(|(field, (old, new))| FieldChange { field, old, new })
        .collect();
    Diff { fields, relations: Vec::new() }
}

/// [`diff`], plus every many-to-many set of the model (as stored for each
/// instance) as added/removed targets. Unsaved instances have empty sets.
pub fn diff_with_relations<M: Model>(db: &Database, old: &M, new: &M) -> Result<Diff> {
    let mut out = diff(old, new);
    let (old_pk, new_pk) = (pk_value(old), pk_value(new));
    for table in M::meta().lineage() {
        for m2m in table.many_to_many {
            let linked = |pk: &Option<Value>| -> Result<Vec<Value>> {
                match pk {
                    Some(pk) => crate::rows::linked_targets(db, m2m, pk),
                    None => Ok(Vec::new()),
                }
            };
            let (a, b) = (linked(&old_pk)?, linked(&new_pk)?);
            out.push_relation(m2m.field, &a, &b);
        }
    }
    Ok(out)
}

impl Diff {
    fn push_relation(&mut self, field: &'static str, before: &[Value], after: &[Value]) {
        let added: Vec<Value> = after.iter().filter(|v| !before.contains(v)).cloned().collect();
        let removed: Vec<Value> = before.iter().filter(|v| !after.contains(v)).cloned().collect();
        if !added.is_empty() || !removed.is_empty() {
            self.relations.push(RelationChange { field, added, removed });
        }
    }
}

/// The fields changed since the instance was last loaded or saved; every
/// field for an instance that never was (unsaved), or that a handle with
/// tracking off loaded. The primary key and inheritance links are not
/// fields that change: see [`save_dirty`].
pub fn dirty_fields<M: Model>(instance: &M) -> Vec<&'static str> {
    match stored(instance).as_ref().and_then(|s| s.downcast_ref::<M>()) {
        Some(stored) if !instance.state().adding => {
            let (before, now) = (crate::model::field_values(stored), crate::model::field_values(instance));
            M::meta().field_names()
                .iter()
                .enumerate()
                .filter(|(i, _)| !M::meta().key_fields().contains(i))
                .filter(|(i, _)| before.get(*i) != now.get(*i))
                .map(|(_, f)| *f)
                .collect()
        }
        _ => M::meta().field_names().to_vec(),
    }
}

/// Whether a key field (pk or inheritance link) differs from the snapshot.
fn key_changed<M: Model>(instance: &M, stored: &M) -> bool {
    let (before, now) = (crate::model::field_values(stored), crate::model::field_values(instance));
    M::meta().key_fields().iter().any(|&i| before.get(i) != now.get(i))
}

/// Save only the changed fields (an UPDATE of those columns, plus the
/// auto_now fields a full save would refresh); nothing at all when nothing
/// changed. An unsaved instance, an untracked one, or one whose primary key
/// changed gets a full save (Django's rules decide INSERT or UPDATE).
pub fn save_dirty<M: Model>(db: &Database, instance: &mut M) -> Result<()> {
    let snapshot = stored(instance);
    let clean_keys = snapshot.as_ref().and_then(|s| s.downcast_ref::<M>()).is_some_and(|s| !key_changed(instance, s));
    if instance.state().adding || !clean_keys {
        return save(db, instance, SaveOptions::default());
    }
    let mut fields = dirty_fields(instance);
    if fields.is_empty() {
        return Ok(());
    }
    add_auto_now_fields::<M>(&mut fields);
    save(db, instance, SaveOptions::update_fields(&fields))
}

/// Add the auto_now fields to a save's `update_fields`: a save of only the
/// changed fields refreshes them, as a full save would.
fn add_auto_now_fields<M: Model>(fields: &mut Vec<&'static str>) {
    for name in M::meta().auto_now_fields().iter().filter_map(|&i| M::meta().field_names().get(i)) {
        if !fields.contains(name) {
            fields.push(name);
        }
    }
}

/// Put back the values of the last load or save. An instance that was never
/// loaded or saved (or not tracked) has nothing to go back to: [`Error::Misuse`].
pub fn reset<M: Model>(instance: &mut M) -> Result<()> {
    let snapshot = stored(instance).filter(|_| !instance.state().adding);
    match snapshot.as_ref().and_then(|s| s.downcast_ref::<M>()) {
        Some(stored) => {
            let state = std::mem::take(instance.state_mut());
            *instance = stored.clone();
            *instance.state_mut() = state;
            Ok(())
        }
        None => Err(Error::Misuse(format!("Cannot reset an unsaved {} instance: it has no stored values.", M::meta().name))),
    }
}

/// Dirty tracking, `diff`, `reset` and staged edits, for every model
/// (`use modelgen_runtime::Tracking`, or the prelude).
pub trait Tracking: Model {
    /// The fields changed since the last load or save (every field when unsaved).
    fn dirty_fields(&self) -> Vec<&'static str> {
        dirty_fields(self)
    }

    /// Whether any field changed since the last load or save.
    fn is_dirty(&self) -> bool {
        !dirty_fields(self).is_empty()
    }

    /// Save only the changed fields (and auto_now ones); nothing when nothing changed.
    fn save_dirty(&mut self, db: &Database) -> Result<()> {
        save_dirty(db, self)
    }

    /// Put back the values of the last load or save.
    fn reset(&mut self) -> Result<()> {
        reset(self)
    }

    /// Field by field, what differs from `self` to `other`.
    fn diff(&self, other: &Self) -> Diff {
        diff(self, other)
    }

    /// [`Tracking::diff`], plus every many-to-many set as stored, as
    /// added/removed target pks.
    fn diff_with_relations(&self, db: &Database, other: &Self) -> Result<Diff> {
        diff_with_relations(db, self, other)
    }

    /// A staged-edit proxy of this stored object.
    fn stage(&self) -> Result<Staged<Self>> {
        Staged::new(self.clone())
    }
}

impl<M: Model> Tracking for M {}

/// A staged edit of a stored object: edit the proxy (it derefs to a copy
/// of the object), look at the [`diff`](Staged::diff), [`reset`](Staged::reset)
/// it, or [`push`](Staged::push) the changes to the original in one
/// transaction (only the changed columns, staged many-to-many sets
/// included); [`clear`](Staged::clear) drops the proxy and gives back the
/// original untouched.
pub struct Staged<M: Model> {
    original: M,
    edited: M,
    sets: Vec<StagedSet>,
}

struct StagedSet {
    field: &'static str,
    set: Box<dyn LinkSet>,
    targets: Vec<Value>,
}

/// A many-to-many set as the proxy uses it, whatever its target model.
trait LinkSet {
    fn linked(&self, db: &Database) -> Result<Vec<Value>>;
    fn replace(&self, db: &Database, targets: &[Value]) -> Result<()>;
}

impl<S: Model, T: Model> LinkSet for ManyRelated<S, T> {
    fn linked(&self, db: &Database) -> Result<Vec<Value>> {
        ManyRelated::linked(self, db)
    }
    fn replace(&self, db: &Database, targets: &[Value]) -> Result<()> {
        self.set_values(db, targets)
    }
}

impl<M: Model> Staged<M> {
    /// Stage edits of `original`, which must be stored.
    pub fn new(original: M) -> Result<Self> {
        if original.state().adding || pk_value(&original).is_none() {
            return Err(Error::Misuse(format!("Cannot stage edits of an unsaved {} instance.", M::meta().name)));
        }
        let edited = original.clone();
        Ok(Staged { original, edited, sets: Vec::new() })
    }

    /// The object as it was when staged (or last pushed).
    pub fn original(&self) -> &M {
        &self.original
    }

    /// Stage a many-to-many set of the object: `push` makes `targets` the
    /// linked rows. `set` is the object's accessor (`staged.original().authors()`).
    pub fn stage_set<T: Model>(&mut self, set: ManyRelated<M, T>, targets: &[&T]) -> Result<()> {
        let pks = set.target_pks(targets)?;
        let (through, source, target) = set.through();
        let field = M::meta()
            .lineage()
            .flat_map(|t| t.many_to_many.iter())
            .find(|m| m.through_table == through && m.source_column == source && m.target_column == target)
            .map_or(through, |m| m.field);
        self.sets.retain(|s| s.field != field);
        self.sets.push(StagedSet { field, set: Box::new(set), targets: pks });
        Ok(())
    }

    /// What `push` would change: the fields edited, and the staged sets
    /// against the stored ones.
    pub fn diff(&self, db: &Database) -> Result<Diff> {
        let mut out = diff(&self.original, &self.edited);
        for set in &self.sets {
            let stored = set.set.linked(db)?;
            out.push_relation(set.field, &stored, &set.targets);
        }
        Ok(out)
    }

    /// Whether anything is staged.
    pub fn is_changed(&self) -> bool {
        !self.sets.is_empty() || !diff(&self.original, &self.edited).fields.is_empty()
    }

    /// Drop every staged edit: the proxy shows the original again.
    pub fn reset(&mut self) {
        self.edited = self.original.clone();
        self.sets.clear();
    }

    /// Write the staged edits in one transaction: an UPDATE of the changed
    /// columns (and of the auto_now fields, refreshed as a save would), then
    /// the staged sets. On success the original is the edited object; on
    /// error nothing is written and the proxy keeps its edits.
    pub fn push(&mut self, db: &Database) -> Result<()> {
        let changed: Vec<&'static str> = diff(&self.original, &self.edited)
            .fields
            .into_iter()
            .map(|c| c.field)
            .filter(|f| M::meta().field_names().iter().position(|n| n == f).is_some_and(|i| !M::meta().key_fields().contains(&i)))
            .collect();
        if M::meta().key_fields().iter().any(|&i| {
            let (a, b) = (crate::model::field_values(&self.original), crate::model::field_values(&self.edited));
            a.get(i) != b.get(i)
        }) {
            return Err(Error::Misuse("A staged edit cannot change the primary key.".into()));
        }
        let mut edited = self.edited.clone();
        db.transaction(|db| {
            if !changed.is_empty() {
                let mut fields = changed.clone();
                add_auto_now_fields::<M>(&mut fields);
                save(db, &mut edited, SaveOptions::update_fields(&fields))?;
            }
            for set in &self.sets {
                set.set.replace(db, &set.targets)?;
            }
            Ok(())
        })?;
        self.original = edited.clone();
        self.edited = edited;
        self.sets.clear();
        Ok(())
    }

    /// Drop the proxy and its edits; the original, untouched.
    pub fn clear(self) -> M {
        self.original
    }
}

impl<M: Model> Deref for Staged<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.edited
    }
}

impl<M: Model> DerefMut for Staged<M> {
    fn deref_mut(&mut self) -> &mut M {
        &mut self.edited
    }
}
