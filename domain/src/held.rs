//! What this process holds while it works: the outbox rows its deliveries
//! claimed and the jobs it runs. A worker renews them every heartbeat
//! (`renew`), so a claim ends when its holder dies, soon after its last
//! renewal, never while its holder lives (docs/JOBS.md, "Claims live as
//! long as their worker").

use std::collections::HashMap;
use std::sync::Mutex;

use entity::email::{self, EmailStatus};
use entity::job::{self, JobStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::Gatehouse;
use crate::error::Result;

/// Claims held now, with the ids of their rows (a claim id is unique to
/// one delivery), and jobs run now, with the number of runs (one, but a
/// message pushed twice may start a second that finds nothing to claim).
#[derive(Default)]
pub(crate) struct Held {
    claims: Mutex<HashMap<String, Vec<i64>>>,
    jobs: Mutex<HashMap<i64, usize>>,
}

/// Held until dropped: one delivery's claim or one run of a job.
pub(crate) enum Hold<'a> {
    Claim(&'a Held, String),
    Job(&'a Held, i64),
}

/// What is held now: the claims, the rows they hold, and the jobs.
#[derive(Debug, PartialEq, Eq)]
struct NowHeld {
    claims: Vec<String>,
    rows: Vec<i64>,
    jobs: Vec<i64>,
}

impl Held {
    /// Holds the rows `ids` that delivery `claim` took.
    pub(crate) fn claim(&self, claim: &str, ids: Vec<i64>) -> Hold<'_> {
        self.claims
            .lock()
            .expect("held")
            .insert(claim.to_owned(), ids);
        Hold::Claim(self, claim.to_owned())
    }

    pub(crate) fn job(&self, job_id: i64) -> Hold<'_> {
        *self.jobs.lock().expect("held").entry(job_id).or_insert(0) += 1;
        Hold::Job(self, job_id)
    }

    fn now_held(&self) -> NowHeld {
        let claims = self.claims.lock().expect("held");
        let mut rows: Vec<i64> = claims.values().flatten().copied().collect();
        rows.sort_unstable();
        NowHeld {
            claims: claims.keys().cloned().collect(),
            rows,
            jobs: self.jobs.lock().expect("held").keys().copied().collect(),
        }
    }
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        match self {
            Hold::Claim(held, claim) => {
                held.claims.lock().expect("held").remove(claim);
            }
            Hold::Job(held, job_id) => {
                let mut jobs = held.jobs.lock().expect("held");
                if let Some(runs) = jobs.get_mut(job_id) {
                    *runs -= 1;
                    if *runs == 0 {
                        jobs.remove(job_id);
                    }
                }
            }
        }
    }
}

/// Extends the claims this process holds by a lease from now and refreshes
/// the heartbeat of the jobs it runs: two statements at most, none when
/// nothing is held. Rows are found by id (the claim column has no index:
/// one would keep PostgreSQL from updating outbox rows in place).
pub async fn renew(app: &Gatehouse) -> Result<()> {
    let NowHeld { claims, rows, jobs } = app.held().now_held();
    let now = app.now();
    if !rows.is_empty() {
        email::Entity::update_many()
            .col_expr(
                email::Column::ClaimExpiresAt,
                Expr::value(now + app.settings().email.lease()),
            )
            .filter(email::Column::Id.is_in(rows))
            .filter(email::Column::ClaimedBy.is_in(claims))
            .filter(email::Column::Status.eq(EmailStatus::Pending))
            .exec(app.db())
            .await?;
    }
    if !jobs.is_empty() {
        job::Entity::update_many()
            .col_expr(job::Column::HeartbeatAt, Expr::value(now))
            .filter(job::Column::Id.is_in(jobs))
            .filter(job::Column::Status.eq(JobStatus::Running))
            .exec(app.db())
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_ends_when_dropped_and_not_before() {
        let held = Held::default();
        let first = held.claim("claim_a", vec![3, 1]);
        let job = held.job(7);
        {
            let _second = held.job(7);
            let _other = held.claim("claim_b", vec![2]);
            assert_eq!(held.now_held().rows, vec![1, 2, 3]);
        }
        let now = held.now_held();
        assert_eq!(
            (now.claims, now.rows, now.jobs),
            (vec!["claim_a".to_owned()], vec![1, 3], vec![7]),
            "one run of the job still holds it"
        );
        drop(job);
        drop(first);
        let none = NowHeld {
            claims: Vec::new(),
            rows: Vec::new(),
            jobs: Vec::new(),
        };
        assert_eq!(held.now_held(), none);
    }
}
