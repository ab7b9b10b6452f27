//! The forecast picture: the original series with the predictions overlaid, as in the
//! tutorial this project grew from, and beneath it the test part zoomed in with its
//! residuals: at the scale of a whole series a test error of 1% is invisible.

use std::path::Path;

use anyhow::{bail, Result};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::axis::{ticked_chart, AxisSpec, TickedChart, ValueAxis};
use super::font::FAMILY;
use super::frame::{
    draw_err, header, write_png, Area, LegendEntry, Sample, BLUE, CANVAS, GREEN, ORANGE, PURPLE,
    RED, TICK_PX,
};
use super::lines::{draw_index_line, draw_zero_line};
use super::time_axis::PositionAxis;

/// The canvas with the zoom and residual panels: taller than [`CANVAS`], so the whole
/// series keeps the height it had alone.
pub(super) const ZOOMED_CANVAS: (u32, u32) = (1200, 1000);
/// Of the height below the header: the whole series, then the zoom (the rest: residuals).
const OVERVIEW_SHARE: u32 = 44;
const ZOOM_SHARE: u32 = 34;
/// Split markers: dashed dark grey lines with their names.
pub(super) const SPLIT: RGBColor = RGBColor(90, 90, 90);
/// The test part's span in the whole-series panel, shaded as the part the zoom shows.
pub(super) const ZOOM_BAND: RGBColor = RGBColor(236, 236, 236);

/// What forecast.png shows.
pub struct ForecastInput<'a> {
    /// `series[i]` is the original value at position `i`, in original units.
    pub series: &'a [f64],
    /// One label per series point (the CSV's time column), when there is one: axes then
    /// show dates, ticked on whole years (or quarters, decades).
    pub x_labels: Option<&'a [String]>,
    /// What the values are (the CSV column's name): the value axes' description.
    pub value_name: &'a str,
    /// Each split's predictions: `(index into series, predicted value)`, one per index.
    pub train: &'a [(usize, f64)],
    pub validation: &'a [(usize, f64)],
    pub test: &'a [(usize, f64)],
    /// On top (the caller puts the test RMSE in it).
    pub title: &'a str,
}

/// Draws the series as a line with the train, validation and test predictions overlaid in
/// their own colours (blue actual, orange train, purple validation, green test), the
/// splits marked by dashed lines, a legend above the chart and the title on top. With test
/// predictions, two panels follow: the test part zoomed (with a little context before it)
/// and the test residuals (predicted − actual, red stems from zero). Writes a PNG to `path`
/// (1200×1000 with the panels, 1200×600 without), creating its folder.
///
/// Each split's predictions are drawn in index order, with a break wherever indices are
/// not consecutive; an empty split is left out of the legend. Non-finite values (a
/// diverged run) are skipped, so they break a line instead of wrecking the axis range.
pub fn forecast_png(path: &Path, input: &ForecastInput<'_>) -> Result<()> {
    if let Some(labels) = input.x_labels {
        if labels.len() != input.series.len() {
            bail!(
                "forecast plot: {} x labels for a series of {} points",
                labels.len(),
                input.series.len()
            );
        }
    }
    write_png(path, canvas_size(input), |root| draw_forecast(root, input))
}

/// [`ZOOMED_CANVAS`] when there is a test part to zoom into, [`CANVAS`] otherwise.
pub(super) fn canvas_size(input: &ForecastInput<'_>) -> (u32, u32) {
    if test_span(input).is_some() {
        ZOOMED_CANVAS
    } else {
        CANVAS
    }
}

/// The first and last index with a finite test prediction.
fn test_span(input: &ForecastInput<'_>) -> Option<(usize, usize)> {
    let finite = || {
        input
            .test
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|&(i, _)| i)
    };
    Some((finite().min()?, finite().max()?))
}

/// One line of the picture: `(index, value)` points in one colour and stroke width (px).
struct Layer<'p> {
    label: &'static str,
    color: RGBColor,
    width: u32,
    points: &'p [(usize, f64)],
}

