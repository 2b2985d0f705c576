//! A deterministic generator of large synthetic cases: one agreement with many provisions and
//! an evidence CSV with many rows, in the documented format.
//!
//! The same configuration and seed always give byte-identical files. The evidence follows a
//! simple model of a peace process (troop levels falling after signing, prisoner releases in a
//! burst, attacks falling and partly recovering, rare events such as talks) and every threshold
//! in the agreement is drawn from that model, so provisions end in every state rather than all
//! being met on the first day or all breached.
//!
//! Besides the agreement and the evidence, the generator writes `spec.json`: the measures and
//! provisions in a structured form, for the DuckDB comparison script.

use pactum_base::Date;
use serde_json::{json, Value as Json};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

/// splitmix64: small, fast and good enough for synthetic data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An integer in `a..=b`.
    pub fn range(&mut self, a: i64, b: i64) -> i64 {
        if b <= a {
            return a;
        }
        a + self.below((b - a + 1) as u64) as i64
    }

    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }

    /// Log-uniform in [a, b].
    pub fn log_uniform(&mut self, a: f64, b: f64) -> f64 {
        (a.ln() + (b.ln() - a.ln()) * self.unit()).exp()
    }

    /// An index drawn by cumulative weights.
    pub fn weighted(&mut self, cum: &[f64]) -> usize {
        let total = cum[cum.len() - 1];
        let x = self.unit() * total;
        cum.partition_point(|c| *c <= x).min(cum.len() - 1)
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub provisions: usize,
    pub events: u64,
    pub seed: u64,
    /// Length of the evidence period in years, from 1 January 2015.
    pub years: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config { provisions: 1000, events: 10_000_000, seed: 1, years: 10 }
    }
}

/// What was written.
#[derive(Clone, Debug)]
pub struct Summary {
    pub agreement_text: String,
    pub rows: u64,
    pub denials: u64,
    pub month_dates: u64,
    pub ranged_dates: u64,
    pub ranged_quantities: u64,
    pub first_day: Date,
    pub last_day: Date,
    pub signing: Date,
}

// ---------------------------------------------------------------------------------------------
// The world: who acts, where, and how often.

/// Values a filter can compare with: parties of the case (bare names) and others (quoted).
const ATOMS: &[(&str, bool)] = &[
    ("us", true),
    ("taliban", true),
    ("gov", true),
    ("allies", true),
    ("unsc", true),
    ("qatar", true),
    ("isis", false),
    ("civilians", false),
];

/// How evidence rows name actors: text written, the atom it resolves to, weight.
const ACTORS: &[(&str, Option<usize>, f64)] = &[
    ("us", Some(0), 20.0),
    ("taliban", Some(1), 30.0),
    ("gov", Some(2), 25.0),
    ("allies", Some(3), 8.0),
    ("Taleban", Some(1), 2.0),
    ("NATO", Some(3), 1.0),
    ("isis", Some(6), 5.0),
    ("unsc", Some(4), 0.5),
    ("qatar", Some(5), 0.05),
    ("", None, 8.45),
];

const TARGETS: &[(&str, Option<usize>, f64)] = &[
    ("gov", Some(2), 28.0),
    ("us", Some(0), 10.0),
    ("taliban", Some(1), 14.0),
    ("Taleban", Some(1), 1.0),
    ("allies", Some(3), 5.0),
    ("civilians", Some(7), 12.0),
    ("qatar", Some(5), 0.02),
    ("unsc", Some(4), 0.1),
    ("", None, 29.88),
];

const PLACES: &[(&str, f64)] = &[
    ("Kabul", 20.0),
    ("Helmand", 15.0),
    ("Kandahar", 10.0),
    ("Kunduz", 6.0),
    ("Herat", 4.0),
    ("Nangarhar", 2.0),
    ("Ghazni", 1.0),
    ("Balkh", 0.2),
    ("", 41.8),
];

/// Number of real places in [`PLACES`] (the last entry is "no place").
const N_PLACES: usize = 8;

const OUTLETS: &[&str] = &["Reuters", "AP", "AFP", "BBC News", "Xinhua", "UNAMA", "TOLOnews", "Pajhwok"];

/// Fraction of the period at which the agreement is signed.
const SIGN_FRAC: f64 = 0.2;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mult {
    Attack,
    Strike,
    Prisoner,
    AfterSigning,
    Flat,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Qty {
    Attack,
    Strike,
    Release,
    Bases,
    Sanctions,
    None,
}

/// Kinds of the bulk of the rows: name, base weight, how the weight changes over time, quantity.
const BULK: &[(&str, f64, Mult, Qty)] = &[
    ("attack", 38.0, Mult::Attack, Qty::Attack),
    ("airstrike", 12.0, Mult::Strike, Qty::Strike),
    ("statement", 18.0, Mult::Flat, Qty::None),
    ("prisoner_release", 8.0, Mult::Prisoner, Qty::Release),
    ("base_withdrawal", 0.5, Mult::AfterSigning, Qty::Bases),
    ("talks_started", 0.05, Mult::AfterSigning, Qty::None),
    ("talks_suspended", 0.05, Mult::AfterSigning, Qty::None),
    ("ceasefire", 0.1, Mult::Flat, Qty::None),
    ("decision", 2.0, Mult::Flat, Qty::None),
    ("sanctions_lifted", 0.2, Mult::AfterSigning, Qty::Sanctions),
    ("terrorist_ties", 0.3, Mult::Flat, Qty::None),
    ("unsc_endorsement", 0.01, Mult::AfterSigning, Qty::None),
];

const K_ATTACK: usize = 0;
const K_AIRSTRIKE: usize = 1;
const K_STATEMENT: usize = 2;
const K_RELEASE: usize = 3;
const K_BASES: usize = 4;
const K_TALKS: usize = 5;
const K_SUSPENDED: usize = 6;
const K_DECISION: usize = 8;
const K_SANCTIONS: usize = 9;
const K_TIES: usize = 10;

/// Mean quantity a row adds to a `count` (missing quantity counts 1) or a `sum` (missing adds 0).
fn mean_q(q: Qty, sum: bool) -> f64 {
    match (q, sum) {
        (Qty::Attack, false) => 0.8 + 0.2 * 3.0,
        (Qty::Attack, true) => 0.2 * 3.0,
        (Qty::Strike, false) => 0.7 + 0.3 * 2.0,
        (Qty::Strike, true) => 0.3 * 2.0,
        (Qty::Release, _) => 104.0,
        (Qty::Bases, _) => 1.5,
        (Qty::Sanctions, _) => 10.5,
        (Qty::None, false) => 1.0,
        (Qty::None, true) => 0.0,
    }
}

fn piecewise(f: f64, pts: &[(f64, f64)]) -> f64 {
    if f <= pts[0].0 {
        return pts[0].1;
    }
    for w in pts.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if f <= x1 {
            return if x1 > x0 { y0 + (y1 - y0) * (f - x0) / (x1 - x0) } else { y1 };
        }
    }
    pts[pts.len() - 1].1
}

fn multiplier(m: Mult, f: f64) -> f64 {
    let s = SIGN_FRAC;
    match m {
        Mult::Attack => piecewise(f, &[(0.0, 1.0), (s, 1.0), (s + 0.2, 0.4), (1.0, 0.7)]),
        Mult::Strike => piecewise(f, &[(0.0, 1.0), (s, 1.0), (s + 0.1, 0.6), (1.0, 0.3)]),
        Mult::Prisoner if f < s => 0.2,
        Mult::Prisoner => piecewise(f, &[(s, 1.0), (s + 0.3, 1.0), (s + 0.35, 0.3), (1.0, 0.3)]),
        Mult::AfterSigning if f < s => 0.0,
        Mult::AfterSigning => 1.0,
        Mult::Flat => 1.0,
    }
}

