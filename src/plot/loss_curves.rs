//! Loss per epoch as curves on one chart: several configs' training loss, to compare how
//! they converge ([`losses_png`]), and the drawing shared with one run's training and
//! validation loss ([`super::run_loss`]).

use std::path::Path;

use anyhow::{Context, Result};
use plotters::prelude::*;

use super::axis::{ticked_chart, AxisSpec, ValueAxis};
use super::frame::{
    centered_note, draw_err, header, write_png, Area, LegendEntry, CANVAS, SERIES_COLORS,
};

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
/// A non-finite loss (a diverged epoch) is skipped and breaks its curve there. `loss_desc`
/// names the loss axis: the loss is computed on the network's scaled values, not in the
/// series' units, so the caller says which loss and that it is scaled.
pub fn losses_png(
    path: &Path,
    curves: &[(String, Vec<(u32, f64)>)],
    loss_desc: &str,
    title: &str,
) -> Result<()> {
    write_png(path, CANVAS, |root| {
        draw_losses(root, curves, loss_desc, title)
    })
    .with_context(|| format!("cannot write the loss-curves plot {}", path.display()))
}

fn draw_losses(
    root: &Area<'_>,
    curves: &[(String, Vec<(u32, f64)>)],
    loss_desc: &str,
    title: &str,
) -> Result<()> {
    let shown = &curves[..curves.len().min(MAX_CURVES)];
    let title = if curves.len() > shown.len() {
        format!("{title} (best {} of {})", shown.len(), curves.len())
    } else {
        title.to_string()
    };
    let curves: Vec<Curve> = shown
        .iter()
        .zip(SERIES_COLORS)
        .map(|((label, points), color)| Curve {
            label,
            color,
            points,
        })
        .collect();
    draw_loss_chart(root, &title, loss_desc, &curves)
}

/// One loss curve: its legend label, colour and `(epoch, loss)` points in any order.
pub(super) struct Curve<'c> {
    pub label: &'c str,
    pub color: RGBColor,
    pub points: &'c [(u32, f64)],
}

