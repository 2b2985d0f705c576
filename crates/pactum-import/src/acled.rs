//! ACLED CSV exports and ACLED's deletions list.

use crate::dates;
use crate::mapping::{Mapping, SourceDate};
use crate::run::{compile, id_ok, index_in, missing_columns, one_line, Counting, Lines, Row, Run};
use crate::{Dataset, Import};
use pactum_base::{Date, DateRange};
use pactum_evidence::{EvidenceError, Item, Origin, Relation, Source};
use std::fmt::Write;

const DATE_HELP: &str = "ACLED writes dates as 2020-03-03 or 3 March 2020";
const REQUIRED: &[&str] = &["event_id_cnty", "event_date", "event_type", "actor1", "actor2", "admin1", "source"];

/// Positions of the columns the importer reads.
struct Cols {
    id: usize,
    date: usize,
    event_type: usize,
    actor1: usize,
    actor2: usize,
    admin1: usize,
    source: usize,
    precision: Option<usize>,
    sub_event_type: Option<usize>,
    location: Option<usize>,
    latitude: Option<usize>,
    longitude: Option<usize>,
    fatalities: Option<usize>,
    notes: Option<usize>,
    timestamp: Option<usize>,
    unmatched_by: Option<usize>,
}

fn header(file: &str, rdr: &mut csv::Reader<Counting<&[u8]>>) -> Result<Vec<String>, Vec<EvidenceError>> {
    match rdr.headers() {
        Ok(h) => Ok(h.iter().map(|s| s.trim().trim_start_matches('\u{feff}').trim().to_string()).collect()),
        Err(e) => Err(vec![EvidenceError {
            file: file.to_string(),
            row: 1,
            field: None,
            message: format!("cannot read the header row: {e}"),
            help: Some("an ACLED export starts with a header row: event_id_cnty,event_date,...".into()),
        }]),
    }
}

pub(crate) fn read(mut run: Run, text: &[u8], mapping: &Mapping) -> Result<Import, Vec<EvidenceError>> {
    let file = run.file;
    run.id_column = "event_id_cnty";
    let mut rdr = csv::ReaderBuilder::new().flexible(false).buffer_capacity(1 << 16).from_reader(Counting::new(
        text,
        run.progress,
        text.len() as u64,
    ));
    let mut lines = Lines::new(text);
    let headers = header(file, &mut rdr)?;
    let looks_like = if index_in(&headers, "id").is_some() && index_in(&headers, "side_a").is_some() {
        "this looks like a UCDP GED file: import it with `--dataset ucdp`"
    } else {
        "an ACLED export has these columns; was the file saved from a spreadsheet with columns removed?"
    };
    missing_columns(file, &headers, REQUIRED, looks_like)?;
    let need = |c: &str| index_in(&headers, c).unwrap_or(0);
    let cols = Cols {
        id: need("event_id_cnty"),
        date: need("event_date"),
        event_type: need("event_type"),
        actor1: need("actor1"),
        actor2: need("actor2"),
        admin1: need("admin1"),
        source: need("source"),
        precision: index_in(&headers, "time_precision"),
        sub_event_type: index_in(&headers, "sub_event_type"),
        location: index_in(&headers, "location"),
        latitude: index_in(&headers, "latitude"),
        longitude: index_in(&headers, "longitude"),
        fatalities: index_in(&headers, "fatalities"),
        notes: index_in(&headers, "notes"),
        timestamp: index_in(&headers, "timestamp"),
        unmatched_by: index_in(&headers, mapping.unmatched_by),
    };
    if mapping.source_date == SourceDate::Timestamp && cols.timestamp.is_none() {
        return Err(vec![EvidenceError {
            file: file.to_string(),
            row: 1,
            field: Some("timestamp".into()),
            message: format!("the file has no column `timestamp`, which {} takes the source date from", mapping.name),
            help: Some("remove `source_date = \"timestamp\"` from the mapping to date sources by the event".into()),
        }]);
    }
    let rules = compile(file, mapping, &|c| index_in(&headers, c))?;
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                run.csv_error(&e, &headers, &mut lines);
                continue;
            }
        }
        run.rows += 1;
        let row = Row { line: lines.of(rec.position()), rec: &rec };
        let Some(core) = check(&mut run, &cols, &row, mapping.source_date) else {
            run.bad_rows += 1;
            continue;
        };
        let Some(rule) = run.find_rule(&rules, &row) else {
            let key = cols.unmatched_by.map_or("", |i| row.get(i));
            run.unmatched(key);
            continue;
        };
        let Some(a) = run.apply(rule, &row) else { continue };
        let item = build(&cols, &row, &core, mapping, file, rule.kind, a.actor, a.target, a.quantity);
        run.emit(item);
    }
    run.finish(Some(Dataset::Acled))
}

