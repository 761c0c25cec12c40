//! Snapshots for dirty tracking: an instance loaded or saved through a
//! handle that tracks changes keeps a copy of itself as stored (see
//! [`crate::tracking`] for what is built on them).

use std::sync::Arc;

use crate::db::Database;
use crate::model::{Model, Snapshot};

/// The instance as of its last load or save, when the handle tracked it.
pub(crate) fn stored<M: Model>(instance: &M) -> Option<Snapshot> {
    instance.state().snapshot().filter(|s| s.is::<M>())
}

/// A copy of `instance` with an empty state: what a snapshot holds. The
/// state is set aside while cloning, so the clone does not copy it.
fn stored_copy<M: Model>(instance: &mut M) -> M {
    let state = std::mem::take(instance.state_mut());
    let copy = instance.clone();
    *instance.state_mut() = state;
    copy
}

/// After a load: the instance is stored (not "adding"), and when the
/// handle tracks changes, remembered as it is.
pub(crate) fn mark_loaded<M: Model>(db: &Database, instance: &mut M) {
    instance.state_mut().adding = false;
    if db.tracks_changes() && !M::meta().field_names().is_empty() {
        let copy = stored_copy(instance);
        instance.state_mut().set_snapshot(Arc::new(copy));
    }
}

/// After a save: the written fields are the stored values now. With
/// `update_fields`, only those fields of the snapshot change. Inside a
/// transaction the previous snapshot is kept for a rollback.
pub(crate) fn remember_saved<M: Model>(db: &Database, instance: &mut M, update_fields: Option<&[&str]>) {
    if !db.tracks_changes() || M::meta().field_names().is_empty() {
        return;
    }
    let previous = update_fields.and_then(|_| stored(instance));
    let merged = match (update_fields, previous) {
        (Some(names), Some(previous)) => previous.downcast_ref::<M>().and_then(|previous| {
            let mut values = crate::model::field_values(previous);
            for ((slot, value), &name) in
                values.iter_mut().zip(crate::model::field_values(instance)).zip(M::meta().field_names())
            {
                let is_attname = |n: &&str| n.strip_suffix("_id") == Some(name);
                if names.iter().any(|n| *n == name || is_attname(n)) {
                    *slot = value;
                }
            }
            let mut merged = previous.clone();
            crate::model::set_field_values(&mut merged, &values).ok().map(|()| merged)
        }),
        _ => None,
    };
    let snapshot = merged.unwrap_or_else(|| stored_copy(instance));
    let (cell, previous) = instance.state_mut().replace_snapshot(Some(Arc::new(snapshot)));
    db.record_snapshot_undo(cell, previous);
}
