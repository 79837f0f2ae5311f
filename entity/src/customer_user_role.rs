//! `customer_user_roles`: the roles a customer user holds.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_user_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub role_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::customer_role::Entity",
        from = "Column::RoleId",
        to = "super::customer_role::Column::Id"
    )]
    Target,
}

impl Related<super::customer_role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Target.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
