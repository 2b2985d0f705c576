//! The simulation model of a case on a date: which evidence the unsettled provisions read, cut
//! into *cells* (one stream of synthetic evidence each), and the parameters of every cell
//! estimated from the evidence known on that date. Scenarios and overrides are applied here.

use crate::scenario::{period_days, Action, Scenario, Target};
use crate::{ForecastError, Overrides, Parameter, RetaliationParam};
use pactum_base::Date;
use pactum_check::model::{Atom, Case, Filter, KindId, PartyId};
use pactum_engine::plan::{Cond, Duty, Plan, SeriesId, Time};
use pactum_engine::prepare::{matches, PItem, Prepared, Who};
use pactum_engine::semantics::{Ctx, Hist};
use pactum_engine::series::Indexed;
use pactum_syntax::ast::{Agg, Field, KindShape};
use std::collections::{BTreeMap, BTreeSet};

/// Days of evidence a rate is estimated from.
pub const RATE_WINDOW: i64 = 90;
/// Days of readings a trend is fitted to (at most).
pub const TREND_WINDOW: i64 = 180;
/// Days either side of a past breach compared to estimate retaliation.
pub const RETALIATION_WINDOW: i64 = 30;

#[derive(Clone, Debug)]
pub struct Trend {
    pub last: f64,
    pub last_date: Date,
    pub slope: f64,
    pub se: f64,
    pub fixed: bool,
    pub noise: f64,
    /// The lowest target below the last reading and the highest above it.
    pub below: Option<f64>,
    pub above: Option<f64>,
}

#[derive(Clone, Debug)]
pub enum Gen {
    Trend(Trend),
    /// Poisson events: rate per day drawn from Gamma(events + 1, days), or fixed.
    Rate {
        events: f64,
        days: f64,
        fixed: Option<f64>,
    },
    /// A one-off event not reported yet: hazard per day drawn from Gamma(1, waited), or fixed.
    Hazard {
        waited: f64,
        fixed: Option<f64>,
    },
}

/// A scenario's changes to one cell. Dates are days (inclusive).
#[derive(Clone, Debug, Default)]
pub struct CellRules {
    /// Level change per day over a period (the last rule covering a day wins).
    pub slopes: Vec<(Date, Option<Date>, f64)>,
    /// Events per day over a period.
    pub rates: Vec<(Date, Option<Date>, f64)>,
    /// Events on fixed days.
    pub events: Vec<Date>,
    /// The estimated generator is switched off (an `event ... on` or `never` line).
    pub replaced: bool,
}

#[derive(Clone, Debug)]
pub struct Cell {
    pub name: String,
    pub kind: KindId,
    pub template: PItem,
    pub actor: Option<PartyId>,
    pub gen: Gen,
    pub hostile: bool,
    pub rules: CellRules,
    /// Some measure reading the cell has a window: keep emitting flat readings.
    pub windowed: bool,
    /// Recent events (rate cells), for distributing a measure's rate override.
    pub weight: f64,
    pub measures: Vec<usize>,
    pub provisions: Vec<usize>,
    pub param: Parameter,
}

pub struct Model {
    pub cells: Vec<Cell>,
    /// Retaliation factor per party.
    pub retaliation: Vec<f64>,
    pub retaliation_param: RetaliationParam,
    pub notes: Vec<String>,
}

/// How the unsettled provisions read one series.
#[derive(Default, Clone)]
struct Use {
    level_targets: Vec<f64>,
    one_off: bool,
    /// When the readers started waiting (their duty's start, else their signing; none for
    /// an unsigned agreement).
    origins: Vec<Date>,
    readers: BTreeSet<usize>,
}

pub struct Inputs<'a> {
    pub case: &'a Case,
    pub plan: &'a Plan,
    pub base: &'a Prepared,
    pub ctx: &'a Ctx<'a, Indexed>,
    pub hist: &'a [Hist],
    pub timeline: &'a [pactum_engine::Change],
    pub unsettled: &'a [usize],
    pub as_of: Date,
    pub start: Date,
}

/// Weight of an item as events: its quantity (a row without one is one event), halved when
/// another row denies it (the engine counts it as anything from none to all).
fn event_weight(it: &PItem) -> f64 {
    let q = it.quantity.map_or(1.0, |q| (q.low + q.high) / 2.0);
    if it.contested() {
        q / 2.0
    } else {
        q
    }
}

