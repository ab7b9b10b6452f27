//! The experiment-level outputs, rebuilt from all run folders after every invocation:
//! the resolved experiment, tables, summary, plots and report.
//!
//! They are written into a staging folder inside the results folder, `.tables.tmp-<pid>-<n>`,
//! guarded by a held file lock like a run folder's temporary (`store::atomic::TempFolder`),
//! and then moved into place by renames only: each file over its old version, then plots/ by
//! two renames (the old one into the staging folder, the new one out). So:
//!
//! - every visible file is whole, and plots/ is missing at most between two renames;
//! - a kill while the staging folder is written leaves the old tables untouched;
//! - a kill between the first and the last rename (a dozen renames, no writing) leaves some
//!   files of the new assembly beside the rest of the old one. The staging folder then stays
//!   behind as the mark of it, and the next `run` or `merge` removes it (its lock is free) and
//!   rebuilds every table: the tables belong together again after any complete invocation.
//!
//! Outputs of an older assembly that this one does not write (folds without a backtest any
//! more, a single run's metrics.json) are removed, so no table of another grid stays. Only
//! the process holding the folder's exclusive lock assembles (`ownership`), so two assemblies
//! never interleave. The run folders (`runs/`) are the source of truth and are not touched.

use std::path::Path;

use anyhow::{Context, Result};

use crate::analysis::SweepAnalysis;
use crate::render::plots::{write_plots, PlotInput};
use crate::render::report::{write_report, ReportInput};
use crate::render::summary_table::write_summary;
use crate::spec::sweep::value_text;
use crate::spec::Sweep;
use crate::store::atomic::TempFolder;
use crate::store::layout::{ASSEMBLED, PLOTS_DIR};
use crate::store::{
    write_folds, write_history, write_predictions, write_runs, FinishedRun, ResultsLayout,
};

use super::plan::Plan;

/// How many configurations the report's table shows.
const REPORT_TOP: usize = 10;

pub struct Assembly<'a> {
    pub folder: &'a Path,
    pub sweep: &'a Sweep,
    pub plan: &'a Plan,
    /// In grid order.
    pub runs: &'a [FinishedRun],
    pub wall_seconds: f64,
    pub cached: usize,
}

/// Writes every experiment-level output of `a` and returns the analysis they show.
pub fn assemble(a: &Assembly) -> Result<SweepAnalysis> {
    std::fs::create_dir_all(a.folder)
        .with_context(|| format!("cannot create {}", a.folder.display()))?;
    remove_legacy_staging(a.folder)?;
    // Dropped (after the switch, or on an error) it removes itself and its lock file.
    let staging = TempFolder::beside(&a.folder.join("tables"))?;
    std::fs::create_dir_all(staging.path().join("plots"))?;
    let analysis = SweepAnalysis::from_runs(a.runs);
    write_all(a, &analysis, staging.path())?;
    switch_in(a.folder, staging.path())?;
    Ok(analysis)
}

