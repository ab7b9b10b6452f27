//! One fold of a run (the whole run without a backtest): fit, forecast, score against the
//! baselines, and the fold's rows of the tables.

use crate::analysis::metric::{Baseline, Forecaster, Measure, Metric, Split};
use crate::data::Prepared;
use crate::eval::baselines::Baselines;
use crate::eval::metrics::root_mean_squared_error;
use crate::eval::{evaluate, Metrics};
use crate::spec::RunSpec;
use crate::store::{FoldRecord, HistoryRow, PredictionRow, RunStatus};
use crate::train::{EpochStats, Stop};

use super::train_run::{self, SplitForecast};

/// One fold's fit, forecasts and scores.
pub struct FoldOutcome {
    pub fold: FoldRecord,
    /// Per split: the metrics and the baselines' accuracy, for `metrics.json`.
    pub splits: serde_json::Map<String, serde_json::Value>,
    pub history: Vec<HistoryRow>,
    pub predictions: Vec<PredictionRow>,
}

/// Fits a network on one fold's training windows (initialised from the run's seed), forecasts
/// every split in original units and scores it beside the baselines fitted on the same
/// training part. `fold` is 1-based (1 without a backtest).
pub fn train_and_score_fold(
    run: &RunSpec,
    data: &Prepared,
    fold: u32,
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> FoldOutcome {
    let trained = train_run::fit(&run.experiment, data, on_epoch);
    let forecasts = train_run::forecast(&trained.net, data);
    let fitted = Baselines::fit(data, run.experiment.data.season());
    let scores: Vec<(&'static str, Metrics)> = forecasts
        .iter()
        .map(|f| (f.split, score(f, fitted.mase_scale)))
        .collect();
    let baseline_scores = score_baselines(&fitted, data, &forecasts);
    let (status, reason) = match &trained.report.stop {
        Stop::Diverged { reason, .. } => (RunStatus::Diverged, Some(reason.clone())),
        Stop::Completed | Stop::EarlyStopped { .. } => (RunStatus::Ok, None),
    };
    let history = trained
        .report
        .history
        .iter()
        .map(|e| HistoryRow {
            run_id: run.run_id.clone(),
            fold,
            epoch: e.epoch as u32,
            train_loss: e.train_loss,
            val_loss: e.val_loss,
        })
        .collect();
    let mut splits = serde_json::Map::new();
    for (split, m) in &scores {
        let mut value = serde_json::to_value(m).expect("metrics serialize");
        if let Some((_, b)) = baseline_scores.iter().find(|(s, _)| s == split) {
            let table: serde_json::Map<String, serde_json::Value> = b
                .iter()
                .map(|s| {
                    let entry = serde_json::json!({ "rmse": s.rmse, "mae": s.mae });
                    (s.name.to_string(), entry)
                })
                .collect();
            value["baselines"] = serde_json::Value::Object(table);
        }
        splits.insert(split.to_string(), value);
    }
    FoldOutcome {
        fold: FoldRecord {
            fold,
            origin: data.split.test.start as u32,
            end: data.series.len() as u32,
            status,
            reason,
            metrics: [
                metric_columns(&scores, &baseline_scores),
                step_columns(&forecasts),
            ]
            .concat(),
            train_seconds: trained.seconds,
            epochs: trained.report.history.len(),
            best_epoch: trained.report.best_epoch,
        },
        splits,
        history,
        predictions: prediction_rows(&run.run_id, fold, &forecasts),
    }
}

fn flat(a: &ndarray::Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

fn score(f: &SplitForecast, mase_scale: f64) -> Metrics {
    evaluate(
        &flat(&f.actual),
        &flat(&f.predicted),
        &flat(&f.naive),
        mase_scale,
    )
}

/// One baseline's accuracy on one split, original units.
struct BaselineScore {
    name: &'static str,
    rmse: f64,
    mae: f64,
}

/// The baselines' accuracy on the validation (when present) and test windows: the points
/// the network is scored on.
fn score_baselines(
    fitted: &Baselines,
    data: &Prepared,
    forecasts: &[SplitForecast],
) -> Vec<(&'static str, Vec<BaselineScore>)> {
    let mut out = Vec::new();
    for (split, windows) in [
        ("validation", data.validation.as_ref()),
        ("test", Some(&data.test)),
    ] {
        let (Some(w), Some(f)) = (windows, forecasts.iter().find(|f| f.split == split)) else {
            continue;
        };
        let actual = flat(&f.actual);
        let scores = fitted
            .forecast(data, w)
            .into_iter()
            .map(|(name, forecast)| {
                let forecast = flat(&forecast);
                BaselineScore {
                    name,
                    rmse: crate::eval::metrics::root_mean_squared_error(&actual, &forecast),
                    mae: crate::eval::metrics::mean_abs_error(&actual, &forecast),
                }
            })
            .collect();
        out.push((split, scores));
    }
    out
}

/// `1 - rmse_model / rmse_baseline`: 1 for a perfect model, 0 when it ties the baseline,
/// negative when the baseline wins. NaN when the baseline is missing or exact.
fn skill(model_rmse: f64, baseline_rmse: Option<f64>) -> f64 {
    match baseline_rmse {
        Some(b) if b > 0.0 => 1.0 - model_rmse / b,
        _ => f64::NAN,
    }
}

/// Table columns: test first (what a reader compares), then validation, then train.
/// After the test metrics come the baselines' test rmse (`test_seasonal_naive_rmse`,
/// `test_drift_rmse`, `test_ar_rmse`; `test_naive_rmse` is among the metrics) and the skill
/// columns `test_skill_vs_seasonal_naive` and `test_skill_vs_ar`. Every run carries every
/// column: a baseline that was not computed (seasonal naive without `data.season`) is NaN.
fn metric_columns(
    metrics: &[(&'static str, Metrics)],
    baselines: &[(&'static str, Vec<BaselineScore>)],
) -> Vec<(String, f64)> {
    let mut cols = Vec::new();
    for split in Split::TABLE_ORDER {
        let Some((_, m)) = metrics.iter().find(|(s, _)| *s == split.as_str()) else {
            continue;
        };
        let nan = f64::NAN;
        for (measure, value) in [
            (Measure::Rmse, m.rmse),
            (Measure::Mae, m.mae),
            (Measure::Mape, m.mape.unwrap_or(nan)),
            (Measure::Smape, m.smape.unwrap_or(nan)),
            (Measure::Mase, m.mase.unwrap_or(nan)),
            (Measure::R2, m.r2),
        ] {
            cols.push((Metric::network(split, measure).column(), value));
        }
        let naive = Metric::network(split, Measure::Rmse).of(Forecaster::Baseline(Baseline::Naive));
        cols.push((naive.column(), m.naive_rmse));
        if split == Split::Test {
            // Baselines are named alike here and in eval (`Baseline::key`).
            let rmse_of = |b: Baseline| {
                baselines
                    .iter()
                    .find(|(s, _)| *s == split.as_str())
                    .and_then(|(_, scores)| scores.iter().find(|s| s.name == b.key()))
                    .map(|s| s.rmse)
            };
            for b in [Baseline::SeasonalNaive, Baseline::Drift, Baseline::LinearAr] {
                let rmse = rmse_of(b).unwrap_or(nan);
                cols.push((Metric::baseline_test_rmse(b).column(), rmse));
            }
            for b in [Baseline::SeasonalNaive, Baseline::LinearAr] {
                let skill = skill(m.rmse, rmse_of(b));
                cols.push((Metric::network(split, Measure::SkillVs(b)).column(), skill));
            }
        }
    }
    cols
}

/// With a horizon above 1: the test RMSE of each step ahead (`test_rmse_step1` ...), since
/// errors grow with the distance from the window's end.
fn step_columns(forecasts: &[SplitForecast]) -> Vec<(String, f64)> {
    let Some(test) = forecasts.iter().find(|f| f.split == "test") else {
        return Vec::new();
    };
    let horizon = test.predicted.ncols();
    if horizon < 2 {
        return Vec::new();
    }
    (0..horizon)
        .map(|h| {
            let col = |a: &ndarray::Array2<f64>| a.column(h).to_vec();
            let (actual, predicted) = (col(&test.actual), col(&test.predicted));
            (
                Metric::network(Split::Test, Measure::RmseAtStep(h as u32 + 1)).column(),
                root_mean_squared_error(&actual, &predicted),
            )
        })
        .collect()
}

/// One row per predicted value; with a horizon above 1 a target index appears once per
/// window that predicts it.
fn prediction_rows(run_id: &str, fold: u32, forecasts: &[SplitForecast]) -> Vec<PredictionRow> {
    let mut rows = Vec::new();
    for f in forecasts {
        for (i, &first) in f.target_index.iter().enumerate() {
            for h in 0..f.predicted.ncols() {
                rows.push(PredictionRow {
                    run_id: run_id.to_string(),
                    fold,
                    split: f.split.to_string(),
                    index: (first + h) as u32,
                    actual: f.actual[[i, h]],
                    predicted: f.predicted[[i, h]],
                    ..Default::default()
                });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::baselines;

    #[test]
    fn column_names_use_the_baselines_names_of_eval() {
        let pairs = [
            (Baseline::Naive, baselines::NAIVE),
            (Baseline::SeasonalNaive, baselines::SEASONAL_NAIVE),
            (Baseline::Drift, baselines::DRIFT),
            (Baseline::LinearAr, baselines::AR),
        ];
        for (b, name) in pairs {
            assert_eq!(b.key(), name);
        }
    }
}
