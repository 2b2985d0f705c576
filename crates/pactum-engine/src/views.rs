//! What the web dashboard draws for one agreement: how provisions depend on each other
//! ([`interlocks`]), when each came into force and settled ([`gantt`]), and the measures the
//! duties read against the thresholds they set ([`charts`]). The JSON shapes are those of
//! docs/api.md ("One agreement" and "Charts").
//!
//! Like the rest of the engine these are pure functions of the case, the evidence and the
//! date. Charts read measures through the engine's own evaluation ([`Ctx::measure`] over
//! [`Indexed`] evidence), so every number drawn is the number `status` reasons with.

use crate::plan::{self, Plan};
use crate::prepare::Prepared;
use crate::semantics::{num, Ctx, Hist};
use crate::series::{Evidence, Indexed};
use crate::{Report, State};
use pactum_base::Date;
use pactum_check::model::{Case, Cond, Duty, Measure, Time};
use pactum_syntax::ast::{Action, Agg, OnEvent};
use serde::Serialize;
use std::collections::HashSet;

/// `from` depends on `to` (for `consequence`: `from` suspends, resumes or terminates `to`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Interlock {
    /// Provision key (`agreement.provision`).
    pub from: String,
    /// Provision key; may name another agreement.
    pub to: String,
    /// `condition`, `trigger`, `deadline`, `window` or `consequence`.
    pub kind: &'static str,
    /// A short phrase for people: the rule line that makes the link, or what the consequence does.
    pub text: String,
}

/// One change of state of a Gantt row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GanttChange {
    pub date: Date,
    pub to: State,
    pub reason: String,
}

/// One provision on the Gantt chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GanttRow {
    pub key: String,
    pub id: String,
    pub title: String,
    pub agreement: String,
    pub state: State,
    /// The day it came into force: its first change out of `pending` into a state other than
    /// `not_monitorable` or `void`; null if it never did.
    pub start: Option<Date>,
    /// Its deadline, as the status gives it.
    pub due: Option<Date>,
    /// The day it was settled (met, met late, breached, void); null while open.
    pub end: Option<Date>,
    pub changes: Vec<GanttChange>,
}

/// A reading of a measure (or, in a `weekly` chart, the events of one week).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    pub date: Date,
    pub low: f64,
    pub high: f64,
}

/// A commitment drawn across a chart: a threshold, or a reduction's baseline and target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    pub label: String,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
}

/// A reduction's baseline or measured window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Window {
    pub label: String,
    pub from: Date,
    pub to: Date,
}

/// A measure against the commitments of the provisions that read it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    /// The measure as written, e.g. `latest(troop_level where actor = us)`; unique in the list.
    pub id: String,
    pub title: String,
    /// `level`, `cumulative` or `weekly`.
    pub style: &'static str,
    /// Keys of the provisions whose commitments are drawn.
    pub provisions: Vec<String>,
    pub points: Vec<Point>,
    pub lines: Vec<Line>,
    pub windows: Vec<Window>,
}

/// At most this many points per chart. Longer series are cut into consecutive buckets of equal
/// size; each bucket becomes one point dated by its last reading, with `low` the lowest and
/// `high` the highest value in the bucket (an envelope: no extreme is lost, the last reading
/// keeps its date).
pub const MAX_POINTS: usize = 2_000;

/// Instalment schedules longer than this are drawn as their first instalments and the cap.
const MAX_INSTALMENT_LINES: usize = 12;

/// Weeks drawn on either side of a reduction's windows.
const WEEKS_AROUND: i64 = 8;

// ---------------------------------------------------------------------------------------------
// Interlocks

