//! Panels (`data.series_column`): every stage per series, global and local networks, and the
//! competitions' scoring, driven through the real binary on small synthetic panels.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;

const H: usize = 4;

/// Three series that are the same shape at scales 1, 100 and 10000 (a trend, a season of 4
/// and a deterministic wiggle), 60 points each; one of 18 points, whose validation fold
/// (14 points, 10 before the forecast) holds no training window of 8 + 4 points; and one of
/// 10 points, which has fewer than 8 points before its test part: too short to forecast.
fn panel_csv() -> String {
    let shape = |t: usize| {
        let t = t as f64;
        10.0 + 0.05 * t + [1.0, -0.5, 2.0, -2.5][t as usize % 4] + 0.3 * (1.7 * t).sin()
    };
    let mut csv = String::from("series,index,value\n");
    for (name, scale) in [("small", 1.0), ("mid", 100.0), ("big", 10000.0)] {
        for t in 0..60 {
            csv.push_str(&format!("{name},{t},{}\n", scale * shape(t)));
        }
    }
    for t in 0..18 {
        csv.push_str(&format!("medium,{t},{}\n", 50.0 * shape(t)));
    }
    for t in 0..10 {
        csv.push_str(&format!("short,{t},{}\n", 5.0 + shape(t)));
    }
    csv
}

fn experiment(extra: &str) -> String {
    format!(
        r#"
name = "panel"
seed = 3
[data]
kind = "csv"
path = "panel.csv"
series_column = "series"
season = 4
[split]
test = {H}
validation = {H}
[scale]
kind = "standard"
[window]
lookback = 8
horizon = {H}
[model]
units = [6]
[train]
epochs = 15
batch_size = 8
loss = "mae"
{extra}
"#
    )
}

fn setup(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = scratch_dir();
    write(tmp.path(), "panel.csv", &panel_csv());
    let file = write(tmp.path(), "panel.toml", &experiment(extra));
    (tmp, file)
}

