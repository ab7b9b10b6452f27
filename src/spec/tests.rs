use std::path::{Path, PathBuf};

use super::*;
use crate::data::{FitOn, Missing, ScaleKind, Size, SplitSizes, TransformParams};

const MINIMAL: &str = "[data]\nkind = \"sine\"\npoints = 1000\n";

fn parse(text: &str) -> Result<Experiment, SpecError> {
    parse_str(text, Path::new("exp.toml"), &[])
}

fn parse_with(text: &str, sets: &[&str]) -> Result<Experiment, SpecError> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    parse_str(text, Path::new("exp.toml"), &sets)
}

/// The rendered error of a file that must fail.
fn error(text: &str) -> String {
    parse(text)
        .expect_err("the file should be rejected")
        .to_string()
}

fn keys(err: &SpecError) -> Vec<&str> {
    err.problems().iter().map(|p| p.key.as_str()).collect()
}

/// A scratch folder unique to one test, removed when dropped.
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("runner-spec-")
        .tempdir()
        .unwrap()
}

#[test]
fn minimal_file_gets_keras_like_defaults() {
    let e = parse_str(MINIMAL, Path::new("experiments/seed.toml"), &[]).unwrap();
    assert_eq!(e.name, "seed");
    assert_eq!(e.description, "");
    assert_eq!(e.seed, 42);
    assert_eq!(e.base_dir, PathBuf::from("experiments"));
    let DataSpec::Sine(s) = &e.data else {
        panic!("sine expected")
    };
    assert_eq!(
        (
            s.points,
            s.start,
            s.stop,
            s.amplitude,
            s.frequency,
            s.phase,
            s.noise
        ),
        (1000, 0.0, 100.0, 1.0, 1.0, 0.0, 0.0)
    );
    assert_eq!(
        (e.split.train, e.split.validation, e.split.test),
        (Some(Size::Fraction(0.8)), Size::Fraction(0.0), None)
    );
    assert!(e.transform.is_off());
    assert_eq!(
        (e.scale.kind, e.scale.range, e.scale.fit_on),
        (ScaleKind::MinMax, [0.0, 1.0], FitOn::Train)
    );
    assert_eq!((e.window.lookback, e.window.horizon), (10, 1));
    assert_eq!(
        (e.model.cell, e.model.units.clone(), e.model.linear_skip),
        (Cell::Lstm, vec![50, 50], false)
    );
    let t = &e.train;
    assert_eq!(
        (t.optimizer, t.learning_rate, t.momentum),
        (Optimizer::Adam, 0.001, 0.0)
    );
    assert_eq!((t.loss, t.huber_delta), (Loss::Mse, 1.0));
    assert_eq!((t.epochs, t.batch_size, t.shuffle), (50, 32, true));
    assert_eq!((t.clip_norm, t.early_stopping.clone()), (None, None));
    assert_eq!(
        parse(&("name = \"given\"\n".to_owned() + MINIMAL))
            .unwrap()
            .name,
        "given"
    );
    assert_eq!(
        parse_str(MINIMAL, Path::new("seed.toml"), &[])
            .unwrap()
            .base_dir,
        PathBuf::from(".")
    );
}

#[test]
fn csv_defaults() {
    let e = parse("[data]\nkind = \"csv\"\npath = \"/dev/null\"\n");
    // /dev/null is not a regular file: the path check fires, but the structure is fine
    let err = e.unwrap_err();
    assert_eq!(keys(&err), vec!["data.path"]);
    let tmp = scratch();
    let dir = tmp.path();
    std::fs::write(
        dir.join("s.csv"),
        "time,value\n".to_owned() + &"t,1\n".repeat(100),
    )
    .unwrap();
    let e = parse_str(
        "[data]\nkind = \"csv\"\npath = \"s.csv\"\n",
        &dir.join("e.toml"),
        &[],
    )
    .unwrap();
    let DataSpec::Csv(c) = &e.data else {
        panic!("csv expected")
    };
    assert_eq!(
        (c.column.as_str(), c.time_column.as_deref(), c.missing),
        ("value", None, Missing::Error)
    );
    assert_eq!(e.csv_path().unwrap(), dir.join("s.csv"));
    assert_eq!(e.load_series().unwrap().values.len(), 100);
}

#[test]
fn syntax_error_gives_line_column_and_the_line() {
    let msg = error("[data]\nkind = \"sine\"\npoints = \"1000\nseed = 1\n");
    let first = msg.lines().next().unwrap();
    // the parser reports the unterminated string where the line ends, column 15
    assert!(
        first.starts_with("exp.toml:3:15: invalid TOML: invalid basic string"),
        "{msg}"
    );
    assert!(msg.contains("\n3 | points = \"1000\n"), "{msg}");
    assert!(
        msg.ends_with(&format!("\n  | {}^", " ".repeat(14))),
        "{msg:?}"
    );

    let msg = error("[data]\nkind = \"sine\"\nkind = \"csv\"\n");
    assert!(
        msg.starts_with("exp.toml:3:1: invalid TOML: duplicate key"),
        "{msg}"
    );
}

#[test]
fn unknown_key_gets_its_path_position_and_a_suggestion() {
    let msg = error(&format!("{MINIMAL}[window]\nlokback = 5\n"));
    assert_eq!(
        msg,
        "exp.toml:5:1: unknown key `window.lokback`; did you mean `window.lookback`?"
    );
    // a key in the wrong section points to the right one
    let msg = error(&format!("{MINIMAL}[train]\nlookback = 5\n"));
    assert_eq!(
        msg,
        "exp.toml:5:1: unknown key `train.lookback`; did you mean `window.lookback`?"
    );
    // no near match: list the valid keys
    let msg = error(&format!("{MINIMAL}[split]\nfoo = 1\n"));
    assert_eq!(
        msg,
        "exp.toml:5:1: unknown key `split.foo`; valid keys here: `train`, `validation`, `test`"
    );
    // a key of another data kind
    let msg = error(&format!("{MINIMAL}column = \"value\"\n"));
    assert!(
        msg.contains("unknown key `data.column` for kind = \"sine\""),
        "{msg}"
    );
    let msg = error(&format!("{MINIMAL}[windw]\nlookback = 5\n"));
    assert!(
        msg.contains("unknown key `windw`; did you mean `window`?"),
        "{msg}"
    );
}

