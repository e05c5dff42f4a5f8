//! A throwaway PostgreSQL cluster: `initdb` in a temporary folder, the
//! server on a port of its own on 127.0.0.1, a database for each test,
//! and everything stopped and removed when the cluster is dropped or the
//! process that started it ends.
//!
//! The server comes from Debian's packages (`scripts/install-postgres`):
//! the newest `/usr/lib/postgresql/<version>/bin`, or the folder
//! [`BIN_VAR`] names. Without one, [`Cluster::start`] says so in one
//! sentence ([`StartError::NotInstalled`]) and the tests that need it skip
//! themselves.
//!
//! PostgreSQL refuses to run as root, so when the tests do (as CI does),
//! the cluster's folder is given to the `postgres` user the package
//! creates, and `initdb` and the server run as that user.
//!
//! The server runs under a small shell that holds a pipe from this
//! process. When the pipe closes, because the cluster is dropped or the
//! process ended in any way, the shell asks the server for a fast shutdown
//! and removes the folder: no test leaves a server behind, not even one
//! whose process was killed, or one that kept its cluster in a `static`.

use std::fmt;
use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The environment variable naming the folder of PostgreSQL's programs,
/// when they are not under `/usr/lib/postgresql/<version>/bin`.
pub const BIN_VAR: &str = "ALLIANCES_POSTGRES_BIN";

/// The superuser the cluster is made with. It needs no password: the
/// cluster trusts every connection, and listens on 127.0.0.1 alone.
pub const USER: &str = "alliances";

/// The data folder's name inside the cluster's folder.
const DATA: &str = "data";

/// How long the server may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// What the shell under the server does (see the module doc). The word
/// `keep` on the pipe before it closes keeps the folder, to start again.
/// The shell ignores the signals a terminal's Ctrl-C or a kill of the
/// tests' process group sends, so that it lives to remove the folder once
/// the tests' end closes the pipe (the server, which handles them itself,
/// is stopping by then).
const HOLDER: &str = r#"exec >>"$CLUSTER_DIR/server.log" 2>&1
"$@" </dev/null &
server=$!
echo "$server" >"$CLUSTER_DIR/server.pid"
trap '' INT TERM HUP
read -r word || word=
kill -INT "$server" 2>/dev/null
wait "$server"
[ "$word" = keep ] || rm -rf -- "$CLUSTER_DIR""#;

/// How durable the cluster's writes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// PostgreSQL's defaults: what a benchmark measures.
    Full,
    /// No `fsync`: a commit is still in the server's write-ahead log before
    /// it is acknowledged, so a killed client or a stopped or killed server
    /// loses nothing, but the machine crashing could. What tests use.
    NoFsync,
}

/// Why a cluster did not start, in one sentence.
#[derive(Debug)]
pub enum StartError {
    /// PostgreSQL's server is not on this machine.
    NotInstalled(String),
    /// It is, but the cluster could not be made, started or used.
    Failed(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NotInstalled(why) | StartError::Failed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for StartError {}

/// A running cluster. Dropping it stops the server and removes its folder.
pub struct Cluster {
    /// The folder of the cluster's data, socket and log. Not a `TempDir`:
    /// the shell under the server removes it (see the module doc).
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// The `postgres` user's uid and gid, when this process is root.
    run_as: Option<(u32, u32)>,
    durability: Durability,
    /// The shell that holds the server, while it runs.
    server: Mutex<Option<Holder>>,
    /// How many databases were made, for their names.
    databases: AtomicU32,
}

/// The shell under the server, and the end of its pipe.
struct Holder {
    shell: Child,
    pipe: ChildStdin,
}

impl Cluster {
    /// Makes a cluster in a fresh temporary folder and starts it.
    pub fn start(durability: Durability) -> Result<Cluster, StartError> {
        let bin = find_bin()?;
        let run_as = run_as()?;
        let dir = tempfile::Builder::new()
            .prefix("alliances-postgres-")
            .tempdir()
            .map_err(|e| failed("cannot make a temporary folder", e))?
            .keep();
        let mut cluster = Cluster {
            dir,
            bin,
            port: 0,
            run_as,
            durability,
            server: Mutex::new(None),
            databases: AtomicU32::new(0),
        };
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&cluster.dir, Some(uid), Some(gid))
                .map_err(|e| failed("cannot give the cluster's folder to postgres", e))?;
        }
        let data = cluster.dir.join(DATA);
        let initdb = cluster
            .program("initdb")
            .arg("--pgdata")
            .arg(&data)
            .args(["--username", USER, "--auth", "trust", "--encoding", "UTF8"])
            .args(["--no-locale", "--no-sync", "--no-instructions"])
            .output()
            .map_err(|e| failed("cannot run initdb", e))?;
        if !initdb.status.success() {
            let why = String::from_utf8_lossy(&initdb.stderr);
            let _ = std::fs::remove_dir_all(&cluster.dir);
            return Err(StartError::Failed(format!("initdb failed: {}", why.trim())));
        }
        // A free port, chosen by the system: another process may take it
        // before the server binds it, so a few are tried.
        let mut last = StartError::Failed("no port was tried".into());
        for _ in 0..5 {
            cluster.port = free_port()?;
            match cluster.start_again() {
                Ok(()) => return Ok(cluster),
                Err(err) => last = err,
            }
        }
        Err(last)
    }