/// Runs experiment `file` into `dir/name`, which it returns with the output; asserts success.
fn run_into(dir: &Path, file: &Path, name: &str) -> (std::path::PathBuf, std::process::Output) {
    let out = dir.join(name);
    let o = runner(
        dir,
        &[file.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    (out, o)
}

/// `series.csv` as (series, split) -> its cells by column name.
fn series_rows(dir: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(dir.join("series.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap()
}

fn row<'a>(
    rows: &'a [HashMap<String, String>],
    series: &str,
    split: &str,
) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r["series"] == series && r["split"] == split)
        .unwrap_or_else(|| panic!("no row for {series} {split}"))
}

#[test]
fn each_series_gets_its_own_scaling_metrics_and_forecast() {
    let (tmp, file) = setup("");
    let (out, o) = run_into(tmp.path(), &file, "out");
    let rows = series_rows(&out);
    // 5 series × (validation, test)
    assert_eq!(rows.len(), 10);

    // The three scaled copies, each standardised on its own training part, give the network
    // the same inputs: the same forecast up to the scale, hence the same sMAPE and MASE.
    for split in ["validation", "test"] {
        let small = row(&rows, "small", split);
        for name in ["mid", "big"] {
            let other = row(&rows, name, split);
            for col in ["smape", "mase", "theta_smape", "naive2_mase"] {
                let (a, b) = (num(small, col), num(other, col));
                assert!(
                    (a - b).abs() <= 1e-3 * a.abs().max(1e-9),
                    "{split} {name} {col}: {a} vs {b}"
                );
            }
            // MASE's scale is the series' own: 100 and 10000 times the small one's.
            let ratio = num(other, "mase_scale") / num(small, "mase_scale");
            let expected = if name == "mid" { 100.0 } else { 10000.0 };
            assert!(
                (ratio / expected - 1.0).abs() < 1e-9,
                "{name} scale ratio {ratio}"
            );
        }
    }
    // The seasonal naive in-sample MAE before the test origin (56), by hand, for `small`.
    let values: Vec<f64> = panel_csv()
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("small,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    let origin = 60 - H;
    let scale: f64 = (4..origin)
        .map(|t| (values[t] - values[t - 4]).abs())
        .sum::<f64>()
        / (origin - 4) as f64;
    let small_test = row(&rows, "small", "test");
    assert_eq!(small_test["origin"], origin.to_string());
    assert!((num(small_test, "mase_scale") - scale).abs() < 1e-12);
    assert_eq!(small_test["forecaster"], "network");

    // The short series is forecast by Naive2, says why, and is scored like the others.
    let short = row(&rows, "short", "test");
    assert_eq!(short["forecaster"], "naive2");
    assert!(
        short["reason"].contains("too short"),
        "{:?}",
        short["reason"]
    );
    assert_eq!(num(short, "smape"), num(short, "naive2_smape"));

    // The run's figures aggregate the series' as the competitions do: means over series,
    // OWA from the means.
    let runs = read_parquet(&out.join("runs.parquet"));
    let test: Vec<&HashMap<String, String>> =
        rows.iter().filter(|r| r["split"] == "test").collect();
    let mean = |col: &str| test.iter().map(|r| num(r, col)).sum::<f64>() / test.len() as f64;
    let smape = f64s(&runs, "test_smape")[0];
    assert!((smape - mean("smape")).abs() < 1e-9);
    let owa = 0.5 * (mean("smape") / mean("naive2_smape") + mean("mase") / mean("naive2_mase"));
    assert!((f64s(&runs, "test_owa")[0] - owa).abs() < 1e-9);
    assert!((f64s(&runs, "test_theta_smape")[0] - mean("theta_smape")).abs() < 1e-9);
    // Selection reads the validation part only.
    let validation: Vec<&HashMap<String, String>> =
        rows.iter().filter(|r| r["split"] == "validation").collect();
    let vmean = |col: &str| validation.iter().map(|r| num(r, col)).sum::<f64>() / 5.0;
    // The short series has 2 points before its validation part: no seasonal naive MASE
    // scale (an empty cell), so MASE means leave it out, on both sides.
    assert_eq!(row(&rows, "short", "validation")["mase_scale"], "");
    let defined: Vec<&&HashMap<String, String>> = validation
        .iter()
        .filter(|r| r["series"] != "short")
        .collect();
    let vmase = |col: &str| defined.iter().map(|r| num(r, col)).sum::<f64>() / 4.0;
    let vowa =
        0.5 * (vmean("smape") / vmean("naive2_smape") + vmase("mase") / vmase("naive2_mase"));
    assert!((f64s(&runs, "selection_owa")[0] - vowa).abs() < 1e-9);

    // Predictions: H per series and split, each series named, big = 10000 × small.
    let predictions = read_parquet(&out.join("predictions.parquet"));
    let series = strs(&predictions, "series");
    assert_eq!(series.len(), 5 * 2 * H);
    let predicted = f64s(&predictions, "predicted");
    let at = |name: &str| series.iter().position(|s| s == name).unwrap();
    let (small_first, big_first) = (predicted[at("small")], predicted[at("big")]);
    assert!(
        (big_first / small_first / 10000.0 - 1.0).abs() < 1e-4,
        "{big_first} vs {small_first}"
    );

    // The report says how the short series was handled and gives the benchmarks.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains(
            "1 of 5 series were forecast by Naive2 on the test part in some seed (1 too short to forecast)"
        ),
        "{report}"
    );
    assert!(report.contains("| Theta |"), "{report}");
    // report.html renders the same markdown: its rule, its tables, no escape left visible.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(
        html.matches("<hr>").count(),
        report.lines().filter(|l| *l == "---").count()
    );
    assert!(html.contains("<td>Theta</td>"), "{html}");
    assert!(!html.contains("\\|") && !html.contains("<p>---"), "{html}");
    // The console headline.
    let text = stdout(&o);
    assert!(text.contains("test, 5 series: sMAPE"), "{text}");
}

