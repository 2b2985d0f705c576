//! Forecasts: what is likely to happen to every provision not settled yet.
//!
//! [`forecast`] simulates the implementation of an agreement many times from a date. Each run
//! starts from the evidence known on that date (dated and published by then, never later),
//! adds synthetic evidence for the days after it, drawn from simple models estimated from the
//! known evidence (a trend for levels, a Poisson rate for counts, a hazard for one-off
//! events, retaliation after breaches), and lets the real engine judge it, so triggers,
//! conditions, deadlines and consequences behave exactly as in monitoring. The runs are
//! summed up per provision: the probability it is met by its deadline and by the horizon, the
//! spread of the day it is met, of its final state, of knock-on effects (suspension,
//! termination, breach) and of a deadline that depends on another provision.
//!
//! Scenarios ([`parse_scenario`]) change the assumptions; [`compare`] sets two forecasts side
//! by side; [`fan_chart_svg`] draws a level's fan chart; [`backtest`] scores monthly forecasts
//! against what happened. The model is documented in docs/forecast.md.
//!
//! **Invariant:** same inputs and seed, same numbers, whatever the number of threads: every
//! run draws from its own random streams, derived from (seed, run, generator), and the
//! summaries are counts and sorted samples.

pub mod backtest;
#[doc(hidden)]
pub mod gen;
mod known;
mod model;
pub mod rng;
pub mod scenario;
mod sim;
mod svg;

use pactum_base::Date;
use pactum_check::model::Case;
use pactum_engine::plan::{Duty, Plan, Time};
use pactum_engine::prepare::{prepare, Prepared};
use pactum_engine::semantics::{Ctx, Hist};
use pactum_engine::series::Indexed;
use pactum_engine::State;
use pactum_evidence::EvidenceError;
use pactum_syntax::ast::Cmp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use backtest::{backtest, render_backtest, Backtest, BacktestMonth, BacktestPair, Scores};
pub use known::{known_on, source_day};
pub use scenario::{parse_scenario, render_errors, Scenario, ScenarioError};
pub use sim::EnginePath;
pub use svg::fan_chart_svg;

/// Parameter values that replace the estimates. Names are those listed in
/// [`Forecast::parameters`] (a generator's name such as `troop_level where actor = us`), or a
/// measure's id (`us_troops`): every generator feeding that measure), or for hazards a
/// provision's key (the generators its duty reads).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overrides {
    /// Change of a level per day (no uncertainty drawn).
    pub slope: BTreeMap<String, f64>,
    /// Events per day (no uncertainty drawn). A measure's rate is shared among its generators
    /// in proportion to their recent events.
    pub rate: BTreeMap<String, f64>,
    /// Hazard per day of a one-off event (no uncertainty drawn).
    pub hazard: BTreeMap<String, f64>,
    /// Retaliation factor for every party.
    pub retaliation: Option<f64>,
    /// Retaliation factor per party (by id or alias).
    pub retaliation_by: BTreeMap<String, f64>,
}

impl Overrides {
    /// Reads one `--param` setting: `slope:NAME=V`, `rate:NAME=V`, `hazard:NAME=V`,
    /// `retaliation=V` or `retaliation:PARTY=V`.
    pub fn set(&mut self, spec: &str) -> Result<(), String> {
        let help = "write `slope:NAME=V`, `rate:NAME=V`, `hazard:NAME=V`, `retaliation=V` or `retaliation:PARTY=V`";
        let Some((lhs, v)) = spec.rsplit_once('=') else {
            return Err(format!("`{spec}` has no value; {help}"));
        };
        let v: f64 = match v.trim().parse() {
            Ok(x) if f64::is_finite(x) => x,
            _ => return Err(format!("`{}` is not a number; {help}", v.trim())),
        };
        let (what, name) = match lhs.split_once(':') {
            Some((w, n)) => (w.trim(), Some(n.trim().to_string())),
            None => (lhs.trim(), None),
        };
        let map = match (what, &name) {
            ("slope", Some(_)) => &mut self.slope,
            ("rate", Some(_)) => &mut self.rate,
            ("hazard", Some(_)) => &mut self.hazard,
            ("retaliation", Some(_)) => &mut self.retaliation_by,
            ("retaliation", None) => {
                self.retaliation = Some(v);
                return Ok(());
            }
            _ => return Err(format!("`{lhs}` is not a parameter; {help}")),
        };
        if let Some(n) = name {
            map.insert(n, v);
        }
        Ok(())
    }
}

/// How to forecast.
#[derive(Clone, Debug)]
pub struct Options {
    pub runs: usize,
    pub seed: u64,
    /// The last day simulated. Default: a year after the forecast date, or 90 days after the
    /// latest deadline known on it if later, at most three years after it.
    pub horizon: Option<Date>,
    /// Worker threads; 0 = every core.
    pub threads: usize,
    pub scenario: Option<Scenario>,
    pub params: Overrides,
    /// The evaluator (same verdicts; `Plain` is slower and exists for checking).
    pub path: EnginePath,
    /// Runs kept for the fan charts (the first ones).
    pub fan_runs: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runs: 10_000,
            seed: 1,
            horizon: None,
            threads: 0,
            scenario: None,
            params: Overrides::default(),
            path: EnginePath::Checkpointed,
            fan_runs: 1_000,
        }
    }
}

