//! The best configs' test forecasts over the actual test span: how close the winners get,
//! and where they differ. Forecasts a few percent apart lie on one line at the series'
//! scale, so a second panel shows each one's error (predicted − actual) at its own scale.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::axis::{ticked_chart, AxisSpec, TickedChart, ValueAxis};
use super::frame::{
    centered_note, draw_err, header, write_png, Area, LegendEntry, Sample, SERIES_COLORS,
};
use super::lines::{contiguous_runs, draw_zero_line};
use super::time_axis::PositionAxis;

/// At most this many forecasts are overlaid; more would be unreadable.
pub const MAX_FORECASTS: usize = SERIES_COLORS.len();

/// The canvas: the forecasts' panel and the errors' panel below it.
pub(super) const BEST_CANVAS: (u32, u32) = (1200, 900);
/// Of the height below the header, the forecasts' panel's share (percent).
const FORECAST_SHARE: u32 = 60;

/// The actual series: dark grey dots drawn over the forecasts, so it stays visible where
/// they cover each other.
pub(super) const ACTUAL: RGBColor = RGBColor(60, 60, 60);

/// Each forecast's stroke besides its colour: solid, then dashes of falling length (px
/// drawn, px skipped), so lines that coincide still tell apart where they part.
const DASHES: [Option<(u32, u32)>; MAX_FORECASTS] = [
    None,
    Some((12, 5)),
    Some((4, 4)),
    Some((18, 6)),
    Some((8, 3)),
];

/// What best.png (and backtest.png, paths.png) show.
pub struct BestInput<'a> {
    /// `(index into the series, value)` in original units.
    pub actual: &'a [(usize, f64)],
    /// `(label, (index, predicted value))`, best first. Only the first [`MAX_FORECASTS`] are
    /// drawn; the title then says how many were given.
    pub forecasts: &'a [(String, Vec<(usize, f64)>)],
    /// One label per series point (the time column), when there is one.
    pub x_labels: Option<&'a [String]>,
    /// What the values are: the value axis' description.
    pub value_name: &'a str,
    pub title: &'a str,
}

/// Draws the `actual` test span (dark dots on top) and the forecasts of the best configs,
/// each in its own colour and dash (the same colours, in the same order, as
/// [`super::losses_png`]), with a legend of the labels and the title on top; below, each
/// forecast's error against the actual values, in the same colour and dash, around a zero
/// line. Writes a 1200×900 PNG to `path`, creating its folder.
///
/// Lines break at gaps in the indices and at non-finite values, which are skipped.
pub fn best_png(path: &Path, input: &BestInput<'_>) -> Result<()> {
    write_png(path, BEST_CANVAS, |root| draw_best(root, input))
        .with_context(|| format!("cannot write the best-forecasts plot {}", path.display()))
}

fn draw_best(root: &Area<'_>, input: &BestInput<'_>) -> Result<()> {
    let forecasts = input.forecasts;
    let shown = &forecasts[..forecasts.len().min(MAX_FORECASTS)];
    let title = if forecasts.len() > shown.len() {
        format!(
            "{} (best {} of {})",
            input.title,
            shown.len(),
            forecasts.len()
        )
    } else {
        input.title.to_string()
    };
    let mut legend = vec![LegendEntry {
        label: "Actual",
        color: ACTUAL,
        sample: Sample::Dot,
    }];
    legend.extend(shown.iter().zip(SERIES_COLORS).zip(DASHES).map(
        |(((label, _), color), dash)| LegendEntry {
            label,
            color,
            sample: if dash.is_some() {
                Sample::Dashed
            } else {
                Sample::Line
            },
        },
    ));
    let area = header(root, &title, &legend)?;
    let h = area.dim_in_pixel().1;
    let (top, bottom) = area.split_vertically(h * FORECAST_SHARE / 100);

    let actual = input.actual;
    let all = || {
        actual
            .iter()
            .chain(shown.iter().flat_map(|(_, points)| points))
            .filter(|(_, v)| v.is_finite())
    };
    let first = all().map(|&(i, _)| i).min().unwrap_or(0) as f64;
    let last = all().map(|&(i, _)| i).max().unwrap_or(1) as f64;
    let (lo, hi) = if last > first {
        (first, last)
    } else {
        (first - 1.0, first + 1.0)
    };
    let x = PositionAxis::new(lo, hi, input.x_labels, 10);
    let y = ValueAxis::fit(all().map(|&(_, v)| v), false, false, 8);
    let x_label = |c: &f64| x.label(*c);
    let y_label = |c: &f64| y.label(*c);
    let mut chart = ticked_chart(
        &top,
        AxisSpec::of(&x.axis, "", &x_label, 36),
        AxisSpec::of(&y, input.value_name, &y_label, 90),
    )?;
    if all().next().is_none() {
        centered_note(
            &chart.plotting_area().strip_coord_spec(),
            "no test predictions",
        )?;
    }
    // The best first, solid, beneath the dashed ones: where lines coincide each shows
    // through the gaps of those above it. The actual dots over all.
    for (((_, points), color), dash) in shown.iter().zip(SERIES_COLORS).zip(DASHES) {
        draw_styled(&mut chart, points, color, dash)?;
    }
    chart
        .draw_series(
            actual
                .iter()
                .filter(|(_, v)| v.is_finite())
                .map(|&(i, v)| Circle::new((i as f64, v), 3, ACTUAL.filled())),
        )
        .map_err(draw_err)?;

    // Each forecast's error where the actual value is known.
    let actual_at: HashMap<usize, f64> = actual.iter().copied().collect();
    let errors: Vec<Vec<(usize, f64)>> = shown
        .iter()
        .map(|(_, points)| {
            points
                .iter()
                .filter_map(|&(i, p)| Some((i, p - actual_at.get(&i)?)))
                .collect()
        })
        .collect();
    let ey = ValueAxis::fit(
        errors.iter().flatten().map(|&(_, e)| e).chain([0.0]),
        false,
        false,
        5,
    );
    let ey_label = |c: &f64| ey.label(*c);
    let mut chart = ticked_chart(
        &bottom,
        AxisSpec::of(&x.axis, x.desc(), &x_label, 60),
        AxisSpec::of(&ey, "error (predicted − actual)", &ey_label, 90),
    )?;
    draw_zero_line(&mut chart, x.axis.lo, x.axis.hi)?;
    for ((points, color), dash) in errors.iter().zip(SERIES_COLORS).zip(DASHES) {
        draw_styled(&mut chart, points, color, dash)?;
    }
    Ok(())
}

