//! PostgreSQL faults as the runtime's typed errors, on a real server
//! (`modelgen_testing_pg::server()`; skipped without one unless
//! `MODELGEN_REQUIRE_PG=1`): a lock not granted within `lock_timeout`
//! and a deadlock are `Error::Busy`; a value the server cannot take is
//! `Error::InvalidValue`; a connection the server terminated in the middle
//! of a transaction or a fork is `Error::ConnectionLost`, on that call and
//! every later one, with nothing of the transaction committed.

use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use modelgen_examples::vault::{self, Locker, Specimen};
use modelgen_runtime::prelude::*;
use modelgen_runtime::rusqlite::types::Value;
use modelgen_runtime::{Constraint, Database};
use modelgen_testing_pg::postgres;

/// A fresh database with the vault's tables, a handle on it and a raw
/// client to watch or disturb it from another session; `None` without a
/// server.
fn vault_database() -> Option<(modelgen_testing_pg::TestDatabase<'static>, Database)> {
    let test_db = modelgen_testing_pg::server()?.database();
    let db = Database::from_postgres_client(test_db.connect()).unwrap();
    db.create_tables(&[&vault::APP]).unwrap();
    Some((test_db, db))
}

fn locker(db: &Database, label: &str) -> modelgen_runtime::Result<Locker> {
    let mut l = Locker::new();
    l.label = label.into();
    l.save(db)?;
    Ok(l)
}

fn backend_pid(db: &Database) -> i64 {
    match db.query_raw("SELECT pg_backend_pid()", &[]).unwrap().remove(0).remove(0) {
        Value::Integer(pid) => pid,
        other => panic!("pg_backend_pid() gave {other:?}"),
    }
}

