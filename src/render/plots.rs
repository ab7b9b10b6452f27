//! Which plots a results folder gets and the data each one shows, shaped from the finished
//! runs and the analysis; `plot` draws them.

use std::collections::HashSet;

use anyhow::Result;

use super::format::{config_name, num};
use crate::analysis::ensemble::ensemble_run;
use crate::analysis::metric::{Baseline, Metric, Split};
use crate::analysis::stats::mean_by_key;
use crate::analysis::sweep::ok_value;
use crate::analysis::SweepAnalysis;
use crate::plot::{
    best_png, forecast_png, future_png, loss_png, losses_png, param_png, ranking_png, Band,
    BestInput, ForecastInput, FutureInput, ParamAxis, ParamPoint, RankEntry, MAX_BANDS,
};
use crate::store::forecast::{level_percent, ForecastRecord};
use crate::store::layout::{ResultsLayout, FUTURE_PNG};
use crate::store::records::ParamValue;
use crate::store::run_folder::FinishedRun;

/// How many configurations the best-forecast and loss plots show.
const BEST_SHOWN: usize = 4;

/// What the plots show besides the runs and the analysis.
pub struct PlotInput<'a> {
    /// The experiment's name, in titles.
    pub name: &'a str,
    /// Every run, in grid order.
    pub runs: &'a [FinishedRun],
    pub analysis: &'a SweepAnalysis,
    /// The series the best run forecast, original units, and its time labels if any.
    pub series: &'a [f64],
    pub time: Option<&'a [String]>,
    /// What the values are (`data.value_label` or the CSV column): the value axes.
    pub value_name: &'a str,
    /// The training loss' name ("MSE"; "loss" when the sweep varies it): the loss axes.
    pub loss_name: &'a str,
    /// The best run's horizon.
    pub horizon: usize,
    /// Swept keys other than the seed, in sweep order: one parameter plot each.
    pub swept: Vec<&'a str>,
    /// The forecast past the end of the series (`runner forecast`), drawn as future.png.
    pub forecast: Option<&'a ForecastRecord>,
}

impl PlotInput<'_> {
    /// The run that stands for the sweep: the chosen configuration's first successful seed,
    /// or the first run when none succeeded.
    pub fn best_run(&self) -> &FinishedRun {
        self.run(self.analysis.representatives.first())
            .unwrap_or(&self.runs[0])
    }

    /// The forecast that stands for configuration `config`: the mean of its successful
    /// seeds' forecasts as a run ([`ensemble_run`]); `None` without a successful seed.
    fn ensemble_of(&self, config: &str) -> Option<FinishedRun> {
        let seeds: Vec<&FinishedRun> = self
            .runs
            .iter()
            .filter(|r| r.record.config == config)
            .collect();
        ensemble_run(&seeds)
    }

    /// The chosen configuration's forecast (its seed ensemble), or the stand-in run.
    pub fn chosen_forecast(&self) -> FinishedRun {
        self.analysis
            .best()
            .and_then(|s| self.ensemble_of(&s.config))
            .unwrap_or_else(|| self.best_run().clone())
    }

    fn run(&self, id: Option<&String>) -> Option<&FinishedRun> {
        let id = id?;
        self.runs.iter().find(|r| r.record.run_id == *id)
    }
}