/// Every dependency between provisions, provisions in source order, each edge once per
/// (from, to, kind) (the first phrase is kept).
pub fn interlocks(case: &Case) -> Vec<Interlock> {
    let mut order: Vec<usize> = (0..case.provisions.len()).collect();
    order.sort_by_key(|p| case.provisions[*p].source_order);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in order {
        let prov = &case.provisions[p];
        let rule = |prefixes: &[&str]| prov.rules.iter().find(|r| prefixes.iter().any(|k| r.starts_with(k))).cloned().unwrap_or_default();
        let mut edges: Vec<(usize, &'static str, String)> = Vec::new();
        if let Some(c) = &prov.provided {
            let text = rule(&["provided"]);
            let mut refs = Vec::new();
            cond_refs(c, &mut refs);
            edges.extend(refs.into_iter().map(|q| (q, "condition", text.clone())));
            // Measures read by the condition may be windowed by other provisions.
            let mut ms = Vec::new();
            cond_measures(c, &mut ms);
            for m in ms {
                push_window_refs(&case.measures[m], &mut edges);
            }
        }
        if let Some(t) = &prov.trigger {
            let text = rule(&["trigger"]);
            let mut refs = Vec::new();
            time_refs(t, &mut refs);
            edges.extend(refs.into_iter().map(|q| (q, "trigger", text.clone())));
        }
        if let Some(duty) = &prov.duty {
            let text = rule(&["achieve", "perform", "forbid", "maintain", "reduce"]);
            let mut deadlines = Vec::new();
            let mut windows = Vec::new();
            match duty {
                Duty::Achieve { measure, deadline, .. } => {
                    if let Some(t) = deadline {
                        time_refs(t, &mut deadlines);
                    }
                    push_window_refs(&case.measures[*measure], &mut edges);
                }
                Duty::Perform { deadline, .. } => {
                    if let Some(t) = deadline {
                        time_refs(t, &mut deadlines);
                    }
                }
                Duty::Forbid { from, until, .. } => {
                    time_refs(from, &mut deadlines);
                    if let Some(t) = until {
                        time_refs(t, &mut deadlines);
                    }
                }
                Duty::Maintain { measure, from, until, .. } => {
                    time_refs(from, &mut deadlines);
                    if let Some(t) = until {
                        time_refs(t, &mut deadlines);
                    }
                    push_window_refs(&case.measures[*measure], &mut edges);
                }
                Duty::Reduce { during, against, .. } => {
                    for t in [&during.0, &during.1, &against.0, &against.1] {
                        time_refs(t, &mut windows);
                    }
                }
            }
            edges.extend(deadlines.into_iter().map(|q| (q, "deadline", text.clone())));
            edges.extend(windows.into_iter().map(|q| (q, "window", text.clone())));
        }
        for c in &prov.consequences {
            let Some(target) = case.provisions.get(c.target) else { continue };
            let verb = match c.action {
                Action::Suspend => "suspends",
                Action::Resume => "resumes",
                Action::Terminate => "terminates",
            };
            let on = match c.on {
                OnEvent::Breach => "on breach",
                OnEvent::Met => "when met",
            };
            let name = if target.agreement == prov.agreement { &target.id } else { &target.key };
            edges.push((c.target, "consequence", format!("{verb} {name} {on}")));
        }
        for (q, kind, text) in edges {
            let Some(to) = case.provisions.get(q) else { continue };
            if seen.insert((p, q, kind)) {
                out.push(Interlock { from: prov.key.clone(), to: to.key.clone(), kind, text });
            }
        }
    }
    out
}

/// The provisions a time expression reads.
fn time_refs(t: &Time, out: &mut Vec<usize>) {
    match t {
        Time::Met(q) | Time::Breached(q) | Time::Due(q) => out.push(*q),
        Time::Offset(_, _, b) => time_refs(b, out),
        Time::Date(_) | Time::First(..) => {}
    }
}

/// The provisions a condition reads directly (`met(...)`, `breached(...)`).
fn cond_refs(c: &Cond, out: &mut Vec<usize>) {
    match c {
        Cond::Met(q) | Cond::Breached(q) => out.push(*q),
        Cond::Compare(..) => {}
        Cond::Not(x) => cond_refs(x, out),
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond_refs(a, out);
            cond_refs(b, out);
        }
    }
}

