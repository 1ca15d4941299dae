//! Minifies the theme's JavaScript as it is served: comments, indentation, blank lines
//! and the spaces that no token needs are removed; nothing is renamed or reordered,
//! and every line break between two tokens stays, so that automatic semicolon
//! insertion reads the code as before. The theme's files stay readable source; the
//! site gets the smaller text (`search.js` is part of every first query's bytes, see
//! `docs/search.md`).
//!
//! The transform is a small lexer: it knows strings, regular expression literals and
//! comments, and copies strings (a line continued by a backslash included) and
//! regular expressions as they are. A script it cannot read safely — one with
//! template literals (backquotes outside comments and strings), or a string, regular
//! expression or comment left open — is served unchanged.

/// Words after which a `/` starts a regular expression, not a division.
const BEFORE_REGEX: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

/// `src` minified, or `None` when it holds what this lexer does not read (see the
/// module's doc): then it is served as it is.
pub fn javascript(src: &str) -> Option<String> {
    let mut m = Minifier {
        src: src.chars().collect(),
        at: 0,
        out: String::with_capacity(src.len()),
        last: Last::Start,
        gap: Gap::None,
    };
    m.run()?;
    m.out.push('\n');
    Some(m.out)
}

/// What came before the next token, for the regular-expression test and the spaces.
#[derive(Clone, Copy, PartialEq)]
enum Last {
    Start,
    /// An identifier, keyword or number; `true` when it is a word before which a
    /// `/` starts a regular expression.
    Word(bool),
    /// A regular expression literal (its flags may not be followed by a word).
    Regex,
    /// A string, or a punctuator (the character).
    Punct(char),
}

/// The white space met since the last token.
#[derive(Clone, Copy, PartialEq)]
enum Gap {
    None,
    Space,
    Line,
}

struct Minifier {
    src: Vec<char>,
    at: usize,
    out: String,
    last: Last,
    gap: Gap,
}

/// A line terminator of JavaScript.
fn is_line_end(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || (!c.is_ascii() && !c.is_whitespace())
}

impl Minifier {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.src.get(self.at + ahead).copied()
    }

    fn run(&mut self) -> Option<()> {
        while let Some(c) = self.peek(0) {
            match c {
                c if is_line_end(c) => {
                    self.gap = Gap::Line;
                    self.at += 1;
                }
                c if c.is_whitespace() => {
                    self.gap = self.gap.max_space();
                    self.at += 1;
                }
                '/' if self.peek(1) == Some('/') => {
                    while self.peek(0).is_some_and(|c| !is_line_end(c)) {
                        self.at += 1;
                    }
                }
                '/' if self.peek(1) == Some('*') => self.block_comment()?,
                '\'' | '"' => {
                    self.start_token(c);
                    self.quoted(c)?;
                    self.last = Last::Punct(c);
                }
                '/' if self.regex_allowed() => {
                    self.start_token(c);
                    self.regex()?;
                    self.last = Last::Regex;
                }
                '`' => return None,
                c if is_word(c) => self.word(),
                c => {
                    self.start_token(c);
                    self.out.push(c);
                    self.at += 1;
                    self.last = Last::Punct(c);
                }
            }
        }
        Some(())
    }

    /// A `/* … */` comment: white space, a line break if it holds one.
    fn block_comment(&mut self) -> Option<()> {
        self.at += 2;
        loop {
            match self.peek(0)? {
                '*' if self.peek(1) == Some('/') => break,
                c if is_line_end(c) => self.gap = Gap::Line,
                _ => {}
            }
            self.at += 1;
        }
        self.at += 2;
        self.gap = self.gap.max_space();
        Some(())
    }

    /// Writes the white space needed before a token that starts with `next`: the
    /// line break if there was one, a space only where the two tokens would
    /// otherwise read as one (`a b`, `a + +b`, `1 .x`, `/re/ in`).
    fn start_token(&mut self, next: char) {
        match self.gap {
            Gap::None => {}
            Gap::Line if !matches!(self.last, Last::Start) => self.out.push('\n'),
            Gap::Line => {}
            Gap::Space => {
                let prev = self.out.chars().last().unwrap_or(' ');
                let joins = match self.last {
                    Last::Start => false,
                    Last::Word(_) => is_word(next) || (prev.is_ascii_digit() && next == '.'),
                    Last::Regex => is_word(next),
                    Last::Punct(p) => {
                        (p == next && matches!(p, '+' | '-'))
                            || (p == '/' && matches!(next, '/' | '*'))
                            || (matches!(p, '+' | '-') && matches!(next, '+' | '-'))
                    }
                };
                if joins {
                    self.out.push(' ');
                }
            }
        }
        self.gap = Gap::None;
    }

    /// Whether a `/` here starts a regular expression: not after a value (a word that
    /// is not a keyword before an expression, a number, `)` or `]`).
    fn regex_allowed(&self) -> bool {
        match self.last {
            Last::Word(before_regex) => before_regex,
            Last::Regex => false,
            Last::Punct(c) => !matches!(c, ')' | ']' | '\'' | '"'),
            Last::Start => true,
        }
    }

    fn word(&mut self) {
        let start = self.at;
        while self.peek(0).is_some_and(is_word) {
            self.at += 1;
        }
        let word: String = self.src[start..self.at].iter().collect();
        self.start_token(word.chars().next().unwrap_or(' '));
        self.out.push_str(&word);
        self.last = Last::Word(BEFORE_REGEX.contains(&word.as_str()));
    }

    /// Copies the next character, with the one after it if it is a backslash (then
    /// returns the backslash); `None` at a line's end or the end of the text.
    fn copy_char(&mut self) -> Option<char> {
        let c = self.peek(0).filter(|&c| !is_line_end(c))?;
        self.out.push(c);
        self.at += 1;
        if c == '\\' {
            self.out.push(self.peek(0)?);
            self.at += 1;
        }
        Some(c)
    }

    /// A string, copied up to its closing quote; `None` if a line ends first.
    fn quoted(&mut self, quote: char) -> Option<()> {
        self.out.push(quote);
        self.at += 1;
        while self.copy_char()? != quote {}
        Some(())
    }

    /// A regular expression literal with its flags, copied; `None` if a line ends
    /// first.
    fn regex(&mut self) -> Option<()> {
        self.out.push('/');
        self.at += 1;
        let mut class = false;
        loop {
            match self.copy_char()? {
                '[' => class = true,
                ']' => class = false,
                '/' if !class => break,
                _ => {}
            }
        }
        while self.peek(0).is_some_and(|c| c.is_ascii_alphabetic()) {
            self.out.push(self.peek(0)?);
            self.at += 1;
        }
        Some(())
    }
}

