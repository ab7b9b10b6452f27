//! `runner forecast`: from a finished sweep to values past the end of the series.
//!
//! ```text
//! results folder ─▶ its experiment file (source.json) ─▶ runs, analysis ─▶ the configuration
//!   (the selection's choice, or --config)
//! per seed run:  fold models ─▶ held-out forecasts from every test-part origin (calibration)
//!                whole series ─▶ refit ─▶ forecast H steps past the end
//! seed mean ± conformal half-widths per step ─▶ forecast/ ─▶ re-assembly (report, future.png)
//! ```
//!
//! The folder's lock is held throughout, so no sweep changes the runs underneath.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::analysis::conformal::{coverage, ensemble_errors, half_widths, score_interval};
use crate::analysis::selection::rescored;
use crate::analysis::stats::mean;
use crate::analysis::SweepAnalysis;
use crate::data::calendar::Calendar;
use crate::data::split::split;
use crate::data::Series;
use crate::saved::{self, SavedModel, RUNNER_VERSION};
use crate::spec::{load_sweep, RunSpec, Sweep};
use crate::store::folder_lock::Access;
use crate::store::forecast::{write_forecast, Calibration, ForecastRecord, ForecastRow, Score};
use crate::store::{is_finished, read_checked_run, run_dir, FinishedRun, RunStatus};

use super::assemble::{assemble, Assembly};
use super::execute::protocol;
use super::ownership;
use super::plan::Plan;
use super::progress::SweepProgress;
use super::refit::{fold_models, fold_paths, refit_and_forecast, refit_epochs};
use super::sweep::read_source;
use super::Error;

/// Points of history the forecast record keeps for the plot, at least.
const HISTORY_SHOWN: usize = 48;

#[derive(Clone, Debug)]
pub struct ForecastOptions {
    /// The results folder of a finished sweep.
    pub folder: PathBuf,
    /// Values past the end; the test part's length when not given.
    pub horizon: Option<usize>,
    /// A configuration label (`units=8 lr=0.003`) instead of the selection's choice.
    pub config: Option<String>,
    /// Interval levels in (0, 1).
    pub levels: Vec<f64>,
    /// Write the forecast as `<out>/forecast/` instead of `<folder>/forecast/` (the results
    /// folder is then left as it is).
    pub out: Option<PathBuf>,
    /// Refits trained at once (default: every core); the results do not depend on it.
    pub jobs: Option<usize>,
    /// No progress output.
    pub quiet: bool,
    /// Wait for another runner holding the folder instead of refusing.
    pub wait: bool,
}

/// What `runner forecast` made.
pub struct ForecastOutcome {
    /// Where `forecast.csv` and the rest were written.
    pub dir: PathBuf,
    /// What was forecast, how, and its coverage on the backtest.
    pub record: ForecastRecord,
    /// `plots/future.png` of the results folder, when the forecast went there.
    pub plot: Option<PathBuf>,
}

