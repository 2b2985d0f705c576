//! What the dashboard draws, on the shipped Doha 2020 case (examples/doha-2020): charts of
//! measures against commitments, interlocks between provisions, and Gantt rows; plus
//! properties on random cases.

mod gen;

use pactum_base::Date;
use pactum_engine::views::{self, Chart};
use pactum_engine::State;
use proptest::prelude::*;
use std::path::PathBuf;

fn case_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/doha-2020")
}

fn load() -> (pactum_check::Case, pactum_engine::Prepared) {
    let dir = case_dir();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).expect("example folder").map(|e| e.expect("entry").path()).collect();
    names.sort();
    let inputs: Vec<(String, String)> = names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pactum"))
        .map(|p| (p.file_name().unwrap_or_default().to_string_lossy().into_owned(), std::fs::read_to_string(p).expect("readable")))
        .collect();
    let (case, diags, _) = pactum_check::check_sources(&inputs);
    assert!(diags.iter().all(|d| d.severity != pactum_syntax::Severity::Error), "the example has errors: {diags:#?}");
    let text = std::fs::read_to_string(dir.join("evidence.csv")).expect("evidence");
    let items = pactum_evidence::read_csv("evidence.csv", &text).expect("the shipped evidence is valid");
    let ev = pactum_engine::prepare(&case, items).expect("the shipped evidence matches the case");
    (case, ev)
}

fn day(s: &str) -> Date {
    Date::parse(s).expect("date")
}

fn chart_with_line(charts: &[Chart], value: f64) -> Vec<&Chart> {
    charts.iter().filter(|c| c.lines.iter().any(|l| l.value == value)).collect()
}

#[test]
fn the_us_troop_level_is_one_chart_with_both_thresholds() {
    let (case, ev) = load();
    let charts = views::charts(&case, &ev, day("2021-09-01"), "doha_2020");
    let troops: Vec<&Chart> = charts.iter().filter(|c| c.id == "latest(troop_level where actor = us)").collect();
    assert_eq!(troops.len(), 1, "one chart for the US troop level: {charts:#?}");
    let c = troops[0];
    assert_eq!(c.style, "level");
    assert_eq!(c.title, "troop_level where actor = us");
    // part_one and part_one_b (0) and part_one_a1 (8600) read the same measure.
    assert!(c.provisions.len() >= 2, "{:?}", c.provisions);
    for key in ["doha_2020.part_one", "doha_2020.part_one_a1", "doha_2020.part_one_b"] {
        assert!(c.provisions.iter().any(|p| p == key), "{key} missing from {:?}", c.provisions);
    }
    let l8600 = c.lines.iter().find(|l| l.value == 8600.0).expect("an 8600 line");
    assert_eq!(l8600.until, Some(day("2020-07-13")), "135 days after 2020-02-29");
    assert_eq!(l8600.label, "8600 by 2020-07-13 (part_one_a1)");
    let l0 = c.lines.iter().find(|l| l.value == 0.0).expect("a 0 line");
    assert_eq!(l0.until, Some(day("2021-04-29")), "14 months after 2020-02-29");
    // evidence.csv: troops-2020-06-18, 8400..8600; troops-2020-02-29, 12000..13000; the last, 0 on 2021-08-30.
    let p = c.points.iter().find(|p| p.date == day("2020-06-18")).expect("a point on 2020-06-18");
    assert_eq!((p.low, p.high), (8400.0, 8600.0));
    let first = &c.points[0];
    assert_eq!((first.date, first.low, first.high), (day("2020-02-29"), 12000.0, 13000.0));
    let last = c.points.last().expect("points");
    assert_eq!((last.date, last.low, last.high), (day("2021-08-30"), 0.0, 0.0));
    assert_eq!(c.points.len(), 7, "seven troop-level reports: {:#?}", c.points);
    assert!(c.windows.is_empty());
}

#[test]
fn charts_stop_at_the_evaluation_date() {
    let (case, ev) = load();
    let charts = views::charts(&case, &ev, day("2020-06-30"), "doha_2020");
    let c = charts.iter().find(|c| c.id == "latest(troop_level where actor = us)").expect("troop chart");
    assert!(c.points.iter().all(|p| p.date <= day("2020-06-30")));
    assert_eq!(c.points.last().map(|p| p.date), Some(day("2020-06-18")));
}

