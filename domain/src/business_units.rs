//! Business units: a tree inside the viewer's organization.

use std::collections::HashMap;

use entity::{business_unit, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Select, Set,
};

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::error::{Error, Result};
use crate::pagination::{Keyset, Page, PageRequest, SortValue};
use crate::permissions::Permission;
use crate::validate;
use crate::viewer::Viewer;

/// Fields of a business unit; on update `None` leaves a field unchanged.
#[derive(Debug, Default)]
pub struct BusinessUnitInput {
    pub name: Option<String>,
    /// The root unit of the organization when absent on create.
    pub parent_id: Option<i64>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
}

pub struct BusinessUnitService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl BusinessUnitService<'_> {
    fn scoped(&self, viewer: &Viewer, parent_id: Option<i64>) -> Select<business_unit::Entity> {
        let mut select = business_unit::Entity::find()
            .filter(business_unit::Column::OrganizationId.eq(viewer.organization_id));
        if let Some(parent) = parent_id {
            select = select.filter(business_unit::Column::ParentId.eq(parent));
        }
        select
    }

    /// Units of the viewer's organization, optionally only the children of
    /// `parent_id`.
    pub async fn list(
        &self,
        viewer: &Viewer,
        parent_id: Option<i64>,
        page: &PageRequest,
    ) -> Result<Page<business_unit::Model>> {
        Keyset::new(
            business_unit::Column::Id,
            business_unit::Column::Id,
            false,
            false,
        )
        .fetch(self.app.db(), self.scoped(viewer, parent_id), page, |u| {
            SortValue::Int(u.id)
        })
        .await
    }

    pub async fn count(&self, viewer: &Viewer, parent_id: Option<i64>) -> Result<u64> {
        Ok(self.scoped(viewer, parent_id).count(self.app.db()).await?)
    }

    /// Units by id, whatever their organization (callers scope them).
    pub async fn by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, business_unit::Model>> {
        let rows = business_unit::Entity::find()
            .filter(business_unit::Column::Id.is_in(ids.iter().copied()))
            .all(self.app.db())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<business_unit::Model>> {
        Ok(self
            .scoped(viewer, None)
            .filter(business_unit::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    async fn visible(&self, viewer: &Viewer, id: i64, field: &str) -> Result<business_unit::Model> {
        self.get(viewer, id).await?.ok_or_else(|| {
            if field == "id" {
                Error::not_found("business unit")
            } else {
                Error::invalid(field, "no such business unit")
            }
        })
    }

    pub async fn create(
        &self,
        viewer: &Viewer,
        input: BusinessUnitInput,
    ) -> Result<business_unit::Model> {
        viewer.require(Permission::BusinessUnitsManage)?;
        let name = validate::required("name", input.name.as_deref().unwrap_or_default(), 255)?;
        let parent = match input.parent_id {
            Some(id) => self.visible(viewer, id, "parentId").await?,
            None => self
                .scoped(viewer, None)
                .filter(business_unit::Column::ParentId.is_null())
                .one(self.app.db())
                .await?
                .ok_or_else(|| Error::invalid("parentId", "the organization has no root unit"))?,
        };
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let unit = business_unit::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(viewer.organization_id),
            parent_id: Set(Some(parent.id)),
            name: Set(name),
            email: Set(contact_email(input.email)?),
            phone: Set(validate::phone("phone", input.phone.flatten().as_deref())?),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "business_unit.create",
            Target::new("business_unit", unit.id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(unit)
    }

    pub async fn update(
        &self,
        viewer: &Viewer,
        id: i64,
        input: BusinessUnitInput,
    ) -> Result<business_unit::Model> {
        viewer.require(Permission::BusinessUnitsManage)?;
        let current = self.visible(viewer, id, "id").await?;
        let mut model: business_unit::ActiveModel = current.clone().into();
        if let Some(name) = &input.name {
            model.name = Set(validate::required("name", name, 255)?);
        }
        if let Some(parent_id) = input.parent_id {
            if current.parent_id.is_none() {
                return Err(Error::invalid("parentId", "the root unit has no parent"));
            }
            self.check_not_below(viewer, id, parent_id).await?;
            model.parent_id = Set(Some(parent_id));
        }
        if input.email.is_some() {
            model.email = Set(contact_email(input.email)?);
        }
        if let Some(phone) = input.phone {
            model.phone = Set(validate::phone("phone", phone.as_deref())?);
        }
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(self.app.db()).await?;
        let unit = model.update(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "business_unit.update",
            Target::new("business_unit", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(unit)
    }

    /// Refuses a new parent that is the unit itself or one of its descendants.
    async fn check_not_below(&self, viewer: &Viewer, id: i64, parent_id: i64) -> Result<()> {
        let mut cursor = Some(self.visible(viewer, parent_id, "parentId").await?);
        while let Some(unit) = cursor {
            if unit.id == id {
                return Err(Error::invalid(
                    "parentId",
                    "a unit cannot be moved below itself",
                ));
            }
            cursor = match unit.parent_id {
                Some(parent) => self.get(viewer, parent).await?,
                None => None,
            };
        }
        Ok(())
    }

    /// Deletes a unit without children and without users it owns.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        viewer.require(Permission::BusinessUnitsManage)?;
        let unit = self.visible(viewer, id, "id").await?;
        if unit.parent_id.is_none() {
            return Err(Error::invalid(
                "id",
                "the root unit of an organization cannot be deleted",
            ));
        }
        let db = self.app.db();
        let children = business_unit::Entity::find()
            .filter(business_unit::Column::ParentId.eq(id))
            .count(db)
            .await?;
        if children > 0 {
            return Err(Error::conflict(
                "id",
                format!("the unit has {children} child units; delete or move them first"),
            ));
        }
        let owned = user::Entity::find()
            .filter(user::Column::OwnerBusinessUnitId.eq(id))
            .count(db)
            .await?;
        if owned > 0 {
            return Err(Error::conflict(
                "id",
                format!("the unit owns {owned} users; reassign them first"),
            ));
        }
        let txn = crate::db::write(db).await?;
        business_unit::Entity::delete_by_id(id).exec(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "business_unit.delete",
            Target::new("business_unit", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }
}

fn contact_email(value: Option<Option<String>>) -> Result<Option<String>> {
    match value.flatten().as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(email) => validate::email("email", email).map(Some),
    }
}
