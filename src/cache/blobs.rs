//! Blobs: what a later step of the build makes of one source file alone (the search
//! index's terms of a record, its passages and snippets), kept in the build cache
//! under the file's path with a key, in bucket files of the bodies' format
//! (`DIR/<name>/00.bin` … `ff.bin`, the same header, version and checksum).
//!
//! A bucket's file is opened when a blob is first asked for from it: opening checks
//! the file whole and keeps only where each blob is (not the blobs: the cache of a
//! large site does not fit in the memory a build may take); a blob is read when it is
//! asked for under its key, from the file opened then, which a build beside this one
//! may replace but not change. A blob kept unread (`keep`) does not open its file: a
//! file no blob was read from, and to which none was added, stays as it is. A file of
//! another version, or that fails its checksum or cannot be decoded, is ignored (a
//! `build-cache` warning) and written anew. The blobs this build makes go, as they are made, to the temporary
//! file of their bucket; `stage` completes the temporary file of every bucket that
//! changed with the blobs kept from the old one, for `Staged::commit` to rename in
//! once the build succeeded.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use rayon::prelude::*;

use super::{
    BUCKET_TEMP, BUCKETS, DIR, Ignored, Mode, Reader, Staged, StagedFile, bucket_of, file_name,
    gather, ignored_warning, make_dir, note_ignored, put_bytes, put_str, put_varint,
    remove_stale_temps, seal, unseal, write_warning,
};
use crate::diag::Diagnostic;

/// The blobs of one step, kept between builds.
pub struct Blobs {
    mode: Mode,
    /// Whether this build writes the cache (`accord check` does not).
    write: bool,
    root: PathBuf,
    /// The folder of its files, in `DIR`.
    name: &'static str,
    /// Per bucket: the file of the last build, checked, and where each blob is in it,
    /// once opened.
    old: Vec<OnceLock<Option<OldFile>>>,
    /// Per bucket: its file is to be written anew (ignored, or `--clean`).
    stale: Vec<AtomicBool>,
    /// Per bucket: the blobs kept unread (`keep`), by path and key.
    kept: Vec<Mutex<Vec<(PathBuf, u64)>>>,
    /// Per bucket: the blobs made by this build, in its temporary file.
    made: Vec<Mutex<Part>>,
    /// The files ignored.
    ignored: Mutex<Option<Ignored>>,
    /// The first blob that could not be written: the cache is not written then.
    failed: Mutex<Option<Diagnostic>>,
    /// Blobs taken from the cache.
    hits: AtomicUsize,
}

/// A bucket file of the last build, open, and its blobs by path.
pub(super) struct OldFile {
    pub(super) file: File,
    pub(super) blobs: HashMap<PathBuf, OldBlob>,
}

/// Where a blob is in its file, under which key, and whether this build took it.
pub(super) struct OldBlob {
    pub(super) key: u64,
    pub(super) at: usize,
    pub(super) len: usize,
    used: AtomicBool,
}

/// The temporary file of a bucket, with the blobs made by this build.
#[derive(Default)]
struct Part {
    file: Option<(PathBuf, File)>,
}

impl Blobs {
    /// No cache: nothing is read or kept.
    pub fn off() -> Blobs {
        Blobs::open(Path::new(""), Mode::Off, "", false)
    }

    /// The blobs in `DIR/name` of the site at `root`, each file checked when first
    /// read from, unless `mode` says not to read them; those made are kept only if
    /// `write`.
    pub fn open(root: &Path, mode: Mode, name: &'static str, write: bool) -> Blobs {
        Blobs {
            mode,
            write,
            root: root.to_path_buf(),
            name,
            old: (0..BUCKETS).map(|_| OnceLock::new()).collect(),
            stale: (0..BUCKETS)
                .map(|_| AtomicBool::new(mode == Mode::Refresh))
                .collect(),
            kept: (0..BUCKETS).map(|_| Mutex::default()).collect(),
            made: (0..BUCKETS).map(|_| Mutex::default()).collect(),
            ignored: Mutex::new(None),
            failed: Mutex::new(None),
            hits: AtomicUsize::new(0),
        }
    }

