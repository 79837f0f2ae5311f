//! What a user may do, and ending what lets it in: permissions in an
//! organization, and revoking sessions and API keys.

use std::collections::HashMap;

use entity::{api_key, role, role_permission, session, user_role};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait,
};

use crate::error::Result;
use crate::permissions::PermissionSet;

/// The permissions `user_id` holds in `organization_id`: those of its
/// system-wide roles and of its roles of that organization.
pub async fn permissions_of(
    db: &impl ConnectionTrait,
    user_id: i64,
    organization_id: i64,
) -> Result<PermissionSet> {
    let names: Vec<String> = role_permission::Entity::find()
        .select_only()
        .column(role_permission::Column::Permission)
        .distinct()
        .join(JoinType::InnerJoin, role_permission::Relation::Role.def())
        .filter(
            role_permission::Column::RoleId.in_subquery(
                Query::select()
                    .column(user_role::Column::RoleId)
                    .from(user_role::Entity)
                    .and_where(user_role::Column::UserId.eq(user_id))
                    .to_owned(),
            ),
        )
        .filter(
            Condition::any()
                .add(role::Column::OrganizationId.is_null())
                .add(role::Column::OrganizationId.eq(organization_id)),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(PermissionSet::from_names(names.iter().map(String::as_str)))
}

/// What stops working when an account changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoke {
    Nothing,
    /// Login sessions (a changed password).
    Sessions,
    /// Sessions, API keys and OAuth tokens (a disabled, locked or reset
    /// account).
    SessionsAndKeys,
}

/// Ends what `what` names for `user_id`, at once.
pub async fn revoke(conn: &impl ConnectionTrait, user_id: i64, what: Revoke) -> Result<()> {
    if what == Revoke::Nothing {
        return Ok(());
    }
    revoke_many(conn, &[user_id], what).await
}

/// `revoke` for many users in one go.
pub async fn revoke_many(
    conn: &impl ConnectionTrait,
    user_ids: &[i64],
    what: Revoke,
) -> Result<()> {
    if what == Revoke::Nothing || user_ids.is_empty() {
        return Ok(());
    }
    session::Entity::delete_many()
        .filter(session::Column::UserId.is_in(user_ids.iter().copied()))
        .exec(conn)
        .await?;
    if what == Revoke::SessionsAndKeys {
        api_key::Entity::delete_many()
            .filter(api_key::Column::UserId.is_in(user_ids.iter().copied()))
            .exec(conn)
            .await?;
        crate::oauth::end_tokens_of_users(conn, user_ids).await?;
    }
    Ok(())
}

/// The permissions each of `user_ids` holds in `organization_id`.
pub async fn permissions_of_users(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
    organization_id: i64,
) -> Result<HashMap<i64, PermissionSet>> {
    let rows: Vec<(i64, String)> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .column(role_permission::Column::Permission)
        .join(JoinType::InnerJoin, user_role::Relation::Target.def())
        .join(JoinType::InnerJoin, role::Relation::Permissions.def())
        .filter(user_role::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(
            Condition::any()
                .add(role::Column::OrganizationId.is_null())
                .add(role::Column::OrganizationId.eq(organization_id)),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    for (user, permission) in rows {
        names.entry(user).or_default().push(permission);
    }
    Ok(names
        .into_iter()
        .map(|(user, names)| {
            (
                user,
                PermissionSet::from_names(names.iter().map(String::as_str)),
            )
        })
        .collect())
}