/// Forecasts past the end of `opts.folder`'s series (see the module docs); writes the forecast
/// folder and, unless `opts.out`, re-assembles the results folder with it.
pub fn forecast(opts: &ForecastOptions) -> Result<ForecastOutcome, Error> {
    let start = Instant::now();
    let folder = &opts.folder;
    let source = read_source(folder)?;
    let sweep = load_sweep(&source.file, &source.sets).map_err(Error::bad_input)?;
    if sweep.runs[0].experiment.is_panel() {
        return Err(Error::BadInput(format!(
            "{} is a panel (data.series_column): forecasting past the end of a panel is not \
             supported yet; its test-part forecasts are in predictions.parquet",
            source.file.display()
        )));
    }
    // A bad --out is named before any refit, not after the training (and after the refusals
    // above, which need no folder created).
    if let Some(out) = &opts.out {
        super::sweep::writable_folder(out)?;
    }
    // First the lock: with --wait a running sweep finishes before its runs are looked at.
    let _lock = ownership::lock(folder, Access::Exclusive, opts.wait, opts.quiet)?;
    let runs_dir = folder.join("runs");
    let unfinished = sweep
        .runs
        .iter()
        .filter(|r| !is_finished(&runs_dir, &r.run_id))
        .count();
    if unfinished > 0 {
        return Err(Error::BadInput(format!(
            "{unfinished} of the {} runs of {} are not finished in {}: run `runner {}` first \
             (the experiment file or its data may have changed since the sweep)",
            sweep.runs.len(),
            source.file.display(),
            folder.display(),
            source.file.display()
        )));
    }
    let protocol = protocol(&sweep.runs[0].experiment);
    let runs: Vec<FinishedRun> = sweep
        .runs
        .iter()
        .map(|r| {
            // Checked by is_finished above, under the lock.
            read_checked_run(&run_dir(&runs_dir, &r.run_id))
                .map(|run| rescored(run, protocol))
                .map_err(Error::failed)
        })
        .collect::<Result<_, _>>()?;
    let analysis = SweepAnalysis::from_runs(&runs, protocol);
    let (config, chosen) = pick_config(&analysis, opts.config.as_deref())?;
    let seeds: Vec<(&RunSpec, &FinishedRun)> = sweep
        .runs
        .iter()
        .zip(&runs)
        .filter(|(spec, run)| spec.config == config && run.record.status == RunStatus::Ok)
        .collect();
    if seeds.is_empty() {
        return Err(Error::BadInput(format!(
            "configuration `{config}` has no successful run to forecast with"
        )));
    }
    let levels = &opts.levels;
    let first = seeds[0].0;
    let series = one_series(&seeds, &config)?;
    let steps = match opts.horizon {
        Some(h) => h,
        None => default_horizon(first, &series)?,
    };

    // The saved fold networks of every seed, and what each refit trains for.
    let fold_sets: Vec<Vec<SavedModel>> = seeds
        .iter()
        .map(|(spec, run)| fold_models(&run_dir(&runs_dir, &spec.run_id), run.folds.len() as u32))
        .collect::<Result<_, _>>()?;
    let epochs: Vec<usize> = seeds
        .iter()
        .zip(&fold_sets)
        .map(|((spec, _), models)| refit_epochs(spec, models))
        .collect();

    let pool = thread_pool(opts.jobs)?;
    // Every refit of one configuration weighs its epochs (the same windows each).
    let weights: Vec<u64> = epochs.iter().map(|&e| e as u64).collect();
    let progress = SweepProgress::new(&weights, opts.quiet);
    let backtest = !seeds[0].1.folds.is_empty();
    let (refits, held_out) = pool.install(|| {
        let refits: Vec<Result<(Vec<f64>, SavedModel), Error>> = seeds
            .par_iter()
            .zip(&epochs)
            .map(|((spec, _), &e)| {
                let line =
                    progress.start_run(&format!("refit {}", spec.display_label()), e, e as u64);
                let started = Instant::now();
                let out = refit_and_forecast(spec, &series, e, steps, &mut |s| line.epoch(s));
                match &out {
                    Ok(_) => line.finish_with(
                        &format!(
                            "refitted in {:.2} s ({e} epochs)",
                            started.elapsed().as_secs_f64()
                        ),
                        false,
                    ),
                    Err(err) => line.finish_with(&err.to_string(), true),
                }
                out
            })
            .collect();
        let held_out: Vec<Result<_, Error>> = if backtest {
            seeds
                .par_iter()
                .zip(&fold_sets)
                .map(|((_, run), models)| fold_paths(models, &run.folds, &series, steps))
                .collect()
        } else {
            Vec::new()
        };
        (refits, held_out)
    });
    progress.finish();
    let held_out: Vec<_> = held_out.into_iter().collect::<Result<_, _>>()?;
    // A seed whose refit diverged is left out (and named); the forecast is the others' mean,
    // calibrated on the same seeds. Only when every refit fails is there no forecast.
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for (i, refit) in refits.into_iter().enumerate() {
        match refit {
            Ok(r) => kept.push((i, r)),
            Err(Error::Failed(why)) => dropped.push(why),
            Err(e) => return Err(e),
        }
    }
    if kept.is_empty() {
        return Err(Error::Failed(format!(
            "every refit failed: {}",
            dropped.join("; ")
        )));
    }
    let keep: Vec<usize> = kept.iter().map(|(i, _)| *i).collect();
    let seeds: Vec<(&RunSpec, &FinishedRun)> = keep.iter().map(|&i| seeds[i]).collect();
    let epochs: Vec<usize> = keep.iter().map(|&i| epochs[i]).collect();
    let held_out: Vec<_> = held_out
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, paths)| paths)
        .collect();
    let refits: Vec<(Vec<f64>, SavedModel)> = kept.into_iter().map(|(_, r)| r).collect();

    // A series modelled in logs is judged on log ratios: its errors scale with its level.
    let score = if first.experiment.transform.log {
        Score::LogRatio
    } else {
        Score::Absolute
    };
    let (calibration, widths, intervals_note) = if backtest {
        let folds: Vec<u32> = seeds[0].1.folds.iter().map(|f| f.fold).collect();
        let errors = ensemble_errors(&held_out, &folds, &series.values, score);
        let widths = half_widths(&errors, steps, levels);
        let c = Calibration {
            folds: folds.len() as u32,
            score,
            errors_per_step: (1..=steps)
                .map(|k| errors.iter().filter(|e| e.step == k).count())
                .collect(),
            coverage: coverage(&errors, levels),
        };
        (Some(c), widths, None)
    } else {
        (
            None,
            vec![vec![None; levels.len()]; steps],
            Some(
                "they are calibrated on the errors of backtest folds, and the experiment has \
                 none; add `[backtest] folds = 3` (or more) and re-run it"
                    .to_string(),
            ),
        )
    };
    let (times, calendar) = continue_time(&series, steps);
    let rows: Vec<ForecastRow> = (0..steps)
        .map(|k| {
            let seed_values: Vec<f64> = refits.iter().map(|(f, _)| f[k]).collect();
            let mean = mean(seed_values.iter().copied());
            ForecastRow {
                step: k + 1,
                time: times.as_ref().and_then(|t| t.get(k).cloned()),
                mean,
                intervals: widths[k]
                    .iter()
                    .map(|w| w.map(|w| score_interval(score, mean, w)))
                    .collect(),
                seeds: seed_values,
            }
        })
        .collect();
    let horizon = first.experiment.window.horizon;
    let record = ForecastRecord {
        config: config.clone(),
        chosen,
        baseline_answer: analysis
            .choice
            .baseline_wins
            .as_ref()
            .map(|w| w.baseline.name().to_string()),
        run_ids: seeds.iter().map(|(s, _)| s.run_id.clone()).collect(),
        seeds: seeds.iter().map(|(s, _)| s.experiment.seed).collect(),
        refit_epochs: epochs,
        dropped,
        steps,
        levels: levels.clone(),
        method: method(horizon, steps),
        calendar,
        calibration,
        intervals_note,
        history: recent_history(&series, steps),
        rows,
        seconds: start.elapsed().as_secs_f64(),
        runner_version: RUNNER_VERSION.to_string(),
    };
    let models: Vec<(String, Vec<u8>)> = seeds
        .iter()
        .zip(&refits)
        .map(|((spec, _), (_, model))| (spec.run_id.clone(), saved::encode(model)))
        .collect();
    match &opts.out {
        Some(out) => {
            std::fs::create_dir_all(out)
                .map_err(|e| Error::BadInput(format!("cannot create {}: {e}", out.display())))?;
            let dir = write_forecast(out, &record, &models).map_err(Error::failed)?;
            Ok(ForecastOutcome {
                dir,
                record,
                plot: None,
            })
        }
        None => {
            let dir = write_forecast(folder, &record, &models).map_err(Error::failed)?;
            reassemble(folder, &sweep, &runs, start)?;
            Ok(ForecastOutcome {
                dir,
                record,
                plot: Some(folder.join("plots").join(crate::store::layout::FUTURE_PNG)),
            })
        }
    }
}

