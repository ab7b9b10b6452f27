//! Sweeps through the real binary: expansion, parallel runs, determinism across --jobs,
//! resume after SIGKILL, tables, plots, report, compare.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    f64s, listing, read_parquet, runner, runner_env, scratch_dir, tables, text, write, GRID,
};
use polars_core::prelude::DataType;

#[test]
fn a_grid_runs_and_leaves_tables_plots_and_report() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let out = runner(s.path(), &[file.to_str().unwrap(), "--jobs", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = s.path().join("results/grid");

    let runs = read_parquet(&dir.join("runs.parquet"));
    assert_eq!(runs.height(), 8);
    assert_eq!(
        runs.column("window_lookback").unwrap().dtype(),
        &DataType::Int64
    );
    assert_eq!(
        runs.column("model_units").unwrap().dtype(),
        &DataType::String
    );
    assert_eq!(
        runs.column("test_rmse").unwrap().dtype(),
        &DataType::Float64
    );
    let labels = runs.column("label").unwrap().str().unwrap().clone();
    assert_eq!(labels.get(0), Some("units=8 lookback=4 seed=1"));
    assert_eq!(labels.get(7), Some("units=6x6 lookback=6 seed=2"));
    let ids = runs.column("run_id").unwrap().str().unwrap().clone();
    for i in 0..8 {
        let id = ids.get(i).unwrap();
        assert!(
            dir.join("runs").join(id).join("config.toml").is_file(),
            "run folder {id}"
        );
    }

    let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 1 + 4, "{summary}");
    for plot in [
        "ranking.png",
        "param_window_lookback.png",
        "param_model_units.png",
        "best.png",
        "loss.png",
        "forecast.png",
    ] {
        let p = dir.join("plots").join(plot);
        assert!(
            std::fs::metadata(&p)
                .map(|m| m.len() > 5000)
                .unwrap_or(false),
            "{plot}"
        );
    }
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("plots/ranking.png"), "{report}");
    assert!(report.contains("naive"), "{report}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("8 runs (0 cached, 8 trained, 0 failed), 2 datasets"),
        "{stdout}"
    );
}

#[test]
fn results_are_identical_for_one_and_two_jobs() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let one = runner(
        s.path(),
        &[file.to_str().unwrap(), "-j", "1", "--out", "one", "-q"],
    );
    let two = runner(
        s.path(),
        &[file.to_str().unwrap(), "-j", "2", "--out", "two", "-q"],
    );
    assert!(one.status.success() && two.status.success());
    let (a, b) = (tables(&s.path().join("one")), tables(&s.path().join("two")));
    for (x, y) in a.iter().zip(&b) {
        assert!(x.equals_missing(y), "tables differ:\n{x}\n{y}");
    }
}

#[test]
fn a_second_invocation_reuses_finished_runs_and_force_retrains() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let first = runner(s.path(), &[file.to_str().unwrap(), "-q"]);
    assert!(first.status.success());
    let again = runner(s.path(), &[file.to_str().unwrap()]);
    assert!(again.status.success());
    assert!(
        text(&again.stderr).contains("8 runs (8 cached, 0 to run)"),
        "{}",
        text(&again.stderr)
    );
    // Changing one axis keeps the runs it shares with the previous grid.
    let wider = runner(
        s.path(),
        &[
            file.to_str().unwrap(),
            "--set",
            "sweep.window.lookback=[4, 6, 8]",
        ],
    );
    assert!(
        text(&wider.stderr).contains("12 runs (8 cached, 4 to run)"),
        "{}",
        text(&wider.stderr)
    );
    let forced = runner(s.path(), &[file.to_str().unwrap(), "--force"]);
    assert!(
        text(&forced.stderr).contains("(0 cached, 8 to run)"),
        "{}",
        text(&forced.stderr)
    );
}

