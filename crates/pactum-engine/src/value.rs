//! What a measure reads on a day: a range of possible values, because reports are approximate
//! and some are contested.

use pactum_syntax::ast::Cmp;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Value {
    pub lo: f64,
    pub hi: f64,
    /// No evidence at all (for `latest`, `min`, `max`; a count of nothing is zero, not empty).
    pub empty: bool,
    /// The range is wide because sources disagree (a denial, or same-day reports that do not overlap).
    pub disputed: bool,
    /// The only readings are denied, so there may be no reading at all.
    pub maybe_empty: bool,
}

impl Value {
    pub const EMPTY: Value = Value { lo: 0.0, hi: 0.0, empty: true, disputed: false, maybe_empty: false };
    pub const ZERO: Value = Value { lo: 0.0, hi: 0.0, empty: false, disputed: false, maybe_empty: false };
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.empty {
            return write!(f, "none reported");
        }
        let q = pactum_base::Quantity { low: self.lo, high: self.hi };
        write!(f, "{q}")
    }
}

/// Three-valued truth: evidence can establish a fact, rule it out, or leave it open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    pub fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }

    pub fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
}

/// Compares a range with a threshold: true if every possible value passes, false if none does.
/// No reading at all is false: nothing has been shown.
pub fn compare(v: Value, cmp: Cmp, t: f64) -> Tri {
    if v.empty {
        return Tri::False;
    }
    let (all, none) = match cmp {
        Cmp::Ge | Cmp::AtLeast | Cmp::UpTo => (v.lo >= t, v.hi < t),
        Cmp::Gt => (v.lo > t, v.hi <= t),
        Cmp::Le | Cmp::AtMost => (v.hi <= t, v.lo > t),
        Cmp::Lt => (v.hi < t, v.lo >= t),
        Cmp::Eq => (v.lo == t && v.hi == t, t < v.lo || t > v.hi),
    };
    if all && v.maybe_empty {
        // True of every reading, but the readings may all be false reports.
        Tri::Unknown
    } else if all {
        Tri::True
    } else if none {
        Tri::False
    } else {
        Tri::Unknown
    }
}
