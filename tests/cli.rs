//! The real `runner` binary on small experiments: results folders, bad input, validate, --set.

mod common;

use common::{f64s, listing, project, read_parquet, runner, scratch_dir, stderr, stdout, write};
use polars_core::prelude::DataType;

/// A small, quick sine experiment (about a tenth of a second of training).
const SMALL: &str = r#"
name = "small"
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
"#;

#[test]
fn seed_experiment_reproduces_the_tutorial_and_writes_every_file() {
    let scratch = scratch_dir();
    let file = project().join("experiments/seed.toml");
    let out = runner(scratch.path(), &[file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = scratch.path().join("results/seed");
    for f in [
        "experiment.toml",
        "metrics.json",
        "runs.csv",
        "runs.parquet",
        "history.csv",
        "history.parquet",
        "predictions.parquet",
        "plots/forecast.png",
        "plots/loss.png",
    ] {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    // Nothing but the finished folder: the staging folder was renamed away.
    assert_eq!(listing(scratch.path()), vec!["results"]);
    let results: Vec<_> = std::fs::read_dir(scratch.path().join("results"))
        .unwrap()
        .collect();
    assert_eq!(results.len(), 1);

    let runs = read_parquet(&dir.join("runs.parquet"));
    assert_eq!(runs.height(), 1);
    for col in [
        "run_id",
        "label",
        "status",
        "test_rmse",
        "test_naive_rmse",
        "train_rmse",
        "train_seconds",
        "epochs",
    ] {
        assert!(runs.column(col).is_ok(), "runs.parquet lacks {col}");
    }
    assert_eq!(
        runs.column("test_rmse").unwrap().dtype(),
        &DataType::Float64
    );
    let rmse = f64s(&runs, "test_rmse")[0];
    let naive = f64s(&runs, "test_naive_rmse")[0];
    assert!(rmse < 0.02, "test RMSE {rmse}");
    assert!(rmse < naive / 3.0, "test RMSE {rmse} vs naive {naive}");
    assert_eq!(
        runs.column("status").unwrap().str().unwrap().get(0),
        Some("ok")
    );

    // 800 train points -> 790 windows, 200 test points -> 190 windows, horizon 1.
    let preds = read_parquet(&dir.join("predictions.parquet"));
    assert_eq!(preds.height(), 790 + 190);
    let split = preds.column("split").unwrap().str().unwrap();
    assert_eq!(
        (0..split.len())
            .filter(|&i| split.get(i) == Some("test"))
            .count(),
        190
    );
    let history = read_parquet(&dir.join("history.parquet"));
    assert_eq!(history.height(), 50);

    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["splits"]["test"]["n"], 190);
    assert!((metrics["splits"]["test"]["rmse"].as_f64().unwrap() - rmse).abs() < 1e-12);
    // The experiment as run carries the resolved defaults.
    let resolved = std::fs::read_to_string(dir.join("experiment.toml")).unwrap();
    assert!(resolved.contains("huber_delta"), "{resolved}");
    assert!(stdout(&out).contains("test RMSE"), "{}", stdout(&out));
}

#[test]
fn progress_without_a_terminal_is_plain_lines() {
    let scratch = scratch_dir();
    let file = write(scratch.path(), "small.toml", SMALL);
    let out = runner(
        scratch.path(),
        &["run", file.to_str().unwrap(), "--out", "here"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("small: epoch 3/3 loss"), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\r'),
        "control characters: {err:?}"
    );
    assert!(
        scratch.path().join("here/runs.csv").is_file(),
        "--out is the folder"
    );
    assert!(!scratch.path().join("results").exists());

    let quiet = runner(
        scratch.path(),
        &[file.to_str().unwrap(), "-q", "--out", "q"],
    );
    assert!(quiet.status.success());
    assert!(!stderr(&quiet).contains("epoch"), "{}", stderr(&quiet));
}

#[test]
fn a_diverging_run_is_recorded_and_exits_1() {
    let scratch = scratch_dir();
    let file = write(scratch.path(), "small.toml", SMALL);
    let out = runner(
        scratch.path(),
        &[
            file.to_str().unwrap(),
            "--set",
            "train.optimizer=\"sgd\"",
            "--set",
            "train.learning_rate=1e12",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let runs = std::fs::read_to_string(scratch.path().join("results/small/runs.csv")).unwrap();
    assert!(runs.contains("diverged"), "{runs}");
    assert!(stdout(&out).contains("diverged"), "{}", stdout(&out));
}

/// Runs a bad experiment and checks: exit code 2, every `expected` fragment in the message,
/// and nothing written.
fn assert_rejected(text: &str, extra: &[&str], expected: &[&str]) {
    let scratch = scratch_dir();
    let file = write(scratch.path(), "exp.toml", text);
    let mut args = vec![file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = runner(scratch.path(), &args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    for e in expected {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
    assert_eq!(
        listing(scratch.path()),
        vec!["exp.toml"],
        "something was written"
    );
}

#[test]
fn toml_syntax_error_names_file_line_and_column() {
    let text = SMALL.replace("lookback = 5", "lookback = = 5");
    assert_rejected(&text, &[], &["exp.toml:9:12:", "lookback = = 5"]);
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let text = SMALL.replace("lookback = 5", "lokback = 5");
    assert_rejected(&text, &[], &["window.lokback", "window.lookback"]);
}

#[test]
fn semantic_errors_are_reported_together() {
    let text = r#"
name = "many"
[data]
kind = "sine"
points = 100
noise = -1.0
[split]
train = 1.5
[window]
lookback = 200
horizon = 0
[model]
units = []
[train]
epochs = 0
batch_size = 0
learning_rate = -0.1
"#;
    assert_rejected(
        text,
        &[],
        &[
            "data.noise",
            "split.train",
            "window.horizon",
            "model.units",
            "train.epochs",
            "train.batch_size",
            "train.learning_rate",
        ],
    );
}

#[test]
fn lookback_longer_than_the_training_part_is_rejected() {
    let text = SMALL.replace("lookback = 5", "lookback = 160");
    assert_rejected(&text, &[], &["window.lookback", "160"]);
}

#[test]
fn missing_csv_file_and_column_are_rejected() {
    let csv = r#"
name = "c"
[data]
kind = "csv"
path = "nowhere.csv"
"#;
    assert_rejected(csv, &[], &["data.path", "nowhere.csv"]);
    let airline = project().join("data/airline_passengers.csv");
    let text = format!(
        "name = \"c\"\n[data]\nkind = \"csv\"\npath = {:?}\ncolumn = \"passengers\"\n",
        airline.to_str().unwrap()
    );
    assert_rejected(&text, &[], &["data.column", "passengers", "value"]);
}

#[test]
fn a_bad_cell_in_the_csv_names_row_and_column() {
    let scratch = scratch_dir();
    let mut rows = String::from("time,value\n");
    for i in 0..60 {
        let v = if i == 30 {
            "n/a".to_string()
        } else {
            format!("{}", i % 7)
        };
        rows += &format!("t{i},{v}\n");
    }
    write(scratch.path(), "series.csv", &rows);
    let file = write(scratch.path(), "exp.toml", "name = \"c\"\n[data]\nkind = \"csv\"\npath = \"series.csv\"\n[window]\nlookback = 3\n[train]\nepochs = 1\n");
    let out = runner(scratch.path(), &[file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("row 31") && err.contains("value") && err.contains("n/a"),
        "{err}"
    );
    assert!(!scratch.path().join("results").exists());

    // The same gap is filled with missing = "interpolate"... for empty cells only; a word
    // that is not a number stays an error. An empty cell interpolates:
    let filled = rows.replace("t30,n/a", "t30,");
    write(scratch.path(), "series.csv", &filled);
    let file = write(scratch.path(), "exp.toml", "name = \"c\"\n[data]\nkind = \"csv\"\npath = \"series.csv\"\nmissing = \"interpolate\"\n[window]\nlookback = 3\n[train]\nepochs = 1\n");
    let out = runner(scratch.path(), &[file.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_bad_set_key_fails_like_a_bad_file_key() {
    assert_rejected(
        SMALL,
        &["--set", "window.lokback=7"],
        &["window.lokback", "window.lookback", "--set"],
    );
}

#[test]
fn validate_prints_resolved_defaults_and_applies_set() {
    let scratch = scratch_dir();
    let file = write(scratch.path(), "small.toml", SMALL);
    let out = runner(scratch.path(), &["validate", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Defaults the file does not write: Keras' batch size and Adam, the tutorial's split.
    for want in [
        "batch_size = 32",
        "optimizer = \"adam\"",
        "train = 0.8",
        "epochs = 3",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let out = runner(
        scratch.path(),
        &[
            "validate",
            file.to_str().unwrap(),
            "--set",
            "train.epochs=7",
            "--set",
            "model.units=[4, 4]",
        ],
    );
    let text = stdout(&out);
    assert!(
        text.contains("epochs = 7") && text.contains("units = [4, 4]"),
        "{text}"
    );
    assert_eq!(
        listing(scratch.path()),
        vec!["small.toml"],
        "validate writes nothing"
    );
}

#[test]
fn help_explains_commands_and_exit_codes() {
    let out = runner(&project(), &["--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for want in ["run", "validate", "Exit codes", "--set"] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let out = runner(&project(), &["run", "--help"]);
    assert!(stdout(&out).contains("--out"));
}
