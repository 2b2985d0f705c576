use std::fmt;

/// A calendar day (proleptic Gregorian), stored as days since 1970-01-01.
///
/// pactum works in whole days: agreements set deadlines in days, and the evidence
/// of peace processes is rarely more precise than a day.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Date(i32);

impl Date {
    pub const MIN: Date = Date(-719_162); // 0001-01-01
    pub const MAX: Date = Date(2_932_896); // 9999-12-31

    /// The date for a year, month (1-12) and day, if it exists.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Date(days_from_civil(y, m, d)))
    }

    pub fn from_days(days: i32) -> Date {
        Date(days.clamp(Date::MIN.0, Date::MAX.0))
    }

    pub fn days(self) -> i32 {
        self.0
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let y = parse_digits(&s[0..4])?;
        let m = parse_digits(&s[5..7])?;
        let d = parse_digits(&s[8..10])?;
        Date::from_ymd(y as i32, m, d)
    }

    pub fn add_days(self, n: i64) -> Date {
        let v = (self.0 as i64 + n).clamp(Date::MIN.0 as i64, Date::MAX.0 as i64);
        Date(v as i32)
    }

    /// Adds calendar months; the day is clamped to the end of a shorter month
    /// (31 January plus one month is 28 or 29 February), as deadlines are read.
    pub fn add_months(self, n: i64) -> Date {
        let (y, m, d) = self.ymd();
        let total = y as i64 * 12 + (m as i64 - 1) + n;
        let ny = total.div_euclid(12);
        let nm = total.rem_euclid(12) as u32 + 1;
        if ny < 1 {
            return Date::MIN;
        }
        if ny > 9999 {
            return Date::MAX;
        }
        let nd = d.min(days_in_month(ny as i32, nm));
        Date(days_from_civil(ny as i32, nm, nd))
    }

    pub fn plus(self, d: Duration) -> Date {
        match d.unit {
            DurationUnit::Days => self.add_days(d.amount),
            DurationUnit::Weeks => self.add_days(d.amount.saturating_mul(7)),
            DurationUnit::Months => self.add_months(d.amount),
            DurationUnit::Years => self.add_months(d.amount.saturating_mul(12)),
        }
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.0 as i64 - self.0 as i64
    }

    /// The first and last day of a month.
    pub fn month_bounds(y: i32, m: u32) -> Option<(Date, Date)> {
        let first = Date::from_ymd(y, m, 1)?;
        let last = Date::from_ymd(y, m, days_in_month(y, m))?;
        Some((first, last))
    }
}

fn parse_digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(s: String) -> Result<Date, String> {
        Date::parse(&s).ok_or_else(|| format!("`{s}` is not a date; write YYYY-MM-DD"))
    }
}

/// The span of days in which something happened: a single day, or a range when
/// the report is only precise to a month or a period.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize)]
pub struct DateRange {
    pub first: Date,
    pub last: Date,
}

impl DateRange {
    pub fn day(d: Date) -> DateRange {
        DateRange { first: d, last: d }
    }

    pub fn is_exact(&self) -> bool {
        self.first == self.last
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or `A..B` where A and B are any of those.
    pub fn parse(s: &str) -> Result<DateRange, String> {
        let s = s.trim();
        if let Some((a, b)) = s.split_once("..") {
            let a = DateRange::parse_one(a.trim())?;
            let b = DateRange::parse_one(b.trim())?;
            if b.last < a.first {
                return Err(format!("the range `{s}` ends before it starts"));
            }
            return Ok(DateRange { first: a.first, last: b.last });
        }
        DateRange::parse_one(s)
    }

    fn parse_one(s: &str) -> Result<DateRange, String> {
        let bad = || format!("`{s}` is not a date; write YYYY-MM-DD, YYYY-MM, YYYY or FIRST..LAST");
        match s.len() {
            10 => Date::parse(s).map(DateRange::day).ok_or_else(bad),
            7 if s.as_bytes()[4] == b'-' => {
                let y = parse_digits(&s[0..4]).ok_or_else(bad)?;
                let m = parse_digits(&s[5..7]).ok_or_else(bad)?;
                let (first, last) = Date::month_bounds(y as i32, m).ok_or_else(bad)?;
                Ok(DateRange { first, last })
            }
            4 => {
                let y = parse_digits(s).ok_or_else(bad)? as i32;
                let first = Date::from_ymd(y, 1, 1).ok_or_else(bad)?;
                let last = Date::from_ymd(y, 12, 31).ok_or_else(bad)?;
                Ok(DateRange { first, last })
            }
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_exact() {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}..{}", self.first, self.last)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DurationUnit {
    Days,
    Weeks,
    Months,
    Years,
}

/// A length of time as an agreement states it ("135 days", "14 months").
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
pub struct Duration {
    pub amount: i64,
    pub unit: DurationUnit,
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match (self.unit, self.amount == 1) {
            (DurationUnit::Days, true) => "day",
            (DurationUnit::Days, false) => "days",
            (DurationUnit::Weeks, true) => "week",
            (DurationUnit::Weeks, false) => "weeks",
            (DurationUnit::Months, true) => "month",
            (DurationUnit::Months, false) => "months",
            (DurationUnit::Years, true) => "year",
            (DurationUnit::Years, false) => "years",
        };
        write!(f, "{} {unit}", self.amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        let signing = Date::parse("2020-02-29").unwrap();
        assert_eq!(signing.add_days(135).to_string(), "2020-07-13");
        assert_eq!(signing.add_months(14).to_string(), "2021-04-29");
        assert_eq!(Date::parse("2020-01-31").unwrap().add_months(1).to_string(), "2020-02-29");
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
        assert!(Date::parse("2021-02-29").is_none());
        assert!(Date::parse("2020-13-01").is_none());
    }

    #[test]
    fn ranges() {
        let r = DateRange::parse("2020-03").unwrap();
        assert_eq!(r.to_string(), "2020-03-01..2020-03-31");
        let r = DateRange::parse("2020-03-10..2020-07-14").unwrap();
        assert_eq!((r.first.to_string(), r.last.to_string()), ("2020-03-10".into(), "2020-07-14".into()));
        assert!(DateRange::parse("2020-07-14..2020-03-10").is_err());
        assert!(DateRange::parse("14/07/2020").is_err());
    }

    proptest! {
        #[test]
        fn civil_roundtrip(days in Date::MIN.0..=Date::MAX.0) {
            let d = Date(days);
            let (y, m, dd) = d.ymd();
            prop_assert_eq!(Date::from_ymd(y, m, dd), Some(d));
            prop_assert_eq!(Date::parse(&d.to_string()), Some(d));
        }
    }
}
