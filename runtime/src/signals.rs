//! Django's model signals: `pre_save`, `post_save`, `pre_delete`,
//! `post_delete`, connected at run time to one [`Database`] handle, per model,
//! and called in the order connected.
//!
//! ```ignore
//! db.connect::<Entry>(Signal::PostSave, |event: &SignalEvent<Entry>| {
//!     if event.created { println!("new entry {}", event.instance.headline); }
//!     Ok(())
//! });
//! ```

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use crate::db::Database;
use crate::error::Result;
use crate::model::{Model, ModelMeta};

/// The four model signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Sent at the start of a save, before any pre-processing or SQL.
    PreSave,
    /// Sent at the end of a save; `created` tells whether it inserted.
    PostSave,
    /// Sent by the delete collector for every row it deletes, before any
    /// SQL of the delete.
    PreDelete,
    /// Sent by the delete collector for every row it deleted, after the
    /// rows of that model were deleted (inside the delete's transaction).
    PostDelete,
}

/// What a receiver is given.
#[non_exhaustive]
pub struct SignalEvent<'a, M> {
    /// The handle the signal was sent on: receivers may query, save and
    /// connect further receivers through it.
    pub db: &'a Database,
    pub signal: Signal,
    pub instance: &'a M,
    /// `post_save` only: whether the save inserted a row.
    pub created: bool,
    /// The `update_fields` of the save (`pre_save`/`post_save`), as given.
    pub update_fields: Option<&'a [&'a str]>,
}

/// Identifies one connected receiver, for [`Database::disconnect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReceiverId(u64);

pub(crate) type ErasedReceiver =
    Arc<dyn Fn(&Database, Signal, &dyn Any, bool, Option<&[&str]>) -> Result<()> + Send + Sync>;

type ReceiverList = Arc<Vec<(ReceiverId, ErasedReceiver)>>;

/// The receivers connected to one database handle, keyed by model table.
/// A fork-level receiver, type-erased: (db, source root, new root, map).
/// Its typed form (`ForkEvent`, `ForkMap`) belongs to [`crate::copy`],
/// which connects and sends it through [`Database::connect_forked_erased`]
/// and [`send_forked_erased`].
pub(crate) type ErasedForkReceiver = Arc<dyn Fn(&Database, &dyn Any, &dyn Any, &dyn Any) -> Result<()> + Send + Sync>;

type ForkReceiverList = Arc<Vec<(ReceiverId, ErasedForkReceiver)>>;

#[derive(Default)]
pub(crate) struct SignalRegistry {
    forked: RefCell<HashMap<&'static str, ForkReceiverList>>,
    receivers: RefCell<HashMap<(&'static str, Signal), ReceiverList>>,
    next_id: Cell<u64>,
    /// Whether any receiver was ever connected: the common case of no
    /// receivers costs one load per signal.
    any: Cell<bool>,
}

impl SignalRegistry {
    pub(crate) fn connect(&self, meta: &'static ModelMeta, signal: Signal, receiver: ErasedReceiver) -> ReceiverId {
        let id = ReceiverId(self.next_id.get());
        self.next_id.set(id.0 + 1);
        let mut map = self.receivers.borrow_mut();
        let list = map.entry((meta.table, signal)).or_default();
        // Copy on write: a send in progress keeps its snapshot.
        Arc::make_mut(list).push((id, receiver));
        self.any.set(true);
        id
    }

    pub(crate) fn disconnect(&self, id: ReceiverId) -> bool {
        for list in self.forked.borrow_mut().values_mut() {
            if let Some(pos) = list.iter().position(|(rid, _)| *rid == id) {
                Arc::make_mut(list).remove(pos);
                return true;
            }
        }
        let mut map = self.receivers.borrow_mut();
        for list in map.values_mut() {
            if let Some(pos) = list.iter().position(|(rid, _)| *rid == id) {
                Arc::make_mut(list).remove(pos);
                return true;
            }
        }
        false
    }

