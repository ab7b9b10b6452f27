//! The shape of the experiment file, checked on the raw TOML tree before serde sees
//! it, so that EVERY unknown key, wrong type, bad choice and missing key is reported at
//! once with its dotted path (serde stops at the first). The structs in `types` are the
//! other half; `tests::schema_matches_the_structs` keeps the two in step.

use toml::{Table, Value};

use super::error::Problem;
use super::locate::join;
use super::suggest::closest;

/// The expected type of a value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    UInt,
    /// Integer or float, finite.
    Float,
    Str,
    Bool,
    /// A string, one of these.
    Choice(&'static [&'static str]),
    /// An array of non-negative integers (emptiness is a semantic check).
    UIntList,
    /// An array of exactly two finite numbers.
    FloatPair,
    /// An array of finite numbers (emptiness is a semantic check).
    FloatList,
    /// A part's size: a non-negative integer (points) or a finite float (fraction).
    Size,
    Table(&'static [Field]),
    /// A table whose keys depend on its `kind` (the variants' field lists include `kind`).
    Tagged(&'static [(&'static str, &'static [Field])]),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub key: &'static str,
    pub ty: Ty,
    pub required: bool,
}

const fn opt(key: &'static str, ty: Ty) -> Field {
    Field {
        key,
        ty,
        required: false,
    }
}

const fn req(key: &'static str, ty: Ty) -> Field {
    Field {
        key,
        ty,
        required: true,
    }
}

const SINE: &[Field] = &[
    req("kind", Ty::Choice(&["sine"])),
    req("points", Ty::UInt),
    opt("start", Ty::Float),
    opt("stop", Ty::Float),
    opt("amplitude", Ty::Float),
    opt("frequency", Ty::Float),
    opt("phase", Ty::Float),
    opt("noise", Ty::Float),
    opt("season", Ty::UInt),
    opt("seed", Ty::UInt),
];

const CSV: &[Field] = &[
    req("kind", Ty::Choice(&["csv"])),
    req("path", Ty::Str),
    opt("column", Ty::Str),
    opt("time_column", Ty::Str),
    opt("value_label", Ty::Str),
    opt("series_column", Ty::Str),
    opt("missing", Ty::Choice(&["error", "interpolate"])),
    opt("season", Ty::UInt),
];

const SINES: &[Field] = &[
    req("kind", Ty::Choice(&["sines"])),
    req("points", Ty::UInt),
    req("amplitudes", Ty::FloatList),
    req("periods", Ty::FloatList),
    opt("noise", Ty::Float),
    opt("seed", Ty::UInt),
];

const TREND_SEASON: &[Field] = &[
    req("kind", Ty::Choice(&["trend_season"])),
    req("points", Ty::UInt),
    opt("level", Ty::Float),
    opt("slope", Ty::Float),
    opt("period", Ty::Float),
    opt("amplitude", Ty::Float),
    opt("noise", Ty::Float),
    opt("seed", Ty::UInt),
];

const AR: &[Field] = &[
    req("kind", Ty::Choice(&["ar"])),
    req("points", Ty::UInt),
    req("coefficients", Ty::FloatList),
    opt("noise", Ty::Float),
    opt("burn_in", Ty::UInt),
    opt("seed", Ty::UInt),
];

const RANDOM_WALK: &[Field] = &[
    req("kind", Ty::Choice(&["random_walk"])),
    req("points", Ty::UInt),
    opt("start", Ty::Float),
    opt("step", Ty::Float),
    opt("drift", Ty::Float),
    opt("seed", Ty::UInt),
];

const DATA: &[(&str, &[Field])] = &[
    ("sine", SINE),
    ("csv", CSV),
    ("sines", SINES),
    ("trend_season", TREND_SEASON),
    ("ar", AR),
    ("random_walk", RANDOM_WALK),
];

const SPLIT: &[Field] = &[
    opt("train", Ty::Size),
    opt("validation", Ty::Size),
    opt("test", Ty::Size),
];

const TRANSFORM: &[Field] = &[
    opt("log", Ty::Bool),
    opt("difference", Ty::UInt),
    opt("seasonal_difference", Ty::UInt),
    opt("window_normalise", Ty::Bool),
];

const SCALE: &[Field] = &[
    opt("kind", Ty::Choice(&["minmax", "standard", "none"])),
    opt("range", Ty::FloatPair),
    opt("fit_on", Ty::Choice(&["train", "all"])),
    opt("window", Ty::Choice(&["none", "mean"])),
];

const WINDOW: &[Field] = &[
    opt("lookback", Ty::UInt),
    opt("horizon", Ty::UInt),
    opt("lookback_from", Ty::Choice(&["part", "history"])),
];

const MODEL: &[Field] = &[
    opt("cell", Ty::Choice(&["lstm", "gru"])),
    opt("units", Ty::UIntList),
    opt("linear_skip", Ty::Bool),
    opt("scope", Ty::Choice(&["global", "local"])),
];

const EARLY_STOPPING: &[Field] = &[req("patience", Ty::UInt), opt("min_delta", Ty::Float)];

const REDUCE_LR: &[Field] = &[
    opt("factor", Ty::Float),
    opt("patience", Ty::UInt),
    opt("min_lr", Ty::Float),
    opt("min_delta", Ty::Float),
];

const TRAIN: &[Field] = &[
    opt("optimizer", Ty::Choice(&["adam", "sgd", "rmsprop"])),
    opt("learning_rate", Ty::Float),
    opt("momentum", Ty::Float),
    opt("loss", Ty::Choice(&["mse", "mae", "huber"])),
    opt("huber_delta", Ty::Float),
    opt("epochs", Ty::UInt),
    opt("batch_size", Ty::UInt),
    opt("shuffle", Ty::Bool),
    opt("clip_norm", Ty::Float),
    opt("early_stopping", Ty::Table(EARLY_STOPPING)),
    opt("reduce_lr", Ty::Table(REDUCE_LR)),
];

const BACKTEST: &[Field] = &[opt("folds", Ty::UInt), opt("step", Ty::UInt)];

const SELECT: &[Field] = &[
    opt(
        "metric",
        Ty::Choice(&["rmse", "mae", "smape", "mase", "owa"]),
    ),
    opt("on", Ty::Choice(&["folds", "validation", "test"])),
];

/// The top level of the experiment file.
pub(crate) const ROOT: &[Field] = &[
    req("name", Ty::Str),
    opt("description", Ty::Str),
    opt("seed", Ty::UInt),
    req("data", Ty::Tagged(DATA)),
    opt("split", Ty::Table(SPLIT)),
    opt("transform", Ty::Table(TRANSFORM)),
    opt("scale", Ty::Table(SCALE)),
    opt("window", Ty::Table(WINDOW)),
    opt("model", Ty::Table(MODEL)),
    opt("train", Ty::Table(TRAIN)),
    opt("backtest", Ty::Table(BACKTEST)),
    opt("select", Ty::Table(SELECT)),
];

/// The problems with the shape of a TOML tree.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Every problem, each naming its dotted key.
    pub problems: Vec<Problem>,
    /// Dotted paths of the unknown keys among them: dropping these keys leaves a tree
    /// that serde can still read, so the rest of the section can be checked too.
    pub unknown: Vec<String>,
}

