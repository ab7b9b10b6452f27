//! The command line as a user meets it: mistyped subcommands, help, bad paths, `--set` on a
//! swept key, `validate`'s printout, `compare --top`, progress lines and Ctrl-C - each on the
//! real binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{command, runner, scratch_dir, stderr, stdout, write};

/// One quick run (about a tenth of a second).
const SMALL: &str = r#"
name = "small"
seed = 3
[data]
kind = "sine"
points = 200
stop = 20.0
[window]
lookback = 5
[model]
units = [8]
[train]
epochs = 3
"#;

/// Two learning rates × two seeds on SMALL's series, the file's own seed 42.
const SWEPT: &str = r#"
name = "swept"
seed = 42
[data]
kind = "sine"
points = 200
stop = 20.0
[window]
lookback = 5
[model]
units = [8]
[train]
epochs = 3
learning_rate = 0.001
[backtest]
folds = 3
[sweep]
train.learning_rate = [0.001, 0.003]
seed = [1, 2]
"#;

#[test]
fn a_mistyped_subcommand_gets_a_did_you_mean_and_a_file_still_runs() {
    let s = scratch_dir();
    let typo = runner(s.path(), &["valdiate", "x.toml"]);
    assert_eq!(typo.status.code(), Some(2));
    let err = stderr(&typo);
    assert!(
        err.starts_with("error: unrecognized subcommand 'valdiate'")
            && err.contains("did you mean 'validate'?")
            && err.contains("Usage: runner <FILE> [OPTIONS]"),
        "{err}"
    );
    // Neither a file nor near a subcommand: the file is what is missing.
    let missing = runner(s.path(), &["experiments/nope.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).starts_with("error: experiments/nope.toml: no such file in "),
        "{}",
        stderr(&missing)
    );
    assert!(stdout(&missing).is_empty());
    // The shorthand itself.
    let file = write(s.path(), "small.toml", SMALL);
    let ok = runner(s.path(), &[file.to_str().unwrap(), "-q", "--out", "o"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(s.path().join("o/runs.csv").is_file());
}

#[test]
fn help_lists_one_line_summaries_and_every_subcommand_its_exit_codes() {
    let s = scratch_dir();
    let help = stdout(&runner(s.path(), &["--help"]));
    assert!(
        help.contains("Usage: runner <FILE> [OPTIONS]\n       runner <COMMAND> [OPTIONS]"),
        "{help}"
    );
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(commands.len(), 9, "{help}");
    for line in &commands {
        assert!(line.len() <= 100, "a summary over one line: {line:?}");
    }
    for sub in [
        "run", "validate", "check", "merge", "slurm", "compare", "forecast", "predict",
    ] {
        let out = runner(s.path(), &[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0));
        let text = stdout(&out);
        assert!(text.contains("Exit codes: 0 "), "{sub} --help:\n{text}");
        assert!(text.contains("2 bad input"), "{sub} --help:\n{text}");
        // The training commands say what Ctrl-C leaves.
        assert_eq!(
            text.contains("130 interrupted"),
            sub == "run" || sub == "check",
            "{sub} --help:\n{text}"
        );
    }
    // The detail is in `check --help`, not in the list.
    let check = stdout(&runner(s.path(), &["check", "--help"]));
    assert!(check.contains("paired t-test"), "{check}");
    assert!(!help.contains("paired t-test"), "{help}");
}

#[test]
fn every_bad_path_exits_2_naming_the_path() {
    let s = scratch_dir();
    let file = write(s.path(), "small.toml", SMALL);
    let file = file.to_str().unwrap();
    write(s.path(), "afile", "not a folder");
    let cases: [(&[&str], &str); 8] = [
        (
            &[file, "--out", "afile/sub"],
            "cannot create afile/sub: afile is a file",
        ),
        (
            &["slurm", file, "--out", "afile/sub"],
            "cannot create afile/sub: afile is a file",
        ),
        (&["validate", "missing.toml"], "missing.toml"),
        (
            &["check", file, "--baseline", "missing.csv", "-q"],
            "baseline file missing.csv does not exist",
        ),
        (&["compare", "nowhere"], "nowhere"),
        (&["merge", "nowhere"], "nowhere"),
        (&["forecast", "nowhere"], "nowhere"),
        (
            &["predict", "--model", "afile/x", "--data", "afile"],
            "afile/x",
        ),
    ];
    for (args, named) in cases {
        let out = runner(s.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{args:?}: {}", stderr(&out));
    }
    // forecast refuses a bad --out before refitting anything.
    let trained = runner(s.path(), &[file, "-q", "--out", "res"]);
    assert_eq!(trained.status.code(), Some(0), "{}", stderr(&trained));
    let out = runner(s.path(), &["forecast", "res", "--out", "afile/sub"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot create afile/sub: afile is a file") && !err.contains("refit"),
        "{err}"
    );
}

#[test]
fn set_on_a_swept_key_is_refused_with_the_axis_to_set_instead() {
    let s = scratch_dir();
    let file = write(s.path(), "swept.toml", SWEPT);
    let file = file.to_str().unwrap();
    let out = runner(
        s.path(),
        &["validate", file, "--set", "train.learning_rate=0.01"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: --set train.learning_rate=0.01: `train.learning_rate` is swept by [sweep] \
         (train.learning_rate = [0.001, 0.003]), so every run would replace this value; to \
         change the axis, give its candidates: --set sweep.train.learning_rate=[0.01]\n"
    );
    // What it suggests works.
    let out = runner(
        s.path(),
        &[
            "validate",
            file,
            "--set",
            "sweep.train.learning_rate=[0.01]",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\ntrain.learning_rate = [0.01]\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn validate_prints_the_files_values_and_the_sweep_as_a_sweep() {
    let s = scratch_dir();
    let file = write(s.path(), "swept.toml", SWEPT);
    let out = runner(s.path(), &["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // The file's seed, not the first run's; swept keys marked.
    assert!(lines.contains(&"seed = 42  # swept"), "{text}");
    assert!(lines.contains(&"learning_rate = 0.001  # swept"), "{text}");
    assert!(lines.contains(&"epochs = 3"), "{text}");
    // 200 points, the default test part 20% = 40 points: the folds step by 40.
    assert!(
        lines.contains(&"step = 40  # the default: the test part's length"),
        "{text}"
    );
    let sweep = lines.iter().position(|l| *l == "[sweep]").expect("[sweep]");
    assert_eq!(
        lines[sweep - 1],
        "# 4 runs: every combination of these candidates (the values above are the file's; \
         `# swept` marks those the sweep replaces)"
    );
    assert_eq!(
        lines[sweep + 1..sweep + 3],
        ["train.learning_rate = [0.001, 0.003]", "seed = [1, 2]"]
    );
    assert!(
        text.contains("test 120..160; train 0..160 test 160..200"),
        "{text}"
    );
}

#[test]
fn a_bad_sweep_candidate_is_reported_once() {
    let s = scratch_dir();
    let bad = SWEPT.replace("[backtest]\nfolds = 3\n", "").replace(
        "train.learning_rate = [0.001, 0.003]",
        "train.learning_rate = [0.001, -1.0]\nwindow.lookback = [5, 0, 6]",
    );
    let file = write(s.path(), "bad.toml", &bad);
    let out = runner(s.path(), &["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    // 2 learning rates × 3 lookbacks × 2 seeds = 12 runs; each mistake once.
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].ends_with("bad.toml: 2 problems"), "{err}");
    assert!(
        lines[1].ends_with(
            "sweep candidate `train.learning_rate = -1.0`: `train.learning_rate` must be greater \
             than 0, found -1 (6 of 12 runs of the grid)"
        ),
        "{err}"
    );
    assert!(
        lines[2].ends_with(
            "sweep candidate `window.lookback = 0`: `window.lookback` must be at least 1, found \
             0 (4 of 12 runs of the grid)"
        ),
        "{err}"
    );
}

#[test]
fn compare_two_folders_honours_top() {
    let s = scratch_dir();
    let three = SMALL.to_string() + "[sweep]\nwindow.lookback = [3, 4, 5]\n";
    let file = write(s.path(), "three.toml", &three);
    let file = file.to_str().unwrap();
    for (out, epochs) in [("a", "3"), ("b", "4")] {
        let o = runner(
            s.path(),
            &[
                file,
                "-q",
                "--out",
                out,
                "--set",
                &format!("train.epochs={epochs}"),
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let all = stdout(&runner(s.path(), &["compare", "a", "b"]));
    let top = runner(s.path(), &["compare", "a", "b", "--top", "2"]);
    assert_eq!(top.status.code(), Some(0));
    let top = stdout(&top);
    let rows = |t: &str| t.lines().filter(|l| l.starts_with("lookback=")).count();
    assert_eq!((rows(&all), rows(&top)), (3, 2), "{top}");
    assert!(top.contains("(1 more configuration)\n"), "{top}");
    assert!(top.contains("3 matched, 0 only in A, 0 only in B"), "{top}");
}

#[test]
fn plain_progress_lines_count_the_work_not_the_runs() {
    let s = scratch_dir();
    // One run of 2 epochs and one of 8 on the same windows: the second is four fifths of the
    // work, and starts first (the longest runs start first).
    let mixed = SMALL.to_string() + "[sweep]\ntrain.epochs = [2, 8]\n";
    let file = write(s.path(), "mixed.toml", &mixed);
    let out = runner(s.path(), &[file.to_str().unwrap(), "-j", "1", "--out", "m"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("\n[1/2 runs, 80% of the work, eta ") && err.contains("] epochs=8: test rmse"),
        "{err}"
    );
    assert!(
        err.contains("\n[2/2 runs, 100% of the work, eta 0s] epochs=2: test rmse"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "{err:?}");
}

#[test]
fn wider_runs_start_first_and_weigh_their_cost_not_their_windows() {
    let s = scratch_dir();
    // Same windows and epochs, LSTM(2) and LSTM(16): by window cost (lookback 5 × (3072 +
    // 4·u·(1 + u + 16)) + u) the 16-unit run is 25936 / (25936 + 16122) = 62% of the work,
    // and starts first. Weighed by windows alone each would be 50%, in grid order.
    let widths = SMALL.to_string() + "[sweep]\nmodel.units = [[2], [16]]\n";
    let file = write(s.path(), "widths.toml", &widths);
    let out = runner(s.path(), &[file.to_str().unwrap(), "-j", "1", "--out", "w"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("\n[1/2 runs, 62% of the work, eta ") && err.contains("] units=16: test rmse"),
        "{err}"
    );
    assert!(
        err.contains("\n[2/2 runs, 100% of the work, eta 0s] units=2: test rmse"),
        "{err}"
    );
}

/// Six runs of about half a second each, one at a time.
const SLOW: &str = r#"
name = "slow"
[data]
kind = "sine"
points = 300
stop = 30.0
[window]
lookback = 6
[model]
units = [32]
[train]
epochs = 600
[sweep]
seed = [1, 2, 3, 4, 5, 6]
"#;

#[test]
fn ctrl_c_says_what_was_kept_exits_130_and_the_same_command_resumes() {
    let s = scratch_dir();
    let file = write(s.path(), "slow.toml", SLOW);
    let args = [file.to_str().unwrap(), "-j", "1", "--out", "slow"];
    let mut cmd = command(s.path(), &args, &[]);
    // A test run as a background job inherits SIGINT ignored, which runner keeps on purpose
    // (as a shell meant it); the user at a terminal this test stands for has it at default.
    // SAFETY: only an async-signal-safe call between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // The first finished run's line: its folder is written.
    loop {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "ended early: {seen}");
        seen.push_str(&line);
        if line.starts_with("[1/6 runs") {
            break;
        }
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    let message = rest
        .lines()
        .find(|l| l.starts_with("interrupted: "))
        .unwrap_or_else(|| panic!("no message in {rest:?}"));
    let kept: usize = message["interrupted: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..6).contains(&kept), "{message}");
    assert!(
        message.ends_with(&format!(
            "of 6 runs are finished and kept in slow/runs (0 from before, {kept} just now); runs \
             in progress were dropped. Run the same command again to resume: finished runs are \
             not trained again."
        )),
        "{message}"
    );

    let again = runner(s.path(), &args);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let first = stderr(&again).lines().next().unwrap().to_string();
    let cached: usize = first
        .split_once("runs (")
        .and_then(|(_, r)| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{first}"));
    // The kept runs, and perhaps one whose folder was renamed as the signal came.
    assert!(
        cached == kept || cached == kept + 1,
        "{first} after {message}"
    );
    assert!(stdout(&again).contains("test RMSE"), "{}", stdout(&again));
}

/// `runner ARGS` on a pseudo-terminal (util-linux `script`), in `dir`: what a person sees.
fn on_a_terminal(dir: &std::path::Path, args: &str) -> String {
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} {args}", env!("CARGO_BIN_EXE_runner")),
            "/dev/null",
        ])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("script (util-linux) runs");
    assert!(out.status.success(), "{}", stdout(&out));
    stdout(&out)
}

#[test]
fn on_a_terminal_a_single_run_has_a_bar_over_its_epochs_and_a_sweep_one_over_its_work() {
    let s = scratch_dir();
    // One run long enough for the bar to be drawn (about 1.5 s).
    let one = SLOW
        .replace("epochs = 600", "epochs = 1500")
        .replace("[sweep]\nseed = [1, 2, 3, 4, 5, 6]\n", "");
    write(s.path(), "slow.toml", &one);
    let shown = on_a_terminal(s.path(), "slow.toml --out one");
    assert!(
        shown.contains("slow [") && shown.contains("] epoch ") && shown.contains("/1500 ("),
        "{shown:?}"
    );
    assert!(shown.contains(", eta "), "{shown:?}");
    assert!(!shown.contains("0/1 runs"), "{shown:?}");

    let two = SLOW.replace("seed = [1, 2, 3, 4, 5, 6]", "seed = [1, 2]");
    write(s.path(), "two.toml", &two);
    let shown = on_a_terminal(s.path(), "two.toml -j 1 --out two");
    assert!(
        shown.contains("sweep [")
            && shown.contains("% of the work (")
            && shown.contains("0/2 runs"),
        "{shown:?}"
    );
    assert!(shown.contains("seed=1 epoch "), "{shown:?}");
}
