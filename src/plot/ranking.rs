//! The sweep's ranking: one row per config, best first, its mean metric with the spread over
//! seeds, every seed's value, and the naive baseline to beat.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{ticked_chart, AxisSpec, TickedChart, ValueAxis};
use super::font::FAMILY;
use super::frame::{
    centered_note, draw_err, fit_text, header, header_height, write_png, Area, LegendEntry, Sample,
    BLUE, CANVAS, GREEN, ORANGE, PURPLE, RED, TICK_PX,
};

/// A baseline further than this many times the configs' own span beyond their values is
/// not fitted into the axis (three far baselines would squeeze every config into a corner)
/// but named at the axis edge with its value and an arrow.
const FAR_SPANS: f64 = 0.5;
/// Baseline lines closer than this many pixels are drawn as one line of alternating
/// colour dashes, so none hides another (naive and drift often coincide).
const COINCIDE_PX: i32 = 4;
/// Length of one colour's dash on a line shared by coinciding baselines.
const SHARED_DASH_PX: i32 = 8;

/// At most this many configs are drawn; the title says when more were ranked.
pub const MAX_RANKED: usize = 40;

/// Vertical space per config row, in pixels: room for one 16 px label and its seed dots.
const ROW_PX: u32 = 26;
/// Room under the chart for the x tick labels and description, and the chart's margins.
const X_LABEL_AREA: u32 = 60;
const CHART_MARGINS: u32 = 20;
/// Config labels are shortened beyond this width so the chart keeps most of the canvas.
const MAX_LABEL_PX: i32 = 440;

/// One config of a sweep, seeds folded.
#[derive(Clone, Debug, PartialEq)]
pub struct RankEntry {
    /// The config's readable label, e.g. `lookback=20 units=50x50 lr=0.003`.
    pub config: String,
    /// Mean of the metric over the config's finished seeds (NaN when none finished).
    pub mean: f64,
    /// Standard deviation over seeds; `None` with a single seed.
    pub std: Option<f64>,
    /// The metric of each seed's run, one per seed (NaN for a failed run).
    pub values: Vec<f64>,
}

/// Draws the ranking of `entries` (already sorted best first) as horizontal rows: the config
/// label on the left, a blue dot at the mean with a ± std bar, each seed's value as a small
/// orange dot, and each of `baselines` (`(name, metric)`: the naive forecast's, linear
/// AR's, ...) as a dashed vertical line of its own colour (red, green, purple, grey in
/// order); non-finite ones are left out. Writes a PNG 1200 px wide to `path`, creating its
/// folder; it is 600 px high, or taller when the rows need it.
///
/// When every value is at least zero (an error measure) the ± std bars stop at zero. A
/// baseline far from the configs (beyond half their span) is named in its colour at the
/// right edge ("naive 51.8 →") instead of stretching the axis; baselines that would be
/// drawn on the same pixels share one line of alternating colour dashes.
///
/// Only the first [`MAX_RANKED`] entries are drawn, and the title then says so. The metric
/// axis is logarithmic when the values span a decade or more (a diverged config next to
/// good ones). Non-finite values are skipped; a config without a finite mean keeps its row,
/// marked "(no result)".
pub fn ranking_png(
    path: &Path,
    entries: &[RankEntry],
    baselines: &[(&str, f64)],
    metric: &str,
    title: &str,
) -> Result<()> {
    let size = canvas_size(entries.len().min(MAX_RANKED));
    write_png(path, size, |root| {
        draw_ranking(root, entries, baselines, metric, title)
    })
    .with_context(|| format!("cannot write the ranking plot {}", path.display()))
}

/// Colours of the baselines' lines, in order.
const BASELINE_COLORS: [RGBColor; 6] = [
    RED,
    GREEN,
    PURPLE,
    DARK_GRAY,
    RGBColor(23, 190, 207),
    RGBColor(140, 86, 75),
];
const DARK_GRAY: RGBColor = RGBColor(70, 70, 70);

