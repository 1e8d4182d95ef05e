//! Instants as SAML carries them (`xs:dateTime`).
//!
//! SAML core §1.3.3: all SAML time values are `xs:dateTime` and "MUST be expressed in UTC
//! form" (in practice with `Z`), and must not specify leap seconds. Real identity providers send
//! `Z`, sometimes an explicit offset, and fractional seconds of any length.
//! [`parse_xs_datetime`] accepts all of these, and reads a value without a time zone as UTC.
//!
//! Verification takes the current time as an argument; nothing in this crate reads the system
//! clock. Callers convert theirs with [`DateTime::from_system_time`].

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds in one second.
const NANOS_PER_SECOND: u32 = 1_000_000_000;
/// Seconds in one day.
const SECONDS_PER_DAY: i64 = 86_400;

/// Why [`parse_xs_datetime`] refused its input. Each variant carries the input as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The day does not exist in that month (30 February, 31 April, 29 February of a common
    /// year).
    #[error(
        "{input:?}: day {day} does not exist in {year:04}-{month:02}, which has {days_in_month} days"
    )]
    DayOutOfMonth {
        /// The input, trimmed.
        input: String,
        /// The year.
        year: i64,
        /// The month, 1–12.
        month: u32,
        /// The day that was given.
        day: u32,
        /// How many days that month has.
        days_in_month: u32,
    },
    /// A field is outside its range.
    #[error("{input:?}: {field} {value} is out of range (allowed: {allowed})")]
    OutOfRange {
        /// The input, trimmed.
        input: String,
        /// Which field.
        field: DateTimeField,
        /// The value that was given.
        value: u32,
        /// The allowed values.
        allowed: &'static str,
    },
    /// The text does not have the form `YYYY-MM-DDThh:mm:ss[.fff…][Z|±hh:mm]`.
    #[error(
        "{input:?} is not an xs:dateTime (YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]): expected \
         {expected} at byte {offset}"
    )]
    Syntax {
        /// The input, trimmed.
        input: String,
        /// Byte offset in the trimmed input where the form broke.
        offset: usize,
        /// What was expected there.
        expected: &'static str,
    },
}

/// A field of an `xs:dateTime`, for [`TimeError::OutOfRange`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DateTimeField {
    /// The day of the month.
    Day,
    /// The hour.
    Hour,
    /// The minute.
    Minute,
    /// The month.
    Month,
    /// The hours of the time-zone offset.
    OffsetHour,
    /// The minutes of the time-zone offset.
    OffsetMinute,
    /// The second.
    Second,
    /// The year.
    Year,
}

impl fmt::Display for DateTimeField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Day => "day",
            Self::Hour => "hour",
            Self::Minute => "minute",
            Self::Month => "month",
            Self::OffsetHour => "time-zone offset hour",
            Self::OffsetMinute => "time-zone offset minute",
            Self::Second => "second",
            Self::Year => "year",
        })
    }
}

/// A point in time as SAML carries it (an `xs:dateTime` in UTC): seconds and nanoseconds since
/// 1970-01-01T00:00:00Z, leap seconds not counted (Unix time). Ordered chronologically. Named
/// so that it does not shadow `std::time::Instant`, a monotonic clock reading, which this is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    /// Whole seconds since the epoch, rounded toward negative infinity.
    seconds: i64,
    /// Nanoseconds after `seconds`, always below one billion.
    nanos: u32,
}

impl DateTime {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Self = Self {
        seconds: 0,
        nanos: 0,
    };

    /// The instant `seconds` and `nanos` after the Unix epoch (`seconds` may be negative;
    /// `nanos` always counts forward). `None` if `nanos` is one billion or more.
    #[must_use]
    pub const fn from_unix(seconds: i64, nanos: u32) -> Option<Self> {
        if nanos < NANOS_PER_SECOND {
            Some(Self { seconds, nanos })
        } else {
            None
        }
    }

