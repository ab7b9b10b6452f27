//! Finished-run records: the only input `results` and `plot` accept.
//!
//! The pipeline fills these after a run has ended; nothing here refers to a live model,
//! the experiment file or the network, so tables and plots can be rebuilt from records alone.

use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Trained and evaluated.
    Ok,
    /// The loss became NaN or infinite; metrics are absent.
    Diverged,
    /// Any other error (the reason says which).
    Failed,
}

impl RunStatus {
    /// The spelling used in tables and JSON: `ok`, `diverged`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Diverged => "diverged",
            RunStatus::Failed => "failed",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of `runs.csv` / `runs.parquet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: String,
    /// Human-readable description of the run (e.g. the swept values).
    pub label: String,
    pub status: RunStatus,
    /// Why the run diverged or failed; `None` for `ok` runs.
    pub reason: Option<String>,
    /// Metrics in original units, in display order, e.g. `("test_rmse", 0.013)`.
    /// A NaN or infinite value, or a metric another run has and this one lacks, becomes a
    /// null cell in the tables.
    pub metrics: Vec<(String, f64)>,
    /// Wall time of the fit, seconds.
    pub train_seconds: f64,
    /// Epochs actually run (fewer than configured after early stopping or divergence).
    pub epochs: usize,
}

/// One row of `history.csv` / `history.parquet`: the losses after one epoch of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub run_id: String,
    /// 1-based epoch number.
    pub epoch: u32,
    /// Mean training loss over the epoch's batches, in scaled units.
    pub train_loss: f64,
    /// Validation loss, when the split has a validation part.
    pub val_loss: Option<f64>,
}

/// One row of `predictions.parquet`: one predicted point, inverse-scaled to original units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionRow {
    pub run_id: String,
    /// `"train"`, `"validation"` or `"test"`.
    pub split: String,
    /// Position of the predicted point in the original series (0-based).
    pub index: u32,
    pub actual: f64,
    pub predicted: f64,
}
