//! Runs the real `pactum` binary, as a user would, and checks exit codes, messages and output.
//! Output snapshots live in tests/expected; `UPDATE_EXPECT=1` rewrites them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pactum(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pactum")).args(args).current_dir(root()).env_remove("NO_COLOR").output().expect("pactum runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expected").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).expect("writable");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(expected, actual, "output differs from tests/expected/{name} (UPDATE_EXPECT=1 to accept)");
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pactum-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn status_table_on_the_doha_case() {
    let out = pactum(&["status", "examples/doha-2020", "--as-of", "2020-06-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains('\x1b'), "no colour when stdout is not a terminal");
    snapshot("status-2020-06-01.txt", &stdout);
    assert!(text(&out.stderr).contains("warning(s) about the agreements"));
}

#[test]
fn explain_and_timeline_on_the_doha_case() {
    let out = pactum(&["explain", "examples/doha-2020", "part-one-c", "--as-of", "2020-10-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    snapshot("explain-part-one-c.txt", &text(&out.stdout));
    let out = pactum(&["timeline", "examples/doha-2020", "--to", "2021-09-01", "--from", "2020-09-01"]);
    assert_eq!(out.status.code(), Some(0));
    snapshot("timeline-2020-09-01-2021-09-01.txt", &text(&out.stdout));
}

#[test]
fn json_output_is_versioned_and_complete() {
    let out = pactum(&["status", "examples/doha-2020", "--as-of", "2020-09-30", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["as_of"], "2020-09-30");
    let provs = v["provisions"].as_array().expect("provisions");
    assert_eq!(provs.len(), 28);
    let c = provs.iter().find(|p| p["key"] == "doha_2020.part_one_c").expect("part_one_c");
    assert_eq!(c["state"], "met_late");
    assert_eq!(c["since"], "2020-09-10");
    assert_eq!(c["due"], "2020-03-10");
    assert!(c["evidence"][0]["source"].as_str().is_some_and(|s| s.contains("RFE/RL")));

    let out = pactum(&["timeline", "examples/doha-2020", "--to", "2021-09-01", "--provision", "preamble_3", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let states: Vec<&str> = v["changes"].as_array().expect("changes").iter().map(|c| c["to"].as_str().unwrap_or("")).collect();
    assert_eq!(states, ["active", "breached", "met_late"]);
}

#[test]
fn check_reports_every_error_with_file_line_column_and_exits_1() {
    let dir = temp_dir("check");
    let file = dir.join("bad.pactum");
    std::fs::write(
        &file,
        "agreement a \"A\" {\n  signed 2020-02-29\n  party us \"US\" signatory\n  party taliban \"T\" signatory\n  provision p \"P\" {\n    obligor talibam\n    perform talks_started by 2020-03-10\n  }\n  provision q \"Q\" {\n    obligor us\n    achieve troops <= 8600\n  }\n}\n",
    )
    .expect("write");
    let out = pactum(&["check", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("bad.pactum:6:13"), "{err}");
    assert!(err.contains("unknown party `talibam`"), "{err}");
    assert!(err.contains("did you mean `taliban`?"), "{err}");
    assert!(err.contains("bad.pactum:11:13"), "both errors in one run: {err}");
    assert!(err.contains("^^^^^^^"), "a caret under the text: {err}");
    let out = pactum(&["check", file.to_str().expect("utf-8 path"), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["diagnostics"][0]["line"], 6);
    assert_eq!(v["diagnostics"][0]["column"], 13);
}

#[test]
fn a_bad_evidence_row_rejects_the_file_and_names_row_and_field() {
    let dir = temp_dir("evidence");
    for f in ["agreement.pactum", "joint-declaration.pactum", "decree.pactum", "positions.pactum", "riv.pactum"] {
        std::fs::copy(root().join("examples/doha-2020").join(f), dir.join(f)).expect("copy");
    }
    let mut csv = std::fs::read_to_string(root().join("examples/doha-2020/evidence.csv")).expect("evidence");
    csv.push_str("bad-1,2020-02-30,troop_level,us,,8600,,,,AP,2020-03-01,A title,,\n");
    std::fs::write(dir.join("evidence.csv"), &csv).expect("write");
    let out = pactum(&["status", dir.to_str().expect("utf-8"), "--as-of", "2020-06-01"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let row = csv.lines().count();
    assert!(err.contains(&format!("evidence.csv: row {row}, field `date`")), "{err}");
    assert!(err.contains("rejected whole"), "{err}");
    assert!(out.stdout.is_empty(), "no status from rejected evidence");

    // A kind the case does not know is an error too, with a suggestion.
    csv.truncate(csv.len() - "bad-1,2020-02-30,troop_level,us,,8600,,,,AP,2020-03-01,A title,,\n".len());
    csv.push_str("bad-2,2020-03-01,troop_levels,us,,8600,,,,AP,2020-03-01,A title,,\n");
    std::fs::write(dir.join("evidence.csv"), &csv).expect("write");
    let out = pactum(&["status", dir.to_str().expect("utf-8"), "--as-of", "2020-06-01"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("did you mean `troop_level`?"), "{}", text(&out.stderr));
}

#[test]
fn usage_and_io_errors_exit_2() {
    let out = pactum(&["status", "no/such/case"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does not exist"));
    let out = pactum(&["status", "examples/doha-2020", "--as-of", "2020-13-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("write YYYY-MM-DD"));
    let out = pactum(&["explain", "examples/doha-2020", "part_one_z", "--as-of", "2020-06-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean"), "{}", text(&out.stderr));
    let out = pactum(&["statuss"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let out = pactum(&["status", "examples/doha-2020", "--as-of", "2020-06-01", "--color", "always"]);
    assert!(text(&out.stdout).contains("\x1b["), "--color always colours");
    let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(["status", "examples/doha-2020", "--as-of", "2020-06-01"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert!(!text(&out.stdout).contains("\x1b["));
}

#[test]
fn fmt_check_finds_unformatted_files_and_fmt_fixes_them() {
    let dir = temp_dir("fmt");
    let file = dir.join("a.pactum");
    std::fs::write(&file, "agreement a \"A\" {\n signed 2020-02-29\n   party us \"US\" signatory\n provision p \"P\" { obligor us\n unmonitorable \"x\" }\n}\n").expect("write");
    let path = file.to_str().expect("utf-8");
    assert_eq!(pactum(&["fmt", "--check", path]).status.code(), Some(1));
    assert_eq!(pactum(&["fmt", path]).status.code(), Some(0));
    assert_eq!(pactum(&["fmt", "--check", path]).status.code(), Some(0));
    assert_eq!(pactum(&["fmt", "--check", "examples/doha-2020"]).status.code(), Some(0), "the shipped example is formatted");
}

#[test]
fn acled_rows_through_a_store_measure_the_reduction_in_violence() {
    let dir = temp_dir("acled");
    let store = format!("sqlite:{}", dir.join("s.db").display());
    let fixture = "crates/pactum-import/tests/data/acled-afghanistan-fixture.csv";
    let mapping = "examples/doha-2020/mappings/acled.toml";
    let out = pactum(&["import", fixture, "--dataset", "acled", "--mapping", mapping, "--store", &store]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("190 row(s) read") && said.contains("matched no rule"), "{said}");
    // The same file again adds nothing, and says so.
    let again = pactum(&["import", fixture, "--dataset", "acled", "--mapping", mapping, "--store", &store]);
    assert!(text(&again.stdout).contains("already imported"), "{}", text(&again.stdout));
    // A mapping for another dataset is refused before anything is read.
    let wrong = pactum(&["import", fixture, "--dataset", "ucdp", "--mapping", mapping, "--store", &store]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong.stderr).contains("is a mapping for ACLED, not UCDP"), "{}", text(&wrong.stderr));

    let out = pactum(&["status", "examples/doha-2020", "--store", &store, "--as-of", "2020-03-10", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let riv = v["provisions"].as_array().expect("provisions").iter().find(|p| p["key"] == "riv_2020.riv_attacks").expect("riv").clone();
    assert_eq!(riv["state"], "met", "{riv}");
    let places: Vec<&str> = riv["by_place"].as_array().expect("by place").iter().map(|p| p["place"].as_str().unwrap_or("")).collect();
    assert_eq!(places.first(), Some(&"Helmand"), "busiest baseline first: {places:?}");
    // Without the store, the same provision has nothing to measure.
    let out = pactum(&["status", "examples/doha-2020", "--as-of", "2020-03-10", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let riv = v["provisions"].as_array().expect("provisions").iter().find(|p| p["key"] == "riv_2020.riv_attacks").expect("riv").clone();
    assert_eq!(riv["state"], "pending");

    let out = pactum(&["imports", "--store", &store, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["imports"][0]["rows"], 190);
    assert_eq!(v["imports"][0]["dataset"], "acled");
}

#[test]
fn forecasts_are_reproducible_whatever_the_threads_and_backtests_score() {
    let run = |threads: &str| {
        let out = pactum(&[
            "forecast",
            "examples/doha-2020",
            "--as-of",
            "2020-04-01",
            "--runs",
            "400",
            "--seed",
            "7",
            "--threads",
            threads,
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        out.stdout
    };
    assert_eq!(run("1"), run("2"), "the same seed gives the same numbers whatever the threads");
    let v: serde_json::Value = serde_json::from_slice(&run("1")).expect("json");
    let keys: Vec<&str> = v["provisions"].as_array().expect("provisions").iter().map(|p| p["key"].as_str().unwrap_or("")).collect();
    assert!(keys.contains(&"doha_2020.part_one_d"), "an unsettled provision is forecast: {keys:?}");
    assert!(!keys.contains(&"doha_2020.part_three_1"), "a settled provision is not: {keys:?}");
    let p = v["provisions"].as_array().expect("provisions").iter().find(|p| p["key"] == "doha_2020.part_one_d").expect("part_one_d");
    let prob = p["p_met_by_deadline"].as_f64().expect("a probability");
    assert!((0.0..=1.0).contains(&prob), "{prob}");
    let dir = temp_dir("svg");
    let out = pactum(&["forecast", "examples/doha-2020", "--as-of", "2020-06-01", "--runs", "200", "--svg", dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let svgs: Vec<_> = std::fs::read_dir(&dir).expect("svg dir").filter_map(|e| e.ok()).collect();
    assert!(!svgs.is_empty(), "fan charts are written");
    let html = dir.join("report.html");
    let out =
        pactum(&["forecast", "examples/doha-2020", "--as-of", "2020-06-01", "--runs", "200", "--html", html.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(&html).expect("report written");
    // The only address in it is the SVG namespace, which browsers never fetch.
    let external = page.replace("http://www.w3.org/2000/svg", "");
    assert!(page.contains("<svg") && page.contains("doha_2020.part_one_b"), "the table and the charts");
    assert!(!external.contains("http://") && !external.contains("https://") && !external.contains("src="), "no external assets");
    let out = pactum(&["forecast", "examples/doha-2020", "--as-of", "2020-04-01", "--runs", "200", "--scenario", "no/such.scenario"]);
    assert_eq!(out.status.code(), Some(2));
    let out =
        pactum(&["backtest", "examples/doha-2020", "--from", "2020-03-01", "--to", "2020-05-01", "--runs", "200", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v.to_string().contains("brier"), "{v}");
}
