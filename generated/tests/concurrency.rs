//! Concurrent writers on one SQLite file: two handles in two threads, and
//! in two processes (this test binary run again as a worker), saving,
//! updating with F expressions and forking at once for a bounded time.
//! Afterwards: `PRAGMA integrity_check` is ok, every committed write is
//! present, no increment is lost, and every fork has all of its rows.
//! A write refused because the other writer held the lock must be
//! `Error::Busy` (nothing else is allowed) and is not counted as
//! committed. A process killed (SIGKILL) in the middle of a fork leaves
//! none of the fork's rows.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use modelgen_examples::vault::{self, Locker, Specimen};
use modelgen_runtime::prelude::*;
use modelgen_runtime::Database;

/// How long each writer writes.
const WRITE_FOR: Duration = Duration::from_millis(1500);
/// Specimens in the locker every writer forks.
const FORKED_ROWS: usize = 25;

/// The rows the writers share: a counter specimen, a locker to insert
/// into, a locker to fork.
struct Shared {
    counter: i64,
    inserts: Key<Locker>,
    source: i64,
}

fn prepare(path: &Path) -> Shared {
    prepare_in(&Database::open(path).unwrap())
}

fn prepare_in(db: &Database) -> Shared {
    db.create_tables(&[&vault::APP]).unwrap();
    // Django's default journal mode (a rollback journal, not WAL).
    db.transaction(|db| {
        let mut inserts = Locker::new();
        inserts.label = "inserts".into();
        inserts.save(db)?;
        let mut counter = Specimen::new(inserts.key()?);
        counter.text = "counter".into();
        counter.save(db)?;
        let mut source = Locker::new();
        source.label = "source".into();
        source.save(db)?;
        for i in 0..FORKED_ROWS {
            let mut s = Specimen::new(source.key()?);
            s.text = format!("source {i}");
            s.data = vec![i as u8; 64];
            s.save(db)?;
        }
        Ok(Shared {
            counter: counter.id.unwrap_or_default(),
            inserts: inserts.key()?,
            source: source.id.unwrap_or_default(),
        })
    })
    .unwrap()
}

/// What one writer committed.
#[derive(Debug, Default)]
struct Committed {
    inserted: Vec<String>,
    increments: usize,
    forks: Vec<i64>,
    busy: usize,
}

impl Committed {
    fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n",
            self.inserted.join(","),
            self.increments,
            self.forks.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
            self.busy
        )
    }

    fn from_text(text: &str) -> Committed {
        let lines: Vec<&str> = text.lines().collect();
        let list =
            |line: &str| -> Vec<String> { line.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect() };
        Committed {
            inserted: list(lines[0]),
            increments: lines[1].parse().unwrap(),
            forks: list(lines[2]).iter().map(|s| s.parse().unwrap()).collect(),
            busy: lines[3].parse().unwrap(),
        }
    }
}

/// `result`, or a count of busy refusals; any other error fails the test.
fn committed<T>(result: modelgen_runtime::Result<T>, busy: &mut usize) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(err) if err.is_busy() => {
            *busy += 1;
            None
        }
        Err(err) => panic!("a concurrent write failed with something else than Busy: {err:?}"),
    }
}

/// Save, increment and fork in turn until `WRITE_FOR` has passed, after
/// `start` (the other writers being ready too).
fn write_for_a_while(
    path: &Path,
    writer: &str,
    shared: &Shared,
    busy_timeout: Duration,
    start: Option<&Barrier>,
) -> Committed {
    write_with(Database::open(path).unwrap(), writer, shared, busy_timeout, start)
}

/// [`write_for_a_while`] on an open handle (of either backend).
fn write_with(
    db: Database,
    writer: &str,
    shared: &Shared,
    busy_timeout: Duration,
    start: Option<&Barrier>,
) -> Committed {
    let source = Locker::get(&db, shared.source).unwrap();
    // Set after the set-up read: with a zero timeout a read refused as busy
    // is as expected as a write.
    db.set_busy_timeout(busy_timeout).unwrap();
    if let Some(start) = start {
        start.wait();
    }
    let mut done = Committed::default();
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < WRITE_FOR {
        n += 1;
        let text = format!("{writer}-{n}");
        let mut s = Specimen::new(shared.inserts);
        s.text = text.clone();
        if committed(s.save(&db), &mut done.busy).is_some() {
            done.inserted.push(text);
        }
        let update = Specimen::objects()
            .filter(Specimen::ID.eq(shared.counter))
            .update(&db, &[Specimen::HITS.set_f(Specimen::HITS.f() + 1)]);
        if let Some(rows) = committed(update, &mut done.busy) {
            assert_eq!(rows, 1);
            done.increments += 1;
        }
        if n % 4 == 1 {
            if let Some(fork) = committed(source.fork(&db), &mut done.busy) {
                done.forks.push(fork.root.id.unwrap());
            }
        }
    }
    done
}

