//! Evidence: dated, sourced items, and the CSV and JSON Lines files that hold them.
//!
//! **Invariant:** a file is accepted whole or not at all. [`read_file`] returns every item of a
//! good file, or every problem of a bad one, each naming the file, the row and the field.

use pactum_base::{DateRange, Quantity};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Source {
    pub outlet: String,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.outlet, self.date)?;
        if let Some(t) = &self.title {
            write!(f, ", \"{t}\"")?;
        }
        if let Some(u) = &self.url {
            write!(f, ", {u}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    Asserts,
    Denies,
    Corrects,
    Retracts,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Asserts => "asserts",
            Relation::Denies => "denies",
            Relation::Corrects => "corrects",
            Relation::Retracts => "retracts",
        }
    }
}

/// Where an item was read from, for error messages and explanations.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Origin {
    pub file: String,
    /// The 1-based line of the row in its file.
    pub row: u64,
}

/// One dated, sourced fact.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub date: DateRange,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    pub rel: Relation,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub origin: Origin,
}

/// A problem with one field of one row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvidenceError {
    pub file: String,
    pub row: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl fmt::Display for EvidenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: row {}", self.file, self.row)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  = help: {h}")?;
        }
        Ok(())
    }
}

pub const COLUMNS: &[&str] = &[
    "id",
    "date",
    "kind",
    "actor",
    "target",
    "quantity",
    "place",
    "rel",
    "ref",
    "source_outlet",
    "source_date",
    "source_title",
    "source_url",
    "note",
];
const REQUIRED: &[&str] = &["id", "date", "kind", "source_outlet", "source_date"];

/// Looks up a field of one row by column name.
type FieldLookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// Raw text fields of one row, by column name, before validation.
struct Raw<'a> {
    get: FieldLookup<'a>,
}

impl Raw<'_> {
    fn field(&self, name: &str) -> Option<String> {
        (self.get)(name).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    }
}

fn validate(raw: &Raw, file: &str, row: u64, errors: &mut Vec<EvidenceError>) -> Option<Item> {
    let before = errors.len();
    let mut err = |field: &str, message: String, help: Option<&str>| {
        errors.push(EvidenceError { file: file.to_string(), row, field: Some(field.to_string()), message, help: help.map(str::to_string) });
    };
    let req = |name: &str, err: &mut dyn FnMut(&str, String, Option<&str>)| {
        let v = raw.field(name);
        if v.is_none() {
            err(name, "is empty".to_string(), Some("this field is required"));
        }
        v.unwrap_or_default()
    };
    let id = req("id", &mut err);
    if !id.is_empty() && !id.chars().all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c)) {
        err("id", format!("`{id}` has characters an id cannot have"), Some("use letters, digits, `_`, `-`, `.` and `:`"));
    }
    let date_text = req("date", &mut err);
    let date = if date_text.is_empty() {
        None
    } else {
        match DateRange::parse(&date_text) {
            Ok(d) => Some(d),
            Err(e) => {
                err("date", e, None);
                None
            }
        }
    };
    let kind = req("kind", &mut err);
    if !kind.is_empty() && !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        err("kind", format!("`{kind}` is not a kind name"), Some("kinds are written like `troop_level`"));
    }
    let quantity = match raw.field("quantity") {
        None => None,
        Some(q) => match Quantity::parse(&q) {
            Ok(q) => Some(q),
            Err(e) => {
                err("quantity", e, Some("write a number (8600) or a range of possible values (8400..8600)"));
                None
            }
        },
    };
    let rel = match raw.field("rel").as_deref() {
        None | Some("asserts") => Relation::Asserts,
        Some("denies") => Relation::Denies,
        Some("corrects") => Relation::Corrects,
        Some("retracts") => Relation::Retracts,
        Some(other) => {
            err(
                "rel",
                format!("`{other}` is not a relation"),
                Some("write `asserts`, `denies`, `corrects` or `retracts`, or leave it empty"),
            );
            Relation::Asserts
        }
    };
    let reference = raw.field("ref");
    if rel != Relation::Asserts && reference.is_none() {
        err("ref", format!("a row that {} another needs its id here", rel.as_str()), None);
    }
    if rel == Relation::Asserts && reference.is_some() {
        err(
            "rel",
            "`ref` is set but `rel` is empty".into(),
            Some("say how this row relates to the other: `denies`, `corrects` or `retracts`"),
        );
    }
    let outlet = req("source_outlet", &mut err);
    let sdate = req("source_date", &mut err);
    if !sdate.is_empty() && DateRange::parse(&sdate).is_err() {
        err("source_date", format!("`{sdate}` is not a date"), Some("write YYYY-MM-DD or YYYY-MM"));
    }
    let title = raw.field("source_title");
    let url = raw.field("source_url");
    if title.is_none() && url.is_none() {
        err(
            "source_title",
            "the source has neither a title nor a URL".into(),
            Some("give the report's headline in `source_title` or its address in `source_url`"),
        );
    }
    if errors.len() > before {
        return None;
    }
    Some(Item {
        id,
        date: date?,
        kind,
        actor: raw.field("actor"),
        target: raw.field("target"),
        quantity,
        place: raw.field("place"),
        rel,
        reference,
        source: Source { outlet, date: sdate, title, url },
        note: raw.field("note"),
        origin: Origin { file: file.to_string(), row },
    })
}

