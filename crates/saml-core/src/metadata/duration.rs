//! `xs:duration` (XML Schema Part 2 §3.2.6), as metadata's `cacheDuration` carries it.
//!
//! The lexical form is `-?PnYnMnDTnHnMnS`: each component optional and in this order, at least
//! one present, `T` only when a time component follows, and a fraction only on the seconds.
//! Nothing else is accepted (no spaces inside, no `+`, no exponent, no empty number).
//!
//! Adding a duration to an instant follows the schema's Appendix E: years and months first,
//! on the calendar (the day of the month pinned to the last day of a shorter month:
//! 2026-01-31 + P1M = 2026-02-28), then days, hours, minutes and seconds as exact amounts.

use std::fmt;

use crate::time::DateTime;

/// The largest number accepted in one component: 10^12, more than the age of the universe
/// in days. Larger values are refused as malformed rather than overflowing later.
const MAX_COMPONENT: u64 = 1_000_000_000_000;

/// Seconds in one day.
const SECONDS_PER_DAY: i128 = 86_400;

/// Why an `xs:duration` was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an xs:duration (-?PnYnMnDTnHnMnS): {reason} at byte {offset}")]
#[non_exhaustive]
pub struct DurationError {
    /// The input, trimmed.
    pub input: String,
    /// Byte offset in the trimmed input where the form broke.
    pub offset: usize,
    /// What was wrong there.
    pub reason: &'static str,
}

/// A parsed `xs:duration`. Compare two by adding them to the same instant
/// ([`add_to`](Self::add_to)): `P1M` and `P30D` have no order of their own, and `==` compares
/// the components as written (`PT1H` is not `PT60M`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct XsDuration {
    /// Whether it was written with a leading `-`.
    pub negative: bool,
    /// Years.
    pub years: u64,
    /// Months.
    pub months: u64,
    /// Days.
    pub days: u64,
    /// Hours.
    pub hours: u64,
    /// Minutes.
    pub minutes: u64,
    /// Whole seconds.
    pub seconds: u64,
    /// Nanoseconds of the fractional seconds (digits past the ninth are dropped).
    pub nanos: u32,
}

impl XsDuration {
    /// A duration of whole seconds.
    pub const fn from_seconds(seconds: u64) -> Self {
        Self {
            negative: false,
            years: 0,
            months: 0,
            days: 0,
            hours: 0,
            minutes: 0,
            seconds,
            nanos: 0,
        }
    }

