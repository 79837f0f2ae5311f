//! Background jobs with their per-item outcomes (tables `background_jobs`
//! and `background_job_items`: apalis-sqlite owns `Jobs`, and SQLite table
//! names ignore case), stored email templates, the
//! email outbox, password reset tokens and rate-limit counters.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let cascade = ForeignKeyAction::Cascade;
        let set_null = ForeignKeyAction::SetNull;

        manager
            .create_table(
                Table::create()
                    .table("background_jobs")
                    .col(big_pk_auto("id"))
                    .col(string_len("kind", 64))
                    .col(string_len("status", 16))
                    .col(big_integer("organization_id"))
                    .col(big_integer_null("requester_id"))
                    .col(json("payload"))
                    .col(big_integer("total").default(0))
                    .col(big_integer("processed").default(0))
                    .col(big_integer("succeeded").default(0))
                    .col(big_integer("skipped").default(0))
                    .col(big_integer("failed").default(0))
                    // Where a resumed run continues: the last item done.
                    .col(string_len_null("checkpoint", 255))
                    .col(integer("attempts").default(0))
                    .col(text_null("error"))
                    .col(string_len_null("result_file", 1024))
                    .col(timestamp_with_time_zone_null("result_expires_at"))
                    .col(boolean("cancel_requested").default(false))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("started_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .col(timestamp_with_time_zone_null("heartbeat_at"))
                    .foreign_key(&mut fk(
                        "background_jobs",
                        "organization_id",
                        "organizations",
                        cascade,
                    ))
                    .foreign_key(&mut fk(
                        "background_jobs",
                        "requester_id",
                        "users",
                        set_null,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_background_jobs_organization",
                &["organization_id", "id"][..],
            ),
            ("ix_background_jobs_status", &["status"][..]),
        ] {
            manager
                .create_index(index(name, "background_jobs", columns))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("background_job_items")
                    .col(big_pk_auto("id"))
                    .col(big_integer("job_id"))
                    .col(string_len("item_id", 64))
                    .col(string_len("outcome", 16))
                    .col(text_null("reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "background_job_items",
                        "job_id",
                        "background_jobs",
                        cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_background_job_items_job_item",
                    "background_job_items",
                    &["job_id", "item_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("email_templates")
                    .col(big_pk_auto("id"))
                    .col(string_len("name", 64))
                    .col(text("description"))
                    .col(text("subject"))
                    .col(text("html"))
                    .col(text("text"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_email_templates_name", "email_templates", &["name"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        // The outbox: an email is a row here first; workers deliver it.
        manager
            .create_table(
                Table::create()
                    .table("emails")
                    .col(big_pk_auto("id"))
                    .col(string_len("template", 64))
                    .col(string_len("recipient", 255))
                    .col(big_integer_null("user_id"))
                    .col(big_integer_null("organization_id"))
                    .col(big_integer_null("job_id"))
                    .col(json("context"))
                    // One email per purpose: a rerun of a job inserts nothing twice.
                    .col(string_len_null("dedupe_key", 255))
                    .col(string_len("status", 16))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(string_len_null("claimed_by", 64))
                    .col(timestamp_with_time_zone_null("claim_expires_at"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .foreign_key(&mut fk("emails", "user_id", "users", set_null))
                    .foreign_key(&mut fk("emails", "job_id", "background_jobs", set_null))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_emails_dedupe", "emails", &["dedupe_key"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_emails_due",
                "emails",
                &["status", "next_attempt_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("password_reset_tokens")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk(
                        "password_reset_tokens",
                        "user_id",
                        "users",
                        cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_password_reset_tokens_hash",
                    "password_reset_tokens",
                    &["token_hash"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_password_reset_tokens_user",
                "password_reset_tokens",
                &["user_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("rate_limits")
                    .col(string_len("key", 255).primary_key())
                    .col(timestamp_with_time_zone("window_start"))
                    .col(integer("hits"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "rate_limits",
            "password_reset_tokens",
            "emails",
            "email_templates",
            "background_job_items",
            "background_jobs",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
