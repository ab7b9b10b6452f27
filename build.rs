//! Records the git commit runner is built from, for each run's provenance: the environment
//! variables `RUNNER_GIT_COMMIT` (`git rev-parse HEAD`) and `RUNNER_GIT_DIRTY` (`true` when
//! `git status --porcelain` lists anything). Outside a git checkout (a crate tarball), or
//! without git, neither is set and the provenance says so; a build never fails for it.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    // Rebuilt when a source file changes (the dirty flag), and when HEAD, the branch it names
    // or the index moves (a commit, a checkout, a `git add`).
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=build.rs");
    let Some(commit) = git(&["rev-parse", "HEAD"]) else {
        return;
    };
    // `logs/HEAD` moves with every commit, amend and reset; `packed-refs` holds the branch
    // after a fresh clone or `git gc`.
    for path in ["HEAD", "index", "logs/HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            if Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = git(&["rev-parse", "--git-path", &branch]) {
            if Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
    println!("cargo:rustc-env=RUNNER_GIT_COMMIT={commit}");
    if let Some(status) = git(&["status", "--porcelain", "--untracked-files=no"]) {
        println!("cargo:rustc-env=RUNNER_GIT_DIRTY={}", !status.is_empty());
    }
}
