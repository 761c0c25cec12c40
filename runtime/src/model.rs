//! The contract between generated code and the runtime.
//!
//! Generated code implements [`Model`] for every concrete model and describes
//! it with a `static` [`ModelMeta`]. Everything Django does generically (the
//! save algorithm, the delete collector, signals, querysets) lives in the
//! runtime and works from that description, so the templates only print data.

use std::sync::{Arc, Mutex};

use rusqlite::types::{ToSqlOutput, Value};

/// What `on_delete` does to rows that reference a deleted row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    Cascade,
    Protect,
    Restrict,
    SetNull,
    SetDefault,
    DoNothing,
}

/// One concrete column of a model's own table, in table order.
#[derive(Debug)]
pub struct ColumnMeta {
    /// The field name in the schema (`blog` for a ForeignKey, whose column is `blog_id`).
    pub field: &'static str,
    /// The column name in the table.
    pub column: &'static str,
    pub primary_key: bool,
    /// An auto-incrementing primary key (AutoField, BigAutoField, SmallAutoField).
    pub auto: bool,
    pub null: bool,
    pub unique: bool,
    /// What a copy (`clone_unsaved`, `duplicate`, `fork`) puts in the column.
    pub copy: CopyPolicy,
}

/// What a copy of a row puts in one of its columns: the `clone:` policy of
/// the field, as the schema compiler resolved it (defaults included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyPolicy {
    /// The source's value; a ForeignKey keeps its target (unless the target
    /// is copied by the same fork, when it points at the copy).
    Keep,
    /// A fresh value from [`ModelMeta::copy_default`]: the field's default
    /// (`exclude`), `now` for auto_now / auto_now_add, a new UUID for a pk
    /// with `default: uuid4`.
    Default,
    /// The source's value with " copy N" appended (`-copy-N` for a
    /// SlugField), N the smallest number free among stored rows and the
    /// rows of the same copy, the base cut to fit `max_length` characters.
    Suffix { separator: &'static str, max_length: Option<u32> },
    /// NULL, or `""` for a text column that is not nullable; a ForeignKey
    /// set to NULL (`skip`).
    Clear,
    /// The caller supplies the value (an argument of the generated method).
    /// Rows a fork reaches other than its root keep the source's value.
    Supplied,
    /// A ForeignKey or OneToOneField whose target a fork copies too.
    Copy,
    /// The primary key or a multi-table-inheritance link: the copy's new key.
    NewKey,
}

/// What a copy does with a many-to-many set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationCopy {
    /// Link the copy to the same targets (rows of a custom through model
    /// are copied with their extra columns).
    Link,
    /// Leave the copy's set empty.
    Skip,
    /// `fork()` copies the targets too and links the copy to the copies;
    /// `duplicate()` links to the same targets.
    Copy,
}

/// A relation pointing at a model that `fork()` follows backwards: the
/// rows of `model` that point at the forked row are copied too (a reverse
/// ForeignKey or OneToOneField, or the declaring side of a many-to-many).
#[derive(Debug)]
pub struct ReverseCopy {
    pub model: &'static ModelMeta,
    pub kind: ReverseCopyKind,
}

#[derive(Debug, Clone, Copy)]
pub enum ReverseCopyKind {
    /// Index into `model.columns` of the ForeignKey / OneToOneField column.
    ForeignKey { column: usize },
    /// Index into `model.many_to_many`.
    ManyToMany { index: usize },
}

/// A ForeignKey or OneToOneField declared on a model (its forward side).
#[derive(Debug)]
pub struct RelationMeta {
    /// Index into [`ModelMeta::columns`] of the referencing column.
    pub column: usize,
    /// Table and column referenced.
    pub target_table: &'static str,
    pub target_column: &'static str,
    pub on_delete: OnDelete,
    /// The field's default as a stored value, for SET_DEFAULT.
    pub default: Option<DefaultValue>,
    pub one_to_one: bool,
    /// The link from a multi-table-inheritance child to its parent.
    pub parent_link: bool,
    /// The model whose table the relation points at.
    pub target: &'static ModelMeta,
}

/// A default value that can live in a `static`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'static str),
}

impl DefaultValue {
    pub fn to_value(self) -> Value {
        match self {
            DefaultValue::Null => Value::Null,
            DefaultValue::Integer(i) => Value::Integer(i),
            DefaultValue::Real(r) => Value::Real(r),
            DefaultValue::Text(t) => Value::Text(t.to_owned()),
        }
    }
}

