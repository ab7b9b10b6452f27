//! Tests of [`super`]: `report`.

use super::*;
use crate::analysis::backtest::FoldSummary;
use crate::analysis::diebold_mariano::DieboldMariano;
use crate::analysis::selection::{Protocol, SelectOn};
use crate::store::records::RunStatus;
use crate::store::run_folder::FinishedRun;
use crate::store::test_support::{run, tempdir};

const FOLDS: Protocol = Protocol {
    measure: Measure::Rmse,
    on: SelectOn::Folds,
};

/// The owned data a test [`ReportInput`] borrows.
struct Parts {
    grid: Vec<(String, Vec<String>)>,
    analysis: SweepAnalysis,
    plots: Vec<String>,
}

/// A successful run: selection score, held-out test RMSE and R², the naive forecast at 4 and
/// linear AR at `ar` (selection, held-out).
fn ok(lookback: i64, seed: u64, selection: f64, rmse: f64, r2: f64, ar: (f64, f64)) -> FinishedRun {
    finished(run(
        lookback,
        seed,
        RunStatus::Ok,
        &[
            ("test_rmse", rmse),
            ("test_r2", r2),
            ("test_naive_rmse", 4.0),
            ("test_ar_rmse", ar.1),
            ("selection_rmse", selection),
            ("selection_naive_rmse", 4.5),
            ("selection_ar_rmse", ar.0),
        ],
    ))
}

fn finished(record: crate::store::records::RunRecord) -> FinishedRun {
    FinishedRun {
        record,
        history: Vec::new(),
        predictions: Vec::new(),
        folds: Vec::new(),
        series: Vec::new(),
    }
}

/// lookback=10 ranks first on the selection data (1.0 ± 0.71 over two seeds, one diverged);
/// lookback=5 second (2.0 ± 1.0). Held out: lookback=10 at 1.5 ± 0.71, lookback=5 at 1 ± 1.
fn runs(ar: (f64, f64)) -> Vec<FinishedRun> {
    let mut diverged = finished(run(10, 2, RunStatus::Diverged, &[]));
    diverged.record.reason = Some("loss is NaN\nat epoch 2".to_string());
    vec![
        ok(5, 1, 1.0, 0.0, 0.5, ar),
        ok(5, 2, 2.0, 1.0, 0.6, ar),
        ok(5, 3, 3.0, 2.0, 0.7, ar),
        ok(10, 1, 0.5, 1.0, 0.9, ar),
        diverged,
        ok(10, 3, 1.5, 2.0, 0.8, ar),
    ]
}

fn parts(ar: (f64, f64)) -> Parts {
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
    let mut analysis = SweepAnalysis::from_runs(&runs(ar), FOLDS);
    // These runs carry their figures without the folds they came from: three of them.
    analysis.choice.folds = 3;
    Parts {
        grid,
        analysis,
        plots,
    }
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
        forecast: None,
        time: None,
    }
}

#[test]
fn the_answer_comes_first_with_held_out_figures_beside_the_baselines() {
    let mut parts = parts((3.0, 2.0));
    // The chosen configuration against linear AR: a test result.
    parts.analysis.choice.baselines[1].dm = Some(DieboldMariano {
        statistic: -2.5,
        p_value: 0.031,
        n: 24,
        mean_difference: -1.0,
    });
    let text = render_report(&input(&parts));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "# sine_grid");
    assert_eq!(lines[2], "Lookback against seeds.");
    assert_eq!(lines[4], "## Answer");
    assert_eq!(
        lines[6],
        "Chosen by RMSE on the mean over backtest folds 1-2 (the test part, fold 3, held \
         out): **lookback=10**."
    );
    assert!(
        lines
            .contains(&"| lookback=10 (single seeds, mean ± std over 2) | 1.000 | 1.50 ± 0.71 | |"),
        "{text}"
    );
    // One naive figure, on the chosen configuration's points; held-out 1.5 against 4.
    assert!(
        lines.contains(&"| naive | 4.500 | 4.000 | beats naive by 62.5% (untested) |"),
        "{text}"
    );
    // (1.5 - 2) / 2 = -25%, significant.
    assert!(
        lines.contains(&"| linear AR | 3.000 | 2.000 | beats linear AR by 25.0%, p = 0.031 |"),
        "{text}"
    );
    // The runner-up is better on the test part: said so.
    assert!(
        lines.contains(&"| runner-up: lookback=5 (mean score of 3 seeds) | 2.000 | 1.000 | loses to the runner-up by 50.0% (untested) |"),
        "{text}"
    );
    assert_eq!(text.matches("| naive |").count(), 1, "{text}");
    assert!(!text.contains("Optimistic"), "{text}");
    assert!(!text.contains("answer is a baseline"), "{text}");
}

