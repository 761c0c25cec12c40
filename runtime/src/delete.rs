//! The delete collector: Django's `django.db.models.deletion.Collector`.
//!
//! Deleting rows of a model finds every registered relation pointing at its
//! table (ForeignKey/OneToOneField of every registered model, across apps,
//! and the auto-created many-to-many join tables) and applies `on_delete`:
//! CASCADE collects the referencing rows recursively, PROTECT refuses with
//! [`Error::Protected`], RESTRICT refuses with [`Error::Restricted`] unless
//! the restricted rows are deleted through a cascade of the same delete,
//! SET_NULL and SET_DEFAULT update the referencing rows, DO_NOTHING leaves
//! them (and SQLite's foreign key check then decides). Multi-table
//! inheritance parents are deleted with their children.
//!
//! The order of the work, and so of the signals, is Django's: referencing
//! models before referenced ones, rows of a model by ascending pk for
//! `pre_delete` and descending pk for the deletes and `post_delete`.
//! Everything runs in one transaction; the counts per model label are
//! returned like Django's `delete()` returns them.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::types::Value;

use crate::db::Database;
use crate::sql::Sql;
use crate::error::{Error, ObjectRef, Result};
use crate::model::{Model, ModelMeta, OnDelete, RelationMeta};
use crate::signals::{send_erased, Signal};
use crate::value::{PkKey};

/// How many values go in one `IN (...)` list.
const BATCH: usize = 500;

/// The counts a delete returns: the total and the count per model label
/// (`app.Model`; `app.Model_field` for auto-created join tables). Models
/// with no row deleted are absent, as in Django.
pub type DeleteCount = (usize, BTreeMap<String, usize>);

/// Delete `instance` (Django's `Model.delete()`) and everything `on_delete`
/// says goes with it. Afterwards the instance keeps its field values but its
/// pk is cleared (`set_pk_value(None)`), so saving it again inserts. As in
/// Django, its "adding" state is left as it was.
pub fn delete<M: Model>(db: &Database, instance: &mut M) -> Result<DeleteCount> {
    delete_impl(db, instance, false)
}

/// `Model.delete(keep_parents=True)`: delete a multi-table-inheritance child
/// but keep its parent rows.
pub fn delete_keep_parents<M: Model>(db: &Database, instance: &mut M) -> Result<DeleteCount> {
    delete_impl(db, instance, true)
}

fn delete_impl<M: Model>(db: &Database, instance: &mut M, keep_parents: bool) -> Result<DeleteCount> {
    let meta = M::meta();
    // The collector works with values as the database holds them (it
    // reads the related rows' keys back from it).
    let Some(pk) = crate::model::pk_in_database(db, instance) else {
        return Err(Error::Misuse(format!(
            "{} object can't be deleted because its {} attribute is set to None.",
            meta.name,
            pk_attname(meta)
        )));
    };
    db.register_model(meta);
    let counts = {
        let root: &dyn Any = &*instance;
        let mut collector = Collector::new(db, Some((meta.table, PkKey::from(&pk), root)));
        collector.collect(meta, vec![pk], CollectOptions { keep_parents, ..CollectOptions::default() })?;
        collector.delete()?
    };
    // Django sets the pk to None; a model whose pk cannot be unset keeps it.
    let _ = crate::model::set_pk_value(instance, None);
    Ok(counts)
}

fn pk_attname(meta: &ModelMeta) -> String {
    let column = meta.pk_column();
    if meta.relations.iter().any(|r| r.column == meta.pk) {
        format!("{}_id", column.field)
    } else {
        column.field.to_owned()
    }
}

/// `QuerySet.delete()`: delete the rows of `meta`'s table matching
/// `where_sql` (` WHERE ...` or empty).
pub(crate) fn delete_where(db: &Database, meta: &'static ModelMeta, where_sql: Sql) -> Result<DeleteCount> {
    db.register_model(meta);
    let mut collector = Collector::new(db, None);
    if collector.can_fast_delete(meta, None)? {
        collector.fast_deletes.push(FastDelete { label: meta.label(), table: meta.table, meta: Some(meta), where_sql });
    } else {
        let mut sql = Sql::select_from_sql(meta.pk_column().column, meta.from_sql());
        sql.push_sql(&where_sql);
        let pks = db.first_column(&sql)?;
        collector.collect(meta, pks, CollectOptions::default())?;
    }
    collector.delete()
}

