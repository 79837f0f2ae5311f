//! Password resets by link: completing one with its token, and asking for
//! one by email (self-service, rate limited, answering the same whether or
//! not the address is known).

use chrono::Duration;
use entity::password_reset_token;
use entity::user::{self, AuthStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::audit::{self, Target};
use crate::auth::{Revoke, revoke};
use crate::email::catalog::{PASSWORD_CHANGED, PASSWORD_RESET_REQUESTED};
use crate::email::outbox::{self, Outgoing};
use crate::error::{Error, Result};
use crate::jobs::runner;
use crate::viewer::Actor;
use crate::{Gatehouse, rate_limit, tokens};

pub struct ResetService<'a> {
    pub(crate) app: &'a Gatehouse,
}

/// The email telling `user` its password changed.
pub(crate) fn password_changed_email(user: &user::Model, organization: &str) -> Outgoing {
    Outgoing {
        template: PASSWORD_CHANGED,
        recipient: user.email.clone(),
        user_id: Some(user.id),
        customer_user_id: None,
        organization_id: None,
        job_id: None,
        context: json!({ "first_name": user.first_name, "last_name": user.last_name, "username": user.username,
                         "email": user.email, "organization": organization }),
        dedupe_key: format!("password_changed:{}:{}", user.id, tokens::generate("")),
    }
}

