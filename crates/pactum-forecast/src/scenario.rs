//! Scenario files: a few lines that change the assumptions of a forecast.
//!
//! ```text
//! scenario "Government releases 500 a week from 1 April"
//! // the level rises by 500 every week from 1 April (instead of the estimated trend)
//! rate prisoners_released_total where actor = gov: +500 every 1 week from 2020-04-01
//! event talks_started where actor = taliban on 2020-05-01
//! event sanctions_lifted where actor = unsc never
//! no retaliation by us
//! retaliation by taliban x2
//! ```
//!
//! Parsing checks kinds and party names against the case, and every problem is reported with
//! `file:line:col`, what is wrong and how to fix it. See docs/forecast.md.

use pactum_base::{Date, Duration, DurationUnit};
use pactum_check::model::{Atom, Case, Filter, KindId, PartyId};
use pactum_syntax::ast::{Field, KindShape};
use serde::Serialize;
use std::fmt;

/// A parsed scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    /// The name given on the `scenario "..."` line, or the file name.
    pub title: String,
    pub file: String,
    pub rules: Vec<Rule>,
}

/// One line of a scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub line: usize,
    /// The line as written (trimmed).
    pub text: String,
    #[serde(skip)]
    pub action: Action,
}

/// Which evidence a rule acts on: a kind and an optional filter, as in a measure.
#[derive(Clone, Debug)]
pub struct Target {
    pub kind: KindId,
    pub filter: Option<Filter>,
}

#[derive(Clone, Debug)]
pub enum Action {
    /// A level changes by `amount` every `every` (a level kind), or `amount` events happen
    /// every `every` on average (a count or event kind), from `from` until `until`.
    Rate { target: Target, amount: f64, every: Duration, from: Option<Date>, until: Option<Date> },
    /// The event is reported on this day (and the kind's generator is switched off).
    EventOn { target: Target, date: Date },
    /// The event never happens.
    Never { target: Target },
    /// Retaliation factor, for one party or all.
    Retaliation { by: Option<PartyId>, factor: f64 },
}

/// A problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: error: {}", self.file, self.line, self.col, self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  = help: {h}")?;
        }
        Ok(())
    }
}

/// Renders every error, one after the other.
pub fn render_errors(errors: &[ScenarioError]) -> String {
    errors.iter().map(|e| format!("{e}\n")).collect()
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(f64, bool),
    Date(Date),
    Punct(char),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    col: usize,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Num(..) => "a number".into(),
            Tok::Date(d) => format!("the date `{d}`"),
            Tok::Punct(c) => format!("`{c}`"),
        }
    }
}

type LineResult<T> = Result<T, (usize, String, Option<String>)>;

