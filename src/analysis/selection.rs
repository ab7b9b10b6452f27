//! Honest model selection: the figures configurations are ranked by (the selection data) are
//! kept apart from the figures the answer is judged on (the held-out test part).
//!
//! Every run's table row holds its test part's figures (`test_rmse`: the last backtest fold,
//! the experiment's own split) and, beside them, the selection columns (`selection_rmse`,
//! `selection_ar_rmse`, ...): the same measure on the data the protocol ranks on. With a
//! backtest of k >= 2 folds that is the mean over folds 1..k-1, so the choice never sees the
//! test part; without one, the validation part; only when neither exists is it the test part
//! itself, and then every output says the figure is optimistic.

use super::metric::{Baseline, Forecaster, Measure, Metric, Split};
use super::stats::mean;
use crate::store::records::FoldRecord;
use crate::store::run_folder::FinishedRun;

/// Where configurations are ranked (`[select] on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectOn {
    /// The backtest's folds before the last.
    Folds,
    /// The validation part (of every fold with a backtest).
    Validation,
    /// The test part: the choice sees the figure it reports.
    Test,
}

/// How a sweep's answer is chosen: a measure and the data it is scored on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocol {
    /// [`Measure::Rmse`] or [`Measure::Mae`].
    pub measure: Measure,
    pub on: SelectOn,
}

impl Protocol {
    /// Ranking on the test part by RMSE: what a results folder without a recorded protocol
    /// (or without folds and validation) gets.
    pub const TEST_RMSE: Protocol = Protocol {
        measure: Measure::Rmse,
        on: SelectOn::Test,
    };

    /// What configurations are ranked by: `selection_rmse`.
    pub fn rank_metric(&self) -> Metric {
        Metric::network(Split::Selection, self.measure)
    }

    /// What the chosen configuration is judged on: `test_rmse`.
    pub fn held_out(&self) -> Metric {
        Metric::network(Split::Test, self.measure)
    }

    /// Whether the choice has seen the figure it reports.
    pub fn optimistic(&self) -> bool {
        self.on == SelectOn::Test
    }

    /// The measure's name as people read it: `RMSE`, `MAE`.
    pub fn measure_name(&self) -> &'static str {
        match self.measure {
            Measure::Mae => "MAE",
            Measure::Smape => "sMAPE",
            Measure::Mase => "MASE",
            Measure::Owa => "OWA",
            _ => "RMSE",
        }
    }

    /// Where the ranking was scored, in a few words for a title: `the folds before the test
    /// part`, `the validation part`, `the test part (optimistic)`.
    pub fn ranked_on(&self) -> &'static str {
        match self.on {
            SelectOn::Folds => "the folds before the test part",
            SelectOn::Validation => "the validation part",
            SelectOn::Test => "the test part (optimistic)",
        }
    }

    /// Where the ranking was scored, for a sentence: `the mean over folds 1-2 (the test
    /// part, fold 3, held out)`, `the validation part`, `the test part (optimistic: ...)`.
    /// `folds` is the number of backtest folds (1 without a backtest).
    pub fn describe(&self, folds: usize) -> String {
        match self.on {
            SelectOn::Folds => match folds {
                0..=2 => format!(
                    "fold 1 of the backtest (the test part, fold {}, held out)",
                    folds.max(2)
                ),
                k => format!(
                    "the mean over backtest folds 1-{} (the test part, fold {k}, held out)",
                    k - 1
                ),
            },
            SelectOn::Validation if folds > 1 => {
                "the validation parts of the backtest folds (the test part held out)".to_string()
            }
            SelectOn::Validation => "the validation part (the test part held out)".to_string(),
            SelectOn::Test => "the test part itself: the choice has seen the figure it reports, \
                               so the figure is optimistic (add a backtest or a validation part)"
                .to_string(),
        }
    }
}