impl Gap {
    fn max_space(self) -> Gap {
        match self {
            Gap::None => Gap::Space,
            g => g,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::javascript;

    #[test]
    fn comments_indentation_and_spaces_go_line_breaks_stay() {
        let src = "/* The engine.\n * Two lines. */\nfunction f(a, b) {\n  // a comment\n  \
                   var x = a + +b; /* inline */ return x\n}\n\n\nvar y = f(1, 2) // end\n";
        assert_eq!(
            javascript(src).unwrap(),
            "function f(a,b){\nvar x=a+ +b;return x\n}\nvar y=f(1,2)\n"
        );
    }

    #[test]
    fn strings_and_regular_expressions_are_copied_as_they_are() {
        let src = "var s = \"a  // b /* c */\" + ' x\\' y ';\nvar r = /[/ ]+  \\/ x/g.test(s) / 2;\n\
                   if (x) return /a b/i\nvar d = a / b / c;\n";
        assert_eq!(
            javascript(src).unwrap(),
            "var s=\"a  // b /* c */\"+' x\\' y ';\nvar r=/[/ ]+  \\/ x/g.test(s)/2;\n\
             if(x)return/a b/i\nvar d=a/b/c;\n"
        );
    }

    #[test]
    fn words_numbers_and_signs_keep_the_space_they_need() {
        let src = "var a = 1 .toString(), b = c - -d, e = f in g, h = x++ + y;\n";
        assert_eq!(
            javascript(src).unwrap(),
            "var a=1 .toString(),b=c- -d,e=f in g,h=x++ +y;\n"
        );
        // Every line terminator of JavaScript ends a line (automatic semicolons).
        assert_eq!(
            javascript("a = b\r++c\u{2028}d\n").unwrap(),
            "a=b\n++c\nd\n"
        );
    }

    #[test]
    fn what_the_lexer_does_not_read_is_served_unchanged() {
        assert_eq!(javascript("var s = `a ${b}`;\n"), None);
        assert_eq!(
            javascript("// `quoted` in a comment\nvar s = 'a\\\n   b';\n").unwrap(),
            "var s='a\\\n   b';\n"
        );
        assert_eq!(javascript("var s = 'open;\n"), None);
        assert_eq!(javascript("/* open\n"), None);
    }
}
