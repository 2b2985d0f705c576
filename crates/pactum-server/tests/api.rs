//! The HTTP API over a real socket, against SQLite and against the PostgreSQL server named by
//! `PACTUM_TEST_POSTGRES` (scripts/test starts one; without it the PostgreSQL half fails
//! rather than being skipped). Every endpoint, every role against every write, bad input.

use pactum_server::Config;
use pactum_store::StoreUrl;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);
const ADMIN_PW: &str = "admin-password-1";

fn unique(name: &str) -> String {
    format!("{name}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// A fresh, empty store of each kind.
fn stores(name: &str) -> Vec<StoreUrl> {
    let dir = std::env::temp_dir().join(unique(&format!("pactum-api-{name}")));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let server = std::env::var("PACTUM_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("PACTUM_TEST_POSTGRES is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL server")
    });
    let db = unique(&format!("pactum_api_{name}")).to_lowercase();
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).expect("the PostgreSQL test server accepts connections");
    admin.batch_execute(&format!("CREATE DATABASE {db}")).expect("create test database");
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b).to_string();
    vec![StoreUrl::Sqlite(dir.join("store.db")), StoreUrl::Postgres(format!("{base}/{db}"))]
}

struct Server {
    base: String,
    _rt: tokio::runtime::Runtime,
}

fn start_with(url: &StoreUrl, public_read: bool) -> Server {
    let mut cfg = Config::new(url.clone());
    cfg.admin_password = Some(ADMIN_PW.into());
    cfg.public_read = public_read;
    let (app, _) = pactum_server::setup(cfg).expect("server setup");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(async move { pactum_server::serve(app, listener).await });
    Server { base: format!("http://{addr}"), _rt: rt }
}

fn start(url: &StoreUrl) -> Server {
    start_with(url, false)
}

#[derive(Clone, Debug)]
enum Auth {
    None,
    Token(String),
    Session {
        cookie: String,
        csrf: String,
    },
    /// A session whose writes forget the CSRF header.
    SessionNoCsrf {
        cookie: String,
    },
}

struct Resp {
    status: u16,
    body: Value,
    set_cookie: Option<String>,
}

impl Server {
    fn call(&self, method: &str, path: &str, auth: &Auth, body: Option<Value>) -> Resp {
        let mut req = ureq::request(method, &format!("{}{path}", self.base));
        match auth {
            Auth::None => {}
            Auth::Token(t) => req = req.set("Authorization", &format!("Bearer {t}")),
            Auth::Session { cookie, csrf } => req = req.set("Cookie", cookie).set("X-CSRF-Token", csrf),
            Auth::SessionNoCsrf { cookie } => req = req.set("Cookie", cookie),
        }
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let r = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = r.status();
        let set_cookie = r.header("set-cookie").map(str::to_string);
        let text = r.into_string().expect("body");
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        assert!(status < 500, "{method} {path} answered {status}: {body}");
        Resp { status, body, set_cookie }
    }

    fn get(&self, path: &str, auth: &Auth) -> Resp {
        self.call("GET", path, auth, None)
    }

    fn ok(&self, method: &str, path: &str, auth: &Auth, body: Option<Value>) -> Value {
        let r = self.call(method, path, auth, body);
        assert!((200..300).contains(&r.status), "{method} {path} answered {}: {}", r.status, r.body);
        r.body
    }

