//! Progress measured in work, not in runs.
//!
//! Runs of one sweep differ in size (a lookback of 40 against one of 5, two folds against
//! five, 50 epochs against 5), so a bar that counts runs moves unevenly and its ETA
//! (elapsed × remaining / done) is wrong until the end. Here each run weighs its planned
//! work (training windows × epochs over its folds × the cost of one window, see
//! [`super::plan::run_work`]) and credits that weight step by step as its epochs
//! (or a panel's series) finish, so the fraction done is the fraction of the training work
//! done.

use std::sync::atomic::{AtomicU64, Ordering};

/// The work of the runs being trained, and how much of it is done. Shared by every run's
/// progress; only atomics inside, so runs on several threads credit it at once.
#[derive(Debug, Default)]
pub struct Work {
    total: u64,
    done: AtomicU64,
}

impl Work {
    /// `weights`: each run's planned work.
    pub fn new(weights: impl IntoIterator<Item = u64>) -> Self {
        Work {
            total: weights.into_iter().fold(0, u64::saturating_add),
            done: AtomicU64::new(0),
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn done(&self) -> u64 {
        self.done.load(Ordering::SeqCst)
    }

    /// Done over total, in [0, 1]; 0 when there is no work.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        (self.done() as f64 / self.total as f64).min(1.0)
    }

    /// Seconds left at the pace so far: `elapsed × (total - done) / done`; `None` before
    /// any work is done.
    pub fn eta_seconds(&self, elapsed: f64) -> Option<f64> {
        let done = self.done();
        (done > 0).then(|| elapsed * self.total.saturating_sub(done) as f64 / done as f64)
    }

    /// A run's share of the work, credited as its steps finish.
    pub fn run(&self, weight: u64, steps: usize) -> RunWork<'_> {
        RunWork {
            work: self,
            weight,
            steps: steps.max(1) as u64,
            credited: AtomicU64::new(0),
        }
    }
}

/// One run's weight, of which `credited` is counted in [`Work`] so far.
#[derive(Debug)]
pub struct RunWork<'a> {
    work: &'a Work,
    weight: u64,
    steps: u64,
    credited: AtomicU64,
}

impl RunWork<'_> {
    /// Step `step` of the run's `steps` is done (1-based): its share up to that step is
    /// `weight · step / steps`, so shares that do not divide evenly still add up to exactly
    /// `weight`. Returns the work newly credited (0 for a step already counted).
    pub fn step(&self, step: usize) -> u64 {
        let step = (step as u64).min(self.steps);
        let share = (u128::from(self.weight) * u128::from(step) / u128::from(self.steps)) as u64;
        self.credit_up_to(share)
    }

    /// The run is over (finished, stopped early or failed): the rest of its weight is done.
    pub fn finish(&self) -> u64 {
        self.credit_up_to(self.weight)
    }

    fn credit_up_to(&self, share: u64) -> u64 {
        let before = self.credited.fetch_max(share, Ordering::SeqCst);
        let added = share.saturating_sub(before);
        self.work.done.fetch_add(added, Ordering::SeqCst);
        added
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::plan::run_work;
    use crate::pipeline::{runs_sample_epochs, Plan};
    use crate::spec::sweep::parse_sweep_str;

    /// Two lookbacks on a series of 200 points with 5 and 25 epochs: the 25-epoch runs are
    /// five times the work of the 5-epoch ones, whatever their count.
    const MIXED: &str = r#"
name = "mixed"
[data]
kind = "sine"
points = 200
stop = 20.0
[window]
lookback = 5
[model]
units = [4]
[sweep]
train.epochs = [5, 25]
"#;

    #[test]
    fn wider_layers_and_longer_windows_weigh_more_and_a_gru_less_than_an_lstm() {
        let text = MIXED.replace(
            "train.epochs = [5, 25]",
            "model.units = [[4], [16]]\nmodel.cell = [\"lstm\", \"gru\"]\nwindow.lookback = [5, 10]",
        );
        let sweep = parse_sweep_str(&text, std::path::Path::new("m.toml"), &[]).unwrap();
        let plan = Plan::build(&sweep).unwrap();
        let weight = |units: usize, cell: &str, lookback: usize| {
            let run = sweep
                .runs
                .iter()
                .find(|r| {
                    let e = &r.experiment;
                    e.model.units == [units]
                        && format!("{:?}", e.model.cell).eq_ignore_ascii_case(cell)
                        && e.window.lookback == lookback
                })
                .unwrap();
            run_work(run, &plan)
        };
        // LSTM(4), lookback 5: 5 steps of 3072 + 4·4·(1 + 4 + 16), the head 4; 155 windows
        // of 160 training points, 50 epochs (the default).
        assert_eq!(weight(4, "lstm", 5), 155 * 50 * (5 * (3072 + 336) + 4));
        for cell in ["lstm", "gru"] {
            for lookback in [5, 10] {
                assert!(10 * weight(16, cell, lookback) > 13 * weight(4, cell, lookback));
            }
            assert!(weight(4, cell, 10) > weight(4, cell, 5));
        }
        assert!(weight(16, "gru", 5) < weight(16, "lstm", 5));
    }

    #[test]
    fn a_mixed_plan_is_measured_in_sample_epochs() {
        let sweep = parse_sweep_str(MIXED, std::path::Path::new("mixed.toml"), &[]).unwrap();
        let plan = Plan::build(&sweep).unwrap();
        let weights: Vec<u64> = sweep
            .runs
            .iter()
            .map(|r| runs_sample_epochs(std::iter::once(r), &plan))
            .collect();
        // 200 points, 80% train = 160, minus the lookback 5: 155 windows per epoch.
        assert_eq!(weights, vec![155 * 5, 155 * 25]);
        let work = Work::new(weights.iter().copied());
        assert_eq!(work.total(), 155 * 30);

        // The short run finishes first: one run of two, but a sixth of the work.
        let short = work.run(weights[0], 5);
        for epoch in 1..=5 {
            short.step(epoch);
        }
        assert_eq!(work.done(), 775);
        assert!((work.fraction() - 1.0 / 6.0).abs() < 1e-12);
        // 10 s for a sixth: 50 s left (a count of runs would say 10 s).
        assert_eq!(work.eta_seconds(10.0), Some(50.0));

        // The long run stops early at epoch 7 of 25: its share so far, then the rest of it.
        let long = work.run(weights[1], 25);
        assert_eq!(long.step(7), 155 * 7);
        assert_eq!(long.step(7), 0, "a step is credited once");
        assert_eq!(long.finish(), 155 * 18);
        assert_eq!(work.done(), work.total());
        assert_eq!(work.fraction(), 1.0);
        assert_eq!(work.eta_seconds(60.0), Some(0.0));
    }

    #[test]
    fn uneven_shares_add_up_to_the_weight() {
        let work = Work::new([10]);
        let run = work.run(10, 3);
        // 10/3 per step: 3, 6, then 10 - not 9.
        assert_eq!([run.step(1), run.step(2), run.step(3)], [3, 3, 4]);
        assert_eq!(run.finish(), 0);
        assert_eq!(work.done(), 10);
        assert_eq!(Work::new([]).fraction(), 0.0);
        assert_eq!(Work::new([5]).eta_seconds(1.0), None);
    }
}
