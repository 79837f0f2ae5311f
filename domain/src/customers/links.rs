//! What customer users do through emailed links: registering from the
//! storefront and confirming the address, the welcome email's first
//! password, and password resets (by an administrator or asked for). Every
//! link's token is made at delivery and stored as a hash
//! (`customer_user_tokens`); it works once, until it expires.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::customer_user::{self, AuthStatus};
use entity::customer_user_token::{self, Purpose};
use entity::{customer, website};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::users::{Manager, NewCustomerUser};
use crate::audit::{self, Target};
use crate::authority::CustomerAct;
use crate::email::catalog::{
    CUSTOMER_CONFIRMATION, CUSTOMER_FORCE_RESET_PASSWORD, CUSTOMER_PASSWORD_RESET_REQUESTED,
};
use crate::email::outbox::{self, Outgoing};
use crate::error::{Error, Result};
use crate::jobs::runner;
use crate::permissions::Permission;
use crate::viewer::{Actor, Viewer};

use crate::{Gatehouse, tokens};

/// Registration from the storefront: a new customer (the company) and its
/// first customer user.
#[derive(Debug)]
pub struct Registration {
    pub website_id: i64,
    pub company_name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub password: SecretString,
    pub password_confirmation: SecretString,
    pub consent_ids: Vec<i64>,
    pub source_ip: Option<String>,
}

pub struct CustomerLinkService<'a> {
    pub(crate) app: &'a Gatehouse,
}

/// The email `template` to `user`, with the names its templates use and the
/// address of the user's website (links go there); `dedupe_key` makes it
/// unique.
pub(crate) async fn customer_email(
    conn: &impl ConnectionTrait,
    app: &Gatehouse,
    user: &customer_user::Model,
    template: &'static str,
    dedupe_key: String,
) -> Result<Outgoing> {
    let mut emails = customer_emails(conn, app, &[user], template, |_| dedupe_key.clone()).await?;
    emails
        .pop()
        .ok_or_else(|| Error::internal("no email was made"))
}

