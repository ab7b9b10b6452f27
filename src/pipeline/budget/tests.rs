use std::path::Path;

use super::*;
use crate::spec::parse_str;

/// 100 points of a sine, lookback 3, horizon 1, batch 4, 5 epochs; `units` and `cell` vary.
fn experiment(model: &str) -> Experiment {
    let text = format!(
        "[data]\nkind = \"sine\"\npoints = 100\n[window]\nlookback = 3\n[model]\n{model}\n\
         [train]\nepochs = 5\nbatch_size = 4\n"
    );
    parse_str(&text, Path::new("e.toml"), &[]).unwrap()
}

#[test]
fn an_lstm_run_is_counted_buffer_by_buffer() {
    let m = run_memory(&experiment("units = [2]"), 10);
    // layer: kernel 1·8 + recurrent 2·8 + bias 8; head 2·1 + 1
    assert_eq!(m.parameters, 35);
    // 5 f32 copies of the weights + the backward pass's transposed recurrent kernel (2·8)
    // + the initialiser's 2·8 f64 matrix (16 bytes per entry)
    assert_eq!(m.weights, 5 * 4 * 35 + 4 * 16 + 16 * 16);
    // batch 4 × lookback 3 steps × (12·2 units + 2 input values) + 3 · 4 · 1 head values
    assert_eq!(m.activations, 4 * (12 * (24 + 2) + 12));
    // 5 epochs × 96 + 10 points × 1 step × 128
    assert_eq!(m.records, 5 * 96 + 10 * 128);
    // 10 points × (64 + 4 · (3 + 1) + 16)
    assert_eq!(m.data, 10 * 96);
    assert_eq!(m.own(), m.weights + m.activations + m.records);
}

#[test]
fn a_gru_run_has_its_recurrent_bias_and_its_own_buffers() {
    let m = run_memory(&experiment("cell = \"gru\"\nunits = [2]"), 10);
    // kernel 1·6 + recurrent 2·6 + two biases 6 + 6; head 3
    assert_eq!(m.parameters, 33);
    assert_eq!(m.weights, 5 * 4 * 33 + 4 * 12 + 16 * 12);
    assert_eq!(m.activations, 4 * (12 * (28 + 2) + 12));
}

#[test]
fn a_linear_skip_adds_its_kernel_to_the_weights() {
    let m = run_memory(&experiment("units = [2]\nlinear_skip = true"), 10);
    // 35 as above + the skip's horizon 1 × lookback 3
    assert_eq!(m.parameters, 38);
    assert_eq!(m.weights, 5 * 4 * 38 + 4 * 16 + 16 * 16);
}

#[test]
fn a_batch_larger_than_the_series_holds_the_series() {
    let m = run_memory(&experiment("units = [2]"), 2);
    assert_eq!(m.activations, 4 * (2 * 3 * (24 + 2) + 3 * 2));
}

#[test]
fn absurd_sizes_saturate_instead_of_overflowing() {
    let m = run_memory(&experiment("units = [100000]"), 100);
    // 4·10^5·(1 + 10^5 + 1) + 10^5 + 1 weights: 800 GB with their copies
    assert_eq!(m.parameters, 40_000_800_000 + 100_001);
    assert!(m.weights > 800_000_000_000);
    let huge = run_memory(&experiment("units = [1000000, 1000000]"), u64::MAX);
    assert_eq!(huge.data, u64::MAX);
    assert_eq!(huge.own(), u64::MAX);
}

#[test]
fn limits_parse_bytes_with_binary_suffixes() {
    assert_eq!(parse_bytes("V", "8G").unwrap(), 8 << 30);
    assert_eq!(parse_bytes("V", "512 MiB").unwrap(), 512 << 20);
    assert_eq!(parse_bytes("V", "2k").unwrap(), 2048);
    assert_eq!(parse_bytes("V", "1000").unwrap(), 1000);
    for bad in ["lots", "8X", "", "G", "99999999999T"] {
        let e = parse_bytes("RUNNER_MEMORY_LIMIT", bad).unwrap_err();
        assert!(e.to_string().contains("RUNNER_MEMORY_LIMIT"), "{e}");
        assert_eq!(e.exit_code(), 2);
    }
}

#[test]
fn mem_available_is_read_from_meminfo() {
    let meminfo = "MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:    8000000 kB\n";
    assert_eq!(mem_available(meminfo), Some(8_000_000 * 1024));
    assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
}

fn limits(memory: u64) -> Limits {
    Limits {
        memory,
        memory_from: "a test".into(),
        runs: 10,
        sample_epochs: 1000,
    }
}

#[test]
fn a_run_over_the_memory_limit_is_refused_with_its_estimate() {
    let m = run_memory(&experiment("units = [2]"), 10);
    let est = Estimate {
        data: 960,
        largest: Some(("lookback=3".into(), m)),
    };
    assert_eq!(est.peak(), 960 + m.own());
    assert!(check_memory(&est, &limits(est.peak())).is_ok());
    let e = check_memory(&est, &limits(est.peak() - 1)).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let text = e.to_string();
    assert!(text.contains("run `lookback=3`"), "{text}");
    assert!(text.contains("35 parameters"), "{text}");
    assert!(text.contains("RUNNER_MEMORY_LIMIT"), "{text}");
    // the data alone over the limit is refused before any run is looked at
    let e = check_data(&est, &limits(959)).unwrap_err();
    assert!(e.to_string().contains("data sets"), "{e}");
}

#[test]
fn work_over_the_limits_needs_yes() {
    let l = limits(0);
    assert!(check_work(10, 1000, &l, false).is_ok());
    for (runs, work) in [(11, 1000), (10, 1001)] {
        let e = check_work(runs, work, &l, false).unwrap_err();
        assert!(e.to_string().contains("--yes"), "{e}");
        assert!(check_work(runs, work, &l, true).is_ok());
    }
}

#[test]
fn bytes_read_in_binary_units() {
    assert_eq!(bytes(512), "512 B");
    assert_eq!(bytes(1536), "1.5 KiB");
    assert_eq!(bytes(3 << 30), "3.0 GiB");
    assert_eq!(bytes(u64::MAX), "more than 16 EiB");
}
