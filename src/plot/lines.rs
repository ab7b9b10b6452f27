//! Series over the series' index (the actual values, a split's predictions) drawn as lines
//! that break at gaps and at non-finite values.

use anyhow::Result;
use plotters::prelude::*;

use super::axis::TickedChart;
use super::frame::draw_err;

/// Splits `(index, value)` points, sorted by index, into runs of consecutive indices with
/// finite values: each run is one unbroken line.
pub(super) fn contiguous_runs(points: &[(usize, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut sorted: Vec<(usize, f64)> = points.to_vec();
    sorted.sort_by_key(|&(i, _)| i);
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut prev: Option<usize> = None;
    for (i, v) in sorted {
        if !v.is_finite() {
            prev = None;
            continue;
        }
        let continues = prev.is_some_and(|p| i == p + 1);
        if !continues {
            runs.push(Vec::new());
        }
        runs.last_mut()
            .expect("a run was just pushed")
            .push((i as f64, v));
        prev = Some(i);
    }
    runs
}

/// `points` as lines of `width` px in `color`, broken at gaps; a point alone has no line to
/// show it, so it is drawn as a dot a little wider than the line.
pub(super) fn draw_index_line(
    chart: &mut TickedChart<'_, '_>,
    points: &[(usize, f64)],
    color: RGBColor,
    width: u32,
) -> Result<()> {
    let runs = contiguous_runs(points);
    chart
        .draw_series(
            runs.iter()
                .filter(|run| run.len() > 1)
                .map(|run| PathElement::new(run.clone(), color.stroke_width(width))),
        )
        .map_err(draw_err)?;
    chart
        .draw_series(
            runs.iter()
                .filter(|run| run.len() == 1)
                .map(|run| Circle::new(run[0], width + 2, color.filled())),
        )
        .map_err(draw_err)?;
    Ok(())
}

/// The zero line of an error panel, from `lo` to `hi` on the x axis: errors read as above or
/// below it.
pub(super) fn draw_zero_line(chart: &mut TickedChart<'_, '_>, lo: f64, hi: f64) -> Result<()> {
    chart
        .draw_series([PathElement::new(
            vec![(lo, 0.0), (hi, 0.0)],
            BLACK.mix(0.5).stroke_width(1),
        )])
        .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_runs_break_on_gaps_and_non_finite_values() {
        let points = [
            (3, 3.0),
            (1, 1.0),
            (2, 2.0),
            (5, 5.0),
            (6, f64::NAN),
            (7, 7.0),
            (8, 8.0),
        ];
        // Sorted: 1 2 3 | gap | 5 | NaN | 7 8.
        assert_eq!(
            contiguous_runs(&points),
            vec![
                vec![(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)],
                vec![(5.0, 5.0)],
                vec![(7.0, 7.0), (8.0, 8.0)],
            ]
        );
        assert!(contiguous_runs(&[]).is_empty());
    }
}
