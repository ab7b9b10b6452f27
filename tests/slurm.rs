//! A sweep on a real Slurm: a 4-task array plus a merge job with --dependency=afterok, whose
//! merged tables must equal a local run's bit for bit.
//!
//! Needs a running Slurm (sbatch, squeue, scontrol): `.ci/run` starts a single-node one with
//! ../shared/slurm/start-local-slurm.sh and runs this test with `--ignored`. Where Slurm cannot
//! be started, `.ci/run` says so and why, and this test stays ignored rather than pretending.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{scratch_dir, tables};

/// `JobState` of a job, or of every task of an array job.
fn job_states(id: &str) -> Vec<String> {
    let Ok(out) = Command::new("scontrol").args(["show", "job", id]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("JobState="))
        .map(str::to_string)
        .collect()
}

const FAILED: [&str; 5] = [
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
];

#[test]
#[ignore = "needs a running Slurm; .ci/run starts one and runs this with --ignored"]
fn a_slurm_array_plus_merge_equals_a_local_run() {
    // Slurm jobs run as separate processes that must see the folder: use an absolute path.
    let scratch = scratch_dir();
    let dir: PathBuf = std::path::absolute(scratch.path()).unwrap();
    let file = dir.join("grid.toml");
    std::fs::write(
        &file,
        "name = \"grid\"\n[data]\nkind = \"sine\"\npoints = 300\nstop = 30.0\n[model]\nunits = [8]\n\
         [train]\nepochs = 5\n[sweep]\nwindow.lookback = [4, 6]\nseed = [1, 2, 3, 4]\n",
    )
    .unwrap();
    let runner = env!("CARGO_BIN_EXE_runner");
    let local = Command::new(runner)
        .args([file.to_str().unwrap(), "-q", "--out"])
        .arg(dir.join("local"))
        .output()
        .unwrap();
    assert!(local.status.success());

    // 8 runs, 2 per task: a 4-task array.
    let out = Command::new(runner)
        .args([
            "slurm",
            file.to_str().unwrap(),
            "--runs-per-task",
            "2",
            "--submit",
            "--out",
        ])
        .arg(dir.join("cluster"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("8 runs in 4 array tasks"), "{stdout}");
    let ids: Vec<&str> = stdout
        .lines()
        .find_map(|l| l.strip_prefix("submitted array job "))
        .expect("job ids printed")
        .split(" and merge job ")
        .collect();
    let (array, merge) = (ids[0], ids[1]);

    let deadline = Instant::now() + Duration::from_secs(300);
    let state = loop {
        let merge_state = job_states(merge);
        if merge_state.iter().any(|s| s == "COMPLETED") {
            break "COMPLETED".to_string();
        }
        // A failed shard leaves the merge pending forever (DependencyNeverSatisfied).
        if let Some(s) = job_states(array)
            .iter()
            .chain(&merge_state)
            .find(|s| FAILED.contains(&s.as_str()))
        {
            break format!("a job ended {s}");
        }
        if Instant::now() > deadline {
            break "timed out".to_string();
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let logs = std::fs::read_dir(dir.join("cluster/slurm/logs"))
        .map(|d| {
            d.flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    assert_eq!(
        state, "COMPLETED",
        "merge job {merge} (array {array}); logs:\n{logs}"
    );
    let (a, b) = (tables(&dir.join("local")), tables(&dir.join("cluster")));
    for (x, y) in a.iter().zip(&b) {
        assert!(x.equals_missing(y), "tables differ:\n{x}\n{y}");
    }
}
