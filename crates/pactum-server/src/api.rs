//! The routes and their handlers. Each handler: who may call it, what it reads or writes, the
//! JSON it answers. Shapes are documented in docs/api.md and in the OpenAPI document.

use crate::auth::{self, Caller, Via};
use crate::error::ApiError;
use crate::snapshot::{self, CaseState, Snapshot};
use crate::{assets, now, openapi, App};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use pactum_base::Date;
use pactum_evidence::{Item, Relation};
use pactum_store::{AuditEntry, ImportMeta, ImportOutcome, Recorded, Role, StreamError, User};
use pactum_syntax::{Severity, SourceMap};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

type A = State<Arc<App>>;
type Res = Result<Response, ApiError>;

pub const JSON_VERSION: u32 = 1;
/// The largest request body: an agreement file or an evidence item is far smaller.
const MAX_BODY: usize = 4 << 20;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{file}", get(assets::asset))
        .route("/api/v1/health", get(health))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/session", get(session_get).post(session_create).delete(session_delete))
        .route("/api/v1/agreements", get(agreements))
        .route("/api/v1/agreements/{id}", get(agreement))
        .route("/api/v1/agreements/{id}/charts", get(charts))
        .route("/api/v1/status", get(status))
        .route("/api/v1/timeline", get(timeline))
        .route("/api/v1/evidence", get(evidence_list).post(evidence_add))
        .route("/api/v1/evidence/{id}", get(evidence_one))
        .route("/api/v1/evidence/{id}/correct", post(evidence_correct))
        .route("/api/v1/evidence/{id}/retract", post(evidence_retract))
        .route("/api/v1/documents", get(documents))
        .route("/api/v1/documents/{name}", get(document_get).put(document_put).delete(document_delete))
        .route("/api/v1/check", post(check))
        .route("/api/v1/imports", get(imports))
        .route("/api/v1/users", get(users).post(user_create))
        .route("/api/v1/users/{name}", patch(user_update))
        .route("/api/v1/tokens", get(tokens).post(token_create))
        .route("/api/v1/tokens/{id}", axum::routing::delete(token_revoke))
        .route("/api/v1/audit", get(audit_log))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

async fn not_found() -> ApiError {
    ApiError::not_found("there is nothing at this address; the API is described at /api/v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this address does not take that method; see /api/v1/openapi.json")
}

fn ok(v: Value) -> Res {
    Ok(Json(v).into_response())
}

fn created(v: Value) -> Res {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

// ---- request parsing ----

/// A request body, with axum's own refusals (too large, unreadable) turned into JSON errors.
struct Body(Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match <Bytes as axum::extract::FromRequest<S>>::from_request(req, state).await {
            Ok(b) => Ok(Body(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is larger than {} MiB; an agreement file or an evidence item is far smaller", MAX_BODY >> 20),
            )),
            Err(e) => Err(ApiError::new(e.status(), "bad_request", format!("the request body could not be read: {}", e.body_text()))),
        }
    }
}

struct Query(HashMap<String, String>);

fn query(raw: Option<String>) -> Result<Query, ApiError> {
    let mut m = HashMap::new();
    let raw = raw.unwrap_or_default();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = decode(k).ok_or_else(|| ApiError::bad(format!("the query parameter `{k}` is not valid percent-encoding")))?;
        let v = decode(v).ok_or_else(|| ApiError::bad(format!("the value of `{k}` is not valid percent-encoding")).field(k.clone()))?;
        m.insert(k, v);
    }
    Ok(Query(m))
}

fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

impl Query {
    fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn date(&self, k: &str) -> Result<Option<Date>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => {
                Date::parse(v).map(Some).ok_or_else(|| ApiError::bad(format!("`{k}` must be a date like 2020-06-01, not `{v}`")).field(k))
            }
        }
    }

    fn int(&self, k: &str, default: i64, min: i64, max: i64) -> Result<i64, ApiError> {
        match self.get(k) {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::bad(format!("`{k}` must be a whole number from {min} to {max}, not `{v}`")).field(k)),
            },
        }
    }
}

fn body_json(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| ApiError::bad(format!("the request body is not valid JSON: {e}")))?;
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::bad("the request body must be a JSON object, like {\"name\": \"...\"}")),
    }
}

fn text_field<'a>(m: &'a Map<String, Value>, k: &str, required: bool) -> Result<Option<&'a str>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(ApiError::bad(format!("`{k}` is required")).field(k)),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad(format!("`{k}` must be a string")).field(k)),
    }
}

/// The evidence as known on `known_on` if the query gives it, else as the store holds it now.
async fn known(app: &Arc<App>, q: &Query) -> Result<Arc<Snapshot>, ApiError> {
    match q.date("known_on")? {
        Some(day) => snapshot::known_on(app, day).await,
        None => snapshot::current(app).await,
    }
}

