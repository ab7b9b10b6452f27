//! The rolling-origin backtest and history windows, through the real `runner` binary on a
//! small trend + season series.

mod common;

use common::{f64s, read_parquet, runner, scratch_dir, stderr, strs, u32s, write};
use polars_core::prelude::DataFrame;

/// 120 points of trend + season (period 12, the seasonal baselines' season) + noise drawn
/// with `data.seed`, so both seeds see the same series; the last 12 are the test part, and
/// test windows read their lookback from before it. Two seeds, three folds.
const EXPERIMENT: &str = r#"
name = "bt"
seed = 1
[data]
kind = "trend_season"
points = 120
level = 10.0
slope = 0.1
period = 12
amplitude = 2.0
noise = 0.1
seed = 5
[split]
test = 12
validation = 6
[transform]
difference = 1
[scale]
kind = "standard"
[window]
lookback = 12
lookback_from = "history"
[model]
units = [4]
[train]
epochs = 4
batch_size = 16
[backtest]
folds = 3
[sweep]
seed = [1, 2]
"#;

#[test]
fn a_backtest_scores_every_fold_and_the_runs_table_holds_the_test_part_and_the_selection() {
    let scratch = scratch_dir();
    let file = write(scratch.path(), "bt.toml", EXPERIMENT);
    let out = runner(scratch.path(), &[file.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let results = scratch.path().join("results/bt");

    // one row per run and fold; origins 12 points apart, the last at the split (108)
    let folds = read_parquet(&results.join("folds.parquet"));
    assert_eq!(folds.height(), 2 * 3);
    assert_eq!(u32s(&folds, "fold"), vec![1, 2, 3, 1, 2, 3]);
    assert_eq!(u32s(&folds, "origin"), vec![84, 96, 108, 84, 96, 108]);
    assert_eq!(u32s(&folds, "end"), vec![96, 108, 120, 96, 108, 120]);
    assert!(std::fs::read_to_string(results.join("folds.csv"))
        .unwrap()
        .starts_with("run_id,fold,origin,end,best_epoch,"));

    // each run's test columns are the last fold's (the test part), baselines included, and
    // its selection columns the mean over the folds before it
    let runs = read_parquet(&results.join("runs.parquet"));
    assert_eq!(runs.height(), 2);
    let run_ids = strs(&runs, "run_id");
    let fold_ids = strs(&folds, "run_id");
    for metric in [
        "test_rmse",
        "test_mae",
        "test_ar_rmse",
        "test_seasonal_naive_rmse",
    ] {
        let per_fold = f64s(&folds, metric);
        for (r, id) in run_ids.iter().enumerate() {
            let mine: Vec<f64> = fold_ids
                .iter()
                .zip(&per_fold)
                .filter(|(f, _)| *f == id)
                .map(|(_, v)| *v)
                .collect();
            assert_eq!(mine.len(), 3);
            assert!(
                mine.iter().all(|v| v.is_finite() && *v > 0.0),
                "{metric}: {mine:?}"
            );
            assert_eq!(f64s(&runs, metric)[r], mine[2], "{metric}");
            let selection = metric.replacen("test_", "selection_", 1);
            if metric.ends_with("_rmse") {
                let mean = (mine[0] + mine[1]) / 2.0;
                let run = f64s(&runs, &selection)[r];
                assert!(
                    (run - mean).abs() <= 1e-12 * mean,
                    "{selection}: {run} vs {mean}"
                );
            }
        }
    }
    // the folds differ: each trained on its own past and forecast its own test part
    let rmse = f64s(&folds, "test_rmse");
    assert_ne!(rmse[0], rmse[1]);

    // history windows: every test point of every fold is predicted, once (horizon 1)
    let preds = read_parquet(&results.join("predictions.parquet"));
    let (fold, split, index, ids) = (
        u32s(&preds, "fold"),
        strs(&preds, "split"),
        u32s(&preds, "position"),
        strs(&preds, "run_id"),
    );
    let rows = |f: u32, part: &str| -> Vec<u32> {
        let mut rows: Vec<u32> = (0..preds.height())
            .filter(|&i| fold[i] == f && split[i] == part && ids[i] == run_ids[0])
            .map(|i| index[i])
            .collect();
        rows.sort();
        rows
    };
    for (f, origin) in [(1, 84), (2, 96), (3, 108)] {
        let test = rows(f, "test");
        assert_eq!(test, (origin..origin + 12).collect::<Vec<_>>(), "fold {f}");
        // its validation part: the 6 points before the origin, all predicted too
        let val = rows(f, "validation");
        assert_eq!(val, (origin - 6..origin).collect::<Vec<_>>(), "fold {f}");
    }
    let history = read_parquet(&results.join("history.parquet"));
    assert_eq!(history.height(), 2 * 3 * 4, "runs × folds × epochs");

    // the seed ensemble: never worse than the seeds' mean RMSE on the test part (the RMSE of
    // a mean forecast is at most the mean of the RMSEs: the triangle inequality)
    let summary = read_parquet(&results.join("summary.parquet"));
    let ensemble = f64s(&summary, "ensemble_test_rmse_mean")[0];
    let seeds_mean = f64s(&summary, "test_rmse_mean")[0];
    assert!(
        ensemble > 0.0 && ensemble <= seeds_mean * (1.0 + 1e-12),
        "{ensemble} vs {seeds_mean}"
    );

    let report = std::fs::read_to_string(results.join("report.md")).unwrap();
    assert!(
        report.contains("(mean of its 2 seeds' forecasts) | | **"),
        "{report}"
    );
    assert!(report.contains("## Backtest"), "{report}");
    assert!(report.contains("| 3 | 108 |"), "{report}");
    assert!(
        report.contains("Ranked by RMSE on the mean") || report.contains(
            "Chosen by RMSE on the mean over backtest folds 1-2 (the test part, fold 3, held out)"
        ),
        "{report}"
    );
    assert!(results.join("plots/backtest.png").is_file());
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(results.join("runs").join(&run_ids[0]).join("metrics.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(metrics["backtest"]["folds"].as_array().unwrap().len(), 3);
    assert_eq!(metrics["backtest"]["folds"][0]["origin"], 84);

    // a second invocation reads the folds back from the run folders: same table
    let again = runner(scratch.path(), &[file.to_str().unwrap(), "-q"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let cached = read_parquet(&results.join("folds.parquet"));
    assert!(cached.equals_missing(&folds), "cached folds table differs");

    // retrained on one thread instead of the default (one per core): the same numbers, bit
    // for bit
    let one = scratch.path().join("one-thread");
    let serial = runner(
        scratch.path(),
        &[
            file.to_str().unwrap(),
            "-q",
            "-j",
            "1",
            "--out",
            one.to_str().unwrap(),
        ],
    );
    assert!(serial.status.success(), "{}", stderr(&serial));
    for table in ["folds.parquet", "predictions.parquet", "history.parquet"] {
        // wall times and start times differ from run to run; everything else must not
        let timeless = |df: DataFrame| df.drop_many(["train_seconds", "started_at"]);
        let a = timeless(read_parquet(&results.join(table)));
        let b = timeless(read_parquet(&one.join(table)));
        assert!(
            a.equals_missing(&b),
            "{table} differs between -j 1 and -j 2"
        );
    }
}

#[test]
fn a_backtest_without_room_or_with_a_scaler_fitted_on_all_is_refused() {
    let scratch = scratch_dir();
    let file = write(scratch.path(), "bt.toml", EXPERIMENT);
    // validate shows where the folds cut the series
    let out = runner(scratch.path(), &["validate", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        common::stdout(&out).contains(
            "# backtest (first run): 3 folds, oldest first: train 0..78 validation 78..84 test \
             84..96; train 0..90 validation 90..96 test 96..108; train 0..102 validation \
             102..108 test 108..120"
        ),
        "{}",
        common::stdout(&out)
    );
    // 9 folds of 12 reach back to point 12: 6 points left for training
    let out = runner(
        scratch.path(),
        &[file.to_str().unwrap(), "--set", "backtest.folds=9"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("backtest.folds"), "{err}");
    assert!(err.contains("earliest fold"), "{err}");
    // fit_on = "all" would let each fold's scaler see its test part
    let out = runner(
        scratch.path(),
        &[file.to_str().unwrap(), "--set", "scale.fit_on=all"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("scale.fit_on"), "{}", stderr(&out));
    assert!(
        !scratch.path().join("results").exists(),
        "nothing is written for bad input"
    );
    // one fold is the split alone: no folds table
    let out = runner(
        scratch.path(),
        &[file.to_str().unwrap(), "--set", "backtest.folds=1", "-q"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let results = scratch.path().join("results/bt");
    assert!(!results.join("folds.csv").exists());
    assert!(!results.join("plots/backtest.png").exists());
    let preds = read_parquet(&results.join("predictions.parquet"));
    assert!(u32s(&preds, "fold").iter().all(|&f| f == 1));
}