impl Found {
    fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }
}

/// Every problem with the shape of `root`.
pub(crate) fn check(root: &Table) -> Found {
    let mut out = Found::default();
    check_table("", root, ROOT, None, &mut out);
    out
}

fn check_table(
    prefix: &str,
    table: &Table,
    fields: &[Field],
    variant: Option<&str>,
    out: &mut Found,
) {
    for (key, value) in table {
        let path = join(prefix, key);
        match fields.iter().find(|f| f.key == key) {
            Some(field) => check_value(&path, value, field.ty, out),
            None => {
                out.unknown.push(path);
                out.push(unknown_key(prefix, key, fields, variant));
            }
        }
    }
    for field in fields
        .iter()
        .filter(|f| f.required && !table.contains_key(f.key))
    {
        let path = join(prefix, field.key);
        let message = match field.ty {
            Ty::Table(_) | Ty::Tagged(_) => format!("missing table `[{path}]`"),
            Ty::Choice(options) => format!("missing key `{path}`: one of {}", quoted(options)),
            _ => match variant {
                Some(kind) => format!("missing key `{path}` (required for kind = \"{kind}\")"),
                None => format!("missing key `{path}`"),
            },
        };
        out.push(Problem::new(path, message));
    }
}

fn check_value(path: &str, value: &Value, ty: Ty, out: &mut Found) {
    let expected = match ty {
        Ty::UInt if is_uint(value) => return,
        Ty::UInt => "a non-negative integer",
        Ty::Float => match value {
            Value::Integer(_) => return,
            Value::Float(x) if x.is_finite() => return,
            Value::Float(_) => "a finite number",
            _ => "a number",
        },
        Ty::Str if value.is_str() => return,
        Ty::Str => "a string",
        Ty::Bool if value.is_bool() => return,
        Ty::Bool => "true or false",
        Ty::Choice(options) => return check_choice(path, value, options, out),
        Ty::UIntList => match value.as_array() {
            Some(items) if items.iter().all(is_uint) => return,
            _ => "a list of non-negative integers such as [50, 50]",
        },
        Ty::FloatPair => match value.as_array() {
            Some(items) if items.len() == 2 && items.iter().all(is_finite_number) => return,
            _ => "a pair of numbers such as [0.0, 1.0]",
        },
        Ty::FloatList => match value.as_array() {
            Some(items) if items.iter().all(is_finite_number) => return,
            _ => "a list of numbers such as [1.0, 0.5]",
        },
        Ty::Size => match value {
            Value::Integer(i) if *i >= 0 => return,
            Value::Float(x) if x.is_finite() => return,
            _ => "a count of points (integer >= 0) or a fraction of the series (float)",
        },
        Ty::Table(fields) => match value.as_table() {
            Some(table) => return check_table(path, table, fields, None, out),
            None => "a table",
        },
        Ty::Tagged(variants) => match value.as_table() {
            Some(table) => return check_tagged(path, table, variants, out),
            None => "a table",
        },
    };
    out.push(Problem::new(
        path,
        format!("`{path}` must be {expected}, found {}", describe(value)),
    ));
}