/// The state of things on `as_of` (default today), as known on `known_on` if given.
async fn view(app: &Arc<App>, q: &Query) -> Result<(Arc<Snapshot>, Date), ApiError> {
    let as_of = q.date("as_of")?.unwrap_or_else(|| now().1);
    Ok((known(app, q).await?, as_of))
}

fn audit(caller: &Caller, action: &str, target: &str, detail: Value) -> AuditEntry {
    AuditEntry {
        seq: 0,
        at: now().0,
        user: caller.name().to_string(),
        action: action.into(),
        target: target.into(),
        detail: detail.to_string(),
    }
}

// ---- reads ----

async fn health(State(app): A) -> Res {
    ok(json!({"ok": true, "version": env!("CARGO_PKG_VERSION"), "store": app.config.store.to_string()}))
}

const STATES: [&str; 9] = ["met", "met_late", "breached", "disputed", "active", "pending", "suspended", "void", "not_monitorable"];

fn agreement_info(case: &pactum_check::Case, a: &pactum_check::model::AgreementInfo) -> Value {
    let parties: Vec<&str> = a.parties.iter().map(|(p, _)| case.parties[*p].id.as_str()).collect();
    json!({"id": a.id, "title": a.title, "signed": a.signed, "place": a.place, "parties": parties, "file": a.file})
}

async fn agreements(State(app): A, headers: HeaderMap, RawQuery(raw): RawQuery) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let q = query(raw.clone())?;
    let (snap, as_of) = view(&app, &q).await?;
    let key = format!("agreements|{as_of}|{}", raw.unwrap_or_default());
    cached(
        snap.answer(key, move |snap| {
            let report = snap.evaluate(as_of)?;
            let case = &snap.case.case;
            let list: Vec<Value> = case
                .agreements
                .iter()
                .map(|a| {
                    let mut counts: Map<String, Value> = STATES.iter().map(|s| (s.to_string(), json!(0))).collect();
                    let mut n = 0;
                    for p in report.provisions.iter().filter(|p| p.agreement == a.id) {
                        n += 1;
                        let key = serde_json::to_value(p.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                        if let Some(c) = counts.get_mut(&key) {
                            *c = json!(c.as_u64().unwrap_or(0) + 1);
                        }
                    }
                    let mut v = agreement_info(case, a);
                    v["provisions"] = json!(n);
                    v["counts"] = Value::Object(counts);
                    v
                })
                .collect();
            Ok(json!({"version": JSON_VERSION, "as_of": as_of, "agreements": list}))
        })
        .await,
    )
}

/// A JSON answer already serialised.
fn cached(b: Result<Bytes, ApiError>) -> Res {
    Ok(([(header::CONTENT_TYPE, "application/json")], b?).into_response())
}

fn find_agreement<'a>(snap: &'a Snapshot, id: &str) -> Result<&'a pactum_check::model::AgreementInfo, ApiError> {
    snap.case.case.agreements.iter().find(|a| a.id == id).ok_or_else(|| {
        let known: Vec<&str> = snap.case.case.agreements.iter().map(|a| a.id.as_str()).collect();
        ApiError::not_found(format!("there is no agreement `{id}`; the store has: {}", known.join(", ")))
    })
}

async fn agreement(State(app): A, headers: HeaderMap, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let q = query(raw.clone())?;
    let (snap, as_of) = view(&app, &q).await?;
    find_agreement(&snap, &id)?;
    let key = format!("agreement|{id}|{as_of}|{}", raw.unwrap_or_default());
    cached(
        snap.answer(key, move |snap| {
            let a = find_agreement(snap, &id)?;
            let report = snap.evaluate(as_of)?;
            let case = &snap.case.case;
            let provisions: Vec<&pactum_engine::Status> = report.provisions.iter().filter(|p| p.agreement == id).collect();
            let prefix = format!("{id}.");
            let interlocks: Vec<_> = pactum_engine::views::interlocks(case)
                .into_iter()
                .filter(|l| l.from.starts_with(&prefix) || l.to.starts_with(&prefix))
                .collect();
            let gantt = pactum_engine::views::gantt(case, &report, Some(&id));
            Ok(json!({
                "version": JSON_VERSION,
                "as_of": as_of,
                "agreement": agreement_info(case, a),
                "provisions": provisions,
                "interlocks": interlocks,
                "gantt": gantt,
            }))
        })
        .await,
    )
}

