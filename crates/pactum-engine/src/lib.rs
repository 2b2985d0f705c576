//! The monitoring engine: for any date, the state of every provision of a case, the evidence
//! and rule behind it, and the full timeline of changes.
//!
//! **Invariant:** evaluation is a pure function of (case, evidence, date). Nothing here reads
//! the clock, a file or the network, and the result does not depend on the order of the rows.
//!
//! [`run`] visits only the days on which something can change and reads evidence from
//! indexes; [`reference::run`] visits every day and scans every item. They share the meaning
//! of a provision on one day ([`semantics`]), and property tests check they agree.

mod explain;
pub mod plan;
pub mod prepare;
pub mod reference;
pub mod semantics;
pub mod series;
pub mod value;
pub mod views;

use pactum_base::Date;
use pactum_check::model::Case;
use plan::Plan;
use semantics::{enter, Ctx, Hist};
use serde::Serialize;
use series::{Evidence, Indexed};
use std::collections::BTreeSet;

pub use explain::{Cited, PlaceRate, Progress, Report, Status, TimelineEntry};
/// Re-exported for callers that name the timeline entry type.
pub mod explain_types {
    pub use crate::explain::TimelineEntry;
}
pub use prepare::{prepare, Prepared};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not in force yet: before signing, before its trigger, or waiting for its condition.
    Pending,
    /// In force and not yet settled; progress says how far it has come.
    Active,
    /// Done by its deadline (or, for a prohibition or a level, kept for the whole period).
    Met,
    /// Done, after its deadline.
    MetLate,
    /// Its deadline passed undone, or a forbidden event happened, or a level was not held.
    Breached,
    /// In force before, but its condition no longer holds or another provision suspended it.
    Suspended,
    /// Terminated by another provision.
    Void,
    /// The evidence that would settle it is contested or too approximate to tell.
    Disputed,
    /// Declared impossible to check from evidence (a secret annex, a vague term).
    NotMonitorable,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Active => "active",
            State::Met => "met",
            State::MetLate => "met late",
            State::Breached => "breached",
            State::Suspended => "suspended",
            State::Void => "void",
            State::Disputed => "disputed",
            State::NotMonitorable => "not monitorable",
        }
    }
}

/// One change of state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub date: Date,
    /// Index of the provision in `Case::provisions`.
    #[serde(skip)]
    pub provision: usize,
    pub from: State,
    pub to: State,
    pub reason: String,
}

/// States on the evaluation date and every change before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub start: Date,
    pub as_of: Date,
    /// Per provision: its state and the day it entered it.
    pub states: Vec<(State, Date)>,
    pub timeline: Vec<Change>,
    /// Per provision: a note when the verdict rests on the earliest reading of ranged dates.
    pub notes: Vec<Option<String>>,
}

impl Outcome {
    /// What the evaluation remembers of each provision on `as_of`, rebuilt from the states and
    /// the timeline: what explanations, charts and forecasts need to work out deadlines that
    /// depend on other provisions, reading the same states the evaluation did.
    pub fn remembered(&self) -> Vec<Hist> {
        let mut hist: Vec<Hist> = self.states.iter().map(|(s, since)| Hist { state: *s, since: *since, ..Hist::new(self.start) }).collect();
        for c in &self.timeline {
            let h = &mut hist[c.provision];
            if matches!(c.to, State::Met | State::MetLate) && h.met_on.is_none() {
                h.met_on = Some(c.date);
            }
            if c.to == State::Breached && h.breached_on.is_none() {
                h.breached_on = Some(c.date);
            }
        }
        hist
    }
}

/// The first day worth evaluating: the earliest signing or date an agreement names (nothing is
/// decided before it; earlier evidence still counts), or the first evidence when there is none.
pub fn start_date(case: &Case, plan: &Plan, ev: &Prepared, as_of: Date) -> Date {
    start_from(case, plan, ev.active.first().map(|a| a.date), as_of)
}

fn start_from(case: &Case, plan: &Plan, first_item: Option<Date>, as_of: Date) -> Date {
    let signed = case.agreements.iter().filter_map(|a| a.signed).min();
    let named = plan.earliest_date();
    let from_text = [signed, named].into_iter().flatten().min();
    from_text.or(first_item).unwrap_or(as_of).min(as_of)
}

