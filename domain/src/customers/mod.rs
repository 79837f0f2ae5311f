//! The storefront side of an organization: customers (companies, a tree),
//! their customer users, the roles those hold, websites and localizations,
//! consents, and storefront authentication. Back-office users manage all of
//! it within their organization; a customer user whose role grants account
//! management manages the users of its own customer.

pub mod auth;
pub mod consents;
pub mod links;
pub mod roles;
pub mod users;
pub mod websites;

use std::collections::HashMap;

use entity::{customer, customer_sales_representative, customer_user, user, user_organization};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Select, Set,
};

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::error::{Error, Result, Violations};
use crate::pagination::{Keyset, Page, PageRequest, SortValue};
use crate::permissions::Permission;
use crate::validate;
use crate::viewer::Viewer;

macro_rules! account_permissions {
    ($( $variant:ident => $name:literal, $doc:literal; )*) => {
        /// A storefront capability a customer-user role grants.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum AccountPermission {
            $( #[doc = $doc] $variant, )*
        }

        impl AccountPermission {
            /// Every storefront permission, in a stable order.
            pub const ALL: &'static [AccountPermission] = &[$(AccountPermission::$variant,)*];

            /// The stored name, e.g. `account.users.manage`.
            pub fn as_str(self) -> &'static str {
                match self { $(AccountPermission::$variant => $name,)* }
            }

            pub fn description(self) -> &'static str {
                match self { $(AccountPermission::$variant => $doc,)* }
            }

            pub fn parse(name: &str) -> Option<AccountPermission> {
                match name { $($name => Some(AccountPermission::$variant),)* _ => None }
            }
        }
    };
}

account_permissions! {
    UsersView => "account.users.view", "See the users of one's own customer.";
    UsersManage => "account.users.manage", "Create, edit, enable and disable the users of one's own customer (account management).";
}

/// Fields of a customer; `None` leaves a field as it is on update.
#[derive(Debug, Default)]
pub struct CustomerInput {
    pub name: Option<String>,
    /// `Some(None)` makes the customer a top-level one.
    pub parent_id: Option<Option<i64>>,
    /// The viewer when absent on create.
    pub owner_id: Option<i64>,
    pub sales_representative_ids: Option<Vec<i64>>,
}

/// Which customers to list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Words matched in the name.
    pub search: Option<String>,
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
}

pub struct CustomerService<'a> {
    pub(crate) app: &'a Gatehouse,
}

