//! Reading an import file as a stream of rows, with every problem placed by
//! line and column. Memory stays flat: one record is held at a time.
//!
//! Accepted: UTF-8 with or without a byte order mark, CRLF or LF line ends,
//! fields quoted with `"` (a quote inside doubled, `""`), blank lines and
//! rows of empty cells (both skipped). Refused, with the line and column:
//! bytes that are not UTF-8, a row with more or fewer cells than the header,
//! a quote left open (the cell then runs across lines), a header that lacks
//! a column, repeats one or has one this kind does not know, an empty file,
//! a header with no rows, and a file over [`MAX_FILE_BYTES`].
use std::io::{self, Read};

use csv::ByteRecord;

use super::kinds::Column;
use super::{MAX_FILE_BYTES, Problem, Problems};

/// Counts the bytes read, refuses to read past the limit, and turns CRLF
/// into LF (so line numbers count the same for both line ends).
pub struct Limited<R> {
    inner: R,
    read: u64,
    limit: u64,
    /// A carriage return held back from the end of the last read.
    held_cr: bool,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.len() < 2 {
            return self.inner.read(buf);
        }
        let start = usize::from(self.held_cr);
        let n = self.inner.read(&mut buf[start..])?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(io::Error::other(too_large(self.limit)));
        }
        if self.held_cr {
            buf[0] = b'\r';
            self.held_cr = false;
        }
        let mut end = start + n;
        // A carriage return last in the buffer may start a CRLF: hold it back.
        if n > 0 && buf[end - 1] == b'\r' {
            self.held_cr = true;
            end -= 1;
        }
        let mut out = 0;
        for i in 0..end {
            if buf[i] == b'\r' && i + 1 < end && buf[i + 1] == b'\n' {
                continue;
            }
            buf[out] = buf[i];
            out += 1;
        }
        if out == 0 && self.held_cr && n == 0 {
            // End of input after a lone carriage return.
            self.held_cr = false;
            buf[0] = b'\r';
            return Ok(1);
        }
        if out == 0 && self.held_cr {
            // Only the held carriage return so far: read on.
            return self.read(buf);
        }
        Ok(out)
    }
}

/// The message for a file over the limit.
pub fn too_large(limit: u64) -> String {
    format!(
        "the file is larger than {} MiB, the most an import accepts; split it into smaller files",
        limit / (1024 * 1024)
    )
}

/// The spreadsheet letter of a zero-based column index: A, B, … Z, AA, …
pub fn letter(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// One data row: its line, and its cells in the order of the kind's columns.
#[derive(Clone, Debug)]
pub struct Row {
    pub line: u64,
    cells: Vec<String>,
    names: Vec<String>,
}

impl Row {
    /// The cell of the `i`th column of the kind (as listed in `kinds`).
    pub fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or("")
    }

    /// `forecast_on (C)`: how problems name the `i`th column.
    pub fn column(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }

    /// A problem with the `i`th column's cell.
    pub fn problem(&self, i: usize, reason: impl Into<String>) -> Problem {
        Problem::cell(self.line, self.column(i), self.cell(i), reason)
    }

    /// Test rows: the cells in the kind's column order.
    pub fn for_test(line: u64, cells: &[&str], columns: &[Column]) -> Row {
        Row {
            line,
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
            names: columns
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{} ({})", c.name, letter(i)))
                .collect(),
        }
    }
}

/// The rows of one file, read one at a time.
pub struct Rows<R: Read> {
    reader: csv::Reader<Limited<R>>,
    /// For each of the kind's columns, its index in the file.
    positions: Vec<usize>,
    names: Vec<String>,
    width: usize,
    record: ByteRecord,
    rows: u64,
    done: bool,
}

