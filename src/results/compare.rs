//! `runner compare`: the ranking of one results folder, or two folders side by side, as
//! aligned text read back from their `runs.parquet`.

use std::path::Path;

use anyhow::{bail, Result};

use super::format::{config_name, mean_std, num, percent, text_table, Align};
use super::records::{RunRecord, RunStatus};
use super::summary::{higher_is_better, mean_over_ok_runs, summarize, ConfigSummary};
use super::tables::{metric_names, read_runs};

/// The ranking of the configurations in results folder `dir` by the mean of `metric`, best
/// first, at most `top` rows (pass `usize::MAX` for all), followed by the naive baseline's
/// mean of the same metric when the runs have one (`test_rmse` → `test_naive_rmse`).
///
/// Columns: rank, config, n (successful runs, and failed ones if any), `mean ± std`.
pub fn compare_one(dir: &Path, metric: &str, top: usize) -> Result<String> {
    let runs = read_runs(dir)?;
    check_metric(dir, &runs, metric)?;
    let summaries = summarize(&runs, metric);

    let mut out = format!(
        "{}: {} of {}{}, ranked by {metric} ({})\n\n",
        dir.display(),
        plural(runs.len(), "run"),
        plural(summaries.len(), "configuration"),
        failed_note(&runs),
        direction(metric),
    );
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .take(top)
        .map(|s| {
            vec![
                s.rank.to_string(),
                config_name(&s.config),
                runs_cell(s),
                mean_std(s.mean(metric), s.std(metric)),
            ]
        })
        .collect();
    out.push_str(&text_table(
        &["rank", "config", "n", metric],
        &[Align::Right, Align::Left, Align::Right, Align::Right],
        &rows,
    ));
    let hidden = summaries.len().saturating_sub(top);
    if hidden > 0 {
        let s = if hidden == 1 { "" } else { "s" };
        out.push_str(&format!("({hidden} more configuration{s})\n"));
    }
    out.push('\n');
    out.push_str(&naive_line(&runs, metric));
    Ok(out)
}

/// Results folders `a_dir` and `b_dir` side by side: configurations matched by their config
/// label, each folder's `mean ± std` of `metric`, and the change from A to B in percent of A
/// ((B - A) / A). Rows follow A's ranking; configurations only in B follow in B's ranking.
/// A configuration present in one folder only is marked as such.
pub fn compare_two(a_dir: &Path, b_dir: &Path, metric: &str) -> Result<String> {
    let a_runs = read_runs(a_dir)?;
    let b_runs = read_runs(b_dir)?;
    check_metric(a_dir, &a_runs, metric)?;
    check_metric(b_dir, &b_runs, metric)?;
    let a = summarize(&a_runs, metric);
    let b = summarize(&b_runs, metric);
    let find = |list: &'_ [ConfigSummary], config: &str| -> Option<usize> {
        list.iter().position(|s| s.config == config)
    };

    let stat = |s: &ConfigSummary| mean_std(s.mean(metric), s.std(metric));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let (mut matched, mut only_a) = (0, 0);
    for sa in &a {
        match find(&b, &sa.config) {
            Some(j) => {
                matched += 1;
                let sb = &b[j];
                rows.push(vec![
                    config_name(&sa.config),
                    stat(sa),
                    stat(sb),
                    change(sa.mean(metric), sb.mean(metric), metric),
                ]);
            }
            None => {
                only_a += 1;
                rows.push(vec![
                    config_name(&sa.config),
                    stat(sa),
                    "(only in A)".to_string(),
                    String::new(),
                ]);
            }
        }
    }
    let mut only_b = 0;
    for sb in b.iter().filter(|sb| find(&a, &sb.config).is_none()) {
        only_b += 1;
        rows.push(vec![
            config_name(&sb.config),
            "(only in B)".to_string(),
            stat(sb),
            String::new(),
        ]);
    }

    let mut out = format!(
        "{metric} ({}), mean ± std over seeds\nA: {} ({} of {})\nB: {} ({} of {})\n\n",
        direction(metric),
        a_dir.display(),
        plural(a_runs.len(), "run"),
        plural(a.len(), "configuration"),
        b_dir.display(),
        plural(b_runs.len(), "run"),
        plural(b.len(), "configuration"),
    );
    out.push_str(&text_table(
        &["config", "A", "B", "change"],
        &[Align::Left, Align::Right, Align::Right, Align::Left],
        &rows,
    ));
    out.push_str(&format!(
        "\n{matched} matched, {only_a} only in A, {only_b} only in B\n"
    ));
    Ok(out)
}

/// Refuses a metric the folder's runs table has no column for, listing those it has.
fn check_metric(dir: &Path, runs: &[RunRecord], metric: &str) -> Result<()> {
    let names = metric_names(runs);
    if !names.iter().any(|n| n == metric) {
        let have = if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        };
        bail!(
            "no metric {metric:?} in {} (metrics there: {have})",
            dir.join(super::layout::RUNS_PARQUET).display()
        );
    }
    Ok(())
}

