use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{SafeTensors, TensorView};

use super::*;
use crate::data::TransformParams;

fn model() -> SavedModel {
    let shape = NetworkShape::lstm(1, vec![5, 3], 2).with_linear_skip(4);
    SavedModel {
        meta: ModelMeta {
            run_id: "abc123".into(),
            label: "units=5x3 seed=2".into(),
            runner_version: "9.9.9".into(),
            trained_on: "fold 2 of 3".into(),
            points: 120,
            best_epoch: 17,
            epochs: 20,
            column: Some("value".into()),
            time_column: None,
            preprocessing: Preprocessing {
                transform: Transform::new(TransformParams {
                    log: true,
                    difference: 1,
                    seasonal_difference: 12,
                }),
                scaler: Scaler::MinMax {
                    data_min: -0.123456789012345,
                    data_max: 1.0 / 3.0,
                    scale: 2.0 / 0.456790122345678,
                    offset: 0.1 + 0.2,
                },
                window_normalise: true,
                lookback: 4,
                horizon: 2,
            },
        },
        net: Network::init(shape, 7),
    }
}

fn path() -> &'static Path {
    Path::new("m.safetensors")
}

/// The file re-encoded with its metadata changed by `edit`.
fn with_metadata(bytes: &[u8], edit: impl FnOnce(&mut HashMap<String, String>)) -> Vec<u8> {
    let st = SafeTensors::deserialize(bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(bytes).unwrap();
    let mut meta = header.metadata().clone().unwrap();
    edit(&mut meta);
    // re-signed, so that the checks behind the checksum are reached
    let digest = super::metadata_digest(&meta);
    meta.insert("metadata_blake3".into(), digest);
    let views: Vec<(String, TensorView)> = st.tensors();
    safetensors::serialize(views, Some(meta)).unwrap()
}

#[test]
fn a_model_round_trips_bit_for_bit() {
    let m = model();
    let bytes = encode(&m);
    let back = decode(&bytes, path()).unwrap();
    assert_eq!(back.meta, m.meta);
    assert_eq!(back.net.shape(), m.net.shape());
    let bits = |p: &[f32]| p.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&back.net.params), bits(&m.net.params));
    // and the same bytes again: encoding is deterministic
    assert_eq!(encode(&back), bytes);
}

#[test]
fn tensors_carry_keras_names_and_shapes_and_the_metadata_is_readable() {
    let bytes = encode(&model());
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let t = st.tensor("lstm_1/recurrent_kernel").unwrap();
    assert_eq!(t.shape(), &[3, 12]);
    assert_eq!(st.tensor("dense/kernel").unwrap().shape(), &[3, 2]);
    assert_eq!(st.tensor("linear_skip/kernel").unwrap().shape(), &[2, 4]);
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    assert_eq!(meta["format"], "runner-model");
    assert_eq!(meta["cell"], "lstm");
    assert_eq!(meta["units"], "[5,3]");
    assert_eq!(
        meta["transform"],
        r#"{"log":true,"difference":1,"seasonal_difference":12}"#
    );
    assert!(meta["scaler"].starts_with(r#"{"kind":"minmax","data_min":-0.123456789012345,"#));
}

#[test]
fn another_format_version_is_refused_naming_both_versions() {
    let bytes = with_metadata(&encode(&model()), |m| {
        m.insert("format_version".into(), "2".into());
    });
    let err = decode(&bytes, path()).unwrap_err().to_string();
    assert!(
        err.contains("m.safetensors: model format version 2"),
        "{err}"
    );
    assert!(err.contains("reads version 1"), "{err}");
    assert!(err.contains("runner 9.9.9"), "{err}");
}

#[test]
fn a_safetensors_file_from_elsewhere_is_not_a_runner_model() {
    let bytes = with_metadata(&encode(&model()), |m| {
        m.remove("format");
    });
    let err = decode(&bytes, path()).unwrap_err();
    assert!(matches!(err, ModelFileError::Foreign { .. }), "{err}");
}

#[test]
fn damaged_bytes_are_refused_with_what_is_wrong() {
    let bytes = encode(&model());
    // truncated: the framing notices
    let err = decode(&bytes[..bytes.len() - 10], path()).unwrap_err();
    assert!(matches!(err, ModelFileError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("not a safetensors file"), "{err}");
    // not safetensors at all
    let err = decode(b"time,value\n1,2\n", path()).unwrap_err();
    assert!(matches!(err, ModelFileError::Damaged { .. }), "{err}");
    // one weight's byte flipped: only the checksum notices
    let mut flipped = bytes.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x40;
    let err = decode(&flipped, path()).unwrap_err().to_string();
    assert!(
        err.contains("do not match their recorded checksum"),
        "{err}"
    );
}

#[test]
fn edited_metadata_are_refused_by_their_checksum() {
    let bytes = encode(&model());
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta = header.metadata().clone().unwrap();
    meta.insert(
        "scaler".into(),
        r#"{"kind":"standard","mean":0.0,"std":2.0}"#.into(),
    );
    let edited = safetensors::serialize(st.tensors(), Some(meta)).unwrap();
    let err = decode(&edited, path()).unwrap_err().to_string();
    assert!(
        err.contains("metadata do not match their recorded checksum"),
        "{err}"
    );
}

#[test]
fn sizes_beyond_the_points_fitted_on_are_refused_before_allocating() {
    let bytes = encode(&model());
    for (key, value, expected) in [
        ("lookback", "18446744073709551615", "metadata `lookback`"),
        (
            "transform",
            r#"{"log":false,"difference":0,"seasonal_difference":4000000000000}"#,
            "metadata `transform.seasonal_difference` = 4000000000000 exceeds the 120 points",
        ),
        ("input", "2", "runner models read one value per step"),
    ] {
        let odd = with_metadata(&bytes, |m| {
            m.insert(key.into(), value.into());
        });
        let err = decode(&odd, path()).unwrap_err().to_string();
        assert!(err.contains(expected), "{key}: {err}");
    }
}

#[test]
fn metadata_that_does_not_describe_the_tensors_is_refused() {
    let bytes = encode(&model());
    let wider = with_metadata(&bytes, |m| {
        m.insert("units".into(), "[6,3]".into());
    });
    let err = decode(&wider, path()).unwrap_err().to_string();
    assert!(
        err.contains("tensor `lstm/kernel` is F32 [1, 20], expected F32 [1, 24]"),
        "{err}"
    );
    let huge = with_metadata(&bytes, |m| {
        m.insert("units".into(), "[4000000000]".into());
    });
    let err = decode(&huge, path()).unwrap_err().to_string();
    assert!(err.contains("larger than the file"), "{err}");
    let bad_scaler = with_metadata(&bytes, |m| {
        m.insert("scaler".into(), r#"{"kind":"robust"}"#.into());
    });
    let err = decode(&bad_scaler, path()).unwrap_err().to_string();
    assert!(err.contains("metadata `scaler`"), "{err}");
}
