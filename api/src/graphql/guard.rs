//! Guards: each query and mutation names the permission it needs.

use async_graphql::{Context, Guard, Result};
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