    fn login(&self, name: &str, password: &str) -> Auth {
        let r = self.call("POST", "/api/v1/session", &Auth::None, Some(json!({"name": name, "password": password})));
        assert_eq!(r.status, 200, "login {name}: {}", r.body);
        let cookie = r.set_cookie.expect("a session cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let cookie = cookie.split(';').next().unwrap_or_default().to_string();
        Auth::Session { cookie, csrf: r.body["csrf"].as_str().expect("csrf").to_string() }
    }

    fn admin(&self) -> Auth {
        self.login("admin", ADMIN_PW)
    }

    /// A user with this role, and an API token acting for them.
    fn user(&self, admin: &Auth, role: &str) -> Auth {
        let name = unique(role);
        let pw = format!("{name}-password");
        self.ok("POST", "/api/v1/users", admin, Some(json!({"name": name, "role": role, "password": pw})));
        let session = self.login(&name, &pw);
        let t = self.ok("POST", "/api/v1/tokens", &session, Some(json!({"label": "tests"})));
        Auth::Token(t["token"].as_str().expect("token").to_string())
    }
}

fn troop_item(id: &str, n: u32) -> Value {
    json!({"id": id, "date": "2020-08-01", "kind": "troop_level", "actor": "us", "quantity": n.to_string(),
           "source": {"outlet": "Test Wire", "date": "2020-08-02", "title": "a test report"}})
}

const READS: &[&str] = &[
    "/api/v1/agreements?as_of=2020-09-30",
    "/api/v1/agreements/doha_2020?as_of=2020-09-30",
    "/api/v1/agreements/doha_2020/charts?as_of=2021-08-31",
    "/api/v1/status?as_of=2020-09-30",
    "/api/v1/timeline?to=2021-09-01",
    "/api/v1/evidence",
    "/api/v1/evidence/talks-2020-09-12",
    "/api/v1/documents",
    "/api/v1/documents/agreement.pactum",
    "/api/v1/imports",
    "/api/v1/tokens",
];

#[test]
fn reads_need_a_user_and_answer_every_role() {
    for url in stores("reads") {
        let s = start(&url);
        assert_eq!(s.ok("GET", "/api/v1/health", &Auth::None, None)["ok"], json!(true));
        let nobody = s.ok("GET", "/api/v1/session", &Auth::None, None);
        assert_eq!((nobody["user"].clone(), nobody["public_read"].clone()), (Value::Null, json!(false)));
        let admin = s.admin();
        let viewer = s.user(&admin, "viewer");
        for path in READS {
            let r = s.get(path, &Auth::None);
            assert_eq!(r.status, 401, "{path} without a user: {}", r.body);
            assert_eq!(r.body["error"]["code"], "unauthorized", "{path}");
            s.ok("GET", path, &viewer, None);
            s.ok("GET", path, &admin, None);
        }
        for path in ["/api/v1/users", "/api/v1/audit"] {
            assert_eq!(s.get(path, &viewer).status, 403, "{path} as viewer");
            s.ok("GET", path, &admin, None);
        }
    }
}

#[test]
fn public_read_lets_anyone_read_but_not_write() {
    for url in stores("public") {
        let s = start_with(&url, true);
        s.ok("GET", "/api/v1/agreements", &Auth::None, None);
        assert_eq!(s.ok("GET", "/api/v1/session", &Auth::None, None)["user"], Value::Null);
        assert_eq!(s.call("POST", "/api/v1/evidence", &Auth::None, Some(troop_item("x1", 1))).status, 401);
        assert_eq!(s.get("/api/v1/audit", &Auth::None).status, 401);
    }
}

#[test]
fn the_portfolio_and_agreement_pages_show_the_doha_case() {
    for url in stores("doha") {
        let s = start(&url);
        let a = s.admin();
        let p = s.ok("GET", "/api/v1/agreements?as_of=2020-09-30", &a, None);
        let doha = p["agreements"].as_array().unwrap().iter().find(|x| x["id"] == "doha_2020").expect("doha_2020 in the portfolio").clone();
        let counts = doha["counts"].as_object().unwrap();
        assert_eq!(counts.len(), 9);
        let total: u64 = counts.values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(total, doha["provisions"].as_u64().unwrap());
        // The 8,600 level was reported on 18 June 2020: before that date the provision is not met.
        let before = s.ok("GET", "/api/v1/status?as_of=2020-06-01&agreement=doha_2020", &a, None);
        let after = s.ok("GET", "/api/v1/status?as_of=2020-09-30&agreement=doha_2020", &a, None);
        let state = |v: &Value, id: &str| v["provisions"].as_array().unwrap().iter().find(|p| p["id"] == id).map(|p| p["state"].clone());
        assert_ne!(state(&before, "part_one_a1"), state(&after, "part_one_a1"));
        assert_eq!(state(&after, "part_one_a1"), Some(json!("met")));
        let ag = s.ok("GET", "/api/v1/agreements/doha_2020?as_of=2021-08-31", &a, None);
        assert!(!ag["interlocks"].as_array().unwrap().is_empty());
        let gantt = ag["gantt"].as_array().unwrap();
        assert_eq!(gantt.len(), ag["provisions"].as_array().unwrap().len());
        let charts = s.ok("GET", "/api/v1/agreements/doha_2020/charts?as_of=2021-08-31", &a, None);
        let troops = charts["charts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"].as_str().unwrap().contains("troop_level"))
            .expect("troop chart")
            .clone();
        let values: Vec<f64> = troops["lines"].as_array().unwrap().iter().map(|l| l["value"].as_f64().unwrap()).collect();
        assert!(values.contains(&8600.0) && values.contains(&0.0), "{values:?}");
        assert_eq!(s.get("/api/v1/agreements/nope", &a).status, 404);
    }
}

