//! Markdown to HTML with pulldown-cmark. Pure: takes the body text and a link
//! resolver, returns HTML, headings, the first paragraph and the plain text. Never
//! sees front matter or templates. Raw HTML is escaped unless allowed; links with
//! script URLs are neutralised; fenced code is highlighted with CSS classes.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::OnceLock;

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, html,
};
use serde::Serialize;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use crate::cjk;
use crate::diag::{Code, Pos, Severity};
use crate::escape;
use crate::limits::{
    MAX_ERRORS_PER_FILE, MAX_HIGHLIGHT_BYTES, MAX_HIGHLIGHT_LINE_BYTES, MAX_HIGHLIGHT_RECORD_BYTES,
};

/// Highlighted code gets syntect's scope names as classes (`<span class="string">`);
/// the theme's `syntax.css` colours them, scoped under `pre`.
pub const HIGHLIGHT_CLASS_STYLE: ClassStyle = ClassStyle::Spaced;

/// Element ids the page around the body uses; headings never take them.
pub const RESERVED_IDS: &[&str] = &[
    "main",
    "content",
    "search",
    "facts-heading",
    "budget-heading",
    "budget-caption",
    "toc-heading",
    "sources-heading",
    "years-heading",
    "search-results",
];

/// What to do with a link destination.
pub enum LinkAction {
    Keep,
    Rewrite(String),
    /// A broken link: the message and a hint.
    Broken(String, Option<String>),
    /// A link to a file beside the record that is missing or not published: the
    /// message and a hint.
    MissingFile(String, Option<String>),
    /// A file attached to the record: its URL (the same in every edition) and what
    /// the link shows after its text (`PDF, 1.2 MB`).
    Attach(String, Option<String>),
    /// Kept, and listed in `Rendered::unverified`: a URL of the site (its path from
    /// the site's root) that only the routes can confirm.
    Verify(String),
}

/// A heading of the body, for a table of contents.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A problem at a byte offset of the body: an error (a broken link) or a warning (a
/// code block too large to highlight).
#[derive(Debug, Clone)]
pub struct Problem {
    pub offset: usize,
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<Heading>,
    /// The first paragraph as plain text.
    pub first_paragraph: String,
    /// All the text, without markup.
    pub plain: String,
    /// At most `MAX_ERRORS_PER_FILE` problems are kept; the others are only counted.
    pub problems: Vec<Problem>,
    pub problems_omitted: usize,
    /// Where the `href` of each link the resolver rewrote starts in `html`, in order:
    /// to lead those links elsewhere (`relinked`) without rendering again.
    pub rewritten: Vec<usize>,
    /// The links to URLs of the site the resolver could not confirm
    /// (`LinkAction::Verify`), in order.
    pub unverified: Vec<Unverified>,
}

impl Rendered {
    /// The HTML with `insert` put into the `href` of every rewritten link, `skip` bytes
    /// after its start: the links to other records, in another edition (`skip` is the
    /// length of the base path, `insert` the edition's folder). Borrowed when nothing
    /// is inserted.
    pub fn relinked(&self, skip: usize, insert: &str) -> Cow<'_, str> {
        if insert.is_empty() || self.rewritten.is_empty() {
            return Cow::Borrowed(&self.html);
        }
        let mut out = String::with_capacity(self.html.len() + insert.len() * self.rewritten.len());
        let mut from = 0;
        for &at in &self.rewritten {
            let at = at + skip;
            out.push_str(&self.html[from..at]);
            out.push_str(insert);
            from = at;
        }
        out.push_str(&self.html[from..]);
        Cow::Owned(out)
    }

    /// Keeps `problem`, or only counts it past `MAX_ERRORS_PER_FILE`.
    fn report(&mut self, problem: Problem) {
        if self.problems.len() < MAX_ERRORS_PER_FILE {
            self.problems.push(problem);
        } else {
            self.problems_omitted += 1;
        }
    }
}

