//! One simulated run: synthetic evidence after the forecast date, judged by the engine.
//!
//! Two evaluators give the same verdicts. The *plain* one does what a monitor would do with the
//! synthetic rows: `prepare` the known evidence, `Prepared::extend` it with the rows, and call
//! `pactum_engine::run`. The *checkpointed* one (the default) uses the engine's own pieces
//! (`Plan`, `Indexed`, `semantics::Ctx::eval`, `semantics::enter`, `give_benefit_of_doubt`):
//! it replays the days up to the forecast date once, since synthetic evidence is all dated
//! after it, and for each run only indexes the known items plus the synthetic ones and replays
//! the days after the forecast date. Tests check that both give the same per-run outcome.

use crate::model::{Cell, Gen, Model};
use crate::rng::{poisson_inv, Rng, GENERATOR_STREAMS};
use crate::ForecastError;
use pactum_base::{Date, DateRange, Quantity};
use pactum_check::model::{Case, PartyId};
use pactum_engine::plan::{Cond, Duty, Plan, Time};
use pactum_engine::prepare::{prepare, PItem, Prepared, Who};
use pactum_engine::semantics::{deadline, enter, Ctx, Hist};
use pactum_engine::series::{Evidence, Indexed};
use pactum_engine::{give_benefit_of_doubt, start_date, Change, Outcome, State};
use pactum_evidence::{Item, Origin, Relation, Source};
use std::collections::BTreeSet;

/// At most this many synthetic events of one one-off kind per run.
const MAX_ARRIVALS: usize = 2_000;

/// Which evaluator judges the runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnginePath {
    /// The days up to the forecast date are replayed once; each run indexes the evidence and
    /// replays only the days after it. Same verdicts as `Plain`, much faster.
    #[default]
    Checkpointed,
    /// `prepare` + `Prepared::extend` + `pactum_engine::run` for every run.
    Plain,
}

/// One synthetic evidence row: which cell, when, how much.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Synth {
    pub cell: usize,
    pub date: Date,
    pub quantity: f64,
}

/// The outcome of one run for one unsettled provision.
#[derive(Clone, Debug, PartialEq)]
pub struct ProvRun {
    pub state: State,
    pub since: Date,
    /// The first day after the forecast date it was met (or met late).
    pub met: Option<Date>,
    pub suspended: bool,
    pub void: bool,
    pub breached: bool,
    pub deadline: Option<Date>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunOut {
    pub provs: Vec<ProvRun>,
    /// Per fan measure, the value (middle of its range) every week; only for sampled runs.
    pub fans: Vec<Vec<f32>>,
    pub passes: usize,
    pub retaliated: bool,
    /// Days the engine judged, over every pass and reading (zero on the plain path).
    pub days: usize,
}

/// The state of a replay after some day: enough to carry on from there.
#[derive(Clone)]
pub struct Snapshot {
    /// The last day processed.
    pub day: Date,
    pub start: Date,
    pub hist: Vec<Hist>,
    pub timeline: Vec<Change>,
    /// Days after `day` already due to be visited.
    pub days: BTreeSet<Date>,
}

fn step_day<E: Evidence>(ctx: &Ctx<E>, hist: &mut [Hist], d: Date, timeline: &mut Vec<Change>) -> bool {
    let mut changed = false;
    for p in 0..hist.len() {
        let new = ctx.eval(p, d, hist, None);
        if new != hist[p].state {
            timeline.push(Change { date: d, provision: p, from: hist[p].state, to: new, reason: String::new() });
            enter(ctx.plan, hist, p, new, d);
            changed = true;
        }
    }
    changed
}

/// How far a replay goes and what it records.
struct Span<'a> {
    /// Stop before the first day after this one.
    stop: Date,
    /// Schedule days up to this one.
    limit: Date,
    /// Days on which a series gets its first undenied item (a `first(...)` time appears).
    firsts: &'a [Date],
}

/// The engine's sparse loop (`pactum_engine::run_sparse`): every provision is judged with
/// `Ctx::eval` on every day visited, changes go through `semantics::enter`, and the days to
/// visit come from the evidence dates, the day after a change and `Ctx::watch`. One
/// difference in scheduling only: `Ctx::watch` depends on the day only through what is
/// remembered and through `first(...)` times, so it is asked again only after a change, on a
/// day a `first(...)` time appears, and on the first day of a replay; the other days it would
/// list nothing new. Returns the number of days visited.
fn sparse<E: Evidence>(ctx: &Ctx<E>, snap: &mut Snapshot, span: &Span, watch: &mut Vec<Date>) -> usize {
    let mut visited = 0;
    let mut fresh = true;
    while let Some(d) = snap.days.pop_first() {
        if d > span.stop {
            snap.days.insert(d);
            break;
        }
        visited += 1;
        day(ctx, snap, d, span, watch, &mut fresh);
    }
    visited
}