#[test]
fn every_write_against_every_role() {
    for url in stores("matrix") {
        let s = start(&url);
        let admin_session = s.admin();
        let roles = [
            ("anonymous", Auth::None),
            ("viewer", s.user(&admin_session, "viewer")),
            ("monitor", s.user(&admin_session, "monitor")),
            ("admin", s.user(&admin_session, "admin")),
        ];
        s.ok("POST", "/api/v1/users", &admin_session, Some(json!({"name": "patch-me", "role": "viewer", "password": "long-enough-pw"})));
        let rank = |r: &str| ["anonymous", "viewer", "monitor", "admin"].iter().position(|x| *x == r).unwrap();
        for (role, auth) in &roles {
            let n = unique("w");
            // (method, path, body, the least role allowed)
            let writes: Vec<(&str, String, Option<Value>, &str)> = vec![
                ("POST", "/api/v1/evidence".into(), Some(troop_item(&format!("t-{n}"), 8000)), "monitor"),
                (
                    "POST",
                    "/api/v1/evidence/talks-2020-09-12/correct".into(),
                    Some(json!({"id": format!("c-{n}"), "source": {"outlet": "T", "date": "2020-09-13", "title": "t"}})),
                    "monitor",
                ),
                (
                    "POST",
                    "/api/v1/evidence/talks-2020-09-12/retract".into(),
                    Some(json!({"id": format!("r-{n}"), "source": {"outlet": "T", "date": "2020-09-14", "title": "t"}})),
                    "monitor",
                ),
                ("POST", "/api/v1/check".into(), Some(json!({"name": "x.pactum", "text": "agreement x \"X\" {}"})), "monitor"),
                ("PUT", format!("/api/v1/documents/n{}.pactum", n.replace('_', "-")), Some(json!({"text": "// a note only\n"})), "admin"),
                (
                    "POST",
                    "/api/v1/users".into(),
                    Some(json!({"name": format!("u{n}"), "role": "viewer", "password": "long-enough-pw"})),
                    "admin",
                ),
                ("PATCH", "/api/v1/users/patch-me".into(), Some(json!({"role": "monitor"})), "admin"),
                ("POST", "/api/v1/tokens".into(), Some(json!({"label": "matrix"})), "viewer"),
            ];
            for (method, path, body, least) in writes {
                let r = s.call(method, &path, auth, body);
                let expect_ok = rank(role) >= rank(least);
                if expect_ok {
                    assert!((200..300).contains(&r.status), "{role} {method} {path}: {} {}", r.status, r.body);
                } else if *role == "anonymous" {
                    assert_eq!(r.status, 401, "{role} {method} {path}: {}", r.body);
                } else {
                    assert_eq!(r.status, 403, "{role} {method} {path}: {}", r.body);
                    assert_eq!(r.body["error"]["code"], "forbidden");
                }
            }
        }
        // Nothing a refused write tried is in the store.
        let ev = s.ok("GET", "/api/v1/evidence?limit=1000", &admin_session, None);
        let ids: Vec<&str> = ev["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids.iter().filter(|i| i.starts_with("t-w_")).count(), 2, "one add each by monitor and admin");
    }
}

#[test]
fn browser_writes_need_the_csrf_token() {
    for url in stores("csrf") {
        let s = start(&url);
        let Auth::Session { cookie, csrf } = s.admin() else { unreachable!() };
        let r = s.call("POST", "/api/v1/evidence", &Auth::SessionNoCsrf { cookie: cookie.clone() }, Some(troop_item("csrf-1", 1)));
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (403, Some("csrf")));
        let wrong = Auth::Session { cookie: cookie.clone(), csrf: "0".repeat(64) };
        assert_eq!(s.call("POST", "/api/v1/evidence", &wrong, Some(troop_item("csrf-1", 1))).status, 403);
        let good = Auth::Session { cookie: cookie.clone(), csrf };
        assert_eq!(s.call("POST", "/api/v1/evidence", &good, Some(troop_item("csrf-1", 1))).status, 201);
        // Logging out ends the session.
        assert_eq!(s.call("DELETE", "/api/v1/session", &good, None).status, 204);
        assert_eq!(s.get("/api/v1/agreements", &good).status, 401);
    }
}

