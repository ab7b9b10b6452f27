//! The `runner` command line: parse arguments, call the library, map errors to exit codes.
//!
//! Exit codes: 0 success; 1 a run failed or diverged (results are still written);
//! 2 bad input - the experiment file, a --set override, the data it names, a path that
//! cannot be read or created, or the command line itself - or a results folder held by
//! another runner or belonging to another experiment file, in which case nothing is written;
//! 130 interrupted by Ctrl-C while training (finished runs are kept; see
//! `runner::pipeline::interrupt`).

// Output goes through `runner::out`: `print!` and `eprintln!` panic on a closed stream.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;

use std::process::ExitCode;

use clap::Parser;
use runner::out;
use runner::pipeline::interrupt;

use cli::args::{Cli, Command};
use cli::commands;
use cli::shorthand::{with_default_subcommand, Shorthand};

fn main() -> ExitCode {
    let args = match with_default_subcommand(std::env::args_os().collect()) {
        Shorthand::Args(args) => args,
        Shorthand::Refused(message) => {
            out::stderr_line(format_args!("{message}"));
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(args);
    // The commands that train keep what finished when interrupted, and say so.
    if matches!(cli.command, Command::Run(_) | Command::Check(_)) {
        interrupt::install();
    }
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
