//! What a monitoring team shares besides evidence: agreement files (versioned), users, browser
//! sessions, API tokens and the audit log. The server keeps all of it here, so that several
//! server processes can serve one database.
//!
//! **Invariant:** agreement files and the audit log are append-only, like evidence: a new
//! version of a file, or its withdrawal, is a new row. Users, sessions and tokens change.

use crate::{Backend, ImportMeta, ImportOutcome, Producer, Store, StoreError, StreamError};

/// What a user may do. Ordered: each role may do what the ones before it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Monitor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Monitor => "monitor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "monitor" => Some(Role::Monitor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// An Argon2 hash in PHC string form; never the password.
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: String,
}

/// One version of an agreement file. `text` is `None` for a withdrawal.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub seq: i64,
    pub name: String,
    pub text: Option<String>,
    pub added_by: String,
    pub added_at: String,
}

/// One line of the audit log: who did what, when. `seq` is 0 until stored.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub user: String,
    pub action: String,
    pub target: String,
    /// JSON with the particulars (the item's id and kind, the new role, ...).
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TokenInfo {
    pub id: i64,
    pub user: String,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The newest sequence numbers of evidence and of agreement files: a reader that has seen these
/// has seen everything, so it can keep what it computed from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct StoreVersion {
    pub items: i64,
    pub documents: i64,
}

macro_rules! dispatch {
    ($self:ident, $b:ident => $e:expr) => {
        match &mut $self.backend {
            Backend::Sqlite($b) => $e,
            Backend::Postgres($b) => $e,
        }
    };
}

impl Store {
    pub fn version(&mut self) -> Result<StoreVersion, StoreError> {
        dispatch!(self, b => b.version())
    }

    /// The current version of every agreement file that is not withdrawn, by name.
    pub fn documents(&mut self) -> Result<Vec<Document>, StoreError> {
        dispatch!(self, b => b.documents())
    }

    /// Adds a version of an agreement file (`None` withdraws it), with its audit line, in one
    /// transaction.
    pub fn put_document(&mut self, name: &str, text: Option<&str>, by: &str, at: &str, audit: &AuditEntry) -> Result<Document, StoreError> {
        dispatch!(self, b => b.put_document(name, text, by, at, audit))
    }

    pub fn user(&mut self, name: &str) -> Result<Option<User>, StoreError> {
        dispatch!(self, b => b.user(name))
    }

    pub fn users(&mut self) -> Result<Vec<User>, StoreError> {
        dispatch!(self, b => b.users())
    }

    /// Fails with [`StoreError::Conflict`] if the name is taken.
    pub fn create_user(&mut self, user: &User, audit: Option<&AuditEntry>) -> Result<(), StoreError> {
        dispatch!(self, b => b.create_user(user, audit))
    }

    /// Changes what is given; returns false if there is no such user.
    pub fn update_user(
        &mut self,
        name: &str,
        role: Option<Role>,
        password_hash: Option<&str>,
        disabled: Option<bool>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        dispatch!(self, b => b.update_user(name, role, password_hash, disabled, audit))
    }

    /// Stores a session (by the hash of its secret) and drops expired ones.
    pub fn create_session(
        &mut self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        created_at: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        dispatch!(self, b => b.create_session(token_hash, user, csrf, created_at, expires_at, now))
    }

    /// The session's user and CSRF token, if the session exists, has not expired, and its user
    /// is not disabled.
    pub fn session(&mut self, token_hash: &str, now: i64) -> Result<Option<(User, String)>, StoreError> {
        dispatch!(self, b => b.session(token_hash, now))
    }

    pub fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        dispatch!(self, b => b.delete_session(token_hash))
    }

    pub fn create_token(&mut self, token_hash: &str, user: &str, label: &str, at: &str, audit: &AuditEntry) -> Result<i64, StoreError> {
        dispatch!(self, b => b.create_token(token_hash, user, label, at, audit))
    }

    /// The user a token acts for, unless it is revoked or the user disabled.
    pub fn token_user(&mut self, token_hash: &str) -> Result<Option<User>, StoreError> {
        dispatch!(self, b => b.token_user(token_hash))
    }

    pub fn tokens(&mut self, user: &str) -> Result<Vec<TokenInfo>, StoreError> {
        dispatch!(self, b => b.tokens(user))
    }

    /// Revokes one of the user's tokens; false if the user has no such live token.
    pub fn revoke_token(&mut self, id: i64, user: &str, at: &str, audit: &AuditEntry) -> Result<bool, StoreError> {
        dispatch!(self, b => b.revoke_token(id, user, at, audit))
    }

    /// The audit log, newest first: at most `limit` lines, before sequence number `before`.
    pub fn audit_log(&mut self, limit: i64, before: Option<i64>) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, b => b.audit_log(limit, before.unwrap_or(i64::MAX)))
    }

    /// [`Store::import_stream`] with a line in the audit log, written in the same transaction.
    pub fn import_audited(&mut self, meta: &ImportMeta, produce: &mut Producer, audit: &AuditEntry) -> Result<ImportOutcome, StreamError> {
        let hash = crate::content_hash(meta.content);
        dispatch!(self, b => b.import_stream(meta, &hash, produce, Some(audit)))
    }
}
