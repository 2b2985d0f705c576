//! [`crate::team`] on PostgreSQL.

use crate::pg::Pg;
use crate::team::{AuditEntry, Document, Role, StoreVersion, TokenInfo, User};
use crate::StoreError;
use postgres::GenericClient;

pub(crate) fn insert_audit<C: GenericClient>(c: &mut C, a: &AuditEntry) -> Result<(), postgres::Error> {
    c.execute(
        "INSERT INTO audit (at, user_name, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
        &[&a.at, &a.user, &a.action, &a.target, &a.detail],
    )?;
    Ok(())
}

fn user_from(r: &postgres::Row) -> User {
    let role: String = r.get(1);
    User {
        name: r.get(0),
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        password_hash: r.get(2),
        disabled: r.get::<_, i32>(3) != 0,
        created_at: r.get(4),
    }
}

fn doc_from(r: &postgres::Row) -> Document {
    Document { seq: r.get(0), name: r.get(1), text: r.get(2), added_by: r.get(3), added_at: r.get(4) }
}

const USER: &str = "SELECT name, role, password_hash, disabled, created_at FROM users";
const USER_U: &str = "SELECT u.name, u.role, u.password_hash, u.disabled, u.created_at FROM users u";

fn unique_violation(e: &postgres::Error) -> bool {
    e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
}

impl Pg {
    pub fn version(&mut self) -> Result<StoreVersion, StoreError> {
        let r = self
            .client
            .query_one("SELECT (SELECT coalesce(max(seq), 0) FROM items), (SELECT coalesce(max(seq), 0) FROM documents)", &[])?;
        Ok(StoreVersion { items: r.get(0), documents: r.get(1) })
    }

    pub fn documents(&mut self) -> Result<Vec<Document>, StoreError> {
        let rows = self.client.query(
            "SELECT seq, name, text, added_by, added_at FROM documents d \
             WHERE seq = (SELECT max(seq) FROM documents e WHERE e.name = d.name) AND text IS NOT NULL ORDER BY name",
            &[],
        )?;
        Ok(rows.iter().map(doc_from).collect())
    }

    pub fn put_document(&mut self, name: &str, text: Option<&str>, by: &str, at: &str, audit: &AuditEntry) -> Result<Document, StoreError> {
        let mut tx = self.client.transaction()?;
        let r = tx.query_one(
            "INSERT INTO documents (name, text, added_by, added_at) VALUES ($1, $2, $3, $4) RETURNING seq",
            &[&name, &text, &by, &at],
        )?;
        let seq: i64 = r.get(0);
        insert_audit(&mut tx, audit)?;
        tx.commit()?;
        Ok(Document { seq, name: name.to_string(), text: text.map(str::to_string), added_by: by.to_string(), added_at: at.to_string() })
    }

    pub fn user(&mut self, name: &str) -> Result<Option<User>, StoreError> {
        Ok(self.client.query_opt(&format!("{USER} WHERE name = $1"), &[&name])?.as_ref().map(user_from))
    }

    pub fn users(&mut self) -> Result<Vec<User>, StoreError> {
        Ok(self.client.query(&format!("{USER} ORDER BY name"), &[])?.iter().map(user_from).collect())
    }

    pub fn create_user(&mut self, u: &User, audit: Option<&AuditEntry>) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        let disabled = u.disabled as i32;
        let res = tx.execute(
            "INSERT INTO users (name, role, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[&u.name, &u.role.as_str(), &u.password_hash, &disabled, &u.created_at],
        );
        match res {
            Err(e) if unique_violation(&e) => return Err(StoreError::Conflict(format!("there is already a user named `{}`", u.name))),
            r => r?,
        };
        if let Some(a) = audit {
            insert_audit(&mut tx, a)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn update_user(
        &mut self,
        name: &str,
        role: Option<Role>,
        hash: Option<&str>,
        disabled: Option<bool>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.client.transaction()?;
        let role = role.map(Role::as_str);
        let dis = disabled.map(|d| d as i32);
        let n = tx.execute(
            "UPDATE users SET role = coalesce($2, role), password_hash = coalesce($3, password_hash), disabled = coalesce($4, disabled) WHERE name = $1",
            &[&name, &role, &hash, &dis],
        )?;
        if n == 0 {
            return Ok(false);
        }
        if disabled == Some(true) || hash.is_some() {
            tx.execute("DELETE FROM sessions WHERE user_name = $1", &[&name])?;
        }
        insert_audit(&mut tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    pub fn create_session(
        &mut self,
        hash: &str,
        user: &str,
        csrf: &str,
        created_at: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_name, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[&hash, &user, &csrf, &created_at, &expires_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn session(&mut self, hash: &str, now: i64) -> Result<Option<(User, String)>, StoreError> {
        let r = self.client.query_opt(
            "SELECT u.name, u.role, u.password_hash, u.disabled, u.created_at, s.csrf FROM users u \
             JOIN sessions s ON s.user_name = u.name WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
            &[&hash, &now],
        )?;
        Ok(r.map(|r| (user_from(&r), r.get(5))))
    }

    pub fn delete_session(&mut self, hash: &str) -> Result<(), StoreError> {
        self.client.execute("DELETE FROM sessions WHERE token_hash = $1", &[&hash])?;
        Ok(())
    }

    pub fn create_token(&mut self, hash: &str, user: &str, label: &str, at: &str, audit: &AuditEntry) -> Result<i64, StoreError> {
        let mut tx = self.client.transaction()?;
        let r = tx.query_one(
            "INSERT INTO tokens (token_hash, user_name, label, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&hash, &user, &label, &at],
        )?;
        let id: i64 = r.get(0);
        let mut a = audit.clone();
        a.target = format!("token {id}");
        insert_audit(&mut tx, &a)?;
        tx.commit()?;
        Ok(id)
    }

    pub fn token_user(&mut self, hash: &str) -> Result<Option<User>, StoreError> {
        let r = self.client.query_opt(
            &format!("{USER_U} JOIN tokens t ON t.user_name = u.name WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0"),
            &[&hash],
        )?;
        Ok(r.as_ref().map(user_from))
    }

    pub fn tokens(&mut self, user: &str) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = self
            .client
            .query("SELECT id, user_name, label, created_at, revoked_at FROM tokens WHERE user_name = $1 ORDER BY id", &[&user])?;
        Ok(rows
            .iter()
            .map(|r| TokenInfo { id: r.get(0), user: r.get(1), label: r.get(2), created_at: r.get(3), revoked_at: r.get(4) })
            .collect())
    }

    pub fn revoke_token(&mut self, id: i64, user: &str, at: &str, audit: &AuditEntry) -> Result<bool, StoreError> {
        let mut tx = self.client.transaction()?;
        let n =
            tx.execute("UPDATE tokens SET revoked_at = $3 WHERE id = $1 AND user_name = $2 AND revoked_at IS NULL", &[&id, &user, &at])?;
        if n == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    pub fn audit_log(&mut self, limit: i64, before: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self.client.query(
            "SELECT seq, at, user_name, action, target, detail FROM audit WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
            &[&before, &limit],
        )?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry { seq: r.get(0), at: r.get(1), user: r.get(2), action: r.get(3), target: r.get(4), detail: r.get(5) })
            .collect())
    }
}
