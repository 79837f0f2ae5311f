//! OAuth applications: client-credentials clients of back-office users
//! (backend tokens) and customer users (frontend tokens). The token
//! endpoint itself is HTTP (`http::oauth`).

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entity::oauth_application;
use domain::oauth::Audience;
use domain::oauth::applications::{ApplicationChanges, ApplicationFilter, NewApplication};
use domain::permissions::Permission;

use super::auth::TokenAudience;
use super::connection::{Total, connection, total};
use super::context::{app, id, page, viewer};
use super::customer_users::CustomerUser;
use super::guard::needs;
use super::loaders::{CustomerUserById, OrganizationById, RequestLoader, UserById};
use super::organizations::Organization;
use super::users::User;

/// A client of the token endpoint (`POST /oauth2-token`, client-credentials
/// grant). Its tokens act as its owner within its organization, limited to
/// its scopes.
pub struct OAuthApplication(pub oauth_application::Model);

/// A client of the token endpoint (`POST /oauth2-token`, client-credentials
/// grant). Its tokens act as its owner within its organization, limited to
/// its scopes.
#[Object(name = "OAuthApplication")]
impl OAuthApplication {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// Name, for people.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The public client identifier (`client_id` at the token endpoint).
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }

    /// Whether the token endpoint issues tokens to it and its tokens work.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// Which operations its tokens open: BACKEND for a back-office user's
    /// application, FRONTEND for a customer user's.
    async fn audience(&self) -> TokenAudience {
        match Audience::of(&self.0) {
            Audience::Backend => TokenAudience::Backend,
            Audience::Frontend => TokenAudience::Frontend,
        }
    }

    /// Permission names its tokens may carry as scopes.
    async fn scopes(&self) -> Vec<String> {
        domain::oauth::scope_set(&self.0.scopes)
            .into_iter()
            .collect()
    }

    /// The organization its tokens act in.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(OrganizationById(self.0.organization_id))
            .await?
            .map(Organization))
    }

    /// The back-office owner; null for a customer user's application.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(owner) = self.0.user_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(UserById(owner))
            .await?
            .map(User))
    }

    /// The customer-user owner; null for a back-office user's application.
    async fn customer_user(&self, ctx: &Context<'_>) -> Result<Option<CustomerUser>> {
        let Some(owner) = self.0.customer_user_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(CustomerUserById(owner))
            .await?
            .map(CustomerUser))
    }

    /// When the current client secret was made.
    async fn secret_rotated_at(&self) -> DateTime<Utc> {
        self.0.secret_rotated_at
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

/// An application with its client secret, which appears here only.
#[derive(SimpleObject)]
#[graphql(name = "OAuthApplicationSecretPayload")]
pub struct OAuthApplicationSecretPayload {
    /// The application.
    pub application: OAuthApplication,
    /// The client secret: shown once, stored only as a keyed hash.
    pub client_secret: String,
}

/// A new application: exactly one owner.
#[derive(InputObject)]
pub struct CreateOAuthApplicationInput {
    /// Name, for people.
    pub name: String,
    /// A back-office owner: the tokens act as this user (backend).
    pub user_id: Option<ID>,
    /// A customer-user owner: the tokens act as this customer user on the
    /// storefront (frontend).
    pub customer_user_id: Option<ID>,
    /// The organization the tokens act in; the viewer's when absent. The
    /// owner must belong to it.
    pub organization_id: Option<ID>,
    /// Whether it may obtain tokens now.
    #[graphql(default = true)]
    pub active: bool,
    /// Permission names its tokens may carry (back-office permissions for a
    /// user's application, storefront ones for a customer user's); every
    /// one of its side when absent.
    pub scopes: Option<Vec<String>>,
}

/// Changes to an application; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateOAuthApplicationInput {
    /// Name, for people.
    pub name: Option<String>,
    /// Deactivating ends its tokens for good; reactivating lets it obtain
    /// new ones.
    pub active: Option<bool>,
    /// Replaces the permission names its tokens may carry.
    pub scopes: Option<Vec<String>>,
}

/// Narrows the applications listed; every given field must match.
#[derive(InputObject, Default)]
#[graphql(name = "OAuthApplicationFilter")]
pub struct OAuthApplicationFilter {
    /// Words that must all appear in the name.
    pub name: Option<String>,
    /// Applications of this organization.
    pub organization_id: Option<ID>,
    /// Active or inactive applications.
    pub active: Option<bool>,
    /// Applications of this back-office user.
    pub user_id: Option<ID>,
    /// Applications of this customer user.
    pub customer_user_id: Option<ID>,
    /// Applications of back-office users (BACKEND) or customer users
    /// (FRONTEND).
    pub audience: Option<TokenAudience>,
}

impl OAuthApplicationFilter {
    fn into_domain(self) -> Result<ApplicationFilter, domain::Error> {
        let optional = |value: Option<ID>, field: &str| value.map(|v| id(&v, field)).transpose();
        Ok(ApplicationFilter {
            name: self.name,
            organization_id: optional(self.organization_id, "organizationId")?,
            active: self.active,
            user_id: optional(self.user_id, "userId")?,
            customer_user_id: optional(self.customer_user_id, "customerUserId")?,
            audience: self.audience.map(|a| match a {
                TokenAudience::Backend => Audience::Backend,
                TokenAudience::Frontend => Audience::Frontend,
            }),
        })
    }
}