/// Every committed write is present and nothing else: the database is
/// intact, the counter holds every increment, each fork holds all of its
/// rows and no other locker exists.
fn assert_all_committed_writes_present(path: &Path, shared: &Shared, writers: &[Committed]) {
    let db = Database::open(path).unwrap();
    let check: String = db
        .sqlite_connection()
        .expect("a SQLite database")
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_all_committed_writes_in(&db, shared, writers);
}

/// [`assert_all_committed_writes_present`] but the integrity check, on an
/// open handle of either backend.
fn assert_all_committed_writes_in(db: &Database, shared: &Shared, writers: &[Committed]) {
    for w in writers {
        eprintln!(
            "writer: {} saves, {} increments, {} forks committed, {} refused as busy",
            w.inserted.len(),
            w.increments,
            w.forks.len(),
            w.busy
        );
    }

    let inserted: Vec<String> = writers.iter().flat_map(|w| w.inserted.iter().cloned()).collect();
    let stored = Specimen::objects().filter(Specimen::LOCKER.eq(shared.inserts)).all(db).unwrap();
    let mut stored_texts: Vec<String> = stored.into_iter().map(|s| s.text).filter(|t| t != "counter").collect();
    let mut expected = inserted.clone();
    stored_texts.sort();
    expected.sort();
    assert_eq!(stored_texts, expected, "every committed save is present, and only those");

    let increments: usize = writers.iter().map(|w| w.increments).sum();
    let counter = Specimen::get(db, shared.counter).unwrap();
    assert_eq!(counter.hits as usize, increments, "no lost update");

    let forks: Vec<i64> = writers.iter().flat_map(|w| w.forks.iter().copied()).collect();
    for &root in &forks {
        let rows = Specimen::objects().filter(Specimen::LOCKER.eq(Key::<Locker>::new(root))).count(db).unwrap();
        assert_eq!(rows, FORKED_ROWS, "fork {root} is complete");
    }
    assert_eq!(Locker::objects().count(db).unwrap(), 2 + forks.len(), "no locker of a failed fork is left");
    assert_eq!(
        Specimen::objects().count(db).unwrap(),
        1 + inserted.len() + FORKED_ROWS * (1 + forks.len()),
        "no specimen of a failed fork is left"
    );
    assert!(!inserted.is_empty() && increments > 0 && !forks.is_empty(), "each kind of write committed at least once");
}

