//! `pactum-gen`: writes a large synthetic case (agreement, evidence CSV, spec.json) into a folder.
//!
//! ```text
//! pactum-gen --provisions 1000 --events 10000000 --seed 1 --years 10 --out target/bench-case
//! ```

use clap::Parser;
use pactum_bench::gen::{self, Config};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "pactum-gen", about = "Generate a large synthetic pactum case for benchmarks")]
struct Args {
    /// Number of provisions in the agreement.
    #[arg(long, default_value_t = 1000)]
    provisions: usize,
    /// Number of evidence rows.
    #[arg(long, default_value_t = 10_000_000)]
    events: u64,
    /// Seed: the same seed and sizes always give the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Years of evidence, from 1 January 2015.
    #[arg(long, default_value_t = 10)]
    years: u32,
    /// Folder to write agreement.pactum, evidence.csv and spec.json into.
    #[arg(long, default_value = "target/bench-case")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let a = Args::parse();
    let cfg = Config { provisions: a.provisions, events: a.events, seed: a.seed, years: a.years };
    let t = Instant::now();
    let summary = match gen::generate(&cfg, &a.out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pactum-gen: cannot write into `{}`: {e}", a.out.display());
            return ExitCode::from(2);
        }
    };
    let secs = t.elapsed().as_secs_f64();
    let (_, diags, sources) = pactum_check::check_sources(&[("agreement.pactum".into(), summary.agreement_text.clone())]);
    let (errors, warnings) = pactum_bench::check_counts(&diags);
    println!(
        "wrote {}: {} provisions, {} evidence rows ({} to {}, signed {}), {} denials, {} month dates, {} ranged dates, {} ranged quantities in {secs:.1} s",
        a.out.display(),
        cfg.provisions,
        summary.rows,
        summary.first_day,
        summary.last_day,
        summary.signing,
        summary.denials,
        summary.month_dates,
        summary.ranged_dates,
        summary.ranged_quantities
    );
    println!("pactum check of the agreement: {errors} errors, {warnings} warnings");
    if errors > 0 {
        let shown: Vec<_> = diags.iter().filter(|d| d.severity == pactum_syntax::Severity::Error).take(10).cloned().collect();
        eprintln!("{}", pactum_syntax::render(&shown, &sources, false));
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