/// A ManyToManyField declared on a model.
#[derive(Debug)]
pub struct ManyToManyMeta {
    pub field: &'static str,
    /// The join table (auto-created `<app>_<model>_<field>` or the custom through model's table).
    pub through_table: &'static str,
    /// Column of the join table that points at the declaring model.
    pub source_column: &'static str,
    /// Column of the join table that points at the target model.
    pub target_column: &'static str,
    pub target_table: &'static str,
    /// Whether the join table was created by modelgen (no through model).
    pub auto_created: bool,
    /// A many-to-many to `self` kept symmetrical: every link is stored both ways.
    pub symmetrical: bool,
    pub target: &'static ModelMeta,
    /// The custom through model, whose rows a copy copies with their extra columns.
    pub through: Option<&'static ModelMeta>,
    /// What a copy does with the set.
    pub copy: RelationCopy,
}

/// The type of [`ModelMeta::load_erased`]: generated code points it at
/// [`crate::load_erased`]`::<Model>`.
pub type LoadErasedFn = fn(&crate::Database, &[Value]) -> crate::Result<Vec<Box<dyn std::any::Any>>>;

/// Everything the runtime needs to know about one concrete model.
#[derive(Debug)]
pub struct ModelMeta {
    pub app: &'static str,
    /// The model's name as written in the schema (`Entry`).
    pub name: &'static str,
    pub table: &'static str,
    pub columns: &'static [ColumnMeta],
    /// Index into `columns` of the primary key.
    pub pk: usize,
    pub relations: &'static [RelationMeta],
    pub many_to_many: &'static [ManyToManyMeta],
    /// Default ordering as (column, descending).
    pub ordering: &'static [(&'static str, bool)],
    /// Column named by `meta.get_latest_by`.
    pub get_latest_by: Option<&'static str>,
    /// Whether the primary key has a default (a UUIDField with `default: uuid4`):
    /// Django then skips the UPDATE attempt when saving a new instance.
    pub pk_has_default: bool,
    /// `SELECT <every field> FROM <from_sql>`, in the order `from_row`
    /// reads: for a multi-table-inheritance child, every ancestor's columns
    /// (root first) and then its own.
    pub select_sql: &'static str,
    /// What queries select from: the quoted table, or for a
    /// multi-table-inheritance child the table joined to every ancestor.
    /// Column names are unique across the join (Django forbids a child
    /// field clashing with a parent's), so filters need no qualification.
    pub from_sql: &'static str,
    /// The concrete parent of a multi-table-inheritance child.
    pub parent: Option<&'static ModelMeta>,
    /// INSERT of every column but an auto pk, `RETURNING <pk>`; the runtime
    /// binds [`Model::column_value`] of every column but the pk, in `columns`
    /// order. Used when the pk is an unset auto pk.
    pub insert_sql: &'static str,
    /// INSERT of every column including the pk, in `columns` order.
    pub insert_with_pk_sql: &'static str,
    /// `UPDATE <table> SET <every non-pk column> = ? ... WHERE <pk> = ?`.
    pub update_sql: &'static str,
    /// Loads instances for signals sent by the delete collector, which only
    /// knows tables: `SELECT ... WHERE pk IN (...)` with the pks given.
    pub load_erased: LoadErasedFn,
    /// Relations a `fork()` follows backwards into this model (the reverse
    /// relations whose `clone:` policy is `copy`).
    pub reverse_copies: &'static [ReverseCopy],
    /// The fresh value of a column whose [`CopyPolicy`] is `Default`
    /// (`None` for the other columns): generated code points it at
    /// `<Model>::copy_default`.
    pub copy_default: CopyDefaultFn,
    /// Builds an instance from stored values (every column of the lineage,
    /// root table first, as `from_row` reads them), for the signals of rows
    /// a fork is about to insert: [`crate::build_erased`]`::<Model>`.
    pub build_erased: BuildErasedFn,
}

/// The type of [`ModelMeta::copy_default`]: column index (into `columns`)
/// and the copy's `now` to the value stored.
pub type CopyDefaultFn = fn(usize, chrono::DateTime<chrono::Utc>) -> Option<Value>;

/// The type of [`ModelMeta::build_erased`].
pub type BuildErasedFn = fn(&crate::Database, &[Value]) -> crate::Result<Box<dyn std::any::Any>>;

