//! Tests of [`super`]: run identities.

use std::path::Path;

use super::super::{parse_str, sweep};
use super::*;

/// A sine with a validation part, so that every training option is allowed.
const BASE: &str = "[data]\nkind = \"sine\"\npoints = 400\n[split]\nvalidation = 0.1\n";

fn parse(text: &str, sets: &[&str]) -> Experiment {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    parse_str(text, Path::new("exp.toml"), &sets).unwrap()
}

fn experiments(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("experiments")
        .join(file)
}

/// Ids issued by the code before this module existed (blake3 of the resolved
/// experiment serialized by serde to TOML, newer fields kept out by
/// `skip_serializing_if`), copied literally from its output. Results folders and the
/// committed CI baseline carry these ids: they must never change.
#[test]
fn ids_issued_before_the_explicit_list_are_unchanged() {
    // The experiment hash the committed CI baseline records.
    let ci = sweep::load_sweep(&experiments("ci_sine.toml"), &[]).unwrap();
    assert_eq!(ci.hash(), "3a7e8904182a");
    let baseline = std::fs::read_to_string(experiments("ci_sine.baseline.csv")).unwrap();
    assert!(baseline.contains(&ci.hash()));
    for (file, sets, position, id, data, hash) in PINNED {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let s = sweep::load_sweep(&experiments(file), &sets).unwrap();
        let what = format!("{file} {sets:?} run {position}");
        // A CSV run's id now includes the file's contents (pinned below): without them
        // it is the id issued before, which is how `pipeline::stale` recognises the
        // folders of those runs. A generated series' ids are unchanged.
        let configuration = without_contents;
        let run = configuration(&s.runs[*position].experiment);
        assert_eq!(run_id(&run), *id, "run id of {what}");
        assert_eq!(run.data_hash(), *data, "data hash of {what}");
        let ids: Vec<String> = s
            .runs
            .iter()
            .map(|r| run_id(&configuration(&r.experiment)))
            .collect();
        assert_eq!(
            experiment_hash(ids.iter().map(String::as_str)),
            *hash,
            "experiment hash of {what}"
        );
        if !matches!(run.data, DataSpec::Csv(_)) {
            assert_eq!(s.runs[*position].run_id, *id, "run id of {what}");
            assert_eq!(s.hash(), *hash, "experiment hash of {what}");
        }
    }
}

fn without_contents(e: &Experiment) -> Experiment {
    let mut e = e.clone();
    if let DataSpec::Csv(c) = &mut e.data {
        c.contents = None;
    }
    e
}

/// The ids of CSV runs since contents are hashed (the committed data files are fixed).
#[test]
fn csv_ids_include_the_files_contents() {
    for (file, position, id, data) in [
        ("airline.toml", 0, "0f4b9557e134", "10f08258384d"),
        ("lynx.toml", 7, "69f0864e7ec3", "fe5e6313de13"),
    ] {
        let s = sweep::load_sweep(&experiments(file), &[]).unwrap();
        let run = &s.runs[position];
        let DataSpec::Csv(c) = &run.experiment.data else {
            panic!("{file} reads a CSV file")
        };
        assert_eq!(
            c.contents.as_deref(),
            Some(
                crate::spec::file_digest(&run.experiment.csv_path().unwrap())
                    .unwrap()
                    .as_str()
            )
        );
        assert_eq!(
            (run.run_id.as_str(), run.experiment.data_hash().as_str()),
            (id, data),
            "{file}"
        );
        assert_ne!(run.run_id, run_id(&without_contents(&run.experiment)));
    }
}

#[test]
fn an_edited_csv_file_is_another_run_of_the_same_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.csv");
    let values: String = (0..60).map(|i| format!("{}\n", i % 7)).collect();
    std::fs::write(&data, format!("value\n{values}")).unwrap();
    let text = "[data]\nkind = \"csv\"\npath = \"d.csv\"\n[window]\nlookback = 3\n\
                [sweep]\nseed = [1, 2, 3]\n";
    let file = dir.path().join("e.toml");
    let before = sweep::parse_sweep_str(text, &file, &[]).unwrap();
    std::fs::write(&data, format!("value\n{values}7\n")).unwrap();
    let after = sweep::parse_sweep_str(text, &file, &[]).unwrap();
    for (b, a) in before.runs.iter().zip(&after.runs) {
        assert_ne!(b.run_id, a.run_id);
        assert_ne!(b.experiment.data_hash(), a.experiment.data_hash());
        // the configuration alone is the same
        assert_eq!(
            run_id(&without_contents(&b.experiment)),
            run_id(&without_contents(&a.experiment))
        );
    }
    // the series is read from the bytes the id names: an edit after loading is refused
    std::fs::write(&data, format!("value\n{values}8\n")).unwrap();
    let err = after.runs[0].experiment.load_series().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the file changed while runner was reading it; run again once it is written",
            data.display()
        )
    );
}

