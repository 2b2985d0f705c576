//! The incremental step of the import benchmark (scripts/bench-import.sh, docs/benchmarks-import.md):
//! a store already holding millions of ACLED items, and a day's new rows arriving on top of it.
//!
//! 1. loads every item of the store once, lean, as `pactum status` reads them
//!    (`Store::items_since_for_evaluation(0)`, which also gives the last sequence number), reads
//!    the case, prepares the evidence and evaluates the case (with `--breakdown`, also times
//!    `run` alone, `Prepared::earliest_order` and, for comparison, `Prepared::earliest_reading`);
//! 2. imports the day's file into the store (the importer, then `Store::import_stream`: one
//!    transaction, full sync), reads back only the new items
//!    (`Store::items_since_for_evaluation(last_seq)`), adds them with `Prepared::extend` and
//!    evaluates again: "new evidence to new verdict";
//! 3. for comparison, does what a fresh `pactum status` would do instead: re-reads every item
//!    (`Store::items_for_evaluation(None)`), prepares and evaluates; and checks that both
//!    verdicts, and the prepared evidence itself (a fingerprint of every item and active
//!    entry), are the same.
//!
//! With `--import-phases FILE` it instead times the steps of `pactum import` on a big file into a
//! fresh store: read, hash, parse alone, and the CLI's streamed import.
//!
//! ```text
//! cargo run --release -p pactum-import --example bench_incremental -- \
//!     --store sqlite:target/bench-import/store-doha.db --case examples/doha-2020 \
//!     --day target/bench-import/acled-day.csv --mapping examples/doha-2020/mappings/acled.toml \
//!     --as-of 2021-09-02 [--breakdown] [--skip-full] [--load-only]
//! cargo run --release -p pactum-import --example bench_incremental -- \
//!     --store sqlite:/tmp/fresh.db --mapping examples/doha-2020/mappings/acled.toml --import-phases BIG.csv
//! ```
//!
//! Prints one line per step, then one JSON line with every figure (seconds, and peak resident
//! memory in MB for each phase, read from /proc: the peak mark is reset before each phase, so
//! `/usr/bin/time` sees only the last phase's peak).

use pactum_base::Date;
use pactum_engine::Prepared;
use pactum_evidence::Item;
use pactum_import::{Dataset, Mapping, Options};
use pactum_store::{ImportMeta, ImportOutcome, Recorded, Store, StoreUrl};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn die(msg: String) -> ! {
    eprintln!("bench_incremental: {msg}");
    std::process::exit(2);
}

/// Peak resident memory of this process so far (VmHWM), in MB.
fn peak_mb() -> f64 {
    proc_status_kb("VmHWM:") / 1024.0
}

fn rss_mb() -> f64 {
    proc_status_kb("VmRSS:") / 1024.0
}

fn proc_status_kb(key: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines().find_map(|l| l.strip_prefix(key).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())).unwrap_or(0.0)
}

/// Resets the peak resident memory mark (Linux: `echo 5 > /proc/self/clear_refs`), so that each
/// phase's peak can be read on its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Args {
    store: String,
    case: PathBuf,
    day: PathBuf,
    mapping: PathBuf,
    as_of: Date,
    skip_full: bool,
    breakdown: bool,
    /// Stop after the first load and evaluation (and the breakdown): no day is imported.
    load_only: bool,
    /// `--import-phases FILE`: time the phases of importing a big file into a fresh store, then stop.
    import_phases: Option<PathBuf>,
}

