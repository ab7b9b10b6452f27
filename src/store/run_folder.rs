//! One finished run on disk: `runs/<run_id>/` holds everything needed to rebuild the
//! experiment's tables without retraining, so finished runs are skipped on the next invocation
//! and shards written by other processes can be merged.
//!
//! ```text
//! runs/<run_id>/
//!   config.toml       the run's resolved experiment
//!   metrics.json      metrics per split (for people)
//!   record.json       the run's row of the runs table (for merging)
//!   history.csv       fold, epoch, train_loss, val_loss
//!   predictions.csv   fold, split, position, actual, predicted, then each baseline's forecast
//!                     (naive, seasonal_naive, drift, ar, transformed_naive, transformed_ar;
//!                     empty on training rows and where not computed)
//!   folds.json        each backtest fold's metrics (only with a backtest)
//!   model.safetensors the fitted network of the last fold (the experiment's own split),
//!                     with its preprocessing (see `saved`); model.fold<j>.safetensors for
//!                     each earlier backtest fold; none for a fold that diverged
//!   manifest.json     name, size and BLAKE3 of each file above (written last)
//! ```
//!
//! The folder is written under a temporary name and renamed when complete ([`TempFolder`]); a
//! crash leaves only a hidden temporary whose lock is free, which the next invocation removes
//! ([`remove_stale_temporaries`]). It is not synced file by file: the sweep syncs its run
//! folders in groups ([`GroupSync`](super::atomic::GroupSync)), since ten syncs per folder
//! dominated sweeps of small networks. What a power cut, a full disk or an edit can leave under
//! a run's name is caught by the [`manifest`](super::manifest):
//! a folder is finished only when its files match their manifest and its record names the run
//! of its folder ([`run_state`]); anything else is [`RunState::Damaged`], retrained and never
//! read into a table. Folders written before manifests existed have none and are retrained
//! once. Floats are written in Rust's shortest round-trip form, so a table rebuilt from disk is
//! bit-identical to one built from the live run.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use super::atomic::{remove_abandoned, TempFolder};
use super::manifest::{self, Manifest, MANIFEST};
use super::records::{FoldRecord, HistoryRow, PredictionRow, RunRecord, SeriesAccuracy, SeriesRow};

/// A run's rows of the tables.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedRun {
    pub record: RunRecord,
    pub history: Vec<HistoryRow>,
    pub predictions: Vec<PredictionRow>,
    /// One per backtest fold, oldest first; empty without a backtest.
    pub folds: Vec<FoldRecord>,
    /// A panel's per-series accuracy (validation and test); empty for one series.
    pub series: Vec<SeriesRow>,
}

impl FinishedRun {
    /// The fold holding the experiment's own split: the last one (1 without a backtest).
    pub fn final_fold(&self) -> u32 {
        self.folds.last().map_or(1, |f| f.fold)
    }

    /// The predictions of the experiment's own split (the final backtest fold).
    pub fn final_predictions(&self) -> impl Iterator<Item = &PredictionRow> {
        let fold = self.final_fold();
        self.predictions.iter().filter(move |p| p.fold == fold)
    }

    /// The training history of the experiment's own split (the final backtest fold).
    pub fn final_history(&self) -> impl Iterator<Item = &HistoryRow> {
        let fold = self.final_fold();
        self.history.iter().filter(move |h| h.fold == fold)
    }
}

const RECORD: &str = "record.json";
const FOLDS: &str = "folds.json";
const HISTORY: &str = "history.csv";
const PREDICTIONS: &str = "predictions.csv";

