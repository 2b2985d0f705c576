//! `pactum serve` as a process: it starts on an empty store with the example case, and a
//! write it acknowledged survives the process being killed (SIGKILL, no shutdown).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const PW: &str = "serve-test-password";

struct Served {
    child: Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `pactum serve` on a free port and waits for it to say where it listens.
fn serve(store: &str) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(["serve", "--store", store, "--listen", "127.0.0.1:0"])
        .env("PACTUM_ADMIN_PASSWORD", PW)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("pactum serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut said = Vec::new();
    let base = loop {
        let Some(Ok(line)) = lines.next() else { panic!("pactum serve stopped before listening: {said:?}") };
        if let Some(rest) = line.split(" at http://").nth(1) {
            break format!("http://{}", rest.split('/').next().unwrap_or_default());
        }
        said.push(line);
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Served { child, base }
}

fn token(base: &str) -> String {
    let login = ureq::post(&format!("{base}/api/v1/session")).send_json(json!({"name": "admin", "password": PW})).expect("login");
    let cookie = login.header("set-cookie").expect("cookie").split(';').next().unwrap_or_default().to_string();
    let csrf = login.into_json::<Value>().expect("json")["csrf"].as_str().expect("csrf").to_string();
    let t: Value = ureq::post(&format!("{base}/api/v1/tokens"))
        .set("Cookie", &cookie)
        .set("X-CSRF-Token", &csrf)
        .send_json(json!({"label": "kill test"}))
        .expect("token")
        .into_json()
        .expect("json");
    t["token"].as_str().expect("token").to_string()
}

fn item(id: &str) -> Value {
    json!({"id": id, "date": "2020-08-01", "kind": "troop_level", "actor": "us", "quantity": "8000",
           "source": {"outlet": "Test Wire", "date": "2020-08-02", "title": "kill test"}})
}

#[test]
fn acknowledged_evidence_survives_a_killed_server() {
    let dir = std::env::temp_dir().join(format!("pactum-serve-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = format!("sqlite:{}", PathBuf::from(&dir).join("s.db").display());
    let s = serve(&store);
    let tok = token(&s.base);
    // Writers keep adding items while the server is killed; every one acknowledged must be there after.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (base, tok, acked) = (s.base.clone(), tok.clone(), acked.clone());
        writers.push(std::thread::spawn(move || {
            for i in 0..1000 {
                let id = format!("kill-{w}-{i}");
                let r = ureq::post(&format!("{base}/api/v1/evidence")).set("Authorization", &format!("Bearer {tok}")).send_json(item(&id));
                match r {
                    Ok(resp) if resp.status() == 201 => acked.lock().expect("lock").push(id),
                    _ => break,
                }
            }
        }));
    }
    while acked.lock().expect("lock").len() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(s); // SIGKILL
    for w in writers {
        let _ = w.join();
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 20);
    let s = serve(&store);
    let tok = token(&s.base);
    for id in &acked {
        let r = ureq::get(&format!("{}/api/v1/evidence/{id}", s.base)).set("Authorization", &format!("Bearer {tok}")).call();
        assert!(r.is_ok_and(|r| r.status() == 200), "{id} was acknowledged but is not in the store after the kill");
    }
    // The example (80 items) was loaded once, not again on the second start; at most one write per
    // writer can have committed without its answer arriving.
    let ev: Value = ureq::get(&format!("{}/api/v1/evidence?limit=1", s.base))
        .set("Authorization", &format!("Bearer {tok}"))
        .call()
        .expect("evidence")
        .into_json()
        .expect("json");
    let total = ev["total"].as_u64().expect("total") as usize;
    assert!((80 + acked.len()..=80 + acked.len() + 4).contains(&total), "{total} items for {} acknowledged", acked.len());
}
