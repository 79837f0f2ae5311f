//! Organizations: the viewer sees and manages the ones it belongs to.

use std::collections::HashMap;

use entity::{business_unit, organization, user, user_organization};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::db::conflict_on;
use crate::error::{Error, Result};
use crate::pagination::{Keyset, Page, PageRequest, SortValue};
use crate::permissions::Permission;
use crate::validate;
use crate::viewer::Viewer;

const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("ux_organizations_name", "name"),
    ("organizations.name", "name"),
];

/// The name of organization `id` (empty when it is gone), for emails.
pub async fn name_of(conn: &impl ConnectionTrait, id: i64) -> Result<String> {
    Ok(organization::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|o| o.name)
        .unwrap_or_default())
}

/// The first organization of `user_id` (by id), with its name: where
/// emails about the account as a whole are sent from.
pub async fn first_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<(i64, String)>> {
    let first: Option<i64> = user_organization::Entity::find()
        .select_only()
        .column(user_organization::Column::OrganizationId)
        .filter(user_organization::Column::UserId.eq(user_id))
        .order_by_asc(user_organization::Column::OrganizationId)
        .into_tuple()
        .one(conn)
        .await?;
    match first {
        Some(id) => Ok(Some((id, name_of(conn, id).await?))),
        None => Ok(None),
    }
}

/// What `updateOrganization` changes; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    /// Whether its customer users may be impersonated at all.
    pub impersonation_enabled: Option<bool>,
}

