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

use super::contents::bytes_digest;

use super::types::{
    ArSpec, BacktestSpec, Cell, CsvSpec, DataSpec, EarlyStopping, Experiment, Loss, ModelSpec,
    Optimizer, RandomWalkSpec, ReduceLr, ScaleSpec, Scope, SineSpec, SinesSpec, SplitSpec,
    TrainSpec, TransformSpec, TrendSeasonSpec, WindowScale, WindowSpec,
};

/// Identity of a run (its id): every field of the resolved experiment that can change
/// what the run computes, plus its name.
pub fn run_id(e: &Experiment) -> String {
    short_hash(&run_text(e))
}

/// Identity of the data stages of a run: runs with equal hashes can share one
/// [`crate::data::Prepared`]. Model and training settings are not part of it; the master
/// seed is only when it draws the generator's noise. A CSV source is identified by its
/// path and the blake3 of its bytes.
pub fn data_hash(e: &Experiment) -> String {
    short_hash(&data_text(e))
}

/// What a run's data was, for its provenance (never its identity): the blake3 (64 hex digits)
/// of a CSV source's bytes, with `"file"`; or, for a generated series, of its settings (the
/// `[data]` table and the master seed when that seeds the noise), with `"generator"`.
pub fn data_source_hash(e: &Experiment) -> (String, &'static str) {
    if let DataSpec::Csv(c) = &e.data {
        if let Some(contents) = &c.contents {
            return (contents.clone(), "file");
        }
    }
    let hash = bytes_digest(source_record(e).text().as_bytes());
    let of = match e.data {
        DataSpec::Csv(_) => "settings",
        _ => "generator",
    };
    (hash, of)
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
        // How configurations are ranked afterwards: the same runs, whatever the choice.
        select: _,
        // Where the experiment file lies: a moved file is the same experiment (a CSV is
        // identified by the path written in the file and its contents).
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

/// The source of the series: `[data]`, and the master seed when it seeds the noise (otherwise
/// runs that differ only in their seed share their data).
fn source_record(e: &Experiment) -> Record {
    let mut r = Record::default();
    if e.data.draws_noise() && e.data.seed().is_none() {
        r.put("seed", int(e.seed));
    }
    r.table("data", data_record(&e.data));
    r
}

/// The canonical text a data-stage hash hashes: source, split, transforms, scaling,
/// windows and backtest folds, and the master seed when it seeds the source's noise.
pub fn data_text(e: &Experiment) -> String {
    let mut r = source_record(e);
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
                // Axis words only: the same data under another name is the same run.
                value_label: _,
                series_column,
                missing,
                season,
                contents,
            } = c;
            r.put("kind", "csv");
            r.put("path", path.as_str());
            r.put("column", column.as_str());
            // Labels only, but part of the identity since it existed; written only when
            // given, as it always was.
            if let Some(time) = time_column {
                r.put("time_column", time.as_str());
            }
            // Written only when given: single-series files keep their ids.
            if let Some(series) = series_column {
                r.put("series_column", series.as_str());
            }
            r.put("missing", missing_text(*missing));
            put_season(&mut r, *season);
            // What the file holds, not only where it lies: an edited file is other data,
            // so its runs retrain. Always known for a loaded experiment; absent only when
            // the experiment was built without reading the file (the id of the
            // configuration alone, which is also every CSV run's id from before contents
            // were hashed: see `pipeline::stale`).
            if let Some(contents) = contents {
                r.put("contents_blake3", contents.as_str());
            }
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
        window,
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
    // Written only when on: runs from before per-window scaling keep their ids.
    match window {
        WindowScale::None => {}
        WindowScale::Mean => r.put("window", "mean"),
    }
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
    let ModelSpec {
        cell,
        units,
        linear_skip,
        scope,
    } = m;
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
    // Written only when on: runs from before the skip existed (and runs without it) keep
    // their ids.
    if *linear_skip {
        r.put("linear_skip", true);
    }
    // Written only when local: global is what every run did before scopes existed.
    match scope {
        Scope::Global => {}
        Scope::Local => r.put("scope", "local"),
    }
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
mod tests;
