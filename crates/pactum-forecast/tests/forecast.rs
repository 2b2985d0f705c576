//! Forecasts of the shipped Doha case: reproducibility, no look-ahead, a scenario that should
//! help does, settled provisions are left out, scenario errors point at the spot, fan charts,
//! and the backtest.

use pactum_base::Date;
use pactum_check::Case;
use pactum_engine::{Prepared, State};
use pactum_forecast::{backtest, compare, fan_chart_svg, forecast, known_on, parse_scenario, Forecast, Options};
use std::path::PathBuf;

fn load() -> (Case, Prepared, Vec<pactum_evidence::Item>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/doha-2020");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).expect("example folder").map(|e| e.expect("entry").path()).collect();
    names.sort();
    let inputs: Vec<(String, String)> = names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pactum"))
        .map(|p| (p.file_name().unwrap_or_default().to_string_lossy().into_owned(), std::fs::read_to_string(p).expect("readable")))
        .collect();
    let (case, _, _) = pactum_check::check_sources(&inputs);
    let text = std::fs::read_to_string(dir.join("evidence.csv")).expect("evidence");
    let items = pactum_evidence::read_csv("evidence.csv", &text).expect("the shipped evidence is valid");
    let ev = pactum_engine::prepare(&case, items.clone()).expect("the shipped evidence matches the case");
    (case, ev, items)
}

fn day(s: &str) -> Date {
    Date::parse(s).expect("a date")
}

fn json(f: &Forecast) -> String {
    serde_json::to_string(f).expect("serialisable")
}

fn prov<'a>(f: &'a Forecast, key: &str) -> &'a pactum_forecast::ProvisionForecast {
    f.provisions.iter().find(|p| p.key == key).unwrap_or_else(|| panic!("no forecast for {key}"))
}

#[test]
fn same_seed_same_numbers_whatever_the_threads() {
    let (case, ev, _) = load();
    let opts = Options { runs: 300, seed: 42, threads: 1, fan_runs: 50, ..Options::default() };
    let a = forecast(&case, &ev, day("2020-06-01"), &opts).unwrap();
    let b = forecast(&case, &ev, day("2020-06-01"), &Options { threads: 2, ..opts.clone() }).unwrap();
    let c = forecast(&case, &ev, day("2020-06-01"), &Options { threads: 3, ..opts.clone() }).unwrap();
    assert_eq!(json(&a), json(&b));
    assert_eq!(json(&a), json(&c));
    let d = forecast(&case, &ev, day("2020-06-01"), &Options { seed: 43, ..opts }).unwrap();
    assert_ne!(json(&a), json(&d), "another seed should give other numbers");
}

#[test]
fn nothing_after_the_forecast_date_is_used() {
    let (case, ev, items) = load();
    let d = day("2020-06-01");
    let opts = Options { runs: 200, seed: 7, fan_runs: 20, ..Options::default() };
    let full = forecast(&case, &ev, d, &opts).unwrap();
    // Only what was known on the day.
    let known = pactum_engine::prepare(&case, known_on(&items, d)).unwrap();
    let past = forecast(&case, &known, d, &opts).unwrap();
    assert!(full.evidence_after > 0);
    assert_eq!(past.evidence_after, 0);
    let strip = |f: &Forecast| Forecast { evidence_after: 0, ..f.clone() };
    assert_eq!(json(&strip(&full)), json(&strip(&past)));
    // Adding evidence dated later, or published later, changes nothing either.
    let mut more = items.clone();
    let mut fake = items.iter().find(|i| i.kind == "prisoners_released_total").unwrap().clone();
    fake.id = "fake-future".into();
    fake.date = pactum_base::DateRange::day(day("2020-06-15"));
    fake.quantity = Some(pactum_base::Quantity::exact(4999.0));
    more.push(fake.clone());
    let mut late_news = fake.clone();
    late_news.id = "fake-published-late".into();
    late_news.date = pactum_base::DateRange::day(day("2020-05-30"));
    late_news.source.date = "2020-06-02".into();
    more.push(late_news);
    let more = pactum_engine::prepare(&case, more).unwrap();
    let with_more = forecast(&case, &more, d, &opts).unwrap();
    assert_eq!(json(&strip(&full)), json(&strip(&with_more)));
}

