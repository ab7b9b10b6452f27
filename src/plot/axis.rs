//! Value axes for every plot: linear or log10, with plotters' own key points as ticks (or
//! given ticks: the swept values themselves, category slots, ranking rows).
//!
//! Charts are built in *axis coordinates*: the value itself on a linear axis, its log10 on a
//! log axis. [`ValueAxis::coord`] maps a data value there (or rejects it), and
//! [`ValueAxis::label`] maps a tick back to text in data units.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange, LogCoord, WithKeyPoints};
use plotters::coord::ranged1d::{BoldPoints, DefaultFormatting, KeyPointHint, LightPoints, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::font::FAMILY;
use super::frame::{draw_err, format_sci, format_tick, padded_range, Area, AXIS_DESC_PX, TICK_PX};
use super::text::GlyphTextBackend;

/// Values spanning at least this ratio (max / min, all positive) get a log axis.
///
/// Below one decade a log axis gains nothing and has too few round ticks to read; with a
/// zero or negative value it cannot be drawn at all.
pub(super) const LOG_AXIS_MIN_RATIO: f64 = 10.0;

/// Light grid lines per labelled tick asked of plotters on a linear axis. With 5, plotters'
/// finer step always divides its labelled step (1, 2 or 5 × 10^k), so the grids line up.
const MINOR_PER_TICK: usize = 5;

/// A log axis showing fewer than this many whole decades also labels 2 and 5 × 10^k:
/// otherwise it would carry one or two labels only.
const FEW_DECADES: usize = 4;

/// One axis: its extent in axis coordinates, whether it is log10, and its ticks.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ValueAxis {
    /// Extent in axis coordinates (log10 of the value on a log axis), `lo < hi`.
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    /// Labelled ticks (bold grid lines), in axis coordinates, ascending.
    pub ticks: Vec<f64>,
    /// Unlabelled fine grid lines, in axis coordinates.
    pub minor: Vec<f64>,
}

impl ValueAxis {
    /// An axis over the finite values of `values`: log10 when `allow_log`, all values are
    /// positive and they span [`LOG_AXIS_MIN_RATIO`] or more; linear otherwise. The extent is
    /// padded by 5% each side (of the log span on a log axis). `integer` keeps linear ticks
    /// on whole numbers (epochs, indices). At most `max_ticks` labelled ticks.
    pub(super) fn fit(
        values: impl IntoIterator<Item = f64>,
        allow_log: bool,
        integer: bool,
        max_ticks: usize,
    ) -> Self {
        let finite: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if allow_log && lo > 0.0 && hi / lo >= LOG_AXIS_MIN_RATIO {
            Self::log(lo, hi, max_ticks)
        } else {
            let (lo, hi) = padded_range(finite);
            Self::linear(lo, hi, integer, max_ticks)
        }
    }

    /// A linear axis over exactly `[lo, hi]` (`lo < hi`) ticked at plotters' key points
    /// (steps of 1, 2 or 5 × 10^k), at most `max_ticks` of them, whole numbers when
    /// `integer`.
    pub(super) fn linear(lo: f64, hi: f64, integer: bool, max_ticks: usize) -> Self {
        let range = RangedCoordf64::from(lo..hi);
        // Plotters picks the finest step giving at most that many points, so capping the
        // count at one per whole unit keeps the step at 1 or more on an integer axis.
        let cap = if integer {
            max_ticks.min((hi - lo).floor().max(1.0) as usize + 1)
        } else {
            max_ticks
        };
        let whole = |v: &f64| !integer || v.fract() == 0.0;
        let ticks = range.key_points(BoldPoints(cap));
        let minor = range.key_points(LightPoints::new(cap, cap * MINOR_PER_TICK));
        Self {
            lo,
            hi,
            log: false,
            ticks: ticks.into_iter().filter(whole).collect(),
            minor: minor.into_iter().filter(whole).collect(),
        }
    }

