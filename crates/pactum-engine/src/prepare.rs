//! Evidence made ready for one case: kinds and parties resolved, corrections and retractions
//! applied, denials linked to what they deny, and a fixed order that does not depend on the
//! order of the input rows.

use pactum_base::{Date, Quantity};
use pactum_check::model::{Atom, Case, Filter, KindId, PartyId};
use pactum_evidence::{EvidenceError, Item, Relation};
use pactum_syntax::ast::Field;

/// Who an evidence row names: a party of the case, or a name pactum does not know.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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

/// Cloning copies the active list and shares the items: a server extends a copy while
/// requests still read the original.
#[derive(Clone)]
pub struct Prepared {
    /// Every item read, as read (sorted by id), for citations.
    /// Shared, because the earliest-dates reading of the same evidence needs the same items.
    pub items: std::sync::Arc<Vec<Item>>,
    /// The items that count as evidence, sorted by (date, id).
    pub active: Vec<PItem>,
}

/// Which date of an item with a ranged date an evaluation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// The last day it could have happened (`PItem::date`): the normal reading.
    Latest,
    /// The first day it could have happened (`PItem::first`): the most favourable reading.
    Earliest,
}

/// An item that stands for nothing: fills the slots of an in-place merge, never kept.
fn placeholder_item() -> Item {
    Item {
        id: String::new(),
        date: pactum_base::DateRange { first: Date::from_days(0), last: Date::from_days(0) },
        kind: String::new(),
        actor: None,
        target: None,
        quantity: None,
        place: None,
        rel: Relation::Asserts,
        reference: None,
        source: pactum_evidence::Source { outlet: String::new(), date: String::new(), title: None, url: None },
        note: None,
        origin: pactum_evidence::Origin { file: String::new(), row: 0 },
    }
}

fn placeholder_pitem() -> PItem {
    PItem {
        item: 0,
        date: Date::from_days(0),
        first: Date::from_days(0),
        kind: 0,
        actor: None,
        target: None,
        place: None,
        quantity: None,
        denied_by: Vec::new(),
    }
}

/// Merges `add` (sorted) into `v` (sorted) in place, moving only the elements of `v` that end up
/// after the first element of `add`; `add_first(a, b)` says whether the new `a` goes before the
/// old `b` (on ties, old elements first). No second copy of `v` is made.
fn merge_in<T>(v: &mut Vec<T>, mut add: Vec<T>, placeholder: fn() -> T, add_first: impl Fn(&T, &T) -> bool) {
    let (n, k) = (v.len(), add.len());
    if k == 0 {
        return;
    }
    v.reserve_exact(k);
    if n == 0 || !add_first(&add[0], &v[n - 1]) {
        v.append(&mut add);
        return;
    }
    v.resize_with(n + k, placeholder);
    let (mut i, mut j, mut w) = (n, k, n + k);
    while j > 0 {
        w -= 1;
        if i > 0 && add_first(&add[j - 1], &v[i - 1]) {
            v.swap(i - 1, w);
            i -= 1;
        } else {
            std::mem::swap(&mut v[w], &mut add[j - 1]);
            j -= 1;
        }
    }
}

/// Sorts items by id, stably (rows with the same id keep their input order), without the
/// scratch copy of the items a stable sort of the items themselves would make: the permutation
/// is sorted, then applied in place.
fn sort_by_id(items: &mut [Item]) {
    if items.windows(2).all(|w| w[0].id <= w[1].id) {
        return;
    }
    let mut perm: Vec<usize> = (0..items.len()).collect();
    perm.sort_by(|&a, &b| items[a].id.cmp(&items[b].id));
    // Position `i` receives the item at `perm[i]`: follow each cycle once.
    for start in 0..perm.len() {
        let mut cur = start;
        loop {
            let next = perm[cur];
            perm[cur] = usize::MAX;
            if next == usize::MAX || next == start {
                break;
            }
            items.swap(cur, next);
            cur = next;
        }
    }
}

/// The index of the last item with this id, in items sorted by id.
fn last_with_id(items: &[Item], id: &str) -> Option<usize> {
    let p = items.partition_point(|x| x.id.as_str() <= id);
    (p > 0 && items[p - 1].id == id).then(|| p - 1)
}

/// Items with the same id from two files: [`pactum_evidence::check_references`]'s message,
/// naming the item just before in id order.
fn duplicate_error(it: &Item, before: &Item) -> EvidenceError {
    EvidenceError {
        file: it.origin.file.clone(),
        row: it.origin.row,
        field: Some("id".into()),
        message: format!("the id `{}` is already used in {} row {}", it.id, before.origin.file, before.origin.row),
        help: None,
    }
}

fn missing_reference_error(it: &Item, r: &str) -> EvidenceError {
    EvidenceError {
        file: it.origin.file.clone(),
        row: it.origin.row,
        field: Some("ref".into()),
        message: format!("no item has the id `{r}`"),
        help: None,
    }
}

