//! The one error type of the runtime, with Django's kinds of failure.

use std::collections::BTreeMap;
use std::fmt;

use rusqlite::types::Value;

/// Django's `MAX_GET_RESULTS`: `get()` fetches at most this many rows to
/// report how many it found.
pub const MAX_GET_RESULTS: usize = 21;

/// `std::result::Result` with the runtime's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in generated code and the runtime.
///
/// The variants follow Django's exceptions: `Model.DoesNotExist`,
/// `MultipleObjectsReturned`, `IntegrityError`, `ProtectedError`,
/// `RestrictedError`, `ValidationError`, `Model.NotUpdated`, the `ValueError`s
/// and `TypeError`s Django raises for a misuse before any SQL runs, and any
/// other database error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `get()` (or `latest()`, `refresh_from_db()`, ...) found no row.
    #[error("{model} matching query does not exist.")]
    DoesNotExist { model: &'static str },

    /// `get()` found more than one row. `count` is the number of rows found,
    /// capped at 21 as Django fetches at most 21 (`MAX_GET_RESULTS + 1`).
    #[error("get() returned more than one {model} -- it returned {}!", count_text(*.count))]
    MultipleObjectsReturned { model: &'static str, count: usize },

    /// A constraint of the database failed (UNIQUE, NOT NULL, FOREIGN KEY,
    /// CHECK, PRIMARY KEY): Django's `IntegrityError`. The message is
    /// SQLite's, e.g. `UNIQUE constraint failed: weblog_blog.name`.
    #[error("{0}")]
    Integrity(String),

    /// A delete was refused because rows reference the deleted rows through
    /// `on_delete: PROTECT`; nothing was deleted. `model` is the model whose
    /// delete was refused, `fields` the protecting relations as
    /// `Model.field`, `objects` the protecting rows.
    #[error(
        "Cannot delete some instances of model '{model}' because they are referenced through protected foreign keys: {}.",
        quoted_list(.fields)
    )]
    Protected { model: &'static str, count: usize, fields: Vec<String>, objects: Vec<ObjectRef> },

    /// A delete was refused because rows reference the deleted rows through
    /// `on_delete: RESTRICT` and are not themselves deleted by a cascade of
    /// the same delete; nothing was deleted.
    #[error(
        "Cannot delete some instances of model '{model}' because they are referenced through restricted foreign keys: {}.",
        quoted_list(.fields)
    )]
    Restricted { model: &'static str, count: usize, fields: Vec<String>, objects: Vec<ObjectRef> },

    /// `full_clean()` failed: every field's errors at once.
    #[error("{0}")]
    Validation(ValidationErrors),

    /// A save with `force_update` or `update_fields` updated no row
    /// (Django 6's `Model.NotUpdated`, a `DatabaseError`).
    #[error("{message}")]
    NotUpdated { model: &'static str, message: &'static str },

    /// A misuse found before any SQL ran (Django's `ValueError`/`TypeError`),
    /// e.g. `force_insert` together with `force_update`.
    #[error("{0}")]
    Misuse(String),

    /// [`crate::Database::create_tables`] found tables whose columns
    /// differ from the schema (and created nothing): every such table with
    /// its differences.
    #[error("{}", schema_mismatch_text(.0))]
    SchemaMismatch(Vec<TableMismatch>),

    /// An error returned by application code, e.g. by a signal receiver.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync + 'static>),

    /// The database stayed locked by another connection for longer than
    /// the handle's busy timeout (Django's SQLite `timeout` option, 5 s by
    /// default; see [`crate::Database::set_busy_timeout`]): SQLite's
    /// `SQLITE_BUSY` / `SQLITE_LOCKED`, Django's `OperationalError:
    /// database is locked`. Nothing of the statement was written; the
    /// transaction it ran in (if any) was rolled back by
    /// [`crate::Database::transaction`].
    #[error("{message} (another connection held a lock for longer than the busy timeout: retry the transaction, keep write transactions short, or raise the timeout with Database::set_busy_timeout)")]
    Busy { message: String },

    /// A statement named a table the database does not have: the tables
    /// were not created, or the schema is newer than the database.
    #[error("no such table: {table} (create it with Database::create_tables, or apply the migration that adds it)")]
    MissingTable { table: String },

    /// A statement named a column the table does not have: the database
    /// was created from an older schema.
    #[error("no such column: {column} (the database is older than the schema: migrate it, or compare with Database::create_tables, which reports every difference)")]
    MissingColumn { column: String },

    /// A stored value could not be read as the type its field declares,
    /// e.g. text in an IntegerField's column, an integer beyond the field's
    /// range, a malformed date. `model` is the model read (`app.Model`),
    /// `table` and `column` where the value is.
    #[error("cannot read column \"{column}\" of table \"{table}\" as a field of {model}: {message} (the stored value does not have the type the schema declares: correct the row, or the schema)")]
    Conversion { model: String, table: &'static str, column: &'static str, message: String },

    /// The file is not a SQLite database, or is corrupt (`SQLITE_NOTADB`,
    /// `SQLITE_CORRUPT`).
    #[error("{message} (the file is not a SQLite database or is damaged: check the path, or restore it from a backup)")]
    NotADatabase { message: String },

    /// The database server closed the connection (PostgreSQL: an
    /// administrator's shutdown or `pg_terminate_backend`, SQLSTATE 57P01,
    /// or a broken socket). The open transaction, if any, was rolled back
    /// by the server; the handle reports this error on every later call:
    /// open a new one.
    #[error("{message} (the database server closed the connection: nothing of the open transaction was committed; open a new connection)")]
    ConnectionLost { message: String },

    /// The database refused a value it cannot store or parse (PostgreSQL's
    /// SQLSTATE class 22, Django's `DataError`): a NUL character in text
    /// (22021), text that is not a number or a date of the column's type
    /// (22P02), a number beyond the column's range (22003).
    #[error("{message} (the database cannot store this value: correct the value, e.g. remove NUL characters from text)")]
    InvalidValue { message: String },

    /// Any other error of PostgreSQL (feature `postgres`).
    #[cfg(feature = "postgres")]
    #[error(transparent)]
    Postgres(postgres::Error),

    /// Any other error of SQLite or of a value conversion.
    #[error(transparent)]
    Database(rusqlite::Error),
}

