//! `report.md`: what a person reads first in a results folder: the experiment, the grid,
//! the best configurations with their spread over seeds, the naive baseline, the failures
//! and the plots.

use std::path::Path;

use anyhow::{Context, Result};

use super::format::{config_name, duration, mean_std, num};
use super::layout::REPORT_MD;
use super::summary::ConfigSummary;

/// The metric the report ranks by and compares with the naive baseline.
const RMSE: &str = "test_rmse";
/// Metrics shown in the top-configurations table, with their headings.
const SHOWN: [(&str, &str); 6] = [
    ("test_rmse", "test RMSE"),
    ("ensemble_test_rmse", "seed ensemble"),
    ("test_mae", "test MAE"),
    ("test_r2", "test R²"),
    ("test_skill_vs_ar", "skill vs AR"),
    ("test_skill_vs_seasonal_naive", "skill vs seasonal naive"),
];

/// One backtest fold of the best configuration, each value a mean over its seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldSummary {
    pub fold: u32,
    /// Index of the fold's first test point.
    pub origin: u32,
    pub test_rmse: f64,
    pub ar_rmse: f64,
    pub seasonal_naive_rmse: f64,
}

/// The configuration a backtest picks without looking at the test part: lowest mean test RMSE
/// over the folds before the last, then scored on the last fold (the experiment's test part).
/// Values are means over the configuration's successful seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct PreTestChoice {
    pub config: String,
    /// Folds the choice was made on (all but the last).
    pub folds: usize,
    pub earlier_rmse: f64,
    pub test_rmse: f64,
    /// The mean of its seeds' forecasts on the last fold, scored (see
    /// [`ensemble_rmse`](super::ensemble_rmse)); `None` with one seed.
    pub ensemble_test_rmse: Option<f64>,
    pub ar_rmse: f64,
    pub seasonal_naive_rmse: f64,
}