#[derive(Debug)]
pub enum ForecastError {
    /// The known evidence could not be prepared (should not happen for evidence that was).
    Evidence(Vec<EvidenceError>),
    /// An override names nothing that is simulated.
    UnknownParameter(String),
    /// Options that cannot work (no runs, a horizon before the forecast date).
    Options(String),
    Internal(String),
}

impl fmt::Display for ForecastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForecastError::Evidence(errors) => {
                write!(f, "the evidence known on the forecast date cannot be prepared:")?;
                for e in errors {
                    write!(f, "\n{e}")?;
                }
                Ok(())
            }
            ForecastError::UnknownParameter(m) | ForecastError::Options(m) => write!(f, "{m}"),
            ForecastError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for ForecastError {}

/// A spread of days: the median and the 80% interval (10th and 90th percentiles, nearest rank).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DateSpread {
    pub median: Date,
    pub low: Date,
    pub high: Date,
    /// Runs the spread is computed over.
    pub runs: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateShare {
    pub state: State,
    pub p: f64,
}

/// A deadline that depends on another provision or on an event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeadlineSpread {
    /// The deadline rule as written.
    pub rule: String,
    /// Share of runs in which the deadline is known by the horizon.
    pub p_known: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread: Option<DateSpread>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProvisionForecast {
    pub key: String,
    pub title: String,
    pub obligors: Vec<String>,
    pub beneficiaries: Vec<String>,
    /// The state on the forecast date and since when.
    pub state_now: State,
    pub since_now: Date,
    /// The deadline as known on the forecast date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_now: Option<Date>,
    /// Met by its deadline (state `met` at the horizon; not `met late`).
    pub p_met_by_deadline: f64,
    /// Met or met late by the horizon.
    pub p_met_by_horizon: f64,
    /// The day it is met, over the runs where it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_date: Option<DateSpread>,
    /// The state at the horizon.
    pub final_states: Vec<StateShare>,
    /// In that state on some day after the forecast date.
    pub p_suspended: f64,
    pub p_void: f64,
    pub p_breached: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DeadlineSpread>,
    /// The generators (see `parameters`) whose evidence it reads.
    pub drivers: Vec<String>,
}

/// A provision left out: settled on the forecast date, or with no duty to forecast.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Excluded {
    pub key: String,
    pub state: State,
    pub since: Date,
    pub why: &'static str,
}

/// One generator of synthetic evidence and its parameters.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    /// `trend`, `rate` or `hazard`.
    pub model: &'static str,
    pub kind: String,
    pub measures: Vec<String>,
    pub provisions: Vec<String>,
    /// Slope (trend), mean rate (rate) or mean hazard (hazard), per day.
    pub estimate: f64,
    /// Standard error of the slope, or standard deviation of the rate or hazard drawn.
    pub uncertainty: f64,
    pub unit: &'static str,
    /// How the estimate was made, in words.
    pub basis: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readings: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waited_days: Option<f64>,
    /// Multiplied by the retaliation factor after a breach of a provision owed to its actor.
    pub hostile: bool,
    pub overridden: bool,
    /// Scenario lines that change it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scenario: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetaliationParam {
    /// The factor used for every party not listed in `by_party`.
    pub factor: f64,
    /// The estimate from the evidence.
    pub estimate: f64,
    pub basis: String,
    pub overridden: bool,
    pub by_party: BTreeMap<String, f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FanReading {
    pub date: Date,
    pub low: f64,
    pub high: f64,
    pub contested: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FanWeek {
    pub date: Date,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FanTarget {
    pub provision: String,
    /// `<= 8600`, `== 0`, `>= 5000`.
    pub rule: String,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
}

/// A level measure: what was read up to the forecast date and the simulated bands after it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fan {
    pub measure: String,
    pub observed: Vec<FanReading>,
    pub weeks: Vec<FanWeek>,
    pub targets: Vec<FanTarget>,
    pub runs: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunStats {
    /// Runs in which a breach set off retaliation.
    pub retaliated: usize,
    /// Times the synthetic evidence was drawn per run, on average (more than once when a
    /// breach sets off retaliation and the evidence after it is drawn again).
    pub mean_passes: f64,
    /// Days the engine judged per run, on average, after the forecast date (all passes and
    /// readings; 0 with the plain evaluator, which replays everything).
    pub mean_days: f64,
}

/// A forecast. Serialises to the JSON the CLI prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    pub as_of: Date,
    pub horizon: Date,
    pub runs: usize,
    pub seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Items known on the forecast date, and items of the evidence left out because they
    /// are dated or published after it.
    pub evidence_known: usize,
    pub evidence_after: usize,
    pub provisions: Vec<ProvisionForecast>,
    pub excluded: Vec<Excluded>,
    pub parameters: Vec<Parameter>,
    pub retaliation: RetaliationParam,
    pub fans: Vec<Fan>,
    pub stats: RunStats,
    pub notes: Vec<String>,
}

const STATES: [State; 9] = [
    State::Pending,
    State::Active,
    State::Met,
    State::MetLate,
    State::Breached,
    State::Suspended,
    State::Void,
    State::Disputed,
    State::NotMonitorable,
];

fn state_index(s: State) -> usize {
    STATES.iter().position(|x| *x == s).unwrap_or(0)
}

#[derive(Clone, Default)]
struct ProvAcc {
    states: [u64; 9],
    on_time: u64,
    met: u64,
    suspended: u64,
    void: u64,
    breached: u64,
    met_days: Vec<i32>,
    deadline_days: Vec<i32>,
}

#[derive(Default)]
struct Acc {
    provs: Vec<ProvAcc>,
    fans: Vec<(usize, Vec<Vec<f32>>)>,
    retaliated: usize,
    passes: usize,
    days: usize,
}

impl Acc {
    fn new(n: usize) -> Acc {
        Acc { provs: vec![ProvAcc::default(); n], ..Acc::default() }
    }

    fn add(&mut self, run: usize, out: sim::RunOut) {
        for (a, p) in self.provs.iter_mut().zip(&out.provs) {
            a.states[state_index(p.state)] += 1;
            if p.state == State::Met {
                a.on_time += 1;
            }
            if let Some(d) = p.met {
                a.met += 1;
                a.met_days.push(d.days());
            }
            a.suspended += u64::from(p.suspended);
            a.void += u64::from(p.void);
            a.breached += u64::from(p.breached);
            if let Some(d) = p.deadline {
                a.deadline_days.push(d.days());
            }
        }
        if !out.fans.is_empty() {
            self.fans.push((run, out.fans));
        }
        self.retaliated += usize::from(out.retaliated);
        self.passes += out.passes;
        self.days += out.days;
    }

    fn merge(&mut self, o: Acc) {
        for (a, b) in self.provs.iter_mut().zip(o.provs) {
            for i in 0..9 {
                a.states[i] += b.states[i];
            }
            a.on_time += b.on_time;
            a.met += b.met;
            a.suspended += b.suspended;
            a.void += b.void;
            a.breached += b.breached;
            a.met_days.extend(b.met_days);
            a.deadline_days.extend(b.deadline_days);
        }
        self.fans.extend(o.fans);
        self.retaliated += o.retaliated;
        self.passes += o.passes;
        self.days += o.days;
    }
}

/// The nearest-rank percentile of sorted values.
fn rank<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let i = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
    sorted.get(i).copied()
}

