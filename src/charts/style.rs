//! Palette, fonts and sizes shared by every chart.
//!
//! Colours are the Okabe–Ito colour-blind-safe set; every category that is
//! told apart by colour is also told apart by a pattern, a line style or a
//! direct text label, and named in a legend.

use std::sync::OnceLock;

use plotters::style::{FontStyle, IntoFont, RGBColor, TextStyle, register_font};

use super::ChartError;

/// The font family every chart uses. The embedded Noto Sans faces are
/// registered under this name, so output never depends on system fonts.
pub(crate) const FONT: &str = "sans-serif";

/// Registers the embedded Noto Sans (Apache-2.0) regular and bold faces
/// with plotters, once per process.
pub(crate) fn ensure_fonts() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, ttf_noto_sans::REGULAR).is_ok()
            && register_font(FONT, FontStyle::Bold, ttf_noto_sans::BOLD).is_ok()
    });
    if ok && super::glyphs::available() {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

// Okabe–Ito.
pub(crate) const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
pub(crate) const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
pub(crate) const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub(crate) const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

// Neutrals (NHS.UK greys).
pub(crate) const TEXT: RGBColor = RGBColor(0x21, 0x2B, 0x32);
pub(crate) const TEXT_SECONDARY: RGBColor = RGBColor(0x4C, 0x62, 0x72);
pub(crate) const AXIS: RGBColor = RGBColor(0x42, 0x55, 0x63);
pub(crate) const GRID: RGBColor = RGBColor(0xD8, 0xDD, 0xE0);
pub(crate) const GREY_FILL: RGBColor = RGBColor(0xAE, 0xB7, 0xBD);
pub(crate) const PALE_GREY: RGBColor = RGBColor(0xE8, 0xED, 0xEE);
pub(crate) const WHITE: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);

/// Mixes `c` with white: `amount` 0 gives `c`, 1 gives white.
pub(crate) fn tint(c: RGBColor, amount: f64) -> RGBColor {
    let m = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * amount).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// Mixes `c` with black: `amount` 0 gives `c`, 1 gives black.
pub(crate) fn shade(c: RGBColor, amount: f64) -> RGBColor {
    let m = |v: u8| (f64::from(v) * (1.0 - amount)).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// Sizes scaled to the canvas: 1.0 at the default 1200×700.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Theme {
    pub s: f64,
    pub width: i32,
    pub height: i32,
}

/// Text sizes in plotters units (≈ 1.24 × the CSS pixel size).
const TITLE: f64 = 34.0;
const SUBTITLE: f64 = 22.0;
const AXIS_DESC: f64 = 21.0;
const TICK: f64 = 19.0;
const LEGEND: f64 = 19.0;
const VALUE: f64 = 17.0;

impl Theme {
    pub fn new(width: u32, height: u32) -> Self {
        let s = (f64::from(width) / 1200.0)
            .min(f64::from(height) / 700.0)
            .clamp(0.6, 3.0);
        Theme {
            s,
            width: width as i32,
            height: height as i32,
        }
    }

    /// A length in pixels, scaled.
    pub fn px(&self, v: f64) -> i32 {
        (v * self.s).round() as i32
    }

    pub fn margin(&self) -> i32 {
        self.px(20.0)
    }

    pub fn text(&self, size: f64, bold: bool, color: &RGBColor) -> TextStyle<'static> {
        let weight = if bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        (FONT, (size * self.s).max(8.0), weight)
            .into_font()
            .color(color)
    }

    pub fn title(&self) -> TextStyle<'static> {
        self.text(TITLE, true, &TEXT)
    }
    pub fn subtitle(&self) -> TextStyle<'static> {
        self.text(SUBTITLE, false, &TEXT_SECONDARY)
    }
    pub fn axis_desc(&self) -> TextStyle<'static> {
        self.text(AXIS_DESC, true, &TEXT)
    }
    pub fn tick(&self) -> TextStyle<'static> {
        self.text(TICK, false, &TEXT)
    }
    pub fn tick_size(&self) -> f64 {
        TICK * self.s
    }
    pub fn legend(&self) -> TextStyle<'static> {
        self.text(LEGEND, false, &TEXT)
    }
    pub fn value(&self) -> TextStyle<'static> {
        self.text(VALUE, false, &TEXT)
    }
}
