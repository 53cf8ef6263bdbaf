//! `gde report briefing`: the briefing pack on disk.
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use sea_orm::DatabaseConnection;

use crate::reports::briefing::{self, Progress};

struct Console {
    started: Instant,
}

impl Progress for Console {
    fn step(&mut self, done: usize, total: usize, what: &str) {
        let mut err = std::io::stderr();
        let _ = writeln!(err, "[{done:>2}/{total}] wrote {what}");
    }
}

pub async fn briefing(
    db: &DatabaseConnection,
    as_at: time::Date,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(format!("briefing-{as_at}")));
    let mut console = Console {
        started: Instant::now(),
    };
    eprintln!("Reading the programme as at {as_at}…");
    let snapshot = crate::services::snapshot::as_at(db, &crate::services::By::Cli, as_at).await?;
    eprintln!(
        "Drawing {} charts…",
        crate::reports::catalogue::ChartKind::ALL.len()
    );
    let pack = tokio::task::spawn_blocking(move || briefing::assemble(&snapshot)).await??;
    let dir = out.clone();
    let written = tokio::task::spawn_blocking(move || {
        briefing::write(&pack, &dir, &mut console).map(|w| (w, console.started))
    })
    .await??;
    println!(
        "Briefing pack as at {as_at}: {} files in {} ({} ms)",
        written.0.len(),
        out.display(),
        written.1.elapsed().as_millis()
    );
    Ok(())
}