fn lex(line: &str) -> LineResult<Vec<Token>> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '#' || (c == '/' && chars.get(i + 1) == Some(&'/')) {
            break;
        }
        if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err((col, "this text is not closed".into(), Some("end it with `\"` on the same line".into()))),
                    Some('"') => break,
                    Some('\\') if chars.get(i + 1) == Some(&'"') => {
                        s.push('"');
                        i += 2;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                }
            }
            i += 1;
            out.push(Token { tok: Tok::Str(s), col });
            continue;
        }
        let signed = (c == '+' || c == '-') && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_digit() || signed {
            let start = i;
            if signed {
                i += 1;
            }
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | ',' | '_' | '-')) {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            if !signed && text.len() == 10 && text.as_bytes()[4] == b'-' {
                match Date::parse(&text) {
                    Some(d) => out.push(Token { tok: Tok::Date(d), col }),
                    None => {
                        return Err((col, format!("`{text}` is not a date"), Some("write dates as YYYY-MM-DD, e.g. 2020-04-01".into())))
                    }
                }
                continue;
            }
            let cleaned: String = text.chars().filter(|c| *c != ',' && *c != '_').collect();
            match cleaned.parse::<f64>() {
                Ok(v) if v.is_finite() => out.push(Token { tok: Tok::Num(v, signed), col }),
                _ => return Err((col, format!("`{text}` is not a number"), Some("write numbers like 500, +500, -1,000 or 2.5".into()))),
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                i += 1;
            }
            out.push(Token { tok: Tok::Word(chars[start..i].iter().collect()), col });
            continue;
        }
        if matches!(c, ':' | '=' | '[' | ']' | ',' | '(' | ')') {
            out.push(Token { tok: Tok::Punct(c), col });
            i += 1;
            continue;
        }
        return Err((col, format!("unexpected character `{c}`"), None));
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    end_col: usize,
    case: &'a Case,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |t| t.col)
    }

    fn found(&self) -> String {
        self.peek().map_or("the end of the line".into(), Tok::describe)
    }

    fn err<T>(&self, msg: String, help: Option<&str>) -> LineResult<T> {
        Err((self.col(), msg, help.map(str::to_string)))
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.is_word(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str, help: &str) -> LineResult<()> {
        if self.eat_word(w) {
            Ok(())
        } else {
            self.err(format!("expected `{w}`, found {}", self.found()), Some(help))
        }
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn end(&self, help: &str) -> LineResult<()> {
        if self.pos < self.toks.len() {
            return self.err(format!("unexpected {} at the end of the line", self.found()), Some(help));
        }
        Ok(())
    }

    fn date(&mut self, what: &str) -> LineResult<Date> {
        match self.peek() {
            Some(Tok::Date(d)) => {
                let d = *d;
                self.pos += 1;
                Ok(d)
            }
            _ => self
                .err(format!("expected a date after `{what}`, found {}", self.found()), Some("write dates as YYYY-MM-DD, e.g. 2020-05-01")),
        }
    }

    fn party(&mut self) -> LineResult<PartyId> {
        let col = self.col();
        match self.peek().cloned() {
            Some(Tok::Word(w)) => {
                self.pos += 1;
                self.case.party_by_name(&w).ok_or_else(|| {
                    let hint = pactum_syntax::did_you_mean(&w, self.case.parties.iter().map(|p| p.id.as_str()));
                    (col, format!("the case has no party `{w}`"), Some(party_help(self.case, hint)))
                })
            }
            _ => self.err(format!("expected a party, found {}", self.found()), Some(&party_help(self.case, None))),
        }
    }

    /// `KIND [where FILTER]`
    fn target(&mut self) -> LineResult<(Target, KindShape)> {
        let col = self.col();
        let Some(Tok::Word(name)) = self.peek().cloned() else {
            return self
                .err(format!("expected an evidence kind, found {}", self.found()), Some("name a kind such as `attack` or `troop_level`"));
        };
        self.pos += 1;
        let Some(kind) = self.case.kind_by_name(&name) else {
            let hint = pactum_syntax::did_you_mean(&name, self.case.kinds.iter().map(|k| k.name.as_str()));
            let help = match hint {
                Some(h) => format!("did you mean `{h}`?"),
                None => format!("the case knows: {}", self.case.kinds.iter().map(|k| k.name.as_str()).collect::<Vec<_>>().join(", ")),
            };
            return Err((col, format!("the case has no evidence kind `{name}`"), Some(help)));
        };
        let filter = if self.eat_word("where") { Some(self.or()?) } else { None };
        Ok((Target { kind, filter }, self.case.kinds[kind].shape))
    }

    fn or(&mut self) -> LineResult<Filter> {
        let mut f = self.and()?;
        while self.eat_word("or") {
            let g = self.and()?;
            f = Filter::Or(Box::new(f), Box::new(g));
        }
        Ok(f)
    }

    fn and(&mut self) -> LineResult<Filter> {
        let mut f = self.unary()?;
        while self.eat_word("and") {
            let g = self.unary()?;
            f = Filter::And(Box::new(f), Box::new(g));
        }
        Ok(f)
    }

    fn unary(&mut self) -> LineResult<Filter> {
        if self.eat_word("not") {
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.eat_punct('(') {
            let f = self.or()?;
            if !self.eat_punct(')') {
                return self.err(format!("expected `)`, found {}", self.found()), Some("close the parenthesis"));
            }
            return Ok(f);
        }
        let field = match self.peek() {
            Some(Tok::Word(w)) if w == "actor" => Field::Actor,
            Some(Tok::Word(w)) if w == "target" => Field::Target,
            Some(Tok::Word(w)) if w == "place" => Field::Place,
            _ => {
                return self.err(
                    format!("expected `actor`, `target` or `place`, found {}", self.found()),
                    Some("filters read like measures: `where actor = gov and target = taliban`"),
                )
            }
        };
        self.pos += 1;
        let mut atoms = Vec::new();
        if self.eat_punct('=') {
            atoms.push(self.atom(field)?);
        } else if self.eat_word("in") {
            if !self.eat_punct('[') {
                return self.err(format!("expected `[`, found {}", self.found()), Some("write a list as `in [us, allies]`"));
            }
            loop {
                atoms.push(self.atom(field)?);
                if self.eat_punct(',') {
                    continue;
                }
                if self.eat_punct(']') {
                    break;
                }
                return self.err(format!("expected `,` or `]`, found {}", self.found()), Some("write a list as `in [us, allies]`"));
            }
        } else {
            return self.err(format!("expected `=` or `in`, found {}", self.found()), Some("write `actor = gov` or `actor in [gov, us]`"));
        }
        Ok(Filter::In(field, atoms))
    }

    fn atom(&mut self, field: Field) -> LineResult<Atom> {
        let col = self.col();
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(Atom::Text(s))
            }
            Some(Tok::Word(w)) if field != Field::Place => {
                self.pos += 1;
                match self.case.party_by_name(&w) {
                    Some(p) => Ok(Atom::Party(p)),
                    None => {
                        let hint = pactum_syntax::did_you_mean(&w, self.case.parties.iter().map(|p| p.id.as_str()));
                        let help = match hint {
                            Some(h) => format!("did you mean `{h}`? (a name that is not a party is quoted: \"{w}\")"),
                            None => format!("{} (a name that is not a party is quoted: \"{w}\")", party_help(self.case, None)),
                        };
                        Err((col, format!("the case has no party `{w}`"), Some(help)))
                    }
                }
            }
            Some(Tok::Word(w)) => Err((col, format!("a place must be quoted: `\"{w}\"`"), Some(format!("write `place = \"{w}\"`")))),
            _ => self.err(
                format!("expected a party or a quoted name, found {}", self.found()),
                Some("write `actor = gov` or `place = \"Kabul\"`"),
            ),
        }
    }
}

