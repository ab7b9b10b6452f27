//! One series of a panel scored the way the forecasting competitions score it: the
//! benchmarks (naive, seasonal naive, Naive2, SES, Theta) fitted on the points before a
//! forecast origin, and the sMAPE and MASE of any forecast of the `h` points from there.
//! Pure: values in, numbers out.

use super::classical;

/// The competitions' benchmarks, in the order tables and reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Benchmark {
    Naive,
    SeasonalNaive,
    /// Naive on the seasonally adjusted series (classical multiplicative decomposition when
    /// the 90% autocorrelation test finds a season), reseasonalised: the OWA's reference.
    Naive2,
    Ses,
    /// SES with drift of half the linear trend's slope on the seasonally adjusted series
    /// (M3's Theta, as Hyndman & Billah state it).
    Theta,
}

impl Benchmark {
    pub const ALL: [Benchmark; 5] = [
        Benchmark::Naive,
        Benchmark::SeasonalNaive,
        Benchmark::Naive2,
        Benchmark::Ses,
        Benchmark::Theta,
    ];

    /// The spelling in column names (`naive2_smape`); the same as [`crate::store::SeriesRow`]'s.
    pub fn key(self) -> &'static str {
        match self {
            Benchmark::Naive => "naive",
            Benchmark::SeasonalNaive => "seasonal_naive",
            Benchmark::Naive2 => "naive2",
            Benchmark::Ses => "ses",
            Benchmark::Theta => "theta",
        }
    }

    /// Its forecast of the `h` points after `history` (season `m`).
    pub fn forecast(self, history: &[f64], h: usize, m: usize) -> Vec<f64> {
        match self {
            Benchmark::Naive => classical::naive(history, h),
            Benchmark::SeasonalNaive => classical::seasonal_naive(history, h, m),
            Benchmark::Naive2 => classical::naive2(history, h, m),
            Benchmark::Ses => classical::ses(history, h),
            Benchmark::Theta => classical::theta(history, h, m),
        }
    }
}

/// sMAPE (0..200) and MASE of one forecast of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracy {
    pub smape: f64,
    pub mase: f64,
}

impl Accuracy {
    /// `forecast` of `actual` (same length), MASE divided by `scale` (see [`Origin::scale`]).
    pub fn of(actual: &[f64], forecast: &[f64], scale: f64) -> Accuracy {
        Accuracy {
            smape: classical::smape(actual, forecast),
            mase: classical::mae(actual, forecast) / scale,
        }
    }
}

/// One forecast origin of one series: the `h` points to forecast, the MASE scale of the
/// points before them, and every benchmark's forecast and accuracy.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// Index of the first forecast point in the series.
    pub origin: usize,
    /// The `h` actual values from `origin`.
    pub actual: Vec<f64>,
    /// In-sample MAE of the seasonal naive one-step forecast on the points before `origin`
    /// (lag 1 without a season): MASE's denominator.
    pub scale: f64,
    /// [`Benchmark::ALL`] order.
    pub forecasts: [Vec<f64>; 5],
    /// [`Benchmark::ALL`] order.
    pub accuracy: [Accuracy; 5],
}

impl Origin {
    /// Scores the benchmarks of `values` forecast from `origin` for `h` points, season `m`.
    ///
    /// # Panics
    /// If `origin` is 0 or `origin + h` passes the end of `values`.
    pub fn new(values: &[f64], origin: usize, h: usize, m: usize) -> Origin {
        assert!(
            origin > 0 && origin + h <= values.len(),
            "origin out of the series"
        );
        let history = &values[..origin];
        let actual = values[origin..origin + h].to_vec();
        let scale = classical::mase_scale(history, m);
        let forecasts = Benchmark::ALL.map(|b| b.forecast(history, h, m));
        let accuracy = std::array::from_fn(|i| Accuracy::of(&actual, &forecasts[i], scale));
        Origin {
            origin,
            actual,
            scale,
            forecasts,
            accuracy,
        }
    }

    pub fn benchmark(&self, b: Benchmark) -> (&[f64], Accuracy) {
        let i = Benchmark::ALL.iter().position(|x| *x == b).expect("listed");
        (&self.forecasts[i], self.accuracy[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_scores_every_benchmark_on_the_points_after_it() {
        // 12 quarterly points with a clear season; forecast the last 4 from origin 8.
        let values: Vec<f64> = (0..12)
            .map(|i| 100.0 + [10.0, -5.0, 20.0, -25.0][i % 4] + i as f64)
            .collect();
        let o = Origin::new(&values, 8, 4, 4);
        assert_eq!(o.actual, values[8..].to_vec());
        // seasonal naive repeats 4..8 exactly one season later: off by the trend, 4 per point
        let (snaive, acc) = o.benchmark(Benchmark::SeasonalNaive);
        assert_eq!(snaive, &values[4..8]);
        // the in-sample seasonal differences are all 4 (the trend): MASE = 4 / 4
        assert_eq!(o.scale, 4.0);
        assert!((acc.mase - 1.0).abs() < 1e-12, "{}", acc.mase);
        let expected_smape = (0..4)
            .map(|k| 200.0 * 4.0 / (values[8 + k] + values[4 + k]))
            .sum::<f64>()
            / 4.0;
        assert!((acc.smape - expected_smape).abs() < 1e-12);
        // naive repeats the last point
        assert_eq!(o.benchmark(Benchmark::Naive).0, &[values[7]; 4]);
    }
}
