//! Ctrl-C (SIGINT) while runs train: say what was kept and how to resume, then exit 130.
//!
//! Nothing needs saving at that moment: each run folder is written under a temporary name
//! and renamed when complete (see `store::atomic`), so the runs finished so far are already
//! on disk, a run in progress leaves only a temporary that the next invocation removes, and
//! the folder's lock is an OS lock that the exit releases. What the user lacks is the news:
//! before, the process died silently. The signal handler only sets a flag (all a handler may
//! safely do); a watcher thread turns it into the message, from what the sweep registered
//! with [`watch`], and exits with 130 (128 + SIGINT, what a shell reports for a process
//! killed by Ctrl-C).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use indicatif::MultiProgress;

use crate::out;

/// The exit code of an interrupted invocation.
pub const EXIT_CODE: i32 = 130;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();
/// What an interruption now would leave, while a sweep is under way.
static KEPT: Mutex<Option<Kept>> = Mutex::new(None);

/// The state a Ctrl-C report is made from.
pub struct Kept {
    /// The results folder's `runs/`.
    pub runs_dir: PathBuf,
    /// Runs of this invocation (its shard, or the whole grid).
    pub runs: usize,
    /// Runs finished before this invocation started.
    pub cached: usize,
    /// Runs finished by this invocation so far.
    pub done: Arc<AtomicUsize>,
    /// Bars to clear before the message.
    pub bars: Option<MultiProgress>,
}

impl Kept {
    /// `interrupted: 3 of 8 runs are finished and kept in results/grid/runs (...)`.
    pub fn message(&self) -> String {
        let done = self.done.load(Ordering::SeqCst);
        let kept = self.cached + done;
        format!(
            "interrupted: {kept} of {} runs are finished and kept in {} ({} from before, {done} \
             just now); runs in progress were dropped. Run the same command again to resume: \
             finished runs are not trained again.",
            self.runs,
            self.runs_dir.display(),
            self.cached,
        )
    }
}

/// Handles SIGINT from now on for the life of the process (idempotent). A SIGINT ignored
/// when the process started (a background job of a script, `nohup`) stays ignored, as the
/// shell meant.
pub fn install() {
    INSTALL.call_once(|| {
        // SAFETY: `on_sigint` only stores to an atomic, which is async-signal-safe; SIG_IGN
        // is put back as it was.
        let before = unsafe {
            libc::signal(
                libc::SIGINT,
                on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
            )
        };
        if before == libc::SIG_IGN {
            unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
            return;
        }
        std::thread::spawn(|| loop {
            if INTERRUPTED.load(Ordering::SeqCst) {
                report_and_exit();
            }
            std::thread::sleep(Duration::from_millis(50));
        });
    });
}

/// The first Ctrl-C asks the watcher for the report; a second one, should the report hang (a
/// paused pager on stderr), ends the process at once.
extern "C" fn on_sigint(_: libc::c_int) {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        // SAFETY: `_exit` is async-signal-safe.
        unsafe { libc::_exit(EXIT_CODE) };
    }
}

/// Registers what an interruption would leave until the guard is dropped.
pub fn watch(kept: Kept) -> Watch {
    *KEPT.lock().unwrap_or_else(|e| e.into_inner()) = Some(kept);
    Watch(())
}

/// Unregisters the sweep's state when dropped.
pub struct Watch(());

impl Drop for Watch {
    fn drop(&mut self) {
        *KEPT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

fn report_and_exit() -> ! {
    let message = match KEPT.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        Some(kept) => {
            if let Some(bars) = &kept.bars {
                // Ignored: a terminal that cannot be cleared keeps the last drawn line. Hidden
                // after, so the bars' ticker does not draw over the message.
                let _ = bars.clear();
                bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            kept.message()
        }
        None => "interrupted: no run was training; runs finished before (by this or an \
                 earlier invocation) are kept, and the same command resumes from them."
            .to_string(),
    };
    out::stderr_line(format_args!("{message}"));
    std::process::exit(EXIT_CODE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_counts_what_is_kept() {
        let kept = Kept {
            runs_dir: PathBuf::from("results/grid/runs"),
            runs: 8,
            cached: 2,
            done: Arc::new(AtomicUsize::new(3)),
            bars: None,
        };
        assert_eq!(
            kept.message(),
            "interrupted: 5 of 8 runs are finished and kept in results/grid/runs (2 from \
             before, 3 just now); runs in progress were dropped. Run the same command again \
             to resume: finished runs are not trained again."
        );
    }
}