fn args() -> Args {
    let mut it = std::env::args().skip(1);
    let (mut store, mut case, mut day, mut mapping, mut as_of, mut skip_full) = (None, None, None, None, None, false);
    let (mut breakdown, mut import_phases, mut load_only) = (false, None, false);
    while let Some(a) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| die(format!("{a} needs a value")));
        match a.as_str() {
            "--store" => store = Some(val()),
            "--case" => case = Some(PathBuf::from(val())),
            "--day" => day = Some(PathBuf::from(val())),
            "--mapping" => mapping = Some(PathBuf::from(val())),
            "--as-of" => {
                let v = val();
                as_of = Some(Date::parse(&v).unwrap_or_else(|| die(format!("`{v}` is not a date"))));
            }
            "--skip-full" => skip_full = true,
            "--load-only" => load_only = true,
            "--breakdown" => breakdown = true,
            "--import-phases" => import_phases = Some(PathBuf::from(val())),
            _ => die(format!(
                "unknown argument `{a}`; usage: --store URL --case DIR --day FILE --mapping FILE --as-of DATE [--skip-full] [--breakdown], \
                 or --store URL --mapping FILE --import-phases FILE"
            )),
        }
    }
    let need = |o: Option<String>, n: &str| o.unwrap_or_else(|| die(format!("{n} is required")));
    let phases = import_phases.is_some();
    let need_path = |o: Option<PathBuf>, n: &str| match o {
        Some(p) => p,
        None if phases => PathBuf::new(),
        None => die(format!("{n} is required")),
    };
    Args {
        store: need(store, "--store"),
        case: need_path(case, "--case"),
        day: need_path(day, "--day"),
        mapping: mapping.unwrap_or_else(|| die("--mapping is required".into())),
        as_of: as_of.unwrap_or_else(|| if phases { Date::MIN } else { die("--as-of is required".into()) }),
        skip_full,
        breakdown,
        load_only,
        import_phases,
    }
}

/// The case's agreement files and evidence files, as `pactum status CASE` finds them.
fn read_case(dir: &Path) -> (pactum_check::Case, Vec<Item>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| die(format!("cannot read `{}`: {e}", dir.display())))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut inputs = Vec::new();
    let mut items = Vec::new();
    for f in &files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        let read = || std::fs::read_to_string(f).unwrap_or_else(|e| die(format!("cannot read `{}`: {e}", f.display())));
        match ext {
            "pactum" => inputs.push((f.display().to_string(), read())),
            "csv" | "jsonl" => match pactum_evidence::read_file(&f.display().to_string(), &read()) {
                Ok(mut v) => items.append(&mut v),
                Err(e) => die(format!("bad evidence in `{}`: {} error(s), first: {}", f.display(), e.len(), e[0])),
            },
            _ => {}
        }
    }
    let (case, _diagnostics, _sources) = pactum_check::check_sources(&inputs);
    (case, items)
}

fn prepare(case: &pactum_check::Case, items: Vec<Item>) -> Prepared {
    pactum_engine::prepare(case, items).unwrap_or_else(|e| die(format!("{} evidence error(s), first: {}", e.len(), e[0])))
}

/// What a verdict is, to compare two evaluations: every provision's state, since, reason and rates.
fn verdict(r: &pactum_engine::Report) -> String {
    format!("{:?}", r.provisions.iter().map(|p| (&p.key, p.state, p.since, &p.reason, &p.by_place)).collect::<Vec<_>>())
}

/// A hash of everything prepared evidence holds: every item (id, dates, kind, origin) in order
/// and every active entry. `Prepared::extend` must give what `prepare` of everything gives.
fn fingerprint(p: &Prepared) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for it in p.items.iter() {
        (&it.id, it.date.first, it.date.last, &it.kind, &it.reference, &it.origin.file, it.origin.row).hash(&mut h);
    }
    for x in &p.active {
        (x.item, x.date, x.first, x.kind, &x.actor, &x.target, &x.place, &x.denied_by).hash(&mut h);
        x.quantity.map(|q| (q.low.to_bits(), q.high.to_bits())).hash(&mut h);
    }
    h.finish()
}

fn read_mapping(path: &Path) -> Mapping {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| die(format!("cannot read `{}`: {e}", path.display())));
    Mapping::from_toml(&path.display().to_string(), &text)
        .unwrap_or_else(|e| die(format!("bad mapping: {}", e.first().map(|x| x.to_string()).unwrap_or_default())))
}

