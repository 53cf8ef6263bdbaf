//! Requests per token per minute, counted in this process: each app
//! instance keeps its own counts, so N instances allow up to N times the
//! limit. A fixed one-minute window per token.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<i32, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request by `token`; `Err(seconds)` to wait when over the limit.
    pub fn check(&self, token: i32, now: Instant) -> Result<(), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(token).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_token_has_its_own_minute() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        assert!(limiter.check(1, t0).is_ok());
        assert!(limiter.check(1, t0).is_ok());
        let wait = limiter.check(1, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, 50);
        assert!(limiter.check(2, t0).is_ok(), "another token is not held up");
        assert!(limiter.check(1, t0 + Duration::from_secs(60)).is_ok());
    }
}