    /// A log10 axis over the positive values `[min, max]` (`max / min >= 10`), padded by 5%
    /// of the log span each side, ticked at plotters' log key points: the decades (thinned
    /// by plotters on a very wide axis), plus 2 and 5 × 10^k when the axis shows fewer than
    /// [`FEW_DECADES`] decades; fine grid lines on 2..9 × 10^k.
    pub(super) fn log(min: f64, max: f64, max_ticks: usize) -> Self {
        let (a, b) = (min.log10(), max.log10());
        let pad = 0.05 * (b - a);
        let (lo, hi) = (a - pad, b + pad);
        // Plotters starts its log key points at the first decade inside its range and stops
        // at the last, with rounding at both ends, so it is asked over whole decades with a
        // spare one each side, and its points outside [lo, hi] are dropped.
        let (first, last) = (lo.floor() - 1.0, hi.ceil() + 1.0);
        let decades = (last - first) as usize;
        let whole: LogCoord<f64> = (10f64.powf(first)..10f64.powf(last)).log_scale().into();
        let inside = |points: Vec<f64>| -> Vec<f64> {
            let mut coords: Vec<f64> = points
                .into_iter()
                .map(f64::log10)
                .filter(|c| (lo..=hi).contains(c))
                .collect();
            coords.sort_by(f64::total_cmp);
            // Plotters' light points of a decade end on 10 × 10^k, next to the next decade.
            coords.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
            coords
        };
        // One point per decade gives bare decades (thinned by plotters when more than
        // `max_ticks`); ten per decade adds 2..9 × 10^k.
        let shown = (hi.floor() - lo.ceil() + 1.0).max(0.0) as usize;
        // The spare decades outside the axis count against plotters' limit, so they are added.
        let asked = (max_ticks + decades.saturating_sub(shown)).min(decades);
        let decade_ticks = inside(whole.key_points(BoldPoints(asked)));
        let minor = inside(whole.key_points(LightPoints::new(decades, 10 * decades)));
        let ticks = if shown < FEW_DECADES {
            minor
                .iter()
                .copied()
                .filter(|&c| [1, 2, 5].contains(&mantissa(c)))
                .collect()
        } else {
            decade_ticks
        };
        Self {
            lo,
            hi,
            log: true,
            ticks,
            minor,
        }
    }

    /// A categorical axis of `n` slots at 0, 1, ..., n − 1, each ticked (labels name
    /// them), with half a slot of room at both ends.
    pub(super) fn slots(n: usize) -> Self {
        Self {
            lo: -0.5,
            hi: n.max(1) as f64 - 0.5,
            log: false,
            ticks: (0..n).map(|i| i as f64).collect(),
            minor: Vec::new(),
        }
    }

    /// Replaces the labelled ticks by the given data values (e.g. the swept values
    /// themselves), keeping those that are on the axis.
    pub(super) fn with_ticks_at(mut self, values: &[f64]) -> Self {
        let mut ticks: Vec<f64> = values
            .iter()
            .filter_map(|&v| self.coord(v))
            .filter(|c| (self.lo..=self.hi).contains(c))
            .collect();
        ticks.sort_by(f64::total_cmp);
        ticks.dedup();
        self.ticks = ticks;
        self
    }

    /// Where the data value `v` lies in axis coordinates; `None` when it cannot be drawn
    /// (non-finite, or not positive on a log axis).
    pub(super) fn coord(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        if self.log {
            (v > 0.0).then(|| v.log10())
        } else {
            Some(v)
        }
    }

    /// As [`Self::coord`], but a value below the axis (e.g. mean − std ≤ 0 on a log axis)
    /// is pinned to the axis start instead of dropped: for bars that run off the chart.
    pub(super) fn coord_clamped(&self, v: f64) -> Option<f64> {
        if self.log && v <= 0.0 {
            return Some(self.lo);
        }
        self.coord(v).map(|c| c.clamp(self.lo, self.hi))
    }

    /// Tick text for the axis coordinate `c`, in data units. A log axis is written in
    /// plain decimals (`0.01`, `0.5`) when all its ticks are in [`format_tick`]'s plain range,
    /// and in scientific notation (`1e-5`) otherwise, so one axis never mixes the two.
    pub(super) fn label(&self, c: f64) -> String {
        if !self.log {
            return format_tick(c, self.hi - self.lo);
        }
        let v = unlog(c);
        let plain = self.ticks.iter().all(|&t| (1e-3..1e7).contains(&unlog(t)));
        if plain {
            format_tick(v, v)
        } else {
            format_sci(v)
        }
    }

    /// The axis description with " (log scale)" appended on a log axis.
    pub(super) fn describe(&self, desc: &str) -> String {
        if self.log {
            format!("{desc} (log scale)")
        } else {
            desc.to_string()
        }
    }

    /// The plotters coordinate for this axis: linear over `[lo, hi]`, with this axis'
    /// ticks as its bold key points and its fine grid as the light ones.
    pub(super) fn ranged(&self) -> TickedRange {
        TickedRange(
            RangedCoordf64::from(self.lo..self.hi)
                .with_key_points(self.ticks.clone())
                .with_light_points(self.minor.clone()),
        )
    }
}

/// The leading digit of `10^c` (1 for 0.01, 5 for 500).
fn mantissa(c: f64) -> u32 {
    let v = unlog(c);
    // `c` may sit a hair below its decade (-3.0000000000000004 for 0.001).
    (v / 10f64.powf((v.log10() + 1e-9).floor())).round() as u32
}

