//! Name resolution: from the syntax tree to the model, one diagnostic per unresolved name.

use crate::model::*;
use pactum_base::{Date, Duration};
use pactum_syntax::ast::{self, Field, Role};
use pactum_syntax::{did_you_mean, format_provision_item, Diagnostic, FileId, SourceMap, Span};
use std::collections::HashMap;

/// Spans and facts the rules need that the model does not keep.
#[derive(Default)]
pub struct Info {
    pub prov: Vec<ProvInfo>,
    /// (agreement, party) -> span of the party's role.
    pub role_spans: HashMap<(usize, PartyId), Span>,
    pub measure_spans: Vec<Span>,
    pub measure_kind_spans: Vec<Span>,
}

#[derive(Default, Clone)]
pub struct ProvInfo {
    pub id_span: Span,
    pub obligors: Vec<(PartyId, Span)>,
    pub duty_span: Option<Span>,
    pub trigger_span: Option<Span>,
    pub provided_span: Option<Span>,
    pub restates: Option<(ProvisionId, Span)>,
}

pub struct Resolver<'a> {
    sources: &'a SourceMap,
    pub case: Case,
    pub diags: Vec<Diagnostic>,
    pub info: Info,
    kind_index: HashMap<String, KindId>,
    measure_index: HashMap<String, MeasureId>,
    /// Measures declared with an error already reported; references to them stay quiet.
    broken_measures: std::collections::HashSet<String>,
    party_index: HashMap<String, PartyId>,
    agreement_index: HashMap<String, usize>,
    /// (agreement, provision id) -> provision
    prov_index: HashMap<(usize, String), ProvisionId>,
    pending_measures: Vec<(Option<usize>, ast::MeasureDecl)>,
    pending_provisions: Vec<(usize, ast::Provision, Span)>,
}

