//! The results tables as other tools read them, through the real binary: Parquet without
//! Arrow view types, column names a query language takes bare, time labels beside
//! positions, and each run's provenance.

mod common;

use std::path::Path;

use common::{
    parquet_files, read_parquet, runner, scratch_dir, stderr, stdout, stored_arrow_types, strs,
    u32s, write,
};
use polars_core::prelude::{ArrowDataType, DataFrame};
use polars_io::prelude::ParquetWriter;
use runner::store::Provenance;

/// 96 months of a seasonal series from a CSV with a time column; a 2-fold backtest over a
/// 2 × 2 grid of lookback and units (one seed): 4 runs of a few epochs.
const EXPERIMENT: &str = r#"
name = "tab"
seed = 4
[data]
kind = "csv"
path = "monthly.csv"
column = "value"
time_column = "month"
[split]
test = 12
[window]
lookback = 6
[model]
units = [4]
[train]
epochs = 3
batch_size = 16
[backtest]
folds = 2
[sweep]
window.lookback = [4, 6]
model.units = [[4], [5, 3]]
"#;

/// `month,value` for January 2000 onwards: a trend plus a yearly season.
fn monthly_csv(months: usize) -> (String, Vec<String>) {
    let labels: Vec<String> = (0..months)
        .map(|i| format!("{}-{:02}-01", 2000 + i / 12, i % 12 + 1))
        .collect();
    let mut text = "month,value\n".to_string();
    for (i, label) in labels.iter().enumerate() {
        let v = 100.0 + i as f64 + 10.0 * (i as f64 * std::f64::consts::PI / 6.0).sin();
        text.push_str(&format!("{label},{v:.3}\n"));
    }
    (text, labels)
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect()
}

/// Runs the experiment in a fresh scratch folder: (scratch, results folder, time labels).
fn run_experiment() -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    let s = scratch_dir();
    let (csv, labels) = monthly_csv(96);
    write(s.path(), "monthly.csv", &csv);
    let file = write(s.path(), "tab.toml", EXPERIMENT);
    let out = runner(s.path(), &[file.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = s.path().join("results/tab");
    (s, dir, labels)
}

#[test]
fn every_parquet_file_stores_plain_strings_and_query_friendly_columns() {
    let (_s, dir, labels) = run_experiment();
    let files = parquet_files(&dir);
    let short: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for table in [
        "runs.parquet",
        "summary.parquet",
        "history.parquet",
        "predictions.parquet",
        "folds.parquet",
    ] {
        assert!(short.contains(&table.to_string()), "{table} in {short:?}");
    }
    for file in &files {
        let types = stored_arrow_types(file);
        assert!(!types.is_empty(), "{}", file.display());
        for (name, dtype) in &types {
            assert!(
                !matches!(dtype, ArrowDataType::Utf8View | ArrowDataType::BinaryView),
                "{}: column {name} is stored as {dtype:?}",
                file.display()
            );
            // Bare names for SQL, pandas' query and Spark, and none that pandas reserves.
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && name != "index",
                "{}: column {name:?}",
                file.display()
            );
        }
        assert!(
            types.contains(&("run_id".to_string(), ArrowDataType::LargeUtf8))
                || !types.iter().any(|(n, _)| n == "run_id"),
            "{}",
            file.display()
        );
        // polars still reads every file.
        let df = read_parquet(file);
        assert_eq!(df.width(), types.len(), "{}", file.display());
    }

    // Swept keys as columns, with the units' width and depth as numbers beside their label.
    let runs = read_parquet(&dir.join("runs.parquet"));
    assert_eq!(
        names(&runs)[4..9],
        [
            "model_units",
            "model_width",
            "model_depth",
            "window_lookback",
            "status"
        ]
    );
    let ints = |c: &str| -> Vec<i64> {
        let col = runs.column(c).unwrap().i64().unwrap().clone();
        (0..col.len()).map(|i| col.get(i).unwrap()).collect()
    };
    let units = strs(&runs, "model_units");
    assert_eq!(units, ["4", "4", "5x3", "5x3"]);
    assert_eq!(ints("model_width"), [4, 4, 5, 5]);
    assert_eq!(ints("model_depth"), [1, 1, 2, 2]);
    assert_eq!(ints("window_lookback"), [4, 6, 4, 6]);
    let summary = read_parquet(&dir.join("summary.parquet"));
    assert!(names(&summary).contains(&"model_width".to_string()));
    // No column is null in every row: with one seed per configuration there is no spread
    // over seeds and no seed ensemble, so neither has a column.
    let summary_names = names(&summary);
    for c in summary.columns() {
        assert!(
            c.null_count() < c.len(),
            "{} is null in every row",
            c.name()
        );
    }
    assert!(!summary_names.contains(&"ensemble_test_rmse_mean".to_string()));
    assert!(!summary_names.contains(&"test_rmse_std".to_string()));
    assert!(summary_names.contains(&"test_rmse_mean".to_string()));

    // History names each run's label and config, as the runs table does.
    let history = read_parquet(&dir.join("history.parquet"));
    assert_eq!(
        names(&history)[..5],
        ["run_id", "label", "config", "fold", "epoch"]
    );
    let run_ids = strs(&runs, "run_id");
    let run_labels = strs(&runs, "label");
    let label_of = |id: &str| run_labels[run_ids.iter().position(|r| r == id).unwrap()].clone();
    let (h_ids, h_labels) = (strs(&history, "run_id"), strs(&history, "label"));
    assert_eq!(history.height(), 4 * 2 * 3, "runs × folds × epochs");
    for (id, label) in h_ids.iter().zip(&h_labels) {
        assert_eq!(*label, label_of(id));
    }
    assert_eq!(strs(&history, "config")[0], "units=4 lookback=4");

    // Predictions: the point's position and its time label from the CSV.
    let preds = read_parquet(&dir.join("predictions.parquet"));
    assert_eq!(
        names(&preds)[..6],
        ["run_id", "fold", "split", "position", "time", "actual"]
    );
    let (position, time) = (u32s(&preds, "position"), strs(&preds, "time"));
    assert!(preds.height() > 100);
    for (p, t) in position.iter().zip(&time) {
        assert_eq!(*t, labels[*p as usize]);
    }
    let split = strs(&preds, "split");
    let last_test = (0..preds.height())
        .filter(|&i| split[i] == "test")
        .map(|i| time[i].clone())
        .max()
        .unwrap();
    assert_eq!(last_test, "2007-12-01");

    // Folds: the dates of each fold's first and last test points.
    let folds = read_parquet(&dir.join("folds.parquet"));
    assert_eq!(u32s(&folds, "origin")[..2], [72, 84]);
    assert_eq!(
        strs(&folds, "origin_time")[..2],
        ["2006-01-01", "2007-01-01"]
    );
    assert_eq!(strs(&folds, "last_time")[..2], ["2006-12-01", "2007-12-01"]);
}

