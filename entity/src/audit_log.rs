//! `audit_log`: one entry per state-changing action.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub actor_user_id: Option<i64>,
    pub actor_name: Option<String>,
    /// The customer user who acted, for storefront actions.
    pub actor_customer_user_id: Option<i64>,
    /// The back-office user impersonating the acting customer user.
    pub impersonator_id: Option<i64>,
    /// The OAuth application (client id) whose token the request came with.
    pub actor_client_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub organization_id: Option<i64>,
    pub source_ip: Option<String>,
    pub details: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
