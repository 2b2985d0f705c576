//! Turns an outcome into what people read: for each provision its state, deadline, progress,
//! the rule that decided it and the evidence items with their sources.

use crate::plan::{Duty, Plan};
use crate::prepare::Prepared;
use crate::semantics::{deadline, num, Ctx, Hist};
use crate::series::{Evidence, Indexed};
use crate::{Change, Outcome, State};
use pactum_base::Date;
use pactum_check::model::Case;
use pactum_syntax::ast::Cmp;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Progress {
    /// The measured value, e.g. `8400..8600`.
    pub value: String,
    /// What the duty asks for, e.g. `<= 8600` or `up to 5000 (a cap)`.
    pub target: String,
    /// How far along, from 0 to 1, where that has a meaning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
}

/// An evidence item cited in an explanation.
#[derive(Clone, Debug, Serialize)]
pub struct Cited {
    pub id: String,
    pub date: String,
    pub kind: String,
    /// `evidence`, `contested` (denied by another item), or `denial`.
    pub role: &'static str,
    pub summary: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub file: String,
    pub row: u64,
}

/// One place's rate in the two windows of a `reduce` duty.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PlaceRate {
    pub place: String,
    /// Per day in the window the duty measures.
    pub during: f64,
    /// Per day in the baseline window.
    pub against: f64,
    /// Per day in the window of the same length right after the measured one, once it is over:
    /// did the fall last?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub key: String,
    pub agreement: String,
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cites: Option<String>,
    pub obligors: Vec<String>,
    pub beneficiaries: Vec<String>,
    /// The provision's words, quoted from the agreement, when the case gives them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Where the provision's wording comes from, when the case says.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    pub state: State,
    pub since: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
    pub reason: String,
    pub rules: Vec<String>,
    pub evidence: Vec<Cited>,
    /// For reductions counted from events: the rate in each place, busiest baseline first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_place: Vec<PlaceRate>,
    pub caveats: Vec<String>,
    pub location: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TimelineEntry {
    pub date: Date,
    pub provision: String,
    pub from: State,
    pub to: State,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub as_of: Date,
    pub start: Date,
    pub provisions: Vec<Status>,
    pub timeline: Vec<TimelineEntry>,
}

const MAX_CITED: usize = 12;

pub fn report(case: &Case, plan: &Plan, ev: &Prepared, out: Outcome) -> Report {
    let idx = Indexed::new(case, plan, ev);
    let ctx = Ctx { case, plan, ev: &idx };
    let hist = out.remembered();
    let d = out.as_of;
    let mut in_source_order: Vec<usize> = (0..case.provisions.len()).collect();
    in_source_order.sort_by_key(|p| (case.provisions[*p].agreement, case.provisions[*p].source_order));
    let provisions = in_source_order
        .into_iter()
        .map(|p| {
            let prov = &case.provisions[p];
            let (state, since) = out.states[p];
            // Why it is in this state today: its own rule read today, unless it is settled,
            // in which case the reason it settled is the one that matters.
            let last_change = out.timeline.iter().rev().find(|c| c.provision == p).map(|c| c.reason.clone());
            let mut now = String::new();
            ctx.eval(p, d, &hist, Some(&mut now));
            let reason = match last_change {
                Some(r) if now.starts_with("settled on") || out.notes[p].is_some() => r,
                _ => now,
            };
            let pp = &plan.provisions[p];
            let due = pp.duty.as_ref().and_then(deadline).and_then(|t| ctx.time(t, d, &hist));
            let mut caveats = Vec::new();
            if let Some(n) = &out.notes[p] {
                caveats.push(n.clone());
            }
            if let Some(s) = &prov.scope {
                caveats.push(format!("scope \"{s}\": the evidence is not checked against this scope"));
            }
            let (progress, items) = match &pp.duty {
                Some(duty) => detail(&ctx, &idx, duty, ctx.start(p, d, &hist), d, &hist, &mut caveats),
                None => (None, vec![]),
            };
            let by_place = match &pp.duty {
                Some(Duty::Reduce { series, during, against, .. }) => places(&ctx, ev, *series, during, against, d, &hist),
                _ => vec![],
            };
            let evidence = cite(case, ev, items, &mut caveats);
            Status {
                key: prov.key.clone(),
                agreement: case.agreements[prov.agreement].id.clone(),
                id: prov.id.clone(),
                title: prov.title.clone(),
                cites: prov.cites.clone(),
                obligors: prov.obligors.iter().map(|o| case.parties[*o].id.clone()).collect(),
                beneficiaries: prov.beneficiaries.iter().map(|o| case.parties[*o].id.clone()).collect(),
                text: prov.text.clone(),
                sources: prov.sources.clone(),
                state,
                since,
                due,
                progress,
                reason,
                rules: prov.rules.clone(),
                evidence,
                by_place,
                caveats,
                location: prov.location.clone(),
            }
        })
        .collect();
    let timeline = out.timeline.iter().map(|c| entry(case, c)).collect();
    Report { as_of: out.as_of, start: out.start, provisions, timeline }
}