    /// The instant `seconds` whole seconds after the Unix epoch.
    #[must_use]
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Self { seconds, nanos: 0 }
    }

    /// Converts a [`SystemTime`], saturating at the ends of the representable range.
    #[must_use]
    pub fn from_system_time(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => Self {
                seconds: i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
                nanos: after.subsec_nanos(),
            },
            Err(before) => {
                let before = before.duration();
                let seconds = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
                match before.subsec_nanos() {
                    0 => Self {
                        seconds: -seconds,
                        nanos: 0,
                    },
                    nanos => Self {
                        seconds: (-seconds).saturating_sub(1),
                        nanos: NANOS_PER_SECOND - nanos,
                    },
                }
            }
        }
    }

    /// Whole seconds since the Unix epoch, rounded toward negative infinity.
    #[must_use]
    pub const fn unix_seconds(self) -> i64 {
        self.seconds
    }

    /// Nanoseconds past [`unix_seconds`](Self::unix_seconds), below one billion.
    #[must_use]
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// `self` moved by `seconds` (negative moves it back); `None` on overflow.
    #[must_use]
    pub const fn checked_add_seconds(self, seconds: i64) -> Option<Self> {
        match self.seconds.checked_add(seconds) {
            Some(seconds) => Some(Self {
                seconds,
                nanos: self.nanos,
            }),
            None => None,
        }
    }

    /// How long after `earlier` this instant is: negative if it is before. Whole seconds,
    /// truncated toward zero; saturates at the ends of `i64`.
    #[must_use]
    pub fn since(self, earlier: Self) -> SecondsDelta {
        let mut seconds = i128::from(self.seconds) - i128::from(earlier.seconds);
        let nanos = i128::from(self.nanos) - i128::from(earlier.nanos);
        // Truncate the fractional part toward zero.
        if seconds > 0 && nanos < 0 {
            seconds -= 1;
        } else if seconds < 0 && nanos > 0 {
            seconds += 1;
        }
        let seconds =
            i64::try_from(seconds).unwrap_or(if seconds < 0 { i64::MIN } else { i64::MAX });
        SecondsDelta { seconds }
    }
}

impl fmt::Display for DateTime {
    /// RFC 3339 in UTC: `2016-01-05T17:00:39Z`, with a fraction only when it is not zero, in
    /// milliseconds (`.348`), or in micro- or nanoseconds when those digits are not zero.
    /// Years outside 0000–9999 are written with as many digits as they need, and a `-` sign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(SECONDS_PER_DAY);
        let second_of_day = self.seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        if year < 0 {
            write!(f, "-{:04}", year.unsigned_abs())?;
        } else {
            write!(f, "{year:04}")?;
        }
        write!(
            f,
            "-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )?;
        match self.nanos {
            0 => {}
            nanos if nanos % 1_000_000 == 0 => write!(f, ".{:03}", nanos / 1_000_000)?,
            nanos if nanos % 1_000 == 0 => write!(f, ".{:06}", nanos / 1_000)?,
            nanos => write!(f, ".{nanos:09}")?,
        }
        f.write_str("Z")
    }
}

impl FromStr for DateTime {
    type Err = TimeError;

    /// Same as [`parse_xs_datetime`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_xs_datetime(s)
    }
}

/// A signed difference between two [`DateTime`]s in whole seconds, from [`DateTime::since`].
///
/// Its `Display` reads as a person would say it: `3 minutes 12 seconds`, `1 day 2 hours`,
/// `0 seconds`, with a leading `-` when negative, so that a caller can write
/// `format!("expired {} ago", now.since(not_on_or_after))`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecondsDelta {
    /// The difference in seconds.
    seconds: i64,
}

impl SecondsDelta {
    /// A difference of `seconds`.
    #[must_use]
    pub const fn from_seconds(seconds: i64) -> Self {
        Self { seconds }
    }

    /// The difference in seconds, negative when the first instant is the earlier one.
    #[must_use]
    pub const fn seconds(self) -> i64 {
        self.seconds
    }

    /// Whether the difference is negative.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.seconds < 0
    }

    /// The magnitude of the difference, saturating `i64::MIN` to `i64::MAX`.
    #[must_use]
    pub const fn abs(self) -> Self {
        Self {
            seconds: self.seconds.saturating_abs(),
        }
    }
}

impl fmt::Display for SecondsDelta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds < 0 {
            f.write_str("-")?;
        }
        let total = self.seconds.unsigned_abs();
        if total == 0 {
            return f.write_str("0 seconds");
        }
        let units = [
            (total / 86_400, "day"),
            (total / 3_600 % 24, "hour"),
            (total / 60 % 60, "minute"),
            (total % 60, "second"),
        ];
        let mut first = true;
        for (count, unit) in units {
            if count == 0 {
                continue;
            }
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            let plural = if count == 1 { "" } else { "s" };
            write!(f, "{count} {unit}{plural}")?;
        }
        Ok(())
    }
}

