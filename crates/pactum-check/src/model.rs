//! The checked model: what the engine evaluates. Names are resolved to indices, dates to
//! calendar days, and each rule keeps its canonical text so explanations can quote it.

use pactum_base::{Date, Duration};
use pactum_syntax::ast::{Action, Agg, Cmp, Direction, Field, KindShape, OnEvent, Role};
use serde::Serialize;

pub type PartyId = usize;
pub type KindId = usize;
pub type MeasureId = usize;
pub type ProvisionId = usize;

#[derive(Clone, Debug, Default)]
pub struct Case {
    pub agreements: Vec<AgreementInfo>,
    pub parties: Vec<PartyInfo>,
    pub kinds: Vec<KindInfo>,
    pub measures: Vec<Measure>,
    /// In evaluation order: a provision comes after those its conditions read, except
    /// inside a cycle, where the later one reads the earlier one's state of the day before.
    pub provisions: Vec<Provision>,
}

#[derive(Clone, Debug)]
pub struct AgreementInfo {
    pub id: String,
    pub title: String,
    pub signed: Option<Date>,
    pub place: Option<String>,
    pub pax: Option<String>,
    pub source: Option<String>,
    pub file: String,
    pub parties: Vec<(PartyId, Role)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartyInfo {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct KindInfo {
    pub name: String,
    #[serde(serialize_with = "ser_shape")]
    pub shape: KindShape,
    pub description: String,
}

fn ser_shape<S: serde::Serializer>(s: &KindShape, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.as_str())
}

/// A value a filter compares against: a party, or free text (a place, a non-party actor).
#[derive(Clone, Debug, PartialEq)]
pub enum Atom {
    Party(PartyId),
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    In(Field, Vec<Atom>),
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

#[derive(Clone, Debug)]
pub struct Measure {
    pub id: String,
    pub agg: Agg,
    pub kind: KindId,
    pub filter: Option<Filter>,
    pub window: Option<(Time, Time)>,
    pub text: String,
}

/// A point in time that the engine works out as evidence arrives.
#[derive(Clone, Debug, PartialEq)]
pub enum Time {
    Date(Date),
    Met(ProvisionId),
    Breached(ProvisionId),
    Due(ProvisionId),
    First(KindId, Option<Filter>),
    Offset(Duration, Direction, Box<Time>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Met(ProvisionId),
    Breached(ProvisionId),
    Compare(MeasureId, Cmp, f64),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Installments {
    pub step: f64,
    pub every: Duration,
    pub cap: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Duty {
    Achieve { measure: MeasureId, cmp: Cmp, value: f64, deadline: Option<Time>, then: Option<Installments> },
    Perform { kind: KindId, filter: Option<Filter>, deadline: Option<Time> },
    Forbid { kind: KindId, filter: Option<Filter>, from: Time, until: Option<Time> },
    Maintain { measure: MeasureId, cmp: Cmp, value: f64, from: Time, until: Option<Time> },
    Reduce { measure: MeasureId, percent: f64, during: (Time, Time), against: (Time, Time) },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Consequence {
    pub on: OnEvent,
    pub action: Action,
    pub target: ProvisionId,
}

#[derive(Clone, Debug)]
pub struct Provision {
    /// `agreement.provision`, unique in the case.
    pub key: String,
    pub agreement: usize,
    pub id: String,
    pub title: String,
    pub cites: Option<String>,
    pub text: Option<String>,
    pub obligors: Vec<PartyId>,
    pub beneficiaries: Vec<PartyId>,
    pub scope: Option<String>,
    pub trigger: Option<Time>,
    pub provided: Option<Cond>,
    pub duty: Option<Duty>,
    pub unmonitorable: Option<String>,
    pub consequences: Vec<Consequence>,
    pub sources: Vec<String>,
    /// The rule lines as written in canonical form, quoted in explanations.
    pub rules: Vec<String>,
    /// `file:line:col` of the provision, for people to find it.
    pub location: String,
    /// Position in the source (files in the order given), for listing provisions as written.
    pub source_order: usize,
}

impl Case {
    pub fn provision_by_key(&self, key: &str) -> Option<ProvisionId> {
        self.provisions.iter().position(|p| p.key == key)
    }

    /// Finds a provision by `agreement.id`, by bare id when unique, accepting `-` for `_`.
    pub fn find_provision(&self, name: &str) -> Result<ProvisionId, String> {
        let norm = name.replace('-', "_");
        if let Some(i) = self.provision_by_key(&norm) {
            return Ok(i);
        }
        let hits: Vec<usize> = self.provisions.iter().enumerate().filter(|(_, p)| p.id == norm).map(|(i, _)| i).collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => {
                let keys = self.provisions.iter().map(|p| p.id.as_str());
                let hint = pactum_syntax::did_you_mean(&norm, keys).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                Err(format!("no provision `{name}` in this case{hint}"))
            }
            many => {
                let keys: Vec<&str> = many.iter().map(|i| self.provisions[*i].key.as_str()).collect();
                Err(format!("`{name}` names several provisions: {}; write one of them in full", keys.join(", ")))
            }
        }
    }

    /// Resolves an evidence actor or target (an id or an alias, any case) to a party.
    pub fn party_by_name(&self, name: &str) -> Option<PartyId> {
        let n = name.trim();
        self.parties.iter().position(|p| {
            p.id.eq_ignore_ascii_case(n) || p.name.eq_ignore_ascii_case(n) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(n))
        })
    }

    pub fn kind_by_name(&self, name: &str) -> Option<KindId> {
        self.kinds.iter().position(|k| k.name == name)
    }
}

/// The kinds of evidence every case knows (see docs/evidence-format.md).
pub const BUILTIN_KINDS: &[(&str, KindShape, &str)] = &[
    ("troop_level", KindShape::Level, "troops present on a date"),
    ("base_withdrawal", KindShape::Count, "bases left by a force"),
    ("prisoners_released_total", KindShape::Level, "cumulative number of prisoners released by a date"),
    ("prisoner_release", KindShape::Count, "prisoners released in one event"),
    ("attack", KindShape::Count, "attacks"),
    ("airstrike", KindShape::Count, "air strikes"),
    ("incidents_per_day", KindShape::Level, "average incidents a day over a period"),
    ("talks_started", KindShape::Event, "negotiations opened"),
    ("talks_suspended", KindShape::Event, "a side walked out of or suspended talks"),
    ("ceasefire", KindShape::Event, "a ceasefire declared"),
    ("decision", KindShape::Event, "a decree, resolution, order or decision"),
    ("unsc_endorsement", KindShape::Event, "the UN Security Council endorsed an agreement"),
    ("sanctions_lifted", KindShape::Count, "names removed from a sanctions list"),
    ("terrorist_ties", KindShape::Event, "a side reported to host or keep ties with a listed group"),
    ("statement", KindShape::Event, "a public statement"),
];
