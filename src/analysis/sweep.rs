//! [`SweepAnalysis`]: everything a user reads about a finished sweep, computed once from its
//! runs. Renderers (report, console, plots, summary table) take it and compute nothing.

use super::backtest::{config_folds, FoldSummary};
use super::choice::Choice;
use super::ensemble::ensemble_score;
use super::held_out;
use super::metric::{Forecaster, Metric};
use super::selection::Protocol;
use super::summary::{summarize, ConfigSummary, MetricSummary};
use crate::store::records::{RunRecord, RunStatus};
use crate::store::run_folder::FinishedRun;

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
    /// How the answer was chosen.
    pub protocol: Protocol,
    /// What configurations are ranked by: the protocol's selection metric.
    pub rank_metric: Metric,
    /// Every configuration with its seeds folded, best first on the selection data; each
    /// carries its seed ensemble's held-out figure as the last metric
    /// (`ensemble_test_rmse`) and its forecast's Diebold-Mariano p-values.
    pub configs: Vec<ConfigSummary>,
    /// Per configuration in rank order, its first successful run: the run that stands for
    /// it in plots. Configurations without one are left out.
    pub representatives: Vec<String>,
    /// The answer: the chosen configuration, the baselines beside it, the runner-up.
    pub choice: Choice,
    /// The chosen configuration's backtest folds; empty without a backtest.
    pub backtest: Vec<FoldSummary>,
    /// In grid order.
    pub failed: Vec<FailedRun>,
    /// Runs analysed, failed ones included.
    pub runs: usize,
}

impl SweepAnalysis {
    /// Analyses `runs` (in grid order, their metrics scored by
    /// [`selection::run_metrics`](super::selection::run_metrics) under `protocol`), ranking
    /// configurations on the selection data.
    pub fn from_runs(runs: &[FinishedRun], protocol: Protocol) -> SweepAnalysis {
        let rank_metric = protocol.rank_metric();
        let ensemble_metric = protocol.held_out().of(Forecaster::SeedEnsemble);
        let records: Vec<RunRecord> = runs.iter().map(|r| r.record.clone()).collect();
        let mut configs = summarize(&records, rank_metric);
        let seeds_of = |s: &ConfigSummary| -> Vec<&FinishedRun> {
            runs.iter()
                .filter(|r| s.run_ids.contains(&r.record.run_id))
                .collect()
        };
        for s in &mut configs {
            let seeds = seeds_of(s);
            s.metrics.push(MetricSummary {
                name: ensemble_metric.column(),
                mean: ensemble_score(&seeds, protocol.measure),
                std: None,
                by_seed: Vec::new(),
            });
        }
        let folds = runs.iter().map(|r| r.folds.len()).max().unwrap_or(0).max(1);
        let mut choice = Choice::from_ranking(&configs, protocol, folds);
        held_out::test_choice(&mut choice, &mut configs, runs);
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
        let backtest = choice
            .chosen
            .as_ref()
            .and_then(|c| configs.iter().find(|s| s.config == c.config))
            .map(|s| config_folds(s, runs))
            .unwrap_or_default();
        SweepAnalysis {
            protocol,
            rank_metric,
            backtest,
            configs,
            representatives,
            choice,
            failed,
            runs: runs.len(),
        }
    }

