//! Loss curves of one run: training loss, and validation loss when there is one, per epoch.

use std::ops::Range;
use std::path::Path;

use anyhow::{bail, Result};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::font::FAMILY;
use super::frame::{
    draw_err, format_sci, format_tick, header, open_canvas, padded_range, Area, LegendEntry,
    AXIS_DESC_PX, BLUE, ORANGE, TICK_PX,
};
use crate::store::records::HistoryRow;

/// A y axis spanning at least this ratio (max / min) is drawn logarithmic.
///
/// Losses typically fall by orders of magnitude in the first epochs; on a linear axis
/// everything after them is a flat line at zero. Below one decade a log axis gains nothing
/// and has too few ticks to read, so it stays linear; it also stays linear when a value is
/// zero or negative, which a log axis cannot show.
const LOG_AXIS_MIN_RATIO: f64 = 10.0;

/// Draws the per-epoch training loss (and validation loss where present) of one run, a
/// legend above the chart and `title` on top. Writes a 1200×600 PNG to `path`, creating its
/// folder.
///
/// `history` must hold one run's rows (any order); rows of two runs are an error, since one
/// line through both would be meaningless. Non-finite losses (a diverged epoch) are skipped.
/// The y axis is logarithmic when the losses span a decade or more
/// (see [`LOG_AXIS_MIN_RATIO`]).
pub fn loss_png(path: &Path, history: &[HistoryRow], title: &str) -> Result<()> {
    if let Some(first) = history.first() {
        if let Some(other) = history.iter().find(|r| r.run_id != first.run_id) {
            bail!(
                "loss plot: history holds more than one run ({} and {})",
                first.run_id,
                other.run_id
            );
        }
    }
    let mut rows: Vec<&HistoryRow> = history.iter().collect();
    rows.sort_by_key(|r| r.epoch);
    let train: Vec<(u32, f64)> = rows
        .iter()
        .map(|r| (r.epoch, r.train_loss))
        .filter(|(_, v)| v.is_finite())
        .collect();
    let val: Vec<(u32, f64)> = rows
        .iter()
        .filter_map(|r| r.val_loss.map(|v| (r.epoch, v)))
        .filter(|(_, v)| v.is_finite())
        .collect();

    let root = open_canvas(path)?;
    let mut legend = vec![LegendEntry::line("Train loss", BLUE)];
    if !val.is_empty() {
        legend.push(LegendEntry::line("Validation loss", ORANGE));
    }
    let area = header(&root, title, &legend)?;

    // Integer epochs on the x axis; a single epoch gets a range around it.
    let last_epoch = rows.last().map_or(1, |r| r.epoch);
    let first_epoch = rows.first().map_or(1, |r| r.epoch);
    let x = if last_epoch > first_epoch {
        first_epoch..last_epoch
    } else {
        first_epoch.saturating_sub(1)..first_epoch + 1
    };

    let values = || train.iter().chain(&val).map(|&(_, v)| v);
    let lo = values().fold(f64::INFINITY, f64::min);
    let hi = values().fold(f64::NEG_INFINITY, f64::max);
    let curves = Curves {
        train: &train,
        val: &val,
        markers: rows.len() <= 30,
    };
    if lo > 0.0 && hi / lo >= LOG_AXIS_MIN_RATIO {
        // Pad by a fifth of a decade, then snap outward to 1, 2 or 5 × 10^k so the axis ends
        // on values plotters labels.
        let y: LogCoord<f64> = (nice_floor(lo / 1.25)..nice_ceil(hi * 1.25))
            .log_scale()
            .into();
        draw_chart(
            &area,
            x,
            y,
            "loss (log scale)",
            &|v| format_sci(*v),
            &curves,
        )?;
    } else {
        let (mut lo, hi) = padded_range(values());
        if values().all(|v| v >= 0.0) {
            // Padding must not invent negative losses.
            lo = lo.max(0.0);
        }
        let y: RangedCoordf64 = (lo..hi).into();
        draw_chart(&area, x, y, "loss", &|v| format_tick(*v, hi - lo), &curves)?;
    }
    root.present().map_err(draw_err)?;
    Ok(())
}

struct Curves<'c> {
    train: &'c [(u32, f64)],
    val: &'c [(u32, f64)],
    /// Mark each epoch with a dot when there are few enough to tell apart.
    markers: bool,
}

