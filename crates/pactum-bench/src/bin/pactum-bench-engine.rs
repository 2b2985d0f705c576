//! `pactum-bench-engine`: times each stage of evaluating a case folder written by `pactum-gen`.
//!
//! ```text
//! pactum-bench-engine target/bench-case [--as-of 2024-12-31] [--skip-evaluate] [--states FILE]
//! ```
//!
//! Stages, each timed on its own: parse and check the agreement, read the CSV from disk, parse
//! and validate it (`pactum_evidence::read_file`), `pactum_engine::prepare`, the engine
//! (`pactum_engine::run`) on the evaluation date, and `pactum_engine::evaluate` (the engine run
//! again plus explanations). Prints a table, then one JSON line starting with `{`.

use clap::Parser;
use pactum_base::Date;
use pactum_bench::{check_counts, peak_rss_kib};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "pactum-bench-engine", about = "Time the stages of evaluating a generated pactum case")]
struct Args {
    /// The case folder (agreement.pactum and evidence.csv).
    case: PathBuf,
    /// Evaluation date; the last date of the evidence when not given.
    #[arg(long)]
    as_of: Option<String>,
    /// Skip `pactum_engine::evaluate` (explanations).
    #[arg(long)]
    skip_evaluate: bool,
    /// Write every provision's state on the evaluation date to this JSON file.
    #[arg(long)]
    states: Option<PathBuf>,
}

struct Stage {
    name: &'static str,
    secs: f64,
    peak_kib: u64,
}

fn timed<T>(stages: &mut Vec<Stage>, name: &'static str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    stages.push(Stage { name, secs: t.elapsed().as_secs_f64(), peak_kib: peak_rss_kib().unwrap_or(0) });
    out
}

fn agreement_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "pactum")).collect();
    files.sort();
    Ok(files)
}

fn main() -> ExitCode {
    let a = Args::parse();
    let mut stages = Vec::new();
    let files = match agreement_files(&a.case) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => {
            eprintln!("pactum-bench-engine: no .pactum file in `{}`", a.case.display());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("pactum-bench-engine: cannot read `{}`: {e}", a.case.display());
            return ExitCode::from(2);
        }
    };
    let csv_path = a.case.join("evidence.csv");

    let (case, diags) = timed(&mut stages, "parse + check agreement", || {
        let inputs: Vec<(String, String)> =
            files.iter().map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap_or_default())).collect();
        let (case, diags, _) = pactum_check::check_sources(&inputs);
        (case, diags)
    });
    let (errors, warnings) = check_counts(&diags);
    if errors > 0 {
        eprintln!("pactum-bench-engine: the agreement has {errors} errors; run `pactum check`");
        return ExitCode::from(1);
    }

    let text = match timed(&mut stages, "read CSV file (I/O)", || std::fs::read_to_string(&csv_path)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("pactum-bench-engine: cannot read `{}`: {e}", csv_path.display());
            return ExitCode::from(2);
        }
    };
    let csv_bytes = text.len();
    let items = match timed(&mut stages, "pactum_evidence::read_file", || pactum_evidence::read_file("evidence.csv", &text)) {
        Ok(items) => items,
        Err(errs) => {
            eprintln!("pactum-bench-engine: {} errors in the evidence, first: {}", errs.len(), errs[0]);
            return ExitCode::from(1);
        }
    };
    drop(text);
    let rows = items.len();
    let ev = match timed(&mut stages, "pactum_engine::prepare", || pactum_engine::prepare(&case, items)) {
        Ok(ev) => ev,
        Err(errs) => {
            eprintln!("pactum-bench-engine: {} errors preparing the evidence, first: {}", errs.len(), errs[0]);
            return ExitCode::from(1);
        }
    };
    let as_of = match &a.as_of {
        Some(s) => match Date::parse(s) {
            Some(d) => d,
            None => {
                eprintln!("pactum-bench-engine: `{s}` is not a date (YYYY-MM-DD)");
                return ExitCode::from(2);
            }
        },
        None => ev.active.last().map_or(Date::from_days(0), |x| x.date),
    };

    let outcome = timed(&mut stages, "pactum_engine::run (sparse engine)", || pactum_engine::run(&case, &ev, as_of));
    let report = if a.skip_evaluate {
        None
    } else {
        Some(timed(&mut stages, "pactum_engine::evaluate (with explanations)", || pactum_engine::evaluate(&case, &ev, as_of)))
    };
    let peak = peak_rss_kib().unwrap_or(0);

    let mut hist: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (s, _) in &outcome.states {
        *hist.entry(s.as_str()).or_insert(0) += 1;
    }
    if let Some(path) = &a.states {
        let states: Vec<_> = case
            .provisions
            .iter()
            .zip(&outcome.states)
            .map(|(p, (s, since))| json!({"provision": p.id, "state": s.as_str(), "since": since.to_string()}))
            .collect();
        let text = serde_json::to_string_pretty(&json!({"as_of": as_of.to_string(), "states": states})).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("pactum-bench-engine: cannot write `{}`: {e}", path.display());
        }
    }

    let secs = |name: &str| stages.iter().find(|s| s.name == name).map_or(0.0, |s| s.secs);
    let read = secs("pactum_evidence::read_file");
    let prep = secs("pactum_engine::prepare");
    let run = secs("pactum_engine::run (sparse engine)");
    let pipeline = read + prep + run;
    let per_s = |s: f64| if s > 0.0 { rows as f64 / s } else { 0.0 };

    println!(
        "case: {} ({} provisions, {} evidence rows, {:.0} MB CSV), as of {as_of}",
        a.case.display(),
        case.provisions.len(),
        rows,
        csv_bytes as f64 / 1e6
    );
    println!("agreement check: {errors} errors, {warnings} warnings");
    println!("final states: {}", hist.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "));
    println!("changes of state before {as_of}: {}", outcome.timeline.len());
    println!();
    println!("{:<46} {:>10} {:>14} {:>14}", "stage", "seconds", "rows/s", "peak RSS MB");
    for s in &stages {
        let rate = match s.name {
            "pactum_evidence::read_file" | "pactum_engine::prepare" | "pactum_engine::run (sparse engine)" => {
                format!("{:.0}", per_s(s.secs))
            }
            _ => String::new(),
        };
        println!("{:<46} {:>10.3} {:>14} {:>14.0}", s.name, s.secs, rate, s.peak_kib as f64 / 1024.0);
    }
    println!("{:<46} {:>10.3} {:>14.0}", "read_file + prepare + run", pipeline, per_s(pipeline));
    println!("peak RSS (VmHWM): {:.0} MB", peak as f64 / 1024.0);
    let line = json!({
        "case": a.case.display().to_string(),
        "provisions": case.provisions.len(),
        "rows": rows,
        "csv_bytes": csv_bytes,
        "as_of": as_of.to_string(),
        "check_errors": errors,
        "check_warnings": warnings,
        "parse_check_s": secs("parse + check agreement"),
        "read_io_s": secs("read CSV file (I/O)"),
        "read_csv_s": read,
        "prepare_s": prep,
        "run_s": run,
        "evaluate_s": report.as_ref().map(|_| secs("pactum_engine::evaluate (with explanations)")),
        "pipeline_s": pipeline,
        "rows_per_s_pipeline": per_s(pipeline),
        "rows_per_s_run": per_s(run),
        "peak_rss_mb": peak as f64 / 1024.0,
        "states": hist,
        "timeline_changes": outcome.timeline.len(),
    });
    println!("{line}");
    ExitCode::SUCCESS
}
