//! What creating and editing a user takes, and the checks on it.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use entity::{business_unit, group, role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use secrecy::{ExposeSecret, SecretString};

use crate::config::PasswordPolicy;
use crate::error::{Result, Violations};
use crate::validate;
use crate::viewer::Viewer;

/// Fields of a new back-office user.
#[derive(Debug, Default)]
pub struct NewUser {
    pub username: String,
    pub password: SecretString,
    pub password_confirmation: SecretString,
    pub name_prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub name_suffix: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub avatar: Option<String>,
    pub email: String,
    pub additional_emails: Vec<String>,
    pub phone: Option<String>,
    pub enabled: bool,
    /// The viewer's organization's root unit when absent.
    pub owner_business_unit_id: Option<i64>,
    /// The viewer's organization when absent; must include it otherwise.
    pub organization_ids: Option<Vec<i64>>,
    pub business_unit_ids: Vec<i64>,
    pub group_ids: Vec<i64>,
    pub role_ids: Vec<i64>,
    /// Email the new user an invitation.
    pub send_invitation: bool,
}

/// Changes to a user: `None` leaves a field as it is; for optional fields
/// `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub username: Option<String>,
    pub name_prefix: Option<Option<String>>,
    pub first_name: Option<String>,
    pub middle_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub name_suffix: Option<Option<String>>,
    pub birthday: Option<Option<NaiveDate>>,
    pub avatar: Option<Option<String>>,
    pub email: Option<String>,
    pub additional_emails: Option<Vec<String>>,
    pub phone: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub owner_business_unit_id: Option<i64>,
    pub organization_ids: Option<Vec<i64>>,
    pub business_unit_ids: Option<Vec<i64>>,
    pub group_ids: Option<Vec<i64>>,
    pub role_ids: Option<Vec<i64>>,
}

/// Cleaned personal fields, ready to store.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    pub username: String,
    pub name_prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub name_suffix: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub avatar: Option<String>,
    pub email: String,
    pub additional_emails: Vec<String>,
    pub phone: Option<String>,
}

impl Profile {
    /// Validates every field, reporting all problems at once.
    pub fn clean(self) -> Result<Profile> {
        let mut violations = Violations::new();
        let username = violations.absorb(validate::username("username", &self.username))?;
        let name_prefix = violations.absorb(validate::optional(
            "namePrefix",
            self.name_prefix.as_deref(),
            64,
        ))?;
        let first_name =
            violations.absorb(validate::required("firstName", &self.first_name, 255))?;
        let middle_name = violations.absorb(validate::optional(
            "middleName",
            self.middle_name.as_deref(),
            255,
        ))?;
        let last_name = violations.absorb(validate::optional(
            "lastName",
            self.last_name.as_deref(),
            255,
        ))?;
        let name_suffix = violations.absorb(validate::optional(
            "nameSuffix",
            self.name_suffix.as_deref(),
            64,
        ))?;
        let birthday = violations.absorb(validate::birthday("birthday", self.birthday))?;
        let avatar = violations.absorb(validate::url("avatar", self.avatar.as_deref()))?;
        let email = violations.absorb(validate::email("email", &self.email))?;
        let phone = violations.absorb(validate::phone("phone", self.phone.as_deref()))?;
        let mut additional_emails = Vec::new();
        if self.additional_emails.len() > 20 {
            violations.add("additionalEmails", "at most 20 additional emails");
        }
        let mut seen = BTreeSet::new();
        for (i, address) in self.additional_emails.iter().enumerate() {
            let field = format!("additionalEmails[{i}]");
            if let Some(address) = violations.absorb(validate::email(&field, address))?
                && seen.insert(address.to_lowercase())
            {
                additional_emails.push(address);
            }
        }
        violations.finish()?;
        Ok(Profile {
            username: username.unwrap_or_default(),
            name_prefix: name_prefix.flatten(),
            first_name: first_name.unwrap_or_default(),
            middle_name: middle_name.flatten(),
            last_name: last_name.flatten(),
            name_suffix: name_suffix.flatten(),
            birthday: birthday.flatten(),
            avatar: avatar.flatten(),
            email: email.unwrap_or_default(),
            additional_emails,
            phone: phone.flatten(),
        })
    }
}

/// Checks a new password against the policy and its confirmation.
pub(crate) fn check_new_password(
    policy: &PasswordPolicy,
    field: &str,
    password: &SecretString,
    confirmation: Option<&SecretString>,
) -> Result<()> {
    let mut violations = Violations::new();
    violations.absorb(policy.check(field, password.expose_secret()))?;
    if let Some(confirmation) = confirmation
        && confirmation.expose_secret() != password.expose_secret()
    {
        violations.add("passwordConfirmation", "does not match the password");
    }
    violations.finish()
}

