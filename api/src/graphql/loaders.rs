//! DataLoaders: what nested fields need, loaded for a whole page at once,
//! one statement per relation. A loader lives for one request.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use domain::customers::AccountPermission;
use domain::customers::consents::Accepted;
use domain::entity::{
    business_unit, customer, customer_role, customer_user, customer_user_address, group,
    localization, organization, role, user, website,
};
use domain::permissions::Permission;
use domain::{Error, Gatehouse};

/// Loads for one request.
pub struct Loaders {
    app: Gatehouse,
}

/// The per-request DataLoader: it caches, so a record loaded once (or
/// prefetched for a whole page) is not loaded again in the same request.
pub type RequestLoader = DataLoader<Loaders, HashMapCache>;

impl Loaders {
    pub fn data_loader(app: Gatehouse) -> RequestLoader {
        // Batches run in tasks of their own; their statements are the
        // request's.
        let spawn = |batch| tokio::spawn(domain::db::in_request(batch));
        DataLoader::with_cache(Loaders { app }, spawn, HashMapCache::default())
    }
}

/// Keys, one type per relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RolesOfUser(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrganizationsOfUser(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BusinessUnitsOfUser(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupsOfUser(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EmailsOfUser(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PermissionsOfRole(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BusinessUnitById(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrganizationById(pub i64);

type Loaded<K, V> = Result<HashMap<K, V>, Arc<Error>>;

/// The values found for `keys`; keys without one are left out.
fn keyed<K: Copy + Eq + std::hash::Hash, V>(
    keys: &[K],
    key: impl Fn(K) -> i64,
    mut map: HashMap<i64, V>,
) -> HashMap<K, V> {
    keys.iter()
        .filter_map(|k| map.remove(&key(*k)).map(|v| (*k, v)))
        .collect()
}

/// The lists found for `keys`, an empty one for each key without any: the
/// cache must remember "none" too, or the next field asks again.
pub(crate) fn listed<K: Copy + Eq + std::hash::Hash, V>(
    keys: &[K],
    key: impl Fn(K) -> i64,
    mut map: HashMap<i64, Vec<V>>,
) -> HashMap<K, Vec<V>> {
    keys.iter()
        .map(|k| (*k, map.remove(&key(*k)).unwrap_or_default()))
        .collect()
}

macro_rules! user_relation {
    ($key:ident, $value:ty, $method:ident) => {
        impl Loader<$key> for Loaders {
            type Value = $value;
            type Error = Arc<Error>;

            async fn load(&self, keys: &[$key]) -> Loaded<$key, $value> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let map = self.app.users().$method(&ids).await.map_err(Arc::new)?;
                Ok(listed(keys, |k| k.0, map))
            }
        }
    };
}

user_relation!(RolesOfUser, Vec<role::Model>, roles_of);
user_relation!(
    OrganizationsOfUser,
    Vec<organization::Model>,
    organizations_of
);
user_relation!(
    BusinessUnitsOfUser,
    Vec<business_unit::Model>,
    business_units_of
);
user_relation!(GroupsOfUser, Vec<group::Model>, groups_of);
user_relation!(EmailsOfUser, Vec<String>, additional_emails_of);

impl Loader<PermissionsOfRole> for Loaders {
    type Value = Vec<Permission>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[PermissionsOfRole]) -> Loaded<PermissionsOfRole, Vec<Permission>> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let map = self
            .app
            .roles()
            .permissions_of(&ids)
            .await
            .map_err(Arc::new)?;
        Ok(listed(keys, |k| k.0, map))
    }
}

impl Loader<BusinessUnitById> for Loaders {
    type Value = business_unit::Model;
    type Error = Arc<Error>;

    async fn load(
        &self,
        keys: &[BusinessUnitById],
    ) -> Loaded<BusinessUnitById, business_unit::Model> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let map = self
            .app
            .business_units()
            .by_ids(&ids)
            .await
            .map_err(Arc::new)?;
        Ok(keyed(keys, |k| k.0, map))
    }
}

impl Loader<OrganizationById> for Loaders {
    type Value = organization::Model;
    type Error = Arc<Error>;

    async fn load(
        &self,
        keys: &[OrganizationById],
    ) -> Loaded<OrganizationById, organization::Model> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let map = self
            .app
            .organizations()
            .by_ids(&ids)
            .await
            .map_err(Arc::new)?;
        Ok(keyed(keys, |k| k.0, map))
    }
}

/// Records by id, for the storefront side; `$service().$method(ids)`
/// answers a `Vec` of models.
macro_rules! by_id {
    ($key:ident, $value:ty, $service:ident, $method:ident) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for Loaders {
            type Value = $value;
            type Error = Arc<Error>;

            async fn load(&self, keys: &[$key]) -> Loaded<$key, $value> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let rows = self.app.$service().$method(&ids).await.map_err(Arc::new)?;
                let map = rows.into_iter().map(|row| (row.id, row)).collect();
                Ok(keyed(keys, |k| k.0, map))
            }
        }
    };
}

/// Lists linked to each id: `$service().$method(ids)` answers a map.
macro_rules! relation {
    ($key:ident, $value:ty, $service:ident, $method:ident) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for Loaders {
            type Value = Vec<$value>;
            type Error = Arc<Error>;

            async fn load(&self, keys: &[$key]) -> Loaded<$key, Vec<$value>> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let map = self.app.$service().$method(&ids).await.map_err(Arc::new)?;
                Ok(listed(keys, |k| k.0, map))
            }
        }
    };
}

by_id!(UserById, user::Model, users, by_ids);
by_id!(CustomerById, customer::Model, customers, by_ids);
by_id!(
    CustomerUserById,
    customer_user::Model,
    customer_users,
    by_ids
);
by_id!(WebsiteById, website::Model, websites, by_ids);
by_id!(
    LocalizationById,
    localization::Model,
    websites,
    localizations_by_ids
);
relation!(
    SalesRepresentativesOfCustomer,
    user::Model,
    customers,
    sales_representatives_of
);
relation!(
    RolesOfCustomerUser,
    customer_role::Model,
    customer_users,
    roles_of
);
relation!(
    AddressesOfCustomerUser,
    customer_user_address::Model,
    customer_users,
    addresses_of
);
relation!(
    SalesRepresentativesOfCustomerUser,
    user::Model,
    customer_users,
    sales_representatives_of
);
relation!(ConsentsOfCustomerUser, Accepted, consents, accepted_by);
relation!(
    LocalizationsOfWebsite,
    localization::Model,
    websites,
    localizations_of
);

/// The storefront permissions a customer-user role grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PermissionsOfCustomerRole(pub i64);

impl Loader<PermissionsOfCustomerRole> for Loaders {
    type Value = Vec<AccountPermission>;
    type Error = Arc<Error>;

    async fn load(
        &self,
        keys: &[PermissionsOfCustomerRole],
    ) -> Loaded<PermissionsOfCustomerRole, Vec<AccountPermission>> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let map = self
            .app
            .customer_roles()
            .permissions_of(&ids)
            .await
            .map_err(Arc::new)?;
        let map = map
            .into_iter()
            .map(|(id, set)| {
                let mut list: Vec<AccountPermission> = set.into_iter().collect();
                list.sort();
                (id, list)
            })
            .collect();
        Ok(listed(keys, |k| k.0, map))
    }
}