fn check_tagged(path: &str, table: &Table, variants: &[(&str, &'static [Field])], out: &mut Found) {
    let kinds: Vec<&str> = variants.iter().map(|(k, _)| *k).collect();
    let kind_path = join(path, "kind");
    match table.get("kind") {
        None => out.push(Problem::new(
            &kind_path,
            format!("missing key `{kind_path}`: one of {}", quoted(&kinds)),
        )),
        Some(kind) => match variants.iter().find(|(k, _)| kind.as_str() == Some(k)) {
            Some((k, fields)) => check_table(path, table, fields, Some(k), out),
            // The other keys depend on the kind, so they cannot be checked yet.
            None => check_choice(&kind_path, kind, &kinds, out),
        },
    }
}

fn check_choice(path: &str, value: &Value, options: &[&str], out: &mut Found) {
    match value.as_str() {
        Some(s) if options.contains(&s) => {}
        Some(s) => out.push(bad_choice(path, s, options)),
        None => out.push(Problem::new(
            path,
            format!(
                "`{path}` must be one of {}, found {}",
                quoted(options),
                describe(value)
            ),
        )),
    }
}

fn is_uint(value: &Value) -> bool {
    matches!(value, Value::Integer(i) if *i >= 0)
}

fn is_finite_number(value: &Value) -> bool {
    match value {
        Value::Integer(_) => true,
        Value::Float(x) => x.is_finite(),
        _ => false,
    }
}

fn unknown_key(prefix: &str, key: &str, fields: &[Field], variant: Option<&str>) -> Problem {
    let path = join(prefix, key);
    let mut message = format!("unknown key `{path}`");
    if let Some(kind) = variant {
        message.push_str(&format!(" for kind = \"{kind}\""));
    }
    if let Some(near) = closest(key, fields.iter().map(|f| f.key)) {
        message.push_str(&format!("; did you mean `{}`?", join(prefix, near)));
    } else if let Some(elsewhere) = all_paths()
        .into_iter()
        .find(|p| p.rsplit('.').next() == Some(key))
    {
        message.push_str(&format!("; did you mean `{elsewhere}`?"));
    } else {
        let valid: Vec<&str> = fields.iter().map(|f| f.key).collect();
        message.push_str(&format!("; valid keys here: {}", backticked(&valid)));
    }
    Problem::new(path, message)
}

fn bad_choice(path: &str, found: &str, options: &[&str]) -> Problem {
    let mut message = format!(
        "`{path}` must be one of {}, found \"{found}\"",
        quoted(options)
    );
    if let Some(near) = closest(found, options.iter().copied()) {
        message.push_str(&format!("; did you mean \"{near}\"?"));
    }
    Problem::new(path, message)
}

/// Every valid dotted key of the experiment file (all data kinds together).
pub(crate) fn all_paths() -> Vec<String> {
    fn walk(prefix: &str, fields: &[Field], out: &mut Vec<String>) {
        for f in fields {
            let path = join(prefix, f.key);
            if !out.contains(&path) {
                out.push(path.clone());
            }
            match f.ty {
                Ty::Table(inner) => walk(&path, inner, out),
                Ty::Tagged(variants) => variants
                    .iter()
                    .for_each(|(_, inner)| walk(&path, inner, out)),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk("", ROOT, &mut out);
    out
}

/// A short description of a TOML value for error messages: `string "ten"`.
pub(crate) fn describe(value: &Value) -> String {
    let mut text = value.to_string();
    if text.chars().count() > 40 {
        text = text.chars().take(37).collect::<String>() + "...";
    }
    let kind = match value {
        Value::String(_) => "string",
        Value::Integer(_) => "integer",
        Value::Float(_) => "float",
        Value::Boolean(_) => "boolean",
        Value::Datetime(_) => "datetime",
        Value::Array(_) => "array",
        Value::Table(_) => return "a table".to_string(),
    };
    format!("{kind} {text}")
}

fn quoted(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("\"{o}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn backticked(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
