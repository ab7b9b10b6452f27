//! `runner check`: run the experiment (reusing finished runs) and compare each configuration's
//! metric with a committed baseline; `--update` writes the baseline instead.

use std::io::Write as _;
use std::path::PathBuf;

use crate::analysis::gate::{check as compare_with_baseline, gate_rows, CheckReport};
use crate::analysis::summary::summarize;
use crate::analysis::Metric;
use crate::render::check_text::render_markdown;
use crate::spec::Sweep;
use crate::store::{metric_names, read_gate_file, write_gate_file};

use super::compare::default_metric;
use super::sweep::{run, Outcome, RunOptions};
use super::Error;

pub struct CheckOptions {
    pub baseline: PathBuf,
    /// `None`: test_rmse, or test_owa for a panel (as `compare`).
    pub metric: Option<Metric>,
    /// Relative worsening tolerated, e.g. 0.05.
    pub tolerance: f64,
    /// Write the baseline from this run instead of checking against it.
    pub update: bool,
    pub run: RunOptions,
}

pub enum CheckOutcome {
    Updated {
        path: PathBuf,
        /// The metric the baseline holds.
        metric: Metric,
        configs: usize,
        /// Configurations left out: no finite value of the metric (every run failed).
        without_value: usize,
    },
    Checked {
        report: CheckReport,
        markdown: PathBuf,
    },
}

pub fn check(sweep: &Sweep, opts: &CheckOptions) -> Result<(Outcome, CheckOutcome), Error> {
    // A missing or unreadable baseline is bad input: say so before training anything.
    let baseline = if opts.update {
        None
    } else {
        Some(read_gate_file(&opts.baseline).map_err(|e| Error::BadInput(format!("{e:#}")))?)
    };
    let outcome = run(sweep, &opts.run)?;
    let records: Vec<_> = outcome.runs.iter().map(|r| r.record.clone()).collect();
    // A metric no run has would make an empty baseline or an empty check: say which exist.
    let names = metric_names(&records);
    let metric = opts.metric.unwrap_or_else(|| default_metric(&records));
    let column = metric.column();
    if !names.is_empty() && !names.contains(&column) {
        let test: Vec<&str> = names
            .iter()
            .map(String::as_str)
            .filter(|n| n.starts_with("test_"))
            .collect();
        return Err(Error::BadInput(format!(
            "--metric {column}: no run of this experiment has it; its test metrics: {}",
            test.join(", ")
        )));
    }
    let summaries = summarize(&records, metric);
    let hash = sweep.hash();
    match baseline {
        None => {
            let rows = gate_rows(&summaries, metric, env!("CARGO_PKG_VERSION"), &hash);
            write_gate_file(&opts.baseline, &rows).map_err(Error::failed)?;
            let configs = rows.len();
            Ok((
                outcome,
                CheckOutcome::Updated {
                    path: opts.baseline.clone(),
                    metric,
                    configs,
                    without_value: summaries.len() - configs,
                },
            ))
        }
        Some(base) => {
            let report = compare_with_baseline(&summaries, &base, metric, opts.tolerance, &hash)
                .map_err(|e| Error::BadInput(format!("{e:#}")))?;
            let md = render_markdown(&report);
            let markdown = outcome.folder.join("check.md");
            std::fs::write(&markdown, &md)
                .map_err(|e| Error::failed(format!("{}: {e}", markdown.display())))?;
            if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&summary)
                    .map_err(|e| Error::failed(format!("$GITHUB_STEP_SUMMARY: {e}")))?;
                writeln!(f, "{md}").map_err(Error::failed)?;
            }
            Ok((outcome, CheckOutcome::Checked { report, markdown }))
        }
    }
}
