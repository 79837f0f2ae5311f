//! Mass actions on customer users (enable, disable, reset password, delete)
//! as a job. Like the back-office ones: chunks of customer users ordered by
//! id, each chunk's changes, item outcomes and checkpoint in one
//! transaction, and reset emails under a key per job and customer user, so
//! a run killed midway resumes after its last chunk and sends nobody two.

use std::collections::HashSet;

use entity::customer_session;
use entity::customer_user::{self, AuthStatus};
use entity::customer_user_role;
use entity::customer_user_token::{self, Purpose};
use entity::job::{self, JobKind};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{CustomerUserFilter, CustomerUserService, Manager};
use crate::audit;
use crate::authority::{self, CustomerAct};
use crate::customers::links::customer_emails;
use crate::email::catalog::{CUSTOMER_FORCE_RESET_PASSWORD, CUSTOMER_PASSWORD_RESET_REQUESTED};
use crate::email::outbox;
use crate::error::{Error, Result};
use crate::jobs::runner::{self, Finish, ItemOutcome, Run};
use crate::permissions::Permission;
use crate::viewer::Viewer;

/// Customer users per chunk: one transaction, one checkpoint.
const CHUNK: u64 = 500;

/// What a mass action does to each selected customer user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerUserMassAction {
    Enable,
    Disable,
    ResetPassword,
    Delete,
}

impl CustomerUserMassAction {
    /// The permission the action needs, when started and on every run.
    pub fn permission(self) -> Permission {
        match self {
            Self::Enable | Self::Disable => Permission::CustomerUsersUpdate,
            Self::ResetPassword => Permission::CustomerUsersManagePasswords,
            Self::Delete => Permission::CustomerUsersDelete,
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            Self::Enable => "customer_user.enable",
            Self::Disable => "customer_user.disable",
            Self::ResetPassword => "customer_user.reset_password",
            Self::Delete => "customer_user.delete",
        }
    }
}

/// The payload of a `MASS_UPDATE_CUSTOMER_USERS` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MassUpdateCustomerUsers {
    pub action: CustomerUserMassAction,
    pub selection: CustomerUserFilter,
}

impl CustomerUserService<'_> {
    /// Starts a mass action over `selection` as a job, answered at once.
    pub async fn mass_update(
        &self,
        viewer: &Viewer,
        selection: CustomerUserFilter,
        action: CustomerUserMassAction,
    ) -> Result<job::Model> {
        viewer.require(Permission::CustomerUsersView)?;
        viewer.require(action.permission())?;
        if selection.ids.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::invalid(
                "selection.ids",
                "select at least one customer user",
            ));
        }
        let total = selection
            .apply(Manager::Staff(viewer).scope())
            .count(self.app.db())
            .await? as i64;
        let payload = MassUpdateCustomerUsers { action, selection };
        let txn = crate::db::write(self.app.db()).await?;
        let job = self
            .app
            .jobs()
            .create(
                &txn,
                viewer,
                JobKind::MassUpdateCustomerUsers,
                &payload,
                total,
            )
            .await?;
        self.app.commit_quiet(txn).await?;
        self.app.jobs().start(&job).await;
        Ok(job)
    }
}

/// Runs (or resumes) a mass action job on customer users.
pub(crate) async fn run(run: &Run<'_>) -> Result<Finish> {
    let payload: MassUpdateCustomerUsers = serde_json::from_value(run.job.payload.clone())
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    run.viewer.require(payload.action.permission())?;
    let db = run.app.db();
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
            .apply(Manager::Staff(&run.viewer).scope())
            .filter(customer_user::Column::Id.gt(after))
            .order_by_asc(customer_user::Column::Id)
            .limit(CHUNK)
            .all(db)
            .await?;
        let Some(last) = users.last().map(|u| u.id) else {
            return Ok(Finish::Done);
        };
        let emails = chunk(run, payload.action, &users).await?;
        runner::push_emails(run.app, &emails).await;
        after = last;
    }
}

