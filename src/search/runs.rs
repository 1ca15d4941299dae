//! The postings of the index sorted by term in bounded memory, an external sort: the
//! records are tokenized a batch at a time (in parallel within a batch), their
//! postings gathered by term into a run, and a run that holds more than a budget of
//! bytes is sorted by term and written to a temporary file; the runs are then merged
//! term by term (`Merge`). Below the budget (small sites) the only run stays in
//! memory and nothing touches the disk.
//!
//! Also the log of the index's files (`FileLog`): each file goes out as soon as it is
//! complete, and the version of the index, a hash of every file's path and hash in
//! path order, is computed at the end from the log.
//!
//! The temporary files are in a folder of their own (`Scratch`), made when first
//! needed and removed when the build of the index ends, failed or not.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use crate::site::Site;

use super::format::{FastMap, Version, put_bytes, put_varint};
use super::score::{self, FIELD_COUNT, Mentions};

/// Records tokenized at once, in parallel, at most.
const BATCH: usize = 256;
/// A generous size of a record's terms: a batch is held beside the run, so it holds
/// at most a sixteenth of the budget's worth of records.
const RECORD_COST: usize = 64 * 1024;
/// Runs are built in this many parts, by a hash of the term, each part on its own
/// thread.
const PARTS: usize = 16;
/// Bytes first reserved for a part of a record's terms (about 14 KB a record, in 16
/// parts, in the archives of the benchmark).
const PART_BYTES: usize = 1024;
/// What a term costs in a run beside its postings: its key, the map's entry.
const TERM_COST: usize = 64;
/// Bytes read or written at once from a run's file.
const IO_BUFFER: usize = 64 * 1024;
/// The least buffer of a run read in the merge, however many runs there are.
const MIN_IO_BUFFER: usize = 8 * 1024;

/// A folder for temporary files under `parent`, made when the first file is, and
/// removed with everything in it when dropped.
pub(super) struct Scratch {
    parent: PathBuf,
    dir: Mutex<Option<PathBuf>>,
}

impl Scratch {
    pub(super) fn new(parent: &Path) -> Scratch {
        Scratch {
            parent: parent.to_path_buf(),
            dir: Mutex::new(None),
        }
    }

    /// A new empty file, open to write and read back.
    fn file(&self) -> io::Result<File> {
        let mut dir = self.dir.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = match &mut *dir {
            Some(dir) => dir,
            none => none.insert(Self::make_dir(&self.parent)?),
        };
        for n in 0.. {
            let path = dir.join(format!("{n}.tmp"));
            match fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                opened => return opened,
            }
        }
        unreachable!("some name is free")
    }

    /// A new folder of this process, not there before (nor anyone else's), readable
    /// by the user alone. The folders of builds that were killed before they could
    /// remove theirs are removed first.
    fn make_dir(parent: &Path) -> io::Result<PathBuf> {
        fs::create_dir_all(parent)?;
        remove_abandoned(parent);
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        for n in 0u32.. {
            let dir = parent.join(format!("{SCRATCH_PREFIX}{}-{n}", std::process::id()));
            match builder.create(&dir) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                made => return made.map(|()| dir),
            }
        }
        unreachable!("some name is free")
    }
}

/// The first part of the name of a folder of temporary files; the process and a
/// number follow.
const SCRATCH_PREFIX: &str = ".accord-index-";

