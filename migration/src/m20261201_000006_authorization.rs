//! Authorization without holes: organizations may switch impersonation off,
//! audit entries name the OAuth client a request came with, and email
//! templates belong to an organization (its own copies override the system
//! defaults, which have no organization).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("organizations")
                    .add_column(boolean("impersonation_enabled").default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("audit_log")
                    .add_column(string_len_null("actor_client_id", 64))
                    .to_owned(),
            )
            .await?;
        // Both databases take a REFERENCES clause on a new column whose
        // default is NULL, which sea-query's SQLite backend cannot write.
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE email_templates ADD COLUMN organization_id BIGINT NULL \
             REFERENCES organizations (id) ON DELETE CASCADE",
        )
        .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_email_templates_name")
                    .table("email_templates")
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_email_templates_default ON email_templates (name) \
             WHERE organization_id IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_email_templates_organization \
             ON email_templates (organization_id, name) WHERE organization_id IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM email_templates WHERE organization_id IS NOT NULL")
            .await?;
        db.execute_unprepared("DROP INDEX ux_email_templates_organization")
            .await?;
        db.execute_unprepared("DROP INDEX ux_email_templates_default")
            .await?;
        db.execute_unprepared("ALTER TABLE email_templates DROP COLUMN organization_id")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_email_templates_name ON email_templates (name)",
        )
        .await?;
        for (table, column) in [
            ("audit_log", "actor_client_id"),
            ("organizations", "impersonation_enabled"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
