//! Tests of [`super`]: `gate`.

use super::test_fixtures::*;
use super::*;
use crate::analysis::metric::{Measure, Split};
use crate::analysis::summary::summarize;
use crate::store::records::RunStatus;
use crate::store::test_support::{ok, run};

const RMSE: Metric = Metric::TEST_RMSE;
const R2: Metric = Metric::network(Split::Test, Measure::R2);

#[test]
fn rows_come_from_summaries_sorted_by_config() {
    let runs = vec![
        // lookback=5: rmse 1, 2, 3 -> 2 ± 1 over 3.
        ok(5, 1, 1.0, 0.5),
        ok(5, 2, 2.0, 0.6),
        ok(5, 3, 3.0, 0.7),
        // lookback=10: one seed, 0.5.
        ok(10, 1, 0.5, 0.9),
        // lookback=20: every run failed, so no row.
        run(20, 1, RunStatus::Failed, &[]),
    ];
    let summaries = summarize(&runs, RMSE);
    let rows = gate_rows(&summaries, RMSE, "0.1.0", HASH);
    assert_eq!(
        rows,
        [
            base("lookback=10", 0.5, None, 1),
            base("lookback=5", 2.0, Some(1.0), 3)
        ]
    );
    let r2 = gate_rows(&summaries, R2, "0.1.0", HASH);
    assert_eq!(r2.len(), 2);
    assert_eq!(r2[1].metric, "test_r2");
    assert!((r2[1].mean - 0.6).abs() < 1e-12);
    assert!(gate_rows(
        &summaries,
        Metric::network(Split::Test, Measure::Mae),
        "0.1.0",
        HASH
    )
    .is_empty());
}

fn row<'a>(report: &'a CheckReport, config: &str) -> &'a CheckRow {
    report
        .rows
        .iter()
        .find(|r| r.config == config)
        .unwrap_or_else(|| panic!("no row {config}"))
}

#[test]
fn ten_times_worse_over_three_seeds_regresses() {
    // Baseline 1.0 ± 0.1 (3), now 10 ± 1 (3): change +900%. se² = 1/3 + 0.01/3 = 0.33667,
    // t = 9 / 0.58023 = 15.511; df = 0.33667² / ((1/3)²/2 + (0.01/3)²/2) = 2.04 -> p ≈ 0.004.
    let report = check(
        &[now("lr", 10.0, Some(1.0), 3)],
        &[base("lr", 1.0, Some(0.1), 3)],
        RMSE,
        DEFAULT_TOLERANCE,
        HASH,
    )
    .unwrap();
    let r = &report.rows[0];
    assert_eq!(r.verdict, Verdict::Regressed);
    assert!((r.change.unwrap() - 9.0).abs() < 1e-12);
    let w = r.welch.unwrap();
    assert!((w.t - 15.511).abs() < 1e-3, "{w:?}");
    assert!((w.df - 2.0398).abs() < 1e-3, "{w:?}");
    assert!(w.p < 0.01, "{w:?}");
    assert_eq!(r.note, "");
    assert!(!report.passed());
    assert!(report.warnings().is_empty());
}

#[test]
fn within_tolerance_is_unchanged_even_when_significant() {
    // 3% worse with tiny spread: t = 0.03 / sqrt(2 * 0.001² / 3) = 36.7, p < 0.001, yet
    // within the 5% tolerance.
    let report = check(
        &[now("a", 1.03, Some(0.001), 3), now("b", 1.03, Some(0.2), 3)],
        &[base("a", 1.0, Some(0.001), 3), base("b", 1.0, Some(0.2), 3)],
        RMSE,
        DEFAULT_TOLERANCE,
        HASH,
    )
    .unwrap();
    let a = row(&report, "a");
    assert_eq!(a.verdict, Verdict::Unchanged);
    assert!(a.welch.unwrap().p < 0.001);
    assert_eq!(a.note, "significant, but within the tolerance");
    let b = row(&report, "b");
    assert_eq!(b.verdict, Verdict::Unchanged);
    assert_eq!(b.note, "");
    assert!(report.passed());
}

#[test]
fn beyond_tolerance_but_within_noise_is_unchanged_with_a_note() {
    // 20% worse, spread 0.5 on 3 seeds each: se = sqrt(2 * 0.25 / 3) = 0.40825,
    // t = 0.2 / 0.40825 = 0.4899, df = 4, p (t table, df 4) ≈ 0.65.
    let report = check(
        &[
            now("noisy", 1.2, Some(0.5), 3),
            now("better", 0.7, Some(0.5), 3),
        ],
        &[
            base("noisy", 1.0, Some(0.5), 3),
            base("better", 1.0, Some(0.5), 3),
        ],
        RMSE,
        DEFAULT_TOLERANCE,
        HASH,
    )
    .unwrap();
    let r = row(&report, "noisy");
    assert_eq!(r.verdict, Verdict::Unchanged);
    assert!((r.change.unwrap() - 0.2).abs() < 1e-12);
    let w = r.welch.unwrap();
    assert!((w.t - 0.489_898).abs() < 1e-6 && (w.df - 4.0).abs() < 1e-12);
    assert!((w.p - 0.6497).abs() < 1e-3, "{w:?}");
    assert_eq!(
        r.note,
        "worse beyond the tolerance, but not significant (p >= 0.05)"
    );
    // 30% better, equally noisy: not an improvement either.
    let b = row(&report, "better");
    assert_eq!(b.verdict, Verdict::Unchanged);
    assert!(b
        .note
        .starts_with("better beyond the tolerance, but not significant"));
    assert!(report.passed());
}

