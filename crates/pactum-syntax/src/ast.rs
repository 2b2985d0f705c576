//! The syntax tree. Every node keeps its span; items keep the comments written above them.
//!
//! Equality (`PartialEq`) ignores spans, so that a tree can be compared with the tree of its
//! formatted text.

use crate::source::Span;

/// A name written in the source.
#[derive(Clone, Debug)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

impl PartialEq for Ident {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
    }
}

/// A literal with its source text and span (numbers, dates, strings, durations).
#[derive(Clone, Debug)]
pub struct Lit<T> {
    pub value: T,
    pub span: Span,
}

impl<T: PartialEq> PartialEq for Lit<T> {
    fn eq(&self, o: &Self) -> bool {
        self.value == o.value
    }
}

/// A number as written, kept as text so formatting reproduces it exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub text: String,
    pub value: f64,
}

/// An item plus the `//` comments directly above it and whether a blank line preceded it.
#[derive(Clone, Debug)]
pub struct Node<T> {
    pub comments: Vec<String>,
    pub blank_before: bool,
    pub node: T,
    pub span: Span,
}

impl<T: PartialEq> PartialEq for Node<T> {
    fn eq(&self, o: &Self) -> bool {
        self.comments == o.comments && self.node == o.node
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct File {
    pub items: Vec<Node<TopItem>>,
    /// Comments after the last item.
    pub trailing: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TopItem {
    Agreement(Agreement),
    Kind(KindDecl),
    Measure(MeasureDecl),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Agreement {
    pub id: Ident,
    pub title: Lit<String>,
    pub items: Vec<Node<AgreementItem>>,
    pub trailing: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AgreementItem {
    /// `signed 2020-02-29 at "Doha"`
    Signed {
        date: Lit<String>,
        place: Option<Lit<String>>,
    },
    /// `pax 2271`: the PA-X database id of the agreement.
    Pax(Lit<Number>),
    /// `source "..."`: where the text of the agreement comes from.
    Source(Lit<String>),
    Party(Party),
    Kind(KindDecl),
    Measure(MeasureDecl),
    Provision(Provision),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Signatory,
    NotSignatory,
    Witness,
    Guarantor,
    Mediator,
    ThirdParty,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Signatory => "signatory",
            Role::NotSignatory => "not signatory",
            Role::Witness => "witness",
            Role::Guarantor => "guarantor",
            Role::Mediator => "mediator",
            Role::ThirdParty => "third party",
        }
    }
}

/// `party gov "Islamic Republic of Afghanistan" not signatory aka "Afghan government"`
#[derive(Clone, Debug, PartialEq)]
pub struct Party {
    pub id: Ident,
    pub name: Lit<String>,
    pub role: Lit<Role>,
    pub aliases: Vec<Lit<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindShape {
    /// Each item is a reading of a level at a date (troops present).
    Level,
    /// Each item is a number of things that happened (prisoners released, attacks).
    Count,
    /// Each item is one occurrence; it carries no quantity (talks started).
    Event,
}

impl KindShape {
    pub fn as_str(self) -> &'static str {
        match self {
            KindShape::Level => "level",
            KindShape::Count => "count",
            KindShape::Event => "event",
        }
    }
}

/// `kind base_withdrawal count "bases handed over"`
#[derive(Clone, Debug, PartialEq)]
pub struct KindDecl {
    pub id: Ident,
    pub shape: Lit<KindShape>,
    pub description: Option<Lit<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    Count,
    Sum,
    Latest,
    Min,
    Max,
}

impl Agg {
    pub fn as_str(self) -> &'static str {
        match self {
            Agg::Count => "count",
            Agg::Sum => "sum",
            Agg::Latest => "latest",
            Agg::Min => "min",
            Agg::Max => "max",
        }
    }
}

/// `measure us_troops = latest(troop_level where actor = us)`
#[derive(Clone, Debug, PartialEq)]
pub struct MeasureDecl {
    pub id: Ident,
    pub agg: Lit<Agg>,
    pub kind: Ident,
    pub filter: Option<Filter>,
    pub window: Option<Window>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Actor,
    Target,
    Place,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Actor => "actor",
            Field::Target => "target",
            Field::Place => "place",
        }
    }
}

/// A value in a filter: a party id (bare name) or text (a quoted place name).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Name(Ident),
    Text(Lit<String>),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Name(i) => i.span,
            Value::Text(l) => l.span,
        }
    }
}

