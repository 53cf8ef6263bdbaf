//! Drawing toolkit shared by the charts: header (title, subtitle, legend),
//! value axes with "nice" ticks, category labels, patterned fills and the
//! "No data" panel. Everything is laid out in pixels on the root drawing
//! area, so labels are placed exactly where we measure them to fit (no
//! rotated mesh labels, no segmented axes).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ChartError;
use super::glyphs;
use super::style::{self, AXIS, GRID, Theme};

pub(crate) type Area<DB> = DrawingArea<DB, Shift>;
pub(crate) type Drawn = Result<(), ChartError>;

// ---------------------------------------------------------------- text

/// Width and height in pixels of `text` drawn in `style`, measured with the
/// embedded font (so identical for SVG and PNG).
pub(crate) fn measure(style: &TextStyle, text: &str) -> (i32, i32) {
    glyphs::measure(
        text,
        style.font.get_size(),
        matches!(style.font.get_style(), FontStyle::Bold),
    )
}

pub(crate) fn text_width(style: &TextStyle, text: &str) -> i32 {
    measure(style, text).0
}

/// The height of one line of text in `style`.
pub(crate) fn line_height(style: &TextStyle) -> i32 {
    glyphs::em(style.font.get_size()).round() as i32
}

/// Draws `text` anchored at `(x, y)`.
pub(crate) fn draw_text<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
    (x, y): (i32, i32),
    h: HPos,
    v: VPos,
) -> Drawn {
    if text.is_empty() {
        return Ok(());
    }
    area.draw_text(text, &style.pos(Pos::new(h, v)), (x, y))?;
    Ok(())
}

