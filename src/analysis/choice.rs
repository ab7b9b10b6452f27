//! The answer of a sweep, chosen by its [`Protocol`](super::selection::Protocol): the best
//! network configuration on the selection data, its held-out figures beside every baseline's
//! on the same points, the runner-up, and the plain answer "a baseline" when one scores
//! better on the selection data than every network.

use super::diebold_mariano::DieboldMariano;
use super::held_out::Paired;
use super::metric::{Baseline, Forecaster, Metric, Split};
use super::selection::Protocol;
use super::summary::ConfigSummary;

/// A network configuration's figures under the protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub config: String,
    /// Mean over its successful seeds of the selection score.
    pub selection: f64,
    /// Mean over its successful seeds of the held-out score, and their spread.
    pub held_out: f64,
    pub held_out_std: Option<f64>,
    /// Successful seeds.
    pub n: usize,
    /// The held-out score of the mean of its seeds' forecasts; `None` with one seed.
    pub ensemble: Option<f64>,
}

impl Candidate {
    fn of(s: &ConfigSummary, protocol: Protocol) -> Option<Candidate> {
        let held_out = protocol.held_out();
        Some(Candidate {
            config: s.config.clone(),
            selection: s.mean(protocol.rank_metric())?,
            held_out: s.mean(held_out).unwrap_or(f64::NAN),
            held_out_std: s.std(held_out),
            n: s.n,
            ensemble: s.mean(held_out.of(Forecaster::SeedEnsemble)),
        })
    }

    /// The figure the answer is judged by: the seed ensemble's when there is one (the
    /// forecast a user of the configuration would make), else the single seed's.
    pub fn figure(&self) -> f64 {
        self.ensemble.unwrap_or(self.held_out)
    }
}

/// A baseline on the chosen configuration's points.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineScore {
    pub baseline: Baseline,
    /// Its score on the selection data (NaN when not available).
    pub selection: f64,
    /// Its score on the held-out test part.
    pub held_out: f64,
    /// An error that is zero to rounding (linear AR on a noise-free sine): no percentage or
    /// test means anything against it.
    pub exact: bool,
    /// `(chosen - baseline) / baseline` on the held-out part with `chosen`'s
    /// [`figure`](Candidate::figure): negative when the network wins. `None` when exact.
    pub change: Option<f64>,
    /// The chosen configuration's forecast against this baseline's, on the same points.
    pub dm: Option<DieboldMariano>,
}

/// A baseline that scores better on the selection data than every network configuration:
/// then it is the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineWin {
    pub baseline: Baseline,
    /// The configuration whose preprocessing and lookback it was computed with (linear AR's
    /// order is the lookback; the transformed baselines use the configuration's transforms).
    pub config: String,
    pub selection: f64,
    pub held_out: f64,
}

/// The answer of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub protocol: Protocol,
    /// Backtest folds of the runs; 1 without a backtest.
    pub folds: usize,
    /// The best network configuration on the selection data.
    pub chosen: Option<Candidate>,
    /// The second best, and the chosen one's forecast against its forecast on the points
    /// both make (with both scores there).
    pub runner_up: Option<Candidate>,
    pub runner_up_test: Option<Paired>,
    /// Every baseline the chosen configuration's runs have, in [`Baseline::ALL`] order.
    pub baselines: Vec<BaselineScore>,
    pub baseline_wins: Option<BaselineWin>,
    /// The configuration a ranking on the test part itself would have picked, with its test
    /// figure (seeds' mean): the optimistic answer, for reference; `None` when the protocol
    /// ranks on the test part anyway.
    pub optimistic_pick: Option<(String, f64)>,
}

/// An error at most this fraction of the naive forecast's is "exact": rounding, not skill
/// (a network computes in f32, whose relative precision is about 1e-7: it cannot get there).
const EXACT: f64 = 1e-6;

