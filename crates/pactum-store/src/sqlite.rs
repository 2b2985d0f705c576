//! The embedded backend: one SQLite file, no set-up.

use crate::{
    lean_item, recorded_day, AuditEntry, ImportMeta, ImportOutcome, ImportRecord, Producer, Row, StoreError, StoreUrl, StreamError,
    LEAN_COLUMNS, SCHEMA_VERSION,
};
use pactum_base::Date;
use pactum_evidence::Item;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    dataset TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    items_added INTEGER NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE items (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    import_id INTEGER NOT NULL REFERENCES imports(id) DEFERRABLE INITIALLY DEFERRED,
    recorded_on INTEGER NOT NULL,
    date_first INTEGER NOT NULL,
    date_last INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    target TEXT,
    q_low REAL,
    q_high REAL,
    place TEXT,
    rel TEXT NOT NULL,
    ref TEXT,
    source_outlet TEXT NOT NULL,
    source_date TEXT NOT NULL,
    source_title TEXT,
    source_url TEXT,
    note TEXT,
    origin_file TEXT NOT NULL,
    origin_row INTEGER NOT NULL
);
CREATE INDEX items_recorded_on ON items(recorded_on);
CREATE TRIGGER items_no_update BEFORE UPDATE ON items BEGIN SELECT RAISE(ABORT, 'evidence is never overwritten: add a correction instead'); END;
CREATE TRIGGER items_no_delete BEFORE DELETE ON items BEGIN SELECT RAISE(ABORT, 'evidence is never deleted: add a retraction instead'); END;
CREATE TRIGGER imports_no_update BEFORE UPDATE ON imports BEGIN SELECT RAISE(ABORT, 'the import log is append-only'); END;
CREATE TRIGGER imports_no_delete BEFORE DELETE ON imports BEGIN SELECT RAISE(ABORT, 'the import log is append-only'); END;
"#,
    r#"
CREATE TABLE documents (
    seq INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    text TEXT,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX documents_name ON documents(name, seq);
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users(name),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_name TEXT NOT NULL REFERENCES users(name),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents BEGIN SELECT RAISE(ABORT, 'agreement files are versioned, never overwritten'); END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents BEGIN SELECT RAISE(ABORT, 'agreement files are versioned, never deleted'); END;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#,
];

const COLUMNS: &str = "id, recorded_on, date_first, date_last, kind, actor, target, q_low, q_high, place, rel, ref, \
    source_outlet, source_date, source_title, source_url, note, origin_file, origin_row";

/// The page cache of an import, in KiB (SQLite's negative `cache_size`): 256 MiB.
const IMPORT_CACHE_KIB: i64 = -262_144;

/// An import of at least this many items (and at least as many as the store holds) drops the
/// index on `recorded_on` while it inserts, and builds it again before it commits.
const BULK_ITEMS: u64 = if cfg!(test) { 50 } else { 100_000 };

/// The index on `recorded_on`, exactly as the first migration creates it.
const RECORDED_ON_INDEX: &str = "CREATE INDEX items_recorded_on ON items(recorded_on)";

pub struct Sqlite {
    pub(crate) conn: Connection,
}

fn row_from(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        recorded_on: r.get(1)?,
        date_first: r.get(2)?,
        date_last: r.get(3)?,
        kind: r.get(4)?,
        actor: r.get(5)?,
        target: r.get(6)?,
        q_low: r.get(7)?,
        q_high: r.get(8)?,
        place: r.get(9)?,
        rel: r.get(10)?,
        reference: r.get(11)?,
        source_outlet: r.get(12)?,
        source_date: r.get(13)?,
        source_title: r.get(14)?,
        source_url: r.get(15)?,
        note: r.get(16)?,
        origin_file: r.get(17)?,
        origin_row: r.get(18)?,
    })
}

fn import_from(r: &rusqlite::Row) -> rusqlite::Result<ImportRecord> {
    Ok(ImportRecord {
        id: r.get(0)?,
        file_name: r.get(1)?,
        content_hash: r.get(2)?,
        dataset: r.get(3)?,
        rows: r.get::<_, i64>(4)? as u64,
        items_added: r.get::<_, i64>(5)? as u64,
        imported_at: r.get(6)?,
    })
}

impl Sqlite {
    pub fn open(path: &Path, url: &StoreUrl) -> Result<Sqlite, StoreError> {
        let open_err = |e: rusqlite::Error| StoreError::Open { url: url.to_string(), message: e.to_string() };
        let conn = Connection::open(path).map_err(open_err)?;
        // WAL keeps readers working during an import; FULL sync means an acknowledged import
        // survives a crash of the machine, not only of the process.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(open_err)?;
        let mut s = Sqlite { conn };
        s.migrate(url)?;
        Ok(s)
    }

