//! Run folders written, read back, damaged and cleaned up.

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
            naive: Some(-0.25),
            seasonal_naive: None,
            drift: Some(1e21),
            ar: Some(f64::INFINITY),
            transformed_naive: Some(-0.0),
            transformed_ar: Some(0.1 + 0.2),
            series: None,
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
        series: Vec::new(),
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
        &[],
    )
    .unwrap();
    assert_eq!(path, dir.path().join(&run.record.run_id));
    assert!(is_finished(dir.path(), &run.record.run_id));
    assert_eq!(
        listing(dir.path()),
        [run.record.run_id.as_str()],
        "no temporary or lock file is left"
    );
    assert_eq!(
        listing(&path),
        [
            "config.toml",
            "folds.json",
            "history.csv",
            "manifest.json",
            "metrics.json",
            "predictions.csv",
            "record.json"
        ]
    );
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(path.join(MANIFEST)).unwrap()).unwrap();
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        listed,
        [
            "config.toml",
            "folds.json",
            "history.csv",
            "metrics.json",
            "predictions.csv",
            "record.json"
        ],
        "every file but the manifest itself"
    );
    assert_eq!(
        manifest.files[0].size,
        "name = \"x\"\n".len() as u64,
        "config.toml's size"
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
/// and new run folders look the same; predictions.csv has the baselines' columns after
/// `predicted` (empty cells for `None`).
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
        ..PredictionRow::default()
    });
    let path = write_run(dir.path(), &run, "", &serde_json::json!({}), &[]).unwrap();
    assert_eq!(
        std::fs::read_to_string(path.join("history.csv")).unwrap(),
        "fold,epoch,train_loss,val_loss\n\
         1,1,0.0000000000000000033333333333333337,\n\
         2,2,NaN,0.6666666666666666\n\
         2,3,inf,1\n"
    );
    assert_eq!(
        std::fs::read_to_string(path.join("predictions.csv")).unwrap(),
        "fold,split,position,actual,predicted,naive,seasonal_naive,drift,ar,\
         transformed_naive,transformed_ar\n\
         2,test,810,-0.5063789,3.141592653589793,-0.25,,1000000000000000000000,inf,-0,\
         0.30000000000000004\n\
         2,validation,0,-0,1000000000000000000000,,,,,,\n"
    );
    let back = read_run(&path).unwrap();
    assert_eq!(back.history[2].train_loss, f64::INFINITY);
    assert_eq!(back.predictions[1].actual.to_bits(), (-0.0f64).to_bits());
    assert_eq!(back.predictions[1].predicted, 1e21);
    assert_eq!(back.predictions, run.predictions);
    let t = &back.predictions[0];
    assert_eq!(
        t.transformed_naive.map(f64::to_bits),
        Some((-0.0f64).to_bits())
    );
    assert_eq!((t.seasonal_naive, t.ar), (None, Some(f64::INFINITY)));
    assert_eq!(back.predictions[1].baselines(), [None; 6]);
}

/// A predictions.csv written before the baselines' forecasts were stored (its exact bytes,
/// with `index` where runner now writes `position`): it still reads, every baseline `None`.
#[test]
fn predictions_without_baseline_columns_still_read() {
    let dir = tempdir();
    let path = write_run(dir.path(), &finished(), "", &serde_json::json!({}), &[]).unwrap();
    std::fs::write(
        path.join("predictions.csv"),
        "fold,split,index,actual,predicted\n\
         1,train,12,112,118.5\n\
         2,test,810,-0.5063789,3.141592653589793\n",
    )
    .unwrap();
    let back = read_files(&path).unwrap();
    assert_eq!(back.predictions.len(), 2);
    let test = &back.predictions[1];
    assert_eq!(
        (test.fold, test.split.as_str(), test.index),
        (2, "test", 810)
    );
    assert_eq!(
        (test.actual, test.predicted),
        (-0.5063789, std::f64::consts::PI)
    );
    assert_eq!(back.predictions[0].predicted, 118.5);
    for p in &back.predictions {
        assert_eq!(p.baselines(), [None; 6]);
    }
    // a header with only some of the baseline columns is no layout runner wrote
    std::fs::write(
        path.join("predictions.csv"),
        "fold,split,index,actual,predicted,naive\n1,test,810,1,2,3\n",
    )
    .unwrap();
    let err = format!("{:#}", read_files(&path).unwrap_err());
    assert!(
        err.contains("line 1: expected the columns fold,split,"),
        "{err}"
    );
    // a bad number in a baseline column is named
    std::fs::write(
        path.join("predictions.csv"),
        "fold,split,index,actual,predicted,naive,seasonal_naive,drift,ar,\
         transformed_naive,transformed_ar\n1,test,810,1,2,3,,4,5,x,6\n",
    )
    .unwrap();
    let err = format!("{:#}", read_files(&path).unwrap_err());
    assert!(
        err.ends_with("line 2: transformed_naive `x` is not a number"),
        "{err}"
    );
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
    let finished = write_run(runs, &finished(), "", &serde_json::json!({}), &[]).unwrap();
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
    let path = write_run(dir.path(), &run, "", &serde_json::json!({}), &[]).unwrap();
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
    let back = read_files(&path).unwrap();
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
    let path = write_run(dir.path(), &finished(), "", &serde_json::json!({}), &[]).unwrap();
    let damaged = |name: &str, text: &str| {
        let good = std::fs::read(path.join(name)).unwrap();
        std::fs::write(path.join(name), text).unwrap();
        let err = format!("{:#}", read_files(&path).unwrap_err());
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
        read_files(&path).unwrap_err()
    });
    assert!(
        err.starts_with(&format!("cannot read {predictions}")),
        "{err}"
    );
    assert!(read_files(dir.path().join("nope").as_path()).is_err());
    assert!(read_run(dir.path().join("nope").as_path()).is_err());
}

