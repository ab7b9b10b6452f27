//! Simple forecasts on exactly the points the network forecasts, in original units, so that
//! every run is shown beside what a forecaster would try first: naive, seasonal naive, drift
//! and a least-squares linear AR(lookback).
//!
//! Notation: a window's first target is at series index `t0` (its *origin*: everything
//! before `t0` is known history, `y[t0 - 1]` is its last input) and step `k = 1..=H` of the
//! horizon targets `y[t0 + k - 1]`. The baselines:
//!
//! - `naive`: `y[t0 - 1]` for every step;
//! - `seasonal_naive` (season `m >= 1`): the value one whole number of seasons before the
//!   target, the latest one that is history at the origin:
//!   `y[t0 + k - 1 - m * ceil(k / m)]` (for `k <= m` that is `y[t0 + k - 1 - m]`);
//! - `drift`: `y[t0 - 1] + k * (y[train_end - 1] - y[train_start]) / (n_train - 1)`, the
//!   slope of the line through the training span's first and last points;
//! - `ar`: `y[t] = c + sum_i a_i y[t - i]` (`i = 1..=lookback`), fitted by least squares on
//!   every one-step pair inside the training span, in original units; steps beyond the
//!   first feed back its own forecasts.
//!
//! Two more show what the network's preprocessing does alone, without a network. They
//! forecast in the network's own target space (transformed, scaled and, with
//! `window.normalise`, relative to the window's last input: what the Dense head outputs) and
//! are brought back by the very code that brings the network's output back,
//! [`Prepared::to_original`]:
//!
//! - `transformed_naive`: the window's last input in that space (the last column of its
//!   inputs, 0 with window normalisation) for every step;
//! - `transformed_ar`: a least-squares linear map with intercept from a window's `lookback`
//!   inputs to its `horizon` targets in that space (direct: one regression per step, all
//!   steps solved together), fitted on the training windows: the linear model a network
//!   with a linear skip connection could learn.
//!
//! Which part is "training" is [`Prepared::split`]'s `train` range (validation excluded), so
//! no baseline sees a validation or test value it is scored on.

use ndarray::{Array2, ArrayView2};
use thiserror::Error;

use crate::data::{Prepared, Windows};

/// Ridge added to the diagonal of the (standardised) normal equations: keeps the Cholesky
/// factorisation defined when the lags are collinear, as on a noiseless sine, where an
/// AR(2) already fits exactly and AR(10) has an 8-dimensional family of exact solutions.
const RIDGE: f64 = 1e-8;

/// Named forecasts of one window set: `(baseline, forecast [n, horizon] in original units)`.
pub type Forecasts = Vec<(&'static str, Array2<f64>)>;

/// Names of the baselines, in the order [`Baselines::forecast`] returns them.
pub const NAIVE: &str = "naive";
pub const SEASONAL_NAIVE: &str = "seasonal_naive";
pub const DRIFT: &str = "drift";
pub const AR: &str = "ar";
pub const TRANSFORMED_NAIVE: &str = "transformed_naive";
pub const TRANSFORMED_AR: &str = "transformed_ar";

#[derive(Debug, Clone, PartialEq, Error)]
pub enum BaselineError {
    #[error(
        "the linear AR({lookback}) baseline needs more one-step pairs in the training part \
         than coefficients ({needed}), but training has {train_len} points"
    )]
    TooShortForAr {
        lookback: usize,
        needed: usize,
        train_len: usize,
    },
    #[error(
        "the linear map from {lookback} inputs to the targets needs more training windows \
         than coefficients ({needed}), but there are {windows}"
    )]
    TooFewWindowsForAr {
        lookback: usize,
        needed: usize,
        windows: usize,
    },
}

/// A least-squares linear autoregression `y[t] = intercept + sum_i coef[i] * y[t - 1 - i]`,
/// original units.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearAr {
    /// Original units.
    pub intercept: f64,
    /// `coef[0]` multiplies the latest value `y[t - 1]`, `coef[p - 1]` the oldest `y[t - p]`.
    pub coef: Vec<f64>,
}

