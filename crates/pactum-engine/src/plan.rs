//! The case compiled for evaluation: every place that reads evidence becomes a numbered
//! series (an aggregate over one kind and filter), shared by all provisions that read it.

use pactum_base::{Date, Duration};
use pactum_check::model::{self, Case, Filter, Installments, KindId, ProvisionId};
use pactum_syntax::ast::{Agg, Cmp, Direction};

pub type SeriesId = usize;
pub type MeasureRef = usize;

#[derive(Clone, Debug, PartialEq)]
pub struct SeriesDef {
    pub agg: Agg,
    pub kind: KindId,
    pub filter: Option<Filter>,
}

#[derive(Clone, Debug)]
pub enum Time {
    Date(Date),
    Met(ProvisionId),
    Breached(ProvisionId),
    Due(ProvisionId),
    First(SeriesId),
    Offset(Duration, Direction, Box<Time>),
}

#[derive(Clone, Debug)]
pub enum Cond {
    Met(ProvisionId),
    Breached(ProvisionId),
    Compare(MeasureRef, Cmp, f64),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

/// A measure: a series, optionally read over a window.
#[derive(Clone, Debug)]
pub struct PMeasure {
    pub series: SeriesId,
    pub window: Option<(Time, Time)>,
}

#[derive(Clone, Debug)]
pub enum Duty {
    Achieve { measure: MeasureRef, cmp: Cmp, value: f64, deadline: Option<Time>, then: Option<Installments> },
    Perform { series: SeriesId, deadline: Option<Time> },
    Forbid { series: SeriesId, from: Time, until: Option<Time> },
    Maintain { measure: MeasureRef, cmp: Cmp, value: f64, from: Time, until: Option<Time> },
    Reduce { series: SeriesId, percent: f64, during: (Time, Time), against: (Time, Time) },
}

#[derive(Clone, Debug)]
pub struct PProvision {
    pub signed: Option<Date>,
    pub trigger: Option<Time>,
    pub provided: Option<Cond>,
    pub duty: Option<Duty>,
    pub unmonitorable: bool,
    pub consequences: Vec<model::Consequence>,
}

pub struct Plan {
    pub series: Vec<SeriesDef>,
    pub measures: Vec<PMeasure>,
    pub provisions: Vec<PProvision>,
}

impl Plan {
    pub fn new(case: &Case) -> Plan {
        let mut b = Builder { series: Vec::new() };
        let measures = case
            .measures
            .iter()
            .map(|m| PMeasure {
                series: b.series(m.agg, m.kind, &m.filter),
                window: m.window.as_ref().map(|(a, z)| (b.time(a), b.time(z))),
            })
            .collect();
        let provisions = case
            .provisions
            .iter()
            .map(|p| PProvision {
                signed: case.agreements[p.agreement].signed,
                trigger: p.trigger.as_ref().map(|t| b.time(t)),
                provided: p.provided.as_ref().map(|c| b.cond(c)),
                duty: p.duty.as_ref().map(|d| b.duty(case, d)),
                unmonitorable: p.unmonitorable.is_some(),
                consequences: p.consequences.clone(),
            })
            .collect();
        Plan { series: b.series, measures, provisions }
    }
}

impl Plan {
    /// The earliest date written in the agreements (deadlines, periods, windows, triggers).
    pub fn earliest_date(&self) -> Option<Date> {
        fn walk(t: &Time, out: &mut Option<Date>) {
            match t {
                Time::Date(d) => *out = Some(out.map_or(*d, |o| o.min(*d))),
                Time::Offset(_, _, b) => walk(b, out),
                _ => {}
            }
        }
        let mut out = None;
        for m in &self.measures {
            if let Some((a, b)) = &m.window {
                walk(a, &mut out);
                walk(b, &mut out);
            }
        }
        for p in &self.provisions {
            if let Some(t) = &p.trigger {
                walk(t, &mut out);
            }
            match &p.duty {
                Some(Duty::Achieve { deadline: Some(t), .. }) | Some(Duty::Perform { deadline: Some(t), .. }) => walk(t, &mut out),
                Some(Duty::Forbid { from, until, .. }) | Some(Duty::Maintain { from, until, .. }) => {
                    walk(from, &mut out);
                    if let Some(u) = until {
                        walk(u, &mut out);
                    }
                }
                Some(Duty::Reduce { during, against, .. }) => {
                    for t in [&during.0, &during.1, &against.0, &against.1] {
                        walk(t, &mut out);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

struct Builder {
    series: Vec<SeriesDef>,
}

impl Builder {
    fn series(&mut self, agg: Agg, kind: KindId, filter: &Option<Filter>) -> SeriesId {
        let def = SeriesDef { agg, kind, filter: filter.clone() };
        if let Some(i) = self.series.iter().position(|s| *s == def) {
            return i;
        }
        self.series.push(def);
        self.series.len() - 1
    }

    fn time(&mut self, t: &model::Time) -> Time {
        match t {
            model::Time::Date(d) => Time::Date(*d),
            model::Time::Met(p) => Time::Met(*p),
            model::Time::Breached(p) => Time::Breached(*p),
            model::Time::Due(p) => Time::Due(*p),
            model::Time::First(k, f) => Time::First(self.series(Agg::Count, *k, f)),
            model::Time::Offset(d, dir, b) => Time::Offset(*d, *dir, Box::new(self.time(b))),
        }
    }

    fn cond(&mut self, c: &model::Cond) -> Cond {
        match c {
            model::Cond::Met(p) => Cond::Met(*p),
            model::Cond::Breached(p) => Cond::Breached(*p),
            model::Cond::Compare(m, cmp, v) => Cond::Compare(*m, *cmp, *v),
            model::Cond::Not(x) => Cond::Not(Box::new(self.cond(x))),
            model::Cond::And(a, z) => Cond::And(Box::new(self.cond(a)), Box::new(self.cond(z))),
            model::Cond::Or(a, z) => Cond::Or(Box::new(self.cond(a)), Box::new(self.cond(z))),
        }
    }

    fn duty(&mut self, case: &Case, d: &model::Duty) -> Duty {
        match d {
            model::Duty::Achieve { measure, cmp, value, deadline, then } => Duty::Achieve {
                measure: *measure,
                cmp: *cmp,
                value: *value,
                deadline: deadline.as_ref().map(|t| self.time(t)),
                then: then.clone(),
            },
            model::Duty::Perform { kind, filter, deadline } => {
                Duty::Perform { series: self.series(Agg::Count, *kind, filter), deadline: deadline.as_ref().map(|t| self.time(t)) }
            }
            model::Duty::Forbid { kind, filter, from, until } => Duty::Forbid {
                series: self.series(Agg::Count, *kind, filter),
                from: self.time(from),
                until: until.as_ref().map(|t| self.time(t)),
            },
            model::Duty::Maintain { measure, cmp, value, from, until } => Duty::Maintain {
                measure: *measure,
                cmp: *cmp,
                value: *value,
                from: self.time(from),
                until: until.as_ref().map(|t| self.time(t)),
            },
            model::Duty::Reduce { measure, percent, during, against } => {
                let m = &case.measures[*measure];
                Duty::Reduce {
                    series: self.series(m.agg, m.kind, &m.filter),
                    percent: *percent,
                    during: (self.time(&during.0), self.time(&during.1)),
                    against: (self.time(&against.0), self.time(&against.1)),
                }
            }
        }
    }
}
