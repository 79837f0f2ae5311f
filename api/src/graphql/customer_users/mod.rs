//! Customer users in the back office.

mod bulk;
mod inputs;
mod types;

use std::collections::BTreeSet;

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Lookahead, Object, Result};
use domain::customers::users::Manager;
use domain::entity::customer_user;
use domain::permissions::Permission;

pub use bulk::CustomerUserBulkMutation;
pub use inputs::{
    CreateCustomerUserInput, CustomerUserFilter, CustomerUserOrder, UpdateCustomerUserInput,
};
pub use types::CustomerUser;

use super::auth::{LoginPayload, TokenAudience};
use super::connection::{Total, connection, total};
use super::context::{app, id, page, viewer};
use super::guard::needs;
use super::loaders::{
    AddressesOfCustomerUser, ConsentsOfCustomerUser, CustomerById, LocalizationById,
    PermissionsOfCustomerRole, RequestLoader, RolesOfCustomerUser,
    SalesRepresentativesOfCustomerUser, UserById, WebsiteById,
};

/// Loads what a page of customer users will show before the fields ask:
/// one statement per selected relation whatever the page size.
pub(crate) async fn prefetch(
    ctx: &Context<'_>,
    node: Lookahead<'_>,
    users: &[&customer_user::Model],
) -> Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let loader = ctx.data::<RequestLoader>()?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let distinct = |f: fn(&customer_user::Model) -> Option<i64>| -> BTreeSet<i64> {
        users.iter().copied().filter_map(f).collect()
    };
    if node.field("customer").exists() {
        loader
            .load_many(
                distinct(|u| Some(u.customer_id))
                    .into_iter()
                    .map(CustomerById),
            )
            .await?;
    }
    if node.field("website").exists() {
        loader
            .load_many(
                distinct(|u| Some(u.website_id))
                    .into_iter()
                    .map(WebsiteById),
            )
            .await?;
    }
    if node.field("localization").exists() {
        loader
            .load_many(
                distinct(|u| u.localization_id)
                    .into_iter()
                    .map(LocalizationById),
            )
            .await?;
    }
    if node.field("owner").exists() {
        loader
            .load_many(distinct(|u| Some(u.owner_id)).into_iter().map(UserById))
            .await?;
    }
    if node.field("salesRepresentatives").exists() {
        loader
            .load_many(ids.iter().map(|&id| SalesRepresentativesOfCustomerUser(id)))
            .await?;
    }
    if node.field("roles").exists() {
        let roles = loader
            .load_many(ids.iter().map(|&id| RolesOfCustomerUser(id)))
            .await?;
        if node.field("roles").field("permissions").exists() {
            let role_ids: BTreeSet<i64> = roles.values().flatten().map(|r| r.id).collect();
            loader
                .load_many(role_ids.into_iter().map(PermissionsOfCustomerRole))
                .await?;
        }
    }
    if node.field("addresses").exists() {
        loader
            .load_many(ids.iter().map(|&id| AddressesOfCustomerUser(id)))
            .await?;
    }
    if node.field("consents").exists() {
        loader
            .load_many(ids.iter().map(|&id| ConsentsOfCustomerUser(id)))
            .await?;
    }
    Ok(())
}

/// One page of the customer users `by` sees.
pub(crate) async fn list(
    ctx: &Context<'_>,
    by: Manager<'_>,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<CustomerUserFilter>,
    order_by: Option<CustomerUserOrder>,
) -> Result<Connection<String, CustomerUser, Total>> {
    let app = app(ctx)?;
    let filter = filter.unwrap_or_default().into_domain()?;
    let order = order_by.unwrap_or_default().into();
    let page = app
        .customer_users()
        .list(by, &filter, &order, &page(ctx, first, after)?)
        .await?;
    let users: Vec<_> = page.items.iter().map(|(_, user)| user).collect();
    prefetch(ctx, ctx.look_ahead().field("edges").field("node"), &users).await?;
    let total = total(ctx, app.customer_users().count(by, &filter)).await?;
    Ok(connection(page, CustomerUser, total))
}

#[derive(Default)]
pub struct CustomerUserQuery;

#[Object]
impl CustomerUserQuery {
    /// A customer user of the viewer's organization; null when there is none.
    #[graphql(guard = "needs(Permission::CustomerUsersView)")]
    async fn customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<Option<CustomerUser>> {
        Ok(app(ctx)?
            .customer_users()
            .get(Manager::Staff(viewer(ctx)?), self::id(&id, "id")?)
            .await?
            .map(CustomerUser))
    }