/// (file, --set, run position, run id, data hash, experiment hash) from the old code.
type Pinned = (
    &'static str,
    &'static [&'static str],
    usize,
    &'static str,
    &'static str,
    &'static str,
);
const PINNED: &[Pinned] = &[
    (
        "seed.toml",
        &[],
        0,
        "e8fa9167dd1d",
        "bb80a632907e",
        "edb5bdce81ca",
    ),
    (
        "ci_sine.toml",
        &[],
        0,
        "2c77000334a2",
        "d54a9720ed98",
        "3a7e8904182a",
    ),
    (
        "sine_grid.toml",
        &[],
        35,
        "68a9832bdfd9",
        "890a52afa7f4",
        "87f9a517ad38",
    ),
    // CSV, season, transforms, lookback_from = "history", backtest
    (
        "airline.toml",
        &[],
        0,
        "edef261a4282",
        "33ab85b0f7b7",
        "c9b54526f16a",
    ),
    (
        "airline.toml",
        &[],
        59,
        "26ff716dc94b",
        "9c55a595256a",
        "c9b54526f16a",
    ),
    (
        "co2.toml",
        &[],
        11,
        "5984b57b8a0e",
        "fe0407bb78d7",
        "60b95f87ac2c",
    ),
    (
        "lynx.toml",
        &[],
        7,
        "e9f988e9b203",
        "d9bbc37c2eb0",
        "1b8c9214a494",
    ),
    (
        "ci_sine.toml",
        &[
            "split.validation=0.1",
            "train.early_stopping={ patience = 3, min_delta = 0.01 }",
        ],
        2,
        "19f8c4df3c1c",
        "a00d8b16f5f1",
        "407255ee8e50",
    ),
    (
        "sine_grid.toml",
        &["train.reduce_lr={ factor = 0.2, patience = 2, min_lr = 0.0001, min_delta = 0.001 }"],
        0,
        "6a074f3a75ac",
        "8fc9f1790097",
        "78d267ac7a00",
    ),
    (
        "ci_sine.toml",
        &["data.seed=7", "data.noise=0.1"],
        1,
        "35a22ec78fde",
        "4aad80cadcab",
        "747c9c625e3c",
    ),
    (
        "ci_sine.toml",
        &["data.noise=0.1"],
        4,
        "6ef7bf1d5f15",
        "f294c417456a",
        "256aeaa096e2",
    ),
    (
        "ci_sine.toml",
        &["model.cell=gru"],
        0,
        "4af8c5cadd3a",
        "d54a9720ed98",
        "b978a778996a",
    ),
    (
        "ci_sine.toml",
        &["window.horizon=3"],
        0,
        "5878d8cffc6c",
        "ee0d5c0d74a7",
        "ae9c68e8cede",
    ),
    (
        "ci_sine.toml",
        &["window.lookback_from=history"],
        0,
        "877238289420",
        "2b25a7d57dc4",
        "2402963b89b3",
    ),
    (
        "ci_sine.toml",
        &["transform.difference=1"],
        0,
        "f95eedb59db9",
        "72d7cb3d1509",
        "7349a2e00544",
    ),
    (
        "ci_sine.toml",
        &["backtest.folds=2", "backtest.step=10", "select.on=test"],
        0,
        "7f8faba0fa4c",
        "93389296d976",
        "40757a4e6960",
    ),
    (
        "ci_sine.toml",
        &["train.clip_norm=1.0"],
        0,
        "35bc2ce3d39e",
        "d54a9720ed98",
        "60320cf3ce5f",
    ),
];