/// Which evidence items a measure or a duty looks at.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    Eq(Lit<Field>, Value),
    In(Lit<Field>, Vec<Value>),
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

/// `2020-02-22 .. 2020-02-28`: both ends included.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub from: TimeExpr,
    pub until: TimeExpr,
}

/// A reference to a provision, optionally qualified by its agreement: `part_one_c` or
/// `doha_2020.part_one_c`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ref {
    pub agreement: Option<Ident>,
    pub id: Ident,
}

impl Ref {
    pub fn span(&self) -> Span {
        match &self.agreement {
            Some(a) => a.span.to(self.id.span),
            None => self.id.span,
        }
    }

    pub fn display(&self) -> String {
        match &self.agreement {
            Some(a) => format!("{}.{}", a.name, self.id.name),
            None => self.id.name.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    After,
    Before,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DurationLit {
    pub amount: Lit<Number>,
    pub unit: Lit<pactum_base::DurationUnit>,
}

/// A point in time that may depend on what happens: a date, the signing, when another
/// provision is met or breached or falls due, the first matching event, or an offset from one.
#[derive(Clone, Debug, PartialEq)]
pub enum TimeExpr {
    Date(Lit<String>),
    Signing(Lit<()>),
    Met(Ref),
    Breached(Ref),
    Due(Ref),
    First { kind: Ident, filter: Option<Filter>, at: Lit<()> },
    Offset { amount: DurationLit, direction: Direction, base: Box<TimeExpr> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Le,
    Ge,
    Lt,
    Gt,
    Eq,
    /// `at least N`: a floor; more is fine.
    AtLeast,
    /// `at most N`: a ceiling.
    AtMost,
    /// `up to N`: a cap that is also the target; more than the cap is reported.
    UpTo,
}

impl Cmp {
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Le => "<=",
            Cmp::Ge => ">=",
            Cmp::Lt => "<",
            Cmp::Gt => ">",
            Cmp::Eq => "==",
            Cmp::AtLeast => "at least",
            Cmp::AtMost => "at most",
            Cmp::UpTo => "up to",
        }
    }
}

/// `us_troops <= 8600`, `taliban_freed up to 5000`
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub measure: Ident,
    pub cmp: Lit<Cmp>,
    pub value: Lit<Number>,
}

/// A condition on other provisions and on measures.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Met(Ref),
    Breached(Ref),
    Compare(Target),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Deadline {
    /// `by TIME`
    By(TimeExpr),
    /// `within DURATION of TIME`
    Within(DurationLit, TimeExpr),
}

/// `from TIME [until TIME]`
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    pub from: TimeExpr,
    pub until: Option<TimeExpr>,
}

/// `then +500 every 2 weeks up to 5000`
#[derive(Clone, Debug, PartialEq)]
pub struct Installments {
    pub step: Lit<Number>,
    pub every: DurationLit,
    pub cap: Lit<Number>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Duty {
    /// Reach a state by a deadline, optionally in instalments.
    Achieve { target: Target, deadline: Option<Deadline>, then: Option<Installments> },
    /// Make an event happen by a deadline.
    Perform { kind: Ident, filter: Option<Filter>, deadline: Option<Deadline> },
    /// Never let an event happen over a period.
    Forbid { kind: Ident, filter: Option<Filter>, period: Period },
    /// Hold a level over a period.
    Maintain { target: Target, period: Period },
    /// Bring a rate down against a baseline window.
    Reduce { measure: Ident, percent: Lit<Number>, during: Window, against: Window },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnEvent {
    Breach,
    Met,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Suspend,
    Resume,
    Terminate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Terminate => "terminate",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProvisionItem {
    Text(Lit<String>),
    Obligor(Vec<Ident>),
    Beneficiary(Vec<Ident>),
    Scope(Lit<String>),
    Trigger(TimeExpr),
    Provided(Cond),
    Duty(Duty),
    Unmonitorable(Lit<String>),
    On { event: Lit<OnEvent>, action: Lit<Action>, target: Ref },
    Source(Lit<String>),
    Restates(Ref),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Provision {
    /// Whether the parser skipped part of the provision after a syntax error; later checks
    /// then stay quiet about what may be missing, to avoid reporting one mistake twice.
    pub recovered: bool,
    pub id: Ident,
    pub title: Lit<String>,
    pub cites: Option<Lit<String>>,
    pub items: Vec<Node<ProvisionItem>>,
    pub trailing: Vec<String>,
}
