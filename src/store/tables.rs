//! The results tables: records → polars frames → CSV (for people) and Parquet (for tools).
//!
//! Numbers stay numbers: every metric, loss and time is a `Float64` column, counts are
//! `UInt32`, and a missing or non-finite metric is a null cell (empty in CSV), never a string.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;

use anyhow::{bail, Context, Result};
use polars_core::prelude::{Column, DataFrame};
use polars_io::prelude::{CsvWriter, ParquetReader, SerReader, SerWriter};
use serde::Serialize;

use super::atomic::write_file;
use super::layout::{
    FOLDS_CSV, FOLDS_PARQUET, HISTORY_CSV, HISTORY_PARQUET, PREDICTIONS_PARQUET, RUNS_CSV,
    RUNS_PARQUET, SERIES_CSV, SERIES_PARQUET,
};
use super::param_columns::{column_name, is_derived, param_cell, param_columns, param_keys};
use super::records::{
    FoldRecord, HistoryRow, ParamValue, PredictionRow, Provenance, RunRecord, RunStatus, SeriesRow,
};

pub mod parquet_compat;

/// Columns of the runs table around the parameter and metric columns:
/// `LEADING, <params>, STATUS, <metrics>, TRAILING`.
const RUNS_LEADING: [&str; 4] = ["run_id", "label", "config", "seed"];
const RUNS_STATUS: [&str; 2] = ["status", "reason"];
const RUNS_TRAILING: [&str; 2] = ["train_seconds", "epochs"];

/// Writes `dir/runs.csv` and `dir/runs.parquet`, one row per run.
///
/// Columns: `run_id, label, config` (strings), `seed: UInt64`, one typed column per swept key
/// in order of first appearance, named `window_lookback` for `window.lookback` (see
/// [`param_columns`](super::param_columns), which also adds `model_width, model_depth` after a
/// swept `model_units`), `status, reason`
/// (strings, `reason` nullable), one `Float64` column per metric name in order of first
/// appearance across `runs`, then `train_seconds: Float64, epochs: UInt32`, then, when any
/// run has its provenance, [`Provenance::COLUMNS`]: `started_at, runner_version,
/// git_commit` (strings), `git_dirty: Boolean`, `host, data_hash, data_hashed` (strings).
pub fn write_runs(dir: &Path, runs: &[RunRecord]) -> Result<()> {
    // One row per run: two records of one id (a copied or edited record) would count twice.
    let mut ids: HashSet<&str> = HashSet::new();
    if let Some(twice) = runs.iter().find(|r| !ids.insert(r.run_id.as_str())) {
        bail!("run id {} appears twice in the runs table", twice.run_id);
    }
    let mut df = runs_frame(runs)?;
    write_csv(&dir.join(RUNS_CSV), &mut df)?;
    write_parquet(&dir.join(RUNS_PARQUET), &mut df)
}

/// Reads `dir/runs.parquet` back into records, in table order.
///
/// Null cells are left out: a null metric is absent from the run's `metrics` (it was NaN,
/// infinite or missing when written), a null parameter absent from its `params`. Parameters
/// are keyed by their column name ([`column_name`]: `window_lookback`), also in a table an
/// older runner wrote with dotted names, so that folders of either age compare; the derived
/// `model_width` and `model_depth` are not parameters. A column
/// typed `Int64` gives [`ParamValue::Int`], `Float64` [`ParamValue::Float`], and so on.
pub fn read_runs(dir: &Path) -> Result<Vec<RunRecord>> {
    let path = dir.join(RUNS_PARQUET);
    if !path.is_file() {
        if !dir.is_dir() {
            bail!("results folder {} does not exist", dir.display());
        }
        bail!(
            "{} has no {RUNS_PARQUET}: is it a runner results folder whose sweep finished?",
            dir.display()
        );
    }
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    // polars-parquet panics on some damaged files (about 1 in 300 random byte flips) instead of
    // returning an error: a damaged table is bad input, never a crash.
    // Its panic message would precede runner's own error as if runner had crashed: the
    // message is silenced for the read (the hook is process-wide; compare reads on one
    // thread).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ParquetReader::new(file).finish()
    }));
    std::panic::set_hook(hook);
    let df = match read {
        Ok(df) => df.with_context(|| format!("cannot read {}", path.display()))?,
        Err(_) => bail!(
            "cannot read {}: the file is damaged (the Parquet reader failed on it)",
            path.display()
        ),
    };
    runs_from_frame(&df).with_context(|| format!("{} is not a runs table", path.display()))
}

