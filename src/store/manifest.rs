//! A run folder's manifest: the name, size and BLAKE3 hash of every file it holds, written
//! last. A folder whose files do not match it (a file truncated, emptied, edited, missing or
//! added), or that has none, is not a finished run: it is never read into a table.
//!
//! ```json
//! {"files": [{"name": "config.toml", "size": 412, "blake3": "9f2c…"}, …]}
//! ```
//!
//! The manifest protects against what a power cut or a careless edit leaves behind; it is not
//! a signature (anyone who edits a file can write a matching manifest).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The manifest's file name inside a run folder.
pub const MANIFEST: &str = "manifest.json";

/// One file of a run folder as it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub size: u64,
    /// BLAKE3 of the file's bytes, in lowercase hex.
    pub blake3: String,
}

/// The files of a run folder, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub files: Vec<Entry>,
}

impl Manifest {
    /// The manifest of `files` (name and bytes), sorted by name.
    pub fn of<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Self {
        let mut files: Vec<Entry> = files
            .into_iter()
            .map(|(name, bytes)| Entry {
                name: name.to_string(),
                size: bytes.len() as u64,
                blake3: blake3::hash(bytes).to_hex().to_string(),
            })
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Manifest { files }
    }

    /// The manifest as the bytes of `manifest.json`.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        Ok(serde_json::to_vec_pretty(self)?)
    }

    /// Whether the manifest lists `name`.
    pub fn lists(&self, name: &str) -> bool {
        self.files.iter().any(|f| f.name == name)
    }
}

/// What is wrong with a run folder, worded to follow its path in a message.
pub type Damage = String;

/// Checks `dir` against its manifest: `Ok(None)` when every listed file is there with its size
/// and hash and nothing else is; `Ok(Some(damage))` saying the first difference otherwise
/// (or that there is no manifest); `Err` only when `dir` cannot be listed.
pub fn verify(dir: &Path) -> Result<Option<Damage>> {
    let path = dir.join(MANIFEST);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Some(format!(
                "no {MANIFEST} (an interrupted write, or a folder from before manifests)"
            )))
        }
        Err(e) => return Ok(Some(format!("cannot read {MANIFEST}: {e}"))),
    };
    let manifest: Manifest = match serde_json::from_slice(&text) {
        Ok(m) => m,
        Err(e) => return Ok(Some(format!("{MANIFEST} is not a manifest: {e}"))),
    };
    for entry in &manifest.files {
        let bytes = match fs::read(dir.join(&entry.name)) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Some(format!("{} is missing", entry.name)))
            }
            Err(e) => return Ok(Some(format!("cannot read {}: {e}", entry.name))),
        };
        if bytes.len() as u64 != entry.size {
            return Ok(Some(format!(
                "{} has {} bytes, its manifest says {}",
                entry.name,
                bytes.len(),
                entry.size
            )));
        }
        if blake3::hash(&bytes).to_hex().as_str() != entry.blake3 {
            return Ok(Some(format!(
                "{} does not match its hash in {MANIFEST}",
                entry.name
            )));
        }
    }
    let mut extra: Vec<String> = fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != MANIFEST && !manifest.lists(n))
        .collect();
    extra.sort();
    if let Some(name) = extra.first() {
        return Ok(Some(format!("{name} is not in its {MANIFEST}")));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::tempdir;

    fn folder() -> tempfile::TempDir {
        let dir = tempdir();
        let files: [(&str, &[u8]); 2] = [("b.csv", b"x,y\n1,2\n"), ("a.json", b"{}")];
        for (name, bytes) in files {
            fs::write(dir.path().join(name), bytes).unwrap();
        }
        fs::write(
            dir.path().join(MANIFEST),
            Manifest::of(files).to_json().unwrap(),
        )
        .unwrap();
        dir
    }

    #[test]
    fn a_manifest_lists_names_sizes_and_hashes_sorted() {
        let m = Manifest::of([("b", &b"abc"[..]), ("a", &b""[..])]);
        assert_eq!(
            m.files,
            [
                Entry {
                    name: "a".into(),
                    size: 0,
                    blake3: "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
                        .into()
                },
                Entry {
                    name: "b".into(),
                    size: 3,
                    blake3: "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
                        .into()
                },
            ]
        );
    }

    #[test]
    fn an_intact_folder_verifies() {
        let dir = folder();
        assert_eq!(verify(dir.path()).unwrap(), None);
    }

    #[test]
    fn each_kind_of_damage_is_said() {
        let damage = |change: &dyn Fn(&Path)| {
            let dir = folder();
            change(dir.path());
            verify(dir.path()).unwrap()
        };
        assert_eq!(
            damage(&|d| fs::write(d.join("b.csv"), "x,y\n").unwrap()),
            Some("b.csv has 4 bytes, its manifest says 8".into())
        );
        assert_eq!(
            damage(&|d| fs::write(d.join("b.csv"), "x,y\n1,3\n").unwrap()),
            Some("b.csv does not match its hash in manifest.json".into())
        );
        assert_eq!(
            damage(&|d| fs::remove_file(d.join("a.json")).unwrap()),
            Some("a.json is missing".into())
        );
        assert_eq!(
            damage(&|d| fs::write(d.join("c.txt"), "").unwrap()),
            Some("c.txt is not in its manifest.json".into())
        );
        assert_eq!(
            damage(&|d| fs::remove_file(d.join(MANIFEST)).unwrap()),
            Some(
                "no manifest.json (an interrupted write, or a folder from before manifests)".into()
            )
        );
        let bad = damage(&|d| fs::write(d.join(MANIFEST), "{").unwrap()).unwrap();
        assert!(
            bad.starts_with("manifest.json is not a manifest: "),
            "{bad}"
        );
    }
}
