//! The fit loop: mini-batches in a seeded shuffled order, optimizer steps, per-epoch losses,
//! validation, early stopping, divergence detection.

mod fit;

pub use fit::{
    evaluate_loss, fit, Dataset, EarlyStopping, EpochStats, FitConfig, FitReport, ReduceOnPlateau,
    Stop,
};