/// Staging folders of runner versions before the lock, `.assemble-<pid>`: only the holder
/// of the folder's exclusive lock assembles, so any such folder is an interrupted one's.
fn remove_legacy_staging(folder: &Path) -> Result<()> {
    for entry in std::fs::read_dir(folder)
        .with_context(|| format!("cannot read {}", folder.display()))?
        .flatten()
    {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(".assemble-")
        {
            std::fs::remove_dir_all(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Moves the staged outputs into `folder` by renames (see the module's comment).
fn switch_in(folder: &Path, staging: &Path) -> Result<()> {
    let pause = test_pause();
    for name in ASSEMBLED {
        let dest = folder.join(name);
        if !staging.join(name).exists() && std::fs::symlink_metadata(&dest).is_ok() {
            remove_path(&dest)?;
        }
    }
    for name in ASSEMBLED.iter().filter(|n| **n != PLOTS_DIR) {
        let from = staging.join(name);
        if from.exists() {
            pause();
            let dest = folder.join(name);
            std::fs::rename(&from, &dest)
                .with_context(|| format!("cannot move {} into place", dest.display()))?;
        }
    }
    pause();
    let plots = folder.join(PLOTS_DIR);
    // Replaced by two renames rather than removed first: no window without plots/ but one
    // between two system calls. The old plots leave with the staging folder.
    if plots.exists() {
        std::fs::rename(&plots, staging.join(".old-plots"))
            .with_context(|| format!("cannot move {} aside", plots.display()))?;
    }
    std::fs::rename(staging.join(PLOTS_DIR), &plots)
        .with_context(|| format!("cannot move {} into place", plots.display()))?;
    Ok(())
}

fn remove_path(path: &Path) -> Result<()> {
    let removed = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    removed.with_context(|| format!("cannot remove {}", path.display()))
}

/// A test hook: with `RUNNER_TEST_ASSEMBLY_PAUSE_MS=<ms>` set, assembly sleeps that long before
/// each rename, so a test can kill it at every point of the switch.
fn test_pause() -> impl Fn() {
    let ms = std::env::var("RUNNER_TEST_ASSEMBLY_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    move || {
        if let Some(ms) = ms {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
}

fn write_all(a: &Assembly, analysis: &SweepAnalysis, dir: &Path) -> Result<()> {
    let layout = ResultsLayout::new(dir);
    let records: Vec<_> = a.runs.iter().map(|r| r.record.clone()).collect();
    std::fs::write(layout.experiment_toml(), experiment_toml(a.sweep))?;
    write_runs(dir, &records)?;
    let history: Vec<_> = a
        .runs
        .iter()
        .flat_map(|r| r.history.iter().cloned())
        .collect();
    write_history(dir, &history)?;
    let predictions: Vec<_> = a
        .runs
        .iter()
        .flat_map(|r| r.predictions.iter().cloned())
        .collect();
    write_predictions(dir, &predictions)?;
    if a.runs.iter().any(|r| !r.folds.is_empty()) {
        let folds: Vec<_> = a
            .runs
            .iter()
            .map(|r| (&r.record, r.folds.as_slice()))
            .collect();
        write_folds(dir, &folds)?;
    }
    if a.runs.len() == 1 {
        // A single run's metrics.json is the experiment's.
        let src = a
            .folder
            .join("runs")
            .join(&a.runs[0].record.run_id)
            .join("metrics.json");
        std::fs::copy(&src, layout.metrics_json())
            .with_context(|| format!("cannot copy {}", src.display()))?;
    }
    write_summary(dir, &analysis.configs)?;

    let exp = &a.sweep.runs[0].experiment;
    let plot_input = plot_input(a, analysis);
    let plots = write_plots(&plot_input, &layout)?;
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
    write_report(
        dir,
        &ReportInput {
            name: &exp.name,
            description: &exp.description,
            grid: &grid,
            cached: a.cached,
            analysis,
            plots: &plots,
            wall_seconds: a.wall_seconds,
            top: REPORT_TOP,
        },
    )
}

/// The plots' input: the series of the run that stands for the sweep, and the swept keys.
fn plot_input<'a>(a: &'a Assembly, analysis: &'a SweepAnalysis) -> PlotInput<'a> {
    let mut input = PlotInput {
        name: &a.sweep.runs[0].experiment.name,
        runs: a.runs,
        analysis,
        series: &[],
        time: None,
        horizon: 1,
        swept: a
            .sweep
            .axes
            .iter()
            .filter(|x| x.key != "seed")
            .map(|x| x.key.as_str())
            .collect(),
    };
    let best_id = &input.best_run().record.run_id;
    let best_spec = a
        .sweep
        .runs
        .iter()
        .find(|r| r.run_id == *best_id)
        .expect("every finished run comes from the sweep");
    let data = a.plan.data_for(&best_spec.experiment);
    input.series = &data.series.values;
    input.time = data.series.time.as_deref();
    input.horizon = best_spec.experiment.window.horizon;
    input
}

/// The experiment as run: the first run's resolved configuration (every default written
/// out; swept keys at their first candidate) and the grid.
fn experiment_toml(sweep: &Sweep) -> String {
    let mut text = sweep.runs[0].experiment.to_toml_string();
    if !sweep.axes.is_empty() {
        let mut grid = toml::Table::new();
        for axis in &sweep.axes {
            grid.insert(axis.key.clone(), toml::Value::Array(axis.values.clone()));
        }
        text.push_str("\n# The grid: one run per combination; the values above are the first run's.\n[sweep]\n");
        text.push_str(&toml::to_string(&grid).unwrap_or_default());
    }
    text
}
