//! How sure a win on the held-out test part is: Diebold-Mariano tests between a
//! configuration's forecast (the mean of its seeds' forecasts) and each baseline's on the same
//! points, and between the chosen configuration and the others.
//!
//! Loss is the squared error when configurations are chosen by RMSE, the absolute error by
//! MAE, so that a test and the percentage beside it speak of the same measure. With a
//! multi-step head each forecast origin (window) gives one loss differential, the mean over
//! its steps, and consecutive origins overlap by `h - 1` steps: the test takes `h - 1`
//! autocovariance lags.

use super::choice::Choice;
use super::diebold_mariano::{diebold_mariano_from_differences, DieboldMariano};
use super::ensemble::{ensemble_forecast, Point};
use super::metric::{Baseline, Measure, Metric, Split};
use super::summary::ConfigSummary;
use crate::store::records::{PredictionRow, RunStatus};
use crate::store::run_folder::FinishedRun;

/// The summary column of a configuration's DM p-value against baseline `b`: `dm_p_vs_ar`.
pub fn p_column(b: Baseline) -> String {
    format!("dm_p_vs_{}", b.key())
}

/// The summary column of a configuration's DM p-value against the chosen configuration.
pub const P_VS_CHOSEN: &str = "dm_p_vs_chosen";

/// Baseline `b`'s forecast stored beside the network's in a prediction row (the row's
/// baseline columns are named by the baselines' keys).
fn baseline_value(row: &PredictionRow, b: Baseline) -> Option<f64> {
    let i = PredictionRow::BASELINES
        .iter()
        .position(|k| *k == b.key())?;
    row.baselines()[i]
}

/// The loss of an error under `measure`: squared for RMSE, absolute for MAE.
fn loss(error: f64, measure: Measure) -> f64 {
    match measure {
        Measure::Mae => error.abs(),
        _ => error * error,
    }
}

/// `measure` from the mean of the losses: the root for RMSE.
fn from_mean_loss(mean: f64, measure: Measure) -> f64 {
    match measure {
        Measure::Mae => mean,
        _ => mean.sqrt(),
    }
}

/// Two forecasts compared on the points both make: the test, and each one's score there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    pub dm: DieboldMariano,
    /// The first forecast's and the second's measure on the shared points.
    pub score: f64,
    pub other_score: f64,
}

impl Paired {
    /// The same comparison seen from the other forecast: DM's statistic is odd in the loss
    /// differentials (their mean flips, their autocovariances do not), so exactly negated,
    /// with the same p-value.
    pub fn swapped(self) -> Paired {
        Paired {
            dm: DieboldMariano {
                statistic: -self.dm.statistic,
                mean_difference: -self.dm.mean_difference,
                ..self.dm
            },
            score: self.other_score,
            other_score: self.score,
        }
    }

    /// `(score - other) / other`: negative when the first forecast is better.
    pub fn change(&self) -> f64 {
        (self.score - self.other_score) / self.other_score
    }
}

/// A configuration's held-out forecast: its seeds' mean, point by point, and the rows of its
/// first successful seed (the baselines' forecasts of the same points), in the same order.
struct Forecast<'a> {
    points: Vec<Point>,
    rows: Vec<&'a PredictionRow>,
    /// Steps per forecast origin.
    horizon: usize,
    measure: Measure,
}

