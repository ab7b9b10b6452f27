//! The experiment-level outputs, rebuilt from all run folders after every invocation:
//! the resolved experiment, tables, summary, plots and report.
//!
//! They are written into a staging folder inside the results folder and then moved into
//! place file by file (plots/ as a whole), so a crash while writing never leaves a
//! half-written table; a crash between two moves can leave tables of two assemblies side by
//! side until the next invocation rebuilds them all. The run folders (`runs/`) are the
//! source of truth and are never touched here.

use std::path::Path;

use anyhow::{Context, Result};

use crate::analysis::SweepAnalysis;
use crate::render::plots::{write_plots, PlotInput};
use crate::render::report::{write_report, ReportInput};
use crate::render::summary_table::write_summary;
use crate::spec::sweep::value_text;
use crate::spec::Sweep;
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
    let staging = a.folder.join(format!(".assemble-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(staging.join("plots"))?;
    let analysis = SweepAnalysis::from_runs(a.runs);
    write_all(a, &analysis, &staging)?;
    // Move into place: plots/ as a whole, then each file.
    let plots = a.folder.join("plots");
    if plots.exists() {
        std::fs::remove_dir_all(&plots)?;
    }
    for entry in std::fs::read_dir(&staging)? {
        let entry = entry?;
        let dest = a.folder.join(entry.file_name());
        std::fs::rename(entry.path(), &dest)
            .with_context(|| format!("cannot move {} into place", dest.display()))?;
    }
    std::fs::remove_dir(&staging)?;
    Ok(analysis)
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
