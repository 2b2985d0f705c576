//! pactum's evidence store: a durable, append-only record of evidence items and of the
//! imports that brought them, in SQLite (embedded, one file, the default) or PostgreSQL (for a
//! team sharing one database). Both backends have the same schema and behave the same; the
//! same tests run against both.
//!
//! **Invariant: nothing is ever overwritten.** A correction or retraction is a new item that
//! points at the old one. The database itself refuses `UPDATE` and `DELETE` on items and
//! imports (triggers), so no code path can break this.
//! **Invariant: an import is one transaction.** A file lands whole or not at all; a killed
//! process leaves the store as it was. Importing the same content twice adds nothing.

mod pg;
mod pg_team;
mod sqlite;
mod sqlite_team;
mod team;

pub use team::{AuditEntry, Document, Role, StoreVersion, TokenInfo, User};

use pactum_base::{Date, DateRange, Quantity};
use pactum_evidence::{Item, Origin, Relation, Source};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("`{0}` is not a store address; write `sqlite:PATH` (a file, created if missing) or `postgres://USER@HOST:PORT/DB`")]
    BadUrl(String),
    #[error("cannot open the store at `{url}`: {message}")]
    Open { url: String, message: String },
    #[error("the store at `{url}` has schema version {found}, newer than this pactum understands ({known}); upgrade pactum")]
    TooNew { url: String, found: i64, known: i64 },
    #[error("the item id `{id}` is already in the store (from {file} row {row}); a correction needs an id of its own, with `rel = corrects` and `ref = {id}`")]
    DuplicateId { id: String, file: String, row: u64 },
    #[error("{0}")]
    Conflict(String),
    #[error("store error: {0}")]
    Db(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

/// Where a store lives.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl StoreUrl {
    /// `sqlite:PATH`, `sqlite://PATH`, `postgres://...` or `postgresql://...`.
    pub fn parse(s: &str) -> Result<StoreUrl, StoreError> {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres(s.to_string()));
        }
        if let Some(rest) = s.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(StoreError::BadUrl(s.to_string()));
            }
            return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
        }
        Err(StoreError::BadUrl(s.to_string()))
    }
}

impl std::fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreUrl::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            // Never print a password.
            StoreUrl::Postgres(u) => match (u.find("://"), u.find('@')) {
                (Some(a), Some(at)) if u[a + 3..at].contains(':') => {
                    let user_end = a + 3 + u[a + 3..at].find(':').unwrap_or(0);
                    write!(f, "{}:***{}", &u[..user_end], &u[at..])
                }
                _ => write!(f, "{u}"),
            },
        }
    }
}

/// One import, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRecord {
    pub id: i64,
    pub file_name: String,
    pub content_hash: String,
    pub dataset: String,
    pub rows: u64,
    pub items_added: u64,
    /// When the import ran (UTC, ISO 8601), as given by the caller.
    pub imported_at: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ImportOutcome {
    Added(ImportRecord),
    /// The same content was imported before; nothing was added.
    AlreadyImported(ImportRecord),
}

/// When items became known to the store.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Recorded {
    /// All on this day (normally today).
    On(Date),
    /// Each on the day its source was published: for loading a historical record.
    AtSourceDate,
}

/// What a new import brings.
pub struct NewImport<'a> {
    pub file_name: &'a str,
    pub content: &'a [u8],
    pub dataset: &'a str,
    /// Rows read from the file (may be more than items: rows no mapping rule matched).
    pub rows: u64,
    pub items: &'a [Item],
    pub recorded: Recorded,
    pub imported_at: &'a str,
}

/// What an import is, apart from its items: for [`Store::import_stream`].
pub struct ImportMeta<'a> {
    pub file_name: &'a str,
    pub content: &'a [u8],
    pub dataset: &'a str,
    pub recorded: Recorded,
    pub imported_at: &'a str,
}

/// Why a streamed import failed: the store refused it, or the input had errors. Either way
/// nothing was added.
#[derive(Debug)]
pub enum StreamError {
    Store(StoreError),
    Input(Vec<pactum_evidence::EvidenceError>),
}

impl From<StoreError> for StreamError {
    fn from(e: StoreError) -> Self {
        StreamError::Store(e)
    }
}

