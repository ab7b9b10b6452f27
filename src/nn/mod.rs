//! The training engine's numerics: LSTM, GRU and Dense layers and the optional linear skip
//! with hand-written forward and backward passes on ndarray, Keras' initialisers, losses and
//! optimizers.
//!
//! Knows nothing of files, TOML or plots.

mod activation;
pub mod dense;
pub mod gru;
pub mod init;
pub mod kernel;
pub mod loss;
pub mod lstm;
mod matrix;
pub mod network;
pub mod optimizer;
mod real;
pub mod rng;
pub mod skip;

pub use activation::{exp_f32, sigmoid_f32, tanh_f32};
pub use loss::Loss;
pub use network::{Cell, LayerSlots, Network, NetworkShape, TensorSlot, Workspace};
pub use optimizer::{clip_global_norm, Optimizer, OptimizerKind};
pub use real::Real;

#[cfg(test)]
mod tests;
