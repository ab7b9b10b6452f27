//! The experiment-level outputs, rebuilt from all run folders after every invocation:
//! the resolved experiment, tables, summary, plots and report.
//!
//! They are written into a temporary folder inside the results folder and moved into place
//! file by file at the end, so a crash never leaves a half-written table; the run folders
//! (`runs/`) are the source of truth and are never touched here.

use std::path::Path;

use anyhow::{Context, Result};

use crate::plot::{
    best_png, forecast_png, loss_png, losses_png, param_png, ranking_png, ParamAxis, ParamPoint,
    RankEntry,
};
use crate::results::format::num;
use crate::results::{
    ensemble_test_rmse, mean_over_ok_runs, summarize, write_folds, write_history,
    write_predictions, write_runs, write_summary, ConfigSummary, FinishedRun, MetricSummary,
    ParamValue, ResultsLayout, RunRecord, RunStatus, ENSEMBLE_METRIC,
};
use crate::spec::Sweep;

use super::plan::Plan;
use super::report;

/// The metric runs are ranked by.
pub const RANK_METRIC: &str = "test_rmse";
/// The baselines' test RMSE columns and their names in plots and the report.
pub const BASELINE_COLUMNS: [(&str, &str); 4] = [
    ("test_naive_rmse", "naive"),
    ("test_seasonal_naive_rmse", "seasonal naive"),
    ("test_drift_rmse", "drift"),
    ("test_ar_rmse", "linear AR"),
];
/// How many configurations the best-forecast and loss plots show.
const BEST_SHOWN: usize = 4;

pub struct Assembly<'a> {
    pub folder: &'a Path,
    pub sweep: &'a Sweep,
    pub plan: &'a Plan,
    /// In grid order.
    pub runs: &'a [FinishedRun],
    pub wall_seconds: f64,
    pub cached: usize,
}

/// One configuration with its seeds folded: its summary row and its finished runs.
pub struct ConfigGroup<'a> {
    pub config: String,
    pub runs: Vec<&'a FinishedRun>,
    /// Mean and sample std of the rank metric over the runs that finished (NaN / None
    /// when none did).
    pub mean: f64,
    pub std: Option<f64>,
}

pub fn metric(run: &FinishedRun, name: &str) -> f64 {
    if run.record.status != RunStatus::Ok {
        return f64::NAN;
    }
    run.record.metric(name).unwrap_or(f64::NAN)
}

/// The summary's configurations (ranked by mean test RMSE, best first, those without a
/// result last) with their runs.
pub fn ranked_configs(runs: &[FinishedRun]) -> Vec<ConfigGroup<'_>> {
    let records: Vec<RunRecord> = runs.iter().map(|r| r.record.clone()).collect();
    groups_of(&summarize(&records, RANK_METRIC), runs)
}

fn groups_of<'a>(summaries: &[ConfigSummary], runs: &'a [FinishedRun]) -> Vec<ConfigGroup<'a>> {
    summaries
        .iter()
        .map(|s| ConfigGroup {
            config: s.config.clone(),
            runs: s
                .run_ids
                .iter()
                .filter_map(|id| runs.iter().find(|r| r.record.run_id == *id))
                .collect(),
            mean: s.mean(RANK_METRIC).unwrap_or(f64::NAN),
            std: s.std(RANK_METRIC),
        })
        .collect()
}