/// A link to a URL of the site, to be checked against the routes.
#[derive(Debug, Clone, PartialEq)]
pub struct Unverified {
    /// Line and column of the link in the body.
    pub at: Pos,
    /// The destination as written.
    pub written: String,
    /// Its path from the site's root (`trips/x/`); with a leading `/` when it is
    /// outside the site's base path.
    pub path: String,
}

pub struct RenderOptions {
    pub allow_html: bool,
}

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Renders `body`; `resolve` decides about every link and image destination.
pub fn render(body: &str, opts: &RenderOptions, resolve: &dyn Fn(&str) -> LinkAction) -> Rendered {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_FOOTNOTES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    options.insert(Options::ENABLE_SMART_PUNCTUATION);

    let mut pass = Pass::new(body, opts, resolve);
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        if let Some(event) = pass.transform(event, &range) {
            pass.collect_text(&event);
            pass.place(event);
        }
    }
    pass.finish()
}

/// One rendering of a body, event by event: each event is first transformed (code,
/// raw HTML, links, footnotes, tables), then its text collected (plain text, first
/// paragraph), then placed (headings are buffered until their id is known).
struct Pass<'a, 'r> {
    /// The Markdown, which locates the links of `Rendered::unverified`.
    body: &'a str,
    opts: &'r RenderOptions,
    resolve: &'r dyn Fn(&str) -> LinkAction,
    out: Rendered,
    events: Vec<Event<'a>>,
    /// The events of the heading being read.
    heading: Option<Vec<Event<'a>>>,
    ids: Ids,
    /// The language, text and offset of the code block being read.
    code: Option<(String, String, usize)>,
    footnotes: HashMap<String, usize>,
    paragraph_depth: usize,
    first_done: bool,
    /// Bytes of code this body may still highlight (`MAX_HIGHLIGHT_RECORD_BYTES`).
    highlight_budget: usize,
    /// Where each soft break is in the plain text and in the first paragraph (a
    /// space there), to be joined or kept once the text after it is known.
    plain_breaks: Vec<usize>,
    first_breaks: Vec<usize>,
    /// The destinations of the links the resolver rewrote, in order.
    rewritten: Vec<String>,
    /// For each link open, what to show after it (an attachment's type and size).
    link_notes: Vec<Option<String>>,
}

impl<'a, 'r> Pass<'a, 'r> {
    fn new(
        body: &'a str,
        opts: &'r RenderOptions,
        resolve: &'r dyn Fn(&str) -> LinkAction,
    ) -> Self {
        let mut ids = Ids::default();
        for id in RESERVED_IDS {
            ids.used.insert((*id).to_string());
        }
        Pass {
            body,
            opts,
            resolve,
            out: Rendered::default(),
            events: Vec::new(),
            heading: None,
            ids,
            code: None,
            footnotes: HashMap::new(),
            paragraph_depth: 0,
            first_done: false,
            highlight_budget: MAX_HIGHLIGHT_RECORD_BYTES,
            plain_breaks: Vec::new(),
            first_breaks: Vec::new(),
            rewritten: Vec::new(),
            link_notes: Vec::new(),
        }
    }