#[test]
fn settled_provisions_are_left_out() {
    let (case, ev, _) = load();
    let d = day("2020-06-01");
    let f = forecast(&case, &ev, d, &Options { runs: 50, ..Options::default() }).unwrap();
    let now = pactum_engine::run(&case, &pactum_engine::prepare(&case, known_on(&ev.items, d)).unwrap(), d);
    let keys: Vec<&str> = f.provisions.iter().map(|p| p.key.as_str()).collect();
    for (i, p) in case.provisions.iter().enumerate() {
        let state = now.states[i].0;
        let settled = matches!(state, State::Met | State::MetLate | State::Void | State::NotMonitorable);
        assert_eq!(!keys.contains(&p.key.as_str()), settled || p.duty.is_none(), "{} is {state:?}", p.key);
    }
    assert!(!keys.contains(&"doha_2020.part_three_1"), "met on 10 March 2020");
    assert!(!keys.contains(&"decree_2020_03.decree_first"), "met late on 27 May 2020");
    assert!(keys.contains(&"doha_2020.part_one"));
    assert!(f.excluded.iter().any(|e| e.key == "doha_2020.part_three_1" && e.state == State::Met));
    for p in &f.provisions {
        let total: f64 = p.final_states.iter().map(|s| s.p).sum();
        assert!((total - 1.0).abs() < 1e-9, "{}: states add up to {total}", p.key);
        assert!(p.p_met_by_deadline <= p.p_met_by_horizon + 1e-12, "{}", p.key);
    }
    // A breach of the Taliban's counter-terrorism commitment suspends the conditional withdrawal.
    let b = prov(&f, "doha_2020.part_one_b");
    assert!(prov(&f, "doha_2020.part_two_1").p_breached > 0.1);
    assert!(b.p_suspended > 0.1, "knock-on suspension: {}", b.p_suspended);
    // The schedule of the decree waits for the talks: its deadline moves with them.
    let rest = prov(&f, "decree_2020_03.decree_rest").deadline.as_ref().expect("a deadline that depends on the talks");
    let spread = rest.spread.as_ref().unwrap();
    assert!(spread.low < spread.high && rest.p_known > 0.3, "{rest:?}");
}

#[test]
fn releasing_prisoners_faster_helps_the_release_schedule() {
    let (case, ev, _) = load();
    let d = day("2020-04-01");
    let text = "scenario \"Government releases 500 a week from 1 April\"\n\
                rate prisoners_released_total where actor = gov: +500 every 1 week from 2020-04-01\n";
    let sc = parse_scenario("faster.scenario", text, &case).unwrap();
    let opts = Options { runs: 300, seed: 3, fan_runs: 0, ..Options::default() };
    let base = forecast(&case, &ev, d, &opts).unwrap();
    let fast = forecast(&case, &ev, d, &Options { scenario: Some(sc), ..opts }).unwrap();
    for key in ["decree_2020_03.decree_rest", "doha_2020.part_one_c"] {
        let (a, b) = (prov(&base, key), prov(&fast, key));
        assert!(b.p_met_by_horizon > a.p_met_by_horizon, "{key}: {} -> {}", a.p_met_by_horizon, b.p_met_by_horizon);
    }
    let (a, b) = (prov(&base, "decree_2020_03.decree_rest"), prov(&fast, "decree_2020_03.decree_rest"));
    assert!(b.p_met_by_deadline > a.p_met_by_deadline + 0.1, "{} -> {}", a.p_met_by_deadline, b.p_met_by_deadline);
    let c = compare(&base, &fast);
    let row = c.rows.iter().find(|r| r.key == "decree_2020_03.decree_rest").unwrap();
    assert!(row.diff_met_by_deadline > 0.1);
    assert_eq!(c.b, "Government releases 500 a week from 1 April");
    assert!(fast.parameters.iter().any(|p| !p.scenario.is_empty()));
}

