//! The briefing's charts: each with a stable name for URLs and files, a
//! title, its rows from a snapshot, and the same rows as a table and as CSV.
use crate::charts::{self, ChartError, ChartOptions};

use super::chart_data;
use crate::domain::snapshot::{ILLUSTRATIVE_NOTE, Provenance, Snapshot};
use crate::domain::spreadsheet::{self, Cell};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    BurnUp,
    Funding,
    FundingByYear,
    Confidence,
    Slippage,
    Maturity,
}

impl ChartKind {
    pub const ALL: &'static [ChartKind] = &[
        ChartKind::BurnUp,
        ChartKind::Funding,
        ChartKind::FundingByYear,
        ChartKind::Confidence,
        ChartKind::Slippage,
        ChartKind::Maturity,
    ];

    /// The stable name in URLs and file names.
    pub fn slug(self) -> &'static str {
        match self {
            ChartKind::BurnUp => "milestone-burn-up",
            ChartKind::Funding => "funding-by-participant",
            ChartKind::FundingByYear => "funding-by-year",
            ChartKind::Confidence => "delivery-confidence",
            ChartKind::Slippage => "milestone-slippage",
            ChartKind::Maturity => "digital-maturity",
        }
    }

    pub fn from_slug(slug: &str) -> Option<ChartKind> {
        ChartKind::ALL.iter().copied().find(|k| k.slug() == slug)
    }

    /// Does this chart rest on records the provenance marks illustrative?
    pub fn rests_on_illustrative(self, p: Provenance) -> bool {
        match self {
            ChartKind::BurnUp | ChartKind::Slippage => p.milestones,
            // Spend comes from the returns.
            ChartKind::Funding => p.money || p.returns,
            ChartKind::FundingByYear => p.money,
            ChartKind::Confidence => p.returns,
            ChartKind::Maturity => p.maturity,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ChartKind::BurnUp => "Milestone burn-up",
            ChartKind::Funding => "Funding by participant",
            ChartKind::FundingByYear => "Funding by financial year",
            ChartKind::Confidence => "Delivery confidence by period",
            ChartKind::Slippage => "Worst milestone slippage by participant",
            ChartKind::Maturity => "Digital maturity (HIMSS EMRAM) by participant",
        }
    }
}

/// A chart's data, computed once and shared by the chart, table and CSV.
pub struct ChartData {
    pub kind: ChartKind,
    /// Rests on illustrative records: the image, table and CSV say so.
    pub illustrative: bool,
    rows: Rows,
}

enum Rows {
    BurnUp(Vec<charts::BurnUpPoint>),
    Funding(Vec<charts::FundingBar>),
    FundingByYear(Vec<charts::FinancialYearBar>),
    Confidence(Vec<charts::ConfidencePeriod>),
    Slippage(Vec<charts::SlippageBar>),
    Maturity(Vec<charts::MaturityBar>),
}

/// A table: column headings and rows of cells, as shown and as CSV.
pub struct Table {
    pub headings: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    /// Columns holding numbers (right-aligned).
    pub numeric: Vec<bool>,
}

impl ChartData {
    pub fn of(kind: ChartKind, s: &Snapshot) -> ChartData {
        let rows = match kind {
            ChartKind::BurnUp => Rows::BurnUp(chart_data::burn_up(s)),
            ChartKind::Funding => Rows::Funding(chart_data::funding(s)),
            ChartKind::FundingByYear => Rows::FundingByYear(chart_data::funding_by_year(s)),
            ChartKind::Confidence => Rows::Confidence(chart_data::confidence(s)),
            ChartKind::Slippage => Rows::Slippage(chart_data::slippage(s)),
            ChartKind::Maturity => Rows::Maturity(chart_data::maturity(s)),
        };
        ChartData {
            kind,
            illustrative: kind.rests_on_illustrative(s.provenance()),
            rows,
        }
    }

    /// Drawing options; an illustrative chart says so in the image itself.
    pub fn options(&self, width: u32, height: u32, subtitle: &str) -> ChartOptions {
        let subtitle = if self.illustrative {
            format!("{ILLUSTRATIVE_NOTE}. {subtitle}")
        } else {
            subtitle.to_owned()
        };
        ChartOptions::new(self.kind.title())
            .size(width, height)
            .subtitle(&subtitle)
    }

    pub fn svg(&self, o: &ChartOptions) -> Result<String, ChartError> {
        match &self.rows {
            Rows::BurnUp(r) => charts::burn_up_svg(r, o),
            Rows::Funding(r) => charts::funding_by_participant_svg(r, o),
            Rows::FundingByYear(r) => charts::funding_by_year_svg(r, o),
            Rows::Confidence(r) => charts::delivery_confidence_svg(r, o),
            Rows::Slippage(r) => charts::slippage_svg(r, o),
            Rows::Maturity(r) => charts::maturity_svg(r, o),
        }
    }

    pub fn png(&self, o: &ChartOptions) -> Result<Vec<u8>, ChartError> {
        match &self.rows {
            Rows::BurnUp(r) => charts::burn_up_png(r, o),
            Rows::Funding(r) => charts::funding_by_participant_png(r, o),
            Rows::FundingByYear(r) => charts::funding_by_year_png(r, o),
            Rows::Confidence(r) => charts::delivery_confidence_png(r, o),
            Rows::Slippage(r) => charts::slippage_png(r, o),
            Rows::Maturity(r) => charts::maturity_png(r, o),
        }
    }

