//! `pactum`: the command line. Thin on purpose: it parses flags, reads files, calls the
//! library crates and prints. Exit codes: 0 fine, 1 findings, 2 usage or I/O error.

mod load;
mod output;

use clap::{Parser, Subcommand, ValueEnum};
use load::{load, Fatal, Loaded};
use pactum_base::Date;
use pactum_store::{ImportOutcome, NewImport, Recorded, Store, StoreUrl};
use pactum_syntax::Severity;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pactum",
    version,
    about = "Monitor peace agreements: write them down, record the evidence, see the state of every provision on any date"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour the output: `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Args)]
struct CaseArgs {
    /// A case folder (agreement `.pactum` files plus evidence `.csv`/`.jsonl` files) or one agreement file.
    case: PathBuf,
    /// More evidence files to read with the case.
    #[arg(long = "evidence", value_name = "FILE")]
    evidence: Vec<PathBuf>,
    /// Output for people (`table`) or programs (`json`, see docs/cli.md).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also read the evidence held in this store (`sqlite:PATH` or `postgres://...`).
    #[arg(long, env = "PACTUM_STORE", value_name = "URL")]
    store: Option<String>,
    /// Use only what a monitor could have known on this day (YYYY-MM-DD): items whose source
    /// was published by then, and that the store had recorded by then.
    #[arg(long, value_name = "DATE")]
    known_on: Option<String>,
}

