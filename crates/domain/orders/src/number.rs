use std::fmt;

/// `MRX-2026-000123`: the year the order was placed and a number from a database sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderNumber {
    pub year: i32,
    pub sequence: i64,
}

impl OrderNumber {
    #[must_use]
    pub const fn new(year: i32, sequence: i64) -> Self {
        Self { year, sequence }
    }

    /// Parses `MRX-YYYY-NNNNNN` (at least six digits; more once a year passes a million).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("MRX-")?;
        let (year, seq) = rest.split_once('-')?;
        let digits = |p: &str, min: usize| p.len() >= min && p.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || !digits(year, 4) || !digits(seq, 6) {
            return None;
        }
        Some(Self::new(year.parse().ok()?, seq.parse().ok()?))
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MRX-{:04}-{:06}", self.year, self.sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_and_parse_as_the_spec_shows() {
        assert_eq!(OrderNumber::new(2026, 123).to_string(), "MRX-2026-000123");
        assert_eq!(
            OrderNumber::new(2026, 1_234_567).to_string(),
            "MRX-2026-1234567"
        );
        assert_eq!(
            OrderNumber::parse("MRX-2026-000123"),
            Some(OrderNumber::new(2026, 123))
        );
        for bad in [
            "MRX-26-000123",
            "MRX-2026-123",
            "ORD-2026-000123",
            "MRX-2026-00012a",
        ] {
            assert_eq!(OrderNumber::parse(bad), None, "{bad}");
        }
    }
}
