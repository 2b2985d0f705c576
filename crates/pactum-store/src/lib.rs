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
mod sqlite;

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
        let recorded_on = match recorded {
            Recorded::On(d) => d,
            Recorded::AtSourceDate => source_day(it).unwrap_or(it.date.first),
        };
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
        let rel = match self.rel.as_str() {
            "denies" => Relation::Denies,
            "corrects" => Relation::Corrects,
            "retracts" => Relation::Retracts,
            _ => Relation::Asserts,
        };
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

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = 1;

enum Backend {
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
            Backend::Sqlite(s) => s.import_stream(meta, &hash, produce),
            Backend::Postgres(p) => p.import_stream(meta, &hash, produce),
        }
    }

    /// Every item the store holds, or only those recorded on or before `known_on`: what a
    /// monitor could have known that day. In the order they were added.
    pub fn items(&mut self, known_on: Option<Date>) -> Result<Vec<Item>, StoreError> {
        let rows = match &mut self.backend {
            Backend::Sqlite(s) => s.items(known_on)?,
            Backend::Postgres(p) => p.items(known_on)?,
        };
        Ok(rows.into_iter().map(Row::into_item).collect())
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
