//! Logging in and out, the viewer, and API keys.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::Viewer as DomainViewer;
use domain::auth::LoginInput as DomainLoginInput;
use domain::entity::api_key;
use domain::permissions::Permission as DomainPermission;
use domain::secrecy::SecretString;

use super::context::{app, id, viewer};
use super::customer_users::CustomerUser;
use super::guard::{Authenticated, needs};
use super::organizations::Organization;
use super::roles::Permission;
use super::users::User;
use crate::http::ClientInfo;

/// Credentials of a back-office user.
#[derive(InputObject)]
pub struct LoginInput {
    /// Username or primary email, any case.
    pub login: String,
    /// The user's password.
    #[graphql(secret)]
    pub password: String,
    /// The organization to work in; the user's first one when absent.
    pub organization_id: Option<ID>,
}

/// Which side of the API a token opens.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TokenAudience {
    /// Back-office operations, for back-office users.
    Backend,
    /// Storefront operations, for customer users.
    Frontend,
}

/// A new session: of a back-office user (`login`) or of a customer user
/// (`customerLogin`, `impersonateCustomerUser`).
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <token>`. Shown once.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Which operations the token opens; the other side refuses it.
    pub audience: TokenAudience,
    /// When the session ends unless the user logs out earlier.
    pub expires_at: DateTime<Utc>,
    /// The back-office user who logged in; null for storefront sessions.
    pub user: Option<User>,
    /// The customer user of a storefront session; null for back-office ones.
    pub customer_user: Option<CustomerUser>,
    /// Whether a back-office user acts as the customer user (impersonation).
    pub impersonated: bool,
    /// The organization the session works in.
    pub organization_id: ID,
}

/// The authenticated caller.
pub struct Viewer(DomainViewer);

/// The authenticated caller.
#[Object]
impl Viewer {
    /// The user behind the session or API key.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(app(ctx)?.users().me(&self.0).await?))
    }

    /// The organization the caller works in.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let found = app(ctx)?
            .organizations()
            .get(&self.0, self.0.organization_id)
            .await?;
        Ok(found.map(Organization))
    }

    /// What the caller may do in that organization.
    async fn permissions(&self) -> Vec<Permission> {
        let mut permissions: Vec<DomainPermission> = self.0.permissions.iter().collect();
        permissions.sort();
        permissions.into_iter().map(Permission::from).collect()
    }

    /// Whether the caller authenticated with an API key (not a session).
    async fn via_api_key(&self) -> bool {
        matches!(self.0.credential, domain::viewer::Credential::ApiKey { .. })
    }
}

/// An API key: at most one per user per organization.
pub struct ApiKey(pub api_key::Model);

/// An API key: at most one per user per organization.
#[Object]
impl ApiKey {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// The organization the key acts in.
    async fn organization_id(&self) -> ID {
        self.0.organization_id.into()
    }

    /// The first characters of the key, to tell keys apart.
    async fn prefix(&self) -> &str {
        &self.0.key_prefix
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A newly generated API key.
#[derive(SimpleObject)]
pub struct ApiKeyPayload {
    /// Send as `X-API-Key: <key>`. Shown only in this response.
    pub key: String,
    /// The stored key, without the secret.
    pub api_key: ApiKey,
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The caller; null when not authenticated. Storefront tokens are
    /// refused (`customerMe` is theirs).
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        if ctx.data_opt::<domain::CustomerViewer>().is_some() {
            viewer(ctx)?;
        }
        Ok(ctx.data_opt::<DomainViewer>().cloned().map(Viewer))
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Logs a back-office user in. Open to anyone; failures answer
    /// `UNAUTHENTICATED`, `ACCOUNT_LOCKED`, `ACCOUNT_DISABLED` or
    /// `PASSWORD_RESET_REQUIRED`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who logs in.")] input: LoginInput,
    ) -> Result<LoginPayload> {
        let source_ip = ctx.data_opt::<ClientInfo>().and_then(|c| c.ip.clone());
        let input = DomainLoginInput {
            login: input.login,
            password: SecretString::from(input.password),
            organization_id: input
                .organization_id
                .map(|o| id(&o, "organizationId"))
                .transpose()?,
            source_ip,
        };
        let outcome = app(ctx)?.auth().login(input).await?;
        Ok(LoginPayload {
            token: outcome.token,
            token_type: "Bearer",
            audience: TokenAudience::Backend,
            expires_at: outcome.expires_at,
            user: Some(User(outcome.user)),
            customer_user: None,
            impersonated: false,
            organization_id: outcome.organization_id.into(),
        })
    }

    /// Sets a new password with the token of a reset link (single use,
    /// time-limited), of a back-office user or of a customer user (also the
    /// set-password link of a welcome email). The status returns to `ACTIVE`. An unknown,
    /// used or expired token answers `BAD_USER_INPUT` on `token` saying which.
    async fn complete_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the reset link.")] token: String,
        #[graphql(secret, desc = "Checked against the password policy.")] new_password: String,
    ) -> Result<bool> {
        let source_ip = ctx.data_opt::<ClientInfo>().and_then(|c| c.ip.clone());
        app(ctx)?
            .resets()
            .complete(&token, SecretString::from(new_password), source_ip)
            .await?;
        Ok(true)
    }

    /// Emails a reset link to the back-office user with this primary email
    /// or, with `websiteId`, to the customer user with this email on that
    /// storefront's organization, if there is one. Answers true either way,
    /// in about the same time; never changes the account. Rate limited per
    /// address (`RATE_LIMITED`) and, silently, per account.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The primary email of the account.")] email: String,
        #[graphql(desc = "The storefront, for a customer user's account.")] website_id: Option<ID>,
    ) -> Result<bool> {
        let source_ip = ctx.data_opt::<ClientInfo>().and_then(|c| c.ip.clone());
        let website_id = website_id.map(|w| id(&w, "websiteId")).transpose()?;
        app(ctx)?
            .resets()
            .request(&email, website_id, source_ip)
            .await?;
        Ok(true)
    }

    /// Ends the current session. Answers true.
    #[graphql(guard = "Authenticated")]
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        app(ctx)?.auth().logout(viewer(ctx)?).await?;
        Ok(true)
    }

    /// Generates the API key of a user in an organization (the viewer's
    /// when absent), replacing the previous one. The key is shown only here.
    #[graphql(guard = "needs(DomainPermission::UsersManageApiKeys)")]
    async fn generate_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user the key authenticates as.")] user_id: ID,
        #[graphql(desc = "The organization the key acts in; the viewer's when absent.")]
        organization_id: Option<ID>,
    ) -> Result<ApiKeyPayload> {
        let organization = organization_id
            .map(|o| id(&o, "organizationId"))
            .transpose()?;
        let created = app(ctx)?
            .auth()
            .generate_api_key(viewer(ctx)?, id(&user_id, "userId")?, organization)
            .await?;
        Ok(ApiKeyPayload {
            key: created.key,
            api_key: ApiKey(created.api_key),
        })
    }

    /// Deletes a user's API key in an organization (the viewer's when
    /// absent): it stops working at once. Answers whether there was one.
    #[graphql(guard = "needs(DomainPermission::UsersManageApiKeys)")]
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user whose key to revoke.")] user_id: ID,
        #[graphql(desc = "The organization of the key; the viewer's when absent.")]
        organization_id: Option<ID>,
    ) -> Result<bool> {
        let organization = organization_id
            .map(|o| id(&o, "organizationId"))
            .transpose()?;
        let revoked = app(ctx)?
            .auth()
            .revoke_api_key(viewer(ctx)?, id(&user_id, "userId")?, organization)
            .await?;
        Ok(revoked)
    }
}