async fn charts(State(app): A, headers: HeaderMap, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let q = query(raw.clone())?;
    let (snap, as_of) = view(&app, &q).await?;
    find_agreement(&snap, &id)?;
    let key = format!("charts|{id}|{as_of}|{}", raw.unwrap_or_default());
    cached(
        snap.answer(key, move |snap| {
            snap.evaluate(as_of)?;
            let Ok(ev) = &snap.evidence else { return Err(ApiError::bad("the evidence does not fit the agreements")) };
            let charts = pactum_engine::views::charts(&snap.case.case, ev, as_of, &id);
            Ok(json!({"version": JSON_VERSION, "as_of": as_of, "charts": charts}))
        })
        .await,
    )
}

async fn status(State(app): A, headers: HeaderMap, RawQuery(raw): RawQuery) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let q = query(raw.clone())?;
    let (snap, as_of) = view(&app, &q).await?;
    if let Some(id) = q.get("agreement") {
        find_agreement(&snap, id)?;
    }
    let key = format!("status|{as_of}|{}", raw.unwrap_or_default());
    cached(
        snap.answer(key, move |snap| {
            let report = snap.evaluate(as_of)?;
            let provisions: Vec<&pactum_engine::Status> =
                report.provisions.iter().filter(|p| q.get("agreement").is_none_or(|a| p.agreement == a)).collect();
            Ok(json!({"version": JSON_VERSION, "as_of": as_of, "provisions": provisions}))
        })
        .await,
    )
}

async fn timeline(State(app): A, headers: HeaderMap, RawQuery(raw): RawQuery) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let q = query(raw)?;
    let to = q.date("to")?.unwrap_or_else(|| now().1);
    let from = q.date("from")?;
    if let Some(f) = from {
        if f > to {
            return Err(ApiError::bad(format!("`from` ({f}) is after `to` ({to})")).field("from"));
        }
    }
    let snap = known(&app, &q).await?;
    let report = snap.evaluate(to)?;
    let prefix = q.get("agreement").map(|a| format!("{a}."));
    let changes: Vec<_> = report
        .timeline
        .iter()
        .filter(|c| from.is_none_or(|f| c.date >= f))
        .filter(|c| prefix.as_ref().is_none_or(|p| c.provision.starts_with(p.as_str())))
        .collect();
    ok(json!({"version": JSON_VERSION, "from": from, "to": to, "changes": changes}))
}

fn item_json(it: &Item, snap: &Snapshot) -> Value {
    let rel = snap.relations();
    let list = |m: &HashMap<String, Vec<String>>| m.get(&it.id).cloned().unwrap_or_default();
    json!({
        "id": it.id,
        "date": it.date.to_string(),
        "kind": it.kind,
        "actor": it.actor,
        "target": it.target,
        "quantity": it.quantity.map(|q| json!({"low": q.low, "high": q.high})),
        "place": it.place,
        "rel": it.rel.as_str(),
        "ref": it.reference,
        "source": {"outlet": it.source.outlet, "date": it.source.date, "title": it.source.title, "url": it.source.url},
        "note": it.note,
        "origin": {"file": it.origin.file, "row": it.origin.row},
        "denied_by": list(&rel.denied_by),
        "corrected_by": list(&rel.corrected_by),
        "retracted_by": list(&rel.retracted_by),
        "corrects": if it.rel == Relation::Corrects { it.reference.clone() } else { None },
    })
}

async fn evidence_list(State(app): A, headers: HeaderMap, RawQuery(raw): RawQuery) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let q = query(raw)?;
    let limit = q.int("limit", 100, 1, 1000)? as usize;
    let offset = q.int("offset", 0, 0, i64::MAX)? as usize;
    let snap = known(&app, &q).await?;
    let kind = q.get("kind");
    let needle = q.get("q").map(str::to_lowercase);
    let hay = |it: &Item| {
        let mut s = format!("{} {} {} {}", it.id, it.kind, it.source.outlet, it.date);
        for v in [&it.actor, &it.target, &it.place, &it.note, &it.source.title].into_iter().flatten() {
            s.push(' ');
            s.push_str(v);
        }
        s.to_lowercase()
    };
    let mut hits: Vec<&Item> = snap
        .items
        .iter()
        .filter(|it| kind.is_none_or(|k| it.kind == k))
        .filter(|it| needle.as_ref().is_none_or(|n| hay(it).contains(n.as_str())))
        .collect();
    hits.sort_by(|a, b| (a.date.first, a.date.last, &a.id).cmp(&(b.date.first, b.date.last, &b.id)));
    let total = hits.len();
    let page: Vec<Value> = hits.into_iter().skip(offset).take(limit).map(|it| item_json(it, &snap)).collect();
    let mut kinds: Vec<&str> = snap.case.case.kinds.iter().map(|k| k.name.as_str()).collect();
    kinds.sort();
    ok(json!({"version": JSON_VERSION, "total": total, "offset": offset, "items": page, "kinds": kinds}))
}