/// future.png: the forecast record's recent history, its forecast and interval bands.
fn future(f: &ForecastRecord, name: &str, path: &std::path::Path) -> Result<()> {
    let history: Vec<f64> = f.history.iter().map(|(_, v)| *v).collect();
    let forecast: Vec<f64> = f.rows.iter().map(|r| r.mean).collect();
    // The narrowest levels, as many as one plot draws (the CLI takes no more).
    let bands: Vec<Band> = f
        .levels
        .iter()
        .take(MAX_BANDS)
        .enumerate()
        .map(|(j, &level)| Band {
            label: format!("{}% interval", level_percent(level)),
            bounds: f
                .rows
                .iter()
                .map(|r| r.intervals.get(j).copied().flatten())
                .collect(),
        })
        .collect();
    let labels: Option<Vec<String>> = f
        .history
        .iter()
        .map(|(t, _)| t.clone())
        .chain(f.rows.iter().map(|r| r.time.clone()))
        .collect();
    let title = format!(
        "{name}: forecast of {} values with {} (mean of {} seeds)",
        f.steps,
        config_name(&f.config),
        f.seeds.len()
    );
    future_png(
        path,
        &FutureInput {
            history: &history,
            forecast: &forecast,
            bands: &bands,
            labels: labels.as_deref(),
            title: &title,
        },
    )
}