impl CaseArgs {
    fn load(&self) -> Result<Loaded, Fatal> {
        let from = load::EvidenceSource {
            store: self.store.as_deref().map(pactum_store::StoreUrl::parse).transpose().map_err(|e| Fatal(e.to_string()))?,
            known_on: self.known_on.as_deref().map(|d| parse_date(d, "--known-on")).transpose()?,
        };
        load(&self.case, &self.evidence, &from)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check agreement and evidence files and report every problem found.
    Check {
        #[command(flatten)]
        args: CaseArgs,
        /// Exit with 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// The state of every provision on a date.
    Status {
        #[command(flatten)]
        args: CaseArgs,
        /// The date to evaluate (YYYY-MM-DD); today when not given.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Only the provisions of this agreement (its name, e.g. `doha_2020`).
        #[arg(long, value_name = "NAME")]
        agreement: Option<String>,
    },
    /// Every change of state between two dates.
    Timeline {
        #[command(flatten)]
        args: CaseArgs,
        /// First day to show (YYYY-MM-DD); the beginning when not given.
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day to show (YYYY-MM-DD); today when not given.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Only the changes of this provision.
        #[arg(long, value_name = "PROVISION")]
        provision: Option<String>,
    },
    /// Why one provision is in the state it is in: the rule, the evidence and its sources.
    Explain {
        #[command(flatten)]
        args: CaseArgs,
        /// The provision: `part_one_c`, `part-one-c` or `doha_2020.part_one_c`.
        provision: String,
        /// The date to evaluate (YYYY-MM-DD); today when not given.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Add evidence files to a store: each file in one transaction, whole or not at all.
    Import {
        /// Evidence files: pactum CSV or JSON Lines (docs/evidence-format.md), or a dataset's
        /// export (docs/importers.md).
        files: Vec<PathBuf>,
        /// What the files are: `pactum` (the default), `acled`, `ucdp`, `gdelt`, or
        /// `acled-deletions` (ACLED's list of deleted events, imported as retractions).
        #[arg(long, default_value = "pactum", value_name = "DATASET")]
        dataset: String,
        /// How a dataset's rows become evidence (required for acled, ucdp and gdelt).
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// Import the good rows of a dataset file and list the bad ones, instead of rejecting
        /// the whole file.
        #[arg(long)]
        keep_going: bool,
        /// The store (`sqlite:PATH`, created if missing, or `postgres://...`).
        #[arg(long, env = "PACTUM_STORE", default_value = "sqlite:pactum.db", value_name = "URL")]
        store: String,
        /// When the items became known: a date, `today` (the default), or `source` to date
        /// each by its source's publication (for loading a historical record).
        #[arg(long, default_value = "today", value_name = "WHEN")]
        recorded_on: String,
    },
    /// List the imports a store has recorded: file, content hash, rows, time.
    Imports {
        #[arg(long, env = "PACTUM_STORE", default_value = "sqlite:pactum.db", value_name = "URL")]
        store: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Simulate what happens next: for every provision not settled on a date, the chance it is
    /// met by its deadline, when, and what follows through the interlocks (docs/forecast.md).
    Forecast {
        #[command(flatten)]
        args: CaseArgs,
        /// The forecast date (YYYY-MM-DD): only evidence known by then is used.
        #[arg(long, value_name = "DATE")]
        as_of: String,
        /// Number of simulated runs.
        #[arg(long, default_value_t = 10_000)]
        runs: usize,
        /// Seed of the random numbers: the same seed gives the same numbers.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The last day simulated (default: chosen from the deadlines).
        #[arg(long, value_name = "DATE")]
        horizon: Option<String>,
        /// Worker threads (0 = every core); the numbers do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// A scenario file that changes assumptions.
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// A second scenario to compare with, side by side.
        #[arg(long, value_name = "FILE")]
        compare: Option<PathBuf>,
        /// Override a parameter, e.g. `slope:us_troops=-40` or `retaliation=1` (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Write a fan chart (SVG) per measure into this folder.
        #[arg(long, value_name = "DIR")]
        svg: Option<PathBuf>,
        /// Write a self-contained HTML report (table and fan charts) to this file.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Score the forecasts the model would have made on the first of each month against what
    /// happened, with two baselines.
    Backtest {
        #[command(flatten)]
        args: CaseArgs,
        #[arg(long, value_name = "DATE")]
        from: String,
        #[arg(long, value_name = "DATE")]
        to: String,
        #[arg(long, default_value_t = 10_000)]
        runs: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Run the monitoring server: the dashboard at http://ADDR/ and the JSON API under
    /// /api/v1/ (docs/api.md). An empty store gets the Doha 2020 case and a first admin.
    Serve {
        /// The store (`sqlite:PATH`, created if missing, or `postgres://...` for a shared
        /// deployment: several servers can serve one database).
        #[arg(long, env = "PACTUM_STORE", default_value = "sqlite:pactum.db", value_name = "URL")]
        store: String,
        /// Where to listen.
        #[arg(long, env = "PACTUM_LISTEN", default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
        listen: String,
        /// Let anyone read the dashboard and the API without logging in (writes still need a user).
        #[arg(long)]
        public_read: bool,
        /// Do not load the Doha 2020 example into an empty store.
        #[arg(long)]
        no_example: bool,
        /// The first admin's password, used only when the store has no user yet (otherwise one
        /// is generated and printed once).
        #[arg(long, env = "PACTUM_ADMIN_PASSWORD", value_name = "PASSWORD", hide_env_values = true)]
        admin_password: Option<String>,
        /// Mark the session cookie `Secure`: set this when the server is behind HTTPS.
        #[arg(long)]
        secure_cookies: bool,
    },
    /// Rewrite agreement files in the canonical layout.
    Fmt {
        /// Agreement files or case folders.
        paths: Vec<PathBuf>,
        /// Do not write; exit with 1 if a file is not formatted.
        #[arg(long)]
        check: bool,
        /// Print the formatted text instead of writing it.
        #[arg(long)]
        stdout: bool,
    },
}

/// `pactum status ... | head` must end quietly when `head` stops reading, as other command-line
/// tools do, instead of panicking on the closed pipe: restore the default action of SIGPIPE,
/// which Rust's runtime sets to "ignore".
#[cfg(unix)]
fn quiet_on_closed_pipe() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    // SAFETY: called once at start, before any thread exists; SIG_DFL is always a valid action.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(not(unix))]
fn quiet_on_closed_pipe() {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A server writes to sockets, where a closed peer must never end the process.
    if !matches!(cli.command, Command::Serve { .. }) {
        quiet_on_closed_pipe();
    }
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
    };
    let ecolor = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal(),
    };
    let out = Out { color, ecolor };
    match run(cli.command, &out) {
        Ok(code) => ExitCode::from(code),
        Err(Fatal(msg)) => {
            eprintln!("{} {msg}", out.epaint("1;31", "error:"));
            ExitCode::from(2)
        }
    }
}

pub struct Out {
    pub color: bool,
    pub ecolor: bool,
}

impl Out {
    pub fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    /// Whether stderr is a terminal that can show a progress bar.
    fn ecolor_capable(&self) -> bool {
        std::io::stderr().is_terminal()
    }

    fn epaint(&self, code: &str, s: &str) -> String {
        if self.ecolor {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn parse_date(s: &str, flag: &str) -> Result<Date, Fatal> {
    Date::parse(s).ok_or_else(|| Fatal(format!("`{s}` is not a date for {flag}; write YYYY-MM-DD, e.g. 2020-06-01")))
}

fn today() -> Date {
    // The one place pactum reads the clock: the default evaluation date.
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Date::from_days((secs / 86_400) as i32)
}

/// Prints the problems of a case to stderr. Returns true if any is an error.
fn report_problems(l: &Loaded, out: &Out, quiet_warnings: bool) -> bool {
    let mut stderr = std::io::stderr();
    let shown: Vec<_> = l.diagnostics.iter().filter(|d| !quiet_warnings || d.severity == Severity::Error).cloned().collect();
    let _ = write!(stderr, "{}", pactum_syntax::render(&shown, &l.sources, out.ecolor));
    if let Err(errs) = &l.evidence {
        for e in errs {
            let _ = writeln!(stderr, "{} {e}\n", out.epaint("1;31", "error[evidence]:"));
        }
        let _ = writeln!(stderr, "the evidence files above were rejected whole; nothing from them was used");
    }
    let warnings = l.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    if quiet_warnings && warnings > 0 {
        let _ = writeln!(stderr, "{warnings} warning(s) about the agreements: run `pactum check` to read them");
    }
    l.has_errors()
}

fn run(cmd: Command, out: &Out) -> Result<u8, Fatal> {
    match cmd {
        Command::Check { args, deny_warnings } => {
            let l = args.load()?;
            if args.format == Format::Json {
                println!("{}", output::check_json(&l));
            } else {
                report_problems(&l, out, false);
                let errors =
                    l.diagnostics.iter().filter(|d| d.severity == Severity::Error).count() + l.evidence.as_ref().err().map_or(0, Vec::len);
                let warnings = l.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
                let items = l.evidence.as_ref().map_or(0, |e| e.items.len());
                println!(
                    "checked {} agreement file(s), {} provision(s), {} evidence file(s) with {} item(s): {} error(s), {} warning(s)",
                    l.agreement_files.len(),
                    l.case.provisions.len(),
                    l.evidence_files.len(),
                    items,
                    errors,
                    warnings
                );
            }
            let warn = l.diagnostics.iter().any(|d| d.severity == Severity::Warning);
            Ok(if l.has_errors() || (deny_warnings && warn) { 1 } else { 0 })
        }
        Command::Status { args, as_of, agreement } => {
            let as_of = match as_of {
                Some(s) => parse_date(&s, "--as-of")?,
                None => today(),
            };
            let l = args.load()?;
            if report_problems(&l, out, true) {
                return Ok(1);
            }
            let Ok(ev) = &l.evidence else { return Ok(1) };
            let mut report = pactum_engine::evaluate(&l.case, ev, as_of);
            if let Some(a) = agreement {
                if !l.case.agreements.iter().any(|x| x.id == a) {
                    let names: Vec<&str> = l.case.agreements.iter().map(|x| x.id.as_str()).collect();
                    return Err(Fatal(format!("no agreement `{a}` in this case; it has: {}", names.join(", "))));
                }
                report.provisions.retain(|p| p.agreement == a);
                report.timeline.retain(|c| c.provision.starts_with(&format!("{a}.")));
            }
            l.complete_citations(&mut report.provisions);
            match args.format {
                Format::Json => println!("{}", output::status_json(&l.case, &report)),
                Format::Table => print!("{}", output::status_table(&l.case, &report, out)),
            }
            Ok(0)
        }
        Command::Timeline { args, from, to, provision } => {
            let to = match to {
                Some(s) => parse_date(&s, "--to")?,
                None => today(),
            };
            let from = from.map(|s| parse_date(&s, "--from")).transpose()?;
            let l = args.load()?;
            if report_problems(&l, out, true) {
                return Ok(1);
            }
            let Ok(ev) = &l.evidence else { return Ok(1) };
            let only = provision.map(|p| l.case.find_provision(&p).map_err(Fatal)).transpose()?;
            let report = pactum_engine::evaluate(&l.case, ev, to);
            let changes: Vec<_> = report
                .timeline
                .iter()
                .filter(|c| from.is_none_or(|f| c.date >= f))
                .filter(|c| only.is_none_or(|p| c.provision == l.case.provisions[p].key))
                .cloned()
                .collect();
            match args.format {
                Format::Json => println!("{}", output::timeline_json(from, to, &changes)),
                Format::Table => print!("{}", output::timeline_table(&changes, out)),
            }
            Ok(0)
        }
        Command::Explain { args, provision, as_of } => {
            let as_of = match as_of {
                Some(s) => parse_date(&s, "--as-of")?,
                None => today(),
            };
            let l = args.load()?;
            if report_problems(&l, out, true) {
                return Ok(1);
            }
            let Ok(ev) = &l.evidence else { return Ok(1) };
            let p = l.case.find_provision(&provision).map_err(Fatal)?;
            let mut report = pactum_engine::evaluate(&l.case, ev, as_of);
            let key = &l.case.provisions[p].key;
            report.provisions.retain(|s| &s.key == key);
            l.complete_citations(&mut report.provisions);
            let Some(status) = report.provisions.first() else { return Ok(1) };
            let history: Vec<_> = report.timeline.iter().filter(|c| c.provision == status.key).cloned().collect();
            match args.format {
                Format::Json => println!("{}", output::explain_json(as_of, status, &history)),
                Format::Table => print!("{}", output::explain_text(&l.case, as_of, status, &history, out)),
            }
            Ok(0)
        }
        Command::Fmt { paths, check, stdout } => fmt(paths, check, stdout, out),
        Command::Forecast { args, as_of, runs, seed, horizon, threads, scenario, compare, params, svg, html } => {
            let as_of = parse_date(&as_of, "--as-of")?;
            let l = args.load()?;
            if report_problems(&l, out, true) {
                return Ok(1);
            }
            let Ok(ev) = &l.evidence else { return Ok(1) };
            let mut overrides = pactum_forecast::Overrides::default();
            for p in &params {
                overrides.set(p).map_err(|e| Fatal(format!("--param {p}: {e}")))?;
            }
            let read_scenario = |path: &PathBuf| -> Result<pactum_forecast::Scenario, Fatal> {
                let text = std::fs::read_to_string(path).map_err(|e| Fatal(format!("cannot read `{}`: {e}", path.display())))?;
                pactum_forecast::parse_scenario(&path.display().to_string(), &text, &l.case)
                    .map_err(|errs| Fatal(format!("the scenario has errors:\n{}", pactum_forecast::render_errors(&errs))))
            };
            let opts = pactum_forecast::Options {
                runs,
                seed,
                horizon: horizon.map(|h| parse_date(&h, "--horizon")).transpose()?,
                threads,
                scenario: scenario.as_ref().map(read_scenario).transpose()?,
                params: overrides,
                ..Default::default()
            };
            let f = pactum_forecast::forecast(&l.case, ev, as_of, &opts).map_err(|e| Fatal(e.to_string()))?;
            if let Some(dir) = &svg {
                std::fs::create_dir_all(dir).map_err(|e| Fatal(format!("cannot create `{}`: {e}", dir.display())))?;
                for fan in &f.fans {
                    if let Some(svg) = pactum_forecast::fan_chart_svg(&f, &fan.measure) {
                        let path = dir.join(format!("{}.svg", fan.measure));
                        std::fs::write(&path, svg).map_err(|e| Fatal(format!("cannot write `{}`: {e}", path.display())))?;
                    }
                }
            }
            if let Some(path) = &html {
                let charts: Vec<(String, String)> = f
                    .fans
                    .iter()
                    .filter_map(|fan| pactum_forecast::fan_chart_svg(&f, &fan.measure).map(|svg| (fan.measure.clone(), svg)))
                    .collect();
                let value = serde_json::to_value(&f).unwrap_or_default();
                let page = output::forecast_html(&value, &charts, &args.case.display().to_string());
                std::fs::write(path, page).map_err(|e| Fatal(format!("cannot write `{}`: {e}", path.display())))?;
            }
            match compare {
                Some(other) => {
                    let opts_b = pactum_forecast::Options { scenario: Some(read_scenario(&other)?), ..opts };
                    let g = pactum_forecast::forecast(&l.case, ev, as_of, &opts_b).map_err(|e| Fatal(e.to_string()))?;
                    let c = pactum_forecast::compare(&f, &g);
                    match args.format {
                        Format::Json => println!("{}", serde_json::to_string_pretty(&c).unwrap_or_default()),
                        Format::Table => print!("{}", pactum_forecast::render_comparison(&c)),
                    }
                }
                None => match args.format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&f).unwrap_or_default()),
                    Format::Table => print!("{}", pactum_forecast::render_table(&f)),
                },
            }
            Ok(0)
        }
        Command::Backtest { args, from, to, runs, seed } => {
            let (from, to) = (parse_date(&from, "--from")?, parse_date(&to, "--to")?);
            let l = args.load()?;
            if report_problems(&l, out, true) {
                return Ok(1);
            }
            let Ok(ev) = &l.evidence else { return Ok(1) };
            let b = pactum_forecast::backtest(&l.case, ev, from, to, runs, seed).map_err(|e| Fatal(e.to_string()))?;
            match args.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&b).unwrap_or_default()),
                Format::Table => print!("{}", pactum_forecast::render_backtest(&b)),
            }
            Ok(0)
        }
        Command::Import { files, store, recorded_on, dataset, mapping, keep_going } => import(
            &files,
            &ImportArgs { store: &store, recorded_on: &recorded_on, dataset: &dataset, mapping: mapping.as_deref(), keep_going },
            out,
        ),
        Command::Serve { store, listen, public_read, no_example, admin_password, secure_cookies } => {
            serve(&store, &listen, public_read, !no_example, admin_password, secure_cookies)
        }
        Command::Imports { store, format } => {
            let url = StoreUrl::parse(&store).map_err(|e| Fatal(e.to_string()))?;
            let mut s = Store::open(&url).map_err(|e| Fatal(e.to_string()))?;
            let list = s.imports().map_err(|e| Fatal(e.to_string()))?;
            match format {
                Format::Json => println!("{}", output::imports_json(&list)),
                Format::Table => print!("{}", output::imports_table(&list)),
            }
            Ok(0)
        }
    }
}

fn serve(store: &str, listen: &str, public_read: bool, seed: bool, admin_password: Option<String>, secure: bool) -> Result<u8, Fatal> {
    let url = StoreUrl::parse(store).map_err(|e| Fatal(e.to_string()))?;
    let mut config = pactum_server::Config::new(url.clone());
    config.public_read = public_read;
    config.seed_example = seed;
    config.admin_password = admin_password;
    config.secure_cookies = secure;
    let (app, report) = pactum_server::setup(config).map_err(Fatal)?;
    if report.seeded_documents > 0 {
        eprintln!(
            "loaded the Doha 2020 example into the empty store: {} agreement files, {} evidence items",
            report.seeded_documents, report.seeded_items
        );
    }
    match &report.created_admin {
        Some((name, Some(password))) => eprintln!("created the first user `{name}` (admin) with the password {password}\nwrite it down: it is not shown again (an admin can change it on the dashboard)"),
        Some((name, None)) => eprintln!("created the first user `{name}` (admin) with the password given"),
        None => {}
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Fatal(format!("cannot start the server: {e}")))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| Fatal(format!("cannot listen on `{listen}`: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Fatal(e.to_string()))?;
        eprintln!("pactum serves {url} at http://{addr}/ (Ctrl-C stops it)");
        pactum_server::serve(app, listener).await.map_err(|e| Fatal(format!("the server stopped: {e}")))
    })?;
    Ok(0)
}

fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let day = Date::from_days((secs / 86_400) as i32);
    let rem = secs % 86_400;
    format!("{day}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

struct ImportArgs<'a> {
    store: &'a str,
    recorded_on: &'a str,
    dataset: &'a str,
    mapping: Option<&'a std::path::Path>,
    keep_going: bool,
}

/// What one file turned into, before it goes to the store.
struct Read {
    items: Vec<pactum_evidence::Item>,
    rows: u64,
    summary: String,
}

fn import(files: &[PathBuf], a: &ImportArgs, out: &Out) -> Result<u8, Fatal> {
    if files.is_empty() {
        return Err(Fatal("name the evidence files to import".into()));
    }
    let recorded = match a.recorded_on {
        "today" => Recorded::On(today()),
        "source" => Recorded::AtSourceDate,
        d => Recorded::On(parse_date(d, "--recorded-on")?),
    };
    let dataset = match a.dataset {
        "pactum" | "acled-deletions" => None,
        other => Some(
            other
                .parse::<pactum_import::Dataset>()
                .map_err(|e| Fatal(format!("{e}; --dataset takes pactum, acled, ucdp, gdelt or acled-deletions")))?,
        ),
    };
    let mapping = match (dataset, a.mapping) {
        (Some(d), None) => {
            return Err(Fatal(format!(
                "importing {d} needs a mapping file: --mapping FILE (the Doha case has examples/doha-2020/mappings/{}.toml)",
                d.name()
            )))
        }
        (Some(d), Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| Fatal(format!("cannot read `{}`: {e}", path.display())))?;
            match pactum_import::Mapping::from_toml(&path.display().to_string(), &text) {
                Ok(m) if m.dataset() == d => Some(m),
                Ok(m) => return Err(Fatal(format!("`{}` is a mapping for {}, not {d}", path.display(), m.dataset()))),
                Err(errs) => {
                    for e in &errs {
                        eprintln!("{} {e}\n", out.epaint("1;31", "error[mapping]:"));
                    }
                    return Ok(1);
                }
            }
        }
        (None, _) => None,
    };
    let url = StoreUrl::parse(a.store).map_err(|e| Fatal(e.to_string()))?;
    let mut s = Store::open(&url).map_err(|e| Fatal(e.to_string()))?;
    let mut code = 0;
    for f in files {
        let bytes = std::fs::read(f).map_err(|e| Fatal(format!("cannot read `{}`: {e}", f.display())))?;
        let name = f.display().to_string();
        if let (Some(d), Some(m)) = (dataset, mapping.as_ref()) {
            // Datasets can be millions of rows: stream them into the store's transaction.
            code = code.max(import_dataset(&name, &bytes, d, m, a, recorded, &mut s, &url, out));
            continue;
        }
        let read = match read_for_import(&name, &bytes, a, &mut s, out) {
            Ok(r) => r,
            Err(errs) => {
                for e in &errs {
                    eprintln!("{} {e}\n", out.epaint("1;31", "error[evidence]:"));
                }
                eprintln!("`{name}` was not imported: nothing from it was added");
                code = 1;
                continue;
            }
        };
        let new = NewImport {
            file_name: &name,
            content: &bytes,
            dataset: a.dataset,
            rows: read.rows,
            items: &read.items,
            recorded,
            imported_at: &now_utc(),
        };
        match s.import(&new) {
            Ok(ImportOutcome::Added(r)) => {
                println!(
                    "{name}: added {} item(s) to {url} (import {}, sha256 {}){}",
                    r.items_added,
                    r.id,
                    &r.content_hash[..12],
                    read.summary
                )
            }
            Ok(ImportOutcome::AlreadyImported(r)) => {
                println!("{name}: already imported on {} as `{}` (import {}); nothing added", r.imported_at, r.file_name, r.id)
            }
            Err(e) => {
                eprintln!("{} {e}", out.epaint("1;31", "error:"));
                eprintln!("`{name}` was not imported: nothing from it was added");
                code = 1;
            }
        }
    }
    Ok(code)
}

