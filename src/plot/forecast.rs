//! The forecast picture: the original series with the predictions overlaid, as in the
//! tutorial this project grew from.

use std::path::Path;

use anyhow::{bail, Result};
use plotters::prelude::*;

use super::font::FAMILY;
use super::frame::{
    draw_err, format_tick, header, open_canvas, padded_range, Area, LegendEntry, AXIS_DESC_PX,
    BLUE, GREEN, ORANGE, PURPLE, TICK_PX,
};

/// Draws `series` as a line with the train, validation and test predictions overlaid in
/// their own colours, a legend above the chart, and `title` on top (the caller puts the
/// test RMSE in it). Writes a 1200×600 PNG to `path`, creating its folder.
///
/// - `series[i]` is the original value at position `i`, in original units.
/// - `x_labels`, when given, must hold one label per series point (e.g. the CSV's time
///   column); ticks then show the label of the point they fall on instead of its index.
/// - `train`, `validation`, `test` are `(index into series, predicted value)`, one
///   prediction per index; each is drawn in index order, with a break wherever indices are
///   not consecutive. An empty split is left out of the legend.
///
/// Non-finite values (a diverged run) are skipped, so they break a line instead of
/// wrecking the axis range.
pub fn forecast_png(
    path: &Path,
    series: &[f64],
    x_labels: Option<&[String]>,
    train: &[(usize, f64)],
    validation: &[(usize, f64)],
    test: &[(usize, f64)],
    title: &str,
) -> Result<()> {
    if let Some(labels) = x_labels {
        if labels.len() != series.len() {
            bail!(
                "forecast plot: {} x labels for a series of {} points",
                labels.len(),
                series.len()
            );
        }
    }
    let actual: Vec<(usize, f64)> = series.iter().copied().enumerate().collect();
    let layer = |label, color, width, points| Layer {
        label,
        color,
        width,
        points,
    };
    // Drawn in this order, so predictions lie on top of the (wider) actual line.
    let layers: Vec<Layer> = [
        layer("Actual", BLUE, 3, actual.as_slice()),
        layer("Train prediction", ORANGE, 2, train),
        layer("Validation prediction", PURPLE, 2, validation),
        layer("Test prediction", GREEN, 2, test),
    ]
    .into_iter()
    .filter(|l| l.label == "Actual" || !l.points.is_empty())
    .collect();

    let root = open_canvas(path)?;
    let legend: Vec<LegendEntry> = layers
        .iter()
        .map(|l| LegendEntry::line(l.label, l.color))
        .collect();
    let area = header(&root, title, &legend)?;

    let all_points = || layers.iter().flat_map(|l| l.points.iter().copied());
    let last_index = all_points().map(|(i, _)| i).max().unwrap_or(0);
    let x_max = (last_index as f64).max(1.0);
    let y_range = padded_range(all_points().map(|(_, v)| v));

    draw_chart(&area, x_max, y_range, x_labels, &layers)?;
    root.present().map_err(draw_err)?;
    Ok(())
}

/// One line of the picture: `(index, value)` points in one colour and stroke width (px).
struct Layer<'p> {
    label: &'static str,
    color: RGBColor,
    width: u32,
    points: &'p [(usize, f64)],
}

fn draw_chart(
    area: &Area<'_>,
    x_max: f64,
    (y_lo, y_hi): (f64, f64),
    x_labels: Option<&[String]>,
    layers: &[Layer<'_>],
) -> Result<()> {
    let mut chart = ChartBuilder::on(area)
        .margin_left(10)
        .margin_right(30)
        .margin_bottom(10)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..x_max, y_lo..y_hi)
        .map_err(draw_err)?;

    // Positions are whole indices, so ticks between them stay blank.
    let x_tick = |x: &f64| match x_labels {
        Some(labels) => label_at(labels, *x),
        None if (x - x.round()).abs() < 1e-6 => format_tick(x.round(), x_max),
        None => String::new(),
    };
    let y_tick = |y: &f64| format_tick(*y, y_hi - y_lo);
    chart
        .configure_mesh()
        .x_desc(if x_labels.is_some() { "time" } else { "index" })
        .y_desc("value")
        .axis_desc_style((FAMILY, AXIS_DESC_PX))
        .label_style((FAMILY, TICK_PX))
        .x_labels(12)
        .y_labels(8)
        .x_label_formatter(&x_tick)
        .y_label_formatter(&y_tick)
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(draw_err)?;

    for layer in layers {
        let style = layer.color.stroke_width(layer.width);
        let runs = contiguous_runs(layer.points);
        chart
            .draw_series(
                runs.iter()
                    .filter(|run| run.len() > 1)
                    .map(|run| PathElement::new(run.clone(), style)),
            )
            .map_err(draw_err)?;
        // A lone point has no line to show it; mark it instead.
        chart
            .draw_series(
                runs.iter()
                    .filter(|run| run.len() == 1)
                    .map(|run| Circle::new(run[0], 3, layer.color.filled())),
            )
            .map_err(draw_err)?;
    }
    Ok(())
}