/// The runs table as a frame; see [`write_runs`] for its columns.
pub fn runs_frame(runs: &[RunRecord]) -> Result<DataFrame> {
    let fixed: Vec<&str> = RUNS_LEADING
        .iter()
        .chain(&RUNS_STATUS)
        .chain(&RUNS_TRAILING)
        .chain(&Provenance::COLUMNS)
        .copied()
        .collect();
    let metric_names = metric_columns(runs, &fixed)?;
    let mut reserved = fixed.clone();
    reserved.extend(metric_names.iter().map(String::as_str));
    let param_keys = param_keys(
        runs.iter()
            .map(|r| (format!("run {}", r.run_id), r.params.as_slice())),
        &reserved,
    )?;
    let param_rows: Vec<&[(String, ParamValue)]> =
        runs.iter().map(|r| r.params.as_slice()).collect();

    let mut columns = vec![
        Column::new(
            "run_id".into(),
            runs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "label".into(),
            runs.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "config".into(),
            runs.iter().map(|r| r.config.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "seed".into(),
            runs.iter().map(|r| r.seed).collect::<Vec<u64>>(),
        ),
    ];
    columns.extend(param_columns(&param_keys, &param_rows));
    columns.push(Column::new(
        "status".into(),
        runs.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        "reason".into(),
        runs.iter().map(|r| r.reason.as_deref()).collect::<Vec<_>>(),
    ));
    for name in &metric_names {
        let values: Vec<Option<f64>> = runs
            .iter()
            .map(|r| {
                r.metrics
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|&(_, v)| v)
                    .filter(|v| v.is_finite())
            })
            .collect();
        columns.push(Column::new(name.as_str().into(), values));
    }
    columns.push(Column::new(
        "train_seconds".into(),
        runs.iter().map(|r| r.train_seconds).collect::<Vec<f64>>(),
    ));
    let epochs = runs
        .iter()
        .map(|r| {
            u32::try_from(r.epochs)
                .with_context(|| format!("run {}: {} epochs do not fit u32", r.run_id, r.epochs))
        })
        .collect::<Result<Vec<u32>>>()?;
    columns.push(Column::new("epochs".into(), epochs));
    if runs.iter().any(|r| r.provenance.is_some()) {
        columns.extend(provenance_columns(runs));
    }
    Ok(DataFrame::new(runs.len(), columns)?)
}

/// The provenance columns ([`Provenance::COLUMNS`]): strings but `git_dirty: Boolean`; a
/// run without provenance (recorded before it was kept) has null cells.
fn provenance_columns(runs: &[RunRecord]) -> Vec<Column> {
    let text = |name: &str, pick: fn(&Provenance) -> Option<&str>| {
        Column::new(
            name.into(),
            runs.iter()
                .map(|r| r.provenance.as_ref().and_then(pick))
                .collect::<Vec<Option<&str>>>(),
        )
    };
    vec![
        text("started_at", |p| Some(&p.started_at)),
        text("runner_version", |p| Some(&p.runner_version)),
        text("git_commit", |p| p.git_commit.as_deref()),
        Column::new(
            "git_dirty".into(),
            runs.iter()
                .map(|r| r.provenance.as_ref().and_then(|p| p.git_dirty))
                .collect::<Vec<Option<bool>>>(),
        ),
        text("host", |p| Some(&p.host)),
        text("data_hash", |p| Some(&p.data_hash)),
        text("data_hashed", |p| Some(&p.data_hashed)),
    ]
}

/// The cells of the text column `name`, a null cell as `None`.
fn text_column(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    let col = df.column(name)?;
    let ca = col
        .str()
        .with_context(|| format!("column {name:?} is not text"))?;
    Ok((0..ca.len())
        .map(|i| ca.get(i).map(str::to_string))
        .collect())
}

