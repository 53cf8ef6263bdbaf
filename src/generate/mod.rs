//! A synthetic programme of any size, for trying the application at scale:
//! `gde generate` writes seed CSVs in exactly the format `gde seed --dir`
//! reads, valid by the same rules as the real data (caps, profiles that add
//! up, tranches within their allocations and released only after sign-off,
//! returns in every state, every date in the past).
//!
//! Deterministic: the same options give byte-identical files (a small
//! splitmix64 generator, fixed dates, no clock, no hash-map order).
//!
//! Marked as synthetic wherever it shows: every ODS code is `Z` and four
//! letters or digits (no NHS trust code starts with Z, so none can collide
//! with a real trust), every organisation is named "Synthetic trust …",
//! every confirmed-set row's `source` says `synthetic` and its confidence is
//! `low`, and the money, milestones and returns are in the illustrative set,
//! tagged "Illustrative" on every page.
use std::fmt::Write as _;

use time::{Date, Duration, Month};

use crate::domain::milestone::MilestoneCategory;
use crate::domain::money::Pence;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub participants: u32,
    pub milestones_per_participant: u32,
    /// Quarterly reporting periods from April 2017.
    pub periods: u32,
    pub seed: u64,
}

/// The most participants (four base-36 characters after the `Z`).
pub const MAX_PARTICIPANTS: u32 = 36 * 36 * 36 * 36;
/// The most milestones a participant can have (references `M001`…).
pub const MAX_MILESTONES: u32 = 999;
/// The most periods: quarters from April 2017 that ended before 2025.
pub const MAX_PERIODS: u32 = 31;

/// The `source` every synthetic row carries.
pub const SOURCE: &str = "synthetic (gde generate)";

impl Options {
    /// Checks the options, naming the one that is out of range.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=MAX_PARTICIPANTS).contains(&self.participants) {
            return Err(format!(
                "--participants: {} is out of range; use 1 to {MAX_PARTICIPANTS}",
                self.participants
            ));
        }
        if self.milestones_per_participant > MAX_MILESTONES {
            return Err(format!(
                "--milestones-per-participant: {} is out of range; use 0 to {MAX_MILESTONES}",
                self.milestones_per_participant
            ));
        }
        if !(1..=MAX_PERIODS).contains(&self.periods) {
            return Err(format!(
                "--periods: {} is out of range; use 1 to {MAX_PERIODS} (quarters from April 2017, all in the past)",
                self.periods
            ));
        }
        Ok(())
    }
}

/// splitmix64: tiny, fast, and the same on every platform.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for test data, and deterministic.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The synthetic ODS code of participant `i`: `Z` and four base-36 characters.
pub fn ods_code(i: u32) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut n = i;
    let mut tail = [b'0'; 4];
    for slot in tail.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    format!("Z{}", String::from_utf8_lossy(&tail))
}

/// One generated file: its path under the output folder, and its text.
pub type File = (&'static str, String);

fn pounds(p: i64) -> String {
    // Whole pounds are written without decimals, as the seed files do.
    let pence = Pence::new(p).unwrap_or(Pence::ZERO).value();
    if pence % 100 == 0 {
        format!("{}", pence / 100)
    } else {
        format!("{}.{:02}", pence / 100, pence % 100)
    }
}

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).unwrap_or(Month::January), d)
        .unwrap_or(Date::MIN)
}

/// The last day anything generated happens on: every instant is in the past.
pub fn last_day() -> Date {
    date(2025, 3, 31)
}

struct Period {
    label: String,
    starts_on: Date,
    ends_on: Date,
    due_on: Date,
}

fn periods(count: u32) -> Vec<Period> {
    (0..count)
        .map(|i| {
            let year = 2017 + (i / 4) as i32;
            let quarter = i % 4;
            let (start, end) = match quarter {
                0 => (date(year, 4, 1), date(year, 6, 30)),
                1 => (date(year, 7, 1), date(year, 9, 30)),
                2 => (date(year, 10, 1), date(year, 12, 31)),
                _ => (date(year + 1, 1, 1), date(year + 1, 3, 31)),
            };
            Period {
                label: format!("{}/{:02} Q{}", year, (year + 1) % 100, quarter + 1),
                starts_on: start,
                ends_on: end,
                due_on: end + Duration::days(30),
            }
        })
        .collect()
}