impl<'a> Resolver<'a> {
    pub fn new(sources: &'a SourceMap) -> Resolver<'a> {
        let mut r = Resolver {
            sources,
            case: Case::default(),
            diags: Vec::new(),
            info: Info::default(),
            kind_index: HashMap::new(),
            measure_index: HashMap::new(),
            broken_measures: Default::default(),
            party_index: HashMap::new(),
            agreement_index: HashMap::new(),
            prov_index: HashMap::new(),
            pending_measures: Vec::new(),
            pending_provisions: Vec::new(),
        };
        for (name, shape, desc) in BUILTIN_KINDS {
            r.kind_index.insert(name.to_string(), r.case.kinds.len());
            r.case.kinds.push(KindInfo { name: name.to_string(), shape: *shape, description: desc.to_string() });
        }
        r
    }

    pub fn finish(self) -> (Case, Vec<Diagnostic>, Info) {
        (self.case, self.diags, self.info)
    }

    fn file_name(&self, f: FileId) -> String {
        self.sources.get(f).map(|s| s.name.clone()).unwrap_or_default()
    }

    /// First pass: declare every kind, agreement, party, measure and provision name.
    pub fn collect(&mut self, files: &[(FileId, &ast::File)]) {
        for (fid, file) in files {
            for item in &file.items {
                match &item.node {
                    ast::TopItem::Kind(k) => self.declare_kind(k),
                    ast::TopItem::Measure(m) => self.pending_measures.push((None, m.clone())),
                    ast::TopItem::Agreement(a) => self.declare_agreement(*fid, a),
                }
            }
        }
    }

    fn declare_kind(&mut self, k: &ast::KindDecl) {
        if let Some(&existing) = self.kind_index.get(&k.id.name) {
            let builtin = existing < BUILTIN_KINDS.len();
            let d = Diagnostic::error("duplicate-kind", k.id.span, format!("kind `{}` is declared twice", k.id.name));
            self.diags.push(if builtin {
                d.with_help("this kind is built in; use it without declaring it, or pick another name")
            } else {
                d
            });
            return;
        }
        self.kind_index.insert(k.id.name.clone(), self.case.kinds.len());
        self.case.kinds.push(KindInfo {
            name: k.id.name.clone(),
            shape: k.shape.value,
            description: k.description.as_ref().map(|d| d.value.clone()).unwrap_or_default(),
        });
    }

    fn declare_agreement(&mut self, fid: FileId, a: &ast::Agreement) {
        if self.agreement_index.contains_key(&a.id.name) {
            self.diags.push(Diagnostic::error("duplicate-agreement", a.id.span, format!("agreement `{}` is declared twice", a.id.name)));
            return;
        }
        let ai = self.case.agreements.len();
        self.agreement_index.insert(a.id.name.clone(), ai);
        let mut info = AgreementInfo {
            id: a.id.name.clone(),
            title: a.title.value.clone(),
            signed: None,
            place: None,
            pax: None,
            source: None,
            file: self.file_name(fid),
            parties: Vec::new(),
        };
        let mut signed_seen = false;
        for item in &a.items {
            match &item.node {
                ast::AgreementItem::Signed { date, place } => {
                    if signed_seen {
                        self.diags.push(Diagnostic::error("duplicate-signed", item.span, "the agreement has two `signed` lines"));
                    }
                    signed_seen = true;
                    info.signed = Date::parse(&date.value);
                    info.place = place.as_ref().map(|p| p.value.clone());
                }
                ast::AgreementItem::Pax(n) => info.pax = Some(n.value.text.clone()),
                ast::AgreementItem::Source(s) => info.source = Some(s.value.clone()),
                ast::AgreementItem::Party(p) => {
                    let pid = match self.party_index.get(&p.id.name) {
                        Some(&pid) => pid,
                        None => {
                            let pid = self.case.parties.len();
                            self.party_index.insert(p.id.name.clone(), pid);
                            self.case.parties.push(PartyInfo { id: p.id.name.clone(), name: p.name.value.clone(), aliases: vec![] });
                            pid
                        }
                    };
                    if info.parties.iter().any(|(q, _)| *q == pid) {
                        self.diags.push(Diagnostic::error(
                            "duplicate-party",
                            p.id.span,
                            format!("party `{}` is listed twice in this agreement", p.id.name),
                        ));
                        continue;
                    }
                    for al in &p.aliases {
                        if !self.case.parties[pid].aliases.contains(&al.value) {
                            self.case.parties[pid].aliases.push(al.value.clone());
                        }
                    }
                    info.parties.push((pid, p.role.value));
                    self.info.role_spans.insert((ai, pid), p.role.span);
                }
                ast::AgreementItem::Kind(k) => self.declare_kind(k),
                ast::AgreementItem::Measure(m) => self.pending_measures.push((Some(ai), m.clone())),
                ast::AgreementItem::Provision(p) => {
                    let key = (ai, p.id.name.clone());
                    if self.prov_index.contains_key(&key) {
                        self.diags.push(Diagnostic::error(
                            "duplicate-provision",
                            p.id.span,
                            format!("provision `{}` is declared twice in agreement `{}`", p.id.name, a.id.name),
                        ));
                        continue;
                    }
                    let pi = self.pending_provisions.len();
                    self.prov_index.insert(key, pi);
                    self.pending_provisions.push((ai, p.clone(), item.span));
                }
            }
        }
        self.case.agreements.push(info);
    }

    /// Second pass: resolve measures, then provisions.
    pub fn resolve_all(&mut self) {
        let measures = std::mem::take(&mut self.pending_measures);
        for (ai, m) in &measures {
            if self.measure_index.contains_key(&m.id.name) {
                self.diags.push(
                    Diagnostic::error("duplicate-measure", m.id.span, format!("measure `{}` is declared twice", m.id.name))
                        .with_help("measures are shared by every agreement of a case: give each a different name"),
                );
                continue;
            }
            let kind = self.kind(&m.kind);
            let errors_before = self.diags.len();
            let filter = m.filter.as_ref().and_then(|f| self.filter(f));
            let window = m.window.as_ref().and_then(|w| Some((self.time(*ai, &w.from)?, self.time(*ai, &w.until)?)));
            let Some(kind) = kind.filter(|_| self.diags.len() == errors_before) else {
                self.broken_measures.insert(m.id.name.clone());
                continue;
            };
            let mut text = format!("{}({}", m.agg.value.as_str(), m.kind.name);
            if let Some(f) = &m.filter {
                text.push_str(&format!(" where {}", pactum_syntax::format_filter(f, 0)));
            }
            if let Some(w) = &m.window {
                text.push_str(&format!(" during {} .. {}", pactum_syntax::format_time(&w.from), pactum_syntax::format_time(&w.until)));
            }
            text.push(')');
            self.measure_index.insert(m.id.name.clone(), self.case.measures.len());
            self.info.measure_spans.push(m.id.span);
            self.info.measure_kind_spans.push(m.kind.span);
            self.case.measures.push(Measure { id: m.id.name.clone(), agg: m.agg.value, kind, filter, window, text });
        }
        let provs = std::mem::take(&mut self.pending_provisions);
        for (ai, p, span) in &provs {
            let (prov, info) = self.provision(*ai, p, *span);
            self.case.provisions.push(prov);
            self.info.prov.push(info);
        }
    }

    fn kind(&mut self, k: &ast::Ident) -> Option<KindId> {
        if let Some(&id) = self.kind_index.get(&k.name) {
            return Some(id);
        }
        let mut d = Diagnostic::error("unknown-kind", k.span, format!("no evidence can have kind `{}`", k.name));
        d = match did_you_mean(&k.name, self.kind_index.keys().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("declare it with `kind {} count \"...\"` (or `level`, `event`), or use a built-in kind", k.name)),
        };
        self.diags.push(d);
        None
    }

