//! Delivering outbox rows: claim, render with the stored template (making
//! the token of a link — password reset, set-password, email confirmation —
//! and the signature of an export's link only now, so no unhashed token or
//! signed link is ever stored), send through the transport, record.

use chrono::{Duration, Utc};
use entity::customer_user_token::{self, Purpose};
use entity::email::{self, EmailStatus};
use entity::{email_template, password_reset_token};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

use super::catalog::{
    CUSTOMER_CONFIRMATION, CUSTOMER_FORCE_RESET_PASSWORD, CUSTOMER_PASSWORD_RESET_REQUESTED,
    CUSTOMER_WELCOME, EXPORT_FINISHED, FORCE_RESET_PASSWORD, PASSWORD_RESET_REQUESTED,
};
use super::outbox;
use super::render::{Compiled, Parts};
use super::transport::{self, Commit, SendError};
use crate::Gatehouse;
use crate::error::{Error, Result};
use crate::{signed, tokens};

/// What one delivery call did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Failed for now; tried again later.
    pub deferred: usize,
    /// Given up.
    pub failed: usize,
}

/// Who a link's single-use token is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// A back-office user: `password_reset_tokens`.
    User,
    /// A customer user: `customer_user_tokens` with this purpose.
    Customer(Purpose),
}

/// A link an email carries, with a token made only now.
struct Link {
    holder: Holder,
    prefix: &'static str,
    /// The context value that receives the URL.
    key: &'static str,
    /// The path after the base URL, before `?token=`.
    path: &'static str,
    ttl_secs: u64,
}

/// The link the email of `template` carries, if any.
fn link_of(app: &Gatehouse, template: &str) -> Option<Link> {
    let settings = app.settings();
    let customer = |purpose, prefix, key, path, ttl_secs| Link {
        holder: Holder::Customer(purpose),
        prefix,
        key,
        path,
        ttl_secs,
    };
    match template {
        FORCE_RESET_PASSWORD | PASSWORD_RESET_REQUESTED => Some(Link {
            holder: Holder::User,
            prefix: tokens::RESET_PREFIX,
            key: "reset_url",
            path: "/reset-password",
            ttl_secs: settings.auth.reset_ttl_secs,
        }),
        CUSTOMER_WELCOME => Some(customer(
            Purpose::Password,
            tokens::CUSTOMER_PASSWORD_PREFIX,
            "set_password_url",
            "/set-password",
            settings.customers.link_ttl_secs,
        )),
        CUSTOMER_FORCE_RESET_PASSWORD | CUSTOMER_PASSWORD_RESET_REQUESTED => Some(customer(
            Purpose::Password,
            tokens::CUSTOMER_PASSWORD_PREFIX,
            "reset_url",
            "/reset-password",
            settings.customers.reset_ttl_secs,
        )),
        CUSTOMER_CONFIRMATION => Some(customer(
            Purpose::Confirm,
            tokens::CUSTOMER_CONFIRM_PREFIX,
            "confirm_url",
            "/confirm-email",
            settings.customers.link_ttl_secs,
        )),
        _ => None,
    }
}

