//! The same behaviour on both backends: every test here runs against SQLite and against the
//! PostgreSQL server named by `PACTUM_TEST_POSTGRES` (scripts/test starts one). Without that
//! variable the PostgreSQL half fails rather than being skipped.

use pactum_base::{Date, DateRange, Quantity};
use pactum_evidence::{Item, Origin, Relation, Source};
use pactum_store::{ImportOutcome, NewImport, Recorded, Store, StoreError, StoreUrl};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(name: &str) -> String {
    format!("{name}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

fn pg_server() -> String {
    std::env::var("PACTUM_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("PACTUM_TEST_POSTGRES is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL server, or point it at one (postgres://USER@HOST:PORT/DB)")
    })
}

/// A fresh, empty store of each kind.
fn stores(name: &str) -> Vec<StoreUrl> {
    let dir = std::env::temp_dir().join(unique(&format!("pactum-store-{name}")));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite = StoreUrl::Sqlite(dir.join("store.db"));
    let server = pg_server();
    let db = unique(&format!("pactum_{name}")).to_lowercase();
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).expect("the PostgreSQL test server accepts connections");
    admin.batch_execute(&format!("CREATE DATABASE {db}")).expect("create test database");
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b).to_string();
    vec![sqlite, StoreUrl::Postgres(format!("{base}/{db}"))]
}

fn item(id: &str, date: &str, kind: &str, q: Option<f64>, source_date: &str) -> Item {
    Item {
        id: id.into(),
        date: DateRange::parse(date).expect("date"),
        kind: kind.into(),
        actor: Some("us".into()),
        target: None,
        quantity: q.map(Quantity::exact),
        place: Some("Kabul\ttab\nnewline\\slash".into()),
        rel: Relation::Asserts,
        reference: None,
        source: Source { outlet: "AP".into(), date: source_date.into(), title: Some("A \"title\", with commas".into()), url: None },
        note: None,
        origin: Origin { file: "e.csv".into(), row: 2 },
    }
}

fn import<'a>(
    store: &mut Store,
    name: &'a str,
    content: &'a [u8],
    items: &'a [Item],
    recorded: Recorded,
) -> Result<ImportOutcome, StoreError> {
    store.import(&NewImport {
        file_name: name,
        content,
        dataset: "pactum",
        rows: items.len() as u64,
        items,
        recorded,
        imported_at: "2026-11-24T12:00:00Z",
    })
}

fn day(s: &str) -> Date {
    Date::parse(s).expect("date")
}

#[test]
fn items_come_back_exactly_as_stored() {
    for url in stores("roundtrip") {
        let mut s = Store::open(&url).expect("open");
        let mut items = vec![
            item("a", "2020-03-01", "troop_level", Some(8600.0), "2020-03-02"),
            item("b", "2020-03..2020-04", "attack", None, "2020-05"),
        ];
        items[1].quantity = Some(Quantity { low: 8400.0, high: 8600.5 });
        items[1].rel = Relation::Denies;
        items[1].reference = Some("a".into());
        items[1].note = Some("ünïcödé".into());
        let out = import(&mut s, "e.csv", b"content", &items, Recorded::On(day("2026-11-24"))).expect("import");
        assert!(matches!(out, ImportOutcome::Added(ref r) if r.items_added == 2 && r.rows == 2), "{url}: {out:?}");
        assert_eq!(s.items(None).expect("items"), items, "{url}");
        // Reopening runs no migration twice and loses nothing.
        drop(s);
        let mut s = Store::open(&url).expect("reopen");
        assert_eq!(s.items(None).expect("items"), items, "{url}");
        assert_eq!(s.imports().expect("imports").len(), 1);
    }
}

#[test]
fn the_same_file_twice_adds_nothing_and_says_so() {
    for url in stores("twice") {
        let mut s = Store::open(&url).expect("open");
        let items = vec![item("a", "2020-03-01", "troop_level", Some(1.0), "2020-03-02")];
        let first = import(&mut s, "e.csv", b"same bytes", &items, Recorded::On(day("2026-11-24"))).expect("first");
        let ImportOutcome::Added(rec) = first else { panic!("{url}: first import must add") };
        let again = import(&mut s, "renamed.csv", b"same bytes", &items, Recorded::On(day("2026-11-25"))).expect("second");
        assert_eq!(again, ImportOutcome::AlreadyImported(rec), "{url}");
        assert_eq!(s.item_count().expect("count"), 1);
        assert_eq!(s.imports().expect("imports").len(), 1);
    }
}

