//! Tests as data: each `tests/data/NAME.pactum` is checked, and its rendered diagnostics must
//! equal `tests/data/NAME.expected` byte for byte. A case may span several files:
//! `NAME.pactum`, `NAME.2.pactum`, ... are checked together.
//!
//! To accept new output after a deliberate change: `UPDATE_EXPECT=1 cargo test -p pactum-check`,
//! then read the diff before committing.

use std::path::{Path, PathBuf};

fn cases(dir: &Path) -> Vec<(String, Vec<PathBuf>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/data exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pactum"))
        .collect();
    // `NAME.pactum` first, then `NAME.2.pactum`, `NAME.3.pactum`, ...
    files.sort_by_key(|f| {
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let (base, n) = stem.split_once('.').map_or((stem.clone(), 0), |(b, n)| (b.to_string(), n.parse::<u32>().unwrap_or(0)));
        (base, n)
    });
    let mut out: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for f in files {
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let base = stem.split('.').next().unwrap_or_default().to_string();
        match out.iter_mut().find(|(b, _)| *b == base) {
            Some((_, v)) => v.push(f),
            None => out.push((base, vec![f])),
        }
    }
    out
}

#[test]
fn diagnostics_match_expected_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let all = cases(&dir);
    assert!(all.len() >= 5, "the snapshot corpus went missing");
    for (name, files) in all {
        let inputs: Vec<(String, String)> = files
            .iter()
            .map(|f| (format!("{}", f.file_name().unwrap_or_default().to_string_lossy()), std::fs::read_to_string(f).expect("readable")))
            .collect();
        let (_, diags, sources) = pactum_check::check_sources(&inputs);
        let actual = pactum_syntax::render(&diags, &sources, false);
        let expected_path = dir.join(format!("{name}.expected"));
        if update {
            std::fs::write(&expected_path, &actual).expect("writable");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!("=== {name}\n--- expected\n{expected}\n--- actual\n{actual}"));
        }
    }
    assert!(failures.is_empty(), "{} snapshot(s) differ (UPDATE_EXPECT=1 to accept):\n{}", failures.len(), failures.join("\n"));
}
