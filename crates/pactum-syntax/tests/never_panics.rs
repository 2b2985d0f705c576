//! Parsing never fails: any text gives a tree and diagnostics, never a panic, and every
//! diagnostic points inside the text.

use proptest::prelude::*;

const PIECES: &[&str] = &[
    "agreement",
    "provision",
    "party",
    "measure",
    "kind",
    "signed",
    "obligor",
    "achieve",
    "perform",
    "forbid",
    "maintain",
    "reduce",
    "trigger",
    "provided",
    "on",
    "breach",
    "met",
    "suspend",
    "within",
    "by",
    "of",
    "from",
    "until",
    "then",
    "every",
    "up",
    "to",
    "at",
    "least",
    "most",
    "where",
    "actor",
    "=",
    "==",
    "<=",
    ">=",
    "in",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ".",
    "..",
    "+",
    "2020-02-29",
    "2020-13-45",
    "135",
    "8_600",
    "80%",
    "days",
    "months",
    "\"Doha\"",
    "\"unclosed",
    "'single'",
    "x",
    "us",
    "signing",
    "first",
    "not",
    "and",
    "or",
    "// comment",
    "\n",
    " ",
    "é",
    "\u{201c}",
    "#",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(picks in proptest::collection::vec(0..PIECES.len(), 0..80)) {
        let text: String = picks.iter().map(|i| PIECES[*i]).collect::<Vec<_>>().join(" ");
        let (tree, diags) = pactum_syntax::parse(pactum_syntax::FileId(0), &text);
        for d in &diags {
            prop_assert!(d.span.end as usize <= text.len() && d.span.start <= d.span.end, "{:?} outside {:?}", d, text);
        }
        if diags.is_empty() {
            let formatted = pactum_syntax::format(&tree);
            let (again, d2) = pactum_syntax::parse(pactum_syntax::FileId(0), &formatted);
            prop_assert!(d2.is_empty(), "formatted text does not parse: {:?}\n{}", d2, formatted);
            prop_assert_eq!(tree, again);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = pactum_syntax::parse(pactum_syntax::FileId(0), &text);
        let _ = pactum_check::check_sources(&[("x.pactum".into(), text)]);
    }
}

/// Found by `arbitrary_text_never_panics`: a backslash before a multi-byte character.
#[test]
fn escape_before_multibyte_character() {
    let text = "agreement a \"x\\\u{1F8C0}y\" {}";
    let (_, diags) = pactum_syntax::parse(pactum_syntax::FileId(0), text);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, "bad-escape");
    assert_eq!(&text[diags[0].span.start as usize..diags[0].span.end as usize], "\\\u{1F8C0}");
}
