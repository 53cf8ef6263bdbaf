//! Text measurement and PNG text rasterisation with the embedded font.
//!
//! plotters 0.3.7's ab_glyph renderer places each glyph by its bounding box
//! rather than its origin (side bearings are dropped, positions truncated),
//! which leaves visibly uneven letter spacing ("RY J"). [`Canvas`] wraps the
//! bitmap backend and draws text itself with correct advances, kerning and
//! sub-pixel positions. Sizes follow the SVG backend: a plotters font size
//! `s` is an em of `s / 1.24` pixels, and vertical anchors use the same
//! offsets as the SVG backend's `dy`, so PNG and SVG lay out alike.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle, FontTransform,
};

struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn faces() -> Option<&'static Faces> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some(Faces {
                regular: FontRef::try_from_slice(ttf_noto_sans::REGULAR).ok()?,
                bold: FontRef::try_from_slice(ttf_noto_sans::BOLD).ok()?,
            })
        })
        .as_ref()
}

/// Whether the embedded faces parse (checked once).
pub(crate) fn available() -> bool {
    faces().is_some()
}

fn face(bold: bool) -> Option<&'static FontRef<'static>> {
    faces().map(|f| if bold { &f.bold } else { &f.regular })
}

/// The em size in pixels of a plotters font size.
pub(crate) fn em(size: f64) -> f32 {
    (size / 1.24) as f32
}

fn px_scale(font: &FontRef<'static>, size: f64) -> PxScale {
    let units = font.units_per_em().unwrap_or(1000.0);
    PxScale::from(em(size) * font.height_unscaled() / units)
}

/// Advance width of `text` in pixels, with kerning.
pub(crate) fn advance(text: &str, size: f64, bold: bool) -> f32 {
    let Some(font) = face(bold) else {
        return text.chars().count() as f32 * em(size) * 0.55;
    };
    let sf = font.as_scaled(px_scale(font, size));
    let mut x = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let g = sf.glyph_id(c);
        if let Some(p) = prev {
            x += sf.kern(p, g);
        }
        x += sf.h_advance(g);
        prev = Some(g);
    }
    x
}

/// Width and line height in pixels.
pub(crate) fn measure(text: &str, size: f64, bold: bool) -> (i32, i32) {
    (
        advance(text, size, bold).ceil() as i32,
        em(size).round() as i32,
    )
}

/// Baseline offset from the anchor, as the SVG backend's `dy` attribute
/// (`0.76em`, `0.5ex`, `-0.5ex`; 1ex ≈ 0.52em for the fonts we target).
fn baseline_offset(v: VPos, em: f32) -> f32 {
    match v {
        VPos::Top => 0.76 * em,
        VPos::Center => 0.26 * em,
        VPos::Bottom => -0.26 * em,
    }
}

/// A bitmap backend whose text drawing places glyphs correctly.
pub(crate) struct Canvas<B>(pub B);

impl<B: DrawingBackend> DrawingBackend for Canvas<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let (w, h) = measure(text, style.size(), matches!(style.style(), FontStyle::Bold));
        Ok((w.max(0) as u32, h.max(0) as u32))
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let bold = matches!(style.style(), FontStyle::Bold);
        let Some(font) = face(bold) else {
            return Err(DrawingErrorKind::FontError(Box::new(std::fmt::Error)));
        };
        let size = style.size();
        let scale = px_scale(font, size);
        let sf = font.as_scaled(scale);
        let width = advance(text, size, bold);
        let anchor = style.anchor();
        let x0 = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let baseline = baseline_offset(anchor.v_pos, em(size));
        let transform = style.transform();
        let (w, h) = self.get_size();
        let mut pen = x0;
        let mut prev = None;
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                pen += sf.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(scale, point(pen, baseline));
            pen += sf.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let (bx, by) = (bounds.min.x as i32, bounds.min.y as i32);
            let mut result = Ok(());
            outline.draw(|gx, gy, coverage| {
                if result.is_err() || coverage < 1.0 / 255.0 {
                    return;
                }
                let (lx, ly) = (bx + gx as i32, by + gy as i32);
                let (dx, dy) = match transform {
                    FontTransform::None => (lx, ly),
                    FontTransform::Rotate90 => (-ly, lx),
                    FontTransform::Rotate180 => (-lx, -ly),
                    FontTransform::Rotate270 => (ly, -lx),
                };
                let (x, y) = (pos.0 + dx, pos.1 + dy);
                if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                    result = self.0.draw_pixel(
                        (x, y),
                        BackendColor {
                            alpha: color.alpha * f64::from(coverage.min(1.0)),
                            rgb: color.rgb,
                        },
                    );
                }
            });
            result?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_faces_parse_and_measure() {
        assert!(available());
        let (w, h) = measure("RAL", 24.0, false);
        assert!(w > 20 && w < 60, "{w}");
        assert_eq!(h, 19);
        assert!(advance("Wide", 20.0, true) > advance("Wide", 20.0, false));
        // Glyphs we print: pound, minus sign, ellipsis, middle dot, en dash.
        let font = face(false).unwrap();
        for c in ['£', '\u{2212}', '…', '·', '–', '≈'] {
            assert_ne!(font.glyph_id(c).0, 0, "missing glyph {c}");
        }
    }
}