/// Which kind of constraint an [`Error::Integrity`] reports (see
/// [`Error::constraint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// A UNIQUE constraint or a unique index, including a primary key
    /// given twice.
    Unique,
    /// A NOT NULL column was given NULL.
    NotNull,
    /// A FOREIGN KEY points at no row (on SQLite checked at COMMIT, the
    /// constraints being `DEFERRABLE INITIALLY DEFERRED` as Django's).
    ForeignKey,
    /// A CHECK constraint (a `CheckConstraint`, or a positive field's
    /// `>= 0`) failed.
    Check,
    /// Any other constraint.
    Other,
}

fn count_text(count: usize) -> String {
    if count >= MAX_GET_RESULTS {
        format!("more than {}", MAX_GET_RESULTS - 1)
    } else {
        count.to_string()
    }
}

fn quoted_list(items: &[String]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('\'');
        out.push_str(item);
        out.push('\'');
    }
    out
}

/// A table of the database whose columns differ from the schema's (see
/// [`Error::SchemaMismatch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMismatch {
    pub table: String,
    /// One sentence per difference, e.g. `column "rating" is missing`.
    pub differences: Vec<String>,
}

fn schema_mismatch_text(tables: &[TableMismatch]) -> String {
    let mut out = String::new();
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("table \"{}\" differs from the schema: {}", table.table, table.differences.join("; ")));
    }
    out
}

/// One row named by an error: its model and primary key.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRef {
    pub app: &'static str,
    pub model: &'static str,
    pub pk: Value,
}

impl Error {
    /// Whether this is [`Error::DoesNotExist`].
    pub fn is_does_not_exist(&self) -> bool {
        matches!(self, Error::DoesNotExist { .. })
    }

    /// Whether this is an integrity error, including the protected and
    /// restricted errors (which are `IntegrityError`s in Django).
    pub fn is_integrity(&self) -> bool {
        matches!(self, Error::Integrity(_) | Error::Protected { .. } | Error::Restricted { .. })
    }

    /// The kind of constraint an [`Error::Integrity`] reports, from the
    /// database's message (`UNIQUE constraint failed: ...`); `None` for any
    /// other error.
    pub fn constraint(&self) -> Option<Constraint> {
        let Error::Integrity(message) = self else { return None };
        // SQLite's messages, then PostgreSQL's (SQLSTATE 23505, 23502,
        // 23503, 23514), whose first lines are e.g. `duplicate key value
        // violates unique constraint "..."`, `null value in column "x" of
        // relation "t" violates not-null constraint`.
        let first_line = message.lines().next().unwrap_or_default();
        Some(if message.starts_with("UNIQUE constraint failed") || first_line.contains("violates unique constraint") {
            Constraint::Unique
        } else if message.starts_with("NOT NULL constraint failed") || first_line.contains("violates not-null constraint") {
            Constraint::NotNull
        } else if message.starts_with("FOREIGN KEY constraint failed")
            || first_line.contains("violates foreign key constraint")
        {
            Constraint::ForeignKey
        } else if message.starts_with("CHECK constraint failed") || first_line.contains("violates check constraint") {
            Constraint::Check
        } else {
            Constraint::Other
        })
    }