#[test]
fn global_and_local_scopes_train_and_forecast_every_series_deterministically() {
    let (tmp, file) = setup("[sweep]\nmodel.scope = [\"global\", \"local\"]\nseed = [1, 2]\n");
    let file = file.to_str().unwrap();
    let a = tmp.path().join("a");
    let o = runner(
        tmp.path(),
        &[file, "--out", a.to_str().unwrap(), "-q", "-j", "2"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let runs = read_parquet(&a.join("runs.parquet"));
    assert_eq!(strs(&runs, "status"), vec!["ok"; 4]);
    let rows = series_rows(&a);
    // every run forecast every series on both parts
    assert_eq!(rows.len(), 4 * 5 * 2);
    let labels: Vec<String> = rows.iter().map(|r| r["label"].clone()).collect();
    for scope in ["global", "local"] {
        assert_eq!(
            labels
                .iter()
                .filter(|l| l.contains(&format!("scope={scope}")))
                .count(),
            20
        );
    }
    // A local network needs a training window of its own: the medium series' validation
    // part falls back to Naive2 there, and only there.
    for r in rows.iter().filter(|r| r["series"] == "medium") {
        let local = r["label"].contains("scope=local") && r["split"] == "validation";
        assert_eq!(
            r["forecaster"],
            if local { "naive2" } else { "network" },
            "{r:?}"
        );
        if local {
            assert!(
                r["reason"].contains("too short for a training window"),
                "{r:?}"
            );
        }
    }
    // Local networks are not the global one: their forecasts differ.
    let predictions = read_parquet(&a.join("predictions.parquet"));
    let run_ids = strs(&predictions, "run_id");
    let predicted = f64s(&predictions, "predicted");
    let first_of = |id: &str| predicted[run_ids.iter().position(|r| r == id).unwrap()];
    let ids = strs(&runs, "run_id");
    let scopes = strs(&runs, "label");
    let global = ids[scopes.iter().position(|l| l.contains("global")).unwrap()].clone();
    let local = ids[scopes.iter().position(|l| l.contains("local")).unwrap()].clone();
    assert_ne!(first_of(&global), first_of(&local));
    // `runner compare` ranks a panel by its OWA without being told.
    let o = runner(tmp.path(), &["compare", a.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("ranked by selection_owa"),
        "{}",
        stdout(&o)
    );
    // Two configurations in the summary, each a 2-seed ensemble.
    let summary = read_parquet(&a.join("summary.parquet"));
    assert_eq!(u32s(&summary, "n_ok"), vec![2, 2]);

    // Same numbers with one thread, bit for bit.
    let b = tmp.path().join("b");
    let o = runner(
        tmp.path(),
        &[file, "--out", b.to_str().unwrap(), "-q", "-j", "1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for name in ["series.csv", "summary.csv"] {
        assert!(
            std::fs::read(a.join(name)).unwrap() == std::fs::read(b.join(name)).unwrap(),
            "{name} differs between -j 2 and -j 1"
        );
    }
    let (ra, rb) = (
        read_parquet(&a.join("runs.parquet")),
        read_parquet(&b.join("runs.parquet")),
    );
    for col in ["test_smape", "test_mase", "test_owa", "selection_owa"] {
        let (x, y) = (f64s(&ra, col), f64s(&rb, col));
        assert!(
            x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()),
            "{col}"
        );
    }
    // A second invocation trains nothing and gives the same tables.
    let o = runner(tmp.path(), &[file, "--out", a.to_str().unwrap()]);
    assert!(stderr(&o).contains("4 cached, 0 to run"), "{}", stderr(&o));
    assert!(
        std::fs::read(a.join("series.csv")).unwrap()
            == std::fs::read(b.join("series.csv")).unwrap()
    );
}

#[test]
fn per_window_mean_scaling_trains_on_raw_levels() {
    // No series scaler at all: each window divided by its mean level, multiplied back.
    let (tmp, file) = setup("");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("kind = \"standard\"", "kind = \"none\"\nwindow = \"mean\"");
    std::fs::write(&file, text).unwrap();
    let (out, _) = run_into(tmp.path(), &file, "out");
    let rows = series_rows(&out);
    // Mean scaling makes the copies' windows equal too: equal sMAPE at every scale.
    let (small, big) = (row(&rows, "small", "test"), row(&rows, "big", "test"));
    assert!((num(small, "smape") - num(big, "smape")).abs() < 1e-3 * num(small, "smape"));
    // and the network's forecasts are in original units: near the actual level at every
    // scale (a forecast left in scaled units, about 1, would be off by 90% or more).
    let predictions = read_parquet(&out.join("predictions.parquet"));
    let (actual, predicted) = (
        f64s(&predictions, "actual"),
        f64s(&predictions, "predicted"),
    );
    let series = strs(&predictions, "series");
    for ((a, p), s) in actual.iter().zip(&predicted).zip(&series) {
        if s != "short" {
            assert!((p / a - 1.0).abs() < 0.5, "{s}: {p} for {a}");
        }
    }
}

#[test]
fn validate_counts_the_short_series_per_fold_and_check_needs_a_panel_metric() {
    let (tmp, file) = setup("");
    let f = file.to_str().unwrap();
    let o = runner(tmp.path(), &["validate", f]);
    assert!(o.status.success(), "{}", stderr(&o));
    // medium (18 points) has no training window in the validation fold; short (10) has
    // fewer than 8 points before either origin.
    let text = stdout(&o);
    assert!(
        text.contains(
            "validation fold: 2 without a training window, 1 shorter than the lookback; \
             test fold: 1 without a training window, 1 shorter than the lookback"
        ),
        "{text}"
    );
    // A metric the panel's runs do not have is refused, naming those they have.
    let o = runner(
        tmp.path(),
        &[
            "check",
            f,
            "--baseline",
            "b.csv",
            "--update",
            "--metric",
            "test_rmse",
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--metric test_rmse: no run of this experiment has it")
            && stderr(&o).contains("test_owa"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("b.csv").exists());
    // Without --metric a panel's baseline holds test_owa, as compare defaults to it.
    let o = runner(
        tmp.path(),
        &["check", f, "--baseline", "b.csv", "--update", "-q"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let baseline = std::fs::read_to_string(tmp.path().join("b.csv")).unwrap();
    assert_eq!(baseline.lines().count(), 2, "{baseline}");
    assert!(
        baseline.lines().nth(1).unwrap().starts_with(",test_owa,"),
        "{baseline}"
    );
}

#[test]
fn panel_settings_that_cannot_work_are_refused_before_training() {
    let cases: [(&str, &str, &str); 4] = [
        ("window.horizon=2", "window.horizon", "window.horizon = 4"),
        ("select.metric=rmse", "select.metric", "owa"),
        (
            "split.validation=2",
            "split.validation",
            "split.validation = 4",
        ),
        (
            "data.series_column=store",
            "data.series_column",
            "no column `store`",
        ),
    ];
    for (set, key, hint) in cases {
        let (tmp, file) = setup("");
        let o = runner(tmp.path(), &[file.to_str().unwrap(), "--set", set]);
        assert_eq!(o.status.code(), Some(2), "{set}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains(key) && e.contains(hint), "{set}: {e}");
        assert!(
            !tmp.path().join("results").exists(),
            "{set}: nothing written"
        );
    }
    // Panel-only keys on one series say what they need.
    let tmp = scratch_dir();
    let file = write(
        tmp.path(),
        "one.toml",
        "[data]\nkind = \"sine\"\npoints = 200\n[model]\nscope = \"local\"\n",
    );
    let o = runner(tmp.path(), &[file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("data.series_column"), "{}", stderr(&o));
}

#[test]
fn local_panel_runs_shard_like_any_runs_and_merge_into_the_same_tables() {
    let (tmp, file) = setup("[sweep]\nmodel.scope = [\"global\", \"local\"]\nseed = [1, 2]\n");
    let f = file.to_str().unwrap();
    let o = runner(tmp.path(), &[f, "-q", "--out", "local"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for k in 0..2 {
        let shard = format!("{k}/2");
        let o = runner(tmp.path(), &[f, "-q", "--out", "shared", "--shard", &shard]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert!(
        !tmp.path().join("shared/series.csv").exists(),
        "a shard builds no tables"
    );
    let merged = runner(tmp.path(), &["merge", "shared", "-q"]);
    assert!(merged.status.success(), "{}", stderr(&merged));
    for name in ["series.csv", "summary.csv"] {
        let (a, b) = (
            std::fs::read(tmp.path().join("local").join(name)).unwrap(),
            std::fs::read(tmp.path().join("shared").join(name)).unwrap(),
        );
        assert!(a == b, "{name} differs after merging shards");
    }
    let report = std::fs::read_to_string(tmp.path().join("shared/report.md")).unwrap();
    assert!(report.contains("## Configurations"), "{report}");
}