/// The columns of `history.csv`. Files written before backtests lack the leading `fold`.
const HISTORY_COLUMNS: [&str; 4] = ["fold", "epoch", "train_loss", "val_loss"];
/// The columns of `predictions.csv`. Files written before backtests lack the leading `fold`;
/// files written before the baselines' forecasts were stored end at `predicted`
/// ([`PREDICTION_REQUIRED`] columns); files written before columns were named for query
/// languages call `position` `index` ([`LEGACY_NAMES`]).
const PREDICTION_COLUMNS: [&str; 12] = [
    "fold",
    "split",
    "position",
    "actual",
    "predicted",
    "naive",
    "seasonal_naive",
    "drift",
    "ar",
    "transformed_naive",
    "transformed_ar",
    "series",
];
/// Columns older run folders wrote under another name: (old, current).
const LEGACY_NAMES: [(&str, &str); 1] = [("index", "position")];
/// The leading columns of `predictions.csv` every file has (`fold` aside).
const PREDICTION_REQUIRED: usize = 5;
/// The columns of a single series' `predictions.csv`: all but `series`, written only by
/// panels' runs (so that single-series files keep their bytes).
const PREDICTION_SINGLE: usize = 11;
/// A panel's per-series accuracy, `series.csv` (panels only).
const SERIES: &str = "series.csv";
/// The columns of `series.csv`: the series, its forecast origin, who forecast it, the MASE
/// scale, then sMAPE and MASE of the run's forecast and of each benchmark
/// ([`SeriesRow::BENCHMARKS`] order).
const SERIES_COLUMNS: [&str; 18] = [
    "series",
    "split",
    "origin",
    "forecaster",
    "reason",
    "mase_scale",
    "smape",
    "mase",
    "naive_smape",
    "naive_mase",
    "seasonal_naive_smape",
    "seasonal_naive_mase",
    "naive2_smape",
    "naive2_mase",
    "ses_smape",
    "ses_mase",
    "theta_smape",
    "theta_mase",
];

/// The folder of run `run_id` under `runs_dir`.
pub fn run_dir(runs_dir: &Path, run_id: &str) -> PathBuf {
    runs_dir.join(run_id)
}

/// What is under a run's name in a runs folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    /// No folder: the run has not finished.
    Missing,
    /// A folder that matches its manifest and whose record is the run's.
    Finished,
    /// A folder that is not a finished run, and why: to be retrained, never read.
    Damaged(String),
}

/// Whether `runs_dir/<run_id>` holds a finished run, nothing, or a damaged folder.
pub fn run_state(runs_dir: &Path, run_id: &str) -> RunState {
    let dir = run_dir(runs_dir, run_id);
    if !dir.exists() {
        return RunState::Missing;
    }
    match damage(&dir, run_id) {
        None => RunState::Finished,
        Some(why) => RunState::Damaged(why),
    }
}

/// Whether `runs_dir/<run_id>` holds a finished run (see [`run_state`]).
pub fn is_finished(runs_dir: &Path, run_id: &str) -> bool {
    run_state(runs_dir, run_id) == RunState::Finished
}

/// Whether `run_id`'s folder has a manifest, without verifying it: enough to estimate how
/// much is left to train before the folder is locked, where [`run_state`] decides.
pub fn has_manifest(runs_dir: &Path, run_id: &str) -> bool {
    run_dir(runs_dir, run_id).join(manifest::MANIFEST).is_file()
}

/// What keeps `dir` from being the finished run `run_id`, if anything.
fn damage(dir: &Path, run_id: &str) -> Option<String> {
    if !dir.is_dir() {
        return Some("not a folder".into());
    }
    match manifest::verify(dir) {
        Ok(None) => {}
        Ok(Some(why)) => return Some(why),
        Err(e) => return Some(format!("{e:#}")),
    }
    for required in [RECORD, HISTORY, PREDICTIONS] {
        if !dir.join(required).is_file() {
            return Some(format!("{required} is missing"));
        }
    }
    let record = std::fs::read(dir.join(RECORD)).ok()?;
    match serde_json::from_slice::<RunRecord>(&record) {
        Err(e) => Some(format!("{RECORD} is not a run record: {e}")),
        Ok(r) if r.run_id != run_id => Some(format!(
            "{RECORD} is the record of run {}, not of {run_id}",
            r.run_id
        )),
        Ok(_) => None,
    }
}

/// Removes the temporary run folders left by interrupted processes: those whose lock is free.
/// Those of live processes (another shard at work on the same folder) are kept.
pub fn remove_stale_temporaries(runs_dir: &Path) -> Result<()> {
    remove_abandoned(runs_dir)
}

