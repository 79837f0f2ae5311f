//! A fresh database per test: a SQLite file in a temporary directory, or a
//! PostgreSQL database created for the test and dropped after it.

use domain::sea_orm::{ConnectionTrait, Database};

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestDatabase {
    url: String,
    name: String,
    backend: Backend,
    postgres_name: Option<String>,
    /// Files of the test: the SQLite database, exports, …
    dir: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let name = format!("gatehouse_test_{:016x}", rand_u64());
        let (url, postgres_name) = match backend {
            Backend::Sqlite => (
                format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("gatehouse.db").display()
                ),
                None,
            ),
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|error| {
                    panic!("PostgreSQL is required for the tests ({admin_url}): {error}; run tests/run to start it")
                });
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let _ = admin.close().await;
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(base, _)| base)
                    .unwrap_or(&admin_url);
                (format!("{base}/{name}"), Some(name.clone()))
            }
        };
        Self {
            url,
            name,
            backend,
            postgres_name,
            dir,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A name unique to this test (the PostgreSQL database's, the Redis namespace).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A directory of the test's own.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

fn rand_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}

/// Deletes the Redis keys of queue namespace `name` (the Redis tests'
/// queues are named after their database).
async fn forget_queues(name: &str) {
    let Ok(client) = redis::Client::open(crate::redis_url()) else {
        return;
    };
    let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{name}:*"))
        .query_async(&mut connection)
        .await
        .unwrap_or_default();
    for chunk in keys.chunks(500) {
        let _: Result<(), _> = redis::cmd("DEL")
            .arg(chunk)
            .query_async(&mut connection)
            .await;
    }
    for queue in ["jobs", "emails"] {
        let _: Result<(), _> = redis::cmd("ZREM")
            .arg("core:apalis:queues:list")
            .arg(format!("{name}:{queue}:workers"))
            .query_async(&mut connection)
            .await;
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        // Dropped from a thread of its own: Drop cannot await.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                forget_queues(&name).await;
                if let Ok(admin) = Database::connect(&postgres_admin_url()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}
