//! Writes ACLED-format CSV made up for testing: the Doha fixture, its older-export variant, a
//! deletions list, or a large file for measuring the importer. Nothing here is ACLED data; every
//! row is invented.
//!
//! ```text
//! cargo run -p pactum-import --example gen_acled -- fixture   > tests/data/acled-afghanistan-fixture.csv
//! cargo run -p pactum-import --example gen_acled -- older     > tests/data/acled-afghanistan-fixture-older-export.csv
//! cargo run -p pactum-import --example gen_acled -- deletions > tests/data/acled-deletions-fixture.csv
//! cargo run --release -p pactum-import --example gen_acled -- bulk 1000000 > /tmp/acled-1m.csv
//! ```

#[path = "../tests/support/acled_writer.rs"]
mod acled_writer;

use acled_writer::{write_rows, AcledRow, COLUMNS, OLDER_COLUMNS};
use pactum_base::Date;
use std::io::{BufWriter, Write};

/// splitmix64: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// (admin1, admin2, location, latitude, longitude); coordinates rounded, for the format only.
const PLACES: &[(&str, &str, &str, f64, f64)] = &[
    ("Helmand", "Nad Ali", "Marjah", 31.52, 64.12),
    ("Helmand", "Nad Ali", "Nad Ali", 31.60, 64.25),
    ("Helmand", "Lashkargah", "Lashkar Gah", 31.59, 64.37),
    ("Helmand", "Nahri Sarraj", "Gereshk", 31.82, 64.57),
    ("Kandahar", "Arghandab", "Arghandab", 31.68, 65.65),
    ("Kandahar", "Zheray", "Zheray", 31.60, 65.43),
    ("Kandahar", "Panjwayi", "Panjwayi", 31.54, 65.45),
    ("Kandahar", "Maywand", "Hutal", 31.70, 65.05),
    ("Kunduz", "Imam Sahib", "Imam Sahib", 37.18, 68.91),
    ("Kunduz", "Chahar Darah", "Chahar Dara", 36.70, 68.80),
    ("Kunduz", "Dashti Archi", "Dasht-e Archi", 37.13, 69.17),
    ("Balkh", "Chahar Bolak", "Chahar Bolak", 36.73, 66.63),
    ("Balkh", "Dawlatabad", "Dawlatabad", 36.99, 66.82),
    ("Ghazni", "Andar", "Miray", 33.32, 68.42),
    ("Faryab", "Qaysar", "Qaysar", 35.70, 64.30),
    ("Uruzgan", "Tirin Kot", "Tirin Kot", 32.63, 65.87),
    ("Zabul", "Shahjoy", "Shahjoy", 32.52, 67.42),
];
const NANGARHAR: (&str, &str, &str, f64, f64) = ("Nangarhar", "Achin", "Achin", 34.13, 70.70);
const KABUL: (&str, &str, &str, f64, f64) = ("Kabul", "Kabul", "Kabul", 34.53, 69.17);

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const MILITARY: &str = "Military Forces of Afghanistan (2014-2021)";
const POLICE: &str = "Police Forces of Afghanistan (2014-2021)";

#[derive(Clone, Copy, PartialEq)]
enum Form {
    Iso,
    Long,
    LongPadded,
}

fn write_date(d: Date, form: Form) -> String {
    let (y, m, day) = d.ymd();
    match form {
        Form::Iso => d.to_string(),
        Form::Long => format!("{day} {} {y}", MONTHS[m as usize - 1]),
        Form::LongPadded => format!("{day:02} {} {y}", MONTHS[m as usize - 1]),
    }
}

