//! Organizations, business units, roles, groups, back-office users with their
//! links, sessions, API keys and the audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{entity_table, fk, index, link_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let restrict = ForeignKeyAction::Restrict;
        let cascade = ForeignKeyAction::Cascade;

        manager
            .create_table(
                entity_table("organizations")
                    .col(string_len("name", 255))
                    .col(boolean("enabled").default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_organizations_name", "organizations", &["name"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                entity_table("business_units")
                    .col(big_integer("organization_id"))
                    .col(big_integer_null("parent_id"))
                    .col(string_len("name", 255))
                    .col(string_len_null("email", 255))
                    .col(string_len_null("phone", 64))
                    .foreign_key(&mut fk(
                        "business_units",
                        "organization_id",
                        "organizations",
                        restrict,
                    ))
                    .foreign_key(&mut fk(
                        "business_units",
                        "parent_id",
                        "business_units",
                        restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_business_units_organization",
                "business_units",
                &["organization_id"],
            ))
            .await?;

        manager
            .create_table(
                entity_table("roles")
                    .col(big_integer_null("organization_id"))
                    .col(string_len("name", 255))
                    .col(text_null("description"))
                    .foreign_key(&mut fk(
                        "roles",
                        "organization_id",
                        "organizations",
                        restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("role_permissions")
                    .col(big_integer("role_id"))
                    .col(string_len("permission", 64))
                    .primary_key(Index::create().col("role_id").col("permission"))
                    .foreign_key(&mut fk("role_permissions", "role_id", "roles", cascade))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                entity_table("groups")
                    .col(big_integer("organization_id"))
                    .col(string_len("name", 255))
                    .foreign_key(&mut fk(
                        "groups",
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
                    "ux_groups_organization_name",
                    "groups",
                    &["organization_id", "name"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                entity_table("users")
                    .col(string_len("username", 255))
                    .col(string_len("username_canonical", 255))
                    .col(text("password_hash"))
                    .col(string_len_null("name_prefix", 64))
                    .col(string_len("first_name", 255))
                    .col(string_len_null("middle_name", 255))
                    .col(string_len_null("last_name", 255))
                    .col(string_len_null("name_suffix", 64))
                    .col(date_null("birthday"))
                    .col(string_len_null("avatar", 2048))
                    .col(string_len("email", 255))
                    .col(string_len("email_canonical", 255))
                    .col(string_len_null("phone", 64))
                    .col(boolean("enabled"))
                    .col(string_len("auth_status", 32))
                    .col(integer("failed_login_count").default(0))
                    .col(big_integer("owner_business_unit_id"))
                    .col(timestamp_with_time_zone_null("last_login_at"))
                    .col(timestamp_with_time_zone_null("password_changed_at"))
                    .foreign_key(&mut fk(
                        "users",
                        "owner_business_unit_id",
                        "business_units",
                        restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ux_users_username", &["username_canonical"][..]),
            ("ux_users_email", &["email_canonical"][..]),
        ] {
            manager
                .create_index(index(name, "users", columns).unique().to_owned())
                .await?;
        }
        for (name, columns) in [
            ("ix_users_last_name", &["last_name", "id"][..]),
            ("ix_users_created_at", &["created_at", "id"][..]),
            ("ix_users_last_login_at", &["last_login_at", "id"][..]),
            ("ix_users_owner", &["owner_business_unit_id"][..]),
        ] {
            manager.create_index(index(name, "users", columns)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("user_emails")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(string_len("email", 255))
                    .col(string_len("email_canonical", 255))
                    .foreign_key(&mut fk("user_emails", "user_id", "users", cascade))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_user_emails_user_email",
                    "user_emails",
                    &["user_id", "email_canonical"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        for (table, right, target) in [
            ("user_organizations", "organization_id", "organizations"),
            ("user_business_units", "business_unit_id", "business_units"),
            ("user_groups", "group_id", "groups"),
            ("user_roles", "role_id", "roles"),
        ] {
            manager
                .create_table(link_table(table, ("user_id", "users"), (right, target)))
                .await?;
            let reverse: &'static str = match table {
                "user_organizations" => "ix_user_organizations_reverse",
                "user_business_units" => "ix_user_business_units_reverse",
                "user_groups" => "ix_user_groups_reverse",
                _ => "ix_user_roles_reverse",
            };
            manager
                .create_index(index(reverse, table, &[right, "user_id"]))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(big_integer("organization_id"))
                    .col(string_len("token_hash", 64))
                    .col(string_len_null("source_ip", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(&mut fk("sessions", "user_id", "users", cascade))
                    .foreign_key(&mut fk(
                        "sessions",
                        "organization_id",
                        "organizations",
                        cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_sessions_token_hash", "sessions", &["token_hash"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_sessions_user", "sessions", &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(big_integer("organization_id"))
                    .col(string_len("key_hash", 64))
                    .col(string_len("key_prefix", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("api_keys", "user_id", "users", cascade))
                    .foreign_key(&mut fk(
                        "api_keys",
                        "organization_id",
                        "organizations",
                        cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_api_keys_hash", "api_keys", &["key_hash"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_api_keys_user_organization",
                    "api_keys",
                    &["user_id", "organization_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        // The audit log keeps no foreign keys: entries outlive what they name.
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(big_pk_auto("id"))
                    .col(big_integer_null("actor_user_id"))
                    .col(string_len_null("actor_name", 255))
                    .col(string_len("action", 64))
                    .col(string_len("target_type", 64))
                    .col(string_len_null("target_id", 64))
                    .col(big_integer_null("organization_id"))
                    .col(string_len_null("source_ip", 64))
                    .col(json_null("details"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_audit_log_organization", &["organization_id", "id"][..]),
            ("ix_audit_log_target", &["target_type", "target_id"][..]),
            ("ix_audit_log_actor", &["actor_user_id"][..]),
        ] {
            manager
                .create_index(index(name, "audit_log", columns))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_log",
            "api_keys",
            "sessions",
            "user_roles",
            "user_groups",
            "user_business_units",
            "user_organizations",
            "user_emails",
            "users",
            "groups",
            "role_permissions",
            "roles",
            "business_units",
            "organizations",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