    fn party(&mut self, id: &ast::Ident) -> Option<PartyId> {
        self.party_in(id, false)
    }

    fn party_in(&mut self, id: &ast::Ident, in_filter: bool) -> Option<PartyId> {
        if let Some(&p) = self.party_index.get(&id.name) {
            return Some(p);
        }
        let mut d = Diagnostic::error("unknown-party", id.span, format!("unknown party `{}`", id.name));
        if let Some(s) = did_you_mean(&id.name, self.party_index.keys().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        } else if in_filter {
            d = d.with_help(format!(
                "declare it with `party {} \"full name\" third party`, or write \"{}\" in quotes to match the name as the evidence spells it",
                id.name, id.name
            ));
        } else {
            d = d.with_help(format!("declare it in the agreement with `party {} \"full name\" ROLE`", id.name));
        }
        self.diags.push(d);
        None
    }

    fn measure(&mut self, id: &ast::Ident) -> Option<MeasureId> {
        if let Some(&m) = self.measure_index.get(&id.name) {
            return Some(m);
        }
        if self.broken_measures.contains(&id.name) {
            return None;
        }
        let mut d = Diagnostic::error("unknown-measure", id.span, format!("unknown measure `{}`", id.name));
        let names = self.measure_index.keys().chain(self.broken_measures.iter()).map(String::as_str);
        d = match did_you_mean(&id.name, names) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("declare it with `measure {} = latest(KIND where ...)`", id.name)),
        };
        self.diags.push(d);
        None
    }

    fn provision_ref(&mut self, from: Option<usize>, r: &ast::Ref) -> Option<ProvisionId> {
        if let Some(a) = &r.agreement {
            let Some(&ai) = self.agreement_index.get(&a.name) else {
                let mut d = Diagnostic::error("unknown-agreement", a.span, format!("unknown agreement `{}`", a.name));
                if let Some(s) = did_you_mean(&a.name, self.agreement_index.keys().map(String::as_str)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.diags.push(d);
                return None;
            };
            if let Some(&p) = self.prov_index.get(&(ai, r.id.name.clone())) {
                return Some(p);
            }
            let names = self.prov_index.keys().filter(|(x, _)| *x == ai).map(|(_, n)| n.as_str());
            let hint = did_you_mean(&r.id.name, names).map(|s| format!("did you mean `{}.{s}`?", a.name));
            let mut d =
                Diagnostic::error("unknown-provision", r.id.span, format!("agreement `{}` has no provision `{}`", a.name, r.id.name));
            if let Some(h) = hint {
                d = d.with_help(h);
            }
            self.diags.push(d);
            return None;
        }
        let Some(from) = from else {
            self.diags.push(
                Diagnostic::error(
                    "unqualified-provision",
                    r.id.span,
                    format!("outside an agreement, `{}` must name its agreement", r.id.name),
                )
                .with_help(format!("write `AGREEMENT.{}`", r.id.name)),
            );
            return None;
        };
        if let Some(&p) = self.prov_index.get(&(from, r.id.name.clone())) {
            return Some(p);
        }
        let hits: Vec<(usize, ProvisionId)> =
            self.prov_index.iter().filter(|((_, n), _)| *n == r.id.name).map(|((a, _), p)| (*a, *p)).collect();
        match hits.as_slice() {
            [(_, p)] => Some(*p),
            [] => {
                let mut d = Diagnostic::error("unknown-provision", r.id.span, format!("unknown provision `{}`", r.id.name));
                if let Some(s) = did_you_mean(&r.id.name, self.prov_index.keys().map(|(_, n)| n.as_str())) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.diags.push(d);
                None
            }
            many => {
                let mut names: Vec<String> = many.iter().map(|(a, _)| format!("{}.{}", self.case.agreements[*a].id, r.id.name)).collect();
                names.sort();
                self.diags.push(
                    Diagnostic::error("ambiguous-provision", r.id.span, format!("`{}` names a provision in several agreements", r.id.name))
                        .with_help(format!("write one of {}", names.join(", "))),
                );
                None
            }
        }
    }

    fn filter(&mut self, f: &ast::Filter) -> Option<Filter> {
        Some(match f {
            ast::Filter::Eq(field, v) => Filter::In(field.value, vec![self.atom(field.value, v)?]),
            ast::Filter::In(field, vs) => {
                let mut atoms = Vec::new();
                let mut ok = true;
                for v in vs {
                    match self.atom(field.value, v) {
                        Some(a) => atoms.push(a),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Filter::In(field.value, atoms)
            }
            ast::Filter::Not(x) => Filter::Not(Box::new(self.filter(x)?)),
            ast::Filter::And(a, b) => {
                let (a, b) = (self.filter(a), self.filter(b));
                Filter::And(Box::new(a?), Box::new(b?))
            }
            ast::Filter::Or(a, b) => {
                let (a, b) = (self.filter(a), self.filter(b));
                Filter::Or(Box::new(a?), Box::new(b?))
            }
        })
    }

    fn atom(&mut self, field: Field, v: &ast::Value) -> Option<Atom> {
        match (field, v) {
            (Field::Place, ast::Value::Name(i)) => {
                self.diags.push(
                    Diagnostic::error("place-not-quoted", i.span, format!("place `{}` must be quoted", i.name))
                        .with_help(format!("write `place = \"{}\"`", i.name)),
                );
                None
            }
            (_, ast::Value::Name(i)) => self.party_in(i, true).map(Atom::Party),
            (_, ast::Value::Text(t)) => Some(Atom::Text(t.value.clone())),
        }
    }

    fn time(&mut self, agreement: Option<usize>, t: &ast::TimeExpr) -> Option<Time> {
        Some(match t {
            ast::TimeExpr::Date(d) => Time::Date(Date::parse(&d.value)?),
            ast::TimeExpr::Signing(at) => {
                let span = &at.span;
                let Some(ai) = agreement else {
                    self.diags.push(
                        Diagnostic::error("signing-outside-agreement", *span, "`signing` outside an agreement has no date")
                            .with_help("write a date, or move this inside an agreement"),
                    );
                    return None;
                };
                match self.case.agreements[ai].signed {
                    Some(d) => Time::Date(d),
                    None => {
                        self.diags.push(
                            Diagnostic::error(
                                "no-signing-date",
                                *span,
                                format!("agreement `{}` has no signing date", self.case.agreements[ai].id),
                            )
                            .with_help("add `signed YYYY-MM-DD` to the agreement"),
                        );
                        return None;
                    }
                }
            }
            ast::TimeExpr::Met(r) => Time::Met(self.provision_ref(agreement, r)?),
            ast::TimeExpr::Breached(r) => Time::Breached(self.provision_ref(agreement, r)?),
            ast::TimeExpr::Due(r) => Time::Due(self.provision_ref(agreement, r)?),
            ast::TimeExpr::First { kind, filter, .. } => {
                let k = self.kind(kind);
                let f = match filter {
                    Some(f) => Some(self.filter(f)?),
                    None => None,
                };
                Time::First(k?, f)
            }
            ast::TimeExpr::Offset { amount, direction, base } => {
                let b = self.time(agreement, base)?;
                Time::Offset(duration(amount), *direction, Box::new(b))
            }
        })
    }

    fn cond(&mut self, ai: usize, c: &ast::Cond) -> Option<Cond> {
        Some(match c {
            ast::Cond::Met(r) => Cond::Met(self.provision_ref(Some(ai), r)?),
            ast::Cond::Breached(r) => Cond::Breached(self.provision_ref(Some(ai), r)?),
            ast::Cond::Compare(t) => Cond::Compare(self.measure(&t.measure)?, t.cmp.value, t.value.value.value),
            ast::Cond::Not(x) => Cond::Not(Box::new(self.cond(ai, x)?)),
            ast::Cond::And(a, b) => {
                let (a, b) = (self.cond(ai, a), self.cond(ai, b));
                Cond::And(Box::new(a?), Box::new(b?))
            }
            ast::Cond::Or(a, b) => {
                let (a, b) = (self.cond(ai, a), self.cond(ai, b));
                Cond::Or(Box::new(a?), Box::new(b?))
            }
        })
    }

    fn deadline(&mut self, ai: usize, d: &ast::Deadline) -> Option<Time> {
        match d {
            ast::Deadline::By(t) => self.time(Some(ai), t),
            ast::Deadline::Within(dur, t) => {
                let base = self.time(Some(ai), t)?;
                Some(Time::Offset(duration(dur), ast::Direction::After, Box::new(base)))
            }
        }
    }

    fn provision(&mut self, ai: usize, p: &ast::Provision, span: Span) -> (Provision, ProvInfo) {
        let agreement = &self.case.agreements[ai];
        let mut prov = Provision {
            key: format!("{}.{}", agreement.id, p.id.name),
            agreement: ai,
            id: p.id.name.clone(),
            title: p.title.value.clone(),
            cites: p.cites.as_ref().map(|c| c.value.clone()),
            text: None,
            obligors: vec![],
            beneficiaries: vec![],
            scope: None,
            trigger: None,
            provided: None,
            duty: None,
            unmonitorable: None,
            consequences: vec![],
            sources: vec![],
            rules: vec![],
            location: self.sources.location(span),
            source_order: self.case.provisions.len(),
        };
        let mut info = ProvInfo { id_span: p.id.span, ..Default::default() };
        let mut duty_count = 0;
        for item in &p.items {
            let line = format_provision_item(&item.node);
            match &item.node {
                ast::ProvisionItem::Text(t) => prov.text = Some(t.value.clone()),
                ast::ProvisionItem::Source(s) => prov.sources.push(s.value.clone()),
                ast::ProvisionItem::Scope(s) => {
                    prov.scope = Some(s.value.clone());
                    prov.rules.push(line);
                }
                ast::ProvisionItem::Obligor(ps) | ast::ProvisionItem::Beneficiary(ps) => {
                    let is_obligor = matches!(item.node, ast::ProvisionItem::Obligor(_));
                    for id in ps {
                        let Some(pid) = self.party(id) else { continue };
                        if !self.case.agreements[ai].parties.iter().any(|(q, _)| *q == pid) {
                            self.diags.push(
                                Diagnostic::error(
                                    "party-not-in-agreement",
                                    id.span,
                                    format!("`{}` is not a party of agreement `{}`", id.name, self.case.agreements[ai].id),
                                )
                                .with_help(format!("add `party {} \"...\" not signatory` to the agreement to say who they are", id.name)),
                            );
                            continue;
                        }
                        if is_obligor {
                            prov.obligors.push(pid);
                            info.obligors.push((pid, id.span));
                        } else {
                            prov.beneficiaries.push(pid);
                        }
                    }
                }
                ast::ProvisionItem::Trigger(t) => {
                    if info.trigger_span.is_some() {
                        self.diags.push(
                            Diagnostic::error("duplicate-trigger", item.span, format!("provision `{}` has two `trigger` lines", p.id.name))
                                .with_help("a provision starts at one time: keep one, or express the other as a `provided` condition"),
                        );
                    }
                    prov.trigger = self.time(Some(ai), t);
                    info.trigger_span = Some(item.span);
                    prov.rules.push(line);
                }
                ast::ProvisionItem::Provided(c) => {
                    if info.provided_span.is_some() {
                        self.diags.push(
                            Diagnostic::error(
                                "duplicate-provided",
                                item.span,
                                format!("provision `{}` has two `provided` lines", p.id.name),
                            )
                            .with_help("combine the conditions in one line with `and` or `or`"),
                        );
                    }
                    prov.provided = self.cond(ai, c);
                    info.provided_span = Some(item.span);
                    prov.rules.push(line);
                }
                ast::ProvisionItem::Unmonitorable(s) => {
                    prov.unmonitorable = Some(s.value.clone());
                    prov.rules.push(line);
                }
                ast::ProvisionItem::Restates(r) => {
                    if let Some(t) = self.provision_ref(Some(ai), r) {
                        info.restates = Some((t, r.span()));
                    }
                }
                ast::ProvisionItem::On { event, action, target } => {
                    if let Some(t) = self.provision_ref(Some(ai), target) {
                        prov.consequences.push(Consequence { on: event.value, action: action.value, target: t });
                    }
                    prov.rules.push(line);
                }
                ast::ProvisionItem::Duty(d) => {
                    duty_count += 1;
                    if duty_count == 2 {
                        self.diags.push(
                            Diagnostic::error("several-duties", item.span, format!("provision `{}` has more than one duty", p.id.name))
                                .with_help("give each duty a provision of its own, so each has its own state"),
                        );
                    }
                    info.duty_span = Some(item.span);
                    prov.duty = self.duty(ai, d);
                    prov.rules.insert(0, line);
                }
            }
        }
        if duty_count == 0 && prov.unmonitorable.is_none() && !p.recovered {
            self.diags
                .push(Diagnostic::error("no-duty", p.id.span, format!("provision `{}` states nothing to check", p.id.name)).with_help(
                "add a duty (`achieve`, `perform`, `forbid`, `maintain`, `reduce`), or `unmonitorable \"why\"` if no evidence can show it",
            ));
        }
        if duty_count > 0 && prov.unmonitorable.is_some() {
            self.diags.push(Diagnostic::error(
                "duty-and-unmonitorable",
                p.id.span,
                format!("provision `{}` has a duty but is also declared unmonitorable", p.id.name),
            ));
        }
        if duty_count > 0
            && !p.recovered
            && info.obligors.is_empty()
            && !p.items.iter().any(|i| matches!(i.node, ast::ProvisionItem::Obligor(_)))
        {
            self.diags.push(
                Diagnostic::error("no-obligor", p.id.span, format!("provision `{}` does not say who owes the duty", p.id.name))
                    .with_help("add `obligor PARTY`"),
            );
        }
        (prov, info)
    }

    fn duty(&mut self, ai: usize, d: &ast::Duty) -> Option<Duty> {
        match d {
            ast::Duty::Achieve { target, deadline, then } => {
                let measure = self.measure(&target.measure);
                let deadline = match deadline {
                    Some(dl) => Some(self.deadline(ai, dl)?),
                    None => None,
                };
                let then =
                    then.as_ref().map(|i| Installments { step: i.step.value.value, every: duration(&i.every), cap: i.cap.value.value });
                if let Some(t) = &then {
                    if t.step <= 0.0 {
                        self.diags.push(Diagnostic::error("bad-instalment", target.value.span, "instalments must be positive"));
                    }
                }
                Some(Duty::Achieve { measure: measure?, cmp: target.cmp.value, value: target.value.value.value, deadline, then })
            }
            ast::Duty::Perform { kind, filter, deadline } => {
                let k = self.kind(kind);
                let f = match filter {
                    Some(f) => Some(self.filter(f)?),
                    None => None,
                };
                let deadline = match deadline {
                    Some(dl) => Some(self.deadline(ai, dl)?),
                    None => None,
                };
                Some(Duty::Perform { kind: k?, filter: f, deadline })
            }
            ast::Duty::Forbid { kind, filter, period } => {
                let k = self.kind(kind);
                let f = match filter {
                    Some(f) => Some(self.filter(f)?),
                    None => None,
                };
                let from = self.time(Some(ai), &period.from)?;
                let until = match &period.until {
                    Some(u) => Some(self.time(Some(ai), u)?),
                    None => None,
                };
                Some(Duty::Forbid { kind: k?, filter: f, from, until })
            }
            ast::Duty::Maintain { target, period } => {
                let m = self.measure(&target.measure);
                let from = self.time(Some(ai), &period.from)?;
                let until = match &period.until {
                    Some(u) => Some(self.time(Some(ai), u)?),
                    None => None,
                };
                Some(Duty::Maintain { measure: m?, cmp: target.cmp.value, value: target.value.value.value, from, until })
            }
            ast::Duty::Reduce { measure, percent, during, against } => {
                let m = self.measure(measure)?;
                let kind = &self.case.kinds[self.case.measures[m].kind];
                let is_rate = matches!(self.case.measures[m].agg, ast::Agg::Latest | ast::Agg::Min | ast::Agg::Max)
                    && kind.shape == ast::KindShape::Level;
                if !matches!(self.case.measures[m].agg, ast::Agg::Count | ast::Agg::Sum) && !is_rate {
                    self.diags.push(
                        Diagnostic::error(
                            "reduce-needs-count",
                            measure.span,
                            format!(
                                "`reduce` needs a `count` or `sum` measure, or a level such as incidents a day, and `{}` is neither",
                                measure.name
                            ),
                        )
                        .with_help("a reduction compares how many things happen per day in two windows"),
                    );
                    return None;
                }
                if !(0.0..=100.0).contains(&percent.value.value) {
                    self.diags.push(Diagnostic::error("bad-percent", percent.span, "a reduction is between 0% and 100%"));
                }
                let during = (self.time(Some(ai), &during.from)?, self.time(Some(ai), &during.until)?);
                let against = (self.time(Some(ai), &against.from)?, self.time(Some(ai), &against.until)?);
                Some(Duty::Reduce { measure: m, percent: percent.value.value, during, against })
            }
        }
    }
}

fn duration(d: &ast::DurationLit) -> Duration {
    Duration { amount: d.amount.value.value as i64, unit: d.unit.value }
}

/// Whether a role means the party is bound by what it signed.
pub fn signed(role: Role) -> bool {
    matches!(role, Role::Signatory)
}