/// Shortens `text` with an ellipsis until it fits in `max_w` pixels
/// (binary search, so very long labels stay cheap).
pub(crate) fn fit(style: &TextStyle, text: &str, max_w: i32) -> String {
    if text_width(style, text) <= max_w {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let candidate = |n: usize| chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
    // The longest prefix whose shortened form fits.
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(style, &candidate(mid)) <= max_w {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    candidate(lo)
}

/// Greedy word wrap to `max_w` pixels, at most `max_lines` lines (the last
/// one shortened with an ellipsis if the text does not fit).
pub(crate) fn wrap(style: &TextStyle, text: &str, max_w: i32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || text_width(style, &candidate) <= max_w {
            current = candidate;
        } else {
            lines.push(std::mem::take(&mut current));
            current = word.to_string();
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    let overflow = lines.len() > max_lines.max(1);
    lines.truncate(max_lines.max(1));
    if let Some(last) = lines.last_mut() {
        if overflow {
            *last = fit(style, &format!("{last} …"), max_w);
        } else {
            *last = fit(style, last, max_w);
        }
    }
    for line in lines.iter_mut() {
        *line = fit(style, line, max_w);
    }
    lines
}

// ---------------------------------------------------------------- fills

/// A pattern drawn over a fill so that categories differ without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    Solid,
    /// `/` lines.
    Diagonal,
    /// `\` lines.
    BackDiagonal,
    /// `/` and `\` lines.
    Cross,
    /// Horizontal lines.
    Horizontal,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fill {
    pub color: RGBColor,
    pub pattern: Pattern,
    /// Colour of the pattern lines.
    pub ink: RGBColor,
    pub outline: Option<RGBColor>,
}

impl Fill {
    pub fn solid(color: RGBColor) -> Self {
        Fill {
            color,
            pattern: Pattern::Solid,
            ink: color,
            outline: None,
        }
    }
    pub fn patterned(color: RGBColor, pattern: Pattern, ink: RGBColor) -> Self {
        Fill {
            color,
            pattern,
            ink,
            outline: None,
        }
    }
    pub fn outlined(mut self, c: RGBColor) -> Self {
        self.outline = Some(c);
        self
    }
}

/// Fills the pixel rectangle `(x0, y0)–(x1, y1)` (any corner order) with
/// `fill`. Pattern lines are aligned to the canvas so adjacent bars match.
pub(crate) fn fill_rect<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    (xa, ya, xb, yb): (i32, i32, i32, i32),
    fill: &Fill,
) -> Drawn {
    let (x0, x1) = (xa.min(xb), xa.max(xb));
    let (y0, y1) = (ya.min(yb), ya.max(yb));
    if x1 <= x0 || y1 <= y0 {
        return Ok(());
    }
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.color.filled()))?;
    let spacing = theme.px(8.0).max(5);
    let ink = ShapeStyle::from(&fill.ink).stroke_width(theme.px(1.4).max(1) as u32);
    let mut segs: Vec<[(i32, i32); 2]> = Vec::new();
    let slash = |segs: &mut Vec<[(i32, i32); 2]>| {
        // Lines x + y = c.
        let mut c = (x0 + y0).div_euclid(spacing) * spacing + spacing;
        while c < x1 + y1 {
            let xa = x0.max(c - y1);
            let xb = x1.min(c - y0);
            if xa < xb {
                segs.push([(xa, c - xa), (xb, c - xb)]);
            }
            c += spacing;
        }
    };
    let backslash = |segs: &mut Vec<[(i32, i32); 2]>| {
        // Lines x - y = c.
        let mut c = (x0 - y1).div_euclid(spacing) * spacing + spacing;
        while c < x1 - y0 {
            let xa = x0.max(c + y0);
            let xb = x1.min(c + y1);
            if xa < xb {
                segs.push([(xa, xa - c), (xb, xb - c)]);
            }
            c += spacing;
        }
    };
    match fill.pattern {
        Pattern::Solid => {}
        Pattern::Diagonal => slash(&mut segs),
        Pattern::BackDiagonal => backslash(&mut segs),
        Pattern::Cross => {
            slash(&mut segs);
            backslash(&mut segs);
        }
        Pattern::Horizontal => {
            let step = spacing.max(4);
            let mut y = y0.div_euclid(step) * step + step;
            while y < y1 {
                segs.push([(x0, y), (x1, y)]);
                y += step;
            }
        }
    }
    for seg in segs {
        area.draw(&PathElement::new(seg.to_vec(), ink))?;
    }
    if let Some(outline) = fill.outline {
        area.draw(&Rectangle::new(
            [(x0, y0), (x1, y1)],
            ShapeStyle::from(&outline).stroke_width(theme.px(1.0).max(1) as u32),
        ))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- legend

#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Fill(Fill),
    /// A line sample; `dash` is (dash length, gap) in unscaled pixels.
    Line {
        color: RGBColor,
        width: f64,
        dash: Option<(f64, f64)>,
        marker: Option<Marker>,
    },
    /// A vertical target/cap tick.
    Tick(RGBColor),
    Marker(Marker),
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Marker {
    /// A white circle with a coloured ring.
    Ring(RGBColor),
}

#[derive(Debug, Clone)]
pub(crate) struct LegendItem {
    pub label: String,
    pub swatch: Swatch,
}

impl LegendItem {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        LegendItem {
            label: label.into(),
            swatch,
        }
    }
}

pub(crate) fn draw_marker<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    marker: Marker,
    (x, y): (i32, i32),
    radius: i32,
) -> Drawn {
    match marker {
        Marker::Ring(c) => {
            let ring = theme.px(2.0).max(2);
            area.draw(&Circle::new((x, y), radius, c.filled()))?;
            area.draw(&Circle::new(
                (x, y),
                (radius - ring).max(1),
                style::WHITE.filled(),
            ))?;
        }
    }
    Ok(())
}

/// Draws a straight line, dashed when `dash` is given (unscaled pixels).
pub(crate) fn draw_line<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    points: &[(i32, i32)],
    color: RGBColor,
    width: f64,
    dash: Option<(f64, f64)>,
) -> Drawn {
    let style = ShapeStyle::from(&color).stroke_width(theme.px(width).max(1) as u32);
    match dash {
        None => {
            area.draw(&PathElement::new(points.to_vec(), style))?;
        }
        Some((on, off)) => {
            area.draw(&plotters::element::DashedPathElement::new(
                points.iter().copied(),
                theme.px(on).max(2),
                theme.px(off).max(2),
                style,
            ))?;
        }
    }
    Ok(())
}

