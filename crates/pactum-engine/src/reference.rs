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
                let hull = |xs: &[&(Date, Quantity, bool)]| {
                    (
                        xs.iter().map(|x| x.1.low).fold(f64::INFINITY, f64::min),
                        xs.iter().map(|x| x.1.high).fold(f64::NEG_INFINITY, f64::max),
                    )
                };
                if group.iter().any(|x| !x.2) {
                    // Some report of the last day stands: the latest reading is among them.
                    let (lo, hi) = hull(&group);
                    let clash = group.iter().any(|a| group.iter().any(|b| !a.1.overlaps(&b.1)));
                    return Value { lo, hi, empty: false, disputed: clash || group.iter().any(|x| x.2), maybe_empty: false };
                }
                // Every report of the last day is denied: any reading back to the last undenied
                // day may be the real latest one; with none undenied, there may be none at all.
                let sure = with_q.iter().filter(|x| !x.2).map(|x| x.0).max();
                let candidates: Vec<&(Date, Quantity, bool)> = with_q.iter().filter(|x| sure.is_none_or(|s| x.0 >= s)).collect();
                let (lo, hi) = hull(&candidates);
                Value { lo, hi, empty: false, disputed: true, maybe_empty: sure.is_none() }
            }
            Agg::Min | Agg::Max => {
                let with_q: Vec<(Quantity, bool)> = items.iter().filter_map(|(_, q, c)| q.map(|q| (q, *c))).collect();
                if with_q.is_empty() {
                    return Value::EMPTY;
                }
                let lows = with_q.iter().map(|x| x.0.low);
                let highs = with_q.iter().map(|x| x.0.high);
                let sure_lows = with_q.iter().filter(|x| !x.1).map(|x| x.0.low);
                let sure_highs = with_q.iter().filter(|x| !x.1).map(|x| x.0.high);
                let has_sure = with_q.iter().any(|x| !x.1);
                let (lo, hi) = match (agg == Agg::Min, has_sure) {
                    // Smallest possible minimum: any reading; largest: the undenied ones alone.
                    (true, true) => (lows.fold(f64::INFINITY, f64::min), sure_highs.fold(f64::INFINITY, f64::min)),
                    (false, true) => (sure_lows.fold(f64::NEG_INFINITY, f64::max), highs.fold(f64::NEG_INFINITY, f64::max)),
                    (_, false) => (lows.fold(f64::INFINITY, f64::min), highs.fold(f64::NEG_INFINITY, f64::max)),
                };
                Value { lo, hi, empty: false, disputed: with_q.iter().any(|x| x.1), maybe_empty: !has_sure }
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
    let start = start_date(case, plan, ev, as_of);
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