    fn migrate(&mut self, url: &StoreUrl) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS pactum_schema (version INTEGER NOT NULL)")?;
        let found: Option<i64> = tx.query_row("SELECT max(version) FROM pactum_schema", [], |r| r.get(0)).optional()?.flatten();
        let found = found.unwrap_or(0);
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew { url: url.to_string(), found, known: SCHEMA_VERSION });
        }
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let version = i as i64 + 1;
            if version > found {
                tx.execute_batch(m)?;
                tx.execute("INSERT INTO pactum_schema (version) VALUES (?1)", [version])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn import_stream(
        &mut self,
        meta: &ImportMeta,
        hash: &str,
        produce: &mut Producer,
        audit: Option<&AuditEntry>,
    ) -> Result<ImportOutcome, StreamError> {
        // A large page cache while importing: with SQLite's default 2 MB, inserting into the
        // index on `recorded_on` of a large store re-reads the index pages it has just evicted
        // (an import of 1,000,000 items into a fresh store with the index kept: 16.4 s for the
        // store's part with 2 MB, 10.6 s with 256 MB). A bulk import drops that index, and then
        // the cache does not help: it goes back to its size at once (see BULK_ITEMS). Only the
        // pages used are allocated; the cache is given back afterwards.
        let before: i64 = self.conn.pragma_query_value(None, "cache_size", |r| r.get(0)).map_err(StoreError::from)?;
        self.conn.pragma_update(None, "cache_size", IMPORT_CACHE_KIB).map_err(StoreError::from)?;
        // No foreign-key bookkeeping during the import: the items reference the import's row,
        // which is written last, in the same transaction, so each item counts as a deferred
        // violation, and writing the row then makes SQLite look for the items that reference
        // it: a scan of the whole `items` table (`import_id` has no index), on every import,
        // however small. The reference holds by construction (the row and its items commit
        // together or not at all), so the check is switched off for the transaction and on
        // again after it (the pragma is a no-op inside a transaction).
        self.conn.pragma_update(None, "foreign_keys", false).map_err(StoreError::from)?;
        let out = self.import_in_transaction(meta, hash, produce, audit, before);
        let restored = self
            .conn
            .pragma_update(None, "foreign_keys", true)
            .and_then(|_| self.conn.pragma_update(None, "cache_size", before))
            .and_then(|_| self.conn.execute_batch("PRAGMA shrink_memory"));
        let out = out?;
        restored.map_err(StoreError::from)?;
        Ok(out)
    }

    fn import_in_transaction(
        &mut self,
        meta: &ImportMeta,
        hash: &str,
        produce: &mut Producer,
        audit: Option<&AuditEntry>,
        normal_cache: i64,
    ) -> Result<ImportOutcome, StreamError> {
        let sel = "SELECT id, file_name, content_hash, dataset, row_count, items_added, imported_at FROM imports";
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        if let Some(rec) =
            tx.query_row(&format!("{sel} WHERE content_hash = ?1"), [hash], import_from).optional().map_err(StoreError::from)?
        {
            return Ok(ImportOutcome::AlreadyImported(rec));
        }
        // The import's row is written last, when its counts are known (the log is append-only);
        // the items' reference to it is checked at commit.
        let import_id: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM imports", [], |r| r.get(0)).map_err(StoreError::from)?;
        let mut added = 0u64;
        let mut failed: Option<StoreError> = None;
        // A large import does without the index on `recorded_on` until its rows are in, then
        // builds it again in the same transaction: with `--recorded-on source` its keys come in
        // random order, and one sort costs far less than millions of random inserts. "Large":
        // at least BULK_ITEMS items and at least as many as the store held (the new index
        // sorts the old rows too). The append-only triggers block changes to rows, not to
        // indexes; a failed import rolls the index back with everything else.
        let held: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM items", [], |r| r.get(0)).map_err(StoreError::from)?;
        let bulk_at = BULK_ITEMS.max(u64::try_from(held).unwrap_or(0));
        let mut index_dropped = false;
        let rows = {
            let mut stmt = tx
                .prepare(&format!(
                    "INSERT INTO items (import_id, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
                ))
                .map_err(StoreError::from)?;
            let mut sink = |it: pactum_evidence::Item| {
                if failed.is_some() {
                    return;
                }
                if added == bulk_at && !index_dropped {
                    let dropped = tx
                        .execute_batch("DROP INDEX items_recorded_on")
                        .and_then(|_| tx.pragma_update(None, "cache_size", normal_cache))
                        .and_then(|_| tx.execute_batch("PRAGMA shrink_memory"));
                    if let Err(e) = dropped {
                        failed = Some(e.into());
                        return;
                    }
                    index_dropped = true;
                }
                // Bound straight from the item: no copy of its strings.
                let res = stmt.execute(params![
                    import_id,
                    it.id,
                    recorded_day(&it, meta.recorded).days(),
                    it.date.first.days(),
                    it.date.last.days(),
                    it.kind,
                    it.actor,
                    it.target,
                    it.quantity.map(|q| q.low),
                    it.quantity.map(|q| q.high),
                    it.place,
                    it.rel.as_str(),
                    it.reference,
                    it.source.outlet,
                    it.source.date,
                    it.source.title,
                    it.source.url,
                    it.note,
                    it.origin.file,
                    it.origin.row as i64
                ]);
                match res {
                    Ok(_) => added += 1,
                    Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                        failed = Some(StoreError::DuplicateId { id: it.id.clone(), file: it.origin.file.clone(), row: it.origin.row })
                    }
                    Err(e) => failed = Some(e.into()),
                }
            };
            produce(&mut sink)
        };
        if let Some(e) = failed {
            return Err(StreamError::Store(e));
        }
        let rows = rows.map_err(StreamError::Input)?;
        if index_dropped {
            tx.execute_batch(RECORDED_ON_INDEX).map_err(StoreError::from)?;
        }
        tx.execute(
            "INSERT INTO imports (id, file_name, content_hash, dataset, row_count, items_added, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![import_id, meta.file_name, hash, meta.dataset, rows as i64, added as i64, meta.imported_at],
        )
        .map_err(StoreError::from)?;
        let rec = tx.query_row(&format!("{sel} WHERE id = ?1"), [import_id], import_from).map_err(StoreError::from)?;
        if let Some(a) = audit {
            crate::sqlite_team::insert_audit(&tx, a).map_err(StoreError::from)?;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(ImportOutcome::Added(rec))
    }

    pub fn items(&mut self, known_on: Option<Date>) -> Result<Vec<Item>, StoreError> {
        let bound = known_on.map_or(i32::MAX, |d| d.days());
        let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS} FROM items WHERE recorded_on <= ?1 ORDER BY seq"))?;
        let items = stmt.query_map([bound], |r| row_from(r).map(Row::into_item))?.collect::<Result<Vec<_>, _>>()?;
        Ok(items)
    }

    pub fn items_lean(&mut self, known_on: Option<Date>) -> Result<Vec<Item>, StoreError> {
        let bound = known_on.map_or(i32::MAX, |d| d.days());
        Ok(self.lean("recorded_on <= ?1", i64::from(bound))?.0)
    }

    pub fn items_since_lean(&mut self, after: i64) -> Result<(Vec<Item>, i64), StoreError> {
        let (items, last) = self.lean("seq > ?1", after)?;
        Ok((items, last.max(after)))
    }

    /// Lean items matching a filter on one parameter, in the order they were added, and the
    /// last sequence number read (0 if none).
    fn lean(&mut self, filter: &str, param: i64) -> Result<(Vec<Item>, i64), StoreError> {
        let mut stmt = self.conn.prepare(&format!("SELECT {LEAN_COLUMNS}, seq FROM items WHERE {filter} ORDER BY seq"))?;
        let mut rows = stmt.query([param])?;
        let mut out = Vec::new();
        let mut last = 0;
        while let Some(r) = rows.next()? {
            let rel = r.get_ref(9)?;
            let rel = rel.as_str().map_err(|e| rusqlite::Error::FromSqlConversionFailure(9, rel.data_type(), Box::new(e)))?;
            out.push(lean_item(
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                (r.get(6)?, r.get(7)?),
                r.get(8)?,
                rel,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
            ));
            last = r.get(13)?;
        }
        Ok((out, last))
    }

    /// The items with these ids, with their sequence numbers.
    pub fn items_by_ids(&mut self, ids: &[String]) -> Result<Vec<(i64, Item)>, StoreError> {
        let marks = vec!["?"; ids.len()].join(",");
        let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS}, seq FROM items WHERE id IN ({marks})"))?;
        let v = stmt
            .query_map(rusqlite::params_from_iter(ids.iter()), |r| Ok((r.get::<_, i64>(19)?, row_from(r)?.into_item())))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(v)
    }

    pub fn items_since(&mut self, after: i64) -> Result<(Vec<Row>, i64), StoreError> {
        let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS}, seq FROM items WHERE seq > ?1 ORDER BY seq"))?;
        let mut last = after;
        let rows = stmt
            .query_map([after], |r| {
                let seq: i64 = r.get(19)?;
                Ok((row_from(r)?, seq))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let rows = rows
            .into_iter()
            .map(|(row, seq)| {
                last = last.max(seq);
                row
            })
            .collect();
        Ok((rows, last))
    }

    pub fn imports(&mut self) -> Result<Vec<ImportRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, file_name, content_hash, dataset, row_count, items_added, imported_at FROM imports ORDER BY id")?;
        let v = stmt.query_map([], import_from)?.collect::<Result<Vec<_>, _>>()?;
        Ok(v)
    }

    pub fn existing(&mut self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        let marks = vec!["?"; ids.len()].join(",");
        let mut stmt = self.conn.prepare(&format!("SELECT id FROM items WHERE id IN ({marks})"))?;
        let v = stmt.query_map(rusqlite::params_from_iter(ids.iter()), |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(v)
    }

    pub fn count(&mut self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row("SELECT count(*) FROM items", [], |r| r.get::<_, i64>(0))? as u64)
    }
}
