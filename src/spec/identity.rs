//! What makes two runs the same run: the explicit list of the fields that define a run
//! (its id), the fields that define its data stages (the data-stage hash) and the ids that
//! define an experiment (the experiment hash).
//!
//! An identity is a [`Record`]: keys and values written one by one below, in a fixed order.
//! Its canonical text is the record as TOML (`toml::to_string`), and the hash is the first
//! 12 hex digits of that text's blake3. The serde derives of the spec types play no part:
//! they shape the human-readable `experiment.toml`, not the ids.
//!
//! The text is the one the ids were first computed from, when they were blake3 of the
//! resolved experiment serialized to TOML; every id issued since stays the same (pinned by
//! the tests below). That is why some fields are written only when not at their default:
//! each was added after ids had been issued, and a run that does not use it must keep
//! the id it had before the field existed.
//!
//! # Adding a field to the experiment
//!
//! Every spec struct is destructured here without `..`, so a new field does not compile
//! until it is placed:
//! - it changes what a run computes: add it to the section's record below (and to the data
//!   identity too if it changes the prepared data). To keep the ids of existing
//!   experiments, write it only when it is not at its default (`if` around the `put`), with
//!   a comment saying so; writing it always changes every id.
//! - it does not change results (prose, where output goes): bind it as `_` with a comment.

use serde::ser::{Serialize, SerializeMap, Serializer};
use toml::Value;

use crate::data::{FitOn, LookbackFrom, Missing, ScaleKind, Size};

use super::types::{
    ArSpec, BacktestSpec, Cell, CsvSpec, DataSpec, EarlyStopping, Experiment, Loss, ModelSpec,
    Optimizer, RandomWalkSpec, ReduceLr, ScaleSpec, SineSpec, SinesSpec, SplitSpec, TrainSpec,
    TransformSpec, TrendSeasonSpec, WindowSpec,
};

/// Identity of a run (its id): every field of the resolved experiment that can change
/// what the run computes, plus its name.
pub fn run_id(e: &Experiment) -> String {
    short_hash(&run_text(e))
}

/// Identity of the data stages of a run: runs with equal hashes can share one
/// [`crate::data::Prepared`]. Model and training settings are not part of it; the master
/// seed is only when it draws the generator's noise. A CSV source is identified by its
/// path, not its contents.
pub fn data_hash(e: &Experiment) -> String {
    short_hash(&data_text(e))
}

/// Identity of an experiment (a whole grid): the hash of its sorted run ids joined by
/// commas. It is recorded in a baseline, so that a baseline of another grid or other
/// settings is recognised.
pub fn experiment_hash<'a>(run_ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut ids: Vec<&str> = run_ids.into_iter().collect();
    ids.sort_unstable();
    short_hash(&ids.join(","))
}

/// The canonical text a run id hashes.
pub fn run_text(e: &Experiment) -> String {
    let Experiment {
        name,
        // Prose does not change results. It is written, always empty, because the ids
        // were first computed with the description cleared but present.
        description: _,
        seed,
        data,
        split,
        transform,
        scale,
        window,
        model,
        train,
        backtest,
        // Where the experiment file lies: a moved file is the same experiment (a CSV is
        // identified by the path written in the file).
        base_dir: _,
    } = e;
    let mut r = Record::default();
    // The name is part of a run's identity: two experiments with the same settings keep
    // their results apart.
    r.put("name", name.as_str());
    r.put("description", "");
    r.put("seed", int(*seed));
    r.table("data", data_record(data));
    r.table("split", split_record(split));
    // Written only when some transform is on: experiments from before transforms existed
    // keep their ids.
    if !transform.is_off() {
        r.table("transform", transform_record(transform));
    }
    r.table("scale", scale_record(scale));
    r.table("window", window_record(window));
    r.table("model", model_record(model));
    r.table("train", train_record(train));
    // Written only when on: experiments from before backtests existed keep their ids.
    if !backtest.is_off() {
        r.table("backtest", backtest_record(backtest));
    }
    r.text()
}

