//! The `runner` command line: parse arguments, call the library, map errors to exit codes.
//!
//! Exit codes: 0 success; 1 a run failed or diverged (results are still written);
//! 2 bad input - the experiment file, a --set override, the data it names, or the
//! command line itself - in which case nothing is written.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use runner::pipeline::{self, Plan, RunOptions};
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
        runner validate experiments/airline.toml\n  runner compare results/sine_grid --top 5\n  runner compare results/before results/after"
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
    /// Rank the configurations of a results folder, or compare two results folders
    /// configuration by configuration (matched by their swept values, seeds folded).
    Compare(CompareArgs),
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

const SUBCOMMANDS: [&str; 4] = ["run", "validate", "compare", "help"];

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
    let options = RunOptions {
        out: args.out,
        quiet: args.quiet,
        jobs: args.jobs.map(usize::from),
        force: args.force,
    };
    let outcome = pipeline::run(&sweep, &options)?;
    let name = &sweep.runs[0].experiment.name;
    let groups = pipeline::ranked_configs(&outcome.runs);
    if let Some(best) = groups.first().filter(|g| g.mean.is_finite()) {
        let naive = outcome
            .runs
            .iter()
            .find(|r| r.record.config == best.config)
            .and_then(|r| {
                r.record
                    .metrics
                    .iter()
                    .find(|(k, _)| k == "test_naive_rmse")
            })
            .map_or(f64::NAN, |(_, v)| *v);
        let who = if best.config.is_empty() {
            name.clone()
        } else {
            format!("{name}: best {}", best.config)
        };
        let spread = best
            .std
            .map(|s| format!(" ± {}", pipeline::short(s)))
            .unwrap_or_default();
        println!(
            "{who}: test RMSE {}{spread} over {} run{} (naive last value {})",
            pipeline::short(best.mean),
            best.runs.len(),
            plural(best.runs.len()),
            pipeline::short(naive)
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
        "{} runs ({} cached, {} trained, {} failed), {} dataset{}; data {:.2} s, training {:.2} s, total {:.2} s; results in {}",
        outcome.runs.len(),
        outcome.cached,
        outcome.trained,
        failed.len(),
        outcome.datasets,
        plural(outcome.datasets),
        outcome.data_seconds,
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
