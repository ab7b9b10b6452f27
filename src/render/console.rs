//! What `runner run`, `merge` and `check --update` print when they finish: the headline
//! figure, the failed runs and the totals, from the analysis and plain counts.

use std::path::Path;

use super::answer::answer_line;
use crate::analysis::SweepAnalysis;

/// The counts of one invocation.
#[derive(Debug, Clone)]
pub struct Totals<'a> {
    pub runs: usize,
    pub cached: usize,
    pub trained: usize,
    pub failed: usize,
    pub datasets: usize,
    pub data_seconds: f64,
    pub train_wall_seconds: f64,
    /// Reading the run folders back and writing the tables, plots and report.
    pub assemble_seconds: f64,
    pub total_seconds: f64,
    pub folder: &'a Path,
}

/// The last line of every finished invocation: runs, cache, time, where the results are.
pub fn totals_line(t: &Totals) -> String {
    format!(
        "{} run{} ({} cached, {} trained, {} failed), {} dataset{}; data stages {:.1} ms, training {:.2} s, tables {:.2} s, total {:.2} s; results in {}\n",
        t.runs,
        plural(t.runs),
        t.cached,
        t.trained,
        t.failed,
        t.datasets,
        plural(t.datasets),
        t.data_seconds * 1e3,
        t.train_wall_seconds,
        t.assemble_seconds,
        t.total_seconds,
        t.folder.display()
    )
}

/// The summary of a whole sweep: the chosen configuration's held-out figure beside the
/// baselines', one line per failed run, then the totals.
pub fn run_summary(name: &str, analysis: &SweepAnalysis, t: &Totals) -> String {
    let mut out = String::new();
    if let Some(line) = answer_line(name, &analysis.choice) {
        out.push_str(&line);
        out.push('\n');
    }
    for f in &analysis.failed {
        out.push_str(&format!(
            "{}: {} - {}\n",
            f.label,
            f.status,
            f.reason.as_deref().unwrap_or("no reason recorded")
        ));
    }
    out.push_str(&totals_line(t));
    out
}

/// What one shard of an array job did, and what to run next.
pub fn shard_summary(index: usize, count: usize, t: &Totals) -> String {
    format!(
        "shard {index}/{count}: {} runs ({} cached, {} trained, {} failed); run `runner merge {}` when every shard is done\n",
        t.runs,
        t.cached,
        t.trained,
        t.failed,
        t.folder.display()
    )
}

/// `s` for every count but 1.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::choice::{BaselineScore, Candidate, Choice};
    use crate::analysis::diebold_mariano::DieboldMariano;
    use crate::analysis::metric::Baseline;
    use crate::analysis::selection::{Protocol, SelectOn};
    use crate::analysis::sweep::FailedRun;
    use crate::store::records::RunStatus;

    const FOLDS: Protocol = Protocol {
        measure: crate::analysis::Measure::Rmse,
        on: SelectOn::Folds,
    };

    fn analysis(chosen: Option<Candidate>, failed: Vec<FailedRun>, on: SelectOn) -> SweepAnalysis {
        let protocol = Protocol { on, ..FOLDS };
        SweepAnalysis {
            protocol,
            rank_metric: protocol.rank_metric(),
            configs: Vec::new(),
            representatives: Vec::new(),
            choice: Choice {
                protocol,
                folds: 3,
                chosen,
                runner_up: None,
                runner_up_test: None,
                baselines: vec![BaselineScore {
                    baseline: Baseline::LinearAr,
                    selection: 0.02,
                    held_out: 0.015,
                    exact: false,
                    change: Some(-0.2),
                    dm: Some(DieboldMariano {
                        statistic: -2.4,
                        p_value: 0.021,
                        n: 30,
                        mean_difference: -1e-4,
                    }),
                }],
                baseline_wins: None,
                optimistic_pick: None,
            },
            backtest: Vec::new(),
            failed,
            runs: 3,
        }
    }

    fn totals(folder: &Path) -> Totals<'_> {
        Totals {
            runs: 3,
            cached: 1,
            trained: 2,
            failed: 1,
            datasets: 1,
            data_seconds: 0.0123,
            train_wall_seconds: 1.5,
            assemble_seconds: 0.5,
            total_seconds: 2.25,
            folder,
        }
    }

    fn candidate(config: &str, n: usize, std: Option<f64>, ensemble: Option<f64>) -> Candidate {
        Candidate {
            config: config.into(),
            selection: 0.011,
            held_out: 0.0123456,
            held_out_std: std,
            n,
            ensemble,
        }
    }

    #[test]
    fn the_answer_the_failures_and_the_totals() {
        let failed = vec![FailedRun {
            label: "lookback=10 seed=1".into(),
            status: RunStatus::Diverged,
            reason: None,
        }];
        let chosen = candidate("lookback=5", 2, Some(0.001), Some(0.012));
        let text = run_summary(
            "sine",
            &analysis(Some(chosen), failed, SelectOn::Folds),
            &totals(Path::new("results/sine")),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "sine: chosen lookback=5: held-out test RMSE 0.0123 ± 0.0010 over 2 runs, seed ensemble 0.01200; linear AR 0.01500 (p = 0.021)",
                "lookback=10 seed=1: diverged - no reason recorded",
                "3 runs (1 cached, 2 trained, 1 failed), 1 dataset; data stages 12.3 ms, training 1.50 s, tables 0.50 s, total 2.25 s; results in results/sine",
            ]
        );
        // An unswept experiment is named by the experiment; one run, no spread; ranked on
        // the test part, it says so.
        let one = candidate("", 1, None, None);
        let text = run_summary(
            "seed",
            &analysis(Some(one), vec![], SelectOn::Test),
            &totals(Path::new("r")),
        );
        assert!(
            text.starts_with(
                "seed: held-out test RMSE 0.01235 over 1 run; linear AR 0.01500 (p = 0.021) \
                 [ranked on the test part: optimistic]\n"
            ),
            "{text}"
        );
        let text = run_summary(
            "seed",
            &analysis(None, vec![], SelectOn::Folds),
            &totals(Path::new("r")),
        );
        assert!(text.starts_with("3 runs (1 cached"), "{text}");
        assert_eq!(
            shard_summary(1, 4, &totals(Path::new("out"))),
            "shard 1/4: 3 runs (1 cached, 2 trained, 1 failed); run `runner merge out` when every shard is done\n"
        );
    }
}