/// Parses an `xs:dateTime` (XML Schema Part 2 §3.2.7) as SAML messages carry it.
///
/// Accepted: `YYYY-MM-DDThh:mm:ss`, then optionally a fraction of any length (`.3`, `.348`,
/// `.123456789123`; digits past nanoseconds are truncated), then optionally `Z` or an offset
/// `+hh:mm` / `-hh:mm` (at most 14:00). Surrounding whitespace is removed (the type's
/// whitespace facet is `collapse`).
///
/// - **No time zone means UTC.** SAML core §1.3.3 requires all SAML times to be UTC, so a
///   value without a zone is read as UTC rather than as an unknown local time.
/// - **Years 0001–9999 only**, four digits, no sign: the wider range of `xs:dateTime` (more
///   digits, negative years) never occurs in SAML and is rejected.
/// - **`24:00:00` is accepted** (with no fraction, or an all-zero one), as XML Schema 1.0
///   allows, and means 00:00:00 of the next day. Any other time with hour 24 is rejected.
/// - **Second 60 is rejected**: `xs:dateTime` has no leap seconds.
///
/// # Errors
///
/// [`TimeError::Syntax`] for text of the wrong form, [`TimeError::OutOfRange`] for a field
/// outside its range, [`TimeError::DayOutOfMonth`] for a date that does not exist. Each
/// carries the input.
pub fn parse_xs_datetime(s: &str) -> Result<DateTime, TimeError> {
    let input = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    let mut p = Cursor {
        input,
        bytes: input.as_bytes(),
        at: 0,
    };
    let year = p.digits(4, "a four-digit year")?;
    p.require(b'-', "`-` after the year")?;
    let month = p.digits(2, "a two-digit month")?;
    p.require(b'-', "`-` after the month")?;
    let day = p.digits(2, "a two-digit day")?;
    p.require(b'T', "`T` between the date and the time")?;
    let hour = p.digits(2, "a two-digit hour")?;
    p.require(b':', "`:` after the hour")?;
    let minute = p.digits(2, "a two-digit minute")?;
    p.require(b':', "`:` after the minute")?;
    let second = p.digits(2, "two-digit seconds")?;
    let mut nanos = 0;
    if p.eat(b'.') {
        nanos = p.fraction()?;
    }
    let offset_minutes = match p.peek() {
        None => 0,
        Some(b'Z') => {
            p.at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            p.at += 1;
            let hours = p.digits(2, "a two-digit offset hour")?;
            p.require(b':', "`:` in the time-zone offset")?;
            let minutes = p.digits(2, "a two-digit offset minute")?;
            p.check(DateTimeField::OffsetHour, hours, 0, 14, "00–14")?;
            p.check(DateTimeField::OffsetMinute, minutes, 0, 59, "00–59")?;
            if hours == 14 && minutes != 0 {
                return Err(p.out_of_range(
                    DateTimeField::OffsetMinute,
                    minutes,
                    "00 when the hour is 14",
                ));
            }
            let total = i64::from(hours * 60 + minutes);
            if sign == b'-' { -total } else { total }
        }
        Some(_) => return Err(p.syntax("`.`, `Z`, `+`, `-` or the end of the text")),
    };
    if p.peek().is_some() {
        return Err(p.syntax("the end of the text"));
    }

    p.check(DateTimeField::Year, year, 1, 9999, "0001–9999")?;
    p.check(DateTimeField::Month, month, 1, 12, "01–12")?;
    p.check(DateTimeField::Day, day, 1, 31, "01–31")?;
    let days_in_month = days_in_month(i64::from(year), month);
    if day > days_in_month {
        return Err(TimeError::DayOutOfMonth {
            input: input.into(),
            year: i64::from(year),
            month,
            day,
            days_in_month,
        });
    }
    if hour == 24 {
        if minute != 0 || second != 0 || nanos != 0 {
            return Err(p.out_of_range(DateTimeField::Hour, hour, "00–23, or 24 in 24:00:00"));
        }
    } else {
        p.check(DateTimeField::Hour, hour, 0, 23, "00–23, or 24 in 24:00:00")?;
    }
    p.check(DateTimeField::Minute, minute, 0, 59, "00–59")?;
    p.check(DateTimeField::Second, second, 0, 59, "00–59")?;

    // No overflow is possible: the year is at most 9999.
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * SECONDS_PER_DAY
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second)
        - offset_minutes * 60;
    Ok(DateTime { seconds, nanos })
}

