//! Who may write a results folder: one process at a time ([`crate::store::folder_lock`]), and
//! only the experiment the folder belongs to.
//!
//! A results folder belongs to the experiment file recorded in its `source.json`. Two
//! experiment files with the same `name` would otherwise share `results/<name>/` and leave
//! tables of one beside tables and run folders of the other, so a run of another file is
//! refused (exit 2, both files named) unless `--force`, which removes the old experiment's
//! run folders and tables first and trains everything anew. The same file run again (edited,
//! or with other `--set` overrides) is the same experiment: its finished runs stay the cache.

use std::path::Path;

use crate::out;
use crate::store::folder_lock::{lock_folder, Access, FolderLock, LockError, LOCK_FILE};
use crate::store::layout::ASSEMBLED;

use super::sweep::{read_source, Source, SOURCE_FILE};
use super::Error;

/// Takes `folder`'s lock for `access`, waiting when `wait` (saying so on stderr unless
/// `quiet`), or refusing with exit 2 and the holder's pid, host and command line.
pub fn lock(folder: &Path, access: Access, wait: bool, quiet: bool) -> Result<FolderLock, Error> {
    let lock = lock_folder(folder, access, wait, |holder| {
        if !quiet {
            out::stderr_line(format_args!(
                "waiting for {}: in use by {holder}",
                folder.join(LOCK_FILE).display()
            ));
        }
    })
    .map_err(|e| match e {
        LockError::Held { path, holder } => Error::BadInput(format!(
            "{} is in use by another runner ({}: {holder}); wait for it to finish, or pass \
             --wait to wait for it",
            folder.display(),
            path.display()
        )),
        LockError::Io(e) => Error::Failed(format!("{e:#}")),
    })?;
    if !lock.enforced() && !quiet {
        out::stderr_line(format_args!(
            "warning: cannot lock {} on this filesystem; do not start two runners on {} at once",
            folder.join(LOCK_FILE).display(),
            folder.display()
        ));
    }
    Ok(lock)
}

/// What to do with a folder that belongs to another experiment file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Foreign {
    Refuse,
    /// `--force` of a full run: empty the folder of the other experiment's results.
    TakeOver,
}

/// Checks that `folder` (locked by the caller) belongs to `source`'s experiment file; a folder
/// with no `source.json` (new, or written by an older runner) belongs to anyone.
pub fn claim(folder: &Path, source: &Source, foreign: Foreign) -> Result<(), Error> {
    if !folder.join(SOURCE_FILE).exists() {
        return Ok(());
    }
    let recorded = read_source(folder)?;
    if recorded.file == source.file {
        return Ok(());
    }
    match foreign {
        Foreign::Refuse => Err(Error::BadInput(format!(
            "{} holds the results of {} (recorded in {}), another experiment than {}: give one \
             of them another `name` or --out, or pass --force to remove the results of {} \
             from {} and start over",
            folder.display(),
            recorded.file.display(),
            folder.join(SOURCE_FILE).display(),
            source.file.display(),
            recorded.file.display(),
            folder.display()
        ))),
        Foreign::TakeOver => take_over(folder),
    }
}

/// Removes the run folders and experiment-level outputs of the folder's previous experiment.
/// Other files (a user's notes, Slurm scripts) are left alone.
fn take_over(folder: &Path) -> Result<(), Error> {
    let remove = |name: &str| -> Result<(), Error> {
        let path = folder.join(name);
        let removed = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(_) => return Ok(()),
        };
        removed.map_err(|e| Error::Failed(format!("cannot remove {}: {e}", path.display())))
    };
    for name in ["runs", SOURCE_FILE, "check.md"].iter().chain(ASSEMBLED) {
        remove(name)?;
    }
    Ok(())
}
