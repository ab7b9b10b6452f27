//! Where things go in a results folder, and how much of it is atomic.
//!
//! Each run folder (`runs/<run_id>/`) is atomic: it is written under a hidden temporary name
//! and renamed into place when complete (see `run_folder`), so a run id's folder is always a
//! finished run. The experiment-level files (tables, summary, plots, report) are rebuilt from
//! the run folders by every invocation into a generation folder and become visible all at
//! once by switching one link, `.tables`, through which every visible name points (see
//! `pipeline::assemble`). `.runner.lock` is the
//! folder's lock ([`super::folder_lock`]).
//!
//! Single files outside run folders (the baseline, `source.json`) are replaced atomically with
//! `atomic::write_file`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

pub const EXPERIMENT_TOML: &str = "experiment.toml";
pub const METRICS_JSON: &str = "metrics.json";
pub const RUNS_CSV: &str = "runs.csv";
pub const RUNS_PARQUET: &str = "runs.parquet";
pub const HISTORY_CSV: &str = "history.csv";
pub const HISTORY_PARQUET: &str = "history.parquet";
pub const PREDICTIONS_PARQUET: &str = "predictions.parquet";
pub const FOLDS_CSV: &str = "folds.csv";
pub const FOLDS_PARQUET: &str = "folds.parquet";
/// A panel's per-series accuracy of every run (panels only).
pub const SERIES_CSV: &str = "series.csv";
pub const SERIES_PARQUET: &str = "series.parquet";
pub const SUMMARY_CSV: &str = "summary.csv";
pub const SUMMARY_PARQUET: &str = "summary.parquet";
pub const REPORT_MD: &str = "report.md";
/// `report.md` as one self-contained page (plots embedded, tables sortable).
pub const REPORT_HTML: &str = "report.html";
pub const PLOTS_DIR: &str = "plots";
pub const FORECAST_PNG: &str = "forecast.png";
pub const LOSS_PNG: &str = "loss.png";
/// The forecast past the end of the series, drawn when `forecast/` holds one.
pub const FUTURE_PNG: &str = "future.png";
/// `runner forecast`'s folder in a results folder (beside the assembled outputs, kept by
/// every assembly), and its files.
pub const FORECAST_DIR: &str = "forecast";
/// The forecast's record: how it was made, its coverage on the backtest.
pub const FORECAST_JSON: &str = "forecast.json";
/// The forecast table, for people and for tools.
pub const FORECAST_CSV: &str = "forecast.csv";
pub const FORECAST_PARQUET: &str = "forecast.parquet";
/// The refitted networks, `<run_id>.safetensors` each.
pub const MODELS_DIR: &str = "models";

/// The file name of a run's network of backtest fold `fold` of `folds`: `model.safetensors`
/// for the last (the experiment's own split, whose test predictions the run's tables hold),
/// `model.fold1.safetensors`, ... for the earlier folds.
pub fn model_file_name(fold: u32, folds: u32) -> String {
    if fold == folds {
        "model.safetensors".to_string()
    } else {
        format!("model.fold{fold}.safetensors")
    }
}

/// The file name of run `run_id`'s refitted network in a forecast's `models/`.
pub fn refit_model_file_name(run_id: &str) -> String {
    format!("{run_id}.safetensors")
}

/// Every name an assembly may write at the top of a results folder: what it does not write
/// this time (folds without a backtest, metrics.json of a sweep) is removed, so no table of
/// an older assembly stays beside the new ones.
pub const ASSEMBLED: &[&str] = &[
    EXPERIMENT_TOML,
    METRICS_JSON,
    RUNS_CSV,
    RUNS_PARQUET,
    HISTORY_CSV,
    HISTORY_PARQUET,
    PREDICTIONS_PARQUET,
    FOLDS_CSV,
    FOLDS_PARQUET,
    SERIES_CSV,
    SERIES_PARQUET,
    SUMMARY_CSV,
    SUMMARY_PARQUET,
    REPORT_MD,
    REPORT_HTML,
    PLOTS_DIR,
];

