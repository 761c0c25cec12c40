//! The contract between generated code and the runtime.
//!
//! Generated code implements [`Model`] for every concrete model and describes
//! it with a `static` [`ModelMeta`]. Everything Django does generically (the
//! save algorithm, the delete collector, signals, querysets) lives in the
//! runtime and works from that description, so the templates only print data.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::types::Value;

use crate::field::{Field, Row};
use crate::value::DbValue;

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

/// One concrete column of a model's own table, in table order. Generated
/// code builds it with the `const` builder methods:
/// `ColumnMeta::new("name", "name").max_length(100)`.
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
    /// `auto_now` / `auto_now_add`: what `pre_save` does to the field.
    pub auto_now: AutoNow,
    /// What `full_clean` checks.
    pub clean: CleanRule,
    /// `db_default` of a field with no `default`: the SQL of the
    /// database-side DEFAULT. An unset value (`None`) is filled by the
    /// database on save and read back, as Django's `DatabaseDefault`.
    pub db_default: Option<&'static str>,
    /// The same default as Django's PostgreSQL schema editor writes it
    /// (`true` where SQLite has `1`).
    pub db_default_postgresql: Option<&'static str>,
    /// The column type on PostgreSQL (`timestamp with time zone`,
    /// `varchar(100)`): what Django's `Cast(value, output_field=field)`
    /// casts to, as its `bulk_update` does there.
    pub postgresql_type: &'static str,
}

/// When `pre_save` sets a date or time field to the save's `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoNow {
    Never,
    /// `auto_now`: on every save (and on a save with `update_fields` that lists it).
    Always,
    /// `auto_now_add`: when the row is inserted.
    OnAdd,
}

/// The checks `full_clean` runs on one field (none for a field that is
/// not editable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanRule {
    /// The value must be one of the field's choices (empty is allowed when `blank`).
    pub choices: bool,
    /// `blank: true`.
    pub blank: bool,
    /// Django's empty values fail (a field that is not `blank` and whose
    /// type can be empty: text, JSON, `Option`).
    pub check_blank: bool,
    /// `MaxLengthValidator` of a text field.
    pub max_length: Option<u32>,
    /// `MinValueValidator` of an integer field (0 for the Positive* types).
    pub min_value: Option<i64>,
}

impl CleanRule {
    pub const NONE: CleanRule = CleanRule { choices: false, blank: false, check_blank: false, max_length: None, min_value: None };
}

impl ColumnMeta {
    /// A column with no flags: not null, not unique, kept by copies, no checks.
    pub const fn new(field: &'static str, column: &'static str) -> Self {
        ColumnMeta {
            field,
            column,
            primary_key: false,
            auto: false,
            null: false,
            unique: false,
            copy: CopyPolicy::Keep,
            auto_now: AutoNow::Never,
            clean: CleanRule::NONE,
            db_default: None,
            db_default_postgresql: None,
            postgresql_type: "",
        }
    }

    /// The database fills the column with `sqlite` (on PostgreSQL:
    /// `postgresql`) when the value is unset.
    pub const fn db_default(mut self, sqlite: &'static str, postgresql: &'static str) -> Self {
        self.db_default = Some(sqlite);
        self.db_default_postgresql = Some(postgresql);
        self
    }

    /// The column's type on PostgreSQL.
    pub const fn postgresql_type(mut self, sql_type: &'static str) -> Self {
        self.postgresql_type = sql_type;
        self
    }

