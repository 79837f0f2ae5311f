//! Roles and the permissions they grant. A role is system-wide (seen by
//! every organization, managed with `roles.manage_system`) or belongs to one
//! organization. Nobody grants a permission they do not hold themselves.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use entity::{role, role_permission, user_role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, Select, Set,
};
use serde_json::json;

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::authority::{self, Reach};
use crate::error::{Error, Result};
use crate::pagination::{Keyset, Page, PageRequest, SortValue};
use crate::permissions::Permission;
use crate::validate;
use crate::viewer::Viewer;

/// Fields of a role; on update `None` leaves a field unchanged.
#[derive(Debug, Default)]
pub struct RoleInput {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub permissions: Option<Vec<Permission>>,
    /// Create a system-wide role instead of one of the viewer's organization.
    pub system_wide: bool,
}

pub struct RoleService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl RoleService<'_> {
    /// System-wide roles and those of the viewer's organization.
    fn scoped(&self, viewer: &Viewer) -> Select<role::Entity> {
        role::Entity::find().filter(
            Condition::any()
                .add(role::Column::OrganizationId.is_null())
                .add(role::Column::OrganizationId.eq(viewer.organization_id)),
        )
    }

    pub async fn list(&self, viewer: &Viewer, page: &PageRequest) -> Result<Page<role::Model>> {
        Keyset::new(role::Column::Name, role::Column::Id, false, false)
            .fetch(self.app.db(), self.scoped(viewer), page, |r| {
                SortValue::Text(r.name.clone())
            })
            .await
    }

    pub async fn count(&self, viewer: &Viewer) -> Result<u64> {
        Ok(self.scoped(viewer).count(self.app.db()).await?)
    }

    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<role::Model>> {
        Ok(self
            .scoped(viewer)
            .filter(role::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    /// The permissions of each role, in one statement.
    pub async fn permissions_of(&self, role_ids: &[i64]) -> Result<HashMap<i64, Vec<Permission>>> {
        permissions_of_roles(self.app.db(), role_ids).await
    }

    pub async fn create(&self, viewer: &Viewer, input: RoleInput) -> Result<role::Model> {
        let permission = if input.system_wide {
            Permission::SystemRolesManage
        } else {
            Permission::RolesManage
        };
        viewer.require(permission)?;
        let name = validate::required("name", input.name.as_deref().unwrap_or_default(), 255)?;
        let description =
            validate::optional("description", input.description.flatten().as_deref(), 2000)?;
        let permissions = grantable(viewer, input.permissions.unwrap_or_default())?;
        let organization_id = (!input.system_wide).then_some(viewer.organization_id);
        self.check_name_free(viewer, &name, organization_id, None)
            .await?;
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let role = role::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(organization_id),
            name: Set(name),
            description: Set(description),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        set_permissions(&txn, role.id, &permissions).await?;
        let details =
            json!({ "permissions": permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>() });
        audit::record(
            &txn,
            &viewer.actor(),
            "role.create",
            Target::new("role", role.id),
            None,
            Some(details),
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(role)
    }

    pub async fn update(&self, viewer: &Viewer, id: i64, input: RoleInput) -> Result<role::Model> {
        let current = self.editable(viewer, id).await?;
        let mut model: role::ActiveModel = current.clone().into();
        if let Some(name) = &input.name {
            let name = validate::required("name", name, 255)?;
            self.check_name_free(viewer, &name, current.organization_id, Some(id))
                .await?;
            model.name = Set(name);
        }
        if let Some(description) = input.description {
            model.description = Set(validate::optional(
                "description",
                description.as_deref(),
                2000,
            )?);
        }
        let permissions = input
            .permissions
            .map(|p| grantable(viewer, p))
            .transpose()?;
        if permissions.is_some() {
            self.check_holders(viewer, &current).await?;
        }
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let role = model.update(&txn).await?;
        let mut details = None;
        if let Some(permissions) = &permissions {
            set_permissions(&txn, id, permissions).await?;
            details = Some(
                json!({ "permissions": permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>() }),
            );
        }
        audit::record(
            &txn,
            &viewer.actor(),
            "role.update",
            Target::new("role", id),
            None,
            details,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(role)
    }

    /// Deletes a role nobody holds.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        self.editable(viewer, id).await?;
        let holders = user_role::Entity::find()
            .filter(user_role::Column::RoleId.eq(id))
            .count(self.app.db())
            .await?;
        if holders > 0 {
            return Err(Error::conflict(
                "id",
                format!("{holders} users hold the role; take it from them first"),
            ));
        }
        let txn = crate::db::write(self.app.db()).await?;
        role::Entity::delete_by_id(id).exec(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "role.delete",
            Target::new("role", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }

    /// The role, when the viewer may change it: organization roles with
    /// `roles.manage`, system-wide ones with `roles.manage_system`.
    async fn editable(&self, viewer: &Viewer, id: i64) -> Result<role::Model> {
        let role = self
            .get(viewer, id)
            .await?
            .ok_or(Error::not_found("role"))?;
        let needed = if role.organization_id.is_none() {
            Permission::SystemRolesManage
        } else {
            Permission::RolesManage
        };
        viewer.require(needed)?;
        Ok(role)
    }

    /// Changing what a role grants changes every holder: the viewer must
    /// be able to change each of them (`authority`), where the role
    /// applies.
    async fn check_holders(&self, viewer: &Viewer, role: &role::Model) -> Result<()> {
        use sea_orm::{QueryOrder, QuerySelect};
        let reach = match role.organization_id {
            Some(organization_id) => Reach::Organization(organization_id),
            None => Reach::Everywhere,
        };
        let mut after = 0;
        loop {
            let holders: Vec<i64> = user_role::Entity::find()
                .select_only()
                .column(user_role::Column::UserId)
                .filter(user_role::Column::RoleId.eq(role.id))
                .filter(user_role::Column::UserId.gt(after))
                .order_by_asc(user_role::Column::UserId)
                .limit(1000)
                .into_tuple()
                .all(self.app.db())
                .await?;
            let Some(last) = holders.last().copied() else {
                return Ok(());
            };
            let refusals = authority::refusals(self.app, viewer, &holders, reach).await?;
            if let Some(refusal) = refusals.into_values().min_by_key(|r| r.account_id) {
                return Err(Error::forbidden(format!(
                    "user {} holds this role: {}",
                    refusal.account_id, refusal.message
                )));
            }
            after = last;
        }
    }

    async fn check_name_free(
        &self,
        viewer: &Viewer,
        name: &str,
        organization_id: Option<i64>,
        except: Option<i64>,
    ) -> Result<()> {
        let mut query = self.scoped(viewer).filter(role::Column::Name.eq(name));
        if organization_id.is_none() {
            query = role::Entity::find()
                .filter(role::Column::Name.eq(name))
                .filter(role::Column::OrganizationId.is_null());
        }
        if let Some(id) = except {
            query = query.filter(role::Column::Id.ne(id));
        }
        if query.one(self.app.db()).await?.is_some() {
            return Err(Error::conflict(
                "name",
                "a role with this name already exists",
            ));
        }
        Ok(())
    }
}

/// Refuses permissions the viewer does not hold; returns them deduplicated.
fn grantable(viewer: &Viewer, permissions: Vec<Permission>) -> Result<Vec<Permission>> {
    let permissions: BTreeSet<Permission> = permissions.into_iter().collect();
    let missing: Vec<&str> = permissions
        .iter()
        .filter(|p| !viewer.can(**p))
        .map(|p| p.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            "permissions",
            format!(
                "you cannot grant what you do not hold: {}",
                missing.join(", ")
            ),
        ));
    }
    Ok(permissions.into_iter().collect())
}

async fn set_permissions(
    conn: &impl ConnectionTrait,
    role_id: i64,
    permissions: &[Permission],
) -> Result<()> {
    role_permission::Entity::delete_many()
        .filter(role_permission::Column::RoleId.eq(role_id))
        .exec(conn)
        .await?;
    if permissions.is_empty() {
        return Ok(());
    }
    let rows = permissions.iter().map(|p| role_permission::ActiveModel {
        role_id: Set(role_id),
        permission: Set(p.as_str().to_owned()),
    });
    role_permission::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Adds `permissions` to a role (as Gatehouse itself).
pub(crate) async fn add_permissions(
    conn: &impl ConnectionTrait,
    role_id: i64,
    permissions: &[Permission],
) -> Result<()> {
    let rows = permissions.iter().map(|p| role_permission::ActiveModel {
        role_id: Set(role_id),
        permission: Set(p.as_str().to_owned()),
    });
    role_permission::Entity::insert_many(rows)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                role_permission::Column::RoleId,
                role_permission::Column::Permission,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The permissions of each role in `role_ids`.
pub async fn permissions_of_roles(
    db: &impl ConnectionTrait,
    role_ids: &[i64],
) -> Result<HashMap<i64, Vec<Permission>>> {
    let rows = role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.is_in(role_ids.iter().copied()))
        .all(db)
        .await?;
    let mut map: HashMap<i64, Vec<Permission>> = HashMap::new();
    for row in rows {
        if let Some(permission) = Permission::parse(&row.permission) {
            map.entry(row.role_id).or_default().push(permission);
        }
    }
    for permissions in map.values_mut() {
        permissions.sort();
    }
    Ok(map)
}

/// Creates a system-wide role with `permissions`, as Gatehouse itself.
pub(crate) async fn create_system_role(
    conn: &impl ConnectionTrait,
    name: &str,
    description: &str,
    permissions: &[Permission],
) -> Result<role::Model> {
    let now = Utc::now();
    let role = role::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        organization_id: Set(None),
        name: Set(name.to_owned()),
        description: Set(Some(description.to_owned())),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    set_permissions(conn, role.id, permissions).await?;
    Ok(role)
}