async fn evidence_one(State(app): A, headers: HeaderMap, Path(id): Path<String>) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let snap = snapshot::current(&app).await?;
    let it = snap.item(&id).ok_or_else(|| ApiError::not_found(format!("there is no evidence item `{id}`")))?;
    let mut v = item_json(it, &snap);
    v["version"] = json!(JSON_VERSION);
    ok(v)
}

// ---- evidence writes ----

/// Reads a request's item with the evidence format's own checks, so the API accepts exactly
/// what a file would.
fn item_from(obj: &Map<String, Value>) -> Result<Item, ApiError> {
    let line = Value::Object(obj.clone()).to_string();
    match pactum_evidence::read_jsonl("request", &line) {
        Ok(mut v) if v.len() == 1 => Ok(v.remove(0)),
        Ok(_) => Err(ApiError::bad("the body must hold exactly one evidence item")),
        Err(errs) => {
            let e = &errs[0];
            // The request nests the source; the evidence format names its columns flat.
            let field = e.field.as_ref().map(|f| f.strip_prefix("source_").map_or(f.clone(), |rest| format!("source.{rest}")));
            let mut msg = match &field {
                Some(f) => format!("`{f}` {}", e.message),
                None => e.message.clone(),
            };
            if let Some(h) = &e.help {
                msg.push_str("; ");
                msg.push_str(h);
            }
            let mut err = ApiError::bad(msg);
            if let Some(f) = field {
                err = err.field(f);
            }
            Err(err)
        }
    }
}

/// Stores one item checked against `snap`, the store as the handler read it.
async fn store_item(app: &Arc<App>, snap: &Snapshot, caller: &Caller, mut item: Item, action: &str) -> Res {
    let case = &snap.case.case;
    if case.kind_by_name(&item.kind).is_none() {
        let mut kinds: Vec<&str> = case.kinds.iter().map(|k| k.name.as_str()).collect();
        kinds.sort();
        return Err(
            ApiError::bad(format!("the agreements declare no kind `{}`; known kinds: {}", item.kind, kinds.join(", "))).field("kind")
        );
    }
    if let Some(r) = &item.reference {
        if snap.item(r).is_none() {
            return Err(ApiError::bad(format!("there is no item `{r}` to {}", item.rel.as_str().trim_end_matches('s'))).field("ref"));
        }
    }
    if snap.item(&item.id).is_some() {
        return Err(ApiError::conflict(format!(
            "the store already holds an item with the id `{}`; give the new item an id of its own (to replace that item, correct it instead)",
            item.id
        ))
        .field("id"));
    }
    let (at, today, _) = now();
    item.origin = pactum_evidence::Origin { file: format!("api:{}", caller.name()), row: 0 };
    let entry = audit(
        caller,
        action,
        &item.id,
        json!({"kind": item.kind, "rel": item.rel.as_str(), "ref": item.reference, "date": item.date.to_string()}),
    );
    let content = format!("{at}\n{}\n{}\n{}", caller.name(), action, item_line(&item));
    let user = caller.name().to_string();
    let it2 = item.clone();
    let outcome = app
        .pool
        .run(move |s| {
            let meta = ImportMeta {
                file_name: &format!("api:{user}"),
                content: content.as_bytes(),
                dataset: "api",
                recorded: Recorded::On(today),
                imported_at: &at,
            };
            let mut produce = |sink: &mut dyn FnMut(Item)| {
                sink(it2.clone());
                Ok(1)
            };
            match s.import_audited(&meta, &mut produce, &entry) {
                Ok(o) => Ok(o),
                Err(StreamError::Store(e)) => Err(e),
                Err(StreamError::Input(_)) => Err(pactum_store::StoreError::Db("an item made by the server did not read".into())),
            }
        })
        .await?;
    if let ImportOutcome::AlreadyImported(_) = outcome {
        return Err(ApiError::conflict("this exact request was just made; nothing was added twice"));
    }
    let snap = snapshot::current(app).await?;
    let stored = snap.item(&item.id).cloned().unwrap_or(item);
    let mut v = item_json(&stored, &snap);
    v["version"] = json!(JSON_VERSION);
    created(v)
}

fn item_line(it: &Item) -> String {
    format!("{}|{}|{}|{:?}|{:?}|{:?}|{:?}", it.id, it.date, it.kind, it.actor, it.target, it.quantity.map(|q| q.to_string()), it.note)
}

async fn evidence_add(State(app): A, headers: HeaderMap, Body(body): Body) -> Res {
    let caller = auth::require(&app, &headers, Role::Monitor, true).await?;
    let obj = body_json(&body)?;
    if let Some(r) = obj.get("rel").and_then(Value::as_str) {
        if r == "corrects" || r == "retracts" {
            return Err(ApiError::bad(format!(
                "to {} an item use POST /api/v1/evidence/ID/{}",
                r.trim_end_matches('s'),
                r.trim_end_matches('s')
            ))
            .field("rel"));
        }
    }
    let item = item_from(&obj)?;
    let action = if item.rel == Relation::Denies { "evidence.deny" } else { "evidence.add" };
    let snap = snapshot::current(&app).await?;
    store_item(&app, &snap, &caller, item, action).await
}