/// `customer_email` for many customer users, reading their websites and
/// customers in one statement each.
pub(crate) async fn customer_emails(
    conn: &impl ConnectionTrait,
    app: &Gatehouse,
    users: &[&customer_user::Model],
    template: &'static str,
    dedupe_key: impl Fn(&customer_user::Model) -> String,
) -> Result<Vec<Outgoing>> {
    let website_ids: Vec<i64> = users.iter().map(|u| u.website_id).collect();
    let customer_ids: Vec<i64> = users.iter().map(|u| u.customer_id).collect();
    let websites: HashMap<i64, website::Model> = website::Entity::find()
        .filter(website::Column::Id.is_in(website_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let customers: HashMap<i64, String> = customer::Entity::find()
        .filter(customer::Column::Id.is_in(customer_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(users
        .iter()
        .map(|user| {
            let website = websites.get(&user.website_id);
            let site = website.map(|w| w.name.clone()).unwrap_or_default();
            let site_url = website
                .and_then(|w| w.url.clone())
                .unwrap_or_else(|| app.settings().public_url());
            Outgoing {
                template,
                recipient: user.email.clone(),
                user_id: None,
                customer_user_id: Some(user.id),
                organization_id: Some(user.organization_id),
                job_id: None,
                context: json!({
                    "first_name": user.first_name, "last_name": user.last_name, "email": user.email,
                    "website": site, "site_url": site_url,
                    "customer": customers.get(&user.customer_id).cloned().unwrap_or_default(),
                }),
                dedupe_key: dedupe_key(user),
            }
        })
        .collect())
}

/// Marks every unused link of `purpose` of the customer user as spent.
async fn spend_all(
    conn: &impl ConnectionTrait,
    customer_user_id: i64,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<()> {
    customer_user_token::Entity::update_many()
        .col_expr(customer_user_token::Column::UsedAt, Expr::value(now))
        .filter(customer_user_token::Column::CustomerUserId.eq(customer_user_id))
        .filter(customer_user_token::Column::Purpose.eq(purpose))
        .filter(customer_user_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

impl CustomerLinkService<'_> {
    /// The token `token` of `purpose`, when it may still be used; each way
    /// it may not says so on `token`.
    async fn usable(&self, token: &str, purpose: Purpose) -> Result<customer_user_token::Model> {
        let prefix = match purpose {
            Purpose::Password => tokens::CUSTOMER_PASSWORD_PREFIX,
            Purpose::Confirm => tokens::CUSTOMER_CONFIRM_PREFIX,
        };
        let token = token.trim();
        let found = if token.starts_with(prefix) {
            customer_user_token::Entity::find()
                .filter(customer_user_token::Column::TokenHash.eq(tokens::digest(token)))
                .filter(customer_user_token::Column::Purpose.eq(purpose))
                .one(self.app.db())
                .await?
        } else {
            None
        };
        let Some(found) = found else {
            return Err(Error::invalid(
                "token",
                "the link is not valid; ask for a new one",
            ));
        };
        if found.used_at.is_some() {
            return Err(Error::invalid(
                "token",
                "the link was used already; ask for a new one",
            ));
        }
        if found.expires_at <= self.app.now() {
            return Err(Error::invalid(
                "token",
                "the link has expired; ask for a new one",
            ));
        }
        Ok(found)
    }

    /// Spends `token` in `txn`; `false` when someone spent it first.
    async fn spend(
        &self,
        txn: &impl ConnectionTrait,
        token: &customer_user_token::Model,
    ) -> Result<bool> {
        let spent = customer_user_token::Entity::update_many()
            .col_expr(
                customer_user_token::Column::UsedAt,
                Expr::value(self.app.now()),
            )
            .filter(customer_user_token::Column::Id.eq(token.id))
            .filter(customer_user_token::Column::UsedAt.is_null())
            .exec(txn)
            .await?
            .rows_affected;
        Ok(spent == 1)
    }

    /// Registers a company and its first customer user from the storefront:
    /// the customer is owned by the organization's first back-office user,
    /// the customer user holds the predefined Administrator role (it manages
    /// its own company's users), is enabled and unconfirmed, and gets the
    /// confirmation email. Mandatory consents must be accepted.
    pub async fn register(&self, input: Registration) -> Result<()> {
        let db = self.app.db();
        crate::rate_limit::attempts_per_ip(self.app, "register", input.source_ip.as_deref())
            .await?;
        let Some(site) = website::Entity::find_by_id(input.website_id)
            .one(db)
            .await?
        else {
            return Err(Error::invalid("websiteId", "the website does not exist"));
        };
        let organization_id = site.organization_id;
        let mandatory = self.app.consents().of_organization(organization_id).await?;
        let missing: Vec<&str> = mandatory
            .iter()
            .filter(|c| c.mandatory && !input.consent_ids.contains(&c.id))
            .map(|c| c.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(Error::invalid(
                "consentIds",
                format!("these consents must be accepted: {}", missing.join(", ")),
            ));
        }
        let company = crate::validate::required("companyName", &input.company_name, 255)?;
        let owner: Option<i64> = entity::user_organization::Entity::find()
            .filter(entity::user_organization::Column::OrganizationId.eq(organization_id))
            .order_by_asc(entity::user_organization::Column::UserId)
            .one(db)
            .await?
            .map(|m| m.user_id);
        let Some(owner) = owner else {
            return Err(Error::internal(
                "the organization has no back-office user to own registered customers",
            ));
        };
        let administrator = super::roles::of_organization(organization_id)
            .filter(entity::customer_role::Column::OrganizationId.is_null())
            .filter(
                entity::customer_role::Column::Name.eq(super::roles::ACCOUNT_ADMINISTRATOR_ROLE),
            )
            .one(db)
            .await?
            .ok_or_else(|| Error::internal("the predefined Administrator role is missing"))?;
        // The registration acts as the organization itself, like bootstrap.
        let system = Viewer::system(organization_id);
        let customer = self
            .app
            .customers()
            .create(
                &system,
                super::CustomerInput {
                    name: Some(company),
                    owner_id: Some(owner),
                    ..super::CustomerInput::default()
                },
            )
            .await?;
        let new = NewCustomerUser {
            customer_id: Some(customer.id),
            website_id: Some(site.id),
            owner_id: Some(owner),
            enabled: true,
            confirmed: false,
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            password: Some(input.password),
            password_confirmation: Some(input.password_confirmation),
            role_ids: vec![administrator.id],
            consent_ids: input.consent_ids,
            ..NewCustomerUser::default()
        };
        let user = match self
            .app
            .customer_users()
            .create(Manager::Staff(&system), new)
            .await
        {
            Ok(user) => user,
            Err(error) => {
                // The company goes with its refused first user.
                self.app.customers().delete(&system, customer.id).await?;
                return Err(error);
            }
        };
        self.send(
            &user,
            CUSTOMER_CONFIRMATION,
            format!("confirm:{}:{}", user.id, tokens::generate("")),
        )
        .await
    }

    /// Queues `template` to `user` now, and pushes it.
    async fn send(
        &self,
        user: &customer_user::Model,
        template: &'static str,
        dedupe_key: String,
    ) -> Result<()> {
        let db = self.app.db();
        let outgoing = customer_email(db, self.app, user, template, dedupe_key).await?;
        let txn = crate::db::write(db).await?;
        let emails = outbox::queue(&txn, &[outgoing]).await?;
        self.app.commit(txn).await?;
        runner::push_emails(self.app, &emails).await;
        Ok(())
    }

    /// Marks the address of a registration confirmed, with the link's token.
    pub async fn confirm_email(&self, token: &str, source_ip: Option<String>) -> Result<()> {
        let found = self.usable(token, Purpose::Confirm).await?;
        let txn = crate::db::write(self.app.db()).await?;
        if !self.spend(&txn, &found).await? {
            return Err(Error::invalid(
                "token",
                "the link was used already; ask for a new one",
            ));
        }
        customer_user::Entity::update_many()
            .col_expr(customer_user::Column::Confirmed, Expr::value(true))
            .col_expr(
                customer_user::Column::UpdatedAt,
                Expr::value(self.app.now()),
            )
            .filter(customer_user::Column::Id.eq(found.customer_user_id))
            .exec(&txn)
            .await?;
        let actor = Actor {
            customer_user_id: Some(found.customer_user_id),
            source_ip,
            ..Actor::default()
        };
        audit::record(
            &txn,
            &actor,
            "customer_user.confirm_email",
            Target::new("customer_user", found.customer_user_id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }

    /// An administrator resets a customer user's password: status
    /// `PASSWORD_RESET`, sessions ended, earlier links spent, and an email
    /// with a link valid `customers.reset_ttl_secs`.
    pub async fn reset(&self, viewer: &Viewer, id: i64) -> Result<customer_user::Model> {
        let by = Manager::Staff(viewer);
        viewer.require(Permission::CustomerUsersManagePasswords)?;
        let user = self
            .app
            .customer_users()
            .changeable(
                by,
                id,
                CustomerAct::Manage(Permission::CustomerUsersManagePasswords),
            )
            .await?
            .into_inner();
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        customer_user::Entity::update_many()
            .col_expr(
                customer_user::Column::AuthStatus,
                Expr::value(AuthStatus::PasswordReset),
            )
            .col_expr(customer_user::Column::UpdatedAt, Expr::value(now))
            .filter(customer_user::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        super::users::end_sessions(&txn, id).await?;
        // Superseded before the links are spent, as for back-office users
        // (`users::mass::reset_users`).
        outbox::supersede_customer(
            &txn,
            &[id],
            &[
                CUSTOMER_FORCE_RESET_PASSWORD,
                CUSTOMER_PASSWORD_RESET_REQUESTED,
            ],
        )
        .await?;
        spend_all(&txn, id, Purpose::Password, now).await?;
        let outgoing = customer_email(
            &txn,
            self.app,
            &user,
            CUSTOMER_FORCE_RESET_PASSWORD,
            format!("customer_reset:{id}:{}", tokens::generate("")),
        )
        .await?;
        let emails = outbox::queue(&txn, &[outgoing]).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "customer_user.reset_password",
            Target::new("customer_user", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        runner::push_emails(self.app, &emails).await;
        Ok(customer_user::Model {
            auth_status: AuthStatus::PasswordReset,
            updated_at: now,
            ..user
        })
    }

    /// Sets a new password with a customer user's link (reset or welcome):
    /// checks the link and the policy, spends every password link of the
    /// user, sets the status back to `ACTIVE`, ends its sessions. A link
    /// proves the address, so the customer user is confirmed too.
    pub async fn complete_reset(
        &self,
        token: &str,
        password: SecretString,
        source_ip: Option<String>,
    ) -> Result<()> {
        let found = self.usable(token, Purpose::Password).await?;
        self.app
            .settings()
            .password_policy
            .check("newPassword", password.expose_secret())?;
        let hash = self.app.passwords().hash(&password).await?;
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        if !self.spend(&txn, &found).await? {
            return Err(Error::invalid(
                "token",
                "the link was used already; ask for a new one",
            ));
        }
        let id = found.customer_user_id;
        spend_all(&txn, id, Purpose::Password, now).await?;
        customer_user::Entity::update_many()
            .col_expr(customer_user::Column::PasswordHash, Expr::value(hash))
            .col_expr(
                customer_user::Column::AuthStatus,
                Expr::value(AuthStatus::Active),
            )
            .col_expr(customer_user::Column::FailedLoginCount, Expr::value(0))
            .col_expr(customer_user::Column::Confirmed, Expr::value(true))
            .col_expr(customer_user::Column::PasswordChangedAt, Expr::value(now))
            .col_expr(customer_user::Column::UpdatedAt, Expr::value(now))
            .filter(customer_user::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        super::users::end_sessions(&txn, id).await?;
        let actor = Actor {
            customer_user_id: Some(id),
            source_ip,
            ..Actor::default()
        };
        audit::record(
            &txn,
            &actor,
            "customer_user.complete_password_reset",
            Target::new("customer_user", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }

    /// Emails a reset link to the enabled customer user with this email in
    /// the website's organization, if any (the caller answers the same
    /// either way). Never changes the account's status.
    pub(crate) async fn request_reset(&self, email: &str, website_id: i64) -> Result<Option<i64>> {
        let db = self.app.db();
        let organization: Option<i64> = website::Entity::find_by_id(website_id)
            .one(db)
            .await?
            .map(|w| w.organization_id);
        let Some(organization_id) = organization else {
            return Ok(None);
        };
        let Some(user) = customer_user::Entity::find()
            .filter(customer_user::Column::OrganizationId.eq(organization_id))
            .filter(customer_user::Column::EmailCanonical.eq(email))
            .filter(customer_user::Column::Enabled.eq(true))
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let outgoing = customer_email(
            db,
            self.app,
            &user,
            CUSTOMER_PASSWORD_RESET_REQUESTED,
            format!(
                "customer_reset_request:{}:{}",
                user.id,
                tokens::generate("")
            ),
        )
        .await?;
        let txn = crate::db::write(db).await?;
        outbox::supersede_customer(&txn, &[user.id], &[CUSTOMER_PASSWORD_RESET_REQUESTED]).await?;
        let emails = outbox::queue(&txn, &[outgoing]).await?;
        let actor = Actor {
            customer_user_id: Some(user.id),
            name: Some(user.email.clone()),
            organization_id: Some(organization_id),
            ..Actor::default()
        };
        audit::record(
            &txn,
            &actor,
            "customer_user.request_password_reset",
            Target::new("customer_user", user.id),
            None,
            None,
        )
        .await?;
        self.app.commit_quiet(txn).await?;
        let app = self.app.clone();
        tokio::spawn(async move { runner::push_emails(&app, &emails).await });
        Ok(Some(user.id))
    }
}
