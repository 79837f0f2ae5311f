//! What users are linked to, loaded for many users in one statement each
//! (the API's DataLoaders call these), and for a page of users at once
//! (`links_of`): the links of every relation the page shows in one
//! statement, and the roles, organizations and business units they point
//! to from memory (`References`), which keeps them until anything changes.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use entity::{
    business_unit, group, organization, role, user_business_unit, user_email, user_group,
    user_organization, user_role,
};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Related};

use super::UserService;
use crate::changes::{Follows, Kept, Lookup};
use crate::error::Result;
use crate::pagination::HasId;

/// Which of their links a page of users shows.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub roles: bool,
    pub organizations: bool,
    pub business_units: bool,
}

/// What each user of a page is linked to, by user id, each list ordered by
/// id; a relation the page does not show is empty.
#[derive(Debug, Default)]
pub struct Links {
    pub roles: HashMap<i64, Vec<role::Model>>,
    pub organizations: HashMap<i64, Vec<organization::Model>>,
    pub business_units: HashMap<i64, Vec<business_unit::Model>>,
}

/// How many rows of each kind are kept; past that the memory of the kind
/// starts again empty.
const REFERENCES: usize = 10_000;

/// Roles, organizations and business units by id, kept in memory until any
/// sign of change (`changes`): a page of users names the same few again
/// and again.
pub(crate) struct References {
    roles: Kept<i64, role::Model>,
    organizations: Kept<i64, organization::Model>,
    business_units: Kept<i64, business_unit::Model>,
}

impl Default for References {
    fn default() -> Self {
        Self {
            roles: Kept::new(REFERENCES, Follows::AllButSignIns),
            organizations: Kept::new(REFERENCES, Follows::AllButSignIns),
            business_units: Kept::new(REFERENCES, Follows::AllButSignIns),
        }
    }
}

/// A link of a user: which relation (`0` roles, `1` organizations, `2`
/// business units), the user, and the row linked to.
#[derive(Debug, FromQueryResult)]
struct LinkRow {
    relation: i32,
    user_id: i64,
    target: i64,
}

/// The links of `user_ids` in the link table `L`: (relation, user, target).
fn links_in<L: EntityTrait>(
    relation: i32,
    user: L::Column,
    target: L::Column,
    user_ids: &[i64],
) -> SelectStatement {
    Query::select()
        .expr_as(Expr::val(relation), Alias::new("relation"))
        .expr_as(Expr::col(user), Alias::new("user_id"))
        .expr_as(Expr::col(target), Alias::new("target"))
        .from(L::default())
        .and_where(user.is_in(user_ids.iter().copied()))
        .to_owned()
}

impl UserService<'_> {
    /// What each of `user_ids` is linked to, for the relations `shown`
    /// names: one statement for the links, and the rows they point to from
    /// memory (one statement per kind for the rows not kept yet).
    pub async fn links_of(&self, user_ids: &[i64], shown: Shown) -> Result<Links> {
        let mut parts = Vec::new();
        if shown.roles {
            parts.push(links_in::<user_role::Entity>(
                0,
                user_role::Column::UserId,
                user_role::Column::RoleId,
                user_ids,
            ));
        }
        if shown.organizations {
            parts.push(links_in::<user_organization::Entity>(
                1,
                user_organization::Column::UserId,
                user_organization::Column::OrganizationId,
                user_ids,
            ));
        }
        if shown.business_units {
            parts.push(links_in::<user_business_unit::Entity>(
                2,
                user_business_unit::Column::UserId,
                user_business_unit::Column::BusinessUnitId,
                user_ids,
            ));
        }
        let mut parts = parts.into_iter();
        let Some(mut query) = parts.next() else {
            return Ok(Links::default());
        };
        for part in parts {
            query.union(UnionType::All, part);
        }
        let db = self.app.db();
        let rows = LinkRow::find_by_statement(db.get_database_backend().build(&query))
            .all(db)
            .await?;
        let mut targets: [BTreeSet<i64>; 3] = Default::default();
        for row in &rows {
            if let Some(set) = usize::try_from(row.relation)
                .ok()
                .and_then(|i| targets.get_mut(i))
            {
                set.insert(row.target);
            }
        }
        let [role_ids, organization_ids, unit_ids] = targets;
        let references = self.app.references();
        let roles = self
            .referenced::<role::Entity>(&references.roles, role_ids, role::Column::Id)
            .await?;
        let organizations = self
            .referenced::<organization::Entity>(
                &references.organizations,
                organization_ids,
                organization::Column::Id,
            )
            .await?;
        let units = self
            .referenced::<business_unit::Entity>(
                &references.business_units,
                unit_ids,
                business_unit::Column::Id,
            )
            .await?;
        let mut links = Links::default();
        for row in rows {
            match row.relation {
                0 => gather(&mut links.roles, &roles, row),
                1 => gather(&mut links.organizations, &organizations, row),
                _ => gather(&mut links.business_units, &units, row),
            }
        }
        for list in links.roles.values_mut() {
            list.sort_by_key(HasId::id);
        }
        for list in links.organizations.values_mut() {
            list.sort_by_key(HasId::id);
        }
        for list in links.business_units.values_mut() {
            list.sort_by_key(HasId::id);
        }
        Ok(links)
    }

    /// The rows of `E` with `ids`: those kept from `kept`, the rest read in
    /// one statement and kept unless something changed meanwhile.
    async fn referenced<E>(
        &self,
        kept: &Kept<i64, E::Model>,
        ids: BTreeSet<i64>,
        id_column: E::Column,
    ) -> Result<HashMap<i64, Arc<E::Model>>>
    where
        E: EntityTrait,
        E::Model: HasId,
    {
        let changes = self.app.changes();
        let mut found = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        let mut ticket = None;
        for id in ids {
            match kept.get(changes, &id) {
                Lookup::Hit(row) => {
                    found.insert(id, row);
                }
                Lookup::Miss(miss) => {
                    ticket.get_or_insert(miss);
                    missing.push(id);
                }
            }
        }
        if let Some(ticket) = ticket {
            let rows = E::find()
                .filter(id_column.is_in(missing))
                .all(self.app.db())
                .await?;
            for row in rows {
                let id = row.id();
                found.insert(id, kept.keep(changes, ticket, id, row));
            }
        }
        Ok(found)
    }

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

/// Adds the row `link` points to, when it exists, to its user's list.
fn gather<M: Clone>(lists: &mut HashMap<i64, Vec<M>>, rows: &HashMap<i64, Arc<M>>, link: LinkRow) {
    if let Some(row) = rows.get(&link.target) {
        lists.entry(link.user_id).or_default().push(M::clone(row));
    }
}
