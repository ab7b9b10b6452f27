//! Typed metrics: which part of the series, whose forecast, which measure, and whether a
//! larger value is better.
//!
//! The tables store metrics under column names (`test_rmse`, `test_ar_rmse`,
//! `test_skill_vs_seasonal_naive`, `ensemble_test_rmse`); everything that computes or shows a
//! statistic holds a [`Metric`] and asks it for its column and its direction, so
//! no code matches on column spellings.

use std::cmp::Ordering;
use std::fmt;

/// The part of the series a metric is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Validation,
    Test,
    /// The data configurations are ranked on (see `analysis::selection`): the backtest's
    /// folds before the test part, the validation part, or (optimistically) the test part.
    Selection,
}

impl Split {
    /// In the runs table's column order: what a reader compares first.
    pub const TABLE_ORDER: [Split; 3] = [Split::Test, Split::Validation, Split::Train];

    /// The spelling in column names and prediction rows: `train`, `validation`, `test`,
    /// `selection` (columns only).
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
            Split::Selection => "selection",
        }
    }

    pub fn parse(text: &str) -> Option<Split> {
        Split::TABLE_ORDER
            .into_iter()
            .chain([Split::Selection])
            .find(|s| s.as_str() == text)
    }
}

/// A simple forecast every run is compared with (computed in `eval::baselines`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Baseline {
    /// The last value seen.
    Naive,
    /// The value one season earlier.
    SeasonalNaive,
    /// The line through the first and last training values.
    Drift,
    /// Least-squares linear autoregression on the lookback window.
    LinearAr,
    /// The network's own preprocessing (transform, scaling, window normalisation) with the
    /// window's last input carried forward in that space, inverted like the network's output.
    TransformedNaive,
    /// The network's own preprocessing with a least-squares linear map (with intercept)
    /// from a window's inputs to its targets in that space, fitted on the training windows.
    TransformedAr,
}

impl Baseline {
    /// In the order tables, plots and the report list them.
    pub const ALL: [Baseline; 6] = [
        Baseline::Naive,
        Baseline::SeasonalNaive,
        Baseline::Drift,
        Baseline::LinearAr,
        Baseline::TransformedNaive,
        Baseline::TransformedAr,
    ];

    /// The spelling inside column names (`test_<key>_rmse`); the same as `eval::baselines`'
    /// names.
    pub fn key(self) -> &'static str {
        match self {
            Baseline::Naive => "naive",
            Baseline::SeasonalNaive => "seasonal_naive",
            Baseline::Drift => "drift",
            Baseline::LinearAr => "ar",
            Baseline::TransformedNaive => "transformed_naive",
            Baseline::TransformedAr => "transformed_ar",
        }
    }

    /// The name people read: `naive`, `seasonal naive`, `drift`, `linear AR`,
    /// `transforms + naive`, `transforms + linear AR`.
    pub fn name(self) -> &'static str {
        match self {
            Baseline::Naive => "naive",
            Baseline::SeasonalNaive => "seasonal naive",
            Baseline::Drift => "drift",
            Baseline::LinearAr => "linear AR",
            Baseline::TransformedNaive => "transforms + naive",
            Baseline::TransformedAr => "transforms + linear AR",
        }
    }

    /// The baseline whose key starts `text` followed by `_`, and the rest. The longest key
    /// wins, so `seasonal_naive_rmse` is not read as a `seasonal` something.
    fn strip_prefix(text: &str) -> Option<(Baseline, &str)> {
        let mut all = Baseline::ALL;
        all.sort_by_key(|b| std::cmp::Reverse(b.key().len()));
        all.into_iter().find_map(|b| {
            text.strip_prefix(b.key())
                .and_then(|rest| rest.strip_prefix('_'))
                .map(|rest| (b, rest))
        })
    }
}

/// Whose forecast a metric scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Forecaster {
    /// The run's network.
    Network,
    /// The mean of a configuration's seeds' forecasts (summary only).
    SeedEnsemble,
    Baseline(Baseline),
}

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Rmse,
    Mae,
    Mape,
    Smape,
    Mase,
    /// Coefficient of determination.
    R2,
    /// The M4 competition's overall weighted average: the mean of sMAPE and MASE, each
    /// relative to Naive2's on the same points (panels only).
    Owa,
    /// RMSE of the k-th step ahead (1-based) of a multi-step head.
    RmseAtStep(u32),
    /// `1 - rmse / rmse of the baseline`.
    SkillVs(Baseline),
}

impl Measure {
    /// The measures every split of every run has, in column order.
    pub const PER_SPLIT: [Measure; 6] = [
        Measure::Rmse,
        Measure::Mae,
        Measure::Mape,
        Measure::Smape,
        Measure::Mase,
        Measure::R2,
    ];