/// The steps of `pactum import FILE --dataset acled --mapping M --store URL --recorded-on source`,
/// timed one by one: where an import's time and memory go. The CLI reads the file whole, then
/// streams the rows through the mapping straight into the store's transaction
/// (`Store::import_stream` fed by `pactum_import::import_each`), which hashes the bytes first.
/// Parsing alone is timed on its own (items dropped as they are made), so that the store's share
/// is the streamed import less the parse and the hash.
fn import_phases(c: &mut Clock, url: &StoreUrl, mapping: &Path, file: &Path) {
    println!("== the phases of importing {} ({})", file.display(), mapping.display());
    let mapping = read_mapping(mapping);
    let mut store = Store::open(url).unwrap_or_else(|e| die(e.to_string()));
    let name = file.display().to_string();
    let opts = Options::default();
    let bytes = c.time("imp_read_file", "read the whole file (std::fs::read)", || {
        std::fs::read(file).unwrap_or_else(|e| die(format!("cannot read `{}`: {e}", file.display())))
    });
    c.time("imp_hash", "SHA-256 of the bytes (content_hash)", || pactum_store::content_hash(&bytes));
    let mut made = 0u64;
    let imp = c.time("imp_parse", "parse alone: rows through the mapping (import_each, items dropped)", || {
        pactum_import::import_each(Dataset::Acled, &name, &bytes, &mapping, &opts, &mut |_item| made += 1)
            .unwrap_or_else(|e| die(format!("{} error(s), first: {}", e.len(), e[0])))
    });
    c.note("imp_rows", imp.rows as f64);
    c.note("imp_items", made as f64);
    c.time("imp_stream", "the CLI's import: Store::import_stream fed by import_each", || {
        let mut produce = |sink: &mut dyn FnMut(Item)| {
            let imp = pactum_import::import_each(Dataset::Acled, &name, &bytes, &mapping, &opts, sink)?;
            Ok(imp.rows as u64)
        };
        let meta = ImportMeta {
            file_name: &name,
            content: &bytes,
            dataset: "acled",
            recorded: Recorded::AtSourceDate,
            imported_at: "1970-01-01T00:00:00Z",
        };
        store.import_stream(&meta, &mut produce).unwrap_or_else(|e| die(format!("{e:?}")))
    });
    let store_only = c.get("imp_stream_s") - c.get("imp_parse_s") - c.get("imp_hash_s");
    c.note("imp_store_only_s", store_only);
    println!("  so the store's share (inserts, index upkeep, commit with full sync) is about {store_only:.3} s");
    c.time("imp_drop", "free the bytes", || drop(bytes));
}

struct Clock {
    figures: Vec<(String, f64)>,
}

impl Clock {
    fn time<T>(&mut self, key: &str, what: &str, f: impl FnOnce() -> T) -> T {
        reset_peak();
        let t = Instant::now();
        let out = f();
        let s = t.elapsed().as_secs_f64();
        let peak = peak_mb();
        println!("{what:<58} {s:>9.3} s   peak RSS {peak:>8.0} MB, RSS after {:>8.0} MB", rss_mb());
        self.figures.push((format!("{key}_s"), s));
        self.figures.push((format!("{key}_peak_mb"), peak));
        out
    }
    fn note(&mut self, key: &str, v: f64) {
        self.figures.push((key.to_string(), v));
    }
    fn get(&self, key: &str) -> f64 {
        self.figures.iter().find(|(k, _)| k == key).map_or(0.0, |(_, v)| *v)
    }
}