#[test]
fn type_errors_name_the_key() {
    let msg = error(&format!("{MINIMAL}[train]\nepochs = \"ten\"\n"));
    assert_eq!(
        msg,
        "exp.toml:5:1: `train.epochs` must be a non-negative integer, found string \"ten\""
    );
    let msg = error(&format!("{MINIMAL}[train]\nlearning_rate = \"fast\"\n"));
    assert!(
        msg.contains("`train.learning_rate` must be a number, found string \"fast\""),
        "{msg}"
    );
    let msg = error(&format!("{MINIMAL}[model]\nunits = [50, -2]\n"));
    assert!(
        msg.contains("`model.units` must be a list of non-negative integers"),
        "{msg}"
    );
    let msg = error(&format!("{MINIMAL}[model]\nlinear_skip = \"yes\"\n"));
    assert_eq!(
        msg,
        "exp.toml:5:1: `model.linear_skip` must be true or false, found string \"yes\""
    );
    let msg = parse_with(MINIMAL, &["model.linear_skip=1"])
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("`model.linear_skip` must be true or false, found integer 1"),
        "{msg}"
    );
    assert!(
        parse_with(MINIMAL, &["model.linear_skip=true"])
            .unwrap()
            .model
            .linear_skip
    );
    let msg = error(&format!("{MINIMAL}[scale]\nrange = [0, 1, 2]\n"));
    assert!(
        msg.contains("`scale.range` must be a pair of numbers"),
        "{msg}"
    );
    let msg = error(&format!("{MINIMAL}window = 5\n"));
    assert!(msg.contains("`data.window` "), "dotted under [data]: {msg}");
    let msg = error(&format!("window = 5\n{MINIMAL}"));
    assert!(
        msg.contains("`window` must be a table, found integer 5"),
        "{msg}"
    );
    let msg = error(&format!("{MINIMAL}noise = nan\n"));
    assert!(
        msg.contains("`data.noise` must be a finite number, found float nan"),
        "{msg}"
    );
    // an integer is a fine float
    assert_eq!(parse(&format!("{MINIMAL}stop = 50\n")).unwrap().data, {
        let mut d = parse(MINIMAL).unwrap().data;
        if let DataSpec::Sine(s) = &mut d {
            s.stop = 50.0;
        }
        d
    });
}

#[test]
fn bad_choices_and_missing_keys() {
    let msg = error(&format!("{MINIMAL}[train]\noptimizer = \"adamw\"\n"));
    assert!(
        msg.contains("`train.optimizer` must be one of \"adam\", \"sgd\", \"rmsprop\", found \"adamw\"; did you mean \"adam\"?"),
        "{msg}"
    );
    let msg = error("[data]\nkind = \"sin\"\npoints = 10\n");
    assert!(
        msg.contains(
            "`data.kind` must be one of \"sine\", \"csv\", \"sines\", \"trend_season\", \"ar\", \"random_walk\", found \"sin\"; did you mean \"sine\"?"
        ),
        "{msg}"
    );
    assert_eq!(error("seed = 1\n"), "exp.toml: missing table `[data]`");
    let msg = error("[data]\npoints = 10\n");
    assert_eq!(
        msg,
        "exp.toml:1:2: missing key `data.kind`: one of \"sine\", \"csv\", \"sines\", \"trend_season\", \"ar\", \"random_walk\""
    );
    let msg = error("[data]\nkind = \"sine\"\n");
    assert!(
        msg.contains("missing key `data.points` (required for kind = \"sine\")"),
        "{msg}"
    );
    let msg = error(&format!(
        "{MINIMAL}[split]\nvalidation = 0.1\n[train]\nearly_stopping = {{ min_delta = 0.1 }}\n"
    ));
    assert!(
        msg.contains("missing key `train.early_stopping.patience`"),
        "{msg}"
    );
}

#[test]
fn semantic_errors_are_reported_together() {
    let text = r#"
name = "bad name"
[data]
kind = "sine"
points = 1000
noise = -0.5
[split]
train = 1.2
[scale]
range = [1.0, 0.0]
[window]
horizon = 0
[model]
units = []
[train]
epochs = 0
batch_size = 0
learning_rate = -0.1
"#;
    let err = parse(text).unwrap_err();
    assert_eq!(
        keys(&err),
        vec![
            "name",
            "data.noise",
            "split.train",
            "scale.range",
            "window.horizon",
            "model.units",
            "train.epochs",
            "train.batch_size",
            "train.learning_rate",
        ]
    );
    let msg = err.to_string();
    assert!(msg.starts_with("exp.toml: 9 problems\n"), "{msg}");
    assert!(
        msg.contains(
            "\n  exp.toml:6:1: `data.noise` is a standard deviation and must be >= 0, found -0.5"
        ),
        "{msg}"
    );
    assert!(
        msg.contains("\n  exp.toml:16:1: `train.epochs` must be at least 1, found 0"),
        "{msg}"
    );
    assert!(msg.contains("`split.train` is a fraction of the series and must be between 0 and 1 (exclusive), found 1.2"));
    assert!(msg.contains("`train.learning_rate` must be greater than 0, found -0.1"));
}

#[test]
fn shape_and_semantic_problems_in_different_sections_come_together() {
    let err = parse(&format!(
        "{MINIMAL}[window]\nlokback = 5\n[train]\nepochs = 0\n"
    ))
    .unwrap_err();
    assert_eq!(keys(&err), vec!["window.lokback", "train.epochs"]);
    // an unknown key is dropped so the rest of its section is still checked
    let err = parse(&format!("{MINIMAL}[window]\nlokback = 5\nhorizon = 0\n")).unwrap_err();
    assert_eq!(keys(&err), vec!["window.lokback", "window.horizon"]);
    // but a wrongly typed key hides its section's values
    let err = parse(&format!(
        "{MINIMAL}[window]\nlookback = \"5\"\nhorizon = 0\n"
    ))
    .unwrap_err();
    assert_eq!(keys(&err), vec!["window.lookback"]);
}