/// The label of the point an x tick falls on; blank between points and past either end.
fn label_at(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// Splits `(index, value)` points, sorted by index, into runs of consecutive indices with
/// finite values: each run is one unbroken line.
pub(super) fn contiguous_runs(points: &[(usize, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut sorted: Vec<(usize, f64)> = points.to_vec();
    sorted.sort_by_key(|&(i, _)| i);
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut prev: Option<usize> = None;
    for (i, v) in sorted {
        if !v.is_finite() {
            prev = None;
            continue;
        }
        let continues = prev.is_some_and(|p| i == p + 1);
        if !continues {
            runs.push(Vec::new());
        }
        runs.last_mut()
            .expect("a run was just pushed")
            .push((i as f64, v));
        prev = Some(i);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{assert_png, out_dir};

    #[test]
    fn contiguous_runs_break_on_gaps_and_non_finite_values() {
        let points = [
            (3, 3.0),
            (1, 1.0),
            (2, 2.0),
            (5, 5.0),
            (6, f64::NAN),
            (7, 7.0),
            (8, 8.0),
        ];
        // Sorted: 1 2 3 | gap | 5 | NaN | 7 8.
        assert_eq!(
            contiguous_runs(&points),
            vec![
                vec![(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)],
                vec![(5.0, 5.0)],
                vec![(7.0, 7.0), (8.0, 8.0)],
            ]
        );
        assert!(contiguous_runs(&[]).is_empty());
    }

    #[test]
    fn label_at_shows_labels_only_on_points() {
        let labels: Vec<String> = ["1949-01", "1949-02", "1949-03"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(label_at(&labels, 1.0), "1949-02");
        assert_eq!(label_at(&labels, 1.5), "");
        assert_eq!(label_at(&labels, 3.0), "");
        assert_eq!(label_at(&labels, -1.0), "");
    }

    /// The tutorial's layout: 1000-point sine, windows of 10, 80/20 split, so train
    /// predictions cover indices 10..800 and test predictions 810..1000.
    #[test]
    fn sine_forecast_writes_a_png() {
        let dir = out_dir("forecast-sine");
        let series: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.1).sin()).collect();
        let predict = |i: usize| (i, series[i] + 0.05 * (i as f64 * 0.37).cos());
        let train: Vec<_> = (10..800).map(predict).collect();
        let test: Vec<_> = (810..1000).map(predict).collect();
        let path = dir.join("plots").join("forecast.png");
        forecast_png(
            &path,
            &series,
            None,
            &train,
            &[],
            &test,
            "sine: test RMSE 0.0354",
        )
        .unwrap();
        assert_png(&path, 20_000);
    }

    #[test]
    fn forecast_with_time_labels_and_validation_writes_a_png() {
        let dir = out_dir("forecast-labels");
        let series: Vec<f64> = (0..144)
            .map(|i| 100.0 + 2.0 * i as f64 + 40.0 * (i as f64 * std::f64::consts::FRAC_PI_6).sin())
            .collect();
        let labels: Vec<String> = (0..144)
            .map(|i| format!("{}-{:02}", 1949 + i / 12, i % 12 + 1))
            .collect();
        let predict = |i: usize| (i, series[i] * 0.97);
        let train: Vec<_> = (12..100).map(predict).collect();
        let validation: Vec<_> = (100..115).map(predict).collect();
        let test: Vec<_> = (115..144).map(predict).collect();
        let path = dir.join("forecast.png");
        forecast_png(
            &path,
            &series,
            Some(&labels),
            &train,
            &validation,
            &test,
            "airline: test RMSE 12.3",
        )
        .unwrap();
        assert_png(&path, 20_000);
    }

    #[test]
    fn constant_series_and_degenerate_inputs_do_not_panic() {
        let dir = out_dir("forecast-degenerate");
        let series = vec![5.0; 50];
        let test: Vec<_> = (40..50).map(|i| (i, 5.0)).collect();
        let path = dir.join("constant.png");
        forecast_png(&path, &series, None, &[], &[], &test, "constant").unwrap();
        assert_png(&path, 5_000);

        // Empty series, a single point, and a diverged (NaN) prediction.
        let path = dir.join("empty.png");
        forecast_png(&path, &[], None, &[], &[], &[], "empty").unwrap();
        assert_png(&path, 5_000);
        let path = dir.join("nan.png");
        forecast_png(&path, &[1.0], None, &[(0, f64::NAN)], &[], &[], "diverged").unwrap();
        assert_png(&path, 5_000);
    }

    #[test]
    fn mismatched_x_labels_are_an_error() {
        let dir = out_dir("forecast-bad-labels");
        let labels = vec!["a".to_string()];
        let err = forecast_png(
            &dir.join("x.png"),
            &[1.0, 2.0],
            Some(&labels),
            &[],
            &[],
            &[],
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("1 x labels for a series of 2 points"), "{err}");
        assert!(!dir.join("x.png").exists());
    }
}