#[test]
fn evidence_is_added_corrected_retracted_and_disputed_without_overwriting() {
    for url in stores("evidence") {
        let s = start(&url);
        let admin = s.admin();
        let m = s.user(&admin, "monitor");
        let added = s.ok("POST", "/api/v1/evidence", &m, Some(troop_item("ev-1", 7000)));
        assert_eq!(added["quantity"], json!({"low": 7000.0, "high": 7000.0}));
        let c = s.ok(
            "POST",
            "/api/v1/evidence/ev-1/correct",
            &m,
            Some(json!({"quantity": "7100", "source": {"outlet": "Test Wire", "date": "2020-08-03", "title": "correction"}})),
        );
        assert_eq!(c["id"], "ev-1-corr-1");
        assert_eq!(c["corrects"], "ev-1");
        let d = json!({"id": "ev-2", "date": "2020-08-01", "kind": "troop_level", "actor": "us", "rel": "denies", "ref": "ev-1-corr-1",
                       "source": {"outlet": "Other Wire", "date": "2020-08-04", "title": "denial"}});
        s.ok("POST", "/api/v1/evidence", &m, Some(d));
        let old = s.ok("GET", "/api/v1/evidence/ev-1", &m, None);
        assert_eq!(old["corrected_by"], json!(["ev-1-corr-1"]));
        assert_eq!(old["quantity"]["low"], 7000.0, "the original stays as it was");
        let corr = s.ok("GET", "/api/v1/evidence/ev-1-corr-1", &m, None);
        assert_eq!(corr["denied_by"], json!(["ev-2"]));
        s.ok(
            "POST",
            "/api/v1/evidence/ev-2/retract",
            &m,
            Some(json!({"source": {"outlet": "Other Wire", "date": "2020-08-05", "title": "withdrawn"}})),
        );
        assert_eq!(s.ok("GET", "/api/v1/evidence/ev-2", &m, None)["retracted_by"], json!(["ev-2-retraction-1"]));
        // The search finds the new items; the audit log names who did each write.
        let found = s.ok("GET", "/api/v1/evidence?q=test+wire&kind=troop_level", &m, None);
        assert_eq!(found["total"], 2);
        // As known on a past day, the items added today were not there yet.
        let then = s.ok("GET", "/api/v1/evidence?q=test+wire&known_on=2021-01-01", &m, None);
        assert_eq!(then["total"], 0);
        let now_total = s.ok("GET", "/api/v1/evidence", &m, None)["total"].as_u64().unwrap();
        let then_total = s.ok("GET", "/api/v1/evidence?known_on=2021-01-01", &m, None)["total"].as_u64().unwrap();
        assert!(then_total > 0 && then_total < now_total, "{then_total} then, {now_total} now");
        let log = s.ok("GET", "/api/v1/audit?limit=10", &admin, None);
        let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for a in ["evidence.add", "evidence.correct", "evidence.deny", "evidence.retract"] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
        let first = &log["entries"][0];
        assert!(first["user"].as_str().unwrap().starts_with("monitor_"), "{first}");
        assert_eq!(first["target"], "ev-2-retraction-1");
    }
}