fn entry(case: &Case, c: &Change) -> TimelineEntry {
    TimelineEntry { date: c.date, provision: case.provisions[c.provision].key.clone(), from: c.from, to: c.to, reason: c.reason.clone() }
}

fn target_text(cmp: Cmp, v: f64) -> String {
    match cmp {
        Cmp::UpTo => format!("up to {} (a cap: the text allows fewer)", num(v)),
        Cmp::AtLeast => format!("at least {} (a floor)", num(v)),
        Cmp::AtMost => format!("at most {} (a ceiling)", num(v)),
        other => format!("{} {}", other.as_str(), num(v)),
    }
}

/// Progress and the evidence items behind the duty on day `d`.
fn detail(
    ctx: &Ctx<Indexed>,
    idx: &Indexed,
    duty: &Duty,
    start: Option<Date>,
    d: Date,
    hist: &[Hist],
    caveats: &mut Vec<String>,
) -> (Option<Progress>, Vec<usize>) {
    let measure_items = |m: usize, at: Date| {
        let pm = &ctx.plan.measures[m];
        match &pm.window {
            None => idx.cite(pm.series, None, at),
            Some((a, b)) => match (ctx.time(a, d, hist), ctx.time(b, d, hist)) {
                (Some(a), Some(b)) => idx.cite(pm.series, Some(a), at.min(b)),
                _ => vec![],
            },
        }
    };
    match duty {
        Duty::Achieve { measure, cmp, value, then, .. } => {
            let v = ctx.measure(*measure, d, hist);
            let (target, goal) = match then {
                Some(i) => (format!("{} in instalments of {} every {}", num(i.cap), num(i.step), i.every), i.cap),
                None => (target_text(*cmp, *value), *value),
            };
            if *cmp == Cmp::UpTo && !v.empty && v.lo > goal {
                caveats.push(format!("the figure {v} exceeds the cap of {}", num(goal)));
            }
            let fraction = match cmp {
                Cmp::Ge | Cmp::Gt | Cmp::AtLeast | Cmp::UpTo if goal > 0.0 && !v.empty => Some((v.lo / goal).clamp(0.0, 1.0)),
                _ => None,
            };
            (Some(Progress { value: v.to_string(), target, fraction }), measure_items(*measure, d))
        }
        Duty::Perform { series, .. } => (None, idx.cite(*series, start, d)),
        Duty::Forbid { series, from, until } => {
            let Some(a) = ctx.time(from, d, hist) else { return (None, vec![]) };
            let end = until.as_ref().and_then(|t| ctx.time(t, d, hist)).map_or(d, |b| b.min(d));
            if end < a {
                return (None, vec![]);
            }
            let v = ctx.ev.value(*series, Some(a), end);
            (Some(Progress { value: v.to_string(), target: "none".into(), fraction: None }), idx.cite(*series, Some(a), end))
        }
        Duty::Maintain { measure, cmp, value, until, .. } => {
            let at = until.as_ref().and_then(|t| ctx.time(t, d, hist)).map_or(d, |b| b.min(d));
            let v = ctx.measure(*measure, at, hist);
            (Some(Progress { value: v.to_string(), target: target_text(*cmp, *value), fraction: None }), measure_items(*measure, at))
        }
        Duty::Reduce { series, during, against, .. } => {
            let mut items = vec![];
            for (a, b) in [during, against] {
                if let (Some(a), Some(b)) = (ctx.time(a, d, hist), ctx.time(b, d, hist)) {
                    items.extend(idx.cite(*series, Some(a), b.min(d)));
                }
            }
            (None, items)
        }
    }
}

