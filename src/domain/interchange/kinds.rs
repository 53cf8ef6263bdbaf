//! The kinds of file the programme imports and exports: each kind's columns
//! (the same headers both ways, so an export edited in a spreadsheet imports
//! unchanged), what each column means, an example row, and the pure checks
//! of one row. Records are matched by their natural key: the participant's
//! ODS code and the milestone's reference.
use time::Date;

use super::cells;
use super::reader::Row;
use super::{Problem, Problems};
use crate::domain::financial_year::FinancialYear;
use crate::domain::funding::{check_profile, check_profile_years};
use crate::domain::milestone::{
    MilestoneCategory, MilestoneReference, MilestoneStatus, check_dates,
};
use crate::domain::money::Pence;
use crate::domain::ods::OdsCode;
use crate::domain::spreadsheet::{self, Cell};
use crate::domain::text::ShortText;
use crate::domain::tranche::TrancheKind;

/// One column of a kind of file.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub required: bool,
    pub meaning: &'static str,
    pub example: &'static str,
}

impl Column {
    pub const fn new(
        name: &'static str,
        required: bool,
        meaning: &'static str,
        example: &'static str,
    ) -> Column {
        Column {
            name,
            required,
            meaning,
            example,
        }
    }
}

/// A kind of file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Milestones,
    MilestoneProgress,
    ReturnLines,
    Allocations,
    Tranches,
    Participants,
    Partners,
    Partnerships,
}

const VERSION_MEANING: &str = "The record's version when it was exported. Leave it as exported: \
     if the record has changed since, the row is refused as a conflict (export again and redo \
     the change). Blank for a new record, or to skip the check.";

const MILESTONES: &[Column] = &[
    Column::new(
        "ods_code",
        true,
        "The participant's ODS code (the trust must already be a participant).",
        "RAL",
    ),
    Column::new(
        "reference",
        true,
        "The milestone's reference, unique within the trust, such as M07. \
         A new reference creates a milestone; an existing one updates it.",
        "M07",
    ),
    Column::new(
        "title",
        true,
        "What will be delivered, at most 200 characters.",
        "EPR go-live in the emergency department",
    ),
    Column::new(
        "category",
        true,
        "One of epr_go_live, himss_emram_validation, blueprint_published, \
         fast_follower_go_live, infrastructure, other.",
        "epr_go_live",
    ),
    Column::new(
        "baseline_on",
        true,
        "The baseline date: 2019-03-31 or 31/03/2019. Set when the milestone is created; \
         after that it moves only through a baseline change request (the milestone's page), \
         so a different date here is refused.",
        "2019-03-31",
    ),
    Column::new(
        "forecast_on",
        false,
        "The forecast date: 2019-03-31 or 31/03/2019; blank on a new milestone means the baseline.",
        "30/06/2019",
    ),
    Column::new("version", false, VERSION_MEANING, ""),
];

const PROGRESS: &[Column] = &[
    Column::new("ods_code", true, "The participant's ODS code.", "RAL"),
    Column::new(
        "reference",
        true,
        "The milestone's reference; the milestone must exist (import milestones first).",
        "M07",
    ),
    Column::new(
        "forecast_on",
        false,
        "The forecast date: 2019-03-31 or 31/03/2019; blank for none.",
        "2019-06-30",
    ),
    Column::new(
        "status",
        true,
        "One of not_started, in_progress, at_risk, complete, cancelled.",
        "complete",
    ),
    Column::new(
        "actual_on",
        false,
        "The date it was delivered: required when the status is complete, blank otherwise; \
         not in the future.",
        "28/06/2019",
    ),
    Column::new("version", false, VERSION_MEANING, ""),
];

