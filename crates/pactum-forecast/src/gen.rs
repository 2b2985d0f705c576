//! Random cases for tests and benchmarks: agreement text and evidence rows built from a seed
//! (the engine's property-test generator, with the same shapes). Not part of the API.

use pactum_base::{Date, DateRange, Quantity};
use pactum_evidence::{Item, Origin, Relation, Source};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

pub const BASE: &str = "2020-01-01";
pub const SPAN: i64 = 300;

pub fn base() -> Date {
    Date::parse(BASE).unwrap_or(Date::MIN)
}

fn date(r: &mut Rng) -> String {
    base().add_days(r.below(SPAN as u64) as i64).to_string()
}

const MEASURES: &[(&str, &str)] = &[
    ("lvl", "latest(troop_level where actor = us)"),
    ("cnt", "count(attack where actor = tb)"),
    ("cnt_all", "count(attack)"),
    ("sum", "sum(prisoner_release where actor = gv and target = tb)"),
    ("hi", "max(troop_level)"),
    ("lo", "min(troop_level where actor in [us, gv])"),
    ("total", "latest(prisoners_released_total where actor = gv)"),
    ("win", "count(attack where place = \"Helmand\" during 2020-03-01 .. 2020-06-30)"),
];

fn time(r: &mut Rng, i: usize, depth: u32) -> String {
    let other = if i > 0 { Some(r.below(i as u64 + 1) as usize) } else { None };
    match r.below(if depth > 1 { 3 } else { 7 }) {
        0 | 1 => date(r),
        2 => "signing".into(),
        3 if other.is_some() => format!("met(p{})", other.unwrap_or(0)),
        4 if other.is_some() => format!("due(p{})", other.unwrap_or(0)),
        5 => format!("first(talks_started where actor = {})", r.pick(&["tb", "gv", "us"])),
        _ => format!("{} {} after {}", 1 + r.below(60), r.pick(&["days", "weeks"]), time(r, i, depth + 1)),
    }
}

fn cmp(r: &mut Rng) -> &'static str {
    r.pick(&["<=", ">=", "<", ">", "==", "at least", "at most", "up to"])
}

fn number(r: &mut Rng) -> u64 {
    r.pick(&[0, 1, 2, 3, 5, 10, 50, 100, 500, 1000, 8600])
}

fn deadline(r: &mut Rng, i: usize) -> String {
    match r.below(3) {
        0 => String::new(),
        1 => format!(" by {}", time(r, i, 0)),
        _ => format!(" within {} {} of {}", 1 + r.below(90), r.pick(&["days", "weeks", "months"]), time(r, i, 0)),
    }
}

fn cond(r: &mut Rng, i: usize, depth: u32) -> String {
    let other = r.below(i as u64 + 1) as usize;
    match r.below(if depth > 1 { 3 } else { 6 }) {
        0 => format!("met(p{other})"),
        1 => format!("breached(p{other})"),
        2 => format!("{} {} {}", r.pick(MEASURES).0, cmp(r), number(r)),
        3 => format!("not {}", cond(r, i, depth + 1)),
        4 => format!("({} and {})", cond(r, i, depth + 1), cond(r, i, depth + 1)),
        _ => format!("({} or {})", cond(r, i, depth + 1), cond(r, i, depth + 1)),
    }
}

/// An agreement with `n` provisions that references only provisions that exist.
pub fn agreement(r: &mut Rng, n: usize) -> String {
    agreement_with(r, n, false)
}

