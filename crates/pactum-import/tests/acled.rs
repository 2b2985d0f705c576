//! The ACLED importer on the synthetic fixture (see tests/data/README.md) and on rows written
//! by a small writer.

mod support;

use pactum_base::{Date, DateRange, Quantity};
use pactum_evidence::Relation;
use pactum_import::{import, import_acled_deletions, Dataset, Options};
use support::acled_writer::{to_csv, AcledRow, COLUMNS};
use support::{data, doha_mapping, mapping, rendered};

const FIXTURE: &str = "acled-afghanistan-fixture.csv";

fn d(s: &str) -> Date {
    Date::parse(s).expect("a date")
}

fn range(a: &str, b: &str) -> DateRange {
    DateRange { first: d(a), last: d(b) }
}

#[test]
fn the_fixture_through_the_doha_mapping() {
    let m = doha_mapping(Dataset::Acled);
    let r = import(Dataset::Acled, FIXTURE, &data(FIXTURE), &m, &Options::default()).unwrap();
    assert_eq!(r.rows, 190);
    assert_eq!(r.items.len(), 151);
    assert_eq!(r.unmatched, 39);
    assert_eq!(
        r.unmatched_by,
        vec![
            ("event_type = Battles".to_string(), 17),
            ("event_type = Violence against civilians".to_string(), 8),
            ("event_type = Protests".to_string(), 7),
            ("event_type = Strategic developments".to_string(), 4),
            ("event_type = Explosions/Remote violence".to_string(), 2),
            ("event_type = Riots".to_string(), 1),
        ]
    );
    assert!(r.errors.is_empty() && r.flagged.is_empty());
    for it in &r.items {
        assert_eq!(it.kind, "attack");
        assert_eq!(it.actor.as_deref(), Some("taliban"));
        assert_eq!(it.target.as_deref(), Some("gov"));
        assert_eq!(it.quantity, Some(Quantity::exact(1.0)));
        assert!(it.id.starts_with("acled:AFGSYN"));
    }
    let first = &r.items[0];
    assert_eq!(first.id, "acled:AFGSYN0001");
    assert_eq!(first.date, DateRange::day(d("2020-02-15")));
    assert_eq!(first.place.as_deref(), Some("Uruzgan"));
    assert_eq!(first.source.outlet, "Fixture News Agency");
    assert_eq!(first.source.date, "2020-02-15");
    assert_eq!(first.source.title.as_deref(), Some("ACLED event AFGSYN0001"));
    assert_eq!(first.origin.row, 2);
    let note = first.note.as_deref().unwrap();
    assert!(
        note.starts_with("location: Tirin Kot (32.6300, 65.8700); event: Battles / Armed clash; actors: Taliban | Military Forces"),
        "{note}"
    );
    assert!(note.contains("fatalities: 4") && note.contains("SYNTHETIC ROW"), "{note}");
}

/// The reduction in violence, measurable: attacks a day in the week of 22-28 February 2020
/// against the weeks before and after (counting the rows dated to a single day).
#[test]
fn the_reduction_in_violence_week_shows() {
    let m = doha_mapping(Dataset::Acled);
    let r = import(Dataset::Acled, FIXTURE, &data(FIXTURE), &m, &Options::default()).unwrap();
    let count = |a: &str, b: &str| r.items.iter().filter(|i| i.date.is_exact() && i.date.first >= d(a) && i.date.last <= d(b)).count();
    let before = count("2020-02-15", "2020-02-21");
    let riv = count("2020-02-22", "2020-02-28");
    let after = count("2020-03-02", "2020-03-07");
    assert_eq!((before, riv, after), (69, 6, 70));
    assert!(riv * 5 < before && riv * 5 < after);
    let helmand = r.items.iter().filter(|i| i.place.as_deref() == Some("Helmand")).count();
    assert_eq!(helmand, 42);
}

