//! `customer_user_consents`: consents a customer user accepted, and when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_user_consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub consent_id: i64,
    pub accepted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::consent::Entity",
        from = "Column::ConsentId",
        to = "super::consent::Column::Id"
    )]
    Target,
}

impl Related<super::consent::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Target.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
