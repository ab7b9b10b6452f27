//! Each run's provenance: when it started, which runner (version, git commit) on which host,
//! and of which data. Kept in the run's record and the runs table, outside its identity.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::data::calendar::iso_date;
use crate::spec::identity::data_source_hash;
use crate::spec::RunSpec;
use crate::store::folder_lock::host_name;
use crate::store::Provenance;

/// The provenance of `run`, started at `started`.
pub fn provenance(run: &RunSpec, started: SystemTime) -> Provenance {
    let (data_hash, data_hashed) = data_source_hash(&run.experiment);
    Provenance {
        started_at: rfc3339_utc(started),
        runner_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: option_env!("RUNNER_GIT_COMMIT").map(str::to_string),
        git_dirty: option_env!("RUNNER_GIT_DIRTY").map(|d| d == "true"),
        host: host_name().unwrap_or_else(|| "unknown".to_string()),
        data_hash,
        data_hashed: data_hashed.to_string(),
    }
}

/// `t` as RFC 3339 in UTC to the second: `2026-12-03T09:35:24Z`. (A time before 1970 is
/// written as the epoch; no clock runner runs on is set that far back.)
pub fn rfc3339_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        iso_date(days as i64),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_rfc3339_utc() {
        let at = |secs: u64| rfc3339_utc(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day of a century leap year) 12:34:56.
        assert_eq!(at(951_827_696), "2000-02-29T12:34:56Z");
        // 2026-12-03T09:35:24Z, checked with `date -u -d @1796290524`.
        assert_eq!(at(1_796_290_524), "2026-12-03T09:35:24Z");
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
    }
}
