//! Chart rendering benchmarks at 1600×900: every chart as SVG and PNG, for
//! a seed-sized programme (38 participants, 60 months, 20 periods, 5
//! financial years) and a synthetic one of 10,000 participants (burn-up
//! from 10,000 × 6 milestones over 2016–2027, 48 quarterly periods, 12
//! financial years).
//!
//! Target: burn-up PNG at 10,000 participants ≤ 20 ms (release).

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gde::charts::*;

fn opts(title: &str) -> ChartOptions {
    ChartOptions::new(title)
        .size(1600, 900)
        .subtitle("Benchmark data")
}

macro_rules! bench_chart {
    ($c:expr, $name:literal, $size:literal, $rows:expr, $svg:path, $png:path) => {{
        let rows = $rows;
        let o = opts($name);
        $c.bench_function(concat!($name, "/svg/", $size), |b| {
            b.iter(|| $svg(black_box(&rows), &o).unwrap())
        });
        $c.bench_function(concat!($name, "/png/", $size), |b| {
            b.iter(|| $png(black_box(&rows), &o).unwrap())
        });
    }};
}

fn seed(c: &mut Criterion) {
    bench_chart!(
        c,
        "burn_up",
        "seed",
        common::seed_burn_up(),
        burn_up_svg,
        burn_up_png
    );
    bench_chart!(
        c,
        "funding_by_participant",
        "seed",
        common::funding(38),
        funding_by_participant_svg,
        funding_by_participant_png
    );
    bench_chart!(
        c,
        "funding_by_year",
        "seed",
        common::seed_years(),
        funding_by_year_svg,
        funding_by_year_png
    );
    bench_chart!(
        c,
        "delivery_confidence",
        "seed",
        common::seed_confidence(),
        delivery_confidence_svg,
        delivery_confidence_png
    );
    bench_chart!(
        c,
        "slippage",
        "seed",
        common::slippage(38),
        slippage_svg,
        slippage_png
    );
    bench_chart!(
        c,
        "maturity",
        "seed",
        common::maturity(38),
        maturity_svg,
        maturity_png
    );
}

fn synthetic(c: &mut Criterion) {
    bench_chart!(
        c,
        "burn_up",
        "10k",
        common::big_burn_up(),
        burn_up_svg,
        burn_up_png
    );
    bench_chart!(
        c,
        "funding_by_participant",
        "10k",
        common::funding(10_000),
        funding_by_participant_svg,
        funding_by_participant_png
    );
    bench_chart!(
        c,
        "funding_by_year",
        "10k",
        common::big_years(),
        funding_by_year_svg,
        funding_by_year_png
    );
    bench_chart!(
        c,
        "delivery_confidence",
        "10k",
        common::big_confidence(),
        delivery_confidence_svg,
        delivery_confidence_png
    );
    bench_chart!(
        c,
        "slippage",
        "10k",
        common::slippage(10_000),
        slippage_svg,
        slippage_png
    );
    bench_chart!(
        c,
        "maturity",
        "10k",
        common::maturity(10_000),
        maturity_svg,
        maturity_png
    );
}

fn config() -> Criterion {
    // Two cores and a time budget: short, steady runs.
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = seed, synthetic
}
criterion_main!(benches);