fn next_id(snap: &Snapshot, base: &str, what: &str) -> String {
    (1..).map(|n| format!("{base}-{what}-{n}")).find(|c| snap.item(c).is_none()).unwrap_or_default()
}

async fn evidence_correct(State(app): A, headers: HeaderMap, Path(id): Path<String>, Body(body): Body) -> Res {
    let caller = auth::require(&app, &headers, Role::Monitor, true).await?;
    let mut obj = body_json(&body)?;
    let snap = snapshot::current(&app).await?;
    let old = snap.item(&id).ok_or_else(|| ApiError::not_found(format!("there is no evidence item `{id}` to correct")))?;
    if old.rel == Relation::Retracts {
        return Err(ApiError::bad(format!("`{id}` is a retraction; correct the item it retracts instead")));
    }
    if !obj.contains_key("id") {
        obj.insert("id".into(), json!(next_id(&snap, &id, "corr")));
    }
    // What the correction does not restate, it keeps from the item it corrects.
    for (k, v) in [("date", json!(old.date.to_string())), ("kind", json!(old.kind))] {
        obj.entry(k).or_insert(v);
    }
    obj.insert("rel".into(), json!("corrects"));
    obj.insert("ref".into(), json!(id));
    let item = item_from(&obj)?;
    store_item(&app, &snap, &caller, item, "evidence.correct").await
}

async fn evidence_retract(State(app): A, headers: HeaderMap, Path(id): Path<String>, Body(body): Body) -> Res {
    let caller = auth::require(&app, &headers, Role::Monitor, true).await?;
    let obj = body_json(&body)?;
    let snap = snapshot::current(&app).await?;
    let old = snap.item(&id).ok_or_else(|| ApiError::not_found(format!("there is no evidence item `{id}` to retract")))?;
    if !obj.contains_key("source") {
        return Err(ApiError::bad("a retraction needs the `source` that withdraws the item: {\"outlet\", \"date\", \"title\" or \"url\"}")
            .field("source"));
    }
    let mut r = Map::new();
    r.insert("id".into(), obj.get("id").cloned().unwrap_or_else(|| json!(next_id(&snap, &id, "retraction"))));
    r.insert("date".into(), json!(old.date.to_string()));
    r.insert("kind".into(), json!(old.kind));
    r.insert("rel".into(), json!("retracts"));
    r.insert("ref".into(), json!(id));
    r.insert("source".into(), obj["source"].clone());
    if let Some(n) = obj.get("note") {
        r.insert("note".into(), n.clone());
    }
    let item = item_from(&r)?;
    store_item(&app, &snap, &caller, item, "evidence.retract").await
}

// ---- agreement files ----

fn diagnostics_json(st: &CaseState) -> Vec<Value> {
    diag_list(&st.diagnostics, &st.sources)
}

/// Errors first, then warnings, each in source order.
fn diag_list(diags: &[pactum_syntax::Diagnostic], sources: &SourceMap) -> Vec<Value> {
    let mut sorted: Vec<&pactum_syntax::Diagnostic> = diags.iter().collect();
    sorted.sort_by_key(|d| (d.severity, d.span.file, d.span.start));
    sorted
        .into_iter()
        .map(|d| {
            let (file, line, column) = match sources.get(d.span.file) {
                Some(f) => {
                    let (l, c) = f.line_col(d.span.start as usize);
                    (f.name.clone(), l, c)
                }
                None => (String::new(), 0, 0),
            };
            json!({
                "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "code": d.code,
                "message": d.message,
                "file": file, "line": line, "column": column,
                "help": d.help,
                "rendered": pactum_syntax::render(std::slice::from_ref(d), sources, false),
            })
        })
        .collect()
}

fn check_doc_name(name: &str) -> Result<(), ApiError> {
    let stem = name.strip_suffix(".pactum").unwrap_or("");
    if stem.is_empty() || stem.len() > 100 || !stem.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        return Err(ApiError::bad(format!(
            "`{name}` is not a valid agreement file name: use letters, digits, `.`, `_` or `-`, ending in `.pactum` (like `doha-2020.pactum`)"
        ))
        .field("name"));
    }
    Ok(())
}

async fn documents(State(app): A, headers: HeaderMap) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let snap = snapshot::current(&app).await?;
    let list: Vec<Value> = snap
        .case
        .docs
        .iter()
        .map(|d| json!({"name": d.name, "version": d.seq, "added_by": d.added_by, "added_at": d.added_at, "bytes": d.text.as_ref().map_or(0, |t| t.len())}))
        .collect();
    ok(json!({"version": JSON_VERSION, "documents": list, "diagnostics": diagnostics_json(&snap.case)}))
}

