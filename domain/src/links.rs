//! Loading what many records are linked to through a link table, in one
//! statement (the API's DataLoaders call services built on this).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Related};

use crate::error::Result;
use crate::pagination::HasId;

/// The `T`s linked to each of `owner_ids` through the link table `L`, whose
/// `owner_column` holds the owner; `owner` reads it back from a row. Each
/// list is ordered by id.
pub async fn linked<L, T>(
    db: &impl ConnectionTrait,
    owner_column: L::Column,
    owner_ids: &[i64],
    owner: impl Fn(&L::Model) -> i64,
) -> Result<HashMap<i64, Vec<T::Model>>>
where
    L: EntityTrait + Related<T>,
    T: EntityTrait,
    T::Model: HasId,
{
    let rows = L::find()
        .find_also_related(T::default())
        .filter(owner_column.is_in(owner_ids.iter().copied()))
        .all(db)
        .await?;
    let mut map: HashMap<i64, Vec<T::Model>> = HashMap::new();
    for (link, target) in rows {
        if let Some(target) = target {
            map.entry(owner(&link)).or_default().push(target);
        }
    }
    for targets in map.values_mut() {
        targets.sort_by_key(HasId::id);
    }
    Ok(map)
}
