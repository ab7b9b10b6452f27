//! The command line's types (clap). Options that several subcommands share are written once
//! and flattened into each.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use runner::analysis::Metric;
use runner::pipeline::Shard;
use runner::plot::MAX_BANDS as MAX_LEVELS;
use runner::store::forecast::level_percent;

#[derive(Parser)]
#[command(
    name = "runner",
    version,
    about = "Declarative experiment runner for recurrent time-series forecasters",
    long_about = "Declarative experiment runner for recurrent time-series forecasters.\n\n\
        An experiment file (TOML) describes the series, its scaling and windowing, a stacked \
        LSTM network and its training. `runner FILE` (short for `runner run FILE`) trains it \
        and writes results/<name>/: the resolved experiment, metrics.json, runs, history and \
        predictions tables (CSV and Parquet) and plots.",
    // The `runner FILE` shorthand is rewritten to `runner run FILE` before clap sees it
    // (see main.rs), so clap cannot know it: the usage line says it.
    override_usage = "runner <FILE> [OPTIONS]\n       runner <COMMAND> [OPTIONS]",
    after_help = "`runner SUB --help` has the detail of a subcommand and its exit codes.\n\n\
        Exit codes: 0 success; 1 a run failed or diverged (results still written); \
        2 bad input (file, --set, data, a path that cannot be read or created, or arguments; \
        nothing written), or the results folder is in use by another runner (named; --wait \
        waits) or belongs to another experiment file with the same name (both named; run \
        --force replaces it); 130 interrupted by Ctrl-C (finished runs kept; run the same \
        command again to resume).\n\n\
        Examples:\n  runner experiments/seed.toml\n  runner run experiments/seed.toml --set train.epochs=5 --out /tmp/quick\n  \
        runner validate experiments/airline.toml\n  runner compare results/sine_grid --top 5\n  runner compare results/before results/after\n  runner check experiments/ci_sine.toml --baseline experiments/ci_sine.baseline.csv"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Each subcommand's doc comment: its first line is the one-line summary `runner --help`