/// Writes a finished run, damages it with `change`, and returns what `run_state` and
/// `read_run` make of it.
fn damaged(change: impl Fn(&Path)) -> (RunState, String) {
    let dir = tempdir();
    let run = finished();
    let path = write_run(dir.path(), &run, "", &serde_json::json!({}), &[]).unwrap();
    assert_eq!(
        run_state(dir.path(), &run.record.run_id),
        RunState::Finished
    );
    change(&path);
    let state = run_state(dir.path(), &run.record.run_id);
    let err = format!("{:#}", read_run(&path).unwrap_err());
    let prefix = format!("{}: damaged run folder: ", path.display());
    assert!(err.starts_with(&prefix), "{err}");
    if let RunState::Damaged(why) = &state {
        assert_eq!(
            err[prefix.len()..],
            **why,
            "read_run says what run_state says"
        );
    }
    assert!(!is_finished(dir.path(), &run.record.run_id));
    (state, err[prefix.len()..].to_string())
}

#[test]
fn a_folder_that_does_not_match_its_manifest_is_damaged_and_never_read() {
    let damage = |change: &dyn Fn(&Path)| damaged(change).1;
    // Truncated, as a power cut leaves a file whose size was written but not its data.
    assert_eq!(
        damage(&|p| {
            let text = std::fs::read(p.join(PREDICTIONS)).unwrap();
            std::fs::write(p.join(PREDICTIONS), &text[..text.len() - 5]).unwrap()
        }),
        "predictions.csv has 192 bytes, its manifest says 197"
    );
    assert_eq!(
        damage(&|p| std::fs::write(p.join(HISTORY), "fold,epoch,train_loss,val_loss\n").unwrap()),
        "history.csv has 31 bytes, its manifest says 100"
    );
    assert_eq!(
        damage(&|p| std::fs::write(p.join(HISTORY), "").unwrap()),
        "history.csv has 0 bytes, its manifest says 100"
    );
    assert_eq!(
        damage(&|p| std::fs::remove_file(p.join(MANIFEST)).unwrap()),
        "no manifest.json (an interrupted write, or a folder from before manifests)"
    );
}

#[test]
fn a_record_of_another_run_is_damage_even_with_a_matching_manifest() {
    let (state, why) = damaged(|p| {
        let text = std::fs::read_to_string(p.join(RECORD)).unwrap();
        let edited = text.replace("\"l10s2\"", "\"l10s3\"");
        assert_ne!(text, edited);
        std::fs::write(p.join(RECORD), &edited).unwrap();
        // Whoever edited it also rewrote the manifest: the record still names another run.
        let names = [
            "config.toml",
            "folds.json",
            HISTORY,
            "metrics.json",
            PREDICTIONS,
            RECORD,
        ];
        let files: Vec<(&str, Vec<u8>)> = names
            .iter()
            .map(|n| (*n, std::fs::read(p.join(n)).unwrap()))
            .collect();
        let manifest = Manifest::of(files.iter().map(|(n, b)| (*n, b.as_slice())));
        std::fs::write(p.join(MANIFEST), manifest.to_json().unwrap()).unwrap();
    });
    assert_eq!(why, "record.json is the record of run l10s3, not of l10s2");
    assert_eq!(state, RunState::Damaged(why));
}

#[test]
fn a_missing_folder_is_missing_not_damaged() {
    let dir = tempdir();
    assert_eq!(run_state(dir.path(), "abc"), RunState::Missing);
    std::fs::write(dir.path().join("abc"), "").unwrap();
    assert_eq!(
        run_state(dir.path(), "abc"),
        RunState::Damaged("not a folder".into())
    );
}
