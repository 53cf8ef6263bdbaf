//! Tranches of existing allocations: defined within the allocation, as the
//! tranche form defines them; an existing tranche (same ODS code, allocation
//! reference and name) is only compared. Releases are never imported:
//! releasing money stays a confirmed action on the participant's page.
//!
//! Like allocations, a tranches file is small and held in memory: the
//! allocations it names are claimed (in id order) in the writing transaction,
//! then each new row is counted against its allocation with the tranches
//! already defined and every earlier new row of the file.
use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::allocations::MAX_ALLOCATION_ROWS;
use super::{ExportFilter, ImportOutcome, MAX_LISTED_ROWS, RowOutcome, Source};
use crate::domain::funding::check_tranches;
use crate::domain::interchange::cells::money_text;
use crate::domain::interchange::kinds::{self, Kind, TrancheLine};
use crate::domain::interchange::{Problem, RowAction};
use crate::domain::money::Pence;
use crate::domain::spreadsheet::{Cell, neutralise};
use crate::entities::{
    Allocations, Milestones, Organisations, Participants, Tranches, allocation, milestone, tranche,
};
use crate::services::concurrency::claim_allocation;
use crate::services::{By, ServiceError};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

struct Row {
    line: TrancheLine,
    participant: i32,
    organisation: i32,
    cells: Vec<String>,
}