/// The canonical text a data-stage hash hashes: source, split, transforms, scaling,
/// windows and backtest folds, and the master seed when it seeds the source's noise.
pub fn data_text(e: &Experiment) -> String {
    let mut r = Record::default();
    // The master seed shapes the data only when it seeds the noise; otherwise runs that
    // differ only in their seed share their data.
    if e.data.draws_noise() && e.data.seed().is_none() {
        r.put("seed", int(e.seed));
    }
    r.table("data", data_record(&e.data));
    r.table("split", split_record(&e.split));
    // Only when on, as in the run id.
    if !e.transform.is_off() {
        r.table("transform", transform_record(&e.transform));
    }
    r.table("scale", scale_record(&e.scale));
    r.table("window", window_record(&e.window));
    // Only when on, as in the run id.
    if !e.backtest.is_off() {
        r.table("backtest", backtest_record(&e.backtest));
    }
    r.text()
}

/// `[data]`: the kind first, then the generator's or the file's settings.
fn data_record(data: &DataSpec) -> Record {
    let mut r = Record::default();
    match data {
        DataSpec::Sine(s) => {
            let SineSpec {
                points,
                start,
                stop,
                amplitude,
                frequency,
                phase,
                noise,
                season,
                seed,
            } = s;
            r.put("kind", "sine");
            r.put("points", int(*points));
            r.put("start", *start);
            r.put("stop", *stop);
            r.put("amplitude", *amplitude);
            r.put("frequency", *frequency);
            r.put("phase", *phase);
            r.put("noise", *noise);
            put_season(&mut r, *season);
            put_data_seed(&mut r, *seed);
        }
        DataSpec::Csv(c) => {
            let CsvSpec {
                path,
                column,
                time_column,
                missing,
                season,
            } = c;
            r.put("kind", "csv");
            r.put("path", path.as_str());
            r.put("column", column.as_str());
            // Labels only, but part of the identity since it existed; written only when
            // given, as it always was.
            if let Some(time) = time_column {
                r.put("time_column", time.as_str());
            }
            r.put("missing", missing_text(*missing));
            put_season(&mut r, *season);
        }
        DataSpec::Sines(s) => {
            let SinesSpec {
                points,
                amplitudes,
                periods,
                noise,
                seed,
            } = s;
            r.put("kind", "sines");
            r.put("points", int(*points));
            r.put("amplitudes", floats(amplitudes));
            r.put("periods", floats(periods));
            r.put("noise", *noise);
            put_data_seed(&mut r, *seed);
        }
        DataSpec::TrendSeason(s) => {
            let TrendSeasonSpec {
                points,
                level,
                slope,
                period,
                amplitude,
                noise,
                seed,
            } = s;
            r.put("kind", "trend_season");
            r.put("points", int(*points));
            r.put("level", *level);
            r.put("slope", *slope);
            r.put("period", *period);
            r.put("amplitude", *amplitude);
            r.put("noise", *noise);
            put_data_seed(&mut r, *seed);
        }
        DataSpec::Ar(s) => {
            let ArSpec {
                points,
                coefficients,
                noise,
                burn_in,
                seed,
            } = s;
            r.put("kind", "ar");
            r.put("points", int(*points));
            r.put("coefficients", floats(coefficients));
            r.put("noise", *noise);
            r.put("burn_in", int(*burn_in));
            put_data_seed(&mut r, *seed);
        }
        DataSpec::RandomWalk(s) => {
            let RandomWalkSpec {
                points,
                start,
                step,
                drift,
                seed,
            } = s;
            r.put("kind", "random_walk");
            r.put("points", int(*points));
            r.put("start", *start);
            r.put("step", *step);
            r.put("drift", *drift);
            put_data_seed(&mut r, *seed);
        }
    }
    r
}

/// `data.season`, written only when there is one (not 0): configurations from before
/// seasons existed keep their ids.
fn put_season(r: &mut Record, season: usize) {
    if season != 0 {
        r.put("season", int(season));
    }
}

/// `data.seed`, written only when given: configurations from before it existed (whose
/// noise the master seed draws) keep their ids.
fn put_data_seed(r: &mut Record, seed: Option<u64>) {
    if let Some(seed) = seed {
        r.put("seed", int(seed));
    }
}

fn split_record(s: &SplitSpec) -> Record {
    let SplitSpec {
        train,
        validation,
        test,
    } = s;
    let mut r = Record::default();
    // `train` and `test` as resolved (`train = 0.8` when neither is given), each written
    // only when it is set: that is how they have always been written.
    if let Some(train) = train {
        r.put("train", size(*train));
    }
    r.put("validation", size(*validation));
    if let Some(test) = test {
        r.put("test", size(*test));
    }
    r
}

