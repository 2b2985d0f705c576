//! Benchmarks for pactum: a generator of large synthetic cases ([`gen`]) and helpers shared by
//! the timing harness and the tests.

pub mod gen;

/// Peak resident set size of this process so far, in KiB (`VmHWM` in `/proc/self/status`).
/// `None` where the file does not exist (not Linux).
pub fn peak_rss_kib() -> Option<u64> {
    proc_status_kib("VmHWM:")
}

/// Current resident set size, in KiB (`VmRSS`).
pub fn rss_kib() -> Option<u64> {
    proc_status_kib("VmRSS:")
}

fn proc_status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// Errors and warnings of a checked agreement text.
pub fn check_counts(diags: &[pactum_syntax::Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.severity == pactum_syntax::Severity::Error).count();
    (errors, diags.len() - errors)
}
