//! Mapping files: which dataset rows become which pactum evidence, and which dataset actor names
//! are which party. See docs/importers.md for the format as analysts read it.

use crate::columns::{self, edit_distance};
use crate::Dataset;
use pactum_base::Quantity;
use pactum_evidence::EvidenceError;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use toml::Spanned;

/// A checked mapping file.
#[derive(Clone, Debug)]
pub struct Mapping {
    pub(crate) name: String,
    pub(crate) dataset: Dataset,
    /// Dataset actor name, lowercased, to party id.
    pub(crate) actors: HashMap<String, String>,
    /// Dataset place name, lowercased, to the place the items carry.
    pub(crate) places: HashMap<String, String>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) unmatched_by: &'static str,
    pub(crate) source_date: SourceDate,
}

/// Which date an ACLED item gives as its source's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceDate {
    EventDate,
    Timestamp,
}

#[derive(Clone, Debug)]
pub(crate) struct Rule {
    /// 1-based, in file order.
    pub number: usize,
    pub line: u64,
    pub kind: String,
    pub actor: Who,
    pub target: Who,
    pub quantity: Amount,
    pub conditions: Vec<Condition>,
}

/// Where an item's actor (or target) comes from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Who {
    /// This party id, whatever the row says.
    Fixed(String),
    /// The value of this column, through `[actors]`.
    Column(&'static str),
    /// No actor (or target).
    Nobody,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Amount {
    None,
    Fixed(Quantity),
    Column(&'static str),
    /// The low and the high end from two columns (UCDP's `low..high`).
    Range(&'static str, &'static str),
}

#[derive(Clone, Debug)]
pub(crate) struct Condition {
    pub column: &'static str,
    pub test: Test,
}

/// A test on one column's value. Texts are kept lowercased: matching ignores case.
#[derive(Clone, Debug, Default)]
pub(crate) struct Test {
    pub any: Vec<String>,
    pub not: Vec<String>,
    pub contains: Vec<String>,
    pub starts_with: Vec<String>,
}

/// How a column's values are made comparable before a test (both the row's and the mapping's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Canon {
    Plain,
    /// ACLED `inter1`, `inter2`: `1` and `State forces` are the same.
    AcledInter,
    /// ACLED `interaction`: `12` and `State forces-Rebel group` are the same.
    AcledInteraction,
    /// ACLED `disorder_type`: the misspelling `Demostrations` is `Demonstrations`.
    AcledDisorder,
}

impl Canon {
    pub fn of(dataset: Dataset, column: &str) -> Canon {
        match (dataset, column) {
            (Dataset::Acled, "inter1" | "inter2") => Canon::AcledInter,
            (Dataset::Acled, "interaction") => Canon::AcledInteraction,
            (Dataset::Acled, "disorder_type") => Canon::AcledDisorder,
            _ => Canon::Plain,
        }
    }

    pub fn apply<'a>(self, value: &'a str) -> Cow<'a, str> {
        match self {
            Canon::Plain => Cow::Borrowed(value),
            Canon::AcledInter => inter_code(value).map_or(Cow::Borrowed(value), Cow::Borrowed),
            Canon::AcledInteraction => interaction_code(value).map_or(Cow::Borrowed(value), Cow::Owned),
            Canon::AcledDisorder => {
                if contains_fold(value, "demostrations") {
                    Cow::Owned(replace_fold(value, "demostrations", "Demonstrations"))
                } else {
                    Cow::Borrowed(value)
                }
            }
        }
    }
}

fn inter_code(value: &str) -> Option<&'static str> {
    let v = value.trim();
    columns::ACLED_INTER.iter().find(|(code, names)| *code == v || names.iter().any(|n| n.eq_ignore_ascii_case(v))).map(|(code, _)| *code)
}

fn interaction_code(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = String::new();
    let mut parts = v.split('-').map(str::trim);
    let first = parts.next()?;
    if let Some(sole) = first.strip_suffix(" only") {
        out.push_str(inter_code(sole)?);
        out.push('0');
        return parts.next().is_none().then_some(out);
    }
    out.push_str(inter_code(first)?);
    for p in parts {
        out.push_str(inter_code(p)?);
    }
    Some(out)
}

