//! The experiment-level outputs, rebuilt from all run folders after every invocation:
//! the resolved experiment, tables, summary, plots and report.
//!
//! They are written into a staging folder inside the results folder, `.tables.tmp-<pid>-<n>`,
//! guarded by a held file lock like a run folder's temporary (`store::atomic::TempFolder`),
//! which then becomes a generation folder, `.tables-<generation>`, by one rename. Every
//! visible output (`runs.csv`, `plots/`, `report.md`, ...) is a symbolic link through the link
//! `.tables` into the current generation, so switching `.tables` to the new generation — one
//! rename of a link over the old one — replaces all of them at once:
//!
//! - a reader sees every table of one assembly, never a mix of two, and never a half-written
//!   file (a reader already holding an old file open keeps reading it whole);
//! - a kill before the switch leaves the old tables in place, and a staging or generation
//!   folder the next `run` or `merge` removes (a staging folder's lock is free once its
//!   writer is gone; generations other than the current one are removed by every assembly);
//! - the links themselves change only when the set of outputs changes (folds.* appear with a
//!   backtest, a single run's metrics.json): created after the switch, removed when the new
//!   generation lacks their file, so none dangles after an assembly.
//!
//! Results folders written before generations held plain files: the first assembly replaces
//! each by its link (plots/ is removed first, the one moment it is missing). Only the process
//! holding the folder's exclusive lock assembles (`ownership`), so two assemblies never
//! interleave. The run folders (`runs/`) are the source of truth and are not touched.

use std::path::Path;

use anyhow::{Context, Result};

use crate::analysis::panel::PanelAnalysis;
use crate::analysis::SweepAnalysis;
use crate::render::panel_text::{panel_report, write_panel_report, write_panel_summary};
use crate::render::plots::{write_plots, PlotInput};
use crate::render::report::{write_report, ReportInput};
use crate::render::summary_table::write_summary;
use crate::spec::sweep::value_text;
use crate::spec::Sweep;
use crate::store::atomic::TempFolder;
use crate::store::forecast::read_forecast;
use crate::store::layout::ASSEMBLED;
use crate::store::{
    write_folds, write_history, write_predictions, write_runs, write_series, FinishedRun,
    PredictionRow, ResultsLayout, RunTimes,
};

use super::execute::protocol;
use super::plan::Plan;

/// How many configurations the report's table shows.
const REPORT_TOP: usize = 10;

pub struct Assembly<'a> {
    pub folder: &'a Path,
    pub sweep: &'a Sweep,
    pub plan: &'a Plan,
    /// In grid order, scored under the experiment's protocol (`selection::rescored`).
    pub runs: &'a [FinishedRun],
    pub wall_seconds: f64,
    pub cached: usize,
}

/// The link the visible outputs point through, switched to each new generation.
const CURRENT: &str = ".tables";
/// Generation folders are `.tables-<pid>-<nanoseconds>`.
const GENERATION: &str = ".tables-";
/// Links are made under this temporary name, then renamed over their final name.
const LINK_TMP: &str = ".link-";

/// What the tables of a sweep show: the analysis of one series' sweep, or of a panel's.
pub enum Assembled {
    Sweep(Box<SweepAnalysis>),
    Panel(PanelAnalysis),
}

impl Assembled {
    pub fn sweep(self) -> Option<SweepAnalysis> {
        match self {
            Assembled::Sweep(s) => Some(*s),
            Assembled::Panel(_) => None,
        }
    }

    pub fn panel(&self) -> Option<&PanelAnalysis> {
        match self {
            Assembled::Sweep(_) => None,
            Assembled::Panel(p) => Some(p),
        }
    }
}

