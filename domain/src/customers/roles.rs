//! Roles of customer users. Predefined roles (no organization) exist in
//! every installation and cannot be changed; an organization adds its own,
//! either for all its customers or for one customer only.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{customer_role, customer_role_permission, customer_user_role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Select, Set,
};

use super::AccountPermission;
use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::error::{Error, Result, Violations};
use crate::permissions::Permission;
use crate::validate;
use crate::viewer::Viewer;

/// Name of the predefined role without account management.
pub const BUYER_ROLE: &str = "Buyer";
/// Name of the predefined role with account management.
pub const ACCOUNT_ADMINISTRATOR_ROLE: &str = "Administrator";

/// The predefined roles: name, description, permissions.
const PREDEFINED: &[(&str, &str, &[AccountPermission])] = &[
    (BUYER_ROLE, "Buys for the customer.", &[]),
    (
        ACCOUNT_ADMINISTRATOR_ROLE,
        "Buys for the customer and manages its users.",
        AccountPermission::ALL,
    ),
];

/// Fields of a customer-user role; `None` leaves a field as it is on update.
#[derive(Debug, Default)]
pub struct CustomerRoleInput {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub permissions: Option<Vec<AccountPermission>>,
    /// On create: the one customer whose users may hold the role.
    pub customer_id: Option<i64>,
}

pub struct CustomerRoleService<'a> {
    pub(crate) app: &'a Gatehouse,
}

/// Adds the predefined roles when missing.
pub(crate) async fn seed_predefined(db: &impl ConnectionTrait) -> Result<()> {
    for (name, description, permissions) in PREDEFINED {
        let exists = customer_role::Entity::find()
            .filter(customer_role::Column::OrganizationId.is_null())
            .filter(customer_role::Column::Name.eq(*name))
            .count(db)
            .await?
            > 0;
        if exists {
            continue;
        }
        let now = Utc::now();
        let role = customer_role::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(None),
            customer_id: Set(None),
            name: Set((*name).to_owned()),
            description: Set(Some((*description).to_owned())),
            ..Default::default()
        }
        .insert(db)
        .await?;
        set_permissions(db, role.id, permissions).await?;
    }
    Ok(())
}

/// The roles of `organization_id`: predefined ones and its own.
pub(crate) fn of_organization(organization_id: i64) -> Select<customer_role::Entity> {
    customer_role::Entity::find().filter(
        Condition::any()
            .add(customer_role::Column::OrganizationId.is_null())
            .add(customer_role::Column::OrganizationId.eq(organization_id)),
    )
}

/// The storefront permissions each role grants.
pub(crate) async fn permissions_of_roles(
    db: &impl ConnectionTrait,
    role_ids: &[i64],
) -> Result<HashMap<i64, HashSet<AccountPermission>>> {
    let rows = customer_role_permission::Entity::find()
        .filter(customer_role_permission::Column::RoleId.is_in(role_ids.iter().copied()))
        .all(db)
        .await?;
    let mut map: HashMap<i64, HashSet<AccountPermission>> = HashMap::new();
    for row in rows {
        if let Some(permission) = AccountPermission::parse(&row.permission) {
            map.entry(row.role_id).or_default().insert(permission);
        }
    }
    Ok(map)
}

/// Checks that every role may be held by a user of `customer_id` in
/// `organization_id`: predefined, or the organization's for every customer
/// or for that one.
pub(crate) async fn check_assignable(
    db: &impl ConnectionTrait,
    organization_id: i64,
    customer_id: i64,
    role_ids: &[i64],
    violations: &mut Violations,
) -> Result<()> {
    if role_ids.is_empty() {
        return Ok(());
    }
    let found = of_organization(organization_id)
        .filter(customer_role::Column::Id.is_in(role_ids.iter().copied()))
        .all(db)
        .await?;
    for id in role_ids {
        let fits = found
            .iter()
            .any(|r| r.id == *id && r.customer_id.is_none_or(|c| c == customer_id));
        if !fits {
            violations.add(
                "roleIds",
                format!("role {id} is not a customer-user role this customer's users can hold"),
            );
        }
    }
    Ok(())
}