/// Rates per place for a reduction counted from events (for levels there is nothing to split).
fn places(
    ctx: &Ctx<Indexed>,
    ev: &Prepared,
    series: usize,
    during: &(crate::plan::Time, crate::plan::Time),
    against: &(crate::plan::Time, crate::plan::Time),
    d: Date,
    hist: &[Hist],
) -> Vec<PlaceRate> {
    use pactum_syntax::ast::Agg;
    let agg = ctx.plan.series[series].agg;
    if !matches!(agg, Agg::Count | Agg::Sum) {
        return vec![];
    }
    let window = |w: &(crate::plan::Time, crate::plan::Time)| Some((ctx.time(&w.0, d, hist)?, ctx.time(&w.1, d, hist)?));
    let (Some((a, b)), Some((c, e))) = (window(during), window(against)) else { return vec![] };
    if d < b {
        return vec![];
    }
    let mut rates: std::collections::BTreeMap<String, (f64, f64, f64)> = Default::default();
    let days = |from: Date, to: Date| from.days_until(to) as f64 + 1.0;
    let (f0, f1) = (b.add_days(1), b.add_days(1 + a.days_until(b)));
    let after_known = d >= f1;
    let mut windows = vec![(0, (a, b)), (1, (c, e))];
    if after_known {
        windows.push((2, (f0, f1)));
    }
    for (slot, (from, to)) in windows {
        for i in ctx.ev.cite(series, Some(from), to) {
            let it = &ev.active[i];
            let amount = match (agg, it.quantity) {
                (_, _) if it.contested() => 0.0,
                (Agg::Count, None) => 1.0,
                (_, Some(q)) => q.low,
                (_, None) => 0.0,
            };
            let place = it.place.clone().unwrap_or_else(|| "(no place given)".into());
            let entry = rates.entry(place).or_insert((0.0, 0.0, 0.0));
            match slot {
                0 => entry.0 += amount,
                1 => entry.1 += amount,
                _ => entry.2 += amount,
            }
        }
    }
    let (nd, nb) = (days(a, b), days(c, e));
    let nf = days(f0, f1);
    let mut out: Vec<PlaceRate> = rates
        .into_iter()
        .map(|(place, (during, against, after))| PlaceRate {
            place,
            during: during / nd,
            against: against / nb,
            after: after_known.then_some(after / nf),
        })
        .collect();
    out.sort_by(|x, y| y.against.total_cmp(&x.against).then(x.place.cmp(&y.place)));
    out
}

fn cite(case: &Case, ev: &Prepared, mut items: Vec<usize>, caveats: &mut Vec<String>) -> Vec<Cited> {
    // Most recent first; the rest are counted, not listed.
    items.sort_by(|a, b| ev.active[*b].date.cmp(&ev.active[*a].date).then(a.cmp(b)));
    items.dedup();
    if items.len() > MAX_CITED {
        caveats.push(format!("{} more evidence items are not listed", items.len() - MAX_CITED));
        items.truncate(MAX_CITED);
    }
    let mut out = Vec::new();
    for a in items {
        let pi = &ev.active[a];
        let role = if pi.contested() { "contested" } else { "evidence" };
        out.push(cited(case, ev, pi.item, role));
        for &den in &pi.denied_by {
            out.push(cited(case, ev, den, "denial"));
        }
    }
    out
}

fn cited(_case: &Case, ev: &Prepared, item: usize, role: &'static str) -> Cited {
    let it = &ev.items[item];
    let mut summary = it.kind.clone();
    if let Some(a) = &it.actor {
        summary.push_str(&format!(" by {a}"));
    }
    if let Some(t) = &it.target {
        summary.push_str(&format!(" against {t}"));
    }
    if let Some(q) = &it.quantity {
        summary.push_str(&format!(": {q}"));
    }
    if let Some(p) = &it.place {
        summary.push_str(&format!(" in {p}"));
    }
    if let Some(r) = &it.reference {
        summary.push_str(&format!(" ({} {r})", it.rel.as_str()));
    }
    Cited {
        id: it.id.clone(),
        date: it.date.to_string(),
        kind: it.kind.clone(),
        role,
        summary,
        source: it.source.to_string(),
        note: it.note.clone(),
        file: it.origin.file.clone(),
        row: it.origin.row,
    }
}
