//! GDELT 2.0 event files: 61 tab-separated columns, no header row.

use crate::columns::{self, GDELT};
use crate::dates;
use crate::mapping::Mapping;
use crate::run::{compile, id_ok, Counting, Lines, Row, Run};
use crate::{Dataset, Import};
use pactum_base::{Date, DateRange, Quantity};
use pactum_evidence::{EvidenceError, Item, Origin, Relation, Source};
use std::fmt::Write;

fn col(name: &str) -> usize {
    GDELT.iter().position(|c| *c == name).unwrap_or(0)
}

/// Positions, fixed by the format.
struct Cols {
    id: usize,
    sqldate: usize,
    actor1_code: usize,
    actor1_name: usize,
    actor2_code: usize,
    actor2_name: usize,
    event_code: usize,
    root_code: usize,
    goldstein: usize,
    mentions: usize,
    sources: usize,
    articles: usize,
    tone: usize,
    geo_type: usize,
    geo_name: usize,
    geo_lat: usize,
    geo_long: usize,
    dateadded: usize,
    url: usize,
}

pub(crate) fn read(mut run: Run, text: &[u8], mapping: &Mapping) -> Result<Import, Vec<EvidenceError>> {
    let file = run.file;
    run.id_column = "GlobalEventID";
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .quoting(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(Counting::new(text, run.progress, text.len() as u64));
    let mut lines = Lines::new(text);
    let cols = Cols {
        id: col("GlobalEventID"),
        sqldate: col("SQLDATE"),
        actor1_code: col("Actor1Code"),
        actor1_name: col("Actor1Name"),
        actor2_code: col("Actor2Code"),
        actor2_name: col("Actor2Name"),
        event_code: col("EventCode"),
        root_code: col("EventRootCode"),
        goldstein: col("GoldsteinScale"),
        mentions: col("NumMentions"),
        sources: col("NumSources"),
        articles: col("NumArticles"),
        tone: col("AvgTone"),
        geo_type: col("ActionGeo_Type"),
        geo_name: col("ActionGeo_FullName"),
        geo_lat: col("ActionGeo_Lat"),
        geo_long: col("ActionGeo_Long"),
        dateadded: col("DATEADDED"),
        url: col("SOURCEURL"),
    };
    let unmatched_by = col(mapping.unmatched_by);
    let rules = compile(file, mapping, &|c| GDELT.iter().position(|g| *g == c))?;
    let headers: Vec<String> = GDELT.iter().map(|s| s.to_string()).collect();
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
        if rec.len() != GDELT.len() {
            let help = if columns::GDELT_V1_LENGTHS.contains(&rec.len()) {
                "this looks like a GDELT 1.0 file; pactum reads GDELT 2.0 event files (61 columns), such as 20200229151500.export.CSV.zip"
            } else {
                "GDELT 2.0 event files have 61 tab-separated columns; was the file cut short?"
            };
            run.error(row.line, None, format!("has {} columns, not 61", rec.len()), Some(help));
            run.bad_rows += 1;
            continue;
        }
        let Some(core) = check(&mut run, &cols, &row) else {
            run.bad_rows += 1;
            continue;
        };
        let Some(rule) = run.find_rule(&rules, &row) else {
            run.unmatched(row.get(unmatched_by));
            continue;
        };
        let Some(a) = run.apply(rule, &row) else { continue };
        let item = build(&cols, &row, &core, mapping, file, rule.kind, a.actor, a.target, a.quantity);
        run.emit(item);
    }
    run.finish(Some(Dataset::Gdelt))
}

struct Core {
    day: Date,
    added: Date,
}

