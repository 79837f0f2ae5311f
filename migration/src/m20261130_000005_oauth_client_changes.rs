//! PostgreSQL tells every Gatehouse process when something a token request
//! depends on changes: an application, or whether its owner may still sign
//! in (the owner's state, membership and organization). The API servers
//! listen on the channel and drop the client rows they keep in memory
//! (docs/OAUTH.md, "Client rows in memory"). SQLite has no notifications;
//! there the servers watch the file's data version instead, and this
//! migration does nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// The channel, as the API server listens on it
/// (`domain::oauth::clients::CHANNEL`).
const CHANNEL: &str = "gatehouse_oauth_clients";

/// Each table with the trigger's events: any change of applications and
/// memberships; of users, customer users and organizations only the
/// columns the token endpoint reads, and deletion.
const WATCHED: [(&str, &str); 5] = [
    ("oauth_applications", "INSERT OR UPDATE OR DELETE"),
    ("user_organizations", "INSERT OR UPDATE OR DELETE"),
    ("users", "UPDATE OF enabled, auth_status OR DELETE"),
    ("customer_users", "UPDATE OF enabled, auth_status OR DELETE"),
    ("organizations", "UPDATE OF enabled OR DELETE"),
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
        for (table, events) in WATCHED {
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
        for (table, _) in WATCHED {
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
