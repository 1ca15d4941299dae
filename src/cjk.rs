//! Line breaks in CJK text. Chinese and Japanese are written without spaces between
//! words, so a line break that an editor put in the middle of a sentence — a soft
//! break in Markdown, a fold in a YAML `>-` summary — must vanish, not become a
//! space: 「総合調整<br>プラットフォーム」 reads 「総合調整プラットフォーム」, never
//! 「総合調整 プラットフォーム」. Korean separates words with spaces, so a break
//! between two Hangul syllables stays a space, as between two Latin words.
//!
//! The rule (the one CSS Text 3 gives for segment breaks, made certain by doing it
//! at build time): a line break is removed when the character before it and the
//! character after it are both CJK — Han, kana, CJK punctuation and symbols, full-
//! and half-width forms — and neither is Hangul. Only line breaks are touched: a
//! space an editor typed inside a line is kept, whatever surrounds it.
//!
//! Pure text functions; `markdown` applies `joins` to soft breaks, `yaml` applies
//! `join_yaml_folds` to folded summaries.

/// Whether `c` is a CJK character that is written without spaces around it: Han,
/// Hiragana, Katakana, Bopomofo, CJK punctuation and symbols, full-width forms. Hangul
/// is not (Korean puts spaces between words).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF        // CJK radicals, Kangxi radicals
        | 0x2FF0..=0x2FFF      // ideographic description characters
        | 0x3000..=0x303F      // CJK symbols and punctuation (、。「」〜々〇)
        | 0x3040..=0x30FF      // Hiragana, Katakana (・ー)
        | 0x3100..=0x312F      // Bopomofo
        | 0x3190..=0x31FF      // Kanbun, Bopomofo extended, CJK strokes, Katakana extension
        | 0x3200..=0x33FF      // enclosed CJK letters, CJK compatibility (㈱ ㎡)
        | 0x3400..=0x4DBF      // CJK extension A
        | 0x4E00..=0x9FFF      // CJK unified ideographs
        | 0xF900..=0xFAFF      // CJK compatibility ideographs
        | 0xFE10..=0xFE1F      // vertical forms
        | 0xFE30..=0xFE4F      // CJK compatibility forms
        | 0xFE50..=0xFE6F      // small form variants
        | 0xFF01..=0xFF9F      // full-width ASCII, half-width CJK punctuation and Katakana
        | 0xFFE0..=0xFFEF      // full-width signs (￥)
        | 0x1B000..=0x1B16F    // kana supplement and extension
        | 0x20000..=0x3134F    // CJK extensions B–G, compatibility supplement
    )
}

/// Whether a line break between `before` and `after` is removed rather than shown as
/// a space.
pub fn joins(before: char, after: char) -> bool {
    is_cjk(before) && is_cjk(after)
}

/// Whether `text` has a space between two CJK characters: only such a text can hold
/// a YAML fold to join, so every other one is left alone without a second look.
pub fn has_space_between_cjk(text: &str) -> bool {
    let mut chars = text.chars();
    let mut before = None;
    while let Some(c) = chars.next() {
        if c == ' ' && before.is_some_and(is_cjk) && chars.clone().next().is_some_and(is_cjk) {
            return true;
        }
        before = Some(c);
    }
    false
}

/// Removes, from `text`, the spaces at the byte offsets `breaks` (each a space that
/// stands for a line break) whose neighbours `joins` — in order, returning for each
/// break whether it was removed.
pub fn join_breaks(text: &mut String, breaks: &[usize]) -> Vec<bool> {
    let joined: Vec<bool> = breaks
        .iter()
        .map(|&at| {
            let before = text[..at].chars().next_back();
            let after = text[at..].chars().nth(1);
            matches!((before, after), (Some(b), Some(a)) if joins(b, a))
        })
        .collect();
    if joined.contains(&true) {
        let mut out = String::with_capacity(text.len());
        let mut from = 0;
        for (&at, &j) in breaks.iter().zip(&joined) {
            if j {
                out.push_str(&text[from..at]);
                from = at + 1;
            }
        }
        out.push_str(&text[from..]);
        *text = out;
    }
    joined
}

/// Longest unit kept with its number, in characters (`ページ`, `ヶ月分`).
const MAX_UNIT_CHARS: usize = 4;