impl Inputs<'_> {
    /// The signing of the provision's agreement (`None` for an unsigned one, such as stated
    /// positions).
    fn signing(&self, p: usize) -> Option<Date> {
        self.case.agreements[self.case.provisions[p].agreement].signed
    }

    /// The day a provision's duty started, if it had by `as_of`; else its signing.
    fn origin(&self, p: usize) -> Option<Date> {
        let pp = &self.plan.provisions[p];
        let signed = self.signing(p);
        match &pp.trigger {
            None => signed,
            Some(t) => match self.ctx.time(t, self.as_of, self.hist) {
                Some(d) if d <= self.as_of => Some(signed.map_or(d, |s| s.max(d))),
                _ => signed,
            },
        }
    }

    fn time(&self, t: &Time, p: usize, uses: &mut BTreeMap<SeriesId, Use>, depth: usize) {
        if depth > 16 {
            return;
        }
        match t {
            Time::First(s) => {
                let u = uses.entry(*s).or_default();
                u.one_off = true;
                u.origins.extend(self.signing(p));
                u.readers.insert(p);
            }
            Time::Due(q) => {
                if let Some(t) = self.plan.provisions[*q].duty.as_ref().and_then(pactum_engine::semantics::deadline) {
                    self.time(t, p, uses, depth + 1);
                }
            }
            Time::Offset(_, _, b) => self.time(b, p, uses, depth + 1),
            Time::Date(_) | Time::Met(_) | Time::Breached(_) => {}
        }
    }

    fn measure(&self, m: usize, target: Option<f64>, p: usize, uses: &mut BTreeMap<SeriesId, Use>) {
        let pm = &self.plan.measures[m];
        let u = uses.entry(pm.series).or_default();
        u.readers.insert(p);
        u.origins.extend(self.origin(p));
        if let Some(v) = target {
            u.level_targets.push(v);
        }
        if let Some((a, b)) = &pm.window {
            self.time(a, p, uses, 0);
            self.time(b, p, uses, 0);
        }
    }

    fn cond(&self, c: &Cond, p: usize, uses: &mut BTreeMap<SeriesId, Use>) {
        match c {
            Cond::Compare(m, _, v) => self.measure(*m, Some(*v), p, uses),
            Cond::Not(x) => self.cond(x, p, uses),
            Cond::And(a, b) | Cond::Or(a, b) => {
                self.cond(a, p, uses);
                self.cond(b, p, uses);
            }
            Cond::Met(_) | Cond::Breached(_) => {}
        }
    }

    /// Whether a time is a fixed day on or before `as_of`.
    fn fixed_past(&self, t: &Time) -> bool {
        match t {
            Time::Date(d) => *d <= self.as_of,
            _ => false,
        }
    }

    /// Every series the unsettled provisions read, and how.
    fn uses(&self) -> BTreeMap<SeriesId, Use> {
        let mut uses = BTreeMap::new();
        for &p in self.unsettled {
            let pp = &self.plan.provisions[p];
            if let Some(t) = &pp.trigger {
                self.time(t, p, &mut uses, 0);
            }
            if let Some(c) = &pp.provided {
                self.cond(c, p, &mut uses);
            }
            match &pp.duty {
                Some(Duty::Achieve { measure, value, deadline, then, .. }) => {
                    self.measure(*measure, Some(*value), p, &mut uses);
                    if let Some(inst) = then {
                        let s = self.plan.measures[*measure].series;
                        uses.entry(s).or_default().level_targets.push(inst.cap);
                    }
                    if let Some(t) = deadline {
                        self.time(t, p, &mut uses, 0);
                    }
                }
                Some(Duty::Perform { series, deadline }) => {
                    let u = uses.entry(*series).or_default();
                    u.one_off = true;
                    u.readers.insert(p);
                    u.origins.extend(self.origin(p));
                    if let Some(t) = deadline {
                        self.time(t, p, &mut uses, 0);
                    }
                }
                Some(Duty::Forbid { series, from, until }) => {
                    let u = uses.entry(*series).or_default();
                    u.readers.insert(p);
                    u.origins.extend(self.origin(p));
                    self.time(from, p, &mut uses, 0);
                    if let Some(t) = until {
                        self.time(t, p, &mut uses, 0);
                    }
                }
                Some(Duty::Maintain { measure, value, from, until, .. }) => {
                    self.measure(*measure, Some(*value), p, &mut uses);
                    self.time(from, p, &mut uses, 0);
                    if let Some(t) = until {
                        self.time(t, p, &mut uses, 0);
                    }
                }
                Some(Duty::Reduce { series, during, against, .. }) => {
                    // Windows that closed before the forecast date cannot be changed by
                    // future evidence: nothing to simulate.
                    let closed = [&during.0, &during.1, &against.0, &against.1].iter().all(|t| self.fixed_past(t));
                    if !closed {
                        let u = uses.entry(*series).or_default();
                        u.readers.insert(p);
                        u.origins.extend(self.origin(p));
                        for t in [&during.0, &during.1, &against.0, &against.1] {
                            self.time(t, p, &mut uses, 0);
                        }
                    }
                }
                None => {}
            }
        }
        uses
    }
}