#[test]
fn prisoner_releases_have_a_5000_line() {
    let (case, ev) = load();
    let charts = views::charts(&case, &ev, day("2021-09-01"), "doha_2020");
    let with = chart_with_line(&charts, 5000.0);
    assert_eq!(with.len(), 1, "{charts:#?}");
    let c = with[0];
    assert_eq!(c.id, "latest(prisoners_released_total where actor = gov and target = taliban)");
    assert_eq!(c.provisions, vec!["doha_2020.part_one_c".to_string()]);
    let line = c.lines.iter().find(|l| l.value == 5000.0).expect("line");
    assert_eq!(line.until, Some(day("2020-03-10")));
    // prisoners-gov-total-2020-09-10: 5000.
    let last = c.points.last().expect("points");
    assert_eq!((last.date, last.low, last.high), (day("2020-09-10"), 5000.0, 5000.0));
    // A sum of bases withdrawn is cumulative.
    let bases = charts.iter().find(|c| c.id == "sum(base_withdrawal where actor = us)").expect("bases chart");
    assert_eq!(bases.style, "cumulative");
    assert!(bases.points.windows(2).all(|w| w[0].low <= w[1].low), "a sum of positive amounts only grows");
}

#[test]
fn an_instalment_schedule_draws_one_line_per_instalment() {
    let (case, ev) = load();
    let charts = views::charts(&case, &ev, day("2021-09-01"), "decree_2020_03");
    assert_eq!(charts.len(), 1, "both decree provisions read taliban_freed: {charts:#?}");
    let c = &charts[0];
    let rest: Vec<f64> = c.lines.iter().filter(|l| l.label.ends_with("(decree_rest)")).map(|l| l.value).collect();
    assert_eq!(rest, vec![2000.0, 2500.0, 3000.0, 3500.0, 4000.0, 4500.0, 5000.0]);
    assert!(c.lines.iter().any(|l| l.value == 1500.0 && l.until == Some(day("2020-03-29"))));
}

#[test]
fn the_reduction_in_violence_is_weekly_with_its_windows() {
    let (case, ev) = load();
    let as_of = day("2021-09-01");
    let charts = views::charts(&case, &ev, as_of, "riv_2020");
    assert_eq!(charts.len(), 3, "three reductions over three measures: {charts:#?}");
    for c in &charts {
        assert_eq!(c.style, "weekly", "{}", c.id);
        assert_eq!(c.windows.len(), 2);
        assert_eq!((c.windows[0].label.as_str(), c.windows[0].from, c.windows[0].to), ("baseline", day("2020-02-15"), day("2020-02-21")));
        assert_eq!((c.windows[1].label.as_str(), c.windows[1].from, c.windows[1].to), ("measured", day("2020-02-22"), day("2020-02-28")));
        // Weeks are dated by their Monday (2020-02-17 was a Monday).
        assert!(c.points.iter().all(|p| day("2020-02-17").days_until(p.date) % 7 == 0), "{:#?}", c.points);
        assert!(c.points.windows(2).all(|w| w[0].date < w[1].date));
        assert_eq!(c.lines.len(), 2, "baseline and target: {:#?}", c.lines);
        let base = &c.lines[0];
        let target = &c.lines[1];
        assert!(base.label.starts_with("baseline"));
        assert!((target.value - 0.2 * base.value).abs() < 1e-9, "80% below the baseline");
        assert_eq!((target.from, target.until), (Some(day("2020-02-22")), Some(day("2020-02-28"))));
    }
    let attacks = charts.iter().find(|c| c.provisions == ["riv_2020.riv_attacks"]).expect("attacks chart");
    // From 8 weeks before the week of 2020-02-15 to 8 weeks after the week of 2020-02-28.
    assert_eq!(attacks.points.first().map(|p| p.date), Some(day("2019-12-16")));
    assert_eq!(attacks.points.last().map(|p| p.date), Some(day("2020-04-20")));
    assert_eq!(attacks.points.len(), 19);
    // attacks-helmand-2020-03-03 (43) and attacks-2020-03-04 (76) fall in the week of 2 March.
    let week = attacks.points.iter().find(|p| p.date == day("2020-03-02")).expect("week of 2 March");
    assert_eq!(week.high, 119.0);
    // Incidents a day: a level, read per week as 7 times the week's reading, the baseline 57 a day.
    let incidents = charts.iter().find(|c| c.provisions == ["riv_2020.riv_reported"]).expect("incidents chart");
    assert_eq!(incidents.lines[0].value, 57.0 * 7.0);
    let measured = incidents.points.iter().find(|p| p.date == day("2020-02-24")).expect("week of 24 Feb");
    assert_eq!((measured.low, measured.high), (21.0, 28.0));
    // Before the windows are over only what is known by then is drawn.
    let early = views::charts(&case, &ev, day("2020-02-18"), "riv_2020");
    assert!(early.iter().all(|c| c.points.iter().all(|p| p.date <= day("2020-02-18"))));
}