/// `text` as HTML with every number followed by a CJK unit (`114回`, `2014年度`,
/// `1,480ページ`) wrapped in `<span class="nobr">`, so that a narrow table column
/// never breaks the line between the number and its unit (a break the line-breaking
/// rules allow before any Han or kana character); `None` when it has none. The unit
/// is the run of Han and kana letters after the number, cut at `MAX_UNIT_CHARS`.
pub fn keep_units(text: &str) -> Option<String> {
    let is_unit = |c: char| is_cjk(c) && (c.is_alphabetic() || c == 'ー' || c == 'ヶ');
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    let mut found = false;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let number_len = rest[start..]
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_digit()
                    || (matches!(c, ',' | '.')
                        && rest[start + i + 1..].starts_with(|d: char| d.is_ascii_digit())))
            })
            .map_or(rest.len() - start, |(i, _)| i);
        let after = &rest[start + number_len..];
        let unit_len: usize = after
            .chars()
            .take_while(|&c| is_unit(c))
            .take(MAX_UNIT_CHARS)
            .map(char::len_utf8)
            .sum();
        let end = start + number_len + unit_len;
        out.push_str(&crate::escape::html(&rest[..start]));
        if unit_len > 0 {
            found = true;
            out.push_str("<span class=\"nobr\">");
            out.push_str(&crate::escape::html(&rest[start..end]));
            out.push_str("</span>");
        } else {
            out.push_str(&crate::escape::html(&rest[start..end]));
        }
        rest = &rest[end..];
    }
    out.push_str(&crate::escape::html(rest));
    found.then_some(out)
}

/// `value`, a YAML scalar that the parser read from `source` (the text from the
/// scalar's first character to the end of the block), with the line folds between two
/// CJK characters joined; `None` when there is nothing to join, or the folds cannot be
/// told for certain. `key_indent` is the indentation of the key whose value it is.
///
/// The parser turns every fold into a space and says nothing of where it did, so the
/// folds are found again from the source lines: the scalar is folded again by YAML's
/// rules (folded block scalars `>`, plain and quoted scalars over several lines), and
/// only when that gives exactly the parser's text are its folds known — otherwise the
/// text is kept as it is (escapes, explicit indentation, tags: rare in a summary).
/// A space typed inside a line is never a fold, so it is always kept.
pub(crate) fn join_yaml_folds(value: &str, source: &str, key_indent: usize) -> Option<String> {
    if !has_space_between_cjk(value) {
        return None;
    }
    let (mut folded, folds) = match source.chars().next()? {
        '>' => fold_block(source, key_indent)?,
        '"' | '\'' => fold_quoted(source)?,
        '|' | '&' | '!' | '*' | '[' | '{' => return None,
        _ => fold_plain(source, key_indent)?,
    };
    let same = if source.starts_with('>') {
        folded == value.trim_end_matches('\n')
    } else {
        folded == value
    };
    if !same || folds.is_empty() {
        return None;
    }
    if !join_breaks(&mut folded, &folds).contains(&true) {
        return None;
    }
    if source.starts_with('>') {
        // The chomped line ends, as the parser kept them.
        folded.push_str(&value[value.trim_end_matches('\n').len()..]);
    }
    Some(folded)
}

/// The text of a folded block scalar (without its final line ends) and the byte
/// offsets of its folds.
fn fold_block(source: &str, key_indent: usize) -> Option<(String, Vec<usize>)> {
    let mut lines = source.lines();
    let header = lines.next()?;
    let indicators = header[1..].split(['#']).next().unwrap_or("").trim();
    if !indicators.chars().all(|c| c == '-' || c == '+') {
        return None; // an explicit indentation: rare, not worth guessing
    }
    let body: Vec<&str> = lines.collect();
    let indent_of = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let is_blank = |l: &str| l.trim_matches([' ', '\t']).is_empty();
    let indent = indent_of(body.iter().find(|l| !is_blank(l))?);
    if indent <= key_indent {
        return None;
    }
    let mut text = String::new();
    let mut folds = Vec::new();
    let mut blanks = 0;
    // Whether the previous content line was a text line (not more indented).
    let mut previous: Option<bool> = None;
    for line in body {
        if is_blank(line) {
            if previous.is_none() {
                text.push('\n');
            } else {
                blanks += 1;
            }
            continue;
        }
        if indent_of(line) < indent {
            break;
        }
        let content = &line[indent..];
        let is_text = !content.starts_with([' ', '\t']);
        match previous {
            Some(true) if is_text && blanks == 0 => {
                folds.push(text.len());
                text.push(' ');
            }
            Some(true) if is_text => text.push_str(&"\n".repeat(blanks)),
            Some(_) => text.push_str(&"\n".repeat(blanks + 1)),
            None => {}
        }
        text.push_str(content);
        previous = Some(is_text);
        blanks = 0;
    }
    Some((text, folds))
}

