//! One run of a sweep: fit, forecast, score, and the run's rows of the tables.

use std::panic::AssertUnwindSafe;

use serde::Serialize;

use crate::data::Prepared;
use crate::eval::baselines::{self, Baselines};
use crate::eval::metrics::root_mean_squared_error;
use crate::eval::{evaluate, Metrics};
use crate::results::{
    FinishedRun, FoldRecord, HistoryRow, ParamValue, PredictionRow, RunRecord, RunStatus,
};
use crate::spec::{sweep::value_text, RunSpec};
use crate::train::{EpochStats, Stop};

use super::train_run::{self, SplitForecast};

/// What a run's `metrics.json` holds.
#[derive(Serialize)]
pub struct RunMetrics {
    pub run_id: String,
    pub label: String,
    pub status: String,
    pub reason: Option<String>,
    pub epochs: usize,
    pub best_epoch: usize,
    pub train_seconds: f64,
    /// Per split: train, validation (when present), test; of the final fold with a backtest.
    pub splits: serde_json::Map<String, serde_json::Value>,
    /// With a backtest: each fold's splits, and the mean over folds of every metric column
    /// (what the runs table holds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backtest: Option<serde_json::Value>,
}

/// Trains and scores one run: one fit per backtest fold (`folds`, oldest first; a single
/// fold without a backtest). A panic inside (a bug) is caught and recorded as a failed run,
/// so the other runs of the sweep go on.
pub fn execute(
    run: &RunSpec,
    folds: &[Prepared],
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> (FinishedRun, RunMetrics) {
    let attempt =
        std::panic::catch_unwind(AssertUnwindSafe(|| train_and_score(run, folds, on_epoch)));
    match attempt {
        Ok(done) => done,
        Err(panic) => {
            let reason = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_string());
            let record = record(
                run,
                RunStatus::Failed,
                Some(format!("internal error: {reason}")),
                Vec::new(),
                0.0,
                0,
            );
            let metrics = run_metrics(&record, 0, serde_json::Map::new(), None);
            let finished = FinishedRun {
                record,
                history: Vec::new(),
                predictions: Vec::new(),
                folds: Vec::new(),
            };
            (finished, metrics)
        }
    }
}

/// One fold's fit, forecasts and scores.
struct FoldOutcome {
    fold: FoldRecord,
    /// Per split: the metrics and the baselines' accuracy, for `metrics.json`.
    splits: serde_json::Map<String, serde_json::Value>,
    history: Vec<HistoryRow>,
    predictions: Vec<PredictionRow>,
}

fn train_and_score(
    run: &RunSpec,
    folds: &[Prepared],
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> (FinishedRun, RunMetrics) {
    let epochs = run.experiment.train.epochs;
    let outcomes: Vec<FoldOutcome> = folds
        .iter()
        .enumerate()
        .map(|(j, data)| {
            // Progress counts the epochs of all folds: fold j's epoch e is epoch j·epochs + e.
            let mut shifted = |s: &EpochStats| {
                on_epoch(&EpochStats {
                    epoch: j * epochs + s.epoch,
                    ..s.clone()
                })
            };
            train_and_score_fold(run, data, j as u32 + 1, &mut shifted)
        })
        .collect();
    let last = outcomes.last().expect("a run has at least one fold");
    let backtest = outcomes.len() > 1;
    // A run fails when any of its folds does; the first such fold gives the reason.
    let failed = outcomes.iter().find(|o| o.fold.status != RunStatus::Ok);
    let (status, reason) = match failed {
        None => (RunStatus::Ok, None),
        Some(o) if backtest => (
            o.fold.status,
            o.fold
                .reason
                .as_ref()
                .map(|r| format!("fold {}: {r}", o.fold.fold)),
        ),
        Some(o) => (o.fold.status, o.fold.reason.clone()),
    };
    let fold_records: Vec<&FoldRecord> = outcomes.iter().map(|o| &o.fold).collect();
    let record = record(
        run,
        status,
        reason,
        mean_columns(&fold_records),
        outcomes.iter().map(|o| o.fold.train_seconds).sum(),
        outcomes.iter().map(|o| o.fold.epochs).max().unwrap_or(0),
    );
    let backtest_json = backtest.then(|| {
        let folds: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "fold": o.fold.fold,
                    "origin": o.fold.origin,
                    "end": o.fold.end,
                    "status": o.fold.status.as_str(),
                    "epochs": o.fold.epochs,
                    "best_epoch": o.fold.best_epoch,
                    "splits": o.splits,
                })
            })
            .collect();
        let mean: serde_json::Map<String, serde_json::Value> = record
            .metrics
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v.is_finite().then_some(*v))))
            .collect();
        serde_json::json!({ "folds": folds, "mean": mean })
    });
    let metrics = run_metrics(
        &record,
        last.fold.best_epoch,
        last.splits.clone(),
        backtest_json,
    );
    let mut finished = FinishedRun {
        record,
        history: Vec::new(),
        predictions: Vec::new(),
        folds: Vec::new(),
    };
    for o in outcomes {
        finished.history.extend(o.history);
        finished.predictions.extend(o.predictions);
        if backtest {
            finished.folds.push(o.fold);
        }
    }
    (finished, metrics)
}

