//! Semantic checks: values that have the right type but cannot make a run. Each check
//! runs on the sections that deserialized cleanly, so a typo in one section does not
//! hide a bad value in another; every problem is reported at once.

use std::path::Path;

use super::error::Problem;
use super::types::{
    resolve, BacktestSpec, DataSpec, ModelSpec, ScaleSpec, SelectMetric, SelectOn, SelectSpec,
    SplitSpec, TrainSpec, TransformSpec, WindowSpec,
};
use crate::data::source::inspect_csv;
use crate::data::split::{check_size, split as cut};
use crate::data::{fold_cuts, FitOn, LookbackFrom, Size, Split};

/// The sections of an experiment, each `None` if it had a structural problem.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub data: Option<DataSpec>,
    pub split: Option<SplitSpec>,
    pub transform: Option<TransformSpec>,
    pub scale: Option<ScaleSpec>,
    pub window: Option<WindowSpec>,
    pub model: Option<ModelSpec>,
    pub train: Option<TrainSpec>,
    pub backtest: Option<BacktestSpec>,
    pub select: Option<SelectSpec>,
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
    let backtest_ok = parts
        .backtest
        .as_ref()
        .is_some_and(|b| check_backtest(b, parts.scale.as_ref(), &mut out));
    if let (Some(n), true, true, true, Some(transform)) = (
        points,
        split_ok,
        window_ok,
        parts.lengths_checkable,
        parts.transform.as_ref(),
    ) {
        let (split, window) = (
            parts.split.as_ref().unwrap(),
            parts.window.as_ref().unwrap(),
        );
        check_lengths(n, split, transform, window, &mut out);
        if let Some(data) = &parts.data {
            check_season(n, split, data.season(), &mut out);
        }
        if let (true, Some(b)) = (backtest_ok, &parts.backtest) {
            let season = parts.data.as_ref().map_or(0, |d| d.season());
            check_earliest_fold(n, split, transform, window, season, b, &mut out);
            if let Some(select) = &parts.select {
                check_folds_apart(n, split, b, select, &mut out);
            }
        }
    }
    if let Some(model) = &parts.model {
        check_model(model, &mut out);
        super::limits::check_model(model, &mut out);
    }
    if let Some(train) = &parts.train {
        check_train(train, parts.split.as_ref(), &mut out);
        super::limits::check_train(train, &mut out);
    }
    check_panel(parts, &mut out);
    if let Some(select) = &parts.select {
        check_select(
            select,
            parts.backtest.as_ref(),
            parts.split.as_ref(),
            &mut out,
        );
    }
    out
}

