//! Percentages held exactly, as parts per million of the base.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

const PPM_PER_PERCENT: u32 = 10_000;
const MAX_PPM: u32 = 100 * PPM_PER_PERCENT;

/// A percentage between 0 and 100 with up to four decimals (`"7.25"`, `"8.875"`), stored as
/// parts per million so applying it is integer arithmetic. Serialised as the percent string.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Rate {
    ppm: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be a percentage from 0 to 100 with at most 4 decimals, written as a string like \"7.25\""
)]
pub struct RateError;

impl Rate {
    pub const ZERO: Self = Self { ppm: 0 };

    /// A whole percentage (`Rate::percent(16)` is 16 %).
    ///
    /// # Errors
    /// Above 100.
    pub fn percent(whole: u32) -> Result<Self, RateError> {
        Self::from_ppm(whole.checked_mul(PPM_PER_PERCENT).ok_or(RateError)?)
    }

    /// # Errors
    /// Above 100 %.
    pub const fn from_ppm(ppm: u32) -> Result<Self, RateError> {
        if ppm > MAX_PPM {
            return Err(RateError);
        }
        Ok(Self { ppm })
    }

    #[must_use]
    pub const fn ppm(self) -> u32 {
        self.ppm
    }

    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.ppm == 0
    }

    /// This share of a non-negative amount, rounded half-up to the minor unit.
    #[must_use]
    pub fn of(self, amount: i64) -> i64 {
        round_half_up(i128::from(amount) * i128::from(self.ppm), 1_000_000)
    }
}

/// `numerator / denominator` rounded half-up, for a non-negative numerator and positive
/// denominator. The result fits in i64 whenever numerator/denominator does.
#[must_use]
pub(crate) fn round_half_up(numerator: i128, denominator: i128) -> i64 {
    let q = (numerator * 2 + denominator) / (denominator * 2);
    i64::try_from(q).unwrap_or(i64::MAX)
}

impl FromStr for Rate {
    type Err = RateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 3 || frac.len() > 4 || !digits(whole) || !digits(frac)
        {
            return Err(RateError);
        }
        if s.ends_with('.') {
            return Err(RateError);
        }
        let whole: u32 = whole.parse().map_err(|_| RateError)?;
        let frac_ppm: u32 = format!("{frac:0<4}").parse().map_err(|_| RateError)?;
        Self::from_ppm(whole * PPM_PER_PERCENT + frac_ppm)
    }
}

impl TryFrom<String> for Rate {
    type Error = RateError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Rate> for String {
    fn from(r: Rate) -> Self {
        r.to_string()
    }
}

impl fmt::Display for Rate {
    /// `7.25`, `16`, `8.875`: the shortest exact form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.ppm / PPM_PER_PERCENT;
        let frac = self.ppm % PPM_PER_PERCENT;
        if frac == 0 {
            return write!(f, "{whole}");
        }
        let frac = format!("{frac:04}");
        write!(f, "{whole}.{}", frac.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print_exactly() {
        for (text, ppm, shown) in [
            ("7.25", 72_500, "7.25"),
            ("16", 160_000, "16"),
            ("8.875", 88_750, "8.875"),
            ("0", 0, "0"),
            ("100", 1_000_000, "100"),
            ("25.5000", 255_000, "25.5"),
            ("0.0001", 1, "0.0001"),
        ] {
            let rate: Rate = text.parse().expect(text);
            assert_eq!(rate.ppm(), ppm, "{text}");
            assert_eq!(rate.to_string(), shown);
        }
        for bad in [
            "", "-1", "100.01", "1.23456", "abc", "1e2", "7.", ".5", "1000",
        ] {
            assert!(bad.parse::<Rate>().is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn applying_a_rate_rounds_half_up_to_the_minor_unit() {
        let eight: Rate = "8".parse().expect("rate");
        assert_eq!(eight.of(10_000), 800, "8% of 100.00 is 8.00");
        let twenty = Rate::percent(20).expect("rate");
        assert_eq!(twenty.of(5_900), 1_180, "20% of 5.900 JOD is 1.180");
        let rate: Rate = "7.25".parse().expect("rate");
        assert_eq!(rate.of(1_000), 73, "72.5 rounds up");
        assert_eq!(rate.of(999), 72, "72.4275 rounds down");
        assert_eq!(Rate::percent(10).expect("rate").of(15), 2, "1.5 rounds up");
        assert_eq!(Rate::ZERO.of(123_456), 0);
        assert_eq!(Rate::percent(100).expect("rate").of(i64::MAX), i64::MAX);
    }
}
