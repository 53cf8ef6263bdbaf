//! Chart 1: milestone burn-up — cumulative milestones due on the baseline
//! plan, due on the current forecast, and completed, by month. Lines differ
//! by colour, dash and width, and each is named at its end and in the
//! legend.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::format::{clean, count, month_long, month_short, percent};
use super::frame::{self, Area, Drawn, Header, LegendItem, Plot, Scale, Swatch};
use super::render::{self, Chart};
use super::rows::BurnUpPoint;
use super::style::{self, Theme};
use super::{ChartError, ChartOptions};

const Y_DESC: &str = "Milestones (cumulative)";
const X_DESC: &str = "Month";

/// How one line is drawn; lines differ by colour, dash and width.
struct Series {
    name: &'static str,
    color: RGBColor,
    width: f64,
    /// (dash, gap) in unscaled pixels; `None` = solid.
    dash: Option<(f64, f64)>,
}

/// Baseline, forecast, completed: the order of [`values`].
const SERIES: [Series; 3] = [
    Series {
        name: "Baseline plan",
        color: style::TEXT_SECONDARY,
        width: 2.5,
        dash: Some((9.0, 6.0)),
    },
    Series {
        name: "Current forecast",
        color: style::VERMILLION,
        width: 3.0,
        dash: Some((3.0, 4.0)),
    },
    Series {
        name: "Completed",
        color: style::BLUE,
        width: 4.0,
        dash: None,
    },
];

fn month_index(p: &BurnUpPoint) -> i64 {
    i64::from(p.year) * 12 + i64::from(p.month) - 1
}

fn values(p: &BurnUpPoint) -> [u32; 3] {
    [p.planned_baseline, p.planned_forecast, p.completed]
}

fn validate(points: &[BurnUpPoint]) -> Result<(), ChartError> {
    match points.iter().find(|p| !(1..=12).contains(&p.month)) {
        Some(p) => Err(ChartError::InvalidInput(format!(
            "month {} of {} is not 1–12",
            p.month, p.year
        ))),
        None => Ok(()),
    }
}

struct BurnUpChart {
    title: String,
    paragraphs: Vec<String>,
    /// Sorted by month.
    points: Vec<BurnUpPoint>,
}

