//! The best configs' test forecasts over the actual test span: how close the winners get,
//! and where they differ.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::prelude::*;

use super::axis::{ticked_chart, AxisSpec, TickedChart, ValueAxis};
use super::forecast::contiguous_runs;
use super::frame::{centered_note, draw_err, header, open_canvas, LegendEntry, SERIES_COLORS};

/// At most this many forecasts are overlaid; more would be unreadable.
pub const MAX_FORECASTS: usize = SERIES_COLORS.len();

/// The actual series: light grey and wide, so the coloured forecasts read on top of it.
const ACTUAL: RGBColor = RGBColor(150, 150, 150);

/// Draws the `actual` test span and the `forecasts` of the best configs over it, each in
/// its own colour (the same colours, in the same order, as [`super::losses_png`]), with a
/// legend of the config labels and `title` on top. Writes a 1200×600 PNG to `path`,
/// creating its folder.
///
/// - `actual`: `(index into the series, value)` in original units;
/// - `forecasts`: `(config label, (index, predicted value))`, best first. Only the first
///   [`MAX_FORECASTS`] are drawn; the title then says how many were given.
///
/// Lines break at gaps in the indices and at non-finite values, which are skipped.
pub fn best_png(
    path: &Path,
    actual: &[(usize, f64)],
    forecasts: &[(String, Vec<(usize, f64)>)],
    title: &str,
) -> Result<()> {
    draw_best(path, actual, forecasts, title)
        .with_context(|| format!("cannot write the best-forecasts plot {}", path.display()))
}

fn draw_best(
    path: &Path,
    actual: &[(usize, f64)],
    forecasts: &[(String, Vec<(usize, f64)>)],
    title: &str,
) -> Result<()> {
    let shown = &forecasts[..forecasts.len().min(MAX_FORECASTS)];
    let title = if forecasts.len() > shown.len() {
        format!("{title} (best {} of {})", shown.len(), forecasts.len())
    } else {
        title.to_string()
    };
    let mut legend = vec![LegendEntry::line("Actual", ACTUAL)];
    legend.extend(
        shown
            .iter()
            .zip(SERIES_COLORS)
            .map(|((label, _), color)| LegendEntry::line(label, color)),
    );

    let root = open_canvas(path)?;
    let area = header(&root, &title, &legend)?;

    let all = || {
        actual
            .iter()
            .chain(shown.iter().flat_map(|(_, points)| points))
            .filter(|(_, v)| v.is_finite())
    };
    let first = all().map(|&(i, _)| i).min().unwrap_or(0) as f64;
    let last = all().map(|&(i, _)| i).max().unwrap_or(1) as f64;
    let x = if last > first {
        ValueAxis::linear(first, last, true, 12)
    } else {
        ValueAxis::linear(first - 1.0, first + 1.0, true, 12)
    };
    let y = ValueAxis::fit(all().map(|&(_, v)| v), false, false, 8);
    let x_label = |c: &f64| x.label(*c);
    let y_label = |c: &f64| y.label(*c);
    let mut chart = ticked_chart(
        &area,
        AxisSpec::of(&x, "index", &x_label, 60),
        AxisSpec::of(&y, "value", &y_label, 90),
    )?;
    if all().next().is_none() {
        centered_note(
            &chart.plotting_area().strip_coord_spec(),
            "no test predictions",
        )?;
    }
    draw_line(&mut chart, actual, ACTUAL, 5)?;
    // The best last, so it is on top where lines cross.
    for ((_, points), color) in shown.iter().zip(SERIES_COLORS).rev() {
        draw_line(&mut chart, points, color, 2)?;
    }
    root.present().map_err(draw_err)?;
    Ok(())
}

/// `points` as lines of `width` px, broken at gaps; a point alone is drawn as a dot.
fn draw_line(
    chart: &mut TickedChart<'_, '_>,
    points: &[(usize, f64)],
    color: RGBColor,
    width: u32,
) -> Result<()> {
    let runs = contiguous_runs(points);
    chart
        .draw_series(
            runs.iter()
                .filter(|run| run.len() > 1)
                .map(|run| PathElement::new(run.clone(), color.stroke_width(width))),
        )
        .map_err(draw_err)?;
    chart
        .draw_series(
            runs.iter()
                .filter(|run| run.len() == 1)
                .map(|run| Circle::new(run[0], width + 2, color.filled())),
        )
        .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{assert_png, out_dir};

    /// The tutorial's test span (indices 810..1000 of a 0.1-step sine) and five forecasts
    /// with growing errors.
    #[test]
    fn five_best_forecasts_over_the_test_span_write_a_png() {
        let dir = out_dir("sweep-best");
        let actual: Vec<(usize, f64)> = (810..1000).map(|i| (i, (i as f64 * 0.1).sin())).collect();
        let labels = [
            "lookback=20 units=50x50 lr=0.003",
            "lookback=10 units=50x50 lr=0.003",
            "lookback=20 units=32 lr=0.003",
            "lookback=10 units=32 lr=0.001",
            "lookback=5 units=50x50 lr=0.001",
        ];
        let forecasts: Vec<(String, Vec<(usize, f64)>)> = labels
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
        let path = dir.join("plots").join("best.png");
        best_png(
            &path,
            &actual,
            &forecasts,
            "sine_grid: best 5 configs on the test span",
        )
        .unwrap();
        assert_png(&path, 20_000);

        // Seven given: five drawn, the title says so.
        let mut seven = forecasts.clone();
        seven.extend(forecasts[..2].iter().cloned());
        let path = dir.join("plots").join("best7.png");
        best_png(&path, &actual, &seven, "seven").unwrap();
        assert_png(&path, 20_000);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let dir = out_dir("sweep-best-degenerate");
        let path = dir.join("empty.png");
        best_png(&path, &[], &[], "nothing").unwrap();
        assert_png(&path, 5_000);
        let path = dir.join("single.png");
        let one = vec![("only".to_string(), vec![(5, 1.5)])];
        best_png(&path, &[(5, 1.0)], &one, "one point").unwrap();
        assert_png(&path, 5_000);
        let path = dir.join("nan.png");
        let nan = vec![("diverged".to_string(), vec![(0, f64::NAN), (1, f64::NAN)])];
        best_png(
            &path,
            &[(0, 1.0), (1, 2.0), (2, f64::NAN)],
            &nan,
            "diverged",
        )
        .unwrap();
        assert_png(&path, 5_000);
    }

    #[test]
    fn unwritable_path_is_an_error_naming_the_file() {
        let dir = out_dir("sweep-best-error");
        std::fs::write(dir.join("plots"), "not a folder").unwrap();
        let path = dir.join("plots").join("best.png");
        let msg = format!("{:#}", best_png(&path, &[], &[], "t").unwrap_err());
        assert!(msg.contains("best.png"), "{msg}");
    }
}
