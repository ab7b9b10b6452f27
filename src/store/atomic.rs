//! Files and folders that appear complete or not at all.
//!
//! Both are written under a hidden temporary name beside their destination (so on the same
//! filesystem) and renamed into place when complete: an interrupted process leaves at most a
//! temporary, never a half-written file or folder under the final name. Against power loss,
//! the contents are synced to disk before the rename (a file by [`write_file`]; a folder by one
//! [`sync_filesystem`] in [`TempFolder::commit`]) and the parent folder after it, so the new
//! name never points at data the disk does not hold yet.
//!
//! Run folders are the exception, for speed: a sweep of a thousand small networks spent most
//! of its time waiting on the ten syncs each folder took. They are committed unsynced
//! ([`TempFolder::commit_unsynced`]) and made durable in groups ([`GroupSync`]: a sync when a
//! run finishes and a second has passed since the last, and one before the tables are
//! written). A power cut can then lose, or leave torn, the runs finished since the last sync;
//! each run folder's manifest catches a torn one (`store::manifest`), so those runs are
//! retrained and never read.
//!
//! A temporary folder is guarded by a lock file beside it, `<temporary>.lock`, on which the
//! writer holds an exclusive lock ([`File::try_lock`]) from before the folder exists until
//! after it is renamed away. The lock dies with its process, so [`remove_abandoned`] can tell
//! the temporaries of interrupted processes (lock free) from the work in progress of live
//! ones, such as the other shards of a Slurm array writing into the same folder (lock held).
//! This needs a filesystem whose locks are seen by every host sharing it (local disks, NFSv4,
//! Lustre mounted with `flock`); where taking a lock fails, temporaries are kept.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// Marks a temporary's name: `.<destination name>.tmp-<pid>-<n>`.
const TMP_MARK: &str = ".tmp-";
const LOCK_SUFFIX: &str = ".lock";