impl LinearAr {
    /// Fits AR(`lookback`) on every pair (`values[t - lookback..t]`, `values[t]`) with
    /// `t` in `lookback..values.len()`.
    ///
    /// The regression runs on values standardised with the mean and standard deviation of
    /// `values` (so the ridge and the conditioning do not depend on the series' units) and
    /// is mapped back: with `z = (y - mu) / sigma` and `z_t = b + sum a_i z_{t-i}`,
    /// `y_t = mu * (1 - sum a_i) + sigma * b + sum a_i y_{t-i}`.
    /// Solved by the normal equations `(X'X + 1e-8 I) w = X'z` with Cholesky.
    ///
    /// # Errors
    /// When there are no more pairs than coefficients (`values.len() - lookback <= lookback + 1`).
    pub fn fit(values: &[f64], lookback: usize) -> Result<LinearAr, BaselineError> {
        let p = lookback + 1;
        let rows = values.len().saturating_sub(lookback);
        if rows <= p {
            return Err(BaselineError::TooShortForAr {
                lookback,
                needed: p,
                train_len: values.len(),
            });
        }
        let n = values.len() as f64;
        let mu = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / n;
        let sigma = if var > 0.0 { var.sqrt() } else { 1.0 };
        let z: Vec<f64> = values.iter().map(|v| (v - mu) / sigma).collect();

        // Normal equations, features [z_{t-1}, ..., z_{t-lookback}, 1].
        let mut gram = vec![0.0; p * p];
        let mut rhs = vec![0.0; p];
        let mut x = vec![0.0; p];
        for t in lookback..z.len() {
            for i in 0..lookback {
                x[i] = z[t - 1 - i];
            }
            x[lookback] = 1.0;
            for r in 0..p {
                rhs[r] += x[r] * z[t];
                for c in 0..=r {
                    gram[r * p + c] += x[r] * x[c];
                }
            }
        }
        for r in 0..p {
            for c in 0..r {
                gram[c * p + r] = gram[r * p + c];
            }
            gram[r * p + r] += RIDGE;
        }
        let w = cholesky_solve(&mut gram, &mut rhs, p);

        let a = &w[..lookback];
        let intercept = mu * (1.0 - a.iter().sum::<f64>()) + sigma * w[lookback];
        Ok(LinearAr {
            intercept,
            coef: a.to_vec(),
        })
    }

    /// The next `horizon` values after `history` (at least `coef.len()` values, oldest
    /// first), each step feeding back the previous forecasts.
    pub fn forecast(&self, history: &[f64], horizon: usize) -> Vec<f64> {
        let p = self.coef.len();
        let mut recent: Vec<f64> = history[history.len() - p..].to_vec();
        let mut out = Vec::with_capacity(horizon);
        for _ in 0..horizon {
            let next = self.intercept
                + self
                    .coef
                    .iter()
                    .enumerate()
                    .map(|(i, a)| a * recent[p - 1 - i])
                    .sum::<f64>();
            out.push(next);
            recent.remove(0);
            recent.push(next);
        }
        out
    }
}

/// A least-squares linear map with intercept from a window's inputs to its targets, one
/// regression per step of the horizon (direct multi-step forecasting), the steps solved
/// together: `target[h] = intercept[h] + sum_k coef[[h, k]] * input[k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectAr {
    /// One per step, `[horizon]`.
    pub intercept: Vec<f64>,
    /// `[horizon, lookback]`; column `k` multiplies input `k` (0 = oldest).
    pub coef: Array2<f64>,
}

