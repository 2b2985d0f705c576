//! Who is calling, and may they: sessions (browsers, with a CSRF token for writes), API
//! tokens (programs), roles. Secrets are random 256-bit values; the store keeps only their
//! SHA-256, so a copy of the database does not let anyone in. Passwords are Argon2id hashes.

use crate::error::ApiError;
use crate::App;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::{HeaderMap, StatusCode};
use pactum_store::{Role, User};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "pactum_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

fn no_randomness(e: impl std::fmt::Display) -> ApiError {
    // Without the operating system's randomness no secret is safe: refuse rather than weaken.
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the operating system's random number generator failed: {e}"))
}

/// A random secret, as 64 hex digits.
pub fn secret() -> Result<String, ApiError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(no_randomness)?;
    Ok(hex(&b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What the store keeps of a secret: its SHA-256, as the store hashes imported files.
pub fn digest(secret: &str) -> String {
    pactum_store::content_hash(secret.as_bytes())
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(no_randomness)?;
    let salt = SaltString::encode_b64(&salt).map_err(no_randomness)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(no_randomness)?.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// What makes a password acceptable; the message says what to change.
pub fn check_password(p: &str) -> Result<(), ApiError> {
    if p.chars().count() < 10 {
        return Err(ApiError::bad("a password needs at least 10 characters").field("password"));
    }
    if p.len() > 1024 {
        return Err(ApiError::bad("a password can have at most 1024 bytes").field("password"));
    }
    Ok(())
}

pub fn check_user_name(n: &str) -> Result<(), ApiError> {
    let ok = !n.is_empty() && n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad(format!("`{n}` is not a valid user name: use 1 to 64 letters, digits, `.`, `_`, `-` or `@`")).field("name"))
    }
}

#[derive(Clone, Debug)]
pub enum Via {
    Session {
        csrf: String,
        token_hash: String,
    },
    Token,
    /// Nobody logged in, on a server started with `--public-read`.
    Anonymous,
}

#[derive(Clone, Debug)]
pub struct Caller {
    pub user: Option<User>,
    pub via: Via,
}

impl Caller {
    pub fn name(&self) -> &str {
        self.user.as_ref().map_or("anonymous", |u| u.name.as_str())
    }
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    for v in headers.get_all(axum::http::header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(';') {
            if let Some((k, val)) = part.trim().split_once('=') {
                if k == name && !val.is_empty() {
                    return Some(val.to_string());
                }
            }
        }
    }
    None
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// Who sent the request, if anyone: a bearer token wins over a cookie.
pub async fn identify(app: &Arc<App>, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    if let Some(t) = bearer(headers) {
        let h = digest(&t);
        let user = app.pool.run_quick(move |s| s.token_user(&h)).await?;
        return match user {
            Some(u) => Ok(Some(Caller { user: Some(u), via: Via::Token })),
            None => {
                Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "this API token is not valid: it was revoked, or mistyped"))
            }
        };
    }
    if let Some(c) = cookie(headers, SESSION_COOKIE) {
        let h = digest(&c);
        let now = crate::now().2;
        let h2 = h.clone();
        if let Some((u, csrf)) = app.pool.run_quick(move |s| s.session(&h2, now)).await? {
            return Ok(Some(Caller { user: Some(u), via: Via::Session { csrf, token_hash: h } }));
        }
    }
    Ok(None)
}

/// The caller, if they may do something that needs `role`. `write` adds the CSRF check for
/// browser sessions.
pub async fn require(app: &Arc<App>, headers: &HeaderMap, role: Role, write: bool) -> Result<Caller, ApiError> {
    let caller = identify(app, headers).await?;
    let Some(caller) = caller else {
        if !write && role == Role::Viewer && app.config.public_read {
            return Ok(Caller { user: None, via: Via::Anonymous });
        }
        return Err(ApiError::unauthorized());
    };
    let have = caller.role().unwrap_or(Role::Viewer);
    if have < role {
        return Err(ApiError::forbidden(format!(
            "this needs the `{}` role; `{}` has the `{}` role (an admin can change it)",
            role.as_str(),
            caller.name(),
            have.as_str()
        )));
    }
    if write {
        if let Via::Session { csrf, .. } = &caller.via {
            let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), csrf.as_bytes()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "a write from a browser session must send the session's CSRF token in the `X-CSRF-Token` header (GET /api/v1/session gives it)",
                ));
            }
        }
    }
    Ok(caller)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_differ_and_digests_are_stable() {
        let (a, b) = (secret().unwrap(), secret().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn cookies_and_bearer_tokens_are_read() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "a=1; pactum_session=xyz; b=2".parse().unwrap());
        h.insert("authorization", "Bearer  tok ".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(bearer(&h).as_deref(), Some("tok"));
    }
}