async fn document_get(State(app): A, headers: HeaderMap, Path(name): Path<String>) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let snap = snapshot::current(&app).await?;
    let d = snap
        .case
        .docs
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| ApiError::not_found(format!("there is no agreement file `{name}`")))?;
    ok(
        json!({"version": JSON_VERSION, "name": d.name, "document_version": d.seq, "added_by": d.added_by, "added_at": d.added_at, "text": d.text}),
    )
}

/// The case as it would be with `name` replaced by `text` (or removed).
fn with_document(snap: &Snapshot, name: &str, text: Option<&str>) -> CaseState {
    let mut docs: Vec<pactum_store::Document> = snap.case.docs.iter().filter(|d| d.name != name).cloned().collect();
    if let Some(t) = text {
        docs.push(pactum_store::Document {
            seq: 0,
            name: name.to_string(),
            text: Some(t.to_string()),
            added_by: String::new(),
            added_at: String::new(),
        });
        docs.sort_by(|a, b| a.name.cmp(&b.name));
    }
    CaseState::check(docs)
}

async fn document_put(State(app): A, headers: HeaderMap, Path(name): Path<String>, Body(body): Body) -> Res {
    let caller = auth::require(&app, &headers, Role::Admin, true).await?;
    check_doc_name(&name)?;
    let obj = body_json(&body)?;
    let text = text_field(&obj, "text", true)?.unwrap_or_default().to_string();
    let snap = snapshot::current(&app).await?;
    let existed = snap.case.docs.iter().any(|d| d.name == name);
    let st = with_document(&snap, &name, Some(&text));
    if st.has_errors() {
        let n = st.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
            format!("`{name}` was not stored: the agreements would have {n} error(s); fix them and upload again"),
        )
        .with("diagnostics", json!(diagnostics_json(&st))));
    }
    let entry = audit(&caller, if existed { "document.update" } else { "document.add" }, &name, json!({"bytes": text.len()}));
    let (at, _, _) = now();
    let user = caller.name().to_string();
    let n2 = name.clone();
    let doc = app.pool.run(move |s| s.put_document(&n2, Some(&text), &user, &at, &entry)).await?;
    let v = json!({
        "version": JSON_VERSION, "name": doc.name, "document_version": doc.seq, "added_by": doc.added_by, "added_at": doc.added_at,
        "warnings": diagnostics_json(&st),
    });
    if existed {
        ok(v)
    } else {
        created(v)
    }
}

