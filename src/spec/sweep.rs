//! `[sweep]`: every leaf is a list of candidate values for the key at the same path; the grid
//! is their product. Each grid point is written into the file's TOML tree and then checked
//! exactly like a plain file, so every run is type-checked and validated the same way.
//!
//! Grid order is stable: axes sorted by key with `seed` last (it varies fastest, so the seeds
//! of one configuration are neighbours), candidates in the order written. It depends neither
//! on the order of keys in the file nor on the machine.

use std::path::Path;

use toml::{Table, Value};

use super::error::{Origin, Problem, SpecError};
use super::locate::join;
use super::overrides::parse_value;
use super::schema::{all_paths, describe};
use super::suggest::closest;
use super::types::Experiment;
use super::{check_tree, read_tree, Context};

/// The most runs a `[sweep]` may expand to. Every run of a grid is resolved and checked
/// when the file is loaded (about 15 µs and 1.4 kB each), so a grid is held whole in memory;
/// past this it is refused before anything is expanded. `run` asks for `--yes` well below
/// it (see `pipeline::budget`).
pub const MAX_GRID: usize = 100_000;

/// One swept key and its candidate values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Dotted path in the experiment (`window.lookback`, `seed`).
    pub key: String,
    pub values: Vec<Value>,
}

/// One fully resolved run of the grid.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Position in the grid (0-based, stable: see the module doc).
    pub position: usize,
    pub experiment: Experiment,
    /// Hash of the resolved configuration: independent of key order and of the sweep's order.
    pub run_id: String,
    /// The swept values, readable: `lookback=10 units=50x50 lr=0.003 seed=2`.
    pub label: String,
    /// The label without the seed: one configuration across its seeds.
    pub config: String,
    /// The swept keys other than `seed`, with their values in this run.
    pub params: Vec<(String, Value)>,
}

impl RunSpec {
    /// The run as a person names it: its label, or the experiment's name when nothing is
    /// swept.
    pub fn display_label(&self) -> String {
        if self.label.is_empty() {
            self.experiment.name.clone()
        } else {
            self.label.clone()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Sweep {
    pub axes: Vec<Axis>,
    pub runs: Vec<RunSpec>,
    /// The file's own values without `[sweep]` (after `--set`), resolved: what `validate`
    /// shows as the file. `None` when they do not make an experiment of their own (a key
    /// only the sweep gives, a base value only the sweep makes valid).
    pub base: Option<Experiment>,
}

impl Sweep {
    /// Identity of the whole grid: a hash of its sorted run ids (12 hex digits, see
    /// [`super::identity::experiment_hash`]). A baseline recorded for another grid or other
    /// settings carries another hash.
    pub fn hash(&self) -> String {
        super::identity::experiment_hash(self.runs.iter().map(|r| r.run_id.as_str()))
    }

    /// Number of distinct data stages (source, split, scale, window) among the runs.
    pub fn dataset_count(&self) -> usize {
        let mut hashes: Vec<String> = self.runs.iter().map(|r| r.experiment.data_hash()).collect();
        hashes.sort();
        hashes.dedup();
        hashes.len()
    }
}

/// Reads the file, applies `--set` (before expansion, so `--set sweep.window.lookback=[5,10]`
/// replaces an axis), expands the grid and checks every run.
pub fn load_sweep(path: &Path, sets: &[String]) -> Result<Sweep, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_sweep_str(&text, path, sets)
}

/// [`load_sweep`] on text already read.
pub fn parse_sweep_str(text: &str, path: &Path, sets: &[String]) -> Result<Sweep, SpecError> {
    let (mut root, ctx) = read_tree(text, path, sets)?;
    let axes = match root.remove("sweep") {
        None => Vec::new(),
        Some(Value::Table(table)) => axes(&table, &ctx).map_err(|p| ctx.invalid(p))?,
        Some(other) => {
            let problem = Problem {
                key: "sweep".into(),
                message: format!(
                    "`sweep` must be a table of candidate lists, e.g. [sweep] seed = [1, 2, 3]; found {}",
                    describe(&other)
                ),
                origin: locate(&ctx, ""),
            };
            return Err(ctx.invalid(vec![problem]));
        }
    };
    // One sweep is one choice: its runs are ranked together under one protocol.
    if let Some(axis) = axes.iter().find(|a| a.key.starts_with("select.")) {
        let problem = Problem {
            key: format!("sweep.{}", axis.key),
            message: format!(
                "`{}` cannot be swept: `[select]` decides how the sweep's runs are ranked \
                 together, one way per sweep; run the file once per choice with `--set {}=...`",
                axis.key, axis.key
            ),
            origin: locate(&ctx, &axis.key),
        };
        return Err(ctx.invalid(vec![problem]));
    }
    let swept: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
    // Every run takes its value of a swept key from the axis: a plain `--set` of that key
    // would be overwritten in every run, silently.
    let shadowed: Vec<Problem> = ctx
        .set_by
        .iter()
        .filter_map(|(key, arg)| {
            let axis = axes
                .iter()
                .find(|a| *key == a.key || key.starts_with(&format!("{}.", a.key)))?;
            // As TOML, so a bare word (`model.cell=gru`) is suggested as `["gru"]`.
            let value = arg
                .split_once('=')
                .map_or_else(String::new, |(_, v)| toml_inline(&parse_value(v.trim())));
            let candidates: Vec<String> = axis.values.iter().map(toml_inline).collect();
            Some(Problem {
                key: key.clone(),
                message: format!(
                    "`{key}` is swept by [sweep] ({} = [{}]), so every run would replace this \
                     value; to change the axis, give its candidates: --set sweep.{}=[{}]",
                    axis.key,
                    candidates.join(", "),
                    axis.key,
                    if *key == axis.key {
                        value.as_str()
                    } else {
                        "..."
                    }
                ),
                origin: Origin::Set { arg: arg.clone() },
            })
        })
        .collect();
    if !shadowed.is_empty() {
        return Err(ctx.invalid(shadowed));
    }
    // Counted before anything is expanded: a grid too large to hold is refused, never
    // allocated (a product that overflows is too large too).
    let size = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()));
    if size.is_none_or(|n| n > MAX_GRID) {
        let factors: Vec<String> = axes
            .iter()
            .map(|a| format!("{} {}", a.values.len(), a.key))
            .collect();
        let runs = size.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
        let problem = Problem {
            key: "sweep".into(),
            message: format!(
                "`sweep` expands to {runs} runs ({}), more than the {MAX_GRID} runner expands; \
                 split the grid over several experiment files",
                factors.join(" x ")
            ),
            origin: locate(&ctx, ""),
        };
        return Err(ctx.invalid(vec![problem]));
    }

