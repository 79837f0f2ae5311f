//! The Gatehouse domain: services with the rules of back-office users and
//! everything around them, the errors they answer, and the configuration.
//! No GraphQL and no HTTP here: the `api` crate calls these services.

pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod business_units;
pub mod config;
pub mod db;
pub mod error;
pub mod groups;
pub mod organizations;
pub mod pagination;
pub mod passwords;
pub mod permissions;
pub mod roles;
pub mod tokens;
pub mod users;
pub mod validate;
pub mod viewer;

use std::sync::Arc;

pub use entity;
pub use error::{Error, ErrorCode, Result};
pub use sea_orm;
pub use secrecy;
pub use viewer::{Actor, Viewer};

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::db::DbStats;
use crate::passwords::Passwords;

/// Handle on the domain services: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Gatehouse {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    stats: Arc<DbStats>,
    settings: Settings,
    passwords: Passwords,
}

impl Gatehouse {
    /// Connects to the configured database and, when `auto_migrate` is on,
    /// applies pending migrations.
    pub async fn connect(settings: Settings) -> Result<Self> {
        let (db, stats) = db::connect(&settings.database).await?;
        if settings.database.auto_migrate {
            db::migrate(&db).await?;
        }
        Self::new(db, stats, settings)
    }

    pub fn new(db: DatabaseConnection, stats: Arc<DbStats>, settings: Settings) -> Result<Self> {
        let passwords = Passwords::new()?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                stats,
                settings,
                passwords,
            }),
        })
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    pub fn db_stats(&self) -> &DbStats {
        &self.inner.stats
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn passwords(&self) -> &Passwords {
        &self.inner.passwords
    }

    pub fn auth(&self) -> auth::AuthService<'_> {
        auth::AuthService { app: self }
    }

    pub fn users(&self) -> users::UserService<'_> {
        users::UserService { app: self }
    }

    pub fn organizations(&self) -> organizations::OrganizationService<'_> {
        organizations::OrganizationService { app: self }
    }

    pub fn business_units(&self) -> business_units::BusinessUnitService<'_> {
        business_units::BusinessUnitService { app: self }
    }

    pub fn roles(&self) -> roles::RoleService<'_> {
        roles::RoleService { app: self }
    }

    pub fn groups(&self) -> groups::GroupService<'_> {
        groups::GroupService { app: self }
    }

    pub fn audit(&self) -> audit::AuditService<'_> {
        audit::AuditService { app: self }
    }
}
