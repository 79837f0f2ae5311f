//! PostgreSQL tells every Gatehouse process when something it may keep in
//! memory changes (`domain::changes`): credentials and what they stand for
//! (sessions, API keys, OAuth applications and revoked tokens, users,
//! memberships, roles and their permissions, organizations, customer users,
//! their sessions and roles), and what list counts are made of. The API
//! servers listen on one channel and drop everything they keep at each
//! notification. This replaces the OAuth clients' own channel of migration
//! `m20261130_000005_oauth_client_changes`. SQLite has no notifications;
//! there the servers watch the file's data version instead, and this
//! migration does nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// The channel the API servers listen on (`domain::changes`).
pub const CHANNEL: &str = "gatehouse_changes";

/// Each watched table with the events that matter. Any change of a user
/// or customer user counts (a viewer keeps its user's record, its
/// last-login time included); of organizations and roles only what a
/// credential's standing depends on.
const WATCHED: [(&str, &str); 17] = [
    ("users", "INSERT OR UPDATE OR DELETE"),
    ("user_organizations", "INSERT OR UPDATE OR DELETE"),
    (
        "organizations",
        "UPDATE OF enabled, impersonation_enabled OR DELETE",
    ),
    ("user_roles", "INSERT OR UPDATE OR DELETE"),
    ("user_business_units", "INSERT OR UPDATE OR DELETE"),
    ("user_groups", "INSERT OR UPDATE OR DELETE"),
    ("roles", "UPDATE OF organization_id OR DELETE"),
    ("role_permissions", "INSERT OR UPDATE OR DELETE"),
    ("sessions", "UPDATE OR DELETE"),
    ("api_keys", "INSERT OR UPDATE OR DELETE"),
    ("oauth_applications", "INSERT OR UPDATE OR DELETE"),
    ("oauth_revoked_tokens", "INSERT"),
    ("customer_users", "INSERT OR UPDATE OR DELETE"),
    ("customer_sessions", "UPDATE OR DELETE"),
    ("customer_user_roles", "INSERT OR UPDATE OR DELETE"),
    ("customer_role_permissions", "INSERT OR UPDATE OR DELETE"),
    ("customer_roles", "DELETE"),
];

/// The tables of the OAuth clients' channel this migration replaces.
const OAUTH_SOURCES: [&str; 5] = [
    "oauth_applications",
    "user_organizations",
    "users",
    "customer_users",
    "organizations",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in OAUTH_SOURCES {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS {table}_oauth_clients_changed ON {table}"
            ))
            .await?;
        }
        db.execute_unprepared("DROP FUNCTION IF EXISTS gatehouse_oauth_clients_changed()")
            .await?;
        // One notification per statement, with an empty payload: PostgreSQL
        // folds equal notifications of a transaction into one, delivered
        // at commit.
        db.execute_unprepared(&format!(
            "CREATE FUNCTION gatehouse_changed() RETURNS trigger \
             LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
        ))
        .await?;
        for (table, events) in WATCHED {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_changed AFTER {events} ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_changed()"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (table, _) in WATCHED {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS {table}_changed ON {table}"
            ))
            .await?;
        }
        db.execute_unprepared("DROP FUNCTION IF EXISTS gatehouse_changed()")
            .await?;
        Ok(())
    }
}
