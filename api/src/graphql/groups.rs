//! Groups of users.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use domain::entity::group;
use domain::permissions::Permission;

use super::connection::{Total, connection, total};
use super::context::{app, id, page, viewer};
use super::guard::needs;

/// A named group of users in one organization.
pub struct Group(pub group::Model);

/// A named group of users in one organization.
#[Object]
impl Group {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// Unique within the organization.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A group's fields.
#[derive(InputObject)]
pub struct GroupInput {
    /// Unique within the organization.
    pub name: String,
}

#[derive(Default)]
pub struct GroupQuery;

#[Object]
impl GroupQuery {
    /// Groups of the viewer's organization, by name.
    #[graphql(guard = "needs(Permission::GroupsView)")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> Result<Connection<String, Group, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let page = app.groups().list(viewer, &page(ctx, first, after)?).await?;
        let total = total(ctx, app.groups().count(viewer)).await?;
        Ok(connection(page, Group, total))
    }

    /// A group of the viewer's organization; null when there is none.
    #[graphql(guard = "needs(Permission::GroupsView)")]
    async fn group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the group.")] id: ID,
    ) -> Result<Option<Group>> {
        Ok(app(ctx)?
            .groups()
            .get(viewer(ctx)?, self::id(&id, "id")?)
            .await?
            .map(Group))
    }
}

#[derive(Default)]
pub struct GroupMutation;

#[Object]
impl GroupMutation {
    /// Creates a group in the viewer's organization.
    #[graphql(guard = "needs(Permission::GroupsManage)")]
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: GroupInput,
    ) -> Result<Group> {
        Ok(Group(
            app(ctx)?.groups().create(viewer(ctx)?, &input.name).await?,
        ))
    }

    /// Renames a group.
    #[graphql(guard = "needs(Permission::GroupsManage)")]
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the group.")] id: ID,
        #[graphql(desc = "The fields to set.")] input: GroupInput,
    ) -> Result<Group> {
        Ok(Group(
            app(ctx)?
                .groups()
                .update(viewer(ctx)?, self::id(&id, "id")?, &input.name)
                .await?,
        ))
    }

    /// Deletes the group; its members leave it. Answers the id.
    #[graphql(guard = "needs(Permission::GroupsManage)")]
    async fn delete_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the group.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .groups()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }
}
