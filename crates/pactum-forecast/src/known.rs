//! What a monitor could know on a date: no look-ahead.

use pactum_base::{Date, DateRange};
use pactum_evidence::Item;
use std::collections::HashSet;

/// The first day the item's source could have been published (as `pactum_store::source_day`).
pub fn source_day(item: &Item) -> Option<Date> {
    DateRange::parse(&item.source.date).ok().map(|r| r.first)
}

/// The items known on `day`: dated on or before it (every day of a ranged date: a fact that
/// may still be happening is not known yet) and published on or before it. A correction,
/// retraction or denial of an item that is not known yet is dropped too.
pub fn known_on(items: &[Item], day: Date) -> Vec<Item> {
    let mut keep: Vec<bool> = items.iter().map(|it| it.date.last <= day && source_day(it).is_none_or(|d| d <= day)).collect();
    loop {
        let ids: HashSet<&str> = items.iter().zip(&keep).filter(|(_, k)| **k).map(|(it, _)| it.id.as_str()).collect();
        let mut changed = false;
        for (it, k) in items.iter().zip(keep.iter_mut()) {
            if *k && it.reference.as_deref().is_some_and(|r| !ids.contains(r)) {
                *k = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    items.iter().zip(&keep).filter(|(_, k)| **k).map(|(it, _)| it.clone()).collect()
}
