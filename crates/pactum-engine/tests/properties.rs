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

    /// `extend` is `prepare` of everything: the same items, the same active list (numbering,
    /// order, denials), whatever the split. The parts are random (new items correct, retract
    /// and deny held ones; new ids sort before, between and after held ones; some reuse a held
    /// id from the same file), added in up to three steps, each part in random row order.
    #[test]
    fn extend_is_prepare_of_everything(seed in any::<u64>(), split in any::<u64>()) {
        let Some((case, items, as_of)) = build(seed) else { return Ok(()) };
        let mut r = Rng::new(split);
        let items = rename_and_repeat(items, &mut r);
        let parts = random_parts(&items, &mut r);
        let mut ev = pactum_engine::prepare(&case, parts[0].clone()).expect("valid");
        let mut so_far = parts[0].clone();
        for part in &parts[1..] {
            ev.extend(&case, part.clone()).expect("valid");
            so_far.extend(part.iter().cloned());
            let whole = pactum_engine::prepare(&case, so_far.clone()).expect("valid");
            prop_assert_eq!(ev.items.as_ref(), whole.items.as_ref());
            prop_assert_eq!(format!("{:?}", ev.active), format!("{:?}", whole.active));
        }
        // The same rows in the same order (rows that repeat an id are told apart by their order).
        let all = pactum_engine::prepare(&case, so_far).expect("valid");
        prop_assert_eq!(ev.items.as_ref(), all.items.as_ref());
        prop_assert_eq!(format!("{:?}", ev.active), format!("{:?}", all.active));
        prop_assert_eq!(pactum_engine::run(&case, &ev, as_of), pactum_engine::run(&case, &all, as_of));
        let early = ev.earliest_reading();
        prop_assert_eq!(format!("{:?}", early.active), format!("{:?}", all.earliest_reading().active));
    }

    /// New items with errors (a reference to nothing, an unknown kind, a held id from another
    /// file): `extend` reports what `prepare` of everything reports, and changes nothing.
    #[test]
    fn extend_with_errors_reports_what_prepare_reports(seed in any::<u64>(), split in any::<u64>()) {
        let Some((case, items, _)) = build(seed) else { return Ok(()) };
        let mut r = Rng::new(split);
        let items = rename_and_repeat(items, &mut r);
        let parts = random_parts(&items, &mut r);
        let old: Vec<_> = parts[0].clone();
        let mut new: Vec<_> = parts[1..].concat();
        if new.is_empty() {
            return Ok(());
        }
        for _ in 0..1 + r.below(3) {
            let i = r.below(new.len() as u64) as usize;
            let mut bad = new[i].clone();
            bad.origin.row += 1000;
            match r.below(3) {
                0 => bad.reference = Some("nothing".into()),
                1 => bad.kind = "atack".into(),
                _ => {
                    let from = if old.is_empty() { &new } else { &old };
                    bad.id = from[r.below(from.len() as u64) as usize].id.clone();
                    bad.origin.file = "other.csv".into();
                }
            }
            new.push(bad);
        }
        let mut ev = pactum_engine::prepare(&case, old.clone()).expect("valid");
        let before = (ev.items.as_ref().clone(), format!("{:?}", ev.active));
        let got = ev.extend(&case, new.clone());
        let want = pactum_engine::prepare(&case, old.into_iter().chain(new).collect());
        prop_assert!(want.is_err());
        prop_assert_eq!(got.err(), want.err());
        prop_assert_eq!((ev.items.as_ref().clone(), format!("{:?}", ev.active)), before);
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

/// Gives some items ids that sort before or after every other (references follow), and
/// repeats a few rows under an id already used, in the same file (which is allowed).
fn rename_and_repeat(mut items: Vec<pactum_evidence::Item>, r: &mut Rng) -> Vec<pactum_evidence::Item> {
    let mut renamed = std::collections::HashMap::new();
    for it in &mut items {
        let prefix = r.pick(&["", "", "0", "~"]);
        let id = format!("{prefix}{}", it.id);
        renamed.insert(it.id.clone(), id.clone());
        it.id = id;
    }
    for it in &mut items {
        if let Some(x) = &it.reference {
            it.reference = renamed.get(x).cloned();
        }
    }
    let n = items.len();
    for _ in 0..r.below(3) {
        if n == 0 {
            break;
        }
        let mut again = items[r.below(n as u64) as usize].clone();
        again.origin.row += 500;
        again.rel = pactum_evidence::Relation::Asserts;
        again.reference = None;
        items.push(again);
    }
    items
}

/// Splits items into one to four parts, each in random row order; every reference points into
/// its own part or an earlier one.
fn random_parts(items: &[pactum_evidence::Item], r: &mut Rng) -> Vec<Vec<pactum_evidence::Item>> {
    let k = 1 + r.below(4) as usize;
    let mut part_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut parts = vec![Vec::new(); k];
    for it in items {
        let mut p = r.below(k as u64) as usize;
        if let Some(t) = it.reference.as_deref().and_then(|x| part_of.get(x)) {
            p = p.max(*t);
        }
        // A repeated id goes where its last row went, or later.
        if let Some(t) = part_of.get(it.id.as_str()) {
            p = p.max(*t);
        }
        part_of.insert(&it.id, p);
        parts[p].push(it.clone());
    }
    for part in &mut parts {
        for i in (1..part.len()).rev() {
            let j = r.below(i as u64 + 1) as usize;
            part.swap(i, j);
        }
    }
    parts
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
