use ndarray::{ArrayView2, ArrayView3};
use serde::{Deserialize, Serialize};

use crate::nn::rng::{Rng, Stream};
use crate::nn::{clip_global_norm, Loss, Network, Optimizer, OptimizerKind, Real, Workspace};

/// Windows to learn from: inputs [n, steps, features] and targets [n, horizon].
#[derive(Clone, Copy)]
pub struct Dataset<'a, F> {
    pub x: ArrayView3<'a, F>,
    pub y: ArrayView2<'a, F>,
}

impl<F> Dataset<'_, F> {
    pub fn len(&self) -> usize {
        self.x.dim().0
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Stop when the monitored loss has not improved by more than `min_delta` for `patience`
/// epochs; the weights of the best epoch are restored (Keras' `restore_best_weights=True`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    pub patience: usize,
    pub min_delta: f64,
}

/// Multiply the learning rate by `factor` when the monitored loss has not improved by more
/// than `min_delta` for `patience` epochs, not going below `min_lr` (Keras' ReduceLROnPlateau,
/// without cooldown).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReduceOnPlateau {
    pub factor: f64,
    pub patience: usize,
    pub min_lr: f64,
    pub min_delta: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FitConfig {
    pub epochs: usize,
    pub batch_size: usize,
    /// Reshuffle the sample order every epoch (from `seed`); otherwise keep it.
    pub shuffle: bool,
    pub loss: Loss,
    pub optimizer: OptimizerKind,
    pub learning_rate: f64,
    /// Rescale the gradient to at most this global L2 norm before each step.
    pub clip_norm: Option<f64>,
    /// Seed of the shuffling stream (the weights are seeded by `Network::init`).
    pub seed: u64,
    /// Watches the validation loss when validation data is given, else the training loss.
    pub early_stopping: Option<EarlyStopping>,
    /// Learning-rate schedule; watches the same loss as early stopping.
    pub reduce_on_plateau: Option<ReduceOnPlateau>,
}

