//! Money as an integer count of a currency's minor unit. There is no float anywhere here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// ISO 4217 currencies Merx prices in, with their minor-unit exponents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Currency {
    Usd,
    Eur,
    Gbp,
    Cad,
    Aud,
    Chf,
    Jpy,
    Krw,
    Jod,
    Kwd,
    Bhd,
}

impl Currency {
    pub const ALL: [Self; 11] = [
        Self::Usd,
        Self::Eur,
        Self::Gbp,
        Self::Cad,
        Self::Aud,
        Self::Chf,
        Self::Jpy,
        Self::Krw,
        Self::Jod,
        Self::Kwd,
        Self::Bhd,
    ];

    /// The ISO 4217 alphabetic code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Usd => "USD",
            Self::Eur => "EUR",
            Self::Gbp => "GBP",
            Self::Cad => "CAD",
            Self::Aud => "AUD",
            Self::Chf => "CHF",
            Self::Jpy => "JPY",
            Self::Krw => "KRW",
            Self::Jod => "JOD",
            Self::Kwd => "KWD",
            Self::Bhd => "BHD",
        }
    }

    /// Digits after the decimal point in the minor unit (ISO 4217 exponent).
    #[must_use]
    pub const fn exponent(self) -> u32 {
        match self {
            Self::Jpy | Self::Krw => 0,
            Self::Jod | Self::Kwd | Self::Bhd => 3,
            _ => 2,
        }
    }

    /// How many minor units make one major unit (100 for USD, 1 for KRW, 1000 for JOD).
    #[must_use]
    pub const fn minor_per_major(self) -> i64 {
        10_i64.pow(self.exponent())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown or unsupported currency code `{0}`")]
    UnknownCurrency(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount out of range")]
    Overflow,
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        Self::ALL
            .into_iter()
            .find(|c| c.code() == upper)
            .ok_or_else(|| MoneyError::UnknownCurrency(s.to_owned()))
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.code().to_owned()
    }
}

/// An amount in a currency's minor unit: `Money::new(1999, Currency::Usd)` is $19.99,
/// `Money::new(5900, Currency::Jod)` is 5.900 JOD, `Money::new(30000, Currency::Krw)` is ₩30,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: i64,
    currency: Currency,
}

impl Money {
    #[must_use]
    pub const fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount: amount_minor,
            currency,
        }
    }

    #[must_use]
    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The amount in minor units.
    #[must_use]
    pub const fn amount(&self) -> i64 {
        self.amount
    }

    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    #[must_use]
    pub const fn is_negative(&self) -> bool {
        self.amount < 0
    }

    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] for different currencies, [`MoneyError::Overflow`] past `i64`.
    pub fn checked_add(self, other: Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(amount, self.currency))
    }

    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] for different currencies, [`MoneyError::Overflow`] past `i64`.
    pub fn checked_sub(self, other: Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(amount, self.currency))
    }

    /// The amount times a quantity (a line total).
    ///
    /// # Errors
    /// [`MoneyError::Overflow`] past `i64`.
    pub fn checked_mul(self, quantity: i64) -> Result<Self, MoneyError> {
        let amount = self
            .amount
            .checked_mul(quantity)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(amount, self.currency))
    }

    fn same_currency(self, other: Self) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