fn draw_chart<Y>(
    area: &Area<'_>,
    x: Range<u32>,
    y: Y,
    y_desc: &str,
    y_tick: &dyn Fn(&f64) -> String,
    curves: &Curves<'_>,
) -> Result<()>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .margin_left(10)
        .margin_right(30)
        .margin_bottom(10)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(x, y)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_desc)
        .axis_desc_style((FAMILY, AXIS_DESC_PX))
        .label_style((FAMILY, TICK_PX))
        .x_labels(12)
        .y_labels(10)
        .y_label_formatter(y_tick)
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(draw_err)?;

    for (points, color) in [(curves.train, BLUE), (curves.val, ORANGE)] {
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(draw_err)?;
        if curves.markers || points.len() == 1 {
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(draw_err)?;
        }
    }
    Ok(())
}

/// Largest 1, 2 or 5 × 10^k not above `v` (`v > 0`).
fn nice_floor(v: f64) -> f64 {
    let decade = 10f64.powf(v.log10().floor());
    let m = v / decade;
    let step = if m >= 5.0 {
        5.0
    } else if m >= 2.0 {
        2.0
    } else {
        1.0
    };
    step * decade
}

/// Smallest 1, 2 or 5 × 10^k not below `v` (`v > 0`).
fn nice_ceil(v: f64) -> f64 {
    let decade = 10f64.powf(v.log10().floor());
    let m = v / decade;
    let step = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    step * decade
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::{assert_png, out_dir};

    fn row(epoch: u32, train_loss: f64, val_loss: Option<f64>) -> HistoryRow {
        HistoryRow {
            run_id: "r0".into(),
            fold: 1,
            epoch,
            train_loss,
            val_loss,
        }
    }

    #[test]
    fn nice_bounds_snap_to_1_2_5() {
        assert_eq!(nice_floor(0.0037), 0.002);
        assert_eq!(nice_floor(0.6), 0.5);
        assert_eq!(nice_floor(1.0), 1.0);
        assert_eq!(nice_ceil(0.0037), 0.005);
        assert_eq!(nice_ceil(0.15), 0.2);
        assert_eq!(nice_ceil(7.0), 10.0);
        // Floating noise in 10^floor(log10) must not push an exact decade up a step.
        assert!((nice_ceil(0.001) - 0.001).abs() < 1e-15);
    }

    /// A typical MSE curve: 0.1 falling to about 1e-5 over 50 epochs (four decades, so the
    /// log axis), with a validation loss slightly above it.
    #[test]
    fn falling_loss_with_validation_writes_a_png() {
        let dir = out_dir("loss-falling");
        let history: Vec<HistoryRow> = (1..=50)
            .map(|e| {
                let t = 0.1 * (-0.19 * f64::from(e - 1)).exp();
                row(e, t, Some(t * 1.3))
            })
            .collect();
        let path = dir.join("plots").join("loss.png");
        loss_png(&path, &history, "seed: loss per epoch").unwrap();
        assert_png(&path, 15_000);
    }

    #[test]
    fn single_epoch_and_flat_loss_do_not_panic() {
        let dir = out_dir("loss-degenerate");
        let path = dir.join("single.png");
        loss_png(&path, &[row(1, 0.25, None)], "one epoch").unwrap();
        assert_png(&path, 5_000);

        let flat: Vec<HistoryRow> = (1..=5).map(|e| row(e, 0.5, None)).collect();
        let path = dir.join("flat.png");
        loss_png(&path, &flat, "flat").unwrap();
        assert_png(&path, 5_000);

        let path = dir.join("empty.png");
        loss_png(&path, &[], "no epochs").unwrap();
        assert_png(&path, 5_000);

        // Diverged at epoch 3: the NaN is skipped, zero loss forces a linear axis.
        let diverged = vec![row(1, 0.0, None), row(2, 0.5, None), row(3, f64::NAN, None)];
        let path = dir.join("diverged.png");
        loss_png(&path, &diverged, "diverged").unwrap();
        assert_png(&path, 5_000);
    }

    #[test]
    fn two_runs_are_an_error_naming_both() {
        let dir = out_dir("loss-two-runs");
        let mut other = row(1, 0.1, None);
        other.run_id = "r7".into();
        let err = loss_png(&dir.join("x.png"), &[row(1, 0.1, None), other], "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("r0 and r7"), "{err}");
    }
}
