//! The real `runner` binary when nobody reads its output (closed stdout/stderr), and on
//! numbers the f32 engine cannot represent or a training that blows up.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::ExitStatus;

use common::{command, read_parquet, runner, scratch_dir, stderr, strs, write};

/// A two-run sweep of a small sine experiment.
const SWEEP: &str = r#"
name = "quiet_reader"
seed = 3
[data]
kind = "sine"
points = 200
stop = 20.0
[window]
lookback = 5
[model]
units = [8]
[train]
epochs = 3
[sweep]
"model.units" = [[4], [8]]
"#;

/// One run with enough epochs that it prints epoch lines for a while after the header.
const SINGLE: &str = r#"
name = "head_one"
seed = 3
[data]
kind = "sine"
points = 400
stop = 40.0
[window]
lookback = 5
[model]
units = [8]
[train]
epochs = 40
"#;

/// `runner args` with stdout and stderr on one pipe whose read end is closed before the
/// binary starts: every write it makes fails with EPIPE.
fn run_with_closed_output(dir: &Path, args: &[&str]) -> ExitStatus {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    command(dir, args, &[])
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .status()
        .unwrap()
}

fn statuses(folder: &Path) -> Vec<String> {
    strs(&read_parquet(&folder.join("runs.parquet")), "status")
}

/// The re-run with output read: every run cached, all ok, exit 0.
fn assert_rerun_all_cached(dir: &Path, file: &str, runs: usize) {
    let again = runner(dir, &[file]);
    assert!(again.status.success(), "{}", stderr(&again));
    let err = stderr(&again);
    assert!(
        err.contains(&format!("{runs} runs ({runs} cached, 0 to run)")),
        "{err}"
    );
}

#[test]
fn a_closed_stdout_and_stderr_change_nothing() {
    let scratch = scratch_dir();
    write(scratch.path(), "sweep.toml", SWEEP);
    let status = run_with_closed_output(scratch.path(), &["run", "sweep.toml"]);
    // Before: "failed printing to stderr: Broken pipe", exit 101, no tables.
    assert_eq!(status.code(), Some(0));
    let folder = scratch.path().join("results/quiet_reader");
    for table in ["runs.csv", "runs.parquet", "history.parquet", "report.md"] {
        assert!(folder.join(table).is_file(), "no {table}");
    }
    assert_eq!(statuses(&folder), ["ok", "ok"]);
    assert_rerun_all_cached(scratch.path(), "sweep.toml", 2);

    // The other subcommands print through the same path.
    let status = run_with_closed_output(scratch.path(), &["validate", "sweep.toml"]);
    assert_eq!(status.code(), Some(0));
    let status = run_with_closed_output(scratch.path(), &["compare", "results/quiet_reader"]);
    assert_eq!(status.code(), Some(0));
    // An error message to a closed stderr still exits 2, not 101.
    let status = run_with_closed_output(scratch.path(), &["run", "missing.toml"]);
    assert_eq!(status.code(), Some(2));
}

#[test]
fn a_reader_that_leaves_after_one_line_fails_no_run() {
    // `runner run head_one.toml 2>&1 | head -1`: the header is read, then the reader exits
    // while the run prints its epoch lines. Before, the run's first epoch line panicked
    // inside the run, the run was stored as failed and served from the cache as failed.
    let scratch = scratch_dir();
    write(scratch.path(), "head_one.toml", SINGLE);
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = command(scratch.path(), &["run", "head_one.toml"], &[])
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(reader).read_line(&mut first).unwrap();
    // The BufReader and its pipe end are dropped here: the reader is gone.
    assert!(first.starts_with("head_one: 1 runs"), "{first}");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let folder = scratch.path().join("results/head_one");
    assert_eq!(statuses(&folder), ["ok"]);
    assert_rerun_all_cached(scratch.path(), "head_one.toml", 1);
}

fn csv_experiment(name: &str) -> String {
    format!(
        r#"
name = "{name}"
[data]
kind = "csv"
path = "{name}.csv"
column = "y"
[window]
lookback = 3
[model]
units = [4]
[train]
epochs = 2
"#
    )
}

/// A CSV file of 60 rows, `y = value(i)`.
fn write_series(dir: &Path, name: &str, value: impl Fn(usize) -> f64) {
    let rows: String = (0..60).map(|i| format!("{:e}\n", value(i))).collect();
    write(dir, &format!("{name}.csv"), &format!("y\n{rows}"));
}

#[test]
fn values_beyond_f32_are_refused_at_load_naming_the_file_row_and_column() {
    let scratch = scratch_dir();
    write_series(scratch.path(), "huge", |i| 1e300 * (1.0 + (i % 7) as f64));
    write(scratch.path(), "huge.toml", &csv_experiment("huge"));
    for command in ["run", "validate"] {
        let out = runner(scratch.path(), &[command, "huge.toml"]);
        // Before: status ok, exit 0, test RMSE and R² empty.
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("huge.csv: data row 1 (line 2), column `y`: `1e300`"),
            "{err}"
        );
        assert!(err.contains("beyond ±1e38"), "{err}");
    }
    assert!(!scratch.path().join("results").exists());

    // A range below 1e-30: before, RMSE 0 and R² 1, ranked first.
    write_series(scratch.path(), "tiny", |i| 1e-300 * (1.0 + (i % 7) as f64));
    write(scratch.path(), "tiny.toml", &csv_experiment("tiny"));
    let out = runner(scratch.path(), &["run", "tiny.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("tiny.csv: column `y`: the values span only"),
        "{err}"
    );
    assert!(err.contains("below 1e-30"), "{err}");
    assert!(!scratch.path().join("results").exists());
}

#[test]
fn a_generator_beyond_f32_is_refused_naming_its_keys() {
    let scratch = scratch_dir();
    write(
        scratch.path(),
        "level.toml",
        r#"
name = "level"
[data]
kind = "trend_season"
points = 100
level = 1e300
[window]
lookback = 3
[train]
epochs = 1
"#,
    );
    let out = runner(scratch.path(), &["run", "level.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("data.kind = \"trend_season\""), "{err}");
    assert!(err.contains("data.level"), "{err}");
    assert!(err.contains("beyond ±1e38"), "{err}");
}

#[test]
fn a_training_loss_that_grows_a_millionfold_is_recorded_as_diverged() {
    let scratch = scratch_dir();
    write(
        scratch.path(),
        "blowup.toml",
        r#"
name = "blowup"
seed = 3
[data]
kind = "sine"
points = 200
stop = 20.0
[window]
lookback = 5
[model]
units = [8]
[train]
epochs = 5
optimizer = "adam"
learning_rate = 1e6
"#,
    );
    let out = runner(scratch.path(), &["run", "blowup.toml"]);
    // Before: a training loss of 4e12 recorded as ok, exit 0.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let runs = read_parquet(&scratch.path().join("results/blowup/runs.parquet"));
    assert_eq!(strs(&runs, "status"), ["diverged"]);
    let reason = &strs(&runs, "reason")[0];
    assert!(reason.contains("training loss grew to"), "{reason}");
    assert!(
        reason.contains("more than 1e6 times the untrained"),
        "{reason}"
    );
}
