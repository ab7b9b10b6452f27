//! How sure a win on the held-out test part is: Diebold-Mariano tests between a
//! configuration's forecast (the mean of its seeds' forecasts) and each baseline's on the same
//! points, and between the chosen configuration and the others.
//!
//! Loss is the squared error. With a multi-step head each forecast origin (window) gives one
//! loss differential, the mean over its steps, and consecutive origins overlap by `h - 1`
//! steps: the test takes `h - 1` autocovariance lags.

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

/// A configuration's held-out forecast: its seeds' mean, point by point, and the rows of its
/// first successful seed (the baselines' forecasts of the same points), in the same order.
struct Forecast<'a> {
    points: Vec<Point>,
    rows: Vec<&'a PredictionRow>,
    /// Steps per forecast origin.
    horizon: usize,
}

impl<'a> Forecast<'a> {
    fn of(s: &ConfigSummary, runs: &'a [FinishedRun]) -> Option<Forecast<'a>> {
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
        })
    }

    /// Squared-error loss differentials against baseline `b`, one per forecast origin;
    /// `None` when a point lacks the baseline's forecast.
    fn against_baseline(&self, b: Baseline) -> Option<DieboldMariano> {
        let losses: Option<Vec<f64>> = self
            .points
            .iter()
            .zip(&self.rows)
            .map(|(p, row)| {
                let other = baseline_value(row, b)?;
                other
                    .is_finite()
                    .then(|| (p.predicted - p.actual).powi(2) - (other - p.actual).powi(2))
            })
            .collect();
        let d = per_origin(&losses?, self.horizon);
        diebold_mariano_from_differences(&d, self.horizon)
    }

    /// Against another configuration's forecast, on the origins both forecast (their
    /// lookbacks may differ, and with them the first test window).
    fn against(&self, other: &Forecast) -> Option<DieboldMariano> {
        if self.horizon != other.horizon {
            return None;
        }
        let h = self.horizon;
        let origins = |f: &Forecast| -> Vec<(u32, usize)> {
            (0..f.points.len() / h)
                .map(|w| (f.points[w * h].index, w))
                .collect()
        };
        let theirs = origins(other);
        let mut losses = Vec::new();
        for (index, w) in origins(self) {
            let Some(&(_, v)) = theirs.iter().find(|(i, _)| *i == index) else {
                continue;
            };
            for step in 0..h {
                let (a, b) = (&self.points[w * h + step], &other.points[v * h + step]);
                if a.actual.to_bits() != b.actual.to_bits() {
                    return None;
                }
                losses.push((a.predicted - a.actual).powi(2) - (b.predicted - b.actual).powi(2));
            }
        }
        diebold_mariano_from_differences(&per_origin(&losses, h), h)
    }
}

/// The steps ahead of a configuration's forecasts: the number of `test_rmse_step<k>`
/// columns, 1 without any.
fn horizon(s: &ConfigSummary) -> usize {
    s.metrics
        .iter()
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
    let chosen = choice
        .chosen
        .as_ref()
        .and_then(|c| configs.iter().find(|s| s.config == c.config))
        .and_then(|s| Forecast::of(s, runs));
    for s in configs.iter_mut() {
        let forecast = Forecast::of(s, runs);
        let p = |dm: Option<DieboldMariano>| dm.map(|d| d.p_value);
        for b in Baseline::ALL {
            let dm = forecast.as_ref().and_then(|f| f.against_baseline(b));
            s.p_values.push((p_column(b), p(dm)));
        }
        let is_chosen = choice.chosen.as_ref().is_some_and(|c| c.config == s.config);
        let vs_chosen = match (&forecast, &chosen) {
            (Some(f), Some(c)) if !is_chosen => f.against(c),
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
        .and_then(|s| Forecast::of(s, runs));
    choice.runner_up_dm = runner_up.and_then(|r| chosen.against(&r));
}