/// The forecasters a run row carries a selection column for, when it has their test column.
fn forecasters() -> impl Iterator<Item = Forecaster> {
    std::iter::once(Forecaster::Network).chain(Baseline::ALL.into_iter().map(Forecaster::Baseline))
}

/// One run's metric columns: those of its test part (`final_metrics`, the last fold's with a
/// backtest) followed by one selection column per forecaster that has the protocol's
/// measure: `selection_rmse`, `selection_naive_rmse`, `selection_ar_rmse`, ...
///
/// `earlier` are the backtest folds before the last (empty without a backtest). Selection
/// columns already in `final_metrics` are replaced, so scoring twice changes nothing. A
/// value missing in any fold makes the selection value NaN rather than a mean of fewer folds.
pub fn run_metrics(
    final_metrics: &[(String, f64)],
    earlier: &[&FoldRecord],
    protocol: Protocol,
) -> Vec<(String, f64)> {
    let is_selection =
        |name: &str| Metric::parse(name).is_some_and(|m| m.split == Split::Selection);
    let mut out: Vec<(String, f64)> = final_metrics
        .iter()
        .filter(|(name, _)| !is_selection(name))
        .cloned()
        .collect();
    let in_final = |column: &str| {
        final_metrics
            .iter()
            .find(|(n, _)| n == column)
            .map(|&(_, v)| v)
    };
    for forecaster in forecasters() {
        let test = Metric::network(Split::Test, protocol.measure).of(forecaster);
        let Some(test_value) = in_final(&test.column()) else {
            continue;
        };
        let value = match protocol.on {
            SelectOn::Test => test_value,
            SelectOn::Folds => {
                let column = test.column();
                mean(
                    earlier
                        .iter()
                        .map(|f| f.metric(&column).unwrap_or(f64::NAN)),
                )
            }
            SelectOn::Validation => {
                let column = Metric {
                    split: Split::Validation,
                    ..test
                }
                .column();
                let Some(last) = in_final(&column) else {
                    continue;
                };
                mean(
                    earlier
                        .iter()
                        .map(|f| f.metric(&column).unwrap_or(f64::NAN))
                        .chain([last]),
                )
            }
        };
        let selection = Metric {
            split: Split::Selection,
            ..test
        };
        out.push((selection.column(), value));
    }
    out
}

