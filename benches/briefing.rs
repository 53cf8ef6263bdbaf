//! The whole briefing pack on the seed data: reading the programme as at a
//! date, computing figures, drawing every chart (SVG and PNG) and writing
//! the files. Target: at most 1 s.
use criterion::{Criterion, criterion_group, criterion_main};

fn briefing(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let db = runtime.block_on(async {
        let db = gde::db::connect(&url, 4).await.unwrap();
        gde::db::migrate(&db).await.unwrap();
        gde::seed::load(&db, &gde::seed::SeedSet::embedded(), Default::default())
            .await
            .unwrap();
        db
    });
    let as_at = time::OffsetDateTime::now_utc().date();
    let out = dir.path().join("pack");
    struct Quiet;
    impl gde::reports::briefing::Progress for Quiet {
        fn step(&mut self, _: usize, _: usize, _: &str) {}
    }
    let mut group = c.benchmark_group("briefing pack (seed data)");
    group.sample_size(10);
    group.bench_function("snapshot only", |b| {
        b.iter(|| {
            runtime
                .block_on(gde::services::snapshot::as_at(
                    &db,
                    &gde::services::By::Cli,
                    as_at,
                ))
                .unwrap()
        })
    });
    group.bench_function(
        "whole pack: snapshot, figures, 6 charts as SVG and PNG, files",
        |b| {
            b.iter(|| {
                let snapshot = runtime
                    .block_on(gde::services::snapshot::as_at(
                        &db,
                        &gde::services::By::Cli,
                        as_at,
                    ))
                    .unwrap();
                let pack = gde::reports::briefing::assemble(&snapshot).unwrap();
                gde::reports::briefing::write(&pack, &out, &mut Quiet).unwrap();
            })
        },
    );
    group.finish();
}

criterion_group!(benches, briefing);
criterion_main!(benches);