/// Each row's provenance from the columns after `epochs`; `None` for a table without them
/// and for a row whose `started_at` is null.
fn provenance_from_frame(df: &DataFrame) -> Result<Vec<Option<Provenance>>> {
    if df.column("started_at").is_err() {
        return Ok(vec![None; df.height()]);
    }
    let text = |name: &str| text_column(df, name);
    let [started, version, commit, host, hash, hashed] = [
        "started_at",
        "runner_version",
        "git_commit",
        "host",
        "data_hash",
        "data_hashed",
    ]
    .map(text);
    let (started, version, commit, host, hash, hashed) =
        (started?, version?, commit?, host?, hash?, hashed?);
    let dirty = df
        .column("git_dirty")?
        .bool()
        .context("column \"git_dirty\" is not Boolean")?
        .clone();
    Ok((0..df.height())
        .map(|i| {
            Some(Provenance {
                started_at: started[i].clone()?,
                runner_version: version[i].clone().unwrap_or_default(),
                git_commit: commit[i].clone(),
                git_dirty: dirty.get(i),
                host: host[i].clone().unwrap_or_default(),
                data_hash: hash[i].clone().unwrap_or_default(),
                data_hashed: hashed[i].clone().unwrap_or_default(),
            })
        })
        .collect())
}

/// Records from a runs frame laid out as [`runs_frame`] writes it. Parameter and metric
/// columns are told apart by position: parameters sit between `seed` and `status`, metrics
/// between `reason` and `train_seconds`.
pub fn runs_from_frame(df: &DataFrame) -> Result<Vec<RunRecord>> {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let position = |name: &str| {
        names
            .iter()
            .position(|n| n == name)
            .with_context(|| format!("no column {name:?}"))
    };
    for (i, name) in RUNS_LEADING.iter().enumerate() {
        if names.get(i).map(String::as_str) != Some(name) {
            bail!("column {} should be {name:?}", i + 1);
        }
    }
    let status_at = position("status")?;
    let seconds_at = position("train_seconds")?;
    if names.get(status_at + 1).map(String::as_str) != Some("reason")
        || names.get(seconds_at + 1).map(String::as_str) != Some("epochs")
        || seconds_at < status_at
    {
        bail!("columns are not in the order run_id, label, config, seed, <params>, status, reason, <metrics>, train_seconds, epochs");
    }
    let param_cols = &df.columns()[RUNS_LEADING.len()..status_at];
    let metric_cols = &df.columns()[status_at + 2..seconds_at];

    let text = |name: &str| text_column(df, name);
    let run_ids = text("run_id")?;
    let labels = text("label")?;
    let configs = text("config")?;
    let statuses = text("status")?;
    let reasons = text("reason")?;
    let seeds = df
        .column("seed")?
        .u64()
        .context("column \"seed\" is not UInt64")?;
    let seconds = df
        .column("train_seconds")?
        .f64()
        .context("column \"train_seconds\" is not Float64")?;
    let epochs = df
        .column("epochs")?
        .u32()
        .context("column \"epochs\" is not UInt32")?;

    let provenance = provenance_from_frame(df)?;
    // Each swept key's column with its key, once for all rows (width and depth are derived
    // from the units label, not keys of their own).
    let params_of: Vec<(&Column, String)> = param_cols
        .iter()
        .filter(|c| !is_derived(c.name(), &names))
        .map(|c| (c, column_name(c.name())))
        .collect();
    let mut runs = Vec::with_capacity(df.height());
    for row in 0..df.height() {
        let required = |values: &[Option<String>], name: &str| {
            values[row]
                .clone()
                .with_context(|| format!("row {}: {name} is empty", row + 1))
        };
        let status_text = required(&statuses, "status")?;
        let status = match status_text.as_str() {
            "ok" => RunStatus::Ok,
            "diverged" => RunStatus::Diverged,
            "failed" => RunStatus::Failed,
            other => bail!("row {}: unknown status {other:?}", row + 1),
        };
        let mut params = Vec::new();
        for (col, key) in &params_of {
            if let Some(v) = param_cell(col, row)? {
                params.push((key.clone(), v));
            }
        }
        let mut metrics = Vec::new();
        for col in metric_cols {
            let values = col.f64().with_context(|| {
                format!("metric column {:?} is not Float64", col.name().as_str())
            })?;
            if let Some(v) = values.get(row) {
                metrics.push((col.name().to_string(), v));
            }
        }
        runs.push(RunRecord {
            run_id: required(&run_ids, "run_id")?,
            label: required(&labels, "label")?,
            config: required(&configs, "config")?,
            seed: seeds
                .get(row)
                .with_context(|| format!("row {}: seed is empty", row + 1))?,
            params,
            status,
            reason: reasons[row].clone(),
            metrics,
            train_seconds: seconds
                .get(row)
                .with_context(|| format!("row {}: train_seconds is empty", row + 1))?,
            epochs: epochs
                .get(row)
                .with_context(|| format!("row {}: epochs is empty", row + 1))?
                as usize,
            provenance: provenance[row].clone(),
        });
    }
    Ok(runs)
}

