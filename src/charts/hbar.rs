//! Layout shared by the per-participant charts: one horizontal bar per
//! participant (ODS code on the left, value axis along the bottom) plus an
//! optional "Other (k participants)" row.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::ChartOptions;
use super::format::plural;
use super::frame::{self, Area, Drawn, Plot};
use super::style::{self, Theme};

/// Smallest row height (unscaled pixels) that keeps ODS labels readable.
const MIN_ROW: f64 = 15.0;

/// How many participants to draw as their own bar on this canvas: the
/// caller's `max_bars`, reduced if the canvas is too short for that many
/// readable rows (one row is kept for "Other").
pub(crate) fn bar_budget(opts: &ChartOptions) -> usize {
    let theme = Theme::new(opts.width, opts.height);
    let available = f64::from(opts.height) - 270.0 * theme.s;
    let fit = (available / (MIN_ROW * theme.s)).floor().max(4.0) as usize;
    opts.max_bars.max(1).min(fit - 1)
}

/// The label of the grouped row.
pub(crate) fn other_label(k: usize) -> String {
    format!("Other ({})", plural(k, "participant", "participants"))
}

pub(crate) struct HBarLayout {
    pub plot: Plot,
    pub row_h: f64,
    pub label: TextStyle<'static>,
    pub label_bold: TextStyle<'static>,
    pub value: TextStyle<'static>,
}

impl HBarLayout {
    /// Lays out `labels.len()` rows below `top`, leaving `right` pixels
    /// right of the plot for value labels.
    pub fn new(theme: &Theme, top: i32, labels: &[String], right: i32) -> Self {
        let rows = labels.len().max(1);
        let y0 = top;
        let y1 = theme.height - frame::bottom_space(theme);
        let row_h = f64::from((y1 - y0).max(rows as i32)) / rows as f64;
        let size = theme.tick_size().min(row_h * 1.1).max(9.0);
        let label = theme.text(size / theme.s, false, &style::TEXT);
        let label_bold = theme.text(size / theme.s, true, &style::TEXT);
        let value = theme.text(
            (size * 0.92).min(17.0 * theme.s) / theme.s,
            false,
            &style::TEXT,
        );
        let max_label = theme.width / 4;
        let label_w = labels
            .iter()
            .map(|l| frame::text_width(&label_bold, l).min(max_label))
            .max()
            .unwrap_or(0);
        let x0 = frame::left_desc_space(theme) + label_w + theme.px(12.0);
        let x1 = (theme.width - theme.margin() - right).max(x0 + theme.px(100.0));
        HBarLayout {
            plot: Plot { x0, y0, x1, y1 },
            row_h,
            label,
            label_bold,
            value,
        }
    }

    pub fn center(&self, i: usize) -> i32 {
        self.plot.y0 + ((i as f64 + 0.5) * self.row_h).round() as i32
    }

    /// Top and bottom of the bar in row `i`.
    pub fn bar(&self, i: usize) -> (i32, i32) {
        let half = (self.row_h * 0.36).max(2.0);
        let c = self.plot.y0 as f64 + (i as f64 + 0.5) * self.row_h;
        ((c - half).round() as i32, (c + half).round() as i32)
    }

    /// Draws the category labels: grouped rows in bold, with a rule between
    /// grouped and individual rows.
    pub fn draw_labels<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        theme: &Theme,
        labels: &[String],
        grouped: &[bool],
    ) -> Drawn {
        let x = self.plot.x0 - theme.px(8.0);
        let max_w = theme.width / 4;
        let is_grouped = |i: usize| grouped.get(i).copied().unwrap_or(false);
        for (i, l) in labels.iter().enumerate() {
            let style = if is_grouped(i) {
                &self.label_bold
            } else {
                &self.label
            };
            let text = frame::fit(style, l, max_w);
            frame::draw_text(
                area,
                &text,
                style,
                (x, self.center(i)),
                HPos::Right,
                VPos::Center,
            )?;
            if i > 0 && is_grouped(i) != is_grouped(i - 1) {
                let y = self.plot.y0 + (i as f64 * self.row_h).round() as i32;
                frame::draw_line(
                    area,
                    theme,
                    &[(frame::left_desc_space(theme), y), (self.plot.x1, y)],
                    style::GREY_FILL,
                    1.0,
                    Some((6.0, 4.0)),
                )?;
            }
        }
        Ok(())
    }
}
