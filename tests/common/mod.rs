//! Scaffolding shared by the integration tests that drive the real `runner` binary.
//! Each test crate uses a part of it.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars_core::prelude::{ArrowDataType, DataFrame};
use polars_io::prelude::{ParquetReader, SerReader};
use tempfile::TempDir;

/// 2 lookbacks × 2 widths × 2 seeds = 8 runs of 3 epochs on a short sine: the sweep the
/// sweep, shard and concurrency tests share.
pub const GRID: &str = r#"
name = "grid"
[data]
kind = "sine"
points = 300
stop = 30.0
[model]
units = [8]
[train]
epochs = 3
[sweep]
window.lookback = [4, 6]
model.units = [[8], [6, 6]]
seed = [1, 2]
"#;

/// A scratch folder under the system temp dir, unique per test, removed when dropped.
pub fn scratch_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("runner-test-")
        .tempdir()
        .unwrap()
}

/// Writes `text` to `dir/name` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The names directly in `dir`, sorted: what a command left there.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The binary as a command in `dir` with a clean CI environment (no $GITHUB_STEP_SUMMARY, no
/// shard variables) plus `env`, for a test to start as it needs (output, spawn, pipes, uid).
pub fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runner"));
    cmd.args(args).current_dir(dir);
    for var in [
        "GITHUB_STEP_SUMMARY",
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_COUNT",
        "JOB_COMPLETION_INDEX",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs [`command`] to completion.
pub fn runner_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(dir, args, env).output().expect("runner starts")
}

pub fn runner(dir: &Path, args: &[&str]) -> Output {
    runner_env(dir, args, &[])
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn stdout(o: &Output) -> String {
    text(&o.stdout)
}

pub fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

/// The project's root (experiments/, data/).
pub fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Arrow type of each column as the Parquet file stores it (what pyarrow, pandas and
/// DuckDB see), by name, in column order.
pub fn stored_arrow_types(path: &Path) -> Vec<(String, ArrowDataType)> {
    runner::store::tables::parquet_compat::stored_arrow_types(path).unwrap()
}

/// Every `*.parquet` file under `dir`, at any depth, sorted (a linked file counts; a linked
/// folder is not entered).
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            // Linked folders (`.tables`, `plots`) are visited through their generation.
            if entry.file_type().unwrap().is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

pub fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// A Float64 column as values, a null cell as NaN.
pub fn f64s(df: &DataFrame, col: &str) -> Vec<f64> {
    let c = df
        .column(col)
        .unwrap_or_else(|_| panic!("no column {col}"))
        .f64()
        .unwrap_or_else(|_| panic!("column {col} is not Float64"));
    (0..c.len()).map(|i| c.get(i).unwrap_or(f64::NAN)).collect()
}

/// A UInt32 column as values; a null cell fails the test.
pub fn u32s(df: &DataFrame, col: &str) -> Vec<u32> {
    let c = df
        .column(col)
        .unwrap_or_else(|_| panic!("no column {col}"))
        .u32()
        .unwrap_or_else(|_| panic!("column {col} is not UInt32"));
    (0..c.len())
        .map(|i| c.get(i).unwrap_or_else(|| panic!("null in {col}")))
        .collect()
}

/// A String column as values; a null cell fails the test.
pub fn strs(df: &DataFrame, col: &str) -> Vec<String> {
    let c = df
        .column(col)
        .unwrap_or_else(|_| panic!("no column {col}"))
        .str()
        .unwrap_or_else(|_| panic!("column {col} is not String"));
    (0..c.len())
        .map(|i| {
            c.get(i)
                .unwrap_or_else(|| panic!("null in {col}"))
                .to_string()
        })
        .collect()
}

/// The tables that must not depend on how a sweep was executed: timings dropped (the fit's
/// `train_seconds` and the provenance's `started_at`; the rest of the provenance, runner,
/// commit, host and data hash, is the same for every way of running on one machine).
pub fn tables(dir: &Path) -> Vec<DataFrame> {
    vec![
        read_parquet(&dir.join("runs.parquet")).drop_many(["train_seconds", "started_at"]),
        read_parquet(&dir.join("history.parquet")),
        read_parquet(&dir.join("predictions.parquet")),
    ]
}
