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
//!   predictions.csv   fold, split, index, actual, predicted
//!   folds.json        each backtest fold's metrics (only with a backtest)
//! ```
//!
//! The folder is written under a temporary name and renamed when complete
//! ([`TempFolder`]), so a folder named like a run id is always a finished run; a crash leaves
//! only a hidden temporary whose lock is free, which the next invocation removes
//! ([`remove_stale_temporaries`]). Floats are written in Rust's shortest round-trip form, so a
//! table rebuilt from disk is bit-identical to one built from the live run.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use super::atomic::{remove_abandoned, TempFolder};
use super::records::{FoldRecord, HistoryRow, PredictionRow, RunRecord};

/// A run's rows of the tables.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedRun {
    pub record: RunRecord,
    pub history: Vec<HistoryRow>,
    pub predictions: Vec<PredictionRow>,
    /// One per backtest fold, oldest first; empty without a backtest.
    pub folds: Vec<FoldRecord>,
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
/// The columns of `predictions.csv`. Files written before backtests lack the leading `fold`.
const PREDICTION_COLUMNS: [&str; 5] = ["fold", "split", "index", "actual", "predicted"];

/// The folder of run `run_id` under `runs_dir`.
pub fn run_dir(runs_dir: &Path, run_id: &str) -> PathBuf {
    runs_dir.join(run_id)
}

/// Whether `runs_dir/<run_id>` holds a finished run.
pub fn is_finished(runs_dir: &Path, run_id: &str) -> bool {
    run_dir(runs_dir, run_id).join(RECORD).is_file()
}

/// Removes the temporary run folders left by interrupted processes: those whose lock is free.
/// Those of live processes (another shard at work on the same folder) are kept.
pub fn remove_stale_temporaries(runs_dir: &Path) -> Result<()> {
    remove_abandoned(runs_dir)
}

/// Writes the run's folder atomically, replacing an older one of the same id.
pub fn write_run(
    runs_dir: &Path,
    run: &FinishedRun,
    config_toml: &str,
    metrics: &impl Serialize,
) -> Result<PathBuf> {
    let folder = TempFolder::beside(&run_dir(runs_dir, &run.record.run_id))?;
    let tmp = folder.path();
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        let p = tmp.join(name);
        std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))
    };
    write("config.toml", config_toml.as_bytes())?;
    write(
        "metrics.json",
        serde_json::to_string_pretty(metrics)?.as_bytes(),
    )?;
    write(HISTORY, &history_csv(&run.history)?)?;
    write(PREDICTIONS, &predictions_csv(&run.predictions)?)?;
    if !run.folds.is_empty() {
        write(FOLDS, serde_json::to_string_pretty(&run.folds)?.as_bytes())?;
    }
    // Last: its presence marks the run as finished.
    write(
        RECORD,
        serde_json::to_string_pretty(&run.record)?.as_bytes(),
    )?;
    folder.commit()
}

/// Reads a finished run back. Errors name the file, and for a bad CSV row its line.
pub fn read_run(dir: &Path) -> Result<FinishedRun> {
    let read = |name: &str| -> Result<String> {
        let p = dir.join(name);
        std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))
    };
    let record: RunRecord = serde_json::from_str(&read(RECORD)?)
        .with_context(|| format!("{}: not a run record", dir.join(RECORD).display()))?;
    let run_id = record.run_id.as_str();
    let history = read_table(&dir.join(HISTORY), &HISTORY_COLUMNS)?
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
    let predictions = read_table(&dir.join(PREDICTIONS), &PREDICTION_COLUMNS)?
        .iter()
        .map(|row| {
            Ok(PredictionRow {
                run_id: run_id.to_string(),
                fold: row.fold()?,
                split: row.cell("split").to_string(),
                index: row.number("index")?,
                actual: row.number("actual")?,
                predicted: row.number("predicted")?,
            })
        })
        .collect::<Result<_>>()?;
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

