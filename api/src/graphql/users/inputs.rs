//! Inputs of the user operations, and their translation to the domain's.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined};
use chrono::NaiveDate;
use domain::secrecy::SecretString;
use domain::users::{self as domain_users, NewUser, UserChanges};

use super::types::AuthStatus;
use crate::graphql::context::{id, ids};

/// The saved views of the user list.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "domain::users::UserView")]
pub enum UserView {
    /// Every user.
    #[default]
    All,
    /// Enabled users.
    Active,
    /// Disabled users.
    Disabled,
    /// Users who are locked or must reset their password.
    CannotLogIn,
}

/// Which users to list; every criterion narrows the list.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Words matched anywhere in the username, names and emails.
    pub search: Option<String>,
    /// Users who are (not) enabled.
    pub enabled: Option<bool>,
    /// Users with this authentication status.
    pub auth_status: Option<AuthStatus>,
    /// A saved view; `ALL` when absent.
    pub view: Option<UserView>,
    /// Users who belong to this organization too.
    pub organization_id: Option<ID>,
    /// Users in this business unit.
    pub business_unit_id: Option<ID>,
    /// Users holding this role.
    pub role_id: Option<ID>,
    /// Users in this group.
    pub group_id: Option<ID>,
}

impl UserFilter {
    pub fn into_domain(self) -> domain::Result<domain_users::UserFilter> {
        let optional = |value: Option<ID>, field: &str| value.map(|v| id(&v, field)).transpose();
        Ok(domain_users::UserFilter {
            search: self.search.filter(|s| !s.trim().is_empty()),
            enabled: self.enabled,
            auth_status: self.auth_status.map(Into::into),
            view: self.view.unwrap_or_default().into(),
            organization_id: optional(self.organization_id, "filter.organizationId")?,
            business_unit_id: optional(self.business_unit_id, "filter.businessUnitId")?,
            role_id: optional(self.role_id, "filter.roleId")?,
            group_id: optional(self.group_id, "filter.groupId")?,
            ids: None,
            exclude_ids: Vec::new(),
        })
    }
}

/// What the user list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "domain::users::UserOrderField")]
pub enum UserOrderField {
    /// Username, without regard to case.
    #[default]
    Username,
    /// Primary email, without regard to case.
    Email,
    /// Users without a last name come last.
    LastName,
    /// When the user was created.
    CreatedAt,
    /// Users who never logged in come last.
    LastLoginAt,
}

/// Ascending or descending.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// The order of the user list; by username when absent.
#[derive(InputObject, Default)]
pub struct UserOrder {
    /// What to order by.
    #[graphql(default)]
    pub field: UserOrderField,
    /// Ascending when absent.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<UserOrder> for domain_users::UserOrder {
    fn from(order: UserOrder) -> Self {
        Self {
            field: order.field.into(),
            descending: order.direction == OrderDirection::Desc,
        }
    }
}

/// A new back-office user.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Unique, without regard to case; no spaces.
    pub username: String,
    /// Must satisfy the password policy.
    #[graphql(secret)]
    pub password: String,
    /// Must equal `password`.
    #[graphql(secret)]
    pub password_confirmation: String,
    /// E.g. `Dr.`
    pub name_prefix: Option<String>,
    /// Required.
    pub first_name: String,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// E.g. `Jr.`
    pub name_suffix: Option<String>,
    /// Not in the future.
    pub birthday: Option<NaiveDate>,
    /// URL of the user's picture (http or https).
    pub avatar: Option<String>,
    /// Unique primary email.
    pub email: String,
    /// Further addresses, at most 20.
    #[graphql(default)]
    pub additional_emails: Vec<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Whether the user may log in; true when absent.
    #[graphql(default = true)]
    pub enabled: bool,
    /// The owning business unit; the root unit of the viewer's organization
    /// when absent.
    pub owner_business_unit_id: Option<ID>,
    /// The viewer's organization when absent; must include it otherwise.
    pub organization_ids: Option<Vec<ID>>,
    /// Business units of the user's organizations.
    #[graphql(default)]
    pub business_unit_ids: Vec<ID>,
    /// Groups of the user's organizations.
    #[graphql(default)]
    pub group_ids: Vec<ID>,
    /// At least one; each system-wide or of one of the user's organizations.
    pub role_ids: Vec<ID>,
    /// Email the new user an invitation (template `invitation`).
    #[graphql(default)]
    pub send_invitation: bool,
}