/// Writes every experiment-level output of `a` and returns the analysis they show.
pub fn assemble(a: &Assembly) -> Result<Assembled> {
    std::fs::create_dir_all(a.folder)
        .with_context(|| format!("cannot create {}", a.folder.display()))?;
    remove_legacy_staging(a.folder)?;
    // Dropped on an error it removes itself and its lock file.
    let staging = TempFolder::beside(&a.folder.join("tables"))?;
    std::fs::create_dir_all(staging.path().join("plots"))?;
    let protocol = protocol(&a.sweep.runs[0].experiment);
    let analysis = if a.sweep.runs[0].experiment.is_panel() {
        let analysis = PanelAnalysis::from_runs(a.runs, protocol);
        write_panel(a, &analysis, staging.path())?;
        Assembled::Panel(analysis)
    } else {
        let analysis = SweepAnalysis::from_runs(a.runs, protocol);
        write_all(a, &analysis, staging.path())?;
        Assembled::Sweep(Box::new(analysis))
    };
    let pause = test_pause();
    pause();
    let generation = staging.commit_to(&a.folder.join(generation_name()))?;
    pause();
    switch_to(a.folder, &generation)?;
    pause();
    link_outputs(a.folder, &generation)?;
    remove_other_generations(a.folder, &generation)?;
    Ok(analysis)
}

fn generation_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{GENERATION}{}-{nanos}", std::process::id())
}

/// Makes `link` (in `folder`) a symbolic link to `target`, by one rename over whatever
/// `link` was: a reader finds the old target or the new one, never nothing.
fn replace_with_link(folder: &Path, link: &str, target: &Path) -> Result<()> {
    let tmp = folder.join(format!(".{}{LINK_TMP}{}", link, std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .with_context(|| format!("cannot create the link {}", tmp.display()))?;
    let dest = folder.join(link);
    // A real folder (plots/ of a results folder from before generations) cannot be renamed
    // over: removed first, once.
    if std::fs::symlink_metadata(&dest).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(&dest)
            .with_context(|| format!("cannot remove {}", dest.display()))?;
    }
    std::fs::rename(&tmp, &dest).with_context(|| format!("cannot replace {}", dest.display()))
}

/// The switch: `.tables` now points at `generation`.
fn switch_to(folder: &Path, generation: &Path) -> Result<()> {
    let name = generation.file_name().expect("a generation has a name");
    replace_with_link(folder, CURRENT, Path::new(name))
}

/// Each output of `generation` visible under its name, through `.tables`; names of outputs
/// this generation lacks removed.
fn link_outputs(folder: &Path, generation: &Path) -> Result<()> {
    for name in ASSEMBLED {
        let visible = folder.join(name);
        let through = Path::new(CURRENT).join(name);
        if generation.join(name).exists() {
            let linked = std::fs::read_link(&visible).is_ok_and(|t| t == through);
            if !linked {
                replace_with_link(folder, name, &through)?;
            }
        } else if std::fs::symlink_metadata(&visible).is_ok() {
            remove_path(&visible)?;
        }
    }
    Ok(())
}

/// Generation folders other than `current`, and links an interrupted assembly was making.
fn remove_other_generations(folder: &Path, current: &Path) -> Result<()> {
    for entry in std::fs::read_dir(folder)
        .with_context(|| format!("cannot read {}", folder.display()))?
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with(GENERATION) && path != current {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        } else if name.starts_with('.') && name.contains(LINK_TMP) {
            remove_path(&path)?;
        }
    }
    Ok(())
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

fn remove_path(path: &Path) -> Result<()> {
    let removed = if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
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

/// The tables every sweep has: the experiment, runs, history and predictions.
/// The three tables are written at once, on the caller's thread pool.
fn write_common(a: &Assembly, dir: &Path) -> Result<()> {
    let layout = ResultsLayout::new(dir);
    let runs = || -> Result<()> {
        let records: Vec<_> = a.runs.iter().map(|r| r.record.clone()).collect();
        std::fs::write(layout.experiment_toml(), experiment_toml(a.sweep))?;
        write_runs(dir, &records)
    };
    let history = || {
        let history: Vec<_> = a
            .runs
            .iter()
            .map(|r| (&r.record, r.history.as_slice()))
            .collect();
        write_history(dir, &history)
    };
    let predictions = || {
        let predictions: Vec<&PredictionRow> =
            a.runs.iter().flat_map(|r| r.predictions.iter()).collect();
        write_predictions(dir, &predictions, &run_times(a))
    };
    let (runs, (history, predictions)) = rayon::join(runs, || rayon::join(history, predictions));
    runs.and(history).and(predictions)
}

/// Each run's time labels (its series' time column), for the tables' time columns; none for
/// a panel, whose rows name their own series.
fn run_times<'a>(a: &'a Assembly) -> RunTimes<'a> {
    if a.sweep
        .runs
        .first()
        .is_some_and(|r| r.experiment.is_panel())
    {
        return RunTimes::new();
    }
    a.sweep
        .runs
        .iter()
        .filter_map(|spec| {
            let time = a.plan.data_for(&spec.experiment).series.time.as_deref()?;
            Some((spec.run_id.as_str(), time))
        })
        .collect()
}