/// A position in the text being parsed.
struct Cursor<'a> {
    input: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn require(&mut self, byte: u8, expected: &'static str) -> Result<(), TimeError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.syntax(expected))
        }
    }

    /// Exactly `count` ASCII digits (at most 9, so the value fits a `u32`).
    fn digits(&mut self, count: usize, expected: &'static str) -> Result<u32, TimeError> {
        let mut value = 0;
        for _ in 0..count {
            match self.peek() {
                Some(digit @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(digit - b'0');
                    self.at += 1;
                }
                _ => return Err(self.syntax(expected)),
            }
        }
        Ok(value)
    }

    /// One or more digits after `.`, as nanoseconds; digits past the ninth are read and
    /// dropped.
    fn fraction(&mut self) -> Result<u32, TimeError> {
        let start = self.at;
        let mut nanos = 0;
        let mut scale = NANOS_PER_SECOND;
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            scale /= 10;
            nanos += u32::from(digit - b'0') * scale;
            self.at += 1;
        }
        if self.at == start {
            return Err(self.syntax("at least one digit after `.`"));
        }
        Ok(nanos)
    }

    fn check(
        &self,
        field: DateTimeField,
        value: u32,
        min: u32,
        max: u32,
        allowed: &'static str,
    ) -> Result<(), TimeError> {
        if (min..=max).contains(&value) {
            Ok(())
        } else {
            Err(self.out_of_range(field, value, allowed))
        }
    }

    fn out_of_range(&self, field: DateTimeField, value: u32, allowed: &'static str) -> TimeError {
        TimeError::OutOfRange {
            input: self.input.into(),
            field,
            value,
            allowed,
        }
    }

    fn syntax(&self, expected: &'static str) -> TimeError {
        TimeError::Syntax {
            input: self.input.into(),
            offset: self.at,
            expected,
        }
    }
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days in `month` (1–12) of `year`.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (`month` 1–12, `day` 1–31).
///
/// Counts in 400-year cycles of 146,097 days, with years starting on 1 March so that the
/// leap day falls at the end of the year.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let cycle = year.div_euclid(400);
    let year_of_cycle = year.rem_euclid(400);
    // Months counted from March: March = 0, …, February = 11.
    let month_from_march = i64::from((month + 9) % 12);
    // Days before the first of that month, from 1 March: the month lengths 31, 30, 31, 30, 31
    // repeat, which (153 m + 2) / 5 reproduces.
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
    // 719,468 days separate 0000-03-01 from 1970-01-01.
    cycle * 146_097 + day_of_cycle - 719_468
}

