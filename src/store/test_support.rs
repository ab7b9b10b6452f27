//! Fixtures shared by the tests of store, analysis and render.

use std::path::Path;

use super::forecast::{Calibration, ForecastRecord, ForecastRow, LevelCoverage, Score};
use super::gate_file::GateRow;
use super::records::{FoldRecord, ParamValue, RunRecord, RunStatus};

/// A fresh empty folder under the system temp dir, removed on drop.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("runner-results-")
        .tempdir()
        .unwrap()
}

/// The names in `dir`, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A run of configuration `lookback=<lookback>` with the given seed, status and metrics.
pub fn run(lookback: i64, seed: u64, status: RunStatus, metrics: &[(&str, f64)]) -> RunRecord {
    RunRecord {
        provenance: None,
        run_id: format!("l{lookback}s{seed}"),
        label: format!("lookback={lookback} seed={seed}"),
        config: format!("lookback={lookback}"),
        seed,
        params: vec![("window.lookback".into(), ParamValue::Int(lookback))],
        status,
        reason: (status != RunStatus::Ok).then(|| "loss is NaN at epoch 2".to_string()),
        metrics: metrics.iter().map(|&(n, v)| (n.to_string(), v)).collect(),
        train_seconds: 1.0,
        epochs: 5,
    }
}

/// Backtest fold `fold` (1-based) of a successful run with `metrics`: its test part starts
/// at `100 + 10 · fold` and ends 10 points later.
pub fn fold(fold: u32, metrics: &[(&str, f64)]) -> FoldRecord {
    FoldRecord {
        fold,
        origin: 100 + 10 * fold,
        end: 110 + 10 * fold,
        status: RunStatus::Ok,
        reason: None,
        metrics: metrics.iter().map(|&(n, v)| (n.to_string(), v)).collect(),
        train_seconds: 1.0,
        epochs: 5,
        best_epoch: 5,
    }
}

/// A successful run with a test rmse and r2.
pub fn ok(lookback: i64, seed: u64, rmse: f64, r2: f64) -> RunRecord {
    run(
        lookback,
        seed,
        RunStatus::Ok,
        &[("test_rmse", rmse), ("test_r2", r2)],
    )
}

/// A successful run with a test rmse, the naive forecast's test rmse and r2 = 1 - rmse.
pub fn ok_with_naive(lookback: i64, seed: u64, rmse: f64, naive: f64) -> RunRecord {
    run(
        lookback,
        seed,
        RunStatus::Ok,
        &[
            ("test_rmse", rmse),
            ("test_naive_rmse", naive),
            ("test_r2", 1.0 - rmse),
        ],
    )
}

/// The summaries' sweep: lookback=5 three seeds at rmse 1, 2, 3 (mean 2, std 1; r2 0.5,
/// 0.6, 0.7); lookback=10 two successful seeds at 0.5 and 1.5 (mean 1, std sqrt(0.5)) and
/// one diverged; lookback=20 every run failed; lookback=40 one seed at 4 (no spread).
pub fn lookback_sweep() -> Vec<RunRecord> {
    vec![
        ok(5, 1, 1.0, 0.5),
        ok(5, 2, 2.0, 0.6),
        ok(5, 3, 3.0, 0.7),
        ok(10, 1, 0.5, 0.9),
        run(10, 2, RunStatus::Diverged, &[("test_rmse", f64::NAN)]),
        ok(10, 3, 1.5, 0.8),
        run(20, 1, RunStatus::Failed, &[]),
        run(20, 2, RunStatus::Failed, &[]),
        ok(40, 1, 4.0, 0.1),
    ]
}

/// The experiment hash of [`gate_row`]s.
pub const GATE_HASH: &str = "h1";

/// A gate file row of `test_rmse` written by runner 0.1.0 for experiment [`GATE_HASH`],
/// without seeds.
pub fn gate_row(config: &str, mean: f64, std: Option<f64>, n: usize) -> GateRow {
    GateRow {
        config: config.to_string(),
        metric: "test_rmse".to_string(),
        mean,
        std,
        n,
        runner_version: "0.1.0".to_string(),
        experiment_hash: GATE_HASH.to_string(),
        seeds: Vec::new(),
    }
}

/// A forecast of 3 monthly values from 1961-01 by 2 seeds at 80% (known) and 95% (unknown)
/// levels, with its calibration on 3 folds.
pub fn forecast_record() -> ForecastRecord {
    ForecastRecord {
        config: "units=8".into(),
        chosen: true,
        baseline_answer: None,
        run_ids: vec!["a".into(), "b".into()],
        seeds: vec![1, 2],
        refit_epochs: vec![100, 100],
        dropped: vec![],
        steps: 3,
        levels: vec![0.8, 0.95],
        method: "recursive: a one-step network fed its own forecasts".into(),
        calendar: "monthly".into(),
        calibration: Some(Calibration {
            folds: 3,
            score: Score::Absolute,
            errors_per_step: vec![72, 71, 70],
            coverage: vec![
                LevelCoverage {
                    level: 0.8,
                    covered: 40,
                    checked: 50,
                    unchecked: 0,
                    folds: vec![2, 3],
                },
                LevelCoverage {
                    level: 0.95,
                    covered: 0,
                    checked: 0,
                    unchecked: 50,
                    folds: vec![2, 3],
                },
            ],
        }),
        intervals_note: None,
        history: vec![],
        rows: (1..=3)
            .map(|k| ForecastRow {
                step: k,
                time: Some(format!("1961-0{k}-01")),
                mean: 400.0 + k as f64,
                intervals: vec![Some((390.0, 410.0 + k as f64)), None],
                seeds: vec![399.0, 401.0],
            })
            .collect(),
        seconds: 2.0,
        runner_version: "0".into(),
    }
}
