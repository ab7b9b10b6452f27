//! Progress of a sweep.
//!
//! On a terminal: an indicatif MultiProgress with one bar for the sweep (done/total, ETA) and a
//! line per active run (label, epoch, loss). Otherwise (CI logs, files): plain lines without
//! control characters - one per finished run, or, when a single run trains, a line every tenth
//! of its epochs.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::analysis::{Measure, Metric, Split};
use crate::out;
use crate::store::{RunRecord, RunStatus};
use crate::train::EpochStats;

pub struct SweepProgress {
    mode: Mode,
    total: usize,
    done: AtomicUsize,
}

enum Mode {
    Quiet,
    Bars {
        multi: MultiProgress,
        overall: ProgressBar,
    },
    Lines {
        /// A single run to train: report its epochs too.
        epochs_too: bool,
    },
}

/// The progress line of one active run.
pub struct RunProgress<'a> {
    sweep: &'a SweepProgress,
    label: String,
    epochs: usize,
    /// What the run's bar counts: `epoch`, or `series` for a panel's local networks.
    unit: &'static str,
    bar: Option<ProgressBar>,
}

impl SweepProgress {
    /// `total`: runs to train now (cached runs are not counted).
    pub fn new(total: usize, quiet: bool) -> Self {
        let mode = if quiet || total == 0 {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = multi.add(ProgressBar::new(total as u64));
            overall.set_style(
                ProgressStyle::with_template(
                    "sweep [{bar:30}] {pos}/{len} runs ({elapsed}, eta {eta}) {msg}",
                )
                .expect("static template")
                .progress_chars("=> "),
            );
            overall.enable_steady_tick(Duration::from_millis(200));
            Mode::Bars { multi, overall }
        } else {
            Mode::Lines {
                epochs_too: total == 1,
            }
        };
        SweepProgress {
            mode,
            total,
            done: AtomicUsize::new(0),
        }
    }

    pub fn start_run(&self, label: &str, epochs: usize) -> RunProgress<'_> {
        self.start_run_counting(label, epochs, "epoch")
    }

    /// A run whose bar counts `total` of `unit` (`series` for a panel's local networks).
    pub fn start_run_counting(
        &self,
        label: &str,
        epochs: usize,
        unit: &'static str,
    ) -> RunProgress<'_> {
        let bar = match &self.mode {
            Mode::Bars { multi, .. } => {
                let bar = multi.add(ProgressBar::new(epochs as u64));
                bar.set_style(
                    ProgressStyle::with_template(&format!(
                        "  {{prefix}} {unit} {{pos}}/{{len}} {{msg}}"
                    ))
                    .expect("static template"),
                );
                bar.set_prefix(label.to_string());
                Some(bar)
            }
            _ => None,
        };
        RunProgress {
            sweep: self,
            label: label.to_string(),
            epochs,
            unit,
            bar,
        }
    }

    /// Clears the bars (the caller prints the summary).
    pub fn finish(&self) {
        if let Mode::Bars { overall, .. } = &self.mode {
            overall.finish_and_clear();
        }
    }
}

impl RunProgress<'_> {
    pub fn epoch(&self, stats: &EpochStats) {
        let msg = describe(stats);
        match (&self.bar, &self.sweep.mode) {
            (Some(bar), _) => {
                bar.set_position(stats.epoch as u64);
                bar.set_message(msg);
            }
            (None, Mode::Lines { epochs_too: true }) => {
                let every = (self.epochs / 10).max(1);
                if stats.epoch.is_multiple_of(every)
                    || stats.epoch == self.epochs
                    || stats.epoch == 1
                {
                    out::stderr_line(format_args!(
                        "{}: {} {}/{} {}",
                        self.label, self.unit, stats.epoch, self.epochs, msg
                    ));
                }
            }
            _ => {}
        }
    }

    /// Removes the run's line and reports its outcome.
    pub fn finish(self, record: &RunRecord) {
        self.finish_with(&outcome(record), record.status != RunStatus::Ok);
    }

    /// Removes the line and reports `outcome`: on a terminal only when `notable` (a failure),
    /// in plain-line mode always.
    pub fn finish_with(self, outcome: &str, notable: bool) {
        let done = self.sweep.done.fetch_add(1, Ordering::SeqCst) + 1;
        match &self.sweep.mode {
            Mode::Bars { multi, overall } => {
                if let Some(bar) = &self.bar {
                    bar.finish_and_clear();
                    multi.remove(bar);
                }
                overall.inc(1);
                if notable {
                    overall.println(format!("{}: {outcome}", self.label));
                }
            }
            Mode::Lines { .. } => out::stderr_line(format_args!(
                "[{done}/{}] {}: {outcome}",
                self.sweep.total, self.label
            )),
            Mode::Quiet => {}
        }
    }
}

fn outcome(record: &RunRecord) -> String {
    match record.status {
        RunStatus::Ok => {
            // A panel's runs have no RMSE (its series differ in scale): their sMAPE and OWA.
            let panel_owa = record.metric(&Metric::network(Split::Test, Measure::Owa).column());
            let figure = match panel_owa {
                Some(owa) => format!(
                    "test sMAPE {:.2} OWA {owa:.3}",
                    record
                        .metric(&Metric::network(Split::Test, Measure::Smape).column())
                        .unwrap_or(f64::NAN)
                ),
                None => format!(
                    "test rmse {}",
                    record
                        .metric(&Metric::TEST_RMSE.column())
                        .map_or("n/a".to_string(), |v| format!("{v:.6}"))
                ),
            };
            format!(
                "{figure} in {:.2} s ({} epochs)",
                record.train_seconds, record.epochs
            )
        }
        _ => format!(
            "{} - {}",
            record.status,
            record.reason.as_deref().unwrap_or("no reason recorded")
        ),
    }
}

fn describe(stats: &EpochStats) -> String {
    // A count of series done (a panel's local networks) has no loss of its own.
    if stats.train_loss.is_nan() && stats.val_loss.is_none() {
        return String::new();
    }
    match stats.val_loss {
        Some(v) => format!("loss {:.3e} val_loss {v:.3e}", stats.train_loss),
        None => format!("loss {:.3e}", stats.train_loss),
    }
}