/// The canvas for `rows` config rows: 1200 px wide, 600 px high or as tall as the rows need.
fn canvas_size(rows: usize) -> (u32, u32) {
    let rows_px = ROW_PX * rows.max(1) as u32;
    let height = (header_height(1) + rows_px + X_LABEL_AREA + CHART_MARGINS).max(CANVAS.1);
    (CANVAS.0, height)
}

fn draw_ranking(
    root: &Area<'_>,
    entries: &[RankEntry],
    baselines: &[(&str, f64)],
    metric: &str,
    title: &str,
) -> Result<()> {
    let shown = &entries[..entries.len().min(MAX_RANKED)];
    let title = if entries.len() > shown.len() {
        format!(
            "{title} (best {} of {} configs)",
            shown.len(),
            entries.len()
        )
    } else {
        title.to_string()
    };
    let baselines: Vec<(String, f64, RGBColor)> = baselines
        .iter()
        .zip(BASELINE_COLORS.iter().cycle())
        .filter(|((_, b), _)| b.is_finite())
        .map(|(&(name, b), &color)| (format!("{name} ({})", significant(b, 3)), b, color))
        .collect();
    // Without any spread (one seed per config) there is no bar to explain.
    let any_std = shown
        .iter()
        .any(|e| e.std.is_some_and(f64::is_finite) && e.mean.is_finite());
    let mut legend = vec![
        if any_std {
            LegendEntry {
                label: "mean ± std over seeds",
                color: BLUE,
                sample: Sample::ErrorBar,
            }
        } else {
            LegendEntry {
                label: "mean over seeds",
                color: BLUE,
                sample: Sample::Dot,
            }
        },
        LegendEntry {
            label: "one seed",
            color: ORANGE,
            sample: Sample::Dot,
        },
    ];
    for (label, _, color) in &baselines {
        legend.push(LegendEntry {
            label,
            color: *color,
            sample: Sample::Dashed,
        });
    }

    let area = header(root, &title, &legend)?;

    let labels = row_labels(root, shown)?;
    let label_area = labels
        .iter()
        .map(|l| text_width(root, l))
        .try_fold(0, |acc, w| w.map(|w| acc.max(w)))?
        .max(60) as u32
        + 16;

    // An error measure (every value >= 0) has no spread below zero: bars stop there.
    let floor = nonnegative(shown).then_some(0.0);
    let spans = |e: &RankEntry| -> [f64; 3] {
        let std = e.std.filter(|s| s.is_finite()).unwrap_or(0.0);
        [lower_end(e.mean, std, floor), e.mean, e.mean + std]
    };
    let config_values: Vec<f64> = shown
        .iter()
        .flat_map(|e| spans(e).into_iter().chain(e.values.iter().copied()))
        .collect();
    let (near, far) = split_far(&config_values, &baselines);
    let x = ValueAxis::fit(
        config_values
            .iter()
            .copied()
            .chain(near.iter().map(|(_, b, _)| *b)),
        true,
        false,
        10,
    );
    // Far baselines are named in a strip right of the chart, as wide as its longest entry.
    let far_labels: Vec<(String, RGBColor)> = far
        .iter()
        .map(|(label, b, color)| {
            let name = label.split(" (").next().unwrap_or(label);
            let text = if *b > x.hi {
                format!("{name} {} →", significant(*b, 3))
            } else {
                format!("← {name} {}", significant(*b, 3))
            };
            (text, *color)
        })
        .collect();
    let strip_px = far_labels
        .iter()
        .map(|(t, _)| text_width(root, t))
        .try_fold(0, |acc, w| w.map(|w| acc.max(w)))?;
    let (area, strip) = if far_labels.is_empty() {
        (area, None)
    } else {
        let width = area.dim_in_pixel().0 as i32;
        let (left, right) = area.split_horizontally(width - strip_px - 16);
        (left, Some(right))
    };
    let n = shown.len();
    let y = ValueAxis::slots(n);
    // Row `rank` (0 = best) sits at y = n - 1 - rank, so the best is on top.
    let y_label = |v: &f64| {
        let row = v.round();
        if row < 0.0 || row >= n as f64 {
            return String::new();
        }
        labels[n - 1 - row as usize].clone()
    };
    let x_label = |v: &f64| x.label(*v);
    let mut chart = ticked_chart(
        &area,
        AxisSpec::of(&x, metric, &x_label, X_LABEL_AREA),
        AxisSpec::of(&y, "", &y_label, label_area),
    )?;

    if n == 0 {
        centered_note(
            &chart.plotting_area().strip_coord_spec(),
            "no configs to rank",
        )?;
    }
    draw_baselines(&mut chart, &x, n, &near)?;
    if let Some(strip) = strip {
        let top = chart.backend_coord(&(x.hi, n.max(1) as f64 - 0.5)).1 - strip.get_base_pixel().1;
        draw_far_labels(&strip, top, &far_labels)?;
    }
    for (rank, entry) in shown.iter().enumerate() {
        draw_row(&mut chart, &x, (n - 1 - rank) as f64, entry, floor)?;
    }
    Ok(())
}

