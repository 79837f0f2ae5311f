//! Records a back-office user owns. A user who owns anything cannot be
//! deleted; each owning entity adds its count here, and `deleteUser` and the
//! mass delete both ask this one place.

use std::collections::HashMap;

use entity::{
    customer, customer_sales_representative, customer_user, customer_user_sales_representative,
    oauth_application,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use crate::error::Result;

/// Kinds of records a user can own, with how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRecords {
    /// What is owned, in the back office's words (`customers`).
    pub kind: &'static str,
    pub count: u64,
}

/// `user_ids` grouped with how many of `column`'s rows name each.
async fn counts<E: EntityTrait>(
    db: &DatabaseConnection,
    column: E::Column,
    user_ids: &[i64],
) -> Result<HashMap<i64, u64>>
where
    E::Column: ColumnTrait + Copy,
{
    let rows: Vec<(i64, i64)> = E::find()
        .select_only()
        .column(column)
        .column_as(Expr::col(column).count(), "count")
        .filter(column.is_in(user_ids.iter().copied()))
        .group_by(column)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(user, count)| (user, u64::try_from(count).unwrap_or(0)))
        .collect())
}

/// What each of `user_ids` owns; users owning nothing are left out. The
/// customers and customer users it owns, and those it represents as a
/// sales representative, one grouped statement each whatever the number of
/// users, and its OAuth applications. Later owning records add their
/// counts here.
pub async fn owned_by(
    db: &DatabaseConnection,
    user_ids: &[i64],
) -> Result<HashMap<i64, Vec<OwnedRecords>>> {
    let kinds = [
        (
            "customers",
            counts::<customer::Entity>(db, customer::Column::OwnerId, user_ids).await?,
        ),
        (
            "customer users",
            counts::<customer_user::Entity>(db, customer_user::Column::OwnerId, user_ids).await?,
        ),
        (
            "customers represented as sales representative",
            counts::<customer_sales_representative::Entity>(
                db,
                customer_sales_representative::Column::UserId,
                user_ids,
            )
            .await?,
        ),
        (
            "customer users represented as sales representative",
            counts::<customer_user_sales_representative::Entity>(
                db,
                customer_user_sales_representative::Column::UserId,
                user_ids,
            )
            .await?,
        ),
        (
            "OAuth applications",
            counts::<oauth_application::Entity>(db, oauth_application::Column::UserId, user_ids)
                .await?,
        ),
    ];
    let mut owned: HashMap<i64, Vec<OwnedRecords>> = HashMap::new();
    for (kind, counts) in kinds {
        for (user, count) in counts.into_iter().filter(|(_, count)| *count > 0) {
            owned
                .entry(user)
                .or_default()
                .push(OwnedRecords { kind, count });
        }
    }
    Ok(owned)
}

/// Everything `user_id` owns, empty when the user can be deleted.
pub async fn owned_records(db: &DatabaseConnection, user_id: i64) -> Result<Vec<OwnedRecords>> {
    Ok(owned_by(db, &[user_id])
        .await?
        .remove(&user_id)
        .unwrap_or_default())
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
