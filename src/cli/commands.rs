//! One function per subcommand: turn the parsed arguments into the library's options, call
//! it, print what the renderers made of the outcome, and choose the exit code.

use std::process::ExitCode;

use runner::out;
use runner::pipeline::{self, budget, compare, Error, Plan, RunOptions, Shard, Source};
use runner::render::check_text::{render_text, warnings};
use runner::render::console::{run_summary, shard_summary, Totals};
use runner::render::panel_text::panel_summary;
use runner::spec;

use runner::render::forecast_text::{forecast_console, prediction_csv};

use super::args::{
    CheckArgs, CompareArgs, ExperimentArgs, ForecastArgs, MergeArgs, PredictArgs, RunArgs,
    SlurmArgs,
};

/// 0 when nothing failed, 1 otherwise.
fn code(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn load(e: &ExperimentArgs) -> Result<spec::Sweep, Error> {
    spec::load_sweep(&e.file, &e.set).map_err(Error::bad_input)
}

/// The experiment file (absolute) and overrides, recorded so that `merge` can load them again.
fn source(e: &ExperimentArgs) -> Result<Source, Error> {
    let file = std::fs::canonicalize(&e.file)
        .map_err(|err| Error::BadInput(format!("{}: {err}", e.file.display())))?;
    Ok(Source {
        file,
        sets: e.set.clone(),
    })
}

pub fn validate(args: ExperimentArgs) -> Result<ExitCode, Error> {
    let sweep = load(&args)?;
    // The data sets are built to describe the plan: refused first if they cannot fit.
    let limits = budget::Limits::from_env()?;
    let all: Vec<&spec::RunSpec> = sweep.runs.iter().collect();
    let estimate = budget::estimate(&sweep, &all)?;
    budget::check_data(&estimate, &limits)?;
    let plan = Plan::build(&sweep)?;
    out::stdout(format_args!(
        "{}",
        pipeline::describe(&args.file, &sweep, &plan)
    ));
    let work = pipeline::sample_epochs(&sweep, &plan);
    out::stdout(format_args!(
        "{}",
        budget::describe(&estimate, sweep.runs.len() as u64, work, &limits)
    ));
    Ok(ExitCode::SUCCESS)
}

pub fn run(args: RunArgs) -> Result<ExitCode, Error> {
    let sweep = load(&args.experiment)?;
    let shard = Shard::from_env(args.shard, args.shard_count)?;
    let options = RunOptions {
        out: args.output.out,
        quiet: args.output.quiet,
        jobs: args.jobs.jobs.map(usize::from),
        force: args.force,
        shard,
        source: Some(source(&args.experiment)?),
        wait: args.lock.wait,
        limits: Some(budget::Limits::from_env()?),
        yes: args.yes,
    };
    let outcome = pipeline::run(&sweep, &options)?;
    let failed = outcome.failed().len();
    let totals = Totals {
        runs: outcome.runs.len(),
        cached: outcome.cached,
        trained: outcome.trained,
        failed,
        datasets: outcome.datasets,
        data_seconds: outcome.data_seconds,
        train_wall_seconds: outcome.train_wall_seconds,
        assemble_seconds: outcome.assemble_seconds,
        total_seconds: outcome.total_seconds,
        folder: &outcome.folder,
    };
    let name = &sweep.runs[0].experiment.name;
    let text = match (shard, &outcome.analysis, &outcome.panel) {
        (None, Some(analysis), _) => run_summary(name, analysis, &totals),
        (Some(s), _, _) => shard_summary(s.index, s.count, &totals),
        (None, None, Some(panel)) => panel_summary(name, panel, &totals),
        (None, None, None) => unreachable!("only a shard leaves the tables to merge"),
    };
    out::stdout(format_args!("{text}"));
    Ok(code(failed > 0))
}

pub fn check(args: CheckArgs) -> Result<ExitCode, Error> {
    if !(args.tolerance.is_finite() && args.tolerance >= 0.0) {
        return Err(Error::BadInput(format!(
            "--tolerance {}: give a percentage of at least 0, e.g. 5",
            args.tolerance
        )));
    }
    let sweep = load(&args.experiment)?;
    let opts = pipeline::CheckOptions {
        baseline: args.baseline,
        metric: args.metric,
        tolerance: args.tolerance / 100.0,
        update: args.update,
        run: RunOptions {
            out: args.output.out,
            quiet: args.output.quiet,
            jobs: args.jobs.jobs.map(usize::from),
            force: false,
            shard: None,
            source: Some(source(&args.experiment)?),
            wait: args.lock.wait,
            limits: Some(budget::Limits::from_env()?),
            yes: args.yes,
        },
    };
    let (outcome, result) = pipeline::check(&sweep, &opts)?;
    match result {
        pipeline::CheckOutcome::Updated {
            path,
            metric,
            configs,
            without_value,
        } => {
            if without_value > 0 {
                out::stderr_line(format_args!(
                    "warning: {without_value} configurations have no finite `{}` (every run failed) and are not in the baseline",
                    metric
                ));
            }
            out::stdout_line(format_args!(
                "wrote the baseline {} ({configs} configurations, {} runs, experiment {})",
                path.display(),
                outcome.runs.len(),
                sweep.hash()
            ));
            Ok(ExitCode::SUCCESS)
        }
        pipeline::CheckOutcome::Checked { report, markdown } => {
            for w in warnings(&report) {
                out::stderr_line(format_args!("warning: {w}"));
            }
            out::stdout(format_args!("{}", render_text(&report)));
            out::stdout_line(format_args!("(markdown: {})", markdown.display()));
            Ok(code(!report.passed()))
        }
    }
}

pub fn merge(args: MergeArgs) -> Result<ExitCode, Error> {
    let merged = pipeline::merge(&args.dirs, args.output.out.as_deref(), args.lock.wait)?;
    // -q is accepted as everywhere; merge shows no progress, and its summary line stays.
    out::stdout_line(format_args!(
        "merged {} runs ({} copied in) into {}",
        merged.runs.len(),
        merged.copied,
        merged.folder.display()
    ));
    if !merged.missing.is_empty() {
        out::stderr_line(format_args!(
            "error: {} runs of the grid have no finished folder: {}",
            merged.missing.len(),
            merged.missing.join(", ")
        ));
    }
    Ok(code(!merged.missing.is_empty()))
}

pub fn slurm(args: SlurmArgs) -> Result<ExitCode, Error> {
    let sweep = load(&args.experiment)?;
    let src = source(&args.experiment)?;
    let out = pipeline::results_folder(&sweep, args.out.as_ref())?;
    // A folder that cannot be made is bad input named by its path, like run's --out.
    pipeline::writable_folder(&out)?;
    let out = std::fs::canonicalize(&out)
        .map_err(|e| Error::failed(format!("{}: {e}", out.display())))?;
    let runner = std::env::current_exe().map_err(Error::failed)?;
    let opts = pipeline::slurm::SlurmOptions {
        partition: args.partition,
        throttle: args.throttle,
        time: args.time,
        runs_per_task: args.runs_per_task,
    };
    let scripts =
        pipeline::slurm::scripts(&runner, &src.file, &src.sets, &out, sweep.runs.len(), &opts);
    let dir = pipeline::slurm::write_scripts(&out, &scripts)?;
    out::stdout_line(format_args!(
        "{} runs in {} array tasks ({} per task); scripts in {}",
        sweep.runs.len(),
        scripts.tasks,
        scripts.runs_per_task,
        dir.display()
    ));
    if args.submit {
        let (array, merge) = pipeline::slurm::submit(&dir)?;
        out::stdout_line(format_args!(
            "submitted array job {array} and merge job {merge}"
        ));
    } else {
        out::stdout_line(format_args!(
            "submit with: bash {}",
            dir.join("submit.sh").display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn compare(args: CompareArgs) -> Result<ExitCode, Error> {
    let top = args.top.unwrap_or(usize::MAX);
    let text = match args.dirs.as_slice() {
        [one] => compare::compare_one(one, args.metric, top),
        [a, b] => compare::compare_two(a, b, args.metric, top),
        _ => unreachable!("clap takes one or two folders"),
    };
    out::stdout(format_args!("{}", text.map_err(Error::bad_input)?));
    Ok(ExitCode::SUCCESS)
}

pub fn forecast(args: ForecastArgs) -> Result<ExitCode, Error> {
    let opts = pipeline::ForecastOptions {
        folder: args.folder,
        horizon: args.horizon.map(|h| h as usize),
        config: args.config,
        levels: args.levels.0,
        out: args.out,
        jobs: args.jobs.jobs.map(usize::from),
        quiet: args.quiet,
        wait: args.lock.wait,
    };
    let outcome = pipeline::forecast(&opts)?;
    let name = opts.folder.file_name().map_or_else(
        || opts.folder.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let plot = outcome.plot.as_ref().map(|p| p.display().to_string());
    out::stdout(format_args!(
        "{}",
        forecast_console(
            &name,
            &outcome.record,
            &outcome.dir.display().to_string(),
            plot.as_deref()
        )
    ));
    Ok(ExitCode::SUCCESS)
}

pub fn predict(args: PredictArgs) -> Result<ExitCode, Error> {
    let prediction = pipeline::predict(&pipeline::PredictOptions {
        model: args.model,
        data: args.data,
        column: args.column,
        horizon: args.horizon.map(|h| h as usize),
    })?;
    let csv = prediction_csv(&prediction.rows);
    match &args.out {
        Some(path) => {
            // write_file's error names the path already.
            runner::store::atomic::write_file(path, csv.as_bytes())
                .map_err(|e| Error::BadInput(format!("{e:#}")))?;
            let n = prediction.rows.len();
            out::stdout_line(format_args!(
                "wrote {n} forecast{} of `{}` after its {} values to {}",
                if n == 1 { "" } else { "s" },
                prediction.column,
                prediction.points,
                path.display()
            ));
        }
        None => {
            if let Some(why) = &prediction.no_times {
                out::stderr_line(format_args!("note: no time labels: {why}"));
            }
            out::stderr_line(format_args!(
                "{} ({}, {}): forecasts of `{}` after its {} values",
                prediction.meta.label,
                prediction.meta.run_id,
                prediction.meta.trained_on,
                prediction.column,
                prediction.points
            ));
            out::stdout(format_args!("{csv}"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
