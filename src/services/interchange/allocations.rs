//! Allocations with their financial-year profiles: created within the caps,
//! as the allocation form creates them; an existing allocation is matched by
//! ODS code and reference and only compared (its money moves through a
//! change request, as on its page).
//!
//! An allocations file is small (a programme has tens of allocations, not
//! millions), so its rows are held in memory while the caps are checked
//! together: the cap groups and then the participants the file names are
//! claimed, in that order (the lock order of `concurrency`), and each new row
//! is counted against its participant's cap and its group's shared cap with
//! every allocation already recorded and every earlier new row of the file.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{ExportFilter, ImportOutcome, MAX_LISTED_ROWS, RowOutcome, Source};
use crate::domain::financial_year::FinancialYear;
use crate::domain::funding::{check_allocation, check_group_allocation};
use crate::domain::interchange::cells::money_text;
use crate::domain::interchange::kinds::{
    self, A_PROFILE, A_VERSION, AllocationLine, Kind, PROFILE_COLUMNS,
};
use crate::domain::interchange::{Problem, RowAction};
use crate::domain::money::Pence;
use crate::domain::participant::{Role, Sector};
use crate::domain::spreadsheet::{Cell, neutralise};
use crate::entities::{
    AllocationProfiles, Allocations, CapGroupMembers, Organisations, Participants, allocation,
    allocation_profile, cap_group_member,
};
use crate::services::concurrency::{claim_cap_group, claim_participant};
use crate::services::{By, ServiceError};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;

/// The most rows an allocations file may have (held in memory while the caps
/// are checked together).
pub const MAX_ALLOCATION_ROWS: usize = 100_000;

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An allocation as stored, for comparing with a row.
struct Stored {
    central: Pence,
    local_match: Pence,
    awarded_on: time::Date,
    profile: Vec<(FinancialYear, Pence)>,
    version: i32,
}