impl DirectAr {
    /// Fits the map on the rows of `x` (`[n, lookback]`) and `y` (`[n, horizon]`).
    ///
    /// The inputs are centred and divided by their standard deviation (a constant input,
    /// such as the last one under window normalisation, is left at 0), the targets centred;
    /// then `(Z'Z + 1e-8 I) W = Z'(Y - mean)` is solved with one Cholesky factorisation for
    /// every step, and mapped back to the inputs' units; the intercept makes each step's fit
    /// pass through the means, so it is not shrunk by the ridge.
    ///
    /// # Errors
    /// When there are no more rows than coefficients (`n <= lookback + 1`).
    ///
    /// # Panics
    /// If `x` and `y` have different numbers of rows.
    pub fn fit(x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<DirectAr, BaselineError> {
        assert_eq!(x.nrows(), y.nrows(), "one target row per input row");
        let (n, p, horizon) = (x.nrows(), x.ncols(), y.ncols());
        if n <= p + 1 {
            return Err(BaselineError::TooFewWindowsForAr {
                lookback: p,
                needed: p + 1,
                windows: n,
            });
        }
        let rows = n as f64;
        let mean = |a: ArrayView2<f64>| -> Vec<f64> {
            a.columns().into_iter().map(|c| c.sum() / rows).collect()
        };
        let (mu_x, mu_y) = (mean(x), mean(y));
        let sd_x: Vec<f64> = x
            .columns()
            .into_iter()
            .zip(&mu_x)
            .map(|(c, m)| {
                let var = c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / rows;
                if var > 0.0 {
                    var.sqrt()
                } else {
                    1.0
                }
            })
            .collect();

        let mut gram = vec![0.0; p * p];
        // rhs[h * p + k]: step h's right-hand side, row k.
        let mut rhs = vec![0.0; horizon * p];
        let mut z = vec![0.0; p];
        for (xi, yi) in x.outer_iter().zip(y.outer_iter()) {
            for k in 0..p {
                z[k] = (xi[k] - mu_x[k]) / sd_x[k];
            }
            for r in 0..p {
                for c in 0..=r {
                    gram[r * p + c] += z[r] * z[c];
                }
            }
            for h in 0..horizon {
                let target = yi[h] - mu_y[h];
                for k in 0..p {
                    rhs[h * p + k] += z[k] * target;
                }
            }
        }
        for r in 0..p {
            for c in 0..r {
                gram[c * p + r] = gram[r * p + c];
            }
            gram[r * p + r] += RIDGE;
        }
        cholesky_factor(&mut gram, p);

        let mut coef = Array2::zeros((horizon, p));
        let mut intercept = Vec::with_capacity(horizon);
        for h in 0..horizon {
            let w = &mut rhs[h * p..(h + 1) * p];
            cholesky_substitute(&gram, w, p);
            let mut b = mu_y[h];
            for k in 0..p {
                let a = w[k] / sd_x[k];
                coef[[h, k]] = a;
                b -= a * mu_x[k];
            }
            intercept.push(b);
        }
        Ok(DirectAr { intercept, coef })
    }

    /// The targets of the rows of `x` (`[n, lookback]`, the units it was fitted in), shape
    /// `[n, horizon]`.
    pub fn forecast(&self, x: ArrayView2<f64>) -> Array2<f64> {
        Array2::from_shape_fn((x.nrows(), self.intercept.len()), |(i, h)| {
            self.intercept[h]
                + self
                    .coef
                    .row(h)
                    .iter()
                    .zip(x.row(i))
                    .map(|(a, v)| a * v)
                    .sum::<f64>()
        })
    }
}

/// Solves `a w = b` in place for a symmetric positive definite `a` (`p x p`, row major) by
/// Cholesky `a = L L'`; `b` becomes `w`. A pivot that is not positive (impossible with the
/// ridge unless the data hold NaN) is clamped to the ridge rather than panicking.
fn cholesky_solve(a: &mut [f64], b: &mut [f64], p: usize) -> Vec<f64> {
    cholesky_factor(a, p);
    cholesky_substitute(a, b, p);
    b.to_vec()
}

/// The lower triangle of `a` (`p x p`, row major, symmetric positive definite) becomes `L`
/// of `a = L L'`; a pivot that is not positive is clamped to the ridge.
fn cholesky_factor(a: &mut [f64], p: usize) {
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        let d = if d > 0.0 { d.sqrt() } else { RIDGE.sqrt() };
        a[j * p + j] = d;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / d;
        }
    }
}

/// Solves `L L' w = b` in place with the factor [`cholesky_factor`] left in `a`: `L y = b`,
/// then `L' w = y`.
fn cholesky_substitute(a: &[f64], b: &mut [f64], p: usize) {
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * p + k] * b[k];
        }
        b[i] = s / a[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = b[i];
        for k in i + 1..p {
            s -= a[k * p + i] * b[k];
        }
        b[i] = s / a[i * p + i];
    }
}

/// The baselines fitted on a prepared series' training span, ready to forecast any of its
/// window sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Baselines {
    /// Season length `m`; 0 means none (no seasonal naive forecast).
    pub season: usize,
    /// Drift per step, original units: `(y[last] - y[first]) / (n_train - 1)` over the
    /// training span.
    pub drift_slope: f64,
    /// AR(lookback) fitted on the training span; `None` when the span holds no more
    /// one-step pairs than coefficients (its forecasts are then NaN).
    pub ar: Option<LinearAr>,
    /// In-sample MAE of the one-step seasonal naive forecast over the training span
    /// (`mean |y[t] - y[t - m]|`, `t = m..n_train`, with `m = 1` when `season` is 0): the
    /// scale of `mase`. NaN when the span is not longer than the season (validation
    /// rejects such a `data.season`).
    pub mase_scale: f64,
    /// Whether the transformed baselines are forecast: only with a transform or window
    /// normalisation. Scaling alone is affine, so without them they would repeat naive and
    /// (up to direct against iterated steps) linear AR.
    pub transformed: bool,
    /// The linear map from inputs to targets fitted on the training windows in the network's
    /// space; `None` when not `transformed`, or when there are no more training windows than
    /// coefficients (its forecasts are then NaN).
    pub transformed_ar: Option<DirectAr>,
}

impl Baselines {
    /// Fits the baselines on `prepared`'s training span; the AR order is the windows'
    /// lookback. Never fails: what cannot be fitted forecasts NaN (see the fields).
    pub fn fit(prepared: &Prepared, season: usize) -> Baselines {
        let transformed = !prepared.transform.is_identity() || prepared.window_normalise;
        Baselines::fit_with(prepared, season, transformed)
    }