/// Produces an import's items by handing each to the sink, and returns the number of rows it
/// read, or the input's errors.
pub type Producer<'p> = dyn FnMut(&mut dyn FnMut(Item)) -> Result<u64, Vec<pactum_evidence::EvidenceError>> + 'p;

/// SHA-256 of a file's bytes, in hex: how an import is recognised when it comes again.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The day an item became public: the first day of its source date.
pub fn source_day(item: &Item) -> Option<Date> {
    DateRange::parse(&item.source.date).ok().map(|r| r.first)
}

/// The day an item is recorded as known.
pub(crate) fn recorded_day(it: &Item, recorded: Recorded) -> Date {
    match recorded {
        Recorded::On(d) => d,
        Recorded::AtSourceDate => source_day(it).unwrap_or(it.date.first),
    }
}

/// A row of the `items` table.
pub(crate) struct Row {
    pub id: String,
    pub recorded_on: i32,
    pub date_first: i32,
    pub date_last: i32,
    pub kind: String,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub q_low: Option<f64>,
    pub q_high: Option<f64>,
    pub place: Option<String>,
    pub rel: String,
    pub reference: Option<String>,
    pub source_outlet: String,
    pub source_date: String,
    pub source_title: Option<String>,
    pub source_url: Option<String>,
    pub note: Option<String>,
    pub origin_file: String,
    pub origin_row: i64,
}

impl Row {
    pub(crate) fn from_item(it: &Item, recorded: Recorded) -> Row {
        let recorded_on = recorded_day(it, recorded);
        Row {
            id: it.id.clone(),
            recorded_on: recorded_on.days(),
            date_first: it.date.first.days(),
            date_last: it.date.last.days(),
            kind: it.kind.clone(),
            actor: it.actor.clone(),
            target: it.target.clone(),
            q_low: it.quantity.map(|q| q.low),
            q_high: it.quantity.map(|q| q.high),
            place: it.place.clone(),
            rel: it.rel.as_str().to_string(),
            reference: it.reference.clone(),
            source_outlet: it.source.outlet.clone(),
            source_date: it.source.date.clone(),
            source_title: it.source.title.clone(),
            source_url: it.source.url.clone(),
            note: it.note.clone(),
            origin_file: it.origin.file.clone(),
            origin_row: it.origin.row as i64,
        }
    }

    pub(crate) fn into_item(self) -> Item {
        let rel = relation(&self.rel);
        Item {
            id: self.id,
            date: DateRange { first: Date::from_days(self.date_first), last: Date::from_days(self.date_last) },
            kind: self.kind,
            actor: self.actor,
            target: self.target,
            quantity: match (self.q_low, self.q_high) {
                (Some(low), Some(high)) => Some(Quantity { low, high }),
                _ => None,
            },
            place: self.place,
            rel,
            reference: self.reference,
            source: Source { outlet: self.source_outlet, date: self.source_date, title: self.source_title, url: self.source_url },
            note: self.note,
            origin: Origin { file: self.origin_file, row: self.origin_row as u64 },
        }
    }
}

/// The columns evaluation reads: everything but the note, the source (except its date, which
/// says when the item became public) and the origin file.
pub(crate) const LEAN_COLUMNS: &str =
    "id, date_first, date_last, kind, actor, target, q_low, q_high, place, rel, ref, source_date, origin_row";

/// An item read by [`Store::items_for_evaluation`]: without its note and source (except the
/// source's date), and with an empty origin file, which marks it (a file's items always name
/// their file).
pub fn is_lean(item: &Item) -> bool {
    item.origin.file.is_empty()
}

fn relation(rel: &str) -> Relation {
    match rel {
        "denies" => Relation::Denies,
        "corrects" => Relation::Corrects,
        "retracts" => Relation::Retracts,
        _ => Relation::Asserts,
    }
}