#[test]
fn time_precision_gives_day_week_or_month() {
    let m = doha_mapping(Dataset::Acled);
    let r = import(Dataset::Acled, FIXTURE, &data(FIXTURE), &m, &Options::default()).unwrap();
    let by_id = |id: &str| r.items.iter().find(|i| i.id == id).unwrap_or_else(|| panic!("{id}"));
    // Saturday 15 February 2020, precision 2: the ISO week Monday 10 - Sunday 16 February.
    assert_eq!(by_id("acled:AFGSYN0004").date, range("2020-02-10", "2020-02-16"));
    // Monday 17 February, precision 2.
    assert_eq!(by_id("acled:AFGSYN0034").date, range("2020-02-17", "2020-02-23"));
    // Written `04 March 2020`, precision 2.
    assert_eq!(by_id("acled:AFGSYN0141").date, range("2020-03-02", "2020-03-08"));
    // Written `7 March 2020`, precision 3: the month.
    let month = by_id("acled:AFGSYN0185");
    assert_eq!(month.date, range("2020-03-01", "2020-03-31"));
    assert!(month.note.as_deref().unwrap().contains("time_precision: 3 (some day in that month)"));
    // The source's date is the event date as written, whatever its precision.
    assert_eq!(month.source.date, "2020-03-07");
}

#[test]
fn date_forms_all_read() {
    let m = doha_mapping(Dataset::Acled);
    let text = String::from_utf8(data(FIXTURE)).unwrap();
    assert!(text.contains(",2020-02-15,") && text.contains(",15 February 2020,") && text.contains(",05 March 2020,"));
    let r = import(Dataset::Acled, FIXTURE, text.as_bytes(), &m, &Options::default()).unwrap();
    // AFGSYN0002 is written `15 February 2020`, AFGSYN0003 `15 February 2020` too; both are days.
    let two = r.items.iter().find(|i| i.id == "acled:AFGSYN0002").unwrap();
    assert_eq!(two.date, DateRange::day(d("2020-02-15")));
}

#[test]
fn demostrations_and_taliban_or_islamic_state_rows() {
    // A rule on disorder_type written correctly also takes ACLED's misspelling.
    let m = mapping(
        r#"
        dataset = "acled"
        [actors]
        "Taliban" = "taliban"
        [[rule]]
        kind = "statement"
        disorder_type = "Demonstrations"
        actor = false
        target = false
        [[rule]]
        kind = "attack"
        actor1 = "Taliban and/or Islamic State"
        "#,
    );
    let r = import(Dataset::Acled, FIXTURE, &data(FIXTURE), &m, &Options::default()).unwrap();
    let demos: Vec<_> = r.items.iter().filter(|i| i.kind == "statement").collect();
    assert_eq!(demos.len(), 8, "7 protests and a riot");
    assert!(demos.iter().any(|i| i.note.as_deref().unwrap().contains("Protests")));
    assert!(demos.iter().all(|i| i.actor.is_none() && i.target.is_none()));
    // "Taliban and/or Islamic State" stays as ACLED writes it: it is not mapped to `taliban`.
    let either: Vec<_> = r.items.iter().filter(|i| i.kind == "attack").collect();
    assert_eq!(either.len(), 2);
    assert!(either.iter().all(|i| i.actor.as_deref() == Some("Taliban and/or Islamic State")));
    assert_eq!(either[0].target.as_deref(), Some("Police Forces of Afghanistan (2014-2021)"));
}