    let mut runs = Vec::new();
    // Each problem once, with the number of runs it was found in: a bad candidate is one
    // mistake however many runs of the grid contain it.
    let mut problems: Vec<(Problem, usize, String)> = Vec::new();
    for (position, point) in grid(&axes).into_iter().enumerate() {
        let mut tree = root.clone();
        for (axis, value) in axes.iter().zip(&point) {
            set_path(&mut tree, &axis.key, value.clone());
        }
        let names = labels(&axes, &point);
        match check_tree(&tree, &ctx, &swept) {
            Ok(experiment) => runs.push(RunSpec {
                position,
                run_id: experiment.canonical_hash(),
                experiment,
                label: names.label,
                config: names.config,
                params: axes
                    .iter()
                    .zip(&point)
                    .filter(|(a, _)| a.key != "seed")
                    .map(|(a, v)| (a.key.clone(), v.clone()))
                    .collect(),
            }),
            Err(found) => {
                for mut p in found {
                    if let Some(i) = swept.iter().position(|k| *k == p.key) {
                        p.message = format!(
                            "sweep candidate `{} = {}`: {}",
                            axes[i].key,
                            toml_inline(&point[i]),
                            p.message
                        );
                    }
                    match problems
                        .iter_mut()
                        .find(|(q, _, _)| q.key == p.key && q.message == p.message)
                    {
                        Some((_, n, _)) => *n += 1,
                        None => problems.push((p, 1, names.label.clone())),
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        let total = size.unwrap_or(0);
        let problems = problems
            .into_iter()
            .map(|(mut p, n, first)| {
                if let Some(axis) = axes.iter().find(|a| a.key == p.key) {
                    // Fewer runs than hold the candidate: it fails with some of the other
                    // axes' values only, so one such run is named.
                    let with_candidate = total / axis.values.len().max(1);
                    let example = if n < with_candidate {
                        format!(", e.g. `{first}`")
                    } else {
                        String::new()
                    };
                    p.message
                        .push_str(&format!(" ({n} of {total} runs of the grid{example})"));
                }
                p
            })
            .collect();
        return Err(ctx.invalid(problems));
    }
    // The default protocol follows the backtest and the split: a sweep over them could rank
    // its runs on different data, which no single ranking can compare.
    if let Some(other) = runs
        .iter()
        .find(|r| r.experiment.select != runs[0].experiment.select)
    {
        let on = |r: &RunSpec| r.experiment.select.on().as_str();
        return Err(ctx.invalid(vec![Problem::new(
            "select.on",
            format!(
                "`select.on` resolves to \"{}\" for {} but \"{}\" for {}: the sweep changes \
                 the backtest or the validation part, so set `select.on` to one protocol for all \
                 its runs (\"test\" always exists)",
                on(&runs[0]),
                runs[0].display_label(),
                on(other),
                other.display_label()
            ),
        )]));
    }
    let mut ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(ctx.invalid(vec![Problem::new(
            "sweep",
            "`sweep` lists a candidate twice: two runs of the grid have the same configuration",
        )]));
    }
    let base = check_tree(&root, &ctx, &[]).ok();
    Ok(Sweep { axes, runs, base })
}

/// The leaves of the `[sweep]` table, sorted by key with `seed` last.
fn axes(table: &Table, ctx: &Context) -> Result<Vec<Axis>, Vec<Problem>> {
    let valid = all_paths();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut pending: Vec<(String, &Value)> = table.iter().map(|(k, v)| (k.clone(), v)).collect();
    while let Some((key, value)) = pending.pop() {
        let problem = |message: String| Problem {
            origin: locate(ctx, &key),
            key: format!("sweep.{key}"),
            message,
        };
        match value {
            // A table whose path is a section (`window`) holds more axes; a table that is a
            // value of its own (`train.early_stopping`) must itself be listed as candidates.
            Value::Table(inner) if !valid.contains(&key) || is_section(&key) => {
                if !valid.contains(&key) {
                    problems.push(unknown(&key, &valid, ctx));
                    continue;
                }
                pending.extend(inner.iter().map(|(k, v)| (join(&key, k), v)));
            }
            _ if !valid.contains(&key) => problems.push(unknown(&key, &valid, ctx)),
            Value::Array(values) if values.is_empty() => {
                problems.push(problem(format!("`sweep.{key}` lists no candidates")))
            }
            Value::Array(values) => out.push(Axis {
                key,
                values: values.clone(),
            }),
            other => problems.push(problem(format!(
                "`sweep.{key}` must be a list of candidate values, e.g. [{}], found {}",
                toml_inline(other),
                describe(other)
            ))),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    out.sort_by(|a, b| (a.key == "seed", &a.key).cmp(&(b.key == "seed", &b.key)));
    Ok(out)
}

const SECTIONS: [&str; 10] = [
    "data",
    "split",
    "transform",
    "scale",
    "window",
    "model",
    "train",
    "backtest",
    "select",
    "sweep",
];

fn is_section(key: &str) -> bool {
    SECTIONS.contains(&key)
}

fn unknown(key: &str, valid: &[String], ctx: &Context) -> Problem {
    let mut message = format!("unknown key `sweep.{key}`: `{key}` is not a key of the experiment");
    if let Some(near) = closest(key, valid.iter().map(String::as_str)) {
        message.push_str(&format!("; did you mean `sweep.{near}`?"));
    }
    Problem {
        key: format!("sweep.{key}"),
        message,
        origin: locate(ctx, key),
    }
}

fn locate(ctx: &Context, key: &str) -> Origin {
    let path = if key.is_empty() {
        "sweep".to_string()
    } else {
        join("sweep", key)
    };
    match ctx.location(&path) {
        Some((line, column)) => Origin::File { line, column },
        None => Origin::Unwritten,
    }
}

fn toml_inline(v: &Value) -> String {
    v.to_string()
}

/// The cartesian product of the candidates, the last axis varying fastest.
fn grid(axes: &[Axis]) -> Vec<Vec<Value>> {
    let mut points: Vec<Vec<Value>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(v.clone());
                    q
                })
            })
            .collect();
    }
    points
}

