use serde::Serialize;

use super::scaled::{self, SumOfSquares};

/// Accuracy of a forecast over `n` points, in the series' original units.
///
/// Percentage metrics leave out points whose actual value is exactly 0 (they would
/// divide by zero); `n_zero_excluded` counts them, and a percentage metric is `None`
/// when no point is left. Non-finite values serialize to JSON `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    /// Number of points compared.
    pub n: usize,
    /// Root mean squared error, original units.
    pub rmse: f64,
    /// Mean absolute error, original units.
    pub mae: f64,
    /// Mean absolute percentage error, percent: `100 / m * sum |F - A| / |A|`.
    pub mape: Option<f64>,
    /// Symmetric MAPE, percent on the 0..200 scale:
    /// `100 / m * sum 2 |F - A| / (|A| + |F|)`.
    pub smape: Option<f64>,
    /// Mean absolute scaled error (Hyndman & Koehler): the model's MAE divided by the
    /// in-sample MAE of the one-step seasonal naive forecast over the training span,
    /// `mean |y[t] - y[t - m]|` (`m` = `data.season`, or 1, the naive forecast, when the
    /// season is 0; see [`super::baselines::seasonal_naive_mae`]). Below 1 means the model's
    /// errors are smaller than those the seasonal naive forecast makes in-sample.
    /// `None` when that scale is 0 or undefined.
    pub mase: Option<f64>,
    /// Coefficient of determination `1 - SS_res / SS_tot`. For a constant actual
    /// series (SS_tot = 0) it is 1 for a perfect forecast and 0 otherwise, like sklearn.
    pub r2: f64,
    /// Points with actual value 0, left out of `mape` and `smape`.
    pub n_zero_excluded: usize,
    /// RMSE of the naive last-value forecast on the same points, original units.
    pub naive_rmse: f64,
    /// MAE of the naive last-value forecast on the same points, original units.
    pub naive_mae: f64,
}

/// Compare `predicted` and the naive forecast `naive` with `actual`, point by point.
/// The three slices hold the same points in the same order (for a multi-step horizon,
/// flatten the `[n, horizon]` arrays the same way). With no points every error is NaN.
/// `mase_scale` is the denominator of `mase`, original units (the in-sample seasonal
/// naive MAE of the training span).
///
/// # Panics
/// If the slices differ in length: that is a bug in the caller, not bad user input.
pub fn evaluate(actual: &[f64], predicted: &[f64], naive: &[f64], mase_scale: f64) -> Metrics {
    assert_eq!(actual.len(), predicted.len(), "actual vs predicted length");
    assert_eq!(actual.len(), naive.len(), "actual vs naive length");
    let n = actual.len();
    let mae = mean_abs_error(actual, predicted);
    let naive_mae = mean_abs_error(actual, naive);

    let nonzero: Vec<(f64, f64)> = actual
        .iter()
        .zip(predicted)
        .filter(|(a, _)| **a != 0.0)
        .map(|(a, f)| (*a, *f))
        .collect();
    let percent = |term: fn(f64, f64) -> f64| {
        (!nonzero.is_empty()).then(|| {
            100.0 * nonzero.iter().map(|&(a, f)| term(a, f)).sum::<f64>() / nonzero.len() as f64
        })
    };

    // Scale-aware sums (see `super::scaled`): errors of 1e300 do not overflow to inf nor
    // errors of 1e-300 underflow to 0, and ordinary values give the same bits as before.
    let mean = scaled::mean(actual.iter().copied());
    let ss_res = SumOfSquares::of(actual.iter().zip(predicted).map(|(a, f)| a - f));
    let ss_tot = SumOfSquares::of(actual.iter().map(|a| a - mean));
    let r2 = if !ss_tot.is_zero() {
        1.0 - ss_res.ratio(&ss_tot)
    } else if ss_res.is_zero() {
        1.0
    } else {
        0.0
    };

    Metrics {
        n,
        rmse: ss_res.root_mean(n),
        mae,
        mape: percent(|a, f| (f - a).abs() / a.abs()),
        smape: percent(|a, f| 2.0 * (f - a).abs() / (a.abs() + f.abs())),
        mase: (mase_scale.is_finite() && mase_scale > 0.0).then(|| mae / mase_scale),
        r2,
        n_zero_excluded: n - nonzero.len(),
        naive_rmse: root_mean_squared_error(actual, naive),
        naive_mae,
    }
}

/// Mean absolute error of `forecast` against `actual`, without overflow (see `super::scaled`).
pub fn mean_abs_error(actual: &[f64], forecast: &[f64]) -> f64 {
    scaled::mean(actual.iter().zip(forecast).map(|(a, f)| (a - f).abs()))
}