/// Writes the run's folder atomically, replacing an older one of the same id, without syncing
/// it to disk (the caller's [`GroupSync`](super::atomic::GroupSync) does). `models` are the
/// fitted networks' files (`model.safetensors`, ...), written and checked like the rest.
pub fn write_run(
    runs_dir: &Path,
    run: &FinishedRun,
    config_toml: &str,
    metrics: &impl Serialize,
    models: &[(String, Vec<u8>)],
) -> Result<PathBuf> {
    let folder = TempFolder::beside(&run_dir(runs_dir, &run.record.run_id))?;
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("config.toml", config_toml.as_bytes().to_vec()),
        ("metrics.json", serde_json::to_vec_pretty(metrics)?),
        (HISTORY, history_csv(&run.history)?),
        (PREDICTIONS, predictions_csv(&run.predictions)?),
    ];
    if !run.folds.is_empty() {
        files.push((FOLDS, serde_json::to_vec_pretty(&run.folds)?));
    }
    if !run.series.is_empty() {
        files.push((SERIES, series_csv(&run.series)?));
    }
    for (name, bytes) in models {
        files.push((name.as_str(), bytes.clone()));
    }
    files.push((RECORD, serde_json::to_vec_pretty(&run.record)?));
    let manifest = Manifest::of(files.iter().map(|(n, b)| (*n, b.as_slice())));
    // Last: a folder whose files all match it is a finished run.
    files.push((MANIFEST, manifest.to_json()?));
    for (name, bytes) in &files {
        let p = folder.path().join(name);
        std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
    }
    folder.commit_unsynced()
}

/// Reads a finished run back: only a folder that matches its manifest and whose record is
/// the run of its folder name (see [`run_state`]). Errors name the folder and what is wrong
/// with it, or the file, and for a bad CSV row its line.
pub fn read_run(dir: &Path) -> Result<FinishedRun> {
    let run_id = dir.file_name().unwrap_or_default().to_string_lossy();
    if let Some(why) = damage(dir, &run_id) {
        bail!("{}: damaged run folder: {why}", dir.display());
    }
    read_files(dir)
}

/// Reads a run folder that [`run_state`] found finished, or that this process wrote, while it
/// holds the results folder's lock (so nothing changed it since): [`read_run`] without
/// checking every file against the manifest a second time.
pub fn read_checked_run(dir: &Path) -> Result<FinishedRun> {
    read_files(dir)
}

