//! Training-loss curves of several configs on one chart, to compare how they converge.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::prelude::*;

use super::axis::{ticked_chart, AxisSpec, ValueAxis};
use super::frame::{centered_note, draw_err, header, open_canvas, LegendEntry, SERIES_COLORS};

/// At most this many curves are drawn; more would be unreadable.
pub const MAX_CURVES: usize = SERIES_COLORS.len();

/// Epochs are marked with dots when every curve has at most this many.
const MAX_MARKED_EPOCHS: usize = 30;

/// Draws the per-epoch training loss of each config in `curves` (`(config label, (epoch,
/// loss))`, best first) in its own colour (the same colours, in the same order, as
/// [`super::best_png`]), with a legend of the labels and `title` on top. Writes a 1200×600
/// PNG to `path`, creating its folder.
///
/// Only the first [`MAX_CURVES`] curves are drawn; the title then says how many were given.
/// The loss axis is logarithmic when the losses are positive and span a decade or more.
/// A non-finite loss (a diverged epoch) is skipped and breaks its curve there.
pub fn losses_png(path: &Path, curves: &[(String, Vec<(u32, f64)>)], title: &str) -> Result<()> {
    draw_losses(path, curves, title)
        .with_context(|| format!("cannot write the loss-curves plot {}", path.display()))
}

fn draw_losses(path: &Path, curves: &[(String, Vec<(u32, f64)>)], title: &str) -> Result<()> {
    let shown = &curves[..curves.len().min(MAX_CURVES)];
    let title = if curves.len() > shown.len() {
        format!("{title} (best {} of {})", shown.len(), curves.len())
    } else {
        title.to_string()
    };
    let legend: Vec<LegendEntry> = shown
        .iter()
        .zip(SERIES_COLORS)
        .map(|((label, _), color)| LegendEntry::line(label, color))
        .collect();

    let root = open_canvas(path)?;
    let area = header(&root, &title, &legend)?;

    let segments: Vec<Vec<Vec<(u32, f64)>>> = shown.iter().map(|(_, c)| segments(c)).collect();
    let finite = || segments.iter().flatten().flatten();
    // Epochs of every row, finite or not, so a diverged tail still shows on the x axis.
    let epochs = || {
        shown
            .iter()
            .flat_map(|(_, c)| c.iter().map(|&(e, _)| f64::from(e)))
    };
    let first = epochs().fold(f64::INFINITY, f64::min);
    let last = epochs().fold(f64::NEG_INFINITY, f64::max);
    let x = if last > first {
        ValueAxis::linear(first, last, true, 12)
    } else if first.is_finite() {
        ValueAxis::linear((first - 1.0).max(0.0), first + 1.0, true, 12)
    } else {
        ValueAxis::linear(0.0, 1.0, true, 12)
    };
    let y = ValueAxis::fit(finite().map(|&(_, v)| v), true, false, 10);
    // Losses are not negative; a linear axis padded below zero would suggest they were.
    let y = if !y.log && y.lo < 0.0 && finite().all(|&(_, v)| v >= 0.0) {
        ValueAxis::linear(0.0, y.hi, false, 10)
    } else {
        y
    };
    let x_label = |c: &f64| x.label(*c);
    let y_label = |c: &f64| y.label(*c);
    let mut chart = ticked_chart(
        &area,
        AxisSpec::of(&x, "epoch", &x_label, 60),
        AxisSpec::of(&y, "training loss", &y_label, 90),
    )?;
    if finite().next().is_none() {
        centered_note(
            &chart.plotting_area().strip_coord_spec(),
            "no finite losses",
        )?;
    }

    let markers = shown.iter().all(|(_, c)| c.len() <= MAX_MARKED_EPOCHS);
    // The best last, so it is on top where curves cross.
    for (segs, color) in segments.iter().zip(SERIES_COLORS).rev() {
        let to_coords = |seg: &Vec<(u32, f64)>| -> Vec<(f64, f64)> {
            seg.iter()
                .filter_map(|&(e, v)| Some((f64::from(e), y.coord(v)?)))
                .collect()
        };
        chart
            .draw_series(
                segs.iter()
                    .map(to_coords)
                    .map(|pts| PathElement::new(pts, color.stroke_width(2))),
            )
            .map_err(draw_err)?;
        chart
            .draw_series(
                segs.iter()
                    .filter(|seg| markers || seg.len() == 1)
                    .flat_map(to_coords)
                    .map(|p| Circle::new(p, 3, color.filled())),
            )
            .map_err(draw_err)?;
    }
    root.present().map_err(draw_err)?;
    Ok(())
}