impl ResetService<'_> {
    /// Sets a new password with a reset token: checks the token (unknown,
    /// spent and expired tokens each say so) and the policy, spends the
    /// token, sets the status back to `ACTIVE`, ends the user's sessions and
    /// tells the user by email.
    pub async fn complete(
        &self,
        token: &str,
        password: SecretString,
        source_ip: Option<String>,
    ) -> Result<()> {
        let token = token.trim();
        if token.starts_with(tokens::CUSTOMER_PASSWORD_PREFIX) {
            return self
                .app
                .customer_links()
                .complete_reset(token, password, source_ip)
                .await;
        }
        let found = if token.starts_with(tokens::RESET_PREFIX) {
            password_reset_token::Entity::find()
                .filter(password_reset_token::Column::TokenHash.eq(tokens::digest(token)))
                .one(self.app.db())
                .await?
        } else {
            None
        };
        let Some(found) = found else {
            return Err(Error::invalid(
                "token",
                "the reset link is not valid; ask for a new one",
            ));
        };
        if found.used_at.is_some() {
            return Err(Error::invalid(
                "token",
                "the reset link was used already; ask for a new one",
            ));
        }
        if found.expires_at <= self.app.now() {
            return Err(Error::invalid(
                "token",
                "the reset link has expired; ask for a new one",
            ));
        }
        self.app
            .settings()
            .password_policy
            .check("newPassword", password.expose_secret())?;
        let hash = self.app.passwords().hash(&password).await?;
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        // Spending the token is the guard against two uses at once.
        let spent = password_reset_token::Entity::update_many()
            .col_expr(password_reset_token::Column::UsedAt, Expr::value(now))
            .filter(password_reset_token::Column::Id.eq(found.id))
            .filter(password_reset_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if spent != 1 {
            return Err(Error::invalid(
                "token",
                "the reset link was used already; ask for a new one",
            ));
        }
        password_reset_token::Entity::update_many()
            .col_expr(password_reset_token::Column::UsedAt, Expr::value(now))
            .filter(password_reset_token::Column::UserId.eq(found.user_id))
            .filter(password_reset_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash))
            .col_expr(user::Column::AuthStatus, Expr::value(AuthStatus::Active))
            .col_expr(user::Column::FailedLoginCount, Expr::value(0))
            .col_expr(user::Column::PasswordChangedAt, Expr::value(now))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(found.user_id))
            .exec(&txn)
            .await?;
        revoke(&txn, found.user_id, Revoke::Sessions).await?;
        let user = user::Entity::find_by_id(found.user_id)
            .one(&txn)
            .await?
            .ok_or(Error::not_found("user"))?;
        let actor = Actor {
            user_id: Some(user.id),
            name: Some(user.username.clone()),
            organization_id: None,
            source_ip,
            ..Actor::default()
        };
        audit::record(
            &txn,
            &actor,
            "user.complete_password_reset",
            Target::new("user", user.id),
            None,
            None,
        )
        .await?;
        let home = crate::organizations::first_of_user(&txn, user.id).await?;
        let mut email = password_changed_email(&user, home.as_ref().map_or("", |(_, name)| name));
        email.organization_id = home.map(|(id, _)| id);
        let emails = outbox::queue(&txn, &[email]).await?;
        self.app.commit(txn).await?;
        runner::push_emails(self.app, &emails).await;
        Ok(())
    }

    /// Emails a reset link to the enabled user with this primary email, if
    /// any. Answers the same either way, after the same work; never changes
    /// the account's status. `RATE_LIMITED` per client address; the limit
    /// per account drops extra requests silently (saying so would tell the
    /// address is known).
    ///
    /// With `website_id`, the request is a customer user's, on that
    /// storefront: the link goes to the customer user with this email in the
    /// website's organization.
    pub async fn request(
        &self,
        email: &str,
        website_id: Option<i64>,
        source_ip: Option<String>,
    ) -> Result<()> {
        let auth = &self.app.settings().auth;
        let db = self.app.db();
        let hour = Duration::hours(1);
        if let Some(ip) = &source_ip
            && !rate_limit::hit(
                self.app,
                &format!("reset:ip:{ip}"),
                auth.reset_requests_per_ip_per_hour,
                hour,
            )
            .await?
        {
            return Err(Error::RateLimited);
        }
        let email = email.trim().to_lowercase();
        if email.is_empty() || email.len() > 254 {
            return Err(Error::invalid("email", "must be an email address"));
        }
        let account = match website_id {
            Some(website) => format!("reset:customer:{website}:{email}"),
            None => format!("reset:account:{email}"),
        };
        let within = rate_limit::hit(
            self.app,
            &account,
            auth.reset_requests_per_account_per_hour,
            hour,
        )
        .await?;
        if let Some(website) = website_id {
            let sent = within
                && self
                    .app
                    .customer_links()
                    .request_reset(&email, website)
                    .await?
                    .is_some();
            if !sent {
                self.dropped(&email, source_ip).await?;
            }
            return Ok(());
        }
        let user = user::Entity::find()
            .filter(user::Column::EmailCanonical.eq(email.as_str()))
            .filter(user::Column::Enabled.eq(true))
            .one(db)
            .await?;
        let Some(user) = user.filter(|_| within) else {
            return self.dropped(&email, source_ip).await;
        };
        let home = crate::organizations::first_of_user(db, user.id).await?;
        let organization = home.as_ref().map_or("", |(_, name)| name.as_str());
        let outgoing = Outgoing {
            template: PASSWORD_RESET_REQUESTED,
            recipient: user.email.clone(),
            user_id: Some(user.id),
            customer_user_id: None,
            organization_id: home.as_ref().map(|(id, _)| *id),
            job_id: None,
            context: json!({ "first_name": user.first_name, "last_name": user.last_name, "username": user.username,
                             "email": user.email, "organization": organization }),
            dedupe_key: format!("reset_request:{}:{}", user.id, tokens::generate("")),
        };
        let txn = crate::db::write(db).await?;
        outbox::supersede(&txn, &[user.id], &[PASSWORD_RESET_REQUESTED]).await?;
        let emails = outbox::queue(&txn, &[outgoing]).await?;
        let actor = Actor {
            user_id: Some(user.id),
            name: Some(user.username.clone()),
            organization_id: None,
            source_ip,
            ..Actor::default()
        };
        audit::record(
            &txn,
            &actor,
            "user.request_password_reset",
            Target::new("user", user.id),
            None,
            None,
        )
        .await?;
        self.app.commit_quiet(txn).await?;
        // Pushed apart from the answer, whose time must not depend on it.
        let app = self.app.clone();
        tokio::spawn(async move { runner::push_emails(&app, &emails).await });
        Ok(())
    }

    /// Records a request that sends nothing (unknown address, or over the
    /// limit), so the answer costs about what a known address's does.
    async fn dropped(&self, email: &str, source_ip: Option<String>) -> Result<()> {
        let actor = Actor {
            source_ip,
            ..Actor::default()
        };
        let details = json!({ "email": email.chars().take(254).collect::<String>() });
        let txn = crate::db::write(self.app.db()).await?;
        audit::record(
            &txn,
            &actor,
            "auth.reset_request_dropped",
            Target {
                kind: "email",
                id: None,
            },
            None,
            Some(details),
        )
        .await?;
        self.app.commit_quiet(txn).await?;
        Ok(())
    }
}
