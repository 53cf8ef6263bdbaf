//! Charts for the GDE Tracker: pure functions from typed rows to SVG text or
//! PNG bytes. No I/O, no database, no async; the same rows always give
//! byte-identical output.
//!
//! Every chart has three functions: `<chart>_svg`, `<chart>_png` and
//! `<chart>_description` (a plain-English text alternative computed from
//! the rows; the SVG carries it as `<desc>`). Text is drawn with an
//! embedded Noto Sans font registered once per process, so rendering never
//! depends on system fonts. Rendering is CPU-bound: call it from
//! `spawn_blocking` in async code.
//!
//! Per-participant charts (funding, slippage, maturity) show at most
//! [`ChartOptions::max_bars`] participants and summarise the rest as one
//! "Other (k participants)" bar, saying so in the subtitle.

mod burn_up;
mod chart;
mod confidence;
mod format;
mod frame;
mod funding;
mod funding_years;
mod glyphs;
mod group;
mod hbar;
mod maturity;
mod render;
pub mod rows;
mod slippage;
mod style;
#[cfg(test)]
mod testutil;

pub use burn_up::{burn_up_description, burn_up_png, burn_up_svg};
pub use chart::{
    BurnUp, Chart, DeliveryConfidence, FundingByParticipant, FundingByYear, Maturity, Slippage,
};
pub use confidence::{
    delivery_confidence_description, delivery_confidence_png, delivery_confidence_svg,
};
pub use funding::{
    funding_by_participant_description, funding_by_participant_png, funding_by_participant_svg,
};
pub use funding_years::{funding_by_year_description, funding_by_year_png, funding_by_year_svg};
pub use maturity::{maturity_description, maturity_png, maturity_svg};
pub use rows::*;
pub use slippage::{slippage_description, slippage_png, slippage_svg};

/// Size and wording of one chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartOptions {
    /// Canvas width in pixels (320–4096).
    pub width: u32,
    /// Canvas height in pixels (240–4096).
    pub height: u32,
    /// Shown at the top and used as the SVG `<title>`.
    pub title: String,
    /// Shown under the title. Per-participant charts add a line saying how
    /// many participants are shown and how the rest are grouped.
    pub subtitle: Option<String>,
    /// Most participants drawn as their own bar before the rest are grouped
    /// (default 25). Fewer are drawn if the canvas is too short to keep the
    /// labels readable.
    pub max_bars: usize,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            width: 1200,
            height: 700,
            title: String::new(),
            subtitle: None,
            max_bars: 25,
        }
    }
}

impl ChartOptions {
    /// Default size (1200×700) with the given title.
    pub fn new(title: impl Into<String>) -> Self {
        ChartOptions {
            title: title.into(),
            ..ChartOptions::default()
        }
    }

    /// Sets the canvas size.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// Sets the subtitle.
    pub fn subtitle(mut self, subtitle: impl Into<String>) -> Self {
        self.subtitle = Some(subtitle.into());
        self
    }

