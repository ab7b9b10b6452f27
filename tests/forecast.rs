//! Saved models and forecasts past the end, through the real `runner` binary: every run keeps
//! its networks as safetensors files that reproduce its predictions bit for bit; `runner
//! predict` applies one to new data; `runner forecast` refits the chosen configuration,
//! forecasts with conformal intervals and measures their coverage on the backtest.

mod common;

use std::path::{Path, PathBuf};

use common::{f64s, read_parquet, runner, scratch_dir, stderr, stdout, strs, write};
use runner::saved;

/// 150 months from 2000-01: level × trend × season × a deterministic wobble, positive (the
/// experiment takes logs).
fn monthly_series() -> String {
    let mut text = String::from("time,value\n");
    for t in 0..150 {
        let season = 1.0 + 0.2 * (2.0 * std::f64::consts::PI * t as f64 / 12.0).sin();
        let wobble = 1.0 + ((t * 37 % 11) as f64 - 5.0) * 0.01;
        let v = 100.0 * (1.0 + 0.01 * t as f64) * season * wobble;
        text.push_str(&format!("{}-{:02}-01,{v}\n", 2000 + t / 12, t % 12 + 1));
    }
    text
}

/// Log + first differences, per-window levels, a 2-step head, LSTM and GRU, two seeds, a
/// 3-fold backtest: every piece of preprocessing a model file has to carry.
const MONTHLY: &str = r#"
name = "monthly"
seed = 1
[data]
kind = "csv"
path = "series.csv"
column = "value"
time_column = "time"
season = 12
[split]
test = 12
[transform]
log = true
difference = 1
window_normalise = true
[scale]
kind = "standard"
[window]
lookback = 6
horizon = 2
lookback_from = "history"
[model]
units = [5]
[train]
epochs = 8
batch_size = 16
learning_rate = 0.01
[backtest]
folds = 3
[sweep]
model.cell = ["lstm", "gru"]
seed = [1, 2]
"#;

/// `o` exited 2 (bad input) saying `why` on stderr.
fn refused(o: &std::process::Output, why: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(stderr(o).contains(why), "{}", stderr(o));
}