/// Draws `curves` against the epoch on `root` under `title` and a legend of their labels
/// (in the given order; the first curve is drawn last, on top where curves cross). The
/// loss axis, described by `y_desc`, is log when the losses are positive and span a decade
/// or more, and never reaches below zero otherwise.
pub(super) fn draw_loss_chart(
    root: &Area<'_>,
    title: &str,
    y_desc: &str,
    curves: &[Curve<'_>],
) -> Result<()> {
    let legend: Vec<LegendEntry> = curves
        .iter()
        .map(|c| LegendEntry::line(c.label, c.color))
        .collect();
    let area = header(root, title, &legend)?;

    let segments: Vec<Vec<Vec<(u32, f64)>>> = curves.iter().map(|c| segments(c.points)).collect();
    let finite = || segments.iter().flatten().flatten();
    // Epochs of every row, finite or not, so a diverged tail still shows on the x axis.
    let epochs = || {
        curves
            .iter()
            .flat_map(|c| c.points.iter().map(|&(e, _)| f64::from(e)))
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
        AxisSpec::of(&y, y_desc, &y_label, 90),
    )?;
    if finite().next().is_none() {
        centered_note(
            &chart.plotting_area().strip_coord_spec(),
            "no finite losses",
        )?;
    }

    let markers = curves.iter().all(|c| c.points.len() <= MAX_MARKED_EPOCHS);
    for (segs, curve) in segments.iter().zip(curves).rev() {
        let to_coords = |seg: &Vec<(u32, f64)>| -> Vec<(f64, f64)> {
            seg.iter()
                .filter_map(|&(e, v)| Some((f64::from(e), y.coord(v)?)))
                .collect()
        };
        let color = curve.color;
        chart
            .draw_series(
                segs.iter()
                    .map(to_coords)
                    .map(|pts| PathElement::new(pts, color.stroke_width(2))),
            )
            .map_err(draw_err)?;
        // Dots show single epochs apart, and a lone finite epoch at all.
        chart
            .draw_series(
                segs.iter()
                    .filter(|seg| markers || seg.len() == 1)
                    .flat_map(to_coords)
                    .map(|p| Circle::new(p, 3, color.filled())),
            )
            .map_err(draw_err)?;
    }
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
    use crate::plot::pixels::{assert_png, at_fraction, out_dir, Pixels, Rect};

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

    fn render(curves: &[(String, Vec<(u32, f64)>)]) -> Pixels {
        Pixels::render(CANVAS, |root| {
            draw_losses(root, curves, "MSE (scaled units)", "t")
        })
    }

    /// The part of `area` between the fractions `from` and `to` of its width.
    fn columns(area: &Rect, from: f64, to: f64) -> Rect {
        Rect {
            x: at_fraction(&area.x, from)..at_fraction(&area.x, to),
            y: area.y.clone(),
        }
    }

    /// Five configs over 50 epochs, from 0.1 down to 1e-5 .. 1e-3 (log axis): five curves
    /// in the five series colours, each falling from the top left towards the bottom
    /// right, and five legend entries.
    #[test]
    fn five_curves_fall_across_the_plot_in_their_colours() {
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
        let px = render(&curves);
        assert_eq!(px.drawn(&SERIES_COLORS, 300), SERIES_COLORS);
        let area = px.plot_area();
        let head = px.header();
        for color in SERIES_COLORS {
            assert!(
                px.count(color, 0, &head) > 50,
                "{color:?} not in the legend"
            );
            let start = px.bounds(color, 0, &columns(&area, 0.0, 0.1)).unwrap();
            let end = px.bounds(color, 0, &columns(&area, 0.9, 1.0)).unwrap();
            // Rows grow downwards: the first epochs are higher up than the last.
            assert!(start.y.start < end.y.start, "{color:?}: {start:?} {end:?}");
            // Curves start at the top of the chart (0.1 .. 0.18 is its top end).
            assert!(
                start.y.start < at_fraction(&area.y, 0.2),
                "{color:?}: {start:?}"
            );
        }
        // The slowest-falling curve (purple) ends highest.
        let end = |c| px.bounds(c, 0, &columns(&area, 0.97, 1.0)).unwrap().y.start;
        assert!(end(SERIES_COLORS[4]) < end(SERIES_COLORS[0]));

        // Seven given: still only the five colours, through the file-writing path.
        let mut seven = curves.clone();
        seven.extend(curves[..2].iter().cloned());
        assert_eq!(render(&seven).drawn(&SERIES_COLORS, 300), SERIES_COLORS);
        let path = out_dir("sweep-losses").join("plots").join("loss.png");
        losses_png(
            &path,
            &seven,
            "MSE (scaled units)",
            "sine_grid: training loss of the best 5 configs",
        )
        .unwrap();
        assert_png(&path, 20_000);
    }

    /// Nothing, one epoch, a curve diverging at epoch 3 and all-NaN losses: axes always,
    /// and a curve only where there are finite losses.
    #[test]
    fn degenerate_inputs_draw_only_finite_losses() {
        assert_eq!(render(&[]).drawn(&SERIES_COLORS, 1), []);
        let single = render(&[("one".into(), vec![(1, 0.25)])]);
        assert_eq!(single.drawn(&SERIES_COLORS, 20), [SERIES_COLORS[0]]);
        // Few epochs, narrow range (linear), one curve diverging at epoch 3, seven curves.
        let mut curves: Vec<(String, Vec<(u32, f64)>)> = (0..7)
            .map(|k| (format!("config {k}"), curve(8, 0.5, 0.05 + 0.01 * k as f64)))
            .collect();
        curves[1].1[2].1 = f64::NAN;
        curves[1].1.truncate(3);
        let px = render(&curves);
        assert_eq!(px.drawn(&SERIES_COLORS, 50), SERIES_COLORS);
        // The diverged curve stops at epoch 2 of 1..8 (1/7 of the width), dot included.
        let area = px.plot_area();
        let diverged = px.bounds(SERIES_COLORS[1], 0, &area).unwrap();
        assert!(
            diverged.x.end <= at_fraction(&area.x, 1.0 / 7.0) + 4,
            "{diverged:?}"
        );
        let all_nan = render(&[("x".into(), vec![(1, f64::NAN)])]);
        assert_eq!(all_nan.drawn(&SERIES_COLORS, 1), []);
    }

    #[test]
    fn unwritable_path_is_an_error_naming_the_file() {
        let dir = out_dir("sweep-losses-error");
        std::fs::write(dir.join("plots"), "not a folder").unwrap();
        let path = dir.join("plots").join("loss.png");
        let msg = format!("{:#}", losses_png(&path, &[], "loss", "t").unwrap_err());
        assert!(msg.contains("loss.png"), "{msg}");
    }
}