/// Whether OAuth works on this server.
#[derive(SimpleObject)]
#[graphql(name = "OAuthStatus")]
pub struct OAuthStatus {
    /// Whether the signing keys are configured: applications can be created
    /// and their secrets rotated, and the token endpoint issues tokens.
    pub available: bool,
    /// When OAuth is not available, the message to show (what the code
    /// `OAUTH_KEYS_MISSING` answers); null when it is.
    pub message: Option<String>,
}

#[derive(Default)]
pub struct OAuthQuery;

#[Object]
impl OAuthQuery {
    /// Whether OAuth is available on this server, and when it is not the
    /// message to show, so that a page of applications can warn before any
    /// attempt. Needs `OAUTH_APPLICATIONS_VIEW`.
    #[graphql(guard = "needs(Permission::OAuthApplicationsView)")]
    async fn oauth_status(&self, ctx: &Context<'_>) -> Result<OAuthStatus> {
        let status = domain::oauth::Status::of(app(ctx)?);
        Ok(OAuthStatus {
            available: status.available,
            message: status.message.map(str::to_owned),
        })
    }

    /// OAuth applications of the viewer's organizations, by name.
    #[graphql(guard = "needs(Permission::OAuthApplicationsView)")]
    async fn oauth_applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<OAuthApplicationFilter>,
    ) -> Result<Connection<String, OAuthApplication, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let filter = filter.unwrap_or_default().into_domain()?;
        let service = app.oauth_applications();
        let page = service
            .list(viewer, &filter, &page(ctx, first, after)?)
            .await?;
        let total = total(ctx, service.count(viewer, &filter)).await?;
        Ok(connection(page, OAuthApplication, total))
    }

    /// An OAuth application of the viewer's organizations; null when there
    /// is none.
    #[graphql(guard = "needs(Permission::OAuthApplicationsView)")]
    async fn oauth_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the application.")] id: ID,
    ) -> Result<Option<OAuthApplication>> {
        Ok(app(ctx)?
            .oauth_applications()
            .get(viewer(ctx)?, self::id(&id, "id")?)
            .await?
            .map(OAuthApplication))
    }
}

#[derive(Default)]
pub struct OAuthMutation;

#[Object]
impl OAuthMutation {
    /// Creates an OAuth application and answers its client secret, once.
    /// The owner is emailed the client id. `OAUTH_KEYS_MISSING` when the
    /// signing keys are not configured.
    #[graphql(
        name = "createOAuthApplication",
        guard = "needs(Permission::OAuthApplicationsManage)"
    )]
    async fn create_oauth_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application's fields.")] input: CreateOAuthApplicationInput,
    ) -> Result<OAuthApplicationSecretPayload> {
        let optional = |value: Option<ID>, field: &str| value.map(|v| id(&v, field)).transpose();
        let input = NewApplication {
            name: input.name,
            user_id: optional(input.user_id, "userId")?,
            customer_user_id: optional(input.customer_user_id, "customerUserId")?,
            organization_id: optional(input.organization_id, "organizationId")?,
            active: input.active,
            scopes: input.scopes,
        };
        let created = app(ctx)?
            .oauth_applications()
            .create(viewer(ctx)?, input)
            .await?;
        Ok(OAuthApplicationSecretPayload {
            application: OAuthApplication(created.application),
            client_secret: created.client_secret,
        })
    }

    /// Renames, activates or deactivates an application, or changes its
    /// scopes.
    #[graphql(
        name = "updateOAuthApplication",
        guard = "needs(Permission::OAuthApplicationsManage)"
    )]
    async fn update_oauth_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the application.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateOAuthApplicationInput,
    ) -> Result<OAuthApplication> {
        let changes = ApplicationChanges {
            name: input.name,
            active: input.active,
            scopes: input.scopes,
        };
        Ok(OAuthApplication(
            app(ctx)?
                .oauth_applications()
                .update(viewer(ctx)?, self::id(&id, "id")?, changes)
                .await?,
        ))
    }

    /// Replaces the client secret and answers the new one, once. The old
    /// secret and every token issued with it stop working at once.
    #[graphql(
        name = "rotateOAuthApplicationSecret",
        guard = "needs(Permission::OAuthApplicationsManage)"
    )]
    async fn rotate_oauth_application_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the application.")] id: ID,
    ) -> Result<OAuthApplicationSecretPayload> {
        let rotated = app(ctx)?
            .oauth_applications()
            .rotate_secret(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(OAuthApplicationSecretPayload {
            application: OAuthApplication(rotated.application),
            client_secret: rotated.client_secret,
        })
    }

    /// Deletes an application; its tokens stop working at once. Answers
    /// the id.
    #[graphql(
        name = "deleteOAuthApplication",
        guard = "needs(Permission::OAuthApplicationsManage)"
    )]
    async fn delete_oauth_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the application.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .oauth_applications()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }
}