    /// [`Baselines::fit`] with the transformed baselines on or off whatever the
    /// preprocessing (tests check their inversion on untransformed series with it).
    pub fn fit_with(prepared: &Prepared, season: usize, transformed: bool) -> Baselines {
        let train = &prepared.series.values[prepared.split.train.clone()];
        let lookback = prepared.train.x.shape()[1];
        let drift_slope = if train.len() > 1 {
            (train[train.len() - 1] - train[0]) / (train.len() - 1) as f64
        } else {
            0.0
        };
        Baselines {
            season,
            drift_slope,
            ar: LinearAr::fit(train, lookback).ok(),
            mase_scale: seasonal_naive_mae(train, season.max(1)),
            transformed,
            transformed_ar: transformed
                .then(|| {
                    DirectAr::fit(
                        prepared.network_inputs(&prepared.train).view(),
                        prepared.network_targets(&prepared.train).view(),
                    )
                    .ok()
                })
                .flatten(),
        }
    }

    /// Every baseline's forecast of the targets of `w` (a window set of `prepared`), original
    /// units, shape `[n, horizon]` each, in the order naive, seasonal naive (only when
    /// `season >= 1`), drift, ar, transformed naive and transformed ar (only when
    /// `transformed`).
    ///
    /// A seasonal naive value whose source index would precede the series (only possible in
    /// training windows when the season exceeds the lookback) is NaN.
    pub fn forecast(&self, prepared: &Prepared, w: &Windows) -> Forecasts {
        let y = &prepared.series.values;
        let (n, horizon) = (w.len(), w.y.ncols());
        let mut out = vec![(NAIVE, prepared.naive(w))];
        if self.season >= 1 {
            let m = self.season;
            let seasonal = Array2::from_shape_fn((n, horizon), |(i, h)| {
                let target = w.target_index[i] + h;
                let back = m * (h + 1).div_ceil(m);
                target.checked_sub(back).map_or(f64::NAN, |j| y[j])
            });
            out.push((SEASONAL_NAIVE, seasonal));
        }
        let drift = Array2::from_shape_fn((n, horizon), |(i, h)| {
            w.last_input[i] + (h + 1) as f64 * self.drift_slope
        });
        out.push((DRIFT, drift));
        let mut ar = Array2::from_elem((n, horizon), f64::NAN);
        if let Some(model) = &self.ar {
            let p = model.coef.len();
            for (i, &t0) in w.target_index.iter().enumerate() {
                let path = model.forecast(&y[t0 - p..t0], horizon);
                ar.row_mut(i).assign(&ndarray::ArrayView1::from(&path));
            }
        }
        out.push((AR, ar));
        if !self.transformed {
            return out;
        }

        // In the network's space, back through the network's own inversion.
        let inputs = prepared.network_inputs(w);
        let last = inputs.ncols() - 1;
        let carried = Array2::from_shape_fn((n, horizon), |(i, _)| inputs[[i, last]]);
        out.push((TRANSFORMED_NAIVE, prepared.to_original(w, carried.view())));
        let transformed_ar = match &self.transformed_ar {
            Some(model) => prepared.to_original(w, model.forecast(inputs.view()).view()),
            None => Array2::from_elem((n, horizon), f64::NAN),
        };
        out.push((TRANSFORMED_AR, transformed_ar));
        out
    }
}

/// Convenience: fit on `prepared`'s training span and forecast its validation (when present)
/// and test windows. Returns `(split, [(baseline, forecast [n, horizon])])` with split
/// `"validation"` then `"test"`.
pub fn baselines(prepared: &Prepared, season: usize) -> Vec<(&'static str, Forecasts)> {
    let fitted = Baselines::fit(prepared, season);
    let mut out = Vec::new();
    if let Some(v) = &prepared.validation {
        out.push(("validation", fitted.forecast(prepared, v)));
    }
    out.push(("test", fitted.forecast(prepared, &prepared.test)));
    out
}

