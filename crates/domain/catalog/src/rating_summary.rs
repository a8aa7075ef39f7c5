//! What a product's published reviews add up to: the counts per star that every product body
//! shows, and the mean the list filters and sorts on (spec §18).

/// Published reviews of a product, counted per star (index 0 is one star).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RatingSummary {
    counts: [u32; 5],
}

impl RatingSummary {
    /// A summary of these counts per star, one star first.
    #[must_use]
    pub const fn from_counts(counts: [u32; 5]) -> Self {
        Self { counts }
    }

    /// Reviews per star, one star first.
    #[must_use]
    pub const fn counts(&self) -> [u32; 5] {
        self.counts
    }

    #[must_use]
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&n| u64::from(n)).sum()
    }

    fn stars(&self) -> u64 {
        (1..=5u64)
            .zip(self.counts)
            .map(|(star, n)| star * u64::from(n))
            .sum()
    }

    /// The mean in tenths of a star, rounded half up (4.25 → 43); 0 without reviews.
    #[must_use]
    pub fn average_tenths(&self) -> u64 {
        let total = self.total();
        if total == 0 {
            return 0;
        }
        (self.stars() * 20 + total) / (2 * total)
    }

    /// The mean as shown: one decimal, 0 without reviews (4.3 for 43 tenths). Read from its
    /// decimal text, so it is the f64 nearest that decimal, with no arithmetic on floats.
    #[must_use]
    pub fn average_rating(&self) -> f64 {
        let tenths = self.average_tenths();
        format!("{}.{}", tenths / 10, tenths % 10)
            .parse()
            .unwrap_or_default()
    }

    /// The mean as a fraction (stars, reviews); 0/1 without reviews.
    fn mean(&self) -> (u64, u64) {
        match self.total() {
            0 => (0, 1),
            total => (self.stars(), total),
        }
    }

    /// Whether the exact mean (0 without reviews) is at least `min`: what `min_rating` keeps.
    #[must_use]
    pub fn meets(&self, min: MinRating) -> bool {
        let (stars, total) = self.mean();
        stars * 100 >= u64::from(min.hundredths()) * total
    }

    /// Orders two products by their exact means (0 without reviews): `sort_by=rating`.
    #[must_use]
    pub fn cmp_mean(&self, other: &Self) -> std::cmp::Ordering {
        let (a, n) = self.mean();
        let (b, m) = other.mean();
        (a * m).cmp(&(b * n))
    }

    /// These counts with `delta` added (a count never goes below zero).
    #[must_use]
    pub fn plus(&self, delta: [i64; 5]) -> Self {
        let mut counts = self.counts;
        for (count, d) in counts.iter_mut().zip(delta) {
            *count = u32::try_from((i64::from(*count) + d).max(0)).unwrap_or(u32::MAX);
        }
        Self { counts }
    }
}

/// A lower bound on a product's mean rating (`min_rating`): 0 to 5, to the hundredth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinRating(u32);

impl MinRating {
    /// Reads `4`, `4.5` or `4.25`; `None` for anything else, more decimals, or beyond 0..=5.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
        if whole.is_empty()
            || fraction.len() > 2
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: u32 = whole.parse().ok()?;
        let fraction: u32 = format!("{fraction:0<2}").parse().ok()?;
        let hundredths = whole.checked_mul(100)?.checked_add(fraction)?;
        (hundredths <= 500).then_some(Self(hundredths))
    }

    #[must_use]
    pub const fn hundredths(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min(text: &str) -> MinRating {
        MinRating::parse(text).expect("a bound")
    }

    #[test]
    fn the_mean_rounds_half_up_to_one_decimal() {
        let s = RatingSummary::from_counts([0, 0, 0, 3, 1]);
        assert_eq!(s.total(), 4);
        assert_eq!(s.average_tenths(), 43);
        assert_eq!(s.average_rating().to_string(), "4.3");
        assert_eq!(
            RatingSummary::from_counts([1, 2, 0, 0, 0]).average_tenths(),
            17
        );
        assert_eq!(
            RatingSummary::from_counts([0, 0, 0, 0, 2])
                .average_rating()
                .to_string(),
            "5"
        );
    }

    #[test]
    fn no_reviews_is_zero_and_meets_only_zero() {
        let s = RatingSummary::default();
        assert_eq!(s.average_tenths(), 0);
        assert!(s.meets(min("0")));
        assert!(!s.meets(min("0.01")));
    }

    #[test]
    fn min_rating_compares_the_exact_mean() {
        let s = RatingSummary::from_counts([0, 0, 0, 1, 1]); // 4.5
        assert!(s.meets(min("4.5")));
        assert!(!s.meets(min("4.51")));
        let s = RatingSummary::from_counts([0, 0, 0, 3, 1]); // 4.25, shown 4.3
        assert!(s.meets(min("4.25")));
        assert!(!s.meets(min("4.3")));
    }

    #[test]
    fn means_order_as_fractions() {
        let none = RatingSummary::default();
        let three = RatingSummary::from_counts([0, 0, 1, 0, 0]);
        let four_and_a_third = RatingSummary::from_counts([0, 0, 1, 0, 2]);
        let five = RatingSummary::from_counts([0, 0, 0, 0, 7]);
        let mut all = [five, none, four_and_a_third, three];
        all.sort_by(RatingSummary::cmp_mean);
        assert_eq!(all, [none, three, four_and_a_third, five]);
    }

    #[test]
    fn bounds_are_decimals_from_zero_to_five() {
        assert_eq!(min("4").hundredths(), 400);
        assert_eq!(min(" 4.5 ").hundredths(), 450);
        assert_eq!(min("0.05").hundredths(), 5);
        assert_eq!(min("5.00").hundredths(), 500);
        for bad in [
            "", "5.01", "6", "-1", "4.555", "abc", ".5", "1e0", "NaN", "+4",
        ] {
            assert_eq!(MinRating::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_delta_moves_counts_and_never_below_zero() {
        let s = RatingSummary::from_counts([1, 0, 2, 0, 0]).plus([0, 0, -1, 0, 1]);
        assert_eq!(s.counts(), [1, 0, 1, 0, 1]);
        assert_eq!(RatingSummary::default().plus([-1, 0, 0, 0, 0]).total(), 0);
    }
}
