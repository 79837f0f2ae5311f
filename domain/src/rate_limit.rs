//! Rate limits: hits per key in fixed windows, counted in the database so
//! every API server shares them.

use chrono::Duration;
use entity::rate_limit;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::Gatehouse;
use crate::error::Result;

/// Counts a hit on `key`; answers whether it is within `limit` per `window`.
pub async fn hit(app: &Gatehouse, key: &str, limit: u32, window: Duration) -> Result<bool> {
    let db = app.db();
    let now = app.now();
    let cutoff = now - window;
    let txn = crate::db::write(db).await?;
    rate_limit::Entity::insert(rate_limit::ActiveModel {
        key: Set(key.to_owned()),
        window_start: Set(now),
        hits: Set(0),
    })
    .on_conflict(
        OnConflict::column(rate_limit::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let expired = Expr::col(rate_limit::Column::WindowStart).lt(cutoff);
    rate_limit::Entity::update_many()
        .col_expr(
            rate_limit::Column::Hits,
            Expr::case(expired.clone(), 1)
                .finally(Expr::col(rate_limit::Column::Hits).add(1))
                .into(),
        )
        .col_expr(
            rate_limit::Column::WindowStart,
            Expr::case(expired, now)
                .finally(Expr::col(rate_limit::Column::WindowStart))
                .into(),
        )
        .filter(rate_limit::Column::Key.eq(key))
        .exec(&txn)
        .await?;
    let hits: Option<i32> = rate_limit::Entity::find_by_id(key.to_owned())
        .select_only()
        .column(rate_limit::Column::Hits)
        .into_tuple()
        .one(&txn)
        .await?;
    app.commit_quiet(txn).await?;
    Ok(hits.unwrap_or(0) as i64 <= i64::from(limit))
}

/// Forgets windows that ended long ago.
pub async fn prune(app: &Gatehouse) -> Result<()> {
    rate_limit::Entity::delete_many()
        .filter(rate_limit::Column::WindowStart.lt(app.now() - Duration::days(1)))
        .exec(app.db())
        .await?;
    Ok(())
}

/// `RATE_LIMITED` when `source_ip` has made more than
/// `auth.login_attempts_per_ip_per_minute` attempts of `kind` (logins,
/// storefront logins, registrations) this minute.
pub async fn attempts_per_ip(app: &Gatehouse, kind: &str, source_ip: Option<&str>) -> Result<()> {
    let Some(ip) = source_ip else {
        return Ok(());
    };
    let limit = app.settings().auth.login_attempts_per_ip_per_minute;
    if hit(app, &format!("{kind}:ip:{ip}"), limit, Duration::minutes(1)).await? {
        Ok(())
    } else {
        Err(crate::error::Error::RateLimited)
    }
}