pub struct OrganizationService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl OrganizationService<'_> {
    pub async fn list(
        &self,
        viewer: &Viewer,
        page: &PageRequest,
    ) -> Result<Page<organization::Model>> {
        let select = organization::Entity::find()
            .filter(organization::Column::Id.is_in(viewer.organization_ids.clone()));
        Keyset::new(
            organization::Column::Id,
            organization::Column::Id,
            false,
            false,
        )
        .fetch(self.app.db(), select, page, |o| SortValue::Int(o.id))
        .await
    }

    pub async fn count(&self, viewer: &Viewer) -> Result<u64> {
        Ok(organization::Entity::find()
            .filter(organization::Column::Id.is_in(viewer.organization_ids.clone()))
            .count(self.app.db())
            .await?)
    }

    /// Organizations by id (callers scope them).
    pub async fn by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, organization::Model>> {
        let rows = organization::Entity::find()
            .filter(organization::Column::Id.is_in(ids.iter().copied()))
            .all(self.app.db())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    /// The organization, if the viewer belongs to it.
    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<organization::Model>> {
        if !viewer.organization_ids.contains(&id) {
            return Ok(None);
        }
        Ok(organization::Entity::find_by_id(id)
            .one(self.app.db())
            .await?)
    }

    async fn visible(&self, viewer: &Viewer, id: i64) -> Result<organization::Model> {
        self.get(viewer, id)
            .await?
            .ok_or(Error::not_found("organization"))
    }

    /// The organization, when the viewer may manage it: the permission must
    /// be held in that organization itself, not only in the current one.
    async fn manageable(&self, viewer: &Viewer, id: i64) -> Result<organization::Model> {
        viewer.require(Permission::OrganizationsManage)?;
        let organization = self.visible(viewer, id).await?;
        if id != viewer.organization_id {
            let there = crate::auth::permissions_of(self.app.db(), viewer.user_id, id).await?;
            if !there.contains(Permission::OrganizationsManage) {
                return Err(Error::forbidden(format!(
                    "the permission {} is required in that organization",
                    Permission::OrganizationsManage
                )));
            }
        }
        Ok(organization)
    }

    /// Creates an organization with its root business unit and makes the
    /// viewer a member, so it can set the organization up.
    pub async fn create(&self, viewer: &Viewer, name: &str) -> Result<organization::Model> {
        viewer.require(Permission::OrganizationsManage)?;
        let name = validate::required("name", name, 255)?;
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let organization = organization::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            name: Set(name.clone()),
            enabled: Set(true),
            impersonation_enabled: Set(true),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        business_unit::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(organization.id),
            parent_id: Set(None),
            name: Set(name),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if viewer.user_id != 0 {
            user_organization::ActiveModel {
                user_id: Set(viewer.user_id),
                organization_id: Set(organization.id),
            }
            .insert(&txn)
            .await?;
        }
        let details = json!({ "name": organization.name });
        audit::record(
            &txn,
            &viewer.actor(),
            "organization.create",
            Target::new("organization", organization.id),
            None,
            Some(details),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(organization)
    }

    pub async fn update(
        &self,
        viewer: &Viewer,
        id: i64,
        changes: OrganizationChanges,
    ) -> Result<organization::Model> {
        let OrganizationChanges {
            name,
            enabled,
            impersonation_enabled,
        } = changes;
        let current = self.manageable(viewer, id).await?;
        if enabled == Some(false) && id == viewer.organization_id {
            return Err(Error::invalid(
                "enabled",
                "you cannot disable the organization you are working in",
            ));
        }
        let mut model: organization::ActiveModel = current.into();
        let mut details = json!({});
        if let Some(name) = name {
            let name = validate::required("name", &name, 255)?;
            details["name"] = json!(name);
            model.name = Set(name);
        }
        if let Some(enabled) = enabled {
            details["enabled"] = json!(enabled);
            model.enabled = Set(enabled);
        }
        if let Some(allowed) = impersonation_enabled {
            details["impersonationEnabled"] = json!(allowed);
            model.impersonation_enabled = Set(allowed);
        }
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let organization = model
            .update(&txn)
            .await
            .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        audit::record(
            &txn,
            &viewer.actor(),
            "organization.update",
            Target::new("organization", id),
            None,
            Some(details),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(organization)
    }

    /// Deletes an organization that no longer has users, with its business
    /// units, groups and roles.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        self.manageable(viewer, id).await?;
        if id == viewer.organization_id {
            return Err(Error::invalid(
                "id",
                "you cannot delete the organization you are working in",
            ));
        }
        let db = self.app.db();
        let members = user_organization::Entity::find()
            .filter(user_organization::Column::OrganizationId.eq(id))
            .filter(user_organization::Column::UserId.ne(viewer.user_id))
            .count(db)
            .await?;
        let units: Vec<i64> = business_unit::Entity::find()
            .filter(business_unit::Column::OrganizationId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|unit| unit.id)
            .collect();
        let owned = user::Entity::find()
            .filter(user::Column::OwnerBusinessUnitId.is_in(units.clone()))
            .count(db)
            .await?;
        if members > 0 || owned > 0 {
            return Err(Error::conflict(
                "id",
                format!(
                    "the organization still has {} users; move or delete them first",
                    members.max(owned)
                ),
            ));
        }
        let txn = crate::db::write(db).await?;
        user_organization::Entity::delete_many()
            .filter(user_organization::Column::OrganizationId.eq(id))
            .exec(&txn)
            .await?;
        entity::group::Entity::delete_many()
            .filter(entity::group::Column::OrganizationId.eq(id))
            .exec(&txn)
            .await?;
        entity::role::Entity::delete_many()
            .filter(entity::role::Column::OrganizationId.eq(id))
            .exec(&txn)
            .await?;
        // Children before parents: units form a tree.
        let mut remaining = units;
        while !remaining.is_empty() {
            let parents: Vec<i64> = business_unit::Entity::find()
                .filter(business_unit::Column::ParentId.is_in(remaining.clone()))
                .all(&txn)
                .await?
                .into_iter()
                .filter_map(|unit| unit.parent_id)
                .collect();
            let leaves: Vec<i64> = remaining
                .iter()
                .copied()
                .filter(|id| !parents.contains(id))
                .collect();
            business_unit::Entity::delete_many()
                .filter(business_unit::Column::Id.is_in(leaves.clone()))
                .exec(&txn)
                .await?;
            remaining.retain(|id| !leaves.contains(id));
        }
        organization::Entity::delete_by_id(id).exec(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "organization.delete",
            Target::new("organization", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }
}