pub(super) async fn import<R: Read + Send>(
    db: &DatabaseConnection,
    by: &By,
    outcome: &mut ImportOutcome,
    source: Source<'_, R>,
) -> Result<(), ServiceError> {
    let kind = Kind::Tranches;
    let known = super::milestones::participants(db).await?;
    let Some(mut rows) = super::open_rows(source.reader, kind, outcome) else {
        return Ok(());
    };
    let mut lines: Vec<Row> = Vec::new();
    let mut seen: HashMap<(String, String, String), u64> = HashMap::new();
    let names = rows.column_names();
    while let Some(row) = rows.next_row(&mut outcome.problems) {
        let Some(line) = kinds::tranche_line(&row, &mut outcome.problems) else {
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
        let key = (ods.clone(), line.allocation.clone(), line.name.clone());
        if let Some(first) = seen.insert(key, line.line) {
            outcome.problems.push(row.problem(
                2,
                format!(
                    "{ods} {} {:?} is also on line {first}; each tranche once per file",
                    line.allocation, line.name
                ),
            ));
            continue;
        }
        if lines.len() >= MAX_ALLOCATION_ROWS {
            outcome.problems.push(Problem::row(
                line.line,
                format!("a tranches file has at most {MAX_ALLOCATION_ROWS} rows"),
            ));
            break;
        }
        let cells = (0..kind.columns().len())
            .map(|i| row.cell(i).to_owned())
            .collect();
        lines.push(Row {
            line,
            participant,
            organisation,
            cells,
        });
    }
    if lines.is_empty() {
        return Ok(());
    }
    let column = |i: usize| names.get(i).cloned().unwrap_or_default();

    // The allocations named, found before BEGIN so they can be claimed first.
    let participants: BTreeSet<i32> = lines.iter().map(|r| r.participant).collect();
    let allocation_ids: HashMap<(i32, String), i32> = Allocations::find()
        .filter(allocation::Column::ParticipantId.is_in(participants.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| ((a.participant_id, a.reference), a.id))
        .collect();
    let claimed: BTreeSet<i32> = lines
        .iter()
        .filter_map(|r| {
            allocation_ids
                .get(&(r.participant, r.line.allocation.clone()))
                .copied()
        })
        .collect();

    let txn = crate::services::begin_write(db).await?;
    for id in &claimed {
        claim_allocation(&txn, *id).await?;
    }
    let central: HashMap<i32, Pence> = Allocations::find()
        .filter(allocation::Column::Id.is_in(claimed.iter().copied()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| Ok((a.id, decode("amount", Pence::new(a.central_pence))?)))
        .collect::<Result<_, ServiceError>>()?;
    let mut committed: HashMap<i32, Vec<Pence>> = HashMap::new();
    let mut stored: HashMap<(i32, String), tranche::Model> = HashMap::new();
    for t in Tranches::find()
        .filter(tranche::Column::AllocationId.is_in(claimed.iter().copied()))
        .all(&txn)
        .await?
    {
        committed
            .entry(t.allocation_id)
            .or_default()
            .push(decode("amount", Pence::new(t.amount_pence))?);
        stored.insert((t.allocation_id, t.name.clone()), t);
    }
    let milestones: HashMap<(i32, String), i32> = Milestones::find()
        .filter(milestone::Column::ParticipantId.is_in(participants.iter().copied()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| ((m.participant_id, m.reference), m.id))
        .collect();
    let milestone_refs: HashMap<i32, String> = milestones
        .iter()
        .map(|((_, r), id)| (*id, r.clone()))
        .collect();

    let mut from_file: HashMap<i32, usize> = HashMap::new();
    let mut actions = Vec::new();
    for r in &lines {
        let l = r.line.line;
        let cell = |i: usize| r.cells.get(i).cloned().unwrap_or_default();
        let ods = r.line.ods.as_str();
        let key = format!("{ods} {} {}", r.line.allocation, r.line.name);
        let Some(&allocation_id) = allocation_ids.get(&(r.participant, r.line.allocation.clone()))
        else {
            outcome.problems.push(Problem::cell(
                l,
                &column(1),
                cell(1),
                format!(
                    "{ods} has no allocation {}; import allocations first",
                    r.line.allocation
                ),
            ));
            continue;
        };
        let milestone_id = match &r.line.milestone {
            Some(reference) => {
                match milestones.get(&(r.participant, reference.as_str().to_owned())) {
                    Some(id) => Some(*id),
                    None => {
                        outcome.problems.push(Problem::cell(
                            l,
                            &column(4),
                            cell(4),
                            format!("{ods} has no milestone {}", reference.as_str()),
                        ));
                        continue;
                    }
                }
            }
            None => None,
        };
        if let Some(t) = stored.get(&(allocation_id, r.line.name.clone())) {
            if let Some(v) = r.line.version
                && v != t.version
            {
                outcome.problems.push(Problem::cell(
                    l,
                    &column(6),
                    v.to_string(),
                    format!(
                        "conflict: {key} has changed since it was exported (version {v}, now {}); \
                         export it again and redo the change",
                        t.version
                    ),
                ));
                continue;
            }
            let differs = if t.kind != r.line.kind.code() {
                Some(3)
            } else if t.milestone_id != milestone_id {
                Some(4)
            } else if t.amount_pence != r.line.amount.value() {
                Some(5)
            } else {
                None
            };
            match differs {
                Some(i) => outcome.problems.push(Problem::cell(
                    l,
                    &column(i),
                    cell(i),
                    format!(
                        "{key} is already defined and an import does not change it; a tranche \
                         once defined is not changed by a file"
                    ),
                )),
                None => actions.push((r, allocation_id, milestone_id, RowAction::Unchanged)),
            }
            continue;
        }
        // Gone since it was found: someone else's change got there first.
        let Some(&allocated) = central.get(&allocation_id) else {
            return Err(ServiceError::Conflict);
        };
        let existing = committed.entry(allocation_id).or_default();
        if let Err(e) = check_tranches(allocated, existing, r.line.amount) {
            let n = from_file.get(&allocation_id).copied().unwrap_or(0);
            outcome.problems.push(Problem::cell(
                l,
                &column(5),
                cell(5),
                format!(
                    "{}{}",
                    capitalise(&e.to_string()),
                    if n > 0 {
                        ", counting the new tranches in the rows above"
                    } else {
                        ""
                    }
                ),
            ));
            continue;
        }
        existing.push(r.line.amount);
        *from_file.entry(allocation_id).or_default() += 1;
        actions.push((r, allocation_id, milestone_id, RowAction::Create));
    }
    for (r, _, _, action) in &actions {
        match action {
            RowAction::Create => outcome.created += 1,
            RowAction::Update => outcome.updated += 1,
            RowAction::Unchanged => outcome.unchanged += 1,
        }
        if outcome.rows.len() < MAX_LISTED_ROWS {
            outcome.rows.push(RowOutcome {
                line: r.line.line,
                key: format!(
                    "{} {} {}",
                    r.line.ods.as_str(),
                    r.line.allocation,
                    r.line.name
                ),
                action: *action,
            });
        }
    }
    if !outcome.problems.is_empty() || outcome.dry_run {
        txn.rollback().await?;
        return Ok(());
    }
    let now = crate::clock::now();
    for (r, allocation_id, milestone_id, action) in actions {
        if action != RowAction::Create {
            continue;
        }
        let created = tranche::ActiveModel {
            allocation_id: Set(allocation_id),
            name: Set(r.line.name.clone()),
            kind: Set(r.line.kind.code().to_owned()),
            milestone_id: Set(milestone_id),
            amount_pence: Set(r.line.amount.value()),
            released_on: Set(None),
            released_by: Set(None),
            illustrative: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            AuditEntry::by(by, "tranche.create", "tranche", &created.id.to_string())
                .organisation(r.organisation)
                .reason(&format!(
                    "Spreadsheet import {} ({} file {}), line {}",
                    outcome.import_id,
                    kind.code(),
                    source.file_name,
                    r.line.line
                ))
                .after(json!({
                    "name": created.name,
                    "kind": created.kind,
                    "milestone": milestone_id.and_then(|id| milestone_refs.get(&id)),
                    "amount_pence": created.amount_pence,
                    "released_on": null,
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
    let orgs: HashMap<i32, String> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|o| o.ods_code.map(|c| (o.id, c)))
        .collect();
    let participants: HashMap<i32, (String, i32)> = Participants::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| {
            orgs.get(&p.organisation_id)
                .map(|o| (p.id, (o.clone(), p.organisation_id)))
        })
        .collect();
    let allocations: HashMap<i32, (String, String)> = Allocations::find()
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
            .then(|| (a.id, (ods.clone(), a.reference)))
        })
        .collect();
    let milestones: HashMap<i32, String> = Milestones::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.reference))
        .collect();
    let mut tranches: Vec<(&(String, String), tranche::Model)> = Tranches::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|t| Some((allocations.get(&t.allocation_id)?, t)))
        .collect();
    tranches.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    let io = |e: csv::Error| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string()));
    let mut writer = csv::Writer::from_writer(out);
    writer
        .write_record(
            Kind::Tranches
                .headers()
                .iter()
                .map(|h| neutralise(h).into_owned()),
        )
        .map_err(io)?;
    let mut written = 0;
    for ((ods, reference), t) in &tranches {
        let cells = [
            Cell::text(ods.clone()),
            Cell::text(reference.clone()),
            Cell::text(t.name.clone()),
            Cell::text(t.kind.clone()),
            Cell::text(
                t.milestone_id
                    .and_then(|id| milestones.get(&id).cloned())
                    .unwrap_or_default(),
            ),
            Cell::text(money_text(decode("amount", Pence::new(t.amount_pence))?)),
            Cell::count(t.version),
        ];
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
