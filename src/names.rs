//! Names that repeat across records (organizers, partners, tags, languages), held
//! once each: every record that names one shares the same text.

use std::collections::HashSet;
use std::sync::Arc;

/// A name, shared by the records that give it.
pub type Name = Arc<str>;

/// The names met so far, each once.
#[derive(Debug, Default)]
pub struct Names {
    known: HashSet<Name>,
}

impl Names {
    pub fn new() -> Names {
        Names::default()
    }

    /// The one copy of `name`: the first met with the same text.
    pub fn share(&mut self, name: &Name) -> Name {
        if let Some(known) = self.known.get(name) {
            return Arc::clone(known);
        }
        self.known.insert(Arc::clone(name));
        Arc::clone(name)
    }

    /// Every name of `list` replaced by its one copy; the list without spare room.
    pub fn share_all(&mut self, list: &mut [Name]) {
        for name in list.iter_mut() {
            *name = self.share(name);
        }
    }

    /// How many different names were met.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_held_once() {
        let mut names = Names::new();
        let a: Name = "Busan".into();
        let first = names.share(&a);
        let mut list: Vec<Name> = vec!["Busan".into(), "Jeju".into(), "Busan".into()];
        names.share_all(&mut list);
        assert!(Arc::ptr_eq(&first, &list[0]));
        assert!(Arc::ptr_eq(&list[0], &list[2]));
        assert!(!Arc::ptr_eq(&list[0], &list[1]));
        assert_eq!(&*list[1], "Jeju");
        assert_eq!(names.len(), 2);
    }
}
