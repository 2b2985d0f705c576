//! The embedded backend: one SQLite file, no set-up.

use crate::{ImportMeta, ImportOutcome, ImportRecord, Producer, Row, StoreError, StoreUrl, StreamError, SCHEMA_VERSION};
use pactum_base::Date;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

const MIGRATIONS: &[&str] = &[r#"
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
"#];

const COLUMNS: &str = "id, recorded_on, date_first, date_last, kind, actor, target, q_low, q_high, place, rel, ref, \
    source_outlet, source_date, source_title, source_url, note, origin_file, origin_row";

pub struct Sqlite {
    conn: Connection,
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

    pub fn import_stream(&mut self, meta: &ImportMeta, hash: &str, produce: &mut Producer) -> Result<ImportOutcome, StreamError> {
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
                let r = Row::from_item(&it, meta.recorded);
                let res = stmt.execute(params![
                    import_id,
                    r.id,
                    r.recorded_on,
                    r.date_first,
                    r.date_last,
                    r.kind,
                    r.actor,
                    r.target,
                    r.q_low,
                    r.q_high,
                    r.place,
                    r.rel,
                    r.reference,
                    r.source_outlet,
                    r.source_date,
                    r.source_title,
                    r.source_url,
                    r.note,
                    r.origin_file,
                    r.origin_row
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
        tx.execute(
            "INSERT INTO imports (id, file_name, content_hash, dataset, row_count, items_added, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![import_id, meta.file_name, hash, meta.dataset, rows as i64, added as i64, meta.imported_at],
        )
        .map_err(StoreError::from)?;
        let rec = tx.query_row(&format!("{sel} WHERE id = ?1"), [import_id], import_from).map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(ImportOutcome::Added(rec))
    }

    pub fn items(&mut self, known_on: Option<Date>) -> Result<Vec<Row>, StoreError> {
        let bound = known_on.map_or(i32::MAX, |d| d.days());
        let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS} FROM items WHERE recorded_on <= ?1 ORDER BY seq"))?;
        let rows = stmt.query_map([bound], row_from)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
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
