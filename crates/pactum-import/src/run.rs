//! What every importer shares: reading the bytes (plain or zipped) with progress, rules compiled
//! against a file's columns, row errors with a cap, and the counts of the import report.

use crate::mapping::{Amount, Canon, Mapping, Who};
use crate::{Dataset, Import, Options};
use pactum_base::Quantity;
use pactum_evidence::{EvidenceError, Item};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{Cursor, Read};

/// At most this many problems are listed; the rest are counted in a last line.
pub(crate) const MAX_ERRORS: usize = 1000;

/// A reader that reports how many bytes it has given out.
pub(crate) struct Counting<'a, R> {
    inner: R,
    read: u64,
    total: u64,
    next: u64,
    step: u64,
    progress: Option<&'a dyn Fn(u64, u64)>,
}

impl<'a, R: Read> Counting<'a, R> {
    pub fn new(inner: R, progress: Option<&'a dyn Fn(u64, u64)>, total: u64) -> Self {
        let step = (total / 200).max(1 << 16);
        Counting { inner, read: 0, total, next: step, step, progress }
    }
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if let Some(p) = self.progress {
            if self.read >= self.next || n == 0 {
                p(self.read.min(self.total), self.total);
                self.next = self.read + self.step;
            }
        }
        Ok(n)
    }
}

pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Calls `read` with the file's text: the bytes themselves, or the one file inside a zip
/// archive (GDELT's `.export.CSV.zip`), unpacked.
pub(crate) fn open<T>(
    file: &str,
    bytes: &[u8],
    opts: &Options,
    read: impl FnOnce(&[u8]) -> Result<T, Vec<EvidenceError>>,
) -> Result<T, Vec<EvidenceError>> {
    let whole = |message: String, help: &str| {
        vec![EvidenceError { file: file.to_string(), row: 0, field: None, message, help: Some(help.to_string()) }]
    };
    let done = |n: usize| {
        if let Some(p) = opts.progress {
            p(n as u64, n as u64);
        }
    };
    if !is_zip(bytes) {
        if file.to_ascii_lowercase().ends_with(".zip") {
            return Err(whole("is named .zip but is not a zip archive".into(), "was the download cut short? fetch the file again"));
        }
        let out = read(bytes)?;
        done(bytes.len());
        return Ok(out);
    }
    let help = "pactum reads a zip archive that holds one data file, as GDELT publishes them";
    let cut = "was the download cut short? fetch the file again";
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => return Err(whole(format!("cannot open the zip archive: {e}"), cut)),
    };
    let mut files = Vec::new();
    for i in 0..archive.len() {
        match archive.by_index(i) {
            Ok(f) if !f.is_dir() => files.push(i),
            Ok(_) => {}
            Err(e) => return Err(whole(format!("cannot read the zip archive: {e}"), help)),
        }
    }
    let [index] = files[..] else {
        return Err(whole(format!("the zip archive holds {} files", files.len()), help));
    };
    // Unpacked whole: row numbers are found from the text (see `Lines`), and a 15-minute GDELT
    // file is a few megabytes.
    let mut text = Vec::new();
    match archive.by_index(index) {
        Ok(mut entry) => {
            text.reserve(usize::try_from(entry.size()).unwrap_or(0).min(1 << 30));
            if let Err(e) = entry.read_to_end(&mut text) {
                return Err(whole(format!("cannot unpack the zip archive: {e}"), cut));
            }
        }
        Err(e) => return Err(whole(format!("cannot read the zip archive: {e}"), help)),
    }
    let out = read(&text)?;
    done(text.len());
    Ok(out)
}

/// The line each record starts on. The csv crate's own line count lags by one after a `\r\n`
/// line end (it counts the `\n` when it reads the next record), and UCDP and ACLED files end
/// their lines with `\r\n`; so lines are counted here from the records' byte offsets.
pub(crate) struct Lines<'t> {
    text: &'t [u8],
    at: usize,
    line: u64,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t [u8]) -> Lines<'t> {
        Lines { text, at: 0, line: 1 }
    }

    /// The line of the record whose reported start is `byte` (which may point at the line end
    /// before it, or at blank lines that the reader skips).
    pub fn at(&mut self, byte: u64) -> u64 {
        let mut b = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        while b < self.text.len() && matches!(self.text[b], b'\r' | b'\n') {
            b += 1;
        }
        if b < self.at {
            self.at = 0;
            self.line = 1;
        }
        self.line += self.text[self.at..b].iter().filter(|&&c| c == b'\n').count() as u64;
        self.at = b;
        self.line
    }

    pub fn of(&mut self, pos: Option<&csv::Position>) -> u64 {
        pos.map_or(0, |p| self.at(p.byte()))
    }
}

