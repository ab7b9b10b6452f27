//! The `runner` command line: parse arguments, call the library, map errors to exit codes.
//!
//! Exit codes: 0 success; 1 a run failed or diverged (results are still written);
//! 2 bad input - the experiment file, a --set override, the data it names, or the
//! command line itself - in which case nothing is written.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use runner::pipeline::{self, Plan, RunOptions, Shard};
use runner::results::format::num;
use runner::{results, spec};

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
    after_help = "Exit codes: 0 success; 1 a run failed or diverged (results still written); \
        2 bad input (file, --set, data or arguments; nothing written).\n\n\
        Examples:\n  runner experiments/seed.toml\n  runner run experiments/seed.toml --set train.epochs=5 --out /tmp/quick\n  \
        runner validate experiments/airline.toml\n  runner compare results/sine_grid --top 5\n  runner compare results/before results/after\n  runner check experiments/ci_sine.toml --baseline experiments/ci_sine.baseline.csv"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train the experiment and write its results folder.
    Run(RunArgs),
    /// Parse and check an experiment file, print the resolved configuration (every default
    /// written out) and the plan - runs, distinct datasets, training work - without training.
    Validate(ValidateArgs),
    /// Regression gate: run the experiment (reusing finished runs) and compare each
    /// configuration's metric with a baseline file. A configuration regresses when its mean is
    /// worse than the baseline's by more than the tolerance AND, when both sides have at least
    /// two seeds, the difference is significant by Welch's t-test (two-sided, 95%); with one
    /// seed the tolerance alone decides. Exit codes: 0 nothing regressed or missing; 1 a
    /// configuration regressed, or a baseline configuration is missing or all its runs failed;
    /// 2 bad input (experiment file, missing or malformed baseline file, unknown metric).
    Check(CheckArgs),
    /// Build the tables, summary, plots and report from every finished run folder of one or
    /// more results folders (shards written by `run --shard`, or by a Slurm array). Run folders
    /// of the other folders are copied into the first (or --out). Exits 1 when runs are missing.
    Merge(MergeArgs),
    /// Write an sbatch array script that runs the sweep's shards and a merge job that starts
    /// when every shard succeeded; --submit submits both and prints the job ids.
    Slurm(SlurmArgs),
    /// Rank the configurations of a results folder, or compare two results folders
    /// configuration by configuration (matched by their swept values, seeds folded).
    Compare(CompareArgs),
}

