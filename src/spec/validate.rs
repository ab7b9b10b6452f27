//! Semantic checks: values that have the right type but cannot make a run. Each check
//! runs on the sections that deserialized cleanly, so a typo in one section does not
//! hide a bad value in another; every problem is reported at once.

use std::path::Path;

use super::error::Problem;
use super::types::{resolve, DataSpec, ModelSpec, ScaleSpec, SplitSpec, TrainSpec, WindowSpec};
use crate::data::source::inspect_csv;

/// The sections of an experiment, each `None` if it had a structural problem.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub data: Option<DataSpec>,
    pub split: Option<SplitSpec>,
    pub scale: Option<ScaleSpec>,
    pub window: Option<WindowSpec>,
    pub model: Option<ModelSpec>,
    pub train: Option<TrainSpec>,
    /// Whether data, split and window are free of shape problems, so that the length
    /// checks see what the user meant.
    pub lengths_checkable: bool,
}

pub(crate) fn check(parts: &Parts, base_dir: &Path) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(name) = &parts.name {
        check_name(name, &mut out);
    }
    let points = parts
        .data
        .as_ref()
        .and_then(|d| check_data(d, base_dir, &mut out));
    let split_ok = parts
        .split
        .as_ref()
        .is_some_and(|s| check_split(s, &mut out));
    if let Some(scale) = &parts.scale {
        check_scale(scale, &mut out);
    }
    let window_ok = parts
        .window
        .as_ref()
        .is_some_and(|w| check_window(w, &mut out));
    if let (Some(n), true, true, true) = (points, split_ok, window_ok, parts.lengths_checkable) {
        let (split, window) = (
            parts.split.as_ref().unwrap(),
            parts.window.as_ref().unwrap(),
        );
        check_lengths(n, split, window, &mut out);
        if let Some(data) = &parts.data {
            check_season(n, split, data.season(), &mut out);
        }
    }
    if let Some(model) = &parts.model {
        check_model(model, &mut out);
    }
    if let Some(train) = &parts.train {
        check_train(train, parts.split.as_ref(), &mut out);
    }
    out
}

fn check_name(name: &str, out: &mut Vec<Problem>) {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if name.is_empty() || name.starts_with('.') || !name.chars().all(safe) {
        out.push(Problem::new(
            "name",
            format!(
                "`name` names the results folder, so it must be letters, digits, `-`, `_` or `.` \
                 and not start with `.`; found \"{name}\""
            ),
        ));
    }
}

/// Checks the source and returns its number of points when known.
fn check_data(data: &DataSpec, base_dir: &Path, out: &mut Vec<Problem>) -> Option<usize> {
    match data {
        DataSpec::Sine(s) => {
            if s.points == 0 {
                out.push(Problem::new(
                    "data.points",
                    "`data.points` must be at least 1, found 0",
                ));
            }
            if s.noise < 0.0 {
                out.push(Problem::new(
                    "data.noise",
                    format!(
                        "`data.noise` is a standard deviation and must be >= 0, found {}",
                        s.noise
                    ),
                ));
            }
            Some(s.points)
        }
        DataSpec::Csv(c) => {
            let path = resolve(base_dir, &c.path);
            if !path.is_file() {
                let what = if path.exists() {
                    "is not a file"
                } else {
                    "does not exist"
                };
                out.push(Problem::new(
                    "data.path",
                    format!(
                        "`data.path`: {} {what} (paths are relative to the experiment file)",
                        path.display()
                    ),
                ));
                return None;
            }
            let shape = match inspect_csv(&path) {
                Ok(shape) => shape,
                Err(e) => {
                    out.push(Problem::new("data.path", format!("`data.path`: {e}")));
                    return None;
                }
            };
            let columns = [
                ("data.column", Some(&c.column)),
                ("data.time_column", c.time_column.as_ref()),
            ];
            for (key, column) in columns {
                if let Some(column) = column.filter(|col| !shape.columns.contains(col)) {
                    let available: Vec<String> =
                        shape.columns.iter().map(|c| format!("`{c}`")).collect();
                    out.push(Problem::new(
                        key,
                        format!(
                            "`{key}`: no column `{column}` in {}; available columns: {}",
                            path.display(),
                            available.join(", ")
                        ),
                    ));
                }
            }
            Some(shape.rows)
        }
    }
}

/// Returns whether the fractions are usable for the length checks.
fn check_split(s: &SplitSpec, out: &mut Vec<Problem>) -> bool {
    let before = out.len();
    if !(s.train > 0.0 && s.train < 1.0) {
        out.push(Problem::new(
            "split.train",
            format!("`split.train` is a fraction of the series and must be between 0 and 1 (exclusive), found {}", s.train),
        ));
    }
    if !(0.0..1.0).contains(&s.validation) {
        out.push(Problem::new(
            "split.validation",
            format!(
                "`split.validation` must be at least 0 and below 1, found {}",
                s.validation
            ),
        ));
    } else if s.validation >= s.train && s.validation > 0.0 {
        out.push(Problem::new(
            "split.validation",
            format!(
                "`split.validation` ({}) must be smaller than `split.train` ({}): validation is carved \
                 from the end of the training part",
                s.validation, s.train
            ),
        ));
    }
    out.len() == before
}

fn check_scale(s: &ScaleSpec, out: &mut Vec<Problem>) {
    let [lo, hi] = s.range;
    if lo >= hi {
        out.push(Problem::new(
            "scale.range",
            format!("`scale.range` must be [lo, hi] with lo < hi, found [{lo}, {hi}]"),
        ));
    }
}

