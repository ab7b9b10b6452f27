//! The best configs' test forecasts over the actual test span: how close the winners get,
//! and where they differ.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::prelude::*;

use super::axis::{ticked_chart, AxisSpec, ValueAxis};
use super::frame::{centered_note, header, write_png, Area, LegendEntry, CANVAS, SERIES_COLORS};
use super::lines::draw_index_line;

/// At most this many forecasts are overlaid; more would be unreadable.
pub const MAX_FORECASTS: usize = SERIES_COLORS.len();

/// The actual series: light grey and wide, so the coloured forecasts read on top of it.
const ACTUAL: RGBColor = RGBColor(150, 150, 150);

/// Draws the `actual` test span (a wide grey line) and the `forecasts` of the best configs
/// over it, each in its own colour (the same colours, in the same order, as [`super::losses_png`]), with a
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
    write_png(path, CANVAS, |root| {
        draw_best(root, actual, forecasts, title)
    })
    .with_context(|| format!("cannot write the best-forecasts plot {}", path.display()))
}

fn draw_best(
    root: &Area<'_>,
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

    let area = header(root, &title, &legend)?;

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
    draw_index_line(&mut chart, actual, ACTUAL, 5)?;
    // The best last, so it is on top where lines cross.
    for ((_, points), color) in shown.iter().zip(SERIES_COLORS).rev() {
        draw_index_line(&mut chart, points, color, 2)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::pixels::{assert_png, at_fraction, out_dir, Pixels};

    fn render(actual: &[(usize, f64)], forecasts: &[(String, Vec<(usize, f64)>)]) -> Pixels {
        Pixels::render(CANVAS, |root| draw_best(root, actual, forecasts, "t"))
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

    /// Five forecasts and the actual line: six colours in the plot, each spanning the test
    /// span's width and the sine's height, each named in the legend.
    #[test]
    fn five_best_forecasts_are_drawn_over_the_actual_span() {
        let (actual, forecasts) = five_forecasts();
        let px = render(&actual, &forecasts);
        assert_eq!(px.drawn(&SERIES_COLORS, 200), SERIES_COLORS);
        let area = px.plot_area();
        let head = px.header();
        for color in SERIES_COLORS.into_iter().chain([ACTUAL]) {
            let b = px.bounds(color, 0, &area).expect("colour missing");
            assert!(b.x.len() * 10 >= area.x.len() * 9, "{color:?}: {b:?}");
            assert!(b.y.len() * 10 >= area.y.len() * 7, "{color:?}: {b:?}");
            assert!(
                px.count(color, 0, &head) > 50,
                "{color:?} not in the legend"
            );
        }

        // Seven given: five drawn (the title says so), through the file-writing path.
        let mut seven = forecasts.clone();
        seven.extend(forecasts[..2].iter().cloned());
        assert_eq!(
            render(&actual, &seven).drawn(&SERIES_COLORS, 200),
            SERIES_COLORS
        );
        let path = out_dir("sweep-best").join("plots").join("best7.png");
        best_png(&path, &actual, &seven, "sine_grid: best 5 configs").unwrap();
        assert_png(&path, 20_000);
    }

    /// Nothing at all, a single point each (dots), and diverged forecasts (nothing of
    /// theirs drawn, the actual line still is).
    #[test]
    fn degenerate_inputs_draw_what_is_finite() {
        let empty = render(&[], &[]);
        // The grey note "no test predictions" has a few pixels of the actual line's grey.
        assert_eq!(empty.drawn(&[ACTUAL, SERIES_COLORS[0]], 100), []);
        let one = vec![("only".to_string(), vec![(5, 1.5)])];
        let single = render(&[(5, 1.0)], &one);
        assert_eq!(
            single.drawn(&[ACTUAL, SERIES_COLORS[0]], 20),
            [ACTUAL, SERIES_COLORS[0]]
        );
        // The forecast (1.5) is above the actual value (1.0).
        let area = single.plot_area();
        let (f, a) = (
            single.bounds(SERIES_COLORS[0], 0, &area).unwrap(),
            single.bounds(ACTUAL, 0, &area).unwrap(),
        );
        assert!(f.y.end <= a.y.start, "{f:?} {a:?}");
        assert!(f.y.start <= at_fraction(&area.y, 0.1), "{f:?}");

        let nan = vec![("diverged".to_string(), vec![(0, f64::NAN), (1, f64::NAN)])];
        let px = render(&[(0, 1.0), (1, 2.0), (2, f64::NAN)], &nan);
        assert_eq!(px.drawn(&[ACTUAL, SERIES_COLORS[0]], 20), [ACTUAL]);
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
