//! Tests of [`super`]: `tables`.

use super::*;
use crate::store::test_support::tempdir;
use polars_core::prelude::DataType;
use polars_io::prelude::{CsvReadOptions, ParquetReader, SerReader};

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
            provenance: None,
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
            provenance: None,
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
            "window_lookback",
            "train_learning_rate",
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
    assert_eq!(dtype("window_lookback"), DataType::Int64);
    assert_eq!(dtype("train_learning_rate"), DataType::Float64);
    assert_eq!(df.column("seed").unwrap().u64().unwrap().get(1), Some(2));
    assert_eq!(
        df.column("window_lookback").unwrap().i64().unwrap().get(1),
        Some(20)
    );
    assert_eq!(f64_at(&df, "train_learning_rate", 0), Some(0.001));
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
            "run_id,label,config,seed,window_lookback,train_learning_rate,status,reason,\
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
        provenance: None,
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
    // Parameters come back under their column names; model_width and model_depth, derived
    // from model_units, are no parameters of their own.
    let mut expected = runs.clone();
    for run in &mut expected {
        for (key, _) in &mut run.params {
            *key = key.replace('.', "_");
        }
    }
    assert_eq!(back, expected);
    assert_eq!(
        back[1]
            .params
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        [
            "window_lookback",
            "train_learning_rate",
            "model_units",
            "train_shuffle"
        ]
    );

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
    let runs = sample_runs();
    write_history(tmp.path(), &[(&runs[0], &rows)]).unwrap();
    for df in [
        read_parquet(&tmp.path().join("history.parquet")),
        read_csv(&tmp.path().join("history.csv")),
    ] {
        assert_eq!(
            names(&df),
            [
                "run_id",
                "label",
                "config",
                "fold",
                "epoch",
                "train_loss",
                "val_loss"
            ]
        );
        let label = df.column("label").unwrap().str().unwrap().clone();
        assert_eq!(label.get(2), Some("lookback=10 lr=0.001 seed=1"));
        let config = df.column("config").unwrap().str().unwrap().clone();
        assert_eq!(config.get(0), Some("lookback=10 lr=0.001"));
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
    write_folds(
        tmp.path(),
        &[(&runs[0], &first), (&runs[1], &second)],
        &RunTimes::new(),
    )
    .unwrap();
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
            // baselines on validation and test rows only; no seasonal naive
            naive: (*split != "train").then_some(i as f64 + 0.5),
            drift: (*split != "train").then_some(i as f64 + 0.75),
            ar: (*split == "test").then_some(f64::INFINITY),
            transformed_naive: (*split != "train").then_some(-1.0),
            transformed_ar: (*split != "train").then_some(i as f64 - 0.5),
            ..PredictionRow::default()
        })
        .collect();
    write_predictions(tmp.path(), &rows, &RunTimes::new()).unwrap();
    assert!(!tmp.path().join("predictions.csv").exists());
    let df = read_parquet(&tmp.path().join("predictions.parquet"));
    assert_eq!(
        names(&df),
        [
            "run_id",
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
            "transformed_ar"
        ]
    );
    for baseline in PredictionRow::BASELINES {
        let col = df.column(baseline).unwrap();
        assert_eq!(col.dtype(), &DataType::Float64, "{baseline}");
        assert_eq!(
            f64_at(&df, baseline, 0),
            None,
            "{baseline} on a training row"
        );
    }
    assert_eq!(df.column("seasonal_naive").unwrap().null_count(), 4);
    assert_eq!(f64_at(&df, "naive", 2), Some(2.5));
    assert_eq!(f64_at(&df, "drift", 3), Some(3.75));
    assert_eq!(f64_at(&df, "ar", 2), None);
    assert_eq!(f64_at(&df, "ar", 3), Some(f64::INFINITY));
    assert_eq!(f64_at(&df, "transformed_naive", 3), Some(-1.0));
    assert_eq!(f64_at(&df, "transformed_ar", 3), Some(2.5));
    assert_eq!(df.height(), 4);
    assert_eq!(df.column("fold").unwrap().u32().unwrap().get(0), Some(2));
    assert_eq!(df.column("split").unwrap().dtype(), &DataType::String);
    assert_eq!(df.column("position").unwrap().dtype(), &DataType::UInt32);
    assert_eq!(df.column("actual").unwrap().dtype(), &DataType::Float64);
    assert_eq!(df.column("predicted").unwrap().dtype(), &DataType::Float64);
    assert_eq!(
        df.column("position").unwrap().u32().unwrap().get(3),
        Some(13)
    );
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