impl fmt::Display for Money {
    /// `19.99 USD`, `30000 KRW`, `5.900 JOD`: exact, from integers only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = self.currency.exponent();
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        if exp == 0 {
            return write!(f, "{sign}{abs} {}", self.currency);
        }
        let per = 10_u64.pow(exp);
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / per,
            abs % per,
            self.currency,
            width = exp as usize
        )
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn currency() -> impl Strategy<Value = Currency> {
        prop::sample::select(Currency::ALL.to_vec())
    }

    proptest! {
        /// The display is exact: as many decimals as the currency has, and read back it is the
        /// same number of minor units.
        #[test]
        fn money_displays_exactly_in_every_currency(amount in any::<i64>(), currency in currency()) {
            let shown = Money::new(amount, currency).to_string();
            let (number, code) = shown.rsplit_once(' ').expect("amount and code");
            prop_assert_eq!(code, currency.code());
            let digits = number.split_once('.').map_or(0, |(_, d)| d.len());
            prop_assert_eq!(digits, currency.exponent() as usize);
            let back: i128 = number.replace('.', "").parse().expect("digits");
            prop_assert_eq!(back, i128::from(amount));
        }

        /// Checked arithmetic never wraps or panics: it answers the exact sum or an error.
        #[test]
        fn checked_arithmetic_is_exact_or_refused(a in any::<i64>(), b in any::<i64>(), q in any::<i64>(), currency in currency()) {
            let (x, y) = (Money::new(a, currency), Money::new(b, currency));
            match x.checked_add(y) {
                Ok(sum) => prop_assert_eq!(i128::from(sum.amount()), i128::from(a) + i128::from(b)),
                Err(_) => prop_assert!(a.checked_add(b).is_none()),
            }
            match x.checked_sub(y) {
                Ok(d) => prop_assert_eq!(i128::from(d.amount()), i128::from(a) - i128::from(b)),
                Err(_) => prop_assert!(a.checked_sub(b).is_none()),
            }
            if let Ok(p) = x.checked_mul(q) {
                prop_assert_eq!(i128::from(p.amount()), i128::from(a) * i128::from(q));
            }
            let other = if currency == Currency::Usd { Currency::Eur } else { Currency::Usd };
            let mixed = x.checked_add(Money::new(b, other));
            prop_assert!(mixed.is_err());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(Currency::Usd.exponent(), 2);
        assert_eq!(Currency::Eur.exponent(), 2);
        assert_eq!(Currency::Gbp.exponent(), 2);
        assert_eq!(Currency::Jpy.exponent(), 0);
        assert_eq!(Currency::Krw.exponent(), 0);
        assert_eq!(Currency::Jod.exponent(), 3);
        assert_eq!(Currency::Kwd.exponent(), 3);
        assert_eq!(Currency::Jod.minor_per_major(), 1000);
    }

    #[test]
    fn currency_codes_parse_case_insensitively_and_reject_unknown_ones() {
        assert_eq!("usd".parse::<Currency>(), Ok(Currency::Usd));
        assert_eq!("KRW".parse::<Currency>(), Ok(Currency::Krw));
        assert!(matches!(
            "XXX".parse::<Currency>(),
            Err(MoneyError::UnknownCurrency(_))
        ));
    }

    #[test]
    fn currencies_serialise_as_their_code() {
        let json = serde_json::to_string(&Currency::Jod).expect("serialises");
        assert_eq!(json, "\"JOD\"");
        let back: Currency = serde_json::from_str("\"jod\"").expect("parses");
        assert_eq!(back, Currency::Jod);
        assert!(serde_json::from_str::<Currency>("\"ABC\"").is_err());
    }

    #[test]
    fn display_is_exact_for_every_exponent() {
        assert_eq!(Money::new(1999, Currency::Usd).to_string(), "19.99 USD");
        assert_eq!(Money::new(5, Currency::Usd).to_string(), "0.05 USD");
        assert_eq!(Money::new(30_000, Currency::Krw).to_string(), "30000 KRW");
        assert_eq!(Money::new(5900, Currency::Jod).to_string(), "5.900 JOD");
        assert_eq!(Money::new(-1050, Currency::Eur).to_string(), "-10.50 EUR");
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        let usd = Money::new(100, Currency::Usd);
        let krw = Money::new(100, Currency::Krw);
        assert_eq!(
            usd.checked_add(krw),
            Err(MoneyError::CurrencyMismatch(Currency::Usd, Currency::Krw))
        );
        assert_eq!(usd.checked_add(usd), Ok(Money::new(200, Currency::Usd)));
        assert_eq!(
            usd.checked_sub(Money::new(150, Currency::Usd)),
            Ok(Money::new(-50, Currency::Usd))
        );
        assert_eq!(
            Money::new(i64::MAX, Currency::Usd).checked_mul(2),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::new(1999, Currency::Usd).checked_mul(3),
            Ok(Money::new(5997, Currency::Usd))
        );
    }
}