/// Load instances of `M` by pk, type-erased, in the order of `pks` (rows
/// that do not exist are skipped). Generated `ModelMeta::load_erased`
/// points here: the delete collector, which only knows tables, uses it to
/// give signal receivers their instances.
pub fn load_erased<M: Model>(db: &Database, pks: &[Value]) -> Result<Vec<Box<dyn Any>>> {
    let meta = M::meta();
    let mut found: HashMap<PkKey, M> = HashMap::with_capacity(pks.len());
    for chunk in pks.chunks(BATCH) {
        let sql = crate::sql::select_by_pks(meta.select_sql(), meta.pk_column().column, chunk.len());
        let rows: Vec<M> = db.collect_rows(&sql, crate::backend::params_from_iter(chunk.iter()), |row| {
            crate::model::read_row::<M>(row, 0, db.storage_zone())
        })?;
        for mut m in rows {
            crate::snapshot::mark_loaded(db, &mut m);
            if let Some(pk) = crate::model::pk_in_database(db, &m) {
                found.insert(PkKey::from(&pk), m);
            }
        }
    }
    Ok(pks.iter().filter_map(|pk| found.remove(&PkKey::from(pk))).map(|m| Box::new(m) as Box<dyn Any>).collect())
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// The collector
// ---------------------------------------------------------------------------

/// A relation pointing at a table: the forward side of a ForeignKey or
/// OneToOneField of a registered model, or a column of an auto-created
/// many-to-many join table.
#[derive(Clone, Copy)]
enum Related {
    Model { meta: &'static ModelMeta, relation: usize },
    Through { owner: &'static ModelMeta, m2m: usize, column: &'static str },
}

impl Related {
    fn on_delete(&self) -> OnDelete {
        match self {
            Related::Model { meta, relation } => {
                meta.relations.get(*relation).map_or(OnDelete::DoNothing, |r| r.on_delete)
            }
            Related::Through { .. } => OnDelete::Cascade,
        }
    }

    fn relation(&self) -> Option<&'static RelationMeta> {
        match self {
            Related::Model { meta, relation } => meta.relations.get(*relation),
            Related::Through { .. } => None,
        }
    }

    fn is_parent_link(&self) -> bool {
        self.relation().is_some_and(|r| r.parent_link)
    }

    /// The referencing column.
    fn column(&self) -> &'static str {
        match self {
            Related::Model { meta, relation } => {
                meta.relations.get(*relation).and_then(|r| meta.columns.get(r.column)).map_or("", |c| c.column)
            }
            Related::Through { column, .. } => column,
        }
    }
}

struct Collected {
    meta: &'static ModelMeta,
    keys: HashSet<PkKey>,
    pks: Vec<Value>,
}

struct FieldUpdate {
    meta: &'static ModelMeta,
    column: &'static str,
    value: Value,
    pks: Vec<Value>,
}

struct RestrictedSet {
    meta: &'static ModelMeta,
    relation: usize,
    objs: Vec<(PkKey, Value)>,
}

struct FastDelete {
    label: String,
    table: &'static str,
    /// `None` for an auto-created join table.
    meta: Option<&'static ModelMeta>,
    where_sql: Sql,
}

#[derive(Clone, Copy)]
struct CollectOptions {
    source: Option<&'static ModelMeta>,
    nullable: bool,
    collect_related: bool,
    reverse_dependency: bool,
    keep_parents: bool,
    fail_on_restricted: bool,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            source: None,
            nullable: false,
            collect_related: true,
            reverse_dependency: false,
            keep_parents: false,
            fail_on_restricted: true,
        }
    }
}

struct Collector<'a> {
    db: &'a Database,
    /// The instance the delete was called on (its table, pk and value), so
    /// that its receivers get that very instance.
    root: Option<(&'static str, PkKey, &'a dyn Any)>,
    data: Vec<Collected>,
    dependencies: HashMap<&'static str, Vec<&'static str>>,
    field_updates: Vec<FieldUpdate>,
    restricted: Vec<RestrictedSet>,
    fast_deletes: Vec<FastDelete>,
}

fn add_unique(list: &mut Vec<&'static str>, item: &'static str) {
    if !list.contains(&item) {
        list.push(item);
    }
}

