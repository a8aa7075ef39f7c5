//! The funnel from cart to paid order, over the carts, sessions and orders of a period.

/// What the stores count for a period (see docs/reviews-and-reports.md, "Funnel").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FunnelCounts {
    pub carts_created: u64,
    /// Of the carts created, those that ever held an item.
    pub carts_with_items: u64,
    /// Of the carts with items, those an order spent.
    pub carts_ordered: u64,
    pub checkouts_started: u64,
    /// Of the sessions started, those that became an order.
    pub checkouts_completed: u64,
    pub orders_placed: u64,
    /// Orders sold in the period ([`crate::sold_at`]).
    pub orders_paid: u64,
}

/// A rate from 0 to 1 in ten-thousandths (4 decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(u64);

impl Rate {
    /// `part / whole` rounded half up to 4 decimals; 0 when `whole` is 0.
    #[must_use]
    pub fn of(part: u64, whole: u64) -> Self {
        if whole == 0 {
            return Self(0);
        }
        Self((part.min(whole) * 20_000 + whole) / (2 * whole))
    }

    #[must_use]
    pub const fn ten_thousandths(self) -> u64 {
        self.0
    }

    /// As JSON shows it: read from its decimal text, no arithmetic on floats.
    #[must_use]
    pub fn as_number(self) -> f64 {
        format!("{}.{:04}", self.0 / 10_000, self.0 % 10_000)
            .parse()
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Funnel {
    pub counts: FunnelCounts,
    /// Carts with items that never became an order, of the carts with items.
    pub cart_abandonment_rate: Rate,
    /// Sessions that became an order, of the sessions started.
    pub checkout_completion_rate: Rate,
}

impl Funnel {
    #[must_use]
    pub fn of(counts: FunnelCounts) -> Self {
        Self {
            counts,
            cart_abandonment_rate: Rate::of(
                counts.carts_with_items.saturating_sub(counts.carts_ordered),
                counts.carts_with_items,
            ),
            checkout_completion_rate: Rate::of(
                counts.checkouts_completed,
                counts.checkouts_started,
            ),
        }
    }
}

/// What `/metrics` shows of the business (spec §18), counted in the store at each scrape, so
/// every instance shows the same figures and a restart loses nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BusinessCounters {
    /// Orders by their status as the API names it.
    pub orders_by_status: Vec<(String, u64)>,
    /// The `total` of every order sold ([`crate::sold_at`]), per currency.
    pub revenue: Vec<(merx_kernel::Currency, i64)>,
    /// Checkout sessions by status: `open`, `complete`, `expired`, `cancelled`.
    pub sessions_by_outcome: Vec<(String, u64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up_to_four_decimals() {
        assert_eq!(Rate::of(1, 3).ten_thousandths(), 3333);
        assert_eq!(Rate::of(2, 3).ten_thousandths(), 6667);
        assert_eq!(Rate::of(1, 8).ten_thousandths(), 1250);
        assert_eq!(
            Rate::of(1, 20_000).ten_thousandths(),
            1,
            "0.00005 rounds up"
        );
        assert_eq!(
            Rate::of(1, 80_000).ten_thousandths(),
            0,
            "0.0000125 rounds down"
        );
        assert_eq!(Rate::of(0, 0).ten_thousandths(), 0);
        assert_eq!(Rate::of(3, 3).as_number().to_string(), "1");
        assert_eq!(Rate::of(1, 3).as_number().to_string(), "0.3333");
    }

    #[test]
    fn abandonment_is_of_carts_with_items() {
        let f = Funnel::of(FunnelCounts {
            carts_created: 10,
            carts_with_items: 4,
            carts_ordered: 1,
            checkouts_started: 3,
            checkouts_completed: 1,
            orders_placed: 2,
            orders_paid: 1,
        });
        assert_eq!(f.cart_abandonment_rate.ten_thousandths(), 7500);
        assert_eq!(f.checkout_completion_rate.ten_thousandths(), 3333);
    }
}