/// The text of a quoted scalar over several lines, and the byte offsets of its folds.
/// A double-quoted one with escapes is not refolded.
fn fold_quoted(source: &str) -> Option<(String, Vec<usize>)> {
    let quote = source.chars().next()?;
    let inner = &source[1..];
    let end = if quote == '"' {
        let end = inner.find('"')?;
        if inner[..end].contains('\\') {
            return None;
        }
        end
    } else {
        let bytes = inner.as_bytes();
        let mut i = 0;
        loop {
            match inner[i..].find('\'') {
                Some(j) if bytes.get(i + j + 1) == Some(&b'\'') => i += j + 2,
                Some(j) => break i + j,
                None => return None,
            }
        }
    };
    let raw = if quote == '\'' {
        inner[..end].replace("''", "'")
    } else {
        inner[..end].to_string()
    };
    let lines: Vec<&str> = raw.split('\n').collect();
    let last = lines.len() - 1;
    let pieces = lines.iter().enumerate().map(|(i, l)| {
        let l = if i == 0 {
            l
        } else {
            l.trim_start_matches([' ', '\t'])
        };
        if i == last {
            l
        } else {
            l.trim_end_matches([' ', '\t'])
        }
    });
    Some(fold_lines(pieces, last))
}

/// The text of a plain scalar over several lines, and the byte offsets of its folds.
fn fold_plain(source: &str, key_indent: usize) -> Option<(String, Vec<usize>)> {
    let mut lines = vec![source.lines().next()?];
    for line in source.lines().skip(1) {
        let trimmed = line.trim_matches([' ', '\t']);
        let indent = line.len() - line.trim_start_matches(' ').len();
        if !trimmed.is_empty() && (indent <= key_indent || trimmed.starts_with('#')) {
            break;
        }
        lines.push(line);
    }
    while lines.len() > 1 && lines.last()?.trim_matches([' ', '\t']).is_empty() {
        lines.pop();
    }
    if lines.iter().any(|l| l.contains(" #") || l.contains(": ")) {
        return None;
    }
    let last = lines.len() - 1;
    Some(fold_lines(
        lines.iter().map(|l| l.trim_matches([' ', '\t'])),
        last,
    ))
}