    /// Parses the lexical form (surrounding XML whitespace removed, as the type's `collapse`
    /// facet says).
    ///
    /// # Errors
    ///
    /// [`DurationError`] naming the offset and what was expected there.
    pub fn parse(s: &str) -> Result<Self, DurationError> {
        let input = crate::xml::trim_xml(s);
        let fail = |offset: usize, reason: &'static str| DurationError {
            input: input.to_owned(),
            offset,
            reason,
        };
        let bytes = input.as_bytes();
        let mut at = 0;
        let mut d = Self::from_seconds(0);
        if bytes.first() == Some(&b'-') {
            d.negative = true;
            at = 1;
        }
        if bytes.get(at) != Some(&b'P') {
            return Err(fail(at, "expected `P`"));
        }
        at += 1;
        // Designators allowed next, in order; `T` switches to the time part.
        const DATE: [u8; 3] = [b'Y', b'M', b'D'];
        const TIME: [u8; 3] = [b'H', b'M', b'S'];
        let mut in_time = false;
        let mut next_allowed = 0usize;
        let mut any = false;
        let mut time_any = false;
        while at < bytes.len() {
            if bytes[at] == b'T' {
                if in_time {
                    return Err(fail(at, "a second `T`"));
                }
                in_time = true;
                next_allowed = 0;
                at += 1;
                if at == bytes.len() {
                    return Err(fail(
                        at,
                        "`T` must be followed by hours, minutes or seconds",
                    ));
                }
                continue;
            }
            let start = at;
            while at < bytes.len() && bytes[at].is_ascii_digit() {
                at += 1;
            }
            if at == start {
                return Err(fail(at, "expected a number"));
            }
            let number = parse_number(&input[start..at])
                .ok_or_else(|| fail(start, "a component larger than 10^12"))?;
            let mut nanos = 0u32;
            if bytes.get(at) == Some(&b'.') {
                at += 1;
                let frac_start = at;
                while at < bytes.len() && bytes[at].is_ascii_digit() {
                    at += 1;
                }
                if at == frac_start {
                    return Err(fail(at, "expected digits after `.`"));
                }
                if !in_time || bytes.get(at) != Some(&b'S') {
                    return Err(fail(at, "a fraction is allowed only on the seconds"));
                }
                nanos = fraction_nanos(&input[frac_start..at]);
            }
            let Some(&designator) = bytes.get(at) else {
                return Err(fail(at, "a number without its designator"));
            };
            let order: &[u8; 3] = if in_time { &TIME } else { &DATE };
            let Some(position) = order.iter().position(|&c| c == designator) else {
                return Err(fail(
                    at,
                    if in_time {
                        "expected H, M or S"
                    } else {
                        "expected Y, M, D or T"
                    },
                ));
            };
            if position < next_allowed {
                return Err(fail(at, "components out of order or repeated"));
            }
            next_allowed = position + 1;
            match (in_time, designator) {
                (false, b'Y') => d.years = number,
                (false, b'M') => d.months = number,
                (false, _) => d.days = number,
                (true, b'H') => d.hours = number,
                (true, b'M') => d.minutes = number,
                (true, _) => {
                    d.seconds = number;
                    d.nanos = nanos;
                }
            }
            any = true;
            time_any |= in_time;
            at += 1;
        }
        if !any {
            return Err(fail(at, "no component"));
        }
        if in_time && !time_any {
            return Err(fail(
                at,
                "`T` must be followed by hours, minutes or seconds",
            ));
        }
        Ok(d)
    }

    /// Whether every component is zero.
    pub fn is_zero(&self) -> bool {
        self.years == 0
            && self.months == 0
            && self.days == 0
            && self.hours == 0
            && self.minutes == 0
            && self.seconds == 0
            && self.nanos == 0
    }

    /// `start` moved by this duration (back, if it is negative), per XML Schema Appendix E:
    /// months on the calendar with the day pinned to the month's last day, then the exact
    /// part. `None` when the result is outside what [`DateTime`] represents.
    pub fn add_to(&self, start: DateTime) -> Option<DateTime> {
        let sign: i128 = if self.negative { -1 } else { 1 };
        let seconds = i128::from(start.unix_seconds());
        let day = seconds.div_euclid(SECONDS_PER_DAY);
        let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day_of_month) = civil_from_days(day);
        let months = (i128::from(self.years) * 12 + i128::from(self.months)) * sign;
        let month_index = year * 12 + (month - 1) + months;
        let (new_year, new_month) = (month_index.div_euclid(12), month_index.rem_euclid(12) + 1);
        let pinned = day_of_month.min(days_in_month(new_year, new_month));
        let day = days_from_civil(new_year, new_month, pinned) + i128::from(self.days) * sign;
        let exact = i128::from(self.hours) * 3600
            + i128::from(self.minutes) * 60
            + i128::from(self.seconds);
        let mut total_nanos = i128::from(start.subsec_nanos()) + i128::from(self.nanos) * sign;
        let mut total = day * SECONDS_PER_DAY + second_of_day + exact * sign;
        total += total_nanos.div_euclid(1_000_000_000);
        total_nanos = total_nanos.rem_euclid(1_000_000_000);
        DateTime::from_unix(i64::try_from(total).ok()?, u32::try_from(total_nanos).ok()?)
    }
}

impl fmt::Display for XsDuration {
    /// The lexical form with zero components left out (`P1DT2H`, `PT0S` when all are zero).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str("P")?;
        for (n, c) in [(self.years, 'Y'), (self.months, 'M'), (self.days, 'D')] {
            if n != 0 {
                write!(f, "{n}{c}")?;
            }
        }
        let has_seconds = self.seconds != 0 || self.nanos != 0;
        if self.hours != 0 || self.minutes != 0 || has_seconds || self.is_zero() {
            f.write_str("T")?;
            for (n, c) in [(self.hours, 'H'), (self.minutes, 'M')] {
                if n != 0 {
                    write!(f, "{n}{c}")?;
                }
            }
            if has_seconds || self.is_zero() {
                write!(f, "{}", self.seconds)?;
                if self.nanos != 0 {
                    let digits = format!("{:09}", self.nanos);
                    write!(f, ".{}", digits.trim_end_matches('0'))?;
                }
                f.write_str("S")?;
            }
        }
        Ok(())
    }
}

