//! Chart 4: delivery confidence per reporting period as stacked bars of
//! participant counts, one segment per return state as at the date
//! (`domain::period_states`): approved Red, Amber, Green (and the legacy
//! five-point ratings when present), awaiting review, returned for changes,
//! draft, and not reported. No state is folded into another. Each has its
//! own pattern as well as colour, counts are written in the segments where
//! they fit, and the state names are written beside the last bar and in the
//! legend.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::format::{clean, count, percent};
use super::frame::{self, Area, Drawn, Fill, Header, LegendItem, Pattern, Plot, Scale, Swatch};
use super::render::{self, Chart};
use super::rows::{CONFIDENCE_SERIES, ConfidencePeriod};
use super::style::{self, Theme};
use super::{ChartError, ChartOptions};

const Y_DESC: &str = "Participants (count)";
const X_DESC: &str = "Reporting period";

/// Series always shown (in the legend even when zero); the legacy
/// five-point ratings and "Approved, no rating" appear only when present.
const ALWAYS: [bool; 10] = [
    true, false, true, false, true, false, true, true, true, true,
];

fn rating_fill(i: usize) -> Fill {
    match i {
        0 => Fill::patterned(
            style::VERMILLION,
            Pattern::Cross,
            style::shade(style::VERMILLION, 0.45),
        ),
        1 => Fill::patterned(style::ORANGE, Pattern::Cross, style::VERMILLION),
        2 => Fill::patterned(
            style::ORANGE,
            Pattern::Horizontal,
            style::shade(style::ORANGE, 0.25),
        ),
        3 => Fill::patterned(
            style::tint(style::BLUISH_GREEN, 0.45),
            Pattern::BackDiagonal,
            style::BLUISH_GREEN,
        ),
        4 => Fill::solid(style::BLUISH_GREEN),
        5 => Fill::solid(style::tint(style::BLUISH_GREEN, 0.7)).outlined(style::BLUISH_GREEN),
        6 => Fill::patterned(
            style::tint(style::BLUE, 0.55),
            Pattern::Diagonal,
            style::BLUE,
        ),
        7 => Fill::patterned(
            style::tint(style::VERMILLION, 0.75),
            Pattern::BackDiagonal,
            style::VERMILLION,
        )
        .outlined(style::VERMILLION),
        8 => Fill::patterned(style::WHITE, Pattern::Horizontal, style::GREY_FILL)
            .outlined(style::AXIS),
        _ => Fill::patterned(style::PALE_GREY, Pattern::Diagonal, style::GREY_FILL)
            .outlined(style::GREY_FILL),
    }
}

fn counts(p: &ConfidencePeriod) -> [u32; 10] {
    p.counts()
}

/// Indexes of the series the chart shows.
fn shown(rows: &[ConfidencePeriod]) -> Vec<usize> {
    (0..CONFIDENCE_SERIES.len())
        .filter(|&i| ALWAYS[i] || rows.iter().any(|r| counts(r)[i] > 0))
        .collect()
}

struct ConfidenceChart {
    title: String,
    paragraphs: Vec<String>,
    rows: Vec<ConfidencePeriod>,
}