struct Participant {
    ods: String,
    exemplar: bool,
    acute: bool,
    designated_on: Date,
}

struct Milestone {
    reference: String,
    baseline_on: Date,
    forecast_on: Option<Date>,
    actual_on: Option<Date>,
    status: &'static str,
    signed_off_on: Option<Date>,
}

const REGIONS: &[&str] = &["Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63"];
const OPEN_STATES: &[&str] = &["not_started", "in_progress", "in_progress", "at_risk"];
const RATINGS: &[&str] = &["green", "green", "green", "amber", "amber", "red"];

/// The whole programme as seed files, in the loader's file order, in memory
/// (for tests; `gde generate` streams them to disk with [`generate_into`]).
pub fn generate(options: &Options) -> Result<Vec<File>, String> {
    options.check()?;
    let mut files = vec![("README.md", readme(options))];
    let (texts, _) = generate_into(options, |_| Ok(Vec::new()))?;
    for ((name, _), bytes) in CSV_FILES.iter().zip(texts) {
        files.push((name, String::from_utf8(bytes).unwrap_or_default()));
    }
    Ok(files)
}

/// The seed files (`CSV_FILES`, in that order) written row by row as they
/// are made, each to the writer `open` gives for its name: memory stays
/// flat whatever the size. Returns the writers, flushed, and the number of
/// rows written (headers not counted).
pub fn generate_into<W: std::io::Write>(
    options: &Options,
    mut open: impl FnMut(&'static str) -> std::io::Result<W>,
) -> Result<(Vec<W>, u64), String> {
    options.check()?;
    let mut writers = Vec::with_capacity(CSV_FILES.len());
    for (name, header) in CSV_FILES {
        let sink = open(name).map_err(|e| format!("{name}: {e}"))?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(sink);
        writer
            .write_record(header.iter())
            .map_err(|e| format!("{name}: {e}"))?;
        writers.push(writer);
    }
    let mut out = Out {
        writers,
        rows: 0,
        error: None,
    };
    let mut rng = SplitMix64::new(options.seed);
    let n = options.participants;
    let periods = periods(options.periods);

    // Participants: about one in four an exemplar (at least one), the
    // rest fast followers; four in five acute, the rest mental health.
    let participants: Vec<Participant> = (0..n)
        .map(|i| {
            let exemplar = i == 0 || rng.chance(25);
            Participant {
                ods: ods_code(i),
                exemplar,
                acute: !rng.chance(20),
                designated_on: if exemplar {
                    date(2016, 9, 1)
                } else {
                    date(2017, 9, 1)
                },
            }
        })
        .collect();

    for p in &participants {
        let sector = if p.acute { "acute" } else { "mental_health" };
        let name = format!("Synthetic trust {} NHS Foundation Trust", p.ods);
        out.row(
            ORGANISATIONS,
            &[
                p.ods.clone(),
                name.clone(),
                name,
                sector.to_owned(),
                (*rng.pick(REGIONS)).to_owned(),
                String::new(),
                "2000-04-01".to_owned(),
                String::new(),
                String::new(),
                SOURCE.to_owned(),
            ],
        );
        out.row(
            PARTICIPANTS,
            &[
                p.ods.clone(),
                if p.exemplar {
                    "global_digital_exemplar"
                } else {
                    "fast_follower"
                }
                .to_owned(),
                sector.to_owned(),
                if p.exemplar {
                    "Synthetic exemplar wave"
                } else {
                    "Synthetic fast follower wave"
                }
                .to_owned(),
                if p.exemplar { "2016-09" } else { "2017-09" }.to_owned(),
                String::new(),
                "active".to_owned(),
                "low".to_owned(),
                SOURCE.to_owned(),
            ],
        );
    }

    // Most fast followers are paired with an exemplar.
    let exemplars: Vec<&Participant> = participants.iter().filter(|p| p.exemplar).collect();
    for p in participants.iter().filter(|p| !p.exemplar) {
        if rng.chance(90) {
            out.row(
                PAIRINGS,
                &[
                    p.ods.clone(),
                    rng.pick(&exemplars).ods.clone(),
                    "low".to_owned(),
                    SOURCE.to_owned(),
                ],
            );
        }
    }

    let caps = [
        ("global_digital_exemplar", "acute", 10_000_000i64),
        ("global_digital_exemplar", "mental_health", 5_000_000),
        ("global_digital_exemplar", "ambulance", 5_000_000),
        ("fast_follower", "acute", 5_000_000),
        ("fast_follower", "mental_health", 3_000_000),
    ];
    for (r, s, c) in &caps {
        out.row(CAPS, &[*r, *s, &c.to_string(), SOURCE]);
    }

    let categories: Vec<&str> = MilestoneCategory::ALL.iter().map(|c| c.code()).collect();
    let last = last_day();
    let latest = periods.len() - 1;
    for (index, p) in participants.iter().enumerate() {
        // One allocation, 60–100% of the cap in whole thousands of pounds.
        let cap_pounds = match (p.exemplar, p.acute) {
            (true, true) => 10_000_000,
            (true, false) => 5_000_000,
            (false, true) => 5_000_000,
            (false, false) => 3_000_000,
        };
        let central_pounds = cap_pounds / 1000 * (600 + rng.below(401) as i64) / 1000 * 1000;
        let central = central_pounds * 100;
        // Matched in full, except about one in ten.
        let local = if rng.chance(10) {
            central / 10 * 9
        } else {
            central
        };
        let awarded_on = if p.exemplar {
            date(2017, 7, 1)
        } else {
            date(2017, 12, 1)
        };
        out.row(
            ALLOCATIONS,
            &[
                p.ods.clone(),
                "ALLOC-1".to_owned(),
                pounds(central),
                pounds(local),
                awarded_on.to_string(),
            ],
        );
        // The profile adds up to the allocation to the penny.
        let years = ["2017/18", "2018/19", "2019/20"];
        let share = central / 3;
        for (i, year) in years.iter().enumerate() {
            let amount = if i == years.len() - 1 {
                central - share * (years.len() as i64 - 1)
            } else {
                share
            };
            out.row(
                PROFILES,
                &[
                    p.ods.clone(),
                    "ALLOC-1".to_owned(),
                    (*year).to_owned(),
                    pounds(amount),
                ],
            );
        }

        // Milestones spread from late 2017 to early 2024.
        let mut milestones = Vec::new();
        for m in 0..options.milestones_per_participant {
            let span = (date(2024, 3, 31) - date(2017, 10, 1)).whole_days();
            let baseline_on = date(2017, 10, 1) + Duration::days(rng.below(span as u64) as i64);
            let slip = rng.below(240) as i64 - 60;
            let forecast = baseline_on + Duration::days(slip);
            let old = baseline_on < date(2022, 1, 1);
            let roll = rng.below(100);
            let milestone = if roll < 2 {
                Milestone {
                    status: "cancelled",
                    forecast_on: Some(forecast),
                    actual_on: None,
                    signed_off_on: None,
                    reference: String::new(),
                    baseline_on,
                }
            } else if (old && roll < 85) || (!old && roll < 20) {
                let actual = forecast.min(last - Duration::days(30));
                let signed = rng
                    .chance(75)
                    .then(|| (actual + Duration::days(5 + rng.below(20) as i64)).min(last));
                Milestone {
                    status: "complete",
                    forecast_on: Some(actual),
                    actual_on: Some(actual),
                    signed_off_on: signed,
                    reference: String::new(),
                    baseline_on,
                }
            } else {
                let status: &'static str =
                    OPEN_STATES[rng.below(OPEN_STATES.len() as u64) as usize];
                Milestone {
                    status,
                    forecast_on: Some(forecast),
                    actual_on: None,
                    signed_off_on: None,
                    reference: String::new(),
                    baseline_on,
                }
            };
            milestones.push(Milestone {
                reference: format!("M{:03}", m + 1),
                ..milestone
            });
        }
        for m in &milestones {
            let opt = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
            out.row(
                MILESTONES,
                &[
                    p.ods.clone(),
                    m.reference.clone(),
                    format!("Synthetic milestone {} of {}", m.reference, p.ods),
                    (*rng.pick(&categories)).to_owned(),
                    m.baseline_on.to_string(),
                    opt(m.forecast_on),
                    opt(m.actual_on),
                    m.status.to_owned(),
                    opt(m.signed_off_on),
                ],
            );
        }

        // Tranches: 30% upfront at award, then up to three milestone
        // tranches of 20% each, released after sign-off where signed off.
        let upfront = central / 10 * 3;
        out.row(
            TRANCHES,
            &[
                p.ods.clone(),
                "ALLOC-1".to_owned(),
                "Upfront instalment".to_owned(),
                "upfront".to_owned(),
                String::new(),
                pounds(upfront),
                awarded_on.to_string(),
            ],
        );
        for (i, m) in milestones.iter().take(3).enumerate() {
            let released = m
                .signed_off_on
                .map(|s| (s + Duration::days(14)).min(last).max(s));
            out.row(
                TRANCHES,
                &[
                    p.ods.clone(),
                    "ALLOC-1".to_owned(),
                    format!("Instalment {}: {}", i + 2, m.reference),
                    "milestone".to_owned(),
                    m.reference.clone(),
                    pounds(central / 10 * 2),
                    released.map(|d| d.to_string()).unwrap_or_default(),
                ],
            );
        }

        out.row(
            MATURITY,
            &[
                p.ods.clone(),
                "himss_emram".to_owned(),
                (2 + rng.below(5)).to_string(),
                "2017-06-30".to_owned(),
                SOURCE.to_owned(),
            ],
        );

        // Returns: every period the participant owed one for. The latest
        // period holds every state (the first participants are given one
        // each); earlier ones are mostly approved, a few never reported.
        for (pi, period) in periods.iter().enumerate() {
            if p.designated_on > period.ends_on {
                continue;
            }
            let state = if pi == latest {
                match index {
                    0 => "approved",
                    1 => "submitted",
                    2 => "returned",
                    3 => "draft",
                    4 => "none",
                    _ => *rng.pick(&[
                        "approved",
                        "submitted",
                        "submitted",
                        "returned",
                        "draft",
                        "none",
                    ]),
                }
            } else {
                match rng.below(100) {
                    0..=4 => "none",
                    5..=7 => "returned",
                    _ => "approved",
                }
            };
            if state == "none" {
                continue;
            }
            let submitted = (state != "draft")
                .then(|| (period.ends_on + Duration::days(1 + rng.below(28) as i64)).min(last));
            let approved = (state == "approved")
                .then(|| {
                    submitted.map(|s| (s + Duration::days(1 + rng.below(20) as i64)).min(last))
                })
                .flatten();
            let rating = (*rng.pick(RATINGS)).to_owned();
            let office_rating = (state == "approved").then(|| rating.clone());
            let spend = central / i64::from(options.periods.max(1)) * (pi as i64 + 1) / 100 * 100;
            let office_comment = match state {
                "approved" => "Rating agreed.",
                "returned" => "Please add the spend to date and explain the slippage.",
                _ => "",
            };
            out.row(
                RETURNS,
                &[
                    p.ods.clone(),
                    period.label.clone(),
                    state.to_owned(),
                    pounds(spend.min(central)),
                    rating.clone(),
                    format!("Synthetic justification for {} in {}.", p.ods, period.label),
                    format!(
                        "Synthetic narrative: progress of {} in {}.",
                        p.ods, period.label
                    ),
                    office_rating.unwrap_or_default(),
                    office_comment.to_owned(),
                    submitted.map(|d| d.to_string()).unwrap_or_default(),
                    approved.map(|d| d.to_string()).unwrap_or_default(),
                ],
            );
            // Lines for up to three milestones still open at the period's end.
            for m in milestones
                .iter()
                .filter(|m| {
                    m.baseline_on > period.ends_on
                        && m.status != "cancelled"
                        && m.actual_on.is_none_or(|a| a > period.ends_on)
                })
                .take(3)
            {
                out.row(
                    UPDATES,
                    &[
                        p.ods.clone(),
                        period.label.clone(),
                        m.reference.clone(),
                        m.forecast_on.unwrap_or(m.baseline_on).to_string(),
                        "in_progress".to_owned(),
                        "Synthetic update.".to_owned(),
                    ],
                );
            }
            if rating != "green" {
                out.row(
                    RISKS,
                    &[
                        p.ods.clone(),
                        period.label.clone(),
                        "1".to_owned(),
                        "Synthetic risk: supplier capacity.".to_owned(),
                        rating,
                        "Synthetic mitigation: weekly review with the supplier.".to_owned(),
                    ],
                );
            }
        }
    }

    for (i, p) in periods.iter().enumerate() {
        out.row(
            PERIODS,
            &[
                p.label.as_str(),
                "quarterly",
                &p.starts_on.to_string(),
                &p.ends_on.to_string(),
                &p.due_on.to_string(),
                if i == latest { "open" } else { "closed" },
            ],
        );
    }
    out.finish()
}

/// The README written beside the files.
pub fn readme(options: &Options) -> String {
    let mut readme = String::new();
    let _ = writeln!(
        readme,
        "# Synthetic programme\n\nGenerated by `gde generate --participants {} --milestones-per-participant {} --periods {} --seed {}`.\n\n\
         Every organisation, code, figure and return here is invented for trying the application at scale.\n\
         ODS codes are `Z` and four characters, which no NHS trust has; names say \"Synthetic trust\";\n\
         every confirmed-set row's source says `{SOURCE}`.\n\nLoad it with `gde seed --dir <this folder>`.",
        options.participants, options.milestones_per_participant, options.periods, options.seed
    );
    readme
}

/// The open files, by index in `CSV_FILES`; the first write error is kept
/// (and reported by `finish`), later rows are then dropped.
struct Out<W: std::io::Write> {
    writers: Vec<csv::Writer<W>>,
    rows: u64,
    error: Option<String>,
}

impl<W: std::io::Write> Out<W> {
    fn row<S: AsRef<[u8]>>(&mut self, file: usize, cells: &[S]) {
        if self.error.is_some() {
            return;
        }
        match self.writers[file].write_record(cells) {
            Ok(()) => self.rows += 1,
            Err(e) => self.error = Some(format!("{}: {e}", CSV_FILES[file].0)),
        }
    }

    fn finish(self) -> Result<(Vec<W>, u64), String> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut sinks = Vec::with_capacity(self.writers.len());
        for (writer, (name, _)) in self.writers.into_iter().zip(CSV_FILES) {
            sinks.push(
                writer
                    .into_inner()
                    .map_err(|e| format!("{name}: {}", e.error()))?,
            );
        }
        Ok((sinks, self.rows))
    }
}