/// The run's metric columns: each fold's column averaged over the folds (a single fold's
/// as they are), in the first fold's order. A NaN in any fold makes the mean NaN.
fn mean_columns(folds: &[&FoldRecord]) -> Vec<(String, f64)> {
    let Some(first) = folds.first() else {
        return Vec::new();
    };
    first
        .metrics
        .iter()
        .map(|(name, _)| {
            let values: Vec<f64> = folds
                .iter()
                .map(|f| {
                    f.metrics
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(f64::NAN, |(_, v)| *v)
                })
                .collect();
            (
                name.clone(),
                values.iter().sum::<f64>() / values.len() as f64,
            )
        })
        .collect()
}

fn train_and_score_fold(
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

fn record(
    run: &RunSpec,
    status: RunStatus,
    reason: Option<String>,
    metrics: Vec<(String, f64)>,
    train_seconds: f64,
    epochs: usize,
) -> RunRecord {
    RunRecord {
        run_id: run.run_id.clone(),
        label: display_label(run),
        config: run.config.clone(),
        seed: run.experiment.seed,
        params: run
            .params
            .iter()
            .map(|(k, v)| (k.clone(), param_value(v)))
            .collect(),
        status,
        reason,
        metrics,
        train_seconds,
        epochs,
    }
}

/// The label of a run, or the experiment's name when nothing is swept.
pub fn display_label(run: &RunSpec) -> String {
    if run.label.is_empty() {
        run.experiment.name.clone()
    } else {
        run.label.clone()
    }
}

fn param_value(v: &toml::Value) -> ParamValue {
    match v {
        toml::Value::Integer(i) => ParamValue::Int(*i),
        toml::Value::Float(f) => ParamValue::Float(*f),
        toml::Value::Boolean(b) => ParamValue::Bool(*b),
        other => ParamValue::Str(value_text(other)),
    }
}

fn run_metrics(
    record: &RunRecord,
    best_epoch: usize,
    splits: serde_json::Map<String, serde_json::Value>,
    backtest: Option<serde_json::Value>,
) -> RunMetrics {
    RunMetrics {
        run_id: record.run_id.clone(),
        label: record.label.clone(),
        status: record.status.as_str().to_string(),
        reason: record.reason.clone(),
        epochs: record.epochs,
        best_epoch,
        train_seconds: record.train_seconds,
        splits,
        backtest,
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
    for split in ["test", "validation", "train"] {
        let Some((_, m)) = metrics.iter().find(|(s, _)| *s == split) else {
            continue;
        };
        let nan = f64::NAN;
        for (name, value) in [
            ("rmse", m.rmse),
            ("mae", m.mae),
            ("mape", m.mape.unwrap_or(nan)),
            ("smape", m.smape.unwrap_or(nan)),
            ("mase", m.mase.unwrap_or(nan)),
            ("r2", m.r2),
            ("naive_rmse", m.naive_rmse),
        ] {
            cols.push((format!("{split}_{name}"), value));
        }
        if split == "test" {
            let rmse_of = |name: &str| {
                baselines
                    .iter()
                    .find(|(s, _)| *s == split)
                    .and_then(|(_, b)| b.iter().find(|b| b.name == name))
                    .map(|b| b.rmse)
            };
            for name in [baselines::SEASONAL_NAIVE, baselines::DRIFT, baselines::AR] {
                let rmse = rmse_of(name).unwrap_or(nan);
                cols.push((format!("{split}_{name}_rmse"), rmse));
            }
            for name in [baselines::SEASONAL_NAIVE, baselines::AR] {
                let value = skill(m.rmse, rmse_of(name));
                cols.push((format!("{split}_skill_vs_{name}"), value));
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
                format!("test_rmse_step{}", h + 1),
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
                });
            }
        }
    }
    rows
}
