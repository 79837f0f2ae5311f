//! Creating, editing and deleting customer users, and the status actions.
//! Every change runs in one transaction with its audit entry.

use chrono::Utc;
use entity::customer_user::{self, AuthStatus};
use entity::{
    customer, customer_session, customer_user_address, customer_user_role,
    customer_user_sales_representative, website,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use secrecy::SecretString;
use serde_json::json;

use super::input::{AddressInput, Profile, clean_addresses};
use super::{CustomerUserChanges, CustomerUserService, Manager, NewCustomerUser};
use crate::audit::{self, Target};
use crate::authority::{Changeable, CustomerAct};
use crate::customers::{check_staff, consents, dedup, roles};
use crate::db::conflict_on;
use crate::email::catalog::CUSTOMER_WELCOME;
use crate::email::outbox;
use crate::error::{Error, Result, Violations};
use crate::jobs::runner;
use crate::permissions::Permission;
use crate::users::check_new_password;

/// What the status actions need.
const UPDATE: CustomerAct = CustomerAct::Manage(Permission::CustomerUsersUpdate);

const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("ux_customer_users_email", "email"),
    ("customer_users.email_canonical", "email"),
];

/// Where a customer user belongs and what it holds.
struct Placement {
    customer_id: i64,
    website_id: i64,
    /// The customer's owner when `None`.
    owner_id: Option<i64>,
    localization_id: Option<i64>,
    role_ids: Vec<i64>,
    sales_representative_ids: Vec<i64>,
    consent_ids: Vec<i64>,
}

/// Ends every storefront session of the customer user and the tokens of
/// its OAuth applications.
pub(crate) async fn end_sessions(conn: &impl ConnectionTrait, customer_user_id: i64) -> Result<()> {
    customer_session::Entity::delete_many()
        .filter(customer_session::Column::CustomerUserId.eq(customer_user_id))
        .exec(conn)
        .await?;
    crate::oauth::end_tokens_of_customer_users(conn, &[customer_user_id]).await
}

