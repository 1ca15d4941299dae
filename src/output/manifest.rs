//! The manifest's table: the fingerprint of every file of an output, by path, held
//! compactly (every path in one string, sorted) since it has an entry for every file
//! of the site, a few per record.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The fingerprint of every file of an output directory (`/`-separated paths), sorted
/// by path. Written and read as the JSON object `{"files": {path: fingerprint, …}}`.
#[derive(Clone, Default, PartialEq)]
pub struct Manifest {
    /// Every path, one after the other, in the order of `ends`.
    paths: String,
    /// Per file, sorted by path: where its path ends in `paths`.
    ends: Vec<usize>,
    /// Per file: its fingerprint.
    prints: Vec<u64>,
}

impl Manifest {
    /// The manifest of `files`; of two fingerprints of one path, the last.
    pub fn from_files<S: AsRef<str>>(files: impl IntoIterator<Item = (S, u64)>) -> Manifest {
        let mut files: Vec<(S, u64)> = files.into_iter().collect();
        // Stable: of the same paths, the one given last stays last.
        files.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        files.dedup_by(|later, kept| {
            let same = later.0.as_ref() == kept.0.as_ref();
            if same {
                kept.1 = later.1;
            }
            same
        });
        // Sized once: growing the lists of millions of paths held the old and the
        // new copy of each for a moment.
        let mut manifest = Manifest::default();
        manifest
            .paths
            .reserve_exact(files.iter().map(|(p, _)| p.as_ref().len()).sum());
        manifest.ends.reserve_exact(files.len());
        manifest.prints.reserve_exact(files.len());
        for (path, print) in files {
            manifest.push(path.as_ref(), print);
        }
        manifest
    }

    /// Adds `path`, which sorts after every path already there.
    fn push(&mut self, path: &str, print: u64) {
        self.paths.push_str(path);
        self.ends.push(self.paths.len());
        self.prints.push(print);
    }

    fn shrink(&mut self) {
        self.paths.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.prints.shrink_to_fit();
    }

    /// How many files there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn path(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.paths[start..self.ends[i]]
    }

    /// The fingerprint of file `path`, if the output has it.
    pub fn get(&self, path: &str) -> Option<u64> {
        let i = self.position(path).ok()?;
        Some(self.prints[i])
    }

    pub fn contains(&self, path: &str) -> bool {
        self.position(path).is_ok()
    }

    fn position(&self, path: &str) -> Result<usize, usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            match self.path(mid).cmp(path) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(low)
    }

    /// Every file and its fingerprint, by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        (0..self.len()).map(|i| (self.path(i), self.prints[i]))
    }

    /// The manifest without the files `drop` says.
    pub fn without(self, drop: impl Fn(&str) -> bool) -> Manifest {
        if !self.iter().any(|(path, _)| drop(path)) {
            return self;
        }
        let mut kept = Manifest::default();
        for (path, print) in self.iter().filter(|(path, _)| !drop(path)) {
            kept.push(path, print);
        }
        kept.shrink();
        kept
    }
}

impl fmt::Debug for Manifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The manifest as it is written: `{"files": {…}}`.
#[derive(Serialize)]
struct Written<'a> {
    files: Files<'a>,
}

struct Files<'a>(&'a Manifest);

impl Serialize for Files<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (path, print) in self.0.iter() {
            map.serialize_entry(path, &print)?;
        }
        map.end()
    }
}

impl Serialize for Manifest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Written { files: Files(self) }.serialize(serializer)
    }
}

/// The manifest as it is read.
#[derive(Deserialize)]
struct Read {
    files: Table,
}

/// Its table, read entry by entry into place.
struct Table(Manifest);

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TableVisitor)
    }
}

struct TableVisitor;

impl<'de> Visitor<'de> for TableVisitor {
    type Value = Table;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of paths to fingerprints")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Table, A::Error> {
        let mut manifest = Manifest::default();
        let mut sorted = true;
        while let Some((path, print)) = map.next_entry::<String, u64>()? {
            let last = manifest.len().checked_sub(1).map(|i| manifest.path(i));
            sorted &= last.is_none_or(|last| last < path.as_ref());
            manifest.push(&path, print);
        }
        if !sorted {
            // Written by another program: sorted again, of two entries the last kept.
            let files: Vec<(String, u64)> =
                (manifest.iter()).map(|(p, h)| (p.to_string(), h)).collect();
            return Ok(Table(Manifest::from_files(files)));
        }
        manifest.shrink();
        Ok(Table(manifest))
    }
}

impl<'de> Deserialize<'de> for Manifest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Read::deserialize(deserializer)?.files.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_file_and_no_other() {
        let m = Manifest::from_files([("b/index.html", 2), ("a.css", 1), ("b/x.json", 3)]);
        assert_eq!(m.len(), 3);
        assert_eq!(m.get("a.css"), Some(1));
        assert_eq!(m.get("b/index.html"), Some(2));
        assert_eq!(m.get("b/x.json"), Some(3));
        assert_eq!(m.get("b"), None);
        assert_eq!(m.get("c"), None);
        assert!(!m.contains(""));
        let order: Vec<&str> = m.iter().map(|(p, _)| p).collect();
        assert_eq!(order, ["a.css", "b/index.html", "b/x.json"]);
    }

    #[test]
    fn keeps_the_last_print_of_a_path() {
        let m = Manifest::from_files([("a", 1), ("b", 2), ("a", 3)]);
        assert_eq!(m.iter().collect::<Vec<_>>(), [("a", 3), ("b", 2)]);
    }

    #[test]
    fn reads_and_writes_the_json_of_a_map() {
        let map: std::collections::BTreeMap<&str, u64> =
            [("z/index.html", u64::MAX), ("404.html", 7), ("é.html", 0)].into();
        let m = Manifest::from_files(map.clone());
        let expected = serde_json::to_string(&serde_json::json!({ "files": map })).unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), expected);
        let back: Manifest = serde_json::from_str(&expected).unwrap();
        assert_eq!(back, m);
        // Out of order and repeated, as another program might write it.
        let unsorted = r#"{"files":{"b":1,"a":2,"b":3}}"#;
        let read: Manifest = serde_json::from_str(unsorted).unwrap();
        assert_eq!(read.iter().collect::<Vec<_>>(), [("a", 2), ("b", 3)]);
        assert!(serde_json::from_str::<Manifest>(r#"{"files":{"a":-1}}"#).is_err());
    }

    #[test]
    fn leaves_out_what_it_is_told() {
        let m = Manifest::from_files([("a", 1), ("b", 2), ("c", 3)]);
        let kept = m.without(|p| p == "b");
        assert_eq!(kept.iter().collect::<Vec<_>>(), [("a", 1), ("c", 3)]);
        assert_eq!(kept.get("c"), Some(3));
        assert_eq!(kept.clone().without(|_| false), kept);
    }
}
