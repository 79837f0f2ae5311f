//! API keys: at most one per user and organization, shown once, stored as
//! a hash; `X-API-Key` authenticates as the user within that organization.

use entity::{api_key, user_organization};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::{AuthService, NewApiKey};
use crate::audit::{self, Target};
use crate::error::{Error, Result};
use crate::permissions::Permission;
use crate::tokens;
use crate::viewer::Viewer;

impl AuthService<'_> {
    /// Creates the API key of `user_id` in `organization_id` (the viewer's
    /// when absent), replacing the previous one.
    pub async fn generate_api_key(
        &self,
        viewer: &Viewer,
        user_id: i64,
        organization_id: Option<i64>,
    ) -> Result<NewApiKey> {
        viewer.require(Permission::UsersManageApiKeys)?;
        let organization_id = organization_id.unwrap_or(viewer.organization_id);
        if !viewer.organization_ids.contains(&organization_id) {
            return Err(Error::not_found("organization"));
        }
        let user = self
            .app
            .users()
            .changeable_in(viewer, user_id, organization_id)
            .await?;
        let member = user_organization::Entity::find_by_id((user.id, organization_id))
            .one(self.app.db())
            .await?;
        if member.is_none() {
            return Err(Error::invalid(
                "organizationId",
                "the user does not belong to that organization",
            ));
        }
        let key = tokens::generate(tokens::API_KEY_PREFIX);
        let txn = crate::db::write(self.app.db()).await?;
        api_key::Entity::delete_many()
            .filter(api_key::Column::UserId.eq(user.id))
            .filter(api_key::Column::OrganizationId.eq(organization_id))
            .exec(&txn)
            .await?;
        let api_key = api_key::ActiveModel {
            user_id: Set(user.id),
            organization_id: Set(organization_id),
            key_hash: Set(tokens::digest(&key)),
            key_prefix: Set(key.chars().take(12).collect()),
            created_at: Set(self.app.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let details = json!({ "organizationId": organization_id });
        audit::record(
            &txn,
            &viewer.actor(),
            "user.api_key.generate",
            Target::new("user", user.id),
            None,
            Some(details),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(NewApiKey { key, api_key })
    }

    /// Deletes the API key of `user_id` in `organization_id` (the viewer's
    /// when absent). Answers whether there was one.
    pub async fn revoke_api_key(
        &self,
        viewer: &Viewer,
        user_id: i64,
        organization_id: Option<i64>,
    ) -> Result<bool> {
        viewer.require(Permission::UsersManageApiKeys)?;
        let organization_id = organization_id.unwrap_or(viewer.organization_id);
        if !viewer.organization_ids.contains(&organization_id) {
            return Err(Error::not_found("organization"));
        }
        let user = self
            .app
            .users()
            .changeable_in(viewer, user_id, organization_id)
            .await?;
        let txn = crate::db::write(self.app.db()).await?;
        let deleted = api_key::Entity::delete_many()
            .filter(api_key::Column::UserId.eq(user.id))
            .filter(api_key::Column::OrganizationId.eq(organization_id))
            .exec(&txn)
            .await?
            .rows_affected;
        if deleted > 0 {
            let details = json!({ "organizationId": organization_id });
            audit::record(
                &txn,
                &viewer.actor(),
                "user.api_key.revoke",
                Target::new("user", user.id),
                None,
                Some(details),
            )
            .await?;
        }
        self.app.commit(txn).await?;
        Ok(deleted > 0)
    }

    /// The API keys of a user, in the organizations the viewer belongs to.
    pub async fn api_keys_of(&self, viewer: &Viewer, user_id: i64) -> Result<Vec<api_key::Model>> {
        Ok(api_key::Entity::find()
            .filter(api_key::Column::UserId.eq(user_id))
            .filter(api_key::Column::OrganizationId.is_in(viewer.organization_ids.clone()))
            .order_by_asc(api_key::Column::OrganizationId)
            .all(self.app.db())
            .await?)
    }
}
