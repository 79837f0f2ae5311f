//! The outbox: emails to send are rows first, in the same transaction as
//! the change that causes them. A row is claimed by one delivery at a time
//! (a lease), so several workers never send the same email, and a worker
//! that dies gives its rows back when the lease ends.

use chrono::{DateTime, Duration, Utc};
use entity::email::{self, EmailStatus};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;

use crate::error::Result;

/// Marks rows whose delivery task is in the queue (not yet claimed). The
/// reservation holds a row for `email.reservation_secs`, or until the
/// sweeper finds the queue lost its task; a delivery's claim holds it for
/// `email.claim_lease_secs` past its worker's last renewal (`held`).
pub const QUEUED: &str = "queued";

/// An email to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub template: &'static str,
    pub recipient: String,
    pub user_id: Option<i64>,
    /// The customer user the email goes to, for storefront emails.
    pub customer_user_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub job_id: Option<i64>,
    /// Values for the template; never secrets (tokens are made at delivery).
    pub context: Value,
    /// The same key is only ever sent once: `reset:<job>:<user>`.
    pub dedupe_key: String,
}

/// Inserts the emails (those whose key exists already are left alone) and
/// answers the ids of the pending ones; the caller hands them to
/// `jobs::runner::push_emails` after committing.
pub async fn queue(conn: &impl ConnectionTrait, emails: &[Outgoing]) -> Result<Vec<i64>> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let rows = emails.iter().map(|e| email::ActiveModel {
        template: Set(e.template.to_owned()),
        recipient: Set(e.recipient.clone()),
        user_id: Set(e.user_id),
        customer_user_id: Set(e.customer_user_id),
        organization_id: Set(e.organization_id),
        job_id: Set(e.job_id),
        context: Set(e.context.clone()),
        dedupe_key: Set(Some(e.dedupe_key.clone())),
        status: Set(EmailStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_by: Set(None),
        claim_expires_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    });
    email::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(email::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    let keys: Vec<String> = emails.iter().map(|e| e.dedupe_key.clone()).collect();
    // By key alone, so the unique index answers whatever the planner
    // thinks of the statuses; the pending ones are kept here.
    let rows: Vec<(i64, EmailStatus)> = email::Entity::find()
        .select_only()
        .column(email::Column::Id)
        .column(email::Column::Status)
        .filter(email::Column::DedupeKey.is_in(keys))
        .into_tuple()
        .all(conn)
        .await?;
    let mut pending: Vec<i64> = rows
        .into_iter()
        .filter(|(_, status)| *status == EmailStatus::Pending)
        .map(|(id, _)| id)
        .collect();
    pending.sort_unstable();
    Ok(pending)
}

/// Rows free to claim: pending, due, and not held by a live claim.
fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(email::Column::Status.eq(EmailStatus::Pending))
        .add(email::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(email::Column::ClaimExpiresAt.is_null())
                .add(email::Column::ClaimExpiresAt.lt(now))
                .add(email::Column::ClaimedBy.eq(QUEUED)),
        )
}