fn spread(days: &mut [i32]) -> Option<DateSpread> {
    days.sort_unstable();
    Some(DateSpread {
        median: Date::from_days(rank(days, 0.5)?),
        low: Date::from_days(rank(days, 0.1)?),
        high: Date::from_days(rank(days, 0.9)?),
        runs: days.len(),
    })
}

/// Whether a time is a fixed day (a date, or an offset from one).
fn fixed_time(t: &Time) -> bool {
    match t {
        Time::Date(_) => true,
        Time::Offset(_, _, b) => fixed_time(b),
        _ => false,
    }
}

/// Whether a provision is settled on the forecast date: nothing after it can change it.
pub fn is_settled(plan: &Plan, p: usize, state: State) -> bool {
    match state {
        State::Met | State::MetLate | State::Void | State::NotMonitorable => true,
        State::Breached => {
            matches!(plan.provisions[p].duty, Some(Duty::Forbid { .. }) | Some(Duty::Maintain { .. }) | Some(Duty::Reduce { .. }))
        }
        _ => false,
    }
}

fn cmp_text(c: Cmp) -> &'static str {
    match c {
        Cmp::Le | Cmp::AtMost => "<=",
        Cmp::Ge | Cmp::AtLeast => ">=",
        Cmp::Lt => "<",
        Cmp::Gt => ">",
        Cmp::Eq => "==",
        Cmp::UpTo => "up to",
    }
}

/// The default horizon: see [`Options::horizon`].
fn default_horizon(as_of: Date, latest_deadline: Option<Date>) -> Date {
    let year = as_of.add_days(365);
    let h = latest_deadline.map_or(year, |d| year.max(d.add_days(90)));
    h.min(as_of.add_days(3 * 365))
}

/// Everything a forecast computes before the runs.
struct Setup {
    known: Vec<pactum_evidence::Item>,
    evidence_after: usize,
    base: Prepared,
    plan: Plan,
    now: pactum_engine::Outcome,
    unsettled: Vec<usize>,
    excluded: Vec<Excluded>,
    deadline_now: Vec<Option<Date>>,
    horizon: Date,
    model: model::Model,
    fan_measures: Vec<usize>,
    fan_days: Vec<Date>,
    late: sim::Snapshot,
    early: Option<(Vec<pactum_engine::prepare::PItem>, sim::Snapshot)>,
    hopeless: Vec<bool>,
    retaliators: Vec<bool>,
    slot: Vec<Option<usize>>,
    causal: bool,
}

