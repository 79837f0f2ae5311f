//! The `User` type and its enums.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use domain::entity::user;
use domain::permissions::Permission as DomainPermission;

use crate::graphql::auth::ApiKey;
use crate::graphql::business_units::BusinessUnit;
use crate::graphql::context::{app, viewer};
use crate::graphql::groups::Group;
use crate::graphql::guard::needs;
use crate::graphql::loaders::{
    BusinessUnitById, BusinessUnitsOfUser, EmailsOfUser, GroupsOfUser, OrganizationsOfUser,
    RequestLoader, RolesOfUser,
};
use crate::graphql::organizations::Organization;
use crate::graphql::roles::Role;

/// Whether a user may authenticate, apart from being enabled.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entity::user::AuthStatus")]
pub enum AuthStatus {
    /// May log in (when enabled).
    Active,
    /// Locked after too many failed logins; `activateUser` unlocks.
    Locked,
    /// Must set a new password through a reset link before logging in.
    PasswordReset,
}

/// A back-office user.
pub struct User(pub user::Model);

fn loader<'a>(ctx: &Context<'a>) -> Result<&'a RequestLoader> {
    ctx.data::<RequestLoader>()
}

/// A back-office user.
#[Object]
impl User {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// Unique, compared without regard to case.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// E.g. `Dr.`
    async fn name_prefix(&self) -> Option<&str> {
        self.0.name_prefix.as_deref()
    }

    /// First name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }

    /// Middle name.
    async fn middle_name(&self) -> Option<&str> {
        self.0.middle_name.as_deref()
    }

    /// Last name.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }

    /// E.g. `Jr.`
    async fn name_suffix(&self) -> Option<&str> {
        self.0.name_suffix.as_deref()
    }

    /// Prefix, first, middle and last name and suffix, as one line.
    async fn full_name(&self) -> String {
        let u = &self.0;
        [
            u.name_prefix.as_deref(),
            Some(u.first_name.as_str()),
            u.middle_name.as_deref(),
            u.last_name.as_deref(),
            u.name_suffix.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// Date of birth.
    async fn birthday(&self) -> Option<NaiveDate> {
        self.0.birthday
    }

    /// URL of the user's picture.
    async fn avatar(&self) -> Option<&str> {
        self.0.avatar.as_deref()
    }

    /// Primary email: unique; login accepts it in place of the username.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Further addresses of the user.
    async fn additional_emails(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(loader(ctx)?
            .load_one(EmailsOfUser(self.0.id))
            .await?
            .unwrap_or_default())
    }

    /// Phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// A disabled user cannot log in, whatever the status.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    /// Whether the user may authenticate; see `AuthStatus`.
    async fn auth_status(&self) -> AuthStatus {
        self.0.auth_status.into()
    }

    /// Consecutive failed logins since the last success.
    async fn failed_login_count(&self) -> i32 {
        self.0.failed_login_count
    }

    /// Whether the user can log in now: enabled and `ACTIVE`.
    async fn can_log_in(&self) -> bool {
        self.0.enabled && self.0.auth_status == user::AuthStatus::Active
    }

    /// The business unit that owns the user record.
    async fn owner_business_unit(&self, ctx: &Context<'_>) -> Result<Option<BusinessUnit>> {
        let unit = loader(ctx)?
            .load_one(BusinessUnitById(self.0.owner_business_unit_id))
            .await?;
        let organization = viewer(ctx)?.organization_ids.clone();
        Ok(unit
            .filter(|u| organization.contains(&u.organization_id))
            .map(BusinessUnit))
    }

    /// The user's organizations that the viewer belongs to as well.
    async fn organizations(&self, ctx: &Context<'_>) -> Result<Vec<Organization>> {
        let mine = &viewer(ctx)?.organization_ids;
        let all = loader(ctx)?
            .load_one(OrganizationsOfUser(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|o| mine.contains(&o.id))
            .map(Organization)
            .collect())
    }

    /// The user's business units in the viewer's organization.
    async fn business_units(&self, ctx: &Context<'_>) -> Result<Vec<BusinessUnit>> {
        let org = viewer(ctx)?.organization_id;
        let all = loader(ctx)?
            .load_one(BusinessUnitsOfUser(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|u| u.organization_id == org)
            .map(BusinessUnit)
            .collect())
    }

    /// The user's groups in the viewer's organization.
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<Group>> {
        let org = viewer(ctx)?.organization_id;
        let all = loader(ctx)?
            .load_one(GroupsOfUser(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|g| g.organization_id == org)
            .map(Group)
            .collect())
    }

    /// The user's system-wide roles and roles of the viewer's organization.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        let org = viewer(ctx)?.organization_id;
        let all = loader(ctx)?
            .load_one(RolesOfUser(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|r| r.organization_id.is_none_or(|o| o == org))
            .map(Role)
            .collect())
    }

    /// The user's API keys in the viewer's organizations (never the keys
    /// themselves).
    #[graphql(guard = "needs(DomainPermission::UsersManageApiKeys)")]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<ApiKey>> {
        let keys = app(ctx)?
            .auth()
            .api_keys_of(viewer(ctx)?, self.0.id)
            .await?;
        Ok(keys.into_iter().map(ApiKey).collect())
    }

    /// The last successful login; none before the first.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }

    /// When the password was last set.
    async fn password_changed_at(&self) -> Option<DateTime<Utc>> {
        self.0.password_changed_at
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
