//! Training losses: value and gradient with respect to the predictions.
//!
//! Every loss is the mean over all predicted values of the batch (samples × horizon), as
//! Keras computes it, so the gradient of each element carries a factor 1 / (b·horizon).

use serde::{Deserialize, Serialize};

use super::Real;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Loss {
    /// mean (p - y)²
    Mse,
    /// mean |p - y|; the gradient at p = y is taken as 0.
    Mae,
    /// mean of ½e² where |e| <= delta, else delta·(|e| - ½delta) (Keras' Huber, delta 1 by default).
    Huber { delta: f64 },
}

impl Loss {
    /// Mean loss over `pred` and `target` (same length), accumulated in f64.
    pub fn value<F: Real>(&self, pred: &[F], target: &[F]) -> f64 {
        let sum: f64 = pred
            .iter()
            .zip(target)
            .map(|(&p, &y)| self.point((p - y).to_f64().unwrap_or(f64::NAN)))
            .sum();
        sum / pred.len() as f64
    }

    /// Mean loss, and `grad[k] = d(mean loss)/d pred[k]`.
    pub fn value_and_grad<F: Real>(&self, pred: &[F], target: &[F], grad: &mut [F]) -> f64 {
        let n = pred.len();
        let scale = F::one() / F::of(n as f64);
        for ((g, &p), &y) in grad.iter_mut().zip(pred).zip(target) {
            let e = p - y;
            let d = match *self {
                Loss::Mse => F::of(2.0) * e,
                Loss::Mae => sign(e),
                Loss::Huber { delta } => {
                    let delta = F::of(delta);
                    if e.abs() <= delta {
                        e
                    } else {
                        delta * sign(e)
                    }
                }
            };
            *g = d * scale;
        }
        self.value(pred, target)
    }

    fn point(&self, e: f64) -> f64 {
        match *self {
            Loss::Mse => e * e,
            Loss::Mae => e.abs(),
            Loss::Huber { delta } => {
                if e.abs() <= delta {
                    0.5 * e * e
                } else {
                    delta * (e.abs() - 0.5 * delta)
                }
            }
        }
    }
}

fn sign<F: Real>(e: F) -> F {
    if e > F::zero() {
        F::one()
    } else if e < F::zero() {
        -F::one()
    } else {
        F::zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_hand() {
        let p = [1.0f64, 2.0, 4.0];
        let y = [0.0f64, 2.0, 1.0];
        // errors 1, 0, 3
        assert_eq!(Loss::Mse.value(&p, &y), (1.0 + 0.0 + 9.0) / 3.0);
        assert_eq!(Loss::Mae.value(&p, &y), 4.0 / 3.0);
        // huber δ=1: ½·1, 0, 1·(3 - ½) = 2.5  -> 3 / 3
        assert_eq!(Loss::Huber { delta: 1.0 }.value(&p, &y), 1.0);
    }

    #[test]
    fn gradients_by_hand() {
        let p = [1.0f64, 2.0, 4.0];
        let y = [0.0f64, 2.0, 1.0];
        let mut g = [0.0; 3];
        Loss::Mse.value_and_grad(&p, &y, &mut g);
        assert_eq!(g, [2.0 / 3.0, 0.0, 2.0]);
        Loss::Mae.value_and_grad(&p, &y, &mut g);
        assert_eq!(g, [1.0 / 3.0, 0.0, 1.0 / 3.0]);
        Loss::Huber { delta: 1.0 }.value_and_grad(&p, &y, &mut g);
        assert_eq!(g, [1.0 / 3.0, 0.0, 1.0 / 3.0]);
    }
}