#[test]
fn the_older_export_gives_the_same_items() {
    let m = doha_mapping(Dataset::Acled);
    let old_name = "acled-afghanistan-fixture-older-export.csv";
    let old = import(Dataset::Acled, old_name, &data(old_name), &m, &Options::default()).unwrap();
    let new = import(Dataset::Acled, FIXTURE, &data(FIXTURE), &m, &Options::default()).unwrap();
    assert_eq!(old.rows, 30);
    assert!(!old.items.is_empty());
    for it in &old.items {
        let mut same = new.items.iter().find(|n| n.id == it.id).unwrap().clone();
        same.origin.file = old_name.to_string();
        assert_eq!(*it, same);
    }
    // Actor types are numbers there and text here; a rule on them reads both.
    let by_inter =
        mapping("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\ninter1 = \"Rebel group\"\ninter2 = 1\ninteraction = \"12\"\n");
    let a = import(Dataset::Acled, old_name, &data(old_name), &by_inter, &Options::default()).unwrap();
    let b = import(Dataset::Acled, FIXTURE, &data(FIXTURE), &by_inter, &Options::default()).unwrap();
    assert_eq!(a.items.len(), 0, "interaction 21 is rebel group vs state forces, not 12");
    assert_eq!(b.items.len(), 0);
    let by_inter = mapping("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\ninter1 = \"Rebel group\"\ninter2 = 1\ninteraction = \"Rebel group-State forces\"\n");
    let a = import(Dataset::Acled, old_name, &data(old_name), &by_inter, &Options::default()).unwrap();
    let b = import(Dataset::Acled, FIXTURE, &data(FIXTURE), &by_inter, &Options::default()).unwrap();
    assert_eq!(old.items.len(), 27);
    assert_eq!(a.items.len(), 28, "27 Taliban attacks and one Islamic State battle");
    assert_eq!(b.items.len(), 158, "151 Taliban attacks, 5 Islamic State battles, 2 by `Taliban and/or Islamic State`");
}

#[test]
fn deletions_become_retractions() {
    let name = "acled-deletions-fixture.csv";
    let r = import_acled_deletions(name, &data(name), &Options::default()).unwrap();
    assert_eq!(r.rows, 3);
    let ids: Vec<_> = r.items.iter().map(|i| (i.id.as_str(), i.reference.as_deref().unwrap())).collect();
    assert_eq!(
        ids,
        vec![
            ("acled:AFGSYN0005:deleted", "acled:AFGSYN0005"),
            ("acled:AFGSYN0058:deleted", "acled:AFGSYN0058"),
            ("acled:AFGSYN9999:deleted", "acled:AFGSYN9999")
        ]
    );
    let it = &r.items[0];
    assert_eq!(it.rel, Relation::Retracts);
    assert_eq!(it.kind, "statement");
    assert_eq!(it.source.outlet, "ACLED deletions list");
    assert_eq!(it.date, DateRange::day(d("2020-03-13")));
    assert_eq!(it.source.date, "2020-03-13");
    let bad = import_acled_deletions("del.csv", b"event_id_cnty,deleted_timestamp\nAFG1,yesterday\n", &Options::default()).unwrap_err();
    assert_eq!(rendered(&bad), "del.csv: row 2, field `deleted_timestamp`: `yesterday` is not a time\n  = help: the deletions list gives the time in seconds since 1970, such as 1583366400");
}

fn sample_row() -> AcledRow {
    AcledRow {
        event_id_cnty: "AFG1".into(),
        event_date: "2020-03-03".into(),
        year: "2020".into(),
        time_precision: "1".into(),
        disorder_type: "Political violence".into(),
        event_type: "Battles".into(),
        sub_event_type: "Armed clash".into(),
        actor1: "Taliban".into(),
        inter1: "Rebel group".into(),
        actor2: "Military Forces of Afghanistan (2014-2021)".into(),
        inter2: "State forces".into(),
        interaction: "Rebel group-State forces".into(),
        iso: "4".into(),
        region: "Caucasus and Central Asia".into(),
        country: "Afghanistan".into(),
        admin1: "Helmand".into(),
        location: "Marjah".into(),
        latitude: "31.52".into(),
        longitude: "64.12".into(),
        geo_precision: "1".into(),
        source: "Fixture News Agency".into(),
        source_scale: "National".into(),
        notes: "invented".into(),
        fatalities: "2".into(),
        timestamp: "1583366400".into(),
        ..AcledRow::default()
    }
}