fn draw_swatch<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    swatch: &Swatch,
    (x, cy): (i32, i32),
    w: i32,
    h: i32,
) -> Drawn {
    match swatch {
        Swatch::Fill(fill) => {
            let fill = Fill {
                outline: Some(fill.outline.unwrap_or(style::shade(fill.color, 0.35))),
                ..*fill
            };
            fill_rect(area, theme, (x, cy - h / 2, x + w, cy + h / 2), &fill)?;
        }
        Swatch::Line {
            color,
            width,
            dash,
            marker,
        } => {
            draw_line(area, theme, &[(x, cy), (x + w, cy)], *color, *width, *dash)?;
            if let Some(m) = marker {
                draw_marker(area, theme, *m, (x + w / 2, cy), theme.px(5.0))?;
            }
        }
        Swatch::Tick(color) => {
            let mid = x + w / 2;
            area.draw(&Rectangle::new(
                [
                    (mid - theme.px(1.5), cy - h / 2 - 2),
                    (mid + theme.px(1.5), cy + h / 2 + 2),
                ],
                color.filled(),
            ))?;
        }
        Swatch::Marker(m) => {
            draw_marker(area, theme, *m, (x + w / 2, cy), theme.px(6.0))?;
        }
    }
    Ok(())
}

/// Lays the legend out in rows from `(x0, y)`; returns the y below it.
fn draw_legend<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    items: &[LegendItem],
    x0: i32,
    y: i32,
    max_w: i32,
) -> Result<i32, ChartError> {
    if items.is_empty() {
        return Ok(y);
    }
    let style = theme.legend();
    let sw = theme.px(30.0);
    let sh = theme.px(18.0);
    let gap = theme.px(8.0);
    let item_gap = theme.px(26.0);
    let row_h = line_height(&style).max(sh) + theme.px(8.0);
    let mut x = x0;
    let mut row_top = y;
    for item in items {
        let label = fit(&style, &item.label, max_w - sw - gap);
        let w = sw + gap + text_width(&style, &label);
        if x > x0 && x + w > x0 + max_w {
            x = x0;
            row_top += row_h;
        }
        let cy = row_top + row_h / 2;
        draw_swatch(area, theme, &item.swatch, (x, cy), sw, sh)?;
        draw_text(
            area,
            &label,
            &style,
            (x + sw + gap, cy),
            HPos::Left,
            VPos::Center,
        )?;
        x += w + item_gap;
    }
    Ok(row_top + row_h)
}

// ---------------------------------------------------------------- header

/// Title, subtitle paragraphs and legend across the top of the chart.
pub(crate) struct Header<'a> {
    pub title: &'a str,
    pub paragraphs: Vec<String>,
    pub legend: Vec<LegendItem>,
}

/// Draws the header; returns the y coordinate where the plot may start.
pub(crate) fn draw_header<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    header: &Header,
) -> Result<i32, ChartError> {
    let m = theme.margin();
    let max_w = theme.width - 2 * m;
    let mut y = m;
    let title = theme.title();
    let title_lh = line_height(&title);
    for line in wrap(&title, header.title, max_w, 2) {
        draw_text(area, &line, &title, (m, y), HPos::Left, VPos::Top)?;
        y += title_lh * 5 / 4;
    }
    y += theme.px(2.0);
    let sub = theme.subtitle();
    let sub_lh = line_height(&sub);
    for p in &header.paragraphs {
        for line in wrap(&sub, p, max_w, 3) {
            draw_text(area, &line, &sub, (m, y), HPos::Left, VPos::Top)?;
            y += sub_lh * 13 / 10;
        }
    }
    y += theme.px(6.0);
    y = draw_legend(area, theme, &header.legend, m, y, max_w)?;
    Ok(y + theme.px(10.0))
}

