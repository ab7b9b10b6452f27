//! The results folder: its layout and atomic assembly, the record types of finished runs,
//! the tables written from them (polars CSV + Parquet, JSON), the summary across seeds and the
//! seed ensembles, the
//! report, the comparison of results folders, and the regression gate (baseline file,
//! Welch's t-test, check verdicts).

pub mod atomic;
pub mod baseline;
pub mod check;
pub mod compare;
pub mod ensemble;
pub mod format;
pub mod layout;
pub mod param_columns;
pub mod records;
pub mod report;
pub mod run_folder;
pub mod summary;
pub mod tables;
pub mod welch;

pub use baseline::{baseline_rows, read_baseline, write_baseline, BaselineRow, BASELINE_COLUMNS};
pub use check::{
    check, CheckReport, CheckRow, Stat, Verdict, DEFAULT_TOLERANCE, SIGNIFICANCE_LEVEL, TEST_NAME,
};
pub use compare::{compare_one, compare_two};
pub use ensemble::{ensemble_rmse, ensemble_test_rmse, ENSEMBLE_METRIC};
pub use layout::{default_results_dir, ResultsLayout};
pub use records::{FoldRecord, HistoryRow, ParamValue, PredictionRow, RunRecord, RunStatus};
pub use report::{render_report, write_report, FoldSummary, PreTestChoice, ReportInput};
pub use run_folder::{
    is_finished, read_run, remove_stale_temporaries, run_dir, write_run, FinishedRun,
};
pub use summary::{
    higher_is_better, mean_over_ok_runs, summarize, summary_frame, write_summary, ConfigSummary,
    MetricSummary,
};
pub use tables::{
    metric_names, read_runs, write_folds, write_history, write_json, write_predictions, write_runs,
};
pub use welch::{student_t_cdf, student_t_two_sided_p, welch, welch_from_stats, Welch};

#[cfg(test)]
mod test_support;