fn filter_fields(f: &Filter, out: &mut BTreeSet<u8>) {
    match f {
        Filter::In(field, _) => {
            out.insert(field_no(*field));
        }
        Filter::Not(x) => filter_fields(x, out),
        Filter::And(a, b) | Filter::Or(a, b) => {
            filter_fields(a, out);
            filter_fields(b, out);
        }
    }
}

fn field_no(f: Field) -> u8 {
    match f {
        Field::Actor => 0,
        Field::Target => 1,
        Field::Place => 2,
    }
}

fn filter_atoms(f: &Filter, field: Field, out: &mut Vec<Atom>) {
    match f {
        Filter::In(x, atoms) if *x == field => {
            for a in atoms {
                if !out.contains(a) {
                    out.push(a.clone());
                }
            }
        }
        Filter::In(..) => {}
        Filter::Not(x) => filter_atoms(x, field, out),
        Filter::And(a, b) | Filter::Or(a, b) => {
            filter_atoms(a, field, out);
            filter_atoms(b, field, out);
        }
    }
}

/// The part of an item that cells are told apart by: the fields some filter reads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum WhoKey {
    Party(usize),
    Other(String),
}

type Key = (Option<WhoKey>, Option<WhoKey>, Option<String>);

fn who_key(w: &Option<Who>) -> Option<WhoKey> {
    w.as_ref().map(|w| match w {
        Who::Party(p) => WhoKey::Party(*p),
        Who::Other(s) => WhoKey::Other(s.to_lowercase()),
    })
}

fn key_of(it: &PItem, fields: &BTreeSet<u8>) -> Key {
    (
        if fields.contains(&0) { who_key(&it.actor) } else { None },
        if fields.contains(&1) { who_key(&it.target) } else { None },
        if fields.contains(&2) { it.place.as_ref().map(|p| p.to_lowercase()) } else { None },
    )
}

fn template_from(it: &PItem, fields: &BTreeSet<u8>) -> PItem {
    PItem {
        item: usize::MAX,
        date: it.date,
        first: it.date,
        kind: it.kind,
        actor: if fields.contains(&0) { it.actor.clone() } else { None },
        target: if fields.contains(&1) { it.target.clone() } else { None },
        place: if fields.contains(&2) { it.place.clone() } else { None },
        quantity: None,
        denied_by: Vec::new(),
    }
}

fn atom_who(a: &Atom) -> Who {
    match a {
        Atom::Party(p) => Who::Party(*p),
        Atom::Text(t) => Who::Other(t.clone()),
    }
}

/// An item that passes the filter, built from the values the filters of this kind name.
fn witness(case: &Case, kind: KindId, filter: &Option<Filter>, all_filters: &[&Filter], fields: &BTreeSet<u8>) -> Option<PItem> {
    let cands = |field: Field| -> Vec<Option<Atom>> {
        if !fields.contains(&field_no(field)) {
            return vec![None];
        }
        let mut atoms = Vec::new();
        if let Some(f) = filter {
            filter_atoms(f, field, &mut atoms);
        }
        for f in all_filters {
            filter_atoms(f, field, &mut atoms);
        }
        let mut out: Vec<Option<Atom>> = atoms.into_iter().map(Some).collect();
        out.push(None);
        out
    };
    let (actors, targets, places) = (cands(Field::Actor), cands(Field::Target), cands(Field::Place));
    for a in &actors {
        for t in &targets {
            for p in &places {
                let it = PItem {
                    item: usize::MAX,
                    date: Date::MIN,
                    first: Date::MIN,
                    kind,
                    actor: a.as_ref().map(atom_who),
                    target: t.as_ref().map(atom_who),
                    place: p.as_ref().map(|x| match x {
                        Atom::Text(s) => s.clone(),
                        Atom::Party(q) => case.parties[*q].id.clone(),
                    }),
                    quantity: None,
                    denied_by: Vec::new(),
                };
                if filter.as_ref().is_none_or(|f| matches(case, f, &it)) {
                    return Some(it);
                }
            }
        }
    }
    None
}