    /// The event as it goes into the page; `None` when it was taken in (code).
    /// The start of a link, its destination checked (and rewritten, or attached).
    fn start_link(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        range: &Range<usize>,
    ) -> Event<'a> {
        let dest_url = check_link(dest_url, range, self.body, self.resolve, &mut self.out);
        if let Checked::Rewritten(url) = &dest_url {
            self.rewritten.push(url.to_string());
        }
        let note = match &dest_url {
            Checked::Attached(_, note) => note.clone(),
            _ => None,
        };
        self.link_notes.push(note);
        Event::Start(Tag::Link {
            link_type,
            dest_url: dest_url.into_url(),
            title,
            id,
        })
    }

    fn transform(&mut self, event: Event<'a>, range: &Range<usize>) -> Option<Event<'a>> {
        // Fenced and indented code: collect, then highlight.
        if let Some((lang, text, offset)) = self.code.as_mut() {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    self.out.plain.push_str(text);
                    self.out.plain.push('\n');
                    let (html, too_large) = highlight(lang, text, &mut self.highlight_budget);
                    if let Some(message) = too_large {
                        self.out.report(Problem {
                            offset: *offset,
                            severity: Severity::Warning,
                            code: Code::Limit,
                            message,
                            help: Some("it is shown as plain text; break the long lines, or split the block or the record".into()),
                        });
                    }
                    self.events.push(Event::Html(html.into()));
                    self.code = None;
                }
                _ => {}
            }
            return None;
        }
        Some(match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new(), range.start));
                return None;
            }
            Event::Html(raw) | Event::InlineHtml(raw) if !self.opts.allow_html => Event::Text(raw),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => self.start_link(link_type, dest_url, title, id, range),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: check_link(dest_url, range, self.body, self.resolve, &mut self.out)
                    .into_url(),
                title,
                id,
            }),
            Event::End(TagEnd::Link) => match self.link_notes.pop().flatten() {
                Some(note) => Event::InlineHtml(
                    format!(
                        "</a> <span class=\"attachment-info\">({})</span>",
                        escape::html(&note)
                    )
                    .into(),
                ),
                None => Event::End(TagEnd::Link),
            },
            Event::FootnoteReference(label) => {
                let (n, id) = self.footnote(&label);
                Event::InlineHtml(
                    format!("<sup class=\"footnote-reference\"><a href=\"#fn-{id}\" id=\"fnref-{id}\">{n}</a></sup>").into(),
                )
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let (n, id) = self.footnote(&label);
                Event::Html(
                    format!("<div class=\"footnote-definition\" id=\"fn-{id}\"><sup class=\"footnote-definition-label\"><a href=\"#fnref-{id}\">{n}</a></sup>")
                        .into(),
                )
            }
            Event::End(TagEnd::FootnoteDefinition) => Event::Html("</div>\n".into()),
            // Wide tables scroll on their own on a phone, and can be scrolled by keyboard.
            Event::Start(Tag::Table(align)) => {
                self.events.push(Event::Html(
                    "<div class=\"table-scroll\" tabindex=\"0\">".into(),
                ));
                Event::Start(Tag::Table(align))
            }
            other => other,
        })
    }

    /// The number of footnote `label` (in order of first use) and its id.
    fn footnote(&mut self, label: &str) -> (usize, String) {
        let next = self.footnotes.len() + 1;
        let n = *self.footnotes.entry(label.to_string()).or_insert(next);
        (n, attr_escape(label))
    }

    /// Adds the event's text to the plain text and to the first paragraph.
    fn collect_text(&mut self, event: &Event<'a>) {
        let out = &mut self.out;
        let in_first = self.paragraph_depth > 0 && !self.first_done;
        match event {
            Event::Start(Tag::Paragraph) => self.paragraph_depth += 1,
            Event::End(TagEnd::Paragraph) => {
                self.paragraph_depth = self.paragraph_depth.saturating_sub(1);
                if !self.first_done && !out.first_paragraph.trim().is_empty() {
                    self.first_done = true;
                }
            }
            Event::Text(t) | Event::Code(t) => {
                out.plain.push_str(t);
                if in_first {
                    out.first_paragraph.push_str(t);
                }
            }
            Event::SoftBreak => {
                self.plain_breaks.push(out.plain.len());
                out.plain.push(' ');
                if in_first {
                    self.first_breaks.push(out.first_paragraph.len());
                    out.first_paragraph.push(' ');
                }
            }
            Event::HardBreak => {
                out.plain.push(' ');
                if in_first {
                    out.first_paragraph.push(' ');
                }
            }
            Event::End(TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell) => {
                out.plain.push(' ');
            }
            _ => {}
        }
        if matches!(
            event,
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::TableRow)
        ) {
            out.plain.push('\n');
        }
    }

    /// Adds the event to the page; a heading's events are held until its end, to give
    /// it an id made of its text.
    fn place(&mut self, event: Event<'a>) {
        match event {
            Event::Start(Tag::Heading { .. }) => self.heading = Some(vec![event]),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(mut buf) = self.heading.take() {
                    buf.push(event);
                    self.name_heading(&mut buf);
                    self.events.extend(buf);
                }
            }
            other => match self.heading.as_mut() {
                Some(buf) => buf.push(other),
                None => self.events.push(other),
            },
        }
    }

    /// Gives the heading in `buf` a unique id and an entry in the table of contents.
    fn name_heading(&mut self, buf: &mut [Event<'a>]) {
        let text: String = buf
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        if let Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) = buf[0].clone()
        {
            let base = id.map(|i| i.to_string()).unwrap_or_else(|| slugify(&text));
            let unique = self.ids.unique(base);
            // `{key=value}` after a heading would become an attribute of any name
            // (`onclick`): it is raw HTML, kept only when allowed.
            let attrs = if self.opts.allow_html {
                attrs
            } else {
                Vec::new()
            };
            self.out.toc.push(Heading {
                level: heading_level(level),
                id: unique.clone(),
                text: text.trim().to_string(),
            });
            buf[0] = Event::Start(Tag::Heading {
                level,
                id: Some(unique.into()),
                classes,
                attrs,
            });
        }
    }

    /// The HTML, with the table wrappers closed, the soft breaks between two CJK
    /// characters removed (`cjk`), and the texts tidied.
    fn finish(mut self) -> Rendered {
        if let Some(buf) = self.heading.take() {
            self.events.extend(buf);
        }
        let mut out = self.out;
        // The n-th soft break of the events is the n-th of the plain text, which holds
        // the characters around it whatever markup is between.
        let mut joined = cjk::join_breaks(&mut out.plain, &self.plain_breaks).into_iter();
        cjk::join_breaks(&mut out.first_paragraph, &self.first_breaks);
        let mut in_cell = false;
        let events = self.events.into_iter().flat_map(|e| {
            let close = matches!(e, Event::End(TagEnd::Table));
            let gone = matches!(e, Event::SoftBreak) && joined.next().unwrap_or(false);
            match e {
                Event::Start(Tag::TableCell) => in_cell = true,
                Event::End(TagEnd::TableCell) => in_cell = false,
                _ => {}
            }
            // In a table cell a number keeps its unit (`114回`), however narrow.
            let e = match e {
                Event::Text(t) if in_cell => match cjk::keep_units(&t) {
                    Some(html) => Event::InlineHtml(html.into()),
                    None => Event::Text(t),
                },
                e => e,
            };
            (!gone)
                .then_some(e)
                .into_iter()
                .chain(close.then(|| Event::Html("</div>\n".into())))
        });
        out.first_paragraph = out
            .first_paragraph
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        html::push_html(&mut out.html, events);
        out.rewritten = find_hrefs(&out.html, &self.rewritten);
        out
    }
}

