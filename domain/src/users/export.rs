//! Exporting users to CSV as a job (`jobs::export` writes the file). One
//! query streams the users with the names they link to, aggregated by the
//! database as its own `COPY` of the same columns would; a rerun starts the
//! file again.

use chrono::{DateTime, Utc};
use entity::job::{self, JobKind};
use entity::user::{self, AuthStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{FromQueryResult, PaginatorTrait, QueryOrder, QuerySelect, Select};
use serde::{Deserialize, Serialize};

use super::{UserFilter, UserService, visible_to};
use crate::error::{Error, Result};
use crate::jobs::runner::{Finish, Run};
use crate::permissions::Permission;
use crate::viewer::Viewer;

/// Every field an export can write (`jobs.export_user_fields` picks).
pub const FIELDS: &[&str] = &[
    "id",
    "username",
    "email",
    "name_prefix",
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "birthday",
    "avatar",
    "phone",
    "enabled",
    "auth_status",
    "owner_business_unit",
    "organizations",
    "roles",
    "failed_login_count",
    "last_login_at",
    "password_changed_at",
    "created_at",
    "updated_at",
    "password",
];

/// The payload of an `EXPORT_USERS` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportUsers {
    pub filter: UserFilter,
    /// The columns, fixed when the export was asked for.
    pub fields: Vec<String>,
}

impl UserService<'_> {
    /// Starts exporting the users `filter` selects, answered at once.
    pub async fn export(&self, viewer: &Viewer, filter: UserFilter) -> Result<job::Model> {
        viewer.require(Permission::UsersExport)?;
        let total = filter
            .apply(viewer, visible_to(viewer))
            .count(self.app.db())
            .await? as i64;
        let payload = ExportUsers {
            filter,
            fields: self.app.settings().jobs.export_user_fields.clone(),
        };
        let txn = crate::db::write(self.app.db()).await?;
        let job = self
            .app
            .jobs()
            .create(&txn, viewer, JobKind::ExportUsers, &payload, total)
            .await?;
        self.app.commit_quiet(txn).await?;
        self.app.jobs().start(&job).await;
        Ok(job)
    }
}

/// One exported user: its record and the names of what it links to,
/// aggregated by the database in the same query.
#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    username: String,
    email: String,
    name_prefix: Option<String>,
    first_name: String,
    middle_name: Option<String>,
    last_name: Option<String>,
    name_suffix: Option<String>,
    birthday: Option<chrono::NaiveDate>,
    avatar: Option<String>,
    phone: Option<String>,
    enabled: bool,
    auth_status: AuthStatus,
    failed_login_count: i32,
    last_login_at: Option<DateTime<Utc>>,
    password_changed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    password_hash: String,
    owner_business_unit: Option<String>,
    organizations: Option<String>,
    roles: Option<String>,
}

/// `(SELECT <names joined by "; ">)` of what a user links to through
/// `link`.
fn names_of(run: &Run<'_>, link: &str, column: &str, target: &str) -> String {
    let aggregate = crate::db::joined_names(run.app.db(), "t.name");
    format!(
        "(SELECT {aggregate} FROM {link} l JOIN {target} t ON t.id = l.{column} WHERE l.user_id = users.id)"
    )
}

/// The export query: the users `filter` selects, in id order, with the
/// names of their owner unit, organizations and roles.
fn query(run: &Run<'_>, filter: &UserFilter) -> Select<user::Entity> {
    filter
        .apply(&run.viewer, visible_to(&run.viewer))
        .select_only()
        .columns([
            user::Column::Id,
            user::Column::Username,
            user::Column::Email,
            user::Column::NamePrefix,
            user::Column::FirstName,
            user::Column::MiddleName,
            user::Column::LastName,
            user::Column::NameSuffix,
            user::Column::Birthday,
            user::Column::Avatar,
            user::Column::Phone,
            user::Column::Enabled,
            user::Column::AuthStatus,
            user::Column::FailedLoginCount,
            user::Column::LastLoginAt,
            user::Column::PasswordChangedAt,
            user::Column::CreatedAt,
            user::Column::UpdatedAt,
            user::Column::PasswordHash,
        ])
        .expr_as(
            Expr::cust(
                "(SELECT b.name FROM business_units b WHERE b.id = users.owner_business_unit_id)",
            ),
            "owner_business_unit",
        )
        .expr_as(
            Expr::cust(names_of(
                run,
                "user_organizations",
                "organization_id",
                "organizations",
            )),
            "organizations",
        )
        .expr_as(
            Expr::cust(names_of(run, "user_roles", "role_id", "roles")),
            "roles",
        )
        .order_by_asc(user::Column::Id)
}

fn value(field: &str, row: &Row) -> String {
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    let time = |v: Option<DateTime<Utc>>| v.map(|t| t.to_rfc3339()).unwrap_or_default();
    match field {
        "id" => row.id.to_string(),
        "username" => row.username.clone(),
        "email" => row.email.clone(),
        "name_prefix" => optional(&row.name_prefix),
        "first_name" => row.first_name.clone(),
        "middle_name" => optional(&row.middle_name),
        "last_name" => optional(&row.last_name),
        "name_suffix" => optional(&row.name_suffix),
        "birthday" => row.birthday.map(|d| d.to_string()).unwrap_or_default(),
        "avatar" => optional(&row.avatar),
        "phone" => optional(&row.phone),
        "enabled" => row.enabled.to_string(),
        "auth_status" => match row.auth_status {
            AuthStatus::Active => "ACTIVE",
            AuthStatus::Locked => "LOCKED",
            AuthStatus::PasswordReset => "PASSWORD_RESET",
        }
        .to_owned(),
        "owner_business_unit" => optional(&row.owner_business_unit),
        "organizations" => optional(&row.organizations),
        "roles" => optional(&row.roles),
        "failed_login_count" => row.failed_login_count.to_string(),
        "last_login_at" => time(row.last_login_at),
        "password_changed_at" => time(row.password_changed_at),
        "created_at" => row.created_at.to_rfc3339(),
        "updated_at" => row.updated_at.to_rfc3339(),
        // The stored argon2id hash: never a password.
        "password" => row.password_hash.clone(),
        _ => String::new(),
    }
}

/// Runs an export job from the start.
pub(crate) async fn run(run: &Run<'_>) -> Result<Finish> {
    let payload: ExportUsers = serde_json::from_value(run.job.payload.clone())
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    run.viewer.require(Permission::UsersExport)?;
    let rows = query(run, &payload.filter).into_model::<Row>();
    let fields = payload.fields.clone();
    crate::jobs::export::write_csv(run, payload.fields, rows, |row| {
        fields.iter().map(|f| value(f, row)).collect()
    })
    .await
}
