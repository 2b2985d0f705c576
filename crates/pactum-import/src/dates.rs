//! The date forms the datasets write, and the spans of days that ACLED's precision codes mean.

use pactum_base::{Date, DateRange};

const MONTHS: &[&str] =
    &["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/// Parses an ACLED date: `2020-03-03`, `3 March 2020`, `03 March 2020`, `3-March-2020`, or with the
/// month's first three letters (`3 Mar 2020`).
pub fn acled_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Some(d) = Date::parse(s) {
        return Some(d);
    }
    let mut parts = s.split([' ', '-']).filter(|p| !p.is_empty());
    let day = parts.next()?;
    let month = parts.next()?;
    let year = parts.next()?;
    if parts.next().is_some() || day.len() > 2 || year.len() != 4 {
        return None;
    }
    let day: u32 = digits(day)?;
    let year: u32 = digits(year)?;
    let month = month_number(month)?;
    Date::from_ymd(year as i32, month, day)
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let found = MONTHS.iter().position(|m| *m == lower || (lower.len() == 3 && m.starts_with(lower.as_str())))?;
    Some(found as u32 + 1)
}

/// Parses `YYYY-MM-DD`, allowing a time after it (`2020-03-03 00:00:00.000`, `2020-03-03T00:00:00`),
/// as some UCDP downloads write.
pub fn iso_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() > 10 {
        let rest = &s.as_bytes()[10];
        if *rest != b' ' && *rest != b'T' {
            return None;
        }
        return Date::parse(s.get(..10)?);
    }
    Date::parse(s)
}

/// Parses GDELT's `YYYYMMDD` (SQLDATE), or the first eight digits of `YYYYMMDDHHMMSS` (DATEADDED).
pub fn compact_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if !(s.len() == 8 || s.len() == 14) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y = digits(s.get(0..4)?)?;
    let m = digits(s.get(4..6)?)?;
    let d = digits(s.get(6..8)?)?;
    Date::from_ymd(y as i32, m, d)
}

/// The day (UTC) of a Unix time in seconds.
pub fn unix_day(s: &str) -> Option<Date> {
    let s = s.trim();
    let secs: i64 = if let Some((whole, frac)) = s.split_once('.') {
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        whole.parse().ok()?
    } else {
        s.parse().ok()?
    };
    let days = secs.div_euclid(86_400);
    let d = Date::from_days(i32::try_from(days).ok()?);
    (d.days() as i64 == days).then_some(d)
}

/// The ISO week (Monday to Sunday) that holds a day.
pub fn iso_week(d: Date) -> DateRange {
    // 1970-01-01, day 0, was a Thursday: Monday-based weekday 3.
    let weekday = (d.days() as i64 + 3).rem_euclid(7);
    let first = d.add_days(-weekday);
    DateRange { first, last: first.add_days(6) }
}

/// The calendar month that holds a day.
pub fn month_of(d: Date) -> DateRange {
    let (y, m, _) = d.ymd();
    match Date::month_bounds(y, m) {
        Some((first, last)) => DateRange { first, last },
        None => DateRange::day(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn acled_forms() {
        for s in ["2020-03-03", "3 March 2020", "03 March 2020", "3-March-2020", "03 Mar 2020", " 3 march 2020 "] {
            assert_eq!(acled_date(s), Some(d("2020-03-03")), "{s}");
        }
        for s in ["31 Febuary 2020", "31 February 2020", "2020-02-30", "March 3 2020", "3 March 20", "", "3 March 2020 extra"] {
            assert_eq!(acled_date(s), None, "{s}");
        }
    }

    #[test]
    fn weeks_run_monday_to_sunday() {
        // 2020-02-22 was a Saturday.
        assert_eq!(iso_week(d("2020-02-22")), DateRange { first: d("2020-02-17"), last: d("2020-02-23") });
        assert_eq!(iso_week(d("2020-02-17")), DateRange { first: d("2020-02-17"), last: d("2020-02-23") });
        assert_eq!(iso_week(d("2020-02-23")), DateRange { first: d("2020-02-17"), last: d("2020-02-23") });
        // A week across a month and a year.
        assert_eq!(iso_week(d("2020-01-01")), DateRange { first: d("2019-12-30"), last: d("2020-01-05") });
        assert_eq!(iso_week(d("1969-12-31")), DateRange { first: d("1969-12-29"), last: d("1970-01-04") });
        assert_eq!(month_of(d("2020-02-10")), DateRange { first: d("2020-02-01"), last: d("2020-02-29") });
    }

    #[test]
    fn compact_and_unix() {
        assert_eq!(compact_date("20200229"), Some(d("2020-02-29")));
        assert_eq!(compact_date("20200229154500"), Some(d("2020-02-29")));
        assert_eq!(compact_date("20200230"), None);
        assert_eq!(compact_date("2020229"), None);
        assert_eq!(unix_day("1583020800"), Some(d("2020-03-01")));
        assert_eq!(unix_day("1583020799"), Some(d("2020-02-29")));
        assert_eq!(unix_day("soon"), None);
        assert_eq!(iso_date("2013-01-03 00:00:00.000"), Some(d("2013-01-03")));
        assert_eq!(iso_date("2013-01-03x"), None);
    }
}