impl Chart for ConfidenceChart {
    const KIND: &'static str = "confidence";

    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> Drawn {
        if self.rows.is_empty() {
            return frame::draw_no_data(
                area,
                theme,
                &self.title,
                self.paragraphs.clone(),
                "There are no reporting periods to show.",
            );
        }
        let series = shown(&self.rows);
        let legend = series
            .iter()
            .map(|&i| LegendItem::new(CONFIDENCE_SERIES[i], Swatch::Fill(rating_fill(i))))
            .collect();
        let top = frame::draw_header(
            area,
            theme,
            &Header {
                title: &self.title,
                paragraphs: self.paragraphs.clone(),
                legend,
            },
        )?;
        let hi = self.rows.iter().map(|r| r.total()).max().unwrap_or(0) as f64;
        let ticks = frame::nice_ticks(0.0, hi, 6, true);
        let fmt = |v: f64| count(v.max(0.0) as u64);
        let tick_w = frame::max_label_width(&theme.tick(), ticks.values.iter().map(|&v| fmt(v)));
        let side = theme.value();
        let side_w = frame::max_label_width(
            &side,
            series.iter().map(|&i| CONFIDENCE_SERIES[i].to_string()),
        );
        let x0 = frame::left_desc_space(theme) + tick_w + theme.px(12.0);
        let x1 = theme.width - theme.margin() - side_w - theme.px(14.0);
        let n = self.rows.len();
        let slot = ((x1 - x0) / n as i32).max(1);
        let labels: Vec<String> = self.rows.iter().map(|r| clean(&r.label)).collect();
        let axis = frame::plan_category_axis(theme, &labels, slot);
        let y1 = theme.height
            - theme.margin()
            - frame::line_height(&theme.axis_desc())
            - theme.px(10.0)
            - axis.height;
        let y0 = top + theme.px(8.0);
        let plot = Plot { x0, y0, x1, y1 };
        let scale = Scale::new(0.0, ticks.hi, y1, y0);
        frame::draw_y_value_axis(area, theme, &plot, &scale, &ticks, &fmt)?;
        frame::draw_y_desc(area, theme, &plot, Y_DESC)?;
        frame::draw_x_desc(area, theme, &plot, X_DESC)?;
        let centers: Vec<i32> = (0..n).map(|i| x0 + slot * i as i32 + slot / 2).collect();
        frame::draw_category_axis(area, theme, &plot, &centers, slot, &axis, &labels)?;

        let bar_w = (slot * 7 / 10).max(1);
        let lh = frame::line_height(&side);
        let mut last_mids = Vec::new();
        for (r, &c) in self.rows.iter().zip(&centers) {
            let (xa, xb) = (c - bar_w / 2, c - bar_w / 2 + bar_w);
            let mut acc = 0u64;
            last_mids.clear();
            for (i, v) in counts(r).into_iter().enumerate() {
                let (ya, yb) = (
                    scale.map(acc as f64),
                    scale.map((acc + u64::from(v)) as f64),
                );
                acc += u64::from(v);
                last_mids.push((ya + yb) / 2);
                if v == 0 {
                    continue;
                }
                frame::fill_rect(area, theme, (xa, ya, xb, yb), &rating_fill(i))?;
                // Segment edge so adjacent ratings never merge.
                area.draw(&PathElement::new(
                    vec![(xa, yb), (xb, yb)],
                    ShapeStyle::from(&style::WHITE).stroke_width(1),
                ))?;
                let text = count(v);
                let (tw, _) = frame::measure(&side, &text);
                if ya - yb >= lh + theme.px(4.0) && tw + theme.px(8.0) <= bar_w {
                    frame::draw_chip_label(area, theme, &text, &side, (c, (ya + yb) / 2))?;
                }
            }
        }
        // Name each state present in the last bar beside it, nudged apart
        // where segments are thin.
        let xb = centers[n - 1] + bar_w / 2 + theme.px(8.0);
        let last = counts(&self.rows[n - 1]);
        // Stacks grow upwards, so the top state has the smallest y.
        let named: Vec<(usize, i32)> = last_mids
            .iter()
            .enumerate()
            .filter(|(i, _)| last[*i] > 0)
            .map(|(i, y)| (i, *y))
            .rev()
            .collect();
        let ys: Vec<i32> = named.iter().map(|(_, y)| *y).collect();
        let placed = frame::spread(&ys, lh + theme.px(2.0), y0, y1 - lh / 2);
        for ((i, _), y) in named.iter().zip(placed) {
            frame::draw_text(
                area,
                CONFIDENCE_SERIES[*i],
                &side,
                (xb, y),
                HPos::Left,
                VPos::Center,
            )?;
        }
        Ok(())
    }
}

fn prepare(rows: &[ConfidencePeriod], opts: &ChartOptions) -> ConfidenceChart {
    ConfidenceChart {
        title: clean(&opts.title),
        paragraphs: opts.subtitle.iter().map(|s| clean(s)).collect(),
        rows: rows.to_vec(),
    }
}

fn breakdown(p: &ConfidencePeriod) -> String {
    let total = p.total() as f64;
    let parts: Vec<String> = counts(p)
        .iter()
        .zip(CONFIDENCE_SERIES)
        .filter(|(v, _)| **v > 0)
        .map(|(v, name)| (v, name.to_lowercase()))
        .map(|(&v, name)| match percent(f64::from(v), total) {
            Some(pc) => format!("{} {name} ({pc}%)", count(v)),
            None => format!("{} {name}", count(v)),
        })
        .collect();
    format!("{} of {}", parts.join(", "), count(p.total()))
}

