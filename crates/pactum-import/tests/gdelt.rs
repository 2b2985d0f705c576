//! The GDELT 2.0 importer on rows made in the test (GDELT's own files are large and change every
//! fifteen minutes), plain and zipped.

mod support;

use pactum_base::{Date, DateRange};
use pactum_import::{import, Dataset, Options};
use std::io::Write;
use support::{doha_mapping, mapping, rendered};

struct Ev<'a> {
    id: &'a str,
    day: &'a str,
    actor1: (&'a str, &'a str),
    actor2: (&'a str, &'a str, &'a str, &'a str),
    code: &'a str,
    place: &'a str,
    url: &'a str,
}

/// One GDELT 2.0 event line: 61 tab-separated fields.
fn line(e: &Ev) -> String {
    let mut f = vec![String::new(); 61];
    f[0] = e.id.into();
    f[1] = e.day.into();
    f[2] = e.day[..6].into();
    f[3] = e.day[..4].into();
    f[4] = "2020.1616".into();
    f[5] = e.actor1.0.into();
    f[6] = e.actor1.1.into();
    f[7] = "AFG".into();
    f[15] = e.actor2.0.into();
    f[16] = e.actor2.1.into();
    f[17] = e.actor2.2.into();
    f[22] = e.actor2.3.into();
    f[25] = "1".into();
    f[26] = e.code.into();
    f[27] = e.code[..3.min(e.code.len())].into();
    f[28] = e.code[..2].into();
    f[29] = "4".into();
    f[30] = "-10.0".into();
    f[31] = "6".into();
    f[32] = "1".into();
    f[33] = "6".into();
    f[34] = "-7.25".into();
    f[51] = "4".into();
    f[52] = e.place.into();
    f[53] = "AF".into();
    f[56] = "31.5938".into();
    f[57] = "64.3692".into();
    f[59] = format!("{}151500", e.day);
    f[60] = e.url.into();
    f.join("\t")
}

fn sample() -> String {
    let gov = ("AFGGOV", "AFGHANISTAN", "AFG", "GOV");
    let mil = ("AFGMIL", "AFGHAN", "AFG", "MIL");
    let rows = [
        Ev {
            id: "900001",
            day: "20200302",
            actor1: ("AFGTAL", "TALIBAN"),
            actor2: mil,
            code: "190",
            place: "Lashkar Gah, Helmand, Afghanistan",
            url: "https://www.example-news.com/a/1",
        },
        Ev {
            id: "900002",
            day: "20200302",
            actor1: ("TAL", "TALIBAN"),
            actor2: gov,
            code: "1823",
            place: "Kandahar, Afghanistan",
            url: "http://wire.example.org:8080/x?y=1",
        },
        Ev {
            id: "900003",
            day: "20200303",
            actor1: ("AFGTAL", "TALIBAN"),
            actor2: gov,
            code: "010",
            place: "Afghanistan",
            url: "https://example-news.com/b",
        },
        Ev {
            id: "900004",
            day: "20200303",
            actor1: ("AFGTAL", "TALIBAN"),
            actor2: gov,
            code: "100",
            place: "Afghanistan",
            url: "https://example-news.com/c",
        },
        Ev {
            id: "900005",
            day: "20200304",
            actor1: ("USA", "UNITED STATES"),
            actor2: ("TAL", "TALIBAN", "", ""),
            code: "195",
            place: "Kunduz, Kunduz, Afghanistan",
            url: "BBC Monitoring",
        },
    ];
    rows.iter().map(|e| line(e) + "\n").collect()
}

#[test]
fn the_doha_mapping_takes_taliban_assaults_and_fights_on_the_government() {
    let text = sample();
    let r = import(Dataset::Gdelt, "20200302.export.CSV", text.as_bytes(), &doha_mapping(Dataset::Gdelt), &Options::default()).unwrap();
    assert_eq!(r.rows, 5);
    assert_eq!(r.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), vec!["gdelt:900001", "gdelt:900002"]);
    assert_eq!(
        r.unmatched_by,
        vec![
            ("EventRootCode = 01 (make public statement)".to_string(), 1),
            ("EventRootCode = 10 (demand)".to_string(), 1),
            ("EventRootCode = 19 (fight)".to_string(), 1)
        ]
    );
    let it = &r.items[0];
    assert_eq!((it.actor.as_deref(), it.target.as_deref(), it.kind.as_str()), (Some("taliban"), Some("gov"), "gdelt_attack"));
    assert_eq!(it.date, DateRange::day(Date::parse("2020-03-02").unwrap()));
    assert_eq!(it.place.as_deref(), Some("Helmand"));
    assert_eq!(it.source.outlet, "example-news.com");
    assert_eq!(it.source.url.as_deref(), Some("https://www.example-news.com/a/1"));
    assert_eq!(it.source.date, "2020-03-02");
    assert_eq!(it.origin.row, 1);
    assert!(it.note.as_deref().unwrap().starts_with("CAMEO 190 (root 19); actor1: TALIBAN (AFGTAL); actor2: AFGHAN (AFGMIL)"));
    assert_eq!(r.items[1].source.outlet, "wire.example.org");
    assert_eq!(r.items[1].place.as_deref(), Some("Kandahar"));
}