const ORGANISATIONS: usize = 0;
const PARTICIPANTS: usize = 1;
const PAIRINGS: usize = 2;
const CAPS: usize = 5;
const ALLOCATIONS: usize = 9;
const PROFILES: usize = 10;
const MILESTONES: usize = 11;
const TRANCHES: usize = 12;
const MATURITY: usize = 13;
const PERIODS: usize = 14;
const RETURNS: usize = 15;
const UPDATES: usize = 16;
const RISKS: usize = 17;

/// Every seed file with its header, in the loader's order (the indexes above).
pub const CSV_FILES: [(&str, &[&str]); 18] = [
    (
        "organisations.csv",
        &[
            "ods_code",
            "name",
            "name_at_designation",
            "sector",
            "region_code",
            "region_code_2017",
            "opened_on",
            "closed_on",
            "successor_ods_code",
            "source",
        ],
    ),
    (
        "participants.csv",
        &[
            "ods_code",
            "role",
            "sector",
            "wave",
            "designated_on",
            "accredited_on",
            "status",
            "confidence",
            "source",
        ],
    ),
    (
        "pairings.csv",
        &[
            "fast_follower_ods_code",
            "exemplar_ods_code",
            "confidence",
            "source",
        ],
    ),
    (
        "partner_organisations.csv",
        &["name", "kind", "country_code", "source"],
    ),
    (
        "partnerships.csv",
        &[
            "ods_code",
            "partner_name",
            "role",
            "started_on",
            "ended_on",
            "confidence",
            "source",
            "note",
        ],
    ),
    ("funding_caps.csv", &["role", "sector", "cap", "source"]),
    ("cap_groups.csv", &["name", "cap", "source"]),
    ("cap_group_members.csv", &["group", "ods_code", "source"]),
    (
        "maturity_assessments.csv",
        &["ods_code", "scale", "score", "assessed_on", "source"],
    ),
    (
        "illustrative/allocations.csv",
        &[
            "ods_code",
            "reference",
            "central",
            "local_match",
            "awarded_on",
        ],
    ),
    (
        "illustrative/allocation_profiles.csv",
        &[
            "ods_code",
            "allocation_reference",
            "financial_year",
            "amount",
        ],
    ),
    (
        "illustrative/milestones.csv",
        &[
            "ods_code",
            "reference",
            "title",
            "category",
            "baseline_on",
            "forecast_on",
            "actual_on",
            "status",
            "signed_off_on",
        ],
    ),
    (
        "illustrative/tranches.csv",
        &[
            "ods_code",
            "allocation_reference",
            "name",
            "kind",
            "milestone_reference",
            "amount",
            "released_on",
        ],
    ),
    (
        "illustrative/maturity_assessments.csv",
        &["ods_code", "scale", "score", "assessed_on", "source"],
    ),
    (
        "illustrative/reporting_periods.csv",
        &[
            "label",
            "frequency",
            "starts_on",
            "ends_on",
            "due_on",
            "status",
        ],
    ),
    (
        "illustrative/returns.csv",
        &[
            "ods_code",
            "period",
            "status",
            "spend_to_date",
            "self_rating",
            "rating_justification",
            "narrative",
            "office_rating",
            "office_comment",
            "submitted_on",
            "approved_on",
        ],
    ),
    (
        "illustrative/return_milestone_updates.csv",
        &[
            "ods_code",
            "period",
            "milestone_reference",
            "forecast_on",
            "status",
            "comment",
        ],
    ),
    (
        "illustrative/return_risks.csv",
        &[
            "ods_code",
            "period",
            "position",
            "description",
            "rating",
            "mitigation",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ods::OdsCode;

    fn options(seed: u64) -> Options {
        Options {
            participants: 40,
            milestones_per_participant: 6,
            periods: 8,
            seed,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_files_and_another_seed_others() {
        let a = generate(&options(7)).unwrap();
        let b = generate(&options(7)).unwrap();
        assert_eq!(a, b);
        let c = generate(&options(8)).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn codes_are_valid_distinct_and_never_a_real_trusts() {
        let mut seen = std::collections::HashSet::new();
        for i in [0, 1, 35, 36, 9_999, 10_000, MAX_PARTICIPANTS - 1] {
            let code = ods_code(i);
            assert_eq!(OdsCode::parse(&code).unwrap().as_str(), code);
            assert!(code.starts_with('Z') && code.len() == 5, "{code}");
            assert!(seen.insert(code));
        }
    }

    #[test]
    fn options_out_of_range_name_the_flag() {
        let mut o = options(1);
        o.participants = 0;
        assert!(generate(&o).unwrap_err().starts_with("--participants"));
        let mut o = options(1);
        o.periods = MAX_PERIODS + 1;
        assert!(generate(&o).unwrap_err().starts_with("--periods"));
    }

    #[test]
    fn the_latest_period_has_returns_in_every_state() {
        let files = generate(&options(3)).unwrap();
        let returns = &files
            .iter()
            .find(|(n, _)| *n == "illustrative/returns.csv")
            .unwrap()
            .1;
        for state in [",approved,", ",submitted,", ",returned,", ",draft,"] {
            assert!(returns.contains(&format!("2018/19 Q4{state}")), "{state}");
        }
    }

    #[test]
    fn splitmix_is_the_published_sequence() {
        // First output of splitmix64 seeded with 0 (Vigna's reference code).
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }
}
