//! Honest model selection through the real `runner` binary: the configuration is chosen on
//! the backtest folds before the test part, so the test part's values cannot change the
//! choice, only the held-out figure reported for it.

mod common;

use common::{f64s, read_parquet, runner, scratch_dir, stderr, stdout, strs, write};

/// 120 points of trend + season (period 12) + a deterministic wobble, as CSV; the last 12
/// points (the test part) scaled by `last`, so the test part can differ from what the
/// earlier folds saw.
fn series(last: f64) -> String {
    let mut text = String::from("value\n");
    for t in 0..120 {
        let season = (2.0 * std::f64::consts::PI * t as f64 / 12.0).sin();
        let wobble = ((t * 37 % 11) as f64 - 5.0) * 0.05;
        let mut v = 20.0 + 0.1 * t as f64 + 2.0 * season + wobble;
        if t >= 108 {
            v *= last;
        }
        text.push_str(&format!("{v}\n"));
    }
    text
}

const EXPERIMENT: &str = r#"
name = "sel"
seed = 1
[data]
kind = "csv"
path = "series.csv"
column = "value"
season = 12
[split]
test = 12
[scale]
kind = "standard"
[window]
lookback = 12
lookback_from = "history"
[model]
units = [4]
[train]
epochs = 6
batch_size = 16
[backtest]
folds = 3
[sweep]
transform.difference = [0, 1]
train.learning_rate = [0.003, 0.03]
seed = [1, 2]
"#;

