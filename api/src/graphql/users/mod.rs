//! Back-office users.

mod bulk;
mod inputs;
mod prefetch;
mod types;

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result};
use domain::permissions::Permission;
use domain::secrecy::SecretString;

pub use bulk::UserBulkMutation;
pub use inputs::{CreateUserInput, UpdateUserInput, UserFilter, UserOrder};
pub use types::{AuthStatus, User};

use super::connection::{Total, connection, total};
use super::context::{app, id, page, viewer};
use super::guard::needs;

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// A user of the viewer's organization; null when there is none.
    #[graphql(guard = "needs(Permission::UsersView)")]
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the user.")] id: ID,
    ) -> Result<Option<User>> {
        Ok(app(ctx)?
            .users()
            .get(viewer(ctx)?, self::id(&id, "id")?)
            .await?
            .map(User))
    }

    /// Users of the viewer's organization, filtered and ordered.
    #[graphql(guard = "needs(Permission::UsersView)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(desc = "Narrows the list; every user of the organization when absent.")]
        filter: Option<UserFilter>,
        #[graphql(desc = "By username when absent.")] order_by: Option<UserOrder>,
    ) -> Result<Connection<String, User, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let filter = filter.unwrap_or_default().into_domain()?;
        let order = order_by.unwrap_or_default().into();
        let page = app
            .users()
            .list(viewer, &filter, &order, &page(ctx, first, after)?)
            .await?;
        let users: Vec<_> = page.items.iter().map(|(_, user)| user).collect();
        prefetch::prefetch(ctx, ctx.look_ahead().field("edges").field("node"), &users).await?;
        let total = total(ctx, app.users().count(viewer, &filter)).await?;
        Ok(connection(page, User, total))
    }

    /// A random password that satisfies the current password policy.
    #[graphql(guard = "needs(Permission::UsersCreate).or(needs(Permission::UsersManagePasswords))")]
    async fn suggest_password(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(app(ctx)?.users().suggest_password())
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a user. Fails with `BAD_USER_INPUT` naming each invalid field
    /// (and each failed password rule), or `CONFLICT` naming the taken
    /// `username` or `email`.
    #[graphql(guard = "needs(Permission::UsersCreate)")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: CreateUserInput,
    ) -> Result<User> {
        Ok(User(
            app(ctx)?
                .users()
                .create(viewer(ctx)?, input.into_domain()?)
                .await?,
        ))
    }

    /// Edits a user.
    #[graphql(guard = "needs(Permission::UsersUpdate)")]
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the user.")] id: ID,
        #[graphql(desc = "The fields to set.")] input: UpdateUserInput,
    ) -> Result<User> {
        let updated = app(ctx)?
            .users()
            .update(viewer(ctx)?, self::id(&id, "id")?, input.into_domain()?)
            .await?;
        Ok(User(updated))
    }

    /// Enables a user, who may log in again (sessions ended by disabling stay ended).
    #[graphql(guard = "needs(Permission::UsersUpdate)")]
    async fn enable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the user.")] id: ID,
    ) -> Result<User> {
        Ok(User(
            app(ctx)?
                .users()
                .enable(viewer(ctx)?, self::id(&id, "id")?)
                .await?,
        ))
    }

    /// Disables a user and ends its sessions at once.
    #[graphql(guard = "needs(Permission::UsersUpdate)")]
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the user.")] id: ID,
    ) -> Result<User> {
        Ok(User(
            app(ctx)?
                .users()
                .disable(viewer(ctx)?, self::id(&id, "id")?)
                .await?,
        ))
    }

    /// Unlocks a user locked by failed logins: status `ACTIVE`, counter cleared.
    #[graphql(guard = "needs(Permission::UsersUpdate)")]
    async fn activate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the user.")] id: ID,
    ) -> Result<User> {
        Ok(User(
            app(ctx)?
                .users()
                .activate(viewer(ctx)?, self::id(&id, "id")?)
                .await?,
        ))
    }

    /// Sets a user's password (checked against the policy) and ends its sessions.
    #[graphql(guard = "needs(Permission::UsersManagePasswords)")]
    async fn change_user_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the user.")] id: ID,
        #[graphql(secret, desc = "Checked against the password policy.")] new_password: String,
    ) -> Result<User> {
        let password = SecretString::from(new_password);
        Ok(User(
            app(ctx)?
                .users()
                .change_password(viewer(ctx)?, self::id(&id, "id")?, password)
                .await?,
        ))
    }

    /// Resets a user's password: status `PASSWORD_RESET`, sessions and API
    /// keys revoked, and an email (template `force_reset_password`) with a
    /// single-use link, sent by a worker.
    #[graphql(guard = "needs(Permission::UsersManagePasswords)")]
    async fn reset_user_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the user.")] id: ID,
    ) -> Result<User> {
        Ok(User(
            app(ctx)?
                .users()
                .reset_password(viewer(ctx)?, self::id(&id, "id")?)
                .await?,
        ))
    }

    /// Deletes a user; refused with the reason while the user owns records.
    /// Answers the id.
    #[graphql(guard = "needs(Permission::UsersDelete)")]
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the user.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .users()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }
}