/// Two threads, each with its handle, write for `WRITE_FOR`.
fn two_threads_write(busy_timeout: Duration) -> (tempfile::TempDir, PathBuf, Shared, Vec<Committed>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threads.sqlite3");
    let shared = prepare(&path);
    let start = Barrier::new(2);
    let writers: Vec<Committed> = std::thread::scope(|scope| {
        let handles: Vec<_> = ["a", "b"]
            .map(|name| {
                scope.spawn({
                    let path = &path;
                    let shared = &shared;
                    let start = &start;
                    move || write_for_a_while(path, name, shared, busy_timeout, Some(start))
                })
            })
            .into_iter()
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    (dir, path, shared, writers)
}

#[test]
fn two_threads_with_a_handle_each_lose_no_committed_write_and_leave_no_partial_fork() {
    let (_dir, path, shared, writers) = two_threads_write(modelgen_runtime::DEFAULT_BUSY_TIMEOUT);
    assert_all_committed_writes_present(&path, &shared, &writers);
}

/// Without a busy timeout the writers collide: many writes (and forks, in
/// the middle or at COMMIT) fail with `Error::Busy`, and each of those is
/// rolled back whole while every committed one is kept.
#[test]
fn writes_refused_as_busy_leave_nothing_and_committed_ones_are_all_kept() {
    let (_dir, path, shared, writers) = two_threads_write(Duration::ZERO);
    assert_all_committed_writes_present(&path, &shared, &writers);
    let refused: usize = writers.iter().map(|w| w.busy).sum();
    eprintln!("{refused} writes refused as busy");
}

// ---------------------------------------------------------------------------
// PostgreSQL: two connections (two `Database` handles, one per thread) on
// one test database, when a server is there (`modelgen_testing_pg`).
// ---------------------------------------------------------------------------

/// Two threads with a PostgreSQL connection each write for `WRITE_FOR`
/// with `lock_timeout` set to `busy_timeout`; their results, checked from
/// a third connection.
fn two_postgresql_connections_write(busy_timeout: Duration) -> Option<()> {
    let server = modelgen_testing_pg::server()?;
    let test_db = server.database();
    let check = Database::from_postgres_client(test_db.connect()).unwrap();
    let shared = prepare_in(&check);
    let handles = [test_db.connect(), test_db.connect()].map(|c| Database::from_postgres_client(c).unwrap());
    let start = Barrier::new(2);
    let writers: Vec<Committed> = std::thread::scope(|scope| {
        let threads: Vec<_> = handles
            .into_iter()
            .zip(["a", "b"])
            .map(|(db, name)| {
                let shared = &shared;
                let start = &start;
                scope.spawn(move || write_with(db, name, shared, busy_timeout, Some(start)))
            })
            .collect();
        threads.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_all_committed_writes_in(&check, &shared, &writers);
    Some(())
}

/// PostgreSQL's row locks serialise the increments of the one counter row
/// (READ COMMITTED re-reads the row after the other's COMMIT): no lost
/// update, every committed save and fork present, no partial fork.
#[test]
fn two_postgresql_connections_lose_no_committed_write_no_increment_and_leave_no_partial_fork() {
    if two_postgresql_connections_write(modelgen_runtime::DEFAULT_BUSY_TIMEOUT).is_none() {
        eprintln!("no PostgreSQL server: skipped");
    }
}

/// With a 1 ms `lock_timeout` an increment that waits longer for the
/// other connection's row lock fails with `Error::Busy` (SQLSTATE 55P03)
/// and is rolled back whole; every committed write is still kept. (The
/// row locks of single-statement writes are held for well under 1 ms:
/// runs so far saw no refusal; any other error fails the test.)
#[test]
fn postgresql_writes_refused_by_lock_timeout_are_busy_and_leave_nothing() {
    if two_postgresql_connections_write(Duration::from_millis(1)).is_none() {
        eprintln!("no PostgreSQL server: skipped");
    }
}

// ---------------------------------------------------------------------------
// Two processes: this binary, run again with WORKER_ENV set, runs only
// `worker_process` (a no-op test otherwise).
// ---------------------------------------------------------------------------

const WORKER_ENV: &str = "MODELGEN_CONCURRENCY_WORKER";

/// `(database path, role, result or marker path)` when this process is a worker.
fn worker_args() -> Option<(PathBuf, String, PathBuf)> {
    let value = std::env::var(WORKER_ENV).ok()?;
    let mut parts = value.splitn(3, '\n');
    Some((parts.next()?.into(), parts.next()?.to_owned(), parts.next()?.into()))
}

#[test]
fn worker_process() {
    let Some((path, role, out)) = worker_args() else { return };
    let db = Database::open(&path).unwrap();
    let lockers = Locker::objects().all(&db).unwrap();
    let find = |label: &str| lockers.iter().find(|l| l.label == label).unwrap().id.unwrap();
    if role == "fork-and-hang" {
        // Announce the first row written by the fork, then wait to be killed.
        db.connect::<Specimen>(Signal::PostSave, move |_| {
            std::fs::write(&out, "inside the fork").unwrap();
            std::thread::sleep(Duration::from_secs(60));
            Ok(())
        });
        let source = Locker::get(&db, find("source")).unwrap();
        let _ = source.fork(&db);
        return;
    }
    let inserts = Key::<Locker>::new(find("inserts"));
    let counter = Specimen::objects().filter(Specimen::TEXT.eq("counter")).get(&db).unwrap().id.unwrap();
    let shared = Shared { counter, inserts, source: find("source") };
    let done = write_for_a_while(&path, &role, &shared, modelgen_runtime::DEFAULT_BUSY_TIMEOUT, None);
    std::fs::write(&out, done.to_text()).unwrap();
}

fn spawn_worker(path: &Path, role: &str, out: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "worker_process", "--nocapture", "--test-threads=1"])
        .env(WORKER_ENV, format!("{}\n{role}\n{}", path.display(), out.display()))
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn two_processes_on_one_file_lose_no_committed_write_and_leave_no_partial_fork() {
    if worker_args().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("processes.sqlite3");
    let shared = prepare(&path);
    let outs: Vec<PathBuf> = ["p", "q"].iter().map(|r| dir.path().join(format!("{r}.out"))).collect();
    let children: Vec<_> = ["p", "q"].iter().zip(&outs).map(|(role, out)| spawn_worker(&path, role, out)).collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a worker process failed");
    }
    let writers: Vec<Committed> =
        outs.iter().map(|out| Committed::from_text(&std::fs::read_to_string(out).unwrap())).collect();
    assert_all_committed_writes_present(&path, &shared, &writers);
}

#[test]
fn a_process_killed_in_the_middle_of_a_fork_leaves_none_of_its_rows() {
    if worker_args().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.sqlite3");
    let shared = prepare(&path);
    let marker = dir.path().join("inside-the-fork");
    let mut child = spawn_worker(&path, "fork-and-hang", &marker);
    let started = Instant::now();
    while !marker.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "the worker never reached the fork");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the worker ended before the fork: {status}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    // Reopened: the hot journal of the killed transaction is rolled back.
    assert_all_committed_writes_present_without_writers(&path, &shared);
}

fn assert_all_committed_writes_present_without_writers(path: &Path, shared: &Shared) {
    let db = Database::open(path).unwrap();
    let check: String = db
        .sqlite_connection()
        .expect("a SQLite database")
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(Locker::objects().count(&db).unwrap(), 2, "no locker of the killed fork");
    assert_eq!(Specimen::objects().count(&db).unwrap(), 1 + FORKED_ROWS, "no specimen of the killed fork");
    let source = Specimen::objects().filter(Specimen::LOCKER.eq(Key::<Locker>::new(shared.source))).count(&db).unwrap();
    assert_eq!(source, FORKED_ROWS);
}
