//! The meaning of a provision on one day: a pure function of the plan, the evidence and the
//! states the other provisions are in. Both the engine and the reference evaluator call it;
//! they differ in which days they visit and how they read evidence.
//!
//! Reading rule: a provision reads the state of provisions before it in evaluation order as
//! of the same day, and of those after it (possible only inside a cycle) as of the day before.

use crate::plan::{Cond, Duty, Plan, Time};
use crate::series::Evidence;
use crate::value::{compare, Tri, Value};
use crate::State;
use pactum_base::{Date, Duration};
use pactum_check::model::Case;
use pactum_syntax::ast::{Action, Cmp, Direction, OnEvent};
use std::fmt::Write;

/// What the evaluation remembers about a provision between days.
#[derive(Clone, Debug, PartialEq)]
pub struct Hist {
    pub state: State,
    pub since: Date,
    pub ever_in_force: bool,
    pub met_on: Option<Date>,
    pub breached_on: Option<Date>,
    /// Suspended by another provision's consequence (`on breach suspend ...`).
    pub suspended: bool,
    /// Terminated by another provision's consequence.
    pub void: bool,
}

impl Hist {
    pub fn new(start: Date) -> Hist {
        Hist { state: State::Pending, since: start, ever_in_force: false, met_on: None, breached_on: None, suspended: false, void: false }
    }
}

pub struct Ctx<'a, E: Evidence> {
    pub case: &'a Case,
    pub plan: &'a Plan,
    pub ev: &'a E,
}

const MAX_DEPTH: usize = 32;
const MAX_INSTALMENTS: usize = 10_000;

fn offset(d: Date, dur: Duration, dir: Direction) -> Date {
    match dir {
        Direction::After => d.plus(dur),
        Direction::Before => d.plus(Duration { amount: -dur.amount, unit: dur.unit }),
    }
}

