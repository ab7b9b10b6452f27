//! Statistics over rolling-origin backtest folds: the best configuration fold by fold, and
//! the configuration chosen on the folds before the last (the test part) with its score there.

use super::ensemble::ensemble_rmse;
use super::metric::{Baseline, Metric, Split};
use super::stats::mean;
use super::summary::ConfigSummary;
use crate::store::records::{FoldRecord, RunStatus};
use crate::store::run_folder::FinishedRun;

/// One backtest fold of a configuration, each value a mean over its successful seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldSummary {
    pub fold: u32,
    /// Index of the fold's first test point.
    pub origin: u32,
    pub test_rmse: f64,
    pub ar_rmse: f64,
    pub seasonal_naive_rmse: f64,
}

/// The configuration a backtest picks without looking at the test part: lowest mean test RMSE
/// over the folds before the last, then scored on the last fold (the experiment's test part).
/// Values are means over the configuration's successful seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct PreTestChoice {
    pub config: String,
    /// Folds the choice was made on (all but the last).
    pub folds: usize,
    pub earlier_rmse: f64,
    pub test_rmse: f64,
    /// The mean of its seeds' forecasts on the last fold, scored (see [`ensemble_rmse`]);
    /// `None` with one seed.
    pub ensemble_test_rmse: Option<f64>,
    pub ar_rmse: f64,
    pub seasonal_naive_rmse: f64,
}

const AR: Metric = Metric::baseline_test_rmse(Baseline::LinearAr);
const SEASONAL_NAIVE: Metric = Metric::baseline_test_rmse(Baseline::SeasonalNaive);

/// A run's metric columns from its folds': each column averaged over the folds (a single
/// fold's as they are), in the first fold's order. A NaN in any fold makes the mean NaN, so a
/// fold that could not be scored is not hidden by the others.
pub fn mean_over_folds(folds: &[&FoldRecord]) -> Vec<(String, f64)> {
    let Some(first) = folds.first() else {
        return Vec::new();
    };
    first
        .metrics
        .iter()
        .map(|(name, _)| {
            let values = folds.iter().map(|f| f.metric(name).unwrap_or(f64::NAN));
            (name.clone(), mean(values))
        })
        .collect()
}

/// `config`'s successful runs among `runs`.
fn ok_seeds<'a>(config: &ConfigSummary, runs: &'a [FinishedRun]) -> Vec<&'a FinishedRun> {
    runs.iter()
        .filter(|r| config.run_ids.contains(&r.record.run_id) && r.record.status == RunStatus::Ok)
        .collect()
}

fn fold_metric(fold: &FoldRecord, metric: Metric) -> f64 {
    fold.metric(&metric.column()).unwrap_or(f64::NAN)
}

/// `config`'s backtest folds, oldest first, each metric the mean over its successful seeds;
/// empty without a backtest or without a successful seed.
pub fn config_folds(config: &ConfigSummary, runs: &[FinishedRun]) -> Vec<FoldSummary> {
    let seeds: Vec<&[FoldRecord]> = ok_seeds(config, runs)
        .iter()
        .map(|r| r.folds.as_slice())
        .collect();
    let Some(first) = seeds.first() else {
        return Vec::new();
    };
    let mean_at = |fold: usize, metric: Metric| {
        mean(
            seeds
                .iter()
                .filter_map(|folds| folds.get(fold))
                .map(|f| fold_metric(f, metric)),
        )
    };
    first
        .iter()
        .enumerate()
        .map(|(i, f)| FoldSummary {
            fold: f.fold,
            origin: f.origin,
            test_rmse: mean_at(i, Metric::TEST_RMSE),
            ar_rmse: mean_at(i, AR),
            seasonal_naive_rmse: mean_at(i, SEASONAL_NAIVE),
        })
        .collect()
}

