//! The results folder on disk, and nothing else: where things go ([`layout`]), the records of
//! finished runs ([`records`]), run folders written atomically and checked against their
//! manifest ([`run_folder`], [`atomic`], [`manifest`]), the folder's lock ([`folder_lock`]), the
//! tables built from records (polars CSV + Parquet, JSON: [`tables`], [`param_columns`]) and the
//! regression gate's committed baseline file ([`gate_file`]). No statistics: those are in
//! `analysis`, which reads these records.

pub mod atomic;
pub mod folder_lock;
pub mod forecast;
pub mod gate_file;
pub mod layout;
pub mod manifest;
pub mod param_columns;
pub mod records;
pub mod run_folder;
pub mod tables;

pub use gate_file::{read_gate_file, write_gate_file, GateRow, GATE_FILE_COLUMNS};
pub use layout::{default_results_dir, ResultsLayout};
pub use records::{
    FoldRecord, HistoryRow, ParamValue, PredictionRow, Provenance, RunRecord, RunStatus,
    SeriesAccuracy, SeriesRow,
};
pub use run_folder::{
    has_manifest, is_finished, read_checked_run, read_run, remove_stale_temporaries, run_dir,
    run_state, write_run, FinishedRun, RunState,
};
pub use tables::{
    metric_names, read_runs, write_folds, write_history, write_json, write_predictions, write_runs,
    write_series, RunTimes,
};

#[cfg(test)]
pub(crate) mod test_support;
