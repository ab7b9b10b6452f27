//! The `runner` command line: parse arguments, call the library, map errors to exit codes.
//!
//! Exit codes: 0 success; 1 a run failed or diverged (results are still written);
//! 2 bad input - the experiment file, a --set override, the data it names, or the
//! command line itself - in which case nothing is written.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use runner::pipeline::{self, RunOptions};
use runner::results::RunStatus;
use runner::spec;

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
        runner validate experiments/airline.toml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train the experiment and write its results folder.
    Run(RunArgs),
    /// Parse and check an experiment file and print the resolved configuration (every default
    /// written out) without training.
    Validate(ValidateArgs),
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

const SUBCOMMANDS: [&str; 3] = ["run", "validate", "help"];

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
    let exp = spec::load(&args.file, &args.overrides.set).map_err(pipeline::Error::bad_input)?;
    println!("# {}: valid; resolved configuration:", args.file.display());
    print!("{}", exp.to_toml_string());
    Ok(ExitCode::SUCCESS)
}

fn run(args: RunArgs) -> Result<ExitCode, pipeline::Error> {
    let exp = spec::load(&args.file, &args.overrides.set).map_err(pipeline::Error::bad_input)?;
    let options = RunOptions {
        out: args.out,
        quiet: args.quiet,
    };
    let outcome = pipeline::run(&exp, &options)?;
    let rec = &outcome.record;
    match outcome.split("test") {
        Some(m) if rec.status == RunStatus::Ok => println!(
            "{}: test RMSE {:.6} (naive last value {:.6}), MAE {:.6}, R² {:.4}",
            exp.name, m.rmse, m.naive_rmse, m.mae, m.r2
        ),
        _ => println!(
            "{}: {} - {}",
            exp.name,
            rec.status,
            rec.reason.as_deref().unwrap_or("no reason recorded")
        ),
    }
    println!(
        "fit {:.2} s ({} epochs), total {:.2} s; results in {}",
        rec.train_seconds,
        rec.epochs,
        outcome.total_seconds,
        outcome.folder.display()
    );
    Ok(if rec.status == RunStatus::Ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
