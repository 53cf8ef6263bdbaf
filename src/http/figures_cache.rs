//! The dashboard's, briefing's and charts' figures, computed once per
//! (filters, as-at date, data version) and shared by every request that asks
//! for the same view of the same data.
//!
//! The data version is read from the database on each request
//! (`services::snapshot::data_version`), so a change made through any app
//! instance is seen by every instance on its next request; an unchanged
//! programme costs that one read and a lookup. Entries for older versions
//! can never be asked for again and are dropped as soon as a newer version
//! is seen; a fixed number of (filter, date) entries are kept per version.
//!
//! When many requests miss at once (the first after a change), one computes
//! and the others wait for its result rather than each rebuilding the
//! programme.
use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use maud::PreEscaped;
use time::Date;
use tokio::sync::OnceCell;

use crate::charts::ChartError;
use crate::domain::programme::Filter;
use crate::reports::briefing::{HEIGHT, Pack, WIDTH, subtitle};
use crate::reports::catalogue::{ChartData, ChartKind};

/// Which figures: the filters, the date, and the data they were computed from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FiguresKey {
    pub filter: Filter,
    pub as_at: Date,
    pub version: i64,
}

/// One chart's files, beside the pack's drawn SVG.
pub struct ChartFiles {
    /// Depends only on the chart's rows and drawing options, so an
    /// unrelated change to the programme keeps a chart's tag.
    pub etag: String,
    pub csv: String,
    png: OnceCell<Vec<u8>>,
}

/// A briefing pack with its charts' files, drawn lazily and once.
pub struct Figures {
    pub pack: Pack,
    files: Vec<ChartFiles>,
    /// The pack's body as rendered for each query string its links carry.
    bodies: Mutex<HashMap<String, Arc<PreEscaped<String>>>>,
}

impl Figures {
    pub fn new(pack: Pack) -> Figures {
        let subtitle = subtitle(pack.as_at);
        let files = pack
            .charts
            .iter()
            .map(|(data, _)| {
                let csv = data.csv();
                let mut hasher = DefaultHasher::new();
                (&csv, &subtitle, WIDTH, HEIGHT, env!("CARGO_PKG_VERSION")).hash(&mut hasher);
                ChartFiles {
                    etag: format!("{:016x}", hasher.finish()),
                    csv,
                    png: OnceCell::new(),
                }
            })
            .collect();
        Figures {
            pack,
            files,
            bodies: Mutex::default(),
        }
    }

    /// The body rendered for the query string `qs` (rendered by `render`
    /// the first time; two requests racing may both render it).
    pub fn rendered(
        &self,
        qs: &str,
        render: impl FnOnce() -> PreEscaped<String>,
    ) -> Arc<PreEscaped<String>> {
        let lock = || self.bodies.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(body) = lock().get(qs) {
            return Arc::clone(body);
        }
        let body = Arc::new(render());
        // The same view can be typed in several ways (`as_at` spellings);
        // keep a few, not one per spelling anyone sends.
        let mut bodies = lock();
        if bodies.len() < BODIES_KEPT {
            bodies.insert(qs.to_owned(), Arc::clone(&body));
        }
        body
    }

    fn position(&self, kind: ChartKind) -> Option<usize> {
        self.pack.charts.iter().position(|(d, _)| d.kind == kind)
    }

    pub fn data(&self, kind: ChartKind) -> Option<&ChartData> {
        self.position(kind).map(|i| &self.pack.charts[i].0)
    }

    pub fn svg(&self, kind: ChartKind) -> Option<&str> {
        self.position(kind).map(|i| self.pack.charts[i].1.as_str())
    }

    pub fn files(&self, kind: ChartKind) -> Option<&ChartFiles> {
        self.position(kind).map(|i| &self.files[i])
    }

    /// The chart as PNG, drawn off the async runtime the first time it is
    /// asked for.
    pub async fn png(self: &Arc<Self>, kind: ChartKind) -> Result<&[u8], ChartError> {
        let i = self
            .position(kind)
            .ok_or_else(|| ChartError::InvalidInput(format!("no {} chart", kind.slug())))?;
        let this = Arc::clone(self);
        let png = self.files[i]
            .png
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || {
                    let data = &this.pack.charts[i].0;
                    let options = data.options(WIDTH, HEIGHT, &subtitle(this.pack.as_at));
                    data.png(&options)
                })
                .await
                .map_err(|e| ChartError::Drawing(format!("the drawing task failed: {e}")))?
            })
            .await?;
        Ok(png.as_slice())
    }
}

/// Rendered bodies kept per view.
const BODIES_KEPT: usize = 4;

type Slot = Arc<OnceCell<Arc<Figures>>>;

struct Entries {
    version: i64,
    slots: HashMap<FiguresKey, Slot>,
    /// Keys in the order they were added, oldest first, to evict.
    order: VecDeque<FiguresKey>,
}

