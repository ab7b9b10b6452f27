use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Series;
use crate::data::{limits, DataError};

/// What to do with a missing value cell (empty, `NA`, `NaN`, `null`, `N/A`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// Stop with an error naming the row and column.
    #[default]
    Error,
    /// Fill interior gaps by linear interpolation in the row index; a gap at either end
    /// takes the nearest observed value.
    Interpolate,
}

/// Header and number of data rows of a CSV file, for validating an experiment before
/// running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvShape {
    pub columns: Vec<String>,
    /// Data rows (the header is not counted).
    pub rows: usize,
}

/// Read the header and count the data rows of the CSV file at `path`.
pub fn inspect_csv(path: &Path) -> Result<CsvShape, DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = reader(file);
    let columns = header(&mut reader, path)?;
    let mut rows = 0;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => rows += 1,
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, e)),
        }
    }
    Ok(CsvShape { columns, rows })
}

/// Read column `column` of the CSV file at `path` as the series' values, and
/// `time_column` (if given) as its time labels, kept as written.
pub fn read_csv(
    path: &Path,
    column: &str,
    time_column: Option<&str>,
    missing: Missing,
) -> Result<Series, DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_csv_from(file, path, column, time_column, missing)
}

/// [`read_csv`] on any reader; `path` is only used in error messages.
pub fn read_csv_from<R: Read>(
    input: R,
    path: &Path,
    column: &str,
    time_column: Option<&str>,
    missing: Missing,
) -> Result<Series, DataError> {
    let mut reader = reader(input);
    let columns = header(&mut reader, path)?;
    let find = |name: &str| find_column(&columns, name, path);
    let value_at = find(column)?;
    let time_at = time_column.map(find).transpose()?;

    let mut cells: Vec<Option<f64>> = Vec::new();
    let mut time = time_at.map(|_| Vec::new());
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let row = i + 1;
        let line = record.position().map_or(row as u64 + 1, |p| p.line());
        let bad = |problem: String| DataError::BadCell {
            path: path.to_path_buf(),
            row,
            line,
            column: column.to_string(),
            problem,
        };
        let text = record.get(value_at).unwrap_or("");
        let cell = parse_cell(text).map_err(bad)?;
        if cell.is_none() && missing == Missing::Error {
            return Err(bad(format!(
                "missing value{}; set data.missing = \"interpolate\" to fill gaps",
                if text.is_empty() {
                    String::new()
                } else {
                    format!(" `{text}`")
                }
            )));
        }
        if let Some(x) = cell.filter(|x| !limits::value_fits(*x)) {
            return Err(bad(format!(
                "`{text}` ({x:e}) is beyond ±{:e}, the largest magnitude runner takes (the \
                 network trains in f32, which ends at 3.4e38); rescale the column",
                limits::MAX_ABS
            )));
        }
        cells.push(cell);
        if let (Some(time), Some(at)) = (time.as_mut(), time_at) {
            time.push(record.get(at).unwrap_or("").to_string());
        }
    }
    if cells.iter().all(Option::is_none) {
        return Err(DataError::NoValues {
            path: path.to_path_buf(),
            column: column.to_string(),
            hint: if cells.is_empty() {
                " (the file has no data rows)"
            } else {
                " (every cell is missing)"
            },
        });
    }
    let values = fill_gaps(&cells);
    // Interpolated values lie between observed ones: only the range is left to check.
    limits::check_range(&values).map_err(|problem| DataError::OutOfRange {
        origin: format!("{}: column `{column}`", path.display()),
        problem,
    })?;
    Ok(Series { values, time })
}

/// The position of column `name` among `columns`, or the error that lists them.
fn find_column(columns: &[String], name: &str, path: &Path) -> Result<usize, DataError> {
    columns
        .iter()
        .position(|c| c == name)
        .ok_or_else(|| DataError::MissingColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
            available: columns.to_vec(),
        })
}

fn reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(input)
}