struct Event {
    date: Date,
    precision: u8,
    disorder: &'static str,
    event_type: &'static str,
    sub: &'static str,
    actor1: &'static str,
    inter1: &'static str,
    actor2: &'static str,
    inter2: &'static str,
    place: (&'static str, &'static str, &'static str, f64, f64),
    fatalities: u64,
    story: String,
}

fn row(n: usize, e: &Event, form: Form, rng: &mut Rng, id_prefix: &str) -> AcledRow {
    let interaction = if e.actor2.is_empty() { format!("{} only", e.inter1) } else { format!("{}-{}", e.inter1, e.inter2) };
    let (a1, a2, loc, lat, lon) = e.place;
    let stamp = (e.date.days() as i64 + 1 + rng.below(6) as i64) * 86_400 + rng.below(86_400) as i64;
    AcledRow {
        event_id_cnty: format!("{id_prefix}{n:04}"),
        event_date: write_date(e.date, form),
        year: e.date.ymd().0.to_string(),
        time_precision: e.precision.to_string(),
        disorder_type: e.disorder.to_string(),
        event_type: e.event_type.to_string(),
        sub_event_type: e.sub.to_string(),
        actor1: e.actor1.to_string(),
        assoc_actor_1: String::new(),
        inter1: e.inter1.to_string(),
        actor2: e.actor2.to_string(),
        assoc_actor_2: String::new(),
        inter2: e.inter2.to_string(),
        interaction,
        civilian_targeting: if e.event_type == "Violence against civilians" { "Civilian targeting".into() } else { String::new() },
        iso: "4".into(),
        region: "Caucasus and Central Asia".into(),
        country: "Afghanistan".into(),
        admin1: a1.into(),
        admin2: a2.into(),
        admin3: String::new(),
        location: loc.into(),
        latitude: format!("{lat:.4}"),
        longitude: format!("{lon:.4}"),
        geo_precision: (1 + rng.below(3)).to_string(),
        source: rng.pick(&["Fixture News Agency", "Fixture Daily", "Fixture Wire; Fixture Daily"]).to_string(),
        source_scale: "National".into(),
        notes: format!("SYNTHETIC ROW, NOT ACLED DATA: invented for testing pactum's importer. {}", e.story),
        fatalities: e.fatalities.to_string(),
        tags: String::new(),
        timestamp: stamp.to_string(),
    }
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap_or(Date::MIN)
}

/// Taliban attacks on state forces a day, 15 Feb - 7 Mar 2020: many before the reduction in
/// violence (22-28 Feb), very few during it, a surge from 2 March. Invented numbers in the shape
/// that was reported, not counts of real events.
const TALIBAN_ATTACKS: &[(&str, u64)] = &[
    ("2020-02-15", 10),
    ("2020-02-16", 11),
    ("2020-02-17", 12),
    ("2020-02-18", 10),
    ("2020-02-19", 11),
    ("2020-02-20", 9),
    ("2020-02-21", 8),
    ("2020-02-22", 1),
    ("2020-02-23", 0),
    ("2020-02-24", 1),
    ("2020-02-25", 2),
    ("2020-02-26", 0),
    ("2020-02-27", 1),
    ("2020-02-28", 1),
    ("2020-02-29", 0),
    ("2020-03-01", 1),
    ("2020-03-02", 11),
    ("2020-03-03", 13),
    ("2020-03-04", 14),
    ("2020-03-05", 12),
    ("2020-03-06", 11),
    ("2020-03-07", 12),
];

fn fixture_events(rng: &mut Rng) -> Vec<Event> {
    let mut events = Vec::new();
    for (date, n) in TALIBAN_ATTACKS {
        let d = day(date);
        for _ in 0..*n {
            let battle = rng.below(10) < 7;
            let place = *rng.pick(PLACES);
            let actor2 = if rng.below(100) < 65 { MILITARY } else { POLICE };
            let (event_type, sub) = if battle {
                ("Battles", "Armed clash")
            } else {
                ("Explosions/Remote violence", *rng.pick(&["Remote explosive/landmine/IED", "Shelling/artillery/missile attack"]))
            };
            events.push(Event {
                date: d,
                precision: 1,
                disorder: "Political violence",
                event_type,
                sub,
                actor1: "Taliban",
                inter1: "Rebel group",
                actor2,
                inter2: "State forces",
                place,
                fatalities: rng.below(9),
                story: format!(
                    "Taliban fighters attacked {} positions in {} district, {}.",
                    if actor2 == MILITARY { "army" } else { "police" },
                    place.1,
                    place.0
                ),
            });
        }
    }
    // State forces' own operations against the Taliban: not Taliban attacks, left unmatched.
    for date in [
        "2020-02-15",
        "2020-02-16",
        "2020-02-17",
        "2020-02-18",
        "2020-02-19",
        "2020-02-20",
        "2020-02-21",
        "2020-03-02",
        "2020-03-03",
        "2020-03-04",
        "2020-03-05",
        "2020-03-06",
    ] {
        let place = *rng.pick(PLACES);
        events.push(Event {
            date: day(date),
            precision: 1,
            disorder: "Political violence",
            event_type: "Battles",
            sub: "Armed clash",
            actor1: MILITARY,
            inter1: "State forces",
            actor2: "Taliban",
            inter2: "Rebel group",
            place,
            fatalities: rng.below(12),
            story: format!("Army operation against Taliban fighters in {} district, {}.", place.1, place.0),
        });
    }
    for date in ["2020-02-16", "2020-02-19", "2020-02-25", "2020-03-03", "2020-03-06"] {
        events.push(Event {
            date: day(date),
            precision: 1,
            disorder: "Political violence",
            event_type: "Battles",
            sub: "Armed clash",
            actor1: "Islamic State (Afghanistan)",
            inter1: "Rebel group",
            actor2: MILITARY,
            inter2: "State forces",
            place: NANGARHAR,
            fatalities: rng.below(6),
            story: "Islamic State militants clashed with the army in Achin district, Nangarhar.".into(),
        });
    }
    for (date, place) in [("2020-02-24", KABUL), ("2020-03-04", NANGARHAR)] {
        events.push(Event {
            date: day(date),
            precision: 1,
            disorder: "Political violence",
            event_type: "Explosions/Remote violence",
            sub: "Remote explosive/landmine/IED",
            actor1: "Taliban and/or Islamic State",
            inter1: "Rebel group",
            actor2: POLICE,
            inter2: "State forces",
            place,
            fatalities: rng.below(4),
            story: "A roadside bomb hit a police vehicle; no group claimed it.".into(),
        });
    }
    for date in ["2020-02-17", "2020-02-20", "2020-02-26", "2020-03-02", "2020-03-05", "2020-03-06", "2020-03-07", "2020-02-21"] {
        let place = *rng.pick(PLACES);
        events.push(Event {
            date: day(date),
            precision: 1,
            disorder: "Political violence",
            event_type: "Violence against civilians",
            sub: "Attack",
            actor1: "Taliban",
            inter1: "Rebel group",
            actor2: "Civilians (Afghanistan)",
            inter2: "Civilians",
            place,
            fatalities: rng.below(3),
            story: format!("Taliban fighters killed a civilian in {} district, {}.", place.1, place.0),
        });
    }
    for (i, date) in ["2020-02-18", "2020-02-23", "2020-02-27", "2020-02-28", "2020-03-01", "2020-03-03", "2020-03-05"].iter().enumerate() {
        events.push(Event {
            date: day(date),
            precision: 1,
            // ACLED's own data holds this misspelling; the fixture keeps one such row.
            disorder: if i == 2 { "Demostrations" } else { "Demonstrations" },
            event_type: "Protests",
            sub: "Peaceful protest",
            actor1: "Protesters (Afghanistan)",
            inter1: "Protesters",
            actor2: "",
            inter2: "",
            place: KABUL,
            fatalities: 0,
            story: "People gathered in Kabul to call for a ceasefire.".into(),
        });
    }
    events.push(Event {
        date: day("2020-03-02"),
        precision: 1,
        disorder: "Demonstrations",
        event_type: "Riots",
        sub: "Violent demonstration",
        actor1: "Rioters (Afghanistan)",
        inter1: "Rioters",
        actor2: "",
        inter2: "",
        place: *rng.pick(PLACES),
        fatalities: 0,
        story: "Residents blocked a road and burned tyres.".into(),
    });
    for date in ["2020-02-20", "2020-02-29", "2020-03-01", "2020-03-04"] {
        events.push(Event {
            date: day(date),
            precision: 1,
            disorder: "Strategic developments",
            event_type: "Strategic developments",
            sub: "Arrests",
            actor1: POLICE,
            inter1: "State forces",
            actor2: "",
            inter2: "",
            place: KABUL,
            fatalities: 0,
            story: "Police arrested suspects in Kabul.".into(),
        });
    }
    events.sort_by_key(|e| e.date);
    // A few rows known only to the week or the month, as ACLED codes them: two Taliban attacks
    // before the reduction in violence, two after it, and one in March known to the month.
    let attack_rows: Vec<usize> =
        (0..events.len()).filter(|&i| events[i].actor1 == "Taliban" && events[i].actor2.contains("Forces")).collect();
    let mut set = |k: usize, p: u8| {
        if let Some(&i) = attack_rows.get(k) {
            events[i].precision = p;
        }
    };
    set(3, 2);
    set(30, 2);
    set(attack_rows.len().saturating_sub(40), 2);
    set(attack_rows.len().saturating_sub(20), 2);
    set(attack_rows.len().saturating_sub(5), 3);
    let others: Vec<usize> = (0..events.len()).filter(|&i| events[i].event_type == "Violence against civilians").collect();
    if let Some(&i) = others.first() {
        events[i].precision = 2;
    }
    events
}

fn fixture_rows() -> Vec<AcledRow> {
    let mut rng = Rng(20_200_229);
    let events = fixture_events(&mut rng);
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let form = match i % 3 {
                1 => Form::Long,
                2 => Form::LongPadded,
                _ => Form::Iso,
            };
            row(i + 1, e, form, &mut rng, "AFGSYN")
        })
        .collect()
}