#[test]
fn data_seed_keeps_one_noisy_series_across_master_seeds() {
    let noisy = "[data]\nkind = \"trend_season\"\npoints = 60\nnoise = 0.5\n";
    let with = |seed: u64, data_seed: Option<u64>| {
        let mut sets = vec![format!("seed={seed}")];
        if let Some(d) = data_seed {
            sets.push(format!("data.seed={d}"));
        }
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        parse_with(noisy, &sets).unwrap()
    };
    // by default the master seed draws the noise: another seed, another series
    let (a, b) = (with(1, None), with(2, None));
    assert_ne!(
        a.load_series().unwrap().values,
        b.load_series().unwrap().values
    );
    assert_ne!(a.data_hash(), b.data_hash());
    // with data.seed the series and its identity no longer depend on the master seed
    let (a, b) = (with(1, Some(9)), with(2, Some(9)));
    assert_eq!(
        a.load_series().unwrap().values,
        b.load_series().unwrap().values
    );
    assert_eq!(a.data_hash(), b.data_hash());
    assert_ne!(
        a.canonical_hash(),
        b.canonical_hash(),
        "the runs still differ"
    );
    // and it is the series master seed 9 would draw
    assert_eq!(
        a.load_series().unwrap().values,
        with(9, None).load_series().unwrap().values
    );
}

#[test]
fn backtest_values_are_checked_and_all_problems_reported_together() {
    let base = "[data]\nkind = \"sine\"\npoints = 100\n[split]\ntest = 10\n\
                [window]\nlookback = 12\nlookback_from = \"history\"\n";
    let err = parse(&format!("{base}[backtest]\nfolds = 0\nstep = 0\n")).unwrap_err();
    assert_eq!(keys(&err), vec!["backtest.folds", "backtest.step"]);
    // 8 folds of 10 leave the earliest fold 30 points: 20 to train on, enough for 12 + 1
    let e = parse(&format!("{base}[backtest]\nfolds = 8\n")).unwrap();
    assert_eq!(e.backtest.folds, 8);
    assert!(e.to_toml_string().contains("[backtest]"));
    assert_ne!(
        e.data_hash(),
        parse(base).unwrap().data_hash(),
        "folds are a data stage"
    );
    // 9 folds of 10 leave it 20 points, 10 to train on: too few, and fit_on = "all" too
    let err = parse(&format!(
        "{base}[scale]\nfit_on = \"all\"\n[backtest]\nfolds = 9\n"
    ))
    .unwrap_err();
    assert_eq!(keys(&err), vec!["scale.fit_on", "backtest.folds"]);
    assert!(
        err.to_string().contains("the first 20 of 100 points"),
        "{err}"
    );
    // a step of 5 brings the earliest origin closer: 9 folds fit again
    // Folds 5 apart overlap the test part: fine when the ranking is on the test part, refused
    // when it would be on the folds before it.
    let overlapping = format!("{base}[backtest]\nfolds = 9\nstep = 5\n");
    assert!(parse(&format!("{overlapping}[select]\non = \"test\"\n")).is_ok());
    let err = parse(&overlapping).unwrap_err().to_string();
    assert!(
        err.contains("`backtest.step` = 5 is shorter than the test part"),
        "{err}"
    );
    // without a backtest nothing is written: earlier identities stay
    assert!(!parse(base).unwrap().to_toml_string().contains("backtest"));
}

#[test]
fn history_windows_need_only_the_horizon_inside_validation_and_test() {
    // 100 points, 0.8 / 0.05 -> 75 / 5 / 20: lookback 10 fits the 5 validation points only
    // when it may read the training part before them
    let history = "[data]\nkind = \"sine\"\npoints = 100\n[split]\nvalidation = 0.05\n\
                   [window]\nlookback_from = \"history\"\n";
    assert!(parse(history).is_ok());
    let e = parse(history).unwrap();
    assert_eq!(e.window.lookback_from, crate::data::LookbackFrom::History);
    assert!(e.to_toml_string().contains("lookback_from = \"history\""));
    // the default is not written out: earlier configurations keep their identities
    let part = parse("[data]\nkind = \"sine\"\npoints = 100\n").unwrap();
    assert!(!part.to_toml_string().contains("lookback_from"));
    // but a horizon longer than the test part is still an error, naming the key
    let err = parse(&format!("{history}horizon = 21\n")).unwrap_err();
    assert!(keys(&err).contains(&"window.horizon"), "{err}");
    assert!(
        err.to_string().contains("test part, which has 20 points"),
        "{err}"
    );
    let err = parse(&history.replace("\"history\"", "\"before\"")).unwrap_err();
    assert!(
        err.to_string().contains("history"),
        "the choices are listed: {err}"
    );
}

#[test]
fn lookback_must_fit_the_training_and_test_parts() {
    // 20 points: train floor(20 * 0.8) = 16, test 4; lookback 16 + horizon 1 = 17
    let err = parse("[data]\nkind = \"sine\"\npoints = 20\n[window]\nlookback = 16\n").unwrap_err();
    let msg = err.to_string();
    assert_eq!(keys(&err), vec!["window.lookback", "window.lookback"]);
    assert!(msg.contains("training has 16 (floor(20 * 0.8))"), "{msg}");
    assert!(msg.contains("leaves no test window"), "{msg}");
    assert!(msg.contains("the test part has 4"), "{msg}");
    // lookback 3 + horizon 1 = 4 fits both parts exactly
    assert!(parse("[data]\nkind = \"sine\"\npoints = 20\n[window]\nlookback = 3\n").is_ok());
    // validation: 100 points, 0.8 / 0.05 -> 75 / 5 / 20; lookback 10 leaves no validation window
    let err =
        parse("[data]\nkind = \"sine\"\npoints = 100\n[split]\nvalidation = 0.05\n").unwrap_err();
    assert_eq!(keys(&err), vec!["split.validation"]);
    assert!(
        err.to_string().contains("gives 5 validation points"),
        "{err}"
    );
    let err = parse(&format!(
        "{MINIMAL}[split]\ntrain = 0.5\nvalidation = 0.5\n"
    ))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("must be smaller than `split.train`"),
        "{err}"
    );
}

