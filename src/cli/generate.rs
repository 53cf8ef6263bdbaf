//! `gde generate`: write a synthetic programme as seed CSVs.
use std::path::Path;

use anyhow::Context;

use crate::generate::{Options, generate};

/// Writes every file of the programme under `out` (and `out/illustrative`),
/// then says what it wrote and how to load it.
pub fn run(options: &Options, out: &Path) -> anyhow::Result<()> {
    let files = generate(options).map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(out.join("illustrative"))
        .with_context(|| format!("creating {}", out.join("illustrative").display()))?;
    let mut rows = 0usize;
    for (name, text) in &files {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        if name.ends_with(".csv") {
            rows += text.lines().count().saturating_sub(1);
        }
    }
    println!(
        "Wrote a synthetic programme of {} participants ({rows} rows in {} files) to {}.\n\
         Load it with: gde seed --dir {}",
        options.participants,
        files.len() - 1,
        out.display(),
        out.display()
    );
    Ok(())
}