const RETURN_LINES: &[Column] = &[
    Column::new(
        "period",
        true,
        "The reporting period, as in the return's address: 2020-21-q3. One return per file.",
        "2020-21-q3",
    ),
    Column::new(
        "ods_code",
        true,
        "Your trust's ODS code; a trust reporter may import only their own trust's return.",
        "RAL",
    ),
    Column::new(
        "reference",
        true,
        "The milestone's reference, as listed in the return.",
        "M05",
    ),
    Column::new(
        "forecast_on",
        false,
        "The forecast (or completion) date: 2019-03-31 or 31/03/2019.",
        "31/03/2021",
    ),
    Column::new(
        "status",
        false,
        "One of not_started, in_progress, at_risk, complete, cancelled; blank for not yet said.",
        "in_progress",
    ),
    Column::new(
        "comment",
        false,
        "What changed, at most 1,000 characters.",
        "Go-live moved after supplier testing",
    ),
];

const fn profile_column(name: &'static str, example: &'static str) -> Column {
    Column::new(
        name,
        false,
        "The amount profiled in this financial year (April to March), money as in central; \
         blank for none. The years filled in add up exactly to central and lie within the \
         years the allocation form offers.",
        example,
    )
}

/// The financial years an allocation row profiles, one column each:
/// the programme's years, 2016/17 to 2022/23.
pub const PROFILE_COLUMNS: &[(i32, &str)] = &[
    (2016, "fy_2016_17"),
    (2017, "fy_2017_18"),
    (2018, "fy_2018_19"),
    (2019, "fy_2019_20"),
    (2020, "fy_2020_21"),
    (2021, "fy_2021_22"),
    (2022, "fy_2022_23"),
];

const ALLOCATIONS: &[Column] = &[
    Column::new("ods_code", true, "The participant's ODS code.", "RAL"),
    Column::new(
        "reference",
        true,
        "The allocation's reference, unique within the trust, at most 20 characters. \
         A new reference creates the allocation; an existing one must match it as stored.",
        "ALLOC-2",
    ),
    Column::new(
        "central",
        true,
        "Central funding: pounds, with or without £ and commas between groups of three, \
         at most two decimal places (£1,234.56 or 1234.56); never negative, more than £0. \
         The participant's allocations together stay within its cap, and its cap group's \
         within the group's shared cap, counting every row of the file. An existing \
         allocation's money changes only through a change request on its page.",
        "£1,500,000",
    ),
    Column::new(
        "local_match",
        true,
        "Local match funding, money as in central; 0 if none.",
        "1500000",
    ),
    Column::new(
        "awarded_on",
        true,
        "The date the funding was awarded: 2019-03-31 or 31/03/2019.",
        "2017-06-01",
    ),
    profile_column("fy_2016_17", ""),
    profile_column("fy_2017_18", "1000000"),
    profile_column("fy_2018_19", "500000"),
    profile_column("fy_2019_20", ""),
    profile_column("fy_2020_21", ""),
    profile_column("fy_2021_22", ""),
    profile_column("fy_2022_23", ""),
    Column::new("version", false, VERSION_MEANING, ""),
];

const TRANCHES: &[Column] = &[
    Column::new("ods_code", true, "The participant's ODS code.", "RAL"),
    Column::new(
        "allocation_reference",
        true,
        "The allocation's reference; the allocation must exist (import allocations first).",
        "ALLOC-2",
    ),
    Column::new(
        "name",
        true,
        "The tranche's name, unique within the allocation, at most 120 characters. A new name \
         defines the tranche; an existing one must match it as stored.",
        "EPR go-live payment",
    ),
    Column::new(
        "kind",
        true,
        "How it is released: upfront, or milestone (on the milestone's sign-off). Releasing \
         stays a confirmed action on the participant's page; an import never releases money.",
        "milestone",
    ),
    Column::new(
        "milestone_reference",
        false,
        "For a milestone tranche, the reference of the participant's milestone whose sign-off \
         releases it; blank for an upfront tranche.",
        "M07",
    ),
    Column::new(
        "amount",
        true,
        "Money as in an allocation (£1,234.56 or 1234.56), more than £0. The allocation's \
         tranches together never exceed its central funding, counting every row of the file.",
        "£500,000",
    ),
    Column::new("version", false, VERSION_MEANING, ""),
];

