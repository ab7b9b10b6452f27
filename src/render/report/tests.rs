//! Tests of [`super`]: `report`.

use super::*;
use crate::analysis::backtest::{FoldSummary, PreTestChoice};
use crate::analysis::summary::summarize;
use crate::analysis::sweep::{BaselineComparison, FailedRun};
use crate::store::records::{RunRecord, RunStatus};
use crate::store::test_support::{ok, run, tempdir};

/// The owned data a test [`ReportInput`] borrows.
struct Parts {
    grid: Vec<(String, Vec<String>)>,
    analysis: SweepAnalysis,
    plots: Vec<String>,
}

/// The analysis of `runs` as `SweepAnalysis::from_runs` lays it out, with the given naive
/// and other baselines' RMSE (records made by `ok` carry none).
fn analysis_of(
    runs: &[RunRecord],
    naive: Option<f64>,
    others: &[(Baseline, f64)],
) -> SweepAnalysis {
    let configs = summarize(runs, Metric::TEST_RMSE);
    let best = configs.first().and_then(|s| s.mean(Metric::TEST_RMSE));
    let baselines = naive
        .map(|v| (Baseline::Naive, v))
        .into_iter()
        .chain(others.iter().copied())
        .map(|(b, v)| BaselineComparison::new(b, v, best))
        .collect();
    SweepAnalysis {
        rank_metric: Metric::TEST_RMSE,
        configs,
        representatives: Vec::new(),
        baselines,
        headline: None,
        backtest: Vec::new(),
        pre_test_choice: None,
        failed: runs
            .iter()
            .filter(|r| r.status != RunStatus::Ok)
            .map(FailedRun::of)
            .collect(),
        runs: runs.len(),
    }
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
    let plots = vec![
        "plots/ranking.png".to_string(),
        "plots/param_window.lookback.png".to_string(),
    ];
    let mut runs = runs;
    runs[4].reason = Some("loss is NaN\nat epoch 2".to_string());
    Parts {
        grid,
        analysis: analysis_of(&runs, None, &[]),
        plots,
    }
}

fn runs() -> Vec<RunRecord> {
    vec![
        ok(5, 1, 1.0, 0.5),
        ok(5, 2, 2.0, 0.6),
        ok(5, 3, 3.0, 0.7),
        ok(10, 1, 0.5, 0.9),
        run(10, 2, RunStatus::Diverged, &[]),
        ok(10, 3, 1.5, 0.8),
    ]
}

/// `parts` with the naive baseline at `naive`.
fn with_naive(parts: &mut Parts, naive: Option<f64>, others: &[(Baseline, f64)]) {
    let failed = std::mem::take(&mut parts.analysis.failed);
    parts.analysis = analysis_of(&runs(), naive, others);
    parts.analysis.failed = failed;
}

fn input(parts: &Parts) -> ReportInput<'_> {
    ReportInput {
        name: "sine_grid",
        description: "Lookback against seeds.",
        grid: &parts.grid,
        cached: 2,
        analysis: &parts.analysis,
        plots: &parts.plots,
        wall_seconds: 245.4,
        top: 10,
    }
}

#[test]
fn report_has_title_grid_ranking_baseline_failures_and_plots() {
    let mut parts = input_parts();
    with_naive(&mut parts, Some(4.0), &[]);
    let text = render_report(&input(&parts));
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
        lines.contains(&"| 1 | lookback=10 | 1.000 ± 0.7071 | 0.8500 ± 0.07071 | 2 (1 failed) |"),
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
    let mut parts = input_parts();
    with_naive(&mut parts, Some(0.8), &[]);
    let mut report = input(&parts);
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

    with_naive(&mut parts, None, &[]);
    let text = render_report(&input(&parts));
    assert!(text.contains("No naive baseline was computed."), "{text}");
}

#[test]
fn report_without_sweep_or_failures_says_so() {
    let mut analysis = analysis_of(&[ok(5, 1, 0.25, 0.9)], Some(0.5), &[]);
    analysis.configs[0].config = String::new();
    let report = ReportInput {
        name: "seed",
        description: "",
        grid: &[],
        cached: 0,
        analysis: &analysis,
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
    let mut parts = input_parts();
    let others = [(Baseline::SeasonalNaive, 2.0), (Baseline::LinearAr, 0.8)];
    with_naive(&mut parts, Some(4.0), &others);
    let folds = vec![
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
    parts.analysis.backtest = folds;
    parts.analysis.pre_test_choice = Some(PreTestChoice {
        config: "lookback=5".into(),
        folds: 1,
        earlier_rmse: 1.25,
        test_rmse: 0.75,
        ensemble_test_rmse: Some(0.625),
        ar_rmse: 0.5,
        seasonal_naive_rmse: 2.0,
    });
    let text = render_report(&input(&parts));
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
    with_naive(&mut parts, Some(4.0), &[]);
    parts.analysis.backtest.clear();
    let text = render_report(&input(&parts));
    assert!(!text.contains("## Backtest"), "{text}");
}

#[test]
fn write_report_writes_report_md() {
    let tmp = tempdir();
    let mut parts = input_parts();
    with_naive(&mut parts, Some(4.0), &[]);
    let report = input(&parts);
    write_report(tmp.path(), &report).unwrap();
    let text = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert_eq!(text, render_report(&report));
}