/// The header's column names. A name given twice is refused: which of the two columns the
/// experiment means cannot be told.
fn header<R: Read>(reader: &mut csv::Reader<R>, path: &Path) -> Result<Vec<String>, DataError> {
    let header = reader.headers().map_err(|e| csv_error(path, e))?;
    let columns: Vec<String> = header.iter().map(str::to_string).collect();
    for (j, name) in columns.iter().enumerate() {
        if let Some(i) = columns[..j].iter().position(|c| c == name) {
            return Err(DataError::Csv {
                path: path.to_path_buf(),
                message: format!(
                    "line 1: the column name `{name}` is given twice (columns {} and {})",
                    i + 1,
                    j + 1
                ),
            });
        }
    }
    Ok(columns)
}

fn csv_error(path: &Path, e: csv::Error) -> DataError {
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Io {
            path: path.to_path_buf(),
            source,
        },
        _ => DataError::Csv {
            path: path.to_path_buf(),
            message,
        },
    }
}

/// `Ok(None)` for a missing cell (the spellings pandas reads as NaN by default),
/// `Ok(Some(x))` for a finite number, `Err` for anything else.
fn parse_cell(text: &str) -> Result<Option<f64>, String> {
    const MISSING: [&str; 7] = ["", "NA", "N/A", "NaN", "nan", "null", "NULL"];
    if MISSING.contains(&text) {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        Ok(x) if x.is_nan() => Ok(None),
        Ok(_) => Err(format!("`{text}` is not a finite number")),
        Err(_) => Err(format!("`{text}` is not a number")),
    }
}

/// Linear interpolation of interior gaps in the row index; leading and trailing gaps
/// take the nearest observed value. At least one cell must be observed.
fn fill_gaps(cells: &[Option<f64>]) -> Vec<f64> {
    let observed: Vec<(usize, f64)> = cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|x| (i, x)))
        .collect();
    let (first, last) = (observed[0], observed[observed.len() - 1]);
    let mut out = Vec::with_capacity(cells.len());
    let mut next = 0; // index into `observed` of the first observation at or after i
    for (i, cell) in cells.iter().enumerate() {
        while next < observed.len() && observed[next].0 < i {
            next += 1;
        }
        out.push(match cell {
            Some(x) => *x,
            None if i < first.0 => first.1,
            None if i > last.0 => last.1,
            None => {
                let (i0, x0) = observed[next - 1];
                let (i1, x1) = observed[next];
                x0 + (x1 - x0) * (i - i0) as f64 / (i1 - i0) as f64
            }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        text: &str,
        column: &str,
        time: Option<&str>,
        missing: Missing,
    ) -> Result<Series, DataError> {
        read_csv_from(text.as_bytes(), Path::new("x.csv"), column, time, missing)
    }

    #[test]
    fn reads_value_and_time_columns() {
        let s = read(
            "time,value\n2000-01,1.5\n2000-02,2\n2000-03,-3e1\n",
            "value",
            Some("time"),
            Missing::Error,
        )
        .unwrap();
        assert_eq!(s.values, vec![1.5, 2.0, -30.0]);
        assert_eq!(s.time.unwrap(), vec!["2000-01", "2000-02", "2000-03"]);
        let s = read("a, b \n1, 10\n2, 20\n", "b", None, Missing::Error).unwrap();
        assert_eq!(s.values, vec![10.0, 20.0]);
        assert!(s.time.is_none());
    }

    #[test]
    fn missing_cell_names_row_line_and_column() {
        // header is line 1, so data row 2 is line 3
        let err = read("time,value\n1,5\n2,\n3,7\n", "value", None, Missing::Error).unwrap_err();
        match &err {
            DataError::BadCell {
                row, line, column, ..
            } => {
                assert_eq!((*row, *line, column.as_str()), (2, 3, "value"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("data row 2 (line 3), column `value`"), "{msg}");
        assert!(msg.contains("interpolate"), "{msg}");
    }

    #[test]
    fn non_numeric_cell_is_an_error_even_when_interpolating() {
        let err = read("value\n1\n2\nabc\n", "value", None, Missing::Interpolate).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("data row 3 (line 4), column `value`: `abc` is not a number"),
            "{msg}"
        );
        let err = read("value\n1\ninf\n", "value", None, Missing::Error).unwrap_err();
        assert!(err.to_string().contains("`inf` is not a finite number"));
    }

    #[test]
    fn a_column_name_given_twice_is_refused() {
        // Trimmed names count: ` value` is `value`.
        let err = read("value,time, value\n1,2,3\n", "value", None, Missing::Error).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.csv: malformed CSV: line 1: the column name `value` is given twice \
             (columns 1 and 3)"
        );
        // Even when the experiment reads another column: the file is ambiguous.
        assert!(read("a,b,a\n1,2,3\n", "b", None, Missing::Error).is_err());
    }

    #[test]
    fn unknown_column_lists_the_available_ones() {
        let err = read("time,value\n1,2\n", "price", None, Missing::Error).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.csv: no column `price` in the header; available columns: `time`, `value`"
        );
        let err = read("time,value\n1,2\n", "value", Some("date"), Missing::Error).unwrap_err();
        assert!(err.to_string().contains("no column `date`"));
    }

    #[test]
    fn interpolates_interior_gaps_and_extends_ends() {
        // rows: _, 1, _, NA, 4, NaN -> 1 (nearest), 1, 2, 3, 4 (linear), 4 (nearest).
        // A second column keeps the empty cells from being blank lines, which csv skips.
        let s = read(
            "t,value\na,\nb,1\nc,\nd,NA\ne,4\nf,NaN\n",
            "value",
            None,
            Missing::Interpolate,
        )
        .unwrap();
        assert_eq!(s.values, vec![1.0, 1.0, 2.0, 3.0, 4.0, 4.0]);
    }

    #[test]
    fn empty_or_all_missing_column_is_an_error() {
        let err = read("t,value\n", "value", None, Missing::Error).unwrap_err();
        assert!(err.to_string().contains("no data rows"), "{err}");
        let err = read("t,value\na,\nb,\n", "value", None, Missing::Interpolate).unwrap_err();
        assert!(err.to_string().contains("every cell is missing"), "{err}");
    }

    #[test]
    fn ragged_row_is_reported() {
        let err = read("t,value\na,1\nb,2,3\n", "value", None, Missing::Error).unwrap_err();
        assert!(matches!(err, DataError::Csv { .. }), "{err:?}");
    }

    #[test]
    fn inspect_reads_header_and_counts_rows() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "time,value\n1,2\n2,3\n3,\n").unwrap();
        let shape = inspect_csv(file.path()).unwrap();
        assert_eq!(shape.columns, vec!["time", "value"]);
        assert_eq!(shape.rows, 3);
        let err = inspect_csv(Path::new("/nonexistent/x.csv")).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("cannot read /nonexistent/x.csv"));
    }
}

