//! A [`SavedModel`] to safetensors bytes and back (the layout is in the module docs above).
//!
//! Reading refuses, with a message naming the file, anything that is not a model this build
//! can use: bytes that are not safetensors (truncated, overwritten), a safetensors file from
//! elsewhere, another format version, metadata that does not parse, a missing or misshapen
//! tensor, and tensor bytes or metadata that do not hash to their recorded `params_blake3` and
//! `metadata_blake3` (damage the safetensors framing cannot see).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors};

use super::{ModelMeta, SavedModel};
use crate::data::{Preprocessing, Scaler, Transform, TransformParams};
use crate::nn::{Cell, Network, NetworkShape};

/// The `format` metadata value of every runner model file.
pub const FORMAT: &str = "runner-model";
/// Bumped when the tensors or metadata change meaning; a file of another version is refused.
pub const FORMAT_VERSION: u32 = 1;

/// Why a model file cannot be used. Every variant is the user's input (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("cannot read model file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: damaged model file: {why}", path.display())]
    Damaged { path: PathBuf, why: String },
    #[error("{}: a safetensors file, but not a runner model (its metadata has no `format = {FORMAT}`)", path.display())]
    Foreign { path: PathBuf },
    #[error("{}: model format version {found}, this runner {version} reads version {FORMAT_VERSION}; \
             retrain it with this runner, or use the runner that wrote it ({writer})",
            path.display(), version = super::RUNNER_VERSION)]
    Version {
        path: PathBuf,
        found: String,
        writer: String,
    },
    #[error("{}: {why}", path.display())]
    Invalid { path: PathBuf, why: String },
}

/// The safetensors bytes of `model`, the same bytes for the same model: the header's keys
/// (metadata and tensor names) are sorted and the tensors' data follows in name order (the
/// `safetensors` crate's writer takes the metadata as a `HashMap`, whose order changes from
/// one process to the next, so run folders would differ between identical runs). The layout
/// is the format's own: an 8-byte little-endian header length, the JSON header padded with
/// spaces to a multiple of 8, the data; files are read back with the crate.
pub fn encode(model: &SavedModel) -> Vec<u8> {
    let net = &model.net;
    let bytes: Vec<u8> = net.params.iter().flat_map(|p| p.to_le_bytes()).collect();
    let mut tensors = net.tensors();
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    let mut header = serde_json::Map::new();
    let mut meta: BTreeMap<String, String> = metadata(model, &bytes).into_iter().collect();
    let digest = metadata_digest(&meta);
    meta.insert(METADATA_DIGEST.into(), digest);
    header.insert("__metadata__".into(), serde_json::json!(meta));
    let mut data = Vec::with_capacity(bytes.len());
    for t in &tensors {
        let start = data.len();
        data.extend_from_slice(&bytes[t.range.start * 4..t.range.end * 4]);
        header.insert(
            t.name.clone(),
            serde_json::json!({"dtype": "F32", "shape": t.dims, "data_offsets": [start, data.len()]}),
        );
    }
    // serde_json's map is sorted by key (no `preserve_order` feature).
    let mut text = serde_json::to_vec(&header).expect("a header serializes");
    text.resize(text.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + text.len() + data.len());
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    out.extend_from_slice(&data);
    out
}