/// Plain-English summary of the confidence rows.
pub fn delivery_confidence_description(rows: &[ConfidencePeriod]) -> String {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return "No data: there are no delivery confidence returns to show.".to_string();
    };
    let mut out = if rows.len() == 1 {
        format!(
            "Delivery confidence for {}: {}.",
            clean(&first.label),
            breakdown(first)
        )
    } else {
        format!(
            "Delivery confidence over {} reporting periods, {} to {}. Latest ({}): {}. First ({}): {}.",
            rows.len(),
            clean(&first.label),
            clean(&last.label),
            clean(&last.label),
            breakdown(last),
            clean(&first.label),
            breakdown(first),
        )
    };
    if let Some(worst) = rows.iter().max_by(|a, b| {
        let share = |p: &ConfidencePeriod| u64::from(p.red) * 1_000_000 / p.total().max(1);
        share(a).cmp(&share(b)).then(b.label.cmp(&a.label))
    }) && worst.red > 0
        && rows.len() > 1
    {
        out.push_str(&format!(
            " Most red: {} ({} red).",
            clean(&worst.label),
            count(worst.red)
        ));
    }
    out
}

/// Delivery confidence as an accessible SVG document.
pub fn delivery_confidence_svg(
    rows: &[ConfidencePeriod],
    opts: &ChartOptions,
) -> Result<String, ChartError> {
    render::to_svg(
        &prepare(rows, opts),
        opts,
        &delivery_confidence_description(rows),
    )
}

/// Delivery confidence as PNG bytes.
pub fn delivery_confidence_png(
    rows: &[ConfidencePeriod],
    opts: &ChartOptions,
) -> Result<Vec<u8>, ChartError> {
    render::to_png(&prepare(rows, opts), opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testutil::*;

    #[test]
    fn svg_is_accessible_and_names_every_rating() {
        let svg = delivery_confidence_svg(&periods(20, 38), &opts("Delivery confidence")).unwrap();
        assert_accessible(&svg, "Delivery confidence");
        for text in [
            "Participants (count)",
            "Reporting period",
            "Red",
            "Amber",
            "Green",
            "Not reported",
            "2019/20",
            "Q1",
        ] {
            assert!(has_text(&svg, text), "missing {text:?}");
        }
        // Both the legend and the direct labels name every rating.
        for rating in ["Red", "Amber", "Green", "Not reported"] {
            assert_eq!(
                texts(&svg).iter().filter(|t| *t == rating).count(),
                2,
                "{rating}"
            );
        }
    }

    #[test]
    fn not_reported_is_never_folded_into_green() {
        let rows = vec![ConfidencePeriod {
            label: "2019/20 Q1".into(),
            red: 1,
            amber: 2,
            green: 3,
            not_reported: 4,
            ..Default::default()
        }];
        assert_eq!(
            delivery_confidence_description(&rows),
            "Delivery confidence for 2019/20 Q1: 1 red (10%), 2 amber (20%), 3 green (30%), 4 not reported (40%) of 10."
        );
    }

    #[test]
    fn each_return_state_is_its_own_segment_and_legend_entry() {
        let rows = vec![ConfidencePeriod {
            label: "2020/21 Q4".into(),
            red: 5,
            amber: 10,
            green: 8,
            awaiting_review: 6,
            returned: 2,
            draft: 3,
            not_reported: 4,
            ..Default::default()
        }];
        assert_eq!(
            delivery_confidence_description(&rows),
            "Delivery confidence for 2020/21 Q4: 5 red (13%), 10 amber (26%), 8 green (21%), 6 awaiting review (16%), 2 returned for changes (5%), 3 draft (8%), 4 not reported (11%) of 38."
        );
        let svg = delivery_confidence_svg(&rows, &opts("Delivery confidence")).unwrap();
        for state in [
            "Awaiting review",
            "Returned for changes",
            "Draft",
            "Not reported",
        ] {
            // In the legend and beside the bar.
            assert_eq!(
                texts(&svg).iter().filter(|t| *t == state).count(),
                2,
                "{state}"
            );
        }
        // The five-point ratings are shown only when a period uses them.
        assert!(!has_text(&svg, "Amber/Red"));
    }

    #[test]
    fn many_periods_at_scale_render() {
        let rows = periods(48, 10_000);
        let o = opts("Confidence").size(1600, 900);
        let svg = delivery_confidence_svg(&rows, &o).unwrap();
        assert_well_formed(&svg);
        assert!(svg.contains("10,000"));
        assert_png(&delivery_confidence_png(&rows, &o).unwrap(), 1600, 900);
    }
}
