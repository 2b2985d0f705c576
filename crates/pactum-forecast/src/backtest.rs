//! The backtest: forecasts issued on the first of each month with only the evidence known
//! then, scored against what happened, next to two baselines.

use crate::{forecast, known_on, EnginePath, ForecastError, Options};
use pactum_base::Date;
use pactum_check::model::Case;
use pactum_engine::plan::{Duty, Plan};
use pactum_engine::prepare::{matches, prepare, Prepared};
use pactum_engine::semantics::{Ctx, Hist};
use pactum_engine::series::Indexed;
use pactum_engine::State;
use pactum_syntax::ast::Cmp;
use serde::Serialize;

/// One (forecast date, provision) pair.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BacktestPair {
    pub as_of: Date,
    pub provision: String,
    pub state_now: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_now: Option<Date>,
    /// What happened: the state at the end, and the day it was met.
    pub actual_state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_met: Option<Date>,
    /// Met by the deadline (state `met` at the end).
    pub outcome: bool,
    pub p_model: f64,
    pub p_linear: f64,
    pub p_persist: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_model: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_linear: Option<Date>,
}

/// Scores over a set of pairs. Brier: mean of (p - outcome)², lower is better (0.25 is what
/// always saying 50% gets). Date errors: mean absolute error in days of the predicted day
/// met against the actual one, over the pairs that were met and for which the predictor gives
/// a day; `common` restricts both to the pairs where both give one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scores {
    pub pairs: usize,
    pub met: usize,
    pub brier_model: f64,
    pub brier_linear: f64,
    pub brier_persist: f64,
    pub date_pairs_model: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mae_days_model: Option<f64>,
    pub date_pairs_linear: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mae_days_linear: Option<f64>,
    pub date_pairs_common: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mae_days_model_common: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mae_days_linear_common: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BacktestMonth {
    pub as_of: Date,
    pub scores: Scores,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Backtest {
    pub from: Date,
    pub to: Date,
    /// The day outcomes are read (the last day of the evidence) and every forecast's horizon.
    pub end: Date,
    pub runs: usize,
    pub seed: u64,
    pub months: Vec<BacktestMonth>,
    /// Every pair.
    pub all: Scores,
    /// Pairs whose outcome was decided by the end: met, met late, breached or void.
    pub decided: Scores,
    pub pairs: Vec<BacktestPair>,
}

fn scores(pairs: &[&BacktestPair]) -> Scores {
    let n = pairs.len();
    let brier = |f: fn(&BacktestPair) -> f64| {
        if n == 0 {
            0.0
        } else {
            pairs.iter().map(|p| (f(p) - if p.outcome { 1.0 } else { 0.0 }).powi(2)).sum::<f64>() / n as f64
        }
    };
    let mae = |f: &dyn Fn(&BacktestPair) -> Option<(Date, Date)>| -> (usize, Option<f64>) {
        let errs: Vec<f64> = pairs.iter().filter_map(|p| f(p)).map(|(a, b)| a.days_until(b).abs() as f64).collect();
        let m = if errs.is_empty() { None } else { Some(errs.iter().sum::<f64>() / errs.len() as f64) };
        (errs.len(), m)
    };
    let (dm, mm) = mae(&|p| Some((p.actual_met?, p.date_model?)));
    let (dl, ml) = mae(&|p| Some((p.actual_met?, p.date_linear?)));
    let (dc, mmc) = mae(&|p| {
        p.date_linear?;
        Some((p.actual_met?, p.date_model?))
    });
    let (_, mlc) = mae(&|p| {
        p.date_model?;
        Some((p.actual_met?, p.date_linear?))
    });
    Scores {
        pairs: n,
        met: pairs.iter().filter(|p| p.outcome).count(),
        brier_model: brier(|p| p.p_model),
        brier_linear: brier(|p| p.p_linear),
        brier_persist: brier(|p| p.p_persist),
        date_pairs_model: dm,
        mae_days_model: mm,
        date_pairs_linear: dl,
        mae_days_linear: ml,
        date_pairs_common: dc,
        mae_days_model_common: mmc,
        mae_days_linear_common: mlc,
    }
}

/// The first of each month from `from` (or `from` itself) to `to`.
fn months(from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let (y, m, _) = from.ymd();
    let mut d = from;
    let mut k = 0;
    while d <= to {
        out.push(d);
        k += 1;
        let total = y as i64 * 12 + (m as i64 - 1) + k;
        match Date::from_ymd(total.div_euclid(12) as i32, total.rem_euclid(12) as u32 + 1, 1) {
            Some(x) => d = x,
            None => break,
        }
    }
    out
}

/// Issues a forecast on the first of each month from `from` to `to` with the evidence known
/// on that day, and scores "met by the deadline" against the engine's verdict on the full
/// evidence at the end of the evidence.
pub fn backtest(case: &Case, full: &Prepared, from: Date, to: Date, runs: usize, seed: u64) -> Result<Backtest, ForecastError> {
    if to < from {
        return Err(ForecastError::Options(format!("the backtest ends ({to}) before it starts ({from})")));
    }
    let last = full.items.iter().map(|it| it.date.last).max().unwrap_or(to);
    let end = last.max(to.add_days(1));
    let actual = pactum_engine::run(case, full, end);
    let plan = Plan::new(case);
    let mut pairs = Vec::new();
    let mut month_list = Vec::new();
    for as_of in months(from, to) {
        let opts =
            Options { runs, seed, horizon: Some(end), threads: 0, fan_runs: 0, path: EnginePath::Checkpointed, ..Options::default() };
        let fc = forecast(case, full, as_of, &opts)?;
        let known = known_on(&full.items, as_of);
        let base = prepare(case, known).map_err(ForecastError::Evidence)?;
        let now = pactum_engine::run(case, &base, as_of);
        let hist = now.remembered();
        let idx = Indexed::new(case, &plan, &base);
        let ctx = Ctx { case, plan: &plan, ev: &idx };
        let first = pairs.len();
        for pf in &fc.provisions {
            let Some(p) = case.provision_by_key(&pf.key) else { continue };
            let actual_met =
                actual.timeline.iter().find(|c| c.provision == p && matches!(c.to, State::Met | State::MetLate)).map(|c| c.date);
            let (p_linear, date_linear) = linear(&ctx, &hist, &base, p, as_of, end, pf.deadline_now);
            pairs.push(BacktestPair {
                as_of,
                provision: pf.key.clone(),
                state_now: pf.state_now,
                deadline_now: pf.deadline_now,
                actual_state: actual.states[p].0,
                actual_met,
                outcome: actual.states[p].0 == State::Met,
                p_model: pf.p_met_by_deadline,
                p_linear,
                p_persist: if pf.state_now == State::Met { 1.0 } else { 0.0 },
                date_model: pf.met_date.as_ref().map(|s| s.median),
                date_linear,
            });
        }
        let these: Vec<&BacktestPair> = pairs[first..].iter().collect();
        month_list.push(BacktestMonth { as_of, scores: scores(&these) });
    }
    let all: Vec<&BacktestPair> = pairs.iter().collect();
    let decided: Vec<&BacktestPair> =
        pairs.iter().filter(|p| matches!(p.actual_state, State::Met | State::MetLate | State::Breached | State::Void)).collect();
    Ok(Backtest { from, to, end, runs, seed, months: month_list, all: scores(&all), decided: scores(&decided), pairs })
}

/// The start of a provision's duty if it had started by `as_of`, else its signing.
fn origin(ctx: &Ctx<Indexed>, hist: &[Hist], p: usize, as_of: Date) -> Option<Date> {
    let case = ctx.case;
    let signed = case.agreements[case.provisions[p].agreement].signed;
    match &ctx.plan.provisions[p].trigger {
        None => signed,
        Some(t) => match ctx.time(t, as_of, hist) {
            Some(d) if d <= as_of => Some(signed.map_or(d, |s| s.max(d))),
            _ => signed,
        },
    }
}

fn reached(v: f64, cmp: Cmp, target: f64) -> bool {
    match cmp {
        Cmp::Le | Cmp::AtMost => v <= target,
        Cmp::Lt => v < target,
        Cmp::Ge | Cmp::AtLeast | Cmp::UpTo => v >= target,
        Cmp::Gt => v > target,
        Cmp::Eq => (v - target).abs() < 0.5,
    }
}

/// Baseline 1, linear extrapolation of progress so far: the straight line (least squares)
/// through the measure's values on the days it changed since the duty started; the day it
/// reaches the target; probability 1 if that is by the deadline, else 0. No information (an
/// event, a prohibition, a level to hold, fewer than two points, or a deadline not known yet):
/// 0.5 and no day.
fn linear(
    ctx: &Ctx<Indexed>,
    hist: &[Hist],
    base: &Prepared,
    p: usize,
    as_of: Date,
    end: Date,
    deadline: Option<Date>,
) -> (f64, Option<Date>) {
    let case = ctx.case;
    let plan = ctx.plan;
    let Some(duty @ Duty::Achieve { measure, cmp, value, then, .. }) = plan.provisions[p].duty.as_ref() else {
        return (0.5, None);
    };
    let def = &plan.series[plan.measures[*measure].series];
    let Some(origin) = origin(ctx, hist, p, as_of) else { return (0.5, None) };
    let mut days: Vec<Date> = vec![origin.min(as_of)];
    for it in &base.active {
        if it.kind == def.kind && it.date >= origin && it.date <= as_of && def.filter.as_ref().is_none_or(|f| matches(case, f, it)) {
            days.push(it.date);
        }
    }
    days.sort();
    days.dedup();
    let pts: Vec<(Date, f64, f64)> = days
        .iter()
        .filter_map(|d| {
            let v = ctx.measure(*measure, *d, hist);
            (!v.empty).then_some((*d, (v.lo + v.hi) / 2.0, 0.0))
        })
        .collect();
    if pts.len() < 2 {
        return (0.5, None);
    }
    let (slope, _, _) = crate::model::fit(&pts);
    let n = pts.len() as f64;
    let t0 = pts[0].0;
    let tm = pts.iter().map(|x| t0.days_until(x.0) as f64).sum::<f64>() / n;
    let vm = pts.iter().map(|x| x.1).sum::<f64>() / n;
    let line = |d: Date| vm + slope * (t0.days_until(d) as f64 - tm);
    let (cmp, target) = match then {
        Some(inst) => (Cmp::Ge, inst.cap),
        None => (*cmp, *value),
    };
    // The first day after the forecast date the line reaches the target (for `==`, the day
    // it crosses it).
    let tomorrow = as_of.add_days(1);
    let rising = line(tomorrow) < target;
    let ok = |d: Date| match cmp {
        Cmp::Eq if rising => line(d) >= target,
        Cmp::Eq => line(d) <= target,
        other => reached(line(d), other, target),
    };
    let hit = if ok(tomorrow) {
        Some(tomorrow)
    } else if slope != 0.0 {
        let t = (target - line(tomorrow)) / slope;
        if t > 0.0 && t < 36_500.0 {
            let d = tomorrow.add_days(t.ceil() as i64);
            [d, d.add_days(1)].into_iter().find(|x| ok(*x))
        } else {
            None
        }
    } else {
        None
    };
    let has_deadline = pactum_engine::semantics::deadline(duty).is_some();
    let p_met = match (then, deadline) {
        (_, None) if has_deadline => 0.5,
        (Some(inst), Some(first_due)) => {
            let ok = ctx.instalments(*value, first_due, inst).iter().all(|(due, need)| line(*due) >= *need);
            if ok {
                1.0
            } else {
                0.0
            }
        }
        (None, Some(dl)) => {
            if hit.is_some_and(|h| h <= dl) {
                1.0
            } else {
                0.0
            }
        }
        (_, None) => {
            if hit.is_some_and(|h| h <= end) {
                1.0
            } else {
                0.0
            }
        }
    };
    (p_met, hit.filter(|h| *h <= end))
}

fn pct(v: f64) -> String {
    format!("{v:.3}")
}

/// The backtest as plain text: scores per month and overall.
pub fn render_backtest(b: &Backtest) -> String {
    let mut out = format!(
        "backtest from {} to {}: forecasts on the first of each month, {} runs each, seed {}; outcomes read on {}\n\
         Brier score of \"met by the deadline\" (lower is better; always 50% scores 0.250) and mean absolute error of the day met\n\n",
        b.from, b.to, b.runs, b.seed, b.end
    );
    let mae = |m: Option<f64>, n: usize| m.map_or("-".to_string(), |v| format!("{v:.0} d (n={n})"));
    let mut rows = vec![vec![
        "as of".to_string(),
        "pairs".into(),
        "met".into(),
        "model".into(),
        "linear".into(),
        "persist".into(),
        "date error model".into(),
        "date error linear".into(),
    ]];
    for m in &b.months {
        let s = &m.scores;
        rows.push(vec![
            m.as_of.to_string(),
            s.pairs.to_string(),
            s.met.to_string(),
            pct(s.brier_model),
            pct(s.brier_linear),
            pct(s.brier_persist),
            mae(s.mae_days_model, s.date_pairs_model),
            mae(s.mae_days_linear, s.date_pairs_linear),
        ]);
    }
    for (name, s) in [("all", &b.all), ("decided", &b.decided)] {
        rows.push(vec![
            name.to_string(),
            s.pairs.to_string(),
            s.met.to_string(),
            pct(s.brier_model),
            pct(s.brier_linear),
            pct(s.brier_persist),
            mae(s.mae_days_model, s.date_pairs_model),
            mae(s.mae_days_linear, s.date_pairs_linear),
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len()).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    for r in &rows {
        let line: Vec<String> = r.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = widths[i])).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&format!(
        "\non the pairs where both give a day ({}): model {} days, linear {} days\n",
        b.all.date_pairs_common,
        b.all.mae_days_model_common.map_or("-".into(), |v| format!("{v:.0}")),
        b.all.mae_days_linear_common.map_or("-".into(), |v| format!("{v:.0}"))
    ));
    out
}
