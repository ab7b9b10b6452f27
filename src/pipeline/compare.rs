//! `runner compare`: read one or two results folders' runs tables, analyse, render.

use std::path::Path;

use anyhow::{bail, Result};

use crate::analysis::comparison::{Comparison, Ranking};
use crate::analysis::metric::{Measure, Metric, Split};
use crate::render::compare_text::{comparison_text, ranking_text};
use crate::store::layout::RUNS_PARQUET;
use crate::store::records::RunRecord;
use crate::store::tables::{metric_names, read_runs};

/// The ranking of the configurations in results folder `dir` by the mean of `metric`
/// (default: [`default_metric`]), at most `top` rows, as text (see [`ranking_text`]).
pub fn compare_one(dir: &Path, metric: Option<Metric>, top: usize) -> Result<String> {
    let runs = read_runs(dir)?;
    let metric = metric.unwrap_or_else(|| default_metric(&runs));
    check_metric(dir, &runs, metric)?;
    Ok(ranking_text(dir, &Ranking::of(&runs, metric), top))
}

/// Results folders `a_dir` and `b_dir` side by side, at most `top` rows (in A's ranking), as
/// text (see [`comparison_text`]).
pub fn compare_two(
    a_dir: &Path,
    b_dir: &Path,
    metric: Option<Metric>,
    top: usize,
) -> Result<String> {
    let a_runs = read_runs(a_dir)?;
    let b_runs = read_runs(b_dir)?;
    let metric = metric.unwrap_or_else(|| default_metric(&a_runs));
    check_metric(a_dir, &a_runs, metric)?;
    check_metric(b_dir, &b_runs, metric)?;
    let comparison = Comparison::of(Ranking::of(&a_runs, metric), Ranking::of(&b_runs, metric));
    Ok(comparison_text(a_dir, b_dir, &comparison, top))
}

/// What a folder is compared by when `--metric` is not given: the test part's RMSE, or a
/// panel's OWA (its series differ in scale, so it has no RMSE).
pub fn default_metric(runs: &[RunRecord]) -> Metric {
    let owa = Metric::network(Split::Test, Measure::Owa);
    let names = metric_names(runs);
    if !names.contains(&Metric::TEST_RMSE.column()) && names.contains(&owa.column()) {
        owa
    } else {
        Metric::TEST_RMSE
    }
}