#[test]
fn an_existing_id_rejects_the_whole_import() {
    for url in stores("dup") {
        let mut s = Store::open(&url).expect("open");
        let first = vec![item("a", "2020-03-01", "troop_level", Some(1.0), "2020-03-02")];
        import(&mut s, "one.csv", b"one", &first, Recorded::On(day("2026-11-24"))).expect("first");
        let mut second = vec![item("b", "2020-03-02", "attack", None, "2020-03-02"), item("a", "2020-03-03", "attack", None, "2020-03-03")];
        second[1].origin = Origin { file: "two.csv".into(), row: 3 };
        let err = import(&mut s, "two.csv", b"two", &second, Recorded::On(day("2026-11-24"))).expect_err("duplicate id");
        let msg = err.to_string();
        assert!(msg.contains("`a`") && msg.contains("two.csv row 3") && msg.contains("rel = corrects"), "{url}: {msg}");
        assert_eq!(s.item_count().expect("count"), 1, "{url}: nothing from the rejected file");
        assert_eq!(s.imports().expect("imports").len(), 1, "{url}: the rejected import is not logged");
        // A duplicate inside one file is refused too.
        let third = vec![item("c", "2020-03-02", "attack", None, "2020-03-02"), item("c", "2020-03-03", "attack", None, "2020-03-03")];
        assert!(matches!(
            import(&mut s, "three.csv", b"three", &third, Recorded::On(day("2026-11-24"))),
            Err(StoreError::DuplicateId { .. })
        ));
        assert_eq!(s.item_count().expect("count"), 1);
    }
}

#[test]
fn the_database_refuses_to_overwrite_or_delete_evidence() {
    for url in stores("append") {
        let mut s = Store::open(&url).expect("open");
        import(&mut s, "e.csv", b"x", &[item("a", "2020-03-01", "troop_level", Some(1.0), "2020-03-02")], Recorded::On(day("2026-11-24")))
            .expect("import");
        drop(s);
        let attempts = ["UPDATE items SET kind = 'attack'", "DELETE FROM items", "DELETE FROM imports", "UPDATE imports SET dataset = 'x'"];
        for sql in attempts {
            let refused = match &url {
                StoreUrl::Sqlite(p) => rusqlite::Connection::open(p).expect("open").execute(sql, []).is_err(),
                StoreUrl::Postgres(u) => postgres::Client::connect(u, postgres::NoTls).expect("connect").execute(sql, &[]).is_err(),
            };
            assert!(refused, "{url}: `{sql}` must be refused");
        }
        let mut s = Store::open(&url).expect("open");
        assert_eq!(s.items(None).expect("items")[0].kind, "troop_level");
    }
}

#[test]
fn known_on_gives_what_a_monitor_could_have_known() {
    for url in stores("known") {
        let mut s = Store::open(&url).expect("open");
        let report = item("t1", "2020-05-27", "troop_level", Some(8650.0), "2020-05-27");
        import(&mut s, "a.csv", b"a", std::slice::from_ref(&report), Recorded::On(day("2020-05-28"))).expect("a");
        let mut correction = item("t1-fix", "2020-05-27", "troop_level", Some(8600.0), "2020-06-02");
        correction.rel = Relation::Corrects;
        correction.reference = Some("t1".into());
        import(&mut s, "b.csv", b"b", std::slice::from_ref(&correction), Recorded::On(day("2020-06-02"))).expect("b");
        let ids = |v: Vec<Item>| v.into_iter().map(|i| i.id).collect::<Vec<_>>();
        assert_eq!(ids(s.items(Some(day("2020-05-27"))).expect("items")), Vec::<String>::new(), "{url}");
        assert_eq!(ids(s.items(Some(day("2020-06-01"))).expect("items")), ["t1"], "{url}");
        assert_eq!(ids(s.items(Some(day("2020-06-02"))).expect("items")), ["t1", "t1-fix"], "{url}");
        assert_eq!(ids(s.items(None).expect("items")), ["t1", "t1-fix"], "{url}");
        // A historical record loaded today can be dated by its sources.
        let old = item("old", "2019-09-07", "decision", None, "2019-09-08");
        import(&mut s, "c.csv", b"c", std::slice::from_ref(&old), Recorded::AtSourceDate).expect("c");
        assert_eq!(ids(s.items(Some(day("2019-09-08"))).expect("items")), ["old"], "{url}");
        let (new, last) = s.items_since(0).expect("since");
        assert_eq!(new.len(), 3);
        let (none, last2) = s.items_since(last).expect("since");
        assert!(none.is_empty() && last2 == last, "{url}");
    }
}

