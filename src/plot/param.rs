//! One swept parameter against the metric: a point per run, so the effect of the parameter
//! and the spread of everything else (seeds, other keys) show together.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::prelude::*;

use super::axis::{ticked_chart, AxisSpec, TickedChart, ValueAxis};
use super::font::FAMILY;
use super::frame::{
    centered_note, draw_err, fit_text, header, write_png, Area, LegendEntry, Sample, BLUE, CANVAS,
    ORANGE, TICK_PX,
};

/// Up to this many distinct numeric values are labelled at the values themselves (e.g.
/// lookback 5, 10, 20); more get round ticks.
const MAX_VALUE_TICKS: usize = 12;
/// Labelled values closer than this fraction of the axis would overlap; round ticks then.
const MIN_TICK_GAP: f64 = 0.06;
/// Repeated x values are spread over at most ± this many pixels ...
const MAX_JITTER_PX: f64 = 30.0;
/// ... and at most this fraction of the pixel gap to the nearest other value.
const JITTER_GAP_FRACTION: f64 = 0.25;

/// The value of the swept key in one run.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamAxis {
    /// A number: plotted on a numeric axis (log when positive and spanning >= 10x, or
    /// fractional and log-spaced over >= 3x: learning rates).
    Number(f64),
    /// Anything else (e.g. units `32`, `50x50`): one slot per distinct value.
    Category(String),
}

/// One run: its value of the swept key and its metric.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamPoint {
    pub value: ParamAxis,
    pub metric: f64,
}

/// Draws `metric` (y) against the swept `key` (x), one blue dot per run, with `means` (the
/// mean over the runs sharing a value, computed by the caller) as short orange bars. Writes a 1200×600 PNG to `path`, creating its folder.
///
/// All-numeric values get a numeric axis, logarithmic when all are positive and span a
/// decade or more, or are fractions spaced evenly on a log scale over 3x or more (learning
/// rates 0.001, 0.003), ticked at the values themselves when there are few.
/// Otherwise every value is a category, in order of first appearance (numbers among them
/// are written as numbers). Runs sharing a value are spread horizontally by a few pixels,
/// by their metric's rank, so the picture is the same on every call. The metric axis is log when it
/// spans a decade or more. Runs with a non-finite metric or value are skipped.
pub fn param_png(
    path: &Path,
    key: &str,
    points: &[ParamPoint],
    means: &[ParamPoint],
    metric: &str,
) -> Result<()> {
    write_png(path, CANVAS, |root| {
        draw_param(root, key, points, means, metric)
    })
    .with_context(|| format!("cannot write the plot of {key} {}", path.display()))
}

/// The x side of the picture: the axis, each point's x coordinate (None when it cannot be
/// drawn) and, for categories, their names.
struct XLayout {
    axis: ValueAxis,
    coords: Vec<Option<f64>>,
    categories: Option<Vec<String>>,
}

/// Positive fractional values spanning at least this ratio (max / min) and spaced evenly
/// on a log scale rather than a linear one get a log axis below a decade too: a learning
/// rate swept 0.001, 0.003 (or 1e-3, 2e-3, 4e-3) is a step on a log scale.
const LOG_SPACED_MIN_RATIO: f64 = 3.0;

/// Whether the ascending distinct values `distinct` were swept on a log scale (see
/// [`LOG_SPACED_MIN_RATIO`]). Whole numbers (lookbacks, widths, epochs) are counts, read
/// on a linear axis unless they span a decade; two values are log-spaced when their ratio
/// is large enough; three or more when their log gaps vary less than their linear ones.
fn log_spaced(distinct: &[f64]) -> bool {
    let (Some(&first), Some(&last)) = (distinct.first(), distinct.last()) else {
        return false;
    };
    if first <= 0.0
        || last / first < LOG_SPACED_MIN_RATIO
        || distinct.iter().all(|v| v.fract() == 0.0)
    {
        return false;
    }
    let unevenness = |coords: Vec<f64>| -> f64 {
        let gaps: Vec<f64> = coords.windows(2).map(|w| w[1] - w[0]).collect();
        let max = gaps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = gaps.iter().copied().fold(f64::INFINITY, f64::min);
        max / min
    };
    distinct.len() == 2
        || unevenness(distinct.iter().map(|v| v.log10()).collect()) < unevenness(distinct.to_vec())
}

