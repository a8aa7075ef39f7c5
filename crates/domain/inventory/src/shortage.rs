//! The one rule for whether stock can cover a line: untracked stock is never short, a variant
//! without a level counts as nothing on hand, and what is available is the level's
//! [`StockLevel::available`]. Both stores call it under their locks.

use crate::{ReservationLine, Shortage, StockLevel};

/// What a line asks of stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// A new hold: live holds of other holders (the levels' `reserved`) count against it.
    Reserve,
    /// An order leaving with units its holder already holds: the holder spends its own hold,
    /// so only what is on hand counts (an admin may have lowered it meanwhile). When holds
    /// outnumber what is on hand after such a change, the first order to be taken wins.
    TakeHeld,
}

/// Every line `levels` cannot cover for `claim`, in the lines' order. `levels` are the
/// variants' levels with `reserved` counting the holds of holders other than the claimant.
#[must_use]
pub fn shortages(claim: Claim, lines: &[ReservationLine], levels: &[StockLevel]) -> Vec<Shortage> {
    lines
        .iter()
        .filter_map(|line| {
            let available = match levels.iter().find(|l| l.variant_id == line.variant_id) {
                Some(level) if !level.settings.track_inventory => return None,
                Some(level) => match claim {
                    Claim::Reserve => level.available(),
                    Claim::TakeHeld => level.on_hand.max(0),
                },
                None => 0,
            };
            (line.quantity > available).then_some(Shortage {
                variant_id: line.variant_id,
                available,
                requested: line.quantity,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use merx_kernel::VariantId;

    use super::*;
    use crate::StockSettings;

    fn level(on_hand: i64, reserved: i64, tracked: bool) -> StockLevel {
        StockLevel {
            variant_id: VariantId::new(),
            on_hand,
            reserved,
            settings: StockSettings {
                track_inventory: tracked,
                low_stock_threshold: 5,
            },
            updated_at: chrono::Utc::now(),
        }
    }

    fn line(level: &StockLevel, quantity: i64) -> ReservationLine {
        ReservationLine {
            variant_id: level.variant_id,
            quantity,
        }
    }

    #[test]
    fn reserving_counts_other_holds_and_never_less_than_zero() {
        let held = level(10, 7, true);
        assert!(
            shortages(
                Claim::Reserve,
                &[line(&held, 3)],
                std::slice::from_ref(&held)
            )
            .is_empty()
        );
        let short = shortages(
            Claim::Reserve,
            &[line(&held, 4)],
            std::slice::from_ref(&held),
        );
        assert_eq!(short[0].available, 3);
        assert_eq!(short[0].requested, 4);
        let over = level(2, 5, true);
        assert_eq!(
            shortages(
                Claim::Reserve,
                &[line(&over, 1)],
                std::slice::from_ref(&over)
            )[0]
            .available,
            0
        );
    }

    #[test]
    fn taking_held_stock_counts_what_is_on_hand() {
        let held = level(5, 5, true);
        assert!(
            shortages(
                Claim::TakeHeld,
                &[line(&held, 5)],
                std::slice::from_ref(&held)
            )
            .is_empty()
        );
        assert_eq!(
            shortages(
                Claim::TakeHeld,
                &[line(&held, 6)],
                std::slice::from_ref(&held)
            )[0]
            .available,
            5
        );
    }

    #[test]
    fn untracked_is_never_short_and_a_missing_level_has_nothing() {
        let untracked = level(0, 9, false);
        assert!(
            shortages(
                Claim::Reserve,
                &[line(&untracked, 50)],
                std::slice::from_ref(&untracked)
            )
            .is_empty()
        );
        let missing = ReservationLine {
            variant_id: VariantId::new(),
            quantity: 1,
        };
        let short = shortages(Claim::TakeHeld, &[missing], &[]);
        assert_eq!((short[0].available, short[0].requested), (0, 1));
    }
}