/// `select.on` asks for data the experiment has: folds before the test part, or a
/// validation part.
fn check_select(
    select: &SelectSpec,
    backtest: Option<&BacktestSpec>,
    split: Option<&SplitSpec>,
    out: &mut Vec<Problem>,
) {
    match select.on {
        Some(SelectOn::Folds) if backtest.is_some_and(|b| b.folds < 2) => out.push(Problem::new(
            "select.on",
            "`select.on` = \"folds\" ranks on the backtest folds before the test part, but \
             there are none: set `backtest.folds` to 2 or more, or `select.on` to \"validation\" \
             or \"test\"",
        )),
        Some(SelectOn::Validation) if split.is_some_and(|s| !s.has_validation()) => {
            out.push(Problem::new(
                "select.on",
                "`select.on` = \"validation\" ranks on the validation part, but the split has \
                 none: set `split.validation` (e.g. 0.1), or `select.on` to \"folds\" or \"test\"",
            ))
        }
        _ => {}
    }
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

fn non_negative(key: &str, what: &str, value: f64, out: &mut Vec<Problem>) {
    if value < 0.0 {
        out.push(Problem::new(
            key,
            format!("`{key}` is {what} and must be >= 0, found {value}"),
        ));
    }
}

/// Checks the source and returns its number of points when known.
fn check_data(data: &DataSpec, base_dir: &Path, out: &mut Vec<Problem>) -> Option<usize> {
    // Too many points to generate: no length check either (it would cut the series).
    if !super::limits::data_fits(data, out) {
        return None;
    }
    if let Some(points) = data.generated_points() {
        if points == 0 {
            out.push(Problem::new(
                "data.points",
                "`data.points` must be at least 1, found 0",
            ));
        }
    }
    match data {
        DataSpec::Sine(s) => {
            non_negative("data.noise", "a standard deviation", s.noise, out);
        }
        DataSpec::Sines(s) => {
            non_negative("data.noise", "a standard deviation", s.noise, out);
            if s.amplitudes.is_empty() {
                out.push(Problem::new(
                    "data.amplitudes",
                    "`data.amplitudes` must list at least one amplitude, e.g. [1.0, 0.5]",
                ));
            }
            if s.amplitudes.len() != s.periods.len() {
                out.push(Problem::new(
                    "data.periods",
                    format!(
                        "`data.periods` must have one period per amplitude: {} amplitudes, {} periods",
                        s.amplitudes.len(),
                        s.periods.len()
                    ),
                ));
            }
            for (i, p) in s.periods.iter().enumerate().filter(|(_, p)| **p <= 0.0) {
                out.push(Problem::new(
                    "data.periods",
                    format!("`data.periods[{i}]` must be greater than 0 points, found {p}"),
                ));
            }
        }
        DataSpec::TrendSeason(s) => {
            non_negative("data.noise", "a standard deviation", s.noise, out);
            if s.period <= 0.0 {
                out.push(Problem::new(
                    "data.period",
                    format!(
                        "`data.period` must be greater than 0 points, found {}",
                        s.period
                    ),
                ));
            }
        }
        DataSpec::Ar(s) => {
            non_negative("data.noise", "a standard deviation", s.noise, out);
            if s.coefficients.is_empty() {
                out.push(Problem::new(
                    "data.coefficients",
                    "`data.coefficients` must list at least one AR coefficient, e.g. [0.6, -0.2]",
                ));
            }
        }
        DataSpec::RandomWalk(s) => {
            non_negative("data.step", "a standard deviation", s.step, out);
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
                ("data.series_column", c.series_column.as_ref()),
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
            // A panel's lengths are per series: checked when the panel is prepared, where
            // each series too short is handled and counted.
            return c.series_column.is_none().then_some(shape.rows);
        }
    }
    data.generated_points()
}

/// The rules of a panel (`data.series_column`), and the panel-only keys refused on one
/// series. The forecast horizon h is `split.test` (a count: the last h points of every
/// series); the network predicts it in one step (`window.horizon` = h), and honest selection
/// scores the h points before it (`split.validation` = h).
fn check_panel(parts: &Parts, out: &mut Vec<Problem>) {
    let panel = parts
        .data
        .as_ref()
        .is_some_and(|d| d.series_column().is_some());
    let model = parts.model.as_ref();
    let scale = parts.scale.as_ref();
    let select = parts.select.as_ref();
    if !panel {
        if model.is_some_and(|m| !m.scope.is_global()) {
            out.push(Problem::new(
                "model.scope",
                "`model.scope` = \"local\" trains one network per series of a panel, but the \
                 data is one series: set `data.series_column` to read a panel",
            ));
        }
        if scale.is_some_and(|s| !s.window.is_none()) {
            out.push(Problem::new(
                "scale.window",
                "`scale.window` scales the pooled windows of a panel, but the data is one \
                 series: set `data.series_column`, or use `transform.window_normalise`",
            ));
        }
        if select.is_some_and(|s| s.metric == Some(SelectMetric::Owa)) {
            out.push(Problem::new(
                "select.metric",
                "`select.metric` = \"owa\" is relative to Naive2 over the series of a panel, \
                 but the data is one series: use \"rmse\", \"mae\", \"smape\" or \"mase\"",
            ));
        }
        return;
    }
    let h = match parts.split.as_ref().and_then(|s| s.test) {
        Some(Size::Count(h)) if h > 0 => Some(h),
        _ => {
            out.push(Problem::new(
                "split.test",
                "a panel's test part is the last h points of every series: give `split.test` \
                 as a count, e.g. `split.test = 18`",
            ));
            None
        }
    };
    if let (Some(h), Some(split)) = (h, parts.split.as_ref()) {
        let v = match split.validation {
            Size::Count(v) => Some(v),
            Size::Fraction(0.0) => Some(0),
            Size::Fraction(_) => None,
        };
        if v.is_none_or(|v| v != 0 && v != h) {
            out.push(Problem::new(
                "split.validation",
                format!(
                    "a panel's validation part is the {h} points before the test part (what \
                     configurations are chosen on) or nothing: set `split.validation = {h}`"
                ),
            ));
        }
        if parts.window.as_ref().is_some_and(|w| w.horizon != h) {
            out.push(Problem::new(
                "window.horizon",
                format!(
                    "a panel's network forecasts the whole test part at once: set \
                     `window.horizon = {h}` (the length of `split.test`)"
                ),
            ));
        }
    }
    if scale.is_some_and(|s| s.fit_on == FitOn::All) {
        out.push(Problem::new(
            "scale.fit_on",
            "`scale.fit_on` = \"all\" would fit each series' scaler on its test part: a panel \
             fits it on the points before each forecast; remove the key",
        ));
    }
    if parts.backtest.as_ref().is_some_and(|b| b.folds > 1) {
        out.push(Problem::new(
            "backtest.folds",
            "backtests of panels are not supported yet: a panel is scored on the last h \
             points of every series; remove `[backtest]`",
        ));
    }
    if select.is_some_and(|s| matches!(s.metric, Some(SelectMetric::Rmse | SelectMetric::Mae))) {
        out.push(Problem::new(
            "select.metric",
            "a panel's series have different scales, so RMSE and MAE over them mean little: \
             set `select.metric` to \"owa\" (the M4 competition's measure), \"smape\" or \
             \"mase\"",
        ));
    }
}

/// Returns whether the sizes are usable for the length checks. Fraction ranges are checked
/// here; counts need the series' length (see [`check_lengths`]).
fn check_split(s: &SplitSpec, out: &mut Vec<Problem>) -> bool {
    let before = out.len();
    for (key, size) in [
        ("split.train", s.train),
        ("split.validation", Some(s.validation)),
        ("split.test", s.test),
    ] {
        if let Some(Err(e)) = size.map(|size| check_size(key, size)) {
            out.push(Problem::new(e.key, e.message));
        }
    }
    if out.len() > before {
        return false;
    }
    if let (Some(Size::Fraction(train)), Size::Fraction(validation)) = (s.train, s.validation) {
        if validation >= train && validation > 0.0 {
            out.push(Problem::new(
                "split.validation",
                format!(
                    "`split.validation` ({validation}) must be smaller than `split.train` ({train}): \
                     validation is carved from the end of the training part"
                ),
            ));
        }
    }
    if let (Some(Size::Fraction(train)), Some(Size::Fraction(test))) = (s.train, s.test) {
        if (train + test - 1.0).abs() > 1e-9 {
            out.push(Problem::new(
                "split.test",
                format!(
                    "`split.train` ({train}) and `split.test` ({test}) must add up to 1; give only one of them"
                ),
            ));
        }
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

/// Returns whether the backtest's values are usable for the length checks.
fn check_backtest(b: &BacktestSpec, scale: Option<&ScaleSpec>, out: &mut Vec<Problem>) -> bool {
    let before = out.len();
    if b.folds == 0 {
        out.push(Problem::new(
            "backtest.folds",
            "`backtest.folds` must be at least 1 (1 = no backtest), found 0",
        ));
    }
    if b.step == Some(0) {
        out.push(Problem::new(
            "backtest.step",
            "`backtest.step` must be at least 1 point, found 0",
        ));
    }
    // The folds can still be checked for length with a bad `scale.fit_on`.
    let usable = out.len() == before;
    if b.folds > 1 && scale.is_some_and(|s| s.fit_on == FitOn::All) {
        out.push(Problem::new(
            "scale.fit_on",
            "`scale.fit_on` = \"all\" would fit each backtest fold's scaler on its test part too; \
             a backtest fits it on each fold's training part: remove `scale.fit_on` or set it to \"train\"",
        ));
    }
    usable
}

/// The earliest fold of a backtest has the shortest training part: the length checks again,
/// on the points it sees, reported against `backtest.folds`.
fn check_earliest_fold(
    n: usize,
    split: &SplitSpec,
    transform: &TransformSpec,
    w: &WindowSpec,
    season: usize,
    b: &BacktestSpec,
    out: &mut Vec<Problem>,
) {
    if b.folds <= 1 {
        return;
    }
    let cuts = match fold_cuts(n, &split.sizes(), b.params()) {
        Ok(cuts) => cuts,
        Err(e) => {
            out.push(Problem::new(e.key, e.message));
            return;
        }
    };
    let first = cuts[0];
    let fold_split = SplitSpec {
        train: first.sizes.train,
        validation: first.sizes.validation,
        test: first.sizes.test,
    };
    let mut problems = Vec::new();
    check_lengths(first.end, &fold_split, transform, w, &mut problems);
    check_season(first.end, &fold_split, season, &mut problems);
    if let Some(p) = problems.first() {
        out.push(Problem::new(
            "backtest.folds",
            format!(
                "`backtest.folds` = {} leaves the earliest fold the first {} of {n} points, too few: {}",
                b.folds, first.end, p.message
            ),
        ));
    }
}

/// Ranking on the folds before the test part holds the test part out only if their test
/// parts end before it begins: `backtest.step` at least the test part's length.
fn check_folds_apart(
    n: usize,
    split: &SplitSpec,
    b: &BacktestSpec,
    select: &SelectSpec,
    out: &mut Vec<Problem>,
) {
    let on_folds = match select.on {
        Some(on) => on == SelectOn::Folds,
        None => b.folds >= 2,
    };
    let Ok(parts) = cut(n, &split.sizes()) else {
        return;
    };
    let test = parts.test.len();
    if let Some(step) = b
        .step
        .filter(|&step| on_folds && b.folds >= 2 && step < test)
    {
        out.push(Problem::new(
            "backtest.step",
            format!(
                "`backtest.step` = {step} is shorter than the test part ({test} points): the \
                 folds before the last would test on points of the test part, which the choice \
                 of configuration (`select.on` = \"folds\") must not see; set `backtest.step` to \
                 {test} or more, or `select.on` to \"validation\" or \"test\""
            ),
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

/// How the training part's length came about, for messages: `floor(20 * 0.8)`.
fn train_origin(n: usize, split: &SplitSpec, s: &Split) -> String {
    let base = match (split.train, split.test) {
        (Some(Size::Fraction(f)), _) => format!("floor({n} * {f})"),
        (Some(Size::Count(c)), _) => format!("`split.train` = {c}"),
        (None, Some(_)) => format!("{n} points minus {} for test", s.test.len()),
        (None, None) => String::new(),
    };
    if s.validation.is_empty() {
        base
    } else {
        format!("{base} minus {} for validation", s.validation.len())
    }
}

/// Every span must hold at least one window of `lookback + horizon` points; differencing
/// takes its `difference + seasonal_difference` points from the start of the training part.
fn check_lengths(
    n: usize,
    split: &SplitSpec,
    transform: &TransformSpec,
    w: &WindowSpec,
    out: &mut Vec<Problem>,
) {
    let s = match cut(n, &split.sizes()) {
        Ok(s) => s,
        Err(e) => {
            out.push(Problem::new(e.key, e.message));
            return;
        }
    };
    let lost = transform.difference + transform.seasonal_difference;
    let needed = w.lookback + w.horizon;
    let window = format!(
        "a window needs `window.lookback` + `window.horizon` = {} + {} = {needed} points",
        w.lookback, w.horizon
    );
    let train_len = s.train.len();
    let usable = train_len.saturating_sub(lost);
    if usable < needed {
        let differencing = if lost > 0 {
            format!(
                ", of which differencing (`transform.difference` + `transform.seasonal_difference`) \
                 uses the first {lost}"
            )
        } else {
            String::new()
        };
        out.push(Problem::new(
            "window.lookback",
            format!(
                "`window.lookback` = {} is too long for the training part: {window}, but training has \
                 {train_len} ({}){differencing}",
                w.lookback,
                train_origin(n, split, &s),
            ),
        ));
    }
    // With `lookback_from = "history"` the validation and test parts need only hold the
    // targets; their windows read the lookback from before them.
    let history = w.lookback_from == LookbackFrom::History;
    let part_needs = if history { w.horizon } else { needed };
    let part_window = if history {
        format!(
            "a window needs `window.horizon` = {} points of its own part",
            w.horizon
        )
    } else {
        window.clone()
    };
    if split.has_validation() && s.validation.len() < part_needs {
        out.push(Problem::new(
            "split.validation",
            format!(
                "`split.validation` = {} gives {} validation points, but {part_window}",
                split.validation,
                s.validation.len(),
            ),
        ));
    }
    if history && s.test.len() < part_needs {
        out.push(Problem::new(
            "window.horizon",
            format!(
                "`window.horizon` = {} is longer than the test part, which has {} points",
                w.horizon,
                s.test.len(),
            ),
        ));
    } else if !history && s.test.len() < needed {
        out.push(Problem::new(
            "window.lookback",
            format!(
                "`window.lookback` = {} leaves no test window: {window}, but the test part has {} \
                 (the last {} of {n} points)",
                w.lookback,
                s.test.len(),
                s.test.len(),
            ),
        ));
    }
}

/// The seasonal baselines look one season back from inside the training part.
fn check_season(n: usize, split: &SplitSpec, season: usize, out: &mut Vec<Problem>) {
    // An invalid split is reported by check_lengths.
    let Ok(parts) = cut(n, &split.sizes()) else {
        return;
    };
    let train = parts.train.len();
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
        if split.is_some_and(|s| !s.has_validation()) {
            out.push(Problem::new(
                "train.early_stopping",
                "`train.early_stopping` watches the validation loss, but `split.validation` is 0; \
                 set a validation fraction such as split.validation = 0.1",
            ));
        }
    }
}