/// The lean columns of a row ([`LEAN_COLUMNS`], in that order), as an item.
#[allow(clippy::too_many_arguments)]
pub(crate) fn lean_item(
    id: String,
    date_first: i32,
    date_last: i32,
    kind: String,
    actor: Option<String>,
    target: Option<String>,
    q: (Option<f64>, Option<f64>),
    place: Option<String>,
    rel: &str,
    reference: Option<String>,
    source_date: String,
    origin_row: i64,
) -> Item {
    Item {
        id,
        date: DateRange { first: Date::from_days(date_first), last: Date::from_days(date_last) },
        kind,
        actor,
        target,
        quantity: match q {
            (Some(low), Some(high)) => Some(Quantity { low, high }),
            _ => None,
        },
        place,
        rel: relation(rel),
        reference,
        source: Source { outlet: String::new(), date: source_date, title: None, url: None },
        note: None,
        origin: Origin { file: String::new(), row: origin_row as u64 },
    }
}

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = 2;

pub(crate) enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<pg::Pg>),
}

/// An open store. Opening runs any pending migration.
pub struct Store {
    url: StoreUrl,
    backend: Backend,
}

impl Store {
    pub fn open(url: &StoreUrl) -> Result<Store, StoreError> {
        let backend = match url {
            StoreUrl::Sqlite(p) => Backend::Sqlite(sqlite::Sqlite::open(p, url)?),
            StoreUrl::Postgres(u) => Backend::Postgres(Box::new(pg::Pg::open(u, url)?)),
        };
        Ok(Store { url: url.clone(), backend })
    }

    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// Adds a file's items in one transaction, or nothing if the same content was imported
    /// before. Fails, adding nothing, if an item id is already in the store.
    pub fn import(&mut self, new: &NewImport) -> Result<ImportOutcome, StoreError> {
        let meta = ImportMeta {
            file_name: new.file_name,
            content: new.content,
            dataset: new.dataset,
            recorded: new.recorded,
            imported_at: new.imported_at,
        };
        let rows = new.rows;
        let mut produce = |sink: &mut dyn FnMut(Item)| {
            for it in new.items {
                sink(it.clone());
            }
            Ok(rows)
        };
        match self.import_stream(&meta, &mut produce) {
            Ok(o) => Ok(o),
            Err(StreamError::Store(e)) => Err(e),
            Err(StreamError::Input(_)) => Err(StoreError::Db("unreachable: a slice has no input errors".into())),
        }
    }

    /// Adds items as a producer makes them, in one transaction, without holding them all in
    /// memory: for imports of millions of rows. If the producer reports errors, or the store
    /// refuses an item, nothing is added.
    pub fn import_stream(&mut self, meta: &ImportMeta, produce: &mut Producer) -> Result<ImportOutcome, StreamError> {
        let hash = content_hash(meta.content);
        match &mut self.backend {
            Backend::Sqlite(s) => s.import_stream(meta, &hash, produce, None),
            Backend::Postgres(p) => p.import_stream(meta, &hash, produce, None),
        }
    }

