//! Parquet that every reader takes: strings as plain Arrow `LargeUtf8`, never `Utf8View`.
//!
//! polars 0.55's `ParquetWriter` always converts a frame at `CompatLevel::newest()`, which
//! stores strings as Arrow view types (`string_view`) in the file's Arrow schema. pandas'
//! pyarrow backend cannot sort, merge or group such columns, and older Arrow readers (Spark,
//! older R arrow) cannot read them at all. This writer does what `ParquetWriter::finish` does
//! (one row group per chunk, zstd, statistics, Parquet v1) with the frame converted at
//! `CompatLevel::oldest()`, through polars' own Parquet crate, so the bytes are still polars'.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine as _;
use polars_core::frame::chunk_df_for_writing;
use polars_core::prelude::{ArrowDataType, ArrowSchema, CompatLevel, DataFrame};
use polars_parquet::write::{
    get_dtype_encoding, CompressionOptions, FileWriter, RowGroupIterator, StatisticsOptions,
    Version, WriteOptions,
};

/// Rows per row group, as polars' own writer chooses.
const ROW_GROUP_ROWS: usize = 512 * 512;

/// Writes `df` to `sink` as one Parquet file whose Arrow schema has no view types.
pub fn write(sink: impl Write, df: &mut DataFrame) -> Result<()> {
    let compat = CompatLevel::oldest();
    let chunked = chunk_df_for_writing(df, ROW_GROUP_ROWS)?;
    let schema: ArrowSchema = chunked
        .columns()
        .iter()
        .map(|c| c.field().to_arrow(compat))
        .collect();
    let options = WriteOptions {
        statistics: StatisticsOptions::default(),
        compression: CompressionOptions::Zstd(None),
        version: Version::V1,
        data_page_size: None,
    };
    let encodings = schema
        .iter_values()
        .map(|f| get_dtype_encoding(&f.dtype))
        .collect();
    let batches: Vec<_> = chunked
        .iter_chunks(compat, false)
        .filter(|batch| !batch.is_empty())
        .collect();
    let rows: Vec<u64> = batches.iter().map(|batch| batch.len() as u64).collect();
    let row_groups =
        RowGroupIterator::try_new(batches.into_iter().map(Ok), &schema, options, encodings)?;
    let mut writer = FileWriter::try_new(sink, schema, options)?;
    for (rows, group) in rows.into_iter().zip(row_groups) {
        writer.write(rows, group?)?;
    }
    writer.end(None)?;
    Ok(())
}

/// The Arrow type of each column as the Parquet file at `path` stores it, by name, in
/// column order: the file's `ARROW:schema` decoded as written, which is what pyarrow, pandas
/// and DuckDB read. (polars' own schema reader turns every string type into a view on the
/// way in, so it cannot tell.)
pub fn stored_arrow_types(path: &Path) -> Result<Vec<(String, ArrowDataType)>> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let meta = polars_parquet::read::read_metadata(&mut file)?;
    let encoded = meta
        .key_value_metadata()
        .iter()
        .flatten()
        .find(|kv| kv.key == "ARROW:schema")
        .and_then(|kv| kv.value.clone())
        .with_context(|| format!("{} stores no Arrow schema", path.display()))?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded)?;
    // An IPC message starts with its length, after a continuation marker since Arrow 0.15.
    let skip = if bytes.starts_with(&[255; 4]) { 8 } else { 4 };
    let message = bytes
        .get(skip..)
        .with_context(|| format!("{}: its Arrow schema is truncated", path.display()))?;
    let schema = polars_arrow::io::ipc::read::deserialize_schema(message)?.0;
    Ok(schema
        .iter_values()
        .map(|f| (f.name.to_string(), f.dtype.clone()))
        .collect())
}