/// Draws every plot into `layout`'s plots folder; returns their paths relative to the
/// results folder, in the order the report lists them.
pub fn write_plots(p: &PlotInput, layout: &ResultsLayout) -> Result<Vec<String>> {
    let mut written = Vec::new();
    let mut done = |name: &str| written.push(format!("plots/{name}"));
    // Forecast plots show the chosen configuration's forecast (the mean of its seeds'), with
    // the figure of exactly what is drawn: the test part, the last backtest fold.
    let chosen = p.chosen_forecast();
    let best_run = &chosen;
    let plots = layout.plots_dir();
    let title = format!(
        "{}: {} RMSE {} (naive {})",
        if p.runs.len() == 1 {
            p.name.to_string()
        } else {
            format!("chosen {}", best_run.record.label)
        },
        // Held out only when the ranking did not look at the test part.
        if p.analysis.protocol.optimistic() {
            "test"
        } else {
            "held-out test"
        },
        num(ok_value(best_run, Metric::TEST_RMSE)),
        num(ok_value(
            best_run,
            Metric::baseline_test_rmse(Baseline::Naive)
        ))
    );
    forecast_png(
        &layout.forecast_png(),
        &ForecastInput {
            series: p.series,
            x_labels: p.time,
            value_name: p.value_name,
            train: &first_step(best_run, Split::Train),
            validation: &first_step(best_run, Split::Validation),
            test: &first_step(best_run, Split::Test),
            title: &title,
        },
    )?;
    done("forecast.png");

    if let Some(f) = p.forecast {
        future(f, p.name, &plots.join(FUTURE_PNG))?;
        done(FUTURE_PNG);
    }

    if p.horizon > 1 {
        let file = "paths.png";
        best_png(
            &plots.join(file),
            &BestInput {
                actual: &test_actual(std::slice::from_ref(&best_run), p.series),
                forecasts: &multi_step_paths(best_run, p.horizon, 4, p.time),
                x_labels: p.time,
                value_name: p.value_name,
                title: &format!(
                    "{}: {}-step forecasts from a few test origins",
                    p.name, p.horizon
                ),
            },
        )?;
        done(file);
    }

    if best_run.folds.len() > 1 {
        let file = "backtest.png";
        let folds = backtest_paths(best_run);
        let actual = dedup_points(
            folds
                .iter()
                .flat_map(|(_, points)| points)
                .filter_map(|&(i, _)| p.series.get(i).map(|v| (i, *v)))
                .collect(),
        );
        best_png(
            &plots.join(file),
            &BestInput {
                actual: &actual,
                forecasts: &folds,
                x_labels: p.time,
                value_name: p.value_name,
                title: &format!(
                    "{}: backtest of {}, each fold's test forecast",
                    p.name, best_run.record.label
                ),
            },
        )?;
        done(file);
    }

    if p.runs.len() == 1 {
        loss_png(
            &layout.loss_png(),
            &p.best_run().final_history().cloned().collect::<Vec<_>>(),
            &loss_desc(p.loss_name),
            &format!("{}: training loss, {}", p.name, which_fit(p.best_run())),
        )?;
        done("loss.png");
        return Ok(written);
    }

    // Rows in the order of the ranking (the selection data), each at its held-out figure:
    // what the ranking chose, judged where it did not look.
    let rank_metric = p.analysis.rank_metric;
    let held_out = p.analysis.protocol.held_out();
    let entries: Vec<RankEntry> = p
        .analysis
        .configs
        .iter()
        .map(|s| RankEntry {
            config: s.config.clone(),
            mean: s.mean(held_out).unwrap_or(f64::NAN),
            std: s.std(held_out),
            values: p
                .runs
                .iter()
                .filter(|r| s.run_ids.contains(&r.record.run_id))
                .map(|r| ok_value(r, held_out))
                .collect(),
        })
        .collect();
    // The baselines on the chosen configuration's points.
    let baselines: Vec<(&str, f64)> = p
        .analysis
        .choice
        .baselines
        .iter()
        .map(|c| (c.baseline.name(), c.held_out))
        .collect();
    let rank_column = rank_metric.column();
    ranking_png(
        &plots.join("ranking.png"),
        &entries,
        &baselines,
        &held_out.column(),
        &format!(
            "{}: held-out {} per configuration (± std over seeds), ranked on {}",
            p.name,
            held_out.column(),
            p.analysis.protocol.ranked_on()
        ),
    )?;
    done("ranking.png");

    for key in &p.swept {
        let points: Vec<ParamPoint> = p
            .runs
            .iter()
            .map(|r| ParamPoint {
                value: r
                    .record
                    .params
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(ParamAxis::Category(String::new()), |(_, v)| axis_value(v)),
                metric: ok_value(r, rank_metric),
            })
            .collect();
        let means: Vec<ParamPoint> =
            mean_by_key(points.iter().map(|p| (p.value.clone(), p.metric)))
                .into_iter()
                .map(|(value, metric)| ParamPoint { value, metric })
                .collect();
        let file = format!(
            "param_{}.png",
            crate::store::param_columns::column_name(key)
        );
        param_png(&plots.join(&file), key, &points, &means, &rank_column)?;
        done(&file);
    }

    // The first configurations of the ranking: their forecast (the mean of their seeds') of
    // the test part, and their first finished seed's training loss.
    let ensembles: Vec<FinishedRun> = p
        .analysis
        .configs
        .iter()
        .take(BEST_SHOWN)
        .filter_map(|s| p.ensemble_of(&s.config))
        .collect();
    let forecasts: Vec<(String, Vec<(usize, f64)>)> = ensembles
        .iter()
        .map(|r| (r.record.label.clone(), first_step(r, Split::Test)))
        .collect();
    best_png(
        &plots.join("best.png"),
        &BestInput {
            actual: &test_actual(&ensembles.iter().collect::<Vec<_>>(), p.series),
            forecasts: &forecasts,
            x_labels: p.time,
            value_name: p.value_name,
            title: &format!(
                "{}: held-out test forecasts of the first configurations of the ranking",
                p.name
            ),
        },
    )?;
    let shown: Vec<&FinishedRun> = p
        .analysis
        .representatives
        .iter()
        .take(BEST_SHOWN)
        .filter_map(|id| p.run(Some(id)))
        .collect();
    done("best.png");
    let curves: Vec<(String, Vec<(u32, f64)>)> = shown
        .iter()
        .map(|r| {
            let c = r.final_history().map(|h| (h.epoch, h.train_loss)).collect();
            (r.record.label.clone(), c)
        })
        .collect();
    losses_png(
        &layout.loss_png(),
        &curves,
        &loss_desc(p.loss_name),
        &format!(
            "{}: training loss of the best configurations (first seed), {}",
            p.name,
            which_fit(shown.first().copied().unwrap_or_else(|| p.best_run()))
        ),
    )?;
    done("loss.png");
    Ok(written)
}

/// The loss axis' words: the loss is computed on the network's values (transformed and
/// scaled), not in the series' units, which a reader comparing it with an RMSE must know.
fn loss_desc(loss_name: &str) -> String {
    format!("training {loss_name} (scaled units)")
}