/// The one series every seed of the configuration was trained on. A generator whose noise
/// follows the master seed draws another series per seed: their forecasts would not be of one
/// series, so that is refused with the fix.
fn one_series(seeds: &[(&RunSpec, &FinishedRun)], config: &str) -> Result<Series, Error> {
    let series = seeds[0]
        .0
        .experiment
        .load_series()
        .map_err(Error::bad_input)?;
    for (spec, _) in &seeds[1..] {
        if spec.experiment.load_series().map_err(Error::bad_input)? != series {
            return Err(Error::BadInput(format!(
                "the seeds of `{}` were trained on different series (the generator's noise \
                 follows each run's seed): a forecast must be of one series; set `data.seed` to \
                 keep one series across seeds, and re-run the sweep",
                config_label(config)
            )));
        }
    }
    Ok(series)
}

/// A thread pool of `jobs` threads (default: every core).
pub(super) fn thread_pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(Error::failed)
}

/// A configuration label for messages; the empty label of an unswept experiment named.
fn config_label(config: &str) -> &str {
    if config.is_empty() {
        "the base configuration"
    } else {
        config
    }
}

/// The configuration to forecast: `--config`, which must be one of the sweep's, or the
/// selection's choice. `(label, whether it is the choice)`.
fn pick_config(analysis: &SweepAnalysis, asked: Option<&str>) -> Result<(String, bool), Error> {
    let chosen = analysis.choice.chosen.as_ref().map(|c| c.config.clone());
    match asked {
        None => chosen.map(|c| (c, true)).ok_or_else(|| {
            Error::BadInput(
                "no configuration was chosen (no run succeeded); nothing to forecast with".into(),
            )
        }),
        Some(label) => {
            let label = label.trim();
            if analysis.configs.iter().any(|c| c.config == label) {
                Ok((label.to_string(), chosen.as_deref() == Some(label)))
            } else {
                let known: Vec<String> = analysis
                    .configs
                    .iter()
                    .map(|c| format!("`{}`", c.config))
                    .collect();
                Err(Error::BadInput(format!(
                    "--config `{label}` is not a configuration of this sweep; its configurations: {}",
                    known.join(", ")
                )))
            }
        }
    }
}