fn inter_number(text: &str) -> &'static str {
    match text {
        "State forces" => "1",
        "Rebel group" => "2",
        "Political militia" => "3",
        "Identity militia" => "4",
        "Rioters" => "5",
        "Protesters" => "6",
        "Civilians" => "7",
        "External/Other forces" => "8",
        _ => "0",
    }
}

/// The first rows of the fixture as an older export writes them: extra columns, numeric actor
/// types, dates as `03 March 2020`.
fn older_rows() -> Vec<AcledRow> {
    fixture_rows()
        .into_iter()
        .take(30)
        .map(|mut r| {
            let d = pactum_import_date(&r.event_date);
            r.event_date = write_date(d, Form::LongPadded);
            let (i1, i2) = (inter_number(&r.inter1), inter_number(&r.inter2));
            r.interaction = if r.actor2.is_empty() { format!("{i1}0") } else { format!("{i1}{i2}") };
            r.inter1 = i1.to_string();
            r.inter2 = if r.actor2.is_empty() { "0".to_string() } else { i2.to_string() };
            r
        })
        .collect()
}

/// Reads back the dates this program writes.
fn pactum_import_date(s: &str) -> Date {
    if let Some(d) = Date::parse(s) {
        return d;
    }
    let mut parts = s.split(' ');
    let (Some(d), Some(m), Some(y)) = (parts.next(), parts.next(), parts.next()) else { return Date::MIN };
    let m = MONTHS.iter().position(|x| *x == m).unwrap_or(0) as u32 + 1;
    Date::from_ymd(y.parse().unwrap_or(1), m, d.parse().unwrap_or(1)).unwrap_or(Date::MIN)
}

