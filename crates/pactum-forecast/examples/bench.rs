//! Forecast throughput: runs per second on the Doha case (as of 2020-06-01) and on a generated
//! agreement with 1,000 provisions, with both evaluators, and where the time of one run goes.
//!
//! ```text
//! cargo run --release -p pactum-forecast --example bench            # 10,000 and 100,000 Doha runs
//! cargo run --release -p pactum-forecast --example bench -- quick    # 10,000 only
//! ```

use pactum_base::Date;
use pactum_check::Case;
use pactum_engine::Prepared;
use pactum_forecast::{forecast, gen, EnginePath, Forecast, Options};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn doha() -> Result<(Case, Prepared), String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/doha-2020");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).map_err(|e| e.to_string())?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    let mut inputs = Vec::new();
    for p in names.iter().filter(|p| p.extension().is_some_and(|e| e == "pactum")) {
        inputs.push((
            p.file_name().unwrap_or_default().to_string_lossy().into_owned(),
            std::fs::read_to_string(p).map_err(|e| e.to_string())?,
        ));
    }
    let (case, _, _) = pactum_check::check_sources(&inputs);
    let text = std::fs::read_to_string(dir.join("evidence.csv")).map_err(|e| e.to_string())?;
    let items = pactum_evidence::read_csv("evidence.csv", &text).map_err(|e| format!("{e:?}"))?;
    let ev = pactum_engine::prepare(&case, items).map_err(|e| format!("{e:?}"))?;
    Ok((case, ev))
}

fn generated(n: usize, rows: usize) -> Result<(Case, Prepared), String> {
    let mut r = gen::Rng::new(2024);
    let text = gen::agreement_with(&mut r, n, true);
    let (case, diags, _) = pactum_check::check_sources(&[("generated.pactum".into(), text)]);
    let errors = diags.iter().filter(|d| d.severity == pactum_syntax::Severity::Error).count();
    if errors > 0 {
        return Err(format!("the generated agreement has {errors} errors"));
    }
    let ev = pactum_engine::prepare(&case, gen::evidence(&mut r, rows)).map_err(|e| format!("{} evidence errors", e.len()))?;
    Ok((case, ev))
}

fn time(label: &str, case: &Case, ev: &Prepared, as_of: Date, opts: &Options) -> Result<(Forecast, Duration), String> {
    let t = Instant::now();
    let f = forecast(case, ev, as_of, opts).map_err(|e| e.to_string())?;
    let d = t.elapsed();
    let threads = if opts.threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { opts.threads };
    println!(
        "{label:<44} {:>7} runs  {:>8.2} s  {:>9.0} runs/s  ({} thread(s), {:?}, {:.1} days judged per run, {:.2} draws of evidence per run)",
        opts.runs,
        d.as_secs_f64(),
        opts.runs as f64 / d.as_secs_f64(),
        threads,
        opts.path,
        f.stats.mean_days,
        f.stats.mean_passes
    );
    Ok((f, d))
}

fn per_op<T>(n: u32, mut f: impl FnMut() -> T) -> Duration {
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(f());
    }
    t.elapsed() / n
}

fn main() -> Result<(), String> {
    let quick = std::env::args().any(|a| a == "quick");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("pactum-forecast benchmark: {cores} core(s)\n");

    let (case, ev) = doha()?;
    let as_of = Date::parse("2020-06-01").ok_or("date")?;
    println!("Doha case, as of {as_of}: {} provisions, {} evidence items", case.provisions.len(), ev.items.len());
    let base = Options { seed: 1, fan_runs: 1_000, ..Options::default() };
    time("checkpointed, all cores", &case, &ev, as_of, &Options { runs: 10_000, ..base.clone() })?;
    time("checkpointed, 1 thread", &case, &ev, as_of, &Options { runs: 10_000, threads: 1, ..base.clone() })?;
    if !quick {
        time("checkpointed, all cores", &case, &ev, as_of, &Options { runs: 100_000, ..base.clone() })?;
    }
    time("plain (prepare + extend + engine::run)", &case, &ev, as_of, &Options { runs: 1_000, path: EnginePath::Plain, ..base.clone() })?;

    // Where one plain run's time goes: the engine's own entry points on the known evidence
    // plus one run's synthetic rows (horizon 2021-07-28).
    let known = pactum_forecast::known_on(&ev.items, as_of);
    let horizon = Date::parse("2021-07-28").ok_or("date")?;
    let prepared = pactum_engine::prepare(&case, known.clone()).map_err(|e| format!("{e:?}"))?;
    let plan = pactum_engine::plan::Plan::new(&case);
    println!("\none Doha run, piece by piece (known evidence: {} items; means over 2,000 calls):", known.len());
    println!(
        "  pactum_engine::prepare (known items)        {:>8.1} µs",
        per_op(2000, || pactum_engine::prepare(&case, known.clone())).as_secs_f64() * 1e6
    );
    println!(
        "  Plan::new                                   {:>8.1} µs",
        per_op(2000, || pactum_engine::plan::Plan::new(&case)).as_secs_f64() * 1e6
    );
    println!(
        "  Indexed::new                                {:>8.1} µs",
        per_op(2000, || pactum_engine::series::Indexed::new(&case, &plan, &prepared)).as_secs_f64() * 1e6
    );
    println!(
        "  Prepared::earliest_reading                  {:>8.1} µs",
        per_op(2000, || prepared.earliest_reading().active.len()).as_secs_f64() * 1e6
    );
    println!(
        "  pactum_engine::run to the horizon           {:>8.1} µs  (both readings: the evidence has ranged dates)",
        per_op(2000, || pactum_engine::run(&case, &prepared, horizon)).as_secs_f64() * 1e6
    );

    let n = 1000;
    let rows = 3000;
    let (gcase, gev) = generated(n, rows)?;
    let gas_of = gen::base().add_days(150);
    println!("\ngenerated agreement: {} provisions, {} evidence items, as of {gas_of}", gcase.provisions.len(), gev.items.len());
    let horizon = Some(gas_of.add_days(365));
    let (f, _) = time("checkpointed, all cores", &gcase, &gev, gas_of, &Options { runs: 200, fan_runs: 100, horizon, ..base.clone() })?;
    println!("  ({} provisions forecast, {} generators, horizon {})", f.provisions.len(), f.parameters.len(), f.horizon);
    time(
        "plain (prepare + extend + engine::run)",
        &gcase,
        &gev,
        gas_of,
        &Options { runs: 20, fan_runs: 0, horizon, path: EnginePath::Plain, ..base.clone() },
    )?;
    let gknown = pactum_engine::prepare(&gcase, pactum_forecast::known_on(&gev.items, gas_of)).map_err(|e| format!("{e:?}"))?;
    let t = Instant::now();
    let out = pactum_engine::run(&gcase, &gknown, gas_of.add_days(365));
    println!(
        "  one pactum_engine::run of the known evidence to the horizon: {:.1} ms ({} changes)",
        t.elapsed().as_secs_f64() * 1e3,
        out.timeline.len()
    );
    Ok(())
}
