//! `oauth_applications`: client-credentials applications of a back-office
//! user or a customer user. The client secret is stored as a keyed hash.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    /// The back-office owner (backend tokens); exactly one owner is set.
    pub user_id: Option<i64>,
    /// The customer-user owner (frontend tokens).
    pub customer_user_id: Option<i64>,
    pub name: String,
    pub client_id: String,
    /// Lower-case hex HMAC-SHA-256 of the secret under the hash key.
    pub secret_hash: String,
    pub active: bool,
    /// Permission names the application's tokens may carry, space-separated.
    pub scopes: String,
    /// Tokens carry the generation they were issued in and work only while
    /// it is current; deactivation, rotation and the owner's revocation
    /// raise it.
    pub token_generation: i32,
    pub secret_rotated_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
