//! Indexed evidence: each series keeps its items sorted by date with prefix sums, so any
//! window of any series is read in logarithmic time.

use crate::plan::{Plan, SeriesId};
use crate::prepare::{matches, Prepared, Reading};
use crate::value::Value;
use pactum_base::Date;
use pactum_check::model::Case;
use pactum_syntax::ast::Agg;

/// What the semantics needs from evidence. The engine reads it from indexes; the reference
/// evaluator by scanning every item.
pub trait Evidence {
    /// The series' aggregate over the items dated in `from..=until` (`from` open when `None`).
    fn value(&self, s: SeriesId, from: Option<Date>, until: Date) -> Value;
    /// The day of the first uncontested item of the series, if it is on or before `until`.
    fn first(&self, s: SeriesId, until: Date) -> Option<Date>;
}

pub(crate) struct Series {
    agg: Agg,
    /// Indices into `Prepared::active`, sorted by date.
    items: Vec<usize>,
    pub(crate) dates: Vec<Date>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    contested: Vec<bool>,
    pre_lo: Vec<f64>,
    pre_hi: Vec<f64>,
    pre_contested: Vec<u32>,
    first_definite: Option<Date>,
}

pub struct Indexed {
    pub(crate) series: Vec<Series>,
}

impl Indexed {
    pub fn new(case: &Case, plan: &Plan, ev: &Prepared) -> Indexed {
        Indexed::with_reading(case, plan, ev, Reading::Latest)
    }

    /// The indexes for one reading of ranged dates. For [`Reading::Earliest`] the items are
    /// visited in [`Prepared::earliest_order`] and dated by their first day: the same indexes as
    /// `Indexed::new` of [`Prepared::earliest_reading`], except that `cite` gives indices into
    /// `ev.active`, without copying the items.
    pub fn with_reading(case: &Case, plan: &Plan, ev: &Prepared, reading: Reading) -> Indexed {
        // Group items by kind once, so each series scans only its own kind.
        let mut by_kind: Vec<Vec<usize>> = vec![Vec::new(); case.kinds.len()];
        let mut visit = |i: usize| by_kind[ev.active[i].kind].push(i);
        match reading {
            Reading::Latest => (0..ev.active.len()).for_each(&mut visit),
            Reading::Earliest => ev.earliest_order().into_iter().for_each(&mut visit),
        }
        let date_of = |it: &crate::prepare::PItem| match reading {
            Reading::Latest => it.date,
            Reading::Earliest => it.first,
        };
        let series = plan
            .series
            .iter()
            .map(|def| {
                let mut s = Series {
                    agg: def.agg,
                    items: vec![],
                    dates: vec![],
                    lo: vec![],
                    hi: vec![],
                    contested: vec![],
                    pre_lo: vec![0.0],
                    pre_hi: vec![0.0],
                    pre_contested: vec![0],
                    first_definite: None,
                };
                for &i in &by_kind[def.kind] {
                    let it = &ev.active[i];
                    if let Some(f) = &def.filter {
                        if !matches(case, f, it) {
                            continue;
                        }
                    }
                    let contested = it.contested();
                    let (lo, hi) = match def.agg {
                        Agg::Count => {
                            let q = it.quantity.unwrap_or(pactum_base::Quantity::exact(1.0));
                            (if contested { 0.0 } else { q.low }, q.high)
                        }
                        _ => match it.quantity {
                            None => continue,
                            Some(q) if def.agg == Agg::Sum && contested => (0.0, q.high),
                            Some(q) => (q.low, q.high),
                        },
                    };
                    if !contested && s.first_definite.is_none() {
                        s.first_definite = Some(date_of(it));
                    }
                    s.items.push(i);
                    s.dates.push(date_of(it));
                    s.lo.push(lo);
                    s.hi.push(hi);
                    s.contested.push(contested);
                    s.pre_lo.push(s.pre_lo[s.pre_lo.len() - 1] + lo);
                    s.pre_hi.push(s.pre_hi[s.pre_hi.len() - 1] + hi);
                    s.pre_contested.push(s.pre_contested[s.pre_contested.len() - 1] + u32::from(contested));
                }
                s
            })
            .collect();
        Indexed { series }
    }

    fn range(&self, s: SeriesId, from: Option<Date>, until: Date) -> (usize, usize) {
        let ser = &self.series[s];
        let i0 = from.map_or(0, |a| ser.dates.partition_point(|d| *d < a));
        let i1 = ser.dates.partition_point(|d| *d <= until);
        (i0, i1.max(i0))
    }