fn replace_fold(value: &str, lower_needle: &str, with: &str) -> String {
    let lower = value.to_lowercase();
    match lower.find(lower_needle) {
        // Only ASCII is involved in the needle, so byte positions agree when the value is ASCII.
        Some(at) if value.is_ascii() => format!("{}{}{}", &value[..at], with, &value[at + lower_needle.len()..]),
        _ => value.to_string(),
    }
}

/// Case-insensitive equality against an already-lowercased text.
pub(crate) fn eq_fold(value: &str, lower: &str) -> bool {
    if value.is_ascii() {
        value.eq_ignore_ascii_case(lower)
    } else {
        value.to_lowercase() == lower
    }
}

pub(crate) fn contains_fold(value: &str, lower: &str) -> bool {
    if value.is_ascii() && lower.is_ascii() {
        let (h, n) = (value.as_bytes(), lower.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        value.to_lowercase().contains(lower)
    }
}

pub(crate) fn starts_with_fold(value: &str, lower: &str) -> bool {
    if value.is_ascii() && lower.is_ascii() {
        value.len() >= lower.len() && value.as_bytes()[..lower.len()].eq_ignore_ascii_case(lower.as_bytes())
    } else {
        value.to_lowercase().starts_with(lower)
    }
}

impl Test {
    fn hit(&self, list: &[String], value: &str, f: fn(&str, &str) -> bool) -> bool {
        list.iter().any(|t| f(value, t))
    }

    /// Whether a value passes. `also` is the party id the value maps to, if any: a hit on
    /// either counts, for `not` as for the others.
    pub fn passes(&self, value: &str, also: Option<&str>) -> bool {
        let either = |list: &[String], f: fn(&str, &str) -> bool| self.hit(list, value, f) || also.is_some_and(|a| self.hit(list, a, f));
        (self.any.is_empty() || either(&self.any, eq_fold))
            && (self.contains.is_empty() || either(&self.contains, contains_fold))
            && (self.starts_with.is_empty() || either(&self.starts_with, starts_with_fold))
            && (self.not.is_empty() || !either(&self.not, eq_fold))
    }
}

impl Dataset {
    pub(crate) fn columns(self) -> &'static [&'static str] {
        match self {
            Dataset::Acled => columns::ACLED,
            Dataset::Ucdp => columns::UCDP,
            Dataset::Gdelt => columns::GDELT,
        }
    }

    /// Every column name a mapping may use (ACLED's older exports add three).
    pub(crate) fn find_column(self, name: &str) -> Option<&'static str> {
        columns::find(self.columns(), name)
            .or_else(|| if self == Dataset::Acled { columns::find(columns::ACLED_OLDER, name) } else { None })
    }

    pub(crate) fn default_actor(self) -> &'static str {
        match self {
            Dataset::Acled => "actor1",
            Dataset::Ucdp => "side_a",
            Dataset::Gdelt => "Actor1Code",
        }
    }

    pub(crate) fn default_target(self) -> &'static str {
        match self {
            Dataset::Acled => "actor2",
            Dataset::Ucdp => "side_b",
            Dataset::Gdelt => "Actor2Code",
        }
    }

    pub(crate) fn default_unmatched_by(self) -> &'static str {
        match self {
            Dataset::Acled => "event_type",
            Dataset::Ucdp => "type_of_violence",
            Dataset::Gdelt => "EventRootCode",
        }
    }

    /// Columns that hold actor names: tests on them also try the party id the name maps to.
    pub(crate) fn is_actor_column(self, column: &str) -> bool {
        match self {
            Dataset::Acled => matches!(column, "actor1" | "actor2" | "assoc_actor_1" | "assoc_actor_2"),
            Dataset::Ucdp => matches!(column, "side_a" | "side_b"),
            Dataset::Gdelt => matches!(column, "Actor1Code" | "Actor1Name" | "Actor2Code" | "Actor2Name"),
        }
    }
}

const RULE_KEYS: &[&str] = &["kind", "actor", "actor_from", "target", "target_from", "quantity"];
const TEST_KEYS: &[&str] = &["any", "not", "contains", "starts_with"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    dataset: Option<Spanned<String>>,
    #[serde(default)]
    actors: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    places: BTreeMap<Spanned<String>, Spanned<String>>,
    unmatched_by: Option<Spanned<String>>,
    source_date: Option<Spanned<String>>,
    #[serde(default)]
    rule: Vec<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
}