#[test]
fn csv_path_and_columns_are_checked() {
    let tmp = scratch();
    let dir = tmp.path();
    let exp = dir.join("e.toml");
    let text = "[data]\nkind = \"csv\"\npath = \"missing.csv\"\n";
    let msg = parse_str(text, &exp, &[]).unwrap_err().to_string();
    let resolved = dir.join("missing.csv");
    assert!(
        msg.contains(&format!(
            "`data.path`: {} does not exist",
            resolved.display()
        )),
        "{msg}"
    );
    assert!(msg.starts_with(&format!("{}:3:1:", exp.display())), "{msg}");

    std::fs::write(
        dir.join("s.csv"),
        "date,passengers\n".to_owned() + &"d,1\n".repeat(50),
    )
    .unwrap();
    let text = "[data]\nkind = \"csv\"\npath = \"s.csv\"\ntime_column = \"time\"\n";
    let err = parse_str(text, &exp, &[]).unwrap_err();
    // the defaulted `data.column` is located at its table, line 1; 50 rows leave a test
    // part of 10 < lookback 10 + horizon 1
    assert_eq!(
        keys(&err),
        vec!["data.column", "data.time_column", "window.lookback"]
    );
    let msg = err.to_string();
    assert!(msg.contains("`data.column`: no column `value` in"), "{msg}");
    assert!(
        msg.contains("available columns: `date`, `passengers`"),
        "{msg}"
    );

    let text = "[data]\nkind = \"csv\"\npath = \"s.csv\"\ncolumn = \"passengers\"\n";
    let err = parse_str(text, &exp, &[]).unwrap_err();
    assert!(
        err.to_string()
            .contains("the test part has 10 (the last 10 of 50 points)"),
        "{err}"
    );
    assert!(parse_str(text, &exp, &["window.lookback=9".into()]).is_ok());
}

#[test]
fn early_stopping_needs_validation() {
    let es = "[train]\nearly_stopping = { patience = 3 }\n";
    let err = parse(&format!("{MINIMAL}{es}")).unwrap_err();
    assert_eq!(keys(&err), vec!["train.early_stopping"]);
    let e = parse(&format!("{MINIMAL}[split]\nvalidation = 0.1\n{es}")).unwrap();
    assert_eq!(
        e.train.early_stopping,
        Some(EarlyStopping {
            patience: 3,
            min_delta: 0.0
        })
    );
}

#[test]
fn set_changes_values_and_adds_nested_ones() {
    let e = parse_with(
        MINIMAL,
        &[
            "train.epochs=5",
            "model.units=[32]",
            "train.optimizer=sgd",
            "split.validation=0.1",
            "train.early_stopping.patience=4",
            "name=\"renamed\"",
        ],
    )
    .unwrap();
    assert_eq!(e.train.epochs, 5);
    assert_eq!(e.model.units, vec![32]);
    assert_eq!(e.train.optimizer, Optimizer::Sgd);
    assert_eq!(
        e.train.early_stopping,
        Some(EarlyStopping {
            patience: 4,
            min_delta: 0.0
        })
    );
    assert_eq!(e.name, "renamed");
    // later --set wins
    assert_eq!(parse_with(MINIMAL, &["seed=1", "seed=2"]).unwrap().seed, 2);
}

#[test]
fn bad_set_key_fails_like_a_bad_file_key() {
    let msg = parse_with(MINIMAL, &["window.lokback=5"])
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "--set window.lokback=5: unknown key `window.lokback`; did you mean `window.lookback`?"
    );
    let msg = parse_with(MINIMAL, &["train.epochs=abc"])
        .unwrap_err()
        .to_string();
    assert_eq!(msg, "--set train.epochs=abc: `train.epochs` must be a non-negative integer, found string \"abc\"");
    let msg = parse_with(MINIMAL, &["train.epochs=0"])
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "--set train.epochs=0: `train.epochs` must be at least 1, found 0"
    );
    let msg = parse_with(MINIMAL, &["epochs"]).unwrap_err().to_string();
    assert!(msg.starts_with("--set epochs: expected key=value"), "{msg}");
    // switching the data kind by --set makes the sine keys of the file unknown
    let err = parse_with(MINIMAL, &["data.kind=csv", "data.path=x.csv"]).unwrap_err();
    assert!(keys(&err).contains(&"data.points"), "{err}");
}

#[test]
fn season_defaults_to_none_and_must_be_shorter_than_training() {
    let e = parse(MINIMAL).unwrap();
    assert_eq!(e.data.season(), 0);
    // 0 is left out of the resolved file, so configurations without a season keep their ids
    assert!(!e.to_toml_string().contains("season"));
    let e = parse_with(MINIMAL, &["data.season=12"]).unwrap();
    assert_eq!(e.data.season(), 12);
    assert!(e.to_toml_string().contains("season = 12"));
    // 20 points: training floor(20 * 0.8) = 16 points; a season of 16 has no in-sample pair
    let short = "[data]\nkind = \"sine\"\npoints = 20\n[window]\nlookback = 3\n";
    assert!(parse_with(short, &["data.season=15"]).is_ok());
    let err = parse_with(short, &["data.season=16"]).unwrap_err();
    assert_eq!(keys(&err), vec!["data.season"]);
    assert!(
        err.to_string().contains(
            "`data.season` = 16 must be shorter than the training part, which has 16 points"
        ),
        "{err}"
    );
    // a negative season is a type error naming the key
    let err = parse_with(MINIMAL, &["data.season=-1"]).unwrap_err();
    assert_eq!(keys(&err), vec!["data.season"]);
}

