//! Customer users: listing, reading and changing them. Back-office users
//! manage every customer user of their organization; a customer user whose
//! role grants account management manages those of its own customer. Both
//! go through the same rules here, with a `Manager` saying who acts.

pub mod export;
mod filter;
pub mod import;
mod input;
pub mod mass;
mod write;

pub use filter::{CustomerUserFilter, CustomerUserOrder, CustomerUserOrderField};
pub use input::{AddressInput, CustomerUserChanges, NewCustomerUser};
pub use mass::CustomerUserMassAction;
pub(crate) use write::end_sessions;

use std::collections::{HashMap, HashSet};

use entity::{
    customer_role, customer_user, customer_user_address, customer_user_role,
    customer_user_sales_representative, user,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Select};

use super::AccountPermission;
use crate::Gatehouse;
use crate::authority::{self, Changeable, CustomerAct};
use crate::error::{Error, Result};
use crate::pagination::{Page, PageRequest};
use crate::permissions::Permission;
use crate::viewer::{Actor, CustomerViewer, Viewer};

/// Who manages customer users: a back-office user, or a customer user
/// managing its own customer's users (account management).
#[derive(Clone, Copy)]
pub enum Manager<'a> {
    Staff(&'a Viewer),
    Account(&'a CustomerViewer),
}

impl Manager<'_> {
    pub fn organization_id(&self) -> i64 {
        match self {
            Manager::Staff(viewer) => viewer.organization_id,
            Manager::Account(viewer) => viewer.organization_id,
        }
    }

    /// The one customer an account manager is limited to.
    pub fn customer_id(&self) -> Option<i64> {
        match self {
            Manager::Staff(_) => None,
            Manager::Account(viewer) => Some(viewer.customer_id),
        }
    }

    pub fn actor(&self) -> Actor {
        match self {
            Manager::Staff(viewer) => viewer.actor(),
            Manager::Account(viewer) => viewer.actor(),
        }
    }

    /// `FORBIDDEN` unless the manager may do what `staff` (back office) or
    /// account management (storefront) allows.
    pub fn require(&self, staff: Permission) -> Result<()> {
        match self {
            Manager::Staff(viewer) => viewer.require(staff),
            Manager::Account(viewer) => viewer.require(AccountPermission::UsersManage),
        }
    }

    /// The customer users the manager sees.
    pub(crate) fn scope(&self) -> Select<customer_user::Entity> {
        let select = customer_user::Entity::find()
            .filter(customer_user::Column::OrganizationId.eq(self.organization_id()));
        match self.customer_id() {
            Some(customer_id) => select.filter(customer_user::Column::CustomerId.eq(customer_id)),
            None => select,
        }
    }
}

pub struct CustomerUserService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl CustomerUserService<'_> {
    /// The customer user, if the manager may see it.
    pub async fn get(&self, by: Manager<'_>, id: i64) -> Result<Option<customer_user::Model>> {
        Ok(by
            .scope()
            .filter(customer_user::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    /// The customer user, or `NOT_FOUND` when it is out of the manager's scope.
    pub async fn visible(&self, by: Manager<'_>, id: i64) -> Result<customer_user::Model> {
        self.get(by, id)
            .await?
            .ok_or(Error::not_found("customer user"))
    }

    /// The customer user, when `by` may do `act` to it (`authority`): in
    /// scope, and for an account manager holding no storefront permission
    /// the manager lacks.
    pub async fn changeable(
        &self,
        by: Manager<'_>,
        id: i64,
        act: CustomerAct,
    ) -> Result<Changeable<customer_user::Model>> {
        let user = self.visible(by, id).await?;
        authority::customer_user(self.app, by, user, act).await
    }

    /// The signed-in customer user's own record.
    pub async fn me(&self, viewer: &CustomerViewer) -> Result<customer_user::Model> {
        customer_user::Entity::find_by_id(viewer.customer_user_id)
            .one(self.app.db())
            .await?
            .ok_or(Error::Unauthenticated)
    }

    pub async fn list(
        &self,
        by: Manager<'_>,
        filter: &CustomerUserFilter,
        order: &CustomerUserOrder,
        page: &PageRequest,
    ) -> Result<Page<customer_user::Model>> {
        let select = filter.apply(by.scope());
        order
            .keyset()
            .fetch(self.app.db(), select, page, |u| order.sort_value(u))
            .await
    }

    /// How many customer users match, over all pages; without a text
    /// search or a list of ids, from memory while nothing changed
    /// (`count_kept`).
    pub async fn count(&self, by: Manager<'_>, filter: &CustomerUserFilter) -> Result<u64> {
        let count = async || Ok(filter.apply(by.scope()).count(self.app.db()).await?);
        if filter.search.is_some() || filter.ids.is_some() || !filter.exclude_ids.is_empty() {
            return count().await;
        }
        let what = format!(
            "customer_users:{}:{}:{}",
            by.organization_id(),
            by.customer_id().unwrap_or(0),
            serde_json::to_string(filter).unwrap_or_default()
        );
        self.app.count_kept(what, count).await
    }

    /// Customer users by id, whatever their organization (DataLoaders).
    pub async fn by_ids(&self, ids: &[i64]) -> Result<Vec<customer_user::Model>> {
        Ok(customer_user::Entity::find()
            .filter(customer_user::Column::Id.is_in(ids.iter().copied()))
            .all(self.app.db())
            .await?)
    }

    pub async fn roles_of(
        &self,
        customer_user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<customer_role::Model>>> {
        crate::links::linked::<customer_user_role::Entity, customer_role::Entity>(
            self.app.db(),
            customer_user_role::Column::CustomerUserId,
            customer_user_ids,
            |l| l.customer_user_id,
        )
        .await
    }

    pub async fn sales_representatives_of(
        &self,
        customer_user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<user::Model>>> {
        crate::links::linked::<customer_user_sales_representative::Entity, user::Entity>(
            self.app.db(),
            customer_user_sales_representative::Column::CustomerUserId,
            customer_user_ids,
            |l| l.customer_user_id,
        )
        .await
    }

    pub async fn addresses_of(
        &self,
        customer_user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<customer_user_address::Model>>> {
        let rows = customer_user_address::Entity::find()
            .filter(customer_user_address::Column::CustomerUserId.is_in(customer_user_ids.to_vec()))
            .order_by_asc(customer_user_address::Column::Id)
            .all(self.app.db())
            .await?;
        let mut map: HashMap<i64, Vec<customer_user_address::Model>> = HashMap::new();
        for row in rows {
            map.entry(row.customer_user_id).or_default().push(row);
        }
        Ok(map)
    }

    /// The storefront permissions `customer_user_id` holds through its roles.
    pub async fn permissions_of(
        &self,
        customer_user_id: i64,
    ) -> Result<HashSet<AccountPermission>> {
        let role_ids: Vec<i64> = self
            .roles_of(&[customer_user_id])
            .await?
            .remove(&customer_user_id)
            .unwrap_or_default()
            .iter()
            .map(|r| r.id)
            .collect();
        Ok(super::roles::permissions_of_roles(self.app.db(), &role_ids)
            .await?
            .into_values()
            .flatten()
            .collect())
    }
}
