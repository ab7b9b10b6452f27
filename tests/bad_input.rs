//! Bad input through the real binary exits 2 and names its path: an `--out` that is a file, a
//! folder that cannot be written, a merge of another experiment's folder.

mod common;

use std::path::Path;

use common::{command, runner, scratch_dir, stderr, stdout, write};

const TINY: &str = r#"
name = "tiny"
[data]
kind = "sine"
points = 150
stop = 15.0
[model]
units = [3]
[train]
epochs = 2
[sweep]
seed = [1, 2]
"#;

#[test]
fn an_out_that_is_a_file_is_bad_input_named_by_its_path() {
    let s = scratch_dir();
    write(s.path(), "tiny.toml", TINY);
    write(s.path(), "taken", "a file\n");
    for args in [
        &["run", "tiny.toml", "--out", "taken"][..],
        &["merge", "res", "--out", "taken"][..],
    ] {
        if args[0] == "merge" {
            let made = runner(s.path(), &["run", "tiny.toml", "--out", "res", "-q"]);
            assert!(made.status.success(), "{}", stderr(&made));
        }
        let out = runner(s.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            "error: taken: the results folder is an existing file; give a folder with --out\n",
            "{args:?}"
        );
        assert_eq!(
            std::fs::read_to_string(s.path().join("taken")).unwrap(),
            "a file\n"
        );
    }
}

/// The binary run in `dir` as user and group 65534 (nobody); `None` when it cannot be
/// started so (its path is not reachable by nobody).
#[cfg(unix)]
fn runner_as_nobody(dir: &Path, args: &[&str]) -> Option<std::process::Output> {
    use std::os::unix::process::CommandExt;
    command(dir, args, &[])
        .uid(65534)
        .gid(65534)
        .output()
        .ok()
        .filter(|out| out.status.code() != Some(126))
}

/// Whether this process can write in a folder whose mode forbids it (root can).
fn permissions_bind(dir: &Path) -> bool {
    std::fs::write(dir.join("probe"), "").is_err()
}

#[cfg(unix)]
#[test]
fn a_folder_that_cannot_be_written_is_bad_input_named_by_its_path() {
    use std::os::unix::fs::PermissionsExt;
    let s = scratch_dir();
    write(s.path(), "tiny.toml", TINY);
    let locked = s.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes in read-only folders: the runner then runs as `nobody`, for whom the mode
    // binds (CI runs as root).
    let as_nobody = !permissions_bind(&locked);
    let _ = std::fs::remove_file(locked.join("probe"));
    if as_nobody {
        std::fs::set_permissions(s.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for (out_dir, what) in [("locked", "write in"), ("locked/res", "create")] {
        let args = ["run", "tiny.toml", "--out", out_dir];
        let out = if as_nobody {
            match runner_as_nobody(s.path(), &args) {
                Some(out) => out,
                None => {
                    eprintln!("skipped: the binary cannot be run as nobody from here");
                    return;
                }
            }
        } else {
            runner(s.path(), &args)
        };
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).starts_with(&format!(
                "error: cannot {what} {out_dir}: Permission denied"
            )),
            "{}",
            stderr(&out)
        );
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn merge_refuses_a_folder_of_another_experiment() {
    let s = scratch_dir();
    write(s.path(), "tiny.toml", TINY);
    write(
        s.path(),
        "other.toml",
        &TINY.replace("epochs = 2", "epochs = 3"),
    );
    // A copy of the same experiment under another name merges: same runs.
    write(s.path(), "copy.toml", TINY);
    for (file, out, shard) in [
        ("tiny.toml", "a", "0/2"),
        ("other.toml", "b", "1/2"),
        ("copy.toml", "c", "1/2"),
    ] {
        let o = runner(
            s.path(),
            &["run", file, "--out", out, "-q", "--shard", shard],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let refused = runner(s.path(), &["merge", "a", "b", "--out", "m"]);
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    let other = s.path().join("other.toml").canonicalize().unwrap();
    let tiny = s.path().join("tiny.toml").canonicalize().unwrap();
    assert_eq!(
        err,
        format!(
            "error: b holds runs of another experiment ({}), not of `tiny` ({}): merge only \
             folders of one sweep\n",
            other.display(),
            tiny.display()
        )
    );
    assert!(!s.path().join("m").exists(), "nothing written");

    let merged = runner(s.path(), &["merge", "a", "c", "--out", "m"]);
    assert!(merged.status.success(), "{}", stderr(&merged));
    assert!(
        stdout(&merged).starts_with("merged 2 runs (2 copied in)"),
        "{}",
        stdout(&merged)
    );
}