    /// A cluster for a test: started, or `None` when PostgreSQL's server
    /// is not installed, said in one line on standard error ("skipped:
    /// …") so that the test can return. Any other failure is the test's
    /// own, and panics with its sentence.
    pub fn for_tests(durability: Durability) -> Option<Cluster> {
        match Cluster::start(durability) {
            Ok(cluster) => Some(cluster),
            Err(StartError::NotInstalled(why)) => {
                eprintln!("skipped: {why}");
                None
            }
            Err(err) => panic!("{err}"),
        }
    }

    /// The folder of the cluster's data (`base/`, `pg_wal/`, …), for a
    /// test that reads what reached the files.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join(DATA)
    }

    /// The port the server listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection string of `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Makes a new, empty database and returns its connection string:
    /// one for each test, so that tests sharing a cluster share nothing
    /// else.
    pub fn create_database(&self) -> Result<String, StartError> {
        let n = self.databases.fetch_add(1, Ordering::SeqCst);
        let name = format!("test_{n}");
        let made = Command::new(self.bin.join("createdb"))
            .args(["--host", "127.0.0.1", "--username", USER])
            .arg("--port")
            .arg(self.port.to_string())
            .arg(&name)
            .output()
            .map_err(|e| failed("cannot run createdb", e))?;
        if !made.status.success() {
            let why = String::from_utf8_lossy(&made.stderr);
            return Err(StartError::Failed(format!(
                "createdb failed: {}",
                why.trim()
            )));
        }
        Ok(self.url(&name))
    }

    /// Stops the server with a fast shutdown (sessions ended, everything
    /// committed kept) and waits for it, keeping the folder so that
    /// [`Cluster::start_again`] brings the same data back on the same port.
    pub fn stop(&self) {
        if let Some(mut holder) = self.holder().take() {
            let _ = holder.pipe.write_all(b"keep\n");
            drop(holder.pipe);
            let _ = holder.shell.wait();
        }
    }

    /// Starts the server again after [`Cluster::stop`], and waits until it
    /// accepts connections. Does nothing while it runs.
    pub fn start_again(&self) -> Result<(), StartError> {
        let mut holder = self.holder();
        if holder.is_some() {
            return Ok(());
        }
        // The last run's, whose server is gone.
        let _ = std::fs::remove_file(self.dir.join("server.pid"));
        let mut server = self.program("sh");
        server
            .arg("-c")
            .arg(HOLDER)
            .arg("alliances-postgres")
            .env("CLUSTER_DIR", &self.dir)
            .arg(self.bin.join("postgres"))
            .arg("-D")
            .arg(self.dir.join(DATA))
            .arg("-k")
            .arg(&self.dir)
            .args(["-p", &self.port.to_string()])
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=200",
            ]);
        if self.durability == Durability::NoFsync {
            server.args(["-c", "fsync=off", "-c", "full_page_writes=off"]);
        }
        let mut shell = server
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| failed("cannot start the server", e))?;
        let Some(mut pipe) = shell.stdin.take() else {
            return Err(StartError::Failed("the server's shell has no pipe".into()));
        };
        let started = Instant::now();
        loop {
            if self.accepts_connections() {
                *holder = Some(Holder { shell, pipe });
                return Ok(());
            }
            let why = if self.server_exited() {
                "the server stopped as it started"
            } else if started.elapsed() > READY_WITHIN {
                "the server did not accept connections in time"
            } else {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            };
            // The folder is kept, for a try on another port.
            let _ = pipe.write_all(b"keep\n");
            drop(pipe);
            let _ = shell.wait();
            return Err(StartError::Failed(format!("{why}: {}", self.log_tail())));
        }
    }

    /// Whether this cluster's server runs and accepts connections now.
    /// Asked on its own socket, in its folder: a server of another
    /// cluster that happens to listen on the same port does not answer.
    pub fn accepts_connections(&self) -> bool {
        Command::new(self.bin.join("pg_isready"))
            .args(["--quiet", "--username", USER])
            .arg("--host")
            .arg(&self.dir)
            .arg("--port")
            .arg(self.port.to_string())
            .status()
            .is_ok_and(|status| status.success())
    }

    /// Whether the server the shell started has exited (a dead child of
    /// the shell stays a zombie until the shell waits for it).
    fn server_exited(&self) -> bool {
        let Ok(pid) = std::fs::read_to_string(self.dir.join("server.pid")) else {
            return false;
        };
        match std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())) {
            // The state follows the command's name in parentheses.
            Ok(stat) => stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z')),
            Err(_) => true,
        }
    }

    /// `program` of the cluster's folder of programs, run as the user the
    /// server runs as, from the cluster's folder.
    fn program(&self, program: &str) -> Command {
        let path = if program == "sh" {
            PathBuf::from("/bin/sh")
        } else {
            self.bin.join(program)
        };
        let mut command = Command::new(path);
        command.current_dir(&self.dir);
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command
    }

    fn holder(&self) -> MutexGuard<'_, Option<Holder>> {
        self.server
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The last lines of the server's log, for an error.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" / ")
    }
}