/// One day of the sparse loop.
fn day<E: Evidence>(ctx: &Ctx<E>, snap: &mut Snapshot, d: Date, span: &Span, watch: &mut Vec<Date>, fresh: &mut bool) {
    let changed = step_day(ctx, &mut snap.hist, d, &mut snap.timeline);
    if changed {
        snap.days.insert(d.add_days(1));
    }
    if *fresh || changed || span.firsts.binary_search(&d).is_ok() {
        watch.clear();
        for p in 0..snap.hist.len() {
            ctx.watch(p, d, &snap.hist, watch);
        }
        snap.days.extend(watch.iter().copied().filter(|x| *x > d && *x <= span.limit));
        *fresh = false;
    }
    snap.day = d;
}

fn firsts(idx: &Indexed, series: usize, until: Date) -> Vec<Date> {
    let mut v: Vec<Date> = (0..series).filter_map(|s| idx.first(s, until)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Replays the known evidence up to `as_of`, scheduling days up to `horizon`.
pub fn checkpoint(case: &Case, plan: &Plan, ev: &Prepared, as_of: Date, horizon: Date) -> Snapshot {
    let idx = Indexed::new(case, plan, ev);
    let ctx = Ctx { case, plan, ev: &idx };
    let start = start_date(case, plan, ev, horizon);
    let mut days: BTreeSet<Date> = idx.all_dates().filter(|d| *d >= start && *d <= horizon).collect();
    days.insert(start);
    let mut snap =
        Snapshot { day: start.add_days(-1), start, hist: vec![Hist::new(start); case.provisions.len()], timeline: Vec::new(), days };
    let f = firsts(&idx, plan.series.len(), horizon);
    let span = Span { stop: as_of, limit: horizon, firsts: &f };
    sparse(&ctx, &mut snap, &span, &mut Vec::new());
    snap.day = snap.day.max(as_of);
    snap
}

/// Piecewise-constant intensity (events per day) over offsets (days after the forecast date).
struct Intensity {
    /// (start offset, rate); each segment runs to the next start, the last one for ever.
    segs: Vec<(f64, f64)>,
}

impl Intensity {
    fn integral(&self, a: f64, b: f64) -> f64 {
        let mut total = 0.0;
        for (i, (s, r)) in self.segs.iter().enumerate() {
            let e = self.segs.get(i + 1).map_or(f64::INFINITY, |x| x.0);
            let lo = a.max(*s);
            let hi = b.min(e);
            if hi > lo {
                total += (hi - lo) * r;
            }
        }
        total
    }

    /// The offset at which the integral from 0 reaches `target`, if it ever does.
    fn inverse(&self, target: f64) -> Option<f64> {
        let mut acc = 0.0;
        for (i, (s, r)) in self.segs.iter().enumerate() {
            let e = self.segs.get(i + 1).map_or(f64::INFINITY, |x| x.0);
            let mass = if e.is_infinite() { f64::INFINITY } else { (e - s) * r };
            if *r > 0.0 && acc + mass >= target {
                return Some(s + (target - acc) / r);
            }
            if mass.is_finite() {
                acc += mass;
            }
        }
        None
    }
}

pub struct Sim<'a> {
    pub case: &'a Case,
    pub plan: &'a Plan,
    pub model: &'a Model,
    pub base: &'a Prepared,
    /// The known items, for the plain evaluator.
    pub known: &'a [Item],
    pub as_of: Date,
    pub horizon: Date,
    pub seed: u64,
    pub late: &'a Snapshot,
    /// The earliest reading of ranged dates, when the known evidence has any.
    pub early: Option<&'a (Vec<PItem>, Snapshot)>,
    /// Provisions that, met late on the usual reading, cannot be met on time on the earliest
    /// reading: the second replay is skipped when only these are met late.
    pub hopeless: &'a [bool],
    /// The engine judges every day from evidence dated up to that day only (see [`causal`]).
    pub causal: bool,
    pub unsettled: &'a [usize],
    /// Measures drawn as fan charts, and the days they are read on.
    pub fans: &'a [usize],
    pub fan_days: &'a [Date],
    pub fan_runs: usize,
    pub path: EnginePath,
    /// Provision index to position among the unsettled.
    pub slot: &'a [Option<usize>],
    /// Parties whose retaliation can change anything (a factor other than 1 and a hostile cell).
    pub retaliators: &'a [bool],
}

/// Buffers one thread reuses from run to run.
pub struct Workspace {
    late: Prepared,
    early: Option<Prepared>,
    synth: Vec<Synth>,
    watch: Vec<Date>,
}

impl<'a> Sim<'a> {
    pub fn workspace(&self) -> Workspace {
        Workspace {
            late: Prepared { items: Default::default(), active: self.base.active.clone() },
            early: self.early.map(|(a, _)| Prepared { items: Default::default(), active: a.clone() }),
            synth: Vec::new(),
            watch: Vec::new(),
        }
    }

    fn span(&self) -> f64 {
        self.as_of.days_until(self.horizon) as f64
    }

    /// The synthetic rows of one run, given when each party's retaliation starts (an offset
    /// in days after the forecast date).
    pub fn generate(&self, run: usize, retaliation: &[Option<f64>], out: &mut Vec<Synth>) {
        out.clear();
        for (ci, c) in self.model.cells.iter().enumerate() {
            let mut rng = Rng::new(self.seed, run as u64, GENERATOR_STREAMS + ci as u64);
            match &c.gen {
                Gen::Trend(_) => self.trend(ci, c, &mut rng, out),
                _ => self.events(ci, c, &mut rng, retaliation, out),
            }
        }
        out.sort_by_key(|s| s.date);
    }

    fn trend(&self, ci: usize, c: &Cell, rng: &mut Rng, out: &mut Vec<Synth>) {
        let Gen::Trend(t) = &c.gen else { return };
        let slope = if t.fixed || t.se == 0.0 { t.slope } else { t.slope + t.se * rng.normal() };
        let rules = &c.rules.slopes;
        if rules.is_empty() && slope == 0.0 {
            return;
        }
        let floor = t.below.map_or(0.0, |b| b - t.noise).max(0.0);
        let cap = t.above.map_or(f64::INFINITY, |a| a + t.noise);
        let rate_on = |x: Date| -> f64 {
            let mut r = None;
            let mut ended = false;
            for (from, until, per_day) in rules {
                if x >= *from && until.is_none_or(|u| x <= u) {
                    r = Some(*per_day);
                } else if until.is_some_and(|u| x > u) {
                    ended = true;
                }
            }
            r.unwrap_or(if ended { 0.0 } else { slope })
        };
        let mut acc = t.last;
        let mut x = t.last_date;
        let mut prev = f64::NAN;
        let mut k = 1;
        loop {
            let d = self.as_of.add_days(7 * k);
            if d > self.horizon {
                break;
            }
            k += 1;
            let v = if rules.is_empty() {
                t.last + slope * t.last_date.days_until(d) as f64
            } else {
                while x < d {
                    x = x.add_days(1);
                    acc += rate_on(x);
                }
                acc
            };
            let v = if v < t.last { v.max(floor) } else { v.min(cap) };
            let v = v.max(0.0);
            if rules.is_empty() && !c.windowed && v == prev {
                // Held at its bound: more identical readings change nothing.
                break;
            }
            prev = v;
            out.push(Synth { cell: ci, date: d, quantity: v });
        }
    }

    fn events(&self, ci: usize, c: &Cell, rng: &mut Rng, retaliation: &[Option<f64>], out: &mut Vec<Synth>) {
        let lambda = match c.gen {
            Gen::Rate { fixed: Some(f), .. } | Gen::Hazard { fixed: Some(f), .. } => f,
            Gen::Rate { events, days, fixed: None } => rng.gamma(events + 1.0, days),
            Gen::Hazard { waited, fixed: None } => rng.gamma(1.0, waited),
            Gen::Trend(_) => return,
        };
        let span = self.span();
        let ret = match c.actor {
            Some(p) if c.hostile && self.model.retaliation[p] != 1.0 => retaliation[p].map(|o| (o, self.model.retaliation[p])),
            _ => None,
        };
        // Breakpoints, in offsets after the forecast date: day d covers (d-1, d].
        let off = |d: Date| self.as_of.days_until(d) as f64;
        let mut cuts: Vec<f64> = vec![0.0];
        for (from, until, _) in &c.rules.rates {
            cuts.push(off(*from) - 1.0);
            if let Some(u) = until {
                cuts.push(off(*u));
            }
        }
        if let Some((o, _)) = ret {
            cuts.push(o);
        }
        cuts.retain(|x| *x >= 0.0);
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let segs: Vec<(f64, f64)> = cuts
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let m = cuts.get(i + 1).map_or(s + 0.5, |e| (s + e) / 2.0);
                let mut rate = None;
                for (from, until, per_day) in &c.rules.rates {
                    if m > off(*from) - 1.0 && until.is_none_or(|u| m <= off(u)) {
                        rate = Some(*per_day);
                    }
                }
                let r = match rate {
                    Some(r) => r,
                    None if c.rules.replaced => 0.0,
                    None => match ret {
                        Some((o, f)) if m > o => lambda * f,
                        _ => lambda,
                    },
                };
                (*s, r)
            })
            .collect();
        let inten = Intensity { segs };
        for d in &c.rules.events {
            out.push(Synth { cell: ci, date: *d, quantity: 1.0 });
        }
        if matches!(c.gen, Gen::Hazard { .. }) {
            let mut s = 0.0;
            let mut last_day = None;
            for _ in 0..MAX_ARRIVALS {
                s += rng.exp1();
                let Some(t) = inten.inverse(s) else { break };
                if t > span {
                    break;
                }
                let day = (t.ceil() as i64).max(1);
                if last_day != Some(day) {
                    out.push(Synth { cell: ci, date: self.as_of.add_days(day), quantity: 1.0 });
                    last_day = Some(day);
                }
            }
        } else {
            let mut k = 1.0;
            loop {
                let a = 7.0 * (k - 1.0);
                if a >= span {
                    break;
                }
                let b = (7.0 * k).min(span);
                k += 1.0;
                let u = rng.unit();
                let n = poisson_inv(inten.integral(a, b), u);
                if n > 0 {
                    out.push(Synth { cell: ci, date: self.as_of.add_days(b as i64), quantity: n as f64 });
                }
            }
        }
    }

    fn pitem(&self, s: &Synth, n: usize) -> PItem {
        let c = &self.model.cells[s.cell];
        let mut it = c.template.clone();
        it.item = self.base.items.len() + n;
        it.date = s.date;
        it.first = s.date;
        it.quantity = Some(Quantity::exact(s.quantity));
        it
    }

    /// The synthetic rows as evidence items, as a file would hold them.
    pub fn items(&self, synth: &[Synth]) -> Vec<Item> {
        let who = |w: &Option<Who>| {
            w.as_ref().map(|w| match w {
                Who::Party(p) => self.case.parties[*p].id.clone(),
                Who::Other(s) => s.clone(),
            })
        };
        synth
            .iter()
            .enumerate()
            .map(|(n, s)| {
                let c = &self.model.cells[s.cell];
                Item {
                    id: format!("~sim-{:05}-{:06}", s.cell, n),
                    date: DateRange::day(s.date),
                    kind: self.case.kinds[c.kind].name.clone(),
                    actor: who(&c.template.actor),
                    target: who(&c.template.target),
                    quantity: Some(Quantity::exact(s.quantity)),
                    place: c.template.place.clone(),
                    rel: Relation::Asserts,
                    reference: None,
                    source: Source { outlet: "pactum forecast".into(), date: self.as_of.to_string(), title: None, url: None },
                    note: None,
                    origin: Origin { file: "<simulation>".into(), row: n as u64 + 1 },
                }
            })
            .collect()
    }

    /// One run. On the checkpointed path retaliation is applied as the replay goes: on the
    /// day a provision owed to a party is first breached, that party's hostile evidence after
    /// the day is drawn again with the retaliation factor and the replay carries on with it
    /// (the engine reads no evidence dated after the day it judges, so nothing already judged
    /// changes). The plain path reaches the same evidence by replaying whole runs until the
    /// breaches that set off retaliation stop changing.
    pub fn run(&self, ws: &mut Workspace, run: usize) -> Result<RunOut, ForecastError> {
        if self.path == EnginePath::Checkpointed && self.causal {
            return Ok(self.evaluate_fast(ws, run));
        }
        let mut retaliation: Vec<Option<f64>> = vec![None; self.case.parties.len()];
        let mut synth = std::mem::take(&mut ws.synth);
        let mut result = None;
        let mut days = 0;
        for pass in 1..=self.case.parties.len() + 2 {
            self.generate(run, &retaliation, &mut synth);
            let (mut out, next) = match self.path {
                EnginePath::Plain => self.evaluate_plain(&synth, run)?,
                EnginePath::Checkpointed => {
                    let (o, n, d) = self.evaluate_replay(ws, &synth, run);
                    days += d;
                    (o, n)
                }
            };
            out.passes = pass;
            out.retaliated = retaliation.iter().any(Option::is_some);
            out.days = days;
            result = Some(out);
            if next == retaliation {
                break;
            }
            retaliation = next;
        }
        ws.synth = synth;
        result.ok_or_else(|| ForecastError::Internal("no pass ran".into()))
    }

    /// A replay from the first day with every item, without the checkpoint: for cases where
    /// the engine reads evidence dated after the day it judges.
    fn evaluate_replay(&self, ws: &mut Workspace, synth: &[Synth], run: usize) -> (RunOut, Vec<Option<f64>>, usize) {
        let case = self.case;
        let n = case.provisions.len();
        let replay = |ev: &Prepared, watch: &mut Vec<Date>| -> (Outcome, Indexed, usize) {
            let idx = Indexed::new(case, self.plan, ev);
            let start = start_date(case, self.plan, ev, self.horizon);
            let mut days: BTreeSet<Date> = idx.all_dates().filter(|d| *d >= start && *d <= self.horizon).collect();
            days.insert(start);
            days.insert(self.horizon);
            let mut snap = Snapshot { day: start.add_days(-1), start, hist: vec![Hist::new(start); n], timeline: Vec::new(), days };
            let f = firsts(&idx, self.plan.series.len(), self.horizon);
            let ctx = Ctx { case, plan: self.plan, ev: &idx };
            let v = sparse(&ctx, &mut snap, &Span { stop: self.horizon, limit: self.horizon, firsts: &f }, watch);
            let states = snap.hist.iter().map(|h| (h.state, h.since)).collect();
            (Outcome { start, as_of: self.horizon, states, timeline: snap.timeline, notes: vec![None; n] }, idx, v)
        };
        self.load(&mut ws.late.active, self.base.active.len(), synth);
        let (mut out, idx, mut visited) = replay(&ws.late, &mut ws.watch);
        if let (Some((early_base, _)), Some(early)) = (self.early, ws.early.as_mut()) {
            if out.states.iter().any(|s| s.0 == State::MetLate) {
                self.load(&mut early.active, early_base.len(), synth);
                let (early_out, _, v) = replay(early, &mut ws.watch);
                visited += v;
                give_benefit_of_doubt(&mut out, &early_out);
            }
        }
        let ctx = Ctx { case, plan: self.plan, ev: &idx };
        let (o, next) = self.summarise(&out, &ctx, run);
        (o, next, visited)
    }

    fn load(&self, active: &mut Vec<PItem>, base_len: usize, synth: &[Synth]) {
        active.truncate(base_len);
        for (n, s) in synth.iter().enumerate() {
            active.push(self.pitem(s, n));
        }
    }

    fn evaluate_fast(&self, ws: &mut Workspace, run: usize) -> RunOut {
        let case = self.case;
        let n = case.provisions.len();
        let mut retaliation: Vec<Option<f64>> = vec![None; case.parties.len()];
        let mut synth = std::mem::take(&mut ws.synth);
        self.generate(run, &retaliation, &mut synth);
        self.load(&mut ws.late.active, self.base.active.len(), &synth);
        let mut idx = Indexed::new(case, self.plan, &ws.late);
        let start = start_date(case, self.plan, &ws.late, self.horizon);
        let mut snap = if start == self.late.start {
            let mut snap = self.late.clone();
            snap.days.extend(synth.iter().map(|s| s.date));
            snap
        } else {
            // The first day worth judging moved (no known evidence and nothing signed):
            // replay from the start.
            let mut days: BTreeSet<Date> = idx.all_dates().filter(|d| *d >= start && *d <= self.horizon).collect();
            days.insert(start);
            Snapshot { day: start.add_days(-1), start, hist: vec![Hist::new(start); n], timeline: Vec::new(), days }
        };
        snap.days.insert(self.horizon);
        let mut f = firsts(&idx, self.plan.series.len(), self.horizon);
        let mut visited = 0;
        let mut fresh = true;
        let mut passes = 1;
        while let Some(d) = snap.days.pop_first() {
            if d > self.horizon {
                break;
            }
            visited += 1;
            let before = snap.timeline.len();
            let ctx = Ctx { case, plan: self.plan, ev: &idx };
            let span = Span { stop: self.horizon, limit: self.horizon, firsts: &f };
            day(&ctx, &mut snap, d, &span, &mut ws.watch, &mut fresh);
            let mut again = false;
            for c in &snap.timeline[before..] {
                if c.to == State::Breached {
                    for b in &case.provisions[c.provision].beneficiaries {
                        if self.retaliators[*b] && retaliation[*b].is_none() {
                            retaliation[*b] = Some(self.as_of.days_until(d) as f64);
                            again = true;
                        }
                    }
                }
            }
            if again {
                // Evidence dated up to `d` is unchanged; what comes after is drawn again.
                passes += 1;
                self.generate(run, &retaliation, &mut synth);
                self.load(&mut ws.late.active, self.base.active.len(), &synth);
                idx = Indexed::new(case, self.plan, &ws.late);
                f = firsts(&idx, self.plan.series.len(), self.horizon);
                snap.days.extend(synth.iter().map(|s| s.date).filter(|x| *x > d));
                fresh = true;
            }
        }
        let mut out = Outcome {
            start,
            as_of: self.horizon,
            states: snap.hist.iter().map(|h| (h.state, h.since)).collect(),
            timeline: snap.timeline,
            notes: vec![None; n],
        };
        if let (Some((early_base, cp)), Some(early)) = (self.early, ws.early.as_mut()) {
            if out.states.iter().enumerate().any(|(p, s)| s.0 == State::MetLate && !self.hopeless[p]) {
                self.load(&mut early.active, early_base.len(), &synth);
                let eidx = Indexed::new(case, self.plan, early);
                let estart = start_date(case, self.plan, early, self.horizon);
                let mut esnap = if estart == cp.start {
                    let mut s = cp.clone();
                    s.days.extend(synth.iter().map(|s| s.date));
                    s
                } else {
                    let mut days: BTreeSet<Date> = eidx.all_dates().filter(|d| *d >= estart && *d <= self.horizon).collect();
                    days.insert(estart);
                    Snapshot { day: estart.add_days(-1), start: estart, hist: vec![Hist::new(estart); n], timeline: Vec::new(), days }
                };
                esnap.days.insert(self.horizon);
                let ef = firsts(&eidx, self.plan.series.len(), self.horizon);
                let ectx = Ctx { case, plan: self.plan, ev: &eidx };
                visited += sparse(&ectx, &mut esnap, &Span { stop: self.horizon, limit: self.horizon, firsts: &ef }, &mut ws.watch);
                let early_out = Outcome {
                    start: estart,
                    as_of: self.horizon,
                    states: esnap.hist.iter().map(|h| (h.state, h.since)).collect(),
                    timeline: esnap.timeline,
                    notes: vec![None; n],
                };
                give_benefit_of_doubt(&mut out, &early_out);
            }
        }
        ws.synth = synth;
        let ctx = Ctx { case, plan: self.plan, ev: &idx };
        let (mut o, _) = self.summarise(&out, &ctx, run);
        o.passes = passes;
        o.retaliated = retaliation.iter().any(Option::is_some);
        o.days = visited;
        o
    }

    fn evaluate_plain(&self, synth: &[Synth], run: usize) -> Result<(RunOut, Vec<Option<f64>>), ForecastError> {
        let mut ev = prepare(self.case, self.known.to_vec()).map_err(ForecastError::Evidence)?;
        ev.extend(self.case, self.items(synth)).map_err(ForecastError::Evidence)?;
        let out = pactum_engine::run(self.case, &ev, self.horizon);
        let idx = Indexed::new(self.case, self.plan, &ev);
        let ctx = Ctx { case: self.case, plan: self.plan, ev: &idx };
        Ok(self.summarise(&out, &ctx, run))
    }

    /// What a run says about each unsettled provision, and when each party's retaliation
    /// starts (the first breach, after the forecast date, of a provision owed to it).
    fn summarise(&self, out: &Outcome, ctx: &Ctx<Indexed>, run: usize) -> (RunOut, Vec<Option<f64>>) {
        let hist = out.remembered();
        let next_day = self.as_of.add_days(1);
        let mut provs: Vec<ProvRun> = self
            .unsettled
            .iter()
            .map(|p| ProvRun {
                state: out.states[*p].0,
                since: out.states[*p].1,
                met: None,
                suspended: false,
                void: false,
                breached: false,
                deadline: None,
            })
            .collect();
        // The state each provision was in on the forecast date, and whether it changed the
        // day after.
        let mut first_after: Vec<Option<(State, Date)>> = vec![None; provs.len()];
        let mut retaliation: Vec<Option<f64>> = vec![None; self.case.parties.len()];
        for c in &out.timeline {
            if c.date <= self.as_of {
                continue;
            }
            if c.to == State::Breached {
                for b in &self.case.provisions[c.provision].beneficiaries {
                    if self.retaliators[*b] {
                        let o = self.as_of.days_until(c.date) as f64;
                        let r = &mut retaliation[*b];
                        if r.is_none_or(|x| o < x) {
                            *r = Some(o);
                        }
                    }
                }
            }
            let Some(u) = self.slot[c.provision] else { continue };
            let pr = &mut provs[u];
            if first_after[u].is_none() {
                first_after[u] = Some((c.from, c.date));
            }
            match c.to {
                State::Met | State::MetLate if pr.met.is_none() => pr.met = Some(c.date),
                State::Suspended => pr.suspended = true,
                State::Void => pr.void = true,
                State::Breached => pr.breached = true,
                _ => {}
            }
        }
        for (u, pr) in provs.iter_mut().enumerate() {
            let p = self.unsettled[u];
            let (s0, changed_next) = match first_after[u] {
                Some((from, d)) => (from, d == next_day),
                None => (pr.state, false),
            };
            if !changed_next {
                match s0 {
                    State::Suspended => pr.suspended = true,
                    State::Void => pr.void = true,
                    State::Breached => pr.breached = true,
                    _ => {}
                }
            }
            if let Some(t) = self.plan.provisions[p].duty.as_ref().and_then(deadline) {
                pr.deadline = ctx.time(t, self.horizon, &hist);
            }
        }
        let fans = if run < self.fan_runs {
            self.fans
                .iter()
                .map(|m| {
                    self.fan_days
                        .iter()
                        .map(|d| {
                            let v = ctx.measure(*m, *d, &hist);
                            if v.empty {
                                f32::NAN
                            } else {
                                ((v.lo + v.hi) / 2.0) as f32
                            }
                        })
                        .collect()
                })
                .collect()
        } else {
            Vec::new()
        };
        (RunOut { provs, fans, passes: 1, retaliated: false, days: 0 }, retaliation)
    }
}

