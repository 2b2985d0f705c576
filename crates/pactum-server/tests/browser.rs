//! The dashboard in a real headless Chromium (Debian's `chromium`, driven through `chromedriver`
//! over WebDriver): log in through the form, open the Doha agreement on 2020-06-01, change the
//! date through the date control, and check what the page shows against the API.
//!
//! Chromium and chromedriver must be installed (`apt-get install chromium chromium-driver`;
//! .ci/run does it); without them this test fails, it is never skipped. `PACTUM_CHROMIUM` and
//! `PACTUM_CHROMEDRIVER` name other binaries.
//!
//! Every run saves a screenshot of the agreement page to `$CARGO_TARGET_DIR/dashboard-doha.png`
//! (default `target/`); with `UPDATE_SCREENSHOT=1` also to `docs/dashboard-doha.png`.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use pactum_server::Config;
use pactum_store::StoreUrl;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_PW: &str = "admin-password-1";
/// How long any one wait may take: a loaded CI machine is slow, a hung one is not.
const WAIT: Duration = Duration::from_secs(30);
const WIDTH: u32 = 1400;
const AGREEMENT: &str = "doha_2020";
/// Reduce US forces to 8,600: reported done on 2020-06-18.
const PROVISION: &str = "doha_2020.part_one_a1";
const BEFORE: &str = "2020-06-01";
const AFTER: &str = "2020-09-30";

const INSTALL: &str = "install them with `apt-get install chromium chromium-driver` (Debian; .ci/run does it)";

fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// A program named by `var`, or found on PATH; the test fails (never skips) without it.
fn program(var: &str, names: &[&str]) -> PathBuf {
    if let Ok(p) = std::env::var(var) {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "{var}={} does not exist; unset it or {INSTALL}", p.display());
        return p;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/lib/chromium")]) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("the browser test needs {} but it is not installed: {INSTALL}", names.join(" or "))
}

// ---- the server, in-process ----

