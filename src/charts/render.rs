//! SVG and PNG plumbing: one drawing routine per chart, two backends, and
//! the accessibility post-processing of the SVG.

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use plotters::prelude::*;

use super::format::xml_escape;
use super::frame::{Area, Drawn};
use super::glyphs::Canvas;
use super::style::{Theme, ensure_fonts};
use super::{ChartError, ChartOptions};

/// Smallest and largest canvas accepted, in pixels.
pub(crate) const MIN_SIZE: (u32, u32) = (320, 240);
pub(crate) const MAX_SIDE: u32 = 4096;

/// The font stack written into SVG text (the app's stylesheet fonts).
const SVG_FONTS: &str = r#"font-family="Arial, Helvetica, sans-serif""#;

/// A chart ready to draw on any plotters backend.
pub(crate) trait Chart {
    /// Short id used in the SVG element ids (`gde-burn-up-…`).
    const KIND: &'static str;
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> Drawn;
}

fn check(opts: &ChartOptions) -> Result<Theme, ChartError> {
    let (w, h) = (opts.width, opts.height);
    if w < MIN_SIZE.0 || h < MIN_SIZE.1 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(ChartError::InvalidSize {
            width: w,
            height: h,
        });
    }
    ensure_fonts()?;
    Ok(Theme::new(w, h))
}

/// Draws `chart` as an SVG document whose root element carries
/// `role="img"` and `aria-labelledby` pointing at a `<title>` and `<desc>`.
pub(crate) fn to_svg<C: Chart>(
    chart: &C,
    opts: &ChartOptions,
    description: &str,
) -> Result<String, ChartError> {
    let theme = check(opts)?;
    let mut buf = String::with_capacity(64 * 1024);
    {
        let root = SVGBackend::with_string(&mut buf, (opts.width, opts.height)).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root, &theme)?;
        root.present()?;
    }
    // Layout is measured with Noto Sans, which is wider than Arial, so
    // browsers rendering the site's Arial/Helvetica stay inside the gaps.
    let buf = buf.replace(r#"font-family="sans-serif""#, SVG_FONTS);
    make_accessible(&buf, C::KIND, &opts.title, description)
}

/// Draws `chart` into an RGB buffer and encodes it as PNG.
pub(crate) fn to_png<C: Chart>(chart: &C, opts: &ChartOptions) -> Result<Vec<u8>, ChartError> {
    let theme = check(opts)?;
    let (w, h) = (opts.width, opts.height);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = Canvas(BitMapBackend::with_buffer(&mut rgb, (w, h))).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root, &theme)?;
        root.present()?;
    }
    let mut out = Vec::with_capacity(rgb.len() / 16);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(&rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| ChartError::Encode(e.to_string()))?;
    Ok(out)
}

/// The SVG `<desc>`: the description, then the note on grouping if any.
pub(crate) fn join(description: String, note: String) -> String {
    if note.is_empty() {
        description
    } else {
        format!("{description} {note}")
    }
}

/// A short stable hash so that several charts inlined in one page get
/// distinct, deterministic element ids.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Adds `role="img"`, `aria-labelledby`, `<title>` and `<desc>` to the
/// root `<svg>` element that plotters wrote.
pub(crate) fn make_accessible(
    svg: &str,
    kind: &str,
    title: &str,
    description: &str,
) -> Result<String, ChartError> {
    let malformed = || ChartError::Drawing("the SVG backend wrote no <svg> root element".into());
    let start = svg.find("<svg").ok_or_else(malformed)?;
    // plotters escapes attribute values, so the first '>' closes the tag.
    let end = start + svg[start..].find('>').ok_or_else(malformed)?;
    let id = format!("gde-{kind}-{:016x}", fnv1a(&[kind, title, description]));
    let mut out = String::with_capacity(svg.len() + title.len() + description.len() + 256);
    out.push_str(&svg[..end]);
    out.push_str(&format!(
        r#" role="img" aria-labelledby="{id}-title {id}-desc">"#
    ));
    out.push('\n');
    out.push_str(&format!(
        r#"<title id="{id}-title">{}</title>"#,
        xml_escape(title)
    ));
    out.push('\n');
    out.push_str(&format!(
        r#"<desc id="{id}-desc">{}</desc>"#,
        xml_escape(description)
    ));
    out.push_str(&svg[end + 1..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessible_root_gets_title_and_desc_first() {
        let svg = "<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/>\n</svg>\n";
        let out = make_accessible(svg, "test", "A & B", "Less < more").unwrap();
        assert!(out.starts_with("<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"gde-test-"));
        let after_root = &out[out.find('>').unwrap() + 1..];
        assert!(after_root.trim_start().starts_with("<title id=\"gde-test-"));
        assert!(out.contains(">A &amp; B</title>"));
        assert!(out.contains(">Less &lt; more</desc>"));
        crate::charts::testutil::assert_well_formed(&out);
        assert!(make_accessible("not svg", "t", "a", "b").is_err());
    }
}
