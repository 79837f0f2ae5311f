//! Delivering outbox rows: claim, render with the stored template (making
//! the reset token of a reset email only now, so no unhashed token is ever
//! stored), send through the transport, record.

use chrono::{Duration, Utc};
use entity::email::{self, EmailStatus};
use entity::{email_template, password_reset_token};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::catalog::{FORCE_RESET_PASSWORD, PASSWORD_RESET_REQUESTED};
use super::outbox;
use super::render::{Compiled, Parts};
use super::transport::{self, Commit, SendError};
use crate::Gatehouse;
use crate::error::{Error, Result};
use crate::tokens;

/// What one delivery call did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Failed for now; tried again later.
    pub deferred: usize,
    /// Given up.
    pub failed: usize,
}

/// Templates whose email carries a fresh password reset link.
fn needs_reset_token(template: &str) -> bool {
    template == FORCE_RESET_PASSWORD || template == PASSWORD_RESET_REQUESTED
}

pub(super) async fn deliver(app: &Gatehouse, ids: &[i64]) -> Result<DeliveryReport> {
    let claim = tokens::generate("claim_");
    let rows = outbox::claim(app.db(), ids, &claim, app.settings().email.lease()).await?;
    let mut report = DeliveryReport::default();
    if rows.is_empty() {
        return Ok(report);
    }
    let settings = &app.settings().email;
    let mut connection = match transport::open(settings).await {
        Ok(connection) => connection,
        Err(error) => {
            tracing::warn!(error = error.message(), "cannot reach the mail transport");
            for row in &rows {
                outbox::failed(app.db(), row, error.message(), false, settings.max_attempts)
                    .await?;
                report.deferred += 1;
            }
            return Ok(report);
        }
    };
    let stored = email_template::Entity::find().all(app.db()).await?;
    let templates = Compiled::new(stored.iter().map(|t| {
        (
            t.name.as_str(),
            Parts {
                subject: &t.subject,
                html: &t.html,
                text: &t.text,
            },
        )
    }));
    for (index, row) in rows.iter().enumerate() {
        match deliver_one(app, &mut connection, &claim, row, &templates).await? {
            Outcome::Sent => report.sent += 1,
            Outcome::Failed { error, permanent } => {
                outbox::failed(app.db(), row, &error, permanent, settings.max_attempts).await?;
                if permanent || row.attempts + 1 >= settings.max_attempts {
                    report.failed += 1;
                } else {
                    report.deferred += 1;
                }
                if !permanent {
                    // The connection is likely broken: give the rest back.
                    tracing::warn!(%error, remaining = rows.len() - index - 1, "delivery interrupted");
                    outbox::release(app.db(), &claim).await?;
                    break;
                }
            }
        }
    }
    connection.close().await;
    Ok(report)
}

enum Outcome {
    Sent,
    Failed { error: String, permanent: bool },
}

async fn deliver_one(
    app: &Gatehouse,
    connection: &mut transport::Connection,
    claim: &str,
    row: &email::Model,
    templates: &Compiled,
) -> Result<Outcome> {
    let mut context = row.context.clone();
    let mut reset_token = None;
    if needs_reset_token(&row.template) {
        let token = tokens::generate(tokens::RESET_PREFIX);
        let expires_at = Utc::now() + Duration::seconds(app.settings().auth.reset_ttl_secs as i64);
        context["reset_url"] = format!(
            "{}/reset-password?token={token}",
            app.settings().public_url()
        )
        .into();
        context["expires_at"] = expires_at.format("%Y-%m-%d %H:%M UTC").to_string().into();
        reset_token = Some((tokens::digest(&token), expires_at));
    }
    let reset_hash = reset_token.as_ref().map(|(hash, _)| hash.clone());
    let rendered = match templates.render(&row.template, &context) {
        Ok(rendered) => rendered,
        Err(error) => {
            return Ok(Outcome::Failed {
                error: format!("does not render: {error}"),
                permanent: true,
            });
        }
    };
    let message = match build(app, row, rendered) {
        Ok(message) => message,
        Err(error) => {
            return Ok(Outcome::Failed {
                error,
                permanent: true,
            });
        }
    };

    let db = app.db().clone();
    let (id, user_id, claim_owned) = (row.id, row.user_id, claim.to_owned());
    let commit: Commit<'_> = Box::pin(async move {
        let result: Result<bool> = async {
            let txn = crate::db::write(&db).await?;
            let marked = email::Entity::update_many()
                .col_expr(email::Column::Status, Expr::value(EmailStatus::Sent))
                .col_expr(email::Column::SentAt, Expr::value(Utc::now()))
                .col_expr(
                    email::Column::Attempts,
                    Expr::col(email::Column::Attempts).add(1),
                )
                .filter(email::Column::Id.eq(id))
                .filter(email::Column::ClaimedBy.eq(claim_owned))
                .filter(email::Column::Status.eq(EmailStatus::Pending))
                .exec(&txn)
                .await?
                .rows_affected;
            if marked != 1 {
                return Ok(false);
            }
            if let (Some((hash, expires_at)), Some(user_id)) = (reset_token, user_id) {
                password_reset_token::ActiveModel {
                    user_id: Set(user_id),
                    token_hash: Set(hash),
                    created_at: Set(Utc::now()),
                    expires_at: Set(expires_at),
                    used_at: Set(None),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            txn.commit().await?;
            Ok(true)
        }
        .await;
        result.unwrap_or_else(|error| {
            tracing::error!(%error, email = id, "cannot record a delivery");
            false
        })
    });
    let delivery = connection.send(row.id, &message, commit).await;
    match (delivery.committed, delivery.error) {
        (true, None) => Ok(Outcome::Sent),
        (false, None) => {
            // Written out, but not recorded: the lease ends and it goes again.
            Err(Error::internal(format!(
                "email {} was sent but could not be recorded",
                row.id
            )))
        }
        (committed, Some(error)) => {
            if committed {
                undo_commit(app, row, reset_hash.as_deref()).await?;
            }
            let permanent = matches!(error, SendError::Permanent(_));
            Ok(Outcome::Failed {
                error: error.message().to_owned(),
                permanent,
            })
        }
    }
}

/// The server refused the message after it was recorded as sent: take the
/// record back (and the reset token it created).
async fn undo_commit(app: &Gatehouse, row: &email::Model, reset_hash: Option<&str>) -> Result<()> {
    let txn = crate::db::write(app.db()).await?;
    email::Entity::update_many()
        .col_expr(email::Column::Status, Expr::value(EmailStatus::Pending))
        .col_expr(
            email::Column::SentAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(email::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    if let Some(hash) = reset_hash {
        password_reset_token::Entity::update_many()
            .col_expr(
                password_reset_token::Column::UsedAt,
                Expr::value(Utc::now()),
            )
            .filter(password_reset_token::Column::TokenHash.eq(hash))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

fn build(
    app: &Gatehouse,
    row: &email::Model,
    rendered: super::Rendered,
) -> Result<Message, String> {
    let settings = &app.settings().email;
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| format!("email.from {:?}: {e}", settings.from))?;
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e| format!("recipient {:?}: {e}", row.recipient))?;
    let domain = from.email.domain().to_owned();
    Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(format!(
            "<gatehouse.{}.{}@{domain}>",
            row.template, row.id
        )))
        .multipart(MultiPart::alternative_plain_html(
            rendered.text,
            rendered.html,
        ))
        .map_err(|e| format!("building the message: {e}"))
}