pub fn assemble(a: &Assembly) -> Result<()> {
    std::fs::create_dir_all(a.folder)
        .with_context(|| format!("cannot create {}", a.folder.display()))?;
    let staging = a.folder.join(format!(".assemble-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(staging.join("plots"))?;
    write_all(a, &staging)?;
    // Move into place: plots/ as a whole, then each file.
    let plots = a.folder.join("plots");
    if plots.exists() {
        std::fs::remove_dir_all(&plots)?;
    }
    for entry in std::fs::read_dir(&staging)? {
        let entry = entry?;
        let dest = a.folder.join(entry.file_name());
        std::fs::rename(entry.path(), &dest)
            .with_context(|| format!("cannot move {} into place", dest.display()))?;
    }
    std::fs::remove_dir(&staging)?;
    Ok(())
}

fn write_all(a: &Assembly, dir: &Path) -> Result<()> {
    let layout = ResultsLayout::new(dir);
    let records: Vec<_> = a.runs.iter().map(|r| r.record.clone()).collect();
    std::fs::write(layout.experiment_toml(), experiment_toml(a.sweep))?;
    write_runs(dir, &records)?;
    let history: Vec<_> = a
        .runs
        .iter()
        .flat_map(|r| r.history.iter().cloned())
        .collect();
    write_history(dir, &history)?;
    let predictions: Vec<_> = a
        .runs
        .iter()
        .flat_map(|r| r.predictions.iter().cloned())
        .collect();
    write_predictions(dir, &predictions)?;
    if a.runs.iter().any(|r| !r.folds.is_empty()) {
        let folds: Vec<_> = a
            .runs
            .iter()
            .map(|r| (&r.record, r.folds.as_slice()))
            .collect();
        write_folds(dir, &folds)?;
    }
    if a.runs.len() == 1 {
        // A single run's metrics.json is the experiment's.
        let src = a
            .folder
            .join("runs")
            .join(&a.runs[0].record.run_id)
            .join("metrics.json");
        std::fs::copy(&src, layout.metrics_json())
            .with_context(|| format!("cannot copy {}", src.display()))?;
    }
    // One summary serves the summary table, the plots and the report.
    let mut summaries = summarize(&records, RANK_METRIC);
    add_ensembles(&mut summaries, a.runs);
    write_summary(dir, &summaries)?;
    let groups = groups_of(&summaries, a.runs);
    let plots = write_plots(a, &layout, &groups)?;
    report::write_report(dir, a, &records, &summaries, &plots)?;
    Ok(())
}

/// Appends each configuration's seed-ensemble test RMSE ([`ENSEMBLE_METRIC`]) to its
/// summary: a column of `summary.csv` (no spread: one ensemble per configuration).
fn add_ensembles(summaries: &mut [ConfigSummary], runs: &[FinishedRun]) {
    for s in summaries {
        let seeds: Vec<&FinishedRun> = runs
            .iter()
            .filter(|r| s.run_ids.contains(&r.record.run_id))
            .collect();
        s.metrics.push(MetricSummary {
            name: ENSEMBLE_METRIC.to_string(),
            mean: ensemble_test_rmse(&seeds),
            std: None,
        });
    }
}

/// The experiment as run: the first run's resolved configuration (every default written
/// out; swept keys at their first candidate) and the grid.
fn experiment_toml(sweep: &Sweep) -> String {
    let mut text = sweep.runs[0].experiment.to_toml_string();
    if !sweep.axes.is_empty() {
        let mut grid = toml::Table::new();
        for axis in &sweep.axes {
            grid.insert(axis.key.clone(), toml::Value::Array(axis.values.clone()));
        }
        text.push_str("\n# The grid: one run per combination; the values above are the first run's.\n[sweep]\n");
        text.push_str(&toml::to_string(&grid).unwrap_or_default());
    }
    text
}

/// Draws every plot; returns their paths relative to the results folder.
fn write_plots(
    a: &Assembly,
    layout: &ResultsLayout,
    groups: &[ConfigGroup],
) -> Result<Vec<String>> {
    let mut written = Vec::new();
    let mut done = |name: &str| written.push(format!("plots/{name}"));
    let best_run = groups
        .first()
        .and_then(|g| {
            g.runs
                .iter()
                .copied()
                .find(|r| r.record.status == RunStatus::Ok)
        })
        .unwrap_or(&a.runs[0]);
    let best_spec = a
        .sweep
        .runs
        .iter()
        .find(|r| r.run_id == best_run.record.run_id)
        .expect("every finished run comes from the sweep");
    let data = a.plan.data_for(&best_spec.experiment);
    let split_points =
        |run: &FinishedRun, split: &str| -> Vec<(usize, f64)> { first_step(run, split) };
    let title = format!(
        "{}: test RMSE {} (naive {})",
        if a.runs.len() == 1 {
            best_spec.experiment.name.clone()
        } else {
            format!("best run {}", best_run.record.label)
        },
        num(metric(best_run, "test_rmse")),
        num(metric(best_run, "test_naive_rmse"))
    );
    forecast_png(
        &layout.forecast_png(),
        &data.series.values,
        data.series.time.as_deref(),
        &split_points(best_run, "train"),
        &split_points(best_run, "validation"),
        &split_points(best_run, "test"),
        &title,
    )?;
    done("forecast.png");

    let horizon = best_spec.experiment.window.horizon;
    if horizon > 1 {
        let file = "paths.png";
        best_png(
            &layout.plots_dir().join(file),
            &test_actual(std::slice::from_ref(&best_run), &data.series.values),
            &multi_step_paths(best_run, horizon, 4),
            &format!(
                "{}: {horizon}-step forecasts from a few test origins",
                name(a)
            ),
        )?;
        done(file);
    }

    if best_run.folds.len() > 1 {
        let file = "backtest.png";
        let folds = backtest_paths(best_run);
        let points: Vec<(usize, f64)> = folds.iter().flat_map(|(_, p)| p.clone()).collect();
        let actual: Vec<(usize, f64)> = dedup_points(
            points
                .iter()
                .filter_map(|&(i, _)| data.series.values.get(i).map(|v| (i, *v)))
                .collect(),
        );
        best_png(
            &layout.plots_dir().join(file),
            &actual,
            &folds,
            &format!(
                "{}: backtest of {}, each fold's test forecast",
                name(a),
                best_run.record.label
            ),
        )?;
        done(file);
    }

    if a.runs.len() == 1 {
        loss_png(
            &layout.loss_png(),
            &best_run.final_history().cloned().collect::<Vec<_>>(),
            &format!("{}: training loss", best_spec.experiment.name),
        )?;
        done("loss.png");
        return Ok(written);
    }

    let plots = layout.plots_dir();
    let entries: Vec<RankEntry> = groups
        .iter()
        .map(|g| RankEntry {
            config: g.config.clone(),
            mean: g.mean,
            std: g.std,
            values: g.runs.iter().map(|r| metric(r, RANK_METRIC)).collect(),
        })
        .collect();
    let records: Vec<RunRecord> = a.runs.iter().map(|r| r.record.clone()).collect();
    let baselines: Vec<(&str, f64)> = BASELINE_COLUMNS
        .iter()
        .filter_map(|&(column, name)| {
            mean_over_ok_runs(&records, column).map(|value| (name, value))
        })
        .collect();
    ranking_png(
        &plots.join("ranking.png"),
        &entries,
        &baselines,
        RANK_METRIC,
        &format!(
            "{}: mean test RMSE per configuration (± std over seeds)",
            name(a)
        ),
    )?;
    done("ranking.png");

    for axis in a.sweep.axes.iter().filter(|x| x.key != "seed") {
        let points: Vec<ParamPoint> = a
            .runs
            .iter()
            .map(|r| ParamPoint {
                value: r
                    .record
                    .params
                    .iter()
                    .find(|(k, _)| *k == axis.key)
                    .map_or(ParamAxis::Category(String::new()), |(_, v)| axis_value(v)),
                metric: metric(r, RANK_METRIC),
            })
            .collect();
        let file = format!("param_{}.png", axis.key.replace('.', "_"));
        param_png(&plots.join(&file), &axis.key, &points, RANK_METRIC)?;
        done(&file);
    }

    // The best configurations: their first finished seed's test forecast and training loss.
    let shown: Vec<&FinishedRun> = groups
        .iter()
        .filter_map(|g| {
            g.runs
                .iter()
                .copied()
                .find(|r| r.record.status == RunStatus::Ok)
        })
        .take(BEST_SHOWN)
        .collect();
    let actual = test_actual(&shown, &data.series.values);
    let forecasts: Vec<(String, Vec<(usize, f64)>)> = shown
        .iter()
        .map(|r| (r.record.label.clone(), first_step(r, "test")))
        .collect();
    best_png(
        &plots.join("best.png"),
        &actual,
        &forecasts,
        &format!("{}: test forecasts of the best configurations", name(a)),
    )?;
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
        &format!("{}: training loss of the best configurations", name(a)),
    )?;
    done("loss.png");
    Ok(written)
}

/// The actual series over every test point any of `runs` predicts (their lookbacks may
/// differ, and with them the first test window).
fn test_actual(runs: &[&FinishedRun], series: &[f64]) -> Vec<(usize, f64)> {
    dedup_points(
        runs.iter()
            .flat_map(|r| r.final_predictions())
            .filter(|p| p.split == "test")
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
) -> Vec<(String, Vec<(usize, f64)>)> {
    let test: Vec<_> = run
        .final_predictions()
        .filter(|p| p.split == "test")
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
            let label = format!("from index {}", rows[0].index);
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
            let rmse = f.metric(RANK_METRIC).unwrap_or(f64::NAN);
            let points = dedup_points(
                run.predictions
                    .iter()
                    .filter(|p| p.fold == f.fold && p.split == "test")
                    .map(|p| (p.index as usize, p.predicted))
                    .collect(),
            );
            (format!("fold {} (test RMSE {})", f.fold, num(rmse)), points)
        })
        .collect()
}

fn name<'a>(a: &'a Assembly) -> &'a str {
    &a.sweep.runs[0].experiment.name
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
fn first_step(run: &FinishedRun, split: &str) -> Vec<(usize, f64)> {
    dedup_points(
        run.final_predictions()
            .filter(|p| p.split == split)
            .map(|p| (p.index as usize, p.predicted))
            .collect(),
    )
}

fn dedup_points(mut points: Vec<(usize, f64)>) -> Vec<(usize, f64)> {
    let mut seen = std::collections::HashSet::new();
    points.retain(|(i, _)| seen.insert(*i));
    points.sort_by_key(|(i, _)| *i);
    points
}
