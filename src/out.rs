//! Console output that never decides anything.
//!
//! `print!`/`eprintln!` panic when the stream is closed or full ("failed printing to stderr:
//! Broken pipe" under `runner run ... 2>&1 | head -1`), and a panic inside a run's progress
//! callback used to be caught as that run's failure and cached. Everything runner prints to
//! the console goes through these functions instead: a write that fails is dropped, so the
//! runs, the tables and the exit code are the same whether anyone reads the output or not.
//! SIGPIPE stays at Rust's default (ignored), so a closed pipe is an `EPIPE` error here, not
//! a signal that kills the process.

use std::fmt::Arguments;
use std::io::Write;

/// Writes `args` to stdout as is (no newline added); errors are ignored.
pub fn stdout(args: Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    // Ignored on purpose: see the module documentation.
    let _ = out.write_fmt(args).and_then(|()| out.flush());
}

/// Writes `args` and a newline to stdout; errors are ignored.
pub fn stdout_line(args: Arguments<'_>) {
    stdout(format_args!("{args}\n"));
}

/// Writes `args` and a newline to stderr; errors are ignored.
pub fn stderr_line(args: Arguments<'_>) {
    // Ignored on purpose: see the module documentation. Stderr is unbuffered.
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}