impl Setup {
    fn new(case: &Case, evidence: &Prepared, as_of: Date, opts: &Options) -> Result<Setup, ForecastError> {
        if opts.runs == 0 {
            return Err(ForecastError::Options("the number of runs must be at least 1".into()));
        }
        let known = known_on(&evidence.items, as_of);
        let evidence_after = evidence.items.len() - known.len();
        let base = prepare(case, known.clone()).map_err(ForecastError::Evidence)?;
        let plan = Plan::new(case);
        let now = pactum_engine::run(case, &base, as_of);
        let hist_now: Vec<Hist> = now.remembered();
        let idx_now = Indexed::new(case, &plan, &base);
        let ctx_now = Ctx { case, plan: &plan, ev: &idx_now };

        let mut unsettled = Vec::new();
        let mut excluded = Vec::new();
        for (p, (state, since)) in now.states.iter().enumerate() {
            let key = case.provisions[p].key.clone();
            if plan.provisions[p].duty.is_none() && *state != State::NotMonitorable {
                excluded.push(Excluded { key, state: *state, since: *since, why: "states no duty" });
            } else if is_settled(&plan, p, *state) {
                excluded.push(Excluded { key, state: *state, since: *since, why: "settled" });
            } else {
                unsettled.push(p);
            }
        }
        let deadline_now: Vec<Option<Date>> = unsettled
            .iter()
            .map(|p| {
                plan.provisions[*p]
                    .duty
                    .as_ref()
                    .and_then(pactum_engine::semantics::deadline)
                    .and_then(|t| ctx_now.time(t, as_of, &hist_now))
            })
            .collect();
        let horizon = match opts.horizon {
            Some(h) if h <= as_of => return Err(ForecastError::Options(format!("the horizon {h} is not after the forecast date {as_of}"))),
            Some(h) => h,
            None => default_horizon(as_of, deadline_now.iter().flatten().copied().max()),
        };
        let inputs = model::Inputs {
            case,
            plan: &plan,
            base: &base,
            ctx: &ctx_now,
            hist: &hist_now,
            timeline: &now.timeline,
            unsettled: &unsettled,
            as_of,
            start: now.start,
        };
        let model = model::build(&inputs, &opts.params, opts.scenario.as_ref(), horizon)?;

        // Fans: level measures that a simulated trend feeds.
        let mut fan_measures: Vec<usize> = Vec::new();
        for c in &model.cells {
            if matches!(c.gen, model::Gen::Trend(_)) {
                for m in &c.measures {
                    if !fan_measures.contains(m) {
                        fan_measures.push(*m);
                    }
                }
            }
        }
        fan_measures.sort_unstable();
        let mut fan_days = vec![as_of];
        let mut k = 1;
        while as_of.add_days(7 * k) <= horizon {
            fan_days.push(as_of.add_days(7 * k));
            k += 1;
        }
        let late = sim::checkpoint(case, &plan, &base, as_of, horizon);
        let early = if base.has_ranges() {
            let e = base.earliest_reading();
            let cp = sim::checkpoint(case, &plan, &e, as_of, horizon);
            Some((e.active, cp))
        } else {
            None
        };
        let hopeless = match &early {
            Some((_, cp)) => sim::hopeless(case, &plan, &base, &late, cp, as_of),
            None => vec![true; case.provisions.len()],
        };
        let retaliators = sim::retaliators(case, &model);
        let causal = sim::causal(&plan);
        let mut slot = vec![None; case.provisions.len()];
        for (u, p) in unsettled.iter().enumerate() {
            slot[*p] = Some(u);
        }
        Ok(Setup {
            known,
            evidence_after,
            base,
            plan,
            now,
            unsettled,
            excluded,
            deadline_now,
            horizon,
            model,
            fan_measures,
            fan_days,
            late,
            early,
            hopeless,
            retaliators,
            slot,
            causal,
        })
    }

    fn sim<'a>(&'a self, case: &'a Case, as_of: Date, opts: &Options) -> sim::Sim<'a> {
        sim::Sim {
            case,
            plan: &self.plan,
            model: &self.model,
            base: &self.base,
            known: &self.known,
            as_of,
            horizon: self.horizon,
            seed: opts.seed,
            late: &self.late,
            early: self.early.as_ref(),
            unsettled: &self.unsettled,
            fans: &self.fan_measures,
            fan_days: &self.fan_days,
            fan_runs: opts.fan_runs.min(opts.runs),
            path: opts.path,
            slot: &self.slot,
            retaliators: &self.retaliators,
            hopeless: &self.hopeless,
            causal: self.causal,
        }
    }
}