/// One `--set` per identity field (or option of one), each away from the base.
const DATA_FIELDS: &[&str] = &[
    "data.points=500",
    "data.start=1.0",
    "data.stop=50.0",
    "data.amplitude=2.0",
    "data.frequency=0.5",
    "data.phase=0.1",
    "data.noise=0.1",
    "data.season=12",
    "data.seed=3",
    "split.validation=0.2",
    "split.test=40",
    "split.train=0.7",
    "transform.log=true",
    "transform.difference=1",
    "transform.seasonal_difference=12",
    "transform.window_normalise=true",
    "scale.kind=standard",
    "scale.range=[-1.0, 1.0]",
    "scale.fit_on=all",
    "window.lookback=5",
    "window.horizon=2",
    "window.lookback_from=history",
    "backtest.folds=2",
];
const RUN_FIELDS: &[&str] = &[
    "name=other",
    "seed=7",
    "model.cell=gru",
    "model.units=[8]",
    "model.linear_skip=true",
    "train.optimizer=sgd",
    "train.learning_rate=0.01",
    "train.momentum=0.9",
    "train.loss=huber",
    "train.huber_delta=2.0",
    "train.epochs=3",
    "train.batch_size=8",
    "train.shuffle=false",
    "train.clip_norm=1.0",
    "train.early_stopping={ patience = 3 }",
    "train.reduce_lr={ patience = 3 }",
];

#[test]
fn every_identity_field_changes_the_run_id() {
    let base = parse(BASE, &[]);
    let mut ids = vec![run_id(&base)];
    for set in DATA_FIELDS.iter().chain(RUN_FIELDS) {
        let e = parse(BASE, &[set]);
        assert_ne!(e, base, "{set} changes the experiment");
        ids.push(run_id(&e));
    }
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "every field gives another id");
    // options of optional sections count too, once the section is on
    let with = |sets: &[&str]| run_id(&parse(BASE, sets));
    let es = "train.early_stopping={ patience = 3 }";
    assert_ne!(
        with(&[es]),
        with(&["train.early_stopping={ patience = 3, min_delta = 0.1 }"])
    );
    let rl = "train.reduce_lr={ patience = 3 }";
    for other in [
        "train.reduce_lr={ patience = 4 }",
        "train.reduce_lr={ patience = 3, factor = 0.2 }",
        "train.reduce_lr={ patience = 3, min_lr = 0.0001 }",
        "train.reduce_lr={ patience = 3, min_delta = 0.01 }",
    ] {
        assert_ne!(with(&[rl]), with(&[other]), "{other}");
    }
    let bt = ["backtest.folds=2", "split.test=40"];
    let overlapping = [bt[0], bt[1], "backtest.step=20", "select.on=test"];
    assert_ne!(with(&bt), with(&overlapping));
    // every generator's settings, and a CSV's
    let gens = [
        "[data]\nkind = \"sines\"\npoints = 200\namplitudes = [1.0]\nperiods = [12]\n",
        "[data]\nkind = \"trend_season\"\npoints = 200\n",
        "[data]\nkind = \"ar\"\npoints = 200\ncoefficients = [0.5]\n",
        "[data]\nkind = \"random_walk\"\npoints = 200\n",
    ];
    let changes: [&[&str]; 4] = [
        &[
            "data.points=201",
            "data.amplitudes=[2.0]",
            "data.periods=[6]",
            "data.noise=0.1",
            "data.seed=1",
        ],
        &[
            "data.points=201",
            "data.level=1.0",
            "data.slope=0.1",
            "data.period=6",
            "data.amplitude=2.0",
            "data.noise=0.1",
            "data.seed=1",
        ],
        &[
            "data.points=201",
            "data.coefficients=[0.4]",
            "data.noise=2.0",
            "data.burn_in=10",
            "data.seed=1",
        ],
        &[
            "data.points=201",
            "data.start=1.0",
            "data.step=2.0",
            "data.drift=0.1",
            "data.seed=1",
        ],
    ];
    for (text, sets) in gens.iter().zip(changes) {
        let base = parse(text, &[]);
        for set in sets {
            let e = parse(text, &[set]);
            assert_ne!(run_id(&e), run_id(&base), "{text} {set}");
            assert_ne!(data_hash(&e), data_hash(&base), "{text} {set}");
        }
    }
    let csv = "[data]\nkind = \"csv\"\npath = \"../data/lynx.csv\"\n";
    let at = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        parse_str(csv, &experiments("x.toml"), &sets).unwrap()
    };
    let base = at(&[]);
    for set in [
        "data.column=time",
        "data.time_column=time",
        "data.missing=interpolate",
        "data.season=10",
    ] {
        let e = at(&[set]);
        assert_ne!(run_id(&e), run_id(&base), "{set}");
        assert_ne!(data_hash(&e), data_hash(&base), "{set}");
    }
}

