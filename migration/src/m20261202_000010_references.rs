//! Pages of users show the names of their roles, organizations and business
//! units from what the API servers keep in memory (`domain::users::relations`),
//! so every change to those rows now notifies, not only the columns a
//! credential's standing depends on (migration `m20261202_000007_changes`).
//! SQLite: nothing (the servers watch the file's data version).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Each table with the events that notified before this migration
/// (`None`: it did not notify).
const REFERENCES: [(&str, Option<&str>); 3] = [
    (
        "organizations",
        Some("UPDATE OF enabled, impersonation_enabled OR DELETE"),
    ),
    ("roles", Some("UPDATE OF organization_id OR DELETE")),
    ("business_units", None),
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
        for (table, _) in REFERENCES {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS {table}_changed ON {table}; \
                 CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} \
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
        for (table, before) in REFERENCES {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS {table}_changed ON {table}"
            ))
            .await?;
            if let Some(events) = before {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_changed AFTER {events} ON {table} \
                     FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_changed()"
                ))
                .await?;
            }
        }
        Ok(())
    }
}
