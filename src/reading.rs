//! Reading back bytes of a known length (the build cache's blobs and chunks, the
//! bodies kept in its file, the search index's spilled runs) into a buffer that is
//! not zeroed first: zeroing every buffer cost as much as reading it.

use std::io::{self, Read};

/// The next `len` bytes of `input`; an `UnexpectedEof` error if it ends before.
pub fn exactly(input: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(len);
    input.take(len as u64).read_to_end(&mut bytes)?;
    if bytes.len() == len {
        Ok(bytes)
    } else {
        Err(io::ErrorKind::UnexpectedEof.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exactly_the_length_asked_or_fails() {
        let mut input: &[u8] = b"abcdef";
        assert_eq!(exactly(&mut input, 4).unwrap(), b"abcd");
        assert_eq!(input, b"ef");
        assert_eq!(exactly(&mut input, 0).unwrap(), b"");
        let err = exactly(&mut input, 3).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
