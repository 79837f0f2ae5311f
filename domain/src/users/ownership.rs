//! Records a back-office user owns. A user who owns anything cannot be
//! deleted; each owning entity adds its count here, and `deleteUser` and the
//! mass delete both ask this one place.

use sea_orm::DatabaseConnection;

use crate::error::Result;

/// Kinds of records a user can own, with how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRecords {
    /// What is owned, in the back office's words (`customers`).
    pub kind: &'static str,
    pub count: u64,
}

/// Everything `user_id` owns, empty when the user can be deleted.
///
/// No record type owned by a back-office user exists yet; customers,
/// customer users (as owner or sales representative) and OAuth
/// applications add their counts here as they arrive.
pub async fn owned_records(_db: &DatabaseConnection, _user_id: i64) -> Result<Vec<OwnedRecords>> {
    Ok(Vec::new())
}

/// The refusal message for a user who owns `records`.
pub fn refusal(records: &[OwnedRecords]) -> String {
    let owned: Vec<String> = records
        .iter()
        .map(|r| format!("{} {}", r.count, r.kind))
        .collect();
    format!(
        "the user owns records and cannot be deleted: {}; reassign them first",
        owned.join(", ")
    )
}
