//! The imported items are evidence the Doha case accepts: their kinds exist, their parties
//! resolve, and the engine evaluates the case with them.

mod support;

use pactum_base::Date;
use pactum_import::{import, import_acled_deletions, Dataset, Options};
use std::path::PathBuf;
use support::{data, doha_mapping};

fn case() -> pactum_check::Case {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/doha-2020");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).expect("example folder").map(|e| e.expect("entry").path()).collect();
    names.sort();
    let inputs: Vec<(String, String)> = names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pactum"))
        .map(|p| (p.file_name().unwrap_or_default().to_string_lossy().into_owned(), std::fs::read_to_string(p).expect("readable")))
        .collect();
    pactum_check::check_sources(&inputs).0
}

#[test]
fn imported_items_prepare_and_evaluate_against_the_doha_case() {
    let case = case();
    let acled = "acled-afghanistan-fixture.csv";
    let ucdp = "ucdp-ged-23.1-afghanistan-2019-2021.csv";
    let mut items = import(Dataset::Acled, acled, &data(acled), &doha_mapping(Dataset::Acled), &Options::default()).unwrap().items;
    items.extend(import(Dataset::Ucdp, ucdp, &data(ucdp), &doha_mapping(Dataset::Ucdp), &Options::default()).unwrap().items);
    let n = items.len();
    // Retractions of events that were imported; the deletions list also names one that was not,
    // which a store must leave aside (its `ref` would resolve to nothing).
    let deletions = "acled-deletions-fixture.csv";
    let retractions = import_acled_deletions(deletions, &data(deletions), &Options::default()).unwrap().items;
    let known: std::collections::HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
    let (usable, unknown): (Vec<_>, Vec<_>) = retractions.into_iter().partition(|r| known.contains(r.reference.as_deref().unwrap_or("")));
    assert_eq!((usable.len(), unknown.len()), (2, 1));
    items.extend(usable);
    let prepared = pactum_engine::prepare(&case, items).unwrap_or_else(|e| panic!("{}", support::rendered(&e)));
    assert_eq!(prepared.items.len(), n + 2);
    let as_of = Date::parse("2020-03-07").expect("a date");
    let outcome = pactum_engine::run(&case, &prepared, as_of);
    assert_eq!(outcome.as_of, as_of);
    assert_eq!(outcome.states.len(), case.provisions.len());
    // The reduction-in-violence provision, fed by the fixture's attacks: 70 in the week before
    // (counting each ranged row on its last possible day) and 7 in the week of 22-28 February.
    let i = case.provisions.iter().position(|p| p.key == "riv_2020.riv_attacks").expect("the Doha case's riv_attacks provision");
    assert_eq!(outcome.states[i].0, pactum_engine::State::Met, "{:?}", outcome.states[i]);
}