// lists; the paragraphs after it are the detail of `runner SUB --help`.
#[derive(Subcommand)]
pub enum Command {
    /// Train the experiment and write its results folder.
    ///
    /// Expands the file's [sweep] into runs, trains those without a finished run folder
    /// (finished runs are kept, so an interrupted sweep resumes where it stopped), and writes
    /// results/<name>/: the resolved experiment, the runs, summary, history and predictions
    /// tables (CSV and Parquet), plots and report.md. `runner FILE` is short for
    /// `runner run FILE`.
    #[command(
        after_help = "Exit codes: 0 success; 1 a run failed or diverged (recorded with \
        its reason; results still written); 2 bad input - the experiment file, a --set \
        override, the data it names, a path that cannot be read or created (named), or the \
        command line - or a results folder in use by another runner (named; --wait waits) or \
        belonging to another experiment file with the same name (both named; --force replaces \
        it); nothing is written; 130 interrupted (Ctrl-C): the runs finished so far are kept \
        and the same command resumes from them.\n\n\
        Examples:\n  runner experiments/seed.toml\n  \
        runner run experiments/sine_grid.toml --set train.epochs=5 --out /tmp/quick -j 2"
    )]
    Run(RunArgs),
    /// Check an experiment file and print it resolved, with its plan, without training.
    ///
    /// Prints the file's own values with every default written out, the [sweep] as its axes
    /// and candidates, the plan (runs, distinct datasets, sample-epochs of training) and,
    /// with a backtest, where each fold cuts. Every problem of the file is reported at once,
    /// each bad sweep candidate once.
    #[command(
        after_help = "Exit codes: 0 the file is valid; 2 bad input (the experiment \
        file, a --set override, the data it names; each problem named with its file:line or \
        --set argument).\n\nExample:\n  runner validate experiments/sine_grid.toml --set train.epochs=5"
    )]
    Validate(ExperimentArgs),
    /// Regression gate: run the experiment and compare each configuration with a baseline file.
    ///
    /// Runs the experiment (reusing finished runs) and compares each configuration's metric
    /// with the baseline. A configuration regresses when its mean is worse than the
    /// baseline's by more than the tolerance AND the change is significant (two-sided, 95%):
    /// by a paired t-test seed by seed when the baseline has the values of two or more of the
    /// seeds run now, else by Welch's t-test when both sides have two or more seeds; with one
    /// seed the tolerance alone decides.
    #[command(
        after_help = "Exit codes: 0 nothing regressed or missing (or --update wrote the \
        baseline); 1 a configuration regressed, or a baseline configuration is missing or all \
        its runs failed; 2 bad input (experiment file, missing, unreadable or malformed \
        baseline file, unknown metric, a bad path) or the results folder is in use; 130 \
        interrupted (Ctrl-C): finished runs are kept and the same command resumes.\n\n\
        Example:\n  runner check experiments/ci_sine.toml --baseline experiments/ci_sine.baseline.csv"
    )]
    Check(CheckArgs),
    /// Build the tables, plots and report from the run folders of one or more results folders.
    ///
    /// Merges shards written by `run --shard` or by a Slurm array: run folders of the other
    /// folders are copied into the first (or --out), then the tables, summary, plots and
    /// report are built from every finished run folder.
    #[command(
        after_help = "Exit codes: 0 every run of the grid is there; 1 runs are missing \
        (named; the tables of the others are written); 2 bad input (a folder that is not a \
        results folder, folders of different experiments, a bad --out) or the folder is in \
        use.\n\nExample:\n  runner merge results/grid-a results/grid-b --out results/grid"
    )]
    Merge(MergeArgs),
    /// Write (and with --submit, submit) a Slurm array script for the sweep's shards.
    ///
    /// The array runs the sweep's shards; a merge job starts when every shard succeeded.
    /// --submit submits both with sbatch and prints the job ids.
    #[command(
        after_help = "Exit codes: 0 scripts written (and submitted); 1 sbatch failed; 2 \
        bad input (the experiment file, a --set override, a results folder that cannot be \
        created, named).\n\nExample:\n  runner slurm experiments/sine_grid.toml --partition cpu --submit"
    )]
    Slurm(SlurmArgs),
    /// Rank the configurations of a results folder, or compare two folders.
    ///
    /// One folder: its configurations ranked by the metric (seeds folded; mean ± std), with
    /// the baselines on the same points. Two folders: configuration by configuration, matched
    /// by their swept values, with the change from A to B.
    #[command(
        after_help = "Exit codes: 0 success; 2 bad input (a folder without runs.parquet, \
        named; a metric the folder has no column for).\n\nExamples:\n  \
        runner compare results/sine_grid --top 5\n  runner compare results/before results/after --top 3"
    )]
    Compare(CompareArgs),
    /// Forecast past the end of the series with the chosen configuration, with intervals.
    #[command(
        long_about = "Forecast past the end of the series with the configuration the sweep \
            chose (or --config).\n\n\
            Each seed of the configuration is refitted on the whole series (same epochs; with \
            early stopping, the mean best epoch of its folds) and forecasts H values past the \
            last observation: directly with a multi-step head, recursively (fed its own \
            forecasts) with a one-step one. The forecast is the seeds' mean.\n\n\
            Intervals are split-conformal: at each step ahead, the half-width at level a is \
            the ceil((n+1)a)-th smallest of the n errors of held-out forecasts made the same \
            way by the backtest folds' saved networks from every origin of their test parts \
            (absolute errors; log ratios |ln y - ln f| for a series the experiment takes logs \
            of, giving intervals that widen with the level). Their coverage is checked forward \
            in time (each fold calibrated on the folds before it) and reported. Without a \
            backtest there are no intervals.\n\n\
            Writes RESULTS-DIR/forecast/ (forecast.csv and .parquet: step, time, mean, \
            lower_<level>, upper_<level>, seed_<s>; forecast.json; models/<run_id>.safetensors, \
            the refitted networks), plots/future.png and a forecast section in report.md.",
        after_help = "Exit codes: 0 success (a seed whose refit diverged is left out and named); \
            1 every refit failed; 2 bad input (not a \
            finished results folder, unknown --config, bad --levels, a bad --out, seeds \
            trained on different series, a run trained before models were saved, a damaged \
            model file) or the folder is in use.\n\n\
            Examples:\n  runner experiments/airline.toml\n  \
            runner forecast results/airline --horizon 24\n  \
            runner forecast results/airline --config 'units=8 lr=0.003 difference=1' --levels 50,80,95"
    )]
    Forecast(ForecastArgs),
    /// Apply a saved model to a CSV series and print the forecast after its last window.
    ///
    /// The model (a run's model.safetensors or a refitted one) carries its preprocessing
    /// (transform, scaler, lookback), which is applied to the series before forecasting.
    #[command(
        after_help = "Exit codes: 0 success; 2 bad input (an unreadable, damaged or \
            incompatible model file; a missing CSV file or one without the column; too short a \
            series; an --out that cannot be written, named).\n\n\
            Example:\n  runner predict --model results/airline/forecast/models/<run_id>.safetensors \
            --data data/airline_passengers.csv --horizon 12"
    )]
    Predict(PredictArgs),
}

