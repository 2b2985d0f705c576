//! The UCDP GED importer on real rows (UCDP GED 23.1, CC BY 4.0: see tests/data/README.md).

mod support;

use pactum_base::{Date, DateRange, Quantity};
use pactum_import::{import, Dataset, Options};
use support::{data, doha_mapping, mapping, rendered};

const AFG: &str = "ucdp-ged-23.1-afghanistan-2019-2021.csv";
const SAMPLE: &str = "ucdp-ged-23.1-sample.csv";

fn d(s: &str) -> Date {
    Date::parse(s).expect("a date")
}

#[test]
fn afghanistan_rows_through_the_doha_mapping() {
    let m = doha_mapping(Dataset::Ucdp);
    let r = import(Dataset::Ucdp, AFG, &data(AFG), &m, &Options::default()).unwrap();
    assert_eq!(r.rows, 36);
    assert_eq!(r.items.len(), 31);
    assert_eq!(r.unmatched, 5);
    assert_eq!(
        r.unmatched_by,
        vec![("type_of_violence = 3 (one-sided)".to_string(), 3), ("type_of_violence = 1 (state-based)".to_string(), 2)]
    );
    for it in &r.items {
        assert_eq!((it.kind.as_str(), it.actor.as_deref(), it.target.as_deref()), ("ucdp_event", Some("taliban"), Some("gov")));
        assert_eq!(it.quantity, Some(Quantity::exact(1.0)));
    }
    // best outside low..high: flagged in the note and in the report, the data kept as given.
    assert_eq!(r.flagged, vec!["ucdp:406097", "ucdp:386422", "ucdp:381442"]);
    let it = r.items.iter().find(|i| i.id == "ucdp:406097").unwrap();
    assert_eq!(it.origin.row, 7);
    assert_eq!(it.date, DateRange { first: d("2021-06-22"), last: d("2021-06-23") });
    assert_eq!(it.place.as_deref(), Some("Logar"), "renamed by [places]");
    assert_eq!(it.source.outlet, "Bakhtar News Agency");
    assert_eq!(it.source.date, "2021-06-24");
    assert_eq!(it.source.title.as_deref(), Some("209 Taliban Militants Killed Across the Country"));
    let note = it.note.as_deref().unwrap();
    for part in [
        "deaths: best 18, low 18, high 17 (side a 0, side b 18, civilians 0, unknown 0)",
        "sides: Government of Afghanistan | Taleban",
        "date_prec: 2",
        "where_prec 4",
        "other sources: Ministry of Defence (2021-06-23, \"209 Taliban #terrorists were killed and 129 others were wounded in Logar....\")",
        "original source: MoD",
        "FLAG: best 18 lies outside low..high 18..17 in the UCDP data (kept as given)",
    ] {
        assert!(note.contains(part), "{part} not in {note}");
    }
    let plain = r.items.iter().find(|i| i.id == "ucdp:401115").unwrap();
    assert!(!plain.note.as_deref().unwrap().contains("FLAG"));
}

#[test]
fn quoted_fields_with_line_breaks() {
    let m = doha_mapping(Dataset::Ucdp);
    let r = import(Dataset::Ucdp, AFG, &data(AFG), &m, &Options::default()).unwrap();
    // Record 279290 starts on line 15 and its source fields run over seven lines.
    let it = r.items.iter().find(|i| i.id == "ucdp:279290").unwrap();
    assert_eq!(it.origin.row, 15);
    assert_eq!(it.source.title.as_deref(), Some("Roundup: Fightings kill 22 in Afghanistan in 2 days AU Abdul Haleem"));
    // The rows after it are numbered by the lines they start on.
    let later = r.items.iter().find(|i| i.id == "ucdp:320856").unwrap();
    assert_eq!(later.origin.row, 44);
    assert!(later.note.as_deref().unwrap().contains("original source: NY Times, relative, local Taliban commander, Mansour Azizi,"));
    assert_eq!(r.items.iter().find(|i| i.id == "ucdp:381442").unwrap().origin.row, 47);
}