/// Runs [`MONTHLY`] in a fresh folder; returns (folder, results folder).
fn monthly_run() -> (tempfile::TempDir, PathBuf) {
    let dir = scratch_dir();
    write(dir.path(), "series.csv", &monthly_series());
    let file = write(dir.path(), "monthly.toml", MONTHLY);
    let out = dir.path().join("results");
    let o = runner(
        dir.path(),
        &[file.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    (dir, out)
}

fn series_values(dir: &Path) -> Vec<f64> {
    std::fs::read_to_string(dir.join("series.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect()
}

fn run_folders(out: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A run folder's test predictions of fold `fold`: `(origin, [predicted per step])` in
/// window order (each window writes one row per step, consecutive).
fn test_windows(run: &Path, fold: u32, horizon: usize) -> Vec<(usize, Vec<f64>)> {
    let text = std::fs::read_to_string(run.join("predictions.csv")).unwrap();
    let rows: Vec<(usize, f64)> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[0] == fold.to_string() && c[1] == "test")
        .map(|c| (c[2].parse().unwrap(), c[4].parse().unwrap()))
        .collect();
    rows.chunks(horizon)
        .map(|w| (w[0].0, w.iter().map(|r| r.1).collect()))
        .collect()
}

#[test]
fn every_fold_model_reproduces_its_runs_test_predictions_bit_for_bit() {
    let (dir, out) = monthly_run();
    let values = series_values(dir.path());
    let runs = run_folders(&out);
    assert_eq!(runs.len(), 4);
    let mut checked = 0;
    for run in &runs {
        let id = run.file_name().unwrap().to_string_lossy().into_owned();
        for fold in 1..=3u32 {
            let name = if fold == 3 {
                "model.safetensors".to_string()
            } else {
                format!("model.fold{fold}.safetensors")
            };
            let model = saved::load(&run.join(&name)).unwrap();
            assert_eq!(model.meta.run_id, id);
            assert_eq!(model.meta.trained_on, format!("fold {fold} of 3"));
            assert_eq!(model.meta.column.as_deref(), Some("value"));
            let pre = &model.meta.preprocessing;
            assert!(pre.window_normalise && pre.transform.params().log);
            assert_eq!((pre.lookback, pre.horizon), (6, 2));
            let windows = test_windows(run, fold, 2);
            assert_eq!(windows.len(), 11, "12 test points, 2-step windows");
            let origins: Vec<usize> = windows.iter().map(|w| w.0).collect();
            let paths = saved::forecast_paths(&model, &values, &origins, 2).unwrap();
            for (i, (origin, predicted)) in windows.iter().enumerate() {
                let again: Vec<u64> = paths.row(i).iter().map(|v| v.to_bits()).collect();
                let stored: Vec<u64> = predicted.iter().map(|v| v.to_bits()).collect();
                assert_eq!(again, stored, "{name} of {id}, origin {origin}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * 3 * 11);
}

#[test]
fn predict_applies_a_saved_model_to_new_data_as_the_run_did() {
    let (dir, out) = monthly_run();
    let run = &run_folders(&out)[0];
    let model = run.join("model.safetensors");
    // The series up to a test origin: the model's forecast from there is the run's.
    let (origin, predicted) = test_windows(run, 3, 2)[4].clone();
    let csv = std::fs::read_to_string(dir.path().join("series.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    let cut = write(dir.path(), "cut.csv", &(lines[..=origin].join("\n") + "\n"));
    let o = runner(
        dir.path(),
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--data",
            cut.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(text.lines().next(), Some("step,time,forecast"));
    assert_eq!(rows.len(), 2);
    for (k, row) in rows.iter().enumerate() {
        let v: f64 = row[2].parse().unwrap();
        assert_eq!(v.to_bits(), predicted[k].to_bits(), "step {}", k + 1);
    }
    // the time labels continue the monthly column
    let month = |i: usize| format!("{}-{:02}-01", 2000 + i / 12, i % 12 + 1);
    assert_eq!(rows[0][1], month(origin));
    assert_eq!(rows[1][1], month(origin + 1));
    // more steps than the head: the first two are the direct ones, the rest chained
    let o = runner(
        dir.path(),
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--data",
            cut.to_str().unwrap(),
            "--horizon",
            "5",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let longer: Vec<String> = stdout(&o).lines().skip(1).map(str::to_string).collect();
    assert_eq!(longer.len(), 5);
    assert_eq!(
        longer[..2].join("\n"),
        text.lines().skip(1).collect::<Vec<_>>().join("\n")
    );
    // too little history for a window
    let short = write(dir.path(), "short.csv", &(lines[..5].join("\n") + "\n"));
    let o = runner(
        dir.path(),
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--data",
            short.to_str().unwrap(),
        ],
    );
    refused(&o, "has 4 values; the model needs at least 7");
}

#[test]
fn damaged_foreign_and_newer_model_files_are_refused_with_exit_2() {
    let (dir, out) = monthly_run();
    let model = run_folders(&out)[0].join("model.safetensors");
    let bytes = std::fs::read(&model).unwrap();
    let csv = dir.path().join("series.csv");
    let predict = |file: &Path| {
        runner(
            dir.path(),
            &[
                "predict",
                "--model",
                file.to_str().unwrap(),
                "--data",
                csv.to_str().unwrap(),
            ],
        )
    };
    let case = |name: &str, content: &[u8], expected: &str| {
        let path = write(dir.path(), name, "");
        std::fs::write(&path, content).unwrap();
        let o = predict(&path);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{name}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{name}: nothing is forecast");
    };
    let mut flipped = bytes.clone();
    let at = bytes.len() - 7;
    flipped[at] ^= 0x10;
    case(
        "flipped.safetensors",
        &flipped,
        "do not match their recorded checksum",
    );
    case(
        "truncated.safetensors",
        &bytes[..bytes.len() / 2],
        "damaged model file: not a safetensors file",
    );
    case("text.safetensors", b"time,value\n", "damaged model file");
    // a file of a later format version, written by a newer runner
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta = header.metadata().clone().unwrap();
    meta.insert("format_version".into(), "2".into());
    meta.insert("runner_version".into(), "9.0.0".into());
    let newer = safetensors::serialize(st.tensors(), Some(meta)).unwrap();
    case(
        "newer.safetensors",
        &newer,
        "model format version 2, this runner",
    );
    let o = predict(&dir.path().join("missing.safetensors"));
    refused(&o, "cannot read model file");
}

#[test]
fn forecast_writes_values_intervals_models_a_plot_and_a_report_section() {
    let (dir, out) = monthly_run();
    // four refits at once here, one at a time below: the same bytes
    let o = runner(
        dir.path(),
        &[
            "forecast",
            out.to_str().unwrap(),
            "--horizon",
            "18",
            "-q",
            "-j",
            "4",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let console = stdout(&o);
    assert!(
        console.contains("18 values past the end (monthly) from 2012-07-01"),
        "{console}"
    );
    assert!(console.contains("80%: "), "{console}");
    let f = out.join("forecast");
    let df = read_parquet(&f.join("forecast.parquet"));
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "step", "time", "mean", "lower_80", "upper_80", "lower_95", "upper_95", "seed_1",
            "seed_2"
        ]
    );
    assert_eq!(df.height(), 18);
    let time = strs(&df, "time");
    assert_eq!(
        (time[0].as_str(), time[17].as_str()),
        ("2012-07-01", "2013-12-01")
    );
    let (mean, s1, s2) = (f64s(&df, "mean"), f64s(&df, "seed_1"), f64s(&df, "seed_2"));
    let (lo80, hi80, lo95, hi95) = (
        f64s(&df, "lower_80"),
        f64s(&df, "upper_80"),
        f64s(&df, "lower_95"),
        f64s(&df, "upper_95"),
    );
    for k in 0..18 {
        assert_eq!(mean[k], (s1[k] + s2[k]) / 2.0, "step {k}");
        assert!(lo80[k] < mean[k] && mean[k] < hi80[k], "step {k}");
        // the series is modelled in logs: multiplicative, hi / mean = mean / lo; and the 95%
        // interval holds the 80% one
        assert!(
            (hi80[k] / mean[k] - mean[k] / lo80[k]).abs() < 1e-12,
            "step {k}"
        );
        assert!(lo95[k] <= lo80[k] && hi95[k] >= hi80[k], "step {k}");
    }
    // the forecast is of the chosen configuration's seeds, refitted and saved
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.join("forecast.json")).unwrap()).unwrap();
    assert_eq!(record["chosen"], true);
    let ids: Vec<String> = record["run_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for id in &ids {
        let m = saved::load(&f.join("models").join(format!("{id}.safetensors"))).unwrap();
        assert_eq!(m.meta.trained_on, "whole series");
        assert_eq!(m.meta.points, 150);
    }
    assert_eq!(record["calibration"]["score"], "log_ratio");
    let coverage = &record["calibration"]["coverage"];
    assert_eq!(coverage[0]["folds"], serde_json::json!([2, 3]));
    // The calibration's geometry, worked out by hand: folds test 114..126, 126..138 and
    // 138..150; every origin forecasts 18 steps but none past point 150. Step 1 has 3 × 12
    // errors, step 18 has fold 1's 12 and fold 2's origins 126..=132 (7).
    let per_step: Vec<u64> = record["calibration"]["errors_per_step"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(per_step.len(), 18);
    assert_eq!((per_step[0], per_step[17]), (36, 19));
    assert_eq!(per_step.iter().sum::<u64>(), 216 + 201 + 78);
    // folds 2 and 3 are judged: 201 + 78 held-out values at each level, checked or not
    for c in coverage.as_array().unwrap() {
        let judged = c["checked"].as_u64().unwrap() + c["unchecked"].as_u64().unwrap();
        assert_eq!(judged, 279, "{c}");
        assert!(c["covered"].as_u64().unwrap() <= c["checked"].as_u64().unwrap());
    }
    let png = std::fs::read(out.join("plots/future.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Forecast"), "{report}");
    assert!(
        report.contains("(plots/future.png)"),
        "the report links the plot: {report}"
    );
    // report.html says the same, the forecast's table and plot included.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2 id=\"forecast\">Forecast</h2>"), "{html}");
    assert_eq!(
        html.matches("<img src=\"data:image/png;base64,").count(),
        report.lines().filter(|l| l.starts_with("![")).count()
    );
    assert!(
        html.contains("alt=\"future\""),
        "the forecast's plot is embedded"
    );
    // a sweep re-run keeps the forecast in its report
    let file = dir.path().join("monthly.toml");
    let o = runner(
        dir.path(),
        &[file.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(std::fs::read_to_string(out.join("report.md"))
        .unwrap()
        .contains("## Forecast"));
    // the same forecast again, on one thread: the same bytes
    let first = std::fs::read(f.join("forecast.csv")).unwrap();
    let o = runner(
        dir.path(),
        &[
            "forecast",
            out.to_str().unwrap(),
            "--horizon",
            "18",
            "-q",
            "-j",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(f.join("forecast.csv")).unwrap(), first);
}

#[test]
fn forecast_refuses_what_it_cannot_forecast_with_exit_2() {
    let (dir, out) = monthly_run();
    let forecast = |args: &[&str]| {
        let mut all = vec!["forecast", out.to_str().unwrap()];
        all.extend_from_slice(args);
        runner(dir.path(), &all)
    };
    let o = forecast(&["--config", "model.cell=rnn"]);
    refused(&o, "not a configuration of this sweep");
    assert!(stderr(&o).contains("`cell=gru`"), "{}", stderr(&o));
    let o = forecast(&["--levels", "80,120"]);
    refused(&o, "not between 0 and 100");
    let o = runner(dir.path(), &["forecast", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("source.json"), "{}", stderr(&o));
    // A run trained before runner saved models: no model files, and a manifest (so a
    // finished run) that does not list them.
    let run = &run_folders(&out)[0];
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array_mut().unwrap();
    files.retain(|f| !f["name"].as_str().unwrap().starts_with("model"));
    std::fs::write(run.join("manifest.json"), manifest.to_string()).unwrap();
    for name in [
        "model.fold1.safetensors",
        "model.fold2.safetensors",
        "model.safetensors",
    ] {
        std::fs::remove_file(run.join(name)).unwrap();
    }
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("record.json")).unwrap()).unwrap();
    let o = forecast(&["--config", record["config"].as_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("model.fold1.safetensors is missing") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    assert!(!out.join("forecast").exists(), "nothing written");
}

/// Runs the experiment `text` in a fresh folder, then `runner forecast --horizon H` on its
/// results; returns (folder, results folder).
fn sweep_then_forecast(text: &str, horizon: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = scratch_dir();
    let file = write(dir.path(), "experiment.toml", text);
    let out = dir.path().join("results");
    let o = runner(
        dir.path(),
        &[file.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = runner(
        dir.path(),
        &[
            "forecast",
            out.to_str().unwrap(),
            "--horizon",
            horizon,
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    (dir, out)
}

/// A noiseless sine: the chosen network's recursive forecast follows the sine past the end.
#[test]
fn the_forecast_of_a_deterministic_sine_follows_the_sine() {
    let (_dir, out) = sweep_then_forecast(
        r#"
name = "sine"
seed = 3
[data]
kind = "sine"
points = 400
stop = 40.0
[split]
test = 40
[window]
lookback = 16
lookback_from = "history"
[model]
units = [16]
[train]
epochs = 40
learning_rate = 0.01
batch_size = 16
[backtest]
folds = 2
[sweep]
seed = [1, 2]
"#,
        "30",
    );
    let df = read_parquet(&out.join("forecast/forecast.parquet"));
    let mean = f64s(&df, "mean");
    // the sine's grid: t_i = 40 i / 399; the forecast continues at i = 400, 401, ...
    let dt = 40.0 / 399.0;
    let errors: Vec<f64> = mean
        .iter()
        .enumerate()
        .map(|(k, m)| (m - ((400 + k) as f64 * dt).sin()).abs())
        .collect();
    let worst = errors.iter().copied().fold(0.0, f64::max);
    // 30 recursive steps (half a period): a network that learned the sine stays within 0.1 of
    // it (amplitude 1); the first steps are much closer.
    assert!(worst < 0.1, "max error {worst}: {errors:?}");
    assert!(errors[0] < 0.03, "{errors:?}");
}

/// A sine with known Gaussian noise (σ = 0.2) and a 6-fold backtest: the one-step intervals
/// cover the held-out values at about their nominal levels.
#[test]
fn interval_coverage_on_gaussian_noise_is_near_nominal() {
    let (_dir, out) = sweep_then_forecast(
        r#"
name = "noisy"
seed = 5
[data]
kind = "sine"
points = 700
stop = 70.0
noise = 0.2
seed = 11
[split]
test = 50
[window]
lookback = 12
lookback_from = "history"
[model]
units = [8]
[train]
epochs = 15
learning_rate = 0.01
[backtest]
folds = 6
[sweep]
seed = [1, 2]
"#,
        "1",
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("forecast/forecast.json")).unwrap())
            .unwrap();
    let coverage = record["calibration"]["coverage"].as_array().unwrap();
    for (c, nominal, slack) in [(&coverage[0], 0.8, 0.08), (&coverage[1], 0.95, 0.05)] {
        let checked = c["checked"].as_f64().unwrap();
        let rate = c["covered"].as_f64().unwrap() / checked;
        // 250 values (folds 2-6): one standard error is 2.5 points at 80%, 1.4 at 95%
        assert_eq!(checked, 250.0, "{c}");
        assert!((rate - nominal).abs() < slack, "{nominal}: {rate} ({c})");
    }
}

#[test]
fn forecast_and_predict_write_where_asked_and_read_the_column_given() {
    let (dir, out) = monthly_run();
    let elsewhere = dir.path().join("elsewhere");
    let o = runner(
        dir.path(),
        &[
            "forecast",
            out.to_str().unwrap(),
            "--out",
            elsewhere.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // the default horizon is the test part's length: 12 rows
    let csv = std::fs::read_to_string(elsewhere.join("forecast/forecast.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 12);
    assert!(!out.join("forecast").exists() && !out.join("plots/future.png").exists());

    // predict: another column name, and a file written instead of stdout
    let renamed = monthly_series().replacen("time,value", "month,passengers", 1);
    let data = write(dir.path(), "renamed.csv", &renamed);
    let model = run_folders(&out)[0].join("model.safetensors");
    let args = |extra: &[&str]| {
        let mut all = vec![
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ];
        all.extend_from_slice(extra);
        all.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run_args = |a: Vec<String>| {
        runner(
            dir.path(),
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    let o = run_args(args(&[]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no column `value`"), "{}", stderr(&o));
    let target = dir.path().join("pred.csv");
    let o = run_args(args(&[
        "--column",
        "passengers",
        "--out",
        target.to_str().unwrap(),
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("wrote 2 forecasts of `passengers` after its 150 values"),
        "{}",
        stdout(&o)
    );
    let written = std::fs::read_to_string(&target).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 3);
    // the model's time column is `time`: this file has none, so no labels
    assert!(lines[1].starts_with("1,,"), "{written}");
}

#[test]
fn help_lists_forecast_and_predict_with_their_exit_codes() {
    let dir = scratch_dir();
    let top = stdout(&runner(dir.path(), &["--help"]));
    assert!(top.contains("forecast") && top.contains("predict"), "{top}");
    let help = stdout(&runner(dir.path(), &["forecast", "--help"]));
    for needle in [
        "--horizon",
        "--levels",
        "conformal",
        "Exit codes",
        "forecast.csv",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
    let predict = stdout(&runner(dir.path(), &["predict", "--help"]));
    assert!(
        predict.contains("--model") && predict.contains("Exit codes"),
        "{predict}"
    );
    // wrapped source lines leave no runs of spaces inside the prose (option and example
    // lines, indented, align their columns with spaces)
    for text in [&help, &predict] {
        for line in text.lines().filter(|l| !l.starts_with(' ')) {
            assert!(!line.contains("  "), "a run of spaces: {line:?}");
        }
    }
}

#[test]
fn without_a_backtest_the_forecast_has_no_intervals_and_says_why() {
    let dir = scratch_dir();
    let file = write(
        dir.path(),
        "plain.toml",
        "name = \"plain\"\n[data]\nkind = \"sine\"\npoints = 200\nstop = 20.0\n\
         [window]\nlookback = 5\n[model]\nunits = [4]\n[train]\nepochs = 2\n",
    );
    let out = dir.path().join("results");
    let o = runner(
        dir.path(),
        &[file.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = runner(
        dir.path(),
        &["forecast", out.to_str().unwrap(), "--horizon", "3", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("No intervals: they are calibrated on the errors of backtest folds"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("no time column: steps are numbered"),
        "{}",
        stdout(&o)
    );
    let csv = std::fs::read_to_string(out.join("forecast/forecast.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "step,time,mean,lower_80,upper_80,lower_95,upper_95,seed_42"
    );
    assert!(
        rows[1].starts_with("1,,") && rows[1].contains(",,,,"),
        "{csv}"
    );
    assert!(std::fs::read_to_string(out.join("report.md"))
        .unwrap()
        .contains("## Forecast"));
}
