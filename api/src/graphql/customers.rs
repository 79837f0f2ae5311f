//! Customers: the companies that buy through the storefront.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use domain::customers::{CustomerFilter as DomainFilter, CustomerInput};
use domain::entity::customer;
use domain::permissions::Permission;

use super::connection::{Total, connection, total};
use super::context::{app, id, ids, page, viewer};
use super::guard::needs;
use super::loaders::{CustomerById, RequestLoader, SalesRepresentativesOfCustomer, UserById};
use super::users::User;

/// A company buying through the storefront; customers form a tree.
pub struct Customer(pub customer::Model);

/// A company buying through the storefront; customers form a tree.
#[Object]
impl Customer {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// The company's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The parent customer; null for a top-level one.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(CustomerById(parent))
            .await?
            .map(Customer))
    }

    /// The back-office user responsible for the customer.
    #[graphql(guard = "needs(Permission::CustomersView)")]
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(UserById(self.0.owner_id))
            .await?
            .map(User))
    }

    /// Back-office users who represent the customer.
    #[graphql(guard = "needs(Permission::CustomersView)")]
    async fn sales_representatives(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(SalesRepresentativesOfCustomer(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(User)
            .collect())
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

/// Which customers to list; every criterion narrows the list.
#[derive(InputObject, Default)]
pub struct CustomerFilter {
    /// Words matched in the name.
    pub search: Option<String>,
    /// Only the children of this customer.
    pub parent_id: Option<ID>,
    /// Only customers this back-office user owns.
    pub owner_id: Option<ID>,
}

/// A new customer.
#[derive(InputObject)]
pub struct CreateCustomerInput {
    /// The company's name.
    pub name: String,
    /// The parent customer, a customer of the same organization.
    pub parent_id: Option<ID>,
    /// The responsible back-office user; you when absent.
    pub owner_id: Option<ID>,
    /// Back-office users who represent the customer.
    #[graphql(default)]
    pub sales_representative_ids: Vec<ID>,
}

/// Changes to a customer; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCustomerInput {
    /// The company's name.
    pub name: Option<String>,
    /// The parent customer; null makes it a top-level customer.
    pub parent_id: MaybeUndefined<ID>,
    /// The responsible back-office user.
    pub owner_id: Option<ID>,
    /// Replaces the sales representatives.
    pub sales_representative_ids: Option<Vec<ID>>,
}

#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// A customer of the viewer's organization; null when there is none.
    #[graphql(guard = "needs(Permission::CustomersView)")]
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer.")] id: ID,
    ) -> Result<Option<Customer>> {
        Ok(app(ctx)?
            .customers()
            .get(viewer(ctx)?, self::id(&id, "id")?)
            .await?
            .map(Customer))
    }

    /// Customers of the viewer's organization, by name.
    #[graphql(guard = "needs(Permission::CustomersView)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(desc = "Narrows the list; every customer when absent.")] filter: Option<
            CustomerFilter,
        >,
    ) -> Result<Connection<String, Customer, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let filter = filter.unwrap_or_default();
        let filter = DomainFilter {
            search: filter.search,
            parent_id: filter.parent_id.map(|p| id(&p, "parentId")).transpose()?,
            owner_id: filter.owner_id.map(|o| id(&o, "ownerId")).transpose()?,
        };
        let page = app
            .customers()
            .list(viewer, &filter, &page(ctx, first, after)?)
            .await?;
        let total = total(ctx, app.customers().count(viewer, &filter)).await?;
        Ok(connection(page, Customer, total))
    }
}

#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Creates a customer in the viewer's organization.
    #[graphql(guard = "needs(Permission::CustomersManage)")]
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: CreateCustomerInput,
    ) -> Result<Customer> {
        let input = CustomerInput {
            name: Some(input.name),
            parent_id: Some(input.parent_id.map(|p| id(&p, "parentId")).transpose()?),
            owner_id: input.owner_id.map(|o| id(&o, "ownerId")).transpose()?,
            sales_representative_ids: Some(ids(
                &input.sales_representative_ids,
                "salesRepresentativeIds",
            )?),
        };
        Ok(Customer(
            app(ctx)?.customers().create(viewer(ctx)?, input).await?,
        ))
    }

    /// Edits a customer.
    #[graphql(guard = "needs(Permission::CustomersManage)")]
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateCustomerInput,
    ) -> Result<Customer> {
        let parent_id = match input.parent_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(parent) => Some(Some(self::id(&parent, "parentId")?)),
        };
        let changes = CustomerInput {
            name: input.name,
            parent_id,
            owner_id: input
                .owner_id
                .map(|o| self::id(&o, "ownerId"))
                .transpose()?,
            sales_representative_ids: input
                .sales_representative_ids
                .map(|list| ids(&list, "salesRepresentativeIds"))
                .transpose()?,
        };
        Ok(Customer(
            app(ctx)?
                .customers()
                .update(viewer(ctx)?, self::id(&id, "id")?, changes)
                .await?,
        ))
    }

    /// Deletes a customer without customer users or child customers.
    /// Answers the id.
    #[graphql(guard = "needs(Permission::CustomersManage)")]
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the customer.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .customers()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }
}