fn unknown_kind_error(case: &Case, it: &Item) -> EvidenceError {
    let hint = pactum_syntax::did_you_mean(&it.kind, case.kinds.iter().map(|k| k.name.as_str()));
    EvidenceError {
        file: it.origin.file.clone(),
        row: it.origin.row,
        field: Some("kind".into()),
        message: format!("the case has no kind `{}`", it.kind),
        help: Some(match hint {
            Some(h) => format!("did you mean `{h}`?"),
            None => format!("declare it in the agreement with `kind {} event` (or `count`, `level`)", it.kind),
        }),
    }
}

/// The engine's view of item `index`, or `None` when it is not evidence: a denial says
/// something did not happen, so it is evidence of a statement, never of the kind it denies.
fn pitem(case: &Case, it: &Item, index: usize, kind: KindId, denied_by: Vec<usize>) -> Option<PItem> {
    if it.rel == Relation::Denies && it.kind != "statement" {
        return None;
    }
    let who = |s: &Option<String>| {
        s.as_ref().map(|n| match case.party_by_name(n) {
            Some(p) => Who::Party(p),
            None => Who::Other(n.clone()),
        })
    };
    Some(PItem {
        item: index,
        date: it.date.last,
        first: it.date.first,
        kind,
        actor: who(&it.actor),
        target: who(&it.target),
        place: it.place.clone(),
        quantity: it.quantity,
        denied_by,
    })
}

fn sorted_errors(mut errors: Vec<EvidenceError>) -> Vec<EvidenceError> {
    errors.sort_by(|a, b| (&a.file, a.row).cmp(&(&b.file, b.row)));
    errors
}

/// Resolves evidence against a case. Rows whose kind the case does not know are errors
/// (a misspelt kind would otherwise drop the row silently).
pub fn prepare(case: &Case, mut items: Vec<Item>) -> Result<Prepared, Vec<EvidenceError>> {
    sort_by_id(&mut items);
    // What `pactum_evidence::check_references` finds, read off the sorted items: the same ids
    // are neighbours, and a reference is found by binary search (it names the last item with
    // that id, as a map from id to index would).
    let mut errors = Vec::new();
    for w in items.windows(2) {
        if w[0].id == w[1].id && w[0].origin.file != w[1].origin.file {
            errors.push(duplicate_error(&w[1], &w[0]));
        }
    }
    let mut removed = vec![false; items.len()];
    let mut denied_by: Vec<(usize, usize)> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let Some(r) = it.reference.as_deref() else { continue };
        let target = last_with_id(&items, r);
        if target.is_none() {
            errors.push(missing_reference_error(it, r));
        }
        match (it.rel, target) {
            (Relation::Corrects, Some(t)) => removed[t] = true,
            (Relation::Retracts, Some(t)) => {
                removed[t] = true;
                removed[i] = true;
            }
            (Relation::Denies, Some(t)) => denied_by.push((t, i)),
            _ => {}
        }
    }
    // (denied, denier), in denier order within each denied item.
    denied_by.sort_by_key(|&(t, i)| (t, i));
    let mut deniers = denied_by.iter().peekable();
    let mut active = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let mut mine = Vec::new();
        while let Some(&&(t, d)) = deniers.peek() {
            if t > i {
                break;
            }
            if t == i {
                mine.push(d);
            }
            deniers.next();
        }
        let Some(kind) = case.kind_by_name(&it.kind) else {
            errors.push(unknown_kind_error(case, it));
            continue;
        };
        if removed[i] || !errors.is_empty() {
            continue;
        }
        active.extend(pitem(case, it, i, kind, mine));
    }
    if !errors.is_empty() {
        return Err(sorted_errors(errors));
    }
    // Items are sorted by id, so their index orders them by id too: no string comparisons.
    active.sort_by_key(|a| (a.date, a.item));
    Ok(Prepared { items: std::sync::Arc::new(items), active })
}