struct Checker<'a> {
    name: &'a str,
    text: &'a str,
    errors: Vec<EvidenceError>,
}

impl Checker<'_> {
    fn line(&self, at: usize) -> u64 {
        let end = at.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() as u64 + 1
    }

    fn err(&mut self, at: usize, field: &str, message: String, help: Option<String>) {
        let row = self.line(at);
        self.errors.push(EvidenceError { file: self.name.to_string(), row, field: Some(field.to_string()), message, help });
    }
}

impl Mapping {
    /// Reads and checks a mapping file. `name` is the file's name, used in the errors.
    pub fn from_toml(name: &str, text: &str) -> Result<Mapping, Vec<EvidenceError>> {
        let raw: RawMapping = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let mut c = Checker { name, text, errors: Vec::new() };
                let at = e.span().map_or(0, |s| s.start);
                let message = e.message().trim().to_string();
                let help = if message.contains("unknown field") {
                    "a mapping file has `dataset`, `[actors]`, `[places]`, `unmatched_by`, `source_date` and `[[rule]]` tables; see docs/importers.md"
                } else {
                    "see docs/importers.md for the mapping file format"
                };
                let row = c.line(at);
                c.errors.push(EvidenceError { file: name.to_string(), row, field: None, message, help: Some(help.to_string()) });
                return Err(c.errors);
            }
        };
        let mut c = Checker { name, text, errors: Vec::new() };
        let dataset = match &raw.dataset {
            None => {
                c.err(
                    0,
                    "dataset",
                    "the mapping does not say its dataset".into(),
                    Some("add a first line `dataset = \"acled\"` (or `ucdp`, `gdelt`)".into()),
                );
                return Err(c.errors);
            }
            Some(d) => match d.get_ref().parse::<Dataset>() {
                Ok(ds) => ds,
                Err(e) => {
                    c.err(d.span().start, "dataset", e, Some("write `acled`, `ucdp` or `gdelt`".into()));
                    return Err(c.errors);
                }
            },
        };
        let actors = names_table(&mut c, &raw.actors, "actors", true);
        let places = names_table(&mut c, &raw.places, "places", false);
        let unmatched_by = match &raw.unmatched_by {
            None => dataset.default_unmatched_by(),
            Some(u) => match dataset.find_column(u.get_ref()) {
                Some(col) => col,
                None => {
                    let help = column_help(dataset, u.get_ref());
                    c.err(u.span().start, "unmatched_by", format!("`{}` is not one of the {} columns", u.get_ref(), dataset), Some(help));
                    dataset.default_unmatched_by()
                }
            },
        };
        let source_date = match &raw.source_date {
            None => SourceDate::EventDate,
            Some(s) if dataset != Dataset::Acled => {
                c.err(s.span().start, "source_date", "`source_date` is only for ACLED mappings".into(), Some("remove this line".into()));
                SourceDate::EventDate
            }
            Some(s) => match s.get_ref().as_str() {
                "event_date" => SourceDate::EventDate,
                "timestamp" => SourceDate::Timestamp,
                other => {
                    c.err(
                        s.span().start,
                        "source_date",
                        format!("`{other}` is not a choice here"),
                        Some("write `event_date` (the day of the event) or `timestamp` (the day ACLED last changed the row)".into()),
                    );
                    SourceDate::EventDate
                }
            },
        };
        if raw.rule.is_empty() {
            c.err(
                text.len(),
                "rule",
                "the mapping has no `[[rule]]`, so nothing would be imported".into(),
                Some("add a rule: `[[rule]]` then `kind = \"attack\"` and the columns to match, e.g. `event_type = [\"Battles\"]`".into()),
            );
        }
        let mut rules = Vec::new();
        for (i, r) in raw.rule.iter().enumerate() {
            if let Some(rule) = check_rule(&mut c, dataset, i + 1, r) {
                rules.push(rule);
            }
        }
        if !c.errors.is_empty() {
            return Err(c.errors);
        }
        Ok(Mapping { name: name.to_string(), dataset, actors, places, rules, unmatched_by, source_date })
    }

    /// The dataset this mapping is for.
    pub fn dataset(&self) -> Dataset {
        self.dataset
    }

    /// The file name the mapping was read from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The party id a dataset actor name maps to, if the mapping names it.
    pub fn party(&self, dataset_name: &str) -> Option<&str> {
        let key = dataset_name.trim().to_lowercase();
        self.actors.get(&key).map(String::as_str)
    }

    /// The place name items carry for a dataset place name (itself unless `[places]` renames it).
    pub(crate) fn place<'a>(&'a self, raw: &'a str) -> &'a str {
        if self.places.is_empty() {
            return raw;
        }
        self.places.get(&raw.to_lowercase()).map_or(raw, String::as_str)
    }

    /// Every column the rules read, to check against a file's header.
    pub(crate) fn used_columns(&self) -> Vec<(&'static str, &Rule)> {
        let mut out = Vec::new();
        for r in &self.rules {
            for c in &r.conditions {
                out.push((c.column, r));
            }
            for w in [&r.actor, &r.target] {
                if let Who::Column(c) = w {
                    out.push((*c, r));
                }
            }
            match r.quantity {
                Amount::Column(c) => out.push((c, r)),
                Amount::Range(a, b) => {
                    out.push((a, r));
                    out.push((b, r));
                }
                _ => {}
            }
        }
        out
    }
}

