//! One fold of a run (the whole run without a backtest): fit, forecast, score against the
//! baselines, and the fold's rows of the tables.

use crate::analysis::metric::{Baseline, Forecaster, Measure, Metric, Split};
use crate::data::Prepared;
use crate::eval::baselines::{Baselines, Forecasts};
use crate::eval::metrics::root_mean_squared_error;
use crate::eval::{evaluate, Metrics};
use crate::saved::SavedModel;
use crate::spec::RunSpec;
use crate::store::{FoldRecord, HistoryRow, PredictionRow, RunStatus};
use crate::train::{EpochStats, Stop};

use super::model_files::saved_model;
use super::train_run::{self, SplitForecast};

/// One fold's fit, forecasts and scores.
pub struct FoldOutcome {
    pub fold: FoldRecord,
    /// Per split: the metrics and the baselines' accuracy, for `metrics.json`.
    pub splits: serde_json::Map<String, serde_json::Value>,
    pub history: Vec<HistoryRow>,
    pub predictions: Vec<PredictionRow>,
    /// The fitted network with its preprocessing; `None` when the fit diverged.
    pub model: Option<SavedModel>,
}

/// Fits a network on one fold's training windows (initialised from the run's seed), forecasts
/// every split in original units and scores it beside the baselines fitted on the same
/// training part. `fold` is 1-based, of `folds` (1 of 1 without a backtest).
pub fn train_and_score_fold(
    run: &RunSpec,
    data: &Prepared,
    (fold, folds): (u32, u32),
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> FoldOutcome {
    let trained = train_run::fit(&run.experiment, data, on_epoch);
    let forecasts = train_run::forecast(&trained.net, data);
    let fitted = Baselines::fit(data, run.experiment.data.season());
    let scores: Vec<(&'static str, Metrics)> = forecasts
        .iter()
        .map(|f| (f.split, score(f, fitted.mase_scale)))
        .collect();
    let baseline_forecasts = forecast_baselines(&fitted, data);
    let baseline_scores = score_baselines(&baseline_forecasts, &forecasts);
    let (status, reason) = match &trained.report.stop {
        Stop::Diverged { reason, .. } => (RunStatus::Diverged, Some(reason.clone())),
        Stop::Completed | Stop::EarlyStopped { .. } => (RunStatus::Ok, None),
    };
    let history = trained
        .report
        .history
        .iter()
        .map(|e| HistoryRow {
            run_id: run.run_id.clone(),
            fold,
            epoch: e.epoch as u32,
            train_loss: e.train_loss,
            val_loss: e.val_loss,
        })
        .collect();
    let mut splits = serde_json::Map::new();
    for (split, m) in &scores {
        let mut value = serde_json::to_value(m).expect("metrics serialize");
        if let Some((_, b)) = baseline_scores.iter().find(|(s, _)| s == split) {
            let table: serde_json::Map<String, serde_json::Value> = b
                .iter()
                .map(|s| {
                    let entry = serde_json::json!({ "rmse": s.rmse, "mae": s.mae });
                    (s.name.to_string(), entry)
                })
                .collect();
            value["baselines"] = serde_json::Value::Object(table);
        }
        splits.insert(split.to_string(), value);
    }
    FoldOutcome {
        fold: FoldRecord {
            fold,
            origin: data.split.test.start as u32,
            end: data.series.len() as u32,
            status,
            reason,
            metrics: [
                metric_columns(&scores, &baseline_scores),
                step_columns(&forecasts),
            ]
            .concat(),
            train_seconds: trained.seconds,
            epochs: trained.report.history.len(),
            best_epoch: trained.report.best_epoch,
        },
        splits,
        history,
        predictions: prediction_rows(&run.run_id, fold, &forecasts, &baseline_forecasts),
        model: (status == RunStatus::Ok)
            .then(|| saved_model(run, data, &trained, format!("fold {fold} of {folds}"))),
    }
}

fn flat(a: &ndarray::Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

fn score(f: &SplitForecast, mase_scale: f64) -> Metrics {
    evaluate(
        &flat(&f.actual),
        &flat(&f.predicted),
        &flat(&f.naive),
        mase_scale,
    )
}

/// One baseline's accuracy on one split, original units.
struct BaselineScore {
    name: &'static str,
    rmse: f64,
    mae: f64,
}

/// The baselines' forecasts of the validation (when present) and test windows, original
/// units: `(split, forecasts)`, validation first.
fn forecast_baselines(fitted: &Baselines, data: &Prepared) -> Vec<(&'static str, Forecasts)> {
    [
        ("validation", data.validation.as_ref()),
        ("test", Some(&data.test)),
    ]
    .into_iter()
    .filter_map(|(split, w)| Some((split, fitted.forecast(data, w?))))
    .collect()
}

/// The baselines' accuracy on the validation (when present) and test windows: the points
/// the network is scored on.
fn score_baselines(
    baselines: &[(&'static str, Forecasts)],
    forecasts: &[SplitForecast],
) -> Vec<(&'static str, Vec<BaselineScore>)> {
    let mut out = Vec::new();
    for (split, by_baseline) in baselines {
        let Some(f) = forecasts.iter().find(|f| f.split == *split) else {
            continue;
        };
        let actual = flat(&f.actual);
        let scores = by_baseline
            .iter()
            .map(|&(name, ref forecast)| {
                let forecast = flat(forecast);
                BaselineScore {
                    name,
                    rmse: crate::eval::metrics::root_mean_squared_error(&actual, &forecast),
                    mae: crate::eval::metrics::mean_abs_error(&actual, &forecast),
                }
            })
            .collect();
        out.push((*split, scores));
    }
    out
}

/// `1 - rmse_model / rmse_baseline`: 1 for a perfect model, 0 when it ties the baseline,
/// negative when the baseline wins. NaN when the baseline is missing or exact.
fn skill(model_rmse: f64, baseline_rmse: Option<f64>) -> f64 {
    match baseline_rmse {
        Some(b) if b > 0.0 => 1.0 - model_rmse / b,
        _ => f64::NAN,
    }
}

/// Table columns: test first (what a reader compares), then validation, then train.
/// After the test metrics come the baselines' test rmse (`test_seasonal_naive_rmse`,
/// `test_drift_rmse`, `test_ar_rmse`; `test_naive_rmse` is among the metrics) and the skill
/// columns `test_skill_vs_seasonal_naive` and `test_skill_vs_ar`; then, for the test and the
/// validation split, every baseline's rmse and mae not written yet, in [`Baseline::ALL`]
/// order (`test_naive_mae`, `test_seasonal_naive_mae`, ..., `test_transformed_ar_rmse`,
/// `test_transformed_ar_mae`; `validation_naive_mae`, `validation_seasonal_naive_rmse`,
/// ...). Every run carries every column of its splits: a baseline that was not computed
/// (seasonal naive without `data.season`) is NaN.
fn metric_columns(
    metrics: &[(&'static str, Metrics)],
    baselines: &[(&'static str, Vec<BaselineScore>)],
) -> Vec<(String, f64)> {
    let mut cols = Vec::new();
    for split in Split::TABLE_ORDER {
        let Some((_, m)) = metrics.iter().find(|(s, _)| *s == split.as_str()) else {
            continue;
        };
        let nan = f64::NAN;
        for (measure, value) in [
            (Measure::Rmse, m.rmse),
            (Measure::Mae, m.mae),
            (Measure::Mape, m.mape.unwrap_or(nan)),
            (Measure::Smape, m.smape.unwrap_or(nan)),
            (Measure::Mase, m.mase.unwrap_or(nan)),
            (Measure::R2, m.r2),
        ] {
            cols.push((Metric::network(split, measure).column(), value));
        }
        let naive = Metric::network(split, Measure::Rmse).of(Forecaster::Baseline(Baseline::Naive));
        cols.push((naive.column(), m.naive_rmse));
        // Baselines are named alike here and in eval (`Baseline::key`).
        let score_of = |b: Baseline| {
            baselines
                .iter()
                .find(|(s, _)| *s == split.as_str())
                .and_then(|(_, scores)| scores.iter().find(|s| s.name == b.key()))
        };
        if split == Split::Test {
            let rmse_of = |b: Baseline| score_of(b).map(|s| s.rmse);
            for b in [Baseline::SeasonalNaive, Baseline::Drift, Baseline::LinearAr] {
                let rmse = rmse_of(b).unwrap_or(nan);
                cols.push((Metric::baseline_test_rmse(b).column(), rmse));
            }
            for b in [Baseline::SeasonalNaive, Baseline::LinearAr] {
                let skill = skill(m.rmse, rmse_of(b));
                cols.push((Metric::network(split, Measure::SkillVs(b)).column(), skill));
            }
        }
        if split != Split::Train {
            for b in Baseline::ALL {
                for measure in [Measure::Rmse, Measure::Mae] {
                    let column = Metric::network(split, measure)
                        .of(Forecaster::Baseline(b))
                        .column();
                    if cols.iter().any(|(c, _)| *c == column) {
                        continue;
                    }
                    let value = score_of(b).map_or(nan, |s| match measure {
                        Measure::Mae => s.mae,
                        _ => s.rmse,
                    });
                    cols.push((column, value));
                }
            }
        }
    }
    cols
}

/// With a horizon above 1: the test RMSE of each step ahead (`test_rmse_step1` ...), since
/// errors grow with the distance from the window's end.
fn step_columns(forecasts: &[SplitForecast]) -> Vec<(String, f64)> {
    let Some(test) = forecasts.iter().find(|f| f.split == "test") else {
        return Vec::new();
    };
    let horizon = test.predicted.ncols();
    if horizon < 2 {
        return Vec::new();
    }
    (0..horizon)
        .map(|h| {
            let col = |a: &ndarray::Array2<f64>| a.column(h).to_vec();
            let (actual, predicted) = (col(&test.actual), col(&test.predicted));
            (
                Metric::network(Split::Test, Measure::RmseAtStep(h as u32 + 1)).column(),
                root_mean_squared_error(&actual, &predicted),
            )
        })
        .collect()
}

/// One row per predicted value; with a horizon above 1 a target index appears once per
/// window that predicts it. Validation and test rows carry each baseline's forecast of the
/// same point (`None` when it is NaN: not computed); training rows carry none.
fn prediction_rows(
    run_id: &str,
    fold: u32,
    forecasts: &[SplitForecast],
    baselines: &[(&'static str, Forecasts)],
) -> Vec<PredictionRow> {
    let mut rows = Vec::new();
    for f in forecasts {
        let of_split = baselines
            .iter()
            .find(|(s, _)| *s == f.split)
            .map(|(_, b)| b.as_slice())
            .unwrap_or_default();
        for (i, &first) in f.target_index.iter().enumerate() {
            for h in 0..f.predicted.ncols() {
                let mut row = PredictionRow {
                    run_id: run_id.to_string(),
                    fold,
                    split: f.split.to_string(),
                    index: (first + h) as u32,
                    actual: f.actual[[i, h]],
                    predicted: f.predicted[[i, h]],
                    ..PredictionRow::default()
                };
                for (name, forecast) in of_split {
                    let value = forecast[[i, h]];
                    if let Some(slot) = row.baseline_mut(name) {
                        *slot = (!value.is_nan()).then_some(value);
                    }
                }
                rows.push(row);
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::eval::baselines;
    use crate::store::PredictionRow;

    /// A small sine run with a validation part, a season, differencing and window
    /// normalisation, and its prepared data; `horizon` steps ahead.
    fn small_run(horizon: usize) -> (RunSpec, Prepared) {
        let text = format!(
            "seed = 4\n\
             [data]\nkind = \"sine\"\npoints = 160\nstop = 16.0\nseason = 20\n\
             [split]\nvalidation = 0.15\n\
             [transform]\ndifference = 1\nwindow_normalise = true\n\
             [window]\nlookback = 6\nhorizon = {horizon}\n\
             [model]\nunits = [3]\n\
             [train]\nepochs = 2\n"
        );
        let sweep = crate::spec::sweep::parse_sweep_str(&text, Path::new("e.toml"), &[]).unwrap();
        let run = sweep.runs[0].clone();
        let exp = &run.experiment;
        let data = crate::data::prepare(exp.load_series().unwrap(), &exp.prepare_params()).unwrap();
        (run, data)
    }

    #[test]
    fn prediction_rows_carry_each_baselines_forecast_of_their_point() {
        let (run, data) = small_run(2);
        let out = train_and_score_fold(&run, &data, (1, 1), &mut |_| {});
        let fitted = Baselines::fit(&data, 20);
        let mut checked = 0;
        for (split, w) in [
            ("train", &data.train),
            ("validation", data.validation.as_ref().unwrap()),
            ("test", &data.test),
        ] {
            let rows: Vec<&PredictionRow> = out
                .predictions
                .iter()
                .filter(|p| p.split == split)
                .collect();
            assert_eq!(rows.len(), w.len() * 2, "{split}");
            if split == "train" {
                assert!(rows.iter().all(|r| r.baselines() == [None; 6]));
                continue;
            }
            let forecasts = fitted.forecast(&data, w);
            assert_eq!(forecasts.len(), 6, "every baseline is computed here");
            for (i, &t0) in w.target_index.iter().enumerate() {
                for h in 0..2 {
                    let row = rows[i * 2 + h];
                    assert_eq!(row.index as usize, t0 + h);
                    for (name, forecast) in &forecasts {
                        let mut row = (*row).clone();
                        let value = *row.baseline_mut(name).unwrap();
                        assert_eq!(value, Some(forecast[[i, h]]), "{split} {name} {i} {h}");
                        checked += 1;
                    }
                    // the naive forecast is the window's last input
                    assert_eq!(row.naive, Some(w.last_input[i]));
                }
            }
        }
        assert!(checked > 100, "{checked}");
        // the scores in the table are those of these forecasts
        let test = fitted.forecast(&data, &data.test);
        let actual: Vec<f64> = data.actual(&data.test).iter().copied().collect();
        for (b, name) in [
            (Baseline::TransformedAr, baselines::TRANSFORMED_AR),
            (Baseline::TransformedNaive, baselines::TRANSFORMED_NAIVE),
        ] {
            let forecast: Vec<f64> = test
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap()
                .1
                .iter()
                .copied()
                .collect();
            let rmse = out
                .fold
                .metric(&Metric::baseline_test_rmse(b).column())
                .unwrap();
            assert_eq!(rmse, root_mean_squared_error(&actual, &forecast), "{name}");
            assert!(rmse.is_finite());
        }
    }

    #[test]
    fn metric_columns_keep_their_order_and_append_every_baselines_rmse_and_mae() {
        let (run, data) = small_run(1);
        let out = train_and_score_fold(&run, &data, (1, 1), &mut |_| {});
        let names: Vec<&str> = out.fold.metrics.iter().map(|(n, _)| n.as_str()).collect();
        let per_split = |split: &str| -> Vec<String> {
            ["rmse", "mae", "mape", "smape", "mase", "r2", "naive_rmse"]
                .iter()
                .map(|m| format!("{split}_{m}"))
                .collect()
        };
        let baselines = |split: &str, skip: &[&str]| -> Vec<String> {
            let mut cols = Vec::new();
            for b in Baseline::ALL {
                for m in ["rmse", "mae"] {
                    let col = format!("{split}_{}_{m}", b.key());
                    if !skip.contains(&col.as_str()) {
                        cols.push(col);
                    }
                }
            }
            cols
        };
        let mut expected = per_split("test");
        // the columns the tables have always had, in their order
        expected.extend(
            [
                "test_seasonal_naive_rmse",
                "test_drift_rmse",
                "test_ar_rmse",
                "test_skill_vs_seasonal_naive",
                "test_skill_vs_ar",
            ]
            .map(String::from),
        );
        // then every other baseline column of the test split
        let written = [
            "test_naive_rmse",
            "test_seasonal_naive_rmse",
            "test_drift_rmse",
            "test_ar_rmse",
        ];
        expected.extend(baselines("test", &written));
        expected.extend(per_split("validation"));
        expected.extend(baselines("validation", &["validation_naive_rmse"]));
        expected.extend(per_split("train"));
        assert_eq!(names, expected);
        assert_eq!(
            &names[12..20],
            [
                "test_naive_mae",
                "test_seasonal_naive_mae",
                "test_drift_mae",
                "test_ar_mae",
                "test_transformed_naive_rmse",
                "test_transformed_naive_mae",
                "test_transformed_ar_rmse",
                "test_transformed_ar_mae",
            ]
        );
        // every column is a typed metric, and every baseline here was computed
        for (name, value) in &out.fold.metrics {
            assert!(Metric::parse(name).is_some(), "{name}");
            if name.contains("naive") || name.contains("ar_") || name.contains("drift") {
                assert!(value.is_finite(), "{name} = {value}");
            }
        }
        // the naive MAE is the network metrics' own
        let mae = out.fold.metric("test_naive_mae").unwrap();
        let naive = flat(&data.naive(&data.test));
        let actual = flat(&data.actual(&data.test));
        assert_eq!(mae, crate::eval::metrics::mean_abs_error(&actual, &naive));
    }

    #[test]
    fn every_eval_baseline_has_a_predictions_column() {
        let names: Vec<&str> = Baseline::ALL.iter().map(|b| b.key()).collect();
        assert_eq!(names, PredictionRow::BASELINES);
    }

    #[test]
    fn column_names_use_the_baselines_names_of_eval() {
        let pairs = [
            (Baseline::Naive, baselines::NAIVE),
            (Baseline::SeasonalNaive, baselines::SEASONAL_NAIVE),
            (Baseline::Drift, baselines::DRIFT),
            (Baseline::LinearAr, baselines::AR),
            (Baseline::TransformedNaive, baselines::TRANSFORMED_NAIVE),
            (Baseline::TransformedAr, baselines::TRANSFORMED_AR),
        ];
        for (b, name) in pairs {
            assert_eq!(b.key(), name);
        }
    }
}
