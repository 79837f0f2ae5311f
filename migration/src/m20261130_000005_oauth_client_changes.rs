//! PostgreSQL tells every Gatehouse process when something a token request
//! depends on changes: an application, or whether its owner may still sign
//! in (the owner's state, membership and organization). The API servers
//! listen on the channel and drop the client rows they keep in memory
//! (docs/OAUTH.md, "Client rows in memory"). SQLite has no notifications;
//! there the servers watch the file's data version instead, and this
//! migration does nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// The channel the API servers listen on (`domain::oauth::clients`).
const CHANNEL: &str = "gatehouse_oauth_clients";

/// The tables a client row is read from (`domain::oauth::clients` also
/// drops its rows when its own process writes to one of them).
const SOURCES: [&str; 5] = [
    "oauth_applications",
    "user_organizations",
    "users",
    "customer_users",
    "organizations",
];

/// The trigger's events on each of `SOURCES`: any change of applications
/// and memberships; of users, customer users and organizations only the
/// columns the token endpoint reads, and deletion.
const EVENTS: [&str; 5] = [
    "INSERT OR UPDATE OR DELETE",
    "INSERT OR UPDATE OR DELETE",
    "UPDATE OF enabled, auth_status OR DELETE",
    "UPDATE OF enabled, auth_status OR DELETE",
    "UPDATE OF enabled OR DELETE",
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
        // One notification per statement, with an empty payload: PostgreSQL
        // folds equal notifications of a transaction into one, delivered
        // at commit.
        db.execute_unprepared(&format!(
            "CREATE FUNCTION gatehouse_oauth_clients_changed() RETURNS trigger \
             LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
        ))
        .await?;
        for (table, events) in SOURCES.into_iter().zip(EVENTS) {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_oauth_clients_changed AFTER {events} ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_oauth_clients_changed()"
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
        for table in SOURCES {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS {table}_oauth_clients_changed ON {table}"
            ))
            .await?;
        }
        db.execute_unprepared("DROP FUNCTION IF EXISTS gatehouse_oauth_clients_changed()")
            .await?;
        Ok(())
    }
}