impl Prepared {
    /// Adds new evidence to what is already prepared, in memory: nothing already held is read
    /// again from its files or its store. The result is the same as `prepare` of the old and
    /// the new items together; on error nothing changes.
    ///
    /// Only the new items are sorted, checked and resolved (against the held items by binary
    /// search on their ids); corrections, retractions and denials of held items are applied to
    /// `active`; then both lists are merged in place. When a new item reuses a held id (allowed
    /// only within one file), every reference to that id may change target, and everything is
    /// prepared again.
    pub fn extend(&mut self, case: &Case, mut new: Vec<Item>) -> Result<(), Vec<EvidenceError>> {
        if new.is_empty() {
            return Ok(());
        }
        sort_by_id(&mut new);
        let old: &[Item] = &self.items;
        if new.iter().any(|it| last_with_id(old, &it.id).is_some()) {
            let mut all: Vec<Item> = old.to_vec();
            all.extend(new);
            *self = prepare(case, all)?;
            return Ok(());
        }
        let (n, k) = (old.len(), new.len());
        // Where each new item lands: after the `at[j]` held items with a smaller id.
        let at: Vec<usize> = new.iter().map(|it| old.partition_point(|x| x.id < it.id)).collect();
        let new_index = |j: usize| at[j] + j;
        let shifted = at.first().is_some_and(|&a| a < n);
        let old_index = |i: usize| if shifted { i + at.partition_point(|&a| a <= i) } else { i };

        let mut errors = Vec::new();
        for j in 1..k {
            if new[j].id == new[j - 1].id && new[j].origin.file != new[j - 1].origin.file {
                errors.push(duplicate_error(&new[j], &new[j - 1]));
            }
        }
        enum Target {
            Old(usize),
            New(usize),
        }
        let mut removed_new = vec![false; k];
        let mut denied_new: Vec<Vec<usize>> = vec![Vec::new(); k];
        // Held items removed, and (held item, new denier's index) pairs: in held numbering.
        let mut removed_old: Vec<usize> = Vec::new();
        let mut denied_old: Vec<(usize, usize)> = Vec::new();
        for (j, it) in new.iter().enumerate() {
            let Some(r) = it.reference.as_deref() else { continue };
            let target = match last_with_id(&new, r) {
                Some(t) => Some(Target::New(t)),
                None => last_with_id(old, r).map(Target::Old),
            };
            match (it.rel, target) {
                (_, None) => errors.push(missing_reference_error(it, r)),
                (Relation::Corrects, Some(Target::New(t))) => removed_new[t] = true,
                (Relation::Corrects, Some(Target::Old(t))) => removed_old.push(t),
                (Relation::Retracts, Some(t)) => {
                    removed_new[j] = true;
                    match t {
                        Target::New(t) => removed_new[t] = true,
                        Target::Old(t) => removed_old.push(t),
                    }
                }
                (Relation::Denies, Some(Target::New(t))) => denied_new[t].push(new_index(j)),
                (Relation::Denies, Some(Target::Old(t))) => denied_old.push((t, new_index(j))),
                _ => {}
            }
        }
        let mut fresh = Vec::new();
        for (j, it) in new.iter().enumerate() {
            let Some(kind) = case.kind_by_name(&it.kind) else {
                errors.push(unknown_kind_error(case, it));
                continue;
            };
            if removed_new[j] || !errors.is_empty() {
                continue;
            }
            fresh.extend(pitem(case, it, new_index(j), kind, std::mem::take(&mut denied_new[j])));
        }
        if !errors.is_empty() {
            return Err(sorted_errors(errors));
        }

        // Renumber the held items: their order does not change, so `active` stays sorted.
        if shifted {
            for a in &mut self.active {
                a.item = old_index(a.item);
                for d in &mut a.denied_by {
                    *d = old_index(*d);
                }
            }
        }
        // Held items a new item corrects or retracts leave `active`; those it denies record it.
        let mut removed: Vec<usize> = removed_old.iter().map(|&t| old_index(t)).collect();
        removed.sort_unstable();
        removed.dedup();
        if !removed.is_empty() {
            self.active.retain(|a| removed.binary_search(&a.item).is_err());
        }
        for &(t, d) in &denied_old {
            let key = (old[t].date.last, old_index(t));
            let p = self.active.partition_point(|a| (a.date, a.item) < key);
            if let Some(a) = self.active.get_mut(p).filter(|a| a.item == key.1) {
                let q = a.denied_by.partition_point(|&x| x < d);
                a.denied_by.insert(q, d);
            }
        }
        fresh.sort_by_key(|a| (a.date, a.item));
        merge_in(&mut self.active, fresh, placeholder_pitem, |x, y| (x.date, x.item) < (y.date, y.item));
        let items = std::sync::Arc::make_mut(&mut self.items);
        merge_in(items, new, placeholder_item, |x, y| x.id < y.id);
        Ok(())
    }

    /// The order in which the earliest reading sees `active`: its indices sorted by (first
    /// day, item index), which is (first day, id), with no string comparisons and no copies of
    /// the items.
    pub fn earliest_order(&self) -> Vec<usize> {
        let mut keys: Vec<(Date, usize, usize)> = self.active.iter().enumerate().map(|(i, a)| (a.first, a.item, i)).collect();
        keys.sort_unstable();
        keys.into_iter().map(|k| k.2).collect()
    }

    /// The first day an item is dated on, in a reading.
    pub fn first_day(&self, reading: Reading) -> Option<Date> {
        match reading {
            Reading::Latest => self.active.first().map(|a| a.date),
            Reading::Earliest => self.active.iter().map(|a| a.first).min(),
        }
    }

    /// The same evidence with every ranged date taken at its first day instead of its last:
    /// the most favourable reading of when things happened. (The engine itself evaluates that
    /// reading from [`Prepared::earliest_order`], without this copy.)
    pub fn earliest_reading(&self) -> Prepared {
        let active = self
            .earliest_order()
            .into_iter()
            .map(|i| {
                let mut a = self.active[i].clone();
                a.date = a.first;
                a
            })
            .collect();
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
