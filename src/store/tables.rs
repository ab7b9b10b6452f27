//! The results tables: records → polars frames → CSV (for people) and Parquet (for tools).
//!
//! Numbers stay numbers: every metric, loss and time is a `Float64` column, counts are
//! `UInt32`, and a missing or non-finite metric is a null cell (empty in CSV), never a string.

use std::collections::HashSet;
use std::fs::File;
use std::path::Path;

use anyhow::{bail, Context, Result};
use polars::prelude::{
    Column, CsvWriter, DataFrame, ParquetReader, ParquetWriter, SerReader, SerWriter,
};
use serde::Serialize;

use super::atomic::write_file;
use super::layout::{
    FOLDS_CSV, FOLDS_PARQUET, HISTORY_CSV, HISTORY_PARQUET, PREDICTIONS_PARQUET, RUNS_CSV,
    RUNS_PARQUET,
};
use super::param_columns::{param_cell, param_columns, param_keys};
use super::records::{FoldRecord, HistoryRow, ParamValue, PredictionRow, RunRecord, RunStatus};

/// Columns of the runs table around the parameter and metric columns:
/// `LEADING, <params>, STATUS, <metrics>, TRAILING`.
const RUNS_LEADING: [&str; 4] = ["run_id", "label", "config", "seed"];
const RUNS_STATUS: [&str; 2] = ["status", "reason"];
const RUNS_TRAILING: [&str; 2] = ["train_seconds", "epochs"];

/// Writes `dir/runs.csv` and `dir/runs.parquet`, one row per run.
///
/// Columns: `run_id, label, config` (strings), `seed: UInt64`, one typed column per swept key
/// in order of first appearance (see [`param_columns`](super::param_columns)), `status, reason`
/// (strings, `reason` nullable), one `Float64` column per metric name in order of first
/// appearance across `runs`, then `train_seconds: Float64, epochs: UInt32`.
pub fn write_runs(dir: &Path, runs: &[RunRecord]) -> Result<()> {
    let mut df = runs_frame(runs)?;
    write_csv(&dir.join(RUNS_CSV), &mut df)?;
    write_parquet(&dir.join(RUNS_PARQUET), &mut df)
}

/// Reads `dir/runs.parquet` back into records, in table order.
///
/// Null cells are left out: a null metric is absent from the run's `metrics` (it was NaN,
/// infinite or missing when written), a null parameter absent from its `params`. A column
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
    let df = ParquetReader::new(file)
        .finish()
        .with_context(|| format!("cannot read {}", path.display()))?;
    runs_from_frame(&df).with_context(|| format!("{} is not a runs table", path.display()))
}

/// The runs table as a frame; see [`write_runs`] for its columns.
pub fn runs_frame(runs: &[RunRecord]) -> Result<DataFrame> {
    let fixed: Vec<&str> = RUNS_LEADING
        .iter()
        .chain(&RUNS_STATUS)
        .chain(&RUNS_TRAILING)
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
    Ok(DataFrame::new(runs.len(), columns)?)
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

    let text = |name: &str| -> Result<Vec<Option<String>>> {
        let col = df.column(name)?;
        let ca = col
            .str()
            .with_context(|| format!("column {name:?} is not text"))?;
        Ok((0..ca.len())
            .map(|i| ca.get(i).map(str::to_string))
            .collect())
    };
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
        for col in param_cols {
            if let Some(v) = param_cell(col, row)? {
                params.push((col.name().to_string(), v));
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
        });
    }
    Ok(runs)
}

/// Writes `dir/folds.csv` and `dir/folds.parquet`, one row per backtest fold of each run:
/// the runs table's columns (the fold's metrics, status, time and epochs in place of the
/// run's means) with `fold, origin, end, best_epoch: UInt32` after `run_id`.
pub fn write_folds(dir: &Path, runs: &[(&RunRecord, &[FoldRecord])]) -> Result<()> {
    let mut df = folds_frame(runs)?;
    write_csv(&dir.join(FOLDS_CSV), &mut df)?;
    write_parquet(&dir.join(FOLDS_PARQUET), &mut df)
}

/// The folds table as a frame; see [`write_folds`] for its columns.
pub fn folds_frame(runs: &[(&RunRecord, &[FoldRecord])]) -> Result<DataFrame> {
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
    Ok(df)
}

/// Writes `dir/history.csv` and `dir/history.parquet`:
/// `run_id: String, fold: UInt32, epoch: UInt32, train_loss: Float64, val_loss: Float64 (nullable)`.
pub fn write_history(dir: &Path, rows: &[HistoryRow]) -> Result<()> {
    let mut df = history_frame(rows)?;
    write_csv(&dir.join(HISTORY_CSV), &mut df)?;
    write_parquet(&dir.join(HISTORY_PARQUET), &mut df)
}