impl Choice {
    /// The choice among `configs` (ranked best first by `protocol.rank_metric()`); DM tests
    /// are filled in by the caller, which has the forecasts.
    pub fn from_ranking(configs: &[ConfigSummary], protocol: Protocol, folds: usize) -> Choice {
        let mut candidates = configs.iter().filter_map(|s| Candidate::of(s, protocol));
        let chosen = candidates.next();
        let runner_up = candidates.next();
        let summary = chosen
            .as_ref()
            .and_then(|c| configs.iter().find(|s| s.config == c.config));
        let measure = |split: Split, b: Baseline| {
            Metric::network(split, protocol.measure).of(Forecaster::Baseline(b))
        };
        let naive = summary
            .and_then(|s| s.mean(measure(Split::Test, Baseline::Naive)))
            .unwrap_or(f64::NAN);
        let baselines = match (summary, &chosen) {
            (Some(s), Some(c)) => Baseline::ALL
                .into_iter()
                .filter_map(|b| {
                    let held_out = s.mean(measure(Split::Test, b))?;
                    let exact = held_out == 0.0 || held_out <= EXACT * naive;
                    Some(BaselineScore {
                        baseline: b,
                        selection: s.mean(measure(Split::Selection, b)).unwrap_or(f64::NAN),
                        held_out,
                        exact,
                        change: (!exact).then(|| (c.figure() - held_out) / held_out),
                        dm: None,
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        let baseline_wins = chosen.as_ref().and_then(|c| {
            configs
                .iter()
                .flat_map(|s| {
                    Baseline::ALL.into_iter().filter_map(move |b| {
                        Some(BaselineWin {
                            baseline: b,
                            config: s.config.clone(),
                            selection: s.mean(measure(Split::Selection, b))?,
                            held_out: s.mean(measure(Split::Test, b)).unwrap_or(f64::NAN),
                        })
                    })
                })
                .filter(|w| w.selection < c.selection)
                .min_by(|a, b| a.selection.total_cmp(&b.selection))
        });
        let held_out = protocol.held_out();
        let optimistic_pick = (!protocol.optimistic())
            .then(|| {
                configs
                    .iter()
                    .filter_map(|s| Some((s.config.clone(), s.mean(held_out)?)))
                    .min_by(|a, b| held_out.direction().best_first(a.1, b.1))
            })
            .flatten();
        Choice {
            protocol,
            folds,
            chosen,
            runner_up,
            runner_up_test: None,
            baselines,
            baseline_wins,
            optimistic_pick,
        }
    }

    /// Baseline `b`'s scores beside the chosen configuration, when computed.
    pub fn baseline(&self, b: Baseline) -> Option<&BaselineScore> {
        self.baselines.iter().find(|s| s.baseline == b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metric::Measure;
    use crate::analysis::selection::SelectOn;
    use crate::analysis::summary::summarize;
    use crate::store::records::{RunRecord, RunStatus};
    use crate::store::test_support::run;

    const FOLDS: Protocol = Protocol {
        measure: Measure::Rmse,
        on: SelectOn::Folds,
    };

    fn ok(lookback: i64, seed: u64, selection: f64, test: f64, ar: (f64, f64)) -> RunRecord {
        run(
            lookback,
            seed,
            RunStatus::Ok,
            &[
                ("test_rmse", test),
                ("test_naive_rmse", 10.0),
                ("test_ar_rmse", ar.1),
                ("selection_rmse", selection),
                ("selection_naive_rmse", 9.0),
                ("selection_ar_rmse", ar.0),
            ],
        )
    }

    #[test]
    fn the_choice_is_made_on_the_selection_data_and_judged_on_the_test_part() {
        // lookback=5 is better on the test part (1.0) but worse on the selection folds.
        let runs = [
            ok(5, 1, 4.0, 1.0, (6.0, 3.0)),
            ok(5, 2, 4.0, 1.0, (6.0, 3.0)),
            ok(10, 1, 2.0, 5.0, (5.0, 4.0)),
            ok(10, 2, 3.0, 7.0, (5.0, 4.0)),
        ];
        let configs = summarize(&runs, FOLDS.rank_metric());
        let c = Choice::from_ranking(&configs, FOLDS, 3);
        let chosen = c.chosen.as_ref().unwrap();
        assert_eq!(chosen.config, "lookback=10");
        assert_eq!((chosen.selection, chosen.held_out), (2.5, 6.0));
        assert_eq!(chosen.n, 2);
        assert_eq!(c.runner_up.as_ref().unwrap().config, "lookback=5");
        // Baselines on the chosen configuration's points: AR 4 against 6 is +50%.
        let ar = c.baseline(Baseline::LinearAr).unwrap();
        assert_eq!((ar.selection, ar.held_out), (5.0, 4.0));
        assert_eq!(ar.change, Some(0.5));
        assert!(!ar.exact);
        // No baseline beats 2.5 on the selection folds.
        assert_eq!(c.baseline_wins, None);
        // Ranked on the test part, lookback=5 (1.0) would have been picked.
        assert_eq!(c.optimistic_pick, Some(("lookback=5".to_string(), 1.0)));
    }

    #[test]
    fn a_baseline_better_on_the_selection_data_is_the_answer_and_an_exact_one_has_no_percentage() {
        let runs = [
            ok(5, 1, 4.0, 1.0, (3.0, 0.0)),
            ok(10, 1, 3.5, 2.0, (1.5, 2.5)),
        ];
        let configs = summarize(&runs, FOLDS.rank_metric());
        let c = Choice::from_ranking(&configs, FOLDS, 3);
        assert_eq!(c.chosen.as_ref().unwrap().config, "lookback=10");
        let win = c.baseline_wins.as_ref().unwrap();
        assert_eq!(
            (
                win.baseline,
                win.config.as_str(),
                win.selection,
                win.held_out
            ),
            (Baseline::LinearAr, "lookback=10", 1.5, 2.5)
        );
        // lookback=5's AR is exact on its test part; were it chosen, no percentage.
        let only5 = summarize(&runs[..1], FOLDS.rank_metric());
        let c5 = Choice::from_ranking(&only5, FOLDS, 3);
        let ar = c5.baseline(Baseline::LinearAr).unwrap();
        assert!(ar.exact && ar.change.is_none());
    }
}
