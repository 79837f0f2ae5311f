//! Sign-ins are told apart from other changes (`domain::changes`): an
//! update of users or customer users that changes nothing but the last-login
//! time and the failed-login count notifies `sign-in`, which drops what
//! the API servers keep of accounts but not their list counts, so a login
//! flood does not make every grid request count again. Sessions notify only
//! when rows were updated or deleted: a login's clean-up of expired
//! sessions usually removes none. Statement triggers with transition tables
//! (one event each, as PostgreSQL requires). SQLite: nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261202_000007_changes::CHANNEL;

/// Tables of accounts, whose updates may be sign-ins.
const ACCOUNTS: [&str; 2] = ["users", "customer_users"];

/// Tables of sessions, which notify only when rows changed.
const SESSIONS: [&str; 2] = ["sessions", "customer_sessions"];

/// The columns a sign-in writes.
const SIGN_IN_COLUMNS: &str = "'{last_login_at,failed_login_count}'::text[]";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE FUNCTION gatehouse_account_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id \
                          WHERE to_jsonb(o) - {SIGN_IN_COLUMNS} IS DISTINCT FROM to_jsonb(n) - {SIGN_IN_COLUMNS}) THEN \
                 PERFORM pg_notify('{CHANNEL}', ''); \
               ELSIF EXISTS (SELECT 1 FROM new_rows) THEN \
                 PERFORM pg_notify('{CHANNEL}', 'sign-in'); \
               END IF; \
               RETURN NULL; \
             END $$"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE FUNCTION gatehouse_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF EXISTS (SELECT 1 FROM changed_rows) THEN PERFORM pg_notify('{CHANNEL}', ''); END IF; \
               RETURN NULL; \
             END $$"
        ))
        .await?;
        for table in ACCOUNTS {
            db.execute_unprepared(&format!(
                "DROP TRIGGER {table}_changed ON {table}; \
                 CREATE TRIGGER {table}_changed AFTER INSERT OR DELETE ON {table} \
                   FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_changed(); \
                 CREATE TRIGGER {table}_updated AFTER UPDATE ON {table} \
                   REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows \
                   FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_account_updated()"
            ))
            .await?;
        }
        for table in SESSIONS {
            db.execute_unprepared(&format!(
                "DROP TRIGGER {table}_changed ON {table}; \
                 CREATE TRIGGER {table}_updated AFTER UPDATE ON {table} \
                   REFERENCING NEW TABLE AS changed_rows \
                   FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_rows_changed(); \
                 CREATE TRIGGER {table}_deleted AFTER DELETE ON {table} \
                   REFERENCING OLD TABLE AS changed_rows \
                   FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_rows_changed()"
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
        for table in ACCOUNTS {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS {table}_updated ON {table}; \
                 DROP TRIGGER IF EXISTS {table}_changed ON {table}; \
                 CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} \
                   FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_changed()"
            ))
            .await?;
        }
        for table in SESSIONS {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS {table}_updated ON {table}; \
                 DROP TRIGGER IF EXISTS {table}_deleted ON {table}; \
                 CREATE TRIGGER {table}_changed AFTER UPDATE OR DELETE ON {table} \
                   FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_changed()"
            ))
            .await?;
        }
        db.execute_unprepared(
            "DROP FUNCTION IF EXISTS gatehouse_account_updated(); \
             DROP FUNCTION IF EXISTS gatehouse_rows_changed()",
        )
        .await?;
        Ok(())
    }
}
