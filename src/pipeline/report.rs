//! Adapter from the executor's view of a finished sweep to report.md (rendered in `results`).

use std::path::Path;

use anyhow::Result;

use crate::results::{
    self, ensemble_rmse, mean_over_ok_runs, ConfigSummary, FinishedRun, FoldRecord, FoldSummary,
    PreTestChoice, ReportInput, RunRecord, RunStatus,
};
use crate::spec::sweep::value_text;

use super::assemble::{Assembly, BASELINE_COLUMNS};

/// How many configurations the report's table shows.
const REPORT_TOP: usize = 10;

pub fn write_report(
    dir: &Path,
    a: &Assembly,
    records: &[RunRecord],
    summaries: &[ConfigSummary],
    plots: &[String],
) -> Result<()> {
    let grid: Vec<(String, Vec<String>)> = a
        .sweep
        .axes
        .iter()
        .map(|axis| {
            (
                axis.key.clone(),
                axis.values.iter().map(value_text).collect(),
            )
        })
        .collect();
    let failed: Vec<(String, String)> = records
        .iter()
        .filter(|r| r.status != RunStatus::Ok)
        .map(|r| {
            let why = r.reason.clone().unwrap_or_else(|| r.status.to_string());
            (r.label.clone(), why)
        })
        .collect();
    let exp = &a.sweep.runs[0].experiment;
    let others: Vec<(&str, f64)> = BASELINE_COLUMNS
        .iter()
        .filter(|(column, _)| *column != "test_naive_rmse")
        .filter_map(|&(column, name)| mean_over_ok_runs(records, column).map(|v| (name, v)))
        .collect();
    let backtest = best_config_folds(a, summaries);
    let input = ReportInput {
        name: &exp.name,
        description: &exp.description,
        grid: &grid,
        runs: records.len(),
        cached: a.cached,
        summaries,
        naive_test_rmse: mean_over_ok_runs(records, "test_naive_rmse"),
        other_baselines: &others,
        backtest: &backtest,
        pre_test_choice: pre_test_choice(a, summaries),
        failed_runs: &failed,
        plots,
        wall_seconds: a.wall_seconds,
        top: REPORT_TOP,
    };
    results::write_report(dir, &input)
}

/// The best configuration's backtest folds, each metric the mean over its successful seeds;
/// empty without a backtest.
fn best_config_folds(a: &Assembly, summaries: &[ConfigSummary]) -> Vec<FoldSummary> {
    let Some(best) = summaries.first() else {
        return Vec::new();
    };
    let runs: Vec<&[FoldRecord]> = a
        .runs
        .iter()
        .filter(|r| best.run_ids.contains(&r.record.run_id) && r.record.status == RunStatus::Ok)
        .map(|r| r.folds.as_slice())
        .collect();
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    let mean_at = |fold: usize, metric: &str| {
        mean(
            runs.iter()
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
            test_rmse: mean_at(i, "test_rmse"),
            ar_rmse: mean_at(i, "test_ar_rmse"),
            seasonal_naive_rmse: mean_at(i, "test_seasonal_naive_rmse"),
        })
        .collect()
}

fn fold_metric(fold: &FoldRecord, metric: &str) -> f64 {
    fold.metric(metric).unwrap_or(f64::NAN)
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.collect();
    values.iter().sum::<f64>() / values.len() as f64
}

/// With a backtest of two folds or more: the configuration with the lowest mean test RMSE over
/// the folds before the last (mean over its successful seeds), and how it does on the last.
fn pre_test_choice(a: &Assembly, summaries: &[ConfigSummary]) -> Option<PreTestChoice> {
    summaries
        .iter()
        .filter_map(|s| {
            let seeds: Vec<&FinishedRun> = a
                .runs
                .iter()
                .filter(|r| {
                    s.run_ids.contains(&r.record.run_id)
                        && r.record.status == RunStatus::Ok
                        && r.folds.len() > 1
                })
                .collect();
            let last = |metric: &str| {
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
                        .map(|fold| fold_metric(fold, "test_rmse")),
                )
            }));
            (!seeds.is_empty() && earlier.is_finite()).then(|| PreTestChoice {
                config: s.config.clone(),
                folds: seeds[0].folds.len() - 1,
                earlier_rmse: earlier,
                test_rmse: last("test_rmse"),
                ensemble_test_rmse: ensemble_rmse(&seeds, seeds[0].final_fold(), "test"),
                ar_rmse: last("test_ar_rmse"),
                seasonal_naive_rmse: last("test_seasonal_naive_rmse"),
            })
        })
        .min_by(|x, y| x.earlier_rmse.total_cmp(&y.earlier_rmse))
}
