//! Fixtures shared by the tests of the results modules.

use std::path::Path;

use super::records::{ParamValue, RunRecord, RunStatus};

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

/// A successful run with a test rmse and r2.
pub fn ok(lookback: i64, seed: u64, rmse: f64, r2: f64) -> RunRecord {
    run(
        lookback,
        seed,
        RunStatus::Ok,
        &[("test_rmse", rmse), ("test_r2", r2)],
    )
}
