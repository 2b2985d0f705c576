use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    Ident,
    /// A string literal; the token's `text` holds the unescaped value.
    Str,
    /// An integer or decimal number (`8600`, `8_600`, `2.5`).
    Number,
    /// A number followed by `%`.
    Percent,
    /// `YYYY-MM-DD`.
    Date,
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    DotDot,
    Plus,
    Eq,
    EqEq,
    Le,
    Ge,
    Lt,
    Gt,
    /// A `//` comment, kept so that formatting loses no notes.
    Comment,
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub kind: TokenKind,
    pub text: String,
    pub span: Span,
    /// Whether this is the first token on its line; the parser resynchronises on such tokens.
    pub line_start: bool,
    /// Whether a blank line precedes this token, so the formatter can keep paragraph breaks.
    pub blank_before: bool,
}

/// Splits source text into tokens. Never fails: bad characters become diagnostics and are skipped.
pub fn lex(file: FileId, src: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut toks = Vec::new();
    let mut diags = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    let mut line_start = true;
    let mut newlines = 2;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line_start = true;
            newlines += 1;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let blank_before = newlines >= 2;
        let push = |kind: TokenKind, text: String, end: usize, toks: &mut Vec<Token>| {
            toks.push(Token { kind, text, span: Span::new(file, start, end), line_start, blank_before });
        };
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
            push(TokenKind::Comment, src[i + 2..end].trim_end().to_string(), end, &mut toks);
            i = end;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            push(TokenKind::Ident, src[i..j].to_string(), j, &mut toks);
            i = j;
        } else if c.is_ascii_digit() {
            if is_date_at(b, i) {
                push(TokenKind::Date, src[i..i + 10].to_string(), i + 10, &mut toks);
                i += 10;
            } else if looks_like_date(b, i) {
                // `2020-3-1`: one malformed date, reported once by the parser.
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'-') {
                    j += 1;
                }
                push(TokenKind::Date, src[i..j].to_string(), j, &mut toks);
                i = j;
            } else {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'_') {
                    j += 1;
                }
                if j + 1 < b.len() && b[j] == b'.' && b[j + 1].is_ascii_digit() {
                    j += 1;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                }
                let text: String = src[i..j].chars().filter(|c| *c != '_').collect();
                if b.get(j) == Some(&b'%') {
                    push(TokenKind::Percent, text, j + 1, &mut toks);
                    i = j + 1;
                } else {
                    push(TokenKind::Number, text, j, &mut toks);
                    i = j;
                }
            }
        } else if c == b'\'' {
            // A common slip: single quotes. Read the string anyway so that one mistake
            // gives one error, not three.
            let end = src[i + 1..].find(['\'', '\n']).map_or(b.len(), |n| i + 1 + n);
            let close = if b.get(end) == Some(&b'\'') { end + 1 } else { end };
            diags.push(
                Diagnostic::error("single-quotes", Span::new(file, i, close), "strings are written between double quotes")
                    .with_help(format!("write \"{}\"", &src[i + 1..end])),
            );
            push(TokenKind::Str, src[i + 1..end].to_string(), close, &mut toks);
            i = close;
        } else if c == b'"' {
            let mut j = i + 1;
            let mut value = String::new();
            let mut closed = false;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        closed = true;
                        j += 1;
                        break;
                    }
                    b'\n' => break,
                    b'\\' if j + 1 < b.len() => {
                        // The escaped character may be more than one byte long.
                        let esc_len = src[j + 1..].chars().next().map_or(1, char::len_utf8);
                        match b[j + 1] {
                            b'"' => value.push('"'),
                            b'\\' => value.push('\\'),
                            b'n' => value.push('\n'),
                            _ => {
                                diags.push(
                                    Diagnostic::error("bad-escape", Span::new(file, j, j + 1 + esc_len), "unknown escape in a string")
                                        .with_help("write `\\\"` for a quote, `\\\\` for a backslash, `\\n` for a new line"),
                                );
                            }
                        }
                        j += 1 + esc_len;
                    }
                    _ => {
                        let ch_len = src[j..].chars().next().map_or(1, char::len_utf8);
                        value.push_str(&src[j..j + ch_len]);
                        j += ch_len;
                    }
                }
            }
            if !closed {
                diags.push(
                    Diagnostic::error("unclosed-string", Span::new(file, i, j), "this string has no closing quote")
                        .with_help("add a `\"` before the end of the line"),
                );
            }
            push(TokenKind::Str, value, j, &mut toks);
            i = j;
        } else {
            let two = b.get(i + 1).copied();
            let (kind, len) = match (c, two) {
                (b'.', Some(b'.')) => (Some(TokenKind::DotDot), 2),
                (b'=', Some(b'=')) => (Some(TokenKind::EqEq), 2),
                (b'<', Some(b'=')) => (Some(TokenKind::Le), 2),
                (b'>', Some(b'=')) => (Some(TokenKind::Ge), 2),
                (b'{', _) => (Some(TokenKind::LBrace), 1),
                (b'}', _) => (Some(TokenKind::RBrace), 1),
                (b'(', _) => (Some(TokenKind::LParen), 1),
                (b')', _) => (Some(TokenKind::RParen), 1),
                (b'[', _) => (Some(TokenKind::LBracket), 1),
                (b']', _) => (Some(TokenKind::RBracket), 1),
                (b',', _) => (Some(TokenKind::Comma), 1),
                (b'.', _) => (Some(TokenKind::Dot), 1),
                (b'+', _) => (Some(TokenKind::Plus), 1),
                (b'=', _) => (Some(TokenKind::Eq), 1),
                (b'<', _) => (Some(TokenKind::Lt), 1),
                (b'>', _) => (Some(TokenKind::Gt), 1),
                _ => (None, src[i..].chars().next().map_or(1, char::len_utf8)),
            };
            match kind {
                Some(k) => push(k, src[i..i + len].to_string(), i + len, &mut toks),
                None => {
                    let ch = &src[i..i + len];
                    let mut d =
                        Diagnostic::error("unexpected-character", Span::new(file, i, i + len), format!("unexpected character `{ch}`"));
                    if ch == "#" {
                        d = d.with_help("comments start with `//`");
                    } else if ch == "\u{201c}" || ch == "\u{201d}" {
                        d = d.with_help("write strings between straight double quotes: \"...\"");
                    }
                    diags.push(d);
                }
            }
            i += len;
        }
        line_start = false;
        newlines = 0;
    }
    toks.push(Token {
        kind: TokenKind::Eof,
        text: String::new(),
        span: Span::new(file, b.len(), b.len()),
        line_start: true,
        blank_before: false,
    });
    (toks, diags)
}

/// Four digits and a dash followed by a digit: meant as a date, whatever its shape.
fn looks_like_date(b: &[u8], i: usize) -> bool {
    (0..4).all(|k| b.get(i + k).is_some_and(u8::is_ascii_digit))
        && b.get(i + 4) == Some(&b'-')
        && b.get(i + 5).is_some_and(u8::is_ascii_digit)
}

fn is_date_at(b: &[u8], i: usize) -> bool {
    let d = |k: usize| b.get(i + k).is_some_and(u8::is_ascii_digit);
    d(0) && d(1) && d(2) && d(3) && b.get(i + 4) == Some(&b'-') && d(5) && d(6) && b.get(i + 7) == Some(&b'-') && d(8) && d(9) && !d(10)
}
