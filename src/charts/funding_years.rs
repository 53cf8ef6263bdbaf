//! Chart 3: funding profiled and released by UK financial year, as pairs of
//! vertical bars in £ million.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::format::{clean, format_decimal, format_millions, format_money, percent};
use super::frame::{self, Area, Drawn, Fill, Header, LegendItem, Plot, Scale, Swatch};
use super::render::{self, Chart};
use super::rows::FinancialYearBar;
use super::style::{self, Theme};
use super::{ChartError, ChartOptions};

const Y_DESC: &str = "£ million";
const X_DESC: &str = "Financial year (April to March)";

fn profiled_fill() -> Fill {
    Fill::solid(style::tint(style::BLUE, 0.7)).outlined(style::BLUE)
}
fn released_fill() -> Fill {
    Fill::solid(style::BLUE)
}

struct YearsChart {
    title: String,
    paragraphs: Vec<String>,
    rows: Vec<FinancialYearBar>,
}

impl Chart for YearsChart {
    const KIND: &'static str = "funding-years";

    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> Drawn {
        if self.rows.is_empty() {
            return frame::draw_no_data(
                area,
                theme,
                &self.title,
                self.paragraphs.clone(),
                "There is no funding profile to show.",
            );
        }
        let top = frame::draw_header(
            area,
            theme,
            &Header {
                title: &self.title,
                paragraphs: self.paragraphs.clone(),
                legend: vec![
                    LegendItem::new("Profiled", Swatch::Fill(profiled_fill())),
                    LegendItem::new("Released", Swatch::Fill(released_fill())),
                ],
            },
        )?;
        let lo = self
            .rows
            .iter()
            .flat_map(|r| [r.profiled, r.released])
            .min()
            .unwrap_or(0)
            .min(0);
        let hi = self
            .rows
            .iter()
            .flat_map(|r| [r.profiled, r.released])
            .max()
            .unwrap_or(0)
            .max(0);
        let ticks = frame::nice_ticks(
            super::format::pence_to_millions(lo),
            super::format::pence_to_millions(hi),
            6,
            false,
        );
        let fmt = |v: f64| format_decimal(v, ticks.decimals);
        let tick_w = frame::max_label_width(&theme.tick(), ticks.values.iter().map(|&v| fmt(v)));
        let x0 = frame::left_desc_space(theme) + tick_w + theme.px(12.0);
        let x1 = theme.width - theme.margin();
        let n = self.rows.len();
        let slot = (x1 - x0) / n as i32;
        let labels: Vec<String> = self.rows.iter().map(|r| clean(&r.label)).collect();
        let axis = frame::plan_category_axis(theme, &labels, slot);
        let y1 = theme.height
            - theme.margin()
            - frame::line_height(&theme.axis_desc())
            - theme.px(10.0)
            - axis.height;
        // Room above the tallest bar for its value label.
        let y0 = top + frame::line_height(&theme.value()) + theme.px(6.0);
        let plot = Plot { x0, y0, x1, y1 };
        let scale = Scale::new(ticks.lo, ticks.hi, y1, y0);
        frame::draw_y_value_axis(area, theme, &plot, &scale, &ticks, &fmt)?;
        frame::draw_y_desc(area, theme, &plot, Y_DESC)?;
        frame::draw_x_desc(area, theme, &plot, X_DESC)?;
        let centers: Vec<i32> = (0..n).map(|i| x0 + slot * i as i32 + slot / 2).collect();
        frame::draw_category_axis(area, theme, &plot, &centers, slot, &axis, &labels)?;

        let bar_w = (slot * 34 / 100).max(2);
        let gap = (slot / 30).max(1);
        let zero = scale.map(0.0);
        let value = theme.value();
        let y = |p: i64| scale.map(super::format::pence_to_millions(p));
        for (r, &c) in self.rows.iter().zip(&centers) {
            let bars = [
                (
                    r.profiled,
                    profiled_fill(),
                    c - gap / 2 - bar_w,
                    c - gap / 2,
                ),
                (
                    r.released,
                    released_fill(),
                    c + gap / 2 + (gap % 2),
                    c + gap / 2 + (gap % 2) + bar_w,
                ),
            ];
            for (v, fill, xa, xb) in bars {
                frame::fill_rect(area, theme, (xa, zero, xb, y(v)), &fill)?;
                let text = format_millions(v);
                if frame::text_width(&value, &text) <= bar_w + gap + theme.px(2.0) {
                    let ty = if v >= 0 {
                        y(v) - theme.px(4.0)
                    } else {
                        y(v) + theme.px(4.0)
                    };
                    let vpos = if v >= 0 { VPos::Bottom } else { VPos::Top };
                    frame::draw_text(area, &text, &value, ((xa + xb) / 2, ty), HPos::Center, vpos)?;
                }
            }
        }
        Ok(())
    }
}

