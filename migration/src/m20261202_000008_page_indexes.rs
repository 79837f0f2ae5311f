//! Indexes for the pages of a list ordered by a column that may be null
//! (`domain::pagination`): such a list puts rows without a value last in
//! both directions, so descending it is `DESC NULLS LAST`, which an index
//! in ascending order (nulls last) cannot serve backwards. PostgreSQL gets
//! a second index in that order; SQLite's indexes take no `NULLS` clause
//! and it sorts. Customer users also get the ascending index on their last
//! login, within the organization, like their other orderings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Name, table and columns of each descending index (PostgreSQL only).
const DESCENDING: [(&str, &str, &str); 3] = [
    (
        "ix_users_last_name_desc",
        "users",
        "last_name DESC NULLS LAST, id DESC",
    ),
    (
        "ix_users_last_login_at_desc",
        "users",
        "last_login_at DESC NULLS LAST, id DESC",
    ),
    (
        "ix_customer_users_last_login_at_desc",
        "customer_users",
        "organization_id, last_login_at DESC NULLS LAST, id DESC",
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_customer_users_last_login_at \
             ON customer_users (organization_id, last_login_at, id)",
        )
        .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            for (name, table, columns) in DESCENDING {
                db.execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({columns})"))
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            for (name, _, _) in DESCENDING {
                db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                    .await?;
            }
        }
        db.execute_unprepared("DROP INDEX IF EXISTS ix_customer_users_last_login_at")
            .await?;
        Ok(())
    }
}