/// `points` as 2 px lines broken at gaps, solid or with `dash` (px on, px off); a point
/// alone is a dot.
fn draw_styled(
    chart: &mut TickedChart<'_, '_>,
    points: &[(usize, f64)],
    color: RGBColor,
    dash: Option<(u32, u32)>,
) -> Result<()> {
    for run in contiguous_runs(points) {
        if run.len() == 1 {
            chart
                .draw_series([Circle::new(run[0], 4, color.filled())])
                .map_err(draw_err)?;
        } else if let Some((on, off)) = dash {
            chart
                .draw_series([DashedPathElement::new(run, on, off, color.stroke_width(2))])
                .map_err(draw_err)?;
        } else {
            chart
                .draw_series([PathElement::new(run, color.stroke_width(2))])
                .map_err(draw_err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::pixels::{assert_png_size, at_fraction, out_dir, Pixels};

    fn input<'a>(
        actual: &'a [(usize, f64)],
        forecasts: &'a [(String, Vec<(usize, f64)>)],
        title: &'a str,
    ) -> BestInput<'a> {
        BestInput {
            actual,
            forecasts,
            x_labels: None,
            value_name: "value",
            title,
        }
    }

    /// Those of `colors` with at least `min` pixels in the forecasts' panel.
    fn drawn_top(px: &Pixels, colors: &[RGBColor], min: usize) -> Vec<RGBColor> {
        let top = &px.plot_areas()[0];
        colors
            .iter()
            .copied()
            .filter(|&c| px.count(c, 0, top) >= min)
            .collect()
    }

    fn render(actual: &[(usize, f64)], forecasts: &[(String, Vec<(usize, f64)>)]) -> Pixels {
        Pixels::render(BEST_CANVAS, |root| {
            draw_best(root, &input(actual, forecasts, "t"))
        })
    }

    /// `(index, value)` points of one line.
    type Line = Vec<(usize, f64)>;

    /// The tutorial's test span (indices 810..1000 of a 0.1-step sine) and five forecasts
    /// with growing errors.
    fn five_forecasts() -> (Line, Vec<(String, Line)>) {
        let actual: Vec<(usize, f64)> = (810..1000).map(|i| (i, (i as f64 * 0.1).sin())).collect();
        let labels = [
            "lookback=20 units=50x50 lr=0.003",
            "lookback=10 units=50x50 lr=0.003",
            "lookback=20 units=32 lr=0.003",
            "lookback=10 units=32 lr=0.001",
            "lookback=5 units=50x50 lr=0.001",
        ];
        let forecasts = labels
            .iter()
            .enumerate()
            .map(|(k, label)| {
                let err = 0.01 * (k + 1) as f64;
                let points = actual
                    .iter()
                    .map(|&(i, v)| (i, v + err * (i as f64 * 0.37 + k as f64).cos()))
                    .collect();
                (label.to_string(), points)
            })
            .collect();
        (actual, forecasts)
    }

    /// Five forecasts and the actual dots: six colours in the forecasts' panel, each
    /// spanning the test span's width and the sine's height, each named in the legend. In
    /// the errors' panel below, the five colours again, the error growing with the rank
    /// (0.01 × (k + 1)): each config's band is taller than the one before.
    #[test]
    fn five_best_forecasts_are_drawn_over_the_actual_span_with_their_errors() {
        let (actual, forecasts) = five_forecasts();
        let px = render(&actual, &forecasts);
        assert_eq!(px.size(), (1200, 900));
        let areas = px.plot_areas();
        assert_eq!(areas.len(), 2, "{areas:?}");
        let (area, errors) = (&areas[0], &areas[1]);
        let head = px.header();
        for color in SERIES_COLORS.into_iter().chain([ACTUAL]) {
            assert!(px.count(color, 0, area) > 200, "{color:?}");
            let b = px.bounds(color, 0, area).expect("colour missing");
            assert!(b.x.len() * 10 >= area.x.len() * 9, "{color:?}: {b:?}");
            assert!(b.y.len() * 10 >= area.y.len() * 7, "{color:?}: {b:?}");
            assert!(
                px.count(color, 0, &head) > 20,
                "{color:?} not in the legend"
            );
        }
        let heights: Vec<usize> = SERIES_COLORS
            .iter()
            .map(|&c| px.bounds(c, 0, errors).expect("error line missing").y.len())
            .collect();
        assert!(heights.windows(2).all(|w| w[0] < w[1]), "{heights:?}");
        // The actual values are drawn in the forecasts' panel only.
        assert_eq!(px.count(ACTUAL, 0, errors), 0);

        // Seven given: five drawn (the title says so), through the file-writing path.
        let mut seven = forecasts.clone();
        seven.extend(forecasts[..2].iter().cloned());
        let top = &render(&actual, &seven).plot_areas()[0];
        let px7 = render(&actual, &seven);
        let drawn: Vec<RGBColor> = SERIES_COLORS
            .into_iter()
            .filter(|&c| px7.count(c, 0, top) > 200)
            .collect();
        assert_eq!(drawn, SERIES_COLORS);
        let path = out_dir("sweep-best").join("plots").join("best7.png");
        best_png(&path, &input(&actual, &seven, "sine_grid: best 5 configs")).unwrap();
        assert_png_size(&path, (1200, 900), 30_000);
    }

    /// Three forecasts that coincide: the best solid beneath, the others dashed above it,
    /// so each colour still shows over the whole span, and the actual dots on top.
    #[test]
    fn coinciding_forecasts_stay_distinguishable() {
        let actual: Vec<(usize, f64)> = (0..100).map(|i| (i, (i as f64 * 0.1).sin())).collect();
        let same: Vec<(usize, f64)> = actual.iter().map(|&(i, v)| (i, v + 0.2)).collect();
        let forecasts: Vec<(String, Vec<(usize, f64)>)> = ["a", "b", "c"]
            .iter()
            .map(|l| (l.to_string(), same.clone()))
            .collect();
        let px = render(&actual, &forecasts);
        let area = &px.plot_areas()[0];
        for &c in &SERIES_COLORS[..3] {
            let b = px.bounds(c, 0, area).expect("colour hidden");
            // Measured: 501, 1497, 2844 px (solid beneath, then dashes on top).
            assert!(
                px.count(c, 0, area) > 300,
                "{c:?}: {}",
                px.count(c, 0, area)
            );
            assert!(b.x.len() * 10 >= area.x.len() * 9, "{c:?}: {b:?}");
        }
        assert!(px.count(ACTUAL, 0, area) > 500);
    }

    /// Nothing at all, a single point each (dots), and diverged forecasts (nothing of
    /// theirs drawn, the actual line still is).
    #[test]
    fn degenerate_inputs_draw_what_is_finite() {
        let empty = render(&[], &[]);
        // The grey note "no test predictions" has a few pixels of the actual line's grey.
        assert_eq!(drawn_top(&empty, &[ACTUAL, SERIES_COLORS[0]], 100), []);
        let one = vec![("only".to_string(), vec![(5, 1.5)])];
        let single = render(&[(5, 1.0)], &one);
        assert_eq!(
            drawn_top(&single, &[ACTUAL, SERIES_COLORS[0]], 20),
            [ACTUAL, SERIES_COLORS[0]]
        );
        // The forecast (1.5) is above the actual value (1.0).
        let area = single.plot_areas()[0].clone();
        let (f, a) = (
            single.bounds(SERIES_COLORS[0], 0, &area).unwrap(),
            single.bounds(ACTUAL, 0, &area).unwrap(),
        );
        assert!(f.y.end <= a.y.start, "{f:?} {a:?}");
        assert!(f.y.start <= at_fraction(&area.y, 0.1), "{f:?}");

        let nan = vec![("diverged".to_string(), vec![(0, f64::NAN), (1, f64::NAN)])];
        let px = render(&[(0, 1.0), (1, 2.0), (2, f64::NAN)], &nan);
        assert_eq!(drawn_top(&px, &[ACTUAL, SERIES_COLORS[0]], 20), [ACTUAL]);
    }

    #[test]
    fn unwritable_path_is_an_error_naming_the_file() {
        let dir = out_dir("sweep-best-error");
        std::fs::write(dir.join("plots"), "not a folder").unwrap();
        let path = dir.join("plots").join("best.png");
        let msg = format!("{:#}", best_png(&path, &input(&[], &[], "t")).unwrap_err());
        assert!(msg.contains("best.png"), "{msg}");
    }
}
