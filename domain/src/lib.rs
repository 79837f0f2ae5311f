//! The Gatehouse domain: services with the rules of back-office users and
//! everything around them, the errors they answer, and the configuration.
//! No GraphQL and no HTTP here: the `api` crate calls these services.

pub mod audit;
pub mod auth;
pub mod authority;
pub mod bootstrap;
pub mod business_units;
pub mod changes;
pub mod clock;
pub mod config;
pub mod customers;
pub mod db;
pub mod email;
pub mod error;
pub mod groups;
pub mod held;
pub mod jobs;
pub mod links;
pub mod oauth;
pub mod organizations;
pub mod pagination;
pub mod passwords;
pub mod permissions;
pub mod rate_limit;
pub mod resets;
pub mod roles;
pub mod signed;
pub mod tokens;
pub mod users;
pub mod validate;
pub mod viewer;

use std::sync::{Arc, OnceLock};

pub use entity;
pub use error::{Error, ErrorCode, Result};
pub use sea_orm;
pub use secrecy;
pub use viewer::{Actor, CustomerCredential, CustomerViewer, Principal, Viewer};

use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;

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
    queue: OnceLock<Arc<dyn jobs::queue::Queue>>,
    /// Held while delivery tasks are counted and pushed, so that this
    /// process never pushes past `jobs.max_queued_tasks`.
    email_room: tokio::sync::Mutex<()>,
    /// The OAuth keys, loaded by the API server at start; unset, OAuth is
    /// off (`OAUTH_KEYS_MISSING`).
    oauth_keys: OnceLock<oauth::keys::KeySet>,
    token_limits: oauth::TokenLimits,
    /// Signs that what is kept in memory may be out of date.
    changes: changes::Changes,
    oauth_clients: changes::Kept<String, oauth::clients::Client>,
    known_credentials: auth::known::KnownCredentials,
    /// List counts by what was counted (`count_kept`).
    counts: changes::Kept<String, u64>,
    /// Roles, organizations and business units by id, as pages of users
    /// show them (`users::relations`).
    references: users::relations::References,
    clock: clock::Clock,
    /// The claims and jobs this process holds, renewed while it lives.
    held: held::Held,
    /// Set when this process's workers are shutting down.
    stopping: std::sync::atomic::AtomicBool,
    /// The key of signed links, read (or made) once (`signed`).
    link_key: tokio::sync::OnceCell<signed::LinkKey>,
}

impl Gatehouse {
    /// Connects to the configured database and, when `auto_migrate` is on,
    /// applies pending migrations.
    pub async fn connect(settings: Settings) -> Result<Self> {
        let (db, stats) = db::connect(&settings.database).await?;
        if settings.database.auto_migrate {
            db::migrate(&db).await?;
        }
        let app = Self::new(db, stats, settings)?;
        app.prepare().await?;
        Ok(app)
    }

    /// Brings stored defaults up to date on every start: missing email
    /// templates are seeded, the link key is read (or made), and the
    /// bootstrap roles hold the permissions this version has. Fails clearly when the database lacks migrations.
    pub async fn prepare(&self) -> Result<()> {
        use migration::MigratorTrait;
        let pending = migration::Migrator::get_pending_migrations(self.db()).await?;
        if !pending.is_empty() {
            return Err(Error::internal(format!(
                "the database lacks {} migrations; run `gatehouse migrate` (or turn database.auto_migrate on)",
                pending.len()
            )));
        }
        self.emails().seed_templates().await?;
        customers::websites::seed_localizations(self.db()).await?;
        customers::roles::seed_predefined(self.db()).await?;
        self.link_key().await?;
        bootstrap::update_system_roles(self).await
    }

