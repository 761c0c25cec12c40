//! Stage 3: the resolved model graph the templates print.
//!
//! Every name, Rust type and SQL string is computed here (in `resolve`), so
//! templates hold layout only. Defaults are typed (`FieldDefault`) and
//! printed as Rust and runtime text by `crate::print` when the context is
//! serialized. Everything is ordered (file order, or sorted),
//! which makes output deterministic.

use serde::Serialize;

use crate::types::Scalar;

/// All apps of one run, in the order their tables can be created.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// Every app of the run, each after the apps its relations point at.
    pub apps: Vec<App>,
}

/// Serialized by hand (in `crate::ddl`): the context's `ddl` key is printed
/// from `models` when the context is built.
#[derive(Debug, Clone)]
pub struct App {
    /// The app label (`weblog`), also the Rust module name.
    pub label: String,
    /// The schema file, as given, for the `@generated` header.
    pub source: String,
    /// The file stem outputs are named after (`weblog` -> weblog.rs, weblog.sql).
    pub file_stem: String,
    /// Concrete models in file order (abstract ones are folded into their children).
    pub models: Vec<Model>,
    /// The choice enums of the app's fields, one per field with `choices`.
    pub choice_enums: Vec<ChoiceEnum>,
    /// Other apps this app's relations point at (for `super::<app>` paths).
    pub depends_on: Vec<String>,
}

impl App {
    /// The full DDL script, statements in the order Django's schema editor
    /// runs them (the context's `ddl`), printed from `models`.
    pub fn ddl(&self) -> String {
        crate::ddl::app_ddl(&self.models)
    }

    /// The full DDL script for `dialect` (the context's `ddl` for SQLite,
    /// `ddl_postgresql` for PostgreSQL).
    pub fn ddl_for(&self, dialect: crate::ddl::Dialect) -> String {
        crate::ddl::app_ddl_for(dialect, &self.models)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// The struct name, as written in the schema (`Entry`).
    pub name: String,
    /// `weblog.Entry`.
    pub label: String,
    /// snake_case of the name, for statics (`ENTRY_META`).
    pub upper: String,
    /// The table (`weblog_entry`, or `meta.db_table`).
    pub table: String,
    /// `meta.verbose_name`, or the name split into lowercase words (`blog post`).
    pub verbose_name: String,
    /// `meta.verbose_name_plural`, or `verbose_name` + `s`.
    pub verbose_name_plural: String,
    /// Every column of the model's own table, table order.
    pub fields: Vec<Field>,
    /// The struct's fields: for a multi-table-inheritance child, every
    /// ancestor's columns (root first, as Django orders `_meta.fields`)
    /// followed by `fields`; otherwise the same as `fields`.
    pub all_fields: Vec<Field>,
    /// Index into `fields` of the primary key.
    pub pk: usize,
    /// Indexes into `all_fields` of the fields the constructor takes: not
    /// null, no default, and no empty value Django could give them.
    pub required: Vec<usize>,
    /// The constructor's arguments, one per `required` field: a relation
    /// is taken as its target's typed key (`blog: ::modelgen_runtime::Key<Blog>`).
    pub new_args: Vec<MethodArg>,
    /// The constructor's struct fields in struct order, each an
    /// initializer: the argument (`pub_date`, `blog_id: blog.get()`) or
    /// the default (`rating: 5_i64`).
    pub new_fields: Vec<String>,
    /// Whether a field of the own table is auto_now / auto_now_add.
    pub has_pre_save: bool,
    /// The `str` template (inherited from concrete parents too), for `Display`; `null`: Django's `<Model> object (<pk>)`.
    pub display: Option<FormatTemplate>,
    /// The `absolute_url` template, for `get_absolute_url`.
    pub absolute_url: Option<FormatTemplate>,
    /// `meta.ordering`, as columns.
    pub ordering: Vec<OrderingTerm>,
    /// `meta.get_latest_by` as a column, `-` first when descending.
    pub get_latest_by: Option<String>,
    /// `meta.unique_together`, as column lists.
    pub unique_together: Vec<Vec<String>>,
    /// `meta.indexes`, as CREATE INDEX statements.
    pub indexes: Vec<String>,
    /// `meta.constraints`, declaration order (printed by `crate::ddl` into
    /// the context's `ddl`, so not a context key of their own).
    #[serde(skip)]
    pub constraints: Vec<Constraint>,
    /// The model's ManyToManyFields (which have no column), declaration order.
    pub many_to_many: Vec<ManyToMany>,
    /// Reverse sides of FKs / O2Os / M2Ms pointing at this model.
    pub reverse: Vec<Reverse>,
    /// Indexes into `all_fields` of the non-null DateField / DateTimeField,
    /// for get_next_by_ / get_previous_by_.
    pub next_previous: Vec<usize>,
    /// Multi-table inheritance: the parent this model extends.
    pub parent: Option<ParentLink>,
    /// Multi-table inheritance: every concrete ancestor as a Rust path from
    /// this app, parent first (`impl mg::Extends<_>`: the child's key is one
    /// of each).
    pub ancestors: Vec<String>,
    /// The `clone:` lines as written (the effective policies are in `copy` and each field's `copy_policy`).
    pub clone_policies: Vec<ClonePolicy>,
    /// Whether a fork can give copies new keys without an auto-increment: the key is `Generated` (see `pk_kind`).
    pub pk_has_default: bool,
    /// Where the primary key comes from.
    pub pk_kind: PkKind,
    /// Indexes into `all_fields` of the fields that get a `get_by_<field>`:
    /// unique, not the primary key, not null.
    pub get_by: Vec<usize>,
    /// What `clone_unsaved`, `duplicate` and `fork` do, from the `clone:`
    /// policies (defaults included); filled in by `copy_plan`.
    pub copy: CopyPlan,
}

/// One `meta.constraints` entry, resolved to columns and SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// A UniqueConstraint: inline `CONSTRAINT "name" UNIQUE (...)`, or with
    /// a condition a `CREATE UNIQUE INDEX "name" ... WHERE <condition>`.
    Unique { name: String, columns: Vec<String>, condition: Option<DialectSql> },
    /// A CheckConstraint: inline `CONSTRAINT "name" CHECK (<condition>)`.
    Check { name: String, condition: DialectSql },
}

