//! Prediction intervals by split conformal calibration, per step ahead, and their coverage
//! measured on the backtest.
//!
//! The calibration set of step `k` is the absolute errors `|y - ŷ|` of held-out forecasts `k`
//! steps ahead: from every origin of every backtest fold's test part, the fold's networks
//! (never trained on it) forecast as the final forecast does, recursively past their horizon.
//! With `n` such errors, the half-width at level `a` is the `⌈(n + 1) a⌉`-th smallest: under
//! exchangeable errors the interval `ŷ ± w` then covers a new value with probability at
//! least `a` (Vovk et al.; the `(n + 1)` is the finite-sample correction). When
//! `⌈(n + 1) a⌉ > n` there are too few errors for that level: the width is unknown (`None`),
//! never guessed.
//!
//! The error is measured on one of two scales ([`Score`]): in original units, or, for a
//! series the experiment models in logs, as the log ratio `|ln y - ln ŷ|`, whose intervals
//! `ŷ·e^(±w)` widen with the level. A multiplicative series (airline passengers) has errors
//! that grow with its level, so absolute errors of earlier, lower years are not exchangeable
//! with later ones; their log ratios much more nearly are.
//!
//! Coverage is checked the way the intervals are used, forward in time: fold `f`'s forecasts
//! get intervals calibrated only on what was known at fold `f`'s origin, the errors of
//! earlier folds' forecasts whose target lies before it. The first fold has nothing before it
//! and is not checked; a (step, level) whose calibration set is too small is counted as
//! unchecked, not as covered.

use super::stats::mean;
use crate::store::forecast::{LevelCoverage, Score};

/// The error of `forecast` of `actual` on the `score` scale (NaN when a log ratio meets a
/// value that is not positive).
pub fn score_error(score: Score, actual: f64, forecast: f64) -> f64 {
    match score {
        Score::Absolute => (actual - forecast).abs(),
        Score::LogRatio if actual > 0.0 && forecast > 0.0 => (actual.ln() - forecast.ln()).abs(),
        Score::LogRatio => f64::NAN,
    }
}

/// The interval of half-width `w` (on the `score` scale) around `forecast`.
pub fn score_interval(score: Score, forecast: f64, w: f64) -> (f64, f64) {
    match score {
        Score::Absolute => (forecast - w, forecast + w),
        Score::LogRatio => (forecast * (-w).exp(), forecast * w.exp()),
    }
}

/// One seed's held-out forecast path: from `origin`, the values forecast for `origin,
/// origin + 1, ...` (as many as the series has left, up to the forecast's steps).
pub struct HeldOutPath {
    /// Index of the first value forecast.
    pub origin: usize,
    /// One value per step ahead, original units.
    pub forecast: Vec<f64>,
}

/// The errors of the seed ensemble's held-out forecasts: per fold and origin, the mean of the
/// seeds' paths against `actual` (the series), on the `score` scale. `per_seed[s][j]` are seed
/// `s`'s paths in backtest fold `folds[j]`; every seed has the same folds and origins.
pub fn ensemble_errors(
    per_seed: &[Vec<Vec<HeldOutPath>>],
    folds: &[u32],
    actual: &[f64],
    score: Score,
) -> Vec<HeldOutError> {
    let mut out = Vec::new();
    let Some(first) = per_seed.first() else {
        return out;
    };
    for (j, paths) in first.iter().enumerate() {
        for (i, path) in paths.iter().enumerate() {
            let origin = path.origin;
            for k in 0..path.forecast.len() {
                let mean = mean(per_seed.iter().map(|s| s[j][i].forecast[k]));
                out.push(HeldOutError {
                    fold: folds[j],
                    origin,
                    step: k + 1,
                    error: score_error(score, actual[origin + k], mean),
                });
            }
        }
    }
    out
}

/// One held-out forecast of one value: from `origin` (the index of the first value forecast),
/// `step` steps ahead (1-based), by the networks of backtest fold `fold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldOutError {
    pub fold: u32,
    pub origin: usize,
    pub step: usize,
    /// The forecast's error on the calibration's [`Score`] scale.
    pub error: f64,
}

impl HeldOutError {
    /// Index of the value forecast.
    pub fn target(&self) -> usize {
        self.origin + self.step - 1
    }
}