/// Parses a run folder's files without checking them against their manifest.
fn read_files(dir: &Path) -> Result<FinishedRun> {
    let read = |name: &str| -> Result<String> {
        let p = dir.join(name);
        std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))
    };
    let record: RunRecord = serde_json::from_str(&read(RECORD)?)
        .with_context(|| format!("{}: not a run record", dir.join(RECORD).display()))?;
    let run_id = record.run_id.as_str();
    let history = read_table(&dir.join(HISTORY), &HISTORY_COLUMNS, &[])?
        .iter()
        .map(|row| {
            Ok(HistoryRow {
                run_id: run_id.to_string(),
                fold: row.fold()?,
                epoch: row.number("epoch")?,
                train_loss: row.number("train_loss")?,
                val_loss: match row.cell("val_loss") {
                    "" => None,
                    _ => Some(row.number("val_loss")?),
                },
            })
        })
        .collect::<Result<_>>()?;
    let predictions = read_table(
        &dir.join(PREDICTIONS),
        &PREDICTION_COLUMNS,
        &[PREDICTION_SINGLE, PREDICTION_REQUIRED],
    )?
    .iter()
    .map(|row| {
        let mut p = PredictionRow {
            run_id: run_id.to_string(),
            fold: row.fold()?,
            split: row.cell("split").to_string(),
            index: row.number("position")?,
            actual: row.number("actual")?,
            predicted: row.number("predicted")?,
            ..PredictionRow::default()
        };
        for key in PredictionRow::BASELINES {
            *p.baseline_mut(key).expect("a baseline column") = row.optional_number(key)?;
        }
        p.series = row.try_cell("series").map(str::to_string);
        Ok(p)
    })
    .collect::<Result<_>>()?;
    let series = if dir.join(SERIES).is_file() {
        read_table(&dir.join(SERIES), &SERIES_COLUMNS, &[])?
            .iter()
            .map(|row| {
                let accuracy = |prefix: &str| -> Result<SeriesAccuracy> {
                    let name = |m: &str| match prefix {
                        "" => m.to_string(),
                        p => format!("{p}_{m}"),
                    };
                    Ok(SeriesAccuracy {
                        smape: row.number(&name("smape"))?,
                        mase: row.number(&name("mase"))?,
                    })
                };
                let mut benchmarks = [SeriesAccuracy {
                    smape: f64::NAN,
                    mase: f64::NAN,
                }; 5];
                for (b, key) in benchmarks.iter_mut().zip(SeriesRow::BENCHMARKS) {
                    *b = accuracy(key)?;
                }
                Ok(SeriesRow {
                    run_id: run_id.to_string(),
                    series: row.cell("series").to_string(),
                    split: row.cell("split").to_string(),
                    origin: row.number("origin")?,
                    forecaster: row.cell("forecaster").to_string(),
                    reason: Some(row.cell("reason").to_string()).filter(|r| !r.is_empty()),
                    mase_scale: row.number("mase_scale")?,
                    accuracy: accuracy("")?,
                    benchmarks,
                })
            })
            .collect::<Result<_>>()?
    } else {
        Vec::new()
    };
    let folds = if dir.join(FOLDS).is_file() {
        serde_json::from_str(&read(FOLDS)?)
            .with_context(|| format!("{}: not a list of folds", dir.join(FOLDS).display()))?
    } else {
        Vec::new()
    };
    Ok(FinishedRun {
        record,
        history,
        predictions,
        folds,
        series,
    })
}

/// A float as run folders have always written it: Rust's `Display`, the shortest text that
/// parses back to the same value, without exponent (`0.5`, `1`, `NaN`, `inf`).
fn float(v: f64) -> String {
    v.to_string()
}

/// `rows` as CSV bytes under the header `columns`.
fn csv_bytes<const N: usize>(
    columns: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(columns)?;
    for row in rows {
        writer.write_record(row)?;
    }
    writer.into_inner().context("cannot format CSV")
}

fn history_csv(rows: &[HistoryRow]) -> Result<Vec<u8>> {
    csv_bytes(
        HISTORY_COLUMNS,
        rows.iter().map(|r| {
            [
                r.fold.to_string(),
                r.epoch.to_string(),
                float(r.train_loss),
                r.val_loss.map(float).unwrap_or_default(),
            ]
        }),
    )
}

fn series_csv(rows: &[SeriesRow]) -> Result<Vec<u8>> {
    csv_bytes(
        SERIES_COLUMNS,
        rows.iter().map(|r| {
            let mut cells = vec![
                r.series.clone(),
                r.split.clone(),
                r.origin.to_string(),
                r.forecaster.clone(),
                r.reason.clone().unwrap_or_default(),
                float(r.mase_scale),
                float(r.accuracy.smape),
                float(r.accuracy.mase),
            ];
            for b in &r.benchmarks {
                cells.push(float(b.smape));
                cells.push(float(b.mase));
            }
            cells.try_into().expect("one cell per series column")
        }),
    )
}

fn predictions_csv(rows: &[PredictionRow]) -> Result<Vec<u8>> {
    debug_assert_eq!(
        PREDICTION_COLUMNS[PREDICTION_REQUIRED..PREDICTION_SINGLE],
        PredictionRow::BASELINES
    );
    if rows.iter().any(|r| r.series.is_some()) {
        return csv_bytes(
            PREDICTION_COLUMNS,
            rows.iter().map(|r| {
                let mut cells = prediction_cells(r).to_vec();
                cells.push(r.series.clone().unwrap_or_default());
                cells.try_into().expect("one cell per prediction column")
            }),
        );
    }
    let single: [&str; PREDICTION_SINGLE] = PREDICTION_COLUMNS[..PREDICTION_SINGLE]
        .try_into()
        .expect("the single-series columns");
    csv_bytes(single, rows.iter().map(prediction_cells))
}