    /// The file of bucket `b` of the last build, opened and checked when first asked
    /// for; `None` if there is none, it cannot be trusted (noted, to warn), or the
    /// cache is not read.
    fn old(&self, b: usize) -> Option<&OldFile> {
        if self.mode != Mode::Use {
            return None;
        }
        let opened = self.old[b].get_or_init(|| {
            let dir = self.root.join(DIR).join(self.name);
            open_file(&dir.join(file_name(b))).unwrap_or_else(|why| {
                self.stale[b].store(true, Ordering::Relaxed);
                let file = Path::new(DIR).join(self.name).join(file_name(b));
                let mut ignored = self.ignored.lock().unwrap_or_else(PoisonError::into_inner);
                note_ignored(&mut ignored, file, why);
                None
            })
        });
        opened.as_ref()
    }

    /// Whether blobs of the last build are read.
    pub fn reads(&self) -> bool {
        self.mode == Mode::Use
    }

    /// Whether blobs made are kept: if not, there is no need to make them.
    pub fn keeps(&self) -> bool {
        self.mode != Mode::Off && self.write
    }

    /// The blob of `path` the last build kept under `key`, if any (from any thread).
    pub fn get(&self, path: &Path, key: u64) -> Option<Vec<u8>> {
        self.get_with(path, key, |bytes| Some(bytes.to_vec()))
    }

    /// What `decode` makes of the blob of `path` the last build kept under `key`, if
    /// any (from any thread); the blob is read into a buffer the thread keeps.
    pub fn get_with<T>(
        &self,
        path: &Path,
        key: u64,
        decode: impl FnOnce(&[u8]) -> Option<T>,
    ) -> Option<T> {
        let (made, blob) = self.read(path, Some(key), |_, bytes| decode(bytes))?;
        self.take(blob);
        made
    }

    /// What `decode` makes of the blob of `path` the last build kept, whatever its
    /// key, given that key (from any thread): taken, as `get_with` takes a blob, when
    /// `decode` makes something of it. For a blob whose key is known only from the
    /// blob itself (`content::memo`: a record file known by its signature).
    pub fn get_any_with<T>(
        &self,
        path: &Path,
        decode: impl FnOnce(u64, &[u8]) -> Option<T>,
    ) -> Option<T> {
        let (made, blob) = self.read(path, None, decode)?;
        let made = made?;
        self.take(blob);
        Some(made)
    }

