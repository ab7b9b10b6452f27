//! Damaged run folders through the real binary: a folder that does not match its manifest, has
//! none, or holds another run's record is named on stderr and retrained, and the tables equal
//! a clean run's.

mod common;

use std::path::{Path, PathBuf};

use common::{listing, read_parquet, runner, scratch_dir, stderr, strs, tables, write};

/// 2 lookbacks × 2 seeds = 4 runs of 3 epochs on a short sine.
const SMALL: &str = r#"
name = "small"
[data]
kind = "sine"
points = 200
stop = 20.0
[model]
units = [4]
[train]
epochs = 3
[sweep]
window.lookback = [4, 6]
seed = [1, 2]
"#;

/// Runs `SMALL` in `dir` (results in `dir/out`) and returns its run folders, in grid order.
fn run_small(dir: &Path) -> (std::process::Output, Vec<PathBuf>) {
    let out = runner(dir, &["run", "small.toml", "--out", "out", "-j", "2"]);
    let ids = strs(&read_parquet(&dir.join("out/runs.parquet")), "run_id");
    let folders = ids.iter().map(|id| dir.join("out/runs").join(id)).collect();
    (out, folders)
}

#[test]
fn damaged_run_folders_are_named_retrained_and_the_tables_equal_a_clean_run() {
    let clean = scratch_dir();
    write(clean.path(), "small.toml", SMALL);
    let (out, _) = run_small(clean.path());
    assert!(out.status.success(), "{}", stderr(&out));

    let s = scratch_dir();
    write(s.path(), "small.toml", SMALL);
    let (out, folders) = run_small(s.path());
    assert!(out.status.success(), "{}", stderr(&out));
    for f in &folders {
        assert!(listing(f).contains(&"manifest.json".to_string()), "{f:?}");
    }

    // What a power cut or a careless edit leaves behind, one per folder.
    let predictions = std::fs::read(folders[0].join("predictions.csv")).unwrap();
    std::fs::write(
        folders[0].join("predictions.csv"),
        &predictions[..predictions.len() / 2],
    )
    .unwrap();
    std::fs::write(
        folders[1].join("history.csv"),
        "fold,epoch,train_loss,val_loss\n",
    )
    .unwrap();
    let other_id = folders[3].file_name().unwrap().to_str().unwrap();
    let own_id = folders[2].file_name().unwrap().to_str().unwrap();
    let record = std::fs::read_to_string(folders[2].join("record.json")).unwrap();
    std::fs::write(
        folders[2].join("record.json"),
        record.replace(own_id, other_id),
    )
    .unwrap();

    let out = runner(s.path(), &["run", "small.toml", "--out", "out"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let warning = |folder: &Path, why: &str| {
        format!(
            "warning: {}: damaged run folder ({why}); retraining it",
            folder.strip_prefix(s.path()).unwrap().display()
        )
    };
    let size = |f: &Path, name: &str| std::fs::metadata(f.join(name)).unwrap().len();
    for expected in [
        warning(
            &folders[0],
            &format!(
                "predictions.csv has {} bytes, its manifest says {}",
                predictions.len() / 2,
                predictions.len()
            ),
        ),
        warning(
            &folders[1],
            &format!(
                "history.csv has 31 bytes, its manifest says {}",
                // Retrained by now: the same bytes as before the damage.
                size(&folders[1], "history.csv")
            ),
        ),
        warning(
            &folders[2],
            "record.json does not match its hash in manifest.json",
        ),
    ] {
        assert!(err.contains(&expected), "{expected}\nnot in:\n{err}");
    }
    assert!(err.contains("4 runs (1 cached, 3 to run)"), "{err}");
    assert_eq!(
        tables(&s.path().join("out")),
        tables(&clean.path().join("out"))
    );
    let ids = strs(&read_parquet(&s.path().join("out/runs.parquet")), "run_id");
    let mut distinct = ids.clone();
    distinct.dedup();
    assert_eq!(ids.len(), 4);
    assert_eq!(distinct, ids, "no run id twice");

    // Now all intact: everything is cached and nothing is named.
    let out = runner(s.path(), &["run", "small.toml", "--out", "out"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("4 runs (4 cached, 0 to run)"), "{err}");
    assert!(!err.contains("warning"), "{err}");
}

/// A record that names another run, with a manifest rewritten to match it (someone copied a
/// folder under another name), is still refused: its record is not the folder's run.
#[test]
fn a_folder_holding_another_runs_record_is_retrained() {
    let s = scratch_dir();
    write(s.path(), "small.toml", SMALL);
    let (out, folders) = run_small(s.path());
    assert!(out.status.success(), "{}", stderr(&out));
    // Folder 0's files under folder 1's name: a consistent folder of the wrong run.
    std::fs::remove_dir_all(&folders[1]).unwrap();
    std::fs::create_dir(&folders[1]).unwrap();
    for name in listing(&folders[0]) {
        std::fs::copy(folders[0].join(&name), folders[1].join(&name)).unwrap();
    }
    let out = runner(s.path(), &["run", "small.toml", "--out", "out"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let (a, b) = (
        folders[0].file_name().unwrap().to_str().unwrap(),
        folders[1].file_name().unwrap().to_str().unwrap(),
    );
    let expected = format!(
        "warning: out/runs/{b}: damaged run folder (record.json is the record of run {a}, \
         not of {b}); retraining it"
    );
    assert!(err.contains(&expected), "{expected}\nnot in:\n{err}");
    let ids = strs(&read_parquet(&s.path().join("out/runs.parquet")), "run_id");
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "{ids:?}");
}

/// Folders written before manifests existed have none: they are retrained once, with a message.
#[test]
fn a_folder_without_a_manifest_is_retrained_with_a_message() {
    let s = scratch_dir();
    write(s.path(), "small.toml", SMALL);
    let (out, folders) = run_small(s.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let before = tables(&s.path().join("out"));
    std::fs::remove_file(folders[3].join("manifest.json")).unwrap();
    let out = runner(s.path(), &["run", "small.toml", "--out", "out", "-q"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let id = folders[3].file_name().unwrap().to_str().unwrap();
    assert_eq!(
        err,
        format!(
            "warning: out/runs/{id}: damaged run folder (no manifest.json (an interrupted \
             write, or a folder from before manifests)); retraining it\n"
        ),
        "named even with -q"
    );
    assert!(folders[3].join("manifest.json").is_file());
    assert_eq!(tables(&s.path().join("out")), before);
}

/// `merge` never copies or reads a damaged folder: it names it and reports the run missing.
#[test]
fn merge_skips_a_damaged_folder_and_names_it() {
    let s = scratch_dir();
    write(s.path(), "small.toml", SMALL);
    let (out, folders) = run_small(s.path());
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(folders[0].join("predictions.csv"), "").unwrap();
    let out = runner(s.path(), &["merge", "out", "--out", "merged"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "a run is missing: {err}");
    let id = folders[0].file_name().unwrap().to_str().unwrap();
    assert!(
        err.contains(&format!(
            "warning: out/runs/{id}: damaged run folder (predictions.csv has 0 bytes"
        )),
        "{err}"
    );
    assert!(
        err.contains("1 runs of the grid have no finished folder"),
        "{err}"
    );
    assert!(!s.path().join("merged/runs").join(id).exists());
    assert_eq!(
        read_parquet(&s.path().join("merged/runs.parquet")).height(),
        3
    );
}