/// A prediction row's cells under the single-series columns.
fn prediction_cells(r: &PredictionRow) -> [String; PREDICTION_SINGLE] {
    let [naive, seasonal_naive, drift, ar, transformed_naive, transformed_ar] =
        r.baselines().map(|b| b.map(float).unwrap_or_default());
    [
        r.fold.to_string(),
        r.split.clone(),
        r.index.to_string(),
        float(r.actual),
        float(r.predicted),
        naive,
        seasonal_naive,
        drift,
        ar,
        transformed_naive,
        transformed_ar,
    ]
}

/// One data row of a run folder's CSV file, with where it came from for error messages.
struct Row<'a> {
    path: &'a Path,
    line: u64,
    /// The file's columns, in order: a run of the expected columns (see [`read_table`]).
    columns: &'a [&'a str],
    has_fold: bool,
    cells: csv::StringRecord,
}

impl Row<'_> {
    /// The cell of `column`, which must be one of the file's columns.
    fn cell(&self, column: &str) -> &str {
        self.try_cell(column).expect("a column of the file")
    }

    /// The cell of `column`; `None` when the file has no such column.
    fn try_cell(&self, column: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| *c == column)?;
        Some(&self.cells[i])
    }

    /// A number that may be missing: `None` when the file has no such column (written
    /// before it existed) or the cell is empty.
    fn optional_number<T: FromStr>(&self, column: &str) -> Result<Option<T>> {
        match self.try_cell(column) {
            None | Some("") => Ok(None),
            Some(_) => self.number(column).map(Some),
        }
    }

    fn number<T: FromStr>(&self, column: &str) -> Result<T> {
        let s = self.cell(column);
        s.parse().map_err(|_| {
            anyhow!(
                "{}, line {}: {column} `{s}` is not a number",
                self.path.display(),
                self.line
            )
        })
    }

    /// The row's fold: 1 in files written before backtests, which have no such column.
    fn fold(&self) -> Result<u32> {
        if self.has_fold {
            self.number("fold")
        } else {
            Ok(1)
        }
    }
}

/// A column's name as runner writes it now, for a name an older run folder used.
fn current_name(name: &str) -> &str {
    LEGACY_NAMES
        .iter()
        .find(|(old, _)| *old == name)
        .map_or(name, |(_, new)| new)
}

/// The rows of the CSV file `path`, whose header must be `columns` (or an older name of
/// one, see [`LEGACY_NAMES`]), or their first `n` for
/// an `n` of `shorter` (files written before the later columns existed, or without a
/// panel's `series`), and with a leading `fold` also without it (files written before
/// backtests existed).
fn read_table<'a>(
    path: &'a Path,
    columns: &'a [&'a str],
    shorter: &[usize],
) -> Result<Vec<Row<'a>>> {
    let cannot_read = || format!("cannot read {}", path.display());
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(cannot_read)?;
    let header = reader.headers().with_context(cannot_read)?;
    let found = std::iter::once(columns.len())
        .chain(shorter.iter().copied())
        .flat_map(|end| {
            let without_fold = (columns.first() == Some(&"fold")).then(|| &columns[1..end]);
            std::iter::once(&columns[..end]).chain(without_fold)
        })
        .find(|layout| header.iter().map(current_name).eq(layout.iter().copied()));
    let Some(file_columns) = found else {
        bail!(
            "{}, line 1: expected the columns {}, found {}",
            path.display(),
            columns.join(","),
            header.iter().collect::<Vec<_>>().join(",")
        );
    };
    let has_fold = file_columns.first() == columns.first();
    let width = header.len();
    let mut rows = Vec::new();
    for cells in reader.records() {
        let cells = cells.with_context(cannot_read)?;
        let line = cells.position().map_or(0, csv::Position::line);
        if cells.len() != width {
            bail!(
                "{}, line {line}: expected {width} fields, found {}",
                path.display(),
                cells.len()
            );
        }
        rows.push(Row {
            path,
            line,
            columns: file_columns,
            has_fold,
            cells,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests;
