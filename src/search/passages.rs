//! Passages: the body of a record cut into short passages at heading and sentence
//! boundaries, each with the anchor of the heading above it, for the snippets of the
//! search results (`search/p/<n>.json`, read by the page only for the results shown).
//!
//! Boundaries: a heading of the body (a line of the plain text that is the next
//! heading of the table of contents) starts a section and is a passage of its own;
//! a line (paragraph, list item, table row, line of code) ends a sentence; so do `.`,
//! `!` and `?` before white space, and `。`, `！`, `？`, `．` anywhere. Consecutive
//! sentences of one section are joined while the passage stays within
//! `PASSAGE_BYTES`; a longer sentence is cut at the last space before the bound (at
//! a character boundary if it has none). A record keeps at most
//! `RECORD_PASSAGE_BYTES` of passage text, the start of its body.

use serde::Serialize;

use crate::markdown::{Heading, Rendered};
use crate::site::Entry;

/// The most bytes of text (UTF-8) in one passage.
pub(crate) const PASSAGE_BYTES: usize = 240;
/// The most bytes of passage text kept per record: the passages past it are left out.
pub(crate) const RECORD_PASSAGE_BYTES: usize = 8 * 1024;

/// One passage: its text and the heading it is under (0 before the first heading,
/// otherwise 1 + the heading's index in the table of contents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Passage {
    pub heading: usize,
    pub text: String,
}

/// The passages of a body's plain text, whose headings are `toc`, in order.
pub(crate) fn split(plain: &str, toc: &[Heading]) -> Vec<Passage> {
    let mut out: Vec<Passage> = Vec::new();
    let mut kept = 0;
    let mut section = 0;
    let mut open = false;
    // The heading that starts the next section, collapsed once.
    let mut next_heading = toc.first().map(|h| collapse(&h.text));
    let mut line = String::new();
    for raw in plain.lines() {
        collapse_into(raw, &mut line);
        // A heading ends its line of the plain text; the items of a list or the cells
        // of a table before it may share the line.
        let (text, heading) = match next_heading.as_deref() {
            Some(h) if !h.is_empty() && line == h => ("", true),
            Some(h) if !h.is_empty() && ends_with_word(&line, h) => {
                (&line[..line.len() - h.len() - 1], true)
            }
            _ => (line.as_str(), false),
        };
        for sentence in sentences(text) {
            for piece in pieces(sentence) {
                match out.last_mut() {
                    Some(last) if open && last.text.len() + 1 + piece.len() <= PASSAGE_BYTES => {
                        last.text.push(' ');
                        last.text.push_str(piece);
                    }
                    _ => {
                        out.push(Passage {
                            heading: section,
                            text: piece.to_string(),
                        });
                        open = true;
                    }
                }
            }
        }
        if heading {
            section += 1;
            let next = toc.get(section).map(|h| collapse(&h.text));
            let h = std::mem::replace(&mut next_heading, next).unwrap_or_default();
            out.push(Passage {
                heading: section,
                text: h,
            });
            open = false;
        }
        kept = out.iter().map(|p| p.text.len()).sum();
        if kept >= RECORD_PASSAGE_BYTES {
            break;
        }
    }
    while kept > RECORD_PASSAGE_BYTES {
        kept -= out.pop().map_or(0, |p| p.text.len());
    }
    out
}

