//! UCDP Georeferenced Event Dataset (GED) CSV files.

use crate::dates;
use crate::mapping::Mapping;
use crate::run::{compile, id_ok, index_in, missing_columns, one_line, Counting, Lines, Row, Run};
use crate::{Dataset, Import};
use pactum_base::{Date, DateRange, Quantity};
use pactum_evidence::{EvidenceError, Item, Origin, Relation, Source};
use std::fmt::Write;

const REQUIRED: &[&str] = &["id", "side_a", "side_b", "date_start", "date_end", "best", "low", "high"];

struct Cols {
    id: usize,
    start: usize,
    end: usize,
    best: usize,
    low: usize,
    high: usize,
    side_a: usize,
    side_b: usize,
    date_prec: Option<usize>,
    adm_1: Option<usize>,
    where_description: Option<usize>,
    where_prec: Option<usize>,
    source_office: Option<usize>,
    source_date: Option<usize>,
    source_headline: Option<usize>,
    source_article: Option<usize>,
    source_original: Option<usize>,
    deaths: [Option<usize>; 4],
    unmatched_by: Option<usize>,
}

pub(crate) fn read(mut run: Run, text: &[u8], mapping: &Mapping) -> Result<Import, Vec<EvidenceError>> {
    let file = run.file;
    let mut rdr = csv::ReaderBuilder::new().flexible(false).buffer_capacity(1 << 16).from_reader(Counting::new(
        text,
        run.progress,
        text.len() as u64,
    ));
    let mut lines = Lines::new(text);
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().trim_start_matches('\u{feff}').trim().to_string()).collect(),
        Err(e) => {
            return Err(vec![EvidenceError {
                file: file.to_string(),
                row: 1,
                field: None,
                message: format!("cannot read the header row: {e}"),
                help: Some("a UCDP GED file starts with a header row: id,relid,year,...".into()),
            }])
        }
    };
    let help = if index_in(&headers, "event_id_cnty").is_some() {
        "this looks like an ACLED export: import it with `--dataset acled`"
    } else {
        "use the GED CSV as UCDP publishes it (49 columns, id ... gwnob)"
    };
    missing_columns(file, &headers, REQUIRED, help)?;
    let need = |c: &str| index_in(&headers, c).unwrap_or(0);
    let opt = |c: &str| index_in(&headers, c);
    let cols = Cols {
        id: need("id"),
        start: need("date_start"),
        end: need("date_end"),
        best: need("best"),
        low: need("low"),
        high: need("high"),
        side_a: need("side_a"),
        side_b: need("side_b"),
        date_prec: opt("date_prec"),
        adm_1: opt("adm_1"),
        where_description: opt("where_description"),
        where_prec: opt("where_prec"),
        source_office: opt("source_office"),
        source_date: opt("source_date"),
        source_headline: opt("source_headline"),
        source_article: opt("source_article"),
        source_original: opt("source_original"),
        deaths: [opt("deaths_a"), opt("deaths_b"), opt("deaths_civilians"), opt("deaths_unknown")],
        unmatched_by: opt(mapping.unmatched_by),
    };
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
        let Some(core) = check(&mut run, &cols, &row) else {
            run.bad_rows += 1;
            continue;
        };
        let Some(rule) = run.find_rule(&rules, &row) else {
            let key = cols.unmatched_by.map_or("", |i| row.get(i));
            run.unmatched(key);
            continue;
        };
        let Some(a) = run.apply(rule, &row) else { continue };
        let item = build(&cols, &row, &core, mapping, file, rule.kind, a.actor, a.target, a.quantity, a.remark);
        let id = core.best_outside.then(|| item.id.clone());
        if run.emit(item) {
            run.flagged.extend(id);
        }
    }
    run.finish(Some(Dataset::Ucdp))
}

struct Core {
    date: DateRange,
    best_outside: bool,
}

fn check(run: &mut Run, cols: &Cols, row: &Row) -> Option<Core> {
    let before = run.error_count;
    let id = row.get(cols.id);
    if !id_ok(id) {
        let msg = if id.is_empty() { "is empty".to_string() } else { format!("`{id}` has characters an evidence id cannot have") };
        run.error(row.line, Some("id"), msg, Some("UCDP GED event ids are whole numbers"));
    }
    let day = |run: &mut Run, i: usize, name: &str| -> Option<Date> {
        let t = row.get(i);
        let d = dates::iso_date(t);
        if d.is_none() {
            let msg = if t.is_empty() { "is empty".to_string() } else { format!("`{t}` is not a date") };
            run.error(row.line, Some(name), msg, Some("UCDP writes dates as 2020-03-03"));
        }
        d
    };
    let start = day(run, cols.start, "date_start");
    let end = day(run, cols.end, "date_end");
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            run.error(row.line, Some("date_end"), format!("`{e}` is before date_start `{s}`"), None);
        }
    }
    let num = |run: &mut Run, i: usize, name: &str| -> Option<f64> {
        let t = row.get(i);
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                let msg = if t.is_empty() { "is empty".to_string() } else { format!("`{t}` is not a number") };
                run.error(row.line, Some(name), msg, Some("UCDP gives deaths as whole numbers"));
                None
            }
        }
    };
    let best = num(run, cols.best, "best");
    let low = num(run, cols.low, "low");
    let high = num(run, cols.high, "high");
    if run.error_count > before {
        return None;
    }
    let (best, low, high) = (best?, low?, high?);
    Some(Core { date: DateRange { first: start?, last: end? }, best_outside: best < low || best > high })
}