async fn document_delete(State(app): A, headers: HeaderMap, Path(name): Path<String>) -> Res {
    let caller = auth::require(&app, &headers, Role::Admin, true).await?;
    let snap = snapshot::current(&app).await?;
    if !snap.case.docs.iter().any(|d| d.name == name) {
        return Err(ApiError::not_found(format!("there is no agreement file `{name}`")));
    }
    let st = with_document(&snap, &name, None);
    if st.has_errors() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
            format!("`{name}` was not withdrawn: the other agreements need it"),
        )
        .with("diagnostics", json!(diagnostics_json(&st))));
    }
    let entry = audit(&caller, "document.withdraw", &name, json!({}));
    let (at, _, _) = now();
    let user = caller.name().to_string();
    app.pool.run(move |s| s.put_document(&name, None, &user, &at, &entry)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn check(State(app): A, headers: HeaderMap, Body(body): Body) -> Res {
    auth::require(&app, &headers, Role::Monitor, true).await?;
    let obj = body_json(&body)?;
    let name = text_field(&obj, "name", true)?.unwrap_or_default().to_string();
    check_doc_name(&name)?;
    let text = text_field(&obj, "text", true)?.unwrap_or_default().to_string();
    let snap = snapshot::current(&app).await?;
    let st = with_document(&snap, &name, Some(&text));
    ok(json!({"version": JSON_VERSION, "ok": !st.has_errors(), "diagnostics": diagnostics_json(&st)}))
}

async fn imports(State(app): A, headers: HeaderMap) -> Res {
    auth::require(&app, &headers, Role::Viewer, false).await?;
    let list = app.pool.run(|s| s.imports()).await?;
    let v: Vec<Value> = list
        .iter()
        .map(|i| json!({"id": i.id, "file_name": i.file_name, "content_hash": i.content_hash, "dataset": i.dataset, "rows": i.rows, "items_added": i.items_added, "imported_at": i.imported_at}))
        .collect();
    ok(json!({"version": JSON_VERSION, "imports": v}))
}

// ---- sessions ----

fn user_json(u: &User) -> Value {
    json!({"name": u.name, "role": u.role.as_str(), "disabled": u.disabled, "created_at": u.created_at})
}

async fn session_get(State(app): A, headers: HeaderMap) -> Res {
    let caller = auth::identify(&app, &headers).await?;
    match caller {
        Some(c) => {
            let csrf = match &c.via {
                Via::Session { csrf, .. } => Some(csrf.clone()),
                _ => None,
            };
            ok(json!({"user": c.user.as_ref().map(user_json), "csrf": csrf, "public_read": app.config.public_read}))
        }
        // Nobody is logged in: an answer, not an error, so a browser's console stays clean.
        None => ok(json!({"user": null, "csrf": null, "public_read": app.config.public_read})),
    }
}

async fn session_create(State(app): A, Body(body): Body) -> Res {
    let obj = body_json(&body)?;
    let name = text_field(&obj, "name", true)?.unwrap_or_default().to_string();
    let password = text_field(&obj, "password", true)?.unwrap_or_default().to_string();
    let n2 = name.clone();
    let user = app.pool.run(move |s| s.user(&n2)).await?;
    // Verify even for an unknown name, so the answer takes as long either way.
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => match DUMMY_HASH.get() {
            Some(h) => h.clone(),
            None => {
                let h = auth::hash_password(&auth::secret()?)?;
                DUMMY_HASH.get_or_init(|| h).clone()
            }
        },
    };
    let good = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash)).await.unwrap_or(false);
    let user = match user {
        Some(u) if good && !u.disabled => u,
        _ => return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong name or password").field("password")),
    };
    let secret = auth::secret()?;
    let csrf = auth::secret()?;
    let (at, _, secs) = now();
    let expires = secs + app.config.session_seconds;
    let (h, n, c) = (auth::digest(&secret), user.name.clone(), csrf.clone());
    app.pool.run(move |s| s.create_session(&h, &n, &c, &at, expires, secs)).await?;
    let cookie = format!(
        "{}={secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        auth::SESSION_COOKIE,
        app.config.session_seconds,
        if app.config.secure_cookies { "; Secure" } else { "" }
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"user": user_json(&user), "csrf": csrf}))).into_response())
}

/// An Argon2 hash of a random password, verified against when the name is unknown.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn session_delete(State(app): A, headers: HeaderMap) -> Res {
    let caller = auth::require(&app, &headers, Role::Viewer, true).await?;
    if let Via::Session { token_hash, .. } = caller.via {
        app.pool.run(move |s| s.delete_session(&token_hash)).await?;
    }
    let clear = format!("{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0", auth::SESSION_COOKIE);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

// ---- users, tokens, audit ----

async fn users(State(app): A, headers: HeaderMap) -> Res {
    auth::require(&app, &headers, Role::Admin, false).await?;
    let list = app.pool.run(|s| s.users()).await?;
    ok(json!({"version": JSON_VERSION, "users": list.iter().map(user_json).collect::<Vec<_>>()}))
}

fn role_field(obj: &Map<String, Value>, required: bool) -> Result<Option<Role>, ApiError> {
    match text_field(obj, "role", required)? {
        None => Ok(None),
        Some(r) => Role::parse(r)
            .map(Some)
            .ok_or_else(|| ApiError::bad(format!("`{r}` is not a role: use `viewer`, `monitor` or `admin`")).field("role")),
    }
}

async fn user_create(State(app): A, headers: HeaderMap, Body(body): Body) -> Res {
    let caller = auth::require(&app, &headers, Role::Admin, true).await?;
    let obj = body_json(&body)?;
    let name = text_field(&obj, "name", true)?.unwrap_or_default().to_string();
    auth::check_user_name(&name)?;
    let role = role_field(&obj, true)?.unwrap_or(Role::Viewer);
    let password = text_field(&obj, "password", true)?.unwrap_or_default().to_string();
    auth::check_password(&password)?;
    let hash = hash_blocking(password).await?;
    let user = User { name: name.clone(), role, password_hash: hash, disabled: false, created_at: now().0 };
    let entry = audit(&caller, "user.create", &name, json!({"role": role.as_str()}));
    let u2 = user.clone();
    app.pool.run(move |s| s.create_user(&u2, Some(&entry))).await?;
    created(user_json(&user))
}