impl CustomerUserService<'_> {
    /// Checks the placement against the organization (and, for an account
    /// manager, its customer and its own permissions); answers the owner,
    /// the customer's when the placement names none.
    async fn check_placement(
        &self,
        by: Manager<'_>,
        placement: &Placement,
        enabled: bool,
        violations: &mut Violations,
    ) -> Result<i64> {
        let db = self.app.db();
        let organization_id = by.organization_id();
        if let Some(own) = by.customer_id()
            && own != placement.customer_id
        {
            violations.add(
                "customerId",
                "you manage the users of your own customer only",
            );
        }
        let customer = customer::Entity::find_by_id(placement.customer_id)
            .filter(customer::Column::OrganizationId.eq(organization_id))
            .one(db)
            .await?;
        if customer.is_none() && placement.customer_id != 0 {
            violations.add(
                "customerId",
                format!("customer {} does not exist", placement.customer_id),
            );
        }
        let website = self
            .app
            .websites()
            .of_organization(organization_id, placement.website_id)
            .await?;
        if website.is_none() {
            violations.add(
                "websiteId",
                format!("website {} does not exist", placement.website_id),
            );
        }
        if let Some(localization) = placement.localization_id
            && website.is_some()
            && !self
                .app
                .websites()
                .offers(placement.website_id, localization)
                .await?
        {
            violations.add(
                "localizationId",
                "the localization is not enabled for the website",
            );
        }
        let owner_id = placement
            .owner_id
            .or(customer.as_ref().map(|c| c.owner_id))
            .unwrap_or(0);
        check_staff(db, organization_id, &[owner_id], "ownerId", violations).await?;
        check_staff(
            db,
            organization_id,
            &placement.sales_representative_ids,
            "salesRepresentativeIds",
            violations,
        )
        .await?;
        if enabled && placement.role_ids.is_empty() {
            violations.add(
                "roleIds",
                "an enabled customer user needs at least one role",
            );
        }
        roles::check_assignable(
            db,
            organization_id,
            placement.customer_id,
            &placement.role_ids,
            violations,
        )
        .await?;
        if let Manager::Account(viewer) = by {
            // Nobody hands out more than they hold.
            let granted = roles::permissions_of_roles(db, &placement.role_ids).await?;
            for (role_id, permissions) in granted {
                if permissions.iter().any(|p| !viewer.can(*p)) {
                    violations.add(
                        "roleIds",
                        format!("role {role_id} grants permissions you do not hold"),
                    );
                }
            }
        }
        consents::check_consents(db, organization_id, &placement.consent_ids, violations).await?;
        Ok(owner_id)
    }

    /// The organization's first website, for a customer user created
    /// without one.
    async fn default_website(&self, organization_id: i64) -> Result<Option<i64>> {
        Ok(website::Entity::find()
            .filter(website::Column::OrganizationId.eq(organization_id))
            .order_by_asc(website::Column::Id)
            .one(self.app.db())
            .await?
            .map(|w| w.id))
    }

    pub async fn create(
        &self,
        by: Manager<'_>,
        input: NewCustomerUser,
    ) -> Result<customer_user::Model> {
        by.require(Permission::CustomerUsersCreate)?;
        let mut violations = Violations::new();
        let profile = Profile {
            name_prefix: input.name_prefix,
            first_name: input.first_name,
            middle_name: input.middle_name,
            last_name: input.last_name,
            name_suffix: input.name_suffix,
            email: input.email,
            birthday: input.birthday,
        }
        .clean(&mut violations)?;
        let password = match (&input.password, input.generate_password) {
            (Some(_), true) => {
                violations.add("password", "give a password or generate one, not both");
                None
            }
            (Some(password), false) => {
                violations.absorb(check_new_password(
                    &self.app.settings().password_policy,
                    "password",
                    password,
                    Some(
                        input
                            .password_confirmation
                            .as_ref()
                            .unwrap_or(&SecretString::from("")),
                    ),
                ))?;
                Some(Some(password.clone()))
            }
            // Nobody knows it: nothing to hash (`passwords::NO_PASSWORD`).
            (None, true) => Some(None),
            (None, false) => {
                violations.add("password", "a password is required unless one is generated");
                None
            }
        };
        let addresses = clean_addresses(input.addresses, &mut violations)?;
        let customer_id = input.customer_id.or(by.customer_id()).unwrap_or_else(|| {
            violations.add("customerId", "a customer is required");
            0
        });
        if matches!(by, Manager::Account(_)) && !input.sales_representative_ids.is_empty() {
            violations.add(
                "salesRepresentativeIds",
                "only back-office users choose sales representatives",
            );
        }
        let organization_id = by.organization_id();
        let owner_id = match (input.owner_id, &by) {
            (Some(_), Manager::Account(_)) => {
                violations.add("ownerId", "only back-office users choose the owner");
                Some(0)
            }
            (owner, _) => owner,
        };
        let website_id = match input.website_id {
            Some(id) => id,
            None => match by {
                Manager::Account(viewer) => viewer.website_id,
                Manager::Staff(_) => self.default_website(organization_id).await?.unwrap_or(0),
            },
        };
        let placement = Placement {
            customer_id,
            website_id,
            owner_id,
            localization_id: input.localization_id,
            role_ids: dedup(&input.role_ids),
            sales_representative_ids: dedup(&input.sales_representative_ids),
            consent_ids: dedup(&input.consent_ids),
        };
        let owner_id = self
            .check_placement(by, &placement, input.enabled, &mut violations)
            .await?;
        violations.finish()?;
        let (Some(profile), Some(password)) = (profile, password) else {
            return Err(Error::internal("validated customer user input is missing"));
        };
        let password_hash = match password {
            Some(password) => self.app.passwords().hash(&password).await?,
            None => crate::passwords::NO_PASSWORD.to_owned(),
        };
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let user = customer_user::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(organization_id),
            customer_id: Set(placement.customer_id),
            website_id: Set(placement.website_id),
            owner_id: Set(owner_id),
            enabled: Set(input.enabled),
            confirmed: Set(input.confirmed),
            name_prefix: Set(profile.name_prefix),
            first_name: Set(profile.first_name),
            middle_name: Set(profile.middle_name),
            last_name: Set(profile.last_name),
            name_suffix: Set(profile.name_suffix),
            email_canonical: Set(profile.email.to_lowercase()),
            email: Set(profile.email),
            birthday: Set(profile.birthday),
            localization_id: Set(placement.localization_id),
            password_hash: Set(password_hash),
            auth_status: Set(AuthStatus::Active),
            failed_login_count: Set(0),
            last_login_at: Set(None),
            password_changed_at: Set(Some(now)),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        replace_links(&txn, user.id, &placement).await?;
        replace_addresses(&txn, user.id, &addresses).await?;
        let mut emails = Vec::new();
        if input.send_welcome_email {
            let welcome = crate::customers::links::customer_email(
                &txn,
                self.app,
                &user,
                CUSTOMER_WELCOME,
                format!("welcome:{}", user.id),
            )
            .await?;
            emails = outbox::queue(&txn, &[welcome]).await?;
        }
        let details = json!({ "email": user.email, "customer": user.customer_id, "roles": placement.role_ids });
        audit::record(
            &txn,
            &by.actor(),
            "customer_user.create",
            Target::new("customer_user", user.id),
            None,
            Some(details),
        )
        .await?;
        self.app.commit(txn).await?;
        runner::push_emails(self.app, &emails).await;
        Ok(user)
    }

    pub async fn update(
        &self,
        by: Manager<'_>,
        id: i64,
        changes: CustomerUserChanges,
    ) -> Result<customer_user::Model> {
        by.require(Permission::CustomerUsersUpdate)?;
        let current = self
            .changeable(by, id, CustomerAct::Manage(Permission::CustomerUsersUpdate))
            .await?;
        let mut violations = Violations::new();
        let profile = Profile {
            name_prefix: changes
                .name_prefix
                .unwrap_or_else(|| current.name_prefix.clone()),
            first_name: changes
                .first_name
                .unwrap_or_else(|| current.first_name.clone()),
            middle_name: changes
                .middle_name
                .unwrap_or_else(|| current.middle_name.clone()),
            last_name: changes
                .last_name
                .unwrap_or_else(|| current.last_name.clone()),
            name_suffix: changes
                .name_suffix
                .unwrap_or_else(|| current.name_suffix.clone()),
            email: changes.email.unwrap_or_else(|| current.email.clone()),
            birthday: changes.birthday.unwrap_or(current.birthday),
        }
        .clean(&mut violations)?;
        let addresses = match changes.addresses {
            Some(addresses) => Some(clean_addresses(addresses, &mut violations)?),
            None => None,
        };
        if matches!(by, Manager::Account(_))
            && (changes.owner_id.is_some() || changes.sales_representative_ids.is_some())
        {
            violations.add(
                "ownerId",
                "only back-office users choose the owner and sales representatives",
            );
        }
        let roles_before: Vec<i64> = self
            .roles_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default()
            .iter()
            .map(|r| r.id)
            .collect();
        let representatives_before: Vec<i64> = self
            .sales_representatives_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default()
            .iter()
            .map(|u| u.id)
            .collect();
        let role_ids = match changes.role_ids {
            Some(ids) => dedup(&ids),
            None => roles_before.clone(),
        };
        let sales_representative_ids = match changes.sales_representative_ids {
            Some(ids) => dedup(&ids),
            None => representatives_before.clone(),
        };
        let consent_ids = changes.consent_ids.map(|ids| dedup(&ids));
        let consents_before = match &consent_ids {
            Some(_) => consents::accepted_ids(self.app.db(), id).await?,
            None => Vec::new(),
        };
        let placement = Placement {
            customer_id: changes.customer_id.unwrap_or(current.customer_id),
            website_id: changes.website_id.unwrap_or(current.website_id),
            owner_id: Some(changes.owner_id.unwrap_or(current.owner_id)),
            localization_id: changes.localization_id.unwrap_or(current.localization_id),
            role_ids,
            sales_representative_ids,
            consent_ids: consent_ids.clone().unwrap_or_default(),
        };
        let enabled = changes.enabled.unwrap_or(current.enabled);
        if enabled && !current.enabled && placement.role_ids.is_empty() {
            violations.add(
                "enabled",
                "the customer user cannot be enabled until it has a role",
            );
        }
        let owner_id = self
            .check_placement(by, &placement, enabled, &mut violations)
            .await?;
        violations.finish()?;
        let Some(profile) = profile else {
            return Err(Error::internal("validated customer user input is missing"));
        };
        let txn = crate::db::write(self.app.db()).await?;
        let mut model: customer_user::ActiveModel = customer_user::Model::clone(&current).into();
        model.customer_id = Set(placement.customer_id);
        model.website_id = Set(placement.website_id);
        model.owner_id = Set(owner_id);
        model.localization_id = Set(placement.localization_id);
        model.enabled = Set(enabled);
        model.name_prefix = Set(profile.name_prefix);
        model.first_name = Set(profile.first_name);
        model.middle_name = Set(profile.middle_name);
        model.last_name = Set(profile.last_name);
        model.name_suffix = Set(profile.name_suffix);
        model.email_canonical = Set(profile.email.to_lowercase());
        model.email = Set(profile.email);
        model.birthday = Set(profile.birthday);
        model.updated_at = Set(self.app.now());
        let user = model
            .update(&txn)
            .await
            .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        replace_roles(&txn, id, &placement.role_ids).await?;
        replace_representatives(&txn, id, &placement.sales_representative_ids).await?;
        if let Some(consent_ids) = &consent_ids {
            consents::set_accepted(&txn, id, consent_ids).await?;
        }
        if let Some(addresses) = &addresses {
            replace_addresses(&txn, id, addresses).await?;
        }
        if current.enabled && !enabled {
            end_sessions(&txn, id).await?;
        }
        let mut before = snapshot(&current, &roles_before, &representatives_before);
        let mut after = snapshot(
            &user,
            &placement.role_ids,
            &placement.sales_representative_ids,
        );
        if let Some(consent_ids) = &consent_ids {
            before["consentIds"] = json!(consents_before);
            after["consentIds"] = json!(consent_ids);
        }
        if addresses.is_some() {
            // Addresses are replaced as a whole; the entry says so.
            before["addresses"] = json!("before");
            after["addresses"] = json!("replaced");
        }
        audit::record(
            &txn,
            &by.actor(),
            "customer_user.update",
            Target::new("customer_user", id),
            None,
            Some(audit::changes(&before, &after)),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(user)
    }

    /// Enables the customer user; refused while it holds no role.
    pub async fn enable(&self, by: Manager<'_>, id: i64) -> Result<customer_user::Model> {
        by.require(Permission::CustomerUsersUpdate)?;
        let user = self.changeable(by, id, UPDATE).await?;
        let roles = customer_user_role::Entity::find()
            .filter(customer_user_role::Column::CustomerUserId.eq(id))
            .one(self.app.db())
            .await?;
        if roles.is_none() {
            return Err(Error::invalid(
                "roleIds",
                "the customer user cannot be enabled until it has a role",
            ));
        }
        self.save(
            by,
            user,
            |m| m.enabled = Set(true),
            "customer_user.enable",
            false,
        )
        .await
    }

    /// Disables the customer user and ends its sessions at once.
    pub async fn disable(&self, by: Manager<'_>, id: i64) -> Result<customer_user::Model> {
        by.require(Permission::CustomerUsersUpdate)?;
        if let Manager::Account(viewer) = by
            && viewer.customer_user_id == id
        {
            return Err(Error::invalid("id", "you cannot disable your own account"));
        }
        let user = self.changeable(by, id, UPDATE).await?;
        self.save(
            by,
            user,
            |m| m.enabled = Set(false),
            "customer_user.disable",
            true,
        )
        .await
    }

    /// Unlocks a customer user locked by failed logins.
    pub async fn unlock(&self, viewer: &crate::Viewer, id: i64) -> Result<customer_user::Model> {
        let by = Manager::Staff(viewer);
        by.require(Permission::CustomerUsersUpdate)?;
        let user = self.changeable(by, id, UPDATE).await?;
        if user.auth_status == AuthStatus::PasswordReset {
            return Err(Error::invalid(
                "id",
                "the customer user must set a new password through the reset first",
            ));
        }
        let change = |m: &mut customer_user::ActiveModel| {
            m.auth_status = Set(AuthStatus::Active);
            m.failed_login_count = Set(0);
        };
        self.save(by, user, change, "customer_user.unlock", false)
            .await
    }

    /// Confirms the customer user's email by hand.
    pub async fn confirm(&self, viewer: &crate::Viewer, id: i64) -> Result<customer_user::Model> {
        let by = Manager::Staff(viewer);
        by.require(Permission::CustomerUsersUpdate)?;
        let user = self.changeable(by, id, UPDATE).await?;
        self.save(
            by,
            user,
            |m| m.confirmed = Set(true),
            "customer_user.confirm",
            false,
        )
        .await
    }

    /// Stores what `change` sets on the changeable `user` (stamping
    /// `updated_at`), ends the sessions when `end` and writes the audit
    /// entry `action`, in one transaction.
    async fn save(
        &self,
        by: Manager<'_>,
        user: Changeable<customer_user::Model>,
        change: impl FnOnce(&mut customer_user::ActiveModel),
        action: &str,
        end: bool,
    ) -> Result<customer_user::Model> {
        let mut model: customer_user::ActiveModel = user.into_inner().into();
        change(&mut model);
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let user = model.update(&txn).await?;
        if end {
            end_sessions(&txn, user.id).await?;
        }
        audit::record(
            &txn,
            &by.actor(),
            action,
            Target::new("customer_user", user.id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(user)
    }

    /// Deletes the customer user with its addresses, roles and sessions.
    pub async fn delete(&self, by: Manager<'_>, id: i64) -> Result<()> {
        by.require(Permission::CustomerUsersDelete)?;
        if let Manager::Account(viewer) = by
            && viewer.customer_user_id == id
        {
            return Err(Error::invalid("id", "you cannot delete your own account"));
        }
        let user = self
            .changeable(by, id, CustomerAct::Manage(Permission::CustomerUsersDelete))
            .await?;
        let txn = crate::db::write(self.app.db()).await?;
        customer_user::Entity::delete_by_id(id).exec(&txn).await?;
        let details = json!({ "email": user.email, "customer": user.customer_id });
        audit::record(
            &txn,
            &by.actor(),
            "customer_user.delete",
            Target::new("customer_user", id),
            None,
            Some(details),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }
}

/// The audited fields of a customer user (never its password hash).
fn snapshot(
    user: &customer_user::Model,
    role_ids: &[i64],
    sales_representative_ids: &[i64],
) -> serde_json::Value {
    json!({
        "namePrefix": user.name_prefix, "firstName": user.first_name, "middleName": user.middle_name,
        "lastName": user.last_name, "nameSuffix": user.name_suffix, "email": user.email,
        "birthday": user.birthday, "customerId": user.customer_id, "websiteId": user.website_id,
        "ownerId": user.owner_id, "localizationId": user.localization_id, "enabled": user.enabled,
        "roleIds": role_ids, "salesRepresentativeIds": sales_representative_ids,
    })
}

async fn replace_links(
    txn: &DatabaseTransaction,
    customer_user_id: i64,
    placement: &Placement,
) -> Result<()> {
    replace_roles(txn, customer_user_id, &placement.role_ids).await?;
    replace_representatives(txn, customer_user_id, &placement.sales_representative_ids).await?;
    consents::set_accepted(txn, customer_user_id, &placement.consent_ids).await
}

async fn replace_roles(
    txn: &DatabaseTransaction,
    customer_user_id: i64,
    role_ids: &[i64],
) -> Result<()> {
    customer_user_role::Entity::delete_many()
        .filter(customer_user_role::Column::CustomerUserId.eq(customer_user_id))
        .exec(txn)
        .await?;
    if role_ids.is_empty() {
        return Ok(());
    }
    let rows = role_ids
        .iter()
        .map(|role_id| customer_user_role::ActiveModel {
            customer_user_id: Set(customer_user_id),
            role_id: Set(*role_id),
        });
    customer_user_role::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

async fn replace_representatives(
    txn: &DatabaseTransaction,
    customer_user_id: i64,
    user_ids: &[i64],
) -> Result<()> {
    customer_user_sales_representative::Entity::delete_many()
        .filter(customer_user_sales_representative::Column::CustomerUserId.eq(customer_user_id))
        .exec(txn)
        .await?;
    if user_ids.is_empty() {
        return Ok(());
    }
    let rows = user_ids
        .iter()
        .map(|user_id| customer_user_sales_representative::ActiveModel {
            customer_user_id: Set(customer_user_id),
            user_id: Set(*user_id),
        });
    customer_user_sales_representative::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

async fn replace_addresses(
    txn: &DatabaseTransaction,
    customer_user_id: i64,
    addresses: &[AddressInput],
) -> Result<()> {
    customer_user_address::Entity::delete_many()
        .filter(customer_user_address::Column::CustomerUserId.eq(customer_user_id))
        .exec(txn)
        .await?;
    if addresses.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = addresses
        .iter()
        .map(|a| customer_user_address::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            customer_user_id: Set(customer_user_id),
            label: Set(a.label.clone()),
            billing: Set(a.billing),
            shipping: Set(a.shipping),
            default_billing: Set(a.default_billing),
            default_shipping: Set(a.default_shipping),
            first_name: Set(a.first_name.clone()),
            last_name: Set(a.last_name.clone()),
            company: Set(a.company.clone()),
            street: Set(a.street.clone()),
            street2: Set(a.street2.clone()),
            city: Set(a.city.clone()),
            region: Set(a.region.clone()),
            postal_code: Set(a.postal_code.clone()),
            country: Set(a.country.clone()),
            phone: Set(a.phone.clone()),
            ..Default::default()
        });
    customer_user_address::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
