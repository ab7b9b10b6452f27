//! `report.md`: what a person reads first in a results folder: the experiment, the grid,
//! the best configurations with their spread over seeds, the naive baseline, the failures
//! and the plots.

use std::path::Path;

use anyhow::{Context, Result};

use super::format::{config_name, duration, mean_std, num};
use crate::analysis::metric::{Baseline, Measure, Metric, Split};
use crate::analysis::SweepAnalysis;
use crate::store::layout::REPORT_MD;

/// Metrics shown in the top-configurations table, with their headings.
const SHOWN: [(Metric, &str); 6] = [
    (Metric::TEST_RMSE, "test RMSE"),
    (Metric::ENSEMBLE_TEST_RMSE, "seed ensemble"),
    (Metric::network(Split::Test, Measure::Mae), "test MAE"),
    (Metric::network(Split::Test, Measure::R2), "test R²"),
    (
        Metric::network(Split::Test, Measure::SkillVs(Baseline::LinearAr)),
        "skill vs AR",
    ),
    (
        Metric::network(Split::Test, Measure::SkillVs(Baseline::SeasonalNaive)),
        "skill vs seasonal naive",
    ),
];

/// What the report says besides the analysis: the experiment and the invocation.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// The experiment's name (the title).
    pub name: &'a str,
    /// The experiment's description; may be empty or several lines.
    pub description: &'a str,
    /// Swept keys and their candidate values as written (`("window.lookback", ["5", "10"])`),
    /// in sweep order; empty without a sweep.
    pub grid: &'a [(String, Vec<String>)],
    /// Runs skipped because a finished run folder existed.
    pub cached: usize,
    pub analysis: &'a SweepAnalysis,
    /// Plot files relative to the results folder, e.g. `plots/ranking.png`.
    pub plots: &'a [String],
    /// Wall time of the whole invocation, seconds.
    pub wall_seconds: f64,
    /// How many configurations the table shows.
    pub top: usize,
}

/// The report as markdown; see the module doc.
pub fn render_report(input: &ReportInput) -> String {
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text);
        out.push('\n');
    };

    line(&format!("# {}", input.name));
    line("");
    if !input.description.trim().is_empty() {
        line(input.description.trim());
        line("");
    }

    line("## What ran");
    line("");
    line(&what_ran(input));
    line("");
    if !input.grid.is_empty() {
        line("| swept key | values |");
        line("|---|---|");
        for (key, values) in input.grid {
            line(&format!(
                "| `{}` | {} |",
                cell(key),
                cell(&values.join(", "))
            ));
        }
        line("");
    }

    line("## Top configurations");
    line("");
    for l in top_table(input) {
        line(&l);
    }
    line("");

    line("## Baselines");
    line("");
    line(&baseline(input));
    for l in other_baselines(input) {
        line(&l);
    }
    line("");

    if !input.analysis.backtest.is_empty() {
        line("## Backtest");
        line("");
        for l in backtest_table(input) {
            line(&l);
        }
        line("");
    }

    line("## Failed runs");
    line("");
    if input.analysis.failed.is_empty() {
        line("None: every run succeeded.");
    } else {
        for f in &input.analysis.failed {
            line(&format!(
                "- `{}`: {}",
                one_line(&f.label),
                one_line(&f.why())
            ));
        }
    }

    if !input.plots.is_empty() {
        line("");
        line("## Plots");
        for plot in input.plots {
            line("");
            line(&format!("![{}]({plot})", plot_title(plot)));
        }
    }
    out
}

/// Writes [`render_report`] to `dir/report.md`.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<()> {
    let path = dir.join(REPORT_MD);
    std::fs::write(&path, render_report(input))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn what_ran(input: &ReportInput) -> String {
    let configs = input.analysis.configs.len();
    let runs = input.analysis.runs;
    let mut text = if input.grid.is_empty() {
        format!(
            "{} of the base configuration (no sweep).",
            plural(runs, "run")
        )
    } else {
        format!(
            "{} of {} over the grid below.",
            plural(runs, "run"),
            plural(configs, "configuration")
        )
    };
    let trained = runs.saturating_sub(input.cached);
    text.push_str(&format!(
        " {trained} trained, {} cached (finished earlier), {} failed; wall time {}.",
        input.cached,
        input.analysis.failed.len(),
        duration(input.wall_seconds)
    ));
    text
}

fn top_table(input: &ReportInput) -> Vec<String> {
    let configs = &input.analysis.configs;
    if configs.is_empty() {
        return vec!["No runs.".to_string()];
    }
    let shown: Vec<(Metric, &str)> = SHOWN
        .iter()
        .copied()
        .filter(|(metric, _)| configs[0].metric(*metric).is_some())
        .collect();
    let mut lines = vec![
        "Ranked by mean test RMSE over seeds (lower is better); ± is the sample standard \
         deviation over seeds, n the number of successful runs."
            .to_string(),
        String::new(),
    ];
    let mut header = "| rank | config |".to_string();
    let mut rule = "|---:|---|".to_string();
    for (_, heading) in &shown {
        header.push_str(&format!(" {heading} |"));
        rule.push_str("---:|");
    }
    header.push_str(" n |");
    rule.push_str("---:|");
    lines.push(header);
    lines.push(rule);
    for s in configs.iter().take(input.top) {
        let mut row = format!("| {} | {} |", s.rank, cell(&config_name(&s.config)));
        for (metric, _) in &shown {
            row.push_str(&format!(" {} |", mean_std(s.mean(*metric), s.std(*metric))));
        }
        let n = if s.n_failed > 0 {
            format!("{} ({} failed)", s.n, s.n_failed)
        } else {
            s.n.to_string()
        };
        row.push_str(&format!(" {n} |"));
        lines.push(row);
    }
    let hidden = configs.len().saturating_sub(input.top);
    if hidden > 0 {
        lines.push(String::new());
        let s = if hidden == 1 { "" } else { "s" };
        lines.push(format!("{hidden} more configuration{s} in `summary.csv`."));
    }
    lines
}

