//! OAuth applications of back-office users and customer users, and the ids
//! of access tokens revoked before they expire.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{entity_table, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                entity_table("oauth_applications")
                    .col(big_integer("organization_id"))
                    // Exactly one owner: a back-office user (who cannot be
                    // deleted while owning one) or a customer user (whose
                    // applications go with it).
                    .col(big_integer_null("user_id"))
                    .col(big_integer_null("customer_user_id"))
                    .col(string_len("name", 255))
                    .col(string_len("client_id", 64))
                    .col(string_len("secret_hash", 64))
                    .col(boolean("active"))
                    .col(text("scopes"))
                    .col(integer("token_generation"))
                    .col(timestamp_with_time_zone("secret_rotated_at"))
                    .foreign_key(&mut fk(
                        "oauth_applications",
                        "organization_id",
                        "organizations",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "oauth_applications",
                        "user_id",
                        "users",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "oauth_applications",
                        "customer_user_id",
                        "customer_users",
                        ForeignKeyAction::Cascade,
                    ))
                    .check(Expr::cust(
                        "(user_id IS NULL) <> (customer_user_id IS NULL)",
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("ux_oauth_applications_client_id", &["client_id"][..], true),
            ("ix_oauth_applications_user", &["user_id"][..], false),
            (
                "ix_oauth_applications_customer_user",
                &["customer_user_id"][..],
                false,
            ),
            (
                "ix_oauth_applications_organization",
                &["organization_id"][..],
                false,
            ),
        ] {
            let mut statement = index(name, "oauth_applications", columns);
            if unique {
                statement.unique();
            }
            manager.create_index(statement).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("oauth_revoked_tokens")
                    .col(string_len("jti", 64).primary_key())
                    .col(big_integer("application_id"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(&mut fk(
                        "oauth_revoked_tokens",
                        "application_id",
                        "oauth_applications",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_oauth_revoked_tokens_expires_at",
                "oauth_revoked_tokens",
                &["expires_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["oauth_revoked_tokens", "oauth_applications"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
