//! The regression gate's file (`check --baseline FILE`): the figures a later `runner check`
//! compares with, a small CSV meant to be committed next to the experiment,
//! one row per configuration and metric with the mean, spread and number of seeds it had, and
//! each seed's own value (so that a later check can compare seed by seed).
//!
//! ```text
//! config,metric,mean,std,n,runner_version,experiment_hash,seeds
//! lookback=5,test_rmse,0.01234,0.0012,3,0.1.0,9f2c...,1:0.0113;2:0.0125;3:0.01322
//! lookback=10,test_rmse,0.0101,,1,0.1.0,9f2c...,1:0.0101
//! ```
//!
//! Floats are written in Rust's shortest round-trip form, so reading a baseline back gives the
//! very numbers that were written. `std` is empty exactly when `n < 2`. `seeds` lists
//! `seed:value` pairs separated by `;`, sorted by seed, one per value behind the mean; it may
//! be empty (the seeds are unknown), and a file written before the column existed (the first
//! seven columns only) still reads, without seeds.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::atomic::write_file;

/// The baseline's columns, in file order.
pub const GATE_FILE_COLUMNS: [&str; 8] = [
    "config",
    "metric",
    "mean",
    "std",
    "n",
    "runner_version",
    "experiment_hash",
    "seeds",
];

/// The columns of a baseline written before the per-seed values: read, without seeds.
const COLUMNS_WITHOUT_SEEDS: usize = 7;

/// One configuration's metric as the baseline recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct GateRow {
    /// The config label (seeds folded); empty for an unswept experiment.
    pub config: String,
    /// The metric's column name in the runs table, e.g. `test_rmse`.
    pub metric: String,
    /// Mean over the seeds, in the metric's units; finite.
    pub mean: f64,
    /// Sample standard deviation (ddof = 1) over the seeds; `None` exactly when `n < 2`.
    pub std: Option<f64>,
    /// Number of values the mean is over; at least 1.
    pub n: usize,
    /// Version of runner that wrote the row.
    pub runner_version: String,
    /// Hash of the experiment the row came from.
    pub experiment_hash: String,
    /// Each seed's value, `(seed, value)` sorted by seed, one per value behind the mean
    /// (`n` of them, their mean `mean`); empty when unknown (a baseline written before the
    /// column existed).
    pub seeds: Vec<(u64, f64)>,
}

/// Writes `rows` to `path` (creating its folder), through a temporary file renamed into place
/// so that an interrupted update leaves the old baseline intact.
pub fn write_gate_file(path: &Path, rows: &[GateRow]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(GATE_FILE_COLUMNS)?;
    for row in rows {
        writer.write_record([
            row.config.clone(),
            row.metric.clone(),
            float(row.mean),
            row.std.map(float).unwrap_or_default(),
            row.n.to_string(),
            row.runner_version.clone(),
            row.experiment_hash.clone(),
            seeds_cell(&row.seeds),
        ])?;
    }
    let bytes = writer
        .into_inner()
        .context("cannot format the baseline as CSV")?;

    write_file(path, bytes)
}

/// Shortest text that parses back to the same `f64` (`0.1`, `1.0`, `1e-7`).
fn float(v: f64) -> String {
    format!("{v:?}")
}

