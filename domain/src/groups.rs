//! Groups of users inside the viewer's organization.

use entity::group;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Select, Set,
};

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::db::conflict_on;
use crate::error::{Error, Result};
use crate::pagination::{Keyset, Page, PageRequest, SortValue};
use crate::permissions::Permission;
use crate::validate;
use crate::viewer::Viewer;

const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("ux_groups_organization_name", "name"),
    ("groups.organization_id", "name"),
];

pub struct GroupService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl GroupService<'_> {
    fn scoped(&self, viewer: &Viewer) -> Select<group::Entity> {
        group::Entity::find().filter(group::Column::OrganizationId.eq(viewer.organization_id))
    }

    pub async fn list(&self, viewer: &Viewer, page: &PageRequest) -> Result<Page<group::Model>> {
        Keyset::new(group::Column::Name, group::Column::Id, false, false)
            .fetch(self.app.db(), self.scoped(viewer), page, |g| {
                SortValue::Text(g.name.clone())
            })
            .await
    }

    pub async fn count(&self, viewer: &Viewer) -> Result<u64> {
        Ok(self.scoped(viewer).count(self.app.db()).await?)
    }

    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<group::Model>> {
        Ok(self
            .scoped(viewer)
            .filter(group::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    pub async fn create(&self, viewer: &Viewer, name: &str) -> Result<group::Model> {
        viewer.require(Permission::GroupsManage)?;
        let name = validate::required("name", name, 255)?;
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let group = group::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(viewer.organization_id),
            name: Set(name),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        audit::record(
            &txn,
            &viewer.actor(),
            "group.create",
            Target::new("group", group.id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(group)
    }

    pub async fn update(&self, viewer: &Viewer, id: i64, name: &str) -> Result<group::Model> {
        viewer.require(Permission::GroupsManage)?;
        let current = self
            .get(viewer, id)
            .await?
            .ok_or(Error::not_found("group"))?;
        let mut model: group::ActiveModel = current.into();
        model.name = Set(validate::required("name", name, 255)?);
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let group = model
            .update(&txn)
            .await
            .map_err(|error| conflict_on(error, UNIQUE_FIELDS))?;
        audit::record(
            &txn,
            &viewer.actor(),
            "group.update",
            Target::new("group", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(group)
    }

    /// Deletes the group; its members simply leave it.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        viewer.require(Permission::GroupsManage)?;
        self.get(viewer, id)
            .await?
            .ok_or(Error::not_found("group"))?;
        let txn = crate::db::write(self.app.db()).await?;
        group::Entity::delete_by_id(id).exec(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "group.delete",
            Target::new("group", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }
}