/// Forecasts every provision not settled on `as_of`. `evidence` may hold items dated or
/// published after `as_of`: they are left out (no look-ahead).
pub fn forecast(case: &Case, evidence: &Prepared, as_of: Date, opts: &Options) -> Result<Forecast, ForecastError> {
    let setup = Setup::new(case, evidence, as_of, opts)?;
    let sim = setup.sim(case, as_of, opts);
    let plan = &setup.plan;
    let model = &setup.model;
    let now = &setup.now;
    let acc = simulate(&sim, opts.runs, opts.threads, setup.unsettled.len())?;
    let runs = opts.runs as f64;
    let deadline_of = |p: usize| plan.provisions[p].duty.as_ref().and_then(pactum_engine::semantics::deadline);
    let mut provisions = Vec::new();
    for (u, p) in setup.unsettled.iter().enumerate() {
        let mut a = acc.provs[u].clone();
        let prov = &case.provisions[*p];
        let names = |ids: &[usize]| ids.iter().map(|i| case.parties[*i].id.clone()).collect::<Vec<_>>();
        let deadline = match deadline_of(*p) {
            Some(t) if !fixed_time(t) => Some(DeadlineSpread {
                rule: prov
                    .rules
                    .iter()
                    .find(|r| r.contains(" by ") || r.contains(" within ") || r.contains("until"))
                    .cloned()
                    .unwrap_or_default(),
                p_known: a.deadline_days.len() as f64 / runs,
                spread: spread(&mut a.deadline_days),
            }),
            _ => None,
        };
        provisions.push(ProvisionForecast {
            key: prov.key.clone(),
            title: prov.title.clone(),
            obligors: names(&prov.obligors),
            beneficiaries: names(&prov.beneficiaries),
            state_now: now.states[*p].0,
            since_now: now.states[*p].1,
            deadline_now: setup.deadline_now[u],
            p_met_by_deadline: a.on_time as f64 / runs,
            p_met_by_horizon: a.met as f64 / runs,
            met_date: spread(&mut a.met_days),
            final_states: STATES
                .iter()
                .zip(a.states)
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| StateShare { state: *s, p: n as f64 / runs })
                .collect(),
            p_suspended: a.suspended as f64 / runs,
            p_void: a.void as f64 / runs,
            p_breached: a.breached as f64 / runs,
            deadline,
            drivers: model.cells.iter().filter(|c| c.provisions.contains(p)).map(|c| c.name.clone()).collect(),
        });
    }
    let fans = build_fans(case, plan, &setup.base, &setup.fan_measures, &setup.fan_days, acc.fans, &setup.unsettled, &setup.deadline_now);
    Ok(Forecast {
        as_of,
        horizon: setup.horizon,
        runs: opts.runs,
        seed: opts.seed,
        scenario: opts.scenario.as_ref().map(|s| s.title.clone()),
        evidence_known: setup.known.len(),
        evidence_after: setup.evidence_after,
        provisions,
        excluded: setup.excluded.clone(),
        parameters: model.cells.iter().map(|c| c.param.clone()).collect(),
        retaliation: model.retaliation_param.clone(),
        fans,
        stats: RunStats { retaliated: acc.retaliated, mean_passes: acc.passes as f64 / runs, mean_days: acc.days as f64 / runs },
        notes: model.notes.clone(),
    })
}

fn simulate(sim: &sim::Sim, runs: usize, threads: usize, n: usize) -> Result<Acc, ForecastError> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |t| t.get()) } else { threads };
    let threads = threads.clamp(1, runs.max(1));
    const CHUNK: usize = 64;
    let chunks = runs.div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    let work = || -> Result<Acc, ForecastError> {
        let mut ws = sim.workspace();
        let mut acc = Acc::new(n);
        loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= chunks {
                break;
            }
            for r in c * CHUNK..((c + 1) * CHUNK).min(runs) {
                let out = sim.run(&mut ws, r)?;
                acc.add(r, out);
            }
        }
        Ok(acc)
    };
    let results: Vec<Result<Acc, ForecastError>> = if threads == 1 {
        vec![work()]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(ForecastError::Internal("a worker thread panicked".into()))))
                .collect()
        })
    };
    let mut acc = Acc::new(n);
    for r in results {
        acc.merge(r?);
    }
    acc.fans.sort_by_key(|f| f.0);
    Ok(acc)
}

#[allow(clippy::too_many_arguments)]
fn build_fans(
    case: &Case,
    plan: &Plan,
    base: &Prepared,
    measures: &[usize],
    days: &[Date],
    samples: Vec<(usize, Vec<Vec<f32>>)>,
    unsettled: &[usize],
    deadline_now: &[Option<Date>],
) -> Vec<Fan> {
    let mut fans = Vec::new();
    for (fi, m) in measures.iter().enumerate() {
        let series = &plan.series[plan.measures[*m].series];
        let observed = base
            .active
            .iter()
            .filter(|it| it.kind == series.kind && series.filter.as_ref().is_none_or(|f| pactum_engine::prepare::matches(case, f, it)))
            .filter_map(|it| it.quantity.map(|q| FanReading { date: it.date, low: q.low, high: q.high, contested: it.contested() }))
            .collect();
        let mut weeks = Vec::new();
        for (wi, d) in days.iter().enumerate() {
            let mut vals: Vec<f32> =
                samples.iter().filter_map(|(_, f)| f.get(fi).and_then(|w| w.get(wi)).copied()).filter(|v| !v.is_nan()).collect();
            vals.sort_by(f32::total_cmp);
            if let (Some(a), Some(b), Some(c)) = (rank(&vals, 0.1), rank(&vals, 0.5), rank(&vals, 0.9)) {
                weeks.push(FanWeek { date: *d, p10: a as f64, p50: b as f64, p90: c as f64 });
            }
        }
        let mut targets = Vec::new();
        for (u, p) in unsettled.iter().enumerate() {
            let key = &case.provisions[*p].key;
            match &plan.provisions[*p].duty {
                Some(Duty::Achieve { measure, cmp, value, then, .. }) if measure == m => {
                    let (rule, value) = match then {
                        Some(inst) => (format!(">= {} (full amount)", pactum_engine::semantics::num(inst.cap)), inst.cap),
                        None => (format!("{} {}", cmp_text(*cmp), pactum_engine::semantics::num(*value)), *value),
                    };
                    targets.push(FanTarget { provision: key.clone(), rule, value, deadline: deadline_now[u] });
                }
                Some(Duty::Maintain { measure, cmp, value, .. }) if measure == m => {
                    targets.push(FanTarget {
                        provision: key.clone(),
                        rule: format!("{} {} (kept)", cmp_text(*cmp), pactum_engine::semantics::num(*value)),
                        value: *value,
                        deadline: deadline_now[u],
                    });
                }
                _ => {}
            }
        }
        fans.push(Fan { measure: case.measures[*m].id.clone(), observed, weeks, targets, runs: samples.len() });
    }
    fans
}