impl<E: Evidence> Ctx<'_, E> {
    /// The date a time expression stands for, if it is known on day `d`.
    pub fn time(&self, t: &Time, d: Date, hist: &[Hist]) -> Option<Date> {
        self.time_at(t, d, hist, 0)
    }

    fn time_at(&self, t: &Time, d: Date, hist: &[Hist], depth: usize) -> Option<Date> {
        if depth > MAX_DEPTH {
            return None;
        }
        match t {
            Time::Date(x) => Some(*x),
            Time::Met(q) => hist[*q].met_on,
            Time::Breached(q) => hist[*q].breached_on,
            Time::Due(q) => deadline(self.plan.provisions[*q].duty.as_ref()?).and_then(|t| self.time_at(t, d, hist, depth + 1)),
            Time::First(s) => self.ev.first(*s, d),
            Time::Offset(dur, dir, b) => self.time_at(b, d, hist, depth + 1).map(|x| offset(x, *dur, *dir)),
        }
    }

    pub fn measure(&self, m: usize, d: Date, hist: &[Hist]) -> Value {
        let pm = &self.plan.measures[m];
        match &pm.window {
            None => self.ev.value(pm.series, None, d),
            Some((a, b)) => {
                let (Some(a), Some(b)) = (self.time(a, d, hist), self.time(b, d, hist)) else { return Value::EMPTY };
                if d < a {
                    return Value::EMPTY;
                }
                self.ev.value(pm.series, Some(a), d.min(b))
            }
        }
    }

    pub fn cond(&self, c: &Cond, d: Date, hist: &[Hist]) -> Tri {
        match c {
            Cond::Met(q) => match hist[*q].state {
                State::Met | State::MetLate => Tri::True,
                State::Disputed => Tri::Unknown,
                _ => Tri::False,
            },
            Cond::Breached(q) => match hist[*q].state {
                State::Breached => Tri::True,
                State::Disputed => Tri::Unknown,
                _ => Tri::False,
            },
            Cond::Compare(m, cmp, v) => compare(self.measure(*m, d, hist), *cmp, *v),
            Cond::Not(x) => self.cond(x, d, hist).negate(),
            Cond::And(a, b) => self.cond(a, d, hist).and(self.cond(b, d, hist)),
            Cond::Or(a, b) => self.cond(a, d, hist).or(self.cond(b, d, hist)),
        }
    }

    /// Instalment due dates and required totals: the first at the deadline, then one every
    /// period, each `step` more, until the cap.
    pub fn instalments(&self, base: f64, first_due: Date, inst: &pactum_check::model::Installments) -> Vec<(Date, f64)> {
        let mut out = vec![(first_due, base.min(inst.cap))];
        let mut k = 1;
        while out[out.len() - 1].1 < inst.cap && k < MAX_INSTALMENTS && inst.step > 0.0 {
            let due = first_due.plus(Duration { amount: inst.every.amount.saturating_mul(k as i64), unit: inst.every.unit });
            out.push((due, (base + inst.step * k as f64).min(inst.cap)));
            k += 1;
        }
        out
    }

    /// The state of provision `p` on day `d`, given what is remembered. Writes the reason in
    /// plain words when `why` is given.
    /// The day a provision's duty starts on day `d`: its signing, or its trigger if later.
    pub fn start(&self, p: usize, d: Date, hist: &[Hist]) -> Option<Date> {
        let pp = &self.plan.provisions[p];
        let trigger = pp.trigger.as_ref().and_then(|t| self.time(t, d, hist));
        match (pp.signed, trigger) {
            (Some(s), Some(t)) => Some(s.max(t)),
            (a, b) => a.or(b),
        }
    }

    pub fn eval(&self, p: usize, d: Date, hist: &[Hist], mut why: Option<&mut String>) -> State {
        macro_rules! say {
            ($($t:tt)*) => {
                if let Some(w) = why.as_deref_mut() {
                    let _ = write!(w, $($t)*);
                }
            };
        }
        let pp = &self.plan.provisions[p];
        let h = &hist[p];
        if let Some(s) = pp.signed {
            if d < s {
                say!("the agreement is signed on {s}");
                return State::Pending;
            }
        }
        if pp.unmonitorable {
            say!("no evidence can show this: {}", self.case.provisions[p].unmonitorable.as_deref().unwrap_or(""));
            return State::NotMonitorable;
        }
        let Some(duty) = &pp.duty else {
            say!("states no duty");
            return State::Pending;
        };
        // A settled provision stays settled: what was done (or broken) is history, whatever
        // happens to the agreement afterwards.
        let settled = match duty {
            Duty::Achieve { .. } | Duty::Perform { .. } => matches!(h.state, State::Met | State::MetLate),
            Duty::Forbid { .. } | Duty::Maintain { .. } | Duty::Reduce { .. } => matches!(h.state, State::Met | State::Breached),
        };
        if settled {
            say!("settled on {}", h.since);
            return h.state;
        }
        if h.void {
            say!("terminated by a consequence of another provision");
            return State::Void;
        }
        // The day the duty starts: the signing, or its trigger if later. Events before it do
        // not perform it.
        let mut start = pp.signed;
        if let Some(t) = &pp.trigger {
            match self.time(t, d, hist) {
                None => {
                    say!("waiting for its trigger: `{}`", self.rule_line(p, "trigger"));
                    return State::Pending;
                }
                Some(td) if td > d => {
                    say!("starts on {td}");
                    return State::Pending;
                }
                Some(td) => start = Some(start.map_or(td, |s| s.max(td))),
            }
        }
        if let Some(c) = &pp.provided {
            match self.cond(c, d, hist) {
                Tri::False => {
                    say!("its condition does not hold: `{}`", self.rule_line(p, "provided"));
                    return if h.ever_in_force { State::Suspended } else { State::Pending };
                }
                Tri::Unknown => say!("its condition is disputed (`{}`), so the duty is kept in force; ", self.rule_line(p, "provided")),
                Tri::True => {}
            }
        }
        if h.suspended {
            say!("suspended by a consequence of another provision");
            return State::Suspended;
        }
        match duty {
            Duty::Achieve { measure, cmp, value, deadline, then } => {
                let dl = deadline.as_ref().and_then(|t| self.time(t, d, hist));
                let v = self.measure(*measure, d, hist);
                let name = &self.case.measures[*measure].id;
                if let (Some(inst), None) = (then, dl) {
                    // The schedule is not known yet (its deadline waits for something): only
                    // the full amount can settle it.
                    return match compare(v, Cmp::Ge, inst.cap) {
                        Tri::True => {
                            say!("{name} = {v} reached the full {} before the instalment schedule started", num(inst.cap));
                            State::Met
                        }
                        Tri::Unknown => {
                            say!("{name} = {v}: sources disagree whether the full {} is reached", num(inst.cap));
                            State::Disputed
                        }
                        Tri::False => {
                            say!("{name} = {v} of {}; the instalment schedule has not started", num(inst.cap));
                            State::Active
                        }
                    };
                }
                if let (Some(inst), Some(first_due)) = (then, dl) {
                    let cap = compare(v, Cmp::Ge, inst.cap);
                    let mut missed = None;
                    let mut unknown = false;
                    for (due, need) in self.instalments(*value, first_due, inst) {
                        if due >= d {
                            break;
                        }
                        match compare(self.measure(*measure, due, hist), Cmp::Ge, need) {
                            Tri::False if missed.is_none() => missed = Some((due, need)),
                            Tri::Unknown => unknown = true,
                            _ => {}
                        }
                    }
                    return match (cap, missed) {
                        (Tri::True, None) => {
                            say!("{name} = {v} reached the full {} with every instalment on time", num(inst.cap));
                            State::Met
                        }
                        (Tri::True, Some((due, need))) => {
                            say!("{name} = {v} reached the full {}, but the instalment of {} due {due} was late", num(inst.cap), num(need));
                            State::MetLate
                        }
                        (Tri::Unknown, _) => {
                            say!("{name} = {v}: sources disagree whether the full {} is reached", num(inst.cap));
                            State::Disputed
                        }
                        (Tri::False, Some((due, need))) => {
                            say!(
                                "{name} had not reached {} by {due}, when that instalment was due; now {v} of {}",
                                num(need),
                                num(inst.cap)
                            );
                            State::Breached
                        }
                        (Tri::False, None) if unknown => {
                            say!("sources disagree whether an instalment was met; now {v} of {}", num(inst.cap));
                            State::Disputed
                        }
                        (Tri::False, None) => {
                            say!("{name} = {v} of {}, instalments on schedule", num(inst.cap));
                            State::Active
                        }
                    };
                }
                let target = Phrase(*cmp, *value);
                match compare(v, *cmp, *value) {
                    Tri::True => match dl {
                        Some(x) if d > x => {
                            say!("{name} = {v}, {}, reached {} after the deadline {x}", reached(*cmp, *value), days(x.days_until(d)));
                            State::MetLate
                        }
                        Some(x) => {
                            say!("{name} = {v}, {}, reached by the deadline {x}", reached(*cmp, *value));
                            State::Met
                        }
                        None => {
                            say!("{name} = {v}, {target}");
                            State::Met
                        }
                    },
                    Tri::Unknown => {
                        if v.disputed {
                            say!("sources disagree: {name} = {v} against {target}");
                        } else {
                            say!("the evidence is approximate: {name} = {v} against {target}");
                        }
                        State::Disputed
                    }
                    Tri::False => match dl {
                        Some(x) if d > x => {
                            say!("deadline {x} passed with {name} = {v}, not {target}");
                            State::Breached
                        }
                        Some(x) => {
                            say!("{name} = {v}, not yet {target}; due {x}");
                            State::Active
                        }
                        None => {
                            say!("{name} = {v}, not yet {target}");
                            State::Active
                        }
                    },
                }
            }
            Duty::Perform { series, deadline } => {
                let dl = deadline.as_ref().and_then(|t| self.time(t, d, hist));
                let v = self.ev.value(*series, start, d);
                match compare(v, Cmp::Ge, 1.0) {
                    Tri::True => match dl {
                        Some(x) if d > x => {
                            say!("done {} after the deadline {x}", days(x.days_until(d)));
                            State::MetLate
                        }
                        Some(x) => {
                            say!("done by the deadline {x}");
                            State::Met
                        }
                        None => {
                            say!("done");
                            State::Met
                        }
                    },
                    Tri::Unknown => {
                        say!("reported, but the report is denied");
                        State::Disputed
                    }
                    Tri::False => match dl {
                        Some(x) if d > x => {
                            say!("not done by the deadline {x}");
                            State::Breached
                        }
                        Some(x) => {
                            say!("not done yet; due {x}");
                            State::Active
                        }
                        None => {
                            say!("not done yet");
                            State::Active
                        }
                    },
                }
            }
            Duty::Forbid { series, from, until } => {
                let (a, b) = match self.period(from, until.as_ref(), d, hist) {
                    Ok(p) => p,
                    Err(why_not) => {
                        say!("{why_not}");
                        return State::Pending;
                    }
                };
                let end = b.map_or(d, |b| d.min(b));
                let v = self.ev.value(*series, Some(a), end);
                match compare(v, Cmp::Ge, 1.0) {
                    Tri::True => {
                        say!("{v} forbidden event(s) recorded since {a}");
                        State::Breached
                    }
                    Tri::Unknown => {
                        say!("forbidden event(s) reported since {a}, but the reports are denied");
                        State::Disputed
                    }
                    Tri::False => match b {
                        Some(b) if d > b => {
                            say!("no forbidden event recorded from {a} to {b}");
                            State::Met
                        }
                        _ => {
                            say!("no forbidden event recorded since {a}");
                            State::Active
                        }
                    },
                }
            }
            Duty::Maintain { measure, cmp, value, from, until } => {
                let (a, b) = match self.period(from, until.as_ref(), d, hist) {
                    Ok(p) => p,
                    Err(why_not) => {
                        say!("{why_not}");
                        return State::Pending;
                    }
                };
                let at = b.map_or(d, |b| d.min(b));
                let v = self.measure(*measure, at, hist);
                let name = &self.case.measures[*measure].id;
                let target = Phrase(*cmp, *value);
                if v.empty {
                    say!("no reading of {name} yet");
                    return State::Active;
                }
                match compare(v, *cmp, *value) {
                    Tri::False => {
                        say!("{name} = {v} on {at}, not {target}");
                        State::Breached
                    }
                    Tri::Unknown => {
                        say!("{name} = {v}: cannot tell whether it is {target}");
                        State::Disputed
                    }
                    Tri::True => match b {
                        Some(b) if d > b => {
                            say!("{name} held {target} from {a} to {b}");
                            State::Met
                        }
                        _ => {
                            say!("{name} = {v}, holding {target}");
                            State::Active
                        }
                    },
                }
            }
            Duty::Reduce { series, percent, during, against } => {
                let times = [&during.0, &during.1, &against.0, &against.1].map(|t| self.time(t, d, hist));
                let [Some(a), Some(b), Some(c), Some(e)] = times else {
                    say!("its windows are not known yet");
                    return State::Pending;
                };
                if d < a {
                    say!("the window starts on {a}");
                    return State::Pending;
                }
                // Judged once both windows are over: never on evidence dated after today.
                let last = b.max(e);
                if d < last {
                    say!("measuring until {last}");
                    return State::Active;
                }
                let vd = self.ev.value(*series, Some(a), b);
                let vb = self.ev.value(*series, Some(c), e);
                // A count or sum becomes a rate per day; a level (`latest`, `min`, `max`) is
                // already one, such as incidents a day.
                let level = !matches!(self.plan.series[*series].agg, pactum_syntax::ast::Agg::Count | pactum_syntax::ast::Agg::Sum);
                if level && (vd.empty || vb.empty) {
                    say!(
                        "no reading in {}",
                        if vb.empty { format!("the baseline window {c} to {e}") } else { format!("the window {a} to {b}") }
                    );
                    return State::Pending;
                }
                if !level && vd.hi == 0.0 && vb.hi == 0.0 {
                    say!("no events recorded from {c} to {e} nor from {a} to {b}: nothing to measure yet");
                    return State::Pending;
                }
                let (nd, nb) = if level { (1.0, 1.0) } else { (a.days_until(b) as f64 + 1.0, c.days_until(e) as f64 + 1.0) };
                let (dlo, dhi) = (vd.lo / nd, vd.hi / nd);
                let (blo, bhi) = (vb.lo / nb, vb.hi / nb);
                let need = percent / 100.0;
                // The reduction is 1 - during/baseline; its range follows from the two ranges.
                let red_lo = if blo > 0.0 {
                    1.0 - dhi / blo
                } else if dhi == 0.0 {
                    1.0
                } else {
                    f64::NEG_INFINITY
                };
                let red_hi = if bhi > 0.0 {
                    1.0 - dlo / bhi
                } else if dlo == 0.0 {
                    1.0
                } else {
                    f64::NEG_INFINITY
                };
                let pct = |r: f64| if r.is_finite() { format!("{:.0}%", r * 100.0) } else { "none".into() };
                say!(
                    "{:.2} a day from {a} to {b} against {:.2} a day from {c} to {e}: a fall of {} (needs {}%)",
                    (dlo + dhi) / 2.0,
                    (blo + bhi) / 2.0,
                    if red_lo == red_hi { pct(red_lo) } else { format!("{} to {}", pct(red_lo), pct(red_hi)) },
                    num(*percent)
                );
                if red_lo >= need {
                    State::Met
                } else if red_hi < need {
                    State::Breached
                } else {
                    State::Disputed
                }
            }
        }
    }

    /// The first and (if known) last day of a `from ... until ...` period on day `d`, or why it
    /// has not begun.
    fn period(&self, from: &Time, until: Option<&Time>, d: Date, hist: &[Hist]) -> Result<(Date, Option<Date>), String> {
        let Some(a) = self.time(from, d, hist) else { return Err("the period has not started".into()) };
        if d < a {
            return Err(format!("the period starts on {a}"));
        }
        Ok((a, until.and_then(|t| self.time(t, d, hist))))
    }

    fn rule_line(&self, p: usize, key: &str) -> String {
        self.case.provisions[p].rules.iter().find(|r| r.starts_with(key)).cloned().unwrap_or_default()
    }

    /// Every date a provision's state could turn on, as known on day `d`: the times it names
    /// (and the day after each), and its instalment due dates.
    pub fn watch(&self, p: usize, d: Date, hist: &[Hist], out: &mut Vec<Date>) {
        let pp = &self.plan.provisions[p];
        let mut push = |x: Option<Date>| {
            if let Some(x) = x {
                out.push(x);
                out.push(x.add_days(1));
            }
        };
        if let Some(s) = pp.signed {
            push(Some(s));
        }
        if let Some(t) = &pp.trigger {
            push(self.time(t, d, hist));
        }
        if let Some(c) = &pp.provided {
            self.watch_cond(c, d, hist, &mut push);
        }
        let Some(duty) = &pp.duty else { return };
        match duty {
            Duty::Achieve { measure, deadline, then, value, .. } => {
                self.watch_measure(*measure, d, hist, &mut push);
                let dl = deadline.as_ref().and_then(|t| self.time(t, d, hist));
                push(dl);
                if let (Some(inst), Some(first)) = (then, dl) {
                    for (due, _) in self.instalments(*value, first, inst) {
                        push(Some(due));
                    }
                }
            }
            Duty::Perform { deadline, .. } => push(deadline.as_ref().and_then(|t| self.time(t, d, hist))),
            Duty::Forbid { from, until, .. } => {
                push(self.time(from, d, hist));
                push(until.as_ref().and_then(|t| self.time(t, d, hist)));
            }
            Duty::Maintain { measure, from, until, .. } => {
                self.watch_measure(*measure, d, hist, &mut push);
                push(self.time(from, d, hist));
                push(until.as_ref().and_then(|t| self.time(t, d, hist)));
            }
            Duty::Reduce { during, against, .. } => {
                for t in [&during.0, &during.1, &against.0, &against.1] {
                    push(self.time(t, d, hist));
                }
            }
        }
    }

    fn watch_measure(&self, m: usize, d: Date, hist: &[Hist], push: &mut impl FnMut(Option<Date>)) {
        if let Some((a, b)) = &self.plan.measures[m].window {
            push(self.time(a, d, hist));
            push(self.time(b, d, hist));
        }
    }

    fn watch_cond(&self, c: &Cond, d: Date, hist: &[Hist], push: &mut impl FnMut(Option<Date>)) {
        match c {
            Cond::Compare(m, ..) => self.watch_measure(*m, d, hist, push),
            Cond::Not(x) => self.watch_cond(x, d, hist, push),
            Cond::And(a, b) | Cond::Or(a, b) => {
                self.watch_cond(a, d, hist, push);
                self.watch_cond(b, d, hist, push);
            }
            Cond::Met(_) | Cond::Breached(_) => {}
        }
    }
}

