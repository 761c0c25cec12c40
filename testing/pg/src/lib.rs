//! A PostgreSQL server for modelgen's tests: a throwaway one started from
//! the installed binaries, or the user's own.
//!
//! [`server`] gives the test binary's one server, started on first use
//! (`OnceLock`) and shared by every test of the process; each test takes
//! its own fresh database from it ([`Server::database`]).
//!
//! - **`MODELGEN_TEST_PG`** set to a connection string (`postgresql://user@host/db`
//!   or `host=/run/postgresql user=me`): that server is used, nothing is
//!   started. The role needs CREATEDB; the test databases it creates
//!   (`modelgen_test_<pid>_<n>`) are dropped when each test ends.
//! - Otherwise the PostgreSQL binaries are looked for (`MODELGEN_PG_BIN`,
//!   then Debian's `/usr/lib/postgresql/<version>/bin`, newest version
//!   first, then `pg_config --bindir`), and a server is started:
//!   `initdb` into a temporary directory, `postgres` listening on a unix
//!   socket in that directory only (`listen_addresses=''`, no TCP port is
//!   opened), trust authentication, no fsync. Run as root, it runs as the
//!   `postgres` system user (initdb refuses root).
//! - With neither, [`server`] prints one line saying how to enable the
//!   PostgreSQL tests and returns `None` (the test returns early, passing);
//!   with **`MODELGEN_REQUIRE_PG=1`** (set by `.ci/run`) it panics instead,
//!   so CI cannot skip them silently.
//!
//! Stopping: a static is never dropped, so the server is stopped by two
//! means, whichever comes first. An `atexit` handler stops it and removes
//! its directory when the test process exits normally (libtest exits
//! normally after failing tests too: a panicking test is caught). A
//! watcher process (`sh`, in its own process group so a Ctrl-C to the test
//! does not kill it first) polls the test process and does the same once
//! it is gone: that covers a test binary killed by a signal, where no
//! exit handler runs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

pub use postgres;

/// A connection string for the user's own server.
pub const TEST_PG_ENV: &str = "MODELGEN_TEST_PG";
/// `1`: a missing PostgreSQL is a test failure, not a skip.
pub const REQUIRE_PG_ENV: &str = "MODELGEN_REQUIRE_PG";
/// The directory holding `initdb`, `pg_ctl` and `postgres`.
pub const PG_BIN_ENV: &str = "MODELGEN_PG_BIN";

/// The server the tests of this process share.
pub struct Server {
    /// How to reach it, without a database name.
    config: postgres::Config,
    /// `throwaway PostgreSQL 15 at /tmp/...` or `MODELGEN_TEST_PG`.
    description: String,
    /// Set when this process started the server.
    owned: Option<Owned>,
}

/// A server this process started.
struct Owned {
    /// The temporary directory: `data/`, the socket, `log`.
    dir: PathBuf,
    bin: PathBuf,
    /// The `postgres` user's (uid, gid) when running as root.
    run_as: Option<(u32, u32)>,
}

static SERVER: OnceLock<Result<Server, Unavailable>> = OnceLock::new();

/// Why there is no server.
enum Unavailable {
    /// None installed or configured: a skip, unless required.
    Missing(String),
    /// Found but not working (initdb or start failed, the configured
    /// server refuses us): always a failure, reported by every test.
    Broken(String),
}
static SKIP_REPORTED: AtomicBool = AtomicBool::new(false);
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The shared server, started on first call; `None` when PostgreSQL is
/// not available and not required (after printing one line, once per
/// process, saying how to enable the tests).
///
/// # Panics
/// When PostgreSQL is not available and `MODELGEN_REQUIRE_PG=1`, or when
/// a server was found but cannot be started or reached.
pub fn server() -> Option<&'static Server> {
    match SERVER.get_or_init(start) {
        Ok(server) => Some(server),
        Err(Unavailable::Broken(reason)) => panic!("{reason}"),
        Err(Unavailable::Missing(reason)) if required() => {
            panic!("PostgreSQL tests required ({REQUIRE_PG_ENV}=1) but {reason}")
        }
        Err(Unavailable::Missing(reason)) => {
            if !SKIP_REPORTED.swap(true, Ordering::SeqCst) {
                // Straight to the stderr handle: libtest captures `eprintln!`
                // of passing tests, and this line must be seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL tests skipped: {reason}; install PostgreSQL (Debian: apt-get install postgresql) \
                     or set {TEST_PG_ENV}=<connection string> to run them"
                );
            }
            None
        }
    }
}