/// Which parties' retaliation can change a run: a factor other than 1 and a hostile cell
/// acting for them.
pub fn retaliators(case: &Case, model: &Model) -> Vec<bool> {
    let mut out = vec![false; case.parties.len()];
    for c in &model.cells {
        if let (true, Some(p)) = (c.hostile, c.actor) {
            let p: PartyId = p;
            if model.retaliation[p] != 1.0 && !c.rules.replaced {
                out[p] = true;
            }
        }
    }
    out
}

fn time_deps(plan: &Plan, t: &Time, series: &mut Vec<usize>, provs: &mut Vec<usize>, depth: usize) {
    if depth > 32 {
        return;
    }
    match t {
        Time::Date(_) => {}
        Time::Met(q) | Time::Breached(q) => provs.push(*q),
        Time::Due(q) => {
            provs.push(*q);
            if let Some(t) = plan.provisions[*q].duty.as_ref().and_then(deadline) {
                time_deps(plan, t, series, provs, depth + 1);
            }
        }
        Time::First(s) => series.push(*s),
        Time::Offset(_, _, b) => time_deps(plan, b, series, provs, depth + 1),
    }
}

fn measure_deps(plan: &Plan, m: usize, series: &mut Vec<usize>, provs: &mut Vec<usize>) {
    let pm = &plan.measures[m];
    series.push(pm.series);
    if let Some((a, b)) = &pm.window {
        time_deps(plan, a, series, provs, 0);
        time_deps(plan, b, series, provs, 0);
    }
}