fn full_sine() -> &'static str {
    r#"
name = "full"
description = "every key written"
seed = 7
[data]
kind = "sine"
points = 500
start = -1.5
stop = 30
amplitude = 2.5
frequency = 0.3
phase = 0.1
noise = 0.05
season = 12
seed = 11
[split]
train = 0.7
validation = 0.1
test = 150
[transform]
log = true
difference = 1
seasonal_difference = 12
window_normalise = true
[scale]
kind = "standard"
range = [-1, 1]
fit_on = "all"
[window]
lookback = 12
horizon = 3
lookback_from = "history"
[model]
cell = "lstm"
units = [64, 32, 16]
linear_skip = true
[train]
optimizer = "rmsprop"
learning_rate = 0.003
momentum = 0.5
loss = "huber"
huber_delta = 0.25
epochs = 7
batch_size = 16
shuffle = false
clip_norm = 1.0
early_stopping = { patience = 2, min_delta = 0.001 }
reduce_lr = { factor = 0.2, patience = 3, min_lr = 0.0001, min_delta = 0.0 }
[backtest]
folds = 1
step = 5
"#
}

/// Every generator beyond the sine with every key written.
const GENERATORS: [&str; 4] = [
    "[data]\nkind = \"sines\"\npoints = 200\namplitudes = [1.0, 0.5]\nperiods = [12, 5.5]\nnoise = 0.1\n",
    "[data]\nkind = \"trend_season\"\npoints = 200\nlevel = 10\nslope = 0.5\nperiod = 12\namplitude = 3\nnoise = 0.2\n",
    "[data]\nkind = \"ar\"\npoints = 200\ncoefficients = [0.6, -0.2]\nnoise = 0.5\nburn_in = 50\n",
    "[data]\nkind = \"random_walk\"\npoints = 200\nstart = 100\nstep = 2\ndrift = 0.1\n",
];

#[test]
fn resolved_toml_round_trips() {
    let texts = [MINIMAL, full_sine()].into_iter().chain(GENERATORS);
    for text in texts {
        let e = parse(text).unwrap();
        let resolved = e.to_toml_string();
        let again = parse(&resolved).unwrap_or_else(|err| panic!("{err}\n{resolved}"));
        assert_eq!(again, e, "{resolved}");
        assert_eq!(again.to_toml_string(), resolved);
    }
    let resolved = parse(MINIMAL).unwrap().to_toml_string();
    // defaults are written out
    for line in [
        "seed = 42",
        "lookback = 10",
        "units = [50, 50]",
        "learning_rate = 0.001",
        "fit_on = \"train\"",
    ] {
        assert!(resolved.contains(line), "{line} missing from\n{resolved}");
    }

    let tmp = scratch();
    let dir = tmp.path();
    std::fs::write(dir.join("s.csv"), "t,v\n".to_owned() + &"a,1\n".repeat(100)).unwrap();
    let text = "[data]\nkind = \"csv\"\npath = \"s.csv\"\ncolumn = \"v\"\ntime_column = \"t\"\nmissing = \"interpolate\"\n";
    let e = parse_str(text, &dir.join("e.toml"), &[]).unwrap();
    let again = parse_str(&e.to_toml_string(), &dir.join("e.toml"), &[]).unwrap();
    assert_eq!(again, e);
}

/// `data.value_label` only names the plots' value axes: it is read and written back, the
/// plots name their axes by it (else by the column), and it leaves the run's identity (so
/// its cached runs) alone.
#[test]
fn value_label_names_the_axis_and_keeps_the_run_id() {
    let tmp = scratch();
    let dir = tmp.path();
    std::fs::write(dir.join("s.csv"), "t,v\n".to_owned() + &"a,1\n".repeat(100)).unwrap();
    let plain = "[data]\nkind = \"csv\"\npath = \"s.csv\"\ncolumn = \"v\"\n";
    let labelled = format!("{plain}value_label = \"passengers (thousands)\"\n");
    let a = parse_str(plain, &dir.join("e.toml"), &[]).unwrap();
    let b = parse_str(&labelled, &dir.join("e.toml"), &[]).unwrap();
    assert_eq!(a.data.value_name(), "v");
    assert_eq!(b.data.value_name(), "passengers (thousands)");
    assert_eq!(super::identity::run_id(&a), super::identity::run_id(&b));
    assert!(b
        .to_toml_string()
        .contains("value_label = \"passengers (thousands)\""));
    assert_eq!(parse(full_sine()).unwrap().data.value_name(), "value");
}

#[test]
fn schema_matches_the_structs() {
    // every key the structs write is a key the schema knows, and vice versa
    let tmp = scratch();
    let dir = tmp.path();
    std::fs::write(dir.join("s.csv"), "t,v\n".to_owned() + &"a,1\n".repeat(100)).unwrap();
    let csv = "[data]\nkind = \"csv\"\npath = \"s.csv\"\ncolumn = \"v\"\ntime_column = \"t\"\n\
               value_label = \"v, units\"\n";
    let mut written = Vec::new();
    let panel_rows: String = (0..60).map(|i| format!("{},{i}\n", i % 2)).collect();
    std::fs::write(dir.join("p.csv"), "s,v\n".to_owned() + &panel_rows).unwrap();
    let panel = "[data]\nkind = \"csv\"\npath = \"p.csv\"\ncolumn = \"v\"\nseries_column = \"s\"\n\
                 [split]\ntest = 3\nvalidation = 3\n[window]\nlookback = 4\nhorizon = 3\n\
                 [model]\nscope = \"local\"\n[scale]\nwindow = \"mean\"\n";
    let mut all = vec![
        parse(full_sine()).unwrap(),
        parse_str(csv, &dir.join("e.toml"), &[]).unwrap(),
        parse_str(panel, &dir.join("e.toml"), &[]).unwrap(),
    ];
    all.extend(GENERATORS.iter().map(|text| parse(text).unwrap()));
    for e in all {
        let table: toml::Table = toml::from_str(&e.to_toml_string()).unwrap();
        fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
            for (k, v) in t {
                let path = locate::join(prefix, k);
                if let toml::Value::Table(inner) = v {
                    walk(&path, inner, out);
                }
                out.push(path);
            }
        }
        walk("", &table, &mut written);
    }
    written.sort();
    written.dedup();
    let mut known = schema::all_paths();
    known.sort();
    assert_eq!(written, known);

    // every choice the schema offers deserializes
    for (key, values) in [
        ("scale.kind", &["minmax", "standard", "none"][..]),
        ("scale.fit_on", &["train", "all"]),
        ("model.cell", &["lstm", "gru"]),
        ("train.optimizer", &["adam", "sgd", "rmsprop"]),
        ("train.loss", &["mse", "mae", "huber"]),
        ("data.missing", &["error", "interpolate"]),
    ] {
        for value in values {
            let set = format!("{key}={value}");
            let result = if key.starts_with("data.") {
                parse_str(csv, &dir.join("e.toml"), std::slice::from_ref(&set))
            } else {
                parse_with(MINIMAL, &[&set])
            };
            assert!(result.is_ok(), "{set}: {}", result.unwrap_err());
        }
    }
}