impl ModelMeta {
    pub fn pk_column(&self) -> &'static ColumnMeta {
        &self.columns[self.pk]
    }

    /// Django's `Model._meta.label`: `app.Model`.
    pub fn label(&self) -> String {
        let mut label = String::with_capacity(self.app.len() + 1 + self.name.len());
        label.push_str(self.app);
        label.push('.');
        label.push_str(self.name);
        label
    }

    /// The table of the root of the inheritance chain (the model's own
    /// table when it has no concrete parent): rows of one object share
    /// their pk across the chain, so (root table, pk) names an object.
    pub fn root(&'static self) -> &'static ModelMeta {
        self.lineage().last().unwrap_or(self)
    }

    /// The relation (ForeignKey / OneToOneField) whose column is `column`.
    pub fn relation_at(&self, column: usize) -> Option<&'static RelationMeta> {
        self.relations.iter().find(|r| r.column == column)
    }

    /// This model and its concrete ancestors, child first.
    pub fn lineage(&'static self) -> impl Iterator<Item = &'static ModelMeta> {
        std::iter::successors(Some(self), |meta| meta.parent)
    }

    /// Index into [`ModelMeta::columns`] of the column named `column`.
    pub fn column_index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.column == column)
    }

    /// Index of the column a name given to `update_fields` designates: a
    /// field name (`blog`) or, for a ForeignKey/OneToOneField, its attname
    /// (`blog_id`), as Django accepts both.
    pub fn update_field_index(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.columns.iter().position(|c| c.field == name) {
            return Some(i);
        }
        let field = name.strip_suffix("_id")?;
        self.relations.iter().map(|r| r.column).find(|&i| self.columns.get(i).is_some_and(|c| c.field == field))
    }
}

/// One schema file ("app"): its label, its DDL and its concrete models.
///
/// Generated code emits one `static` per app; [`crate::Database::create_tables`]
/// runs the DDL and registers the models, so that the delete collector can
/// find every relation pointing at a table, across apps.
#[derive(Debug)]
pub struct AppMeta {
    pub label: &'static str,
    /// `CREATE TABLE ...; CREATE INDEX ...;` for every model of the app, in
    /// dependency order.
    pub ddl: &'static str,
    pub models: &'static [&'static ModelMeta],
}

/// A set of column indexes (into [`ModelMeta::columns`]); what a save with
/// `update_fields` writes. No allocation for models of up to 128 columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ColumnSet {
    low: u128,
    high: Vec<u64>,
}

impl ColumnSet {
    pub fn new() -> Self {
        ColumnSet::default()
    }

    pub fn insert(&mut self, index: usize) {
        if index < 128 {
            self.low |= 1u128 << index;
        } else {
            let word = (index - 128) / 64;
            if self.high.len() <= word {
                self.high.resize(word + 1, 0);
            }
            self.high[word] |= 1u64 << ((index - 128) % 64);
        }
    }

    pub fn contains(&self, index: usize) -> bool {
        if index < 128 {
            self.low & (1u128 << index) != 0
        } else {
            let word = (index - 128) / 64;
            self.high.get(word).is_some_and(|w| w & (1u64 << ((index - 128) % 64)) != 0)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.low == 0 && self.high.iter().all(|w| *w == 0)
    }
}

/// Per-instance state kept beside the fields, as Django's `Model._state`.
///
/// Besides `adding`, it holds a copy of the instance as its row was when it
/// was last loaded or saved (dirty tracking, see [`crate::Tracking`]). The
/// copy lives in a shared cell so that a transaction rolled back after a
/// save can put the previous copy back ([`crate::Database::transaction`]
/// keeps an undo list); a `clone()` of the instance gets a cell of its own
/// holding the same copy. Two states are `==` when `adding` is: the
/// snapshot is bookkeeping, not a value.
#[derive(Debug, Default)]
pub struct ModelState {
    /// True until the instance has been saved or was loaded from the database.
    pub adding: bool,
    stored: Option<SnapshotCell>,
}

/// The instance as stored (a `M` with an empty state), shared and immutable.
pub type Snapshot = Arc<dyn std::any::Any + Send + Sync>;

pub(crate) type SnapshotCell = Arc<Mutex<Option<Snapshot>>>;

impl Clone for ModelState {
    fn clone(&self) -> Self {
        let stored = self.snapshot().map(|s| Arc::new(Mutex::new(Some(s))));
        ModelState { adding: self.adding, stored }
    }
}

impl PartialEq for ModelState {
    fn eq(&self, other: &Self) -> bool {
        self.adding == other.adding
    }
}

impl ModelState {
    pub fn new_adding() -> Self {
        ModelState { adding: true, stored: None }
    }

    pub fn loaded() -> Self {
        ModelState { adding: false, stored: None }
    }

    /// The same `adding`, without a snapshot (what a multi-table child
    /// hands to the parent it saves).
    pub fn without_snapshot(&self) -> Self {
        ModelState { adding: self.adding, stored: None }
    }

    /// The instance as of the last load or save, if tracked.
    pub fn snapshot(&self) -> Option<Snapshot> {
        let cell = self.stored.as_ref()?;
        let guard = match cell.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.clone()
    }

