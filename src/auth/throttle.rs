//! The in-process half of sign-in throttling: failures per client address,
//! and per client address and sign-in name, kept in memory by each app
//! instance (the per-name count across addresses is in the database; see
//! `SignInPolicy`). An attempt is counted as a failure when it starts, under
//! one lock, so parallel guesses cannot slip past the limit; a success gives
//! its count back.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use crate::domain::access::SignInPolicy;
use crate::domain::network::throttle_key;

/// Above this many remembered entries, expired ones are swept on the next attempt.
const SWEEP_ABOVE: usize = 10_000;
/// If a flood of names leaves more live pairs than this, the pair counts are
/// dropped (the per-address limit still holds), so memory stays bounded.
const MAX_PAIRS: usize = 200_000;

#[derive(Clone, Copy, Debug)]
struct Window {
    started: Instant,
    failures: u32,
}

#[derive(Debug, Default)]
struct Counts {
    addresses: HashMap<IpAddr, Window>,
    pairs: HashMap<(IpAddr, String), Window>,
}

#[derive(Debug)]
pub struct AddressThrottle {
    policy: SignInPolicy,
    counts: Mutex<Counts>,
}

/// Why an attempt may not go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locked {
    /// Too many failures from this address.
    Address,
    /// Too many failures from this address at this sign-in name.
    Pair,
}

impl AddressThrottle {
    pub fn new(policy: SignInPolicy) -> AddressThrottle {
        AddressThrottle {
            policy,
            counts: Mutex::new(Counts::default()),
        }
    }

    /// Claims an attempt from `address` at the sign-in name `account` (already
    /// normalised), counting it as a failure until `succeeded` says otherwise.
    pub fn begin(&self, address: IpAddr, account: &str) -> Result<(), Locked> {
        self.begin_at(address, account, Instant::now())
    }

    fn begin_at(&self, address: IpAddr, account: &str, now: Instant) -> Result<(), Locked> {
        let address = throttle_key(address);
        let window = self.policy.window;
        let live = |w: &Window| now.saturating_duration_since(w.started) < window;
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.addresses.len() + counts.pairs.len() > SWEEP_ABOVE {
            counts.addresses.retain(|_, w| live(w));
            counts.pairs.retain(|_, w| live(w));
            if counts.pairs.len() > MAX_PAIRS {
                counts.pairs.clear();
            }
        }
        let fresh = Window {
            started: now,
            failures: 0,
        };
        let at_address = *counts
            .addresses
            .entry(address)
            .and_modify(|w| {
                if !live(w) {
                    *w = fresh;
                }
            })
            .or_insert(fresh);
        if at_address.failures >= self.policy.address_max_failures {
            return Err(Locked::Address);
        }
        let key = (address, account.to_owned());
        let at_pair = *counts
            .pairs
            .entry(key.clone())
            .and_modify(|w| {
                if !live(w) {
                    *w = fresh;
                }
            })
            .or_insert(fresh);
        if at_pair.failures >= self.policy.pair_max_failures {
            return Err(Locked::Pair);
        }
        if let Some(w) = counts.addresses.get_mut(&address) {
            w.failures += 1;
        }
        if let Some(w) = counts.pairs.get_mut(&key) {
            w.failures += 1;
        }
        Ok(())
    }

    /// The attempt begun for `address` and `account` was the right password:
    /// the pair starts afresh and the address gets its attempt back.
    pub fn succeeded(&self, address: IpAddr, account: &str) {
        let address = throttle_key(address);
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.pairs.remove(&(address, account.to_owned()));
        if let Some(w) = counts.addresses.get_mut(&address) {
            w.failures = w.failures.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn policy() -> SignInPolicy {
        SignInPolicy {
            pair_max_failures: 3,
            address_max_failures: 5,
            ..SignInPolicy::default()
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_pair_locks_without_locking_the_name_elsewhere() {
        let throttle = AddressThrottle::new(policy());
        let now = Instant::now();
        let (a, b) = (ip("198.51.100.1"), ip("198.51.100.2"));
        for _ in 0..3 {
            assert_eq!(throttle.begin_at(a, "jo@nhs.net", now), Ok(()));
        }
        assert_eq!(throttle.begin_at(a, "jo@nhs.net", now), Err(Locked::Pair));
        assert_eq!(throttle.begin_at(b, "jo@nhs.net", now), Ok(()));
        assert_eq!(throttle.begin_at(a, "al@nhs.net", now), Ok(()));
        // The window passes and the pair may try again.
        let later = now + Duration::from_secs(15 * 60);
        assert_eq!(throttle.begin_at(a, "jo@nhs.net", later), Ok(()));
    }

    #[test]
    fn an_address_locks_across_names() {
        let throttle = AddressThrottle::new(policy());
        let now = Instant::now();
        let a = ip("2001:db8::1");
        for n in 0..5 {
            assert_eq!(throttle.begin_at(a, &format!("{n}@nhs.net"), now), Ok(()));
        }
        // Same /64, another name: still that address.
        let neighbour = ip("2001:db8::ffff");
        assert_eq!(
            throttle.begin_at(neighbour, "new@nhs.net", now),
            Err(Locked::Address)
        );
        assert_eq!(
            throttle.begin_at(ip("2001:db9::1"), "new@nhs.net", now),
            Ok(())
        );
    }

    #[test]
    fn success_gives_the_attempt_back() {
        let throttle = AddressThrottle::new(policy());
        let a = ip("192.0.2.1");
        for _ in 0..2 {
            throttle.begin(a, "jo@nhs.net").unwrap();
        }
        throttle.begin(a, "jo@nhs.net").unwrap();
        throttle.succeeded(a, "jo@nhs.net");
        for _ in 0..2 {
            assert_eq!(throttle.begin(a, "jo@nhs.net"), Ok(()));
        }
        // Five at the address in all, counting the successful one given back.
        assert_eq!(throttle.begin(a, "jo@nhs.net"), Ok(()));
        assert_eq!(throttle.begin(a, "jo@nhs.net"), Err(Locked::Address));
    }
}