/// `mean |y[t] - y[t - m]|` over `t = m..values.len()`; NaN when `values` has no more than
/// `m` points.
pub fn seasonal_naive_mae(values: &[f64], m: usize) -> f64 {
    let pairs = values.len().saturating_sub(m);
    (m..values.len())
        .map(|t| (values[t] - values[t - m]).abs())
        .sum::<f64>()
        / pairs as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::source::{sine, SineParams};
    use crate::data::{
        prepare, FitOn, LookbackFrom, PrepareParams, ScaleKind, Series, SplitSizes,
        TransformParams, Windows,
    };

    fn prepared(values: Vec<f64>, train: f64, lookback: usize, horizon: usize) -> Prepared {
        let series = Series { values, time: None };
        let params = PrepareParams {
            split: SplitSizes::train_fraction(train, 0.0),
            transform: TransformParams::default(),
            window_normalise: false,
            scale: ScaleKind::None,
            range: [0.0, 1.0],
            fit_on: FitOn::Train,
            lookback,
            horizon,
            lookback_from: LookbackFrom::Part,
        };
        prepare(series, &params).unwrap()
    }

    fn rows(a: &Array2<f64>) -> Vec<Vec<f64>> {
        a.outer_iter().map(|r| r.to_vec()).collect()
    }

    fn by_name<'a>(f: &'a [(&'static str, Array2<f64>)], name: &str) -> &'a Array2<f64> {
        &f.iter().find(|(n, _)| *n == name).unwrap().1
    }

    /// y[0..12] = 1 3 2 5 4 7 | 6 9 8 11 10 13; train 0..6, test 6..12.
    fn tiny() -> Prepared {
        let y = [1., 3., 2., 5., 4., 7., 6., 9., 8., 11., 10., 13.];
        // lookback 2, horizon 2: test windows have origins t0 = 8, 9, 10
        prepared(y.to_vec(), 0.5, 2, 2)
    }

    #[test]
    fn naive_seasonal_naive_and_drift_by_hand() {
        let p = tiny();
        assert_eq!(p.test.target_index, vec![8, 9, 10]);
        let b = Baselines::fit(&p, 2);
        let f = b.forecast(&p, &p.test);
        let names: Vec<&str> = f.iter().map(|(n, _)| *n).collect();
        // No transform here: no transformed baselines.
        assert_eq!(names, vec![NAIVE, SEASONAL_NAIVE, DRIFT, AR]);

        // naive: y[t0 - 1] = y7, y8, y9 = 9, 8, 11 for both steps
        assert_eq!(
            rows(by_name(&f, NAIVE)),
            vec![vec![9., 9.], vec![8., 8.], vec![11., 11.]]
        );
        // m = 2: step 1 -> y[t0 - 2], step 2 -> y[t0 + 1 - 2 * ceil(2 / 2)] = y[t0 - 1]
        // t0 = 8: y6, y7 = 6, 9; t0 = 9: y7, y8 = 9, 8; t0 = 10: y8, y9 = 8, 11
        assert_eq!(
            rows(by_name(&f, SEASONAL_NAIVE)),
            vec![vec![6., 9.], vec![9., 8.], vec![8., 11.]]
        );
        // slope over the training span: (y5 - y0) / 5 = (7 - 1) / 5 = 1.2
        // t0 = 8: 9 + 1.2, 9 + 2.4; t0 = 9: 8 + 1.2, 8 + 2.4; t0 = 10: 11 + 1.2, 11 + 2.4
        assert!((b.drift_slope - 1.2).abs() < 1e-15);
        let drift = by_name(&f, DRIFT);
        let expected = [[10.2, 11.4], [9.2, 10.4], [12.2, 13.4]];
        for (i, row) in expected.iter().enumerate() {
            for (h, v) in row.iter().enumerate() {
                assert!((drift[[i, h]] - v).abs() < 1e-12, "drift[{i}, {h}]");
            }
        }
        // in-sample seasonal naive MAE, m = 2, over 1 3 2 5 4 7: |2-1| |5-3| |4-2| |7-5|
        // = 1 2 2 2 -> 7 / 4
        assert_eq!(b.mase_scale, 1.75);
    }

    #[test]
    fn seasonal_naive_looks_back_whole_seasons() {
        let p = tiny();
        // m = 3, horizon 2: step 1 -> y[t0 - 3], step 2 -> y[t0 + 1 - 3] = y[t0 - 2]
        // t0 = 8: y5, y6 = 7, 6; t0 = 9: y6, y7 = 6, 9; t0 = 10: y7, y8 = 9, 8
        let f = Baselines::fit(&p, 3).forecast(&p, &p.test);
        assert_eq!(
            rows(by_name(&f, SEASONAL_NAIVE)),
            vec![vec![7., 6.], vec![6., 9.], vec![9., 8.]]
        );
        // m = 1 repeats the last value: it is the naive forecast
        let f = Baselines::fit(&p, 1).forecast(&p, &p.test);
        assert_eq!(by_name(&f, SEASONAL_NAIVE), by_name(&f, NAIVE));
        // season 0: no seasonal naive, and the MASE scale is the naive one (m = 1):
        // |3-1| |2-3| |5-2| |4-5| |7-4| = 2 1 3 1 3 -> 10 / 5
        let b = Baselines::fit(&p, 0);
        let names: Vec<&str> = b.forecast(&p, &p.test).iter().map(|(n, _)| *n).collect();
        assert_eq!(names, vec![NAIVE, DRIFT, AR]);
        // With them asked for, they follow.
        let names: Vec<&str> = Baselines::fit_with(&p, 0, true)
            .forecast(&p, &p.test)
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(
            names,
            vec![NAIVE, DRIFT, AR, TRANSFORMED_NAIVE, TRANSFORMED_AR]
        );
        assert_eq!(b.mase_scale, 2.0);
    }

    #[test]
    fn seasonal_naive_beyond_one_season_of_horizon() {
        // horizon 3 with m = 2 (series 0..20, train 0..10, lookback 2):
        // step 3 targets t0 + 2 and looks back 2 * ceil(3 / 2) = 4 -> y[t0 - 2]
        let p = prepared((0..20).map(f64::from).collect(), 0.5, 2, 3);
        assert_eq!(p.test.target_index[0], 12);
        let f = Baselines::fit(&p, 2).forecast(&p, &p.test);
        assert_eq!(
            by_name(&f, SEASONAL_NAIVE).row(0).to_vec(),
            vec![10., 11., 10.]
        );
    }

    #[test]
    fn training_windows_without_a_season_of_history_get_nan() {
        // lookback 2 < season 3: the first training window (t0 = 2) has no y[-1]
        let p = tiny();
        let f = Baselines::fit(&p, 3).forecast(&p, &p.train);
        let s = by_name(&f, SEASONAL_NAIVE);
        assert!(s[[0, 0]].is_nan());
        // its second step looks at y[2 + 1 - 3] = y0 = 1
        assert_eq!(s[[0, 1]], 1.0);
    }

    /// y[t] = 1.8 y[t-1] - 0.9 y[t-2] + 0.5 from y0 = 3, y1 = 0: a damped oscillation
    /// around 0.5 / (1 - 1.8 + 0.9) = 5.
    fn ar2_series(n: usize) -> Vec<f64> {
        let mut y = vec![3.0, 0.0];
        while y.len() < n {
            let t = y.len();
            y.push(1.8 * y[t - 1] - 0.9 * y[t - 2] + 0.5);
        }
        y
    }

    #[test]
    fn ar_recovers_a_noise_free_ar2() {
        let y = ar2_series(80);
        let ar = LinearAr::fit(&y[..60], 2).unwrap();
        assert!((ar.coef[0] - 1.8).abs() < 1e-6, "{ar:?}");
        assert!((ar.coef[1] + 0.9).abs() < 1e-6, "{ar:?}");
        assert!((ar.intercept - 0.5).abs() < 1e-6, "{ar:?}");
        // iterated three steps from the first 60 values continue the recursion
        let path = ar.forecast(&y[..60], 3);
        for (k, v) in path.iter().enumerate() {
            assert!(
                (v - y[60 + k]).abs() < 1e-6,
                "step {k}: {v} vs {}",
                y[60 + k]
            );
        }
    }

    #[test]
    fn ar_forecasts_test_windows_through_prepared() {
        // 40 points of the AR(2) series, train 0..20, lookback 2, horizon 2
        let p = prepared(ar2_series(40), 0.5, 2, 2);
        let f = Baselines::fit(&p, 0).forecast(&p, &p.test);
        let ar = by_name(&f, AR);
        // AR(2) is exact on this series: window t0 predicts y[t0], y[t0 + 1]
        let y = &p.series.values;
        for (i, &t0) in p.test.target_index.iter().enumerate() {
            for h in 0..2 {
                assert!((ar[[i, h]] - y[t0 + h]).abs() < 1e-6, "window {i} step {h}");
            }
        }
    }

    #[test]
    fn ar_needs_more_pairs_than_coefficients() {
        // 6 points, lookback 3: 3 pairs for 4 coefficients
        let err = LinearAr::fit(&[1., 2., 3., 4., 5., 6.], 3).unwrap_err();
        assert_eq!(
            err,
            BaselineError::TooShortForAr {
                lookback: 3,
                needed: 4,
                train_len: 6
            }
        );
        // through Baselines the AR column is NaN rather than an error
        let p = prepared((0..12).map(f64::from).collect(), 0.5, 3, 1);
        let b = Baselines::fit(&p, 0);
        assert!(b.ar.is_none());
        assert!(by_name(&b.forecast(&p, &p.test), AR)
            .iter()
            .all(|v| v.is_nan()));
    }

    /// `values` prepared with `transform`, `scale` and window normalisation as given;
    /// train 60 %, validation 10 %, test 30 %.
    fn prepared_with(
        values: Vec<f64>,
        transform: TransformParams,
        scale: ScaleKind,
        window_normalise: bool,
        lookback: usize,
        horizon: usize,
    ) -> Prepared {
        let params = PrepareParams {
            split: SplitSizes::train_fraction(0.7, 0.1),
            transform,
            window_normalise,
            scale,
            range: [0.0, 1.0],
            fit_on: FitOn::Train,
            lookback,
            horizon,
            lookback_from: LookbackFrom::Part,
        };
        prepare(Series { values, time: None }, &params).unwrap()
    }

    /// The validation and test windows of `p`.
    fn scored(p: &Prepared) -> [&Windows; 2] {
        [p.validation.as_ref().unwrap(), &p.test]
    }

    #[test]
    fn transformed_naive_is_the_naive_forecast_without_transform_or_scaling() {
        // Scaler `none`, no transform: the network's space is the series itself (or, with
        // window normalisation, the series minus the window's last input), and carrying the
        // last input forward there is exactly the naive forecast.
        for window_normalise in [false, true] {
            let p = prepared_with(
                ar2_series(60),
                TransformParams::default(),
                ScaleKind::None,
                window_normalise,
                3,
                2,
            );
            let fitted = Baselines::fit_with(&p, 0, true);
            for w in [&p.train, p.validation.as_ref().unwrap(), &p.test] {
                let f = fitted.forecast(&p, w);
                assert_eq!(
                    by_name(&f, TRANSFORMED_NAIVE),
                    by_name(&f, NAIVE),
                    "normalise {window_normalise}"
                );
            }
        }
    }

    #[test]
    fn transformed_naive_is_exact_on_a_geometric_series_with_log_and_difference() {
        // y = 3 * 1.05^t: after log and one difference every value is ln 1.05, so carrying
        // the last one forward and inverting continues the series exactly (to rounding).
        let y: Vec<f64> = (0..100).map(|t| 3.0 * 1.05f64.powi(t)).collect();
        let transform = TransformParams {
            log: true,
            difference: 1,
            seasonal_difference: 0,
        };
        for scale in [ScaleKind::None, ScaleKind::Standard] {
            for window_normalise in [false, true] {
                let p = prepared_with(y.clone(), transform, scale, window_normalise, 4, 3);
                let fitted = Baselines::fit(&p, 0);
                for w in scored(&p) {
                    let f = fitted.forecast(&p, w);
                    let actual = p.actual(w);
                    for (v, a) in by_name(&f, TRANSFORMED_NAIVE).iter().zip(&actual) {
                        assert!(
                            ((v - a) / a).abs() < 1e-12,
                            "{scale:?} normalise {window_normalise}: {v} vs {a}"
                        );
                    }
                    // the plain naive forecast misses the growth
                    assert!(rmse(by_name(&f, NAIVE), &actual) > 0.1);
                }
            }
        }
    }

    #[test]
    fn transformed_ar_recovers_a_noise_free_linear_ar() {
        // y[t] = 1.8 y[t-1] - 0.9 y[t-2] + 0.5: every step ahead is an affine function of
        // the last two values, so the direct map from 2 inputs to 3 targets is exact, and
        // stays exact through an affine scaler.
        for scale in [ScaleKind::None, ScaleKind::MinMax, ScaleKind::Standard] {
            let p = prepared_with(
                ar2_series(80),
                TransformParams::default(),
                scale,
                false,
                2,
                3,
            );
            let fitted = Baselines::fit_with(&p, 0, true);
            for w in scored(&p) {
                let f = fitted.forecast(&p, w);
                let actual = p.actual(w);
                for (v, a) in by_name(&f, TRANSFORMED_AR).iter().zip(&actual) {
                    assert!((v - a).abs() < 1e-8, "{scale:?}: {v} vs {a}");
                }
            }
        }
        // Unscaled, the first step's map is the recursion itself (inputs oldest first).
        let p = prepared_with(
            ar2_series(80),
            TransformParams::default(),
            ScaleKind::None,
            false,
            2,
            3,
        );
        let model = Baselines::fit_with(&p, 0, true).transformed_ar.unwrap();
        assert_eq!(model.coef.shape(), &[3, 2]);
        assert!((model.coef[[0, 0]] + 0.9).abs() < 1e-8, "{model:?}");
        assert!((model.coef[[0, 1]] - 1.8).abs() < 1e-8, "{model:?}");
        assert!((model.intercept[0] - 0.5).abs() < 1e-8, "{model:?}");
        // the second step: y[t+1] = 1.8 (1.8 y1 - 0.9 y2 + 0.5) - 0.9 y1 + 0.5
        //                         = 2.34 y1 - 1.62 y2 + 1.4 (y1 = y[t-1], y2 = y[t-2])
        assert!((model.coef[[1, 0]] + 1.62).abs() < 1e-8, "{model:?}");
        assert!((model.coef[[1, 1]] - 2.34).abs() < 1e-8, "{model:?}");
        assert!((model.intercept[1] - 1.4).abs() < 1e-8, "{model:?}");
    }

    #[test]
    fn transformed_ar_is_fitted_in_the_transformed_space_and_inverted() {
        // A series whose log first differences follow an AR(1),
        // u[t] = 0.0025 + 0.9 u[t-1]: in the network's space (log, difference, MinMax) each
        // step ahead is an affine function of the last input, so the map is exact there and
        // exact in original units once inverted.
        let mut u: Vec<f64> = vec![0.1];
        while u.len() < 80 {
            u.push(0.0025 + 0.9 * u[u.len() - 1]);
        }
        let mut y = vec![10.0];
        for du in &u[1..] {
            y.push(y[y.len() - 1] * du.exp());
        }
        let transform = TransformParams {
            log: true,
            difference: 1,
            seasonal_difference: 0,
        };
        let p = prepared_with(y, transform, ScaleKind::MinMax, false, 2, 2);
        let fitted = Baselines::fit(&p, 0);
        for w in scored(&p) {
            let f = fitted.forecast(&p, w);
            let actual = p.actual(w);
            for (v, a) in by_name(&f, TRANSFORMED_AR).iter().zip(&actual) {
                assert!(((v - a) / a).abs() < 1e-10, "{v} vs {a}");
            }
        }
    }

    #[test]
    fn transformed_ar_needs_more_windows_than_coefficients() {
        let x = Array2::from_shape_fn((3, 2), |(i, k)| (i + k) as f64);
        let y = Array2::from_shape_fn((3, 1), |(i, _)| i as f64);
        assert_eq!(
            DirectAr::fit(x.view(), y.view()).unwrap_err(),
            BaselineError::TooFewWindowsForAr {
                lookback: 2,
                needed: 3,
                windows: 3
            }
        );
        // 12 points, train 0..6, lookback 3: 3 training windows for 4 coefficients
        let p = prepared((0..12).map(f64::from).collect(), 0.5, 3, 1);
        let b = Baselines::fit_with(&p, 0, true);
        assert!(b.transformed_ar.is_none());
        let f = b.forecast(&p, &p.test);
        assert!(by_name(&f, TRANSFORMED_AR).iter().all(|v| v.is_nan()));
        assert!(by_name(&f, TRANSFORMED_NAIVE).iter().all(|v| v.is_finite()));
    }

    fn tutorial_sine(horizon: usize) -> Prepared {
        let s = sine(&SineParams::tutorial(), 42);
        let params = PrepareParams {
            split: SplitSizes::train_fraction(0.8, 0.1),
            transform: TransformParams::default(),
            window_normalise: false,
            scale: ScaleKind::MinMax,
            range: [0.0, 1.0],
            fit_on: FitOn::Train,
            lookback: 10,
            horizon,
            lookback_from: LookbackFrom::Part,
        };
        prepare(s, &params).unwrap()
    }

    fn rmse(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
        (a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64).sqrt()
    }

    #[test]
    fn ar10_is_exact_on_a_noiseless_sine() {
        for horizon in [1, 5] {
            let p = tutorial_sine(horizon);
            let out = baselines(&p, 0);
            let splits: Vec<&str> = out.iter().map(|(s, _)| *s).collect();
            assert_eq!(splits, vec!["validation", "test"]);
            for (split, w) in [
                ("validation", p.validation.as_ref().unwrap()),
                ("test", &p.test),
            ] {
                let f = &out.iter().find(|(s, _)| *s == split).unwrap().1;
                let actual = p.actual(w);
                let ar = by_name(f, AR);
                assert_eq!(ar.shape(), &[w.len(), horizon]);
                let e = rmse(ar, &actual);
                assert!(e < 1e-6, "{split} horizon {horizon}: AR rmse {e}");
                // the naive forecast is far from exact: step 0.1 rad -> rmse about 0.07
                assert!(rmse(by_name(f, NAIVE), &actual) > 0.05);
            }
        }
    }

    #[test]
    fn ar_is_invariant_to_the_units() {
        // AR(2) fitted on 1000 * y + 7 predicts 1000 * (AR on y) + 7
        let y = ar2_series(60);
        let z: Vec<f64> = y.iter().map(|v| 1000.0 * v + 7.0).collect();
        let (a, b) = (LinearAr::fit(&y, 2).unwrap(), LinearAr::fit(&z, 2).unwrap());
        let (fa, fb) = (a.forecast(&y, 4), b.forecast(&z, 4));
        for (u, v) in fa.iter().zip(&fb) {
            assert!((1000.0 * u + 7.0 - v).abs() < 1e-6, "{u} {v}");
        }
    }
}