/// What a good row's checked fields say.
struct Core {
    day: Date,
    precision: u8,
    source_day: Date,
}

fn check(run: &mut Run, cols: &Cols, row: &Row, source_date: SourceDate) -> Option<Core> {
    let before = run.error_count;
    let id = row.get(cols.id);
    if id.is_empty() {
        run.error(row.line, Some("event_id_cnty"), "is empty".into(), Some("every ACLED event has an id such as AFG12345"));
    } else if !id_ok(id) {
        run.error(
            row.line,
            Some("event_id_cnty"),
            format!("`{id}` has characters an evidence id cannot have"),
            Some("ACLED event ids are letters and digits, such as AFG12345"),
        );
    }
    let date_text = row.get(cols.date);
    let day = dates::acled_date(date_text);
    if day.is_none() {
        let msg = if date_text.is_empty() { "is empty".to_string() } else { format!("`{date_text}` is not a date") };
        run.error(row.line, Some("event_date"), msg, Some(DATE_HELP));
    }
    let precision = match cols.precision.map(|i| row.get(i)) {
        None | Some("") | Some("1") => 1,
        Some("2") => 2,
        Some("3") => 3,
        Some(other) => {
            run.error(
                row.line,
                Some("time_precision"),
                format!("`{other}` is not a time precision"),
                Some("ACLED's time_precision is 1 (that day), 2 (some day in that week) or 3 (some day in that month)"),
            );
            1
        }
    };
    if let Some(i) = cols.fatalities {
        let f = row.get(i);
        if !f.is_empty() && f.parse::<u64>().is_err() {
            run.error(
                row.line,
                Some("fatalities"),
                format!("`{f}` is not a number of deaths"),
                Some("ACLED writes fatalities as a whole number, 0 or more"),
            );
        }
    }
    let mut source_day = day;
    if source_date == SourceDate::Timestamp {
        if let Some(i) = cols.timestamp {
            let t = row.get(i);
            if !t.is_empty() {
                source_day = dates::unix_day(t);
                if source_day.is_none() {
                    run.error(
                        row.line,
                        Some("timestamp"),
                        format!("`{t}` is not a time"),
                        Some("ACLED's timestamp is in seconds since 1970, such as 1583366400"),
                    );
                }
            }
        }
    }
    if run.error_count > before {
        return None;
    }
    Some(Core { day: day?, precision, source_day: source_day? })
}

