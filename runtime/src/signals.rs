//! Django's model signals: `pre_save`, `post_save`, `pre_delete`,
//! `post_delete`, connected at run time to one [`Database`] handle, per model
//! or for every model (Django's `connect` without `sender`), and called in
//! the order connected.
//!
//! ```ignore
//! db.connect::<Entry>(Signal::PostSave, |event: &SignalEvent<Entry>| {
//!     if event.created { println!("new entry {}", event.instance.headline); }
//!     Ok(())
//! });
//! db.connect_all(Signal::PostDelete, |event: &AnySignalEvent| {
//!     println!("deleted {} {:?}", event.meta.label(), event.pk());
//!     Ok(())
//! });
//! ```

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::types::Value;

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

/// What a receiver connected to every model ([`Database::connect_all`])
/// is given: the model the signal was sent for (Django's `sender`) and the
/// instance, type-erased.
#[non_exhaustive]
pub struct AnySignalEvent<'a> {
    /// The handle the signal was sent on.
    pub db: &'a Database,
    pub signal: Signal,
    /// The instance's model (Django's `sender`): `meta.app`, `meta.name`,
    /// `meta.table`.
    pub meta: &'static ModelMeta,
    /// The instance, as `Any`: [`AnySignalEvent::instance`] downcasts it.
    pub instance: &'a dyn Any,
    /// `post_save` only: whether the save inserted a row.
    pub created: bool,
    /// The `update_fields` of the save (`pre_save`/`post_save`), as given.
    pub update_fields: Option<&'a [&'a str]>,
}

impl<'a> AnySignalEvent<'a> {
    /// The instance as a `M`, when the signal is about a `M`.
    pub fn instance<M: Model>(&self) -> Option<&'a M> {
        self.instance.downcast_ref::<M>()
    }

    /// The instance's primary key as stored (`Null` before an auto key
    /// is assigned, e.g. in the `pre_save` of an insert).
    pub fn pk(&self) -> Value {
        (self.meta.pk_erased)(self.instance)
    }
}

/// Identifies one connected receiver, for [`Database::disconnect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReceiverId(u64);

pub(crate) type ErasedReceiver =
    Arc<dyn Fn(&Database, Signal, &'static ModelMeta, &dyn Any, bool, Option<&[&str]>) -> Result<()> + Send + Sync>;

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
    /// The receivers of every model, by signal.
    for_all: RefCell<HashMap<Signal, ReceiverList>>,
    next_id: Cell<u64>,
    /// Whether any receiver was ever connected: the common case of no
    /// receivers costs one load per signal.
    any: Cell<bool>,
}

impl SignalRegistry {
    /// Connect `receiver` for the model of `meta`, or for every model.
    /// Ids grow with each connection, so they order the receivers.
    pub(crate) fn connect(
        &self,
        meta: Option<&'static ModelMeta>,
        signal: Signal,
        receiver: ErasedReceiver,
    ) -> ReceiverId {
        let id = ReceiverId(self.next_id.get());
        self.next_id.set(id.0 + 1);
        let (mut by_model, mut for_all) = (self.receivers.borrow_mut(), self.for_all.borrow_mut());
        let list = match meta {
            Some(meta) => by_model.entry((meta.table, signal)).or_default(),
            None => for_all.entry(signal).or_default(),
        };
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
        let (mut by_model, mut for_all) = (self.receivers.borrow_mut(), self.for_all.borrow_mut());
        for list in by_model.values_mut().chain(for_all.values_mut()) {
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
            || self.for_all.borrow().get(&signal).is_some_and(|l| !l.is_empty())
    }

    /// The receivers of `signal` for the model of `table` and for every
    /// model, in connection order (Django calls its receivers in the order
    /// connected, whatever their sender filter).
    fn snapshot(&self, table: &'static str, signal: Signal) -> Option<ReceiverList> {
        if !self.any.get() {
            return None;
        }
        let own = self.receivers.borrow().get(&(table, signal)).filter(|l| !l.is_empty()).cloned();
        let all = self.for_all.borrow().get(&signal).filter(|l| !l.is_empty()).cloned();
        match (own, all) {
            (None, None) => None,
            (Some(list), None) | (None, Some(list)) => Some(list),
            (Some(own), Some(all)) => {
                let mut merged: Vec<(ReceiverId, ErasedReceiver)> = own.iter().chain(all.iter()).cloned().collect();
                merged.sort_by_key(|(id, _)| id.0);
                Some(Arc::new(merged))
            }
        }
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
            move |db: &Database,
                  signal: Signal,
                  _: &'static ModelMeta,
                  instance: &dyn Any,
                  created: bool,
                  update_fields: Option<&[&str]>| {
                match instance.downcast_ref::<M>() {
                    Some(instance) => receiver(&SignalEvent { db, signal, instance, created, update_fields }),
                    None => Ok(()),
                }
            },
        );
        self.signals.connect(Some(M::meta()), signal, erased)
    }

    /// Connect `receiver` to `signal` for every model, as Django's
    /// `post_save.connect(receiver)` without a `sender`. It is called in
    /// connection order among the per-model receivers; the event names the
    /// model (`event.meta`) and gives the instance as `Any`
    /// (`event.instance::<Entry>()`) and its pk (`event.pk()`).
    pub fn connect_all(
        &self,
        signal: Signal,
        receiver: impl Fn(&AnySignalEvent<'_>) -> Result<()> + Send + Sync + 'static,
    ) -> ReceiverId {
        let erased: ErasedReceiver = Arc::new(
            move |db: &Database,
                  signal: Signal,
                  meta: &'static ModelMeta,
                  instance: &dyn Any,
                  created: bool,
                  update_fields: Option<&[&str]>| {
                receiver(&AnySignalEvent { db, signal, meta, instance, created, update_fields })
            },
        );
        self.signals.connect(None, signal, erased)
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

    /// Whether any receiver is connected to `signal` for the model of
    /// `meta`, or for every model.
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
        receiver(db, signal, meta, instance, created, update_fields)?;
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
