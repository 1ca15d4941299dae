//! Percent-coding of URL parts, for the tests that serve or request pages themselves:
//! the library's decoder, and the `percent-encoding` crate for query strings.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Decodes `%XX` escapes as the library does; text that is not UTF-8 once decoded is
/// kept as written.
pub(crate) fn percent_decode(s: &str) -> String {
    accord::escape::percent_decode(s).map_or_else(|| s.to_string(), std::borrow::Cow::into_owned)
}

/// The unreserved characters of RFC 3986, kept as written.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes every byte but the unreserved characters of RFC 3986 (a query value).
pub(crate) fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}