fn predictions_csv(rows: &[PredictionRow]) -> Result<Vec<u8>> {
    csv_bytes(
        PREDICTION_COLUMNS,
        rows.iter().map(|r| {
            [
                r.fold.to_string(),
                r.split.clone(),
                r.index.to_string(),
                float(r.actual),
                float(r.predicted),
            ]
        }),
    )
}

/// One data row of a run folder's CSV file, with where it came from for error messages.
struct Row<'a> {
    path: &'a Path,
    line: u64,
    /// The file's columns: `columns`, or `columns[1..]` when `has_fold` is false.
    columns: &'a [&'a str],
    has_fold: bool,
    cells: csv::StringRecord,
}

impl Row<'_> {
    /// The cell of `column`, which must be one of the file's columns other than `fold`.
    fn cell(&self, column: &str) -> &str {
        let i = self
            .columns
            .iter()
            .position(|c| *c == column)
            .expect("a column of the file");
        let i = if self.has_fold { i } else { i - 1 };
        &self.cells[i]
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

/// The rows of the CSV file `path`, whose header must be `columns`, or `columns[1..]` (no
/// `fold`) for files written before backtests existed.
fn read_table<'a>(path: &'a Path, columns: &'a [&'a str]) -> Result<Vec<Row<'a>>> {
    let cannot_read = || format!("cannot read {}", path.display());
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(cannot_read)?;
    let header = reader.headers().with_context(cannot_read)?;
    let has_fold = if header.iter().eq(columns.iter().copied()) {
        true
    } else if header.iter().eq(columns[1..].iter().copied()) {
        false
    } else {
        bail!(
            "{}, line 1: expected the columns {}, found {}",
            path.display(),
            columns.join(","),
            header.iter().collect::<Vec<_>>().join(",")
        );
    };
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
            columns,
            has_fold,
            cells,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::atomic::TempFolder;
    use crate::store::records::RunStatus;
    use crate::store::test_support::{listing, run, tempdir};

    fn finished() -> FinishedRun {
        let mut record = run(
            10,
            2,
            RunStatus::Ok,
            &[("test_rmse", 0.1 + 0.2), ("test_mape", f64::NAN)],
        );
        record.train_seconds = 1.0 / 3.0;
        FinishedRun {
            history: vec![
                HistoryRow {
                    run_id: record.run_id.clone(),
                    fold: 1,
                    epoch: 1,
                    train_loss: 1e-17 / 3.0,
                    val_loss: None,
                },
                HistoryRow {
                    run_id: record.run_id.clone(),
                    fold: 2,
                    epoch: 2,
                    train_loss: f64::NAN,
                    val_loss: Some(2.0 / 3.0),
                },
            ],
            predictions: vec![PredictionRow {
                run_id: record.run_id.clone(),
                fold: 2,
                split: "test".into(),
                index: 810,
                actual: -0.506_378_9,
                predicted: std::f64::consts::PI,
            }],
            folds: vec![FoldRecord {
                fold: 2,
                origin: 810,
                end: 1000,
                status: RunStatus::Ok,
                reason: None,
                metrics: vec![("test_rmse".into(), f64::NAN)],
                train_seconds: 0.5,
                epochs: 3,
                best_epoch: 2,
            }],
            record,
        }
    }

    #[test]
    fn a_run_reads_back_bit_for_bit() {
        let dir = tempdir();
        let run = finished();
        let path = write_run(
            dir.path(),
            &run,
            "name = \"x\"\n",
            &serde_json::json!({"n": 1}),
        )
        .unwrap();
        assert_eq!(path, dir.path().join(&run.record.run_id));
        assert!(is_finished(dir.path(), &run.record.run_id));
        assert_eq!(
            listing(dir.path()),
            [run.record.run_id.as_str()],
            "no temporary or lock file is left"
        );
        let back = read_run(&path).unwrap();
        assert_eq!(
            back.record.train_seconds.to_bits(),
            run.record.train_seconds.to_bits()
        );
        assert_eq!(
            back.history[0].train_loss.to_bits(),
            run.history[0].train_loss.to_bits()
        );
        assert!(back.history[1].train_loss.is_nan());
        assert_eq!(back.history[1].val_loss, Some(2.0 / 3.0));
        assert_eq!(back.predictions, run.predictions);
        assert_eq!(back.history[1].fold, 2);
        assert_eq!(back.folds[0].origin, 810);
        assert!(back.folds[0].metrics[0].1.is_nan());
        assert_eq!(back.final_predictions().count(), 1);
        assert_eq!(back.final_history().count(), 1, "fold 2's epoch only");
        let rmse = back
            .record
            .metrics
            .iter()
            .find(|(k, _)| k == "test_rmse")
            .unwrap()
            .1;
        assert_eq!(rmse.to_bits(), (0.1f64 + 0.2).to_bits());
        assert!(back
            .record
            .metrics
            .iter()
            .find(|(k, _)| k == "test_mape")
            .unwrap()
            .1
            .is_nan());
    }

    /// The CSV files are byte for byte what runner wrote before it used the csv crate, so old
    /// and new run folders look the same.
    #[test]
    fn the_csv_files_keep_their_format() {
        let dir = tempdir();
        let mut run = finished();
        run.history.push(HistoryRow {
            run_id: run.record.run_id.clone(),
            fold: 2,
            epoch: 3,
            train_loss: f64::INFINITY,
            val_loss: Some(1.0),
        });
        run.predictions.push(PredictionRow {
            run_id: run.record.run_id.clone(),
            fold: 2,
            split: "validation".into(),
            index: 0,
            actual: -0.0,
            predicted: 1e21,
        });
        let path = write_run(dir.path(), &run, "", &serde_json::json!({})).unwrap();
        assert_eq!(
            std::fs::read_to_string(path.join("history.csv")).unwrap(),
            "fold,epoch,train_loss,val_loss\n\
             1,1,0.0000000000000000033333333333333337,\n\
             2,2,NaN,0.6666666666666666\n\
             2,3,inf,1\n"
        );
        assert_eq!(
            std::fs::read_to_string(path.join("predictions.csv")).unwrap(),
            "fold,split,index,actual,predicted\n\
             2,test,810,-0.5063789,3.141592653589793\n\
             2,validation,0,-0,1000000000000000000000\n"
        );
        let back = read_run(&path).unwrap();
        assert_eq!(back.history[2].train_loss, f64::INFINITY);
        assert_eq!(back.predictions[1].actual.to_bits(), (-0.0f64).to_bits());
        assert_eq!(back.predictions[1].predicted, 1e21);
    }

    #[test]
    fn temporaries_of_dead_processes_are_cleaned_up_and_live_ones_kept() {
        let dir = tempdir();
        let runs = dir.path();
        // A temporary with its lock file, as a writer leaves it while it writes.
        let temporary = |name: &str| {
            let folder = runs.join(name);
            std::fs::create_dir(&folder).unwrap();
            std::fs::write(folder.join(RECORD), "{}").unwrap();
            std::fs::File::create(runs.join(format!("{name}.lock"))).unwrap()
        };
        // Its writer died: nothing holds the lock.
        drop(temporary(".abc.tmp-4999999-0"));
        // Its writer lives (another shard): the lock is held.
        let live = temporary(".def.tmp-12-3");
        live.lock().unwrap();
        // This process's own work in progress.
        let mine = TempFolder::beside(&run_dir(runs, "ghi")).unwrap();
        // Left by a runner from before the lock files: no lock.
        std::fs::create_dir(runs.join(".jkl.tmp-somehost-77")).unwrap();
        let finished = write_run(runs, &finished(), "", &serde_json::json!({})).unwrap();
        let finished_name = finished.file_name().unwrap().to_str().unwrap();
        assert!(!is_finished(runs, "abc"));

        remove_stale_temporaries(runs).unwrap();
        let mut kept = vec![
            ".def.tmp-12-3".to_string(),
            ".def.tmp-12-3.lock".to_string(),
            mine.path()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string(),
            format!(
                "{}.lock",
                mine.path().file_name().unwrap().to_str().unwrap()
            ),
            finished_name.to_string(),
        ];
        kept.sort();
        assert_eq!(listing(runs), kept, "the dead and the lockless are gone");
        assert!(runs.join(".def.tmp-12-3").join(RECORD).is_file());

        // Once the live writer is gone, its temporary goes too.
        drop(live);
        drop(mine);
        remove_stale_temporaries(runs).unwrap();
        assert_eq!(listing(runs), [finished_name]);
        // A missing folder has nothing to clean.
        remove_stale_temporaries(&runs.join("nope")).unwrap();
    }

    #[test]
    fn folders_from_before_backtests_read_as_fold_1() {
        let dir = tempdir();
        let mut run = finished();
        run.folds.clear();
        let path = write_run(dir.path(), &run, "", &serde_json::json!({})).unwrap();
        assert!(!path.join(FOLDS).exists(), "no backtest, no folds file");
        std::fs::write(
            path.join("history.csv"),
            "epoch,train_loss,val_loss\n1,0.5,\n",
        )
        .unwrap();
        std::fs::write(
            path.join("predictions.csv"),
            "split,index,actual,predicted\ntest,810,1,2\n",
        )
        .unwrap();
        let back = read_run(&path).unwrap();
        assert_eq!((back.history[0].fold, back.history[0].epoch), (1, 1));
        assert_eq!(back.history[0].val_loss, None);
        assert_eq!(
            (back.predictions[0].fold, back.predictions[0].index),
            (1, 810)
        );
        assert_eq!(back.predictions[0].split, "test");
        assert_eq!(back.predictions[0].predicted, 2.0);
        assert!(back.folds.is_empty());
        assert_eq!(back.final_predictions().count(), 1);
    }

    #[test]
    fn a_damaged_file_is_named_in_the_error_with_its_line() {
        let dir = tempdir();
        let path = write_run(dir.path(), &finished(), "", &serde_json::json!({})).unwrap();
        let damaged = |name: &str, text: &str| {
            let good = std::fs::read(path.join(name)).unwrap();
            std::fs::write(path.join(name), text).unwrap();
            let err = format!("{:#}", read_run(&path).unwrap_err());
            std::fs::write(path.join(name), good).unwrap();
            err
        };
        let history = path.join("history.csv").display().to_string();
        let predictions = path.join("predictions.csv").display().to_string();
        assert_eq!(
            damaged(
                "history.csv",
                "fold,epoch,train_loss,val_loss\n1,1,0.5,\n1,2,oops,\n"
            ),
            format!("{history}, line 3: train_loss `oops` is not a number")
        );
        assert_eq!(
            damaged(
                "predictions.csv",
                "fold,split,index,actual,predicted\n1,test,810,1\n"
            ),
            format!("{predictions}, line 2: expected 5 fields, found 4")
        );
        assert_eq!(
            damaged("history.csv", "fold,epoch,loss\n1,1,0.5\n"),
            format!(
                "{history}, line 1: expected the columns fold,epoch,train_loss,val_loss, \
                 found fold,epoch,loss"
            )
        );
        assert_eq!(
            damaged("history.csv", "fold,epoch,train_loss,val_loss\n1,-1,0.5,\n"),
            format!("{history}, line 2: epoch `-1` is not a number")
        );
        let err = format!("{:#}", {
            std::fs::remove_file(path.join("predictions.csv")).unwrap();
            read_run(&path).unwrap_err()
        });
        assert!(
            err.starts_with(&format!("cannot read {predictions}")),
            "{err}"
        );
        assert!(read_run(dir.path().join("nope").as_path()).is_err());
    }
}
