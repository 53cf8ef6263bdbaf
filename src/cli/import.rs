//! `gde import <kind> FILE [--dry-run]`: a spreadsheet's rows into the
//! records, all or nothing, with every problem listed (line, column, value,
//! reason) and a progress bar on a terminal.
use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::domain::interchange::MAX_FILE_BYTES;
use crate::domain::interchange::reader::too_large;
use crate::services::By;
use crate::services::interchange::{self, Kind, Source};

/// The kinds `import` and `export` accept, listed by clap when another is given.
pub fn kind_codes() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(Kind::ALL.iter().map(|k| k.code()))
}

/// Runs an import; an error (exit 1) when the file had problems.
pub async fn run(
    db: &DatabaseConnection,
    kind: &str,
    file: &Path,
    dry_run: bool,
    rating_scale: crate::domain::rating::RatingScale,
) -> anyhow::Result<()> {
    let kind = Kind::from_code(kind).context("unknown kind")?;
    let size = std::fs::metadata(file)
        .with_context(|| format!("could not read {}", file.display()))?
        .len();
    if size > MAX_FILE_BYTES {
        anyhow::bail!("{}: {}", file.display(), too_large(MAX_FILE_BYTES));
    }
    let reader = std::io::BufReader::with_capacity(
        256 * 1024,
        std::fs::File::open(file).with_context(|| format!("could not open {}", file.display()))?,
    );
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(size);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message("Checking rows");
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let tick = bar.clone();
    let mut progress = move |bytes: u64| tick.set_position(bytes);
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let outcome = interchange::import(
        db,
        &By::Cli,
        kind,
        Source {
            reader,
            file_name: &name,
            rating_scale,
        },
        dry_run,
        &mut progress,
    )
    .await?;
    bar.finish_and_clear();
    if !outcome.problems.is_empty() {
        for problem in &outcome.problems.listed {
            eprintln!("{}: {problem}", file.display());
        }
        let unlisted = outcome.problems.total - outcome.problems.listed.len() as u64;
        if unlisted > 0 {
            eprintln!("… and {unlisted} more problems not listed");
        }
        anyhow::bail!("{}: {}", file.display(), outcome.summary());
    }
    if dry_run {
        for row in &outcome.rows {
            println!("line {}: {} {}", row.line, row.key, row.action.label(true));
        }
        let listed = outcome.rows.len() as u64;
        let total = outcome.created + outcome.updated + outcome.unchanged;
        if total > listed {
            println!("… and {} more rows", total - listed);
        }
    }
    println!(
        "{} {}: {}{}",
        kind.title(),
        file.display(),
        outcome.summary(),
        if outcome.written() {
            format!(" (import {})", outcome.import_id)
        } else {
            String::new()
        }
    );
    Ok(())
}