/// SQL text written differently per dialect (a condition's literals:
/// `'2.50'` on SQLite is `2.50` on PostgreSQL, `'2020-01-01'` is
/// `'2020-01-01'::date`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DialectSql {
    pub sqlite: String,
    pub postgresql: String,
}

impl DialectSql {
    pub fn get(&self, dialect: crate::ddl::Dialect) -> &str {
        match dialect {
            crate::ddl::Dialect::Sqlite => &self.sqlite,
            crate::ddl::Dialect::Postgresql => &self.postgresql,
        }
    }
}

/// A column as Django's PostgreSQL schema editor declares it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PostgresqlColumn {
    /// `varchar(12)`, `timestamp with time zone`, `numeric(10, 2)`, `jsonb`.
    pub sql_type: String,
    /// The CHECK of a positive integer (no JSON check: jsonb validates).
    pub check: Option<String>,
    /// `db_default` as the PostgreSQL schema editor writes it
    /// (`(STATEMENT_TIMESTAMP())`, `false`, `'2020-01-02'::date`).
    pub db_default: Option<String>,
}

/// The copy methods of one model, computed from the resolved policies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CopyPlan {
    /// The arguments the copy methods take (a new pk that is not
    /// automatic, then the `supplied` fields), in order.
    pub args: Vec<CopyArg>,
    /// Every field a copy does not keep and the value it gets
    /// (`copy.<ident> = <expr>`): keys cleared, suffixes, clears, defaults
    /// and the arguments. The runtime applies the policies itself;
    /// `clone_unsaved` prints only the arguments' own assignments (`args`'
    /// `target` and `value`).
    pub assignments: Vec<CopyAssignment>,
    /// `copy_default` match arms: own column index -> fresh value expression.
    pub defaults: Vec<CopyAssignment>,
    /// `ReverseCopy` literals of the reverse relations whose policy is `copy`.
    pub reverse_copies: Vec<String>,
    /// Tracking: indexes into `all_fields` of the pk and inheritance links.
    pub key_fields: Vec<usize>,
    /// Indexes into `all_fields` of the auto_now fields.
    pub auto_now_fields: Vec<usize>,
    /// `duplicate_many`'s item type (`i64`, `(i64, String)`) and the
    /// pattern binding it (`receiver`, `(a, b)`), when there are arguments.
    pub item_type: String,
    /// The pattern binding one item of `duplicate_many` (`receiver`, `(a, b)`).
    pub item_pattern: String,
}