#[test]
fn cameo_codes_keep_their_leading_zeros() {
    let text = sample();
    let m = mapping("dataset = \"gdelt\"\n[[rule]]\nkind = \"statement\"\nEventCode = [\"010\"]\n[[rule]]\nkind = \"decision\"\nEventBaseCode = \"100\"\n");
    let r = import(Dataset::Gdelt, "g.csv", text.as_bytes(), &m, &Options::default()).unwrap();
    let kinds: Vec<_> = r.items.iter().map(|i| (i.id.as_str(), i.kind.as_str())).collect();
    assert_eq!(kinds, vec![("gdelt:900003", "statement"), ("gdelt:900004", "decision")]);
    assert!(r.items[0].note.as_deref().unwrap().starts_with("CAMEO 010 (root 01)"));
    // A code written as a number, or a root code without its zero, is refused with a fix.
    let errs = pactum_import::Mapping::from_toml("g.toml", "dataset = \"gdelt\"\n[[rule]]\nkind = \"statement\"\nEventRootCode = [1]\n")
        .unwrap_err();
    assert!(rendered(&errs).contains("CAMEO codes must be quoted text, not the number 1"), "{}", rendered(&errs));
    let errs = pactum_import::Mapping::from_toml("g.toml", "dataset = \"gdelt\"\n[[rule]]\nkind = \"statement\"\nEventRootCode = \"1\"\n")
        .unwrap_err();
    assert_eq!(rendered(&errs), "g.toml: row 4, field `EventRootCode`: rule 1: `1` is not a CAMEO root code\n  = help: CAMEO root codes have two digits: write `\"01\"`");
    let errs = pactum_import::Mapping::from_toml("g.toml", "dataset = \"gdelt\"\n[[rule]]\nkind = \"statement\"\nEventCode = \"10\"\n")
        .unwrap_err();
    assert!(rendered(&errs).contains("`10` is not a CAMEO event code"));
}

fn zipped(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in entries {
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(text.as_bytes()).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

#[test]
fn zipped_fifteen_minute_files_are_read_directly() {
    let text = sample();
    let m = doha_mapping(Dataset::Gdelt);
    let zip = zipped(&[("20200302151500.export.CSV", &text)]);
    let name = "20200302151500.export.CSV.zip";
    let seen = std::cell::Cell::new((0, 0));
    let cb = |a, b| seen.set((a, b));
    let z = import(Dataset::Gdelt, name, &zip, &m, &Options { keep_going: false, progress: Some(&cb) }).unwrap();
    let plain = import(Dataset::Gdelt, name, text.as_bytes(), &m, &Options::default());
    assert!(plain.is_err(), "a .zip name on bytes that are not a zip archive is an error");
    let plain = import(Dataset::Gdelt, "20200302151500.export.CSV", text.as_bytes(), &m, &Options::default()).unwrap();
    assert_eq!(z.items.len(), 2);
    for (a, b) in z.items.iter().zip(&plain.items) {
        let mut b = b.clone();
        b.origin.file = name.into();
        assert_eq!(*a, b);
    }
    let n = text.len() as u64;
    assert_eq!(seen.get(), (n, n), "progress counts the bytes of the file inside");
    let two = zipped(&[("a.CSV", &text), ("b.CSV", &text)]);
    let errs = import(Dataset::Gdelt, "two.zip", &two, &m, &Options::default()).unwrap_err();
    assert_eq!(errs[0].message, "the zip archive holds 2 files");
    let errs = import(Dataset::Gdelt, "cut.zip", &zip[..zip.len() / 2], &m, &Options::default()).unwrap_err();
    assert!(errs[0].message.starts_with("cannot open the zip archive"), "{}", errs[0].message);
}

#[test]
fn bad_lines_are_named() {
    let mut text = sample();
    let mut fields: Vec<String> =
        line(&Ev { id: "900006", day: "20200231", actor1: ("TAL", ""), actor2: ("", "", "", ""), code: "190", place: "", url: "" })
            .split('\t')
            .map(String::from)
            .collect();
    fields[59] = "20200301151500".into();
    text.push_str(&fields.join("\t"));
    text.push('\n');
    fields.truncate(58);
    fields[1] = "20200301".into();
    text.push_str(&fields.join("\t"));
    text.push('\n');
    let errs = import(Dataset::Gdelt, "g.CSV", text.as_bytes(), &doha_mapping(Dataset::Gdelt), &Options::default()).unwrap_err();
    assert_eq!(
        rendered(&errs),
        "g.CSV: row 6, field `SQLDATE`: `20200231` is not a date\n  = help: GDELT writes SQLDATE as YYYYMMDD, such as 20200229\n\
         g.CSV: row 7: has 58 columns, not 61\n  = help: this looks like a GDELT 1.0 file; pactum reads GDELT 2.0 event files (61 columns), such as 20200229151500.export.CSV.zip"
    );
}