/// A linear plotters coordinate whose key points are given, not computed: plotters'
/// [`WithKeyPoints`], which does all the work.
///
/// Why the wrapper: plotters 0.3.7 gives `WithKeyPoints<RangedCoordf64>` no tick formatter
/// (f64's is implemented for `RangedCoordf64` alone), so a chart on it cannot draw its
/// mesh. Here the default formatting is declared; every chart sets its own label formatter
/// anyway ([`AxisSpec::label`]).
pub(super) struct TickedRange(WithKeyPoints<RangedCoordf64>);

impl Ranged for TickedRange {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        self.0.map(v, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        self.0.key_points(hint)
    }

    fn range(&self) -> Range<f64> {
        self.0.range()
    }
}

/// `10^c`, rounded to 10 significant digits: a tick at `log10(0.001)` comes back as
/// `0.0009999999999999998`, which must read (and compare) as 0.001.
fn unlog(c: f64) -> f64 {
    let v = 10f64.powf(c);
    format!("{v:.9e}").parse().unwrap_or(v)
}

/// A chart whose axes are both [`TickedRange`]s.
pub(super) type TickedChart<'a, 'b> =
    ChartContext<'a, GlyphTextBackend<BitMapBackend<'b>>, Cartesian2d<TickedRange, TickedRange>>;

/// One side of a [`ticked_chart`]: its coordinate, description, tick text and the room
/// (pixels) reserved for its tick labels and description.
pub(super) struct AxisSpec<'f> {
    pub range: TickedRange,
    pub desc: String,
    pub label: &'f dyn Fn(&f64) -> String,
    pub label_area: u32,
}

impl<'f> AxisSpec<'f> {
    /// The spec of a [`ValueAxis`] labelled with `label` (usually [`ValueAxis::label`]).
    pub(super) fn of(
        axis: &ValueAxis,
        desc: &str,
        label: &'f dyn Fn(&f64) -> String,
        label_area: u32,
    ) -> Self {
        Self {
            range: axis.ranged(),
            desc: axis.describe(desc),
            label,
            label_area,
        }
    }
}

