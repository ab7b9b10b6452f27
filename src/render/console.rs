//! What `runner run`, `merge` and `check --update` print when they finish: the headline
//! figure, the failed runs and the totals, from the analysis and plain counts.

use std::path::Path;

use super::format::num;
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
    pub total_seconds: f64,
    pub folder: &'a Path,
}

/// The summary of a whole sweep: the best configuration's figure beside the naive
/// forecast, one line per failed run, then the totals.
pub fn run_summary(name: &str, analysis: &SweepAnalysis, t: &Totals) -> String {
    let mut out = String::new();
    if let Some(h) = &analysis.headline {
        let who = if h.config.is_empty() {
            name.to_string()
        } else {
            format!("{name}: best {}", h.config)
        };
        let spread = h.std.map(|s| format!(" ± {}", num(s))).unwrap_or_default();
        out.push_str(&format!(
            "{who}: test RMSE {}{spread} over {} run{} (naive last value {})\n",
            num(h.mean),
            h.runs,
            plural(h.runs),
            num(h.naive)
        ));
    }
    for f in &analysis.failed {
        out.push_str(&format!(
            "{}: {} - {}\n",
            f.label,
            f.status,
            f.reason.as_deref().unwrap_or("no reason recorded")
        ));
    }
    out.push_str(&format!(
        "{} run{} ({} cached, {} trained, {} failed), {} dataset{}; data stages {:.1} ms, training {:.2} s, total {:.2} s; results in {}\n",
        t.runs,
        plural(t.runs),
        t.cached,
        t.trained,
        t.failed,
        t.datasets,
        plural(t.datasets),
        t.data_seconds * 1e3,
        t.train_wall_seconds,
        t.total_seconds,
        t.folder.display()
    ));
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
    use crate::analysis::sweep::{FailedRun, Headline};
    use crate::analysis::Metric;
    use crate::store::records::RunStatus;

    fn analysis(headline: Option<Headline>, failed: Vec<FailedRun>) -> SweepAnalysis {
        SweepAnalysis {
            rank_metric: Metric::TEST_RMSE,
            configs: Vec::new(),
            representatives: Vec::new(),
            baselines: Vec::new(),
            headline,
            backtest: Vec::new(),
            pre_test_choice: None,
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
            total_seconds: 2.25,
            folder,
        }
    }

    #[test]
    fn the_headline_the_failures_and_the_totals() {
        let headline = Headline {
            config: "lookback=5".into(),
            mean: 0.0123456,
            std: Some(0.001),
            runs: 2,
            naive: 0.07,
        };
        let failed = vec![FailedRun {
            label: "lookback=10 seed=1".into(),
            status: RunStatus::Diverged,
            reason: None,
        }];
        let text = run_summary(
            "sine",
            &analysis(Some(headline), failed),
            &totals(Path::new("results/sine")),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "sine: best lookback=5: test RMSE 0.01235 ± 0.001000 over 2 runs (naive last value 0.07000)",
                "lookback=10 seed=1: diverged - no reason recorded",
                "3 runs (1 cached, 2 trained, 1 failed), 1 dataset; data stages 12.3 ms, training 1.50 s, total 2.25 s; results in results/sine",
            ]
        );
        // An unswept experiment is named by the experiment; one run, no spread.
        let one = Headline {
            config: String::new(),
            mean: 0.5,
            std: None,
            runs: 1,
            naive: f64::NAN,
        };
        let text = run_summary(
            "seed",
            &analysis(Some(one), vec![]),
            &totals(Path::new("r")),
        );
        assert!(
            text.starts_with("seed: test RMSE 0.5000 over 1 run (naive last value -)\n"),
            "{text}"
        );
        let text = run_summary("seed", &analysis(None, vec![]), &totals(Path::new("r")));
        assert!(text.starts_with("3 runs (1 cached"), "{text}");
        assert_eq!(
            shard_summary(1, 4, &totals(Path::new("out"))),
            "shard 1/4: 3 runs (1 cached, 2 trained, 1 failed); run `runner merge out` when every shard is done\n"
        );
    }
}
