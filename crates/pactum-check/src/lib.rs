//! Semantic checks of agreement files and the checked model the engine runs on.
//!
//! [`check`] resolves every name, converts the syntax tree into a [`model::Case`], and reports
//! what would doom an agreement before any evidence is read: duties on parties that did not
//! sign, circular preconditions, deadlines before signing, contradictory deadlines or terms,
//! provisions that can never fall due, measures no evidence can feed, and two documents that
//! state one commitment with different conditions.
//!
//! **Invariant:** checking never fails: it always returns a model (with unresolved parts left
//! out) plus every diagnostic, so one run reports every problem.

pub mod model;
mod resolve;
mod rules;

use pactum_syntax::{ast, Diagnostic, FileId, SourceMap};

pub use model::Case;

/// Checks the parsed files of one case together.
pub fn check(files: &[(FileId, &ast::File)], sources: &SourceMap) -> (Case, Vec<Diagnostic>) {
    let mut r = resolve::Resolver::new(sources);
    r.collect(files);
    r.resolve_all();
    let (mut case, mut diags, info) = r.finish();
    rules::run(&mut case, &info, &mut diags);
    diags.sort_by_key(|d| (d.span.file, d.span.start, d.severity));
    (case, diags)
}

/// Parses and checks source texts given as (file name, text) pairs: the convenience entry point.
pub fn check_sources(inputs: &[(String, String)]) -> (Case, Vec<Diagnostic>, SourceMap) {
    let mut sources = SourceMap::default();
    let mut parsed = Vec::new();
    let mut diags = Vec::new();
    for (name, text) in inputs {
        let id = sources.add(name.clone(), text.clone());
        let (f, mut d) = pactum_syntax::parse(id, text);
        diags.append(&mut d);
        parsed.push((id, f));
    }
    let refs: Vec<(FileId, &ast::File)> = parsed.iter().map(|(i, f)| (*i, f)).collect();
    let (case, mut d) = check(&refs, &sources);
    diags.append(&mut d);
    diags.sort_by_key(|d| (d.span.file, d.span.start, d.severity));
    (case, diags, sources)
}
