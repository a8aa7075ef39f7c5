use merx_kernel::{Timestamp, VariantId};

/// Units of one variant to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationLine {
    pub variant_id: VariantId,
    pub quantity: i64,
}

/// A line that could not be held: what is available now against what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortage {
    pub variant_id: VariantId,
    pub available: i64,
    pub requested: i64,
}

/// What an all-or-nothing reservation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// Every line is held until the expiry given.
    Reserved,
    /// Nothing is held; each short line is listed.
    Short(Vec<Shortage>),
}

/// A hold counts while it is live: until the moment it expires, whether or not a sweeper has
/// deleted it yet. Postgres asks the same in SQL (`expires_at > now`).
#[must_use]
pub fn is_live(expires_at: Timestamp, now: Timestamp) -> bool {
    expires_at > now
}

/// Merges lines of the same variant and drops empty ones, so a holder asks once per variant.
#[must_use]
pub fn merged(lines: &[ReservationLine]) -> Vec<ReservationLine> {
    let mut out: Vec<ReservationLine> = Vec::with_capacity(lines.len());
    for line in lines.iter().filter(|l| l.quantity > 0) {
        match out.iter_mut().find(|o| o.variant_id == line.variant_id) {
            Some(o) => o.quantity = o.quantity.saturating_add(line.quantity),
            None => out.push(*line),
        }
    }
    out.sort_by_key(|l| l.variant_id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_one_variant_merge_and_empty_ones_drop() {
        let (a, b) = (VariantId::new(), VariantId::new());
        let lines = [
            ReservationLine {
                variant_id: a,
                quantity: 2,
            },
            ReservationLine {
                variant_id: b,
                quantity: 0,
            },
            ReservationLine {
                variant_id: a,
                quantity: 3,
            },
        ];
        assert_eq!(
            merged(&lines),
            [ReservationLine {
                variant_id: a,
                quantity: 5
            }]
        );
    }
}
