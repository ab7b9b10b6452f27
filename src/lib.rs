pub mod nn;
pub mod plot;
pub mod results;