#[test]
fn a_sweep_killed_midway_resumes_to_the_same_tables() {
    let s = scratch_dir();
    // 6 runs of about 0.5 s each on one job: time to kill it in the middle, even on a
    // loaded machine.
    let grid = GRID
        .replace("epochs = 3", "epochs = 150")
        .replace("seed = [1, 2]", "seed = [1, 2, 3]")
        .replace("model.units = [[8], [6, 6]]", "model.units = [[40, 40]]");
    let file = write(s.path(), "grid.toml", &grid);
    let reference = runner(
        s.path(),
        &[file.to_str().unwrap(), "-q", "--out", "reference"],
    );
    assert!(reference.status.success());

    let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args([file.to_str().unwrap(), "-q", "-j", "1", "--out", "killed"])
        .current_dir(s.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let runs_dir = s.path().join("killed/runs");
    let finished = |dir: &Path| -> usize {
        std::fs::read_dir(dir)
            .map(|d| {
                // A temporary folder (".<id>.tmp-<pid>-<n>") is not a finished run.
                d.flatten()
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .filter(|e| e.path().join("record.json").is_file())
                    .count()
            })
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while finished(&runs_dir) < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = finished(&runs_dir);
    assert!(
        (1..6).contains(&done),
        "killed after {done} of 6 runs: too late to test resuming"
    );

    // Beside what the kill left: the temporary of another writer that is still at work (its
    // lock held by this test process) and one whose writer died (its lock free).
    let temporary = |name: &str| {
        std::fs::create_dir(runs_dir.join(name)).unwrap();
        std::fs::File::create(runs_dir.join(format!("{name}.lock"))).unwrap()
    };
    let live = temporary(".live.tmp-1-0");
    live.lock().unwrap();
    drop(temporary(".dead.tmp-2-0"));

    let resumed = runner(s.path(), &[file.to_str().unwrap(), "--out", "killed"]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let msg = text(&resumed.stderr);
    assert!(
        msg.contains(&format!("6 runs ({done} cached, {} to run)", 6 - done)),
        "{msg}"
    );
    let (a, b) = (
        tables(&s.path().join("reference")),
        tables(&s.path().join("killed")),
    );
    for (x, y) in a.iter().zip(&b) {
        assert!(x.equals_missing(y), "tables differ:\n{x}\n{y}");
    }
    // No temporary is left behind but the live writer's.
    let leftovers: Vec<String> = listing(&runs_dir)
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(leftovers, [".live.tmp-1-0", ".live.tmp-1-0.lock"]);
    drop(live);
}

#[test]
fn validate_prints_the_plan() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let out = runner(s.path(), &["validate", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // Training windows: 240 train points - lookback: 236 (lookback 4) and 234 (lookback 6),
    // each in 4 runs of 3 epochs: 4·3·(236 + 234) = 5640.
    assert!(
        stdout.contains("# plan: 8 runs, 2 distinct datasets, 5640 sample-epochs"),
        "{stdout}"
    );
    assert!(!s.path().join("results").exists());
}

#[test]
fn a_bad_sweep_is_rejected_before_anything_runs() {
    let s = scratch_dir();
    let file = write(
        s.path(),
        "grid.toml",
        &GRID.replace("window.lookback = [4, 6]", "window.lokback = [4, 6]"),
    );
    let out = runner(s.path(), &[file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `sweep.window.lookback`"),
        "{}",
        text(&out.stderr)
    );
    let file = write(
        s.path(),
        "grid2.toml",
        &GRID.replace("window.lookback = [4, 6]", "window.lookback = [4, 400]"),
    );
    let out = runner(s.path(), &[file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("sweep candidate `window.lookback = 400`"),
        "{}",
        text(&out.stderr)
    );
    assert!(!s.path().join("results").exists());
}

#[test]
fn a_diverging_run_is_recorded_and_the_others_finish() {
    let s = scratch_dir();
    let grid = GRID
        .replace(
            "[sweep]",
            "[sweep]\ntrain.optimizer = [\"sgd\"]\ntrain.learning_rate = [0.01, 1e12]",
        )
        .replace("model.units = [[8], [6, 6]]\n", "")
        .replace("seed = [1, 2]", "seed = [1]");
    let file = write(s.path(), "grid.toml", &grid);
    let out = runner(s.path(), &[file.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("lr=1000000000000") && stdout.contains("diverged"),
        "{stdout}"
    );
    assert!(
        stdout.contains("4 runs (0 cached, 4 trained, 2 failed)"),
        "{stdout}"
    );
    let runs = read_parquet(&s.path().join("results/grid/runs.parquet"));
    let status = runs.column("status").unwrap().str().unwrap().clone();
    let ok = (0..4).filter(|&i| status.get(i) == Some("ok")).count();
    assert_eq!(ok, 2);
}

#[test]
fn compare_ranks_one_folder_and_diffs_two() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    assert!(
        runner(s.path(), &[file.to_str().unwrap(), "-q", "--out", "a"])
            .status
            .success()
    );
    let slower = runner(
        s.path(),
        &[
            file.to_str().unwrap(),
            "-q",
            "--out",
            "b",
            "--set",
            "train.learning_rate=0.0001",
        ],
    );
    assert!(slower.status.success());

    let one = runner(s.path(), &["compare", "a", "--top", "2"]);
    assert!(one.status.success(), "{}", text(&one.stderr));
    let table = text(&one.stdout);
    assert!(table.contains("lookback="), "{table}");
    let ranked = table
        .lines()
        .filter(|l| {
            l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains("lookback=")
        })
        .count();
    assert_eq!(ranked, 2, "--top 2:\n{table}");

    let two = runner(s.path(), &["compare", "a", "b"]);
    assert!(two.status.success(), "{}", text(&two.stderr));
    let diff = text(&two.stdout);
    // The same four configurations on both sides, each with a change in percent.
    assert_eq!(
        diff.lines()
            .filter(|l| l.contains("lookback=") && l.contains('%'))
            .count(),
        4,
        "{diff}"
    );

    let missing = runner(s.path(), &["compare", "nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("nowhere"));

    // A metric runner never writes is refused before any folder is read; one it writes but
    // this sweep lacks names the runs table and what it has.
    let typo = runner(s.path(), &["compare", "a", "--metric", "test_rmsee"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        text(&typo.stderr).contains("`test_rmsee` is not a metric runner writes"),
        "{}",
        text(&typo.stderr)
    );
    let absent = runner(s.path(), &["compare", "a", "--metric", "test_rmse_step2"]);
    assert_eq!(absent.status.code(), Some(2));
    assert!(
        text(&absent.stderr).contains("no metric \"test_rmse_step2\"")
            && text(&absent.stderr).contains("runs.parquet"),
        "{}",
        text(&absent.stderr)
    );
    // Ranked by a higher-is-better metric, the best comes first.
    let r2 = runner(s.path(), &["compare", "a", "--metric", "test_r2"]);
    let r2 = text(&r2.stdout);
    assert!(r2.contains("ranked by test_r2 (higher is better)"), "{r2}");
    // The rows' means (the number before any ± in the last column) fall from rank 1 down.
    let means: Vec<f64> = r2
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| {
            let last = l.rsplit("  ").find(|c| !c.trim().is_empty()).unwrap();
            last.split('±').next().unwrap().trim().parse().unwrap()
        })
        .collect();
    assert!(means.len() >= 2, "{r2}");
    assert!(means.windows(2).all(|w| w[0] >= w[1]), "{means:?}\n{r2}");
}

#[test]
fn shards_merged_from_one_or_several_folders_equal_a_local_run() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let f = file.to_str().unwrap();
    assert!(runner(s.path(), &[f, "-q", "--out", "local"])
        .status
        .success());

    // Three shards into one shared folder, then merge.
    for k in 0..3 {
        let shard = format!("{k}/3");
        let out = runner(s.path(), &[f, "-q", "--out", "shared", "--shard", &shard]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&format!("shard {k}/3")),
            "{}",
            text(&out.stdout)
        );
    }
    // 8 runs at positions 0..8: shard 0 holds 0, 3, 6.
    assert!(
        !s.path().join("shared/runs.parquet").exists(),
        "a shard builds no tables"
    );
    // -q and --out are accepted by merge as by run.
    let merged = runner(s.path(), &["merge", "shared", "-q", "--out", "shared"]);
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    assert!(text(&merged.stdout).starts_with("merged 8 runs (0 copied in)"));
    let (a, b) = (
        tables(&s.path().join("local")),
        tables(&s.path().join("shared")),
    );
    for (x, y) in a.iter().zip(&b) {
        assert!(x.equals_missing(y), "tables differ:\n{x}\n{y}");
    }

    // Shards in separate folders (the index from Slurm's variables), merged into a new one.
    for k in 0..2 {
        let out = runner_env(
            s.path(),
            &[f, "-q", "--out", &format!("part{k}")],
            &[
                ("SLURM_ARRAY_TASK_ID", &k.to_string()),
                ("SLURM_ARRAY_TASK_COUNT", "2"),
            ],
        );
        assert!(
            text(&out.stdout).contains(&format!("shard {k}/2")),
            "{}",
            text(&out.stdout)
        );
    }
    let partial = runner(s.path(), &["merge", "part0", "--out", "partial"]);
    assert_eq!(partial.status.code(), Some(1), "half the runs are missing");
    assert!(text(&partial.stderr).contains("4 runs of the grid have no finished folder"));
    let merged = runner(s.path(), &["merge", "part0", "part1", "--out", "merged"]);
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    assert!(
        text(&merged.stdout).contains("merged 8 runs"),
        "{}",
        text(&merged.stdout)
    );
    let c = tables(&s.path().join("merged"));
    for (x, y) in a.iter().zip(&c) {
        assert!(x.equals_missing(y), "tables differ:\n{x}\n{y}");
    }
}

#[test]
fn kubernetes_index_needs_a_shard_count() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let f = file.to_str().unwrap();
    let out = runner_env(s.path(), &[f, "-q"], &[("JOB_COMPLETION_INDEX", "1")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--shard-count"),
        "{}",
        text(&out.stderr)
    );
    let out = runner_env(
        s.path(),
        &[f, "-q", "--shard-count", "4"],
        &[("JOB_COMPLETION_INDEX", "1")],
    );
    assert!(
        text(&out.stdout).contains("shard 1/4: 2 runs"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn slurm_writes_an_array_and_a_dependent_merge_job() {
    let s = scratch_dir();
    let file = write(s.path(), "grid.toml", GRID);
    let out = runner(
        s.path(),
        &[
            "slurm",
            file.to_str().unwrap(),
            "--out",
            "res",
            "--runs-per-task",
            "3",
            "--throttle",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("8 runs in 3 array tasks"),
        "{}",
        text(&out.stdout)
    );
    let array = std::fs::read_to_string(s.path().join("res/slurm/array.sbatch")).unwrap();
    assert!(array.contains("#SBATCH --array=0-2%2"), "{array}");
    assert!(
        array.contains("--shard \"$SLURM_ARRAY_TASK_ID/3\""),
        "{array}"
    );
    let submit = std::fs::read_to_string(s.path().join("res/slurm/submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok:"), "{submit}");
}

#[test]
fn a_multi_step_horizon_reports_the_error_of_each_step() {
    let s = scratch_dir();
    let file = write(s.path(), "h.toml",
        "name = \"h\"\n[data]\nkind = \"sine\"\npoints = 300\nstop = 30.0\n[window]\nlookback = 8\nhorizon = 3\n\
         [model]\nunits = [8]\n[train]\nepochs = 5\n",
    );
    let out = runner(s.path(), &[file.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = s.path().join("results/h");
    let runs = read_parquet(&dir.join("runs.parquet"));
    let step = |k: usize| f64s(&runs, &format!("test_rmse_step{k}"))[0];
    let overall = f64s(&runs, "test_rmse")[0];
    // The overall RMSE pools the three steps: its square is the mean of theirs.
    let pooled = ((step(1).powi(2) + step(2).powi(2) + step(3).powi(2)) / 3.0).sqrt();
    assert!((pooled - overall).abs() < 1e-12, "{pooled} vs {overall}");
    assert!(runs.column("test_rmse_step4").is_err());
    assert!(
        dir.join("plots/paths.png").is_file(),
        "multi-step paths from test origins"
    );
    // 60 test points, lookback 8, horizon 3: 50 windows of 3 predictions.
    let preds = read_parquet(&dir.join("predictions.parquet"));
    let split = preds.column("split").unwrap().str().unwrap().clone();
    assert_eq!(
        (0..split.len())
            .filter(|&i| split.get(i) == Some("test"))
            .count(),
        150
    );
}

#[test]
fn transformed_runs_are_scored_in_original_units() {
    let s = scratch_dir();
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/airline_passengers.csv");
    let file = write(
        s.path(),
        "air.toml",
        &format!(
            "name = \"air\"\n[data]\nkind = \"csv\"\npath = {:?}\nseason = 12\n[split]\ntest = 24\n\
             [transform]\nlog = true\nseasonal_difference = 12\n[window]\nlookback = 12\n\
             [model]\nunits = [8]\n[train]\nepochs = 20\nbatch_size = 16\n",
            data.to_str().unwrap()
        ),
    );
    let out = runner(s.path(), &[file.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let preds = read_parquet(&s.path().join("results/air/predictions.parquet"));
    let split = preds.column("split").unwrap().str().unwrap().clone();
    let index = preds.column("position").unwrap().u32().unwrap().clone();
    let actual = preds.column("actual").unwrap().f64().unwrap().clone();
    let predicted = preds.column("predicted").unwrap().f64().unwrap().clone();
    // 24 test points, all predicted (windows of the test part see its own transformed values).
    let test: Vec<usize> = (0..split.len())
        .filter(|&i| split.get(i) == Some("test"))
        .collect();
    assert!(!test.is_empty());
    for &i in &test {
        // Actual values are the CSV's (passengers, thousands: 104..622), and predictions
        // are back in the same units - not logs (~5-6) nor seasonal differences (~0).
        assert!(
            (300.0..700.0).contains(&actual.get(i).unwrap()),
            "actual {:?}",
            actual.get(i)
        );
        let p = predicted.get(i).unwrap();
        assert!(
            (150.0..1000.0).contains(&p),
            "prediction {p} at index {:?}",
            index.get(i)
        );
    }
}
