//! Escaping: the crate's one HTML escaper, its one way of keeping JSON inert, and its
//! one percent codec (on the `percent-encoding` crate). Pure functions of text.

use std::borrow::Cow;
use std::io::{self, Write};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Writes `input` escaped for HTML text and attribute values: `& < > " '`, the same
/// characters as Tera's own escaper, written a run at a time. Tera's escape function.
///
/// Characters XML 1.0 forbids — C0 controls other than tab, line feed and carriage
/// return, and the non-characters U+FFFE and U+FFFF — are dropped, so that text from
/// a record body or a theme's data cannot make a feed or a sitemap ill-formed.
pub fn html_to(input: &str, out: &mut dyn Write) -> io::Result<()> {
    let bytes = input.as_bytes();
    let mut start = 0;
    let mut i = 0;
    // The bytes that are written as they are skipped a table look-up at a time.
    while let Some(at) = (bytes[i..].iter()).position(|&b| HTML_SPECIAL[usize::from(b)]) {
        i += at;
        let (rep, len): (&[u8], usize) = match bytes[i] {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            b'"' => (b"&quot;", 1),
            b'\'' => (b"&#39;", 1),
            b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            0..=0x1f => (b"", 1),
            // U+FFFE and U+FFFF in UTF-8.
            0xef if matches!(bytes.get(i + 1..i + 3), Some([0xbf, 0xbe | 0xbf])) => (b"", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.write_all(&bytes[start..i])?;
        out.write_all(rep)?;
        i += len;
        start = i;
    }
    out.write_all(&bytes[start..])
}

/// The bytes `html_to` looks at: the five it escapes, the C0 controls but for tab,
/// line feed and carriage return, and the first byte of U+FFFE and U+FFFF.
static HTML_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = !matches!(b, 0x09 | 0x0a | 0x0d);
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table[0xef] = true;
    table
};

/// `input` escaped for HTML (see `html_to`).
pub fn html(input: &str) -> String {
    let mut out = Vec::with_capacity(input.len() + input.len() / 8);
    html_to(input, &mut out).expect("writing to a Vec cannot fail");
    // Only ASCII bytes were added to valid UTF-8, at character boundaries.
    String::from_utf8(out).expect("escaping keeps UTF-8 valid")
}

/// Appends JSON text to `out` with `<`, `>` and `&` written as `\u003c`, `\u003e` and
/// `\u0026` (the same string to a JSON reader; they only occur inside strings), so
/// that no text is markup where a file is wrongly served or pasted as HTML.
pub fn json_inert_to(json: &[u8], out: &mut Vec<u8>) {
    // The three are ASCII, so never a byte of a longer UTF-8 sequence: the text is
    // copied in runs between them.
    let mut run = 0;
    for i in memchr::memchr3_iter(b'<', b'>', b'&', json) {
        let escaped: &[u8] = match json[i] {
            b'<' => b"\\u003c",
            b'>' => b"\\u003e",
            _ => b"\\u0026",
        };
        out.extend_from_slice(&json[run..i]);
        out.extend_from_slice(escaped);
        run = i + 1;
    }
    out.extend_from_slice(&json[run..]);
}

/// JSON text with `<`, `>` and `&` escaped (see `json_inert_to`).
pub fn json_inert(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + json.len() / 16 + 1);
    json_inert_to(json, &mut out);
    out
}

/// What a URL path keeps as written: unreserved ASCII and `/`.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A URL path with everything but unreserved ASCII and `/` percent-encoded, as
/// sitemaps and feeds require (slugs and city names may be Hangul or Han).
pub fn percent_encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

/// The order of `a` and `b` percent-encoded (`percent_encode_path`), found without
/// encoding either whole.
pub fn percent_encoded_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let bytes = |s| utf8_percent_encode(s, PATH).flat_map(str::bytes);
    bytes(a).cmp(bytes(b))
}

/// `%EC%84%9C` → `서`; a `%` not followed by two hex digits stays as written. `None`
/// when the decoded bytes are not UTF-8.
pub fn percent_decode(s: &str) -> Option<Cow<'_, str>> {
    percent_decode_str(s).decode_utf8().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_ordered_as_their_encodings_are() {
        let paths = ["a/", "a-b/", "서울/", "Z/", "a/b/", "~x/", "%/", "ab/"];
        for a in paths {
            for b in paths {
                let encoded = percent_encode_path(a).cmp(&percent_encode_path(b));
                assert_eq!(percent_encoded_cmp(a, b), encoded, "{a} {b}");
            }
        }
        // Not the order of the paths themselves: `%` comes before the letters.
        assert!("서울/" > "a/");
        assert_eq!(percent_encoded_cmp("서울/", "a/"), std::cmp::Ordering::Less);
    }

    #[test]
    fn escaping_covers_the_five_characters_and_nothing_else() {
        assert_eq!(
            html(r#"<a href="x">Tom & Jerry's 서울</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s 서울&lt;/a&gt;"
        );
        assert_eq!(html("plain 北九州"), "plain 北九州");
    }

    #[test]
    fn characters_xml_forbids_are_dropped() {
        assert_eq!(
            html("a\u{1}b\u{1b}[31m\t\n\r\u{7f}\u{85}\u{2028}\u{fffe}\u{ffff}\u{fffd}&\0"),
            "ab[31m\t\n\r\u{7f}\u{85}\u{2028}\u{fffd}&amp;"
        );
    }

    #[test]
    fn escaping_matches_teras_own() {
        for s in [
            "",
            "plain",
            "<a href=\"x\">'&'</a>",
            "서울 & 北京 <b>",
            "&&",
        ] {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            html_to(s, &mut ours).unwrap();
            tera::escape_html(s, &mut theirs).unwrap();
            assert_eq!(ours, theirs, "{s}");
        }
    }

    #[test]
    fn paths_are_percent_encoded_but_for_unreserved_ascii() {
        assert_eq!(
            percent_encode_path("/cities/서울/a_b-c.~d/"),
            "/cities/%EC%84%9C%EC%9A%B8/a_b-c.~d/"
        );
        assert_eq!(percent_encode_path("a b?#"), "a%20b%3F%23");
    }

    #[test]
    fn percent_decoding_needs_two_hex_digits_and_utf8() {
        assert_eq!(
            percent_decode("%EC%84%9C%EC%9A%B8.md").as_deref(),
            Some("서울.md")
        );
        assert_eq!(percent_decode("a%2").as_deref(), Some("a%2"));
        assert_eq!(percent_decode("%서울.md").as_deref(), Some("%서울.md"));
        // A sign is not a hex digit (`u8::from_str_radix` would take `+1`).
        assert_eq!(percent_decode("a%+1b").as_deref(), Some("a%+1b"));
        assert_eq!(percent_decode("/%FF"), None);
        // Encoding then decoding gives back any text, `%` signs included.
        for text in ["%2F", "서울 100%", "a/b c"] {
            assert_eq!(
                percent_decode(&percent_encode_path(text)).as_deref(),
                Some(text)
            );
        }
    }
}
