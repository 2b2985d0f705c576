//! Properties of the engine on random cases:
//! - the engine agrees with the slow reference evaluator, day by day and change by change;
//! - the result does not depend on the order of the evidence rows.

mod gen;

use gen::Rng;
use pactum_base::Date;
use proptest::prelude::*;

fn build(seed: u64) -> Option<(pactum_check::Case, Vec<pactum_evidence::Item>, Date)> {
    let mut r = Rng::new(seed);
    let n = 1 + r.below(8) as usize;
    let text = gen::agreement(&mut r, n);
    let (case, diags, _) = pactum_check::check_sources(&[("gen.pactum".into(), text.clone())]);
    let errors: Vec<_> = diags.iter().filter(|d| d.severity == pactum_syntax::Severity::Error).collect();
    assert!(errors.is_empty(), "the generator wrote an invalid agreement (seed {seed}):\n{text}\n{errors:#?}");
    let m = r.below(60) as usize;
    let items = gen::evidence(&mut r, m);
    let as_of = gen::base().add_days(r.below(gen::SPAN as u64 + 60) as i64);
    Some((case, items, as_of))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_reference(seed in any::<u64>()) {
        let Some((case, items, as_of)) = build(seed) else { return Ok(()) };
        let ev = pactum_engine::prepare(&case, items).expect("generated evidence is valid");
        let fast = pactum_engine::run(&case, &ev, as_of);
        let slow = pactum_engine::reference::run(&case, &ev, as_of);
        prop_assert_eq!(&fast.states, &slow.states, "states differ for seed {}", seed);
        prop_assert_eq!(&fast.timeline, &slow.timeline, "timelines differ for seed {}", seed);
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn adding_evidence_later_gives_the_same_result(seed in any::<u64>(), cut in any::<u64>()) {
        let Some((case, items, as_of)) = build(seed) else { return Ok(()) };
        // Keep references inside the first part valid: cut at a point and move every item that
        // refers to a later one along with it.
        let at = if items.is_empty() { 0 } else { (cut % (items.len() as u64 + 1)) as usize };
        let mut first: Vec<_> = items.iter().cloned().enumerate().filter(|(i, _)| *i < at).collect();
        let ids: std::collections::HashSet<String> = first.iter().map(|(_, it)| it.id.clone()).collect();
        first.retain(|(_, it)| it.reference.as_ref().is_none_or(|r| ids.contains(r)));
        let first: Vec<_> = first.into_iter().map(|(_, it)| it).collect();
        let kept: std::collections::HashSet<String> = first.iter().map(|it| it.id.clone()).collect();
        let rest: Vec<_> = items.iter().filter(|it| !kept.contains(&it.id)).cloned().collect();
        let mut ev = pactum_engine::prepare(&case, first).expect("valid");
        ev.extend(&case, rest).expect("valid");
        let all = pactum_engine::prepare(&case, items).expect("valid");
        prop_assert_eq!(pactum_engine::run(&case, &ev, as_of), pactum_engine::run(&case, &all, as_of));
    }

    #[test]
    fn row_order_does_not_matter(seed in any::<u64>(), shuffle in any::<u64>()) {
        let Some((case, items, as_of)) = build(seed) else { return Ok(()) };
        let mut shuffled = items.clone();
        let mut r = Rng::new(shuffle);
        for i in (1..shuffled.len()).rev() {
            let j = r.below(i as u64 + 1) as usize;
            shuffled.swap(i, j);
        }
        let a = pactum_engine::run(&case, &pactum_engine::prepare(&case, items).expect("valid"), as_of);
        let b = pactum_engine::run(&case, &pactum_engine::prepare(&case, shuffled).expect("valid"), as_of);
        prop_assert_eq!(a, b);
    }
}

/// The generator must reach every state, or the agreement test above proves little.
#[test]
fn generated_cases_reach_every_state() {
    use pactum_engine::State::*;
    let mut seen = std::collections::BTreeSet::new();
    let mut changes = 0;
    for seed in 0..600 {
        let Some((case, items, as_of)) = build(seed) else { continue };
        let ev = pactum_engine::prepare(&case, items).expect("valid");
        let out = pactum_engine::run(&case, &ev, as_of);
        changes += out.timeline.len();
        for c in &out.timeline {
            seen.insert(c.to);
        }
        seen.extend(out.states.iter().map(|s| s.0));
    }
    for s in [Pending, Active, Met, MetLate, Breached, Suspended, Void, Disputed, NotMonitorable] {
        assert!(seen.contains(&s), "no generated case reached {s:?}; reached {seen:?}");
    }
    assert!(changes > 1000, "only {changes} changes of state in 600 cases");
}

/// Adds `//` comments above random items, so round trips must keep them.
fn with_comments(text: &str, r: &mut Rng) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        let indent = &line[..line.len() - t.len()];
        if (t.starts_with("provision") || (indent.len() == 4 && !t.is_empty())) && r.chance(30) {
            out.push_str(&format!("{indent}// note {}\n", r.below(1000)));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    /// Formatting then parsing gives the same agreement, comments included, and formatting
    /// is a fixed point.
    #[test]
    fn format_then_parse_is_identity(seed in any::<u64>()) {
        let mut r = Rng::new(seed);
        let n = 1 + r.below(8) as usize;
        let text = with_comments(&gen::agreement(&mut r, n), &mut r);
        let id = pactum_syntax::FileId(0);
        let (tree, diags) = pactum_syntax::parse(id, &text);
        prop_assert!(diags.is_empty(), "{:?}", diags);
        let formatted = pactum_syntax::format(&tree);
        let (again, diags2) = pactum_syntax::parse(id, &formatted);
        prop_assert!(diags2.is_empty(), "{:?}", diags2);
        prop_assert_eq!(&tree, &again);
        prop_assert_eq!(pactum_syntax::format(&again), formatted.clone());
        prop_assert_eq!(formatted.matches("// note").count(), text.matches("// note").count());
        // And the checked meaning is unchanged.
        let (a, _, _) = pactum_check::check_sources(&[("a.pactum".into(), text.clone())]);
        let (b, _, _) = pactum_check::check_sources(&[("a.pactum".into(), formatted.clone())]);
        prop_assert_eq!(format!("{:?}", a.provisions.iter().map(|p| (&p.key, &p.duty, &p.trigger, &p.provided, &p.consequences)).collect::<Vec<_>>()),
                        format!("{:?}", b.provisions.iter().map(|p| (&p.key, &p.duty, &p.trigger, &p.provided, &p.consequences)).collect::<Vec<_>>()));
    }
}

#[test]
fn shipped_agreements_are_formatted() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/doha-2020");
    for entry in std::fs::read_dir(dir).expect("examples") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "pactum") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let (tree, diags) = pactum_syntax::parse(pactum_syntax::FileId(0), &text);
        assert!(diags.is_empty(), "{}: {diags:?}", path.display());
        assert_eq!(pactum_syntax::format(&tree), text, "{} is not in canonical form: run `pactum fmt`", path.display());
    }
}
