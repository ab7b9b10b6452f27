//! Assembles a finished run's results folder: tables, metrics.json, the resolved experiment
//! and the plots, in a staging folder that is renamed into place only when complete.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::data::Prepared;
use crate::eval::Metrics;
use crate::plot::{forecast_png, loss_png};
use crate::results::{
    write_history, write_json, write_predictions, write_runs, HistoryRow, PredictionRow,
    ResultsLayout, RunRecord, StagingDir,
};
use crate::spec::Experiment;
use crate::train::FitReport;

use super::train_run::SplitForecast;

/// Everything a run leaves behind, borrowed from the executor.
pub struct RunArtifacts<'a> {
    pub experiment: &'a Experiment,
    pub data: &'a Prepared,
    pub record: &'a RunRecord,
    pub report: &'a FitReport,
    pub forecasts: &'a [SplitForecast],
    pub metrics: &'a [(&'static str, Metrics)],
}

#[derive(Serialize)]
struct MetricsJson<'a> {
    run_id: &'a str,
    name: &'a str,
    status: &'a str,
    reason: Option<&'a str>,
    epochs: usize,
    best_epoch: usize,
    train_seconds: f64,
    /// Per split: train, validation (when present), test.
    splits: serde_json::Map<String, serde_json::Value>,
}

/// Writes the folder `final_dir` atomically; returns its path.
pub fn write_results(final_dir: &Path, run: &RunArtifacts) -> Result<PathBuf> {
    let staging = StagingDir::create(final_dir)?;
    let layout = ResultsLayout::new(staging.path());
    let rec = run.record;

    std::fs::write(layout.experiment_toml(), run.experiment.to_toml_string())
        .with_context(|| format!("cannot write {}", layout.experiment_toml().display()))?;
    let mut splits = serde_json::Map::new();
    for (split, m) in run.metrics {
        splits.insert(split.to_string(), serde_json::to_value(m)?);
    }
    let metrics = MetricsJson {
        run_id: &rec.run_id,
        name: &run.experiment.name,
        status: rec.status.as_str(),
        reason: rec.reason.as_deref(),
        epochs: rec.epochs,
        best_epoch: run.report.best_epoch,
        train_seconds: rec.train_seconds,
        splits,
    };
    write_json(&layout.metrics_json(), &metrics)?;
    write_runs(staging.path(), std::slice::from_ref(rec))?;

    let history: Vec<HistoryRow> = run
        .report
        .history
        .iter()
        .map(|e| HistoryRow {
            run_id: rec.run_id.clone(),
            epoch: e.epoch as u32,
            train_loss: e.train_loss,
            val_loss: e.val_loss,
        })
        .collect();
    write_history(staging.path(), &history)?;
    write_predictions(staging.path(), &prediction_rows(&rec.run_id, run.forecasts))?;

    std::fs::create_dir_all(layout.plots_dir())?;
    let one_step = |split: &str| -> Vec<(usize, f64)> {
        run.forecasts
            .iter()
            .filter(|f| f.split == split)
            .flat_map(|f| {
                f.target_index
                    .iter()
                    .copied()
                    .zip(f.predicted.column(0).to_vec())
            })
            .collect()
    };
    let test_rmse = run
        .metrics
        .iter()
        .find(|(s, _)| *s == "test")
        .map_or(f64::NAN, |(_, m)| m.rmse);
    let naive_rmse = run
        .metrics
        .iter()
        .find(|(s, _)| *s == "test")
        .map_or(f64::NAN, |(_, m)| m.naive_rmse);
    let title = format!(
        "{}: test RMSE {} (naive {})",
        run.experiment.name,
        short(test_rmse),
        short(naive_rmse)
    );
    forecast_png(
        &layout.forecast_png(),
        &run.data.series.values,
        run.data.series.time.as_deref(),
        &one_step("train"),
        &one_step("validation"),
        &one_step("test"),
        &title,
    )?;
    loss_png(
        &layout.loss_png(),
        &history,
        &format!("{}: training loss", run.experiment.name),
    )?;
    staging.commit()
}

/// One row per predicted value; with a horizon above 1 a target index appears once per
/// window that predicts it.
fn prediction_rows(run_id: &str, forecasts: &[SplitForecast]) -> Vec<PredictionRow> {
    let mut rows = Vec::new();
    for f in forecasts {
        for (i, &first) in f.target_index.iter().enumerate() {
            for h in 0..f.predicted.ncols() {
                rows.push(PredictionRow {
                    run_id: run_id.to_string(),
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

/// Four significant digits, enough to compare runs in a title.
fn short(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else if v.is_finite() {
        let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        "n/a".to_string()
    }
}
