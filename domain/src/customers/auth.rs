//! Storefront authentication of customer users: `customerLogin` opens a
//! storefront session whose token (prefix `ghc_`) only storefront
//! operations accept; lockout after failed attempts; the lookup of a token
//! into a `CustomerViewer`.

use chrono::{DateTime, Duration, Utc};
use entity::customer_user::{self, AuthStatus};
use entity::{customer_session, organization, website};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use secrecy::SecretString;
use serde_json::json;

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::auth::known;
use crate::authority::CustomerAct;
use crate::customers::users::Manager;
use crate::error::{Error, Result};
use crate::permissions::Permission;
use crate::tokens;
use crate::viewer::{Actor, Credential, CustomerCredential, CustomerViewer, Principal, Viewer};

/// Prefix of storefront session tokens.
pub const STOREFRONT_PREFIX: &str = "ghc_";

/// What `customerLogin` receives.
pub struct CustomerLoginInput {
    pub email: String,
    pub password: SecretString,
    /// The storefront logged in to; customer users of its organization may.
    pub website_id: i64,
    pub source_ip: Option<String>,
}

/// A successful storefront login.
pub struct CustomerLoginOutcome {
    /// The storefront token, shown once; only its hash is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub customer_user: customer_user::Model,
}

pub struct StorefrontAuthService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl StorefrontAuthService<'_> {
    /// Checks the password and opens a storefront session. A wrong
    /// password, an unknown email and an unknown website answer the same
    /// after the same argon2 work; states that keep the account out are told
    /// only to whoever knows the password, except a lock.
    pub async fn login(&self, input: CustomerLoginInput) -> Result<CustomerLoginOutcome> {
        let db = self.app.db();
        crate::rate_limit::attempts_per_ip(self.app, "customer_login", input.source_ip.as_deref())
            .await?;
        let email = input.email.trim().to_lowercase();
        let organization: Option<i64> = website::Entity::find_by_id(input.website_id)
            .select_only()
            .column(website::Column::OrganizationId)
            .into_tuple()
            .one(db)
            .await?;
        let found = match organization {
            Some(organization_id) if !email.is_empty() => {
                customer_user::Entity::find()
                    .filter(customer_user::Column::OrganizationId.eq(organization_id))
                    .filter(customer_user::Column::EmailCanonical.eq(email.as_str()))
                    .one(db)
                    .await?
            }
            _ => None,
        };
        let Some(user) = found else {
            self.app.passwords().verify_dummy(&input.password).await?;
            // Written like a failure count, so the answer costs the same.
            let actor = Actor {
                source_ip: input.source_ip.clone(),
                organization_id: organization,
                ..Actor::default()
            };
            let email: String = email.chars().take(255).collect();
            let txn = crate::db::write(db).await?;
            audit::record(
                &txn,
                &actor,
                "customer_auth.login_unknown",
                Target {
                    kind: "login",
                    id: None,
                },
                None,
                Some(json!({ "email": email, "website": input.website_id })),
            )
            .await?;
            self.app.commit_quiet(txn).await?;
            return Err(Error::InvalidCredentials);
        };
        let actor = Actor {
            name: Some(user.email.clone()),
            organization_id: Some(user.organization_id),
            source_ip: input.source_ip.clone(),
            customer_user_id: Some(user.id),
            ..Actor::default()
        };
        if !self
            .app
            .passwords()
            .verify(&input.password, &user.password_hash)
            .await?
        {
            return Err(self.failed(&user, &actor).await?);
        }
        if !user.enabled {
            return Err(Error::AccountDisabled);
        }
        match user.auth_status {
            AuthStatus::Locked => return Err(Error::AccountLocked),
            AuthStatus::PasswordReset => return Err(Error::PasswordResetRequired),
            AuthStatus::Active => {}
        }
        if !user.confirmed && self.app.settings().customers.require_confirmation {
            return Err(Error::AccountUnconfirmed);
        }
        let (token, expires_at) = self
            .open_session(&user, None, input.source_ip, &actor, "customer_auth.login")
            .await?;
        let now = self.app.now();
        let txn = self.app.write().await?;
        customer_user::Entity::update_many()
            .col_expr(customer_user::Column::FailedLoginCount, Expr::value(0))
            .col_expr(customer_user::Column::LastLoginAt, Expr::value(now))
            .filter(customer_user::Column::Id.eq(user.id))
            .exec(&txn)
            .await?;
        // What is kept of the customer user goes; counts stay.
        self.app.commit_sign_in(txn).await?;
        Ok(CustomerLoginOutcome {
            token,
            expires_at,
            customer_user: customer_user::Model {
                failed_login_count: 0,
                last_login_at: Some(now),
                ..user
            },
        })
    }

    /// Opens a storefront session for `user` (by `impersonator_id` when
    /// impersonated) and writes the audit entry `action`.
    pub(crate) async fn open_session(
        &self,
        user: &customer_user::Model,
        impersonator_id: Option<i64>,
        source_ip: Option<String>,
        actor: &Actor,
        action: &str,
    ) -> Result<(String, DateTime<Utc>)> {
        let token = tokens::generate(STOREFRONT_PREFIX);
        let now = self.app.now();
        let settings = &self.app.settings().customers;
        let ttl = match impersonator_id {
            Some(_) => settings.impersonation_ttl_secs,
            None => settings.session_ttl_secs,
        } as i64;
        let expires_at = now + Duration::seconds(ttl);
        let txn = crate::db::write(self.app.db()).await?;
        customer_session::Entity::delete_many()
            .filter(customer_session::Column::CustomerUserId.eq(user.id))
            .filter(customer_session::Column::ExpiresAt.lte(now))
            .exec(&txn)
            .await?;
        customer_session::ActiveModel {
            customer_user_id: Set(user.id),
            token_hash: Set(tokens::digest(&token)),
            impersonator_id: Set(impersonator_id),
            source_ip: Set(source_ip),
            created_at: Set(now),
            expires_at: Set(expires_at),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            actor,
            action,
            Target::new("customer_user", user.id),
            None,
            None,
        )
        .await?;
        self.app.commit_quiet(txn).await?;
        Ok((token, expires_at))
    }

    /// Counts a failed attempt; the one reaching `max_failed_logins` locks
    /// the account and ends its sessions. Returns the error to answer.
    async fn failed(&self, user: &customer_user::Model, actor: &Actor) -> Result<Error> {
        if user.auth_status == AuthStatus::Locked {
            return Ok(Error::AccountLocked);
        }
        if !user.enabled || user.auth_status != AuthStatus::Active {
            return Ok(Error::InvalidCredentials);
        }
        let max = self.app.settings().auth.max_failed_logins as i32;
        let txn = crate::db::write(self.app.db()).await?;
        customer_user::Entity::update_many()
            .col_expr(
                customer_user::Column::FailedLoginCount,
                Expr::col(customer_user::Column::FailedLoginCount).add(1),
            )
            .filter(customer_user::Column::Id.eq(user.id))
            .exec(&txn)
            .await?;
        let count: Option<i32> = customer_user::Entity::find_by_id(user.id)
            .select_only()
            .column(customer_user::Column::FailedLoginCount)
            .into_tuple()
            .one(&txn)
            .await?;
        let locked = count.unwrap_or(0) >= max;
        let action = if locked {
            customer_user::Entity::update_many()
                .col_expr(
                    customer_user::Column::AuthStatus,
                    Expr::value(AuthStatus::Locked),
                )
                .col_expr(
                    customer_user::Column::UpdatedAt,
                    Expr::value(self.app.now()),
                )
                .filter(customer_user::Column::Id.eq(user.id))
                .exec(&txn)
                .await?;
            super::users::end_sessions(&txn, user.id).await?;
            "customer_user.lock"
        } else {
            "customer_auth.login_failed"
        };
        audit::record(
            &txn,
            actor,
            action,
            Target::new("customer_user", user.id),
            None,
            Some(json!({ "failedLogins": count })),
        )
        .await?;
        // Only a lock changes what a credential stands for.
        if locked {
            self.app.commit(txn).await?;
        } else {
            self.app.commit_quiet(txn).await?;
        }
        Ok(if locked {
            Error::AccountLocked
        } else {
            Error::InvalidCredentials
        })
    }

    /// The customer viewer a storefront token stands for, or `None` when it
    /// is unknown, expired, or its customer user may no longer log in.
    /// Answered from memory when this server checked the token lately
    /// (`auth::known`).
    pub async fn authenticate(
        &self,
        token: &str,
        source_ip: Option<String>,
    ) -> Result<Option<CustomerViewer>> {
        if !token.starts_with(STOREFRONT_PREFIX) {
            return Ok(None);
        }
        let digest = tokens::digest(token);
        let credential = known::Credential::Storefront(digest.clone());
        let principal = known::principal(self.app, credential, source_ip, async || {
            let found = customer_session::Entity::find()
                .filter(customer_session::Column::TokenHash.eq(digest))
                .filter(customer_session::Column::ExpiresAt.gt(self.app.now()))
                .one(self.app.db())
                .await?;
            let Some(session) = found else {
                return Ok(None);
            };
            let credential = CustomerCredential::Session {
                session_id: session.id,
            };
            let viewer = self
                .viewer(
                    session.customer_user_id,
                    credential,
                    session.impersonator_id,
                    None,
                )
                .await?;
            let viewer = match (viewer, session.impersonator_id) {
                (Some(viewer), Some(impersonator)) => self
                    .may_impersonate(impersonator, viewer.organization_id)
                    .await?
                    .then_some(viewer),
                (viewer, _) => viewer,
            };
            Ok(viewer.map(|v| (Principal::Customer(v), Some(session.expires_at))))
        })
        .await?;
        Ok(match principal {
            Some(Principal::Customer(viewer)) => Some(viewer),
            _ => None,
        })
    }

    /// Whether the organization allows impersonation at all.
    async fn impersonation_allowed(&self, organization_id: i64) -> Result<bool> {
        let allowed: Option<bool> = organization::Entity::find_by_id(organization_id)
            .select_only()
            .column(organization::Column::ImpersonationEnabled)
            .into_tuple()
            .one(self.app.db())
            .await?;
        Ok(allowed == Some(true))
    }

    /// Whether `impersonator` may impersonate in `organization_id` now:
    /// it may still log in there and holds `customer_users.impersonate`,
    /// and the organization allows impersonation. An impersonation session
    /// ends the moment any of it stops being true.
    async fn may_impersonate(&self, impersonator: i64, organization_id: i64) -> Result<bool> {
        if !self.impersonation_allowed(organization_id).await? {
            return Ok(false);
        }
        let viewer = self
            .app
            .auth()
            .viewer(impersonator, organization_id, Credential::Basic, None)
            .await?;
        Ok(viewer.is_some_and(|v| v.can(Permission::CustomerUsersImpersonate)))
    }

    /// The customer viewer for `customer_user_id`, or `None` when it may
    /// no longer log in.
    pub(crate) async fn viewer(
        &self,
        customer_user_id: i64,
        credential: CustomerCredential,
        impersonator_id: Option<i64>,
        source_ip: Option<String>,
    ) -> Result<Option<CustomerViewer>> {
        let Some(user) = customer_user::Entity::find_by_id(customer_user_id)
            .one(self.app.db())
            .await?
        else {
            return Ok(None);
        };
        if !user.enabled || user.auth_status != AuthStatus::Active {
            return Ok(None);
        }
        let permissions = self.app.customer_users().permissions_of(user.id).await?;
        Ok(Some(CustomerViewer {
            customer_user_id: user.id,
            email: user.email,
            organization_id: user.organization_id,
            customer_id: user.customer_id,
            website_id: user.website_id,
            permissions,
            credential,
            impersonator_id,
            source_ip,
        }))
    }

    /// Ends the viewer's storefront session.
    pub async fn logout(&self, viewer: &CustomerViewer) -> Result<()> {
        let CustomerCredential::Session { session_id } = viewer.credential else {
            return Ok(());
        };
        let txn = crate::db::write(self.app.db()).await?;
        customer_session::Entity::delete_by_id(session_id)
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "customer_auth.logout",
            Target::new("customer_user", viewer.customer_user_id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }

    /// Opens a storefront session acting as the customer user, for a
    /// back-office user holding `customer_users.impersonate`. The session
    /// is marked with the impersonator, and so is every audit entry it
    /// produces.
    pub async fn impersonate(&self, viewer: &Viewer, id: i64) -> Result<CustomerLoginOutcome> {
        viewer.require(Permission::CustomerUsersImpersonate)?;
        let user = self
            .app
            .customer_users()
            .changeable(Manager::Staff(viewer), id, CustomerAct::ActAs)
            .await?
            .into_inner();
        if !self.impersonation_allowed(user.organization_id).await? {
            return Err(Error::forbidden(
                "impersonation is switched off for this organization",
            ));
        }
        if !user.enabled || user.auth_status != AuthStatus::Active {
            return Err(Error::invalid(
                "id",
                "the customer user cannot log in now (disabled, locked or waiting for a new password)",
            ));
        }
        let (token, expires_at) = self
            .open_session(
                &user,
                Some(viewer.user_id),
                viewer.source_ip.clone(),
                &viewer.actor(),
                "customer_user.impersonate",
            )
            .await?;
        Ok(CustomerLoginOutcome {
            token,
            expires_at,
            customer_user: user,
        })
    }
}
