//! The engine ([`pactum_engine::run`]) and the slow reference evaluator
//! ([`pactum_engine::reference::run`]) must agree on a generated case: every provision's state
//! on the last day and every change of state before it.
//!
//! The default test is one case of 50 provisions and 20,000 rows over two years (about 15 s in a
//! debug build); a second covers the ten-year shape of the benchmark case with few rows. Both
//! run with every test run: none is ignored.

use pactum_bench::gen::{self, Config};
use pactum_engine::{Outcome, State};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!("pactum-bench-{name}-{}-{nanos}", std::process::id()))
}

/// Generates a case on disk, reads it back the way the CLI does, and runs both evaluators.
fn generate_and_compare(cfg: &Config) -> (Outcome, Outcome, pactum_check::Case) {
    let dir = temp_dir(&format!("p{}-e{}-s{}", cfg.provisions, cfg.events, cfg.seed));
    gen::generate(cfg, &dir).expect("generate the case");
    let text = std::fs::read_to_string(dir.join("agreement.pactum")).expect("agreement");
    let (case, diags, _) = pactum_check::check_sources(&[("agreement.pactum".into(), text)]);
    let (errors, _) = pactum_bench::check_counts(&diags);
    assert_eq!(errors, 0, "the generated agreement has errors: {diags:#?}");
    let csv = std::fs::read_to_string(dir.join("evidence.csv")).expect("evidence");
    let items = pactum_evidence::read_file("evidence.csv", &csv).expect("the generated evidence is valid");
    assert_eq!(items.len() as u64, cfg.events);
    let ev = pactum_engine::prepare(&case, items).expect("the generated evidence fits the case");
    let as_of = ev.active.last().expect("some evidence").date;
    let fast = pactum_engine::run(&case, &ev, as_of);
    let slow = pactum_engine::reference::run(&case, &ev, as_of);
    let _ = std::fs::remove_dir_all(&dir);
    (fast, slow, case)
}

/// Names the first difference precisely, rather than dumping two whole outcomes.
fn first_difference(fast: &Outcome, slow: &Outcome, case: &pactum_check::Case) -> Option<String> {
    if fast.start != slow.start || fast.as_of != slow.as_of {
        return Some(format!("start/as_of differ: engine {}..{}, reference {}..{}", fast.start, fast.as_of, slow.start, slow.as_of));
    }
    for (p, (a, b)) in fast.states.iter().zip(&slow.states).enumerate() {
        if a != b {
            let key = &case.provisions[p].key;
            let changes = |o: &Outcome| {
                o.timeline
                    .iter()
                    .filter(|c| c.provision == p)
                    .map(|c| format!("{} {:?}->{:?}: {}", c.date, c.from, c.to, c.reason))
                    .collect::<Vec<_>>()
            };
            return Some(format!(
                "provision {key} (#{p}): engine {:?} since {}, reference {:?} since {}\nrules: {:?}\nengine timeline: {:#?}\nreference timeline: {:#?}",
                a.0,
                a.1,
                b.0,
                b.1,
                case.provisions[p].rules,
                changes(fast),
                changes(slow)
            ));
        }
    }
    for (i, (a, b)) in fast.timeline.iter().zip(&slow.timeline).enumerate() {
        if a != b {
            return Some(format!(
                "timeline entry {i} differs: engine {} {} {:?}->{:?} ({}), reference {} {} {:?}->{:?} ({})",
                a.date,
                case.provisions[a.provision].key,
                a.from,
                a.to,
                a.reason,
                b.date,
                case.provisions[b.provision].key,
                b.from,
                b.to,
                b.reason
            ));
        }
    }
    if fast.timeline.len() != slow.timeline.len() {
        return Some(format!("timelines have {} and {} entries", fast.timeline.len(), slow.timeline.len()));
    }
    if fast.notes != slow.notes {
        return Some("notes differ".into());
    }
    None
}

fn histogram(o: &Outcome) -> BTreeMap<State, usize> {
    let mut h = BTreeMap::new();
    for (s, _) in &o.states {
        *h.entry(*s).or_insert(0) += 1;
    }
    h
}

fn check(cfg: &Config) {
    let (fast, slow, case) = generate_and_compare(cfg);
    if let Some(diff) = first_difference(&fast, &slow, &case) {
        panic!("engine and reference differ on the case {cfg:?}:\n{diff}");
    }
    assert_eq!(fast, slow);
    let h = histogram(&fast);
    eprintln!("{cfg:?}: {} changes of state; final states {h:?}", fast.timeline.len());
    assert!(h.len() >= 4, "the generated case reaches too few states to test much: {h:?}");
}

#[test]
fn engine_agrees_with_reference_on_a_generated_case() {
    check(&Config { provisions: 50, events: 20_000, seed: 1, years: 2 });
}

/// The ten-year shape of the benchmark case, with few rows so the reference evaluator (which
/// scans every item every day) finishes quickly.
#[test]
fn engine_agrees_with_reference_over_ten_years() {
    check(&Config { provisions: 60, events: 1_500, seed: 7, years: 10 });
}