/// `(B - A) / A` in percent, marked better or worse for `metric`; `n/a` without both means
/// or when A is 0.
fn change(a: Option<f64>, b: Option<f64>, metric: &str) -> String {
    match (a, b) {
        (Some(a), Some(b)) if a != 0.0 => {
            let fraction = (b - a) / a.abs();
            let better = if higher_is_better(metric) {
                b > a
            } else {
                b < a
            };
            let verdict = if a == b {
                "same"
            } else if better {
                "better"
            } else {
                "worse"
            };
            format!("{} {verdict}", percent(fraction))
        }
        _ => "n/a".to_string(),
    }
}

/// The naive forecast's mean of the metric, when the runs have such a column.
fn naive_line(runs: &[RunRecord], metric: &str) -> String {
    let Some(naive) = naive_metric(metric) else {
        return format!("(no naive baseline for {metric})\n");
    };
    match mean_over_ok_runs(runs, &naive) {
        Some(v) => format!("naive baseline {naive}: {} (mean over runs)\n", num(v)),
        None => format!("(no naive baseline for {metric})\n"),
    }
}

/// `test_rmse` → `test_naive_rmse`: the naive forecast's column for a `<split>_<name>` metric.
fn naive_metric(metric: &str) -> Option<String> {
    let (split, name) = metric.split_once('_')?;
    if name.starts_with("naive_") {
        return None;
    }
    Some(format!("{split}_naive_{name}"))
}

fn direction(metric: &str) -> &'static str {
    if higher_is_better(metric) {
        "higher is better"
    } else {
        "lower is better"
    }
}

fn runs_cell(s: &ConfigSummary) -> String {
    if s.n_failed > 0 {
        format!("{} ({} failed)", s.n, s.n_failed)
    } else {
        s.n.to_string()
    }
}

fn failed_note(runs: &[RunRecord]) -> String {
    let failed = runs.iter().filter(|r| r.status != RunStatus::Ok).count();
    if failed > 0 {
        format!(" ({failed} failed)")
    } else {
        String::new()
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tables::write_runs;
    use crate::results::test_support::{run, tempdir};

    fn ok(lookback: i64, seed: u64, rmse: f64, naive: f64) -> RunRecord {
        run(
            lookback,
            seed,
            RunStatus::Ok,
            &[
                ("test_rmse", rmse),
                ("test_naive_rmse", naive),
                ("test_r2", 1.0 - rmse),
            ],
        )
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
    fn compare_one_prints_the_ranking_and_the_naive_baseline() {
        let tmp = tempdir();
        let dir = folder_a(&tmp);
        let text = compare_one(&dir, "test_rmse", usize::MAX).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "{}: 7 runs of 3 configurations (1 failed), ranked by test_rmse (lower is better)",
                dir.display()
            )
        );
        assert_eq!(
            lines[2..6],
            [
                "rank  config                  n       test_rmse",
                "   1  lookback=20             1          0.2500",
                "   2  lookback=10  2 (1 failed)  1.000 ± 0.7071",
                "   3  lookback=5              3   2.000 ± 1.000",
            ]
        );
        assert_eq!(
            lines[7],
            "naive baseline test_naive_rmse: 4.000 (mean over runs)"
        );

        // top cuts the table; r2 = 1 - rmse ranks higher first: lookback=20 0.75,
        // lookback=10 mean(0.5, -0.5) = 0, lookback=5 mean(0, -1, -2) = -1.
        let text = compare_one(&dir, "test_r2", 1).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with("ranked by test_r2 (higher is better)"),
            "{text}"
        );
        assert_eq!(lines[3], "   1  lookback=20  1   0.7500");
        assert_eq!(lines[4], "(2 more configurations)");
        assert_eq!(lines[6], "(no naive baseline for test_r2)");
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
        let text = compare_two(&a, &b, "test_rmse").unwrap();
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
                "config                    A               B  change",
                "lookback=20          0.2500     (only in A)",
                "lookback=10  1.000 ± 0.7071          0.9000  -10.0% better",
                "lookback=5    2.000 ± 1.000  2.000 ± 0.7071  +0.0% same",
                "lookback=40     (only in B)           3.000",
            ]
        );
        assert_eq!(lines[10], "2 matched, 1 only in A, 1 only in B");
    }

    #[test]
    fn compare_errors_name_the_folder_and_the_metric() {
        let tmp = tempdir();
        let empty = tmp.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let err = format!("{:#}", compare_one(&empty, "test_rmse", 5).unwrap_err());
        assert!(
            err.contains(&format!("{} has no runs.parquet", empty.display())),
            "{err}"
        );

        let a = folder_a(&tmp);
        let err = format!("{:#}", compare_one(&a, "test_rmsee", 5).unwrap_err());
        assert!(
            err.contains("no metric \"test_rmsee\"")
                && err.contains(&a.join("runs.parquet").display().to_string())
                && err.contains("metrics there: test_rmse, test_naive_rmse, test_r2"),
            "{err}"
        );
        let err = format!("{:#}", compare_two(&a, &empty, "test_rmse").unwrap_err());
        assert!(err.contains(&empty.display().to_string()), "{err}");
    }

    #[test]
    fn naive_metric_maps_split_metrics() {
        assert_eq!(
            naive_metric("test_rmse").as_deref(),
            Some("test_naive_rmse")
        );
        assert_eq!(
            naive_metric("validation_mae").as_deref(),
            Some("validation_naive_mae")
        );
        assert_eq!(naive_metric("test_naive_rmse"), None);
        assert_eq!(naive_metric("rmse"), None);
    }
}