    /// The items (indices into `Prepared::active`) that a value was computed from.
    pub fn cite(&self, s: SeriesId, from: Option<Date>, until: Date) -> Vec<usize> {
        let ser = &self.series[s];
        let (i0, i1) = self.range(s, from, until);
        if i0 == i1 {
            return vec![];
        }
        match ser.agg {
            Agg::Count | Agg::Sum => ser.items[i0..i1].to_vec(),
            Agg::Latest => {
                let (mut g, _) = latest_group(ser, i0, i1);
                let mut out: Vec<usize> = ser.items[g..i1].to_vec();
                let mut end = i1;
                while g > i0 && ser.contested[g..end].iter().all(|c| *c) {
                    let (pg, _) = latest_group(ser, i0, g);
                    out.extend_from_slice(&ser.items[pg..g]);
                    end = g;
                    g = pg;
                }
                out
            }
            Agg::Min | Agg::Max => {
                let pick = (i0..i1).fold(i0, |best, i| {
                    let better = if ser.agg == Agg::Min { ser.lo[i] < ser.lo[best] } else { ser.hi[i] > ser.hi[best] };
                    if better {
                        i
                    } else {
                        best
                    }
                });
                vec![ser.items[pick]]
            }
        }
    }

    /// Every distinct date of every series: the days on which some value can change.
    pub fn all_dates(&self) -> impl Iterator<Item = Date> + '_ {
        self.series.iter().flat_map(|s| s.dates.iter().copied())
    }
}

/// The group of items sharing the last date in `i0..i1`, and the hull of their values.
fn latest_group(ser: &Series, i0: usize, i1: usize) -> (usize, Value) {
    let last = ser.dates[i1 - 1];
    let g = i0 + ser.dates[i0..i1].partition_point(|d| *d < last);
    let mut v = Value { lo: f64::INFINITY, hi: f64::NEG_INFINITY, empty: false, disputed: false, maybe_empty: false };
    let mut max_lo = f64::NEG_INFINITY;
    let mut min_hi = f64::INFINITY;
    for i in g..i1 {
        v.lo = v.lo.min(ser.lo[i]);
        v.hi = v.hi.max(ser.hi[i]);
        max_lo = max_lo.max(ser.lo[i]);
        min_hi = min_hi.min(ser.hi[i]);
        v.disputed |= ser.contested[i];
    }
    if max_lo > min_hi {
        v.disputed = true;
    }
    (g, v)
}

/// `latest` when denied reports may be false: while every report of the latest day is denied,
/// the day before may hold the real latest reading, and so on back.
fn latest_value(ser: &Series, i0: usize, i1: usize) -> Value {
    let (mut g, mut v) = latest_group(ser, i0, i1);
    while ser.contested[g..i1.min(ser.contested.len())].iter().all(|c| *c) {
        let end = g;
        if end == i0 {
            v.maybe_empty = true;
            break;
        }
        let (pg, prev) = latest_group(ser, i0, end);
        v.lo = v.lo.min(prev.lo);
        v.hi = v.hi.max(prev.hi);
        v.disputed = true;
        if !ser.contested[pg..end].iter().all(|c| *c) {
            break;
        }
        g = pg;
    }
    v
}

impl Evidence for Indexed {
    fn value(&self, s: SeriesId, from: Option<Date>, until: Date) -> Value {
        let ser = &self.series[s];
        let (i0, i1) = self.range(s, from, until);
        match ser.agg {
            Agg::Count | Agg::Sum => Value {
                lo: ser.pre_lo[i1] - ser.pre_lo[i0],
                hi: ser.pre_hi[i1] - ser.pre_hi[i0],
                empty: false,
                disputed: ser.pre_contested[i1] > ser.pre_contested[i0],
                maybe_empty: false,
            },
            _ if i0 == i1 => Value::EMPTY,
            Agg::Latest => latest_value(ser, i0, i1),
            Agg::Min | Agg::Max => {
                // Denied readings may be false: the extreme is taken over every set that
                // keeps all undenied readings and any of the denied ones.
                let min = ser.agg == Agg::Min;
                let mut all_lo = if min { f64::INFINITY } else { f64::NEG_INFINITY };
                let mut all_hi = all_lo;
                let mut sure_lo = all_lo;
                let mut sure_hi = all_lo;
                let mut any_sure = false;
                let mut disputed = false;
                let pick = |a: f64, b: f64| if min { a.min(b) } else { a.max(b) };
                for i in i0..i1 {
                    all_lo = pick(all_lo, ser.lo[i]);
                    all_hi = pick(all_hi, ser.hi[i]);
                    if ser.contested[i] {
                        disputed = true;
                    } else {
                        any_sure = true;
                        sure_lo = pick(sure_lo, ser.lo[i]);
                        sure_hi = pick(sure_hi, ser.hi[i]);
                    }
                }
                let (lo_all, hi_all) = (
                    ser.lo[i0..i1].iter().copied().fold(f64::INFINITY, f64::min),
                    ser.hi[i0..i1].iter().copied().fold(f64::NEG_INFINITY, f64::max),
                );
                let (lo, hi) = match (min, any_sure) {
                    (true, true) => (all_lo, sure_hi),
                    (false, true) => (sure_lo, all_hi),
                    (_, false) => (lo_all, hi_all),
                };
                Value { lo, hi, empty: false, disputed, maybe_empty: !any_sure }
            }
        }
    }

    fn first(&self, s: SeriesId, until: Date) -> Option<Date> {
        self.series[s].first_definite.filter(|d| *d <= until)
    }
}
