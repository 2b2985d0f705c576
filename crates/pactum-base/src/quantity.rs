use std::fmt;

/// A reported number: exact, or the range of values an approximate report allows
/// ("mid-8,000s" is 8,400..8,600).
#[derive(Clone, Copy, PartialEq, Debug, serde::Serialize)]
pub struct Quantity {
    pub low: f64,
    pub high: f64,
}

impl Quantity {
    pub fn exact(v: f64) -> Quantity {
        Quantity { low: v, high: v }
    }

    pub fn is_exact(&self) -> bool {
        self.low == self.high
    }

    /// Parses `8600`, `8,600`, `-3`, `2.5` or `8400..8600`.
    pub fn parse(s: &str) -> Result<Quantity, String> {
        let s = s.trim();
        let num = |t: &str| -> Result<f64, String> {
            let cleaned: String = t.trim().chars().filter(|c| *c != ',' && *c != '_').collect();
            match cleaned.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(format!("`{t}` is not a number")),
            }
        };
        if let Some((a, b)) = s.split_once("..") {
            let (low, high) = (num(a)?, num(b)?);
            if high < low {
                return Err(format!("the range `{s}` has its high end below its low end"));
            }
            return Ok(Quantity { low, high });
        }
        num(s).map(Quantity::exact)
    }

    pub fn overlaps(&self, other: &Quantity) -> bool {
        self.low <= other.high && other.low <= self.high
    }
}

/// Formats a number the way reports write it: 8600, 8400.5.
pub fn fmt_num(v: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        write!(f, "{}", v as i64)
    } else {
        write!(f, "{v}")
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_num(self.low, f)?;
        if !self.is_exact() {
            write!(f, "..")?;
            fmt_num(self.high, f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        assert_eq!(Quantity::parse("8,600").unwrap(), Quantity::exact(8600.0));
        assert_eq!(Quantity::parse("8400..8600").unwrap().to_string(), "8400..8600");
        assert!(Quantity::parse("8600..8400").is_err());
        assert!(Quantity::parse("many").is_err());
        assert!(Quantity::parse("NaN").is_err());
    }
}