const PARTICIPANTS: &[Column] = &[
    Column::new(
        "ods_code",
        true,
        "The trust's ODS code. A code that is not yet a participant designates the trust; \
         an existing one updates its details, as the participant's edit form does.",
        "RAL",
    ),
    Column::new(
        "organisation_name",
        false,
        "The trust's name, at most 200 characters. Needed only when the ODS code is not on \
         record yet (the new trust's name, unique ignoring case and spacing); for a trust on \
         record, blank or its name exactly as exported (an import does not rename a trust).",
        "Royal Free London NHS Foundation Trust",
    ),
    Column::new(
        "region_code",
        false,
        "The trust's NHS England region code, such as Y56. Needed only when the ODS code is not \
         on record yet; for a trust on record, blank or as exported.",
        "Y56",
    ),
    Column::new(
        "role",
        true,
        "One of global_digital_exemplar, fast_follower. A new role or sector must still hold the \
         participant's allocations within its cap.",
        "global_digital_exemplar",
    ),
    Column::new(
        "sector",
        true,
        "One of acute, mental_health, community, ambulance.",
        "acute",
    ),
    Column::new(
        "wave",
        true,
        "The designation wave, at most 40 characters, such as Acute wave 1.",
        "Acute wave 1",
    ),
    Column::new(
        "designated_on",
        true,
        "When the trust was designated: 2016-09-30 or 30/09/2016, or 2016-09 if only the month \
         is known.",
        "2016-09",
    ),
    Column::new(
        "accredited_on",
        false,
        "When it was accredited, written as designated_on; required when the status is \
         accredited, blank otherwise, and not before designation.",
        "",
    ),
    Column::new(
        "status",
        true,
        "One of active, accredited, withdrawn.",
        "active",
    ),
    Column::new(
        "exemplar_ods_code",
        false,
        "For a fast follower: the ODS code of the global digital exemplar it is paired with \
         (a participant already, or a row of this file); blank for none. Must be blank for an \
         exemplar.",
        "",
    ),
    Column::new("version", false, VERSION_MEANING, ""),
];

const PARTNERS: &[Column] = &[
    Column::new(
        "name",
        true,
        "The partner organisation's name, at most 200 characters. With the country it is the \
         key: names that differ only in case or spacing are the same organisation. A new name \
         adds the partner; an existing one must match it as stored.",
        "Intermountain Healthcare",
    ),
    Column::new(
        "kind",
        true,
        "One of healthcare_provider, supplier, university (NHS trusts are participants, \
         imported by ODS code).",
        "healthcare_provider",
    ),
    Column::new(
        "country_code",
        true,
        "The two-letter country code, such as US or GB.",
        "US",
    ),
    Column::new("version", false, VERSION_MEANING, ""),
];

