//! One run of a panel: per fold (see [`crate::data::panel`]: the validation fold, then the
//! test fold), one network trained on the pooled windows of every series
//! (`model.scope = "global"`) or one per series (`"local"`); every series' validation and
//! test parts forecast in original units and scored with the competitions' measures beside
//! the benchmarks. A series without a training window of its own is still forecast by a
//! global network; it is forecast by Naive2, which its row says, when it has fewer points than
//! the lookback before its origin, or with local networks when it has no training window or
//! its network diverged.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::analysis::panel::{score_rows, PanelScore};
use crate::analysis::selection;
use crate::analysis::stats::mean;
use crate::analysis::{Measure, Metric, Split};
use crate::data::panel::{scaled_windows, unscale_outputs, ScaledWindows};
use crate::data::{Member, Prepared, Windows};
use crate::eval::competition::{Accuracy, Benchmark, Origin};
use crate::nn::Network;
use crate::spec::{RunSpec, Scope, WindowScale};
use crate::store::{FinishedRun, HistoryRow, PredictionRow, RunStatus, SeriesAccuracy, SeriesRow};
use crate::train::{self, Dataset, EpochStats, FitConfig, FitReport, Stop};

use super::execute::{guarded, protocol, record, run_metrics, Executed};
use super::panel_data::PanelData;
use super::train_run::{fit_config, network_shape};

/// What the progress bar of `run` counts: a global network's epochs in every fold, or the
/// series whose local network is done in every fold.
pub fn progress_units(run: &RunSpec, data: &PanelData) -> (usize, &'static str) {
    let folds = data.panel.folds();
    match run.experiment.model.scope {
        Scope::Global => (run.experiment.train.epochs * folds, "epoch"),
        Scope::Local => (data.panel.members.len() * folds, "series"),
    }
}

/// Trains and scores one panel run: per fold (the validation fold, then the test fold), one
/// global network or one local network per series. `on_epoch` sees a global network's
/// epochs (fold `j`'s epoch `e` as `j · epochs + e`), or, for local networks, "epoch" `k`
/// (without a loss) once `k` fits are done.
pub fn execute_panel(
    run: &RunSpec,
    data: &PanelData,
    on_epoch: &(dyn Fn(&EpochStats) + Sync),
) -> Executed {
    guarded(run, || train_and_score(run, data, on_epoch))
}

/// One series' forecast of the part a fold forecasts.
struct FoldForecast {
    values: Vec<f64>,
    /// `None`: the network's; `Some(reason)`: Naive2's, and why.
    fallback: Option<String>,
}

impl FoldForecast {
    fn naive2(origin: &Origin, reason: String) -> FoldForecast {
        FoldForecast {
            values: origin.benchmark(Benchmark::Naive2).0.to_vec(),
            fallback: Some(reason),
        }
    }
}

/// What one fold's fit left: every series' forecast and the training history.
struct FoldFit {
    forecasts: Vec<FoldForecast>,
    /// Per epoch: mean training loss and validation loss (over local networks: the mean over
    /// those that ran the epoch).
    history: Vec<(f64, Option<f64>)>,
    epochs: usize,
    best_epoch: usize,
    /// Why the run failed as a whole (a global network diverged, or no series could train).
    failure: Option<(RunStatus, String)>,
}

