//! Back-office users: listing, reading and changing them, always within the
//! viewer's organization.

pub mod export;
mod filter;
mod input;
pub mod mass;
pub mod ownership;
pub mod relations;
mod write;

pub(crate) use filter::like_pattern;
pub use filter::{UserFilter, UserOrder, UserOrderField, UserView, visible_after, visible_to};
pub(crate) use input::check_new_password;
pub use input::{NewUser, UserChanges};
pub use mass::UserMassAction;

use entity::user;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::Gatehouse;
use crate::authority::{self, Changeable, Reach};
use crate::error::{Error, Result};
use crate::pagination::{Page, PageRequest};
use crate::viewer::Viewer;

pub struct UserService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl UserService<'_> {
    /// The user, if the viewer may see it.
    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<user::Model>> {
        Ok(filter::visible_to(viewer)
            .filter(user::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    /// The user, or `NOT_FOUND` when it does not exist or is out of scope.
    pub async fn visible(&self, viewer: &Viewer, id: i64) -> Result<user::Model> {
        self.get(viewer, id).await?.ok_or(Error::not_found("user"))
    }

    /// The user, when the viewer may change it: visible, and holding no
    /// permission the viewer lacks in any organization it belongs to, so
    /// nobody takes over a more powerful account (`authority`).
    pub async fn changeable(&self, viewer: &Viewer, id: i64) -> Result<Changeable<user::Model>> {
        let user = self.visible(viewer, id).await?;
        authority::user(self.app, viewer, user, Reach::Everywhere).await
    }

    /// The user, when the viewer may change its credentials in
    /// `organization_id` (API keys, OAuth applications).
    pub async fn changeable_in(
        &self,
        viewer: &Viewer,
        id: i64,
        organization_id: i64,
    ) -> Result<Changeable<user::Model>> {
        let user = self.visible(viewer, id).await?;
        authority::user(self.app, viewer, user, Reach::Organization(organization_id)).await
    }

    /// Users by id, whatever their organization (DataLoaders; callers only
    /// pass ids of records the viewer already sees).
    pub async fn by_ids(&self, ids: &[i64]) -> Result<Vec<user::Model>> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .all(self.app.db())
            .await?)
    }

    /// The viewer's own record: as read with the viewer (which lives no
    /// longer than nothing changes, `auth::known`), else from the database.
    pub async fn me(&self, viewer: &Viewer) -> Result<user::Model> {
        if let Some(user) = &viewer.user {
            return Ok(user::Model::clone(user));
        }
        user::Entity::find_by_id(viewer.user_id)
            .one(self.app.db())
            .await?
            .ok_or(Error::Unauthenticated)
    }

    /// One page of the users the viewer may see.
    pub async fn list(
        &self,
        viewer: &Viewer,
        filter: &UserFilter,
        order: &UserOrder,
        page: &PageRequest,
    ) -> Result<Page<user::Model>> {
        let select = filter.apply(viewer, filter::visible_to(viewer));
        order
            .keyset()
            .fetch(self.app.db(), select, page, |user| order.sort_value(user))
            .await
    }

    /// How many users match, over all pages. Without a text search or a
    /// list of ids, from memory while nothing changed (`count_kept`): the
    /// unfiltered list and the saved views are counted once, not on every
    /// request.
    pub async fn count(&self, viewer: &Viewer, filter: &UserFilter) -> Result<u64> {
        let count = async || {
            Ok(filter
                .apply(viewer, filter::visible_to(viewer))
                .count(self.app.db())
                .await?)
        };
        if filter.search.is_some() || filter.ids.is_some() || !filter.exclude_ids.is_empty() {
            return count().await;
        }
        let what = format!(
            "users:{}:{}",
            viewer.organization_id,
            serde_json::to_string(filter).unwrap_or_default()
        );
        self.app.count_kept(what, count).await
    }
}
