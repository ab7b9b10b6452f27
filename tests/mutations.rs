//! Damaged inputs never panic: random byte flips, insertions and truncations of valid
//! experiment files, data CSVs, gate baselines and runs tables are fed to the library's readers
//! (property tests: an `Err` is fine, a panic fails), and one damaged file of each kind is fed
//! to the real binary, which must exit 2 naming the file.
//!
//! Case counts are kept modest so the suite stays fast: [`CASES`] per kind (and
//! [`PARQUET_CASES`] for runs.parquet, whose reader is the one known to panic).

mod common;

use std::path::{Path, PathBuf};

use common::{project, runner, scratch_dir, stderr, write};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};

use runner::data::source::read_csv_from;
use runner::data::Missing;
use runner::store::{
    read_gate_file, read_runs, write_runs, ParamValue, Provenance, RunRecord, RunStatus,
};

/// Cases per kind of file.
const CASES: u32 = 256;
/// Cases for runs.parquet.
const PARQUET_CASES: u32 = 512;

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Edit {
    /// XOR the byte at (position mod length) with a non-zero mask.
    Flip(usize, u8),
    /// Insert a byte at (position mod length + 1).
    Insert(usize, u8),
    /// Keep only the first (position mod length) bytes.
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => (any::<usize>(), 1..=255u8).prop_map(|(i, m)| Edit::Flip(i, m)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

/// 1 to 6 edits.
fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..=6)
}

fn mutate(original: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for e in edits {
        if bytes.is_empty() {
            break;
        }
        match *e {
            Edit::Flip(i, mask) => {
                let i = i % bytes.len();
                bytes[i] ^= mask;
            }
            Edit::Insert(i, b) => {
                let i = i % (bytes.len() + 1);
                bytes.insert(i, b);
            }
            Edit::Truncate(i) => bytes.truncate(i % bytes.len()),
        }
    }
    bytes
}

/// No regression files in the source tree: a failure prints its minimal case instead. A fixed
/// seed makes every run (and CI) try the same cases; with it, several runs.parquet cases make
/// polars panic (6 panic messages), so the panic path is exercised every time.
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        rng_seed: RngSeed::Fixed(20_260_512),
        ..Config::default()
    }
}

/// A swept experiment that reads a CSV, so both the TOML and the data checks are exercised.
const EXPERIMENT: &str = r#"name = "mutated"
seed = 1

[data]
kind = "csv"
path = "series.csv"
column = "value"
time_column = "time"

[split]
test = 4

[scale]
kind = "minmax"
fit_on = "train"

[window]
lookback = 3

[model]
units = [4]

[train]
epochs = 2
learning_rate = 0.01

[sweep]
window.lookback = [2, 3]
seed = [1, 2]
"#;

const SERIES: &str = "time,value\n2000-01,1.5\n2000-02,2\n2000-03,2.5\n2000-04,3\n\
2000-05,2\n2000-06,1.25\n2000-07,1\n2000-08,3.5\n2000-09,4\n2000-10,4.5\n2000-11,5\n\
2000-12,5.5\n2001-01,6\n2001-02,5\n2001-03,4.5\n2001-04,4\n";

fn baseline() -> String {
    std::fs::read_to_string(project().join("experiments/ci_sine.baseline.csv")).unwrap()
}

/// A runs table as `runner` writes it: a swept int, float and string, a failed run, a NaN.
fn runs_parquet(dir: &Path) -> Vec<u8> {
    let run = |i: u32, status: RunStatus, rmse: f64| RunRecord {
        run_id: format!("{i:012x}"),
        label: format!("lookback={i} seed=1"),
        config: format!("lookback={i}"),
        seed: 1,
        params: vec![
            ("window.lookback".into(), ParamValue::Int(i64::from(i))),
            ("train.learning_rate".into(), ParamValue::Float(0.01)),
            ("model.cell".into(), ParamValue::Str("lstm".into())),
        ],
        status,
        reason: (status != RunStatus::Ok).then(|| "loss is NaN at epoch 2".to_string()),
        metrics: vec![("test_rmse".into(), rmse), ("test_r2".into(), 0.5)],
        train_seconds: 0.25,
        epochs: 3,
        provenance: Some(Provenance {
            started_at: "2026-12-03T09:35:24Z".into(),
            runner_version: "0.1.0".into(),
            git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            git_dirty: Some(false),
            host: "ci".into(),
            data_hash: "ab".repeat(32),
            data_hashed: "generator".into(),
        }),
    };
    write_runs(
        dir,
        &[
            run(3, RunStatus::Ok, 0.125),
            run(5, RunStatus::Failed, f64::NAN),
            run(7, RunStatus::Ok, 1.0 / 3.0),
        ],
    )
    .unwrap();
    std::fs::read(dir.join("runs.parquet")).unwrap()
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn a_mutated_experiment_file_never_panics(edits in edits()) {
        let s = scratch_dir();
        write(s.path(), "series.csv", SERIES);
        let file = s.path().join("exp.toml");
        std::fs::write(&file, mutate(EXPERIMENT.as_bytes(), &edits)).unwrap();
        let _ = runner::spec::load_sweep(&file, &[]);
    }

    #[test]
    fn a_mutated_data_csv_never_panics(edits in edits()) {
        let bytes = mutate(SERIES.as_bytes(), &edits);
        for missing in [Missing::Error, Missing::Interpolate] {
            let _ = read_csv_from(bytes.as_slice(), Path::new("x.csv"), "value", Some("time"), missing);
        }
    }

    #[test]
    fn a_mutated_gate_baseline_never_panics(edits in edits()) {
        let s = scratch_dir();
        let path = s.path().join("baseline.csv");
        std::fs::write(&path, mutate(baseline().as_bytes(), &edits)).unwrap();
        let _ = read_gate_file(&path);
    }
}