struct Server {
    base: String,
    rt: tokio::runtime::Runtime,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_server() -> Server {
    let dir = std::env::temp_dir().join(format!("pactum-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut cfg = Config::new(StoreUrl::Sqlite(dir.join("store.db")));
    cfg.admin_password = Some(ADMIN_PW.into());
    let (app, _) = pactum_server::setup(cfg).expect("server setup");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(async move { pactum_server::serve(app, listener).await });
    Server { base: format!("http://{addr}"), rt, dir }
}

/// The API, read with a session of its own: the oracle for what the page must show.
struct Oracle {
    base: String,
    cookie: String,
}

impl Oracle {
    fn login(base: &str) -> Oracle {
        let r = ureq::post(&format!("{base}/api/v1/session"))
            .send_json(json!({"name": "admin", "password": ADMIN_PW}))
            .expect("the API login answers 200");
        let cookie = r.header("set-cookie").expect("a session cookie").split(';').next().unwrap_or_default().to_string();
        Oracle { base: base.to_string(), cookie }
    }

    fn get(&self, path: &str) -> Value {
        ureq::get(&format!("{}{path}", self.base))
            .set("Cookie", &self.cookie)
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .into_json()
            .expect("JSON")
    }

    /// Each provision's state on `as_of`, by key.
    fn states(&self, as_of: &str) -> Vec<(String, String)> {
        let v = self.get(&format!("/api/v1/status?as_of={as_of}&agreement={AGREEMENT}"));
        let mut out: Vec<(String, String)> = v["provisions"]
            .as_array()
            .expect("provisions")
            .iter()
            .map(|p| (p["key"].as_str().expect("key").to_string(), p["state"].as_str().expect("state").to_string()))
            .collect();
        out.sort();
        out
    }
}

// ---- chromedriver and chromium ----

/// chromedriver (and the chromium it starts), killed when dropped, also on a panic.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
    log: PathBuf,
}

impl Driver {
    fn start(dir: &Path) -> Driver {
        let chromedriver = program("PACTUM_CHROMEDRIVER", &["chromedriver"]);
        let profile = dir.join("chromium-profile");
        std::fs::create_dir_all(&profile).expect("profile dir");
        let log = dir.join("chromedriver.log");
        // A free port: bind, read it, let go; chromedriver takes it a moment later.
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let out = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(&chromedriver);
        cmd.arg(format!("--port={port}")).stdin(Stdio::null()).stdout(out.try_clone().expect("log file")).stderr(out);
        // Its own process group, so the browser it starts can be killed with it.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("could not start {}: {e}; {INSTALL}", chromedriver.display()));
        let d = Driver { child, port, profile, log };
        let until = Instant::now() + WAIT;
        loop {
            if let Ok(r) = ureq::get(&format!("http://127.0.0.1:{port}/status")).timeout(Duration::from_secs(2)).call() {
                if r.into_json::<Value>().is_ok_and(|v| v["value"]["ready"] == json!(true)) {
                    return d;
                }
            }
            assert!(Instant::now() < until, "chromedriver did not answer on port {port} within {WAIT:?}; its log:\n{}", d.log_tail());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    fn capabilities(&self) -> serde_json::Map<String, Value> {
        let chromium = program("PACTUM_CHROMIUM", &["chromium", "chromium-browser"]);
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            // Without these it tries to reach the internet.
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--hide-scrollbars".into(),
            "--force-device-scale-factor=1".into(),
            format!("--user-data-dir={}", self.profile.display()),
            format!("--window-size={WIDTH},1000"),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        caps.as_object().expect("an object").clone()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The process group first (chromedriver and the chromium it started), then any chromium
        // process still holding this test's profile (by pid).
        let pgid = self.child.id();
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pgid}")]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let needle = self.profile.display().to_string();
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for e in entries.flatten() {
                let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
                let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
                if String::from_utf8_lossy(&cmdline).contains(&needle) {
                    let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).stderr(Stdio::null()).status();
                }
            }
        }
    }
}

/// chromedriver's own endpoint for the browser's console log (not in the W3C protocol).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

// ---- the page ----

/// Collects what goes wrong in the page: uncaught errors, rejected promises, CSP violations,
/// console.error. The dashboard navigates by the address's hash, so this survives the test.
const COLLECT_ERRORS: &str = r#"
if (!window.__pactumErrors) {
  window.__pactumErrors = [];
  const push = (x) => window.__pactumErrors.push(String(x));
  window.addEventListener('error', (e) => push(`error: ${e.message} at ${e.filename}:${e.lineno}`));
  window.addEventListener('unhandledrejection', (e) => push(`unhandled rejection: ${e.reason && (e.reason.stack || e.reason)}`));
  document.addEventListener('securitypolicyviolation', (e) => push(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  const orig = console.error.bind(console);
  console.error = (...a) => { push(`console.error: ${a.map(String).join(' ')}`); orig(...a); };
}
"#;

/// What the page is showing, for failure messages.
const PAGE_STATE: &str = r#"
const main = document.getElementById('main');
return JSON.stringify({
  hash: location.hash, ready: document.body.dataset.ready,
  status: (document.getElementById('status-line') || {}).textContent,
  view: main && main.dataset.view, errors: window.__pactumErrors || null,
  boxes: [...document.querySelectorAll('.error-box, #login-error')].map((e) => e.textContent).filter(Boolean),
});
"#;

struct Page {
    c: Client,
}

impl Page {
    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        tokio::time::timeout(WAIT, self.c.execute(script, args))
            .await
            .unwrap_or_else(|_| panic!("a script did not finish within {WAIT:?}: {script}"))
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    async fn describe(&self) -> String {
        self.js(PAGE_STATE, vec![]).await.as_str().unwrap_or_default().to_string()
    }

    /// Waits until `cond` (a script body returning a boolean) holds.
    async fn wait_until(&self, what: &str, cond: &str) {
        let until = Instant::now() + WAIT;
        loop {
            if self.js(cond, vec![]).await == json!(true) {
                return;
            }
            if Instant::now() > until {
                panic!("waited {WAIT:?} for {what}; the page: {}", self.describe().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page is ready and says it shows the state on `date`.
    async fn wait_for_date(&self, date: &str) {
        let cond = format!(
            "return document.body.dataset.ready === '1' && document.getElementById('status-line').textContent === 'State on {date}';"
        );
        self.wait_until(&format!("the page to show the state on {date}"), &cond).await;
    }

    /// The state each provision row shows (its `.state` badge), by key.
    async fn row_states(&self) -> Vec<(String, String)> {
        let v = self
            .js(
                "return [...document.querySelectorAll('article[data-provision]')].map((a) => { \
                   const s = a.querySelector('.state'); return [a.dataset.provision, s ? s.dataset.state : null]; });",
                vec![],
            )
            .await;
        let mut out: Vec<(String, String)> = v
            .as_array()
            .expect("an array")
            .iter()
            .map(|r| (r[0].as_str().unwrap_or_default().to_string(), r[1].as_str().unwrap_or("<no .state badge>").to_string()))
            .collect();
        out.sort();
        out
    }

    async fn state_of(&self, key: &str) -> Option<String> {
        self.row_states().await.into_iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }

    /// What went wrong in the page so far, and what the browser logged at level SEVERE.
    async fn errors(&self) -> Vec<String> {
        let mut out: Vec<String> = match self.js("return window.__pactumErrors || ['the error collector is missing'];", vec![]).await {
            Value::Array(a) => a.into_iter().map(|x| x.as_str().unwrap_or_default().to_string()).collect(),
            other => vec![format!("unexpected: {other}")],
        };
        let log = tokio::time::timeout(WAIT, self.c.issue_cmd(BrowserLog)).await.expect("the browser log within the wait");
        let log = log.unwrap_or_else(|e| panic!("chromedriver did not give the browser log: {e}"));
        for entry in log.as_array().cloned().unwrap_or_default() {
            if entry["level"] != json!("SEVERE") {
                continue;
            }
            let msg = entry["message"].as_str().unwrap_or_default().to_string();
            out.push(format!("browser log: {msg}"));
        }
        out
    }
}

fn save(path: &Path, png: &[u8]) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).expect("screenshot dir");
    }
    std::fs::write(path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    eprintln!("screenshot: {} ({} bytes)", path.display(), png.len());
}

/// Width and height of a PNG, from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.len() > 24 && png.starts_with(b"\x89PNG\r\n\x1a\n"), "the screenshot is not a PNG");
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    (be(16), be(20))
}

#[test]
fn the_dashboard_shows_the_doha_agreement_and_follows_the_date() {
    // Fail early, with the install hint, before starting anything.
    program("PACTUM_CHROMIUM", &["chromium", "chromium-browser"]);
    program("PACTUM_CHROMEDRIVER", &["chromedriver"]);

    let server = start_server();
    let oracle = Oracle::login(&server.base);
    let driver = Driver::start(&server.dir);
    let base = server.base.clone();
    server.rt.block_on(async {
        let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(driver.capabilities());
        let c = tokio::time::timeout(WAIT, builder.connect(&format!("http://127.0.0.1:{}", driver.port)))
            .await
            .unwrap_or_else(|_| panic!("no browser session within {WAIT:?}; chromedriver's log:\n{}", driver.log_tail()))
            .unwrap_or_else(|e| panic!("chromedriver could not start chromium: {e}; its log:\n{}", driver.log_tail()));
        let page = Page { c };
        run(&page, &base, &oracle).await;
        let _ = tokio::time::timeout(WAIT, page.c.close()).await;
    });
    drop(driver);
}

async fn run(page: &Page, base: &str, oracle: &Oracle) {
    let c = &page.c;

    // Log in through the form.
    tokio::time::timeout(WAIT, c.goto(&format!("{base}/"))).await.expect("the page loads in time").expect("open /");
    page.js(COLLECT_ERRORS, vec![]).await;
    page.wait_until("the login form", "return document.body.dataset.ready === '1' && !!document.getElementById('login-name');").await;
    c.find(Locator::Css("#login-name")).await.expect("#login-name").send_keys("admin").await.expect("type the name");
    c.find(Locator::Css("#login-password")).await.expect("#login-password").send_keys(ADMIN_PW).await.expect("type the password");
    c.find(Locator::Css("#login-submit")).await.expect("#login-submit").click().await.expect("click Log in");
    page.wait_until(
        "the portfolio after logging in",
        "return document.body.dataset.ready === '1' && document.getElementById('main').dataset.view === 'portfolio';",
    )
    .await;
    let cards = page.js(&format!("return !!document.querySelector('[data-agreement=\"{AGREEMENT}\"]');"), vec![]).await;
    assert_eq!(cards, json!(true), "the portfolio lists {AGREEMENT}: {}", page.describe().await);

    // The agreement on 2020-06-01. Setting the hash routes without reloading the page; until
    // the new page is drawn the old one may still say ready, so wait for the new date too.
    page.js("location.hash = arguments[0];", vec![json!(format!("#/agreement/{AGREEMENT}?as_of={BEFORE}"))]).await;
    page.wait_for_date(BEFORE).await;
    let shown = page.row_states().await;
    let expected = oracle.states(BEFORE);
    assert_eq!(shown, expected, "the provision rows on {BEFORE} against GET /api/v1/status");
    let before = page.state_of(PROVISION).await.expect("the part_one_a1 row");
    assert_ne!(before, "met", "{PROVISION} on {BEFORE}: the 8,600 level was only reported on 2020-06-18");
    assert_eq!(page.js("return document.getElementById('as-of').value;", vec![]).await, json!(BEFORE));

    // Change the date through the date control, as a user picking a day does.
    page.js(
        "const i = document.getElementById('as-of'); i.value = arguments[0]; i.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![json!(AFTER)],
    )
    .await;
    page.wait_for_date(AFTER).await;
    let hash = page.js("return location.hash;", vec![]).await;
    assert_eq!(hash, json!(format!("#/agreement/{AGREEMENT}?as_of={AFTER}")), "the address follows the date");
    let shown = page.row_states().await;
    assert_eq!(shown, oracle.states(AFTER), "the provision rows on {AFTER} against GET /api/v1/status");
    assert_eq!(page.state_of(PROVISION).await.as_deref(), Some("met"), "{PROVISION} on {AFTER}");

    // The timeline: one row per provision of the agreement.
    let agr = oracle.get(&format!("/api/v1/agreements/{AGREEMENT}?as_of={AFTER}"));
    let gantt_rows = page
        .js("const g = document.querySelector('svg#gantt'); return g ? g.querySelectorAll('[data-gantt-row]').length : -1;", vec![])
        .await;
    let want = agr["gantt"].as_array().expect("gantt").len();
    assert!(want > 0, "the API has gantt rows");
    assert_eq!(gantt_rows, json!(want), "svg#gantt rows against the API");
    assert_eq!(page.js("return document.querySelector('svg#gantt').dataset.asOf;", vec![]).await, json!(AFTER));

    // The charts: the measures against the commitments, among them the US troop level.
    let charts = oracle.get(&format!("/api/v1/agreements/{AGREEMENT}/charts?as_of={AFTER}"));
    let mut want: Vec<String> =
        charts["charts"].as_array().expect("charts").iter().map(|c| c["id"].as_str().unwrap_or_default().to_string()).collect();
    want.sort();
    let ids =
        page.js("return [...document.querySelectorAll('#charts svg.chart[data-chart-id]')].map((c) => c.dataset.chartId);", vec![]).await;
    let mut ids: Vec<String> = ids.as_array().expect("ids").iter().map(|x| x.as_str().unwrap_or_default().to_string()).collect();
    ids.sort();
    assert!(ids.len() >= 3, "at least 3 charts, found {ids:?}");
    assert!(ids.iter().any(|i| i.contains("troop_level")), "a troop_level chart among {ids:?}");
    assert_eq!(ids, want, "the charts against GET .../charts");

    // Nothing went wrong on the way.
    let boxes = page.js("return [...document.querySelectorAll('.error-box')].map((e) => e.textContent);", vec![]).await;
    assert_eq!(boxes, json!([]), "error boxes on the page");
    let errors = page.errors().await;
    assert!(errors.is_empty(), "JavaScript errors:\n{}", errors.join("\n"));

    screenshot(page).await;
}

/// The whole agreement page, 1400 pixels wide: the window is made as tall as the document.
async fn screenshot(page: &Page) {
    let c = &page.c;
    let dims = page.js("return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight];", vec![]).await;
    let height = dims[0].as_u64().unwrap_or(1000).clamp(600, 16_000) as u32;
    let chrome = dims[1].as_u64().unwrap_or(0).min(400) as u32;
    c.set_window_size(WIDTH, height + chrome).await.expect("resize the window");
    // The same width, so the page is not redrawn; let the layout settle.
    page.js("return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))));", vec![]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    page.wait_for_date(AFTER).await;
    let png = tokio::time::timeout(WAIT, c.screenshot()).await.expect("a screenshot in time").expect("screenshot");
    let (w, h) = png_size(&png);
    assert_eq!(w, WIDTH, "the screenshot's width");
    assert!(h >= 600, "the screenshot's height: {h}");
    // An absolute CARGO_TARGET_DIR as is; a relative one from the workspace root (tests run in the crate).
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), |d| workspace_root().join(d));
    save(&target.join("dashboard-doha.png"), &png);
    if std::env::var("UPDATE_SCREENSHOT").as_deref() == Ok("1") {
        save(&workspace_root().join("docs/dashboard-doha.png"), &png);
    }
}