fn who_text(case: &Case, w: &Who) -> String {
    match w {
        Who::Party(p) => case.parties[*p].id.clone(),
        Who::Other(s) => format!("\"{s}\""),
    }
}

fn cell_name(case: &Case, t: &PItem, fields: &BTreeSet<u8>) -> String {
    let mut parts = Vec::new();
    let mut none = Vec::new();
    for (n, label, v) in [
        (0u8, "actor", t.actor.as_ref().map(|w| who_text(case, w))),
        (1, "target", t.target.as_ref().map(|w| who_text(case, w))),
        (2, "place", t.place.as_ref().map(|p| format!("\"{p}\""))),
    ] {
        if !fields.contains(&n) {
            continue;
        }
        match v {
            Some(v) => parts.push(format!("{label} = {v}")),
            None => none.push(label),
        }
    }
    let mut s = case.kinds[t.kind].name.clone();
    if !parts.is_empty() {
        s.push_str(" where ");
        s.push_str(&parts.join(" and "));
    }
    if !none.is_empty() {
        s.push_str(&format!(" (no {})", none.join(", no ")));
    }
    s
}

fn is_level_agg(a: Agg) -> bool {
    matches!(a, Agg::Latest | Agg::Min | Agg::Max)
}

/// A least-squares line through (day, value, half-width) readings: slope per day, its
/// standard error and the residual noise. See docs/forecast.md.
pub fn fit(readings: &[(Date, f64, f64)]) -> (f64, f64, f64) {
    let n = readings.len();
    if n < 2 {
        return (0.0, 0.0, 0.0);
    }
    let t0 = readings[0].0;
    let ts: Vec<f64> = readings.iter().map(|r| t0.days_until(r.0) as f64).collect();
    let tm = ts.iter().sum::<f64>() / n as f64;
    let vm = readings.iter().map(|r| r.1).sum::<f64>() / n as f64;
    let sxx: f64 = ts.iter().map(|t| (t - tm) * (t - tm)).sum();
    if sxx <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let sxy: f64 = ts.iter().zip(readings).map(|(t, r)| (t - tm) * (r.1 - vm)).sum();
    let slope = sxy / sxx;
    let ssr: f64 = ts.iter().zip(readings).map(|(t, r)| (r.1 - (vm + slope * (t - tm))).powi(2)).sum();
    let resid = if n >= 3 { ssr / (n - 2) as f64 } else { 0.0 };
    // A reading known as a range (8400..8600) is uniform over it: variance half-width² / 3.
    let meas = readings.iter().map(|r| r.2 * r.2 / 3.0).sum::<f64>() / n as f64;
    let s2 = resid.max(meas);
    let mut se = (s2 / sxx).sqrt();
    if n == 2 {
        // Two readings say nothing about how straight the line is: the slope is known to
        // within half its size.
        se = se.max(slope.abs() / 2.0);
    }
    (slope, se, s2.sqrt())
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

/// Builds the model: cells, estimates, overrides and the scenario.
pub fn build(inp: &Inputs, overrides: &Overrides, scenario: Option<&Scenario>, horizon: Date) -> Result<Model, ForecastError> {
    let case = inp.case;
    let plan = inp.plan;
    let as_of = inp.as_of;
    let uses = inp.uses();
    let mut notes = Vec::new();

    // Hostile kinds: what some provision forbids or asks to reduce, and attacks and air strikes.
    let mut hostile: BTreeSet<KindId> = BTreeSet::new();
    for pp in &plan.provisions {
        match &pp.duty {
            Some(Duty::Forbid { series, .. }) | Some(Duty::Reduce { series, .. }) => {
                hostile.insert(plan.series[*series].kind);
            }
            _ => {}
        }
    }
    for name in ["attack", "airstrike"] {
        if let Some(k) = case.kind_by_name(name) {
            hostile.insert(k);
        }
    }
    hostile.retain(|k| case.kinds[*k].shape != KindShape::Level);

    // Fields read per kind, over every series read (and every scenario filter).
    let mut fields: BTreeMap<KindId, BTreeSet<u8>> = BTreeMap::new();
    let mut filters_of: BTreeMap<KindId, Vec<&Filter>> = BTreeMap::new();
    for s in uses.keys() {
        let def = &plan.series[*s];
        let e = fields.entry(def.kind).or_default();
        if let Some(f) = &def.filter {
            filter_fields(f, e);
            filters_of.entry(def.kind).or_default().push(f);
        }
    }
    if let Some(sc) = scenario {
        for r in &sc.rules {
            if let Some(t) = rule_target(&r.action) {
                if let (Some(e), Some(f)) = (fields.get_mut(&t.kind), &t.filter) {
                    filter_fields(f, e);
                }
            }
        }
    }

    let recent_from = as_of.add_days(-(RATE_WINDOW - 1));
    let mut cells: Vec<Cell> = Vec::new();
    let mut keys: Vec<(KindId, Key)> = Vec::new();
    for s in uses.keys() {
        let def = &plan.series[*s];
        let k = def.kind;
        let f = fields.get(&k).cloned().unwrap_or_default();
        let f = &f;
        let rows: Vec<&PItem> = inp.base.active.iter().filter(|it| it.kind == k).collect();
        let matching: Vec<&PItem> = rows.iter().copied().filter(|it| def.filter.as_ref().is_none_or(|fl| matches(case, fl, it))).collect();
        let mut wanted: Vec<PItem> = Vec::new();
        if is_level_agg(def.agg) {
            for it in matching.iter().filter(|it| it.quantity.is_some()) {
                wanted.push(template_from(it, f));
            }
        } else {
            for it in matching.iter().filter(|it| it.date >= recent_from) {
                wanted.push(template_from(it, f));
            }
            if wanted.is_empty() {
                // The most common matching row of all time.
                let mut counts: Vec<(Key, usize, &PItem)> = Vec::new();
                for it in &matching {
                    let key = key_of(it, f);
                    match counts.iter_mut().find(|c| c.0 == key) {
                        Some(c) => c.1 += 1,
                        None => counts.push((key, 1, it)),
                    }
                }
                if let Some(best) = counts.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))) {
                    wanted.push(template_from(best.2, f));
                }
            }
        }
        if wanted.is_empty() {
            let all: Vec<&Filter> = filters_of.get(&k).cloned().unwrap_or_default();
            match witness(case, k, &def.filter, &all, f) {
                Some(w) => wanted.push(w),
                None => {
                    notes.push(format!("no evidence row can pass the filter of a `{}` series; it is not simulated", case.kinds[k].name))
                }
            }
        }
        for t in wanted {
            let key = key_of(&t, f);
            if keys.iter().any(|x| x.0 == k && x.1 == key) {
                continue;
            }
            keys.push((k, key));
            let name = cell_name(case, &t, f);
            let actor = match &t.actor {
                Some(Who::Party(p)) => Some(*p),
                _ => None,
            };
            cells.push(Cell {
                name: name.clone(),
                kind: k,
                template: t,
                actor,
                gen: Gen::Rate { events: 0.0, days: RATE_WINDOW as f64, fixed: None },
                hostile: false,
                rules: CellRules::default(),
                windowed: false,
                weight: 0.0,
                measures: Vec::new(),
                provisions: Vec::new(),
                param: Parameter { name, ..Parameter::default() },
            });
        }
    }

    // Estimate each cell from its own rows.
    for (ci, cell) in cells.iter_mut().enumerate() {
        let k = cell.kind;
        let f = fields.get(&k).cloned().unwrap_or_default();
        let f = &f;
        let key = &keys[ci].1;
        let rows: Vec<&PItem> = inp.base.active.iter().filter(|it| it.kind == k && &key_of(it, f) == key).collect();
        let readers: Vec<(&SeriesId, &Use)> = uses
            .iter()
            .filter(|(s, _)| {
                let d = &plan.series[**s];
                d.kind == k && d.filter.as_ref().is_none_or(|fl| matches(case, fl, &cell.template))
            })
            .collect();
        let level = readers.iter().any(|(s, _)| is_level_agg(plan.series[**s].agg));
        let one_off = readers.iter().any(|(_, u)| u.one_off);
        let mut provs: BTreeSet<usize> = BTreeSet::new();
        let mut origins: Vec<Date> = Vec::new();
        let mut targets: Vec<f64> = Vec::new();
        for (_, u) in &readers {
            provs.extend(u.readers.iter().copied());
            origins.extend(u.origins.iter().copied());
            targets.extend(u.level_targets.iter().copied());
        }
        let origin = origins.iter().copied().min().unwrap_or(inp.start);
        cell.provisions = provs.into_iter().collect();
        cell.measures = (0..plan.measures.len())
            .filter(|m| readers.iter().any(|(s, _)| plan.measures[*m].series == **s))
            .filter(|m| plan.measures[*m].series < plan.series.len())
            .collect();
        cell.windowed = cell.measures.iter().any(|m| plan.measures[*m].window.is_some());
        cell.param.kind = case.kinds[k].name.clone();
        cell.param.measures = cell.measures.iter().map(|m| case.measures[*m].id.clone()).collect();
        cell.param.provisions = cell.provisions.iter().map(|p| case.provisions[*p].key.clone()).collect();
        if level {
            let mut readings: Vec<(Date, f64, f64)> = rows
                .iter()
                .filter(|it| !it.contested())
                .filter_map(|it| it.quantity.map(|q| (it.date, (q.low + q.high) / 2.0, (q.high - q.low) / 2.0)))
                .collect();
            readings.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            let from = origin.max(as_of.add_days(-TREND_WINDOW));
            let mut used: Vec<(Date, f64, f64)> = readings.iter().copied().filter(|r| r.0 >= from).collect();
            if used.len() < 2 {
                used = readings.iter().rev().take(2).rev().copied().collect();
            }
            let (slope, se, noise) = fit(&used);
            let (last_date, last) = match readings.last() {
                Some(r) => {
                    let same: Vec<f64> = readings.iter().filter(|x| x.0 == r.0).map(|x| x.1).collect();
                    (r.0, same.iter().sum::<f64>() / same.len() as f64)
                }
                None => (as_of, 0.0),
            };
            let below = targets.iter().copied().filter(|t| *t < last).reduce(f64::min);
            let above = targets.iter().copied().filter(|t| *t > last).reduce(f64::max);
            cell.param.model = "trend";
            cell.param.estimate = slope;
            cell.param.uncertainty = se;
            cell.param.unit = "per day";
            cell.param.readings = Some(used.len());
            cell.param.last = readings.last().map(|_| last);
            cell.param.last_date = readings.last().map(|_| last_date);
            cell.param.noise = Some(noise);
            cell.param.basis = if used.len() >= 2 {
                format!(
                    "least squares over {} readings from {} to {}; last {} on {}; noise {}",
                    used.len(),
                    used[0].0,
                    used[used.len() - 1].0,
                    fmt_num(last),
                    last_date,
                    fmt_num(noise)
                )
            } else if readings.len() == 1 {
                format!("one reading ({} on {}): no trend, the level stays", fmt_num(last), last_date)
            } else {
                "no reading: nothing is simulated".into()
            };
            cell.gen = Gen::Trend(Trend { last, last_date, slope, se, fixed: false, noise, below, above });
        } else {
            let recent: f64 = rows.iter().filter(|it| it.date >= recent_from).map(|it| event_weight(it)).sum();
            cell.weight = recent + 1.0;
            cell.hostile = hostile.contains(&k);
            if one_off && recent == 0.0 {
                let waited = (origin.days_until(as_of)).max(1) as f64;
                cell.gen = Gen::Hazard { waited, fixed: None };
                cell.param.model = "hazard";
                cell.param.estimate = 1.0 / waited;
                cell.param.uncertainty = 1.0 / waited;
                cell.param.unit = "per day";
                cell.param.waited_days = Some(waited);
                cell.param.basis =
                    format!("not reported since {origin}: hazard ~ Gamma(1, {waited}) (median wait {} days, Gott's rule)", fmt_num(waited));
            } else {
                let days = RATE_WINDOW as f64;
                cell.gen = Gen::Rate { events: recent, days, fixed: None };
                cell.param.model = "rate";
                cell.param.estimate = (recent + 1.0) / days;
                cell.param.uncertainty = (recent + 1.0).sqrt() / days;
                cell.param.unit = "events per day";
                cell.param.events = Some(recent);
                cell.param.basis =
                    format!("{} event(s) from {recent_from} to {as_of}: rate ~ Gamma({}, {days})", fmt_num(recent), fmt_num(recent + 1.0));
            }
            cell.param.hostile = cell.hostile;
        }
    }

    apply_overrides(case, plan, &mut cells, overrides)?;
    let (mut retaliation, mut retaliation_param) = estimate_retaliation(inp, &hostile);
    if let Some(f) = overrides.retaliation {
        retaliation.iter_mut().for_each(|r| *r = f);
        retaliation_param.factor = f;
        retaliation_param.overridden = true;
    }
    for (party, f) in &overrides.retaliation_by {
        let Some(p) = case.party_by_name(party) else {
            return Err(ForecastError::UnknownParameter(format!("retaliation_by.{party}: the case has no party `{party}`")));
        };
        retaliation[p] = *f;
        retaliation_param.by_party.insert(case.parties[p].id.clone(), *f);
        retaliation_param.overridden = true;
    }
    if let Some(sc) = scenario {
        apply_scenario(case, sc, &mut cells, &mut retaliation, &mut retaliation_param, as_of, horizon, &mut notes);
    }
    Ok(Model { cells, retaliation, retaliation_param, notes })
}

