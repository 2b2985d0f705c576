//! Tables for people and JSON for programs. The JSON shapes are documented in docs/cli.md
//! and carry a `"version"` field; new fields may be added, existing ones do not change.

use crate::load::Loaded;
use crate::Out;
use pactum_base::Date;
use pactum_check::Case;
use pactum_engine::explain_types::TimelineEntry;
use pactum_engine::{Report, State, Status};
use serde_json::json;
use std::fmt::Write;

pub const JSON_VERSION: u32 = 1;

fn state_color(s: State) -> &'static str {
    match s {
        State::Met => "32",
        State::MetLate => "33",
        State::Breached => "1;31",
        State::Disputed => "35",
        State::Active => "36",
        State::Suspended | State::Void => "2",
        State::Pending | State::NotMonitorable => "0",
    }
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

fn painted_state(s: State, out: &Out, w: usize) -> String {
    out.paint(state_color(s), &pad(s.as_str(), w))
}

pub fn status_table(case: &Case, r: &Report, out: &Out) -> String {
    let mut o = String::new();
    for a in &case.agreements {
        let rows: Vec<&Status> = r.provisions.iter().filter(|s| s.agreement == a.id).collect();
        if rows.is_empty() {
            continue;
        }
        if !o.is_empty() {
            o.push('\n');
        }
        let signed = match (a.signed, &a.place) {
            (Some(d), Some(p)) => format!(", signed {d} at {p}"),
            (Some(d), None) => format!(", signed {d}"),
            _ => String::new(),
        };
        let _ = writeln!(o, "{} ({}){signed}", out.paint("1", &a.title), a.id);
        let idw = rows.iter().map(|s| s.id.len()).max().unwrap_or(9).max(9);
        let _ = writeln!(o, "  {}  {}  {}  {}  PROGRESS", pad("PROVISION", idw), pad("STATE", 15), pad("SINCE", 10), pad("DUE", 10));
        for s in rows {
            let due = s.due.map_or("-".to_string(), |d| d.to_string());
            let progress = s.progress.as_ref().map_or(String::new(), |p| match p.fraction {
                Some(f) => format!("{} of {} ({:.0}%)", p.value, p.target, f * 100.0),
                None => format!("{}, target {}", p.value, p.target),
            });
            let _ = writeln!(o, "  {}  {}  {}  {}  {}", pad(&s.id, idw), painted_state(s.state, out, 15), s.since, pad(&due, 10), progress);
        }
    }
    let mut counts: Vec<(State, usize)> = Vec::new();
    for s in &r.provisions {
        match counts.iter_mut().find(|(st, _)| *st == s.state) {
            Some((_, n)) => *n += 1,
            None => counts.push((s.state, 1)),
        }
    }
    counts.sort();
    let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {}", s.as_str())).collect();
    let _ = writeln!(o, "\nstate on {}: {} provision(s): {}", r.as_of, r.provisions.len(), summary.join(", "));
    let _ = writeln!(o, "run `pactum explain CASE PROVISION --as-of {}` to see the evidence behind one", r.as_of);
    o
}