/// Levels reported on a schedule, each with a path over time.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Traj {
    UsTroops,
    AlliedTroops,
    GovTroops,
    /// The lower of the US and allied levels (for `min(...)`).
    ForeignMin,
    FreedTb,
    FreedGov,
    Incidents(usize),
}

const INCIDENT_PLACES: &[(usize, f64)] = &[(0, 12.0), (1, 20.0), (2, 15.0), (3, 8.0)];

// ---------------------------------------------------------------------------------------------
// Filters.

/// A conjunctive filter over the fields of a row: each present list is an `in` (or `=`).
#[derive(Clone, Debug, PartialEq)]
struct Filt {
    kind: usize,
    actor: Option<Vec<usize>>,
    target: Option<Vec<usize>>,
    place: Option<Vec<usize>>,
    not_place: bool,
}

impl Filt {
    fn kind(kind: usize) -> Filt {
        Filt { kind, actor: None, target: None, place: None, not_place: false }
    }
    fn actor(mut self, a: &[usize]) -> Filt {
        self.actor = Some(a.to_vec());
        self
    }
    fn target(mut self, t: &[usize]) -> Filt {
        self.target = Some(t.to_vec());
        self
    }
    fn place(mut self, p: &[usize]) -> Filt {
        self.place = Some(p.to_vec());
        self
    }

    /// Probability that a bulk row of the filter's kind passes it.
    fn prob(&self) -> f64 {
        let who = |table: &[(&str, Option<usize>, f64)], set: &Option<Vec<usize>>| -> f64 {
            let Some(set) = set else { return 1.0 };
            let total: f64 = table.iter().map(|x| x.2).sum();
            table.iter().filter(|x| x.1.is_some_and(|a| set.contains(&a))).map(|x| x.2).sum::<f64>() / total
        };
        let total: f64 = PLACES.iter().map(|x| x.1).sum();
        let pp = match &self.place {
            None => 1.0,
            Some(set) => {
                let p = set.iter().map(|i| PLACES[*i].1).sum::<f64>() / total;
                if self.not_place {
                    1.0 - p
                } else {
                    p
                }
            }
        };
        who(ACTORS, &self.actor) * who(TARGETS, &self.target) * pp
    }

    fn text(&self) -> String {
        let atoms = |set: &[usize]| -> String {
            let names: Vec<String> =
                set.iter().map(|a| if ATOMS[*a].1 { ATOMS[*a].0.to_string() } else { format!("\"{}\"", ATOMS[*a].0) }).collect();
            if names.len() == 1 {
                format!("= {}", names[0])
            } else {
                format!("in [{}]", names.join(", "))
            }
        };
        let mut parts = Vec::new();
        if let Some(a) = &self.actor {
            parts.push(format!("actor {}", atoms(a)));
        }
        if let Some(t) = &self.target {
            parts.push(format!("target {}", atoms(t)));
        }
        if let Some(p) = &self.place {
            let names: Vec<String> = p.iter().map(|i| format!("\"{}\"", PLACES[*i].0)).collect();
            let f = if names.len() == 1 { format!("place = {}", names[0]) } else { format!("place in [{}]", names.join(", ")) };
            parts.push(if self.not_place { format!("not {f}") } else { f });
        }
        let kind = BULK[self.kind].0;
        if parts.is_empty() {
            kind.to_string()
        } else {
            format!("{kind} where {}", parts.join(" and "))
        }
    }