    /// The measure's part of a column name: `rmse`, `smape`, `owa`, `rmse_step2`, ...
    pub fn column(self) -> String {
        match self {
            Measure::Rmse => "rmse".into(),
            Measure::Mae => "mae".into(),
            Measure::Mape => "mape".into(),
            Measure::Smape => "smape".into(),
            Measure::Mase => "mase".into(),
            Measure::R2 => "r2".into(),
            Measure::Owa => "owa".into(),
            Measure::RmseAtStep(k) => format!("rmse_step{k}"),
            Measure::SkillVs(b) => format!("skill_vs_{}", b.key()),
        }
    }

    fn parse(text: &str) -> Option<Measure> {
        let simple = Measure::PER_SPLIT
            .into_iter()
            .chain([Measure::Owa])
            .find(|m| m.column() == text);
        if simple.is_some() {
            return simple;
        }
        if let Some(digits) = text.strip_prefix("rmse_step") {
            // Only the canonical spelling, so that parse and column round-trip.
            let k: u32 = digits.parse().ok()?;
            return (k >= 1 && k.to_string() == digits).then_some(Measure::RmseAtStep(k));
        }
        let rest = text.strip_prefix("skill_vs_")?;
        Baseline::ALL
            .into_iter()
            .find(|b| b.key() == rest)
            .map(Measure::SkillVs)
    }
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    LowerIsBetter,
    HigherIsBetter,
}

impl Direction {
    /// `Less` when `a` is better than `b`: sorting with this puts the best first.
    pub fn best_first(self, a: f64, b: f64) -> Ordering {
        match self {
            Direction::LowerIsBetter => a.total_cmp(&b),
            Direction::HigherIsBetter => b.total_cmp(&a),
        }
    }

    /// Whether `now` is better than `before`.
    pub fn improved(self, before: f64, now: f64) -> bool {
        match self {
            Direction::LowerIsBetter => now < before,
            Direction::HigherIsBetter => now > before,
        }
    }

    /// `lower is better` / `higher is better`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::LowerIsBetter => "lower is better",
            Direction::HigherIsBetter => "higher is better",
        }
    }
}

/// One metric: a column of the runs table (or, for the seed ensemble, of the summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Metric {
    pub split: Split,
    pub forecaster: Forecaster,
    pub measure: Measure,
}

impl Metric {
    /// What sweeps are ranked by today.
    pub const TEST_RMSE: Metric = Metric::network(Split::Test, Measure::Rmse);
    pub const fn network(split: Split, measure: Measure) -> Metric {
        Metric {
            split,
            forecaster: Forecaster::Network,
            measure,
        }
    }

    /// Baseline `b`'s RMSE on the test part: `test_ar_rmse`.
    pub const fn baseline_test_rmse(b: Baseline) -> Metric {
        Metric {
            split: Split::Test,
            forecaster: Forecaster::Baseline(b),
            measure: Measure::Rmse,
        }
    }

    /// The same measure of the same split, of another forecaster: the naive forecast's
    /// counterpart of `test_mae` is `test_naive_mae` (which a runs table may not have).
    pub fn of(self, forecaster: Forecaster) -> Metric {
        Metric { forecaster, ..self }
    }

    /// The column name: `test_rmse`, `test_naive_rmse`, `test_skill_vs_ar`,
    /// `test_rmse_step2`, `ensemble_test_rmse`.
    pub fn column(&self) -> String {
        let (split, measure) = (self.split.as_str(), self.measure.column());
        match self.forecaster {
            Forecaster::Network => format!("{split}_{measure}"),
            Forecaster::SeedEnsemble => format!("ensemble_{split}_{measure}"),
            Forecaster::Baseline(b) => format!("{split}_{}_{measure}", b.key()),
        }
    }

    /// The metric a column name stands for; `None` for a name runner does not write.
    pub fn parse(column: &str) -> Option<Metric> {
        let (forecaster, rest) = match column.strip_prefix("ensemble_") {
            Some(rest) => (Some(Forecaster::SeedEnsemble), rest),
            None => (None, column),
        };
        let (split, rest) = rest.split_once('_')?;
        let split = Split::parse(split)?;
        let (forecaster, measure) = match forecaster {
            Some(f) => (f, Measure::parse(rest)?),
            None => match Measure::parse(rest) {
                Some(m) => (Forecaster::Network, m),
                None => {
                    let (b, rest) = Baseline::strip_prefix(rest)?;
                    (Forecaster::Baseline(b), Measure::parse(rest)?)
                }
            },
        };
        Some(Metric {
            split,
            forecaster,
            measure,
        })
    }

    /// R² and skill grow with accuracy; every error measure shrinks.
    pub fn direction(&self) -> Direction {
        match self.measure {
            Measure::R2 | Measure::SkillVs(_) => Direction::HigherIsBetter,
            _ => Direction::LowerIsBetter,
        }
    }

