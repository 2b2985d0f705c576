use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::lexer::{lex, Token, TokenKind as T};
use crate::source::{FileId, Span};
use pactum_base::DurationUnit;

/// Parses one file. Never fails: returns the tree it could build and every problem found.
pub fn parse(file: FileId, src: &str) -> (File, Vec<Diagnostic>) {
    let (toks, mut diags) = lex(file, src);
    let mut p = Parser { toks, pos: 0, diags: Vec::new() };
    let f = p.file();
    diags.append(&mut p.diags);
    (f, diags)
}

/// Marks a syntax error that has already been reported; the caller resynchronises.
struct Reported;
type PResult<T> = Result<T, Reported>;

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    diags: Vec<Diagnostic>,
}

const PROVISION_KEYWORDS: &[&str] = &[
    "text",
    "obligor",
    "beneficiary",
    "scope",
    "trigger",
    "provided",
    "achieve",
    "perform",
    "forbid",
    "maintain",
    "reduce",
    "unmonitorable",
    "on",
    "source",
    "restates",
];
const AGREEMENT_KEYWORDS: &[&str] = &["signed", "pax", "source", "party", "kind", "measure", "provision"];

impl Parser {
    fn peek(&self) -> &Token {
        let mut i = self.pos;
        while self.toks[i].kind == T::Comment {
            i += 1;
        }
        &self.toks[i]
    }

    fn peek_nth(&self, n: usize) -> &Token {
        let mut i = self.pos;
        let mut seen = 0;
        loop {
            if self.toks[i].kind == T::Eof {
                return &self.toks[i];
            }
            if self.toks[i].kind != T::Comment {
                if seen == n {
                    return &self.toks[i];
                }
                seen += 1;
            }
            i += 1;
        }
    }

    /// Takes the comments before the next token.
    fn comments(&mut self) -> (Vec<String>, bool) {
        let mut out = Vec::new();
        let blank = self.toks[self.pos].blank_before;
        while self.toks[self.pos].kind == T::Comment {
            out.push(self.toks[self.pos].text.clone());
            self.pos += 1;
        }
        (out, blank)
    }

    fn bump(&mut self) -> Token {
        while self.toks[self.pos].kind == T::Comment {
            self.pos += 1;
        }
        let t = self.toks[self.pos].clone();
        if t.kind != T::Eof {
            self.pos += 1;
        }
        t
    }

    fn at(&self, k: T) -> bool {
        self.peek().kind == k
    }

