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
//! The folder is written under a temporary name and renamed when complete, so a folder named
//! like a run id is always a finished run; a crash leaves only a `.tmp` folder, which the next
//! invocation removes. Floats are written in Rust's shortest round-trip form, so a table rebuilt
//! from disk is bit-identical to one built from the live run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Serialize;

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
const TMP_MARK: &str = ".tmp-";

/// The folder of run `run_id` under `runs_dir`.
pub fn run_dir(runs_dir: &Path, run_id: &str) -> PathBuf {
    runs_dir.join(run_id)
}

/// Whether `runs_dir/<run_id>` holds a finished run.
pub fn is_finished(runs_dir: &Path, run_id: &str) -> bool {
    run_dir(runs_dir, run_id).join(RECORD).is_file()
}

/// The temporary folder a run is assembled in before its rename: named after the host and
/// process, so that shards sharing one results folder (a Slurm array) can tell their own
/// work in progress from what an interrupted process left behind.
pub fn temporary_dir(runs_dir: &Path, run_id: &str) -> PathBuf {
    runs_dir.join(format!(
        ".{run_id}{TMP_MARK}{}-{}",
        host_name(),
        std::process::id()
    ))
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Whether a temporary folder name belongs to a process of this host that no longer runs.
/// Folders of other hosts, and of live processes (another shard at work), are left alone.
fn is_stale(name: &str) -> bool {
    let Some((_, owner)) = name.split_once(TMP_MARK) else {
        return false;
    };
    let Some((host, pid)) = owner.rsplit_once('-') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    host == host_name() && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes temporary folders left by interrupted processes of this host. A folder that
/// vanishes meanwhile (its owner finished) is not an error.
pub fn remove_stale_temporaries(runs_dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(runs_dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && is_stale(&name) {
            match std::fs::remove_dir_all(entry.path()) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e)
                        .with_context(|| format!("cannot remove {}", entry.path().display()))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Writes the run's folder atomically, replacing an older one of the same id.
pub fn write_run(
    runs_dir: &Path,
    run: &FinishedRun,
    config_toml: &str,
    metrics: &impl Serialize,
) -> Result<PathBuf> {
    std::fs::create_dir_all(runs_dir)
        .with_context(|| format!("cannot create {}", runs_dir.display()))?;
    let id = &run.record.run_id;
    let tmp = temporary_dir(runs_dir, id);
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let write = |name: &str, text: String| -> Result<()> {
        let p = tmp.join(name);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))
    };
    write("config.toml", config_toml.to_string())?;
    write("metrics.json", serde_json::to_string_pretty(metrics)?)?;
    write("history.csv", history_csv(&run.history))?;
    write("predictions.csv", predictions_csv(&run.predictions))?;
    if !run.folds.is_empty() {
        write(FOLDS, serde_json::to_string_pretty(&run.folds)?)?;
    }
    // Last: its presence marks the run as finished.
    write(RECORD, serde_json::to_string_pretty(&run.record)?)?;

    let dest = run_dir(runs_dir, id);
    if dest.exists() {
        std::fs::remove_dir_all(&dest)
            .with_context(|| format!("cannot replace {}", dest.display()))?;
    }
    std::fs::rename(&tmp, &dest)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), dest.display()))?;
    Ok(dest)
}

/// Reads a finished run back.
pub fn read_run(dir: &Path) -> Result<FinishedRun> {
    let read = |name: &str| -> Result<String> {
        let p = dir.join(name);
        std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))
    };
    let record: RunRecord = serde_json::from_str(&read(RECORD)?)
        .with_context(|| format!("{}: not a run record", dir.join(RECORD).display()))?;
    let run_id = record.run_id.clone();
    let history = parse_history(&read("history.csv")?, &run_id)
        .with_context(|| format!("in {}", dir.join("history.csv").display()))?;
    let predictions = parse_predictions(&read("predictions.csv")?, &run_id)
        .with_context(|| format!("in {}", dir.join("predictions.csv").display()))?;
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

fn history_csv(rows: &[HistoryRow]) -> String {
    let mut s = String::from("fold,epoch,train_loss,val_loss\n");
    for r in rows {
        let val = r.val_loss.map(|v| v.to_string()).unwrap_or_default();
        let _ = writeln!(s, "{},{},{},{}", r.fold, r.epoch, r.train_loss, val);
    }
    s
}

fn predictions_csv(rows: &[PredictionRow]) -> String {
    let mut s = String::from("fold,split,index,actual,predicted\n");
    for r in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{}",
            r.fold, r.split, r.index, r.actual, r.predicted
        );
    }
    s
}

