//! What the user writes: the experiment file, parsed into typed structs with every
//! default resolved, `--set` overrides applied, and every problem reported at once.
//!
//! Loading goes: text -> TOML tree (syntax errors with line, column and the line) ->
//! `--set` overrides -> shape check against `schema` (unknown keys with a did-you-mean,
//! wrong types, bad choices, missing keys) -> serde, section by section -> semantic
//! checks (`validate`) -> [`Experiment`].

mod contents;
mod data_spec;
mod error;
pub mod identity;
pub mod limits;
mod locate;
mod overrides;
mod schema;
mod suggest;
pub mod sweep;
mod types;
mod validate;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::{Table, Value};

pub use contents::{bytes_digest, file_digest};
pub use error::{Origin, Problem, SpecError};
pub use suggest::closest;
pub use sweep::{load_sweep, Axis, RunSpec, Sweep};
pub use types::{
    ArSpec, Cell, CsvSpec, DataSpec, EarlyStopping, Experiment, Loss, ModelSpec, Optimizer,
    RandomWalkSpec, ReduceLr, ScaleSpec, Scope, SelectMetric, SelectOn, SelectSpec, SineSpec,
    SinesSpec, SplitSpec, TrainSpec, TransformSpec, TrendSeasonSpec, WindowScale, WindowSpec,
};

use contents::Digests;
use locate::Locations;
use overrides::Override;
use validate::Parts;

/// Read and check the experiment file at `path`, with `--set key=value` overrides
/// applied in order. A missing `name` defaults to the file's stem.
pub fn load(path: &Path, sets: &[String]) -> Result<Experiment, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text, path, sets)
}

/// [`load`] on text already read; `path` names the file in messages, gives the default
/// name and the folder that a CSV path is relative to. A `[sweep]` table is set aside: this
/// is the file's base configuration (see [`sweep::parse_sweep_str`] for the runs).
pub fn parse_str(text: &str, path: &Path, sets: &[String]) -> Result<Experiment, SpecError> {
    let (mut root, ctx) = read_tree(text, path, sets)?;
    root.remove("sweep");
    check_tree(&root, &ctx, &[]).map_err(|problems| ctx.invalid(problems))
}

/// What the checks need to know about where the tree came from.
pub(crate) struct Context {
    path: PathBuf,
    locations: Locations,
    /// (key, argument) of each applied `--set`.
    set_by: Vec<(String, String)>,
    /// `--set` arguments that could not be applied.
    set_problems: Vec<Problem>,
    /// The data files' contents, hashed once per file however many runs read them.
    digests: Digests,
}

impl Context {
    pub(crate) fn invalid(&self, mut problems: Vec<Problem>) -> SpecError {
        problems.sort_by_key(|p| match &p.origin {
            Origin::File { line, column } => (0, *line, *column),
            Origin::Set { .. } => (1, 0, 0),
            Origin::Unwritten => (2, 0, 0),
        });
        SpecError::Invalid {
            path: self.path.clone(),
            problems,
        }
    }

    pub(crate) fn location(&self, key: &str) -> Option<(usize, usize)> {
        self.locations.get(key)
    }
}

/// Text -> TOML tree with the `--set` overrides applied and the default name filled in.
pub(crate) fn read_tree(
    text: &str,
    path: &Path,
    sets: &[String],
) -> Result<(Table, Context), SpecError> {
    let mut root: Table = toml::from_str(text).map_err(|e| syntax_error(text, path, &e))?;
    let mut ctx = Context {
        path: path.to_path_buf(),
        locations: Locations::of(text),
        set_by: Vec::new(),
        set_problems: Vec::new(),
        digests: Digests::default(),
    };
    for arg in sets {
        match Override::parse(arg).and_then(|o| o.apply(&mut root).map(|()| o)) {
            Ok(o) => ctx.set_by.push((o.key(), o.arg)),
            Err(p) => ctx.set_problems.push(p),
        }
    }
    if !root.contains_key("name") {
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            root.insert("name".into(), Value::String(stem.to_string()));
        }
    }
    Ok((root, ctx))
}