/// Which fit a loss plot shows: with a backtest, the last fold's (the one whose test part
/// is the experiment's), else the fit on the training part.
fn which_fit(run: &FinishedRun) -> String {
    if run.folds.len() > 1 {
        format!(
            "fold {} of {} (the test part's fit)",
            run.final_fold(),
            run.folds.len()
        )
    } else {
        "fit on the training part".to_string()
    }
}

/// The actual series over every test point any of `runs` predicts (their lookbacks may
/// differ, and with them the first test window).
fn test_actual(runs: &[&FinishedRun], series: &[f64]) -> Vec<(usize, f64)> {
    dedup_points(
        runs.iter()
            .flat_map(|r| r.final_predictions())
            .filter(|p| p.split == Split::Test.as_str())
            .map(|p| p.index as usize)
            .filter_map(|i| series.get(i).map(|v| (i, *v)))
            .collect(),
    )
}

/// The `horizon`-step paths predicted from `count` test windows spread over the test part.
/// Prediction rows come window by window, `horizon` rows each.
fn multi_step_paths(
    run: &FinishedRun,
    horizon: usize,
    count: usize,
    time: Option<&[String]>,
) -> Vec<(String, Vec<(usize, f64)>)> {
    let test: Vec<_> = run
        .final_predictions()
        .filter(|p| p.split == Split::Test.as_str())
        .collect();
    let windows = test.len() / horizon;
    if windows == 0 {
        return Vec::new();
    }
    // n origins evenly spread from the first test window to the last.
    let n = count.min(windows);
    (0..n)
        .map(|k| {
            if n > 1 {
                k * (windows - 1) / (n - 1)
            } else {
                0
            }
        })
        .map(|w| {
            let rows = &test[w * horizon..(w + 1) * horizon];
            // Named by the origin's date when the series has a time column.
            let label = match time.and_then(|t| t.get(rows[0].index as usize)) {
                Some(date) => format!("from {date}"),
                None => format!("from index {}", rows[0].index),
            };
            (
                label,
                rows.iter()
                    .map(|p| (p.index as usize, p.predicted))
                    .collect(),
            )
        })
        .collect()
}

/// Each backtest fold's one-step test forecast, labelled with the fold and its RMSE.
fn backtest_paths(run: &FinishedRun) -> Vec<(String, Vec<(usize, f64)>)> {
    run.folds
        .iter()
        .map(|f| {
            let rmse = f.metric(&Metric::TEST_RMSE.column()).unwrap_or(f64::NAN);
            let points = dedup_points(
                run.predictions
                    .iter()
                    .filter(|p| p.fold == f.fold && p.split == Split::Test.as_str())
                    .map(|p| (p.index as usize, p.predicted))
                    .collect(),
            );
            (format!("fold {} (test RMSE {})", f.fold, num(rmse)), points)
        })
        .collect()
}

fn axis_value(v: &ParamValue) -> ParamAxis {
    match v {
        ParamValue::Int(i) => ParamAxis::Number(*i as f64),
        ParamValue::Float(f) => ParamAxis::Number(*f),
        ParamValue::Str(s) => ParamAxis::Category(s.clone()),
        ParamValue::Bool(b) => ParamAxis::Category(b.to_string()),
    }
}

/// Each target index once: the first prediction made for it (the one-step-ahead one with a
/// horizon of 1; with longer horizons, that of the earliest window).
fn first_step(run: &FinishedRun, split: Split) -> Vec<(usize, f64)> {
    dedup_points(
        run.final_predictions()
            .filter(|p| p.split == split.as_str())
            .map(|p| (p.index as usize, p.predicted))
            .collect(),
    )
}

fn dedup_points(mut points: Vec<(usize, f64)>) -> Vec<(usize, f64)> {
    let mut seen = HashSet::new();
    points.retain(|(i, _)| seen.insert(*i));
    points.sort_by_key(|(i, _)| *i);
    points
}