#[test]
fn hashes_identify_configs_and_data_stages() {
    let base = parse(MINIMAL).unwrap();
    let h = base.canonical_hash();
    assert_eq!(h.len(), 12);
    assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(parse(MINIMAL).unwrap().canonical_hash(), h);
    let described = parse_with(MINIMAL, &["description=\"prose\""]).unwrap();
    assert_eq!(described.canonical_hash(), h);
    let longer = parse_with(MINIMAL, &["train.epochs=5"]).unwrap();
    assert_ne!(longer.canonical_hash(), h);
    // training settings and a noiseless sine's seed do not change the data stages
    assert_eq!(longer.data_hash(), base.data_hash());
    assert_eq!(
        parse_with(MINIMAL, &["seed=1"]).unwrap().data_hash(),
        base.data_hash()
    );
    assert_ne!(
        parse_with(MINIMAL, &["window.lookback=5"])
            .unwrap()
            .data_hash(),
        base.data_hash()
    );
    let noisy = |seed: &str| {
        parse_with(MINIMAL, &["data.noise=0.1", seed])
            .unwrap()
            .data_hash()
    };
    assert_ne!(noisy("seed=1"), noisy("seed=2"));
}

#[test]
fn prepare_params_and_series_follow_the_spec() {
    let e = parse_with(MINIMAL, &["scale.fit_on=all", "window.lookback=5"]).unwrap();
    let p = e.prepare_params();
    assert_eq!(
        (p.split, p.lookback, p.horizon, p.fit_on),
        (SplitSizes::train_fraction(0.8, 0.0), 5, 1, FitOn::All)
    );
    assert_eq!(p.transform, TransformParams::default());
    assert!(!p.window_normalise);
    let prepared = crate::data::prepare(e.load_series().unwrap(), &p).unwrap();
    // 800 - 5 - 1 + 1 = 795 training windows, 200 - 5 = 195 test windows
    assert_eq!((prepared.train.len(), prepared.test.len()), (795, 195));
}

#[test]
fn read_error_names_the_file() {
    let err = load(Path::new("/nonexistent/exp.toml"), &[]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot read /nonexistent/exp.toml: "),
        "{err}"
    );
}

#[test]
fn reduce_lr_gets_keras_defaults_and_bad_values_name_their_key() {
    let e = parse(&format!(
        "{MINIMAL}[train]\nreduce_lr = {{ patience = 3 }}\n"
    ))
    .unwrap();
    assert_eq!(
        e.train.reduce_lr,
        Some(ReduceLr {
            factor: 0.5,
            patience: 3,
            min_lr: 0.0,
            min_delta: 0.0
        })
    );
    let err = parse(&format!(
        "{MINIMAL}[train]\nreduce_lr = {{ factor = 1.5, patience = 0, min_lr = -1.0 }}\n"
    ))
    .unwrap_err();
    assert_eq!(
        keys(&err),
        vec![
            "train.reduce_lr.factor",
            "train.reduce_lr.patience",
            "train.reduce_lr.min_lr"
        ]
    );
}

#[test]
fn split_sizes_as_counts_or_fractions() {
    let e = parse(&format!("{MINIMAL}[split]\ntest = 200\nvalidation = 100\n")).unwrap();
    assert_eq!(
        (e.split.train, e.split.validation, e.split.test),
        (None, Size::Count(100), Some(Size::Count(200)))
    );
    let resolved = e.to_toml_string();
    assert!(
        resolved.contains("test = 200") && !resolved.contains("train = 0.8"),
        "{resolved}"
    );
    assert_eq!(parse(&resolved).unwrap(), e);
    // 1000 points: test 200 -> before test 800, validation 100 -> 700 / 100 / 200
    let prepared = crate::data::prepare(e.load_series().unwrap(), &e.prepare_params()).unwrap();
    assert_eq!(
        (
            prepared.split.train,
            prepared.split.validation,
            prepared.split.test
        ),
        (0..700, 700..800, 800..1000)
    );
    // a float is a fraction: 24.0 is out of range, with a hint
    let err = parse(&format!("{MINIMAL}[split]\ntest = 24.0\n")).unwrap_err();
    assert_eq!(keys(&err), vec!["split.test"]);
    assert!(
        err.to_string()
            .contains("write an integer (24) for a count of points"),
        "{err}"
    );
    // both given: must add up
    let err = parse(&format!("{MINIMAL}[split]\ntrain = 0.8\ntest = 24\n")).unwrap_err();
    assert_eq!(keys(&err), vec!["split.test"]);
    assert!(
        err.to_string().contains("`split.train` = 0.8 (800 points) and `split.test` = 24 (24 points) must add up to the series' 1000 points"),
        "{err}"
    );
    assert!(parse(&format!("{MINIMAL}[split]\ntrain = 0.8\ntest = 200\n")).is_ok());
    // a count that leaves nothing, a negative count
    let err = parse(&format!("{MINIMAL}[split]\ntest = 1000\n")).unwrap_err();
    assert_eq!(keys(&err), vec!["split.test"]);
    let err = parse(&format!("{MINIMAL}[split]\nvalidation = -3\n")).unwrap_err();
    assert_eq!(keys(&err), vec!["split.validation"]);
    assert!(err.to_string().contains("a count of points"), "{err}");
    // validation as a count must be smaller than the training part
    let err = parse(&format!("{MINIMAL}[split]\ntest = 500\nvalidation = 500\n")).unwrap_err();
    assert_eq!(keys(&err), vec!["split.validation"]);
    // early stopping sees a validation count
    let es = "[train]\nearly_stopping = { patience = 3 }\n";
    assert!(parse(&format!("{MINIMAL}[split]\nvalidation = 100\n{es}")).is_ok());
    let err = parse(&format!("{MINIMAL}[split]\nvalidation = 0\n{es}")).unwrap_err();
    assert_eq!(keys(&err), vec!["train.early_stopping"]);
}