fn numeric_layout(values: &[f64]) -> XLayout {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let integer = finite.iter().all(|v| v.fract() == 0.0);
    let mut sorted = finite.clone();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let mut axis = if log_spaced(&sorted) {
        ValueAxis::log(sorted[0], sorted[sorted.len() - 1], 10)
    } else {
        ValueAxis::fit(finite.iter().copied(), true, integer, 10)
    };
    let mut distinct: Vec<f64> = finite.iter().filter_map(|&v| axis.coord(v)).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let spaced = distinct
        .windows(2)
        .all(|w| w[1] - w[0] >= MIN_TICK_GAP * (axis.hi - axis.lo));
    if !distinct.is_empty() && distinct.len() <= MAX_VALUE_TICKS && spaced {
        axis = axis.with_ticks_at(&finite);
    }
    let coords = values.iter().map(|&v| axis.coord(v)).collect();
    XLayout {
        axis,
        coords,
        categories: None,
    }
}

/// Categories in order of first appearance; a non-finite number gets no slot.
fn categorical_layout(values: &[&ParamAxis]) -> XLayout {
    let name = |v: &ParamAxis| match v {
        ParamAxis::Number(x) => x.is_finite().then(|| format!("{x}")),
        ParamAxis::Category(s) => Some(s.clone()),
    };
    let mut categories: Vec<String> = Vec::new();
    let coords = values
        .iter()
        .map(|v| {
            let n = name(v)?;
            let slot = categories.iter().position(|c| *c == n).unwrap_or_else(|| {
                categories.push(n);
                categories.len() - 1
            });
            Some(slot as f64)
        })
        .collect();
    XLayout {
        axis: ValueAxis::slots(categories.len()),
        coords,
        categories: Some(categories),
    }
}