    fn json(&self) -> Json {
        let atoms = |set: &Option<Vec<usize>>| -> Json {
            match set {
                None => Json::Null,
                Some(s) => Json::Array(
                    s.iter().map(|a| if ATOMS[*a].1 { json!({"party": ATOMS[*a].0}) } else { json!({"text": ATOMS[*a].0}) }).collect(),
                ),
            }
        };
        json!({
            "kind": BULK[self.kind].0,
            "actor": atoms(&self.actor),
            "target": atoms(&self.target),
            "place": self.place.as_ref().map(|p| p.iter().map(|i| PLACES[*i].0).collect::<Vec<_>>()),
            "not_place": self.not_place,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The model of the evidence.

struct World {
    start: Date,
    n_days: usize,
    signing_day: i64,
    /// Bulk rows on each day.
    bulk_per_day: Vec<u64>,
    /// Expected bulk rows of each kind on days before `i`: `cum[k][i]`.
    cum: Vec<Vec<f64>>,
    troop_every: usize,
    prisoners_every: usize,
    incidents_every: usize,
}

impl World {
    fn new(cfg: &Config) -> World {
        let start = Date::from_ymd(2015, 1, 1).expect("valid date");
        let end = start.add_months(12 * i64::from(cfg.years.max(1))).add_days(-1);
        let n_days = (start.days_until(end) + 1) as usize;
        let signing_day = (SIGN_FRAC * (n_days - 1) as f64).round() as i64;
        let mut w =
            World { start, n_days, signing_day, bulk_per_day: vec![], cum: vec![], troop_every: 2, prisoners_every: 7, incidents_every: 7 };
        // Keep the scheduled level readings under a tenth of the rows.
        let base = w.scheduled_total();
        let factor = ((base * 10).div_ceil(cfg.events.max(1))).max(1) as usize;
        w.troop_every *= factor;
        w.prisoners_every *= factor;
        w.incidents_every *= factor;
        let bulk = cfg.events.saturating_sub(w.scheduled_total());
        let n = n_days as u64;
        w.bulk_per_day = (0..n).map(|i| (i + 1) * bulk / n - i * bulk / n).collect();
        w.cum = vec![vec![0.0; n_days + 1]; BULK.len()];
        for i in 0..n_days {
            let weights = w.day_weights(i);
            let total: f64 = weights.iter().sum();
            let rows = w.bulk_per_day[i] as f64;
            for (cum, weight) in w.cum.iter_mut().zip(&weights) {
                cum[i + 1] = cum[i] + rows * weight / total;
            }
        }
        w
    }

    fn frac(&self, day: i64) -> f64 {
        day.clamp(0, self.n_days as i64 - 1) as f64 / (self.n_days - 1).max(1) as f64
    }

    fn day_weights(&self, i: usize) -> Vec<f64> {
        let f = self.frac(i as i64);
        BULK.iter().map(|(_, w, m, _)| w * multiplier(*m, f)).collect()
    }

    fn date(&self, day: i64) -> Date {
        self.start.add_days(day)
    }

    fn last_day(&self) -> i64 {
        self.n_days as i64 - 1
    }

    fn scheduled_on(&self, day: usize) -> u64 {
        let mut n = 0;
        for a in 0..3 {
            if (day + a).is_multiple_of(self.troop_every) {
                n += 1;
            }
        }
        if day as i64 >= self.signing_day {
            for s in 0..2 {
                if (day + 3 + s).is_multiple_of(self.prisoners_every) {
                    n += 1;
                }
            }
        }
        if day >= self.incidents_every {
            for p in 0..INCIDENT_PLACES.len() {
                if (day + p).is_multiple_of(self.incidents_every) {
                    n += 1;
                }
            }
        }
        n
    }

    fn scheduled_total(&self) -> u64 {
        (0..self.n_days).map(|d| self.scheduled_on(d)).sum()
    }

    /// Expected rows (or quantity) of a filtered series dated in `a..=b` (day indices).
    fn expected(&self, f: &Filt, sum: bool, a: i64, b: i64) -> f64 {
        let a = a.clamp(0, self.n_days as i64);
        let b = (b + 1).clamp(0, self.n_days as i64);
        if b <= a {
            return 0.0;
        }
        let rows = self.cum[f.kind][b as usize] - self.cum[f.kind][a as usize];
        rows * f.prob() * mean_q(BULK[f.kind].3, sum)
    }

    fn traj(&self, t: Traj, day: i64) -> f64 {
        let f = self.frac(day);
        let s = SIGN_FRAC;
        match t {
            Traj::UsTroops => piecewise(f, &[(0.0, 15000.0), (s, 15000.0), (s + 0.55, 0.0)]),
            Traj::AlliedTroops => piecewise(f, &[(0.0, 9000.0), (s, 9000.0), (s + 0.45, 0.0)]),
            Traj::GovTroops => 170_000.0 + 30_000.0 * f,
            Traj::ForeignMin => self.traj(Traj::UsTroops, day).min(self.traj(Traj::AlliedTroops, day)),
            Traj::FreedTb => piecewise(f, &[(0.0, 0.0), (s, 0.0), (s + 0.15, 5000.0)]),
            Traj::FreedGov => piecewise(f, &[(0.0, 0.0), (s, 0.0), (s + 0.1, 1000.0)]),
            Traj::Incidents(p) => INCIDENT_PLACES[p].1 * multiplier(Mult::Attack, f),
        }
    }

    fn increasing(t: Traj) -> bool {
        matches!(t, Traj::GovTroops | Traj::FreedTb | Traj::FreedGov)
    }
}

// ---------------------------------------------------------------------------------------------
// Measures.

#[derive(Clone, Debug)]
enum MDef {
    Level { agg: &'static str, kind: &'static str, filter: &'static str, filter_json: Json, traj: Traj },
    Series { sum: bool, filt: Filt, window: Option<(i64, i64)> },
}

#[derive(Clone, Debug)]
struct Measure {
    id: String,
    def: MDef,
}

impl Measure {
    fn text(&self, w: &World) -> String {
        match &self.def {
            MDef::Level { agg, kind, filter, .. } => format!("{agg}({kind} where {filter})"),
            MDef::Series { sum, filt, window } => {
                let win = window.map(|(a, b)| format!(" during {} .. {}", w.date(a), w.date(b))).unwrap_or_default();
                format!("{}({}{win})", if *sum { "sum" } else { "count" }, filt.text())
            }
        }
    }

    fn json(&self, w: &World) -> Json {
        match &self.def {
            MDef::Level { agg, kind, filter_json, .. } => {
                let mut f = filter_json.clone();
                f["kind"] = json!(kind);
                json!({"id": self.id, "agg": agg, "filter": f, "window": null})
            }
            MDef::Series { sum, filt, window } => json!({
                "id": self.id,
                "agg": if *sum { "sum" } else { "count" },
                "filter": filt.json(),
                "window": window.map(|(a, b)| vec![w.date(a).to_string(), w.date(b).to_string()]),
            }),
        }
    }

    /// The value the model expects on a day.
    fn expected(&self, w: &World, day: i64) -> f64 {
        match &self.def {
            MDef::Level { traj, .. } => w.traj(*traj, day),
            MDef::Series { sum, filt, window } => match window {
                None => w.expected(filt, *sum, 0, day),
                Some((a, b)) => w.expected(filt, *sum, *a, day.min(*b)),
            },
        }
    }

    /// Whether the value tends to rise (counts, sums, rising levels).
    fn rising(&self) -> bool {
        match &self.def {
            MDef::Level { traj, .. } => World::increasing(*traj),
            MDef::Series { .. } => true,
        }
    }
}

fn level(id: &str, agg: &'static str, kind: &'static str, filter: &'static str, filter_json: Json, traj: Traj) -> Measure {
    Measure { id: id.to_string(), def: MDef::Level { agg, kind, filter, filter_json, traj } }
}

fn series(id: &str, sum: bool, filt: Filt) -> Measure {
    Measure { id: id.to_string(), def: MDef::Series { sum, filt, window: None } }
}

fn measures(w: &World) -> Vec<Measure> {
    let party = |p: &str| json!([{ "party": p }]);
    let mut m = vec![
        level(
            "troops_us",
            "latest",
            "troop_level",
            "actor = us",
            json!({"actor": party("us"), "target": null, "place": null, "not_place": false}),
            Traj::UsTroops,
        ),
        level(
            "troops_allies",
            "latest",
            "troop_level",
            "actor = allies",
            json!({"actor": party("allies"), "target": null, "place": null, "not_place": false}),
            Traj::AlliedTroops,
        ),
        level(
            "troops_gov",
            "latest",
            "troop_level",
            "actor = gov",
            json!({"actor": party("gov"), "target": null, "place": null, "not_place": false}),
            Traj::GovTroops,
        ),
        level(
            "troops_gov_max",
            "max",
            "troop_level",
            "actor = gov",
            json!({"actor": party("gov"), "target": null, "place": null, "not_place": false}),
            Traj::GovTroops,
        ),
        level(
            "troops_foreign_min",
            "min",
            "troop_level",
            "actor in [us, allies]",
            json!({"actor": [{"party": "us"}, {"party": "allies"}], "target": null, "place": null, "not_place": false}),
            Traj::ForeignMin,
        ),
        level(
            "freed_tb",
            "latest",
            "prisoners_released_total",
            "actor = gov and target = taliban",
            json!({"actor": party("gov"), "target": party("taliban"), "place": null, "not_place": false}),
            Traj::FreedTb,
        ),
        level(
            "freed_gov",
            "latest",
            "prisoners_released_total",
            "actor = taliban and target = gov",
            json!({"actor": party("taliban"), "target": party("gov"), "place": null, "not_place": false}),
            Traj::FreedGov,
        ),
    ];
    for (i, name, filter) in [
        (0usize, "incidents_kabul", "place = \"Kabul\""),
        (1, "incidents_helmand", "place = \"Helmand\""),
        (2, "incidents_kandahar", "place = \"Kandahar\""),
        (3, "incidents_kunduz", "place = \"Kunduz\""),
    ] {
        let place = PLACES[INCIDENT_PLACES[i].0].0;
        m.push(level(
            name,
            "latest",
            "incidents_per_day",
            filter,
            json!({"actor": null, "target": null, "place": [place], "not_place": false}),
            Traj::Incidents(i),
        ));
    }
    let (us, tb, gov, allies, unsc, isis, civ) = (0, 1, 2, 3, 4, 6, 7);
    m.push(series("released_tb", true, Filt::kind(K_RELEASE).actor(&[gov]).target(&[tb])));
    m.push(series("released_gov", true, Filt::kind(K_RELEASE).actor(&[tb]).target(&[gov])));
    m.push(series("released_all", true, Filt::kind(K_RELEASE)));
    m.push(series("attacks_tb", false, Filt::kind(K_ATTACK).actor(&[tb])));
    m.push(series("attacks_isis", false, Filt::kind(K_ATTACK).actor(&[isis])));
    m.push(series("attacks_gov", false, Filt::kind(K_ATTACK).actor(&[gov])));
    for (name, p) in [("kabul", 0), ("helmand", 1), ("kandahar", 2), ("herat", 4)] {
        m.push(series(&format!("attacks_tb_{name}"), false, Filt::kind(K_ATTACK).actor(&[tb]).place(&[p])));
    }
    m.push(series("attacks_on_us", false, Filt::kind(K_ATTACK).target(&[us])));
    m.push(series("attacks_on_civilians", false, Filt::kind(K_ATTACK).target(&[civ])));
    m.push(series("attacks_south", false, Filt::kind(K_ATTACK).place(&[1, 2])));
    let mut outside = Filt::kind(K_ATTACK).actor(&[tb]).place(&[0]);
    outside.not_place = true;
    m.push(series("attacks_tb_outside_kabul", false, outside));
    m.push(series("strikes_us", false, Filt::kind(K_AIRSTRIKE).actor(&[us])));
    m.push(series("strikes_us_kunduz", false, Filt::kind(K_AIRSTRIKE).actor(&[us]).place(&[3])));
    m.push(series("bases_us", true, Filt::kind(K_BASES).actor(&[us])));
    m.push(series("bases_allies", true, Filt::kind(K_BASES).actor(&[allies])));
    m.push(series("delisted", true, Filt::kind(K_SANCTIONS).actor(&[unsc]).target(&[tb])));
    m.push(series("talks", false, Filt::kind(K_TALKS).actor(&[tb]).target(&[gov])));
    m.push(series("statements_tb", false, Filt::kind(K_STATEMENT).actor(&[tb])));
    m.push(series("decisions_gov", false, Filt::kind(K_DECISION).actor(&[gov])));
    let year = (w.n_days as i64 / 10).max(30);
    for y in 0..3 {
        let a = w.signing_day + y * year;
        m.push(Measure {
            id: format!("attacks_kabul_period{}", y + 1),
            def: MDef::Series { sum: false, filt: Filt::kind(K_ATTACK).place(&[0]), window: Some((a, a + year - 1)) },
        });
    }
    let a = w.signing_day;
    m.push(Measure {
        id: "strikes_first_period".into(),
        def: MDef::Series { sum: false, filt: Filt::kind(K_AIRSTRIKE), window: Some((a, a + year - 1)) },
    });
    m
}

// ---------------------------------------------------------------------------------------------
// Provisions.

#[derive(Clone, Copy, Debug)]
enum Unit {
    Days,
    Weeks,
    Months,
}

impl Unit {
    fn name(self, n: i64) -> &'static str {
        match (self, n == 1) {
            (Unit::Days, true) => "day",
            (Unit::Days, false) => "days",
            (Unit::Weeks, true) => "week",
            (Unit::Weeks, false) => "weeks",
            (Unit::Months, true) => "month",
            (Unit::Months, false) => "months",
        }
    }
    fn days(self, n: i64) -> i64 {
        match self {
            Unit::Days => n,
            Unit::Weeks => 7 * n,
            Unit::Months => (n as f64 * 30.44).round() as i64,
        }
    }
    /// A duration of about `days` days in this unit (at least one).
    fn of_days(self, days: i64) -> i64 {
        match self {
            Unit::Days => days.max(1),
            Unit::Weeks => (days / 7).max(1),
            Unit::Months => ((days as f64 / 30.44).round() as i64).max(1),
        }
    }
}

#[derive(Clone, Debug)]
enum T {
    Date(i64),
    Signing,
    First(Filt),
    Met(usize),
    Due(usize),
    After(i64, Unit, Box<T>),
    Before(i64, Unit, Box<T>),
}

impl T {
    fn text(&self, w: &World) -> String {
        match self {
            T::Date(d) => w.date(*d).to_string(),
            T::Signing => "signing".into(),
            T::First(f) => format!("first({})", f.text()),
            T::Met(j) => format!("met(p{j})"),
            T::Due(j) => format!("due(p{j})"),
            T::After(n, u, b) => format!("{n} {} after {}", u.name(*n), b.text(w)),
            T::Before(n, u, b) => format!("{n} {} before {}", u.name(*n), b.text(w)),
        }
    }

    fn json(&self, w: &World) -> Json {
        let unit = |u: &Unit| match u {
            Unit::Days => "days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
        };
        match self {
            T::Date(d) => json!({"date": w.date(*d).to_string()}),
            T::Signing => json!({"date": w.date(w.signing_day).to_string(), "signing": true}),
            T::First(f) => json!({"first": f.json()}),
            T::Met(j) => json!({"met": format!("p{j}")}),
            T::Due(j) => json!({"due": format!("p{j}")}),
            T::After(n, u, b) => json!({"offset": {"amount": n, "unit": unit(u), "direction": "after", "base": b.json(w)}}),
            T::Before(n, u, b) => json!({"offset": {"amount": n, "unit": unit(u), "direction": "before", "base": b.json(w)}}),
        }
    }

    /// A guess at the day this time stands for, for drawing thresholds.
    fn guess(&self, w: &World, dues: &[Option<i64>]) -> i64 {
        match self {
            T::Date(d) => *d,
            T::Signing => w.signing_day,
            T::First(_) => w.signing_day + w.n_days as i64 / 20,
            T::Met(j) | T::Due(j) => dues.get(*j).copied().flatten().unwrap_or(w.signing_day + w.n_days as i64 / 4),
            T::After(n, u, b) => b.guess(w, dues) + u.days(*n),
            T::Before(n, u, b) => b.guess(w, dues) - u.days(*n),
        }
    }
}

enum Deadline {
    By(T),
    Within(i64, Unit, T),
}

impl Deadline {
    fn text(&self, w: &World) -> String {
        match self {
            Deadline::By(t) => format!("by {}", t.text(w)),
            Deadline::Within(n, u, t) => format!("within {n} {} of {}", u.name(*n), t.text(w)),
        }
    }
    fn time(&self) -> T {
        match self {
            Deadline::By(t) => t.clone(),
            Deadline::Within(n, u, t) => T::After(*n, *u, Box::new(t.clone())),
        }
    }
}

struct Gen<'a> {
    w: &'a World,
    r: Rng,
    measures: Vec<Measure>,
    /// Guessed due day of each provision generated so far.
    dues: Vec<Option<i64>>,
    /// Which provisions have a deadline (so `due(p)` is defined).
    has_deadline: Vec<bool>,
}

fn num(v: f64) -> String {
    format!("{}", v.round() as i64)
}

impl Gen<'_> {
    fn unit(&mut self) -> Unit {
        self.r.pick(&[Unit::Days, Unit::Weeks, Unit::Months])
    }

    fn any_day(&mut self) -> i64 {
        let w = self.w;
        self.r.range(w.signing_day - w.n_days as i64 / 20, w.last_day() + w.n_days as i64 / 10)
    }

    fn earlier(&mut self, i: usize) -> Option<usize> {
        if i == 0 {
            return None;
        }
        Some(self.r.range(i.saturating_sub(50) as i64, i as i64 - 1) as usize)
    }

    fn earlier_with_deadline(&mut self, i: usize) -> Option<usize> {
        for _ in 0..8 {
            let j = self.earlier(i)?;
            if self.has_deadline[j] {
                return Some(j);
            }
        }
        None
    }

    /// A filter over `kinds` whose expected number of rows in `a..=b` is near `want`.
    fn pick_filter(&mut self, kinds: &[usize], a: i64, b: i64, want: f64, sum: bool) -> Filt {
        let mut best: Option<(f64, Filt)> = None;
        for _ in 0..200 {
            let mut f = Filt::kind(self.r.pick(kinds));
            let pick_atoms = |r: &mut Rng, p_none: f64, p_pair: f64| -> Option<Vec<usize>> {
                let x = r.unit();
                if x < p_none {
                    None
                } else if x < p_none + p_pair {
                    let a = r.below(ATOMS.len() as u64) as usize;
                    let mut b = r.below(ATOMS.len() as u64) as usize;
                    if b == a {
                        b = (a + 1) % ATOMS.len();
                    }
                    Some(vec![a, b])
                } else {
                    Some(vec![r.below(ATOMS.len() as u64) as usize])
                }
            };
            f.actor = pick_atoms(&mut self.r, 0.3, 0.1);
            f.target = pick_atoms(&mut self.r, 0.4, 0.05);
            let x = self.r.unit();
            if x < 0.4 {
                f.place = None;
            } else if x < 0.9 {
                f.place = Some(vec![self.r.below(N_PLACES as u64) as usize]);
            } else if x < 0.95 {
                let p = self.r.below(N_PLACES as u64 - 1) as usize;
                f.place = Some(vec![p, p + 1]);
            } else {
                f.place = Some(vec![self.r.below(N_PLACES as u64) as usize]);
                f.not_place = true;
            }
            let e = self.w.expected(&f, sum, a, b).max(1e-9);
            let score = (e.ln() - want.ln()).abs();
            if best.as_ref().is_none_or(|(s, _)| score < *s) {
                best = Some((score, f));
            }
        }
        best.map(|(_, f)| f).unwrap_or_else(|| Filt::kind(kinds[0]))
    }

    fn deadline(&mut self, i: usize) -> (Deadline, i64) {
        let w = self.w;
        let x = self.r.below(100);
        let d = if x < 40 {
            Deadline::By(T::Date(self.any_day()))
        } else if x < 75 {
            let u = self.unit();
            let days = self.r.range(14, w.n_days as i64 * 7 / 10);
            Deadline::Within(u.of_days(days), u, T::Signing)
        } else if x < 83 {
            let u = self.unit();
            let days = self.r.range(14, w.n_days as i64 / 3);
            let f = self.pick_filter(&[K_TALKS, K_DECISION, K_SUSPENDED], w.signing_day, w.last_day(), 3.0, false);
            Deadline::Within(u.of_days(days), u, T::First(f))
        } else if let Some(j) = self.earlier(i).filter(|_| x < 91) {
            let u = self.unit();
            let days = self.r.range(7, w.n_days as i64 / 5);
            Deadline::By(T::After(u.of_days(days), u, Box::new(T::Met(j))))
        } else if let Some(j) = self.earlier_with_deadline(i) {
            if self.r.chance(0.5) {
                Deadline::By(T::Due(j))
            } else if self.r.chance(0.8) {
                let u = self.unit();
                Deadline::Within(u.of_days(self.r.range(7, 180)), u, T::Due(j))
            } else {
                Deadline::By(T::Before(self.r.range(1, 4), Unit::Weeks, Box::new(T::Due(j))))
            }
        } else {
            Deadline::By(T::Date(self.any_day()))
        };
        let day = d.time().guess(w, &self.dues);
        (d, day)
    }

    fn cmp_for(&mut self, m: &Measure) -> &'static str {
        if m.rising() {
            self.r.pick(&[">=", ">=", "at least", ">"])
        } else {
            self.r.pick(&["<=", "<=", "at most", "<"])
        }
    }

    fn measure_of(&mut self, pred: impl Fn(&Measure) -> bool) -> usize {
        let idx: Vec<usize> = (0..self.measures.len()).filter(|i| pred(&self.measures[*i])).collect();
        self.r.pick(&idx)
    }

    /// `achieve MEASURE CMP VALUE DEADLINE`, the value drawn from the model near the deadline.
    fn achieve(&mut self, i: usize, pred: impl Fn(&Measure) -> bool, deadline: bool) -> (String, Json, Option<i64>) {
        let w = self.w;
        let mi = self.measure_of(pred);
        let m = self.measures[mi].clone();
        let (dl, day) = if deadline {
            let (d, day) = self.deadline(i);
            (Some(d), day)
        } else {
            (None, self.r.range(w.signing_day, w.last_day()))
        };
        let jitter = self.r.range(-(w.n_days as i64) / 10, w.n_days as i64 / 10);
        let mut v = m.expected(w, day + jitter);
        let mut cmp = self.cmp_for(&m);
        if m.rising() {
            v = v.max(1.0);
        }
        if matches!(&m.def, MDef::Level { traj: Traj::UsTroops | Traj::AlliedTroops, .. }) && v < 50.0 {
            cmp = "==";
            v = 0.0;
        }
        if matches!(&m.def, MDef::Level { traj: Traj::FreedTb | Traj::FreedGov, .. }) && self.r.chance(0.3) {
            cmp = "up to";
        }
        let mut text = format!("achieve {} {cmp} {}", m.id, num(v));
        if let Some(d) = &dl {
            text.push(' ');
            text.push_str(&d.text(w));
        }
        let j = json!({
            "type": "achieve", "measure": m.id, "cmp": cmp, "value": v.round(),
            "deadline": dl.as_ref().map(|d| d.time().json(w)), "then": null,
        });
        (text, j, dl.map(|_| day))
    }

    fn instalments(&mut self) -> (String, Json, Option<i64>) {
        let w = self.w;
        let mi = self.measure_of(|m| {
            matches!(m.def, MDef::Level { traj: Traj::FreedTb | Traj::FreedGov, .. })
                || matches!(&m.def, MDef::Series { sum: true, window: None, filt } if filt.kind == K_RELEASE)
        });
        let m = self.measures[mi].clone();
        let first = self.r.range(10, (w.n_days as i64 / 20).max(11));
        let first_day = w.signing_day + first;
        let (cap, full_day) = match &m.def {
            MDef::Level { traj: Traj::FreedTb, .. } => (5000.0, w.signing_day + (0.15 * w.n_days as f64) as i64),
            MDef::Level { .. } => (1000.0, w.signing_day + (0.1 * w.n_days as f64) as i64),
            _ => {
                let d = first_day + self.r.range(30, w.n_days as i64 / 3);
                (m.expected(w, d).max(10.0), d)
            }
        };
        let round = |v: f64| if cap >= 1000.0 { (v / 50.0).round() * 50.0 } else { v.round() };
        let base = round(m.expected(w, first_day) * self.r.uniform(0.5, 1.5)).max(1.0).min(cap - 1.0);
        let steps = self.r.range(3, 10);
        let step = round(((cap - base) / steps as f64).max(1.0)).max(1.0);
        let span_days = ((full_day - first_day) as f64 * self.r.uniform(0.6, 1.4)).max(steps as f64) as i64;
        let unit = self.r.pick(&[Unit::Days, Unit::Weeks]);
        let every = unit.of_days(span_days / steps);
        let text = format!(
            "achieve {} >= {} within {first} days of signing then +{} every {every} {} up to {}",
            m.id,
            num(base),
            num(step),
            unit.name(every),
            num(cap)
        );
        let dl = T::After(first, Unit::Days, Box::new(T::Signing));
        let j = json!({
            "type": "achieve", "measure": m.id, "cmp": ">=", "value": base, "deadline": dl.json(w),
            "then": {"step": step, "every": {"amount": every, "unit": match unit { Unit::Days => "days", _ => "weeks" }}, "cap": cap},
        });
        (text, j, Some(first_day))
    }

    fn perform(&mut self, i: usize) -> (String, Json, Option<i64>) {
        let w = self.w;
        let all: Vec<usize> = (0..BULK.len()).collect();
        let (dl, day) = if self.r.chance(0.15) {
            (None, w.last_day())
        } else {
            let (d, day) = self.deadline(i);
            (Some(d), day)
        };
        let want = self.r.log_uniform(0.05, 20.0);
        let f = self.pick_filter(&all, w.signing_day, day.max(w.signing_day + 1), want, false);
        let mut text = format!("perform {}", f.text());
        if let Some(d) = &dl {
            text.push(' ');
            text.push_str(&d.text(w));
        }
        let j = json!({"type": "perform", "filter": f.json(), "deadline": dl.as_ref().map(|d| d.time().json(w))});
        (text, j, dl.map(|_| day))
    }

    fn period(&mut self) -> (T, Option<T>, i64, i64) {
        let w = self.w;
        let from = match self.r.below(3) {
            0 => T::Signing,
            1 => T::Date(self.r.range(w.signing_day, w.last_day())),
            _ => T::After(self.r.range(1, 24), Unit::Months, Box::new(T::Signing)),
        };
        let a = from.guess(w, &self.dues);
        let until = if self.r.chance(0.6) { Some(T::Date(a + self.r.range(30, w.n_days as i64 / 2))) } else { None };
        let b = until.as_ref().map_or(w.last_day(), |t| t.guess(w, &self.dues));
        (from, until, a, b)
    }

    fn forbid(&mut self) -> (String, Json, Option<i64>) {
        let w = self.w;
        let (from, until, a, b) = self.period();
        let want = self.r.log_uniform(0.02, 20.0);
        let f = self.pick_filter(&[K_ATTACK, K_AIRSTRIKE, K_TIES, K_SUSPENDED], a, b.min(w.last_day()), want, false);
        let mut text = format!("forbid {} from {}", f.text(), from.text(w));
        if let Some(u) = &until {
            text.push_str(&format!(" until {}", u.text(w)));
        }
        let j = json!({"type": "forbid", "filter": f.json(), "from": from.json(w), "until": until.as_ref().map(|t| t.json(w))});
        (text, j, until.map(|_| b))
    }

    fn maintain(&mut self) -> (String, Json, Option<i64>) {
        let w = self.w;
        let mi = self.measure_of(|m| match &m.def {
            MDef::Level { .. } => true,
            MDef::Series { window, .. } => window.is_none(),
        });
        let m = self.measures[mi].clone();
        let (from, until, a, b) = self.period();
        let b2 = b.min(w.last_day());
        let samples: Vec<f64> = (0..=8).map(|k| m.expected(w, a + (b2 - a).max(0) * k / 8)).collect();
        let (cmp, v) = match &m.def {
            MDef::Series { .. } => ("<=", m.expected(w, b2) * self.r.uniform(0.8, 1.3)),
            MDef::Level { .. } if m.rising() => (">=", samples.iter().copied().fold(f64::INFINITY, f64::min) * self.r.uniform(0.88, 1.02)),
            MDef::Level { .. } => ("<=", samples.iter().copied().fold(0.0, f64::max) * self.r.uniform(0.97, 1.15)),
        };
        let mut text = format!("maintain {} {cmp} {} from {}", m.id, num(v.max(1.0)), from.text(w));
        if let Some(u) = &until {
            text.push_str(&format!(" until {}", u.text(w)));
        }
        let j = json!({"type": "maintain", "measure": m.id, "cmp": cmp, "value": v.max(1.0).round(),
            "from": from.json(w), "until": until.as_ref().map(|t| t.json(w))});
        (text, j, until.map(|_| b))
    }

    fn reduce(&mut self) -> (String, Json, Option<i64>) {
        let w = self.w;
        let mi = self
            .measure_of(|m| matches!(&m.def, MDef::Series { window: None, filt, .. } if filt.kind == K_ATTACK || filt.kind == K_AIRSTRIKE));
        let m = self.measures[mi].clone();
        let n = w.n_days as i64;
        let a = w.signing_day + self.r.range(0, n * 6 / 10);
        let b = a + self.r.range(30, (n / 5).max(31));
        let (c, e) = if self.r.chance(0.7) {
            let len = self.r.range(30, (n / 5).max(31)).min(w.signing_day.max(1));
            (w.signing_day - len, w.signing_day - 1)
        } else {
            let c = w.signing_day + self.r.range(0, n / 4);
            (c, c + self.r.range(30, (n / 5).max(31)))
        };
        let rate = |x: i64, y: i64| m.expected(w, y) - m.expected(w, x - 1);
        let (rd, rb) = (rate(a, b) / (b - a + 1) as f64, rate(c, e) / (e - c + 1) as f64);
        let red = if rb > 0.0 { 100.0 * (1.0 - rd / rb) } else { 0.0 };
        let pct = if red <= 0.0 { self.r.range(0, 30) } else { (red + self.r.uniform(-15.0, 15.0)).round().clamp(0.0, 100.0) as i64 };
        let text =
            format!("reduce {} by at least {pct}% during {} .. {} against {} .. {}", m.id, w.date(a), w.date(b), w.date(c), w.date(e));
        let d = |x: i64| json!({"date": w.date(x).to_string()});
        let j = json!({"type": "reduce", "measure": m.id, "percent": pct, "during": [d(a), d(b)], "against": [d(c), d(e)]});
        (text, j, Some(b))
    }

    fn provision(&mut self, i: usize, out: &mut String) -> Json {
        let w = self.w;
        let obligor = self.r.pick(&["us", "us", "taliban", "taliban", "gov"]);
        let _ = writeln!(out, "  provision p{i} \"Synthetic provision {i}\" cites \"Art. {}.{}\" {{", i / 10 + 1, i % 10 + 1);
        if self.r.chance(0.05) {
            let _ = writeln!(out, "    text \"The parties shall carry out commitment number {i} as set out in the schedule.\"");
        }
        let _ = writeln!(out, "    obligor {obligor}");
        if self.r.chance(0.3) {
            let _ = writeln!(out, "    beneficiary {}", if obligor == "taliban" { "us" } else { "taliban" });
        }
        let mut pj = json!({"id": format!("p{i}"), "obligor": obligor});
        if self.r.chance(0.02) {
            let _ = writeln!(out, "    unmonitorable \"synthetic: no kind of evidence records this commitment\"\n  }}");
            pj["unmonitorable"] = json!(true);
            self.dues.push(None);
            self.has_deadline.push(false);
            return pj;
        }
        let x = self.r.below(100);
        let (duty, dj, due) = match x {
            0..=13 => self.achieve(i, |m| matches!(m.def, MDef::Level { .. }), true),
            14..=29 => self.achieve(i, |m| matches!(&m.def, MDef::Series { window: None, .. }), true),
            30..=32 => self.achieve(i, |m| matches!(&m.def, MDef::Series { window: Some(_), .. }), true),
            33..=34 => self.achieve(i, |m| matches!(&m.def, MDef::Series { .. }), false),
            35..=41 => self.instalments(),
            42..=56 => self.perform(i),
            57..=69 => self.forbid(),
            70..=81 => self.maintain(),
            82..=87 => self.reduce(),
            _ => self.achieve(i, |_| true, true),
        };
        let _ = writeln!(out, "    {duty}");
        pj["duty"] = dj;
        if let Some(j) = self.earlier(i).filter(|_| self.r.chance(0.08)) {
            let _ = writeln!(out, "    trigger met(p{j})");
            pj["trigger"] = T::Met(j).json(w);
        } else if self.r.chance(0.05) {
            let want = self.r.log_uniform(0.3, 30.0);
            let f = self.pick_filter(&[K_TALKS, K_DECISION, K_SUSPENDED], w.signing_day, w.last_day(), want, false);
            let t = T::First(f);
            let _ = writeln!(out, "    trigger {}", t.text(w));
            pj["trigger"] = t.json(w);
        } else if self.r.chance(0.02) {
            let t = T::After(self.r.range(1, 36), Unit::Months, Box::new(T::Signing));
            let _ = writeln!(out, "    trigger {}", t.text(w));
            pj["trigger"] = t.json(w);
        }
        if let Some(j) = self.earlier(i).filter(|_| self.r.chance(0.1)) {
            let _ = writeln!(out, "    provided not breached(p{j})");
            pj["provided"] = json!({"not_breached": format!("p{j}")});
        } else if self.r.chance(0.03) {
            let mi = self.r.below(self.measures.len() as u64) as usize;
            let m = self.measures[mi].clone();
            let cmp = self.cmp_for(&m);
            let v = m.expected(w, self.r.range(w.signing_day, w.last_day())).max(1.0);
            if let Some(j) = self.earlier(i).filter(|_| self.r.chance(0.5)) {
                let _ = writeln!(out, "    provided met(p{j}) or {} {cmp} {}", m.id, num(v));
                pj["provided"] = json!({"or": [{"met": format!("p{j}")}, {"measure": m.id, "cmp": cmp, "value": v.round()}]});
            } else {
                let _ = writeln!(out, "    provided {} {cmp} {}", m.id, num(v));
                pj["provided"] = json!({"measure": m.id, "cmp": cmp, "value": v.round()});
            }
        }
        if i > 0 && self.r.chance(0.02) {
            let k = self.r.below(i as u64) as usize;
            let (on, action) = self.r.pick(&[("breach", "suspend"), ("breach", "terminate"), ("met", "resume"), ("met", "terminate")]);
            let _ = writeln!(out, "    on {on} {action} p{k}");
            pj["consequences"] = json!([{"on": on, "action": action, "target": format!("p{k}")}]);
        }
        out.push_str("  }\n");
        self.dues.push(due);
        self.has_deadline.push(due.is_some());
        pj
    }
}

/// The agreement text and its structured description.
fn agreement(cfg: &Config, w: &World) -> (String, Json) {
    let mut g = Gen {
        w,
        r: Rng::new(cfg.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA5A5),
        measures: measures(w),
        dues: vec![],
        has_deadline: vec![],
    };
    let mut s = String::new();
    let _ = writeln!(s, "// Synthetic agreement for benchmarks: {} provisions, seed {}.", cfg.provisions, cfg.seed);
    let _ = writeln!(s, "// Generated by pactum-gen; the names and numbers mean nothing.\n");
    s.push_str("agreement synthetic \"Synthetic agreement for benchmarking\" {\n");
    let _ = writeln!(s, "  signed {} at \"Nowhere\"", w.date(w.signing_day));
    s.push_str("  source \"pactum-gen\"\n\n");
    s.push_str("  party us \"United States of America\" signatory aka \"United States\", \"USA\", \"US\"\n");
    s.push_str("  party taliban \"Islamic Emirate of Afghanistan (the Taliban)\" signatory aka \"Taliban\", \"Taleban\"\n");
    s.push_str("  party gov \"Islamic Republic of Afghanistan\" not signatory aka \"Afghan government\"\n");
    s.push_str("  party allies \"US allies and the Coalition\" third party aka \"NATO\", \"Coalition\"\n");
    s.push_str("  party unsc \"UN Security Council\" third party\n");
    s.push_str("  party qatar \"State of Qatar\" witness\n\n");
    let mut mj = Vec::new();
    for m in &g.measures {
        let _ = writeln!(s, "  measure {} = {}", m.id, m.text(w));
        mj.push(m.json(w));
    }
    let mut pj = Vec::new();
    for i in 0..cfg.provisions {
        s.push('\n');
        pj.push(g.provision(i, &mut s));
    }
    s.push_str("}\n");
    let parties = json!([
        {"id": "us", "name": "United States of America", "aliases": ["United States", "USA", "US"]},
        {"id": "taliban", "name": "Islamic Emirate of Afghanistan (the Taliban)", "aliases": ["Taliban", "Taleban"]},
        {"id": "gov", "name": "Islamic Republic of Afghanistan", "aliases": ["Afghan government"]},
        {"id": "allies", "name": "US allies and the Coalition", "aliases": ["NATO", "Coalition"]},
        {"id": "unsc", "name": "UN Security Council", "aliases": []},
        {"id": "qatar", "name": "State of Qatar", "aliases": []},
    ]);
    let spec = json!({
        "signing": w.date(w.signing_day).to_string(),
        "first_day": w.date(0).to_string(),
        "as_of": w.date(w.last_day()).to_string(),
        "parties": parties,
        "measures": mj,
        "provisions": pj,
    });
    (s, spec)
}

// ---------------------------------------------------------------------------------------------
// Evidence rows.

/// Counts of what the rows contain.
#[derive(Default, Clone, Debug)]
struct Counts {
    rows: u64,
    denials: u64,
    month_dates: u64,
    ranged_dates: u64,
    ranged_quantities: u64,
}

struct Rows<'a, W: Write> {
    w: &'a World,
    out: W,
    r: Rng,
    line: String,
    days: &'a [String],
    next_id: u64,
    /// Ids of the latest level readings, for denials that contest a level.
    recent_levels: Vec<u64>,
    /// Level readings of the current day: (kind, actor text, quantity), for conflicting reports.
    today_levels: Vec<(&'static str, &'static str, &'static str, f64)>,
    counts: Counts,
}

impl<W: Write> Rows<'_, W> {
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        date: &str,
        kind: &str,
        actor: &str,
        target: &str,
        quantity: &str,
        place: &str,
        rel_ref: Option<u64>,
        src_day: i64,
        note: &str,
    ) -> io::Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let outlet = OUTLETS[(self.r.next_u64() % OUTLETS.len() as u64) as usize];
        let l = &mut self.line;
        l.clear();
        let _ = write!(l, "e{id},{date},{kind},{actor},{target},{quantity},{place},");
        match rel_ref {
            Some(t) => {
                let _ = write!(l, "denies,e{t},");
            }
            None => l.push_str(",,"),
        }
        let sd = src_day.clamp(0, self.days.len() as i64 - 1) as usize;
        l.push_str(outlet);
        l.push(',');
        if id % 50 == 7 {
            l.push_str(&self.days[sd][..7]);
        } else {
            l.push_str(&self.days[sd]);
        }
        if id % 5 == 3 {
            let _ = write!(l, ",,https://news.example/{id},");
        } else {
            let _ = write!(l, ",{kind} report,,");
        }
        if !note.is_empty() {
            let _ = write!(l, "\"{note}\"");
        }
        l.push('\n');
        self.out.write_all(l.as_bytes())?;
        self.counts.rows += 1;
        Ok(id)
    }

    fn levels(&mut self, day: usize) -> io::Result<()> {
        let w = self.w;
        let di = day as i64;
        self.today_levels.clear();
        for (a, traj, names) in [
            (0usize, Traj::UsTroops, &["us", "US", "United States"][..]),
            (1, Traj::AlliedTroops, &["allies", "NATO"][..]),
            (2, Traj::GovTroops, &["gov", "Afghan government"][..]),
        ] {
            if !(day + a).is_multiple_of(w.troop_every) {
                continue;
            }
            let v = w.traj(traj, di);
            let noisy = if v > 0.0 { (v * (1.0 + self.r.uniform(-0.015, 0.015))).round().max(0.0) } else { 0.0 };
            let actor = names[(self.r.next_u64() % names.len() as u64) as usize];
            let (q, ranged) = if noisy > 500.0 && self.r.chance(0.08) {
                (format!("{}..{}", noisy - 100.0, noisy + 100.0), true)
            } else {
                (format!("{noisy}"), false)
            };
            self.counts.ranged_quantities += u64::from(ranged);
            let days = self.days;
            let src = di + self.r.range(0, 2);
            let id = self.row(&days[day], "troop_level", actor, "", &q, "", None, src, "")?;
            self.remember_level(id);
            self.today_levels.push(("troop_level", actor, "", noisy));
        }
        if di >= w.signing_day {
            for (s, traj, actor, target) in [(0usize, Traj::FreedTb, "gov", "taliban"), (1, Traj::FreedGov, "Taleban", "gov")] {
                if !(day + 3 + s).is_multiple_of(w.prisoners_every) {
                    continue;
                }
                let v = w.traj(traj, di).round();
                let q = if v >= 100.0 && self.r.chance(0.1) {
                    self.counts.ranged_quantities += 1;
                    format!("{}..{v}", v - 50.0)
                } else {
                    format!("{v}")
                };
                let days = self.days;
                let id = self.row(&days[day], "prisoners_released_total", actor, target, &q, "", None, di + 1, "")?;
                self.remember_level(id);
                self.today_levels.push(("prisoners_released_total", actor, target, v));
            }
        }
        if day >= w.incidents_every {
            for (p, (place, _)) in INCIDENT_PLACES.iter().enumerate() {
                if !(day + p).is_multiple_of(w.incidents_every) {
                    continue;
                }
                let v = w.traj(Traj::Incidents(p), di) * self.r.uniform(0.9, 1.1);
                let date = format!("{}..{}", self.days[day + 1 - w.incidents_every], self.days[day]);
                self.counts.ranged_dates += 1;
                let id = self.row(&date, "incidents_per_day", "", "", &format!("{:.1}", v), PLACES[*place].0, None, di + 2, "")?;
                self.remember_level(id);
            }
        }
        Ok(())
    }

    fn remember_level(&mut self, id: u64) {
        if self.recent_levels.len() == 32 {
            self.recent_levels.remove(0);
        }
        self.recent_levels.push(id);
    }

    fn bulk(&mut self, day: usize, kind_cum: &[f64], actor_cum: &[f64], target_cum: &[f64], place_cum: &[f64]) -> io::Result<()> {
        let di = day as i64;
        let x = self.r.unit();
        if x < 0.001 && self.next_id > 0 {
            // A denial of an earlier report: often a recent level reading, else any row.
            let target = if self.r.chance(0.5) && !self.recent_levels.is_empty() {
                self.recent_levels[(self.r.next_u64() % self.recent_levels.len() as u64) as usize]
            } else {
                self.r.below(self.next_id)
            };
            let actor = ACTORS[self.r.weighted(actor_cum)].0;
            let days = self.days;
            self.row(&days[day], "statement", actor, "", "", "", Some(target), di + 1, "denies the earlier report, see ref")?;
            self.counts.denials += 1;
            return Ok(());
        }
        if x < 0.0013 && !self.today_levels.is_empty() {
            // Two sources, one day, figures that cannot both be true.
            let (kind, actor, target, v) = self.today_levels[0];
            let days = self.days;
            let q = format!("{}", (v * 1.3 + 100.0).round());
            self.row(&days[day], kind, actor, target, &q, "", None, di + 1, "")?;
            return Ok(());
        }
        let k = self.r.weighted(kind_cum);
        let (kind, _, _, qty) = BULK[k];
        let actor = ACTORS[self.r.weighted(actor_cum)].0;
        let target = TARGETS[self.r.weighted(target_cum)].0;
        let mut place = PLACES[self.r.weighted(place_cum)].0;
        let upper;
        if !place.is_empty() && self.r.chance(0.01) {
            upper = place.to_uppercase();
            place = &upper;
        }
        let days = self.days;
        let ranged_text;
        let y = self.r.unit();
        let (date, src): (&str, i64) = if y < 0.96 || day < 10 {
            (&days[day], di + self.r.range(0, 3))
        } else if y < 0.98 {
            self.counts.month_dates += 1;
            let month = &days[day][..7];
            let (yy, mm, _) = self.w.date(di).ymd();
            let last = Date::month_bounds(yy, mm).map_or(di, |(_, l)| self.w.start.days_until(l));
            (month, last + 1)
        } else {
            self.counts.ranged_dates += 1;
            let k = self.r.range(1, 10);
            ranged_text = format!("{}..{}", days[day - k as usize], days[day]);
            (&ranged_text, di + 1)
        };
        let mut ranged = false;
        let q = match qty {
            Qty::None => String::new(),
            Qty::Attack | Qty::Strike => {
                let z = self.r.unit();
                let empty = if qty == Qty::Attack { 0.8 } else { 0.7 };
                if z < empty {
                    String::new()
                } else if qty == Qty::Attack && z > 0.95 {
                    ranged = true;
                    "2..4".into()
                } else {
                    format!("{}", self.r.range(1, if qty == Qty::Attack { 5 } else { 3 }))
                }
            }
            Qty::Release => {
                if self.r.chance(0.1) {
                    ranged = true;
                    let lo = self.r.range(10, 150);
                    format!("{lo}..{}", lo + 30)
                } else {
                    format!("{}", self.r.range(10, 200))
                }
            }
            Qty::Bases => format!("{}", self.r.range(1, 2)),
            Qty::Sanctions => format!("{}", self.r.range(1, 20)),
        };
        self.counts.ranged_quantities += u64::from(ranged);
        let note = if self.r.chance(0.01) { "figures as reported, not confirmed" } else { "" };
        let note = if !note.is_empty() && self.r.chance(0.5) { "approximate, per local officials" } else { note };
        self.row(date, kind, actor, target, &q, place, None, src, note)?;
        Ok(())
    }
}