fn cond_deps(plan: &Plan, c: &Cond, series: &mut Vec<usize>, provs: &mut Vec<usize>) {
    match c {
        Cond::Met(q) | Cond::Breached(q) => provs.push(*q),
        Cond::Compare(m, ..) => measure_deps(plan, *m, series, provs),
        Cond::Not(x) => cond_deps(plan, x, series, provs),
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond_deps(plan, a, series, provs);
            cond_deps(plan, b, series, provs);
        }
    }
}

/// The series and provisions a provision's verdict reads, and the provisions whose
/// consequences act on it.
fn deps(plan: &Plan, p: usize) -> (Vec<usize>, Vec<usize>) {
    let (mut series, mut provs) = (Vec::new(), Vec::new());
    let pp = &plan.provisions[p];
    if let Some(t) = &pp.trigger {
        time_deps(plan, t, &mut series, &mut provs, 0);
    }
    if let Some(c) = &pp.provided {
        cond_deps(plan, c, &mut series, &mut provs);
    }
    match &pp.duty {
        Some(Duty::Achieve { measure, deadline, .. }) => {
            measure_deps(plan, *measure, &mut series, &mut provs);
            if let Some(t) = deadline {
                time_deps(plan, t, &mut series, &mut provs, 0);
            }
        }
        Some(Duty::Perform { series: s, deadline }) => {
            series.push(*s);
            if let Some(t) = deadline {
                time_deps(plan, t, &mut series, &mut provs, 0);
            }
        }
        Some(Duty::Forbid { series: s, from, until }) => {
            series.push(*s);
            time_deps(plan, from, &mut series, &mut provs, 0);
            if let Some(t) = until {
                time_deps(plan, t, &mut series, &mut provs, 0);
            }
        }
        Some(Duty::Maintain { measure, from, until, .. }) => {
            measure_deps(plan, *measure, &mut series, &mut provs);
            time_deps(plan, from, &mut series, &mut provs, 0);
            if let Some(t) = until {
                time_deps(plan, t, &mut series, &mut provs, 0);
            }
        }
        Some(Duty::Reduce { series: s, during, against, .. }) => {
            series.push(*s);
            for t in [&during.0, &during.1, &against.0, &against.1] {
                time_deps(plan, t, &mut series, &mut provs, 0);
            }
        }
        None => {}
    }
    for (r, rp) in plan.provisions.iter().enumerate() {
        if rp.consequences.iter().any(|c| c.target == p) {
            provs.push(r);
        }
    }
    (series, provs)
}