fn draw_forecast(root: &Area<'_>, input: &ForecastInput<'_>) -> Result<()> {
    let actual: Vec<(usize, f64)> = input.series.iter().copied().enumerate().collect();
    let layer = |label, color, width, points| Layer {
        label,
        color,
        width,
        points,
    };
    // Drawn in this order, so predictions lie on top of the (wider) actual line.
    let layers: Vec<Layer> = [
        layer("Actual", BLUE, 3, actual.as_slice()),
        layer("Train prediction", ORANGE, 2, input.train),
        layer("Validation prediction", PURPLE, 2, input.validation),
        layer("Test prediction", GREEN, 2, input.test),
    ]
    .into_iter()
    .filter(|l| l.label == "Actual" || !l.points.is_empty())
    .collect();
    let span = test_span(input);
    let mut legend: Vec<LegendEntry> = layers
        .iter()
        .map(|l| LegendEntry::line(l.label, l.color))
        .collect();
    if span.is_some() {
        legend.push(LegendEntry::line("Test residual (predicted − actual)", RED));
        legend.push(LegendEntry {
            label: "split",
            color: SPLIT,
            sample: Sample::Dashed,
        });
    }
    let area = header(root, input.title, &legend)?;
    // Where each later split starts: (first index, name).
    let splits: Vec<(usize, &str)> = [(input.validation, "validation"), (input.test, "test")]
        .into_iter()
        .filter_map(|(points, name)| Some((points.iter().map(|p| p.0).min()?, name)))
        .collect();

    let Some((first, last)) = span else {
        return draw_overview(&area, input, &layers, &splits, None);
    };
    let h = area.dim_in_pixel().1;
    let (overview, rest) = area.split_vertically(h * OVERVIEW_SHARE / 100);
    let (zoom, residuals) = rest.split_vertically(h * ZOOM_SHARE / 100);
    draw_overview(&overview, input, &layers, &splits, Some((first, last)))?;
    // A little of what came before the test part, so the split shows in the zoom too.
    let context = ((last - first) / 8).max(2);
    let lo = first.saturating_sub(context);
    let x = PositionAxis::new(lo as f64 - 0.5, last as f64 + 0.5, input.x_labels, 10);
    draw_zoom(&zoom, input, &layers, &splits, &x)?;
    draw_residuals(&residuals, input, &x)
}

/// The points of `layer` with an index in `[lo, hi]`.
fn within(points: &[(usize, f64)], lo: f64, hi: f64) -> Vec<(usize, f64)> {
    points
        .iter()
        .copied()
        .filter(|&(i, _)| (lo..=hi).contains(&(i as f64)))
        .collect()
}

