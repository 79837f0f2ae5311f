//! Mass actions and exports of users: each starts a job and answers it at
//! once.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use domain::permissions::Permission;

use super::inputs::UserFilter;
use crate::graphql::context::{app, ids, viewer};
use crate::graphql::guard::needs;
use crate::graphql::jobs::Job;

/// What a mass action does to each selected user.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::users::UserMassAction")]
pub enum UserMassAction {
    /// Enable (needs `USERS_UPDATE`).
    Enable,
    /// Disable; their sessions and API keys end (needs `USERS_UPDATE`).
    Disable,
    /// Reset the password and email each a link (needs `USERS_MANAGE_PASSWORDS`).
    ResetPassword,
    /// Delete those who own no records (needs `USERS_DELETE`).
    Delete,
}

/// The users a mass action applies to: a list of ids, or every user a
/// filter selects except some ("select all" of a grid).
#[derive(InputObject, Default)]
pub struct UserSelection {
    /// These users.
    pub ids: Option<Vec<ID>>,
    /// Every user this filter selects.
    pub filter: Option<UserFilter>,
    /// With `filter`: not these users.
    #[graphql(default)]
    pub exclude_ids: Vec<ID>,
}

impl UserSelection {
    fn into_domain(self) -> domain::Result<domain::users::UserFilter> {
        match (self.ids, self.filter) {
            (Some(list), None) => {
                let mut filter = domain::users::UserFilter {
                    ids: Some(ids(&list, "selection.ids")?),
                    ..Default::default()
                };
                filter.exclude_ids = ids(&self.exclude_ids, "selection.excludeIds")?;
                Ok(filter)
            }
            (None, Some(filter)) => {
                let mut filter = filter.into_domain()?;
                filter.exclude_ids = ids(&self.exclude_ids, "selection.excludeIds")?;
                Ok(filter)
            }
            _ => Err(domain::Error::invalid(
                "selection",
                "give either ids or a filter",
            )),
        }
    }
}

#[derive(Default)]
pub struct UserBulkMutation;

#[Object]
impl UserBulkMutation {
    /// Applies `action` to the selected users of the viewer's organization
    /// as a job, answered at once. Each user's outcome is in `Job.items`:
    /// done, or skipped with the reason (the viewer's own account, a user
    /// holding permissions the viewer lacks, one who owns records).
    #[graphql(guard = "needs(Permission::UsersView)")]
    async fn mass_update_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The users to act on.")] selection: UserSelection,
        #[graphql(desc = "What to do to each.")] action: UserMassAction,
    ) -> Result<Job> {
        let job = app(ctx)?
            .users()
            .mass_update(viewer(ctx)?, selection.into_domain()?, action.into())
            .await?;
        Ok(Job(job))
    }

    /// Exports the users the filter selects (all, when absent) to CSV as a
    /// job. The columns are the fields configured as exportable; `password`
    /// holds the stored hash. The requester gets an email with the link.
    #[graphql(guard = "needs(Permission::UsersExport)")]
    async fn export_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The users to export; all when absent.")] filter: Option<UserFilter>,
    ) -> Result<Job> {
        let filter = filter.unwrap_or_default().into_domain()?;
        Ok(Job(app(ctx)?.users().export(viewer(ctx)?, filter).await?))
    }
}