/// Refuses a metric the folder's runs table has no column for, listing those it has.
fn check_metric(dir: &Path, runs: &[RunRecord], metric: Metric) -> Result<()> {
    let names = metric_names(runs);
    if !names.contains(&metric.column()) {
        let have = if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        };
        bail!(
            "no metric \"{metric}\" in {} (metrics there: {have})",
            dir.join(RUNS_PARQUET).display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metric::{Measure, Split};
    use crate::store::records::{RunRecord, RunStatus};
    use crate::store::tables::write_runs;
    use crate::store::test_support::{ok_with_naive, run, tempdir};

    const RMSE: Metric = Metric::TEST_RMSE;
    const R2: Metric = Metric::network(Split::Test, Measure::R2);

    fn ok(lookback: i64, seed: u64, rmse: f64, naive: f64) -> RunRecord {
        ok_with_naive(lookback, seed, rmse, naive)
    }

    /// Folder A: lookback=5 rmse 1, 2, 3 (2 ± 1), lookback=10 0.5, 1.5 (1 ± 0.7071) and one
    /// diverged, lookback=20 0.25 from one seed. Naive 4 everywhere.
    fn folder_a(tmp: &tempfile::TempDir) -> std::path::PathBuf {
        let dir = tmp.path().join("a");
        std::fs::create_dir_all(&dir).unwrap();
        let runs = vec![
            ok(5, 1, 1.0, 4.0),
            ok(5, 2, 2.0, 4.0),
            ok(5, 3, 3.0, 4.0),
            ok(10, 1, 0.5, 4.0),
            run(10, 2, RunStatus::Diverged, &[]),
            ok(10, 3, 1.5, 4.0),
            ok(20, 1, 0.25, 4.0),
        ];
        write_runs(&dir, &runs).unwrap();
        dir
    }

    #[test]
    fn compare_one_prints_the_ranking_and_the_baselines() {
        let tmp = tempdir();
        let dir = folder_a(&tmp);
        let text = compare_one(&dir, Some(RMSE), usize::MAX).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "{}: 7 runs of 3 configurations (1 failed), ranked by test_rmse (lower is better)",
                dir.display()
            )
        );
        // These runs have no selection columns: the ranking saw the test part.
        assert!(
            lines[1].starts_with("optimistic: no selection_rmse column here"),
            "{text}"
        );
        assert_eq!(
            lines[3..7],
            [
                "rank  config                  n    test_rmse",
                "   1  lookback=20             1       0.2500",
                "   2  lookback=10  2 (1 failed)  1.00 ± 0.71",
                "   3  lookback=5              3    2.0 ± 1.0",
            ]
        );
        assert_eq!(
            lines[8],
            "baselines, test_rmse on the points of lookback=20: naive 4.000"
        );

        // top cuts the table; r2 = 1 - rmse ranks higher first: lookback=20 0.75,
        // lookback=10 mean(0.5, -0.5) = 0, lookback=5 mean(0, -1, -2) = -1.
        let text = compare_one(&dir, Some(R2), 1).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with("ranked by test_r2 (higher is better)"),
            "{text}"
        );
        assert_eq!(lines[4], "   1  lookback=20  1   0.7500");
        assert_eq!(lines[5], "(2 more configurations)");
        assert_eq!(lines[7], "(no baselines for test_r2)");
    }

    #[test]
    fn compare_two_matches_configs_and_marks_the_unmatched() {
        let tmp = tempdir();
        let a = folder_a(&tmp);
        let b = tmp.path().join("b");
        std::fs::create_dir_all(&b).unwrap();
        // B: lookback=5 1.5 and 2.5 (2 ± 0.7071, no change), lookback=10 0.9 (1 -> 0.9: -10%),
        // lookback=40 new.
        write_runs(
            &b,
            &[
                ok(5, 1, 1.5, 4.0),
                ok(5, 2, 2.5, 4.0),
                ok(10, 1, 0.9, 4.0),
                ok(40, 1, 3.0, 4.0),
            ],
        )
        .unwrap();
        let text = compare_two(&a, &b, Some(RMSE), usize::MAX).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "test_rmse (lower is better), mean ± std over seeds"
        );
        assert_eq!(
            lines[1],
            format!("A: {} (7 runs of 3 configurations)", a.display())
        );
        assert_eq!(
            lines[2],
            format!("B: {} (4 runs of 3 configurations)", b.display())
        );
        assert_eq!(
            lines[4..9],
            [
                "config                 A            B  change",
                "lookback=20       0.2500  (only in A)",
                "lookback=10  1.00 ± 0.71       0.9000  -10.0% better",
                "lookback=5     2.0 ± 1.0  2.00 ± 0.71  +0.0% same",
                "lookback=40  (only in B)        3.000",
            ]
        );
        assert_eq!(lines[10], "2 matched, 1 only in A, 1 only in B");

        // --top 2 keeps A's two best rows and says how many were left out; the counts
        // still cover every configuration.
        let top = compare_two(&a, &b, Some(RMSE), 2).unwrap();
        let lines: Vec<&str> = top.lines().collect();
        assert_eq!(
            lines[4..9],
            [
                "config                 A            B  change",
                "lookback=20       0.2500  (only in A)",
                "lookback=10  1.00 ± 0.71       0.9000  -10.0% better",
                "(2 more configurations)",
                "",
            ]
        );
        assert_eq!(lines[9], "2 matched, 1 only in A, 1 only in B");
    }

    #[test]
    fn compare_errors_name_the_folder_and_the_metric() {
        let tmp = tempdir();
        let empty = tmp.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let err = format!("{:#}", compare_one(&empty, Some(RMSE), 5).unwrap_err());
        assert!(
            err.contains(&format!("{} has no runs.parquet", empty.display())),
            "{err}"
        );

        let a = folder_a(&tmp);
        let mae = Metric::network(Split::Test, Measure::Mae);
        let err = format!("{:#}", compare_one(&a, Some(mae), 5).unwrap_err());
        assert!(
            err.contains("no metric \"test_mae\"")
                && err.contains(&a.join("runs.parquet").display().to_string())
                && err.contains("metrics there: test_rmse, test_naive_rmse, test_r2"),
            "{err}"
        );
        let err = format!("{:#}", compare_two(&a, &empty, Some(RMSE), 5).unwrap_err());
        assert!(err.contains(&empty.display().to_string()), "{err}");
    }
}