fn metadata(model: &SavedModel, param_bytes: &[u8]) -> HashMap<String, String> {
    let m = &model.meta;
    let shape = model.net.shape();
    let p = &m.preprocessing;
    [
        ("format", FORMAT.to_string()),
        ("format_version", FORMAT_VERSION.to_string()),
        ("runner_version", m.runner_version.clone()),
        ("run_id", m.run_id.clone()),
        ("label", m.label.clone()),
        ("trained_on", m.trained_on.clone()),
        ("points", m.points.to_string()),
        ("best_epoch", m.best_epoch.to_string()),
        ("epochs", m.epochs.to_string()),
        (
            "cell",
            match shape.cell {
                Cell::Lstm => "lstm",
                Cell::Gru => "gru",
            }
            .to_string(),
        ),
        ("units", json(&shape.units)),
        ("input", shape.input.to_string()),
        ("lookback", p.lookback.to_string()),
        ("horizon", p.horizon.to_string()),
        ("linear_skip", shape.linear_skip.is_some().to_string()),
        ("transform", json(&p.transform)),
        ("scaler", json(&p.scaler)),
        ("window_normalise", p.window_normalise.to_string()),
        ("column", m.column.clone().unwrap_or_default()),
        ("time_column", m.time_column.clone().unwrap_or_default()),
        (
            "params_blake3",
            blake3::hash(param_bytes).to_hex().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The metadata key holding [`metadata_digest`].
const METADATA_DIGEST: &str = "metadata_blake3";

/// BLAKE3 of the metadata (every key but [`METADATA_DIGEST`]) as compact JSON with sorted keys.
pub(super) fn metadata_digest<'a, M>(meta: &'a M) -> String
where
    &'a M: IntoIterator<Item = (&'a String, &'a String)>,
{
    let sorted: BTreeMap<&String, &String> = meta
        .into_iter()
        .filter(|(k, _)| k.as_str() != METADATA_DIGEST)
        .collect();
    let text = serde_json::to_string(&sorted).expect("strings serialize");
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// JSON of a metadata value; serde_json writes floats in shortest round-trip form, so the
/// scaler's parameters come back to the bit.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("metadata values serialize")
}

/// Reads the model file at `path`.
pub fn load(path: &Path) -> Result<SavedModel, ModelFileError> {
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(&bytes, path)
}

/// The model in `bytes`, read from `path` (named in errors).
pub fn decode(bytes: &[u8], path: &Path) -> Result<SavedModel, ModelFileError> {
    let damaged = |why: String| ModelFileError::Damaged {
        path: path.to_path_buf(),
        why,
    };
    let invalid = |why: String| ModelFileError::Invalid {
        path: path.to_path_buf(),
        why,
    };
    let tensors = SafeTensors::deserialize(bytes)
        .map_err(|e| damaged(format!("not a safetensors file ({e})")))?;
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| damaged(format!("not a safetensors file ({e})")))?;
    let meta = header.metadata().clone().unwrap_or_default();
    if meta.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(ModelFileError::Foreign {
            path: path.to_path_buf(),
        });
    }
    let version = meta.get("format_version").cloned().unwrap_or_default();
    if version != FORMAT_VERSION.to_string() {
        return Err(ModelFileError::Version {
            path: path.to_path_buf(),
            found: if version.is_empty() {
                "(none)".into()
            } else {
                version
            },
            writer: meta
                .get("runner_version")
                .map_or("unknown".into(), |v| format!("runner {v}")),
        });
    }
    // The metadata's own checksum: an edited scaler or lookback would forecast nonsense.
    if meta.get(METADATA_DIGEST).map(String::as_str) != Some(metadata_digest(&meta).as_str()) {
        return Err(damaged(format!(
            "its metadata do not match their recorded checksum ({METADATA_DIGEST})"
        )));
    }
    let field = |key: &str| -> Result<&str, ModelFileError> {
        meta.get(key)
            .map(String::as_str)
            .ok_or_else(|| invalid(format!("metadata has no `{key}`")))
    };
    fn parsed<T: std::str::FromStr>(key: &str, text: &str) -> Result<T, String> {
        text.parse()
            .map_err(|_| format!("metadata `{key}` = {text:?} is not valid"))
    }
    fn from_json<T: serde::de::DeserializeOwned>(key: &str, text: &str) -> Result<T, String> {
        serde_json::from_str(text).map_err(|e| format!("metadata `{key}` = {text:?}: {e}"))
    }
    let number =
        |key: &str| -> Result<usize, ModelFileError> { parsed(key, field(key)?).map_err(invalid) };
    let flag =
        |key: &str| -> Result<bool, ModelFileError> { parsed(key, field(key)?).map_err(invalid) };
    let cell = match field("cell")? {
        "lstm" => Cell::Lstm,
        "gru" => Cell::Gru,
        other => {
            return Err(invalid(format!(
                "metadata `cell` = {other:?} is not lstm or gru"
            )))
        }
    };
    let lookback = number("lookback")?;
    let shape = NetworkShape {
        input: number("input")?,
        units: from_json("units", field("units")?).map_err(invalid)?,
        horizon: number("horizon")?,
        cell,
        linear_skip: flag("linear_skip")?.then_some(lookback),
    };
    let transform: TransformParams =
        from_json("transform", field("transform")?).map_err(invalid)?;
    // Sizes are bounded by the points the fit saw before anything is allocated for them.
    let points = number("points")?;
    for (key, value) in [
        ("lookback", lookback),
        ("horizon", shape.horizon),
        ("transform.difference", transform.difference),
        (
            "transform.seasonal_difference",
            transform.seasonal_difference,
        ),
    ] {
        if value > points {
            return Err(invalid(format!(
                "metadata `{key}` = {value} exceeds the {points} points the model was fitted on"
            )));
        }
    }
    if shape.input != 1 {
        return Err(invalid(format!(
            "metadata `input` = {}: runner models read one value per step",
            shape.input
        )));
    }
    let transform = Transform::new(transform);
    let scaler: Scaler = from_json("scaler", field("scaler")?).map_err(invalid)?;
    Network::<f32>::check_shape(&shape)
        .map_err(|why| invalid(format!("the metadata's network cannot be built: {why}")))?;
    if lookback == 0 {
        return Err(invalid(
            "metadata `lookback` = 0: a window needs an input".into(),
        ));
    }
    // Before allocating the network the metadata describes: its weights must fit the file.
    if floats_at_least(&shape).saturating_mul(4) > bytes.len() {
        return Err(damaged(format!(
            "its metadata describes a {} network larger than the file",
            describe(&shape)
        )));
    }
    let mut net = Network::<f32>::zeros(shape.clone());
    // Fill the parameters tensor by tensor, checking each one's dtype and shape.
    let mut read = Vec::with_capacity(net.params.len() * 4);
    for slot in net.tensors() {
        let t = tensors.tensor(&slot.name).map_err(|_| {
            invalid(format!(
                "no tensor `{}` (a {} network has one)",
                slot.name,
                describe(&shape)
            ))
        })?;
        if t.dtype() != Dtype::F32 || t.shape() != slot.dims.as_slice() {
            return Err(invalid(format!(
                "tensor `{}` is {:?} {:?}, expected F32 {:?}",
                slot.name,
                t.dtype(),
                t.shape(),
                slot.dims
            )));
        }
        read.extend_from_slice(t.data());
    }
    if blake3::hash(&read).to_hex().as_str() != field("params_blake3")? {
        return Err(damaged(
            "the weights do not match their recorded checksum (params_blake3)".into(),
        ));
    }
    for (p, b) in net.params.iter_mut().zip(read.chunks_exact(4)) {
        *p = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    let optional = |key: &str| meta.get(key).filter(|v| !v.is_empty()).cloned();
    Ok(SavedModel {
        meta: ModelMeta {
            run_id: field("run_id")?.to_string(),
            label: field("label")?.to_string(),
            runner_version: field("runner_version")?.to_string(),
            trained_on: field("trained_on")?.to_string(),
            points,
            best_epoch: number("best_epoch")?,
            epochs: number("epochs")?,
            column: optional("column"),
            time_column: optional("time_column"),
            preprocessing: Preprocessing {
                transform,
                scaler,
                window_normalise: flag("window_normalise")?,
                lookback,
                horizon: net.shape().horizon,
            },
        },
        net,
    })
}

/// A lower bound on the parameters of a network of `shape` (its recurrent kernels and head),
/// without overflow, to refuse metadata that would allocate more than the file holds.
fn floats_at_least(shape: &NetworkShape) -> usize {
    let recurrent = shape.units.iter().fold(0usize, |sum, &u| {
        sum.saturating_add(u.saturating_mul(u).saturating_mul(3))
    });
    let head = shape
        .units
        .last()
        .map_or(0, |&u| u.saturating_mul(shape.horizon));
    recurrent.saturating_add(head)
}

/// `LSTM [50, 50] → Dense(1)`, for messages.
fn describe(shape: &NetworkShape) -> String {
    let cell = match shape.cell {
        Cell::Lstm => "LSTM",
        Cell::Gru => "GRU",
    };
    format!("{cell} {:?} → Dense({})", shape.units, shape.horizon)
}

#[cfg(test)]
mod tests;
