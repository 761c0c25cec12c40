//! The database handle: one connection (through the backend boundary,
//! [`crate::backend`]), the registry of models the delete collector
//! consults, the signal receivers.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::types::Value;

#[cfg(feature = "postgres")]
use crate::backend::pg::PgConnection;
use crate::backend::sqlite::SqliteConnection;
use crate::backend::{Backend, Connection as _, DbRow, StatementKey, Stmt};
use crate::error::Result;
use crate::model::{AppMeta, ModelMeta, Snapshot, SnapshotCell};
use crate::signals::SignalRegistry;
use crate::sql::Sql;
use crate::tz::{Now, TimeZoneSettings, Tz};

/// The connection of a [`Database`], of one backend.
enum Conn {
    Sqlite(SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(PgConnection),
}

/// A SQLite (or, with the `postgres` feature, PostgreSQL) database as
/// modelgen uses it.
///
/// `Database` is `Send` (it can move to another thread) but not `Sync`,
/// like the `rusqlite::Connection` it wraps.
pub struct Database {
    /// The connection and its prepared statements (the one statement
    /// cache of the runtime).
    conn: Conn,
    registry: RefCell<Registry>,
    pub(crate) signals: SignalRegistry,
    /// Per table: whether its auto pk is a rowid alias.
    rowid_alias: RefCell<HashMap<&'static str, bool>>,
    /// The last answer of `pk_is_rowid_alias` (meta address, answer):
    /// saves in a loop skip the map.
    last_rowid_alias: Cell<(usize, bool)>,
    /// Depth of nested [`Database::transaction`] calls.
    depth: Cell<u32>,
    /// Instance snapshots replaced by saves inside open transactions, with
    /// the depth they were replaced at: a rollback puts them back, so a
    /// rolled-back save leaves the instance as dirty as it was.
    undo: RefCell<Vec<(u32, SnapshotCell, Option<Snapshot>)>>,
    /// Whether loads and saves keep a snapshot for dirty tracking.
    track_changes: Cell<bool>,
    /// Django's USE_TZ and TIME_ZONE.
    time_zone: TimeZoneSettings,
    /// `time_zone.storage_zone()`, asked on every datetime bound or read.
    storage_zone: Option<Tz>,
    /// The connection's busy timeout, as last set.
    busy_timeout: Cell<Duration>,
}

/// Django's default SQLite `timeout` option: how long a statement waits for
/// another connection's lock (see [`Database::set_busy_timeout`]).
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Transaction control, dispatched to the backend.
macro_rules! dispatch {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            Conn::Postgres($c) => $body,
        }
    };
}

impl Conn {
    fn in_transaction(&self) -> bool {
        dispatch!(self, c => c.in_transaction())
    }
    fn begin(&self) -> Result<()> {
        dispatch!(self, c => c.begin())
    }
    fn commit(&self) -> Result<()> {
        dispatch!(self, c => c.commit())
    }
    fn rollback(&self) -> Result<()> {
        dispatch!(self, c => c.rollback())
    }
    fn savepoint(&self, depth: u32) -> Result<()> {
        dispatch!(self, c => c.savepoint(depth))
    }
    fn release(&self, depth: u32) -> Result<()> {
        dispatch!(self, c => c.release(depth))
    }
    fn rollback_to(&self, depth: u32) -> Result<()> {
        dispatch!(self, c => c.rollback_to(depth))
    }
}

