//! What users are linked to, loaded for many users in one statement each
//! (the API's DataLoaders call these).

use std::collections::HashMap;

use entity::{
    business_unit, group, organization, role, user_business_unit, user_email, user_group,
    user_organization, user_role,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Related};

use super::UserService;
use crate::error::Result;
use crate::pagination::HasId;

impl UserService<'_> {
    /// The `T`s linked to each of `user_ids` through the link table `L`.
    async fn linked<L, T>(
        &self,
        user_column: L::Column,
        user_ids: &[i64],
        user_of: impl Fn(&L::Model) -> i64,
    ) -> Result<HashMap<i64, Vec<T::Model>>>
    where
        L: EntityTrait + Related<T>,
        T: EntityTrait,
        T::Model: HasId,
    {
        crate::links::linked::<L, T>(self.app.db(), user_column, user_ids, user_of).await
    }

    pub async fn roles_of(&self, user_ids: &[i64]) -> Result<HashMap<i64, Vec<role::Model>>> {
        self.linked::<user_role::Entity, role::Entity>(user_role::Column::UserId, user_ids, |l| {
            l.user_id
        })
        .await
    }

    pub async fn organizations_of(
        &self,
        user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<organization::Model>>> {
        self.linked::<user_organization::Entity, organization::Entity>(
            user_organization::Column::UserId,
            user_ids,
            |l| l.user_id,
        )
        .await
    }

    pub async fn business_units_of(
        &self,
        user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<business_unit::Model>>> {
        self.linked::<user_business_unit::Entity, business_unit::Entity>(
            user_business_unit::Column::UserId,
            user_ids,
            |l| l.user_id,
        )
        .await
    }

    pub async fn groups_of(&self, user_ids: &[i64]) -> Result<HashMap<i64, Vec<group::Model>>> {
        self.linked::<user_group::Entity, group::Entity>(
            user_group::Column::UserId,
            user_ids,
            |l| l.user_id,
        )
        .await
    }

    pub async fn additional_emails_of(
        &self,
        user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<String>>> {
        let rows = user_email::Entity::find()
            .filter(user_email::Column::UserId.is_in(user_ids.iter().copied()))
            .order_by_asc(user_email::Column::Id)
            .all(self.app.db())
            .await?;
        let mut map: HashMap<i64, Vec<String>> = HashMap::new();
        for row in rows {
            map.entry(row.user_id).or_default().push(row.email);
        }
        Ok(map)
    }
}