#[test]
fn a_run_id_twice_is_refused() {
    let tmp = tempdir();
    let a = crate::store::test_support::ok(3, 1, 0.5, 0.9);
    let mut b = crate::store::test_support::ok(4, 1, 0.6, 0.8);
    b.run_id = a.run_id.clone();
    let err = format!("{:#}", write_runs(tmp.path(), &[a, b]).unwrap_err());
    assert_eq!(err, "run id l3s1 appears twice in the runs table");
    assert!(!tmp.path().join("runs.parquet").exists());
}

fn stored_arrow_types(path: &Path) -> Vec<(String, polars_core::prelude::ArrowDataType)> {
    parquet_compat::stored_arrow_types(path).unwrap()
}

#[test]
fn parquet_strings_are_large_utf8_not_views_and_read_back() {
    use polars_core::prelude::ArrowDataType;
    let tmp = tempdir();
    write_runs(tmp.path(), &sample_runs()).unwrap();
    let types = stored_arrow_types(&tmp.path().join("runs.parquet"));
    let of = |name: &str| {
        types
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .unwrap()
    };
    for text in ["run_id", "label", "config", "status", "reason"] {
        assert_eq!(of(text), ArrowDataType::LargeUtf8, "{text}");
    }
    assert_eq!(of("test_rmse"), ArrowDataType::Float64);
    assert_eq!(of("seed"), ArrowDataType::UInt64);
    assert!(
        !types
            .iter()
            .any(|(_, t)| matches!(t, ArrowDataType::Utf8View | ArrowDataType::BinaryView)),
        "{types:?}"
    );
    // polars still reads them, as its own strings, with every value.
    let df = read_parquet(&tmp.path().join("runs.parquet"));
    assert_eq!(df.column("label").unwrap().dtype(), &DataType::String);
    assert_eq!(
        df.column("reason").unwrap().str().unwrap().get(1),
        Some("loss is NaN at epoch 3")
    );
    assert_eq!(read_runs(tmp.path()).unwrap().len(), 2);
    // An empty table is a valid file too (no row group).
    write_history(tmp.path(), &[]).unwrap();
    let empty = read_parquet(&tmp.path().join("history.parquet"));
    assert_eq!((empty.height(), empty.width()), (0, 7));
    assert_eq!(
        stored_arrow_types(&tmp.path().join("history.parquet"))[0],
        ("run_id".to_string(), ArrowDataType::LargeUtf8)
    );
}

#[test]
fn predictions_and_folds_carry_the_time_label_of_their_points() {
    let tmp = tempdir();
    let runs = sample_runs();
    let labels: Vec<String> = (1..=6).map(|m| format!("2020-0{m}-01")).collect();
    let times: RunTimes = [("r0", labels.as_slice())].into_iter().collect();
    let row = |run: &str, index: u32| PredictionRow {
        run_id: run.into(),
        fold: 1,
        split: "test".into(),
        index,
        ..PredictionRow::default()
    };
    // r1 has no time labels (not in `times`): a null cell, as is a position past the labels.
    let rows = [row("r0", 3), row("r0", 5), row("r1", 3), row("r0", 9)];
    write_predictions(tmp.path(), &rows, &times).unwrap();
    let df = read_parquet(&tmp.path().join("predictions.parquet"));
    assert_eq!(
        names(&df)[..6],
        ["run_id", "fold", "split", "position", "time", "actual"]
    );
    let time = df.column("time").unwrap().str().unwrap().clone();
    assert_eq!(
        (0..4).map(|i| time.get(i)).collect::<Vec<_>>(),
        [Some("2020-04-01"), Some("2020-06-01"), None, None]
    );

    let fold = |n: u32, origin: u32, end: u32| FoldRecord {
        fold: n,
        origin,
        end,
        status: RunStatus::Ok,
        reason: None,
        metrics: vec![("test_rmse".into(), 0.5)],
        train_seconds: 0.5,
        epochs: 7,
        best_epoch: 4,
    };
    let folds = [fold(1, 2, 4), fold(2, 4, 6)];
    write_folds(tmp.path(), &[(&runs[0], &folds)], &times).unwrap();
    for df in [
        read_parquet(&tmp.path().join("folds.parquet")),
        read_csv(&tmp.path().join("folds.csv")),
    ] {
        assert_eq!(
            names(&df)[..8],
            [
                "run_id",
                "fold",
                "origin",
                "end",
                "best_epoch",
                "origin_time",
                "last_time",
                "label"
            ]
        );
        let text = |c: &str| {
            let col = df.column(c).unwrap().str().unwrap().clone();
            (
                col.get(0).map(str::to_string),
                col.get(1).map(str::to_string),
            )
        };
        assert_eq!(
            text("origin_time"),
            (Some("2020-03-01".into()), Some("2020-05-01".into()))
        );
        assert_eq!(
            text("last_time"),
            (Some("2020-04-01".into()), Some("2020-06-01".into()))
        );
    }
    // Without time labels the columns are absent, not null.
    write_folds(tmp.path(), &[(&runs[0], &folds)], &RunTimes::new()).unwrap();
    let df = read_parquet(&tmp.path().join("folds.parquet"));
    assert!(!names(&df).contains(&"origin_time".to_string()));
}

