//! Roles and permissions.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entity::role;
use domain::roles::RoleInput;

use super::connection::{Total, connection, total};
use super::context::{app, id, page, viewer};
use super::guard::needs;
use super::loaders::{OrganizationById, PermissionsOfRole, RequestLoader};
use super::organizations::Organization;

/// A capability a role grants. Every query and mutation names the one it
/// needs in its description.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::permissions::Permission")]
pub enum Permission {
    /// See back-office users and their details.
    UsersView,
    /// Create back-office users.
    UsersCreate,
    /// Edit back-office users, enable, disable and activate them.
    UsersUpdate,
    /// Delete back-office users.
    UsersDelete,
    /// Change the password of back-office users.
    UsersManagePasswords,
    /// Generate API keys for back-office users.
    UsersManageApiKeys,
    /// See organizations.
    OrganizationsView,
    /// Create, edit and delete organizations.
    OrganizationsManage,
    /// See business units.
    BusinessUnitsView,
    /// Create, edit and delete business units.
    BusinessUnitsManage,
    /// See roles and their permissions.
    RolesView,
    /// Create, edit and delete the roles of an organization.
    RolesManage,
    /// Create, edit and delete system-wide roles, which every organization sees.
    SystemRolesManage,
    /// See groups.
    GroupsView,
    /// Create, edit and delete groups.
    GroupsManage,
    /// Read the audit log.
    AuditView,
    /// Export back-office users to CSV.
    UsersExport,
    /// See every background job of the organization (everyone sees their own).
    JobsView,
    /// Retry and cancel every job of the organization, and download its exports.
    JobsManage,
    /// See the job queues of every organization: counts, workers and the job board.
    OperationsView,
    /// See email templates and preview them.
    EmailTemplatesView,
    /// Edit the email templates of one's organization (its own copies).
    EmailTemplatesManage,
    /// Edit the system default email templates, which every organization
    /// without its own copy sends.
    EmailTemplatesManageSystem,
    /// See customers (companies) and their details.
    CustomersView,
    /// Create, edit and delete customers.
    CustomersManage,
    /// See customer users, their addresses, roles and consents.
    CustomerUsersView,
    /// Create customer users.
    CustomerUsersCreate,
    /// Edit customer users; enable, disable, unlock and confirm them.
    CustomerUsersUpdate,
    /// Delete customer users.
    CustomerUsersDelete,
    /// Reset the password of customer users.
    CustomerUsersManagePasswords,
    /// Act on the storefront as a customer user (audited).
    CustomerUsersImpersonate,
    /// Export customer users to CSV.
    CustomerUsersExport,
    /// Import customer users from CSV.
    CustomerUsersImport,
    /// See customer-user roles and their permissions.
    CustomerRolesView,
    /// Create, edit and delete customer-user roles.
    CustomerRolesManage,
    /// See websites, localizations and consents.
    WebsitesView,
    /// Create, edit and delete websites, localizations and consents.
    WebsitesManage,
    /// See OAuth applications (never their secrets).
    #[graphql(name = "OAUTH_APPLICATIONS_VIEW")]
    OAuthApplicationsView,
    /// Create, edit, deactivate and delete OAuth applications and rotate their secrets.
    #[graphql(name = "OAUTH_APPLICATIONS_MANAGE")]
    OAuthApplicationsManage,
}

use domain::permissions::Permission as DomainPermission;

/// A permission with its stored name and what it allows.
#[derive(SimpleObject)]
pub struct PermissionInfo {
    /// The permission.
    pub permission: Permission,
    /// The stored name, e.g. `users.view`.
    pub name: &'static str,
    /// What it allows.
    pub description: &'static str,
}

/// A named set of permissions.
pub struct Role(pub role::Model);

/// A named set of permissions.
#[Object]
impl Role {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// Name, unique among the roles an organization sees.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the role is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Whether every organization sees the role (it belongs to none).
    async fn system_wide(&self) -> bool {
        self.0.organization_id.is_none()
    }

