//! `report.md`: what a person reads first in a results folder: the answer (the configuration
//! chosen without the test part, its held-out figures beside every baseline's on the same
//! points, how sure the win is), what ran, the configurations with their spread over seeds,
//! the backtest, the forecast past the end when there is one, the failures and the plots.

use std::path::Path;

use anyhow::{Context, Result};

use super::answer::answer;
use super::forecast_text::forecast_section;
use super::format::{cell, config_name, duration, mean_std, num, p_value};
use super::report_html::write_report_html;
use crate::analysis::choice::Choice;
use crate::analysis::held_out::p_column;
use crate::analysis::metric::{Baseline, Forecaster, Measure, Metric, Split};
use crate::analysis::{ConfigSummary, SweepAnalysis};
use crate::store::forecast::ForecastRecord;
use crate::store::layout::REPORT_MD;

/// Metrics shown in the configurations table after the selection and held-out scores, with
/// their headings.
const SHOWN: [(Metric, &str); 4] = [
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
    /// The folder's forecast past the end of the series, when `runner forecast` made one.
    pub forecast: Option<&'a ForecastRecord>,
    /// The series' time labels, one per point, when the experiment names a time column:
    /// positions in the series (a fold's origin) are shown as their dates.
    pub time: Option<&'a [String]>,
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

    line("## Answer");
    line("");
    for l in answer(&input.analysis.choice) {
        line(&l);
    }
    line("");

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

    line("## Configurations");
    line("");
    for l in top_table(input) {
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

    if let Some(f) = input.forecast {
        line("## Forecast");
        line("");
        let chosen = input
            .analysis
            .choice
            .chosen
            .as_ref()
            .map(|c| c.config.as_str());
        let current: Vec<&str> = input
            .analysis
            .configs
            .iter()
            .flat_map(|c| c.run_ids.iter().map(String::as_str))
            .collect();
        for l in forecast_section(f, chosen, &current) {
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

/// Writes [`render_report`] to `dir/report.md`, and the same text as `dir/report.html` with
/// the plots of `dir` embedded.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<()> {
    let path = dir.join(REPORT_MD);
    let text = render_report(input);
    std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    write_report_html(dir, &text)
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
    let analysis = input.analysis;
    let configs = &analysis.configs;
    if configs.is_empty() {
        return vec!["No runs.".to_string()];
    }
    let protocol = analysis.protocol;
    let measure = protocol.measure_name();
    let held_out = protocol.held_out();
    let mut columns: Vec<(Metric, String)> = vec![
        (protocol.rank_metric(), format!("selection {measure}")),
        (held_out, format!("held-out test {measure}")),
        (
            held_out.of(Forecaster::SeedEnsemble),
            "seed ensemble (held-out)".to_string(),
        ),
    ];
    columns.extend(
        SHOWN
            .iter()
            .filter(|(m, _)| *m != held_out)
            .map(|(m, h)| (*m, h.to_string())),
    );
    // A column no configuration has a value in (the ensemble with one seed each) is left out.
    columns.retain(|(metric, _)| configs.iter().any(|s| s.mean(*metric).is_some()));
    let mut lines = vec![
        if protocol.optimistic() {
            format!(
                "Ranked by {measure} on {}. This ranking is on the test part itself: \
                 optimistic. ± is the sample standard deviation over seeds, n the number of \
                 successful runs; p is the Diebold-Mariano test of the configuration's seed \
                 ensemble against linear AR, with the side that is better.",
                protocol.describe(analysis.choice.folds)
            )
        } else {
            format!(
                "Ranked by {measure} on {} (lower is better); the held-out columns are the test \
                 part, which the ranking did not see. ± is the sample standard deviation over \
                 seeds, n the number of successful runs; p is the Diebold-Mariano test of the \
                 configuration's seed ensemble against linear AR on the held-out points, with \
                 the side that is better.",
                protocol.describe(analysis.choice.folds)
            )
        },
        String::new(),
    ];
    let p_ar = p_column(Baseline::LinearAr);
    let show_p = configs
        .iter()
        .any(|s| s.p_values.iter().any(|(n, v)| *n == p_ar && v.is_some()));
    let mut header = "| rank | config |".to_string();
    let mut rule = "|---:|---|".to_string();
    for (_, heading) in &columns {
        header.push_str(&format!(" {heading} |"));
        rule.push_str("---:|");
    }
    if show_p {
        header.push_str(" p vs AR |");
        rule.push_str("---:|");
    }
    header.push_str(" n |");
    rule.push_str("---:|");
    lines.push(header);
    lines.push(rule);
    for s in configs.iter().take(input.top) {
        let mut row = format!("| {} | {} |", s.rank, cell(&config_name(&s.config)));
        for (metric, _) in &columns {
            row.push_str(&format!(" {} |", figure(s, *metric, &analysis.choice)));
        }
        if show_p {
            let p = s
                .p_values
                .iter()
                .find(|(n, _)| *n == p_ar)
                .and_then(|(_, v)| *v);
            row.push_str(&format!(" {} |", p_vs_ar(s, p, held_out)));
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
    let chosen = analysis.choice.chosen.as_ref().map(|c| c.config.as_str());
    if let Some((config, figure)) = &analysis.choice.optimistic_pick {
        lines.push(String::new());
        lines.push(if Some(config.as_str()) == chosen {
            format!(
                "Ranked on the test part itself, the choice would be the same ({}); the \
                 held-out figure above did not need that look.",
                config_name(config)
            )
        } else {
            format!(
                "Ranked on the test part itself (optimistic, for reference only), the choice \
                 would have been {} at {}: that figure has seen the test part, and is not an \
                 answer.",
                config_name(config),
                num(*figure)
            )
        });
    }
    lines
}

/// A configuration's `metric` as `mean ± std`; a skill against a baseline that is exact has
/// no meaning (it is a ratio to a rounding error) and says so.
fn figure(s: &ConfigSummary, metric: Metric, choice: &Choice) -> String {
    if let Measure::SkillVs(b) = metric.measure {
        if choice.baseline(b).is_some_and(|score| score.exact) {
            return format!("({} exact)", b.name());
        }
    }
    mean_std(s.mean(metric), s.std(metric))
}

/// `p < 0.001, AR better`: the DM p-value against linear AR with the side its figure favours
/// (the seed ensemble's figure, else the seeds' mean, against AR's on the same runs).
fn p_vs_ar(s: &ConfigSummary, p: Option<f64>, held_out: Metric) -> String {
    let Some(p) = p else {
        return "-".to_string();
    };
    let mine = s
        .mean(held_out.of(Forecaster::SeedEnsemble))
        .or_else(|| s.mean(held_out));
    let ar = s.mean(held_out.of(Forecaster::Baseline(Baseline::LinearAr)));
    let side = match (mine, ar) {
        (Some(m), Some(a)) if m < a => ", better",
        (Some(m), Some(a)) if m > a => ", AR better",
        _ => "",
    };
    format!("{}{side}", p_value(p))
}

fn backtest_table(input: &ReportInput) -> Vec<String> {
    let name = input
        .analysis
        .choice
        .chosen
        .as_ref()
        .map_or_else(String::new, |c| config_name(&c.config));
    let mut lines = vec![
        format!(
            "Rolling-origin backtest over {}: each fold trains on the points before its \
             origin (transforms and scaler fitted there) and forecasts the test part after \
             it. The last fold is the test part. Per fold, the chosen configuration ({name}), mean \
             over its seeds:",
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
            position(f.origin as usize, input.time),
            num(f.test_rmse),
            num(f.ar_rmse),
            num(f.seasonal_naive_rmse)
        ));
    }
    lines
}

/// A position in the series as its time label with the index (`1958-01 (point 120)`), or the
/// bare index when the series has no time column.
fn position(index: usize, time: Option<&[String]>) -> String {
    match time.and_then(|t| t.get(index)) {
        Some(label) => format!("{} (point {index})", cell(label)),
        None => index.to_string(),
    }
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

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