fn names_table(c: &mut Checker, table: &BTreeMap<Spanned<String>, Spanned<String>>, what: &str, ids: bool) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    let mut first: HashMap<String, String> = HashMap::new();
    for (k, v) in table {
        let key = k.get_ref().trim().to_lowercase();
        let value = v.get_ref().trim().to_string();
        if key.is_empty() {
            c.err(k.span().start, what, "an empty name".into(), Some("write the name as the dataset spells it, in quotes".into()));
            continue;
        }
        if value.is_empty() {
            c.err(
                v.span().start,
                k.get_ref(),
                format!("`{}` is mapped to nothing", k.get_ref()),
                Some("give the party id, e.g. `\"taliban\"`".into()),
            );
            continue;
        }
        if ids && !value.chars().all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-' || ch == '.') {
            c.err(
                v.span().start,
                k.get_ref(),
                format!("`{value}` is not a party id"),
                Some("write the party's id from the case, e.g. `taliban` or `gov`".into()),
            );
            continue;
        }
        if let Some(prev) = out.get(&key) {
            if *prev != value {
                let earlier = first.get(&key).cloned().unwrap_or_default();
                c.err(
                    k.span().start,
                    k.get_ref(),
                    format!("`{}` is already mapped to `{prev}` (as `{earlier}`); names match in any case", k.get_ref()),
                    Some("keep one of the two lines".into()),
                );
            }
            continue;
        }
        first.insert(key.clone(), k.get_ref().clone());
        out.insert(key, value);
    }
    out
}

fn column_help(dataset: Dataset, name: &str) -> String {
    match columns::similar(dataset.columns(), name) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("the {dataset} columns are listed in docs/importers.md"),
    }
}

fn check_rule(
    c: &mut Checker,
    dataset: Dataset,
    number: usize,
    raw: &Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
) -> Option<Rule> {
    let before = c.errors.len();
    let table = raw.get_ref();
    let start = raw.span().start;
    let get = |k: &str| table.iter().find(|(key, _)| key.get_ref() == k).map(|(_, v)| v);
    let kind = match get("kind") {
        None => {
            c.err(start, "kind", format!("rule {number} has no `kind`"), Some("say what the rows become, e.g. `kind = \"attack\"`".into()));
            String::new()
        }
        Some(v) => match v.get_ref().as_str() {
            Some(k) if !k.is_empty() && k.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') => k.to_string(),
            Some(k) => {
                c.err(
                    v.span().start,
                    "kind",
                    format!("`{k}` is not a kind name"),
                    Some("kinds are written like `attack` or `troop_level`".into()),
                );
                String::new()
            }
            None => {
                c.err(v.span().start, "kind", format!("rule {number}: `kind` must be text"), Some("write `kind = \"attack\"`".into()));
                String::new()
            }
        },
    };
    let actor = who(c, dataset, number, get("actor"), get("actor_from"), "actor", dataset.default_actor());
    let target = who(c, dataset, number, get("target"), get("target_from"), "target", dataset.default_target());
    let quantity = match get("quantity") {
        None => Amount::None,
        Some(v) => amount(c, dataset, number, v),
    };
    let mut conditions = Vec::new();
    for (k, v) in table {
        let key = k.get_ref().as_str();
        if RULE_KEYS.contains(&key) {
            continue;
        }
        let Some(column) = dataset.find_column(key) else {
            let mut names: Vec<&str> = dataset.columns().to_vec();
            names.extend_from_slice(RULE_KEYS);
            let help = match columns::similar(&names, key) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "a rule's keys are `kind`, `actor`, `actor_from`, `target`, `target_from`, `quantity`, and {dataset} columns to match"
                ),
            };
            c.err(k.span().start, key, format!("rule {number}: `{key}` is not one of the {dataset} columns"), Some(help));
            continue;
        };
        if let Some(test) = test(c, dataset, number, column, v) {
            conditions.push(Condition { column, test });
        }
    }
    if c.errors.len() > before {
        return None;
    }
    Some(Rule { number, line: c.line(start), kind, actor, target, quantity, conditions })
}