impl<'a> Collector<'a> {
    fn new(db: &'a Database, root: Option<(&'static str, PkKey, &'a dyn Any)>) -> Self {
        Collector {
            db,
            root,
            data: Vec::new(),
            dependencies: HashMap::new(),
            field_updates: Vec::new(),
            restricted: Vec::new(),
            fast_deletes: Vec::new(),
        }
    }

    fn model(&self, table: &str) -> Result<&'static ModelMeta> {
        self.db.model_for_table(table).ok_or_else(|| {
            Error::Misuse(format!(
                "no registered model has the table {table:?}: register its app with Database::register or create_tables"
            ))
        })
    }

    fn has_listeners(&self, meta: &ModelMeta) -> bool {
        self.db.has_receivers(meta, Signal::PreDelete) || self.db.has_receivers(meta, Signal::PostDelete)
    }

    /// Every relation pointing at `table`, in registry order (models in
    /// registration order, their relations in field order, a model's
    /// auto-created join tables after it).
    fn relations_to(&self, table: &str) -> Vec<Related> {
        let mut out = Vec::new();
        for meta in self.db.models() {
            for (i, rel) in meta.relations.iter().enumerate() {
                if rel.target_table == table {
                    out.push(Related::Model { meta, relation: i });
                }
            }
            for (i, m2m) in meta.many_to_many.iter().enumerate() {
                if !m2m.auto_created {
                    continue;
                }
                if meta.table == table {
                    out.push(Related::Through { owner: meta, m2m: i, column: m2m.source_column });
                }
                if m2m.target_table == table {
                    out.push(Related::Through { owner: meta, m2m: i, column: m2m.target_column });
                }
            }
        }
        out
    }

    /// Django's `get_candidate_relations_to_delete`: the relations pointing
    /// at the model and (unless `keep_parents`) at its ancestors, ancestors
    /// first, without the parent links pointing at ancestors.
    fn candidate_relations(&self, meta: &'static ModelMeta, keep_parents: bool) -> Result<Vec<Related>> {
        let mut out = Vec::new();
        if !keep_parents {
            let mut seen = Vec::new();
            self.push_ancestor_relations(meta, &mut out, &mut seen)?;
        }
        out.extend(self.relations_to(meta.table));
        Ok(out)
    }

    fn push_ancestor_relations(
        &self,
        meta: &'static ModelMeta,
        out: &mut Vec<Related>,
        seen: &mut Vec<&'static str>,
    ) -> Result<()> {
        for rel in meta.relations.iter().filter(|r| r.parent_link) {
            if seen.contains(&rel.target_table) {
                continue;
            }
            seen.push(rel.target_table);
            let parent = self.model(rel.target_table)?;
            self.push_ancestor_relations(parent, out, seen)?;
            out.extend(self.relations_to(parent.table).into_iter().filter(|r| !r.is_parent_link()));
        }
        Ok(())
    }

    /// Django's `can_fast_delete(model, from_field)`: no signal receivers,
    /// no parents (but the link we come from), and nothing but DO_NOTHING
    /// pointing at it.
    fn can_fast_delete(&self, meta: &'static ModelMeta, from: Option<&Related>) -> Result<bool> {
        if let Some(from) = from {
            if from.on_delete() != OnDelete::Cascade {
                return Ok(false);
            }
        }
        if self.has_listeners(meta) {
            return Ok(false);
        }
        for (i, rel) in meta.relations.iter().enumerate() {
            if rel.parent_link {
                let is_from = matches!(from, Some(Related::Model { meta: m, relation })
                    if std::ptr::eq(*m, meta) && *relation == i);
                if !is_from {
                    return Ok(false);
                }
            }
        }
        Ok(self.candidate_relations(meta, false)?.iter().all(|r| r.on_delete() == OnDelete::DoNothing))
    }

    fn entry(&mut self, meta: &'static ModelMeta) -> usize {
        if let Some(i) = self.data.iter().position(|c| c.meta.table == meta.table) {
            return i;
        }
        self.data.push(Collected { meta, keys: HashSet::new(), pks: Vec::new() });
        self.data.len() - 1
    }

    fn add_dependency(&mut self, model: &'static ModelMeta, dependency: &'static ModelMeta, reverse: bool) {
        let (model, dependency) = if reverse { (dependency, model) } else { (model, dependency) };
        add_unique(self.dependencies.entry(model.table).or_default(), dependency.table);
        self.entry(dependency);
    }

    /// Django's `Collector.add`: the objects not collected yet.
    fn add(&mut self, meta: &'static ModelMeta, objs: Vec<Value>, options: &CollectOptions) -> Vec<Value> {
        if objs.is_empty() {
            return Vec::new();
        }
        let i = self.entry(meta);
        let mut new = Vec::new();
        for v in objs {
            if self.data[i].keys.insert(PkKey::from(&v)) {
                self.data[i].pks.push(v.clone());
                new.push(v);
            }
        }
        if let Some(source) = options.source {
            if !options.nullable {
                self.add_dependency(source, meta, options.reverse_dependency);
            }
        }
        new
    }

    /// The values of `column` (of `table`, whose pk column is `pk_column`)
    /// for the rows whose pk is in `pks`.
    fn column_values(&self, table: &str, pk_column: &str, column: &str, pks: &[Value]) -> Result<Vec<Value>> {
        if column == pk_column {
            return Ok(pks.to_vec());
        }
        let mut out = Vec::new();
        for chunk in pks.chunks(BATCH) {
            let mut sql = Sql::select_from(column, table);
            sql.push_where();
            sql.push_in(pk_column, chunk);
            out.extend(self.db.first_column(&sql)?.into_iter().filter(|v| *v != Value::Null));
        }
        Ok(out)
    }

    /// The values a relation references, for the collected rows `pks` of
    /// `meta` (the relation points at `meta`'s table or an ancestor's, whose
    /// pk values are `meta`'s).
    fn target_values(
        &self,
        meta: &'static ModelMeta,
        target_table: &'static str,
        target_column: &'static str,
        pks: &[Value],
    ) -> Result<Vec<Value>> {
        let target_pk = if target_table == meta.table {
            meta.pk_column().column
        } else {
            self.model(target_table)?.pk_column().column
        };
        self.column_values(target_table, target_pk, target_column, pks)
    }

    fn related_target(&self, related: &Related) -> (&'static str, &'static str) {
        match related {
            Related::Model { .. } => related.relation().map_or(("", ""), |r| (r.target_table, r.target_column)),
            Related::Through { owner, m2m, column } => {
                let Some(m) = owner.many_to_many.get(*m2m) else {
                    return ("", "");
                };
                if *column == m.source_column {
                    (owner.table, owner.pk_column().column)
                } else {
                    let target_pk = self.db.model_for_table(m.target_table).map_or("id", |t| t.pk_column().column);
                    (m.target_table, target_pk)
                }
            }
        }
    }

    /// Django's `Collector.collect`.
    fn collect(&mut self, meta: &'static ModelMeta, objs: Vec<Value>, options: CollectOptions) -> Result<()> {
        let new = self.add(meta, objs, &options);
        if new.is_empty() {
            return Ok(());
        }

        if !options.keep_parents {
            // Collect the parent rows, but not their related objects: those
            // are found below through the ancestors' relations.
            for rel in meta.relations.iter().filter(|r| r.parent_link) {
                let parent = self.model(rel.target_table)?;
                let link_column = meta.columns.get(rel.column).map_or("", |c| c.column);
                let parent_objs = self.column_values(meta.table, meta.pk_column().column, link_column, &new)?;
                self.collect(
                    parent,
                    parent_objs,
                    CollectOptions {
                        source: Some(meta),
                        collect_related: false,
                        reverse_dependency: true,
                        fail_on_restricted: false,
                        ..CollectOptions::default()
                    },
                )?;
            }
        }
        if !options.collect_related {
            return Ok(());
        }

        let mut fast: Vec<(Related, Vec<Value>)> = Vec::new();
        let mut protected: Vec<(String, Vec<ObjectRef>)> = Vec::new();
        for related in self.candidate_relations(meta, options.keep_parents)? {
            let on_delete = related.on_delete();
            if on_delete == OnDelete::DoNothing {
                continue;
            }
            let (target_table, target_column) = self.related_target(&related);
            let fast_ok = match related {
                Related::Through { .. } => true,
                Related::Model { meta: rmeta, .. } => self.can_fast_delete(rmeta, Some(&related))?,
            };
            if fast_ok {
                let values = self.target_values(meta, target_table, target_column, &new)?;
                fast.push((related, values));
                continue;
            }
            let Related::Model { meta: rmeta, relation } = related else {
                continue;
            };
            let Some(rel) = rmeta.relations.get(relation) else {
                continue;
            };
            let Some(column) = rmeta.columns.get(rel.column) else {
                continue;
            };
            let target_meta = if rel.target_table == meta.table { meta } else { self.model(rel.target_table)? };
            let key = format!("{}.{}", rmeta.name, column.field);
            let values = self.target_values(meta, target_table, target_column, &new)?;
            for batch in values.chunks(BATCH) {
                let sub = self.select_pks_where_in(rmeta, column.column, batch)?;
                if sub.is_empty() {
                    continue;
                }
                match on_delete {
                    OnDelete::Cascade => {
                        let result = self.collect(
                            rmeta,
                            sub,
                            CollectOptions {
                                source: Some(target_meta),
                                nullable: column.null,
                                fail_on_restricted: false,
                                ..CollectOptions::default()
                            },
                        );
                        match result {
                            Ok(()) => {}
                            Err(Error::Protected { objects, .. }) => {
                                push_protected(&mut protected, &key, objects);
                            }
                            Err(other) => return Err(other),
                        }
                    }
                    OnDelete::Protect => {
                        let objects =
                            sub.into_iter().map(|pk| ObjectRef { app: rmeta.app, model: rmeta.name, pk }).collect();
                        push_protected(&mut protected, &key, objects);
                    }
                    OnDelete::Restrict => {
                        self.add_restricted(rmeta, relation, sub);
                        self.add_dependency(target_meta, rmeta, false);
                    }
                    OnDelete::SetNull => self.field_updates.push(FieldUpdate {
                        meta: rmeta,
                        column: column.column,
                        value: Value::Null,
                        pks: sub,
                    }),
                    OnDelete::SetDefault => self.field_updates.push(FieldUpdate {
                        meta: rmeta,
                        column: column.column,
                        // As the database holds it, like every value here.
                        value: rel
                            .default
                            .map_or(Value::Null, |d| crate::model::bound_value(self.db, column, &d.to_value()).into_owned()),
                        pks: sub,
                    }),
                    OnDelete::DoNothing => {}
                }
            }
        }

        if !protected.is_empty() {
            let mut objects: Vec<ObjectRef> = Vec::new();
            for (_, objs) in &protected {
                for obj in objs {
                    if !objects.contains(obj) {
                        objects.push(obj.clone());
                    }
                }
            }
            return Err(Error::Protected {
                model: meta.name,
                count: objects.len(),
                fields: protected.into_iter().map(|(k, _)| k).collect(),
                objects,
            });
        }

        for (related, values) in fast {
            self.push_fast_delete(&related, &values);
        }

        if options.fail_on_restricted {
            self.check_restricted(meta)?;
        }
        Ok(())
    }

    fn push_fast_delete(&mut self, related: &Related, values: &[Value]) {
        let (label, table, meta) = match related {
            Related::Model { meta, .. } => (meta.label(), meta.table, Some(*meta)),
            Related::Through { owner, m2m, .. } => {
                let Some(m) = owner.many_to_many.get(*m2m) else {
                    return;
                };
                (format!("{}.{}_{}", owner.app, owner.name, m.field), m.through_table, None)
            }
        };
        let column = related.column();
        // Django ORs the relations of one model into one query; deleting
        // them one relation at a time deletes (and counts) the same rows.
        for chunk in values.chunks(BATCH) {
            let mut where_sql = Sql::default();
            where_sql.push_where();
            where_sql.push_in(column, chunk);
            self.fast_deletes.push(FastDelete { label: label.clone(), table, meta, where_sql });
        }
    }

    fn select_pks_where_in(&self, meta: &'static ModelMeta, column: &str, values: &[Value]) -> Result<Vec<Value>> {
        let mut sql = Sql::select_from(meta.pk_column().column, meta.table);
        sql.push_where();
        sql.push_in(column, values);
        self.db.first_column(&sql)
    }

    fn add_restricted(&mut self, meta: &'static ModelMeta, relation: usize, objs: Vec<Value>) {
        let i = match self.restricted.iter().position(|r| r.meta.table == meta.table && r.relation == relation) {
            Some(i) => i,
            None => {
                self.restricted.push(RestrictedSet { meta, relation, objs: Vec::new() });
                self.restricted.len() - 1
            }
        };
        let set = &mut self.restricted[i];
        for v in objs {
            let key = PkKey::from(&v);
            if !set.objs.iter().any(|(k, _)| *k == key) {
                set.objs.push((key, v));
            }
        }
    }

    /// Raise [`Error::Restricted`] for restricted rows that are not deleted
    /// by this delete anyway.
    fn check_restricted(&mut self, meta: &'static ModelMeta) -> Result<()> {
        if self.restricted.is_empty() {
            return Ok(());
        }
        // Rows collected for deletion are not restricted.
        for set in &mut self.restricted {
            if let Some(collected) = self.data.iter().find(|c| c.meta.table == set.meta.table) {
                set.objs.retain(|(k, _)| !collected.keys.contains(k));
            }
        }
        // Nor are rows a fast delete removes.
        for i in 0..self.fast_deletes.len() {
            let Some(fmeta) = self.fast_deletes[i].meta else {
                continue;
            };
            let pending: Vec<Value> = self
                .restricted
                .iter()
                .filter(|s| s.meta.table == fmeta.table)
                .flat_map(|s| s.objs.iter().map(|(_, v)| v.clone()))
                .collect();
            if pending.is_empty() {
                continue;
            }
            let mut cleared: HashSet<PkKey> = HashSet::new();
            for chunk in pending.chunks(BATCH) {
                let mut sql = Sql::select_from(fmeta.pk_column().column, fmeta.table);
                let fd = &self.fast_deletes[i];
                if fd.where_sql.text.is_empty() {
                    sql.push_where();
                } else {
                    sql.push_sql(&fd.where_sql);
                    sql.push_and();
                }
                sql.push_in(fmeta.pk_column().column, chunk);
                cleared.extend(self.db.first_column(&sql)?.iter().map(PkKey::from));
            }
            for set in &mut self.restricted {
                if set.meta.table == fmeta.table {
                    set.objs.retain(|(k, _)| !cleared.contains(k));
                }
            }
        }
        let mut fields = Vec::new();
        let mut objects: Vec<ObjectRef> = Vec::new();
        for set in &self.restricted {
            if set.objs.is_empty() {
                continue;
            }
            let field = set
                .meta
                .relations
                .get(set.relation)
                .and_then(|r| set.meta.columns.get(r.column))
                .map_or("", |c| c.field);
            let key = format!("{}.{}", set.meta.name, field);
            if !fields.contains(&key) {
                fields.push(key);
            }
            for (_, pk) in &set.objs {
                let obj = ObjectRef { app: set.meta.app, model: set.meta.name, pk: pk.clone() };
                if !objects.contains(&obj) {
                    objects.push(obj);
                }
            }
        }
        if fields.is_empty() {
            return Ok(());
        }
        Err(Error::Restricted { model: meta.name, count: objects.len(), fields, objects })
    }

    /// Django's `Collector.sort`: a model comes after the models it depends
    /// on; when that cannot be satisfied the order is left as collected.
    fn sort(&mut self) {
        let mut sorted: Vec<usize> = Vec::new();
        let mut done: Vec<&'static str> = Vec::new();
        while sorted.len() < self.data.len() {
            let mut found = false;
            for (i, c) in self.data.iter().enumerate() {
                if sorted.contains(&i) {
                    continue;
                }
                let ready =
                    self.dependencies.get(c.meta.table).is_none_or(|deps| deps.iter().all(|d| done.contains(d)));
                if ready {
                    sorted.push(i);
                    done.push(c.meta.table);
                    found = true;
                }
            }
            if !found {
                return;
            }
        }
        let mut old: Vec<Option<Collected>> = std::mem::take(&mut self.data).into_iter().map(Some).collect();
        self.data = sorted.into_iter().filter_map(|i| old[i].take()).collect();
    }

    /// Django's `Collector.delete`.
    fn delete(mut self) -> Result<DeleteCount> {
        for c in &mut self.data {
            c.pks.sort_by_cached_key(|v| PkKey::from(v));
        }
        self.sort();

        // One row and nothing else to do: a single DELETE, no transaction.
        if self.data.len() == 1 && self.data[0].pks.len() == 1 {
            let meta = self.data[0].meta;
            if self.can_fast_delete(meta, None)? {
                let count = delete_batch(self.db, meta, &self.data[0].pks)?;
                let mut counts = BTreeMap::new();
                counts.insert(meta.label(), count);
                return Ok((count, counts));
            }
        }

        let db = self.db;
        db.transaction(|db| {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            let mut add = |label: String, n: usize| {
                if n > 0 {
                    *counts.entry(label).or_insert(0) += n;
                }
            };

            // Instances for the receivers, loaded once.
            let mut instances: Vec<Option<Vec<Instance<'_>>>> = Vec::with_capacity(self.data.len());
            for c in &self.data {
                if self.has_listeners(c.meta) {
                    instances.push(Some(self.load_instances(c)?));
                } else {
                    instances.push(None);
                }
            }

            for (c, list) in self.data.iter().zip(&instances) {
                if let Some(list) = list {
                    for instance in list {
                        send_erased(db, c.meta, Signal::PreDelete, instance.get(), false, None)?;
                    }
                }
            }

            for fd in &self.fast_deletes {
                let mut sql = Sql::delete_from(fd.table);
                sql.push_sql(&fd.where_sql);
                let n = db.execute_sql(&sql)?;
                add(fd.label.clone(), n);
            }

            for update in &self.field_updates {
                for chunk in update.pks.chunks(BATCH) {
                    let mut sql = Sql::update_set(update.meta.table, update.column, update.value.clone());
                    sql.push_where();
                    sql.push_in(update.meta.pk_column().column, chunk);
                    db.execute_sql(&sql)?;
                }
            }

            for (c, list) in self.data.iter().zip(instances.iter_mut()) {
                let mut pks = c.pks.clone();
                pks.reverse();
                let n = delete_batch(db, c.meta, &pks)?;
                add(c.meta.label(), n);
                if let Some(list) = list {
                    list.reverse();
                    for instance in list.iter() {
                        send_erased(db, c.meta, Signal::PostDelete, instance.get(), false, None)?;
                    }
                }
            }

            let total = counts.values().sum();
            Ok((total, counts))
        })
    }

    /// The instances of the collected rows of `c`, by ascending pk: the
    /// root instance itself for its pk, loaded ones for the others.
    fn load_instances(&self, c: &Collected) -> Result<Vec<Instance<'a>>> {
        let mut out = Vec::with_capacity(c.pks.len());
        let mut pending: Vec<Value> = Vec::new();
        for pk in &c.pks {
            let root = match &self.root {
                Some((table, key, instance)) if *table == c.meta.table && *key == PkKey::from(pk) => Some(*instance),
                _ => None,
            };
            match root {
                Some(instance) => {
                    if !pending.is_empty() {
                        let loaded = (c.meta.load_erased)(self.db, &pending)?;
                        out.extend(loaded.into_iter().map(Instance::Loaded));
                        pending.clear();
                    }
                    out.push(Instance::Root(instance));
                }
                None => pending.push(pk.clone()),
            }
        }
        if !pending.is_empty() {
            let loaded = (c.meta.load_erased)(self.db, &pending)?;
            out.extend(loaded.into_iter().map(Instance::Loaded));
        }
        Ok(out)
    }
}

enum Instance<'a> {
    Root(&'a dyn Any),
    Loaded(Box<dyn Any>),
}

impl Instance<'_> {
    fn get(&self) -> &dyn Any {
        match self {
            Instance::Root(r) => *r,
            Instance::Loaded(b) => b.as_ref(),
        }
    }
}

fn push_protected(protected: &mut Vec<(String, Vec<ObjectRef>)>, key: &str, objects: Vec<ObjectRef>) {
    match protected.iter_mut().find(|(k, _)| k == key) {
        Some((_, list)) => list.extend(objects),
        None => protected.push((key.to_owned(), objects)),
    }
}

/// `DELETE FROM t WHERE pk IN (...)`, in batches; the rows deleted.
fn delete_batch(db: &Database, meta: &ModelMeta, pks: &[Value]) -> Result<usize> {
    let mut total = 0;
    for chunk in pks.chunks(BATCH) {
        let mut sql = Sql::delete_from(meta.table);
        sql.push_where();
        sql.push_in(meta.pk_column().column, chunk);
        total += db.execute_sql(&sql)?;
    }
    Ok(total)
}
