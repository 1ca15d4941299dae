//! Reading back bytes of a known length: the build cache's blobs and chunks, the
//! bodies kept in its files, the search index's spilled runs. From a stream, into a
//! buffer that is not zeroed first (zeroing every buffer cost as much as reading
//! it); from a file at an offset, without a lock or a seek, so that threads read one
//! file at once (an edit read 30,000 blobs, each a seek and a read under a lock).

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};

/// The next `len` bytes of `input`; an `UnexpectedEof` error if it ends before.
pub fn exactly(input: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    exactly_into(input, len, &mut bytes)?;
    Ok(bytes)
}

/// The next `len` bytes of `input` in `bytes`, in place of what it held (its memory
/// reused: a buffer freed and allocated again for every chunk of a stream was
/// returned to the system and faulted in again, page by page); an `UnexpectedEof`
/// error if `input` ends before.
pub fn exactly_into(input: &mut impl Read, len: usize, bytes: &mut Vec<u8>) -> io::Result<()> {
    bytes.clear();
    bytes.reserve_exact(len);
    input.take(len as u64).read_to_end(bytes)?;
    if bytes.len() == len {
        Ok(())
    } else {
        Err(io::ErrorKind::UnexpectedEof.into())
    }
}

thread_local! {
    /// The buffer `with_at` reads into, kept by each thread from one read to the next
    /// (taken out while in use, so that a read within a read gets a buffer of its own).
    static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// What `f` makes of the `len` bytes of `file` from `offset`, read as `at` reads them
/// into a buffer the thread keeps: no buffer is allocated, nor zeroed, per read.
pub fn with_at<T>(
    file: &File,
    offset: u64,
    len: usize,
    f: impl FnOnce(&[u8]) -> T,
) -> io::Result<T> {
    let mut buffer = BUFFER.take();
    if buffer.len() < len {
        buffer.resize(len, 0);
    }
    let read = read_at(file, offset, &mut buffer[..len]).map(|()| f(&buffer[..len]));
    BUFFER.set(buffer);
    read
}

/// The `len` bytes of `file` from `offset`, read without moving its cursor; from any
/// thread. An `UnexpectedEof` error if the file ends before.
pub fn at(file: &File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; len];
    read_at(file, offset, &mut bytes)?;
    Ok(bytes)
}

/// Fills `bytes` from `file` at `offset`, without moving its cursor.
fn read_at(file: &File, offset: u64, bytes: &mut [u8]) -> io::Result<()> {
    #[cfg(unix)]
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset)?;
    #[cfg(windows)]
    {
        let len = bytes.len();
        let mut done = 0;
        while done < len {
            let at = offset + done as u64;
            match std::os::windows::fs::FileExt::seek_read(file, &mut bytes[done..], at)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
    }
    #[cfg(not(any(unix, windows)))]
    return Err(io::ErrorKind::Unsupported.into());
    Ok(())
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

    #[test]
    fn reads_a_file_at_an_offset_from_threads_at_once() {
        let path = std::env::temp_dir().join(format!("accord-reading-{}", std::process::id()));
        let text: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        std::fs::write(&path, &text).unwrap();
        let file = File::open(&path).unwrap();
        std::thread::scope(|s| {
            for t in 0..4 {
                let (file, text) = (&file, &text);
                s.spawn(move || {
                    for offset in (t..9_000).step_by(97) {
                        let got = at(file, offset as u64, 1_000).unwrap();
                        assert_eq!(got, text[offset..offset + 1_000]);
                    }
                });
            }
        });
        let err = at(&file, 9_500, 501).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        // Through the thread's buffer: long, then short, then a read within a read.
        let sum = |b: &[u8]| b.iter().map(|&b| u64::from(b)).sum::<u64>();
        assert_eq!(with_at(&file, 0, 5_000, sum).unwrap(), sum(&text[..5_000]));
        assert_eq!(with_at(&file, 7, 3, <[u8]>::to_vec).unwrap(), text[7..10]);
        let inner = with_at(&file, 100, 10, |outer| {
            let inner = with_at(&file, 200, 10, <[u8]>::to_vec).unwrap();
            (outer.to_vec(), inner)
        });
        assert_eq!(
            inner.unwrap(),
            (text[100..110].to_vec(), text[200..210].to_vec())
        );
        assert!(with_at(&file, 9_999, 2, sum).is_err());
        std::fs::remove_file(&path).unwrap();
    }
}