/// `model.linear_skip` came after ids were issued: off (absent or `false`) it is left out of
/// the identity, so the ids and the CI baseline's experiment hash stay; on, it is a run of
/// its own (pinned here) with the same data.
#[test]
fn linear_skip_changes_the_id_only_when_on() {
    for sets in [&[][..], &["model.linear_skip=false"]] {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let ci = sweep::load_sweep(&experiments("ci_sine.toml"), &sets).unwrap();
        assert_eq!(ci.hash(), "3a7e8904182a", "{sets:?}");
        assert_eq!(ci.runs[0].run_id, "2c77000334a2", "{sets:?}");
        assert!(!run_text(&ci.runs[0].experiment).contains("linear_skip"));
    }
    let on = sweep::load_sweep(
        &experiments("ci_sine.toml"),
        &["model.linear_skip=true".to_string()],
    )
    .unwrap();
    let off = sweep::load_sweep(&experiments("ci_sine.toml"), &[]).unwrap();
    for (a, b) in on.runs.iter().zip(&off.runs) {
        assert_ne!(a.run_id, b.run_id);
        assert_eq!(a.experiment.data_hash(), b.experiment.data_hash());
    }
    assert_ne!(on.hash(), off.hash());
    assert!(
        run_text(&on.runs[0].experiment)
            .contains("[model]\ncell = \"lstm\"\nunits = [16]\nlinear_skip = true\n"),
        "{}",
        run_text(&on.runs[0].experiment)
    );
    assert_eq!(on.runs[0].run_id, "108f0dc34565");
    assert_eq!(on.hash(), "69656d3160dc");
}

#[test]
fn data_hash_follows_the_data_fields_only() {
    let base = parse(BASE, &[]);
    for set in DATA_FIELDS {
        assert_ne!(data_hash(&parse(BASE, &[set])), data_hash(&base), "{set}");
    }
    // model and training settings, the name and a noiseless source's seed share data
    for set in RUN_FIELDS {
        assert_eq!(data_hash(&parse(BASE, &[set])), data_hash(&base), "{set}");
    }
    // the master seed is part of the data once it draws the noise, unless data.seed does
    let noisy = |sets: &[&str]| data_hash(&parse(BASE, &[&["data.noise=0.1"], sets].concat()));
    assert_ne!(noisy(&["seed=1"]), noisy(&["seed=2"]));
    assert_eq!(
        noisy(&["seed=1", "data.seed=5"]),
        noisy(&["seed=2", "data.seed=5"])
    );
}

#[test]
fn fields_outside_the_list_do_not_change_the_id() {
    let base = parse(BASE, &[]);
    let described = parse(BASE, &["description=\"prose that says what it is for\""]);
    assert_ne!(described, base);
    assert_eq!(run_id(&described), run_id(&base));
    assert_eq!(data_hash(&described), data_hash(&base));
    // the folder the file lies in (the name is given, not the file's stem)
    let named = format!("name = \"n\"\n{BASE}");
    let here = parse_str(&named, Path::new("a/exp.toml"), &[]).unwrap();
    let there = parse_str(&named, Path::new("b/c/other.toml"), &[]).unwrap();
    assert_ne!(here.base_dir, there.base_dir);
    assert_eq!(run_id(&here), run_id(&there));
    // optional settings at their defaults are the settings left out
    for set in [
        "window.lookback_from=part",
        "backtest.folds=1",
        "transform.log=false",
        "data.season=0",
        "model.linear_skip=false",
    ] {
        assert_eq!(run_id(&parse(BASE, &[set])), run_id(&base), "{set}");
    }
}

#[test]
fn the_canonical_text_is_the_list_in_order() {
    let e = parse(BASE, &["train.early_stopping={ patience = 3 }"]);
    let text = run_text(&e);
    assert!(
        text.starts_with(
            "name = \"exp\"\ndescription = \"\"\nseed = 42\n\n[data]\nkind = \"sine\"\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("[train.early_stopping]\npatience = 3\nmin_delta = 0.0\n"),
        "{text}"
    );
    assert!(
        !text.contains("transform") && !text.contains("backtest"),
        "{text}"
    );
    let data = data_text(&e);
    assert!(
        data.starts_with("[data]\n"),
        "no master seed for a noiseless sine: {data}"
    );
    assert!(
        !data.contains("[train") && !data.contains("[model]"),
        "{data}"
    );
    assert_eq!(experiment_hash(["b", "a"]), experiment_hash(["a", "b"]));
}