#[test]
fn report_has_the_grid_the_ranking_failures_and_plots() {
    let parts = parts((3.0, 2.0));
    let text = render_report(&input(&parts));
    let lines: Vec<&str> = text.lines().collect();
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
        lines.contains(&"| rank | config | selection RMSE | held-out test RMSE | test R² | n |"),
        "{text}"
    );
    // test_mae and the ensemble are in no run, so they have no column.
    assert!(!text.contains("test MAE"), "{text}");
    assert!(
        lines.contains(
            &"| 1 | lookback=10 | 1.00 ± 0.71 | 1.50 ± 0.71 | 0.850 ± 0.071 | 2 (1 failed) |"
        ),
        "{text}"
    );
    assert!(
        lines.contains(&"| 2 | lookback=5 | 2.0 ± 1.0 | 1.0 ± 1.0 | 0.60 ± 0.10 | 3 |"),
        "{text}"
    );
    // The optimistic pick, for reference: lookback=5 is better on the test part.
    assert!(
        text.contains(
            "Ranked on the test part itself (optimistic, for reference only), the choice would \
             have been lookback=5 at 1.000"
        ),
        "{text}"
    );
    assert!(
        lines.contains(&"- `lookback=10 seed=2`: loss is NaN at epoch 2"),
        "{text}"
    );
    assert!(lines.contains(&"![ranking](plots/ranking.png)"), "{text}");
    assert!(text.ends_with("![param window.lookback](plots/param_window.lookback.png)\n"));

    let mut top = input(&parts);
    top.top = 1;
    let text = render_report(&top);
    assert!(!text.contains("| 2 | lookback=5"), "{text}");
    assert!(
        text.lines()
            .any(|l| l == "1 more configuration in `summary.csv`."),
        "{text}"
    );
}

#[test]
fn a_baseline_better_on_the_selection_data_is_the_answer_and_an_exact_one_is_exact() {
    // Linear AR scores 0.25 on the selection data, better than every network; on the test
    // part it is exact.
    let mut parts = parts((0.25, 1e-11));
    for s in &mut parts.analysis.configs {
        s.metrics.push(crate::analysis::MetricSummary {
            name: "test_skill_vs_ar".into(),
            mean: Some(-1.5e11),
            std: None,
            by_seed: Vec::new(),
        });
    }
    let text = render_report(&input(&parts));
    // The answer comes first, then the best network.
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[6].starts_with("**The answer is a baseline: linear AR.** Ranked by RMSE on the mean over backtest folds 1-2 (the test part, fold 3, held out), it scores 0.2500"),
        "{text}"
    );
    assert_eq!(
        lines[8],
        "The best network configuration there, scoring 1.000: **lookback=10**."
    );
    assert!(
        text.contains("On the held-out test part, on the best network configuration's points"),
        "{text}"
    );
    assert!(
        text.contains(
            "| linear AR | 0.2500 | 1.0e-11 | linear AR is exact here: no forecast can beat it |"
        ),
        "{text}"
    );
    assert!(!text.contains("loses to linear AR"), "{text}");
    // The skill against an exact AR is a ratio to a rounding error: not shown.
    assert!(text.contains("| (linear AR exact) |"), "{text}");
    assert!(!text.contains("-150000000000"), "{text}");
}

#[test]
fn ranking_on_the_test_part_is_called_optimistic() {
    let runs = runs((3.0, 2.0));
    let test = Protocol {
        measure: Measure::Rmse,
        on: SelectOn::Test,
    };
    let parts = Parts {
        grid: Vec::new(),
        analysis: SweepAnalysis::from_runs(&runs, test),
        plots: Vec::new(),
    };
    let text = render_report(&input(&parts));
    assert!(text.contains("**Optimistic:**"), "{text}");
    assert!(
        text.contains("This ranking is on the test part itself: optimistic."),
        "{text}"
    );
}

#[test]
fn report_without_sweep_or_failures_says_so() {
    let runs = [ok(5, 1, 0.25, 0.25, 0.9, (3.0, 2.0))];
    let mut analysis = SweepAnalysis::from_runs(&runs, FOLDS);
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
        forecast: None,
        time: None,
    };
    let text = render_report(&report);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "# seed");
    assert_eq!(lines[2], "## Answer");
    assert!(
        text.contains(
            "1 run of the base configuration (no sweep). 1 trained, 0 cached (finished \
             earlier), 0 failed; wall time 3.50 s."
        ),
        "{text}"
    );
    assert!(
        lines.contains(&"| 1 | (base configuration) | 0.2500 | 0.2500 | 0.9000 | 1 |"),
        "{text}"
    );
    assert!(lines.contains(&"None: every run succeeded."), "{text}");
    assert!(!text.contains("## Plots"), "{text}");
}

#[test]
fn report_shows_the_chosen_configurations_backtest_folds() {
    let mut parts = parts((3.0, 2.0));
    parts.analysis.backtest = vec![
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
    let text = render_report(&input(&parts));
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"## Backtest"), "{text}");
    assert!(text.contains("backtest over 2 folds"), "{text}");
    assert!(
        text.contains("the chosen configuration (lookback=10)"),
        "{text}"
    );
    assert!(
        lines.contains(&"| 1 | 96 | 1.250 | 1.500 | 2.500 |"),
        "{text}"
    );
    assert!(
        lines.contains(&"| 2 | 120 | 0.7500 | 0.5000 | - |"),
        "{text}"
    );
    // With a time column the origins read as dates.
    let months: Vec<String> = (0..144)
        .map(|i| format!("{}-{:02}", 1949 + i / 12, i % 12 + 1))
        .collect();
    let mut dated = input(&parts);
    dated.time = Some(&months);
    let text = render_report(&dated);
    assert!(
        text.lines()
            .any(|l| l == "| 1 | 1957-01 (point 96) | 1.250 | 1.500 | 2.500 |"),
        "{text}"
    );
    assert!(text.contains("| 2 | 1959-01 (point 120) |"), "{text}");
    parts.analysis.backtest.clear();
    let text = render_report(&input(&parts));
    assert!(!text.contains("## Backtest"), "{text}");
}

#[test]
fn write_report_writes_report_md() {
    let tmp = tempdir();
    let parts = parts((3.0, 2.0));
    let report = input(&parts);
    write_report(tmp.path(), &report).unwrap();
    let text = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert_eq!(text, render_report(&report));
}