impl<'a> Forecast<'a> {
    fn of(s: &ConfigSummary, runs: &'a [FinishedRun], measure: Measure) -> Option<Forecast<'a>> {
        let seeds: Vec<&FinishedRun> = runs
            .iter()
            .filter(|r| s.run_ids.contains(&r.record.run_id) && r.record.status == RunStatus::Ok)
            .collect();
        let first = seeds.first()?;
        let fold = first.final_fold();
        let points = ensemble_forecast(&seeds, fold, Split::Test)?;
        let rows: Vec<&PredictionRow> = first
            .predictions
            .iter()
            .filter(|p| p.fold == fold && p.split == Split::Test.as_str())
            .collect();
        let horizon = horizon(s);
        (rows.len() == points.len() && points.len() % horizon == 0).then_some(Forecast {
            points,
            rows,
            horizon,
            measure,
        })
    }

    /// Loss differentials against baseline `b`, one per forecast origin; `None` when a point
    /// lacks the baseline's forecast.
    fn against_baseline(&self, b: Baseline) -> Option<DieboldMariano> {
        let m = self.measure;
        let losses: Option<Vec<f64>> = self
            .points
            .iter()
            .zip(&self.rows)
            .map(|(p, row)| {
                let other = baseline_value(row, b)?;
                other
                    .is_finite()
                    .then(|| loss(p.predicted - p.actual, m) - loss(other - p.actual, m))
            })
            .collect();
        let d = per_origin(&losses?, self.horizon);
        diebold_mariano_from_differences(&d, self.horizon)
    }

    /// Against another configuration's forecast, on the origins both forecast (their
    /// lookbacks may differ, and with them the first test window), with both scores there.
    fn against(&self, other: &Forecast) -> Option<Paired> {
        if self.horizon != other.horizon {
            return None;
        }
        let (h, m) = (self.horizon, self.measure);
        let origins = |f: &Forecast| -> Vec<(u32, usize)> {
            (0..f.points.len() / h)
                .map(|w| (f.points[w * h].index, w))
                .collect()
        };
        let theirs = origins(other);
        let (mut mine, mut others) = (Vec::new(), Vec::new());
        for (index, w) in origins(self) {
            let Some(&(_, v)) = theirs.iter().find(|(i, _)| *i == index) else {
                continue;
            };
            for step in 0..h {
                let (a, b) = (&self.points[w * h + step], &other.points[v * h + step]);
                if a.actual.to_bits() != b.actual.to_bits() {
                    return None;
                }
                mine.push(loss(a.predicted - a.actual, m));
                others.push(loss(b.predicted - b.actual, m));
            }
        }
        let losses: Vec<f64> = mine.iter().zip(&others).map(|(a, b)| a - b).collect();
        let dm = diebold_mariano_from_differences(&per_origin(&losses, h), h)?;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        Some(Paired {
            dm,
            score: from_mean_loss(mean(&mine), m),
            other_score: from_mean_loss(mean(&others), m),
        })
    }
}

/// The steps ahead of a configuration's forecasts: the number of `test_rmse_step<k>`
/// columns it has values in (every configuration has the columns once one run has them),
/// 1 without any.
fn horizon(s: &ConfigSummary) -> usize {
    s.metrics
        .iter()
        .filter(|m| m.mean.is_some())
        .filter_map(|m| Metric::parse(&m.name))
        .filter_map(|m| match (m.split, m.measure) {
            (Split::Test, Measure::RmseAtStep(k)) => Some(k as usize),
            _ => None,
        })
        .max()
        .unwrap_or(1)
}

/// The mean of each run of `h` consecutive values.
fn per_origin(losses: &[f64], h: usize) -> Vec<f64> {
    losses
        .chunks(h)
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect()
}

/// Fills in the DM tests: each configuration's p-values against every baseline and against
/// the chosen configuration (summary columns [`p_column`] and [`P_VS_CHOSEN`]), and the
/// chosen configuration's tests in `choice`.
pub fn test_choice(choice: &mut Choice, configs: &mut [ConfigSummary], runs: &[FinishedRun]) {
    let measure = choice.protocol.measure;
    // Each configuration's forecast once: every test below reads it.
    let forecasts: Vec<Option<Forecast>> = configs
        .iter()
        .map(|s| Forecast::of(s, runs, measure))
        .collect();
    let position =
        |config: Option<&String>| config.and_then(|c| configs.iter().position(|s| s.config == *c));
    let chosen_at = position(choice.chosen.as_ref().map(|c| &c.config));
    let runner_up_at = position(choice.runner_up.as_ref().map(|c| &c.config));
    let chosen = chosen_at.and_then(|i| forecasts[i].as_ref());
    for (i, (s, forecast)) in configs.iter_mut().zip(&forecasts).enumerate() {
        let tests = Baseline::ALL.map(|b| forecast.as_ref().and_then(|f| f.against_baseline(b)));
        for (b, dm) in Baseline::ALL.iter().zip(&tests) {
            s.p_values.push((p_column(*b), dm.map(|d| d.p_value)));
        }
        let vs_chosen = match (forecast, chosen) {
            (Some(f), Some(c)) if Some(i) != chosen_at => f.against(c),
            _ => None,
        };
        s.p_values
            .push((P_VS_CHOSEN.to_string(), vs_chosen.map(|p| p.dm.p_value)));
        if Some(i) == chosen_at {
            for score in choice.baselines.iter_mut().filter(|score| !score.exact) {
                let at = Baseline::ALL.iter().position(|b| *b == score.baseline);
                score.dm = at.and_then(|at| tests[at]);
            }
        }
        if Some(i) == runner_up_at {
            choice.runner_up_test = vs_chosen.map(Paired::swapped);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::MetricSummary;
    use crate::store::records::RunStatus;
    use crate::store::test_support::run;

    /// A configuration of one seed forecasting `windows` two-step windows whose first
    /// targets start at `first`; actual `sin(t)`, forecast `actual + error(t, step)`.
    fn config(
        lookback: i64,
        first: u32,
        windows: u32,
        error: impl Fn(u32, u32) -> f64,
    ) -> (ConfigSummary, FinishedRun) {
        let record = run(lookback, 1, RunStatus::Ok, &[]);
        let mut predictions = Vec::new();
        for w in 0..windows {
            for step in 0..2 {
                let t = first + w + step;
                let actual = f64::from(t).sin();
                predictions.push(PredictionRow {
                    run_id: record.run_id.clone(),
                    fold: 1,
                    split: "test".into(),
                    index: t,
                    actual,
                    predicted: actual + error(t, step),
                    ar: Some(actual + 2.0 * error(t, step)),
                    ..PredictionRow::default()
                });
            }
        }
        let summary = ConfigSummary {
            rank: 1,
            config: record.config.clone(),
            params: Vec::new(),
            n: 1,
            n_failed: 0,
            run_ids: vec![record.run_id.clone()],
            metrics: ["test_rmse_step1", "test_rmse_step2"]
                .iter()
                .map(|name| MetricSummary {
                    name: name.to_string(),
                    mean: Some(1.0),
                    std: None,
                    by_seed: Vec::new(),
                })
                .collect(),
            p_values: Vec::new(),
        };
        let finished = FinishedRun {
            record,
            history: Vec::new(),
            predictions,
            folds: Vec::new(),
            series: Vec::new(),
        };
        (summary, finished)
    }

    fn wobble(t: u32, step: u32) -> f64 {
        0.1 * (1.0 + f64::from(step)) * (1.2 + (f64::from(t) * 0.3).cos())
    }

    #[test]
    fn a_two_step_head_gives_one_differential_per_origin_and_one_lag() {
        let (s, r) = config(5, 100, 20, wobble);
        let runs = [r];
        let f = Forecast::of(&s, &runs, Measure::Rmse).unwrap();
        assert_eq!(f.horizon, 2);
        let dm = f.against_baseline(Baseline::LinearAr).unwrap();
        // 20 origins, each the mean of its two steps' differentials e² - (2e)² = -3e².
        assert_eq!(dm.n, 20);
        let d: Vec<f64> = (0..20)
            .map(|w| {
                let t = 100 + w;
                -3.0 * (wobble(t, 0).powi(2) + wobble(t + 1, 1).powi(2)) / 2.0
            })
            .collect();
        let expected = diebold_mariano_from_differences(&d, 2).unwrap();
        assert!((dm.statistic - expected.statistic).abs() < 1e-12 * expected.statistic.abs());
        assert!((dm.mean_difference - expected.mean_difference).abs() < 1e-15);
        // Taken as 40 one-step differentials it would be another test.
        let one_step = diebold_mariano_from_differences(&d, 1).unwrap();
        assert!((dm.statistic - one_step.statistic).abs() > 1e-3);
        // A column without values (another configuration's horizon) is not this one's.
        let mut one_step = s.clone();
        one_step.metrics[1].mean = None;
        assert_eq!(horizon(&one_step), 1);
    }

    #[test]
    fn configurations_with_other_windows_are_compared_on_the_origins_both_forecast() {
        // Origins 100..120 and 105..130: 15 in common.
        let (a, ra) = config(5, 100, 20, wobble);
        let (mut b, mut rb) = config(10, 105, 25, |t, s| 3.0 * wobble(t, s));
        b.config = "other".into();
        rb.record.config = "other".into();
        let runs = [ra, rb];
        let fa = Forecast::of(&a, &runs, Measure::Rmse).unwrap();
        let fb = Forecast::of(&b, &runs, Measure::Rmse).unwrap();
        let paired = fa.against(&fb).unwrap();
        assert_eq!(paired.dm.n, 15);
        // Three times the errors everywhere: a third of the RMSE on the shared points.
        assert!((paired.other_score - 3.0 * paired.score).abs() < 1e-12);
        assert!((paired.change() + 2.0 / 3.0).abs() < 1e-12);
        assert!(paired.dm.statistic < 0.0, "{:?}", paired.dm);
        // Seen from the other side: the same test, exactly mirrored.
        assert_eq!(fb.against(&fa).unwrap(), paired.swapped());
    }

    #[test]
    fn every_baseline_is_found_in_a_prediction_row() {
        let row = PredictionRow {
            naive: Some(1.0),
            seasonal_naive: Some(2.0),
            drift: Some(3.0),
            ar: Some(4.0),
            transformed_naive: Some(5.0),
            transformed_ar: Some(6.0),
            ..PredictionRow::default()
        };
        let got: Vec<Option<f64>> = Baseline::ALL
            .iter()
            .map(|&b| baseline_value(&row, b))
            .collect();
        let want: Vec<Option<f64>> = (1..=6).map(|v| Some(f64::from(v))).collect();
        assert_eq!(got, want);
    }
}
