//! Adapters from the executor's view of a finished sweep to the summary table and report.md
//! (both rendered in `results`).

use std::path::Path;

use anyhow::Result;

use crate::results::{self, mean_over_ok_runs, summarize, ReportInput, RunRecord, RunStatus};
use crate::spec::sweep::value_text;

use super::assemble::{Assembly, RANK_METRIC};

/// How many configurations the report's table shows.
const REPORT_TOP: usize = 10;

pub fn write_summary(dir: &Path, records: &[RunRecord]) -> Result<()> {
    results::write_summary(dir, &summarize(records, RANK_METRIC))
}

pub fn write_report(dir: &Path, a: &Assembly, plots: &[String]) -> Result<()> {
    let records: Vec<RunRecord> = a.runs.iter().map(|r| r.record.clone()).collect();
    let summaries = summarize(&records, RANK_METRIC);
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
        summaries: &summaries,
        naive_test_rmse: mean_over_ok_runs(&records, "test_naive_rmse"),
        failed_runs: &failed,
        plots,
        wall_seconds: a.wall_seconds,
        top: REPORT_TOP,
    };
    results::write_report(dir, &input)
}
