//! Authentication of back-office users: login with a password (sessions),
//! logout, the lookup of a session token or API key into a `Viewer`, and API
//! keys.

mod access;
mod api_keys;
pub(crate) mod known;

pub use access::{Revoke, permissions_of, permissions_of_users, revoke, revoke_many};

use chrono::{DateTime, Duration, Utc};
use entity::user::{self, AuthStatus};
use entity::{api_key, organization, session, user_organization};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Set,
};
use secrecy::SecretString;
use serde_json::json;

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::error::{Error, Result};
use crate::tokens;
use crate::viewer::{Actor, Credential, Principal, Viewer};

/// What `login` receives.
pub struct LoginInput {
    /// Username or primary email, any case.
    pub login: String,
    pub password: SecretString,
    /// The organization to act in; the user's first one when absent.
    pub organization_id: Option<i64>,
    pub source_ip: Option<String>,
}

/// A successful login.
pub struct LoginOutcome {
    /// The session token, shown once; only its hash is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: user::Model,
    pub organization_id: i64,
}

/// A new API key.
pub struct NewApiKey {
    /// The key itself, shown once.
    pub key: String,
    pub api_key: api_key::Model,
}

/// The back-office viewer of a principal.
fn staff(principal: Option<Principal>) -> Option<Viewer> {
    match principal {
        Some(Principal::Staff(viewer)) => Some(viewer),
        _ => None,
    }
}

