//! The results folder: its layout and atomic assembly, the record types of finished runs,
//! the tables written from them (polars CSV + Parquet, JSON), the summary across seeds, the
//! report and the comparison of results folders.

pub mod compare;
pub mod format;
pub mod layout;
pub mod param_columns;
pub mod records;
pub mod report;
pub mod run_folder;
pub mod summary;
pub mod tables;

pub use compare::{compare_one, compare_two};
pub use layout::{default_results_dir, ResultsLayout, StagingDir};
pub use records::{HistoryRow, ParamValue, PredictionRow, RunRecord, RunStatus};
pub use report::{render_report, write_report, ReportInput};
pub use run_folder::{
    is_finished, read_run, remove_stale_temporaries, run_dir, write_run, FinishedRun,
};
pub use summary::{
    higher_is_better, mean_over_ok_runs, summarize, summary_frame, write_summary, ConfigSummary,
    MetricSummary,
};
pub use tables::{
    metric_names, read_runs, write_history, write_json, write_predictions, write_runs,
};

#[cfg(test)]
mod test_support;
