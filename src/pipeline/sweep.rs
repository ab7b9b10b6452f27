//! A whole experiment: plan the data stages, skip finished runs, train the rest in parallel
//! (one run per rayon worker, single-threaded inside), then build the tables, plots and
//! report from the run folders.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use crate::results::{
    default_results_dir, is_finished, read_run, remove_stale_temporaries, run_dir, write_run,
    FinishedRun, RunStatus,
};
use crate::spec::{RunSpec, Sweep};

use super::assemble::{assemble, Assembly};
use super::execute::{display_label, execute};
use super::plan::Plan;
use super::progress::SweepProgress;
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
}

/// What an invocation did.
pub struct Outcome {
    pub folder: PathBuf,
    /// Every run of the grid, in grid order.
    pub runs: Vec<FinishedRun>,
    pub cached: usize,
    pub trained: usize,
    pub datasets: usize,
    pub data_seconds: f64,
    pub train_wall_seconds: f64,
    pub total_seconds: f64,
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
    let plan = Plan::build(sweep)?;
    let data_seconds = start.elapsed().as_secs_f64();

    let runs_dir = folder.join("runs");
    remove_stale_temporaries(&runs_dir).map_err(Error::failed)?;
    let todo: Vec<&RunSpec> = sweep
        .runs
        .iter()
        .filter(|r| opts.force || !is_finished(&runs_dir, &r.run_id))
        .collect();
    let cached = sweep.runs.len() - todo.len();
    if !opts.quiet {
        eprintln!(
            "{}: {} runs ({} cached, {} to run), {} dataset{}",
            sweep.runs[0].experiment.name,
            sweep.runs.len(),
            cached,
            todo.len(),
            plan.dataset_count(),
            if plan.dataset_count() == 1 { "" } else { "s" }
        );
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
                let data = plan.data_for(&run.experiment);
                let line = progress.start_run(&display_label(run), run.experiment.train.epochs);
                let (finished, metrics) = execute(run, &data, &mut |s| line.epoch(s));
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
    let runs = sweep
        .runs
        .iter()
        .map(|r| read_run(&run_dir(&runs_dir, &r.run_id)).map_err(Error::failed))
        .collect::<Result<Vec<_>, _>>()?;
    assemble(&Assembly {
        folder: &folder,
        sweep,
        plan: &plan,
        runs: &runs,
        wall_seconds: start.elapsed().as_secs_f64(),
        cached,
    })
    .map_err(Error::failed)?;
    Ok(Outcome {
        folder,
        runs,
        cached,
        trained: todo.len(),
        datasets: plan.dataset_count(),
        data_seconds,
        train_wall_seconds,
        total_seconds: start.elapsed().as_secs_f64(),
    })
}