#[test]
fn bad_input_gets_a_4xx_that_says_what_is_wrong() {
    for url in stores("bad") {
        let s = start(&url);
        let admin = s.admin();
        let m = s.user(&admin, "monitor");
        let bad = |method: &str, path: &str, body: Option<Value>, status: u16, field: Option<&str>, words: &str| {
            let r = s.call(method, path, &m, body);
            assert_eq!(r.status, status, "{method} {path}: {}", r.body);
            let msg = r.body["error"]["message"].as_str().unwrap_or_default().to_string();
            assert!(msg.contains(words), "{method} {path}: `{msg}` should say `{words}`");
            assert_eq!(r.body["error"]["field"].as_str(), field, "{method} {path}: {}", r.body);
        };
        bad("GET", "/api/v1/status?as_of=june", None, 400, Some("as_of"), "2020-06-01");
        bad("GET", "/api/v1/evidence?limit=100000", None, 400, Some("limit"), "1 to 1000");
        bad("GET", "/api/v1/timeline?from=2021-01-01&to=2020-01-01", None, 400, Some("from"), "after");
        bad(
            "POST",
            "/api/v1/evidence",
            Some(
                json!({"id": "x", "date": "2020-13-45", "kind": "troop_level", "source": {"outlet": "A", "date": "2020-01-01", "title": "t"}}),
            ),
            400,
            Some("date"),
            "2020-13-45",
        );
        bad(
            "POST",
            "/api/v1/evidence",
            Some(json!({"id": "x", "date": "2020-01-01", "kind": "troops", "source": {"outlet": "A", "date": "2020-01-01", "title": "t"}})),
            400,
            Some("kind"),
            "troop_level",
        );
        bad(
            "POST",
            "/api/v1/evidence",
            Some(json!({"id": "x", "date": "2020-01-01", "kind": "troop_level"})),
            400,
            Some("source.outlet"),
            "source",
        );
        bad("POST", "/api/v1/evidence", Some(troop_item("talks-2020-09-12", 1)), 409, Some("id"), "already holds");
        bad(
            "POST",
            "/api/v1/evidence",
            Some(
                json!({"id": "d", "date": "2020-01-01", "kind": "troop_level", "rel": "denies", "ref": "nothing-here", "source": {"outlet": "A", "date": "2020-01-01", "title": "t"}}),
            ),
            400,
            Some("ref"),
            "nothing-here",
        );
        bad("POST", "/api/v1/evidence/nothing-here/correct", Some(json!({})), 404, None, "nothing-here");
        bad("POST", "/api/v1/evidence/talks-2020-09-12/retract", Some(json!({})), 400, Some("source"), "source");
        bad("POST", "/api/v1/evidence", Some(json!(["not", "an", "object"])), 400, None, "JSON object");
        let r = s.call("POST", "/api/v1/evidence", &m, None);
        assert_eq!(r.status, 400, "an empty body: {}", r.body);
        bad("POST", "/api/v1/users", Some(json!({"name": "x", "role": "boss", "password": "long-enough-pw"})), 403, None, "admin");
        let r = s.call("POST", "/api/v1/users", &admin, Some(json!({"name": "x y", "role": "viewer", "password": "long-enough-pw"})));
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("name")));
        let r = s.call("POST", "/api/v1/users", &admin, Some(json!({"name": "xy", "role": "boss", "password": "long-enough-pw"})));
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("role")));
        let r = s.call("POST", "/api/v1/users", &admin, Some(json!({"name": "xy", "role": "viewer", "password": "short"})));
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("password")));
        let r = s.call("POST", "/api/v1/session", &Auth::None, Some(json!({"name": "admin", "password": "wrong-password"})));
        assert_eq!(r.status, 401);
        let r = s.call("POST", "/api/v1/session", &Auth::None, Some(json!({"name": "nobody", "password": "wrong-password"})));
        assert_eq!(r.status, 401);
        assert_eq!(s.get("/api/v1/no-such-thing", &m).status, 404);
        assert_eq!(s.call("DELETE", "/api/v1/agreements", &m, None).status, 405);
        let r = s.call("GET", "/api/v1/agreements", &Auth::Token("pt_forged".into()), None);
        assert_eq!(r.status, 401);
        // Nothing bad landed.
        assert_eq!(
            s.ok("GET", "/api/v1/evidence?q=source", &m, None)["total"],
            s.ok("GET", "/api/v1/evidence?q=source", &admin, None)["total"]
        );
        assert_eq!(s.get("/api/v1/evidence/x", &m).status, 404);
    }
}

