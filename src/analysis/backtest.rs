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