fn rule_target(a: &Action) -> Option<&Target> {
    match a {
        Action::Rate { target, .. } | Action::EventOn { target, .. } | Action::Never { target } => Some(target),
        Action::Retaliation { .. } => None,
    }
}

fn apply_overrides(case: &Case, plan: &Plan, cells: &mut [Cell], o: &Overrides) -> Result<(), ForecastError> {
    // A name is a cell's name, a measure's id, or (for hazards) the key of a provision.
    fn select(case: &Case, plan: &Plan, cells: &[Cell], name: &str) -> Vec<usize> {
        let by_cell: Vec<usize> = (0..cells.len()).filter(|i| cells[*i].name == name).collect();
        if !by_cell.is_empty() {
            return by_cell;
        }
        if let Some(m) = case.measures.iter().position(|m| m.id == name) {
            let _ = plan;
            return (0..cells.len()).filter(|i| cells[*i].measures.contains(&m)).collect();
        }
        if let Ok(p) = case.find_provision(name) {
            return (0..cells.len()).filter(|i| cells[*i].provisions.contains(&p)).collect();
        }
        Vec::new()
    }
    let unknown = |what: &str, name: &str, cells: &[Cell]| {
        let names: Vec<&str> = cells.iter().map(|c| c.name.as_str()).chain(case.measures.iter().map(|m| m.id.as_str())).collect();
        let hint = pactum_syntax::did_you_mean(name, names.iter().copied()).map(|h| format!("; did you mean `{h}`?")).unwrap_or_default();
        ForecastError::UnknownParameter(format!("{what} `{name}`: no simulated evidence has that name{hint}"))
    };
    for (name, v) in &o.slope {
        let sel: Vec<usize> = select(case, plan, cells, name).into_iter().filter(|i| matches!(cells[*i].gen, Gen::Trend(_))).collect();
        if sel.is_empty() {
            return Err(unknown("slope", name, cells));
        }
        for i in sel {
            if let Gen::Trend(t) = &mut cells[i].gen {
                t.slope = *v;
                t.fixed = true;
            }
            cells[i].param.overridden = true;
            cells[i].param.estimate = *v;
            cells[i].param.uncertainty = 0.0;
        }
    }
    for (name, v) in &o.rate {
        let sel: Vec<usize> = select(case, plan, cells, name).into_iter().filter(|i| !matches!(cells[*i].gen, Gen::Trend(_))).collect();
        if sel.is_empty() {
            return Err(unknown("rate", name, cells));
        }
        let total: f64 = sel.iter().map(|i| cells[*i].weight.max(1.0)).sum();
        for i in sel {
            let share = if cells[i].name == *name { *v } else { v * cells[i].weight.max(1.0) / total };
            cells[i].gen = Gen::Rate { events: 0.0, days: RATE_WINDOW as f64, fixed: Some(share.max(0.0)) };
            cells[i].param.model = "rate";
            cells[i].param.overridden = true;
            cells[i].param.estimate = share.max(0.0);
            cells[i].param.uncertainty = 0.0;
        }
    }
    for (name, v) in &o.hazard {
        let sel: Vec<usize> = select(case, plan, cells, name).into_iter().filter(|i| !matches!(cells[*i].gen, Gen::Trend(_))).collect();
        if sel.is_empty() {
            return Err(unknown("hazard", name, cells));
        }
        for i in sel {
            let waited = match cells[i].gen {
                Gen::Hazard { waited, .. } => waited,
                _ => 1.0,
            };
            cells[i].gen = Gen::Hazard { waited, fixed: Some(v.max(0.0)) };
            cells[i].param.model = "hazard";
            cells[i].param.overridden = true;
            cells[i].param.estimate = v.max(0.0);
            cells[i].param.uncertainty = 0.0;
        }
    }
    Ok(())
}

