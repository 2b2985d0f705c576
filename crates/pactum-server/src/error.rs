//! Every error the API gives: a status and a JSON body that says what is wrong.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pactum_store::StoreError;
use serde_json::{json, Value};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub extra: Option<(&'static str, Value)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), field: None, extra: None }
    }
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn field(mut self, f: impl Into<String>) -> ApiError {
        self.field = Some(f.into());
        self
    }
    pub fn with(mut self, key: &'static str, v: Value) -> ApiError {
        self.extra = Some((key, v));
        self
    }
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "log in first: POST /api/v1/session with a name and password, or send `Authorization: Bearer TOKEN`",
        )
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::DuplicateId { id, .. } => ApiError::conflict(format!(
                "the store already holds an item with the id `{id}`; give the new item an id of its own (to replace that item, correct it instead)"
            ))
            .field("id"),
            StoreError::Conflict(m) => ApiError::conflict(m),
            other => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", format!("the store failed: {other}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut err = json!({"code": self.code, "message": self.message});
        if let Some(f) = self.field {
            err["field"] = json!(f);
        }
        if let Some((k, v)) = self.extra {
            err[k] = v;
        }
        (self.status, axum::Json(json!({ "error": err }))).into_response()
    }
}