/// The whole series with every prediction, the splits marked, the zoomed span shaded.
fn draw_overview(
    area: &Area<'_>,
    input: &ForecastInput<'_>,
    layers: &[Layer<'_>],
    splits: &[(usize, &str)],
    zoomed: Option<(usize, usize)>,
) -> Result<()> {
    let all_points = || layers.iter().flat_map(|l| l.points.iter().copied());
    let last_index = all_points().map(|(i, _)| i).max().unwrap_or(0);
    let x = PositionAxis::new(0.0, (last_index as f64).max(1.0), input.x_labels, 12);
    let y = ValueAxis::fit(all_points().map(|(_, v)| v), false, false, 8);
    let x_label = |c: &f64| x.label(*c);
    let y_label = |c: &f64| y.label(*c);
    // Alone it names its x axis; above the zoom the residual panel does.
    let (x_desc, x_area) = if zoomed.is_some() {
        ("", 36)
    } else {
        (x.desc(), 60)
    };
    let mut chart = ticked_chart(
        area,
        AxisSpec::of(&x.axis, x_desc, &x_label, x_area),
        AxisSpec::of(&y, input.value_name, &y_label, 90),
    )?;
    if let Some((first, last)) = zoomed {
        let band = [
            (first as f64 - 0.5, y.lo),
            ((last as f64 + 0.5).min(x.axis.hi), y.hi),
        ];
        chart
            .draw_series([Rectangle::new(band, ZOOM_BAND.filled())])
            .map_err(draw_err)?;
    }
    for layer in layers {
        draw_index_line(&mut chart, layer.points, layer.color, layer.width)?;
    }
    draw_splits(&mut chart, &y, splits)
}

/// The test part with a little context: actual and every prediction within it.
fn draw_zoom(
    area: &Area<'_>,
    input: &ForecastInput<'_>,
    layers: &[Layer<'_>],
    splits: &[(usize, &str)],
    x: &PositionAxis<'_>,
) -> Result<()> {
    let (lo, hi) = (x.axis.lo, x.axis.hi);
    // Each layer's points within the zoom, beside the layer.
    let shown: Vec<(&Layer<'_>, Vec<(usize, f64)>)> = layers
        .iter()
        .map(|l| (l, within(l.points, lo, hi)))
        .collect();
    let y = ValueAxis::fit(
        shown.iter().flat_map(|(_, p)| p.iter().map(|&(_, v)| v)),
        false,
        false,
        6,
    );
    let x_label = |c: &f64| x.label(*c);
    let y_label = |c: &f64| y.label(*c);
    let desc = format!("{}, test part", input.value_name);
    let mut chart = ticked_chart(
        area,
        AxisSpec::of(&x.axis, "", &x_label, 36),
        AxisSpec::of(&y, &desc, &y_label, 90),
    )?;
    for (layer, points) in &shown {
        draw_index_line(&mut chart, points, layer.color, layer.width)?;
    }
    draw_splits(&mut chart, &y, splits)
}

/// Each test residual (predicted − actual) as a red stem from zero with a dot at its end.
fn draw_residuals(area: &Area<'_>, input: &ForecastInput<'_>, x: &PositionAxis<'_>) -> Result<()> {
    let residuals: Vec<(f64, f64)> = input
        .test
        .iter()
        .filter_map(|&(i, p)| {
            let r = p - input.series.get(i)?;
            r.is_finite().then_some((i as f64, r))
        })
        .filter(|&(i, _)| (x.axis.lo..=x.axis.hi).contains(&i))
        .collect();
    let y = ValueAxis::fit(
        residuals.iter().map(|&(_, r)| r).chain([0.0]),
        false,
        false,
        5,
    );
    let x_label = |c: &f64| x.label(*c);
    let y_label = |c: &f64| y.label(*c);
    let mut chart = ticked_chart(
        area,
        AxisSpec::of(&x.axis, x.desc(), &x_label, 60),
        AxisSpec::of(&y, "residual", &y_label, 90),
    )?;
    draw_zero_line(&mut chart, x.axis.lo, x.axis.hi)?;
    chart
        .draw_series(
            residuals
                .iter()
                .map(|&(i, r)| PathElement::new(vec![(i, 0.0), (i, r)], RED.stroke_width(2))),
        )
        .map_err(draw_err)?;
    chart
        .draw_series(
            residuals
                .iter()
                .map(|&(i, r)| Circle::new((i, r), 3, RED.filled())),
        )
        .map_err(draw_err)?;
    Ok(())
}

/// A dashed line half a step before each split's first index, named at its top right.
fn draw_splits(
    chart: &mut TickedChart<'_, '_>,
    y: &ValueAxis,
    splits: &[(usize, &str)],
) -> Result<()> {
    let style = TextStyle::from((FAMILY, TICK_PX).into_font()).color(&SPLIT);
    for &(first, name) in splits {
        let c = first as f64 - 0.5;
        let (x_lo, x_hi) = {
            let r = chart.x_range();
            (r.start, r.end)
        };
        if !(x_lo..=x_hi).contains(&c) {
            continue;
        }
        chart
            .draw_series([DashedPathElement::new(
                vec![(c, y.lo), (c, y.hi)],
                6,
                4,
                SPLIT.stroke_width(2),
            )])
            .map_err(draw_err)?;
        chart
            .draw_series([
                EmptyElement::at((c, y.hi)) + Text::new(format!("{name} →"), (5, 3), style.clone())
            ])
            .map_err(draw_err)?;
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
    use crate::plot::pixels::{assert_png, assert_png_size, at_fraction, out_dir, Pixels, Rect};

    fn input<'a>(
        series: &'a [f64],
        x_labels: Option<&'a [String]>,
        train: &'a [(usize, f64)],
        validation: &'a [(usize, f64)],
        test: &'a [(usize, f64)],
        title: &'a str,
    ) -> ForecastInput<'a> {
        ForecastInput {
            series,
            x_labels,
            value_name: "value",
            train,
            validation,
            test,
            title,
        }
    }

    fn render(input: &ForecastInput<'_>) -> Pixels {
        Pixels::render(canvas_size(input), |root| draw_forecast(root, input))
    }

    fn colours_in(px: &Pixels, area: &Rect, min: usize) -> Vec<RGBColor> {
        SERIES_COLORS
            .iter()
            .copied()
            .filter(|&c| px.count(c, 0, area) >= min)
            .collect()
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
    /// predictions cover indices 10..800 and test predictions 810..1000. Three panels: the
    /// whole series (actual across the width, train in the left four fifths, test in the
    /// right fifth, the split marked at 80%), the test part zoomed (the test prediction
    /// over most of the width), and the residuals (red, in that panel only).
    #[test]
    fn sine_forecast_draws_each_split_where_it_belongs_with_a_zoom_and_residuals() {
        let series: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.1).sin()).collect();
        let predict = |i: usize| (i, series[i] + 0.05 * (i as f64 * 0.37).cos());
        let train: Vec<_> = (10..800).map(predict).collect();
        let test: Vec<_> = (810..1000).map(predict).collect();
        let title = "sine: test RMSE 0.0354";
        let inp = input(&series, None, &train, &[], &test, title);
        let path = out_dir("forecast-sine").join("plots").join("forecast.png");
        forecast_png(&path, &inp).unwrap();
        assert_png_size(&path, (1200, 1000), 30_000);
        let px = render(&inp);
        assert_eq!(px.size(), (1200, 1000));
        let areas = px.plot_areas();
        assert_eq!(areas.len(), 3, "{areas:?}");
        let (area, zoom, resid) = (&areas[0], &areas[1], &areas[2]);
        assert!(area.x.len() > 1000 && area.y.len() > 300, "{area:?}");
        assert_eq!(colours_in(&px, area, 500), [BLUE, ORANGE, GREEN]);

        let actual = px.bounds(BLUE, 0, area).unwrap();
        assert!(actual.x.start <= area.x.start + 3 && actual.x.end + 3 >= area.x.end);
        assert!(
            actual.y.len() * 10 >= area.y.len() * 8,
            "{actual:?} in {area:?}"
        );
        let train_px = px.bounds(ORANGE, 0, area).unwrap();
        let test_px = px.bounds(GREEN, 0, area).unwrap();
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
        // The split: a dashed line at index 809.5 of 999, in the whole-series panel.
        let below_name = Rect {
            x: area.x.clone(),
            y: area.y.start + 30..area.y.end,
        };
        let split = px.column_groups(SPLIT, 0, &below_name, 3);
        assert!(!split.is_empty(), "no split marker");
        let at = at_fraction(&area.x, 809.5 / 999.0);
        assert!(
            split[0].start <= at + 2 && split[0].end + 2 >= at,
            "{split:?} {at}"
        );

        // The zoom: indices 787.5..999.5, the test prediction from index 810 on, over the
        // right nine tenths; the residuals below in red, and red nowhere else.
        // (The train prediction shows only in the context before the split.)
        assert_eq!(colours_in(&px, zoom, 300), [BLUE, GREEN]);
        assert!(px.count(ORANGE, 0, zoom) > 30);
        let zoomed = px.bounds(GREEN, 0, zoom).unwrap();
        assert!(
            zoomed.x.len() * 10 >= zoom.x.len() * 8,
            "{zoomed:?} in {zoom:?}"
        );
        assert!(
            zoomed.x.start <= at_fraction(&zoom.x, 23.0 / 212.0) + 3,
            "{zoomed:?}"
        );
        let stems = px.bounds(RED, 0, resid).unwrap();
        assert!(px.count(RED, 0, resid) > 1000, "{stems:?}");
        assert!(
            stems.x.len() * 10 >= resid.x.len() * 8,
            "{stems:?} in {resid:?}"
        );
        assert!(
            stems.y.len() * 10 >= resid.y.len() * 7,
            "{stems:?} in {resid:?}"
        );
        assert_eq!(px.count(RED, 0, area) + px.count(RED, 0, zoom), 0);
        // The legend names the lines in their colours, and no validation.
        let head = Rect {
            x: 0..1200,
            y: 0..area.y.start - 10,
        };
        for c in [BLUE, ORANGE, GREEN, RED] {
            assert!(px.count(c, 0, &head) > 50, "{c:?}");
        }
        assert_eq!(px.count(PURPLE, 0, &head), 0);
    }

    /// Airline-like data with time labels and a validation split: four lines in the
    /// whole-series panel, the validation prediction between the train and test ones.
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
        let title = "airline: test RMSE 12.3";
        let inp = input(&series, Some(&labels), &train, &validation, &test, title);
        let path = out_dir("forecast-labels").join("forecast.png");
        forecast_png(&path, &inp).unwrap();
        assert_png_size(&path, (1200, 1000), 30_000);
        let px = render(&inp);
        let areas = px.plot_areas();
        assert_eq!(areas.len(), 3, "{areas:?}");
        let area = &areas[0];
        assert_eq!(colours_in(&px, area, 100), [BLUE, ORANGE, GREEN, PURPLE]);
        let val = px.bounds(PURPLE, 0, area).unwrap();
        let train_px = px.bounds(ORANGE, 0, area).unwrap();
        let test_px = px.bounds(GREEN, 0, area).unwrap();
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
        // Two split markers (validation, test) in the whole-series panel, below their names.
        let below_names = Rect {
            x: area.x.clone(),
            y: area.y.start + 30..area.y.end,
        };
        assert_eq!(px.column_groups(SPLIT, 0, &below_names, 3).len(), 2);
    }

    /// A constant series is a flat line across the middle of the plot; an empty one, a
    /// single point and a diverged (NaN) prediction still give a picture with axes, and
    /// without test predictions there is no zoom: one panel on 1200×600.
    #[test]
    fn constant_series_and_degenerate_inputs_are_drawn() {
        let series = vec![5.0; 50];
        let test: Vec<_> = (40..50).map(|i| (i, 5.0)).collect();
        let px = render(&input(&series, None, &[], &[], &test, "constant"));
        let area = &px.plot_areas()[0];
        let actual = px.bounds(BLUE, 0, area).unwrap();
        let middle = at_fraction(&area.y, 0.5);
        assert!(
            actual.y.len() <= 6 && actual.y.contains(&middle),
            "{actual:?}"
        );
        assert!(actual.x.len() * 10 >= area.x.len() * 7, "{actual:?}");

        let empty = render(&input(&[], None, &[], &[], &[], "empty"));
        assert_eq!(empty.size(), (1200, 600));
        assert_eq!(empty.plot_areas().len(), 1);
        assert_eq!(empty.drawn(&SERIES_COLORS, 1), []);
        // The single actual point is a dot; the NaN prediction is not drawn.
        let diverged = [(0, f64::NAN)];
        let single = render(&input(&[1.0], None, &diverged, &[], &[], "diverged"));
        assert_eq!(single.drawn(&SERIES_COLORS, 10), [BLUE]);

        let dir = out_dir("forecast-degenerate");
        let path = dir.join("empty.png");
        forecast_png(&path, &input(&[], None, &[], &[], &[], "empty")).unwrap();
        assert_png(&path, 5_000);
    }

    #[test]
    fn mismatched_x_labels_are_an_error() {
        let dir = out_dir("forecast-bad-labels");
        let labels = vec!["a".to_string()];
        let err = forecast_png(
            &dir.join("x.png"),
            &input(&[1.0, 2.0], Some(&labels), &[], &[], &[], "t"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("1 x labels for a series of 2 points"), "{err}");
        assert!(!dir.join("x.png").exists());
    }
}
