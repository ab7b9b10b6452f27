//! The contents of the files an experiment reads, part of its runs' identities: a CSV
//! file is hashed (blake3 of its bytes) once per distinct file per load, however many
//! runs of the grid read it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// blake3 of the file's bytes, as 64 hex digits. Streamed, so a large file is not held
/// in memory to be hashed.
pub fn file_digest(path: &Path) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(std::fs::File::open(path)?)?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// blake3 of bytes already read, in the form of [`file_digest`].
pub fn bytes_digest(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The digests of one load, by resolved path: each file is read once.
#[derive(Default)]
pub(crate) struct Digests(RefCell<BTreeMap<PathBuf, Result<String, String>>>);

impl Digests {
    /// The file's digest, or why it cannot be read (naming the path).
    pub(crate) fn of(&self, path: &Path) -> Result<String, String> {
        if let Some(known) = self.0.borrow().get(path) {
            return known.clone();
        }
        let found = file_digest(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
        self.0
            .borrow_mut()
            .insert(path.to_path_buf(), found.clone());
        found
    }

    /// How many distinct files were read (tests: once per file, not per run).
    #[cfg(test)]
    pub(crate) fn files(&self) -> usize {
        self.0.borrow().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_hashed_once_per_load() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, "value\n1\n").unwrap();
        std::fs::write(&b, "value\n2\n").unwrap();
        let digests = Digests::default();
        let first = digests.of(&a).unwrap();
        assert_eq!(first, bytes_digest(b"value\n1\n"));
        assert_eq!(first, file_digest(&a).unwrap());
        assert_eq!(first.len(), 64);
        // read once: an edit during the same load is not seen (the series check catches it)
        std::fs::write(&a, "value\n3\n").unwrap();
        assert_eq!(digests.of(&a).unwrap(), first);
        assert_ne!(digests.of(&b).unwrap(), first);
        assert_eq!(digests.files(), 2);
        let missing = digests.of(&dir.path().join("gone.csv")).unwrap_err();
        assert!(missing.starts_with(&format!(
            "cannot read {}",
            dir.path().join("gone.csv").display()
        )));
    }
}