#[test]
fn agreement_files_with_errors_are_refused_with_diagnostics() {
    for url in stores("docs") {
        let s = start(&url);
        let admin = s.admin();
        let broken = "agreement z \"Z\" {\n  parties { us }\n  provision p \"P\" {\n    obligor nobody\n  }\n}\n";
        let r = s.call("PUT", "/api/v1/documents/z.pactum", &admin, Some(json!({"text": broken})));
        assert_eq!(r.status, 422, "{}", r.body);
        let d = &r.body["error"]["diagnostics"][0];
        assert_eq!(d["severity"], "error", "errors come first: {d}");
        assert_eq!(d["file"], "z.pactum");
        assert!(d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1, "{d}");
        assert!(d["rendered"].as_str().unwrap().contains("z.pactum:"), "{d}");
        assert_eq!(s.get("/api/v1/documents/z.pactum", &admin).status, 404, "nothing stored");
        let good = s.ok("GET", "/api/v1/documents/positions.pactum", &admin, None)["text"].as_str().unwrap().to_string();
        let r = s.call("PUT", "/api/v1/documents/positions.pactum", &admin, Some(json!({"text": format!("{good}\n// reviewed\n")})));
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(s.ok("GET", "/api/v1/documents/positions.pactum", &admin, None)["text"].as_str().unwrap().ends_with("// reviewed\n"));
        assert_eq!(s.call("DELETE", "/api/v1/documents/positions.pactum", &admin, None).status, 204);
        let p = s.ok("GET", "/api/v1/agreements", &admin, None);
        assert!(!p["agreements"].as_array().unwrap().iter().any(|a| a["id"] == "positions_2020_03"));
        let r = s.call("PUT", "/api/v1/documents/..%2Fetc.pactum", &admin, Some(json!({"text": ""})));
        assert_eq!(r.status, 400, "{}", r.body);
        let chk = s.ok("POST", "/api/v1/check", &admin, Some(json!({"name": "z.pactum", "text": broken})));
        assert_eq!(chk["ok"], false);
    }
}

#[test]
fn tokens_and_users_can_be_revoked_and_the_last_admin_kept() {
    for url in stores("users") {
        let s = start(&url);
        let admin = s.admin();
        let name = unique("temp");
        s.ok("POST", "/api/v1/users", &admin, Some(json!({"name": name, "role": "monitor", "password": "long-enough-pw"})));
        assert_eq!(
            s.call("POST", "/api/v1/users", &admin, Some(json!({"name": name, "role": "viewer", "password": "long-enough-pw"}))).status,
            409
        );
        let sess = s.login(&name, "long-enough-pw");
        let t = s.ok("POST", "/api/v1/tokens", &sess, Some(json!({"label": "script"})));
        let tok = Auth::Token(t["token"].as_str().unwrap().to_string());
        s.ok("GET", "/api/v1/agreements", &tok, None);
        let listed = s.ok("GET", "/api/v1/tokens", &sess, None);
        assert!(listed["tokens"][0].get("token").is_none(), "the secret is shown once only");
        s.ok("DELETE", &format!("/api/v1/tokens/{}", t["id"]), &sess, None);
        assert_eq!(s.get("/api/v1/agreements", &tok).status, 401);
        // A role change takes effect at once; disabling logs the user out.
        s.ok("PATCH", &format!("/api/v1/users/{name}"), &admin, Some(json!({"role": "viewer"})));
        assert_eq!(s.call("POST", "/api/v1/evidence", &sess, Some(troop_item("u-1", 1))).status, 403);
        s.ok("PATCH", &format!("/api/v1/users/{name}"), &admin, Some(json!({"disabled": true})));
        assert_eq!(s.get("/api/v1/agreements", &sess).status, 401);
        let r = s.call("PATCH", "/api/v1/users/admin", &admin, Some(json!({"role": "viewer"})));
        assert_eq!(r.status, 409, "{}", r.body);
        assert_eq!(s.call("PATCH", "/api/v1/users/nobody", &admin, Some(json!({"role": "viewer"}))).status, 404);
    }
}