pub(super) async fn deliver(app: &Gatehouse, ids: &[i64]) -> Result<DeliveryReport> {
    let claim = tokens::generate("claim_");
    let rows = outbox::claim(
        app.db(),
        ids,
        &claim,
        app.now(),
        app.settings().email.lease(),
    )
    .await?;
    let mut report = DeliveryReport::default();
    if rows.is_empty() {
        return Ok(report);
    }
    // Renewed by this worker's heartbeat until the delivery ends (`held`).
    let _held = app
        .held()
        .claim(&claim, rows.iter().map(|row| row.id).collect());
    let settings = &app.settings().email;
    let mut connection = match transport::open(settings).await {
        Ok(connection) => connection,
        Err(error) => {
            tracing::warn!(error = error.message(), "cannot reach the mail transport");
            for row in &rows {
                outbox::failed(
                    app.db(),
                    row,
                    error.message(),
                    false,
                    settings.max_attempts,
                    app.now(),
                )
                .await?;
                report.deferred += 1;
            }
            return Ok(report);
        }
    };
    let organizations: Vec<i64> = rows.iter().filter_map(|r| r.organization_id).collect();
    let stored = email_template::Entity::find()
        .filter(
            Condition::any()
                .add(email_template::Column::OrganizationId.is_null())
                .add(email_template::Column::OrganizationId.is_in(organizations)),
        )
        .all(app.db())
        .await?;
    let templates = Compiled::new(stored.iter().map(|t| {
        (
            t.organization_id,
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
                outbox::failed(
                    app.db(),
                    row,
                    &error,
                    permanent,
                    settings.max_attempts,
                    app.now(),
                )
                .await?;
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
    let mut made = None;
    if let Some(link) = link_of(app, &row.template) {
        let token = tokens::generate(link.prefix);
        let expires_at = app.now() + Duration::seconds(link.ttl_secs as i64);
        // Storefront links go to the website's address, given at queue time.
        let base = match context["site_url"].as_str() {
            Some(site) if link.holder != Holder::User => site.trim_end_matches('/').to_owned(),
            _ => app.settings().public_url(),
        };
        context[link.key] = format!("{base}{}?token={token}", link.path).into();
        context["expires_at"] = expires_at.format("%Y-%m-%d %H:%M UTC").to_string().into();
        made = Some((link.holder, tokens::digest(&token), expires_at));
    }
    if row.template == EXPORT_FINISHED {
        sign_download(app, row, &mut context).await?;
    }
    let made_hash = made
        .as_ref()
        .map(|(holder, hash, _)| (*holder, hash.clone()));
    let rendered = match templates.render(row.organization_id, &row.template, &context) {
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
    let (id, claim_owned) = (row.id, claim.to_owned());
    let (user_id, customer_user_id) = (row.user_id, row.customer_user_id);
    let commit: Commit<'_> = Box::pin(async move {
        let result: Result<bool> = async {
            let txn = crate::db::write(&db).await?;
            let marked = email::Entity::update_many()
                .col_expr(email::Column::Status, Expr::value(EmailStatus::Sent))
                .col_expr(email::Column::SentAt, Expr::value(app.now()))
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
            match (made, user_id, customer_user_id) {
                (Some((Holder::User, hash, expires_at)), Some(user_id), _) => {
                    password_reset_token::ActiveModel {
                        user_id: Set(user_id),
                        token_hash: Set(hash),
                        created_at: Set(app.now()),
                        expires_at: Set(expires_at),
                        used_at: Set(None),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
                (
                    Some((Holder::Customer(purpose), hash, expires_at)),
                    _,
                    Some(customer_user_id),
                ) => {
                    customer_user_token::ActiveModel {
                        customer_user_id: Set(customer_user_id),
                        purpose: Set(purpose),
                        token_hash: Set(hash),
                        created_at: Set(app.now()),
                        expires_at: Set(expires_at),
                        used_at: Set(None),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
                _ => {}
            }
            app.commit_quiet(txn).await?;
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
                undo_commit(app, row, made_hash).await?;
            }
            let permanent = matches!(error, SendError::Permanent(_));
            Ok(Outcome::Failed {
                error: error.message().to_owned(),
                permanent,
            })
        }
    }
}

/// Sets `download_url` of an export's email: the export's file, signed for
/// its requester (the recipient) until the export expires
/// (`download_expires`, set when the email was queued).
async fn sign_download(
    app: &Gatehouse,
    row: &email::Model,
    context: &mut serde_json::Value,
) -> Result<()> {
    let expires = context["download_expires"].as_i64();
    if let (Some(job_id), Some(requester), Some(expires)) = (row.job_id, row.user_id, expires) {
        let url = signed::signed_export_url(
            &app.settings().public_url(),
            app.link_key().await?,
            job_id,
            requester,
            expires,
        );
        context["download_url"] = url.into();
    }
    Ok(())
}

/// The server refused the message after it was recorded as sent: take the
/// record back (and the reset token it created).
async fn undo_commit(
    app: &Gatehouse,
    row: &email::Model,
    made: Option<(Holder, String)>,
) -> Result<()> {
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
    match made {
        Some((Holder::User, hash)) => {
            password_reset_token::Entity::update_many()
                .col_expr(password_reset_token::Column::UsedAt, Expr::value(app.now()))
                .filter(password_reset_token::Column::TokenHash.eq(hash))
                .exec(&txn)
                .await?;
        }
        Some((Holder::Customer(_), hash)) => {
            customer_user_token::Entity::update_many()
                .col_expr(customer_user_token::Column::UsedAt, Expr::value(app.now()))
                .filter(customer_user_token::Column::TokenHash.eq(hash))
                .exec(&txn)
                .await?;
        }
        None => {}
    }
    app.commit_quiet(txn).await?;
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
