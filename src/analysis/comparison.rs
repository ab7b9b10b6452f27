//! `runner compare`'s statistics: one folder's ranking (on the selection data when the folder
//! has it) with each configuration's held-out figure and the baselines', and two folders
//! matched configuration by configuration with the relative change of each.

use super::metric::{Baseline, Forecaster, Metric, Split};
use super::stats::relative_change;
use super::summary::{summarize, ConfigSummary};
use crate::store::records::{RunRecord, RunStatus};

/// One results folder's configurations ranked without the test part when the folder allows
/// it, each shown with its held-out figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The figure shown and compared (`test_rmse`: the held-out test part).
    pub metric: Metric,
    /// What the configurations are ranked by: the selection counterpart of `metric`
    /// (`selection_rmse`) when the runs have it, else `metric` itself.
    pub rank_by: Metric,
    /// Whether the ranking saw the figure shown: ranked by a test metric itself, or by a
    /// selection column equal to it in every run (a `[select] on = "test"` protocol).
    pub optimistic: bool,
    /// Best first.
    pub configs: Vec<ConfigSummary>,
    pub runs: usize,
    pub failed: usize,
    /// Each baseline's mean of `metric` on the first configuration's points (its runs), in
    /// [`Baseline::ALL`] order, when the runs have it: one figure per baseline.
    pub baselines: Vec<(Baseline, f64)>,
}

impl Ranking {
    pub fn of(runs: &[RunRecord], metric: Metric) -> Ranking {
        let selection = Metric {
            split: Split::Selection,
            ..metric
        };
        let has = |m: Metric| {
            let column = m.column();
            runs.iter().any(|r| r.metric(&column).is_some())
        };
        let rank_by = if metric.split == Split::Test && has(selection) {
            selection
        } else {
            metric
        };
        let optimistic = metric.split == Split::Test
            && (rank_by == metric
                || runs.iter().filter(|r| r.status == RunStatus::Ok).all(|r| {
                    r.metric(&rank_by.column()).map(f64::to_bits)
                        == r.metric(&metric.column()).map(f64::to_bits)
                }));
        let configs = summarize(runs, rank_by);
        let baselines = match (metric.forecaster, configs.first()) {
            (Forecaster::Network, Some(first)) => Baseline::ALL
                .into_iter()
                .filter_map(|b| Some((b, first.mean(metric.of(Forecaster::Baseline(b)))?)))
                .collect(),
            _ => Vec::new(),
        };
        Ranking {
            metric,
            rank_by,
            optimistic,
            configs,
            runs: runs.len(),
            failed: runs.iter().filter(|r| r.status != RunStatus::Ok).count(),
            baselines,
        }
    }
}

/// Which way a configuration moved from A to B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Same,
    Better,
    Worse,
}

/// A configuration found in A, in B or in both.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    pub config: String,
    /// Positions in A's and B's rankings.
    pub a: Option<usize>,
    pub b: Option<usize>,
    /// `(B - A) / |A|` and its direction; `None` unless both have a mean and A's is not 0.
    pub change: Option<(f64, Movement)>,
}

/// Two folders side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub a: Ranking,
    pub b: Ranking,
    /// A's configurations in A's order, then those only in B in B's order.
    pub rows: Vec<Matched>,
}

impl Comparison {
    pub fn of(a: Ranking, b: Ranking) -> Comparison {
        let metric = a.metric;
        let find = |list: &[ConfigSummary], config: &str| -> Option<usize> {
            list.iter().position(|s| s.config == config)
        };
        let mut rows: Vec<Matched> = a
            .configs
            .iter()
            .enumerate()
            .map(|(i, sa)| {
                let j = find(&b.configs, &sa.config);
                let change = j.and_then(|j| change(sa, &b.configs[j], metric));
                Matched {
                    config: sa.config.clone(),
                    a: Some(i),
                    b: j,
                    change,
                }
            })
            .collect();
        rows.extend(
            b.configs
                .iter()
                .enumerate()
                .filter(|(_, sb)| find(&a.configs, &sb.config).is_none())
                .map(|(j, sb)| Matched {
                    config: sb.config.clone(),
                    a: None,
                    b: Some(j),
                    change: None,
                }),
        );
        Comparison { a, b, rows }
    }

    /// (matched, only in A, only in B).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&Matched) -> bool| self.rows.iter().filter(|r| f(r)).count();
        (
            count(|r| r.a.is_some() && r.b.is_some()),
            count(|r| r.b.is_none()),
            count(|r| r.a.is_none()),
        )
    }
}