#[test]
fn transform_keys_are_checked_and_change_the_data_identity() {
    let base = parse(MINIMAL).unwrap();
    assert!(!base.to_toml_string().contains("[transform]"));
    let e = parse_with(
        MINIMAL,
        &[
            "transform.difference=1",
            "transform.seasonal_difference=12",
            "transform.log=true",
        ],
    )
    .unwrap();
    assert_eq!(
        e.prepare_params().transform,
        TransformParams {
            log: true,
            difference: 1,
            seasonal_difference: 12
        }
    );
    assert!(e.to_toml_string().contains("[transform]"));
    assert_ne!(e.data_hash(), base.data_hash());
    assert_ne!(
        parse_with(MINIMAL, &["transform.window_normalise=true"])
            .unwrap()
            .data_hash(),
        base.data_hash()
    );
    let err = parse(&format!(
        "{MINIMAL}[transform]\ndifference = -1\nlgo = true\n"
    ))
    .unwrap_err();
    let msg = err.to_string();
    assert_eq!(keys(&err), vec!["transform.difference", "transform.lgo"]);
    assert!(msg.contains("did you mean `transform.log`?"), "{msg}");
    // differencing uses the first points of the training part: 40 points, test 14, train
    // 26, difference 1 + seasonal 12 leave 13 < lookback 13 + horizon 1
    let text =
        "[data]\nkind = \"sine\"\npoints = 40\n[split]\ntest = 14\n[window]\nlookback = 13\n";
    assert!(parse(text).is_ok());
    let err = parse_with(
        text,
        &["transform.difference=1", "transform.seasonal_difference=12"],
    )
    .unwrap_err();
    assert_eq!(keys(&err), vec!["window.lookback"]);
    assert!(err.to_string().contains("differencing"), "{err}");
}

#[test]
fn transforms_and_split_counts_are_sweepable() {
    let text = format!(
        "{MINIMAL}[sweep]\ntransform.difference = [0, 1]\nsplit.test = [100, 200]\ntransform.window_normalise = [false, true]\n"
    );
    let sweep = sweep::parse_sweep_str(&text, Path::new("exp.toml"), &[]).unwrap();
    assert_eq!(sweep.runs.len(), 8);
    assert_eq!(sweep.dataset_count(), 8);
    let diffs: Vec<usize> = sweep
        .runs
        .iter()
        .map(|r| r.experiment.transform.difference)
        .collect();
    assert!(diffs.contains(&0) && diffs.contains(&1));
}

#[test]
fn generators_parse_validate_and_generate() {
    for text in GENERATORS {
        let e = parse(text).unwrap();
        let series = e.load_series().unwrap();
        assert_eq!(series.len(), 200, "{text}");
        assert!(series.values.iter().all(|v| v.is_finite()));
        // seeded: same seed, same series; another seed, another series (all draw noise)
        assert!(e.data.draws_noise());
        let other = parse_with(text, &["seed=1"]).unwrap();
        assert_ne!(other.load_series().unwrap().values, series.values);
        assert_ne!(other.data_hash(), e.data_hash());
        assert_eq!(e.load_series().unwrap().values, series.values);
    }
    // trend_season by hand, noise off: 10 + 0.5 * 3 + 3 sin(pi / 2) = 14.5
    let e = parse_with(GENERATORS[1], &["data.noise=0.0"]).unwrap();
    assert!((e.load_series().unwrap().values[3] - 14.5).abs() < 1e-12);
    assert!(!e.data.draws_noise());
    // defaults: ar noise 1 and burn-in 100; random walk step 1; trend_season period 12
    let e = parse("[data]\nkind = \"ar\"\npoints = 100\ncoefficients = [0.5]\n").unwrap();
    assert_eq!(
        e.data,
        DataSpec::Ar(ArSpec {
            points: 100,
            coefficients: vec![0.5],
            noise: 1.0,
            burn_in: 100,
            seed: None,
        })
    );
    // semantic errors name their keys
    let err = parse(
        "[data]\nkind = \"sines\"\npoints = 0\namplitudes = [1.0]\nperiods = [0, 3]\nnoise = -1\n",
    )
    .unwrap_err();
    for key in ["data.points", "data.noise", "data.periods"] {
        assert!(keys(&err).contains(&key), "{key}: {err}");
    }
    assert!(err
        .to_string()
        .contains("one period per amplitude: 1 amplitudes, 2 periods"));
    assert!(err
        .to_string()
        .contains("`data.periods[0]` must be greater than 0 points"));
    let err = parse("[data]\nkind = \"ar\"\npoints = 100\ncoefficients = []\n").unwrap_err();
    assert_eq!(keys(&err), vec!["data.coefficients"]);
    let err = parse("[data]\nkind = \"random_walk\"\npoints = 100\nstep = -1\n").unwrap_err();
    assert_eq!(keys(&err), vec!["data.step"]);
    let err = parse("[data]\nkind = \"trend_season\"\npoints = 100\nperiod = 0\n").unwrap_err();
    assert_eq!(keys(&err), vec!["data.period"]);
    let msg = error("[data]\nkind = \"random_walk\"\npoints = 100\nstd = 1\n");
    assert!(
        msg.contains("unknown key `data.std` for kind = \"random_walk\""),
        "{msg}"
    );
    let msg = error("[data]\nkind = \"ar\"\npoints = 100\ncoefficients = \"0.5\"\n");
    assert!(
        msg.contains("`data.coefficients` must be a list of numbers"),
        "{msg}"
    );
}

