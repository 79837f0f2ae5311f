//! Guards: each query and mutation names the permission it needs.

use async_graphql::{Context, Guard, Result};
use domain::customers::AccountPermission;
use domain::permissions::Permission;

use super::context;

/// Requires an authenticated viewer holding the permission.
pub struct Needs(Permission);

/// `#[graphql(guard = "needs(Permission::UsersView)")]`
pub fn needs(permission: Permission) -> Needs {
    Needs(permission)
}

impl Guard for Needs {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        Ok(context::viewer(ctx)?.require(self.0)?)
    }
}

/// Requires only an authenticated viewer (`me`, `logout`).
pub struct Authenticated;

impl Guard for Authenticated {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        context::viewer(ctx).map(|_| ())
    }
}

/// Requires a signed-in customer user (storefront operations).
pub struct Storefront(Option<AccountPermission>);

/// `#[graphql(guard = "storefront()")]`: any signed-in customer user.
pub fn storefront() -> Storefront {
    Storefront(None)
}

/// `#[graphql(guard = "account(AccountPermission::UsersManage)")]`: a
/// customer user whose roles grant the permission.
pub fn account(permission: AccountPermission) -> Storefront {
    Storefront(Some(permission))
}

impl Guard for Storefront {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let viewer = context::customer_viewer(ctx)?;
        match self.0 {
            Some(permission) => Ok(viewer.require(permission)?),
            None => Ok(()),
        }
    }
}