/// Every transform, once some is on (see [`run_text`]).
fn transform_record(t: &TransformSpec) -> Record {
    let TransformSpec {
        log,
        difference,
        seasonal_difference,
        window_normalise,
    } = t;
    let mut r = Record::default();
    r.put("log", *log);
    r.put("difference", int(*difference));
    r.put("seasonal_difference", int(*seasonal_difference));
    r.put("window_normalise", *window_normalise);
    r
}

fn scale_record(s: &ScaleSpec) -> Record {
    let ScaleSpec {
        kind,
        range,
        fit_on,
    } = s;
    let mut r = Record::default();
    r.put(
        "kind",
        match kind {
            ScaleKind::MinMax => "minmax",
            ScaleKind::Standard => "standard",
            ScaleKind::None => "none",
        },
    );
    r.put("range", floats(range));
    r.put(
        "fit_on",
        match fit_on {
            FitOn::Train => "train",
            FitOn::All => "all",
        },
    );
    r
}

fn window_record(w: &WindowSpec) -> Record {
    let WindowSpec {
        lookback,
        horizon,
        lookback_from,
    } = w;
    let mut r = Record::default();
    r.put("lookback", int(*lookback));
    r.put("horizon", int(*horizon));
    // Written only when not `part` (the default and the only behaviour before the key
    // existed): earlier configurations keep their ids.
    match lookback_from {
        LookbackFrom::Part => {}
        LookbackFrom::History => r.put("lookback_from", "history"),
    }
    r
}

fn model_record(m: &ModelSpec) -> Record {
    let ModelSpec { cell, units } = m;
    let mut r = Record::default();
    // Always written: `cell` was part of the identity before any id was recorded.
    r.put(
        "cell",
        match cell {
            Cell::Lstm => "lstm",
            Cell::Gru => "gru",
        },
    );
    r.put(
        "units",
        Value::Array(units.iter().map(|&u| int(u)).collect()),
    );
    r
}

fn train_record(t: &TrainSpec) -> Record {
    let TrainSpec {
        optimizer,
        learning_rate,
        momentum,
        loss,
        huber_delta,
        epochs,
        batch_size,
        shuffle,
        clip_norm,
        early_stopping,
        reduce_lr,
    } = t;
    let mut r = Record::default();
    r.put(
        "optimizer",
        match optimizer {
            Optimizer::Adam => "adam",
            Optimizer::Sgd => "sgd",
            Optimizer::Rmsprop => "rmsprop",
        },
    );
    r.put("learning_rate", *learning_rate);
    r.put("momentum", *momentum);
    r.put(
        "loss",
        match loss {
            Loss::Mse => "mse",
            Loss::Mae => "mae",
            Loss::Huber => "huber",
        },
    );
    r.put("huber_delta", *huber_delta);
    r.put("epochs", int(*epochs));
    r.put("batch_size", int(*batch_size));
    r.put("shuffle", *shuffle);
    // The three options below are written only when set (they are off by default), as
    // they always were: runs without them keep their ids.
    if let Some(clip) = clip_norm {
        r.put("clip_norm", *clip);
    }
    if let Some(es) = early_stopping {
        let EarlyStopping {
            patience,
            min_delta,
        } = es;
        let mut s = Record::default();
        s.put("patience", int(*patience));
        s.put("min_delta", *min_delta);
        r.table("early_stopping", s);
    }
    if let Some(rl) = reduce_lr {
        let ReduceLr {
            factor,
            patience,
            min_lr,
            min_delta,
        } = rl;
        let mut s = Record::default();
        s.put("factor", *factor);
        s.put("patience", int(*patience));
        s.put("min_lr", *min_lr);
        s.put("min_delta", *min_delta);
        r.table("reduce_lr", s);
    }
    r
}

/// The backtest, once on (see [`run_text`]).
fn backtest_record(b: &BacktestSpec) -> Record {
    let BacktestSpec { folds, step } = b;
    let mut r = Record::default();
    r.put("folds", int(*folds));
    // Written only when given (the test part's length otherwise), as it always was.
    if let Some(step) = step {
        r.put("step", int(*step));
    }
    r
}

fn missing_text(m: Missing) -> &'static str {
    match m {
        Missing::Error => "error",
        Missing::Interpolate => "interpolate",
    }
}