    /// The chosen configuration's summary: the first of the ranking, when it has a
    /// selection score.
    pub fn best(&self) -> Option<&ConfigSummary> {
        self.configs
            .first()
            .filter(|s| s.mean(self.rank_metric).is_some())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metric::{Baseline, Measure};
    use crate::analysis::selection::{rescored, SelectOn};
    use crate::store::records::PredictionRow;
    use crate::store::test_support::{fold, run};

    const FOLDS: Protocol = Protocol {
        measure: Measure::Rmse,
        on: SelectOn::Folds,
    };

    /// A row of the last fold's test part: target `index`, actual 0, the network's forecast
    /// and linear AR's.
    fn row(run_id: &str, index: u32, predicted: f64, ar: f64) -> PredictionRow {
        PredictionRow {
            run_id: run_id.into(),
            fold: 3,
            split: "test".into(),
            index,
            actual: 0.0,
            predicted,
            naive: Some(1.0),
            seasonal_naive: None,
            drift: None,
            ar: Some(ar),
            transformed_naive: None,
            transformed_ar: None,
            series: None,
        }
    }

    /// A run of `lookback` with three folds at `rmse` (AR at `ar` on each), whose last fold
    /// predicts `predicted(i)` for 30 points where AR predicts `ar_at(i)`, scored under
    /// FOLDS as the pipeline does.
    fn seed(
        lookback: i64,
        seed: u64,
        rmse: [f64; 3],
        predicted: impl Fn(u32) -> f64,
        ar_at: impl Fn(u32) -> f64,
    ) -> FinishedRun {
        let record = run(lookback, seed, RunStatus::Ok, &[]);
        let id = record.run_id.clone();
        let r = FinishedRun {
            record,
            history: Vec::new(),
            predictions: (0..30)
                .map(|i| row(&id, 200 + i, predicted(i), ar_at(i)))
                .collect(),
            folds: (0..3)
                .map(|k| {
                    let metrics = [
                        ("test_rmse", rmse[k]),
                        ("test_naive_rmse", 10.0),
                        ("test_ar_rmse", 5.0),
                    ];
                    fold(k as u32 + 1, &metrics)
                })
                .collect(),
            series: Vec::new(),
        };
        rescored(r, FOLDS)
    }

    /// Noise of size about 1 that differs from point to point: `(-1)^i` scaled.
    fn wobble(i: u32) -> f64 {
        if i.is_multiple_of(2) {
            1.0 + 0.1 * f64::from(i % 5)
        } else {
            -1.0 - 0.1 * f64::from(i % 3)
        }
    }

    /// lookback=5 is better on folds 1-2 (1 against 3) and worse on the test part (9 against
    /// 2); its seeds' forecasts are half AR's errors, so it beats AR on the held-out points.
    fn runs(last_fold_of_5: f64) -> Vec<FinishedRun> {
        vec![
            seed(
                5,
                1,
                [1.0, 1.0, last_fold_of_5],
                |i| 0.5 * wobble(i),
                wobble,
            ),
            seed(
                5,
                2,
                [1.0, 1.0, last_fold_of_5],
                |i| 0.4 * wobble(i),
                wobble,
            ),
            seed(10, 1, [3.0, 3.0, 2.0], wobble, wobble),
            seed(10, 2, [3.0, 3.0, 2.0], |i| 1.1 * wobble(i), wobble),
        ]
    }

    #[test]
    fn the_choice_never_sees_the_test_part() {
        let a = SweepAnalysis::from_runs(&runs(9.0), FOLDS);
        assert_eq!(a.rank_metric.column(), "selection_rmse");
        let order: Vec<&str> = a.configs.iter().map(|c| c.config.as_str()).collect();
        assert_eq!(order, ["lookback=5", "lookback=10"]);
        let chosen = a.choice.chosen.as_ref().unwrap();
        assert_eq!(
            (chosen.config.as_str(), chosen.selection),
            ("lookback=5", 1.0)
        );
        // Its held-out figure is the last fold's, worse than the runner-up's there.
        assert_eq!(chosen.held_out, 9.0);
        assert_eq!(a.choice.runner_up.as_ref().unwrap().held_out, 2.0);
        // Whatever the test part holds, the choice stays.
        for last in [0.1, 50.0] {
            let b = SweepAnalysis::from_runs(&runs(last), FOLDS);
            assert_eq!(b.choice.chosen.as_ref().unwrap().config, "lookback=5");
            assert_eq!(b.choice.chosen.as_ref().unwrap().held_out, last);
        }
        // The backtest table is the chosen configuration's.
        let folds: Vec<f64> = a.backtest.iter().map(|f| f.test_rmse).collect();
        assert_eq!(folds, [1.0, 1.0, 9.0]);
    }

    #[test]
    fn the_chosen_seed_ensemble_is_tested_against_the_baselines_and_the_runner_up() {
        let a = SweepAnalysis::from_runs(&runs(9.0), FOLDS);
        let chosen = a.choice.chosen.as_ref().unwrap();
        // The ensemble forecasts 0.45 · wobble: its RMSE is 0.45 · RMSE(wobble).
        let wobble_rmse = ((0..30).map(|i| wobble(i).powi(2)).sum::<f64>() / 30.0).sqrt();
        assert!((chosen.ensemble.unwrap() - 0.45 * wobble_rmse).abs() < 1e-12);
        // Half the error of AR at every point: a certain win.
        let ar = a.choice.baseline(Baseline::LinearAr).unwrap();
        let dm = ar.dm.as_ref().unwrap();
        assert!(dm.p_value < 1e-6 && dm.statistic < 0.0, "{dm:?}");
        assert_eq!(dm.n, 30);
        // Naive is off by 1 everywhere: also tested. Seasonal naive was not computed.
        assert!(a.choice.baseline(Baseline::Naive).unwrap().dm.is_some());
        assert!(a.choice.baseline(Baseline::SeasonalNaive).is_none());
        // Against the runner-up (1.05 · wobble): chosen better, certainly.
        let r = a.choice.runner_up_test.as_ref().unwrap();
        assert!(r.dm.p_value < 1e-6 && r.dm.statistic < 0.0);
        // On the same 30 points: 0.45 against 1.05 times wobble's RMSE.
        assert!((r.score - 0.45 * wobble_rmse).abs() < 1e-12);
        assert!((r.other_score - 1.05 * wobble_rmse).abs() < 1e-12);
        // The summary's p-value columns, for every configuration.
        let p =
            |s: &ConfigSummary, name: &str| s.p_values.iter().find(|(n, _)| n == name).unwrap().1;
        assert!(p(&a.configs[0], "dm_p_vs_ar").unwrap() < 1e-6);
        assert_eq!(p(&a.configs[0], "dm_p_vs_chosen"), None);
        assert!(p(&a.configs[1], "dm_p_vs_chosen").unwrap() < 1e-6);
        // lookback=10's ensemble is 1.05 · wobble against AR's wobble: AR is better.
        assert!(p(&a.configs[1], "dm_p_vs_ar").unwrap() < 0.05);
    }

    #[test]
    fn failures_and_an_empty_choice() {
        let mut runs = runs(9.0);
        runs.push(rescored(
            FinishedRun {
                record: run(20, 1, RunStatus::Diverged, &[]),
                history: Vec::new(),
                predictions: Vec::new(),
                folds: Vec::new(),
                series: Vec::new(),
            },
            FOLDS,
        ));
        let a = SweepAnalysis::from_runs(&runs, FOLDS);
        assert_eq!(a.failed.len(), 1);
        assert_eq!(a.failed[0].why(), "loss is NaN at epoch 2");
        assert_eq!(a.runs, 5);
        assert_eq!(a.configs.last().unwrap().config, "lookback=20");
        assert_eq!(a.representatives, ["l5s1", "l10s1"]);

        let failed = [FinishedRun {
            record: run(5, 1, RunStatus::Failed, &[]),
            history: Vec::new(),
            predictions: Vec::new(),
            folds: Vec::new(),
            series: Vec::new(),
        }];
        let a = SweepAnalysis::from_runs(&failed, FOLDS);
        assert!(a.best().is_none() && a.choice.chosen.is_none());
        assert!(a.representatives.is_empty());
    }

    #[test]
    fn plots_show_failed_runs_as_nan() {
        let runs = runs(9.0);
        assert_eq!(ok_value(&runs[0], Metric::TEST_RMSE), 9.0);
        let mut failed = runs[0].clone();
        failed.record.status = RunStatus::Diverged;
        assert!(ok_value(&failed, Metric::TEST_RMSE).is_nan());
    }
}