/// Writes `dir/folds.csv` and `dir/folds.parquet`, one row per backtest fold of each run:
/// the runs table's columns (the fold's metrics, status, time and epochs in place of the
/// run's means) with `fold, origin, end, best_epoch: UInt32` after `run_id`, then, when the
/// experiment has a time column, `origin_time` and `last_time` (strings: the labels of the
/// fold's first and last test points, `origin` and `end - 1`).
pub fn write_folds(
    dir: &Path,
    runs: &[(&RunRecord, &[FoldRecord])],
    times: &RunTimes,
) -> Result<()> {
    let mut df = folds_frame(runs, times)?;
    write_csv(&dir.join(FOLDS_CSV), &mut df)?;
    write_parquet(&dir.join(FOLDS_PARQUET), &mut df)
}

/// The folds table as a frame; see [`write_folds`] for its columns.
pub fn folds_frame(runs: &[(&RunRecord, &[FoldRecord])], times: &RunTimes) -> Result<DataFrame> {
    let rows: Vec<(RunRecord, &FoldRecord)> = runs
        .iter()
        .flat_map(|(run, folds)| {
            folds.iter().map(move |f| {
                let row = RunRecord {
                    status: f.status,
                    reason: f.reason.clone(),
                    metrics: f.metrics.clone(),
                    train_seconds: f.train_seconds,
                    epochs: f.epochs,
                    ..(*run).clone()
                };
                (row, f)
            })
        })
        .collect();
    let records: Vec<RunRecord> = rows.iter().map(|(r, _)| r.clone()).collect();
    let mut df = runs_frame(&records)?;
    let column = |name: &str, pick: fn(&FoldRecord) -> u32| {
        Column::new(
            name.into(),
            rows.iter().map(|(_, f)| pick(f)).collect::<Vec<u32>>(),
        )
    };
    let best_epochs = rows
        .iter()
        .map(|(r, f)| {
            u32::try_from(f.best_epoch)
                .with_context(|| format!("run {}: best epoch does not fit u32", r.run_id))
        })
        .collect::<Result<Vec<u32>>>()?;
    for (at, col) in [
        (1, column("fold", |f| f.fold)),
        (2, column("origin", |f| f.origin)),
        (3, column("end", |f| f.end)),
        (4, Column::new("best_epoch".into(), best_epochs)),
    ] {
        df.insert_column(at, col)?;
    }
    let label = |(r, _): &(RunRecord, &FoldRecord), position: u32| -> Option<&str> {
        times
            .get(r.run_id.as_str())
            .and_then(|t| t.get(position as usize))
            .map(String::as_str)
    };
    let origin_time: Vec<Option<&str>> = rows.iter().map(|row| label(row, row.1.origin)).collect();
    if origin_time.iter().any(Option::is_some) {
        let last_time: Vec<Option<&str>> = rows
            .iter()
            .map(|row| label(row, row.1.end.saturating_sub(1)))
            .collect();
        df.insert_column(5, Column::new("origin_time".into(), origin_time))?;
        df.insert_column(6, Column::new("last_time".into(), last_time))?;
    }
    Ok(df)
}

/// Writes `dir/history.csv` and `dir/history.parquet`, each run's rows after its record:
/// `run_id, label, config: String, fold: UInt32, epoch: UInt32, train_loss: Float64,
/// val_loss: Float64 (nullable)`. The label and config make a loss curve readable and
/// groupable without a join with the runs table.
pub fn write_history(dir: &Path, runs: &[(&RunRecord, &[HistoryRow])]) -> Result<()> {
    let mut df = history_frame(runs)?;
    write_csv(&dir.join(HISTORY_CSV), &mut df)?;
    write_parquet(&dir.join(HISTORY_PARQUET), &mut df)
}