/// Two forecasts side by side, provision by provision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub rows: Vec<ComparisonRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    pub p_met_by_deadline: f64,
    pub p_met_by_horizon: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_met: Option<Date>,
    pub p_breached: f64,
    pub p_suspended: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComparisonRow {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<Side>,
    /// b minus a.
    pub diff_met_by_deadline: f64,
    pub diff_met_by_horizon: f64,
    /// Days b's median met date is after a's (negative: earlier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_median_days: Option<i64>,
}

fn side(p: &ProvisionForecast) -> Side {
    Side {
        p_met_by_deadline: p.p_met_by_deadline,
        p_met_by_horizon: p.p_met_by_horizon,
        median_met: p.met_date.as_ref().map(|s| s.median),
        p_breached: p.p_breached,
        p_suspended: p.p_suspended,
    }
}

fn label(f: &Forecast) -> String {
    f.scenario.clone().unwrap_or_else(|| "baseline".into())
}

/// Compares two forecasts (usually the same case and date under two scenarios).
pub fn compare(a: &Forecast, b: &Forecast) -> Comparison {
    let mut keys: Vec<&str> = a.provisions.iter().map(|p| p.key.as_str()).collect();
    for p in &b.provisions {
        if !keys.contains(&p.key.as_str()) {
            keys.push(&p.key);
        }
    }
    let rows = keys
        .into_iter()
        .map(|k| {
            let pa = a.provisions.iter().find(|p| p.key == k).map(side);
            let pb = b.provisions.iter().find(|p| p.key == k).map(side);
            let g = |s: &Option<Side>, f: fn(&Side) -> f64| s.as_ref().map_or(0.0, f);
            ComparisonRow {
                key: k.to_string(),
                diff_met_by_deadline: g(&pb, |s| s.p_met_by_deadline) - g(&pa, |s| s.p_met_by_deadline),
                diff_met_by_horizon: g(&pb, |s| s.p_met_by_horizon) - g(&pa, |s| s.p_met_by_horizon),
                diff_median_days: match (pa.as_ref().and_then(|s| s.median_met), pb.as_ref().and_then(|s| s.median_met)) {
                    (Some(x), Some(y)) => Some(x.days_until(y)),
                    _ => None,
                },
                a: pa,
                b: pb,
            }
        })
        .collect();
    Comparison { a: label(a), b: label(b), rows }
}

fn pct(p: f64) -> String {
    if p > 0.0 && p < 0.005 {
        "<1%".into()
    } else if p < 1.0 && p > 0.995 {
        ">99%".into()
    } else {
        format!("{:.0}%", p * 100.0)
    }
}

fn spread_text(s: &Option<DateSpread>) -> String {
    match s {
        Some(s) => format!("{} ({} .. {})", s.median, s.low, s.high),
        None => "-".into(),
    }
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<width$}  ", width = w[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(head.iter().map(|h| h.to_string()).collect());
    for r in rows {
        out.push_str(&line(r.clone()));
    }
    out
}