    /// Marks `blob` taken from the cache: kept for the next build, and counted.
    fn take(&self, blob: &OldBlob) {
        blob.used.store(true, Ordering::Relaxed);
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps the blob of `path` the last build kept under `key`, if any, for the next
    /// build, without reading it or opening its file (counted as taken from the
    /// cache).
    pub fn keep(&self, path: &Path, key: u64) {
        if self.mode != Mode::Use {
            return;
        }
        let kept = &self.kept[bucket_of(path)];
        let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.push((path.to_path_buf(), key));
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// The blob of `path` the last build kept, if it kept it under `key`, without
    /// taking it: what a record was before it changed (see `search::kept`).
    pub fn get_last(&self, path: &Path, key: u64) -> Option<Vec<u8>> {
        self.read(path, Some(key), |_, bytes| Some(bytes.to_vec()))?
            .0
    }

    /// What `decode` makes of the blob of `path` the last build kept (under `key` if
    /// one is given) and of its key, and where it was; `None` if there is no such
    /// blob or it cannot be read.
    fn read<T>(
        &self,
        path: &Path,
        key: Option<u64>,
        decode: impl FnOnce(u64, &[u8]) -> Option<T>,
    ) -> Option<(Option<T>, &OldBlob)> {
        let old = self.old(bucket_of(path))?;
        let blob = (old.blobs.get(path)).filter(|b| key.is_none_or(|k| b.key == k))?;
        let decode = |bytes: &[u8]| decode(blob.key, bytes);
        let made = crate::reading::with_at(&old.file, blob.at as u64, blob.len, decode).ok()?;
        Some((made, blob))
    }

    /// Keeps `blob`, made by this build for `path` under `key` (from any thread); it
    /// replaces one taken from the cache for the same path.
    pub fn put(&self, path: &Path, key: u64, blob: &[u8]) {
        if !self.keeps() {
            return;
        }
        let b = bucket_of(path);
        let mut entry = Vec::with_capacity(blob.len() + 64);
        put_entry(&mut entry, &path.to_string_lossy(), key, blob);
        let mut part = self.made[b].lock().unwrap_or_else(PoisonError::into_inner);
        let written = match &mut part.file {
            Some((temp, file)) => file.write_all(&entry).map_err(|e| write_warning(temp, &e)),
            None => self.new_part(b).and_then(|(temp, mut file)| {
                file.write_all(&entry)
                    .map_err(|e| write_warning(&temp, &e))?;
                part.file = Some((temp, file));
                Ok(())
            }),
        };
        if let Err(d) = written {
            let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
            failed.get_or_insert(d);
        }
    }

    /// A new temporary file for bucket `b`.
    fn new_part(&self, b: usize) -> Result<(PathBuf, File), Diagnostic> {
        let dir = make_dir(&self.root, self.name)?;
        let temp = dir.join(temp_name(b));
        let file = File::create(&temp).map_err(|e| write_warning(&temp, &e))?;
        Ok((temp, file))
    }

    /// How many blobs were taken from the cache.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// The warning about the files of the cache that were ignored, if any: once per
    /// build, whatever their number; `again` says what the build did instead.
    pub fn warning(&self, again: &str) -> Option<Diagnostic> {
        let ignored = self.ignored.lock().unwrap_or_else(PoisonError::into_inner);
        ignored_warning(ignored.as_ref()?, again)
    }

    /// Completes the temporary files of the buckets that changed with the blobs kept
    /// from the old ones (in parallel), for `Staged::commit` to rename in. `None`
    /// when nothing is to be written, or without a cache.
    pub fn stage(mut self) -> Result<Option<Staged>, Diagnostic> {
        if !self.keeps() {
            return Ok(None);
        }
        if let Some(d) = self
            .failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            // Dropping `self` removes what was written.
            return Err(d);
        }
        let dir = self.root.join(DIR).join(self.name);
        remove_stale_temps(&dir);
        let dirty: Vec<usize> = (0..BUCKETS).filter(|&b| self.dirty(b)).collect();
        if dirty.is_empty() {
            return Ok(None);
        }
        let dir = make_dir(&self.root, self.name)?;
        // Every part is in a dirty bucket: a bucket with a blob made is dirty.
        let jobs: Vec<(usize, Option<(PathBuf, File)>)> = (dirty.iter())
            .map(|&b| {
                let part = self.made[b].get_mut();
                (b, part.unwrap_or_else(PoisonError::into_inner).file.take())
            })
            .collect();
        let files = (jobs.into_par_iter())
            .map(|(b, part)| self.stage_bucket(&dir, b, part))
            .collect();
        gather(files).map(Some)
    }

    /// Whether the file of bucket `b` must be written anew: it was ignored, a blob of
    /// it was made by this build, or, its file opened, one of the last build was not
    /// taken (its file was deleted, or its key changed). A file not opened, to which
    /// nothing was added, stays as it is if a blob of it was kept unread; if none was
    /// asked for at all, it holds only blobs of files that are gone, and goes.
    fn dirty(&self, b: usize) -> bool {
        let made = (self.made[b].lock().unwrap_or_else(PoisonError::into_inner))
            .file
            .is_some();
        let kept = self.kept[b].lock().unwrap_or_else(PoisonError::into_inner);
        if !made && kept.is_empty() && self.old[b].get().is_none() {
            let file = self.root.join(DIR).join(self.name).join(file_name(b));
            return std::fs::symlink_metadata(file).is_ok();
        }
        let old = if made {
            self.old(b)
        } else {
            self.old[b].get().and_then(Option::as_ref)
        };
        if let Some(old) = old {
            for (path, key) in kept.iter() {
                if let Some(blob) = old.blobs.get(path).filter(|o| o.key == *key) {
                    blob.used.store(true, Ordering::Relaxed);
                }
            }
        }
        let unused =
            old.is_some_and(|old| old.blobs.values().any(|o| !o.used.load(Ordering::Relaxed)));
        self.stale[b].load(Ordering::Relaxed) || made || unused
    }

    /// The file of bucket `b`: the blobs made (in `part`) and those taken from the
    /// old file, by path; removed when there are none.
    fn stage_bucket(
        &self,
        dir: &Path,
        b: usize,
        part: Option<(PathBuf, File)>,
    ) -> Result<StagedFile, Diagnostic> {
        let path = dir.join(file_name(b));
        let temp = dir.join(temp_name(b));
        let made = match part {
            Some((temp, file)) => {
                drop(file);
                std::fs::read(&temp).map_err(|e| write_warning(&temp, &e))?
            }
            None => Vec::new(),
        };
        let old = match self.old[b].get().and_then(Option::as_ref) {
            Some(old) => {
                let mut file = &old.file;
                let mut bytes = Vec::new();
                let read =
                    (file.seek(SeekFrom::Start(0))).and_then(|_| file.read_to_end(&mut bytes));
                read.map_err(|e| write_warning(&path, &e))?;
                bytes
            }
            None => Vec::new(),
        };
        let mut list: Vec<(String, u64, &[u8])> = Vec::new();
        let mut r = Reader {
            bytes: &made,
            at: 0,
        };
        while r.at < made.len() {
            let entry = read_entry(&mut r).expect("a part holds what `put` wrote");
            list.push((entry.0, entry.1, entry.2));
        }
        let made_paths: HashSet<String> = list.iter().map(|e| e.0.clone()).collect();
        let old_blobs = self.old[b].get().and_then(Option::as_ref);
        for (p, o) in old_blobs.iter().flat_map(|old| &old.blobs) {
            let p = p.to_string_lossy();
            if o.used.load(Ordering::Relaxed) && !made_paths.contains(p.as_ref()) {
                list.push((p.into_owned(), o.key, &old[o.at..o.at + o.len]));
            }
        }
        if list.is_empty() {
            let _ = std::fs::remove_file(&temp);
            return Ok(StagedFile { path, temp: None });
        }
        list.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut rest = Vec::with_capacity(made.len() + old.len());
        put_varint(&mut rest, list.len() as u64);
        for (p, key, blob) in &list {
            put_entry(&mut rest, p, *key, blob);
        }
        if let Err(e) = std::fs::write(&temp, seal(&rest)) {
            let _ = std::fs::remove_file(&temp);
            return Err(write_warning(&temp, &e));
        }
        Ok(StagedFile {
            path,
            temp: Some(temp),
        })
    }
}

impl Drop for Blobs {
    /// Removes the temporary files of a build that did not stage them.
    fn drop(&mut self) {
        for part in &mut self.made {
            let part = part.get_mut().unwrap_or_else(PoisonError::into_inner);
            if let Some((temp, file)) = part.file.take() {
                drop(file);
                let _ = std::fs::remove_file(temp);
            }
        }
    }
}

/// The temporary file of bucket `b` written by this process.
fn temp_name(b: usize) -> String {
    format!("{b:02x}.{}.{BUCKET_TEMP}", std::process::id())
}

/// A blob: its path, key and bytes.
pub(super) fn put_entry(out: &mut Vec<u8>, path: &str, key: u64, blob: &[u8]) {
    put_str(out, path);
    out.extend_from_slice(&key.to_le_bytes());
    put_bytes(out, blob);
}

fn read_entry<'a>(r: &mut Reader<'a>) -> Option<(String, u64, &'a [u8])> {
    Some((r.str()?, r.u64()?, r.bytes()?))
}