/// Writes `dir/predictions.parquet`:
/// `run_id: String, fold: UInt32, split: String, position: UInt32` (the point's 0-based
/// position in the series; not `index`, which pandas reserves), `time: String` when the
/// experiment has a time column (the point's label, from `times`), `actual: Float64,
/// predicted: Float64`, then one nullable `Float64` column per baseline
/// ([`PredictionRow::BASELINES`]: `naive, seasonal_naive, drift, ar, transformed_naive,
/// transformed_ar`), null on training rows and where a baseline was not computed.
///
/// Parquet only: a sweep's predictions are too many rows to be read as CSV by a person.
pub fn write_predictions<R: Borrow<PredictionRow>>(
    dir: &Path,
    rows: &[R],
    times: &RunTimes,
) -> Result<()> {
    let mut df = predictions_frame(rows, times)?;
    write_parquet(&dir.join(PREDICTIONS_PARQUET), &mut df)
}

/// Writes `dir/series.csv` and `dir/series.parquet`, a panel's per-series accuracy, one row
/// per run, series and split: `run_id, label, series, split` (strings), `origin: UInt32`,
/// `forecaster, reason` (strings, `reason` nullable), `mase_scale, smape, mase: Float64`, then
/// `<benchmark>_smape, <benchmark>_mase: Float64` per benchmark (`naive, seasonal_naive,
/// naive2, ses, theta`). A non-finite value is a null cell. `labels` gives each run's label
/// (its swept values), so the table reads without a join.
pub fn write_series(dir: &Path, rows: &[SeriesRow], label: &dyn Fn(&str) -> String) -> Result<()> {
    let mut df = series_frame(rows, label)?;
    write_csv(&dir.join(SERIES_CSV), &mut df)?;
    write_parquet(&dir.join(SERIES_PARQUET), &mut df)
}

/// The series table as a frame; see [`write_series`] for its columns.
pub fn series_frame(rows: &[SeriesRow], label: &dyn Fn(&str) -> String) -> Result<DataFrame> {
    let finite = |v: f64| v.is_finite().then_some(v);
    let text = |name: &str, f: &dyn Fn(&SeriesRow) -> String| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<String>>())
    };
    let number = |name: String, f: &dyn Fn(&SeriesRow) -> f64| {
        Column::new(
            name.into(),
            rows.iter()
                .map(|r| finite(f(r)))
                .collect::<Vec<Option<f64>>>(),
        )
    };
    let mut columns = vec![
        text("run_id", &|r| r.run_id.clone()),
        text("label", &|r| label(&r.run_id)),
        text("series", &|r| r.series.clone()),
        text("split", &|r| r.split.clone()),
        Column::new(
            "origin".into(),
            rows.iter().map(|r| r.origin).collect::<Vec<u32>>(),
        ),
        text("forecaster", &|r| r.forecaster.clone()),
        Column::new(
            "reason".into(),
            rows.iter()
                .map(|r| r.reason.clone())
                .collect::<Vec<Option<String>>>(),
        ),
        number("mase_scale".into(), &|r| r.mase_scale),
        number("smape".into(), &|r| r.accuracy.smape),
        number("mase".into(), &|r| r.accuracy.mase),
    ];
    for (i, key) in SeriesRow::BENCHMARKS.iter().enumerate() {
        columns.push(number(format!("{key}_smape"), &|r| r.benchmarks[i].smape));
        columns.push(number(format!("{key}_mase"), &|r| r.benchmarks[i].mase));
    }
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// Writes `value` as pretty-printed JSON with a trailing newline, atomically.
///
/// Note that serde_json writes NaN and infinities as `null`.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .with_context(|| format!("cannot serialize {}", path.display()))?;
    text.push('\n');
    write_file(path, text)
}

