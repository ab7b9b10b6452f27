//! The per-run stages: initialise the network, fit it, predict every split in original units.

use std::time::Instant;

use ndarray::Array2;

use crate::data::{Prepared, Windows};
use crate::nn::{Cell, Loss, Network, NetworkShape, OptimizerKind};
use crate::spec::{self, Experiment};
use crate::train::{
    self, Dataset, EarlyStopping, EpochStats, FitConfig, FitReport, ReduceOnPlateau,
};

/// A fitted network and how its fit went.
pub struct Trained {
    pub net: Network<f32>,
    pub report: FitReport,
    pub seconds: f64,
}

/// The network the experiment describes: its cell, layer widths, a Dense(horizon) head and,
/// with `model.linear_skip`, a linear skip from the window's `lookback` inputs.
pub fn network_shape(exp: &Experiment) -> NetworkShape {
    NetworkShape {
        input: 1,
        units: exp.model.units.clone(),
        horizon: exp.window.horizon,
        cell: match exp.model.cell {
            spec::Cell::Lstm => Cell::Lstm,
            spec::Cell::Gru => Cell::Gru,
        },
        linear_skip: exp.model.linear_skip.then_some(exp.window.lookback),
    }
}

/// The engine's fit settings for the experiment's `[train]` table.
pub fn fit_config(exp: &Experiment) -> FitConfig {
    let t = &exp.train;
    FitConfig {
        epochs: t.epochs,
        batch_size: t.batch_size,
        shuffle: t.shuffle,
        loss: match t.loss {
            spec::Loss::Mse => Loss::Mse,
            spec::Loss::Mae => Loss::Mae,
            spec::Loss::Huber => Loss::Huber {
                delta: t.huber_delta,
            },
        },
        optimizer: match t.optimizer {
            spec::Optimizer::Adam => OptimizerKind::adam(),
            spec::Optimizer::Sgd => OptimizerKind::sgd(t.momentum),
            spec::Optimizer::Rmsprop => OptimizerKind::rmsprop(),
        },
        learning_rate: t.learning_rate,
        clip_norm: t.clip_norm,
        seed: exp.seed,
        early_stopping: t.early_stopping.as_ref().map(|e| EarlyStopping {
            patience: e.patience,
            min_delta: e.min_delta,
        }),
        reduce_on_plateau: t.reduce_lr.as_ref().map(|r| ReduceOnPlateau {
            factor: r.factor,
            patience: r.patience,
            min_lr: r.min_lr,
            min_delta: r.min_delta,
        }),
    }
}

/// Initialises the network from the experiment's seed and fits it on the training windows
/// (validation windows, when there are any, give the validation loss).
fn as_dataset(w: &Windows) -> Dataset<'_, f32> {
    Dataset {
        x: w.x.view(),
        y: w.y.view(),
    }
}

pub fn fit(exp: &Experiment, data: &Prepared, on_epoch: &mut dyn FnMut(&EpochStats)) -> Trained {
    let mut net = Network::<f32>::init(network_shape(exp), exp.seed);
    let start = Instant::now();
    let report = train::fit(
        &mut net,
        as_dataset(&data.train),
        data.validation.as_ref().map(as_dataset),
        &fit_config(exp),
        on_epoch,
    );
    Trained {
        net,
        report,
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// Predictions for the windows of one split, in original units.
pub struct SplitForecast {
    /// `train`, `validation` or `test`.
    pub split: &'static str,
    /// [n, horizon]
    pub predicted: Array2<f64>,
    /// [n, horizon]
    pub actual: Array2<f64>,
    /// The naive last-value forecast of the same points, [n, horizon].
    pub naive: Array2<f64>,
    /// Series index of each window's first target, length n.
    pub target_index: Vec<usize>,
}

/// Train, validation (when present) and test forecasts, inverse-scaled.
pub fn forecast(net: &Network<f32>, data: &Prepared) -> Vec<SplitForecast> {
    let mut splits = vec![("train", &data.train)];
    if let Some(v) = &data.validation {
        splits.push(("validation", v));
    }
    splits.push(("test", &data.test));
    splits
        .into_iter()
        .map(|(split, w)| SplitForecast {
            split,
            predicted: data.to_original(w, net.predict(w.x.view()).view()),
            actual: data.actual(w),
            naive: data.naive(w),
            target_index: w.target_index.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn shape_with(sets: &[&str]) -> NetworkShape {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let text = "[data]\nkind = \"sine\"\npoints = 1000\n";
        network_shape(&spec::parse_str(text, Path::new("e.toml"), &sets).unwrap())
    }

    #[test]
    fn model_cell_reaches_the_network_shape() {
        let lstm = shape_with(&[]);
        assert_eq!(lstm, NetworkShape::lstm(1, vec![50, 50], 1));
        let gru = shape_with(&["model.cell=gru", "model.units=[8]", "window.horizon=3"]);
        assert_eq!(gru, NetworkShape::gru(1, vec![8], 3));
        // The GRU layer's 3 gate blocks and two biases: 3·(1·8 + 8·8 + 8 + 8) + head 8·3 + 3.
        assert_eq!(Network::<f32>::init(gru, 1).params.len(), 3 * 88 + 27);
    }

    #[test]
    fn model_linear_skip_reaches_the_network_shape_with_the_lookback() {
        let skip = shape_with(&["model.linear_skip=true", "window.lookback=7"]);
        assert_eq!(
            skip,
            NetworkShape::lstm(1, vec![50, 50], 1).with_linear_skip(7)
        );
        assert_eq!(skip.linear_skip, Some(7));
        let off = shape_with(&["model.linear_skip=false", "window.lookback=7"]);
        assert_eq!(off.linear_skip, None);
        // the skip's kernel [horizon 3, lookback 7] comes after the rest
        let gru = shape_with(&[
            "model.cell=gru",
            "model.units=[8]",
            "window.horizon=3",
            "model.linear_skip=true",
        ]);
        assert_eq!(
            Network::<f32>::init(gru, 1).params.len(),
            3 * 88 + 27 + 3 * 10
        );
    }

    #[test]
    fn an_unknown_cell_is_rejected_naming_the_key() {
        let err = spec::parse_str(
            "[data]\nkind = \"sine\"\npoints = 1000\n[model]\ncell = \"rnn\"\n",
            Path::new("e.toml"),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("model.cell"), "{err}");
        assert!(err.contains("gru"), "the choices are listed: {err}");
    }
}
