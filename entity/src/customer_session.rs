//! `customer_sessions`: storefront sessions of customer users, including
//! those a back-office user opened by impersonation. Only the SHA-256 of the
//! token is stored.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_user_id: i64,
    pub token_hash: String,
    /// The back-office user acting as the customer user, when impersonated.
    pub impersonator_id: Option<i64>,
    pub source_ip: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
