use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Every instant in Merx is UTC.
pub type Timestamp = DateTime<Utc>;

/// The source of "now". Services take it as a port so tests can move time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Utc::now()
    }
}

/// A clock that only moves when told to; for tests and simulations.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    #[must_use]
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }

    pub fn set(&self, to: Timestamp) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The wall clock moved forward by however much it was told: time flows as usual, and a test
/// jumps past a reservation's expiry or a backoff instead of sleeping through it.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    ahead: Mutex<Duration>,
}

impl ShiftedClock {
    pub fn advance(&self, by: Duration) {
        let mut ahead = self
            .ahead
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *ahead += by;
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> Timestamp {
        Utc::now()
            + *self
                .ahead
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let start = Utc::now();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::minutes(15));
        assert_eq!(clock.now(), start + Duration::minutes(15));
    }

    #[test]
    fn a_shifted_clock_runs_with_the_wall_clock_from_where_it_was_moved() {
        let clock = ShiftedClock::default();
        let before = Utc::now();
        assert!(clock.now() >= before);
        clock.advance(Duration::minutes(15));
        let moved = clock.now();
        assert!(moved >= before + Duration::minutes(15));
        assert!(moved < Utc::now() + Duration::minutes(16));
    }

    #[test]
    fn mock_clock_can_stand_in_for_the_port() {
        let fixed = Utc::now();
        let mut clock = MockClock::new();
        clock.expect_now().return_const(fixed);
        let port: &dyn Clock = &clock;
        assert_eq!(port.now(), fixed);
    }
}
