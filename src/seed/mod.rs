//! Loading the programme's seed data: the confirmed facts in `seed-data/` and
//! the clearly labelled illustrative set in `seed-data/illustrative/`.
//!
//! Every cell goes through the same domain constructors as user input; the
//! whole set is validated before anything is written, then written in one
//! transaction (loads on one database take turns), so a load killed at any
//! moment leaves nothing behind. Rows whose natural key already exists are
//! left alone, so seeding twice changes nothing. Organisation names are
//! compared as `domain::names::NameKey` (ignoring case and spacing): a name
//! used twice in the files, or already used by another organisation in the
//! database, is refused at its file, line and column, as is any row a unique
//! index refuses. Caps shared by a group of participants (`cap_groups.csv`,
//! `cap_group_members.csv`) hold like every other cap: an allocation that
//! would take a group over its cap, in the files or counting what the
//! database already holds, is refused at its line's `central` column.
mod bulk;
mod csv_table;
mod records;
mod validate;
mod write;

use std::fmt;
use std::path::Path;

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

pub use write::SeedReport;

/// Which parts of the seed to load.
#[derive(Clone, Copy, Debug)]
pub struct SeedOptions {
    pub include_illustrative: bool,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            include_illustrative: true,
        }
    }
}

/// A seed error names the file and, where it can, the line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
}

impl SeedError {
    pub fn file(file: &str, message: impl Into<String>) -> SeedError {
        SeedError {
            file: file.to_owned(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(file: &str, line: u64, column: Option<&str>, message: String) -> SeedError {
        SeedError {
            file: file.to_owned(),
            line: Some(line),
            column: column.map(str::to_owned),
            message,
        }
    }
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SeedError {}

/// The seed files by their path relative to `seed-data/`.
pub const CONFIRMED_FILES: &[&str] = &[
    "organisations.csv",
    "participants.csv",
    "pairings.csv",
    "partner_organisations.csv",
    "partnerships.csv",
    "funding_caps.csv",
    "cap_groups.csv",
    "cap_group_members.csv",
    "maturity_assessments.csv",
];
pub const ILLUSTRATIVE_FILES: &[&str] = &[
    "illustrative/allocations.csv",
    "illustrative/allocation_profiles.csv",
    "illustrative/milestones.csv",
    "illustrative/tranches.csv",
    "illustrative/maturity_assessments.csv",
    "illustrative/reporting_periods.csv",
    "illustrative/returns.csv",
    "illustrative/return_milestone_updates.csv",
    "illustrative/return_risks.csv",
];

/// Each seed file by relative path: its text, or where to read it from
/// (read a row at a time when loaded, never held whole).
#[derive(Clone, Debug)]
pub struct SeedSet {
    /// Shown in error messages before each file name, e.g. `seed-data/`.
    prefix: String,
    files: Vec<(String, FileSource)>,
}

#[derive(Clone, Debug)]
enum FileSource {
    Text(String),
    Path(std::path::PathBuf),
}

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        vec![$(($path.to_owned(), FileSource::Text(include_str!(concat!("../../seed-data/", $path)).to_owned()))),*]
    };
}

impl SeedSet {
    /// The copy of `seed-data/` compiled into the binary, so `gde` works from any folder.
    pub fn embedded() -> SeedSet {
        SeedSet {
            prefix: "seed-data/".into(),
            files: embed![
                "organisations.csv",
                "participants.csv",
                "pairings.csv",
                "partner_organisations.csv",
                "partnerships.csv",
                "funding_caps.csv",
                "cap_groups.csv",
                "cap_group_members.csv",
                "maturity_assessments.csv",
                "illustrative/allocations.csv",
                "illustrative/allocation_profiles.csv",
                "illustrative/milestones.csv",
                "illustrative/tranches.csv",
                "illustrative/maturity_assessments.csv",
                "illustrative/reporting_periods.csv",
                "illustrative/returns.csv",
                "illustrative/return_milestone_updates.csv",
                "illustrative/return_risks.csv",
            ],
        }
    }

    /// Reads the seed files from a folder laid out like `seed-data/`.
    pub fn from_dir(dir: &Path) -> Result<SeedSet, SeedError> {
        let mut files = Vec::new();
        for name in CONFIRMED_FILES.iter().chain(ILLUSTRATIVE_FILES) {
            let path = dir.join(name);
            // Refused now if it cannot be opened; read when loaded.
            std::fs::File::open(&path)
                .map_err(|e| SeedError::file(&path.display().to_string(), e.to_string()))?;
            files.push(((*name).to_owned(), FileSource::Path(path)));
        }
        Ok(SeedSet {
            prefix: format!("{}/", dir.display()),
            files,
        })
    }

    /// A set from in-memory texts (for tests of bad input).
    pub fn from_texts(files: Vec<(String, String)>) -> SeedSet {
        SeedSet {
            prefix: String::new(),
            files: files
                .into_iter()
                .map(|(name, text)| (name, FileSource::Text(text)))
                .collect(),
        }
    }

    /// Replaces one file's text (for tests of bad input).
    pub fn with_file(mut self, name: &str, text: &str) -> SeedSet {
        match self.files.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = FileSource::Text(text.to_owned()),
            None => self
                .files
                .push((name.to_owned(), FileSource::Text(text.to_owned()))),
        }
        self
    }

    /// A file's name as errors show it, and its bytes as a stream.
    fn open(&self, name: &str) -> Result<(String, Box<dyn std::io::Read + Send + '_>), SeedError> {
        let display = format!("{}{}", self.prefix, name);
        match self.files.iter().find(|(n, _)| n == name) {
            Some((_, FileSource::Text(text))) => Ok((display, Box::new(text.as_bytes()))),
            Some((_, FileSource::Path(path))) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| SeedError::file(&display, e.to_string()))?;
                Ok((
                    display,
                    Box::new(std::io::BufReader::with_capacity(1 << 16, file)),
                ))
            }
            None => Err(SeedError::file(&display, "the file is missing")),
        }
    }

    /// A file's text, when the set holds it (for tests of bad input).
    #[cfg(test)]
    fn text(&self, name: &str) -> Result<(String, &str), SeedError> {
        let display = format!("{}{}", self.prefix, name);
        match self.files.iter().find(|(n, _)| n == name) {
            Some((_, FileSource::Text(text))) => Ok((display, text.as_str())),
            _ => Err(SeedError::file(&display, "the file is not held in memory")),
        }
    }
}

/// True when the database holds no programme data yet.
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    use crate::entities::{Organisations, Participants};
    Ok(Organisations::find().count(db).await? == 0 && Participants::find().count(db).await? == 0)
}

/// Why loading failed: bad seed data (with its place) or the database.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Seed(#[from] SeedError),
    #[error("database error while seeding: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// Validates the whole set, then writes what is missing in one transaction.
pub async fn load(
    db: &DatabaseConnection,
    set: &SeedSet,
    options: SeedOptions,
) -> Result<SeedReport, LoadError> {
    let seed = validate::parse_and_check(set, options)?;
    write::write(db, set, &seed).await
}

/// Parses and checks a set without touching a database.
pub fn check(set: &SeedSet, options: SeedOptions) -> Result<(), SeedError> {
    validate::parse_and_check(set, options).map(|_| ())
}
