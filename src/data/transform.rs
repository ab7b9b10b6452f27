//! Transforms applied to the series before scaling, and their exact inverse on predictions.
//!
//! The chain is: `a = ln z` (when `log`), then seasonal differencing at lag `m`
//! (`b_t = a_t - a_{t-m}`), then `d` ordinary differences (`u = (1 - B)^d b`). Both
//! differences are linear in `a`, so together they are one polynomial in the backshift
//! operator: `u_t = a_t + sum_{k=1..L} c_k a_{t-k}` with `L = d + m` and the `c_k` the
//! coefficients of `(1 - B)^d (1 - B^m)`. Inverting is then one formula,
//! `a_t = u_t - sum_k c_k a_{t-k}`, whatever the orders.
//!
//! Predictions are inverted from a window's origin: the `a` values before the first target
//! are the ACTUAL ones (a forecaster's one-step-ahead backtest), and for a horizon of
//! several steps each step uses the steps predicted before it (the predicted differences
//! are chained from the window's last actual values). For horizon 1 the two coincide.

use serde::{Deserialize, Serialize};

use super::DataError;

/// Which transforms to apply; all off is the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformParams {
    /// Natural logarithm first (every value must be > 0).
    pub log: bool,
    /// Order `d >= 0` of ordinary differencing.
    pub difference: usize,
    /// Lag `m` of one seasonal difference; 0 is off.
    pub seasonal_difference: usize,
}

/// A configured transform chain (see the module docs). Serialized as its [`TransformParams`],
/// from which the coefficients follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "TransformParams", into = "TransformParams")]
pub struct Transform {
    params: TransformParams,
    /// `c_1..c_L` of `(1 - B)^d (1 - B^m)`: `coef[k - 1]` multiplies `a_{t-k}`.
    coef: Vec<f64>,
}

impl From<TransformParams> for Transform {
    fn from(params: TransformParams) -> Self {
        Transform::new(params)
    }
}

impl From<Transform> for TransformParams {
    fn from(t: Transform) -> Self {
        t.params
    }
}

impl Transform {
    pub fn new(params: TransformParams) -> Self {
        // Polynomial in B, index = power; start from 1 and multiply the factors in.
        let mut poly = vec![1.0];
        let mut times = |factor: &[(usize, f64)]| {
            let top = factor.iter().map(|(p, _)| *p).max().unwrap_or(0);
            let mut out = vec![0.0; poly.len() + top];
            for (i, a) in poly.iter().enumerate() {
                for &(p, b) in factor {
                    out[i + p] += a * b;
                }
            }
            poly = out;
        };
        for _ in 0..params.difference {
            times(&[(0, 1.0), (1, -1.0)]);
        }
        if params.seasonal_difference > 0 {
            times(&[(0, 1.0), (params.seasonal_difference, -1.0)]);
        }
        Self {
            params,
            coef: poly[1..].to_vec(),
        }
    }

    pub fn params(&self) -> TransformParams {
        self.params
    }

    /// Whether the chain leaves values unchanged.
    pub fn is_identity(&self) -> bool {
        !self.params.log && self.coef.is_empty()
    }

    /// Leading points without a transformed value: `d + m`.
    pub fn lost(&self) -> usize {
        self.coef.len()
    }

    /// The transformed series, same length and indices as `series`; the first
    /// [`Self::lost`] entries have no value and are NaN.
    ///
    /// Errors with `log` when a value is not positive, naming the first such value and its
    /// index (0-based) and data row (1-based, as in the CSV without its header).
    pub fn apply(&self, series: &[f64]) -> Result<Vec<f64>, DataError> {
        let a = self.level(series)?;
        Ok((0..series.len())
            .map(|t| {
                if t < self.lost() {
                    f64::NAN
                } else {
                    a[t] + self
                        .coef
                        .iter()
                        .enumerate()
                        .map(|(k, c)| c * a[t - 1 - k])
                        .sum::<f64>()
                }
            })
            .collect())
    }

    /// Predictions of the transformed values at `origin, origin + 1, ...` back to original
    /// units. `original[..origin]` are the actual values before the first target (at least
    /// [`Self::lost`] of them); later entries of `original` are not read, so a multi-step
    /// prediction uses its own earlier steps, never the actual future.
    ///
    /// # Panics
    /// If `origin < lost()` (no window starts there: [`crate::data::prepare()`] cuts windows
    /// only where the transformed series is defined) or `origin > original.len()`.
    pub fn invert(&self, original: &[f64], origin: usize, predicted: &[f64]) -> Vec<f64> {
        assert!(
            origin >= self.lost(),
            "origin {origin} before the transform's first value"
        );
        let lost = self.lost();
        // a-values (log units when `log`) of the L points before the origin, then the
        // predicted ones appended as they are inverted.
        let mut a: Vec<f64> = original[origin - lost..origin]
            .iter()
            .map(|&z| if self.params.log { z.ln() } else { z })
            .collect();
        let mut out = Vec::with_capacity(predicted.len());
        for &u in predicted {
            let t = a.len();
            let past: f64 = self
                .coef
                .iter()
                .enumerate()
                .map(|(k, c)| c * a[t - 1 - k])
                .sum();
            let level = u - past;
            a.push(level);
            out.push(if self.params.log { level.exp() } else { level });
        }
        out
    }

