//! Progress of a sweep, measured in work (see [`super::work`]).
//!
//! On a terminal: an indicatif MultiProgress with one bar for the sweep (its length the
//! sweep's planned work, so its ETA holds when runs differ in size) and a line per active
//! run (label, epoch, loss); a single run has no sweep bar but a bar over its own epochs.
//! Otherwise (CI logs, files): plain lines without control characters - one per finished run
//! with the share of the work done and the time left, or, when a single run trains, a line
//! every tenth of its epochs.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::analysis::{Measure, Metric, Split};
use crate::out;
use crate::store::{RunRecord, RunStatus};
use crate::train::EpochStats;

use super::work::{RunWork, Work};

pub struct SweepProgress {
    mode: Mode,
    /// Runs to train now.
    runs: usize,
    /// Runs finished by this process; shared with the Ctrl-C report (see
    /// [`super::interrupt`]).
    done: Arc<AtomicUsize>,
    work: Work,
    started: Instant,
}

enum Mode {
    Quiet,
    Bars {
        multi: MultiProgress,
        /// The sweep's bar, in units of planned work; `None` for a single run, whose own bar is the
        /// measure.
        overall: Option<ProgressBar>,
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
    work: RunWork<'a>,
}

impl SweepProgress {
    /// `weights`: the planned work of each run to train now (cached runs are not counted).
    pub fn new(weights: &[u64], quiet: bool) -> Self {
        let runs = weights.len();
        let mode = if quiet || runs == 0 {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Self::bars(ProgressDrawTarget::stderr(), weights)
        } else {
            Mode::Lines {
                epochs_too: runs == 1,
            }
        };
        Self::with_mode(mode, weights)
    }

    fn with_mode(mode: Mode, weights: &[u64]) -> Self {
        SweepProgress {
            mode,
            runs: weights.len(),
            done: Arc::new(AtomicUsize::new(0)),
            work: Work::new(weights.iter().copied()),
            started: Instant::now(),
        }
    }

    fn bars(target: ProgressDrawTarget, weights: &[u64]) -> Mode {
        let multi = MultiProgress::with_draw_target(target);
        let runs = weights.len();
        let overall = (runs > 1).then(|| {
            let bar = multi.add(ProgressBar::new(Work::new(weights.iter().copied()).total()));
            bar.set_style(
                ProgressStyle::with_template(
                    "sweep [{bar:30}] {percent:>3}% of the work ({elapsed}, eta {eta}) {msg}",
                )
                .expect("static template")
                .progress_chars("=> "),
            );
            bar.set_message(format!("0/{runs} runs"));
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Mode::Bars { multi, overall }
    }

    /// The count of runs finished so far, for a report made on another thread.
    pub fn done_counter(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.done)
    }

    /// The bars, to clear before a message is printed from another thread (Ctrl-C).
    pub fn multi(&self) -> Option<MultiProgress> {
        match &self.mode {
            Mode::Bars { multi, .. } => Some(multi.clone()),
            _ => None,
        }
    }

    /// A run of `epochs` epochs weighing `weight` units of work.
    pub fn start_run(&self, label: &str, epochs: usize, weight: u64) -> RunProgress<'_> {
        self.start_run_counting(label, epochs, "epoch", weight)
    }

    /// A run whose bar counts `steps` of `unit` (`series` for a panel's local networks) and
    /// weighs `weight` units of work.
    pub fn start_run_counting(
        &self,
        label: &str,
        steps: usize,
        unit: &'static str,
        weight: u64,
    ) -> RunProgress<'_> {
        let bar = match &self.mode {
            Mode::Bars { multi, overall } => {
                let bar = multi.add(ProgressBar::new(steps as u64));
                // Alone, the run's bar is the sweep's: drawn, with the time left.
                let template = if overall.is_some() {
                    format!("  {{prefix}} {unit} {{pos}}/{{len}} {{msg}}")
                } else {
                    format!(
                        "{{prefix}} [{{bar:30}}] {unit} {{pos}}/{{len}} ({{elapsed}}, eta {{eta}}) {{msg}}"
                    )
                };
                bar.set_style(
                    ProgressStyle::with_template(&template)
                        .expect("static template")
                        .progress_chars("=> "),
                );
                bar.set_prefix(label.to_string());
                if overall.is_none() {
                    bar.enable_steady_tick(Duration::from_millis(200));
                }
                Some(bar)
            }
            _ => None,
        };
        RunProgress {
            sweep: self,
            label: label.to_string(),
            epochs: steps,
            unit,
            bar,
            work: self.work.run(weight, steps),
        }
    }