/// The sentences of one line, each with its closing mark, trimmed.
fn sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let closes = match c {
            '。' | '！' | '？' | '．' => true,
            '.' | '!' | '?' => chars.peek().is_none_or(|&(_, n)| n.is_whitespace()),
            _ => false,
        };
        if closes {
            out.push(line[from..end].trim());
            from = end;
        }
    }
    out.push(line[from..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// A sentence cut into pieces of at most `PASSAGE_BYTES`, at spaces where it can be.
fn pieces(mut sentence: &str) -> Vec<&str> {
    let mut out = Vec::new();
    while sentence.len() > PASSAGE_BYTES {
        let mut cut = PASSAGE_BYTES;
        while !sentence.is_char_boundary(cut) {
            cut -= 1;
        }
        if let Some(space) = sentence[..cut].rfind(' ').filter(|&s| s > 0) {
            cut = space;
        }
        out.push(sentence[..cut].trim_end());
        sentence = sentence[cut..].trim_start();
    }
    if !sentence.is_empty() {
        out.push(sentence);
    }
    out
}

fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    collapse_into(s, &mut out);
    out
}

/// `s` with its runs of white space made single spaces and its ends trimmed, into
/// `out` (cleared first).
fn collapse_into(s: &str, out: &mut String) {
    out.clear();
    for (i, word) in s.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Whether `line` ends with a space and then `h`.
fn ends_with_word(line: &str, h: &str) -> bool {
    line.len() > h.len() && line.ends_with(h) && line.as_bytes()[line.len() - h.len() - 1] == b' '
}

/// `p/<n>.json`: `{"h": [[anchor, heading], …], "p": [[heading, text], …], "n": names}`,
/// where a passage's heading is 0 before the first heading and 1 + its index in `h`
/// otherwise, and `n` (when there are any) the record's names (`score::names`:
/// organizers, partners, tags, …), which the body may not repeat. `<`, `>` and `&` are escaped, as in the record files.
/// `body` is the record's rendered body (read once by the caller).
pub(super) fn write(e: &Entry, body: &Rendered) -> Vec<u8> {
    #[derive(Serialize)]
    struct File<'a> {
        h: Vec<[&'a str; 2]>,
        p: Vec<(usize, String)>,
        #[serde(skip_serializing_if = "String::is_empty")]
        n: String,
    }
    let toc = &body.toc;
    let file = File {
        n: super::score::names(&e.record).join(" · "),
        h: toc
            .iter()
            .map(|h| [h.id.as_str(), h.text.as_str()])
            .collect(),
        p: split(&body.plain, toc)
            .into_iter()
            .map(|p| (p.heading, p.text))
            .collect(),
    };
    crate::escape::json_inert(&serde_json::to_vec(&file).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heading(id: &str, text: &str) -> Heading {
        Heading {
            level: 2,
            id: id.into(),
            text: text.into(),
        }
    }

    #[test]
    fn passages_break_at_headings_and_keep_their_anchor() {
        let plain = "첫 문단이다.\n개요 \n참가자들은 방안을 정리했다. 이번 기준은 목적이 있다.\n";
        let got = split(plain, &[heading("개요", "개요")]);
        let texts: Vec<(usize, &str)> = got.iter().map(|p| (p.heading, p.text.as_str())).collect();
        assert_eq!(
            texts,
            [
                (0, "첫 문단이다."),
                (1, "개요"),
                (1, "참가자들은 방안을 정리했다. 이번 기준은 목적이 있다."),
            ]
        );
    }

    #[test]
    fn a_heading_after_a_list_on_the_same_line_still_starts_its_section() {
        // A list's items end with a space in the plain text, not a line break.
        let plain = "앞 문단. \n항목 하나 항목 둘 다음 절 \n뒤 문단.\n";
        let got = split(plain, &[heading("다음-절", "다음 절")]);
        let texts: Vec<(usize, &str)> = got.iter().map(|p| (p.heading, p.text.as_str())).collect();
        assert_eq!(
            texts,
            [
                (0, "앞 문단. 항목 하나 항목 둘"),
                (1, "다음 절"),
                (1, "뒤 문단.")
            ]
        );
    }

    #[test]
    fn passages_are_cut_at_sentences_within_the_byte_bound() {
        let sentence = "大気汚染の対策を進めた。".repeat(10);
        let got = split(&sentence, &[]);
        assert!(got.len() > 1, "{got:?}");
        for p in &got {
            assert!(p.text.len() <= PASSAGE_BYTES, "{}", p.text.len());
            assert!(p.text.ends_with('。'), "{}", p.text);
        }
        assert_eq!(
            got.iter()
                .map(|p| p.text.replace(' ', ""))
                .collect::<String>(),
            sentence
        );
        // `.` only ends a sentence before white space: `PM2.5` stays whole.
        assert_eq!(sentences("PM2.5 fell. Then"), ["PM2.5 fell.", "Then"]);
    }

    #[test]
    fn a_long_sentence_is_cut_at_spaces_and_a_record_is_bounded() {
        let long = "word ".repeat(200);
        let got = split(&long, &[]);
        assert!(got.iter().all(|p| p.text.len() <= PASSAGE_BYTES));
        assert!(
            got.iter()
                .all(|p| !p.text.starts_with(' ') && !p.text.ends_with(' '))
        );
        let huge = "한 문장이다.\n".repeat(2000);
        let kept: usize = split(&huge, &[]).iter().map(|p| p.text.len()).sum();
        assert!(kept <= RECORD_PASSAGE_BYTES && kept > RECORD_PASSAGE_BYTES - PASSAGE_BYTES);
    }
}