    /// Whether this is [`Error::Busy`]: worth retrying the transaction.
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Busy { .. })
    }

    /// The message of a failed conversion of a stored value (to report
    /// it as [`Error::Conversion`]); `None` for any other error.
    pub(crate) fn conversion_message(&self) -> Option<String> {
        match self {
            Error::Database(
                err @ (rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)),
            ) => Some(err.to_string()),
            _ => None,
        }
    }

    /// Wrap an application error (for signal receivers).
    pub fn other<E>(error: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        Error::Other(Box::new(error))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        match error {
            rusqlite::Error::SqliteFailure(code, message) if code.code == rusqlite::ErrorCode::ConstraintViolation => {
                Error::Integrity(message.unwrap_or_else(|| code.to_string()))
            }
            rusqlite::Error::SqliteFailure(code, message)
                if matches!(code.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
            {
                Error::Busy { message: message.unwrap_or_else(|| code.to_string()) }
            }
            rusqlite::Error::SqliteFailure(code, message)
                if matches!(code.code, rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) =>
            {
                Error::NotADatabase { message: message.unwrap_or_else(|| code.to_string()) }
            }
            other => match missing_name(&other) {
                Some(error) => error,
                None => Error::Database(other),
            },
        }
    }
}

/// [`Error::MissingTable`] or [`Error::MissingColumn`] when SQLite's error
/// (at prepare time: a `SqlInputError` with the offending token's offset,
/// or a plain failure) names a table or a column it does not have.
fn missing_name(error: &rusqlite::Error) -> Option<Error> {
    let message = match error {
        rusqlite::Error::SqliteFailure(code, Some(message)) if code.code == rusqlite::ErrorCode::Unknown => message,
        rusqlite::Error::SqlInputError { error, msg, .. } if error.code == rusqlite::ErrorCode::Unknown => msg,
        _ => return None,
    };
    // `no such column: "label" - should this be a string literal in
    // single-quotes?`: the name alone.
    let name = |rest: &str| rest.split(" - ").next().unwrap_or(rest).trim_matches('"').to_owned();
    if let Some(rest) = message.strip_prefix("no such table: ") {
        Some(Error::MissingTable { table: name(rest) })
    } else {
        message.strip_prefix("no such column: ").map(|rest| Error::MissingColumn { column: name(rest) })
    }
}

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Error::Validation(errors)
    }
}

/// The key Django uses for errors that belong to no single field.
pub const NON_FIELD_ERRORS: &str = "__all__";

/// Errors of `full_clean()`, per field, in field-name order (Django's
/// `ValidationError.message_dict`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub BTreeMap<String, Vec<String>>);

impl ValidationErrors {
    pub fn new() -> Self {
        ValidationErrors::default()
    }

    /// Add one message for `field` ([`NON_FIELD_ERRORS`] for the model).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(Vec::is_empty)
    }

    /// The messages of one field.
    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// `Ok(())` when there is no error, else `Err(self)` (which converts
    /// into [`Error::Validation`] with `?`).
    pub fn into_result(self) -> std::result::Result<(), ValidationErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for ValidationErrors {
    /// As Python prints Django's `ValidationError(dict)`, the `repr()` of
    /// the dict: `{'name': ['This field cannot be blank.']}`, each string
    /// quoted as Python quotes it (`"Value 'x' is not a valid choice."`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::display::PyRepr;
        f.write_str("{")?;
        for (i, (field, messages)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}: [", field.as_str().py_repr())?;
            for (j, message) in messages.iter().enumerate() {
                if j > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(&message.as_str().py_repr())?;
            }
            f.write_str("]")?;
        }
        f.write_str("}")
    }
}

impl std::error::Error for ValidationErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_display_as_python_reprs_the_message_dict() {
        let mut errors = ValidationErrors::new();
        errors.add("status", "Value 'x' is not a valid choice.");
        errors.add("name", "This field cannot be blank.");
        errors.add("name", "Ensure this value has at most 3 characters (it has 4).");
        // Python: repr({'name': [...], 'status': ["Value 'x' is not a valid choice."]})
        assert_eq!(
            errors.to_string(),
            "{'name': ['This field cannot be blank.', 'Ensure this value has at most 3 characters (it has 4).'], \
             'status': [\"Value 'x' is not a valid choice.\"]}"
        );
    }
}

#[cfg(test)]
mod documented {
    /// Every variant of [`super::Error`] has a row in docs/errors.md
    /// (`Error::Variant`): the variants are read from this file's source.
    #[test]
    fn every_error_variant_is_documented_in_docs_errors_md() {
        let source = include_str!("error.rs");
        let docs = include_str!("../../docs/errors.md");
        let start = source.find("pub enum Error {").expect("the enum");
        let body = &source[start..];
        let end = body.find("\n}").expect("the end of the enum");
        let variants: Vec<&str> = body[..end]
            .lines()
            .skip(1)
            .filter_map(|line| line.strip_prefix("    "))
            .filter(|line| line.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|line| line.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or(line))
            .collect();
        assert!(variants.len() >= 15, "variants found: {variants:?}");
        let missing: Vec<&&str> = variants.iter().filter(|v| !docs.contains(&format!("`Error::{v}`"))).collect();
        assert!(missing.is_empty(), "docs/errors.md lacks a row for {missing:?}");
    }
}
