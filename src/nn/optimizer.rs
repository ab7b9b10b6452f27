//! Optimizers over the network's flat parameter vector, with Keras 3's update rules and
//! defaults, so a learning rate tuned in Keras means the same here.

use serde::{Deserialize, Serialize};

use super::Real;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum OptimizerKind {
    /// Keras defaults: beta1 0.9, beta2 0.999, epsilon 1e-7.
    Adam {
        beta1: f64,
        beta2: f64,
        epsilon: f64,
    },
    /// Plain SGD when momentum is 0.
    Sgd { momentum: f64, nesterov: bool },
    /// Keras defaults: rho 0.9, epsilon 1e-7.
    RmsProp { rho: f64, epsilon: f64 },
}

impl OptimizerKind {
    pub fn adam() -> Self {
        OptimizerKind::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
        }
    }
    pub fn sgd(momentum: f64) -> Self {
        OptimizerKind::Sgd {
            momentum,
            nesterov: false,
        }
    }
    pub fn rmsprop() -> Self {
        OptimizerKind::RmsProp {
            rho: 0.9,
            epsilon: 1e-7,
        }
    }
}

/// An optimizer and its state (moment estimates sized like the parameters, allocated once).
pub struct Optimizer<F> {
    kind: OptimizerKind,
    learning_rate: f64,
    /// Adam's first moment / SGD's velocity.
    m: Vec<F>,
    /// Adam's second moment / RMSprop's mean square.
    v: Vec<F>,
    steps: u64,
}

impl<F: Real> Optimizer<F> {
    pub fn new(kind: OptimizerKind, learning_rate: f64, n_params: usize) -> Self {
        Optimizer {
            kind,
            learning_rate,
            m: vec![F::zero(); n_params],
            v: vec![F::zero(); n_params],
            steps: 0,
        }
    }

    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// For learning-rate schedules; the moment estimates are kept.
    pub fn set_learning_rate(&mut self, lr: f64) {
        self.learning_rate = lr;
    }

    /// One update `params -= f(grads)`.
    pub fn step(&mut self, params: &mut [F], grads: &[F]) {
        self.steps += 1;
        let lr = self.learning_rate;
        match self.kind {
            OptimizerKind::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                // Keras 3: the bias corrections are folded into the step size and epsilon
                // is added to the uncorrected sqrt(v) ("epsilon hat" of the Adam paper).
                let t = self.steps as f64;
                let lr_t = F::of(lr * (1.0 - beta2.powf(t)).sqrt() / (1.0 - beta1.powf(t)));
                let (b1, b2, eps) = (F::of(1.0 - beta1), F::of(1.0 - beta2), F::of(epsilon));
                for (((p, &g), m), v) in params
                    .iter_mut()
                    .zip(grads)
                    .zip(self.m.iter_mut())
                    .zip(self.v.iter_mut())
                {
                    *m += (g - *m) * b1;
                    *v += (g * g - *v) * b2;
                    *p -= lr_t * *m / (v.sqrt() + eps);
                }
            }
            OptimizerKind::Sgd { momentum, nesterov } => {
                let (lr, mu) = (F::of(lr), F::of(momentum));
                for ((p, &g), m) in params.iter_mut().zip(grads).zip(self.m.iter_mut()) {
                    *m = mu * *m - lr * g;
                    *p += if nesterov { mu * *m - lr * g } else { *m };
                }
            }
            OptimizerKind::RmsProp { rho, epsilon } => {
                let (lr, r, eps) = (F::of(lr), F::of(rho), F::of(epsilon));
                for ((p, &g), v) in params.iter_mut().zip(grads).zip(self.v.iter_mut()) {
                    *v = r * *v + (F::one() - r) * g * g;
                    *p -= lr * g / (*v + eps).sqrt();
                }
            }
        }
    }
}

/// Scales `grads` so that their global L2 norm is at most `max_norm` (Keras' `global_clipnorm`).
/// Returns the norm before clipping.
pub fn clip_global_norm<F: Real>(grads: &mut [F], max_norm: f64) -> f64 {
    let norm = grads
        .iter()
        .map(|g| {
            let g = g.to_f64().unwrap_or(f64::NAN);
            g * g
        })
        .sum::<f64>()
        .sqrt();
    if norm > max_norm {
        let s = F::of(max_norm / norm);
        grads.iter_mut().for_each(|g| *g *= s);
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_first_step_moves_each_weight_by_about_lr() {
        // After one step m = 0.1 g, v = 0.001 g², lr_t = lr·sqrt(0.001)/0.1, so the step is
        // lr·g / (|g| + eps/sqrt(0.001)): Adam's first step is about sign(g)·lr whatever the
        // scale of g.
        let mut opt = Optimizer::<f64>::new(OptimizerKind::adam(), 0.01, 2);
        let mut p = vec![1.0, 1.0];
        opt.step(&mut p, &[1e-3, -50.0]);
        let eps_hat = 1e-7 / 0.001f64.sqrt();
        assert!((p[0] - (1.0 - 0.01 * 1e-3 / (1e-3 + eps_hat))).abs() < 1e-12);
        assert!((p[1] - (1.0 + 0.01 * 50.0 / (50.0 + eps_hat))).abs() < 1e-12);
    }

    #[test]
    fn sgd_momentum_by_hand() {
        let mut opt = Optimizer::<f64>::new(OptimizerKind::sgd(0.9), 0.1, 1);
        let mut p = vec![0.0];
        opt.step(&mut p, &[1.0]); // m = -0.1, p = -0.1
        opt.step(&mut p, &[1.0]); // m = -0.09 - 0.1 = -0.19, p = -0.29
        assert!((p[0] + 0.29).abs() < 1e-12);
    }

    #[test]
    fn rmsprop_by_hand() {
        let mut opt = Optimizer::<f64>::new(OptimizerKind::rmsprop(), 0.01, 1);
        let mut p = vec![0.0];
        opt.step(&mut p, &[2.0]); // v = 0.1·4 = 0.4, step = 0.01·2/sqrt(0.4 + 1e-7)
        let want = -0.02 / (0.4f64 + 1e-7).sqrt();
        assert!((p[0] - want).abs() < 1e-12);
    }

    #[test]
    fn clipping_rescales_to_the_bound() {
        let mut g = vec![3.0f64, 4.0];
        assert_eq!(clip_global_norm(&mut g, 1.0), 5.0);
        assert!((g[0] - 0.6).abs() < 1e-12 && (g[1] - 0.8).abs() < 1e-12);
        let mut small = vec![0.3f64, 0.4];
        clip_global_norm(&mut small, 1.0);
        assert_eq!(small, vec![0.3, 0.4]);
    }
}