const PARTNERSHIPS: &[Column] = &[
    Column::new("ods_code", true, "The participant's ODS code.", "RAL"),
    Column::new(
        "partner_name",
        true,
        "The partner organisation's name, as on the partners list; the partner must exist \
         (import partners first).",
        "Intermountain Healthcare",
    ),
    Column::new(
        "partner_country_code",
        true,
        "The partner's two-letter country code.",
        "US",
    ),
    Column::new(
        "role",
        true,
        "One of international_partner, epr_supplier, academic_partner. A participant is linked \
         to a partner once per role: the ODS code, partner and role are the key. A new key adds \
         the link; an existing one must match it as stored.",
        "international_partner",
    ),
    Column::new(
        "started_on",
        false,
        "When the partnership started: 2017-04-01, 01/04/2017 or 2017-04; blank if not known.",
        "2017-04",
    ),
    Column::new(
        "ended_on",
        false,
        "When it ended, written as started_on; blank if it continues. Not before the start.",
        "",
    ),
    Column::new("note", false, "A note, at most 500 characters.", ""),
    Column::new("version", false, VERSION_MEANING, ""),
];

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Milestones,
        Kind::MilestoneProgress,
        Kind::ReturnLines,
        Kind::Allocations,
        Kind::Tranches,
        Kind::Participants,
        Kind::Partners,
        Kind::Partnerships,
    ];

    /// As written in commands and addresses: `milestone-progress`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Milestones => "milestones",
            Kind::MilestoneProgress => "milestone-progress",
            Kind::ReturnLines => "return-lines",
            Kind::Allocations => "allocations",
            Kind::Tranches => "tranches",
            Kind::Participants => "participants",
            Kind::Partners => "partners",
            Kind::Partnerships => "partnerships",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::Milestones => "Milestones",
            Kind::MilestoneProgress => "Milestone progress",
            Kind::ReturnLines => "Return milestone lines",
            Kind::Allocations => "Allocations",
            Kind::Tranches => "Tranches",
            Kind::Participants => "Participants",
            Kind::Partners => "Partner organisations",
            Kind::Partnerships => "Partnerships",
        }
    }

    /// One sentence: what a row is and what importing it does.
    pub fn summary(self) -> &'static str {
        match self {
            Kind::Milestones => {
                "One row per milestone: a new ODS code and reference creates the milestone \
                 (not started); an existing one updates its title, category and forecast."
            }
            Kind::MilestoneProgress => {
                "One row per existing milestone: its forecast, status and actual date, as on \
                 the milestone's progress form. A signed-off milestone no longer changes."
            }
            Kind::ReturnLines => {
                "One row per milestone line of one return (a trust reporter's own trust, a \
                 return still in draft or returned for changes): its forecast, status and \
                 comment. Saved as a draft, as the return's form does; submit it on the return's page."
            }
            Kind::Allocations => {
                "One row per allocation, with its financial-year profile in one column per year: \
                 a new ODS code and reference records the allocation within the caps, as the \
                 allocation form does. An existing allocation is left as it is: a row that \
                 differs from it is refused (its money changes only through a change request)."
            }
            Kind::Tranches => {
                "One row per tranche of an existing allocation: a new name defines the tranche \
                 within the allocation, as the tranche form does; an existing tranche is left as \
                 it is (a row that differs is refused). Releases are not imported: releasing \
                 money stays a confirmed action on the participant's page."
            }
            Kind::Participants => {
                "One row per participant, with its fast follower pairing: a new ODS code \
                 designates the trust (adding it to the record when it is not yet there), as the \
                 new participant form does; an existing one updates its role, sector, wave, \
                 dates, status and pairing, as the edit form does."
            }
            Kind::Partners => {
                "One row per partner organisation (international partners, suppliers, \
                 universities): a new name adds it, as the partner form does; an existing one is \
                 left as it is (a row that differs is refused)."
            }
            Kind::Partnerships => {
                "One row per link between a participant and a partner organisation in a role: a \
                 new link is added, as the participant's partnership form does; an existing one \
                 is left as it is (a row that differs is refused)."
            }
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Milestones => MILESTONES,
            Kind::MilestoneProgress => PROGRESS,
            Kind::ReturnLines => RETURN_LINES,
            Kind::Allocations => ALLOCATIONS,
            Kind::Tranches => TRANCHES,
            Kind::Participants => PARTICIPANTS,
            Kind::Partners => PARTNERS,
            Kind::Partnerships => PARTNERSHIPS,
        }
    }

    pub fn headers(self) -> Vec<&'static str> {
        self.columns().iter().map(|c| c.name).collect()
    }

    /// The template: the header row and one example row.
    pub fn template(self) -> String {
        let example: Vec<Cell> = self
            .columns()
            .iter()
            .map(|c| Cell::text(c.example))
            .collect();
        spreadsheet::csv(&self.headers(), [example])
    }
}

