//! Forecasts, backtests and fan charts of the shipped Doha case, until the CLI has them.
//!
//! ```text
//! cargo run --release -p pactum-forecast --example doha -- forecast 2020-06-01 10000 1 [SCENARIO] [SVG_DIR]
//! cargo run --release -p pactum-forecast --example doha -- json 2020-06-01 10000 1
//! cargo run --release -p pactum-forecast --example doha -- compare 2020-04-01 10000 1 SCENARIO
//! cargo run --release -p pactum-forecast --example doha -- backtest 2020-03-01 2021-04-01 2000 1
//! ```

use pactum_base::Date;
use pactum_forecast::{Options, Scenario};
use std::path::PathBuf;
use std::process::ExitCode;

fn load() -> Result<(pactum_check::Case, pactum_engine::Prepared), String> {
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

fn date(s: Option<&String>) -> Result<Date, String> {
    s.and_then(|s| Date::parse(s)).ok_or_else(|| "expected a date YYYY-MM-DD".to_string())
}

fn num<T: std::str::FromStr>(s: Option<&String>, default: T) -> T {
    s.and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn scenario(case: &pactum_check::Case, path: Option<&String>) -> Result<Option<Scenario>, String> {
    let Some(path) = path.filter(|p| !p.is_empty() && *p != "-") else { return Ok(None) };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    pactum_forecast::parse_scenario(path, &text, case).map(Some).map_err(|e| pactum_forecast::render_errors(&e))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let (case, ev) = load()?;
    let cmd = args.first().map(String::as_str).unwrap_or("forecast");
    match cmd {
        "forecast" | "json" | "compare" => {
            let as_of = date(args.get(1))?;
            let opts = Options { runs: num(args.get(2), 10_000), seed: num(args.get(3), 1), ..Options::default() };
            let sc = scenario(&case, args.get(4))?;
            let t = std::time::Instant::now();
            if cmd == "compare" {
                let a = pactum_forecast::forecast(&case, &ev, as_of, &opts).map_err(|e| e.to_string())?;
                let b = pactum_forecast::forecast(&case, &ev, as_of, &Options { scenario: sc, ..opts }).map_err(|e| e.to_string())?;
                print!("{}", pactum_forecast::render_comparison(&pactum_forecast::compare(&a, &b)));
                return Ok(());
            }
            let f = pactum_forecast::forecast(&case, &ev, as_of, &Options { scenario: sc, ..opts }).map_err(|e| e.to_string())?;
            let secs = t.elapsed().as_secs_f64();
            if cmd == "json" {
                println!("{}", serde_json::to_string_pretty(&f).map_err(|e| e.to_string())?);
            } else {
                print!("{}", pactum_forecast::render_table(&f));
                println!("\n{} runs in {secs:.2} s", f.runs);
            }
            if let Some(dir) = args.get(5) {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                for fan in &f.fans {
                    if let Some(svg) = pactum_forecast::fan_chart_svg(&f, &fan.measure) {
                        std::fs::write(PathBuf::from(dir).join(format!("{}.svg", fan.measure)), svg).map_err(|e| e.to_string())?;
                    }
                }
            }
        }
        "backtest" => {
            let from = date(args.get(1))?;
            let to = date(args.get(2))?;
            let runs = num(args.get(3), 2000);
            let seed = num(args.get(4), 1);
            let t = std::time::Instant::now();
            let b = pactum_forecast::backtest(&case, &ev, from, to, runs, seed).map_err(|e| e.to_string())?;
            print!("{}", pactum_forecast::render_backtest(&b));
            println!("({:.1} s)", t.elapsed().as_secs_f64());
            if args.get(5).is_some_and(|a| a == "pairs") {
                for p in &b.pairs {
                    println!(
                        "{} {:<45} now {:<10} dl {:<10} actual {:<9} met {:<10} model {:.2} lin {:.2} | date model {:<10} lin {:<10}",
                        p.as_of,
                        p.provision,
                        p.state_now.as_str(),
                        p.deadline_now.map_or("-".into(), |d| d.to_string()),
                        p.actual_state.as_str(),
                        p.actual_met.map_or("-".into(), |d| d.to_string()),
                        p.p_model,
                        p.p_linear,
                        p.date_model.map_or("-".into(), |d| d.to_string()),
                        p.date_linear.map_or("-".into(), |d| d.to_string()),
                    );
                }
            }
        }
        other => return Err(format!("unknown command `{other}`; use forecast, json, compare or backtest")),
    }
    Ok(())
}
