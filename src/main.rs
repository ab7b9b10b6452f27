//! The `runner` command line: parse arguments, call the library, map errors to exit codes.
//!
//! Exit codes: 0 success; 1 a run failed or diverged (results are still written);
//! 2 bad input - the experiment file, a --set override, the data it names, or the
//! command line itself - or a results folder held by another runner or belonging to another
//! experiment file, in which case nothing is written.

// Output goes through `runner::out`: `print!` and `eprintln!` panic on a closed stream.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use runner::out;

use cli::args::{Cli, Command};
use cli::commands;

const SUBCOMMANDS: [&str; 9] = [
    "run", "validate", "check", "merge", "slurm", "compare", "forecast", "predict", "help",
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
        Command::Run(args) => commands::run(args),
        Command::Validate(args) => commands::validate(args),
        Command::Compare(args) => commands::compare(args),
        Command::Merge(args) => commands::merge(args),
        Command::Check(args) => commands::check(args),
        Command::Slurm(args) => commands::slurm(args),
        Command::Forecast(args) => commands::forecast(args),
        Command::Predict(args) => commands::predict(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            out::stderr_line(format_args!("error: {e}"));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