/// One series of a panel: its name (the series column's value) and its points in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSeries {
    pub name: String,
    pub series: Series,
}

/// Reads a panel in long form: one row per series and point, `series_column` naming the
/// series, `column` its value and `time_column` (if given) its time label. Series keep the
/// order of their first row and their rows' order (the file's rows of a series must be in
/// time order). Missing cells at a series' start or end are dropped (a ragged file); gaps
/// inside are handled as [`read_csv_from`] does for one series. `path` is only used in error
/// messages.
pub fn read_panel_from<R: Read>(
    input: R,
    path: &Path,
    series_column: &str,
    column: &str,
    time_column: Option<&str>,
    missing: Missing,
) -> Result<Vec<NamedSeries>, DataError> {
    let mut reader = reader(input);
    let columns = header(&mut reader, path)?;
    let find = |name: &str| find_column(&columns, name, path);
    let series_at = find(series_column)?;
    let value_at = find(column)?;
    let time_at = time_column.map(find).transpose()?;
    // Per series, in order of first appearance: its cells and time labels.
    let mut order: Vec<(String, Vec<Option<f64>>, Vec<String>)> = Vec::new();
    let mut position: std::collections::HashMap<String, usize> = Default::default();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let row = i + 1;
        let line = record.position().map_or(row as u64 + 1, |p| p.line());
        let bad = |column: &str, problem: String| DataError::BadCell {
            path: path.to_path_buf(),
            row,
            line,
            column: column.to_string(),
            problem,
        };
        let name = record.get(series_at).unwrap_or("");
        if name.is_empty() {
            return Err(bad(series_column, "the series name is empty".into()));
        }
        let text = record.get(value_at).unwrap_or("");
        let cell = parse_cell(text).map_err(|p| bad(column, p))?;
        if cell.is_none() && missing == Missing::Error {
            return Err(bad(
                column,
                format!(
                    "missing value of series `{name}`; set data.missing = \"interpolate\" to \
                     fill gaps"
                ),
            ));
        }
        if let Some(x) = cell.filter(|x| !limits::value_fits(*x)) {
            return Err(bad(
                column,
                format!(
                    "`{text}` ({x:e}) is beyond ±{:e}, the largest magnitude runner takes; \
                     rescale the column",
                    limits::MAX_ABS
                ),
            ));
        }
        let at = *position.entry(name.to_string()).or_insert_with(|| {
            order.push((name.to_string(), Vec::new(), Vec::new()));
            order.len() - 1
        });
        order[at].1.push(cell);
        if let Some(t) = time_at {
            order[at].2.push(record.get(t).unwrap_or("").to_string());
        }
    }
    if order.is_empty() {
        return Err(DataError::NoValues {
            path: path.to_path_buf(),
            column: column.to_string(),
            hint: " (the file has no data rows)",
        });
    }
    order
        .into_iter()
        .map(|(name, cells, time)| {
            if cells.iter().all(Option::is_none) {
                return Err(DataError::NoValues {
                    path: path.to_path_buf(),
                    column: format!("{column}` of series `{name}"),
                    hint: " (every cell is missing)",
                });
            }
            // A ragged long file leaves a series' first or last rows empty: they are not
            // points of the series (filled, they would be scored as actuals).
            let first = cells.iter().position(Option::is_some).unwrap_or(0);
            let last = cells.iter().rposition(Option::is_some).unwrap_or(0);
            let values = fill_gaps(&cells[first..=last]);
            let time = time[first.min(time.len())..(last + 1).min(time.len())].to_vec();
            Ok(NamedSeries {
                name,
                series: Series {
                    values,
                    time: time_at.map(|_| time),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod panel_tests {
    use super::*;

    fn read(text: &str, missing: Missing) -> Result<Vec<NamedSeries>, DataError> {
        read_panel_from(
            text.as_bytes(),
            Path::new("p.csv"),
            "id",
            "y",
            Some("t"),
            missing,
        )
    }

    #[test]
    fn series_keep_their_first_appearance_and_row_order() {
        let text = "id,t,y\nb,1,10\na,1,1\nb,2,20\na,2,2\nb,3,30\n";
        let panel = read(text, Missing::Error).unwrap();
        let names: Vec<&str> = panel.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(panel[0].series.values, vec![10.0, 20.0, 30.0]);
        assert_eq!(panel[1].series.values, vec![1.0, 2.0]);
        assert_eq!(
            panel[0].series.time.as_deref(),
            Some(&["1".to_string(), "2".into(), "3".into()][..])
        );
    }

    #[test]
    fn gaps_are_filled_within_each_series_alone() {
        let text = "id,t,y\na,1,1\na,2,\na,3,3\nb,1,100\nb,2,NA\n";
        let panel = read(text, Missing::Interpolate).unwrap();
        assert_eq!(panel[0].series.values, vec![1.0, 2.0, 3.0]);
        // b's empty last row is not a point of b (nor filled from a)
        assert_eq!(panel[1].series.values, vec![100.0]);
        assert_eq!(panel[1].series.time.as_deref().unwrap().len(), 1);
        let err = read(text, Missing::Error).unwrap_err().to_string();
        assert!(
            err.contains("data row 2") && err.contains("series `a`"),
            "{err}"
        );
    }

    #[test]
    fn bad_panels_name_the_row_column_or_series() {
        let err = read("id,t,y\n,1,1\n", Missing::Error)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("column `id`") && err.contains("empty"),
            "{err}"
        );
        let err = read("id,t,y\na,1,\n", Missing::Interpolate)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("series `a`") && err.contains("every cell is missing"),
            "{err}"
        );
        let err = read_panel_from(
            "x,t,y\na,1,1\n".as_bytes(),
            Path::new("p.csv"),
            "id",
            "y",
            None,
            Missing::Error,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no column `id`"), "{err}");
        let err = read("id,t,y\n", Missing::Error).unwrap_err().to_string();
        assert!(err.contains("no data rows"), "{err}");
    }
}