/// An argument of a generated method.
#[derive(Debug, Clone, Serialize)]
pub struct MethodArg {
    /// The argument's name (the field's name, `r#type` for a keyword).
    pub ident: String,
    /// The argument's type (the field's `arg_type`).
    pub rust_type: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CopyArg {
    /// The argument's name (`pk`, or the field's name as in `new`).
    pub ident: String,
    /// The argument's type (the field's `arg_type`: a relation's is `::modelgen_runtime::Key<Target>`).
    pub rust_type: String,
    /// `Supplied::new(&<meta>, <column>, &<ident>)` for `fork`.
    pub supplied: String,
    /// The struct field `clone_unsaved` sets from the argument (`book_id`).
    pub target: String,
    /// The value it sets: `<ident>`, or the raw key (`book.get()`).
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CopyAssignment {
    /// The struct field (`read`), or the column index for `defaults`.
    pub target: String,
    /// The Rust expression assigned.
    pub expr: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// The schema name (`blog`).
    pub name: String,
    /// The struct field (`blog_id`, `r#type`).
    pub ident: String,
    /// The name without `r#`, for method names built from it.
    pub plain_ident: String,
    /// The typed column constant (`Entry::BLOG`).
    pub const_name: String,
    /// The column name (`blog_id`, or `db_column`).
    pub column: String,
    /// The table holding the column (an ancestor's, for inherited fields).
    pub table: String,
    /// The Django field type as written (`ForeignKey`, `CharField`).
    pub django_type: String,
    /// The column type as Django's SQLite backend declares it.
    pub sql_type: String,
    /// A CHECK constraint Django adds (positive integers, JSON).
    pub check: Option<String>,
    /// The column as Django's PostgreSQL backend declares it (printed by
    /// `crate::ddl` into the context's `ddl_postgresql`; the model template
    /// prints its type and default into `ColumnMeta`).
    pub postgresql: PostgresqlColumn,
    /// Whether Django creates an index for the column (ForeignKey, SlugField, db_index).
    pub db_index: bool,
    /// The value type, typed (what `value_type` prints).
    #[serde(skip)]
    pub value: RustType,
    /// The struct field's type (`Option<String>`).
    pub rust_type: String,
    /// The value type without `Option` (`String`, `EntryStatus`).
    pub value_type: String,
    /// The type of the field's typed column constant (`mg::Column<Self,
    /// _>`): the value type, a relation's as its target's key
    /// (`::modelgen_runtime::Key<Blog>`), in `Option` when the field is `null`.
    pub column_type: String,
    /// The type of an argument giving the field's value (constructor,
    /// copy methods, `get_by_`): `rust_type`, a relation's with its
    /// target's key (`::modelgen_runtime::Key<Blog>`, `Option<::modelgen_runtime::Key<User>>`), so keys of
    /// two models cannot be swapped.
    pub arg_type: String,
    /// Whether the value type is `Copy` (so accessors copy instead of cloning).
    pub copy: bool,
    /// Whether NULL is allowed (`null: true`): the Rust type is an `Option`.
    pub null: bool,
    /// Whether `full_clean` accepts an empty value (`blank: true`, and auto_now fields).
    pub blank: bool,
    /// Whether the field is the primary key.
    pub primary_key: bool,
    /// An auto-incrementing primary key: `Option` in Rust, unset until saved.
    pub auto: bool,
    /// Whether values are unique (`unique: true`, one-to-ones and primary keys).
    pub unique: bool,
    /// Whether `full_clean` checks the field: not `editable: false`, not auto_now / auto_now_add, not an auto key.
    pub editable: bool,
    /// The default, typed. The context holds it printed (by `crate::print`)
    /// as two keys: `default_expr`, the Rust expression the constructor uses
    /// when the field is not required (empty when it is), and
    /// `default_static`, the runtime `DefaultValue` literal SET_DEFAULT
    /// writes, when the default is a fixed value.
    #[serde(flatten)]
    pub default: FieldDefault,
    /// Set to now on every save.
    pub auto_now: bool,
    /// Set to now when the row is inserted.
    pub auto_now_add: bool,
    /// For auto_now / auto_now_add: the value taken from the save's `now`;
    /// in the context `now_expr`, printed (`now.date_naive()`, `Some(now)`).
    #[serde(rename = "now_expr", serialize_with = "crate::print::serialize_now")]
    pub now: Option<SaveNow>,
    /// A DecimalField's `decimal_places`, to which loaded values are quantized.
    pub decimal_places: Option<u32>,
    /// The text length limit (`max_length`, or the type's default), for text field types that take one.
    pub max_length: Option<u32>,
    /// `help_text`, for the struct field's doc comment.
    pub doc: Option<String>,
    /// `verbose_name`, or the name with `_` as spaces.
    pub verbose_name: String,
    /// The choice enum's name, when the field has choices.
    pub choices: Option<String>,
    /// The return type of `get_<field>_display()`, when the field has
    /// choices: the label as a `Cow`, in an `Option` when the field is
    /// `null` (Django's `get_FOO_display()` gives `None` for a null value).
    pub display_type: Option<String>,
    /// For a ForeignKey, OneToOneField or parent link: what it points at.
    pub relation: Option<Relation>,
    /// The `CopyPolicy` literal of the column (filled in by `copy_plan`).
    pub copy_policy: String,
    /// Whether `full_clean` checks the field for Django's empty values: it
    /// is editable, not `blank`, has no choices (checked on their own), and
    /// its Rust type can hold an empty value (text, JSON, or `Option`).
    pub blank_checked: bool,
    /// Whether the value type is text (for contains/startswith lookups).
    pub is_text: bool,
    /// Whether the field counts for next/previous lookups.
    pub is_date: bool,
    /// The column's `ColumnMeta.auto`: an automatic key of its own (not a
    /// parent link, which is `auto` in Rust but holds the parent's key).
    pub column_auto: bool,
    /// What `full_clean` checks on the field, in order (none when it is
    /// not editable).
    pub clean_checks: Vec<CleanCheck>,
    /// `db_default`: the DEFAULT expression of the column, as Django writes
    /// it on SQLite (`100`, `'draft'`, `(STRFTIME(...))` for `Now()`).
    pub db_default: Option<String>,
    /// The database fills the value (a `db_default` and no `default`): the
    /// Rust type is an `Option`, `None` until saved, and the save reads
    /// the stored value back, as Django's `DatabaseDefault`.
    pub db_filled: bool,
}

/// One `full_clean` check of a field; `kind` names it in the context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CleanCheck {
    /// The value is one of the choices (`blank`: whether the empty choice is allowed).
    Choice { blank: bool },
    /// The value is not one of Django's empty values.
    Blank,
    /// The text is at most `max_length` characters (`null`: the field is an `Option`).
    MaxLength { max_length: u32, null: bool },
    /// The integer is at least `min_value`: the `MinValueValidator(0)` of
    /// a Positive* field (the other bounds Django checks on SQLite are
    /// the `i64` range, which the Rust type already is).
    MinValue { min_value: i64 },
}

/// A field's default, as the resolver checked it. Nothing here is Rust or
/// SQL text: `crate::print` prints it when the context is built.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldDefault {
    /// No default: the constructor takes the value (`default_expr` is empty).
    Required,
    /// `None`, written as NULL by SET_DEFAULT (a nullable field, an auto key).
    Null,
    /// The implicit `id` key: `None` until saved, with no SET_DEFAULT value.
    Unsaved,
    /// A value; `optional`: the field is an `Option`, so the value is `Some`.
    Value { value: DefaultValue, optional: bool },
}