    /// The organization the role belongs to; none when system-wide.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(organization) = self.0.organization_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(OrganizationById(organization))
            .await?
            .map(Organization))
    }

    /// What the role grants.
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<Permission>> {
        let loaded = ctx
            .data::<RequestLoader>()?
            .load_one(PermissionsOfRole(self.0.id))
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_iter()
            .map(Permission::from)
            .collect())
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

/// A new role.
#[derive(InputObject)]
pub struct CreateRoleInput {
    /// Name, unique among the roles an organization sees.
    pub name: String,
    /// What the role is for.
    pub description: Option<String>,
    /// Only permissions the viewer holds can be granted.
    pub permissions: Vec<Permission>,
    /// Create a system-wide role (needs `SYSTEM_ROLES_MANAGE`) instead of one
    /// of the viewer's organization.
    #[graphql(default)]
    pub system_wide: bool,
}

/// Changes to a role; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateRoleInput {
    /// New name.
    pub name: Option<String>,
    /// What the role is for; null clears it.
    #[graphql(default)]
    pub description: MaybeUndefined<String>,
    /// Replaces the role's permissions.
    pub permissions: Option<Vec<Permission>>,
}

fn to_domain(permissions: Vec<Permission>) -> Vec<DomainPermission> {
    permissions
        .into_iter()
        .map(DomainPermission::from)
        .collect()
}

#[derive(Default)]
pub struct RoleQuery;

#[Object]
impl RoleQuery {
    /// System-wide roles and the roles of the viewer's organization, by name.
    #[graphql(guard = "needs(DomainPermission::RolesView)")]
    async fn roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> Result<Connection<String, Role, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let page = app.roles().list(viewer, &page(ctx, first, after)?).await?;
        let total = total(ctx, app.roles().count(viewer)).await?;
        Ok(connection(page, Role, total))
    }

    /// A role the viewer's organization sees; null when there is none.
    #[graphql(guard = "needs(DomainPermission::RolesView)")]
    async fn role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the role.")] id: ID,
    ) -> Result<Option<Role>> {
        Ok(app(ctx)?
            .roles()
            .get(viewer(ctx)?, self::id(&id, "id")?)
            .await?
            .map(Role))
    }

    /// Every permission there is, with what it allows.
    #[graphql(guard = "needs(DomainPermission::RolesView)")]
    async fn permissions(&self) -> Vec<PermissionInfo> {
        DomainPermission::ALL
            .iter()
            .map(|p| PermissionInfo {
                permission: (*p).into(),
                name: p.as_str(),
                description: p.description(),
            })
            .collect()
    }
}

#[derive(Default)]
pub struct RoleMutation;

#[Object]
impl RoleMutation {
    /// Creates a role. System-wide roles need `SYSTEM_ROLES_MANAGE` too.
    #[graphql(guard = "needs(DomainPermission::RolesManage)")]
    async fn create_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: CreateRoleInput,
    ) -> Result<Role> {
        let input = RoleInput {
            name: Some(input.name),
            description: Some(input.description),
            permissions: Some(to_domain(input.permissions)),
            system_wide: input.system_wide,
        };
        Ok(Role(app(ctx)?.roles().create(viewer(ctx)?, input).await?))
    }

    /// Edits a role. System-wide roles need `SYSTEM_ROLES_MANAGE` too.
    #[graphql(guard = "needs(DomainPermission::RolesManage)")]
    async fn update_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the role.")] id: ID,
        #[graphql(desc = "The fields to set.")] input: UpdateRoleInput,
    ) -> Result<Role> {
        let changes = RoleInput {
            name: input.name,
            description: input.description.into(),
            permissions: input.permissions.map(to_domain),
            system_wide: false,
        };
        Ok(Role(
            app(ctx)?
                .roles()
                .update(viewer(ctx)?, self::id(&id, "id")?, changes)
                .await?,
        ))
    }

    /// Deletes a role nobody holds. Answers the id.
    #[graphql(guard = "needs(DomainPermission::RolesManage)")]
    async fn delete_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the role.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .roles()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }
}
