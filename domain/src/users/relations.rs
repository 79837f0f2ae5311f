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

/// A row of a table linking users to something.
trait UserLink {
    fn user_id(&self) -> i64;
}

macro_rules! user_link {
    ($($module:ident),*) => {
        $(impl UserLink for entity::$module::Model {
            fn user_id(&self) -> i64 {
                self.user_id
            }
        })*
    };
}

user_link!(user_role, user_organization, user_business_unit, user_group);

impl UserService<'_> {
    /// The `T`s linked to each of `user_ids` through the link table `L`,
    /// ordered by id.
    async fn linked<L, T>(
        &self,
        user_column: L::Column,
        user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<T::Model>>>
    where
        L: EntityTrait + Related<T>,
        T: EntityTrait,
        L::Model: UserLink,
        T::Model: HasId,
    {
        let rows = L::find()
            .find_also_related(T::default())
            .filter(user_column.is_in(user_ids.iter().copied()))
            .all(self.app.db())
            .await?;
        let mut map: HashMap<i64, Vec<T::Model>> = HashMap::new();
        for (link, target) in rows {
            if let Some(target) = target {
                map.entry(link.user_id()).or_default().push(target);
            }
        }
        for targets in map.values_mut() {
            targets.sort_by_key(HasId::id);
        }
        Ok(map)
    }

    pub async fn roles_of(&self, user_ids: &[i64]) -> Result<HashMap<i64, Vec<role::Model>>> {
        self.linked::<user_role::Entity, role::Entity>(user_role::Column::UserId, user_ids)
            .await
    }

    pub async fn organizations_of(
        &self,
        user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<organization::Model>>> {
        self.linked::<user_organization::Entity, organization::Entity>(
            user_organization::Column::UserId,
            user_ids,
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
        )
        .await
    }

    pub async fn groups_of(&self, user_ids: &[i64]) -> Result<HashMap<i64, Vec<group::Model>>> {
        self.linked::<user_group::Entity, group::Entity>(user_group::Column::UserId, user_ids)
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