pub(super) async fn import<R: Read + Send>(
    db: &DatabaseConnection,
    by: &By,
    outcome: &mut ImportOutcome,
    source: Source<'_, R>,
) -> Result<(), ServiceError> {
    let kind = Kind::Allocations;
    let known = super::milestones::participants(db).await?;
    let Some(mut rows) = super::open_rows(source.reader, kind, outcome) else {
        return Ok(());
    };
    let mut lines: Vec<(AllocationLine, i32, i32)> = Vec::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let mut cells_of: HashMap<u64, Vec<String>> = HashMap::new();
    let names = rows.column_names();
    while let Some(row) = rows.next_row(&mut outcome.problems) {
        let Some(line) = kinds::allocation_line(&row, &mut outcome.problems) else {
            continue;
        };
        let ods = line.ods.as_str().to_owned();
        let (participant, organisation) = match known.participant(&ods) {
            Ok(ids) => ids,
            Err(reason) => {
                outcome.problems.push(row.problem(0, reason));
                continue;
            }
        };
        if let Some(first) = seen.insert((ods.clone(), line.reference.clone()), line.line) {
            outcome.problems.push(row.problem(
                1,
                format!(
                    "{ods} {} is also on line {first}; each allocation once per file",
                    line.reference
                ),
            ));
            continue;
        }
        if lines.len() >= MAX_ALLOCATION_ROWS {
            outcome.problems.push(Problem::row(
                line.line,
                format!("an allocations file has at most {MAX_ALLOCATION_ROWS} rows"),
            ));
            break;
        }
        cells_of.insert(
            line.line,
            (0..kind.columns().len())
                .map(|i| row.cell(i).to_owned())
                .collect(),
        );
        lines.push((line, participant, organisation));
    }
    if lines.is_empty() {
        return Ok(());
    }
    let column = |i: usize| names.get(i).cloned().unwrap_or_default();
    let cell = |line: u64, i: usize| {
        cells_of
            .get(&line)
            .and_then(|c| c.get(i))
            .cloned()
            .unwrap_or_default()
    };

    // The cap groups of the participants named, read before BEGIN so their
    // rows can be claimed first.
    let participants: BTreeSet<i32> = lines.iter().map(|(_, p, _)| *p).collect();
    let membership: HashMap<i32, i32> = CapGroupMembers::find()
        .filter(cap_group_member::Column::ParticipantId.is_in(participants.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.participant_id, m.group_id))
        .collect();
    let groups: BTreeSet<i32> = membership.values().copied().collect();

    let txn = crate::services::begin_write(db).await?;
    for group in &groups {
        claim_cap_group(&txn, *group).await?;
    }
    for participant in &participants {
        claim_participant(&txn, *participant).await?;
    }
    let caps = crate::store::funding::cap_table(&txn).await?;
    // Membership again, under the claims: a change since is a conflict.
    let mut group_cap = HashMap::new();
    let mut group_total: HashMap<i32, Vec<Pence>> = HashMap::new();
    for participant in &participants {
        let group = crate::store::funding::group_of(&txn, *participant).await?;
        if group.as_ref().map(|(id, _)| *id) != membership.get(participant).copied() {
            return Err(ServiceError::Conflict);
        }
        if let Some((id, group)) = group
            && !group_cap.contains_key(&id)
        {
            group_total.insert(
                id,
                crate::store::funding::group_allocations(&txn, id, None).await?,
            );
            group_cap.insert(id, group);
        }
    }
    let mut place: HashMap<i32, (Role, Sector)> = HashMap::new();
    for p in Participants::find()
        .filter(crate::entities::participant::Column::Id.is_in(participants.iter().copied()))
        .all(&txn)
        .await?
    {
        place.insert(
            p.id,
            (
                decode("role", Role::from_code(&p.role))?,
                decode("sector", Sector::from_code(&p.sector))?,
            ),
        );
    }
    let mut stored: HashMap<(i32, String), Stored> = HashMap::new();
    let mut totals: HashMap<i32, Vec<Pence>> = HashMap::new();
    let existing = Allocations::find()
        .filter(allocation::Column::ParticipantId.is_in(participants.iter().copied()))
        .all(&txn)
        .await?;
    let ids: Vec<i32> = existing.iter().map(|a| a.id).collect();
    let mut profiles: HashMap<i32, Vec<(FinancialYear, Pence)>> = HashMap::new();
    for r in AllocationProfiles::find()
        .filter(allocation_profile::Column::AllocationId.is_in(ids))
        .all(&txn)
        .await?
    {
        profiles.entry(r.allocation_id).or_default().push((
            decode("financial year", FinancialYear::new(r.financial_year))?,
            decode("amount", Pence::new(r.amount_pence))?,
        ));
    }
    for a in existing {
        let central = decode("amount", Pence::new(a.central_pence))?;
        totals.entry(a.participant_id).or_default().push(central);
        let mut profile = profiles.remove(&a.id).unwrap_or_default();
        profile.sort_by_key(|(y, _)| *y);
        stored.insert(
            (a.participant_id, a.reference.clone()),
            Stored {
                central,
                local_match: decode("amount", Pence::new(a.local_match_pence))?,
                awarded_on: a.awarded_on,
                profile,
                version: a.version,
            },
        );
    }

    // New rows of this file counted so far, by participant and by group.
    let mut from_file: HashMap<i32, usize> = HashMap::new();
    let mut group_from_file: HashMap<i32, usize> = HashMap::new();
    let together = |n: usize| {
        if n > 0 {
            ", counting the new allocations in the rows above"
        } else {
            ""
        }
    };
    let mut actions = Vec::new();
    for (line, participant, organisation) in &lines {
        let l = line.line;
        let key = format!("{} {}", line.ods.as_str(), line.reference);
        if let Some(s) = stored.get(&(*participant, line.reference.clone())) {
            if let Some(v) = line.version
                && v != s.version
            {
                outcome.problems.push(Problem::cell(
                    l,
                    &column(A_VERSION),
                    v.to_string(),
                    format!(
                        "conflict: {key} has changed since it was exported (version {v}, now {}); \
                         export it again and redo the change",
                        s.version
                    ),
                ));
                continue;
            }
            let differs = if line.central != s.central {
                Some(2)
            } else if line.local_match != s.local_match {
                Some(3)
            } else if line.awarded_on != s.awarded_on {
                Some(4)
            } else if line.profile != s.profile {
                let years: BTreeMap<i32, Pence> = line
                    .profile
                    .iter()
                    .map(|(y, p)| (y.start_year(), *p))
                    .collect();
                let was: BTreeMap<i32, Pence> = s
                    .profile
                    .iter()
                    .map(|(y, p)| (y.start_year(), *p))
                    .collect();
                PROFILE_COLUMNS
                    .iter()
                    .position(|(y, _)| years.get(y) != was.get(y))
                    .map(|i| A_PROFILE + i)
                    .or(Some(A_PROFILE))
            } else {
                None
            };
            match differs {
                Some(i) => outcome.problems.push(Problem::cell(
                    l,
                    &column(i),
                    cell(l, i),
                    format!(
                        "{key} already exists and an import does not change it; an \
                         allocation's money and profile change only through a change request, \
                         on the participant's page (request a change to the allocation)"
                    ),
                )),
                None => actions.push((line, *participant, *organisation, RowAction::Unchanged)),
            }
            continue;
        }
        let (role, sector) = place[participant];
        let others = totals.entry(*participant).or_default();
        if let Err(e) =
            check_allocation(line.ods.as_str(), role, sector, &caps, others, line.central)
        {
            outcome.problems.push(Problem::cell(
                l,
                &column(2),
                cell(l, 2),
                format!(
                    "{}{}",
                    capitalise(&e.to_string()),
                    together(from_file.get(participant).copied().unwrap_or(0))
                ),
            ));
            continue;
        }
        if let Some(group) = membership.get(participant) {
            let members = group_total.entry(*group).or_default();
            if let Err(e) =
                check_group_allocation(&group_cap[group], line.ods.as_str(), members, line.central)
            {
                outcome.problems.push(Problem::cell(
                    l,
                    &column(2),
                    cell(l, 2),
                    format!(
                        "{}{}",
                        capitalise(&e.to_string()),
                        together(group_from_file.get(group).copied().unwrap_or(0))
                    ),
                ));
                continue;
            }
            members.push(line.central);
            *group_from_file.entry(*group).or_default() += 1;
        }
        *from_file.entry(*participant).or_default() += 1;
        others.push(line.central);
        actions.push((line, *participant, *organisation, RowAction::Create));
    }
    for (line, _, _, action) in &actions {
        match action {
            RowAction::Create => outcome.created += 1,
            RowAction::Update => outcome.updated += 1,
            RowAction::Unchanged => outcome.unchanged += 1,
        }
        if outcome.rows.len() < MAX_LISTED_ROWS {
            outcome.rows.push(RowOutcome {
                line: line.line,
                key: format!("{} {}", line.ods.as_str(), line.reference),
                action: *action,
            });
        }
    }
    if !outcome.problems.is_empty() || outcome.dry_run {
        txn.rollback().await?;
        return Ok(());
    }
    let now = crate::clock::now();
    for (line, participant, organisation, action) in actions {
        if action != RowAction::Create {
            continue;
        }
        let created = allocation::ActiveModel {
            participant_id: Set(participant),
            reference: Set(line.reference.clone()),
            central_pence: Set(line.central.value()),
            local_match_pence: Set(line.local_match.value()),
            awarded_on: Set(line.awarded_on),
            illustrative: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for (fy, amount) in &line.profile {
            allocation_profile::ActiveModel {
                allocation_id: Set(created.id),
                financial_year: Set(fy.start_year()),
                amount_pence: Set(amount.value()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        audit::record(
            &txn,
            AuditEntry::by(
                by,
                "allocation.create",
                "allocation",
                &created.id.to_string(),
            )
            .organisation(organisation)
            .reason(&format!(
                "Spreadsheet import {} ({} file {}), line {}",
                outcome.import_id,
                kind.code(),
                source.file_name,
                line.line
            ))
            .after(json!({
                "reference": created.reference,
                "central_pence": created.central_pence,
                "local_match_pence": created.local_match_pence,
                "awarded_on": created.awarded_on.to_string(),
                "profile": line.profile.iter().map(|(fy, p)| (fy.to_string(), p.value()))
                    .collect::<BTreeMap<_, _>>(),
            })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub(super) async fn export(
    db: &DatabaseConnection,
    by: &By,
    filter: &ExportFilter,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    let readable = |org: i32| match by {
        By::User(actor) => actor.can_read_organisation(org),
        By::Cli => true,
    };
    let orgs: HashMap<i32, (String, i32)> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|o| o.ods_code.map(|c| (o.id, (c, o.id))))
        .collect();
    let participants: HashMap<i32, (String, i32)> = Participants::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| orgs.get(&p.organisation_id).map(|o| (p.id, o.clone())))
        .collect();
    let mut allocations: Vec<(String, allocation::Model)> = Allocations::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|a| {
            let (ods, org) = participants.get(&a.participant_id)?;
            (readable(*org)
                && filter
                    .milestones
                    .participant
                    .as_ref()
                    .is_none_or(|p| p == ods))
            .then(|| (ods.clone(), a))
        })
        .collect();
    allocations.sort_by(|a, b| (&a.0, &a.1.reference).cmp(&(&b.0, &b.1.reference)));
    let mut profiles: HashMap<(i32, i32), i64> = HashMap::new();
    for r in AllocationProfiles::find().all(db).await? {
        profiles.insert((r.allocation_id, r.financial_year), r.amount_pence);
    }
    let io = |e: csv::Error| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string()));
    let mut writer = csv::Writer::from_writer(out);
    writer
        .write_record(
            Kind::Allocations
                .headers()
                .iter()
                .map(|h| neutralise(h).into_owned()),
        )
        .map_err(io)?;
    let money = |v: i64| -> Result<Cell, ServiceError> {
        Ok(Cell::text(money_text(decode("amount", Pence::new(v))?)))
    };
    let mut written = 0;
    for (ods, a) in &allocations {
        let mut cells = vec![
            Cell::text(ods.clone()),
            Cell::text(a.reference.clone()),
            money(a.central_pence)?,
            money(a.local_match_pence)?,
            Cell::text(a.awarded_on.to_string()),
        ];
        for (year, _) in PROFILE_COLUMNS {
            cells.push(match profiles.get(&(a.id, *year)) {
                Some(v) => money(*v)?,
                None => Cell::text(""),
            });
        }
        cells.push(Cell::count(a.version));
        writer
            .write_record(cells.iter().map(|c| c.csv_field().into_owned()))
            .map_err(io)?;
        written += 1;
    }
    writer
        .flush()
        .map_err(|e| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string())))?;
    Ok(written)
}
