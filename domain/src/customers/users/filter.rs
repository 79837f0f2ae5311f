//! Filtering and ordering of the customer-user list.

use entity::customer_user::{self, AuthStatus};
use entity::customer_user_role;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, QueryFilter, Select};
use serde::{Deserialize, Serialize};

use crate::pagination::{Keyset, SortValue};

/// Which customer users to list; every criterion narrows the list.
/// Serializable: a mass action or export stores its selection as one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerUserFilter {
    /// Words matched anywhere in the names and the email.
    pub search: Option<String>,
    pub customer_id: Option<i64>,
    pub website_id: Option<i64>,
    pub enabled: Option<bool>,
    pub confirmed: Option<bool>,
    pub auth_status: Option<AuthStatus>,
    pub role_id: Option<i64>,
    /// Only these customer users (mass actions select by id).
    pub ids: Option<Vec<i64>>,
    /// Never these customer users.
    pub exclude_ids: Vec<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerUserOrderField {
    #[default]
    Email,
    LastName,
    CreatedAt,
    LastLoginAt,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CustomerUserOrder {
    pub field: CustomerUserOrderField,
    pub descending: bool,
}

impl CustomerUserFilter {
    pub fn apply(&self, select: Select<customer_user::Entity>) -> Select<customer_user::Entity> {
        let mut select = crate::customers::search_words(
            select,
            self.search.as_deref(),
            &[
                customer_user::Column::EmailCanonical,
                customer_user::Column::FirstName,
                customer_user::Column::MiddleName,
                customer_user::Column::LastName,
            ],
        );
        if let Some(customer) = self.customer_id {
            select = select.filter(customer_user::Column::CustomerId.eq(customer));
        }
        if let Some(website) = self.website_id {
            select = select.filter(customer_user::Column::WebsiteId.eq(website));
        }
        if let Some(enabled) = self.enabled {
            select = select.filter(customer_user::Column::Enabled.eq(enabled));
        }
        if let Some(confirmed) = self.confirmed {
            select = select.filter(customer_user::Column::Confirmed.eq(confirmed));
        }
        if let Some(status) = self.auth_status {
            select = select.filter(customer_user::Column::AuthStatus.eq(status));
        }
        if let Some(role) = self.role_id {
            select = select.filter(
                customer_user::Column::Id.in_subquery(
                    Query::select()
                        .column(customer_user_role::Column::CustomerUserId)
                        .from(customer_user_role::Entity)
                        .and_where(customer_user_role::Column::RoleId.eq(role))
                        .to_owned(),
                ),
            );
        }
        if let Some(ids) = &self.ids {
            select = select.filter(customer_user::Column::Id.is_in(ids.clone()));
        }
        if !self.exclude_ids.is_empty() {
            select = select.filter(customer_user::Column::Id.is_not_in(self.exclude_ids.clone()));
        }
        select
    }
}

impl CustomerUserOrder {
    pub(crate) fn keyset(&self) -> Keyset<customer_user::Column, customer_user::Column> {
        let (column, nullable) = match self.field {
            CustomerUserOrderField::Email => (customer_user::Column::EmailCanonical, false),
            CustomerUserOrderField::LastName => (customer_user::Column::LastName, false),
            CustomerUserOrderField::CreatedAt => (customer_user::Column::CreatedAt, false),
            CustomerUserOrderField::LastLoginAt => (customer_user::Column::LastLoginAt, true),
        };
        Keyset::new(column, customer_user::Column::Id, self.descending, nullable)
    }

    pub(crate) fn sort_value(&self, user: &customer_user::Model) -> SortValue {
        match self.field {
            CustomerUserOrderField::Email => SortValue::Text(user.email_canonical.clone()),
            CustomerUserOrderField::LastName => SortValue::Text(user.last_name.clone()),
            CustomerUserOrderField::CreatedAt => SortValue::Time(user.created_at),
            CustomerUserOrderField::LastLoginAt => SortValue::time(user.last_login_at),
        }
    }
}