/// Returns whether lookback and horizon are usable for the length checks.
fn check_window(w: &WindowSpec, out: &mut Vec<Problem>) -> bool {
    let before = out.len();
    for (key, value) in [
        ("window.lookback", w.lookback),
        ("window.horizon", w.horizon),
    ] {
        if value == 0 {
            out.push(Problem::new(
                key,
                format!("`{key}` must be at least 1, found 0"),
            ));
        }
    }
    out.len() == before
}

/// Every span must hold at least one window of `lookback + horizon` points.
fn check_lengths(n: usize, split: &SplitSpec, w: &WindowSpec, out: &mut Vec<Problem>) {
    let s = crate::data::split::split(n, split.train, split.validation);
    let needed = w.lookback + w.horizon;
    let window = format!(
        "a window needs `window.lookback` + `window.horizon` = {} + {} = {needed} points",
        w.lookback, w.horizon
    );
    if s.train.len() < needed {
        let carved = if s.validation.is_empty() {
            String::new()
        } else {
            format!(" minus {} for validation", s.validation.len())
        };
        out.push(Problem::new(
            "window.lookback",
            format!(
                "`window.lookback` = {} is too long for the training part: {window}, but training has \
                 {} (floor({n} * {}){carved})",
                w.lookback,
                s.train.len(),
                split.train
            ),
        ));
    }
    if split.validation > 0.0 && s.validation.len() < needed {
        out.push(Problem::new(
            "split.validation",
            format!(
                "`split.validation` = {} gives {} validation points (floor({n} * {})), but {window}",
                split.validation,
                s.validation.len(),
                split.validation
            ),
        ));
    }
    if s.test.len() < needed {
        out.push(Problem::new(
            "window.lookback",
            format!(
                "`window.lookback` = {} leaves no test window: {window}, but the test part has {} \
                 ({n} points minus floor({n} * {}))",
                w.lookback,
                s.test.len(),
                split.train
            ),
        ));
    }
}

/// The seasonal baselines look one season back from inside the training part.
fn check_season(n: usize, split: &SplitSpec, season: usize, out: &mut Vec<Problem>) {
    let train = crate::data::split::split(n, split.train, split.validation)
        .train
        .len();
    if season > 0 && season >= train {
        out.push(Problem::new(
            "data.season",
            format!(
                "`data.season` = {season} must be shorter than the training part, which has \
                 {train} points"
            ),
        ));
    }
}

fn check_model(m: &ModelSpec, out: &mut Vec<Problem>) {
    if m.units.is_empty() {
        out.push(Problem::new(
            "model.units",
            "`model.units` must list at least one layer size, e.g. [50, 50]",
        ));
    }
    for (i, _) in m.units.iter().enumerate().filter(|(_, u)| **u == 0) {
        out.push(Problem::new(
            "model.units",
            format!("`model.units[{i}]` must be at least 1 unit, found 0"),
        ));
    }
}

fn check_train(t: &TrainSpec, split: Option<&SplitSpec>, out: &mut Vec<Problem>) {
    let mut positive = |key: &str, value: f64| {
        if value <= 0.0 {
            out.push(Problem::new(
                key,
                format!("`{key}` must be greater than 0, found {value}"),
            ));
        }
    };
    positive("train.learning_rate", t.learning_rate);
    positive("train.huber_delta", t.huber_delta);
    if let Some(clip) = t.clip_norm {
        positive("train.clip_norm", clip);
    }
    if !(0.0..1.0).contains(&t.momentum) {
        out.push(Problem::new(
            "train.momentum",
            format!(
                "`train.momentum` must be at least 0 and below 1, found {}",
                t.momentum
            ),
        ));
    }
    for (key, value) in [
        ("train.epochs", t.epochs),
        ("train.batch_size", t.batch_size),
    ] {
        if value == 0 {
            out.push(Problem::new(
                key,
                format!("`{key}` must be at least 1, found 0"),
            ));
        }
    }
    if let Some(r) = &t.reduce_lr {
        if !(r.factor > 0.0 && r.factor < 1.0) {
            out.push(Problem::new(
                "train.reduce_lr.factor",
                format!(
                    "`train.reduce_lr.factor` must be in (0, 1), found {}",
                    r.factor
                ),
            ));
        }
        if r.patience == 0 {
            out.push(Problem::new(
                "train.reduce_lr.patience",
                "`train.reduce_lr.patience` must be at least 1, found 0",
            ));
        }
        for (key, v) in [("min_lr", r.min_lr), ("min_delta", r.min_delta)] {
            if v < 0.0 {
                out.push(Problem::new(
                    format!("train.reduce_lr.{key}"),
                    format!("`train.reduce_lr.{key}` must be >= 0, found {v}"),
                ));
            }
        }
    }
    if let Some(es) = &t.early_stopping {
        if es.min_delta < 0.0 {
            out.push(Problem::new(
                "train.early_stopping.min_delta",
                format!(
                    "`train.early_stopping.min_delta` must be >= 0, found {}",
                    es.min_delta
                ),
            ));
        }
        if split.is_some_and(|s| s.validation == 0.0) {
            out.push(Problem::new(
                "train.early_stopping",
                "`train.early_stopping` watches the validation loss, but `split.validation` is 0; \
                 set a validation fraction such as split.validation = 0.1",
            ));
        }
    }
}