    /// Every item the store holds, or only those recorded on or before `known_on`: what a
    /// monitor could have known that day. In the order they were added.
    pub fn items(&mut self, known_on: Option<Date>) -> Result<Vec<Item>, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.items(known_on),
            Backend::Postgres(p) => p.items(known_on),
        }
    }

    /// What [`Store::items`] gives, but lean, for evaluation: each item without its note and
    /// source (but with the source's date) and with an empty origin file ([`is_lean`]); the
    /// rest as stored. A tenth of the
    /// memory on large stores; [`Store::items_by_ids`] reads the few items an explanation
    /// cites in full.
    pub fn items_for_evaluation(&mut self, known_on: Option<Date>) -> Result<Vec<Item>, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.items_lean(known_on),
            Backend::Postgres(p) => p.items_lean(known_on),
        }
    }

    /// What [`Store::items_since`] gives, but lean, like [`Store::items_for_evaluation`]: for a
    /// process that keeps the evidence prepared and adds what is new.
    pub fn items_since_for_evaluation(&mut self, after_seq: i64) -> Result<(Vec<Item>, i64), StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.items_since_lean(after_seq),
            Backend::Postgres(p) => p.items_since_lean(after_seq),
        }
    }

    /// The items with these ids, in full, in the order they were added; ids the store does
    /// not hold are left out.
    pub fn items_by_ids(&mut self, ids: &[String]) -> Result<Vec<Item>, StoreError> {
        let mut out: Vec<(i64, Item)> = Vec::new();
        for chunk in ids.chunks(500) {
            let found = match &mut self.backend {
                Backend::Sqlite(s) => s.items_by_ids(chunk)?,
                Backend::Postgres(p) => p.items_by_ids(chunk)?,
            };
            out.extend(found);
        }
        out.sort_by_key(|(seq, _)| *seq);
        out.dedup_by_key(|(seq, _)| *seq);
        Ok(out.into_iter().map(|(_, it)| it).collect())
    }

    /// Every import, oldest first.
    pub fn imports(&mut self) -> Result<Vec<ImportRecord>, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.imports(),
            Backend::Postgres(p) => p.imports(),
        }
    }

    pub fn item_count(&mut self) -> Result<u64, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.count(),
            Backend::Postgres(p) => p.count(),
        }
    }

    /// Which of these ids the store holds.
    pub fn existing_ids(&mut self, ids: &[String]) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut out = std::collections::HashSet::new();
        for chunk in ids.chunks(500) {
            let found = match &mut self.backend {
                Backend::Sqlite(s) => s.existing(chunk)?,
                Backend::Postgres(p) => p.existing(chunk)?,
            };
            out.extend(found);
        }
        Ok(out)
    }

    /// Items added after the item with sequence number `after_seq`, with the newest sequence
    /// number: lets a reader pick up what is new without re-reading the rest.
    pub fn items_since(&mut self, after_seq: i64) -> Result<(Vec<Item>, i64), StoreError> {
        let (rows, last) = match &mut self.backend {
            Backend::Sqlite(s) => s.items_since(after_seq)?,
            Backend::Postgres(p) => p.items_since(after_seq)?,
        };
        Ok((rows.into_iter().map(Row::into_item).collect(), last))
    }
}

#[cfg(test)]
mod tests {
    //! The lean read, the read by ids and the bulk import, on both backends (PostgreSQL at
    //! `PACTUM_TEST_POSTGRES`, as in tests/store.rs). Here an import of 50 items is "bulk".
    use super::*;