fn progress_bar(name: &str, len: usize, out: &Out) -> Option<indicatif::ProgressBar> {
    // A bar only for files big enough to take a moment, and only on a terminal.
    (out.ecolor_capable() && len > 4 << 20).then(|| {
        let b = indicatif::ProgressBar::new(len as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_message(name.to_string());
        b
    })
}

fn import_summary(imp: &pactum_import::Import, out: &Out) -> String {
    let mut summary = format!("; {} row(s) read", imp.rows);
    if imp.unmatched > 0 {
        let by: Vec<String> = imp.unmatched_by.iter().take(5).map(|(k, n)| format!("{k}: {n}")).collect();
        summary.push_str(&format!(", {} matched no rule ({})", imp.unmatched, by.join(", ")));
    }
    if !imp.flagged.is_empty() {
        summary.push_str(&format!(", {} flagged (see the items' notes)", imp.flagged.len()));
    }
    if imp.bad_rows > 0 {
        summary.push_str(&format!(", {} bad row(s) left out", imp.bad_rows));
        for e in &imp.errors {
            eprintln!("{} {e}\n", out.epaint("1;33", "warning[evidence]:"));
        }
    }
    summary
}

#[allow(clippy::too_many_arguments)]
fn import_dataset(
    name: &str,
    bytes: &[u8],
    d: pactum_import::Dataset,
    m: &pactum_import::Mapping,
    a: &ImportArgs,
    recorded: Recorded,
    s: &mut Store,
    url: &StoreUrl,
    out: &Out,
) -> u8 {
    let bar = progress_bar(name, bytes.len(), out);
    let progress = |done: u64, _total: u64| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
    };
    let opts = pactum_import::Options { keep_going: a.keep_going, progress: Some(&progress) };
    let mut report = None;
    let mut produce = |sink: &mut dyn FnMut(pactum_evidence::Item)| {
        let imp = pactum_import::import_each(d, name, bytes, m, &opts, sink)?;
        let rows = imp.rows as u64;
        report = Some(imp);
        Ok(rows)
    };
    let meta = pactum_store::ImportMeta { file_name: name, content: bytes, dataset: a.dataset, recorded, imported_at: &now_utc() };
    let result = s.import_stream(&meta, &mut produce);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    match result {
        Ok(ImportOutcome::Added(r)) => {
            let summary = report.as_ref().map(|imp| import_summary(imp, out)).unwrap_or_default();
            println!("{name}: added {} item(s) to {url} (import {}, sha256 {}){summary}", r.items_added, r.id, &r.content_hash[..12]);
            0
        }
        Ok(ImportOutcome::AlreadyImported(r)) => {
            println!("{name}: already imported on {} as `{}` (import {}); nothing added", r.imported_at, r.file_name, r.id);
            0
        }
        Err(pactum_store::StreamError::Input(errs)) => {
            for e in &errs {
                eprintln!("{} {e}\n", out.epaint("1;31", "error[evidence]:"));
            }
            eprintln!("`{name}` was not imported: nothing from it was added");
            1
        }
        Err(pactum_store::StreamError::Store(e)) => {
            eprintln!("{} {e}", out.epaint("1;31", "error:"));
            eprintln!("`{name}` was not imported: nothing from it was added");
            1
        }
    }
}