/// Decimal digits as a number no larger than [`MAX_COMPONENT`].
fn parse_number(digits: &str) -> Option<u64> {
    let mut n: u64 = 0;
    for b in digits.bytes() {
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        if n > MAX_COMPONENT {
            return None;
        }
    }
    Some(n)
}

/// The first nine digits of a fraction, as nanoseconds.
fn fraction_nanos(digits: &str) -> u32 {
    let mut nanos = 0u32;
    let mut scale = 100_000_000u32;
    for b in digits.bytes().take(9) {
        nanos += u32::from(b - b'0') * scale;
        scale /= 10;
    }
    nanos
}

fn is_leap(year: i128) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i128, month: i128) -> i128 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i128, month: i128, day: i128) -> i128 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_xs_datetime;

    fn at(s: &str) -> DateTime {
        parse_xs_datetime(s).unwrap()
    }

    #[test]
    fn accepts_the_lexical_forms() {
        for (text, shown) in [
            ("PT6H", "PT6H"),
            ("P1D", "P1D"),
            ("P1Y2M3DT4H5M6.5S", "P1Y2M3DT4H5M6.5S"),
            ("PT0.000000001S", "PT0.000000001S"),
            ("PT1.1234567891S", "PT1.123456789S"),
            (" PT30M\n", "PT30M"),
            ("P0D", "PT0S"),
            ("-P1D", "-P1D"),
            ("PT36H", "PT36H"),
        ] {
            let d = XsDuration::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(d.to_string(), shown, "{text}");
        }
    }

    #[test]
    fn refuses_malformed_forms() {
        for (text, offset) in [
            ("", 0),
            ("P", 1),
            ("PT", 2),
            ("1D", 0),
            ("P1", 2),
            ("PD", 1),
            ("P1H", 2),
            ("PT1D", 3),
            ("P1D1Y", 4),
            ("P1M1M", 4),
            ("P1DT", 4),
            ("PT1.S", 4),
            ("PT.5S", 2),
            ("P1.5D", 4),
            ("PT1.5M", 5),
            ("P1DTT1H", 4),
            ("P 1D", 1),
            ("+P1D", 0),
            ("P1e3D", 2),
            ("P10000000000000D", 1),
            ("PT1H1H", 5),
            ("--P1D", 1),
        ] {
            let err = XsDuration::parse(text).expect_err(text);
            assert_eq!(err.offset, offset, "{text}: {err}");
        }
        assert_eq!(
            XsDuration::parse("P1H").unwrap_err().to_string(),
            "\"P1H\" is not an xs:duration (-?PnYnMnDTnHnMnS): expected Y, M, D or T at byte 2"
        );
    }

    #[test]
    fn adds_on_the_calendar() {
        let d = |s: &str| XsDuration::parse(s).unwrap();
        assert_eq!(
            d("P1M").add_to(at("2026-01-31T10:00:00Z")),
            Some(at("2026-02-28T10:00:00Z"))
        );
        assert_eq!(
            d("P1M").add_to(at("2028-01-31T10:00:00Z")),
            Some(at("2028-02-29T10:00:00Z"))
        );
        assert_eq!(
            d("P1Y").add_to(at("2028-02-29T00:00:00Z")),
            Some(at("2029-02-28T00:00:00Z"))
        );
        assert_eq!(
            d("P1Y2M3DT4H5M6.5S").add_to(at("2026-11-30T23:00:00.75Z")),
            Some(at("2028-02-03T03:05:07.25Z"))
        );
        assert_eq!(
            d("PT36H").add_to(at("2026-12-31T12:00:00Z")),
            Some(at("2027-01-02T00:00:00Z"))
        );
        assert_eq!(
            d("-P1M").add_to(at("2026-03-31T00:00:00Z")),
            Some(at("2026-02-28T00:00:00Z"))
        );
        assert_eq!(
            d("P1000000000000Y").add_to(at("2026-01-01T00:00:00Z")),
            None
        );
    }

    #[test]
    fn civil_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