/// Everything the report says; the pipeline fills it after the tables are written.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// The experiment's name (the title).
    pub name: &'a str,
    /// The experiment's description; may be empty or several lines.
    pub description: &'a str,
    /// Swept keys and their candidate values as written (`("window.lookback", ["5", "10"])`),
    /// in sweep order; empty without a sweep.
    pub grid: &'a [(String, Vec<String>)],
    /// Runs in the experiment, including cached and failed ones.
    pub runs: usize,
    /// Runs skipped because a finished run folder existed.
    pub cached: usize,
    /// Configurations ranked by mean test rmse ([`summarize`](super::summarize) with
    /// `"test_rmse"`), best first.
    pub summaries: &'a [ConfigSummary],
    /// The naive last-value forecast's test rmse, mean over runs
    /// ([`mean_over_ok_runs`](super::mean_over_ok_runs) of `test_naive_rmse`).
    pub naive_test_rmse: Option<f64>,
    /// The other baselines' test rmse, mean over runs, with their names
    /// (`("linear AR", 18.45)`); only those computed.
    pub other_baselines: &'a [(&'a str, f64)],
    /// With a backtest: the best configuration's folds, oldest first; empty otherwise.
    pub backtest: &'a [FoldSummary],
    /// With a backtest: the choice made on the folds before the test part.
    pub pre_test_choice: Option<PreTestChoice>,
    /// Runs that diverged or failed: `(label, reason)`.
    pub failed_runs: &'a [(String, String)],
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

    if !input.backtest.is_empty() {
        line("## Backtest");
        line("");
        for l in backtest_table(input) {
            line(&l);
        }
        line("");
    }

    line("## Failed runs");
    line("");
    if input.failed_runs.is_empty() {
        line("None: every run succeeded.");
    } else {
        for (label, reason) in input.failed_runs {
            line(&format!("- `{}`: {}", one_line(label), one_line(reason)));
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
    let configs = input.summaries.len();
    let mut text = if input.grid.is_empty() {
        format!(
            "{} of the base configuration (no sweep).",
            plural(input.runs, "run")
        )
    } else {
        format!(
            "{} of {} over the grid below.",
            plural(input.runs, "run"),
            plural(configs, "configuration")
        )
    };
    let trained = input.runs.saturating_sub(input.cached);
    text.push_str(&format!(
        " {trained} trained, {} cached (finished earlier), {} failed; wall time {}.",
        input.cached,
        input.failed_runs.len(),
        duration(input.wall_seconds)
    ));
    text
}

fn top_table(input: &ReportInput) -> Vec<String> {
    if input.summaries.is_empty() {
        return vec!["No runs.".to_string()];
    }
    let shown: Vec<(&str, &str)> = SHOWN
        .iter()
        .copied()
        .filter(|(name, _)| input.summaries[0].metric(name).is_some())
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
    for s in input.summaries.iter().take(input.top) {
        let mut row = format!("| {} | {} |", s.rank, cell(&config_name(&s.config)));
        for (name, _) in &shown {
            row.push_str(&format!(" {} |", mean_std(s.mean(name), s.std(name))));
        }
        let n = if s.n_failed > 0 {
            format!("{} ({} failed)", s.n, s.n_failed)
        } else {
            s.n.to_string()
        };
        row.push_str(&format!(" {n} |"));
        lines.push(row);
    }
    let hidden = input.summaries.len().saturating_sub(input.top);
    if hidden > 0 {
        lines.push(String::new());
        let s = if hidden == 1 { "" } else { "s" };
        lines.push(format!("{hidden} more configuration{s} in `summary.csv`."));
    }
    lines
}

fn baseline(input: &ReportInput) -> String {
    let Some(naive) = input.naive_test_rmse else {
        return "No naive baseline was computed.".to_string();
    };
    let mut text = format!(
        "The naive forecast (each point predicted by the last value seen) has a test RMSE of \
         {} (mean over runs).",
        num(naive)
    );
    let best = input
        .summaries
        .iter()
        .filter_map(|s| s.mean(RMSE).map(|m| (s, m)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    match best {
        None => text.push_str(" No configuration has a test RMSE to compare with it."),
        Some((s, best)) if naive > 0.0 => {
            let change = (best - naive) / naive;
            let name = config_name(&s.config);
            if best < naive {
                text.push_str(&format!(
                    " The best configuration, {name}, beats it by {:.1}% ({} vs {}).",
                    -change * 100.0,
                    num(best),
                    num(naive)
                ));
            } else {
                text.push_str(&format!(
                    " The best configuration, {name}, does not beat it: its test RMSE is \
                     {:.1}% higher ({} vs {}).",
                    change * 100.0,
                    num(best),
                    num(naive)
                ));
            }
        }
        Some((s, best)) => text.push_str(&format!(
            " The best configuration, {}, has a test RMSE of {} (the baseline is exact here, \
             so no percentage).",
            config_name(&s.config),
            num(best)
        )),
    }
    text
}

/// The best configuration against each other baseline, as a table.
fn other_baselines(input: &ReportInput) -> Vec<String> {
    let best = input
        .summaries
        .iter()
        .filter_map(|s| s.mean(RMSE))
        .min_by(f64::total_cmp);
    let (Some(best), false) = (best, input.other_baselines.is_empty()) else {
        return Vec::new();
    };
    let mut lines = vec![
        String::new(),
        "On the same test points (mean over runs), against the best configuration's mean \
         test RMSE:"
            .to_string(),
        String::new(),
        "| baseline | test RMSE | best configuration |".to_string(),
        "|---|---:|---|".to_string(),
    ];
    for (name, rmse) in input.other_baselines {
        let verdict = if *rmse > 0.0 {
            let change = (best - rmse) / rmse * 100.0;
            if best < *rmse {
                format!("beats it by {:.1}%", -change)
            } else {
                format!("loses by {change:.1}%")
            }
        } else {
            "the baseline is exact".to_string()
        };
        lines.push(format!("| {} | {} | {verdict} |", cell(name), num(*rmse)));
    }
    lines
}

fn backtest_table(input: &ReportInput) -> Vec<String> {
    let name = input
        .summaries
        .first()
        .map_or_else(String::new, |s| config_name(&s.config));
    let mut lines = vec![
        format!(
            "Rolling-origin backtest over {}: each fold trains on the points before its \
             origin (transforms and scaler fitted there) and forecasts the test part after \
             it. The runs table and the ranking hold each metric's mean over folds. Per fold, \
             the best configuration ({name}), mean over its seeds:",
            plural(input.backtest.len(), "fold")
        ),
        String::new(),
        "| fold | origin | test RMSE | linear AR | seasonal naive |".to_string(),
        "|---:|---:|---:|---:|---:|".to_string(),
    ];
    for f in input.backtest {
        lines.push(format!(
            "| {} | {} | {} | {} | {} |",
            f.fold,
            f.origin,
            num(f.test_rmse),
            num(f.ar_rmse),
            num(f.seasonal_naive_rmse)
        ));
    }
    if let Some(c) = &input.pre_test_choice {
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
mod tests {
    use super::*;
    use crate::results::summary::summarize;
    use crate::results::test_support::{ok, run, tempdir};
    use crate::results::RunStatus;

    /// The owned data a test [`ReportInput`] borrows.
    struct Parts {
        grid: Vec<(String, Vec<String>)>,
        summaries: Vec<ConfigSummary>,
        failed: Vec<(String, String)>,
        plots: Vec<String>,
    }

    fn input_parts() -> Parts {
        let runs = vec![
            // lookback=5: rmse 1, 2, 3 -> 2 ± 1; r2 0.5, 0.6, 0.7 -> 0.6 ± 0.1.
            ok(5, 1, 1.0, 0.5),
            ok(5, 2, 2.0, 0.6),
            ok(5, 3, 3.0, 0.7),
            // lookback=10: 0.5 and 1.5 -> 1 ± 0.7071; one diverged.
            ok(10, 1, 0.5, 0.9),
            run(10, 2, RunStatus::Diverged, &[]),
            ok(10, 3, 1.5, 0.8),
        ];
        let grid = vec![
            (
                "window.lookback".to_string(),
                vec!["5".to_string(), "10".to_string()],
            ),
            (
                "seed".to_string(),
                vec!["1".to_string(), "2".to_string(), "3".to_string()],
            ),
        ];
        let failed = vec![(
            "lookback=10 seed=2".to_string(),
            "loss is NaN\nat epoch 2".to_string(),
        )];
        let plots = vec![
            "plots/ranking.png".to_string(),
            "plots/param_window.lookback.png".to_string(),
        ];
        Parts {
            grid,
            summaries: summarize(&runs, "test_rmse"),
            failed,
            plots,
        }
    }

    fn input<'a>(parts: &'a Parts, naive: Option<f64>) -> ReportInput<'a> {
        ReportInput {
            name: "sine_grid",
            description: "Lookback against seeds.",
            grid: &parts.grid,
            runs: 6,
            cached: 2,
            summaries: &parts.summaries,
            naive_test_rmse: naive,
            other_baselines: &[],
            backtest: &[],
            pre_test_choice: None,
            failed_runs: &parts.failed,
            plots: &parts.plots,
            wall_seconds: 245.4,
            top: 10,
        }
    }

    #[test]
    fn report_has_title_grid_ranking_baseline_failures_and_plots() {
        let parts = input_parts();
        let text = render_report(&input(&parts, Some(4.0)));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# sine_grid");
        assert_eq!(lines[2], "Lookback against seeds.");
        assert!(
            lines.contains(
                &"6 runs of 2 configurations over the grid below. 4 trained, 2 cached (finished \
              earlier), 1 failed; wall time 4 min 05 s."
            ),
            "{text}"
        );
        assert!(lines.contains(&"| `window.lookback` | 5, 10 |"), "{text}");
        assert!(lines.contains(&"| `seed` | 1, 2, 3 |"), "{text}");
        assert!(
            lines.contains(&"| rank | config | test RMSE | test R² | n |"),
            "{text}"
        );
        // test_mae is in no run, so it has no column.
        assert!(!text.contains("test MAE"), "{text}");
        assert!(
            lines.contains(
                &"| 1 | lookback=10 | 1.000 ± 0.7071 | 0.8500 ± 0.07071 | 2 (1 failed) |"
            ),
            "{text}"
        );
        assert!(
            lines.contains(&"| 2 | lookback=5 | 2.000 ± 1.000 | 0.6000 ± 0.1000 | 3 |"),
            "{text}"
        );
        // Best mean rmse 1 against the naive 4: (4 - 1) / 4 = 75% better.
        assert!(
            text.contains("has a test RMSE of 4.000 (mean over runs). The best configuration, lookback=10, beats it by 75.0% (1.000 vs 4.000)."),
            "{text}"
        );
        assert!(
            lines.contains(&"- `lookback=10 seed=2`: loss is NaN at epoch 2"),
            "{text}"
        );
        assert!(lines.contains(&"![ranking](plots/ranking.png)"), "{text}");
        assert!(
            lines.contains(&"![param window.lookback](plots/param_window.lookback.png)"),
            "{text}"
        );
        assert!(text.ends_with("![param window.lookback](plots/param_window.lookback.png)\n"));
    }

    #[test]
    fn report_says_when_the_naive_baseline_wins_and_cuts_the_table_at_top() {
        let parts = input_parts();
        let mut report = input(&parts, Some(0.8));
        report.top = 1;
        let text = render_report(&report);
        // (1 - 0.8) / 0.8 = 25% worse.
        assert!(
            text.contains("The best configuration, lookback=10, does not beat it: its test RMSE is 25.0% higher (1.000 vs 0.8000)."),
            "{text}"
        );
        assert!(!text.contains("| 2 | lookback=5"), "{text}");
        assert!(
            text.lines()
                .any(|l| l == "1 more configuration in `summary.csv`."),
            "{text}"
        );

        let text = render_report(&input(&parts, None));
        assert!(text.contains("No naive baseline was computed."), "{text}");
    }

    #[test]
    fn report_without_sweep_or_failures_says_so() {
        let runs = vec![ok(5, 1, 0.25, 0.9)];
        let mut summaries = summarize(&runs, "test_rmse");
        summaries[0].config = String::new();
        let report = ReportInput {
            name: "seed",
            description: "",
            grid: &[],
            runs: 1,
            cached: 0,
            summaries: &summaries,
            naive_test_rmse: Some(0.5),
            other_baselines: &[],
            backtest: &[],
            pre_test_choice: None,
            failed_runs: &[],
            plots: &[],
            wall_seconds: 3.5,
            top: 10,
        };
        let text = render_report(&report);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# seed");
        assert_eq!(lines[2], "## What ran");
        assert_eq!(
            lines[4],
            "1 run of the base configuration (no sweep). 1 trained, 0 cached (finished \
             earlier), 0 failed; wall time 3.50 s."
        );
        assert!(
            lines.contains(&"| 1 | (base configuration) | 0.2500 | 0.9000 | 1 |"),
            "{text}"
        );
        assert!(lines.contains(&"None: every run succeeded."), "{text}");
        assert!(!text.contains("## Plots"), "{text}");
        assert!(text.contains("beats it by 50.0%"), "{text}");
    }

    #[test]
    fn report_compares_with_every_baseline_and_shows_the_backtest_folds() {
        let parts = input_parts();
        let mut report = input(&parts, Some(4.0));
        let others = [("seasonal naive", 2.0), ("linear AR", 0.8)];
        let folds = [
            FoldSummary {
                fold: 1,
                origin: 96,
                test_rmse: 1.25,
                ar_rmse: 1.5,
                seasonal_naive_rmse: 2.5,
            },
            FoldSummary {
                fold: 2,
                origin: 120,
                test_rmse: 0.75,
                ar_rmse: 0.5,
                seasonal_naive_rmse: f64::NAN,
            },
        ];
        report.other_baselines = &others;
        report.backtest = &folds;
        report.pre_test_choice = Some(PreTestChoice {
            config: "lookback=5".into(),
            folds: 1,
            earlier_rmse: 1.25,
            test_rmse: 0.75,
            ensemble_test_rmse: Some(0.625),
            ar_rmse: 0.5,
            seasonal_naive_rmse: 2.0,
        });
        let text = render_report(&report);
        let lines: Vec<&str> = text.lines().collect();
        // best mean rmse 1: (2 - 1) / 2 = 50% better; (1 - 0.8) / 0.8 = 25% worse
        assert!(
            lines.contains(&"| seasonal naive | 2.000 | beats it by 50.0% |"),
            "{text}"
        );
        assert!(
            lines.contains(&"| linear AR | 0.8000 | loses by 25.0% |"),
            "{text}"
        );
        assert!(lines.contains(&"## Backtest"), "{text}");
        assert!(text.contains("backtest over 2 folds"), "{text}");
        assert!(
            lines.contains(&"| 1 | 96 | 1.250 | 1.500 | 2.500 |"),
            "{text}"
        );
        assert!(
            lines.contains(&"| 2 | 120 | 0.7500 | 0.5000 | - |"),
            "{text}"
        );
        assert!(
            text.contains(
                "the 1 fold before the last, 1.250): lookback=5. On the last fold, the test \
                 part, it scores 0.7500 (the mean of its seeds' forecasts: 0.6250) against \
                 linear AR 0.5000 and seasonal naive 2.000"
            ),
            "{text}"
        );
        // without a backtest there is no such section
        let text = render_report(&input(&parts, Some(4.0)));
        assert!(!text.contains("## Backtest"), "{text}");
    }

    #[test]
    fn write_report_writes_report_md() {
        let tmp = tempdir();
        let parts = input_parts();
        let report = input(&parts, Some(4.0));
        write_report(tmp.path(), &report).unwrap();
        let text = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
        assert_eq!(text, render_report(&report));
    }
}
