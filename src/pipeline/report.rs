//! Adapter from the executor's view of a finished sweep to report.md (rendered in `results`).

use std::path::Path;

use anyhow::Result;

use crate::results::{self, mean_over_ok_runs, ConfigSummary, ReportInput, RunRecord, RunStatus};
use crate::spec::sweep::value_text;

use super::assemble::Assembly;

/// How many configurations the report's table shows.
const REPORT_TOP: usize = 10;

pub fn write_report(
    dir: &Path,
    a: &Assembly,
    records: &[RunRecord],
    summaries: &[ConfigSummary],
    plots: &[String],
) -> Result<()> {
    let grid: Vec<(String, Vec<String>)> = a
        .sweep
        .axes
        .iter()
        .map(|axis| {
            (
                axis.key.clone(),
                axis.values.iter().map(value_text).collect(),
            )
        })
        .collect();
    let failed: Vec<(String, String)> = records
        .iter()
        .filter(|r| r.status != RunStatus::Ok)
        .map(|r| {
            let why = r.reason.clone().unwrap_or_else(|| r.status.to_string());
            (r.label.clone(), why)
        })
        .collect();
    let exp = &a.sweep.runs[0].experiment;
    let input = ReportInput {
        name: &exp.name,
        description: &exp.description,
        grid: &grid,
        runs: records.len(),
        cached: a.cached,
        summaries,
        naive_test_rmse: mean_over_ok_runs(records, "test_naive_rmse"),
        failed_runs: &failed,
        plots,
        wall_seconds: a.wall_seconds,
        top: REPORT_TOP,
    };
    results::write_report(dir, &input)
}