/// The split-conformal half-width at `level` (in (0, 1)) from the absolute errors `errors`:
/// their `⌈(n + 1) level⌉`-th smallest, `None` when that exceeds `n` (too few errors). A NaN
/// error (a log ratio of a non-positive value) sorts above every number: it counts as a miss.
pub fn half_width(errors: &[f64], level: f64) -> Option<f64> {
    let n = errors.len();
    let rank = ((n + 1) as f64 * level).ceil() as usize;
    if rank == 0 || rank > n {
        return None;
    }
    let mut sorted = errors.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(sorted[rank - 1])
}

/// The half-widths of steps `1..=steps` at each level, `[step - 1][level]`, from every
/// error given.
pub fn half_widths(errors: &[HeldOutError], steps: usize, levels: &[f64]) -> Vec<Vec<Option<f64>>> {
    (1..=steps)
        .map(|k| {
            let at_k: Vec<f64> = errors
                .iter()
                .filter(|e| e.step == k)
                .map(|e| e.error)
                .collect();
            levels.iter().map(|&a| half_width(&at_k, a)).collect()
        })
        .collect()
}

/// Each level's empirical coverage on the backtest, forward in time (see the module docs):
/// fold `f`'s errors are judged against half-widths calibrated on the errors of folds before
/// `f` whose targets precede fold `f`'s first origin.
pub fn coverage(errors: &[HeldOutError], levels: &[f64]) -> Vec<LevelCoverage> {
    let mut folds: Vec<u32> = errors.iter().map(|e| e.fold).collect();
    folds.sort_unstable();
    folds.dedup();
    let checked_folds: Vec<u32> = folds.iter().copied().skip(1).collect();
    let mut out: Vec<LevelCoverage> = levels
        .iter()
        .map(|&level| LevelCoverage {
            level,
            covered: 0,
            checked: 0,
            unchecked: 0,
            folds: checked_folds.clone(),
        })
        .collect();
    for &fold in &checked_folds {
        let own: Vec<&HeldOutError> = errors.iter().filter(|e| e.fold == fold).collect();
        let origin = own
            .iter()
            .map(|e| e.origin)
            .min()
            .expect("a fold with errors");
        let known: Vec<HeldOutError> = errors
            .iter()
            .filter(|e| e.fold < fold && e.target() < origin)
            .copied()
            .collect();
        let steps = own.iter().map(|e| e.step).max().unwrap_or(0);
        let widths = half_widths(&known, steps, levels);
        for e in own {
            for (j, c) in out.iter_mut().enumerate() {
                match widths[e.step - 1][j] {
                    Some(w) => {
                        c.checked += 1;
                        if e.error <= w {
                            c.covered += 1;
                        }
                    }
                    None => c.unchecked += 1,
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::source::GaussianNoise;

    #[test]
    fn log_ratio_intervals_are_multiplicative() {
        let s = Score::LogRatio;
        assert!((score_error(s, 110.0, 100.0) - 1.1f64.ln()).abs() < 1e-15);
        assert_eq!(score_error(s, 90.0, 100.0), score_error(s, 100.0, 90.0));
        assert!(score_error(s, -1.0, 100.0).is_nan());
        let (lo, hi) = score_interval(s, 100.0, 1.1f64.ln());
        assert!((hi - 110.0).abs() < 1e-12 && (lo - 100.0 / 1.1).abs() < 1e-12);
        assert_eq!(score_interval(Score::Absolute, 100.0, 5.0), (95.0, 105.0));
        assert_eq!(score_error(Score::Absolute, 95.0, 100.0), 5.0);
    }

    #[test]
    fn ensemble_errors_judge_the_seed_mean_against_the_value_it_forecast() {
        // two seeds, one fold (3), origins 10 and 11 with 2 and 1 steps
        let path = |origin, forecast: Vec<f64>| HeldOutPath { origin, forecast };
        let seed1 = vec![vec![path(10, vec![1.0, 2.0]), path(11, vec![5.0])]];
        let seed2 = vec![vec![path(10, vec![3.0, 6.0]), path(11, vec![7.0])]];
        let actual: Vec<f64> = (0..12).map(|i| i as f64).collect(); // value i at index i
        let e = ensemble_errors(&[seed1, seed2], &[3], &actual, Score::Absolute);
        // origin 10: means 2, 4 against 10, 11; origin 11: mean 6 against 11
        assert_eq!(
            e,
            vec![
                HeldOutError {
                    fold: 3,
                    origin: 10,
                    step: 1,
                    error: 8.0
                },
                HeldOutError {
                    fold: 3,
                    origin: 10,
                    step: 2,
                    error: 7.0
                },
                HeldOutError {
                    fold: 3,
                    origin: 11,
                    step: 1,
                    error: 5.0
                },
            ]
        );
    }

    #[test]
    fn the_half_width_is_the_finite_sample_corrected_order_statistic() {
        let errors: Vec<f64> = (1..=9).map(f64::from).collect(); // 1..9, n = 9
                                                                 // ⌈10 · 0.8⌉ = 8 → the 8th smallest
        assert_eq!(half_width(&errors, 0.8), Some(8.0));
        // ⌈10 · 0.9⌉ = 9 → the largest
        assert_eq!(half_width(&errors, 0.9), Some(9.0));
        // ⌈10 · 0.95⌉ = 10 > 9: too few errors for 95%
        assert_eq!(half_width(&errors, 0.95), None);
        assert_eq!(half_width(&[], 0.5), None);
        // order of the input does not matter
        let mut reversed = errors.clone();
        reversed.reverse();
        assert_eq!(half_width(&reversed, 0.8), Some(8.0));
    }

    #[test]
    fn gaussian_errors_are_covered_at_the_nominal_rate() {
        // Calibrate on 400 |N(0, σ)| errors, judge 20 000 fresh ones: coverage within 2
        // points of 80% and 95% for each of 10 independent calibration sets (the calibration
        // set's own sampling error is about ±2 points at n = 400, 80%).
        let mut noise = GaussianNoise::new(7);
        let sigma = 3.0;
        let mut draw =
            |n: usize| -> Vec<f64> { (0..n).map(|_| (sigma * noise.sample()).abs()).collect() };
        let fresh = draw(20_000);
        let mut rates = Vec::new();
        for _ in 0..10 {
            let calibration = draw(400);
            for level in [0.8, 0.95] {
                let w = half_width(&calibration, level).unwrap();
                let rate = fresh.iter().filter(|&&e| e <= w).count() as f64 / fresh.len() as f64;
                rates.push((level, rate));
            }
        }
        for level in [0.8, 0.95] {
            let mean: f64 = rates
                .iter()
                .filter(|(l, _)| *l == level)
                .map(|(_, r)| r)
                .sum::<f64>()
                / 10.0;
            assert!(
                (mean - level).abs() < 0.02,
                "level {level}: mean coverage {mean}"
            );
        }
        // the width approaches the Gaussian quantile: 1.2816 σ at 80%
        let big = draw(100_000);
        let w = half_width(&big, 0.8).unwrap();
        assert!((w / sigma - 1.2816).abs() < 0.02, "{}", w / sigma);
    }

    fn e(fold: u32, origin: usize, step: usize, error: f64) -> HeldOutError {
        HeldOutError {
            fold,
            origin,
            step,
            error,
        }
    }

    #[test]
    fn coverage_calibrates_each_fold_on_what_was_known_at_its_origin() {
        // fold 1: step-1 errors 1..4 from origins 10..13; step-2 errors 5 (target 11), 6
        // (target 12) and 100 (target 14: not yet known at fold 2's origin 14).
        let mut errors = vec![
            e(1, 10, 1, 1.0),
            e(1, 11, 1, 2.0),
            e(1, 12, 1, 3.0),
            e(1, 13, 1, 4.0),
            e(1, 10, 2, 5.0),
            e(1, 11, 2, 6.0),
            e(1, 13, 2, 100.0),
        ];
        // At 60%: step 1, n = 4, ⌈5 · 0.6⌉ = 3rd = 3, so 2.5 is covered and 4.5 is not;
        // step 2, n = 2 known, ⌈3 · 0.6⌉ = 2nd = 6, so 50 is not covered (with the late 100
        // counted it would be: n = 3, 3rd = 100).
        errors.extend([e(2, 14, 1, 2.5), e(2, 15, 1, 4.5), e(2, 14, 2, 50.0)]);
        let c = coverage(&errors, &[0.6]);
        assert_eq!(c[0].folds, vec![2]);
        assert_eq!((c[0].covered, c[0].checked, c[0].unchecked), (1, 3, 0));
        // at 80% step 2 has too few known errors (⌈3 · 0.8⌉ = 3 > 2): unchecked, not covered
        let c = coverage(&errors, &[0.8]);
        assert_eq!((c[0].covered, c[0].checked, c[0].unchecked), (1, 2, 1));
        assert_eq!(c[0].rate(), 0.5);
    }
}
