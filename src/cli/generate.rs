//! `gde generate`: write a synthetic programme as seed CSVs.
use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::generate::{CSV_FILES, Options, generate_into, readme};

/// Writes every file of the programme under `out` (and `out/illustrative`),
/// a row at a time, then says what it wrote and how to load it.
pub fn run(options: &Options, out: &Path) -> anyhow::Result<()> {
    options.check().map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(out.join("illustrative"))
        .with_context(|| format!("creating {}", out.join("illustrative").display()))?;
    let path = out.join("README.md");
    std::fs::write(&path, readme(options))
        .with_context(|| format!("writing {}", path.display()))?;
    let (files, rows) = generate_into(options, |name| {
        std::fs::File::create(out.join(name)).map(|f| std::io::BufWriter::with_capacity(1 << 16, f))
    })
    .map_err(|e| anyhow::anyhow!("writing {}/{e}", out.display()))?;
    for (mut file, (name, _)) in files.into_iter().zip(CSV_FILES) {
        file.flush()
            .with_context(|| format!("writing {}", out.join(name).display()))?;
    }
    println!(
        "Wrote a synthetic programme of {} participants ({rows} rows in {} files) to {}.\n\
         Load it with: gde seed --dir {}",
        options.participants,
        CSV_FILES.len(),
        out.display(),
        out.display()
    );
    Ok(())
}
