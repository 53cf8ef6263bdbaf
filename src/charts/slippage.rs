//! Chart 5: worst milestone slippage by participant (days from baseline to
//! forecast or actual; negative = early) as diverging bars, the worst first;
//! the rest summarised as one bar at their median with their range.

use std::cmp::Reverse;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::format::{MINUS, clean, count, format_decimal, plural, signed_days};
use super::frame::{self, Area, Drawn, Fill, Header, LegendItem, Pattern, Scale, Swatch};
use super::group::{median, top_n};
use super::hbar::{HBarLayout, bar_budget, other_label};
use super::render::{self, Chart};
use super::rows::SlippageBar;
use super::style::{self, Theme};
use super::{ChartError, ChartOptions};

const X_DESC: &str = "Days late (negative = early)";
const Y_DESC: &str = "Participant (ODS code)";

fn late_fill() -> Fill {
    Fill::solid(style::VERMILLION)
}
fn early_fill() -> Fill {
    Fill::patterned(
        style::tint(style::BLUISH_GREEN, 0.15),
        Pattern::BackDiagonal,
        style::shade(style::BLUISH_GREEN, 0.5),
    )
}
fn other_fill() -> Fill {
    Fill::patterned(
        style::GREY_FILL,
        Pattern::Horizontal,
        style::shade(style::GREY_FILL, 0.4),
    )
}

struct Row {
    label: String,
    days: f64,
    /// For the grouped row: the smallest and largest slippage in the group.
    range: Option<(i64, i64)>,
}

struct SlippageChart {
    title: String,
    paragraphs: Vec<String>,
    rows: Vec<Row>,
    has_other: bool,
}

fn prepare(rows: &[SlippageBar], opts: &ChartOptions) -> (SlippageChart, String) {
    let n = bar_budget(opts);
    let top = top_n(rows, n, |r| (Reverse(r.days), r.code.as_str()));
    let mut out: Vec<Row> = top
        .shown
        .iter()
        .map(|r| Row {
            label: clean(&r.code),
            days: r.days as f64,
            range: None,
        })
        .collect();
    let note = if top.rest.is_empty() {
        format!(
            "Each participant's worst milestone (cancelled ones left out). All {}, most slippage first; equal slippage in ODS code order.",
            plural(top.total(), "participant", "participants")
        )
    } else {
        let mut days: Vec<i64> = top.rest.iter().map(|r| r.days).collect();
        let med = median(&mut days).unwrap_or(0.0);
        let (lo, hi) = (days[0], days[days.len() - 1]);
        out.push(Row {
            label: other_label(top.rest.len()),
            days: med,
            range: Some((lo, hi)),
        });
        format!(
            "Each participant's worst milestone (cancelled ones left out). The {} of {} participants with most slippage, equal slippage in ODS code order; the other {} are shown as one bar at their median ({}), with a line for their range.",
            top.shown.len(),
            count(top.total() as u64),
            count(top.rest.len() as u64),
            signed_days(med),
        )
    };
    let mut paragraphs: Vec<String> = opts.subtitle.iter().map(|s| clean(s)).collect();
    if !rows.is_empty() {
        paragraphs.push(note.clone());
    }
    let chart = SlippageChart {
        title: clean(&opts.title),
        paragraphs,
        has_other: !top.rest.is_empty(),
        rows: out,
    };
    (chart, if rows.is_empty() { String::new() } else { note })
}

fn day_number(v: f64) -> String {
    let s = format_decimal(v, 0);
    if v > 0.0 { format!("+{s}") } else { s }
}

fn value_label(r: &Row) -> String {
    match r.range {
        Some((lo, hi)) => format!(
            "median {}, range {} to {}",
            signed_days(r.days),
            day_number(lo as f64),
            day_number(hi as f64)
        ),
        None => signed_days(r.days),
    }
}