    pub fn description(&self) -> String {
        match &self.rows {
            Rows::BurnUp(r) => charts::burn_up_description(r),
            Rows::Funding(r) => charts::funding_by_participant_description(r),
            Rows::FundingByYear(r) => charts::funding_by_year_description(r),
            Rows::Confidence(r) => charts::delivery_confidence_description(r),
            Rows::Slippage(r) => charts::slippage_description(r),
            Rows::Maturity(r) => charts::maturity_description(r),
        }
    }

    /// The chart's rows as a table; an illustrative chart's table ends with a
    /// Provenance column saying so on every row.
    pub fn table(&self) -> Table {
        let mut table = self.plain_table();
        if self.illustrative {
            table.headings.push("Provenance");
            table.numeric.push(false);
            for row in &mut table.rows {
                row.push(Cell::text("Illustrative"));
            }
        }
        table
    }

    fn plain_table(&self) -> Table {
        match &self.rows {
            Rows::BurnUp(r) => Table {
                headings: vec![
                    "Month",
                    "Due by baseline (cumulative)",
                    "Due by forecast (cumulative)",
                    "Completed (cumulative)",
                ],
                numeric: vec![false, true, true, true],
                rows: {
                    // Completions after the as-at month are not known yet.
                    let cut = r.iter().position(|p| p.as_at_day.is_some());
                    r.iter()
                        .enumerate()
                        .map(|(i, p)| {
                            vec![
                                Cell::text(chart_data::month_label(p.year, p.month)),
                                Cell::count(p.planned_baseline),
                                Cell::count(p.planned_forecast),
                                if cut.is_some_and(|c| i > c) {
                                    Cell::text("")
                                } else {
                                    Cell::count(p.completed)
                                },
                            ]
                        })
                        .collect()
                },
            },
            Rows::Funding(r) => Table {
                headings: vec![
                    "ODS code",
                    "Participant",
                    "Role",
                    "Cap",
                    "Allocated",
                    "Released",
                    "Spent (latest approved return)",
                    "Spend above released",
                ],
                numeric: vec![false, false, false, true, true, true, true, true],
                rows: r
                    .iter()
                    .map(|b| {
                        vec![
                            Cell::text(b.code.clone()),
                            Cell::text(b.name.clone()),
                            Cell::text(b.group.label()),
                            Cell::Money(b.cap),
                            Cell::Money(b.allocated),
                            Cell::Money(b.released),
                            b.spent
                                .map(Cell::Money)
                                .unwrap_or_else(|| Cell::text("Not reported")),
                            // Flagged: spend reported beyond the money paid.
                            match b.spend_above_released() {
                                Some(excess) => Cell::Money(excess),
                                None => Cell::text(""),
                            },
                        ]
                    })
                    .collect(),
            },
            Rows::FundingByYear(r) => Table {
                headings: vec!["Financial year", "Profiled", "Released"],
                numeric: vec![false, true, true],
                rows: r
                    .iter()
                    .map(|y| {
                        vec![
                            Cell::text(y.label.clone()),
                            Cell::Money(y.profiled),
                            Cell::Money(y.released),
                        ]
                    })
                    .collect(),
            },
            Rows::Confidence(r) => {
                let mut headings = vec!["Period"];
                headings.extend(charts::CONFIDENCE_SERIES);
                Table {
                    numeric: headings.iter().map(|h| *h != "Period").collect(),
                    headings,
                    rows: r
                        .iter()
                        .map(|p| {
                            let mut row = vec![Cell::text(p.label.clone())];
                            row.extend(p.counts().into_iter().map(Cell::count));
                            row
                        })
                        .collect(),
                }
            }
            Rows::Slippage(r) => Table {
                headings: vec![
                    "ODS code",
                    "Participant",
                    "Worst slippage (days late; negative = early)",
                ],
                numeric: vec![false, false, true],
                rows: r
                    .iter()
                    .map(|b| {
                        vec![
                            Cell::text(b.code.clone()),
                            Cell::text(b.name.clone()),
                            Cell::count(b.days),
                        ]
                    })
                    .collect(),
            },
            Rows::Maturity(r) => Table {
                headings: vec![
                    "ODS code",
                    "Participant",
                    "Role",
                    "HIMSS EMRAM stage",
                    "Target",
                    "Scale fits sector",
                ],
                numeric: vec![false, false, false, true, true, false],
                rows: r
                    .iter()
                    .map(|b| {
                        vec![
                            Cell::text(b.code.clone()),
                            Cell::text(b.name.clone()),
                            Cell::text(b.group.label()),
                            b.stage
                                .map(Cell::count)
                                .unwrap_or_else(|| Cell::text("Not assessed")),
                            Cell::count(b.target),
                            Cell::text(if b.acute {
                                "Yes (acute)"
                            } else {
                                "No: EMRAM is for acute hospitals, not comparable"
                            }),
                        ]
                    })
                    .collect(),
            },
        }
    }

    /// The table as CSV (money in pounds and pence, no symbols, for
    /// spreadsheets; text neutralised by the one spreadsheet rule).
    pub fn csv(&self) -> String {
        let table = self.table();
        spreadsheet::csv(&table.headings, &table.rows)
    }
}
