//! Copies of stored objects: Django's "copying model instances" done right.
//!
//! - the pieces of the shallow copy generated `clone_unsaved()` and
//!   `duplicate()` call: " copy N" suffixes ([`suffixed`]) and the saved
//!   copy with its many-to-many sets and custom through rows re-linked
//!   ([`duplicate`]);
//! - bulk copies ([`duplicate_many`]);
//! - `fork()` ([`fork`]): a deep copy along the relations whose `clone:`
//!   policy is `copy`, to any depth. Each source row is copied once (cycles
//!   and shared rows are safe) and every reference between copied rows
//!   points at the copies. The graph is read and built first, then written
//!   at the end in one transaction, batched per table in dependency order.
//!
//! One engine serves them all and works from the [`ModelMeta`] of each
//! model; the SQL it runs is built by the functions of the `sql` module at
//! the end of this file, and nowhere else.

use std::any::Any;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use rusqlite::types::Value;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::model::{AutoNow, CopyPolicy, Model, ModelMeta, RelationCopy, ReverseCopyKind};
use crate::save::load_by_database_pk;
use crate::signals::{self, ReceiverId, Signal};
use crate::tz::{Now, Tz};
use crate::value::{DbValue, PkKey};

use crate::rows::{self as sql, FastMap};

type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/// A value the caller supplies for a column of a copy (a `supplied`
/// policy, or the new primary key of a model whose key is not automatic).
/// Generated code builds these from the typed arguments of its methods.
#[derive(Debug, Clone)]
pub struct Supplied {
    /// The model whose table holds the column (an ancestor's, for an
    /// inherited field).
    pub table: &'static ModelMeta,
    /// Index into `table.columns`.
    pub column: usize,
    /// The value as stored with datetimes in UTC.
    pub value: Value,
    /// Whether the value is an instant (a DateTimeField), whose stored
    /// text depends on the time zone settings.
    pub instant: bool,
}

impl Supplied {
    pub fn new<T: DbValue>(table: &'static ModelMeta, column: usize, value: &T) -> Result<Supplied> {
        Ok(Supplied { table, column, value: crate::value::try_to_value(value)?, instant: T::is_instant() })
    }

    /// The value as a database storing datetimes as wall-clock time in
    /// `zone` (`None`: UTC) holds it.
    fn stored_in(&self, zone: Option<Tz>) -> Value {
        match zone {
            Some(zone) if self.instant => crate::value::instant_text_in(&self.value, zone),
            _ => self.value.clone(),
        }
    }
}

/// The old-to-new primary keys of a fork, per model label
/// (`library.Book`): a multi-table object appears once, under its concrete
/// model; rows of a custom through model appear under it; auto-created
/// many-to-many link rows do not.
#[derive(Debug, Clone, Default)]
pub struct ForkMap {
    models: Vec<ModelKeys>,
    /// The zone the keys are in, as the database holds them (a
    /// DateTimeField key in its zone with `USE_TZ = False`).
    zone: Option<Tz>,
}

#[derive(Debug, Clone)]
struct ModelKeys {
    meta: &'static ModelMeta,
    pairs: Vec<(Value, Value)>,
    index: FastMap<PkKey, usize>,
}

impl ForkMap {
    fn keys_of(&mut self, meta: &'static ModelMeta) -> &mut ModelKeys {
        let position = match self.models.iter().position(|m| std::ptr::eq(m.meta, meta)) {
            Some(p) => p,
            None => {
                self.models.push(ModelKeys { meta, pairs: Vec::new(), index: FastMap::default() });
                self.models.len() - 1
            }
        };
        &mut self.models[position]
    }

    /// Room for `additional` more copies of `meta`, allocated once.
    fn reserve(&mut self, meta: &'static ModelMeta, additional: usize) {
        let keys = self.keys_of(meta);
        keys.pairs.reserve(additional);
        keys.index.reserve(additional);
    }

    fn insert(&mut self, meta: &'static ModelMeta, old: Value, new: Value) {
        let keys = self.keys_of(meta);
        keys.index.insert(PkKey::from(&old), keys.pairs.len());
        keys.pairs.push((old, new));
    }

    /// The new pk of the copy of `M`'s row whose pk is `old`.
    pub fn get<M: Model, T: DbValue>(&self, old: &T) -> Option<T> {
        let old = crate::value::try_to_value_in(old, self.zone).ok()?;
        let new = self.new_pk(M::meta(), &old)?;
        match self.zone {
            Some(zone) => T::from_sql_in(rusqlite::types::ValueRef::from(new), zone).ok(),
            None => crate::value::from_value(new.clone()).ok(),
        }
    }

    /// The new pk of the copy of the row of `meta` whose pk is `old`.
    pub fn new_pk(&self, meta: &ModelMeta, old: &Value) -> Option<&Value> {
        let keys = self.models.iter().find(|m| std::ptr::eq(m.meta, meta))?;
        keys.index.get(&PkKey::from(old)).map(|&i| &keys.pairs[i].1)
    }

    /// Every model with copies, in the order first copied: its label and
    /// its (old pk, new pk) pairs.
    pub fn models(&self) -> impl Iterator<Item = (String, &[(Value, Value)])> {
        self.models.iter().map(|m| (m.meta.label(), m.pairs.as_slice()))
    }

    /// The (old pk, new pk) pairs of one model.
    pub fn pairs(&self, meta: &ModelMeta) -> &[(Value, Value)] {
        self.models.iter().find(|m| std::ptr::eq(m.meta, meta)).map_or(&[], |m| m.pairs.as_slice())
    }

