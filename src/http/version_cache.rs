//! Answers computed once per version of the programme's data and shared by
//! every request that asks the same question of the same data.
//!
//! The data version is read from the database on each request
//! (`services::reading::data_version`), so a change made through any app
//! instance is seen by every instance on its next request; an unchanged
//! programme costs that one read and a lookup. Entries for older versions
//! can never be asked for again and are dropped as soon as a newer version
//! is seen; at most `capacity` keys are kept for the current one.
//!
//! When many requests miss at once (the first after a change), one computes
//! and the others wait for its result rather than each doing the work.
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

type Slot<V> = Arc<OnceCell<Arc<V>>>;

struct Entries<K, V> {
    version: i64,
    slots: HashMap<K, Slot<V>>,
    /// Keys in the order they were added, oldest first, to evict.
    order: VecDeque<K>,
}

/// One kind of answer, per key, for the current data version.
pub struct VersionCache<K, V> {
    capacity: usize,
    entries: Mutex<Entries<K, V>>,
}

impl<K: Hash + Eq + Clone, V> VersionCache<K, V> {
    pub fn new(capacity: usize) -> VersionCache<K, V> {
        VersionCache {
            capacity: capacity.max(1),
            entries: Mutex::new(Entries {
                version: i64::MIN,
                slots: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The slot for `key` at `version`: a new one if none is held. Seeing a
    /// newer version drops every older entry.
    fn slot(&self, version: i64, key: &K) -> Slot<V> {
        let mut e = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if version > e.version {
            e.version = version;
            e.slots.clear();
            e.order.clear();
        }
        if version == e.version
            && let Some(slot) = e.slots.get(key)
        {
            return Arc::clone(slot);
        }
        let slot: Slot<V> = Arc::new(OnceCell::new());
        // A request that read an older version than another already has is
        // answered, but its answer is not kept.
        if version == e.version {
            while e.order.len() >= self.capacity {
                if let Some(old) = e.order.pop_front() {
                    e.slots.remove(&old);
                }
            }
            e.slots.insert(key.clone(), Arc::clone(&slot));
            e.order.push_back(key.clone());
        }
        slot
    }

    /// The answer for `key` at `version`, computed by `compute` if no
    /// request has computed it. A failure is not kept: the next request
    /// tries again.
    pub async fn get_or_compute<F, Fut, E>(
        &self,
        version: i64,
        key: &K,
        compute: F,
    ) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        let slot = self.slot(version, key);
        let value = slot
            .get_or_try_init(|| async { compute().await.map(Arc::new) })
            .await?;
        Ok(Arc::clone(value))
    }

    #[cfg(test)]
    fn held(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .slots
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn ask(cache: &VersionCache<u8, String>, version: i64, key: u8, computed: &AtomicUsize) {
        cache
            .get_or_compute(version, &key, || async {
                computed.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(format!("{key} at {version}"))
            })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn computes_once_per_key_and_forgets_older_versions() {
        let cache = VersionCache::new(4);
        let computed = AtomicUsize::new(0);
        ask(&cache, 1, 1, &computed).await;
        ask(&cache, 1, 1, &computed).await;
        assert_eq!(
            computed.load(Ordering::SeqCst),
            1,
            "the same key is computed once"
        );
        ask(&cache, 1, 2, &computed).await;
        assert_eq!(cache.held(), 2);
        ask(&cache, 2, 1, &computed).await;
        assert_eq!(
            computed.load(Ordering::SeqCst),
            3,
            "a new version is computed afresh"
        );
        assert_eq!(cache.held(), 1, "older versions are dropped");
        // A straggler that read version 1 is answered but not kept.
        ask(&cache, 1, 1, &computed).await;
        assert_eq!(computed.load(Ordering::SeqCst), 4);
        assert_eq!(cache.held(), 1);
    }

    #[tokio::test]
    async fn requests_that_miss_together_compute_once() {
        let cache = Arc::new(VersionCache::<u8, String>::new(4));
        let computed = Arc::new(AtomicUsize::new(0));
        let waiting: Vec<_> = (0..8)
            .map(|_| {
                let (cache, computed) = (Arc::clone(&cache), Arc::clone(&computed));
                tokio::spawn(async move {
                    cache
                        .get_or_compute(3, &1, || async move {
                            computed.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok::<_, ()>("slow".to_owned())
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for w in waiting {
            assert_eq!(w.await.unwrap().as_str(), "slow");
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn keeps_at_most_its_capacity() {
        let cache = VersionCache::new(2);
        let computed = AtomicUsize::new(0);
        for key in 1..=5 {
            ask(&cache, 7, key, &computed).await;
        }
        assert_eq!(cache.held(), 2);
    }

    #[tokio::test]
    async fn a_failed_computation_is_tried_again() {
        let cache = VersionCache::<u8, String>::new(2);
        let failed = cache
            .get_or_compute(1, &1, || async { Err("database away") })
            .await;
        assert!(failed.is_err());
        let ok = cache
            .get_or_compute(1, &1, || async { Ok::<_, &str>("back".to_owned()) })
            .await;
        assert_eq!(ok.unwrap().as_str(), "back");
    }
}
