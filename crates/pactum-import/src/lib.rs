//! Importers: rows of the standard conflict datasets (ACLED, UCDP GED, GDELT 2.0) turned into
//! pactum evidence items through a mapping file.
//!
//! A [`Mapping`] (TOML, one per dataset) says which rows become which kind of evidence and which
//! dataset actor names are which party. [`import`] reads a file's bytes row by row (plain, or the
//! one file inside a zip archive), and returns the items with a report: rows read, rows that
//! matched no rule (counted by a column such as `event_type`), rows flagged for a quirk of the
//! data, and, with [`Options::keep_going`], the errors of the rows it left out.
//!
//! **Invariant:** as with evidence files, a file is accepted whole or rejected whole by default:
//! any bad row rejects it, and the rejection lists every bad row (up to a thousand) with file,
//! row (the line the record starts on) and column, and the offending value.
//!
//! **Invariant:** no I/O and no terminal here: the caller hands over the bytes and, if it wants a
//! progress bar, a callback that is told how many bytes have been read.

mod acled;
mod columns;
mod dates;
mod gdelt;
mod mapping;
mod run;
mod ucdp;

pub use mapping::Mapping;

use pactum_evidence::{EvidenceError, Item};
use std::fmt;
use std::str::FromStr;

/// The datasets pactum imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dataset {
    /// ACLED CSV exports (31 columns, header row).
    Acled,
    /// UCDP Georeferenced Event Dataset CSV (49 columns, header row).
    Ucdp,
    /// GDELT 2.0 event files (61 tab-separated columns, no header; plain or zipped).
    Gdelt,
}

impl Dataset {
    pub const ALL: [Dataset; 3] = [Dataset::Acled, Dataset::Ucdp, Dataset::Gdelt];

    /// The name used on the command line and in mapping files: `acled`, `ucdp`, `gdelt`.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Acled => "acled",
            Dataset::Ucdp => "ucdp",
            Dataset::Gdelt => "gdelt",
        }
    }

    /// The column names of the dataset's files, in file order.
    pub fn column_names(self) -> &'static [&'static str] {
        self.columns()
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dataset::Acled => "ACLED",
            Dataset::Ucdp => "UCDP",
            Dataset::Gdelt => "GDELT",
        })
    }
}

impl FromStr for Dataset {
    type Err = String;
    fn from_str(s: &str) -> Result<Dataset, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "acled" => Ok(Dataset::Acled),
            "ucdp" | "ged" | "ucdp-ged" | "ucdp_ged" => Ok(Dataset::Ucdp),
            "gdelt" | "gdelt2" => Ok(Dataset::Gdelt),
            _ => Err(format!("`{s}` is not a dataset pactum imports; write `acled`, `ucdp` or `gdelt`")),
        }
    }
}

/// How to import.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// Return the good rows' items and the bad rows' errors, instead of rejecting the file.
    pub keep_going: bool,
    /// Called now and then with the bytes read so far and the total (for a zipped file, of the
    /// file inside), and once at the end with both equal.
    pub progress: Option<&'a dyn Fn(u64, u64)>,
}

impl fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options").field("keep_going", &self.keep_going).field("progress", &self.progress.is_some()).finish()
    }
}

/// What an import produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Import {
    /// The items, in file order ([`import_each`] hands them over instead and leaves this empty).
    pub items: Vec<Item>,
    /// Data rows read (not counting a header row).
    pub rows: usize,
    /// Good rows that matched no rule of the mapping.
    pub unmatched: usize,
    /// The unmatched rows counted by the mapping's `unmatched_by` column (by default ACLED
    /// `event_type`, UCDP `type_of_violence`, GDELT `EventRootCode`), most frequent first, as
    /// `("event_type = Protests", 12)`.
    pub unmatched_by: Vec<(String, usize)>,
    /// Ids of the items whose note carries a flag about the data (UCDP: `best` outside
    /// `low..high`), in file order.
    pub flagged: Vec<String>,
    /// With `keep_going`, the problems of the rows left out (empty otherwise: problems reject the file).
    pub errors: Vec<EvidenceError>,
    /// With `keep_going`, how many rows were left out for problems.
    pub bad_rows: usize,
}

/// Imports a dataset file through a mapping.
///
/// `file_name` is used in errors and in each item's origin; a name ending in `.zip`, or bytes
/// that are a zip archive, are read as the one file inside the archive.
pub fn import(dataset: Dataset, file_name: &str, bytes: &[u8], mapping: &Mapping, opts: &Options) -> Result<Import, Vec<EvidenceError>> {
    let mut items = Vec::new();
    let mut report = import_each(dataset, file_name, bytes, mapping, opts, &mut |item| items.push(item))?;
    report.items = items;
    Ok(report)
}

/// Like [`import`], but hands each item to `sink` as soon as it is made, so that a store can
/// take millions of rows without holding them all. `items` in the result stays empty.
///
/// Without `keep_going`, once a bad row is seen no more items are handed over, and the result
/// is the errors: discard whatever `sink` received (roll the transaction back).
pub fn import_each(
    dataset: Dataset,
    file_name: &str,
    bytes: &[u8],
    mapping: &Mapping,
    opts: &Options,
    sink: &mut dyn FnMut(Item),
) -> Result<Import, Vec<EvidenceError>> {
    if mapping.dataset() != dataset {
        return Err(vec![EvidenceError {
            file: mapping.name().to_string(),
            row: 1,
            field: Some("dataset".into()),
            message: format!("the mapping is for {} but the file is imported as {}", mapping.dataset(), dataset),
            help: Some(format!(
                "use a mapping that says `dataset = \"{}\"`, or import the file with `--dataset {}`",
                dataset.name(),
                mapping.dataset().name()
            )),
        }]);
    }
    run::open(file_name, bytes, opts, |text| {
        let run = run::Run::new(file_name, Some(mapping), opts, sink);
        match dataset {
            Dataset::Acled => acled::read(run, text, mapping),
            Dataset::Ucdp => ucdp::read(run, text, mapping),
            Dataset::Gdelt => gdelt::read(run, text, mapping),
        }
    })
}

/// Reads ACLED's deletions list (a CSV with `event_id_cnty` and `deleted_timestamp`, Unix
/// seconds) into retractions: one `statement` item per deleted event, `rel = retracts`,
/// `ref = acled:<event_id_cnty>`, dated the day of the deletion, from the outlet
/// "ACLED deletions list". Ids: `acled:<event_id_cnty>:deleted`.
pub fn import_acled_deletions(file_name: &str, bytes: &[u8], opts: &Options) -> Result<Import, Vec<EvidenceError>> {
    let mut items = Vec::new();
    let mut sink = |item| items.push(item);
    let mut report = run::open(file_name, bytes, opts, |text| {
        let run = run::Run::new(file_name, None, opts, &mut sink);
        acled::read_deletions(run, text)
    })?;
    report.items = items;
    Ok(report)
}
