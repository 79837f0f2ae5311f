//! The storefront side: websites and their localizations, customers
//! (companies), customer-user roles, customer users with their addresses,
//! consents, sales representatives, sessions and emailed tokens.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{entity_table, fk, index, link_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A link table whose right side is a back-office user that cannot be
/// deleted while linked (owners and sales representatives).
fn representatives(name: &'static str, left: (&'static str, &'static str)) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(big_integer(left.0))
        .col(big_integer("user_id"))
        .primary_key(Index::create().col(left.0).col("user_id"))
        .foreign_key(&mut fk(name, left.0, left.1, ForeignKeyAction::Cascade))
        .foreign_key(&mut fk(
            name,
            "user_id",
            "users",
            ForeignKeyAction::Restrict,
        ))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let restrict = ForeignKeyAction::Restrict;
        let cascade = ForeignKeyAction::Cascade;
        let set_null = ForeignKeyAction::SetNull;

        manager
            .create_table(
                entity_table("localizations")
                    .col(string_len("code", 16))
                    .col(string_len("name", 255))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_localizations_code", "localizations", &["code"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                entity_table("websites")
                    .col(big_integer("organization_id"))
                    .col(string_len("name", 255))
                    .col(string_len_null("url", 2048))
                    .col(big_integer_null("default_localization_id"))
                    .foreign_key(&mut fk(
                        "websites",
                        "organization_id",
                        "organizations",
                        restrict,
                    ))
                    .foreign_key(&mut fk(
                        "websites",
                        "default_localization_id",
                        "localizations",
                        set_null,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_websites_organization_name",
                    "websites",
                    &["organization_id", "name"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(link_table(
                "website_localizations",
                ("website_id", "websites"),
                ("localization_id", "localizations"),
            ))
            .await?;

        manager
            .create_table(
                entity_table("customers")
                    .col(big_integer("organization_id"))
                    .col(big_integer_null("parent_id"))
                    .col(string_len("name", 255))
                    .col(big_integer("owner_id"))
                    .foreign_key(&mut fk(
                        "customers",
                        "organization_id",
                        "organizations",
                        restrict,
                    ))
                    .foreign_key(&mut fk("customers", "parent_id", "customers", restrict))
                    .foreign_key(&mut fk("customers", "owner_id", "users", restrict))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_customers_organization_name",
                &["organization_id", "name", "id"][..],
            ),
            ("ix_customers_parent", &["parent_id"][..]),
            ("ix_customers_owner", &["owner_id"][..]),
        ] {
            manager
                .create_index(index(name, "customers", columns))
                .await?;
        }
        manager
            .create_table(representatives(
                "customer_sales_representatives",
                ("customer_id", "customers"),
            ))
            .await?;
        manager
            .create_index(index(
                "ix_customer_sales_representatives_user",
                "customer_sales_representatives",
                &["user_id"],
            ))
            .await?;

        // Roles of customer users: predefined (no organization, no
        // customer), of an organization, or of one customer.
        manager
            .create_table(
                entity_table("customer_roles")
                    .col(big_integer_null("organization_id"))
                    .col(big_integer_null("customer_id"))
                    .col(string_len("name", 255))
                    .col(text_null("description"))
                    .foreign_key(&mut fk(
                        "customer_roles",
                        "organization_id",
                        "organizations",
                        restrict,
                    ))
                    .foreign_key(&mut fk(
                        "customer_roles",
                        "customer_id",
                        "customers",
                        cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("customer_role_permissions")
                    .col(big_integer("role_id"))
                    .col(string_len("permission", 64))
                    .primary_key(Index::create().col("role_id").col("permission"))
                    .foreign_key(&mut fk(
                        "customer_role_permissions",
                        "role_id",
                        "customer_roles",
                        cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                entity_table("customer_users")
                    .col(big_integer("organization_id"))
                    .col(big_integer("customer_id"))
                    .col(big_integer("website_id"))
                    .col(big_integer("owner_id"))
                    .col(boolean("enabled"))
                    .col(boolean("confirmed"))
                    .col(string_len_null("name_prefix", 64))
                    .col(string_len("first_name", 255))
                    .col(string_len_null("middle_name", 255))
                    .col(string_len("last_name", 255))
                    .col(string_len_null("name_suffix", 64))
                    .col(string_len("email", 255))
                    .col(string_len("email_canonical", 255))
                    .col(date_null("birthday"))
                    .col(big_integer_null("localization_id"))
                    .col(text("password_hash"))
                    .col(string_len("auth_status", 32))
                    .col(integer("failed_login_count").default(0))
                    .col(timestamp_with_time_zone_null("last_login_at"))
                    .col(timestamp_with_time_zone_null("password_changed_at"))
                    .foreign_key(&mut fk(
                        "customer_users",
                        "organization_id",
                        "organizations",
                        restrict,
                    ))
                    .foreign_key(&mut fk(
                        "customer_users",
                        "customer_id",
                        "customers",
                        restrict,
                    ))
                    .foreign_key(&mut fk(
                        "customer_users",
                        "website_id",
                        "websites",
                        restrict,
                    ))
                    .foreign_key(&mut fk("customer_users", "owner_id", "users", restrict))
                    .foreign_key(&mut fk(
                        "customer_users",
                        "localization_id",
                        "localizations",
                        set_null,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_customer_users_email",
                    "customer_users",
                    &["organization_id", "email_canonical"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_customer_users_customer", &["customer_id", "id"][..]),
            ("ix_customer_users_website", &["website_id"][..]),
            ("ix_customer_users_owner", &["owner_id"][..]),
            (
                "ix_customer_users_last_name",
                &["organization_id", "last_name", "id"][..],
            ),
            (
                "ix_customer_users_created_at",
                &["organization_id", "created_at", "id"][..],
            ),
        ] {
            manager
                .create_index(index(name, "customer_users", columns))
                .await?;
        }
        manager
            .create_table(link_table(
                "customer_user_roles",
                ("customer_user_id", "customer_users"),
                ("role_id", "customer_roles"),
            ))
            .await?;
        manager
            .create_index(index(
                "ix_customer_user_roles_reverse",
                "customer_user_roles",
                &["role_id", "customer_user_id"],
            ))
            .await?;
        manager
            .create_table(representatives(
                "customer_user_sales_representatives",
                ("customer_user_id", "customer_users"),
            ))
            .await?;
        manager
            .create_index(index(
                "ix_customer_user_sales_representatives_user",
                "customer_user_sales_representatives",
                &["user_id"],
            ))
            .await?;

        manager
            .create_table(
                entity_table("customer_user_addresses")
                    .col(big_integer("customer_user_id"))
                    .col(string_len_null("label", 255))
                    .col(boolean("billing"))
                    .col(boolean("shipping"))
                    .col(boolean("default_billing"))
                    .col(boolean("default_shipping"))
                    .col(string_len_null("first_name", 255))
                    .col(string_len_null("last_name", 255))
                    .col(string_len_null("company", 255))
                    .col(string_len("street", 500))
                    .col(string_len_null("street2", 500))
                    .col(string_len("city", 255))
                    .col(string_len_null("region", 255))
                    .col(string_len("postal_code", 32))
                    .col(string_len("country", 2))
                    .col(string_len_null("phone", 64))
                    .foreign_key(&mut fk(
                        "customer_user_addresses",
                        "customer_user_id",
                        "customer_users",
                        cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_customer_user_addresses_user",
                "customer_user_addresses",
                &["customer_user_id"],
            ))
            .await?;

        manager
            .create_table(
                entity_table("consents")
                    .col(big_integer("organization_id"))
                    .col(string_len("name", 255))
                    .col(text_null("description"))
                    .col(boolean("mandatory"))
                    .foreign_key(&mut fk(
                        "consents",
                        "organization_id",
                        "organizations",
                        restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_consents_organization_name",
                    "consents",
                    &["organization_id", "name"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                link_table(
                    "customer_user_consents",
                    ("customer_user_id", "customer_users"),
                    ("consent_id", "consents"),
                )
                .col(timestamp_with_time_zone("accepted_at"))
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("customer_sessions")
                    .col(big_pk_auto("id"))
                    .col(big_integer("customer_user_id"))
                    .col(string_len("token_hash", 64))
                    .col(big_integer_null("impersonator_id"))
                    .col(string_len_null("source_ip", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(&mut fk(
                        "customer_sessions",
                        "customer_user_id",
                        "customer_users",
                        cascade,
                    ))
                    .foreign_key(&mut fk(
                        "customer_sessions",
                        "impersonator_id",
                        "users",
                        cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_customer_sessions_token_hash",
                    "customer_sessions",
                    &["token_hash"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_customer_sessions_user",
                "customer_sessions",
                &["customer_user_id"],
            ))
            .await?;

        // Confirmation, password reset and set-password links of customer
        // users: single use, stored as SHA-256.
        manager
            .create_table(
                Table::create()
                    .table("customer_user_tokens")
                    .col(big_pk_auto("id"))
                    .col(big_integer("customer_user_id"))
                    .col(string_len("purpose", 32))
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk(
                        "customer_user_tokens",
                        "customer_user_id",
                        "customer_users",
                        cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_customer_user_tokens_hash",
                    "customer_user_tokens",
                    &["token_hash"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        // Files uploaded for a job (customer-user imports), kept with it so
        // any worker process can read them.
        manager
            .create_table(
                Table::create()
                    .table("job_uploads")
                    .col(big_integer("job_id").primary_key())
                    .col(string_len("file_name", 255))
                    .col(text("content"))
                    .foreign_key(&mut fk("job_uploads", "job_id", "background_jobs", cascade))
                    .to_owned(),
            )
            .await?;

        // Emails to customer users, and audit entries by them or made while
        // impersonating one. No foreign keys: SQLite cannot add them to an
        // existing table, and these rows outlive what they name.
        manager
            .alter_table(
                Table::alter()
                    .table("emails")
                    .add_column(big_integer_null("customer_user_id"))
                    .to_owned(),
            )
            .await?;
        for column in ["actor_customer_user_id", "impersonator_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("audit_log")
                        .add_column(big_integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        // Superseding a recipient's pending emails looks them up by
        // recipient, and a job's email counts by job.
        for (name, columns) in [
            ("ix_emails_user", &["user_id"][..]),
            ("ix_emails_customer_user", &["customer_user_id"][..]),
            ("ix_emails_job", &["job_id", "status"][..]),
        ] {
            manager.create_index(index(name, "emails", columns)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_emails_user", "ix_emails_customer_user", "ix_emails_job"] {
            manager
                .drop_index(Index::drop().name(name).table("emails").to_owned())
                .await?;
        }
        for column in ["actor_customer_user_id", "impersonator_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("audit_log")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("emails")
                    .drop_column("customer_user_id")
                    .to_owned(),
            )
            .await?;
        for table in [
            "job_uploads",
            "customer_user_tokens",
            "customer_sessions",
            "customer_user_consents",
            "consents",
            "customer_user_addresses",
            "customer_user_sales_representatives",
            "customer_user_roles",
            "customer_users",
            "customer_role_permissions",
            "customer_roles",
            "customer_sales_representatives",
            "customers",
            "website_localizations",
            "websites",
            "localizations",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