/// Flow folding: one line break between two lines is a space (a fold), `n` empty lines
/// are `n` line ends.
fn fold_lines<'l>(pieces: impl Iterator<Item = &'l str>, last: usize) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut folds = Vec::new();
    let mut blanks = 0;
    for (i, piece) in pieces.enumerate() {
        if i == 0 {
            text.push_str(piece);
        } else if piece.is_empty() && i != last {
            blanks += 1;
        } else {
            if blanks == 0 {
                folds.push(text.len());
                text.push(' ');
            } else {
                text.push_str(&"\n".repeat(blanks));
            }
            text.push_str(piece);
            blanks = 0;
        }
    }
    (text, folds)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary of `yaml` (a front matter block) as the parser reads it, and joined.
    fn summary(yaml: &str) -> String {
        let v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        let value = v["summary"].as_str().unwrap().to_string();
        let at = yaml.find("summary:").unwrap() + "summary:".len();
        let source = yaml[at..].trim_start_matches(' ');
        join_yaml_folds(&value, source, 0).unwrap_or(value)
    }

    #[test]
    fn cjk_is_han_kana_and_their_punctuation_not_hangul() {
        for c in [
            '総', '丼', 'の', 'プ', 'ー', '。', '「', '、', '（', 'Ａ', '１', 'ｶ', '𠮷',
        ] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['한', 'ㄱ', 'a', '1', ' ', '.', '—', 'é', 'ﾡ'] {
            assert!(!is_cjk(c), "{c}");
        }
    }

    #[test]
    fn japanese_and_chinese_folds_are_joined() {
        let ja =
            "summary: >-\n  総合調整\n  プラットフォーム（IGES）の活動。\n  次の行\ntitle: x\n";
        assert_eq!(
            summary(ja),
            "総合調整プラットフォーム（IGES）の活動。次の行"
        );
        let zh = "summary: >-\n  北京市生态环境局与首尔市\n  开展空气质量合作。\n";
        assert_eq!(summary(zh), "北京市生态环境局与首尔市开展空气质量合作。");
    }

    #[test]
    fn korean_and_latin_folds_stay_spaces() {
        let ko = "summary: >-\n  서울과 베이징이 대기질\n  자료를 공유한다.\n";
        assert_eq!(summary(ko), "서울과 베이징이 대기질 자료를 공유한다.");
        let en = "summary: >-\n  Busan and\n  Yokohama.\n";
        assert_eq!(summary(en), "Busan and Yokohama.");
        // Latin next to CJK: a space, as typed by folding.
        let mixed = "summary: >-\n  ASCC\n  参加。北九州\n  ASCC\n";
        assert_eq!(summary(mixed), "ASCC 参加。北九州 ASCC");
    }

    #[test]
    fn spaces_typed_inside_a_line_are_kept() {
        let ja = "summary: >-\n  日本 中国の\n  協力\n";
        assert_eq!(summary(ja), "日本 中国の協力");
        // A trailing space on the line is content: the fold is not between two CJK.
        let ja = "summary: >-\n  日本 \n  中国\n";
        assert_eq!(summary(ja), "日本  中国");
        // Written on one line: nothing is a fold.
        let ja = "summary: 日本 中国\n";
        assert_eq!(summary(ja), "日本 中国");
    }

    #[test]
    fn empty_and_more_indented_lines_are_not_folds() {
        let ja = "summary: >\n  日本\n\n  中国\n    表\n  韓国\n";
        assert_eq!(summary(ja), "日本\n中国\n  表\n韓国\n");
        let ja = "summary: >+\n  日本\n  中国\n\n";
        assert_eq!(summary(ja), "日本中国\n\n");
    }

    #[test]
    fn plain_and_quoted_scalars_fold_too() {
        assert_eq!(summary("summary: 日本の\n  協力\ntitle: x\n"), "日本の協力");
        assert_eq!(summary("summary: \"日本の\n  協力\"\n"), "日本の協力");
        assert_eq!(summary("summary: '日本''の\n  協力'\n"), "日本'の協力");
        // Escapes are not refolded: the parser's text is kept.
        assert_eq!(
            summary("summary: \"日本の\\t\n  協力 中国\"\n"),
            "日本の\t 協力 中国"
        );
        // A literal block keeps its line ends; nothing is folded.
        assert_eq!(
            summary("summary: |\n  日本 の\n  協力\n"),
            "日本 の\n協力\n"
        );
    }

    #[test]
    fn numbers_keep_their_units() {
        assert_eq!(
            keep_units("114回").as_deref(),
            Some("<span class=\"nobr\">114回</span>")
        );
        assert_eq!(
            keep_units("11ヶ月分、1,480ページ <b>").as_deref(),
            Some(
                "<span class=\"nobr\">11ヶ月分</span>、<span class=\"nobr\">1,480ページ</span> &lt;b&gt;"
            )
        );
        assert_eq!(
            keep_units("2018年度（6月末まで）").as_deref(),
            Some("<span class=\"nobr\">2018年度</span>（<span class=\"nobr\">6月末まで</span>）")
        );
        // No unit, or a Hangul or Latin one: nothing to keep together.
        assert_eq!(keep_units("2014"), None);
        assert_eq!(keep_units("13 km, 3회"), None);
    }

    #[test]
    fn odd_sources_keep_the_text_as_read() {
        let value = "日本 中国";
        for source in [
            "",
            ">",
            ">2\n  日本\n  中国\n",
            "\"日本",
            "'日本",
            "'日本''",
            "&a 日本",
            "日本\r\n  中国",
            ">-\n\t日本\n\t中国",
            ">-\n",
            "\"日本\n中国\\\"",
            "日本 #x\n  中国",
            "日本: x\n  中国",
            ">-\n  日本\n中国",
        ] {
            // Any answer but a panic; never a text other than the value joined.
            if let Some(joined) = join_yaml_folds(value, source, 0) {
                assert_eq!(joined, "日本中国", "{source:?}");
            }
        }
    }

    #[test]
    fn breaks_are_joined_by_their_neighbours() {
        let mut s = "総合 調整 and 서울 시 日本 x".to_string();
        let breaks: Vec<usize> = s.match_indices(' ').map(|(i, _)| i).collect();
        let joined = join_breaks(&mut s, &breaks);
        assert_eq!(joined, vec![true, false, false, false, false, false]);
        assert_eq!(s, "総合調整 and 서울 시 日本 x");
    }
}