pub fn status_json(_case: &Case, r: &Report) -> String {
    let v = json!({
        "version": JSON_VERSION,
        "as_of": r.as_of,
        "provisions": r.provisions,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn timeline_table(changes: &[TimelineEntry], out: &Out) -> String {
    let mut o = String::new();
    if changes.is_empty() {
        o.push_str("no change of state in this period\n");
        return o;
    }
    let w = changes.iter().map(|c| c.provision.len()).max().unwrap_or(10);
    for c in changes {
        let _ = writeln!(
            o,
            "{}  {}  {} → {}  {}",
            c.date,
            pad(&c.provision, w),
            pad(c.from.as_str(), 15),
            painted_state(c.to, out, 15),
            c.reason
        );
    }
    o
}

pub fn timeline_json(from: Option<Date>, to: Date, changes: &[TimelineEntry]) -> String {
    let v = json!({ "version": JSON_VERSION, "from": from, "to": to, "changes": changes });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn explain_text(case: &Case, as_of: Date, s: &Status, history: &[TimelineEntry], out: &Out) -> String {
    let mut o = String::new();
    let cites = s.cites.as_ref().map_or(String::new(), |c| format!(" ({c})"));
    let _ = writeln!(o, "{} {}{cites}", out.paint("1", &s.key), s.title);
    let _ = writeln!(o, "  at {}", s.location);
    if !s.obligors.is_empty() {
        let names: Vec<String> = s
            .obligors
            .iter()
            .map(|id| case.parties.iter().find(|p| &p.id == id).map_or(id.clone(), |p| format!("{id} ({})", p.name)))
            .collect();
        let _ = writeln!(o, "  obligor: {}", names.join(", "));
    }
    if !s.beneficiaries.is_empty() {
        let _ = writeln!(o, "  owed to: {}", s.beneficiaries.join(", "));
    }
    if let Some(t) = &s.text {
        let _ = writeln!(o, "  text: \"{t}\"");
    }
    for src in &s.sources {
        let _ = writeln!(o, "  source: {src}");
    }
    let _ = writeln!(o, "\n  state on {as_of}: {} since {}", painted_state(s.state, out, 0), s.since);
    let _ = writeln!(o, "  why: {}", s.reason);
    if let Some(d) = s.due {
        let _ = writeln!(o, "  deadline: {d}");
    }
    if let Some(p) = &s.progress {
        let _ = match p.fraction {
            Some(f) => writeln!(o, "  progress: {} of {} ({:.0}%)", p.value, p.target, f * 100.0),
            None => writeln!(o, "  progress: {}, target {}", p.value, p.target),
        };
    }
    if !s.rules.is_empty() {
        let _ = writeln!(o, "\n  rule:");
        for r in &s.rules {
            let _ = writeln!(o, "    {r}");
        }
    }
    if !s.evidence.is_empty() {
        let _ = writeln!(o, "\n  evidence:");
        for e in &s.evidence {
            let tag = match e.role {
                "contested" => out.paint("35", " [contested]"),
                "denial" => out.paint("35", " [denial]"),
                _ => String::new(),
            };
            let _ = writeln!(o, "    {}  {}{tag}  {}", e.date, e.id, e.summary);
            let _ = writeln!(o, "      source: {}", e.source);
            let _ = writeln!(o, "      at {} row {}", e.file, e.row);
        }
    }
    if !s.by_place.is_empty() {
        let w = s.by_place.iter().map(|p| p.place.chars().count()).max().unwrap_or(5).max(5);
        let _ = writeln!(o, "\n  by place, per day:");
        let _ = writeln!(o, "    {}  {:>8}  {:>8}  {:>7}  {:>8}", pad("PLACE", w), "BEFORE", "DURING", "CHANGE", "AFTER");
        for p in &s.by_place {
            let change = if p.against > 0.0 {
                format!("{:+.0}%", (p.during / p.against - 1.0) * 100.0)
            } else if p.during > 0.0 {
                "new".into()
            } else {
                "-".into()
            };
            let after = p.after.map_or("-".to_string(), |a| format!("{a:.2}"));
            let _ = writeln!(o, "    {}  {:>8.2}  {:>8.2}  {:>7}  {:>8}", pad(&p.place, w), p.against, p.during, change, after);
        }
    }
    if !s.caveats.is_empty() {
        let _ = writeln!(o, "\n  caveats:");
        for c in &s.caveats {
            let _ = writeln!(o, "    - {c}");
        }
    }
    if !history.is_empty() {
        let _ = writeln!(o, "\n  history:");
        for c in history {
            let _ = writeln!(o, "    {}  {} → {}  {}", c.date, c.from.as_str(), c.to.as_str(), c.reason);
        }
    }
    o
}

pub fn explain_json(as_of: Date, s: &Status, history: &[TimelineEntry]) -> String {
    let v = json!({ "version": JSON_VERSION, "as_of": as_of, "provision": s, "history": history });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn check_json(l: &Loaded) -> String {
    let diags: Vec<serde_json::Value> = l
        .diagnostics
        .iter()
        .map(|d| {
            let (file, line, col) = match l.sources.get(d.span.file) {
                Some(f) => {
                    let (line, col) = f.line_col(d.span.start as usize);
                    (f.name.clone(), line, col)
                }
                None => (String::new(), 0, 0),
            };
            json!({
                "severity": d.severity,
                "code": d.code,
                "message": d.message,
                "file": file,
                "line": line,
                "column": col,
                "help": d.help,
            })
        })
        .collect();
    let evidence_errors = l.evidence.as_ref().err().cloned().unwrap_or_default();
    let v = json!({ "version": JSON_VERSION, "diagnostics": diags, "evidence_errors": evidence_errors });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn imports_table(list: &[pactum_store::ImportRecord]) -> String {
    let mut o = String::new();
    if list.is_empty() {
        o.push_str("no imports yet\n");
        return o;
    }
    let _ = writeln!(o, "{:>4}  {:<20}  {:<8}  {:>8}  {:>8}  {:<12}  FILE", "ID", "IMPORTED AT", "DATASET", "ROWS", "ITEMS", "SHA256");
    for r in list {
        let _ = writeln!(
            o,
            "{:>4}  {:<20}  {:<8}  {:>8}  {:>8}  {:<12}  {}",
            r.id,
            r.imported_at,
            r.dataset,
            r.rows,
            r.items_added,
            &r.content_hash[..12.min(r.content_hash.len())],
            r.file_name
        );
    }
    o
}

pub fn imports_json(list: &[pactum_store::ImportRecord]) -> String {
    let v: Vec<serde_json::Value> = list
        .iter()
        .map(|r| {
            json!({"id": r.id, "file_name": r.file_name, "content_hash": r.content_hash, "dataset": r.dataset,
                   "rows": r.rows, "items_added": r.items_added, "imported_at": r.imported_at})
        })
        .collect();
    serde_json::to_string_pretty(&json!({"version": JSON_VERSION, "imports": v})).unwrap_or_default()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A self-contained HTML forecast report: no external assets, readable offline.
pub fn forecast_html(f: &serde_json::Value, charts: &[(String, String)], case: &str) -> String {
    let txt = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    };
    let pct = |v: &serde_json::Value| v.as_f64().map_or("-".into(), |p| format!("{:.0}%", p * 100.0));
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>pactum forecast: {}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;font-size:14px}}\
         td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}}th{{background:#f4f4f4}}\
         .num{{text-align:right}}figure{{margin:1.5em 0}}</style></head><body>",
        esc(case)
    );
    let _ = write!(
        o,
        "<h1>Forecast for {}</h1><p>As of {}, to {}: {} runs, seed {}. Only evidence dated and published by {} is used ({} items; {} left out).</p>",
        esc(case),
        esc(&txt(&f["as_of"])),
        esc(&txt(&f["horizon"])),
        esc(&txt(&f["runs"])),
        esc(&txt(&f["seed"])),
        esc(&txt(&f["as_of"])),
        esc(&txt(&f["evidence_known"])),
        esc(&txt(&f["evidence_after"]))
    );
    o.push_str("<table><tr><th>provision</th><th>now</th><th>deadline</th><th class=num>met on time</th><th class=num>met by horizon</th><th>met on (median, 80%)</th><th class=num>breached</th><th class=num>suspended</th><th class=num>void</th></tr>");
    for p in f["provisions"].as_array().into_iter().flatten() {
        let met = &p["met_date"];
        let met_on = if met.is_null() {
            "-".to_string()
        } else {
            format!("{} ({} .. {})", txt(&met["median"]), txt(&met["low"]), txt(&met["high"]))
        };
        let deadline = match &p["deadline_now"] {
            serde_json::Value::Null => "-".to_string(),
            serde_json::Value::String(s) => s.clone(),
            other => other
                .get("spread")
                .map_or_else(|| other.to_string(), |sp| format!("{} ({} .. {})", txt(&sp["median"]), txt(&sp["low"]), txt(&sp["high"]))),
        };
        let _ = write!(
            o,
            "<tr><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td class=num>{}</td><td class=num>{}</td><td>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
            esc(&txt(&p["title"])),
            esc(&txt(&p["key"])),
            esc(&txt(&p["state_now"])),
            esc(&deadline),
            pct(&p["p_met_by_deadline"]),
            pct(&p["p_met_by_horizon"]),
            esc(&met_on),
            pct(&p["p_breached"]),
            pct(&p["p_suspended"]),
            pct(&p["p_void"])
        );
    }
    o.push_str("</table>");
    for (measure, svg) in charts {
        let _ = write!(
            o,
            "<figure>{svg}<figcaption>{}: observed readings, then the 10, 50 and 90% bands of the simulated values</figcaption></figure>",
            esc(measure)
        );
    }
    o.push_str("<h2>Parameters</h2><ul>");
    for p in f["parameters"].as_array().into_iter().flatten() {
        let _ = write!(
            o,
            "<li><b>{}</b> ({}): {} {} ± {} — {}</li>",
            esc(&txt(&p["name"])),
            esc(&txt(&p["model"])),
            esc(&txt(&p["estimate"])),
            esc(&txt(&p["unit"])),
            esc(&txt(&p["uncertainty"])),
            esc(&txt(&p["basis"]))
        );
    }
    o.push_str("</ul><p>The model and its limits: docs/forecast.md.</p></body></html>\n");
    o
}