/// The experiment file and the overrides applied to it.
#[derive(Args)]
pub struct ExperimentArgs {
    /// The experiment file.
    pub file: PathBuf,
    /// Override a key of the file before it is checked, e.g. --set train.epochs=5 or
    /// --set model.units=[32]; the value is parsed as TOML. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Where results go and how much is printed.
#[derive(Args)]
pub struct OutputArgs {
    /// Results folder (default: results/<name> in the current directory; for merge, the
    /// first DIR).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No progress output; the summary is still printed.
    #[arg(short, long)]
    pub quiet: bool,
}

/// How many runs train at once.
#[derive(Args)]
pub struct JobsArgs {
    /// Runs trained at once, each on one thread (default: all cores). Results are identical
    /// for every value.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

/// What to do when another runner is using the results folder.
#[derive(Args)]
pub struct LockArgs {
    /// When another runner holds the results folder (its lock file .runner.lock), wait for it
    /// to finish instead of exiting with code 2 and naming it (pid, host, command line).
    /// Shards of one sweep (--shard) share a folder and never wait for each other.
    #[arg(long)]
    pub wait: bool,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub jobs: JobsArgs,
    /// Retrain runs that already have a finished folder under runs/ (default: skip them).
    /// When the results folder belongs to another experiment file with the same name (see
    /// its source.json), also remove that experiment's run folders and tables first; without
    /// --force such a folder is refused (exit 2).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Start a plan over the work limits (more than 10000 runs to train or 2·10^8
    /// sample-epochs; RUNNER_MAX_RUNS and RUNNER_MAX_SAMPLE_EPOCHS change them).
    #[arg(long)]
    pub yes: bool,
    /// Run only shard K of N: the runs at grid positions i with i mod N == K (positions are
    /// stable across machines). Tables are then built by `runner merge`. Defaults to
    /// SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX/--shard-count
    /// (Kubernetes indexed jobs), when set.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// The shard count N when the index comes from JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "N")]
    pub shard_count: Option<usize>,
}

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// The baseline: a small CSV meant to be committed (config, metric, mean, std, n,
    /// runner_version, experiment_hash, seeds), written by --update.
    #[arg(long, value_name = "FILE")]
    pub baseline: PathBuf,
    /// The metric compared (a column of runs.csv; lower is better except for r2 and skill;
    /// default test_rmse, or test_owa for a panel). test_* columns are the held-out test part
    /// (the last fold with a backtest).
    #[arg(long, value_parser = parse_metric)]
    pub metric: Option<Metric>,
    /// Relative worsening tolerated, in percent.
    #[arg(long, value_name = "PERCENT", default_value_t = 5.0)]
    pub tolerance: f64,
    /// Write the baseline from this run instead of checking against it.
    #[arg(long)]
    pub update: bool,
    /// Start a plan over the work limits (as `run --yes`).
    #[arg(long)]
    pub yes: bool,
    /// check.md is written in the results folder.
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub jobs: JobsArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Args)]
pub struct MergeArgs {
    /// Results folders holding run folders (runs/<run_id>/) of the same experiment.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Args)]
pub struct SlurmArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Results folder shared by every task (default: results/<name>); must be on a file
    /// system all nodes see.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Slurm partition.
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// At most K array tasks at once.
    #[arg(long, value_name = "K")]
    pub throttle: Option<usize>,
    /// Time limit of each task.
    #[arg(long, value_name = "HH:MM:SS")]
    pub time: Option<String>,
    /// Runs per array task (default 1; raised as needed to stay within Slurm's 1000-task
    /// array limit).
    #[arg(long, value_name = "M", default_value_t = 1)]
    pub runs_per_task: usize,
    /// Submit with sbatch and print the job ids.
    #[arg(long)]
    pub submit: bool,
}