/// The row labels of `shown`, shortened to fit [`MAX_LABEL_PX`].
fn row_labels(root: &Area<'_>, shown: &[RankEntry]) -> Result<Vec<String>> {
    let style = TextStyle::from((FAMILY, TICK_PX).into_font());
    shown
        .iter()
        .map(|e| {
            let label = if e.mean.is_finite() {
                e.config.clone()
            } else {
                format!("{} (no result)", e.config)
            };
            fit_text(root, &label, &style, MAX_LABEL_PX)
        })
        .collect()
}

fn text_width(root: &Area<'_>, text: &str) -> Result<i32> {
    let style = TextStyle::from((FAMILY, TICK_PX).into_font());
    Ok(root.estimate_text_size(text, &style).map_err(draw_err)?.0 as i32)
}

/// One config's row at height `y`: the ± std bar with end caps (the lower one at `floor`
/// at most: an RMSE's spread does not reach below zero), the mean, the seed dots.
fn draw_row(
    chart: &mut TickedChart<'_, '_>,
    x: &ValueAxis,
    y: f64,
    entry: &RankEntry,
    floor: Option<f64>,
) -> Result<()> {
    let bar = BLUE.stroke_width(2);
    if let (Some(std), true) = (entry.std.filter(|s| s.is_finite()), entry.mean.is_finite()) {
        if let (Some(a), Some(b)) = (
            x.coord_clamped(lower_end(entry.mean, std, floor)),
            x.coord_clamped(entry.mean + std),
        ) {
            let cap =
                |c: f64| EmptyElement::at((c, y)) + PathElement::new(vec![(0, -6), (0, 6)], bar);
            chart
                .draw_series([PathElement::new(vec![(a, y), (b, y)], bar)])
                .map_err(draw_err)?;
            chart.draw_series([cap(a), cap(b)]).map_err(draw_err)?;
        }
    }
    if let Some(c) = x.coord(entry.mean) {
        chart
            .draw_series([Circle::new((c, y), 5, BLUE.filled())])
            .map_err(draw_err)?;
    }
    // Seeds spread a few pixels up and down so equal values stay countable.
    let seeds: Vec<f64> = entry.values.iter().filter_map(|&v| x.coord(v)).collect();
    let m = seeds.len();
    chart
        .draw_series(seeds.iter().enumerate().map(|(k, &c)| {
            let dy = seed_offset(k, m);
            EmptyElement::at((c, y)) + Circle::new((0, dy), 3, ORANGE.mix(0.85).filled())
        }))
        .map_err(draw_err)?;
    Ok(())
}

/// Whether every finite value of `shown` (means and seeds) is at least zero: an error
/// measure, whose ± std bar is clipped at zero.
fn nonnegative(shown: &[RankEntry]) -> bool {
    shown
        .iter()
        .flat_map(|e| std::iter::once(e.mean).chain(e.values.iter().copied()))
        .filter(|v| v.is_finite())
        .all(|v| v >= 0.0)
}

