//! `gde export 360giving`: the awards as a 360Giving data package.
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::reports::giving360::{IllustrativePolicy, Publisher};
use crate::services::By;
use crate::services::open_data::{self, Audience};

pub struct Giving360Args {
    pub out: Option<PathBuf>,
    pub prefix: String,
    pub funder_id: String,
    pub funder_name: String,
    pub illustrative: String,
}

pub async fn giving360(db: &DatabaseConnection, args: Giving360Args) -> anyhow::Result<()> {
    let illustrative = IllustrativePolicy::parse(&args.illustrative)
        .map_err(|reason| anyhow::anyhow!("--illustrative: {reason}"))?;
    let publisher = Publisher {
        prefix: args.prefix,
        funder_id: args.funder_id,
        funder_name: args.funder_name,
        illustrative,
    };
    let today = time::OffsetDateTime::now_utc().date();
    let publication =
        open_data::giving360(db, Some(&By::Cli), Audience::Office, &publisher, today).await?;
    let text = serde_json::to_string_pretty(&publication.json)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .with_context(|| format!("could not write {}", path.display()))?;
            eprintln!(
                "360Giving package: {} grants written to {}{}",
                publication.grants,
                path.display(),
                left_out_note(publication.left_out)
            );
        }
        None => {
            println!("{text}");
            eprintln!(
                "360Giving package: {} grants{}",
                publication.grants,
                left_out_note(publication.left_out)
            );
        }
    }
    Ok(())
}

fn left_out_note(left_out: usize) -> String {
    match left_out {
        0 => String::new(),
        n => format!("; {n} illustrative allocations left out"),
    }
}

/// Where a record export goes: the file, or standard output.
fn sink(out: &Option<PathBuf>) -> anyhow::Result<Box<dyn std::io::Write + Send>> {
    Ok(match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("could not write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    })
}

/// `gde export <kind> --template`: the header row and one example row (no database needed).
pub fn records_template(
    kind: crate::services::interchange::Kind,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut sink = sink(&out)?;
    sink.write_all(kind.template().as_bytes())?;
    sink.flush()?;
    Ok(())
}

/// `gde export <kind>`: the records as CSV with the import's headers, for
/// participants through the list page's filters (`list`): the same service
/// call as the list page's "Download CSV".
pub async fn records(
    db: &DatabaseConnection,
    kind: crate::services::interchange::Kind,
    out: Option<PathBuf>,
    period: Option<String>,
    ods: Option<String>,
    list: &crate::services::interchange::ListFilter,
) -> anyhow::Result<()> {
    use crate::services::interchange::{self, ExportFilter};
    let mut filter = ExportFilter {
        period,
        ..Default::default()
    };
    filter.milestones.participant = ods.map(|o| o.trim().to_uppercase());
    let mut sink = sink(&out)?;
    let rows = interchange::export_listed(db, &By::Cli, kind, &filter, list, &mut sink).await?;
    sink.flush()?;
    let place = out
        .as_ref()
        .map(|p| format!(" to {}", p.display()))
        .unwrap_or_default();
    eprintln!("{}: {rows} rows written{place}", kind.title());
    Ok(())
}
