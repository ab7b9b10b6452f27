//! A run's identity includes the bytes of the CSV file it reads: an edited file retrains,
//! and the user is told why; an unchanged one is served from the cache.

mod common;

use common::{runner, scratch_dir, stderr, write};

/// A noisy seasonal series of 80 values, scaled by `factor`.
fn series(factor: f64) -> String {
    let mut text = String::from("t,value\n");
    for i in 0..80 {
        let v = (i as f64 * 0.5).sin() * 3.0 + 10.0 + ((i * 7) % 5) as f64 * 0.1;
        text.push_str(&format!("{i},{}\n", v * factor));
    }
    text
}

const EXPERIMENT: &str =
    "name = \"csvid\"\nseed = 3\n[data]\nkind = \"csv\"\npath = \"data.csv\"\n\
    [window]\nlookback = 4\n[model]\nunits = [4]\n[train]\nepochs = 3\n";

/// (run_id, test_rmse) of the only run in `folder/runs.csv`.
fn only_run(folder: &std::path::Path) -> (String, String) {
    let text = std::fs::read_to_string(folder.join("runs.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(lines.next().is_none(), "one run: {text}");
    let at = |name: &str| row[header.iter().position(|h| *h == name).unwrap()].to_string();
    (at("run_id"), at("test_rmse"))
}

#[test]
fn editing_the_csv_retrains_and_says_why() {
    let dir = scratch_dir();
    let data = dir.path().join("data.csv");
    std::fs::write(&data, series(1.0)).unwrap();
    let file = write(dir.path(), "exp.toml", EXPERIMENT);
    let file = file.to_str().unwrap();
    let run = || runner(dir.path(), &["run", file, "--out", "out"]);
    let out = dir.path().join("out");

    let first = run();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("1 runs (0 cached, 1 to run)"),
        "{}",
        stderr(&first)
    );
    let (id, rmse) = only_run(&out);

    // unchanged: served from the cache, no word about data
    let again = run();
    let err = stderr(&again);
    assert_eq!(again.status.code(), Some(0), "{err}");
    assert!(err.contains("(1 cached, 0 to run)"), "{err}");
    assert!(!err.contains("changed"), "{err}");
    assert_eq!(only_run(&out), (id.clone(), rmse.clone()));

    // every value × 10: new data, so a new run id, retrained, and the reason printed
    std::fs::write(&data, series(10.0)).unwrap();
    let edited = run();
    let err = stderr(&edited);
    assert_eq!(edited.status.code(), Some(0), "{err}");
    assert!(err.contains("(0 cached, 1 to run)"), "{err}");
    assert!(
        err.contains(&format!(
            "data of {} changed since the cached runs: retraining 1 run",
            data.display()
        )),
        "{err}"
    );
    let (new_id, new_rmse) = only_run(&out);
    assert_ne!(new_id, id);
    assert_ne!(new_rmse, rmse, "the test RMSE of the new data");
    let old: f64 = rmse.parse().unwrap();
    let new: f64 = new_rmse.parse().unwrap();
    assert!(
        new > 5.0 * old,
        "values ×10 give a larger error: {old} -> {new}"
    );

    // and cached again once trained on the new contents
    let cached = run();
    assert!(
        stderr(&cached).contains("(1 cached, 0 to run)"),
        "{}",
        stderr(&cached)
    );
    assert_eq!(only_run(&out), (new_id, new_rmse));
}

#[test]
fn the_same_csv_under_another_experiment_file_keeps_its_id() {
    // contents, not timestamps: rewriting identical bytes keeps the cache
    let dir = scratch_dir();
    let data = dir.path().join("data.csv");
    std::fs::write(&data, series(1.0)).unwrap();
    let file = write(dir.path(), "exp.toml", EXPERIMENT);
    let file = file.to_str().unwrap();
    let first = runner(dir.path(), &["run", file, "--out", "out", "-q"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    std::fs::remove_file(&data).unwrap();
    std::fs::write(&data, series(1.0)).unwrap();
    let again = runner(dir.path(), &["run", file, "--out", "out"]);
    assert!(
        stderr(&again).contains("(1 cached, 0 to run)"),
        "{}",
        stderr(&again)
    );
}
