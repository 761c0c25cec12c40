//! The Django field types modelgen knows, with what each becomes in Rust and
//! in Django's SQLite backend (`django/db/backends/sqlite3/base.py`,
//! `DatabaseWrapper.data_types` and `data_type_check_constraints`).

/// The Rust type of a value, as a field type gives it (without `Option`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    I16,
    I32,
    I64,
    U16,
    U32,
    F64,
    Bool,
    String,
    Bytes,
    Decimal,
    Date,
    DateTime,
    Time,
    Duration,
    Uuid,
    Json,
}

impl Scalar {
    /// The type as generated code writes it.
    pub fn path(self) -> &'static str {
        match self {
            Scalar::I16 => "i16",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::U16 => "u16",
            Scalar::U32 => "u32",
            Scalar::F64 => "f64",
            Scalar::Bool => "bool",
            Scalar::String => "String",
            Scalar::Bytes => "Vec<u8>",
            Scalar::Decimal => "::modelgen_runtime::rust_decimal::Decimal",
            Scalar::Date => "::modelgen_runtime::chrono::NaiveDate",
            Scalar::DateTime => "::modelgen_runtime::chrono::DateTime<::modelgen_runtime::chrono::Utc>",
            Scalar::Time => "::modelgen_runtime::chrono::NaiveTime",
            Scalar::Duration => "::modelgen_runtime::chrono::TimeDelta",
            Scalar::Uuid => "::modelgen_runtime::uuid::Uuid",
            Scalar::Json => "::modelgen_runtime::serde_json::Value",
        }
    }

    /// Whether the type is `Copy` (accessors copy instead of cloning).
    pub fn is_copy(self) -> bool {
        !matches!(self, Scalar::String | Scalar::Bytes | Scalar::Json)
    }

    /// The values of a sized integer type, for range checks of defaults;
    /// `None` for any other type.
    pub fn integer_range(self) -> Option<std::ops::RangeInclusive<i64>> {
        match self {
            Scalar::I16 => Some(i64::from(i16::MIN)..=i64::from(i16::MAX)),
            Scalar::I32 => Some(i64::from(i32::MIN)..=i64::from(i32::MAX)),
            Scalar::U16 => Some(0..=i64::from(u16::MAX)),
            Scalar::U32 => Some(0..=i64::from(u32::MAX)),
            _ => None,
        }
    }

    /// The suffix of an integer literal of the type (`_i16`); `_i64` for
    /// anything but a sized integer.
    pub fn literal_suffix(self) -> &'static str {
        match self {
            Scalar::I16 => "_i16",
            Scalar::I32 => "_i32",
            Scalar::U16 => "_u16",
            Scalar::U32 => "_u32",
            _ => "_i64",
        }
    }
}

/// How a field's values behave, which decides its Rust type, its default
/// handling and which options apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Auto,
    Text,
    Integer,
    Float,
    Decimal,
    Boolean,
    Date,
    DateTime,
    Time,
    Duration,
    Uuid,
    Json,
    Binary,
    ForeignKey,
    OneToOne,
    ManyToMany,
}

#[derive(Debug, Clone, Copy)]
pub struct FieldType {
    pub name: &'static str,
    pub kind: Kind,
    /// The SQLite column type; `{max_length}` is filled in.
    pub sql: &'static str,
    /// The Rust type of a value (without `Option`); `None` for relations,
    /// whose values take the type of the key they point at.
    pub rust: Option<Scalar>,
    /// A CHECK Django adds, with `{column}` filled in (quoted).
    pub check: Option<&'static str>,
    /// The column type a ForeignKey pointing at this field gets (`rel_db_type`).
    pub rel_sql: Option<&'static str>,
    /// Default max_length Django gives the type, when it has one.
    pub default_max_length: Option<u32>,
    /// Whether Django's empty value is "" (empty_strings_allowed) rather than None.
    pub empty_string: bool,
    /// A FileField or ImageField: the column stores the file's path, and
    /// Django validates no length on the model (only its form field does).
    pub file: bool,
}

const fn t(name: &'static str, kind: Kind, sql: &'static str, rust: Option<Scalar>) -> FieldType {
    FieldType { name, kind, sql, rust, check: None, rel_sql: None, default_max_length: None, empty_string: false, file: false }
}