impl FieldDefault {
    /// Whether the constructor takes the value.
    pub fn is_required(&self) -> bool {
        matches!(self, FieldDefault::Required)
    }

    /// Whether the default is a value computed afresh for each row (or
    /// one with no runtime form): SET_DEFAULT has nothing to write.
    pub fn is_computed(&self) -> bool {
        matches!(self, FieldDefault::Value { value, .. } if !value.is_static())
    }
}

/// One default value of a field's value type.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// Django's empty string (`String::new()`).
    EmptyText,
    /// An empty binary value (`Vec::new()`).
    EmptyBytes,
    /// The choice enum's value for the empty string (its blank choice or its fallback).
    EmptyChoice { enum_name: String },
    /// The current time of the save (`today` / `now`, auto_now without a default).
    Now(Temporal),
    /// A text value (CharField, TextField, a text-keyed relation).
    Text(String),
    /// A BinaryField's value, given as text.
    Bytes(String),
    /// A whole number, typed as `scalar` (`None`: `i64`); also an integer-keyed relation.
    Integer { value: i64, scalar: Option<Scalar> },
    /// A FloatField's value.
    Float(f64),
    /// A DecimalField's value, exactly as written.
    Decimal(String),
    /// A BooleanField's value.
    Bool(bool),
    /// A DateField's value, `YYYY-MM-DD`.
    Date(String),
    /// A DurationField's value, in seconds.
    Duration { seconds: i64 },
    /// A fresh random UUID for each row (`uuid4`).
    Uuid4,
    /// A fixed UUID (the default of a relation to a UUID key).
    Uuid(u128),
    /// A JSONField's value.
    Json(JsonValue),
    /// A variant of the field's choice enum, and the value it stores.
    Choice { enum_name: String, variant: String, stored: ChoiceValue },
}