/// The default retaliation factor: after each past breach of a provision owed to B (and at
/// least 30 days before the forecast date), B's hostile events in the 30 days after against
/// the 30 days before, pooled: (after + 1) / (before + 1), kept within 0.1 .. 10.
fn estimate_retaliation(inp: &Inputs, hostile: &BTreeSet<KindId>) -> (Vec<f64>, RetaliationParam) {
    let case = inp.case;
    let mut before = 0.0;
    let mut after = 0.0;
    let mut used = Vec::new();
    for c in inp.timeline {
        if c.to != pactum_engine::State::Breached || c.date > inp.as_of.add_days(-RETALIATION_WINDOW) {
            continue;
        }
        let p = &case.provisions[c.provision];
        if p.beneficiaries.is_empty() {
            continue;
        }
        let t = c.date;
        for &b in &p.beneficiaries {
            for it in inp.base.active.iter().filter(|it| hostile.contains(&it.kind) && it.actor == Some(Who::Party(b))) {
                let w = event_weight(it);
                if it.date < t && it.date >= t.add_days(-RETALIATION_WINDOW) {
                    before += w;
                } else if it.date > t && it.date <= t.add_days(RETALIATION_WINDOW) {
                    after += w;
                }
            }
        }
        used.push(format!("{} on {t}", p.key));
    }
    let (factor, basis) = if used.is_empty() {
        (1.0, "no breach of a provision with a beneficiary at least 30 days before the forecast date: no retaliation".to_string())
    } else {
        let raw = (after + 1.0) / (before + 1.0);
        let f = raw.clamp(0.1, 10.0);
        (
            f,
            format!(
                "beneficiaries' hostile events 30 days after / before {} past breach(es) ({}): ({} + 1) / ({} + 1) = {:.3}{}",
                used.len(),
                used.join(", "),
                fmt_num(after),
                fmt_num(before),
                raw,
                if f != raw { format!(", kept within 0.1..10: {f}") } else { String::new() }
            ),
        )
    };
    let param = RetaliationParam { factor, estimate: factor, basis, overridden: false, by_party: BTreeMap::new() };
    (vec![factor; case.parties.len()], param)
}