/// Whether the tests may skip PostgreSQL (for a test that wants to say so).
pub fn required() -> bool {
    std::env::var(REQUIRE_PG_ENV).is_ok_and(|v| v == "1")
}

impl Server {
    /// What the server is, for messages.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// A fresh, empty database on the server, dropped when the guard is.
    ///
    /// # Panics
    /// When the server refuses to create it.
    pub fn database(&self) -> TestDatabase<'_> {
        let n = DATABASES.fetch_add(1, Ordering::SeqCst);
        let name = format!("modelgen_test_{}_{n}", std::process::id());
        let mut admin = self.admin();
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("{}: CREATE DATABASE {name}: {e}", self.description));
        let mut config = self.config.clone();
        config.dbname(&name);
        TestDatabase { server: self, name, config }
    }

    /// A connection to the server's maintenance database.
    fn admin(&self) -> postgres::Client {
        let mut config = self.config.clone();
        if config.get_dbname().is_none() {
            config.dbname("postgres");
        }
        config.connect(postgres::NoTls).unwrap_or_else(|e| panic!("{}: {}", self.description, chain(&e)))
    }
}

/// A database of its own for one test; dropped (with its connections) at
/// the end of the test, panicking or not.
pub struct TestDatabase<'s> {
    server: &'s Server,
    name: String,
    config: postgres::Config,
}

impl TestDatabase<'_> {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The connection settings (host, user, this database).
    pub fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// A new connection to this database.
    ///
    /// # Panics
    /// When the server refuses the connection.
    pub fn connect(&self) -> postgres::Client {
        self.config
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("{} ({}): {e}", self.server.description, self.name))
    }
}

impl Drop for TestDatabase<'_> {
    fn drop(&mut self) {
        let mut config = self.server.config.clone();
        if config.get_dbname().is_none() || config.get_dbname() == Some(self.name.as_str()) {
            config.dbname("postgres");
        }
        if let Ok(mut admin) = config.connect(postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
        }
    }
}

fn start() -> Result<Server, Unavailable> {
    if let Ok(url) = std::env::var(TEST_PG_ENV) {
        // Asked for explicitly: a bad setting fails the tests, never skips them.
        let config: postgres::Config =
            url.parse().map_err(|e| Unavailable::Broken(format!("{TEST_PG_ENV} is not a connection string: {e}")))?;
        let server = Server { config, description: format!("{TEST_PG_ENV} server"), owned: None };
        // Reachable now, or one clear error rather than one per test.
        let mut admin = server.config.clone();
        if admin.get_dbname().is_none() {
            admin.dbname("postgres");
        }
        admin
            .connect(postgres::NoTls)
            .map_err(|e| Unavailable::Broken(format!("the {TEST_PG_ENV} server cannot be reached: {}", chain(&e))))?;
        return Ok(server);
    }
    let bin = find_binaries().ok_or_else(|| {
        Unavailable::Missing(
            "no PostgreSQL binaries found (looked at $MODELGEN_PG_BIN, /usr/lib/postgresql/<version>/bin, \
             pg_config --bindir)"
                .to_string(),
        )
    })?;
    // Installed but failing to start is a real error, never a skip.
    start_throwaway(bin).map_err(|e| Unavailable::Broken(format!("starting a throwaway PostgreSQL server: {e}")))
}

/// An error with its sources (the postgres crate's own message is only
/// "error connecting to server"; the reason is in the source).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    text
}

/// The directory of `initdb`/`pg_ctl`/`postgres`, newest installed version first.
fn find_binaries() -> Option<PathBuf> {
    let has_tools = |dir: &Path| ["initdb", "pg_ctl", "postgres"].iter().all(|t| dir.join(t).is_file());
    if let Some(dir) = std::env::var_os(PG_BIN_ENV).map(PathBuf::from) {
        return has_tools(&dir).then_some(dir);
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let version: Option<Vec<u32>> = name.split('.').map(|p| p.parse().ok()).collect();
            Some((version?, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_tools(bin))
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let output = Command::new("pg_config").arg("--bindir").stderr(Stdio::null()).output().ok()?;
    let dir = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    has_tools(&dir).then_some(dir)
}

fn start_throwaway(bin: PathBuf) -> Result<Server, String> {
    let run_as = if is_root() { Some(postgres_user()?) } else { None };
    // Short: the socket path (`<dir>/.s.PGSQL.5432`) must fit in 107 bytes.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("modelgen-pg-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if let Some((uid, gid)) = run_as {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| format!("chown {}: {e}", dir.display()))?;
    }
    let owned = Owned { dir: dir.clone(), bin: bin.clone(), run_as };
    // From here on the directory (and maybe a server) exists: stop and
    // remove it on any error, and from the exit handler and the watcher.
    let result = (|| -> Result<(), String> {
        // First, so that a test process killed during initdb leaves nothing.
        owned.spawn_watcher()?;
        let data = dir.join("data");
        owned.run(Command::new(bin.join("initdb")).arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ]))?;
        let options =
            format!("-k {} -c listen_addresses='' -p 5432 -c fsync=off -c full_page_writes=off", dir.display());
        owned.run(
            Command::new(bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("log"))
                .args(["-w", "-o", &options, "start"]),
        )?;
        Ok(())
    })();
    if let Err(e) = result {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        owned.stop();
        return Err(format!("{e}{}", if log.is_empty() { String::new() } else { format!("\nserver log:\n{log}") }));
    }
    register_exit_handler();
    let version = Path::new(&bin).parent().and_then(Path::file_name).map(|v| v.to_string_lossy().into_owned());
    let mut config = postgres::Config::new();
    config.host_path(&dir).port(5432).user("postgres");
    Ok(Server {
        config,
        description: format!("throwaway PostgreSQL {} at {}", version.unwrap_or_default(), dir.display()),
        owned: Some(owned),
    })
}

