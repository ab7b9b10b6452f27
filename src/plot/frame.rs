//! What every plot shares: canvas size, colours, text sizes, the header (title and a
//! horizontal legend above the chart, so the legend never hides data), axis ranges and
//! tick-label formatting.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{embedded_font, FAMILY};
use super::text::GlyphTextBackend;

/// Canvas size in pixels (width, height).
pub(super) const CANVAS: (u32, u32) = (1200, 600);

pub(super) const TITLE_PX: u32 = 26;
pub(super) const LEGEND_PX: u32 = 18;
pub(super) const AXIS_DESC_PX: u32 = 20;
pub(super) const TICK_PX: u32 = 16;

/// Height of the header strip: title line plus legend line.
const HEADER_HEIGHT: u32 = 84;

/// matplotlib's first colours, so the picture reads like the tutorial's.
pub(super) const BLUE: RGBColor = RGBColor(31, 119, 180);
pub(super) const ORANGE: RGBColor = RGBColor(255, 127, 14);
pub(super) const GREEN: RGBColor = RGBColor(44, 160, 44);
pub(super) const PURPLE: RGBColor = RGBColor(148, 103, 189);

/// The canvas every plot draws on: a bitmap whose text is drawn by [`GlyphTextBackend`].
pub(super) type Area<'a> = DrawingArea<GlyphTextBackend<BitMapBackend<'a>>, Shift>;

/// One legend entry: a line sample in `color` followed by `label`.
pub(super) struct LegendEntry<'l> {
    pub label: &'l str,
    pub color: RGBColor,
}

/// plotters' errors borrow the backend's error type; flatten them into `anyhow`.
pub(super) fn draw_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing failed: {e}")
}

/// Registers the font, creates `path`'s folder and opens a white canvas on `path`.
pub(super) fn open_canvas(path: &Path) -> Result<Area<'_>> {
    let font = embedded_font()?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    let root = GlyphTextBackend::new(BitMapBackend::new(path, CANVAS), font).into_drawing_area();
    root.fill(&WHITE).map_err(draw_err)?;
    Ok(root)
}

/// Draws the title (centred) and the legend (one centred row) at the top of `root` and
/// returns the area below them for the chart.
pub(super) fn header<'a>(
    root: &Area<'a>,
    title: &str,
    legend: &[LegendEntry<'_>],
) -> Result<Area<'a>> {
    let (top, rest) = root.split_vertically(HEADER_HEIGHT);
    let width = CANVAS.0 as i32;

    let title_style = TextStyle::from((FAMILY, TITLE_PX).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    top.draw_text(title, &title_style, (width / 2, 12))
        .map_err(draw_err)?;

    let legend_style = TextStyle::from((FAMILY, LEGEND_PX).into_font()).color(&BLACK);
    const SAMPLE: i32 = 32; // length of the line sample
    const GAP: i32 = 8; // sample to text
    const SPACING: i32 = 36; // between entries
    let mut widths = Vec::with_capacity(legend.len());
    for entry in legend {
        let (w, _) = top
            .estimate_text_size(entry.label, &legend_style)
            .map_err(draw_err)?;
        widths.push(w as i32);
    }
    let total: i32 = widths.iter().map(|w| SAMPLE + GAP + w).sum::<i32>()
        + SPACING * (legend.len() as i32 - 1).max(0);
    let y = 60;
    let mut x = (width - total) / 2;
    for (entry, w) in legend.iter().zip(widths) {
        top.draw(&PathElement::new(
            vec![(x, y), (x + SAMPLE, y)],
            entry.color.stroke_width(3),
        ))
        .map_err(draw_err)?;
        let text_style = legend_style.clone().pos(Pos::new(HPos::Left, VPos::Center));
        top.draw_text(entry.label, &text_style, (x + SAMPLE + GAP, y))
            .map_err(draw_err)?;
        x += SAMPLE + GAP + w + SPACING;
    }
    Ok(rest)
}

/// `[lo, hi]` of the finite values, padded by 5% each side. A constant gets ±10% of its
/// value (±0.5 around zero) and an empty input `[0, 1]`, so the axis still has extent.
pub(super) fn padded_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= f64::EPSILON * lo.abs().max(1.0) {
        // 10% of the value keeps a small constant (a loss of 0.0025) readable; zero has no
        // scale of its own.
        let half = if lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
        return (lo - half, hi + half);
    }
    (lo - 0.05 * span, hi + 0.05 * span)
}