/// Where a user belongs and what they hold.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placement {
    pub organization_ids: Vec<i64>,
    pub owner_business_unit_id: i64,
    pub business_unit_ids: Vec<i64>,
    pub group_ids: Vec<i64>,
    pub role_ids: Vec<i64>,
}

fn dedup(ids: &[i64]) -> Vec<i64> {
    ids.iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl Placement {
    pub fn new(
        organization_ids: &[i64],
        owner: Option<i64>,
        business_units: &[i64],
        groups: &[i64],
        roles: &[i64],
    ) -> Self {
        Self {
            organization_ids: dedup(organization_ids),
            owner_business_unit_id: owner.unwrap_or(0),
            business_unit_ids: dedup(business_units),
            group_ids: dedup(groups),
            role_ids: dedup(roles),
        }
    }

    /// Checks that the organizations are the viewer's and include its
    /// current one, that units and groups belong to those organizations, and
    /// that every role is system-wide or of one of them. With no owner unit
    /// given, takes the root unit of the viewer's organization.
    pub async fn check(mut self, app: &crate::Gatehouse, viewer: &Viewer) -> Result<Placement> {
        let db = app.db();
        let mut violations = Violations::new();
        if self.organization_ids.is_empty() {
            violations.add("organizationIds", "at least one organization is required");
        } else if !self.organization_ids.contains(&viewer.organization_id) {
            violations.add(
                "organizationIds",
                "must include the organization you are working in",
            );
        }
        if let Some(other) = self
            .organization_ids
            .iter()
            .find(|id| !viewer.organization_ids.contains(id))
        {
            violations.add(
                "organizationIds",
                format!("organization {other} does not exist or is not yours"),
            );
        }
        let orgs = &self.organization_ids;

        if self.owner_business_unit_id == 0 {
            let root = business_unit::Entity::find()
                .filter(business_unit::Column::OrganizationId.eq(viewer.organization_id))
                .filter(business_unit::Column::ParentId.is_null())
                .order_by_asc(business_unit::Column::Id)
                .one(db)
                .await?;
            match root {
                Some(root) => self.owner_business_unit_id = root.id,
                None => violations.add(
                    "ownerBusinessUnitId",
                    "the organization has no business unit",
                ),
            }
        }
        let mut unit_ids = self.business_unit_ids.clone();
        unit_ids.push(self.owner_business_unit_id);
        let units = business_unit::Entity::find()
            .filter(business_unit::Column::Id.is_in(unit_ids))
            .all(db)
            .await?;
        let unit_ok = |id: i64| {
            units
                .iter()
                .any(|u| u.id == id && orgs.contains(&u.organization_id))
        };
        if !unit_ok(self.owner_business_unit_id) {
            violations.add(
                "ownerBusinessUnitId",
                "must be a business unit of the user's organizations",
            );
        }
        for id in &self.business_unit_ids {
            if !unit_ok(*id) {
                violations.add(
                    "businessUnitIds",
                    format!("business unit {id} is not in the user's organizations"),
                );
            }
        }

        let groups = group::Entity::find()
            .filter(group::Column::Id.is_in(self.group_ids.clone()))
            .all(db)
            .await?;
        for id in &self.group_ids {
            if !groups
                .iter()
                .any(|g| g.id == *id && orgs.contains(&g.organization_id))
            {
                violations.add(
                    "groupIds",
                    format!("group {id} is not in the user's organizations"),
                );
            }
        }

        if self.role_ids.is_empty() {
            violations.add("roleIds", "at least one role is required");
        }
        let roles = role::Entity::find()
            .filter(role::Column::Id.is_in(self.role_ids.clone()))
            .all(db)
            .await?;
        for id in &self.role_ids {
            let fits = roles
                .iter()
                .any(|r| r.id == *id && r.organization_id.is_none_or(|org| orgs.contains(&org)));
            if !fits {
                violations.add(
                    "roleIds",
                    format!("role {id} is neither system-wide nor of the user's organizations"),
                );
            }
        }
        // Nobody hands out more than they hold, in each organization a
        // role applies in: its own, or every organization of the user for
        // a system-wide role.
        let granted = crate::roles::permissions_of_roles(db, &self.role_ids).await?;
        let granted: Vec<(i64, Vec<i64>, Vec<crate::permissions::Permission>)> = granted
            .into_iter()
            .map(|(role_id, permissions)| {
                let applies: Vec<i64> = match roles.iter().find(|r| r.id == role_id) {
                    Some(role) => match role.organization_id {
                        None => orgs.clone(),
                        Some(org) => vec![org],
                    },
                    None => Vec::new(),
                };
                (role_id, applies, permissions)
            })
            .collect();
        for problem in crate::authority::check_grants(app, viewer, &granted).await? {
            violations.add("roleIds", problem);
        }
        violations.finish()?;
        Ok(self)
    }
}