/// Reads a CSV evidence file (header row, the columns in [`COLUMNS`], any order).
pub fn read_csv(file: &str, text: &str) -> Result<Vec<Item>, Vec<EvidenceError>> {
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let file_err = |row: u64, field: Option<&str>, message: String, help: Option<&str>| EvidenceError {
        file: file.to_string(),
        row,
        field: field.map(str::to_string),
        message,
        help: help.map(str::to_string),
    };
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().trim_start_matches('\u{feff}').to_string()).collect(),
        Err(e) => return Err(vec![file_err(1, None, format!("cannot read the header row: {e}"), None)]),
    };
    let mut errors = Vec::new();
    for h in &headers {
        if !COLUMNS.contains(&h.as_str()) {
            let hint = COLUMNS.iter().find(|c| strsim(c, h)).map(|c| format!("did you mean `{c}`?"));
            errors.push(file_err(
                1,
                Some(h),
                format!("unknown column `{h}`"),
                Some(hint.as_deref().unwrap_or("see docs/evidence-format.md for the columns")),
            ));
        }
    }
    for r in REQUIRED {
        if !headers.iter().any(|h| h == r) {
            errors.push(file_err(1, Some(r), format!("the required column `{r}` is missing"), None));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Row numbers come from byte offsets: the csv crate's own line count drifts on `\r\n` files.
    let line_starts: Vec<u64> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i as u64 + 1)).collect();
    let bytes = text.as_bytes();
    let line_of = |byte: u64| {
        // A record's position can point at the end of the line before it.
        let mut b = byte as usize;
        while b < bytes.len() && (bytes[b] == b'\r' || bytes[b] == b'\n') {
            b += 1;
        }
        line_starts.partition_point(|s| *s <= b as u64) as u64
    };
    let mut items = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| line_of(p.byte()));
                let msg = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!("has {len} fields, the header has {expected_len}"),
                    _ => e.to_string(),
                };
                errors.push(file_err(row, None, msg, Some("quote fields that contain commas: \"like, this\"")));
                continue;
            }
        };
        let row = rec.position().map_or(0, |p| line_of(p.byte()));
        let raw = Raw { get: Box::new(|name: &str| headers.iter().position(|h| h == name).and_then(|i| rec.get(i)).map(str::to_string)) };
        if let Some(item) = validate(&raw, file, row, &mut errors) {
            items.push(item);
        }
    }
    check_set(&items, &mut errors);
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

fn strsim(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

/// Reads a JSON Lines evidence file: one object per line, blank lines allowed.
pub fn read_jsonl(file: &str, text: &str) -> Result<Vec<Item>, Vec<EvidenceError>> {
    let mut errors = Vec::new();
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let row = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                errors.push(EvidenceError { file: file.into(), row, field: None, message: format!("not valid JSON: {e}"), help: None });
                continue;
            }
        };
        let Some(obj) = v.as_object() else {
            errors.push(EvidenceError {
                file: file.into(),
                row,
                field: None,
                message: "each line must be a JSON object".into(),
                help: None,
            });
            continue;
        };
        let allowed = ["id", "date", "kind", "actor", "target", "quantity", "place", "rel", "ref", "source", "note"];
        for k in obj.keys() {
            if !allowed.contains(&k.as_str()) {
                errors.push(EvidenceError {
                    file: file.into(),
                    row,
                    field: Some(k.clone()),
                    message: format!("unknown field `{k}`"),
                    help: Some(format!("the fields are: {}", allowed.join(", "))),
                });
            }
        }
        let source = obj.get("source").and_then(|s| s.as_object()).cloned();
        if obj.get("source").is_some() && source.is_none() {
            errors.push(EvidenceError {
                file: file.into(),
                row,
                field: Some("source".into()),
                message: "must be an object with outlet, date, title, url".into(),
                help: None,
            });
            continue;
        }
        let text_of = |v: &serde_json::Value| -> Option<String> {
            match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            }
        };
        let raw = Raw {
            get: Box::new(move |name: &str| {
                if let Some(sub) = name.strip_prefix("source_") {
                    source.as_ref().and_then(|s| s.get(sub)).and_then(text_of)
                } else {
                    obj.get(name).and_then(text_of)
                }
            }),
        };
        if let Some(item) = validate(&raw, file, row, &mut errors) {
            items.push(item);
        }
    }
    check_set(&items, &mut errors);
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// Reads a file by its extension: `.csv` or `.jsonl`.
pub fn read_file(file: &str, text: &str) -> Result<Vec<Item>, Vec<EvidenceError>> {
    if file.ends_with(".jsonl") || file.ends_with(".ndjson") {
        read_jsonl(file, text)
    } else {
        read_csv(file, text)
    }
}

