#![allow(dead_code)]

pub mod acled_writer;

use pactum_import::{Dataset, Mapping};
use std::path::PathBuf;

pub fn data(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A mapping shipped with the Doha example.
pub fn doha_mapping(dataset: Dataset) -> Mapping {
    let name = format!("{}.toml", dataset.name());
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/doha-2020/mappings").join(&name);
    let text = std::fs::read_to_string(&p).expect("the Doha mappings");
    Mapping::from_toml(&name, &text).unwrap_or_else(|e| panic!("{e:?}"))
}

pub fn mapping(text: &str) -> Mapping {
    Mapping::from_toml("test.toml", text).unwrap_or_else(|e| panic!("{}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")))
}

pub fn rendered(errors: &[pactum_evidence::EvidenceError]) -> String {
    errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
}