    fn stores(name: &str) -> Vec<StoreUrl> {
        let tag = format!(
            "{name}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
        );
        let dir = std::env::temp_dir().join(format!("pactum-store-unit-{tag}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut out = vec![StoreUrl::Sqlite(dir.join("store.db"))];
        let server = std::env::var("PACTUM_TEST_POSTGRES").expect("PACTUM_TEST_POSTGRES is not set: run scripts/test");
        let db = format!("pactum_unit_{tag}").to_lowercase();
        let mut admin = postgres::Client::connect(&server, postgres::NoTls).expect("the PostgreSQL test server");
        admin.batch_execute(&format!("CREATE DATABASE {db}")).expect("create test database");
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b).to_string();
        out.push(StoreUrl::Postgres(format!("{base}/{db}")));
        out
    }

    fn item(i: usize) -> Item {
        Item {
            id: format!("x{i:04}"),
            date: DateRange { first: Date::from_days(18_000 + (i % 7) as i32), last: Date::from_days(18_010 + (i % 7) as i32) },
            kind: "attack".into(),
            actor: (!i.is_multiple_of(3)).then(|| "Taliban".into()),
            target: i.is_multiple_of(2).then(|| "army".into()),
            quantity: (!i.is_multiple_of(4)).then_some(Quantity { low: i as f64, high: i as f64 + 2.0 }),
            place: Some("Kabul\ttab".into()),
            rel: if i % 5 == 4 { Relation::Corrects } else { Relation::Asserts },
            reference: (i % 5 == 4).then(|| format!("x{:04}", i - 1)),
            // Published on scattered days, so that `--recorded-on source` inserts in random order.
            source: Source {
                outlet: "AP".into(),
                date: Date::from_days(18_100 + ((i * 37) % 101) as i32).to_string(),
                title: Some("t".into()),
                url: None,
            },
            note: (i % 2 == 1).then(|| format!("note {i}")),
            origin: Origin { file: "big.csv".into(), row: i as u64 + 2 },
        }
    }

    fn import(s: &mut Store, name: &str, items: &[Item]) -> Result<ImportOutcome, StoreError> {
        s.import(&NewImport {
            file_name: name,
            content: name.as_bytes(),
            dataset: "acled",
            rows: items.len() as u64,
            items,
            recorded: Recorded::AtSourceDate,
            imported_at: "2026-01-01T00:00:00Z",
        })
    }

    fn lean(it: &Item) -> Item {
        let mut l = it.clone();
        l.source = Source { outlet: String::new(), date: it.source.date.clone(), title: None, url: None };
        l.note = None;
        l.origin.file = String::new();
        l
    }

    fn index_sql(s: &mut Store) -> Option<String> {
        match &mut s.backend {
            Backend::Sqlite(q) => q.conn.query_row("SELECT sql FROM sqlite_master WHERE name = 'items_recorded_on'", [], |r| r.get(0)).ok(),
            Backend::Postgres(p) => p
                .client
                .query_opt("SELECT indexdef FROM pg_indexes WHERE indexname = 'items_recorded_on'", &[])
                .ok()
                .flatten()
                .map(|r| r.get(0)),
        }
    }

    #[test]
    fn lean_items_and_items_by_ids() {
        for url in stores("lean") {
            let mut s = Store::open(&url).expect("open");
            let items: Vec<Item> = (0..120).map(item).collect();
            let index = index_sql(&mut s);
            assert!(index.is_some());
            // A bulk import: the index is dropped while inserting and built again, the same.
            import(&mut s, "a.csv", &items).expect("import");
            assert_eq!(index_sql(&mut s), index, "{url}");
            let full = s.items(None).expect("items");
            assert_eq!(full, items, "{url}");
            let got = s.items_for_evaluation(None).expect("lean");
            assert_eq!(got, items.iter().map(lean).collect::<Vec<_>>(), "{url}");
            assert!(got.iter().all(is_lean) && !items.iter().any(is_lean));
            let known = Date::from_days(18_150);
            let want: Vec<Item> = s.items(Some(known)).expect("items").iter().map(lean).collect();
            assert!(!want.is_empty() && want.len() < items.len());
            assert_eq!(s.items_for_evaluation(Some(known)).expect("lean"), want, "{url}");
            let (since, last) = s.items_since(100).expect("since");
            assert_eq!(s.items_since_for_evaluation(100).expect("lean since"), (since.iter().map(lean).collect(), last), "{url}");
            assert_eq!(since.len(), 20);
            assert_eq!(s.items_since_for_evaluation(last).expect("lean since"), (vec![], last), "{url}");
            let ids: Vec<String> = vec!["x0007".into(), "nothing".into(), "x0003".into(), "x0007".into()];
            assert_eq!(s.items_by_ids(&ids).expect("by ids"), vec![items[3].clone(), items[7].clone()], "{url}");
            let many: Vec<String> = (0..1200).map(|i| format!("x{i:04}")).collect();
            assert_eq!(s.items_by_ids(&many).expect("by ids"), items, "{url}");
        }
    }

    #[test]
    fn a_failed_bulk_import_leaves_the_store_and_its_index_as_they_were() {
        for url in stores("bulkfail") {
            let mut s = Store::open(&url).expect("open");
            let first: Vec<Item> = (0..10).map(item).collect();
            import(&mut s, "a.csv", &first).expect("import");
            let index = index_sql(&mut s);
            // 200 new items, the last of which repeats a held id: refused whole.
            let mut next: Vec<Item> = (10..209).map(item).collect();
            next.push(item(3));
            let err = import(&mut s, "b.csv", &next).expect_err("duplicate id");
            assert!(matches!(err, StoreError::DuplicateId { .. }), "{err:?}");
            assert_eq!(s.items(None).expect("items"), first, "{url}");
            assert_eq!(index_sql(&mut s), index, "{url}");
            // And the same import without the duplicate goes through, index and all.
            next.pop();
            import(&mut s, "b.csv", &next).expect("import");
            assert_eq!(s.items(None).expect("items").len(), 209);
            assert_eq!(index_sql(&mut s), index, "{url}");
            // The import's settings are undone, after a failure too.
            if let Backend::Sqlite(q) = &s.backend {
                let fk: i64 = q.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).expect("pragma");
                let cache: i64 = q.conn.pragma_query_value(None, "cache_size", |r| r.get(0)).expect("pragma");
                assert_eq!((fk, cache), (1, -2000));
            }
        }
    }
}
