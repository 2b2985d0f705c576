//! Imports one dataset file through a mapping and prints the report and the time taken: a
//! stand-in for `pactum import` while measuring the importer.
//!
//! ```text
//! cargo run --release -p pactum-import --example gen_acled -- bulk 1000000 > /tmp/acled-1m.csv
//! cargo run --release -p pactum-import --example import_file -- acled /tmp/acled-1m.csv examples/doha-2020/mappings/acled.toml
//! ```

use pactum_import::{import_each, Dataset, Mapping, Options};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dataset, file, mapping_file] = &args[..] else {
        eprintln!("usage: import_file acled|ucdp|gdelt FILE MAPPING.toml");
        std::process::exit(2);
    };
    let fail = |msg: String| -> ! {
        eprintln!("{msg}");
        std::process::exit(2)
    };
    let dataset: Dataset = dataset.parse().unwrap_or_else(|e: String| fail(e));
    let text = std::fs::read_to_string(mapping_file).unwrap_or_else(|e| fail(format!("{mapping_file}: {e}")));
    let mapping = Mapping::from_toml(mapping_file, &text)
        .unwrap_or_else(|errs| fail(errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")));
    let bytes = std::fs::read(file).unwrap_or_else(|e| fail(format!("{file}: {e}")));
    let start = Instant::now();
    let mut items = 0usize;
    let mut note_bytes = 0usize;
    let result = import_each(dataset, file, &bytes, &mapping, &Options::default(), &mut |item| {
        items += 1;
        note_bytes += item.note.as_ref().map_or(0, String::len);
    });
    let secs = start.elapsed().as_secs_f64();
    match result {
        Ok(r) => {
            println!("{file}: {} rows, {items} items, {} unmatched, {} flagged", r.rows, r.unmatched, r.flagged.len());
            for (k, n) in r.unmatched_by.iter().take(8) {
                println!("  unmatched {k}: {n}");
            }
            println!(
                "{:.2} s, {:.0} rows/s, {:.1} MB/s ({} bytes, {note_bytes} bytes of notes)",
                secs,
                r.rows as f64 / secs,
                bytes.len() as f64 / secs / 1e6,
                bytes.len()
            );
        }
        Err(errs) => {
            for e in errs.iter().take(20) {
                eprintln!("{e}");
            }
            std::process::exit(1);
        }
    }
}