    pub fn new(db: DatabaseConnection, stats: Arc<DbStats>, settings: Settings) -> Result<Self> {
        let passwords = Passwords::new(settings.auth.hashing_niceness)?;
        let token_limits = oauth::TokenLimits::new(&settings.oauth);
        let oauth_clients =
            changes::Kept::new(oauth::clients::CAPACITY, changes::Follows::Everything);
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                stats,
                settings,
                passwords,
                queue: OnceLock::new(),
                email_room: tokio::sync::Mutex::new(()),
                oauth_keys: OnceLock::new(),
                token_limits,
                changes: changes::Changes::new(),
                oauth_clients,
                known_credentials: auth::known::new(),
                counts: changes::Kept::new(10_000, changes::Follows::AllButSignIns),
                references: users::relations::References::default(),
                held: held::Held::default(),
                clock: clock::Clock::default(),
                stopping: std::sync::atomic::AtomicBool::new(false),
                link_key: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// The time, as every service reads it (`clock`).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    /// The clock behind `now`; tests move it forward.
    pub fn clock(&self) -> &clock::Clock {
        &self.inner.clock
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

    /// Connects the job queue; done once, at start.
    pub fn set_queue(&self, queue: Arc<dyn jobs::queue::Queue>) -> Result<()> {
        self.inner
            .queue
            .set(queue)
            .map_err(|_| Error::internal("the job queue is set already"))
    }

    /// The job queue; an error when none was connected.
    pub fn queue(&self) -> Result<&dyn jobs::queue::Queue> {
        self.inner
            .queue
            .get()
            .map(|q| q.as_ref())
            .ok_or_else(|| Error::internal("no job queue is connected"))
    }

    /// The OAuth signing and hashing keys; `OAUTH_KEYS_MISSING` when they
    /// were not configured.
    pub fn oauth_keys(&self) -> Result<&oauth::keys::KeySet> {
        self.inner.oauth_keys.get().ok_or(Error::OauthKeysMissing)
    }

    /// Loads the OAuth keys, generating them first when the settings say
    /// so (the embedded default); without them OAuth stays off, which is
    /// logged with the message clients get. The API server does this once
    /// at start; workers and the other commands never sign.
    pub fn load_oauth_keys(&self) {
        let settings = self.settings();
        let keys = match oauth::keys::ensure(settings) {
            Ok((keys, ensured)) => {
                if ensured == oauth::keys::Ensured::Generated {
                    tracing::info!(
                        private_key = %settings.oauth.private_key_path.display(),
                        public_key = %settings.oauth.public_key_path.display(),
                        kid = keys.kid(),
                        "generated OAuth signing keys"
                    );
                }
                keys
            }
            Err(error) => {
                tracing::warn!(reason = %error, "{}", error::OAUTH_KEYS_MISSING);
                return;
            }
        };
        let _ = self.inner.oauth_keys.set(keys);
    }

    /// The key that signs links sent by email (`signed`): read from the
    /// settings or the database the first time, then kept.
    pub async fn link_key(&self) -> Result<&signed::LinkKey> {
        self.inner
            .link_key
            .get_or_try_init(|| signed::load(self))
            .await
    }

    /// The OAuth client rows kept in memory for the token endpoint.
    pub(crate) fn oauth_clients(&self) -> &changes::Kept<String, oauth::clients::Client> {
        &self.inner.oauth_clients
    }

    /// The credentials this server checked lately (`auth::known`).
    pub(crate) fn known_credentials(&self) -> &auth::known::KnownCredentials {
        &self.inner.known_credentials
    }

    /// How many rows a list matches: from memory when this server counted
    /// the same lately and nothing changed since (`changes`), else
    /// `count`. `what` names the list, its scope and its filter.
    pub(crate) async fn count_kept(
        &self,
        what: String,
        count: impl AsyncFnOnce() -> Result<u64>,
    ) -> Result<u64> {
        let (kept, changes) = (&self.inner.counts, self.changes());
        match kept.get(changes, &what) {
            changes::Lookup::Hit(counted) => Ok(*counted),
            changes::Lookup::Miss(ticket) => {
                let counted = count().await?;
                kept.keep(changes, ticket, what, counted);
                Ok(counted)
            }
        }
    }

    pub(crate) fn references(&self) -> &users::relations::References {
        &self.inner.references
    }

    /// What tells this process that rows kept in memory may be out of date.
    pub(crate) fn changes(&self) -> &changes::Changes {
        &self.inner.changes
    }

    /// Watches for changes made by other processes, so that this one may
    /// keep in memory what requests read again (credentials, OAuth client
    /// rows, list counts); the API server runs this while it serves
    /// (`changes`).
    pub async fn watch_changes(&self) {
        let url = self.settings().database.url.expose_secret();
        self.changes().watch(self.db(), url).await;
    }

    /// Waits until every change committed so far, by any process, has
    /// reached this one's memory (`changes::Changes::settled`); false if it
    /// did not within `within`.
    pub async fn changes_settled(&self, within: std::time::Duration) -> bool {
        self.changes().settled(self.db(), within).await
    }

    /// Opens a write transaction (`db::write`: on SQLite it takes the write
    /// lock at once).
    pub async fn write(&self) -> Result<sea_orm::DatabaseTransaction> {
        db::write(self.db()).await
    }

    /// Commits a write transaction and tells what is kept in memory that
    /// it may be out of date. Every service commits through this (clippy
    /// refuses a bare `commit`).
    pub async fn commit(&self, txn: sea_orm::DatabaseTransaction) -> Result<()> {
        #[allow(clippy::disallowed_methods)]
        let committed = txn.commit().await;
        // Told even when the commit failed: whether it happened is unknown.
        self.changes().changed();
        Ok(committed?)
    }

    /// Commits a sign-in: a new session and the account's last-login time
    /// and failed-login count, nothing else of it (and expired sessions
    /// removed). What is kept of accounts goes; counts stay.
    pub async fn commit_sign_in(&self, txn: sea_orm::DatabaseTransaction) -> Result<()> {
        #[allow(clippy::disallowed_methods)]
        let committed = txn.commit().await;
        self.changes().signed_in();
        Ok(committed?)
    }

    /// Commits a write transaction that changes nothing kept in memory:
    /// rate-limit windows, audit entries alone, a new session, the outbox's
    /// and the jobs' own bookkeeping.
    pub async fn commit_quiet(&self, txn: sea_orm::DatabaseTransaction) -> Result<()> {
        #[allow(clippy::disallowed_methods)]
        let committed = txn.commit().await;
        Ok(committed?)
    }

    pub(crate) fn token_limits(&self) -> &oauth::TokenLimits {
        &self.inner.token_limits
    }

    /// What this process holds while it works, renewed every heartbeat.
    pub(crate) fn held(&self) -> &held::Held {
        &self.inner.held
    }

    /// Taken around counting the queue's room for delivery tasks and
    /// filling it (`jobs::runner`).
    pub(crate) fn email_room(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.email_room
    }

    /// Tells running jobs of this process to stop at their next checkpoint
    /// (shutdown); other workers resume them.
    pub fn stop_work(&self) {
        self.inner
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_stopping(&self) -> bool {
        self.inner
            .stopping
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn jobs(&self) -> jobs::JobService<'_> {
        jobs::JobService { app: self }
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

    pub fn emails(&self) -> email::EmailService<'_> {
        email::EmailService { app: self }
    }

    pub fn resets(&self) -> resets::ResetService<'_> {
        resets::ResetService { app: self }
    }

    pub fn customers(&self) -> customers::CustomerService<'_> {
        customers::CustomerService { app: self }
    }

    pub fn customer_users(&self) -> customers::users::CustomerUserService<'_> {
        customers::users::CustomerUserService { app: self }
    }

    pub fn customer_roles(&self) -> customers::roles::CustomerRoleService<'_> {
        customers::roles::CustomerRoleService { app: self }
    }

    pub fn websites(&self) -> customers::websites::WebsiteService<'_> {
        customers::websites::WebsiteService { app: self }
    }

    pub fn consents(&self) -> customers::consents::ConsentService<'_> {
        customers::consents::ConsentService { app: self }
    }

    pub fn customer_links(&self) -> customers::links::CustomerLinkService<'_> {
        customers::links::CustomerLinkService { app: self }
    }

    pub fn storefront(&self) -> customers::auth::StorefrontAuthService<'_> {
        customers::auth::StorefrontAuthService { app: self }
    }

    pub fn audit(&self) -> audit::AuditService<'_> {
        audit::AuditService { app: self }
    }

    pub fn oauth_applications(&self) -> oauth::applications::ApplicationService<'_> {
        oauth::applications::ApplicationService { app: self }
    }

    pub fn oauth_tokens(&self) -> oauth::grant::TokenService<'_> {
        oauth::grant::TokenService { app: self }
    }
}