impl DefaultValue {
    /// Whether the value is fixed and has a runtime `DefaultValue` form.
    pub fn is_static(&self) -> bool {
        !matches!(
            self,
            DefaultValue::EmptyBytes
                | DefaultValue::Now(_)
                | DefaultValue::Bytes(_)
                | DefaultValue::Uuid4
                | DefaultValue::Json(_)
        )
    }
}

/// The value a choice stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceValue {
    Text(String),
    Integer(i64),
}

/// Which part of the current time a date/time field keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temporal {
    Date,
    Time,
    DateTime,
}

/// An auto_now / auto_now_add field's value from the save's `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveNow {
    pub kind: Temporal,
    /// The field is an `Option`, so the value is `Some`.
    pub optional: bool,
}

/// A JSON value as the schema writes it (numbers and key order kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonValue {
    Null,
    /// A number or `true` / `false`, as written.
    Literal(String),
    String(String),
    Array(Vec<JsonValue>),
    Object(Vec<(String, JsonValue)>),
}

/// The Rust type of a field's value, without `Option`: a field type's own,
/// the key type a relation points at, or a choice enum of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustType {
    Scalar(Scalar),
    Choice(String),
}

impl RustType {
    /// The type as generated code writes it.
    pub fn path(&self) -> String {
        match self {
            RustType::Scalar(scalar) => scalar.path().to_string(),
            RustType::Choice(name) => name.clone(),
        }
    }

    pub fn scalar(&self) -> Option<Scalar> {
        match self {
            RustType::Scalar(scalar) => Some(*scalar),
            RustType::Choice(_) => None,
        }
    }

    /// Whether the type is `Copy`.
    pub fn is_copy(&self) -> bool {
        self.scalar().is_some_and(Scalar::is_copy)
    }
}

/// What deleting a relation's target does to the rows pointing at it.
/// The context holds the variant's name (a `modelgen_runtime::OnDelete` variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OnDelete {
    /// Delete the rows pointing here too.
    Cascade,
    /// Refuse the delete (`Error::Protected`).
    Protect,
    /// Refuse the delete (`Error::Restricted`) unless the rows go by a cascade of the same delete.
    Restrict,
    /// Set the pointing column to NULL.
    SetNull,
    /// Set the pointing column to its default (`default_static`).
    SetDefault,
    /// Leave the rows (the database's constraint decides).
    DoNothing,
}

/// Where a model's primary key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PkKind {
    /// An auto-incrementing key (`AutoField`, `BigAutoField`, ...): `None` until saved.
    Auto,
    /// Multi-table inheritance: the link to the parent row, which holds the parent's key.
    ParentLink,
    /// A key with a fresh default for every row (a `UUIDField` with `default: uuid4`).
    Generated,
    /// A key the caller gives.
    Explicit,
}