#[derive(Default)]
struct Registry {
    apps: Vec<&'static str>,
    models: Vec<&'static ModelMeta>,
    by_table: HashMap<&'static str, usize>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend())
            .field("apps", &self.registry.borrow().apps)
            .field("transaction_depth", &self.depth.get())
            .field("time_zone", &self.time_zone)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Open (or create) the database file at `path`.
    ///
    /// A file that is not a SQLite database is refused here
    /// ([`crate::Error::NotADatabase`]), not at the first query.
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        let conn = rusqlite::Connection::open(path)?;
        // Reads the file's header (SQLite opens files lazily).
        conn.query_row("PRAGMA schema_version", [], |_| Ok(()))?;
        Database::from_connection(conn)
    }

    /// A new private in-memory database.
    pub fn open_in_memory() -> Result<Database> {
        Database::from_connection(rusqlite::Connection::open_in_memory()?)
    }

    /// Wrap an open connection. Turns on `PRAGMA foreign_keys`, as Django
    /// does for every SQLite connection, and sets the busy timeout to
    /// Django's default of 5 seconds ([`DEFAULT_BUSY_TIMEOUT`], see
    /// [`Database::set_busy_timeout`]).
    pub fn from_connection(conn: rusqlite::Connection) -> Result<Database> {
        conn.busy_timeout(DEFAULT_BUSY_TIMEOUT)?;
        // A double-quoted name that is not a column is an error, not the
        // string literal SQLite's legacy rule makes of it: a query against
        // a table missing a column would otherwise read the column's name
        // as its value.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        crate::backend::sqlite::register_django_functions(&conn)?;
        Ok(Database::with_conn(Conn::Sqlite(SqliteConnection::new(conn))))
    }

    /// Connect to a PostgreSQL server (feature `postgres`): `params` is a
    /// URL (`postgresql://user@host/db`) or a key=value string
    /// (`host=/run/postgresql dbname=shop`). The session's `TimeZone` is
    /// set to UTC (Django's `USE_TZ = True`; [`Database::with_time_zone`]
    /// changes it). The client is synchronous: called inside an async
    /// (tokio) runtime it returns [`Error::Misuse`](crate::Error::Misuse)
    /// rather than blocking the runtime; use `spawn_blocking` there.
    #[cfg(feature = "postgres")]
    pub fn connect_postgres(params: &str) -> Result<Database> {
        crate::backend::pg::check_not_async()?;
        let client = postgres::Client::connect(params, postgres::NoTls).map_err(crate::backend::pg::pg_error)?;
        Database::from_postgres_client(client)
    }

    /// Wrap a connected PostgreSQL client (see [`Database::connect_postgres`]).
    #[cfg(feature = "postgres")]
    pub fn from_postgres_client(client: postgres::Client) -> Result<Database> {
        Ok(Database::with_conn(Conn::Postgres(PgConnection::new(client)?)))
    }

    fn with_conn(conn: Conn) -> Database {
        let busy_timeout = match conn {
            Conn::Sqlite(_) => DEFAULT_BUSY_TIMEOUT,
            // PostgreSQL's default lock_timeout, 0: wait as long as it takes.
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Duration::MAX,
        };
        Database {
            conn,
            registry: RefCell::new(Registry::default()),
            signals: SignalRegistry::default(),
            rowid_alias: RefCell::new(HashMap::new()),
            last_rowid_alias: Cell::new((0, false)),
            depth: Cell::new(0),
            undo: RefCell::new(Vec::new()),
            track_changes: Cell::new(false),
            time_zone: TimeZoneSettings::UTC,
            storage_zone: None,
            busy_timeout: Cell::new(busy_timeout),
        }
    }

    /// Which database this handle talks to.
    pub fn backend(&self) -> Backend {
        match self.conn {
            Conn::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Backend::PostgreSql,
        }
    }

    /// How long a statement waits for another connection's lock before
    /// failing with [`crate::Error::Busy`]: Django's SQLite `timeout`
    /// option (`DATABASES[...]["OPTIONS"]["timeout"]`, seconds, 5 by
    /// default). Zero fails at once. On PostgreSQL this is the session's
    /// `lock_timeout` (by default unset: a statement waits as long as the
    /// lock is held, which [`Database::busy_timeout`] reports as
    /// `Duration::MAX`, as Django leaves it).
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<()> {
        match &self.conn {
            Conn::Sqlite(conn) => conn.raw().busy_timeout(timeout)?,
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => {
                // lock_timeout = 0 disables it: the nearest is 1 ms.
                let millis = timeout.as_millis().clamp(1, i32::MAX as u128);
                conn.execute_batch(&format!("SET lock_timeout = {millis}"))?
            }
        }
        self.busy_timeout.set(timeout);
        Ok(())
    }

    /// The busy timeout (see [`Database::set_busy_timeout`]).
    pub fn busy_timeout(&self) -> Duration {
        self.busy_timeout.get()
    }

    /// The handle with Django's `USE_TZ` and `TIME_ZONE` settings of the
    /// project whose database this is (default: `USE_TZ = True`,
    /// `TIME_ZONE = 'UTC'`, see [`TimeZoneSettings`]):
    ///
    /// ```
    /// use modelgen_runtime::{chrono_tz::Europe::Paris, Database, TimeZoneSettings};
    /// // A Django project with USE_TZ = False and TIME_ZONE = "Europe/Paris".
    /// let db = Database::open_in_memory()?.with_time_zone(TimeZoneSettings::naive(Paris));
    /// assert_eq!(db.time_zone(), TimeZoneSettings { use_tz: false, time_zone: Paris });
    /// # Ok::<(), modelgen_runtime::Error>(())
    /// ```
    pub fn with_time_zone(mut self, settings: TimeZoneSettings) -> Database {
        self.time_zone = settings;
        self.storage_zone = settings.storage_zone();
        // PostgreSQL converts timestamptz text in the session's zone, which
        // Django sets to TIME_ZONE when USE_TZ is false. A failure shows
        // again on the first statement.
        #[cfg(feature = "postgres")]
        if let Conn::Postgres(conn) = &self.conn {
            let _ = conn.set_zone(self.storage_zone);
        }
        self
    }

    /// The handle's `USE_TZ` and `TIME_ZONE`.
    pub fn time_zone(&self) -> TimeZoneSettings {
        self.time_zone
    }

    /// The zone stored datetimes are wall-clock time in; `None` when they
    /// are UTC (nothing to convert).
    #[inline]
    pub(crate) fn storage_zone(&self) -> Option<Tz> {
        self.storage_zone
    }

    /// The time of a save now, for `auto_now`, at the microsecond
    /// precision Django stores.
    pub(crate) fn now(&self) -> Now {
        self.time_zone.now_at(crate::display::now())
    }

    /// The underlying SQLite connection, for raw SQL; `None` on another
    /// backend (use [`Database::execute_raw`] and [`Database::query_raw`],
    /// which run on every backend).
    #[inline]
    pub fn sqlite_connection(&self) -> Option<&rusqlite::Connection> {
        match &self.conn {
            Conn::Sqlite(conn) => Some(conn.raw()),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => None,
        }
    }

    /// Give back the underlying SQLite connection (every statement the
    /// runtime prepared on it is finalized first); `None` on another
    /// backend.
    pub fn into_sqlite_connection(self) -> Option<rusqlite::Connection> {
        match self.conn {
            Conn::Sqlite(conn) => Some(conn.into_inner()),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => None,
        }
    }

    /// Run raw SQL with `?`/`?N` placeholders on any backend (translated
    /// for PostgreSQL); the number of rows changed. Not counted by
    /// [`Database::query_count`], like raw SQL on the connection.
    pub fn execute_raw(&self, sql: &str, params: &[Value]) -> Result<usize> {
        match &self.conn {
            Conn::Sqlite(conn) => Ok(conn.raw().execute(sql, rusqlite::params_from_iter(params.iter()))?),
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.execute_raw(sql, params),
        }
    }

    /// Run a raw query with `?`/`?N` placeholders on any backend: every
    /// row, its values in SQLite's storage form (on PostgreSQL too:
    /// datetimes as text, booleans 0/1, uuids as 32 hex digits).
    pub fn query_raw(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        match &self.conn {
            Conn::Sqlite(conn) => {
                let mut stmt = conn.raw().prepare(sql)?;
                let columns = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push((0..columns).map(|i| row.get_ref(i).map(Value::from)).collect::<rusqlite::Result<_>>()?);
                }
                Ok(out)
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.query_raw(sql, params),
        }
    }

    /// Run `f` with the prepared statement for `sql`, a `&'static str`
    /// (the SQL of a `ModelMeta`): prepared the first time, then kept for
    /// the life of the handle.
    #[inline]
    pub fn with_statement<R>(&self, sql: &'static str, f: impl FnOnce(&mut Stmt<'_, '_>) -> Result<R>) -> Result<R> {
        match &self.conn {
            Conn::Sqlite(conn) => conn.with_static(sql, |stmt| f(&mut Stmt::Sqlite(stmt))),
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.with_statement(StatementKey::Static(sql), String::new, f),
        }
    }

    /// Run `f` with the prepared statement for SQL built at run time,
    /// kept in the same cache (found by its text).
    #[inline]
    pub(crate) fn with_sql<R>(&self, sql: &str, f: impl FnOnce(&mut Stmt<'_, '_>) -> Result<R>) -> Result<R> {
        self.with_built(StatementKey::Text(sql), String::new, f)
    }

    /// Run the query `sql`, `f` with each row as the database yields it:
    /// on SQLite from the statement, on PostgreSQL from a server-side
    /// cursor a chunk at a time (Django's `iterator()`). `f` may run
    /// queries of its own.
    pub(crate) fn for_each_row(
        &self,
        sql: &crate::sql::Sql,
        mut f: impl FnMut(crate::backend::DbRow<'_>) -> Result<()>,
    ) -> Result<()> {
        match &self.conn {
            Conn::Sqlite(_) => self.with_sql(&sql.text, |stmt| {
                let mut rows = stmt.query(crate::backend::params_from_iter(sql.params.iter()))?;
                while let Some(row) = rows.next()? {
                    f(row)?;
                }
                Ok(())
            }),
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.for_each_row(&sql.text, &sql.params, f),
        }
    }

    /// Every row `sql` (built at run time, as for [`Database::with_sql`])
    /// selects with `params`, each read by `read`, in order.
    #[inline]
    pub(crate) fn collect_rows<I, T>(
        &self,
        sql: &str,
        params: I,
        mut read: impl FnMut(DbRow<'_>) -> Result<T>,
    ) -> Result<Vec<T>>
    where
        I: IntoIterator,
        I::Item: rusqlite::ToSql,
    {
        self.with_sql(sql, |stmt| {
            let mut rows = stmt.query(params)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(read(row)?);
            }
            Ok(out)
        })
    }

    /// Run `f` with the prepared statement for `key`, SQL built from a
    /// model's description by `build` the first time only.
    #[inline]
    pub(crate) fn with_built<R>(
        &self,
        key: StatementKey<'_>,
        build: impl FnOnce() -> String,
        f: impl FnOnce(&mut Stmt<'_, '_>) -> Result<R>,
    ) -> Result<R> {
        match &self.conn {
            Conn::Sqlite(conn) => conn.with_statement(key, build, |stmt| f(&mut Stmt::Sqlite(stmt))),
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.with_statement(key, build, f),
        }
    }

    /// Run `sql` (text and parameters); the number of rows changed.
    pub(crate) fn execute_sql(&self, sql: &Sql) -> Result<usize> {
        self.with_sql(&sql.text, |stmt| stmt.execute(sql.params.iter()))
    }

    /// Run the query `sql`; the first column of every row.
    pub(crate) fn first_column(&self, sql: &Sql) -> Result<Vec<Value>> {
        self.collect_rows(&sql.text, sql.params.iter(), |row| Ok(row.get_value(0)?))
    }

    /// The rowid of the last row inserted (SQLite; 0 on PostgreSQL, where
    /// inserted keys come back by `RETURNING`).
    #[inline]
    pub(crate) fn last_insert_id(&self) -> i64 {
        match &self.conn {
            Conn::Sqlite(conn) => conn.last_insert_id(),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => 0,
        }
    }

    /// How many statements the runtime has run on this handle (Django's
    /// query log, as `assertNumQueries` counts it): every SELECT, INSERT,
    /// UPDATE, DELETE and SAVEPOINT, and each [`Database::execute_batch`]
    /// once; not BEGIN, COMMIT or ROLLBACK (Django runs those outside its
    /// log), nor what raw SQL runs through [`Database::connection`].
    #[inline]
    pub fn query_count(&self) -> u64 {
        match &self.conn {
            Conn::Sqlite(conn) => conn.query_count(),
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.query_count(),
        }
    }

    /// Run `f` and count the statements it ran (Django's
    /// `assertNumQueries`, `CaptureQueriesContext`):
    /// `let (entries, n) = db.count_queries(|| Entry::objects().all(&db))`.
    pub fn count_queries<R>(&self, f: impl FnOnce() -> R) -> (R, u64) {
        let before = self.query_count();
        let result = f();
        (result, self.query_count() - before)
    }

    /// Run SQL statements (DDL) separated by semicolons.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.conn {
            Conn::Sqlite(conn) => conn.execute_batch(sql),
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.execute_batch(sql),
        }
    }

    /// Create the tables of `apps` and register their models; safe to run
    /// again on a database that has them (Django's `migrate` run twice).
    ///
    /// Every table, index and many-to-many table of the apps' DDL that the
    /// database lacks is created, in the DDL's order; those it has are
    /// left alone, with their rows. A table that exists with columns other
    /// than the schema's (a column missing or not in the schema, another
    /// declared type, NULL allowed or not) is an
    /// [`Error::SchemaMismatch`](crate::Error::SchemaMismatch) naming every
    /// such table and difference, and then nothing is created: the check
    /// and the creation run in one transaction.
    pub fn create_tables(&self, apps: &[&AppMeta]) -> Result<()> {
        if self.backend() == Backend::PostgreSql {
            self.transaction(|db| {
                let mismatches = db.postgresql_mismatches(apps)?;
                if !mismatches.is_empty() {
                    return Err(crate::Error::SchemaMismatch(mismatches));
                }
                for app in apps {
                    db.create_postgresql_objects(app.ddl_postgresql)?;
                }
                Ok(())
            })?;
            for app in apps {
                self.register(app);
            }
            return Ok(());
        }
        let expected = ExpectedSchema::of(apps)?;
        self.transaction(|db| {
            let mut mismatches = Vec::new();
            for object in &expected.objects {
                if object.kind == "table" && db.object_exists("table", &object.name)? {
                    let differences = column_differences(&object.columns, &db.table_columns(&object.name)?);
                    if !differences.is_empty() {
                        mismatches.push(crate::error::TableMismatch { table: object.name.clone(), differences });
                    }
                }
            }
            if !mismatches.is_empty() {
                return Err(crate::Error::SchemaMismatch(mismatches));
            }
            for object in &expected.objects {
                if !db.object_exists(&object.kind, &object.name)? {
                    db.execute_batch(&object.sql)?;
                }
            }
            Ok(())
        })?;
        for app in apps {
            self.register(app);
        }
        Ok(())
    }

    /// Run each statement of an app's PostgreSQL DDL (one a line) whose
    /// table, index or constraint the database lacks.
    fn create_postgresql_objects(&self, ddl: &str) -> Result<()> {
        for statement in ddl.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("--")) {
            let quoted_after = |marker: &str| -> Option<String> {
                let rest = &statement[statement.find(marker)? + marker.len()..];
                let rest = rest.strip_prefix('"')?;
                Some(rest[..rest.find('"')?].to_owned())
            };
            let exists = if let Some(name) = quoted_after("ADD CONSTRAINT ") {
                !self.query_raw(crate::sql::PG_CONSTRAINT_EXISTS, &[Value::Text(name)])?.is_empty()
            } else if let Some(name) =
                quoted_after("CREATE TABLE ").or_else(|| quoted_after("INDEX ")).or_else(|| quoted_after("SEQUENCE "))
            {
                !self.query_raw(crate::sql::PG_RELATION_EXISTS, &[Value::Text(name)])?.is_empty()
            } else {
                false
            };
            if !exists {
                self.execute_batch(statement)?;
            }
        }
        Ok(())
    }

    /// PostgreSQL: how the existing tables of `apps` differ from the
    /// schema. The schema's tables are created from the apps' DDL in a
    /// scratch schema first in the search path (so references to tables
    /// outside `apps` still resolve), their columns read as the server
    /// spells them (`format_type`), and the scratch schema rolled back with
    /// its savepoint: PostgreSQL compares types it parsed itself, as the
    /// SQLite path compares a scratch in-memory database's.
    fn postgresql_mismatches(&self, apps: &[&AppMeta]) -> Result<Vec<crate::error::TableMismatch>> {
        let tables: Vec<&str> = apps.iter().flat_map(|app| postgresql_tables(app.ddl_postgresql)).collect();
        let mut existing = Vec::new();
        for table in tables {
            if !self.query_raw(crate::sql::PG_RELATION_EXISTS, &[Value::Text(table.into())])?.is_empty() {
                existing.push(table);
            }
        }
        if existing.is_empty() {
            return Ok(Vec::new());
        }
        self.execute_batch(crate::sql::PG_EXPECTED_SCHEMA_BEGIN)?;
        let expected = self.expected_postgresql_columns(apps, &existing);
        // Rolled back on success and failure alike (an aborted transaction
        // too): nothing of the scratch schema is left.
        self.execute_batch(crate::sql::PG_EXPECTED_SCHEMA_END)?;
        let mut mismatches = Vec::new();
        for (table, expected) in existing.iter().zip(expected?) {
            let differences = column_differences(&expected, &self.postgresql_columns(&crate::sql::quoted(table))?);
            if !differences.is_empty() {
                mismatches.push(crate::error::TableMismatch { table: (*table).to_owned(), differences });
            }
        }
        Ok(mismatches)
    }

    /// Inside the scratch savepoint: the schema's columns of `tables`.
    fn expected_postgresql_columns(&self, apps: &[&AppMeta], tables: &[&str]) -> Result<Vec<Vec<TableColumn>>> {
        let rows = self.query_raw("SELECT current_setting('search_path')", &[])?;
        let search_path = match rows.first().and_then(|row| row.first()) {
            Some(Value::Text(path)) => path.clone(),
            _ => "public".to_owned(),
        };
        self.execute_batch(&format!("SET LOCAL search_path TO modelgen_expected, {search_path}"))?;
        for app in apps {
            self.execute_batch(app.ddl_postgresql)?;
        }
        tables
            .iter()
            .map(|table| self.postgresql_columns(&format!("\"modelgen_expected\".{}", crate::sql::quoted(table))))
            .collect()
    }

    /// The columns of the PostgreSQL table `qualified` (a quoted, possibly
    /// schema-qualified name) as the server spells their types.
    fn postgresql_columns(&self, qualified: &str) -> Result<Vec<TableColumn>> {
        let rows = self.query_raw(crate::sql::PG_TABLE_COLUMNS, &[Value::Text(qualified.into())])?;
        Ok(rows
            .into_iter()
            .filter_map(|row| match row.as_slice() {
                [Value::Text(name), Value::Text(declared_type), not_null] => Some(TableColumn {
                    name: name.clone(),
                    declared_type: declared_type.clone(),
                    not_null: matches!(not_null, Value::Integer(1)),
                }),
                _ => None,
            })
            .collect())
    }

    fn object_exists(&self, kind: &str, name: &str) -> Result<bool> {
        let rows = self.query_raw(crate::sql::OBJECT_EXISTS, &[Value::Text(kind.into()), Value::Text(name.into())])?;
        Ok(!rows.is_empty())
    }

    fn table_columns(&self, table: &str) -> Result<Vec<TableColumn>> {
        match self.sqlite_connection() {
            Some(conn) => table_columns(conn, table),
            None => Ok(Vec::new()),
        }
    }

    /// Register the models of an app whose tables exist already. The delete
    /// collector only sees relations of registered models (across apps).
    /// Registering twice is harmless.
    pub fn register(&self, app: &AppMeta) {
        {
            let mut reg = self.registry.borrow_mut();
            if !reg.apps.contains(&app.label) {
                reg.apps.push(app.label);
            }
        }
        for meta in app.models {
            self.register_model(meta);
        }
    }

    /// Register one model (see [`Database::register`]).
    pub fn register_model(&self, meta: &'static ModelMeta) {
        let mut reg = self.registry.borrow_mut();
        if reg.by_table.contains_key(meta.table) {
            return;
        }
        let index = reg.models.len();
        reg.models.push(meta);
        reg.by_table.insert(meta.table, index);
    }

    /// The registered models, in registration order.
    pub fn models(&self) -> Vec<&'static ModelMeta> {
        self.registry.borrow().models.clone()
    }

    /// The registered model whose table is `table`.
    pub fn model_for_table(&self, table: &str) -> Option<&'static ModelMeta> {
        let reg = self.registry.borrow();
        reg.by_table.get(table).map(|&i| reg.models[i])
    }

    /// Whether a transaction is open (ours or one begun with raw SQL).
    pub fn in_transaction(&self) -> bool {
        self.conn.in_transaction()
    }

    /// Run `f` in a transaction: committed when `f` returns `Ok`, rolled back
    /// when it returns `Err` (or panics). Nested calls use savepoints, so an
    /// inner failure rolls back only the inner block. A transaction begun
    /// with raw SQL is treated as an outer block.
    pub fn transaction<T>(&self, f: impl FnOnce(&Database) -> Result<T>) -> Result<T> {
        let depth = self.depth.get();
        let outermost = !self.conn.in_transaction();
        if outermost {
            self.conn.begin()?;
        } else {
            self.conn.savepoint(depth)?;
        }
        self.depth.set(depth + 1);
        let mut guard = TxGuard { db: self, depth, outermost, done: false };
        let result = f(self);
        guard.done = true;
        drop(guard);
        self.depth.set(depth);
        match result {
            Ok(value) => {
                let end = if outermost { self.conn.commit() } else { self.conn.release(depth) };
                match end {
                    Ok(()) => {
                        self.commit_undo(depth);
                        Ok(value)
                    }
                    Err(err) => {
                        // A COMMIT refused by a deferred constraint leaves
                        // the transaction open.
                        self.rollback(outermost, depth);
                        Err(err)
                    }
                }
            }
            Err(err) => {
                self.rollback(outermost, depth);
                Err(err)
            }
        }
    }

    fn rollback(&self, outermost: bool, depth: u32) {
        self.rollback_undo(depth);
        if outermost {
            if self.conn.in_transaction() {
                let _ = self.conn.rollback();
            }
        } else {
            let _ = self.conn.rollback_to(depth);
            let _ = self.conn.release(depth);
        }
    }

    /// Turn dirty tracking on or off (off by default) for the instances
    /// this handle loads and saves from now on. Tracking keeps a copy of
    /// each instance as stored (one clone per load and per save: about 1,300
    /// instructions and the memory of a second instance per row); without
    /// it, every field of an instance counts as dirty, `save_dirty` is a
    /// full save and `reset` has nothing to go back to.
    pub fn set_track_changes(&self, on: bool) {
        self.track_changes.set(on);
    }

    /// Whether this handle keeps snapshots for dirty tracking.
    pub fn tracks_changes(&self) -> bool {
        self.track_changes.get()
    }

    /// Remember that a save inside the open transaction replaced the
    /// snapshot in `cell`, whose previous value was `previous`.
    pub(crate) fn record_snapshot_undo(&self, cell: SnapshotCell, previous: Option<Snapshot>) {
        let depth = self.depth.get();
        if depth > 0 {
            self.undo.borrow_mut().push((depth, cell, previous));
        }
    }

    /// The block at `depth` committed: its entries now belong to the
    /// enclosing block, or are done with at the outermost commit.
    fn commit_undo(&self, depth: u32) {
        let mut undo = self.undo.borrow_mut();
        if depth == 0 {
            undo.clear();
        } else {
            for entry in undo.iter_mut().filter(|e| e.0 > depth) {
                entry.0 = depth;
            }
        }
    }

    /// The block at `depth` rolled back: put back every snapshot its saves
    /// replaced, newest first.
    fn rollback_undo(&self, depth: u32) {
        let mut undo = self.undo.borrow_mut();
        while undo.last().is_some_and(|e| e.0 > depth) {
            if let Some((_, cell, previous)) = undo.pop() {
                match cell.lock() {
                    Ok(mut guard) => *guard = previous,
                    Err(poisoned) => *poisoned.into_inner() = previous,
                }
            }
        }
    }

    /// Whether the pk of `meta`'s table is an alias of the rowid (an
    /// `integer PRIMARY KEY` of a rowid table, as Django declares every auto
    /// pk on SQLite): inserting NULL then assigns it, and
    /// `last_insert_rowid()` reads it back. Asked once per table.
    #[inline]
    pub(crate) fn pk_is_rowid_alias(&self, meta: &'static ModelMeta) -> Result<bool> {
        let address = meta as *const ModelMeta as usize;
        let (last, alias) = self.last_rowid_alias.get();
        if last == address {
            return Ok(alias);
        }
        let known = self.rowid_alias.borrow().get(meta.table).copied();
        let alias = match known {
            Some(alias) => alias,
            None => match self.query_rowid_alias(meta)? {
                Some(alias) => {
                    self.rowid_alias.borrow_mut().insert(meta.table, alias);
                    alias
                }
                // No such table (yet): ask again next time.
                None => return Ok(false),
            },
        };
        self.last_rowid_alias.set((address, alias));
        Ok(alias)
    }

    fn query_rowid_alias(&self, meta: &ModelMeta) -> Result<Option<bool>> {
        let Some(pk) = meta.columns.get(meta.pk) else {
            return Ok(Some(false));
        };
        // Only SQLite has rowids: PostgreSQL returns inserted keys.
        let Some(conn) = self.sqlite_connection() else {
            return Ok(Some(false));
        };
        let mut pk_columns = Vec::new();
        let mut any_column = false;
        {
            let mut stmt = conn.prepare("SELECT name, type, pk FROM pragma_table_info(?)")?;
            let mut rows = stmt.query([meta.table])?;
            while let Some(row) = rows.next()? {
                any_column = true;
                let pk_pos: i64 = row.get(2)?;
                if pk_pos > 0 {
                    let name: String = row.get(0)?;
                    let ty: String = row.get(1)?;
                    pk_columns.push((name, ty));
                }
            }
        }
        let integer_pk = matches!(pk_columns.as_slice(),
            [(name, ty)] if name == pk.column && ty.eq_ignore_ascii_case("integer"));
        if !any_column {
            return Ok(None);
        }
        if !integer_pk {
            return Ok(Some(false));
        }
        let without_rowid: i64 =
            conn.query_row("SELECT wr FROM pragma_table_list(?)", [meta.table], |r| r.get(0)).unwrap_or(0);
        Ok(Some(without_rowid == 0))
    }
}