impl Chart for SlippageChart {
    const KIND: &'static str = "slippage";

    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> Drawn {
        if self.rows.is_empty() {
            return frame::draw_no_data(
                area,
                theme,
                &self.title,
                self.paragraphs.clone(),
                "There are no milestones with baseline and forecast dates to compare.",
            );
        }
        let individual = self.rows.iter().filter(|r| r.range.is_none());
        let mut legend = Vec::new();
        if individual.clone().any(|r| r.days > 0.0) {
            legend.push(LegendItem::new(
                "Late (after baseline date)",
                Swatch::Fill(late_fill()),
            ));
        }
        if individual.clone().any(|r| r.days < 0.0) {
            legend.push(LegendItem::new(
                "Early (before baseline date)",
                Swatch::Fill(early_fill()),
            ));
        }
        if self.has_other {
            legend.push(LegendItem::new("Other: median", Swatch::Fill(other_fill())));
            legend.push(LegendItem::new(
                "Other: range",
                Swatch::Line {
                    color: style::TEXT,
                    width: 2.0,
                    dash: None,
                    marker: None,
                },
            ));
        }
        let top = frame::draw_header(
            area,
            theme,
            &Header {
                title: &self.title,
                paragraphs: self.paragraphs.clone(),
                legend,
            },
        )?;

        let labels: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        let probe = HBarLayout::new(theme, top, &labels, 0);
        let gap = theme.px(8.0);
        let right_labels = self
            .rows
            .iter()
            .filter(|r| r.days >= 0.0 || r.range.is_some())
            .map(value_label);
        let left_labels = self
            .rows
            .iter()
            .filter(|r| r.days < 0.0 && r.range.is_none())
            .map(value_label);
        let right = frame::max_label_width(&probe.value, right_labels) + gap * 2;
        let left = frame::max_label_width(&probe.value, left_labels);
        let left = if left > 0 { left + gap * 2 } else { 0 };
        let lay = HBarLayout::new(theme, top, &labels, right);
        let plot = lay.plot;

        let extent = |r: &Row| {
            let (a, b) = r.range.unwrap_or((0, 0));
            [r.days, a as f64, b as f64, 0.0]
        };
        let lo = self.rows.iter().flat_map(extent).fold(0.0, f64::min);
        let hi = self.rows.iter().flat_map(extent).fold(0.0, f64::max);
        let ticks = frame::nice_ticks(lo, hi, 8, true);
        let scale = Scale::new(ticks.lo, ticks.hi, plot.x0 + left, plot.x1);
        frame::draw_x_value_axis(area, theme, &plot, &scale, &ticks, &|v| {
            day_number(v).replace('-', &MINUS.to_string())
        })?;
        frame::draw_x_desc(area, theme, &plot, X_DESC)?;
        frame::draw_y_desc(area, theme, &plot, Y_DESC)?;
        let grouped: Vec<bool> = self.rows.iter().map(|r| r.range.is_some()).collect();
        lay.draw_labels(area, theme, &labels, &grouped)?;

        let zero = scale.map(0.0);
        for (i, r) in self.rows.iter().enumerate() {
            let (t, b) = lay.bar(i);
            let end = scale.map(r.days);
            let fill = match (r.range.is_some(), r.days >= 0.0) {
                (true, _) => other_fill(),
                (false, true) => late_fill(),
                (false, false) => early_fill(),
            };
            frame::fill_rect(area, theme, (zero, t, end, b), &fill)?;
            let mut label_right = end.max(zero);
            if let Some((a, z)) = r.range {
                let (xa, xz) = (scale.map(a as f64), scale.map(z as f64));
                let c = lay.center(i);
                let cap = ((b - t) / 2).max(3);
                let line = ShapeStyle::from(&style::TEXT).stroke_width(theme.px(2.0).max(1) as u32);
                area.draw(&PathElement::new(vec![(xa, c), (xz, c)], line))?;
                area.draw(&PathElement::new(vec![(xa, c - cap), (xa, c + cap)], line))?;
                area.draw(&PathElement::new(vec![(xz, c - cap), (xz, c + cap)], line))?;
                label_right = label_right.max(xz);
            }
            let text = value_label(r);
            if r.days < 0.0 && r.range.is_none() {
                frame::draw_text(
                    area,
                    &text,
                    &lay.value,
                    (end - gap, lay.center(i)),
                    HPos::Right,
                    VPos::Center,
                )?;
            } else {
                frame::draw_text(
                    area,
                    &text,
                    &lay.value,
                    (label_right + gap, lay.center(i)),
                    HPos::Left,
                    VPos::Center,
                )?;
            }
        }
        Ok(())
    }
}