impl Drop for Cluster {
    /// Stops the server; the shell under it removes the folder.
    fn drop(&mut self) {
        match self.holder().take() {
            Some(mut holder) => {
                drop(holder.pipe);
                let _ = holder.shell.wait();
            }
            None => {
                let _ = std::fs::remove_dir_all(&self.dir);
            }
        }
    }
}

/// The folder of PostgreSQL's programs: [`BIN_VAR`]'s, or the newest
/// version's under `/usr/lib/postgresql`.
fn find_bin() -> Result<PathBuf, StartError> {
    if let Some(bin) = std::env::var_os(BIN_VAR) {
        let bin = PathBuf::from(bin);
        return match bin.join("initdb").is_file() {
            true => Ok(bin),
            false => Err(StartError::NotInstalled(format!(
                "{BIN_VAR} is {}, which holds no initdb",
                bin.display()
            ))),
        };
    }
    let versions = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten();
    versions
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
        .ok_or_else(|| {
            StartError::NotInstalled(
                "PostgreSQL's server is not installed (no initdb under \
                 /usr/lib/postgresql/<version>/bin): scripts/install-postgres installs it"
                    .into(),
            )
        })
}

/// Whom to run the server as: nobody else, unless this process is root,
/// which PostgreSQL refuses; then the `postgres` user.
fn run_as() -> Result<Option<(u32, u32)>, StartError> {
    if id(&["-u"])? != 0 {
        return Ok(None);
    }
    let postgres = |flag| {
        id(&[flag, "postgres"]).map_err(|_| {
            StartError::NotInstalled(
                "PostgreSQL will not run as root, and there is no postgres user to run it \
                 as: scripts/install-postgres makes one"
                    .into(),
            )
        })
    };
    Ok(Some((postgres("-u")?, postgres("-g")?)))
}

/// What `id` says, as a number.
fn id(args: &[&str]) -> Result<u32, StartError> {
    let out = Command::new("id")
        .args(args)
        .output()
        .map_err(|e| failed("cannot run id", e))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| StartError::Failed(format!("id {} said nothing", args.join(" "))))
}

/// A port no one listens on now, on 127.0.0.1.
fn free_port() -> Result<u16, StartError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| failed("cannot find a free port", e))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|e| failed("cannot find a free port", e))
}

fn failed(doing: &str, error: std::io::Error) -> StartError {
    StartError::Failed(format!("{doing}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Option<Cluster> {
        Cluster::for_tests(Durability::NoFsync)
    }

    #[test]
    fn a_cluster_serves_databases_stops_starts_again_and_leaves_nothing_behind() {
        let Some(cluster) = cluster() else { return };
        let first = cluster.create_database().unwrap();
        let second = cluster.create_database().unwrap();
        assert_ne!(first, second);
        assert!(
            first.starts_with("postgres://alliances@127.0.0.1:"),
            "{first}"
        );
        assert!(cluster.accepts_connections());

        cluster.stop();
        assert!(!cluster.accepts_connections());
        assert!(cluster.dir.join(DATA).exists(), "a stop keeps the data");
        cluster.start_again().unwrap();
        assert!(cluster.accepts_connections());
        // The databases made before the stop are still there.
        assert!(cluster.create_database().unwrap().ends_with("/test_2"));

        let dir = cluster.dir.clone();
        drop(cluster);
        assert!(!dir.exists(), "{} is left behind", dir.display());
    }

    #[test]
    fn a_server_that_cannot_start_says_so_at_once_and_keeps_its_data() {
        let Some(cluster) = cluster() else { return };
        cluster.stop();
        // Another program now listens on the cluster's port.
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, cluster.port)).unwrap();
        let tried = Instant::now();
        let Err(err) = cluster.start_again() else {
            panic!("started on a port that was taken");
        };
        assert!(err.to_string().contains("stopped as it started"), "{err}");
        assert!(tried.elapsed() < READY_WITHIN / 2, "{:?}", tried.elapsed());
        drop(taken);
        cluster.start_again().unwrap();
        assert!(cluster.accepts_connections());
    }

    #[test]
    fn a_server_whose_starter_went_away_stops_and_removes_its_folder() {
        let Some(cluster) = cluster() else { return };
        let dir = cluster.dir.clone();
        let port = cluster.port;
        // As when the tests are stopped by Ctrl-C or a kill of their
        // process group: the shell is signalled too, and stays.
        let mut holder = cluster.holder().take().unwrap();
        let killed = Command::new("kill")
            .args(["-TERM", &holder.shell.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            holder.shell.try_wait().unwrap().is_none(),
            "the shell stays"
        );
        // Then the process that holds it ends: the pipe closes, with no
        // word to keep the folder.
        drop(holder.pipe);
        holder.shell.wait().unwrap();
        assert!(!dir.exists());
        assert!(
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok(),
            "the port is free"
        );
    }
}
