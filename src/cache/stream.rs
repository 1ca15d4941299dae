//! Streams: a file of the build cache too large to hold whole (the search index's
//! weighed terms, see `search::kept`), written and read a chunk at a time.
//!
//! `DIR/<name>/terms.bin` is `MAGIC`, `FORMAT` (u32 LE), the version (a varint
//! length, then UTF-8), the head (a varint length, then its bytes) and the head's
//! checksum (u64 LE); then chunks, each its length (u32 LE), its checksum (u64 LE) and
//! its bytes; then an empty chunk whose checksum is the number of chunks before it.
//! A reader checks the head first, then every chunk (`Stream::check`) before it takes
//! any: a file of another version, truncated, or that fails a checksum is ignored.
//! The writer writes to a temporary file in the same folder (`00.<pid>.accord-tmp`),
//! renamed in by `Staged::commit` once the build succeeded.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{
    BUCKET_TEMP, DIR, FORMAT, MAGIC, Staged, StagedFile, VERSION, checksum, make_dir, put_bytes,
    put_str, remove_stale_temps, write_warning,
};
use crate::diag::Diagnostic;

/// The file of a stream in its folder.
const FILE: &str = "terms.bin";
/// A chunk closes once it holds this many bytes.
const CHUNK: usize = 1 << 20;
/// Bytes read or written at once.
const BUFFER: usize = 1 << 16;

/// A stream of the last build, its head read and checked.
pub struct Stream {
    path: PathBuf,
    /// `path` in the site's root, as warnings name it.
    shown: PathBuf,
    head: Vec<u8>,
    /// Where the first chunk starts.
    chunks_at: u64,
}

impl Stream {
    /// The stream `name` of the site at `root`: `Ok(None)` when there is none, `Err`
    /// (the file, and why) when its head cannot be trusted.
    pub fn open(root: &Path, name: &str) -> Result<Option<Stream>, (PathBuf, String)> {
        let shown = Path::new(DIR).join(name).join(FILE);
        let path = root.join(&shown);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err((shown, format!("cannot be read ({e})"))),
        };
        let mut input = BufReader::with_capacity(BUFFER, file);
        let head = read_head(&mut input).map_err(|why| (shown.clone(), why))?;
        let chunks_at = (input.stream_position()).map_err(|e| (shown.clone(), e.to_string()))?;
        Ok(Some(Stream {
            path,
            shown,
            head,
            chunks_at,
        }))
    }

    /// The head the writer was given.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Reads every chunk and checks it, and that the stream is whole: why not, if not.
    pub fn check(&self) -> Result<(), (PathBuf, String)> {
        let failed = |e: io::Error| (self.shown.clone(), e.to_string());
        let mut chunks = self.chunks().map_err(failed)?;
        let mut chunk = Vec::new();
        while let Some(read) = chunks.next_into(&mut chunk) {
            read.map_err(failed)?;
        }
        if chunks.ended {
            Ok(())
        } else {
            Err((self.shown.clone(), "is truncated".into()))
        }
    }

    /// Its chunks, in order, each checked (an error for one that fails its checksum).
    pub fn chunks(&self) -> io::Result<Chunks> {
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.chunks_at))?;
        Ok(Chunks {
            input: BufReader::with_capacity(BUFFER, file),
            count: 0,
            ended: false,
        })
    }
}

/// The head of a stream, after `MAGIC`, `FORMAT` and the version.
fn read_head(input: &mut impl Read) -> Result<Vec<u8>, String> {
    let mut start = [0u8; 12];
    input
        .read_exact(&mut start)
        .map_err(|_| "is truncated".to_string())?;
    if &start[..8] != MAGIC {
        return Err("is not a file of accord's build cache".into());
    }
    let version = read_bytes(input).and_then(|v| String::from_utf8(v).ok());
    let format = u32::from_le_bytes(start[8..].try_into().unwrap_or_default());
    if format != FORMAT || version.as_deref() != Some(VERSION) {
        return Err(format!(
            "was written by another version of accord ({}), not this one ({VERSION})",
            version.as_deref().unwrap_or("unknown")
        ));
    }
    let head = read_bytes(input).ok_or("is truncated")?;
    let mut sum = [0u8; 8];
    input
        .read_exact(&mut sum)
        .map_err(|_| "is truncated".to_string())?;
    if u64::from_le_bytes(sum) != checksum(&head) {
        return Err("does not match its checksum".into());
    }
    Ok(head)
}

/// A varint length, then that many bytes.
fn read_bytes(input: &mut impl Read) -> Option<Vec<u8>> {
    let mut len = 0u64;
    for shift in (0..64).step_by(7) {
        let mut b = [0u8; 1];
        input.read_exact(&mut b).ok()?;
        len |= u64::from(b[0] & 0x7f) << shift;
        if b[0] < 0x80 {
            let len = usize::try_from(len).ok().filter(|&n| n <= 1 << 30)?;
            return crate::reading::exactly(input, len).ok();
        }
    }
    None
}

