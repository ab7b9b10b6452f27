//! `runner predict`: a saved model applied to a CSV series with its stored preprocessing,
//! forecasting the values after the series' last window. No experiment file, no training.

use std::path::PathBuf;

use crate::data::calendar::Calendar;
use crate::data::source::{inspect_csv, read_csv};
use crate::data::Missing;
use crate::saved::{self, forecast_paths, ModelMeta};

use super::Error;

pub struct PredictOptions {
    /// The model file.
    pub model: PathBuf,
    /// The CSV file holding the series, in time order.
    pub data: PathBuf,
    /// The value column; the model's own column (else `value`) when not given.
    pub column: Option<String>,
    /// Values to forecast; the network's horizon when not given.
    pub horizon: Option<usize>,
}

/// The forecast of one saved model for the values after a series.
pub struct Prediction {
    /// What the model file says of itself (run, label, which fit).
    pub meta: ModelMeta,
    /// The value column read.
    pub column: String,
    /// Values in the series read.
    pub points: usize,
    /// `(step, time label, forecast)`, step 1 first.
    pub rows: Vec<(usize, Option<String>, f64)>,
    /// Why the rows have no time labels, when they have none.
    pub no_times: Option<String>,
}

/// The model's forecast of the values after `opts.data`'s series; bad input (exit 2) for a
/// model file or CSV that cannot be used.
pub fn predict(opts: &PredictOptions) -> Result<Prediction, Error> {
    let model = saved::load(&opts.model).map_err(Error::bad_input)?;
    let column = opts
        .column
        .clone()
        .or_else(|| model.meta.column.clone())
        .unwrap_or_else(|| "value".to_string());
    // The model's time column labels the forecast when the file has it.
    let shape = inspect_csv(&opts.data).map_err(Error::bad_input)?;
    let time_column = model
        .meta
        .time_column
        .clone()
        .filter(|t| shape.columns.contains(t));
    let series = read_csv(&opts.data, &column, time_column.as_deref(), Missing::Error)
        .map_err(Error::bad_input)?;
    let pre = &model.meta.preprocessing;
    let need = pre.history_needed();
    if series.len() < need {
        return Err(Error::BadInput(format!(
            "{}: column `{column}` has {} values; the model needs at least {need} (lookback {} \
             plus {} consumed by differencing)",
            opts.data.display(),
            series.len(),
            pre.lookback,
            pre.transform.lost()
        )));
    }
    let steps = opts.horizon.unwrap_or(pre.horizon);
    let n = series.len();
    let forecast = forecast_paths(&model, &series.values, &[n], steps)
        .map_err(|e| Error::BadInput(format!("{}: {e}", opts.data.display())))?;
    let (times, no_times) = match &series.time {
        Some(t) => match Calendar::infer(t) {
            Ok(c) => (Some(c.next_labels(steps)), None),
            Err(why) => (None, Some(why)),
        },
        None => (
            None,
            Some(match &model.meta.time_column {
                Some(c) => format!(
                    "{} has no column `{c}`, the model's time column",
                    opts.data.display()
                ),
                None => "the model was trained without a time column".to_string(),
            }),
        ),
    };
    let rows = (0..steps)
        .map(|k| {
            (
                k + 1,
                times.as_ref().and_then(|t| t.get(k).cloned()),
                forecast[[0, k]],
            )
        })
        .collect();
    Ok(Prediction {
        meta: model.meta,
        column,
        points: n,
        rows,
        no_times,
    })
}