    /// The SQL of the database default on `backend`.
    pub fn db_default_on(&self, backend: crate::backend::Backend) -> Option<&'static str> {
        match backend {
            crate::backend::Backend::Sqlite => self.db_default,
            crate::backend::Backend::PostgreSql => self.db_default_postgresql,
        }
    }

    /// Whether the column holds a DateTimeField's instant (a DateTimeField,
    /// or a relation to one as primary key): its values are bound and
    /// read in the database's zone (Django's `USE_TZ = False`). Such a
    /// column is, and only such a column is, a `timestamp with time zone`
    /// on PostgreSQL.
    pub fn holds_instant(&self) -> bool {
        self.postgresql_type == "timestamp with time zone"
    }

    /// The primary key: unique, and a copy gets a new key.
    pub const fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self.unique = true;
        self.copy = CopyPolicy::NewKey;
        self
    }

    /// An auto-incrementing primary key.
    pub const fn auto(mut self) -> Self {
        self.auto = true;
        self
    }

    pub const fn null(mut self) -> Self {
        self.null = true;
        self
    }

    pub const fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    pub const fn copy(mut self, policy: CopyPolicy) -> Self {
        self.copy = policy;
        self
    }

    /// `auto_now`: a copy gets a fresh value.
    pub const fn auto_now(mut self) -> Self {
        self.auto_now = AutoNow::Always;
        self.copy = CopyPolicy::Default;
        self
    }

    /// `auto_now_add`: a copy gets a fresh value.
    pub const fn auto_now_add(mut self) -> Self {
        self.auto_now = AutoNow::OnAdd;
        self.copy = CopyPolicy::Default;
        self
    }

    /// `full_clean` checks the value against the choices.
    pub const fn choices(mut self) -> Self {
        self.clean.choices = true;
        self
    }

    /// `blank: true` (an empty choice passes `full_clean`).
    pub const fn blank(mut self) -> Self {
        self.clean.blank = true;
        self
    }

    /// `full_clean` refuses Django's empty values.
    pub const fn not_blank(mut self) -> Self {
        self.clean.check_blank = true;
        self
    }

    /// `full_clean` checks the length of the text.
    pub const fn max_length(mut self, limit: u32) -> Self {
        self.clean.max_length = Some(limit);
        self
    }

    /// `full_clean` checks the integer is at least `limit`.
    pub const fn min_value(mut self, limit: i64) -> Self {
        self.clean.min_value = Some(limit);
        self
    }
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

impl RelationMeta {
    /// A ForeignKey whose column is `columns[column]`, pointing at
    /// `target_table.target_column` (the table of `target`).
    pub const fn new(
        column: usize,
        target: &'static ModelMeta,
        target_table: &'static str,
        target_column: &'static str,
        on_delete: OnDelete,
    ) -> Self {
        RelationMeta {
            column,
            target_table,
            target_column,
            on_delete,
            default: None,
            one_to_one: false,
            parent_link: false,
            target,
        }
    }

    pub const fn one_to_one(mut self) -> Self {
        self.one_to_one = true;
        self
    }

    /// The link of a multi-table-inheritance child to its parent (a one-to-one).
    pub const fn parent_link(mut self) -> Self {
        self.one_to_one = true;
        self.parent_link = true;
        self
    }

    /// The field's default, for SET_DEFAULT.
    pub const fn default(mut self, value: DefaultValue) -> Self {
        self.default = Some(value);
        self
    }
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

impl ManyToManyMeta {
    /// A many-to-many through an auto-created join table.
    pub const fn new(
        field: &'static str,
        target: &'static ModelMeta,
        through_table: &'static str,
        source_column: &'static str,
        target_column: &'static str,
        target_table: &'static str,
    ) -> Self {
        ManyToManyMeta {
            field,
            through_table,
            source_column,
            target_column,
            target_table,
            auto_created: true,
            symmetrical: false,
            target,
            through: None,
            copy: RelationCopy::Link,
        }
    }

    /// Through a custom model, whose rows copies copy with their extra columns.
    pub const fn through(mut self, through: &'static ModelMeta) -> Self {
        self.auto_created = false;
        self.through = Some(through);
        self
    }

    pub const fn symmetrical(mut self) -> Self {
        self.symmetrical = true;
        self
    }

    pub const fn copy(mut self, policy: RelationCopy) -> Self {
        self.copy = policy;
        self
    }
}

/// The type of [`ModelMeta::load_erased`]: generated code points it at
/// [`crate::load_erased`]`::<Model>`.
pub type LoadErasedFn = fn(&crate::Database, &[Value]) -> crate::Result<Vec<Box<dyn std::any::Any>>>;

/// Everything the runtime needs to know about one concrete model.
/// Generated code builds it in a `static` with the `const` builder:
/// `ModelMeta::new("weblog", "Blog", "weblog_blog").columns(&[...])...`.
/// The SQL of the model is built from it by the runtime (its `sql` module) on first use.
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
    /// The concrete parent of a multi-table-inheritance child.
    pub parent: Option<&'static ModelMeta>,
    /// How many struct fields come before this model's own columns: the
    /// columns of every ancestor's table (0 without a concrete parent).
    pub inherited_fields: usize,
    /// Whether a column of the model's own table is auto_now / auto_now_add
    /// (the save path skips the clock and `pre_save` otherwise).
    pub has_pre_save: bool,
    /// The columns from the first auto_now / auto_now_add column to the
    /// last, the only ones `pre_save` visits.
    pre_save_columns: (usize, usize),
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
    /// The stored primary key of a type-erased instance of this model
    /// (`Null` for another type), for receivers connected to every model.
    pub pk_erased: PkErasedFn,
    /// What the runtime derives from the above on first use (SQL, the
    /// field list of the inheritance chain).
    derived: OnceLock<Derived>,
    /// What the query compiler knows of the model, built on first use.
    query_shape: OnceLock<crate::sql::QueryShape>,
}