async fn user_update(State(app): A, headers: HeaderMap, Path(name): Path<String>, Body(body): Body) -> Res {
    let caller = auth::require(&app, &headers, Role::Admin, true).await?;
    let obj = body_json(&body)?;
    let role = role_field(&obj, false)?;
    let disabled = match obj.get("disabled") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(ApiError::bad("`disabled` must be true or false").field("disabled")),
    };
    let password = text_field(&obj, "password", false)?.map(str::to_string);
    if let Some(p) = &password {
        auth::check_password(p)?;
    }
    if role.is_none() && disabled.is_none() && password.is_none() {
        return Err(ApiError::bad("say what to change: `role`, `password` or `disabled`"));
    }
    // Keep at least one admin who can log in.
    let all = app.pool.run(|s| s.users()).await?;
    let target = all.iter().find(|u| u.name == name).ok_or_else(|| ApiError::not_found(format!("there is no user `{name}`")))?;
    let loses_admin = target.role == Role::Admin && !target.disabled && (role.is_some_and(|r| r != Role::Admin) || disabled == Some(true));
    if loses_admin && all.iter().filter(|u| u.role == Role::Admin && !u.disabled).count() == 1 {
        return Err(ApiError::conflict(format!("`{name}` is the last admin; make another user admin first")));
    }
    let hash = match password {
        Some(p) => Some(hash_blocking(p).await?),
        None => None,
    };
    let entry = audit(
        &caller,
        "user.update",
        &name,
        json!({"role": role.map(Role::as_str), "disabled": disabled, "password_changed": hash.is_some()}),
    );
    let n2 = name.clone();
    let found = app.pool.run(move |s| s.update_user(&n2, role, hash.as_deref(), disabled, &entry)).await?;
    if !found {
        return Err(ApiError::not_found(format!("there is no user `{name}`")));
    }
    let u = app.pool.run(move |s| s.user(&name)).await?;
    ok(u.as_ref().map(user_json).unwrap_or(Value::Null))
}

/// Argon2 takes tens of milliseconds by design: off the async threads.
async fn hash_blocking(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("hashing the password failed: {e}")))?
}

fn logged_in(c: &Caller) -> Result<&User, ApiError> {
    c.user.as_ref().ok_or_else(ApiError::unauthorized)
}

async fn tokens(State(app): A, headers: HeaderMap) -> Res {
    let caller = auth::require(&app, &headers, Role::Viewer, false).await?;
    let name = logged_in(&caller)?.name.clone();
    let list = app.pool.run(move |s| s.tokens(&name)).await?;
    let v: Vec<Value> =
        list.iter().map(|t| json!({"id": t.id, "label": t.label, "created_at": t.created_at, "revoked_at": t.revoked_at})).collect();
    ok(json!({"version": JSON_VERSION, "tokens": v}))
}

async fn token_create(State(app): A, headers: HeaderMap, Body(body): Body) -> Res {
    let caller = auth::require(&app, &headers, Role::Viewer, true).await?;
    let name = logged_in(&caller)?.name.clone();
    let obj = body_json(&body)?;
    let label = text_field(&obj, "label", true)?.unwrap_or_default().trim().to_string();
    if label.is_empty() || label.len() > 200 {
        return Err(ApiError::bad("`label` says what the token is for, in 1 to 200 characters").field("label"));
    }
    let secret = format!("pt_{}", auth::secret()?);
    let h = auth::digest(&secret);
    let entry = audit(&caller, "token.create", "", json!({"label": label}));
    let (at, _, _) = now();
    let l2 = label.clone();
    let id = app.pool.run(move |s| s.create_token(&h, &name, &l2, &at, &entry)).await?;
    created(json!({"id": id, "label": label, "token": secret}))
}

async fn token_revoke(State(app): A, headers: HeaderMap, Path(id): Path<String>) -> Res {
    let caller = auth::require(&app, &headers, Role::Viewer, true).await?;
    let name = logged_in(&caller)?.name.clone();
    let id: i64 = id.parse().map_err(|_| ApiError::bad(format!("`{id}` is not a token id (a number)")))?;
    let entry = audit(&caller, "token.revoke", &format!("token {id}"), json!({}));
    let (at, _, _) = now();
    let done = app.pool.run(move |s| s.revoke_token(id, &name, &at, &entry)).await?;
    if !done {
        return Err(ApiError::not_found(format!("you have no live token {id}")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn audit_log(State(app): A, headers: HeaderMap, RawQuery(raw): RawQuery) -> Res {
    auth::require(&app, &headers, Role::Admin, false).await?;
    let q = query(raw)?;
    let limit = q.int("limit", 100, 1, 1000)?;
    let before = match q.get("before") {
        None => None,
        Some(_) => Some(q.int("before", 0, 1, i64::MAX)?),
    };
    let list = app.pool.run(move |s| s.audit_log(limit, before)).await?;
    let v: Vec<Value> = list
        .iter()
        .map(|a| {
            let detail: Value = serde_json::from_str(&a.detail).unwrap_or(Value::String(a.detail.clone()));
            json!({"seq": a.seq, "at": a.at, "user": a.user, "action": a.action, "target": a.target, "detail": detail})
        })
        .collect();
    ok(json!({"version": JSON_VERSION, "entries": v}))
}