fn check(run: &mut Run, cols: &Cols, row: &Row) -> Option<Core> {
    let before = run.error_count;
    let id = row.get(cols.id);
    if !id_ok(id) {
        let msg = if id.is_empty() { "is empty".to_string() } else { format!("`{id}` has characters an evidence id cannot have") };
        run.error(row.line, Some("GlobalEventID"), msg, Some("GDELT event ids are whole numbers"));
    }
    let t = row.get(cols.sqldate);
    let day = dates::compact_date(t).filter(|_| t.len() == 8);
    if day.is_none() {
        let msg = if t.is_empty() { "is empty".to_string() } else { format!("`{t}` is not a date") };
        run.error(row.line, Some("SQLDATE"), msg, Some("GDELT writes SQLDATE as YYYYMMDD, such as 20200229"));
    }
    let a = row.get(cols.dateadded);
    let added = if a.is_empty() {
        day
    } else {
        let d = dates::compact_date(a);
        if d.is_none() {
            run.error(
                row.line,
                Some("DATEADDED"),
                format!("`{a}` is not a time"),
                Some("GDELT writes DATEADDED as YYYYMMDDHHMMSS, such as 20200229151500"),
            );
        }
        d
    };
    if run.error_count > before {
        return None;
    }
    Some(Core { day: day?, added: added? })
}

/// The host of a URL, without `www.`: the outlet that published the article.
pub(crate) fn host(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if authority.starts_with('[') {
        authority.split_once(']').map_or(authority, |(h, _)| h).trim_start_matches('[')
    } else {
        authority.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").map(str::to_string).unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// The first-level division from ActionGeo_FullName ("Lashkar Gah, Helmand, Afghanistan" and
/// "Helmand, Afghanistan" give "Helmand"; a country alone gives nothing).
fn province(full: &str) -> Option<&str> {
    let parts: Vec<&str> = full.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    match parts.len() {
        0 | 1 => None,
        2 => Some(parts[0]),
        n => Some(parts[n - 2]),
    }
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
    quantity: Option<Quantity>,
) -> Item {
    let id = row.get(cols.id);
    let full = row.get(cols.geo_name);
    let place = province(full).map(|p| mapping.place(p).to_string());
    let url = row.get(cols.url);
    let (outlet, url) = match host(url) {
        Some(h) => (h, Some(url.to_string())),
        None if !url.is_empty() => (url.to_string(), None),
        None => ("GDELT".to_string(), None),
    };
    let mut note = String::with_capacity(200);
    let _ = write!(note, "CAMEO {} (root {})", row.get(cols.event_code), row.get(cols.root_code));
    let who = |code: usize, name: usize| {
        let (c, n) = (row.get(code), row.get(name));
        match (c.is_empty(), n.is_empty()) {
            (true, true) => "-".to_string(),
            (false, true) => c.to_string(),
            (true, false) => n.to_string(),
            (false, false) => format!("{n} ({c})"),
        }
    };
    let _ = write!(
        note,
        "; actor1: {}; actor2: {}; Goldstein {}; mentions {}, sources {}, articles {}; tone {}",
        who(cols.actor1_code, cols.actor1_name),
        who(cols.actor2_code, cols.actor2_name),
        row.get(cols.goldstein),
        row.get(cols.mentions),
        row.get(cols.sources),
        row.get(cols.articles),
        row.get(cols.tone),
    );
    if !full.is_empty() {
        let _ =
            write!(note, "; ActionGeo: {full} ({}, {}; type {})", row.get(cols.geo_lat), row.get(cols.geo_long), row.get(cols.geo_type));
    }
    note.push_str("; machine-coded by GDELT");
    Item {
        id: format!("gdelt:{id}"),
        date: DateRange::day(core.day),
        kind: kind.to_string(),
        actor,
        target,
        quantity,
        place,
        rel: Relation::Asserts,
        reference: None,
        source: Source { outlet, date: core.added.to_string(), title: Some(format!("GDELT event {id}")), url },
        note: Some(note),
        origin: Origin { file: file.to_string(), row: row.line },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(host("https://www.reuters.com/article/x?y=1").as_deref(), Some("reuters.com"));
        assert_eq!(host("http://user@news.example.org:8080/a").as_deref(), Some("news.example.org"));
        assert_eq!(host("https://TOLOnews.com").as_deref(), Some("tolonews.com"));
        assert_eq!(host("BBC Monitoring"), None);
        assert_eq!(host(""), None);
    }

    #[test]
    fn provinces() {
        assert_eq!(province("Lashkar Gah, Helmand, Afghanistan"), Some("Helmand"));
        assert_eq!(province("Helmand, Afghanistan"), Some("Helmand"));
        assert_eq!(province("Afghanistan"), None);
        assert_eq!(province(""), None);
    }
}
