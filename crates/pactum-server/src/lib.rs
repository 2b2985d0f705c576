//! pactum's monitoring server: a JSON HTTP API under `/api/v1/`, described by an OpenAPI
//! document, and the dashboard that uses it, over one evidence store.
//!
//! **Invariant: the server keeps no state of its own.** Agreement files, evidence, users,
//! sessions, tokens and the audit log live in the store. What the server holds in memory (the
//! checked case, the prepared evidence, evaluations) is derived from the store and tagged with
//! the store's version; every request checks that version first, so several servers can share
//! one PostgreSQL database and each sees every write.
//! **Invariant: bad input never gets a 5xx,** and an acknowledged write is committed (with its
//! audit line, in the same transaction) before the answer is sent.

mod api;
mod assets;
mod auth;
mod error;
mod openapi;
mod seed;
mod snapshot;

use pactum_store::{Store, StoreError, StoreUrl};
use std::sync::{Arc, Mutex};

pub use seed::SetupReport;

/// How a server runs.
#[derive(Clone, Debug)]
pub struct Config {
    pub store: StoreUrl,
    /// Let anyone read without logging in (never write).
    pub public_read: bool,
    /// Load the Doha 2020 example into an empty store.
    pub seed_example: bool,
    /// The first admin's password, when the store has no user yet; generated if `None`.
    pub admin_password: Option<String>,
    /// How long a browser session lasts, in seconds.
    pub session_seconds: i64,
    /// Whether the session cookie is marked `Secure` (only sent over HTTPS).
    pub secure_cookies: bool,
}

impl Config {
    pub fn new(store: StoreUrl) -> Config {
        Config { store, public_read: false, seed_example: true, admin_password: None, session_seconds: 12 * 3600, secure_cookies: false }
    }
}

/// Store connections for blocking work, opened on demand and kept for reuse.
pub(crate) struct Pool {
    url: StoreUrl,
    idle: Mutex<Vec<Store>>,
    /// Bounds concurrent store work (and so PostgreSQL connections) per server.
    permits: tokio::sync::Semaphore,
}

const POOL_SIZE: usize = 16;

impl Pool {
    fn new(url: StoreUrl) -> Pool {
        Pool { url, idle: Mutex::new(Vec::new()), permits: tokio::sync::Semaphore::new(POOL_SIZE) }
    }

    /// Runs `f` with a store connection on the blocking thread pool.
    pub(crate) async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let _permit = self.permits.acquire().await.map_err(|_| StoreError::Db("the server is shutting down".into()))?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || pool.run_blocking(f))
            .await
            .unwrap_or_else(|e| Err(StoreError::Db(format!("a store task failed: {e}"))))
    }

    /// Runs a quick read (one indexed lookup). On SQLite it runs on the calling thread: handing
    /// it to the blocking pool costs more than the query (two hand-offs per request were about
    /// half of the server's CPU under load), and the query takes microseconds. PostgreSQL's
    /// client runs its own event loop, which cannot run inside the server's, so it goes to the
    /// blocking pool.
    pub(crate) async fn run_quick<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        match self.url {
            StoreUrl::Sqlite(_) => self.run_blocking(f),
            StoreUrl::Postgres(_) => self.run(f).await,
        }
    }

    pub(crate) fn run_blocking<T>(&self, f: impl FnOnce(&mut Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let reused = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None);
        let mut store = match reused {
            Some(s) => s,
            None => Store::open(&self.url)?,
        };
        let r = f(&mut store);
        // A connection that failed may be broken (a restarted database): open a fresh one next time.
        if r.is_ok() {
            if let Ok(mut v) = self.idle.lock() {
                if v.len() < POOL_SIZE {
                    v.push(store);
                }
            }
        }
        r
    }
}

impl Drop for Pool {
    /// PostgreSQL's client closes its connection by running its own event loop, which panics
    /// on a thread of the server's runtime (where the last handle to the pool is often
    /// dropped, at shutdown): close the connections on a thread of their own.
    fn drop(&mut self) {
        let idle = self.idle.get_mut().map(std::mem::take).unwrap_or_default();
        if idle.is_empty() {
            return;
        }
        let _ = std::thread::spawn(move || drop(idle)).join();
    }
}

pub struct App {
    pub(crate) config: Config,
    pub(crate) pool: Arc<Pool>,
    pub(crate) snapshots: snapshot::Snapshots,
}

/// Opens the store (running its migrations), loads the example into an empty store if asked,
/// and creates the first admin if there is no user.
pub fn setup(config: Config) -> Result<(Arc<App>, SetupReport), String> {
    let pool = Arc::new(Pool::new(config.store.clone()));
    let report = pool.run_blocking(|s| seed::setup(s, &config)).map_err(|e| e.to_string())?;
    let app = Arc::new(App { config, pool, snapshots: snapshot::Snapshots::default() });
    Ok((app, report))
}

/// The HTTP routes, for [`serve`] and for tests.
pub fn router(app: Arc<App>) -> axum::Router {
    api::router(app)
}

/// Serves until the process gets Ctrl-C or SIGTERM.
pub async fn serve(app: Arc<App>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(app)).with_graceful_shutdown(shutdown()).await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Now, in UTC: `2020-02-29T12:00:00Z`, and the day.
pub(crate) fn now() -> (String, pactum_base::Date, i64) {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let day = pactum_base::Date::from_days((secs / 86_400) as i32);
    let rem = secs % 86_400;
    (format!("{day}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60), day, secs as i64)
}