/// Root mean squared error of `forecast` against `actual`, without overflow or underflow
/// (see `super::scaled`).
pub fn root_mean_squared_error(actual: &[f64], forecast: &[f64]) -> f64 {
    SumOfSquares::of(actual.iter().zip(forecast).map(|(a, f)| a - f)).root_mean(actual.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn hand_computed_metrics() {
        // A = 1, 2, 4; F = 2, 2, 2 -> errors 1, 0, -2
        // rmse = sqrt((1 + 0 + 4) / 3) = sqrt(5/3); mae = 3/3 = 1
        // mape = 100/3 (1/1 + 0 + 2/4) = 50
        // smape = 100/3 (2/3 + 0 + 4/6) = 400/9
        // mean A = 7/3, SS_tot = 16/9 + 1/9 + 25/9 = 42/9, SS_res = 5 -> r2 = 1 - 45/42
        // naive N = 0, 1, 2 -> errors 1, 1, 2: naive mae = 4/3, naive rmse = sqrt(6/3)
        // mase = mae / scale = 1 / 4 = 0.25 (scale given: an in-sample MAE of 4)
        let m = evaluate(&[1.0, 2.0, 4.0], &[2.0, 2.0, 2.0], &[0.0, 1.0, 2.0], 4.0);
        assert_eq!(m.n, 3);
        assert!(close(m.rmse, (5.0f64 / 3.0).sqrt()));
        assert!(close(m.mae, 1.0));
        assert!(close(m.mape.unwrap(), 50.0));
        assert!(close(m.smape.unwrap(), 400.0 / 9.0));
        assert!(close(m.r2, 1.0 - 45.0 / 42.0));
        assert!(close(m.naive_mae, 4.0 / 3.0));
        assert!(close(m.naive_rmse, 2f64.sqrt()));
        assert!(close(m.mase.unwrap(), 0.25));
        assert_eq!(m.n_zero_excluded, 0);
    }

    #[test]
    fn zero_actuals_are_left_out_of_percentages() {
        // A = 0, 2; F = 1, 3: only the second point counts for mape / smape
        // mape = 100 * 1/2 = 50; smape = 100 * 2/5 = 40; mae over both = 1
        let m = evaluate(&[0.0, 2.0], &[1.0, 3.0], &[0.0, 0.0], 1.0);
        assert_eq!(m.n_zero_excluded, 1);
        assert!(close(m.mape.unwrap(), 50.0));
        assert!(close(m.smape.unwrap(), 40.0));
        assert!(close(m.mae, 1.0));
        // mae 1 over a scale of 1 -> mase 1
        assert!(close(m.mase.unwrap(), 1.0));
        assert!(close(m.naive_mae, 1.0));

        let m = evaluate(&[0.0, 0.0], &[1.0, 0.0], &[0.0, 0.0], 0.0);
        assert_eq!((m.mape, m.smape, m.n_zero_excluded), (None, None, 2));
        // a training span with no seasonal change gives scale 0: mase is undefined
        assert_eq!(m.mase, None);
        assert_eq!(evaluate(&[1.0], &[2.0], &[1.0], f64::NAN).mase, None);
        // constant actuals, imperfect forecast: r2 = 0 (sklearn convention)
        assert_eq!(m.r2, 0.0);
    }

    #[test]
    fn perfect_forecast() {
        let a = [3.0, -1.0, 5.0];
        let m = evaluate(&a, &a, &[3.0, 3.0, -1.0], 2.0);
        assert_eq!((m.rmse, m.mae, m.r2), (0.0, 0.0, 1.0));
        assert_eq!((m.mape, m.smape, m.mase), (Some(0.0), Some(0.0), Some(0.0)));
        // naive errors 0, 4, 6 -> rmse sqrt(52/3)
        assert!(close(m.naive_rmse, (52.0f64 / 3.0).sqrt()));
    }

    #[test]
    fn huge_values_do_not_overflow() {
        // A = ±1e300, F = 0: errors ±1e300, squares 1e600 (beyond f64). Exactly:
        // rmse = sqrt((x² + x²) / 2) = x (sqrt of a rounded square gives x back); mae = x;
        // mean A = 0, SS_tot = SS_res -> r2 = 0; naive N = A -> naive errors 0.
        let x = 1e300;
        let m = evaluate(&[x, -x], &[0.0, 0.0], &[x, -x], 1.0);
        assert_eq!((m.rmse, m.mae, m.r2), (x, x, 0.0));
        assert_eq!((m.naive_rmse, m.naive_mae), (0.0, 0.0));
        assert_eq!(m.mase, Some(x));
        // F = A / 2 (exact in binary): SS_res / SS_tot = 1/4 -> r2 = 0.75; rmse = x / 2
        let m = evaluate(&[x, -x], &[x / 2.0, -x / 2.0], &[0.0, 0.0], 1.0);
        assert_eq!((m.rmse, m.mae, m.r2), (x / 2.0, x / 2.0, 0.75));
        assert_eq!((m.naive_rmse, m.naive_mae), (x, x));
        assert_eq!(m.mape, Some(50.0));
        // smape terms 2 (x/2) / (1.5 x) = 2/3, computed from rounded operands
        assert!((m.smape.unwrap() - 200.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn tiny_values_do_not_underflow() {
        // The same series at 1e-300: squares 1e-600 would be 0, giving rmse 0 and r2 1.
        let x = 1e-300;
        let m = evaluate(&[x, -x], &[0.0, 0.0], &[x, -x], 1.0);
        assert_eq!((m.rmse, m.mae, m.r2), (x, x, 0.0));
        let m = evaluate(&[x, -x], &[x / 2.0, -x / 2.0], &[0.0, 0.0], 1.0);
        assert_eq!((m.rmse, m.mae, m.r2), (x / 2.0, x / 2.0, 0.75));
        assert_eq!(root_mean_squared_error(&[x, -x], &[0.0, 0.0]), x);
        // (x + 2x) / 2 rounds as 1.5 x does
        assert_eq!(mean_abs_error(&[x, 2.0 * x], &[0.0, 0.0]), 1.5 * x);
    }

    #[test]
    fn serializes_to_json_with_null_for_undefined() {
        let m = evaluate(&[0.0], &[0.0], &[0.0], 0.0);
        let json = serde_json::to_value(m).unwrap();
        assert_eq!(json["n"], 1);
        assert_eq!(json["mape"], serde_json::Value::Null);
        assert_eq!(json["mase"], serde_json::Value::Null);
        assert_eq!(json["r2"], 1.0);
        assert_eq!(json["n_zero_excluded"], 1);
    }

    #[test]
    #[should_panic(expected = "actual vs predicted length")]
    fn mismatched_lengths_panic() {
        evaluate(&[1.0], &[], &[1.0], 1.0);
    }
}
