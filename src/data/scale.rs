use serde::{Deserialize, Serialize};

/// Which scaler to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScaleKind {
    /// Map [min, max] of the fitted data onto a feature range (sklearn `MinMaxScaler`).
    #[default]
    MinMax,
    /// Subtract the mean and divide by the population standard deviation
    /// (sklearn `StandardScaler`).
    Standard,
    /// Leave values as they are.
    None,
}

/// Which part of the series the scaler is fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FitOn {
    /// The training part only (no test statistics leak into training).
    #[default]
    Train,
    /// The whole series, as the Keras tutorial does.
    All,
}

/// A fitted affine scaler: `scaled = x * scale + offset`, inverse
/// `x = (scaled - offset) / scale`. The formula and its order of operations are
/// sklearn's, so scaled values match the Python tutorial to the last bit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Scaler {
    MinMax {
        data_min: f64,
        data_max: f64,
        scale: f64,
        offset: f64,
    },
    Standard {
        mean: f64,
        /// Population standard deviation (1 when the data is constant).
        std: f64,
    },
    None,
}

impl Scaler {
    /// Fit a scaler of `kind` on `data`. `range` is the MinMax feature range `[lo, hi]`.
    /// A constant (or empty) series gets a unit spread instead of a division by zero,
    /// as in sklearn: MinMax maps it to `lo`, Standard to 0.
    pub fn fit(kind: ScaleKind, range: [f64; 2], data: &[f64]) -> Scaler {
        match kind {
            ScaleKind::MinMax => {
                let (data_min, data_max) = if data.is_empty() {
                    (0.0, 0.0)
                } else {
                    data.iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                            (lo.min(x), hi.max(x))
                        })
                };
                let spread = nonzero(data_max - data_min);
                let scale = (range[1] - range[0]) / spread;
                Scaler::MinMax {
                    data_min,
                    data_max,
                    scale,
                    offset: range[0] - data_min * scale,
                }
            }
            ScaleKind::Standard => {
                let n = data.len().max(1) as f64;
                let mean = data.iter().sum::<f64>() / n;
                let var = data.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
                Scaler::Standard {
                    mean,
                    std: nonzero(var.sqrt()),
                }
            }
            ScaleKind::None => Scaler::None,
        }
    }

    pub fn transform(&self, x: f64) -> f64 {
        match *self {
            Scaler::MinMax { scale, offset, .. } => x * scale + offset,
            Scaler::Standard { mean, std } => (x - mean) / std,
            Scaler::None => x,
        }
    }

    pub fn inverse(&self, y: f64) -> f64 {
        match *self {
            Scaler::MinMax { scale, offset, .. } => (y - offset) / scale,
            Scaler::Standard { mean, std } => y * std + mean,
            Scaler::None => y,
        }
    }

    pub fn transform_all(&self, xs: &[f64]) -> Vec<f64> {
        xs.iter().map(|&x| self.transform(x)).collect()
    }

    pub fn inverse_all(&self, ys: &[f64]) -> Vec<f64> {
        ys.iter().map(|&y| self.inverse(y)).collect()
    }
}

fn nonzero(spread: f64) -> f64 {
    if spread == 0.0 {
        1.0
    } else {
        spread
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minmax_maps_min_and_max_onto_the_range_and_inverts() {
        // data 2..10: scale = 1 / 8, offset = -2 / 8 -> 2 -> 0, 4 -> 0.25, 10 -> 1
        let s = Scaler::fit(ScaleKind::MinMax, [0.0, 1.0], &[4.0, 2.0, 10.0]);
        assert_eq!(
            s.transform_all(&[4.0, 2.0, 10.0, 6.0]),
            vec![0.25, 0.0, 1.0, 0.5]
        );
        assert_eq!(
            s.inverse_all(&[0.25, 0.0, 1.0, 0.5]),
            vec![4.0, 2.0, 10.0, 6.0]
        );
        // range [-1, 1]: scale = 2 / 8, offset = -1 - 2 * 0.25 = -1.5 -> 6 -> 0
        let s = Scaler::fit(ScaleKind::MinMax, [-1.0, 1.0], &[4.0, 2.0, 10.0]);
        assert_eq!(
            s.transform_all(&[2.0, 6.0, 10.0, 14.0]),
            vec![-1.0, 0.0, 1.0, 2.0]
        );
    }

    #[test]
    fn standard_uses_population_std() {
        // mean 5, deviations -3 -1 1 3, population variance (9+1+1+9)/4 = 5
        let s = Scaler::fit(ScaleKind::Standard, [0.0, 1.0], &[2.0, 4.0, 6.0, 8.0]);
        assert_eq!(
            s,
            Scaler::Standard {
                mean: 5.0,
                std: 5f64.sqrt()
            }
        );
        assert!((s.transform(8.0) - 3.0 / 5f64.sqrt()).abs() < 1e-15);
        assert!((s.inverse(s.transform(8.0)) - 8.0).abs() < 1e-12);
    }

    #[test]
    fn constant_series_does_not_divide_by_zero() {
        let s = Scaler::fit(ScaleKind::MinMax, [0.0, 1.0], &[3.0, 3.0]);
        assert_eq!(s.transform(3.0), 0.0);
        assert_eq!(s.inverse(0.0), 3.0);
        let s = Scaler::fit(ScaleKind::Standard, [0.0, 1.0], &[3.0, 3.0]);
        assert_eq!(s.transform(3.0), 0.0);
        assert_eq!(s.inverse(1.0), 4.0);
        assert!(Scaler::fit(ScaleKind::MinMax, [0.0, 1.0], &[])
            .transform(1.0)
            .is_finite());
    }

    #[test]
    fn none_is_identity() {
        let s = Scaler::fit(ScaleKind::None, [0.0, 1.0], &[1.0, 5.0]);
        assert_eq!((s.transform(7.5), s.inverse(7.5)), (7.5, 7.5));
    }
}
