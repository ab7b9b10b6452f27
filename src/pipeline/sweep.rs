//! A whole experiment: plan the data stages, skip finished runs, train the rest in parallel
//! (one run per rayon worker, single-threaded inside), then build the tables, plots and
//! report from the run folders.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;

use crate::analysis::panel::PanelAnalysis;
use crate::analysis::selection::{rescored, Protocol};
use crate::analysis::SweepAnalysis;
use crate::out;
use crate::spec::{RunSpec, Sweep};
use crate::store::atomic::{write_file, GroupSync, TempFolder};
use crate::store::folder_lock::{Access, FolderLock};
use crate::store::{
    default_results_dir, has_manifest, read_checked_run, remove_stale_temporaries, run_dir,
    run_state, write_run, FinishedRun, RunState, RunStatus,
};

use super::assemble::{assemble, Assembled, Assembly};
use super::budget::{self, Limits};
use super::execute::{execute, protocol, Executed};
use super::forecast::thread_pool;
use super::interrupt;
use super::ownership::{self, Foreign};
use super::panel_run::{execute_panel, progress_units};
use super::plan::{run_work, runs_sample_epochs, Plan};
use super::progress::SweepProgress;
use super::schedule::run_longest_first;
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
    /// How the sweep was loaded, recorded so that `merge` can load it again; the results
    /// folder must belong to this experiment file (see `ownership`).
    pub source: Option<Source>,
    /// Wait for another runner holding the results folder instead of refusing (exit 2).
    pub wait: bool,
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
    /// Reading the run folders back and writing the tables, plots and report.
    pub assemble_seconds: f64,
    pub total_seconds: f64,
    /// The analysis the tables show; `None` for a shard, whose tables are `merge`'s, and
    /// for a panel (see `panel`).
    pub analysis: Option<SweepAnalysis>,
    /// A panel sweep's analysis (not for a shard).
    pub panel: Option<PanelAnalysis>,
    /// The results folder's lock, held until the outcome is dropped, so that what the caller
    /// writes next into the folder (`check.md`) is written by the same sole writer.
    _lock: FolderLock,
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
    // Sizes are checked before anything is generated, allocated or written. Which runs are
    // cached is only estimated here (a manifest is there); it is decided, verifying every
    // file, under the lock below.
    let unfinished: Vec<&RunSpec> = mine
        .iter()
        .copied()
        .filter(|r| opts.force || !has_manifest(&runs_dir, &r.run_id))
        .collect();
    if let Some(limits) = &opts.limits {
        budget::check_memory(&budget::estimate(sweep, &unfinished)?, limits)?;
    }
    let plan = Plan::build(sweep)?;
    if let Some(limits) = &opts.limits {
        let work = runs_sample_epochs(unfinished.iter().copied(), &plan);
        budget::check_work(unfinished.len() as u64, work, limits, opts.yes)?;
    }
    writable_folder(&folder)?;
    let data_seconds = start.elapsed().as_secs_f64();

    // Shards add only their own run folders and build no tables: they share the folder.
    let access = match opts.shard {
        Some(_) => Access::Shared,
        None => Access::Exclusive,
    };
    let lock = ownership::lock(&folder, access, opts.wait, opts.quiet)?;
    if let Some(source) = &opts.source {
        let foreign = match (opts.force, opts.shard) {
            (true, None) => Foreign::TakeOver,
            _ => Foreign::Refuse,
        };
        ownership::claim(&folder, source, foreign)?;
    }
    // What interrupted processes left: run folders and assemblies being written.
    remove_stale_temporaries(&runs_dir).map_err(Error::failed)?;
    remove_stale_temporaries(&folder).map_err(Error::failed)?;
    if let Some(source) = &opts.source {
        record_source(&folder, source).map_err(Error::failed)?;
    }
    let todo: Vec<&RunSpec> = mine
        .iter()
        .copied()
        .filter(|r| opts.force || !finished(&runs_dir, &r.run_id, "retraining it"))
        .collect();
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
        out::stderr_line(format_args!(
            "{}: {} runs{shard} ({} cached, {} to run), {} dataset{}",
            sweep.runs[0].experiment.name,
            mine.len(),
            cached,
            todo.len(),
            plan.dataset_count(),
            if plan.dataset_count() == 1 { "" } else { "s" }
        ));
        for change in &data_changed {
            out::stderr_line(format_args!("{}", change.message()));
        }
    }

    let train_start = Instant::now();
    // Each run weighs its planned work, so the bar and its ETA follow it, and the longest
    // runs start first.
    let weights: Vec<u64> = todo.iter().map(|r| run_work(r, &plan)).collect();
    let progress = SweepProgress::new(&weights, opts.quiet);
    // Held until the tables are written: a Ctrl-C till then says what is kept.
    let _watch = interrupt::watch(interrupt::Kept {
        runs_dir: runs_dir.clone(),
        runs: mine.len(),
        cached,
        done: progress.done_counter(),
        bars: progress.multi(),
    });
    let pool = thread_pool(opts.jobs)?;
    let durable = GroupSync::new(&runs_dir, SYNC_EVERY);
    // Longest runs first, the rest handed out as cores free up: no core idles at the end
    // while the other trains a long run it was given at the start.
    let written: Vec<Result<(), Error>> = run_longest_first(&pool, &weights, |i| {
        let (run, weight) = (todo[i], weights[i]);
        if let Some(panel) = plan.panel_for(&run.experiment) {
            let (count, unit) = progress_units(run, &panel);
            let label = format!(
                "{} ({} series, {})",
                run.display_label(),
                panel.panel.members.len(),
                run.experiment.model.scope.as_str()
            );
            let line = progress.start_run_counting(&label, count, unit, weight);
            let done = execute_panel(run, &panel, &|s| line.epoch(s));
            return write_executed(&runs_dir, &durable, run, &done, || {
                line.finish(&done.finished.record)
            });
        }
        let folds = plan.folds_for(&run.experiment);
        // A backtest trains one network per fold: the bar counts all their epochs.
        let epochs = run.experiment.train.epochs * folds.len();
        let label = match folds.len() {
            1 => run.display_label(),
            k => format!("{} ({k} folds)", run.display_label()),
        };
        let line = progress.start_run(&label, epochs, weight);
        let done = execute(run, &folds, &mut |s| line.epoch(s));
        write_executed(&runs_dir, &durable, run, &done, || {
            line.finish(&done.finished.record)
        })
    });
    progress.finish();
    // The runs' own errors first: a failed sync is reported only when they all wrote.
    let flushed = durable.flush();
    written.into_iter().collect::<Result<Vec<()>, Error>>()?;
    flushed.map_err(|e| {
        Error::Failed(format!(
            "the run folders are written but may not be on disk: {e:#}"
        ))
    })?;
    let train_wall_seconds = train_start.elapsed().as_secs_f64();
    let assemble_start = Instant::now();

    // Every table is built from the run folders, cached and fresh alike, so a resumed sweep
    // gives exactly the tables of an uninterrupted one.
    let protocol = protocol(&sweep.runs[0].experiment);
    // Read back on the pool: a thousand small runs' files to check and parse. The first
    // error in grid order is the one reported, whichever thread met it first.
    let runs = pool
        .install(|| {
            mine.par_iter()
                .map(|r| read_scored(&run_dir(&runs_dir, &r.run_id), protocol))
                .collect::<Vec<_>>()
        })
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    // A shard sees only its part of the grid: the tables are `merge`'s job.
    let assembled = match opts.shard {
        Some(_) => None,
        // On the sweep's pool: its tables and plots are drawn at once, on `--jobs` threads.
        None => Some(
            pool.install(|| {
                assemble(&Assembly {
                    folder: &folder,
                    sweep,
                    plan: &plan,
                    runs: &runs,
                    wall_seconds: start.elapsed().as_secs_f64(),
                    cached,
                })
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
        assemble_seconds: assemble_start.elapsed().as_secs_f64(),
        total_seconds: start.elapsed().as_secs_f64(),
        panel: assembled.as_ref().and_then(|a| a.panel().cloned()),
        analysis: assembled.and_then(Assembled::sweep),
        _lock: lock,
    })
}

/// Run folders are synced to disk at most this often while a sweep trains (and once after).
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Writes a run's folder, then reports it done (`finish`).
fn write_executed(
    runs_dir: &Path,
    durable: &GroupSync,
    run: &RunSpec,
    done: &Executed,
    finish: impl FnOnce(),
) -> Result<(), Error> {
    let config = run.experiment.to_toml_string();
    write_run(
        runs_dir,
        &done.finished,
        &config,
        &done.metrics,
        &done.model_files,
    )
    .map_err(Error::failed)
    .map(|folder| durable.committed(&folder))?;
    finish();
    Ok(())
}

/// Creates the results folder if needed and makes sure files can be written in it, before
/// any work: a path that is a file, or a folder this user cannot write, is bad input (exit 2)
/// named by its path, not an I/O error halfway through.
pub fn writable_folder(folder: &Path) -> Result<(), Error> {
    use std::io::ErrorKind;
    if folder.exists() && !folder.is_dir() {
        return Err(Error::BadInput(format!(
            "{}: the results folder is an existing file; give a folder with --out",
            folder.display()
        )));
    }
    let bad = |what: &str, e: std::io::Error| {
        // "Not a directory" alone does not say which part of the path is the file.
        let why = match folder.ancestors().skip(1).find(|a| a.is_file()) {
            Some(file) => format!("{} is a file, not a folder", file.display()),
            None => e.to_string(),
        };
        let message = format!("cannot {what} {}: {why}", folder.display());
        match e.kind() {
            ErrorKind::PermissionDenied
            | ErrorKind::ReadOnlyFilesystem
            | ErrorKind::NotADirectory
            | ErrorKind::AlreadyExists => Error::BadInput(message),
            _ => Error::Failed(message),
        }
    };
    std::fs::create_dir_all(folder).map_err(|e| bad("create", e))?;
    let probe = folder.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| bad("write in", e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Whether `runs_dir` holds run `run_id` finished. A damaged folder is not finished: it is
/// named on stderr with what is wrong and `action` (what is done instead), even with `-q`,
/// since results are thrown away.
fn finished(runs_dir: &Path, run_id: &str, action: &str) -> bool {
    match run_state(runs_dir, run_id) {
        RunState::Finished => true,
        RunState::Missing => false,
        RunState::Damaged(why) => {
            out::stderr_line(format_args!(
                "warning: {}: damaged run folder ({why}); {action}",
                run_dir(runs_dir, run_id).display()
            ));
            false
        }
    }
}

fn record_source(folder: &Path, source: &Source) -> anyhow::Result<()> {
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    write_file(
        &folder.join(SOURCE_FILE),
        serde_json::to_string_pretty(source)?,
    )
}

/// A finished run folder read back and scored under the sweep's protocol
/// ([`rescored`]): whatever protocol or version wrote it, its record holds the test part's
/// figures and the selection columns every output of this invocation uses. The folder was
/// checked against its manifest (by [`finished`]) or written by this process, under the lock
/// held since: it is not checked again.
fn read_scored(dir: &Path, protocol: Protocol) -> Result<FinishedRun, Error> {
    Ok(rescored(
        read_checked_run(dir).map_err(Error::failed)?,
        protocol,
    ))
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
    pub analysis: Assembled,
}

/// Builds the tables, summary, plots and report of `dirs[0]` (or `out`) from every finished
/// run folder found in `dirs`, copying run folders from the other folders in. The sweep is
/// loaded again from the source recorded by `run`, so positions, labels and the grid are those
/// of a local run, and the tables equal a local run's.
///
/// It holds the output folder's lock exclusively (`wait` as for `run`) and refuses an output
/// folder of another experiment file.
pub fn merge(dirs: &[PathBuf], out: Option<&Path>, wait: bool) -> Result<Merged, Error> {
    let start = Instant::now();
    let first = dirs
        .first()
        .ok_or_else(|| Error::BadInput("merge needs at least one results folder".into()))?;
    let source = read_source(first)?;
    let sweep = crate::spec::load_sweep(&source.file, &source.sets).map_err(Error::bad_input)?;
    for dir in &dirs[1..] {
        same_experiment(dir, &source, &sweep)?;
    }
    let folder = out.map_or_else(|| first.clone(), Path::to_path_buf);
    writable_folder(&folder)?;
    let runs_dir = folder.join("runs");
    let _lock = ownership::lock(&folder, Access::Exclusive, wait, false)?;
    ownership::claim(&folder, &source, Foreign::Refuse)?;
    record_source(&folder, &source).map_err(Error::failed)?;
    remove_stale_temporaries(&runs_dir).map_err(Error::failed)?;
    remove_stale_temporaries(&folder).map_err(Error::failed)?;

    let durable = GroupSync::new(&runs_dir, SYNC_EVERY);
    let mut copied = 0;
    let mut missing = Vec::new();
    let mut runs = Vec::new();
    for spec in &sweep.runs {
        let here = run_dir(&runs_dir, &spec.run_id);
        if !finished(
            &runs_dir,
            &spec.run_id,
            "copying it from another folder if one has it",
        ) {
            let elsewhere = dirs
                .iter()
                .map(|d| d.join("runs"))
                .filter(|d| *d != runs_dir)
                .find(|d| finished(d, &spec.run_id, "skipping it"));
            match elsewhere {
                Some(src_runs) => {
                    copy_run(&run_dir(&src_runs, &spec.run_id), &runs_dir, &spec.run_id)
                        .map_err(Error::failed)?;
                    durable.committed(&here);
                    copied += 1;
                }
                None => {
                    missing.push(spec.display_label());
                    continue;
                }
            }
        }
        runs.push(read_scored(&here, protocol(&sweep.runs[0].experiment))?);
    }
    durable.flush().map_err(Error::failed)?;
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

/// Refuses `dir` unless it holds runs of `sweep` (loaded from `source`): the same experiment
/// file and overrides, or another file or overrides that give the same runs (a copy of the
/// file). Its run folders would otherwise be silently left out.
fn same_experiment(dir: &Path, source: &Source, sweep: &Sweep) -> Result<(), Error> {
    let theirs = read_source(dir)?;
    if theirs == *source {
        return Ok(());
    }
    let same =
        crate::spec::load_sweep(&theirs.file, &theirs.sets).is_ok_and(|s| s.hash() == sweep.hash());
    if same {
        return Ok(());
    }
    let describe = |s: &Source| {
        let sets: String = s.sets.iter().map(|x| format!(" --set {x}")).collect();
        format!("{}{sets}", s.file.display())
    };
    Err(Error::BadInput(format!(
        "{} holds runs of another experiment ({}), not of `{}` ({}): merge only folders of \
         one sweep",
        dir.display(),
        describe(&theirs),
        sweep.runs[0].experiment.name,
        describe(source),
    )))
}

/// Copies a finished run folder under `runs_dir`, atomically (temporary name, then rename);
/// its manifest comes along, so the copy is checked like the original.
fn copy_run(src: &Path, runs_dir: &Path, run_id: &str) -> anyhow::Result<()> {
    let folder = TempFolder::beside(&run_dir(runs_dir, run_id))?;
    let entries =
        std::fs::read_dir(src).with_context(|| format!("cannot read {}", src.display()))?;
    for entry in entries {
        let from = entry
            .with_context(|| format!("cannot read {}", src.display()))?
            .path();
        let to = folder.path().join(from.file_name().unwrap_or_default());
        // Made durable like a freshly written run folder: by the merge's GroupSync.
        std::fs::copy(&from, &to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    folder.commit_unsynced()?;
    Ok(())
}