impl Owned {
    /// Run a PostgreSQL tool (as the `postgres` user when we are root).
    fn run(&self, command: &mut Command) -> Result<(), String> {
        use std::os::unix::process::CommandExt;
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        let output = command.stdin(Stdio::null()).output().map_err(|e| format!("{command:?}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{command:?} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    /// A process that stops the server and removes the directory once
    /// this process is gone, however it ended.
    fn spawn_watcher(&self) -> Result<(), String> {
        use std::os::unix::process::CommandExt;
        let pid = std::process::id();
        let script = format!(
            "while [ -e /proc/{pid} ] || kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             '{}' -D '{}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{}'",
            self.bin.join("pg_ctl").display(),
            self.dir.join("data").display(),
            self.dir.display()
        );
        let mut command = Command::new("sh");
        command.args(["-c", &script]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        command.process_group(0);
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command.spawn().map(drop).map_err(|e| format!("starting the watcher: {e}"))
    }

    /// Stop the server (immediately: its data is thrown away) and remove
    /// the directory.
    fn stop(&self) {
        let data = self.dir.join("data");
        if data.join("postmaster.pid").exists() {
            let _ = self.run(Command::new(self.bin.join("pg_ctl")).arg("-D").arg(&data).args([
                "-m",
                "immediate",
                "-w",
                "stop",
            ]));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
    fn geteuid() -> u32;
}

extern "C" fn stop_at_exit() {
    if let Some(Ok(Server { owned: Some(owned), .. })) = SERVER.get() {
        owned.stop();
    }
}

fn register_exit_handler() {
    // SAFETY: `atexit` with a plain function; the handler only reads the
    // initialized static.
    unsafe {
        atexit(stop_at_exit);
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { geteuid() == 0 }
}

/// The `postgres` system user's (uid, gid), to run the server as when we are root.
fn postgres_user() -> Result<(u32, u32), String> {
    let id = |flag: &str| -> Result<u32, String> {
        let output =
            Command::new("id").args([flag, "postgres"]).stderr(Stdio::null()).output().map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&output.stdout).trim().parse().map_err(|_| {
            "running as root, and there is no `postgres` user to run the server as (initdb refuses root)".to_string()
        })
    };
    Ok((id("-u")?, id("-g")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The harness itself: a database is created, usable, isolated and
    /// dropped with its guard.
    #[test]
    fn a_test_database_is_fresh_and_dropped_with_its_guard() {
        let Some(server) = server() else { return };
        let name = {
            let db = server.database();
            let mut client = db.connect();
            client.batch_execute("CREATE TABLE t (x integer); INSERT INTO t VALUES (1)").unwrap();
            let row = client.query_one("SELECT count(*) FROM t", &[]).unwrap();
            assert_eq!(row.get::<_, i64>(0), 1);
            assert_ne!(server.database().name(), db.name());
            db.name().to_string()
        };
        let mut admin = server.admin();
        let left = admin.query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).unwrap();
        assert!(left.is_empty(), "{name} was not dropped");
    }

    /// A throwaway server listens on its socket only: no TCP port.
    #[test]
    fn a_throwaway_server_opens_no_tcp_port() {
        let Some(server) = server() else { return };
        if server.owned.is_none() {
            return; // the user's own server: its settings are theirs
        }
        let db = server.database();
        let row = db.connect().query_one("SHOW listen_addresses", &[]).unwrap();
        assert_eq!(row.get::<_, String>(0), "");
    }
}