fn main() {
    let a = args();
    let url = StoreUrl::parse(&a.store).unwrap_or_else(|e| die(e.to_string()));
    let mut c = Clock { figures: Vec::new() };
    if let Some(file) = &a.import_phases {
        import_phases(&mut c, &url, &a.mapping, file);
        print_json(&c);
        return;
    }

    println!("== initial load: {} (as of {})", a.store, a.as_of);
    let mut store = c.time("open", "open the store", || Store::open(&url).unwrap_or_else(|e| die(e.to_string())));
    let (held, last_seq) = c.time("load_all", "load every item, lean (items_since_for_evaluation(0))", || {
        store.items_since_for_evaluation(0).unwrap_or_else(|e| die(e.to_string()))
    });
    c.note("items_held", held.len() as f64);
    let (case, case_items) = c.time("read_case", "read the case (agreements, evidence files)", || read_case(&a.case));
    let mut all = case_items.clone();
    all.extend(held);
    let mut prepared = c.time("prepare", "prepare", || prepare(&case, all));
    c.note("active_items", prepared.active.len() as f64);
    let first = c.time("evaluate", "evaluate", || pactum_engine::evaluate(&case, &prepared, a.as_of));
    if a.breakdown {
        // What evaluate spends its time on: run (which, when some dates are ranges, runs twice,
        // the second time on the earliest reading, indexed in Prepared::earliest_order), and
        // that order alone; and, for comparison, the copy Prepared::earliest_reading makes
        // (what run used before; forecasts still use it).
        c.time("bd_run", "  of which: pactum_engine::run alone", || pactum_engine::run(&case, &prepared, a.as_of));
        let ranges = prepared.active.iter().filter(|x| x.first != x.date).count();
        c.note("bd_ranged_items", ranges as f64);
        let order = c.time("bd_earliest_order", "  of which: Prepared::earliest_order (indices sorted by (first day, item))", || {
            prepared.earliest_order()
        });
        let copy = c
            .time("bd_earliest_reading", "  (for comparison: Prepared::earliest_reading, the sorted copy)", || prepared.earliest_reading());
        let same = order.iter().map(|&i| prepared.active[i].item).eq(copy.active.iter().map(|x| x.item));
        c.note("bd_same_order", if same { 1.0 } else { 0.0 });
        println!("  same order as earliest_reading's: {same}");
        c.time("bd_drop_copy", "  (free the order and the copy)", || {
            drop(copy);
            drop(order);
        });
        println!("  {ranges} items have a date range (ACLED time_precision 2 or 3), so run evaluates twice");
    }
    if a.load_only {
        print_json(&c);
        return;
    }

    println!("== a day's new evidence: {}", a.day.display());
    let mapping = read_mapping(&a.mapping);
    let name = a.day.display().to_string();
    let bytes = c.time("day_read_file", "read the day's file", || {
        std::fs::read(&a.day).unwrap_or_else(|e| die(format!("cannot read `{}`: {e}", a.day.display())))
    });
    // The CLI streams rows into the store; here the day's rows are parsed first and then handed
    // to the same streamed import, so that parsing and storing are timed apart.
    let imp = c.time("day_parse", "parse it through the mapping (pactum_import::import)", || {
        pactum_import::import(Dataset::Acled, &name, &bytes, &mapping, &Options::default())
            .unwrap_or_else(|e| die(format!("{} error(s) in the day's file, first: {}", e.len(), e[0])))
    });
    c.note("day_rows", imp.rows as f64);
    c.note("day_items", imp.items.len() as f64);
    let outcome = c.time("day_store", "add it to the store (Store::import_stream: one transaction, full sync)", || {
        let rows = imp.rows as u64;
        let mut items = imp.items.into_iter();
        let mut produce = |sink: &mut dyn FnMut(Item)| {
            items.by_ref().for_each(&mut *sink);
            Ok(rows)
        };
        let meta = ImportMeta {
            file_name: &name,
            content: &bytes,
            dataset: "acled",
            recorded: Recorded::AtSourceDate,
            imported_at: "1970-01-01T00:00:00Z",
        };
        store.import_stream(&meta, &mut produce).unwrap_or_else(|e| die(format!("{e:?}")))
    });
    if let ImportOutcome::AlreadyImported(r) = outcome {
        die(format!("the day's file was already imported (import {}); rebuild the store first", r.id));
    }
    let (new, new_seq) = c.time("since", "read only the new items, lean (items_since_for_evaluation(last_seq))", || {
        store.items_since_for_evaluation(last_seq).unwrap_or_else(|e| die(e.to_string()))
    });
    c.note("new_items", new.len() as f64);
    c.note("last_seq_before", last_seq as f64);
    c.note("last_seq_after", new_seq as f64);
    c.time("extend", "add them to what is prepared (Prepared::extend)", || {
        prepared.extend(&case, new).unwrap_or_else(|e| die(format!("{} evidence error(s), first: {}", e.len(), e[0])))
    });
    let second = c.time("reevaluate", "evaluate again", || pactum_engine::evaluate(&case, &prepared, a.as_of));
    let incremental = verdict(&second);
    let changed = verdict(&first) != incremental;
    let n_prepared = prepared.items.len();
    let print_extended = c.time("fingerprint", "(fingerprint of the extended evidence, for the check below)", || fingerprint(&prepared));
    drop(prepared);
    drop(first);
    drop(second);
    let latency =
        ["day_read_file", "day_parse", "day_store", "since", "extend", "reevaluate"].iter().map(|k| c.get(&format!("{k}_s"))).sum::<f64>();
    let after_store = ["since", "extend", "reevaluate"].iter().map(|k| c.get(&format!("{k}_s"))).sum::<f64>();
    c.note("latency_new_evidence_to_verdict_s", latency);
    c.note("latency_after_store_s", after_store);
    println!("new evidence to new verdict (read + parse + store + items_since + extend + evaluate): {latency:.3} s");
    println!("  of which after the store has it (items_since + extend + evaluate): {after_store:.3} s");
    println!("  verdict changed by the day's evidence: {changed}");

    if !a.skip_full {
        println!("== for comparison: re-read everything, as a fresh `pactum status` does");
        let every = c.time("full_reread", "re-read every item, lean, as `pactum status` does (items_for_evaluation(None))", || {
            store.items_for_evaluation(None).unwrap_or_else(|e| die(e.to_string()))
        });
        let mut all = case_items;
        all.extend(every);
        let full = c.time("full_prepare", "prepare", || prepare(&case, all));
        let n_full = full.items.len();
        let same_prepared = fingerprint(&full) == print_extended;
        c.note("same_prepared", if same_prepared { 1.0 } else { 0.0 });
        println!("extended evidence identical to the fresh prepare (every item, every active entry): {same_prepared}");
        let report = c.time("full_evaluate", "evaluate", || pactum_engine::evaluate(&case, &full, a.as_of));
        let same = verdict(&report) == incremental && n_full == n_prepared && same_prepared;
        let full_total = ["full_reread", "full_prepare", "full_evaluate"].iter().map(|k| c.get(&format!("{k}_s"))).sum::<f64>();
        c.note("full_total_s", full_total);
        c.note("same_verdict", if same { 1.0 } else { 0.0 });
        println!("re-read + prepare + evaluate: {full_total:.3} s; same verdict and items as the incremental path: {same}");
        if !same {
            eprintln!("bench_incremental: the incremental verdict differs from the full re-read");
            std::process::exit(1);
        }
    }
    print_json(&c);
}

fn print_json(c: &Clock) {
    let peak = c.figures.iter().filter(|(k, _)| k.ends_with("_peak_mb")).map(|(_, v)| *v).fold(0.0, f64::max);
    println!("peak RSS of the process (largest phase peak): {peak:.0} MB");
    let mut json: Vec<String> = c.figures.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    json.push(format!("\"peak_rss_mb\": {peak}"));
    println!("{{{}}}", json.join(", "));
}