#[test]
fn charts_agree_with_the_status_of_each_provision() {
    let (case, ev) = load();
    let mut checked = 0;
    for as_of in ["2020-03-15", "2020-06-20", "2020-09-30", "2021-09-01"].map(day) {
        let report = pactum_engine::evaluate(&case, &ev, as_of);
        for a in &case.agreements {
            for c in views::charts(&case, &ev, as_of, &a.id) {
                if c.style == "weekly" {
                    continue;
                }
                for key in &c.provisions {
                    let s = report.provisions.iter().find(|s| &s.key == key).expect("status");
                    let Some(progress) = &s.progress else { continue };
                    // Unwindowed measures: the last point is the value on `as_of`.
                    let shown = match c.points.last() {
                        Some(p) => pactum_base::Quantity { low: p.low, high: p.high }.to_string(),
                        None if c.style == "cumulative" => "0".into(),
                        None => "none reported".into(),
                    };
                    if s.state == State::Met || s.state == State::MetLate || s.state == State::Breached {
                        continue; // settled: progress is read when it settled, or on its deadline
                    }
                    assert_eq!(shown, progress.value, "{key} on {as_of}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} provisions compared");
}

#[test]
fn interlocks_of_the_doha_case() {
    let (case, _) = load();
    let links = views::interlocks(&case);
    // agreement.pactum: part_one_b is `provided not breached(part_two_1)`.
    let l = links
        .iter()
        .find(|l| l.from == "doha_2020.part_one_b" && l.to == "doha_2020.part_two_1")
        .expect("part_one_b depends on part_two_1");
    assert_eq!(l.kind, "condition");
    assert_eq!(l.text, "provided not breached(part_two_1)");
    // joint-declaration.pactum: across agreements.
    assert!(links.iter().any(|l| l.from == "joint_declaration.jd_withdrawal" && l.to == "doha_2020.part_two_1" && l.kind == "condition"));
    // positions.pactum: each side waits for the other.
    assert!(links.iter().any(|l| l.from == "positions_2020_03.taliban_talks_after_release"
        && l.to == "positions_2020_03.gov_release_during_talks"
        && l.kind == "trigger"));
    assert!(links.iter().any(|l| l.from == "positions_2020_03.gov_release_during_talks"
        && l.to == "positions_2020_03.taliban_talks_after_release"
        && l.kind == "trigger"));
    assert_eq!(links.len(), 4, "{links:#?}");
}

#[test]
fn interlocks_of_every_kind() {
    let text = r#"agreement x "X" {
  signed 2020-01-01
  party a "A" signatory
  party b "B" signatory
  measure troops = latest(troop_level where actor = a)
  measure hits = count(attack during met(p1) .. 2020-12-31)
  provision p1 "One" {
    obligor a
    achieve troops <= 10 by 2020-03-01
    on breach suspend p2
    on breach terminate p3
  }
  provision p2 "Two" {
    obligor a
    achieve troops == 0 within 30 days of met(p1)
    trigger breached(p1)
    provided met(p1) or breached(p1)
  }
  provision p3 "Three" {
    obligor b
    achieve hits <= 3
    reduce_placeholder
  }
}
"#
    .replace("    reduce_placeholder\n", "");
    let (case, diags, _) = pactum_check::check_sources(&[("x.pactum".into(), text)]);
    assert!(diags.iter().all(|d| d.severity != pactum_syntax::Severity::Error), "{diags:#?}");
    let links = views::interlocks(&case);
    let has = |from: &str, to: &str, kind: &str| links.iter().any(|l| l.from == from && l.to == to && l.kind == kind);
    assert!(has("x.p1", "x.p2", "consequence"), "{links:#?}");
    assert!(has("x.p1", "x.p3", "consequence"));
    assert!(has("x.p2", "x.p1", "deadline"));
    assert!(has("x.p2", "x.p1", "trigger"));
    assert!(has("x.p2", "x.p1", "condition"));
    assert!(has("x.p3", "x.p1", "window"));
    let suspend = links.iter().find(|l| l.from == "x.p1" && l.to == "x.p2").expect("suspend");
    assert_eq!(suspend.text, "suspends p2 on breach");
    // `met(p1) or breached(p1)` is one edge.
    assert_eq!(links.iter().filter(|l| l.from == "x.p2" && l.kind == "condition").count(), 1);
    // Provisions in source order.
    let froms: Vec<&str> = links.iter().map(|l| l.from.as_str()).collect();
    let mut sorted = froms.clone();
    sorted.sort();
    assert_eq!(froms, sorted);
}

#[test]
fn gantt_rows_of_the_doha_agreement() {
    let (case, ev) = load();
    let as_of = day("2021-09-01");
    let report = pactum_engine::evaluate(&case, &ev, as_of);
    let rows = views::gantt(&case, &report, Some("doha_2020"));
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let in_file: Vec<&str> = report.provisions.iter().filter(|s| s.agreement == "doha_2020").map(|s| s.id.as_str()).collect();
    assert_eq!(ids, in_file, "the agreement's order");
    assert_eq!(ids.first(), Some(&"preamble_3"));
    for r in &rows {
        let s = report.provisions.iter().find(|s| s.key == r.key).expect("status");
        assert_eq!(r.state, s.state);
        assert_eq!(r.due, s.due);
        if matches!(s.state, State::Met | State::MetLate | State::Breached | State::Void) {
            assert_eq!(r.end, Some(s.since), "{}", r.key);
        } else {
            assert_eq!(r.end, None, "{}", r.key);
        }
        if let (Some(a), Some(b)) = (r.start, r.end) {
            assert!(a <= b, "{}", r.key);
        }
        assert!(r.changes.iter().all(|c| c.date <= as_of));
    }
    let a1 = rows.iter().find(|r| r.id == "part_one_a1").expect("part_one_a1");
    assert_eq!((a1.start, a1.end, a1.state), (Some(day("2020-02-29")), Some(day("2020-06-18")), State::Met));
    assert_eq!(a1.changes.last().map(|c| c.to), Some(State::Met));
    let unmonitorable = rows.iter().find(|r| r.id == "annexes").expect("annexes");
    assert_eq!((unmonitorable.start, unmonitorable.end), (None, None));
    assert_eq!(views::gantt(&case, &report, None).len(), case.provisions.len());
}

/// A large synthetic case: the charts stay fast and keep to [`views::MAX_POINTS`].
#[test]
fn charts_of_a_large_case_are_capped_and_fast() {
    let text = r#"agreement big "Big" {
  signed 2000-01-01
  party us "US" signatory
  measure level = latest(troop_level where actor = us)
  measure attacks = count(attack)
  provision keep "Keep" {
    obligor us
    maintain level <= 9000 from signing until 2030-01-01
  }
  provision cut "Cut" {
    obligor us
    achieve level <= 100 by 2010-01-01
  }
  provision fewer "Fewer" {
    obligor us
    achieve attacks >= 1000000 by 2025-01-01
  }
  provision calm "Calm" {
    obligor us
    reduce attacks by at least 50% during 2010-01-01 .. 2010-12-31 against 2009-01-01 .. 2009-12-31
  }
}
"#;
    let (case, diags, _) = pactum_check::check_sources(&[("big.pactum".into(), text.into())]);
    assert!(diags.iter().all(|d| d.severity != pactum_syntax::Severity::Error), "{diags:#?}");
    let start = day("2000-01-01");
    let items: Vec<pactum_evidence::Item> = (0..100_000u32)
        .map(|i| {
            let d = start.add_days(i64::from(i % 7_000));
            pactum_evidence::Item {
                id: format!("i{i:06}"),
                date: pactum_base::DateRange::day(d),
                kind: if i % 2 == 0 { "troop_level" } else { "attack" }.into(),
                actor: Some("us".into()),
                target: None,
                quantity: Some(pactum_base::Quantity::exact(f64::from(i % 9_000))),
                place: None,
                rel: pactum_evidence::Relation::Asserts,
                reference: None,
                source: pactum_evidence::Source { outlet: "T".into(), date: "2000-01-01".into(), title: None, url: None },
                note: None,
                origin: pactum_evidence::Origin { file: "big.csv".into(), row: u64::from(i) + 2 },
            }
        })
        .collect();
    let ev = pactum_engine::prepare(&case, items).expect("valid");
    let as_of = day("2020-01-01");
    let t = std::time::Instant::now();
    let charts = views::charts(&case, &ev, as_of, "big");
    let took = t.elapsed();
    eprintln!("charts of 100,000 items: {took:?}");
    // Generous for unoptimised test builds on a shared machine; about 20 ms optimised.
    assert!(took.as_millis() < 2_000, "{took:?}");
    assert_eq!(charts.len(), 3, "{:?}", charts.iter().map(|c| &c.id).collect::<Vec<_>>());
    let level = charts.iter().find(|c| c.id == "latest(troop_level where actor = us)").expect("level");
    assert_eq!(level.provisions.len(), 2);
    assert!(level.points.len() <= views::MAX_POINTS && level.points.len() > 1_000, "{}", level.points.len());
    // The envelope keeps the extremes and the last reading's date.
    assert_eq!(level.points.iter().map(|p| p.low).fold(f64::INFINITY, f64::min), 0.0);
    assert_eq!(level.points.last().map(|p| p.date), Some(start.add_days(6_998)), "the last troop report (even items)");
    let cumulative = charts.iter().find(|c| c.style == "cumulative").expect("count");
    // A count adds up the quantities its events report.
    let total: f64 = (0..100_000u32).filter(|i| i % 2 == 1).map(|i| f64::from(i % 9_000)).sum();
    assert_eq!(cumulative.points.last().map(|p| p.high), Some(total), "every attack counted once");
    let weekly = charts.iter().find(|c| c.style == "weekly").expect("reduction");
    // Mondays from 2008-11-03 (8 weeks before the week of 2009-01-01) to 2011-02-21 (the week of
    // 2011-02-25, 8 weeks after 2010-12-31).
    assert_eq!(weekly.points.first().map(|p| p.date), Some(day("2008-11-03")));
    assert_eq!(weekly.points.last().map(|p| p.date), Some(day("2011-02-21")));
    assert_eq!(weekly.points.len(), 121);
}

fn build(seed: u64) -> (pactum_check::Case, pactum_engine::Prepared, Date) {
    let mut r = gen::Rng::new(seed);
    let n = 1 + r.below(8) as usize;
    let text = gen::agreement(&mut r, n);
    let (case, _, _) = pactum_check::check_sources(&[("gen.pactum".into(), text)]);
    let m = r.below(60) as usize;
    let items = gen::evidence(&mut r, m);
    let as_of = gen::base().add_days(r.below(gen::SPAN as u64 + 60) as i64);
    let ev = pactum_engine::prepare(&case, items).expect("generated evidence is valid");
    (case, ev, as_of)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn views_are_consistent_on_random_cases(seed in any::<u64>()) {
        let (case, ev, as_of) = build(seed);
        let keys: std::collections::HashSet<&str> = case.provisions.iter().map(|p| p.key.as_str()).collect();
        let links = views::interlocks(&case);
        let mut seen = std::collections::HashSet::new();
        for l in &links {
            prop_assert!(keys.contains(l.from.as_str()) && keys.contains(l.to.as_str()), "{:?}", l);
            prop_assert!(seen.insert((l.from.clone(), l.to.clone(), l.kind)), "duplicate {:?}", l);
            prop_assert!(!l.text.is_empty());
        }
        let report = pactum_engine::evaluate(&case, &ev, as_of);
        let rows = views::gantt(&case, &report, Some("a"));
        prop_assert_eq!(rows.len(), case.provisions.len());
        for r in &rows {
            let s = report.provisions.iter().find(|s| s.key == r.key).expect("status");
            if let (Some(a), Some(b)) = (r.start, r.end) {
                prop_assert!(a <= b, "{} starts {} after it ends {}", r.key, a, b);
            }
            let settled = matches!(s.state, State::Met | State::MetLate | State::Breached | State::Void);
            prop_assert_eq!(r.end, if settled { Some(s.since) } else { None }, "{}", r.key);
        }
        let charts = views::charts(&case, &ev, as_of, "a");
        let mut ids = std::collections::HashSet::new();
        for c in &charts {
            prop_assert!(ids.insert(c.id.clone()), "duplicate chart id {}", c.id);
            prop_assert!(!c.provisions.is_empty());
            prop_assert!(c.provisions.iter().all(|k| keys.contains(k.as_str())));
            prop_assert!(c.points.len() <= views::MAX_POINTS);
            prop_assert!(c.points.windows(2).all(|w| w[0].date < w[1].date), "{:?}", c.points);
            prop_assert!(c.points.iter().all(|p| p.date <= as_of && p.low <= p.high), "{:?}", c.points);
        }
    }
}