/// The provenance of `runs.parquet`'s row `row` as (column, value) text.
fn provenance_cell(runs: &DataFrame, column: &str, row: usize) -> Option<String> {
    runs.column(column)
        .unwrap()
        .str()
        .unwrap()
        .get(row)
        .map(str::to_string)
}

#[test]
fn every_run_records_when_where_by_which_runner_and_of_which_data() {
    let (s, dir, _) = run_experiment();
    let runs = read_parquet(&dir.join("runs.parquet"));
    let all = names(&runs);
    let epochs_at = all.iter().position(|n| n == "epochs").unwrap();
    assert_eq!(
        all[epochs_at + 1..],
        [
            "started_at",
            "runner_version",
            "git_commit",
            "git_dirty",
            "host",
            "data_hash",
            "data_hashed"
        ]
    );
    let csv_hash = blake3::hash(&std::fs::read(s.path().join("monthly.csv")).unwrap())
        .to_hex()
        .to_string();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let run_ids = strs(&runs, "run_id");
    for (row, run_id) in run_ids.iter().enumerate() {
        let cell = |c: &str| provenance_cell(&runs, c, row);
        let started = cell("started_at").unwrap();
        // RFC 3339, UTC, to the second: 2026-12-03T09:35:24Z
        assert_eq!(started.len(), 20, "{started}");
        assert!(started.as_str() > "2024-01-01", "{started}");
        assert!(
            started.ends_with('Z') && &started[10..11] == "T",
            "{started}"
        );
        assert_eq!(
            cell("runner_version").as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(cell("host"), Some(host.clone()));
        assert_eq!(cell("data_hash"), Some(csv_hash.clone()));
        assert_eq!(cell("data_hashed").as_deref(), Some("file"));
        // Built from this checkout: its commit (CI builds from a fresh clone, too).
        assert_eq!(cell("git_commit"), head);
        // The run's own record says the same.
        let record: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("runs").join(run_id).join("record.json")).unwrap(),
        )
        .unwrap();
        let p = &record["provenance"];
        assert_eq!(p["started_at"], started.as_str());
        assert_eq!(p["data_hash"], csv_hash.as_str());
        assert_eq!(p["host"], host.as_str());
    }

    // Provenance is no part of a run's identity: a second invocation trains nothing and
    // keeps each run's first start time.
    let again = runner(s.path(), &[s.path().join("tab.toml").to_str().unwrap()]);
    assert!(
        stderr(&again).contains("4 runs (4 cached, 0 to run)"),
        "{}",
        stderr(&again)
    );
    let rerun = read_parquet(&dir.join("runs.parquet"));
    assert_eq!(strs(&rerun, "started_at"), strs(&runs, "started_at"));
}

/// A runs table from before the query-friendly names (`window.lookback`, no width and depth,
/// no provenance) still compares with today's, configuration by configuration.
#[test]
fn a_folder_with_dotted_column_names_still_compares() {
    let (s, dir, _) = run_experiment();
    let old = s.path().join("old");
    std::fs::create_dir(&old).unwrap();
    let mut df = read_parquet(&dir.join("runs.parquet")).drop_many(
        ["model_width", "model_depth"]
            .into_iter()
            .chain(Provenance::COLUMNS),
    );
    df.rename("window_lookback", "window.lookback".into())
        .unwrap();
    df.rename("model_units", "model.units".into()).unwrap();
    ParquetWriter::new(std::fs::File::create(old.join("runs.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let out = runner(s.path(), &["compare", "old", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for config in ["units=4 lookback=4", "units=5x3 lookback=6"] {
        assert!(
            text.lines()
                .any(|l| l.contains(config) && l.contains("+0.0%")),
            "{config}: {text}"
        );
    }
    assert!(!Path::new(&old.join("summary.parquet")).exists());
}