/// `1:0.0113;2:0.0125`; empty without seeds.
fn seeds_cell(seeds: &[(u64, f64)]) -> String {
    seeds
        .iter()
        .map(|&(seed, v)| format!("{seed}:{}", float(v)))
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads a baseline written by [`write_gate_file`] (or by hand). Every error names the file;
/// a bad cell also names its line (the header is line 1) and column.
///
/// Refused: a missing or empty file, a header without rows, a header other than
/// [`GATE_FILE_COLUMNS`] (or its first seven, a file from before the seeds), a row with the
/// wrong number of cells, a mean or std that is not a finite number, a negative std, `n` that
/// is not a whole number >= 1, a std present with `n < 2` or missing with `n >= 2`, two rows
/// for the same config and metric, and seeds that are malformed, repeated or not `n` of them.
/// (Whether the seeds' mean is the row's is a statistic: the gate checks it.)
pub fn read_gate_file(path: &Path) -> Result<Vec<GateRow>> {
    if path.is_dir() {
        bail!(
            "baseline file {} is a folder; give the baseline CSV file",
            path.display()
        );
    }
    if !path.is_file() {
        bail!(
            "baseline file {} does not exist (write one with --update)",
            path.display()
        );
    }
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_baseline(&text).with_context(|| format!("bad baseline file {}", path.display()))
}

fn parse_baseline(text: &str) -> Result<Vec<GateRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => bail!(
            "the file is empty; expected the header {}",
            GATE_FILE_COLUMNS.join(",")
        ),
        Some(header) => header.context("line 1")?,
    };
    let columns = if header.iter().eq(GATE_FILE_COLUMNS) {
        GATE_FILE_COLUMNS.len()
    } else if header
        .iter()
        .eq(GATE_FILE_COLUMNS[..COLUMNS_WITHOUT_SEEDS].iter().copied())
    {
        COLUMNS_WITHOUT_SEEDS
    } else {
        bail!(
            "line 1: the header is {:?}, expected {}",
            header.iter().collect::<Vec<_>>().join(","),
            GATE_FILE_COLUMNS.join(",")
        );
    };

    let mut rows = Vec::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for record in records {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != columns {
            bail!(
                "line {line}: {} cells, expected {columns} ({})",
                record.len(),
                GATE_FILE_COLUMNS[..columns].join(",")
            );
        }
        let cell = |i: usize| &record[i];
        let bad = |column: &str, value: &str, what: &str| -> anyhow::Error {
            anyhow::anyhow!("line {line}, column {column}: {value:?} is not {what}")
        };
        let number = |i: usize| -> Result<f64> {
            let column = GATE_FILE_COLUMNS[i];
            cell(i)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(column, cell(i), "a finite number"))
        };

        let mean = number(2)?;
        let n: usize = cell(4)
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| bad("n", cell(4), "a whole number >= 1"))?;
        let std = if cell(3).is_empty() {
            if n >= 2 {
                bail!("line {line}, column std: empty, but n = {n} values have a spread");
            }
            None
        } else {
            let std = number(3)?;
            if std < 0.0 {
                return Err(bad("std", cell(3), "a standard deviation (>= 0)"));
            }
            if n < 2 {
                bail!("line {line}, column std: {std} given, but n = 1 value has no spread");
            }
            Some(std)
        };
        if cell(1).is_empty() {
            bail!("line {line}, column metric: empty");
        }
        let key = (cell(0).to_string(), cell(1).to_string());
        if let Some(first) = seen.insert(key.clone(), line) {
            bail!(
                "line {line}: config {:?} metric {:?} is already on line {first}",
                key.0,
                key.1
            );
        }
        let seeds = if columns > COLUMNS_WITHOUT_SEEDS {
            parse_seeds(cell(7)).map_err(|e| anyhow::anyhow!("line {line}, column seeds: {e}"))?
        } else {
            Vec::new()
        };
        if !seeds.is_empty() && seeds.len() != n {
            bail!(
                "line {line}, column seeds: n = {n} values, but {} in the cell",
                seeds.len()
            );
        }
        rows.push(GateRow {
            config: key.0,
            metric: key.1,
            mean,
            std,
            n,
            runner_version: cell(5).to_string(),
            experiment_hash: cell(6).to_string(),
            seeds,
        });
    }
    // A header alone would make every configuration "new" and the gate pass unchecked.
    if rows.is_empty() {
        bail!(
            "the file has a header but no rows: an empty baseline checks nothing \
             (write one with --update)"
        );
    }
    Ok(rows)
}

