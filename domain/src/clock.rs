//! The time Gatehouse reads. It is the system clock, moved forward by
//! `advance`, which only the tests call: they move time past a TTL, a
//! lease or a rate-limit window instead of sleeping through it. Services
//! ask `Gatehouse::now`, so everything compared against an expiry, a lease
//! or a window, and what they stamp, comes from this clock. Helpers that
//! hold only a connection (audit entries, queued emails, seeds) stamp their
//! rows with the system clock; that differs only where a test moved time.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Default)]
pub struct Clock {
    /// How far this clock is ahead of the system clock, in milliseconds.
    ahead_ms: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.ahead_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock forward by `by`.
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.ahead_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(std::time::Duration::from_secs(3600));
        let gap = clock.now() - before;
        assert!(
            gap >= Duration::seconds(3600) && gap < Duration::seconds(3700),
            "{gap}"
        );
    }
}