/// The whole chart when there is nothing to plot: header and a "No data"
/// panel where the plot would be.
pub(crate) fn draw_no_data<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    title: &str,
    paragraphs: Vec<String>,
    what: &str,
) -> Drawn {
    let top = draw_header(
        area,
        theme,
        &Header {
            title,
            paragraphs,
            legend: Vec::new(),
        },
    )?;
    let m = theme.margin();
    let (x0, y0, x1, y1) = (m, top, theme.width - m, theme.height - m);
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        style::PALE_GREY.filled(),
    ))?;
    let cx = (x0 + x1) / 2;
    let cy = (y0 + y1) / 2;
    let big = theme.text(40.0, true, &style::TEXT);
    draw_text(area, "No data", &big, (cx, cy), HPos::Center, VPos::Bottom)?;
    let small = theme.text(21.0, false, &style::TEXT_SECONDARY);
    let note = fit(&small, what, x1 - x0 - theme.px(20.0));
    draw_text(
        area,
        &note,
        &small,
        (cx, cy + theme.px(10.0)),
        HPos::Center,
        VPos::Top,
    )?;
    Ok(())
}

// ---------------------------------------------------------------- axes

/// Evenly spaced "nice" tick values covering `lo..=hi`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub values: Vec<f64>,
    /// Decimals needed to print the step exactly.
    pub decimals: usize,
}

/// Chooses a step of 1, 2, 2.5 or 5 × 10ⁿ giving at most `max_ticks`
/// intervals, and widens `lo..hi` to whole steps. With `integer`, the step
/// is at least 1 (for counts and days).
pub(crate) fn nice_ticks(lo: f64, hi: f64, max_ticks: usize, integer: bool) -> Ticks {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() {
        (lo.min(hi), lo.max(hi))
    } else {
        (0.0, 1.0)
    };
    if hi - lo < 1e-9 {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
    }
    let max_ticks = max_ticks.max(1) as f64;
    let raw = (hi - lo) / max_ticks;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let mult = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|&m| m >= norm - 1e-9)
        .unwrap_or(10.0);
    let mut step = mult * mag;
    if integer && step < 1.0 {
        step = 1.0;
    }
    if integer && mult == 2.5 && step < 10.0 {
        step = if mag >= 1.0 { 5.0 * mag } else { 1.0 };
    }
    // Tolerate float noise: 300.0000001 / 50 must not add a step.
    let lo_t = (lo / step + 1e-9).floor() * step;
    let hi_t = (hi / step - 1e-9).ceil() * step;
    let n = ((hi_t - lo_t) / step).round() as i64;
    let values = (0..=n).map(|i| {
        let v = lo_t + i as f64 * step;
        if v.abs() < step * 1e-9 { 0.0 } else { v }
    });
    let decimals = if step >= 1.0 {
        0
    } else {
        let mut d = 0;
        while d < 6 && ((step * 10f64.powi(d)).round() - step * 10f64.powi(d)).abs() > 1e-6 {
            d += 1;
        }
        d as usize
    };
    Ticks {
        lo: lo_t,
        hi: hi_t,
        step,
        values: values.collect(),
        decimals,
    }
}

/// A linear map from data values to pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub p0: i32,
    pub p1: i32,
}

impl Scale {
    pub fn new(d0: f64, d1: f64, p0: i32, p1: i32) -> Self {
        let d1 = if (d1 - d0).abs() < 1e-12 {
            d0 + 1.0
        } else {
            d1
        };
        Scale { d0, d1, p0, p1 }
    }
    pub fn map(&self, v: f64) -> i32 {
        let t = (v - self.d0) / (self.d1 - self.d0);
        let p = f64::from(self.p0) + t * f64::from(self.p1 - self.p0);
        p.round().clamp(-1e6, 1e6) as i32
    }
}

/// The plot rectangle in pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plot {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

