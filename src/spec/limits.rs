//! Sizes beyond what a run can hold, refused when the file is checked, before anything is
//! generated or allocated. They are far above any sensible experiment; what fits this
//! machine is decided later, with an estimate, by `pipeline::budget`.

use super::error::Problem;
use super::types::{DataSpec, ModelSpec, TrainSpec};

/// Most points a generator may produce (`data.points`, and an AR's `data.burn_in`):
/// 10^8 points are 800 MB as f64 before any window is cut.
pub const MAX_POINTS: usize = 100_000_000;
/// Most hidden units of one layer. Sizes below it are still checked against the
/// machine's memory before training (a layer of 10^5 LSTM units alone has 4·10^10 weights).
pub const MAX_UNITS: usize = 1_000_000;
/// Most recurrent layers.
pub const MAX_LAYERS: usize = 1_000;
/// Most epochs of one run: the history of every epoch is kept.
pub const MAX_EPOCHS: usize = 10_000_000;

/// `value` of `key` above `max`, worded like the other checks.
fn too_large(key: &str, value: usize, max: usize, what: &str, out: &mut Vec<Problem>) {
    if value > max {
        out.push(Problem::new(
            key,
            format!("`{key}` must be at most {max} ({what}), found {value}"),
        ));
    }
}

/// Whether a generator's sizes can be generated at all; problems for those that cannot.
pub(crate) fn data_fits(data: &DataSpec, out: &mut Vec<Problem>) -> bool {
    let before = out.len();
    if let Some(points) = data.generated_points() {
        too_large(
            "data.points",
            points,
            MAX_POINTS,
            "the points runner generates",
            out,
        );
    }
    if let DataSpec::Ar(ar) = data {
        too_large(
            "data.burn_in",
            ar.burn_in,
            MAX_POINTS,
            "points generated and dropped",
            out,
        );
    }
    out.len() == before
}

pub(crate) fn check_model(m: &ModelSpec, out: &mut Vec<Problem>) {
    if m.units.len() > MAX_LAYERS {
        out.push(Problem::new(
            "model.units",
            format!(
                "`model.units` must list at most {MAX_LAYERS} layers, found {}",
                m.units.len()
            ),
        ));
    }
    for (i, &u) in m.units.iter().enumerate().filter(|(_, u)| **u > MAX_UNITS) {
        out.push(Problem::new(
            "model.units",
            format!(
                "`model.units[{i}]` must be at most {MAX_UNITS} (units of one layer), found {u}"
            ),
        ));
    }
}

pub(crate) fn check_train(t: &TrainSpec, out: &mut Vec<Problem>) {
    too_large(
        "train.epochs",
        t.epochs,
        MAX_EPOCHS,
        "epochs of one run",
        out,
    );
}