/// As [`agreement`]; with `causal`, every `reduce` has its baseline window before the end of
/// its measured window, so the engine never reads evidence dated after the day it judges.
pub fn agreement_with(r: &mut Rng, n: usize, causal: bool) -> String {
    let mut s = String::new();
    s.push_str("agreement a \"Generated\" {\n");
    s.push_str(&format!("  signed {}\n", base().add_days(r.below(40) as i64)));
    s.push_str("  party us \"United States\" signatory\n  party tb \"Taliban\" signatory aka \"Taleban\"\n  party gv \"Government\" not signatory\n");
    for (name, def) in MEASURES {
        s.push_str(&format!("  measure {name} = {def}\n"));
    }
    for i in 0..n {
        s.push_str(&format!("  provision p{i} \"Provision {i}\" {{\n    obligor {}\n", r.pick(&["us", "tb", "gv"])));
        if r.chance(50) {
            s.push_str(&format!("    beneficiary {}\n", r.pick(&["us", "tb", "gv"])));
        }
        if r.chance(5) {
            s.push_str("    unmonitorable \"secret\"\n  }\n");
            continue;
        }
        let duty = match r.below(6) {
            0 | 1 => {
                let mut d = format!("achieve {} {} {}{}", r.pick(MEASURES).0, cmp(r), number(r), deadline(r, i));
                if (d.contains(" by ") || d.contains(" within ")) && r.chance(30) {
                    d.push_str(&format!(" then +{} every {} days up to {}", 1 + r.below(50), 1 + r.below(30), 50 + r.below(200)));
                }
                d
            }
            2 => {
                let f = if r.chance(60) { format!(" where actor = {}", r.pick(&["us", "tb", "gv"])) } else { String::new() };
                format!("perform {}{f}{}", r.pick(&["talks_started", "sanctions_lifted", "attack"]), deadline(r, i))
            }
            3 => {
                let until = if r.chance(50) { format!(" until {}", time(r, i, 0)) } else { String::new() };
                format!("forbid attack where actor = {} from {}{until}", r.pick(&["tb", "gv", "us"]), time(r, i, 0))
            }
            4 => {
                let until = if r.chance(60) { format!(" until {}", time(r, i, 0)) } else { String::new() };
                format!("maintain {} {} {} from {}{until}", r.pick(&["lvl", "hi", "lo", "total"]), cmp(r), number(r), time(r, i, 0))
            }
            _ => {
                let a = r.below(200) as i64;
                let b = a + r.below(30) as i64;
                let (c, e) = if causal {
                    let e = b - r.below(60) as i64;
                    (e - r.below(30) as i64, e)
                } else {
                    let c = r.below(200) as i64;
                    (c, c + r.below(30) as i64)
                };
                let d = |x: i64| base().add_days(x).to_string();
                format!(
                    "reduce {} by at least {}% during {} .. {} against {} .. {}",
                    r.pick(&["cnt", "cnt_all", "sum"]),
                    r.below(101),
                    d(a),
                    d(b),
                    d(c),
                    d(e)
                )
            }
        };
        s.push_str(&format!("    {duty}\n"));
        if r.chance(30) {
            s.push_str(&format!("    trigger {}\n", time(r, i, 0)));
        }
        if r.chance(30) {
            s.push_str(&format!("    provided {}\n", cond(r, i, 0)));
        }
        if r.chance(20) && n > 1 {
            let t = r.below(n as u64);
            let on = r.pick(&["breach", "met"]);
            let action = r.pick(&["suspend", "resume", "terminate"]);
            s.push_str(&format!("    on {on} {action} p{t}\n"));
        }
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}

pub fn evidence(r: &mut Rng, n: usize) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    for i in 0..n {
        let kind = r.pick(&[
            "troop_level",
            "attack",
            "prisoner_release",
            "prisoners_released_total",
            "talks_started",
            "sanctions_lifted",
            "statement",
        ]);
        let start = base().add_days(r.below(SPAN as u64 + 20) as i64 - 10);
        let date = match r.below(6) {
            0 => DateRange { first: start, last: start.add_days(1 + r.below(20) as i64) },
            _ => DateRange::day(start),
        };
        let quantity = match r.below(5) {
            0 => None,
            1 => {
                let lo = number(r) as f64;
                Some(Quantity { low: lo, high: lo + r.below(100) as f64 })
            }
            _ => Some(Quantity::exact(number(r) as f64)),
        };
        let (rel, reference) = if i > 0 && r.chance(8) {
            let target = items[r.below(i as u64) as usize].id.clone();
            match r.below(4) {
                0 => (Relation::Corrects, Some(target)),
                1 => (Relation::Retracts, Some(target)),
                _ => (Relation::Denies, Some(target)),
            }
        } else {
            (Relation::Asserts, None)
        };
        let who = |r: &mut Rng| match r.below(5) {
            0 => None,
            1 => Some("Taleban".to_string()),
            2 => Some("somebody".to_string()),
            _ => Some(r.pick(&["us", "tb", "gv"]).to_string()),
        };
        items.push(Item {
            id: format!("e{i}"),
            date,
            kind: kind.to_string(),
            actor: who(r),
            target: who(r),
            quantity,
            place: if r.chance(30) { Some(r.pick(&["Helmand", "Kabul"]).to_string()) } else { None },
            rel,
            reference,
            source: Source { outlet: "Test".into(), date: "2020-01-01".into(), title: Some("t".into()), url: None },
            note: None,
            origin: Origin { file: "gen.csv".into(), row: i as u64 + 2 },
        });
    }
    items
}