#[test]
fn a_bad_row_names_file_row_column_and_value() {
    let m = doha_mapping(Dataset::Acled);
    let mut rows = vec![sample_row(); 3];
    rows[1].event_id_cnty = "AFG2".into();
    rows[1].event_date = "31 Febuary 2020".into();
    rows[2].event_id_cnty = "AFG3".into();
    rows[2].time_precision = "4".into();
    let text = to_csv(&COLUMNS, &rows);
    let errs = import(Dataset::Acled, "acled.csv", text.as_bytes(), &m, &Options::default()).unwrap_err();
    assert_eq!(
        rendered(&errs),
        "acled.csv: row 3, field `event_date`: `31 Febuary 2020` is not a date\n  = help: ACLED writes dates as 2020-03-03 or 3 March 2020\n\
         acled.csv: row 4, field `time_precision`: `4` is not a time precision\n  = help: ACLED's time_precision is 1 (that day), 2 (some day in that week) or 3 (some day in that month)"
    );
    // keep_going: the good row, and the errors.
    let r = import(Dataset::Acled, "acled.csv", text.as_bytes(), &m, &Options { keep_going: true, progress: None }).unwrap();
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.items[0].id, "acled:AFG1");
    assert_eq!((r.rows, r.bad_rows, r.errors.len()), (3, 2, 2));
    assert_eq!(r.errors[0].row, 3);
    assert_eq!(r.errors[0].field.as_deref(), Some("event_date"));
}

#[test]
fn rows_are_the_lines_records_start_on_and_short_rows_are_named() {
    let m = doha_mapping(Dataset::Acled);
    let mut rows = vec![sample_row(); 3];
    rows[0].notes = "a note\nover\nthree lines".into();
    rows[1].event_id_cnty = "AFG2".into();
    rows[2].event_id_cnty = "AFG2".into();
    let mut text = to_csv(&COLUMNS, &rows);
    text.push_str("AFG9,2020-03-03,2020\n");
    let errs = import(Dataset::Acled, "a.csv", text.as_bytes(), &m, &Options::default()).unwrap_err();
    assert_eq!(
        rendered(&errs),
        "a.csv: row 6, field `event_id_cnty`: the id `acled:AFG2` is already used on row 5\n  = help: each event may appear once in a file\n\
         a.csv: row 7: has 3 fields, the header has 31\n  = help: a field that holds a comma or a line break must be in double quotes; was the file cut short?"

    );
    let r = import(Dataset::Acled, "a.csv", text.as_bytes(), &m, &Options { keep_going: true, progress: None }).unwrap();
    assert_eq!(r.items.iter().map(|i| i.origin.row).collect::<Vec<_>>(), vec![2, 5]);
    assert!(r.items[0].note.as_deref().unwrap().contains("notes: a note over three lines"));
}

#[test]
fn missing_columns_and_the_wrong_dataset_are_reported_at_once() {
    let m = doha_mapping(Dataset::Acled);
    let errs = import(Dataset::Acled, "x.csv", b"event_id_cnty,event_date\nAFG1,2020-03-03\n", &m, &Options::default()).unwrap_err();
    assert_eq!(errs.len(), 5);
    assert_eq!(errs[0].to_string(), "x.csv: row 1, field `event_type`: the column `event_type` is missing\n  = help: an ACLED export has these columns; was the file saved from a spreadsheet with columns removed?");
    let ucdp = data("ucdp-ged-23.1-afghanistan-2019-2021.csv");
    let errs = import(Dataset::Acled, "ged.csv", &ucdp, &m, &Options::default()).unwrap_err();
    assert!(errs[0].help.as_deref().unwrap().contains("--dataset ucdp"));
    let errs = import(Dataset::Ucdp, "ged.csv", &ucdp, &m, &Options::default()).unwrap_err();
    assert_eq!(errs[0].message, "the mapping is for ACLED but the file is imported as UCDP");
}