fn who(
    c: &mut Checker,
    dataset: Dataset,
    number: usize,
    fixed: Option<&Spanned<toml::Value>>,
    from: Option<&Spanned<toml::Value>>,
    what: &str,
    default: &'static str,
) -> Who {
    match (fixed, from) {
        (Some(f), Some(_)) => {
            c.err(
                f.span().start,
                what,
                format!("rule {number} sets both `{what}` and `{what}_from`"),
                Some(format!(
                    "use `{what} = \"party\"` for a fixed party, or `{what}_from = \"column\"` to read it from the row, not both"
                )),
            );
            Who::Nobody
        }
        (Some(f), None) => match f.get_ref() {
            toml::Value::Boolean(false) => Who::Nobody,
            toml::Value::String(s) if !s.trim().is_empty() => Who::Fixed(s.trim().to_string()),
            _ => {
                c.err(
                    f.span().start,
                    what,
                    format!("rule {number}: `{what}` must be a party id, or `false` for none"),
                    Some(format!("e.g. `{what} = \"taliban\"`")),
                );
                Who::Nobody
            }
        },
        (None, Some(f)) => match f.get_ref().as_str().and_then(|s| dataset.find_column(s)) {
            Some(col) => Who::Column(col),
            None => {
                let name = f.get_ref().as_str().unwrap_or_default();
                c.err(
                    f.span().start,
                    &format!("{what}_from"),
                    format!("rule {number}: `{name}` is not one of the {dataset} columns"),
                    Some(column_help(dataset, name)),
                );
                Who::Nobody
            }
        },
        (None, None) => Who::Column(default),
    }
}

fn amount(c: &mut Checker, dataset: Dataset, number: usize, v: &Spanned<toml::Value>) -> Amount {
    let at = v.span().start;
    let help = || {
        Some(match dataset {
            Dataset::Acled => "write a number (`quantity = 1`) or a column (`quantity = \"fatalities\"`)".to_string(),
            Dataset::Ucdp => {
                "write a number (`quantity = 1`), a column (`quantity = \"best\"`) or two (`quantity = \"low..high\"`)".to_string()
            }
            Dataset::Gdelt => "write a number (`quantity = 1`) or a column (`quantity = \"NumArticles\"`)".to_string(),
        })
    };
    match v.get_ref() {
        toml::Value::Integer(n) => Amount::Fixed(Quantity::exact(*n as f64)),
        toml::Value::Float(f) if f.is_finite() => Amount::Fixed(Quantity::exact(*f)),
        toml::Value::String(s) => {
            if let Ok(q) = Quantity::parse(s) {
                return Amount::Fixed(q);
            }
            if let Some((a, b)) = s.split_once("..") {
                match (dataset.find_column(a), dataset.find_column(b)) {
                    (Some(a), Some(b)) => return Amount::Range(a, b),
                    _ => {
                        c.err(at, "quantity", format!("rule {number}: `{s}` does not name two {dataset} columns"), help());
                        return Amount::None;
                    }
                }
            }
            match dataset.find_column(s) {
                Some(col) => Amount::Column(col),
                None => {
                    let h = columns::similar(dataset.columns(), s).map(|x| format!("did you mean `{x}`?")).or_else(help);
                    c.err(at, "quantity", format!("rule {number}: `{s}` is neither a number nor one of the {dataset} columns"), h);
                    Amount::None
                }
            }
        }
        _ => {
            c.err(at, "quantity", format!("rule {number}: `quantity` must be a number or a column name"), help());
            Amount::None
        }
    }
}