/// The child half of `a_killed_import_leaves_the_store_as_it_was`: imports a large file
/// slowly enough to be killed in the middle.
#[test]
fn child_import_to_be_killed() {
    let Ok(url) = std::env::var("PACTUM_CHILD_STORE") else { return };
    let mut s = Store::open(&StoreUrl::parse(&url).expect("url")).expect("open");
    let items: Vec<Item> = (0..2_000_000).map(|i| item(&format!("big-{i}"), "2020-03-01", "attack", Some(1.0), "2020-03-02")).collect();
    // Tell the parent that the import is about to start, so its kill lands inside it.
    std::fs::write(std::env::var("PACTUM_CHILD_MARKER").expect("marker path"), b"importing").expect("marker");
    let _ = import(&mut s, "big.csv", b"big", &items, Recorded::On(day("2026-11-24")));
}

#[test]
fn a_killed_import_leaves_the_store_as_it_was() {
    for url in stores("killed") {
        let mut s = Store::open(&url).expect("open");
        import(&mut s, "small.csv", b"small", &[item("keep", "2020-03-01", "attack", None, "2020-03-02")], Recorded::On(day("2026-11-24")))
            .expect("small");
        drop(s);
        let url_text = match &url {
            StoreUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
            StoreUrl::Postgres(u) => u.clone(),
        };
        let marker = std::env::temp_dir().join(unique("pactum-kill-marker"));
        let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "child_import_to_be_killed", "--nocapture", "--test-threads=1"])
            .env("PACTUM_CHILD_STORE", &url_text)
            .env("PACTUM_CHILD_MARKER", &marker)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn child");
        // Wait until the import starts, let it get well into the transaction, then kill it.
        let started = std::time::Instant::now();
        while !marker.exists() {
            assert!(started.elapsed() < std::time::Duration::from_secs(120), "{url}: the child never started importing");
            assert!(child.try_wait().expect("try_wait").is_none(), "{url}: the child died before importing");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(400));
        let finished_early = child.try_wait().expect("try_wait").is_some();
        child.kill().ok();
        child.wait().ok();
        assert!(!finished_early, "{url}: the child finished before it could be killed; make its import bigger");
        let mut s = Store::open(&url).expect("reopen after the kill");
        assert_eq!(s.item_count().expect("count"), 1, "{url}: nothing of the killed import may remain");
        assert_eq!(s.imports().expect("imports").len(), 1, "{url}");
        // And the store still takes imports.
        import(
            &mut s,
            "after.csv",
            b"after",
            &[item("after", "2020-03-01", "attack", None, "2020-03-02")],
            Recorded::On(day("2026-11-24")),
        )
        .expect("after");
        assert_eq!(s.item_count().expect("count"), 2);
    }
}

#[test]
fn store_addresses() {
    assert_eq!(StoreUrl::parse("sqlite:pactum.db").expect("ok"), StoreUrl::Sqlite("pactum.db".into()));
    assert_eq!(StoreUrl::parse("sqlite:///tmp/x.db").expect("ok"), StoreUrl::Sqlite("/tmp/x.db".into()));
    assert!(matches!(StoreUrl::parse("postgres://u@h:5432/db").expect("ok"), StoreUrl::Postgres(_)));
    let err = StoreUrl::parse("mysql://x").expect_err("bad");
    assert!(err.to_string().contains("sqlite:PATH"));
    let shown = StoreUrl::parse("postgres://user:secret@host:5432/db").expect("ok").to_string();
    assert!(!shown.contains("secret"), "{shown}");
}
