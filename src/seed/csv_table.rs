//! Reading a seed CSV file into rows whose cells convert through domain
//! constructors, with errors that name the file, line and column.
use std::collections::HashMap;
use std::fmt::Display;
use std::io::Read;
use std::sync::Arc;

use csv::StringRecord;

use super::SeedError;

/// A seed file being read: its header, and its rows one at a time (memory
/// stays flat whatever the file's size).
pub struct CsvTable<'a> {
    header: Arc<Header>,
    reader: csv::Reader<Box<dyn Read + Send + 'a>>,
}

struct Header {
    file: Arc<str>,
    columns: HashMap<String, usize>,
}

impl<'a> CsvTable<'a> {
    /// Opens `input`, insisting on every column in `expected` being present.
    pub fn parse(
        file: &str,
        input: Box<dyn Read + Send + 'a>,
        expected: &[&str],
    ) -> Result<CsvTable<'a>, SeedError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers = reader
            .headers()
            .map_err(|e| SeedError::file(file, format!("cannot read the header row: {e}")))?
            .clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim_start_matches('\u{feff}').to_owned(), i))
            .collect();
        let missing: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|c| !columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(SeedError::file(
                file,
                format!(
                    "the header row lacks column(s) {}; expected {}",
                    missing.join(", "),
                    expected.join(",")
                ),
            ));
        }
        Ok(CsvTable {
            header: Arc::new(Header {
                file: Arc::from(file),
                columns,
            }),
            reader,
        })
    }

    /// The rows in file order, skipping blank ones; a malformed row ends
    /// the file with its error.
    pub fn into_rows(mut self) -> impl Iterator<Item = Result<Row, SeedError>> + Send + 'a {
        let header = self.header.clone();
        let mut record = StringRecord::new();
        std::iter::from_fn(move || {
            loop {
                match self.reader.read_record(&mut record) {
                    Ok(false) => return None,
                    Ok(true) if record.iter().all(|cell| cell.is_empty()) => continue,
                    Ok(true) => {
                        return Some(Ok(Row {
                            header: header.clone(),
                            record: record.clone(),
                        }));
                    }
                    Err(e) => {
                        let line = e.position().map(|p| p.line()).unwrap_or(0);
                        return Some(Err(SeedError::at(
                            &header.file,
                            line,
                            None,
                            format!("malformed CSV: {e}"),
                        )));
                    }
                }
            }
        })
    }
}

pub struct Row {
    header: Arc<Header>,
    record: StringRecord,
}

impl Row {
    pub fn line(&self) -> u64 {
        self.record.position().map(|p| p.line()).unwrap_or(0)
    }

    pub fn file(&self) -> &Arc<str> {
        &self.header.file
    }

    /// The trimmed cell; empty when absent.
    pub fn text(&self, column: &str) -> &str {
        self.header
            .columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }

    pub fn optional(&self, column: &str) -> Option<&str> {
        Some(self.text(column)).filter(|s| !s.is_empty())
    }

    pub fn required(&self, column: &str) -> Result<&str, SeedError> {
        self.optional(column)
            .ok_or_else(|| self.error(Some(column), "is empty but a value is required"))
    }

    /// A required cell converted by a domain constructor.
    pub fn parse<T, E: Display>(
        &self,
        column: &str,
        convert: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, SeedError> {
        let text = self.required(column)?;
        convert(text).map_err(|e| self.error(Some(column), e.to_string()))
    }

    /// An optional cell converted by a domain constructor when present.
    pub fn parse_optional<T, E: Display>(
        &self,
        column: &str,
        convert: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, SeedError> {
        self.optional(column)
            .map(|text| convert(text).map_err(|e| self.error(Some(column), e.to_string())))
            .transpose()
    }

    pub fn error(&self, column: Option<&str>, message: impl Into<String>) -> SeedError {
        SeedError::at(&self.header.file, self.line(), column, message.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_missing_columns_by_name() {
        let err = CsvTable::parse("x.csv", Box::new("a,b\n1,2\n".as_bytes()), &["a", "c"])
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "x.csv: the header row lacks column(s) c; expected a,c"
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let table =
            CsvTable::parse("x.csv", Box::new("a,b\n1,2\n3,\n".as_bytes()), &["a", "b"]).unwrap();
        let rows: Vec<_> = table.into_rows().map(Result::unwrap).collect();
        assert_eq!(rows[0].required("b").unwrap(), "2");
        let err = rows[1].required("b").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.csv line 3, column b: is empty but a value is required"
        );
    }

    #[test]
    fn skips_blank_lines_and_trims_cells() {
        let table = CsvTable::parse(
            "x.csv",
            Box::new("a,b\n  1  ,x\n,\n\n2,y\n".as_bytes()),
            &["a", "b"],
        )
        .unwrap();
        let values: Vec<_> = table
            .into_rows()
            .map(|r| r.unwrap().text("a").to_owned())
            .collect();
        assert_eq!(values, ["1", "2"]);
    }
}
