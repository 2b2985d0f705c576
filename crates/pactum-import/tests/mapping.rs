//! Mapping files: the shipped ones load; mistakes are named with file, line and key.

mod support;

use pactum_import::{import, Dataset, Mapping, Options};
use support::{doha_mapping, mapping, rendered};

fn errors(text: &str) -> String {
    rendered(&Mapping::from_toml("m.toml", text).expect_err("a bad mapping"))
}

#[test]
fn the_doha_mappings_load() {
    for ds in Dataset::ALL {
        let m = doha_mapping(ds);
        assert_eq!(m.dataset(), ds);
    }
    let acled = doha_mapping(Dataset::Acled);
    assert_eq!(acled.party("TALIBAN"), Some("taliban"));
    assert_eq!(acled.party("Police Forces of Afghanistan (2014-2021)"), Some("gov"));
    assert_eq!(acled.party("Taliban and/or Islamic State"), None);
    assert_eq!(doha_mapping(Dataset::Ucdp).party("Taleban"), Some("taliban"));
}

#[test]
fn mistakes_are_named_with_line_and_key() {
    assert_eq!(
        errors("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\nevent_typ = [\"Battles\"]\n"),
        "m.toml: row 4, field `event_typ`: rule 1: `event_typ` is not one of the ACLED columns\n  = help: did you mean `event_type`?"
    );
    assert_eq!(
        errors("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\nevent_type = [\"Battle\"]\n"),
        "m.toml: row 4, field `event_type`: rule 1: `Battle` is not an ACLED event_type\n  = help: did you mean `Battles`?"
    );
    assert_eq!(
        errors("dataset = \"acled\"\n[[rule]]\nevent_type = \"Battles\"\n"),
        "m.toml: row 2, field `kind`: rule 1 has no `kind`\n  = help: say what the rows become, e.g. `kind = \"attack\"`"
    );
    assert_eq!(
        errors("dataset = \"acleds\"\n"),
        "m.toml: row 1, field `dataset`: `acleds` is not a dataset pactum imports; write `acled`, `ucdp` or `gdelt`\n  = help: write `acled`, `ucdp` or `gdelt`"
    );
    assert!(errors("[[rule]]\nkind = \"attack\"\n").contains("the mapping does not say its dataset"));
    assert!(errors("dataset = \"ucdp\"\n").contains("the mapping has no `[[rule]]`"));
    let e = errors("dataset = \"acled\"\nactor = \"x\"\n[[rule]]\nkind = \"attack\"\n");
    assert!(e.starts_with("m.toml: row 2: unknown field `actor`"), "{e}");
    let e = errors("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\nactor = \"taliban\"\nactor_from = \"actor1\"\n");
    assert!(e.contains("rule 1 sets both `actor` and `actor_from`"), "{e}");
    let e = errors("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\ninter1 = \"Rebels\"\n");
    assert!(e.contains("`Rebels` is not an ACLED actor type"), "{e}");
    let e = errors("dataset = \"ucdp\"\n[[rule]]\nkind = \"attack\"\nquantity = \"bset\"\n");
    assert!(e.contains("`bset` is neither a number nor one of the UCDP columns") && e.contains("did you mean `best`?"), "{e}");
    let e = errors("dataset = \"ucdp\"\n[[rule]]\nkind = \"attack\"\ntype_of_violence = 4\n");
    assert!(e.contains("`4` is not a UCDP type of violence"), "{e}");
    let e = errors("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\nevent_type = []\n");
    assert!(e.contains("the list for `event_type` is empty"), "{e}");
    let e = errors("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\nactor1 = { startswith = \"T\" }\n");
    assert!(e.contains("`startswith` is not a test") && e.contains("did you mean `starts_with`?"), "{e}");
    let e = errors("dataset = \"acled\"\n[actors]\n\"Taliban\" = \"taliban\"\n\"TALIBAN\" = \"gov\"\n[[rule]]\nkind = \"attack\"\n");
    assert!(e.contains("names match in any case"), "{e}");
    let e = errors("dataset = \"gdelt\"\nsource_date = \"timestamp\"\n[[rule]]\nkind = \"attack\"\n");
    assert!(e.contains("`source_date` is only for ACLED mappings"), "{e}");
    let e = errors("dataset = \"acled\"\n[[rule]]\nkind = \"Attack!\"\n");
    assert!(e.contains("`Attack!` is not a kind name"), "{e}");
    let e = errors("dataset = \"acled\"\n[[rule\nkind = \"attack\"\n");
    assert!(e.starts_with("m.toml: row 2: "), "{e}");
}