/// A part's size as written: a count is an integer, a fraction a float.
fn size(s: Size) -> Value {
    match s {
        Size::Count(c) => int(c),
        Size::Fraction(f) => Value::Float(f),
    }
}

fn floats(values: &[f64]) -> Value {
    Value::Array(values.iter().map(|&f| Value::Float(f)).collect())
}

/// A TOML integer. Counts and seeds come from TOML integers, so they fit.
fn int(n: impl TryInto<i64>) -> Value {
    Value::Integer(
        n.try_into()
            .unwrap_or_else(|_| panic!("an identity integer above i64::MAX")),
    )
}

fn short_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex()[..12].to_string()
}

/// The fields of an identity in order: a value, or a table of further fields.
#[derive(Default)]
struct Record(Vec<(&'static str, Entry)>);

enum Entry {
    Value(Value),
    Table(Record),
}

impl Record {
    fn put(&mut self, key: &'static str, value: impl Into<Value>) {
        self.0.push((key, Entry::Value(value.into())));
    }

    fn table(&mut self, key: &'static str, table: Record) {
        self.0.push((key, Entry::Table(table)));
    }

    /// The canonical text: the record as TOML, tables as `[sections]` after the values,
    /// in the order written.
    fn text(&self) -> String {
        toml::to_string(self).expect("an identity record serializes to TOML")
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, entry) in &self.0 {
            match entry {
                Entry::Value(v) => map.serialize_entry(key, v)?,
                Entry::Table(t) => map.serialize_entry(key, t)?,
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
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
            let run = &s.runs[*position];
            let what = format!("{file} {sets:?} run {position}");
            assert_eq!(run.run_id, *id, "run id of {what}");
            assert_eq!(run.experiment.data_hash(), *data, "data hash of {what}");
            assert_eq!(s.hash(), *hash, "experiment hash of {what}");
        }
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
        ("seed.toml", &[], 0, "e8fa9167dd1d", "bb80a632907e", "edb5bdce81ca"),
        ("ci_sine.toml", &[], 0, "2c77000334a2", "d54a9720ed98", "3a7e8904182a"),
        ("sine_grid.toml", &[], 35, "68a9832bdfd9", "890a52afa7f4", "87f9a517ad38"),
        // CSV, season, transforms, lookback_from = "history", backtest
        ("airline.toml", &[], 0, "edef261a4282", "33ab85b0f7b7", "c9b54526f16a"),
        ("airline.toml", &[], 59, "26ff716dc94b", "9c55a595256a", "c9b54526f16a"),
        ("co2.toml", &[], 11, "5984b57b8a0e", "fe0407bb78d7", "60b95f87ac2c"),
        ("lynx.toml", &[], 7, "e9f988e9b203", "d9bbc37c2eb0", "1b8c9214a494"),
        (
            "ci_sine.toml",
            &["split.validation=0.1", "train.early_stopping={ patience = 3, min_delta = 0.01 }"],
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
        ("ci_sine.toml", &["data.seed=7", "data.noise=0.1"], 1, "35a22ec78fde", "4aad80cadcab", "747c9c625e3c"),
        ("ci_sine.toml", &["data.noise=0.1"], 4, "6ef7bf1d5f15", "f294c417456a", "256aeaa096e2"),
        ("ci_sine.toml", &["model.cell=gru"], 0, "4af8c5cadd3a", "d54a9720ed98", "b978a778996a"),
        ("ci_sine.toml", &["window.horizon=3"], 0, "5878d8cffc6c", "ee0d5c0d74a7", "ae9c68e8cede"),
        ("ci_sine.toml", &["window.lookback_from=history"], 0, "877238289420", "2b25a7d57dc4", "2402963b89b3"),
        ("ci_sine.toml", &["transform.difference=1"], 0, "f95eedb59db9", "72d7cb3d1509", "7349a2e00544"),
        ("ci_sine.toml", &["backtest.folds=2", "backtest.step=10"], 0, "7f8faba0fa4c", "93389296d976", "40757a4e6960"),
        ("ci_sine.toml", &["train.clip_norm=1.0"], 0, "35bc2ce3d39e", "d54a9720ed98", "60320cf3ce5f"),
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
        assert_ne!(with(&bt), with(&[bt[0], bt[1], "backtest.step=20"]));
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
}
