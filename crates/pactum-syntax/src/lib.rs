//! The agreement language's syntax: source files, spans, diagnostics, the lexer,
//! the parser and the canonical formatter.
//!
//! **Invariant:** parsing never fails. [`parse`] always returns a tree plus every
//! diagnostic it found, so one run reports every syntax error in a file.
//! **Invariant:** the tree keeps comments, so [`format`] never loses an analyst's notes.

pub mod ast;
mod diagnostic;
mod format;
mod lexer;
mod parser;
mod source;

pub use diagnostic::{render, Diagnostic, Label, Severity};
pub use format::{cond as format_cond, filter as format_filter, format, provision_item as format_provision_item, time as format_time};
pub use lexer::{lex, Token, TokenKind};
pub use parser::parse;
pub use source::{FileId, SourceFile, SourceMap, Span};

/// Edit distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates.into_iter().map(|c| (edit_distance(name, c), c)).filter(|(d, _)| *d <= limit).min_by_key(|(d, c)| (*d, *c)).map(|(_, c)| c)
}