#[test]
fn one_seed_configs_go_by_the_tolerance_alone() {
    let report = check(
        &[
            // 6% worse, one seed each: regressed.
            now("six", 1.06, None, 1),
            // 4% worse: unchanged.
            now("four", 1.04, None, 1),
            // 20% better, one seed now against three in the baseline: improved.
            now("better", 0.8, None, 1),
            // 10% worse with three seeds now, one in the baseline: regressed.
            now("ten", 1.1, Some(0.3), 3),
        ],
        &[
            base("six", 1.0, None, 1),
            base("four", 1.0, None, 1),
            base("better", 1.0, Some(0.5), 3),
            base("ten", 1.0, None, 1),
        ],
        RMSE,
        DEFAULT_TOLERANCE,
        HASH,
    )
    .unwrap();
    let verdicts: Vec<(Verdict, &str)> = report
        .rows
        .iter()
        .map(|r| (r.verdict, r.note.as_str()))
        .collect();
    assert_eq!(
        verdicts,
        [
            (
                Verdict::Regressed,
                "tolerance alone (one seed on each side)"
            ),
            (
                Verdict::Unchanged,
                "tolerance alone (one seed on each side)"
            ),
            (Verdict::Improved, "tolerance alone (one seed now)"),
            (
                Verdict::Regressed,
                "tolerance alone (one seed in the baseline)"
            ),
        ]
    );
    assert!(report.rows.iter().all(|r| r.welch.is_none()));
    assert_eq!(report.count(Verdict::Regressed), 2);
    assert!(!report.passed());
    // A wider tolerance lets 6% through.
    let loose = check(
        &[now("six", 1.06, None, 1)],
        &[base("six", 1.0, None, 1)],
        RMSE,
        0.1,
        HASH,
    )
    .unwrap();
    assert_eq!(loose.rows[0].verdict, Verdict::Unchanged);
    assert!(loose.passed());
}

#[test]
fn r2_is_better_when_higher() {
    let r2_now =
        |config: &str, v: f64| summary(config, 1, 0, stat(1.0, None, 1), Some(stat(v, None, 1)));
    let r2_base = |config: &str, v: f64| GateRow {
        metric: "test_r2".to_string(),
        ..base(config, v, None, 1)
    };
    // 0.9 -> 0.8: change (0.8 - 0.9) / 0.9 = -11.1%, worse for r2. 0.9 -> 0.99: +10%,
    // better. A negative baseline -0.5 -> -0.4: change +20% of |-0.5|, better.
    let report = check(
        &[r2_now("down", 0.8), r2_now("up", 0.99), r2_now("neg", -0.4)],
        &[
            r2_base("down", 0.9),
            r2_base("up", 0.9),
            r2_base("neg", -0.5),
        ],
        R2,
        DEFAULT_TOLERANCE,
        HASH,
    )
    .unwrap();
    let down = row(&report, "down");
    assert_eq!(down.verdict, Verdict::Regressed);
    assert!((down.change.unwrap() + 0.1 / 0.9).abs() < 1e-12);
    assert_eq!(row(&report, "up").verdict, Verdict::Improved);
    let neg = row(&report, "neg");
    assert_eq!(neg.verdict, Verdict::Improved);
    assert!((neg.change.unwrap() - 0.2).abs() < 1e-12);
    // The rmse baseline rows of the same file are ignored for r2, and vice versa.
    assert_eq!(report.rows.len(), 3);
}