/// One chunk in one transaction; answers the emails it queued.
async fn chunk(
    run: &Run<'_>,
    action: CustomerUserMassAction,
    users: &[customer_user::Model],
) -> Result<Vec<i64>> {
    let db = run.app.db();
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let with_roles: HashSet<i64> = customer_user_role::Entity::find()
        .select_only()
        .column(customer_user_role::Column::CustomerUserId)
        .filter(customer_user_role::Column::CustomerUserId.is_in(ids.clone()))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut items = Vec::with_capacity(users.len());
    let mut todo = Vec::with_capacity(users.len());
    let act = CustomerAct::Manage(action.permission());
    for verdict in authority::customer_users(&run.viewer, users.to_vec(), act) {
        let user = match verdict {
            Ok(user) => user,
            Err(refusal) => {
                items.push(ItemOutcome::skipped(refusal.account_id, refusal.message));
                continue;
            }
        };
        if action == CustomerUserMassAction::Enable && !with_roles.contains(&user.id) {
            items.push(ItemOutcome::skipped(
                user.id,
                "the customer user holds no role and cannot be enabled",
            ));
        } else {
            items.push(ItemOutcome::done(user.id));
            todo.push(user);
        }
    }
    let changeable = todo;
    let todo: Vec<&customer_user::Model> = changeable.iter().map(|u| &**u).collect();
    let todo_ids: Vec<i64> = todo.iter().map(|u| u.id).collect();
    let txn = crate::db::write(db).await?;
    let mut emails = Vec::new();
    if !todo_ids.is_empty() {
        let now = run.app.now();
        let selected = customer_user::Column::Id.is_in(todo_ids.clone());
        let end_sessions = customer_session::Entity::delete_many()
            .filter(customer_session::Column::CustomerUserId.is_in(todo_ids.clone()));
        match action {
            CustomerUserMassAction::Enable | CustomerUserMassAction::Disable => {
                let enabled = action == CustomerUserMassAction::Enable;
                customer_user::Entity::update_many()
                    .col_expr(customer_user::Column::Enabled, Expr::value(enabled))
                    .col_expr(customer_user::Column::UpdatedAt, Expr::value(now))
                    .filter(selected)
                    .exec(&txn)
                    .await?;
                if !enabled {
                    end_sessions.exec(&txn).await?;
                    crate::oauth::end_tokens_of_customer_users(&txn, &todo_ids).await?;
                }
            }
            CustomerUserMassAction::ResetPassword => {
                customer_user::Entity::update_many()
                    .col_expr(
                        customer_user::Column::AuthStatus,
                        Expr::value(AuthStatus::PasswordReset),
                    )
                    .col_expr(customer_user::Column::UpdatedAt, Expr::value(now))
                    .filter(selected)
                    .exec(&txn)
                    .await?;
                end_sessions.exec(&txn).await?;
                crate::oauth::end_tokens_of_customer_users(&txn, &todo_ids).await?;
                // Superseded before the links are spent, as for back-office
                // users (`users::mass::reset_users`).
                outbox::supersede_customer(
                    &txn,
                    &todo_ids,
                    &[
                        CUSTOMER_FORCE_RESET_PASSWORD,
                        CUSTOMER_PASSWORD_RESET_REQUESTED,
                    ],
                )
                .await?;
                customer_user_token::Entity::update_many()
                    .col_expr(customer_user_token::Column::UsedAt, Expr::value(now))
                    .filter(customer_user_token::Column::CustomerUserId.is_in(todo_ids.clone()))
                    .filter(customer_user_token::Column::Purpose.eq(Purpose::Password))
                    .filter(customer_user_token::Column::UsedAt.is_null())
                    .exec(&txn)
                    .await?;
                let job_id = run.job.id;
                let mut outgoing = customer_emails(
                    &txn,
                    run.app,
                    &todo,
                    CUSTOMER_FORCE_RESET_PASSWORD,
                    |user| format!("customer_reset:job{job_id}:{}", user.id),
                )
                .await?;
                for email in &mut outgoing {
                    email.job_id = Some(job_id);
                }
                emails = outbox::queue(&txn, &outgoing).await?;
            }
            CustomerUserMassAction::Delete => {
                customer_user::Entity::delete_many()
                    .filter(selected)
                    .exec(&txn)
                    .await?;
            }
        }
        audit::record_many(
            &txn,
            &run.viewer.actor(),
            action.audit_action(),
            "customer_user",
            &todo_ids,
            Some(json!({ "job": run.job.id })),
        )
        .await?;
    }
    let checkpoint = users.last().map(|u| u.id.to_string()).unwrap_or_default();
    run.checkpoint(&txn, &checkpoint, &items).await?;
    run.app.commit(txn).await?;
    Ok(emails)
}