/// Builds a chart on `area` with the sweep plots' margins and mesh style: labelled ticks on
/// bold grid lines, faint minor grid lines, the embedded font everywhere.
pub(super) fn ticked_chart<'a, 'b>(
    area: &Area<'b>,
    x: AxisSpec<'_>,
    y: AxisSpec<'_>,
) -> Result<TickedChart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .margin_left(10)
        .margin_right(30)
        .margin_top(10)
        .margin_bottom(10)
        .x_label_area_size(x.label_area)
        .y_label_area_size(y.label_area)
        .build_cartesian_2d(x.range, y.range)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc(x.desc)
        .y_desc(y.desc)
        .axis_desc_style((FAMILY, AXIS_DESC_PX))
        .label_style((FAMILY, TICK_PX))
        .x_label_formatter(x.label)
        .y_label_formatter(y.label)
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(draw_err)?;
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_inside() {
        // [-0.05, 1.05] in at most 8 ticks: plotters' step 0.2 (0.1 would give 11).
        let axis = ValueAxis::linear(-0.05, 1.05, false, 8);
        let labels: Vec<String> = axis.ticks.iter().map(|&c| axis.label(c)).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert!(!axis.log);
        // The fine grid divides the labelled step: every tick is also a minor line.
        assert!(axis.minor.len() > axis.ticks.len());
        assert!(axis
            .ticks
            .iter()
            .all(|t| axis.minor.iter().any(|m| (m - t).abs() < 1e-9)));
        // Epochs 1..=50: ticks 5, 10, ..., 50.
        let axis = ValueAxis::linear(1.0, 50.0, true, 10);
        assert_eq!(axis.ticks.first(), Some(&5.0));
        assert_eq!(axis.ticks.last(), Some(&50.0));
        assert_eq!(axis.ticks.len(), 10);
        // Two epochs on an integer axis: whole ticks only, not 0.2, 0.4, ...
        let axis = ValueAxis::linear(0.0, 2.0, true, 12);
        assert_eq!(axis.ticks, [0.0, 1.0, 2.0]);
        assert!(axis.minor.iter().all(|m| m.fract() == 0.0));
        // A real series' range: labels are short, at most 8, inside the axis.
        let axis = ValueAxis::linear(-1.1, 1.1, false, 8);
        let labels: Vec<String> = axis.ticks.iter().map(|&c| axis.label(c)).collect();
        assert_eq!(labels, ["-1", "-0.5", "0", "0.5", "1"]);
    }

    #[test]
    fn fit_chooses_log_only_for_positive_values_spanning_a_decade() {
        // 1e-4 .. 1e-2: two decades, log.
        let axis = ValueAxis::fit([1e-4, 3e-4, 1e-3, f64::NAN, 1e-2], true, false, 8);
        assert!(axis.log);
        // log10 span [-4, -2] padded by 0.1 each side.
        assert!((axis.lo + 4.1).abs() < 1e-12 && (axis.hi + 1.9).abs() < 1e-12);
        let labels: Vec<String> = axis.ticks.iter().map(|&c| axis.label(c)).collect();
        // Three whole decades are shown, so 2 and 5 ticks too; 1e-4 is below the plain
        // range, so the whole axis is scientific.
        assert_eq!(
            labels,
            ["1e-4", "2e-4", "5e-4", "1e-3", "2e-3", "5e-3", "1e-2"]
        );
        // Six decades: only the decades are labelled.
        assert_eq!(ValueAxis::fit([1e-6, 1.0], true, false, 8).ticks.len(), 7);
        // Twenty decades in at most 8 ticks: plotters thins them to every k-th decade.
        let wide = ValueAxis::fit([1e-20, 1.0], true, false, 8);
        let labels: Vec<String> = wide.ticks.iter().map(|&c| wide.label(c)).collect();
        assert!((4..=8).contains(&wide.ticks.len()), "{labels:?}");
        assert!(
            wide.ticks.windows(2).all(|w| (w[1] - w[0]).round() >= 2.0),
            "{labels:?}"
        );
        // The fine grid has 1..9 × 10^k (from 8e-4: the axis starts at 10^-3.1).
        let axis = ValueAxis::log(1e-3, 1e-1, 8);
        let minor_labels: Vec<String> = axis.minor.iter().map(|&c| axis.label(c)).collect();
        assert_eq!(
            &minor_labels[..6],
            ["8e-4", "9e-4", "0.001", "0.002", "0.003", "0.004"]
        );
        // Only 9x: linear. A zero: linear. Log not allowed: linear.
        assert!(!ValueAxis::fit([1.0, 9.0], true, false, 8).log);
        assert!(!ValueAxis::fit([0.0, 100.0], true, false, 8).log);
        assert!(!ValueAxis::fit([1.0, 100.0], false, false, 8).log);
        // Empty input still gives an axis with extent.
        let empty = ValueAxis::fit([], true, false, 8);
        assert!(empty.lo < empty.hi);
    }

    #[test]
    fn narrow_log_axis_adds_2_and_5_ticks_in_plain_decimals() {
        // 0.002 .. 0.03: fewer than three whole decades, so 2 and 5 × 10^k are labelled.
        let axis = ValueAxis::log(0.002, 0.03, 8);
        let labels: Vec<String> = axis.ticks.iter().map(|&c| axis.label(c)).collect();
        // All ticks are at least 1e-3, so plain decimals.
        assert_eq!(labels, ["0.002", "0.005", "0.01", "0.02"]);
    }

    #[test]
    fn coord_rejects_what_cannot_be_drawn_and_ticks_at_values_work() {
        let axis = ValueAxis::log(1e-3, 1e-1, 8);
        assert_eq!(axis.coord(0.01), Some(-2.0));
        assert_eq!(axis.coord(0.0), None);
        assert_eq!(axis.coord(f64::NAN), None);
        assert_eq!(axis.coord_clamped(-1.0), Some(axis.lo));
        let axis = axis.with_ticks_at(&[0.003, 0.001, 0.003, 0.0]);
        let labels: Vec<String> = axis.ticks.iter().map(|&c| axis.label(c)).collect();
        assert_eq!(labels, ["0.001", "0.003"]);
        assert_eq!(axis.describe("learning rate"), "learning rate (log scale)");
    }

    #[test]
    fn ranged_maps_linearly_and_returns_the_axis_ticks() {
        let axis = ValueAxis {
            lo: 0.0,
            hi: 10.0,
            log: false,
            ticks: vec![0.0, 5.0, 10.0],
            minor: vec![1.0],
        };
        let r = axis.ranged();
        assert_eq!(r.map(&5.0, (100, 300)), 200);
        assert_eq!(r.map(&0.0, (300, 100)), 300);
        assert_eq!(r.key_points(BoldPoints(3)), [0.0, 5.0, 10.0]);
        assert_eq!(r.key_points(LightPoints::new(3, 30)), [1.0]);
        let slots = ValueAxis::slots(3);
        assert_eq!((slots.lo, slots.hi), (-0.5, 2.5));
        assert_eq!(slots.ticks, [0.0, 1.0, 2.0]);
    }
}
