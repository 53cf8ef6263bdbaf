//! Spreadsheet interchange: the pure half of CSV import and export.
//!
//! [`reader`] turns a byte stream into rows (UTF-8 with or without a byte
//! order mark, CRLF or LF, quoted fields) with every problem placed by line
//! and column; [`cells`] holds the one rule for each kind of cell (money,
//! dates, text a spreadsheet might run as a formula); [`kinds`] lists each
//! kind of file: its columns, what each means, an example row, and the pure
//! checks of one row. Nothing here touches the database.
pub mod cells;
pub mod kinds;
pub mod reader;

use std::fmt;

/// The largest file an import accepts: 256 MiB (about five million
/// milestone-progress rows). Bigger files are refused before any row is read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// At most this many problems are listed (all are counted): a file with a
/// million bad rows gets the first 10,000 and the total.
pub const MAX_LISTED_PROBLEMS: usize = 10_000;

/// One problem with an imported file: where (line, column), what was there,
/// and why it is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The physical line of the file, counting the header as line 1; 0 for
    /// the file as a whole.
    pub line: u64,
    /// The column's header name (and letter), when the problem is one cell.
    pub column: Option<String>,
    /// The cell as found (empty when the problem is not one cell).
    pub value: String,
    pub reason: String,
}

impl Problem {
    pub fn file(reason: impl Into<String>) -> Problem {
        Problem {
            line: 0,
            column: None,
            value: String::new(),
            reason: reason.into(),
        }
    }

    pub fn row(line: u64, reason: impl Into<String>) -> Problem {
        Problem {
            line,
            column: None,
            value: String::new(),
            reason: reason.into(),
        }
    }

    pub fn cell(
        line: u64,
        column: &str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Problem {
        Problem {
            line,
            column: Some(column.to_owned()),
            value: value.into(),
            reason: reason.into(),
        }
    }
}

/// `line 12, column forecast_on, "31/02/2019": 31/02/2019 is not a real date`.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str("the file")?;
        } else {
            write!(f, "line {}", self.line)?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        if !self.value.is_empty() || self.column.is_some() {
            write!(f, ", {:?}", self.value)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Problems in file order, at most [`MAX_LISTED_PROBLEMS`] kept, all counted.
#[derive(Clone, Debug, Default)]
pub struct Problems {
    pub listed: Vec<Problem>,
    pub total: u64,
}

impl Problems {
    pub fn push(&mut self, problem: Problem) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(problem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// In file order (line, then column as found), stable.
    pub fn sort(&mut self) {
        self.listed.sort_by_key(|p| p.line);
    }
}

/// What an import did, or (in a dry run) would do, to one row's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
}

impl RowAction {
    pub fn code(self) -> &'static str {
        match self {
            RowAction::Create => "create",
            RowAction::Update => "update",
            RowAction::Unchanged => "unchanged",
        }
    }

    pub fn from_code(code: &str) -> Option<RowAction> {
        match code {
            "create" => Some(RowAction::Create),
            "update" => Some(RowAction::Update),
            "unchanged" => Some(RowAction::Unchanged),
            _ => None,
        }
    }

    /// `would be created` / `created`.
    pub fn label(self, dry_run: bool) -> &'static str {
        match (self, dry_run) {
            (RowAction::Create, true) => "would be created",
            (RowAction::Create, false) => "created",
            (RowAction::Update, true) => "would be updated",
            (RowAction::Update, false) => "updated",
            (RowAction::Unchanged, _) => "unchanged",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_read_with_line_column_and_value() {
        assert_eq!(
            Problem::cell(12, "forecast_on (C)", "31/02/2019", "not a real date").to_string(),
            "line 12, column forecast_on (C), \"31/02/2019\": not a real date"
        );
        assert_eq!(
            Problem::file("the file is empty").to_string(),
            "the file: the file is empty"
        );
        assert_eq!(
            Problem::row(3, "ODS code RXX is not a participant").to_string(),
            "line 3: ODS code RXX is not a participant"
        );
    }

    #[test]
    fn only_the_first_problems_are_kept_but_all_are_counted() {
        let mut problems = Problems::default();
        for line in 0..(MAX_LISTED_PROBLEMS as u64 + 5) {
            problems.push(Problem::row(line + 2, "bad"));
        }
        assert_eq!(problems.total, MAX_LISTED_PROBLEMS as u64 + 5);
        assert_eq!(problems.listed.len(), MAX_LISTED_PROBLEMS);
    }
}