    pub fn higher_is_better(&self) -> bool {
        self.direction() == Direction::HigherIsBetter
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.column())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_those_the_tables_have_always_had() {
        let cases = [
            (Metric::TEST_RMSE, "test_rmse"),
            (
                Metric::TEST_RMSE.of(Forecaster::SeedEnsemble),
                "ensemble_test_rmse",
            ),
            (
                Metric::baseline_test_rmse(Baseline::Naive),
                "test_naive_rmse",
            ),
            (
                Metric::baseline_test_rmse(Baseline::SeasonalNaive),
                "test_seasonal_naive_rmse",
            ),
            (
                Metric::baseline_test_rmse(Baseline::Drift),
                "test_drift_rmse",
            ),
            (
                Metric::baseline_test_rmse(Baseline::LinearAr),
                "test_ar_rmse",
            ),
            (
                Metric::network(Split::Test, Measure::SkillVs(Baseline::LinearAr)),
                "test_skill_vs_ar",
            ),
            (
                Metric::network(Split::Test, Measure::SkillVs(Baseline::SeasonalNaive)),
                "test_skill_vs_seasonal_naive",
            ),
            (
                Metric::network(Split::Test, Measure::RmseAtStep(3)),
                "test_rmse_step3",
            ),
            (
                Metric::network(Split::Validation, Measure::R2),
                "validation_r2",
            ),
            (Metric::network(Split::Train, Measure::Mase), "train_mase"),
            (
                Metric::network(Split::Validation, Measure::Rmse)
                    .of(Forecaster::Baseline(Baseline::Naive)),
                "validation_naive_rmse",
            ),
        ];
        for (metric, column) in cases {
            assert_eq!(metric.column(), column);
            assert_eq!(Metric::parse(column), Some(metric), "{column}");
        }
    }

    #[test]
    fn every_baseline_column_of_every_split_and_measure_parses_back() {
        // The longest key wins: `transformed_naive_rmse` is not `transformed` + `naive_rmse`,
        // nor is `seasonal_naive_mae` a `seasonal` something.
        for split in Split::TABLE_ORDER {
            for b in Baseline::ALL {
                for measure in [Measure::Rmse, Measure::Mae] {
                    let metric = Metric::network(split, measure).of(Forecaster::Baseline(b));
                    assert_eq!(Metric::parse(&metric.column()), Some(metric), "{metric}");
                }
                let skill = Metric::network(split, Measure::SkillVs(b));
                assert_eq!(Metric::parse(&skill.column()), Some(skill), "{skill}");
            }
        }
        let cases = [
            ("test_transformed_naive_rmse", Baseline::TransformedNaive),
            ("test_transformed_ar_rmse", Baseline::TransformedAr),
        ];
        for (column, b) in cases {
            assert_eq!(Metric::parse(column), Some(Metric::baseline_test_rmse(b)));
        }
        assert_eq!(
            Metric::parse("validation_transformed_ar_mae"),
            Some(
                Metric::network(Split::Validation, Measure::Mae)
                    .of(Forecaster::Baseline(Baseline::TransformedAr))
            )
        );
        let keys: Vec<&str> = Baseline::ALL.iter().map(|b| b.key()).collect();
        assert_eq!(
            keys,
            [
                "naive",
                "seasonal_naive",
                "drift",
                "ar",
                "transformed_naive",
                "transformed_ar"
            ]
        );
    }

    #[test]
    fn names_runner_does_not_write_do_not_parse() {
        for bad in [
            "",
            "rmse",
            "test",
            "test_",
            "fold_rmse",
            "test_rmse_step",
            "test_rmse_step0",
            "test_rmse_stepx",
            "test_skill_vs_",
            "test_skill_vs_lstm",
            "test_seasonal_rmse",
            "ensemble_rmse",
            "test_naive_naive_rmse",
            "test_transformed_rmse",
            "test_transformed_naive",
            "seconds",
        ] {
            assert_eq!(Metric::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn r2_and_skill_are_higher_is_better_every_error_lower() {
        let higher = ["test_r2", "validation_r2", "test_skill_vs_ar"];
        let lower = [
            "test_rmse",
            "test_mase",
            "test_smape",
            "test_ar_rmse",
            "ensemble_test_rmse",
            "test_rmse_step2",
        ];
        for name in higher {
            assert!(Metric::parse(name).unwrap().higher_is_better(), "{name}");
        }
        for name in lower {
            assert!(!Metric::parse(name).unwrap().higher_is_better(), "{name}");
        }
        let lower = Direction::LowerIsBetter;
        assert_eq!(lower.best_first(1.0, 2.0), Ordering::Less);
        assert_eq!(
            Direction::HigherIsBetter.best_first(1.0, 2.0),
            Ordering::Greater
        );
        assert!(lower.improved(2.0, 1.0) && !lower.improved(1.0, 1.0));
    }
}