/// The proleptic Gregorian date (year, month 1–12, day 1–31) `days` after 1970-01-01; the
/// inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let cycle = days.div_euclid(146_097);
    let day_of_cycle = days.rem_euclid(146_097);
    // Remove the leap days (one per 4 years, none per 100, one per 400) to count years.
    let year_of_cycle =
        (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36_524 - day_of_cycle / 146_096) / 365;
    let day_of_year =
        day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_cycle + cycle * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn parse(s: &str) -> DateTime {
        parse_xs_datetime(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[track_caller]
    fn unix(s: &str) -> i64 {
        parse(s).unix_seconds()
    }

    #[track_caller]
    fn reject(s: &str) -> TimeError {
        match parse_xs_datetime(s) {
            Ok(instant) => panic!("{s:?} accepted as {instant}"),
            Err(e) => {
                // Every message names the input.
                assert!(e.to_string().contains(s.trim()), "{e}");
                e
            }
        }
    }

    fn out_of_range(input: &str, field: DateTimeField, value: u32) -> TimeError {
        let allowed = match reject(input) {
            TimeError::OutOfRange { allowed, .. } => allowed,
            other => panic!("{input:?}: {other:?}"),
        };
        TimeError::OutOfRange {
            input: input.trim().into(),
            field,
            value,
            allowed,
        }
    }

    /// Expected values from `date -u -d '<instant>' +%s` (GNU coreutils).
    #[test]
    fn instants_from_the_vectors() {
        // date -u -d '2016-01-05T16:55:39Z' +%s → 1452012939
        assert_eq!(unix("2016-01-05T16:55:39Z"), 1_452_012_939);
        // date -u -d '2016-01-05T17:00:39Z' +%s → 1452013239
        let google_not_on_or_after = parse("2016-01-05T17:00:39.348Z");
        assert_eq!(google_not_on_or_after.unix_seconds(), 1_452_013_239);
        assert_eq!(google_not_on_or_after.subsec_nanos(), 348_000_000);
        // date -u -d '2020-03-03T19:35:54Z' +%s → 1583264154
        let okta = parse("2020-03-03T19:35:54.699Z");
        assert_eq!(
            okta,
            DateTime::from_unix(1_583_264_154, 699_000_000).unwrap()
        );
        // date -u -d '2017-04-21T13:12:50Z' +%s → 1492780370
        let secureworks = parse("2017-04-21T13:12:50.830Z");
        assert_eq!(
            secureworks,
            DateTime::from_unix(1_492_780_370, 830_000_000).unwrap()
        );
        // date -u -d '2014-06-02T17:48:56Z' +%s → 1401731336
        assert_eq!(unix("2014-06-02T17:48:56.820Z"), 1_401_731_336);
        // date -u -d '2025-02-05T13:55:08Z' +%s → 1738763708
        assert_eq!(unix("2025-02-05T13:55:08.382Z"), 1_738_763_708);
        // date -u -d '2011-06-22T12:49:30Z' +%s → 1308746970
        assert_eq!(unix("2011-06-22T12:49:30.332Z"), 1_308_746_970);
    }

    #[test]
    fn offsets() {
        // date -u -d '2016-01-05T17:00:39+01:00' +%s → 1452009639
        assert_eq!(unix("2016-01-05T17:00:39+01:00"), 1_452_009_639);
        // date -u -d '2016-01-05T17:00:39-05:30' +%s → 1452033039
        assert_eq!(unix("2016-01-05T17:00:39-05:30"), 1_452_033_039);
        assert_eq!(
            parse("2016-01-05T17:00:39+00:00"),
            parse("2016-01-05T17:00:39Z")
        );
        assert_eq!(
            parse("2016-01-05T17:00:39-00:00"),
            parse("2016-01-05T17:00:39Z")
        );
        // Offsets that cross midnight, and one across a year boundary:
        // date -u -d '2012-07-04T13:59:59+14:00' +%s → 1341359999
        // date -u -d '2012-07-03T09:59:59-14:00' +%s → 1341359999
        assert_eq!(unix("2012-07-04T13:59:59+14:00"), 1_341_359_999);
        assert_eq!(unix("2012-07-03T09:59:59-14:00"), 1_341_359_999);
        assert_eq!(
            parse("2000-01-01T00:30:00+01:00").to_string(),
            "1999-12-31T23:30:00Z"
        );
    }

    #[test]
    fn missing_time_zone_is_utc() {
        assert_eq!(parse("2016-01-05T16:55:39"), parse("2016-01-05T16:55:39Z"));
        assert_eq!(
            parse("2016-01-05T16:55:39.5"),
            parse("2016-01-05T16:55:39.500Z")
        );
    }

    #[test]
    fn fractions_of_any_length() {
        assert_eq!(parse("2020-03-03T19:35:54.3Z").subsec_nanos(), 300_000_000);
        assert_eq!(
            parse("2020-03-03T19:35:54.348Z").subsec_nanos(),
            348_000_000
        );
        assert_eq!(parse("2020-03-03T19:35:54.000001Z").subsec_nanos(), 1_000);
        assert_eq!(
            parse("2020-03-03T19:35:54.123456789Z").subsec_nanos(),
            123_456_789
        );
        // Digits past nanoseconds are truncated, not rounded.
        assert_eq!(
            parse("2020-03-03T19:35:54.123456789999Z").subsec_nanos(),
            123_456_789
        );
        assert_eq!(parse("2020-03-03T19:35:54.000Z").subsec_nanos(), 0);
        assert_eq!(
            parse(&format!("2020-03-03T19:35:54.5{}Z", "9".repeat(200))).subsec_nanos(),
            599_999_999
        );
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(
            parse(" \t\r\n2016-01-05T16:55:39Z\n "),
            parse("2016-01-05T16:55:39Z")
        );
    }

    #[test]
    fn leap_years() {
        // date -u -d '2000-02-29T00:00:00Z' +%s → 951782400
        assert_eq!(unix("2000-02-29T00:00:00Z"), 951_782_400);
        // date -u -d '2000-03-01T00:00:00Z' +%s → 951868800
        assert_eq!(unix("2000-03-01T00:00:00Z"), 951_868_800);
        // date -u -d '2024-02-29T12:00:00Z' +%s → 1709208000
        assert_eq!(unix("2024-02-29T12:00:00Z"), 1_709_208_000);
        assert_eq!(
            reject("1900-02-29T00:00:00Z"),
            TimeError::DayOutOfMonth {
                input: "1900-02-29T00:00:00Z".into(),
                year: 1900,
                month: 2,
                day: 29,
                days_in_month: 28
            }
        );
        assert_eq!(
            reject("2023-02-29T00:00:00Z"),
            TimeError::DayOutOfMonth {
                input: "2023-02-29T00:00:00Z".into(),
                year: 2023,
                month: 2,
                day: 29,
                days_in_month: 28
            }
        );
    }

    #[test]
    fn range_ends_and_the_epoch() {
        // date -u -d '1970-01-01T00:00:00Z' +%s → 0
        assert_eq!(parse("1970-01-01T00:00:00Z"), DateTime::UNIX_EPOCH);
        // date -u -d '1969-12-31T23:59:59Z' +%s → -1
        assert_eq!(unix("1969-12-31T23:59:59Z"), -1);
        // date -u -d '0001-01-01T00:00:00Z' +%s → -62135596800
        assert_eq!(unix("0001-01-01T00:00:00Z"), -62_135_596_800);
        // date -u -d '9999-12-31T23:59:59Z' +%s → 253402300799
        assert_eq!(unix("9999-12-31T23:59:59Z"), 253_402_300_799);
        assert_eq!(
            parse("9999-12-31T23:59:59.999999999-14:00").unix_seconds(),
            253_402_300_799 + 14 * 3600
        );
        assert_eq!(
            parse("0001-01-01T00:00:00+14:00").to_string(),
            "0000-12-31T10:00:00Z"
        );
    }

    /// Every day from 1600 to 2400 round-trips through the calendar conversion.
    #[test]
    fn calendar_conversion_is_consistent() {
        let mut expected = days_from_civil(1600, 1, 1);
        for year in 1600..=2400 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    let days = days_from_civil(year, month, day);
                    assert_eq!(days, expected, "{year}-{month}-{day}");
                    assert_eq!(
                        civil_from_days(days),
                        (year, i64::from(month), i64::from(day))
                    );
                    expected += 1;
                }
            }
        }
    }

    #[test]
    fn hour_24_is_midnight_of_the_next_day() {
        assert_eq!(parse("2016-12-31T24:00:00Z"), parse("2017-01-01T00:00:00Z"));
        assert_eq!(
            parse("2016-02-28T24:00:00.000Z"),
            parse("2016-02-29T00:00:00Z")
        );
        assert_eq!(
            reject("2016-12-31T24:00:01Z"),
            out_of_range("2016-12-31T24:00:01Z", DateTimeField::Hour, 24)
        );
        assert_eq!(
            reject("2016-12-31T24:30:00Z"),
            out_of_range("2016-12-31T24:30:00Z", DateTimeField::Hour, 24)
        );
        assert_eq!(
            reject("2016-12-31T24:00:00.001Z"),
            out_of_range("2016-12-31T24:00:00.001Z", DateTimeField::Hour, 24)
        );
    }

    #[test]
    fn out_of_range_fields_are_rejected() {
        for (input, field, value) in [
            ("2016-13-05T16:55:39Z", DateTimeField::Month, 13),
            ("2016-00-05T16:55:39Z", DateTimeField::Month, 0),
            ("2016-01-32T16:55:39Z", DateTimeField::Day, 32),
            ("2016-01-00T16:55:39Z", DateTimeField::Day, 0),
            ("2016-01-05T25:55:39Z", DateTimeField::Hour, 25),
            ("2016-01-05T16:60:39Z", DateTimeField::Minute, 60),
            ("2016-01-05T16:55:60Z", DateTimeField::Second, 60),
            ("0000-01-05T16:55:39Z", DateTimeField::Year, 0),
            ("2016-01-05T16:55:39+15:00", DateTimeField::OffsetHour, 15),
            ("2016-01-05T16:55:39+01:60", DateTimeField::OffsetMinute, 60),
            ("2016-01-05T16:55:39-14:30", DateTimeField::OffsetMinute, 30),
        ] {
            let error = reject(input);
            assert_eq!(error, out_of_range(input, field, value), "{input}");
        }
        let error = reject("2016-13-05T16:55:39Z");
        assert_eq!(
            error.to_string(),
            "\"2016-13-05T16:55:39Z\": month 13 is out of range (allowed: 01–12)"
        );
    }

    #[test]
    fn nonexistent_days_are_rejected() {
        for (input, year, month, day, days_in_month) in [
            ("2019-02-30T00:00:00Z", 2019, 2, 30, 28),
            ("2020-02-30T00:00:00Z", 2020, 2, 30, 29),
            ("2021-04-31T00:00:00Z", 2021, 4, 31, 30),
            ("2021-06-31T00:00:00Z", 2021, 6, 31, 30),
            ("2021-09-31T00:00:00Z", 2021, 9, 31, 30),
            ("2021-11-31T00:00:00Z", 2021, 11, 31, 30),
        ] {
            assert_eq!(
                reject(input),
                TimeError::DayOutOfMonth {
                    input: input.into(),
                    year,
                    month,
                    day,
                    days_in_month
                }
            );
        }
    }

    #[test]
    fn malformed_text_is_rejected() {
        for (input, offset) in [
            ("", 0),
            ("   ", 0),
            ("2016", 4),
            ("16-01-05T16:55:39Z", 2),
            ("+2016-01-05T16:55:39Z", 0),
            ("-2016-01-05T16:55:39Z", 0),
            ("20160-01-05T16:55:39Z", 4),
            ("2016/01/05T16:55:39Z", 4),
            ("2016-1-05T16:55:39Z", 6),
            ("2016-01-05 16:55:39Z", 10),
            ("2016-01-05t16:55:39Z", 10),
            ("2016-01-05T16:55Z", 16),
            ("2016-01-05T16:55:39.Z", 20),
            ("2016-01-05T16:55:39,348Z", 19),
            ("2016-01-05T16:55:39z", 19),
            ("2016-01-05T16:55:39 Z", 19),
            ("2016-01-05T16:55:39ZZ", 20),
            ("2016-01-05T16:55:39+0100", 22),
            ("2016-01-05T16:55:39+1:00", 21),
            ("2016-01-05T16:55:39+01", 22),
            ("2016-01-05T16:55:39UTC", 19),
            ("2016-01-05T16:55:39Z trailing", 20),
            ("２016-01-05T16:55:39Z", 0),
        ] {
            let error = parse_xs_datetime(input).expect_err(input);
            match &error {
                TimeError::Syntax {
                    input: found,
                    offset: at,
                    ..
                } => {
                    assert_eq!(found, input.trim(), "{input:?}");
                    assert_eq!(*at, offset, "{input:?}: {error}");
                }
                other => panic!("{input:?}: {other:?}"),
            }
            assert!(
                error.to_string().contains(&format!("{:?}", input.trim())),
                "{error}"
            );
        }
    }

    #[test]
    fn display_is_rfc3339_utc() {
        assert_eq!(
            parse("2016-01-05T16:55:39Z").to_string(),
            "2016-01-05T16:55:39Z"
        );
        assert_eq!(
            parse("2016-01-05T17:00:39.348Z").to_string(),
            "2016-01-05T17:00:39.348Z"
        );
        assert_eq!(
            parse("2016-01-05T17:00:39.3480Z").to_string(),
            "2016-01-05T17:00:39.348Z"
        );
        assert_eq!(
            parse("2016-01-05T17:00:39.000Z").to_string(),
            "2016-01-05T17:00:39Z"
        );
        assert_eq!(
            parse("2016-01-05T18:00:39.1+01:00").to_string(),
            "2016-01-05T17:00:39.100Z"
        );
        // Sub-millisecond digits are shown when present.
        assert_eq!(
            parse("2016-01-05T17:00:39.000250Z").to_string(),
            "2016-01-05T17:00:39.000250Z"
        );
        assert_eq!(
            parse("2016-01-05T17:00:39.123456789Z").to_string(),
            "2016-01-05T17:00:39.123456789Z"
        );
        // date -u -d @-1 +%FT%TZ → 1969-12-31T23:59:59Z
        assert_eq!(
            DateTime::from_unix_seconds(-1).to_string(),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(
            DateTime::from_unix(-1, 500_000_000).unwrap().to_string(),
            "1969-12-31T23:59:59.500Z"
        );
        // Far outside the parseable range, Display still works.
        assert_eq!(
            DateTime::from_unix_seconds(253_402_300_800).to_string(),
            "10000-01-01T00:00:00Z"
        );
        assert_eq!(
            DateTime::from_unix_seconds(-62_135_596_801).to_string(),
            "0000-12-31T23:59:59Z"
        );
        assert_eq!(
            DateTime::from_unix_seconds(-62_167_219_201).to_string(),
            "-0001-12-31T23:59:59Z"
        );
        let _ = DateTime::from_unix_seconds(i64::MIN).to_string();
        let _ = DateTime::from_unix(i64::MAX, 999_999_999)
            .unwrap()
            .to_string();
    }

    #[test]
    fn display_round_trips() {
        for seconds in [
            -62_135_596_800,
            -1,
            0,
            1,
            951_782_400,
            1_452_013_239,
            253_402_300_799,
        ] {
            for nanos in [0, 1, 1_000, 348_000_000, 999_999_999] {
                let instant = DateTime::from_unix(seconds, nanos).unwrap();
                assert_eq!(parse(&instant.to_string()), instant);
            }
        }
    }

    #[test]
    fn from_str_matches_parse() {
        let parsed: DateTime = "2016-01-05T16:55:39Z".parse().unwrap();
        assert_eq!(parsed, parse("2016-01-05T16:55:39Z"));
        assert!("nope".parse::<DateTime>().is_err());
    }

    #[test]
    fn ordering_and_arithmetic() {
        let not_before = parse("2016-01-05T16:50:39.348Z");
        let not_on_or_after = parse("2016-01-05T17:00:39.348Z");
        assert!(not_before < not_on_or_after);
        assert!(parse("2016-01-05T17:00:39.347Z") < not_on_or_after);
        assert!(parse("2016-01-05T18:00:39.348+01:00") == not_on_or_after);
        assert_eq!(not_before.checked_add_seconds(600), Some(not_on_or_after));
        assert_eq!(not_on_or_after.checked_add_seconds(-600), Some(not_before));
        assert_eq!(
            DateTime::from_unix_seconds(i64::MAX).checked_add_seconds(1),
            None
        );
        assert_eq!(
            DateTime::from_unix_seconds(i64::MIN).checked_add_seconds(-1),
            None
        );
        assert_eq!(DateTime::from_unix(0, NANOS_PER_SECOND), None);
        assert!(DateTime::from_unix(-1, 999_999_999).unwrap() < DateTime::UNIX_EPOCH);
    }

    #[test]
    fn differences_in_seconds() {
        let not_on_or_after = parse("2016-01-05T17:00:39.348Z");
        let now = parse("2016-01-05T17:03:51.348Z");
        let late = now.since(not_on_or_after);
        assert_eq!(late.seconds(), 192);
        assert_eq!(
            format!("expired {late} ago"),
            "expired 3 minutes 12 seconds ago"
        );
        let early = not_on_or_after.since(now);
        assert_eq!(early.seconds(), -192);
        assert!(early.is_negative());
        assert_eq!(early.to_string(), "-3 minutes 12 seconds");
        assert_eq!(early.abs(), late);
        // Fractions are truncated toward zero.
        assert_eq!(
            parse("2016-01-05T17:00:40.347Z")
                .since(not_on_or_after)
                .seconds(),
            0
        );
        assert_eq!(
            parse("2016-01-05T17:00:40.348Z")
                .since(not_on_or_after)
                .seconds(),
            1
        );
        assert_eq!(
            parse("2016-01-05T17:00:38.349Z")
                .since(not_on_or_after)
                .seconds(),
            0
        );
        assert_eq!(
            parse("2016-01-05T17:00:38.348Z")
                .since(not_on_or_after)
                .seconds(),
            -1
        );
        assert_eq!(SecondsDelta::from_seconds(0).to_string(), "0 seconds");
        assert_eq!(SecondsDelta::from_seconds(1).to_string(), "1 second");
        assert_eq!(SecondsDelta::from_seconds(3_600).to_string(), "1 hour");
        assert_eq!(
            SecondsDelta::from_seconds(90_061).to_string(),
            "1 day 1 hour 1 minute 1 second"
        );
        assert_eq!(
            SecondsDelta::from_seconds(172_800 + 120).to_string(),
            "2 days 2 minutes"
        );
        assert_eq!(
            DateTime::from_unix_seconds(i64::MIN).since(DateTime::from_unix_seconds(i64::MAX)),
            SecondsDelta::from_seconds(i64::MIN)
        );
        assert_eq!(
            SecondsDelta::from_seconds(i64::MIN).abs().seconds(),
            i64::MAX
        );
        let _ = SecondsDelta::from_seconds(i64::MIN).to_string();
    }

    #[test]
    fn from_system_time() {
        // date -u -d '2025-01-01T00:00:00Z' +%s → 1735689600
        assert!(DateTime::from_system_time(SystemTime::now()).unix_seconds() > 1_735_689_600);
        let before_epoch = UNIX_EPOCH - std::time::Duration::from_millis(1_500);
        assert_eq!(
            DateTime::from_system_time(before_epoch),
            DateTime::from_unix(-2, 500_000_000).unwrap()
        );
        let before_epoch = UNIX_EPOCH - std::time::Duration::from_secs(2);
        assert_eq!(
            DateTime::from_system_time(before_epoch),
            DateTime::from_unix_seconds(-2)
        );
    }

    /// Mutations of valid values: every outcome is `Ok` or an error, never a panic, and every
    /// accepted value survives a Display round trip.
    #[test]
    fn mutations_never_panic() {
        let mut m = crate::test_support::Mutator::new(0x2545_f491_4f6c_dd1d);
        let alphabet = b"0123456789-:.TZ+ 9\t";
        for seed in [
            "2016-01-05T17:00:39.348Z",
            "2016-01-05T17:00:39-05:30",
            "2000-02-29T24:00:00",
        ] {
            for _ in 0..3_000 {
                let bytes = m.mutate(seed.as_bytes(), 3, alphabet);
                let text = String::from_utf8(bytes).unwrap();
                if let Ok(instant) = parse_xs_datetime(&text) {
                    assert_eq!(parse(&instant.to_string()), instant, "{text:?}");
                }
            }
        }
    }
}
