//! Mass actions on back-office users (enable, disable, reset password,
//! delete) as a job, and the single password reset. A job works through
//! the selection in chunks of users ordered by id; each chunk's changes,
//! item outcomes and checkpoint commit together, so a run killed midway
//! resumes after its last chunk and does nothing twice. Reset emails are
//! queued in the outbox under a key per job and user: one email per user.

use chrono::{DateTime, Utc};
use entity::job::{self, JobKind};
use entity::password_reset_token;
use entity::user::{self, AuthStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{UserFilter, UserService, ownership, visible_after, visible_to};
use crate::audit::{self, Target};
use crate::auth::{Revoke, revoke_many};
use crate::authority::{self, Changeable, Reach};
use crate::email::catalog::{FORCE_RESET_PASSWORD, PASSWORD_RESET_REQUESTED};
use crate::email::outbox::{self, Outgoing};
use crate::error::{Error, Result};
use crate::jobs::runner::{self, Finish, ItemOutcome, Run};
use crate::permissions::Permission;
use crate::tokens;
use crate::viewer::Viewer;

/// Users per chunk: one transaction, one checkpoint.
const CHUNK: u64 = 500;

/// What a mass action does to each selected user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserMassAction {
    Enable,
    Disable,
    ResetPassword,
    Delete,
}

impl UserMassAction {
    /// The permission the action needs, when started and on every run.
    pub fn permission(self) -> Permission {
        match self {
            Self::Enable | Self::Disable => Permission::UsersUpdate,
            Self::ResetPassword => Permission::UsersManagePasswords,
            Self::Delete => Permission::UsersDelete,
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            Self::Enable => "user.enable",
            Self::Disable => "user.disable",
            Self::ResetPassword => "user.reset_password",
            Self::Delete => "user.delete",
        }
    }
}

/// The payload of a `MASS_UPDATE_USERS` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MassUpdateUsers {
    pub action: UserMassAction,
    pub selection: UserFilter,
}

/// The reset email of `user` in the outbox, under `dedupe_key`.
fn reset_email(
    user: &user::Model,
    organization_id: i64,
    organization: &str,
    job_id: Option<i64>,
    dedupe_key: String,
) -> Outgoing {
    Outgoing {
        template: FORCE_RESET_PASSWORD,
        recipient: user.email.clone(),
        user_id: Some(user.id),
        customer_user_id: None,
        organization_id: Some(organization_id),
        job_id,
        context: json!({
            "first_name": user.first_name, "last_name": user.last_name, "username": user.username,
            "email": user.email, "organization": organization,
        }),
        dedupe_key,
    }
}

/// Puts `users` into `PASSWORD_RESET`: their sessions and API keys end and
/// their unused reset links stop working; the caller queues the emails.
async fn reset_users(
    conn: &impl ConnectionTrait,
    users: &[Changeable<user::Model>],
    now: DateTime<Utc>,
) -> Result<()> {
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let ids = ids.as_slice();
    user::Entity::update_many()
        .col_expr(
            user::Column::AuthStatus,
            Expr::value(AuthStatus::PasswordReset),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await?;
    // Emails still waiting are superseded first: a delivery recording one
    // of them as sent holds its row until it commits, so the links are
    // spent after it and none it makes survives (PostgreSQL reads each
    // statement anew).
    outbox::supersede(conn, ids, &[FORCE_RESET_PASSWORD, PASSWORD_RESET_REQUESTED]).await?;
    password_reset_token::Entity::update_many()
        .col_expr(password_reset_token::Column::UsedAt, Expr::value(now))
        .filter(password_reset_token::Column::UserId.is_in(ids.iter().copied()))
        .filter(password_reset_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    revoke_many(conn, ids, Revoke::SessionsAndKeys).await
}

impl UserService<'_> {
    /// Resets one user's password: status `PASSWORD_RESET`, sessions and
    /// keys revoked, and a single-use link emailed by a worker.
    pub async fn reset_password(&self, viewer: &Viewer, id: i64) -> Result<user::Model> {
        viewer.require(Permission::UsersManagePasswords)?;
        let user = self.changeable(viewer, id).await?;
        if id == viewer.user_id {
            return Err(Error::invalid(
                "id",
                "you cannot reset your own password this way",
            ));
        }
        let organization =
            crate::organizations::name_of(self.app.db(), viewer.organization_id).await?;
        let txn = crate::db::write(self.app.db()).await?;
        reset_users(&txn, std::slice::from_ref(&user), self.app.now()).await?;
        let key = format!("reset:{id}:{}", tokens::generate(""));
        let emails = outbox::queue(
            &txn,
            &[reset_email(
                &user,
                viewer.organization_id,
                &organization,
                None,
                key,
            )],
        )
        .await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "user.reset_password",
            Target::new("user", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        runner::push_emails(self.app, &emails).await;
        self.visible(viewer, id).await
    }

    /// Starts a mass action over `selection` as a job, answered at once.
    pub async fn mass_update(
        &self,
        viewer: &Viewer,
        selection: UserFilter,
        action: UserMassAction,
    ) -> Result<job::Model> {
        viewer.require(action.permission())?;
        if selection.ids.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::invalid("selection.ids", "select at least one user"));
        }
        let total = selection
            .apply(viewer, visible_to(viewer))
            .count(self.app.db())
            .await? as i64;
        let payload = MassUpdateUsers { action, selection };
        let txn = crate::db::write(self.app.db()).await?;
        let job = self
            .app
            .jobs()
            .create(&txn, viewer, JobKind::MassUpdateUsers, &payload, total)
            .await?;
        self.app.commit_quiet(txn).await?;
        self.app.jobs().start(&job).await;
        Ok(job)
    }
}