#[derive(Args)]
pub struct CompareArgs {
    /// A results folder (results/<name>), or two to compare: the change is B relative to A.
    #[arg(value_name = "DIR", num_args = 1..=2, required = true)]
    pub dirs: Vec<PathBuf>,
    /// The metric shown and compared (a column of runs.csv; default test_rmse, or test_owa for
    /// a panel). A test_* metric is the held-out test part; configurations are then ranked by
    /// its selection_* counterpart (the data `[select]` ranked on) when the folder has it, else
    /// on the metric itself (optimistic).
    #[arg(long, value_parser = parse_metric)]
    pub metric: Option<Metric>,
    /// Show only the best N configurations (with two folders: the first N rows, in A's
    /// ranking).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
}

#[derive(Args)]
pub struct ForecastArgs {
    /// The results folder of a finished sweep (results/<name>).
    #[arg(value_name = "RESULTS-DIR")]
    pub folder: PathBuf,
    /// Values to forecast past the last observation (default: the length of the test part).
    #[arg(long, value_name = "H", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub horizon: Option<u32>,
    /// Forecast with this configuration (its label in summary.csv, e.g. 'units=8 lr=0.003')
    /// instead of the one the selection chose.
    #[arg(long, value_name = "LABEL")]
    pub config: Option<String>,
    /// Interval levels in percent, comma-separated (at most 3, each below 100).
    #[arg(long, value_name = "P,P", default_value = "80,95", value_parser = parse_levels)]
    pub levels: Levels,
    /// Write the forecast folder (forecast.csv and the rest) as DIR/forecast/ instead of
    /// RESULTS-DIR/forecast/; the results folder, its report and plots are then left unchanged.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No progress output; the forecast is still printed.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub jobs: JobsArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Args)]
pub struct PredictArgs {
    /// A model file written by runner (runs/<run_id>/model.safetensors, or
    /// forecast/models/<run_id>.safetensors).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// A CSV file holding the series (in time order); its last window is forecast from.
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// The value column (default: the column the model was trained on, else `value`).
    #[arg(long, value_name = "C")]
    pub column: Option<String>,
    /// Values to forecast (default: the network's horizon; more are forecast recursively).
    #[arg(long, value_name = "H", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub horizon: Option<u32>,
    /// Write the forecast as CSV (step, time, forecast) to FILE instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Interval levels as fractions in (0, 1), from percentages.
#[derive(Clone, Debug, PartialEq)]
pub struct Levels(pub Vec<f64>);

fn parse_levels(s: &str) -> Result<Levels, String> {
    let mut levels = Vec::new();
    for part in s.split(',') {
        let p: f64 = part.trim().parse().map_err(|_| {
            format!(
                "`{}` is not a percentage; give levels like 80,95",
                part.trim()
            )
        })?;
        if !(p > 0.0 && p < 100.0) {
            return Err(format!(
                "level {p} is not between 0 and 100 (exclusive); give e.g. 80,95"
            ));
        }
        levels.push(p / 100.0);
    }
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    // Levels are named by their percentage to one decimal (lower_97.5): two that read alike,
    // or one that reads as 100, would make ambiguous columns.
    let names: Vec<String> = levels.iter().map(|&l| level_percent(l)).collect();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!(
            "two levels both read {}%; give levels that differ by 0.1 or more",
            w[0]
        ));
    }
    if names.iter().any(|n| n == "100") {
        return Err("a level reads as 100%; give at most 99.9".into());
    }
    if levels.len() > MAX_LEVELS {
        return Err(format!(
            "{} levels given; at most {MAX_LEVELS} (the plot draws one band each)",
            levels.len()
        ));
    }
    Ok(Levels(levels))
}

fn parse_metric(s: &str) -> Result<Metric, String> {
    Metric::parse(s).ok_or_else(|| {
        format!(
            "`{s}` is not a metric runner writes; give a column of runs.csv such as test_rmse, \
             test_mae, test_r2, test_ar_rmse, test_skill_vs_ar or validation_rmse"
        )
    })
}
