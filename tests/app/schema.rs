//! The migrated schema matches the entities on this backend.
use gde::entities::*;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::support::fresh_db;

#[tokio::test]
async fn every_entity_reads_from_a_freshly_migrated_database() {
    let t = fresh_db().await;
    let db = &t.db;
    // A column missing from the migration, or typed differently, fails here.
    assert_eq!(Organisations::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Participants::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Pairings::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Partnerships::find().all(db).await.unwrap().len(), 0);
    assert_eq!(FundingCaps::find().all(db).await.unwrap().len(), 0);
    assert_eq!(CapGroups::find().all(db).await.unwrap().len(), 0);
    assert_eq!(CapGroupMembers::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Allocations::find().all(db).await.unwrap().len(), 0);
    assert_eq!(AllocationProfiles::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Tranches::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Milestones::find().all(db).await.unwrap().len(), 0);
    assert_eq!(
        BaselineChangeRequests::find().all(db).await.unwrap().len(),
        0
    );
    assert_eq!(ReportingPeriods::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Returns::find().all(db).await.unwrap().len(), 0);
    assert_eq!(
        ReturnMilestoneUpdates::find().all(db).await.unwrap().len(),
        0
    );
    assert_eq!(ReturnRisks::find().all(db).await.unwrap().len(), 0);
    assert_eq!(MaturityAssessments::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Users::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Sessions::find().all(db).await.unwrap().len(), 0);
    assert_eq!(ApiTokens::find().all(db).await.unwrap().len(), 0);
    assert_eq!(AuditEvents::find().count(db).await.unwrap(), 0);
}

#[tokio::test]
async fn migrating_twice_is_harmless() {
    let t = fresh_db().await;
    gde::db::migrate(&t.db).await.unwrap();
    assert_eq!(Participants::find().count(&t.db).await.unwrap(), 0);
}