    pub(crate) fn has_receivers(&self, table: &str, signal: Signal) -> bool {
        if !self.any.get() {
            return false;
        }
        self.receivers.borrow().get(&(table, signal)).is_some_and(|l| !l.is_empty())
    }

    fn snapshot(&self, table: &'static str, signal: Signal) -> Option<ReceiverList> {
        if !self.any.get() {
            return None;
        }
        let map = self.receivers.borrow();
        map.get(&(table, signal)).filter(|l| !l.is_empty()).cloned()
    }
}

impl Database {
    /// Connect `receiver` to `signal` for model `M`. Receivers of one model
    /// and signal are called in the order connected; an error returned by a
    /// receiver stops the operation and is returned by it (as an exception
    /// raised by a Django receiver propagates).
    pub fn connect<M: Model>(
        &self,
        signal: Signal,
        receiver: impl Fn(&SignalEvent<'_, M>) -> Result<()> + Send + Sync + 'static,
    ) -> ReceiverId {
        let erased: ErasedReceiver = Arc::new(
            move |db: &Database, signal: Signal, instance: &dyn Any, created: bool, update_fields: Option<&[&str]>| {
                match instance.downcast_ref::<M>() {
                    Some(instance) => receiver(&SignalEvent { db, signal, instance, created, update_fields }),
                    None => Ok(()),
                }
            },
        );
        self.signals.connect(M::meta(), signal, erased)
    }

    /// Disconnect a receiver; whether it was connected.
    pub fn disconnect(&self, id: ReceiverId) -> bool {
        self.signals.disconnect(id)
    }

    /// Connect a type-erased fork-level receiver of the model of `table`
    /// (see `Database::connect_forked`).
    pub(crate) fn connect_forked_erased(&self, table: &'static str, erased: ErasedForkReceiver) -> ReceiverId {
        let id = ReceiverId(self.signals.next_id.get());
        self.signals.next_id.set(id.0 + 1);
        let mut map = self.signals.forked.borrow_mut();
        Arc::make_mut(map.entry(table).or_default()).push((id, erased));
        id
    }

    /// Whether any receiver is connected to `signal` for the model of `meta`.
    pub fn has_receivers(&self, meta: &ModelMeta, signal: Signal) -> bool {
        self.signals.has_receivers(meta.table, signal)
    }
}

/// Send `signal` for `instance` to the receivers of its model.
#[inline]
pub(crate) fn send<M: Model>(
    db: &Database,
    signal: Signal,
    instance: &M,
    created: bool,
    update_fields: Option<&[&str]>,
) -> Result<()> {
    if !db.signals.any.get() {
        return Ok(());
    }
    send_erased(db, M::meta(), signal, instance, created, update_fields)
}

/// Send `signal` for a type-erased instance of the model of `meta`.
pub(crate) fn send_erased(
    db: &Database,
    meta: &'static ModelMeta,
    signal: Signal,
    instance: &dyn Any,
    created: bool,
    update_fields: Option<&[&str]>,
) -> Result<()> {
    // The list is cloned (an Arc) and the borrow released before calling, so
    // a receiver may connect or disconnect receivers, or save and delete.
    let Some(list) = db.signals.snapshot(meta.table, signal) else {
        return Ok(());
    };
    for (_, receiver) in list.iter() {
        receiver(db, signal, instance, created, update_fields)?;
    }
    Ok(())
}

/// Send the fork-level signal of the model of `table`.
pub(crate) fn send_forked_erased(
    db: &Database,
    table: &'static str,
    source: &dyn Any,
    copy: &dyn Any,
    map: &dyn Any,
) -> Result<()> {
    let list = db.signals.forked.borrow().get(table).cloned();
    if let Some(list) = list {
        for (_, receiver) in list.iter() {
            receiver(db, source, copy, map)?;
        }
    }
    Ok(())
}