/// The forecast as a plain-text table (what `pactum forecast` prints).
pub fn render_table(f: &Forecast) -> String {
    let mut out = format!(
        "forecast as of {} to {}: {} runs, seed {}{}\n{} evidence items known, {} left out (dated or published later)\n\n",
        f.as_of,
        f.horizon,
        f.runs,
        f.seed,
        f.scenario.as_ref().map(|s| format!(", scenario \"{s}\"")).unwrap_or_default(),
        f.evidence_known,
        f.evidence_after
    );
    let rows: Vec<Vec<String>> = f
        .provisions
        .iter()
        .map(|p| {
            let top = p
                .final_states
                .iter()
                .max_by(|a, b| a.p.total_cmp(&b.p))
                .map(|s| format!("{} {}", s.state.as_str(), pct(s.p)))
                .unwrap_or_default();
            vec![
                p.key.clone(),
                format!("{}", p.state_now.as_str()),
                p.deadline_now.map_or_else(|| p.deadline.as_ref().map_or("-".into(), |d| spread_text(&d.spread)), |d| d.to_string()),
                pct(p.p_met_by_deadline),
                pct(p.p_met_by_horizon),
                spread_text(&p.met_date),
                top,
                format!("{}/{}/{}", pct(p.p_breached), pct(p.p_suspended), pct(p.p_void)),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "provision",
            "now",
            "deadline",
            "met on time",
            "met by horizon",
            "met on (median, 80%)",
            "most likely at horizon",
            "breached/susp./void",
        ],
        &rows,
    ));
    out.push_str("\nparameters (estimated from the evidence known on the forecast date):\n");
    for p in &f.parameters {
        out.push_str(&format!(
            "  {} [{}]: {} {}{} ± {} — {}\n",
            p.name,
            p.model,
            fmt_g(p.estimate),
            p.unit,
            if p.overridden { " (overridden)" } else { "" },
            fmt_g(p.uncertainty),
            p.basis
        ));
        for s in &p.scenario {
            out.push_str(&format!("      scenario: {s}\n"));
        }
    }
    out.push_str(&format!(
        "  retaliation: x{}{} — {}\n",
        fmt_g(f.retaliation.factor),
        if f.retaliation.overridden { " (overridden)" } else { "" },
        f.retaliation.basis
    ));
    for (p, v) in &f.retaliation.by_party {
        out.push_str(&format!("      by {p}: x{}\n", fmt_g(*v)));
    }
    if !f.excluded.is_empty() {
        out.push_str("\nleft out: ");
        out.push_str(&f.excluded.iter().map(|e| format!("{} ({})", e.key, e.state.as_str())).collect::<Vec<_>>().join(", "));
        out.push('\n');
    }
    for n in &f.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

fn fmt_g(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

/// A comparison as a plain-text table.
pub fn render_comparison(c: &Comparison) -> String {
    let rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|r| {
            let s = |x: &Option<Side>, f: fn(&Side) -> f64| x.as_ref().map_or("-".into(), |s| pct(f(s)));
            let med = |x: &Option<Side>| x.as_ref().and_then(|s| s.median_met).map_or("-".into(), |d| d.to_string());
            vec![
                r.key.clone(),
                s(&r.a, |s| s.p_met_by_deadline),
                s(&r.b, |s| s.p_met_by_deadline),
                format!("{:+.0}", r.diff_met_by_deadline * 100.0),
                s(&r.a, |s| s.p_met_by_horizon),
                s(&r.b, |s| s.p_met_by_horizon),
                med(&r.a),
                med(&r.b),
                r.diff_median_days.map_or("-".into(), |d| format!("{d:+}")),
            ]
        })
        .collect();
    let mut out = format!("a: {}\nb: {}\n\n", c.a, c.b);
    out.push_str(&table(
        &["provision", "on time a", "on time b", "pts", "by horizon a", "by horizon b", "median a", "median b", "days"],
        &rows,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    pub fn doha() -> (Case, Prepared) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/doha-2020");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        let inputs: Vec<(String, String)> = names
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "pactum"))
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(p).unwrap()))
            .collect();
        let (case, _, _) = pactum_check::check_sources(&inputs);
        let text = std::fs::read_to_string(dir.join("evidence.csv")).unwrap();
        let items = pactum_evidence::read_csv("evidence.csv", &text).unwrap();
        let ev = prepare(&case, items).unwrap();
        (case, ev)
    }

    /// Runs `runs` runs both ways and checks they agree run by run.
    fn same_runs(case: &Case, ev: &Prepared, as_of: Date, opts: &Options, runs: usize) -> usize {
        let setup = Setup::new(case, ev, as_of, opts).unwrap();
        let fast = setup.sim(case, as_of, &Options { path: EnginePath::Checkpointed, ..opts.clone() });
        let plain = setup.sim(case, as_of, &Options { path: EnginePath::Plain, ..opts.clone() });
        let (mut wf, mut wp) = (fast.workspace(), plain.workspace());
        let mut retaliated = 0;
        for r in 0..runs {
            let a = fast.run(&mut wf, r).unwrap();
            let b = plain.run(&mut wp, r).unwrap();
            if a.provs != b.provs {
                for (u, (x, y)) in a.provs.iter().zip(&b.provs).enumerate() {
                    if x != y {
                        let p = setup.unsettled[u];
                        eprintln!(
                            "provision {} state now {:?} hopeless {}",
                            case.provisions[p].key, setup.now.states[p], setup.hopeless[p]
                        );
                        eprintln!("rules {:?}", case.provisions[p].rules);
                        eprintln!("late cp: {:?}", setup.late.hist[p]);
                        if let Some((_, e)) = &setup.early {
                            eprintln!("early cp: {:?}", e.hist[p]);
                        }
                        let mut synth = Vec::new();
                        plain.generate(r, &vec![None; case.parties.len()], &mut synth);
                        let mut pev = prepare(case, setup.known.clone()).unwrap();
                        pev.extend(case, plain.items(&synth)).unwrap();
                        let out = pactum_engine::run(case, &pev, setup.horizon);
                        for c in out.timeline.iter().filter(|c| c.provision == p) {
                            eprintln!("  plain {} {:?}->{:?} {}", c.date, c.from, c.to, c.reason);
                        }
                        let out2 = pactum_engine::run(case, &pev, as_of);
                        eprintln!("  plain at as_of: {:?}", out2.states[p]);
                    }
                }
            }
            assert_eq!(a.provs, b.provs, "run {r} as of {as_of} seed {}", opts.seed);
            assert_eq!(a.retaliated, b.retaliated, "run {r}");
            assert_eq!(format!("{:?}", a.fans), format!("{:?}", b.fans), "run {r}");
            retaliated += usize::from(a.retaliated);
        }
        retaliated
    }

    #[test]
    fn overrides_read_one_setting_at_a_time() {
        let mut o = Overrides::default();
        o.set("slope:us_troops=-40").unwrap();
        o.set("rate: attack where actor = taliban = 0.5").unwrap();
        o.set("hazard:doha_2020.part_one_e=0.01").unwrap();
        o.set("retaliation=1").unwrap();
        o.set("retaliation:us=2.5").unwrap();
        assert_eq!(o.slope["us_troops"], -40.0);
        assert_eq!(o.rate["attack where actor = taliban"], 0.5);
        assert_eq!(o.hazard["doha_2020.part_one_e"], 0.01);
        assert_eq!((o.retaliation, o.retaliation_by["us"]), (Some(1.0), 2.5));
        assert!(o.set("slope=3").is_err());
        assert!(o.set("speed:x=3").is_err());
        assert!(o.set("slope:x=fast").is_err());
        // An override naming nothing simulated is an error that suggests a name.
        let (case, ev) = doha();
        let opts = Options {
            runs: 10,
            params: Overrides { slope: [("us_troop".to_string(), -40.0)].into(), ..Overrides::default() },
            ..Options::default()
        };
        let err = forecast(&case, &ev, Date::parse("2020-06-01").unwrap(), &opts).unwrap_err().to_string();
        assert!(err.contains("did you mean `us_troops`?"), "{err}");
        let opts = Options {
            runs: 200,
            params: Overrides { slope: [("us_troops".to_string(), -100.0)].into(), ..Overrides::default() },
            ..Options::default()
        };
        let f = forecast(&case, &ev, Date::parse("2020-06-01").unwrap(), &opts).unwrap();
        let p = f.parameters.iter().find(|p| p.measures.contains(&"us_troops".to_string())).unwrap();
        assert!(p.overridden && p.estimate == -100.0);
        let a1 = f.provisions.iter().find(|p| p.key == "doha_2020.part_one").unwrap();
        assert_eq!(a1.p_met_by_deadline, 1.0, "at 100 a day the troops are gone in three months");
    }

    #[test]
    fn the_checkpointed_evaluator_gives_the_engines_verdicts_on_doha() {
        let (case, ev) = doha();
        let mut retaliated = 0;
        for (as_of, seed) in [("2020-04-01", 1), ("2020-06-01", 2), ("2020-08-01", 3), ("2020-10-01", 4), ("2021-02-01", 5)] {
            let opts = Options { runs: 40, seed, fan_runs: 5, ..Options::default() };
            retaliated += same_runs(&case, &ev, Date::parse(as_of).unwrap(), &opts, 40);
        }
        assert!(retaliated > 0, "some runs should exercise retaliation");
        // With a factor that raises rates, so that retaliation can cascade into new breaches.
        let params = Overrides { retaliation: Some(5.0), ..Overrides::default() };
        let opts = Options { runs: 40, seed: 9, params, fan_runs: 0, ..Options::default() };
        same_runs(&case, &ev, Date::parse("2020-06-01").unwrap(), &opts, 40);
    }

    #[test]
    fn the_checkpointed_evaluator_gives_the_engines_verdicts_on_generated_cases() {
        let mut checked = [0, 0];
        let mut retaliated = 0;
        for seed in 0..16u64 {
            let mut r = gen::Rng::new(seed);
            let text = gen::agreement_with(&mut r, 25, seed % 4 != 0);
            let (case, diags, _) = pactum_check::check_sources(&[("gen.pactum".into(), text)]);
            if diags.iter().any(|d| d.severity == pactum_syntax::Severity::Error) {
                continue;
            }
            let items = gen::evidence(&mut r, 120);
            let Ok(ev) = prepare(&case, items) else { continue };
            let params = Overrides { retaliation: Some(3.0), ..Overrides::default() };
            let opts = Options { runs: 15, seed, params, fan_runs: 3, ..Options::default() };
            let as_of = gen::base().add_days(100 + (seed as i64 * 17) % 150);
            retaliated += same_runs(&case, &ev, as_of, &opts, 15);
            checked[usize::from(sim::causal(&Plan::new(&case)))] += 1;
        }
        assert!(checked[1] >= 8 && checked[0] >= 2, "usable generated cases (replayed, checkpointed): {checked:?}");
        assert!(retaliated > 0, "some runs should exercise retaliation");
    }
}