fn change(a: &ConfigSummary, b: &ConfigSummary, metric: Metric) -> Option<(f64, Movement)> {
    let (a, b) = (a.mean(metric)?, b.mean(metric)?);
    if a == 0.0 {
        return None;
    }
    let movement = if a == b {
        Movement::Same
    } else if metric.direction().improved(a, b) {
        Movement::Better
    } else {
        Movement::Worse
    };
    Some((relative_change(a, b), movement))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metric::{Baseline, Measure, Split};
    use crate::store::test_support::{ok_with_naive, run};

    fn ok(lookback: i64, seed: u64, rmse: f64, naive: f64) -> RunRecord {
        ok_with_naive(lookback, seed, rmse, naive)
    }

    #[test]
    fn ranking_counts_failures_and_gives_the_baselines_of_the_first_configuration() {
        let runs = [
            ok(5, 1, 1.0, 4.0),
            ok(5, 2, 2.0, 2.0),
            run(10, 1, RunStatus::Diverged, &[("test_naive_rmse", 100.0)]),
        ];
        let r = Ranking::of(&runs, Metric::TEST_RMSE);
        assert_eq!((r.runs, r.failed), (3, 1));
        // Without selection columns the ranking is on the test part itself.
        assert_eq!(r.rank_by, Metric::TEST_RMSE);
        assert!(r.optimistic);
        // The first configuration's naive figure, the diverged run's left out: (4 + 2) / 2.
        assert_eq!(r.baselines, [(Baseline::Naive, 3.0)]);
        assert_eq!(r.configs[0].config, "lookback=5");
        // No baseline counterpart for r2 in these runs, none at all for a baseline's metric.
        let r2 = Metric::network(Split::Test, Measure::R2);
        assert!(Ranking::of(&runs, r2).baselines.is_empty());
        let naive = Metric::baseline_test_rmse(Baseline::Naive);
        assert!(Ranking::of(&runs, naive).baselines.is_empty());
    }

    #[test]
    fn with_selection_columns_the_ranking_does_not_see_the_test_part() {
        // lookback=5 is better on the test part, lookback=10 on the selection data.
        let with = |lookback, seed, test: f64, selection: f64| {
            run(
                lookback,
                seed,
                RunStatus::Ok,
                &[("test_rmse", test), ("selection_rmse", selection)],
            )
        };
        let runs = [with(5, 1, 1.0, 3.0), with(10, 1, 2.0, 1.5)];
        let r = Ranking::of(&runs, Metric::TEST_RMSE);
        assert_eq!(r.rank_by.column(), "selection_rmse");
        assert!(!r.optimistic);
        assert_eq!(r.configs[0].config, "lookback=10");
        // A selection equal to the test figure in every run is a ranking on the test part.
        let same = [with(5, 1, 1.0, 1.0), with(10, 1, 2.0, 2.0)];
        assert!(Ranking::of(&same, Metric::TEST_RMSE).optimistic);
    }

    #[test]
    fn matched_by_label_with_relative_change_in_the_metric_direction() {
        // A: lookback=5 mean 2, lookback=10 mean 1, lookback=20 only in A.
        let a = [
            ok(5, 1, 1.0, 4.0),
            ok(5, 2, 3.0, 4.0),
            ok(10, 1, 1.0, 4.0),
            ok(20, 1, 0.25, 4.0),
        ];
        // B: lookback=5 mean 2 (same), lookback=10 0.9 (-10%: better), lookback=40 only in B.
        let b = [ok(5, 1, 2.0, 4.0), ok(10, 1, 0.9, 4.0), ok(40, 1, 3.0, 4.0)];
        let c = Comparison::of(
            Ranking::of(&a, Metric::TEST_RMSE),
            Ranking::of(&b, Metric::TEST_RMSE),
        );
        let configs: Vec<&str> = c.rows.iter().map(|r| r.config.as_str()).collect();
        assert_eq!(
            configs,
            ["lookback=20", "lookback=10", "lookback=5", "lookback=40"]
        );
        assert_eq!(c.rows[0].change, None);
        let (fraction, movement) = c.rows[1].change.unwrap();
        assert!((fraction + 0.1).abs() < 1e-12, "{fraction}");
        assert_eq!(movement, Movement::Better);
        assert_eq!(c.rows[2].change, Some((0.0, Movement::Same)));
        assert_eq!(c.counts(), (2, 1, 1));
        // r2 = 1 - rmse: lookback=10 goes from 0 to 0.1, but A's mean is 0: no percentage.
        let r2 = Metric::network(Split::Test, Measure::R2);
        let c = Comparison::of(Ranking::of(&a, r2), Ranking::of(&b, r2));
        let ten = c.rows.iter().find(|r| r.config == "lookback=10").unwrap();
        assert_eq!(ten.change, None);
        // lookback=5: r2 mean 1 - 2 = -1 both sides: same.
        let five = c.rows.iter().find(|r| r.config == "lookback=5").unwrap();
        assert_eq!(five.change, Some((0.0, Movement::Same)));
    }
}
