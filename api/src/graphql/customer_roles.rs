//! Roles of customer users and the storefront permissions they grant.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use domain::customers::roles::CustomerRoleInput;
use domain::entity::customer_role;
use domain::permissions::Permission;

use super::context::{app, id, viewer};
use super::customers::Customer;
use super::guard::needs;
use super::loaders::{CustomerById, PermissionsOfCustomerRole, RequestLoader};

/// A storefront capability a customer-user role grants.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::customers::AccountPermission")]
pub enum AccountPermission {
    /// See the users of one's own customer.
    UsersView,
    /// Create, edit, enable and disable the users of one's own customer
    /// (account management).
    UsersManage,
}

/// A role customer users hold: predefined (every organization has it), of
/// the organization, or of one customer.
pub struct CustomerRole(pub customer_role::Model);

/// A role customer users hold: predefined (every organization has it), of
/// the organization, or of one customer.
#[Object]
impl CustomerRole {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// The role's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the role is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Predefined roles exist everywhere and cannot be changed.
    async fn predefined(&self) -> bool {
        self.0.organization_id.is_none()
    }

    /// The one customer whose users may hold the role; null for every customer.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        let Some(customer) = self.0.customer_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(CustomerById(customer))
            .await?
            .map(Customer))
    }

    /// The storefront permissions the role grants.
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<AccountPermission>> {
        Ok(ctx
            .data::<RequestLoader>()?
            .load_one(PermissionsOfCustomerRole(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// A new customer-user role.
#[derive(InputObject)]
pub struct CreateCustomerRoleInput {
    /// The role's name.
    pub name: String,
    /// What the role is for.
    pub description: Option<String>,
    /// The storefront permissions it grants.
    #[graphql(default)]
    pub permissions: Vec<AccountPermission>,
    /// Only this customer's users may hold it; every customer's when absent.
    pub customer_id: Option<ID>,
}

/// Changes to a customer-user role; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCustomerRoleInput {
    /// The role's name.
    pub name: Option<String>,
    /// What the role is for; null clears it.
    pub description: MaybeUndefined<String>,
    /// Replaces the permissions it grants.
    pub permissions: Option<Vec<AccountPermission>>,
}

fn to_domain(list: Vec<AccountPermission>) -> Vec<domain::customers::AccountPermission> {
    list.into_iter().map(Into::into).collect()
}

#[derive(Default)]
pub struct CustomerRoleQuery;

#[Object]
impl CustomerRoleQuery {
    /// Customer-user roles the viewer's organization sees: predefined ones
    /// first, then its own, by name.
    #[graphql(guard = "needs(Permission::CustomerRolesView)")]
    async fn customer_roles(&self, ctx: &Context<'_>) -> Result<Vec<CustomerRole>> {
        Ok(app(ctx)?
            .customer_roles()
            .list(viewer(ctx)?)
            .await?
            .into_iter()
            .map(CustomerRole)
            .collect())
    }
}

#[derive(Default)]
pub struct CustomerRoleMutation;

#[Object]
impl CustomerRoleMutation {
    /// Creates a customer-user role of the viewer's organization.
    #[graphql(guard = "needs(Permission::CustomerRolesManage)")]
    async fn create_customer_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to set.")] input: CreateCustomerRoleInput,
    ) -> Result<CustomerRole> {
        let input = CustomerRoleInput {
            name: Some(input.name),
            description: Some(input.description),
            permissions: Some(to_domain(input.permissions)),
            customer_id: input
                .customer_id
                .map(|c| id(&c, "customerId"))
                .transpose()?,
        };
        Ok(CustomerRole(
            app(ctx)?
                .customer_roles()
                .create(viewer(ctx)?, input)
                .await?,
        ))
    }

    /// Edits a customer-user role of the organization (not a predefined one).
    #[graphql(guard = "needs(Permission::CustomerRolesManage)")]
    async fn update_customer_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the role.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateCustomerRoleInput,
    ) -> Result<CustomerRole> {
        let changes = CustomerRoleInput {
            name: input.name,
            description: match input.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(text) => Some(Some(text)),
            },
            permissions: input.permissions.map(to_domain),
            customer_id: None,
        };
        Ok(CustomerRole(
            app(ctx)?
                .customer_roles()
                .update(viewer(ctx)?, self::id(&id, "id")?, changes)
                .await?,
        ))
    }

    /// Deletes a customer-user role nobody holds. Answers the id.
    #[graphql(guard = "needs(Permission::CustomerRolesManage)")]
    async fn delete_customer_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the role.")] id: ID,
    ) -> Result<ID> {
        app(ctx)?
            .customer_roles()
            .delete(viewer(ctx)?, self::id(&id, "id")?)
            .await?;
        Ok(id)
    }
}
