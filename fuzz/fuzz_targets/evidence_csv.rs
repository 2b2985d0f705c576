//! Reading any text as an evidence CSV never panics: it returns items or row-level errors.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = pactum_evidence::read_csv("fuzz.csv", text);
});