#[allow(clippy::too_many_arguments)]
fn apply_scenario(
    case: &Case,
    sc: &Scenario,
    cells: &mut [Cell],
    retaliation: &mut [f64],
    param: &mut RetaliationParam,
    as_of: Date,
    horizon: Date,
    notes: &mut Vec<String>,
) {
    for rule in &sc.rules {
        let where_ = format!("{}:{}", sc.file, rule.line);
        match &rule.action {
            Action::Retaliation { by, factor } => {
                match by {
                    Some(p) => {
                        retaliation[*p] = *factor;
                        param.by_party.insert(case.parties[*p].id.clone(), *factor);
                    }
                    None => {
                        retaliation.iter_mut().for_each(|r| *r = *factor);
                        param.factor = *factor;
                        param.by_party.clear();
                    }
                }
                param.overridden = true;
            }
            action => {
                let Some(target) = rule_target(action) else { continue };
                let hits: Vec<usize> = (0..cells.len())
                    .filter(|i| {
                        cells[*i].kind == target.kind && target.filter.as_ref().is_none_or(|f| matches(case, f, &cells[*i].template))
                    })
                    .collect();
                if hits.is_empty() {
                    notes.push(format!(
                        "{where_}: `{}` matches no evidence that an unsettled provision reads; the line changes nothing",
                        rule.text
                    ));
                    continue;
                }
                for i in hits {
                    let c = &mut cells[i];
                    c.param.scenario.push(rule.text.clone());
                    match action {
                        Action::Rate { amount, every, from, until, .. } => {
                            let per_day = amount / period_days(*every);
                            let from = from.unwrap_or(as_of.add_days(1)).max(as_of.add_days(1));
                            if until.is_some_and(|u| u < from) || from > horizon {
                                notes.push(format!(
                                    "{where_}: the period of `{}` is not after the forecast date; the line changes nothing",
                                    rule.text
                                ));
                                continue;
                            }
                            match c.gen {
                                Gen::Trend(_) => c.rules.slopes.push((from, *until, per_day)),
                                _ => c.rules.rates.push((from, *until, per_day)),
                            }
                        }
                        Action::EventOn { .. } | Action::Never { .. } if matches!(c.gen, Gen::Trend(_)) => {
                            notes.push(format!("{where_}: `{}` is read as a level; use `rate` for levels", c.name));
                        }
                        Action::EventOn { date, .. } => {
                            if *date <= as_of || *date > horizon {
                                notes.push(format!(
                                    "{where_}: {date} is not between the forecast date and the horizon; the event is left out"
                                ));
                            } else {
                                c.rules.events.push(*date);
                            }
                            c.rules.replaced = true;
                        }
                        Action::Never { .. } => c.rules.replaced = true,
                        Action::Retaliation { .. } => {}
                    }
                }
            }
        }
    }
}
