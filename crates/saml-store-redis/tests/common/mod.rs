//! Redis servers for the tests: the shared one CI starts (`SAML_TEST_REDIS_URL`), and private
//! ones a test starts from the `redis-server` binary when it must stop, reconfigure or block
//! its server. Without them a test prints `SKIPPED: …` and returns, except when `CI` is set,
//! where it fails (CI installs and starts Redis: see `.ci/run`).
#![allow(
    dead_code,
    reason = "each test target uses a different subset of these helpers"
)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use saml_store_contract::{fixture, unique};
use saml_store_redis::{RedisSettings, RedisStore};

/// The variable `.ci/run` exports: `redis://127.0.0.1:PORT/`.
pub const URL_VAR: &str = "SAML_TEST_REDIS_URL";

#[track_caller]
fn skip(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}, and CI is set: .ci/run installs and starts redis-server"
    );
    eprintln!("SKIPPED: {why}");
}

/// The shared server's URL, or `None` (after printing SKIPPED) when there is none.
#[track_caller]
pub fn shared_url() -> Option<String> {
    let url = std::env::var(URL_VAR).ok().filter(|u| !u.is_empty());
    if url.is_none() {
        skip(&format!(
            "{URL_VAR} is not set (no Redis server to test against)"
        ));
    }
    url
}

/// Settings on the shared server in a namespace no other test uses.
pub fn isolated(url: &str) -> RedisSettings {
    RedisSettings::new(url, fixture::AUDIENCE).with_key_prefix(format!("{}:", unique("test")))
}

/// A store on the shared server, in its own namespace (async connection).
pub async fn shared_store() -> Option<RedisStore> {
    let url = shared_url()?;
    Some(
        RedisStore::connect(isolated(&url))
            .await
            .expect("the shared Redis server accepts the store"),
    )
}

/// A store on the shared server, in its own namespace (blocking connection).
pub fn shared_store_blocking() -> Option<RedisStore> {
    let url = shared_url()?;
    Some(
        RedisStore::connect_blocking(isolated(&url))
            .expect("the shared Redis server accepts the store"),
    )
}

/// The `redis-server` binary on `PATH`, or `None` (after printing SKIPPED).
#[track_caller]
pub fn redis_server_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("redis-server"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip("redis-server is not on PATH (Debian: apt-get install redis-server)");
    }
    found
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    listener.local_addr().expect("its address").port()
}

/// A redis-server of this test's own, on a free port, killed on drop.
pub struct OwnServer {
    binary: PathBuf,
    port: u16,
    args: Vec<String>,
    dir: PathBuf,
    child: Option<Child>,
}

impl OwnServer {
    /// Starts one with `--save '' --appendonly no --maxmemory-policy noeviction` and `args`
    /// (later ones win), its working directory a fresh scratch directory. `None` when there is
    /// no binary (SKIPPED).
    #[track_caller]
    pub fn start(args: &[&str]) -> Option<Self> {
        let binary = redis_server_binary()?;
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(unique("redis"));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let mut server = Self {
            binary,
            port: free_port(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            dir,
            child: None,
        };
        server.restart();
        Some(server)
    }

    /// The URL of the server.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Its scratch directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Kills the server and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again (same port, same directory) and waits until it answers PING.
    #[track_caller]
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--maxmemory-policy", "noeviction"])
            .args(["--dir", &self.dir.to_string_lossy()])
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ping(self.port) {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends one command (inline form) on a raw connection and returns at once, without
    /// reading the answer: the connection stays open for `hold`, on a thread.
    pub fn send_and_forget(&self, command: &str, hold: Duration) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
        stream
            .write_all(format!("{command}\r\n").as_bytes())
            .expect("sent");
        std::thread::spawn(move || {
            std::thread::sleep(hold);
            drop(stream);
        });
    }

    /// Starts `MONITOR` on a connection of its own: the server streams every command it
    /// executes, those a client sent and those a Lua script called.
    pub fn monitor(&self) -> Monitor {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
        stream.write_all(b"MONITOR\r\n").expect("sent");
        let mut ok = [0u8; 5];
        stream.read_exact(&mut ok).expect("answered");
        assert_eq!(&ok, b"+OK\r\n", "MONITOR started");
        Monitor(stream)
    }

    /// Sends one command (inline form) and returns the raw answer.
    pub fn command(&self, command: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        stream
            .write_all(format!("{command}\r\n").as_bytes())
            .expect("sent");
        let mut answer = Vec::new();
        let mut buf = [0u8; 65536];
        // Enough for the short answers the tests read (one reply, read until it stops coming).
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            stream
                .set_read_timeout(Some(Duration::from_millis(100)))
                .expect("timeout");
        }
        String::from_utf8_lossy(&answer).into_owned()
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut buf).is_ok()
        && &buf == b"+PONG\r\n"
}

/// A `MONITOR` connection ([`OwnServer::monitor`]).
pub struct Monitor(TcpStream);

impl Monitor {
    /// The commands clients sent since the monitor started (by name, upper case), once the
    /// stream has been quiet for 300 ms: what a Lua script called (`[0 lua]`) is left out, so
    /// this is one entry per round trip.
    pub fn client_commands(mut self) -> Vec<String> {
        self.0
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        let mut text = Vec::new();
        let mut buf = [0u8; 65536];
        while let Ok(n) = self.0.read(&mut buf) {
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
        }
        // `+<time> [<db> <client>] "<COMMAND>" "<arg>" …`, one line per command.
        String::from_utf8_lossy(&text)
            .lines()
            .filter(|line| !line.contains(" lua] "))
            .filter_map(|line| line.split("] \"").nth(1)?.split('"').next())
            .map(str::to_ascii_uppercase)
            .collect()
    }
}