/// Keeps the temporaries of one process apart.
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh temporary name beside `dest` (not claimed: see [`TempFolder::beside`]).
fn temporary_beside(dest: &Path) -> Result<PathBuf> {
    let name = dest
        .file_name()
        .with_context(|| format!("{} has no file name to write under", dest.display()))?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(dest.with_file_name(format!(
        ".{}{TMP_MARK}{}-{n}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

fn lock_path(temporary: &Path) -> PathBuf {
    let mut name = temporary.as_os_str().to_os_string();
    name.push(LOCK_SUFFIX);
    PathBuf::from(name)
}

/// Writes `bytes` to `path` atomically: into a temporary sibling, then renamed over `path`.
/// The folder of `path` must exist. Errors name `path`.
pub fn write_file(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    let tmp = temporary_beside(path)?;
    let written = write_synced(&tmp, bytes.as_ref())
        .with_context(|| format!("cannot write {}", path.display()))
        .and_then(|()| {
            fs::rename(&tmp, path).with_context(|| {
                format!(
                    "cannot write {} (renaming {} to it)",
                    path.display(),
                    tmp.display()
                )
            })
        });
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
        return written;
    }
    sync_parent(path)
}

/// Writes `bytes` to a new file `path` and syncs it to disk before returning. Errors are the
/// bare I/O error: callers name the path they care about.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Syncs `dir`, every file and folder under it, to disk. On Linux this is one `syncfs`, which
/// writes back everything dirty on `dir`'s filesystem (other processes' data too: on a busy
/// disk it waits for theirs) in one journal commit, instead of one per file; before Linux 5.8
/// it cannot report a failed write-back. Elsewhere each file under `dir` is synced, then `dir`.
pub fn sync_filesystem(dir: &Path) -> Result<()> {
    let synced = File::open(dir).and_then(|d| sync_all_under(dir, &d));
    synced.with_context(|| format!("cannot sync {} to disk", dir.display()))
}

#[cfg(target_os = "linux")]
fn sync_all_under(_dir: &Path, opened: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: `opened` is an open file descriptor for the duration of the call.
    match unsafe { libc::syncfs(opened.as_raw_fd()) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(not(target_os = "linux"))]
fn sync_all_under(dir: &Path, opened: &File) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let file = File::open(&path)?;
        if file.metadata()?.is_dir() {
            sync_all_under(&path, &file)?;
        } else {
            file.sync_all()?;
        }
    }
    // Only Unix can open a folder to sync it; elsewhere a rename is as durable as it gets.
    if cfg!(unix) {
        opened.sync_all()?;
    }
    Ok(())
}

/// Makes folders committed unsynced into one folder durable in groups: a sync when a folder
/// is committed and `every` has passed since the last one ([`committed`]), and one at the end
/// ([`flush`]). Shared by the threads that write the folders. A power cut loses, or tears, at
/// most the folders committed since the last sync.
///
/// [`committed`]: Self::committed
/// [`flush`]: Self::flush
#[derive(Debug)]
pub struct GroupSync {
    dir: PathBuf,
    every: Duration,
    /// When the last sync ended; held while syncing.
    last: Mutex<Instant>,
    /// Folders committed since the last sync (all that needs syncing where `syncfs` is not).
    pending: Mutex<Vec<PathBuf>>,
    /// The first sync that failed: reported by [`flush`](Self::flush), not by the run whose
    /// commit happened to start it (that run's folder is written).
    failed: Mutex<Option<anyhow::Error>>,
    syncs: AtomicUsize,
}

impl GroupSync {
    pub fn new(dir: &Path, every: Duration) -> Self {
        GroupSync {
            dir: dir.to_path_buf(),
            every,
            last: Mutex::new(Instant::now()),
            pending: Mutex::new(Vec::new()),
            failed: Mutex::new(None),
            syncs: AtomicUsize::new(0),
        }
    }

    /// `folder` (in `dir`) was just committed: syncs if `every` has passed since the last
    /// sync. A thread that finds another one syncing goes on; that sync or a later one covers
    /// its folder. A failure is kept for [`flush`](Self::flush).
    pub fn committed(&self, folder: &Path) {
        lock(&self.pending).push(folder.to_path_buf());
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if last.elapsed() < self.every {
            return;
        }
        if let Err(e) = self.sync(&mut last) {
            lock(&self.failed).get_or_insert(e);
        }
    }

    /// Syncs now: every folder committed so far is on disk when this returns `Ok`. Errs with
    /// the first failed sync, this one's or an earlier one's.
    pub fn flush(&self) -> Result<()> {
        let mut last = lock(&self.last);
        let synced = self.sync(&mut last);
        match lock(&self.failed).take() {
            Some(e) => Err(e),
            None => synced,
        }
    }

    /// How many syncs were made (a flush with nothing committed since the last makes none).
    pub fn syncs(&self) -> usize {
        self.syncs.load(Ordering::SeqCst)
    }

    fn sync(&self, last: &mut Instant) -> Result<()> {
        let folders = std::mem::take(&mut *lock(&self.pending));
        *last = Instant::now();
        if folders.is_empty() {
            return Ok(());
        }
        self.syncs.fetch_add(1, Ordering::SeqCst);
        if cfg!(target_os = "linux") {
            // One syncfs covers every folder, and their names in `dir`.
            return sync_filesystem(&self.dir);
        }
        for folder in &folders {
            // Replaced or removed since (`--force`, a cleaner): nothing of it left to sync.
            if folder.exists() {
                sync_filesystem(folder)?;
            }
        }
        sync_dir(&self.dir)
    }
}

/// A mutex's value, also after a thread panicked holding it (the values here stay valid).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Syncs the folder `dir` itself (its list of names) to disk.
fn sync_dir(dir: &Path) -> Result<()> {
    // Only Unix can open a folder to sync it; elsewhere a rename is as durable as it gets.
    if cfg!(unix) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("cannot sync {} to disk", dir.display()))?;
    }
    Ok(())
}

/// Syncs the folder holding `path`, so that a rename into it survives a power cut.
fn sync_parent(path: &Path) -> Result<()> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => sync_dir(parent),
        None => sync_dir(Path::new(".")),
    }
}