/// Writes `dir/predictions.parquet`:
/// `run_id: String, fold: UInt32, split: String, index: UInt32, actual: Float64,
/// predicted: Float64`.
///
/// Parquet only: a sweep's predictions are too many rows to be read as CSV by a person.
pub fn write_predictions(dir: &Path, rows: &[PredictionRow]) -> Result<()> {
    let mut df = predictions_frame(rows)?;
    write_parquet(&dir.join(PREDICTIONS_PARQUET), &mut df)
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
pub fn history_frame(rows: &[HistoryRow]) -> Result<DataFrame> {
    let columns = vec![
        Column::new(
            "run_id".into(),
            rows.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "fold".into(),
            rows.iter().map(|r| r.fold).collect::<Vec<u32>>(),
        ),
        Column::new(
            "epoch".into(),
            rows.iter().map(|r| r.epoch).collect::<Vec<u32>>(),
        ),
        Column::new(
            "train_loss".into(),
            rows.iter().map(|r| r.train_loss).collect::<Vec<f64>>(),
        ),
        Column::new(
            "val_loss".into(),
            rows.iter()
                .map(|r| r.val_loss)
                .collect::<Vec<Option<f64>>>(),
        ),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// The predictions table as a frame; see [`write_predictions`] for its columns.
pub fn predictions_frame(rows: &[PredictionRow]) -> Result<DataFrame> {
    let columns = vec![
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
            "index".into(),
            rows.iter().map(|r| r.index).collect::<Vec<u32>>(),
        ),
        Column::new(
            "actual".into(),
            rows.iter().map(|r| r.actual).collect::<Vec<f64>>(),
        ),
        Column::new(
            "predicted".into(),
            rows.iter().map(|r| r.predicted).collect::<Vec<f64>>(),
        ),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
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

pub(crate) fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(file)
        .finish(df)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::tempdir;
    use polars::prelude::{CsvReadOptions, DataType, ParquetReader, SerReader};

    fn read_parquet(path: &Path) -> DataFrame {
        ParquetReader::new(File::open(path).unwrap())
            .finish()
            .unwrap()
    }

    fn read_csv(path: &Path) -> DataFrame {
        CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .unwrap()
            .finish()
            .unwrap()
    }

    fn names(df: &DataFrame) -> Vec<String> {
        df.get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect()
    }

    fn f64_at(df: &DataFrame, col: &str, row: usize) -> Option<f64> {
        df.column(col).unwrap().f64().unwrap().get(row)
    }

    fn sample_runs() -> Vec<RunRecord> {
        vec![
            RunRecord {
                run_id: "r0".into(),
                label: "lookback=10 lr=0.001 seed=1".into(),
                config: "lookback=10 lr=0.001".into(),
                seed: 1,
                params: vec![
                    ("window.lookback".into(), ParamValue::Int(10)),
                    ("train.learning_rate".into(), ParamValue::Float(0.001)),
                ],
                status: RunStatus::Ok,
                reason: None,
                metrics: vec![
                    ("test_rmse".into(), 0.0125),
                    ("test_mape".into(), f64::NAN),
                    ("naive_test_rmse".into(), 0.0628),
                ],
                train_seconds: 12.5,
                epochs: 50,
            },
            RunRecord {
                run_id: "r1".into(),
                label: "lookback=20 lr=0.003 seed=2".into(),
                config: "lookback=20 lr=0.003".into(),
                seed: 2,
                params: vec![
                    ("window.lookback".into(), ParamValue::Int(20)),
                    ("train.learning_rate".into(), ParamValue::Float(0.003)),
                ],
                status: RunStatus::Diverged,
                reason: Some("loss is NaN at epoch 3".into()),
                // Lacks test_mape and naive_test_rmse, brings a new metric.
                metrics: vec![("test_rmse".into(), f64::INFINITY), ("r2".into(), -1.5)],
                train_seconds: 0.75,
                epochs: 3,
            },
        ]
    }

    #[test]
    fn runs_parquet_has_numeric_metric_columns_and_nulls_for_missing() {
        let tmp = tempdir();
        write_runs(tmp.path(), &sample_runs()).unwrap();
        let df = read_parquet(&tmp.path().join("runs.parquet"));

        assert_eq!(
            names(&df),
            [
                "run_id",
                "label",
                "config",
                "seed",
                "window.lookback",
                "train.learning_rate",
                "status",
                "reason",
                "test_rmse",
                "test_mape",
                "naive_test_rmse",
                "r2",
                "train_seconds",
                "epochs"
            ]
        );
        assert_eq!(df.height(), 2);
        let dtype = |c: &str| df.column(c).unwrap().dtype().clone();
        assert_eq!(dtype("run_id"), DataType::String);
        assert_eq!(dtype("reason"), DataType::String);
        for c in [
            "test_rmse",
            "test_mape",
            "naive_test_rmse",
            "r2",
            "train_seconds",
        ] {
            assert_eq!(dtype(c), DataType::Float64, "{c}");
        }
        assert_eq!(dtype("epochs"), DataType::UInt32);
        assert_eq!(dtype("seed"), DataType::UInt64);
        assert_eq!(dtype("window.lookback"), DataType::Int64);
        assert_eq!(dtype("train.learning_rate"), DataType::Float64);
        assert_eq!(df.column("seed").unwrap().u64().unwrap().get(1), Some(2));
        assert_eq!(
            df.column("window.lookback").unwrap().i64().unwrap().get(1),
            Some(20)
        );
        assert_eq!(f64_at(&df, "train.learning_rate", 0), Some(0.001));
        assert_eq!(
            df.column("config").unwrap().str().unwrap().get(0),
            Some("lookback=10 lr=0.001")
        );

        assert_eq!(f64_at(&df, "test_rmse", 0), Some(0.0125));
        // NaN, infinite and absent metrics are nulls, not NaN and not strings.
        assert_eq!(f64_at(&df, "test_mape", 0), None);
        assert_eq!(f64_at(&df, "test_rmse", 1), None);
        assert_eq!(f64_at(&df, "naive_test_rmse", 1), None);
        assert_eq!(f64_at(&df, "r2", 0), None);
        assert_eq!(f64_at(&df, "r2", 1), Some(-1.5));
        assert_eq!(f64_at(&df, "train_seconds", 1), Some(0.75));
        assert_eq!(df.column("epochs").unwrap().u32().unwrap().get(0), Some(50));
        let status = df.column("status").unwrap();
        assert_eq!(status.str().unwrap().get(1), Some("diverged"));
        let reason = df.column("reason").unwrap();
        assert_eq!(reason.str().unwrap().get(0), None);
        assert_eq!(reason.str().unwrap().get(1), Some("loss is NaN at epoch 3"));
    }

    #[test]
    fn runs_csv_reads_back_with_the_same_columns_and_values() {
        let tmp = tempdir();
        write_runs(tmp.path(), &sample_runs()).unwrap();
        let text = std::fs::read_to_string(tmp.path().join("runs.csv")).unwrap();
        // Nulls are empty cells; the all-null test_mape column stays empty.
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "run_id,label,config,seed,window.lookback,train.learning_rate,status,reason,\
                 test_rmse,test_mape,naive_test_rmse,r2,train_seconds,epochs",
                "r0,lookback=10 lr=0.001 seed=1,lookback=10 lr=0.001,1,10,0.001,ok,,0.0125,,0.0628,,12.5,50",
                "r1,lookback=20 lr=0.003 seed=2,lookback=20 lr=0.003,2,20,0.003,\
                 diverged,loss is NaN at epoch 3,,,,-1.5,0.75,3",
            ]
        );
        let df = read_csv(&tmp.path().join("runs.csv"));
        assert_eq!(df.height(), 2);
        assert_eq!(f64_at(&df, "test_rmse", 0), Some(0.0125));
        assert_eq!(f64_at(&df, "r2", 1), Some(-1.5));
    }

    #[test]
    fn empty_runs_still_write_the_fixed_columns() {
        let tmp = tempdir();
        write_runs(tmp.path(), &[]).unwrap();
        let df = read_parquet(&tmp.path().join("runs.parquet"));
        assert_eq!(df.height(), 0);
        assert_eq!(
            names(&df),
            [
                "run_id",
                "label",
                "config",
                "seed",
                "status",
                "reason",
                "train_seconds",
                "epochs"
            ]
        );
    }

    #[test]
    fn runs_refuse_ambiguous_metric_names() {
        let mut runs = sample_runs();
        runs[0].metrics.push(("epochs".into(), 1.0));
        let err = runs_frame(&runs).unwrap_err().to_string();
        assert!(err.contains("\"epochs\"") && err.contains("r0"), "{err}");

        let mut runs = sample_runs();
        runs[1].metrics.push(("r2".into(), 0.5));
        let err = runs_frame(&runs).unwrap_err().to_string();
        assert!(
            err.contains("\"r2\" is listed twice") && err.contains("r1"),
            "{err}"
        );

        let mut runs = sample_runs();
        runs[1].params.push(("r2".into(), ParamValue::Int(1)));
        let err = runs_frame(&runs).unwrap_err().to_string();
        assert!(
            err.contains("run r1") && err.contains("swept key \"r2\""),
            "{err}"
        );
    }

    #[test]
    fn read_runs_gives_back_the_records_written() {
        let tmp = tempdir();
        let mut runs = sample_runs();
        // Finite metrics only: a NaN metric is written as null and comes back absent.
        runs[0].metrics.retain(|(_, v)| v.is_finite());
        runs[1].metrics.retain(|(_, v)| v.is_finite());
        runs[1]
            .params
            .push(("model.units".into(), ParamValue::Str("50x50".into())));
        runs[1]
            .params
            .push(("train.shuffle".into(), ParamValue::Bool(false)));
        // The whole u64 range survives (UInt64 in the Parquet, not Int64).
        runs[1].seed = u64::MAX;
        runs.push(RunRecord {
            run_id: "r2".into(),
            label: "seed=3".into(),
            config: "".into(),
            seed: 3,
            params: vec![],
            status: RunStatus::Failed,
            reason: Some("data: column \"y\" not found".into()),
            metrics: vec![],
            train_seconds: 0.0,
            epochs: 0,
        });
        write_runs(tmp.path(), &runs).unwrap();
        let back = read_runs(tmp.path()).unwrap();
        assert_eq!(back, runs);

        // Non-finite metrics: absent after the round trip, the others kept in column order.
        write_runs(tmp.path(), &sample_runs()).unwrap();
        let back = read_runs(tmp.path()).unwrap();
        assert_eq!(
            back[0].metrics,
            [
                ("test_rmse".to_string(), 0.0125),
                ("naive_test_rmse".to_string(), 0.0628)
            ]
        );
        assert_eq!(back[1].metrics, [("r2".to_string(), -1.5)]);
    }

    #[test]
    fn read_runs_names_the_folder_when_there_is_no_table() {
        let tmp = tempdir();
        let err = format!("{:#}", read_runs(tmp.path()).unwrap_err());
        assert!(
            err.contains(&format!("{} has no runs.parquet", tmp.path().display())),
            "{err}"
        );
        let missing = tmp.path().join("nope");
        let err = format!("{:#}", read_runs(&missing).unwrap_err());
        assert!(
            err.contains(&format!(
                "results folder {} does not exist",
                missing.display()
            )),
            "{err}"
        );
        // A Parquet file of another shape is refused, naming the file.
        write_history(tmp.path(), &[]).unwrap();
        std::fs::rename(
            tmp.path().join("history.parquet"),
            tmp.path().join("runs.parquet"),
        )
        .unwrap();
        let err = format!("{:#}", read_runs(tmp.path()).unwrap_err());
        assert!(err.contains("runs.parquet is not a runs table"), "{err}");
    }

    #[test]
    fn history_tables_have_typed_columns_and_nullable_val_loss() {
        let tmp = tempdir();
        let rows: Vec<HistoryRow> = (1..=3)
            .map(|epoch| HistoryRow {
                run_id: "r0".into(),
                fold: 1,
                epoch,
                train_loss: 1.0 / f64::from(epoch),
                val_loss: (epoch != 2).then(|| 2.0 / f64::from(epoch)),
            })
            .collect();
        write_history(tmp.path(), &rows).unwrap();
        for df in [
            read_parquet(&tmp.path().join("history.parquet")),
            read_csv(&tmp.path().join("history.csv")),
        ] {
            assert_eq!(
                names(&df),
                ["run_id", "fold", "epoch", "train_loss", "val_loss"]
            );
            assert_eq!(df.height(), 3);
            assert_eq!(f64_at(&df, "train_loss", 1), Some(0.5));
            assert_eq!(f64_at(&df, "val_loss", 1), None);
            // 2 / 3 survives the round trip exactly (both formats keep full precision).
            assert_eq!(f64_at(&df, "val_loss", 2), Some(2.0 / 3.0));
        }
        let df = read_parquet(&tmp.path().join("history.parquet"));
        assert_eq!(df.column("epoch").unwrap().dtype(), &DataType::UInt32);
        assert_eq!(df.column("epoch").unwrap().u32().unwrap().get(2), Some(3));
    }

    #[test]
    fn folds_table_has_one_row_per_fold_with_the_fold_columns_after_run_id() {
        let tmp = tempdir();
        let runs = sample_runs();
        let fold = |n: u32, rmse: f64| FoldRecord {
            fold: n,
            origin: 100 + 10 * n,
            end: 110 + 10 * n,
            status: RunStatus::Ok,
            reason: None,
            metrics: vec![("test_rmse".into(), rmse)],
            train_seconds: 0.5,
            epochs: 7,
            best_epoch: 4,
        };
        let first = [fold(1, 0.25), fold(2, f64::NAN)];
        let second = [fold(1, 0.5)];
        write_folds(tmp.path(), &[(&runs[0], &first), (&runs[1], &second)]).unwrap();
        for df in [
            read_parquet(&tmp.path().join("folds.parquet")),
            read_csv(&tmp.path().join("folds.csv")),
        ] {
            assert_eq!(df.height(), 3);
            assert_eq!(
                names(&df)[..6],
                ["run_id", "fold", "origin", "end", "best_epoch", "label"]
            );
            assert_eq!(f64_at(&df, "test_rmse", 0), Some(0.25));
            assert_eq!(f64_at(&df, "test_rmse", 1), None, "NaN is a null cell");
            assert_eq!(f64_at(&df, "test_rmse", 2), Some(0.5));
        }
        let df = read_parquet(&tmp.path().join("folds.parquet"));
        let origin = df.column("origin").unwrap().u32().unwrap();
        assert_eq!((origin.get(0), origin.get(1)), (Some(110), Some(120)));
        assert_eq!(
            df.column("run_id").unwrap().str().unwrap().get(2),
            Some(runs[1].run_id.as_str())
        );
        assert_eq!(df.column("epochs").unwrap().u32().unwrap().get(0), Some(7));
    }

    #[test]
    fn predictions_parquet_has_typed_columns() {
        let tmp = tempdir();
        let rows: Vec<PredictionRow> = ["train", "train", "validation", "test"]
            .iter()
            .enumerate()
            .map(|(i, split)| PredictionRow {
                run_id: "r0".into(),
                fold: 2,
                split: (*split).into(),
                index: 10 + i as u32,
                actual: i as f64,
                predicted: i as f64 + 0.25,
            })
            .collect();
        write_predictions(tmp.path(), &rows).unwrap();
        assert!(!tmp.path().join("predictions.csv").exists());
        let df = read_parquet(&tmp.path().join("predictions.parquet"));
        assert_eq!(
            names(&df),
            ["run_id", "fold", "split", "index", "actual", "predicted"]
        );
        assert_eq!(df.height(), 4);
        assert_eq!(df.column("fold").unwrap().u32().unwrap().get(0), Some(2));
        assert_eq!(df.column("split").unwrap().dtype(), &DataType::String);
        assert_eq!(df.column("index").unwrap().dtype(), &DataType::UInt32);
        assert_eq!(df.column("actual").unwrap().dtype(), &DataType::Float64);
        assert_eq!(df.column("predicted").unwrap().dtype(), &DataType::Float64);
        assert_eq!(df.column("index").unwrap().u32().unwrap().get(3), Some(13));
        assert_eq!(f64_at(&df, "predicted", 3), Some(3.25));
        assert_eq!(
            df.column("split").unwrap().str().unwrap().get(2),
            Some("validation")
        );
    }

    #[test]
    fn write_json_is_pretty_and_turns_nan_into_null() {
        let tmp = tempdir();
        let path = tmp.path().join("metrics.json");
        let value = serde_json::json!({"test_rmse": 0.5, "mape": f64::NAN});
        write_json(&path, &value).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\n  \"test_rmse\": 0.5"), "{text}");
        assert!(text.ends_with("}\n"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["test_rmse"], 0.5);
        assert!(back["mape"].is_null());
        // Replaces an older file, through a temporary that does not stay.
        write_json(&path, &serde_json::json!([1])).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[\n  1\n]\n");
        assert_eq!(
            crate::store::test_support::listing(tmp.path()),
            ["metrics.json"]
        );
        let err = format!(
            "{:#}",
            write_json(&tmp.path().join("no/x.json"), &1).unwrap_err()
        );
        assert!(
            err.starts_with(&format!("cannot write {}/no/x.json", tmp.path().display())),
            "{err}"
        );
    }

    #[test]
    fn write_errors_name_the_file() {
        let missing = Path::new("/nonexistent-runner-dir");
        let err = format!("{:#}", write_runs(missing, &sample_runs()).unwrap_err());
        assert!(err.contains("/nonexistent-runner-dir/runs.csv"), "{err}");
    }
}