    /// Customer users of the viewer's organization, filtered and ordered.
    #[graphql(guard = "needs(Permission::CustomerUsersView)")]
    async fn customer_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(desc = "Narrows the list; every customer user when absent.")] filter: Option<
            CustomerUserFilter,
        >,
        #[graphql(desc = "By email when absent.")] order_by: Option<CustomerUserOrder>,
    ) -> Result<Connection<String, CustomerUser, Total>> {
        list(
            ctx,
            Manager::Staff(viewer(ctx)?),
            first,
            after,
            filter,
            order_by,
        )
        .await
    }
}

#[derive(Default)]
pub struct CustomerUserMutation;

#[Object]
impl CustomerUserMutation {
    /// Creates a customer user. Fails with `BAD_USER_INPUT` naming each
    /// invalid field, or `CONFLICT` when the email is taken.
    #[graphql(guard = "needs(Permission::CustomerUsersCreate)")]
    async fn create_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: CreateCustomerUserInput,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .create(Manager::Staff(viewer(ctx)?), input.into_domain()?)
                .await?,
        ))
    }

    /// Edits a customer user. Disabling ends its sessions.
    #[graphql(guard = "needs(Permission::CustomerUsersUpdate)")]
    async fn update_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateCustomerUserInput,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .update(
                    Manager::Staff(viewer(ctx)?),
                    self::id(&id, "id")?,
                    input.into_domain()?,
                )
                .await?,
        ))
    }

    /// Deletes a customer user with its addresses and sessions. Answers the id.
    #[graphql(guard = "needs(Permission::CustomerUsersDelete)")]
    async fn delete_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .customer_users()
            .delete(Manager::Staff(viewer(ctx)?), self::id(&id, "id")?)
            .await?;
        Ok(id)
    }

    /// Enables a customer user; refused while it holds no role.
    #[graphql(guard = "needs(Permission::CustomerUsersUpdate)")]
    async fn enable_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .enable(Manager::Staff(viewer(ctx)?), self::id(&id, "id")?)
                .await?,
        ))
    }

    /// Disables a customer user and ends its sessions at once.
    #[graphql(guard = "needs(Permission::CustomerUsersUpdate)")]
    async fn disable_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .disable(Manager::Staff(viewer(ctx)?), self::id(&id, "id")?)
                .await?,
        ))
    }

    /// Unlocks a customer user locked by failed logins: status `ACTIVE`,
    /// failure count cleared.
    #[graphql(guard = "needs(Permission::CustomerUsersUpdate)")]
    async fn unlock_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .unlock(viewer(ctx)?, self::id(&id, "id")?)
                .await?,
        ))
    }

    /// Resets a customer user's password: status `PASSWORD_RESET`, sessions
    /// ended, and an email (template `customer_user_force_reset_password`)
    /// with a single-use link valid `customers.reset_ttl_secs`.
    #[graphql(guard = "needs(Permission::CustomerUsersManagePasswords)")]
    async fn reset_customer_user_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_links()
                .reset(viewer(ctx)?, self::id(&id, "id")?)
                .await?,
        ))
    }

    /// A storefront token acting as the customer user, marked as
    /// impersonated (`impersonated: true`, and the impersonator in every
    /// audit entry it produces).
    #[graphql(guard = "needs(Permission::CustomerUsersImpersonate)")]
    async fn impersonate_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<LoginPayload> {
        let outcome = app(ctx)?
            .storefront()
            .impersonate(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(LoginPayload {
            token: outcome.token,
            token_type: "Bearer",
            audience: TokenAudience::Frontend,
            expires_at: outcome.expires_at,
            user: None,
            organization_id: outcome.customer_user.organization_id.into(),
            customer_user: Some(CustomerUser(outcome.customer_user)),
            impersonated: true,
        })
    }

    /// Confirms a customer user's email by hand.
    #[graphql(guard = "needs(Permission::CustomerUsersUpdate)")]
    async fn confirm_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer user.")] id: ID,
    ) -> Result<CustomerUser> {
        Ok(CustomerUser(
            app(ctx)?
                .customer_users()
                .confirm(viewer(ctx)?, self::id(&id, "id")?)
                .await?,
        ))
    }
}