/// Runs the experiment on the series with the test part scaled by `last`; returns the
/// results folder.
fn run_with(dir: &std::path::Path, last: f64) -> std::path::PathBuf {
    let case = dir.join(format!("last-{last}"));
    std::fs::create_dir_all(&case).unwrap();
    write(&case, "series.csv", &series(last));
    let file = write(&case, "sel.toml", EXPERIMENT);
    let out = runner(&case, &[file.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    case.join("results/sel")
}

/// The report's line naming the chosen network configuration (after "The answer is a
/// baseline" when one wins on the selection data).
fn chosen_line(results: &std::path::Path) -> String {
    let report = std::fs::read_to_string(results.join("report.md")).unwrap();
    report
        .lines()
        .find(|l| l.starts_with("Chosen by RMSE on ") || l.starts_with("The best network"))
        .unwrap_or_else(|| panic!("no choice in {report}"))
        .to_string()
}

#[test]
fn the_test_part_cannot_change_the_choice_only_its_held_out_figure() {
    let scratch = scratch_dir();
    let plain = run_with(scratch.path(), 1.0);
    let shifted = run_with(scratch.path(), 1.3);

    // The runs table: the test part's figures, and the selection score (the mean over folds
    // 1-2) beside them.
    let folds = read_parquet(&plain.join("folds.parquet"));
    let runs = read_parquet(&plain.join("runs.parquet"));
    let (ids, fold_ids) = (strs(&runs, "run_id"), strs(&folds, "run_id"));
    let fold_rmse = f64s(&folds, "test_rmse");
    let fold_no = common::u32s(&folds, "fold");
    for (r, id) in ids.iter().enumerate() {
        let of = |f: u32| {
            (0..folds.height())
                .find(|&i| fold_ids[i] == *id && fold_no[i] == f)
                .map(|i| fold_rmse[i])
                .unwrap()
        };
        assert_eq!(f64s(&runs, "test_rmse")[r], of(3), "held-out = fold 3");
        let selection = (of(1) + of(2)) / 2.0;
        assert!((f64s(&runs, "selection_rmse")[r] - selection).abs() <= 1e-12 * selection);
    }

    // Scaling the test part by 1.3 changes every held-out figure and no selection score:
    // the same ranking, the same choice.
    let (a, b) = (
        read_parquet(&plain.join("summary.parquet")),
        read_parquet(&shifted.join("summary.parquet")),
    );
    assert_eq!(strs(&a, "config"), strs(&b, "config"), "same ranking");
    assert_eq!(
        f64s(&a, "selection_rmse_mean"),
        f64s(&b, "selection_rmse_mean"),
        "selection scores bit for bit"
    );
    let (ha, hb) = (f64s(&a, "test_rmse_mean"), f64s(&b, "test_rmse_mean"));
    assert!(ha.iter().zip(&hb).all(|(x, y)| x != y), "{ha:?} {hb:?}");
    assert_eq!(chosen_line(&plain), chosen_line(&shifted));
    let report = std::fs::read_to_string(plain.join("report.md")).unwrap();
    assert!(
        report
            .contains("RMSE on the mean over backtest folds 1-2 (the test part, fold 3, held out)"),
        "{report}"
    );

    // The headline figure is the chosen configuration's held-out one, and the summary has
    // its seed ensemble's and the DM p-values against the baselines.
    let report = std::fs::read_to_string(shifted.join("report.md")).unwrap();
    let chosen = &strs(&b, "config")[0];
    let ensemble = f64s(&b, "ensemble_test_rmse_mean")[0];
    assert!(
        report.contains(&format!(
            "mean of its 2 seeds' forecasts) | | **{}** |",
            num(ensemble)
        )),
        "{report}"
    );
    assert!(report.find("## Answer").unwrap() < report.find("## Configurations").unwrap());
    // The DM p-value against linear AR, recomputed here from the stored points: the mean of
    // the chosen configuration's seeds' forecasts of the test part (fold 3) against AR's.
    let p = f64s(&b, "dm_p_vs_ar")[0];
    let runs = read_parquet(&shifted.join("runs.parquet"));
    let ids: Vec<String> = strs(&runs, "run_id")
        .into_iter()
        .zip(strs(&runs, "config"))
        .filter(|(_, c)| c == chosen)
        .map(|(id, _)| id)
        .collect();
    let preds = read_parquet(&shifted.join("predictions.parquet"));
    let (run_id, fold, split) = (
        strs(&preds, "run_id"),
        common::u32s(&preds, "fold"),
        strs(&preds, "split"),
    );
    let (actual, predicted, ar) = (
        f64s(&preds, "actual"),
        f64s(&preds, "predicted"),
        f64s(&preds, "ar"),
    );
    let rows_of = |id: &str| -> Vec<usize> {
        (0..preds.height())
            .filter(|&i| run_id[i] == id && fold[i] == 3 && split[i] == "test")
            .collect()
    };
    let seeds: Vec<Vec<usize>> = ids.iter().map(|id| rows_of(id)).collect();
    assert_eq!(seeds.len(), 2);
    assert_eq!(seeds[0].len(), 12, "12 test points, one step ahead");
    let (mut network, mut linear) = (Vec::new(), Vec::new());
    for (k, &i) in seeds[0].iter().enumerate() {
        let mean = seeds.iter().map(|rows| predicted[rows[k]]).sum::<f64>() / 2.0;
        network.push(actual[i] - mean);
        linear.push(actual[i] - ar[i]);
    }
    let dm = runner::analysis::diebold_mariano::diebold_mariano(&network, &linear, 1).unwrap();
    assert!((p - dm.p_value).abs() <= 1e-12, "{p} vs {}", dm.p_value);
    assert!(report.contains("| linear AR |"), "{report}");
    assert!(report.contains(&format!("**{chosen}**")), "{report}");
}

/// `render::format::num`, as the report writes figures.
fn num(v: f64) -> String {
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(0, 10) as usize;
    format!("{v:.decimals$}")
}

#[test]
fn the_protocol_is_printed_checked_and_said_when_optimistic() {
    let scratch = scratch_dir();
    let dir = scratch.path();
    write(dir, "series.csv", &series(1.0));
    let file = write(dir, "sel.toml", EXPERIMENT);
    let file = file.to_str().unwrap();

    // validate prints the resolved protocol: with 3 folds, on the folds.
    let out = runner(dir, &["validate", file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("[select]\nmetric = \"rmse\"\non = \"folds\"\n"),
        "{}",
        stdout(&out)
    );
    // Without folds and without a validation part, the default is the test part.
    let out = runner(dir, &["validate", file, "--set", "backtest.folds=1"]);
    assert!(stdout(&out).contains("on = \"test\""), "{}", stdout(&out));

    // Folds asked for without a backtest, validation without a validation part: refused.
    for (set, needs) in [
        ("select.on=folds", "backtest.folds"),
        ("select.on=validation", "split.validation"),
    ] {
        let out = runner(dir, &[file, "--set", "backtest.folds=1", "--set", set]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("select.on"), "{}", stderr(&out));
        assert!(stderr(&out).contains(needs), "{}", stderr(&out));
    }
    let out = runner(dir, &[file, "--set", "select.metric=mse"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // One protocol per sweep: not swept, and not resolved differently by a swept backtest.
    let out = runner(
        dir,
        &[file, "--set", "sweep.select.metric=[\"rmse\", \"mae\"]"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`select.metric` cannot be swept"),
        "{}",
        stderr(&out)
    );
    let out = runner(dir, &[file, "--set", "sweep.backtest.folds=[1, 3]"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`select.on` resolves to \"test\""),
        "{}",
        stderr(&out)
    );
    let out = runner(
        dir,
        &[
            "validate",
            file,
            "--set",
            "sweep.backtest.folds=[1, 3]",
            "--set",
            "select.on=test",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !dir.join("results").exists(),
        "nothing written for bad input"
    );

    // Ranked on the test part: every output says it is optimistic.
    let out = runner(
        dir,
        &[file, "--set", "select.on=test", "--set", "train.epochs=2"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("[ranked on the test part: optimistic]"),
        "{}",
        stdout(&out)
    );
    let results = dir.join("results/sel");
    let report = std::fs::read_to_string(results.join("report.md")).unwrap();
    assert!(report.contains("**Optimistic:**"), "{report}");
    let compare = runner(dir, &["compare", results.to_str().unwrap()]);
    assert!(compare.status.success(), "{}", stderr(&compare));
    assert!(
        stdout(&compare).contains("optimistic"),
        "{}",
        stdout(&compare)
    );
    // MAE as the selection measure.
    let out = runner(
        dir,
        &[
            file,
            "--set",
            "select.metric=mae",
            "--set",
            "train.epochs=2",
            "-q",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = read_parquet(&results.join("summary.parquet"));
    assert!(f64s(&summary, "selection_mae_mean")[0].is_finite());
    let report = std::fs::read_to_string(results.join("report.md")).unwrap();
    assert!(
        report.contains("by MAE on the mean over backtest folds 1-2"),
        "{report}"
    );
    assert!(report.contains("absolute-error loss"), "{report}");
}

#[test]
fn check_gates_on_the_held_out_test_part() {
    let scratch = scratch_dir();
    let dir = scratch.path();
    write(dir, "series.csv", &series(1.0));
    let file = write(dir, "sel.toml", EXPERIMENT);
    let baseline = dir.join("gate.csv");
    let out = runner(
        dir,
        &[
            "check",
            file.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
            "--update",
            "--set",
            "train.epochs=2",
            "-q",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The gate's mean of each configuration is the mean over its seeds of fold 3 (the test
    // part), not of all folds.
    let folds = read_parquet(&dir.join("results/sel/folds.parquet"));
    let runs = read_parquet(&dir.join("results/sel/runs.parquet"));
    let gate = std::fs::read_to_string(&baseline).unwrap();
    let (ids, configs) = (strs(&runs, "run_id"), strs(&runs, "config"));
    let (fold_ids, fold_no, rmse) = (
        strs(&folds, "run_id"),
        common::u32s(&folds, "fold"),
        f64s(&folds, "test_rmse"),
    );
    let config = &configs[0];
    let held_out: Vec<f64> = ids
        .iter()
        .zip(&configs)
        .filter(|(_, c)| *c == config)
        .map(|(id, _)| {
            (0..folds.height())
                .find(|&i| fold_ids[i] == *id && fold_no[i] == 3)
                .map(|i| rmse[i])
                .unwrap()
        })
        .collect();
    let mean = held_out.iter().sum::<f64>() / held_out.len() as f64;
    let row = gate
        .lines()
        .find(|l| l.starts_with(&format!("{config},test_rmse,")))
        .unwrap_or_else(|| panic!("no row for {config} in {gate}"));
    let recorded: f64 = row.split(',').nth(2).unwrap().parse().unwrap();
    assert!(
        (recorded - mean).abs() <= 1e-12 * mean,
        "{recorded} vs {mean}"
    );
}
