//! Swept parameters as typed table columns, and back.
//!
//! One column per swept key, named by [`column_name`]: the key's dotted path with each `.` as
//! `_` (`window.lookback` → `window_lookback`), so that SQL (DuckDB), pandas' `query` and Spark
//! take the name bare (a dotted name is a syntax error or a struct path there). Typed by the
//! values the runs hold: all integers → `Int64`, integers and floats → `Float64` (a sweep such
//! as `data.noise = [0, 0.1]`), all strings → `String`, all booleans → `Boolean`. Any other mix
//! becomes a `String` column of the values as written. A row without the key is a null cell.
//!
//! A swept `model.units` (written as the label `50x50`) also gets two numeric columns right
//! after it, so that width and depth sort and plot as numbers: [`MODEL_WIDTH`] (the widest
//! recurrent layer's units: 50 for `50x50`, 64 for `64x32`) and [`MODEL_DEPTH`] (the number of
//! recurrent layers: 2 for `50x50`).

use std::collections::HashSet;

use anyhow::{bail, Result};
use polars_core::prelude::{Column, DataType};

use super::records::ParamValue;

/// The column type that holds every value of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Str,
    Bool,
}

fn kind_of(v: &ParamValue) -> Kind {
    match v {
        ParamValue::Int(_) => Kind::Int,
        ParamValue::Float(_) => Kind::Float,
        ParamValue::Str(_) => Kind::Str,
        ParamValue::Bool(_) => Kind::Bool,
    }
}