#[test]
fn the_sample_has_thirteen_rows_with_best_outside_the_range() {
    let all = mapping("dataset = \"ucdp\"\n[[rule]]\nkind = \"attack\"\nquantity = \"best\"\n");
    let r = import(Dataset::Ucdp, SAMPLE, &data(SAMPLE), &all, &Options::default()).unwrap();
    assert_eq!(r.rows, 1000);
    assert_eq!(r.items.len(), 1000);
    assert_eq!(r.unmatched, 0);
    assert_eq!(
        r.flagged,
        ["236880", "304491", "299515", "406097", "464847", "252478", "225681", "162326", "386422", "193150", "192827", "381442", "212386"]
            .map(|id| format!("ucdp:{id}"))
    );
    assert_eq!(r.items.iter().filter(|i| i.note.as_deref().unwrap().contains("FLAG:")).count(), 13);
    // The Doha mapping picks the 112 government-Taleban events out of the 1,000.
    let r = import(Dataset::Ucdp, SAMPLE, &data(SAMPLE), &doha_mapping(Dataset::Ucdp), &Options::default()).unwrap();
    assert_eq!((r.items.len(), r.unmatched), (112, 888));
}

#[test]
fn quantity_as_best_or_as_low_to_high() {
    let best = mapping("dataset = \"ucdp\"\n[[rule]]\nkind = \"attack\"\nquantity = \"best\"\n");
    let r = import(Dataset::Ucdp, AFG, &data(AFG), &best, &Options::default()).unwrap();
    let q = |r: &pactum_import::Import, id: &str| r.items.iter().find(|i| i.id == id).unwrap().quantity;
    assert_eq!(q(&r, "ucdp:406097"), Some(Quantity::exact(18.0)));
    assert_eq!(q(&r, "ucdp:386422"), Some(Quantity::exact(11.0)));
    let range = mapping("dataset = \"ucdp\"\n[[rule]]\nkind = \"attack\"\nquantity = \"low..high\"\n");
    let r = import(Dataset::Ucdp, AFG, &data(AFG), &range, &Options::default()).unwrap();
    assert_eq!(q(&r, "ucdp:386422"), Some(Quantity { low: 12.0, high: 12.0 }));
    // low 18 above high 17: a quantity must run low to high, and the note says so.
    assert_eq!(q(&r, "ucdp:406097"), Some(Quantity { low: 17.0, high: 18.0 }));
    let note = r.items.iter().find(|i| i.id == "ucdp:406097").unwrap().note.clone().unwrap();
    assert!(note.contains("low 18 is above high 17 in the data; the quantity is taken as 17..18"), "{note}");
}

#[test]
fn rows_without_a_source_office_fall_back_to_ucdp() {
    let all = mapping("dataset = \"ucdp\"\n[[rule]]\nkind = \"attack\"\n");
    let r = import(Dataset::Ucdp, SAMPLE, &data(SAMPLE), &all, &Options::default()).unwrap();
    let it = r.items.iter().find(|i| i.id == "ucdp:21300").unwrap();
    assert_eq!(it.source.outlet, "UCDP GED");
    assert_eq!(it.source.title.as_deref(), Some("UCDP GED event 21300"));
    assert_eq!(it.source.date, "1989-05-16", "the end of the event's dates");
    assert!(it.note.as_deref().unwrap().contains("source_article: Reuters 1989-05-17 \"ANGOLAN UNITA REBELS"));
    // Unmapped sides stay as UCDP writes them.
    assert_eq!(it.actor.as_deref(), Some("Government of Angola"));
    assert_eq!(it.target.as_deref(), Some("UNITA"));
}

#[test]
fn a_bad_date_rejects_the_file_naming_row_and_column() {
    let text = String::from_utf8(data(AFG)).unwrap().replacen(",2021-06-22,2021-06-23,", ",2021-06-31,2021-06-23,", 1);
    let m = doha_mapping(Dataset::Ucdp);
    let errs = import(Dataset::Ucdp, "ged.csv", text.as_bytes(), &m, &Options::default()).unwrap_err();
    assert_eq!(
        rendered(&errs),
        "ged.csv: row 7, field `date_start`: `2021-06-31` is not a date\n  = help: UCDP writes dates as 2020-03-03"
    );
    let r = import(Dataset::Ucdp, "ged.csv", text.as_bytes(), &m, &Options { keep_going: true, progress: None }).unwrap();
    assert_eq!((r.rows, r.items.len(), r.bad_rows), (36, 30, 1));
    assert!(!r.flagged.contains(&"ucdp:406097".to_string()));
}