fn lockers_seen_by(other: &mut postgres::Client) -> i64 {
    other.query_one(r#"SELECT count(*) FROM "vault_locker""#, &[]).unwrap().get(0)
}

fn terminate(other: &mut postgres::Client, pid: i64) {
    let pid = i32::try_from(pid).unwrap();
    let done: bool = other.query_one("SELECT pg_terminate_backend($1)", &[&pid]).unwrap().get(0);
    assert!(done, "the backend {pid} was terminated");
}

#[test]
fn constraint_kinds_come_from_postgresql_sqlstates_unique_not_null_check_and_foreign_key_at_commit() {
    let Some((_test_db, db)) = vault_database() else { return };
    db.execute_batch(r#"CREATE UNIQUE INDEX "locker_label_unique" ON "vault_locker" ("label")"#).unwrap();
    locker(&db, "same").unwrap();
    let unique = locker(&db, "same").unwrap_err();
    assert_eq!(unique.constraint(), Some(Constraint::Unique), "{unique}");

    let l = locker(&db, "l").unwrap();
    let not_null = db
        .execute_batch(&format!(r#"UPDATE "vault_locker" SET "label" = NULL WHERE "id" = {}"#, l.id.unwrap()))
        .unwrap_err();
    assert_eq!(not_null.constraint(), Some(Constraint::NotNull), "{not_null}");

    db.execute_batch(r#"ALTER TABLE "vault_specimen" ADD CONSTRAINT "hits_small" CHECK ("hits" < 10)"#).unwrap();
    let mut s = Specimen::new(l.key().unwrap());
    s.hits = 10;
    let check = s.save(&db).unwrap_err();
    assert_eq!(check.constraint(), Some(Constraint::Check), "{check}");

    // The foreign keys are DEFERRABLE INITIALLY DEFERRED, as Django's: the
    // dangling reference fails at COMMIT (SQLSTATE 23503).
    let foreign_key = db
        .transaction(|db| {
            let mut s = Specimen::new(l.key()?);
            s.locker_id = 9_999;
            s.save(db)
        })
        .unwrap_err();
    assert_eq!(foreign_key.constraint(), Some(Constraint::ForeignKey), "{foreign_key}");
    assert_eq!(Specimen::objects().count(&db).unwrap(), 0, "the failed COMMIT rolled back");
}

/// `Database::set_busy_timeout` is PostgreSQL's `lock_timeout`: a write
/// waiting for another session's row lock longer than that fails with
/// SQLSTATE 55P03, reported as `Error::Busy`, having written nothing.
#[test]
fn a_row_lock_held_past_lock_timeout_is_a_busy_error() {
    let Some((test_db, db)) = vault_database() else { return };
    let l = locker(&db, "held").unwrap();
    let mut other = test_db.connect();
    let mut holder = other.transaction().unwrap();
    holder.execute(r#"UPDATE "vault_locker" SET "label" = 'other' WHERE "id" = $1"#, &[&l.id.unwrap()]).unwrap();

    db.set_busy_timeout(Duration::from_millis(200)).unwrap();
    let started = Instant::now();
    let err =
        Locker::objects().filter(Locker::ID.eq(l.id.unwrap())).update(&db, &[Locker::LABEL.set("mine")]).unwrap_err();
    let waited = started.elapsed();
    assert!(err.is_busy(), "{err:?}");
    assert!(err.to_string().contains("55P03"), "{err}");
    assert!(waited >= Duration::from_millis(150), "waited {waited:?} for the lock");
    holder.rollback().unwrap();
    assert_eq!(Locker::get(&db, l.id.unwrap()).unwrap().label, "held", "the refused update wrote nothing");
}

/// Two sessions each holding a row the other wants: PostgreSQL breaks the
/// deadlock by failing one of them (SQLSTATE 40P01), reported as
/// `Error::Busy` (retry the transaction), rolled back whole.
#[test]
fn a_deadlock_is_a_busy_error_and_its_transaction_is_rolled_back() {
    let Some((test_db, db)) = vault_database() else { return };
    let first = locker(&db, "first").unwrap().id.unwrap();
    let second = locker(&db, "second").unwrap().id.unwrap();
    let both_hold_one = Barrier::new(2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| {
            let mut client = test_db.connect();
            // Only the handle's session looks for the deadlock (after its
            // 1 s deadlock_timeout), so the handle's is the one refused.
            client.batch_execute("SET deadlock_timeout = '20s'").unwrap();
            let mut tx = client.transaction().unwrap();
            tx.execute(r#"UPDATE "vault_locker" SET "label" = 'o' WHERE "id" = $1"#, &[&second]).unwrap();
            both_hold_one.wait();
            tx.execute(r#"UPDATE "vault_locker" SET "label" = 'o' WHERE "id" = $1"#, &[&first]).unwrap();
            tx.commit().unwrap();
        });
        let err = db
            .transaction(|db| {
                Locker::objects().filter(Locker::ID.eq(first)).update(db, &[Locker::LABEL.set("mine")])?;
                both_hold_one.wait();
                Locker::objects().filter(Locker::ID.eq(second)).update(db, &[Locker::LABEL.set("mine")])
            })
            .unwrap_err();
        assert!(err.is_busy(), "{err:?}");
        assert!(err.to_string().contains("40P01"), "{err}");
        other.join().unwrap();
    });
    let labels: Vec<String> =
        Locker::objects().order_by([Locker::ID.asc()]).all(&db).unwrap().into_iter().map(|l| l.label).collect();
    assert_eq!(labels, ["o", "o"], "the other session committed; nothing of the refused transaction is left");
}

/// A NUL character cannot be stored in PostgreSQL text: Django 5.2 raises
/// `ValueError: A string literal cannot contain NUL (0x00) characters.`
/// before sending it; here the server refuses it (SQLSTATE 22021) and it
/// is `Error::InvalidValue`, not a panic nor a silently cut string.
#[test]
fn a_nul_character_in_text_is_an_invalid_value_error_as_django_refuses_it_on_postgresql() {
    let Some((_test_db, db)) = vault_database() else { return };
    let l = locker(&db, "nul").unwrap();
    let mut s = Specimen::new(l.key().unwrap());
    s.text = "before\0after".into();
    let err = s.save(&db).unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err:?}");
    assert_eq!(Specimen::objects().count(&db).unwrap(), 0);
    let mut label = Locker::new();
    label.label = "a\0b".into();
    assert!(matches!(label.save(&db).unwrap_err(), Error::InvalidValue { .. }));
    // The connection is still usable.
    assert_eq!(Locker::objects().count(&db).unwrap(), 1);
}

/// PostgreSQL stores `'infinity'` and `'-infinity'` dates and timestamps,
/// which neither Python's `date`/`datetime` (Django's) nor chrono's types
/// hold: reading one is `Error::Conversion` naming the model, table and
/// column, never a panic, and the connection stays usable.
#[test]
fn infinite_dates_and_timestamps_read_back_as_conversion_errors_not_panics() {
    use modelgen_examples::weblog::{self, Blog, Entry};
    let Some(test_db) = modelgen_testing_pg::server().map(|server| server.database()) else { return };
    let db = Database::from_postgres_client(test_db.connect()).unwrap();
    db.create_tables(&[&weblog::APP]).unwrap();
    let mut blog = Blog::new();
    blog.name = "b".into();
    blog.save(&db).unwrap();
    let day = modelgen_runtime::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut entry = Entry::new(blog.key().unwrap(), day);
    entry.save(&db).unwrap();
    for value in ["infinity", "-infinity"] {
        db.execute_raw("UPDATE weblog_entry SET pub_date = CAST(? AS date)", &[Value::Text(value.into())]).unwrap();
        let err = Entry::get(&db, entry.id.unwrap()).unwrap_err();
        assert!(
            matches!(&err, Error::Conversion { table: "weblog_entry", column: "pub_date", .. }),
            "{value}: {err:?}"
        );
        assert!(db.query_raw("SELECT pub_date FROM weblog_entry", &[]).is_err(), "{value}");
    }
    db.execute_raw("UPDATE weblog_entry SET pub_date = '2024-01-01'", &[]).unwrap();
    assert_eq!(Entry::get(&db, entry.id.unwrap()).unwrap().pub_date, day);
}

/// Text that is not a number of the column's type (22P02) and a number
/// beyond a DecimalField's max_digits (22003, numeric field overflow) are
/// `Error::InvalidValue` (Django's `DataError` on PostgreSQL).
#[test]
fn invalid_text_for_a_number_and_a_numeric_overflow_are_invalid_value_errors() {
    let Some((_test_db, db)) = vault_database() else { return };
    let invalid_text = db.query_raw("SELECT CAST(? AS integer)", &[Value::Text("many".into())]).unwrap_err();
    assert!(matches!(invalid_text, Error::InvalidValue { .. }), "{invalid_text:?}");
    assert!(invalid_text.to_string().contains("22P02"), "{invalid_text}");

    let l = locker(&db, "big").unwrap();
    let mut s = Specimen::new(l.key().unwrap());
    s.amount = "123456789.5".parse().unwrap(); // 13 digits with 4 places: max_digits is 12
    let overflow = s.save(&db).unwrap_err();
    assert!(matches!(overflow, Error::InvalidValue { .. }), "{overflow:?}");
    assert!(overflow.to_string().contains("22003"), "{overflow}");
}

/// The server terminates the session in the middle of `db.transaction`
/// (`pg_terminate_backend`, SQLSTATE 57P01): the next statement and the
/// transaction return `Error::ConnectionLost`, every later call on the
/// handle too, and another session sees nothing of the transaction.
#[test]
fn a_connection_terminated_inside_a_transaction_is_connection_lost_and_nothing_is_committed() {
    let Some((test_db, db)) = vault_database() else { return };
    let pid = backend_pid(&db);
    let mut other = test_db.connect();
    let err = db
        .transaction(|db| {
            locker(db, "written before")?;
            terminate(&mut other, pid);
            locker(db, "written after")?;
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
    assert_eq!(lockers_seen_by(&mut other), 0, "nothing of the transaction was committed");
    for _ in 0..3 {
        let again = Locker::objects().count(&db).unwrap_err();
        assert!(matches!(again, Error::ConnectionLost { .. }), "{again:?}");
        let again = db.transaction(|db| locker(db, "x")).unwrap_err();
        assert!(matches!(again, Error::ConnectionLost { .. }), "{again:?}");
    }
}

/// The session is terminated while a fork is being written (from a
/// `post_save` receiver of the forked rows, after the fork's INSERTs ran):
/// the fork returns `Error::ConnectionLost` and none of its rows exist.
#[test]
fn a_connection_terminated_in_the_middle_of_a_fork_is_connection_lost_and_leaves_no_row_of_it() {
    let Some((test_db, db)) = vault_database() else { return };
    let source = locker(&db, "source").unwrap();
    for i in 0..5 {
        let mut s = Specimen::new(source.key().unwrap());
        s.text = format!("s{i}");
        s.save(&db).unwrap();
    }
    let pid = backend_pid(&db);
    let other = Arc::new(Mutex::new(test_db.connect()));
    let killer = other.clone();
    let terminated = std::sync::atomic::AtomicBool::new(false);
    db.connect::<Specimen>(Signal::PostSave, move |_| {
        if !terminated.swap(true, std::sync::atomic::Ordering::SeqCst) {
            terminate(&mut killer.lock().unwrap(), pid);
        }
        Ok(())
    });
    let err = source.fork(&db).unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
    let mut other = other.lock().unwrap();
    assert_eq!(lockers_seen_by(&mut other), 1, "no locker of the fork");
    let specimens: i64 = other.query_one(r#"SELECT count(*) FROM "vault_specimen""#, &[]).unwrap().get(0);
    assert_eq!(specimens, 5, "no specimen of the fork");
}
