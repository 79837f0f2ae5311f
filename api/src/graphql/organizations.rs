//! Organizations: the tenants every record is scoped to.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use domain::entity::organization;
use domain::permissions::Permission;

use super::connection::{Total, connection, total};
use super::context::{app, id, page, viewer};
use super::guard::needs;

/// An organization: users, business units, groups and roles live in one.
pub struct Organization(pub organization::Model);

/// An organization: users, business units, groups and roles live in one.
#[Object]
impl Organization {
    /// Unique identifier.
    async fn id(&self) -> async_graphql::ID {
        self.0.id.into()
    }

    /// Unique name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Users of a disabled organization cannot log in to it.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    /// Whether its customer users may be impersonated
    /// (`impersonateCustomerUser`).
    async fn impersonation_enabled(&self) -> bool {
        self.0.impersonation_enabled
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

/// A new organization.
#[derive(InputObject)]
pub struct CreateOrganizationInput {
    /// Unique name.
    pub name: String,
}

/// Changes to an organization; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// New unique name.
    pub name: Option<String>,
    /// Disabling keeps users from working in it.
    pub enabled: Option<bool>,
    /// Whether back-office users holding `CUSTOMER_USERS_IMPERSONATE` may
    /// impersonate its customer users; off also ends every impersonation
    /// session at once.
    pub impersonation_enabled: Option<bool>,
}

#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    /// The organizations the viewer belongs to.
    #[graphql(guard = "needs(Permission::OrganizationsView)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> Result<Connection<String, Organization, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let page = app
            .organizations()
            .list(viewer, &page(ctx, first, after)?)
            .await?;
        let total = total(ctx, app.organizations().count(viewer)).await?;
        Ok(connection(page, Organization, total))
    }

    /// One organization the viewer belongs to.
    #[graphql(guard = "needs(Permission::OrganizationsView)")]
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the organization.")] id: ID,
    ) -> Result<Option<Organization>> {
        let found = app(ctx)?
            .organizations()
            .get(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(found.map(Organization))
    }
}

#[derive(Default)]
pub struct OrganizationMutation;

#[Object]
impl OrganizationMutation {
    /// Creates an organization with a root business unit; the viewer joins it.
    #[graphql(guard = "needs(Permission::OrganizationsManage)")]
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: CreateOrganizationInput,
    ) -> Result<Organization> {
        Ok(Organization(
            app(ctx)?
                .organizations()
                .create(viewer(ctx)?, &input.name)
                .await?,
        ))
    }

    /// Renames, enables or disables an organization the viewer belongs to.
    #[graphql(guard = "needs(Permission::OrganizationsManage)")]
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the organization.")] id: ID,
        #[graphql(desc = "The fields to set.")] input: UpdateOrganizationInput,
    ) -> Result<Organization> {
        let id = self::id(&id, "id")?;
        let updated = app(ctx)?
            .organizations()
            .update(
                viewer(ctx)?,
                id,
                domain::organizations::OrganizationChanges {
                    name: input.name,
                    enabled: input.enabled,
                    impersonation_enabled: input.impersonation_enabled,
                },
            )
            .await?;
        Ok(Organization(updated))
    }

    /// Deletes an organization without users, with its units, groups and
    /// roles. Answers the id.
    #[graphql(guard = "needs(Permission::OrganizationsManage)")]
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the organization.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .organizations()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }
}