/// `curve` sorted by epoch and cut into runs of finite losses.
fn segments(curve: &[(u32, f64)]) -> Vec<Vec<(u32, f64)>> {
    let mut sorted = curve.to_vec();
    sorted.sort_by_key(|&(e, _)| e);
    let mut out: Vec<Vec<(u32, f64)>> = Vec::new();
    let mut open = false;
    for (e, v) in sorted {
        if !v.is_finite() {
            open = false;
            continue;
        }
        if !open {
            out.push(Vec::new());
            open = true;
        }
        out.last_mut()
            .expect("a segment was just pushed")
            .push((e, v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{assert_png, out_dir};

    fn curve(epochs: u32, start: f64, rate: f64) -> Vec<(u32, f64)> {
        (1..=epochs)
            .map(|e| (e, start * (-rate * f64::from(e - 1)).exp()))
            .collect()
    }

    #[test]
    fn segments_sort_and_break_at_non_finite_losses() {
        let c = [
            (3, 0.3),
            (1, 0.1),
            (2, f64::NAN),
            (4, 0.4),
            (5, f64::INFINITY),
        ];
        assert_eq!(segments(&c), vec![vec![(1, 0.1)], vec![(3, 0.3), (4, 0.4)]]);
        assert!(segments(&[]).is_empty());
    }

    /// Five configs over 50 epochs, from 0.1 down to 1e-5 .. 1e-3: log axis.
    #[test]
    fn five_curves_write_a_png() {
        let dir = out_dir("sweep-losses");
        let curves: Vec<(String, Vec<(u32, f64)>)> = (0..5)
            .map(|k| {
                (
                    format!(
                        "lookback={} units=50x50 lr=0.00{}",
                        [20, 10, 5, 20, 10][k],
                        k + 1
                    ),
                    curve(50, 0.1 + 0.02 * k as f64, 0.19 - 0.02 * k as f64),
                )
            })
            .collect();
        let path = dir.join("plots").join("loss.png");
        losses_png(
            &path,
            &curves,
            "sine_grid: training loss of the best 5 configs",
        )
        .unwrap();
        assert_png(&path, 20_000);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let dir = out_dir("sweep-losses-degenerate");
        let path = dir.join("empty.png");
        losses_png(&path, &[], "nothing").unwrap();
        assert_png(&path, 5_000);
        let path = dir.join("single.png");
        losses_png(&path, &[("one".into(), vec![(1, 0.25)])], "one epoch").unwrap();
        assert_png(&path, 5_000);
        // Few epochs, narrow range (linear), one curve diverging at epoch 3, seven curves.
        let mut curves: Vec<(String, Vec<(u32, f64)>)> = (0..7)
            .map(|k| (format!("config {k}"), curve(8, 0.5, 0.05 + 0.01 * k as f64)))
            .collect();
        curves[1].1[2].1 = f64::NAN;
        curves[1].1.truncate(3);
        let path = dir.join("nan.png");
        losses_png(&path, &curves, "diverged").unwrap();
        assert_png(&path, 5_000);
        let path = dir.join("all_nan.png");
        losses_png(&path, &[("x".into(), vec![(1, f64::NAN)])], "all NaN").unwrap();
        assert_png(&path, 5_000);
    }

    #[test]
    fn unwritable_path_is_an_error_naming_the_file() {
        let dir = out_dir("sweep-losses-error");
        std::fs::write(dir.join("plots"), "not a folder").unwrap();
        let path = dir.join("plots").join("loss.png");
        let msg = format!("{:#}", losses_png(&path, &[], "t").unwrap_err());
        assert!(msg.contains("loss.png"), "{msg}");
    }
}