/// Tick months (as month indices) and their labels: January of each year,
/// every few years if crowded; quarters for short spans.
fn month_ticks(theme: &Theme, first: i64, last: i64, width: i32) -> Vec<(i64, String)> {
    let style = theme.tick();
    let span = (last - first).max(1);
    let px_per_month = f64::from(width) / span as f64;
    let label = |m: i64, long: bool| {
        let (y, mo) = (m.div_euclid(12) as i32, (m.rem_euclid(12) + 1) as u8);
        if long {
            month_short(y, mo)
        } else {
            y.to_string()
        }
    };
    // Short spans: every 3 months or every month, labelled "Apr 2019".
    if span <= 30 {
        let w = frame::text_width(&style, "Sep 2019") + theme.px(16.0);
        let step = [1i64, 3, 6, 12]
            .into_iter()
            .find(|s| px_per_month * *s as f64 >= f64::from(w))
            .unwrap_or(12);
        let start = first + (step - first.rem_euclid(step)) % step;
        return (0..)
            .map(|i| start + i * step)
            .take_while(|m| *m <= last)
            .map(|m| (m, label(m, true)))
            .collect();
    }
    let w = frame::text_width(&style, "2019") + theme.px(16.0);
    let years = [1i64, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .find(|s| px_per_month * 12.0 * *s as f64 >= f64::from(w))
        .unwrap_or(100);
    let step = years * 12;
    let start = first + (step - first.rem_euclid(step)) % step;
    (0..)
        .map(|i| start + i * step)
        .take_while(|m| *m <= last)
        .map(|m| (m, label(m, false)))
        .collect()
}

impl Chart for BurnUpChart {
    const KIND: &'static str = "burn-up";

    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> Drawn {
        let (Some(first), Some(last)) = (self.points.first(), self.points.last()) else {
            return frame::draw_no_data(
                area,
                theme,
                &self.title,
                self.paragraphs.clone(),
                "There are no milestones with dates to show.",
            );
        };
        let legend = SERIES
            .iter()
            .map(|line| {
                LegendItem::new(
                    line.name,
                    Swatch::Line {
                        color: line.color,
                        width: line.width,
                        dash: line.dash,
                        marker: None,
                    },
                )
            })
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
        let hi = self.points.iter().flat_map(values).max().unwrap_or(0);
        let ticks = frame::nice_ticks(0.0, f64::from(hi), 6, true);
        let fmt = |v: f64| count(v.max(0.0) as u64);
        let tick_w = frame::max_label_width(&theme.tick(), ticks.values.iter().map(|&v| fmt(v)));
        let end_style = theme.value();
        let as_at_point = self
            .points
            .iter()
            .find(|p| p.as_at_day.is_some())
            .unwrap_or(last);
        let end_labels: Vec<String> = SERIES
            .iter()
            .zip([
                last.planned_baseline,
                last.planned_forecast,
                as_at_point.completed,
            ])
            .map(|(line, v)| format!("{}: {}", line.name, count(v)))
            .collect();
        let end_w = frame::max_label_width(&end_style, end_labels.iter().cloned());
        let x0 = frame::left_desc_space(theme) + tick_w + theme.px(12.0);
        let x1 = theme.width - theme.margin() - end_w - theme.px(14.0);
        let y0 = top + theme.px(8.0);
        let y1 = theme.height - frame::bottom_space(theme);
        let plot = Plot { x0, y0, x1, y1 };
        let (m0, m1) = (month_index(first), month_index(last));
        // A single month still gets a visible span.
        let (d0, d1) = if m1 > m0 { (m0, m1) } else { (m0 - 1, m0 + 1) };
        let xs = Scale::new(d0 as f64, d1 as f64, x0, x1);
        let ys = Scale::new(0.0, ticks.hi, y1, y0);
        frame::draw_y_value_axis(area, theme, &plot, &ys, &ticks, &fmt)?;
        let tick_style = theme.tick();
        for (m, label) in month_ticks(theme, d0, d1, x1 - x0) {
            let x = xs.map(m as f64);
            area.draw(&PathElement::new(
                vec![(x, y0), (x, y1)],
                ShapeStyle::from(&style::GRID).stroke_width(1),
            ))?;
            area.draw(&PathElement::new(
                vec![(x, y1), (x, y1 + theme.px(5.0))],
                ShapeStyle::from(&style::AXIS).stroke_width(1),
            ))?;
            frame::draw_text(
                area,
                &label,
                &tick_style,
                (x, y1 + theme.px(8.0)),
                HPos::Center,
                VPos::Top,
            )?;
        }
        frame::draw_y_desc(area, theme, &plot, Y_DESC)?;
        frame::draw_x_desc(area, theme, &plot, X_DESC)?;

        // Completions are known only up to the as-at month.
        let known = self
            .points
            .iter()
            .position(|p| p.as_at_day.is_some())
            .map_or(self.points.len(), |i| i + 1);
        if let Some(p) = self.points.get(known.wrapping_sub(1))
            && let Some(day) = p.as_at_day
        {
            // The as-at day within its month.
            let at = month_index(p) as f64 + (f64::from(day) - 1.0) / 30.0;
            let x = xs.map(at.min(d1 as f64));
            frame::draw_line(
                area,
                theme,
                &[(x, y0), (x, y1)],
                style::TEXT,
                1.5,
                Some((2.0, 3.0)),
            )?;
            let text = format!("As at {} {}", day, month_long(p.year, p.month));
            let label_style = theme.value();
            let (tw, _) = frame::measure(&label_style, &text);
            let (lx, pos) = if x + theme.px(6.0) + tw <= x1 {
                (x + theme.px(6.0), HPos::Left)
            } else {
                (x - theme.px(6.0), HPos::Right)
            };
            frame::draw_text(
                area,
                &text,
                &label_style,
                (lx, y0 + theme.px(4.0)),
                pos,
                VPos::Top,
            )?;
        }
        let mut ends = Vec::with_capacity(3);
        for (k, line) in SERIES.iter().enumerate() {
            let shown = if k == 2 {
                &self.points[..known]
            } else {
                &self.points[..]
            };
            let pts: Vec<(i32, i32)> = shown
                .iter()
                .map(|p| {
                    (
                        xs.map(month_index(p) as f64),
                        ys.map(f64::from(values(p)[k])),
                    )
                })
                .collect();
            if pts.len() == 1 {
                let r = theme.px(line.width + 2.0);
                area.draw(&Circle::new(pts[0], r, line.color.filled()))?;
            } else {
                frame::draw_line(area, theme, &pts, line.color, line.width, line.dash)?;
            }
            ends.push(pts[pts.len() - 1].1);
        }
        // Name each line at its end, nudged apart when they meet ("Completed"
        // is named at the right edge too, level with where it stopped).
        let mut order: Vec<usize> = (0..3).collect();
        order.sort_by_key(|&k| (ends[k], k));
        let lh = frame::line_height(&end_style);
        let wanted: Vec<i32> = order.iter().map(|&k| ends[k]).collect();
        let placed = frame::spread(&wanted, lh + theme.px(3.0), y0, y1);
        let lx = xs.map(d1 as f64) + theme.px(8.0);
        for (&k, y) in order.iter().zip(placed) {
            let colored = theme.text(
                end_style.font.get_size() / theme.s,
                true,
                &if k == 0 { style::TEXT } else { SERIES[k].color },
            );
            frame::draw_text(
                area,
                &end_labels[k],
                &colored,
                (lx, y),
                HPos::Left,
                VPos::Center,
            )?;
        }
        Ok(())
    }
}

fn prepare(points: &[BurnUpPoint], opts: &ChartOptions) -> BurnUpChart {
    let mut sorted = points.to_vec();
    sorted.sort_by_key(month_index);
    BurnUpChart {
        title: clean(&opts.title),
        paragraphs: opts.subtitle.iter().map(|s| clean(s)).collect(),
        points: sorted,
    }
}

/// Plain-English summary of the burn-up rows.
pub fn burn_up_description(points: &[BurnUpPoint]) -> String {
    let Some(first) = points.iter().min_by_key(|p| month_index(p)) else {
        return "No data: there are no milestones to show.".to_string();
    };
    let last = points
        .iter()
        .max_by_key(|p| month_index(p))
        .unwrap_or(first);
    let [base, fore, _] = values(last);
    let as_at = points.iter().find(|p| p.as_at_day.is_some());
    let done = as_at.unwrap_or(last).completed;
    let when = month_long(last.year, last.month);
    let mut out = if month_index(first) == month_index(last) {
        format!("Cumulative milestones for {when}: ")
    } else {
        format!(
            "Cumulative milestones by month from {} to {when}. By {when}: ",
            month_long(first.year, first.month)
        )
    };
    out.push_str(&format!(
        "{} due on the baseline plan, {} on the current forecast, and {} completed",
        count(base),
        count(fore),
        count(done)
    ));

    if let Some(p) = percent(f64::from(done), f64::from(base)) {
        out.push_str(&format!(" ({p}% of the baseline plan)"));
    }
    out.push('.');
    // Where the forecast fell furthest behind the baseline.
    if let Some(p) = points
        .iter()
        .filter(|p| p.planned_baseline > p.planned_forecast)
        .max_by_key(|p| (p.planned_baseline - p.planned_forecast, -month_index(p)))
    {
        out.push_str(&format!(
            " The forecast was furthest behind the baseline in {}, by {} milestones.",
            month_long(p.year, p.month),
            count(p.planned_baseline - p.planned_forecast)
        ));
    }
    if let Some(p) = as_at
        && let Some(day) = p.as_at_day
    {
        out.push_str(&format!(
            " Completions are known up to the as-at date, {day} {}, where the completed line stops (a dotted line marks it).",
            month_long(p.year, p.month)
        ));
    }
    out.push_str(
        " Cancelled milestones are left out: they will never be due or completed, so counting them would overstate both plans.",
    );
    out
}

/// Milestone burn-up as an accessible SVG document.
pub fn burn_up_svg(points: &[BurnUpPoint], opts: &ChartOptions) -> Result<String, ChartError> {
    validate(points)?;
    render::to_svg(&prepare(points, opts), opts, &burn_up_description(points))
}

/// Milestone burn-up as PNG bytes.
pub fn burn_up_png(points: &[BurnUpPoint], opts: &ChartOptions) -> Result<Vec<u8>, ChartError> {
    validate(points)?;
    render::to_png(&prepare(points, opts), opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testutil::*;

    #[test]
    fn svg_is_accessible_and_labelled() {
        let svg = burn_up_svg(&months((2016, 4), 60, 1), &opts("Milestone burn-up")).unwrap();
        assert_accessible(&svg, "Milestone burn-up");
        for text in [
            "Milestones (cumulative)",
            "Month",
            "Baseline plan",
            "Current forecast",
            "Completed",
            "2017",
            "2021",
            "Completed: 118",
        ] {
            assert!(has_text(&svg, text), "missing {text:?}");
        }
    }

    #[test]
    fn description_summarises_the_latest_month() {
        let d = burn_up_description(&months((2016, 4), 60, 1));
        assert_eq!(
            d,
            "Cumulative milestones by month from April 2016 to March 2021. By March 2021: 236 due on the baseline plan, 177 on the current forecast, and 118 completed (50% of the baseline plan). The forecast was furthest behind the baseline in March 2021, by 59 milestones. Cancelled milestones are left out: they will never be due or completed, so counting them would overstate both plans."
        );
    }

    #[test]
    fn input_order_does_not_matter_and_months_are_checked() {
        let pts = months((2016, 4), 24, 1);
        let mut shuffled = pts.clone();
        shuffled.reverse();
        let o = opts("Burn-up");
        assert_eq!(
            burn_up_svg(&pts, &o).unwrap(),
            burn_up_svg(&shuffled, &o).unwrap()
        );
        let mut bad = pts.clone();
        bad[3].month = 13;
        assert!(matches!(
            burn_up_svg(&bad, &o),
            Err(ChartError::InvalidInput(_))
        ));
        // Short spans get month labels.
        assert!(has_text(&burn_up_svg(&pts, &o).unwrap(), "Jan 2017"));
        // A single month still draws.
        assert_png(&burn_up_png(&pts[..1], &o).unwrap(), 1200, 700);
    }
}