/// Removes the folders of temporary files in `parent` that builds left when they
/// were killed (a signal, a power cut): those owned by the user whose process no
/// longer runs. What cannot be removed stays; this never fails the build.
fn remove_abandoned(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(process) = name.to_str().and_then(scratch_process) else {
            continue;
        };
        if process_runs(process) {
            continue;
        }
        let path = entry.path();
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && crate::output::owned_by_user(&m))
        {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// The process of a folder of temporary files named `.accord-index-<process>-<n>`.
fn scratch_process(name: &str) -> Option<u32> {
    let (process, n) = name.strip_prefix(SCRATCH_PREFIX)?.split_once('-')?;
    n.parse::<u32>().ok()?;
    process.parse().ok()
}

/// Whether process `id` runs (this one always does). Where that cannot be asked, it
/// is taken to run, so that nothing is removed.
fn process_runs(id: u32) -> bool {
    if id == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(id) else {
            return false;
        };
        // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
        let sent = unsafe { libc::kill(pid, 0) };
        sent == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let dir = self.dir.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(dir) = dir.take() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

// ------------------------------------------------------------------ runs

/// The terms of one record as `score::doc_terms` gives them, grouped by part: each
/// term (bytes) and its packed data (bytes); `bounds[p]..bounds[p + 1]` is part `p`.
#[derive(Clone)]
pub(super) struct RecordTerms {
    bytes: Vec<u8>,
    bounds: [usize; PARTS + 1],
}

/// A record's terms and the lengths of its fields.
pub(super) type Terms = (RecordTerms, [u32; FIELD_COUNT]);

impl RecordTerms {
    /// `terms` as bytes, for the build cache: the lengths of the fields, the ends of
    /// the parts (varints), then the terms.
    pub(super) fn encode((terms, lengths): &Terms) -> Vec<u8> {
        let mut out = Vec::with_capacity(terms.bytes.len() + 64);
        for &n in lengths {
            put_varint(&mut out, u64::from(n));
        }
        for &end in &terms.bounds[1..] {
            put_varint(&mut out, end as u64);
        }
        out.extend_from_slice(&terms.bytes);
        out
    }

    /// What `encode` wrote, or `None` when the bytes are not that: the parts in
    /// order within the bytes, each a list of terms (UTF-8) and packed data.
    pub(super) fn decode(bytes: &[u8]) -> Option<Terms> {
        let (lengths, bounds, terms) = RecordTerms::header(bytes)?;
        for p in 0..PARTS {
            let mut part = super::format::Bytes::new(&terms[bounds[p]..bounds[p + 1]]);
            while !part.is_empty() {
                std::str::from_utf8(part.bytes().ok()?).ok()?;
                part.bytes().ok()?;
            }
        }
        let terms = RecordTerms {
            bytes: terms.to_vec(),
            bounds,
        };
        Some((terms, lengths))
    }

    /// The lengths of the fields, the ends of the parts and the terms of what
    /// `encode` wrote, if the ends are in order and end with the terms.
    #[allow(clippy::type_complexity)]
    fn header(bytes: &[u8]) -> Option<([u32; FIELD_COUNT], [usize; PARTS + 1], &[u8])> {
        let mut r = super::format::Bytes::new(bytes);
        let mut lengths = [0u32; FIELD_COUNT];
        for n in &mut lengths {
            *n = u32::try_from(r.varint().ok()?).ok()?;
        }
        let mut bounds = [0usize; PARTS + 1];
        for end in &mut bounds[1..] {
            *end = usize::try_from(r.varint().ok()?).ok()?;
        }
        let terms = &bytes[bytes.len() - r.remaining()..];
        let ordered = bounds.windows(2).all(|w| w[0] <= w[1]);
        (ordered && bounds[PARTS] == terms.len()).then_some((lengths, bounds, terms))
    }

    /// The terms of `parts`, each a list of terms and their packed data.
    fn of_parts(parts: &[Vec<u8>; PARTS]) -> RecordTerms {
        RecordTerms::joined(|p| [&parts[p], &[]])
    }

    /// The terms whose part `p` is the two lists of `halves(p)`, one after the other.
    fn joined<'a>(halves: impl Fn(usize) -> [&'a [u8]; 2]) -> RecordTerms {
        let len = (0..PARTS).flat_map(&halves).map(<[u8]>::len).sum();
        let mut bytes = Vec::with_capacity(len);
        let mut bounds = [0; PARTS + 1];
        for p in 0..PARTS {
            for half in halves(p) {
                bytes.extend_from_slice(half);
            }
            bounds[p + 1] = bytes.len();
        }
        RecordTerms { bytes, bounds }
    }

    /// Each term (bytes) and its packed data, part after part.
    pub(super) fn each(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut bytes = &self.bytes[..];
        std::iter::from_fn(move || {
            if bytes.is_empty() {
                return None;
            }
            let term = take_bytes(&mut bytes);
            Some((term, take_bytes(&mut bytes)))
        })
    }

    /// These terms and `more` (none of them among these), each in its part.
    pub(super) fn with(self, more: Vec<(String, Vec<u8>)>) -> RecordTerms {
        if more.is_empty() {
            return self;
        }
        let mut extra: [Vec<u8>; PARTS] = std::array::from_fn(|_| Vec::new());
        for (term, packed) in more {
            let part = &mut extra[part_of(term.as_bytes())];
            put_bytes(part, term.as_bytes());
            put_bytes(part, &packed);
        }
        let own = |p: usize| &self.bytes[self.bounds[p]..self.bounds[p + 1]];
        RecordTerms::joined(|p| [own(p), &extra[p]])
    }
}

