//! Parsing never panics, and formatting is a faithful round trip: for any text that parses
//! without errors, the formatted text parses without errors to the same tree, and formatting it
//! again gives the same text. For text with errors, formatting whatever tree was recovered and
//! parsing that must not panic either (the recovered tree may hold an invalid literal, such as a
//! bad date, that the re-parse rightly reports again).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pactum_syntax::{format, parse, Diagnostic, FileId, Severity};

fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let id = FileId(0);
    let (tree, diags) = parse(id, text);
    let formatted = format(&tree);
    let (again, diags2) = parse(id, &formatted);
    if has_errors(&diags) {
        return;
    }
    assert!(
        !has_errors(&diags2),
        "formatted text of a valid file does not parse:\n--- input\n{text}\n--- formatted\n{formatted}\n--- errors\n{diags2:#?}"
    );
    assert!(tree == again, "formatting changed the tree:\n--- input\n{text}\n--- formatted\n{formatted}");
    let twice = format(&again);
    assert_eq!(formatted, twice, "formatting is not a fixed point for:\n{text}");
});