/// A panel's outputs: the common tables, `series.*`, the summary and the report.
fn write_panel(a: &Assembly, analysis: &PanelAnalysis, dir: &Path) -> Result<()> {
    write_common(a, dir)?;
    let labels: std::collections::HashMap<&str, &str> = a
        .runs
        .iter()
        .map(|r| (r.record.run_id.as_str(), r.record.label.as_str()))
        .collect();
    let rows: Vec<_> = a
        .runs
        .iter()
        .flat_map(|r| r.series.iter().cloned())
        .collect();
    write_series(dir, &rows, &|id| {
        labels.get(id).map_or_else(String::new, |l| l.to_string())
    })?;
    write_panel_summary(dir, analysis)?;
    let exp = &a.sweep.runs[0].experiment;
    let h = match exp.split.test {
        Some(crate::data::Size::Count(h)) => h,
        _ => 0,
    };
    write_panel_report(
        dir,
        &panel_report(&exp.name, &exp.description, h, analysis, a.wall_seconds),
    )
}

/// The tables and the plots are drawn at once (on the caller's thread pool), then the report
/// that shows both.
fn write_all(a: &Assembly, analysis: &SweepAnalysis, dir: &Path) -> Result<()> {
    let layout = ResultsLayout::new(dir);
    let tables = || -> Result<()> {
        write_common(a, dir)?;
        if a.runs.iter().any(|r| !r.folds.is_empty()) {
            let folds: Vec<_> = a
                .runs
                .iter()
                .map(|r| (&r.record, r.folds.as_slice()))
                .collect();
            write_folds(dir, &folds, &run_times(a))?;
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
        write_summary(dir, &analysis.configs)
    };

    let exp = &a.sweep.runs[0].experiment;
    // The forecast lives beside the generations (`forecast/`), made by `runner forecast`.
    // A forecast that cannot be read never costs the sweep its tables: it is left out, said.
    let forecast = read_forecast(a.folder).unwrap_or_else(|e| {
        crate::out::stderr_line(format_args!(
            "warning: {e:#}; the report and plots leave the forecast out (run `runner forecast` again)"
        ));
        None
    });
    let mut plot_input = plot_input(a, analysis);
    plot_input.forecast = forecast.as_ref();
    let (tables, plots) = rayon::join(tables, || write_plots(&plot_input, &layout));
    tables?;
    let plots = plots?;
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
            forecast: forecast.as_ref(),
            time: plot_input.time,
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
        value_name: "value",
        loss_name: "loss",
        horizon: 1,
        forecast: None,
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
    input.value_name = best_spec.experiment.data.value_name();
    // One loss named only when every run trains on it.
    if !a.sweep.axes.iter().any(|x| x.key == "train.loss") {
        input.loss_name = best_spec.experiment.train.loss.display_name();
    }
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