fn part_of(term: &[u8]) -> usize {
    use std::hash::Hasher;
    let mut h = super::format::Fnv1a::default();
    h.write(term);
    (h.finish() >> 59) as usize % PARTS
}

/// The postings of a term in one run, as `score::put_posting` writes them.
#[derive(Default)]
struct Block {
    next: u32,
    bytes: Vec<u8>,
}

/// The postings of a batch of records, by term, in parts.
struct Run {
    parts: Vec<FastMap<Box<[u8]>, Block>>,
    /// Roughly the bytes held.
    held: usize,
}

impl Run {
    fn new() -> Run {
        Run {
            parts: (0..PARTS).map(|_| FastMap::default()).collect(),
            held: 0,
        }
    }

    /// Adds the terms of records `first`, `first + 1`, … (in index order).
    fn add(&mut self, first: usize, records: &[RecordTerms]) {
        let added: usize = (self.parts.par_iter_mut().enumerate())
            .map(|(p, map)| {
                let mut added = 0;
                for (k, r) in records.iter().enumerate() {
                    let mut bytes = &r.bytes[r.bounds[p]..r.bounds[p + 1]];
                    while !bytes.is_empty() {
                        let term = take_bytes(&mut bytes);
                        let packed = take_bytes(&mut bytes);
                        let block = match map.get_mut(term) {
                            Some(block) => block,
                            None => {
                                added += TERM_COST + term.len();
                                map.entry(term.into()).or_default()
                            }
                        };
                        let before = block.bytes.len();
                        let doc = (first + k) as u32;
                        score::put_posting(&mut block.bytes, &mut block.next, doc, packed);
                        added += block.bytes.len() - before;
                    }
                }
                added
            })
            .sum();
        self.held += added;
    }

    /// Its terms in byte order, each once with its block of postings, written as
    /// `RunReader` reads them.
    fn write(self, out: &mut impl Write) -> io::Result<()> {
        let mut terms: Vec<(Box<[u8]>, Block)> = self.parts.into_iter().flatten().collect();
        terms.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut head = Vec::with_capacity(64);
        for (term, block) in terms {
            head.clear();
            put_bytes(&mut head, &term);
            put_varint(&mut head, block.bytes.len() as u64);
            out.write_all(&head)?;
            out.write_all(&block.bytes)?;
        }
        Ok(())
    }
}

/// A varint length, then that many bytes, off the front of `bytes` (as `put_bytes`
/// wrote them).
fn take_bytes<'a>(bytes: &mut &'a [u8]) -> &'a [u8] {
    let mut len = 0usize;
    let mut shift = 0;
    loop {
        let b = bytes[0];
        *bytes = &bytes[1..];
        len |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let (out, rest) = bytes.split_at(len);
    *bytes = rest;
    out
}

/// The terms of record `i` (in `site.entries`), grouped by part, and the lengths of
/// its fields.
pub(super) fn record_terms(site: &Site, i: usize, mentions: &Mentions) -> Terms {
    let mut parts: [Vec<u8>; PARTS] = std::array::from_fn(|_| Vec::with_capacity(PART_BYTES));
    let lengths = score::doc_terms(site, &site.entries[i], mentions, |term, packed| {
        let part = &mut parts[part_of(term.as_bytes())];
        put_bytes(part, term.as_bytes());
        put_bytes(part, packed);
    });
    (RecordTerms::of_parts(&parts), lengths)
}