/// Index of each column in [`MILESTONES`] / [`PROGRESS`].
mod col {
    pub const ODS: usize = 0;
    pub const REFERENCE: usize = 1;
    pub const M_TITLE: usize = 2;
    pub const M_CATEGORY: usize = 3;
    pub const M_BASELINE: usize = 4;
    pub const M_FORECAST: usize = 5;
    pub const M_VERSION: usize = 6;
    pub const P_FORECAST: usize = 2;
    pub const P_STATUS: usize = 3;
    pub const P_ACTUAL: usize = 4;
    pub const P_VERSION: usize = 5;
}

/// Runs one cell's conversion, listing its problem.
fn check<T>(
    row: &Row,
    i: usize,
    problems: &mut Problems,
    convert: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    match convert(row.cell(i)) {
        Ok(value) => Some(value),
        Err(reason) => {
            problems.push(row.problem(i, reason));
            None
        }
    }
}

fn required_text(cell: &str) -> Result<String, String> {
    let text = cells::text(cell)?;
    if text.is_empty() {
        return Err("is empty but a value is required".into());
    }
    Ok(text)
}

fn ods(cell: &str) -> Result<OdsCode, String> {
    OdsCode::parse(&required_text(cell)?).map_err(|e| e.to_string())
}

fn reference(cell: &str) -> Result<MilestoneReference, String> {
    MilestoneReference::parse(&required_text(cell)?).map_err(|e| e.to_string())
}

/// The natural key of a milestone row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MilestoneKey {
    pub ods: OdsCode,
    pub reference: MilestoneReference,
}

/// A milestone row, checked alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MilestoneLine {
    pub line: u64,
    pub key: MilestoneKey,
    pub title: String,
    pub category: MilestoneCategory,
    pub baseline_on: Date,
    pub forecast_on: Option<Date>,
    pub version: Option<i32>,
}

pub fn milestone_line(row: &Row, problems: &mut Problems) -> Option<MilestoneLine> {
    let ods = check(row, col::ODS, problems, ods);
    let reference = check(row, col::REFERENCE, problems, reference);
    let title = check(row, col::M_TITLE, problems, |c| {
        ShortText::parse(&cells::text(c)?, 200).map(ShortText::into_inner)
    });
    let category = check(row, col::M_CATEGORY, problems, |c| {
        MilestoneCategory::from_code(&required_text(c)?).map_err(|e| e.to_string())
    });
    let baseline_on = check(row, col::M_BASELINE, problems, cells::date);
    let forecast_on = check(row, col::M_FORECAST, problems, cells::optional_date);
    let version = check(row, col::M_VERSION, problems, cells::version);
    Some(MilestoneLine {
        line: row.line,
        key: MilestoneKey {
            ods: ods?,
            reference: reference?,
        },
        title: title?,
        category: category?,
        baseline_on: baseline_on?,
        forecast_on: forecast_on?,
        version: version?,
    })
}

/// A milestone-progress row, checked alone (the rules of the progress form
/// that need no database: status and actual date agree, nothing delivered in
/// the future).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressLine {
    pub line: u64,
    pub key: MilestoneKey,
    pub forecast_on: Option<Date>,
    pub status: MilestoneStatus,
    pub actual_on: Option<Date>,
    pub version: Option<i32>,
}

pub fn progress_line(row: &Row, today: Date, problems: &mut Problems) -> Option<ProgressLine> {
    let ods = check(row, col::ODS, problems, ods);
    let reference = check(row, col::REFERENCE, problems, reference);
    let forecast_on = check(row, col::P_FORECAST, problems, cells::optional_date);
    let status = check(row, col::P_STATUS, problems, |c| {
        MilestoneStatus::from_code(&required_text(c)?).map_err(|e| e.to_string())
    });
    let actual_on = check(row, col::P_ACTUAL, problems, cells::optional_date);
    let version = check(row, col::P_VERSION, problems, cells::version);
    if let (Some(status), Some(actual)) = (status, actual_on) {
        if let Err(e) = check_dates(status, actual, None) {
            let i = if actual.is_none() {
                col::P_ACTUAL
            } else {
                col::P_STATUS
            };
            problems.push(row.problem(i, e.to_string()));
            return None;
        }
        if let Some(actual) = actual
            && actual > today
        {
            problems.push(row.problem(col::P_ACTUAL, "the actual date cannot be in the future"));
            return None;
        }
    }
    Some(ProgressLine {
        line: row.line,
        key: MilestoneKey {
            ods: ods?,
            reference: reference?,
        },
        forecast_on: forecast_on?,
        status: status?,
        actual_on: actual_on?,
        version: version?,
    })
}

