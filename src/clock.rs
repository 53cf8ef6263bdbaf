//! Where "now" comes from for programme data: the instant a change is
//! recorded (its history's `recorded_from`, its audit event, its
//! `updated_at`) and the date "today" for figures.
//!
//! A `Clock` is either the system's clock or a manual one that a test (or a
//! replay) sets and moves. The app state carries one; the web layer runs
//! every request inside [`Clock::scope`], and services read it through
//! [`now`], so a test can drive a scripted history through the real
//! application. Outside any scope (the command line) it is the system clock.
//! Sessions and sign-in throttling keep the system clock: they are about the
//! real world, not the programme's record.
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::{Date, OffsetDateTime};

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// Unix microseconds, set by whoever holds the clock.
    Manual(Arc<AtomicI64>),
}

tokio::task_local! {
    static CURRENT: Clock;
}

/// An instant to the microsecond, as stored.
pub fn to_micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

pub fn from_micros(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl Clock {
    pub fn system() -> Clock {
        Clock::System
    }

    /// A clock that stays at `at` until set or advanced.
    pub fn manual(at: OffsetDateTime) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(to_micros(at))))
    }

    /// The clock's instant, to the microsecond (what the databases keep).
    pub fn now(&self) -> OffsetDateTime {
        match self {
            Clock::System => from_micros(to_micros(OffsetDateTime::now_utc())),
            Clock::Manual(us) => from_micros(us.load(Ordering::SeqCst)),
        }
    }

    /// Moves a manual clock to `at` (a system clock is left alone).
    pub fn set(&self, at: OffsetDateTime) {
        if let Clock::Manual(us) = self {
            us.store(to_micros(at), Ordering::SeqCst);
        }
    }

    /// Moves a manual clock on by `by`.
    pub fn advance(&self, by: time::Duration) {
        if let Clock::Manual(us) = self {
            let step = i64::try_from(by.whole_microseconds()).unwrap_or(0);
            us.fetch_add(step, Ordering::SeqCst);
        }
    }

    /// Runs `work` with this clock as "now".
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        CURRENT.scope(self, work).await
    }
}

/// Now, by the clock of the current scope (the system clock outside one).
pub fn now() -> OffsetDateTime {
    CURRENT
        .try_with(Clock::now)
        .unwrap_or_else(|_| Clock::System.now())
}

/// Today's date (UTC), by the same clock.
pub fn today() -> Date {
    now().date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[tokio::test]
    async fn a_manual_clock_is_now_inside_its_scope_only() {
        let clock = Clock::manual(datetime!(2018-03-31 23:59:59.123456 UTC));
        let inside = clock.clone().scope(async { now() }).await;
        assert_eq!(inside, datetime!(2018-03-31 23:59:59.123456 UTC));
        clock.advance(time::Duration::seconds(1));
        assert_eq!(
            clock.clone().scope(async { today() }).await,
            time::macros::date!(2018 - 04 - 01)
        );
        assert!(
            now().year() >= 2025,
            "outside the scope it is the system clock"
        );
    }

    #[test]
    fn instants_round_trip_through_microseconds() {
        let at = datetime!(2019-10-27 00:59:59.999999 UTC);
        assert_eq!(from_micros(to_micros(at)), at);
    }
}