fn widen(a: Kind, b: Kind) -> Kind {
    match (a, b) {
        _ if a == b => a,
        (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
        _ => Kind::Str,
    }
}

/// The swept key whose label gets the numeric width and depth columns.
const UNITS_KEY: &str = "model.units";
/// The widest recurrent layer's units, beside a swept `model.units`.
pub const MODEL_WIDTH: &str = "model_width";
/// The number of recurrent layers, beside a swept `model.units`.
pub const MODEL_DEPTH: &str = "model_depth";

/// The column swept key `key` is written under: every character other than an ASCII letter,
/// digit or `_` becomes `_` (`window.lookback` → `window_lookback`,
/// `train.learning_rate` → `train_learning_rate`). A name already in that form maps to
/// itself, so a column read back names its key the same way whichever runner wrote it.
pub fn column_name(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Whether `name` is a column derived from another parameter column (width and depth
/// beside `model_units`), not a swept key of its own: readers skip it.
pub fn is_derived(name: &str, columns: &[String]) -> bool {
    [MODEL_WIDTH, MODEL_DEPTH].contains(&name)
        && columns.iter().any(|c| *c == column_name(UNITS_KEY))
}

/// Parameter keys in order of first appearance across `rows`.
///
/// Each row comes with a description for messages (e.g. `run r0`). Refuses a key whose column
/// ([`column_name`]) is named like one of `reserved` (the table's other columns) or like
/// another key's or a derived column, and a key listed twice in one row.
pub fn param_keys<'a>(
    rows: impl IntoIterator<Item = (String, &'a [(String, ParamValue)])>,
    reserved: &[&str],
) -> Result<Vec<String>> {
    let mut keys: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (what, params) in rows {
        let mut in_row: HashSet<&str> = HashSet::new();
        for (key, _) in params {
            let column = column_name(key);
            if reserved.contains(&column.as_str()) {
                bail!(
                    "{what}: swept key {key:?} has the name of another table column ({column:?})"
                );
            }
            if !in_row.insert(key) {
                bail!("{what}: swept key {key:?} is listed twice");
            }
            if seen.insert(key) {
                keys.push(key.clone());
            }
        }
    }
    let mut columns: Vec<(String, &str)> = Vec::new();
    for key in &keys {
        let mut names = vec![column_name(key)];
        if key == UNITS_KEY {
            names.extend([MODEL_WIDTH.to_string(), MODEL_DEPTH.to_string()]);
        }
        for name in names {
            if let Some((_, other)) = columns.iter().find(|(c, _)| *c == name) {
                bail!(
                    "swept keys {other:?} and {key:?} would both be the table column {name:?}: \
                     rename one"
                );
            }
            columns.push((name, key));
        }
    }
    Ok(keys)
}

/// One typed column per key in `keys`, named by [`column_name`], with the width and depth
/// columns after `model_units`; `rows[i]` fills row `i`.
pub fn param_columns(keys: &[String], rows: &[&[(String, ParamValue)]]) -> Vec<Column> {
    let mut columns = Vec::new();
    for key in keys {
        let cells: Vec<Option<&ParamValue>> = rows
            .iter()
            .map(|params| params.iter().find(|(k, _)| k == key).map(|(_, v)| v))
            .collect();
        columns.push(typed_column(&column_name(key), &cells));
        if key == UNITS_KEY {
            let layers: Vec<Option<Vec<i64>>> =
                cells.iter().map(|c| c.and_then(layer_units)).collect();
            let width: Vec<Option<i64>> = layers
                .iter()
                .map(|l| l.as_ref().and_then(|l| l.iter().copied().max()))
                .collect();
            let depth: Vec<Option<i64>> = layers
                .iter()
                .map(|l| l.as_ref().map(|l| l.len() as i64))
                .collect();
            columns.push(Column::new(MODEL_WIDTH.into(), width));
            columns.push(Column::new(MODEL_DEPTH.into(), depth));
        }
    }
    columns
}

/// The units of each recurrent layer from a `model.units` value: `"50x50"` → `[50, 50]`,
/// `"32"` or `32` → `[32]`; `None` for anything else.
fn layer_units(value: &ParamValue) -> Option<Vec<i64>> {
    match value {
        ParamValue::Int(v) => Some(vec![*v]),
        ParamValue::Str(s) => s.split('x').map(|u| u.trim().parse().ok()).collect(),
        _ => None,
    }
}

fn typed_column(name: &str, cells: &[Option<&ParamValue>]) -> Column {
    let kind = cells
        .iter()
        .flatten()
        .map(|v| kind_of(v))
        .reduce(widen)
        // An all-null column has no type to follow; Int64 is as good as any and stays numeric.
        .unwrap_or(Kind::Int);
    let name = name.into();
    match kind {
        Kind::Int => Column::new(
            name,
            cells
                .iter()
                .map(|c| match c {
                    Some(ParamValue::Int(v)) => Some(*v),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Kind::Float => Column::new(
            name,
            cells
                .iter()
                .map(|c| match c {
                    Some(ParamValue::Float(v)) => Some(*v),
                    // Exact for every integer a sweep plausibly holds (|v| < 2^53).
                    Some(ParamValue::Int(v)) => Some(*v as f64),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Kind::Bool => Column::new(
            name,
            cells
                .iter()
                .map(|c| match c {
                    Some(ParamValue::Bool(v)) => Some(*v),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Kind::Str => Column::new(
            name,
            cells
                .iter()
                .map(|c| c.map(|v| v.to_string()))
                .collect::<Vec<_>>(),
        ),
    }
}

/// Reads a parameter column back: cell `row` of `column` as a value, `None` for a null.
pub fn param_cell(column: &Column, row: usize) -> Result<Option<ParamValue>> {
    Ok(match column.dtype() {
        DataType::Int64 => column.i64()?.get(row).map(ParamValue::Int),
        DataType::Float64 => column.f64()?.get(row).map(ParamValue::Float),
        DataType::String => column
            .str()?
            .get(row)
            .map(|s| ParamValue::Str(s.to_string())),
        DataType::Boolean => column.bool()?.get(row).map(ParamValue::Bool),
        other => bail!(
            "parameter column {:?} has type {other}, expected Int64, Float64, String or Boolean",
            column.name().as_str()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str, v: ParamValue) -> (String, ParamValue) {
        (key.to_string(), v)
    }

    #[test]
    fn columns_are_typed_by_their_values_and_ints_widen_to_floats() {
        let a = vec![
            p("window.lookback", ParamValue::Int(5)),
            p("data.noise", ParamValue::Int(0)),
            p("model.units", ParamValue::Str("32".into())),
            p("train.shuffle", ParamValue::Bool(true)),
            p("mixed", ParamValue::Bool(false)),
        ];
        let b = vec![
            p("window.lookback", ParamValue::Int(20)),
            p("data.noise", ParamValue::Float(0.1)),
            p("model.units", ParamValue::Str("50x50".into())),
            p("mixed", ParamValue::Int(3)),
        ];
        let rows: Vec<&[(String, ParamValue)]> = vec![&a, &b];
        let keys = param_keys(
            rows.iter()
                .enumerate()
                .map(|(i, r)| (format!("run {i}"), *r)),
            &["label"],
        )
        .unwrap();
        assert_eq!(
            keys,
            [
                "window.lookback",
                "data.noise",
                "model.units",
                "train.shuffle",
                "mixed"
            ]
        );
        let cols = param_columns(&keys, &rows);
        let names: Vec<&str> = cols.iter().map(|c| c.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "window_lookback",
                "data_noise",
                "model_units",
                "model_width",
                "model_depth",
                "train_shuffle",
                "mixed"
            ]
        );
        let types: Vec<DataType> = cols.iter().map(|c| c.dtype().clone()).collect();
        assert_eq!(
            types,
            [
                DataType::Int64,
                DataType::Float64,
                DataType::String,
                DataType::Int64,
                DataType::Int64,
                DataType::Boolean,
                DataType::String
            ]
        );
        assert_eq!(cols[1].f64().unwrap().get(0), Some(0.0));
        assert_eq!(cols[1].f64().unwrap().get(1), Some(0.1));
        // "32" is one layer of 32, "50x50" two of 50.
        assert_eq!(cols[3].i64().unwrap().get(0), Some(32));
        assert_eq!(cols[3].i64().unwrap().get(1), Some(50));
        assert_eq!(cols[4].i64().unwrap().get(0), Some(1));
        assert_eq!(cols[4].i64().unwrap().get(1), Some(2));
        // Row b lacks train.shuffle: a null cell.
        assert_eq!(cols[5].bool().unwrap().get(1), None);
        assert_eq!(cols[6].str().unwrap().get(0), Some("false"));
        assert_eq!(cols[6].str().unwrap().get(1), Some("3"));

        assert_eq!(param_cell(&cols[0], 1).unwrap(), Some(ParamValue::Int(20)));
        assert_eq!(
            param_cell(&cols[2], 1).unwrap(),
            Some(ParamValue::Str("50x50".into()))
        );
        assert_eq!(param_cell(&cols[5], 1).unwrap(), None);
    }

    #[test]
    fn keys_refuse_reserved_names_and_duplicates() {
        let a = vec![p("label", ParamValue::Int(1))];
        let err = param_keys([("run r7".to_string(), a.as_slice())], &["label"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("run r7") && err.contains("\"label\""), "{err}");

        let b = vec![
            p("window.lookback", ParamValue::Int(1)),
            p("window.lookback", ParamValue::Int(2)),
        ];
        let err = param_keys([("run r8".to_string(), b.as_slice())], &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("run r8") && err.contains("\"window.lookback\" is listed twice"),
            "{err}"
        );
    }

    #[test]
    fn column_names_have_no_dots_and_map_once() {
        assert_eq!(column_name("window.lookback"), "window_lookback");
        assert_eq!(column_name("train.learning_rate"), "train_learning_rate");
        assert_eq!(column_name("data.noise-level"), "data_noise_level");
        // Idempotent: a name read back from a table maps to itself.
        assert_eq!(column_name("window_lookback"), "window_lookback");
        let cols = ["model_units".to_string()];
        assert!(is_derived("model_width", &cols) && is_derived("model_depth", &cols));
        assert!(!is_derived("model_width", &[]));
    }
}
