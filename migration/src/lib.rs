//! Database migrations of Gatehouse. The same migrations run on SQLite (the
//! embedded default) and PostgreSQL; each one only uses what both support, and
//! foreign keys are declared inline because SQLite cannot add them later.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261124_000002_jobs_and_email;
mod m20261125_000003_customers;
mod m20261126_000004_oauth;
mod m20261130_000005_oauth_client_changes;
mod m20261201_000006_authorization;
mod m20261202_000007_changes;
mod m20261202_000008_page_indexes;
mod m20261202_000009_sign_ins;
mod m20261202_000010_references;
mod m20261203_000011_server_keys;
mod util;

pub use m20261202_000007_changes::CHANNEL as CHANGES_CHANNEL;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261124_000002_jobs_and_email::Migration),
            Box::new(m20261125_000003_customers::Migration),
            Box::new(m20261126_000004_oauth::Migration),
            Box::new(m20261130_000005_oauth_client_changes::Migration),
            Box::new(m20261201_000006_authorization::Migration),
            Box::new(m20261202_000007_changes::Migration),
            Box::new(m20261202_000008_page_indexes::Migration),
            Box::new(m20261202_000009_sign_ins::Migration),
            Box::new(m20261202_000010_references::Migration),
            Box::new(m20261203_000011_server_keys::Migration),
        ]
    }
}