fn baseline(input: &ReportInput) -> String {
    let Some(naive) = input.analysis.baseline(Baseline::Naive) else {
        return "No naive baseline was computed.".to_string();
    };
    let mut text = format!(
        "The naive forecast (each point predicted by the last value seen) has a test RMSE of \
         {} (mean over runs).",
        num(naive.rmse)
    );
    let rank_metric = input.analysis.rank_metric;
    let best = input
        .analysis
        .best()
        .and_then(|s| s.mean(rank_metric).map(|m| (config_name(&s.config), m)));
    match (best, naive.best_change) {
        (None, _) => text.push_str(" No configuration has a test RMSE to compare with it."),
        (Some((name, best)), Some(change)) if change < 0.0 => text.push_str(&format!(
            " The best configuration, {name}, beats it by {:.1}% ({} vs {}).",
            -change * 100.0,
            num(best),
            num(naive.rmse)
        )),
        (Some((name, best)), Some(change)) => text.push_str(&format!(
            " The best configuration, {name}, does not beat it: its test RMSE is \
             {:.1}% higher ({} vs {}).",
            change * 100.0,
            num(best),
            num(naive.rmse)
        )),
        (Some((name, best)), None) => text.push_str(&format!(
            " The best configuration, {name}, has a test RMSE of {} (the baseline is exact here, \
             so no percentage).",
            num(best)
        )),
    }
    text
}

/// The best configuration against each other baseline, as a table.
fn other_baselines(input: &ReportInput) -> Vec<String> {
    let others: Vec<_> = input
        .analysis
        .baselines
        .iter()
        .filter(|c| c.baseline != Baseline::Naive)
        .collect();
    if input.analysis.best().is_none() || others.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![
        String::new(),
        "On the same test points (mean over runs), against the best configuration's mean \
         test RMSE:"
            .to_string(),
        String::new(),
        "| baseline | test RMSE | best configuration |".to_string(),
        "|---|---:|---|".to_string(),
    ];
    for c in others {
        let verdict = match c.best_change {
            Some(change) if change < 0.0 => format!("beats it by {:.1}%", -change * 100.0),
            Some(change) => format!("loses by {:.1}%", change * 100.0),
            None => "the baseline is exact".to_string(),
        };
        lines.push(format!(
            "| {} | {} | {verdict} |",
            cell(c.baseline.name()),
            num(c.rmse)
        ));
    }
    lines
}

fn backtest_table(input: &ReportInput) -> Vec<String> {
    let name = input
        .analysis
        .configs
        .first()
        .map_or_else(String::new, |s| config_name(&s.config));
    let mut lines = vec![
        format!(
            "Rolling-origin backtest over {}: each fold trains on the points before its \
             origin (transforms and scaler fitted there) and forecasts the test part after \
             it. The runs table and the ranking hold each metric's mean over folds. Per fold, \
             the best configuration ({name}), mean over its seeds:",
            plural(input.analysis.backtest.len(), "fold")
        ),
        String::new(),
        "| fold | origin | test RMSE | linear AR | seasonal naive |".to_string(),
        "|---:|---:|---:|---:|---:|".to_string(),
    ];
    for f in &input.analysis.backtest {
        lines.push(format!(
            "| {} | {} | {} | {} | {} |",
            f.fold,
            f.origin,
            num(f.test_rmse),
            num(f.ar_rmse),
            num(f.seasonal_naive_rmse)
        ));
    }
    if let Some(c) = &input.analysis.pre_test_choice {
        lines.push(String::new());
        lines.push(format!(
            "Chosen without looking at the test part (lowest mean test RMSE over the {} before \
             the last, {}): {}. On the last fold, the test part, it scores {}{} against linear \
             AR {} and seasonal naive {} (means over seeds). The ranking above includes the \
             test part, so its best is optimistic; this is the honest figure.",
            plural(c.folds, "fold"),
            num(c.earlier_rmse),
            config_name(&c.config),
            num(c.test_rmse),
            c.ensemble_test_rmse
                .map(|e| format!(" (the mean of its seeds' forecasts: {})", num(e)))
                .unwrap_or_default(),
            num(c.ar_rmse),
            num(c.seasonal_naive_rmse)
        ));
    }
    lines
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `plots/param_window.lookback.png` → `param window.lookback`.
fn plot_title(path: &str) -> String {
    let stem = Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    stem.replace('_', " ")
}

/// Text safe inside a markdown table cell.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