#[test]
fn two_servers_on_one_store_see_each_others_writes() {
    for url in stores("shared") {
        let a = start(&url);
        let b = start(&url);
        let admin_a = a.admin();
        let m = a.user(&admin_a, "monitor");
        // Warm b's derived state first, so that seeing the write proves it re-reads the store.
        let before = b.ok("GET", "/api/v1/evidence?kind=troop_level", &m, None)["total"].as_u64().unwrap();
        a.ok("POST", "/api/v1/evidence", &m, Some(troop_item("shared-1", 4000)));
        let after = b.ok("GET", "/api/v1/evidence?kind=troop_level", &m, None)["total"].as_u64().unwrap();
        assert_eq!(after, before + 1);
        // A session made on one server works on the other.
        b.ok("GET", "/api/v1/session", &admin_a, None);
    }
}

/// A body over the limit is refused with a JSON 413. Sent through the router without a socket:
/// over TCP the server answers before reading the rest, and the client's write races the close.
#[test]
fn an_oversized_body_gets_a_json_413() {
    use tower::ServiceExt;
    let url = stores("big").remove(0);
    let mut cfg = Config::new(url);
    cfg.admin_password = Some(ADMIN_PW.into());
    let (app, _) = pactum_server::setup(cfg).expect("setup");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let big = json!({"text": "x".repeat(5 << 20)}).to_string();
    let req = axum::http::Request::builder()
        .method("PUT")
        .uri("/api/v1/documents/big.pactum")
        .header("content-type", "application/json")
        .header("authorization", "Bearer pt_not_checked_before_the_body")
        .body(axum::body::Body::from(big))
        .expect("request");
    let (status, body) = rt.block_on(async move {
        let resp = pactum_server::router(app).oneshot(req).await.expect("an answer");
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.expect("body");
        (status, serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null))
    });
    // The body is read (and refused) before anyone is asked who they are.
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("payload_too_large")), "{body}");
}

#[test]
fn the_openapi_document_lists_every_route_and_every_route_answers() {
    for url in stores("openapi").into_iter().take(1) {
        let s = start(&url);
        let admin = s.admin();
        let doc = s.ok("GET", "/api/v1/openapi.json", &Auth::None, None);
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 20, "{}", paths.len());
        for (path, ops) in paths {
            let concrete = path
                .replace(
                    "{id}",
                    if path.contains("agreements") {
                        "doha_2020"
                    } else if path.contains("tokens") {
                        "999"
                    } else {
                        "talks-2020-09-12"
                    },
                )
                .replace("{name}", if path.contains("users") { "nobody" } else { "agreement.pactum" });
            for method in ops.as_object().unwrap().keys() {
                let r = s.call(&method.to_uppercase(), &concrete, &admin, Some(json!({})));
                assert_ne!(r.status, 405, "{method} {path} is in the document but not served");
                let nothing =
                    r.status == 404 && r.body["error"]["message"].as_str().unwrap_or("").starts_with("there is nothing at this address");
                assert!(!nothing, "{method} {path} is in the document but not served");
            }
        }
        // The dashboard and its assets are served, with no external references.
        let html = ureq::get(&format!("{}/", s.base)).call().unwrap();
        assert!(html.header("content-security-policy").unwrap().contains("default-src 'self'"));
        let page = html.into_string().unwrap();
        for asset in ["/assets/app.js", "/assets/app.css"] {
            assert!(page.contains(asset), "the page loads {asset}");
            let body = ureq::get(&format!("{}{asset}", s.base)).call().unwrap().into_string().unwrap();
            for fetches in ["src=\"http", "href=\"http", "url(http", "url(\"http", "fetch('http", "fetch(\"http", "@import"] {
                assert!(!body.contains(fetches), "{asset} loads something from another site: `{fetches}`");
            }
        }
    }
}
