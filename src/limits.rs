//! Every limit accord sets on its input, in one place. Each is named in the error
//! that reports it; docs/guarantees.md lists them with the tests that check them.
//!
//! They keep the cost of a build proportional to the size of the archive: no file,
//! however written, makes accord hang, exhaust memory or write without bound.

/// Largest file read as text: a record, `accord.yaml` or the city registry.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Largest front matter of a record (the YAML between the `---` lines).
pub const MAX_FRONT_MATTER_BYTES: usize = 1024 * 1024;

/// Deepest nesting of YAML collections. It is also the YAML parser's own recursion
/// limit; flow collections (`[`, `{`) are checked against it before parsing, since
/// the parser's work grows with the square of their depth.
pub const MAX_YAML_DEPTH: usize = 128;

/// Most a YAML document may hold once its aliases (`*name`) are expanded, counting
/// the text of every value plus 32 bytes per value: stops "billion laughs" and other
/// alias bombs before anything is built. A file within `MAX_FILE_BYTES` without
/// aliases stays well below it unless it is millions of tiny values.
pub const MAX_YAML_VALUE_BYTES: usize = 64 * 1024 * 1024;

/// At most this many problems are reported per file; the rest are counted in one last
/// line. Locating a problem costs a pass over the file, so this keeps a broken or
/// hostile file from costing time per problem.
pub const MAX_ERRORS_PER_FILE: usize = 100;

/// Longest title, in characters. Titles appear on every list a record is on.
pub const MAX_TITLE_CHARS: usize = 500;

/// Longest summary, in characters; a first paragraph used as the summary is cut to it.
pub const MAX_SUMMARY_CHARS: usize = 2000;

/// Most cities one record names: the record appears on each city's page, with the
/// links to all of them.
pub const MAX_CITIES_PER_RECORD: usize = 200;

/// Most years from `date` to `end`: the record appears on the page of each.
pub const MAX_YEAR_SPAN: i32 = 100;

/// Most entries in the city registry. Every city has its page, and each page looks
/// at the others (parent, children, partners).
pub const MAX_REGISTRY_CITIES: usize = 20_000;

/// Longest slug, in bytes.
pub const MAX_SLUG_BYTES: usize = 200;

/// Largest code block that is syntax-highlighted, in bytes; a larger one is shown as
/// plain text, with a warning.
pub const MAX_HIGHLIGHT_BYTES: usize = 64 * 1024;

/// Longest line of a code block that is syntax-highlighted, in bytes: highlighting a
/// line costs time that grows with the square of its length. A block with a longer
/// line is shown as plain text, with a warning.
pub const MAX_HIGHLIGHT_LINE_BYTES: usize = 1000;

/// Most code highlighted in one record, all its blocks together, in bytes, a line of n
/// bytes weighing n × n / 100 from 100 bytes on: highlighting costs about 2 µs a byte
/// in short lines and 20 µs in lines of 1,000 bytes, so without this a record of many
/// blocks could cost a minute. Within it a record costs at most about a third of a
/// second. Blocks past it are shown as plain text, with one warning at the first.
pub const MAX_HIGHLIGHT_RECORD_BYTES: usize = 128 * 1024;

/// Largest amount of a budget or a cost, in its unit: a thousand trillion. Amounts are
/// summed per year, city and unit; within this bound no sum of an archive's amounts
/// can overflow to infinity (it would take 10^293 of them).
pub const MAX_AMOUNT: f64 = 1e15;
