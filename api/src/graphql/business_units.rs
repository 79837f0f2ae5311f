//! Business units: a tree inside each organization.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use domain::business_units::BusinessUnitInput;
use domain::entity::business_unit;
use domain::permissions::Permission;

use super::connection::{Total, connection, total};
use super::context::{app, id, page, viewer};
use super::guard::needs;
use super::loaders::{BusinessUnitById, RequestLoader};

/// A business unit. Each organization has one root unit; the others hang
/// below it.
pub struct BusinessUnit(pub business_unit::Model);

/// A business unit. Each organization has one root unit; the others hang
/// below it.
#[Object]
impl BusinessUnit {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// Name of the unit.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Contact email of the unit.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Contact phone of the unit.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// The unit above this one; none for the root unit.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<BusinessUnit>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(BusinessUnitById(parent))
            .await?
            .map(BusinessUnit))
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A new business unit.
#[derive(InputObject)]
pub struct CreateBusinessUnitInput {
    /// Name of the unit.
    pub name: String,
    /// The unit above; the organization's root unit when absent.
    pub parent_id: Option<ID>,
    /// Contact email.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
}

/// Changes to a business unit; absent fields stay, `null` clears.
#[derive(InputObject)]
pub struct UpdateBusinessUnitInput {
    /// New name.
    pub name: Option<String>,
    /// Moves the unit below another one (never below itself).
    pub parent_id: Option<ID>,
    /// Contact email; null clears it.
    #[graphql(default)]
    pub email: MaybeUndefined<String>,
    /// Contact phone; null clears it.
    #[graphql(default)]
    pub phone: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct BusinessUnitQuery;

#[Object]
impl BusinessUnitQuery {
    /// Business units of the viewer's organization.
    #[graphql(guard = "needs(Permission::BusinessUnitsView)")]
    async fn business_units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only the children of this unit.")] parent_id: Option<ID>,
    ) -> Result<Connection<String, BusinessUnit, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let parent = parent_id.map(|p| id(&p, "parentId")).transpose()?;
        let page = app
            .business_units()
            .list(viewer, parent, &page(ctx, first, after)?)
            .await?;
        let total = total(ctx, app.business_units().count(viewer, parent)).await?;
        Ok(connection(page, BusinessUnit, total))
    }

    /// A business unit of the viewer's organization; null when there is none.
    #[graphql(guard = "needs(Permission::BusinessUnitsView)")]
    async fn business_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the business unit.")] id: ID,
    ) -> Result<Option<BusinessUnit>> {
        Ok(app(ctx)?
            .business_units()
            .get(viewer(ctx)?, self::id(&id, "id")?)
            .await?
            .map(BusinessUnit))
    }
}

#[derive(Default)]
pub struct BusinessUnitMutation;

#[Object]
impl BusinessUnitMutation {
    /// Creates a business unit in the viewer's organization.
    #[graphql(guard = "needs(Permission::BusinessUnitsManage)")]
    async fn create_business_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: CreateBusinessUnitInput,
    ) -> Result<BusinessUnit> {
        let input = BusinessUnitInput {
            name: Some(input.name),
            parent_id: input.parent_id.map(|p| id(&p, "parentId")).transpose()?,
            email: Some(input.email),
            phone: Some(input.phone),
        };
        Ok(BusinessUnit(
            app(ctx)?
                .business_units()
                .create(viewer(ctx)?, input)
                .await?,
        ))
    }

    /// Edits a business unit.
    #[graphql(guard = "needs(Permission::BusinessUnitsManage)")]
    async fn update_business_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the business unit.")] id: ID,
        #[graphql(desc = "The fields to set.")] input: UpdateBusinessUnitInput,
    ) -> Result<BusinessUnit> {
        let changes = BusinessUnitInput {
            name: input.name,
            parent_id: input
                .parent_id
                .map(|p| self::id(&p, "parentId"))
                .transpose()?,
            email: input.email.into(),
            phone: input.phone.into(),
        };
        let unit = app(ctx)?
            .business_units()
            .update(viewer(ctx)?, self::id(&id, "id")?, changes)
            .await?;
        Ok(BusinessUnit(unit))
    }

    /// Deletes a unit without child units and without users it owns.
    #[graphql(guard = "needs(Permission::BusinessUnitsManage)")]
    async fn delete_business_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the business unit.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .business_units()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }
}
