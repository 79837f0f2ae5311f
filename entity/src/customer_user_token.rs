//! `customer_user_tokens`: single-use links sent to customer users
//! (confirmation, password reset, setting a first password), stored as
//! SHA-256.

use sea_orm::entity::prelude::*;

/// What a customer-user link does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Purpose {
    /// Confirms the email address of a registration.
    #[sea_orm(string_value = "confirm")]
    Confirm,
    /// Sets a new password (reset, or the first one of a welcome email).
    #[sea_orm(string_value = "password")]
    Password,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_user_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_user_id: i64,
    pub purpose: Purpose,
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