/// Opens a file: reads and checks the header row. Header problems are all
/// listed, and no row is read after them.
pub fn open<R: Read>(source: R, columns: &[Column]) -> Result<Rows<R>, Problems> {
    let limited = Limited {
        inner: source,
        read: 0,
        limit: MAX_FILE_BYTES,
        held_cr: false,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(limited);
    let mut problems = Problems::default();
    let expected: Vec<&str> = columns.iter().map(|c| c.name).collect();
    let mut header = ByteRecord::new();
    match reader.read_byte_record(&mut header) {
        Ok(true) => {}
        Ok(false) => {
            problems.push(Problem::file(format!(
                "the file is empty; the first line must be the header row: {}",
                expected.join(",")
            )));
            return Err(problems);
        }
        Err(e) => {
            problems.push(Problem::file(csv_error(&e)));
            return Err(problems);
        }
    }
    let mut found: Vec<String> = Vec::new();
    for (i, field) in header.iter().enumerate() {
        let field = field.strip_prefix("\u{feff}".as_bytes()).unwrap_or(field);
        match std::str::from_utf8(field) {
            Ok(name) => found.push(name.trim().to_ascii_lowercase()),
            Err(_) => {
                problems.push(Problem::cell(
                    1,
                    &letter(i),
                    String::from_utf8_lossy(field),
                    "is not UTF-8 text; save the file as CSV UTF-8",
                ));
                found.push(String::new());
            }
        }
    }
    for (i, name) in found.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        if !expected.contains(&name.as_str()) {
            problems.push(Problem::cell(
                1,
                &letter(i),
                name.clone(),
                format!(
                    "is not a column of this file; the columns are {}",
                    expected.join(",")
                ),
            ));
        } else if found[..i].contains(name) {
            problems.push(Problem::cell(
                1,
                &letter(i),
                name.clone(),
                "appears twice in the header row",
            ));
        }
    }
    let mut positions = Vec::new();
    let mut names = Vec::new();
    for column in columns {
        match found.iter().position(|f| f == column.name) {
            Some(p) => {
                positions.push(p);
                names.push(format!("{} ({})", column.name, letter(p)));
            }
            None => problems.push(Problem::row(
                1,
                format!(
                    "the header row lacks the column {}; the columns are {}",
                    column.name,
                    expected.join(",")
                ),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Rows {
        reader,
        positions,
        names,
        width: header.len(),
        record: ByteRecord::new(),
        rows: 0,
        done: false,
    })
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => format!("cannot be read as CSV: {e}"),
    }
}

/// What reading the next row found.
pub enum Next {
    Row(Row),
    /// A row with problems (already listed); carry on with the next.
    Skipped,
    End,
}

impl<R: Read> Rows<R> {
    /// `forecast_on (C)`: how problems name the kind's `i`th column in this file.
    pub fn column_name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }

    /// `forecast_on (C)` and the rest: every column's name as problems give it.
    pub fn column_names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// The next row that can be checked, passing over rows with structural
    /// problems (listed in `problems`); `None` at the end of the file.
    pub fn next_row(&mut self, problems: &mut Problems) -> Option<Row> {
        loop {
            match self.next(problems) {
                Next::Row(row) => return Some(row),
                Next::Skipped => continue,
                Next::End => return None,
            }
        }
    }

    /// Bytes read so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.reader.get_ref().read
    }

    /// The next row; its structural problems go to `problems`. A read error
    /// (the size limit, a failing disk) ends the file with a problem.
    pub fn next(&mut self, problems: &mut Problems) -> Next {
        loop {
            if self.done {
                return Next::End;
            }
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    if self.rows == 0 {
                        problems.push(Problem::file(
                            "the file has a header row but no rows to import",
                        ));
                    }
                    return Next::End;
                }
                Err(e) => {
                    self.done = true;
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    problems.push(Problem::row(line, csv_error(&e)));
                    return Next::End;
                }
            }
            let line = self.record.position().map(|p| p.line()).unwrap_or(0);
            if self
                .record
                .iter()
                .all(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            self.rows += 1;
            return self.convert(line, problems);
        }
    }

    fn convert(&mut self, line: u64, problems: &mut Problems) -> Next {
        let mut ok = true;
        if self.record.len() != self.width {
            ok = false;
            let (more, n) = if self.record.len() > self.width {
                ("more", self.record.len() - self.width)
            } else {
                ("fewer", self.width - self.record.len())
            };
            problems.push(Problem::row(
                line,
                format!(
                    "has {} cells but the header row has {} ({n} {more}); \
                     a comma inside a value needs the value in double quotes",
                    self.record.len(),
                    self.width
                ),
            ));
        }
        let mut texts = Vec::with_capacity(self.record.len());
        for (i, field) in self.record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(text) => {
                    if text.contains(['\n', '\r']) {
                        ok = false;
                        let shown: String = text.chars().take(40).collect();
                        problems.push(Problem::cell(
                            line,
                            &self.name_at(i),
                            shown,
                            "runs across lines: a double quote is left open (close it, \
                             or double a quote inside a value as \"\")",
                        ));
                    }
                    texts.push(text);
                }
                Err(e) => {
                    ok = false;
                    problems.push(Problem::cell(
                        line,
                        &self.name_at(i),
                        String::from_utf8_lossy(field),
                        format!(
                            "is not UTF-8 text (byte {} is not valid); save the file as CSV UTF-8",
                            e.valid_up_to() + 1
                        ),
                    ));
                    texts.push("");
                }
            }
        }
        if !ok {
            return Next::Skipped;
        }
        let cells = self
            .positions
            .iter()
            .map(|&p| texts.get(p).copied().unwrap_or("").to_owned())
            .collect();
        Next::Row(Row {
            line,
            cells,
            names: self.names.clone(),
        })
    }

    /// `status (D)` for a file column, whether or not the kind reads it.
    fn name_at(&self, file_index: usize) -> String {
        match self.positions.iter().position(|&p| p == file_index) {
            Some(k) => self.names[k].clone(),
            None => letter(file_index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::interchange::kinds::Column;

    const COLUMNS: &[Column] = &[
        Column::new("a", true, "first", "1"),
        Column::new("b", false, "second", "2"),
    ];

    fn read_all(text: &[u8]) -> (Vec<Vec<String>>, Vec<String>) {
        let mut problems = Problems::default();
        let mut rows = Vec::new();
        match open(text, COLUMNS) {
            Err(p) => return (rows, p.listed.iter().map(|p| p.to_string()).collect()),
            Ok(mut r) => loop {
                match r.next(&mut problems) {
                    Next::Row(row) => {
                        rows.push(vec![row.cell(0).to_owned(), row.cell(1).to_owned()])
                    }
                    Next::Skipped => {}
                    Next::End => break,
                }
            },
        }
        (
            rows,
            problems.listed.iter().map(|p| p.to_string()).collect(),
        )
    }

    #[test]
    fn bom_crlf_quotes_and_column_order() {
        let (rows, problems) =
            read_all(b"\xEF\xBB\xBFb,a\r\n\"x, y\",1\r\n\r\n,\r\n\"say \"\"hi\"\"\",2\r\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows, [["1", "x, y"], ["2", "say \"hi\""]]);
    }

    #[test]
    fn header_problems_are_all_listed() {
        let (_, problems) = read_all(b"a,c,a\n1,2,3\n");
        assert_eq!(
            problems,
            [
                "line 1, column B, \"c\": is not a column of this file; the columns are a,b",
                "line 1, column C, \"a\": appears twice in the header row",
                "line 1: the header row lacks the column b; the columns are a,b",
            ]
        );
    }

    #[test]
    fn next_row_passes_over_a_bad_row_and_lists_it() {
        let mut problems = Problems::default();
        let mut rows = open(&b"b,a\n1,2\n3\n4,5\n"[..], COLUMNS).expect("a good header");
        assert_eq!(rows.column_names(), ["a (B)", "b (A)"]);
        let mut read = Vec::new();
        while let Some(row) = rows.next_row(&mut problems) {
            read.push((row.line, row.cell(0).to_owned()));
        }
        assert_eq!(read, [(2, "2".to_owned()), (4, "5".to_owned())]);
        assert_eq!(problems.listed.len(), 1, "{problems:?}");
        assert!(
            problems.listed[0]
                .to_string()
                .starts_with("line 3: has 1 cells")
        );
    }

    #[test]
    fn empty_and_header_only_files() {
        assert!(read_all(b"").1[0].contains("the file is empty"));
        assert!(read_all(b"a,b\r\n").1[0].contains("header row but no rows"));
    }

    #[test]
    fn ragged_rows_bad_bytes_and_open_quotes_are_placed() {
        let (rows, problems) = read_all(b"a,b\n1,2,3\n4\n5,caf\xE9\n6,\"open\n7,8\n");
        assert!(rows.is_empty(), "{rows:?}");
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("line 2: has 3 cells but the header row has 2"));
        assert!(problems[1].starts_with("line 3: has 1 cells"));
        assert!(problems[2].starts_with("line 4, column b (B), \"caf\u{FFFD}\": is not UTF-8"));
        assert!(problems[3].starts_with("line 5, column b (B)"));
        assert!(problems[3].contains("double quote is left open"));
    }

    #[test]
    fn crlf_lines_are_numbered_like_lf_lines() {
        let (_, crlf) = read_all(b"a,b\r\n1,2\r\n3,4,5\r\n");
        let (_, lf) = read_all(b"a,b\n1,2\n3,4,5\n");
        assert_eq!(crlf, lf);
        assert!(lf[0].starts_with("line 3:"), "{lf:?}");
    }

    #[test]
    fn crlf_split_across_reads_and_a_lone_cr_at_the_end() {
        /// Hands out one byte at a time.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.split_first() {
                    Some((b, rest)) if !buf.is_empty() => {
                        buf[0] = *b;
                        self.0 = rest;
                        Ok(1)
                    }
                    _ => Ok(0),
                }
            }
        }
        let mut limited = Limited {
            inner: Trickle(b"a\r\nb\rc\r"),
            read: 0,
            limit: 100,
            held_cr: false,
        };
        let mut out = Vec::new();
        limited.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"a\nb\rc\r");
    }

    #[test]
    fn letters_count_like_a_spreadsheet() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(27), "AB");
        assert_eq!(letter(701), "ZZ");
        assert_eq!(letter(702), "AAA");
    }
}