/// Claims those of `ids` that are free, for `claim`; answers them.
pub async fn claim(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    claim: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Vec<email::Model>> {
    email::Entity::update_many()
        .col_expr(email::Column::ClaimedBy, Expr::value(claim))
        .col_expr(email::Column::ClaimExpiresAt, Expr::value(now + lease))
        .filter(email::Column::Id.is_in(ids.iter().copied()))
        .filter(claimable(now))
        .exec(conn)
        .await?;
    Ok(email::Entity::find()
        .filter(email::Column::Id.is_in(ids.iter().copied()))
        .filter(email::Column::ClaimedBy.eq(claim))
        .filter(email::Column::Status.eq(EmailStatus::Pending))
        .order_by_asc(email::Column::Id)
        .all(conn)
        .await?)
}

/// Reserves those of `ids` held by nobody for a delivery task about to be
/// pushed; answers them.
pub async fn reserve(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    now: DateTime<Utc>,
    reservation: Duration,
) -> Result<Vec<i64>> {
    let free = Condition::all()
        .add(email::Column::Id.is_in(ids.iter().copied()))
        .add(email::Column::Status.eq(EmailStatus::Pending))
        .add(
            Condition::any()
                .add(email::Column::ClaimExpiresAt.is_null())
                .add(email::Column::ClaimExpiresAt.lt(now)),
        );
    email::Entity::update_many()
        .col_expr(email::Column::ClaimedBy, Expr::value(QUEUED))
        .col_expr(
            email::Column::ClaimExpiresAt,
            Expr::value(now + reservation),
        )
        .filter(free)
        .exec(conn)
        .await?;
    Ok(email::Entity::find()
        .select_only()
        .column(email::Column::Id)
        .filter(email::Column::Id.is_in(ids.iter().copied()))
        .filter(email::Column::ClaimedBy.eq(QUEUED))
        .filter(email::Column::ClaimExpiresAt.gt(now))
        .order_by_asc(email::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Up to `limit` emails that are due and held by nobody (a retry whose time
/// came, or a row whose task was lost), now reserved for a task the caller
/// pushes.
pub async fn reserve_due(
    conn: &impl ConnectionTrait,
    limit: u64,
    now: DateTime<Utc>,
    reservation: Duration,
) -> Result<Vec<i64>> {
    let free = Condition::all()
        .add(email::Column::Status.eq(EmailStatus::Pending))
        .add(email::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(email::Column::ClaimExpiresAt.is_null())
                .add(email::Column::ClaimExpiresAt.lt(now)),
        );
    let ids: Vec<i64> = email::Entity::find()
        .select_only()
        .column(email::Column::Id)
        .filter(free.clone())
        .order_by_asc(email::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    if ids.is_empty() {
        return Ok(ids);
    }
    email::Entity::update_many()
        .col_expr(email::Column::ClaimedBy, Expr::value(QUEUED))
        .col_expr(
            email::Column::ClaimExpiresAt,
            Expr::value(now + reservation),
        )
        .filter(email::Column::Id.is_in(ids.clone()))
        .filter(free)
        .exec(conn)
        .await?;
    Ok(ids)
}

/// Ends the reservations made before `before` (all of them when `None`):
/// their delivery tasks were lost with the queue's data. Answers how many.
pub async fn release_reserved(
    conn: &impl ConnectionTrait,
    before: Option<DateTime<Utc>>,
    reservation: Duration,
) -> Result<u64> {
    let mut reserved = Condition::all()
        .add(email::Column::ClaimedBy.eq(QUEUED))
        .add(email::Column::Status.eq(EmailStatus::Pending));
    if let Some(before) = before {
        // A reservation made at `t` ends at `t + reservation`.
        reserved = reserved.add(email::Column::ClaimExpiresAt.lt(before + reservation));
    }
    clear_claims(conn, reserved).await
}

/// Ends the reservations of `ids` (their task could not be pushed).
pub async fn unreserve(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<()> {
    let reserved = Condition::all()
        .add(email::Column::Id.is_in(ids.iter().copied()))
        .add(email::Column::ClaimedBy.eq(QUEUED))
        .add(email::Column::Status.eq(EmailStatus::Pending));
    clear_claims(conn, reserved).await?;
    Ok(())
}

/// Gives rows of `claim` back untried (a delivery stopped early).
pub async fn release(conn: &impl ConnectionTrait, claim: &str) -> Result<()> {
    let claimed = Condition::all()
        .add(email::Column::ClaimedBy.eq(claim))
        .add(email::Column::Status.eq(EmailStatus::Pending));
    clear_claims(conn, claimed).await?;
    Ok(())
}

/// Frees the rows matching `rows` of any claim or reservation; answers how
/// many.
async fn clear_claims(conn: &impl ConnectionTrait, rows: Condition) -> Result<u64> {
    Ok(email::Entity::update_many()
        .col_expr(
            email::Column::ClaimedBy,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            email::Column::ClaimExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(rows)
        .exec(conn)
        .await?
        .rows_affected)
}

/// Records a failed attempt: tried again after a growing pause, or given up
/// when `permanent` or out of attempts.
pub async fn failed(
    conn: &impl ConnectionTrait,
    row: &email::Model,
    error: &str,
    permanent: bool,
    max_attempts: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    let attempts = row.attempts + 1;
    let give_up = permanent || attempts >= max_attempts;
    let pause =
        Duration::seconds(30 * 2_i64.pow(attempts.clamp(0, 10) as u32)).min(Duration::hours(6));
    let status = if give_up {
        EmailStatus::Failed
    } else {
        EmailStatus::Pending
    };
    email::Entity::update_many()
        .col_expr(email::Column::Status, Expr::value(status))
        .col_expr(email::Column::Attempts, Expr::value(attempts))
        .col_expr(email::Column::NextAttemptAt, Expr::value(now + pause))
        .col_expr(
            email::Column::ClaimedBy,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            email::Column::ClaimExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            email::Column::LastError,
            Expr::value(error.chars().take(2000).collect::<String>()),
        )
        .filter(email::Column::Id.eq(row.id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Gives up pending emails of `templates` to `user_ids`: a newer one
/// replaces them (a second reset link makes the first one moot).
pub async fn supersede(
    conn: &impl ConnectionTrait,
    user_ids: &[i64],
    templates: &[&str],
) -> Result<()> {
    supersede_where(conn, email::Column::UserId, user_ids, templates).await
}

/// `supersede` for emails to customer users.
pub async fn supersede_customer(
    conn: &impl ConnectionTrait,
    customer_user_ids: &[i64],
    templates: &[&str],
) -> Result<()> {
    supersede_where(
        conn,
        email::Column::CustomerUserId,
        customer_user_ids,
        templates,
    )
    .await
}

async fn supersede_where(
    conn: &impl ConnectionTrait,
    recipient: email::Column,
    ids: &[i64],
    templates: &[&str],
) -> Result<()> {
    email::Entity::update_many()
        .col_expr(email::Column::Status, Expr::value(EmailStatus::Failed))
        .col_expr(
            email::Column::LastError,
            Expr::value("superseded by a newer email"),
        )
        .filter(recipient.is_in(ids.iter().copied()))
        .filter(email::Column::Template.is_in(templates.iter().copied()))
        .filter(email::Column::Status.eq(EmailStatus::Pending))
        .exec(conn)
        .await?;
    Ok(())
}