    /// Sets the most participants drawn before the rest are grouped.
    pub fn max_bars(mut self, n: usize) -> Self {
        self.max_bars = n;
        self
    }
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("chart size {width}×{height} is outside 320×240 to 4096×4096 pixels")]
    InvalidSize { width: u32, height: u32 },
    #[error("chart input is not valid: {0}")]
    InvalidInput(String),
    #[error("the embedded chart font could not be loaded")]
    Font,
    #[error("chart drawing failed: {0}")]
    Drawing(String),
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for ChartError
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        ChartError::Drawing(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    //! Edge cases across every chart: nothing panics, everything is
    //! well-formed, sizes are honoured, output is stable across threads.
    use super::testutil::*;
    use super::*;

    fn svgs_and_pngs(o: &ChartOptions, tag: &str) -> Vec<(String, Vec<u8>)> {
        let funding = vec![
            FundingBar {
                code: "A&B".into(),
                name: "<x>".into(),
                group: ParticipantGroup::Exemplar,
                cap: 0,
                allocated: 0,
                released: 0,
                spent: Some(0),
            },
            FundingBar {
                code: "NEG".into(),
                name: "n".into(),
                group: ParticipantGroup::FastFollower,
                cap: 100,
                allocated: -5_000_000_000,
                released: 9_000_000_000,
                spent: None,
            },
            FundingBar {
                code: "BIG".into(),
                name: "b".into(),
                group: ParticipantGroup::Exemplar,
                cap: i64::MAX / 4,
                allocated: i64::MAX / 4,
                released: 1,
                spent: Some(i64::MAX / 8),
            },
        ];
        let years = vec![
            FinancialYearBar {
                label: "\"2017/18\" <&>".into(),
                profiled: 0,
                released: -100,
            },
            FinancialYearBar {
                label: "".into(),
                profiled: 0,
                released: 0,
            },
        ];
        let periods = vec![
            ConfidencePeriod {
                label: "Q1 & Q2".into(),
                red: 0,
                amber: 0,
                green: 0,
                not_reported: 0,
                ..Default::default()
            },
            ConfidencePeriod {
                label: "only not reported".into(),
                red: 0,
                amber: 0,
                green: 0,
                not_reported: u32::MAX,
                ..Default::default()
            },
        ];
        let burn = vec![
            BurnUpPoint {
                year: 2019,
                month: 12,
                planned_baseline: 0,
                planned_forecast: 0,
                completed: 0,
                as_at_day: None,
            },
            BurnUpPoint {
                year: -5,
                month: 1,
                planned_baseline: u32::MAX,
                planned_forecast: 0,
                completed: 0,
                as_at_day: None,
            },
        ];
        let slips = vec![
            SlippageBar {
                code: "MIN".into(),
                name: "m".into(),
                days: -100_000,
            },
            SlippageBar {
                code: "MAX".into(),
                name: "x".into(),
                days: 100_000,
            },
            SlippageBar {
                code: "ZERO".into(),
                name: "z".into(),
                days: 0,
            },
        ];
        let maturity = vec![MaturityBar {
            code: "Z".into(),
            name: "z".into(),
            group: ParticipantGroup::FastFollower,
            stage: Some(0),
            target: 0,
            acute: true,
        }];
        let mut out = Vec::new();
        let mut push = |svg: Result<String, ChartError>, png: Result<Vec<u8>, ChartError>| {
            out.push((
                svg.unwrap_or_else(|e| panic!("{tag}: {e}")),
                png.unwrap_or_else(|e| panic!("{tag}: {e}")),
            ));
        };
        push(
            funding_by_participant_svg(&funding, o),
            funding_by_participant_png(&funding, o),
        );
        push(
            funding_by_year_svg(&years, o),
            funding_by_year_png(&years, o),
        );
        push(
            delivery_confidence_svg(&periods, o),
            delivery_confidence_png(&periods, o),
        );
        push(burn_up_svg(&burn, o), burn_up_png(&burn, o));
        push(slippage_svg(&slips, o), slippage_png(&slips, o));
        push(maturity_svg(&maturity, o), maturity_png(&maturity, o));
        out
    }

    #[test]
    fn odd_values_and_extreme_sizes_render() {
        for (w, h) in [(320, 240), (4096, 240), (320, 1200), (1920, 1080)] {
            let o = ChartOptions::new("Edge cases & <odd> values")
                .size(w, h)
                .subtitle("x".repeat(5_000))
                .max_bars(0);
            for (svg, png) in svgs_and_pngs(&o, &format!("{w}x{h}")) {
                assert_accessible(&svg, "Edge cases & <odd> values");
                assert_png(&png, w, h);
            }
        }
    }

    #[test]
    fn rendering_is_identical_across_threads() {
        let o = ChartOptions::new("Threads");
        let here = svgs_and_pngs(&o, "main");
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let o = o.clone();
                std::thread::spawn(move || svgs_and_pngs(&o, "thread"))
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), here);
        }
    }

    #[test]
    fn defaults_match_the_brief() {
        let o = ChartOptions::default();
        assert_eq!((o.width, o.height, o.max_bars), (1200, 700, 25));
        assert!(o.subtitle.is_none());
    }
}