#[test]
fn swept_units_get_numeric_width_and_depth_beside_their_label() {
    let mut runs = sample_runs();
    runs[0]
        .params
        .push(("model.units".into(), ParamValue::Str("64x32".into())));
    runs[1]
        .params
        .push(("model.units".into(), ParamValue::Str("16".into())));
    let df = runs_frame(&runs).unwrap();
    assert_eq!(
        names(&df)[4..9],
        [
            "window_lookback",
            "train_learning_rate",
            "model_units",
            "model_width",
            "model_depth"
        ]
    );
    let ints = |c: &str| {
        let col = df.column(c).unwrap().i64().unwrap().clone();
        (col.get(0), col.get(1))
    };
    assert_eq!(ints("model_width"), (Some(64), Some(16)));
    assert_eq!(ints("model_depth"), (Some(2), Some(1)));
    // A key whose column would collide with another's is refused, naming both.
    runs[0]
        .params
        .push(("window_lookback".into(), ParamValue::Int(3)));
    let err = runs_frame(&runs).unwrap_err().to_string();
    assert!(
        err.contains("\"window.lookback\" and \"window_lookback\"")
            && err.contains("table column \"window_lookback\""),
        "{err}"
    );
}

#[test]
fn provenance_columns_follow_epochs_and_read_back() {
    let tmp = tempdir();
    let mut runs = sample_runs();
    runs[0].provenance = Some(Provenance {
        started_at: "2026-12-03T09:35:24Z".into(),
        runner_version: "0.1.0".into(),
        git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        git_dirty: Some(true),
        host: "node7".into(),
        data_hash: "ab".repeat(32),
        data_hashed: "file".into(),
    });
    // r1 was recorded before provenance was kept: null cells.
    write_runs(tmp.path(), &runs).unwrap();
    let df = read_parquet(&tmp.path().join("runs.parquet"));
    let all = names(&df);
    let at = all.iter().position(|n| n == "epochs").unwrap();
    assert_eq!(all[at + 1..], Provenance::COLUMNS);
    let text = |c: &str| {
        let col = df.column(c).unwrap().str().unwrap().clone();
        (
            col.get(0).map(str::to_string),
            col.get(1).map(str::to_string),
        )
    };
    assert_eq!(
        text("started_at"),
        (Some("2026-12-03T09:35:24Z".into()), None)
    );
    assert_eq!(text("host"), (Some("node7".into()), None));
    assert_eq!(text("data_hashed"), (Some("file".into()), None));
    let dirty = df.column("git_dirty").unwrap().bool().unwrap().clone();
    assert_eq!((dirty.get(0), dirty.get(1)), (Some(true), None));
    let back = read_runs(tmp.path()).unwrap();
    assert_eq!(back[0].provenance, runs[0].provenance);
    assert_eq!(back[1].provenance, None);
    // A table without any provenance has none of its columns (no always-null column).
    write_runs(tmp.path(), &sample_runs()).unwrap();
    let df = read_parquet(&tmp.path().join("runs.parquet"));
    assert_eq!(names(&df).last().map(String::as_str), Some("epochs"));
}