fn train_and_score(
    run: &RunSpec,
    data: &PanelData,
    on_epoch: &(dyn Fn(&EpochStats) + Sync),
) -> Executed {
    let exp = &run.experiment;
    let start = Instant::now();
    let by_mean = exp.scale.window == WindowScale::Mean;
    let folds = data.panel.folds();
    let done = AtomicUsize::new(0);
    let mut fits: Vec<FoldFit> = Vec::with_capacity(folds);
    for fold in 0..folds {
        let fit = match exp.model.scope {
            Scope::Global => {
                let shifted = |s: &EpochStats| {
                    on_epoch(&EpochStats {
                        epoch: fold * exp.train.epochs + s.epoch,
                        ..s.clone()
                    })
                };
                fit_global(run, data, fold, by_mean, &shifted)
            }
            Scope::Local => fit_local(run, data, fold, by_mean, &|| {
                let k = done.fetch_add(1, Ordering::Relaxed) + 1;
                on_epoch(&EpochStats {
                    epoch: k,
                    train_loss: f64::NAN,
                    val_loss: None,
                    learning_rate: exp.train.learning_rate,
                })
            }),
        };
        let failed = fit.failure.is_some();
        fits.push(fit);
        if failed {
            break;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let failure = fits.iter().find_map(|f| f.failure.clone());
    let mut series_rows = Vec::new();
    let mut predictions = Vec::new();
    if failure.is_none() {
        for (k, (member, origins)) in data.panel.members.iter().zip(&data.origins).enumerate() {
            for (fold, (fit, origin)) in fits.iter().zip(origins).enumerate() {
                let split = data.panel.part(fold);
                let forecast = &fit.forecasts[k];
                series_rows.push(series_row(run, member, split, origin, forecast));
                predictions.extend(prediction_rows(
                    run,
                    member,
                    split,
                    origin,
                    &forecast.values,
                ));
            }
        }
    }
    let (status, reason) = failure.map_or((RunStatus::Ok, None), |(s, r)| (s, Some(r)));
    let scores = part_scores(&series_rows);
    let metrics = if status == RunStatus::Ok {
        selection::run_metrics(&metric_columns(&scores), &[], protocol(exp))
    } else {
        Vec::new()
    };
    let epochs = fits.iter().map(|f| f.epochs).max().unwrap_or(0);
    let record = record(run, status, reason, metrics, seconds, epochs);
    let fallbacks = series_rows
        .iter()
        .filter(|r| r.forecaster != "network")
        .count();
    let best_epoch = fits.last().map_or(0, |f| f.best_epoch);
    let mut metrics_json = run_metrics(&record, best_epoch, split_json(&scores), None);
    metrics_json.panel = Some(serde_json::json!({
        "series": data.panel.members.len(),
        "scope": exp.model.scope.as_str(),
        "folds": folds,
        "without_a_training_window_in_the_test_fold": data.panel.short(folds - 1).count(),
        "shorter_than_the_lookback_in_the_test_fold": data.panel.unforecastable(folds - 1).count(),
        "forecasts_by_naive2": fallbacks,
    }));
    let history = fits
        .iter()
        .enumerate()
        .flat_map(|(j, f)| {
            f.history
                .iter()
                .enumerate()
                .map(move |(e, &(train_loss, val_loss))| HistoryRow {
                    run_id: run.run_id.clone(),
                    fold: j as u32 + 1,
                    epoch: e as u32 + 1,
                    train_loss,
                    val_loss,
                })
        })
        .collect();
    Executed {
        finished: FinishedRun {
            record,
            history,
            predictions,
            folds: Vec::new(),
            series: series_rows,
        },
        metrics: metrics_json,
        // A panel's networks are not saved yet (a global network's series each have their
        // own scaler): `runner forecast` refuses panels.
        model_files: Vec::new(),
    }
}

/// Series `m`'s data in fold `fold`, or `None` when it is too short there.
fn prepared(m: &Member, fold: usize) -> Option<&Prepared> {
    m.folds[fold].as_ref().ok()
}

fn dataset(w: &ScaledWindows) -> Dataset<'_, f32> {
    Dataset {
        x: w.x.view(),
        y: w.y.view(),
    }
}

/// The forecast of fold data `p`'s one test window, in original units.
fn forecast(net: &Network<f32>, p: &Prepared, by_mean: bool) -> Vec<f64> {
    let scaled = scaled_windows(&[(p, &p.test)], by_mean);
    let outputs = net.predict(scaled.x.view());
    unscale_outputs(p, &p.test, &outputs, &scaled.scale)
        .row(0)
        .to_vec()
}

/// Why series `m` has no forecast window in fold `fold` (fewer points than the lookback
/// before its origin).
fn too_short(m: &Member, fold: usize) -> String {
    format!(
        "too short to forecast: {}",
        m.folds[fold].as_ref().err().map_or("", |e| e.as_str())
    )
}

/// Why a local network cannot be fitted on `p`: no training window.
fn no_training_window(p: &Prepared, lookback: usize, horizon: usize) -> String {
    format!(
        "too short for a training window: its training part has {} points, a window needs \
         lookback + horizon = {}",
        p.split.train.len(),
        lookback + horizon
    )
}

const NO_TRAINING_WINDOW: &str =
    "no series is long enough for one training window of lookback + horizon points";

fn fit_global(
    run: &RunSpec,
    data: &PanelData,
    fold: usize,
    by_mean: bool,
    on_epoch: &(dyn Fn(&EpochStats) + Sync),
) -> FoldFit {
    let exp = &run.experiment;
    let members = &data.panel.members;
    let parts: Vec<(&Prepared, &Windows)> = members
        .iter()
        .filter_map(|m| prepared(m, fold))
        .filter(|p| !p.train.is_empty())
        .map(|p| (p, &p.train))
        .collect();
    if parts.is_empty() {
        return failed(RunStatus::Failed, NO_TRAINING_WINDOW.into());
    }
    // Batches mix series: the pooled windows are shuffled together every epoch.
    let pooled = scaled_windows(&parts, by_mean);
    let mut net = Network::<f32>::init(network_shape(exp), exp.seed);
    let report = train::fit(
        &mut net,
        dataset(&pooled),
        None,
        &fit_config(exp),
        &mut |s| on_epoch(s),
    );
    let history = report
        .history
        .iter()
        .map(|e| (e.train_loss, e.val_loss))
        .collect();
    if let Stop::Diverged { reason, .. } = &report.stop {
        return FoldFit {
            history,
            epochs: report.history.len(),
            ..failed(RunStatus::Diverged, reason.clone())
        };
    }
    let forecasts = members
        .iter()
        .zip(&data.origins)
        .map(|(m, origins)| match prepared(m, fold) {
            Some(p) => FoldForecast {
                values: forecast(&net, p, by_mean),
                fallback: None,
            },
            None => FoldForecast::naive2(&origins[fold], too_short(m, fold)),
        })
        .collect();
    FoldFit {
        forecasts,
        history,
        epochs: report.history.len(),
        best_epoch: report.best_epoch,
        failure: None,
    }
}

/// The seed of series `k`'s local network: the run's seed mixed with the series' position,
/// so that each series starts from its own weights and the whole stays reproducible.
fn member_seed(seed: u64, k: usize) -> u64 {
    seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn fit_local(
    run: &RunSpec,
    data: &PanelData,
    fold: usize,
    by_mean: bool,
    tick: &(dyn Fn() + Sync),
) -> FoldFit {
    let exp = &run.experiment;
    // One network per series, in parallel; each series' fit is single-threaded and seeded
    // by its position, so the results do not depend on the thread count.
    let fits: Vec<(FoldForecast, Option<FitReport>)> = data
        .panel
        .members
        .par_iter()
        .zip(&data.origins)
        .enumerate()
        .map(|(k, (m, origins))| {
            let origin = &origins[fold];
            let Some(p) = prepared(m, fold) else {
                tick();
                return (FoldForecast::naive2(origin, too_short(m, fold)), None);
            };
            if p.train.is_empty() {
                tick();
                let why = no_training_window(p, exp.window.lookback, exp.window.horizon);
                return (FoldForecast::naive2(origin, why), None);
            }
            let seed = member_seed(exp.seed, k);
            let mut net = Network::<f32>::init(network_shape(exp), seed);
            let train = scaled_windows(&[(p, &p.train)], by_mean);
            let report = train::fit(
                &mut net,
                dataset(&train),
                None,
                &FitConfig {
                    seed,
                    ..fit_config(exp)
                },
                &mut |_| {},
            );
            tick();
            let forecast = match &report.stop {
                Stop::Diverged { reason, .. } => {
                    FoldForecast::naive2(origin, format!("its network diverged: {reason}"))
                }
                _ => FoldForecast {
                    values: forecast(&net, p, by_mean),
                    fallback: None,
                },
            };
            (forecast, Some(report))
        })
        .collect();
    let reports: Vec<&FitReport> = fits.iter().filter_map(|(_, r)| r.as_ref()).collect();
    if reports.is_empty() {
        return failed(RunStatus::Failed, NO_TRAINING_WINDOW.into());
    }
    let longest = reports.iter().map(|r| r.history.len()).max().unwrap_or(0);
    let history = (0..longest)
        .map(|e| {
            let ran: Vec<&EpochStats> = reports.iter().filter_map(|r| r.history.get(e)).collect();
            let val: Vec<f64> = ran.iter().filter_map(|s| s.val_loss).collect();
            (
                mean(ran.iter().map(|s| s.train_loss)),
                (!val.is_empty()).then(|| mean(val)),
            )
        })
        .collect();
    let best_epoch = reports.iter().map(|r| r.best_epoch).max().unwrap_or(0);
    FoldFit {
        forecasts: fits.into_iter().map(|(f, _)| f).collect(),
        history,
        epochs: longest,
        best_epoch,
        failure: None,
    }
}

fn failed(status: RunStatus, reason: String) -> FoldFit {
    FoldFit {
        forecasts: Vec::new(),
        history: Vec::new(),
        epochs: 0,
        best_epoch: 0,
        failure: Some((status, reason)),
    }
}

fn accuracy(a: Accuracy) -> SeriesAccuracy {
    SeriesAccuracy {
        smape: a.smape,
        mase: a.mase,
    }
}

fn series_row(
    run: &RunSpec,
    member: &Member,
    split: &str,
    origin: &Origin,
    forecast: &FoldForecast,
) -> SeriesRow {
    SeriesRow {
        run_id: run.run_id.clone(),
        series: member.name.clone(),
        split: split.to_string(),
        origin: origin.origin as u32,
        forecaster: if forecast.fallback.is_some() {
            "naive2".into()
        } else {
            "network".into()
        },
        reason: forecast.fallback.clone(),
        mase_scale: origin.scale,
        accuracy: accuracy(Accuracy::of(&origin.actual, &forecast.values, origin.scale)),
        benchmarks: origin.accuracy.map(accuracy),
    }
}

fn prediction_rows(
    run: &RunSpec,
    member: &Member,
    split: &str,
    origin: &Origin,
    values: &[f64],
) -> Vec<PredictionRow> {
    let naive = origin.benchmark(Benchmark::Naive).0;
    let seasonal = origin.benchmark(Benchmark::SeasonalNaive).0;
    (0..values.len())
        .map(|k| PredictionRow {
            run_id: run.run_id.clone(),
            fold: 1,
            split: split.to_string(),
            index: (origin.origin + k) as u32,
            actual: origin.actual[k],
            predicted: values[k],
            naive: Some(naive[k]),
            seasonal_naive: Some(seasonal[k]),
            series: Some(member.name.clone()),
            ..PredictionRow::default()
        })
        .collect()
}

/// The run's scores over series, per part (validation, then test): its own and each
/// benchmark's ([`SeriesRow::BENCHMARKS`] order), computed once for the runs table and
/// `metrics.json`.
struct PartScores {
    split: Split,
    own: PanelScore,
    benchmarks: Vec<(&'static str, PanelScore)>,
    series: usize,
}

fn part_scores(rows: &[SeriesRow]) -> Vec<PartScores> {
    [Split::Validation, Split::Test]
        .into_iter()
        .filter(|split| rows.iter().any(|r| r.split == split.as_str()))
        .map(|split| {
            let name = split.as_str();
            PartScores {
                split,
                own: score_rows(rows.iter(), name, None),
                benchmarks: SeriesRow::BENCHMARKS
                    .iter()
                    .enumerate()
                    .map(|(i, key)| (*key, score_rows(rows.iter(), name, Some(i))))
                    .collect(),
                series: rows.iter().filter(|r| r.split == name).count(),
            }
        })
        .collect()
}

const MEASURES: [Measure; 3] = [Measure::Smape, Measure::Mase, Measure::Owa];

/// The run's columns: per part (test first), the network's sMAPE, MASE and OWA over the
/// series, then each benchmark's (`test_theta_smape`, ...).
fn metric_columns(scores: &[PartScores]) -> Vec<(String, f64)> {
    let mut cols = Vec::new();
    for part in scores.iter().rev() {
        let split = part.split.as_str();
        for m in MEASURES {
            cols.push((Metric::network(part.split, m).column(), part.own.get(m)));
        }
        for (key, score) in &part.benchmarks {
            for m in MEASURES {
                cols.push((format!("{split}_{key}_{}", m.column()), score.get(m)));
            }
        }
    }
    cols
}

/// `metrics.json`'s splits: per part, the network's and the benchmarks' scores.
fn split_json(scores: &[PartScores]) -> serde_json::Map<String, serde_json::Value> {
    let json = |s: &PanelScore| {
        serde_json::json!({
            "smape": s.smape,
            "mase": s.mase,
            "owa": s.owa,
            "mase_undefined": s.mase_undefined,
        })
    };
    scores
        .iter()
        .map(|part| {
            let mut value = json(&part.own);
            let benchmarks: serde_json::Map<String, serde_json::Value> = part
                .benchmarks
                .iter()
                .map(|(key, score)| (key.to_string(), json(score)))
                .collect();
            value["benchmarks"] = serde_json::Value::Object(benchmarks);
            value["series"] = serde_json::json!(part.series);
            (part.split.as_str().to_string(), value)
        })
        .collect()
}