/// The chunks of a stream, read one at a time.
pub struct Chunks {
    input: BufReader<File>,
    /// Chunks read.
    count: u64,
    /// Whether the closing empty chunk was read, and matched.
    ended: bool,
}

impl Chunks {
    /// The next chunk in `chunk`, in place of what it held (its memory reused), checked;
    /// `None` after the last.
    pub fn next_into(&mut self, chunk: &mut Vec<u8>) -> Option<io::Result<()>> {
        if self.ended {
            return None;
        }
        let corrupt = |why: &str| Some(Err(io::Error::new(io::ErrorKind::InvalidData, why)));
        let mut start = [0u8; 12];
        if self.input.read_exact(&mut start).is_err() {
            return corrupt("is truncated");
        }
        let len = u32::from_le_bytes(start[..4].try_into().unwrap_or_default()) as usize;
        let sum = u64::from_le_bytes(start[4..].try_into().unwrap_or_default());
        if len == 0 {
            if sum != self.count {
                return corrupt("is corrupt");
            }
            self.ended = true;
            return None;
        }
        if len > 4 * CHUNK {
            return corrupt("is corrupt");
        }
        if crate::reading::exactly_into(&mut self.input, len, chunk).is_err() {
            return corrupt("is truncated");
        }
        if checksum(chunk) != sum {
            return corrupt("does not match its checksum");
        }
        self.count += 1;
        Some(Ok(()))
    }
}

/// A stream being written, to a temporary file; removed unless `finish`ed.
pub struct StreamWriter {
    path: PathBuf,
    temp: PathBuf,
    out: Option<BufWriter<File>>,
    /// The open chunk.
    chunk: Vec<u8>,
    count: u64,
    /// The first error: the stream is not kept then.
    failed: Option<io::Error>,
}

impl StreamWriter {
    /// A new stream `name` of the site at `root`, with `head`.
    pub fn create(root: &Path, name: &str, head: &[u8]) -> Result<StreamWriter, Diagnostic> {
        let dir = make_dir(root, name)?;
        remove_stale_temps(&dir);
        let temp = dir.join(format!("00.{}.{BUCKET_TEMP}", std::process::id()));
        let file = File::create(&temp).map_err(|e| write_warning(&temp, &e))?;
        let mut start = Vec::with_capacity(head.len() + 64);
        start.extend_from_slice(MAGIC);
        start.extend_from_slice(&FORMAT.to_le_bytes());
        put_str(&mut start, VERSION);
        put_bytes(&mut start, head);
        start.extend_from_slice(&checksum(head).to_le_bytes());
        let mut writer = StreamWriter {
            path: dir.join(FILE),
            temp,
            out: Some(BufWriter::with_capacity(BUFFER, file)),
            chunk: Vec::with_capacity(CHUNK + CHUNK / 4),
            count: 0,
            failed: None,
        };
        writer.write(&start);
        Ok(writer)
    }

    /// The open chunk, to append an entry to: an entry is never cut between chunks.
    pub fn chunk(&mut self) -> &mut Vec<u8> {
        &mut self.chunk
    }

    /// Closes the open chunk if it is full.
    pub fn close_full(&mut self) {
        if self.chunk.len() >= CHUNK {
            self.close_chunk();
        }
    }

    fn close_chunk(&mut self) {
        let chunk = std::mem::take(&mut self.chunk);
        let mut start = [0u8; 12];
        start[..4].copy_from_slice(&(chunk.len() as u32).to_le_bytes());
        start[4..].copy_from_slice(&checksum(&chunk).to_le_bytes());
        self.write(&start);
        self.write(&chunk);
        self.count += 1;
        self.chunk = chunk;
        self.chunk.clear();
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        if let Some(out) = &mut self.out
            && let Err(e) = out.write_all(bytes)
        {
            self.failed = Some(e);
        }
    }

    /// The stream complete, for `Staged::commit` to rename in.
    pub fn finish(mut self) -> Result<Staged, Diagnostic> {
        if !self.chunk.is_empty() {
            self.close_chunk();
        }
        let mut end = [0u8; 12];
        end[4..].copy_from_slice(&self.count.to_le_bytes());
        self.write(&end);
        let flushed = match self.out.take() {
            Some(out) => out
                .into_inner()
                .map(drop)
                .map_err(io::IntoInnerError::into_error),
            None => Ok(()),
        };
        if let Some(e) = self.failed.take().or(flushed.err()) {
            return Err(write_warning(&self.temp, &e));
        }
        let file = StagedFile {
            path: self.path.clone(),
            temp: Some(std::mem::take(&mut self.temp)),
        };
        Ok(Staged { files: vec![file] })
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            drop(self.out.take());
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}