/// Where the `href` of each link to `urls` (in the order of the links) starts in
/// `html`, as pulldown-cmark writes it.
fn find_hrefs(html: &str, urls: &[String]) -> Vec<usize> {
    let mut found = Vec::with_capacity(urls.len());
    let mut from = 0;
    let mut attr = String::new();
    for url in urls {
        attr.clear();
        attr.push_str("href=\"");
        let _ = pulldown_cmark_escape::escape_href(&mut attr, url);
        if let Some(i) = html[from..].find(&attr) {
            let at = from + i + "href=\"".len();
            found.push(at);
            from = at;
        }
    }
    found
}

/// A link's destination, checked.
enum Checked<'a> {
    Kept(CowStr<'a>),
    Rewritten(CowStr<'a>),
    /// An attachment's URL, and what its link shows after the text.
    Attached(CowStr<'a>, Option<String>),
}

impl<'a> Checked<'a> {
    fn into_url(self) -> CowStr<'a> {
        match self {
            Checked::Kept(url) | Checked::Rewritten(url) | Checked::Attached(url, _) => url,
        }
    }
}

fn check_link<'a>(
    dest: CowStr<'a>,
    range: &Range<usize>,
    body: &str,
    resolve: &dyn Fn(&str) -> LinkAction,
    out: &mut Rendered,
) -> Checked<'a> {
    if is_script_url(&dest) {
        return Checked::Kept("#".into());
    }
    let action = resolve(&dest);
    let code = match action {
        LinkAction::MissingFile(..) => Code::MissingAttachment,
        _ => Code::BrokenLink,
    };
    match action {
        LinkAction::Keep => Checked::Kept(dest),
        LinkAction::Rewrite(url) => Checked::Rewritten(url.into()),
        LinkAction::Attach(url, note) => Checked::Attached(url.into(), note),
        LinkAction::Verify(path) => {
            out.unverified.push(Unverified {
                at: Pos::of_offset(body, range.start),
                written: dest.to_string(),
                path,
            });
            Checked::Kept(dest)
        }
        LinkAction::Broken(message, help) | LinkAction::MissingFile(message, help) => {
            out.report(Problem {
                offset: range.start,
                severity: Severity::Error,
                code,
                message,
                help,
            });
            Checked::Kept(dest)
        }
    }
}

