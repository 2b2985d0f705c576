use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::fmt::Write;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary place in the source that helps explain a diagnostic.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding about the source, pointing at the exact text it concerns.
///
/// Messages follow one style: lowercase, no trailing period, user input in
/// backticks; advice goes in `help`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable name for the kind of finding, e.g. `unknown-party`.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, code, message: message.into(), span, labels: vec![], help: None }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, code, message: message.into(), span, labels: vec![], help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into() });
        self
    }
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Renders diagnostics the way a compiler does: `file:line:col`, the source
/// line, a caret under the exact text, and the help line.
pub fn render(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let st = Style { on: color };
    let mut out = String::new();
    for d in diags {
        let (sev, code) = match d.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let _ = writeln!(out, "{}{} {}", st.paint(code, &format!("{sev}[{}]", d.code)), st.paint("1", ":"), st.paint("1", &d.message));
        snippet(&mut out, sources, d.span, None, &st, code);
        for l in &d.labels {
            snippet(&mut out, sources, l.span, Some(&l.message), &st, "1;36");
        }
        if let Some(h) = &d.help {
            let _ = writeln!(out, "  {} {h}", st.paint("1;36", "= help:"));
        }
        out.push('\n');
    }
    out
}

fn snippet(out: &mut String, sources: &SourceMap, span: Span, label: Option<&str>, st: &Style, color: &str) {
    let Some(file) = sources.get(span.file) else { return };
    let (line, col) = file.line_col(span.start as usize);
    let (end_line, end_col) = file.line_col(span.end as usize);
    let text = file.line_text(line);
    let width = if end_line == line { end_col.saturating_sub(col).max(1) } else { text.chars().count().saturating_sub(col - 1).max(1) };
    let gutter = line.to_string().len();
    let _ = writeln!(out, "{:gutter$}{} {}:{line}:{col}", "", st.paint("1;34", "-->"), file.name);
    let _ = writeln!(out, "{:gutter$} {}", "", st.paint("1;34", "|"));
    let _ = writeln!(out, "{} {} {text}", st.paint("1;34", &line.to_string()), st.paint("1;34", "|"));
    let carets = format!("{}{}", " ".repeat(col - 1), "^".repeat(width));
    let carets = match label {
        Some(l) => format!("{carets} {l}"),
        None => carets,
    };
    let _ = writeln!(out, "{:gutter$} {} {}", "", st.paint("1;34", "|"), st.paint(color, &carets));
}