/// The lower end of a ± std bar: `mean − std`, but not below `floor`.
fn lower_end(mean: f64, std: f64, floor: Option<f64>) -> f64 {
    match floor {
        Some(f) => (mean - std).max(f),
        None => mean - std,
    }
}

/// A baseline: its legend label, value and colour.
type BaselineLine = (String, f64, RGBColor);

/// Splits `baselines` into those the axis takes (within [`FAR_SPANS`] of the configs'
/// span beyond their values, measured in log10 when the values are positive and span a
/// decade, as the axis will be) and the far ones, named at the edge instead.
fn split_far(values: &[f64], baselines: &[BaselineLine]) -> (Vec<BaselineLine>, Vec<BaselineLine>) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo > hi {
        return (baselines.to_vec(), Vec::new());
    }
    let log = lo > 0.0 && hi / lo >= super::axis::LOG_AXIS_MIN_RATIO;
    let at = |v: f64| {
        if log {
            v.max(f64::MIN_POSITIVE).log10()
        } else {
            v
        }
    };
    let (a, b) = (at(lo), at(hi));
    // A config span of zero (one value) still lets baselines within 50% of it in.
    let reach = FAR_SPANS * (b - a).max(0.5 * a.abs().max(b.abs()));
    baselines
        .iter()
        .cloned()
        .partition(|(_, v, _)| (a - reach..=b + reach).contains(&at(*v)))
}

/// The baselines on the axis as vertical dashed lines across the rows. Lines within
/// [`COINCIDE_PX`] of each other are one line of alternating dashes, one colour each.
fn draw_baselines(
    chart: &mut TickedChart<'_, '_>,
    x: &ValueAxis,
    n: usize,
    near: &[BaselineLine],
) -> Result<()> {
    let (bottom, top) = (-0.5, n.max(1) as f64 - 0.5);
    let mut lines: Vec<(f64, i32, RGBColor)> = near
        .iter()
        .filter_map(|(_, b, color)| {
            let c = x.coord(*b)?;
            Some((c, chart.backend_coord(&(c, bottom)).0, *color))
        })
        .collect();
    lines.sort_by_key(|&(_, px, _)| px);
    let height = chart.backend_coord(&(x.lo, bottom)).1 - chart.backend_coord(&(x.lo, top)).1;
    let mut start = 0;
    while start < lines.len() {
        let mut end = start + 1;
        while end < lines.len() && lines[end].1 - lines[end - 1].1 < COINCIDE_PX {
            end += 1;
        }
        let group = &lines[start..end];
        if group.len() == 1 {
            let (c, _, color) = group[0];
            chart
                .draw_series(std::iter::once(DashedPathElement::new(
                    vec![(c, bottom), (c, top)],
                    9,
                    6,
                    color.stroke_width(2),
                )))
                .map_err(draw_err)?;
        } else {
            // Dash k of the shared line takes colour k mod m, at the group's first line.
            let c = group[0].0;
            let m = group.len();
            let dashes = (0..height / SHARED_DASH_PX + 1).map(|k| {
                let (y0, y1) = (k * SHARED_DASH_PX, ((k + 1) * SHARED_DASH_PX).min(height));
                let color = group[k as usize % m].2;
                EmptyElement::at((c, top))
                    + PathElement::new(vec![(0, y0), (0, y1)], color.stroke_width(2))
            });
            chart.draw_series(dashes).map_err(draw_err)?;
        }
        start = end;
    }
    Ok(())
}