/// Runs (or resumes) a mass action job.
pub(crate) async fn run(run: &Run<'_>) -> Result<Finish> {
    let payload: MassUpdateUsers = serde_json::from_value(run.job.payload.clone())
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    run.viewer.require(payload.action.permission())?;
    let db = run.app.db();
    let organization = crate::organizations::name_of(db, run.job.organization_id).await?;
    let mut after: i64 = run
        .job
        .checkpoint
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    loop {
        if let Some(stop) = run.should_stop().await? {
            return Ok(stop);
        }
        let users = payload
            .selection
            .apply(&run.viewer, visible_after(&run.viewer, after))
            .order_by_asc(user::Column::Id)
            .limit(CHUNK)
            .all(db)
            .await?;
        let Some(last) = users.last().map(|u| u.id) else {
            return Ok(Finish::Done);
        };
        let emails = chunk(run, payload.action, &users, &organization).await?;
        runner::push_emails(run.app, &emails).await;
        after = last;
    }
}

/// One chunk in one transaction; answers the emails it queued.
async fn chunk(
    run: &Run<'_>,
    action: UserMassAction,
    users: &[user::Model],
    organization: &str,
) -> Result<Vec<i64>> {
    let viewer = &run.viewer;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let verdicts = authority::users(run.app, viewer, users.to_vec(), Reach::Everywhere).await?;
    let mut owned = if action == UserMassAction::Delete {
        ownership::owned_by(run.app.db(), &ids).await?
    } else {
        Default::default()
    };
    let mut items = Vec::with_capacity(users.len());
    let mut todo: Vec<Changeable<user::Model>> = Vec::with_capacity(users.len());
    for verdict in verdicts {
        let user = match verdict {
            Ok(user) => user,
            Err(refusal) => {
                items.push(ItemOutcome::skipped(refusal.account_id, refusal.message));
                continue;
            }
        };
        let skip = if user.id == viewer.user_id && action != UserMassAction::Enable {
            Some("this is the requester's own account".to_owned())
        } else {
            owned
                .remove(&user.id)
                .map(|records| ownership::refusal(&records))
        };
        match skip {
            Some(reason) => items.push(ItemOutcome::skipped(user.id, reason)),
            None => {
                items.push(ItemOutcome::done(user.id));
                todo.push(user);
            }
        }
    }
    let todo_ids: Vec<i64> = todo.iter().map(|u| u.id).collect();
    let txn = crate::db::write(run.app.db()).await?;
    let mut emails = Vec::new();
    if !todo_ids.is_empty() {
        let now = run.app.now();
        match action {
            UserMassAction::Enable | UserMassAction::Disable => {
                let enabled = action == UserMassAction::Enable;
                user::Entity::update_many()
                    .col_expr(user::Column::Enabled, Expr::value(enabled))
                    .col_expr(user::Column::UpdatedAt, Expr::value(now))
                    .filter(user::Column::Id.is_in(todo_ids.clone()))
                    .exec(&txn)
                    .await?;
                if !enabled {
                    revoke_many(&txn, &todo_ids, Revoke::SessionsAndKeys).await?;
                }
            }
            UserMassAction::ResetPassword => {
                reset_users(&txn, &todo, now).await?;
                let outgoing: Vec<Outgoing> = todo
                    .iter()
                    .map(|u| {
                        reset_email(
                            u,
                            run.job.organization_id,
                            organization,
                            Some(run.job.id),
                            format!("reset:job{}:{}", run.job.id, u.id),
                        )
                    })
                    .collect();
                emails = outbox::queue(&txn, &outgoing).await?;
            }
            UserMassAction::Delete => {
                user::Entity::delete_many()
                    .filter(user::Column::Id.is_in(todo_ids.clone()))
                    .exec(&txn)
                    .await?;
            }
        }
        let details = json!({ "job": run.job.id });
        audit::record_many(
            &txn,
            &viewer.actor(),
            action.audit_action(),
            "user",
            &todo_ids,
            Some(details),
        )
        .await?;
    }
    let checkpoint = users.last().map(|u| u.id.to_string()).unwrap_or_default();
    run.checkpoint(&txn, &checkpoint, &items).await?;
    run.app.commit(txn).await?;
    Ok(emails)
}