#[test]
fn quantity_from_fatalities_and_source_date_from_timestamp() {
    let m = mapping("dataset = \"acled\"\nsource_date = \"timestamp\"\n[[rule]]\nkind = \"attack\"\nquantity = \"fatalities\"\n");
    let text = to_csv(&COLUMNS, &[sample_row()]);
    let r = import(Dataset::Acled, "a.csv", text.as_bytes(), &m, &Options::default()).unwrap();
    assert_eq!(r.items[0].quantity, Some(Quantity::exact(2.0)));
    assert_eq!(r.items[0].source.date, "2020-03-05");
    // Without a mapping for them, actors stay as ACLED writes them.
    assert_eq!(r.items[0].actor.as_deref(), Some("Taliban"));
    assert_eq!(r.items[0].target.as_deref(), Some("Military Forces of Afghanistan (2014-2021)"));
}

#[test]
fn progress_is_reported_up_to_the_total() {
    let m = doha_mapping(Dataset::Acled);
    let bytes = data(FIXTURE);
    let seen = std::cell::RefCell::new(Vec::new());
    let cb = |read: u64, total: u64| seen.borrow_mut().push((read, total));
    import(Dataset::Acled, FIXTURE, &bytes, &m, &Options { keep_going: false, progress: Some(&cb) }).unwrap();
    let seen = seen.into_inner();
    let n = bytes.len() as u64;
    assert_eq!(seen.last(), Some(&(n, n)));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
}

mod roundtrip {
    use super::*;
    use pactum_evidence::{Item, Origin, Source};
    use proptest::prelude::*;

    const MONTHS: [&str; 12] =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    fn text() -> impl Strategy<Value = String> {
        // Commas, quotes, line breaks and non-ASCII letters, which the CSV writer must quote.
        proptest::string::string_regex("[A-Za-z0-9 ,\"'\\-é;/()\n]{0,40}").expect("regex")
    }

    fn name() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[A-Za-z][A-Za-z0-9 ,'\\-()é]{0,30}").expect("regex").prop_map(|s| s.trim().to_string())
    }