/// Checks that each of `ids` is a back-office user of `organization_id`.
pub(crate) async fn check_staff(
    db: &impl ConnectionTrait,
    organization_id: i64,
    ids: &[i64],
    field: &str,
    violations: &mut Violations,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: Vec<i64> = user_organization::Entity::find()
        .select_only()
        .column(user_organization::Column::UserId)
        .filter(user_organization::Column::OrganizationId.eq(organization_id))
        .filter(user_organization::Column::UserId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    for id in ids {
        if !found.contains(id) {
            violations.add(
                field,
                format!("user {id} is not a back-office user of the organization"),
            );
        }
    }
    Ok(())
}

/// `lower(column) LIKE %word%` for each word of `search`, all required.
pub(crate) fn search_words<E: EntityTrait>(
    mut select: Select<E>,
    search: Option<&str>,
    columns: &[E::Column],
) -> Select<E>
where
    E::Column: ColumnTrait + Copy,
{
    let Some(search) = search else {
        return select;
    };
    for word in search.split_whitespace().take(8) {
        let mut any = sea_orm::Condition::any();
        for column in columns {
            any = any.add(
                Expr::expr(Func::lower(Expr::col(*column))).like(crate::users::like_pattern(word)),
            );
        }
        select = select.filter(any);
    }
    select
}

/// The distinct ids, in order.
pub(crate) fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl CustomerService<'_> {
    fn scoped(&self, viewer: &Viewer) -> Select<customer::Entity> {
        customer::Entity::find().filter(customer::Column::OrganizationId.eq(viewer.organization_id))
    }

    fn filtered(&self, viewer: &Viewer, filter: &CustomerFilter) -> Select<customer::Entity> {
        let mut select = search_words(
            self.scoped(viewer),
            filter.search.as_deref(),
            &[customer::Column::Name],
        );
        if let Some(parent) = filter.parent_id {
            select = select.filter(customer::Column::ParentId.eq(parent));
        }
        if let Some(owner) = filter.owner_id {
            select = select.filter(customer::Column::OwnerId.eq(owner));
        }
        select
    }

    /// One page of the organization's customers, by name.
    pub async fn list(
        &self,
        viewer: &Viewer,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<customer::Model>> {
        Keyset::new(customer::Column::Name, customer::Column::Id, false, false)
            .fetch(self.app.db(), self.filtered(viewer, filter), page, |c| {
                SortValue::Text(c.name.clone())
            })
            .await
    }

    pub async fn count(&self, viewer: &Viewer, filter: &CustomerFilter) -> Result<u64> {
        Ok(self.filtered(viewer, filter).count(self.app.db()).await?)
    }

    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<customer::Model>> {
        Ok(self
            .scoped(viewer)
            .filter(customer::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    /// The customer, or `NOT_FOUND` when it is not the organization's.
    pub async fn visible(&self, viewer: &Viewer, id: i64) -> Result<customer::Model> {
        self.get(viewer, id)
            .await?
            .ok_or(Error::not_found("customer"))
    }

    /// Customers by id, whatever their organization (DataLoaders; callers
    /// only pass ids of records the viewer already sees).
    pub async fn by_ids(&self, ids: &[i64]) -> Result<Vec<customer::Model>> {
        Ok(customer::Entity::find()
            .filter(customer::Column::Id.is_in(ids.iter().copied()))
            .all(self.app.db())
            .await?)
    }

    /// The sales representatives of each customer.
    pub async fn sales_representatives_of(
        &self,
        customer_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<user::Model>>> {
        crate::links::linked::<customer_sales_representative::Entity, user::Entity>(
            self.app.db(),
            customer_sales_representative::Column::CustomerId,
            customer_ids,
            |l| l.customer_id,
        )
        .await
    }

    /// Checks a parent: a customer of the organization, and not `id` itself
    /// or one of its descendants.
    async fn check_parent(
        &self,
        viewer: &Viewer,
        id: Option<i64>,
        parent_id: i64,
        violations: &mut Violations,
    ) -> Result<()> {
        let mut current = Some(parent_id);
        let mut depth = 0;
        while let Some(ancestor) = current {
            if Some(ancestor) == id {
                violations.add("parentId", "a customer cannot be placed below itself");
                return Ok(());
            }
            let Some(found) = self.get(viewer, ancestor).await? else {
                violations.add("parentId", format!("customer {ancestor} does not exist"));
                return Ok(());
            };
            current = found.parent_id;
            depth += 1;
            if depth > 64 {
                violations.add("parentId", "the customer tree is deeper than 64 levels");
                return Ok(());
            }
        }
        Ok(())
    }

    pub async fn create(&self, viewer: &Viewer, input: CustomerInput) -> Result<customer::Model> {
        viewer.require(Permission::CustomersManage)?;
        let mut violations = Violations::new();
        let name = violations.absorb(validate::required(
            "name",
            input.name.as_deref().unwrap_or(""),
            255,
        ))?;
        let parent_id = input.parent_id.flatten();
        if let Some(parent) = parent_id {
            self.check_parent(viewer, None, parent, &mut violations)
                .await?;
        }
        let owner_id = input.owner_id.unwrap_or(viewer.user_id);
        let db = self.app.db();
        check_staff(
            db,
            viewer.organization_id,
            &[owner_id],
            "ownerId",
            &mut violations,
        )
        .await?;
        let representatives = dedup(&input.sales_representative_ids.unwrap_or_default());
        check_staff(
            db,
            viewer.organization_id,
            &representatives,
            "salesRepresentativeIds",
            &mut violations,
        )
        .await?;
        violations.finish()?;
        let now = self.app.now();
        let txn = crate::db::write(db).await?;
        let customer = customer::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            organization_id: Set(viewer.organization_id),
            parent_id: Set(parent_id),
            name: Set(name.unwrap_or_default()),
            owner_id: Set(owner_id),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        set_representatives(&txn, customer.id, &representatives).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "customer.create",
            Target::new("customer", customer.id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(customer)
    }

    pub async fn update(
        &self,
        viewer: &Viewer,
        id: i64,
        input: CustomerInput,
    ) -> Result<customer::Model> {
        viewer.require(Permission::CustomersManage)?;
        let current = self.visible(viewer, id).await?;
        let db = self.app.db();
        let mut violations = Violations::new();
        let mut model: customer::ActiveModel = current.into();
        if let Some(name) = &input.name
            && let Some(name) = violations.absorb(validate::required("name", name, 255))?
        {
            model.name = Set(name);
        }
        if let Some(parent_id) = input.parent_id {
            if let Some(parent) = parent_id {
                self.check_parent(viewer, Some(id), parent, &mut violations)
                    .await?;
            }
            model.parent_id = Set(parent_id);
        }
        if let Some(owner_id) = input.owner_id {
            check_staff(
                db,
                viewer.organization_id,
                &[owner_id],
                "ownerId",
                &mut violations,
            )
            .await?;
            model.owner_id = Set(owner_id);
        }
        let representatives = input.sales_representative_ids.map(|ids| dedup(&ids));
        if let Some(ids) = &representatives {
            check_staff(
                db,
                viewer.organization_id,
                ids,
                "salesRepresentativeIds",
                &mut violations,
            )
            .await?;
        }
        violations.finish()?;
        model.updated_at = Set(self.app.now());
        let txn = crate::db::write(db).await?;
        let customer = model.update(&txn).await?;
        if let Some(ids) = &representatives {
            set_representatives(&txn, id, ids).await?;
        }
        audit::record(
            &txn,
            &viewer.actor(),
            "customer.update",
            Target::new("customer", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(customer)
    }

    /// Deletes a customer with no customer users and no child customers.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> Result<()> {
        viewer.require(Permission::CustomersManage)?;
        self.visible(viewer, id).await?;
        let db = self.app.db();
        let users = customer_user::Entity::find()
            .filter(customer_user::Column::CustomerId.eq(id))
            .count(db)
            .await?;
        let children = customer::Entity::find()
            .filter(customer::Column::ParentId.eq(id))
            .count(db)
            .await?;
        if users > 0 || children > 0 {
            return Err(Error::Conflict {
                field: None,
                message: format!(
                    "the customer has {users} customer users and {children} child customers; delete or move them first"
                ),
            });
        }
        let txn = crate::db::write(db).await?;
        customer::Entity::delete_by_id(id).exec(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "customer.delete",
            Target::new("customer", id),
            None,
            None,
        )
        .await?;
        self.app.commit(txn).await?;
        Ok(())
    }
}

/// Replaces the sales representatives of a customer.
async fn set_representatives(
    conn: &impl ConnectionTrait,
    customer_id: i64,
    user_ids: &[i64],
) -> Result<()> {
    customer_sales_representative::Entity::delete_many()
        .filter(customer_sales_representative::Column::CustomerId.eq(customer_id))
        .exec(conn)
        .await?;
    if user_ids.is_empty() {
        return Ok(());
    }
    let rows = user_ids
        .iter()
        .map(|user_id| customer_sales_representative::ActiveModel {
            customer_id: Set(customer_id),
            user_id: Set(*user_id),
        });
    customer_sales_representative::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