    /// Replace the snapshot; returns the cell and the previous snapshot, so
    /// a rollback can put it back.
    pub(crate) fn replace_snapshot(&mut self, snapshot: Option<Snapshot>) -> (SnapshotCell, Option<Snapshot>) {
        let cell = self.stored.get_or_insert_with(|| Arc::new(Mutex::new(None))).clone();
        let previous = match cell.lock() {
            Ok(mut guard) => std::mem::replace(&mut *guard, snapshot),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), snapshot),
        };
        (cell, previous)
    }

    /// A fresh cell holding `snapshot` (an instance just loaded).
    pub(crate) fn set_snapshot(&mut self, snapshot: Snapshot) {
        self.stored = Some(Arc::new(Mutex::new(Some(snapshot))));
    }
}

/// Implemented by generated code for every concrete model.
pub trait Model: Sized + Clone + Send + Sync + 'static {
    fn meta() -> &'static ModelMeta;

    /// The primary key as stored, or `None` when unset (only an auto pk can be unset).
    fn pk_value(&self) -> Option<Value>;

    /// Set the primary key from a stored value (the id returned by an INSERT),
    /// or clear it (`None`, after a delete).
    fn set_pk_value(&mut self, value: Option<Value>) -> crate::Result<()>;

    /// Bind the value of column `index` (into `meta().columns`) as a parameter.
    fn column_value(&self, index: usize) -> rusqlite::Result<ToSqlOutput<'_>>;

    /// Build an instance from a row whose columns start at `offset` and follow
    /// `meta().columns` order.
    fn from_row(row: &rusqlite::Row<'_>, offset: usize) -> rusqlite::Result<Self>;

    /// Whether [`Model::pre_save`] does anything (the model has `auto_now`
    /// or `auto_now_add` fields). Generated code sets it to `false` for the
    /// other models, which spares every save the clock read and the calls.
    const HAS_PRE_SAVE: bool = true;

    /// Django's `pre_save` step of each field: `auto_now` on every save,
    /// `auto_now_add` when inserting. `now` is taken once per save, with
    /// microsecond precision (what the database stores).
    fn pre_save(&mut self, adding: bool, now: chrono::DateTime<chrono::Utc>);

    /// The `pre_save` step of a save with `update_fields`, which is always an
    /// UPDATE: Django runs `Field.pre_save(instance, add=False)` only for the
    /// listed fields, so an `auto_now` field that is not listed keeps its
    /// value on the instance too. Generated code should override this to
    /// touch only the columns in `columns`; the default runs
    /// `pre_save(false, now)` for every field (the database write is the same
    /// either way: only the listed columns are written).
    fn pre_save_columns(&mut self, columns: &ColumnSet, now: chrono::DateTime<chrono::Utc>) {
        let _ = columns;
        self.pre_save(false, now);
    }

    fn state(&self) -> &ModelState;
    fn state_mut(&mut self) -> &mut ModelState;

    /// The schema names of every struct field, in struct order (for a
    /// multi-table child: the root's fields first), for dirty tracking and
    /// `diff`. Hand-written models may leave it empty (no tracking).
    const FIELDS: &'static [&'static str] = &[];

    /// Indexes into [`Model::FIELDS`] of the fields a copy or `diff`
    /// compares but dirty tracking leaves out: the primary key and every
    /// multi-table-inheritance link (changing one is not an update).
    const KEY_FIELDS: &'static [usize] = &[];

    /// Indexes into [`Model::FIELDS`] of the auto_now fields, which a save
    /// of only the changed fields refreshes as a full save would.
    const AUTO_NOW_FIELDS: &'static [usize] = &[];

    /// The value of every field in [`Model::FIELDS`] order, as stored.
    fn field_values(&self) -> Vec<Value> {
        Vec::new()
    }

    /// Set every field from stored values in [`Model::FIELDS`] order (a
    /// save with `update_fields` merges the written fields into the snapshot
    /// this way).
    fn set_field_values(&mut self, values: &[Value]) -> crate::Result<()> {
        let _ = values;
        Ok(())
    }

    /// Whether the model is a multi-table-inheritance child, whose save
    /// writes its ancestors' rows first.
    const HAS_PARENTS: bool = false;

    /// Django's `_save_parents`: save every ancestor's row (root first,
    /// without signals) and point this instance's parent link at it.
    /// Returns whether any ancestor row was inserted, which forces the
    /// child's own row to be inserted too.
    fn save_parents(&mut self, db: &crate::Database, update_fields: Option<&[&str]>) -> crate::Result<bool> {
        let _ = (db, update_fields);
        Ok(false)
    }
}