#[allow(clippy::too_many_arguments)]
fn build(
    cols: &Cols,
    row: &Row,
    core: &Core,
    mapping: &Mapping,
    file: &str,
    kind: &str,
    actor: Option<String>,
    target: Option<String>,
    quantity: Option<pactum_base::Quantity>,
) -> Item {
    let id = row.get(cols.id);
    let date = match core.precision {
        2 => dates::iso_week(core.day),
        3 => dates::month_of(core.day),
        _ => DateRange::day(core.day),
    };
    let opt = |c: Option<usize>| c.map_or("", |i| row.get(i));
    let admin1 = row.get(cols.admin1);
    let place = (!admin1.is_empty()).then(|| mapping.place(admin1).to_string());
    let outlet = row.get(cols.source);
    let mut note = String::with_capacity(160);
    let location = opt(cols.location);
    if !location.is_empty() {
        let _ = write!(note, "location: {location}");
        let (lat, lon) = (opt(cols.latitude), opt(cols.longitude));
        if !lat.is_empty() || !lon.is_empty() {
            let _ = write!(note, " ({lat}, {lon})");
        }
        note.push_str("; ");
    }
    let _ = write!(note, "event: {}", row.get(cols.event_type));
    let sub = opt(cols.sub_event_type);
    if !sub.is_empty() {
        let _ = write!(note, " / {sub}");
    }
    let _ = write!(note, "; actors: {}", row.get(cols.actor1));
    let a2 = row.get(cols.actor2);
    if !a2.is_empty() {
        let _ = write!(note, " | {a2}");
    }
    let fatalities = opt(cols.fatalities);
    if !fatalities.is_empty() {
        let _ = write!(note, "; fatalities: {fatalities}");
    }
    match core.precision {
        2 => note.push_str("; time_precision: 2 (some day in that week)"),
        3 => note.push_str("; time_precision: 3 (some day in that month)"),
        _ => {}
    }
    let notes = opt(cols.notes);
    if !notes.is_empty() {
        let _ = write!(note, "; notes: {}", one_line(notes));
    }
    Item {
        id: format!("acled:{id}"),
        date,
        kind: kind.to_string(),
        actor,
        target,
        quantity,
        place,
        rel: Relation::Asserts,
        reference: None,
        source: Source {
            outlet: if outlet.is_empty() { "ACLED".to_string() } else { one_line(outlet) },
            date: core.source_day.to_string(),
            title: Some(format!("ACLED event {id}")),
            url: None,
        },
        note: Some(note),
        origin: Origin { file: file.to_string(), row: row.line },
    }
}

/// The deletions list: `event_id_cnty` and the time of deletion.
pub(crate) fn read_deletions(mut run: Run, text: &[u8]) -> Result<Import, Vec<EvidenceError>> {
    let file = run.file;
    run.id_column = "event_id_cnty";
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(Counting::new(text, run.progress, text.len() as u64));
    let mut lines = Lines::new(text);
    let headers = header(file, &mut rdr)?;
    let id_col = index_in(&headers, "event_id_cnty");
    let time_col = ["deleted_timestamp", "deletion_timestamp", "timestamp", "deleted_date", "deletion_date"]
        .iter()
        .find_map(|c| index_in(&headers, c).map(|i| (i, *c)));
    let (Some(id_col), Some((time_col, time_name))) = (id_col, time_col) else {
        return Err(vec![EvidenceError {
            file: file.to_string(),
            row: 1,
            field: None,
            message: "the deletions list needs the columns `event_id_cnty` and `deleted_timestamp`".into(),
            help: Some("download the deletions list from ACLED's data export tool; it has these two columns".into()),
        }]);
    };
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                run.csv_error(&e, &headers, &mut lines);
                continue;
            }
        }
        run.rows += 1;
        let row = Row { line: lines.of(rec.position()), rec: &rec };
        let before = run.error_count;
        let id = row.get(id_col);
        if !id_ok(id) {
            let msg = if id.is_empty() { "is empty".to_string() } else { format!("`{id}` has characters an evidence id cannot have") };
            run.error(row.line, Some("event_id_cnty"), msg, Some("ACLED event ids are letters and digits, such as AFG12345"));
        }
        let t = row.get(time_col);
        let day = dates::unix_day(t).or_else(|| dates::acled_date(t));
        if day.is_none() {
            let msg = if t.is_empty() { "is empty".to_string() } else { format!("`{t}` is not a time") };
            run.error(row.line, Some(time_name), msg, Some("the deletions list gives the time in seconds since 1970, such as 1583366400"));
        }
        let (Some(day), true) = (day, run.error_count == before) else {
            run.bad_rows += 1;
            continue;
        };
        let item = Item {
            id: format!("acled:{id}:deleted"),
            date: DateRange::day(day),
            kind: "statement".into(),
            actor: None,
            target: None,
            quantity: None,
            place: None,
            rel: Relation::Retracts,
            reference: Some(format!("acled:{id}")),
            source: Source {
                outlet: "ACLED deletions list".into(),
                date: day.to_string(),
                title: Some(format!("ACLED deleted event {id}")),
                url: None,
            },
            note: Some(format!("ACLED deleted event {id} from its dataset on {day}")),
            origin: Origin { file: file.to_string(), row: row.line },
        };
        run.emit(item);
    }
    run.finish(None)
}
