//! Exporting customer users to CSV as a job (`jobs::export` writes the
//! file). The columns are `COLUMNS`, which an import reads back: a file
//! exported here, edited and imported updates the same customer users.

use chrono::{DateTime, NaiveDate, Utc};
use entity::customer_user::{self, AuthStatus};
use entity::job::{self, JobKind};
use sea_orm::sea_query::Expr;
use sea_orm::{FromQueryResult, PaginatorTrait, QueryOrder, QuerySelect, Select};
use serde::{Deserialize, Serialize};

use super::{CustomerUserFilter, CustomerUserService, Manager};
use crate::error::{Error, Result};
use crate::jobs::runner::{Finish, Run};
use crate::permissions::Permission;
use crate::viewer::Viewer;

/// The columns of a customer-user export, in order.
pub const COLUMNS: &[&str] = &[
    "id",
    "email",
    "name_prefix",
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "birthday",
    "enabled",
    "confirmed",
    "auth_status",
    "customer_id",
    "customer",
    "website_id",
    "website",
    "roles",
    "created_at",
    "last_login_at",
];

/// The payload of an `EXPORT_CUSTOMER_USERS` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportCustomerUsers {
    pub filter: CustomerUserFilter,
}

impl CustomerUserService<'_> {
    /// Starts exporting the customer users `filter` selects, answered at once.
    pub async fn export(&self, viewer: &Viewer, filter: CustomerUserFilter) -> Result<job::Model> {
        viewer.require(Permission::CustomerUsersExport)?;
        let total = filter
            .apply(Manager::Staff(viewer).scope())
            .count(self.app.db())
            .await? as i64;
        let payload = ExportCustomerUsers { filter };
        let txn = crate::db::write(self.app.db()).await?;
        let job = self
            .app
            .jobs()
            .create(&txn, viewer, JobKind::ExportCustomerUsers, &payload, total)
            .await?;
        self.app.commit_quiet(txn).await?;
        self.app.jobs().start(&job).await;
        Ok(job)
    }
}

/// One exported customer user, with the names of its customer, website and
/// roles from the same query.
#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    email: String,
    name_prefix: Option<String>,
    first_name: String,
    middle_name: Option<String>,
    last_name: String,
    name_suffix: Option<String>,
    birthday: Option<NaiveDate>,
    enabled: bool,
    confirmed: bool,
    auth_status: AuthStatus,
    customer_id: i64,
    website_id: i64,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
    customer: Option<String>,
    website: Option<String>,
    roles: Option<String>,
}

fn query(run: &Run<'_>, filter: &CustomerUserFilter) -> Select<customer_user::Entity> {
    let roles = crate::db::joined_names(run.app.db(), "r.name");
    filter
        .apply(Manager::Staff(&run.viewer).scope())
        .select_only()
        .columns([
            customer_user::Column::Id,
            customer_user::Column::Email,
            customer_user::Column::NamePrefix,
            customer_user::Column::FirstName,
            customer_user::Column::MiddleName,
            customer_user::Column::LastName,
            customer_user::Column::NameSuffix,
            customer_user::Column::Birthday,
            customer_user::Column::Enabled,
            customer_user::Column::Confirmed,
            customer_user::Column::AuthStatus,
            customer_user::Column::CustomerId,
            customer_user::Column::WebsiteId,
            customer_user::Column::CreatedAt,
            customer_user::Column::LastLoginAt,
        ])
        .expr_as(
            Expr::cust("(SELECT c.name FROM customers c WHERE c.id = customer_users.customer_id)"),
            "customer",
        )
        .expr_as(
            Expr::cust("(SELECT w.name FROM websites w WHERE w.id = customer_users.website_id)"),
            "website",
        )
        .expr_as(
            Expr::cust(format!(
                "(SELECT {roles} FROM customer_user_roles l JOIN customer_roles r ON r.id = l.role_id \
                 WHERE l.customer_user_id = customer_users.id)"
            )),
            "roles",
        )
        .order_by_asc(customer_user::Column::Id)
}

fn record(row: &Row) -> Vec<String> {
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    let status = match row.auth_status {
        AuthStatus::Active => "ACTIVE",
        AuthStatus::Locked => "LOCKED",
        AuthStatus::PasswordReset => "PASSWORD_RESET",
    };
    vec![
        row.id.to_string(),
        row.email.clone(),
        optional(&row.name_prefix),
        row.first_name.clone(),
        optional(&row.middle_name),
        row.last_name.clone(),
        optional(&row.name_suffix),
        row.birthday.map(|d| d.to_string()).unwrap_or_default(),
        row.enabled.to_string(),
        row.confirmed.to_string(),
        status.to_owned(),
        row.customer_id.to_string(),
        optional(&row.customer),
        row.website_id.to_string(),
        optional(&row.website),
        optional(&row.roles),
        row.created_at.to_rfc3339(),
        row.last_login_at
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
    ]
}

/// Runs an export job from the start.
pub(crate) async fn run(run: &Run<'_>) -> Result<Finish> {
    let payload: ExportCustomerUsers = serde_json::from_value(run.job.payload.clone())
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    run.viewer.require(Permission::CustomerUsersExport)?;
    let header = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let rows = query(run, &payload.filter).into_model::<Row>();
    crate::jobs::export::write_csv(run, header, rows, record).await
}