/// Vertical gridlines and tick labels under the plot for a horizontal
/// value axis.
pub(crate) fn draw_x_value_axis<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    plot: &Plot,
    scale: &Scale,
    ticks: &Ticks,
    fmt: &dyn Fn(f64) -> String,
) -> Drawn {
    let style = theme.tick();
    for &v in &ticks.values {
        let x = scale.map(v);
        let line = if v == 0.0 {
            ShapeStyle::from(&AXIS).stroke_width(theme.px(1.5).max(1) as u32)
        } else {
            ShapeStyle::from(&GRID).stroke_width(1)
        };
        area.draw(&PathElement::new(vec![(x, plot.y0), (x, plot.y1)], line))?;
        draw_text(
            area,
            &fmt(v),
            &style,
            (x, plot.y1 + theme.px(8.0)),
            HPos::Center,
            VPos::Top,
        )?;
    }
    Ok(())
}

/// Horizontal gridlines and tick labels left of the plot for a vertical
/// value axis.
pub(crate) fn draw_y_value_axis<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    plot: &Plot,
    scale: &Scale,
    ticks: &Ticks,
    fmt: &dyn Fn(f64) -> String,
) -> Drawn {
    let style = theme.tick();
    for &v in &ticks.values {
        let y = scale.map(v);
        let line = if v == 0.0 {
            ShapeStyle::from(&AXIS).stroke_width(theme.px(1.5).max(1) as u32)
        } else {
            ShapeStyle::from(&GRID).stroke_width(1)
        };
        area.draw(&PathElement::new(vec![(plot.x0, y), (plot.x1, y)], line))?;
        draw_text(
            area,
            &fmt(v),
            &style,
            (plot.x0 - theme.px(8.0), y),
            HPos::Right,
            VPos::Center,
        )?;
    }
    Ok(())
}

/// The widest tick label of an axis.
pub(crate) fn max_label_width(style: &TextStyle, labels: impl IntoIterator<Item = String>) -> i32 {
    labels
        .into_iter()
        .map(|l| text_width(style, &l))
        .max()
        .unwrap_or(0)
}

/// The axis description under the plot (horizontal text, never rotated).
pub(crate) fn draw_x_desc<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    plot: &Plot,
    text: &str,
) -> Drawn {
    let style = theme.axis_desc();
    let text = fit(&style, text, theme.width - 2 * theme.margin());
    draw_text(
        area,
        &text,
        &style,
        ((plot.x0 + plot.x1) / 2, theme.height - theme.margin()),
        HPos::Center,
        VPos::Bottom,
    )
}

/// The axis description left of the plot, reading bottom to top.
pub(crate) fn draw_y_desc<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    plot: &Plot,
    text: &str,
) -> Drawn {
    let style = theme.axis_desc();
    let text = fit(&style, text, plot.y1 - plot.y0 + theme.px(40.0));
    let rotated = style.transform(FontTransform::Rotate270);
    draw_text(
        area,
        &text,
        &rotated,
        (theme.margin(), (plot.y0 + plot.y1) / 2),
        HPos::Center,
        VPos::Top,
    )
}

/// Space the bottom of a chart needs for tick labels and the x description.
pub(crate) fn bottom_space(theme: &Theme) -> i32 {
    theme.margin()
        + line_height(&theme.axis_desc())
        + theme.px(12.0)
        + line_height(&theme.tick())
        + theme.px(8.0)
}

/// Space the left of a chart needs for the rotated y description.
pub(crate) fn left_desc_space(theme: &Theme) -> i32 {
    theme.margin() + line_height(&theme.axis_desc()) + theme.px(12.0)
}

/// A white chip behind a small label so it reads over patterns.
pub(crate) fn draw_chip_label<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    text: &str,
    style: &TextStyle,
    (cx, cy): (i32, i32),
) -> Drawn {
    let (w, h) = measure(style, text);
    let pad = theme.px(3.0).max(2);
    area.draw(&Rectangle::new(
        [
            (cx - w / 2 - pad, cy - h / 2 - pad / 2),
            (cx + w / 2 + pad, cy + h / 2 + pad / 2),
        ],
        style::WHITE.filled(),
    ))?;
    draw_text(area, text, style, (cx, cy), HPos::Center, VPos::Center)
}