/// Folder that holds every experiment's results folder unless `--out` says otherwise.
pub const DEFAULT_RESULTS_ROOT: &str = "results";

/// `results/<name>`: the default results folder of the experiment called `name`.
///
/// The name becomes one path component, so separators, `.` and `..` are refused rather than
/// letting an experiment write outside `results/`.
pub fn default_results_dir(name: &str) -> Result<PathBuf> {
    let is_single_component = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.contains('\0');
    if !is_single_component {
        bail!(
            "experiment name {name:?} cannot be a folder name under {DEFAULT_RESULTS_ROOT}/ \
             (use letters, digits, '-', '_' or '.')"
        );
    }
    Ok(Path::new(DEFAULT_RESULTS_ROOT).join(name))
}

/// Paths of the files inside one results folder (the staging folder while it is being
/// written, the final folder afterwards).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsLayout {
    root: PathBuf,
}

impl ResultsLayout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn experiment_toml(&self) -> PathBuf {
        self.root.join(EXPERIMENT_TOML)
    }
    pub fn metrics_json(&self) -> PathBuf {
        self.root.join(METRICS_JSON)
    }
    pub fn runs_csv(&self) -> PathBuf {
        self.root.join(RUNS_CSV)
    }
    pub fn runs_parquet(&self) -> PathBuf {
        self.root.join(RUNS_PARQUET)
    }
    pub fn history_csv(&self) -> PathBuf {
        self.root.join(HISTORY_CSV)
    }
    pub fn history_parquet(&self) -> PathBuf {
        self.root.join(HISTORY_PARQUET)
    }
    pub fn predictions_parquet(&self) -> PathBuf {
        self.root.join(PREDICTIONS_PARQUET)
    }
    pub fn summary_csv(&self) -> PathBuf {
        self.root.join(SUMMARY_CSV)
    }
    pub fn summary_parquet(&self) -> PathBuf {
        self.root.join(SUMMARY_PARQUET)
    }
    pub fn report_md(&self) -> PathBuf {
        self.root.join(REPORT_MD)
    }
    pub fn plots_dir(&self) -> PathBuf {
        self.root.join(PLOTS_DIR)
    }
    pub fn forecast_png(&self) -> PathBuf {
        self.plots_dir().join(FORECAST_PNG)
    }
    pub fn loss_png(&self) -> PathBuf {
        self.plots_dir().join(LOSS_PNG)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_results_dir_is_results_slash_name_and_refuses_paths() {
        assert_eq!(
            default_results_dir("seed").unwrap(),
            Path::new("results").join("seed")
        );
        for bad in ["", ".", "..", "a/b", "..\\x"] {
            let err = default_results_dir(bad).unwrap_err().to_string();
            assert!(err.contains("cannot be a folder name"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn layout_names_the_issue_files() {
        let l = ResultsLayout::new("out");
        assert_eq!(l.runs_parquet(), Path::new("out/runs.parquet"));
        assert_eq!(l.forecast_png(), Path::new("out/plots/forecast.png"));
        assert_eq!(l.loss_png(), Path::new("out/plots/loss.png"));
        assert_eq!(l.history_csv(), Path::new("out/history.csv"));
        assert_eq!(l.summary_csv(), Path::new("out/summary.csv"));
        assert_eq!(l.summary_parquet(), Path::new("out/summary.parquet"));
        assert_eq!(l.report_md(), Path::new("out/report.md"));
    }

    #[test]
    fn the_last_fold_is_the_runs_model() {
        assert_eq!(model_file_name(1, 1), "model.safetensors");
        assert_eq!(model_file_name(3, 3), "model.safetensors");
        assert_eq!(model_file_name(1, 3), "model.fold1.safetensors");
        assert_eq!(refit_model_file_name("ab12"), "ab12.safetensors");
    }
}