/// Reads a pactum evidence file or an ACLED deletions list (datasets are streamed instead).
fn read_for_import(
    name: &str,
    bytes: &[u8],
    a: &ImportArgs,
    store: &mut Store,
    out: &Out,
) -> Result<Read, Vec<pactum_evidence::EvidenceError>> {
    let fatal = |e: String| vec![pactum_evidence::EvidenceError { file: name.into(), row: 0, field: None, message: e, help: None }];
    let bar = progress_bar(name, bytes.len(), out);
    let progress = |done: u64, _total: u64| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
    };
    let opts = pactum_import::Options { keep_going: a.keep_going, progress: Some(&progress) };
    let result = match a.dataset {
        "acled-deletions" => pactum_import::import_acled_deletions(name, bytes, &opts).and_then(|imp| {
            // Deleted events never imported here have nothing to retract.
            let refs: Vec<String> = imp.items.iter().filter_map(|i| i.reference.clone()).collect();
            let known = store.existing_ids(&refs).map_err(|e| fatal(e.to_string()))?;
            let total = imp.items.len();
            let items: Vec<_> = imp.items.into_iter().filter(|i| i.reference.as_ref().is_some_and(|r| known.contains(r))).collect();
            let summary = format!("; {total} deletion(s) listed, {} of events in this store", items.len());
            Ok(Read { rows: imp.rows as u64, items, summary })
        }),
        _ => {
            let text = String::from_utf8_lossy(bytes);
            pactum_evidence::read_file(name, &text).map(|items| Read { rows: items.len() as u64, items, summary: String::new() })
        }
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    result
}