impl Default for FitConfig {
    /// Keras' defaults: Adam(1e-3), MSE, batch 32, shuffled; 50 epochs as in the tutorial.
    fn default() -> Self {
        FitConfig {
            epochs: 50,
            batch_size: 32,
            shuffle: true,
            loss: Loss::Mse,
            optimizer: OptimizerKind::adam(),
            learning_rate: 1e-3,
            clip_norm: None,
            seed: 0,
            early_stopping: None,
            reduce_on_plateau: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct EpochStats {
    /// 1-based.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches, weighted by batch size (what Keras prints).
    pub train_loss: f64,
    pub val_loss: Option<f64>,
    /// Learning rate used during this epoch.
    pub learning_rate: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// All epochs ran.
    Completed,
    /// Early stopping fired after `epoch`; the weights are those of `best_epoch`.
    EarlyStopped { epoch: usize, best_epoch: usize },
    /// A loss became NaN or infinite, or the training loss grew beyond [`GROWTH_LIMIT`] times
    /// the untrained network's (see [`grew_too_far`]); the weights are left as they were
    /// when it happened.
    Diverged { epoch: usize, reason: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct FitReport {
    pub history: Vec<EpochStats>,
    pub stop: Stop,
    /// The epoch whose weights the network holds at the end (the last one without early stopping).
    pub best_epoch: usize,
}

/// How many times the untrained network's loss an epoch's training loss may reach before
/// the run counts as diverged. Training lowers the loss; a healthy run may overshoot for a
/// while with a large learning rate, but by factors of ten, not a million: on data scaled to
/// [0, 1] the untrained loss is about 0.1, so the limit is a loss near 1e5, an RMSE some
/// 300 times the data's range.
pub const GROWTH_LIMIT: f64 = 1e6;

/// The loss below which no growth counts as divergence: when the untrained network already
/// fits well (a loss of 1e-9 on window-normalised differences, say), a million times that is
/// still a small loss. 100 is an RMSE of 10 times the range of data scaled to [0, 1].
pub const GROWTH_FLOOR: f64 = 100.0;

/// Whether `loss` (an epoch's mean training loss) is beyond both [`GROWTH_LIMIT`] times
/// `untrained` (the first batch's loss, before any update) and [`GROWTH_FLOOR`]. The first
/// batch, not the first epoch, is the reference because a learning rate large enough to
/// diverge does so within the first epoch, whose mean then already holds the huge losses.
pub fn grew_too_far(loss: f64, untrained: f64) -> bool {
    loss > GROWTH_FLOOR && loss > GROWTH_LIMIT * untrained
}

/// Trains `net` in place. `on_epoch` sees each epoch's losses as they come (progress bars).
///
/// Deterministic: the same network, data and config give bit-identical weights and losses
/// (single-threaded, seeded portable shuffle, fixed summation orders).
pub fn fit<F: Real>(
    net: &mut Network<F>,
    train: Dataset<F>,
    validation: Option<Dataset<F>>,
    cfg: &FitConfig,
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> FitReport {
    assert!(cfg.batch_size > 0, "batch_size must be positive");
    let n = train.len();
    let (_, steps, _) = train.x.dim();
    let horizon = net.shape().horizon;
    let capacity = cfg.batch_size.min(n.max(1));

    // Everything the loop touches is allocated here, once.
    let mut ws = Workspace::new(net.shape(), steps, capacity);
    let mut grads = vec![F::zero(); net.params.len()];
    let mut d_out = vec![F::zero(); capacity * horizon];
    let mut target = vec![F::zero(); capacity * horizon];
    let mut optimizer = Optimizer::new(cfg.optimizer, cfg.learning_rate, net.params.len());
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng::new(cfg.seed, Stream::Shuffle);
    let mut best: Option<(f64, usize, Vec<F>)> = None;
    let mut plateau = Plateau::default();
    // The loss of the first batch, before any update: the reference of `grew_too_far`.
    let mut untrained: Option<f64> = None;

    let mut history = Vec::with_capacity(cfg.epochs);
    for epoch in 1..=cfg.epochs {
        if cfg.shuffle {
            rng.shuffle(&mut order);
        }
        let mut loss_sum = 0.0;
        for (b, batch) in order.chunks(cfg.batch_size).enumerate() {
            ws.load(train.x, batch);
            for (s, &i) in batch.iter().enumerate() {
                for h in 0..horizon {
                    target[s * horizon + h] = train.y[[i, h]];
                }
            }
            let m = batch.len() * horizon;
            let pred = net.forward(&mut ws);
            let loss = cfg.loss.value_and_grad(pred, &target[..m], &mut d_out[..m]);
            if !loss.is_finite() {
                return diverged(
                    history,
                    epoch,
                    format!("training loss became {loss} in batch {}", b + 1),
                );
            }
            untrained.get_or_insert(loss);
            loss_sum += loss * batch.len() as f64;
            net.backward(&mut ws, &d_out[..m], &mut grads, false);
            if let Some(max_norm) = cfg.clip_norm {
                clip_global_norm(&mut grads, max_norm);
            }
            optimizer.step(&mut net.params, &grads);
        }
        let train_loss = loss_sum / n as f64;
        let val_loss = validation.map(|v| evaluate_loss(net, v, cfg.loss));
        let stats = EpochStats {
            epoch,
            train_loss,
            val_loss,
            learning_rate: optimizer.learning_rate(),
        };
        on_epoch(&stats);
        history.push(stats);
        if let Some(v) = val_loss.filter(|v| !v.is_finite()) {
            return diverged(history, epoch, format!("validation loss became {v}"));
        }
        if let Some(first) = untrained.filter(|&first| grew_too_far(train_loss, first)) {
            return diverged(
                history,
                epoch,
                format!(
                    "training loss grew to {train_loss:.3e}, more than {GROWTH_LIMIT:e} times \
                     the untrained network's {first:.3e} (the first batch's)"
                ),
            );
        }

        if let Some(rop) = cfg.reduce_on_plateau {
            let watched = val_loss.unwrap_or(train_loss);
            if let Some(lr) = plateau.observe(watched, optimizer.learning_rate(), &rop) {
                optimizer.set_learning_rate(lr);
            }
        }

        if let Some(es) = cfg.early_stopping {
            let watched = val_loss.unwrap_or(train_loss);
            let improved = best
                .as_ref()
                .is_none_or(|(b, _, _)| watched < b - es.min_delta);
            if improved {
                match &mut best {
                    Some((b, e, w)) => {
                        *b = watched;
                        *e = epoch;
                        w.copy_from_slice(&net.params);
                    }
                    None => best = Some((watched, epoch, net.params.clone())),
                }
            } else if epoch - best.as_ref().map_or(0, |(_, e, _)| *e) >= es.patience {
                let (_, best_epoch, weights) = best.expect("set on the first epoch");
                net.params.copy_from_slice(&weights);
                return FitReport {
                    history,
                    stop: Stop::EarlyStopped { epoch, best_epoch },
                    best_epoch,
                };
            }
        }
    }
    // Without early stopping the final weights are kept, as Keras does; with it, the best.
    let best_epoch = match best {
        Some((_, e, weights)) => {
            net.params.copy_from_slice(&weights);
            e
        }
        None => history.len(),
    };
    FitReport {
        history,
        stop: Stop::Completed,
        best_epoch,
    }
}

/// State of the reduce-on-plateau schedule.
#[derive(Default)]
struct Plateau {
    best: Option<f64>,
    waited: usize,
}

impl Plateau {
    /// Records an epoch's monitored loss; returns the new learning rate when it is reduced.
    fn observe(&mut self, loss: f64, lr: f64, rop: &ReduceOnPlateau) -> Option<f64> {
        if self.best.is_none_or(|b| loss < b - rop.min_delta) {
            self.best = Some(loss);
            self.waited = 0;
            return None;
        }
        self.waited += 1;
        if self.waited < rop.patience {
            return None;
        }
        self.waited = 0;
        let reduced = (lr * rop.factor).max(rop.min_lr);
        (reduced < lr).then_some(reduced)
    }
}

fn diverged(history: Vec<EpochStats>, epoch: usize, reason: String) -> FitReport {
    FitReport {
        best_epoch: history.len(),
        history,
        stop: Stop::Diverged {
            epoch,
            reason: format!("diverged at epoch {epoch}: {reason}"),
        },
    }
}

/// Mean loss over a whole dataset (as Keras' `evaluate`).
pub fn evaluate_loss<F: Real>(net: &Network<F>, data: Dataset<F>, loss: Loss) -> f64 {
    let pred = net.predict(data.x);
    let pred = pred
        .as_slice()
        .expect("predict returns a standard-layout array");
    let target: Vec<F> = data.y.iter().copied().collect();
    loss.value(pred, &target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_counts_beyond_a_million_times_the_untrained_loss_and_the_floor() {
        // untrained 0.2: the limit is 2e5
        assert!(!grew_too_far(2e5, 0.2));
        assert!(grew_too_far(2.1e5, 0.2));
        // untrained 1e-9: a million times is 1e-3, but the floor of 100 holds
        assert!(!grew_too_far(1.0, 1e-9));
        assert!(!grew_too_far(100.0, 1e-9));
        assert!(grew_too_far(100.5, 1e-9));
        // untrained 0 (a perfect start): only the floor
        assert!(grew_too_far(101.0, 0.0));
        // NaN is caught elsewhere, never here
        assert!(!grew_too_far(f64::NAN, 0.2));
    }

    #[test]
    fn plateau_reduces_after_patience_epochs_without_improvement_and_respects_min_lr() {
        let rop = ReduceOnPlateau {
            factor: 0.5,
            patience: 2,
            min_lr: 0.3,
            min_delta: 0.0,
        };
        let mut p = Plateau::default();
        let mut lr = 1.0;
        let mut seen = Vec::new();
        // Epoch losses: improves twice, then stalls.
        for loss in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95] {
            if let Some(new) = p.observe(loss, lr, &rop) {
                lr = new;
            }
            seen.push(lr);
        }
        // Two stalled epochs (3, 4) -> 0.5; two more (5, 6) -> 0.3 (min_lr, not 0.25);
        // then no further change.
        assert_eq!(seen, vec![1.0, 1.0, 1.0, 0.5, 0.5, 0.3, 0.3, 0.3]);
    }
}