#[derive(Debug, Clone, Serialize)]
pub struct Relation {
    /// `Blog` or `super::people::Person`.
    pub target_path: String,
    /// The target's label (`weblog.Blog`).
    pub target_label: String,
    /// The target's table.
    pub target_table: String,
    /// The target's column the relation's column holds: its primary key, or
    /// the field `to_field` names.
    pub target_column: String,
    /// The column holds the target's primary key (no `to_field`), so its
    /// argument and column constant are the target's typed `Key`; a
    /// `to_field` relation holds that field's raw value.
    pub to_key: bool,
    /// `Cascade` (a `modelgen_runtime::OnDelete` variant).
    pub on_delete: OnDelete,
    /// A OneToOneField (or parent link) rather than a ForeignKey.
    pub one_to_one: bool,
    /// The multi-table-inheritance link to the parent row.
    pub parent_link: bool,
    /// Whether the column gets a REFERENCES clause.
    pub db_constraint: bool,
    /// The method on the target that returns this relation's reverse side.
    pub related_accessor: String,
    /// The name lookups from the target use for this relation (Django's
    /// `related_query_name`: the `related_name`, else the model's name
    /// in lower case).
    pub related_query_name: String,
    /// The `Rel` constant of the relation, for lookups across it
    /// (`BLOG_REL`); empty for a parent link.
    pub rel_const: String,
    /// The forward accessor method (`blog`, `r#type`).
    pub accessor: String,
    /// The method that points the relation at another object (`set_blog`).
    pub setter: String,
    /// The target's `ModelMeta` static, as a path from this app.
    pub target_meta: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManyToMany {
    /// The field name (`tags`).
    pub name: String,
    /// The `Rel` constant of the relation, for lookups across it (`TAGS_REL`).
    pub rel_const: String,
    /// The accessor method (`tags`, `r#type`).
    pub accessor: String,
    /// The target as a Rust path from this app (`Tag`, `super::other::Tag`).
    pub target_path: String,
    /// The target's label (`weblog.Tag`).
    pub target_label: String,
    /// The join table (Django's `<table>_<field>`, or the through model's table).
    pub through_table: String,
    /// The join table's column pointing at this model.
    pub source_column: String,
    /// The join table's column pointing at the target.
    pub target_column: String,
    /// The join table's primary key column (`id` for Django's own).
    pub through_pk_column: String,
    /// The target's table.
    pub target_table: String,
    /// Column types of the join table's two foreign keys.
    pub source_sql_type: String,
    /// Column type of the join table's key to the target.
    pub target_sql_type: String,
    /// `source_sql_type` and `target_sql_type` on PostgreSQL (printed by
    /// `crate::ddl`, not context keys).
    #[serde(skip)]
    pub source_postgresql_type: String,
    #[serde(skip)]
    pub target_postgresql_type: String,
    /// The declaring model's pk column, referenced by the join table.
    pub source_pk_column: String,
    /// The target's pk column, referenced by the join table.
    pub target_pk_column: String,
    /// Whether the join table's columns get REFERENCES clauses.
    pub db_constraint: bool,
    /// Whether Django creates the join table (no custom `through`).
    pub auto_created: bool,
    /// A many-to-many to `self` that Django keeps symmetrical (the default).
    pub symmetrical: bool,
    /// A custom through model's other columns and their values: `add()`
    /// writes them as Django creates the through row with its defaults.
    pub through_defaults: Vec<ThroughDefault>,
    /// The custom through model (`Membership`), when there is one.
    pub through_path: Option<String>,
    /// Paths of the target's and the through model's `ModelMeta` statics.
    pub target_meta: String,
    /// Path of the through model's `ModelMeta` static, for a custom through model.
    pub through_meta: Option<String>,
    /// `Link`, `Skip` or `Copy` (a `RelationCopy` variant).
    pub copy_policy: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reverse {
    /// `entries` (related_name) or `entry_set`.
    pub accessor: String,
    /// The `Rel` constant of the reverse side, named after Django's query
    /// name (`ENTRIES_REL` for `related_name: entries`, else `ENTRY_REL`).
    pub rel_const: String,
    /// The column of this model the relation points at (FK: its
    /// `to_field`, the pk; M2M: the pk the join table references).
    pub own_column: String,
    /// M2M: the source model's pk column, which the join table references
    /// (empty for an FK).
    pub source_pk_column: String,
    /// M2M: the join table's primary key column (empty for an FK).
    pub through_pk_column: String,
    /// The accessor as a Rust identifier (`r#type` for a keyword).
    pub method: String,
    /// `Entry` or `super::weblog::Entry`.
    pub source_path: String,
    /// The label of the model whose relation points here.
    pub source_label: String,
    /// FK: the source's column constant (`Entry::BLOG`); M2M: the field name.
    pub source_const: String,
    /// Which kind of relation points here.
    pub kind: ReverseKind,
    /// For an M2M reverse: the join table and its columns, seen from this side.
    pub through_table: String,
    /// FK: the column of the source pointing here; M2M: the join table's column pointing here.
    pub source_column: String,
    /// M2M: the join table's column pointing at the source (empty for an FK).
    pub target_column: String,
    /// The source model's table.
    pub target_table: String,
    /// M2M: whether the join table is Django's own.
    pub auto_created: bool,
    /// M2M: whether the relation is a symmetrical one to `self`.
    pub symmetrical: bool,
    /// M2M: the custom through model's other columns, as on the forward side.
    pub through_defaults: Vec<ThroughDefault>,
}

/// A column of a custom through model other than its two foreign keys,
/// and the value `add()` writes into it.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughDefault {
    /// The through model's column.
    pub column: String,
    /// A Rust expression of the stored `Value`, evaluated at each `add()`
    /// as Django builds the through row: the field's default (callable
    /// ones such as `now` and `uuid4` called), now for auto_now and
    /// auto_now_add (printed by `crate::print::through_value_expr`).
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReverseKind {
    /// A ForeignKey: the reverse side is a query set.
    ForeignKey,
    /// A OneToOneField: the reverse side is one optional object.
    OneToOne,
    /// A ManyToManyField: the reverse side is a many-to-many set.
    ManyToMany,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParentLink {
    /// The parent as a Rust path from this app.
    pub parent_path: String,
    /// The parent's label.
    pub parent_label: String,
    /// The parent's `ModelMeta` static (`PLACE_META`, `super::places::PLACE_META`).
    pub meta_path: String,
    /// Index into `fields` of the `<parent>_ptr` field.
    pub field: usize,
    /// The parent's struct fields, which the child holds under the same names.
    pub fields: Vec<Field>,
    /// The parent's primary key field.
    pub pk: Field,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderingTerm {
    /// The column ordered by.
    pub column: String,
    /// Whether the term was written with `-`.
    pub descending: bool,
}

/// A `str` or `absolute_url` template compiled to a Rust format string.
#[derive(Debug, Clone, Serialize)]
pub struct FormatTemplate {
    /// `{}` placeholders only; literal braces doubled.
    pub format: String,
    /// The struct field idents, in placeholder order.
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChoiceEnum {
    /// The enum's name, `<Model><Field>` (`EntryStatus`).
    pub name: String,
    /// The field the choices were declared on, `<Model>.<field>` (`Entry.status`).
    pub field: String,
    /// `String` or an integer type.
    pub value_type: String,
    /// Whether the stored values are text (else integers).
    pub is_text: bool,
    /// The choices, schema order.
    pub variants: Vec<ChoiceVariant>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChoiceVariant {
    /// The variant (from the label, `V<value>` when the label cannot be one; `_` appended on a clash).
    pub ident: String,
    /// The stored value as a Rust literal (`"d"`, `1`).
    pub literal: String,
    /// The human-readable label.
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClonePolicy {
    /// The field or relation the line names.
    pub name: String,
    /// The policy as written (`keep`, `suffix`, ...).
    pub policy: String,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Every key the templates can read, collected from a context.
    fn keys(value: &serde_json::Value, into: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    into.insert(key.clone());
                    keys(inner, into);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| keys(item, into)),
            _ => {}
        }
    }

    /// docs/templates.md is the contract of `--templates`: every key of the
    /// context of the example schemas (which use every kind of IR value) is
    /// a row of one of its tables.
    #[test]
    fn every_context_key_is_documented() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let mut sources: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("schemas/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("schema")))
            .collect();
        sources.sort();
        let project = crate::compile(&sources).expect("the example schemas compile");
        let mut found = BTreeSet::new();
        keys(&serde_json::to_value(&project).expect("serializes"), &mut found);
        // Keys of values the example schemas do not produce still count.
        for key in ["app", "project", "kind", "max_length", "blank", "null"] {
            found.insert(key.to_string());
        }
        let docs = include_str!("../../docs/templates.md");
        let missing: Vec<&String> = found.iter().filter(|k| !docs.contains(&format!("| `{k}` |"))).collect();
        assert!(missing.is_empty(), "keys of the template context missing from docs/templates.md: {missing:?}");
        assert!(found.len() > 100, "the example schemas produce every part of the IR ({} keys)", found.len());
    }
}
