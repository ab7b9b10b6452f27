//! The baselines beside every run: the real `runner` binary on a small sine sweep over
//! `data.season`, read back from runs.parquet.

mod common;

use common::{f64s, read_parquet, runner, scratch_dir, stderr, strs, write};
use runner::render::format::num;

/// A small noiseless sine: 200 points over t = 0..20 (0.1005 rad per step, a period of
/// about 62.5 steps), train 160 points, test 40, lookback 5; seasons 0 (none) and 63.
const EXPERIMENT: &str = r#"
name = "baselines"
seed = 3
[data]
kind = "sine"
points = 200
stop = 20.0
[window]
lookback = 5
[model]
units = [8]
[train]
epochs = 3
[sweep]
data.season = [0, 63]
"#;

#[test]
fn every_run_carries_the_baselines_and_skill_columns() {
    let scratch = scratch_dir();
    let file = write(scratch.path(), "baselines.toml", EXPERIMENT);
    let out = runner(scratch.path(), &[file.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let results = scratch.path().join("results/baselines");
    let runs = read_parquet(&results.join("runs.parquet"));
    assert_eq!(runs.height(), 2);
    let csv_header = std::fs::read_to_string(results.join("runs.csv")).unwrap();
    let header = csv_header.lines().next().unwrap();
    for col in [
        "test_naive_rmse",
        "test_seasonal_naive_rmse",
        "test_drift_rmse",
        "test_ar_rmse",
        "test_skill_vs_seasonal_naive",
        "test_skill_vs_ar",
        "test_mase",
    ] {
        assert!(
            header.split(',').any(|c| c == col),
            "runs.csv lacks {col}: {header}"
        );
    }

    // the sweep's rows: find each season's row by its label
    let labels = strs(&runs, "label");
    let row = |season: &str| {
        (0..runs.height())
            .find(|&i| labels[i].contains(&format!("season={season}")))
            .unwrap_or_else(|| panic!("no row for season {season}"))
    };
    let (none, seasonal) = (row("0"), row("63"));

    // t = linspace(0, 20, 200): AR(5) is exact on a noiseless sine
    for r in [none, seasonal] {
        let ar = f64s(&runs, "test_ar_rmse")[r];
        assert!(ar < 1e-6, "AR rmse {ar}");
        let naive = f64s(&runs, "test_naive_rmse")[r];
        let drift = f64s(&runs, "test_drift_rmse")[r];
        // naive misses by about one step (0.1 rad) of the sine: rmse near 0.07; drift adds
        // a tiny slope to it
        assert!((0.05..0.09).contains(&naive), "naive {naive}");
        assert!((0.04..0.1).contains(&drift), "drift {drift}");
        let rmse = f64s(&runs, "test_rmse")[r];
        let skill = f64s(&runs, "test_skill_vs_ar")[r];
        assert!((skill - (1.0 - rmse / ar)).abs() < 1e-9 * skill.abs());
    }

    // season 0: no seasonal naive forecast
    let missing = f64s(&runs, "test_seasonal_naive_rmse")[none];
    assert!(missing.is_nan(), "{missing}");
    // season 63 is half a step longer than the period (63 * 0.1005 - 2 pi = 0.049 rad):
    // the seasonal naive forecast is about twice as good as the naive one
    let sn = f64s(&runs, "test_seasonal_naive_rmse")[seasonal];
    let naive = f64s(&runs, "test_naive_rmse")[seasonal];
    assert!(
        sn > 0.02 && sn < 0.6 * naive,
        "seasonal naive {sn} vs naive {naive}"
    );
    let rmse = f64s(&runs, "test_rmse")[seasonal];
    let skill = f64s(&runs, "test_skill_vs_seasonal_naive")[seasonal];
    assert!((skill - (1.0 - rmse / sn)).abs() < 1e-12);

    // mase = test mae / in-sample seasonal naive mae of the 160 training points
    let y: Vec<f64> = (0..200).map(|i| (i as f64 * 20.0 / 199.0).sin()).collect();
    let scale =
        |m: usize| (m..160).map(|t| (y[t] - y[t - m]).abs()).sum::<f64>() / (160 - m) as f64;
    for (r, m) in [(none, 1), (seasonal, 63)] {
        let mae = f64s(&runs, "test_mae")[r];
        let mase = f64s(&runs, "test_mase")[r];
        assert!(
            (mase - mae / scale(m)).abs() < 1e-9 * mase,
            "season {m}: {mase}"
        );
    }

    // metrics.json of each run lists the baselines per split
    let run_id = strs(&runs, "run_id")[seasonal].clone();
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(results.join("runs").join(&run_id).join("metrics.json")).unwrap(),
    )
    .unwrap();
    let b = &metrics["splits"]["test"]["baselines"];
    assert!(
        (b["seasonal_naive"]["rmse"].as_f64().unwrap() - sn).abs() < 1e-12,
        "{b}"
    );
    assert!(b["ar"]["mae"].as_f64().unwrap() < 1e-6, "{b}");

    // the report's answer: each baseline on the chosen configuration's points (one seed
    // per configuration here: that run's figures)
    let report = std::fs::read_to_string(results.join("report.md")).unwrap();
    let summary = read_parquet(&results.join("summary.parquet"));
    let chosen = &strs(&summary, "config")[0];
    let r = row(chosen.trim_start_matches("season="));
    for (name, col) in [("drift", "test_drift_rmse"), ("naive", "test_naive_rmse")] {
        // | name | selection | held-out | verdict |
        let held_out = format!(" | {} | ", num(f64s(&runs, col)[r]));
        let line = report
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no {name} row in\n{report}"));
        assert!(line.contains(&held_out), "{name}: {line} lacks {held_out}");
    }
    // No transform here: the transformed baselines would repeat naive and AR, so they are
    // not computed (null), and the report does not list them.
    for col in ["test_transformed_naive_rmse", "test_transformed_ar_rmse"] {
        assert!(f64s(&runs, col).iter().all(|v| v.is_nan()), "{col}");
    }
    assert!(!report.contains("transforms +"), "{report}");
    // AR is exact on this sine (RMSE ~1e-10): it is the answer, reported as exact, with no
    // percentage against it
    assert!(
        report.contains("**The answer is a baseline: linear AR.**"),
        "{report}"
    );
    assert!(
        report.contains("linear AR is exact here: no forecast can beat it"),
        "{report}"
    );
    assert!(!report.contains("loses to linear AR"), "{report}");
}

/// The airline series with the network's preprocessing (`log`, one difference, standard
/// scaling) and a validation part: the transformed baselines beside the others, in runs.csv,
/// and every baseline's forecast point by point in predictions.parquet and the run folder's
/// predictions.csv.
#[test]
fn transformed_baselines_are_scored_and_stored_point_by_point() {
    let scratch = scratch_dir();
    let csv = common::project().join("data/airline_passengers.csv");
    let experiment = format!(
        r#"
name = "transformed"
seed = 2
[data]
kind = "csv"
path = "{}"
column = "value"
time_column = "time"
season = 12
[split]
test = 24
validation = 12
[transform]
log = true
difference = 1
[scale]
kind = "standard"
[window]
lookback = 12
horizon = 2
lookback_from = "history"
[model]
units = [4]
[train]
epochs = 2
"#,
        csv.display()
    );
    let file = write(scratch.path(), "transformed.toml", &experiment);
    let out = runner(scratch.path(), &[file.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let results = scratch.path().join("results/transformed");

    let csv_header = std::fs::read_to_string(results.join("runs.csv")).unwrap();
    let header: Vec<&str> = csv_header.lines().next().unwrap().split(',').collect();
    let runs = read_parquet(&results.join("runs.parquet"));
    for split in ["test", "validation"] {
        for key in [
            "naive",
            "seasonal_naive",
            "drift",
            "ar",
            "transformed_naive",
            "transformed_ar",
        ] {
            for measure in ["rmse", "mae"] {
                let col = format!("{split}_{key}_{measure}");
                assert!(header.contains(&col.as_str()), "runs.csv lacks {col}");
                let v = f64s(&runs, &col)[0];
                assert!(v.is_finite() && v > 0.0, "{col} = {v}");
            }
        }
    }
    // the new columns come after the test baseline columns runs.csv has always had
    let at = |c: &str| header.iter().position(|h| *h == c).unwrap();
    assert!(at("test_skill_vs_ar") < at("test_transformed_ar_rmse"));
    assert!(at("test_transformed_ar_rmse") < at("validation_rmse"));
    let tar = f64s(&runs, "test_transformed_ar_rmse")[0];
    let naive = f64s(&runs, "test_naive_rmse")[0];
    // a linear AR(12) on the log differences follows the season; carrying one month's
    // growth forward does not
    assert!(tar < naive, "transformed AR {tar} vs naive {naive}");

    // predictions.parquet: each baseline's forecast on validation and test rows, none on
    // training rows; the table's rmse is that of the stored forecasts
    let preds = read_parquet(&results.join("predictions.parquet"));
    let split = strs(&preds, "split");
    let actual = f64s(&preds, "actual");
    for key in [
        "naive",
        "seasonal_naive",
        "drift",
        "ar",
        "transformed_naive",
        "transformed_ar",
    ] {
        let values = f64s(&preds, key);
        let mut squared = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match split[i].as_str() {
                "train" => assert!(v.is_nan(), "{key} on training row {i}: {v}"),
                "test" => {
                    assert!(v.is_finite(), "{key} on test row {i}: {v}");
                    squared.push((v - actual[i]).powi(2));
                }
                _ => assert!(v.is_finite(), "{key} on validation row {i}: {v}"),
            }
        }
        // 24 test points, horizon 2, history lookback: 23 windows of 2
        assert_eq!(squared.len(), 46, "{key}");
        let rmse = (squared.iter().sum::<f64>() / squared.len() as f64).sqrt();
        let table = f64s(&runs, &format!("test_{key}_rmse"))[0];
        assert!(
            (rmse - table).abs() <= 1e-9 * table,
            "{key}: {rmse} vs {table}"
        );
    }

    // the run folder's predictions.csv carries the same columns
    let run_id = strs(&runs, "run_id")[0].clone();
    let text = std::fs::read_to_string(results.join("runs").join(&run_id).join("predictions.csv"))
        .unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "fold,split,position,actual,predicted,naive,seasonal_naive,drift,ar,\
         transformed_naive,transformed_ar"
    );
    let test_row = lines.find(|l| l.split(',').nth(1) == Some("test")).unwrap();
    let cells: Vec<&str> = test_row.split(',').collect();
    assert_eq!(cells.len(), 11);
    for cell in &cells[5..] {
        let v: f64 = cell.parse().unwrap_or_else(|_| panic!("{test_row}"));
        assert!(v.is_finite(), "{test_row}");
    }
}
