//! Prepared statements kept for the life of a [`crate::Database`].
//!
//! The save path runs the same few statements (the `&'static str` SQL of
//! every `ModelMeta`) over and over. rusqlite's `prepare_cached` hashes and
//! copies the SQL text on every call, which costs as much as a fifth of a
//! small INSERT; this store keeps each statement prepared and finds it by
//! the address of its `&'static str`.
//!
//! A `rusqlite::Statement` borrows its `Connection`, and both live in the
//! same `Database`: the connection is therefore kept behind a raw pointer
//! (a heap allocation that never moves and is never mutably borrowed), the
//! statements are stored with their lifetime erased, and the store is
//! declared before the connection in `Database` so that every statement is
//! finalized before the connection closes. This is the only `unsafe` code
//! of the crate.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::ManuallyDrop;
use std::ptr::NonNull;

use rusqlite::{Connection, Statement};

/// A `Connection` owned through a raw pointer, so that shared references
/// to it stay valid while the owner moves.
pub(crate) struct OwnedConnection(NonNull<Connection>);

// SAFETY: it owns a `Connection`, which is `Send`; it gives out only shared
// references, and is not `Sync` (nor is `Connection`).
unsafe impl Send for OwnedConnection {}

impl OwnedConnection {
    pub(crate) fn new(conn: Connection) -> Self {
        OwnedConnection(NonNull::from(Box::leak(Box::new(conn))))
    }

    #[inline]
    pub(crate) fn get(&self) -> &Connection {
        // SAFETY: the pointer comes from `Box::leak` and is freed only by
        // `into_inner` or `drop`, which consume or end `self`.
        unsafe { self.0.as_ref() }
    }

    /// The connection back. The caller must have dropped every statement
    /// prepared on it.
    pub(crate) fn into_inner(self) -> Connection {
        let this = ManuallyDrop::new(self);
        // SAFETY: as in `get`; `this` is not dropped, so the box is freed once.
        *unsafe { Box::from_raw(this.0.as_ptr()) }
    }
}

impl Drop for OwnedConnection {
    fn drop(&mut self) {
        // SAFETY: as in `into_inner`.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

/// Hashes a `(address, length)` key: addresses are already well spread.
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type Key = (usize, usize);

/// Statements for `&'static str` SQL, prepared once.
///
/// The statement used last is kept apart, in `hot`: a loop of saves runs
/// the same statement over and over, and finds it with one comparison
/// instead of a hash-map removal and insertion per save.
#[derive(Default)]
pub(crate) struct StatementStore {
    hot: RefCell<Option<(Key, Statement<'static>)>>,
    map: RefCell<HashMap<Key, Statement<'static>, BuildHasherDefault<AddressHasher>>>,
}

// SAFETY: the statements only refer to the connection of the same
// `Database`, which moves between threads together with them (rusqlite's
// own statement cache is `Send` for the same reason). `Database` is not
// `Sync`, so they are never used from two threads at once.
unsafe impl Send for StatementStore {}

impl StatementStore {
    /// Run `f` with the prepared statement for `sql` on `conn`, preparing it
    /// the first time. `conn` must be the connection of the `Database` that
    /// owns this store (and so outlives every statement in it).
    ///
    /// The statement is taken out of the store while `f` runs, so a nested
    /// call for the same SQL (from code `f` calls) prepares its own.
    #[inline]
    pub(crate) fn with<R>(
        &self,
        conn: &Connection,
        sql: &'static str,
        f: impl FnOnce(&mut Statement<'_>) -> crate::Result<R>,
    ) -> crate::Result<R> {
        let key = (sql.as_ptr() as usize, sql.len());
        let hot = {
            let mut hot = self.hot.borrow_mut();
            match hot.take() {
                Some((k, stmt)) if k == key => Some(stmt),
                other => {
                    *hot = other;
                    None
                }
            }
        };
        let taken = match hot {
            Some(stmt) => Some(stmt),
            None => self.map.borrow_mut().remove(&key),
        };
        let mut stmt = match taken {
            Some(stmt) => stmt,
            None => {
                let stmt = conn.prepare(sql)?;
                // SAFETY: only the lifetime changes. The connection lives
                // behind `OwnedConnection` in the same `Database`, declared
                // after this store, so it outlives the statement; see the
                // module documentation.
                unsafe { std::mem::transmute::<Statement<'_>, Statement<'static>>(stmt) }
            }
        };
        let result = f(&mut stmt);
        // This statement becomes the hot one; the one it replaces (another
        // SQL, or the same SQL prepared by a nested call) goes to the map.
        let previous = self.hot.borrow_mut().replace((key, stmt));
        if let Some((k, previous)) = previous {
            self.map.borrow_mut().insert(k, previous);
        }
        result
    }

    /// Finalize every statement.
    pub(crate) fn clear(&self) {
        self.hot.borrow_mut().take();
        self.map.borrow_mut().clear();
    }
}

#[cfg(test)]
mod tests {
    use crate::Database;

    const ADD_ONE: &str = "SELECT ?1 + 1";
    const TIMES_TWO: &str = "SELECT ?1 * 2";

    fn run(db: &Database, sql: &'static str, n: i64) -> crate::Result<i64> {
        db.with_statement(sql, |stmt| Ok(stmt.query_row([n], |r| r.get(0))?))
    }

    #[test]
    fn alternating_statements_are_each_found_again() {
        let db = Database::open_in_memory().unwrap();
        for n in 0..5 {
            assert_eq!(run(&db, ADD_ONE, n).unwrap(), n + 1);
            assert_eq!(run(&db, ADD_ONE, n).unwrap(), n + 1);
            assert_eq!(run(&db, TIMES_TWO, n).unwrap(), n * 2);
        }
    }

    #[test]
    fn a_nested_call_for_the_same_sql_prepares_its_own_statement() {
        let db = Database::open_in_memory().unwrap();
        let outer = db
            .with_statement(ADD_ONE, |stmt| {
                let mut rows = stmt.query([10])?;
                let inner = run(&db, ADD_ONE, 20)?;
                let other = run(&db, TIMES_TWO, 3)?;
                let first: i64 = rows.next()?.map(|r| r.get(0)).transpose()?.unwrap_or_default();
                Ok((first, inner, other))
            })
            .unwrap();
        assert_eq!(outer, (11, 21, 6));
        // Both statements for ADD_ONE were kept and still work.
        assert_eq!(run(&db, ADD_ONE, 1).unwrap(), 2);
        assert_eq!(run(&db, TIMES_TWO, 1).unwrap(), 2);
        assert_eq!(run(&db, ADD_ONE, 2).unwrap(), 3);
        let conn = db.into_connection();
        conn.execute_batch("SELECT 1").unwrap();
    }
}