fn fixed_day(t: &Time) -> Option<Date> {
    match t {
        Time::Date(d) => Some(*d),
        Time::Offset(dur, dir, b) => {
            let x = fixed_day(b)?;
            Some(match dir {
                pactum_syntax::ast::Direction::After => x.plus(*dur),
                pactum_syntax::ast::Direction::Before => x.plus(pactum_base::Duration { amount: -dur.amount, unit: dur.unit }),
            })
        }
        _ => None,
    }
}

/// Which provisions cannot be turned from met late into met by the earliest reading of
/// ranged dates, whatever the synthetic evidence (all of it is dated after `as_of`, on exact
/// days, so both readings see it alike):
/// - those that read nothing the two readings see differently: no series with a ranged known
///   item, the same state on the forecast date, and (recursively) the same for every
///   provision they read or that acts on them; their replays after `as_of` are identical;
/// - an `achieve` without instalments or a `perform` whose fixed deadline passed by `as_of`
///   and that is not met on the earliest reading then: any day it is met later is late.
pub fn hopeless(case: &Case, plan: &Plan, base: &Prepared, late: &Snapshot, early: &Snapshot, as_of: Date) -> Vec<bool> {
    let n = plan.provisions.len();
    let ranged: Vec<bool> = plan
        .series
        .iter()
        .map(|def| {
            base.active.iter().any(|a| {
                a.first != a.date && a.kind == def.kind && def.filter.as_ref().is_none_or(|f| pactum_engine::prepare::matches(case, f, a))
            })
        })
        .collect();
    let all: Vec<(Vec<usize>, Vec<usize>)> = (0..n).map(|p| deps(plan, p)).collect();
    let mut sensitive: Vec<bool> =
        (0..n).map(|p| late.hist[p] != early.hist[p] || late.start != early.start || all[p].0.iter().any(|s| ranged[*s])).collect();
    loop {
        let mut changed = false;
        for p in 0..n {
            if !sensitive[p] && all[p].1.iter().any(|q| sensitive[*q]) {
                sensitive[p] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    (0..n)
        .map(|p| {
            let late_anyway = match &plan.provisions[p].duty {
                Some(Duty::Achieve { then: None, deadline: Some(t), .. }) | Some(Duty::Perform { deadline: Some(t), .. }) => {
                    fixed_day(t).is_some_and(|d| d <= as_of) && early.hist[p].state != State::Met
                }
                _ => false,
            };
            !sensitive[p] || late_anyway
        })
        .collect()
}

/// Whether the engine judges every day from evidence dated up to that day only. It does,
/// except for a `reduce` whose baseline window may end after its measured window: from the
/// end of the measured window it reads the whole baseline, later days included. The
/// checkpoint (replaying the known evidence once) and retaliation drawn as the replay goes
/// both rely on it; without it every run is replayed from the first day.
pub fn causal(plan: &Plan) -> bool {
    plan.provisions.iter().all(|p| match &p.duty {
        Some(Duty::Reduce { during, against, .. }) => match (fixed_day(&during.1), fixed_day(&against.1)) {
            (Some(b), Some(e)) => e <= b,
            _ => false,
        },
        _ => true,
    })
}