/// Every run id, data-stage hash and sweep hash of every file in `experiments/` (plain and
/// under `--set` variants that exercise the optional fields) and of each data generator,
/// one line each, written to the file named by `RUNNER_ID_LISTING`. Run it before and
/// after a change to the identities and compare the two files:
/// `RUNNER_ID_LISTING=/tmp/ids.txt cargo test --release --lib spec::tests::id_listing -- --ignored`
#[test]
#[ignore]
fn id_listing() {
    let Ok(out) = std::env::var("RUNNER_ID_LISTING") else {
        return;
    };
    let variants: &[&[&str]] = &[
        &[],
        &["transform.log=true"],
        &["transform.difference=1"],
        &["transform.difference=2"],
        &["transform.seasonal_difference=12"],
        &["transform.window_normalise=true"],
        &["transform.log=false", "transform.difference=0"],
        &["backtest.folds=2"],
        &["backtest.folds=2", "backtest.step=10", "select.on=test"],
        &["backtest.folds=1"],
        &[
            "split.validation=0.1",
            "train.early_stopping={ patience = 3 }",
        ],
        &[
            "split.validation=0.1",
            "train.early_stopping={ patience = 3, min_delta = 0.01 }",
        ],
        &["train.reduce_lr={ patience = 3 }"],
        &["train.reduce_lr={ factor = 0.2, patience = 2, min_lr = 0.0001, min_delta = 0.001 }"],
        &["data.seed=7", "data.noise=0.1"],
        &["data.noise=0.1"],
        &["data.season=12"],
        &["data.missing=interpolate"],
        &["model.cell=gru"],
        &["model.cell=lstm"],
        &["window.horizon=3"],
        &["window.lookback_from=history"],
        &["window.lookback_from=part"],
        &["train.clip_norm=1.0"],
        &["train.optimizer=sgd", "train.momentum=0.9"],
        &["train.optimizer=rmsprop"],
        &["train.loss=huber", "train.huber_delta=0.5"],
        &["train.loss=mae"],
        &["train.shuffle=false"],
        &["split.test=50"],
        &["split.train=0.7", "split.test=0.3"],
        &["split.validation=20"],
        &["scale.kind=none"],
        &["scale.range=[-1.0, 1.0]"],
        &["scale.fit_on=all"],
        &["description=\"other prose\""],
        &["name=renamed"],
        &["seed=7"],
        &[
            "train.epochs=3",
            "train.batch_size=8",
            "train.learning_rate=0.0005",
        ],
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("experiments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let generators = [
        "[data]\nkind = \"sines\"\npoints = 200\namplitudes = [1.0, 0.5]\nperiods = [12, 5.5]\nnoise = 0.1\n",
        "[data]\nkind = \"sines\"\npoints = 200\namplitudes = [1.0]\nperiods = [12]\n",
        "[data]\nkind = \"trend_season\"\npoints = 200\nlevel = 10\nslope = 0.5\nperiod = 12\namplitude = 3\nnoise = 0.2\n",
        "[data]\nkind = \"trend_season\"\npoints = 200\nperiod = 7.5\n",
        "[data]\nkind = \"ar\"\npoints = 200\ncoefficients = [0.6, -0.2]\nnoise = 0.5\nburn_in = 50\n",
        "[data]\nkind = \"ar\"\npoints = 200\ncoefficients = [0.6]\nseed = 3\n",
        "[data]\nkind = \"random_walk\"\npoints = 200\nstart = 100\nstep = 2\ndrift = 0.1\n",
        "[data]\nkind = \"random_walk\"\npoints = 200\nstep = 0.0\n",
        "[data]\nkind = \"csv\"\npath = \"../data/lynx.csv\"\n",
        "[data]\nkind = \"csv\"\npath = \"../data/lynx.csv\"\ntime_column = \"time\"\nmissing = \"interpolate\"\nseason = 10\n",
        "name = \"it's \\\"quoted\\\"\"\n[data]\nkind = \"sine\"\npoints = 300\nstop = 1e3\nphase = -0.5\namplitude = 2.5\nfrequency = 0.1\n",
    ];
    let mut lines = Vec::new();
    let mut runs = 0;
    let mut record = |source: &str, sets: &[&str], sweep: Result<Sweep, SpecError>| {
        let head = format!("{source} {sets:?}");
        match sweep {
            Ok(s) => {
                lines.push(format!("{head} sweep={} runs={}", s.hash(), s.runs.len()));
                for r in &s.runs {
                    runs += 1;
                    lines.push(format!(
                        "{head} #{} id={} data={}",
                        r.position,
                        r.run_id,
                        r.experiment.data_hash()
                    ));
                }
            }
            Err(e) => lines.push(format!(
                "{head} invalid: {}",
                e.to_string().replace('\n', " | ")
            )),
        }
    };
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for sets in variants {
            let owned: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            record(&name, sets, sweep::load_sweep(file, &owned));
        }
    }
    for (i, text) in generators.iter().enumerate() {
        let path = root.join("experiments").join(format!("generator{i}.toml"));
        for sets in variants {
            let owned: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            let text = format!("{text}[sweep]\nseed = [1, 2]\n");
            record(
                &format!("generator{i}"),
                sets,
                sweep::parse_sweep_str(&text, &path, &owned),
            );
        }
    }
    lines.push(format!("{runs} runs"));
    std::fs::write(out, lines.join("\n") + "\n").unwrap();
}