fn draw_param(
    root: &Area<'_>,
    key: &str,
    points: &[ParamPoint],
    means: &[ParamPoint],
    metric: &str,
) -> Result<()> {
    let numbers: Option<Vec<f64>> = points
        .iter()
        .map(|p| match p.value {
            ParamAxis::Number(x) => Some(x),
            ParamAxis::Category(_) => None,
        })
        .collect();
    let layout = match numbers {
        Some(values) if !values.is_empty() => numeric_layout(&values),
        _ => categorical_layout(&points.iter().map(|p| &p.value).collect::<Vec<_>>()),
    };
    // (x coordinate, metric) of every drawable run, in input order.
    let runs: Vec<(f64, f64)> = points
        .iter()
        .zip(&layout.coords)
        .filter_map(|(p, c)| Some(((*c)?, p.metric)))
        .filter(|(_, m)| m.is_finite())
        .collect();
    // Each mean at the x of the runs with its value.
    let means: Vec<(f64, f64)> = means
        .iter()
        .filter_map(|mean| {
            let i = points.iter().position(|p| p.value == mean.value)?;
            Some((layout.coords[i]?, mean.metric))
        })
        .collect();

    let legend = [
        LegendEntry {
            label: "one run",
            color: BLUE,
            sample: Sample::Dot,
        },
        LegendEntry {
            label: "mean of the runs at a value",
            color: ORANGE,
            sample: Sample::Line,
        },
    ];
    let area = header(root, &format!("{metric} by {key}"), &legend)?;

    let x = &layout.axis;
    let category_labels: Vec<String> = match &layout.categories {
        Some(names) => {
            // Each name gets the width of its slot (plot area ≈ canvas − 150 px).
            let slot_px = (CANVAS.0 as i32 - 150) / names.len().max(1) as i32 - 12;
            let style = TextStyle::from((FAMILY, TICK_PX).into_font());
            names
                .iter()
                .map(|n| fit_text(root, n, &style, slot_px.max(24)))
                .collect::<Result<_>>()?
        }
        None => Vec::new(),
    };
    let x_label = |c: &f64| {
        if layout.categories.is_some() {
            let i = c.round();
            if (c - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            category_labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            x.label(*c)
        }
    };
    let y = ValueAxis::fit(runs.iter().map(|&(_, m)| m), true, false, 8);
    let y_label = |c: &f64| y.label(*c);
    let mut chart = ticked_chart(
        &area,
        AxisSpec::of(x, key, &x_label, 60),
        AxisSpec::of(&y, metric, &y_label, 90),
    )?;
    if runs.is_empty() {
        centered_note(
            &chart.plotting_area().strip_coord_spec(),
            "no finished runs",
        )?;
    }
    draw_runs(&mut chart, &y, &runs, &means)
}

/// The dots (spread horizontally within each x value) and each value's mean bar.
fn draw_runs(
    chart: &mut TickedChart<'_, '_>,
    y: &ValueAxis,
    runs: &[(f64, f64)],
    means: &[(f64, f64)],
) -> Result<()> {
    let mut xs: Vec<f64> = runs.iter().map(|&(c, _)| c).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let px: Vec<i32> = xs
        .iter()
        .map(|&c| chart.backend_coord(&(c, 0.0)).0)
        .collect();
    let half_width = jitter_half_width(&px);

    for &c in &xs {
        let group: Vec<f64> = runs
            .iter()
            .filter(|&&(x, _)| x == c)
            .map(|&(_, m)| m)
            .collect();
        // The mean first, so the dots stay visible where they sit on it.
        let mean = means.iter().find(|&&(x, _)| x == c).map(|&(_, m)| m);
        if let Some(my) = mean.and_then(|m| y.coord(m)) {
            let w = half_width.round() as i32 + 10;
            chart
                .draw_series([EmptyElement::at((c, my))
                    + PathElement::new(vec![(-w, 0), (w, 0)], ORANGE.stroke_width(3))])
                .map_err(draw_err)?;
        }
        let offsets = jitter(&group, half_width);
        chart
            .draw_series(group.iter().zip(offsets).filter_map(|(&v, dx)| {
                let my = y.coord(v)?;
                Some(EmptyElement::at((c, my)) + Circle::new((dx, 0), 4, BLUE.mix(0.75).filled()))
            }))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// Half the horizontal spread (px) of the runs at one x: a quarter of the closest gap
/// between x values on screen, at most [`MAX_JITTER_PX`].
fn jitter_half_width(px: &[i32]) -> f64 {
    px.windows(2)
        .map(|w| f64::from((w[1] - w[0]).abs()) * JITTER_GAP_FRACTION)
        .fold(MAX_JITTER_PX, f64::min)
}

/// Horizontal slots, in units of the half width, taken in turn by the runs of one x value
/// in order of their metric: neighbours in metric (the dots that would overlap) land apart,
/// and the order of the runs does not turn into a slope.
const SLOTS: [f64; 5] = [0.0, -1.0, 1.0, -0.5, 0.5];

/// Horizontal pixel offsets of runs sharing an x value, whose metrics are `metrics` (in
/// input order; ties keep it): the run of rank `r` takes `SLOTS[r % 5] × half_width`, and
/// the group is then centred. The same input always gives the same offsets.
fn jitter(metrics: &[f64], half_width: f64) -> Vec<i32> {
    let mut order: Vec<usize> = (0..metrics.len()).collect();
    order.sort_by(|&a, &b| metrics[a].total_cmp(&metrics[b]));
    let mut slot = vec![0.0; metrics.len()];
    for (rank, &i) in order.iter().enumerate() {
        slot[i] = SLOTS[rank % SLOTS.len()];
    }
    let lo = slot.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = slot.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let centre = (lo + hi) / 2.0;
    slot.iter()
        .map(|s| ((s - centre) * half_width).round() as i32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stats::mean_by_key;
    use crate::plot::pixels::{assert_png, centre, out_dir, Pixels, Rect};

    fn num(v: f64, metric: f64) -> ParamPoint {
        ParamPoint {
            value: ParamAxis::Number(v),
            metric,
        }
    }

    fn cat(v: &str, metric: f64) -> ParamPoint {
        ParamPoint {
            value: ParamAxis::Category(v.into()),
            metric,
        }
    }

    /// 36 runs of the sine grid: 12 per lookback, rmse falling with lookback.
    fn lookback_points() -> Vec<ParamPoint> {
        (0..36)
            .map(|i| {
                let lookback = [5.0, 10.0, 20.0][i % 3];
                num(lookback, 0.05 / lookback.sqrt() + 0.001 * (i / 3) as f64)
            })
            .collect()
    }

    #[test]
    fn jitter_spreads_evenly_and_deterministically() {
        assert_eq!(jitter(&[0.5], 30.0), [0]);
        assert!(jitter(&[], 30.0).is_empty());
        // Ranks 2, 0, 1 take slots +1, 0, -1.
        assert_eq!(jitter(&[0.3, 0.1, 0.2], 10.0), [10, 0, -10]);
        // Two runs: slots 0 and -1, centred to ±0.5.
        assert_eq!(jitter(&[0.5, 0.1], 10.0), [-5, 5]);
        // Sorted metrics do not become a slope: six runs go 0, -1, 1, -0.5, 0.5, 0.
        assert_eq!(
            jitter(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 10.0),
            [0, -10, 10, -5, 5, 0]
        );
        // Values 100 px apart on screen: a quarter of that; far apart: capped at 30.
        assert_eq!(jitter_half_width(&[0, 100, 400]), 25.0);
        assert_eq!(jitter_half_width(&[0, 1000]), 30.0);
        assert_eq!(jitter_half_width(&[500]), 30.0);
    }

    #[test]
    fn layouts_tick_at_values_and_go_log_for_learning_rates() {
        // lookback 5, 10, 20: linear (4x), ticked at exactly those values.
        let l = numeric_layout(&[5.0, 10.0, 20.0, 5.0]);
        assert!(!l.axis.log);
        let labels: Vec<String> = l.axis.ticks.iter().map(|&c| l.axis.label(c)).collect();
        assert_eq!(labels, ["5", "10", "20"]);
        // Learning rates 1e-4 .. 1e-2: log, ticks at the values.
        let l = numeric_layout(&[1e-4, 3e-4, 1e-3, 3e-3, 1e-2]);
        assert!(l.axis.log);
        let labels: Vec<String> = l.axis.ticks.iter().map(|&c| l.axis.label(c)).collect();
        assert_eq!(labels, ["1e-4", "3e-4", "1e-3", "3e-3", "1e-2"]);
        // 30 distinct noise levels: round ticks instead of 30 labels.
        let many: Vec<f64> = (0..30).map(|i| i as f64 * 0.01).collect();
        assert!(numeric_layout(&many).axis.ticks.len() <= 11);
        // Categories in first-appearance order; numbers among them written plainly.
        let values = [
            ParamAxis::Category("50x50".into()),
            ParamAxis::Number(32.0),
            ParamAxis::Number(f64::NAN),
            ParamAxis::Category("50x50".into()),
        ];
        let l = categorical_layout(&values.iter().collect::<Vec<_>>());
        assert_eq!(l.categories.unwrap(), ["50x50", "32"]);
        assert_eq!(l.coords, [Some(0.0), Some(1.0), None, Some(0.0)]);
    }

    /// A run's dot: blue at 75% over white, and over the orange mean bar.
    const DOT: RGBColor = RGBColor(87, 153, 199);
    const DOT_ON_BAR: RGBColor = RGBColor(87, 121, 138);

    /// The mean bars the caller passes: the analysis' means by value.
    fn means(points: &[ParamPoint]) -> Vec<ParamPoint> {
        mean_by_key(points.iter().map(|p| (p.value.clone(), p.metric)))
            .into_iter()
            .map(|(value, metric)| ParamPoint { value, metric })
            .collect()
    }

    fn render(key: &str, points: &[ParamPoint]) -> Pixels {
        let means = means(points);
        Pixels::render(CANVAS, |root| {
            draw_param(root, key, points, &means, "test rmse")
        })
    }

    /// The centres of the mean bars (orange), left to right, as fractions of the plot width,
    /// and the row of each bar.
    fn bars(px: &Pixels) -> Vec<(f64, usize)> {
        let area = px.plot_area();
        px.column_groups(ORANGE, 0, &area, 12)
            .iter()
            .map(|g| {
                let bar = Rect {
                    x: g.clone(),
                    y: area.y.clone(),
                };
                let row = centre(&px.bounds(ORANGE, 0, &bar).unwrap().y);
                let t = (centre(g) - area.x.start) as f64 / area.x.len() as f64;
                (t, row)
            })
            .collect()
    }

    fn assert_near(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        for (a, e) in actual.iter().zip(expected) {
            assert!((a - e).abs() < 0.015, "{actual:?} vs {expected:?}");
        }
    }

    /// Lookback 5, 10, 20 (linear axis padded 4.25 ..= 20.75): a mean bar at each value,
    /// lower (better) for longer lookbacks, with the runs' dots around each bar.
    #[test]
    fn numeric_param_draws_a_bar_and_dots_at_each_value() {
        let px = render("window.lookback", &lookback_points());
        let bars = bars(&px);
        let at: Vec<f64> = bars.iter().map(|b| b.0).collect();
        assert_near(&at, &[0.75 / 16.5, 5.75 / 16.5, 15.75 / 16.5]);
        assert!(bars[0].1 < bars[1].1 && bars[1].1 < bars[2].1, "{bars:?}");
        let area = px.plot_area();
        for group in px.column_groups(ORANGE, 0, &area, 12) {
            let around = Rect {
                x: group,
                y: area.y.clone(),
            };
            assert!(px.count(DOT, 3, &around) > 100, "no dots at {around:?}");
        }
        assert!(px.count(BLUE, 0, &px.header()) > 20, "no dot in the legend");

        let path = out_dir("sweep-param")
            .join("plots")
            .join("param_window.lookback.png");
        param_png(
            &path,
            "window.lookback",
            &lookback_points(),
            &means(&lookback_points()),
            "test rmse",
        )
        .unwrap();
        assert_png(&path, 15_000);
    }

    /// Units 32 and 50x50 are categories: two slots, at a quarter and three quarters.
    #[test]
    fn categorical_param_draws_one_slot_per_value() {
        let units: Vec<ParamPoint> = (0..36)
            .map(|i| cat(["32", "50x50"][i % 2], 0.02 + 0.001 * (i % 7) as f64))
            .collect();
        let px = render("model.units", &units);
        let at: Vec<f64> = bars(&px).iter().map(|b| b.0).collect();
        assert_near(&at, &[0.25, 0.75]);
    }

    /// Learning rates below a decade apart but log-spaced (0.001, 0.002, 0.004, or the sine
    /// grid's 0.001, 0.003) go on a log axis too: the middle rate's bar sits in the middle
    /// (a linear axis would put it at a third). Evenly spaced fractions (dropout 0.1 ..
    /// 0.5) and whole numbers (lookback 5, 10, 20) stay linear.
    #[test]
    fn log_spaced_values_below_a_decade_get_a_log_axis() {
        assert!(log_spaced(&[0.001, 0.003]));
        assert!(log_spaced(&[0.001, 0.002, 0.004]));
        assert!(!log_spaced(&[0.1, 0.2, 0.3, 0.4, 0.5]));
        assert!(!log_spaced(&[5.0, 10.0, 20.0]));
        assert!(!log_spaced(&[0.001, 0.002]));
        assert!(!log_spaced(&[-0.1, 0.5]));
        let l = numeric_layout(&[0.001, 0.003, 0.001]);
        assert!(l.axis.log);
        let labels: Vec<String> = l.axis.ticks.iter().map(|&c| l.axis.label(c)).collect();
        assert_eq!(labels, ["0.001", "0.003"]);

        let lrs: Vec<ParamPoint> = (0..12)
            .map(|i| num([1e-3, 2e-3, 4e-3][i % 3], 0.01 + 0.001 * (i % 5) as f64))
            .collect();
        let at: Vec<f64> = bars(&render("train.learning_rate", &lrs))
            .iter()
            .map(|b| b.0)
            .collect();
        // Padded by 5% of the log span each side; linear would put the middle at 0.35.
        assert_near(&at, &[0.05 / 1.1, 0.55 / 1.1, 1.05 / 1.1]);
    }

    /// Learning rates over two decades go on a log axis: five bars spaced as log10 of the
    /// rates (-4, -3.52, -3, -2.52, -2 padded by 0.1 each side), the worst (0.9) on top.
    #[test]
    fn learning_rates_are_spaced_logarithmically() {
        // The largest rate diverges (NaN, skipped) or is far off, which makes the metric
        // axis log too.
        let lrs: Vec<ParamPoint> = (0..15)
            .map(|i| {
                let lr = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2][i % 5];
                let m = if lr == 1e-2 && i == 4 {
                    f64::NAN
                } else if lr == 1e-2 {
                    0.9
                } else {
                    0.01 + lr
                };
                num(lr, m)
            })
            .collect();
        let px = render("train.learning_rate", &lrs);
        let bars = bars(&px);
        let at: Vec<f64> = bars.iter().map(|b| b.0).collect();
        let frac = |lr: f64| (lr.log10() + 4.1) / 2.2;
        assert_near(&at, &[1e-4, 3e-4, 1e-3, 3e-3, 1e-2].map(frac));
        assert!(bars[..4].iter().all(|b| b.1 > bars[4].1), "{bars:?}");
    }

    /// No runs, one run, and runs without a finite value or metric: axes, and a dot and a
    /// bar only for the one drawable run.
    #[test]
    fn degenerate_inputs_draw_only_drawable_runs() {
        assert_eq!(
            render("window.lookback", &[]).drawn(&[BLUE, ORANGE, DOT], 1),
            []
        );
        let single = render("window.lookback", &[num(10.0, 0.02)]);
        assert_eq!(bars(&single).len(), 1);
        // Its dot sits on its mean: mostly over the bar.
        let area = single.plot_area();
        assert!(single.count(DOT, 3, &area) + single.count(DOT_ON_BAR, 3, &area) > 30);
        let nan = [num(f64::NAN, 0.02), num(10.0, f64::NAN), cat("x", f64::NAN)];
        let px = render("window.lookback", &nan);
        assert_eq!(px.drawn(&[BLUE, ORANGE, DOT], 1), []);
    }

    #[test]
    fn unwritable_path_is_an_error_naming_the_file() {
        let dir = out_dir("sweep-param-error");
        std::fs::write(dir.join("plots"), "not a folder").unwrap();
        let path = dir.join("plots").join("param_seed.png");
        let err = param_png(&path, "seed", &[num(1.0, 0.1)], &[], "test rmse").unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("param_seed.png") && msg.contains("seed"),
            "{msg}"
        );
    }
}