/// Sorts the postings of `records` (indexes in `site.entries`, in index order) by
/// term, their terms given by `terms_of` (`record_terms`, or the build cache) a
/// batch at a time, in runs of at most about `budget` bytes, spilled into `scratch`
/// when there is more than one. Returns the merge of the runs and the lengths of the
/// fields of every record.
pub(super) fn sort(
    records: &[usize],
    terms_of: &(dyn Fn(usize) -> Terms + Sync),
    budget: usize,
    scratch: &Scratch,
) -> io::Result<(Merge, Vec<[u32; FIELD_COUNT]>)> {
    let mut lengths = Vec::with_capacity(records.len());
    let mut spilled: Vec<File> = Vec::new();
    let mut run = Run::new();
    let at_once = (budget / 16 / RECORD_COST).clamp(1, BATCH);
    for (b, batch) in records.chunks(at_once).enumerate() {
        let terms: Vec<(RecordTerms, [u32; FIELD_COUNT])> =
            batch.par_iter().map(|&i| terms_of(i)).collect();
        let (terms, batch_lengths): (Vec<RecordTerms>, Vec<_>) = terms.into_iter().unzip();
        lengths.extend(batch_lengths);
        run.add(b * at_once, &terms);
        drop(terms);
        if run.held > budget {
            spilled.push(spill(std::mem::replace(&mut run, Run::new()), scratch)?);
        }
    }
    if spilled.is_empty() {
        let mut bytes = Vec::new();
        run.write(&mut bytes)?;
        let only = RunReader::new(Box::new(Cursor::new(bytes)));
        return Ok((Merge::new(vec![only])?, lengths));
    }
    if run.held > 0 {
        spilled.push(spill(run, scratch)?);
    }
    // The runs are read side by side: their buffers share the budget.
    let buffer = (budget / spilled.len()).clamp(MIN_IO_BUFFER, IO_BUFFER);
    let runs = (spilled.into_iter())
        .map(|file| RunReader::new(Box::new(BufReader::with_capacity(buffer, file))))
        .collect();
    Ok((Merge::new(runs)?, lengths))
}

