//! Where a series comes from: the generators (sine, sum of sines, trend + season, AR(p),
//! random walk) and the CSV reader.

mod csv_file;
mod generators;
mod sine;

pub use csv_file::{
    inspect_csv, read_csv, read_csv_from, read_panel_from, CsvShape, Missing, NamedSeries,
};
pub use generators::{
    ar, random_walk, sines, trend_season, ArParams, RandomWalkParams, SinesParams,
    TrendSeasonParams,
};
pub use sine::{linspace, sine, GaussianNoise, SineParams};

/// A univariate series in original units, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// One value per time step, original units.
    pub values: Vec<f64>,
    /// The time column as written in the source (CSV only), one label per value.
    pub time: Option<Vec<String>>,
}

impl Series {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
