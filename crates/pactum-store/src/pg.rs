//! The shared backend: PostgreSQL, for a team and for several server instances.

use crate::{
    lean_item, AuditEntry, ImportMeta, ImportOutcome, ImportRecord, Producer, Row, StoreError, StoreUrl, StreamError, LEAN_COLUMNS,
    SCHEMA_VERSION,
};
use pactum_base::Date;
use pactum_evidence::Item;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};
use std::io::Write;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE imports (
    id BIGSERIAL PRIMARY KEY,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    dataset TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    items_added BIGINT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE items (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    import_id BIGINT NOT NULL REFERENCES imports(id) DEFERRABLE INITIALLY DEFERRED,
    recorded_on INTEGER NOT NULL,
    date_first INTEGER NOT NULL,
    date_last INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    target TEXT,
    q_low DOUBLE PRECISION,
    q_high DOUBLE PRECISION,
    place TEXT,
    rel TEXT NOT NULL,
    ref TEXT,
    source_outlet TEXT NOT NULL,
    source_date TEXT NOT NULL,
    source_title TEXT,
    source_url TEXT,
    note TEXT,
    origin_file TEXT NOT NULL,
    origin_row BIGINT NOT NULL
);
CREATE INDEX items_recorded_on ON items(recorded_on);
CREATE FUNCTION pactum_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'evidence is never overwritten or deleted: add a correction or a retraction instead';
END $$;
CREATE TRIGGER items_append_only BEFORE UPDATE OR DELETE ON items FOR EACH ROW EXECUTE FUNCTION pactum_append_only();
CREATE TRIGGER imports_append_only BEFORE UPDATE OR DELETE ON imports FOR EACH ROW EXECUTE FUNCTION pactum_append_only();
"#,
    r#"
CREATE TABLE documents (
    seq BIGSERIAL PRIMARY KEY,
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
    expires_at BIGINT NOT NULL
);
CREATE TABLE tokens (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_name TEXT NOT NULL REFERENCES users(name),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE audit (
    seq BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents FOR EACH ROW EXECUTE FUNCTION pactum_append_only();
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION pactum_append_only();
"#,
];

const COLUMNS: &str = "id, recorded_on, date_first, date_last, kind, actor, target, q_low, q_high, place, rel, ref, \
    source_outlet, source_date, source_title, source_url, note, origin_file, origin_row";

/// Any key that serialises schema changes between pactum processes sharing one database.
const MIGRATION_LOCK: i64 = 0x7061_6374_756d;

pub struct Pg {
    pub(crate) client: Client,
}

fn row_from(r: &postgres::Row) -> Row {
    Row {
        id: r.get(0),
        recorded_on: r.get(1),
        date_first: r.get(2),
        date_last: r.get(3),
        kind: r.get(4),
        actor: r.get(5),
        target: r.get(6),
        q_low: r.get(7),
        q_high: r.get(8),
        place: r.get(9),
        rel: r.get(10),
        reference: r.get(11),
        source_outlet: r.get(12),
        source_date: r.get(13),
        source_title: r.get(14),
        source_url: r.get(15),
        note: r.get(16),
        origin_file: r.get(17),
        origin_row: r.get(18),
    }
}

fn import_from(r: &postgres::Row) -> ImportRecord {
    ImportRecord {
        id: r.get(0),
        file_name: r.get(1),
        content_hash: r.get(2),
        dataset: r.get(3),
        rows: r.get::<_, i64>(4) as u64,
        items_added: r.get::<_, i64>(5) as u64,
        imported_at: r.get(6),
    }
}

/// A 64-bit hash of an item id (FNV-1a): enough to find a row again after a failed COPY.
fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A field in PostgreSQL's COPY text format.
fn copy_field(out: &mut Vec<u8>, v: Option<&str>) {
    match v {
        None => out.extend_from_slice(b"\\N"),
        Some(s) => {
            for b in s.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
    }
}

impl Pg {
    pub fn open(conn: &str, url: &StoreUrl) -> Result<Pg, StoreError> {
        let client = Client::connect(conn, NoTls).map_err(|e| StoreError::Open { url: url.to_string(), message: e.to_string() })?;
        let mut p = Pg { client };
        p.migrate(url)?;
        Ok(p)
    }

    fn migrate(&mut self, url: &StoreUrl) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS pactum_schema (version BIGINT NOT NULL)")?;
        let found: Option<i64> = tx.query_one("SELECT max(version) FROM pactum_schema", &[])?.get(0);
        let found = found.unwrap_or(0);
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew { url: url.to_string(), found, known: SCHEMA_VERSION });
        }
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let version = i as i64 + 1;
            if version > found {
                tx.batch_execute(m)?;
                tx.execute("INSERT INTO pactum_schema (version) VALUES ($1)", &[&version])?;
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
        let mut tx = self.client.transaction().map_err(StoreError::from)?;
        // Two imports of the same file at once: the second waits, then finds the first.
        tx.execute("LOCK TABLE imports IN SHARE ROW EXCLUSIVE MODE", &[]).map_err(StoreError::from)?;
        let sel = "SELECT id, file_name, content_hash, dataset, row_count, items_added, imported_at FROM imports";
        if let Some(r) = tx.query_opt(&format!("{sel} WHERE content_hash = $1"), &[&hash]).map_err(StoreError::from)? {
            return Ok(ImportOutcome::AlreadyImported(import_from(&r)));
        }
        // The import's row is written last, when its counts are known (the log is append-only);
        // the items' reference to it is checked at commit.
        let import_id: i64 = tx.query_one("SELECT nextval(pg_get_serial_sequence('imports', 'id'))", &[]).map_err(StoreError::from)?.get(0);
        // Each item's id (hashed) and row, so that a duplicate reported by the server at the end
        // of COPY can be traced to its row without keeping the items.
        let mut rows_of: Vec<(u64, u64)> = Vec::new();
        let mut added = 0u64;
        let mut io_error: Option<std::io::Error> = None;
        let copy = format!("COPY items (import_id, {COLUMNS}) FROM STDIN");
        let mut w = tx.copy_in(&copy).map_err(StoreError::from)?;
        let id_text = import_id.to_string();
        let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
        let produced = {
            let mut sink = |it: pactum_evidence::Item| {
                if io_error.is_some() {
                    return;
                }
                rows_of.push((id_hash(&it.id), it.origin.row));
                let r = Row::from_item(&it, meta.recorded);
                let nums = [r.recorded_on.to_string(), r.date_first.to_string(), r.date_last.to_string()];
                let q_low = r.q_low.map(|v| format!("{v:?}"));
                let q_high = r.q_high.map(|v| format!("{v:?}"));
                let origin_row = r.origin_row.to_string();
                let fields: [Option<&str>; 20] = [
                    Some(&id_text),
                    Some(&r.id),
                    Some(&nums[0]),
                    Some(&nums[1]),
                    Some(&nums[2]),
                    Some(&r.kind),
                    r.actor.as_deref(),
                    r.target.as_deref(),
                    q_low.as_deref(),
                    q_high.as_deref(),
                    r.place.as_deref(),
                    Some(&r.rel),
                    r.reference.as_deref(),
                    Some(&r.source_outlet),
                    Some(&r.source_date),
                    r.source_title.as_deref(),
                    r.source_url.as_deref(),
                    r.note.as_deref(),
                    Some(&r.origin_file),
                    Some(&origin_row),
                ];
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        buf.push(b'\t');
                    }
                    copy_field(&mut buf, *f);
                }
                buf.push(b'\n');
                added += 1;
                if buf.len() > (1 << 20) {
                    if let Err(e) = w.write_all(&buf) {
                        io_error = Some(e);
                    }
                    buf.clear();
                }
            };
            produce(&mut sink)
        };
        if let Some(e) = io_error {
            return Err(StreamError::Store(StoreError::Db(format!("writing to PostgreSQL: {e}"))));
        }
        // Input errors: drop the COPY and the transaction, adding nothing.
        let rows = produced.map_err(StreamError::Input)?;
        if let Err(e) = w.write_all(&buf) {
            return Err(StreamError::Store(StoreError::Db(format!("writing to PostgreSQL: {e}"))));
        }
        if let Err(e) = w.finish() {
            if let Some(db) = e.as_db_error() {
                if db.code() == &postgres::error::SqlState::UNIQUE_VIOLATION {
                    // "Key (id)=(acled:AFG1) already exists."
                    let id = db
                        .detail()
                        .and_then(|d| d.split_once(")=("))
                        .and_then(|(_, rest)| rest.rsplit_once(')'))
                        .map(|(id, _)| id.to_string());
                    if let Some(id) = id {
                        let h = id_hash(&id);
                        // Within one file the second occurrence is the duplicate; otherwise the first.
                        let hits: Vec<u64> = rows_of.iter().filter(|(x, _)| *x == h).map(|(_, row)| *row).collect();
                        let row = if hits.len() > 1 { hits[1] } else { hits.first().copied().unwrap_or(0) };
                        return Err(StreamError::Store(StoreError::DuplicateId { id, file: meta.file_name.to_string(), row }));
                    }
                }
            }
            return Err(StreamError::Store(e.into()));
        }
        tx.execute(
            "INSERT INTO imports (id, file_name, content_hash, dataset, row_count, items_added, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&import_id, &meta.file_name, &hash, &meta.dataset, &(rows as i64), &(added as i64), &meta.imported_at],
        )
        .map_err(StoreError::from)?;
        let rec = import_from(&tx.query_one(&format!("{sel} WHERE id = $1"), &[&import_id]).map_err(StoreError::from)?);
        if let Some(a) = audit {
            crate::pg_team::insert_audit(&mut tx, a).map_err(StoreError::from)?;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(ImportOutcome::Added(rec))
    }

    pub fn items(&mut self, known_on: Option<Date>) -> Result<Vec<Item>, StoreError> {
        let bound = known_on.map_or(i32::MAX, |d| d.days());
        let mut out = Vec::new();
        // Row by row, so that the result set and the items are not held at once.
        let mut rows = self.client.query_raw(&format!("SELECT {COLUMNS} FROM items WHERE recorded_on <= $1 ORDER BY seq"), [&bound])?;
        while let Some(r) = rows.next()? {
            out.push(row_from(&r).into_item());
        }
        Ok(out)
    }

    pub fn items_lean(&mut self, known_on: Option<Date>) -> Result<Vec<Item>, StoreError> {
        let bound = known_on.map_or(i32::MAX, |d| d.days());
        Ok(self.lean("recorded_on <= $1", &bound)?.0)
    }

    pub fn items_since_lean(&mut self, after: i64) -> Result<(Vec<Item>, i64), StoreError> {
        let (items, last) = self.lean("seq > $1", &after)?;
        Ok((items, last.max(after)))
    }

    /// Lean items matching a filter on one parameter, in the order they were added, and the
    /// last sequence number read (0 if none). Row by row, so that the result set and the items
    /// are not held at once.
    fn lean(&mut self, filter: &str, param: &(dyn postgres::types::ToSql + Sync)) -> Result<(Vec<Item>, i64), StoreError> {
        let mut out = Vec::new();
        let mut last = 0;
        let mut rows = self.client.query_raw(&format!("SELECT {LEAN_COLUMNS}, seq FROM items WHERE {filter} ORDER BY seq"), [param])?;
        while let Some(r) = rows.next()? {
            out.push(lean_item(
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                (r.get(6), r.get(7)),
                r.get(8),
                r.get::<_, &str>(9),
                r.get(10),
                r.get(11),
                r.get(12),
            ));
            last = r.get(13);
        }
        Ok((out, last))
    }

    /// The items with these ids, with their sequence numbers.
    pub fn items_by_ids(&mut self, ids: &[String]) -> Result<Vec<(i64, Item)>, StoreError> {
        let rows = self.client.query(&format!("SELECT {COLUMNS}, seq FROM items WHERE id = ANY($1)"), &[&ids])?;
        Ok(rows.iter().map(|r| (r.get::<_, i64>(19), row_from(r).into_item())).collect())
    }

    pub fn items_since(&mut self, after: i64) -> Result<(Vec<Row>, i64), StoreError> {
        let rows = self.client.query(&format!("SELECT {COLUMNS}, seq FROM items WHERE seq > $1 ORDER BY seq"), &[&after])?;
        let last = rows.iter().map(|r| r.get::<_, i64>(19)).max().unwrap_or(after);
        Ok((rows.iter().map(row_from).collect(), last))
    }

    pub fn imports(&mut self) -> Result<Vec<ImportRecord>, StoreError> {
        let rows = self
            .client
            .query("SELECT id, file_name, content_hash, dataset, row_count, items_added, imported_at FROM imports ORDER BY id", &[])?;
        Ok(rows.iter().map(import_from).collect())
    }

    pub fn existing(&mut self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        let rows = self.client.query("SELECT id FROM items WHERE id = ANY($1)", &[&ids])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub fn count(&mut self) -> Result<u64, StoreError> {
        Ok(self.client.query_one("SELECT count(*) FROM items", &[])?.get::<_, i64>(0) as u64)
    }
}