/// Plain-English summary of the slippage rows.
pub fn slippage_description(rows: &[SlippageBar]) -> String {
    if rows.is_empty() {
        return "No data: there is no milestone slippage to show.".to_string();
    }
    let late = rows.iter().filter(|r| r.days > 0).count();
    let early = rows.iter().filter(|r| r.days < 0).count();
    let on_time = rows.len() - late - early;
    let mut days: Vec<i64> = rows.iter().map(|r| r.days).collect();
    let med = median(&mut days).unwrap_or(0.0);
    let mut out = format!(
        "Each participant's worst milestone slippage (the one furthest behind its baseline; cancelled milestones left out), for {}: {} late, {} on time and {} early. Median slippage {}. Participants with equal slippage are ordered by ODS code.",
        plural(rows.len(), "participant", "participants"),
        count(late as u64),
        count(on_time as u64),
        count(early as u64),
        signed_days(med),
    );
    if let Some(worst) = rows
        .iter()
        .min_by(|a, b| b.days.cmp(&a.days).then(a.code.cmp(&b.code)))
        && worst.days > 0
    {
        out.push_str(&format!(
            " Most late: {} ({}), {} after its baseline date.",
            clean(&worst.name),
            clean(&worst.code),
            plural(worst.days as usize, "day", "days")
        ));
    }
    out
}

/// Milestone slippage as an accessible SVG document.
pub fn slippage_svg(rows: &[SlippageBar], opts: &ChartOptions) -> Result<String, ChartError> {
    let (chart, note) = prepare(rows, opts);
    render::to_svg(
        &chart,
        opts,
        &render::join(slippage_description(rows), note),
    )
}

/// Milestone slippage as PNG bytes.
pub fn slippage_png(rows: &[SlippageBar], opts: &ChartOptions) -> Result<Vec<u8>, ChartError> {
    let (chart, _) = prepare(rows, opts);
    render::to_png(&chart, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testutil::*;

    #[test]
    fn svg_is_accessible_and_labelled() {
        let rows = seed_slippage();
        let svg = slippage_svg(&rows, &opts("Milestone slippage")).unwrap();
        assert_accessible(&svg, "Milestone slippage");
        for text in [
            "Days late (negative = early)",
            "Participant (ODS code)",
            "Late (after baseline date)",
            "Other: median",
            "Other (13 participants)",
            "The 25 of 38 participants with most slippage, equal slippage in ODS code order; the other 13 are shown as one bar at their median",
        ] {
            assert!(svg.contains(text), "missing {text:?}");
        }
        assert!(desc_of(&svg).contains("worst milestone slippage (the one furthest behind its baseline; cancelled milestones left out), for 38 participants: "));
    }

    #[test]
    fn the_worst_are_shown_and_the_rest_summarised() {
        let rows: Vec<SlippageBar> = (0..10_000)
            .map(|i| SlippageBar {
                code: format!("X{i:05}"),
                name: format!("Trust {i}"),
                days: (i % 400) - 100,
            })
            .collect();
        let svg = slippage_svg(&rows, &opts("Slippage")).unwrap();
        assert!(svg.contains("Other (9,975 participants)"));
        assert!(svg.contains("The 25 of 10,000 participants with most slippage"));
        // The 25 worst (i % 400 == 399) all have +299 days.
        assert!(has_text(&svg, "X00399") && has_text(&svg, "X09999"));
        assert!(has_text(&svg, "+299 days"));
        assert_well_formed(&svg);
    }

    #[test]
    fn description_counts_late_early_and_on_time() {
        let rows = vec![
            SlippageBar {
                code: "RAL".into(),
                name: "Royal Free London NHS FT".into(),
                days: 120,
            },
            SlippageBar {
                code: "RGT".into(),
                name: "Cambridge University Hospitals NHS FT".into(),
                days: 0,
            },
            SlippageBar {
                code: "RM3".into(),
                name: "Salford Royal NHS FT".into(),
                days: -14,
            },
        ];
        assert_eq!(
            slippage_description(&rows),
            "Each participant's worst milestone slippage (the one furthest behind its baseline; cancelled milestones left out), for 3 participants: 1 late, 1 on time and 1 early. Median slippage 0 days. Participants with equal slippage are ordered by ODS code. Most late: Royal Free London NHS FT (RAL), 120 days after its baseline date."
        );
    }
}