/// The bucket file at `path`, checked, open, and where each of its blobs is; `None`
/// when there is none, and why it cannot be trusted.
pub(super) fn open_file(path: &Path) -> Result<Option<OldFile>, String> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot be read: {e}")),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read: {e}"))?;
    let rest = unseal(&bytes)?;
    let header = bytes.len() - rest.len();
    let corrupt = || "is corrupt".to_string();
    let mut r = Reader { bytes: rest, at: 0 };
    let count = r.usize().ok_or_else(corrupt)?;
    let mut blobs = HashMap::with_capacity(count.min(rest.len()));
    for _ in 0..count {
        let (p, key, blob) = read_entry(&mut r).ok_or_else(corrupt)?;
        let old = OldBlob {
            key,
            at: header + r.at - blob.len(),
            len: blob.len(),
            used: AtomicBool::new(false),
        };
        blobs.insert(PathBuf::from(p), old);
    }
    if r.at != rest.len() {
        return Err(corrupt());
    }
    Ok(Some(OldFile { file, blobs }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("accord-blobs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn commit(blobs: Blobs) {
        if let Some(staged) = blobs.stage().unwrap() {
            staged.commit().unwrap();
        }
    }

    #[test]
    fn a_blob_is_taken_back_only_under_its_key() {
        let root = dir("key");
        let (a, b) = (Path::new("content/a.md"), Path::new("content/b.md"));
        let blobs = Blobs::open(&root, Mode::Use, "t", true);
        assert_eq!(blobs.get(a, 1), None);
        blobs.put(a, 1, b"one");
        blobs.put(b, 2, b"two");
        commit(blobs);
        let blobs = Blobs::open(&root, Mode::Use, "t", true);
        assert_eq!(blobs.get(a, 1).as_deref(), Some(&b"one"[..]));
        assert_eq!(blobs.get(b, 3), None);
        blobs.put(b, 3, b"three");
        assert_eq!(blobs.hits(), 1);
        commit(blobs);
        // `a` was taken, `b` made again: both are kept, nothing else.
        assert_ne!(bucket_of(a), bucket_of(b));
        let blobs = Blobs::open(&root, Mode::Use, "t", true);
        assert_eq!(blobs.get(b, 3).as_deref(), Some(&b"three"[..]));
        assert_eq!(blobs.get(b, 2), None);
        commit(blobs);
        // `a` was not asked for this time, nor any blob of its file: it is gone.
        let blobs = Blobs::open(&root, Mode::Use, "t", false);
        assert_eq!(blobs.get(a, 1), None);
        assert!(blobs.get(b, 3).is_some());
        assert!(blobs.warning("").is_none());
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn a_blob_kept_unread_stays_when_its_file_is_written_anew() {
        let root = dir("kept");
        let a = Path::new("content/a.md");
        let c = (0..)
            .map(|n| PathBuf::from(format!("content/c{n}.md")))
            .find(|c| bucket_of(c) == bucket_of(a))
            .unwrap();
        let blobs = Blobs::open(&root, Mode::Use, "t", true);
        blobs.put(a, 1, b"one");
        blobs.put(&c, 1, b"see");
        commit(blobs);
        // `a` kept unread alone: its file is neither opened nor written.
        let file = root.join(DIR).join("t").join(file_name(bucket_of(a)));
        let before = std::fs::read(&file).unwrap();
        let blobs = Blobs::open(&root, Mode::Use, "t", true);
        blobs.keep(a, 1);
        blobs.keep(&c, 1);
        assert!(blobs.old[bucket_of(a)].get().is_none());
        commit(blobs);
        assert_eq!(std::fs::read(&file).unwrap(), before);
        // `a` kept unread, `c` made anew in the same file: both are in it after.
        let blobs = Blobs::open(&root, Mode::Use, "t", true);
        blobs.keep(a, 1);
        blobs.put(&c, 2, b"sea");
        assert_eq!(blobs.hits(), 1);
        commit(blobs);
        let blobs = Blobs::open(&root, Mode::Use, "t", false);
        assert_eq!(blobs.get(a, 1).as_deref(), Some(&b"one"[..]));
        assert_eq!(blobs.get(&c, 2).as_deref(), Some(&b"sea"[..]));
        assert_eq!(blobs.get(&c, 1), None);
        // Kept under another key: it is not the blob kept, and it goes.
        let blobs = Blobs::open(&root, Mode::Use, "t", true);
        blobs.keep(a, 9);
        blobs.put(&c, 3, b"sue");
        commit(blobs);
        let blobs = Blobs::open(&root, Mode::Use, "t", false);
        assert_eq!(blobs.get(a, 1), None);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn a_damaged_file_is_ignored_with_a_warning() {
        let root = dir("damaged");
        let a = Path::new("content/a.md");
        let blobs = Blobs::open(&root, Mode::Use, "t", true);
        blobs.put(a, 1, b"one");
        commit(blobs);
        let file = root.join(DIR).join("t").join(file_name(bucket_of(a)));
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        let blobs = Blobs::open(&root, Mode::Use, "t", true);
        assert_eq!(blobs.get(a, 1), None);
        let warning = blobs.warning("again").unwrap();
        assert!(warning.message.contains("checksum"), "{}", warning.message);
        let _ = std::fs::remove_dir_all(root);
    }
}
