//! The storefront side: customer users log in and out, read their own
//! record, and — where a role grants account management — manage the users
//! of their own customer. Only storefront tokens open these operations.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use domain::customers::AccountPermission;
use domain::customers::auth::CustomerLoginInput as DomainLoginInput;
use domain::customers::links::Registration;
use domain::customers::users::Manager;
use domain::secrecy::SecretString;

use super::auth::{LoginPayload, TokenAudience};
use super::connection::Total;
use super::context::{app, customer_viewer, id, ids};
use super::customer_users::{
    self, CreateCustomerUserInput, CustomerUser, CustomerUserFilter, CustomerUserOrder,
    UpdateCustomerUserInput,
};
use super::guard::{account, storefront};
use crate::http::ClientInfo;

/// Credentials of a customer user.
#[derive(InputObject)]
pub struct CustomerLoginInput {
    /// The customer user's email, any case.
    pub email: String,
    /// The customer user's password.
    #[graphql(secret)]
    pub password: String,
    /// The website logged in to; customer users of its organization may.
    pub website_id: ID,
}

/// A new company and its first user, registering on the storefront.
#[derive(InputObject)]
pub struct RegisterCustomerUserInput {
    /// The storefront registered on.
    pub website_id: ID,
    /// The company's name: a new customer.
    pub company_name: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Unique within the organization; the confirmation link goes there.
    pub email: String,
    /// Checked against the password policy.
    #[graphql(secret)]
    pub password: String,
    /// Must equal `password`.
    #[graphql(secret)]
    pub password_confirmation: String,
    /// Accepted consents; every mandatory one must be among them.
    #[graphql(default)]
    pub consent_ids: Vec<ID>,
}

/// The storefront session of the request.
#[derive(SimpleObject)]
pub struct CustomerSession {
    /// Whether a back-office user acts as the customer user.
    pub impersonated: bool,
    /// The back-office user impersonating, if any.
    pub impersonator_id: Option<ID>,
}

#[derive(Default)]
pub struct StorefrontQuery;

#[Object]
impl StorefrontQuery {
    /// The signed-in customer user (storefront token).
    #[graphql(guard = "storefront()")]
    async fn customer_me(&self, ctx: &Context<'_>) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?.customer_users().me(customer_viewer(ctx)?).await?,
        ))
    }

    /// The storefront session of the request: whether it is impersonated.
    #[graphql(guard = "storefront()")]
    async fn customer_session(&self, ctx: &Context<'_>) -> Result<CustomerSession> {
        let viewer = customer_viewer(ctx)?;
        Ok(CustomerSession {
            impersonated: viewer.impersonator_id.is_some(),
            impersonator_id: viewer.impersonator_id.map(ID::from),
        })
    }

    /// Users of the signed-in customer user's own customer (account
    /// management).
    #[graphql(guard = "account(AccountPermission::UsersView)")]
    async fn account_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<CustomerUserFilter>,
        #[graphql(desc = "By email when absent.")] order_by: Option<CustomerUserOrder>,
    ) -> Result<Connection<String, CustomerUser, Total>> {
        let viewer = customer_viewer(ctx)?;
        customer_users::list(
            ctx,
            Manager::Account(viewer),
            first,
            after,
            filter,
            order_by,
        )
        .await
    }
}

#[derive(Default)]
pub struct StorefrontMutation;

#[Object]
impl StorefrontMutation {
    /// Logs a customer user in to a website. Open to anyone; failures answer
    /// `UNAUTHENTICATED`, `ACCOUNT_LOCKED`, `ACCOUNT_DISABLED`,
    /// `ACCOUNT_UNCONFIRMED` or `PASSWORD_RESET_REQUIRED`. The token opens
    /// storefront operations only.
    async fn customer_login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who logs in.")] input: CustomerLoginInput,
    ) -> Result<LoginPayload> {
        let source_ip = ctx.data_opt::<ClientInfo>().and_then(|c| c.ip.clone());
        let input = DomainLoginInput {
            email: input.email,
            password: SecretString::from(input.password),
            website_id: id(&input.website_id, "websiteId")?,
            source_ip,
        };
        let outcome = app(ctx)?.storefront().login(input).await?;
        Ok(LoginPayload {
            token: outcome.token,
            token_type: "Bearer",
            audience: TokenAudience::Frontend,
            expires_at: outcome.expires_at,
            user: None,
            organization_id: outcome.customer_user.organization_id.into(),
            customer_user: Some(CustomerUser(outcome.customer_user)),
            impersonated: false,
        })
    }

    /// Registers a company and its first user on a storefront. Open to
    /// anyone; the user manages its company's users (the predefined
    /// Administrator role), and gets an email whose link confirms the
    /// address (`confirmCustomerUserEmail`). `CONFLICT` when the email is
    /// taken; `RATE_LIMITED` per client address.
    async fn register_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company and its first user.")] input: RegisterCustomerUserInput,
    ) -> Result<bool> {
        let source_ip = ctx.data_opt::<ClientInfo>().and_then(|c| c.ip.clone());
        let registration = Registration {
            website_id: id(&input.website_id, "websiteId")?,
            company_name: input.company_name,
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            password: SecretString::from(input.password),
            password_confirmation: SecretString::from(input.password_confirmation),
            consent_ids: ids(&input.consent_ids, "consentIds")?,
            source_ip,
        };
        app(ctx)?.customer_links().register(registration).await?;
        Ok(true)
    }

    /// Confirms a registration's email address with the token of its link
    /// (single use, time-limited). An unknown, used or expired token answers
    /// `BAD_USER_INPUT` on `token` saying which.
    async fn confirm_customer_user_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the confirmation link.")] token: String,
    ) -> Result<bool> {
        let source_ip = ctx.data_opt::<ClientInfo>().and_then(|c| c.ip.clone());
        app(ctx)?
            .customer_links()
            .confirm_email(&token, source_ip)
            .await?;
        Ok(true)
    }

    /// Ends the storefront session. Answers true.
    #[graphql(guard = "storefront()")]
    async fn customer_logout(&self, ctx: &Context<'_>) -> Result<bool> {
        app(ctx)?.storefront().logout(customer_viewer(ctx)?).await?;
        Ok(true)
    }

    /// Creates a user of one's own customer (account management). The
    /// customer is always one's own; owner and sales representatives are the
    /// back office's to choose.
    #[graphql(guard = "account(AccountPermission::UsersManage)")]
    async fn create_account_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set; `customerId` must be one's own customer.")]
        input: CreateCustomerUserInput,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .create(
                    Manager::Account(customer_viewer(ctx)?),
                    input.into_domain()?,
                )
                .await?,
        ))
    }

    /// Edits a user of one's own customer (account management).
    #[graphql(guard = "account(AccountPermission::UsersManage)")]
    async fn update_account_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateCustomerUserInput,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .update(
                    Manager::Account(customer_viewer(ctx)?),
                    self::id(&id, "id")?,
                    input.into_domain()?,
                )
                .await?,
        ))
    }

    /// Enables a user of one's own customer; refused while it holds no role.
    #[graphql(guard = "account(AccountPermission::UsersManage)")]
    async fn enable_account_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .enable(
                    Manager::Account(customer_viewer(ctx)?),
                    self::id(&id, "id")?,
                )
                .await?,
        ))
    }

    /// Disables a user of one's own customer and ends its sessions.
    #[graphql(guard = "account(AccountPermission::UsersManage)")]
    async fn disable_account_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .disable(
                    Manager::Account(customer_viewer(ctx)?),
                    self::id(&id, "id")?,
                )
                .await?,
        ))
    }
}
