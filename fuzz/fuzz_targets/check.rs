//! Checking any text never panics (it always returns a model and diagnostics).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_case, _diags, _sources) = pactum_check::check_sources(&[("fuzz.pactum".to_string(), text.to_string())]);
});