/// The length of the experiment's test part: the stretch of the series its backtest held out.
fn default_horizon(run: &RunSpec, series: &Series) -> Result<usize, Error> {
    let parts =
        split(series.len(), &run.experiment.prepare_params().split).map_err(Error::bad_input)?;
    Ok(parts.test.len().max(1))
}

/// How the forecast is made from a network predicting `horizon` values at once.
fn method(horizon: usize, steps: usize) -> String {
    if horizon >= steps {
        "direct: one window through the network".into()
    } else if horizon == 1 {
        "recursive: a one-step network fed its own forecasts".into()
    } else {
        format!("direct in blocks of {horizon}, each block fed back as history")
    }
}

/// The time labels of the `steps` values past the end, and how they continue (or why not).
fn continue_time(series: &Series, steps: usize) -> (Option<Vec<String>>, String) {
    let Some(time) = &series.time else {
        return (None, "no time column: steps are numbered".into());
    };
    match Calendar::infer(time) {
        Ok(c) => (Some(c.next_labels(steps)), c.describe()),
        Err(why) => (None, format!("time labels not continued: {why}")),
    }
}

/// The last observations the plot shows: three horizons, at least [`HISTORY_SHOWN`].
fn recent_history(series: &Series, steps: usize) -> Vec<(Option<String>, f64)> {
    let n = series.len();
    let from = n.saturating_sub((3 * steps).max(HISTORY_SHOWN));
    (from..n)
        .map(|i| (series.time.as_ref().map(|t| t[i].clone()), series.values[i]))
        .collect()
}

/// The results folder's tables, plots and report rebuilt with the forecast in them.
fn reassemble(
    folder: &Path,
    sweep: &Sweep,
    runs: &[FinishedRun],
    start: Instant,
) -> Result<(), Error> {
    let plan = Plan::build(sweep)?;
    assemble(&Assembly {
        folder,
        sweep,
        plan: &plan,
        runs,
        wall_seconds: start.elapsed().as_secs_f64(),
        cached: runs.len(),
    })
    .map_err(Error::failed)?;
    Ok(())
}