/// Checks within one file: unique ids.
fn check_set(items: &[Item], errors: &mut Vec<EvidenceError>) {
    let mut seen: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for it in items {
        if let Some(first) = seen.insert(&it.id, it.origin.row) {
            errors.push(EvidenceError {
                file: it.origin.file.clone(),
                row: it.origin.row,
                field: Some("id".into()),
                message: format!("the id `{}` is already used on row {first}", it.id),
                help: Some("every item needs its own id".into()),
            });
        }
    }
}

/// Checks across all the files of a case: unique ids and references that resolve.
pub fn check_references(items: &[Item]) -> Vec<EvidenceError> {
    let mut errors = Vec::new();
    let mut seen: std::collections::HashMap<&str, &Origin> = std::collections::HashMap::new();
    for it in items {
        if let Some(first) = seen.insert(&it.id, &it.origin) {
            if first.file != it.origin.file {
                errors.push(EvidenceError {
                    file: it.origin.file.clone(),
                    row: it.origin.row,
                    field: Some("id".into()),
                    message: format!("the id `{}` is already used in {} row {}", it.id, first.file, first.row),
                    help: None,
                });
            }
        }
    }
    for it in items {
        if let Some(r) = &it.reference {
            if !seen.contains_key(r.as_str()) {
                errors.push(EvidenceError {
                    file: it.origin.file.clone(),
                    row: it.origin.row,
                    field: Some("ref".into()),
                    message: format!("no item has the id `{r}`"),
                    help: None,
                });
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,date,kind,actor,target,quantity,place,rel,ref,source_outlet,source_date,source_title,source_url,note\n";

    #[test]
    fn reads_good_rows() {
        let text = format!("{HEADER}t1,2020-06-18,troop_level,us,,8400..8600,,,,Xinhua,2020-06-19,\"US troops, mid-8,000s\",,\n");
        let items = read_csv("e.csv", &text).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].quantity, Some(Quantity { low: 8400.0, high: 8600.0 }));
        assert_eq!(items[0].source.title.as_deref(), Some("US troops, mid-8,000s"));
        assert_eq!(items[0].origin.row, 2);
    }

    #[test]
    fn a_bad_row_rejects_the_file_and_names_row_and_field() {
        let text = format!(
            "{HEADER}t1,2020-06-18,troop_level,us,,8600,,,,Xinhua,2020-06-19,title,,\nt2,2020-06-31,troop_level,us,,lots,,,,AP,2020-06-01,,,\n"
        );
        let errs = read_csv("e.csv", &text).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.row, e.field.clone().unwrap_or_default())).collect();
        assert_eq!(fields, vec![(3, "date".into()), (3, "quantity".into()), (3, "source_title".into())]);
    }

    #[test]
    fn row_numbers_hold_with_windows_line_endings_and_multiline_fields() {
        let text = format!(
            "{}t1,2020-06-18,troop_level,us,,8600,,,,Xinhua,2020-06-19,title,,\"two\r\nlines\"\r\nt2,2020-06-31,troop_level,us,,8600,,,,AP,2020-06-01,t,,\r\n",
            HEADER.replace('\n', "\r\n")
        );
        let errs = read_csv("e.csv", &text).unwrap_err();
        assert_eq!((errs[0].row, errs[0].field.as_deref()), (4, Some("date")), "{errs:?}");
    }

    #[test]
    fn denial_needs_ref_and_unknown_columns_are_named() {
        let text = format!("{HEADER}d1,2020-06-01,statement,taliban,,,,denies,,Reuters,2020-06-01,t,,\n");
        let errs = read_csv("e.csv", &text).unwrap_err();
        assert_eq!(errs[0].field.as_deref(), Some("ref"));
        let errs = read_csv("e.csv", "id,dat,kind,source_outlet,source_date\n").unwrap_err();
        assert!(errs[0].message.contains("unknown column `dat`"));
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `date`?"));
    }

    #[test]
    fn jsonl_matches_csv() {
        let csv_text = format!("{HEADER}t1,2020-06-18,troop_level,us,,8400..8600,,,,Xinhua,2020-06-19,T,,n\n");
        let json = r#"{"id":"t1","date":"2020-06-18","kind":"troop_level","actor":"us","quantity":"8400..8600","source":{"outlet":"Xinhua","date":"2020-06-19","title":"T"},"note":"n"}"#;
        let a = read_csv("e", &csv_text).unwrap();
        let mut b = read_jsonl("e", json).unwrap();
        b[0].origin.row = 2;
        assert_eq!(a, b);
        let errs = read_jsonl("e.jsonl", "{\"id\": 1\n").unwrap_err();
        assert_eq!(errs[0].row, 1);
    }
}
