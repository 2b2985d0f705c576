//! Replays the shipped Doha 2020 case and checks it against what the record shows: the state
//! of every provision on several dates (examples/doha-2020/replay.txt), and the explanations
//! of the contested and late provisions.

use pactum_base::Date;
use pactum_engine::{Report, State};
use std::path::PathBuf;

fn case_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/doha-2020")
}

fn load() -> (pactum_check::Case, Vec<pactum_syntax::Diagnostic>, pactum_engine::Prepared) {
    let dir = case_dir();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).expect("example folder").map(|e| e.expect("entry").path()).collect();
    names.sort();
    let inputs: Vec<(String, String)> = names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pactum"))
        .map(|p| (p.file_name().unwrap_or_default().to_string_lossy().into_owned(), std::fs::read_to_string(p).expect("readable")))
        .collect();
    let (case, diags, _) = pactum_check::check_sources(&inputs);
    let text = std::fs::read_to_string(dir.join("evidence.csv")).expect("evidence");
    let items = pactum_evidence::read_csv("evidence.csv", &text).expect("the shipped evidence is valid");
    let ev = pactum_engine::prepare(&case, items).expect("the shipped evidence matches the case");
    (case, diags, ev)
}

fn state_named(s: &str) -> State {
    match s {
        "pending" => State::Pending,
        "active" => State::Active,
        "met" => State::Met,
        "met_late" => State::MetLate,
        "breached" => State::Breached,
        "suspended" => State::Suspended,
        "void" => State::Void,
        "disputed" => State::Disputed,
        "not_monitorable" => State::NotMonitorable,
        other => panic!("unknown state `{other}` in replay.txt"),
    }
}

#[test]
fn every_provision_on_every_replay_date() {
    let (case, diags, ev) = load();
    assert!(diags.iter().all(|d| d.severity != pactum_syntax::Severity::Error), "the example has errors: {diags:#?}");
    let text = std::fs::read_to_string(case_dir().join("replay.txt")).expect("replay.txt");
    let mut by_date: std::collections::BTreeMap<Date, Vec<(String, State, Option<Date>)>> = Default::default();
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 4, "bad replay line: {line}");
        let since = if f[3] == "-" { None } else { Some(Date::parse(f[3]).expect("since date")) };
        by_date.entry(Date::parse(f[0]).expect("date")).or_default().push((f[1].to_string(), state_named(f[2]), since));
    }
    assert!(by_date.len() >= 6, "replay.txt should cover several dates");
    let mut failures = Vec::new();
    for (date, rows) in &by_date {
        let report = pactum_engine::evaluate(&case, &ev, *date);
        assert_eq!(rows.len(), case.provisions.len(), "replay.txt must list every provision on {date}");
        for (key, state, since) in rows {
            let s = report.provisions.iter().find(|s| &s.key == key).unwrap_or_else(|| panic!("no provision {key}"));
            if s.state != *state || since.is_some_and(|d| d != s.since) {
                failures
                    .push(format!("{date} {key}: expected {state:?} since {since:?}, got {:?} since {} ({})", s.state, s.since, s.reason));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn status<'a>(r: &'a Report, key: &str) -> &'a pactum_engine::Status {
    r.provisions.iter().find(|s| s.key == key).unwrap_or_else(|| panic!("no provision {key}"))
}

#[test]
fn explanations_name_the_rule_the_evidence_and_the_sources() {
    let (case, _, ev) = load();
    let r = pactum_engine::evaluate(&case, &ev, Date::parse("2021-09-01").expect("date"));

    let c = status(&r, "doha_2020.part_one_c");
    assert_eq!(c.rules[0], "achieve taliban_freed up to 5000 by 2020-03-10");
    assert!(c.reason.contains("184 days after the deadline 2020-03-10"), "{}", c.reason);
    assert!(c.progress.as_ref().is_some_and(|p| p.target.contains("a cap")), "caps must be shown as caps");
    assert!(c.evidence.iter().any(|e| e.id == "prisoners-gov-total-2020-09-10" && e.source.contains("RFE/RL")));

    let talks = status(&r, "doha_2020.preamble_3");
    assert!(talks.reason.contains("186 days after the deadline"), "{}", talks.reason);

    // The counter-terrorism guarantee: both sides named, with their sources.
    let ct = status(&r, "doha_2020.part_two_1");
    assert_eq!(ct.state, State::Disputed);
    let roles: Vec<(&str, &str)> = ct.evidence.iter().map(|e| (e.id.as_str(), e.role)).collect();
    assert!(roles.contains(&("ties-al-qaeda-2020-06-01", "contested")), "{roles:?}");
    assert!(roles.contains(&("denial-ties-2020-06-01", "denial")), "{roles:?}");
    assert!(ct.caveats.iter().any(|c| c.contains("in areas under their control")), "the scope clause must be shown");

    // Over the cap: 1,005 released against "up to 1,000".
    let other = status(&r, "doha_2020.part_one_c_other_side");
    assert!(other.caveats.iter().any(|c| c.contains("exceeds the cap")), "{:?}", other.caveats);

    // Five bases: handed over by 14 July at the latest; on time only on the earliest reading.
    let bases = status(&r, "doha_2020.part_one_a2");
    assert_eq!(bases.state, State::Met);
    assert!(bases.caveats.iter().any(|c| c.contains("earliest reading")), "{:?}", bases.caveats);

    // The withdrawal's condition hangs on the disputed guarantee: kept in force, and said so.
    let b = status(&r, "doha_2020.part_one_b");
    assert!(b.reason.contains("condition is disputed"), "{}", b.reason);

    let secret = status(&r, "doha_2020.annexes");
    assert_eq!(secret.state, State::NotMonitorable);
}

#[test]
fn the_checker_flags_the_prisoner_duty_and_the_deadlock() {
    let (_, diags, _) = load();
    let codes: Vec<(&str, &str)> = diags.iter().map(|d| (d.code, d.message.as_str())).collect();
    assert!(codes.iter().any(|(c, m)| *c == "duty-on-non-signatory" && m.contains("`gov`") && m.contains("doha_2020")), "{codes:?}");
    assert!(codes.iter().any(|(c, m)| *c == "circular-precondition" && m.contains("taliban_talks_after_release")), "{codes:?}");
    assert!(codes.iter().any(|(c, m)| *c == "restated-differently" && m.contains("jd_prisoners")), "{codes:?}");
}

#[test]
fn the_timeline_is_the_same_whatever_the_evaluation_date_after_it() {
    let (case, _, ev) = load();
    let a = pactum_engine::run(&case, &ev, Date::parse("2021-09-01").expect("date"));
    let b = pactum_engine::run(&case, &ev, Date::parse("2022-01-01").expect("date"));
    assert_eq!(a.timeline, b.timeline);
    let slow = pactum_engine::reference::run(&case, &ev, Date::parse("2021-09-01").expect("date"));
    assert_eq!(a, slow, "engine and reference disagree on the Doha case");
}
