//! What every plot shares: canvas size, colours, text sizes, the header (title and a
//! horizontal legend above the chart, so the legend never hides data), axis ranges and
//! tick-label formatting.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
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

/// How a legend entry's sample looks; it should match how the series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sample {
    /// A solid line.
    Line,
    /// A dashed line (reference lines such as a baseline).
    Dashed,
    /// A small filled dot (individual points).
    Dot,
    /// A filled dot on a horizontal bar with end caps (a mean with its spread).
    ErrorBar,
    /// A filled block (a band such as a prediction interval).
    Band,
}

/// One legend entry: a sample in `color` followed by `label`.
pub(super) struct LegendEntry<'l> {
    pub label: &'l str,
    pub color: RGBColor,
    pub sample: Sample,
}

impl<'l> LegendEntry<'l> {
    /// An entry whose sample is a solid line.
    pub(super) fn line(label: &'l str, color: RGBColor) -> Self {
        Self {
            label,
            color,
            sample: Sample::Line,
        }
    }
}

/// matplotlib's fourth colour (tab:red), for baselines and a fifth series.
pub(super) const RED: RGBColor = RGBColor(214, 39, 40);

/// Colours of up to five overlaid series (configs), in order: distinct at a glance.
pub(super) const SERIES_COLORS: [RGBColor; 5] = [BLUE, ORANGE, GREEN, RED, PURPLE];

/// plotters' errors borrow the backend's error type; flatten them into `anyhow`.
pub(super) fn draw_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing failed: {e}")
}

/// Registers the font, creates `path`'s folder, lets `draw` paint a white canvas of `size`
/// pixels (width, height) and writes it to `path` as a PNG.
///
/// Every plot draws through one function taking the canvas, so the tests can run the very
/// same drawing on an in-memory buffer ([`render_rgb`]) and look at its pixels.
pub(super) fn write_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<()>,
) -> Result<()> {
    let font = embedded_font()?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    let root = GlyphTextBackend::new(BitMapBackend::new(path, size), font).into_drawing_area();
    root.fill(&WHITE).map_err(draw_err)?;
    draw(&root)?;
    root.present().map_err(draw_err)
}

/// As [`write_png`], into an RGB buffer (3 bytes a pixel, row by row) instead of a file.
#[cfg(test)]
pub(super) fn render_rgb(
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<()>,
) -> Result<Vec<u8>> {
    let font = embedded_font()?;
    let mut buf = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = GlyphTextBackend::new(BitMapBackend::with_buffer(&mut buf, size), font)
            .into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        draw(&root)?;
        root.present().map_err(draw_err)?;
    }
    Ok(buf)
}

/// Height of the header strip for a legend of `legend_rows` rows (at least one).
pub(super) fn header_height(legend_rows: usize) -> u32 {
    HEADER_HEIGHT + LEGEND_ROW_PX * (legend_rows.max(1) as u32 - 1)
}

/// Vertical distance between two wrapped legend rows.
const LEGEND_ROW_PX: u32 = 28;
/// Legend geometry: sample length, sample to text, between entries, free margin each side.
const SAMPLE: i32 = 32;
const GAP: i32 = 8;
const SPACING: i32 = 36;
const LEGEND_MARGIN: i32 = 40;

/// Draws the title (centred) and the legend (centred rows, wrapped when the entries do not
/// fit on one) at the top of `root` and returns the area below them for the chart.
pub(super) fn header<'a>(
    root: &Area<'a>,
    title: &str,
    legend: &[LegendEntry<'_>],
) -> Result<Area<'a>> {
    let width = root.dim_in_pixel().0 as i32;
    let legend_style = TextStyle::from((FAMILY, LEGEND_PX).into_font()).color(&BLACK);
    // Entries wider than a row on their own are shortened, so every row fits the canvas.
    let max_row = width - 2 * LEGEND_MARGIN;
    let mut entries = Vec::with_capacity(legend.len());
    for entry in legend {
        let label = fit_text(root, entry.label, &legend_style, max_row - SAMPLE - GAP)?;
        let (w, _) = root
            .estimate_text_size(&label, &legend_style)
            .map_err(draw_err)?;
        entries.push((entry, label, SAMPLE + GAP + w as i32));
    }
    let rows = wrap_rows(&entries.iter().map(|e| e.2).collect::<Vec<_>>(), max_row);

    let (top, rest) = root.split_vertically(header_height(rows.len()));
    let title_style = TextStyle::from((FAMILY, TITLE_PX).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    top.draw_text(title, &title_style, (width / 2, 12))
        .map_err(draw_err)?;

    let text_style = legend_style.pos(Pos::new(HPos::Left, VPos::Center));
    for (row, range) in rows.iter().enumerate() {
        let row_entries = &entries[range.clone()];
        let total: i32 = row_entries.iter().map(|e| e.2).sum::<i32>()
            + SPACING * (row_entries.len() as i32 - 1).max(0);
        let y = 60 + LEGEND_ROW_PX as i32 * row as i32;
        let mut x = (width - total) / 2;
        for (entry, label, w) in row_entries {
            draw_sample(&top, entry.sample, entry.color, x, y)?;
            top.draw_text(label, &text_style, (x + SAMPLE + GAP, y))
                .map_err(draw_err)?;
            x += w + SPACING;
        }
    }
    Ok(rest)
}

/// Greedy packing of items of `widths` pixels into rows at most `max_row` wide (with
/// [`SPACING`] between items); returns each row's index range. An item wider than a row
/// gets a row of its own.
fn wrap_rows(widths: &[i32], max_row: i32) -> Vec<std::ops::Range<usize>> {
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, &w) in widths.iter().enumerate() {
        if i > start && used + SPACING + w > max_row {
            rows.push(start..i);
            start = i;
            used = 0;
        }
        used += if i == start { w } else { SPACING + w };
    }
    if start < widths.len() {
        rows.push(start..widths.len());
    }
    rows
}