#[derive(Args)]
struct CheckArgs {
    /// The experiment file.
    file: PathBuf,
    /// The baseline: a small CSV meant to be committed (config, metric, mean, std, n,
    /// runner_version, experiment_hash), written by --update.
    #[arg(long, value_name = "FILE")]
    baseline: PathBuf,
    /// The metric compared (a column of runs.csv; lower is better except for r2).
    #[arg(long, default_value = "test_rmse")]
    metric: String,
    /// Relative worsening tolerated, in percent.
    #[arg(long, value_name = "PERCENT", default_value_t = 5.0)]
    tolerance: f64,
    /// Write the baseline from this run instead of checking against it.
    #[arg(long)]
    update: bool,
    #[command(flatten)]
    overrides: Overrides,
    /// Results folder (default: results/<name>); check.md is written there.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Runs trained at once (default: all cores).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// No progress output.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args)]
struct MergeArgs {
    /// Results folders holding run folders (runs/<run_id>/) of the same experiment.
    #[arg(value_name = "DIR", required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged results (default: the first folder).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct SlurmArgs {
    /// The experiment file.
    file: PathBuf,
    #[command(flatten)]
    overrides: Overrides,
    /// Results folder shared by every task (default: results/<name>); must be on a file
    /// system all nodes see.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Slurm partition.
    #[arg(long, value_name = "P")]
    partition: Option<String>,
    /// At most K array tasks at once.
    #[arg(long, value_name = "K")]
    throttle: Option<usize>,
    /// Time limit of each task.
    #[arg(long, value_name = "HH:MM:SS")]
    time: Option<String>,
    /// Runs per array task (default 1; raised as needed to stay within Slurm's 1000-task
    /// array limit).
    #[arg(long, value_name = "M", default_value_t = 1)]
    runs_per_task: usize,
    /// Submit with sbatch and print the job ids.
    #[arg(long)]
    submit: bool,
}

#[derive(Args)]
struct CompareArgs {
    /// A results folder (results/<name>), or two to compare: the change is B relative to A.
    #[arg(value_name = "DIR", num_args = 1..=2, required = true)]
    dirs: Vec<PathBuf>,
    /// The metric to rank or compare by (a column of runs.csv).
    #[arg(long, default_value = "test_rmse")]
    metric: String,
    /// Show only the best N configurations (one folder only).
    #[arg(long, value_name = "N")]
    top: Option<usize>,
}

#[derive(Args)]
struct Overrides {
    /// Override a key of the file before it is checked, e.g. --set train.epochs=5 or
    /// --set model.units=[32]; the value is parsed as TOML. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Args)]
struct RunArgs {
    /// The experiment file.
    file: PathBuf,
    #[command(flatten)]
    overrides: Overrides,
    /// Results folder (default: results/<name> in the current directory).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Runs trained at once, each on one thread (default: all cores). Results are identical
    /// for every value.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Retrain runs that already have a finished folder under runs/ (default: skip them).
    #[arg(long)]
    force: bool,
    /// Run only shard K of N: the runs at grid positions i with i mod N == K (positions are
    /// stable across machines). Tables are then built by `runner merge`. Defaults to
    /// SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX/--shard-count
    /// (Kubernetes indexed jobs), when set.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<Shard>,
    /// The shard count N when the index comes from JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "N")]
    shard_count: Option<usize>,
    /// No progress output; the summary is still printed.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args)]
struct ValidateArgs {
    /// The experiment file.
    file: PathBuf,
    #[command(flatten)]
    overrides: Overrides,
}

const SUBCOMMANDS: [&str; 7] = [
    "run", "validate", "check", "merge", "slurm", "compare", "help",
];

/// `runner FILE ...` is `runner run FILE ...`.
fn with_default_subcommand(mut args: Vec<OsString>) -> Vec<OsString> {
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        let is_global_flag = matches!(first, "-h" | "--help" | "-V" | "--version");
        if !is_global_flag && !SUBCOMMANDS.contains(&first) {
            args.insert(1, "run".into());
        }
    }
    args
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_subcommand(std::env::args_os().collect()));
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Validate(args) => validate(args),
        Command::Compare(args) => compare(args),
        Command::Merge(args) => merge(args),
        Command::Check(args) => check(args),
        Command::Slurm(args) => slurm(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn validate(args: ValidateArgs) -> Result<ExitCode, pipeline::Error> {
    let sweep =
        spec::load_sweep(&args.file, &args.overrides.set).map_err(pipeline::Error::bad_input)?;
    let plan = Plan::build(&sweep)?;
    println!("# {}: valid; resolved configuration:", args.file.display());
    print!("{}", sweep.runs[0].experiment.to_toml_string());
    if !sweep.axes.is_empty() {
        println!("\n# [sweep] (the values above are the first run's)");
        for axis in &sweep.axes {
            let values: Vec<String> = axis.values.iter().map(|v| v.to_string()).collect();
            println!("# {} = [{}]", axis.key, values.join(", "));
        }
    }
    println!(
        "\n# plan: {} run{}, {} distinct dataset{}, {} sample-epochs of training",
        sweep.runs.len(),
        plural(sweep.runs.len()),
        plan.dataset_count(),
        plural(plan.dataset_count()),
        pipeline::sample_epochs(&sweep, &plan)
    );
    let folds = plan.folds_for(&sweep.runs[0].experiment);
    if folds.len() > 1 {
        let cuts: Vec<String> = folds
            .iter()
            .map(|f| {
                let s = &f.split;
                let validation = if s.validation.is_empty() {
                    String::new()
                } else {
                    format!(" validation {:?}", s.validation)
                };
                format!("train {:?}{validation} test {:?}", s.train, s.test)
            })
            .collect();
        println!(
            "# backtest (first run): {} folds, oldest first: {}",
            folds.len(),
            cuts.join("; ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}` is not K/N, e.g. 0/4"))?;
    let index: usize = k
        .trim()
        .parse()
        .map_err(|_| format!("`{k}` is not a shard index"))?;
    let count: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a shard count"))?;
    if count == 0 || index >= count {
        return Err(format!(
            "shard {index}/{count}: K must be in 0..N and N at least 1"
        ));
    }
    Ok(Shard { index, count })
}

/// --shard, else the array index of Slurm or of a Kubernetes indexed job.
fn shard_from(
    given: Option<Shard>,
    count: Option<usize>,
) -> Result<Option<Shard>, pipeline::Error> {
    if given.is_some() {
        return Ok(given);
    }
    let env = |name: &str| std::env::var(name).ok();
    let spec = match (env("SLURM_ARRAY_TASK_ID"), env("SLURM_ARRAY_TASK_COUNT")) {
        (Some(k), Some(n)) => Some((
            format!("{k}/{n}"),
            "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT",
        )),
        _ => match (env("JOB_COMPLETION_INDEX"), count) {
            (Some(k), Some(n)) => Some((format!("{k}/{n}"), "JOB_COMPLETION_INDEX/--shard-count")),
            (Some(_), None) => {
                return Err(pipeline::Error::BadInput(
                    "JOB_COMPLETION_INDEX is set: give the number of shards with --shard-count"
                        .into(),
                ))
            }
            _ => None,
        },
    };
    match spec {
        None => Ok(None),
        Some((text, from)) => parse_shard(&text)
            .map(Some)
            .map_err(|e| pipeline::Error::BadInput(format!("shard from {from}: {e}"))),
    }
}

fn source(file: &std::path::Path, sets: &[String]) -> Result<pipeline::Source, pipeline::Error> {
    let file = std::fs::canonicalize(file)
        .map_err(|e| pipeline::Error::BadInput(format!("{}: {e}", file.display())))?;
    Ok(pipeline::Source {
        file,
        sets: sets.to_vec(),
    })
}

fn check(args: CheckArgs) -> Result<ExitCode, pipeline::Error> {
    if !(args.tolerance.is_finite() && args.tolerance >= 0.0) {
        return Err(pipeline::Error::BadInput(format!(
            "--tolerance {}: give a percentage of at least 0, e.g. 5",
            args.tolerance
        )));
    }
    let sweep =
        spec::load_sweep(&args.file, &args.overrides.set).map_err(pipeline::Error::bad_input)?;
    let opts = pipeline::CheckOptions {
        baseline: args.baseline,
        metric: args.metric,
        tolerance: args.tolerance / 100.0,
        update: args.update,
        run: RunOptions {
            out: args.out,
            quiet: args.quiet,
            jobs: args.jobs.map(usize::from),
            force: false,
            shard: None,
            source: Some(source(&args.file, &args.overrides.set)?),
        },
    };
    let (outcome, result) = pipeline::check(&sweep, &opts)?;
    match result {
        pipeline::CheckOutcome::Updated { path, configs } => {
            println!(
                "wrote the baseline {} ({configs} configurations, {} runs, experiment {})",
                path.display(),
                outcome.runs.len(),
                sweep.hash()
            );
            Ok(ExitCode::SUCCESS)
        }
        pipeline::CheckOutcome::Checked { report, markdown } => {
            for w in report.warnings() {
                eprintln!("warning: {w}");
            }
            print!("{}", report.render_text());
            println!("(markdown: {})", markdown.display());
            Ok(if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn merge(args: MergeArgs) -> Result<ExitCode, pipeline::Error> {
    let merged = pipeline::merge(&args.dirs, args.out.as_deref())?;
    println!(
        "merged {} runs ({} copied in) into {}",
        merged.runs.len(),
        merged.copied,
        merged.folder.display()
    );
    if merged.missing.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: {} runs of the grid have no finished folder: {}",
            merged.missing.len(),
            merged.missing.join(", ")
        );
        Ok(ExitCode::from(1))
    }
}

fn slurm(args: SlurmArgs) -> Result<ExitCode, pipeline::Error> {
    let sweep =
        spec::load_sweep(&args.file, &args.overrides.set).map_err(pipeline::Error::bad_input)?;
    let src = source(&args.file, &args.overrides.set)?;
    let out = pipeline::results_folder(&sweep, args.out.as_ref())?;
    std::fs::create_dir_all(&out)
        .map_err(|e| pipeline::Error::failed(format!("{}: {e}", out.display())))?;
    let out = std::fs::canonicalize(&out)
        .map_err(|e| pipeline::Error::failed(format!("{}: {e}", out.display())))?;
    let runner = std::env::current_exe().map_err(pipeline::Error::failed)?;
    let opts = pipeline::slurm::SlurmOptions {
        partition: args.partition,
        throttle: args.throttle,
        time: args.time,
        runs_per_task: args.runs_per_task,
    };
    let scripts =
        pipeline::slurm::scripts(&runner, &src.file, &src.sets, &out, sweep.runs.len(), &opts);
    let dir = pipeline::slurm::write_scripts(&out, &scripts)?;
    println!(
        "{} runs in {} array tasks ({} per task); scripts in {}",
        sweep.runs.len(),
        scripts.tasks,
        scripts.runs_per_task,
        dir.display()
    );
    if args.submit {
        let (array, merge) = pipeline::slurm::submit(&dir)?;
        println!("submitted array job {array} and merge job {merge}");
    } else {
        println!("submit with: bash {}", dir.join("submit.sh").display());
    }
    Ok(ExitCode::SUCCESS)
}

fn compare(args: CompareArgs) -> Result<ExitCode, pipeline::Error> {
    let table = match args.dirs.as_slice() {
        [one] => results::compare_one(one, &args.metric, args.top.unwrap_or(usize::MAX)),
        [a, b] => results::compare_two(a, b, &args.metric),
        _ => unreachable!("clap takes one or two folders"),
    };
    print!("{}", table.map_err(pipeline::Error::bad_input)?);
    Ok(ExitCode::SUCCESS)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn run(args: RunArgs) -> Result<ExitCode, pipeline::Error> {
    let sweep =
        spec::load_sweep(&args.file, &args.overrides.set).map_err(pipeline::Error::bad_input)?;
    let shard = shard_from(args.shard, args.shard_count)?;
    let options = RunOptions {
        out: args.out,
        quiet: args.quiet,
        jobs: args.jobs.map(usize::from),
        force: args.force,
        shard,
        source: Some(source(&args.file, &args.overrides.set)?),
    };
    let outcome = pipeline::run(&sweep, &options)?;
    if let Some(s) = shard {
        let failed = outcome.failed().len();
        println!(
            "shard {}/{}: {} runs ({} cached, {} trained, {} failed); run `runner merge {}` when every shard is done",
            s.index,
            s.count,
            outcome.runs.len(),
            outcome.cached,
            outcome.trained,
            failed,
            outcome.folder.display()
        );
        return Ok(if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let name = &sweep.runs[0].experiment.name;
    let groups = pipeline::ranked_configs(&outcome.runs);
    if let Some(best) = groups.first().filter(|g| g.mean.is_finite()) {
        let naive = outcome
            .runs
            .iter()
            .find(|r| r.record.config == best.config)
            .and_then(|r| r.record.metric("test_naive_rmse"))
            .unwrap_or(f64::NAN);
        let who = if best.config.is_empty() {
            name.clone()
        } else {
            format!("{name}: best {}", best.config)
        };
        let spread = best
            .std
            .map(|s| format!(" ± {}", num(s)))
            .unwrap_or_default();
        println!(
            "{who}: test RMSE {}{spread} over {} run{} (naive last value {})",
            num(best.mean),
            best.runs.len(),
            plural(best.runs.len()),
            num(naive)
        );
    }
    let failed = outcome.failed();
    for f in &failed {
        println!(
            "{}: {} - {}",
            f.record.label,
            f.record.status,
            f.record.reason.as_deref().unwrap_or("no reason recorded")
        );
    }
    println!(
        "{} run{} ({} cached, {} trained, {} failed), {} dataset{}; data stages {:.1} ms, training {:.2} s, total {:.2} s; results in {}",
        outcome.runs.len(),
        plural(outcome.runs.len()),
        outcome.cached,
        outcome.trained,
        failed.len(),
        outcome.datasets,
        plural(outcome.datasets),
        outcome.data_seconds * 1e3,
        outcome.train_wall_seconds,
        outcome.total_seconds,
        outcome.folder.display()
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