    fn level(&self, series: &[f64]) -> Result<Vec<f64>, DataError> {
        if !self.params.log {
            return Ok(series.to_vec());
        }
        if let Some((index, &value)) = series
            .iter()
            .enumerate()
            .find(|(_, z)| **z <= 0.0 || z.is_nan())
        {
            return Err(DataError::NotPositive { index, value });
        }
        Ok(series.iter().map(|z| z.ln()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(log: bool, difference: usize, seasonal_difference: usize) -> Transform {
        Transform::new(TransformParams {
            log,
            difference,
            seasonal_difference,
        })
    }

    #[test]
    fn coefficients_of_the_backshift_polynomial() {
        // (1 - B)^2 = 1 - 2B + B^2
        assert_eq!(t(false, 2, 0).coef, vec![-2.0, 1.0]);
        // (1 - B)(1 - B^3) = 1 - B - B^3 + B^4
        assert_eq!(t(false, 1, 3).coef, vec![-1.0, 0.0, -1.0, 1.0]);
        assert!(t(false, 0, 0).is_identity());
        assert!(!t(true, 0, 0).is_identity());
        assert_eq!(t(false, 1, 3).lost(), 4);
    }

    #[test]
    fn apply_by_hand() {
        // series 1, 4, 9, 16, 25: first differences 3 5 7 9, second 2 2 2
        let u = t(false, 2, 0).apply(&[1.0, 4.0, 9.0, 16.0, 25.0]).unwrap();
        assert!(u[0].is_nan() && u[1].is_nan());
        assert_eq!(&u[2..], &[2.0, 2.0, 2.0]);
        // seasonal lag 2 on 1 2 4 8 16: 4-1, 8-2, 16-4 = 3 6 12
        let u = t(false, 0, 2).apply(&[1.0, 2.0, 4.0, 8.0, 16.0]).unwrap();
        assert_eq!(&u[2..], &[3.0, 6.0, 12.0]);
        // log then difference: ln(e^2) - ln(e^1) = 1
        let e = std::f64::consts::E;
        let u = t(true, 1, 0).apply(&[e, e * e]).unwrap();
        assert!((u[1] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn log_names_the_first_non_positive_value() {
        let err = t(true, 0, 0).apply(&[3.0, 2.0, 0.0, -1.0]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`transform.log` needs positive values, but the value at index 2 (data row 3) is 0"
        );
    }

    fn series() -> Vec<f64> {
        // positive, trending and seasonal (period 4), 20 points
        (0..20)
            .map(|i| 10.0 + 0.7 * i as f64 + 3.0 * ((i % 4) as f64) + 0.1 * (i * i % 7) as f64)
            .collect()
    }

    #[test]
    fn round_trip_log_difference_seasonal_is_exact() {
        let z = series();
        for tr in [t(true, 1, 4), t(true, 2, 4), t(false, 1, 0), t(true, 0, 0)] {
            let u = tr.apply(&z).unwrap();
            let l = tr.lost();
            // chaining every transformed value from the first L actual ones rebuilds the series
            let back = tr.invert(&z, l, &u[l..]);
            for (x, y) in back.iter().zip(&z[l..]) {
                assert!((x - y).abs() < 1e-9, "{x} vs {y} ({:?})", tr.params());
            }
        }
    }

    #[test]
    fn inverting_true_targets_gives_the_original_for_horizons_1_and_3() {
        let z = series();
        let tr = t(true, 1, 4);
        let u = tr.apply(&z).unwrap();
        for horizon in [1, 3] {
            for origin in tr.lost()..=z.len() - horizon {
                let back = tr.invert(&z, origin, &u[origin..origin + horizon]);
                for h in 0..horizon {
                    assert!((back[h] - z[origin + h]).abs() < 1e-9);
                }
            }
        }
    }

    #[test]
    fn one_step_uses_actual_past_multi_step_chains_predictions() {
        // difference 1, no log: a_t = u_t + a_{t-1}
        let tr = t(false, 1, 0);
        let z = [10.0, 11.0, 13.0, 100.0];
        // origin 2 (last actual 11): predicted differences 1 and 2 -> 12, then 12 + 2 = 14;
        // the actual z[2] = 13 and z[3] = 100 are never read
        assert_eq!(tr.invert(&z, 2, &[1.0, 2.0]), vec![12.0, 14.0]);
        // one step from origin 3 reads the actual 13
        assert_eq!(tr.invert(&z, 3, &[1.0]), vec![14.0]);
    }
}
