//! `pactum`: the command line. Thin on purpose: it parses flags, reads files, calls the
//! library crates and prints. Exit codes: 0 fine, 1 findings, 2 usage or I/O error.

mod load;
mod output;

use clap::{Parser, Subcommand, ValueEnum};
use load::{load, Fatal, Loaded};
use pactum_base::Date;
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

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            let l = load(&args.case, &args.evidence)?;
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
            let l = load(&args.case, &args.evidence)?;
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
            let l = load(&args.case, &args.evidence)?;
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
            let l = load(&args.case, &args.evidence)?;
            if report_problems(&l, out, true) {
                return Ok(1);
            }
            let Ok(ev) = &l.evidence else { return Ok(1) };
            let p = l.case.find_provision(&provision).map_err(Fatal)?;
            let report = pactum_engine::evaluate(&l.case, ev, as_of);
            let key = &l.case.provisions[p].key;
            let Some(status) = report.provisions.iter().find(|s| &s.key == key) else { return Ok(1) };
            let history: Vec<_> = report.timeline.iter().filter(|c| c.provision == status.key).cloned().collect();
            match args.format {
                Format::Json => println!("{}", output::explain_json(as_of, status, &history)),
                Format::Table => print!("{}", output::explain_text(&l.case, as_of, status, &history, out)),
            }
            Ok(0)
        }
        Command::Fmt { paths, check, stdout } => fmt(paths, check, stdout, out),
    }
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