impl CreateUserInput {
    pub fn into_domain(self) -> domain::Result<NewUser> {
        Ok(NewUser {
            username: self.username,
            password: SecretString::from(self.password),
            password_confirmation: SecretString::from(self.password_confirmation),
            name_prefix: self.name_prefix,
            first_name: self.first_name,
            middle_name: self.middle_name,
            last_name: self.last_name,
            name_suffix: self.name_suffix,
            birthday: self.birthday,
            avatar: self.avatar,
            email: self.email,
            additional_emails: self.additional_emails,
            phone: self.phone,
            enabled: self.enabled,
            owner_business_unit_id: self
                .owner_business_unit_id
                .map(|v| id(&v, "ownerBusinessUnitId"))
                .transpose()?,
            organization_ids: self
                .organization_ids
                .map(|v| ids(&v, "organizationIds"))
                .transpose()?,
            business_unit_ids: ids(&self.business_unit_ids, "businessUnitIds")?,
            group_ids: ids(&self.group_ids, "groupIds")?,
            role_ids: ids(&self.role_ids, "roleIds")?,
            send_invitation: self.send_invitation,
        })
    }
}

/// Changes to a user; absent fields stay as they are, `null` clears an
/// optional one. The password has its own mutation.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// New username: unique without regard to case; no spaces.
    pub username: Option<String>,
    /// E.g. `Dr.`
    #[graphql(default)]
    pub name_prefix: MaybeUndefined<String>,
    /// Cannot be cleared.
    pub first_name: Option<String>,
    /// Middle name.
    #[graphql(default)]
    pub middle_name: MaybeUndefined<String>,
    /// Last name.
    #[graphql(default)]
    pub last_name: MaybeUndefined<String>,
    /// E.g. `Jr.`
    #[graphql(default)]
    pub name_suffix: MaybeUndefined<String>,
    /// Not in the future.
    #[graphql(default)]
    pub birthday: MaybeUndefined<NaiveDate>,
    /// URL of the user's picture (http or https).
    #[graphql(default)]
    pub avatar: MaybeUndefined<String>,
    /// New primary email; unique.
    pub email: Option<String>,
    /// Replaces the additional emails.
    pub additional_emails: Option<Vec<String>>,
    /// Phone number.
    #[graphql(default)]
    pub phone: MaybeUndefined<String>,
    /// Disabling ends the user's sessions.
    pub enabled: Option<bool>,
    /// The business unit that owns the user record.
    pub owner_business_unit_id: Option<ID>,
    /// Replaces the organizations; must include the viewer's.
    pub organization_ids: Option<Vec<ID>>,
    /// Replaces the business units.
    pub business_unit_ids: Option<Vec<ID>>,
    /// Replaces the groups.
    pub group_ids: Option<Vec<ID>>,
    /// Replaces the roles; at least one.
    pub role_ids: Option<Vec<ID>>,
}

impl UpdateUserInput {
    pub fn into_domain(self) -> domain::Result<UserChanges> {
        let list = |value: Option<Vec<ID>>, field: &str| value.map(|v| ids(&v, field)).transpose();
        Ok(UserChanges {
            username: self.username,
            name_prefix: self.name_prefix.into(),
            first_name: self.first_name,
            middle_name: self.middle_name.into(),
            last_name: self.last_name.into(),
            name_suffix: self.name_suffix.into(),
            birthday: self.birthday.into(),
            avatar: self.avatar.into(),
            email: self.email,
            additional_emails: self.additional_emails,
            phone: self.phone.into(),
            enabled: self.enabled,
            owner_business_unit_id: self
                .owner_business_unit_id
                .map(|v| id(&v, "ownerBusinessUnitId"))
                .transpose()?,
            organization_ids: list(self.organization_ids, "organizationIds")?,
            business_unit_ids: list(self.business_unit_ids, "businessUnitIds")?,
            group_ids: list(self.group_ids, "groupIds")?,
            role_ids: list(self.role_ids, "roleIds")?,
        })
    }
}