/// What [`ModelMeta`] derives once from the generated description.
#[derive(Debug)]
pub(crate) struct Derived {
    pub(crate) sql: crate::sql::ModelSql,
    /// The same statements with PostgreSQL's spelling of the db_defaults.
    sql_postgresql: OnceLock<crate::sql::ModelSql>,
    /// Every field of the struct, in struct order: the root table's
    /// columns first, down the inheritance chain, then this model's own.
    pub(crate) fields: Vec<&'static ColumnMeta>,
    pub(crate) field_names: Vec<&'static str>,
    /// Indexes into `fields` of every primary key and inheritance link.
    pub(crate) key_fields: Vec<usize>,
    /// Indexes into `fields` of the `auto_now` fields.
    pub(crate) auto_now_fields: Vec<usize>,
}

/// A `copy_default` for models with no `Default` copy policy.
pub fn no_copy_default(_: usize, _: chrono::DateTime<chrono::Utc>) -> Option<Box<dyn Field>> {
    None
}

impl ModelMeta {
    /// A model with no columns yet; the builder methods fill it in.
    pub const fn new(app: &'static str, name: &'static str, table: &'static str) -> Self {
        ModelMeta {
            app,
            name,
            table,
            columns: &[],
            pk: 0,
            relations: &[],
            many_to_many: &[],
            ordering: &[],
            get_latest_by: None,
            pk_has_default: false,
            parent: None,
            inherited_fields: 0,
            has_pre_save: false,
            pre_save_columns: (0, 0),
            load_erased: no_load_erased,
            reverse_copies: &[],
            copy_default: no_copy_default,
            build_erased: no_build_erased,
            pk_erased: no_pk_erased,
            derived: OnceLock::new(),
            query_shape: OnceLock::new(),
        }
    }

    /// The columns of the model's own table, in table order; the primary
    /// key is the one marked `primary_key`.
    pub const fn columns(mut self, columns: &'static [ColumnMeta]) -> Self {
        self.columns = columns;
        let mut i = 0;
        while i < columns.len() {
            if columns[i].primary_key {
                self.pk = i;
            }
            if !matches!(columns[i].auto_now, AutoNow::Never) {
                if !self.has_pre_save {
                    self.pre_save_columns.0 = i;
                }
                self.has_pre_save = true;
                self.pre_save_columns.1 = i + 1;
            }
            i += 1;
        }
        self
    }

    pub const fn relations(mut self, relations: &'static [RelationMeta]) -> Self {
        self.relations = relations;
        self
    }

    pub const fn many_to_many(mut self, many_to_many: &'static [ManyToManyMeta]) -> Self {
        self.many_to_many = many_to_many;
        self
    }

