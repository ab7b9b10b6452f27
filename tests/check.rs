//! `runner check`, the regression gate, through the real binary.

mod common;

use std::path::PathBuf;

use common::{project, runner, runner_env, scratch_dir, text};

fn ci_sine() -> PathBuf {
    project().join("experiments/ci_sine.toml")
}

#[test]
fn the_gate_passes_unchanged_flags_a_worse_config_and_a_missing_one() {
    let s = scratch_dir();
    let exp = ci_sine();
    let exp = exp.to_str().unwrap();
    let base = s.path().join("baseline.csv");
    let base = base.to_str().unwrap();

    let update = runner(
        s.path(),
        &["check", exp, "--baseline", base, "--update", "-q"],
    );
    assert!(update.status.success(), "{}", text(&update.stderr));
    let csv = std::fs::read_to_string(base).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "config,metric,mean,std,n,runner_version,experiment_hash"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].starts_with("lookback=10,test_rmse,") && lines[1].contains(",3,"),
        "{csv}"
    );

    // Unchanged: the same runs (cached) against their own baseline.
    let summary = s.path().join("step_summary.md");
    let same = runner_env(
        s.path(),
        &["check", exp, "--baseline", base, "-q"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}{}",
        text(&same.stdout),
        text(&same.stderr)
    );
    assert!(text(&same.stdout)
        .contains("0 regressed, 0 missing, 0 improved, 2 unchanged, 0 new: PASSED"));
    let md = std::fs::read_to_string(s.path().join("results/ci_sine/check.md")).unwrap();
    assert!(
        md.contains("| lookback=10 |") && md.contains("unchanged"),
        "{md}"
    );
    assert_eq!(std::fs::read_to_string(&summary).unwrap().trim(), md.trim());

    // A learning rate ten times lower undertrains in 20 epochs: both configs regress.
    let worse = runner(
        s.path(),
        &[
            "check",
            exp,
            "--baseline",
            base,
            "-q",
            "--out",
            "worse",
            "--set",
            "train.learning_rate=0.001",
        ],
    );
    assert_eq!(worse.status.code(), Some(1), "{}", text(&worse.stdout));
    let out = text(&worse.stdout);
    assert!(
        out.contains("2 regressed") && out.contains("FAILED"),
        "{out}"
    );
    assert!(
        text(&worse.stderr).contains("experiment hash"),
        "the changed experiment is reported"
    );

    // A configuration of the baseline that no longer runs is missing: exit 1.
    let narrowed = runner(
        s.path(),
        &[
            "check",
            exp,
            "--baseline",
            base,
            "-q",
            "--set",
            "sweep.window.lookback=[10]",
        ],
    );
    assert_eq!(
        narrowed.status.code(),
        Some(1),
        "{}",
        text(&narrowed.stdout)
    );
    assert!(
        text(&narrowed.stdout).contains("1 missing"),
        "{}",
        text(&narrowed.stdout)
    );
}

#[test]
fn a_missing_baseline_or_a_bad_tolerance_is_bad_input() {
    let s = scratch_dir();
    let exp = ci_sine();
    let out = runner(
        s.path(),
        &["check", exp.to_str().unwrap(), "--baseline", "nope.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nope.csv"),
        "{}",
        text(&out.stderr)
    );
    assert!(!s.path().join("results").exists(), "nothing ran");
    let out = runner(
        s.path(),
        &[
            "check",
            exp.to_str().unwrap(),
            "--baseline",
            "nope.csv",
            "--tolerance",
            "-1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}