fn fmt(paths: Vec<PathBuf>, check: bool, to_stdout: bool, out: &Out) -> Result<u8, Fatal> {
    if paths.is_empty() {
        return Err(Fatal("name the agreement files or case folders to format".into()));
    }
    let mut files = Vec::new();
    for p in &paths {
        files.extend(load::find(p, &[])?.0);
    }
    let mut code = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| Fatal(format!("cannot read `{}`: {e}", f.display())))?;
        let mut sources = pactum_syntax::SourceMap::default();
        let id = sources.add(f.display().to_string(), text.clone());
        let (tree, diags) = pactum_syntax::parse(id, &text);
        if diags.iter().any(|d| d.severity == Severity::Error) {
            eprint!("{}", pactum_syntax::render(&diags, &sources, out.ecolor));
            eprintln!("`{}` has syntax errors, so it was not formatted", f.display());
            code = 1;
            continue;
        }
        let formatted = pactum_syntax::format(&tree);
        if to_stdout {
            print!("{formatted}");
        } else if check {
            if formatted != text {
                println!("{} is not formatted", f.display());
                code = 1;
            }
        } else if formatted != text {
            std::fs::write(&f, formatted).map_err(|e| Fatal(format!("cannot write `{}`: {e}", f.display())))?;
            println!("formatted {}", f.display());
        }
    }
    Ok(code)
}
