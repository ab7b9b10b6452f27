//! The forecast picture: the original series with the predictions overlaid, as in the
//! tutorial this project grew from.

use std::path::Path;

use anyhow::{bail, Result};
use plotters::prelude::RGBColor;

use super::axis::{ticked_chart, AxisSpec, ValueAxis};
use super::frame::{header, write_png, Area, LegendEntry, BLUE, CANVAS, GREEN, ORANGE, PURPLE};
use super::lines::draw_index_line;

/// Draws `series` as a line with the train, validation and test predictions overlaid in
/// their own colours (blue actual, orange train, purple validation, green test), a legend
/// above the chart, and `title` on top (the caller puts the test RMSE in it). Writes a
/// 1200×600 PNG to `path`, creating its folder.
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
    let splits = Splits {
        train,
        validation,
        test,
    };
    write_png(path, CANVAS, |root| {
        draw_forecast(root, series, x_labels, &splits, title)
    })
}

/// The predictions of each split: `(index into the series, predicted value)`.
struct Splits<'p> {
    train: &'p [(usize, f64)],
    validation: &'p [(usize, f64)],
    test: &'p [(usize, f64)],
}

/// One line of the picture: `(index, value)` points in one colour and stroke width (px).
struct Layer<'p> {
    label: &'static str,
    color: RGBColor,
    width: u32,
    points: &'p [(usize, f64)],
}

fn draw_forecast(
    root: &Area<'_>,
    series: &[f64],
    x_labels: Option<&[String]>,
    splits: &Splits<'_>,
    title: &str,
) -> Result<()> {
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
        layer("Train prediction", ORANGE, 2, splits.train),
        layer("Validation prediction", PURPLE, 2, splits.validation),
        layer("Test prediction", GREEN, 2, splits.test),
    ]
    .into_iter()
    .filter(|l| l.label == "Actual" || !l.points.is_empty())
    .collect();
    let legend: Vec<LegendEntry> = layers
        .iter()
        .map(|l| LegendEntry::line(l.label, l.color))
        .collect();
    let area = header(root, title, &legend)?;

    let all_points = || layers.iter().flat_map(|l| l.points.iter().copied());
    let last_index = all_points().map(|(i, _)| i).max().unwrap_or(0);
    // Positions are whole indices, so ticks stay on them (and on their labels).
    let x = ValueAxis::linear(0.0, (last_index as f64).max(1.0), true, 12);
    let y = ValueAxis::fit(all_points().map(|(_, v)| v), false, false, 8);
    let x_label = |c: &f64| match x_labels {
        Some(labels) => label_at(labels, *c),
        None => x.label(*c),
    };
    let y_label = |c: &f64| y.label(*c);
    let x_desc = if x_labels.is_some() { "time" } else { "index" };
    let mut chart = ticked_chart(
        &area,
        AxisSpec::of(&x, x_desc, &x_label, 60),
        AxisSpec::of(&y, "value", &y_label, 90),
    )?;
    for layer in &layers {
        draw_index_line(&mut chart, layer.points, layer.color, layer.width)?;
    }
    Ok(())
}