pub struct AuthService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl AuthService<'_> {
    /// Checks the password and opens a session. A wrong password and an
    /// unknown login answer the same `InvalidCredentials` after the same
    /// argon2 work. Lock, disable and reset states are told only to whoever
    /// knows the password, except a lock, which every attempt reports.
    pub async fn login(&self, input: LoginInput) -> Result<LoginOutcome> {
        let db = self.app.db();
        crate::rate_limit::attempts_per_ip(self.app, "login", input.source_ip.as_deref()).await?;
        let user = self
            .check_password(&input.login, &input.password, input.source_ip.clone())
            .await?;
        let actor = Actor {
            user_id: Some(user.id),
            name: Some(user.username.clone()),
            organization_id: None,
            source_ip: input.source_ip.clone(),
            ..Actor::default()
        };
        let organization_id = self
            .login_organization(user.id, input.organization_id)
            .await?;

        let token = tokens::generate(tokens::SESSION_PREFIX);
        let now = self.app.now();
        let expires_at = now + Duration::seconds(self.app.settings().auth.session_ttl_secs as i64);
        let txn = crate::db::write(db).await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user.id))
            .filter(session::Column::ExpiresAt.lte(now))
            .exec(&txn)
            .await?;
        session::ActiveModel {
            user_id: Set(user.id),
            organization_id: Set(organization_id),
            token_hash: Set(tokens::digest(&token)),
            source_ip: Set(input.source_ip.clone()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        user::Entity::update_many()
            .col_expr(user::Column::FailedLoginCount, Expr::value(0))
            .col_expr(user::Column::LastLoginAt, Expr::value(now))
            .filter(user::Column::Id.eq(user.id))
            .exec(&txn)
            .await?;
        let actor = Actor {
            organization_id: Some(organization_id),
            ..actor
        };
        audit::record(
            &txn,
            &actor,
            "auth.login",
            Target::new("user", user.id),
            None,
            None,
        )
        .await?;
        // The user signed in (its last login): what is kept of it goes,
        // counts stay.
        self.app.commit_sign_in(txn).await?;
        let user = user::Model {
            failed_login_count: 0,
            last_login_at: Some(now),
            ..user
        };
        Ok(LoginOutcome {
            token,
            expires_at,
            user,
            organization_id,
        })
    }

    /// The user `login` names, when `password` is its password and it may
    /// log in. A wrong password and an unknown login answer the same
    /// `InvalidCredentials` after the same work. Lock, disable and reset
    /// states are told only to whoever knows the password, except a lock,
    /// which every attempt reports.
    pub async fn check_password(
        &self,
        login: &str,
        password: &SecretString,
        source_ip: Option<String>,
    ) -> Result<user::Model> {
        let db = self.app.db();
        let login = login.trim().to_lowercase();
        let found = if login.is_empty() {
            None
        } else {
            user::Entity::find()
                .filter(
                    Condition::any()
                        .add(user::Column::UsernameCanonical.eq(login.as_str()))
                        .add(user::Column::EmailCanonical.eq(login.as_str())),
                )
                .order_by_asc(user::Column::Id)
                .one(db)
                .await?
        };
        let Some(user) = found else {
            self.app.passwords().verify_dummy(password).await?;
            self.unknown_login(&login, source_ip).await?;
            return Err(Error::InvalidCredentials);
        };
        let actor = Actor {
            user_id: Some(user.id),
            name: Some(user.username.clone()),
            organization_id: None,
            source_ip: source_ip.clone(),
            ..Actor::default()
        };
        if !self
            .app
            .passwords()
            .verify(password, &user.password_hash)
            .await?
        {
            return Err(self.failed_login(&user, &actor).await?);
        }
        if !user.enabled {
            return Err(Error::AccountDisabled);
        }
        match user.auth_status {
            AuthStatus::Locked => return Err(Error::AccountLocked),
            AuthStatus::PasswordReset => return Err(Error::PasswordResetRequired),
            AuthStatus::Active => {}
        }
        Ok(user)
    }

    /// Records an attempt on a login nobody has (credential stuffing shows
    /// up here). Writing it also gives this answer the cost of a wrong
    /// password, whose count is written too.
    async fn unknown_login(&self, login: &str, source_ip: Option<String>) -> Result<()> {
        let actor = Actor {
            source_ip,
            ..Actor::default()
        };
        let login: String = login.chars().take(255).collect();
        let details = json!({ "login": login });
        let txn = crate::db::write(self.app.db()).await?;
        audit::record(
            &txn,
            &actor,
            "auth.login_unknown",
            Target {
                kind: "login",
                id: None,
            },
            None,
            Some(details),
        )
        .await?;
        self.app.commit_quiet(txn).await?;
        Ok(())
    }

    /// Counts a failed attempt; the one reaching `max_failed_logins` locks
    /// the account and ends its sessions. Returns the error to answer.
    async fn failed_login(&self, user: &user::Model, actor: &Actor) -> Result<Error> {
        if user.auth_status == AuthStatus::Locked {
            return Ok(Error::AccountLocked);
        }
        if !user.enabled || user.auth_status != AuthStatus::Active {
            return Ok(Error::InvalidCredentials);
        }
        let max = self.app.settings().auth.max_failed_logins as i32;
        // Recorded in the user's first organization, where administrators look.
        let organization_id = self.login_organization(user.id, None).await.ok();
        let actor = &Actor {
            organization_id,
            ..actor.clone()
        };
        let txn = crate::db::write(self.app.db()).await?;
        // The increment is done by the database so concurrent failures all count.
        user::Entity::update_many()
            .col_expr(
                user::Column::FailedLoginCount,
                Expr::col(user::Column::FailedLoginCount).add(1),
            )
            .filter(user::Column::Id.eq(user.id))
            .exec(&txn)
            .await?;
        let count: Option<i32> = user::Entity::find_by_id(user.id)
            .select_only()
            .column(user::Column::FailedLoginCount)
            .into_tuple()
            .one(&txn)
            .await?;
        let locked = count.unwrap_or(0) >= max;
        if locked {
            user::Entity::update_many()
                .col_expr(user::Column::AuthStatus, Expr::value(AuthStatus::Locked))
                .col_expr(user::Column::UpdatedAt, Expr::value(self.app.now()))
                .filter(user::Column::Id.eq(user.id))
                .exec(&txn)
                .await?;
            revoke(&txn, user.id, Revoke::SessionsAndKeys).await?;
            let details = json!({ "failedLogins": count });
            audit::record(
                &txn,
                actor,
                "user.lock",
                Target::new("user", user.id),
                None,
                Some(details),
            )
            .await?;
        } else {
            audit::record(
                &txn,
                actor,
                "auth.login_failed",
                Target::new("user", user.id),
                None,
                None,
            )
            .await?;
        }
        // The user row changed (its failure count, maybe its status).
        self.app.commit(txn).await?;
        Ok(if locked {
            Error::AccountLocked
        } else {
            Error::InvalidCredentials
        })
    }

    /// The organization a login acts in: the requested one, which the user
    /// must belong to, or the user's first enabled one.
    async fn login_organization(&self, user_id: i64, requested: Option<i64>) -> Result<i64> {
        let mut query = user_organization::Entity::find()
            .select_only()
            .column(user_organization::Column::OrganizationId)
            .join(
                JoinType::InnerJoin,
                user_organization::Relation::Target.def(),
            )
            .filter(user_organization::Column::UserId.eq(user_id))
            .filter(organization::Column::Enabled.eq(true))
            .order_by_asc(user_organization::Column::OrganizationId);
        if let Some(requested) = requested {
            query = query.filter(user_organization::Column::OrganizationId.eq(requested));
        }
        let found: Option<i64> = query.into_tuple().one(self.app.db()).await?;
        found.ok_or_else(|| match requested {
            Some(_) => {
                Error::forbidden("the user does not belong to that organization, or it is disabled")
            }
            None => Error::forbidden("the user belongs to no enabled organization"),
        })
    }

    /// Ends the viewer's session (API keys have none to end).
    pub async fn logout(&self, viewer: &Viewer) -> Result<()> {
        if let Credential::Session { session_id } = viewer.credential {
            let txn = crate::db::write(self.app.db()).await?;
            session::Entity::delete_by_id(session_id).exec(&txn).await?;
            audit::record(
                &txn,
                &viewer.actor(),
                "auth.logout",
                Target::new("user", viewer.user_id),
                None,
                None,
            )
            .await?;
            self.app.commit(txn).await?;
        }
        Ok(())
    }

    /// The viewer a session token stands for, or `None` when the token is
    /// unknown, expired, or its user may no longer log in. Answered from
    /// memory when this server checked the token lately (`known`).
    pub async fn authenticate_session(
        &self,
        token: &str,
        source_ip: Option<String>,
    ) -> Result<Option<Viewer>> {
        if !token.starts_with(tokens::SESSION_PREFIX) {
            return Ok(None);
        }
        let digest = tokens::digest(token);
        let credential = known::Credential::Session(digest.clone());
        let principal = known::principal(self.app, credential, source_ip, async || {
            let found = session::Entity::find()
                .filter(session::Column::TokenHash.eq(digest))
                .filter(session::Column::ExpiresAt.gt(self.app.now()))
                .one(self.app.db())
                .await?;
            let Some(session) = found else {
                return Ok(None);
            };
            let credential = Credential::Session {
                session_id: session.id,
            };
            let viewer = self
                .viewer(session.user_id, session.organization_id, credential, None)
                .await?;
            Ok(viewer.map(|v| (Principal::Staff(v), Some(session.expires_at))))
        })
        .await?;
        Ok(staff(principal))
    }

    /// The viewer an API key stands for, within the key's organization.
    /// Answered from memory when this server checked the key lately.
    pub async fn authenticate_api_key(
        &self,
        key: &str,
        source_ip: Option<String>,
    ) -> Result<Option<Viewer>> {
        if !key.starts_with(tokens::API_KEY_PREFIX) {
            return Ok(None);
        }
        let digest = tokens::digest(key);
        let credential = known::Credential::ApiKey(digest.clone());
        let principal = known::principal(self.app, credential, source_ip, async || {
            let found = api_key::Entity::find()
                .filter(api_key::Column::KeyHash.eq(digest))
                .one(self.app.db())
                .await?;
            let Some(found) = found else {
                return Ok(None);
            };
            let credential = Credential::ApiKey {
                api_key_id: found.id,
            };
            let viewer = self
                .viewer(found.user_id, found.organization_id, credential, None)
                .await?;
            Ok(viewer.map(|v| (Principal::Staff(v), None)))
        })
        .await?;
        Ok(staff(principal))
    }

    /// The viewer for HTTP Basic credentials (the ops board), in the user's
    /// first organization: the password is checked like a login's (failures
    /// count toward the lock). Answers the stored password hash too, so the
    /// caller can skip the next checks of the same credentials while it is
    /// unchanged (`basic_again`).
    pub async fn basic(
        &self,
        login: &str,
        password: &SecretString,
        source_ip: Option<String>,
    ) -> Result<(Viewer, String)> {
        let user = self
            .check_password(login, password, source_ip.clone())
            .await?;
        let organization_id = self.login_organization(user.id, None).await?;
        let viewer = self
            .viewer(user.id, organization_id, Credential::Basic, source_ip)
            .await?
            .ok_or(Error::Unauthenticated)?;
        Ok((viewer, user.password_hash))
    }

    /// The viewer for Basic credentials checked before, while the user's
    /// password is still `password_hash` and the user may still log in.
    pub async fn basic_again(
        &self,
        user_id: i64,
        password_hash: &str,
        source_ip: Option<String>,
    ) -> Result<Option<Viewer>> {
        let Some(user) = user::Entity::find_by_id(user_id).one(self.app.db()).await? else {
            return Ok(None);
        };
        if user.password_hash != password_hash {
            return Ok(None);
        }
        let organization_id = self.login_organization(user.id, None).await?;
        self.viewer(user.id, organization_id, Credential::Basic, source_ip)
            .await
    }

    /// The requester of `job`, with the permissions it holds now in the
    /// job's organization: a job acts with its requester's authority, and
    /// stops when that is gone.
    pub async fn job_viewer(&self, job: &entity::job::Model) -> Result<Viewer> {
        let Some(requester) = job.requester_id else {
            return Err(Error::forbidden(
                "the requester of the job no longer exists",
            ));
        };
        let credential = Credential::Job { job_id: job.id };
        self.viewer(requester, job.organization_id, credential, None)
            .await?
            .ok_or_else(|| {
                Error::forbidden("the requester of the job can no longer act in its organization")
            })
    }

    pub(crate) async fn viewer(
        &self,
        user_id: i64,
        organization_id: i64,
        credential: Credential,
        source_ip: Option<String>,
    ) -> Result<Option<Viewer>> {
        let db = self.app.db();
        let Some(user) = user::Entity::find_by_id(user_id).one(db).await? else {
            return Ok(None);
        };
        if !user.enabled || user.auth_status != AuthStatus::Active {
            return Ok(None);
        }
        // Every membership counts for managing organizations, but the one
        // acted in must be enabled.
        let memberships: Vec<(i64, bool)> = user_organization::Entity::find()
            .select_only()
            .column(user_organization::Column::OrganizationId)
            .column(organization::Column::Enabled)
            .join(
                JoinType::InnerJoin,
                user_organization::Relation::Target.def(),
            )
            .filter(user_organization::Column::UserId.eq(user_id))
            .into_tuple()
            .all(db)
            .await?;
        if !memberships.contains(&(organization_id, true)) {
            return Ok(None);
        }
        let organization_ids = memberships.into_iter().map(|(id, _)| id).collect();
        let permissions = permissions_of(db, user_id, organization_id).await?;
        Ok(Some(Viewer {
            user_id,
            username: user.username.clone(),
            organization_id,
            organization_ids,
            permissions,
            credential,
            source_ip,
            user: Some(std::sync::Arc::new(user)),
        }))
    }
}