/// Writes `run` to a temporary file; the file, at its start.
fn spill(run: Run, scratch: &Scratch) -> io::Result<File> {
    let mut out = BufWriter::with_capacity(IO_BUFFER, scratch.file()?);
    run.write(&mut out)?;
    let mut file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// Reads a run as `Run::write` wrote it: term after term.
struct RunReader {
    r: Box<dyn BufRead + Send>,
}

impl RunReader {
    fn new(r: Box<dyn BufRead + Send>) -> RunReader {
        RunReader { r }
    }

    fn varint(&mut self) -> io::Result<Option<u64>> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let mut byte = [0u8];
            if self.r.read(&mut byte)? == 0 {
                return if shift == 0 {
                    Ok(None)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
            v |= u64::from(byte[0] & 0x7f) << shift;
            if byte[0] & 0x80 == 0 {
                return Ok(Some(v));
            }
            shift += 7;
        }
    }

    fn bytes(&mut self, len: u64) -> io::Result<Vec<u8>> {
        crate::reading::exactly(&mut self.r, len as usize)
    }

    /// The next term and its block of postings; `None` at the end.
    fn next(&mut self) -> io::Result<Option<(Vec<u8>, Vec<u8>)>> {
        let Some(len) = self.varint()? else {
            return Ok(None);
        };
        let term = self.bytes(len)?;
        let len = self.varint()?.ok_or(io::ErrorKind::UnexpectedEof)?;
        Ok(Some((term, self.bytes(len)?)))
    }
}

/// A term (bytes) and its blocks of postings, one per run that holds it.
pub(super) type Merged = (Vec<u8>, Vec<Vec<u8>>);

/// The runs merged: every term in byte order with its blocks of postings, one per
/// run that holds it, in the order of the runs (so of the records).
pub(super) struct Merge {
    runs: Vec<RunReader>,
    /// The next term of every run not at its end, and the run.
    heads: BinaryHeap<Reverse<(Vec<u8>, usize)>>,
    /// The block of each run's next term.
    blocks: Vec<Vec<u8>>,
}

impl Merge {
    fn new(mut runs: Vec<RunReader>) -> io::Result<Merge> {
        let mut heads = BinaryHeap::with_capacity(runs.len());
        let mut blocks = vec![Vec::new(); runs.len()];
        for (k, run) in runs.iter_mut().enumerate() {
            if let Some((term, block)) = run.next()? {
                heads.push(Reverse((term, k)));
                blocks[k] = block;
            }
        }
        Ok(Merge {
            runs,
            heads,
            blocks,
        })
    }

    /// The next term and its blocks; `None` after the last.
    pub(super) fn next(&mut self) -> io::Result<Option<Merged>> {
        let Some(Reverse((term, k))) = self.heads.pop() else {
            return Ok(None);
        };
        let mut blocks = vec![self.advance(k)?];
        while let Some(Reverse((next, _))) = self.heads.peek()
            && *next == term
        {
            let Some(Reverse((_, k))) = self.heads.pop() else {
                break;
            };
            blocks.push(self.advance(k)?);
        }
        Ok(Some((term, blocks)))
    }

    /// The block of run `k`'s term, the run moved on to its next one.
    fn advance(&mut self, k: usize) -> io::Result<Vec<u8>> {
        let block = match self.runs[k].next()? {
            Some((term, block)) => {
                self.heads.push(Reverse((term, k)));
                std::mem::replace(&mut self.blocks[k], block)
            }
            None => std::mem::take(&mut self.blocks[k]),
        };
        Ok(block)
    }
}

// ------------------------------------------------------------------ the files

/// Every file of the index as it goes out, for the version: its path and its
/// fingerprint, taken on the thread that made the file. The bytes are not kept:
/// before, they were held up to a budget and then copied into a temporary file, to be
/// read back and hashed in path order at the end — the whole index written twice,
/// and read once more.
#[derive(Default)]
pub(super) struct FileLog {
    files: Mutex<Vec<(String, u64)>>,
}

impl FileLog {
    pub(super) fn add(&self, path: &str, hash: u64) {
        (self.files.lock().unwrap_or_else(PoisonError::into_inner)).push((path.to_string(), hash));
    }

    /// The version of every file logged: their paths and hashes in path order.
    pub(super) fn version(self) -> Version {
        let mut files = self
            .files
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        files.sort_unstable();
        let mut version = Version::default();
        for (path, hash) in &files {
            version.add(path, *hash);
        }
        version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_changes_with_any_file_and_not_with_the_order_files_come_in() {
        let version = |files: &[(&str, u64)]| {
            let log = FileLog::default();
            for &(path, print) in files {
                log.add(path, print);
            }
            log.version().finish()
        };
        let files = [("s/0.bin", 1), ("t/0.bin", 2), ("d/0.bin", 3)];
        let same = version(&files);
        assert_eq!(version(&[files[2], files[0], files[1]]), same);
        assert_ne!(version(&[files[0], files[1], ("d/0.bin", 4)]), same);
        assert_ne!(version(&[files[0], files[1], ("d/1.bin", 3)]), same);
        assert_ne!(version(&files[..2]), same);
    }

    #[test]
    fn a_record_s_terms_read_back_as_written_and_damaged_ones_are_refused() {
        let site = crate::site::views_fixture();
        let mentions = Mentions::of(&site.registry, &site.organizations);
        let terms = record_terms(&site, 0, &mentions);
        let bytes = RecordTerms::encode(&terms);
        let (back, lengths) = RecordTerms::decode(&bytes).unwrap();
        assert_eq!(
            (back.bytes, back.bounds, lengths),
            (terms.0.bytes, terms.0.bounds, terms.1)
        );
        for cut in [0, 3, bytes.len() / 2, bytes.len() - 1] {
            assert!(RecordTerms::decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
    }
}
