use merx_kernel::{Timestamp, VariantId};

/// How a variant's stock is kept: whether it is counted at all, and when it counts as low.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockSettings {
    pub track_inventory: bool,
    pub low_stock_threshold: i64,
}

impl Default for StockSettings {
    fn default() -> Self {
        Self {
            track_inventory: true,
            low_stock_threshold: 5,
        }
    }
}

/// A variant's stock as the store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    pub variant_id: VariantId,
    pub on_hand: i64,
    /// Units held by live reservations (zero until checkout reserves).
    pub reserved: i64,
    pub settings: StockSettings,
    pub updated_at: Timestamp,
}

impl StockLevel {
    /// What can still be sold: on hand minus live reservations, never below zero.
    #[must_use]
    pub fn available(&self) -> i64 {
        (self.on_hand - self.reserved).max(0)
    }

    /// Untracked variants are always in stock.
    #[must_use]
    pub fn is_in_stock(&self) -> bool {
        !self.settings.track_inventory || self.available() > 0
    }

    /// Tracked, and at or below the threshold (sold out counts as low).
    #[must_use]
    pub fn is_low_stock(&self) -> bool {
        self.settings.track_inventory && self.available() <= self.settings.low_stock_threshold
    }

    /// Sellable by its on-hand count alone (holds aside): what a product's kept count of
    /// sellable variants counts, the `in_stock` filter's first cut.
    #[must_use]
    pub fn sellable_on_hand(&self) -> bool {
        !self.settings.track_inventory || self.on_hand > 0
    }

    /// How moving on hand to `after` changes that count: -1 when the variant stops being
    /// sellable, +1 when it starts again, else 0. Stores add these up instead of recounting,
    /// so concurrent moves of one product's variants need no lock on the product.
    #[must_use]
    pub fn sellable_change(&self, after: i64) -> i64 {
        let moved = Self {
            on_hand: after,
            ..self.clone()
        };
        i64::from(moved.sellable_on_hand()) - i64::from(self.sellable_on_hand())
    }

    /// The on-hand count after units leave (`delta < 0`, an order) or come back (`delta > 0`,
    /// a cancelled order), never below zero; `None` for untracked stock, which is not counted
    /// and so never moves.
    #[must_use]
    pub fn on_hand_after(&self, delta: i64) -> Option<i64> {
        self.settings
            .track_inventory
            .then(|| self.on_hand.saturating_add(delta).max(0))
    }
}

/// A product's stock flags from its variants' levels (spec §3): in stock when any variant is,
/// low when any tracked variant is at or below its threshold. A variant without a level counts
/// as neither. The `in_stock` list filter of both stores means exactly [`is_in_stock`].
#[must_use]
pub fn is_in_stock<'a>(levels: impl IntoIterator<Item = &'a StockLevel>) -> bool {
    levels.into_iter().any(StockLevel::is_in_stock)
}

/// See [`is_in_stock`].
#[must_use]
pub fn is_low_stock<'a>(levels: impl IntoIterator<Item = &'a StockLevel>) -> bool {
    levels.into_iter().any(StockLevel::is_low_stock)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(on_hand: i64, reserved: i64, track: bool) -> StockLevel {
        StockLevel {
            variant_id: VariantId::new(),
            on_hand,
            reserved,
            settings: StockSettings {
                track_inventory: track,
                low_stock_threshold: 5,
            },
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn available_never_goes_below_zero() {
        assert_eq!(level(10, 3, true).available(), 7);
        assert_eq!(level(2, 5, true).available(), 0);
    }

    #[test]
    fn stock_flags_follow_availability_and_tracking() {
        assert!(level(6, 0, true).is_in_stock());
        assert!(!level(6, 0, true).is_low_stock());
        assert!(level(5, 0, true).is_low_stock());
        assert!(!level(3, 3, true).is_in_stock());
        assert!(
            level(0, 0, false).is_in_stock(),
            "untracked is always sellable"
        );
        assert!(!level(0, 0, false).is_low_stock());
    }

    #[test]
    fn moves_floor_at_zero_and_leave_untracked_stock_alone() {
        assert_eq!(level(5, 0, true).on_hand_after(-2), Some(3));
        assert_eq!(level(1, 0, true).on_hand_after(-2), Some(0));
        assert_eq!(level(1, 0, true).on_hand_after(4), Some(5));
        assert_eq!(level(1, 0, false).on_hand_after(-1), None);
    }

    #[test]
    fn the_sellable_count_moves_only_when_a_tracked_variant_crosses_zero() {
        assert_eq!(level(1, 0, true).sellable_change(0), -1);
        assert_eq!(level(0, 0, true).sellable_change(3), 1);
        assert_eq!(
            level(5, 4, true).sellable_change(4),
            0,
            "holds do not count"
        );
        assert_eq!(level(0, 0, true).sellable_change(0), 0);
        assert_eq!(
            level(0, 0, false).sellable_change(0),
            0,
            "untracked always counts"
        );
    }

    #[test]
    fn a_product_is_in_stock_when_any_variant_is() {
        let held = level(2, 2, true);
        let free = level(1, 0, true);
        assert!(!is_in_stock([&held]));
        assert!(is_in_stock([&held, &free]));
        assert!(is_low_stock([&free]));
        assert!(!is_in_stock([]));
    }
}