/// `javascript:`, `vbscript:` and `data:` URLs, however they are disguised.
pub fn is_script_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    cleaned.starts_with("javascript:")
        || cleaned.starts_with("vbscript:")
        || cleaned.starts_with("data:")
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

/// The ids given out in one body.
#[derive(Default)]
struct Ids {
    used: HashSet<String>,
    /// Per base, the next number to try: every base only ever moves forward, so a body
    /// of many equal headings (or of `a-1`, `a-2`, … then many `a`) costs linear time.
    next: HashMap<String, usize>,
}

impl Ids {
    /// `base`, or `base-1`, `base-2`, … whichever is free first.
    fn unique(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let n = self.next.entry(base.clone()).or_insert(1);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// A heading anchor: lower case, letters and digits of any script, `-` between words.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else if c.is_whitespace() || c == '-' || c == '_' {
            dash = true;
        }
    }
    if out.is_empty() {
        "section".to_string()
    } else if out.starts_with("fn") {
        // Footnote anchors are `fn-…`: never clash with them.
        format!("h-{out}")
    } else {
        out
    }
}

/// The HTML of a code block: highlighted when its language is known, plain escaped
/// text otherwise. Highlighting costs time that grows with the square of a line's
/// length, so a block larger than `MAX_HIGHLIGHT_BYTES` or with a line longer than
/// `MAX_HIGHLIGHT_LINE_BYTES` is shown plain too, with the reason as the second value,
/// and so is a block that would take the record past `MAX_HIGHLIGHT_RECORD_BYTES`: the
/// `budget` left, which a highlighted block uses up.
fn highlight(lang: &str, code: &str, budget: &mut usize) -> (String, Option<String>) {
    let ss = syntax_set();
    let syntax = if lang.is_empty() {
        None
    } else {
        ss.find_syntax_by_token(lang)
    };
    let class = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", attr_escape(lang))
    };
    let plain = || format!("<pre><code{class}>{}</code></pre>\n", escape::html(code));
    let Some(syntax) = syntax else {
        return (plain(), None);
    };
    if let Some(reason) = too_large_to_highlight(code) {
        return (plain(), Some(reason));
    }
    let cost = highlight_cost(code);
    if cost > *budget {
        // The first block past the budget says so; later ones stay plain silently.
        let first = *budget > 0;
        *budget = 0;
        return (plain(), first.then(|| format!(
            "code block not highlighted, nor any after it: the record's code blocks hold more than {MAX_HIGHLIGHT_RECORD_BYTES} bytes (MAX_HIGHLIGHT_RECORD_BYTES)"
        )));
    }
    *budget -= cost;
    let mut generator =
        ClassedHTMLGenerator::new_with_class_style(syntax, ss, HIGHLIGHT_CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            return (plain(), None);
        }
    }
    let html = format!(
        "<pre class=\"highlight\"><code{class}>{}</code></pre>\n",
        generator.finalize()
    );
    (html, None)
}