/// A return line, checked alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnLine {
    pub line: u64,
    pub period: String,
    pub ods: OdsCode,
    pub reference: MilestoneReference,
    pub forecast_on: Option<Date>,
    pub status: Option<MilestoneStatus>,
    pub comment: Option<String>,
}

pub fn return_line(row: &Row, problems: &mut Problems) -> Option<ReturnLine> {
    let period = check(row, 0, problems, |c| {
        let p = required_text(c)?.to_ascii_lowercase();
        if p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            Ok(p)
        } else {
            Err("is not a period as in a return's address, such as 2020-21-q3".into())
        }
    });
    let ods = check(row, 1, problems, ods);
    let reference = check(row, 2, problems, reference);
    let forecast_on = check(row, 3, problems, cells::optional_date);
    let status = check(row, 4, problems, |c| {
        let t = cells::text(c)?;
        if t.is_empty() {
            return Ok(None);
        }
        MilestoneStatus::from_code(&t)
            .map(Some)
            .map_err(|e| e.to_string())
    });
    let comment = check(row, 5, problems, |c| {
        let t = cells::text(c)?;
        if t.is_empty() {
            return Ok(None);
        }
        ShortText::parse(&t, 1000).map(|t| Some(t.into_inner()))
    });
    Some(ReturnLine {
        line: row.line,
        period: period?,
        ods: ods?,
        reference: reference?,
        forecast_on: forecast_on?,
        status: status?,
        comment: comment?,
    })
}

/// An allocation row, checked alone: money by the one rule, the profile's
/// years and its sum (the allocation form's rules that need no database).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationLine {
    pub line: u64,
    pub ods: OdsCode,
    pub reference: String,
    pub central: Pence,
    pub local_match: Pence,
    pub awarded_on: Date,
    pub profile: Vec<(FinancialYear, Pence)>,
    pub version: Option<i32>,
}

/// Index of the first profile column and of the version in [`ALLOCATIONS`].
pub const A_PROFILE: usize = 5;
pub const A_VERSION: usize = A_PROFILE + PROFILE_COLUMNS.len();

pub fn allocation_line(row: &Row, problems: &mut Problems) -> Option<AllocationLine> {
    let ods = check(row, col::ODS, problems, ods);
    let reference = check(row, col::REFERENCE, problems, |c| {
        ShortText::parse(&required_text(c)?, 20).map(ShortText::into_inner)
    });
    let central = check(row, 2, problems, |c| {
        let amount = cells::money(c)?;
        if amount.is_zero() {
            return Err("the central funding must be more than £0".into());
        }
        Ok(amount)
    });
    let local_match = check(row, 3, problems, cells::money);
    let awarded_on = check(row, 4, problems, cells::date);
    let mut profile = Some(Vec::new());
    for (i, (year, _)) in PROFILE_COLUMNS.iter().enumerate() {
        let amount = check(row, A_PROFILE + i, problems, |c| {
            if c.trim().is_empty() {
                Ok(None)
            } else {
                cells::money(c).map(|p| (!p.is_zero()).then_some(p))
            }
        });
        match (amount, profile.as_mut()) {
            (Some(Some(amount)), Some(list)) => {
                let fy = FinancialYear::new(*year).expect("a programme year");
                list.push((fy, amount));
            }
            (None, _) => profile = None,
            _ => {}
        }
    }
    let version = check(row, A_VERSION, problems, cells::version);
    let (central, awarded_on, profile) = (central?, awarded_on?, profile?);
    if let Err(e) = check_profile_years(awarded_on, &[], &profile) {
        problems.push(row.problem(A_PROFILE, e.to_string()));
        return None;
    }
    if let Err(e) = check_profile(central, &profile) {
        problems.push(row.problem(2, e.to_string()));
        return None;
    }
    Some(AllocationLine {
        line: row.line,
        ods: ods?,
        reference: reference?,
        central,
        local_match: local_match?,
        awarded_on,
        profile,
        version: version?,
    })
}

