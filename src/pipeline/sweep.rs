//! A whole experiment: plan the data stages, skip finished runs, train the rest in parallel
//! (one run per rayon worker, single-threaded inside), then build the tables, plots and
//! report from the run folders.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;

use crate::analysis::SweepAnalysis;
use crate::spec::{RunSpec, Sweep};
use crate::store::atomic::{write_file, TempFolder};
use crate::store::{
    default_results_dir, is_finished, read_run, remove_stale_temporaries, run_dir, write_run,
    FinishedRun, RunStatus,
};

use super::assemble::{assemble, Assembly};
use super::budget::{self, Limits};
use super::execute::{display_label, execute};
use super::plan::{runs_sample_epochs, Plan};
use super::progress::SweepProgress;
use super::shard::Shard;
use super::stale::{data_changes, DataChanged};
use super::Error;

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The results folder; `results/<name>` when not given.
    pub out: Option<PathBuf>,
    /// No progress output.
    pub quiet: bool,
    /// Runs trained at once (default: all cores).
    pub jobs: Option<usize>,
    /// Retrain runs that already have a finished folder.
    pub force: bool,
    /// Run only this shard of the grid; the tables are then left to `merge`.
    pub shard: Option<Shard>,
    /// How the sweep was loaded, recorded so that `merge` can load it again.
    pub source: Option<Source>,
    /// The resource limits to hold the plan to (see [`super::budget`]); `None`: unguarded.
    pub limits: Option<Limits>,
    /// Start a plan over the work limits.
    pub yes: bool,
}

/// The experiment file and `--set` overrides a results folder was made from.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Source {
    /// Absolute path of the experiment file.
    pub file: PathBuf,
    pub sets: Vec<String>,
}

/// Where a results folder records its [`Source`].
pub const SOURCE_FILE: &str = "source.json";

/// What an invocation did.
pub struct Outcome {
    pub folder: PathBuf,
    /// Every run of the grid, in grid order.
    pub runs: Vec<FinishedRun>,
    pub cached: usize,
    pub trained: usize,
    pub datasets: usize,
    /// Data files whose runs retrain because their contents changed since the cached runs.
    pub data_changed: Vec<DataChanged>,
    pub data_seconds: f64,
    pub train_wall_seconds: f64,
    pub total_seconds: f64,
    /// The analysis the tables show; `None` for a shard, whose tables are `merge`'s.
    pub analysis: Option<SweepAnalysis>,
}

impl Outcome {
    pub fn failed(&self) -> Vec<&FinishedRun> {
        self.runs
            .iter()
            .filter(|r| r.record.status != RunStatus::Ok)
            .collect()
    }
}

/// The results folder of an experiment.
pub fn results_folder(sweep: &Sweep, out: Option<&PathBuf>) -> Result<PathBuf, Error> {
    match out {
        Some(dir) => Ok(dir.clone()),
        None => default_results_dir(&sweep.runs[0].experiment.name).map_err(Error::bad_input),
    }
}

pub fn run(sweep: &Sweep, opts: &RunOptions) -> Result<Outcome, Error> {
    let start = Instant::now();
    let folder = results_folder(sweep, opts.out.as_ref())?;
    let runs_dir = folder.join("runs");
    let mine: Vec<&RunSpec> = sweep
        .runs
        .iter()
        .filter(|r| opts.shard.is_none_or(|s| s.contains(r.position)))
        .collect();
    let todo: Vec<&RunSpec> = mine
        .iter()
        .copied()
        .filter(|r| opts.force || !is_finished(&runs_dir, &r.run_id))
        .collect();
    // Sizes are checked before anything is generated, allocated or written.
    if let Some(limits) = &opts.limits {
        budget::check_memory(&budget::estimate(sweep, &todo)?, limits)?;
    }
    let plan = Plan::build(sweep)?;
    if let Some(limits) = &opts.limits {
        let work = runs_sample_epochs(todo.iter().copied(), &plan);
        budget::check_work(todo.len() as u64, work, limits, opts.yes)?;
    }
    let data_seconds = start.elapsed().as_secs_f64();

    remove_stale_temporaries(&runs_dir).map_err(Error::failed)?;
    if let Some(source) = &opts.source {
        record_source(&folder, source).map_err(Error::failed)?;
    }
    let cached = mine.len() - todo.len();
    // Say why runs that were cached retrain (a data file's contents changed); with
    // `--force` everything retrains anyway.
    let data_changed = if opts.force {
        Vec::new()
    } else {
        let current = sweep.runs.iter().map(|r| r.run_id.as_str()).collect();
        data_changes(&runs_dir, &todo, &current)
    };
    if !opts.quiet {
        let shard = opts
            .shard
            .map(|s| format!(" in shard {}/{} of {}", s.index, s.count, sweep.runs.len()))
            .unwrap_or_default();
        eprintln!(
            "{}: {} runs{shard} ({} cached, {} to run), {} dataset{}",
            sweep.runs[0].experiment.name,
            mine.len(),
            cached,
            todo.len(),
            plan.dataset_count(),
            if plan.dataset_count() == 1 { "" } else { "s" }
        );
        for change in &data_changed {
            eprintln!("{}", change.message());
        }
    }

    let train_start = Instant::now();
    let progress = SweepProgress::new(todo.len(), opts.quiet);
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(Error::failed)?;
    let written: Vec<Result<(), Error>> = pool.install(|| {
        todo.par_iter()
            .map(|run| {
                let folds = plan.folds_for(&run.experiment);
                // A backtest trains one network per fold: the bar counts all their epochs.
                let epochs = run.experiment.train.epochs * folds.len();
                let label = match folds.len() {
                    1 => display_label(run),
                    k => format!("{} ({k} folds)", display_label(run)),
                };
                let line = progress.start_run(&label, epochs);
                let (finished, metrics) = execute(run, &folds, &mut |s| line.epoch(s));
                let config = run.experiment.to_toml_string();
                write_run(&runs_dir, &finished, &config, &metrics).map_err(Error::failed)?;
                line.finish(&finished.record);
                Ok(())
            })
            .collect()
    });
    progress.finish();
    written.into_iter().collect::<Result<Vec<()>, Error>>()?;
    let train_wall_seconds = train_start.elapsed().as_secs_f64();

    // Every table is built from the run folders, cached and fresh alike, so a resumed sweep
    // gives exactly the tables of an uninterrupted one.
    let runs = mine
        .iter()
        .map(|r| read_run(&run_dir(&runs_dir, &r.run_id)).map_err(Error::failed))
        .collect::<Result<Vec<_>, _>>()?;
    // A shard sees only its part of the grid: the tables are `merge`'s job.
    let analysis = match opts.shard {
        Some(_) => None,
        None => Some(
            assemble(&Assembly {
                folder: &folder,
                sweep,
                plan: &plan,
                runs: &runs,
                wall_seconds: start.elapsed().as_secs_f64(),
                cached,
            })
            .map_err(Error::failed)?,
        ),
    };
    Ok(Outcome {
        folder,
        runs,
        cached,
        trained: todo.len(),
        datasets: plan.dataset_count(),
        data_changed,
        data_seconds,
        train_wall_seconds,
        total_seconds: start.elapsed().as_secs_f64(),
        analysis,
    })
}