    prop_compose! {
        fn event()(
            n in 1u32..999_999,
            days in 0i32..20_000,
            precision in 1u8..=3,
            form in 0u8..3,
            event_type in prop::sample::select(vec!["Battles", "Explosions/Remote violence", "Protests", "Riots"]),
            actor1 in name(),
            actor2 in name(),
            admin1 in name(),
            location in name(),
            source in name(),
            notes in text(),
            fatalities in 0u32..500,
            lat in -90.0f64..90.0,
            lon in -180.0f64..180.0,
        ) -> (AcledRow, Item) {
            let date = Date::from_days(days);
            let (y, m, dd) = date.ymd();
            let written = match form {
                0 => date.to_string(),
                1 => format!("{dd} {} {y}", MONTHS[m as usize - 1]),
                _ => format!("{dd:02} {} {y}", MONTHS[m as usize - 1]),
            };
            let id = format!("AFG{n}");
            let row = AcledRow {
                event_id_cnty: id.clone(),
                event_date: written,
                year: y.to_string(),
                time_precision: precision.to_string(),
                event_type: event_type.to_string(),
                actor1: actor1.clone(),
                actor2: actor2.clone(),
                admin1: admin1.clone(),
                location: location.clone(),
                latitude: format!("{lat:.4}"),
                longitude: format!("{lon:.4}"),
                source: source.clone(),
                notes: notes.clone(),
                fatalities: fatalities.to_string(),
                ..AcledRow::default()
            };
            let range = match precision {
                1 => DateRange::day(date),
                2 => {
                    let monday = date.add_days(-((date.days() as i64 + 3).rem_euclid(7)));
                    DateRange { first: monday, last: monday.add_days(6) }
                }
                _ => {
                    let (first, last) = Date::month_bounds(y, m).expect("a month");
                    DateRange { first, last }
                }
            };
            let mut note = String::new();
            if !location.is_empty() {
                note.push_str(&format!("location: {location} ({lat:.4}, {lon:.4}); "));
            }
            note.push_str(&format!("event: {event_type}; actors: {actor1}"));
            if !actor2.is_empty() {
                note.push_str(&format!(" | {actor2}"));
            }
            note.push_str(&format!("; fatalities: {fatalities}"));
            match precision {
                2 => note.push_str("; time_precision: 2 (some day in that week)"),
                3 => note.push_str("; time_precision: 3 (some day in that month)"),
                _ => {}
            }
            let trimmed = notes.trim();
            if !trimmed.is_empty() {
                let one: String = if trimmed.contains('\n') { trimmed.split_whitespace().collect::<Vec<_>>().join(" ") } else { trimmed.to_string() };
                note.push_str(&format!("; notes: {one}"));
            }
            let item = Item {
                id: format!("acled:{id}"),
                date: range,
                kind: "attack".into(),
                actor: (!actor1.is_empty()).then(|| actor1.clone()),
                target: (!actor2.is_empty()).then(|| actor2.clone()),
                quantity: Some(Quantity::exact(fatalities as f64)),
                place: (!admin1.is_empty()).then(|| admin1.clone()),
                rel: Relation::Asserts,
                reference: None,
                source: Source {
                    outlet: if source.is_empty() { "ACLED".into() } else { source.clone() },
                    date: date.to_string(),
                    title: Some(format!("ACLED event {id}")),
                    url: None,
                },
                note: Some(note),
                origin: Origin { file: "p.csv".into(), row: 0 },
            };
            (row, item)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn a_written_row_reads_back_as_its_item(events in prop::collection::vec(event(), 1..6)) {
            let m = mapping("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\nquantity = \"fatalities\"\n");
            // Distinct ids, as in a real export.
            let mut events = events;
            for (i, (row, item)) in events.iter_mut().enumerate() {
                row.event_id_cnty = format!("{}x{i}", row.event_id_cnty);
                item.id = format!("acled:{}", row.event_id_cnty);
                item.source.title = Some(format!("ACLED event {}", row.event_id_cnty));
            }
            let rows: Vec<AcledRow> = events.iter().map(|(r, _)| r.clone()).collect();
            let text = to_csv(&COLUMNS, &rows);
            let r = import(Dataset::Acled, "p.csv", text.as_bytes(), &m, &Options::default()).unwrap();
            prop_assert_eq!(r.items.len(), events.len());
            for (got, (_, want)) in r.items.iter().zip(&events) {
                let mut got = got.clone();
                got.origin.row = 0;
                prop_assert_eq!(&got, want);
            }
        }
    }
}

#[test]
fn crlf_line_ends_and_blank_lines_keep_row_numbers() {
    let m = doha_mapping(Dataset::Acled);
    let mut rows = vec![sample_row(); 3];
    rows[0].notes = "two\nlines".into();
    rows[1].event_id_cnty = "AFG2".into();
    rows[2].event_id_cnty = "AFG3".into();
    rows[2].event_date = "2020-02-30".into();
    let lf = to_csv(&COLUMNS, &rows);
    let crlf = lf.replace('\n', "\r\n");
    let blank = lf.replacen("\nAFG2", "\n\n\nAFG2", 1);
    for (text, row) in [(&lf, 5), (&crlf, 5), (&blank, 7)] {
        let errs = import(Dataset::Acled, "a.csv", text.as_bytes(), &m, &Options::default()).unwrap_err();
        assert_eq!(errs[0].row, row, "{text:?}");
        let r = import(Dataset::Acled, "a.csv", text.as_bytes(), &m, &Options { keep_going: true, progress: None }).unwrap();
        assert_eq!(r.items.iter().map(|i| i.origin.row).collect::<Vec<_>>(), vec![2, row - 1]);
    }
}