fn set_path(root: &mut Table, key: &str, value: Value) {
    let mut table = root;
    let mut segments: Vec<&str> = key.split('.').collect();
    let last = segments.pop().expect("a key has a segment");
    for s in segments {
        let entry = table
            .entry(s.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        table = entry.as_table_mut().expect("made a table above");
    }
    table.insert(last.to_string(), value);
}

struct Names {
    label: String,
    config: String,
}

fn labels(axes: &[Axis], point: &[Value]) -> Names {
    let short = |key: &str| -> String {
        let last = key.rsplit('.').next().unwrap_or(key);
        // Two axes with the same last segment (data.noise, ...) keep their full path.
        let clash = axes
            .iter()
            .filter(|a| a.key.rsplit('.').next() == Some(last))
            .count()
            > 1;
        match (clash, last) {
            (true, _) => key.to_string(),
            (false, "learning_rate") => "lr".to_string(),
            (false, other) => other.to_string(),
        }
    };
    let part = |a: &Axis, v: &Value| format!("{}={}", short(&a.key), value_text(v));
    let config: Vec<String> = axes
        .iter()
        .zip(point)
        .filter(|(a, _)| a.key != "seed")
        .map(|(a, v)| part(a, v))
        .collect();
    let all: Vec<String> = axes.iter().zip(point).map(|(a, v)| part(a, v)).collect();
    Names {
        label: all.join(" "),
        config: config.join(" "),
    }
}

/// A candidate as it reads in a label or a table cell: `10`, `0.003`, `adam`, `50x50`.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join("x"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name = "g"
[data]
kind = "sine"
points = 200
[window]
lookback = 5
[train]
epochs = 2
"#;

    fn sweep(extra: &str, sets: &[&str]) -> Result<Sweep, SpecError> {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        parse_sweep_str(&format!("{BASE}{extra}"), Path::new("g.toml"), &sets)
    }

    fn message(e: SpecError) -> String {
        e.to_string()
    }

    #[test]
    fn no_sweep_is_one_run_with_an_empty_label() {
        let s = sweep("", &[]).unwrap();
        assert_eq!(s.runs.len(), 1);
        assert_eq!(s.runs[0].label, "");
        assert!(s.axes.is_empty());
    }

    #[test]
    fn grid_is_the_product_in_stable_order_with_seed_last() {
        let s = sweep(
            "[sweep]\nseed = [1, 2]\nwindow.lookback = [3, 4]\nmodel.units = [[4], [4, 4]]\n",
            &[],
        )
        .unwrap();
        assert_eq!(s.runs.len(), 8);
        let labels: Vec<&str> = s.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels[0], "units=4 lookback=3 seed=1");
        assert_eq!(labels[1], "units=4 lookback=3 seed=2");
        assert_eq!(labels[7], "units=4x4 lookback=4 seed=2");
        assert_eq!(s.runs[1].config, "units=4 lookback=3");
        assert_eq!(s.runs[7].experiment.model.units, vec![4, 4]);
        assert_eq!(s.runs[7].experiment.window.lookback, 4);
        assert_eq!(s.runs[7].experiment.seed, 2);
        // One dataset per lookback: units and seed do not touch the data stages.
        assert_eq!(s.dataset_count(), 2);
        assert_eq!(
            s.runs[3].params[0],
            (
                "model.units".to_string(),
                Value::Array(vec![Value::Integer(4)])
            )
        );
    }

    #[test]
    fn run_ids_ignore_key_order_and_sweep_order() {
        let a = sweep("[sweep]\nseed = [1, 2]\nwindow.lookback = [3, 4]\n", &[]).unwrap();
        let b = sweep("[sweep]\nwindow.lookback = [4, 3]\nseed = [2, 1]\n", &[]).unwrap();
        let mut ids_a: Vec<&str> = a.runs.iter().map(|r| r.run_id.as_str()).collect();
        let mut ids_b: Vec<&str> = b.runs.iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!(a.runs[0].run_id, b.runs[3].run_id, "lookback 3 seed 1");
        ids_a.sort();
        ids_b.sort();
        assert_eq!(ids_a, ids_b);
        // A run equal to the plain file's configuration has the plain file's id.
        let plain = sweep("", &["seed=1", "window.lookback=3"]).unwrap();
        assert_eq!(plain.runs[0].run_id, a.runs[0].run_id);
    }

    #[test]
    fn unknown_sweep_key_suggests_the_right_one() {
        let e = message(sweep("[sweep]\nwindow.lokback = [3, 4]\n", &[]).unwrap_err());
        assert!(e.contains("sweep.window.lokback"), "{e}");
        assert!(e.contains("did you mean `sweep.window.lookback`"), "{e}");
    }

    #[test]
    fn a_bad_candidate_names_the_path_the_candidate_and_the_reason() {
        let e = message(sweep("[sweep]\nwindow.lookback = [3, 500]\n", &[]).unwrap_err());
        assert!(
            e.contains(
                "sweep candidate `window.lookback = 500`: `window.lookback` = 500 is too long"
            ),
            "{e}"
        );
        assert!(e.contains("(1 of 2 runs of the grid)"), "{e}");
        // One mistake, one line, however many seeds repeat it; a candidate that fails only
        // beside some values of another axis names one such run.
        let e = message(
            sweep(
                "[sweep]\nwindow.lookback = [3, 150]\ndata.points = [200, 1000]\nseed = [1, 2, 3]\n",
                &[],
            )
            .unwrap_err(),
        );
        assert_eq!(e.matches("sweep candidate").count(), 1, "{e}");
        assert!(
            e.contains("sweep candidate `window.lookback = 150`")
                && e.contains("(3 of 12 runs of the grid, e.g. `points=200 lookback=150 seed=1`)"),
            "{e}"
        );
        let e =
            message(sweep("[sweep]\ntrain.learning_rate = [0.1, \"fast\"]\n", &[]).unwrap_err());
        assert!(
            e.contains("train.learning_rate") && e.contains("fast"),
            "{e}"
        );
    }

    #[test]
    fn a_leaf_must_be_a_list() {
        let e = message(sweep("[sweep]\nwindow.lookback = 3\n", &[]).unwrap_err());
        assert!(e.contains("must be a list of candidate values"), "{e}");
        let e = message(sweep("[sweep]\nwindow.lookback = []\n", &[]).unwrap_err());
        assert!(e.contains("no candidates"), "{e}");
    }

    #[test]
    fn set_applies_before_expansion_and_can_replace_an_axis() {
        let s = sweep(
            "[sweep]\nwindow.lookback = [3, 4, 5]\n",
            &["sweep.window.lookback=[6, 7]", "train.epochs=4"],
        )
        .unwrap();
        assert_eq!(s.runs.len(), 2);
        assert_eq!(s.runs[1].experiment.window.lookback, 7);
        assert!(s.runs.iter().all(|r| r.experiment.train.epochs == 4));
    }

    #[test]
    fn set_on_a_swept_key_suggests_the_axis_as_toml() {
        let e = message(
            sweep(
                "[sweep]\nmodel.cell = [\"lstm\", \"gru\"]\n",
                &["model.cell=gru"],
            )
            .unwrap_err(),
        );
        assert!(
            e.contains("to change the axis, give its candidates: --set sweep.model.cell=[\"gru\"]"),
            "{e}"
        );
        // The suggestion works as written.
        let s = sweep(
            "[sweep]\nmodel.cell = [\"lstm\", \"gru\"]\n",
            &["sweep.model.cell=[\"gru\"]"],
        )
        .unwrap();
        assert_eq!(s.runs.len(), 1);
    }

    #[test]
    fn duplicate_candidates_are_an_error() {
        let e = message(sweep("[sweep]\nseed = [1, 1]\n", &[]).unwrap_err());
        assert!(e.contains("twice"), "{e}");
    }

    #[test]
    fn booleans_are_swept() {
        let s = sweep(
            "[sweep]\nmodel.linear_skip = [false, true]\nseed = [1, 2]\n",
            &[],
        )
        .unwrap();
        assert_eq!(s.runs.len(), 4);
        let labels: Vec<&str> = s.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "linear_skip=false seed=1",
                "linear_skip=false seed=2",
                "linear_skip=true seed=1",
                "linear_skip=true seed=2"
            ]
        );
        let skips: Vec<bool> = s
            .runs
            .iter()
            .map(|r| r.experiment.model.linear_skip)
            .collect();
        assert_eq!(skips, [false, false, true, true]);
        assert_eq!(
            s.runs[2].params,
            [("model.linear_skip".to_string(), Value::Boolean(true))]
        );
        // the skip does not touch the data stages; it is a run of its own
        assert_eq!(s.dataset_count(), 1);
        assert_ne!(s.runs[0].run_id, s.runs[2].run_id);
        // `false` is the plain file's run; the table form of [sweep] expands the same
        let plain = sweep("", &["seed=1"]).unwrap();
        assert_eq!(plain.runs[0].run_id, s.runs[0].run_id);
        let table = sweep("[sweep.model]\nlinear_skip = [false, true]\n", &[]).unwrap();
        assert_eq!(table.runs.len(), 2);
        assert!(table.runs[1].experiment.model.linear_skip);
        // a candidate that is not a boolean is named with its run
        let e = message(sweep("[sweep]\nmodel.linear_skip = [false, \"yes\"]\n", &[]).unwrap_err());
        assert!(
            e.contains("`model.linear_skip` must be true or false, found string \"yes\""),
            "{e}"
        );
        assert!(
            e.contains("sweep candidate `model.linear_skip = \"yes\"`: "),
            "{e}"
        );
    }

    #[test]
    fn learning_rate_reads_lr_and_units_read_with_x() {
        let s = sweep(
            "[sweep]\ntrain.learning_rate = [0.001]\nmodel.units = [[50, 50]]\n",
            &[],
        )
        .unwrap();
        assert_eq!(s.runs[0].label, "units=50x50 lr=0.001");
    }
}