/// A folder written under a temporary name beside its destination and renamed there by
/// [`commit`](Self::commit); dropped uncommitted (an error, a panic), it is removed. Its lock
/// is held for as long as the value lives.
#[derive(Debug)]
pub struct TempFolder {
    dir: PathBuf,
    dest: PathBuf,
    lock_path: PathBuf,
    /// Holds the lock; closing it releases the lock.
    _lock: File,
    committed: bool,
}

impl TempFolder {
    /// Creates an empty, locked temporary folder beside `dest`, creating `dest`'s parent if
    /// needed. `dest` itself is not touched until [`commit`](Self::commit).
    pub fn beside(dest: &Path) -> Result<Self> {
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        loop {
            let dir = temporary_beside(dest)?;
            let lock_path = lock_path(&dir);
            // Claims the name: a lock file that exists belongs to someone else (another host's
            // process with the same pid), so try the next name.
            let lock = match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock_path)
            {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", lock_path.display()))
                }
            };
            match lock.try_lock() {
                Ok(()) => {}
                // A cleaner took the fresh lock file for an abandoned one and will remove it.
                Err(TryLockError::WouldBlock) => continue,
                // Locks do not work on this filesystem: cleaners cannot take the lock either,
                // so they keep the folder; write it unlocked.
                Err(TryLockError::Error(_)) => {}
            }
            // A cleaner removed the lock file between its creation and our lock.
            if !is_same_file(&lock, &lock_path) {
                continue;
            }
            let folder = Self {
                dir,
                dest: dest.to_path_buf(),
                lock_path,
                _lock: lock,
                committed: false,
            };
            // On an error, dropping `folder` removes the lock file again.
            fs::create_dir(&folder.dir)
                .with_context(|| format!("cannot create {}", folder.dir.display()))?;
            return Ok(folder);
        }
    }

    /// The temporary folder to write into.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// [`commit`](Self::commit) to `dest` instead of the destination given to
    /// [`beside`](Self::beside) (in the same folder, so the rename stays atomic).
    pub fn commit_to(mut self, dest: &Path) -> Result<PathBuf> {
        self.dest = dest.to_path_buf();
        self.commit()
    }

    /// Syncs the folder and its files to disk, renames it to its destination (replacing a
    /// folder already there), syncs the destination's parent, and returns the destination.
    pub fn commit(self) -> Result<PathBuf> {
        sync_filesystem(&self.dir)?;
        let dest = self.commit_unsynced()?;
        sync_parent(&dest)?;
        Ok(dest)
    }

    /// Renames the folder to its destination (replacing a folder already there) without
    /// syncing anything: for folders whose files a manifest checks and a [`GroupSync`] makes
    /// durable. Returns the destination.
    pub fn commit_unsynced(mut self) -> Result<PathBuf> {
        if self.dest.exists() {
            fs::remove_dir_all(&self.dest)
                .with_context(|| format!("cannot replace {}", self.dest.display()))?;
        }
        fs::rename(&self.dir, &self.dest).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.dir.display(),
                self.dest.display()
            )
        })?;
        self.committed = true;
        Ok(self.dest.clone())
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        // The folder first, then its lock file: a temporary folder never lacks its lock file.
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
        let _ = fs::remove_file(&self.lock_path);
    }
}

/// Removes the temporary folders in `dir` whose writer is gone: those whose lock this process
/// can take, and those without a lock file (left by older versions of runner). Temporaries
/// whose lock is held (another process, or this one, still writing) are kept, and so are
/// temporary files of [`write_file`]. A missing `dir` has nothing to remove.
pub fn remove_abandoned(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.contains(TMP_MARK))
        .collect();
    // In reverse order a temporary's lock file comes before the temporary: the lock decides.
    names.sort_by(|a, b| b.cmp(a));
    for name in &names {
        if let Some(temporary) = name.strip_suffix(LOCK_SUFFIX) {
            remove_if_unlocked(&dir.join(temporary), &dir.join(name))?;
        } else if dir.join(name).is_dir() && !dir.join(format!("{name}{LOCK_SUFFIX}")).exists() {
            // A temporary folder is created after its lock file and renamed or removed before
            // the lock file goes, so one without a lock file has no writer.
            remove(&dir.join(name))?;
        }
    }
    Ok(())
}