/// One record of a file, with the line it starts on.
pub(crate) struct Row<'r> {
    pub rec: &'r csv::StringRecord,
    pub line: u64,
}

impl Row<'_> {
    pub fn get(&self, i: usize) -> &str {
        self.rec.get(i).unwrap_or("").trim()
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum CWho<'m> {
    Fixed(&'m str),
    Column(usize),
    Nobody,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum CAmount {
    None,
    Fixed(Quantity),
    Column(usize, &'static str),
    Range((usize, &'static str), (usize, &'static str)),
}

/// A rule of the mapping with its columns found in one file.
pub(crate) struct Compiled<'m> {
    pub kind: &'m str,
    pub conds: Vec<(usize, Canon, bool, &'m crate::mapping::Test)>,
    pub actor: CWho<'m>,
    pub target: CWho<'m>,
    pub quantity: CAmount,
}

/// Finds the rules' columns in a file; `index` gives a column's position by its dataset name.
pub(crate) fn compile<'m>(
    file: &str,
    mapping: &'m Mapping,
    index: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Compiled<'m>>, Vec<EvidenceError>> {
    let mut errors = Vec::new();
    for (col, rule) in mapping.used_columns() {
        if index(col).is_none() && !errors.iter().any(|e: &EvidenceError| e.field.as_deref() == Some(col)) {
            errors.push(EvidenceError {
                file: file.to_string(),
                row: 1,
                field: Some(col.to_string()),
                message: format!(
                    "the file has no column `{col}`, which rule {} of {} (line {}) reads",
                    rule.number, mapping.name, rule.line
                ),
                help: Some("use a full export of the dataset, or change the rule".to_string()),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let dataset = mapping.dataset;
    let at = |c: &str| index(c).unwrap_or(0);
    let who = |w: &'m Who| match w {
        Who::Fixed(s) => CWho::Fixed(s.as_str()),
        Who::Column(c) => index(c).map_or(CWho::Nobody, CWho::Column),
        Who::Nobody => CWho::Nobody,
    };
    Ok(mapping
        .rules
        .iter()
        .map(|r| Compiled {
            kind: &r.kind,
            conds: r
                .conditions
                .iter()
                .map(|c| (at(c.column), Canon::of(dataset, c.column), dataset.is_actor_column(c.column), &c.test))
                .collect(),
            actor: who(&r.actor),
            target: who(&r.target),
            quantity: match r.quantity {
                Amount::None => CAmount::None,
                Amount::Fixed(q) => CAmount::Fixed(q),
                Amount::Column(c) => CAmount::Column(at(c), c),
                Amount::Range(a, b) => CAmount::Range((at(a), a), (at(b), b)),
            },
        })
        .collect())
}

/// The state of one import: counts, errors, ids seen.
/// The fields a mapping rule gives an item.
pub(crate) struct Applied {
    pub actor: Option<String>,
    pub target: Option<String>,
    pub quantity: Option<Quantity>,
    pub remark: Option<String>,
}

/// Where a column is in a header row, whatever its case.
pub(crate) fn index_in(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h.eq_ignore_ascii_case(name))
}

/// One error per required column the header row lacks, all with the same advice.
pub(crate) fn missing_columns(file: &str, headers: &[String], required: &[&str], help: &str) -> Result<(), Vec<EvidenceError>> {
    let errors: Vec<EvidenceError> = required
        .iter()
        .filter(|c| index_in(headers, c).is_none())
        .map(|c| EvidenceError {
            file: file.to_string(),
            row: 1,
            field: Some(c.to_string()),
            message: format!("the column `{c}` is missing"),
            help: Some(help.to_string()),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

pub(crate) struct Run<'a> {
    pub file: &'a str,
    pub mapping: Option<&'a Mapping>,
    pub keep_going: bool,
    pub errors: Vec<EvidenceError>,
    pub error_count: usize,
    pub rows: usize,
    pub bad_rows: usize,
    pub unmatched: usize,
    unmatched_by: HashMap<String, usize>,
    pub flagged: Vec<String>,
    /// The column that holds the event id, named when an id repeats.
    pub id_column: &'static str,
    seen: HashMap<u64, u64>,
    buf: String,
    sink: &'a mut dyn FnMut(Item),
    pub progress: Option<&'a dyn Fn(u64, u64)>,
}

impl<'a> Run<'a> {
    pub fn new(file: &'a str, mapping: Option<&'a Mapping>, opts: &Options<'a>, sink: &'a mut dyn FnMut(Item)) -> Run<'a> {
        Run {
            progress: opts.progress,
            file,
            mapping,
            keep_going: opts.keep_going,
            errors: Vec::new(),
            error_count: 0,
            rows: 0,
            bad_rows: 0,
            unmatched: 0,
            unmatched_by: HashMap::new(),
            flagged: Vec::new(),
            id_column: "id",
            seen: HashMap::new(),
            buf: String::new(),
            sink,
        }
    }

    pub fn error(&mut self, row: u64, field: Option<&str>, message: String, help: Option<&str>) {
        self.error_count += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(EvidenceError {
                file: self.file.to_string(),
                row,
                field: field.map(str::to_string),
                message,
                help: help.map(str::to_string),
            });
        }
    }

    /// Turns a CSV reading error into a row error.
    pub fn csv_error(&mut self, e: &csv::Error, headers: &[String], lines: &mut Lines) {
        let row = lines.of(e.position());
        self.bad_rows += 1;
        self.rows += 1;
        match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => self.error(
                row,
                None,
                format!("has {len} fields, the header has {expected_len}"),
                Some("a field that holds a comma or a line break must be in double quotes; was the file cut short?"),
            ),
            csv::ErrorKind::Utf8 { err, .. } => {
                let field = headers.get(err.field()).map(String::as_str);
                self.error(row, field, "is not UTF-8 text".into(), Some("save the file as UTF-8"))
            }
            _ => self.error(row, None, format!("cannot be read: {e}"), None),
        }
    }

    /// The party id a dataset actor name maps to.
    pub fn party(&mut self, raw: &str) -> Option<&'a str> {
        let mapping = self.mapping?;
        if mapping.actors.is_empty() || raw.is_empty() {
            return None;
        }
        self.buf.clear();
        for c in raw.chars() {
            self.buf.extend(c.to_lowercase());
        }
        mapping.actors.get(self.buf.as_str()).map(String::as_str)
    }

    /// The first rule whose tests all pass on the row.
    pub fn find_rule<'c, 'm>(&mut self, rules: &'c [Compiled<'m>], row: &Row) -> Option<&'c Compiled<'m>> {
        'rules: for r in rules {
            for (i, canon, actor_col, test) in &r.conds {
                let raw = row.get(*i);
                let value = canon.apply(raw);
                let party = if *actor_col { self.party(raw) } else { None };
                if !test.passes(&value, party) {
                    continue 'rules;
                }
            }
            return Some(r);
        }
        None
    }

    /// What a matched rule makes of a row: actor, target, quantity and any remark on the
    /// quantity. `None` when the quantity is bad; the row is then counted as bad.
    pub fn apply(&mut self, rule: &Compiled, row: &Row) -> Option<Applied> {
        let actor = self.who(rule.actor, row);
        let target = self.who(rule.target, row);
        let Ok((quantity, remark)) = self.quantity(rule.quantity, row) else {
            self.bad_rows += 1;
            return None;
        };
        Some(Applied { actor, target, quantity, remark })
    }

    /// The actor (or target) an item gets from a rule.
    pub fn who(&mut self, w: CWho, row: &Row) -> Option<String> {
        match w {
            CWho::Fixed(s) => Some(s.to_string()),
            CWho::Nobody => None,
            CWho::Column(i) => {
                let raw = row.get(i);
                if raw.is_empty() {
                    return None;
                }
                Some(self.party(raw).unwrap_or(raw).to_string())
            }
        }
    }

    /// The quantity an item gets from a rule. A range whose ends come reversed is put in order
    /// and said in the returned remark.
    pub fn quantity(&mut self, q: CAmount, row: &Row) -> Result<(Option<Quantity>, Option<String>), ()> {
        let num = |run: &mut Run, i: usize, name: &str| -> Result<f64, ()> {
            let v = row.get(i);
            match Quantity::parse(v) {
                Ok(q) if q.is_exact() => Ok(q.low),
                _ => {
                    let what = if v.is_empty() { "is empty".to_string() } else { format!("`{v}` is not a number") };
                    run.error(row.line, Some(name), what, Some("the mapping takes the quantity from this column"));
                    Err(())
                }
            }
        };
        match q {
            CAmount::None => Ok((None, None)),
            CAmount::Fixed(q) => Ok((Some(q), None)),
            CAmount::Column(i, name) => Ok((Some(Quantity::exact(num(self, i, name)?)), None)),
            CAmount::Range((i, a), (j, b)) => {
                let (low, high) = (num(self, i, a), num(self, j, b));
                let (low, high) = (low?, high?);
                if high < low {
                    let remark = format!("{a} {low} is above {b} {high} in the data; the quantity is taken as {high}..{low}");
                    Ok((Some(Quantity { low: high, high: low }), Some(remark)))
                } else {
                    Ok((Some(Quantity { low, high }), None))
                }
            }
        }
    }

    pub fn unmatched(&mut self, key: &str) {
        self.unmatched += 1;
        match self.unmatched_by.get_mut(key) {
            Some(n) => *n += 1,
            None => {
                self.unmatched_by.insert(key.to_string(), 1);
            }
        }
    }

    /// Hands an item on, unless its id was already used in this file (then says false).
    pub fn emit(&mut self, item: Item) -> bool {
        let mut h = DefaultHasher::new();
        item.id.hash(&mut h);
        let row = item.origin.row;
        if let Some(&first) = self.seen.get(&h.finish()) {
            self.bad_rows += 1;
            let field = self.id_column;
            self.error(
                row,
                Some(field),
                format!("the id `{}` is already used on row {first}", item.id),
                Some("each event may appear once in a file"),
            );
            return false;
        }
        self.seen.insert(h.finish(), row);
        // Once a file is sure to be rejected, its items are of no use.
        if self.keep_going || self.error_count == 0 {
            (self.sink)(item);
        }
        true
    }

    pub fn finish(mut self, dataset: Option<Dataset>) -> Result<Import, Vec<EvidenceError>> {
        if self.error_count > self.errors.len() {
            let more = self.error_count - self.errors.len();
            self.errors.push(EvidenceError {
                file: self.file.to_string(),
                row: 0,
                field: None,
                message: format!("and {more} more problems not listed"),
                help: Some(format!("pactum lists the first {MAX_ERRORS}")),
            });
        }
        if !self.keep_going && !self.errors.is_empty() {
            return Err(self.errors);
        }
        let column = self.mapping.map_or("", |m| m.unmatched_by);
        let mut by: Vec<(String, usize)> = self.unmatched_by.into_iter().map(|(k, n)| (label(dataset, column, &k), n)).collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(Import {
            items: Vec::new(),
            rows: self.rows,
            unmatched: self.unmatched,
            unmatched_by: by,
            flagged: self.flagged,
            errors: self.errors,
            bad_rows: self.bad_rows,
        })
    }
}

fn label(dataset: Option<Dataset>, column: &str, value: &str) -> String {
    let value_text = if value.is_empty() { "(empty)" } else { value };
    let name = match (dataset, column) {
        (Some(Dataset::Ucdp), "type_of_violence") => crate::columns::UCDP_VIOLENCE.iter().find(|(c, _)| *c == value).map(|(_, n)| *n),
        (Some(Dataset::Gdelt), "EventRootCode") => crate::columns::CAMEO_ROOTS.iter().find(|(c, _)| *c == value).map(|(_, n)| *n),
        _ => None,
    };
    match name {
        Some(n) => format!("{column} = {value_text} ({n})"),
        None => format!("{column} = {value_text}"),
    }
}

/// Joins note parts, each on one line.
pub(crate) fn one_line(s: &str) -> String {
    if !s.contains(['\n', '\r']) {
        return s.to_string();
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The characters an evidence id may hold.
pub(crate) fn id_ok(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c))
}
