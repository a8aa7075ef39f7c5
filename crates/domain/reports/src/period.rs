//! A report's period: from and to in the shop's time zone, and the days, weeks or months it
//! is cut into.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use merx_kernel::{Timestamp, ValidationErrors};

/// The longest period a report covers.
pub const MAX_DAYS: i64 = 400;
/// The period when the client names none: the last 30 days.
pub const DEFAULT_DAYS: i64 = 30;

/// `[from, to)` read in `tz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportPeriod {
    pub from: Timestamp,
    pub to: Timestamp,
    pub tz: Tz,
}

/// What a client sent for a period; `None` where it sent nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct PeriodInput<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub tz: Option<&'a str>,
}

/// The first instant of a local day (its midnight, or the first local time after a gap that
/// swallowed midnight).
#[must_use]
pub fn day_start(tz: Tz, day: NaiveDate) -> Timestamp {
    let mut local = day.and_time(NaiveTime::MIN);
    // A daylight-saving gap is at most a few hours: step until the local time exists.
    for _ in 0..=24 * 4 {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.to_utc();
        }
        local += chrono::Duration::minutes(15);
    }
    tz.from_utc_datetime(&day.and_time(NaiveTime::MIN)).to_utc()
}

fn instant(field: &str, text: &str, tz: Tz, e: &mut ValidationErrors) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.to_utc());
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(day_start(tz, day));
    }
    e.add(field, "must be an RFC 3339 time or a date (YYYY-MM-DD)");
    None
}

impl ReportPeriod {
    /// Reads a client's period: dates are local midnights in `tz` (else `default_tz`); `to`
    /// defaults to `now`, `from` to [`DEFAULT_DAYS`] before `to`.
    ///
    /// # Errors
    /// A field error for an unknown zone, an unreadable time, `from` not before `to`, or a
    /// period longer than [`MAX_DAYS`].
    pub fn parse(
        input: PeriodInput<'_>,
        default_tz: Tz,
        now: Timestamp,
    ) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let tz = match input.tz.map(str::trim) {
            None | Some("") => default_tz,
            Some(name) => name.parse::<Tz>().unwrap_or_else(|_| {
                e.add("tz", "must be an IANA time zone such as Asia/Seoul");
                default_tz
            }),
        };
        let to = input.to.map_or(Some(now), |t| instant("to", t, tz, &mut e));
        let from = match input.from {
            Some(f) => instant("from", f, tz, &mut e),
            None => to.map(|to| to - chrono::Duration::days(DEFAULT_DAYS)),
        };
        if let (Some(from), Some(to)) = (from, to) {
            if from >= to {
                e.add("from", "must be before to");
            } else if to - from > chrono::Duration::days(MAX_DAYS) {
                e.add("to", format!("must be at most {MAX_DAYS} days after from"));
            }
        }
        e.into_result()?;
        match (from, to) {
            (Some(from), Some(to)) => Ok(Self { from, to, tz }),
            _ => Err(ValidationErrors::single("from", "must be a time")),
        }
    }
}

/// How a sales series is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interval {
    #[default]
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

impl Interval {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            _ => None,
        }
    }

    fn first_day(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => day,
            Self::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
            Self::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// The local start of the period holding `at`.
    #[must_use]
    pub fn start_of(self, at: Timestamp, tz: Tz) -> Timestamp {
        day_start(tz, self.first_day(at.with_timezone(&tz).date_naive()))
    }

    /// The start of the period after the one starting at `start`.
    #[must_use]
    pub fn next(self, start: Timestamp, tz: Tz) -> Timestamp {
        let day = start.with_timezone(&tz).date_naive();
        let next = match self {
            Self::Day => day + Days::new(1),
            Self::Week => day + Days::new(7),
            Self::Month => day + Months::new(1),
        };
        day_start(tz, next)
    }

    /// Every period's start from the one holding `period.from` to the one holding the last
    /// instant before `period.to`.
    #[must_use]
    pub fn starts(self, period: &ReportPeriod) -> Vec<Timestamp> {
        let mut starts = Vec::new();
        let mut start = self.start_of(period.from, period.tz);
        while start < period.to {
            starts.push(start);
            start = self.next(start, period.tz);
        }
        starts
    }
}

/// The UTC quarter hour holding `at`: stores group facts by it, and every zone's local
/// midnight falls on one, so quarter hours add up into local days exactly.
#[must_use]
pub fn quarter_hour(at: Timestamp) -> Timestamp {
    let secs = at.timestamp();
    let start = secs - secs.rem_euclid(900);
    chrono::DateTime::from_timestamp(start, 0).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("time")
            .to_utc()
    }

    fn parse(
        from: Option<&str>,
        to: Option<&str>,
        tz: Option<&str>,
    ) -> Result<ReportPeriod, ValidationErrors> {
        ReportPeriod::parse(
            PeriodInput { from, to, tz },
            Tz::UTC,
            at("2026-12-08T12:00:00Z"),
        )
    }

    #[test]
    fn dates_are_local_midnights() {
        let p = parse(Some("2026-12-01"), Some("2026-12-02"), Some("Asia/Seoul")).expect("period");
        assert_eq!(p.from, at("2026-11-30T15:00:00Z"));
        assert_eq!(p.to, at("2026-12-01T15:00:00Z"));
    }

    #[test]
    fn defaults_are_the_last_thirty_days_in_the_default_zone() {
        let p = parse(None, None, None).expect("period");
        assert_eq!(
            (p.from, p.to, p.tz),
            (
                at("2026-11-08T12:00:00Z"),
                at("2026-12-08T12:00:00Z"),
                Tz::UTC
            )
        );
    }

    #[test]
    fn bad_periods_name_their_field() {
        let field = |r: Result<ReportPeriod, ValidationErrors>| {
            r.expect_err("refused").fields[0].field.clone()
        };
        assert_eq!(
            field(parse(Some("2026-12-02"), Some("2026-12-01"), None)),
            "from"
        );
        assert_eq!(
            field(parse(Some("2025-01-01"), Some("2026-12-01"), None)),
            "to"
        );
        assert_eq!(field(parse(None, None, Some("Mars/Olympus"))), "tz");
        assert_eq!(field(parse(Some("yesterday"), None, None)), "from");
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first_local_day() {
        let tz: Tz = "America/New_York".parse().expect("tz");
        // Wednesday 2026-12-02 01:00 in New York.
        let t = at("2026-12-02T06:00:00Z");
        assert_eq!(Interval::Week.start_of(t, tz), at("2026-11-30T05:00:00Z"));
        assert_eq!(Interval::Month.start_of(t, tz), at("2026-12-01T05:00:00Z"));
        assert_eq!(
            Interval::Day.next(at("2026-11-01T04:00:00Z"), tz),
            at("2026-11-02T05:00:00Z"),
            "a 25-hour day"
        );
    }

    #[test]
    fn periods_cover_from_to_to() {
        let p = parse(
            Some("2026-12-01T10:00:00Z"),
            Some("2026-12-03T00:00:00Z"),
            None,
        )
        .expect("period");
        assert_eq!(
            Interval::Day.starts(&p),
            [at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z")]
        );
    }

    #[test]
    fn quarter_hours_floor() {
        assert_eq!(
            quarter_hour(at("2026-12-01T10:44:59Z")),
            at("2026-12-01T10:30:00Z")
        );
        assert_eq!(
            quarter_hour(at("2026-12-01T10:45:00Z")),
            at("2026-12-01T10:45:00Z")
        );
    }
}