/// Shape, types and semantics of a tree without `[sweep]`: the experiment, or every problem.
/// Problems about a key in `swept` are located at its `[sweep]` entry.
pub(crate) fn check_tree(
    root: &Table,
    ctx: &Context,
    swept: &[String],
) -> Result<Experiment, Vec<Problem>> {
    let mut problems = ctx.set_problems.clone();
    let shape = schema::check(root);
    let parts = deserialize_parts(root, &shape, &mut problems);
    let base_dir = base_dir(&ctx.path);
    let mut found = shape.problems;
    found.extend(validate::check(&parts, &base_dir));
    for mut p in found {
        p.origin = if swept.contains(&p.key) {
            sweep_origin(&p.key, ctx)
        } else {
            origin(&p.key, &ctx.set_by, &ctx.locations)
        };
        problems.push(p);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut experiment = assemble(parts, base_dir);
    // The file's contents are part of the identity (see `identity`); it exists and was
    // readable a moment ago (validate inspected it), but may not be now.
    if let Some(path) = experiment.csv_path() {
        let DataSpec::Csv(csv) = &mut experiment.data else {
            unreachable!("a CSV path comes from a CSV source")
        };
        match ctx.digests.of(&path) {
            Ok(digest) => csv.contents = Some(digest),
            Err(message) => {
                let origin = if swept.iter().any(|k| k == "data.path") {
                    sweep_origin("data.path", ctx)
                } else {
                    origin("data.path", &ctx.set_by, &ctx.locations)
                };
                return Err(vec![Problem {
                    key: "data.path".into(),
                    message: format!("`data.path`: {message}"),
                    origin,
                }]);
            }
        }
    }
    Ok(experiment)
}

fn sweep_origin(key: &str, ctx: &Context) -> Origin {
    origin(&format!("sweep.{key}"), &ctx.set_by, &ctx.locations)
}

fn syntax_error(text: &str, path: &Path, e: &toml::de::Error) -> SpecError {
    let position = e.span().map(|span| locate::line_column(text, span.start));
    SpecError::Syntax {
        path: path.to_path_buf(),
        position,
        message: e.message().trim().replace('\n', "; "),
        source_line: position.and_then(|(line, _)| locate::line_text(text, line)),
    }
}

fn base_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Where `key` (or, failing that, its nearest written ancestor) came from. A `--set`
/// wins over the file because it was applied last.
fn origin(key: &str, set_by: &[(String, String)], locations: &Locations) -> Origin {
    let mut at = key;
    loop {
        if let Some((_, arg)) = set_by.iter().rev().find(|(k, _)| k == at) {
            return Origin::Set { arg: arg.clone() };
        }
        if let Some((line, column)) = locations.get(at) {
            return Origin::File { line, column };
        }
        match at.rsplit_once('.') {
            Some((parent, _)) => at = parent,
            None => return Origin::Unwritten,
        }
    }
}

/// Deserialize every top-level section whose only shape problems (if any) are unknown
/// keys, with those keys dropped; the other sections stay `None`.
fn deserialize_parts(root: &Table, shape: &schema::Found, problems: &mut Vec<Problem>) -> Parts {
    let under = |p: &str, key: &str| p == key || p.starts_with(&format!("{key}."));
    let clean = |key: &str| {
        !shape
            .problems
            .iter()
            .any(|p| under(&p.key, key) && !shape.unknown.contains(&p.key))
    };
    let mut root = root.clone();
    for path in &shape.unknown {
        remove_path(&mut root, path);
    }
    let root = &root;
    let mut parts = Parts {
        // The lengths depend on these sections: a typo in one of them would make
        // the checks run on a default the user did not mean.
        lengths_checkable: ["data", "split", "transform", "window", "backtest"]
            .iter()
            .all(|k| !shape.problems.iter().any(|p| under(&p.key, k))),
        ..Parts::default()
    };

    // The top-level scalars go through one struct so that their serde defaults apply.
    #[derive(serde::Deserialize)]
    struct Header {
        name: String,
        #[serde(default)]
        description: String,
        #[serde(default = "types::default_seed")]
        seed: u64,
    }
    let scalars = ["name", "description", "seed"];
    if scalars.iter().all(|k| clean(k)) {
        let header: Table = root
            .iter()
            .filter(|(k, _)| scalars.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(h) = typed::<Header>("name", Some(Value::Table(header)), problems) {
            parts.name = Some(h.name);
            parts.description = Some(h.description);
            parts.seed = Some(h.seed);
        }
    }

    let section = |key: &str| -> Option<Value> {
        clean(key).then(|| {
            root.get(key)
                .cloned()
                .unwrap_or_else(|| Value::Table(Table::new()))
        })
    };
    parts.data = typed("data", section("data"), problems);
    parts.split = typed("split", section("split"), problems);
    parts.transform = typed("transform", section("transform"), problems);
    parts.scale = typed("scale", section("scale"), problems);
    parts.window = typed("window", section("window"), problems);
    parts.model = typed("model", section("model"), problems);
    parts.train = typed("train", section("train"), problems);
    parts.backtest = typed("backtest", section("backtest"), problems);
    parts.select = typed("select", section("select"), problems);
    parts
}

fn remove_path(root: &mut Table, path: &str) {
    let mut table = root;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            table.remove(segment);
            return;
        }
        match table.get_mut(segment) {
            Some(Value::Table(inner)) => table = inner,
            _ => return,
        }
    }
}

fn typed<T: DeserializeOwned>(
    key: &str,
    value: Option<Value>,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match value?.try_into() {
        Ok(v) => Some(v),
        // The schema accepted what serde rejects: report it rather than panic.
        Err(e) => {
            problems.push(Problem::new(key, format!("`{key}`: {}", e.message())));
            None
        }
    }
}

/// Build the experiment once every part deserialized and no problem was found.
fn assemble(parts: Parts, base_dir: PathBuf) -> Experiment {
    // A part is `None` only when a problem was recorded for it, and there were none.
    let missing = "a part without problems deserialized";
    let select = parts.select.expect(missing).resolved(
        parts.backtest.as_ref().expect(missing),
        parts.split.as_ref().expect(missing),
        parts
            .data
            .as_ref()
            .is_some_and(|d| d.series_column().is_some()),
    );
    Experiment {
        name: parts.name.expect(missing),
        description: parts.description.expect(missing),
        seed: parts.seed.expect(missing),
        data: parts.data.expect(missing),
        split: parts.split.expect(missing),
        transform: parts.transform.expect(missing),
        scale: parts.scale.expect(missing),
        window: parts.window.expect(missing),
        model: parts.model.expect(missing),
        train: parts.train.expect(missing),
        backtest: parts.backtest.expect(missing),
        select,
        base_dir,
    }
}

#[cfg(test)]
mod tests;
