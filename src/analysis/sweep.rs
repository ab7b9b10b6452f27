//! [`SweepAnalysis`]: everything a user reads about a finished sweep, computed once from its
//! runs. Renderers (report, console, plots, summary table) take it and compute nothing.

use super::backtest::{config_folds, pre_test_choice, FoldSummary, PreTestChoice};
use super::ensemble::ensemble_test_rmse;
use super::metric::{Baseline, Forecaster, Metric};
use super::summary::{mean_over_ok_runs, summarize, ConfigSummary, MetricSummary};
use crate::store::records::{RunRecord, RunStatus};
use crate::store::run_folder::FinishedRun;

/// A baseline forecast beside the best configuration, on the same test points.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineComparison {
    pub baseline: Baseline,
    /// The baseline's test RMSE, mean over the successful runs.
    pub rmse: f64,
    /// `(best - rmse) / rmse` with `best` the best configuration's mean test RMSE: negative
    /// when the configuration beats the baseline. `None` without a best configuration, or
    /// when the baseline is exact (an RMSE of 0 leaves no percentage).
    pub best_change: Option<f64>,
}

impl BaselineComparison {
    /// Baseline `baseline` scoring `rmse`, beside a best configuration scoring `best`.
    pub fn new(baseline: Baseline, rmse: f64, best: Option<f64>) -> BaselineComparison {
        BaselineComparison {
            baseline,
            rmse,
            best_change: best.filter(|_| rmse > 0.0).map(|b| (b - rmse) / rmse),
        }
    }
}

/// The headline of a sweep: its best configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// The config label; empty for an unswept experiment.
    pub config: String,
    pub mean: f64,
    pub std: Option<f64>,
    /// Runs of the configuration, failed ones included.
    pub runs: usize,
    /// The naive forecast's test RMSE of the configuration's first run (NaN without one).
    pub naive: f64,
}

/// A run that diverged or failed, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedRun {
    pub label: String,
    pub status: RunStatus,
    pub reason: Option<String>,
}

impl FailedRun {
    /// The reason, or the status when none was recorded.
    pub fn why(&self) -> String {
        self.reason
            .clone()
            .unwrap_or_else(|| self.status.to_string())
    }
}

/// The analysis of a finished sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAnalysis {
    /// What configurations are ranked by.
    pub rank_metric: Metric,
    /// Every configuration with its seeds folded, best first; each carries its seed
    /// ensemble's test RMSE as the last metric ([`Metric::ENSEMBLE_TEST_RMSE`]).
    pub configs: Vec<ConfigSummary>,
    /// Per configuration in rank order, its first successful run: the run that stands for
    /// it in plots. Configurations without one are left out.
    pub representatives: Vec<String>,
    /// Every baseline that was computed, in [`Baseline::ALL`] order.
    pub baselines: Vec<BaselineComparison>,
    pub headline: Option<Headline>,
    /// The best configuration's backtest folds; empty without a backtest.
    pub backtest: Vec<FoldSummary>,
    /// With a backtest: the choice made on the folds before the test part.
    pub pre_test_choice: Option<PreTestChoice>,
    /// In grid order.
    pub failed: Vec<FailedRun>,
    /// Runs analysed, failed ones included.
    pub runs: usize,
}

impl SweepAnalysis {
    /// Analyses `runs` (in grid order), ranking configurations by their mean test RMSE.
    pub fn from_runs(runs: &[FinishedRun]) -> SweepAnalysis {
        let rank_metric = Metric::TEST_RMSE;
        let records: Vec<RunRecord> = runs.iter().map(|r| r.record.clone()).collect();
        let mut configs = summarize(&records, rank_metric);
        for s in &mut configs {
            let seeds: Vec<&FinishedRun> = runs
                .iter()
                .filter(|r| s.run_ids.contains(&r.record.run_id))
                .collect();
            s.metrics.push(MetricSummary {
                name: Metric::ENSEMBLE_TEST_RMSE.column(),
                mean: ensemble_test_rmse(&seeds),
                std: None,
            });
        }
        let best = configs.first().and_then(|s| s.mean(rank_metric));
        let baselines = Baseline::ALL
            .into_iter()
            .filter_map(|baseline| {
                let rmse = mean_over_ok_runs(&records, Metric::baseline_test_rmse(baseline))?;
                Some(BaselineComparison::new(baseline, rmse, best))
            })
            .collect();
        let headline = configs.first().and_then(|s| {
            let mean = s.mean(rank_metric)?;
            let naive = Metric::baseline_test_rmse(Baseline::Naive).column();
            Some(Headline {
                config: s.config.clone(),
                mean,
                std: s.std(rank_metric),
                runs: s.run_ids.len(),
                naive: records
                    .iter()
                    .find(|r| r.config == s.config)
                    .and_then(|r| r.metric(&naive))
                    .unwrap_or(f64::NAN),
            })
        });
        let representatives = configs
            .iter()
            .filter_map(|s| {
                s.run_ids
                    .iter()
                    .find(|id| {
                        records
                            .iter()
                            .any(|r| r.run_id == **id && r.status == RunStatus::Ok)
                    })
                    .cloned()
            })
            .collect();
        let failed = records
            .iter()
            .filter(|r| r.status != RunStatus::Ok)
            .map(|r| FailedRun {
                label: r.label.clone(),
                status: r.status,
                reason: r.reason.clone(),
            })
            .collect();
        SweepAnalysis {
            rank_metric,
            backtest: configs
                .first()
                .map(|best| config_folds(best, runs))
                .unwrap_or_default(),
            pre_test_choice: pre_test_choice(&configs, runs),
            configs,
            representatives,
            baselines,
            headline,
            failed,
            runs: runs.len(),
        }
    }

    /// The best configuration: the first of the ranking, when it has a value of the rank
    /// metric.
    pub fn best(&self) -> Option<&ConfigSummary> {
        self.configs
            .first()
            .filter(|s| s.mean(self.rank_metric).is_some())
    }

    /// Baseline `b`'s comparison, when it was computed.
    pub fn baseline(&self, b: Baseline) -> Option<&BaselineComparison> {
        self.baselines.iter().find(|c| c.baseline == b)
    }
}

/// A run's value of `metric`, NaN for a run that did not succeed or lacks it: how plots show
/// each run.
pub fn ok_value(run: &FinishedRun, metric: Metric) -> f64 {
    if run.record.status != RunStatus::Ok {
        return f64::NAN;
    }
    run.record.metric(&metric.column()).unwrap_or(f64::NAN)
}

/// The naive forecast's counterpart of `metric` (`test_rmse` → `test_naive_rmse`); `None`
/// when `metric` already scores a baseline or the ensemble.
pub fn naive_counterpart(metric: Metric) -> Option<Metric> {
    (metric.forecaster == Forecaster::Network)
        .then(|| metric.of(Forecaster::Baseline(Baseline::Naive)))
}