/// A provision's deadline, as a time expression.
pub fn deadline(d: &Duty) -> Option<&Time> {
    match d {
        Duty::Achieve { deadline, .. } | Duty::Perform { deadline, .. } => deadline.as_ref(),
        Duty::Forbid { until, .. } | Duty::Maintain { until, .. } => until.as_ref(),
        Duty::Reduce { during, .. } => Some(&during.1),
    }
}

/// Records a change of state and applies its consequences to other provisions.
/// Returns whether anything else changed, so the caller knows to look again the next day.
pub fn enter(plan: &Plan, hist: &mut [Hist], p: usize, new: State, d: Date) -> bool {
    let old = hist[p].state;
    let h = &mut hist[p];
    h.state = new;
    h.since = d;
    if matches!(new, State::Active | State::Met | State::MetLate | State::Breached | State::Disputed) {
        h.ever_in_force = true;
    }
    let now_met = matches!(new, State::Met | State::MetLate);
    let was_met = matches!(old, State::Met | State::MetLate);
    if now_met && h.met_on.is_none() {
        h.met_on = Some(d);
    }
    if new == State::Breached && h.breached_on.is_none() {
        h.breached_on = Some(d);
    }
    let mut touched = false;
    for c in &plan.provisions[p].consequences {
        let fires = match c.on {
            OnEvent::Breach => new == State::Breached && old != State::Breached,
            OnEvent::Met => now_met && !was_met,
        };
        if !fires {
            continue;
        }
        let t = &mut hist[c.target];
        match c.action {
            Action::Suspend => t.suspended = true,
            Action::Resume => t.suspended = false,
            Action::Terminate => t.void = true,
        }
        touched = true;
    }
    touched
}

/// A target that has been met, in words: `at most 8600`, `the full cap of 5000`.
fn reached(cmp: Cmp, v: f64) -> String {
    match cmp {
        Cmp::UpTo => format!("the full cap of {}", num(v)),
        other => phrase(other, v),
    }
}

/// A target to be put in words only when a reason is written (the evaluation runs millions of
/// times without one).
struct Phrase(Cmp, f64);

impl std::fmt::Display for Phrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&phrase(self.0, self.1))
    }
}

/// A target in words: `at most 8600`, `the cap of 5000`.
fn phrase(cmp: Cmp, v: f64) -> String {
    let n = num(v);
    match cmp {
        Cmp::Le | Cmp::AtMost => format!("at most {n}"),
        Cmp::Ge | Cmp::AtLeast => format!("at least {n}"),
        Cmp::Lt => format!("below {n}"),
        Cmp::Gt => format!("above {n}"),
        Cmp::Eq => format!("exactly {n}"),
        Cmp::UpTo => format!("the cap of {n}"),
    }
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// A number as people write it: 8600, not 8600.0.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
