//! The reference evaluator: the same semantics, computed the slow and obvious way. It visits
//! every day from the start to the evaluation date, and reads every measure by scanning every
//! item. Its only job is to be easy to check by eye, so that the engine can be tested
//! against it.

use crate::plan::{Plan, SeriesId};
use crate::prepare::{matches, Prepared};
use crate::semantics::{Ctx, Hist};
use crate::series::Evidence;
use crate::value::Value;
use crate::{give_benefit_of_doubt, start_date, step_day, Outcome};
use pactum_base::{Date, Quantity};
use pactum_check::model::Case;
use pactum_syntax::ast::Agg;

struct Scan<'a> {
    case: &'a Case,
    plan: &'a Plan,
    ev: &'a Prepared,
}

impl Scan<'_> {
    /// The items of a series dated in the window, as (date, low, high, contested).
    fn items(&self, s: SeriesId, from: Option<Date>, until: Date) -> Vec<(Date, Option<Quantity>, bool)> {
        let def = &self.plan.series[s];
        self.ev
            .active
            .iter()
            .filter(|it| it.kind == def.kind)
            .filter(|it| def.filter.as_ref().is_none_or(|f| matches(self.case, f, it)))
            .filter(|it| from.is_none_or(|a| it.date >= a) && it.date <= until)
            .map(|it| (it.date, it.quantity, it.contested()))
            .collect()
    }
}

impl Evidence for Scan<'_> {
    fn value(&self, s: SeriesId, from: Option<Date>, until: Date) -> Value {
        let agg = self.plan.series[s].agg;
        let items = self.items(s, from, until);
        match agg {
            Agg::Count => {
                let mut v = Value::ZERO;
                for (_, q, contested) in &items {
                    let q = q.unwrap_or(Quantity::exact(1.0));
                    v.lo += if *contested { 0.0 } else { q.low };
                    v.hi += q.high;
                    v.disputed |= *contested;
                }
                v
            }
            Agg::Sum => {
                let mut v = Value::ZERO;
                for (_, q, contested) in &items {
                    if let Some(q) = q {
                        v.lo += if *contested { 0.0 } else { q.low };
                        v.hi += q.high;
                        v.disputed |= *contested;
                    }
                }
                v
            }
            Agg::Latest => {
                let with_q: Vec<(Date, Quantity, bool)> = items.iter().filter_map(|(d, q, c)| q.map(|q| (*d, q, *c))).collect();
                let Some(last) = with_q.iter().map(|x| x.0).max() else { return Value::EMPTY };
                let group: Vec<&(Date, Quantity, bool)> = with_q.iter().filter(|x| x.0 == last).collect();
                let mut v = Value {
                    lo: group.iter().map(|x| x.1.low).fold(f64::INFINITY, f64::min),
                    hi: group.iter().map(|x| x.1.high).fold(f64::NEG_INFINITY, f64::max),
                    empty: false,
                    disputed: false,
                };
                // Two reports of the same day that cannot both be true.
                for a in &group {
                    for b in &group {
                        if !a.1.overlaps(&b.1) {
                            v.disputed = true;
                        }
                    }
                }
                if group.iter().any(|x| x.2) {
                    v.disputed = true;
                    if let Some(prev) = with_q.iter().map(|x| x.0).filter(|d| *d < last).max() {
                        for x in with_q.iter().filter(|x| x.0 == prev) {
                            v.lo = v.lo.min(x.1.low);
                            v.hi = v.hi.max(x.1.high);
                        }
                    }
                }
                v
            }
            Agg::Min | Agg::Max => {
                let with_q: Vec<(Quantity, bool)> = items.iter().filter_map(|(_, q, c)| q.map(|q| (q, *c))).collect();
                if with_q.is_empty() {
                    return Value::EMPTY;
                }
                let pick = |f: fn(f64, f64) -> f64, start: f64, get: fn(&Quantity) -> f64| with_q.iter().map(|x| get(&x.0)).fold(start, f);
                let (lo, hi) = if agg == Agg::Min {
                    (pick(f64::min, f64::INFINITY, |q| q.low), pick(f64::min, f64::INFINITY, |q| q.high))
                } else {
                    (pick(f64::max, f64::NEG_INFINITY, |q| q.low), pick(f64::max, f64::NEG_INFINITY, |q| q.high))
                };
                Value { lo, hi, empty: false, disputed: with_q.iter().any(|x| x.1) }
            }
        }
    }

    fn first(&self, s: SeriesId, until: Date) -> Option<Date> {
        self.items(s, None, until).iter().filter(|x| !x.2).map(|x| x.0).min()
    }
}

fn run_daily(case: &Case, plan: &Plan, ev: &Prepared, as_of: Date) -> Outcome {
    let scan = Scan { case, plan, ev };
    let ctx = Ctx { case, plan, ev: &scan };
    let start = start_date(case, ev, as_of);
    let mut hist = vec![Hist::new(start); case.provisions.len()];
    let mut timeline = Vec::new();
    let mut d = start;
    while d <= as_of {
        step_day(&ctx, &mut hist, d, &mut timeline);
        d = d.add_days(1);
    }
    let n = hist.len();
    Outcome { start, as_of, states: hist.iter().map(|h| (h.state, h.since)).collect(), timeline, notes: vec![None; n] }
}

/// Same contract as [`crate::run`].
pub fn run(case: &Case, ev: &Prepared, as_of: Date) -> Outcome {
    let plan = Plan::new(case);
    let mut out = run_daily(case, &plan, ev, as_of);
    if ev.has_ranges() {
        let early = run_daily(case, &plan, &ev.earliest_reading(), as_of);
        give_benefit_of_doubt(&mut out, &early);
    }
    out
}
