//! Rate limits of the token, introspection and revocation endpoints, kept
//! in memory (governor's GCRA): a database write per token request would
//! cost more than the signature. Limits are per process; several API
//! processes each allow the configured rate.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::OAuthSettings;

/// How many checks pass between two prunings of idle keys.
const PRUNE_EVERY: u64 = 4096;

pub struct TokenLimits {
    per_client: DefaultKeyedRateLimiter<i64>,
    per_ip: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
}

impl TokenLimits {
    pub fn new(settings: &OAuthSettings) -> Self {
        let quota = |per_minute: u32| {
            Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
        };
        Self {
            per_client: RateLimiter::keyed(quota(settings.token_requests_per_client_per_minute)),
            per_ip: RateLimiter::keyed(quota(settings.token_requests_per_ip_per_minute)),
            checks: AtomicU64::new(0),
        }
    }

    /// `Err(wait)` when the application (by id: only existing applications
    /// take room) has asked too often.
    pub fn check_client(&self, application_id: i64) -> Result<(), Duration> {
        self.prune();
        self.per_client
            .check_key(&application_id)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// `Err(wait)` when the address has asked too often.
    pub fn check_ip(&self, ip: &str) -> Result<(), Duration> {
        self.prune();
        self.per_ip
            .check_key(&ip.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn prune(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.per_client.retain_recent();
            self.per_ip.retain_recent();
        }
    }
}