/// Moves label centres apart so that none are closer than `gap`, keeping
/// them within `lo..=hi` and as near their wanted positions as possible.
/// `ys` must be sorted ascending; returns the adjusted positions.
pub(crate) fn spread(ys: &[i32], gap: i32, lo: i32, hi: i32) -> Vec<i32> {
    let mut out: Vec<i32> = ys.iter().map(|&y| y.clamp(lo, hi)).collect();
    for i in 1..out.len() {
        if out[i] < out[i - 1] + gap {
            out[i] = out[i - 1] + gap;
        }
    }
    if let Some(&last) = out.last()
        && last > hi
    {
        {
            let shift = last - hi;
            for y in out.iter_mut() {
                *y -= shift;
            }
            for i in (0..out.len().saturating_sub(1)).rev() {
                if out[i] > out[i + 1] - gap {
                    out[i] = out[i + 1] - gap;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_cover_the_range_with_round_steps() {
        let t = nice_ticks(0.0, 257.85, 6, false);
        assert_eq!(t.step, 50.0);
        assert_eq!(t.lo, 0.0);
        assert_eq!(t.hi, 300.0);
        assert_eq!(t.values.len(), 7);

        let t = nice_ticks(0.0, 9.6, 6, false);
        assert_eq!(t.step, 2.0);
        assert_eq!(t.hi, 10.0);

        let t = nice_ticks(0.0, 0.9, 5, false);
        assert_eq!(t.step, 0.2);
        assert_eq!(t.decimals, 1);

        let t = nice_ticks(-30.0, 250.0, 8, true);
        assert_eq!(t.step, 50.0);
        assert_eq!(t.lo, -50.0);
        assert!(t.values.contains(&0.0));

        // Counts never get fractional steps; a flat range still has a span.
        let t = nice_ticks(0.0, 3.0, 10, true);
        assert_eq!(t.step, 1.0);
        let t = nice_ticks(0.0, 0.0, 5, true);
        assert!(t.hi > t.lo);
        let t = nice_ticks(f64::NAN, 1.0, 5, false);
        assert!(t.hi > t.lo);
    }

    #[test]
    fn spread_separates_close_labels_within_bounds() {
        assert_eq!(spread(&[10, 12, 50], 10, 0, 100), vec![10, 20, 50]);
        assert_eq!(spread(&[95, 96, 97], 10, 0, 100), vec![80, 90, 100]);
    }

    #[test]
    fn scale_maps_linearly() {
        let s = Scale::new(0.0, 10.0, 100, 200);
        assert_eq!(s.map(0.0), 100);
        assert_eq!(s.map(5.0), 150);
        let inverted = Scale::new(0.0, 10.0, 500, 100);
        assert_eq!(inverted.map(10.0), 100);
        let flat = Scale::new(3.0, 3.0, 0, 10);
        assert_eq!(flat.map(3.0), 0);
    }
}

// ---------------------------------------------------------------- category x axis

/// How the labels under vertical bars are written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum XLabels {
    /// Every label, horizontal.
    Horizontal,
    /// "2019/20 Q1" style labels as two rows: the last word under each bar
    /// and the shared first part once under its run of bars.
    TwoTier {
        minors: Vec<String>,
        /// (label, first index, last index)
        majors: Vec<(String, usize, usize)>,
    },
    /// Vertical text reading upwards, every `every`-th label.
    Vertical { every: usize, max_w: i32 },
}

/// A plan for the category axis and the height it needs below the plot.
#[derive(Debug, Clone)]
pub(crate) struct CategoryAxis {
    pub labels: XLabels,
    pub height: i32,
}

/// Runs of bars sharing a label: (label, first index, last index).
type Runs = Vec<(String, usize, usize)>;

fn two_tier(labels: &[String]) -> Option<(Vec<String>, Runs)> {
    let mut minors = Vec::with_capacity(labels.len());
    let mut majors: Runs = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        let (major, minor) = l.rsplit_once(' ')?;
        minors.push(minor.to_string());
        match majors.last_mut() {
            Some((m, _, last)) if m == major => *last = i,
            _ => majors.push((major.to_string(), i, i)),
        }
    }
    // Worth it only if bars actually share their first part.
    (majors.len() < labels.len()).then_some((minors, majors))
}

/// Chooses how to write `labels` under bars `slot` pixels apart.
pub(crate) fn plan_category_axis(theme: &Theme, labels: &[String], slot: i32) -> CategoryAxis {
    let style = theme.tick();
    let lh = line_height(&style);
    let widest = max_label_width(&style, labels.iter().cloned());
    if widest <= slot - theme.px(6.0) {
        return CategoryAxis {
            labels: XLabels::Horizontal,
            height: lh + theme.px(10.0),
        };
    }
    if let Some((minors, majors)) = two_tier(labels) {
        let minor_fit = max_label_width(&style, minors.iter().cloned()) <= slot - theme.px(4.0);
        let major_fit = majors
            .iter()
            .all(|(m, a, b)| text_width(&style, m) <= (b - a + 1) as i32 * slot - theme.px(6.0));
        if minor_fit && major_fit {
            return CategoryAxis {
                labels: XLabels::TwoTier { minors, majors },
                height: 2 * lh + theme.px(18.0),
            };
        }
    }
    let every = ((f64::from(lh) * 1.3) / f64::from(slot.max(1)))
        .ceil()
        .max(1.0) as usize;
    let max_w = widest.min(theme.height * 3 / 10);
    CategoryAxis {
        labels: XLabels::Vertical { every, max_w },
        height: max_w + theme.px(12.0),
    }
}

/// Draws the category labels under the plot at the given bar centres.
pub(crate) fn draw_category_axis<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    plot: &Plot,
    centers: &[i32],
    slot: i32,
    axis: &CategoryAxis,
    labels: &[String],
) -> Drawn {
    let style = theme.tick();
    let top = plot.y1 + theme.px(8.0);
    match &axis.labels {
        XLabels::Horizontal => {
            for (l, &x) in labels.iter().zip(centers) {
                draw_text(area, l, &style, (x, top), HPos::Center, VPos::Top)?;
            }
        }
        XLabels::TwoTier { minors, majors } => {
            for (l, &x) in minors.iter().zip(centers) {
                draw_text(area, l, &style, (x, top), HPos::Center, VPos::Top)?;
            }
            let y = top + line_height(&style) + theme.px(8.0);
            let bold = theme.text(style.font.get_size() / theme.s, true, &style::TEXT);
            for (i, (m, a, b)) in majors.iter().enumerate() {
                let (xa, xb) = (centers[*a] - slot / 2, centers[*b] + slot / 2);
                draw_text(
                    area,
                    &fit(&bold, m, xb - xa - theme.px(4.0)),
                    &bold,
                    ((xa + xb) / 2, y),
                    HPos::Center,
                    VPos::Top,
                )?;
                if i > 0 {
                    // A divider between runs (e.g. financial years).
                    area.draw(&PathElement::new(
                        vec![(xa, plot.y1), (xa, y + line_height(&style))],
                        ShapeStyle::from(&GRID).stroke_width(1),
                    ))?;
                }
            }
        }
        XLabels::Vertical { every, max_w } => {
            let rotated = style.transform(FontTransform::Rotate270);
            for (i, (l, &x)) in labels.iter().zip(centers).enumerate() {
                if i % every != 0 {
                    continue;
                }
                let text = fit(&style, l, *max_w);
                // Reading upwards, right-aligned to the axis.
                draw_text(
                    area,
                    &text,
                    &rotated,
                    (x - line_height(&style) / 2, top),
                    HPos::Right,
                    VPos::Top,
                )?;
            }
        }
    }
    Ok(())
}