    /// Clears the bars (the caller prints the summary).
    pub fn finish(&self) {
        if let Mode::Bars { multi, overall } = &self.mode {
            if let Some(bar) = overall {
                bar.finish_and_clear();
            }
            // Ignored: a terminal that cannot be cleared keeps the last drawn line.
            let _ = multi.clear();
        }
    }

    /// `[3/8 runs, 41% of the work, eta 14s]`: where a plain-line log stands.
    fn standing(&self, done: usize) -> String {
        let eta = self
            .work
            .eta_seconds(self.started.elapsed().as_secs_f64())
            .map_or_else(String::new, |s| format!(", eta {}", short_duration(s)));
        format!(
            "[{done}/{} runs, {:.0}% of the work{eta}]",
            self.runs,
            100.0 * self.work.fraction()
        )
    }
}

impl RunProgress<'_> {
    pub fn epoch(&self, stats: &EpochStats) {
        let added = self.work.step(stats.epoch);
        let msg = describe(stats);
        match (&self.bar, &self.sweep.mode) {
            (Some(bar), Mode::Bars { overall, .. }) => {
                bar.set_position(stats.epoch as u64);
                bar.set_message(msg);
                if let Some(overall) = overall {
                    overall.inc(added);
                }
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
        // A run that stopped early or failed still completes its share of the work.
        let added = self.work.finish();
        let done = self.sweep.done.fetch_add(1, Ordering::SeqCst) + 1;
        match &self.sweep.mode {
            Mode::Bars { multi, overall } => {
                // Printed above the bars while they are still drawn.
                if let (true, Some(p)) = (notable, overall.as_ref().or(self.bar.as_ref())) {
                    p.println(format!("{}: {outcome}", self.label));
                }
                if let Some(bar) = &self.bar {
                    bar.finish_and_clear();
                    multi.remove(bar);
                }
                if let Some(overall) = overall {
                    overall.inc(added);
                    overall.set_message(format!("{done}/{} runs", self.sweep.runs));
                }
            }
            Mode::Lines { .. } => out::stderr_line(format_args!(
                "{} {}: {outcome}",
                self.sweep.standing(done),
                self.label
            )),
            Mode::Quiet => {}
        }
    }
}

/// Seconds as a person reads them: `14s`, `3m05s`, `2h10m`.
fn short_duration(seconds: f64) -> String {
    let s = seconds.round().max(0.0) as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Bars drawn nowhere, as on a terminal.
    fn hidden_bars(weights: &[u64]) -> SweepProgress {
        let mode = SweepProgress::bars(ProgressDrawTarget::hidden(), weights);
        SweepProgress::with_mode(mode, weights)
    }

    fn epoch(n: usize) -> EpochStats {
        EpochStats {
            epoch: n,
            train_loss: 0.5,
            val_loss: None,
            learning_rate: 1e-3,
        }
    }

    #[test]
    fn the_sweep_bar_is_as_long_as_the_work() {
        // A run of 4 epochs weighing 400 units of work and one of 2 weighing 1600.
        let progress = hidden_bars(&[400, 1600]);
        let Mode::Bars {
            overall: Some(overall),
            ..
        } = &progress.mode
        else {
            panic!("two runs have a sweep bar")
        };
        assert_eq!(overall.length(), Some(2000));
        let small = progress.start_run("small", 4, 400);
        assert_eq!(small.bar.as_ref().unwrap().length(), Some(4));
        small.epoch(&epoch(1));
        small.epoch(&epoch(2));
        assert_eq!(overall.position(), 200);
        // Stopped early after 2 of 4 epochs: the rest of its weight is done with it.
        small.finish_with("stopped early", false);
        assert_eq!(overall.position(), 400);
        assert_eq!(overall.message(), "1/2 runs");
        // A fifth of the work, whatever the count of runs says.
        let standing = progress.standing(1);
        assert!(
            standing.starts_with("[1/2 runs, 20% of the work, eta ") && standing.ends_with("s]"),
            "{standing}"
        );
    }

    #[test]
    fn a_single_run_has_a_bar_over_its_epochs() {
        let progress = hidden_bars(&[7900]);
        let Mode::Bars { overall, .. } = &progress.mode else {
            panic!("bars")
        };
        assert!(overall.is_none(), "no sweep bar stuck at 0/1 runs");
        let run = progress.start_run("seed", 50, 7900);
        let bar = run.bar.as_ref().unwrap();
        assert_eq!(bar.length(), Some(50));
        run.epoch(&epoch(12));
        assert_eq!(bar.position(), 12);
        assert_eq!(progress.work.done(), 7900 * 12 / 50);
    }

    #[test]
    fn durations_read_as_minutes_and_hours() {
        assert_eq!(short_duration(14.4), "14s");
        assert_eq!(short_duration(185.0), "3m05s");
        assert_eq!(short_duration(7800.0), "2h10m");
    }
}