async fn set_permissions(
    conn: &impl ConnectionTrait,
    role_id: i64,
    permissions: &[AccountPermission],
) -> Result<()> {
    customer_role_permission::Entity::delete_many()
        .filter(customer_role_permission::Column::RoleId.eq(role_id))
        .exec(conn)
        .await?;
    if permissions.is_empty() {
        return Ok(());
    }
    let mut names: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let rows = names
        .into_iter()
        .map(|name| customer_role_permission::ActiveModel {
            role_id: Set(role_id),
            permission: Set(name.to_owned()),
        });
    customer_role_permission::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

impl CustomerRoleService<'_> {
    /// The roles the viewer's organization sees, predefined first, then by name.
    pub async fn list(&self, viewer: &Viewer) -> Result<Vec<customer_role::Model>> {
        Ok(of_organization(viewer.organization_id)
            .order_by_asc(customer_role::Column::OrganizationId)
            .order_by_asc(customer_role::Column::Name)
            .order_by_asc(customer_role::Column::Id)
            .all(self.app.db())
            .await?)
    }

    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<customer_role::Model>> {
        Ok(of_organization(viewer.organization_id)
            .filter(customer_role::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    /// Roles by id, whatever their organization (DataLoaders).
    pub async fn by_ids(&self, ids: &[i64]) -> Result<Vec<customer_role::Model>> {
        Ok(customer_role::Entity::find()
            .filter(customer_role::Column::Id.is_in(ids.iter().copied()))
            .all(self.app.db())
            .await?)
    }

    pub async fn permissions_of(
        &self,
        role_ids: &[i64],
    ) -> Result<HashMap<i64, HashSet<AccountPermission>>> {
        permissions_of_roles(self.app.db(), role_ids).await
    }

    /// A role of the viewer's organization that may change (not predefined).
    async fn own(&self, viewer: &Viewer, id: i64) -> Result<customer_role::Model> {
        let role = self
            .get(viewer, id)
            .await?
            .ok_or(Error::not_found("customer role"))?;
        if role.organization_id.is_none() {
            return Err(Error::forbidden("predefined roles cannot be changed"));
        }
        Ok(role)
    }

    pub async fn create(
        &self,
        viewer: &Viewer,
        input: CustomerRoleInput,
    ) -> Result<customer_role::Model> {
        viewer.require(Permission::CustomerRolesManage)?;
        let mut violations = Violations::new();
        let name = violations.absorb(validate::required(
            "name",
            input.name.as_deref().unwrap_or(""),
            255,
        ))?;
        let description = violations.absorb(validate::optional(
            "description",
            input.description.flatten().as_deref(),
            10_000,
        ))?;
        if let Some(customer_id) = input.customer_id
            && self
                .app
                .customers()
                .get(viewer, customer_id)
                .await?
                .is_none()
        {
            violations.add(
                "customerId",
                format!("customer {customer_id} does not exist"),
            );
        }
        violations.finish()?;
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let role = customer_role::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(Some(viewer.organization_id)),
            customer_id: Set(input.customer_id),
            name: Set(name.unwrap_or_default()),
            description: Set(description.flatten()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        set_permissions(&txn, role.id, &input.permissions.unwrap_or_default()).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "customer_role.create",
            Target::new("customer_role", role.id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(role)
    }

    pub async fn update(
        &self,
        viewer: &Viewer,
        id: i64,
        input: CustomerRoleInput,
    ) -> Result<customer_role::Model> {
        viewer.require(Permission::CustomerRolesManage)?;
        let mut model: customer_role::ActiveModel = self.own(viewer, id).await?.into();
        let mut violations = Violations::new();
        if let Some(name) = &input.name
            && let Some(name) = violations.absorb(validate::required("name", name, 255))?
        {
            model.name = Set(name);
        }
        if let Some(description) = &input.description
            && let Some(description) = violations.absorb(validate::optional(
                "description",
                description.as_deref(),
                10_000,
            ))?
        {
            model.description = Set(description);
        }
        violations.finish()?;
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let role = model.update(&txn).await?;
        if let Some(permissions) = &input.permissions {
            set_permissions(&txn, id, permissions).await?;
        }
        audit::record(
            &txn,
            &viewer.actor(),
            "customer_role.update",
            Target::new("customer_role", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(role)
    }

    /// Deletes a role no customer user holds.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        viewer.require(Permission::CustomerRolesManage)?;
        self.own(viewer, id).await?;
        let holders = customer_user_role::Entity::find()
            .filter(customer_user_role::Column::RoleId.eq(id))
            .count(self.app.db())
            .await?;
        if holders > 0 {
            return Err(Error::Conflict {
                field: None,
                message: format!("{holders} customer users hold the role; take it from them first"),
            });
        }
        let txn = crate::db::write(self.app.db()).await?;
        customer_role::Entity::delete_by_id(id).exec(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "customer_role.delete",
            Target::new("customer_role", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }
}