/// Removes `temporary` and then `lock_path` if the lock is free.
fn remove_if_unlocked(temporary: &Path, lock_path: &Path) -> Result<()> {
    // Gone: its writer finished meanwhile. Unreadable: we cannot tell, so it stays.
    let Ok(lock) = File::open(lock_path) else {
        return Ok(());
    };
    // Held: a live writer. Any other failure: locks do not work here, so keep it to be safe.
    if lock.try_lock().is_err() {
        return Ok(());
    }
    // The writer may have finished and a new one claimed the same name between our open and
    // our lock: then the file we locked is no longer the one under that name.
    if !is_same_file(&lock, lock_path) {
        return Ok(());
    }
    remove(temporary)?;
    remove(lock_path)
}

#[cfg(unix)]
fn is_same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

/// Removes a file or folder; one already gone is not an error.
fn remove(path: &Path) -> Result<()> {
    let removed = match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match removed {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{listing, tempdir};

    #[test]
    fn a_group_sync_syncs_at_most_once_per_interval_and_always_on_flush() {
        let tmp = tempdir();
        let folder = tmp.path().join("a");
        fs::create_dir(&folder).unwrap();
        let hourly = GroupSync::new(tmp.path(), Duration::from_secs(3600));
        for _ in 0..50 {
            hourly.committed(&folder);
        }
        assert_eq!(hourly.syncs(), 0, "within the interval: no sync");
        hourly.flush().unwrap();
        assert_eq!(hourly.syncs(), 1);

        hourly.flush().unwrap();
        assert_eq!(
            hourly.syncs(),
            1,
            "nothing committed since: nothing to sync"
        );

        let always = GroupSync::new(tmp.path(), Duration::ZERO);
        for _ in 0..5 {
            always.committed(&folder);
        }
        assert_eq!(always.syncs(), 5);
        always.flush().unwrap();
        assert_eq!(always.syncs(), 5, "every folder was synced by its commit");
    }

    #[test]
    fn a_failed_group_sync_is_reported_by_flush_not_by_the_commit() {
        let tmp = tempdir();
        // Syncing a folder that is gone fails (it cannot be opened).
        let gone = tmp.path().join("gone");
        let group = GroupSync::new(&gone, Duration::ZERO);
        group.committed(&gone.join("a"));
        assert_eq!(group.syncs(), 1, "the commit tried, and kept the error");
        let err = format!("{:#}", group.flush().unwrap_err());
        assert!(
            err.starts_with(&format!("cannot sync {}", gone.display())),
            "{err}"
        );
        // Reported once: a later flush with nothing new to sync succeeds, syncing nothing.
        group.flush().unwrap();
        assert_eq!(group.syncs(), 1);
    }

    #[test]
    fn an_unsynced_commit_renames_like_a_synced_one() {
        let tmp = tempdir();
        let dest = tmp.path().join("abc");
        let folder = TempFolder::beside(&dest).unwrap();
        fs::write(folder.path().join("x.csv"), "x").unwrap();
        assert_eq!(folder.commit_unsynced().unwrap(), dest);
        assert_eq!(listing(tmp.path()), ["abc"]);
        assert_eq!(fs::read_to_string(dest.join("x.csv")).unwrap(), "x");
        sync_filesystem(tmp.path()).unwrap();
        let err = format!(
            "{:#}",
            sync_filesystem(&tmp.path().join("gone")).unwrap_err()
        );
        assert!(err.starts_with("cannot sync "), "{err}");
    }

    #[test]
    fn write_file_replaces_the_file_and_leaves_no_temporary() {
        let tmp = tempdir();
        let path = tmp.path().join("baseline.csv");
        write_file(&path, "old\n").unwrap();
        write_file(&path, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(listing(tmp.path()), ["baseline.csv"]);
    }

    #[test]
    fn write_file_errors_name_the_path_and_keep_the_old_file() {
        let tmp = tempdir();
        let missing = tmp.path().join("no").join("x.json");
        let err = format!("{:#}", write_file(&missing, "x").unwrap_err());
        assert!(
            err.starts_with(&format!("cannot write {}:", missing.display())),
            "{err}"
        );
        // The rename fails (a folder is in the way): the folder stays, no temporary is left.
        let blocked = tmp.path().join("blocked");
        fs::create_dir_all(blocked.join("inside")).unwrap();
        let err = format!("{:#}", write_file(&blocked, "x").unwrap_err());
        assert!(
            err.starts_with(&format!("cannot write {} (renaming", blocked.display())),
            "{err}"
        );
        assert_eq!(listing(tmp.path()), ["blocked"]);
    }

    #[test]
    fn a_temporary_folder_is_locked_then_renamed_over_the_old_folder() {
        let tmp = tempdir();
        let dest = tmp.path().join("runs").join("abc");
        fs::create_dir_all(&dest).unwrap();
        fs::write(dest.join("old.txt"), "old").unwrap();

        let folder = TempFolder::beside(&dest).unwrap();
        let name = folder.path().file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with(".abc.tmp-"), "{name}");
        let lock = folder.path().with_file_name(format!("{name}.lock"));
        let mut expected = vec!["abc".to_string(), name.to_string(), format!("{name}.lock")];
        expected.sort();
        assert_eq!(listing(&tmp.path().join("runs")), expected);
        // Another open file description cannot take the lock while the folder lives.
        assert!(matches!(
            File::open(&lock).unwrap().try_lock(),
            Err(TryLockError::WouldBlock)
        ));
        fs::write(folder.path().join("new.txt"), "new").unwrap();
        assert_eq!(listing(&dest), ["old.txt"], "untouched until the commit");

        assert_eq!(folder.commit().unwrap(), dest);
        assert_eq!(listing(&dest), ["new.txt"]);
        assert_eq!(listing(&tmp.path().join("runs")), ["abc"]);
    }

    #[test]
    fn a_temporary_folder_dropped_uncommitted_is_removed_with_its_lock() {
        let tmp = tempdir();
        let dest = tmp.path().join("abc");
        {
            let folder = TempFolder::beside(&dest).unwrap();
            fs::write(folder.path().join("half.csv"), "fold,").unwrap();
            assert_eq!(listing(tmp.path()).len(), 2);
        }
        assert!(listing(tmp.path()).is_empty());
        // Two at once for one destination get names of their own.
        let a = TempFolder::beside(&dest).unwrap();
        let b = TempFolder::beside(&dest).unwrap();
        assert_ne!(a.path(), b.path());
    }

    #[test]
    fn only_temporaries_whose_lock_is_free_are_removed() {
        let tmp = tempdir();
        let dir = tmp.path();
        let live = TempFolder::beside(&dir.join("a")).unwrap();
        // What a killed writer leaves: a folder and its lock file, unlocked.
        let dead = dir.join(".b.tmp-4999999-0");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join("x"), "x").unwrap();
        fs::write(dir.join(".b.tmp-4999999-0.lock"), "").unwrap();
        // Killed between creating the lock file and the folder.
        fs::write(dir.join(".c.tmp-4999999-1.lock"), "").unwrap();
        // Not temporaries: kept whatever they hold.
        fs::create_dir(dir.join("d")).unwrap();
        fs::write(dir.join(".hidden"), "").unwrap();
        // A temporary file of write_file (no lock file; its writer may live): kept.
        fs::write(dir.join(".e.tmp-12-0"), "").unwrap();

        remove_abandoned(dir).unwrap();
        let live_name = live.path().file_name().unwrap().to_str().unwrap();
        let mut expected = vec![
            ".e.tmp-12-0".to_string(),
            ".hidden".to_string(),
            "d".to_string(),
            live_name.to_string(),
            format!("{live_name}.lock"),
        ];
        expected.sort();
        assert_eq!(listing(dir), expected);

        drop(live);
        remove_abandoned(dir).unwrap();
        assert_eq!(listing(dir), [".e.tmp-12-0", ".hidden", "d"]);
    }
}