#[test]
fn new_and_missing_configs_say_why() {
    let report = check(
        &[
            now("kept", 1.0, None, 1),
            now("added", 2.0, None, 1),
            // Every run of a baseline config failed.
            summary("broken", 0, 3, stat(0.0, None, 0), None),
            // Two of three runs ok, one failed, where the baseline had three: regressed.
            summary("flaky", 2, 1, stat(1.0, Some(0.1), 2), None),
            // Two ok and one failed, as in the baseline: compared, and noted.
            summary("steady", 2, 1, stat(1.0, Some(0.1), 2), None),
        ],
        &[
            base("kept", 1.0, None, 1),
            base("gone", 1.0, None, 1),
            base("broken", 1.0, None, 1),
            base("flaky", 1.0, Some(0.1), 3),
            base("steady", 1.0, Some(0.1), 2),
        ],
        RMSE,
        DEFAULT_TOLERANCE,
        HASH,
    )
    .unwrap();
    let seen: Vec<(&str, Verdict, &str)> = report
        .rows
        .iter()
        .map(|r| (r.config.as_str(), r.verdict, r.note.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "kept",
                Verdict::Unchanged,
                "tolerance alone (one seed on each side)"
            ),
            ("gone", Verdict::Missing, "not in the current results"),
            ("broken", Verdict::Missing, "every run failed (3 of 3)"),
            (
                "flaky",
                Verdict::Regressed,
                "1 of 3 runs failed; the baseline had 3 successful"
            ),
            ("steady", Verdict::Unchanged, "1 of 3 runs failed"),
            ("added", Verdict::New, "not in the baseline"),
        ]
    );
    assert_eq!(row(&report, "gone").baseline, Some(stat(1.0, None, 1)));
    assert_eq!(row(&report, "gone").now, None);
    assert_eq!(row(&report, "added").now, Some(stat(2.0, None, 1)));
    assert_eq!(
        (report.count(Verdict::Missing), report.count(Verdict::New)),
        (2, 1)
    );
    assert!(!report.passed());
    let counts = Verdict::ALL.map(|v| report.count(v));
    assert_eq!(counts, [1, 2, 0, 2, 1]);

    // A config whose runs succeeded without a finite value of the metric is missing too.
    let no_value = check(
        &[summary("nan", 2, 0, stat(0.0, None, 0), None)],
        &[GateRow {
            metric: "test_r2".to_string(),
            ..base("nan", 0.5, None, 1)
        }],
        R2,
        DEFAULT_TOLERANCE,
        HASH,
    )
    .unwrap();
    assert_eq!(no_value.rows[0].verdict, Verdict::Missing);
    assert_eq!(
        no_value.rows[0].note,
        "no finite test_r2 in 2 successful runs"
    );

    // An empty baseline would make every configuration new and pass: it is refused.
    let nothing = check(
        &[summary("fresh", 0, 2, stat(0.0, None, 0), None)],
        &[],
        RMSE,
        DEFAULT_TOLERANCE,
        HASH,
    )
    .unwrap_err();
    assert_eq!(
        nothing.to_string(),
        "the baseline has no rows: it would check nothing; write one with --update"
    );
}

#[test]
fn another_experiment_hash_is_compared_and_flagged() {
    let report = check(
        &[now("a", 1.0, None, 1)],
        &[base("a", 1.0, None, 1)],
        RMSE,
        DEFAULT_TOLERANCE,
        "h2",
    )
    .unwrap();
    assert!(report.hash_mismatch());
    assert_eq!(report.rows[0].verdict, Verdict::Unchanged);
    assert!(report.passed());
    assert_eq!(report.warnings(), [Warning::OtherExperiment]);
}

#[test]
fn zero_baseline_and_constant_seeds() {
    let report = check(
        &[
            now("zero", 0.1, None, 1),
            now("still_zero", 0.0, None, 1),
            // Identical constants over seeds (a fully deterministic run): not different.
            now("same", 2.0, Some(0.0), 3),
            // Different constants: significant, and 10% worse.
            now("shifted", 2.2, Some(0.0), 3),
        ],
        &[
            base("zero", 0.0, None, 1),
            base("still_zero", 0.0, None, 1),
            base("same", 2.0, Some(0.0), 3),
            base("shifted", 2.0, Some(0.0), 3),
        ],
        RMSE,
        DEFAULT_TOLERANCE,
        HASH,
    )
    .unwrap();
    let zero = row(&report, "zero");
    assert_eq!(
        (zero.verdict, zero.change),
        (Verdict::Regressed, Some(f64::INFINITY))
    );
    let still = row(&report, "still_zero");
    assert_eq!(
        (still.verdict, still.change),
        (Verdict::Unchanged, Some(0.0))
    );
    let same = row(&report, "same");
    assert_eq!(
        (same.verdict, same.welch.unwrap().p),
        (Verdict::Unchanged, 1.0)
    );
    let shifted = row(&report, "shifted");
    assert_eq!(
        (shifted.verdict, shifted.welch.unwrap().p),
        (Verdict::Regressed, 0.0)
    );
}

#[test]
fn bad_tolerance_metric_or_baseline_is_an_error() {
    let now_rows = [now("a", 1.0, None, 1)];
    let base_rows = [base("a", 1.0, None, 1)];
    for tol in [-0.1, f64::NAN, f64::INFINITY] {
        let err = check(&now_rows, &base_rows, RMSE, tol, HASH).unwrap_err();
        assert!(
            err.to_string()
                .contains("the tolerance must be a fraction >= 0"),
            "{err}"
        );
    }
    let mae = Metric::network(Split::Test, Measure::Mae);
    let err = check(&now_rows, &base_rows, mae, 0.05, HASH).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no metric \"test_mae\" in the current results (metrics there: test_rmse, test_r2)"
    );
    let err = check(&now_rows, &base_rows, R2, 0.05, HASH).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the baseline has no rows for metric \"test_r2\" (it has test_rmse)"),
        "{err}"
    );
}

#[test]
fn verdict_names() {
    let names: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
    assert_eq!(
        names,
        ["regressed", "missing", "improved", "unchanged", "new"]
    );
    assert!(Verdict::Regressed.fails() && Verdict::Missing.fails());
    assert!(!Verdict::Improved.fails() && !Verdict::New.fails() && !Verdict::Unchanged.fails());
}