/// Splits off the leading `fold` field of each row. Run folders written before backtests
/// existed have no such column: their rows are all fold 1.
fn with_fold(text: &str, columns: usize) -> Result<Vec<(u32, Vec<&str>)>> {
    if text.starts_with("fold,") {
        fields(text, columns + 1)?
            .into_iter()
            .enumerate()
            .map(|(i, mut f)| {
                let fold = number(f[0], i + 2)?;
                f.remove(0);
                Ok((fold, f))
            })
            .collect()
    } else {
        Ok(fields(text, columns)?.into_iter().map(|f| (1, f)).collect())
    }
}

fn fields(text: &str, columns: usize) -> Result<Vec<Vec<&str>>> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != columns {
            bail!(
                "line {}: expected {columns} fields, found {}",
                n + 1,
                f.len()
            );
        }
        rows.push(f);
    }
    Ok(rows)
}

fn number<T: std::str::FromStr>(s: &str, line: usize) -> Result<T> {
    s.parse()
        .map_err(|_| anyhow::anyhow!("line {line}: `{s}` is not a number"))
}

fn parse_history(text: &str, run_id: &str) -> Result<Vec<HistoryRow>> {
    with_fold(text, 3)?
        .into_iter()
        .enumerate()
        .map(|(i, (fold, f))| {
            Ok(HistoryRow {
                run_id: run_id.to_string(),
                fold,
                epoch: number(f[0], i + 2)?,
                train_loss: number(f[1], i + 2)?,
                val_loss: if f[2].is_empty() {
                    None
                } else {
                    Some(number(f[2], i + 2)?)
                },
            })
        })
        .collect()
}

fn parse_predictions(text: &str, run_id: &str) -> Result<Vec<PredictionRow>> {
    with_fold(text, 4)?
        .into_iter()
        .enumerate()
        .map(|(i, (fold, f))| {
            Ok(PredictionRow {
                run_id: run_id.to_string(),
                fold,
                split: f[0].to_string(),
                index: number(f[1], i + 2)?,
                actual: number(f[2], i + 2)?,
                predicted: number(f[3], i + 2)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::RunStatus;
    use crate::store::test_support::{run, TempDir};

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
        let dir = TempDir::new("run-folder-roundtrip");
        let run = finished();
        let path = write_run(&dir.0, &run, "name = \"x\"\n", &serde_json::json!({"n": 1})).unwrap();
        assert_eq!(path, dir.0.join(&run.record.run_id));
        assert!(is_finished(&dir.0, &run.record.run_id));
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

    #[test]
    fn temporaries_of_dead_processes_are_cleaned_up_and_live_ones_kept() {
        let dir = TempDir::new("run-folder-stale");
        // A pid above the kernel's limit (4194304) belongs to no process.
        let dead = dir.0.join(format!(".abc{TMP_MARK}{}-4999999", host_name()));
        let mine = temporary_dir(&dir.0, "def");
        let elsewhere = dir.0.join(format!(".ghi{TMP_MARK}some-other-node-1"));
        for d in [&dead, &mine, &elsewhere] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join(RECORD), "{}").unwrap();
        }
        assert!(!is_finished(&dir.0, "abc"));
        remove_stale_temporaries(&dir.0).unwrap();
        assert!(!dead.exists(), "left by a process that is gone");
        assert!(mine.exists(), "this process's work in progress");
        assert!(
            elsewhere.exists(),
            "another host's: cannot tell whether it still runs"
        );
    }

    #[test]
    fn folders_from_before_backtests_read_as_fold_1() {
        let dir = TempDir::new("run-folder-old");
        let mut run = finished();
        run.folds.clear();
        let path = write_run(&dir.0, &run, "", &serde_json::json!({})).unwrap();
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
        assert_eq!(
            (back.predictions[0].fold, back.predictions[0].index),
            (1, 810)
        );
        assert!(back.folds.is_empty());
        assert_eq!(back.final_predictions().count(), 1);
    }

    #[test]
    fn a_damaged_file_is_named_in_the_error() {
        let dir = TempDir::new("run-folder-damaged");
        let run = finished();
        let path = write_run(&dir.0, &run, "", &serde_json::json!({})).unwrap();
        std::fs::write(
            path.join("history.csv"),
            "fold,epoch,train_loss,val_loss\n1,1,oops,\n",
        )
        .unwrap();
        let err = format!("{:#}", read_run(&path).unwrap_err());
        assert!(err.contains("history.csv") && err.contains("oops"), "{err}");
    }
}
