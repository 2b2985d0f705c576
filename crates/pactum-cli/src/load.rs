//! Reading a case from disk: agreement files and evidence files. This is the edge where files
//! are read; everything after it is pure.

use pactum_check::Case;
use pactum_evidence::{EvidenceError, Item};
use pactum_syntax::{Diagnostic, Severity, SourceMap};
use std::path::{Path, PathBuf};

pub struct Loaded {
    pub case: Case,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
    pub evidence: Result<pactum_engine::Prepared, Vec<EvidenceError>>,
    pub agreement_files: Vec<PathBuf>,
    pub evidence_files: Vec<PathBuf>,
    /// The store whose items were read lean (without notes and sources), if any: the items a
    /// report cites are read again in full from it ([`Loaded::complete_citations`]).
    pub lean_store: Option<pactum_store::StoreUrl>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error) || self.evidence.is_err()
    }
}

/// An I/O or usage problem: exit code 2.
#[derive(Debug)]
pub struct Fatal(pub String);

fn read(path: &Path) -> Result<String, Fatal> {
    std::fs::read_to_string(path).map_err(|e| Fatal(format!("cannot read `{}`: {e}", path.display())))
}

fn list(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> Result<(), Fatal> {
    let rd = std::fs::read_dir(dir).map_err(|e| Fatal(format!("cannot read the folder `{}`: {e}", dir.display())))?;
    let mut found: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e)))
        .collect();
    found.sort();
    out.extend(found);
    Ok(())
}

/// Finds the files of a case: a folder holds `*.pactum` agreement files and `*.csv` /
/// `*.jsonl` evidence files (also in an `evidence/` subfolder); a single file is an
/// agreement file. Extra evidence files can be named with `--evidence`.
pub fn find(path: &Path, extra_evidence: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), Fatal> {
    let mut agreements = Vec::new();
    let mut evidence = Vec::new();
    if path.is_dir() {
        list(path, &["pactum"], &mut agreements)?;
        list(path, &["csv", "jsonl"], &mut evidence)?;
        let sub = path.join("evidence");
        if sub.is_dir() {
            list(&sub, &["csv", "jsonl"], &mut evidence)?;
        }
        if agreements.is_empty() {
            return Err(Fatal(format!("the folder `{}` holds no agreement (`.pactum`) file", path.display())));
        }
    } else if path.is_file() {
        agreements.push(path.to_path_buf());
    } else {
        return Err(Fatal(format!("`{}` does not exist", path.display())));
    }
    evidence.extend(extra_evidence.iter().cloned());
    Ok((agreements, evidence))
}

/// Where evidence comes from besides the case's files, and up to which day it is read.
#[derive(Default)]
pub struct EvidenceSource {
    pub store: Option<pactum_store::StoreUrl>,
    /// Read only what a monitor could have known that day: items whose source was published
    /// by then (files), or that the store had recorded by then.
    pub known_on: Option<pactum_base::Date>,
}

/// Whether an item read from a file was public on `day`: its source's first possible date.
fn public_by(item: &Item, day: pactum_base::Date) -> bool {
    pactum_store::source_day(item).is_none_or(|d| d <= day)
}

pub fn load(path: &Path, extra_evidence: &[PathBuf], from: &EvidenceSource) -> Result<Loaded, Fatal> {
    let (agreement_files, evidence_files) = find(path, extra_evidence)?;
    let mut inputs = Vec::new();
    for f in &agreement_files {
        inputs.push((f.display().to_string(), read(f)?));
    }
    let (case, diagnostics, sources) = pactum_check::check_sources(&inputs);
    let mut items: Vec<Item> = Vec::new();
    let mut errors = Vec::new();
    for f in &evidence_files {
        let text = read(f)?;
        match pactum_evidence::read_file(&f.display().to_string(), &text) {
            Ok(mut v) => items.append(&mut v),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if let Some(day) = from.known_on {
        items.retain(|it| public_by(it, day));
    }
    let mut lean_store = None;
    let evidence = match &from.store {
        _ if !errors.is_empty() => Err(errors),
        None => pactum_engine::prepare(&case, items),
        Some(url) => {
            let store_err = |e: pactum_store::StoreError| Fatal(e.to_string());
            let mut store = pactum_store::Store::open(url).map_err(store_err)?;
            // Lean items (no notes, no sources): evaluation does not read them, and on large
            // stores they are most of the memory. The few items a report cites are read again
            // in full when it is written (`with_full_citations`).
            let mut all = items.clone();
            all.extend(store.items_for_evaluation(from.known_on).map_err(store_err)?);
            match pactum_engine::prepare(&case, all) {
                Ok(ev) => {
                    lean_store = Some(url.clone());
                    Ok(ev)
                }
                // Errors name each item's file and row, which lean items lack (and an id used
                // both in a file and in the store is allowed if the store's copy came from that
                // same file): prepare again from the full items.
                Err(_) => {
                    items.extend(store.items(from.known_on).map_err(store_err)?);
                    pactum_engine::prepare(&case, items)
                }
            }
        }
    };
    Ok(Loaded { case, diagnostics, sources, evidence, agreement_files, evidence_files, lean_store })
}

impl Loaded {
    /// Gives every cited item read lean from the store (see [`load`]) its source, note, file
    /// and row, read again by id. Statuses that cite no such item stay as they are.
    pub fn complete_citations(&self, statuses: &mut [pactum_engine::Status]) {
        let Some(url) = &self.lean_store else { return };
        let lean = |c: &pactum_engine::Cited| c.file.is_empty();
        let mut ids: Vec<String> = statuses.iter().flat_map(|s| s.evidence.iter().filter(|c| lean(c)).map(|c| c.id.clone())).collect();
        if ids.is_empty() {
            return;
        }
        ids.sort();
        ids.dedup();
        let full = pactum_store::Store::open(url).and_then(|mut s| s.items_by_ids(&ids));
        let full: std::collections::HashMap<String, Item> = match full {
            Ok(v) => v.into_iter().map(|it| (it.id.clone(), it)).collect(),
            Err(e) => {
                eprintln!("warning: cannot read the cited items again from the store: {e}");
                return;
            }
        };
        for c in statuses.iter_mut().flat_map(|s| s.evidence.iter_mut()).filter(|c| lean(c)) {
            if let Some(it) = full.get(&c.id) {
                c.source = it.source.to_string();
                c.note = it.note.clone();
                c.file = it.origin.file.clone();
                c.row = it.origin.row;
            }
        }
    }
}
