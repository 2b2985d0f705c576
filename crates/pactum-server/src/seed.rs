//! First start: the schema (the store migrates itself on open), the Doha 2020 case for an empty
//! store, and the first admin.

use crate::{auth, now, Config};
use pactum_store::{AuditEntry, ImportMeta, Recorded, Role, Store, StoreError, User};

/// The example case, built into the binary so that `pactum serve` works from any folder.
const DOHA: &[(&str, &str)] = &[
    ("agreement.pactum", include_str!("../../../examples/doha-2020/agreement.pactum")),
    ("decree.pactum", include_str!("../../../examples/doha-2020/decree.pactum")),
    ("joint-declaration.pactum", include_str!("../../../examples/doha-2020/joint-declaration.pactum")),
    ("positions.pactum", include_str!("../../../examples/doha-2020/positions.pactum")),
    ("riv.pactum", include_str!("../../../examples/doha-2020/riv.pactum")),
];
const DOHA_EVIDENCE: &str = include_str!("../../../examples/doha-2020/evidence.csv");

/// What the first start did, for the server to tell its operator.
#[derive(Debug, Default)]
pub struct SetupReport {
    pub seeded_documents: usize,
    pub seeded_items: u64,
    /// The admin created on first start, and the generated password if none was given.
    pub created_admin: Option<(String, Option<String>)>,
}

fn audit(action: &str, target: &str, detail: serde_json::Value) -> AuditEntry {
    AuditEntry { seq: 0, at: now().0, user: "system".into(), action: action.into(), target: target.into(), detail: detail.to_string() }
}

pub fn setup(s: &mut Store, config: &Config) -> Result<SetupReport, StoreError> {
    let mut report = SetupReport::default();
    let (at, _, _) = now();
    if config.seed_example && s.documents()?.is_empty() && s.item_count()? == 0 {
        for (name, text) in DOHA {
            s.put_document(name, Some(text), "system", &at, &audit("document.put", name, serde_json::json!({"seed": "doha-2020"})))?;
            report.seeded_documents += 1;
        }
        let items = pactum_evidence::read_csv("evidence.csv", DOHA_EVIDENCE)
            .map_err(|e| StoreError::Db(format!("the built-in example evidence does not read: {}", e[0].message)))?;
        let n = items.len() as u64;
        let meta = ImportMeta {
            file_name: "evidence.csv",
            content: DOHA_EVIDENCE.as_bytes(),
            dataset: "pactum",
            recorded: Recorded::AtSourceDate,
            imported_at: &at,
        };
        let mut produce = |sink: &mut dyn FnMut(pactum_evidence::Item)| {
            for it in &items {
                sink(it.clone());
            }
            Ok(n)
        };
        let a = audit("evidence.import", "evidence.csv", serde_json::json!({"seed": "doha-2020", "items": n}));
        match s.import_audited(&meta, &mut produce, &a) {
            Ok(_) => report.seeded_items = n,
            Err(pactum_store::StreamError::Store(e)) => return Err(e),
            Err(pactum_store::StreamError::Input(e)) => {
                return Err(StoreError::Db(format!("the built-in example evidence does not read: {}", e[0].message)))
            }
        }
    }
    if s.users()?.is_empty() {
        let (password, generated) = match &config.admin_password {
            Some(p) => {
                auth::check_password(p).map_err(|e| StoreError::Db(format!("the first admin's password: {}", e.message)))?;
                (p.clone(), None)
            }
            None => {
                let p = auth::secret().map_err(|e| StoreError::Db(e.message))?[..20].to_string();
                (p.clone(), Some(p))
            }
        };
        let user = User {
            name: "admin".into(),
            role: Role::Admin,
            password_hash: auth::hash_password(&password).map_err(|e| StoreError::Db(e.message))?,
            disabled: false,
            created_at: at.clone(),
        };
        s.create_user(&user, Some(&audit("user.create", "admin", serde_json::json!({"role": "admin", "first_start": true}))))?;
        report.created_admin = Some(("admin".into(), generated));
    }
    Ok(report)
}
