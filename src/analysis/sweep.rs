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
    pub fn of(record: &RunRecord) -> FailedRun {
        FailedRun {
            label: record.label.clone(),
            status: record.status,
            reason: record.reason.clone(),
        }
    }

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
                by_seed: Vec::new(),
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
            .map(FailedRun::of)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metric::{Measure, Split};
    use crate::store::test_support::run;

    fn finished(record: RunRecord) -> FinishedRun {
        FinishedRun {
            record,
            history: Vec::new(),
            predictions: Vec::new(),
            folds: Vec::new(),
        }
    }

    fn ok(lookback: i64, seed: u64, rmse: f64, naive: f64, ar: f64) -> FinishedRun {
        finished(run(
            lookback,
            seed,
            RunStatus::Ok,
            &[
                ("test_rmse", rmse),
                ("test_naive_rmse", naive),
                ("test_ar_rmse", ar),
            ],
        ))
    }

    /// lookback=5: rmse 1 and 3; lookback=10: a diverged seed, then rmse 0.5 where AR is
    /// exact. Naive 4, 2, 6; AR 2, 2, 0.
    fn runs() -> Vec<FinishedRun> {
        vec![
            ok(5, 1, 1.0, 4.0, 2.0),
            ok(5, 2, 3.0, 2.0, 2.0),
            finished(run(10, 1, RunStatus::Diverged, &[])),
            ok(10, 2, 0.5, 6.0, 0.0),
        ]
    }

    #[test]
    fn best_configuration_baselines_beside_it_and_failures() {
        let a = SweepAnalysis::from_runs(&runs());
        let order: Vec<&str> = a.configs.iter().map(|c| c.config.as_str()).collect();
        assert_eq!(order, ["lookback=10", "lookback=5"]);
        assert_eq!(a.best().unwrap().config, "lookback=10");
        // The plots' runs: the first successful seed of each configuration.
        assert_eq!(a.representatives, ["l10s2", "l5s1"]);

        let h = a.headline.as_ref().unwrap();
        assert_eq!(
            (h.config.as_str(), h.mean, h.std, h.runs),
            ("lookback=10", 0.5, None, 2)
        );
        // The naive figure is the configuration's first run's, which diverged and has none.
        assert!(h.naive.is_nan());

        // naive: (4 + 2 + 6) / 3 = 4, and 0.5 against it is (0.5 - 4) / 4 = -87.5%.
        let naive = a.baseline(Baseline::Naive).unwrap();
        assert_eq!((naive.rmse, naive.best_change), (4.0, Some(-0.875)));
        // AR: (2 + 2 + 0) / 3 = 4/3; (0.5 - 4/3) / (4/3) = -0.625.
        let ar = a.baseline(Baseline::LinearAr).unwrap();
        assert!((ar.rmse - 4.0 / 3.0).abs() < 1e-15);
        assert!((ar.best_change.unwrap() + 0.625).abs() < 1e-12);
        // Baselines no run has are left out.
        assert_eq!(a.baselines.len(), 2);
        assert!(a.baseline(Baseline::Drift).is_none());

        assert_eq!(a.failed.len(), 1);
        assert_eq!(a.failed[0].label, "lookback=10 seed=1");
        assert_eq!(a.failed[0].why(), "loss is NaN at epoch 2");
        assert_eq!(a.runs, 4);
        // Every configuration carries its seed ensemble's figure, here none (no predictions).
        let last = a.configs[0].metrics.last().unwrap();
        assert_eq!(
            (last.name.as_str(), last.mean),
            ("ensemble_test_rmse", None)
        );
    }

    #[test]
    fn an_exact_baseline_has_no_percentage_and_no_runs_no_best() {
        let exact = BaselineComparison::new(Baseline::LinearAr, 0.0, Some(1.0));
        assert_eq!(exact.best_change, None);
        let no_best = BaselineComparison::new(Baseline::Naive, 2.0, None);
        assert_eq!(no_best.best_change, None);

        let failed = [finished(run(5, 1, RunStatus::Failed, &[]))];
        let a = SweepAnalysis::from_runs(&failed);
        assert!(a.best().is_none() && a.headline.is_none());
        assert!(a.representatives.is_empty());
        let why = FailedRun {
            label: "x".into(),
            status: RunStatus::Diverged,
            reason: None,
        };
        assert_eq!(why.why(), "diverged");
    }

    #[test]
    fn plots_show_failed_runs_as_nan_and_the_naive_counterpart() {
        let runs = runs();
        assert_eq!(ok_value(&runs[0], Metric::TEST_RMSE), 1.0);
        assert!(ok_value(&runs[2], Metric::TEST_RMSE).is_nan());
        let mae = Metric::network(Split::Validation, Measure::Mae);
        assert_eq!(
            naive_counterpart(mae).unwrap().column(),
            "validation_naive_mae"
        );
        assert_eq!(naive_counterpart(Metric::ENSEMBLE_TEST_RMSE), None);
        assert_eq!(
            naive_counterpart(Metric::baseline_test_rmse(Baseline::LinearAr)),
            None
        );
    }
}