/// The label of the point an x tick falls on; blank between points and past either end.
pub(super) fn label_at(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::frame::SERIES_COLORS;
    use crate::plot::pixels::{assert_png, at_fraction, out_dir, Pixels};

    fn render(
        series: &[f64],
        x_labels: Option<&[String]>,
        splits: &Splits<'_>,
        title: &str,
    ) -> Pixels {
        Pixels::render(CANVAS, |root| {
            draw_forecast(root, series, x_labels, splits, title)
        })
    }

    fn colours_drawn(px: &Pixels, min: usize) -> Vec<RGBColor> {
        px.drawn(&SERIES_COLORS, min)
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
    /// predictions cover indices 10..800 and test predictions 810..1000. The actual line
    /// spans the plot's width and nearly its height; the train prediction is in the left
    /// four fifths, the test prediction in the right fifth; no validation line or entry.
    #[test]
    fn sine_forecast_draws_each_split_where_it_belongs() {
        let series: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.1).sin()).collect();
        let predict = |i: usize| (i, series[i] + 0.05 * (i as f64 * 0.37).cos());
        let train: Vec<_> = (10..800).map(predict).collect();
        let test: Vec<_> = (810..1000).map(predict).collect();
        let splits = Splits {
            train: &train,
            validation: &[],
            test: &test,
        };
        let title = "sine: test RMSE 0.0354";
        let px = render(&series, None, &splits, title);
        assert_eq!(px.size(), (1200, 600));
        let area = px.plot_area();
        assert!(area.x.len() > 1000 && area.y.len() > 400, "{area:?}");
        assert_eq!(colours_drawn(&px, 500), [BLUE, ORANGE, GREEN]);

        let actual = px.bounds(BLUE, 0, &area).unwrap();
        assert!(actual.x.start <= area.x.start + 3 && actual.x.end + 3 >= area.x.end);
        assert!(
            actual.y.len() * 10 >= area.y.len() * 8,
            "{actual:?} in {area:?}"
        );
        let train_px = px.bounds(ORANGE, 0, &area).unwrap();
        let test_px = px.bounds(GREEN, 0, &area).unwrap();
        // Index 800 of 999 is 80% of the way; lines are 2 px wide.
        assert!(
            train_px.x.end <= at_fraction(&area.x, 0.801) + 3,
            "{train_px:?}"
        );
        assert!(
            train_px.x.start <= at_fraction(&area.x, 0.02),
            "{train_px:?}"
        );
        assert!(
            test_px.x.start + 3 >= at_fraction(&area.x, 0.81),
            "{test_px:?}"
        );
        assert!(test_px.x.end + 3 >= area.x.end, "{test_px:?}");
        // The legend names the three lines in their colours, and no validation.
        let head = px.header();
        for c in [BLUE, ORANGE, GREEN] {
            assert!(px.count(c, 0, &head) > 50, "{c:?}");
        }
        assert_eq!(px.count(PURPLE, 0, &head), 0);

        // The file gets the same picture.
        let path = out_dir("forecast-sine").join("plots").join("forecast.png");
        forecast_png(&path, &series, None, &train, &[], &test, title).unwrap();
        assert_png(&path, 20_000);
    }

    /// Airline-like data with time labels and a validation split: four lines, the
    /// validation prediction between the train and test ones.
    #[test]
    fn forecast_with_time_labels_draws_the_validation_between_train_and_test() {
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
        let splits = Splits {
            train: &train,
            validation: &validation,
            test: &test,
        };
        let px = render(&series, Some(&labels), &splits, "airline: test RMSE 12.3");
        assert_eq!(colours_drawn(&px, 100), [BLUE, ORANGE, GREEN, PURPLE]);
        let area = px.plot_area();
        let val = px.bounds(PURPLE, 0, &area).unwrap();
        let train_px = px.bounds(ORANGE, 0, &area).unwrap();
        let test_px = px.bounds(GREEN, 0, &area).unwrap();
        assert!(train_px.x.end <= val.x.start + 4, "{train_px:?} {val:?}");
        assert!(val.x.end <= test_px.x.start + 4, "{val:?} {test_px:?}");
        // Index 100..114 of 143.
        assert!(
            val.x.start + 3 >= at_fraction(&area.x, 100.0 / 143.0),
            "{val:?}"
        );
        assert!(
            val.x.end <= at_fraction(&area.x, 114.0 / 143.0) + 3,
            "{val:?}"
        );
        // The series rises: the test prediction sits higher (smaller rows) than the train.
        assert!(
            test_px.y.start < train_px.y.start,
            "{test_px:?} {train_px:?}"
        );

        let path = out_dir("forecast-labels").join("forecast.png");
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

    /// A constant series is a flat line across the middle of the plot; an empty one, a
    /// single point and a diverged (NaN) prediction still give a picture with axes.
    #[test]
    fn constant_series_and_degenerate_inputs_are_drawn() {
        let series = vec![5.0; 50];
        let test: Vec<_> = (40..50).map(|i| (i, 5.0)).collect();
        let splits = Splits {
            train: &[],
            validation: &[],
            test: &test,
        };
        let px = render(&series, None, &splits, "constant");
        let area = px.plot_area();
        let actual = px.bounds(BLUE, 0, &area).unwrap();
        let middle = at_fraction(&area.y, 0.5);
        assert!(
            actual.y.len() <= 6 && actual.y.contains(&middle),
            "{actual:?}"
        );
        assert!(actual.x.len() * 10 >= area.x.len() * 7, "{actual:?}");

        let none = Splits {
            train: &[],
            validation: &[],
            test: &[],
        };
        let empty = render(&[], None, &none, "empty");
        assert_eq!(colours_drawn(&empty, 1), []);
        let diverged = Splits {
            train: &[(0, f64::NAN)],
            validation: &[],
            test: &[],
        };
        // The single actual point is a dot; the NaN prediction is not drawn.
        let single = render(&[1.0], None, &diverged, "diverged");
        assert_eq!(colours_drawn(&single, 10), [BLUE]);

        let dir = out_dir("forecast-degenerate");
        let path = dir.join("empty.png");
        forecast_png(&path, &[], None, &[], &[], &[], "empty").unwrap();
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