/// Many rows over 2018-2021, for measuring the importer.
fn bulk(n: usize, out: &mut dyn Write) -> std::io::Result<()> {
    let mut rng = Rng(7);
    let start = day("2018-01-01").days();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    const TYPES: &[(&str, &str, &str)] = &[
        ("Battles", "Armed clash", "Political violence"),
        ("Explosions/Remote violence", "Remote explosive/landmine/IED", "Political violence"),
        ("Explosions/Remote violence", "Air/drone strike", "Political violence"),
        ("Violence against civilians", "Attack", "Political violence"),
        ("Protests", "Peaceful protest", "Demonstrations"),
        ("Strategic developments", "Arrests", "Strategic developments"),
    ];
    const ACTORS: &[(&str, &str)] = &[
        ("Taliban", "Rebel group"),
        (MILITARY, "State forces"),
        (POLICE, "State forces"),
        ("Islamic State (Afghanistan)", "Rebel group"),
        ("Civilians (Afghanistan)", "Civilians"),
    ];
    for i in 0..n {
        let d = Date::from_days(start + rng.below(1340) as i32);
        let (t, sub, disorder) = *rng.pick(TYPES);
        let (a1, i1) = if rng.below(10) < 6 { ACTORS[0] } else { *rng.pick(ACTORS) };
        let (a2, i2) = *rng.pick(&ACTORS[1..]);
        let place = *rng.pick(PLACES);
        let e = Event {
            date: d,
            precision: [1, 1, 1, 1, 1, 1, 1, 1, 2, 3][rng.below(10) as usize],
            disorder,
            event_type: t,
            sub,
            actor1: a1,
            inter1: i1,
            actor2: a2,
            inter2: i2,
            place,
            fatalities: rng.below(10),
            story: format!(
                "{a1} and {a2} in {} district, {}; an invented event of the benchmark file, about as long as ACLED's notes usually are.",
                place.1, place.0
            ),
        };
        let r = row(i + 1, &e, Form::Iso, &mut rng, "AFG");
        w.write_record(COLUMNS.iter().map(|c| r.get(c)))?;
    }
    w.flush()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.first().map(String::as_str) {
        Some("fixture") => write_rows(&mut out, &COLUMNS, &fixture_rows())?,
        Some("older") => write_rows(&mut out, &OLDER_COLUMNS, &older_rows())?,
        Some("deletions") => {
            let rows = fixture_rows();
            writeln!(out, "event_id_cnty,deleted_timestamp")?;
            for i in [4usize, 57] {
                if let Some(r) = rows.get(i) {
                    writeln!(out, "{},1584057600", r.event_id_cnty)?;
                }
            }
            writeln!(out, "AFGSYN9999,1584144000")?;
        }
        Some("bulk") => {
            let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
            bulk(n, &mut out)?;
        }
        _ => {
            eprintln!("usage: gen_acled fixture | older | deletions | bulk N");
            std::process::exit(2);
        }
    }
    out.flush()
}