fn prepare(rows: &[FinancialYearBar], opts: &ChartOptions) -> YearsChart {
    YearsChart {
        title: clean(&opts.title),
        paragraphs: opts.subtitle.iter().map(|s| clean(s)).collect(),
        rows: rows.to_vec(),
    }
}

/// Plain-English summary of the financial-year rows.
pub fn funding_by_year_description(rows: &[FinancialYearBar]) -> String {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return "No data: there is no funding profile by financial year to show.".to_string();
    };
    let profiled: i64 = rows.iter().map(|r| r.profiled).sum();
    let released: i64 = rows.iter().map(|r| r.released).sum();
    let span = if rows.len() == 1 {
        format!("in {}", clean(&first.label))
    } else {
        format!(
            "over {} financial years, {} to {}",
            rows.len(),
            clean(&first.label),
            clean(&last.label)
        )
    };
    let mut out = format!(
        "Funding {span}: {} profiled and {} released",
        format_money(profiled),
        format_money(released)
    );
    if let Some(p) = percent(released as f64, profiled as f64) {
        out.push_str(&format!(" ({p}% of the profile)"));
    }
    out.push('.');
    let years: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}: {} profiled, {} released",
                clean(&r.label),
                format_money(r.profiled),
                format_money(r.released)
            )
        })
        .collect();
    out.push_str(&format!(" By year: {}.", years.join("; ")));
    out
}

/// Funding by financial year as an accessible SVG document.
pub fn funding_by_year_svg(
    rows: &[FinancialYearBar],
    opts: &ChartOptions,
) -> Result<String, ChartError> {
    render::to_svg(
        &prepare(rows, opts),
        opts,
        &funding_by_year_description(rows),
    )
}

/// Funding by financial year as PNG bytes.
pub fn funding_by_year_png(
    rows: &[FinancialYearBar],
    opts: &ChartOptions,
) -> Result<Vec<u8>, ChartError> {
    render::to_png(&prepare(rows, opts), opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testutil::*;

    #[test]
    fn svg_is_accessible_and_labelled() {
        let svg = funding_by_year_svg(&years(5), &opts("Funding by financial year")).unwrap();
        assert_accessible(&svg, "Funding by financial year");
        for text in [
            "£ million",
            "Financial year (April to March)",
            "Profiled",
            "Released",
            "2016/17",
            "2020/21",
            "£50.0m",
        ] {
            assert!(has_text(&svg, text), "missing {text:?}");
        }
        assert!(desc_of(&svg).starts_with(
            "Funding over 5 financial years, 2016/17 to 2020/21: £350,000,000 profiled and £290,000,000 released (83% of the profile). By year: 2016/17: £50,000,000 profiled, £40,000,000 released;"
        ));
    }

    #[test]
    fn many_years_still_render() {
        let svg = funding_by_year_svg(&years(40), &opts("Funding").size(800, 500)).unwrap();
        assert_well_formed(&svg);
        assert!(svg.contains("rotate(270"), "crowded labels turn vertical");
    }
}