proptest! {
    #![proptest_config(config(PARQUET_CASES))]

    #[test]
    fn a_mutated_runs_table_never_panics(edits in edits()) {
        thread_local! {
            static VALID: (tempfile::TempDir, Vec<u8>) = {
                let s = scratch_dir();
                let bytes = runs_parquet(s.path());
                (s, bytes)
            };
        }
        let bytes = VALID.with(|(_, b)| mutate(b, &edits));
        let s = scratch_dir();
        std::fs::write(s.path().join("runs.parquet"), bytes).unwrap();
        let _ = read_runs(s.path());
    }
}

/// Asserts `runner args` exited 2 with an error naming `path`.
fn refused(dir: &Path, args: &[&str], path: &Path) -> String {
    let out = runner(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(&path.display().to_string()), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn experiment_dir() -> (tempfile::TempDir, PathBuf) {
    let s = scratch_dir();
    write(s.path(), "series.csv", SERIES);
    let file = write(s.path(), "exp.toml", EXPERIMENT);
    (s, file)
}

#[test]
fn the_binary_refuses_a_truncated_experiment_file() {
    let (s, file) = experiment_dir();
    // Cut inside `[window]`'s table header.
    let cut = EXPERIMENT.find("[window]").unwrap() + 4;
    std::fs::write(&file, &EXPERIMENT[..cut]).unwrap();
    let err = refused(s.path(), &["validate", "exp.toml"], Path::new("exp.toml"));
    assert!(err.contains("invalid TOML"), "{err}");
    refused(s.path(), &["run", "exp.toml"], Path::new("exp.toml"));
    assert!(!s.path().join("results").exists(), "nothing written");
}

#[test]
fn the_binary_refuses_a_data_csv_with_a_column_named_twice() {
    let (s, _) = experiment_dir();
    write(
        s.path(),
        "series.csv",
        &SERIES.replacen("time,value", "time,value,value", 1),
    );
    for cmd in ["validate", "run"] {
        let err = refused(s.path(), &[cmd, "exp.toml"], Path::new("series.csv"));
        assert!(
            err.contains("the column name `value` is given twice (columns 2 and 3)"),
            "{err}"
        );
    }
    assert!(!s.path().join("results").exists(), "nothing written");
}

#[test]
fn the_binary_refuses_a_header_only_gate_baseline() {
    let s = scratch_dir();
    let experiment = project().join("experiments/ci_sine.toml");
    let header = baseline().lines().next().unwrap().to_string() + "\n";
    let path = write(s.path(), "baseline.csv", &header);
    let err = refused(
        s.path(),
        &[
            "check",
            experiment.to_str().unwrap(),
            "--baseline",
            "baseline.csv",
            "--out",
            "out",
        ],
        Path::new("baseline.csv"),
    );
    assert!(path.is_file());
    assert!(err.contains("an empty baseline checks nothing"), "{err}");
    assert!(!s.path().join("out").exists(), "nothing trained");
}

#[test]
fn the_binary_refuses_a_damaged_runs_table() {
    let s = scratch_dir();
    std::fs::create_dir(s.path().join("res")).unwrap();
    let valid = runs_parquet(&s.path().join("res"));
    let path = s.path().join("res").join("runs.parquet");
    // Truncated to its first half, as an interrupted copy leaves it.
    std::fs::write(&path, &valid[..valid.len() / 2]).unwrap();
    let err = refused(s.path(), &["compare", "res"], Path::new("res/runs.parquet"));
    assert!(err.contains("cannot read"), "{err}");
}

/// A runs.parquet on which polars' reader panics: the first single-byte inversion of a valid
/// file that does, tried position by position (the same bytes every time).
fn panicking_runs_parquet(dir: &Path) -> Option<Vec<u8>> {
    use polars_io::prelude::{ParquetReader, SerReader};
    let valid = runs_parquet(dir);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let found = (0..valid.len()).find_map(|i| {
        let mut bytes = valid.clone();
        bytes[i] ^= 0xff;
        let cursor = std::io::Cursor::new(bytes.clone());
        let read = std::panic::catch_unwind(|| ParquetReader::new(cursor).finish());
        read.is_err().then_some(bytes)
    });
    std::panic::set_hook(hook);
    found
}

#[test]
fn a_runs_table_the_parquet_reader_panics_on_is_an_error_without_a_panic_message() {
    let s = scratch_dir();
    let bytes = panicking_runs_parquet(s.path()).expect("a byte inversion that panics polars");
    let folder = s.path().join("damaged");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("runs.parquet"), bytes).unwrap();
    let err = refused(
        s.path(),
        &["compare", folder.to_str().unwrap()],
        &folder.join("runs.parquet"),
    );
    assert!(err.contains("the file is damaged"), "{err}");
}