/// The far baselines' labels ("naive 51.8 →"), one a line in their colours, from `top`
/// (px, the plot area's top) down the `strip` right of the chart.
fn draw_far_labels(strip: &Area<'_>, top: i32, labels: &[(String, RGBColor)]) -> Result<()> {
    let width = strip.dim_in_pixel().0 as i32;
    for (k, (text, color)) in labels.iter().enumerate() {
        let style = TextStyle::from((FAMILY, TICK_PX).into_font())
            .color(color)
            .pos(Pos::new(HPos::Right, VPos::Top));
        strip
            .draw_text(text, &style, (width - 4, top + 4 + 24 * k as i32))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// Vertical pixel offset of seed `k` of `m` around its row: 4 px apart, centred, within
/// ±8 px so dots never reach the neighbouring row.
fn seed_offset(k: usize, m: usize) -> i32 {
    if m <= 1 {
        return 0;
    }
    let spacing = (16.0 / (m - 1) as f64).min(4.0);
    ((k as f64 - (m - 1) as f64 / 2.0) * spacing).round() as i32
}

/// `v` with `digits` significant digits in plain decimal notation (scientific below 1e-4
/// or from 1e6): `0.0123`, `45.6`, `1.23e-5`.
pub(super) fn significant(v: f64, digits: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{:.*e}", (digits - 1).max(0) as usize, v);
    }
    format!("{:.*}", (digits - 1 - magnitude).max(0) as usize, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::pixels::{assert_png_size, centre, out_dir, Pixels, Rect};

    /// The sine grid's shape: 12 configs × 3 seeds, rmse around 0.01..0.05.
    fn grid_entries(n: usize) -> Vec<RankEntry> {
        let lookbacks = [5, 10, 20];
        let units = ["32", "50x50"];
        let lrs = ["0.001", "0.003"];
        (0..n)
            .map(|i| {
                let mean = 0.01 + 0.003 * i as f64;
                let values: Vec<f64> = [-1.0, 0.3, 0.7]
                    .iter()
                    .map(|d| mean + d * 0.002 * (1.0 + (i % 3) as f64))
                    .collect();
                let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 2.0;
                RankEntry {
                    config: format!(
                        "lookback={} units={} lr={}",
                        lookbacks[i % 3],
                        units[(i / 3) % 2],
                        lrs[(i / 6) % 2]
                    ),
                    mean,
                    std: Some(var.sqrt()),
                    values,
                }
            })
            .collect()
    }

    #[test]
    fn significant_keeps_three_digits() {
        assert_eq!(significant(0.012345, 3), "0.0123");
        assert_eq!(significant(45.67, 3), "45.7");
        assert_eq!(significant(1234.0, 3), "1234");
        assert_eq!(significant(0.00001234, 3), "1.23e-5");
        assert_eq!(significant(0.0, 3), "0");
    }

    #[test]
    fn seed_offsets_are_centred_and_bounded() {
        assert_eq!(seed_offset(0, 1), 0);
        // Three seeds: 4 px apart around the row.
        assert_eq!(
            (0..3).map(|k| seed_offset(k, 3)).collect::<Vec<_>>(),
            [-4, 0, 4]
        );
        // Ten seeds squeeze into ±8 px.
        assert_eq!(seed_offset(0, 10), -8);
        assert_eq!(seed_offset(9, 10), 8);
    }

    /// A seed's dot: orange at 85% over white.
    const SEED: RGBColor = RGBColor(255, 146, 50);

    fn render(entries: &[RankEntry], baselines: &[(&str, f64)]) -> Pixels {
        let size = canvas_size(entries.len().min(MAX_RANKED));
        Pixels::render(size, |root| {
            draw_ranking(root, entries, baselines, "test rmse", "t")
        })
    }

    /// The centre column of the blue mark (mean dot and bar) in each row, top to bottom.
    fn mean_columns(px: &Pixels) -> Vec<usize> {
        let area = px.plot_area();
        px.row_groups(BLUE, 0, &area, 3)
            .into_iter()
            .map(|rows| {
                let row = Rect {
                    x: area.x.clone(),
                    y: rows,
                };
                centre(&px.bounds(BLUE, 0, &row).unwrap().x)
            })
            .collect()
    }

    /// The sine grid's 12 configs: 12 rows of a mean with its bar, best (lowest) on top
    /// and moving right row by row, seed dots in every row, and the two finite baselines
    /// as vertical lines in their colours, naive (0.0456) right of linear AR (0.02).
    #[test]
    fn sine_grid_ranking_draws_a_row_per_config_and_the_baselines() {
        let baselines = [
            ("naive", 0.0456),
            ("linear AR", 0.02),
            ("seasonal naive", f64::NAN),
        ];
        let px = render(&grid_entries(12), &baselines);
        assert_eq!(px.size(), (1200, 600));
        let means = mean_columns(&px);
        assert_eq!(means.len(), 12, "{means:?}");
        assert!(means.windows(2).all(|w| w[0] < w[1]), "{means:?}");
        let area = px.plot_area();
        assert_eq!(px.row_groups(SEED, 3, &area, 8).len(), 12);
        // Baselines: one dashed line each, spanning the rows; the NaN one is left out.
        let naive = px.column_groups(RED, 0, &area, 3);
        let ar = px.column_groups(GREEN, 0, &area, 3);
        assert!(naive.len() == 1 && ar.len() == 1, "{naive:?} {ar:?}");
        assert!(ar[0].start < naive[0].start);
        let line = px.bounds(RED, 0, &area).unwrap();
        assert!(line.y.len() * 10 >= area.y.len() * 9, "{line:?}");
        assert_eq!(px.count(PURPLE, 0, &area), 0);
        assert_eq!(px.count(PURPLE, 0, &px.header()), 0);

        let path = out_dir("sweep-ranking-grid")
            .join("plots")
            .join("ranking.png");
        ranking_png(
            &path,
            &grid_entries(12),
            &baselines,
            "test rmse",
            "sine_grid",
        )
        .unwrap();
        assert_png_size(&path, (1200, 600), 20_000);
    }

    /// 57 configs: 40 rows drawn, so 84 + 40 × 26 + 60 + 20 = 1204 px high. The config
    /// without a result keeps its row (its seeds are NaN too) but has no mean: 39 means.
    #[test]
    fn many_configs_show_the_best_forty_on_a_taller_canvas() {
        let mut entries = grid_entries(57);
        // A long label, a single-seed config without std, and a failed config.
        entries[0].config = "lookback=20 units=50x50x50x50 lr=0.003 noise=0.05 optimizer=rmsprop batch_size=64 seed-group=extra-long".into();
        entries[1].std = None;
        entries[1].values.truncate(1);
        entries[2].values[1] = f64::NAN;
        entries[3].mean = f64::NAN;
        entries[3].values = vec![f64::NAN; 3];
        assert_eq!(canvas_size(40), (1200, 1204));
        let px = render(&entries, &[("naive", 0.05)]);
        assert_eq!(px.size(), (1200, 1204));
        assert_eq!(mean_columns(&px).len(), 39);
        assert_eq!(px.row_groups(SEED, 3, &px.plot_area(), 8).len(), 39);

        let path = out_dir("sweep-ranking-many").join("ranking.png");
        ranking_png(&path, &entries, &[("naive", 0.05)], "test rmse", "many").unwrap();
        assert_png_size(&path, (1200, 1204), 30_000);
    }

    /// No configs, one, and a diverged config far off (log axis): a row each, or none.
    #[test]
    fn degenerate_inputs_draw_a_row_per_config() {
        let empty = render(&[], &[]);
        assert_eq!(empty.size(), (1200, 600));
        assert!(mean_columns(&empty).is_empty());

        let single = vec![RankEntry {
            config: "lookback=10".into(),
            mean: 0.02,
            std: None,
            values: vec![0.02],
        }];
        assert_eq!(
            mean_columns(&render(&single, &[("naive", f64::NAN)])).len(),
            1
        );

        // A diverged config far above the others: the axis goes logarithmic, which keeps
        // the three good configs apart instead of piling them on the left edge.
        let mut wide = grid_entries(4);
        wide[3].mean = 12.0;
        wide[3].values = vec![5.0, 12.0, 19.0];
        wide[3].std = Some(7.0);
        let px = render(&wide, &[("naive", 0.03)]);
        let means = mean_columns(&px);
        assert_eq!(means.len(), 4);
        assert!(
            means[1] - means[0] > 8 && means[2] - means[1] > 8,
            "{means:?}"
        );
    }

    /// An RMSE whose spread over seeds is wider than its mean (0.007 ± 0.008, as in the
    /// sine grid): the bar stops at zero (marked by a baseline line at 0) instead of
    /// reaching below it. Naive and drift at the same value are one line of alternating
    /// red and green dashes, so neither hides the other.
    #[test]
    fn error_bars_stop_at_zero_and_coinciding_baselines_both_show() {
        let mut entries = grid_entries(6);
        entries[0].mean = 0.007;
        entries[0].std = Some(0.008);
        entries[0].values = vec![0.0018, 0.0026, 0.0166];
        let baselines = [("naive", 0.04), ("drift", 0.04), ("linear AR", 0.0)];
        let px = render(&entries, &baselines);
        let path = out_dir("sweep-ranking-zero").join("ranking.png");
        ranking_png(&path, &entries, &baselines, "test rmse", "zero").unwrap();
        let area = px.plot_area();
        let zero = px.column_groups(PURPLE, 0, &area, 3);
        assert_eq!(zero.len(), 1, "{zero:?} {area:?}");
        let bars = px.bounds(BLUE, 0, &area).unwrap();
        // The bar's cap is 2 px wide around its end: at most one column left of the line.
        assert!(bars.x.start + 1 >= zero[0].start, "{bars:?} {zero:?}");
        let naive = px.count(RED, 0, &area);
        let drift = px.count(GREEN, 0, &area);
        assert!(naive > 200 && drift > 200, "naive {naive} drift {drift}");
        let red = px.column_groups(RED, 0, &area, 3);
        let green = px.column_groups(GREEN, 0, &area, 3);
        assert_eq!(red, green);
        assert_eq!(red.len(), 1);
    }

    /// The airline's baselines: four of six (naive 51.8, seasonal naive 50, drift 51.7,
    /// transforms + naive 33.7) lie far right of the configs (16..23). They get no line in
    /// the plot area but a label in their colour right of it, and the configs spread over
    /// most of the axis instead of its left third; the two near baselines keep their lines.
    #[test]
    fn far_baselines_are_named_at_the_edge_and_do_not_swallow_the_axis() {
        let entries: Vec<RankEntry> = (0..12)
            .map(|i| {
                let mean = 16.5 + 0.45 * i as f64;
                RankEntry {
                    config: format!("units={} lr=0.001 difference={}", 4 << (i % 3), i % 2),
                    mean,
                    std: Some(0.4 + 0.1 * (i % 4) as f64),
                    values: vec![mean - 0.5, mean, mean + 0.5],
                }
            })
            .collect();
        let baselines = [
            ("naive", 51.8),
            ("seasonal naive", 50.0),
            ("drift", 51.7),
            ("linear AR", 18.5),
            ("transforms + naive", 33.7),
            ("transforms + linear AR", 15.9),
        ];
        let px = render(&entries, &baselines);
        let area = px.plot_area();
        let far = [RED, GREEN, PURPLE, BASELINE_COLORS[4]];
        for c in far {
            assert_eq!(px.count(c, 0, &area), 0, "{c:?} drawn in the plot area");
        }
        let right = Rect {
            x: area.x.end + 2..1200,
            y: area.y.clone(),
        };
        for c in far {
            assert!(px.count(c, 40, &right) > 20, "{c:?} not named at the edge");
        }
        for c in [DARK_GRAY, BASELINE_COLORS[5]] {
            assert_eq!(px.column_groups(c, 0, &area, 3).len(), 1, "{c:?}");
        }
        let means = mean_columns(&px);
        assert_eq!(means.len(), 12);
        let spread = means.last().unwrap() - means[0];
        assert!(spread * 2 > area.x.len(), "{means:?} in {area:?}");
    }

    #[test]
    fn unwritable_path_is_an_error_naming_the_file() {
        let dir = out_dir("sweep-ranking-error");
        // A file where the plots folder should be.
        std::fs::write(dir.join("plots"), "not a folder").unwrap();
        let path = dir.join("plots").join("ranking.png");
        let err = ranking_png(&path, &grid_entries(2), &[], "test rmse", "t").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("ranking.png"), "{msg}");
        assert!(msg.contains("cannot create folder"), "{msg}");
    }
}