/// `run` with its record's metrics scored under `protocol` ([`run_metrics`]): its last
/// fold's figures (the run's own without a backtest) and the selection columns. Applied to
/// every run read back before tables are written, so a run folder from an earlier protocol,
/// or from before selection existed, gets the same columns as a fresh one.
pub fn rescored(mut run: FinishedRun, protocol: Protocol) -> FinishedRun {
    run.record.metrics = match run.folds.split_last() {
        Some((last, earlier)) => {
            let earlier: Vec<&FoldRecord> = earlier.iter().collect();
            run_metrics(&last.metrics, &earlier, protocol)
        }
        None => run_metrics(&run.record.metrics, &[], protocol),
    };
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::RunStatus;
    use crate::store::test_support::fold;

    fn value(metrics: &[(String, f64)], name: &str) -> f64 {
        metrics.iter().find(|(n, _)| n == name).unwrap().1
    }

    const FOLDS: Protocol = Protocol {
        measure: Measure::Rmse,
        on: SelectOn::Folds,
    };

    #[test]
    fn folds_rank_on_the_folds_before_the_test_part_which_stays_as_it_is() {
        let f1 = fold(1, &[("test_rmse", 4.0), ("test_ar_rmse", 1.0)]);
        let f2 = fold(2, &[("test_rmse", 2.0), ("test_ar_rmse", 3.0)]);
        let last = fold(3, &[("test_rmse", 100.0), ("test_ar_rmse", 50.0)]);
        let got = run_metrics(&last.metrics, &[&f1, &f2], FOLDS);
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "test_rmse",
                "test_ar_rmse",
                "selection_rmse",
                "selection_ar_rmse"
            ]
        );
        // The test part's figures are the last fold's, untouched by the others.
        assert_eq!(value(&got, "test_rmse"), 100.0);
        // Selection: (4 + 2) / 2 and (1 + 3) / 2; the last fold's 100 and 50 are not in it.
        assert_eq!(value(&got, "selection_rmse"), 3.0);
        assert_eq!(value(&got, "selection_ar_rmse"), 2.0);
        // Scoring again replaces the selection columns instead of adding more.
        assert_eq!(run_metrics(&got, &[&f1, &f2], FOLDS), got);
    }

    #[test]
    fn a_fold_without_the_value_makes_the_selection_nan() {
        let f1 = fold(1, &[("test_rmse", f64::NAN)]);
        let f2 = fold(2, &[("test_rmse", 2.0)]);
        let last = fold(3, &[("test_rmse", 1.0)]);
        let got = run_metrics(&last.metrics, &[&f1, &f2], FOLDS);
        assert!(value(&got, "selection_rmse").is_nan());
    }

    #[test]
    fn validation_and_test_protocols() {
        let only = [
            ("test_mae".to_string(), 5.0),
            ("validation_mae".to_string(), 7.0),
            ("validation_ar_mae".to_string(), 6.0),
            ("test_ar_mae".to_string(), 4.0),
        ];
        let validation = Protocol {
            measure: Measure::Mae,
            on: SelectOn::Validation,
        };
        let got = run_metrics(&only, &[], validation);
        assert_eq!(value(&got, "selection_mae"), 7.0);
        assert_eq!(value(&got, "selection_ar_mae"), 6.0);
        // With folds, the mean over every fold's validation part.
        let f1 = fold(1, &[("validation_mae", 1.0), ("validation_ar_mae", 2.0)]);
        let got = run_metrics(&only, &[&f1], validation);
        assert_eq!(value(&got, "selection_mae"), 4.0);
        let test = Protocol {
            measure: Measure::Mae,
            on: SelectOn::Test,
        };
        let got = run_metrics(&only, &[], test);
        assert_eq!(value(&got, "selection_mae"), 5.0);
        assert!(test.optimistic() && !validation.optimistic());
        assert_eq!(test.rank_metric().column(), "selection_mae");
        assert_eq!(test.held_out().column(), "test_mae");
    }

    #[test]
    fn the_protocol_says_where_it_ranked() {
        assert_eq!(
            FOLDS.describe(3),
            "the mean over backtest folds 1-2 (the test part, fold 3, held out)"
        );
        assert!(Protocol::TEST_RMSE.describe(1).contains("optimistic"));
    }

    #[test]
    fn a_run_folder_from_before_selection_is_rescored_from_its_folds() {
        // Its record holds the mean over the three folds (3.0), as runners before selection
        // wrote it; read back, it holds the last fold's figure and the selection beside it.
        let folds = vec![
            fold(1, &[("test_rmse", 1.0)]),
            fold(2, &[("test_rmse", 3.0)]),
            fold(3, &[("test_rmse", 5.0)]),
        ];
        let old = FinishedRun {
            record: crate::store::test_support::run(5, 1, RunStatus::Ok, &[("test_rmse", 3.0)]),
            history: Vec::new(),
            predictions: Vec::new(),
            folds,
            series: Vec::new(),
        };
        let new = rescored(old.clone(), FOLDS);
        assert_eq!(value(&new.record.metrics, "test_rmse"), 5.0);
        assert_eq!(value(&new.record.metrics, "selection_rmse"), 2.0);
        // Without a backtest the record's own figures stay.
        let single = FinishedRun {
            folds: Vec::new(),
            ..old
        };
        let test = Protocol {
            on: SelectOn::Test,
            ..FOLDS
        };
        let new = rescored(single, test);
        assert_eq!(value(&new.record.metrics, "test_rmse"), 3.0);
        assert_eq!(value(&new.record.metrics, "selection_rmse"), 3.0);
    }
}
