//! Progress of a fit: an indicatif bar over epochs with the current loss when stderr is a
//! terminal; otherwise (CI logs, files) a plain line every tenth of the epochs, with no
//! control characters.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::train::EpochStats;

pub struct EpochProgress {
    label: String,
    total: usize,
    mode: Mode,
}

enum Mode {
    Quiet,
    Bar(ProgressBar),
    /// Print every `every` epochs and the last one.
    Lines {
        every: usize,
    },
}

impl EpochProgress {
    pub fn new(label: &str, total_epochs: usize, quiet: bool) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(
                Some(total_epochs as u64),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] epoch {pos}/{len} {msg} ({elapsed}, eta {eta})",
                )
                .expect("static template is valid")
                .progress_chars("=> "),
            );
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            Mode::Bar(bar)
        } else {
            Mode::Lines {
                every: (total_epochs / 10).max(1),
            }
        };
        EpochProgress {
            label: label.to_string(),
            total: total_epochs,
            mode,
        }
    }

    pub fn epoch(&self, stats: &EpochStats) {
        let msg = describe(stats);
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => {
                bar.set_position(stats.epoch as u64);
                bar.set_message(msg);
            }
            Mode::Lines { every } => {
                if stats.epoch.is_multiple_of(*every)
                    || stats.epoch == self.total
                    || stats.epoch == 1
                {
                    eprintln!(
                        "{}: epoch {}/{} {}",
                        self.label, stats.epoch, self.total, msg
                    );
                }
            }
        }
    }

    /// Removes the bar (the caller prints the outcome).
    pub fn finish(&self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}

fn describe(stats: &EpochStats) -> String {
    match stats.val_loss {
        Some(v) => format!("loss {:.3e} val_loss {v:.3e}", stats.train_loss),
        None => format!("loss {:.3e}", stats.train_loss),
    }
}