fn cond_measures(c: &Cond, out: &mut Vec<usize>) {
    match c {
        Cond::Compare(m, ..) => out.push(*m),
        Cond::Not(x) => cond_measures(x, out),
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond_measures(a, out);
            cond_measures(b, out);
        }
        Cond::Met(_) | Cond::Breached(_) => {}
    }
}

fn push_window_refs(m: &Measure, edges: &mut Vec<(usize, &'static str, String)>) {
    if let Some((a, b)) = &m.window {
        let mut refs = Vec::new();
        time_refs(a, &mut refs);
        time_refs(b, &mut refs);
        let text = format!("measure {} = {}", m.id, m.text);
        edges.extend(refs.into_iter().map(|q| (q, "window", text.clone())));
    }
}

// ---------------------------------------------------------------------------------------------
// Gantt

/// One row per provision of `agreement` (every agreement when `None`), in the agreement's
/// order, from a [`Report`] (see [`crate::evaluate`]).
pub fn gantt(case: &Case, report: &Report, agreement: Option<&str>) -> Vec<GanttRow> {
    let position = |key: &str| {
        case.provision_by_key(key).map_or((usize::MAX, usize::MAX), |p| (case.provisions[p].agreement, case.provisions[p].source_order))
    };
    let mut statuses: Vec<&crate::Status> = report.provisions.iter().filter(|s| agreement.is_none_or(|a| s.agreement == a)).collect();
    statuses.sort_by_key(|s| position(&s.key));
    statuses
        .into_iter()
        .map(|s| {
            // Timeline entries name provisions by key.
            let entries: Vec<&crate::TimelineEntry> = report.timeline.iter().filter(|e| e.provision == s.key).collect();
            let start = entries
                .iter()
                .find(|e| e.from == State::Pending && !matches!(e.to, State::Pending | State::NotMonitorable | State::Void))
                .map(|e| e.date);
            let settled = |st: State| matches!(st, State::Met | State::MetLate | State::Breached | State::Void);
            let end = if settled(s.state) { Some(entries.iter().rev().find(|e| settled(e.to)).map_or(s.since, |e| e.date)) } else { None };
            GanttRow {
                key: s.key.clone(),
                id: s.id.clone(),
                title: s.title.clone(),
                agreement: s.agreement.clone(),
                state: s.state,
                start,
                due: s.due,
                end,
                changes: entries.iter().map(|e| GanttChange { date: e.date, to: e.to, reason: e.reason.clone() }).collect(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Charts

/// The measures the provisions of `agreement` commit to, against their commitments, as known
/// on `as_of`.
///
/// - `achieve` and `maintain` over a measure: style `level` (latest, min, max: a point at
///   each evidence date of the measure's series where its value is known) or `cumulative`
///   (count, sum: the value so far at each evidence date). Provisions reading the same
///   measure (same [`Measure::text`]) share one chart, with one line per threshold (one per
///   instalment of a schedule: at most 12, then the cap).
/// - `reduce`: style `weekly`, one point per Monday–Sunday week dated by its Monday, from 8
///   weeks before the first window to 8 weeks after the last (clipped to `as_of`); lines for
///   the baseline rate a week and the target, and both windows. For a level measure (a
///   rate a day, such as incidents a day) a week's point is its latest reading × 7 (weeks
///   without a reading have no point).
///
/// Values are those of [`Ctx::measure`] and the indexed evidence, with times (windows,
/// deadlines) resolved from the states the engine reaches on `as_of`; the engine is run only
/// when one of those times reads another provision's state. Each chart has at most
/// [`MAX_POINTS`] points (see there).
pub fn charts(case: &Case, ev: &Prepared, as_of: Date, agreement: &str) -> Vec<Chart> {
    let mut provs: Vec<usize> = (0..case.provisions.len())
        .filter(|p| {
            let prov = &case.provisions[*p];
            case.agreements.get(prov.agreement).is_some_and(|a| a.id == agreement)
                && prov.unmonitorable.is_none()
                && matches!(prov.duty, Some(Duty::Achieve { .. } | Duty::Maintain { .. } | Duty::Reduce { .. }))
        })
        .collect();
    if provs.is_empty() {
        return vec![];
    }
    provs.sort_by_key(|p| case.provisions[*p].source_order);
    let plan = Plan::new(case);
    let idx = Indexed::new(case, &plan, ev);
    let hist = if provs.iter().any(|p| reads_states(&plan, *p)) {
        crate::run(case, ev, as_of).remembered()
    } else {
        vec![Hist::new(as_of); case.provisions.len()]
    };
    let ctx = Ctx { case, plan: &plan, ev: &idx };

    // Group provisions into charts, in order of first appearance.
    #[derive(PartialEq)]
    enum Key {
        Measure(String),
        Reduce(String, [Option<Date>; 4]),
    }
    let mut groups: Vec<(Key, Vec<usize>)> = Vec::new();
    for &p in &provs {
        let key = match (&case.provisions[p].duty, &plan.provisions[p].duty) {
            (Some(Duty::Achieve { measure, .. } | Duty::Maintain { measure, .. }), _) => Key::Measure(case.measures[*measure].text.clone()),
            (Some(Duty::Reduce { measure, .. }), Some(plan::Duty::Reduce { during, against, .. })) => Key::Reduce(
                case.measures[*measure].text.clone(),
                [&during.0, &during.1, &against.0, &against.1].map(|t| ctx.time(t, as_of, &hist)),
            ),
            _ => continue,
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ps)) => ps.push(p),
            None => groups.push((key, vec![p])),
        }
    }

    let mut charts: Vec<Chart> = groups
        .into_iter()
        .map(|(key, ps)| match key {
            Key::Measure(text) => measure_chart(&ctx, &idx, &hist, as_of, text, &ps),
            Key::Reduce(text, times) => reduce_chart(&ctx, as_of, text, times, &ps),
        })
        .collect();
    // Ids are unique: the same measure reduced over other windows gets its windows' dates.
    let mut ids = HashSet::new();
    for c in &mut charts {
        if !ids.insert(c.id.clone()) {
            let mut n = 2;
            while !ids.insert(format!("{} ({n})", c.id)) {
                n += 1;
            }
            c.id = format!("{} ({n})", c.id);
        }
        c.lines = merge_lines(std::mem::take(&mut c.lines));
    }
    charts
}

/// Two provisions that ask for the same threshold over the same period (the troop level's 0
/// by 2021-04-29 in Part One and in Part One, B) draw one line, labelled with both: two lines
/// would print their labels on top of each other.
fn merge_lines(lines: Vec<Line>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    for l in lines {
        let same = out.iter_mut().find(|o| o.value == l.value && o.from == l.from && o.until == l.until);
        match (same, l.label.rsplit_once(" (")) {
            (Some(o), Some((text, ids))) if o.label.starts_with(text) && o.label.ends_with(')') => {
                o.label.pop();
                o.label.push_str(", ");
                o.label.push_str(ids);
            }
            _ => out.push(l),
        }
    }
    out
}

/// What a measure reads, without its aggregate: `troop_level where actor = us`.
fn inner(text: &str) -> &str {
    match (text.find('('), text.strip_suffix(')')) {
        (Some(i), Some(t)) if i < t.len() => &t[i + 1..],
        _ => text,
    }
}

fn measure_chart(ctx: &Ctx<Indexed>, idx: &Indexed, hist: &[Hist], as_of: Date, text: String, ps: &[usize]) -> Chart {
    let case = ctx.case;
    let measure = match &case.provisions[ps[0]].duty {
        Some(Duty::Achieve { measure, .. } | Duty::Maintain { measure, .. }) => *measure,
        _ => unreachable!("grouped by measure"),
    };
    let style = if matches!(case.measures[measure].agg, Agg::Count | Agg::Sum) { "cumulative" } else { "level" };
    let series = ctx.plan.measures[measure].series;
    let dates = &idx.series[series].dates;
    let end = dates.partition_point(|d| *d <= as_of);
    let mut points = Vec::new();
    let mut last = None;
    for &d in &dates[..end] {
        if last == Some(d) {
            continue;
        }
        last = Some(d);
        let v = ctx.measure(measure, d, hist);
        if !v.empty {
            points.push(Point { date: d, low: v.lo, high: v.hi });
        }
    }
    let mut lines = Vec::new();
    for &p in ps {
        let id = &case.provisions[p].id;
        match &ctx.plan.provisions[p].duty {
            Some(plan::Duty::Achieve { value, deadline, then, .. }) => {
                let due = deadline.as_ref().and_then(|t| ctx.time(t, as_of, hist));
                match (then, due) {
                    (Some(inst), Some(first)) => {
                        let all = ctx.instalments(*value, first, inst);
                        let n = all.len();
                        for (k, (due, need)) in all.into_iter().enumerate() {
                            if n > MAX_INSTALMENT_LINES && k + 1 >= MAX_INSTALMENT_LINES && k + 1 < n {
                                continue;
                            }
                            lines.push(Line { label: format!("{} by {due} ({id})", num(need)), value: need, from: None, until: Some(due) });
                        }
                    }
                    (Some(inst), None) => {
                        lines.push(Line { label: format!("{} first ({id})", num(*value)), value: *value, from: None, until: None });
                        lines.push(Line { label: format!("{} in all ({id})", num(inst.cap)), value: inst.cap, from: None, until: None });
                    }
                    (None, Some(due)) => {
                        lines.push(Line { label: format!("{} by {due} ({id})", num(*value)), value: *value, from: None, until: Some(due) })
                    }
                    (None, None) => lines.push(Line { label: format!("{} ({id})", num(*value)), value: *value, from: None, until: None }),
                }
            }
            Some(plan::Duty::Maintain { value, from, until, .. }) => {
                let a = ctx.time(from, as_of, hist);
                let b = until.as_ref().and_then(|t| ctx.time(t, as_of, hist));
                let when = match (a, b) {
                    (Some(a), Some(b)) => format!(" from {a} until {b}"),
                    (Some(a), None) => format!(" from {a}"),
                    (None, Some(b)) => format!(" until {b}"),
                    (None, None) => String::new(),
                };
                lines.push(Line { label: format!("{}{when} ({id})", num(*value)), value: *value, from: a, until: b });
            }
            _ => {}
        }
    }
    Chart {
        title: inner(&text).to_string(),
        id: text,
        style,
        provisions: ps.iter().map(|p| case.provisions[*p].key.clone()).collect(),
        points: thin(points),
        lines,
        windows: vec![],
    }
}

fn reduce_chart(ctx: &Ctx<Indexed>, as_of: Date, text: String, times: [Option<Date>; 4], ps: &[usize]) -> Chart {
    let case = ctx.case;
    let Some(plan::Duty::Reduce { series, .. }) = &ctx.plan.provisions[ps[0]].duty else { unreachable!("grouped by reduction") };
    let series = *series;
    let level = !matches!(ctx.plan.series[series].agg, Agg::Count | Agg::Sum);
    let mut chart = Chart {
        id: format!("{text} per week"),
        title: format!("{} per week", inner(&text)),
        style: "weekly",
        provisions: ps.iter().map(|p| case.provisions[*p].key.clone()).collect(),
        points: vec![],
        lines: vec![],
        windows: vec![],
    };
    let [Some(a), Some(b), Some(c), Some(e)] = times else { return chart };
    chart.windows = vec![Window { label: "baseline".into(), from: c, to: e }, Window { label: "measured".into(), from: a, to: b }];
    // Weeks, Monday to Sunday.
    let first = monday(a.min(c)).add_days(-7 * WEEKS_AROUND);
    let last = b.max(e).add_days(7 * WEEKS_AROUND).min(as_of);
    let mut week = first;
    let mut points = Vec::new();
    while week <= last {
        let v = ctx.ev.value(series, Some(week), week.add_days(6).min(as_of));
        if level {
            if !v.empty {
                points.push(Point { date: week, low: v.lo * 7.0, high: v.hi * 7.0 });
            }
        } else {
            points.push(Point { date: week, low: v.lo, high: v.hi });
        }
        let next = week.add_days(7);
        if next == week {
            break;
        }
        week = next;
    }
    chart.points = thin(points);
    // The baseline as the engine reads it (a count becomes a rate a day; a level is one), as
    // far as it is known on `as_of`.
    if as_of >= c {
        let until = e.min(as_of);
        let vb = ctx.ev.value(series, Some(c), until);
        if !(level && vb.empty) {
            let days = if level { 1.0 } else { c.days_until(until) as f64 + 1.0 };
            let weekly = (vb.lo + vb.hi) / 2.0 / days * 7.0;
            for &p in ps {
                let Some(plan::Duty::Reduce { percent, .. }) = &ctx.plan.provisions[p].duty else { continue };
                let id = &case.provisions[p].id;
                chart.lines.push(Line {
                    label: format!("baseline {} a week ({id})", round2(weekly)),
                    value: weekly,
                    from: None,
                    until: None,
                });
                let target = (1.0 - percent / 100.0) * weekly;
                chart.lines.push(Line {
                    label: format!("target {} a week, {}% below baseline ({id})", round2(target), num(*percent)),
                    value: target,
                    from: Some(a),
                    until: Some(b),
                });
            }
        }
    }
    chart
}

/// The Monday of the week holding `d` (1970-01-01, day 0, was a Thursday).
fn monday(d: Date) -> Date {
    d.add_days(-(((d.days() as i64) + 3).rem_euclid(7)))
}

fn round2(v: f64) -> String {
    num((v * 100.0).round() / 100.0)
}

/// At most [`MAX_POINTS`] points: buckets of consecutive points become their envelope, dated
/// by the bucket's last point.
fn thin(points: Vec<Point>) -> Vec<Point> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let per = points.len().div_ceil(MAX_POINTS);
    points
        .chunks(per)
        .map(|c| Point {
            date: c[c.len() - 1].date,
            low: c.iter().map(|p| p.low).fold(f64::INFINITY, f64::min),
            high: c.iter().map(|p| p.high).fold(f64::NEG_INFINITY, f64::max),
        })
        .collect()
}

/// Whether drawing provision `p` needs the states of other provisions: a window, deadline or
/// period it reads is counted from another provision being met or breached.
fn reads_states(plan: &Plan, p: usize) -> bool {
    fn time(plan: &Plan, t: &plan::Time, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        match t {
            plan::Time::Met(_) | plan::Time::Breached(_) => true,
            plan::Time::Due(q) => {
                plan.provisions[*q].duty.as_ref().and_then(crate::semantics::deadline).is_some_and(|t| time(plan, t, depth + 1))
            }
            plan::Time::Offset(_, _, b) => time(plan, b, depth + 1),
            plan::Time::Date(_) | plan::Time::First(_) => false,
        }
    }
    let measure = |m: usize| plan.measures[m].window.as_ref().is_some_and(|(a, b)| time(plan, a, 0) || time(plan, b, 0));
    match &plan.provisions[p].duty {
        Some(plan::Duty::Achieve { measure: m, deadline, .. }) => measure(*m) || deadline.as_ref().is_some_and(|t| time(plan, t, 0)),
        Some(plan::Duty::Maintain { measure: m, from, until, .. }) => {
            measure(*m) || time(plan, from, 0) || until.as_ref().is_some_and(|t| time(plan, t, 0))
        }
        Some(plan::Duty::Reduce { during, against, .. }) => [&during.0, &during.1, &against.0, &against.1].iter().any(|t| time(plan, t, 0)),
        _ => false,
    }
}
