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
    /// A loss became NaN or infinite; the weights are left as they were when it happened.
    Diverged { epoch: usize, reason: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct FitReport {
    pub history: Vec<EpochStats>,
    pub stop: Stop,
    /// The epoch whose weights the network holds at the end (the last one without early stopping).
    pub best_epoch: usize,
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
