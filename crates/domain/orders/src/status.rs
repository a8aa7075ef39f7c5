use merx_kernel::Timestamp;
use serde::{Deserialize, Serialize};

/// Where an order is. pending → confirmed → processing → shipped → delivered; pending or
/// confirmed → cancelled. Nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Confirmed,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Pending,
    Paid,
    Failed,
    Refunded,
    PartiallyRefunded,
}

/// A move the status machine does not allow (`409 invalid_transition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order cannot go from {} to {}", .from.as_str(), .to.as_str())]
pub struct InvalidTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

impl PaymentStatus {
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Paid,
        Self::Failed,
        Self::Refunded,
        Self::PartiallyRefunded,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Refunded => "refunded",
            Self::PartiallyRefunded => "partially_refunded",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl OrderStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Processing => "processing",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Confirmed,
            Self::Processing,
            Self::Shipped,
            Self::Delivered,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Whether the machine allows going from `self` to `to`.
    #[must_use]
    pub const fn allows(self, to: Self) -> bool {
        matches!(
            (self, to),
            (Self::Pending, Self::Confirmed | Self::Cancelled)
                | (Self::Confirmed, Self::Processing | Self::Cancelled)
                | (Self::Processing, Self::Shipped)
                | (Self::Shipped, Self::Delivered)
        )
    }

    /// An owner may cancel while nothing has been prepared yet.
    #[must_use]
    pub const fn is_cancellable(self) -> bool {
        self.allows(Self::Cancelled)
    }
}

/// When an order reached each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusTimes {
    pub confirmed_at: Option<Timestamp>,
    pub shipped_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
}

impl StatusTimes {
    /// Moves `status` to `to` at `now`, stamping the stage's time.
    ///
    /// # Errors
    /// [`InvalidTransition`], and nothing changes.
    pub fn transition(
        &mut self,
        status: &mut OrderStatus,
        to: OrderStatus,
        now: Timestamp,
    ) -> Result<(), InvalidTransition> {
        if !status.allows(to) {
            return Err(InvalidTransition { from: *status, to });
        }
        let stamp = match to {
            OrderStatus::Confirmed => &mut self.confirmed_at,
            OrderStatus::Shipped => &mut self.shipped_at,
            OrderStatus::Delivered => &mut self.delivered_at,
            OrderStatus::Cancelled => &mut self.cancelled_at,
            OrderStatus::Pending | OrderStatus::Processing => {
                *status = to;
                return Ok(());
            }
        };
        *stamp = Some(now);
        *status = to;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    const ALL: [OrderStatus; 6] = [
        Pending, Confirmed, Processing, Shipped, Delivered, Cancelled,
    ];

    #[test]
    fn exactly_the_specs_moves_are_allowed() {
        let allowed = [
            (Pending, Confirmed),
            (Confirmed, Processing),
            (Processing, Shipped),
            (Shipped, Delivered),
            (Pending, Cancelled),
            (Confirmed, Cancelled),
        ];
        for from in ALL {
            for to in ALL {
                assert_eq!(
                    from.allows(to),
                    allowed.contains(&(from, to)),
                    "{} → {}",
                    from.as_str(),
                    to.as_str()
                );
            }
        }
        assert!(Pending.is_cancellable() && Confirmed.is_cancellable());
        assert!(!Processing.is_cancellable() && !Shipped.is_cancellable());
    }

    #[test]
    fn a_transition_stamps_its_time_and_a_refused_one_changes_nothing() {
        let now = chrono::Utc::now();
        let mut status = Pending;
        let mut times = StatusTimes::default();
        times
            .transition(&mut status, Confirmed, now)
            .expect("allowed");
        assert_eq!((status, times.confirmed_at), (Confirmed, Some(now)));
        let refused = times.transition(&mut status, Delivered, now);
        assert_eq!(
            refused,
            Err(InvalidTransition {
                from: Confirmed,
                to: Delivered
            })
        );
        assert_eq!(
            refused.map_err(|e| e.to_string()),
            Err("an order cannot go from confirmed to delivered".into())
        );
        assert_eq!((status, times.delivered_at), (Confirmed, None));
        times
            .transition(&mut status, Processing, now)
            .expect("allowed");
        times
            .transition(&mut status, Shipped, now)
            .expect("allowed");
        assert!(
            times.transition(&mut status, Cancelled, now).is_err(),
            "cancel after shipped"
        );
        assert_eq!(times.shipped_at, Some(now));
    }

    #[test]
    fn statuses_read_and_write_their_names() {
        for s in ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrderStatus::parse("lost"), None);
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::Value::from(s.as_str())),
                "the serde name is the stored name"
            );
        }
        assert_eq!(
            serde_json::to_string(&PaymentStatus::PartiallyRefunded)
                .ok()
                .as_deref(),
            Some("\"partially_refunded\"")
        );
    }
}