    fn at_kw(&self, kw: &str) -> bool {
        let t = self.peek();
        t.kind == T::Ident && t.text == kw
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn describe(t: &Token) -> String {
        match t.kind {
            T::Eof => "the end of the file".into(),
            T::Str => format!("the string \"{}\"", t.text),
            _ => format!("`{}`", t.text),
        }
    }

    fn error_here(&mut self, expected: &str, help: Option<&str>) -> Reported {
        let t = self.peek().clone();
        let mut d = Diagnostic::error("syntax", t.span, format!("expected {expected}, found {}", Self::describe(&t)));
        if let Some(h) = help {
            d = d.with_help(h);
        }
        self.diags.push(d);
        Reported
    }

    fn expect(&mut self, k: T, what: &str) -> PResult<Token> {
        if self.at(k) {
            Ok(self.bump())
        } else {
            Err(self.error_here(what, None))
        }
    }

    fn expect_kw(&mut self, kw: &str) -> PResult<Span> {
        if self.at_kw(kw) {
            Ok(self.bump().span)
        } else {
            Err(self.error_here(&format!("`{kw}`"), None))
        }
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        let t = self.peek().clone();
        if t.kind == T::Ident {
            self.bump();
            Ok(Ident { name: t.text, span: t.span })
        } else {
            let help = match t.kind {
                T::Str => Some("names are written without quotes: letters, digits and `_`"),
                T::Number | T::Date => Some("a name must start with a letter"),
                _ => None,
            };
            Err(self.error_here(what, help))
        }
    }

    fn string(&mut self, what: &str) -> PResult<Lit<String>> {
        let t = self.peek().clone();
        if t.kind == T::Str {
            self.bump();
            Ok(Lit { value: t.text, span: t.span })
        } else {
            let help = if t.kind == T::Ident { Some("put the text between double quotes") } else { None };
            Err(self.error_here(what, help))
        }
    }

    fn number(&mut self, what: &str) -> PResult<Lit<Number>> {
        let t = self.peek().clone();
        if t.kind == T::Number {
            self.bump();
            let value = t.text.parse::<f64>().unwrap_or(0.0);
            Ok(Lit { value: Number { text: t.text, value }, span: t.span })
        } else {
            let help = if t.kind == T::Percent { Some("a percentage is not allowed here; write a plain number") } else { None };
            Err(self.error_here(what, help))
        }
    }

    fn date(&mut self) -> PResult<Lit<String>> {
        let t = self.peek().clone();
        if t.kind == T::Date {
            self.bump();
            if pactum_base::Date::parse(&t.text).is_none() {
                let help = if t.text.len() == 10 {
                    "check the month (01-12) and the day of the month"
                } else {
                    "write dates as YYYY-MM-DD, with two digits for the month and the day: 2020-03-01"
                };
                self.diags.push(Diagnostic::error("bad-date", t.span, format!("`{}` is not a calendar date", t.text)).with_help(help));
            }
            Ok(Lit { value: t.text, span: t.span })
        } else {
            Err(self.error_here("a date (YYYY-MM-DD)", None))
        }
    }

    /// Skips to the next token that starts a line and looks like the start of an item, or to
    /// a closing brace, so that one error does not hide the next.
    fn recover(&mut self, keywords: &[&str]) {
        let start = self.pos;
        loop {
            let t = self.peek();
            if t.kind == T::Eof || t.kind == T::RBrace {
                return;
            }
            if self.pos > start && t.line_start && t.kind == T::Ident && keywords.contains(&t.text.as_str()) {
                return;
            }
            if t.kind == T::LBrace {
                self.skip_block();
                continue;
            }
            self.bump();
        }
    }

    fn skip_block(&mut self) {
        let mut depth = 0usize;
        loop {
            let t = self.bump();
            match t.kind {
                T::LBrace => depth += 1,
                T::RBrace => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                T::Eof => return,
                _ => {}
            }
        }
    }

    fn file(&mut self) -> File {
        let mut f = File::default();
        loop {
            let (comments, blank_before) = self.comments();
            let t = self.peek().clone();
            if t.kind == T::Eof {
                f.trailing = comments;
                break;
            }
            let start = t.span;
            let item = match t.text.as_str() {
                "agreement" if t.kind == T::Ident => self.agreement().map(TopItem::Agreement),
                "kind" if t.kind == T::Ident => self.kind_decl().map(TopItem::Kind),
                "measure" if t.kind == T::Ident => self.measure_decl().map(TopItem::Measure),
                _ => Err(self.error_here(
                    "`agreement`, `kind` or `measure`",
                    Some("a file holds `agreement NAME \"title\" { ... }` blocks, and shared `kind` and `measure` declarations"),
                )),
            };
            match item {
                Ok(node) => {
                    let span = start.to(self.prev_span());
                    f.items.push(Node { comments, blank_before, node, span });
                }
                Err(Reported) => {
                    if self.pos == self.pos_of_peek() && self.peek().kind != T::Eof {
                        self.bump();
                    }
                    self.recover(&["agreement", "kind", "measure"]);
                    if self.at(T::RBrace) {
                        self.bump();
                    }
                }
            }
        }
        f
    }

    fn pos_of_peek(&self) -> usize {
        let mut i = self.pos;
        while self.toks[i].kind == T::Comment {
            i += 1;
        }
        i
    }

    fn prev_span(&self) -> Span {
        let mut i = self.pos;
        while i > 0 {
            i -= 1;
            if self.toks[i].kind != T::Comment {
                return self.toks[i].span;
            }
        }
        self.toks[0].span
    }

    fn agreement(&mut self) -> PResult<Agreement> {
        self.expect_kw("agreement")?;
        let id = self.ident("a name for the agreement")?;
        let title = self.string("the agreement's title in quotes")?;
        self.expect(T::LBrace, "`{`")?;
        let mut items = Vec::new();
        let trailing;
        loop {
            let (comments, blank_before) = self.comments();
            let t = self.peek().clone();
            if t.kind == T::RBrace {
                self.bump();
                trailing = comments;
                break;
            }
            if t.kind == T::Eof {
                self.diags.push(
                    Diagnostic::error("unclosed-block", t.span, format!("agreement `{}` is not closed", id.name))
                        .with_label(id.span, "opened here")
                        .with_help("add a `}` at the end of the agreement"),
                );
                trailing = comments;
                break;
            }
            match self.agreement_item() {
                Ok(node) => items.push(Node { comments, blank_before, node, span: t.span.to(self.prev_span()) }),
                Err(Reported) => self.recover(AGREEMENT_KEYWORDS),
            }
        }
        Ok(Agreement { id, title, items, trailing })
    }

    fn agreement_item(&mut self) -> PResult<AgreementItem> {
        let t = self.peek().clone();
        if t.kind != T::Ident {
            return Err(self.error_here("an agreement item (`signed`, `party`, `measure`, `provision`, ...)", None));
        }
        match t.text.as_str() {
            "signed" => {
                self.bump();
                let date = self.date()?;
                let place = if self.eat_kw("at") { Some(self.string("the place of signing in quotes")?) } else { None };
                Ok(AgreementItem::Signed { date, place })
            }
            "pax" => {
                self.bump();
                Ok(AgreementItem::Pax(self.number("the PA-X agreement id")?))
            }
            "source" => {
                self.bump();
                Ok(AgreementItem::Source(self.string("the source in quotes")?))
            }
            "party" => self.party().map(AgreementItem::Party),
            "kind" => self.kind_decl().map(AgreementItem::Kind),
            "measure" => self.measure_decl().map(AgreementItem::Measure),
            "provision" => self.provision().map(AgreementItem::Provision),
            other => {
                let help =
                    crate::did_you_mean(other, AGREEMENT_KEYWORDS.iter().copied()).map(|s| format!("did you mean `{s}`?")).unwrap_or_else(
                        || "an agreement holds `signed`, `pax`, `source`, `party`, `kind`, `measure` and `provision` items".into(),
                    );
                Err(self.error_here("an agreement item", Some(&help)))
            }
        }
    }

    fn party(&mut self) -> PResult<Party> {
        self.expect_kw("party")?;
        let id = self.ident("a short name for the party")?;
        let name = self.string("the party's full name in quotes")?;
        let t = self.peek().clone();
        let role = match t.text.as_str() {
            "signatory" if t.kind == T::Ident => Role::Signatory,
            "not" if t.kind == T::Ident => {
                self.bump();
                self.expect_kw("signatory")?;
                Role::NotSignatory
            }
            "witness" if t.kind == T::Ident => Role::Witness,
            "guarantor" if t.kind == T::Ident => Role::Guarantor,
            "mediator" if t.kind == T::Ident => Role::Mediator,
            "third" if t.kind == T::Ident => {
                self.bump();
                self.expect_kw("party")?;
                Role::ThirdParty
            }
            _ => {
                return Err(self.error_here(
                    "a role",
                    Some("write one of `signatory`, `not signatory`, `witness`, `guarantor`, `mediator`, `third party`"),
                ))
            }
        };
        if matches!(role, Role::Signatory | Role::Witness | Role::Guarantor | Role::Mediator) {
            self.bump();
        }
        let role = Lit { value: role, span: t.span.to(self.prev_span()) };
        let mut aliases = Vec::new();
        if self.eat_kw("aka") {
            aliases.push(self.string("an alias in quotes")?);
            while self.at(T::Comma) {
                self.bump();
                aliases.push(self.string("an alias in quotes")?);
            }
        }
        Ok(Party { id, name, role, aliases })
    }

    fn kind_decl(&mut self) -> PResult<KindDecl> {
        self.expect_kw("kind")?;
        let id = self.ident("a name for the kind of evidence")?;
        let t = self.peek().clone();
        let shape = match t.text.as_str() {
            "level" => KindShape::Level,
            "count" => KindShape::Count,
            "event" => KindShape::Event,
            _ => {
                return Err(self.error_here(
                    "`level`, `count` or `event`",
                    Some("say what a row's quantity means: a level reading, a number of things, or no quantity"),
                ))
            }
        };
        self.bump();
        let description = if self.at(T::Str) { Some(self.string("a description")?) } else { None };
        Ok(KindDecl { id, shape: Lit { value: shape, span: t.span }, description })
    }

    fn measure_decl(&mut self) -> PResult<MeasureDecl> {
        self.expect_kw("measure")?;
        let id = self.ident("a name for the measure")?;
        self.expect(T::Eq, "`=`")?;
        let t = self.peek().clone();
        let agg = match t.text.as_str() {
            "count" => Agg::Count,
            "sum" => Agg::Sum,
            "latest" => Agg::Latest,
            "min" => Agg::Min,
            "max" => Agg::Max,
            _ => return Err(self.error_here("an aggregate: `count`, `sum`, `latest`, `min` or `max`", None)),
        };
        self.bump();
        self.expect(T::LParen, "`(`")?;
        let kind = self.ident("a kind of evidence")?;
        let filter = if self.eat_kw("where") { Some(self.filter()?) } else { None };
        let window = if self.eat_kw("during") { Some(self.window()?) } else { None };
        self.expect(T::RParen, "`)`")?;
        Ok(MeasureDecl { id, agg: Lit { value: agg, span: t.span }, kind, filter, window })
    }

    fn window(&mut self) -> PResult<Window> {
        let from = self.time()?;
        self.expect(T::DotDot, "`..` between the first and last day")?;
        let until = self.time()?;
        Ok(Window { from, until })
    }

    fn filter(&mut self) -> PResult<Filter> {
        let mut lhs = self.filter_and()?;
        while self.eat_kw("or") {
            let rhs = self.filter_and()?;
            lhs = Filter::Or(Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn filter_and(&mut self) -> PResult<Filter> {
        let mut lhs = self.filter_atom()?;
        while self.eat_kw("and") {
            let rhs = self.filter_atom()?;
            lhs = Filter::And(Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn filter_atom(&mut self) -> PResult<Filter> {
        if self.eat_kw("not") {
            return Ok(Filter::Not(Box::new(self.filter_atom()?)));
        }
        if self.at(T::LParen) {
            self.bump();
            let f = self.filter()?;
            self.expect(T::RParen, "`)`")?;
            return Ok(f);
        }
        let t = self.peek().clone();
        let field = match t.text.as_str() {
            "actor" => Field::Actor,
            "target" => Field::Target,
            "place" => Field::Place,
            _ => {
                return Err(self.error_here(
                    "`actor`, `target` or `place`",
                    Some("a filter compares a field of the evidence: `actor = us`, `place in [\"Kabul\", \"Helmand\"]`"),
                ))
            }
        };
        self.bump();
        let field = Lit { value: field, span: t.span };
        if self.at(T::Eq) || self.at(T::EqEq) {
            self.bump();
            Ok(Filter::Eq(field, self.value()?))
        } else if self.eat_kw("in") {
            self.expect(T::LBracket, "`[`")?;
            let mut vals = vec![self.value()?];
            while self.at(T::Comma) {
                self.bump();
                vals.push(self.value()?);
            }
            self.expect(T::RBracket, "`]`")?;
            Ok(Filter::In(field, vals))
        } else {
            Err(self.error_here("`=` or `in`", None))
        }
    }

    fn value(&mut self) -> PResult<Value> {
        if self.at(T::Str) {
            Ok(Value::Text(self.string("a value")?))
        } else {
            Ok(Value::Name(self.ident("a party name or a quoted text")?))
        }
    }

    fn provision(&mut self) -> PResult<Provision> {
        self.expect_kw("provision")?;
        let id = self.ident("a name for the provision")?;
        let title = self.string("the provision's title in quotes")?;
        let cites = if self.eat_kw("cites") { Some(self.string("the article it cites, in quotes")?) } else { None };
        self.expect(T::LBrace, "`{`")?;
        let mut items = Vec::new();
        let mut recovered = false;
        let trailing;
        loop {
            let (comments, blank_before) = self.comments();
            let t = self.peek().clone();
            if t.kind == T::RBrace {
                self.bump();
                trailing = comments;
                break;
            }
            if t.kind == T::Eof || (t.line_start && t.kind == T::Ident && t.text == "provision") {
                self.diags.push(
                    Diagnostic::error("unclosed-block", t.span, format!("provision `{}` is not closed", id.name))
                        .with_label(id.span, "opened here")
                        .with_help("add a `}` at the end of the provision"),
                );
                trailing = comments;
                break;
            }
            match self.provision_item() {
                Ok(node) => items.push(Node { comments, blank_before, node, span: t.span.to(self.prev_span()) }),
                Err(Reported) => {
                    recovered = true;
                    self.recover(PROVISION_KEYWORDS);
                }
            }
        }
        Ok(Provision { recovered, id, title, cites, items, trailing })
    }

    fn idents(&mut self, what: &str) -> PResult<Vec<Ident>> {
        let mut v = vec![self.ident(what)?];
        while self.at(T::Comma) {
            self.bump();
            v.push(self.ident(what)?);
        }
        Ok(v)
    }

    fn provision_item(&mut self) -> PResult<ProvisionItem> {
        let t = self.peek().clone();
        if t.kind != T::Ident {
            return Err(self.error_here("a provision item (`obligor`, `achieve`, `forbid`, ...)", None));
        }
        match t.text.as_str() {
            "text" => {
                self.bump();
                Ok(ProvisionItem::Text(self.string("the quoted text of the provision")?))
            }
            "obligor" => {
                self.bump();
                Ok(ProvisionItem::Obligor(self.idents("the party who owes the duty")?))
            }
            "beneficiary" => {
                self.bump();
                Ok(ProvisionItem::Beneficiary(self.idents("the party the duty is owed to")?))
            }
            "scope" => {
                self.bump();
                Ok(ProvisionItem::Scope(self.string("the scope in quotes")?))
            }
            "trigger" => {
                self.bump();
                Ok(ProvisionItem::Trigger(self.time()?))
            }
            "provided" => {
                self.bump();
                Ok(ProvisionItem::Provided(self.cond()?))
            }
            "unmonitorable" => {
                self.bump();
                Ok(ProvisionItem::Unmonitorable(self.string("why it cannot be checked, in quotes")?))
            }
            "source" => {
                self.bump();
                Ok(ProvisionItem::Source(self.string("the source in quotes")?))
            }
            "restates" => {
                self.bump();
                Ok(ProvisionItem::Restates(self.reference()?))
            }
            "on" => {
                self.bump();
                let e = self.peek().clone();
                let event = match e.text.as_str() {
                    "breach" => OnEvent::Breach,
                    "met" => OnEvent::Met,
                    _ => return Err(self.error_here("`breach` or `met`", None)),
                };
                self.bump();
                let a = self.peek().clone();
                let action = match a.text.as_str() {
                    "suspend" => Action::Suspend,
                    "resume" => Action::Resume,
                    "terminate" => Action::Terminate,
                    _ => return Err(self.error_here("`suspend`, `resume` or `terminate`", None)),
                };
                self.bump();
                let target = self.reference()?;
                Ok(ProvisionItem::On { event: Lit { value: event, span: e.span }, action: Lit { value: action, span: a.span }, target })
            }
            "achieve" | "perform" | "forbid" | "maintain" | "reduce" => Ok(ProvisionItem::Duty(self.duty()?)),
            other => {
                let help = crate::did_you_mean(other, PROVISION_KEYWORDS.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("a provision holds: {}", PROVISION_KEYWORDS.join(", ")));
                Err(self.error_here("a provision item", Some(&help)))
            }
        }
    }

    fn duty(&mut self) -> PResult<Duty> {
        let t = self.bump();
        match t.text.as_str() {
            "achieve" => {
                let target = self.target()?;
                let deadline = self.opt_deadline()?;
                let then = if self.eat_kw("then") {
                    self.expect(T::Plus, "`+` before the instalment, as in `then +500 every 2 weeks up to 5000`")?;
                    let step = self.number("the size of each instalment")?;
                    self.expect_kw("every")?;
                    let every = self.duration()?;
                    self.expect_kw("up")?;
                    self.expect_kw("to")?;
                    let cap = self.number("the total the instalments stop at")?;
                    Some(Installments { step, every, cap })
                } else {
                    None
                };
                Ok(Duty::Achieve { target, deadline, then })
            }
            "perform" => {
                let kind = self.ident("the kind of event to perform")?;
                let filter = if self.eat_kw("where") { Some(self.filter()?) } else { None };
                let deadline = self.opt_deadline()?;
                Ok(Duty::Perform { kind, filter, deadline })
            }
            "forbid" => {
                let kind = self.ident("the kind of event forbidden")?;
                let filter = if self.eat_kw("where") { Some(self.filter()?) } else { None };
                let period = self.period()?;
                Ok(Duty::Forbid { kind, filter, period })
            }
            "maintain" => {
                let target = self.target()?;
                let period = self.period()?;
                Ok(Duty::Maintain { target, period })
            }
            _ => {
                let measure = self.ident("the measure to reduce")?;
                self.expect_kw("by")?;
                self.expect_kw("at")?;
                self.expect_kw("least")?;
                let p = self.peek().clone();
                if p.kind != T::Percent {
                    return Err(self.error_here("a percentage such as `80%`", None));
                }
                self.bump();
                let percent = Lit { value: Number { value: p.text.parse().unwrap_or(0.0), text: p.text }, span: p.span };
                self.expect_kw("during")?;
                let during = self.window()?;
                self.expect_kw("against")?;
                let against = self.window()?;
                Ok(Duty::Reduce { measure, percent, during, against })
            }
        }
    }

    fn period(&mut self) -> PResult<Period> {
        if !self.eat_kw("from") {
            return Err(self.error_here(
                "`from` and the start of the period",
                Some("write `from signing`, `from 2020-03-01` or `from 2020-03-01 until 2021-05-01`"),
            ));
        }
        let from = self.time()?;
        let until = if self.eat_kw("until") { Some(self.time()?) } else { None };
        Ok(Period { from, until })
    }

    fn opt_deadline(&mut self) -> PResult<Option<Deadline>> {
        if self.eat_kw("by") {
            Ok(Some(Deadline::By(self.time()?)))
        } else if self.eat_kw("within") {
            let d = self.duration()?;
            if !self.eat_kw("of") {
                return Err(self.error_here("`of` and the time it counts from", Some("write `within 135 days of signing`")));
            }
            Ok(Some(Deadline::Within(d, self.time()?)))
        } else {
            Ok(None)
        }
    }

    fn target(&mut self) -> PResult<Target> {
        let measure = self.ident("a measure")?;
        let t = self.peek().clone();
        let cmp = match (t.kind.clone(), t.text.as_str()) {
            (T::Le, _) => Cmp::Le,
            (T::Ge, _) => Cmp::Ge,
            (T::Lt, _) => Cmp::Lt,
            (T::Gt, _) => Cmp::Gt,
            (T::EqEq, _) => Cmp::Eq,
            (T::Eq, _) => {
                self.diags.push(Diagnostic::error("syntax", t.span, "`=` is not a comparison").with_help("write `==` to compare"));
                Cmp::Eq
            }
            (T::Ident, "at") => {
                self.bump();
                let w = self.peek().clone();
                match w.text.as_str() {
                    "least" => Cmp::AtLeast,
                    "most" => Cmp::AtMost,
                    _ => return Err(self.error_here("`least` or `most`", None)),
                }
            }
            (T::Ident, "up") => {
                self.bump();
                if !self.at_kw("to") {
                    return Err(self.error_here("`to`", None));
                }
                Cmp::UpTo
            }
            _ => {
                return Err(self.error_here(
                    "a comparison",
                    Some("write `<=`, `>=`, `<`, `>`, `==`, `at least N` (a floor), `at most N` or `up to N` (a cap)"),
                ))
            }
        };
        self.bump();
        let cmp = Lit { value: cmp, span: t.span.to(self.prev_span()) };
        let value = self.number("a number")?;
        Ok(Target { measure, cmp, value })
    }

    fn duration(&mut self) -> PResult<DurationLit> {
        let amount = self.number("a number of days, weeks, months or years")?;
        if amount.value.value.fract() != 0.0 || amount.value.value < 0.0 {
            self.diags.push(
                Diagnostic::error("bad-duration", amount.span, "a duration must be a whole number")
                    .with_help("write `2 weeks` or `14 days`, not `0.5 months`"),
            );
        }
        let t = self.peek().clone();
        let unit = match t.text.as_str() {
            "day" | "days" => DurationUnit::Days,
            "week" | "weeks" => DurationUnit::Weeks,
            "month" | "months" => DurationUnit::Months,
            "year" | "years" => DurationUnit::Years,
            _ => return Err(self.error_here("`days`, `weeks`, `months` or `years`", None)),
        };
        self.bump();
        Ok(DurationLit { amount, unit: Lit { value: unit, span: t.span } })
    }

    fn reference(&mut self) -> PResult<Ref> {
        let first = self.ident("a provision name")?;
        if self.at(T::Dot) {
            self.bump();
            let id = self.ident("a provision name after the agreement's name")?;
            Ok(Ref { agreement: Some(first), id })
        } else {
            Ok(Ref { agreement: None, id: first })
        }
    }

    fn paren_ref(&mut self) -> PResult<Ref> {
        self.expect(T::LParen, "`(`")?;
        let r = self.reference()?;
        self.expect(T::RParen, "`)`")?;
        Ok(r)
    }

    fn time(&mut self) -> PResult<TimeExpr> {
        let t = self.peek().clone();
        match t.kind {
            T::Date => Ok(TimeExpr::Date(self.date()?)),
            T::Number => {
                let amount = self.duration()?;
                let dir = self.peek().clone();
                let direction = match dir.text.as_str() {
                    "after" => Direction::After,
                    "before" => Direction::Before,
                    _ => return Err(self.error_here("`after` or `before`", None)),
                };
                self.bump();
                let base = self.time()?;
                Ok(TimeExpr::Offset { amount, direction, base: Box::new(base) })
            }
            T::Ident => match t.text.as_str() {
                "signing" => {
                    self.bump();
                    Ok(TimeExpr::Signing(Lit { value: (), span: t.span }))
                }
                "met" => {
                    self.bump();
                    Ok(TimeExpr::Met(self.paren_ref()?))
                }
                "breached" => {
                    self.bump();
                    Ok(TimeExpr::Breached(self.paren_ref()?))
                }
                "due" => {
                    self.bump();
                    Ok(TimeExpr::Due(self.paren_ref()?))
                }
                "first" => {
                    self.bump();
                    self.expect(T::LParen, "`(`")?;
                    let kind = self.ident("a kind of event")?;
                    let filter = if self.eat_kw("where") { Some(self.filter()?) } else { None };
                    let close = self.expect(T::RParen, "`)`")?;
                    Ok(TimeExpr::First { kind, filter, at: Lit { value: (), span: t.span.to(close.span) } })
                }
                _ => Err(self.error_here("a time", Some(TIME_HELP))),
            },
            _ => Err(self.error_here("a time", Some(TIME_HELP))),
        }
    }

    fn cond(&mut self) -> PResult<Cond> {
        let mut lhs = self.cond_and()?;
        while self.eat_kw("or") {
            let rhs = self.cond_and()?;
            lhs = Cond::Or(Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn cond_and(&mut self) -> PResult<Cond> {
        let mut lhs = self.cond_atom()?;
        while self.eat_kw("and") {
            let rhs = self.cond_atom()?;
            lhs = Cond::And(Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn cond_atom(&mut self) -> PResult<Cond> {
        if self.eat_kw("not") {
            return Ok(Cond::Not(Box::new(self.cond_atom()?)));
        }
        if self.at(T::LParen) {
            self.bump();
            let c = self.cond()?;
            self.expect(T::RParen, "`)`")?;
            return Ok(c);
        }
        if self.at_kw("met") && self.peek_nth(1).kind == T::LParen {
            self.bump();
            return Ok(Cond::Met(self.paren_ref()?));
        }
        if self.at_kw("breached") && self.peek_nth(1).kind == T::LParen {
            self.bump();
            return Ok(Cond::Breached(self.paren_ref()?));
        }
        if self.at(T::Ident) {
            return Ok(Cond::Compare(self.target()?));
        }
        Err(self.error_here(
            "a condition",
            Some("write `met(PROVISION)`, `breached(PROVISION)`, `MEASURE >= N`, combined with `and`, `or`, `not`"),
        ))
    }
}

const TIME_HELP: &str =
    "write a date (2020-03-10), `signing`, `met(P)`, `breached(P)`, `due(P)`, `first(KIND where ...)`, or `N days after TIME`";