/// A column as `PRAGMA table_info` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TableColumn {
    name: String,
    declared_type: String,
    not_null: bool,
}

fn table_columns(conn: &rusqlite::Connection, table: &str) -> Result<Vec<TableColumn>> {
    let mut stmt = conn.prepare(crate::sql::TABLE_COLUMNS)?;
    let rows = stmt.query_map([table], |row| {
        Ok(TableColumn { name: row.get(0)?, declared_type: row.get(1)?, not_null: row.get::<_, i64>(2)? != 0 })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One table or index of the apps' DDL.
struct SchemaObject {
    /// `table` or `index`, as `sqlite_master` names it.
    kind: String,
    name: String,
    /// Its `CREATE` statement.
    sql: String,
    /// A table's columns (none for an index).
    columns: Vec<TableColumn>,
}

/// What the apps' DDL creates, read back from a private in-memory
/// database the DDL ran in: SQLite itself splits the statements and
/// describes the columns, the same way it describes the real database's.
struct ExpectedSchema {
    objects: Vec<SchemaObject>,
}

impl ExpectedSchema {
    fn of(apps: &[&AppMeta]) -> Result<ExpectedSchema> {
        let scratch = rusqlite::Connection::open_in_memory()?;
        for app in apps {
            scratch.execute_batch(app.ddl)?;
        }
        let mut objects = {
            let mut stmt = scratch.prepare(crate::sql::SCHEMA_OBJECTS)?;
            let rows = stmt.query_map([], |row| {
                Ok(SchemaObject { kind: row.get(0)?, name: row.get(1)?, sql: row.get(2)?, columns: Vec::new() })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for object in objects.iter_mut().filter(|o| o.kind == "table") {
            object.columns = table_columns(&scratch, &object.name)?;
        }
        Ok(ExpectedSchema { objects })
    }
}

/// The tables a PostgreSQL DDL creates (`CREATE TABLE "name"`), in order.
fn postgresql_tables(ddl: &str) -> impl Iterator<Item = &str> {
    ddl.lines().filter_map(|line| {
        let rest = line.trim_start().strip_prefix("CREATE TABLE \"")?;
        rest.split('"').next()
    })
}

/// How the columns of an existing table differ from the schema's, one
/// sentence each: schema columns in order (missing, retyped, NULL allowed
/// or not), then the table's columns the schema does not have. Names and
/// types compare as SQLite compares them, ignoring ASCII case.
fn column_differences(expected: &[TableColumn], actual: &[TableColumn]) -> Vec<String> {
    let find = |columns: &[TableColumn], name: &str| columns.iter().position(|c| c.name.eq_ignore_ascii_case(name));
    let mut out = Vec::new();
    for want in expected {
        let Some(i) = find(actual, &want.name) else {
            out.push(format!("column \"{}\" is missing", want.name));
            continue;
        };
        let have = &actual[i];
        if !have.declared_type.eq_ignore_ascii_case(&want.declared_type) {
            out.push(format!(
                "column \"{}\" is declared `{}`, the schema says `{}`",
                want.name, have.declared_type, want.declared_type
            ));
        }
        if have.not_null != want.not_null {
            out.push(if want.not_null {
                format!("column \"{}\" allows NULL, the schema says NOT NULL", want.name)
            } else {
                format!("column \"{}\" is NOT NULL, the schema allows NULL", want.name)
            });
        }
    }
    for have in actual {
        if find(expected, &have.name).is_none() {
            out.push(format!("column \"{}\" is not in the schema", have.name));
        }
    }
    out
}

/// Rolls back when a transaction's closure panics.
struct TxGuard<'a> {
    db: &'a Database,
    depth: u32,
    outermost: bool,
    done: bool,
}

impl Drop for TxGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.db.depth.set(self.depth);
            self.db.rollback(self.outermost, self.depth);
        }
    }
}

/// What the handles promise to threads (docs/concurrency.md), pinned at
/// compile time: a `Database` moves to another thread but is not shared
/// between threads (its connection and statement cache are not
/// thread-safe); errors cross threads.
#[cfg(test)]
mod thread_safety {
    fn assert_send<T: Send>() {}
    fn assert_send_sync<T: Send + Sync>() {}
    /// Compiles only when `T` is not `Sync` (two blanket impls would
    /// conflict: the ambiguity makes the call fail to infer).
    trait AmbiguousIfSync<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfSync<()> for T {}
    struct IsSync;
    impl<T: ?Sized + Sync> AmbiguousIfSync<IsSync> for T {}

    #[test]
    fn database_is_send_and_not_sync_errors_are_send_and_sync() {
        assert_send::<super::Database>();
        let _ = <super::Database as AmbiguousIfSync<_>>::some_item;
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::TimeZoneSettings>();
    }
}

/// The PostgreSQL client blocks on a tokio runtime of its own: called from
/// inside another one it would panic, so the handle refuses first.
#[cfg(all(test, feature = "postgres"))]
mod inside_async {
    use crate::Error;

    #[test]
    fn calling_the_postgresql_backend_inside_an_async_runtime_is_an_error_not_a_panic() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a tokio runtime");
        let result = runtime.block_on(async { super::Database::connect_postgres("host=/nonexistent dbname=x") });
        match result {
            Err(Error::Misuse(message)) => assert!(message.contains("spawn_blocking"), "{message}"),
            other => panic!("expected a misuse error, got {other:?}"),
        }
    }
}
