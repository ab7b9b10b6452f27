//! One writer per results folder: the lock file `<folder>/.runner.lock`.
//!
//! A full `run`, `check` or `merge` rebuilds the tables and may replace any run folder, so it
//! holds the lock exclusively. The shards of one sweep (`run --shard K/N`, a Slurm array)
//! only add run folders of their own, each atomically, so they hold it shared and run in
//! parallel; a full run waits for (or is refused by) every shard, and a shard by a full run.
//!
//! The lock is an OS file lock ([`File::try_lock`]) held for the life of the process, so a
//! crash or kill releases it: there is never a stale lock to remove by hand. The file itself
//! stays (removing a lock file while another process opens it would let two writers in). Its
//! text names the last process that took it (`pid <pid> on <host>: <command>`), which is
//! what a refused runner prints. Where the filesystem has no working locks the folder is used
//! unlocked, as before, and [`FolderLock::enforced`] says so.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The lock file's name inside a results folder.
pub const LOCK_FILE: &str = ".runner.lock";

/// How a process uses a results folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Rebuilds tables or replaces run folders: alone.
    Exclusive,
    /// A shard adding its own run folders: beside the other shards.
    Shared,
}

/// A held lock on a results folder; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
    enforced: bool,
}

impl FolderLock {
    /// False when the filesystem refused to lock at all and the folder is used unlocked.
    pub fn enforced(&self) -> bool {
        self.enforced
    }
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it and we were told not to wait.
    Held {
        path: PathBuf,
        holder: String,
    },
    Io(anyhow::Error),
}

/// Takes the lock of `folder` (created if missing) for `access`. When another process holds
/// it: without `wait`, returns [`LockError::Held`] naming the holder; with `wait`, calls
/// `waiting` with the holder's description once and blocks until the lock is free.
pub fn lock_folder(
    folder: &Path,
    access: Access,
    wait: bool,
    waiting: impl FnOnce(&str),
) -> Result<FolderLock, LockError> {
    let io = |e: anyhow::Error| LockError::Io(e);
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))
        .map_err(io)?;
    let path = folder.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))
        .map_err(io)?;
    let attempt = match access {
        Access::Exclusive => file.try_lock(),
        Access::Shared => file.try_lock_shared(),
    };
    let enforced = match attempt {
        Ok(()) => true,
        Err(TryLockError::WouldBlock) => {
            let holder = holder(&mut file);
            if !wait {
                return Err(LockError::Held { path, holder });
            }
            waiting(&holder);
            match access {
                Access::Exclusive => file.lock(),
                Access::Shared => file.lock_shared(),
            }
            .with_context(|| format!("cannot lock {}", path.display()))
            .map_err(io)?;
            true
        }
        // No working locks here (some network filesystems): go on unlocked, as before.
        Err(TryLockError::Error(_)) => false,
    };
    // Only informative (shards holding it shared may overwrite each other's line). Written
    // over the old text and then cut, so a reader never sees it empty in between.
    let line = describe_self(access);
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.write_all(line.as_bytes()))
        .and_then(|()| file.set_len(line.len() as u64));
    Ok(FolderLock {
        _file: file,
        enforced,
    })
}

impl Drop for FolderLock {
    /// The last holder clears its line, so that the text names a live holder (or, after a
    /// crash, the crashed one until the next holder writes its own). A shard is the last when
    /// it can turn its shared lock into an exclusive one.
    fn drop(&mut self) {
        if self.enforced && self._file.try_lock().is_ok() {
            let _ = self._file.set_len(0);
        }
    }
}

/// The holder's line from the lock file. A holder writes it just after taking the lock, so
/// an empty file is read again for up to a second before a stand-in is given.
fn holder(file: &mut File) -> String {
    for _ in 0..50 {
        let mut text = String::new();
        let _ = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_string(&mut text));
        let line = text.lines().next().unwrap_or("").trim();
        if !line.is_empty() {
            return line.to_string();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    "another runner (it has not said which)".to_string()
}

/// `pid <pid> on <host>: <command line>` (plus `(shard)` for a shared holder).
fn describe_self(access: Access) -> String {
    let command: Vec<String> = std::env::args().collect();
    let shard = match access {
        Access::Exclusive => "",
        Access::Shared => " (a shard; others may hold it too)",
    };
    format!(
        "pid {} on {}: {}{shard}\n",
        std::process::id(),
        host_for_message(),
        command.join(" ")
    )
}

/// This machine's name, without a C library call: Linux's kernel file, then the usual
/// environment variables; `None` when none says. (Also each run's provenance.)
pub(crate) fn host_name() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
}

/// [`host_name`] for a message.
fn host_for_message() -> String {
    host_name().unwrap_or_else(|| "an unknown host".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::tempdir;

    fn held(r: Result<FolderLock, LockError>) -> String {
        match r {
            Err(LockError::Held { holder, .. }) => holder,
            other => panic!("expected Held, got {other:?}"),
        }
    }

    #[test]
    fn exclusive_excludes_everyone_and_names_the_holder() {
        let tmp = tempdir();
        let dir = tmp.path().join("results");
        let first = lock_folder(&dir, Access::Exclusive, false, |_| {}).unwrap();
        assert!(first.enforced());
        let text = std::fs::read_to_string(dir.join(LOCK_FILE)).unwrap();
        let expected = format!("pid {} on {}: ", std::process::id(), host_for_message());
        assert!(text.starts_with(&expected), "{text}");
        let holder = held(lock_folder(&dir, Access::Exclusive, false, |_| {}));
        assert_eq!(holder, text.trim());
        held(lock_folder(&dir, Access::Shared, false, |_| {}));
        drop(first);
        assert_eq!(std::fs::read_to_string(dir.join(LOCK_FILE)).unwrap(), "");
        lock_folder(&dir, Access::Exclusive, false, |_| {}).unwrap();
    }

    #[test]
    fn shared_holders_coexist_and_keep_an_exclusive_one_out() {
        let tmp = tempdir();
        let a = lock_folder(tmp.path(), Access::Shared, false, |_| {}).unwrap();
        let b = lock_folder(tmp.path(), Access::Shared, false, |_| {}).unwrap();
        let holder = held(lock_folder(tmp.path(), Access::Exclusive, false, |_| {}));
        assert!(
            holder.ends_with("(a shard; others may hold it too)"),
            "{holder}"
        );
        drop(a);
        // b still holds it: a did not clear the line that names a holder.
        let holder = held(lock_folder(tmp.path(), Access::Exclusive, false, |_| {}));
        assert!(holder.starts_with("pid "), "{holder}");
        drop(b);
        lock_folder(tmp.path(), Access::Exclusive, false, |_| {}).unwrap();
    }

    #[test]
    fn a_waiter_is_told_once_and_gets_the_lock_when_it_is_released() {
        let tmp = tempdir();
        let dir = tmp.path().to_path_buf();
        let first = lock_folder(&dir, Access::Exclusive, false, |_| {}).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let mut told = Vec::new();
            let lock = lock_folder(&dir, Access::Exclusive, true, |h| {
                told.push(h.to_string());
                tx.send(()).unwrap();
            })
            .unwrap();
            drop(lock);
            told
        });
        rx.recv().unwrap();
        drop(first);
        let told = waiter.join().unwrap();
        assert_eq!(told.len(), 1);
        assert!(told[0].starts_with(&format!("pid {} on ", std::process::id())));
    }
}
