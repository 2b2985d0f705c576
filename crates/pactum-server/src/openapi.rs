//! The OpenAPI 3.1 document of the API, served at `/api/v1/openapi.json`. One table below
//! lists every operation; a test checks that every route the server answers is in it.

use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// (method, path, who may call it, summary, query parameters, request body schema name)
type Operation = (&'static str, &'static str, &'static str, &'static str, &'static [&'static str], Option<&'static str>);

pub const OPERATIONS: &[Operation] = &[
    ("get", "/api/v1/health", "anyone", "Whether the server and its store answer", &[], None),
    ("get", "/api/v1/openapi.json", "anyone", "This document", &[], None),
    ("get", "/api/v1/session", "anyone", "Who is logged in, and the CSRF token for writes", &[], None),
    ("post", "/api/v1/session", "anyone", "Log in: sets the session cookie", &[], Some("Login")),
    ("delete", "/api/v1/session", "viewer", "Log out", &[], None),
    (
        "get",
        "/api/v1/agreements",
        "viewer",
        "The portfolio: every agreement and how many provisions are in each state",
        &["as_of", "known_on"],
        None,
    ),
    ("get", "/api/v1/agreements/{id}", "viewer", "One agreement: provisions, interlocks, timeline rows", &["as_of", "known_on"], None),
    ("get", "/api/v1/agreements/{id}/charts", "viewer", "Measures against their commitments", &["as_of", "known_on"], None),
    (
        "get",
        "/api/v1/status",
        "viewer",
        "Every provision's state, as `pactum status --format json`",
        &["as_of", "known_on", "agreement"],
        None,
    ),
    ("get", "/api/v1/timeline", "viewer", "Every change of state", &["from", "to", "known_on", "agreement"], None),
    ("get", "/api/v1/evidence", "viewer", "Evidence items with their relations", &["kind", "q", "limit", "offset", "known_on"], None),
    ("post", "/api/v1/evidence", "monitor", "Add an evidence item (or a denial of one)", &[], Some("Item")),
    ("get", "/api/v1/evidence/{id}", "viewer", "One evidence item", &[], None),
    ("post", "/api/v1/evidence/{id}/correct", "monitor", "Correct an item: a new item that replaces it", &[], Some("Item")),
    ("post", "/api/v1/evidence/{id}/retract", "monitor", "Retract an item: a new item that withdraws it", &[], Some("Retraction")),
    ("get", "/api/v1/documents", "viewer", "The agreement files and the checker's findings", &[], None),
    ("get", "/api/v1/documents/{name}", "viewer", "One agreement file", &[], None),
    (
        "put",
        "/api/v1/documents/{name}",
        "admin",
        "Add or replace an agreement file (refused with diagnostics if it has errors)",
        &[],
        Some("Document"),
    ),
    ("delete", "/api/v1/documents/{name}", "admin", "Withdraw an agreement file (its versions stay in the store)", &[], None),
    ("post", "/api/v1/check", "monitor", "Check an agreement file against the others without storing it", &[], Some("CheckRequest")),
    ("get", "/api/v1/imports", "viewer", "The import log", &[], None),
    ("get", "/api/v1/users", "admin", "Every user", &[], None),
    ("post", "/api/v1/users", "admin", "Create a user", &[], Some("NewUser")),
    ("patch", "/api/v1/users/{name}", "admin", "Change a user's role, password, or disable them", &[], Some("UserChange")),
    ("get", "/api/v1/tokens", "viewer", "Your API tokens (without their secrets)", &[], None),
    ("post", "/api/v1/tokens", "viewer", "Make an API token; the secret is shown once", &[], Some("NewToken")),
    ("delete", "/api/v1/tokens/{id}", "viewer", "Revoke one of your API tokens", &[], None),
    ("get", "/api/v1/audit", "admin", "The audit log, newest first", &["limit", "before"], None),
];

fn param(name: &str) -> Value {
    let (ty, desc) = match name {
        "as_of" => ("date", "the day to evaluate (default: today)"),
        "known_on" => ("date", "read only evidence the store had recorded by this day"),
        "from" | "to" => ("date", "bounds of the period"),
        "limit" | "offset" | "before" => ("integer", "paging"),
        "agreement" => ("string", "only this agreement's provisions"),
        "kind" => ("string", "only items of this kind"),
        _ => ("string", "text to search for in the items"),
    };
    let schema = match ty {
        "date" => json!({"type": "string", "format": "date"}),
        "integer" => json!({"type": "integer"}),
        _ => json!({"type": "string"}),
    };
    json!({"name": name, "in": "query", "required": false, "description": desc, "schema": schema})
}

fn schemas() -> Value {
    let source = json!({"type": "object", "required": ["outlet", "date"], "properties": {
        "outlet": {"type": "string"}, "date": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"}}});
    json!({
        "Login": {"type": "object", "required": ["name", "password"], "properties": {"name": {"type": "string"}, "password": {"type": "string"}}},
        "Item": {"type": "object", "required": ["id", "date", "kind", "source"], "description": "An evidence item, with the fields of the evidence format (docs/evidence-format.md)", "properties": {
            "id": {"type": "string"}, "date": {"type": "string", "description": "a day, month, year or range: 2020-03-10, 2020-03, 2020-03-10..2020-03-15"},
            "kind": {"type": "string"}, "actor": {"type": "string"}, "target": {"type": "string"},
            "quantity": {"type": ["string", "number"], "description": "8600, \"8400..8600\""}, "place": {"type": "string"},
            "rel": {"enum": ["asserts", "denies"]}, "ref": {"type": "string"}, "source": source, "note": {"type": "string"}}},
        "Retraction": {"type": "object", "required": ["source"], "properties": {"id": {"type": "string"}, "source": source, "note": {"type": "string"}}},
        "Document": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        "CheckRequest": {"type": "object", "required": ["name", "text"], "properties": {"name": {"type": "string"}, "text": {"type": "string"}}},
        "NewUser": {"type": "object", "required": ["name", "role", "password"], "properties": {
            "name": {"type": "string"}, "role": {"enum": ["viewer", "monitor", "admin"]}, "password": {"type": "string", "minLength": 10}}},
        "UserChange": {"type": "object", "properties": {"role": {"enum": ["viewer", "monitor", "admin"]}, "password": {"type": "string", "minLength": 10}, "disabled": {"type": "boolean"}}},
        "NewToken": {"type": "object", "required": ["label"], "properties": {"label": {"type": "string"}}},
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}, "diagnostics": {"type": "array"}}}}},
    })
}

pub fn build() -> Value {
    let mut paths = Map::new();
    for (method, path, role, summary, params, body) in OPERATIONS {
        let mut parameters: Vec<Value> = params.iter().map(|p| param(p)).collect();
        for seg in path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            parameters.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
        }
        let mut op = json!({
            "summary": summary,
            "description": format!("Who may call it: {role}."),
            "parameters": parameters,
            "responses": {
                "200": {"description": "done (201 when something was created, 204 when there is nothing to return)"},
                "4XX": {"description": "what is wrong with the request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        });
        if *role != "anyone" {
            op["security"] = json!([{"session": []}, {"token": []}]);
        }
        if let Some(b) = body {
            op["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{b}")}}}});
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "pactum", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Monitoring peace agreements: provisions, evidence and their states. See docs/api.md."},
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "pactum_session", "description": "writes also need the X-CSRF-Token header"},
                "token": {"type": "http", "scheme": "bearer"},
            },
        },
    })
}

pub async fn document() -> Response {
    axum::Json(build()).into_response()
}