fn is_cameo(column: &str) -> bool {
    matches!(column, "EventCode" | "EventBaseCode" | "EventRootCode")
}

/// The texts of one condition value: a text, a whole number, or a list of them.
fn texts(c: &mut Checker, number: usize, column: &str, v: &toml::Value, at: usize) -> Option<Vec<String>> {
    let one = |c: &mut Checker, x: &toml::Value| -> Option<String> {
        match x {
            toml::Value::String(s) => Some(s.trim().to_string()),
            toml::Value::Integer(n) if !is_cameo(column) => Some(n.to_string()),
            toml::Value::Integer(n) => {
                c.err(
                    at,
                    column,
                    format!("rule {number}: CAMEO codes must be quoted text, not the number {n}"),
                    Some("leading zeros matter (`\"010\"` is not `\"10\"`): write the code in quotes, e.g. `[\"18\", \"19\"]`".into()),
                );
                None
            }
            _ => {
                c.err(
                    at,
                    column,
                    format!("rule {number}: `{column}` values must be text or whole numbers"),
                    Some(format!("e.g. `{column} = [\"...\"]`")),
                );
                None
            }
        }
    };
    match v {
        toml::Value::Array(items) => {
            let mut out = Vec::new();
            for x in items {
                out.push(one(c, x)?);
            }
            if out.is_empty() {
                c.err(
                    at,
                    column,
                    format!("rule {number}: the list for `{column}` is empty, so the rule would match nothing"),
                    Some("list the values to match, or remove the line".into()),
                );
                return None;
            }
            Some(out)
        }
        x => one(c, x).map(|s| vec![s]),
    }
}

fn test(c: &mut Checker, dataset: Dataset, number: usize, column: &'static str, v: &Spanned<toml::Value>) -> Option<Test> {
    let at = v.span().start;
    let canon = Canon::of(dataset, column);
    let fold = |s: String| canon.apply(&s).to_lowercase();
    let mut t = Test::default();
    match v.get_ref() {
        toml::Value::Table(tab) => {
            if tab.is_empty() {
                c.err(
                    at,
                    column,
                    format!("rule {number}: the test on `{column}` is empty"),
                    Some("write `{ any = [...] }`, `{ not = [...] }`, `{ contains = \"...\" }` or `{ starts_with = \"...\" }`".into()),
                );
                return None;
            }
            for (k, x) in tab {
                let list = texts(c, number, column, x, at)?;
                match k.as_str() {
                    "any" => {
                        vocabulary(c, dataset, number, column, &list, at)?;
                        t.any = list.into_iter().map(fold).collect();
                    }
                    "not" => {
                        vocabulary(c, dataset, number, column, &list, at)?;
                        t.not = list.into_iter().map(fold).collect();
                    }
                    "contains" => t.contains = list.into_iter().map(|s| s.to_lowercase()).collect(),
                    "starts_with" => t.starts_with = list.into_iter().map(|s| s.to_lowercase()).collect(),
                    other => {
                        let help = columns::similar(TEST_KEYS, other).map_or_else(
                            || "a test is one or more of `any`, `not`, `contains`, `starts_with`".to_string(),
                            |s| format!("did you mean `{s}`?"),
                        );
                        c.err(at, column, format!("rule {number}: `{other}` is not a test"), Some(help));
                        return None;
                    }
                }
            }
        }
        other => {
            let list = texts(c, number, column, other, at)?;
            vocabulary(c, dataset, number, column, &list, at)?;
            t.any = list.into_iter().map(fold).collect();
        }
    }
    Some(t)
}