    /// How many objects were copied, over every model.
    pub fn len(&self) -> usize {
        self.models.iter().map(|m| m.pairs.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a fork wrote: the new root (loaded after the commit) and the map
/// from old to new primary keys.
#[derive(Debug, Clone)]
pub struct Fork<M> {
    pub root: M,
    pub map: ForkMap,
}

/// What a fork would write (a dry run), table by table in the order it
/// would write them.
#[derive(Debug, Clone, Default)]
pub struct ForkPlan {
    pub tables: Vec<TablePlan>,
    pub map: ForkMap,
}

#[derive(Debug, Clone)]
pub struct TablePlan {
    pub table: &'static str,
    pub rows: usize,
    /// The INSERT statements, one per batch.
    pub statements: Vec<String>,
}

impl ForkPlan {
    /// Rows over every table.
    pub fn rows(&self) -> usize {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// Statements over every table.
    pub fn statements(&self) -> usize {
        self.tables.iter().map(|t| t.statements.len()).sum()
    }
}

/// What a fork-level receiver gets, after the fork committed.
#[non_exhaustive]
pub struct ForkEvent<'a, M> {
    pub db: &'a Database,
    pub source: &'a M,
    pub copy: &'a M,
    pub map: &'a ForkMap,
}

impl Database {
    /// Connect a receiver of the fork-level signal of `M`: called once per
    /// `fork()` of an `M`, after the fork committed, with the source root,
    /// the new root and the old-to-new map. (`duplicate` and bulk copies do
    /// not send it; the per-row save signals are sent inside the fork's
    /// transaction.) An error from the receiver is returned by `fork()`;
    /// the fork stays committed.
    pub fn connect_forked<M: Model>(
        &self,
        receiver: impl Fn(&ForkEvent<'_, M>) -> Result<()> + Send + Sync + 'static,
    ) -> ReceiverId {
        let erased = move |db: &Database, source: &dyn Any, copy: &dyn Any, map: &dyn Any| {
            match (source.downcast_ref::<M>(), copy.downcast_ref::<M>(), map.downcast_ref::<ForkMap>()) {
                (Some(source), Some(copy), Some(map)) => receiver(&ForkEvent { db, source, copy, map }),
                _ => Ok(()),
            }
        };
        self.connect_forked_erased(M::meta().table, std::sync::Arc::new(erased))
    }
}

// ---------------------------------------------------------------------------
// Shallow copies
// ---------------------------------------------------------------------------

/// The value a `suffix` policy gives column `column` of `table` in a copy
/// of a row holding `source`: a trailing " copy N" of `source` is stripped,
/// and N is the smallest number whose value no stored row holds. The base
/// is cut to fit `max_length` characters; when not even the suffix fits,
/// the copy is an error (before anything is written).
pub fn suffixed(db: &Database, table: &'static ModelMeta, column: usize, source: &str) -> Result<String> {
    Suffixer::default().next(db, table, column, source)
}

/// Generated `duplicate()`: in one transaction, the copy `build` makes (the
/// generated `clone_unsaved`, edited by the caller), saved with
/// `force_insert` (never an overwrite), and its sets re-linked.
pub fn duplicate<M: Model>(db: &Database, source: &M, build: impl FnOnce(&Database) -> Result<M>) -> Result<M> {
    let old = crate::model::pk_in_database(db, source);
    db.transaction(|db| {
        let mut copy = build(db)?;
        crate::save::save(db, &mut copy, crate::SaveOptions::force_insert())?;
        relink(db, old.as_ref(), &copy)?;
        Ok(copy)
    })
}

/// A copy of `source`, not saved, with every `clone:` policy applied but
/// `Supplied` (the caller's values, which generated code assigns): keys
/// cleared (or drawn afresh, a uuid4 pk), `Default` columns fresh, `Clear`
/// columns NULL or `""`, `Suffix` columns given " copy N" (chosen among the
/// stored rows, so this reads the database; it writes nothing).
pub fn clone_unsaved<M: Model>(db: &Database, source: &M, suffixer: &mut Suffixer) -> Result<M> {
    let mut copy = source.clone();
    *copy.state_mut() = crate::ModelState::new_adding();
    let now = db.now();
    let mut index = 0;
    for table in M::meta().lineage().collect::<Vec<_>>().into_iter().rev() {
        for (ci, column) in table.columns.iter().enumerate() {
            let Some(field) = copy.field_mut(index + ci) else { continue };
            let value = match column.copy {
                CopyPolicy::NewKey if field.nullable() => Some(Value::Null),
                CopyPolicy::NewKey => (table.copy_default)(ci, now.instant).map(|v| v.stored()),
                policy => policy_value(db, table, ci, policy, field.nullable(), field.as_text(), &now, None, suffixer)?,
            };
            if let Some(value) = value {
                field.set_stored(value)?;
            }
        }
        index += table.columns.len();
    }
    Ok(copy)
}

/// What a copy puts in column `ci` of `table` under the policies that
/// decide a value from the column alone (`Default`, `Clear`, `Suffix`),
/// shared by `clone_unsaved` and the fork engine; `None` keeps the
/// source's value (and every other policy does).
#[allow(clippy::too_many_arguments)]
fn policy_value(
    db: &Database,
    table: &'static ModelMeta,
    ci: usize,
    policy: CopyPolicy,
    nullable: bool,
    text: Option<&str>,
    now: &Now,
    zone: Option<Tz>,
    suffixer: &mut Suffixer,
) -> Result<Option<Value>> {
    Ok(match policy {
        CopyPolicy::Default => (table.copy_default)(ci, now.instant).map(|mut fresh| {
            // An auto_now date or time is that of TIME_ZONE, which the
            // generated default (the UTC date) does not know.
            if table.columns[ci].auto_now != AutoNow::Never {
                fresh.set_now(now);
            }
            fresh.stored_in(zone)
        }),
        CopyPolicy::Clear if nullable => Some(Value::Null),
        CopyPolicy::Clear => Some(Value::Text(String::new())),
        CopyPolicy::Suffix { .. } => match text {
            Some(text) => Some(Value::Text(suffixer.next(db, table, ci, text)?)),
            None => None,
        },
        CopyPolicy::Keep | CopyPolicy::Supplied | CopyPolicy::Copy | CopyPolicy::NewKey => None,
    })
}

/// Copies of a model whose copies need no value from the caller (no
/// `supplied` field, a key that is automatic or defaulted): generated code
/// declares `impl Duplicate for Model {}`. A model whose copies need
/// values gets the same methods generated with those values as arguments.
pub trait Duplicate: Model {
    /// A copy of this object, not saved (see [`clone_unsaved`]). Many-to-many
    /// sets are re-linked by `duplicate`, not here. `Clone::clone` stays the
    /// plain memory copy.
    fn clone_unsaved(&self, db: &Database) -> Result<Self> {
        clone_unsaved(db, self, &mut Suffixer::default())
    }

    /// `clone_unsaved`, edited by `edit`, saved (always an INSERT), and its
    /// many-to-many sets re-linked (custom through rows copied with their
    /// extra columns), all in one transaction. Returns the saved copy.
    fn duplicate(&self, db: &Database, edit: impl FnOnce(&mut Self)) -> Result<Self> {
        duplicate(db, self, |db| {
            let mut copy = clone_unsaved(db, self, &mut Suffixer::default())?;
            edit(&mut copy);
            Ok(copy)
        })
    }

    /// Bulk copy: `count` copies, each edited by `edit(i, copy)`, saved in
    /// one transaction (batched), " copy N" suffixes distinct within the
    /// batch, sets re-linked as by `duplicate`.
    fn duplicate_many(&self, db: &Database, count: usize, mut edit: impl FnMut(usize, &mut Self)) -> Result<Vec<Self>> {
        let mut suffixer = Suffixer::default();
        let mut built = Vec::with_capacity(count);
        for i in 0..count {
            let mut copy = clone_unsaved(db, self, &mut suffixer)?;
            edit(i, &mut copy);
            built.push(copy);
        }
        duplicate_many(db, self, built)
    }

    /// Deep copy (see docs/cloning.md): this object's stored row and every
    /// row its `copy` policies reach, to any depth, each copied once, with
    /// references between copies pointing at the copies; written at the end
    /// in one transaction. Returns the new root and the old-to-new map.
    fn fork(&self, db: &Database) -> Result<Fork<Self>> {
        fork(db, self, Vec::new())
    }

    /// What `fork` would write (tables, row counts, statements), without writing.
    fn fork_plan(&self, db: &Database) -> Result<ForkPlan> {
        fork_plan(db, self, Vec::new())
    }
}

/// Re-link the many-to-many sets of `copy`, a saved copy of `M`'s row
/// `old` (`None`: an unsaved source, with no links), when the model has
/// any to re-link.
fn relink<M: Model>(db: &Database, old: Option<&Value>, copy: &M) -> Result<()> {
    let meta = M::meta();
    let relinks = meta.lineage().any(|t| t.many_to_many.iter().any(|m| m.copy != RelationCopy::Skip));
    let Some(old) = old.filter(|_| relinks) else { return Ok(()) };
    let new = crate::model::pk_in_database(db, copy).unwrap_or(Value::Null);
    copy_relations::<M>(db, old, &new)
}

/// Re-link the many-to-many sets of a saved copy: the copy `new` of `M`'s
/// row `old` gets the links of `old`, policy `link` or `copy` (a shallow
/// copy never copies targets); rows of a custom through model are copied
/// with their extra columns (fresh keys, auto_now values fresh, the through
/// model's own policies applied); a symmetrical set links both ways.
fn copy_relations<M: Model>(db: &Database, old: &Value, new: &Value) -> Result<()> {
    let meta = M::meta();
    let mut copier = Copier::new(db, false, Vec::new());
    copier.presets.insert(key(meta, old), new.clone());
    copier.preset_objects.push((meta, old.clone()));
    for table in meta.lineage() {
        copier.enqueue_through_rows(table, std::slice::from_ref(old))?;
    }
    copier.discover()?;
    let plan = copier.build()?;
    copier.send_pre_save(&plan)?;
    copier.write(&plan)?;
    copier.send_post_save(&plan)
}

/// An instance built from stored values (every column of the lineage, root
/// table first): what [`ModelMeta::build_erased`] points at. The values go
/// through SQLite (`SELECT ?, ?, ...`) so the conversions are exactly those
/// of a load.
pub fn build_erased<M: Model>(db: &Database, values: &[Value]) -> Result<Box<dyn Any>> {
    let sql = crate::sql::select_values(values.len());
    // PostgreSQL would type every parameter of `SELECT ?, ...` as text: the
    // values, already in the storage form rows are decoded into, are read
    // as a row is.
    let built = (db.backend() == crate::backend::Backend::PostgreSql)
        .then(|| crate::model::read_row::<M>(crate::backend::DbRow::Values(values), 0, db.storage_zone()));
    let mut instance = if let Some(built) = built { built? } else { db.with_sql(&sql, |stmt| {
        let mut rows = stmt.query(crate::backend::params_from_iter(values.iter()))?;
        let row = rows.next()?.ok_or(Error::DoesNotExist { model: M::meta().name })?;
        crate::model::read_row::<M>(row, 0, db.storage_zone())
    })? };
    // Built for a signal, not loaded: no snapshot for dirty tracking.
    instance.state_mut().adding = false;
    Ok(Box::new(instance))
}

/// N copies of `source` saved in one transaction (the bulk copy), each
/// built by the generated `clone_unsaved` and edited by the caller: N
/// distinct rows, suffixes unique within the batch too. A model without
/// multi-table inheritance is written with multi-row INSERTs (save signals
/// are sent for each copy, as its save would send them); a multi-table
/// child is saved copy by copy, each saving its ancestors' rows first.
/// The many-to-many sets of each copy are re-linked as by `duplicate()`.
pub fn duplicate_many<M: Model>(db: &Database, source: &M, mut copies: Vec<M>) -> Result<Vec<M>> {
    let meta = M::meta();
    let old = crate::model::pk_in_database(db, source);
    db.transaction(|db| {
        if M::HAS_PARENTS || meta.columns.get(meta.pk).is_some_and(|c| !c.auto) {
            for copy in copies.iter_mut() {
                crate::save::save(db, copy, crate::SaveOptions::force_insert())?;
            }
        } else {
            insert_batch(db, &mut copies)?;
        }
        for copy in &copies {
            relink(db, old.as_ref(), copy)?;
        }
        Ok(())
    })?;
    Ok(copies)
}

/// Multi-row INSERT of unsaved instances of a model without parents and
/// with an auto pk: keys allocated first, then batched, with the save
/// signals and pre_save processing a save of each would have.
fn insert_batch<M: Model>(db: &Database, copies: &mut [M]) -> Result<()> {
    let meta = M::meta();
    let now = db.now();
    for copy in copies.iter_mut() {
        signals::send(db, Signal::PreSave, &*copy, false, None)?;
        crate::model::pre_save(copy, true, None, &now);
    }
    let first = sql::allocate_keys(db, meta, copies.len())?;
    let mut rows = Vec::with_capacity(copies.len());
    for (i, copy) in copies.iter_mut().enumerate() {
        crate::model::set_pk_value(copy, Some(Value::Integer(first + i as i64)))?;
        let mut row = Vec::with_capacity(meta.columns.len());
        for index in 0..meta.columns.len() {
            row.push(crate::model::column(copy, index).map_or(Value::Null, |f| f.stored_in(db.storage_zone())));
        }
        rows.push(row);
    }
    let columns: Vec<&str> = meta.columns.iter().map(|c| c.column).collect();
    for statement in sql::batched_inserts(meta.table, &columns, &rows) {
        statement.execute(db)?;
    }
    for copy in copies.iter_mut() {
        copy.state_mut().adding = false;
        crate::snapshot::remember_saved(db, copy, None);
        signals::send(db, Signal::PostSave, &*copy, true, None)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Fork
// ---------------------------------------------------------------------------

/// Deep-copy `source` (its stored row and everything its `copy` policies
/// reach) in one transaction; see the module documentation. `supplied`
/// holds the caller's values for the root's `supplied` columns (and its new
/// pk when the pk is not automatic). The fork-level signal is sent after
/// the commit.
pub fn fork<M: Model>(db: &Database, source: &M, supplied: Vec<Supplied>) -> Result<Fork<M>> {
    let meta = M::meta();
    let old = stored_pk(db, source)?;
    let (root, map) = db.transaction(|db| {
        let (copier, plan) = Copier::fork_of(db, meta, &old, supplied)?;
        copier.send_pre_save(&plan)?;
        copier.write(&plan)?;
        copier.send_post_save(&plan)?;
        let new_pk = copier.new_key(meta, &old).ok_or(Error::DoesNotExist { model: meta.name })?;
        // The rows are written: free them before the map is built.
        drop(plan);
        // Read inside the transaction: a read after the COMMIT can fail
        // (another connection's lock) and would report a committed fork
        // as failed.
        let root = load_by_database_pk::<M>(db, &new_pk)?.ok_or(Error::DoesNotExist { model: meta.name })?;
        Ok((root, copier.into_map()))
    })?;
    signals::send_forked_erased(db, M::meta().table, source, &root, &map)?;
    Ok(Fork { root, map })
}

/// What [`fork`] would write, without writing: the tables in write order,
/// their row counts and statements, and the map the fork would return
/// (keys as they would be allocated now).
pub fn fork_plan<M: Model>(db: &Database, source: &M, supplied: Vec<Supplied>) -> Result<ForkPlan> {
    let old = stored_pk(db, source)?;
    db.transaction(|db| {
        let (copier, plan) = Copier::fork_of(db, M::meta(), &old, supplied)?;
        let tables = plan
            .tables
            .iter()
            .map(|t| TablePlan {
                table: t.table,
                rows: t.rows.len(),
                statements: sql::batched_inserts(t.table, &t.columns, &t.rows).map(|s| s.sql).collect(),
            })
            .collect();
        Ok(ForkPlan { tables, map: copier.into_map() })
    })
}

/// The pk of the root of a fork, which must be stored, as the database
/// holds it: the engine works with the keys it reads back.
fn stored_pk<M: Model>(db: &Database, source: &M) -> Result<Value> {
    crate::model::pk_in_database(db, source)
        .ok_or_else(|| Error::Misuse(format!("Cannot fork an unsaved {} instance.", M::meta().name)))
}

/// An object is named by the table of its inheritance root and its pk,
/// which every table of the chain shares.
type ObjectKey = (&'static str, PkKey);

fn key(meta: &'static ModelMeta, pk: &Value) -> ObjectKey {
    (meta.root().table, PkKey::from(pk))
}

/// One object being copied: its rows, one per table of its lineage (child
/// first, as [`ModelMeta::lineage`]).
struct Node {
    meta: &'static ModelMeta,
    old_pk: Value,
    /// The row of the model's own table.
    row: Vec<Value>,
    /// The rows of its ancestors' tables, parent first (empty, and no
    /// allocation, for a model without a concrete parent).
    ancestor_rows: Vec<Vec<Value>>,
    new_pk: Value,
}

impl Node {
    /// The row of the `li`-th table of the lineage (0: the model's own).
    fn row(&self, li: usize) -> &[Value] {
        match li {
            0 => &self.row,
            _ => &self.ancestor_rows[li - 1],
        }
    }
}

/// Pending objects of one model, read together.
struct Group {
    meta: &'static ModelMeta,
    pks: Vec<Value>,
    rows: Vec<Option<Vec<Value>>>,
}

/// The rows to write to one table.
struct TableRows {
    table: &'static str,
    meta: Option<&'static ModelMeta>,
    columns: Vec<&'static str>,
    rows: Vec<Vec<Value>>,
}

struct Plan {
    tables: Vec<TableRows>,
}

struct Copier<'a> {
    db: &'a Database,
    /// Follow `copy` policies (fork); a shallow copy only copies through rows.
    deep: bool,
    supplied: Vec<Supplied>,
    root: Option<ObjectKey>,
    nodes: Vec<Node>,
    by_key: FastMap<ObjectKey, usize>,
    /// Objects copied before the engine ran (the saved copy of `duplicate`).
    presets: FastMap<ObjectKey, Value>,
    /// The objects of `presets`, in order, for the link rows.
    preset_objects: Vec<(&'static ModelMeta, Value)>,
    /// Objects to copy, with their row when it was read with the key (a
    /// single-table model reached by a reverse FK).
    pending: Vec<(&'static ModelMeta, Value, Option<Vec<Value>>)>,
    now: Now,
}

impl<'a> Copier<'a> {
    fn new(db: &'a Database, deep: bool, supplied: Vec<Supplied>) -> Self {
        Copier {
            db,
            deep,
            supplied,
            root: None,
            nodes: Vec::new(),
            by_key: FastMap::default(),
            presets: FastMap::default(),
            preset_objects: Vec::new(),
            pending: Vec::new(),
            now: db.now(),
        }
    }

    /// A fork of the row `old` of `meta`: the graph read and every row to
    /// write built, nothing written yet.
    fn fork_of(db: &'a Database, meta: &'static ModelMeta, old: &Value, supplied: Vec<Supplied>) -> Result<(Self, Plan)> {
        let mut copier = Copier::new(db, true, supplied);
        copier.root = Some(key(meta, old));
        copier.pending.push((meta, old.clone(), None));
        copier.discover()?;
        let plan = copier.build()?;
        Ok((copier, plan))
    }

    fn new_key(&self, target: &'static ModelMeta, old: &Value) -> Option<Value> {
        let k = key(target, old);
        if !self.presets.is_empty() {
            if let Some(v) = self.presets.get(&k) {
                return Some(v.clone());
            }
        }
        self.by_key.get(&k).map(|&i| self.nodes[i].new_pk.clone())
    }

    /// Read every pending object, batch by batch and model by model, and
    /// follow its relations until nothing new is reached.
    fn discover(&mut self) -> Result<()> {
        while !self.pending.is_empty() {
            // Each round's keys at once: the table grows once per round.
            self.by_key.reserve(self.pending.len());
            let mut groups: Vec<Group> = Vec::new();
            for (meta, pk, row) in std::mem::take(&mut self.pending) {
                let k = key(meta, &pk);
                if !self.presets.is_empty() && self.presets.contains_key(&k) {
                    continue;
                }
                // Queued or copied already: copied once. Reached as a more
                // derived model than the first time, it keeps the first
                // model. The placeholder becomes the node's index in `load`.
                match self.by_key.entry(k) {
                    Entry::Occupied(_) => continue,
                    Entry::Vacant(slot) => {
                        slot.insert(usize::MAX);
                    }
                }
                match groups.iter_mut().find(|g| std::ptr::eq(g.meta, meta)) {
                    Some(group) => {
                        group.pks.push(pk);
                        group.rows.push(row);
                    }
                    None => groups.push(Group { meta, pks: vec![pk], rows: vec![row] }),
                }
            }
            for group in groups {
                let first = self.nodes.len();
                let meta = group.meta;
                self.load(group)?;
                if self.deep && first < self.nodes.len() {
                    let olds: Vec<Value> = self.nodes[first..].iter().map(|n| n.old_pk.clone()).collect();
                    self.follow(meta, first, &olds)?;
                }
            }
        }
        Ok(())
    }

    /// Load the rows of `group` in every table of its model's lineage into
    /// new nodes (rows read with the keys are taken as they are).
    fn load(&mut self, group: Group) -> Result<()> {
        let Group { meta, pks, rows: prefetched } = group;
        let lineage: Vec<&'static ModelMeta> = meta.lineage().collect();
        // Only single-table models come with rows; read the others' rows.
        let unread: Vec<Value>;
        let to_read = if prefetched.iter().all(Option::is_none) {
            pks.as_slice()
        } else {
            unread = pks.iter().zip(&prefetched).filter(|(_, row)| row.is_none()).map(|(pk, _)| pk.clone()).collect();
            unread.as_slice()
        };
        let mut per_table: Vec<FastMap<PkKey, Vec<Value>>> = Vec::with_capacity(lineage.len());
        if !to_read.is_empty() {
            for table in &lineage {
                per_table.push(sql::select_rows(self.db, table, to_read)?);
            }
        }
        self.nodes.reserve(pks.len());
        for (pk, row) in pks.into_iter().zip(prefetched) {
            let k = key(meta, &pk);
            // The first map holds the model's own table, the rest its ancestors'.
            let mut tables = per_table.iter_mut();
            let own = tables.next();
            let row = row.or_else(|| own.and_then(|t| t.remove(&k.1)));
            let ancestor_rows: Option<Vec<Vec<Value>>> = tables.map(|t| t.remove(&k.1)).collect();
            let found = row.zip(ancestor_rows).filter(|(_, a)| a.len() + 1 == lineage.len());
            let Some((row, ancestor_rows)) = found else {
                // The row is gone (or is not of this model): nothing to copy.
                if self.root.as_ref() == Some(&k) {
                    return Err(Error::DoesNotExist { model: meta.name });
                }
                self.by_key.remove(&k);
                continue;
            };
            self.by_key.insert(k, self.nodes.len());
            self.nodes.push(Node { meta, old_pk: pk, row, ancestor_rows, new_pk: Value::Null });
        }
        Ok(())
    }

    /// Queue what the `copy` policies of the nodes from `first` on reach.
    fn follow(&mut self, meta: &'static ModelMeta, first: usize, olds: &[Value]) -> Result<()> {
        for (li, table) in meta.lineage().enumerate() {
            for relation in table.relations.iter().filter(|r| !r.parent_link) {
                if table.columns[relation.column].copy != CopyPolicy::Copy {
                    continue;
                }
                for node in &self.nodes[first..] {
                    let value = &node.row(li)[relation.column];
                    if *value != Value::Null {
                        self.pending.push((relation.target, value.clone(), None));
                    }
                }
            }
            for reverse in table.reverse_copies {
                if let ReverseCopyKind::ForeignKey { column } = reverse.kind {
                    if reverse.model.parent.is_none() {
                        // A single-table model: read its rows with its keys.
                        for row in sql::select_rows_where(self.db, reverse.model, column, olds)? {
                            let pk = row[reverse.model.pk].clone();
                            self.pending.push((reverse.model, pk, Some(row)));
                        }
                        continue;
                    }
                }
                let (select, column) = match reverse.kind {
                    ReverseCopyKind::ForeignKey { column } => {
                        (reverse.model.table, (reverse.model.pk_column().column, reverse.model.columns[column].column))
                    }
                    ReverseCopyKind::ManyToMany { index } => {
                        let m2m = &reverse.model.many_to_many[index];
                        (m2m.through_table, (m2m.source_column, m2m.target_column))
                    }
                };
                for pk in sql::select_column(self.db, select, column.0, column.1, olds)? {
                    self.pending.push((reverse.model, pk, None));
                }
            }
            for m2m in table.many_to_many {
                if m2m.copy == RelationCopy::Copy {
                    for target in
                        sql::select_column(self.db, m2m.through_table, m2m.target_column, m2m.source_column, olds)?
                    {
                        self.pending.push((m2m.target, target, None));
                    }
                }
            }
            self.enqueue_through_rows(table, olds)?;
        }
        Ok(())
    }

    /// Queue the rows of custom through models that link `olds` of `table`.
    fn enqueue_through_rows(&mut self, table: &'static ModelMeta, olds: &[Value]) -> Result<()> {
        for m2m in table.many_to_many {
            if m2m.copy == RelationCopy::Skip {
                continue;
            }
            if let Some(through) = m2m.through {
                for pk in
                    sql::select_column(self.db, through.table, through.pk_column().column, m2m.source_column, olds)?
                {
                    self.pending.push((through, pk, None));
                }
            }
        }
        Ok(())
    }

    /// The old-to-new map of every copied object, built from the nodes once
    /// the engine is done with its own index of them.
    fn into_map(self) -> ForkMap {
        let Copier { nodes, by_key, db, .. } = self;
        drop(by_key);
        let mut counts: Vec<(&'static ModelMeta, usize)> = Vec::new();
        for node in &nodes {
            match counts.iter_mut().find(|(m, _)| std::ptr::eq(*m, node.meta)) {
                Some((_, n)) => *n += 1,
                None => counts.push((node.meta, 1)),
            }
        }
        let mut map = ForkMap { zone: db.storage_zone(), ..ForkMap::default() };
        for (meta, n) in counts {
            map.reserve(meta, n);
        }
        for node in nodes {
            map.insert(node.meta, node.old_pk, node.new_pk);
        }
        map
    }

    /// Allocate the new keys, then build every row to write.
    fn build(&mut self) -> Result<Plan> {
        self.allocate_keys()?;
        let mut suffixer = Suffixer::default();
        let mut tables: Vec<TableRows> = Vec::new();
        for i in 0..self.nodes.len() {
            // The source rows move into the rows to write: no value is cloned.
            let own = std::mem::take(&mut self.nodes[i].row);
            let ancestors = std::mem::take(&mut self.nodes[i].ancestor_rows);
            let node = &self.nodes[i];
            let is_root = self.root.as_ref() == Some(&key(node.meta, &node.old_pk));
            for (table, source) in node.meta.lineage().zip(std::iter::once(own).chain(ancestors)) {
                let row = self.build_row(node, source, table, is_root, &mut suffixer)?;
                let position = match tables.iter().position(|t| t.table == table.table) {
                    Some(p) => p,
                    None => {
                        tables.push(TableRows {
                            table: table.table,
                            meta: Some(table),
                            columns: table.columns.iter().map(|c| c.column).collect(),
                            rows: Vec::with_capacity(self.nodes.len()),
                        });
                        tables.len() - 1
                    }
                };
                tables[position].rows.push(row);
            }
        }
        let mut ordered = order_by_dependencies(tables);
        ordered.extend(self.link_rows()?);
        Ok(Plan { tables: ordered })
    }

    fn allocate_keys(&mut self) -> Result<()> {
        // Group the nodes by the root table their key lives in.
        let mut by_root: Vec<(&'static ModelMeta, Vec<usize>)> = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let root = node.meta.root();
            match by_root.iter_mut().find(|(m, _)| std::ptr::eq(*m, root)) {
                Some((_, v)) => v.push(i),
                None => by_root.push((root, vec![i])),
            }
        }
        for (root, indexes) in by_root {
            let pk = root.pk_column();
            if pk.auto {
                let first = sql::allocate_keys(self.db, root, indexes.len())?;
                for (offset, &i) in indexes.iter().enumerate() {
                    self.nodes[i].new_pk = Value::Integer(first + offset as i64);
                }
                continue;
            }
            for &i in &indexes {
                let is_root = self.root.as_ref() == Some(&key(self.nodes[i].meta, &self.nodes[i].old_pk));
                let supplied = self.supplied.iter().find(|s| std::ptr::eq(s.table, root) && s.column == root.pk);
                // The caller's key for the root; else a fresh default (uuid4).
                self.nodes[i].new_pk = match supplied {
                    Some(s) if is_root => s.stored_in(self.db.storage_zone()),
                    _ => (root.copy_default)(root.pk, self.now.instant)
                        .map_or(Value::Null, |v| v.stored_in(self.db.storage_zone())),
                };
                if self.nodes[i].new_pk == Value::Null {
                    return Err(Error::Misuse(format!(
                        "Cannot copy {}: its primary key `{}` is neither automatic nor has a default, and no new key was supplied.",
                        self.nodes[i].meta.label(),
                        pk.field
                    )));
                }
            }
        }
        Ok(())
    }

    fn build_row(
        &self,
        node: &Node,
        mut row: Vec<Value>,
        table: &'static ModelMeta,
        is_root: bool,
        suffixer: &mut Suffixer,
    ) -> Result<Vec<Value>> {
        // The source row becomes the copy's, column by column.
        for (ci, column) in table.columns.iter().enumerate() {
            let old = std::mem::replace(&mut row[ci], Value::Null);
            let supplied = if is_root {
                self.supplied
                    .iter()
                    .find(|s| std::ptr::eq(s.table, table) && s.column == ci)
                    .map(|s| s.stored_in(self.db.storage_zone()))
            } else {
                None
            };
            let relation = table.relation_at(ci);
            let value = if ci == table.pk || relation.is_some_and(|r| r.parent_link) {
                node.new_pk.clone()
            } else if let Some(value) = supplied {
                value
            } else if let Some(relation) = relation {
                let copy = if old == Value::Null { None } else { self.new_key(relation.target, &old) };
                match copy {
                    Some(copy) => copy,
                    None if old == Value::Null => Value::Null,
                    None if column.copy == CopyPolicy::Clear => Value::Null,
                    None if relation.one_to_one => {
                        return Err(Error::Misuse(format!(
                            "Cannot copy {}: its one-to-one `{}` would share its target with the source; supply a new target, or copy the target in the same fork.",
                            node.meta.label(),
                            column.field
                        )))
                    }
                    None => old,
                }
            } else {
                let text = match &old {
                    Value::Text(text) => Some(text.as_str()),
                    _ => None,
                };
                let zone = self.db.storage_zone();
                let fresh = policy_value(self.db, table, ci, column.copy, column.null, text, &self.now, zone, suffixer)?;
                fresh.unwrap_or(old)
            };
            row[ci] = value;
        }
        Ok(row)
    }

    /// The rows of auto-created many-to-many tables that link copied
    /// objects: the copy of (source, target) is (new source, the target's
    /// copy or the target itself), and for a symmetrical set whose target
    /// is not copied, the mirror row too.
    fn link_rows(&self) -> Result<Vec<TableRows>> {
        let mut out: Vec<TableRows> = Vec::new();
        let mut seen: FastSet<(&'static str, PkKey, PkKey)> = FastSet::default();
        // Copied objects per lineage table that has links to copy.
        let has_links =
            |t: &ModelMeta| t.many_to_many.iter().any(|m| m.auto_created && m.copy != RelationCopy::Skip);
        let copied = self.preset_objects.iter().map(|(m, pk)| (*m, pk)).chain(self.nodes.iter().map(|n| (n.meta, &n.old_pk)));
        let mut per_table: Vec<(&'static ModelMeta, Vec<Value>)> = Vec::new();
        for (meta, old) in copied {
            for table in meta.lineage().filter(|t| has_links(t)) {
                match per_table.iter_mut().find(|(t, _)| std::ptr::eq(*t, table)) {
                    Some((_, v)) => v.push(old.clone()),
                    None => per_table.push((table, vec![old.clone()])),
                }
            }
        }
        for (table, olds) in per_table {
            for m2m in table.many_to_many.iter().filter(|m| m.auto_created && m.copy != RelationCopy::Skip) {
                let pairs = sql::select_pairs(self.db, m2m.through_table, m2m.source_column, m2m.target_column, &olds)?;
                let mut rows = Vec::new();
                for (source, target) in pairs {
                    let Some(new_source) = self.new_key(table, &source) else { continue };
                    let copied_target = self.new_key(m2m.target, &target);
                    let new_target = copied_target.clone().unwrap_or_else(|| target.clone());
                    // Only a symmetrical set's mirror rows can repeat a row:
                    // the join table holds each (source, target) once and
                    // each source has one copy.
                    let mut push = |from: Value, to: Value| {
                        if !m2m.symmetrical || seen.insert((m2m.through_table, PkKey::from(&from), PkKey::from(&to))) {
                            rows.push(vec![from, to]);
                        }
                    };
                    push(new_source.clone(), new_target);
                    if m2m.symmetrical && copied_target.is_none() {
                        push(target, new_source);
                    }
                }
                if !rows.is_empty() {
                    out.push(TableRows {
                        table: m2m.through_table,
                        meta: None,
                        columns: vec![m2m.source_column, m2m.target_column],
                        rows,
                    });
                }
            }
        }
        Ok(out)
    }

    fn write(&self, plan: &Plan) -> Result<()> {
        for table in &plan.tables {
            for statement in sql::batched_inserts(table.table, &table.columns, &table.rows) {
                statement.execute(self.db)?;
            }
        }
        Ok(())
    }

    /// The instances of the concrete models that have receivers for
    /// `signal`, built from the rows about to be (or just) written.
    fn for_each_instance(
        &self,
        plan: &Plan,
        signal: Signal,
        mut f: impl FnMut(&'static ModelMeta, &dyn Any) -> Result<()>,
    ) -> Result<()> {
        // Nothing to build when no copied model has a receiver.
        let mut metas: Vec<&'static ModelMeta> = Vec::new();
        for node in &self.nodes {
            if !metas.iter().any(|m| std::ptr::eq(*m, node.meta)) {
                metas.push(node.meta);
            }
        }
        if !metas.iter().any(|m| self.db.has_receivers(m, signal)) {
            return Ok(());
        }
        let mut positions: HashMap<&'static str, usize> = HashMap::new();
        let mut offsets: Vec<Vec<usize>> = Vec::with_capacity(self.nodes.len());
        // Where each node's row of each table sits in the plan.
        for node in &self.nodes {
            let mut mine = Vec::new();
            for table in node.meta.lineage() {
                let p = positions.entry(table.table).or_insert(0);
                mine.push(*p);
                *p += 1;
            }
            offsets.push(mine);
        }
        for (node, mine) in self.nodes.iter().zip(offsets) {
            if !self.db.has_receivers(node.meta, signal) {
                continue;
            }
            let lineage: Vec<&'static ModelMeta> = node.meta.lineage().collect();
            let mut values = Vec::new();
            for (li, table) in lineage.iter().enumerate().rev() {
                let Some(rows) = plan.tables.iter().find(|t| t.table == table.table) else { continue };
                values.extend(rows.rows[mine[li]].iter().cloned());
            }
            let instance = (node.meta.build_erased)(self.db, &values)?;
            f(node.meta, instance.as_ref())?;
        }
        Ok(())
    }

    fn send_pre_save(&self, plan: &Plan) -> Result<()> {
        self.for_each_instance(plan, Signal::PreSave, |meta, instance| {
            signals::send_erased(self.db, meta, Signal::PreSave, instance, false, None)
        })
    }

    fn send_post_save(&self, plan: &Plan) -> Result<()> {
        self.for_each_instance(plan, Signal::PostSave, |meta, instance| {
            signals::send_erased(self.db, meta, Signal::PostSave, instance, true, None)
        })
    }
}

/// Tables in an order where every table comes after the tables its
/// non-null relations point at (parents before children, targets before
/// references). Nullable relations do not order tables, which breaks the
/// usual cycles (a blog's nullable `featured` entry, the entry's blog) the
/// way a hand-written copy would; any cycle left is written in table order,
/// which SQLite's deferred foreign keys accept.
fn order_by_dependencies(tables: Vec<TableRows>) -> Vec<TableRows> {
    let names: Vec<&'static str> = tables.iter().map(|t| t.table).collect();
    let mut state = vec![0u8; tables.len()]; // 0 new, 1 visiting, 2 done
    let mut order = Vec::with_capacity(tables.len());
    fn visit(i: usize, tables: &[TableRows], names: &[&str], state: &mut [u8], order: &mut Vec<usize>) {
        if state[i] != 0 {
            return;
        }
        state[i] = 1;
        if let Some(meta) = tables[i].meta {
            for relation in meta.relations.iter().filter(|r| !meta.columns[r.column].null) {
                if let Some(j) = names.iter().position(|n| *n == relation.target.table) {
                    if j != i {
                        visit(j, tables, names, state, order);
                    }
                }
            }
        }
        state[i] = 2;
        order.push(i);
    }
    for i in 0..tables.len() {
        visit(i, &tables, &names, &mut state, &mut order);
    }
    let mut slots: Vec<Option<TableRows>> = tables.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Chooses " copy N" values: N is the smallest number free among stored
/// rows and the values this suffixer handed out already (one suffixer
/// serves a whole batch of copies).
#[derive(Debug, Default)]
pub struct Suffixer {
    taken: HashSet<(&'static str, usize, String)>,
    next: HashMap<(&'static str, usize, String), u64>,
}

impl Suffixer {
    /// The suffixed value for a copy of `source` in column `column` of `table`.
    pub fn next(&mut self, db: &Database, table: &'static ModelMeta, column: usize, source: &str) -> Result<String> {
        let meta = &table.columns[column];
        let (separator, max_length) = match meta.copy {
            CopyPolicy::Suffix { separator, max_length } => (separator, max_length),
            _ => (" ", None),
        };
        let base = strip_copy_suffix(source, separator);
        let counter = self.next.entry((table.table, column, base.to_owned())).or_insert(1);
        loop {
            let n = *counter;
            *counter += 1;
            let Some(candidate) = suffix_candidate(base, separator, max_length, n) else {
                return Err(Error::Misuse(format!(
                    "Cannot copy {}: `{}` holds at most {} characters, too few for \"{separator}copy{separator}{n}\".",
                    table.label(),
                    meta.field,
                    max_length.unwrap_or(0)
                )));
            };
            let k = (table.table, column, candidate.clone());
            if self.taken.contains(&k) || sql::value_exists(db, table.table, meta.column, &candidate)? {
                continue;
            }
            self.taken.insert(k);
            return Ok(candidate);
        }
    }
}

/// `base` + "<sep>copy<sep>N", the base cut (by characters, as Django's
/// max_length counts) so the whole fits `max_length`; `None` when not even
/// the suffix fits.
fn suffix_candidate(base: &str, separator: &str, max_length: Option<u32>, n: u64) -> Option<String> {
    let suffix = format!("{separator}copy{separator}{n}");
    match max_length {
        None => Some(format!("{base}{suffix}")),
        Some(max) => {
            let keep = (max as usize).checked_sub(suffix.chars().count())?;
            Some(base.chars().take(keep).collect::<String>() + &suffix)
        }
    }
}

/// `source` without a trailing "<sep>copy<sep>N".
fn strip_copy_suffix<'s>(source: &'s str, separator: &str) -> &'s str {
    let digits = source.trim_end_matches(|c: char| c.is_ascii_digit());
    if digits.len() == source.len() {
        return source;
    }
    let marker = format!("{separator}copy{separator}");
    digits.strip_suffix(marker.as_str()).unwrap_or(source)
}

#[cfg(test)]
mod tests {
    use super::{strip_copy_suffix, suffix_candidate};

    #[test]
    fn the_base_is_cut_by_characters_to_fit_and_nothing_fitting_is_none() {
        assert_eq!(suffix_candidate("Penguin", " ", Some(100), 2).as_deref(), Some("Penguin copy 2"));
        assert_eq!(suffix_candidate("Penguin", " ", None, 1).as_deref(), Some("Penguin copy 1"));
        assert_eq!(suffix_candidate("1234567890123", " ", Some(13), 1).as_deref(), Some("123456 copy 1"));
        assert_eq!(suffix_candidate("ééééééé", " ", Some(9), 1).as_deref(), Some("éé copy 1"));
        assert_eq!(suffix_candidate("abc", "-", Some(8), 10).as_deref(), Some("-copy-10"));
        assert_eq!(suffix_candidate("abc", " ", Some(6), 1), None, "\" copy 1\" is 7 characters");
    }

    #[test]
    fn strips_a_trailing_copy_suffix_only() {
        assert_eq!(strip_copy_suffix("Hello copy 3", " "), "Hello");
        assert_eq!(strip_copy_suffix("Hello copy", " "), "Hello copy");
        assert_eq!(strip_copy_suffix("Hello 3", " "), "Hello 3");
        assert_eq!(strip_copy_suffix("slug-copy-12", "-"), "slug");
        assert_eq!(strip_copy_suffix("copy 1", " "), "copy 1");
    }
}
