//! One experiment, end to end: data stages, fit, forecasts, metrics, results folder.

use std::path::PathBuf;
use std::time::Instant;

use crate::data;
use crate::eval::{evaluate, Metrics};
use crate::results::{default_results_dir, RunRecord, RunStatus};
use crate::spec::Experiment;
use crate::train::Stop;

use super::progress::EpochProgress;
use super::train_run::{self, SplitForecast};
use super::write::{write_results, RunArtifacts};
use super::Error;

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The results folder; `results/<name>` when not given.
    pub out: Option<PathBuf>,
    /// No progress output.
    pub quiet: bool,
}

/// What a finished invocation reports to the user.
pub struct Outcome {
    pub folder: PathBuf,
    pub record: RunRecord,
    /// Metrics per split, train / validation / test order.
    pub metrics: Vec<(&'static str, Metrics)>,
    pub data_seconds: f64,
    pub total_seconds: f64,
}

impl Outcome {
    pub fn split(&self, name: &str) -> Option<&Metrics> {
        self.metrics
            .iter()
            .find(|(s, _)| *s == name)
            .map(|(_, m)| m)
    }
}

/// Runs `exp` and writes its results folder (assembled aside, renamed into place when
/// complete). Bad data is reported before anything is written.
pub fn run(exp: &Experiment, opts: &RunOptions) -> Result<Outcome, Error> {
    let start = Instant::now();
    let folder = match &opts.out {
        Some(dir) => dir.clone(),
        None => default_results_dir(&exp.name).map_err(Error::bad_input)?,
    };
    let series = exp.load_series().map_err(Error::bad_input)?;
    let prepared = data::prepare(series, &exp.prepare_params()).map_err(Error::bad_input)?;
    let data_seconds = start.elapsed().as_secs_f64();

    let progress = EpochProgress::new(&exp.name, exp.train.epochs, opts.quiet);
    let trained = train_run::fit(exp, &prepared, &mut |s| progress.epoch(s));
    progress.finish();
    let forecasts = train_run::forecast(&trained.net, &prepared);
    let metrics: Vec<(&'static str, Metrics)> =
        forecasts.iter().map(|f| (f.split, score(f))).collect();

    let (status, reason) = match &trained.report.stop {
        Stop::Diverged { reason, .. } => (RunStatus::Diverged, Some(reason.clone())),
        Stop::Completed | Stop::EarlyStopped { .. } => (RunStatus::Ok, None),
    };
    let record = RunRecord {
        run_id: exp.canonical_hash(),
        label: exp.name.clone(),
        status,
        reason,
        metrics: metric_columns(&metrics),
        train_seconds: trained.seconds,
        epochs: trained.report.history.len(),
    };
    let artifacts = RunArtifacts {
        experiment: exp,
        data: &prepared,
        record: &record,
        report: &trained.report,
        forecasts: &forecasts,
        metrics: &metrics,
    };
    let folder = write_results(&folder, &artifacts).map_err(Error::failed)?;
    Ok(Outcome {
        folder,
        record,
        metrics,
        data_seconds,
        total_seconds: start.elapsed().as_secs_f64(),
    })
}

fn score(f: &SplitForecast) -> Metrics {
    let flat = |a: &ndarray::Array2<f64>| a.iter().copied().collect::<Vec<f64>>();
    evaluate(&flat(&f.actual), &flat(&f.predicted), &flat(&f.naive))
}

/// Table columns: test first (what a reader compares), then validation, then train.
fn metric_columns(metrics: &[(&'static str, Metrics)]) -> Vec<(String, f64)> {
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
    }
    cols
}