fn party_help(case: &Case, hint: Option<&str>) -> String {
    match hint {
        Some(h) => format!("did you mean `{h}`?"),
        None => format!("the parties are: {}", case.parties.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")),
    }
}

const RULE_HELP: &str = "a line is one of: `scenario \"NAME\"`, `rate KIND [where ...]: +N every 1 week [from DATE] [until DATE]`, \
`event KIND [where ...] on DATE`, `event KIND [where ...] never`, `no retaliation [by PARTY]`, `retaliation [by PARTY] x1.5`";

fn parse_line(p: &mut Parser, title: &mut Option<String>, line_no: usize, seen_rule: bool) -> LineResult<Option<Action>> {
    let col = p.col();
    let Some(Tok::Word(head)) = p.peek().cloned() else {
        return p.err(format!("expected a rule, found {}", p.found()), Some(RULE_HELP));
    };
    p.pos += 1;
    match head.as_str() {
        "scenario" => {
            let Some(Tok::Str(t)) = p.peek().cloned() else {
                return p.err(
                    format!("expected the scenario's name in quotes, found {}", p.found()),
                    Some("write `scenario \"Talks start in May\"`"),
                );
            };
            p.pos += 1;
            p.end("the `scenario` line holds only the name")?;
            if title.is_some() || seen_rule {
                return Err((
                    col,
                    "the `scenario` line must come first, once".into(),
                    Some("move the name to the first line of the file".into()),
                ));
            }
            let _ = line_no;
            *title = Some(t);
            Ok(None)
        }
        "rate" => {
            let (target, shape) = p.target()?;
            if !p.eat_punct(':') {
                return p.err(
                    format!("expected `:` after the evidence, found {}", p.found()),
                    Some("write `rate KIND where ...: +500 every 1 week`"),
                );
            }
            let ncol = p.col();
            let (amount, signed) = match p.peek() {
                Some(Tok::Num(v, s)) => (*v, *s),
                _ => {
                    return p.err(
                        format!("expected a number, found {}", p.found()),
                        Some("write `+500 every 1 week` (a level) or `3 every 1 week` (events)"),
                    )
                }
            };
            p.pos += 1;
            if shape != KindShape::Level && amount < 0.0 {
                return Err((
                    ncol,
                    "events cannot happen a negative number of times".into(),
                    Some("give the number of events per period, e.g. `3 every 1 week`; use `event ... never` to stop them".into()),
                ));
            }
            let _ = signed;
            p.expect_word("every", "write the period as `every 1 week`, `every 2 weeks`, `every 10 days` or `every month`")?;
            let amount_col = p.col();
            let n = match p.peek() {
                Some(Tok::Num(v, false)) if *v >= 1.0 && v.fract() == 0.0 => {
                    let n = *v as i64;
                    p.pos += 1;
                    n
                }
                Some(Tok::Num(..)) => {
                    return Err((
                        amount_col,
                        "the period must be a whole number of days, weeks, months or years".into(),
                        Some("write e.g. `every 2 weeks`".into()),
                    ))
                }
                _ => 1,
            };
            let unit = match p.peek() {
                Some(Tok::Word(w)) => match w.trim_end_matches('s') {
                    "day" => DurationUnit::Days,
                    "week" => DurationUnit::Weeks,
                    "month" => DurationUnit::Months,
                    "year" => DurationUnit::Years,
                    _ => {
                        return p.err(
                            format!("expected `days`, `weeks`, `months` or `years`, found {}", p.found()),
                            Some("write the period as `every 1 week`"),
                        )
                    }
                },
                _ => {
                    return p.err(
                        format!("expected `days`, `weeks`, `months` or `years`, found {}", p.found()),
                        Some("write the period as `every 1 week`"),
                    )
                }
            };
            p.pos += 1;
            let mut from = None;
            let mut until = None;
            loop {
                if p.eat_word("from") {
                    from = Some(p.date("from")?);
                } else if p.eat_word("until") {
                    let ucol = p.col();
                    let u = p.date("until")?;
                    if from.is_some_and(|f| u < f) {
                        return Err((ucol, format!("the period ends ({u}) before it starts"), Some("put `until` after `from`".into())));
                    }
                    until = Some(u);
                } else {
                    break;
                }
            }
            p.end("after the period, only `from DATE` and `until DATE` may follow")?;
            Ok(Some(Action::Rate { target, amount, every: Duration { amount: n, unit }, from, until }))
        }
        "event" => {
            let tcol = p.col();
            let (target, shape) = p.target()?;
            if shape == KindShape::Level {
                return Err((
                    tcol,
                    "a level is not an event".into(),
                    Some("change a level with `rate KIND where ...: -500 every 1 week`".into()),
                ));
            }
            if p.eat_word("never") {
                p.end("nothing may follow `never`")?;
                return Ok(Some(Action::Never { target }));
            }
            if !p.eat_word("on") {
                return p.err(
                    format!("expected `on DATE` or `never`, found {}", p.found()),
                    Some("write `event talks_started where actor = taliban on 2020-05-01`"),
                );
            }
            let date = p.date("on")?;
            p.end("nothing may follow the date")?;
            Ok(Some(Action::EventOn { target, date }))
        }
        "no" => {
            p.expect_word("retaliation", "write `no retaliation` or `no retaliation by PARTY`")?;
            let by = if p.eat_word("by") { Some(p.party()?) } else { None };
            p.end("write `no retaliation` or `no retaliation by PARTY`")?;
            Ok(Some(Action::Retaliation { by, factor: 1.0 }))
        }
        "retaliation" => {
            let by = if p.eat_word("by") { Some(p.party()?) } else { None };
            let fcol = p.col();
            let factor = match p.peek().cloned() {
                Some(Tok::Num(v, false)) => {
                    p.pos += 1;
                    Some(v)
                }
                Some(Tok::Word(w)) if w.starts_with('x') => {
                    p.pos += 1;
                    w[1..].parse::<f64>().ok().filter(|v| v.is_finite())
                }
                _ => None,
            };
            let Some(factor) = factor.filter(|f| *f >= 0.0) else {
                return Err((
                    fcol,
                    "expected a retaliation factor".into(),
                    Some("write `retaliation x1.5` (rates multiplied by 1.5 after a breach) or `no retaliation`".into()),
                ));
            };
            p.end("nothing may follow the factor")?;
            Ok(Some(Action::Retaliation { by, factor }))
        }
        other => {
            let hint = pactum_syntax::did_you_mean(other, ["scenario", "rate", "event", "no", "retaliation"]);
            Err((col, format!("unknown rule `{other}`"), Some(hint.map_or(RULE_HELP.to_string(), |h| format!("did you mean `{h}`?")))))
        }
    }
}

/// Parses a scenario file against a case. Returns every error (one per bad line).
pub fn parse_scenario(file: &str, text: &str, case: &Case) -> Result<Scenario, Vec<ScenarioError>> {
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    let mut title = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let toks = match lex(raw) {
            Ok(t) => t,
            Err((col, message, help)) => {
                errors.push(ScenarioError { file: file.to_string(), line: line_no, col, message, help });
                continue;
            }
        };
        if toks.is_empty() {
            continue;
        }
        let mut p = Parser { toks, pos: 0, end_col: raw.chars().count() + 1, case };
        match parse_line(&mut p, &mut title, line_no, !rules.is_empty()) {
            Ok(Some(action)) => rules.push(Rule { line: line_no, text: raw.trim().to_string(), action }),
            Ok(None) => {}
            Err((col, message, help)) => errors.push(ScenarioError { file: file.to_string(), line: line_no, col, message, help }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let title = title.unwrap_or_else(|| file.rsplit('/').next().unwrap_or(file).to_string());
    Ok(Scenario { title, file: file.to_string(), rules })
}

/// Days in a period, for rates: months and years at their average length.
pub fn period_days(d: Duration) -> f64 {
    let n = d.amount as f64;
    match d.unit {
        DurationUnit::Days => n,
        DurationUnit::Weeks => 7.0 * n,
        DurationUnit::Months => 30.436_875 * n,
        DurationUnit::Years => 365.2425 * n,
    }
}