/// With a backtest of two folds or more: the configuration with the lowest mean test RMSE
/// over the folds before the last (mean over its successful seeds), and how it does on the
/// last. Ties go to the configuration listed first.
pub fn pre_test_choice(configs: &[ConfigSummary], runs: &[FinishedRun]) -> Option<PreTestChoice> {
    configs
        .iter()
        .filter_map(|s| {
            let seeds: Vec<&FinishedRun> = ok_seeds(s, runs)
                .into_iter()
                .filter(|r| r.folds.len() > 1)
                .collect();
            let last = |metric: Metric| {
                mean(
                    seeds
                        .iter()
                        .map(|r| fold_metric(r.folds.last().expect("folds"), metric)),
                )
            };
            let earlier = mean(seeds.iter().map(|r| {
                mean(
                    r.folds[..r.folds.len() - 1]
                        .iter()
                        .map(|fold| fold_metric(fold, Metric::TEST_RMSE)),
                )
            }));
            (!seeds.is_empty() && earlier.is_finite()).then(|| PreTestChoice {
                config: s.config.clone(),
                folds: seeds[0].folds.len() - 1,
                earlier_rmse: earlier,
                test_rmse: last(Metric::TEST_RMSE),
                ensemble_test_rmse: ensemble_rmse(&seeds, seeds[0].final_fold(), Split::Test),
                ar_rmse: last(AR),
                seasonal_naive_rmse: last(SEASONAL_NAIVE),
            })
        })
        .min_by(|x, y| x.earlier_rmse.total_cmp(&y.earlier_rmse))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::summarize;
    use crate::store::records::PredictionRow;
    use crate::store::test_support::run;

    fn fold(fold: u32, rmse: f64, ar: f64, seasonal: f64) -> FoldRecord {
        FoldRecord {
            fold,
            origin: 100 + 10 * fold,
            end: 110 + 10 * fold,
            status: RunStatus::Ok,
            reason: None,
            metrics: vec![
                ("test_rmse".into(), rmse),
                ("test_ar_rmse".into(), ar),
                ("test_seasonal_naive_rmse".into(), seasonal),
            ],
            train_seconds: 1.0,
            epochs: 5,
            best_epoch: 5,
        }
    }

    /// A run of `lookback=<lookback>` with one fold per entry of `rmse` (AR 2 and seasonal
    /// naive 4 on every fold), and last-fold test predictions `last` of actual values 2, 2.
    fn seed(
        lookback: i64,
        seed: u64,
        status: RunStatus,
        rmse: &[f64],
        last: [f64; 2],
    ) -> FinishedRun {
        let mut record = run(lookback, seed, status, &[]);
        let folds: Vec<FoldRecord> = rmse
            .iter()
            .enumerate()
            .map(|(i, &r)| fold(i as u32 + 1, r, 2.0, 4.0))
            .collect();
        let final_fold = folds.len() as u32;
        record.metrics = mean_over_folds(&folds.iter().collect::<Vec<_>>());
        let predictions = last
            .iter()
            .enumerate()
            .map(|(i, &p)| PredictionRow {
                run_id: record.run_id.clone(),
                fold: final_fold,
                split: "test".into(),
                index: 200 + i as u32,
                actual: 2.0,
                predicted: p,
                ..PredictionRow::default()
            })
            .collect();
        FinishedRun {
            record,
            history: Vec::new(),
            predictions,
            folds,
        }
    }

    #[test]
    fn each_column_is_averaged_over_the_folds_and_a_nan_fold_shows() {
        let a = FoldRecord {
            metrics: vec![("x".into(), 1.0), ("y".into(), f64::NAN)],
            ..fold(1, 0.0, 0.0, 0.0)
        };
        let b = FoldRecord {
            metrics: vec![("x".into(), 3.0), ("y".into(), 2.0)],
            ..fold(2, 0.0, 0.0, 0.0)
        };
        let mean = mean_over_folds(&[&a, &b]);
        assert_eq!(mean[0], ("x".to_string(), 2.0));
        assert_eq!(mean[1].0, "y");
        assert!(mean[1].1.is_nan());
        assert!(mean_over_folds(&[]).is_empty());
    }

    /// lookback=5: two seeds, folds 1, 2, 3 at (1, 3), (2, 4), (3, 5), and a diverged third
    /// seed that must not count; on the last fold the seeds predict (1, 3) and (3, 1) for
    /// actual values (2, 2), so their mean is exact. lookback=10: one seed at 5, 5, 1.
    fn sweep() -> Vec<FinishedRun> {
        vec![
            seed(5, 1, RunStatus::Ok, &[1.0, 2.0, 3.0], [1.0, 3.0]),
            seed(5, 2, RunStatus::Ok, &[3.0, 4.0, 5.0], [3.0, 1.0]),
            seed(
                5,
                3,
                RunStatus::Diverged,
                &[100.0, 100.0, 100.0],
                [9.0, 9.0],
            ),
            seed(10, 1, RunStatus::Ok, &[5.0, 5.0, 1.0], [1.0, 1.0]),
        ]
    }

    #[test]
    fn a_configuration_fold_by_fold_over_its_successful_seeds() {
        let runs = sweep();
        let records: Vec<_> = runs.iter().map(|r| r.record.clone()).collect();
        let configs = summarize(&records, Metric::TEST_RMSE);
        let five = configs.iter().find(|c| c.config == "lookback=5").unwrap();
        let folds = config_folds(five, &runs);
        // (1 + 3) / 2 = 2, (2 + 4) / 2 = 3, (3 + 5) / 2 = 4; AR 2 and seasonal naive 4.
        let rmse: Vec<f64> = folds.iter().map(|f| f.test_rmse).collect();
        assert_eq!(rmse, [2.0, 3.0, 4.0]);
        assert_eq!(folds[2].origin, 130);
        assert!(folds
            .iter()
            .all(|f| f.ar_rmse == 2.0 && f.seasonal_naive_rmse == 4.0));
    }

    #[test]
    fn the_choice_before_the_test_part_ignores_the_last_fold() {
        let runs = sweep();
        let records: Vec<_> = runs.iter().map(|r| r.record.clone()).collect();
        // Over all three folds lookback=5 (mean 3) ranks before lookback=10 (mean 3.67) ...
        let configs = summarize(&records, Metric::TEST_RMSE);
        assert_eq!(configs[0].config, "lookback=5");
        // ... and on folds 1-2 too: mean(mean(1, 2), mean(3, 4)) = 2.5 against 5.
        let choice = pre_test_choice(&configs, &runs).unwrap();
        assert_eq!(choice.config, "lookback=5");
        assert_eq!((choice.folds, choice.earlier_rmse), (2, 2.5));
        assert_eq!(choice.test_rmse, 4.0);
        // The seeds' errors on the last fold cancel in their mean.
        assert_eq!(choice.ensemble_test_rmse, Some(0.0));
        assert_eq!((choice.ar_rmse, choice.seasonal_naive_rmse), (2.0, 4.0));

        // lookback=10 at 1, 1, 9: best before the test part (1 < 2.5) although worst on it.
        let mut runs = sweep();
        runs[3] = seed(10, 1, RunStatus::Ok, &[1.0, 1.0, 9.0], [1.0, 1.0]);
        let records: Vec<_> = runs.iter().map(|r| r.record.clone()).collect();
        let configs = summarize(&records, Metric::TEST_RMSE);
        let choice = pre_test_choice(&configs, &runs).unwrap();
        assert_eq!(
            (choice.config.as_str(), choice.earlier_rmse),
            ("lookback=10", 1.0)
        );
        assert_eq!(choice.test_rmse, 9.0);
        assert_eq!(choice.ensemble_test_rmse, None, "one seed has no ensemble");

        // Without a backtest there is no such choice.
        let single: Vec<FinishedRun> = sweep()
            .into_iter()
            .map(|mut r| {
                r.folds.truncate(1);
                r
            })
            .collect();
        assert_eq!(pre_test_choice(&configs, &single), None);
    }
}