/// Checks exact values against what the dataset can hold, where that is a fixed list.
fn vocabulary(c: &mut Checker, dataset: Dataset, number: usize, column: &str, values: &[String], at: usize) -> Option<()> {
    let before = c.errors.len();
    for v in values {
        match (dataset, column) {
            (Dataset::Acled, "event_type") | (Dataset::Acled, "disorder_type") => {
                let known = if column == "event_type" { columns::ACLED_EVENT_TYPES } else { columns::ACLED_DISORDER_TYPES };
                let canon = Canon::of(dataset, column).apply(v);
                if known.iter().any(|k| k.eq_ignore_ascii_case(&canon)) {
                    continue;
                }
                // Older exports used other values; only a near miss of a current one is an error.
                if let Some(k) = known.iter().find(|k| edit_distance(&k.to_lowercase(), &canon.to_lowercase()) <= 2) {
                    c.err(at, column, format!("rule {number}: `{v}` is not an ACLED {column}"), Some(format!("did you mean `{k}`?")));
                }
            }
            (Dataset::Acled, "inter1" | "inter2") if inter_code(v).is_none() => {
                c.err(
                    at,
                    column,
                    format!("rule {number}: `{v}` is not an ACLED actor type"),
                    Some("write a code 1-8 or its name: 1 State forces, 2 Rebel group, 3 Political militia, 4 Identity militia, 5 Rioters, 6 Protesters, 7 Civilians, 8 External/Other forces".into()),
                );
            }
            (Dataset::Ucdp, "type_of_violence") if !columns::UCDP_VIOLENCE.iter().any(|(code, _)| code == v) => {
                c.err(
                    at,
                    column,
                    format!("rule {number}: `{v}` is not a UCDP type of violence"),
                    Some("write 1 (state-based), 2 (non-state) or 3 (one-sided)".into()),
                );
            }
            (Dataset::Gdelt, "EventRootCode") if !columns::CAMEO_ROOTS.iter().any(|(code, _)| code == v) => {
                let help = if v.len() == 1 && v.bytes().all(|b| b.is_ascii_digit()) {
                    format!("CAMEO root codes have two digits: write `\"0{v}\"`")
                } else {
                    "CAMEO root codes run from `\"01\"` to `\"20\"`".to_string()
                };
                c.err(at, column, format!("rule {number}: `{v}` is not a CAMEO root code"), Some(help));
            }
            (Dataset::Gdelt, "EventBaseCode" | "EventCode") => {
                let ok_len = if column == "EventBaseCode" { v.len() == 3 } else { v.len() == 3 || v.len() == 4 };
                if !ok_len || !v.bytes().all(|b| b.is_ascii_digit()) {
                    c.err(
                        at,
                        column,
                        format!("rule {number}: `{v}` is not a CAMEO {}", if column == "EventCode" { "event code" } else { "base code" }),
                        Some("CAMEO event codes are three or four digits with their leading zeros, e.g. `\"010\"`, `\"190\"`, `\"1823\"`; for a root code use `EventRootCode`".into()),
                    );
                }
            }
            _ => {}
        }
    }
    (c.errors.len() == before).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inter_and_interaction_codes() {
        assert_eq!(Canon::AcledInter.apply("State forces"), "1");
        assert_eq!(Canon::AcledInter.apply("1"), "1");
        assert_eq!(Canon::AcledInter.apply("Rebel groups"), "2");
        assert_eq!(Canon::AcledInteraction.apply("State forces-Rebel group"), "12");
        assert_eq!(Canon::AcledInteraction.apply("Rebel group only"), "20");
        assert_eq!(Canon::AcledInteraction.apply("12"), "12");
        assert_eq!(Canon::AcledDisorder.apply("Demostrations"), "Demonstrations");
        assert_eq!(Canon::AcledDisorder.apply("Political violence; Demostrations"), "Political violence; Demonstrations");
    }

    #[test]
    fn tests_fold_case_and_try_the_party() {
        let t = Test { any: vec!["taliban".into()], ..Test::default() };
        assert!(t.passes("Taliban", None));
        assert!(t.passes("Taleban", Some("taliban")));
        assert!(!t.passes("Taliban and/or Islamic State", None));
        let t = Test { not: vec!["taleban".into()], ..Test::default() };
        assert!(!t.passes("Taleban", Some("taliban")));
        let t = Test { contains: vec!["tal".into()], ..Test::default() };
        assert!(t.passes("AFGTAL", None));
        assert!(!t.passes("AFGGOV", None));
        let t = Test { starts_with: vec!["19".into()], ..Test::default() };
        assert!(t.passes("190", None));
        assert!(!t.passes("019", None));
    }
}