/// The shared cache (one per app instance).
pub struct FiguresCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

impl FiguresCache {
    pub fn new(capacity: usize) -> FiguresCache {
        FiguresCache {
            capacity: capacity.max(1),
            entries: Mutex::new(Entries {
                version: i64::MIN,
                slots: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The slot for `key`: a new one if none is held. Seeing a newer version
    /// drops every older entry.
    fn slot(&self, key: &FiguresKey) -> Slot {
        let mut e = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if key.version > e.version {
            e.version = key.version;
            e.slots.clear();
            e.order.clear();
        }
        if let Some(slot) = e.slots.get(key) {
            return Arc::clone(slot);
        }
        let slot: Slot = Arc::new(OnceCell::new());
        // A request that read an older version than another already has is
        // served, but not kept.
        if key.version == e.version {
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

    /// The figures for `key`, computing them with `compute` if no request has.
    pub async fn get_or_compute<F, Fut, E>(
        &self,
        key: &FiguresKey,
        compute: F,
    ) -> Result<Arc<Figures>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Figures, E>>,
    {
        let slot = self.slot(key);
        let figures = slot
            .get_or_try_init(|| async { compute().await.map(Arc::new) })
            .await?;
        Ok(Arc::clone(figures))
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

    fn key(version: i64, day: u8) -> FiguresKey {
        FiguresKey {
            filter: Filter::default(),
            as_at: Date::from_calendar_date(2020, time::Month::March, day).unwrap(),
            version,
        }
    }

    fn empty_figures(as_at: Date) -> Figures {
        let s = crate::domain::snapshot::Snapshot {
            as_at,
            participants: vec![],
            milestones: vec![],
            allocations: vec![],
            tranches: vec![],
            periods: vec![],
            returns: vec![],
            emram: Default::default(),
            emram_illustrative: Default::default(),
            caps: Default::default(),
        };
        Figures::new(crate::reports::briefing::assemble(&s).unwrap())
    }

    #[tokio::test]
    async fn computes_once_per_key_and_forgets_older_versions() {
        let cache = FiguresCache::new(4);
        let computed = AtomicUsize::new(0);
        let compute = |k: FiguresKey| {
            let computed = &computed;
            move || async move {
                computed.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(empty_figures(k.as_at))
            }
        };
        cache
            .get_or_compute(&key(1, 1), compute(key(1, 1)))
            .await
            .unwrap();
        cache
            .get_or_compute(&key(1, 1), compute(key(1, 1)))
            .await
            .unwrap();
        assert_eq!(
            computed.load(Ordering::SeqCst),
            1,
            "the same key is computed once"
        );
        cache
            .get_or_compute(&key(1, 2), compute(key(1, 2)))
            .await
            .unwrap();
        assert_eq!(cache.held(), 2);
        cache
            .get_or_compute(&key(2, 1), compute(key(2, 1)))
            .await
            .unwrap();
        assert_eq!(
            computed.load(Ordering::SeqCst),
            3,
            "a new version is computed afresh"
        );
        assert_eq!(cache.held(), 1, "older versions are dropped");
        // A straggler that read version 1 is answered but not kept.
        cache
            .get_or_compute(&key(1, 1), compute(key(1, 1)))
            .await
            .unwrap();
        assert_eq!(cache.held(), 1);
    }

    #[tokio::test]
    async fn requests_that_miss_together_compute_once() {
        let cache = Arc::new(FiguresCache::new(4));
        let computed = Arc::new(AtomicUsize::new(0));
        let waiting: Vec<_> = (0..8)
            .map(|_| {
                let (cache, computed) = (Arc::clone(&cache), Arc::clone(&computed));
                tokio::spawn(async move {
                    let k = key(3, 1);
                    let as_at = k.as_at;
                    cache
                        .get_or_compute(&k, || async move {
                            computed.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok::<_, ()>(empty_figures(as_at))
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for w in waiting {
            w.await.unwrap();
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn keeps_at_most_its_capacity() {
        let cache = FiguresCache::new(2);
        for day in 1..=5 {
            let k = key(7, day);
            let as_at = k.as_at;
            cache
                .get_or_compute(&k, || async move { Ok::<_, ()>(empty_figures(as_at)) })
                .await
                .unwrap();
        }
        assert_eq!(cache.held(), 2);
    }

    #[tokio::test]
    async fn a_failed_computation_is_tried_again() {
        let cache = FiguresCache::new(2);
        let k = key(1, 1);
        let failed: Result<Arc<Figures>, &str> = cache
            .get_or_compute(&k, || async { Err("database away") })
            .await;
        assert!(failed.is_err());
        let as_at = k.as_at;
        let ok = cache
            .get_or_compute(&k, || async move { Ok::<_, &str>(empty_figures(as_at)) })
            .await;
        assert!(ok.is_ok());
    }
}