/// A tranche row, checked alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrancheLine {
    pub line: u64,
    pub ods: OdsCode,
    pub allocation: String,
    pub name: String,
    pub kind: TrancheKind,
    pub milestone: Option<MilestoneReference>,
    pub amount: Pence,
    pub version: Option<i32>,
}

pub fn tranche_line(row: &Row, problems: &mut Problems) -> Option<TrancheLine> {
    let ods = check(row, 0, problems, ods);
    let allocation = check(row, 1, problems, |c| {
        ShortText::parse(&required_text(c)?, 20).map(ShortText::into_inner)
    });
    let name = check(row, 2, problems, |c| {
        ShortText::parse(&required_text(c)?, 120).map(ShortText::into_inner)
    });
    let kind = check(row, 3, problems, |c| {
        TrancheKind::from_code(&required_text(c)?)
    });
    let milestone = check(row, 4, problems, |c| {
        let t = cells::text(c)?;
        if t.is_empty() {
            return Ok(None);
        }
        MilestoneReference::parse(&t)
            .map(Some)
            .map_err(|e| e.to_string())
    });
    let amount = check(row, 5, problems, |c| {
        let amount = cells::money(c)?;
        if amount.is_zero() {
            return Err("the amount must be more than £0".into());
        }
        Ok(amount)
    });
    let version = check(row, 6, problems, cells::version);
    let (kind, milestone) = (kind?, milestone?);
    match (kind, &milestone) {
        (TrancheKind::Milestone, None) => {
            problems.push(row.problem(
                4,
                "a milestone tranche needs the milestone whose sign-off releases it",
            ));
            return None;
        }
        (TrancheKind::Upfront, Some(_)) => {
            problems.push(row.problem(4, "an upfront tranche is not tied to a milestone"));
            return None;
        }
        _ => {}
    }
    Some(TrancheLine {
        line: row.line,
        ods: ods?,
        allocation: allocation?,
        name: name?,
        kind,
        milestone,
        amount: amount?,
        version: version?,
    })
}