fn cumulative(ws: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    ws.map(|w| {
        acc += w;
        acc
    })
    .collect()
}

/// Writes the evidence CSV to `out`.
fn evidence<W: Write>(cfg: &Config, w: &World, out: W) -> io::Result<Counts> {
    let days: Vec<String> = (0..w.n_days as i64).map(|d| w.date(d).to_string()).collect();
    let mut rows = Rows {
        w,
        out,
        r: Rng::new(cfg.seed ^ 0x5DEE_CE66_D1CE_4E5B),
        line: String::with_capacity(256),
        days: &days,
        next_id: 0,
        recent_levels: Vec::new(),
        today_levels: Vec::new(),
        counts: Counts::default(),
    };
    rows.out.write_all(pactum_evidence::COLUMNS.join(",").as_bytes())?;
    rows.out.write_all(b"\n")?;
    let actor_cum = cumulative(ACTORS.iter().map(|x| x.2));
    let target_cum = cumulative(TARGETS.iter().map(|x| x.2));
    let place_cum = cumulative(PLACES.iter().map(|x| x.1));
    for day in 0..w.n_days {
        rows.levels(day)?;
        let kind_cum = cumulative(w.day_weights(day).into_iter());
        for _ in 0..w.bulk_per_day[day] {
            rows.bulk(day, &kind_cum, &actor_cum, &target_cum, &place_cum)?;
        }
    }
    rows.out.flush()?;
    Ok(rows.counts)
}

