//! Loss curves of one run: training loss, and validation loss when there is one, per epoch.

use std::path::Path;

use anyhow::{bail, Result};

use super::frame::{write_png, Area, BLUE, CANVAS, ORANGE};
use super::loss_curves::{draw_loss_chart, Curve};
use crate::store::records::HistoryRow;

/// Draws the per-epoch training loss (blue) and validation loss (orange, where present) of
/// one run, a legend above the chart and `title` on top. Writes a 1200×600 PNG to `path`,
/// creating its folder.
///
/// `history` must hold one run's rows (any order); rows of two runs are an error, since one
/// line through both would be meaningless. Non-finite losses (a diverged epoch) are skipped.
/// The loss axis is logarithmic when the losses are positive and span a decade or more:
/// losses typically fall by orders of magnitude in the first epochs, and on a linear axis
/// everything after them would be a flat line at zero.
///
/// `loss_desc` names the loss axis (which loss, on scaled values).
pub fn loss_png(path: &Path, history: &[HistoryRow], loss_desc: &str, title: &str) -> Result<()> {
    if let Some(first) = history.first() {
        if let Some(other) = history.iter().find(|r| r.run_id != first.run_id) {
            bail!(
                "loss plot: history holds more than one run ({} and {})",
                first.run_id,
                other.run_id
            );
        }
    }
    write_png(path, CANVAS, |root| {
        draw_run_loss(root, history, loss_desc, title)
    })
}

fn draw_run_loss(
    root: &Area<'_>,
    history: &[HistoryRow],
    loss_desc: &str,
    title: &str,
) -> Result<()> {
    let train: Vec<(u32, f64)> = history.iter().map(|r| (r.epoch, r.train_loss)).collect();
    let val: Vec<(u32, f64)> = history
        .iter()
        .filter_map(|r| r.val_loss.map(|v| (r.epoch, v)))
        .collect();
    let mut curves = vec![Curve {
        label: "Train loss",
        color: BLUE,
        points: &train,
    }];
    // A run without a validation part has no validation curve to name in the legend.
    if val.iter().any(|(_, v)| v.is_finite()) {
        curves.push(Curve {
            label: "Validation loss",
            color: ORANGE,
            points: &val,
        });
    }
    draw_loss_chart(root, title, loss_desc, &curves)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::frame::{GREEN, PURPLE, RED};
    use crate::plot::pixels::{assert_png, at_fraction, out_dir, Pixels};

    fn row(epoch: u32, train_loss: f64, val_loss: Option<f64>) -> HistoryRow {
        HistoryRow {
            run_id: "r0".into(),
            fold: 1,
            epoch,
            train_loss,
            val_loss,
        }
    }

    fn render(history: &[HistoryRow]) -> Pixels {
        Pixels::render(CANVAS, |root| {
            draw_run_loss(root, history, "MSE (scaled units)", "t")
        })
    }

    const ALL: [plotters::style::RGBColor; 5] = [BLUE, ORANGE, GREEN, RED, PURPLE];

    /// A typical MSE curve: 0.1 falling to about 1e-5 over 50 epochs (four decades, so the
    /// log axis), with a validation loss slightly above it: a blue and an orange curve, both
    /// in the legend, falling from the top left, the validation one above the training one.
    #[test]
    fn falling_loss_with_validation_draws_both_curves() {
        let history: Vec<HistoryRow> = (1..=50)
            .map(|e| {
                let t = 0.1 * (-0.19 * f64::from(e - 1)).exp();
                row(e, t, Some(t * 1.3))
            })
            .collect();
        let px = render(&history);
        assert_eq!(px.drawn(&ALL, 300), [BLUE, ORANGE]);
        let head = px.header();
        assert!(px.count(BLUE, 0, &head) > 50 && px.count(ORANGE, 0, &head) > 50);
        let area = px.plot_area();
        let train = px.bounds(BLUE, 0, &area).unwrap();
        let val = px.bounds(ORANGE, 0, &area).unwrap();
        // Both span the epochs; validation (1.3x) is above training everywhere.
        assert!(train.x.len() * 10 >= area.x.len() * 9, "{train:?}");
        assert!(val.y.start < train.y.start && val.y.end < train.y.end);
        // On the log axis the fall spreads over most of the plot's height.
        assert!(
            train.y.len() * 10 >= area.y.len() * 7,
            "{train:?} in {area:?}"
        );
        assert!(train.y.start < at_fraction(&area.y, 0.2), "{train:?}");

        let path = out_dir("loss-falling").join("plots").join("loss.png");
        loss_png(
            &path,
            &history,
            "MSE (scaled units)",
            "seed: loss per epoch",
        )
        .unwrap();
        assert_png(&path, 15_000);
    }

    /// One epoch is a dot; a flat loss is a horizontal line; a run without validation has
    /// no orange anywhere; a diverged epoch (NaN) is skipped.
    #[test]
    fn single_epoch_flat_and_diverged_losses_are_drawn() {
        let single = render(&[row(1, 0.25, None)]);
        assert_eq!(single.drawn(&ALL, 20), [BLUE]);

        let flat: Vec<HistoryRow> = (1..=5).map(|e| row(e, 0.5, None)).collect();
        let px = render(&flat);
        let area = px.plot_area();
        let line = px.bounds(BLUE, 0, &area).unwrap();
        // Dots of radius 3 on a 2 px line: at most 7 rows, across the whole width.
        assert!(line.y.len() <= 8, "{line:?}");
        assert!(line.x.len() * 10 >= area.x.len() * 9, "{line:?}");
        assert_eq!(px.count(ORANGE, 0, &px.header()), 0);

        assert_eq!(render(&[]).drawn(&ALL, 1), []);

        // Diverged at epoch 3: the NaN is skipped, zero loss forces a linear axis from 0,
        // so the epoch-1 dot sits on the bottom edge.
        let diverged = vec![row(1, 0.0, None), row(2, 0.5, None), row(3, f64::NAN, None)];
        let px = render(&diverged);
        let area = px.plot_area();
        let line = px.bounds(BLUE, 0, &area).unwrap();
        assert!(line.y.end + 4 >= area.y.end, "{line:?} in {area:?}");
        assert!(line.x.end <= at_fraction(&area.x, 0.5) + 4, "{line:?}");

        let path = out_dir("loss-degenerate").join("empty.png");
        loss_png(&path, &[], "loss", "no epochs").unwrap();
        assert_png(&path, 5_000);
    }

    #[test]
    fn two_runs_are_an_error_naming_both() {
        let dir = out_dir("loss-two-runs");
        let mut other = row(1, 0.1, None);
        other.run_id = "r7".into();
        let err = loss_png(&dir.join("x.png"), &[row(1, 0.1, None), other], "loss", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("r0 and r7"), "{err}");
    }
}