fn record_source(folder: &Path, source: &Source) -> anyhow::Result<()> {
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    write_file(
        &folder.join(SOURCE_FILE),
        serde_json::to_string_pretty(source)?,
    )
}

/// Reads the [`Source`] a results folder was made from.
pub fn read_source(folder: &Path) -> Result<Source, Error> {
    let path = folder.join(SOURCE_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::BadInput(format!(
            "{}: {e}; is {} a results folder written by `runner run`?",
            path.display(),
            folder.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| Error::BadInput(format!("{}: {e}", path.display())))
}

/// What `merge` did.
pub struct Merged {
    pub folder: PathBuf,
    pub runs: Vec<FinishedRun>,
    /// Labels of the grid's runs that no folder holds.
    pub missing: Vec<String>,
    /// Run folders copied in from the other results folders.
    pub copied: usize,
    pub analysis: SweepAnalysis,
}

/// Builds the tables, summary, plots and report of `dirs[0]` (or `out`) from every finished
/// run folder found in `dirs`, copying run folders from the other folders in. The sweep is
/// loaded again from the source recorded by `run`, so positions, labels and the grid are those
/// of a local run, and the tables equal a local run's.
pub fn merge(dirs: &[PathBuf], out: Option<&Path>) -> Result<Merged, Error> {
    let start = Instant::now();
    let first = dirs
        .first()
        .ok_or_else(|| Error::BadInput("merge needs at least one results folder".into()))?;
    let source = dirs
        .iter()
        .find_map(|d| read_source(d).ok())
        .map_or_else(|| read_source(first), Ok)?;
    let sweep = crate::spec::load_sweep(&source.file, &source.sets).map_err(Error::bad_input)?;
    let folder = out.map_or_else(|| first.clone(), Path::to_path_buf);
    let runs_dir = folder.join("runs");
    record_source(&folder, &source).map_err(Error::failed)?;
    remove_stale_temporaries(&runs_dir).map_err(Error::failed)?;

    let mut copied = 0;
    let mut missing = Vec::new();
    let mut runs = Vec::new();
    for spec in &sweep.runs {
        let here = run_dir(&runs_dir, &spec.run_id);
        if !is_finished(&runs_dir, &spec.run_id) {
            let elsewhere = dirs
                .iter()
                .map(|d| d.join("runs"))
                .find(|d| is_finished(d, &spec.run_id));
            match elsewhere {
                Some(src_runs) => {
                    copy_run(&run_dir(&src_runs, &spec.run_id), &runs_dir, &spec.run_id)
                        .map_err(Error::failed)?;
                    copied += 1;
                }
                None => {
                    missing.push(display_label(spec));
                    continue;
                }
            }
        }
        runs.push(read_run(&here).map_err(Error::failed)?);
    }
    if runs.is_empty() {
        return Err(Error::Failed(format!(
            "no finished run of {} in {}",
            source.file.display(),
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let plan = Plan::build(&sweep)?;
    let analysis = assemble(&Assembly {
        folder: &folder,
        sweep: &sweep,
        plan: &plan,
        runs: &runs,
        wall_seconds: start.elapsed().as_secs_f64(),
        cached: runs.len(),
    })
    .map_err(Error::failed)?;
    Ok(Merged {
        folder,
        runs,
        missing,
        copied,
        analysis,
    })
}

/// Copies a finished run folder under `runs_dir`, atomically (temporary name, then rename).
fn copy_run(src: &Path, runs_dir: &Path, run_id: &str) -> anyhow::Result<()> {
    let folder = TempFolder::beside(&run_dir(runs_dir, run_id))?;
    let entries =
        std::fs::read_dir(src).with_context(|| format!("cannot read {}", src.display()))?;
    for entry in entries {
        let from = entry
            .with_context(|| format!("cannot read {}", src.display()))?
            .path();
        let to = folder.path().join(from.file_name().unwrap_or_default());
        std::fs::copy(&from, &to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    folder.commit()?;
    Ok(())
}
