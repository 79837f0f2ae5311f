//! Mass actions, exports and imports of customer users: each starts a job
//! and answers it at once.

use std::io::Read;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, Upload};
use domain::customers::users::CustomerUserFilter as DomainFilter;
use domain::permissions::Permission;

use super::inputs::CustomerUserFilter;
use crate::graphql::context::{app, ids, viewer};
use crate::graphql::guard::needs;
use crate::graphql::jobs::Job;

/// What a mass action does to each selected customer user.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::customers::users::CustomerUserMassAction")]
pub enum CustomerUserMassAction {
    /// Enable those holding a role (needs `CUSTOMER_USERS_UPDATE`).
    Enable,
    /// Disable; their sessions end (needs `CUSTOMER_USERS_UPDATE`).
    Disable,
    /// Reset the password and email each a link (needs
    /// `CUSTOMER_USERS_MANAGE_PASSWORDS`).
    ResetPassword,
    /// Delete (needs `CUSTOMER_USERS_DELETE`).
    Delete,
}

/// The customer users a mass action applies to: a list of ids, or every
/// customer user a filter selects except some ("select all" of a grid).
#[derive(InputObject, Default)]
pub struct CustomerUserSelection {
    /// These customer users.
    pub ids: Option<Vec<ID>>,
    /// Every customer user this filter selects.
    pub filter: Option<CustomerUserFilter>,
    /// With `filter`: not these customer users.
    #[graphql(default)]
    pub exclude_ids: Vec<ID>,
}

impl CustomerUserSelection {
    fn into_domain(self) -> domain::Result<DomainFilter> {
        let mut filter = match (self.ids, self.filter) {
            (Some(list), None) => DomainFilter {
                ids: Some(ids(&list, "selection.ids")?),
                ..Default::default()
            },
            (None, Some(filter)) => filter.into_domain()?,
            _ => {
                return Err(domain::Error::invalid(
                    "selection",
                    "give either ids or a filter",
                ));
            }
        };
        filter.exclude_ids = ids(&self.exclude_ids, "selection.excludeIds")?;
        Ok(filter)
    }
}

#[derive(Default)]
pub struct CustomerUserBulkMutation;

#[Object]
impl CustomerUserBulkMutation {
    /// Applies `action` to the selected customer users of the viewer's
    /// organization as a job, answered at once. Each one's outcome is in
    /// `Job.items`: done, or skipped with the reason (enabling one that
    /// holds no role). A reset sends each exactly one email.
    #[graphql(guard = "needs(Permission::CustomerUsersView)")]
    async fn mass_update_customer_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer users to act on.")] selection: CustomerUserSelection,
        #[graphql(desc = "What to do to each.")] action: CustomerUserMassAction,
    ) -> Result<Job> {
        let job = app(ctx)?
            .customer_users()
            .mass_update(viewer(ctx)?, selection.into_domain()?, action.into())
            .await?;
        Ok(Job(job))
    }

    /// Exports the customer users the filter selects (all, when absent) to
    /// CSV as a job; the requester gets an email with the link. The columns
    /// are those `importCustomerUsers` reads back.
    #[graphql(guard = "needs(Permission::CustomerUsersExport)")]
    async fn export_customer_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer users to export; all when absent.")] filter: Option<
            CustomerUserFilter,
        >,
    ) -> Result<Job> {
        let filter = filter.unwrap_or_default().into_domain()?;
        Ok(Job(app(ctx)?
            .customer_users()
            .export(viewer(ctx)?, filter)
            .await?))
    }

    /// Imports customer users from a CSV file (a GraphQL multipart upload)
    /// as a job: each valid line creates a customer user or updates the one
    /// with its email; each refused line is a failed item naming its line
    /// number and reason. A file with a wrong header is refused as a whole
    /// (`BAD_USER_INPUT` on `file`) and nothing is written. Columns:
    /// `email`, `first_name`, `last_name`, `customer_id` (required),
    /// `name_prefix`, `middle_name`, `name_suffix`, `birthday`, `enabled`,
    /// `confirmed`, `website_id`, `roles` (names separated by `;`); the
    /// read-only columns of an export are accepted and ignored.
    #[graphql(guard = "needs(Permission::CustomerUsersImport)")]
    async fn import_customer_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The CSV file, UTF-8.")] file: Upload,
    ) -> Result<Job> {
        let upload = file.value(ctx)?;
        let name = upload.filename.clone();
        let limit = app(ctx)?.settings().jobs.max_import_bytes;
        let mut content = String::new();
        upload
            .into_read()
            .take(limit + 1)
            .read_to_string(&mut content)
            .map_err(|_| domain::Error::invalid("file", "the file is not UTF-8 text"))?;
        Ok(Job(app(ctx)?
            .customer_users()
            .import(viewer(ctx)?, &name, content)
            .await?))
    }
}