const POSITIVE: Option<&str> = Some("\"{column}\" >= 0");

/// Every integer field (and auto field) is an `i64` in Rust: on SQLite,
/// Django stores and loads any 64-bit integer in any of them (2**40 in an
/// IntegerField, 70000 in a PositiveSmallIntegerField;
/// `DatabaseOperations.integer_field_range` is the `i64` range for every
/// type), so a row Django wrote always loads. What Django checks is
/// `full_clean`'s job: the Positive* types' `MinValueValidator(0)`.
pub const FIELD_TYPES: &[FieldType] = &[
    FieldType { rel_sql: Some("integer"), ..t("AutoField", Kind::Auto, "integer", Some(Scalar::I64)) },
    FieldType { rel_sql: Some("bigint"), ..t("BigAutoField", Kind::Auto, "integer", Some(Scalar::I64)) },
    FieldType { rel_sql: Some("smallint"), ..t("SmallAutoField", Kind::Auto, "integer", Some(Scalar::I64)) },
    FieldType { empty_string: true, ..t("CharField", Kind::Text, "varchar({max_length})", Some(Scalar::String)) },
    FieldType { empty_string: true, ..t("TextField", Kind::Text, "text", Some(Scalar::String)) },
    FieldType { empty_string: true, default_max_length: Some(50), ..t("SlugField", Kind::Text, "varchar({max_length})", Some(Scalar::String)) },
    FieldType { empty_string: true, default_max_length: Some(254), ..t("EmailField", Kind::Text, "varchar({max_length})", Some(Scalar::String)) },
    FieldType { empty_string: true, default_max_length: Some(200), ..t("URLField", Kind::Text, "varchar({max_length})", Some(Scalar::String)) },
    t("IntegerField", Kind::Integer, "integer", Some(Scalar::I64)),
    t("SmallIntegerField", Kind::Integer, "smallint", Some(Scalar::I64)),
    t("BigIntegerField", Kind::Integer, "bigint", Some(Scalar::I64)),
    FieldType { check: POSITIVE, rel_sql: Some("integer"), ..t("PositiveIntegerField", Kind::Integer, "integer unsigned", Some(Scalar::I64)) },
    FieldType { check: POSITIVE, rel_sql: Some("smallint"), ..t("PositiveSmallIntegerField", Kind::Integer, "smallint unsigned", Some(Scalar::I64)) },
    FieldType { check: POSITIVE, rel_sql: Some("bigint"), ..t("PositiveBigIntegerField", Kind::Integer, "bigint unsigned", Some(Scalar::I64)) },
    t("FloatField", Kind::Float, "real", Some(Scalar::F64)),
    t("DecimalField", Kind::Decimal, "decimal", Some(Scalar::Decimal)),
    t("BooleanField", Kind::Boolean, "bool", Some(Scalar::Bool)),
    t("DateField", Kind::Date, "date", Some(Scalar::Date)),
    t("DateTimeField", Kind::DateTime, "datetime", Some(Scalar::DateTime)),
    t("TimeField", Kind::Time, "time", Some(Scalar::Time)),
    t("DurationField", Kind::Duration, "bigint", Some(Scalar::Duration)),
    t("UUIDField", Kind::Uuid, "char(32)", Some(Scalar::Uuid)),
    FieldType {
        check: Some("(JSON_VALID(\"{column}\") OR \"{column}\" IS NULL)"),
        ..t("JSONField", Kind::Json, "text", Some(Scalar::Json))
    },
    FieldType {
        empty_string: true,
        default_max_length: Some(100),
        file: true,
        ..t("FileField", Kind::Text, "varchar({max_length})", Some(Scalar::String))
    },
    FieldType {
        empty_string: true,
        default_max_length: Some(100),
        file: true,
        ..t("ImageField", Kind::Text, "varchar({max_length})", Some(Scalar::String))
    },
    FieldType { empty_string: true, ..t("BinaryField", Kind::Binary, "BLOB", Some(Scalar::Bytes)) },
    t("ForeignKey", Kind::ForeignKey, "", None),
    t("OneToOneField", Kind::OneToOne, "", None),
    t("ManyToManyField", Kind::ManyToMany, "", None),
];

pub fn lookup(name: &str) -> Option<&'static FieldType> {
    FIELD_TYPES.iter().find(|t| t.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    FIELD_TYPES.iter().map(|t| t.name)
}