/// A legend sample of `kind` starting at `x`, centred vertically on `y`, [`SAMPLE`] long.
fn draw_sample(area: &Area<'_>, kind: Sample, color: RGBColor, x: i32, y: i32) -> Result<()> {
    let mid = x + SAMPLE / 2;
    match kind {
        Sample::Line => area.draw(&PathElement::new(
            vec![(x, y), (x + SAMPLE, y)],
            color.stroke_width(3),
        )),
        Sample::Dashed => area.draw(&DashedPathElement::new(
            vec![(x, y), (x + SAMPLE, y)],
            7,
            5,
            color.stroke_width(3),
        )),
        Sample::Dot => area.draw(&Circle::new((mid, y), 4, color.filled())),
        Sample::Band => area.draw(&Rectangle::new(
            [(x, y - 7), (x + SAMPLE, y + 7)],
            color.filled(),
        )),
        Sample::ErrorBar => {
            let bar = color.stroke_width(2);
            area.draw(&PathElement::new(
                vec![(x + 2, y), (x + SAMPLE - 2, y)],
                bar,
            ))
            .and_then(|_| area.draw(&PathElement::new(vec![(x + 2, y - 6), (x + 2, y + 6)], bar)))
            .and_then(|_| {
                area.draw(&PathElement::new(
                    vec![(x + SAMPLE - 2, y - 6), (x + SAMPLE - 2, y + 6)],
                    bar,
                ))
            })
            .and_then(|_| area.draw(&Circle::new((mid, y), 5, color.filled())))
        }
    }
    .map_err(draw_err)
}

/// `text`, shortened with a trailing "…" if needed so that it is at most `max_px` wide in
/// `style`.
pub(super) fn fit_text(
    area: &Area<'_>,
    text: &str,
    style: &TextStyle<'_>,
    max_px: i32,
) -> Result<String> {
    let width = |s: &str| -> Result<i32> {
        Ok(area.estimate_text_size(s, style).map_err(draw_err)?.0 as i32)
    };
    if width(text)? <= max_px {
        return Ok(text.to_string());
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if width(&candidate)? <= max_px {
            return Ok(candidate);
        }
    }
    Ok("…".to_string())
}

/// Writes `note` centred in `area`, in grey: said instead of drawing an empty chart silently.
pub(super) fn centered_note(area: &Area<'_>, note: &str) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let style = TextStyle::from((FAMILY, AXIS_DESC_PX).into_font())
        .color(&RGBColor(110, 110, 110))
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(note, &style, (w as i32 / 2, h as i32 / 2))
        .map_err(draw_err)
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
        render_rgb(CANVAS, |root| header(root, title, legend).map(|_| ())).unwrap()
    }

    /// The embedded font really draws glyphs: a title puts dark pixels in the title rows
    /// and an empty title puts none; the legend's text lands in the legend rows.
    #[test]
    fn header_draws_title_and_legend_text_with_the_embedded_font() {
        let legend = [LegendEntry::line("Test prediction", GREEN)];
        let with_title = render_header("Test RMSE 0.0123", &legend);
        let without_title = render_header("", &legend);
        assert!(ink(&with_title, 0..45) > 300, "{}", ink(&with_title, 0..45));
        assert_eq!(ink(&without_title, 0..45), 0);
        // Legend text (black) is in the legend row band; the green sample is not "ink".
        assert!(ink(&without_title, 45..HEADER_HEIGHT as usize) > 200);
    }

    #[test]
    fn legend_rows_wrap_greedily() {
        // 300 + (36 + 300) × 2 = 972 fits in 1120; a fourth entry would make 1308.
        assert_eq!(wrap_rows(&[300, 300, 300, 300], 1120), vec![0..3, 3..4]);
        // An entry wider than a row gets a row of its own.
        assert_eq!(wrap_rows(&[2000, 100], 1120), vec![0..1, 1..2]);
        assert!(wrap_rows(&[], 1120).is_empty());
        assert_eq!(header_height(1), 84);
        assert_eq!(header_height(2), 112);
    }

    /// Six long legend entries do not fit one 1120 px row: text appears in the second
    /// legend row (centred 28 px below the first), which a single entry leaves empty.
    #[test]
    fn header_wraps_a_long_legend_onto_a_second_row() {
        let label = "lookback=20 units=50x50 lr=0.003";
        let long: Vec<LegendEntry> = (0..6).map(|_| LegendEntry::line(label, BLUE)).collect();
        let second_row = 76..100;
        assert!(ink(&render_header("", &long), second_row.clone()) > 200);
        assert_eq!(ink(&render_header("", &long[..1]), second_row), 0);
    }

    #[test]
    fn fit_text_shortens_with_an_ellipsis() {
        let font = embedded_font().unwrap();
        let mut buf = vec![0u8; (CANVAS.0 * CANVAS.1 * 3) as usize];
        let root = GlyphTextBackend::new(BitMapBackend::with_buffer(&mut buf, CANVAS), font)
            .into_drawing_area();
        let style = TextStyle::from((FAMILY, TICK_PX).into_font());
        let long = "lookback=20 units=50x50x50x50 lr=0.003 noise=0.05 optimizer=rmsprop";
        let short = fit_text(&root, long, &style, 200).unwrap();
        assert!(short.ends_with('…'), "{short}");
        assert!(long.starts_with(short.trim_end_matches('…')), "{short}");
        let (w, _) = root.estimate_text_size(&short, &style).unwrap();
        assert!(w <= 200 && w > 150, "{w}");
        assert_eq!(
            fit_text(&root, "lr=0.003", &style, 200).unwrap(),
            "lr=0.003"
        );
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