/// Tick text on a linear axis spanning `span`: plain decimals without trailing zeros in
/// `[1e-3, 1e7)`, scientific (`1e-5`, `2.5e-4`) outside it, so neither `0.000010000` nor
/// `200.0` appears. A tick within `span × 1e-9` of zero is `0`: plotters computes ticks by
/// floating steps, and zero arrives as e.g. `-2.78e-17`.
pub(super) fn format_tick(v: f64, span: f64) -> String {
    if v == 0.0 || v.abs() <= span.abs() * 1e-9 {
        return "0".into();
    }
    if (1e-3..1e7).contains(&v.abs()) {
        let s = format!("{v:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        return if s == "-0" { "0".into() } else { s.into() };
    }
    format_sci(v)
}

/// Scientific tick text with at most three significant digits: `1e-5`, `2.5e-4`, `3e6`.
/// Used alone on log axes so every decade reads the same way.
pub(super) fn format_sci(v: f64) -> String {
    let s = format!("{v:.2e}");
    let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    format!("{mantissa}e{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Range;

    #[test]
    fn padded_range_pads_five_percent_and_handles_degenerate_input() {
        // [0, 10] padded by 0.5 each side.
        assert_eq!(padded_range([0.0, 10.0, 5.0]), (-0.5, 10.5));
        // NaN and infinities are ignored.
        assert_eq!(
            padded_range([f64::NAN, 0.0, f64::INFINITY, 10.0]),
            (-0.5, 10.5)
        );
        // Constant 5: half-width 0.5; constant -100: 10; constant 0: 0.5.
        assert_eq!(padded_range([5.0, 5.0]), (4.5, 5.5));
        assert_eq!(padded_range([-100.0]), (-110.0, -90.0));
        assert_eq!(padded_range([0.0, 0.0]), (-0.5, 0.5));
        assert_eq!(padded_range([]), (0.0, 1.0));
        assert_eq!(padded_range([f64::NAN]), (0.0, 1.0));
    }

    /// Near-black pixels (every channel below 110, so no legend colour counts) in rows
    /// `rows` of an RGB buffer of the canvas size.
    fn ink(buf: &[u8], rows: Range<usize>) -> usize {
        let stride = CANVAS.0 as usize * 3;
        buf[rows.start * stride..rows.end * stride]
            .chunks(3)
            .filter(|px| px.iter().all(|&c| c < 110))
            .count()
    }

    fn render_header(title: &str, legend: &[LegendEntry<'_>]) -> Vec<u8> {
        let font = embedded_font().unwrap();
        let mut buf = vec![0u8; (CANVAS.0 * CANVAS.1 * 3) as usize];
        {
            let root = GlyphTextBackend::new(BitMapBackend::with_buffer(&mut buf, CANVAS), font)
                .into_drawing_area();
            root.fill(&WHITE).unwrap();
            header(&root, title, legend).unwrap();
            root.present().unwrap();
        }
        buf
    }

    /// The embedded font really draws glyphs: a title puts dark pixels in the title rows
    /// and an empty title puts none; the legend's text lands in the legend rows.
    #[test]
    fn header_draws_title_and_legend_text_with_the_embedded_font() {
        let legend = [LegendEntry {
            label: "Test prediction",
            color: GREEN,
        }];
        let with_title = render_header("Test RMSE 0.0123", &legend);
        let without_title = render_header("", &legend);
        assert!(ink(&with_title, 0..45) > 300, "{}", ink(&with_title, 0..45));
        assert_eq!(ink(&without_title, 0..45), 0);
        // Legend text (black) is in the legend row band; the green sample is not "ink".
        assert!(ink(&without_title, 45..HEADER_HEIGHT as usize) > 200);
    }

    #[test]
    fn format_tick_is_short() {
        assert_eq!(format_tick(200.0, 1000.0), "200");
        assert_eq!(format_tick(0.5, 1.0), "0.5");
        assert_eq!(format_tick(0.1 + 0.2, 1.0), "0.3");
        assert_eq!(format_tick(-1.25, 1.0), "-1.25");
        assert_eq!(format_tick(0.0, 1.0), "0");
        // Floating noise around zero on an axis 0.9 wide (seen on a single-epoch plot).
        assert_eq!(format_tick(-2.78e-17, 0.9), "0");
        // ... but a genuinely small tick on a small axis keeps its value.
        assert_eq!(format_tick(1e-5, 4e-5), "1e-5");
        assert_eq!(format_tick(2.5e-4, 1e-3), "2.5e-4");
        assert_eq!(format_tick(3e7, 1e8), "3e7");
        assert_eq!(format_sci(0.1), "1e-1");
        assert_eq!(format_sci(0.05), "5e-2");
        assert_eq!(format_sci(0.000125), "1.25e-4");
    }
}