/// A real Django field type that modelgen does not generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported {
    pub name: &'static str,
    /// The Django release that removed it, for a type only historical
    /// migrations still name.
    pub removed_in: Option<&'static str>,
    /// What to write instead, when there is a clear replacement.
    pub instead: Option<&'static str>,
}

const fn unsupported(name: &'static str, instead: Option<&'static str>) -> Unsupported {
    Unsupported { name, removed_in: None, instead }
}

const fn removed(name: &'static str, removed_in: &'static str, instead: &'static str) -> Unsupported {
    Unsupported { name, removed_in: Some(removed_in), instead: Some(instead) }
}

/// Django's field types (`django.db.models`, `contrib.contenttypes`,
/// `contrib.postgres`) that modelgen does not support, with the field
/// that stores the same values on SQLite where there is one.
#[rustfmt::skip]
const UNSUPPORTED: &[Unsupported] = &[
    unsupported("GenericIPAddressField", Some("`type: CharField, max_length: 39`: Django stores an IP address on SQLite as text of at most 39 characters")),
    unsupported("FilePathField", Some("`type: CharField, max_length: 100`: Django stores the path on SQLite as varchar(100) unless `max_length` says otherwise")),
    unsupported("GeneratedField", None),
    unsupported("CompositePrimaryKey", Some("the automatic `id` key with `meta: {unique_together: [[...]]}` over the fields")),
    unsupported("ForeignObject", Some("`type: ForeignKey`, to a model's primary key")),
    unsupported("GenericForeignKey", None),
    unsupported("GenericRelation", None),
    unsupported("ArrayField", Some("`type: JSONField`, which holds a list on any database (ArrayField is PostgreSQL-only)")),
    unsupported("HStoreField", Some("`type: JSONField`, which holds a mapping on any database (HStoreField is PostgreSQL-only)")),
    unsupported("IntegerRangeField", None),
    unsupported("BigIntegerRangeField", None),
    unsupported("DecimalRangeField", None),
    unsupported("DateRangeField", None),
    unsupported("DateTimeRangeField", None),
    removed("NullBooleanField", "Django 4.0", "`type: BooleanField, null: true`, as Django's release notes say"),
    removed("IPAddressField", "Django 1.9", "`type: CharField, max_length: 39` (Django's replacement, GenericIPAddressField, stores its text on SQLite)"),
    removed("CommaSeparatedIntegerField", "Django 2.0", "`type: CharField` with the `max_length` the list needs"),
];

/// The Django field type `name` when modelgen does not support it.
pub fn unsupported_type(name: &str) -> Option<&'static Unsupported> {
    UNSUPPORTED.iter().find(|t| t.name == name)
}

impl FieldType {
    pub fn is_relation(&self) -> bool {
        matches!(self.kind, Kind::ForeignKey | Kind::OneToOne | Kind::ManyToMany)
    }

    /// Whether the Rust value type is `Copy`.
    pub fn is_copy(&self) -> bool {
        !matches!(self.kind, Kind::Text | Kind::Json | Kind::Binary)
    }

    pub fn takes_max_length(&self) -> bool {
        self.sql.contains("{max_length}")
    }

    /// The options a field of this type accepts besides the common ones.
    pub fn accepts(&self, option: &str) -> bool {
        match option {
            "max_length" => self.takes_max_length(),
            "max_digits" | "decimal_places" => self.kind == Kind::Decimal,
            "auto_now" | "auto_now_add" => matches!(self.kind, Kind::Date | Kind::DateTime | Kind::Time),
            "to" | "related_name" | "db_constraint" => self.is_relation(),
            "on_delete" | "to_field" => matches!(self.kind, Kind::ForeignKey | Kind::OneToOne),
            "through" | "symmetrical" => self.kind == Kind::ManyToMany,
            "upload_to" => self.file,
            "width_field" | "height_field" => self.name == "ImageField",
            _ => true,
        }
    }
}

/// Rust keywords (strict and reserved, 2021 edition): a field so named becomes
/// a raw identifier.
pub const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let",
    "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
    "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Keywords that cannot be raw identifiers at all.
pub const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate"];

/// The Rust identifier for a schema name.
pub fn rust_ident(name: &str) -> String {
    if RUST_KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}