/// The agreement text and `spec.json` for a configuration (no evidence).
pub fn agreement_text(cfg: &Config) -> (String, Json) {
    let w = World::new(cfg);
    agreement(cfg, &w)
}

/// Writes `agreement.pactum`, `evidence.csv` and `spec.json` into `dir`.
pub fn generate(cfg: &Config, dir: &Path) -> io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    let w = World::new(cfg);
    let (text, spec) = agreement(cfg, &w);
    std::fs::write(dir.join("agreement.pactum"), &text)?;
    let file = std::fs::File::create(dir.join("evidence.csv"))?;
    let counts = evidence(cfg, &w, io::BufWriter::with_capacity(1 << 20, file))?;
    let mut spec = spec;
    spec["evidence_rows"] = json!(counts.rows);
    spec["seed"] = json!(cfg.seed);
    std::fs::write(dir.join("spec.json"), serde_json::to_string_pretty(&spec).map_err(io::Error::other)?)?;
    Ok(Summary {
        agreement_text: text,
        rows: counts.rows,
        denials: counts.denials,
        month_dates: counts.month_dates,
        ranged_dates: counts.ranged_dates,
        ranged_quantities: counts.ranged_quantities,
        first_day: w.date(0),
        last_day: w.date(w.last_day()),
        signing: w.date(w.signing_day),
    })
}