    pub const fn ordering(mut self, ordering: &'static [(&'static str, bool)]) -> Self {
        self.ordering = ordering;
        self
    }

    pub const fn get_latest_by(mut self, column: &'static str) -> Self {
        self.get_latest_by = Some(column);
        self
    }

    /// The primary key has a default drawn afresh (`uuid4`).
    pub const fn pk_has_default(mut self) -> Self {
        self.pk_has_default = true;
        self
    }

    /// The concrete parent of a multi-table-inheritance child, and how many
    /// struct fields the child inherits (the columns of every ancestor's table).
    pub const fn parent(mut self, parent: &'static ModelMeta, inherited_fields: usize) -> Self {
        self.parent = Some(parent);
        self.inherited_fields = inherited_fields;
        self
    }

    pub const fn reverse_copies(mut self, reverse_copies: &'static [ReverseCopy]) -> Self {
        self.reverse_copies = reverse_copies;
        self
    }

    pub const fn copy_default(mut self, copy_default: CopyDefaultFn) -> Self {
        self.copy_default = copy_default;
        self
    }

    /// The model's type-erased loaders: `.model::<Entry>()`.
    pub const fn model<M: Model>(mut self) -> Self {
        self.load_erased = crate::delete::load_erased::<M>;
        self.build_erased = crate::copy::build_erased::<M>;
        self.pk_erased = pk_erased::<M>;
        self
    }

    pub(crate) fn derived(&'static self) -> &'static Derived {
        self.derived.get_or_init(|| {
            let lineage: Vec<&'static ModelMeta> = self.lineage().collect();
            let mut fields = Vec::new();
            let mut key_fields = Vec::new();
            for meta in lineage.iter().rev() {
                for (i, column) in meta.columns.iter().enumerate() {
                    if column.primary_key || meta.relation_at(i).is_some_and(|r| r.parent_link) {
                        key_fields.push(fields.len());
                    }
                    fields.push(column);
                }
            }
            let own_offset = fields.len() - self.columns.len();
            debug_assert_eq!(own_offset, self.inherited_fields, "generated inherited_fields of {}", self.name);
            Derived {
                sql: crate::sql::ModelSql::new(&self.shape(crate::backend::Backend::Sqlite)),
                sql_postgresql: OnceLock::new(),
                field_names: fields.iter().map(|c| c.field).collect(),
                auto_now_fields: (0..fields.len()).filter(|&i| fields[i].auto_now == AutoNow::Always).collect(),
                fields,
                key_fields,
            }
        })
    }

    /// Every field of the struct, in struct order (the root table's columns
    /// first for a multi-table-inheritance child).
    pub fn fields(&'static self) -> &'static [&'static ColumnMeta] {
        &self.derived().fields
    }

    /// The schema names of [`ModelMeta::fields`].
    pub fn field_names(&'static self) -> &'static [&'static str] {
        &self.derived().field_names
    }

    /// Indexes into [`ModelMeta::fields`] of every primary key and
    /// inheritance link (what dirty tracking leaves out: changing one is
    /// not an update).
    pub fn key_fields(&'static self) -> &'static [usize] {
        &self.derived().key_fields
    }

    /// Indexes into [`ModelMeta::fields`] of the `auto_now` fields, which
    /// a save of only the changed fields refreshes as a full save would.
    pub fn auto_now_fields(&'static self) -> &'static [usize] {
        &self.derived().auto_now_fields
    }

    /// What the model's SQL is built from (`crate::sql` knows no model).
    fn shape(&self, backend: crate::backend::Backend) -> crate::sql::TableShape<'static> {
        crate::sql::TableShape {
            table: self.table,
            columns: self.columns.iter().map(|c| c.column).collect(),
            db_defaults: self.columns.iter().map(|c| c.db_default_on(backend)).collect(),
            pk: self.pk,
            pk_auto: self.pk_column().auto,
            parent: self.parent.map(|parent| {
                let link = self.relations.iter().find(|r| r.parent_link).map_or(self.pk, |r| r.column);
                (Box::new(parent.shape(backend)), link)
            }),
        }
    }

    /// What the query compiler knows of the model (`crate::sql` knows no model).
    pub(crate) fn query_shape(&'static self) -> &'static crate::sql::QueryShape {
        self.query_shape.get_or_init(|| crate::sql::QueryShape {
            table: self.table,
            columns: self.columns.iter().map(|c| (c.column, c.null)).collect(),
            pk: self.pk_column().column,
            parent: self.parent.map(|parent| {
                let link = self.relations.iter().find(|r| r.parent_link).map_or(self.pk, |r| r.column);
                (parent.query_shape(), self.columns[link].column)
            }),
            fields: self.fields().iter().map(|c| c.column).collect(),
            from: self.from_sql(),
            select: self.select_sql(),
        })
    }

    pub(crate) fn sql(&'static self) -> &'static crate::sql::ModelSql {
        &self.derived().sql
    }

    /// The model's statements as `backend` needs them (the db_defaults
    /// differ).
    pub(crate) fn sql_on(&'static self, backend: crate::backend::Backend) -> &'static crate::sql::ModelSql {
        match backend {
            crate::backend::Backend::Sqlite => self.sql(),
            crate::backend::Backend::PostgreSql => {
                self.derived().sql_postgresql.get_or_init(|| crate::sql::ModelSql::new(&self.shape(backend)))
            }
        }
    }

    /// `SELECT <every field> FROM ...` of the model.
    pub fn select_sql(&'static self) -> &'static str {
        &self.sql().select
    }

    /// What queries of the model select from (the table, joined to its
    /// ancestors' for a multi-table-inheritance child).
    pub fn from_sql(&'static self) -> &'static str {
        &self.sql().from
    }

    /// Index into [`ModelMeta::fields`] of the first column of the model's own table.
    #[inline]
    pub fn own_offset(&self) -> usize {
        self.inherited_fields
    }
}

/// The type of [`ModelMeta::copy_default`]: column index (into `columns`)
/// and the copy's `now` to the fresh value.
pub type CopyDefaultFn = fn(usize, chrono::DateTime<chrono::Utc>) -> Option<Box<dyn Field>>;

/// The type of [`ModelMeta::build_erased`].
pub type BuildErasedFn = fn(&crate::Database, &[Value]) -> crate::Result<Box<dyn std::any::Any>>;

/// The type of [`ModelMeta::pk_erased`].
pub type PkErasedFn = fn(&dyn std::any::Any) -> Value;

/// [`ModelMeta::pk_erased`] of `M`.
fn pk_erased<M: Model>(instance: &dyn std::any::Any) -> Value {
    instance.downcast_ref::<M>().and_then(pk_value).unwrap_or(Value::Null)
}

fn no_pk_erased(_: &dyn std::any::Any) -> Value {
    Value::Null
}

fn no_load_erased(_: &crate::Database, _: &[Value]) -> crate::Result<Vec<Box<dyn std::any::Any>>> {
    Err(crate::Error::Misuse("a model description without `.model::<M>()`".into()))
}

fn no_build_erased(_: &crate::Database, _: &[Value]) -> crate::Result<Box<dyn std::any::Any>> {
    Err(crate::Error::Misuse("a model description without `.model::<M>()`".into()))
}

impl ModelMeta {
    pub fn pk_column(&self) -> &'static ColumnMeta {
        &self.columns[self.pk]
    }

    /// `(app, name)`, what identifies the concrete model.
    pub fn label_parts(&self) -> (&'static str, &'static str) {
        (self.app, self.name)
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

    /// Whether `column`, a column of this model's table or of an
    /// ancestor's, holds an instant (see [`ColumnMeta::holds_instant`]).
    pub(crate) fn column_holds_instant(&'static self, column: &str) -> bool {
        self.lineage()
            .flat_map(|m| m.columns.iter())
            .find(|c| c.column == column)
            .is_some_and(ColumnMeta::holds_instant)
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
    /// The same for PostgreSQL, as Django's PostgreSQL schema editor
    /// writes it: one statement a line.
    pub ddl_postgresql: &'static str,
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

    /// The set as 64-bit words, lowest indexes first (a statement cache key).
    pub(crate) fn words(&self) -> Vec<u64> {
        let mut words = vec![self.low as u64, (self.low >> 64) as u64];
        words.extend(&self.high);
        words
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
    /// Relations pointed at an unsaved object (Django allows the
    /// assignment and refuses the save): the field's index in struct
    /// order, its name, and the value it held after the assignment.
    pub(crate) unsaved_related: Vec<(usize, &'static str, Value)>,
}

/// The instance as stored (a `M` with an empty state), shared and immutable.
pub type Snapshot = Arc<dyn std::any::Any + Send + Sync>;

pub(crate) type SnapshotCell = Arc<Mutex<Option<Snapshot>>>;

impl Clone for ModelState {
    fn clone(&self) -> Self {
        let stored = self.snapshot().map(|s| Arc::new(Mutex::new(Some(s))));
        ModelState { adding: self.adding, stored, unsaved_related: self.unsaved_related.clone() }
    }
}

impl PartialEq for ModelState {
    fn eq(&self, other: &Self) -> bool {
        self.adding == other.adding
    }
}

impl ModelState {
    pub fn new_adding() -> Self {
        ModelState { adding: true, stored: None, unsaved_related: Vec::new() }
    }

    pub fn loaded() -> Self {
        ModelState { adding: false, stored: None, unsaved_related: Vec::new() }
    }

    /// The same `adding`, without a snapshot (what a multi-table child
    /// hands to the parent it saves).
    pub fn without_snapshot(&self) -> Self {
        ModelState { adding: self.adding, stored: None, unsaved_related: Vec::new() }
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

/// Implemented by generated code for every concrete model: how to reach
/// its fields and its description. Everything else a model does (Django's
/// `save`, `delete`, `refresh_from_db`, `full_clean`, `objects`, `get`)
/// is a provided method working from those, so the generated code of a
/// model is its struct, its metadata and what is truly its own.
pub trait Model: Sized + Clone + Send + Sync + 'static {
    /// The type of the primary key's value (`i64` for an AutoField).
    type Key: DbValue;

    /// The type of the primary key's field (`Option<i64>` for an
    /// AutoField, unset until the first save).
    type Pk: DbValue + Default;

    fn meta() -> &'static ModelMeta;

    /// Field `index` of [`ModelMeta::fields`] (struct order), as a trait
    /// object; `None` past the last field.
    fn field(&self, index: usize) -> Option<&dyn Field>;

    /// Field `index`, mutable.
    fn field_mut(&mut self, index: usize) -> Option<&mut dyn Field>;

    /// Build an instance from a row whose columns follow
    /// [`ModelMeta::fields`] order: one [`Row::next`] per field.
    fn from_row(row: &mut Row<'_, '_>) -> crate::Result<Self>;

    fn state(&self) -> &ModelState;
    fn state_mut(&mut self) -> &mut ModelState;

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

    /// The primary key (Django's `pk`).
    fn pk(&self) -> Self::Pk {
        let index = Self::meta().own_offset() + Self::meta().pk;
        let stored = self.field(index).map_or(Value::Null, Field::stored);
        crate::value::from_value(stored).unwrap_or_default()
    }

    /// Set the primary key. For a multi-table-inheritance child it sets
    /// every key of the chain, the inherited `id` and each parent link, as
    /// Django's `_set_pk_val` does: they are one value.
    fn set_pk(&mut self, pk: Self::Pk) {
        let Ok(value) = crate::value::try_to_value(&pk) else { return };
        for &index in Self::meta().key_fields() {
            if let Some(field) = self.field_mut(index) {
                // Keys of one chain share their type (an integer or the
                // root's key type); a key that cannot hold NULL keeps its
                // value when the pk is cleared, as after a delete.
                if value != Value::Null || field.nullable() {
                    let _ = field.set_stored(value.clone());
                }
            }
        }
    }

    /// The typed key of this saved instance, to give where a relation to
    /// `Self` is expected (`Entry::new(blog.key()?, ...)`); an unsaved
    /// instance has no key: an error, as Django refuses an unsaved related
    /// object.
    fn key(&self) -> crate::Result<crate::Key<Self>> {
        crate::Key::of(self)
    }

    /// All rows, in the default ordering (Django's `Model.objects`).
    fn objects() -> crate::QuerySet<Self> {
        crate::QuerySet::new()
    }

    /// The row with this primary key.
    fn get(db: &crate::Database, pk: Self::Key) -> crate::Result<Self> {
        let pk = crate::value::try_to_value(&pk)?;
        let meta = Self::meta();
        let pk_column = meta.pk_column();
        // The pk's place among the struct's fields, by identity: the
        // fields are the metadata's own column entries.
        let field = meta.fields().iter().position(|c| std::ptr::eq(*c, pk_column));
        crate::QuerySet::<Self>::get_by_field(db, field, pk_column.column, pk)
    }

    /// Save with Django's rules: INSERT when the primary key is unset,
    /// otherwise UPDATE the row, or INSERT it when no row has that key.
    fn save(&mut self, db: &crate::Database) -> crate::Result<()> {
        crate::save(db, self, crate::SaveOptions::default())
    }

    /// Save with `force_insert`, `force_update` or `update_fields`.
    fn save_with(&mut self, db: &crate::Database, options: crate::SaveOptions<'_>) -> crate::Result<()> {
        crate::save(db, self, options)
    }

    /// Delete the row, applying every `on_delete` that points here; the
    /// instance keeps its values and its primary key is cleared.
    fn delete(&mut self, db: &crate::Database) -> crate::Result<crate::DeleteCount> {
        crate::delete(db, self)
    }

    /// Reload every field from the database.
    fn refresh_from_db(&mut self, db: &crate::Database) -> crate::Result<()> {
        crate::refresh_from_db(db, self)
    }

    /// Django's `refresh_from_db(fields=[...])`: reload only the named
    /// fields (field names, or `<fk>_id` attnames); the others keep their
    /// in-memory values. An empty list reloads nothing; an unknown name is
    /// Django's "Entry has no field named 'x'".
    fn refresh_fields_from_db(&mut self, db: &crate::Database, fields: &[&str]) -> crate::Result<()> {
        crate::save::refresh_fields_from_db(db, self, fields)
    }

    /// Django's `==` of model instances: the same concrete model and the
    /// same primary key. An unsaved instance is the same only as itself
    /// (the same object in memory). A multi-table child and its parent's
    /// row are different models, so never the same (as in Django). Rust's
    /// `==` compares every field instead.
    fn same_as<O: Model>(&self, other: &O) -> bool {
        if !std::ptr::eq(Self::meta(), O::meta()) {
            return false;
        }
        match (self.identity(), other.identity()) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => std::ptr::eq(self as *const Self as *const (), other as *const O as *const ()),
        }
    }

    /// Django's `hash()` of an instance as a key for sets and maps: the
    /// concrete model and the primary key, `None` for an unsaved instance
    /// (Django: "Model instances without primary key value are unhashable").
    fn identity(&self) -> Option<ModelKey> {
        let pk = pk_value(self)?;
        Some(ModelKey { model: Self::meta().label_parts(), pk: KeyValue::from_value(pk) })
    }

    /// Apply relative updates (Django's F expressions) to this row only; the
    /// new values are computed by the database. Call `refresh_from_db` to see them.
    fn update_relative(&self, db: &crate::Database, assignments: &[crate::Assignment<Self>]) -> crate::Result<usize> {
        crate::update_relative(db, self, assignments)
    }

    /// Django's `full_clean` field checks (max_length, choices, blank,
    /// null), every field's errors at once.
    fn full_clean(&self) -> Result<(), crate::ValidationErrors> {
        crate::clean::full_clean(self)
    }
}

/// The identity of a saved instance (see [`Model::identity`]): its
/// concrete model (`app`, `Model`) and its primary key. `Eq + Hash`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelKey {
    model: (&'static str, &'static str),
    pk: KeyValue,
}

impl ModelKey {
    /// The model's label, `app.Model`.
    pub fn label(&self) -> String {
        format!("{}.{}", self.model.0, self.model.1)
    }
}

/// A primary key's stored value, hashable (a real is kept by its bits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum KeyValue {
    Integer(i64),
    Real(u64),
    Text(String),
    Blob(Vec<u8>),
}

impl KeyValue {
    pub(crate) fn from_value(value: Value) -> Self {
        match value {
            Value::Integer(i) => KeyValue::Integer(i),
            Value::Real(r) => KeyValue::Real(r.to_bits()),
            Value::Text(t) => KeyValue::Text(t),
            Value::Blob(b) => KeyValue::Blob(b),
            Value::Null => KeyValue::Blob(Vec::new()),
        }
    }
}

/// Column `index` of `M`'s own table (into `meta().columns`) of an instance.
#[inline]
pub(crate) fn column<M: Model>(instance: &M, index: usize) -> Option<&dyn Field> {
    instance.field(M::meta().own_offset() + index)
}

/// The stored value of column `index` of the own table (NULL when out of range).
pub(crate) fn column_stored<M: Model>(instance: &M, index: usize) -> Value {
    column(instance, index).map_or(Value::Null, Field::stored)
}

/// `value`, a stored value of `column` (a datetime as UTC text, as
/// [`Field::stored`] gives it), as a statement on `db` binds it: a
/// DateTimeField's, or a relation's to one, in the database's zone.
pub(crate) fn bound_value<'v>(db: &crate::Database, column: &ColumnMeta, value: &'v Value) -> Cow<'v, Value> {
    match db.storage_zone() {
        Some(zone) if column.holds_instant() => Cow::Owned(crate::value::instant_text_in(value, zone)),
        _ => Cow::Borrowed(value),
    }
}

/// The primary key as the database on `db` holds it (a DateTimeField
/// key in its zone), `None` when unset: what the delete collector and the
/// copy engine, which work with the values they read back from the
/// database, start from.
pub(crate) fn pk_in_database<M: Model>(db: &crate::Database, instance: &M) -> Option<Value> {
    match column(instance, M::meta().pk).map(|field| field.stored_in(db.storage_zone())) {
        None | Some(Value::Null) => None,
        pk => pk,
    }
}

/// The stored primary key, `None` when unset (NULL): the one way the
/// runtime reads an instance's key value.
pub(crate) fn pk_value<M: Model>(instance: &M) -> Option<Value> {
    match column_stored(instance, M::meta().pk) {
        Value::Null => None,
        pk => Some(pk),
    }
}

/// Set the primary key from a stored value (the id returned by an INSERT),
/// or clear it (`None`, after a delete). A key whose type cannot be NULL
/// is never cleared: Django keeps it after `delete()`.
pub(crate) fn set_pk_value<M: Model>(instance: &mut M, value: Option<Value>) -> crate::Result<()> {
    let index = M::meta().own_offset() + M::meta().pk;
    match (instance.field_mut(index), value) {
        (Some(field), Some(value)) => field.set_stored(value),
        (Some(field), None) if field.nullable() => field.set_stored(Value::Null),
        _ => Ok(()),
    }
}

/// The value of every field in [`ModelMeta::fields`] order, as stored.
pub(crate) fn field_values<M: Model>(instance: &M) -> Vec<Value> {
    (0..M::meta().fields().len()).map(|i| instance.field(i).map_or(Value::Null, Field::stored)).collect()
}

/// Set every field from stored values in [`ModelMeta::fields`] order.
pub(crate) fn set_field_values<M: Model>(instance: &mut M, values: &[Value]) -> crate::Result<()> {
    if values.len() != M::meta().fields().len() {
        return Err(crate::Error::Misuse(format!(
            "{} stored values for the {} fields of {}",
            values.len(),
            M::meta().fields().len(),
            M::meta().name
        )));
    }
    for (i, value) in values.iter().enumerate() {
        if let Some(field) = instance.field_mut(i) {
            field.set_stored(value.clone())?;
        }
    }
    Ok(())
}

/// Django's `pre_save` step of each field of the model's own table:
/// `auto_now` on every save, `auto_now_add` when inserting. `now` is taken
/// once per save, with microsecond precision (what the database stores).
/// With `columns` (a save with `update_fields`, always an UPDATE), only the
/// listed `auto_now` fields, as Django runs `pre_save` only for those.
pub(crate) fn pre_save<M: Model>(
    instance: &mut M,
    adding: bool,
    columns: Option<&ColumnSet>,
    now: &crate::tz::Now,
) {
    let meta = M::meta();
    let offset = meta.own_offset();
    let (first, end) = meta.pre_save_columns;
    for (i, column) in meta.columns.iter().enumerate().take(end).skip(first) {
        let due = match column.auto_now {
            AutoNow::Never => false,
            AutoNow::Always => columns.is_none_or(|set| set.contains(i)),
            AutoNow::OnAdd => adding && columns.is_none(),
        };
        if due {
            if let Some(field) = instance.field_mut(offset + i) {
                field.set_now(now);
            }
        }
    }
}

/// Reads an instance from a rusqlite row whose columns start at `offset`,
/// datetimes stored as wall-clock time in `zone` (`None`: UTC).
#[inline]
pub(crate) fn read_row<M: Model>(row: crate::backend::DbRow<'_>, offset: usize, zone: Option<crate::tz::Tz>) -> crate::Result<M> {
    let mut reader = Row::new(row, offset, zone);
    M::from_row(&mut reader).map_err(|err| conversion_at(M::meta(), reader.fields_read(offset), err))
}

/// `err`, when it is a stored value that could not be read, as
/// [`crate::Error::Conversion`] naming the table and column of `meta`'s
/// field number `field`; any other error as it is.
fn conversion_at(meta: &'static ModelMeta, field: usize, err: crate::Error) -> crate::Error {
    let Some(message) = err.conversion_message() else { return err };
    let place = meta
        .lineage()
        .find(|m| field >= m.inherited_fields)
        .and_then(|m| m.columns.get(field - m.inherited_fields).map(|column| (m.table, column.column)));
    match place {
        Some((table, column)) => crate::Error::Conversion { model: meta.label(), table, column, message },
        None => err,
    }
}
