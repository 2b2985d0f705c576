//! What the server derives from the store: the checked case, the prepared evidence and
//! evaluations, tagged with the store version they come from. Each request reads the store's
//! version (one indexed query) and reuses the snapshot if nothing changed; otherwise one
//! request rebuilds it, reading only the new items when only evidence was added.

use crate::error::ApiError;
use crate::App;
use axum::http::StatusCode;
use pactum_base::Date;
use pactum_check::Case;
use pactum_engine::{Prepared, Report};
use pactum_evidence::{EvidenceError, Item, Relation};
use pactum_store::{Document, StoreVersion};
use pactum_syntax::{Diagnostic, Severity, SourceMap};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// The agreement files and what the checker made of them.
pub struct CaseState {
    pub docs: Vec<Document>,
    pub case: Case,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
}

impl CaseState {
    pub fn check(docs: Vec<Document>) -> CaseState {
        let inputs: Vec<(String, String)> = docs.iter().map(|d| (d.name.clone(), d.text.clone().unwrap_or_default())).collect();
        let (case, diagnostics, sources) = pactum_check::check_sources(&inputs);
        CaseState { docs, case, diagnostics, sources }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Who points at an item: the denials, corrections and retractions of it.
#[derive(Default)]
pub struct Relations {
    pub denied_by: HashMap<String, Vec<String>>,
    pub corrected_by: HashMap<String, Vec<String>>,
    pub retracted_by: HashMap<String, Vec<String>>,
}

pub struct Snapshot {
    pub version: StoreVersion,
    pub case: Arc<CaseState>,
    /// Every item, sorted by id (also those the case cannot use, for the evidence page).
    pub items: Arc<Vec<Item>>,
    pub evidence: Result<Prepared, Vec<EvidenceError>>,
    evals: Mutex<Lru<Date, Arc<Report>>>,
    relations: OnceLock<Relations>,
    /// Answers already serialised, by request path and query: a read that the store has not
    /// changed since costs a lookup.
    answers: Mutex<Lru<String, axum::body::Bytes>>,
}

const CACHE_SIZE: usize = 256;

fn eval_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

/// A small least-recently-used map: the dates people look at most stay cached when many
/// others are asked for once.
pub struct Lru<K, V> {
    map: HashMap<K, (V, u64)>,
    tick: u64,
}

impl<K, V> Default for Lru<K, V> {
    fn default() -> Self {
        Lru { map: HashMap::new(), tick: 0 }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> Lru<K, V> {
    pub fn get(&mut self, k: &K) -> Option<V> {
        self.tick += 1;
        let t = self.tick;
        self.map.get_mut(k).map(|(v, used)| {
            *used = t;
            v.clone()
        })
    }

    pub fn put(&mut self, k: K, v: V) {
        self.tick += 1;
        if self.map.len() >= CACHE_SIZE && !self.map.contains_key(&k) {
            // A scan of 256 entries on a miss costs far less than the evaluation that caused it.
            if let Some(oldest) = self.map.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone()) {
                self.map.remove(&oldest);
            }
        }
        self.map.insert(k, (v, self.tick));
    }
}

impl Snapshot {
    fn new(version: StoreVersion, case: Arc<CaseState>, mut items: Vec<Item>) -> Snapshot {
        items.sort_by(|a, b| a.id.cmp(&b.id));
        let evidence = pactum_engine::prepare(&case.case, items.clone());
        Snapshot::with(version, case, evidence, items)
    }

    /// The snapshot with `new` items added: only they are prepared (`Prepared::extend`), if
    /// the evidence held so far fits the case.
    fn extended(&self, version: StoreVersion, new: Vec<Item>) -> Snapshot {
        if let Ok(ev) = &self.evidence {
            let mut ev = ev.clone();
            if ev.extend(&self.case.case, new.clone()).is_ok() {
                return Snapshot::with(version, self.case.clone(), Ok(ev), Vec::new());
            }
        }
        // The evidence does not fit the case: prepare it all, for the errors.
        let mut items = self.items.as_ref().clone();
        items.extend(new);
        Snapshot::new(version, self.case.clone(), items)
    }

    /// `items` (sorted by id) is kept only when the evidence did not prepare; otherwise the
    /// prepared items, the same sorted by id, are shared.
    fn with(version: StoreVersion, case: Arc<CaseState>, evidence: Result<Prepared, Vec<EvidenceError>>, items: Vec<Item>) -> Snapshot {
        let items = match &evidence {
            Ok(ev) => ev.items.clone(),
            Err(_) => Arc::new(items),
        };
        Snapshot {
            version,
            case,
            items,
            evidence,
            evals: Mutex::new(Lru::default()),
            relations: OnceLock::new(),
            answers: Mutex::new(Lru::default()),
        }
    }

    /// The state of every provision on `as_of`, computed once per store version and date.
    pub fn evaluate(&self, as_of: Date) -> Result<Arc<Report>, ApiError> {
        if self.case.has_errors() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "case_has_errors",
                "the agreement files in the store have errors, so nothing can be evaluated; an admin can see them at GET /api/v1/check",
            ));
        }
        let ev = match &self.evidence {
            Ok(ev) => ev,
            Err(errs) => {
                let first = errs.first().map_or(String::new(), |e| format!(": {} (item from {} row {})", e.message, e.file, e.row));
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "evidence_has_errors",
                    format!("the evidence in the store does not fit the agreements{first}; {} problem(s) in all", errs.len()),
                ));
            }
        };
        if let Some(r) = self.evals.lock().ok().and_then(|mut m| m.get(&as_of)) {
            return Ok(r);
        }
        let r = Arc::new(pactum_engine::evaluate(&self.case.case, ev, as_of));
        if let Ok(mut m) = self.evals.lock() {
            m.put(as_of, r.clone());
        }
        Ok(r)
    }

    /// The JSON answer for `key` (a path and query), made by `make` the first time. Making it
    /// (an evaluation, charts) takes a millisecond or more, so it runs on the blocking pool and
    /// never holds up the async workers that answer cached requests.
    pub async fn answer(
        self: &Arc<Self>,
        key: String,
        make: impl FnOnce(&Snapshot) -> Result<serde_json::Value, ApiError> + Send + 'static,
    ) -> Result<axum::body::Bytes, ApiError> {
        if let Some(b) = self.answers.lock().ok().and_then(|mut m| m.get(&key)) {
            return Ok(b);
        }
        let snap = self.clone();
        let internal = |e: String| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e);
        // As many evaluations at once as there are cores: more only makes each one slower
        // (measured: 64 concurrent misses on 2 cores doubled p99).
        let _slot = eval_slots().acquire().await.map_err(|e| internal(format!("the server is shutting down: {e}")))?;
        // Another request for the same answer may have made it while this one waited.
        if let Some(b) = self.answers.lock().ok().and_then(|mut m| m.get(&key)) {
            return Ok(b);
        }
        tokio::task::spawn_blocking(move || {
            let v = make(&snap)?;
            let b = axum::body::Bytes::from(serde_json::to_vec(&v).map_err(|e| internal(format!("the answer could not be written: {e}")))?);
            if let Ok(mut m) = snap.answers.lock() {
                m.put(key, b.clone());
            }
            Ok(b)
        })
        .await
        .map_err(|e| internal(format!("the answer could not be made: {e}")))?
    }

    pub fn relations(&self) -> &Relations {
        self.relations.get_or_init(|| {
            let mut r = Relations::default();
            for it in self.items.iter() {
                let Some(target) = &it.reference else { continue };
                let map = match it.rel {
                    Relation::Denies => &mut r.denied_by,
                    Relation::Corrects => &mut r.corrected_by,
                    Relation::Retracts => &mut r.retracted_by,
                    Relation::Asserts => continue,
                };
                map.entry(target.clone()).or_default().push(it.id.clone());
            }
            r
        })
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.binary_search_by(|it| it.id.as_str().cmp(id)).ok().map(|i| &self.items[i])
    }
}

