//! OAuth 2.0 applications of back-office users and customer users, the
//! client-credentials grant, and the access tokens it issues
//! (docs/OAUTH.md).

pub mod applications;
pub mod clients;
pub mod grant;
pub mod keys;
mod limits;

use std::collections::BTreeSet;

use entity::oauth_application;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::customers::AccountPermission;
use crate::error::Result;
use crate::permissions::Permission;

pub use limits::TokenLimits;

/// `aud` of tokens acting on the back-office operations.
pub const BACKEND_AUDIENCE: &str = "gatehouse-backend";
/// `aud` of tokens acting on the storefront operations.
pub const FRONTEND_AUDIENCE: &str = "gatehouse-frontend";
/// Prefix of client ids.
pub const CLIENT_ID_PREFIX: &str = "gha_";
/// Prefix of client secrets.
pub const CLIENT_SECRET_PREFIX: &str = "ghx_";

/// Which side of the API an application's tokens open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Owned by a back-office user: the back-office operations.
    Backend,
    /// Owned by a customer user: the storefront operations.
    Frontend,
}

impl Audience {
    pub fn of(application: &oauth_application::Model) -> Self {
        Self::of_owner(application.user_id)
    }

    /// Backend when a back-office user owns the application.
    pub(crate) fn of_owner(user_id: Option<i64>) -> Self {
        if user_id.is_some() {
            Self::Backend
        } else {
            Self::Frontend
        }
    }

    /// The `aud` claim.
    pub fn claim(self) -> &'static str {
        match self {
            Self::Backend => BACKEND_AUDIENCE,
            Self::Frontend => FRONTEND_AUDIENCE,
        }
    }

    /// Whether `scope` names a permission of this side.
    pub fn knows(self, scope: &str) -> bool {
        match self {
            Self::Backend => Permission::parse(scope).is_some(),
            Self::Frontend => AccountPermission::parse(scope).is_some(),
        }
    }

    /// Every scope of this side.
    pub fn every_scope(self) -> BTreeSet<String> {
        match self {
            Self::Backend => Permission::ALL.iter().map(|p| p.as_str().into()).collect(),
            Self::Frontend => AccountPermission::ALL
                .iter()
                .map(|p| p.as_str().into())
                .collect(),
        }
    }
}

/// Whether OAuth works on this server, for a UI to read before any
/// attempt (the applications page shows the warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// The signing keys are loaded: applications can be created, secrets
    /// rotated and tokens issued.
    pub available: bool,
    /// When not available, what `OAUTH_KEYS_MISSING` says.
    pub message: Option<&'static str>,
}

impl Status {
    /// This server's: each API server loads its own keys at start.
    pub fn of(app: &crate::Gatehouse) -> Self {
        let available = app.oauth_keys().is_ok();
        Self {
            available,
            message: (!available).then_some(crate::error::OAUTH_KEYS_MISSING),
        }
    }
}

/// The scopes of a space-delimited list.
pub fn scope_set(scopes: &str) -> BTreeSet<String> {
    scopes.split_whitespace().map(str::to_owned).collect()
}

/// A scope set written space-delimited, as stored and as in tokens.
pub fn scope_string(scopes: &BTreeSet<String>) -> String {
    scopes.iter().cloned().collect::<Vec<_>>().join(" ")
}

/// Ends the tokens of the applications of back-office users at once (their
/// owner was disabled, locked or sent to reset the password).
pub(crate) async fn end_tokens_of_users(
    conn: &impl ConnectionTrait,
    user_ids: &[i64],
) -> Result<()> {
    end_tokens(conn, oauth_application::Column::UserId, user_ids).await
}

/// Ends the tokens of the applications of customer users at once.
pub(crate) async fn end_tokens_of_customer_users(
    conn: &impl ConnectionTrait,
    customer_user_ids: &[i64],
) -> Result<()> {
    end_tokens(
        conn,
        oauth_application::Column::CustomerUserId,
        customer_user_ids,
    )
    .await
}

async fn end_tokens(
    conn: &impl ConnectionTrait,
    owner: oauth_application::Column,
    ids: &[i64],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    oauth_application::Entity::update_many()
        .col_expr(
            oauth_application::Column::TokenGeneration,
            Expr::col(oauth_application::Column::TokenGeneration).add(1),
        )
        .filter(owner.is_in(ids.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}