#[test]
fn a_scenario_can_fix_events_and_switch_off_retaliation() {
    let (case, ev, _) = load();
    let d = day("2020-06-01");
    let text = "// talks on 1 July, no delisting, nobody retaliates\n\
                event talks_started where actor = taliban on 2020-07-01\n\
                event sanctions_lifted where actor = unsc never\n\
                no retaliation\n";
    let sc = parse_scenario("talks.scenario", text, &case).unwrap();
    let f = forecast(&case, &ev, d, &Options { runs: 200, seed: 5, scenario: Some(sc), fan_runs: 0, ..Options::default() }).unwrap();
    let talks = prov(&f, "doha_2020.preamble_3");
    assert_eq!(talks.p_met_by_horizon, 1.0);
    assert_eq!(talks.met_date.as_ref().unwrap().median, day("2020-07-01"));
    assert_eq!(prov(&f, "doha_2020.part_one_e").p_met_by_horizon, 0.0);
    assert_eq!(f.stats.retaliated, 0);
    assert_eq!(f.retaliation.factor, 1.0);
}

#[test]
fn scenario_errors_say_where_and_how_to_fix() {
    let (case, _, _) = load();
    let text = "scenario \"bad\"\n\
                rate prisoners_released_totl where actor = gov: +500 every 1 week\n\
                event talks_started where actor = talibn on 2020-05-01\n\
                event talks_started on 2020-13-01\n\
                retaliation by us\n\
                rates attack: 3 every week\n\
                rate attack: -3 every week\n";
    let errors = parse_scenario("bad.scenario", text, &case).unwrap_err();
    let at: Vec<(usize, usize)> = errors.iter().map(|e| (e.line, e.col)).collect();
    assert_eq!(at, vec![(2, 6), (3, 35), (4, 24), (5, 18), (6, 1), (7, 14)], "{errors:#?}");
    assert!(errors[0].message.contains("prisoners_released_totl"));
    assert_eq!(errors[0].help.as_deref(), Some("did you mean `prisoners_released_total`?"));
    assert!(errors[1].help.as_deref().unwrap().contains("`taliban`"));
    assert!(errors[4].help.as_deref().unwrap().contains("`rate`"));
    let shown = pactum_forecast::render_errors(&errors);
    assert!(shown.starts_with("bad.scenario:2:6: error: the case has no evidence kind `prisoners_released_totl`\n  = help: "), "{shown}");
    assert!(parse_scenario("x", "scenario \"a\"\nno retaliation by taliban\nretaliation x1.5\n", &case).is_ok());
}

#[test]
fn fan_charts_show_readings_bands_and_targets() {
    let (case, ev, _) = load();
    let f = forecast(&case, &ev, day("2020-06-01"), &Options { runs: 200, fan_runs: 200, ..Options::default() }).unwrap();
    let fan = f.fans.iter().find(|x| x.measure == "us_troops").expect("a fan for US troops");
    assert!(fan.observed.len() >= 2);
    assert!(fan.weeks.iter().all(|w| w.p10 <= w.p50 && w.p50 <= w.p90));
    assert!(fan.weeks.last().unwrap().p50 < 8600.0, "troops keep falling in the median run");
    assert!(fan.targets.iter().any(|t| t.rule == "== 0" && t.deadline == Some(day("2021-04-29"))));
    let svg = fan_chart_svg(&f, "us_troops").unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("<polygon") && svg.contains("due 2021-04-29"));
    assert!(fan_chart_svg(&f, "no_such_measure").is_none());
}

#[test]
fn the_backtest_scores_every_month() {
    let (case, ev, _) = load();
    let b = backtest(&case, &ev, day("2020-03-01"), day("2021-04-01"), 60, 1).unwrap();
    assert_eq!(b.months.len(), 14);
    assert_eq!(b.months[0].as_of, day("2020-03-01"));
    assert_eq!(b.months[13].as_of, day("2021-04-01"));
    assert!(b.months.iter().all(|m| m.scores.pairs > 0));
    assert_eq!(b.all.pairs, b.pairs.len());
    for s in [&b.all, &b.decided] {
        for v in [s.brier_model, s.brier_linear, s.brier_persist] {
            assert!((0.0..=1.0).contains(&v));
        }
    }
    assert!(b.all.mae_days_model.is_some());
    assert_eq!(b.end, day("2021-08-30"));
    let text = pactum_forecast::render_backtest(&b);
    assert!(text.contains("2020-03-01") && text.contains("all"));
}
