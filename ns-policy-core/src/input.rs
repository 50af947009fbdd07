//! Reading input files (manifests, baselines) and stdin with a size limit,
//! so `-f /dev/zero` or a runaway generated file is an error naming the
//! limit instead of all the memory of the machine.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The default limit of one input: 256 MiB (the largest GitOps trees seen
/// are a few tens of MiB); `--max-input-size` raises it.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 << 20;

fn read_limited(mut reader: impl Read, path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > max_bytes {
        return Err(Error::InputTooLarge {
            path: path.display().to_string(),
            limit: max_bytes,
        });
    }
    Ok(bytes)
}

/// The bytes of a file, at most `max_bytes` of them.
pub fn read_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_limited(file, path, max_bytes)
}

/// The bytes of standard input, at most `max_bytes` of them.
pub fn read_stdin(max_bytes: u64) -> Result<Vec<u8>> {
    read_limited(std::io::stdin().lock(), &PathBuf::from("-"), max_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_input_stops_at_the_limit_with_an_error_naming_it() {
        let err = read_file(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(
            matches!(&err, Error::InputTooLarge { path, limit } if path == "/dev/zero" && *limit == 1 << 20),
            "{err:?}"
        );
        assert!(err.to_string().contains("1 MiB"), "{err}");
    }

    #[test]
    fn an_input_at_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.yaml");
        std::fs::write(&path, "a: 1\n").unwrap();
        assert_eq!(read_file(&path, 5).unwrap(), b"a: 1\n");
        assert!(read_file(&path, 4).is_err());
    }
}