/// What highlighting `code` costs against `MAX_HIGHLIGHT_RECORD_BYTES`: its bytes, a
/// line of n bytes weighing n × n / 100 from 100 bytes on, since the time a line takes
/// grows faster than its length (about 2 µs a byte in lines of 30 bytes, 20 µs in
/// lines of 1,000).
fn highlight_cost(code: &str) -> usize {
    code.split('\n')
        .map(|line| line.len() * (line.len() / 100).max(1) + 1)
        .sum()
}

/// Why `code` is not highlighted, if it is over a highlighting limit.
fn too_large_to_highlight(code: &str) -> Option<String> {
    let longest = code.split('\n').map(str::len).max().unwrap_or(0);
    if longest > MAX_HIGHLIGHT_LINE_BYTES {
        return Some(format!(
            "code block not highlighted: a line of it is {longest} bytes, more than {MAX_HIGHLIGHT_LINE_BYTES} (MAX_HIGHLIGHT_LINE_BYTES)"
        ));
    }
    (code.len() > MAX_HIGHLIGHT_BYTES).then(|| {
        format!(
            "code block not highlighted: it is {} bytes, more than {MAX_HIGHLIGHT_BYTES} (MAX_HIGHLIGHT_BYTES)",
            code.len()
        )
    })
}

