//! The results folder: its layout and atomic assembly, the record types of finished runs,
//! and the tables written from them (polars CSV + Parquet, JSON).

pub mod layout;
pub mod records;
pub mod tables;

pub use layout::{default_results_dir, ResultsLayout, StagingDir};
pub use records::{HistoryRow, PredictionRow, RunRecord, RunStatus};
pub use tables::{write_history, write_json, write_predictions, write_runs};