/// The history table as a frame; see [`write_history`] for its columns.
///
/// A NaN `train_loss` is kept as NaN: it is the fact that the run diverged at that epoch.
pub fn history_frame(runs: &[(&RunRecord, &[HistoryRow])]) -> Result<DataFrame> {
    let rows: Vec<(&RunRecord, &HistoryRow)> = runs
        .iter()
        .flat_map(|(run, rows)| rows.iter().map(move |h| (*run, h)))
        .collect();
    let text = |name: &str, pick: fn(&RunRecord) -> &str| {
        Column::new(
            name.into(),
            rows.iter().map(|(r, _)| pick(r)).collect::<Vec<&str>>(),
        )
    };
    let columns = vec![
        text("run_id", |r| &r.run_id),
        text("label", |r| &r.label),
        text("config", |r| &r.config),
        Column::new(
            "fold".into(),
            rows.iter().map(|(_, h)| h.fold).collect::<Vec<u32>>(),
        ),
        Column::new(
            "epoch".into(),
            rows.iter().map(|(_, h)| h.epoch).collect::<Vec<u32>>(),
        ),
        Column::new(
            "train_loss".into(),
            rows.iter().map(|(_, h)| h.train_loss).collect::<Vec<f64>>(),
        ),
        Column::new(
            "val_loss".into(),
            rows.iter()
                .map(|(_, h)| h.val_loss)
                .collect::<Vec<Option<f64>>>(),
        ),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// The predictions table as a frame; see [`write_predictions`] for its columns.
///
/// Takes rows or references to them, so that a sweep's predictions need not be copied.
pub fn predictions_frame<R: Borrow<PredictionRow>>(
    rows: &[R],
    times: &RunTimes,
) -> Result<DataFrame> {
    let rows: Vec<&PredictionRow> = rows.iter().map(Borrow::borrow).collect();
    let mut columns = vec![
        Column::new(
            "run_id".into(),
            rows.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "fold".into(),
            rows.iter().map(|r| r.fold).collect::<Vec<u32>>(),
        ),
        Column::new(
            "split".into(),
            rows.iter().map(|r| r.split.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "position".into(),
            rows.iter().map(|r| r.index).collect::<Vec<u32>>(),
        ),
    ];
    let time: Vec<Option<&str>> = rows.iter().map(|r| time_at(times, r, r.index)).collect();
    if time.iter().any(Option::is_some) {
        columns.push(Column::new("time".into(), time));
    }
    columns.push(Column::new(
        "actual".into(),
        rows.iter().map(|r| r.actual).collect::<Vec<f64>>(),
    ));
    columns.push(Column::new(
        "predicted".into(),
        rows.iter().map(|r| r.predicted).collect::<Vec<f64>>(),
    ));
    for (i, name) in PredictionRow::BASELINES.iter().enumerate() {
        columns.push(Column::new(
            (*name).into(),
            rows.iter()
                .map(|r| r.baselines()[i])
                .collect::<Vec<Option<f64>>>(),
        ));
    }
    // A panel's rows name their series (the column is absent for one series).
    if rows.iter().any(|r| r.series.is_some()) {
        columns.push(Column::new(
            "series".into(),
            rows.iter()
                .map(|r| r.series.clone())
                .collect::<Vec<Option<String>>>(),
        ));
    }
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// Each run's time labels by run id: the experiment's time column, one label per point of
/// the series the run forecast. Runs of a series without time labels are absent.
pub type RunTimes<'a> = HashMap<&'a str, &'a [String]>;

/// The time label of point `position` of the series `row`'s run forecast: `None` without
/// time labels, and for a panel's row (its series' labels are not the run's).
fn time_at<'a>(times: &RunTimes<'a>, row: &PredictionRow, position: u32) -> Option<&'a str> {
    if row.series.is_some() {
        return None;
    }
    let labels = times.get(row.run_id.as_str())?;
    labels.get(position as usize).map(String::as_str)
}

/// Metric column names in order of first appearance across runs.
///
/// Refuses a metric named like a fixed column (`reserved`) and a metric listed twice in one
/// run, either of which would make a column ambiguous.
fn metric_columns(runs: &[RunRecord], reserved: &[&str]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for run in runs {
        let mut in_run: HashSet<&str> = HashSet::new();
        for (name, _) in &run.metrics {
            if reserved.contains(&name.as_str()) {
                bail!(
                    "run {}: metric {name:?} has the name of a fixed runs-table column",
                    run.run_id
                );
            }
            if !in_run.insert(name) {
                bail!("run {}: metric {name:?} is listed twice", run.run_id);
            }
            if seen.insert(name) {
                names.push(name.clone());
            }
        }
    }
    Ok(names)
}

/// Metric names in order of first appearance across `runs` (the runs table's metric columns).
pub fn metric_names(runs: &[RunRecord]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for run in runs {
        for (name, _) in &run.metrics {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

pub(crate) fn write_csv(path: &Path, df: &mut DataFrame) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    CsvWriter::new(file)
        .include_header(true)
        .finish(df)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `df` as Parquet with plain (large) strings: see [`parquet_compat`].
pub(crate) fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    // Buffered: the Parquet writer issues one small write per page header and column chunk.
    let mut sink = std::io::BufWriter::new(file);
    parquet_compat::write(&mut sink, df)
        .and_then(|()| Ok(std::io::Write::flush(&mut sink)?))
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests;