fn attr_escape(s: &str) -> String {
    escape::html(s).replace(char::is_whitespace, "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(s: &str) -> Rendered {
        render(s, &RenderOptions { allow_html: false }, &|_| {
            LinkAction::Keep
        })
    }

    #[test]
    fn headings_get_unique_unicode_anchors() {
        let r = md("## 추진 배경\n\n## 추진 배경\n\n## Overview\n");
        let ids: Vec<&str> = r.toc.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["추진-배경", "추진-배경-1", "overview"]);
        assert!(r.html.contains("<h2 id=\"추진-배경-1\">"), "{}", r.html);
    }

    #[test]
    fn raw_html_is_escaped_unless_allowed() {
        let r = md("<script>alert(1)</script>\n\ntext <b onclick=x>bold</b>\n");
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(!r.html.contains("<b "), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;"), "{}", r.html);
        let allowed = render("<b>x</b>\n", &RenderOptions { allow_html: true }, &|_| {
            LinkAction::Keep
        });
        assert!(allowed.html.contains("<b>x</b>"));
    }

    #[test]
    fn rewritten_links_are_relinked_without_rendering_again() {
        let resolve = |dest: &str| {
            let (path, fragment) = dest.split_once('#').unwrap_or((dest, ""));
            match path.strip_suffix(".md") {
                Some(name) if fragment.is_empty() => {
                    LinkAction::Rewrite(format!("/archive/p/{name}/"))
                }
                Some(name) => LinkAction::Rewrite(format!("/archive/p/{name}/#{fragment}")),
                None => LinkAction::Keep,
            }
        };
        let body =
            "[a](a.md) [b](b.md \"B & c\") [x](/archive/p/a/) ![i](i.md)\n\n[답](답.md#끝)\n";
        let r = render(body, &RenderOptions { allow_html: false }, &resolve);
        assert_eq!(r.rewritten.len(), 3, "{}", r.html);
        assert_eq!(r.relinked("/archive/".len(), ""), r.html);
        assert_eq!(
            r.relinked("/archive/".len(), "ja/"),
            "<p><a href=\"/archive/ja/p/a/\">a</a> <a href=\"/archive/ja/p/b/\" title=\"B &amp; c\">b</a> \
             <a href=\"/archive/p/a/\">x</a> <img src=\"/archive/p/i/\" alt=\"i\" /></p>\n\
             <p><a href=\"/archive/ja/p/%EB%8B%B5/#%EB%81%9D\">답</a></p>\n"
        );
    }

    #[test]
    fn script_links_are_neutralised() {
        let r = md("[a](javascript:alert(1)) [b]( JaVaScRiPt:x) ![c](data:text/html,x)\n");
        assert!(!r.html.to_lowercase().contains("javascript:"), "{}", r.html);
        assert!(!r.html.contains("data:"), "{}", r.html);
    }

    #[test]
    fn headings_never_take_the_page_ids() {
        let r = md("# Main\n\n## Search\n");
        let ids: Vec<&str> = r.toc.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["main-1", "search-1"]);
    }

    #[test]
    fn footnotes_are_prefixed_and_tables_strikethrough_work() {
        let r = md("text[^1]\n\n[^1]: note\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n");
        assert!(r.html.contains("href=\"#fn-1\""), "{}", r.html);
        assert!(r.html.contains("id=\"fn-1\""), "{}", r.html);
        assert!(
            r.html
                .contains("<div class=\"table-scroll\" tabindex=\"0\"><table>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("</table>\n</div>"), "{}", r.html);
        assert!(r.html.contains("<del>old</del>"));
    }

    #[test]
    fn long_lines_weigh_more_against_the_highlighting_budget() {
        assert_eq!(highlight_cost("x = 1\ny = 2"), 12);
        let long = "x".repeat(999);
        assert_eq!(highlight_cost(&long), 999 * 9 + 1);
        // One block of 64 lines of 999 bytes, within `MAX_HIGHLIGHT_BYTES`, is past
        // the record's budget: it alone took 1.3 s to highlight.
        let block = format!("{long}\n").repeat(64);
        let mut budget = MAX_HIGHLIGHT_RECORD_BYTES;
        let (html, warning) = highlight("yaml", &block, &mut budget);
        assert!(
            html.starts_with("<pre><code class=\"language-yaml\">"),
            "plain"
        );
        assert!(warning.unwrap().contains("MAX_HIGHLIGHT_RECORD_BYTES"));
    }

    #[test]
    fn code_is_highlighted_with_classes_not_styles() {
        let r = md("```rust\nfn main() {}\n```\n");
        assert!(
            r.html.contains("<span class=\"source rust\">"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("style="), "{}", r.html);
        let plain = md("```nosuchlang\n<x>\n```\n");
        assert!(plain.html.contains("&lt;x&gt;"), "{}", plain.html);
    }

    #[test]
    fn soft_breaks_between_cjk_characters_are_removed() {
        // Japanese, across emphasis and a link: joined in the page and in the texts.
        let r = md("総合調整\n*プラットフォーム*の活動。\n[北九州市](https://x.org)と\n上海市\n");
        assert!(
            r.html
                .contains("総合調整<em>プラットフォーム</em>の活動。<a href=\"https://x.org\">北九州市</a>と上海市"),
            "{}",
            r.html
        );
        assert_eq!(
            r.first_paragraph,
            "総合調整プラットフォームの活動。北九州市と上海市"
        );
        assert!(
            r.plain
                .starts_with("総合調整プラットフォームの活動。北九州市と上海市")
        );
        // Chinese, with full-width punctuation at the break.
        let r = md("北京市生态环境局，\n首尔市气候环境本部\n");
        assert_eq!(r.first_paragraph, "北京市生态环境局，首尔市气候环境本部");
        // Korean and Latin words keep their space; so does Latin next to CJK.
        let r = md("서울과 베이징이\n대기질 자료를\nshare with\nASCC\n参加\n");
        assert_eq!(
            r.first_paragraph,
            "서울과 베이징이 대기질 자료를 share with ASCC 参加"
        );
        assert!(r.html.contains("베이징이\n대기질"), "{}", r.html);
        // A hard break stays a line break.
        let r = md("日本  \n中国\n");
        assert!(r.html.contains("日本<br />\n中国"), "{}", r.html);
    }

    #[test]
    fn first_paragraph_and_broken_links() {
        let r = render(
            "# T\n\nFirst *para*\ngraph.\n\nSecond.\n\n[x](y.md)\n",
            &RenderOptions { allow_html: false },
            &|d| LinkAction::Broken(format!("no {d}"), None),
        );
        assert_eq!(r.first_paragraph, "First para graph.");
        assert_eq!(r.problems.len(), 1);
        assert_eq!(
            r.problems[0].offset,
            "# T\n\nFirst *para*\ngraph.\n\nSecond.\n\n".len()
        );
    }
}
