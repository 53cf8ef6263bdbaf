//! The dashboard's, briefing's and charts' figures, computed once per
//! (filters, as-at date, data version) and shared by every request that asks
//! for the same view of the same data (see `version_cache`): the briefing
//! pack, its rendered body, and each chart's CSV, ETag and PNG.
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use maud::PreEscaped;
use time::Date;
use tokio::sync::OnceCell;

use super::version_cache::VersionCache;
use crate::charts::ChartError;
use crate::domain::programme::Filter;
use crate::reports::briefing::{HEIGHT, Pack, WIDTH, subtitle};
use crate::reports::catalogue::{ChartData, ChartKind};

/// Which figures: the filters and the date (of one data version).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FiguresKey {
    pub filter: Filter,
    pub as_at: Date,
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

/// The shared cache (one per app instance).
pub type FiguresCache = VersionCache<FiguresKey, Figures>;

#[cfg(test)]
mod tests {
    use super::*;

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
    async fn each_chart_has_its_files_and_a_png_drawn_once() {
        let figures = Arc::new(empty_figures(time::macros::date!(2020 - 03 - 31)));
        for kind in ChartKind::ALL {
            let files = figures.files(*kind).expect("every chart has files");
            assert_eq!(files.etag.len(), 16);
            assert!(files.csv.lines().count() >= 1, "a CSV has its header");
            assert!(figures.svg(*kind).unwrap().starts_with("<svg"));
        }
        let kind = ChartKind::BurnUp;
        let first = figures.png(kind).await.unwrap().as_ptr();
        let again = figures.png(kind).await.unwrap();
        assert!(again.starts_with(b"\x89PNG"));
        assert_eq!(first, again.as_ptr(), "drawn once, then served as drawn");
    }

    #[test]
    fn a_view_keeps_a_few_renderings_not_one_per_spelling() {
        let figures = empty_figures(time::macros::date!(2020 - 03 - 31));
        for n in 0..10 {
            figures.rendered(&format!("as_at=2020-3-{n}"), || PreEscaped(String::new()));
        }
        assert_eq!(figures.bodies.lock().unwrap().len(), BODIES_KEPT);
    }
}