#[derive(Default)]
pub struct Snapshots {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl Snapshots {
    fn get(&self) -> Option<Arc<Snapshot>> {
        self.current.read().ok().and_then(|g| g.clone())
    }
    fn set(&self, s: Arc<Snapshot>) {
        if let Ok(mut g) = self.current.write() {
            *g = Some(s);
        }
    }
}

/// The snapshot for the store as it is now.
pub async fn current(app: &Arc<App>) -> Result<Arc<Snapshot>, ApiError> {
    let version = app.pool.run_quick(|s| s.version()).await?;
    if let Some(s) = app.snapshots.get() {
        if s.version == version {
            return Ok(s);
        }
    }
    let _guard = app.snapshots.rebuild.lock().await;
    let old = app.snapshots.get();
    if let Some(s) = &old {
        // Another request rebuilt it while this one waited.
        if s.version.items >= version.items && s.version.documents >= version.documents {
            return Ok(s.clone());
        }
    }
    let old2 = old.clone();
    let snap = app
        .pool
        .run(move |s| {
            let version = s.version()?;
            match old2 {
                // Only evidence was added: read just the new items.
                Some(o) if o.version.documents == version.documents && o.version.items <= version.items => {
                    let (new, last) = s.items_since(o.version.items)?;
                    Ok(o.extended(StoreVersion { items: last.max(o.version.items), documents: version.documents }, new))
                }
                _ => {
                    let case = Arc::new(CaseState::check(s.documents()?));
                    let (items, last) = s.items_since(0)?;
                    Ok(Snapshot::new(StoreVersion { items: last, documents: version.documents }, case, items))
                }
            }
        })
        .await?;
    let snap = Arc::new(snap);
    app.snapshots.set(snap.clone());
    Ok(snap)
}

/// The evidence as known on a past day: read from the store for this request only.
pub async fn known_on(app: &Arc<App>, day: Date) -> Result<Arc<Snapshot>, ApiError> {
    let cur = current(app).await?;
    let items = app.pool.run(move |s| s.items(Some(day))).await?;
    Ok(Arc::new(Snapshot::new(cur.version, cur.case.clone(), items)))
}
