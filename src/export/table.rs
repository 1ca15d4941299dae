//! The CSV tables: their columns (each with the Table Schema type and description
//! `datapackage.json` publishes, so that a header and its schema cannot drift apart)
//! and the one writer, as spreadsheets on Korean, Japanese and Chinese Windows read it:
//! UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting (docs/data.md).

/// A column of a table.
pub(crate) struct Column {
    pub name: &'static str,
    /// A Table Schema type: `string`, `integer`, `number`, `date`.
    pub ty: &'static str,
    pub description: &'static str,
    /// The values must be present.
    pub required: bool,
    /// The values allowed, if only some are.
    pub one_of: &'static [&'static str],
    /// A pattern every value matches.
    pub pattern: Option<&'static str>,
}

/// A column of text that may be empty.
pub(crate) const fn text(name: &'static str, description: &'static str) -> Column {
    typed(name, "string", description)
}

/// A column of type `ty` that may be empty.
pub(crate) const fn typed(
    name: &'static str,
    ty: &'static str,
    description: &'static str,
) -> Column {
    Column {
        name,
        ty,
        description,
        required: false,
        one_of: &[],
        pattern: None,
    }
}

impl Column {
    pub(crate) const fn required(mut self) -> Column {
        self.required = true;
        self
    }

    pub(crate) const fn one_of(mut self, values: &'static [&'static str]) -> Column {
        self.one_of = values;
        self
    }

    pub(crate) const fn pattern(mut self, pattern: &'static str) -> Column {
        self.pattern = Some(pattern);
        self
    }
}

/// What a table's schema adds to its columns.
pub(crate) struct Keys {
    pub primary: &'static [&'static str],
    /// (field, resource, field of the resource); an empty resource is the table itself.
    pub foreign: &'static [(&'static str, &'static str, &'static str)],
}

/// A table: its columns and rows, each row one value per column (empty for none); the
/// rows of a table written as they are made are not held (`Table::streamed`).
pub(crate) struct Table {
    pub columns: &'static [Column],
    pub keys: Keys,
    pub rows: Vec<Vec<String>>,
}

/// The byte-order mark: Excel reads a CSV file without it in the legacy code page of
/// the system (CP949, Shift_JIS, GBK), which garbles every Hangul and Han character.
pub(crate) const BOM: &str = "\u{feff}";

/// The separator of the items of a list field within one cell.
pub(crate) const LIST_SEPARATOR: char = ';';

impl Table {
    /// The columns and keys of a table whose rows are written as they are made
    /// (`Csv`).
    pub(crate) const fn streamed(columns: &'static [Column], keys: Keys) -> Table {
        Table {
            columns,
            keys,
            rows: Vec::new(),
        }
    }
}

/// A CSV file written row by row: BOM, header, rows, every line ended by CRLF. Counts
/// its rows and keeps the first `keep` of them (the data page shows them).
pub(crate) struct Csv<W: std::io::Write> {
    out: W,
    line: String,
    pub rows: usize,
    pub first: Vec<Vec<String>>,
    keep: usize,
}

impl<W: std::io::Write> Csv<W> {
    /// Starts the file: BOM and header.
    pub(crate) fn start(mut out: W, columns: &[Column], keep: usize) -> std::io::Result<Csv<W>> {
        let mut head = String::from(BOM);
        let header: Vec<&str> = columns.iter().map(|c| c.name).collect();
        line(&mut head, &header);
        out.write_all(head.as_bytes())?;
        Ok(Csv {
            out,
            line: String::new(),
            rows: 0,
            first: Vec::new(),
            keep,
        })
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) -> std::io::Result<()> {
        self.line.clear();
        line(&mut self.line, &cells);
        self.out.write_all(self.line.as_bytes())?;
        self.rows += 1;
        if self.first.len() < self.keep {
            self.first.push(cells);
        }
        Ok(())
    }

    /// The writer, every row written to it.
    pub(crate) fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn line<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, cell.as_ref());
    }
    out.push_str("\r\n");
}

/// One cell, RFC 4180: quoted when it holds a comma, a quote, a line end, or space at
/// either end (which some readers trim); a quote inside is doubled.
fn field(out: &mut String, value: &str) {
    let quote = value.contains([',', '"', '\r', '\n'])
        || value.starts_with(char::is_whitespace)
        || value.ends_with(char::is_whitespace);
    if quote {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// The items of a list field in one cell, joined with `;`: a `;` or `\` inside an
/// item is escaped with `\`, so that the list can be split back exactly.
pub(crate) fn list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(LIST_SEPARATOR);
        }
        for c in item.as_ref().chars() {
            if c == LIST_SEPARATOR || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// A number as the CSV writes it: the shortest form that reads back exactly (`475`,
/// `12.5`); empty for none.
pub(crate) fn number(n: Option<f64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_as_rfc_4180_says() {
        let mut out = String::new();
        line(
            &mut out,
            &["a", "b,c", "say \"hi\"", "two\nlines", " pad", ""],
        );
        assert_eq!(
            out,
            "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\",\r\n"
        );
    }

    #[test]
    fn list_items_escape_the_separator() {
        assert_eq!(list(["a", "b;c", "d\\e"]), "a;b\\;c;d\\\\e");
        assert_eq!(list(Vec::<String>::new()), "");
        assert_eq!(number(Some(475.0)), "475");
        assert_eq!(number(Some(12.5)), "12.5");
    }
}