/// Evaluates one day for every provision in order. Returns whether anything changed.
fn step_day<E: Evidence>(ctx: &Ctx<E>, hist: &mut [Hist], d: Date, timeline: &mut Vec<Change>) -> bool {
    let mut changed = false;
    for p in 0..hist.len() {
        let new = ctx.eval(p, d, hist, None);
        if new != hist[p].state {
            let mut reason = String::new();
            ctx.eval(p, d, hist, Some(&mut reason));
            timeline.push(Change { date: d, provision: p, from: hist[p].state, to: new, reason });
            enter(ctx.plan, hist, p, new, d);
            changed = true;
        }
    }
    changed
}

fn run_sparse(case: &Case, plan: &Plan, ev: &Prepared, as_of: Date, reading: prepare::Reading) -> Outcome {
    let idx = Indexed::with_reading(case, plan, ev, reading);
    let ctx = Ctx { case, plan, ev: &idx };
    let start = start_from(case, plan, ev.first_day(reading), as_of);
    let n = case.provisions.len();
    let mut hist = vec![Hist::new(start); n];
    let mut timeline = Vec::new();
    let mut days: BTreeSet<Date> = idx.all_dates().filter(|d| *d >= start && *d <= as_of).collect();
    days.insert(start);
    days.insert(as_of);
    let mut watch = Vec::new();
    while let Some(d) = days.pop_first() {
        if d > as_of {
            break;
        }
        if step_day(&ctx, &mut hist, d, &mut timeline) {
            days.insert(d.add_days(1));
        }
        watch.clear();
        for p in 0..n {
            ctx.watch(p, d, &hist, &mut watch);
        }
        days.extend(watch.iter().copied().filter(|x| *x > d && *x <= as_of));
    }
    Outcome { start, as_of, states: hist.iter().map(|h| (h.state, h.since)).collect(), timeline, notes: vec![None; n] }
}

/// Where the verdict would be "met" if every ranged date were read at its first day but is
/// "met late" at its last, the obligor gets the benefit of the doubt, and a note says so.
pub fn give_benefit_of_doubt(late: &mut Outcome, early: &Outcome) {
    for p in 0..late.states.len() {
        if late.states[p].0 == State::MetLate && early.states[p].0 == State::Met {
            late.states[p].0 = State::Met;
            let note = format!(
                "met on time only on the earliest reading of dates known as ranges: it was done by {} at the latest, and may have been done by {}",
                late.states[p].1, early.states[p].1
            );
            // On that reading it was never breached: drop the breaches between the earliest
            // possible day it was met and the day it was met late.
            let early_met = early.timeline.iter().find(|c| c.provision == p && c.to == State::Met).map_or(early.states[p].1, |c| c.date);
            let mut from_state = None;
            late.timeline.retain(|c| {
                let drop = c.provision == p && c.to == State::Breached && c.date > early_met;
                if drop && from_state.is_none() {
                    from_state = Some(c.from);
                }
                !drop
            });
            for c in late.timeline.iter_mut().filter(|c| c.provision == p && c.to == State::MetLate) {
                c.to = State::Met;
                if let Some(f) = from_state {
                    c.from = f;
                }
                c.reason.push_str(&format!("; {note}"));
            }
            late.notes[p] = Some(note);
        }
    }
}

/// The states of every provision on `as_of` and the timeline up to it.
pub fn run(case: &Case, ev: &Prepared, as_of: Date) -> Outcome {
    let plan = Plan::new(case);
    let mut out = run_sparse(case, &plan, ev, as_of, prepare::Reading::Latest);
    if ev.has_ranges() {
        let early = run_sparse(case, &plan, ev, as_of, prepare::Reading::Earliest);
        give_benefit_of_doubt(&mut out, &early);
    }
    out
}

/// [`run`], plus the explanation of every provision: rule, progress and cited evidence.
pub fn evaluate(case: &Case, ev: &Prepared, as_of: Date) -> Report {
    let plan = Plan::new(case);
    let outcome = run(case, ev, as_of);
    explain::report(case, &plan, ev, outcome)
}
