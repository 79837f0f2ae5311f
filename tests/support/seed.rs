//! Many users at once, for the tests that need volume: the benchmarks'
//! own seeding script (`bench/seed_users.sql`), PostgreSQL only.

use domain::sea_orm::ConnectionTrait;

use crate::{Backend, TestApp};

const SCRIPT: &str = include_str!("../../bench/seed_users.sql");

impl TestApp {
    /// Adds `count` users named `<prefix>00000001`… (emails
    /// `<prefix>00000001@seed.example`) with the Read-only role.
    pub async fn seed_users(&self, prefix: &str, count: u64) {
        assert_eq!(
            self.backend,
            Backend::Postgres,
            "seeding runs on PostgreSQL"
        );
        let script = SCRIPT
            .replace(":'prefix'", &format!("'{prefix}'"))
            .replace(":count", &count.to_string());
        for statement in script.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let statement: String = statement
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n");
            if statement.trim().is_empty() {
                continue;
            }
            self.app
                .db()
                .execute_unprepared(&statement)
                .await
                .unwrap_or_else(|e| panic!("seeding: {e}\n{statement}"));
        }
    }
}