/// Splits UCDP's `;`-separated source lists.
fn list(s: &str) -> Vec<&str> {
    s.split(';').map(str::trim).collect()
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
    remark: Option<String>,
) -> Item {
    let id = row.get(cols.id);
    let opt = |c: Option<usize>| c.map_or("", |i| row.get(i));
    let adm_1 = opt(cols.adm_1);
    let place = (!adm_1.is_empty()).then(|| mapping.place(adm_1).to_string());
    let offices = list(opt(cols.source_office));
    let sdates = list(opt(cols.source_date));
    let headlines_text = opt(cols.source_headline);
    let headlines = list(headlines_text);
    // Headlines may hold `;` themselves: trust the split only when it agrees with the outlets.
    let aligned = headlines.len() == offices.len();
    let outlet = offices.first().copied().filter(|o| !o.is_empty());
    let source_day = sdates.first().and_then(|d| dates::iso_date(d)).unwrap_or(core.date.last);
    let title = match (aligned, headlines.first()) {
        (true, Some(h)) if !h.is_empty() => one_line(h),
        (false, _) if !headlines_text.is_empty() => one_line(headlines_text),
        _ => format!("UCDP GED event {id}"),
    };
    let mut note = String::with_capacity(200);
    let best = row.get(cols.best);
    let (low, high) = (row.get(cols.low), row.get(cols.high));
    let _ = write!(note, "deaths: best {best}, low {low}, high {high}");
    let [a, b, civ, unk] = cols.deaths.map(opt);
    if !(a.is_empty() && b.is_empty() && civ.is_empty() && unk.is_empty()) {
        let _ = write!(note, " (side a {a}, side b {b}, civilians {civ}, unknown {unk})");
    }
    let _ = write!(note, "; sides: {} | {}", row.get(cols.side_a), row.get(cols.side_b));
    let prec = opt(cols.date_prec);
    if !prec.is_empty() {
        let _ = write!(note, "; date_prec: {prec}");
    }
    let wd = opt(cols.where_description);
    if !wd.is_empty() {
        let _ = write!(note, "; where: {}", one_line(wd));
        let wp = opt(cols.where_prec);
        if !wp.is_empty() {
            let _ = write!(note, " (where_prec {wp})");
        }
    }
    if offices.len() > 1 {
        note.push_str("; other sources: ");
        for (i, o) in offices.iter().enumerate().skip(1) {
            if i > 1 {
                note.push_str(", ");
            }
            note.push_str(o);
            let d = sdates.get(i).copied().unwrap_or("");
            let h = if aligned { headlines.get(i).copied().unwrap_or("") } else { "" };
            match (d.is_empty(), h.is_empty()) {
                (false, false) => {
                    let _ = write!(note, " ({d}, \"{}\")", one_line(h));
                }
                (false, true) => {
                    let _ = write!(note, " ({d})");
                }
                (true, false) => {
                    let _ = write!(note, " (\"{}\")", one_line(h));
                }
                (true, true) => {}
            }
        }
    }
    let original = opt(cols.source_original);
    if !original.is_empty() {
        let _ = write!(note, "; original source: {}", one_line(original));
    }
    if outlet.is_none() {
        let article = opt(cols.source_article);
        if !article.is_empty() {
            let _ = write!(note, "; source_article: {}", one_line(article));
        }
    }
    if core.best_outside {
        let _ = write!(note, "; FLAG: best {best} lies outside low..high {low}..{high} in the UCDP data (kept as given)");
    }
    if let Some(r) = remark {
        let _ = write!(note, "; {r}");
    }
    Item {
        id: format!("ucdp:{id}"),
        date: core.date,
        kind: kind.to_string(),
        actor,
        target,
        quantity,
        place,
        rel: Relation::Asserts,
        reference: None,
        source: Source {
            outlet: outlet.map_or_else(|| "UCDP GED".to_string(), str::to_string),
            date: source_day.to_string(),
            title: Some(title),
            url: None,
        },
        note: Some(note),
        origin: Origin { file: file.to_string(), row: row.line },
    }
}
