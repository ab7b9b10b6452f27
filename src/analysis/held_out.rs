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

/// Baseline `b`'s forecast stored beside the network's in a prediction row.
fn baseline_value(row: &PredictionRow, b: Baseline) -> Option<f64> {
    match b {
        Baseline::Naive => row.naive,
        Baseline::SeasonalNaive => row.seasonal_naive,
        Baseline::Drift => row.drift,
        Baseline::LinearAr => row.ar,
        Baseline::TransformedNaive => row.transformed_naive,
        Baseline::TransformedAr => row.transformed_ar,
    }
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
    let chosen = choice
        .chosen
        .as_ref()
        .and_then(|c| configs.iter().find(|s| s.config == c.config))
        .and_then(|s| Forecast::of(s, runs, measure));
    for s in configs.iter_mut() {
        let forecast = Forecast::of(s, runs, measure);
        let p = |dm: Option<DieboldMariano>| dm.map(|d| d.p_value);
        for b in Baseline::ALL {
            let dm = forecast.as_ref().and_then(|f| f.against_baseline(b));
            s.p_values.push((p_column(b), p(dm)));
        }
        let is_chosen = choice.chosen.as_ref().is_some_and(|c| c.config == s.config);
        let vs_chosen = match (&forecast, &chosen) {
            (Some(f), Some(c)) if !is_chosen => f.against(c).map(|p| p.dm),
            _ => None,
        };
        s.p_values.push((P_VS_CHOSEN.to_string(), p(vs_chosen)));
    }
    let Some(chosen) = chosen else {
        return;
    };
    for score in &mut choice.baselines {
        if !score.exact {
            score.dm = chosen.against_baseline(score.baseline);
        }
    }
    let runner_up = choice
        .runner_up
        .as_ref()
        .and_then(|r| configs.iter().find(|s| s.config == r.config))
        .and_then(|s| Forecast::of(s, runs, measure));
    choice.runner_up_test = runner_up.and_then(|r| chosen.against(&r));
}