#[test]
fn several_mistakes_are_all_reported() {
    let e = Mapping::from_toml(
        "m.toml",
        "dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\nevent_typ = \"Battles\"\n[[rule]]\nkind = \"x y\"\n",
    )
    .unwrap_err();
    assert_eq!(e.iter().map(|e| e.row).collect::<Vec<_>>(), vec![4, 6]);
}

#[test]
fn the_first_rule_that_fits_decides() {
    let header = "event_id_cnty,event_date,event_type,actor1,actor2,admin1,source\n";
    let text = format!("{header}A1,2020-03-03,Battles,Taliban,,Helmand,X\nA2,2020-03-03,Protests,Protesters (Afghanistan),,Kabul,X\n");
    let m = mapping(
        "dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\nevent_type = \"Battles\"\n[[rule]]\nkind = \"statement\"\n[[rule]]\nkind = \"never\"\nevent_type = \"Battles\"\n",
    );
    let r = import(Dataset::Acled, "a.csv", text.as_bytes(), &m, &Options::default()).unwrap();
    assert_eq!(r.items.iter().map(|i| i.kind.as_str()).collect::<Vec<_>>(), vec!["attack", "statement"]);
    // A rule that reads a column the file lacks is an error at once, not a silent mismatch.
    let m = mapping("dataset = \"acled\"\n[[rule]]\nkind = \"attack\"\nsub_event_type = \"Armed clash\"\n");
    let errs = import(Dataset::Acled, "a.csv", text.as_bytes(), &m, &Options::default()).unwrap_err();
    assert_eq!(
        rendered(&errs),
        "a.csv: row 1, field `sub_event_type`: the file has no column `sub_event_type`, which rule 1 of test.toml (line 2) reads\n  = help: use a full export of the dataset, or change the rule"
    );
}

#[test]
fn tests_any_not_contains_starts_with() {
    let header = "event_id_cnty,event_date,event_type,actor1,actor2,admin1,source\n";
    let text = format!(
        "{header}A1,2020-03-03,Battles,Taliban,,Helmand,X\nA2,2020-03-03,Battles,Taliban and/or Islamic State,,Kabul,X\nA3,2020-03-03,Battles,Islamic State (Afghanistan),,Kabul,X\n"
    );
    let run = |rule: &str| {
        let m = mapping(&format!("dataset = \"acled\"\n[actors]\n\"Taliban\" = \"taliban\"\n[[rule]]\nkind = \"attack\"\n{rule}\n"));
        let r = import(Dataset::Acled, "a.csv", text.as_bytes(), &m, &Options::default()).unwrap();
        r.items.iter().map(|i| i.id.trim_start_matches("acled:").to_string()).collect::<Vec<_>>().join(",")
    };
    assert_eq!(run("actor1 = \"taliban\""), "A1");
    assert_eq!(run("actor1 = \"TALIBAN\""), "A1");
    assert_eq!(run("actor1 = { contains = \"islamic state\" }"), "A2,A3");
    assert_eq!(run("actor1 = { starts_with = \"Taliban\" }"), "A1,A2");
    assert_eq!(run("actor1 = { not = [\"taliban\"] }"), "A2,A3");
    assert_eq!(run("actor1 = { contains = \"State\", not = [\"Taliban and/or Islamic State\"] }"), "A3");
}
