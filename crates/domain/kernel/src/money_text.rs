//! Money written for people (`₩28,000`, `$344.98`, `JOD 5.000`: emails, spec §13) and for a
//! provider's wire as a decimal string in the currency's exponent (`"344.98"`, `"28000"`:
//! WooCommerce). Both from integers only.

use crate::{Currency, Money};

impl Money {
    /// The amount as a decimal string with the currency's digits: `"344.98"`, `"28000"`,
    /// `"5.000"`, `"-0.50"`.
    ///
    /// ```
    /// use merx_kernel::{Currency, Money};
    /// assert_eq!(Money::new(34_498, Currency::Usd).decimal(), "344.98");
    /// assert_eq!(Money::new(28_000, Currency::Krw).decimal(), "28000");
    /// assert_eq!(Money::new(5_000, Currency::Jod).decimal(), "5.000");
    /// ```
    #[must_use]
    pub fn decimal(&self) -> String {
        let (whole, fraction) = self.parts();
        let sign = if self.amount() < 0 { "-" } else { "" };
        match fraction {
            Some(f) => format!("{sign}{whole}.{f}"),
            None => format!("{sign}{whole}"),
        }
    }

    /// The amount as a shopper reads it: the currency's sign where it has a well-known one,
    /// its code otherwise, thousands grouped.
    ///
    /// ```
    /// use merx_kernel::{Currency, Money};
    /// assert_eq!(Money::new(28_000, Currency::Krw).for_people(), "₩28,000");
    /// assert_eq!(Money::new(34_498, Currency::Usd).for_people(), "$344.98");
    /// assert_eq!(Money::new(5_000, Currency::Jod).for_people(), "JOD 5.000");
    /// assert_eq!(Money::new(123_456_789, Currency::Eur).for_people(), "€1,234,567.89");
    /// ```
    #[must_use]
    pub fn for_people(&self) -> String {
        let (whole, fraction) = self.parts();
        let grouped = group_thousands(&whole.to_string());
        let number = match fraction {
            Some(f) => format!("{grouped}.{f}"),
            None => grouped,
        };
        let sign = if self.amount() < 0 { "-" } else { "" };
        match symbol(self.currency()) {
            Some(s) => format!("{sign}{s}{number}"),
            None => format!("{sign}{} {number}", self.currency().code()),
        }
    }

    /// The absolute amount's whole units and, for a currency with decimals, its fraction
    /// written with every digit.
    fn parts(&self) -> (u64, Option<String>) {
        let exp = self.currency().exponent();
        let abs = self.amount().unsigned_abs();
        if exp == 0 {
            return (abs, None);
        }
        let per = 10_u64.pow(exp);
        (
            abs / per,
            Some(format!("{:0width$}", abs % per, width = exp as usize)),
        )
    }
}

/// Signs shoppers read without ambiguity; dollars other than the US's and the dinars keep
/// their code.
const fn symbol(currency: Currency) -> Option<&'static str> {
    match currency {
        Currency::Usd => Some("$"),
        Currency::Eur => Some("€"),
        Currency::Gbp => Some("£"),
        Currency::Jpy => Some("¥"),
        Currency::Krw => Some("₩"),
        _ => None,
    }
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The decimal string reads back as the same minor units in every currency.
        #[test]
        fn decimal_strings_read_back_exactly(amount in any::<i64>(), at in 0..Currency::ALL.len()) {
            let currency = Currency::ALL[at];
            let text = Money::new(amount, currency).decimal();
            let digits = text.split_once('.').map_or(0, |(_, d)| d.len());
            prop_assert_eq!(digits, currency.exponent() as usize);
            let back: i128 = text.replace('.', "").parse().expect("digits");
            prop_assert_eq!(back, i128::from(amount));
            // Grouping only adds separators.
            let people = Money::new(amount, currency).for_people();
            let only_digits: String = people.chars().filter(char::is_ascii_digit).collect();
            let want: String = text.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(only_digits, want);
        }
    }

    #[test]
    fn small_and_negative_amounts() {
        assert_eq!(Money::new(5, Currency::Usd).decimal(), "0.05");
        assert_eq!(Money::new(-50, Currency::Usd).for_people(), "-$0.50");
        assert_eq!(Money::new(999, Currency::Krw).for_people(), "₩999");
        assert_eq!(Money::new(1_000, Currency::Krw).for_people(), "₩1,000");
    }
}
