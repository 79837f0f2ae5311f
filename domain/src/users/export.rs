//! Exporting users to CSV as a job. Users are read in pages by id and
//! handed over a bounded channel to a writer on the blocking pool, so
//! memory stays flat whatever the row count. The file is written under a
//! temporary name and renamed when complete; a rerun starts it again.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use chrono::{Duration, Utc};
use entity::job::{self, JobKind};
use entity::{business_unit, organization, role, user, user_organization, user_role};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{UserFilter, UserService, visible_to};
use crate::email::catalog::EXPORT_FINISHED;
use crate::email::outbox::{self, Outgoing};
use crate::error::{Error, Result};
use crate::jobs::runner::{self, Finish, Run};
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

const PAGE: u64 = 2000;

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
        txn.commit().await?;
        self.app.jobs().start(&job).await;
        Ok(job)
    }
}

/// The file of export job `job_id`.
pub fn file_path(export_dir: &str, job_id: i64) -> PathBuf {
    PathBuf::from(export_dir).join(format!("users-{job_id}.csv"))
}

/// Names of what the rows of one page link to.
struct Names {
    units: HashMap<i64, String>,
    organizations: HashMap<i64, Vec<String>>,
    roles: HashMap<i64, Vec<String>>,
}

async fn names(run: &Run<'_>, ids: &[i64], units: &HashMap<i64, String>) -> Result<Names> {
    let db = run.app.db();
    let organizations: Vec<(i64, String)> = user_organization::Entity::find()
        .select_only()
        .column(user_organization::Column::UserId)
        .column(organization::Column::Name)
        .inner_join(organization::Entity)
        .filter(user_organization::Column::UserId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let roles: Vec<(i64, String)> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .column(role::Column::Name)
        .inner_join(role::Entity)
        .filter(user_role::Column::UserId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let group = |pairs: Vec<(i64, String)>| {
        let mut map: HashMap<i64, Vec<String>> = HashMap::new();
        for (user, name) in pairs {
            map.entry(user).or_default().push(name);
        }
        map
    };
    Ok(Names {
        units: units.clone(),
        organizations: group(organizations),
        roles: group(roles),
    })
}

fn value(field: &str, user: &user::Model, names: &Names) -> String {
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    let time = |v: Option<chrono::DateTime<Utc>>| v.map(|t| t.to_rfc3339()).unwrap_or_default();
    match field {
        "id" => user.id.to_string(),
        "username" => user.username.clone(),
        "email" => user.email.clone(),
        "name_prefix" => optional(&user.name_prefix),
        "first_name" => user.first_name.clone(),
        "middle_name" => optional(&user.middle_name),
        "last_name" => optional(&user.last_name),
        "name_suffix" => optional(&user.name_suffix),
        "birthday" => user.birthday.map(|d| d.to_string()).unwrap_or_default(),
        "avatar" => optional(&user.avatar),
        "phone" => optional(&user.phone),
        "enabled" => user.enabled.to_string(),
        "auth_status" => format!("{:?}", user.auth_status)
            .to_uppercase()
            .replace("PASSWORDRESET", "PASSWORD_RESET"),
        "owner_business_unit" => names
            .units
            .get(&user.owner_business_unit_id)
            .cloned()
            .unwrap_or_default(),
        "organizations" => names
            .organizations
            .get(&user.id)
            .map(|n| n.join("; "))
            .unwrap_or_default(),
        "roles" => names
            .roles
            .get(&user.id)
            .map(|n| n.join("; "))
            .unwrap_or_default(),
        "failed_login_count" => user.failed_login_count.to_string(),
        "last_login_at" => time(user.last_login_at),
        "password_changed_at" => time(user.password_changed_at),
        "created_at" => user.created_at.to_rfc3339(),
        "updated_at" => user.updated_at.to_rfc3339(),
        // The stored argon2id hash: never a password.
        "password" => user.password_hash.clone(),
        _ => String::new(),
    }
}

/// Runs an export job from the start.
pub(crate) async fn run(run: &Run<'_>) -> Result<Finish> {
    let payload: ExportUsers = serde_json::from_value(run.job.payload.clone())
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    run.viewer.require(Permission::UsersExport)?;
    let settings = &run.app.settings().jobs;
    let path = file_path(&settings.export_dir, run.job.id);
    let partial = path.with_extension("csv.partial");
    std::fs::create_dir_all(&settings.export_dir)
        .map_err(|e| Error::internal(format!("cannot create {}: {e}", settings.export_dir)))?;

    // The writer runs on the blocking pool; pages reach it over a channel
    // of two, so at most three pages are in memory.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Vec<String>>>(2);
    let header = payload.fields.clone();
    let target = partial.clone();
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
        let file = std::fs::File::create(&target)?;
        let mut csv = csv::Writer::from_writer(std::io::BufWriter::with_capacity(256 * 1024, file));
        csv.write_record(&header)?;
        let mut rows = 0;
        while let Some(page) = receiver.blocking_recv() {
            for record in page {
                csv.write_record(&record)?;
                rows += 1;
            }
        }
        let mut inner = csv.into_inner().map_err(|e| e.into_error())?;
        inner.flush()?;
        inner.get_ref().sync_all()?;
        Ok(rows)
    });

    let db = run.app.db();
    let units: HashMap<i64, String> = business_unit::Entity::find()
        .filter(business_unit::Column::OrganizationId.eq(run.job.organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut after = 0;
    let mut stopped = None;
    loop {
        if let Some(stop) = run.should_stop().await? {
            stopped = Some(stop);
            break;
        }
        let users = payload
            .filter
            .apply(&run.viewer, visible_to(&run.viewer))
            .filter(user::Column::Id.gt(after))
            .order_by_asc(user::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = users.last().map(|u| u.id) else {
            break;
        };
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let names = names(run, &ids, &units).await?;
        let page: Vec<Vec<String>> = users
            .iter()
            .map(|u| payload.fields.iter().map(|f| value(f, u, &names)).collect())
            .collect();
        if sender.send(page).await.is_err() {
            break; // the writer failed; its error is reported below
        }
        job::Entity::update_many()
            .col_expr(
                job::Column::Processed,
                Expr::col(job::Column::Processed).add(ids.len() as i64),
            )
            .col_expr(
                job::Column::Succeeded,
                Expr::col(job::Column::Succeeded).add(ids.len() as i64),
            )
            .col_expr(job::Column::HeartbeatAt, Expr::value(Utc::now()))
            .filter(job::Column::Id.eq(run.job.id))
            .exec(db)
            .await?;
        after = last;
    }
    drop(sender);
    let rows = writer
        .await
        .map_err(|e| Error::internal(format!("export writer: {e}")))?
        .map_err(|e| Error::internal(format!("writing {}: {e}", partial.display())))?;
    if let Some(stop) = stopped {
        let _ = std::fs::remove_file(&partial);
        return Ok(stop);
    }
    std::fs::rename(&partial, &path)
        .map_err(|e| Error::internal(format!("renaming {}: {e}", path.display())))?;
    finish(run, &path, rows).await?;
    Ok(Finish::Done)
}

/// Records the file, and emails the requester a link.
async fn finish(run: &Run<'_>, path: &std::path::Path, rows: u64) -> Result<()> {
    let app = run.app;
    let expires_at = Utc::now() + Duration::seconds(app.settings().jobs.export_ttl_secs as i64);
    let txn = crate::db::write(app.db()).await?;
    job::Entity::update_many()
        .col_expr(
            job::Column::ResultFile,
            Expr::value(path.display().to_string()),
        )
        .col_expr(job::Column::ResultExpiresAt, Expr::value(expires_at))
        .col_expr(job::Column::Processed, Expr::value(rows as i64))
        .col_expr(job::Column::Succeeded, Expr::value(rows as i64))
        .col_expr(job::Column::Total, Expr::value(rows as i64))
        .filter(job::Column::Id.eq(run.job.id))
        .exec(&txn)
        .await?;
    let mut emails = Vec::new();
    if let Some(requester) = run.job.requester_id
        && let Some(user) = user::Entity::find_by_id(requester).one(&txn).await?
    {
        let outgoing = Outgoing {
            template: EXPORT_FINISHED,
            recipient: user.email.clone(),
            user_id: Some(user.id),
            organization_id: Some(run.job.organization_id),
            job_id: Some(run.job.id),
            context: json!({
                "first_name": user.first_name, "last_name": user.last_name, "username": user.username,
                "email": user.email, "organization": "", "rows": rows,
                "download_url": format!("{}/exports/{}", app.settings().public_url(), run.job.id),
                "expires_at": expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            }),
            dedupe_key: format!("export:{}", run.job.id),
        };
        emails = outbox::queue(&txn, &[outgoing]).await?;
    }
    txn.commit().await?;
    runner::push_emails(app, &emails).await;
    Ok(())
}