/// A problem found against the database, placed on a row.
pub fn row_problem(line: u64, column: &str, value: &str, reason: impl Into<String>) -> Problem {
    Problem::cell(line, column, value, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2020 - 01 - 01);

    fn progress(cells: &[&str]) -> (Option<ProgressLine>, Vec<String>) {
        let row = Row::for_test(2, cells, PROGRESS);
        let mut problems = Problems::default();
        let line = progress_line(&row, TODAY, &mut problems);
        (
            line,
            problems.listed.iter().map(|p| p.to_string()).collect(),
        )
    }

    #[test]
    fn a_good_progress_row() {
        let (line, problems) =
            progress(&["ral", "m07", "30/06/2019", "complete", "2019-06-28", "3"]);
        assert!(problems.is_empty(), "{problems:?}");
        let line = line.unwrap();
        assert_eq!(line.key.ods.as_str(), "RAL");
        assert_eq!(line.key.reference.as_str(), "M07");
        assert_eq!(line.actual_on, Some(date!(2019 - 06 - 28)));
        assert_eq!(line.version, Some(3));
    }

    #[test]
    fn every_bad_cell_of_a_row_is_listed() {
        let (line, problems) = progress(&["", "M07", "31/02/2019", "done", "x", "0"]);
        assert!(line.is_none());
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].starts_with("line 2, column ods_code (A), \"\""));
        assert!(problems[1].starts_with("line 2, column forecast_on (C), \"31/02/2019\""));
        assert!(problems[2].starts_with("line 2, column status (D), \"done\""));
    }

    #[test]
    fn progress_rules_of_the_form() {
        let (_, p) = progress(&["RAL", "M1", "", "complete", "", ""]);
        assert!(p[0].contains("column actual_on"), "{p:?}");
        let (_, p) = progress(&["RAL", "M1", "", "in_progress", "2019-01-01", ""]);
        assert!(p[0].contains("column status"), "{p:?}");
        let (_, p) = progress(&["RAL", "M1", "", "complete", "2020-02-01", ""]);
        assert!(p[0].contains("cannot be in the future"), "{p:?}");
    }

    #[test]
    fn templates_have_the_headers_and_one_example() {
        for kind in Kind::ALL {
            let template = kind.template();
            let mut lines = template.lines();
            assert_eq!(lines.next().unwrap(), kind.headers().join(","));
            assert_eq!(lines.count(), 1);
            assert_eq!(Kind::from_code(kind.code()), Some(kind));
        }
    }

    fn allocation(cells: &[&str]) -> (Option<AllocationLine>, Vec<String>) {
        let row = Row::for_test(2, cells, ALLOCATIONS);
        let mut problems = Problems::default();
        let line = allocation_line(&row, &mut problems);
        (
            line,
            problems.listed.iter().map(|p| p.to_string()).collect(),
        )
    }

    #[test]
    fn the_allocation_template_row_is_valid() {
        let example: Vec<&str> = ALLOCATIONS.iter().map(|c| c.example).collect();
        let (line, problems) = allocation(&example);
        assert!(problems.is_empty(), "{problems:?}");
        let line = line.unwrap();
        assert_eq!(line.central, Pence::from_pounds(1_500_000));
        assert_eq!(line.profile.len(), 2);
    }

    #[test]
    fn allocation_money_and_profile_rules() {
        let row = |central: &str, fy17: &str| {
            allocation(&[
                "RAL",
                "A-1",
                central,
                "0",
                "2017-06-01",
                "",
                fy17,
                "",
                "",
                "",
                "",
                "",
                "",
            ])
        };
        let (_, p) = row("-5", "");
        assert!(
            p[0].contains("column central (C)") && p[0].contains("negative"),
            "{p:?}"
        );
        let (_, p) = row("£1,234.567", "");
        assert!(p[0].contains("3 decimal places"), "{p:?}");
        let (_, p) = row("100", "99");
        assert!(p[0].contains("column central (C)"), "{p:?}");
        let (_, p) = row("100", "1.001");
        assert!(p[0].contains("column fy_2017_18 (G)"), "{p:?}");
        let (line, p) = row("£1,234.56", "1234.56");
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(line.unwrap().central.value(), 123_456);
    }

    #[test]
    fn tranche_rows_follow_the_form() {
        let check = |cells: &[&str]| {
            let row = Row::for_test(2, cells, TRANCHES);
            let mut problems = Problems::default();
            let line = tranche_line(&row, &mut problems);
            (
                line,
                problems
                    .listed
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>(),
            )
        };
        let example: Vec<&str> = TRANCHES.iter().map(|c| c.example).collect();
        let (line, p) = check(&example);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(line.unwrap().amount, Pence::from_pounds(500_000));
        let (_, p) = check(&["RAL", "ALLOC-1", "T", "milestone", "", "5", ""]);
        assert!(p[0].contains("column milestone_reference (E)"), "{p:?}");
        let (_, p) = check(&["RAL", "ALLOC-1", "T", "upfront", "", "0", ""]);
        assert!(p[0].contains("more than £0"), "{p:?}");
    }

    #[test]
    fn the_milestone_template_row_is_valid() {
        let template = Kind::Milestones.template();
        let example: Vec<&str> = template.lines().nth(1).unwrap().split(',').collect();
        let row = Row::for_test(2, &example, MILESTONES);
        let mut problems = Problems::default();
        assert!(
            milestone_line(&row, &mut problems).is_some(),
            "{:?}",
            problems.listed
        );
    }
}
