//! One run of a sweep: one fold after another (see [`super::fold`]); the run's record holds
//! the last fold's figures (the test part) and the selection columns of the experiment's
//! `[select]` protocol, and the run's rows of the tables.

use std::panic::AssertUnwindSafe;

use serde::Serialize;

use crate::analysis::metric::Measure;
use crate::analysis::selection::{self, Protocol, SelectOn};
use crate::data::Prepared;
use crate::spec::{self, sweep::value_text, Experiment, RunSpec};
use crate::store::{FinishedRun, FoldRecord, ParamValue, RunRecord, RunStatus};
use crate::train::EpochStats;

use super::fold::{train_and_score_fold, FoldOutcome};
use crate::store::layout::model_file_name;

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
    /// With a backtest: each fold's splits, and the run's metric columns (what the runs table
    /// holds: the last fold's figures and the selection columns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backtest: Option<serde_json::Value>,
    /// A panel's counts: series, scope, series forecast by the fallback and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<serde_json::Value>,
}

/// A run's outcome: its rows of the tables, its `metrics.json`, and the files of its fitted
/// networks (`(file name, safetensors bytes)`, one per fold that did not diverge).
pub struct Executed {
    pub finished: FinishedRun,
    pub metrics: RunMetrics,
    pub model_files: Vec<(String, Vec<u8>)>,
}

/// Trains and scores one run: one fit per backtest fold (`folds`, oldest first; a single
/// fold without a backtest). A panic inside (a bug) is caught and recorded as a failed run,
/// so the other runs of the sweep go on.
pub fn execute(
    run: &RunSpec,
    folds: &[Prepared],
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> Executed {
    guarded(run, || train_and_score(run, folds, on_epoch))
}

/// Runs `work` (the training and scoring of `run`); a panic inside (a bug) is caught and
/// recorded as a failed run, so the other runs of the sweep go on.
///
/// Every outcome, failed or not, gets the run's [`provenance`](super::provenance).
pub(super) fn guarded(run: &RunSpec, work: impl FnOnce() -> Executed) -> Executed {
    let started = std::time::SystemTime::now();
    let mut executed = caught(run, work);
    executed.finished.record.provenance = Some(super::provenance::provenance(run, started));
    executed
}

fn caught(run: &RunSpec, work: impl FnOnce() -> Executed) -> Executed {
    match std::panic::catch_unwind(AssertUnwindSafe(work)) {
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
                series: Vec::new(),
            };
            Executed {
                finished,
                metrics,
                model_files: Vec::new(),
            }
        }
    }
}

fn train_and_score(
    run: &RunSpec,
    folds: &[Prepared],
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> Executed {
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
            train_and_score_fold(run, data, (j as u32 + 1, folds.len() as u32), &mut shifted)
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
    let earlier: Vec<&FoldRecord> = outcomes[..outcomes.len() - 1]
        .iter()
        .map(|o| &o.fold)
        .collect();
    let record = record(
        run,
        status,
        reason,
        selection::run_metrics(&last.fold.metrics, &earlier, protocol(&run.experiment)),
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
        serde_json::json!({ "folds": folds, "run": mean })
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
        series: Vec::new(),
    };
    let folds_total = outcomes.len() as u32;
    let mut model_files = Vec::new();
    for o in outcomes {
        if let Some(model) = &o.model {
            model_files.push((
                model_file_name(o.fold.fold, folds_total),
                crate::saved::encode(model),
            ));
        }
        finished.history.extend(o.history);
        finished.predictions.extend(o.predictions);
        if backtest {
            finished.folds.push(o.fold);
        }
    }
    Executed {
        finished,
        metrics,
        model_files,
    }
}

/// The experiment's `[select]` as the analysis reads it.
pub fn protocol(e: &Experiment) -> Protocol {
    Protocol {
        measure: match e.select.metric() {
            spec::SelectMetric::Rmse => Measure::Rmse,
            spec::SelectMetric::Mae => Measure::Mae,
            spec::SelectMetric::Smape => Measure::Smape,
            spec::SelectMetric::Mase => Measure::Mase,
            spec::SelectMetric::Owa => Measure::Owa,
        },
        on: match e.select.on() {
            spec::SelectOn::Folds => SelectOn::Folds,
            spec::SelectOn::Validation => SelectOn::Validation,
            spec::SelectOn::Test => SelectOn::Test,
        },
    }
}

pub(super) fn record(
    run: &RunSpec,
    status: RunStatus,
    reason: Option<String>,
    metrics: Vec<(String, f64)>,
    train_seconds: f64,
    epochs: usize,
) -> RunRecord {
    RunRecord {
        run_id: run.run_id.clone(),
        label: run.display_label(),
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
        // Set by `guarded` for every outcome.
        provenance: None,
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

pub(super) fn run_metrics(
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
        panel: None,
    }
}
