//! Evidence made ready for one case: kinds and parties resolved, corrections and retractions
//! applied, denials linked to what they deny, and a fixed order that does not depend on the
//! order of the input rows.

use pactum_base::{Date, Quantity};
use pactum_check::model::{Atom, Case, Filter, KindId, PartyId};
use pactum_evidence::{EvidenceError, Item, Relation};
use pactum_syntax::ast::Field;

/// Who an evidence row names: a party of the case, or a name pactum does not know.
#[derive(Clone, Debug, PartialEq)]
pub enum Who {
    Party(PartyId),
    Other(String),
}

/// An item as the engine sees it.
#[derive(Clone, Debug)]
pub struct PItem {
    /// Index into [`Prepared::items`].
    pub item: usize,
    /// The last day the fact could have happened: when a monitor can be sure of it.
    pub date: Date,
    /// The first day it could have happened.
    pub first: Date,
    pub kind: KindId,
    pub actor: Option<Who>,
    pub target: Option<Who>,
    pub place: Option<String>,
    pub quantity: Option<Quantity>,
    /// Items (indices into [`Prepared::items`]) that deny this one.
    pub denied_by: Vec<usize>,
}

impl PItem {
    pub fn contested(&self) -> bool {
        !self.denied_by.is_empty()
    }
}

pub struct Prepared {
    /// Every item read, as read (sorted by id), for citations.
    /// Shared, because the earliest-dates reading of the same evidence needs the same items.
    pub items: std::sync::Arc<Vec<Item>>,
    /// The items that count as evidence, sorted by (date, id).
    pub active: Vec<PItem>,
}

/// Resolves evidence against a case. Rows whose kind the case does not know are errors
/// (a misspelt kind would otherwise drop the row silently).
pub fn prepare(case: &Case, mut items: Vec<Item>) -> Result<Prepared, Vec<EvidenceError>> {
    items.sort_by(|a, b| a.id.cmp(&b.id));
    let mut errors = pactum_evidence::check_references(&items);
    let index: std::collections::HashMap<&str, usize> = items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i)).collect();
    let mut removed = vec![false; items.len()];
    let mut denied_by: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for (i, it) in items.iter().enumerate() {
        let target = it.reference.as_deref().and_then(|r| index.get(r)).copied();
        match (it.rel, target) {
            (Relation::Corrects, Some(t)) => removed[t] = true,
            (Relation::Retracts, Some(t)) => {
                removed[t] = true;
                removed[i] = true;
            }
            (Relation::Denies, Some(t)) => denied_by[t].push(i),
            _ => {}
        }
    }
    let mut active = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let kind = match case.kind_by_name(&it.kind) {
            Some(k) => k,
            None => {
                let hint = pactum_syntax::did_you_mean(&it.kind, case.kinds.iter().map(|k| k.name.as_str()));
                errors.push(EvidenceError {
                    file: it.origin.file.clone(),
                    row: it.origin.row,
                    field: Some("kind".into()),
                    message: format!("the case has no kind `{}`", it.kind),
                    help: Some(match hint {
                        Some(h) => format!("did you mean `{h}`?"),
                        None => format!("declare it in the agreement with `kind {} event` (or `count`, `level`)", it.kind),
                    }),
                });
                continue;
            }
        };
        if removed[i] {
            continue;
        }
        // A denial says something did not happen: it is evidence of a statement, never of
        // the kind of thing it denies.
        if it.rel == Relation::Denies && it.kind != "statement" {
            continue;
        }
        let who = |s: &Option<String>| {
            s.as_ref().map(|n| match case.party_by_name(n) {
                Some(p) => Who::Party(p),
                None => Who::Other(n.clone()),
            })
        };
        active.push(PItem {
            item: i,
            date: it.date.last,
            first: it.date.first,
            kind,
            actor: who(&it.actor),
            target: who(&it.target),
            place: it.place.clone(),
            quantity: it.quantity,
            denied_by: denied_by[i].clone(),
        });
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.file, a.row).cmp(&(&b.file, b.row)));
        return Err(errors);
    }
    // Items are sorted by id, so their index orders them by id too: no string comparisons.
    active.sort_by_key(|a| (a.date, a.item));
    Ok(Prepared { items: std::sync::Arc::new(items), active })
}

impl Prepared {
    /// Adds new evidence to what is already prepared, in memory: nothing already held is read
    /// again from its files or its store. On error nothing changes.
    pub fn extend(&mut self, case: &Case, new: Vec<Item>) -> Result<(), Vec<EvidenceError>> {
        let mut all: Vec<Item> = self.items.as_ref().clone();
        all.extend(new);
        *self = prepare(case, all)?;
        Ok(())
    }

    /// The same evidence with every ranged date taken at its first day instead of its last:
    /// the most favourable reading of when things happened.
    pub fn earliest_reading(&self) -> Prepared {
        let mut active = self.active.clone();
        for a in &mut active {
            a.date = a.first;
        }
        active.sort_by_key(|a| (a.date, a.item));
        Prepared { items: std::sync::Arc::clone(&self.items), active }
    }

    pub fn has_ranges(&self) -> bool {
        self.active.iter().any(|a| a.first != a.date)
    }
}

fn who_matches(case: &Case, who: &Option<Who>, atom: &Atom) -> bool {
    match (who, atom) {
        (Some(Who::Party(p)), Atom::Party(q)) => p == q,
        (Some(Who::Party(p)), Atom::Text(t)) => {
            let party = &case.parties[*p];
            party.id.eq_ignore_ascii_case(t)
                || party.name.eq_ignore_ascii_case(t)
                || party.aliases.iter().any(|a| a.eq_ignore_ascii_case(t))
        }
        (Some(Who::Other(s)), Atom::Text(t)) => s.eq_ignore_ascii_case(t),
        _ => false,
    }
}

/// Whether an item passes a filter.
pub fn matches(case: &Case, f: &Filter, it: &PItem) -> bool {
    match f {
        Filter::In(field, atoms) => atoms.iter().any(|a| match field {
            Field::Actor => who_matches(case, &it.actor, a),
            Field::Target => who_matches(case, &it.target, a),
            Field::Place => match (&it.place, a) {
                (Some(p), Atom::Text(t)) => p.eq_ignore_ascii_case(t),
                _ => false,
            },
        }),
        Filter::Not(x) => !matches(case, x, it),
        Filter::And(a, b) => matches(case, a, it) && matches(case, b, it),
        Filter::Or(a, b) => matches(case, a, it) || matches(case, b, it),
    }
}