/// `1:0.0113;2:0.0125` into pairs sorted by seed; empty for an empty cell.
fn parse_seeds(cell: &str) -> Result<Vec<(u64, f64)>> {
    if cell.is_empty() {
        return Ok(Vec::new());
    }
    let mut seeds: Vec<(u64, f64)> = Vec::new();
    for pair in cell.split(';') {
        let parsed = pair.split_once(':').and_then(|(seed, value)| {
            let seed = seed.trim().parse::<u64>().ok()?;
            let value = value.trim().parse::<f64>().ok().filter(|v| v.is_finite())?;
            Some((seed, value))
        });
        let Some((seed, value)) = parsed else {
            bail!("{pair:?} is not seed:value (a whole number, a colon, a finite number)");
        };
        if seeds.iter().any(|&(s, _)| s == seed) {
            bail!("seed {seed} is listed twice");
        }
        seeds.push((seed, value));
    }
    seeds.sort_by_key(|&(seed, _)| seed);
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{gate_row, tempdir};

    fn row(config: &str, mean: f64, std: Option<f64>, n: usize) -> GateRow {
        gate_row(config, mean, std, n)
    }

    #[test]
    fn rows_round_trip_bit_for_bit() {
        let tmp = tempdir();
        let path = tmp.path().join("ci").join("baseline.csv");
        // 0.1 + 0.2 = 0.30000000000000004 needs all 17 digits; a label with a comma needs
        // quoting; the unswept experiment's label is empty.
        // Seeds in the shortest round-trip form too, sorted by seed.
        let rows = vec![
            GateRow {
                seeds: vec![(1, 0.013534411394938517), (2, 0.1 + 0.2), (7, 1e-7)],
                ..row("lookback=5", 0.1 + 0.2, Some(1.0 / 3.0), 3)
            },
            row("units=[32, 32]", 1e-7, None, 1),
            GateRow {
                seeds: vec![(3, 2.0), (18_446_744_073_709_551_615, 2.0)],
                ..row("", 2.0, Some(0.0), 2)
            },
        ];
        write_gate_file(&path, &rows).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "config,metric,mean,std,n,runner_version,experiment_hash,seeds",
                "lookback=5,test_rmse,0.30000000000000004,0.3333333333333333,3,0.1.0,h1,\
                 1:0.013534411394938517;2:0.30000000000000004;7:1e-7",
                "\"units=[32, 32]\",test_rmse,1e-7,,1,0.1.0,h1,",
                ",test_rmse,2.0,0.0,2,0.1.0,h1,3:2.0;18446744073709551615:2.0",
            ]
        );
        let back = read_gate_file(&path).unwrap();
        assert_eq!(back, rows);
        assert_eq!(back[0].mean.to_bits(), (0.1f64 + 0.2).to_bits());
        assert_eq!(back[0].seeds[1].1.to_bits(), (0.1f64 + 0.2).to_bits());
        // No temporary left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    fn read_text(text: &str) -> (tempfile::TempDir, String) {
        let tmp = tempdir();
        let path = tmp.path().join("baseline.csv");
        fs::write(&path, text).unwrap();
        let err = format!("{:#}", read_gate_file(&path).unwrap_err());
        assert!(err.contains(&path.display().to_string()), "{err}");
        (tmp, err)
    }

    const HEADER: &str = "config,metric,mean,std,n,runner_version,experiment_hash,seeds\n";

    #[test]
    fn missing_and_empty_files_and_bad_headers_are_named() {
        let tmp = tempdir();
        let path = tmp.path().join("nope.csv");
        let err = format!("{:#}", read_gate_file(&path).unwrap_err());
        assert_eq!(
            err,
            format!(
                "baseline file {} does not exist (write one with --update)",
                path.display()
            )
        );

        let err = format!("{:#}", read_gate_file(tmp.path()).unwrap_err());
        assert_eq!(
            err,
            format!(
                "baseline file {} is a folder; give the baseline CSV file",
                tmp.path().display()
            )
        );

        let (_t, err) = read_text("");
        assert!(err.contains("the file is empty"), "{err}");
        let (_t, err) = read_text("config,metric,mean,n\n");
        assert!(
            err.contains("line 1: the header is \"config,metric,mean,n\", expected config,metric,mean,std,n,runner_version,experiment_hash,seeds"),
            "{err}"
        );
    }

    #[test]
    fn bad_cells_name_their_line_and_column() {
        let cases = [
            (
                "a,test_rmse,abc,,1,0.1.0,h,\n",
                "line 2, column mean: \"abc\" is not a finite number",
            ),
            (
                "a,test_rmse,NaN,,1,0.1.0,h,\n",
                "line 2, column mean: \"NaN\" is not a finite number",
            ),
            (
                "a,test_rmse,1,x,2,0.1.0,h,\n",
                "line 2, column std: \"x\" is not a finite number",
            ),
            (
                "a,test_rmse,1,-1,2,0.1.0,h,\n",
                "line 2, column std: \"-1\" is not a standard deviation (>= 0)",
            ),
            (
                "a,test_rmse,1,,0,0.1.0,h,\n",
                "line 2, column n: \"0\" is not a whole number >= 1",
            ),
            (
                "a,test_rmse,1,,2.5,0.1.0,h,\n",
                "line 2, column n: \"2.5\" is not a whole number >= 1",
            ),
            (
                "a,test_rmse,1,,3,0.1.0,h,\n",
                "line 2, column std: empty, but n = 3 values have a spread",
            ),
            (
                "a,test_rmse,1,0.5,1,0.1.0,h,\n",
                "line 2, column std: 0.5 given, but n = 1 value has no spread",
            ),
            ("a,test_rmse,1,,1,0.1.0\n", "line 2: 6 cells, expected 8"),
            ("a,,1,,1,0.1.0,h,\n", "line 2, column metric: empty"),
            (
                "a,test_rmse,1,,1,0.1.0,h,1=1\n",
                "line 2, column seeds: \"1=1\" is not seed:value",
            ),
            (
                "a,test_rmse,1,,1,0.1.0,h,-1:1\n",
                "line 2, column seeds: \"-1:1\" is not seed:value",
            ),
            (
                "a,test_rmse,1,,1,0.1.0,h,1:inf\n",
                "line 2, column seeds: \"1:inf\" is not seed:value",
            ),
            (
                "a,test_rmse,1,,1,0.1.0,h,1:1;\n",
                "line 2, column seeds: \"\" is not seed:value",
            ),
            (
                "a,test_rmse,1,0,2,0.1.0,h,1:1;1:1\n",
                "line 2, column seeds: seed 1 is listed twice",
            ),
            (
                "a,test_rmse,1,0,2,0.1.0,h,1:1\n",
                "line 2, column seeds: n = 2 values, but 1 in the cell",
            ),
        ];
        for (body, expected) in &cases {
            let (_t, err) = read_text(&format!("{HEADER}{body}"));
            assert!(err.contains(expected), "{body}: {err}");
        }
        // The line counts the header and earlier rows.
        let (_t, err) = read_text(&format!(
            "{HEADER}a,test_rmse,1,,1,v,h,\nb,test_rmse,1,,1,v,h,\na,test_rmse,2,,1,v,h,\n"
        ));
        assert!(
            err.contains("line 4: config \"a\" metric \"test_rmse\" is already on line 2"),
            "{err}"
        );
        let (_t, err) = read_text(&format!(
            "{HEADER}a,test_rmse,1,,1,v,h,\nb,test_rmse,1e400,,1,v,h,\n"
        ));
        assert!(err.contains("line 3, column mean: \"1e400\""), "{err}");
    }

    #[test]
    fn a_baseline_from_before_the_seeds_column_still_reads() {
        // Verbatim the experiments/ci_sine.baseline.csv of runner 0.1.0 before per-seed values.
        let old = "config,metric,mean,std,n,runner_version,experiment_hash
lookback=10,test_rmse,0.013534411394938517,0.002459593976595279,3,0.1.0,3a7e8904182a
lookback=5,test_rmse,0.06951771174680853,0.04169618932257194,3,0.1.0,3a7e8904182a
";
        let tmp = tempdir();
        let path = tmp.path().join("old.csv");
        fs::write(&path, old).unwrap();
        let rows = read_gate_file(&path).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (
                rows[0].config.as_str(),
                rows[0].mean,
                rows[0].std,
                rows[0].n
            ),
            (
                "lookback=10",
                0.013534411394938517,
                Some(0.002459593976595279),
                3
            )
        );
        assert_eq!(rows[1].experiment_hash, "3a7e8904182a");
        assert!(rows.iter().all(|r| r.seeds.is_empty()), "no seeds known");
        // Its rows have seven cells; an eighth under the old header is an error, as is a
        // row of the new header without its seeds cell.
        let (_t, err) = read_text(&format!("{old}a,test_rmse,1,,1,v,h,1:1\n"));
        assert!(err.contains("line 4: 8 cells, expected 7"), "{err}");
        let (_t, err) = read_text(&format!("{HEADER}a,test_rmse,1,,1,v,h\n"));
        assert!(err.contains("line 2: 7 cells, expected 8"), "{err}");
        // Rewritten, it gets the new header (and no seeds while none are known).
        write_gate_file(&path, &rows).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(HEADER), "{text}");
        assert!(text.contains(",3a7e8904182a,\n"), "{text}");
        assert_eq!(read_gate_file(&path).unwrap(), rows);
    }

    #[test]
    fn the_same_config_may_hold_several_metrics_and_spaces_are_trimmed() {
        let tmp = tempdir();
        let path = tmp.path().join("baseline.csv");
        fs::write(
            &path,
            format!(
                "{HEADER}a, test_rmse, 1.5, 0.25, 2, 0.1.0, h, 2:1.75 ; 1 : 1.25\n\
                 a,test_r2,0.9,,1,0.1.0,h,\n"
            ),
        )
        .unwrap();
        let rows = read_gate_file(&path).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].mean, rows[0].std, rows[0].n), (1.5, Some(0.25), 2));
        // Spaces around the seeds' parts are trimmed too, and the seeds sorted.
        assert_eq!(rows[0].seeds, [(1, 1.25), (2, 1.75)]);
        assert_eq!(rows[1].metric, "test_r2");
        assert_eq!(rows[1].seeds, []);
        // A header alone is an empty baseline: it would check nothing.
        fs::write(&path, HEADER).unwrap();
        assert_eq!(
            format!("{:#}", read_gate_file(&path).unwrap_err()),
            format!(
                "bad baseline file {}: the file has a header but no rows: an empty baseline \
                 checks nothing (write one with --update)",
                path.display()
            )
        );
    }
}
